/* Admin endpoints of first-party data: POST /v1/segments/{segment}/members and
 * DELETE /v1/users/{user_id}, through the router, and once through a running geobid. */
#include "geobid/admin.h"
#include "geobid/ledger.h"
#include "geobid/user_store.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const int64_t now_ms = 1700000000000;
static struct arena arena;
static char *dir;
static struct user_store users;
static struct manual_clock clock_now;
static struct snapshot *snapshot;
static struct bidder bidder;
static struct admin admin;

static void setup(void)
{
    struct campaign_set none = {0};
    struct error err;
    arena_init(&arena, 4096);
    dir = test_temp_dir_create();
    char *argv[] = {"geobid", "--data-dir", dir, NULL};
    struct config config;
    ck_assert_int_eq(config_load(&config, 3, argv, &err), CONFIG_RUN);
    ck_assert_msg(user_store_open(&users, &config, &err) == 0, "%s", err.message);
    config_free(&config);
    manual_clock_init(&clock_now, now_ms);
    snapshot = snapshot_build(&none);
    bidder = (struct bidder){.snapshot = snapshot, .clock = &clock_now.clock};
    user_store_attach(&users, &bidder);
    admin = (struct admin){.bidder = &bidder, .token = NULL};
}

static void teardown(void)
{
    user_store_close(&users);
    snapshot_free(snapshot);
    test_temp_dir_remove(dir);
    arena_free(&arena);
}

static struct endpoint_reply call(const struct admin *to, const char *method, const char *path,
                                  const char *content_type, const char *body)
{
    struct endpoint_request request = {
        .method = slice_from_cstr(method),
        .path = slice_from_cstr(path),
        .content_type = slice_from_cstr(content_type),
        .body = slice_from_cstr(body),
    };
    struct endpoint_reply reply;
    admin_handle(to, &request, &arena, &reply);
    return reply;
}

static void assert_reply(const struct endpoint_reply *reply, int status, const char *body)
{
    ck_assert_int_eq(reply->status, status);
    ck_assert_str_eq(reply->content_type, "application/json");
    ck_assert_msg(reply->body.len == strlen(body) &&
                      memcmp(reply->body.data, body, reply->body.len) == 0,
                  "body %.*s, expected %s", (int)reply->body.len, reply->body.data, body);
}

static uint32_t membership_count(const char *id, const char *segment)
{
    struct user_key key;
    struct profile profile;
    user_key_of_id(bidder.user_keys, slice_from_cstr(id), &key);
    ck_assert_int_eq(
        profile_store_lookup(bidder.profiles, &key, now_ms / 1000, &arena, &profile), 0);
    const struct segment_membership *m = profile_find(&profile, slice_from_cstr(segment));
    return m ? m->count : 0;
}

START_TEST(upload_csv_and_json_lines)
{
    struct endpoint_reply reply = call(&admin, "POST", "/v1/segments/shoes/members", "text/csv",
                                       "user_id,ts\nalice,1699999000\nbob\nalice\n");
    assert_reply(&reply, 200, "{\"segment\":\"shoes\",\"observations\":3,\"users\":2}\n");
    ck_assert_uint_eq(membership_count("alice", "shoes"), 2);
    reply = call(&admin, "POST", "/v1/segments/acme%3Abikes/members", "application/x-ndjson",
                 "{\"user\":\"bob\"}\n");
    assert_reply(&reply, 200, "{\"segment\":\"acme:bikes\",\"observations\":1,\"users\":1}\n");
    ck_assert_uint_eq(membership_count("bob", "acme:bikes"), 1);
}
END_TEST

START_TEST(bad_uploads_change_nothing)
{
    struct endpoint_reply reply = call(&admin, "POST", "/v1/segments/shoes/members", "text/csv",
                                       "alice\nbob,soon\n");
    assert_reply(&reply, 400, "{\"error\":\"line 2: timestamp is not an integer\"}\n");
    reply = call(&admin, "POST", "/v1/segments/bad%20name/members", "text/csv", "alice\n");
    ck_assert_int_eq(reply.status, 400);
    reply = call(&admin, "POST", "/v1/segments/shoes/members", "application/json",
                 "{\"user\":\"alice\"}");
    ck_assert_int_eq(reply.status, 415);
    reply = call(&admin, "POST", "/v1/segments/shoes/members", "", "alice\n");
    ck_assert_int_eq(reply.status, 415);
    ck_assert_uint_eq(membership_count("alice", "shoes"), 0);
}
END_TEST

START_TEST(erase_a_user)
{
    call(&admin, "POST", "/v1/segments/shoes/members", "text/csv", "alice\na/b\n");
    struct endpoint_reply reply = call(&admin, "DELETE", "/v1/users/alice", "", "");
    assert_reply(&reply, 200, "{\"erased\":true}\n");
    ck_assert_uint_eq(membership_count("alice", "shoes"), 0);
    reply = call(&admin, "DELETE", "/v1/users/alice", "", "");
    assert_reply(&reply, 200, "{\"erased\":false}\n");
    reply = call(&admin, "DELETE", "/v1/users/a%2Fb", "", "");
    assert_reply(&reply, 200, "{\"erased\":true}\n");
}
END_TEST

/* The erasure also reaches the frequency counts the ledger keeps for the person. */
START_TEST(erase_reaches_frequency_counts)
{
    struct campaign_set set;
    struct error err = {""};
    const char *json = test_dq(&arena, "{'campaigns':[{'id':'capped','bid_cpm':2,"
                                       "'frequency_cap':{'max':1,'window_s':3600},"
                                       "'creatives':[{'id':'c','w':300,'h':250,'adm':'x'}]}]}");
    test_campaigns_load(&set, json, strlen(json));
    struct ledger_options options = {.clock = &clock_now.clock};
    bidder.ledger = ledger_open(&options, &err);
    ck_assert_int_eq(ledger_sync(bidder.ledger, &set, &err), 0);
    struct user_key alice;
    user_key_of_id(bidder.user_keys, SLICE_LITERAL("alice"), &alice);
    struct ledger_bid bid = {&set.campaigns[0], set.campaigns[0].bid_cpm_micros, &alice, now_ms};
    struct ledger_reservation reservation;
    ck_assert_int_eq(ledger_reserve(bidder.ledger, &bid, &reservation), LEDGER_OK);
    ck_assert_int_eq(ledger_commit(bidder.ledger, SLICE_LITERAL("capped"), reservation.id,
                                   bid.price_cpm_micros, LEDGER_NOTICE_WIN, now_ms),
                     LEDGER_OK);
    ck_assert_int_eq(ledger_reserve(bidder.ledger, &bid, &reservation), LEDGER_CAPPED);

    struct endpoint_reply reply = call(&admin, "DELETE", "/v1/users/alice", "", "");
    assert_reply(&reply, 200, "{\"erased\":true}\n");
    ck_assert_int_eq(ledger_reserve(bidder.ledger, &bid, &reservation), LEDGER_OK);
    ledger_close(bidder.ledger);
    bidder.ledger = NULL;
    campaign_set_free(&set);
}
END_TEST

START_TEST(without_a_data_dir_503)
{
    struct bidder stateless = {.snapshot = snapshot};
    struct admin no_store = {.bidder = &stateless};
    static const char expected[] =
        "{\"error\":\"no --data-dir: segments and profiles need durable state\"}\n";
    struct endpoint_reply reply =
        call(&no_store, "POST", "/v1/segments/shoes/members", "text/csv", "alice\n");
    assert_reply(&reply, 503, expected);
    reply = call(&no_store, "DELETE", "/v1/users/alice", "", "");
    assert_reply(&reply, 503, expected);
    /* without a data dir, a process-lifetime key still counts frequency by person: erasure
     * works, there are just no segments to erase */
    stateless.user_keys = bidder.user_keys;
    reply = call(&no_store, "DELETE", "/v1/users/alice", "", "");
    assert_reply(&reply, 200, "{\"erased\":false}\n");
}
END_TEST

START_TEST(routes_and_bodies)
{
    struct endpoint_request post = {.method = SLICE_LITERAL("POST"),
                                    .path = SLICE_LITERAL("/v1/segments/shoes/members")};
    struct endpoint_request erase = {.method = SLICE_LITERAL("DELETE"),
                                     .path = SLICE_LITERAL("/v1/users/alice")};
    ck_assert(admin_wants_body(&post));
    ck_assert(!admin_wants_body(&erase));
    ck_assert_int_eq(call(&admin, "GET", "/v1/segments/shoes/members", "", "").status, 405);
    ck_assert_int_eq(call(&admin, "POST", "/v1/segments//members", "text/csv", "a").status, 404);
    ck_assert_int_eq(call(&admin, "GET", "/v1/users/alice", "", "").status, 405);
    struct admin locked = {.bidder = &bidder, .token = "t0ken"};
    ck_assert_int_eq(call(&locked, "DELETE", "/v1/users/alice", "", "").status, 401);
}
END_TEST

/* ---- through a running geobid ----------------------------------------------------- */

static void exchange(int port, const char *method, const char *path, const char *headers,
                     const char *body, struct http_response *response)
{
    int fd = test_connect(port);
    ck_assert_int_ge(fd, 0);
    test_http_exchange(fd, method, path, headers, body, strlen(body), response);
    close(fd);
}

START_TEST(end_to_end)
{
    char *data_dir = test_temp_dir_create();
    const char *args[] = {"--threads", "2", "--data-dir", data_dir, "--admin-token", "t0ken", NULL};
    struct test_bidder running;
    test_bidder_start_with(&running, args);
    static const char auth_csv[] = "Authorization: Bearer t0ken\r\nContent-Type: text/csv\r\n";
    struct http_response response;

    exchange(running.admin_port, "POST", "/v1/segments/shoes/members", auth_csv,
             "alice\nbob\nalice\n", &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert_str_eq(response.body, "{\"segment\":\"shoes\",\"observations\":3,\"users\":2}\n");
    exchange(running.admin_port, "POST", "/v1/segments/shoes/members", auth_csv, "carol,x\n",
             &response);
    ck_assert_int_eq(response.status, 400);
    ck_assert_str_eq(response.body, "{\"error\":\"line 1: timestamp is not an integer\"}\n");
    exchange(running.admin_port, "DELETE", "/v1/users/alice", "Content-Type: text/csv\r\n", "",
             &response);
    ck_assert_int_eq(response.status, 401);

    /* a bid request for a known user goes through the profile lookup */
    exchange(running.bid_port, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n",
             "{\"id\":\"r\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
             "\"user\":{\"buyeruid\":\"bob\"}}",
             &response);
    ck_assert_int_eq(response.status, 204);

    exchange(running.admin_port, "DELETE", "/v1/users/alice", "Authorization: Bearer t0ken\r\n",
             "", &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert_str_eq(response.body, "{\"erased\":true}\n");
    exchange(running.admin_port, "DELETE", "/v1/users/alice", "Authorization: Bearer t0ken\r\n",
             "", &response);
    ck_assert_str_eq(response.body, "{\"erased\":false}\n");
    test_bidder_stop(&running);

    struct stat st;
    char path[4096];
    snprintf(path, sizeof(path), "%s/user-key.secret", data_dir);
    ck_assert_int_eq(stat(path, &st), 0);
    snprintf(path, sizeof(path), "%s/profiles/data.mdb", data_dir);
    ck_assert_int_eq(stat(path, &st), 0);
    test_temp_dir_remove(data_dir);
}
END_TEST

Suite *admin_segments_suite(void)
{
    Suite *suite = suite_create("admin_segments");
    TCase *tc = tcase_create("handlers");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, upload_csv_and_json_lines);
    tcase_add_test(tc, bad_uploads_change_nothing);
    tcase_add_test(tc, erase_a_user);
    tcase_add_test(tc, erase_reaches_frequency_counts);
    tcase_add_test(tc, without_a_data_dir_503);
    tcase_add_test(tc, routes_and_bodies);
    suite_add_tcase(suite, tc);
    TCase *process = tcase_create("process");
    tcase_set_timeout(process, 30);
    tcase_add_test(process, end_to_end);
    suite_add_tcase(suite, process);
    return suite;
}
