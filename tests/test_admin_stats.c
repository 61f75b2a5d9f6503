/* Tests for src/admin_stats.c: GET /v1/campaigns/{id}/stats reports each rule's
 * counts after requests went through the bidder's matching; unknown campaigns are 404. */
#include "geobid/admin.h"

#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/snapshot.h"
#include "test_support.h"

#include <check.h>
#include <string.h>

static struct arena arena;
static struct snapshot *snapshot;
static struct bidder bidder;
static struct admin admin;

static const char campaigns[] =
    "{'campaigns':["
    "{'id':'plain','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]},"
    "{'id':'atelier/lin','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}],"
    " 'audience':{'all':[{'segment':'visitor','within_days':30},{'os':'ios'}],"
    "  'any':[{'gender':'F'}],'none':[{'keyword':'cheap'}]},"
    " 'schedule':{'days':['mon'],'hours':[[7,11]],'timezone':'Europe/Paris'}}]}";

static void setup(void)
{
    arena_init(&arena, 4096);
    const char *json = test_dq(&arena, campaigns);
    snapshot = test_snapshot_load(json, strlen(json));
    bidder = (struct bidder){.snapshot = snapshot};
    admin = (struct admin){.bidder = &bidder};
}

static void teardown(void)
{
    snapshot_free(snapshot);
    arena_free(&arena);
}

static struct endpoint_reply get(const char *path)
{
    struct endpoint_request request = {.method = SLICE_LITERAL("GET"),
                                       .path = slice_from_cstr(path)};
    struct endpoint_reply reply;
    admin_handle(&admin, &request, &arena, &reply);
    return reply;
}

/* Matches a request on Monday 2026-06-15 at 09:00 Paris time (or at noon). */
static void match(const char *os, const char *gender, bool at_noon)
{
    static struct segment_membership visitor = {{"visitor", 7}, 1781500000, 2};
    struct bid_request request;
    bid_request_init(&request);
    request.device.os = slice_from_cstr(os);
    request.user.gender = slice_from_cstr(gender);
    struct bid_context context = {.request = &request, .permissions = {.personalize = true},
                                  .now_ms = (1781506800 + (at_noon ? 3 * 3600 : 0)) * 1000LL,
                                  .profile = {&visitor, 1}};
    bidder_match(&bidder, &context, &arena);
}

START_TEST(rules_report_their_counts)
{
    match("ios", "F", false);  /* matches */
    match("android", "F", false);
    match("ios", "M", true);
    struct endpoint_reply reply = get("/v1/campaigns/atelier%2Flin/stats");
    ck_assert_int_eq(reply.status, 200);
    ck_assert_str_eq(reply.content_type, "application/json");
    const char *expected =
        "{\"campaign\":\"atelier/lin\",\"checked\":3,\"matched\":1,\"audience\":["
        "{\"rule\":\"all: segment=visitor within_days=30\",\"matched\":3,\"failed\":0,"
        "\"indexed\":true},"
        "{\"rule\":\"all: os=ios\",\"matched\":2,\"failed\":1},"
        "{\"rule\":\"any: gender=F\",\"matched\":2,\"failed\":1},"
        "{\"rule\":\"none: keyword=cheap\",\"matched\":3,\"failed\":0}],"
        "\"schedule\":{\"rule\":\"days=mon hours=7-11 timezone=Europe/Paris\",\"matched\":2,"
        "\"failed\":1}}\n";
    ck_assert_int_eq((int)reply.body.len, (int)strlen(expected));
    ck_assert_msg(memcmp(reply.body.data, expected, reply.body.len) == 0, "%.*s",
                  (int)reply.body.len, reply.body.data);
}
END_TEST

START_TEST(campaign_without_rules_reports_none)
{
    match("ios", "F", false);
    struct endpoint_reply reply = get("/v1/campaigns/plain/stats");
    ck_assert_int_eq(reply.status, 200);
    const char *expected = "{\"campaign\":\"plain\",\"checked\":0,\"matched\":0,\"audience\":[],"
                           "\"schedule\":null}\n";
    ck_assert_int_eq((int)reply.body.len, (int)strlen(expected));
    ck_assert(memcmp(reply.body.data, expected, reply.body.len) == 0);
}
END_TEST

START_TEST(unknown_campaign_is_404)
{
    struct endpoint_reply reply = get("/v1/campaigns/nope/stats");
    ck_assert_int_eq(reply.status, 404);
    ck_assert_int_eq(get("/v1/campaigns/plain/statistics").status, 404);
}
END_TEST

Suite *admin_stats_suite(void)
{
    Suite *suite = suite_create("admin_stats");
    TCase *tc = tcase_create("stats");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, rules_report_their_counts);
    tcase_add_test(tc, campaign_without_rules_reports_none);
    tcase_add_test(tc, unknown_campaign_is_404);
    suite_add_tcase(suite, tc);
    return suite;
}
