/* Campaign loader: the delivery fields of a campaign (budget, pacing, frequency_cap,
 * flight, timezone), read into struct campaign_delivery with the loader's primitives.
 * The format is documented in docs/campaigns.md ("Delivery"). */
#include "campaign_delivery.h"

#include "geobid/tz.h"

#include <stddef.h>
#include <string.h>

/* Bounds of the format (docs/campaigns.md). */
#define MAX_CAP_IMPRESSIONS 1000000
#define MAX_CAP_WINDOW_S (366 * 86400)

/* ---- budget ------------------------------------------------------------------- */

static const struct field budget_fields[] = {
    {"daily", offsetof(struct campaign_delivery, daily_budget_micros), read_money, false, 0, 0},
    {"total", offsetof(struct campaign_delivery, total_budget_micros), read_money, false, 0, 0},
};

int read_budget(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct campaign_delivery *delivery = out;
    if (read_object(l, value, budget_fields, FIELD_COUNT(budget_fields), delivery) != 0)
        return -1;
    if (delivery->daily_budget_micros == 0 && delivery->total_budget_micros == 0)
        return fail(l, "must set daily, total or both");
    return 0;
}

/* ---- pacing ------------------------------------------------------------------- */

int read_pacing(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    if (!slice_eq_cstr(text, "even") && !slice_eq_cstr(text, "asap"))
        return fail(l, "must be \"even\" or \"asap\"");
    ((struct campaign_delivery *)out)->pacing =
        slice_eq_cstr(text, "even") ? CAMPAIGN_PACING_EVEN : CAMPAIGN_PACING_ASAP;
    return 0;
}

/* ---- frequency cap -------------------------------------------------------------- */

/* true or false (not 0/1: a campaign file is written by people, not exchanges). */
static int read_flag(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice raw = json_raw(l->doc, value);
    bool is_literal = !json_is(l->doc, value, JSMN_STRING);
    if (!is_literal || (!slice_eq_cstr(raw, "true") && !slice_eq_cstr(raw, "false")))
        return fail(l, "expected true or false");
    *(bool *)out = slice_eq_cstr(raw, "true");
    return 0;
}

static const struct field cap_fields[] = {
    {"max", offsetof(struct campaign_delivery, cap_max), read_uint32, true, 1,
     MAX_CAP_IMPRESSIONS},
    {"window_s", offsetof(struct campaign_delivery, cap_window_s), read_uint32, true, 1,
     MAX_CAP_WINDOW_S},
    {"require_user", offsetof(struct campaign_delivery, cap_require_user), read_flag, false, 0,
     0},
};

int read_frequency_cap(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_object(l, value, cap_fields, FIELD_COUNT(cap_fields), out);
}

/* ---- flight ----------------------------------------------------------------------- */

/* Parses exactly `count` decimal digits at text[*at] into *out and advances *at. */
static bool take_digits(struct slice text, size_t *at, size_t count, int *out)
{
    int n = 0;
    for (size_t i = 0; i < count; i++) {
        if (*at >= text.len || text.ptr[*at] < '0' || text.ptr[*at] > '9')
            return false;
        n = n * 10 + (text.ptr[(*at)++] - '0');
    }
    *out = n;
    return true;
}

/* True when text[*at] is c (ignoring case for letters); advances *at past it. */
static bool take_char(struct slice text, size_t *at, char c)
{
    if (*at >= text.len || (text.ptr[*at] | 0x20) != (c | 0x20))
        return false;
    (*at)++;
    return true;
}

/* True when year-month-day is a real date: converting it to a day number and back
 * gives it again only then (day 31 of April comes back as May 1). */
static bool real_date(struct civil_date date)
{
    struct civil_date back = tz_civil_from_days(tz_days_from_civil(date));
    return back.year == date.year && back.month == date.month && back.day == date.day;
}

/* The date and time of day: "YYYY-MM-DDTHH:MM:SS" with an optional fraction (kept to
 * the millisecond). Returns false when malformed or out of range. */
static bool parse_local_time(struct slice text, size_t *at, int64_t *local_ms)
{
    int year, month, day, hour, minute, second;
    if (!take_digits(text, at, 4, &year) || !take_char(text, at, '-') ||
        !take_digits(text, at, 2, &month) || !take_char(text, at, '-') ||
        !take_digits(text, at, 2, &day) || !take_char(text, at, 'T') ||
        !take_digits(text, at, 2, &hour) || !take_char(text, at, ':') ||
        !take_digits(text, at, 2, &minute) || !take_char(text, at, ':') ||
        !take_digits(text, at, 2, &second))
        return false;
    struct civil_date date = {year, month, day};
    if (month < 1 || month > 12 || day < 1 || !real_date(date) || hour > 23 || minute > 59 ||
        second > 60) /* 60: a leap second, counted as the next one */
        return false;
    int ms = 0, digits = 0;
    if (take_char(text, at, '.')) {
        for (; *at < text.len && text.ptr[*at] >= '0' && text.ptr[*at] <= '9'; (*at)++, digits++)
            if (digits < 3)
                ms = ms * 10 + (text.ptr[*at] - '0');
        if (digits == 0)
            return false;
        for (int d = digits; d < 3; d++)
            ms *= 10;
    }
    int64_t days = tz_days_from_civil(date);
    *local_ms = ((days * 24 + hour) * 60 + minute) * 60000 + second * 1000 + ms;
    return true;
}

/* Parses an RFC 3339 date-time ("2026-12-01T08:00:00+01:00", "...Z") into Unix ms. */
static bool parse_rfc3339(struct slice text, int64_t *unix_ms)
{
    size_t at = 0;
    int64_t local_ms;
    if (!parse_local_time(text, &at, &local_ms))
        return false;
    int offset_min = 0;
    if (!take_char(text, &at, 'Z')) {
        int sign = at < text.len && text.ptr[at] == '-' ? -1 : 1;
        int hours, minutes;
        if (!(take_char(text, &at, '+') || take_char(text, &at, '-')) ||
            !take_digits(text, &at, 2, &hours) || !take_char(text, &at, ':') ||
            !take_digits(text, &at, 2, &minutes) || hours > 23 || minutes > 59)
            return false;
        offset_min = sign * (hours * 60 + minutes);
    }
    *unix_ms = local_ms - (int64_t)offset_min * 60000;
    return at == text.len;
}

/* A date-time at or after 1970 into the int64_t Unix ms at out. */
static int read_date_time(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice text;
    int64_t unix_ms;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    if (!parse_rfc3339(text, &unix_ms))
        return fail(l, "must be an RFC 3339 date-time such as \"2026-12-01T08:00:00+01:00\"");
    if (unix_ms <= 0)
        return fail(l, "must be after 1970-01-01T00:00:00Z");
    *(int64_t *)out = unix_ms;
    return 0;
}

static const struct field flight_fields[] = {
    {"start", offsetof(struct campaign_delivery, flight_start_ms), read_date_time, false, 0, 0},
    {"end", offsetof(struct campaign_delivery, flight_end_ms), read_date_time, false, 0, 0},
};

int read_flight(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct campaign_delivery *delivery = out;
    if (read_object(l, value, flight_fields, FIELD_COUNT(flight_fields), delivery) != 0)
        return -1;
    if (delivery->flight_start_ms == 0 && delivery->flight_end_ms == 0)
        return fail(l, "must set start, end or both");
    if (delivery->flight_end_ms != 0 && delivery->flight_end_ms <= delivery->flight_start_ms) {
        path_push_key(l, SLICE_LITERAL("end"));
        return fail(l, "must be after flight.start");
    }
    return 0;
}

/* ---- time zone -------------------------------------------------------------------- */

int read_timezone(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice name;
    if (read_transient_string(l, value, &name) != 0)
        return -1;
    if (tz_database_find(tz_system_database(), name) == NULL)
        return fail(l, "unknown time zone (expected an IANA name such as \"Europe/Paris\")");
    ((struct campaign_delivery *)out)->timezone = keep_copy(l, name);
    return 0;
}
