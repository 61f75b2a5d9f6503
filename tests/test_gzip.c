#include "geobid/gzip.h"

#include "test_support.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

START_TEST(round_trip_and_limits)
{
    static const char text[] = "{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]}";
    size_t packed_len;
    unsigned char *packed = test_gzip(text, sizeof(text) - 1, &packed_len);
    struct arena arena;
    arena_init(&arena, 1024);
    struct slice out = {0};
    ck_assert_int_eq(gzip_inflate(packed, packed_len, 1000, &arena, &out), GZIP_OK);
    ck_assert(slice_eq_cstr(out, text));
    /* exactly at the limit is fine, one byte below is too large */
    ck_assert_int_eq(gzip_inflate(packed, packed_len, sizeof(text) - 1, &arena, &out), GZIP_OK);
    ck_assert_int_eq(gzip_inflate(packed, packed_len, sizeof(text) - 2, &arena, &out),
                     GZIP_TOO_LARGE);
    arena_free(&arena);
    free(packed);
}
END_TEST

START_TEST(damaged_input_is_corrupt)
{
    static const char text[] = "a body long enough to be worth compressing, a body long enough";
    size_t packed_len;
    unsigned char *packed = test_gzip(text, sizeof(text) - 1, &packed_len);
    struct arena arena;
    arena_init(&arena, 1024);
    struct slice out = {0};
    ck_assert_int_eq(gzip_inflate(packed, packed_len - 4, 1000, &arena, &out), GZIP_CORRUPT);
    ck_assert_int_eq(gzip_inflate(text, sizeof(text) - 1, 1000, &arena, &out), GZIP_CORRUPT);
    ck_assert_int_eq(gzip_inflate(packed, 0, 1000, &arena, &out), GZIP_CORRUPT);
    unsigned char trailing[300];
    memcpy(trailing, packed, packed_len);
    trailing[packed_len] = 'x';
    ck_assert_int_eq(gzip_inflate(trailing, packed_len + 1, 1000, &arena, &out), GZIP_CORRUPT);
    packed[packed_len - 1] ^= 0xFF; /* damaged length trailer */
    ck_assert_int_eq(gzip_inflate(packed, packed_len, 1000, &arena, &out), GZIP_CORRUPT);
    ck_assert_ptr_null(out.ptr);
    arena_free(&arena);
    free(packed);
}
END_TEST

Suite *gzip_suite(void)
{
    Suite *suite = suite_create("gzip");
    TCase *tc = tcase_create("inflate");
    tcase_add_test(tc, round_trip_and_limits);
    tcase_add_test(tc, damaged_input_is_corrupt);
    suite_add_tcase(suite, tc);
    return suite;
}
