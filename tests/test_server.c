/* End to end: starts build/geobid on free loopback ports and talks HTTP/1.1 to it. */
#include "test_support.h"

#include "geobid/arena.h"
#include "geobid/json.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static struct test_bidder bidder;

static void post_json(int fd, const char *body, struct http_response *response)
{
    test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body,
                       strlen(body), response);
}

/* POSTs a gzipped JSON body (Content-Encoding: gzip) on fd. */
static void post_gzipped_json(int fd, const void *body, size_t len,
                              struct http_response *response)
{
    test_http_exchange(fd, "POST", "/openrtb2/bid",
                       "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", body, len,
                       response);
}

/* A bid request at (lat, lon) with one 300x250 / 320x50 banner imp. */
static void make_request(char *out, size_t size, const char *geo_json, const char *ip)
{
    snprintf(out, size,
             "{\"id\":\"req-1\",\"tmax\":120,\"cur\":[\"EUR\"],"
             "\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250,"
             "\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]},"
             "\"bidfloor\":0.5,\"bidfloorcur\":\"EUR\"}],"
             "\"site\":{\"domain\":\"news.example\"},"
             "\"device\":{\"ip\":\"%s\",\"devicetype\":1,\"os\":\"Android\"%s%s}}",
             ip, geo_json[0] ? ",\"geo\":" : "", geo_json);
}

static void start_bidder(void)
{
    test_bidder_start(&bidder);
}

static void stop_bidder(void)
{
    test_bidder_stop(&bidder);
}

/* Parses a bid response body and returns seatbid[0].bid[0]'s field NAME as text. */
static void bid_field(const struct http_response *response, const char *name, char *out,
                      size_t size)
{
    struct arena arena;
    arena_init(&arena, 4096);
    struct json_doc doc;
    struct error err;
    ck_assert_msg(json_parse(&doc, response->body, response->body_len, &arena, &err) == 0,
                  "response is not JSON: %s", response->body);
    const char *needle_start = strstr(response->body, "\"bid\":[{");
    ck_assert_ptr_nonnull(needle_start);
    char key[64];
    snprintf(key, sizeof(key), "\"%s\":", name);
    const char *value = strstr(needle_start, key);
    ck_assert_msg(value != NULL, "no %s in %s", name, response->body);
    value += strlen(key);
    size_t len = strcspn(value, ",}");
    snprintf(out, size, "%.*s", (int)len, value);
    arena_free(&arena);
}

START_TEST(healthz_on_both_listeners)
{
    struct http_response response;
    int ports[] = {bidder.bid_port, bidder.admin_port};
    for (int i = 0; i < 2; i++) {
        int fd = test_connect(ports[i]);
        test_http_exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
        ck_assert_int_eq(response.status, 200);
        ck_assert_str_eq(response.body, "ok\n");
        close(fd);
    }
}
END_TEST

START_TEST(gps_near_the_cafe_gets_its_bid)
{
    char request[2048];
    make_request(request, sizeof(request),
                 "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1,\"accuracy\":20}", "8.8.8.8");
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    post_json(fd, request, &response);
    close(fd);
    ck_assert_int_eq(response.status, 200);
    ck_assert(test_http_has_header(&response, "\r\nx-openrtb-version: 2.6\r\n"));
    ck_assert(test_http_has_header(&response, "\r\nContent-Type: application/json\r\n"));
    char value[256];
    bid_field(&response, "price", value, sizeof(value));
    ck_assert_str_eq(value, "2.5");
    bid_field(&response, "crid", value, sizeof(value));
    ck_assert_str_eq(value, "\"cafe-300x250\"");
    bid_field(&response, "impid", value, sizeof(value));
    ck_assert_str_eq(value, "\"1\"");
    ck_assert(strstr(response.body, "\"cur\":\"EUR\"") != NULL);
    ck_assert(strstr(response.body, "\"id\":\"req-1\"") != NULL);
}
END_TEST

START_TEST(nobody_there_gets_204)
{
    char request[2048];
    make_request(request, sizeof(request), "{\"lat\":40.0,\"lon\":-30.0,\"type\":1}", "8.8.8.8");
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    post_json(fd, request, &response);
    close(fd);
    ck_assert_int_eq(response.status, 204);
    ck_assert_uint_eq(response.body_len, 0);
    ck_assert(test_http_has_header(&response, "\r\nx-openrtb-version: 2.6\r\n"));
}
END_TEST

START_TEST(keep_alive_serves_many_requests_on_one_connection)
{
    char near[2048], far[2048];
    make_request(near, sizeof(near), "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1}", "8.8.8.8");
    make_request(far, sizeof(far), "{\"lat\":-40.0,\"lon\":170.0,\"type\":1}", "8.8.8.8");
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    for (int i = 0; i < 200; i++) {
        post_json(fd, i % 2 ? far : near, &response);
        ck_assert_int_eq(response.status, i % 2 ? 204 : 200);
    }
    close(fd);
}
END_TEST

START_TEST(gzip_body_is_accepted)
{
    char request[2048];
    make_request(request, sizeof(request), "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1}", "8.8.8.8");
    size_t len;
    unsigned char *body = test_gzip(request, strlen(request), &len);
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    post_gzipped_json(fd, body, len, &response);
    ck_assert_int_eq(response.status, 200);
    /* a corrupt gzip body on the same connection: 400, and the connection survives */
    body[len / 2] ^= 0x55;
    post_gzipped_json(fd, body, len, &response);
    ck_assert_int_eq(response.status, 400);
    ck_assert(strstr(response.body, "{\"error\":\"corrupt gzip body\"}") == response.body);
    test_http_exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(fd);
    free(body);
}
END_TEST

START_TEST(gzip_bomb_is_refused_as_too_large)
{
    size_t plain_len = 1 << 20; /* 1 MiB of spaces compresses to about 1 KiB */
    char *plain = malloc(plain_len);
    memset(plain, ' ', plain_len);
    size_t len;
    unsigned char *body = test_gzip(plain, plain_len, &len);
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    post_gzipped_json(fd, body, len, &response);
    ck_assert_int_eq(response.status, 413);
    close(fd);
    free(plain);
    free(body);
}
END_TEST

struct bad_request_case {
    const char *method, *path, *headers, *body;
    int status;
    const char *error; /* expected start of the JSON body, NULL: not checked */
};

static const struct bad_request_case bad_requests[] = {
    {"POST", "/openrtb2/bid", "Content-Type: application/json\r\n", "{\"id\":", 400,
     "{\"error\":\"truncated JSON\"}"},
    {"POST", "/openrtb2/bid", "Content-Type: application/json\r\n", "[1,2]", 400, "{\"error\":"},
    {"POST", "/openrtb2/bid", "Content-Type: application/json\r\n",
     "{\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]}", 400,
     "{\"error\":\"id: required\"}"},
    {"POST", "/openrtb2/bid", "Content-Type: application/json\r\n", "{\"id\":\"x\"}", 400,
     "{\"error\":\"imp: required\"}"},
    {"POST", "/openrtb2/bid", "Content-Type: text/plain\r\n", "{}", 415,
     "{\"error\":\"unsupported Content-Type\"}"},
    {"POST", "/openrtb2/bid", "Content-Type: application/json\r\nContent-Encoding: br\r\n", "{}",
     415, "{\"error\":\"unsupported Content-Encoding\"}"},
    {"GET", "/openrtb2/bid", "", "", 405, "{\"error\":\"use POST\"}"},
    {"PUT", "/openrtb2/bid", "Content-Type: application/json\r\n", "{}", 405, NULL},
    {"GET", "/nope", "", "", 404, "{\"error\":\"no such endpoint\"}"},
    {"POST", "/healthz", "", "x", 405, NULL},
};

START_TEST(bad_requests_get_clear_errors)
{
    const struct bad_request_case *c = &bad_requests[_i];
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    test_http_exchange(fd, c->method, c->path, c->headers, c->body, strlen(c->body), &response);
    ck_assert_msg(response.status == c->status, "%s %s: got %d, want %d (%s)", c->method,
                  c->path, response.status, c->status, response.body);
    if (c->error != NULL)
        ck_assert_msg(strncmp(response.body, c->error, strlen(c->error)) == 0,
                      "body %s does not start with %s", response.body, c->error);
    /* the connection still serves the next request */
    test_http_exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(fd);
}
END_TEST

START_TEST(oversized_body_gets_413)
{
    size_t len = 70 * 1024;
    char *body = malloc(len);
    memset(body, ' ', len);
    body[0] = '{';
    body[len - 1] = '}';
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body,
                       len, &response);
    ck_assert_int_eq(response.status, 413);
    close(fd);
    free(body);
}
END_TEST

START_TEST(admin_listener_does_not_serve_bids)
{
    struct http_response response;
    int fd = test_connect(bidder.admin_port);
    post_json(fd, "{}", &response);
    ck_assert_int_eq(response.status, 404);
    close(fd);
}
END_TEST

START_TEST(connections_beyond_the_limit_get_503)
{
    enum { limit = 64 }; /* --max-connections given to the bidder */
    struct timespec settle = {0, 200 * 1000 * 1000}; /* earlier tests' closes reach the server */
    nanosleep(&settle, NULL);
    int fds[limit + 1];
    struct http_response response;
    for (int i = 0; i < limit; i++) {
        fds[i] = test_connect(bidder.bid_port);
        test_http_exchange(fds[i], "GET", "/healthz", "", NULL, 0, &response);
        ck_assert_int_eq(response.status, 200);
    }
    fds[limit] = test_connect(bidder.bid_port);
    test_http_exchange(fds[limit], "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 503);
    for (int i = 0; i <= limit; i++)
        close(fds[i]);
    nanosleep(&settle, NULL);
    int fd = test_connect(bidder.bid_port); /* closing frees the slots again */
    test_http_exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(fd);
}
END_TEST

Suite *server_suite(void)
{
    Suite *suite = suite_create("server");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, start_bidder, stop_bidder);
    tcase_add_test(tc, healthz_on_both_listeners);
    tcase_add_test(tc, gps_near_the_cafe_gets_its_bid);
    tcase_add_test(tc, nobody_there_gets_204);
    tcase_add_test(tc, keep_alive_serves_many_requests_on_one_connection);
    tcase_add_test(tc, gzip_body_is_accepted);
    tcase_add_test(tc, gzip_bomb_is_refused_as_too_large);
    tcase_add_loop_test(tc, bad_requests_get_clear_errors, 0,
                        (int)(sizeof(bad_requests) / sizeof(bad_requests[0])));
    tcase_add_test(tc, oversized_body_gets_413);
    tcase_add_test(tc, admin_listener_does_not_serve_bids);
    tcase_add_test(tc, connections_beyond_the_limit_get_503);
    suite_add_tcase(suite, tc);
    return suite;
}
