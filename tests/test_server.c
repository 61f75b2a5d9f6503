/* End to end: starts build/geobid on free loopback ports and talks HTTP/1.1 to it. */
#include "test_support.h"

#include "geobid/arena.h"
#include "geobid/json.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

struct http_response {
    int status;
    char headers[4096];
    char body[65536];
    size_t body_len;
};

static pid_t bidder_pid;
static int bid_port, admin_port;

/* Returns a loopback TCP port nobody listens on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    struct timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    return fd;
}

static void write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        ck_assert_int_gt(n, 0);
        p += n;
        len -= (size_t)n;
    }
}

/* Reads one response: status line, headers, then Content-Length bytes of body. */
static void read_response(int fd, struct http_response *response)
{
    char buffer[sizeof(response->headers) + sizeof(response->body)];
    size_t have = 0;
    char *header_end = NULL;
    while (header_end == NULL) {
        ssize_t n = read(fd, buffer + have, sizeof(buffer) - 1 - have);
        ck_assert_msg(n > 0, "connection closed before a response");
        have += (size_t)n;
        buffer[have] = '\0';
        header_end = strstr(buffer, "\r\n\r\n");
    }
    size_t header_len = (size_t)(header_end - buffer) + 4;
    ck_assert_uint_lt(header_len, sizeof(response->headers));
    memcpy(response->headers, buffer, header_len);
    response->headers[header_len] = '\0';
    ck_assert_int_eq(sscanf(buffer, "HTTP/1.1 %d", &response->status), 1);
    const char *length = strcasestr(response->headers, "\r\nContent-Length:");
    response->body_len = length ? strtoul(length + 17, NULL, 10) : 0;
    ck_assert_uint_lt(response->body_len, sizeof(response->body));
    while (have - header_len < response->body_len) {
        ssize_t n = read(fd, buffer + have, sizeof(buffer) - 1 - have);
        ck_assert_msg(n > 0, "connection closed inside a body");
        have += (size_t)n;
    }
    memcpy(response->body, buffer + header_len, response->body_len);
    response->body[response->body_len] = '\0';
}

/* Sends one request on fd (keep-alive) and reads its response. */
static void exchange(int fd, const char *method, const char *path, const char *extra_headers,
                     const void *body, size_t body_len, struct http_response *response)
{
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n",
                     method, path, extra_headers, body_len);
    write_all(fd, head, (size_t)n);
    if (body_len > 0)
        write_all(fd, body, body_len);
    read_response(fd, response);
}

static void post_json(int fd, const char *body, struct http_response *response)
{
    exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body,
             strlen(body), response);
}

static bool has_header(const struct http_response *response, const char *line)
{
    return strcasestr(response->headers, line) != NULL;
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
    const char *bin = getenv("GEOBID_BIN") ? getenv("GEOBID_BIN") : "build/geobid";
    char listen[64], admin[64];
    bid_port = free_port();
    admin_port = free_port();
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", bid_port);
    snprintf(admin, sizeof(admin), "127.0.0.1:%d", admin_port);
    char *geoip = test_fixture_path("geoip2-city.mmdb");
    bidder_pid = fork();
    if (bidder_pid == 0) {
        execl(bin, bin, "--listen", listen, "--admin-listen", admin, "--threads", "2",
              "--campaigns", "tests/fixtures/campaigns.json", "--geoip", geoip,
              "--max-connections", "64", (char *)NULL);
        _exit(127);
    }
    free(geoip);
    for (int attempt = 0; attempt < 200; attempt++) {
        int fd = connect_to(admin_port);
        if (fd >= 0) {
            close(fd);
            return;
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    ck_abort_msg("geobid did not start listening within 10 s");
}

static void stop_bidder(void)
{
    int status;
    kill(bidder_pid, SIGTERM);
    ck_assert_int_eq(waitpid(bidder_pid, &status, 0), bidder_pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "geobid did not exit cleanly on SIGTERM (status %d)", status);
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
    int ports[] = {bid_port, admin_port};
    for (int i = 0; i < 2; i++) {
        int fd = connect_to(ports[i]);
        exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
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
    int fd = connect_to(bid_port);
    post_json(fd, request, &response);
    close(fd);
    ck_assert_int_eq(response.status, 200);
    ck_assert(has_header(&response, "\r\nx-openrtb-version: 2.6\r\n"));
    ck_assert(has_header(&response, "\r\nContent-Type: application/json\r\n"));
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
    int fd = connect_to(bid_port);
    post_json(fd, request, &response);
    close(fd);
    ck_assert_int_eq(response.status, 204);
    ck_assert_uint_eq(response.body_len, 0);
    ck_assert(has_header(&response, "\r\nx-openrtb-version: 2.6\r\n"));
}
END_TEST

START_TEST(keep_alive_serves_many_requests_on_one_connection)
{
    char near[2048], far[2048];
    make_request(near, sizeof(near), "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1}", "8.8.8.8");
    make_request(far, sizeof(far), "{\"lat\":-40.0,\"lon\":170.0,\"type\":1}", "8.8.8.8");
    struct http_response response;
    int fd = connect_to(bid_port);
    for (int i = 0; i < 200; i++) {
        post_json(fd, i % 2 ? far : near, &response);
        ck_assert_int_eq(response.status, i % 2 ? 204 : 200);
    }
    close(fd);
}
END_TEST

/* Returns a malloc'ed gzip of data[0..len). */
static unsigned char *gzip_bytes(const void *data, size_t len, size_t *out_len)
{
    z_stream stream = {0};
    ck_assert_int_eq(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&stream, len);
    unsigned char *out = malloc(cap);
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)len;
    stream.next_out = out;
    stream.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&stream, Z_FINISH), Z_STREAM_END);
    *out_len = stream.total_out;
    deflateEnd(&stream);
    return out;
}

START_TEST(gzip_body_is_accepted)
{
    char request[2048];
    make_request(request, sizeof(request), "{\"lat\":48.8610,\"lon\":2.3380,\"type\":1}", "8.8.8.8");
    size_t len;
    unsigned char *body = gzip_bytes(request, strlen(request), &len);
    struct http_response response;
    int fd = connect_to(bid_port);
    exchange(fd, "POST", "/openrtb2/bid",
             "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", body, len, &response);
    ck_assert_int_eq(response.status, 200);
    /* a corrupt gzip body on the same connection: 400, and the connection survives */
    body[len / 2] ^= 0x55;
    exchange(fd, "POST", "/openrtb2/bid",
             "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", body, len, &response);
    ck_assert_int_eq(response.status, 400);
    ck_assert(strstr(response.body, "{\"error\":\"corrupt gzip body\"}") == response.body);
    exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
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
    unsigned char *body = gzip_bytes(plain, plain_len, &len);
    struct http_response response;
    int fd = connect_to(bid_port);
    exchange(fd, "POST", "/openrtb2/bid",
             "Content-Type: application/json\r\nContent-Encoding: gzip\r\n", body, len, &response);
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
    int fd = connect_to(bid_port);
    exchange(fd, c->method, c->path, c->headers, c->body, strlen(c->body), &response);
    ck_assert_msg(response.status == c->status, "%s %s: got %d, want %d (%s)", c->method,
                  c->path, response.status, c->status, response.body);
    if (c->error != NULL)
        ck_assert_msg(strncmp(response.body, c->error, strlen(c->error)) == 0,
                      "body %s does not start with %s", response.body, c->error);
    /* the connection still serves the next request */
    exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
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
    int fd = connect_to(bid_port);
    exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body, len,
             &response);
    ck_assert_int_eq(response.status, 413);
    close(fd);
    free(body);
}
END_TEST

START_TEST(admin_listener_does_not_serve_bids)
{
    struct http_response response;
    int fd = connect_to(admin_port);
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
        fds[i] = connect_to(bid_port);
        exchange(fds[i], "GET", "/healthz", "", NULL, 0, &response);
        ck_assert_int_eq(response.status, 200);
    }
    fds[limit] = connect_to(bid_port);
    exchange(fds[limit], "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 503);
    for (int i = 0; i <= limit; i++)
        close(fds[i]);
    nanosleep(&settle, NULL);
    int fd = connect_to(bid_port); /* closing frees the slots again */
    exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
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
