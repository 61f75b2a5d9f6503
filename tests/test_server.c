/* End to end: starts build/geobid on free loopback ports and talks HTTP/1.1 to it. */
#include "test_support.h"

#include "geobid/arena.h"
#include "geobid/json.h"

#include <check.h>
#include <dirent.h>
#include <pthread.h>
#include <sys/resource.h>
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

/* Returns the value of the Prometheus sample whose line starts with name_and_labels. */
static long metric_value(const struct http_response *metrics, const char *name_and_labels)
{
    char needle[160];
    snprintf(needle, sizeof(needle), "\n%s ", name_and_labels);
    const char *line = strstr(metrics->body, needle);
    ck_assert_msg(line != NULL, "no %s in %s", name_and_labels, metrics->body);
    return strtol(line + strlen(needle), NULL, 10);
}

START_TEST(metrics_count_what_the_bid_listener_answered)
{
    char bid_request[2048], no_bid_request[2048];
    make_request(bid_request, sizeof(bid_request),
                 "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1,\"accuracy\":20}", "8.8.8.8");
    make_request(no_bid_request, sizeof(no_bid_request), "{\"lat\":40.0,\"lon\":-30.0,\"type\":1}",
                 "8.8.8.8");
    struct http_response response, before, after;
    int admin = test_connect(bidder.admin_port);
    test_http_exchange(admin, "GET", "/metrics", "", NULL, 0, &before);
    ck_assert_int_eq(before.status, 200);
    int fd = test_connect(bidder.bid_port);
    post_json(fd, bid_request, &response);
    post_json(fd, bid_request, &response);
    post_json(fd, no_bid_request, &response);
    post_json(fd, "{\"id\":", &response);
    close(fd);
    test_http_exchange(admin, "GET", "/metrics", "", NULL, 0, &after);
    close(admin);
    const char *counters[] = {"geobid_bid_requests_total{outcome=\"bid\"}",
                              "geobid_bid_requests_total{outcome=\"no_bid\"}",
                              "geobid_bid_requests_total{outcome=\"bad_request\"}",
                              "geobid_bid_duration_seconds_count",
                              "geobid_http_responses_total{class=\"4xx\"}"};
    long expected_increase[] = {2, 1, 1, 4, 1};
    for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++)
        ck_assert_int_eq(metric_value(&after, counters[i]) - metric_value(&before, counters[i]),
                         expected_increase[i]);
    ck_assert_int_ge(metric_value(&after, "geobid_bid_duration_seconds_bucket{le=\"+Inf\"}"),
                     4);
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

/* ---- raw HTTP/1.1: chunked bodies, pipelining, HTTP/1.0, closing, limits ---------- */

/* A connection read response by response (pipelined responses arrive together). */
struct raw_stream {
    int fd;
    char data[70000];
    size_t len;
};

static void raw_fill(struct raw_stream *stream)
{
    ck_assert_uint_lt(stream->len, sizeof(stream->data) - 1);
    ssize_t n = read(stream->fd, stream->data + stream->len, sizeof(stream->data) - 1 - stream->len);
    ck_assert_msg(n > 0, "connection closed before a whole response");
    stream->len += (size_t)n;
    stream->data[stream->len] = '\0';
}

/* Reads the next response into response (status, headers, Content-Length body). */
static void raw_read_response(struct raw_stream *stream, struct http_response *response)
{
    char *end;
    stream->data[stream->len] = '\0';
    while ((end = strstr(stream->data, "\r\n\r\n")) == NULL)
        raw_fill(stream);
    size_t head_len = (size_t)(end - stream->data) + 4;
    ck_assert_uint_lt(head_len, sizeof(response->headers));
    memcpy(response->headers, stream->data, head_len);
    response->headers[head_len] = '\0';
    ck_assert_int_eq(sscanf(stream->data, "HTTP/1.1 %d", &response->status), 1);
    const char *length = strcasestr(response->headers, "\r\nContent-Length:");
    response->body_len = length ? strtoul(length + 17, NULL, 10) : 0;
    ck_assert_uint_lt(response->body_len, sizeof(response->body));
    while (stream->len < head_len + response->body_len)
        raw_fill(stream);
    memcpy(response->body, stream->data + head_len, response->body_len);
    response->body[response->body_len] = '\0';
    size_t used = head_len + response->body_len;
    memmove(stream->data, stream->data + used, stream->len - used);
    stream->len -= used;
}

/* True when the server closes the connection (read returns 0) within the socket's
 * 5 s receive timeout, after any bytes still in flight. */
static bool raw_closed_by_server(int fd)
{
    char discard[4096];
    ssize_t n;
    while ((n = read(fd, discard, sizeof(discard))) > 0)
        ;
    return n == 0;
}

START_TEST(chunked_body_gets_its_bid)
{
    char request[2048];
    make_request(request, sizeof(request),
                 "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1,\"accuracy\":20}", "8.8.8.8");
    size_t half = strlen(request) / 2;
    char wire[4096];
    int n = snprintf(wire, sizeof(wire),
                     "POST /openrtb2/bid HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     "Transfer-Encoding: chunked\r\n\r\n%zx;note=first\r\n%.*s\r\n%zx\r\n%s\r\n"
                     "0\r\nX-Trailer: yes\r\n\r\n",
                     half, (int)half, request, strlen(request) - half, request + half);
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    test_write_all(stream.fd, wire, (size_t)n);
    struct http_response response;
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(strstr(response.body, "\"crid\":\"cafe-300x250\"") != NULL);
    close(stream.fd);
}
END_TEST

START_TEST(pipelined_requests_are_answered_in_order)
{
    char near[2048], wire[8192];
    make_request(near, sizeof(near), "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1}", "8.8.8.8");
    int n = snprintf(wire, sizeof(wire),
                     "GET /healthz HTTP/1.1\r\n\r\n"
                     "POST /openrtb2/bid HTTP/1.1\r\nContent-Length: %zu\r\n\r\n%s"
                     "GET /nope HTTP/1.1\r\n\r\n"
                     "GET /healthz HTTP/1.1\r\n\r\n",
                     strlen(near), near);
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    test_write_all(stream.fd, wire, (size_t)n);
    int expected[] = {200, 200, 404, 200};
    struct http_response response;
    for (int i = 0; i < 4; i++) {
        raw_read_response(&stream, &response);
        ck_assert_int_eq(response.status, expected[i]);
    }
    ck_assert_str_eq(response.body, "ok\n");
    close(stream.fd);
}
END_TEST

START_TEST(http10_closes_unless_keep_alive)
{
    struct http_response response;
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    const char keep[] = "GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n";
    test_write_all(stream.fd, keep, sizeof(keep) - 1);
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(test_http_has_header(&response, "\r\nConnection: keep-alive\r\n"));
    const char once[] = "GET /healthz HTTP/1.0\r\n\r\n";
    test_write_all(stream.fd, once, sizeof(once) - 1);
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(test_http_has_header(&response, "\r\nConnection: close\r\n"));
    ck_assert(raw_closed_by_server(stream.fd));
    close(stream.fd);
}
END_TEST

START_TEST(connection_close_is_honoured)
{
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    test_http_exchange(fd, "GET", "/healthz", "Connection: close\r\n", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(test_http_has_header(&response, "\r\nConnection: close\r\n"));
    ck_assert(raw_closed_by_server(fd));
    close(fd);
}
END_TEST

START_TEST(expect_continue_gets_100_first)
{
    const char head[] = "POST /openrtb2/bid HTTP/1.1\r\nContent-Type: application/json\r\n"
                        "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    test_write_all(stream.fd, head, sizeof(head) - 1);
    struct http_response response;
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 100);
    test_write_all(stream.fd, "{}", 2);
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 400);
    close(stream.fd);
}
END_TEST

/* Without a body the server will read, the final status comes at once, no 100. */
START_TEST(expect_is_answered_from_the_head_when_the_body_is_not_wanted)
{
    static const struct {
        const char *wire;
        int status;
    } cases[] = {
        {"POST /nope HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", 404},
        {"GET /openrtb2/bid HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n",
         405},
        {"POST /openrtb2/bid HTTP/1.1\r\nContent-Type: text/plain\r\n"
         "Expect: 100-continue\r\nContent-Length: 2\r\n\r\n", 415},
        {"POST /openrtb2/bid HTTP/1.1\r\nContent-Type: application/json\r\n"
         "Expect: something-else\r\nContent-Length: 2\r\n\r\n", 417},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
        test_write_all(stream.fd, cases[i].wire, strlen(cases[i].wire));
        struct http_response response;
        raw_read_response(&stream, &response);
        ck_assert_int_eq(response.status, cases[i].status);
        ck_assert(test_http_has_header(&response, "\r\nConnection: close\r\n"));
        ck_assert(raw_closed_by_server(stream.fd));
        close(stream.fd);
    }
}
END_TEST

/* A body in one-byte chunks, sent in many writes: the chunks already checked are not
 * checked again on every read, and the result is the same. */
START_TEST(body_in_tiny_chunks_gets_its_bid)
{
    char request[2048];
    make_request(request, sizeof(request),
                 "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1,\"accuracy\":20}", "8.8.8.8");
    size_t body_len = strlen(request);
    char *wire = malloc(64 * 1024);
    size_t len = (size_t)snprintf(wire, 256,
                                  "POST /openrtb2/bid HTTP/1.1\r\nContent-Type: application/json\r\n"
                                  "Transfer-Encoding: chunked\r\n\r\n");
    for (size_t i = 0; i < body_len; i++)
        len += (size_t)snprintf(wire + len, 16, "1\r\n%c\r\n", request[i]);
    len += (size_t)snprintf(wire + len, 16, "0\r\n\r\n");
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    struct timespec pause = {0, 1000 * 1000};
    for (size_t at = 0; at < len; at += 500) {
        test_write_all(stream.fd, wire + at, len - at < 500 ? len - at : 500);
        nanosleep(&pause, NULL);
    }
    struct http_response response;
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(strstr(response.body, "\"crid\":\"cafe-300x250\"") != NULL);
    close(stream.fd);
    free(wire);
}
END_TEST

enum { many_pipelined = 5000 }; /* ~330 KiB of responses: above the 256 KiB cap */

enum { big_body_bytes = 60000 }; /* grows the server's receive buffer to 128 KiB */

/* A 404 for a large body, then many_pipelined GET /healthz, as fast as it can. */
static void *write_pipelined(void *arg)
{
    int fd = *(int *)arg;
    char *big = malloc(big_body_bytes + 128);
    int n = snprintf(big, 128, "POST /nope HTTP/1.1\r\nContent-Length: %d\r\n\r\n",
                     big_body_bytes);
    memset(big + n, 'x', big_body_bytes);
    test_write_all(fd, big, (size_t)n + big_body_bytes);
    free(big);
    static const char one[] = "GET /healthz HTTP/1.1\r\n\r\n";
    char batch[100 * (sizeof(one) - 1)];
    for (size_t i = 0; i < 100; i++)
        memcpy(batch + i * (sizeof(one) - 1), one, sizeof(one) - 1);
    for (int i = 0; i < many_pipelined / 100; i++)
        test_write_all(fd, batch, sizeof(batch));
    return NULL;
}

/* More pipelined requests than the pending output may hold (the large body first makes
 * the receive buffer hold thousands of them at once): all are answered, in order, as
 * the client reads. */
START_TEST(many_pipelined_requests_are_all_answered)
{
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    pthread_t writer;
    ck_assert_int_eq(pthread_create(&writer, NULL, write_pipelined, &stream.fd), 0);
    struct timespec pause = {0, 100 * 1000 * 1000}; /* let the output pile up first */
    nanosleep(&pause, NULL);
    struct http_response response;
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 404);
    for (int i = 0; i < many_pipelined; i++) {
        raw_read_response(&stream, &response);
        ck_assert_int_eq(response.status, 200);
        ck_assert_str_eq(response.body, "ok\n");
    }
    pthread_join(writer, NULL);
    test_http_exchange(stream.fd, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(stream.fd);
}
END_TEST

START_TEST(protocol_errors_get_their_status_and_close)
{
    static const struct {
        const char *wire;
        int status;
    } cases[] = {
        {"GET /healthz HTTP/1.1\r\nBad Header: x\r\n\r\n", 400},
        {"GET /healthz HTTP/2.0\r\n\r\n", 505},
        {"POST /openrtb2/bid HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501},
        {"POST /openrtb2/bid HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", 400},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
        test_write_all(stream.fd, cases[i].wire, strlen(cases[i].wire));
        struct http_response response;
        raw_read_response(&stream, &response);
        ck_assert_int_eq(response.status, cases[i].status);
        ck_assert(strncmp(response.body, "{\"error\":\"", 10) == 0);
        ck_assert(raw_closed_by_server(stream.fd));
        close(stream.fd);
    }
}
END_TEST

START_TEST(oversized_headers_get_431)
{
    size_t len = 10 * 1024; /* above the default --max-header-bytes 8192 */
    char *wire = malloc(len + 64);
    int n = snprintf(wire, 64, "GET /healthz HTTP/1.1\r\nX-Big: ");
    memset(wire + n, 'a', len);
    memcpy(wire + n + len, "\r\n\r\n", 4);
    struct raw_stream stream = {.fd = test_connect(bidder.bid_port)};
    test_write_all(stream.fd, wire, (size_t)n + len + 4);
    struct http_response response;
    raw_read_response(&stream, &response);
    ck_assert_int_eq(response.status, 431);
    close(stream.fd);
    free(wire);
}
END_TEST

START_TEST(head_healthz_has_no_body)
{
    struct raw_stream stream = {.fd = test_connect(bidder.admin_port)};
    const char wire[] = "HEAD /healthz HTTP/1.1\r\nConnection: close\r\n\r\n";
    test_write_all(stream.fd, wire, sizeof(wire) - 1);
    ssize_t n;
    while ((n = read(stream.fd, stream.data + stream.len, sizeof(stream.data) - 1 - stream.len)) > 0)
        stream.len += (size_t)n;
    stream.data[stream.len] = '\0';
    ck_assert(strncmp(stream.data, "HTTP/1.1 200 OK\r\n", 17) == 0);
    ck_assert(strcasestr(stream.data, "\r\nContent-Length: 3\r\n") != NULL);
    ck_assert(strstr(stream.data, "\r\n\r\n")[4] == '\0'); /* nothing after the head */
    close(stream.fd);
}
END_TEST

/* A second bidder with a short --timeout-ms: a client that never finishes its request
 * is closed, and so is an idle keep-alive connection. */
START_TEST(slow_clients_are_closed_after_the_timeout)
{
    struct test_bidder quick;
    char *geoip = test_fixture_path("geoip2-city.mmdb");
    const char *args[] = {"--threads", "1", "--campaigns", "tests/fixtures/campaigns.json",
                          "--geoip", geoip, "--timeout-ms", "300", NULL};
    test_bidder_start_with(&quick, args);
    free(geoip);
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);
    int slow = test_connect(quick.bid_port);
    const char partial[] = "POST /openrtb2/bid HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"id\"";
    test_write_all(slow, partial, sizeof(partial) - 1);
    int idle = test_connect(quick.bid_port);
    struct http_response response;
    test_http_exchange(idle, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    ck_assert(raw_closed_by_server(slow));
    ck_assert(raw_closed_by_server(idle));
    clock_gettime(CLOCK_MONOTONIC, &end);
    double elapsed_s = (double)(end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) / 1e9;
    ck_assert_msg(elapsed_s >= 0.2 && elapsed_s < 3.0, "closed after %.3f s", elapsed_s);
    close(slow);
    close(idle);
    test_bidder_stop(&quick);
}
END_TEST

/* CPU seconds (user + system) pid has used so far. */
static double process_cpu_s(pid_t pid)
{
    char path[64], stat[1024];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *file = fopen(path, "r");
    ck_assert_ptr_nonnull(file);
    size_t n = fread(stat, 1, sizeof(stat) - 1, file);
    fclose(file);
    stat[n] = '\0';
    unsigned long user_ticks, system_ticks;
    const char *after_name = strrchr(stat, ')');
    ck_assert_int_eq(sscanf(after_name + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
                            &user_ticks, &system_ticks),
                     2);
    return (double)(user_ticks + system_ticks) / (double)sysconf(_SC_CLK_TCK);
}

static int open_descriptors(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
    DIR *dir = opendir(path);
    ck_assert_ptr_nonnull(dir);
    int count = 0;
    while (readdir(dir) != NULL)
        count++;
    closedir(dir);
    return count - 2; /* . and .. */
}

/* Out of descriptors, accept fails with EMFILE while connections wait in the backlog:
 * the workers back off instead of spinning, and accept again once descriptors free up. */
START_TEST(out_of_descriptors_does_not_spin)
{
    struct test_bidder small;
    char *geoip = test_fixture_path("geoip2-city.mmdb");
    const char *args[] = {"--threads", "2", "--campaigns", "tests/fixtures/campaigns.json",
                          "--geoip", geoip, NULL};
    test_bidder_start_with(&small, args);
    free(geoip);
    int room = 4; /* connections it can still accept */
    rlim_t cap = (rlim_t)(open_descriptors(small.pid) + room);
    struct rlimit limit = {cap, cap};
    ck_assert_int_eq(prlimit(small.pid, RLIMIT_NOFILE, &limit, NULL), 0);
    enum { clients = 16 };
    int fds[clients];
    for (int i = 0; i < clients; i++)
        fds[i] = test_connect(small.bid_port);
    struct timespec settle = {0, 200 * 1000 * 1000}, measure = {1, 0};
    nanosleep(&settle, NULL);
    double before_s = process_cpu_s(small.pid);
    nanosleep(&measure, NULL);
    double used_s = process_cpu_s(small.pid) - before_s;
    ck_assert_msg(used_s < 0.3, "%.2f s of CPU in 1 s while out of descriptors", used_s);
    for (int i = 0; i < clients - 1; i++)
        close(fds[i]);
    struct http_response response; /* the last one waited in the backlog */
    test_http_exchange(fds[clients - 1], "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(fds[clients - 1]);
    test_bidder_stop(&small);
}
END_TEST

Suite *server_suite(void)
{
    Suite *suite = suite_create("server");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, start_bidder, stop_bidder);
    tcase_add_test(tc, healthz_on_both_listeners);
    tcase_add_test(tc, metrics_count_what_the_bid_listener_answered);
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
    tcase_add_test(tc, chunked_body_gets_its_bid);
    tcase_add_test(tc, pipelined_requests_are_answered_in_order);
    tcase_add_test(tc, http10_closes_unless_keep_alive);
    tcase_add_test(tc, connection_close_is_honoured);
    tcase_add_test(tc, expect_continue_gets_100_first);
    tcase_add_test(tc, expect_is_answered_from_the_head_when_the_body_is_not_wanted);
    tcase_add_test(tc, body_in_tiny_chunks_gets_its_bid);
    tcase_add_test(tc, many_pipelined_requests_are_all_answered);
    tcase_add_test(tc, protocol_errors_get_their_status_and_close);
    tcase_add_test(tc, oversized_headers_get_431);
    tcase_add_test(tc, head_healthz_has_no_body);
    suite_add_tcase(suite, tc);
    TCase *timeouts = tcase_create("timeouts");
    tcase_set_timeout(timeouts, 30);
    tcase_add_test(timeouts, slow_clients_are_closed_after_the_timeout);
    tcase_add_test(timeouts, out_of_descriptors_does_not_spin);
    suite_add_tcase(suite, timeouts);
    return suite;
}
