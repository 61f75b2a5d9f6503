/* Tests for the ledger (src/ledger*.c): reservations and their outcomes, budgets,
 * flights, days in a time zone, expiry and late notices, the reservation ring, campaign
 * reloads, frequency caps through the ledger, stats, durability across a clean close and
 * across kill -9, and the overspend property under concurrent threads. */
#include "geobid/ledger.h"

#include "geobid/alloc.h"
#include "test_support.h"

#include <check.h>
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

struct fixture {
    struct manual_clock clock;
    struct campaign_set set;
    struct ledger *ledger;
    char dir[64];
};

static void load_campaigns(struct campaign_set *set, const char *quoted)
{
    struct arena arena;
    arena_init(&arena, 4096);
    const char *json = test_dq(&arena, quoted);
    struct error err = {""};
    ck_assert_msg(campaign_set_load(set, json, strlen(json), &err) == 0, "%s", err.message);
    arena_free(&arena);
}

static struct ledger *open_ledger(struct fixture *f, const char *dir, size_t max_reservations)
{
    struct ledger_options options = {
        .clock = &f->clock.clock,
        .data_dir = dir,
        .reservation_ttl_ms = 120000,
        .max_reservations = max_reservations,
    };
    struct error err = {""};
    struct ledger *ledger = ledger_open(&options, &err);
    ck_assert_msg(ledger != NULL, "%s", err.message);
    ck_assert_int_eq(ledger_sync(ledger, &f->set, &err), 0);
    ledger_tick(ledger, clock_now_ms(&f->clock.clock)); /* leases, with a data directory */
    return ledger;
}

static void setup(struct fixture *f, bool durable)
{
    memset(f, 0, sizeof(*f));
    manual_clock_init(&f->clock, T0);
    load_campaigns(&f->set, campaigns_json);
    if (durable) {
        snprintf(f->dir, sizeof(f->dir), "/tmp/geobid-ledger-XXXXXX");
        ck_assert_ptr_nonnull(mkdtemp(f->dir));
    }
    f->ledger = open_ledger(f, durable ? f->dir : NULL, 0);
}

static void remove_dir(const char *dir)
{
    char command[128];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(command), 0);
}

static void teardown(struct fixture *f)
{
    ledger_close(f->ledger);
    campaign_set_free(&f->set);
    if (f->dir[0])
        remove_dir(f->dir);
}

static const struct campaign *campaign(const struct fixture *f, const char *id)
{
    for (size_t i = 0; i < f->set.count; i++)
        if (slice_eq_cstr(f->set.campaigns[i].id, id))
            return &f->set.campaigns[i];
    ck_abort_msg("no campaign %s", id);
    return NULL;
}

static int64_t now(struct fixture *f)
{
    return clock_now_ms(&f->clock.clock);
}

static enum ledger_status reserve_for(struct fixture *f, const char *id,
                                      const struct user_key *user, ledger_reservation_id *out)
{
    struct ledger_bid bid = {campaign(f, id), campaign(f, id)->bid_cpm_micros, user, now(f)};
    struct ledger_reservation reservation = {0, 0};
    enum ledger_status status = ledger_reserve(f->ledger, &bid, &reservation);
    if (out != NULL)
        *out = reservation.id;
    return status;
}

static ledger_reservation_id reserve_ok(struct fixture *f, const char *id)
{
    ledger_reservation_id reservation;
    enum ledger_status status = reserve_for(f, id, NULL, &reservation);
    ck_assert_msg(status == LEDGER_OK, "%s: %s", id, ledger_status_name(status));
    ck_assert_uint_ne(reservation, 0);
    return reservation;
}

static ledger_reservation_id reserve_ok_user(struct fixture *f, const struct user_key *user)
{
    ledger_reservation_id reservation;
    enum ledger_status status = reserve_for(f, "capped", user, &reservation);
    ck_assert_msg(status == LEDGER_OK, "capped: %s", ledger_status_name(status));
    return reservation;
}

static struct ledger_account_state state_of(struct fixture *f, const char *id)
{
    struct ledger_account_state state;
    ck_assert(ledger_account_state(f->ledger, slice_from_cstr(id), &state));
    return state;
}

static enum ledger_status win(struct fixture *f, const char *id, ledger_reservation_id r,
                              int64_t price_cpm_micros)
{
    return ledger_commit(f->ledger, slice_from_cstr(id), r, price_cpm_micros,
                         LEDGER_NOTICE_WIN, now(f));
}

static void assert_status_is(enum ledger_status expected, enum ledger_status actual, int line)
{
    ck_assert_msg(expected == actual, "line %d: expected %s, got %s", line,
                  ledger_status_name(expected), ledger_status_name(actual));
}

#define assert_status(expected, actual) assert_status_is((expected), (actual), __LINE__)

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
    struct fixture f;
    setup(&f, false);
    for (int i = 0; i < 5; i++)
        reserve_ok(&f, "daily");
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "daily", NULL, NULL));
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.reserved_micros, 10000);
    ck_assert_int_eq(state.spent_total_micros, 0);
    ck_assert_uint_eq(state.bids, 5);
    teardown(&f);
}
END_TEST

START_TEST(commit_charges_the_clearing_price_and_frees_the_rest)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id r[5];
    for (int i = 0; i < 5; i++)
        r[i] = reserve_ok(&f, "daily");
    assert_status(LEDGER_OK, win(&f, "daily", r[0], 1000000)); /* 1.00 CPM: 1000 micros */
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 1000);
    ck_assert_int_eq(state.spent_today_micros, 1000);
    ck_assert_int_eq(state.reserved_micros, 8000);
    ck_assert_uint_eq(state.wins, 1);
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "daily", NULL, NULL)); /* 11000 */
    assert_status(LEDGER_OK, ledger_release(f.ledger, SLICE_LITERAL("daily"), r[1], now(&f)));
    reserve_ok(&f, "daily"); /* 1000 + 8000 + 2000 - 2000 = 9000 + ... fits again */
    teardown(&f);
}
END_TEST

START_TEST(a_total_budget_holds_across_days)
{
    struct fixture f;
    setup(&f, false);
    for (int i = 0; i < 3; i++)
        assert_status(LEDGER_OK, win(&f, "total", reserve_ok(&f, "total"), 2000000));
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "total", NULL, NULL));
    manual_clock_advance(&f.clock, 48 * HOUR_MS);
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "total", NULL, NULL));
    ck_assert_int_eq(state_of(&f, "total").spent_total_micros, 6000);
    teardown(&f);
}
END_TEST

START_TEST(repeated_and_mixed_notices_commit_once)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id r = reserve_ok(&f, "daily");
    assert_status(LEDGER_OK, win(&f, "daily", r, 1500000));
    assert_status(LEDGER_DUPLICATE, win(&f, "daily", r, 1500000));
    assert_status(LEDGER_DUPLICATE, ledger_commit(f.ledger, SLICE_LITERAL("daily"), r, 2000000,
                                                  LEDGER_NOTICE_BILLING, now(&f)));
    assert_status(LEDGER_DUPLICATE, ledger_commit(f.ledger, SLICE_LITERAL("daily"), r, 2000000,
                                                  LEDGER_NOTICE_BILLING, now(&f)));
    assert_status(LEDGER_DUPLICATE, ledger_release(f.ledger, SLICE_LITERAL("daily"), r, now(&f)));
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 1500);
    ck_assert_int_eq(state.reserved_micros, 0);
    ck_assert_uint_eq(state.wins, 1);
    ck_assert_uint_eq(state.impressions, 1);
    teardown(&f);
}
END_TEST

START_TEST(billing_first_commits_and_a_later_win_only_counts)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id r = reserve_ok(&f, "free");
    assert_status(LEDGER_OK, ledger_commit(f.ledger, SLICE_LITERAL("free"), r, 2000000,
                                           LEDGER_NOTICE_BILLING, now(&f)));
    assert_status(LEDGER_DUPLICATE, win(&f, "free", r, 1000000));
    struct ledger_account_state state = state_of(&f, "free");
    ck_assert_int_eq(state.spent_total_micros, 2000);
    ck_assert_uint_eq(state.wins, 1);
    ck_assert_uint_eq(state.impressions, 1);
    teardown(&f);
}
END_TEST

START_TEST(bad_notices_change_nothing)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id r = reserve_ok(&f, "daily");
    assert_status(LEDGER_PRICE_ABOVE_BID, win(&f, "daily", r, 2000001));
    assert_status(LEDGER_PRICE_ABOVE_BID, win(&f, "daily", r, -1));
    assert_status(LEDGER_UNKNOWN, win(&f, "total", r, 1000000));          /* other campaign */
    assert_status(LEDGER_UNKNOWN, win(&f, "daily", r + 1, 1000000));      /* never issued */
    assert_status(LEDGER_UNKNOWN, win(&f, "daily", r & 0xFFFF, 1000000)); /* no epoch */
    assert_status(LEDGER_UNKNOWN, win(&f, "daily", r + (UINT64_C(1) << 48), 1000000));
    assert_status(LEDGER_UNKNOWN, ledger_release(f.ledger, SLICE_LITERAL("nope"), r, now(&f)));
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 0);
    ck_assert_int_eq(state.reserved_micros, 2000);
    ck_assert_uint_eq(state.wins, 0);
    assert_status(LEDGER_OK, win(&f, "daily", r, 2000000)); /* still committable */
    teardown(&f);
}
END_TEST

START_TEST(unknown_and_removed_campaigns_do_not_bid)
{
    struct fixture f;
    setup(&f, false);
    struct campaign_set other;
    load_campaigns(&other, "{'campaigns':[{'id':'new','bid_cpm':1," CREATIVE "}]}");
    struct ledger_bid bid = {&other.campaigns[0], 1000000, NULL, now(&f)};
    struct ledger_reservation out;
    assert_status(LEDGER_NO_ACCOUNT, ledger_reserve(f.ledger, &bid, &out));
    struct error err;
    ck_assert_int_eq(ledger_sync(f.ledger, &other, &err), 0);
    assert_status(LEDGER_OK, ledger_reserve(f.ledger, &bid, &out));
    assert_status(LEDGER_NO_ACCOUNT, reserve_for(&f, "daily", NULL, NULL)); /* not in `other` */
    ck_assert(!ledger_account_state(f.ledger, SLICE_LITERAL("missing"), &(struct ledger_account_state){0}));
    ck_assert_int_eq(ledger_sync(f.ledger, &f.set, &err), 0);
    campaign_set_free(&other);
    teardown(&f);
}
END_TEST

START_TEST(a_reload_keeps_spend_and_takes_new_budgets)
{
    struct fixture f;
    setup(&f, false);
    assert_status(LEDGER_OK, win(&f, "daily", reserve_ok(&f, "daily"), 2000000));
    struct campaign_set bigger;
    load_campaigns(&bigger, "{'campaigns':[{'id':'daily','bid_cpm':2,'budget':{'daily':0.004},'pacing':'asap',"
                            CREATIVE "}]}");
    struct error err;
    ck_assert_int_eq(ledger_sync(f.ledger, &bigger, &err), 0);
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 2000);
    ck_assert_int_eq(state.daily_budget_micros, 4000);
    struct ledger_bid bid = {&bigger.campaigns[0], 2000000, NULL, now(&f)};
    struct ledger_reservation out;
    assert_status(LEDGER_OK, ledger_reserve(f.ledger, &bid, &out));
    assert_status(LEDGER_OVER_BUDGET, ledger_reserve(f.ledger, &bid, &out));
    ck_assert_int_eq(ledger_sync(f.ledger, &f.set, &err), 0);
    campaign_set_free(&bigger);
    teardown(&f);
}
END_TEST

START_TEST(flight_bounds_are_start_inclusive_end_exclusive)
{
    struct fixture f;
    setup(&f, false);
    manual_clock_init(&f.clock, T0 + HOUR_MS - 1);
    assert_status(LEDGER_OUT_OF_FLIGHT, reserve_for(&f, "flight", NULL, NULL));
    manual_clock_advance(&f.clock, 1);
    reserve_ok(&f, "flight");
    manual_clock_advance(&f.clock, HOUR_MS - 1);
    reserve_ok(&f, "flight");
    manual_clock_advance(&f.clock, 1);
    assert_status(LEDGER_OUT_OF_FLIGHT, reserve_for(&f, "flight", NULL, NULL));
    teardown(&f);
}
END_TEST

START_TEST(the_day_turns_at_local_midnight)
{
    struct fixture f;
    setup(&f, false);
    for (int i = 0; i < 2; i++)
        assert_status(LEDGER_OK, win(&f, "paris", reserve_ok(&f, "paris"), 2000000));
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "paris", NULL, NULL));
    /* Paris midnight is 23:00 UTC in November. */
    manual_clock_init(&f.clock, 1795474800000 - 1);
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "paris", NULL, NULL));
    manual_clock_advance(&f.clock, 1);
    reserve_ok(&f, "paris");
    struct ledger_account_state state = state_of(&f, "paris");
    ck_assert_int_eq(state.spent_today_micros, 0);
    ck_assert_int_eq(state.spent_total_micros, 4000);
    teardown(&f);
}
END_TEST

/* ---- expiry and late notices ----------------------------------------------------------- */

START_TEST(unanswered_reservations_expire_after_the_ttl)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id r = reserve_ok(&f, "daily");
    manual_clock_advance(&f.clock, 60000);
    ledger_reservation_id later = reserve_ok(&f, "daily");
    manual_clock_advance(&f.clock, 60000 - 1);
    ledger_tick(f.ledger, now(&f));
    ck_assert_int_eq(state_of(&f, "daily").reserved_micros, 4000);
    manual_clock_advance(&f.clock, 1);
    ledger_tick(f.ledger, now(&f));
    ck_assert_int_eq(state_of(&f, "daily").reserved_micros, 2000);
    assert_status(LEDGER_DUPLICATE, ledger_release(f.ledger, SLICE_LITERAL("daily"), r, now(&f)));
    manual_clock_advance(&f.clock, 60000);
    ledger_tick(f.ledger, now(&f));
    ck_assert_int_eq(state_of(&f, "daily").reserved_micros, 0);
    (void)later;
    teardown(&f);
}
END_TEST

START_TEST(a_late_win_commits_only_when_still_covered)
{
    struct fixture f;
    setup(&f, false);
    ledger_reservation_id early = reserve_ok(&f, "daily");
    manual_clock_advance(&f.clock, 120000);
    ledger_tick(f.ledger, now(&f));
    assert_status(LEDGER_LATE_COMMITTED, win(&f, "daily", early, 2000000));
    assert_status(LEDGER_DUPLICATE, win(&f, "daily", early, 2000000));
    ledger_reservation_id late = reserve_ok(&f, "daily");
    manual_clock_advance(&f.clock, 120000);
    ledger_tick(f.ledger, now(&f));
    for (int i = 0; i < 4; i++) /* fill the rest of the day: 2000 spent + 8000 reserved */
        reserve_ok(&f, "daily");
    assert_status(LEDGER_LATE_REFUSED, win(&f, "daily", late, 2000000));
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 2000);
    ck_assert_uint_eq(state.late_refused, 1);
    ck_assert_int_le(state.spent_total_micros + state.reserved_micros, 10000);
    teardown(&f);
}
END_TEST

START_TEST(a_full_ring_refuses_budgeted_bids_and_forgets_old_ones)
{
    struct fixture f;
    setup(&f, false);
    ledger_close(f.ledger);
    f.ledger = open_ledger(&f, NULL, 4);
    ledger_reservation_id first = reserve_ok(&f, "total");
    for (int i = 0; i < 3; i++)
        reserve_ok(&f, "free");
    assert_status(LEDGER_BUSY, reserve_for(&f, "daily", NULL, NULL));
    ledger_reservation_id unreserved;
    assert_status(LEDGER_OK, reserve_for(&f, "free", NULL, &unreserved));
    ck_assert_uint_eq(unreserved, 0);
    ck_assert_int_eq(state_of(&f, "daily").reserved_micros, 0);
    ck_assert_uint_eq(state_of(&f, "free").bids, 4);
    assert_status(LEDGER_OK, win(&f, "total", first, 1000000));
    ledger_reservation_id reused = reserve_ok(&f, "daily"); /* takes first's slot */
    assert_status(LEDGER_TOO_OLD, win(&f, "total", first, 1000000));
    ck_assert_int_eq(state_of(&f, "total").spent_total_micros, 1000);
    assert_status(LEDGER_OK, win(&f, "daily", reused, 1000000));
    teardown(&f);
}
END_TEST

/* ---- frequency caps through the ledger ------------------------------------------------- */

START_TEST(caps_count_in_flight_bids_and_need_a_user_when_required)
{
    struct fixture f;
    setup(&f, false);
    struct user_key alice = {{1, 2, 3}}, bob = {{9, 9, 9}};
    assert_status(LEDGER_USER_REQUIRED, reserve_for(&f, "capped", NULL, NULL));
    ledger_reservation_id a1, a2;
    assert_status(LEDGER_OK, reserve_for(&f, "capped", &alice, &a1));
    assert_status(LEDGER_OK, reserve_for(&f, "capped", &alice, &a2));
    assert_status(LEDGER_CAPPED, reserve_for(&f, "capped", &alice, NULL));
    assert_status(LEDGER_OK, reserve_for(&f, "capped", &bob, NULL));
    assert_status(LEDGER_OK, ledger_release(f.ledger, SLICE_LITERAL("capped"), a2, now(&f)));
    assert_status(LEDGER_OK, win(&f, "capped", a1, 1000000));
    assert_status(LEDGER_OK, win(&f, "capped", reserve_ok_user(&f, &alice), 1000000));
    assert_status(LEDGER_CAPPED, reserve_for(&f, "capped", &alice, NULL));
    manual_clock_advance(&f.clock, HOUR_MS);
    ledger_tick(f.ledger, now(&f));
    assert_status(LEDGER_OK, reserve_for(&f, "capped", &alice, NULL));
    teardown(&f);
}
END_TEST

START_TEST(erasing_a_user_forgets_their_counts)
{
    struct fixture f;
    setup(&f, true);
    struct user_key alice = {{7}};
    for (int i = 0; i < 2; i++)
        assert_status(LEDGER_OK, win(&f, "capped", reserve_ok_user(&f, &alice), 1000000));
    assert_status(LEDGER_CAPPED, reserve_for(&f, "capped", &alice, NULL));
    ledger_tick(f.ledger, now(&f)); /* written to disk */
    struct error err;
    ck_assert_int_eq(ledger_erase_user(f.ledger, &alice, &err), 1);
    reserve_ok_user(&f, &alice);
    ledger_close(f.ledger);
    f.ledger = open_ledger(&f, f.dir, 0);
    reserve_ok_user(&f, &alice);
    reserve_ok_user(&f, &alice);
    teardown(&f);
}
END_TEST

START_TEST(ended_windows_are_purged_at_open)
{
    struct fixture f;
    setup(&f, true);
    struct user_key alice = {{8}}, bob = {{9}};
    for (int i = 0; i < 2; i++)
        assert_status(LEDGER_OK, win(&f, "capped", reserve_ok_user(&f, &alice), 1000000));
    manual_clock_advance(&f.clock, HOUR_MS / 2);
    assert_status(LEDGER_OK, win(&f, "capped", reserve_ok_user(&f, &bob), 1000000));
    ledger_close(f.ledger);
    manual_clock_advance(&f.clock, HOUR_MS / 2);
    f.ledger = open_ledger(&f, f.dir, 0);
    struct error err;
    ck_assert_int_eq(ledger_erase_user(f.ledger, &alice, &err), 0); /* gone from disk */
    ck_assert_int_eq(ledger_erase_user(f.ledger, &bob, &err), 1);   /* still in its window */
    teardown(&f);
}
END_TEST

/* ---- stats ----------------------------------------------------------------------------- */

START_TEST(stats_are_json_members_with_hourly_rows)
{
    struct fixture f;
    setup(&f, false);
    struct arena arena;
    arena_init(&arena, 4096);
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    assert_status(LEDGER_OK, win(&f, "daily", reserve_ok(&f, "daily"), 1500000));
    manual_clock_advance(&f.clock, HOUR_MS);
    reserve_ok(&f, "daily");
    ck_assert(!ledger_stats_append_json(f.ledger, SLICE_LITERAL("nope"), &out));
    ck_assert_uint_eq(out.len, 0);
    ck_assert(ledger_stats_append_json(f.ledger, SLICE_LITERAL("daily"), &out));
    outbuf_append(&out, "", 1);
    ck_assert_str_eq(out.data,
                     ",\"bids\":2,\"wins\":1,\"impressions\":0,\"spend_micros\":1500,"
                     "\"reserved_micros\":2000,\"spend_today_micros\":1500,"
                     "\"unconfirmed_micros\":0,\"late_refused\":0,"
                     "\"budget\":{\"daily_micros\":10000,\"total_micros\":null},"
                     "\"hourly\":[{\"hour\":\"2026-11-23T10:00:00Z\",\"bids\":1,\"wins\":1,"
                     "\"impressions\":0,\"spend_micros\":1500,\"reserved_micros\":2000},"
                     "{\"hour\":\"2026-11-23T11:00:00Z\",\"bids\":1,\"wins\":0,"
                     "\"impressions\":0,\"spend_micros\":0,\"reserved_micros\":2000}]");
    arena_free(&arena);
    teardown(&f);
}
END_TEST

/* ---- durability ------------------------------------------------------------------------ */

START_TEST(spend_counts_and_outstanding_reservations_survive_a_reopen)
{
    struct fixture f;
    setup(&f, true);
    ck_assert(ledger_is_durable(f.ledger));
    ledger_reservation_id won = reserve_ok(&f, "daily");
    assert_status(LEDGER_OK, win(&f, "daily", won, 1000000));
    ledger_reservation_id pending = reserve_ok(&f, "daily");
    struct user_key alice = {{42}};
    for (int i = 0; i < 2; i++)
        assert_status(LEDGER_OK, win(&f, "capped", reserve_ok_user(&f, &alice), 1000000));
    ledger_close(f.ledger);
    f.ledger = open_ledger(&f, f.dir, 0);
    struct ledger_account_state state = state_of(&f, "daily");
    ck_assert_int_eq(state.spent_total_micros, 3000); /* 1000 + the outstanding 2000 */
    ck_assert_int_eq(state.unconfirmed_micros, 2000);
    ck_assert_int_eq(state.reserved_micros, 0);
    ck_assert_uint_eq(state.bids, 2);
    ck_assert_uint_eq(state.wins, 1);
    assert_status(LEDGER_STALE, win(&f, "daily", pending, 1000000));
    assert_status(LEDGER_STALE, win(&f, "daily", won, 1000000));
    ck_assert_int_eq(state_of(&f, "daily").spent_total_micros, 3000);
    assert_status(LEDGER_CAPPED, reserve_for(&f, "capped", &alice, NULL));
    for (int i = 0; i < 3; i++) /* 3000 + 3 * 2000 = 9000 of 10000 */
        reserve_ok(&f, "daily");
    assert_status(LEDGER_OVER_BUDGET, reserve_for(&f, "daily", NULL, NULL));
    teardown(&f);
}
END_TEST

START_TEST(without_a_data_directory_nothing_is_kept)
{
    struct fixture f;
    setup(&f, false);
    ck_assert(!ledger_is_durable(f.ledger));
    assert_status(LEDGER_OK, win(&f, "daily", reserve_ok(&f, "daily"), 1000000));
    ledger_close(f.ledger);
    f.ledger = open_ledger(&f, NULL, 0);
    ck_assert_int_eq(state_of(&f, "daily").spent_total_micros, 0);
    teardown(&f);
}
END_TEST

/* A child bids on "durable" until killed, reporting the spend of every acknowledged
 * commit on fd; it never closes the ledger. */
static void bid_until_killed(struct fixture *f, int fd)
{
    int64_t acknowledged = 0;
    for (unsigned round = 0;; round++) {
        ledger_reservation_id r;
        int64_t price = 1000000 + round % 1000000;
        if (reserve_for(f, "durable", NULL, &r) == LEDGER_OK &&
            win(f, "durable", r, price) == LEDGER_OK) {
            acknowledged += ledger_cost_micros(price);
            if (write(fd, &acknowledged, sizeof(acknowledged)) != sizeof(acknowledged))
                _exit(1);
        }
        if (round % 16 == 0)
            ledger_tick(f->ledger, now(f));
    }
}

START_TEST(kill_9_at_any_moment_never_loses_spend_nor_overspends)
{
    struct fixture f;
    setup(&f, true);
    ledger_close(f.ledger);
    f.ledger = NULL;
    int64_t acknowledged = 0;
    for (int run = 0; run < 12; run++) {
        int fds[2];
        ck_assert_int_eq(pipe(fds), 0);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(fds[0]);
            f.ledger = open_ledger(&f, f.dir, 0);
            bid_until_killed(&f, fds[1]);
        }
        close(fds[1]);
        usleep((useconds_t)(run * 3000));
        kill(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        int64_t value, in_run = 0;
        while (read(fds[0], &value, sizeof(value)) == sizeof(value))
            in_run = value;
        close(fds[0]);
        acknowledged += in_run;
        f.ledger = open_ledger(&f, f.dir, 0);
        struct ledger_account_state state = state_of(&f, "durable");
        ck_assert_int_le(state.spent_total_micros, 200000);
        ck_assert_int_ge(state.spent_total_micros, acknowledged);
        ck_assert_int_eq(state.reserved_micros, 0);
        ledger_close(f.ledger);
        f.ledger = NULL;
    }
    ck_assert_int_gt(acknowledged, 0);
    f.ledger = open_ledger(&f, f.dir, 0);
    teardown(&f);
}
END_TEST

/* A child caps person after person on "capped" (2 impressions each) until killed,
 * reporting each person whose second win was acknowledged. */
static void cap_until_killed(struct fixture *f, int fd)
{
    for (uint32_t person = 0;; person++) {
        struct user_key key = {{0}};
        memcpy(key.bytes, &person, sizeof(person));
        for (int i = 0; i < 2; i++)
            if (win(f, "capped", reserve_ok_user(f, &key), 1000000) != LEDGER_OK)
                _exit(1);
        if (write(fd, &person, sizeof(person)) != sizeof(person))
            _exit(1);
        if (person % 8 == 0)
            ledger_tick(f->ledger, now(f));
    }
}

START_TEST(kill_9_keeps_every_acknowledged_frequency_count)
{
    struct fixture f;
    setup(&f, true);
    ledger_close(f.ledger);
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t pid = fork();
    ck_assert_int_ge(pid, 0);
    if (pid == 0) {
        close(fds[0]);
        f.ledger = open_ledger(&f, f.dir, 0);
        cap_until_killed(&f, fds[1]);
    }
    close(fds[1]);
    uint32_t first, person, acknowledged = 0;
    ck_assert_int_eq(read(fds[0], &first, sizeof(first)), sizeof(first)); /* it runs */
    usleep(20000);
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    f.ledger = open_ledger(&f, f.dir, 0);
    person = first;
    do {
        struct user_key key = {{0}};
        memcpy(key.bytes, &person, sizeof(person));
        assert_status(LEDGER_CAPPED, reserve_for(&f, "capped", &key, NULL));
        acknowledged++;
    } while (read(fds[0], &person, sizeof(person)) == sizeof(person));
    close(fds[0]);
    ck_assert_uint_gt(acknowledged, 0);
    teardown(&f);
}
END_TEST

/* ---- the overspend property ---------------------------------------------------------- */

enum { bidder_threads = 3, race_steps = 240, race_step_ms = 600000 }; /* 1.67 days */

struct race {
    struct fixture *f;
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
        if (reserve_for(race->f, id, NULL, &r) != LEDGER_OK)
            continue;
        int outcome = rand_r(&seed) % 4;
        int64_t price = 1 + rand_r(&seed) % 2000000;
        if (outcome == 0 || outcome == 1)
            win(race->f, id, r, price);
        if (outcome == 1)
            ledger_commit(race->f->ledger, slice_from_cstr(id), r, price, LEDGER_NOTICE_BILLING,
                          now(race->f));
        if (outcome == 2)
            ledger_release(race->f->ledger, slice_from_cstr(id), r, now(race->f));
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
        manual_clock_advance(&race->f->clock, race_step_ms);
        ledger_tick(race->f->ledger, now(race->f));
        for (int c = 0; c < 3; c++) {
            struct ledger_account_state s = state_of(race->f, raced[c]);
            if (budgets[c][0])
                ck_assert_int_le(s.spent_today_micros + s.reserved_micros, budgets[c][0]);
            if (budgets[c][1])
                ck_assert_int_le(s.spent_total_micros + s.reserved_micros, budgets[c][1]);
        }
    }
    atomic_store(race->done, true);
    return NULL;
}

static void race(bool durable, unsigned seed)
{
    struct fixture f;
    setup(&f, durable);
    _Atomic bool done = false;
    _Atomic long attempts = 0;
    struct race checker_args = {&f, seed, &done, &attempts}, bidder_args[bidder_threads];
    pthread_t bidders[bidder_threads], checker;
    for (int t = 0; t < bidder_threads; t++) {
        bidder_args[t] = (struct race){&f, seed * 31 + (unsigned)t, &done, &attempts};
        pthread_create(&bidders[t], NULL, bid_randomly, &bidder_args[t]);
    }
    pthread_create(&checker, NULL, advance_and_check, &checker_args);
    pthread_join(checker, NULL);
    for (int t = 0; t < bidder_threads; t++)
        pthread_join(bidders[t], NULL);
    manual_clock_advance(&f.clock, 121000);
    ledger_tick(f.ledger, now(&f));
    int64_t spent = 0;
    for (int c = 0; c < 3; c++) {
        struct ledger_account_state s = state_of(&f, raced[c]);
        ck_assert_int_eq(s.reserved_micros, 0);
        spent += s.spent_total_micros;
    }
    struct ledger_account_state total = state_of(&f, "race-total");
    ck_assert_int_le(total.spent_total_micros, 400000);
    ck_assert_int_ge(total.spent_total_micros, 390000); /* the budget was really used up */
    ck_assert_int_gt(spent, 1000000);                   /* and the daily ones over 2 days */
    teardown(&f);
}

START_TEST(spend_never_exceeds_budgets_under_concurrent_notices)
{
    race(false, (unsigned)_i + 1);
}
END_TEST

START_TEST(spend_never_exceeds_budgets_with_leases_on_disk)
{
    race(true, (unsigned)_i + 100);
}
END_TEST

Suite *ledger_suite(void)
{
    Suite *suite = suite_create("ledger");
    TCase *tc = tcase_create("ledger");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, cost_is_a_thousandth_of_the_cpm_rounded_up);
    tcase_add_test(tc, a_daily_budget_admits_exactly_what_it_covers);
    tcase_add_test(tc, commit_charges_the_clearing_price_and_frees_the_rest);
    tcase_add_test(tc, a_total_budget_holds_across_days);
    tcase_add_test(tc, repeated_and_mixed_notices_commit_once);
    tcase_add_test(tc, billing_first_commits_and_a_later_win_only_counts);
    tcase_add_test(tc, bad_notices_change_nothing);
    tcase_add_test(tc, unknown_and_removed_campaigns_do_not_bid);
    tcase_add_test(tc, a_reload_keeps_spend_and_takes_new_budgets);
    tcase_add_test(tc, flight_bounds_are_start_inclusive_end_exclusive);
    tcase_add_test(tc, the_day_turns_at_local_midnight);
    tcase_add_test(tc, unanswered_reservations_expire_after_the_ttl);
    tcase_add_test(tc, a_late_win_commits_only_when_still_covered);
    tcase_add_test(tc, a_full_ring_refuses_budgeted_bids_and_forgets_old_ones);
    tcase_add_test(tc, caps_count_in_flight_bids_and_need_a_user_when_required);
    tcase_add_test(tc, erasing_a_user_forgets_their_counts);
    tcase_add_test(tc, ended_windows_are_purged_at_open);
    tcase_add_test(tc, stats_are_json_members_with_hourly_rows);
    tcase_add_test(tc, spend_counts_and_outstanding_reservations_survive_a_reopen);
    tcase_add_test(tc, without_a_data_directory_nothing_is_kept);
    tcase_add_test(tc, kill_9_at_any_moment_never_loses_spend_nor_overspends);
    tcase_add_test(tc, kill_9_keeps_every_acknowledged_frequency_count);
    tcase_add_loop_test(tc, spend_never_exceeds_budgets_under_concurrent_notices, 0, 2);
    tcase_add_loop_test(tc, spend_never_exceeds_budgets_with_leases_on_disk, 0, 2);
    suite_add_tcase(suite, tc);
    return suite;
}
