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

START_TEST(large_body_grows_the_buffer_several_times)
{
    /* 1 MiB that compresses to a few KiB: from 16 KiB the buffer doubles 6 times */
    size_t plain_len = 1 << 20;
    char *plain = malloc(plain_len);
    for (size_t i = 0; i < plain_len; i++)
        plain[i] = (char)('a' + (i * 7 + i / 1000) % 26);
    size_t packed_len;
    unsigned char *packed = test_gzip(plain, plain_len, &packed_len);
    ck_assert_uint_lt(packed_len, 16 * 1024); /* so the first guess is at most 64 KiB */
    struct arena arena;
    arena_init(&arena, 4096);
    struct slice out = {0};
    ck_assert_int_eq(gzip_inflate(packed, packed_len, plain_len, &arena, &out), GZIP_OK);
    ck_assert_uint_eq(out.len, plain_len);
    ck_assert(memcmp(out.ptr, plain, plain_len) == 0);
    ck_assert_int_eq(gzip_inflate(packed, packed_len, plain_len - 1, &arena, &out),
                     GZIP_TOO_LARGE);
    ck_assert_int_eq(gzip_inflate(packed, packed_len, 3 * plain_len, &arena, &out), GZIP_OK);
    ck_assert_uint_eq(out.len, plain_len);
    ck_assert_int_eq(gzip_inflate(packed, packed_len - 8, 3 * plain_len, &arena, &out),
                     GZIP_CORRUPT);
    arena_free(&arena);
    free(packed);
    free(plain);
}
END_TEST

Suite *gzip_suite(void)
{
    Suite *suite = suite_create("gzip");
    TCase *tc = tcase_create("inflate");
    tcase_add_test(tc, round_trip_and_limits);
    tcase_add_test(tc, damaged_input_is_corrupt);
    tcase_add_test(tc, large_body_grows_the_buffer_several_times);
    suite_add_tcase(suite, tc);
    return suite;
}
