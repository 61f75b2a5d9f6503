/* Reader of a campaign's "schedule" (schedule.h): days of the week, hour ranges and
 * the time zone they are in. An IANA zone name must be known to the system's time zone
 * database (tz.h) when the file is loaded, so a typo is a load error rather than a
 * campaign that never bids. */
#include "campaign_schedule.h"

#include "geobid/schedule.h"
#include "geobid/tz.h"

/* The bit of a day name, "mon" ... "sun" in any case; 0 for anything else. */
static uint32_t day_bit(struct slice name)
{
    for (int day = 0; day < 7; day++)
        if (slice_eq_nocase(name, slice_from_cstr(schedule_day_names[day])))
            return 1u << day;
    return 0;
}

/* "days": a non-empty array of day names into the uint8_t mask. */
static int read_days(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    uint32_t days;
    if (read_name_mask(l, value, day_bit, "mon, tue, wed, thu, fri, sat, sun", &days) != 0)
        return -1;
    *(uint8_t *)out = (uint8_t)days;
    return 0;
}

static const struct field hour_bound = {"hour", 0, NULL, false, 0, 24};

/* One [start, end] pair: 0 <= start < end <= 24, into the bits of hours start..end-1. */
static int read_hour_range(struct loader *l, int value, uint32_t *hours)
{
    int64_t bounds[2];
    if (!json_is(l->doc, value, JSMN_ARRAY) || l->doc->tokens[value].size != 2)
        return fail(l, "must be [start, end], two hours");
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        if (read_bounded_integer(l, elem, &hour_bound, &bounds[n]) != 0)
            return -1;
        path_pop(l, saved);
    }
    if (bounds[0] >= bounds[1])
        return fail(l, "start must be before end (write [22, 24], [0, 2] across midnight)");
    for (int64_t hour = bounds[0]; hour < bounds[1]; hour++)
        *hours |= 1u << hour;
    return 0;
}

/* "hours": a non-empty array of [start, end] ranges into the uint32_t mask. */
static int read_hours(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    uint32_t hours = 0;
    if (check_array(l, value, false) != 0)
        return -1;
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        if (read_hour_range(l, elem, &hours) != 0)
            return -1;
        path_pop(l, saved);
    }
    *(uint32_t *)out = hours;
    return 0;
}

/* "user" (NULL) or an IANA name known to the system's database, into the zone pointer. */
static int read_zone(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice name;
    if (read_transient_string(l, value, &name) != 0)
        return -1;
    const struct tz_zone **zone = out;
    if (slice_eq_cstr(name, "user")) {
        *zone = NULL;
        return 0;
    }
    const struct tz_database *zones = tz_system_database();
    *zone = tz_database_find(zones, name);
    if (*zone != NULL)
        return 0;
    if (tz_database_problem(zones)[0] != '\0')
        return fail(l, "unknown time zone: no time zone database (%s)",
                    tz_database_problem(zones));
    return fail(l, "must be \"user\" or an IANA time zone name such as \"Europe/Paris\"");
}

static const struct field schedule_fields[] = {
    {"days", offsetof(struct schedule, days), read_days, false, 0, 0},
    {"hours", offsetof(struct schedule, hours), read_hours, false, 0, 0},
    {"timezone", offsetof(struct schedule, zone), read_zone, true, 0, 0},
};

int read_schedule(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct schedule *schedule = out;
    *schedule = (struct schedule){.present = true, .days = SCHEDULE_ALL_DAYS,
                                  .hours = SCHEDULE_ALL_HOURS};
    return read_object(l, value, schedule_fields, FIELD_COUNT(schedule_fields), schedule);
}
