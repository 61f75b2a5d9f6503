/* The per-imp decision with a ledger (src/bidder.c, ledger.h): the winner's cost is
 * reserved and its id carried in the bid; a campaign out of budget, out of flight or
 * capped is passed over for the next best; consent decides whether the user key counts. */
#include "geobid/bidder.h"
#include "geobid/ledger.h"
#include "geobid/openrtb_json.h"
#include "geobid/snapshot.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define T0 1795428000000 /* 2026-11-23T10:00:00Z */
#define CREATIVE "\"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\"}]"

static const char campaigns_json[] =
    "{\"campaigns\":["
    "{\"id\":\"capped\",\"bid_cpm\":5,\"frequency_cap\":{\"max\":1,\"window_s\":86400,"
    "\"require_user\":true}," CREATIVE "},"
    "{\"id\":\"rich\",\"bid_cpm\":3,\"budget\":{\"daily\":0.006},\"pacing\":\"asap\"," CREATIVE "},"
    "{\"id\":\"later\",\"bid_cpm\":4,\"flight\":{\"start\":\"2026-11-24T00:00:00Z\"}," CREATIVE "},"
    "{\"id\":\"backup\",\"bid_cpm\":1," CREATIVE "}"
    "]}";

static struct snapshot *snapshot;
static struct ledger *ledger;
static struct arena arena;

static void setup(void)
{
    snapshot = test_snapshot_load(campaigns_json, strlen(campaigns_json));
    struct ledger_options options = {.reservation_ttl_ms = 120000};
    struct error err;
    ledger = ledger_open(&options, &err);
    ck_assert_ptr_nonnull(ledger);
    ck_assert_int_eq(ledger_sync(ledger, &snapshot->campaigns, &err), 0);
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    ledger_close(ledger);
    snapshot_free(snapshot);
    arena_free(&arena);
}

/* Decides a request with imp_count 300x250 imps for user (NULL: none), with or without
 * consent to store ids; returns the campaign id of each bid, "-" for none. */
static void decide(int imp_count, const struct user_key *user, bool store_ids,
                   struct bid_response *response)
{
    char text[512] = "{\"id\":\"r\",\"imp\":[";
    for (int i = 0; i < imp_count; i++)
        snprintf(text + strlen(text), sizeof(text) - strlen(text),
                 "%s{\"id\":\"%d\",\"banner\":{\"w\":300,\"h\":250}}", i ? "," : "", i);
    strcat(text, "]}");
    struct bid_request *request = arena_alloc(&arena, sizeof(*request));
    struct error err;
    char *copy = arena_strndup(&arena, text, strlen(text));
    ck_assert_msg(openrtb_json_decode(copy, strlen(copy), &arena, request, &err) == 0, "%s",
                  err.message);
    struct bidder bidder = {.snapshot = snapshot, .ledger = ledger};
    struct bid_context context = {.request = request, .now_ms = T0,
                                  .permissions = {.store_ids = store_ids}};
    if (user != NULL) {
        context.has_user_key = true;
        context.user_key = *user;
    }
    bidder_decide(&bidder, &context, &arena, response);
}

static void assert_winners(const struct bid_response *response, const char *const *ids,
                           size_t count)
{
    ck_assert_uint_eq(response->bid_count, count);
    for (size_t i = 0; i < count; i++) {
        ck_assert_msg(slice_eq_cstr(response->bids[i].campaign->id, ids[i]), "bid %zu: %.*s",
                      i, (int)response->bids[i].campaign->id.len,
                      response->bids[i].campaign->id.ptr);
        ck_assert_uint_ne(response->bids[i].reservation_id, 0);
    }
}

START_TEST(the_best_campaign_the_ledger_admits_wins)
{
    struct user_key alice = {{1}};
    struct bid_response response;
    decide(1, &alice, true, &response);
    assert_winners(&response, (const char *[]){"capped"}, 1);
    decide(1, &alice, true, &response); /* capped: one impression in flight */
    assert_winners(&response, (const char *[]){"rich"}, 1);
    decide(2, NULL, true, &response); /* no user: capped requires one; rich covers one */
    assert_winners(&response, (const char *[]){"rich", "backup"}, 2);
    decide(1, NULL, true, &response);
    assert_winners(&response, (const char *[]){"backup"}, 1);
}
END_TEST

START_TEST(without_consent_the_user_key_is_not_used)
{
    struct user_key bob = {{2}};
    struct bid_response response;
    decide(1, &bob, false, &response);
    assert_winners(&response, (const char *[]){"rich"}, 1);
}
END_TEST

START_TEST(the_reservation_is_the_winners_cost)
{
    struct bid_response response;
    decide(1, NULL, true, &response);
    assert_winners(&response, (const char *[]){"rich"}, 1);
    struct ledger_account_state state;
    ck_assert(ledger_account_state(ledger, SLICE_LITERAL("rich"), &state));
    ck_assert_int_eq(state.reserved_micros, 3000);
    ck_assert_int_eq(ledger_commit(ledger, SLICE_LITERAL("rich"), response.bids[0].reservation_id,
                                   2000000, LEDGER_NOTICE_WIN, T0),
                     LEDGER_OK);
    ck_assert(ledger_account_state(ledger, SLICE_LITERAL("rich"), &state));
    ck_assert_int_eq(state.spent_total_micros, 2000);
}
END_TEST

START_TEST(without_a_ledger_nothing_is_reserved)
{
    struct bid_response response;
    struct bidder bidder = {.snapshot = snapshot};
    struct bid_request *request = arena_alloc(&arena, sizeof(*request));
    struct error err;
    static const char json[] = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":"
                               "{\"w\":300,\"h\":250}}]}";
    char *text = arena_strndup(&arena, json, sizeof(json) - 1);
    ck_assert_int_eq(openrtb_json_decode(text, strlen(text), &arena, request, &err), 0);
    struct bid_context context = {.request = request, .now_ms = T0};
    ck_assert_uint_eq(bidder_decide(&bidder, &context, &arena, &response), 1);
    ck_assert(slice_eq_cstr(response.bids[0].campaign->id, "capped"));
    ck_assert_uint_eq(response.bids[0].reservation_id, 0);
}
END_TEST

Suite *bidder_delivery_suite(void)
{
    Suite *suite = suite_create("bidder_delivery");
    TCase *tc = tcase_create("bidder_delivery");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_best_campaign_the_ledger_admits_wins);
    tcase_add_test(tc, without_consent_the_user_key_is_not_used);
    tcase_add_test(tc, the_reservation_is_the_winners_cost);
    tcase_add_test(tc, without_a_ledger_nothing_is_reserved);
    suite_add_tcase(suite, tc);
    return suite;
}
