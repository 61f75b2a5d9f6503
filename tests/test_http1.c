/* The HTTP/1.1 request parser: every input is placed so that its last byte is the last
 * readable one before a guard page, so any read past the input faults. */
#include "geobid/http1.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static const struct http1_limits limits = {
    .max_head_bytes = 1024, .max_target_bytes = 256, .max_body_bytes = 64};

enum { header_capacity = 16 };

static struct test_guarded guarded;
static struct http1_header headers[header_capacity];
static struct http1_request request;

static void setup(void)
{
    guarded = test_guarded_alloc(8192);
}

static void teardown(void)
{
    test_guarded_free(&guarded);
}

/* Parses text[0..len) placed before the guard page. */
static enum http1_status parse_n(const char *text, size_t len)
{
    char *copy = test_guarded_place(&guarded, text, len);
    return http1_parse_request(copy, len, &limits, headers, header_capacity, &request);
}

static enum http1_status parse(const char *text)
{
    return parse_n(text, strlen(text));
}

static const char *const valid_requests[] = {
    "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n",
    "POST /openrtb2/bid?x=1 HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello",
    "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
    "5;ext=1\r\nhello\r\n6\r\n world\r\n0\r\nTrailer: t\r\n\r\n",
    "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n",
    "\r\nGET / HTTP/1.1\r\nA:\r\n\r\n",
    "POST /b HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
};

START_TEST(every_prefix_needs_more_then_the_whole_is_complete)
{
    const char *text = valid_requests[_i];
    size_t len = strlen(text);
    for (size_t prefix = 0; prefix < len; prefix++)
        ck_assert_msg(parse_n(text, prefix) == HTTP1_NEED_MORE, "request %d, prefix %zu", _i,
                      prefix);
    ck_assert_int_eq(parse_n(text, len), HTTP1_COMPLETE);
    ck_assert_uint_eq(request.consumed, len);
}
END_TEST

START_TEST(request_line_and_headers_are_sliced)
{
    ck_assert_int_eq(parse("POST http://h:80/openrtb2/bid?q=1 HTTP/1.1\r\n"
                           "content-TYPE: \t application/json \t\r\nX-Empty:\r\n"
                           "Content-Length: 2\r\n\r\n{}"),
                     HTTP1_COMPLETE);
    ck_assert(slice_eq_cstr(request.method, "POST"));
    ck_assert(slice_eq_cstr(request.target, "http://h:80/openrtb2/bid?q=1"));
    ck_assert(slice_eq_cstr(request.path, "/openrtb2/bid"));
    ck_assert_int_eq(request.minor_version, 1);
    ck_assert_uint_eq(request.header_count, 3);
    struct slice value;
    ck_assert(http1_find_header(&request, "Content-Type", &value));
    ck_assert(slice_eq_cstr(value, "application/json"));
    ck_assert(http1_find_header(&request, "x-empty", &value));
    ck_assert_uint_eq(value.len, 0);
    ck_assert(!http1_find_header(&request, "Content-Encoding", &value));
    ck_assert(slice_eq_cstr(request.body, "{}"));
    ck_assert(request.keep_alive);
    ck_assert(!request.chunked);
}
END_TEST

START_TEST(pipelined_requests_come_out_in_order)
{
    char text[] = "POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\nA"
                  "GET /b HTTP/1.1\r\n\r\n"
                  "POST /c HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nC\r\n0\r\n\r\n"
                  "GET /d HTTP/1.1\r\n";
    size_t len = strlen(text), at = 0;
    const char *paths[] = {"/a", "/b", "/c"};
    for (int i = 0; i < 3; i++) {
        ck_assert_int_eq(http1_parse_request(text + at, len - at, &limits, headers,
                                             header_capacity, &request),
                         HTTP1_COMPLETE);
        ck_assert(slice_eq_cstr(request.path, paths[i]));
        at += request.consumed;
    }
    ck_assert(slice_eq_cstr(request.body, "C"));
    ck_assert_int_eq(parse_n(text + at, len - at), HTTP1_NEED_MORE);
}
END_TEST

START_TEST(chunked_body_is_decoded_in_place)
{
    const char *text = "POST /b HTTP/1.1\r\ntransfer-encoding: Chunked\r\n\r\n"
                       "3\r\nabc\r\nA ; name=\"v\"\r\n0123456789\r\n"
                       "0;last\r\nX-Trailer: 1\r\nY: 2\r\n\r\nNEXT";
    ck_assert_int_eq(parse(text), HTTP1_COMPLETE);
    ck_assert(request.chunked);
    ck_assert(slice_eq_cstr(request.body, "abc0123456789"));
    ck_assert_uint_eq(request.consumed, strlen(text) - 4);
    /* exactly at the limit (64 bytes in two chunks), and one byte above */
    char big[512];
    snprintf(big, sizeof(big),
             "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n%032d\r\n20\r\n%032d\r\n"
             "0\r\n\r\n", 0, 0);
    ck_assert_int_eq(parse(big), HTTP1_COMPLETE);
    ck_assert_uint_eq(request.body.len, 64);
    snprintf(big, sizeof(big),
             "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n%032d\r\n21\r\n", 0);
    ck_assert_int_eq(parse(big), HTTP1_PAYLOAD_TOO_LARGE);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "fffffffffffffffffffffffff\r\n"),
                     HTTP1_PAYLOAD_TOO_LARGE);
}
END_TEST

/* A chunked body fed byte by byte with its progress kept: the result equals a parse of
 * the whole, and the progress only moves forward, over whole chunks. */
START_TEST(chunked_body_resumes_where_it_stopped)
{
    char wire[4096];
    size_t len = (size_t)snprintf(wire, sizeof(wire),
                                  "POST /b HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n");
    size_t head_len = len;
    for (int i = 0; i < 40; i++)
        len += (size_t)snprintf(wire + len, sizeof(wire) - len, "1;x\r\n%c\r\n", 'a' + i % 26);
    len += (size_t)snprintf(wire + len, sizeof(wire) - len, "0\r\nT: 1\r\n\r\n");
    struct http1_progress progress = {0};
    size_t last_offset = 0;
    for (size_t have = 0; have < len; have++) {
        char *copy = test_guarded_place(&guarded, wire, have);
        ck_assert_int_eq(http1_parse_request_resume(copy, have, &limits, headers,
                                                    header_capacity, &request, &progress),
                         HTTP1_NEED_MORE);
        ck_assert_uint_ge(progress.chunk_offset, last_offset);
        ck_assert(progress.chunk_offset == 0 || head_len + progress.chunk_offset <= have);
        ck_assert_uint_eq(progress.decoded_bytes, progress.chunk_offset / 8); /* "1;x\r\nc\r\n" */
        last_offset = progress.chunk_offset;
    }
    ck_assert_uint_eq(progress.decoded_bytes, 40);
    char *copy = test_guarded_place(&guarded, wire, len);
    ck_assert_int_eq(http1_parse_request_resume(copy, len, &limits, headers, header_capacity,
                                                &request, &progress),
                     HTTP1_COMPLETE);
    ck_assert_uint_eq(request.body.len, 40);
    ck_assert(memcmp(request.body.ptr, "abcdefghijklmnopqrstuvwxyzabcdefghijklmn", 40) == 0);
    ck_assert_uint_eq(request.consumed, len);
    /* the limit counts the chunks checked before: 64 bytes, then one more is too many */
    progress = (struct http1_progress){0};
    len = (size_t)snprintf(wire, sizeof(wire),
                           "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n%064d\r\n", 0);
    copy = test_guarded_place(&guarded, wire, len);
    ck_assert_int_eq(http1_parse_request_resume(copy, len, &limits, headers, header_capacity,
                                                &request, &progress),
                     HTTP1_NEED_MORE);
    ck_assert_uint_eq(progress.decoded_bytes, 64);
    len += (size_t)snprintf(wire + len, sizeof(wire) - len, "1\r\n");
    copy = test_guarded_place(&guarded, wire, len);
    ck_assert_int_eq(http1_parse_request_resume(copy, len, &limits, headers, header_capacity,
                                                &request, &progress),
                     HTTP1_PAYLOAD_TOO_LARGE);
}
END_TEST

START_TEST(keep_alive_rules)
{
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\n\r\n"), HTTP1_COMPLETE);
    ck_assert(request.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n"), HTTP1_COMPLETE);
    ck_assert(!request.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.0\r\n\r\n"), HTTP1_COMPLETE);
    ck_assert(!request.keep_alive);
    ck_assert_int_eq(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n"), HTTP1_COMPLETE);
    ck_assert(request.keep_alive);
    ck_assert_int_eq(request.minor_version, 0);
}
END_TEST

START_TEST(expect_continue_is_known_before_the_body)
{
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nExpect: 100-Continue\r\nContent-Length: 10\r\n\r\n"),
                     HTTP1_NEED_MORE);
    ck_assert(request.expect_continue);
    ck_assert_uint_gt(request.head_bytes, 0);
    ck_assert_uint_eq(request.consumed, request.head_bytes + 10); /* bytes needed */
    ck_assert(!request.expect_unknown);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 1\r\n\r\n"),
                     HTTP1_NEED_MORE);
    ck_assert(request.expect_unknown && !request.expect_continue);
    /* HTTP/1.0 expectations are ignored */
    ck_assert_int_eq(parse("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\n"),
                     HTTP1_NEED_MORE);
    ck_assert(!request.expect_unknown && !request.expect_continue);
}
END_TEST

START_TEST(content_length_rules)
{
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc"),
                     HTTP1_COMPLETE);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 64\r\n\r\n"), HTTP1_NEED_MORE);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 65\r\n\r\n"),
                     HTTP1_PAYLOAD_TOO_LARGE);
    ck_assert_int_eq(parse("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
                     HTTP1_PAYLOAD_TOO_LARGE);
}
END_TEST

struct error_case {
    const char *text;
    enum http1_status status;
};

static const struct error_case error_cases[] = {
    {"GET / HTTP/1.1\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nContent-Length: +3\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nContent-Length: 3 4\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nContent-Length:\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nA : b\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\n: b\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nA: b\x01\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\nA: b\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1\r\nA: b\n\r\n", HTTP1_BAD_REQUEST},
    {"GET  / HTTP/1.1\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET /\x7f HTTP/1.1\r\n\r\n", HTTP1_BAD_REQUEST},
    {"G(T / HTTP/1.1\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/1.1 \r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTX/1.1\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET /\r\n\r\n", HTTP1_BAD_REQUEST},
    {"GET / HTTP/2.0\r\n\r\n", HTTP1_VERSION_NOT_SUPPORTED},
    {"GET / HTTP/1.2\r\n\r\n", HTTP1_VERSION_NOT_SUPPORTED},
    {"GET / HTTP/0.9\r\n\r\n", HTTP1_VERSION_NOT_SUPPORTED},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", HTTP1_NOT_IMPLEMENTED},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: identity\r\n\r\n", HTTP1_NOT_IMPLEMENTED},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
     HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
     HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1x\r\n", HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", HTTP1_BAD_REQUEST},
    {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nbad trailer\r\n\r\n",
     HTTP1_BAD_REQUEST},
};

START_TEST(errors_have_their_status)
{
    const struct error_case *c = &error_cases[_i];
    ck_assert_msg(parse(c->text) == c->status, "case %d: got %d, want %d", _i,
                  parse(c->text), c->status);
}
END_TEST

START_TEST(size_limits)
{
    char text[4096];
    /* a target above max_target_bytes, and a request line that never ends */
    snprintf(text, sizeof(text), "GET /%0300d HTTP/1.1\r\n\r\n", 0);
    ck_assert_int_eq(parse(text), HTTP1_URI_TOO_LONG);
    snprintf(text, sizeof(text), "GET /%01100d", 0);
    ck_assert_int_eq(parse(text), HTTP1_URI_TOO_LONG);
    /* headers above max_head_bytes, complete or not */
    snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nA: %01100d\r\n\r\n", 0);
    ck_assert_int_eq(parse(text), HTTP1_HEADERS_TOO_LARGE);
    snprintf(text, sizeof(text), "GET / HTTP/1.1\r\nA: %01100d", 0);
    ck_assert_int_eq(parse(text), HTTP1_HEADERS_TOO_LARGE);
    /* more header fields than the caller's array holds */
    size_t len = (size_t)snprintf(text, sizeof(text), "GET / HTTP/1.1\r\n");
    for (int i = 0; i <= header_capacity; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "H%d: v\r\n", i);
    snprintf(text + len, sizeof(text) - len, "\r\n");
    ck_assert_int_eq(parse(text), HTTP1_HEADERS_TOO_LARGE);
    /* trailers count against max_head_bytes too */
    snprintf(text, sizeof(text),
             "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: %01100d\r\n\r\n", 0);
    ck_assert_int_eq(parse(text), HTTP1_HEADERS_TOO_LARGE);
}
END_TEST

START_TEST(every_status_has_a_description)
{
    enum http1_status all[] = {HTTP1_COMPLETE,          HTTP1_NEED_MORE,
                               HTTP1_BAD_REQUEST,       HTTP1_PAYLOAD_TOO_LARGE,
                               HTTP1_URI_TOO_LONG,      HTTP1_HEADERS_TOO_LARGE,
                               HTTP1_NOT_IMPLEMENTED,   HTTP1_VERSION_NOT_SUPPORTED};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        ck_assert_ptr_nonnull(http1_strerror(all[i]));
        if ((int)all[i] >= 400)
            ck_assert_str_ne(http1_reason((int)all[i]), "Unknown");
    }
    ck_assert_str_eq(http1_strerror(HTTP1_HEADERS_TOO_LARGE), "request headers too large");
    ck_assert_str_eq(http1_reason(204), "No Content");
    /* every status an endpoint answers with has its reason phrase */
    int endpoint_statuses[] = {401, 403, 404, 405, 409, 410, 413, 415, 422, 503, 507};
    for (size_t i = 0; i < sizeof(endpoint_statuses) / sizeof(endpoint_statuses[0]); i++)
        ck_assert_str_ne(http1_reason(endpoint_statuses[i]), "Unknown");
    ck_assert_str_eq(http1_reason(299), "Unknown");
}
END_TEST

Suite *http1_suite(void)
{
    Suite *suite = suite_create("http1");
    TCase *tc = tcase_create("parser");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, every_prefix_needs_more_then_the_whole_is_complete, 0,
                        (int)(sizeof(valid_requests) / sizeof(valid_requests[0])));
    tcase_add_test(tc, request_line_and_headers_are_sliced);
    tcase_add_test(tc, pipelined_requests_come_out_in_order);
    tcase_add_test(tc, chunked_body_is_decoded_in_place);
    tcase_add_test(tc, chunked_body_resumes_where_it_stopped);
    tcase_add_test(tc, keep_alive_rules);
    tcase_add_test(tc, expect_continue_is_known_before_the_body);
    tcase_add_test(tc, content_length_rules);
    tcase_add_loop_test(tc, errors_have_their_status, 0,
                        (int)(sizeof(error_cases) / sizeof(error_cases[0])));
    tcase_add_test(tc, size_limits);
    tcase_add_test(tc, every_status_has_a_description);
    suite_add_tcase(suite, tc);
    return suite;
}
