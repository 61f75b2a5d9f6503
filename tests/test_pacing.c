/* Tests for src/pacing.c: interval targets from the budget left, the evenly spaced
 * throttle, the rate's correction by actual spend, the hard limit, and a whole day of
 * uneven demand that ends on budget without bursts. */
#include "geobid/pacing.h"

#include <check.h>
#include <stdio.h>

#define DAY_MS 86400000
#define MINUTE_MS 60000

static struct pacing_plan plan_at(int64_t budget, int64_t spent, int64_t elapsed_ms)
{
    return (struct pacing_plan){
        .daily_budget_micros = budget,
        .spent_today_micros = spent,
        .active_ms_left = DAY_MS - elapsed_ms,
        .active_ms_interval = MINUTE_MS,
        .active_ms_day = DAY_MS,
    };
}

static struct pacing pacing; /* initialised for every test */

static void setup(void)
{
    pacing_init(&pacing);
}

/* Starts the next interval planned by plan_at(). */
static void next_at(int64_t budget, int64_t spent, int64_t elapsed_ms)
{
    struct pacing_plan plan = plan_at(budget, spent, elapsed_ms);
    pacing_next_interval(&pacing, &plan);
}

/* How many of n opportunities are taken. */
static int admitted(int n)
{
    int taken = 0;
    for (int i = 0; i < n; i++)
        taken += pacing_admit(&pacing);
    return taken;
}

START_TEST(nothing_is_admitted_before_a_plan)
{
    ck_assert_int_eq(admitted(1000), 0);
}
END_TEST

START_TEST(the_target_spreads_what_is_left_over_the_time_left)
{
    next_at(1440000, 0, 0);
    ck_assert_int_eq(pacing.target_micros, 1000); /* 1/1440 of the day */
    next_at(1440000, 1440000 - 7200, DAY_MS / 2);
    ck_assert_int_eq(pacing.target_micros, 10); /* 7200 over 720 minutes */
    next_at(1440000, 1440000, DAY_MS / 2);
    ck_assert_int_eq(pacing.target_micros, 0);
    ck_assert_int_eq(admitted(100), 0);
}
END_TEST

START_TEST(a_slow_morning_is_caught_up_without_a_burst)
{
    /* nothing spent by noon: the rest of the day may not go faster than 150 % */
    next_at(1440000, 0, DAY_MS / 2);
    ck_assert_int_eq(pacing.target_micros, 1000 * PACING_MAX_BOOST_PERCENT / 100);
}
END_TEST

START_TEST(inactive_time_gets_no_target)
{
    struct pacing_plan plan = plan_at(1440000, 0, 0);
    plan.active_ms_interval = 0; /* outside the schedule */
    pacing_next_interval(&pacing, &plan);
    ck_assert_int_eq(admitted(100), 0);
}
END_TEST

START_TEST(the_throttle_takes_evenly_spaced_opportunities)
{
    next_at(1440000000, 0, 0);
    ck_assert_uint_eq(pacing.rate, PACING_RATE_ONE / 8);
    ck_assert(pacing_admit(&pacing)); /* a new campaign's first opportunity */
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 7; i++)
            ck_assert(!pacing_admit(&pacing));
        ck_assert(pacing_admit(&pacing));
    }
}
END_TEST

START_TEST(the_rate_follows_target_over_spend_within_a_factor_of_two)
{
    struct pacing_plan plan = plan_at(1440000, 0, 0); /* target 1000 per interval */
    pacing_next_interval(&pacing, &plan);
    uint32_t rate = pacing.rate;
    pacing_record_spend(&pacing, 800); /* 1000 / 800 */
    pacing_next_interval(&pacing, &plan);
    ck_assert_uint_eq(pacing.rate, rate * 1000 / 800);
    rate = pacing.rate;
    pacing_record_spend(&pacing, 100000); /* far too much: halved, not more */
    pacing_next_interval(&pacing, &plan);
    ck_assert_uint_eq(pacing.rate, rate / 2);
    rate = pacing.rate;
    pacing_next_interval(&pacing, &plan); /* nothing spent: doubled */
    ck_assert_uint_eq(pacing.rate, rate * 2);
    for (int i = 0; i < 10; i++)
        pacing_next_interval(&pacing, &plan);
    ck_assert_uint_eq(pacing.rate, PACING_RATE_ONE);
}
END_TEST

START_TEST(an_interval_stops_at_its_hard_limit)
{
    struct pacing_plan plan = plan_at(1440000, 0, 0);
    pacing_next_interval(&pacing, &plan);
    for (int i = 0; i < 10; i++)
        pacing_next_interval(&pacing, &plan); /* rate up to one */
    ck_assert(pacing_admit(&pacing));
    pacing_record_spend(&pacing, 1000 * PACING_LIMIT_PERCENT / 100 - 1);
    ck_assert(pacing_admit(&pacing));
    pacing_record_spend(&pacing, 1);
    ck_assert_int_eq(admitted(100), 0);
    pacing_next_interval(&pacing, &plan); /* open again, at 1000 / 1500 of the rate */
    ck_assert_uint_eq(pacing.rate, PACING_RATE_ONE * 2 / 3);
    int taken = admitted(300);
    ck_assert_int_ge(taken, 199);
    ck_assert_int_le(taken, 200);
}
END_TEST

/* Opportunities per minute over a day: low at night, a peak in the evening (×10). */
static int demand(int minute)
{
    int hour = minute / 60;
    static const int per_hour[24] = {20, 10, 10, 10, 10, 20, 40, 80, 100, 100, 100, 120,
                                     150, 120, 100, 100, 120, 150, 200, 200, 150, 100, 60, 30};
    return per_hour[hour];
}

START_TEST(a_day_of_uneven_demand_ends_on_budget_without_bursts)
{
    enum { budget = 14400000, cost = 2000 }; /* 7200 impressions' worth, 300 an hour */
    int64_t spent = 0, hourly[24] = {0};
    for (int minute = 0; minute < 1440; minute++) {
        next_at(budget, spent, minute * MINUTE_MS);
        for (int i = 0; i < demand(minute); i++) {
            if (!pacing_admit(&pacing) || i % 2) /* every other bid wins */
                continue;
            int64_t charge = spent + cost <= budget ? cost : 0;
            pacing_record_spend(&pacing, charge);
            spent += charge;
            hourly[minute / 60] += charge;
        }
    }
    ck_assert_int_ge(spent, budget * 95 / 100);
    ck_assert_int_le(spent, budget);
    for (int hour = 0; hour < 24; hour++)
        ck_assert_msg(hourly[hour] <= 2 * budget / 24, "hour %d spent %ld", hour,
                      (long)hourly[hour]);
}
END_TEST

Suite *pacing_suite(void)
{
    Suite *suite = suite_create("pacing");
    TCase *tc = tcase_create("pacing");
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, nothing_is_admitted_before_a_plan);
    tcase_add_test(tc, the_target_spreads_what_is_left_over_the_time_left);
    tcase_add_test(tc, a_slow_morning_is_caught_up_without_a_burst);
    tcase_add_test(tc, inactive_time_gets_no_target);
    tcase_add_test(tc, the_throttle_takes_evenly_spaced_opportunities);
    tcase_add_test(tc, the_rate_follows_target_over_spend_within_a_factor_of_two);
    tcase_add_test(tc, an_interval_stops_at_its_hard_limit);
    tcase_add_test(tc, a_day_of_uneven_demand_ends_on_budget_without_bursts);
    suite_add_tcase(suite, tc);
    return suite;
}
