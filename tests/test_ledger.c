/* Tests for the ledger (src/ledger*.c): reservations and their outcomes, budgets,
 * flights, days in a time zone, expiry and late notices, the reservation ring, campaign
 * reloads, which accounts the maintenance tick visits, frequency caps through the ledger,
 * stats, durability across a clean close and across kill -9, leases, and the overspend
 * property under concurrent threads. */
#include "geobid/ledger.h"

#include "geobid/alloc.h"
#include "test_support.h"

#include <check.h>
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define T0 1795428000000 /* 2026-11-23T10:00:00Z, a Monday */
#define HOUR_MS 3600000
#define CREATIVE "'creatives':[{'id':'c','w':300,'h':250,'adm':'x'}]"

/* Campaigns used below. bid_cpm 2 → each bid reserves 2000 micros. */
static const char *const campaigns_json =
    "{'campaigns':["
    "{'id':'daily','bid_cpm':2,'budget':{'daily':0.01},'pacing':'asap'," CREATIVE "},"        /* 5 bids/day */
    "{'id':'total','bid_cpm':2,'budget':{'total':0.006}," CREATIVE "},"       /* 3 bids */
    "{'id':'free','bid_cpm':2," CREATIVE "},"
    "{'id':'paris','bid_cpm':2,'budget':{'daily':0.004},'pacing':'asap','timezone':'Europe/Paris'," CREATIVE "},"
    "{'id':'flight','bid_cpm':2,'flight':{'start':'2026-11-23T11:00:00Z',"
    "'end':'2026-11-23T12:00:00Z'}," CREATIVE "},"
    "{'id':'capped','bid_cpm':2,'frequency_cap':{'max':2,'window_s':3600,'require_user':true},"
    CREATIVE "},"
    "{'id':'durable','bid_cpm':2,'budget':{'total':0.2}," CREATIVE "},"               /* 100 bids */
    "{'id':'race-daily','bid_cpm':2,'budget':{'daily':0.5},'pacing':'asap'," CREATIVE "},"
    "{'id':'race-total','bid_cpm':2,'budget':{'total':0.4,'daily':0.3},'pacing':'asap',"
    CREATIVE "},"
    "{'id':'race-paris','bid_cpm':2,'budget':{'daily':0.3},'pacing':'asap',"
    "'timezone':'Europe/Paris'," CREATIVE "}"
    "]}";

/* The fixture of every test (setup_in_memory() or setup_on_disk()). */
static struct manual_clock test_clock;
static struct campaign_set campaigns;
static struct ledger *ledger;
static char *data_dir; /* NULL: the ledger lives in memory */

static void load_campaigns(struct campaign_set *set, const char *quoted)
{
    struct arena arena;
    arena_init(&arena, 4096);
    const char *json = test_dq(&arena, quoted);
    test_campaigns_load(set, json, strlen(json));
    arena_free(&arena);
}

static int64_t now(void)
{
    return clock_now_ms(&test_clock.clock);
}

/* Opens a ledger on the data directory (if any) with room for max_reservations (0: the
 * default), synced to the campaigns. */
static struct ledger *open_ledger(size_t max_reservations)
{
    struct ledger_options options = {
        .clock = &test_clock.clock,
        .data_dir = data_dir,
        .reservation_ttl_ms = 120000,
        .max_reservations = max_reservations,
    };
    struct error err = {""};
    struct ledger *opened = ledger_open(&options, &err);
    ck_assert_msg(opened != NULL, "%s", err.message);
    ck_assert_int_eq(ledger_sync(opened, &campaigns, &err), 0);
    ledger_tick(opened, now()); /* leases, with a data directory */
    return opened;
}

/* Closes the ledger (when open) and opens it again, as after a restart. */
static void reopen_ledger(size_t max_reservations)
{
    ledger_close(ledger);
    ledger = open_ledger(max_reservations);
}

static void setup(bool durable)
{
    manual_clock_init(&test_clock, T0);
    load_campaigns(&campaigns, campaigns_json);
    data_dir = durable ? test_temp_dir_create() : NULL;
    ledger = open_ledger(0);
}

static void setup_in_memory(void)
{
    setup(false);
}

static void setup_on_disk(void)
{
    setup(true);
}

static void teardown(void)
{
    ledger_close(ledger);
    campaign_set_free(&campaigns);
    if (data_dir != NULL)
        test_temp_dir_remove(data_dir);
}

static const struct campaign *campaign(const char *id)
{
    for (size_t i = 0; i < campaigns.count; i++)
        if (slice_eq_cstr(campaigns.campaigns[i].id, id))
            return &campaigns.campaigns[i];
    ck_abort_msg("no campaign %s", id);
    return NULL;
}

static enum ledger_status reserve_for(const char *id, const struct user_key *user,
                                      ledger_reservation_id *out)
{
    struct ledger_bid bid = {campaign(id), campaign(id)->bid_cpm_micros, user, now()};
    struct ledger_reservation reservation = {0, 0};
    enum ledger_status status = ledger_reserve(ledger, &bid, &reservation);
    if (out != NULL)
        *out = reservation.id;
    return status;
}

static ledger_reservation_id reserve_ok(const char *id)
{
    ledger_reservation_id reservation;
    enum ledger_status status = reserve_for(id, NULL, &reservation);
    ck_assert_msg(status == LEDGER_OK, "%s: %s", id, ledger_status_name(status));
    ck_assert_uint_ne(reservation, 0);
    return reservation;
}

static ledger_reservation_id reserve_ok_user(const struct user_key *user)
{
    ledger_reservation_id reservation;
    enum ledger_status status = reserve_for("capped", user, &reservation);
    ck_assert_msg(status == LEDGER_OK, "capped: %s", ledger_status_name(status));
    return reservation;
}

static struct ledger_account_state state_of(const char *id)
{
    struct ledger_account_state state;
    ck_assert(ledger_account_state(ledger, slice_from_cstr(id), &state));
    return state;
}

static enum ledger_status win(const char *id, ledger_reservation_id r, int64_t price_cpm_micros)
{
    return ledger_commit(ledger, slice_from_cstr(id), r, price_cpm_micros, LEDGER_NOTICE_WIN,
                         now());
}

static void assert_status_is(enum ledger_status expected, enum ledger_status actual, int line)
{
    ck_assert_msg(expected == actual, "line %d: expected %s, got %s", line,
                  ledger_status_name(expected), ledger_status_name(actual));
}

#define assert_status(expected, actual) assert_status_is((expected), (actual), __LINE__)

/* Reserves a bid on campaign id and wins it at price_cpm_micros. */
static void win_a_bid(const char *id, int64_t price_cpm_micros)
{
    assert_status(LEDGER_OK, win(id, reserve_ok(id), price_cpm_micros));
}

/* Reserves a bid on "capped" for user and wins it at 1.00 CPM. */
static void win_a_capped_bid(const struct user_key *user)
{
    assert_status(LEDGER_OK, win("capped", reserve_ok_user(user), 1000000));
}

static void format_account(const struct ledger_account_state *state, char *text, size_t size)
{
    snprintf(text, size,
             "spent %" PRId64 " (today %" PRId64 ", unconfirmed %" PRId64 "), reserved %" PRId64
             ", budgets %" PRId64 "/%" PRId64 " (daily/total), bids %" PRIu64 ", wins %" PRIu64
             ", impressions %" PRIu64 ", late refused %" PRIu64,
             state->spent_total_micros, state->spent_today_micros, state->unconfirmed_micros,
             state->reserved_micros, state->daily_budget_micros, state->total_budget_micros,
             state->bids, state->wins, state->impressions, state->late_refused);
}

static void assert_account_is(const char *id, const struct ledger_account_state *expected,
                              int line)
{
    struct ledger_account_state actual = state_of(id);
    char want[512], got[512];
    format_account(expected, want, sizeof(want));
    format_account(&actual, got, sizeof(got));
    ck_assert_msg(strcmp(want, got) == 0, "line %d: %s: expected %s; got %s", line, id, want,
                  got);
}

/* Checks every number of campaign id's account: the members named (designated
 * initializers of struct ledger_account_state), all others 0. */
#define assert_account(id, ...)                                                                 \
    assert_account_is((id), &(struct ledger_account_state){__VA_ARGS__}, __LINE__)

/* ---- reservations and budgets ------------------------------------------------------- */

START_TEST(cost_is_a_thousandth_of_the_cpm_rounded_up)
{
    ck_assert_int_eq(ledger_cost_micros(2000000), 2000);
    ck_assert_int_eq(ledger_cost_micros(1234567), 1235);
    ck_assert_int_eq(ledger_cost_micros(1), 1);
    ck_assert_int_eq(ledger_cost_micros(0), 0);
}
END_TEST

START_TEST(a_daily_budget_admits_exactly_what_it_covers)
{
    for (int i = 0; i < 5; i++)
        reserve_ok("daily");
    assert_status(LEDGER_OVER_BUDGET, reserve_for("daily", NULL, NULL));
    assert_account("daily", .reserved_micros = 10000, .daily_budget_micros = 10000, .bids = 5);
}
END_TEST

START_TEST(commit_charges_the_clearing_price_and_frees_the_rest)
{
    ledger_reservation_id r[5];
    for (int i = 0; i < 5; i++)
        r[i] = reserve_ok("daily");
    assert_status(LEDGER_OK, win("daily", r[0], 1000000)); /* 1.00 CPM: 1000 micros */
    assert_account("daily", .spent_total_micros = 1000, .spent_today_micros = 1000,
                   .reserved_micros = 8000, .daily_budget_micros = 10000, .bids = 5, .wins = 1);
    assert_status(LEDGER_OVER_BUDGET, reserve_for("daily", NULL, NULL)); /* 11000 */
    assert_status(LEDGER_OK, ledger_release(ledger, SLICE_LITERAL("daily"), r[1], now()));
    reserve_ok("daily"); /* 1000 + 8000 + 2000 - 2000 = 9000 + ... fits again */
}
END_TEST

START_TEST(a_total_budget_holds_across_days)
{
    for (int i = 0; i < 3; i++)
        win_a_bid("total", 2000000);
    assert_status(LEDGER_OVER_BUDGET, reserve_for("total", NULL, NULL));
    manual_clock_advance(&test_clock, 48 * HOUR_MS);
    assert_status(LEDGER_OVER_BUDGET, reserve_for("total", NULL, NULL));
    assert_account("total", .spent_total_micros = 6000, .total_budget_micros = 6000, .bids = 3,
                   .wins = 3);
}
END_TEST

START_TEST(repeated_and_mixed_notices_commit_once)
{
    ledger_reservation_id r = reserve_ok("daily");
    assert_status(LEDGER_OK, win("daily", r, 1500000));
    assert_status(LEDGER_DUPLICATE, win("daily", r, 1500000));
    for (int i = 0; i < 2; i++)
        assert_status(LEDGER_DUPLICATE, ledger_commit(ledger, SLICE_LITERAL("daily"), r, 2000000,
                                                      LEDGER_NOTICE_BILLING, now()));
    assert_status(LEDGER_DUPLICATE, ledger_release(ledger, SLICE_LITERAL("daily"), r, now()));
    assert_account("daily", .spent_total_micros = 1500, .spent_today_micros = 1500,
                   .daily_budget_micros = 10000, .bids = 1, .wins = 1, .impressions = 1);
}
END_TEST

START_TEST(billing_first_commits_and_a_later_win_only_counts)
{
    ledger_reservation_id r = reserve_ok("free");
    assert_status(LEDGER_OK, ledger_commit(ledger, SLICE_LITERAL("free"), r, 2000000,
                                           LEDGER_NOTICE_BILLING, now()));
    assert_status(LEDGER_DUPLICATE, win("free", r, 1000000));
    assert_account("free", .spent_total_micros = 2000, .spent_today_micros = 2000, .bids = 1,
                   .wins = 1, .impressions = 1);
}
END_TEST

START_TEST(bad_notices_change_nothing)
{
    ledger_reservation_id r = reserve_ok("daily");
    assert_status(LEDGER_PRICE_ABOVE_BID, win("daily", r, 2000001));
    assert_status(LEDGER_PRICE_ABOVE_BID, win("daily", r, -1));
    assert_status(LEDGER_UNKNOWN, win("total", r, 1000000));          /* other campaign */
    assert_status(LEDGER_UNKNOWN, win("daily", r + 1, 1000000));      /* never issued */
    assert_status(LEDGER_UNKNOWN, win("daily", r & 0xFFFF, 1000000)); /* no epoch */
    assert_status(LEDGER_UNKNOWN, win("daily", r + (UINT64_C(1) << 48), 1000000));
    assert_status(LEDGER_UNKNOWN, ledger_release(ledger, SLICE_LITERAL("nope"), r, now()));
    assert_account("daily", .reserved_micros = 2000, .daily_budget_micros = 10000, .bids = 1);
    assert_status(LEDGER_OK, win("daily", r, 2000000)); /* still committable */
}
END_TEST

START_TEST(unknown_and_removed_campaigns_do_not_bid)
{
    struct campaign_set other;
    load_campaigns(&other, "{'campaigns':[{'id':'new','bid_cpm':1," CREATIVE "}]}");
    struct ledger_bid bid = {&other.campaigns[0], 1000000, NULL, now()};
    struct ledger_reservation out;
    assert_status(LEDGER_NO_ACCOUNT, ledger_reserve(ledger, &bid, &out));
    struct error err;
    ck_assert_int_eq(ledger_sync(ledger, &other, &err), 0);
    assert_status(LEDGER_OK, ledger_reserve(ledger, &bid, &out));
    assert_status(LEDGER_NO_ACCOUNT, reserve_for("daily", NULL, NULL)); /* not in `other` */
    ck_assert(!ledger_account_state(ledger, SLICE_LITERAL("missing"), &(struct ledger_account_state){0}));
    ck_assert_int_eq(ledger_sync(ledger, &campaigns, &err), 0);
    campaign_set_free(&other);
}
END_TEST

START_TEST(a_reload_keeps_spend_and_takes_new_budgets)
{
    win_a_bid("daily", 2000000);
    struct campaign_set bigger;
    load_campaigns(&bigger, "{'campaigns':[{'id':'daily','bid_cpm':2,'budget':{'daily':0.004},'pacing':'asap',"
                            CREATIVE "}]}");
    struct error err;
    ck_assert_int_eq(ledger_sync(ledger, &bigger, &err), 0);
    assert_account("daily", .spent_total_micros = 2000, .spent_today_micros = 2000,
                   .daily_budget_micros = 4000, .bids = 1, .wins = 1);
    struct ledger_bid bid = {&bigger.campaigns[0], 2000000, NULL, now()};
    struct ledger_reservation out;
    assert_status(LEDGER_OK, ledger_reserve(ledger, &bid, &out));
    assert_status(LEDGER_OVER_BUDGET, ledger_reserve(ledger, &bid, &out));
    ck_assert_int_eq(ledger_sync(ledger, &campaigns, &err), 0);
    campaign_set_free(&bigger);
}
END_TEST

START_TEST(flight_bounds_are_start_inclusive_end_exclusive)
{
    manual_clock_init(&test_clock, T0 + HOUR_MS - 1);
    assert_status(LEDGER_OUT_OF_FLIGHT, reserve_for("flight", NULL, NULL));
    manual_clock_advance(&test_clock, 1);
    reserve_ok("flight");
    manual_clock_advance(&test_clock, HOUR_MS - 1);
    reserve_ok("flight");
    manual_clock_advance(&test_clock, 1);
    assert_status(LEDGER_OUT_OF_FLIGHT, reserve_for("flight", NULL, NULL));
}
END_TEST

START_TEST(the_day_turns_at_local_midnight)
{
    for (int i = 0; i < 2; i++)
        win_a_bid("paris", 2000000);
    assert_status(LEDGER_OVER_BUDGET, reserve_for("paris", NULL, NULL));
    /* Paris midnight is 23:00 UTC in November. */
    manual_clock_init(&test_clock, 1795474800000 - 1);
    assert_status(LEDGER_OVER_BUDGET, reserve_for("paris", NULL, NULL));
    manual_clock_advance(&test_clock, 1);
    reserve_ok("paris");
    assert_account("paris", .spent_total_micros = 4000, .reserved_micros = 2000,
                   .daily_budget_micros = 4000, .bids = 3, .wins = 2);
}
END_TEST

/* ---- expiry and late notices ----------------------------------------------------------- */

START_TEST(unanswered_reservations_expire_after_the_ttl)
{
    ledger_reservation_id r = reserve_ok("daily");
    manual_clock_advance(&test_clock, 60000);
    reserve_ok("daily");
    manual_clock_advance(&test_clock, 60000 - 1);
    ledger_tick(ledger, now());
    ck_assert_int_eq(state_of("daily").reserved_micros, 4000);
    manual_clock_advance(&test_clock, 1);
    ledger_tick(ledger, now());
    ck_assert_int_eq(state_of("daily").reserved_micros, 2000);
    assert_status(LEDGER_DUPLICATE, ledger_release(ledger, SLICE_LITERAL("daily"), r, now()));
    manual_clock_advance(&test_clock, 60000);
    ledger_tick(ledger, now());
    ck_assert_int_eq(state_of("daily").reserved_micros, 0);
}
END_TEST

START_TEST(a_late_win_commits_only_when_still_covered)
{
    ledger_reservation_id early = reserve_ok("daily");
    manual_clock_advance(&test_clock, 120000);
    ledger_tick(ledger, now());
    assert_status(LEDGER_LATE_COMMITTED, win("daily", early, 2000000));
    assert_status(LEDGER_DUPLICATE, win("daily", early, 2000000));
    ledger_reservation_id late = reserve_ok("daily");
    manual_clock_advance(&test_clock, 120000);
    ledger_tick(ledger, now());
    for (int i = 0; i < 4; i++) /* fill the rest of the day: 2000 spent + 8000 reserved */
        reserve_ok("daily");
    assert_status(LEDGER_LATE_REFUSED, win("daily", late, 2000000));
    assert_account("daily", .spent_total_micros = 2000, .spent_today_micros = 2000,
                   .reserved_micros = 8000, .daily_budget_micros = 10000, .bids = 6, .wins = 1,
                   .late_refused = 1);
}
END_TEST

START_TEST(a_full_ring_refuses_budgeted_bids_and_forgets_old_ones)
{
    reopen_ledger(4);
    ledger_reservation_id first = reserve_ok("total");
    for (int i = 0; i < 3; i++)
        reserve_ok("free");
    assert_status(LEDGER_BUSY, reserve_for("daily", NULL, NULL));
    ledger_reservation_id unreserved;
    assert_status(LEDGER_OK, reserve_for("free", NULL, &unreserved));
    ck_assert_uint_eq(unreserved, 0);
    ck_assert_int_eq(state_of("daily").reserved_micros, 0);
    ck_assert_uint_eq(state_of("free").bids, 4);
    assert_status(LEDGER_OK, win("total", first, 1000000));
    ledger_reservation_id reused = reserve_ok("daily"); /* takes first's slot */
    assert_status(LEDGER_TOO_OLD, win("total", first, 1000000));
    ck_assert_int_eq(state_of("total").spent_total_micros, 1000);
    assert_status(LEDGER_OK, win("daily", reused, 1000000));
}
END_TEST

/* ---- the maintenance tick visits only what needs it ----------------------------------- */

enum { generated_count = 1000 }; /* campaigns g0..g999; the odd ones paced evenly */

/* Loads generated_count campaigns bidding 2 CPM without budgets, but every odd one with
 * a daily budget of 1.00 and even pacing. */
static void load_generated(struct campaign_set *set)
{
    char *json;
    size_t len;
    FILE *text = open_memstream(&json, &len);
    fputs("{\"campaigns\":[", text);
    for (int c = 0; c < generated_count; c++)
        fprintf(text, "%s{\"id\":\"g%d\",\"bid_cpm\":2,%s\"creatives\":[{\"id\":\"c\",\"w\":300,"
                      "\"h\":250,\"adm\":\"x\"}]}",
                c ? "," : "", c, c % 2 ? "\"budget\":{\"daily\":1},\"pacing\":\"even\"," : "");
    fputs("]}", text);
    fclose(text);
    test_campaigns_load(set, json, len);
    free(json);
}

/* Moves the clock on by advance_ms and runs a tick; returns how many accounts it visited. */
static size_t tick_after(int64_t advance_ms)
{
    manual_clock_advance(&test_clock, advance_ms);
    return ledger_tick(ledger, now());
}

/* Points the ledger at the generated campaigns (after the fixture's, which no longer
 * bid), with a first tick visiting every account; returns how many accounts there are. */
static size_t sync_generated(struct campaign_set *set)
{
    load_generated(set);
    struct error err;
    ck_assert_int_eq(ledger_sync(ledger, set, &err), 0);
    size_t accounts = campaigns.count + set->count;
    ck_assert_uint_eq(tick_after(0), accounts);
    return accounts;
}

static void unsync_generated(struct campaign_set *set)
{
    struct error err;
    ck_assert_int_eq(ledger_sync(ledger, &campaigns, &err), 0);
    campaign_set_free(set);
}

START_TEST(idle_accounts_are_not_visited)
{
    struct campaign_set generated;
    size_t accounts = sync_generated(&generated);
    for (int i = 0; i < 100; i++) /* 5 s of 50 ms ticks, no interval ends */
        ck_assert_uint_eq(tick_after(50), 0);
    ck_assert_uint_eq(tick_after(-1), accounts); /* the clock went back: every one */
    ck_assert_uint_eq(tick_after(1), 0);
    unsync_generated(&generated);
}
END_TEST

START_TEST(an_account_is_visited_once_after_each_change)
{
    ck_assert_uint_eq(tick_after(50), 0);
    ledger_reservation_id r = reserve_ok("daily");
    ck_assert_uint_eq(tick_after(50), 1);
    ck_assert_uint_eq(tick_after(50), 0);
    assert_status(LEDGER_OK, win("daily", r, 1000000));
    ck_assert_uint_eq(tick_after(50), 1);
    ck_assert_uint_eq(tick_after(50), 0);
    r = reserve_ok("free");
    ck_assert_uint_eq(tick_after(50), 1);
    assert_status(LEDGER_OK, ledger_release(ledger, SLICE_LITERAL("free"), r, now()));
    ck_assert_uint_eq(tick_after(50), 1);
    reserve_ok("total");
    ck_assert_uint_eq(tick_after(50), 1);
    ck_assert_uint_eq(tick_after(120000), 1); /* expired by this very tick */
    ck_assert_int_eq(state_of("total").reserved_micros, 0);
    ck_assert_uint_eq(tick_after(50), 0);
    state_of("daily");
    assert_status(LEDGER_OUT_OF_FLIGHT, reserve_for("flight", NULL, NULL));
    assert_status(LEDGER_USER_REQUIRED, reserve_for("capped", NULL, NULL));
    ck_assert_uint_eq(tick_after(50), 0); /* reads and refusals change nothing */
}
END_TEST

START_TEST(a_reload_visits_the_accounts_it_changes)
{
    struct error err;
    ck_assert_int_eq(ledger_sync(ledger, &campaigns, &err), 0);
    ck_assert_uint_eq(tick_after(50), 0); /* the same campaigns */
    struct campaign_set reloaded;
    load_campaigns(&reloaded, campaigns_json);
    ck_assert_int_eq(ledger_sync(ledger, &reloaded, &err), 0);
    ck_assert_uint_eq(tick_after(50), campaigns.count);
    ck_assert_uint_eq(tick_after(50), 0);
    ck_assert_int_eq(ledger_sync(ledger, &campaigns, &err), 0);
    ck_assert_uint_eq(tick_after(50), campaigns.count);
    campaign_set_free(&reloaded);
}
END_TEST

START_TEST(idle_accounts_roll_pacing_and_days_on_time)
{
    struct campaign_set generated;
    size_t accounts = sync_generated(&generated), paced = generated_count / 2;
    struct ledger_bid bid = {&generated.campaigns[1], 2000000, NULL, now()};
    struct ledger_reservation reservation;
    assert_status(LEDGER_OK, ledger_reserve(ledger, &bid, &reservation)); /* g1: paced */
    assert_status(LEDGER_OK, win("g1", reservation.id, 2000000));
    ck_assert_uint_eq(tick_after(50), 1);
    ck_assert_uint_eq(tick_after(60000 - 50 - 1), 0);
    ck_assert_uint_eq(tick_after(1), paced); /* 10:01: the next pacing interval */
    ck_assert_uint_eq(tick_after(50), 0);
    manual_clock_init(&test_clock, T0 + 14 * HOUR_MS - 1); /* just before UTC midnight */
    ck_assert_uint_eq(tick_after(0), paced);
    ck_assert_int_eq(state_of("g1").spent_today_micros, 2000);
    ck_assert_uint_eq(tick_after(1), accounts); /* every one's day ends */
    ck_assert_int_eq(state_of("g1").spent_today_micros, 0);
    ck_assert_int_eq(state_of("g1").spent_total_micros, 2000);
    ck_assert_uint_eq(tick_after(50), 0);
    unsync_generated(&generated);
}
END_TEST

/* ---- frequency caps through the ledger ------------------------------------------------- */

START_TEST(caps_count_in_flight_bids_and_need_a_user_when_required)
{
    struct user_key alice = {{1, 2, 3}}, bob = {{9, 9, 9}};
    assert_status(LEDGER_USER_REQUIRED, reserve_for("capped", NULL, NULL));
    ledger_reservation_id a1, a2;
    assert_status(LEDGER_OK, reserve_for("capped", &alice, &a1));
    assert_status(LEDGER_OK, reserve_for("capped", &alice, &a2));
    assert_status(LEDGER_CAPPED, reserve_for("capped", &alice, NULL));
    assert_status(LEDGER_OK, reserve_for("capped", &bob, NULL));
    assert_status(LEDGER_OK, ledger_release(ledger, SLICE_LITERAL("capped"), a2, now()));
    assert_status(LEDGER_OK, win("capped", a1, 1000000));
    win_a_capped_bid(&alice);
    assert_status(LEDGER_CAPPED, reserve_for("capped", &alice, NULL));
    manual_clock_advance(&test_clock, HOUR_MS);
    ledger_tick(ledger, now());
    assert_status(LEDGER_OK, reserve_for("capped", &alice, NULL));
}
END_TEST

START_TEST(erasing_a_user_forgets_their_counts)
{
    struct user_key alice = {{7}};
    for (int i = 0; i < 2; i++)
        win_a_capped_bid(&alice);
    assert_status(LEDGER_CAPPED, reserve_for("capped", &alice, NULL));
    ledger_tick(ledger, now()); /* written to disk */
    struct error err;
    ck_assert_int_eq(ledger_erase_user(ledger, &alice, &err), 1);
    reserve_ok_user(&alice);
    reopen_ledger(0);
    reserve_ok_user(&alice);
    reserve_ok_user(&alice);
}
END_TEST

START_TEST(erasing_a_user_reaches_their_bids_in_flight)
{
    struct user_key alice = {{6}};
    ledger_reservation_id expired = reserve_ok_user(&alice);
    manual_clock_advance(&test_clock, 121000);
    ledger_tick(ledger, now());
    ledger_reservation_id live = reserve_ok_user(&alice);
    struct error err;
    ck_assert_int_eq(ledger_erase_user(ledger, &alice, &err), 1); /* the pending bid */
    assert_status(LEDGER_LATE_COMMITTED, win("capped", expired, 1000000));
    assert_status(LEDGER_OK, win("capped", live, 1000000));
    ck_assert_uint_eq(state_of("capped").wins, 2);
    ck_assert_int_eq(ledger_erase_user(ledger, &alice, &err), 0); /* nothing counted */
    reopen_ledger(0);
    reserve_ok_user(&alice);
    reserve_ok_user(&alice);
    assert_status(LEDGER_CAPPED, reserve_for("capped", &alice, NULL));
}
END_TEST

START_TEST(ended_windows_are_purged_at_open)
{
    struct user_key alice = {{8}}, bob = {{9}};
    for (int i = 0; i < 2; i++)
        win_a_capped_bid(&alice);
    manual_clock_advance(&test_clock, HOUR_MS / 2);
    win_a_capped_bid(&bob);
    ledger_close(ledger);
    manual_clock_advance(&test_clock, HOUR_MS / 2);
    ledger = open_ledger(0);
    struct error err;
    ck_assert_int_eq(ledger_erase_user(ledger, &alice, &err), 0); /* gone from disk */
    ck_assert_int_eq(ledger_erase_user(ledger, &bob, &err), 1);   /* still in its window */
}
END_TEST

/* ---- stats ----------------------------------------------------------------------------- */

START_TEST(stats_are_json_members_with_hourly_rows)
{
    struct arena arena;
    arena_init(&arena, 4096);
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    win_a_bid("daily", 1500000);
    manual_clock_advance(&test_clock, HOUR_MS);
    ledger_reservation_id released = reserve_ok("daily");
    assert_status(LEDGER_OK, ledger_release(ledger, SLICE_LITERAL("daily"), released, now()));
    for (int i = 0; i < 4; i++)
        reserve_ok("daily");
    assert_status(LEDGER_OVER_BUDGET, reserve_for("daily", NULL, NULL));
    assert_status(LEDGER_OVER_BUDGET, reserve_for("daily", NULL, NULL));
    ck_assert(!ledger_stats_append_json(ledger, SLICE_LITERAL("nope"), &out));
    ck_assert_uint_eq(out.len, 0);
    ck_assert(ledger_stats_append_json(ledger, SLICE_LITERAL("daily"), &out));
    outbuf_append(&out, "", 1);
    ck_assert_str_eq(out.data,
                     ",\"bids\":6,\"wins\":1,\"impressions\":0,\"spend_micros\":1500,"
                     "\"reserved_micros\":8000,\"spend_today_micros\":1500,"
                     "\"unconfirmed_micros\":0,\"late_refused\":0,"
                     "\"refused\":{\"out_of_flight\":0,\"over_budget\":2,\"paced\":0,"
                     "\"capped\":0,\"user_required\":0,\"busy\":0},"
                     "\"budget\":{\"daily_micros\":10000,\"total_micros\":null},"
                     "\"hourly\":[{\"hour\":\"2026-11-23T10:00:00Z\",\"bids\":1,\"wins\":1,"
                     "\"impressions\":0,\"spend_micros\":1500,\"reserved_gross_micros\":2000},"
                     "{\"hour\":\"2026-11-23T11:00:00Z\",\"bids\":5,\"wins\":0,"
                     "\"impressions\":0,\"spend_micros\":0,\"reserved_gross_micros\":10000}]");
    arena_free(&arena);
}
END_TEST

/* ---- durability ------------------------------------------------------------------------ */

START_TEST(spend_counts_and_outstanding_reservations_survive_a_reopen)
{
    ck_assert(ledger_is_durable(ledger));
    ledger_reservation_id won = reserve_ok("daily");
    assert_status(LEDGER_OK, win("daily", won, 1000000));
    ledger_reservation_id pending = reserve_ok("daily");
    struct user_key alice = {{42}};
    for (int i = 0; i < 2; i++)
        win_a_capped_bid(&alice);
    reopen_ledger(0);
    /* spend: 1000 + the outstanding 2000 */
    assert_account("daily", .spent_total_micros = 3000, .spent_today_micros = 3000,
                   .unconfirmed_micros = 2000, .daily_budget_micros = 10000, .bids = 2,
                   .wins = 1);
    assert_status(LEDGER_STALE, win("daily", pending, 1000000));
    assert_status(LEDGER_STALE, win("daily", won, 1000000));
    ck_assert_int_eq(state_of("daily").spent_total_micros, 3000);
    assert_status(LEDGER_CAPPED, reserve_for("capped", &alice, NULL));
    for (int i = 0; i < 3; i++) /* 3000 + 3 * 2000 = 9000 of 10000 */
        reserve_ok("daily");
    assert_status(LEDGER_OVER_BUDGET, reserve_for("daily", NULL, NULL));
}
END_TEST

START_TEST(without_a_data_directory_nothing_is_kept)
{
    ck_assert(!ledger_is_durable(ledger));
    win_a_bid("daily", 1000000);
    reopen_ledger(0);
    ck_assert_int_eq(state_of("daily").spent_total_micros, 0);
}
END_TEST

/* The lease covers used + LEDGER_LEASE_MIN_BIDS (20) bids, or 4 ticks at the pace of
 * the last one: idle ticks leave it alone, the tick after a burst grows it, the one
 * after that shrinks it back. "durable" allows 100 bids of 2000 micros. */
START_TEST(leases_grow_with_activity_and_shrink_after_it)
{
    ck_assert_uint_eq(tick_after(50), 0); /* idle: nothing to write */
    for (int i = 0; i < 20; i++)
        reserve_ok("durable");
    assert_status(LEDGER_BUSY, reserve_for("durable", NULL, NULL)); /* the lease is used */
    ck_assert_uint_eq(tick_after(50), 1); /* 40000 used + 4 x 40000: the whole budget */
    ck_assert_uint_eq(tick_after(50), 1); /* idle again: 40000 + 20 bids */
    ck_assert_uint_eq(tick_after(50), 0);
    for (int i = 0; i < 20; i++)
        reserve_ok("durable");
    assert_status(LEDGER_BUSY, reserve_for("durable", NULL, NULL));
    ck_assert_int_eq(state_of("durable").reserved_micros, 80000);
}
END_TEST

START_TEST(idle_accounts_get_a_lease_for_their_new_day)
{
    win_a_bid("daily", 2000000);
    ck_assert_uint_eq(tick_after(50), 1);
    ck_assert_uint_eq(tick_after(50), 1); /* the lease shrinks back */
    ck_assert_uint_eq(tick_after(50), 0);
    manual_clock_init(&test_clock, T0 + 14 * HOUR_MS - 1); /* just before UTC midnight */
    ck_assert_uint_eq(tick_after(0), 2); /* Paris's day ended at 23:00 UTC */
    ck_assert_uint_eq(tick_after(1), campaigns.count - 2);
    reserve_ok("daily"); /* needs a lease written for the new day: no busy */
    reserve_ok("paris");
}
END_TEST

/* Runs work(report_fd) in a child process with a ledger of its own on the data
 * directory (the parent's is closed first: an LMDB environment must not cross a fork).
 * Returns the child's pid and, in *report_fd, the read end of what it reports. */
static pid_t start_child(void (*work)(int report_fd), int *report_fd)
{
    ledger_close(ledger);
    ledger = NULL;
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        ledger = open_ledger(0);
        work(fds[1]);
    }
    close(fds[1]);
    *report_fd = fds[0];
    return pid;
}

static void kill_child(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Sends one report of a child to the test; the child ends when it cannot. */
static void report(int fd, const void *value, size_t size)
{
    if (write(fd, value, size) != (ssize_t)size)
        _exit(1);
}

/* Bids on "durable" until killed, reporting the spend of every acknowledged commit;
 * never closes the ledger. */
static void bid_until_killed(int fd)
{
    int64_t acknowledged = 0;
    for (unsigned round = 0;; round++) {
        ledger_reservation_id r;
        int64_t price = 1000000 + round % 1000000;
        if (reserve_for("durable", NULL, &r) == LEDGER_OK &&
            win("durable", r, price) == LEDGER_OK) {
            acknowledged += ledger_cost_micros(price);
            report(fd, &acknowledged, sizeof(acknowledged));
        }
        if (round % 16 == 0)
            ledger_tick(ledger, now());
    }
}

START_TEST(kill_9_at_any_moment_never_loses_spend_nor_overspends)
{
    int64_t acknowledged = 0;
    for (int run = 0; run < 12; run++) {
        int fd;
        pid_t pid = start_child(bid_until_killed, &fd);
        usleep((useconds_t)(run * 3000));
        kill_child(pid);
        int64_t value, in_run = 0;
        while (read(fd, &value, sizeof(value)) == sizeof(value))
            in_run = value;
        close(fd);
        acknowledged += in_run;
        reopen_ledger(0);
        struct ledger_account_state state = state_of("durable");
        ck_assert_int_le(state.spent_total_micros, 200000);
        ck_assert_int_ge(state.spent_total_micros, acknowledged);
        ck_assert_int_eq(state.reserved_micros, 0);
    }
    ck_assert_int_gt(acknowledged, 0);
}
END_TEST

/* The user key of person number person. */
static struct user_key person_key(uint32_t person)
{
    struct user_key key = {{0}};
    memcpy(key.bytes, &person, sizeof(person));
    return key;
}

/* Caps person after person on "capped" (2 impressions each) until killed, reporting
 * each person whose second win was acknowledged. */
static void cap_until_killed(int fd)
{
    for (uint32_t person = 0;; person++) {
        struct user_key key = person_key(person);
        for (int i = 0; i < 2; i++)
            if (win("capped", reserve_ok_user(&key), 1000000) != LEDGER_OK)
                _exit(1);
        report(fd, &person, sizeof(person));
        if (person % 8 == 0)
            ledger_tick(ledger, now());
    }
}

START_TEST(kill_9_keeps_every_acknowledged_frequency_count)
{
    int fd;
    pid_t pid = start_child(cap_until_killed, &fd);
    uint32_t person, acknowledged = 0;
    ck_assert_int_eq(read(fd, &person, sizeof(person)), sizeof(person)); /* it runs */
    usleep(20000);
    kill_child(pid);
    ledger = open_ledger(0);
    do {
        struct user_key key = person_key(person);
        assert_status(LEDGER_CAPPED, reserve_for("capped", &key, NULL));
        acknowledged++;
    } while (read(fd, &person, sizeof(person)) == sizeof(person));
    close(fd);
    ck_assert_uint_gt(acknowledged, 0);
}
END_TEST

/* Reserves the 20 bids of "durable"'s first lease, runs the tick that grows the lease
 * (to the whole budget) and the idle one that shrinks it back (to 40000 + 20 bids),
 * reports, and waits to be killed. */
static void lease_until_killed(int fd)
{
    for (int i = 0; i < 20; i++)
        reserve_ok("durable");
    tick_after(50);
    tick_after(50);
    report(fd, &(char){1}, 1);
    for (;;)
        pause();
}

START_TEST(the_lease_on_disk_shrinks_back_after_activity)
{
    int fd;
    pid_t pid = start_child(lease_until_killed, &fd);
    char done;
    ck_assert_int_eq(read(fd, &done, 1), 1);
    kill_child(pid);
    close(fd);
    ledger = open_ledger(0);
    /* whatever was leased counts as spent: the last ceiling written */
    assert_account("durable", .spent_total_micros = 80000, .spent_today_micros = 80000,
                   .unconfirmed_micros = 80000, .total_budget_micros = 200000, .bids = 20);
}
END_TEST

/* ---- the overspend property ---------------------------------------------------------- */

enum { bidder_threads = 3, race_steps = 240, race_step_ms = 600000 }; /* 1.67 days */

struct race {
    unsigned seed;
    _Atomic bool *done;
    _Atomic long *attempts;  /* reservations tried, all threads */
};

static const char *const raced[] = {"race-daily", "race-total", "race-paris"};

/* Until done: bids on a random campaign; the notice is a win (maybe twice, maybe also
 * billed), a loss, or nothing at all (the reservation must expire). */
static void *bid_randomly(void *arg)
{
    struct race *race = arg;
    unsigned seed = race->seed;
    while (!atomic_load(race->done)) {
        atomic_fetch_add(race->attempts, 1);
        const char *id = raced[rand_r(&seed) % 3];
        ledger_reservation_id r;
        if (reserve_for(id, NULL, &r) != LEDGER_OK)
            continue;
        int outcome = rand_r(&seed) % 4;
        int64_t price = 1 + rand_r(&seed) % 2000000;
        if (outcome == 0 || outcome == 1)
            win(id, r, price);
        if (outcome == 1)
            ledger_commit(ledger, slice_from_cstr(id), r, price, LEDGER_NOTICE_BILLING, now());
        if (outcome == 2)
            ledger_release(ledger, slice_from_cstr(id), r, now());
    }
    return NULL;
}

/* Moves time on step by step (once the bidders have tried some 100 reservations in
 * the step), running maintenance and checking the guarantee. */
static void *advance_and_check(void *arg)
{
    struct race *race = arg;
    static const int64_t budgets[][2] = {{500000, 0}, {300000, 400000}, {300000, 0}};
    for (int step = 0; step < race_steps; step++) { /* budgets above: daily, total */
        long before = atomic_load(race->attempts);
        while (atomic_load(race->attempts) < before + 100)
            sched_yield();
        manual_clock_advance(&test_clock, race_step_ms);
        ledger_tick(ledger, now());
        for (int c = 0; c < 3; c++) {
            struct ledger_account_state s = state_of(raced[c]);
            if (budgets[c][0])
                ck_assert_int_le(s.spent_today_micros + s.reserved_micros, budgets[c][0]);
            if (budgets[c][1])
                ck_assert_int_le(s.spent_total_micros + s.reserved_micros, budgets[c][1]);
        }
    }
    atomic_store(race->done, true);
    return NULL;
}

/* Runs the bidders and the checker; spend never exceeds a budget. With
 * expect_used_up, the budgets must also have been spent (a liveness check that only holds
 * when bids are not refused for lack of ring slots). */
static void race(unsigned seed, bool expect_used_up)
{
    _Atomic bool done = false;
    _Atomic long attempts = 0;
    struct race checker_args = {seed, &done, &attempts}, bidder_args[bidder_threads];
    pthread_t bidders[bidder_threads], checker;
    for (int t = 0; t < bidder_threads; t++) {
        bidder_args[t] = (struct race){seed * 31 + (unsigned)t, &done, &attempts};
        pthread_create(&bidders[t], NULL, bid_randomly, &bidder_args[t]);
    }
    pthread_create(&checker, NULL, advance_and_check, &checker_args);
    pthread_join(checker, NULL);
    for (int t = 0; t < bidder_threads; t++)
        pthread_join(bidders[t], NULL);
    manual_clock_advance(&test_clock, 121000);
    ledger_tick(ledger, now());
    int64_t spent = 0;
    for (int c = 0; c < 3; c++) {
        struct ledger_account_state s = state_of(raced[c]);
        ck_assert_int_eq(s.reserved_micros, 0);
        spent += s.spent_total_micros;
    }
    struct ledger_account_state total = state_of("race-total");
    ck_assert_int_le(total.spent_total_micros, 400000);
    if (!expect_used_up)
        return;
    ck_assert_int_ge(total.spent_total_micros, 390000); /* the budget was really used up */
    ck_assert_int_gt(spent, 1000000);                   /* and the daily ones over 2 days */
}

START_TEST(spend_never_exceeds_budgets_under_concurrent_notices)
{
    race((unsigned)_i + 1, true);
}
END_TEST

/* A ring of 8 slots: it is full most of the time (a quarter of the bids are never
 * answered), so slots are taken back from notices racing for them and bids are refused
 * as busy without waiting. */
START_TEST(spend_never_exceeds_budgets_with_a_full_ring)
{
    reopen_ledger(8);
    race((unsigned)_i + 200, false); /* most bids are refused as busy */
    struct arena arena;
    arena_init(&arena, 4096);
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    ck_assert(ledger_stats_append_json(ledger, SLICE_LITERAL("race-paris"), &out));
    outbuf_append(&out, "", 1);
    ck_assert_msg(strstr(out.data, "\"busy\":0}") == NULL, "%s", out.data);
    arena_free(&arena);
}
END_TEST

START_TEST(spend_never_exceeds_budgets_with_leases_on_disk)
{
    race((unsigned)_i + 100, true);
}
END_TEST

Suite *ledger_suite(void)
{
    Suite *suite = suite_create("ledger");
    TCase *memory = tcase_create("in memory");
    tcase_add_checked_fixture(memory, setup_in_memory, teardown);
    tcase_set_timeout(memory, 60);
    tcase_add_test(memory, cost_is_a_thousandth_of_the_cpm_rounded_up);
    tcase_add_test(memory, a_daily_budget_admits_exactly_what_it_covers);
    tcase_add_test(memory, commit_charges_the_clearing_price_and_frees_the_rest);
    tcase_add_test(memory, a_total_budget_holds_across_days);
    tcase_add_test(memory, repeated_and_mixed_notices_commit_once);
    tcase_add_test(memory, billing_first_commits_and_a_later_win_only_counts);
    tcase_add_test(memory, bad_notices_change_nothing);
    tcase_add_test(memory, unknown_and_removed_campaigns_do_not_bid);
    tcase_add_test(memory, a_reload_keeps_spend_and_takes_new_budgets);
    tcase_add_test(memory, flight_bounds_are_start_inclusive_end_exclusive);
    tcase_add_test(memory, the_day_turns_at_local_midnight);
    tcase_add_test(memory, unanswered_reservations_expire_after_the_ttl);
    tcase_add_test(memory, a_late_win_commits_only_when_still_covered);
    tcase_add_test(memory, a_full_ring_refuses_budgeted_bids_and_forgets_old_ones);
    tcase_add_test(memory, caps_count_in_flight_bids_and_need_a_user_when_required);
    tcase_add_test(memory, idle_accounts_are_not_visited);
    tcase_add_test(memory, an_account_is_visited_once_after_each_change);
    tcase_add_test(memory, a_reload_visits_the_accounts_it_changes);
    tcase_add_test(memory, idle_accounts_roll_pacing_and_days_on_time);
    tcase_add_test(memory, stats_are_json_members_with_hourly_rows);
    tcase_add_test(memory, without_a_data_directory_nothing_is_kept);
    tcase_add_loop_test(memory, spend_never_exceeds_budgets_under_concurrent_notices, 0, 2);
    tcase_add_loop_test(memory, spend_never_exceeds_budgets_with_a_full_ring, 0, 2);
    suite_add_tcase(suite, memory);
    TCase *disk = tcase_create("on disk");
    tcase_add_checked_fixture(disk, setup_on_disk, teardown);
    tcase_set_timeout(disk, 60);
    tcase_add_test(disk, erasing_a_user_forgets_their_counts);
    tcase_add_test(disk, erasing_a_user_reaches_their_bids_in_flight);
    tcase_add_test(disk, ended_windows_are_purged_at_open);
    tcase_add_test(disk, spend_counts_and_outstanding_reservations_survive_a_reopen);
    tcase_add_test(disk, leases_grow_with_activity_and_shrink_after_it);
    tcase_add_test(disk, idle_accounts_get_a_lease_for_their_new_day);
    tcase_add_test(disk, kill_9_at_any_moment_never_loses_spend_nor_overspends);
    tcase_add_test(disk, kill_9_keeps_every_acknowledged_frequency_count);
    tcase_add_test(disk, the_lease_on_disk_shrinks_back_after_activity);
    tcase_add_loop_test(disk, spend_never_exceeds_budgets_with_leases_on_disk, 0, 2);
    suite_add_tcase(suite, disk);
    return suite;
}
