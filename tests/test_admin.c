#include "geobid/admin.h"

#include <check.h>
#include <string.h>

static struct arena arena;
static const struct admin open_admin = {.token = NULL};
static const struct admin locked_admin = {.token = "s3cret-token"};

static void setup(void)
{
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    arena_free(&arena);
}

static struct endpoint_reply call(const struct admin *admin, const char *method, const char *path,
                                  const char *authorization)
{
    struct endpoint_request request = {
        .method = slice_from_cstr(method),
        .path = slice_from_cstr(path),
        .authorization = slice_from_cstr(authorization),
    };
    struct endpoint_reply reply;
    admin_handle(admin, &request, &arena, &reply);
    return reply;
}

START_TEST(healthz_needs_no_token)
{
    struct endpoint_reply reply = call(&locked_admin, "GET", "/healthz", "");
    ck_assert_int_eq(reply.status, 200);
    ck_assert_uint_eq(reply.body.len, 3);
    ck_assert_int_eq(call(&locked_admin, "HEAD", "/healthz", "").status, 200);
}
END_TEST

START_TEST(other_endpoints_need_the_bearer_token)
{
    struct endpoint_reply reply = call(&locked_admin, "GET", "/metrics", "");
    ck_assert_int_eq(reply.status, 401);
    ck_assert_str_eq(reply.extra_headers, "WWW-Authenticate: Bearer\r\n");
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "Bearer wrong-token").status, 401);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "Bearer s3cret-toke").status, 401);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "Bearer s3cret-token!").status, 401);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "Basic s3cret-token").status, 401);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "s3cret-token").status, 401);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "Bearer s3cret-token").status, 200);
    ck_assert_int_eq(call(&locked_admin, "GET", "/metrics", "bearer s3cret-token").status, 200);
}
END_TEST

START_TEST(without_a_token_everything_is_open)
{
    ck_assert_int_eq(call(&open_admin, "GET", "/metrics", "").status, 200);
    ck_assert_int_eq(call(&open_admin, "GET", "/metrics", "Bearer anything").status, 200);
}
END_TEST

START_TEST(unknown_paths_get_404_and_wrong_methods_405_with_allow)
{
    struct endpoint_reply reply = call(&open_admin, "GET", "/nope", "");
    ck_assert_int_eq(reply.status, 404);
    reply = call(&open_admin, "POST", "/metrics", "");
    ck_assert_int_eq(reply.status, 405);
    ck_assert_str_eq(reply.extra_headers, "Allow: GET\r\n");
    /* the method is refused before the token is checked: nothing is learnt either way */
    ck_assert_int_eq(call(&locked_admin, "DELETE", "/metrics", "").status, 405);
}
END_TEST

START_TEST(bodies_are_only_wanted_by_endpoints_that_take_them)
{
    struct endpoint_request request = {.method = SLICE_LITERAL("POST"),
                                       .path = SLICE_LITERAL("/metrics")};
    ck_assert(!admin_wants_body(&request));
    request.path = SLICE_LITERAL("/nope");
    ck_assert(!admin_wants_body(&request));
}
END_TEST

Suite *admin_suite(void)
{
    Suite *suite = suite_create("admin");
    TCase *tc = tcase_create("router");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, healthz_needs_no_token);
    tcase_add_test(tc, other_endpoints_need_the_bearer_token);
    tcase_add_test(tc, without_a_token_everything_is_open);
    tcase_add_test(tc, unknown_paths_get_404_and_wrong_methods_405_with_allow);
    tcase_add_test(tc, bodies_are_only_wanted_by_endpoints_that_take_them);
    suite_add_tcase(suite, tc);
    return suite;
}
