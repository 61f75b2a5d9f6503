/* The ledger's numbers for people: per-campaign totals and hourly counters (UTC
 * hours, the last LEDGER_HOURS of them), as a struct or as JSON members. */
#include "ledger_internal.h"

#include <stdio.h>

enum { ms_per_hour = 3600 * 1000 };

struct ledger_hour *ledger_book_hour(struct ledger_book *book, int64_t now_ms)
{
    int64_t hour = now_ms / ms_per_hour;
    struct ledger_hour *bucket = &book->hours[hour % LEDGER_HOURS];
    if (bucket->hour != hour)
        *bucket = (struct ledger_hour){.hour = hour};
    return bucket;
}

/* Copies what the stats show of account (under its lock). */
static void copy_state(struct ledger_account *account, struct ledger_account_state *out,
                       struct ledger_book *book)
{
    pthread_mutex_lock(&account->lock);
    const struct campaign *campaign = account->campaign;
    *out = (struct ledger_account_state){
        .spent_total_micros = account->book.spent_total_micros,
        .spent_today_micros = account->book.spent_day_micros,
        .reserved_micros = account->reserved_micros,
        .unconfirmed_micros = account->book.unconfirmed_micros,
        .daily_budget_micros = campaign ? campaign->delivery.daily_budget_micros : 0,
        .total_budget_micros = campaign ? campaign->delivery.total_budget_micros : 0,
        .bids = account->book.bids,
        .wins = account->book.wins,
        .impressions = account->book.impressions,
        .late_refused = account->book.late_refused,
    };
    if (book != NULL)
        *book = account->book;
    pthread_mutex_unlock(&account->lock);
}

bool ledger_account_state(struct ledger *ledger, struct slice campaign_id,
                          struct ledger_account_state *out)
{
    struct ledger_account *account = ledger_find_account(ledger, campaign_id);
    if (account == NULL)
        return false;
    copy_state(account, out, NULL);
    return true;
}

/* ---- JSON -------------------------------------------------------------------------- */

static void append_member(struct outbuf *out, const char *name, int64_t value)
{
    outbuf_append_cstr(out, name);
    outbuf_append_int(out, value);
}

/* "micros" or null for an unset budget. */
static void append_budget(struct outbuf *out, const char *name, int64_t micros)
{
    outbuf_append_cstr(out, name);
    if (micros > 0)
        outbuf_append_int(out, micros);
    else
        outbuf_append_cstr(out, "null");
}

/* ,"refused":{"out_of_flight":N,...,"busy":N}: bids refused since start, by status. */
static void append_refusals(struct outbuf *out, struct ledger_account *account)
{
    const char *separator = ",\"refused\":{\"";
    for (int status = LEDGER_OUT_OF_FLIGHT; status <= LEDGER_BUSY; status++) {
        outbuf_append_cstr(out, separator);
        outbuf_append_cstr(out, ledger_status_name((enum ledger_status)status));
        outbuf_append_cstr(out, "\":");
        outbuf_append_int(out, (int64_t)atomic_load_explicit(&account->refused[status],
                                                             memory_order_relaxed));
        separator = ",\"";
    }
    outbuf_append_cstr(out, "}");
}

/* "2026-11-23T14:00:00Z" for an hour number. */
static void append_hour_name(struct outbuf *out, int64_t hour)
{
    struct civil_date date = tz_civil_from_days(hour / 24);
    char text[32];
    snprintf(text, sizeof(text), "\"%04d-%02d-%02dT%02d:00:00Z\"", (int)date.year,
             (int)date.month, (int)date.day, (int)(hour % 24));
    outbuf_append_cstr(out, text);
}

static void append_hour(struct outbuf *out, const struct ledger_hour *hour)
{
    outbuf_append_cstr(out, "{\"hour\":");
    append_hour_name(out, hour->hour);
    append_member(out, ",\"bids\":", (int64_t)hour->bids);
    append_member(out, ",\"wins\":", (int64_t)hour->wins);
    append_member(out, ",\"impressions\":", (int64_t)hour->impressions);
    append_member(out, ",\"spend_micros\":", hour->spend_micros);
    append_member(out, ",\"reserved_gross_micros\":", hour->reserved_gross_micros);
    outbuf_append_cstr(out, "}");
}

/* The hours of book that had activity, oldest first. */
static void append_hours(struct outbuf *out, const struct ledger_book *book)
{
    int64_t newest = 0;
    for (size_t i = 0; i < LEDGER_HOURS; i++)
        newest = book->hours[i].hour > newest ? book->hours[i].hour : newest;
    const char *separator = "";
    outbuf_append_cstr(out, "\"hourly\":[");
    for (int64_t hour = newest - LEDGER_HOURS + 1; hour <= newest; hour++) {
        const struct ledger_hour *bucket = &book->hours[(hour % LEDGER_HOURS + LEDGER_HOURS) %
                                                        LEDGER_HOURS];
        if (hour <= 0 || bucket->hour != hour)
            continue;
        outbuf_append_cstr(out, separator);
        append_hour(out, bucket);
        separator = ",";
    }
    outbuf_append_cstr(out, "]");
}

bool ledger_stats_append_json(struct ledger *ledger, struct slice campaign_id,
                              struct outbuf *out)
{
    struct ledger_account *account = ledger_find_account(ledger, campaign_id);
    if (account == NULL)
        return false;
    struct ledger_account_state state;
    struct ledger_book book;
    copy_state(account, &state, &book);
    append_member(out, ",\"bids\":", (int64_t)state.bids);
    append_member(out, ",\"wins\":", (int64_t)state.wins);
    append_member(out, ",\"impressions\":", (int64_t)state.impressions);
    append_member(out, ",\"spend_micros\":", state.spent_total_micros);
    append_member(out, ",\"reserved_micros\":", state.reserved_micros);
    append_member(out, ",\"spend_today_micros\":", state.spent_today_micros);
    append_member(out, ",\"unconfirmed_micros\":", state.unconfirmed_micros);
    append_member(out, ",\"late_refused\":", (int64_t)state.late_refused);
    append_refusals(out, account);
    append_budget(out, ",\"budget\":{\"daily_micros\":", state.daily_budget_micros);
    append_budget(out, ",\"total_micros\":", state.total_budget_micros);
    outbuf_append_cstr(out, "},");
    append_hours(out, &book);
    return true;
}
