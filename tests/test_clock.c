#include "geobid/clock.h"

#include <check.h>
#include <time.h>

START_TEST(system_clock_is_near_time)
{
    int64_t now_s = (int64_t)time(NULL);
    int64_t clock_s = clock_now_ms(&clock_system) / 1000;
    ck_assert_int_le(clock_s - now_s, 1);
    ck_assert_int_ge(clock_s - now_s, -1);
}
END_TEST

START_TEST(manual_clock_moves_only_when_told)
{
    struct manual_clock manual;
    manual_clock_init(&manual, 1700000000000);
    const struct clock *clock = &manual.clock;
    ck_assert_int_eq(clock_now_ms(clock), 1700000000000);
    ck_assert_int_eq(clock_now_ms(clock), 1700000000000);
    manual_clock_advance(&manual, 86400000);
    ck_assert_int_eq(clock_now_ms(clock), 1700086400000);
    manual_clock_advance(&manual, -1);
    ck_assert_int_eq(clock_now_ms(clock), 1700086399999);
}
END_TEST

Suite *clock_suite(void)
{
    Suite *suite = suite_create("clock");
    TCase *tc = tcase_create("clock");
    tcase_add_test(tc, system_clock_is_near_time);
    tcase_add_test(tc, manual_clock_moves_only_when_told);
    suite_add_tcase(suite, tc);
    return suite;
}
