/* Open-loop constant-rate scheduling and the search for the maximum rate. */
#include "../loadtest/find_max.h"
#include "../loadtest/random.h"
#include "../loadtest/schedule.h"

#include <check.h>
#include <stdlib.h>

static const uint64_t t0 = 1000000000000ull; /* an arbitrary monotonic start */

START_TEST(requests_are_due_every_one_over_rate)
{
    struct schedule schedule;
    schedule_init(&schedule, t0, 1000, 1000000000u, 1, 0);
    ck_assert_uint_eq(schedule.total, 1000);
    for (uint64_t n = 0; n < 1000; n++)
        ck_assert_uint_eq(schedule_intended_ns(&schedule, n), t0 + n * 1000000u);
    ck_assert_uint_eq(schedule_due(&schedule, t0 - 1), 0);
    ck_assert_uint_eq(schedule_due(&schedule, t0), 1);
    ck_assert_uint_eq(schedule_due(&schedule, t0 + 999999), 1);
    ck_assert_uint_eq(schedule_due(&schedule, t0 + 1000000), 2);
    ck_assert_uint_eq(schedule_due(&schedule, t0 + 999000000), 1000);
    ck_assert_uint_eq(schedule_due(&schedule, t0 + 5000000000ull), 1000); /* capped */
}
END_TEST

START_TEST(due_count_matches_brute_force)
{
    struct rng rng;
    rng_seed(&rng, 9);
    const double rates[] = {1, 3, 333.3, 7919, 123456.7};
    for (size_t r = 0; r < sizeof(rates) / sizeof(rates[0]); r++) {
        struct schedule schedule;
        schedule_init(&schedule, t0, rates[r], 2000000000u, 3, 1);
        for (int trial = 0; trial < 200; trial++) {
            uint64_t now = t0 + rng_below(&rng, 2100000000u);
            uint64_t expected = 0;
            while (expected < schedule.total && schedule_intended_ns(&schedule, expected) <= now)
                expected++;
            ck_assert_msg(schedule_due(&schedule, now) == expected,
                          "rate %g at +%llu ns: due %llu, expected %llu", rates[r],
                          (unsigned long long)(now - t0),
                          (unsigned long long)schedule_due(&schedule, now),
                          (unsigned long long)expected);
        }
    }
}
END_TEST

/* Thread k of T takes every T-th slot: together they are the one-thread schedule. */
START_TEST(threads_interleave_into_the_global_schedule)
{
    enum { threads = 3 };
    const double rate = 7000;
    const uint64_t duration = 1000000000u;
    struct schedule single, parts[threads];
    schedule_init(&single, t0, rate, duration, 1, 0);
    uint64_t total = 0;
    for (unsigned k = 0; k < threads; k++) {
        schedule_init(&parts[k], t0, rate, duration, threads, k);
        total += parts[k].total;
    }
    ck_assert_uint_eq(total, single.total);
    ck_assert_uint_eq(single.total, 7000);
    for (uint64_t g = 0; g < single.total; g++) {
        const struct schedule *part = &parts[g % threads];
        ck_assert_uint_eq(schedule_global_index(part, g / threads), g);
        ck_assert_uint_eq(schedule_intended_ns(part, g / threads),
                          schedule_intended_ns(&single, g));
    }
}
END_TEST

START_TEST(a_rate_below_one_per_duration_still_sends_the_first)
{
    struct schedule schedule;
    schedule_init(&schedule, t0, 3, 1000000000u, 1, 0);
    ck_assert_uint_eq(schedule.total, 3);
    ck_assert_uint_eq(schedule_intended_ns(&schedule, 1), t0 + 333333333);
    schedule_init(&schedule, t0, 1, 500000000u, 4, 2); /* thread 2 of 4 gets nothing */
    ck_assert_uint_eq(schedule.total, 0);
    ck_assert_uint_eq(schedule_due(&schedule, t0 + 1000000000u), 0);
}
END_TEST

/* ---- find-max against a fake bidder that holds its SLO up to a known rate ---------- */

struct fake_bidder {
    double limit_rps;     /* p99 within the SLO up to here */
    double error_from_rps; /* errors from here on (0: never) */
    int calls, abort_at_call;
};

static int fake_probe(void *context, double rate, struct probe_outcome *outcome)
{
    struct fake_bidder *bidder = context;
    if (++bidder->calls == bidder->abort_at_call)
        return -1;
    outcome->p99_ms = rate <= bidder->limit_rps ? 0.5 : 5.0;
    outcome->errors = bidder->error_from_rps > 0 && rate >= bidder->error_from_rps ? 3 : 0;
    outcome->invalid = 0;
    return 0;
}

static struct find_max_config search_config(double start)
{
    return (struct find_max_config){.start_rps = start, .slo_p99_ms = 1.0, .precision = 0.05,
                                    .max_rps = 1e7, .max_steps = 30};
}

START_TEST(find_max_brackets_the_limit_within_the_precision)
{
    const double starts[] = {1000, 100000, 12345};
    for (size_t i = 0; i < sizeof(starts) / sizeof(starts[0]); i++) {
        struct fake_bidder bidder = {.limit_rps = 12345};
        struct find_max_config config = search_config(starts[i]);
        struct find_max_result result;
        ck_assert_int_eq(find_max_search(&config, fake_probe, &bidder, &result), 0);
        ck_assert_msg(result.max_rps <= 12345 && result.max_rps >= 12345 / 1.05,
                      "start %g: max %g", starts[i], result.max_rps);
        ck_assert_uint_eq(result.step_count, (size_t)bidder.calls);
        ck_assert_uint_le(result.step_count, 20);
        for (size_t s = 0; s < result.step_count; s++)
            ck_assert(result.steps[s].pass == (result.steps[s].rate <= 12345));
        free(result.steps);
    }
}
END_TEST

START_TEST(find_max_counts_errors_as_failures)
{
    struct fake_bidder bidder = {.limit_rps = 1e9, .error_from_rps = 5000};
    struct find_max_config config = search_config(1000);
    struct find_max_result result;
    ck_assert_int_eq(find_max_search(&config, fake_probe, &bidder, &result), 0);
    ck_assert(result.max_rps < 5000 && result.max_rps >= 5000 / 1.05);
    free(result.steps);
}
END_TEST

START_TEST(find_max_reports_zero_when_nothing_passes)
{
    struct fake_bidder bidder = {.limit_rps = 0.5};
    struct find_max_config config = search_config(1000);
    struct find_max_result result;
    ck_assert_int_eq(find_max_search(&config, fake_probe, &bidder, &result), 0);
    ck_assert(result.max_rps == 0);
    ck_assert(result.steps[result.step_count - 1].rate == 1);
    free(result.steps);
}
END_TEST

START_TEST(find_max_stops_when_a_probe_aborts)
{
    struct fake_bidder bidder = {.limit_rps = 12345, .abort_at_call = 3};
    struct find_max_config config = search_config(1000);
    struct find_max_result result;
    ck_assert_int_eq(find_max_search(&config, fake_probe, &bidder, &result), -1);
    ck_assert_uint_eq(result.step_count, 2);
    free(result.steps);
}
END_TEST

Suite *load_schedule_suite(void)
{
    Suite *suite = suite_create("load_schedule");
    TCase *tc = tcase_create("schedule");
    tcase_add_test(tc, requests_are_due_every_one_over_rate);
    tcase_add_test(tc, due_count_matches_brute_force);
    tcase_add_test(tc, threads_interleave_into_the_global_schedule);
    tcase_add_test(tc, a_rate_below_one_per_duration_still_sends_the_first);
    suite_add_tcase(suite, tc);
    TCase *search = tcase_create("find-max");
    tcase_add_test(search, find_max_brackets_the_limit_within_the_precision);
    tcase_add_test(search, find_max_counts_errors_as_failures);
    tcase_add_test(search, find_max_reports_zero_when_nothing_passes);
    tcase_add_test(search, find_max_stops_when_a_probe_aborts);
    suite_add_tcase(suite, search);
    return suite;
}
