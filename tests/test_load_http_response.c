/* The load generator's strict HTTP/1.1 response parser. Inputs end right before a
 * guard page, so any read past the end faults. */
#include "../loadtest/http_response.h"

#include <check.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char *guard_area;
static size_t page_size;

static void map_guard(void)
{
    page_size = (size_t)sysconf(_SC_PAGESIZE);
    guard_area = mmap(NULL, 2 * page_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                      -1, 0);
    ck_assert_ptr_ne(guard_area, MAP_FAILED);
    ck_assert_int_eq(mprotect(guard_area + page_size, page_size, PROT_NONE), 0);
}

static void unmap_guard(void)
{
    munmap(guard_area, 2 * page_size);
}

/* Copies text[0..len) to end exactly at the guard page and parses it. */
static enum http_parse_result parse_guarded(const char *text, size_t len,
                                           struct http_response *out)
{
    char *copy = guard_area + page_size - len;
    memcpy(copy, text, len);
    return http_response_parse(copy, len, out, NULL);
}

static enum http_parse_result parse(const char *text, struct http_response *out)
{
    return parse_guarded(text, strlen(text), out);
}

static const char bid_reply[] = "HTTP/1.1 200 OK\r\n"
                                "Content-Type: application/json\r\n"
                                "x-openrtb-version: 2.6\r\n"
                                "Content-Length: 11\r\n"
                                "\r\n"
                                "{\"id\":\"r1\"}";

START_TEST(complete_200_with_a_body)
{
    struct http_response response;
    ck_assert_int_eq(parse(bid_reply, &response), HTTP_PARSE_COMPLETE);
    ck_assert_int_eq(response.status, 200);
    ck_assert(response.keep_alive);
    ck_assert(slice_eq_cstr(response.content_type, "application/json"));
    ck_assert(slice_eq_cstr(response.body, "{\"id\":\"r1\"}"));
    ck_assert_uint_eq(response.total_len, strlen(bid_reply));
}
END_TEST

START_TEST(every_prefix_is_incomplete)
{
    struct http_response response;
    for (size_t len = 0; len < strlen(bid_reply); len++)
        ck_assert_msg(parse_guarded(bid_reply, len, &response) == HTTP_PARSE_INCOMPLETE,
                      "prefix of %zu bytes", len);
}
END_TEST

START_TEST(no_content_without_length)
{
    struct http_response response;
    const char *reply = "HTTP/1.1 204 No Content\r\nx-openrtb-version: 2.6\r\n\r\n";
    ck_assert_int_eq(parse(reply, &response), HTTP_PARSE_COMPLETE);
    ck_assert_int_eq(response.status, 204);
    ck_assert_uint_eq(response.body.len, 0);
    ck_assert_uint_eq(response.total_len, strlen(reply));
}
END_TEST

START_TEST(connection_close_and_http10_are_not_reusable)
{
    struct http_response response;
    ck_assert_int_eq(parse("HTTP/1.1 204 No Content\r\nconnection: Close\r\n\r\n", &response),
                     HTTP_PARSE_COMPLETE);
    ck_assert(!response.keep_alive);
    ck_assert_int_eq(parse("HTTP/1.0 204 No Content\r\n\r\n", &response), HTTP_PARSE_COMPLETE);
    ck_assert(!response.keep_alive);
    ck_assert_int_eq(
        parse("HTTP/1.0 204 No Content\r\nConnection: keep-alive\r\n\r\n", &response),
        HTTP_PARSE_COMPLETE);
    ck_assert(response.keep_alive);
}
END_TEST

START_TEST(error_statuses_parse)
{
    struct http_response response;
    ck_assert_int_eq(parse("HTTP/1.1 503 Service Unavailable\r\nContent-Length: 2\r\n\r\n{}",
                           &response), HTTP_PARSE_COMPLETE);
    ck_assert_int_eq(response.status, 503);
    ck_assert_int_eq(parse("HTTP/1.1 200 \r\nContent-Length: 0\r\n\r\n", &response),
                     HTTP_PARSE_COMPLETE); /* empty reason phrase */
}
END_TEST

static const char *const invalid_replies[] = {
    "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}",    /* no length */
    "HTTP/1.1 204 No Content\r\nContent-Length: 3\r\n\r\nabc",       /* body on 204 */
    "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nabc",
    "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n",
    "HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n",
    "HTTP/1.1 200 OK\nContent-Length: 0\r\n\r\n",                    /* bare LF */
    "HTTP/1.1 200 OK\r\nX-A: 1\r\n folded\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nBad Name: 1\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 200 OK\r\nno colon\r\nContent-Length: 0\r\n\r\n",
    "HTTP/2 200\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 20 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 2000 OK\r\nContent-Length: 0\r\n\r\n",
    "HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n",
    "ICY 200 OK\r\nContent-Length: 0\r\n\r\n",
    "\r\n\r\n",
};

START_TEST(malformed_responses_are_invalid)
{
    struct http_response response;
    const char *reason = NULL;
    const char *reply = invalid_replies[_i];
    char *copy = guard_area + page_size - strlen(reply);
    memcpy(copy, reply, strlen(reply));
    ck_assert_msg(http_response_parse(copy, strlen(reply), &response, &reason) ==
                      HTTP_PARSE_INVALID, "accepted: %s", reply);
    ck_assert_ptr_nonnull(reason);
}
END_TEST

START_TEST(endless_head_is_invalid)
{
    static char head[HTTP_MAX_HEAD_BYTES + 100];
    memset(head, 'a', sizeof(head));
    memcpy(head, "HTTP/1.1 200 OK\r\nX: ", 21);
    struct http_response response;
    ck_assert_int_eq(http_response_parse(head, sizeof(head), &response, NULL),
                     HTTP_PARSE_INVALID);
    ck_assert_int_eq(http_response_parse(head, 1000, &response, NULL), HTTP_PARSE_INCOMPLETE);
}
END_TEST

Suite *load_http_response_suite(void)
{
    Suite *suite = suite_create("load_http_response");
    TCase *tc = tcase_create("parser");
    tcase_add_checked_fixture(tc, map_guard, unmap_guard);
    tcase_add_test(tc, complete_200_with_a_body);
    tcase_add_test(tc, every_prefix_is_incomplete);
    tcase_add_test(tc, no_content_without_length);
    tcase_add_test(tc, connection_close_and_http10_are_not_reusable);
    tcase_add_test(tc, error_statuses_parse);
    tcase_add_loop_test(tc, malformed_responses_are_invalid, 0,
                        (int)(sizeof(invalid_replies) / sizeof(invalid_replies[0])));
    tcase_add_test(tc, endless_head_is_invalid);
    suite_add_tcase(suite, tc);
    return suite;
}
