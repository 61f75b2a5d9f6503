#include "geobid/endpoint.h"

#include <check.h>
#include <string.h>

static struct arena arena;

static void setup(void)
{
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    arena_free(&arena);
}

static bool match(const char *path, const char *pattern, struct slice *params, size_t max)
{
    return endpoint_path_match(slice_from_cstr(path), pattern, &arena, params, max);
}

START_TEST(literal_paths_match_exactly)
{
    struct slice params[2];
    ck_assert(match("/healthz", "/healthz", params, 2));
    ck_assert(!match("/healthz/", "/healthz", params, 2));
    ck_assert(!match("/health", "/healthz", params, 2));
    ck_assert(!match("/healthzz", "/healthz", params, 2));
    ck_assert(!match("healthz", "/healthz", params, 2));
    ck_assert(!match("", "/healthz", params, 2));
    ck_assert(!match("/v1/users", "/v1/users/*", params, 2));
}
END_TEST

START_TEST(wildcards_capture_decoded_segments)
{
    struct slice params[2];
    ck_assert(match("/v1/segments/ethical-clothing/members", "/v1/segments/*/members", params, 2));
    ck_assert(slice_eq_cstr(params[0], "ethical-clothing"));
    ck_assert(match("/v1/users/a%2Fb%20c", "/v1/users/*", params, 2));
    ck_assert(slice_eq_cstr(params[0], "a/b c"));
    ck_assert(match("/v1/users/a+b", "/v1/users/*", params, 2));
    ck_assert(slice_eq_cstr(params[0], "a+b")); /* '+' is literal in a path */
    ck_assert(match("/a/x/b/y", "/a/*/b/*", params, 2));
    ck_assert(slice_eq_cstr(params[0], "x") && slice_eq_cstr(params[1], "y"));
}
END_TEST

START_TEST(wildcards_refuse_empty_extra_and_malformed_segments)
{
    struct slice params[2];
    ck_assert(!match("/v1/users/", "/v1/users/*", params, 2));
    ck_assert(!match("/v1/users//x", "/v1/users/*/x", params, 2));
    ck_assert(!match("/v1/users/a/b", "/v1/users/*", params, 2));
    ck_assert(!match("/v1/users/a%2", "/v1/users/*", params, 2));
    ck_assert(!match("/v1/users/a%zz", "/v1/users/*", params, 2));
    ck_assert(!match("/a/x/b/y", "/a/*/b/*", params, 1)); /* no room for the second */
}
END_TEST

START_TEST(query_parameters_are_found_and_decoded)
{
    struct slice query = SLICE_LITERAL("id=r%201&price=1.25&empty=&flag&q=a+b");
    struct slice value;
    ck_assert(endpoint_query_param(query, "id", &arena, &value));
    ck_assert(slice_eq_cstr(value, "r 1"));
    ck_assert(endpoint_query_param(query, "price", &arena, &value));
    ck_assert(slice_eq_cstr(value, "1.25"));
    ck_assert(endpoint_query_param(query, "empty", &arena, &value));
    ck_assert_uint_eq(value.len, 0);
    ck_assert(endpoint_query_param(query, "flag", &arena, &value));
    ck_assert(endpoint_query_param(query, "q", &arena, &value));
    ck_assert(slice_eq_cstr(value, "a b"));
    ck_assert(!endpoint_query_param(query, "pri", &arena, &value));
    ck_assert(!endpoint_query_param(SLICE_LITERAL("x=%4"), "x", &arena, &value));
    ck_assert(!endpoint_query_param(SLICE_LITERAL(""), "x", &arena, &value));
}
END_TEST

START_TEST(error_replies_are_one_line_of_json)
{
    struct endpoint_reply reply;
    endpoint_reply_error(&reply, &arena, 400, "line 3: \"x\" is not a number");
    ck_assert_int_eq(reply.status, 400);
    ck_assert_str_eq(reply.content_type, "application/json");
    ck_assert_str_eq(reply.extra_headers, "");
    const char expected[] = "{\"error\":\"line 3: \\\"x\\\" is not a number\"}\n";
    ck_assert_uint_eq(reply.body.len, strlen(expected));
    ck_assert(memcmp(reply.body.data, expected, reply.body.len) == 0);
}
END_TEST

Suite *endpoint_suite(void)
{
    Suite *suite = suite_create("endpoint");
    TCase *tc = tcase_create("endpoint");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, literal_paths_match_exactly);
    tcase_add_test(tc, wildcards_capture_decoded_segments);
    tcase_add_test(tc, wildcards_refuse_empty_extra_and_malformed_segments);
    tcase_add_test(tc, query_parameters_are_found_and_decoded);
    tcase_add_test(tc, error_replies_are_one_line_of_json);
    suite_add_tcase(suite, tc);
    return suite;
}
