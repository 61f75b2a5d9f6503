#include "geobid/arena.h"
#include "geobid/outbuf.h"

#include <check.h>
#include <stdalign.h>
#include <stdint.h>
#include <string.h>

START_TEST(allocations_are_aligned_and_distinct)
{
    struct arena arena;
    arena_init(&arena, 64);
    char *previous = NULL;
    for (size_t size = 1; size < 300; size += 7) {
        char *p = arena_alloc(&arena, size);
        ck_assert_uint_eq((uintptr_t)p % alignof(max_align_t), 0);
        memset(p, 0xAB, size); /* ASan would catch an overlap with the block end */
        ck_assert_ptr_ne(p, previous);
        previous = p;
    }
    arena_free(&arena);
}
END_TEST

START_TEST(reset_reuses_the_largest_block)
{
    struct arena arena;
    arena_init(&arena, 128);
    for (int i = 0; i < 100; i++)
        arena_alloc(&arena, 100);
    arena_reset(&arena);
    ck_assert_ptr_nonnull(arena.head);
    char *first = arena_alloc(&arena, 16);
    arena_reset(&arena);
    ck_assert_ptr_eq(arena_alloc(&arena, 16), first);
    arena_free(&arena);
}
END_TEST

START_TEST(calloc_zeroes_and_strndup_terminates)
{
    struct arena arena;
    arena_init(&arena, 32);
    int *zeros = arena_calloc(&arena, 50, sizeof(int));
    for (int i = 0; i < 50; i++)
        ck_assert_int_eq(zeros[i], 0);
    ck_assert_str_eq(arena_strndup(&arena, "geobid-extra", 6), "geobid");
    arena_free(&arena);
}
END_TEST

static const struct {
    int64_t micros;
    const char *text;
} micros_cases[] = {
    {0, "0"}, {1, "0.000001"}, {1500000, "1.5"}, {2000000, "2"}, {2500000, "2.5"},
    {1234567, "1.234567"}, {10, "0.00001"}, {-750000, "-0.75"}, {123000000000, "123000"},
};

START_TEST(micros_print_exactly)
{
    struct arena arena;
    arena_init(&arena, 64);
    struct outbuf out;
    outbuf_init(&out, &arena, 4);
    outbuf_append_micros(&out, micros_cases[_i].micros);
    ck_assert_uint_eq(out.len, strlen(micros_cases[_i].text));
    ck_assert(memcmp(out.data, micros_cases[_i].text, out.len) == 0);
    arena_free(&arena);
}
END_TEST

START_TEST(json_strings_are_escaped)
{
    struct arena arena;
    arena_init(&arena, 64);
    struct outbuf out;
    outbuf_init(&out, &arena, 2);
    static const char raw[] = "a\"b\\c\n\x01é";
    outbuf_append_json_string(&out, (struct slice){raw, sizeof(raw) - 1});
    outbuf_append_int(&out, -42);
    const char expected[] = "\"a\\\"b\\\\c\\n\\u0001é\"-42";
    ck_assert_uint_eq(out.len, sizeof(expected) - 1);
    ck_assert(memcmp(out.data, expected, out.len) == 0);
    arena_free(&arena);
}
END_TEST

Suite *arena_suite(void)
{
    Suite *suite = suite_create("arena");
    TCase *tc = tcase_create("arena and outbuf");
    tcase_add_test(tc, allocations_are_aligned_and_distinct);
    tcase_add_test(tc, reset_reuses_the_largest_block);
    tcase_add_test(tc, calloc_zeroes_and_strndup_terminates);
    tcase_add_loop_test(tc, micros_print_exactly, 0,
                        (int)(sizeof(micros_cases) / sizeof(micros_cases[0])));
    tcase_add_test(tc, json_strings_are_escaped);
    suite_add_tcase(suite, tc);
    return suite;
}
