/* The load generator's latency histogram against exact percentiles of known
 * distributions (computed from the sorted samples, nearest-rank). */
#include "../loadtest/histogram.h"
#include "../loadtest/random.h"

#include "geobid/alloc.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

enum { sample_count = 200000 };

static int compare_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

/* The nearest-rank percentile of sorted[0..count). */
static uint64_t exact_percentile(const uint64_t *sorted, size_t count, double percent)
{
    size_t rank = (size_t)ceil(percent * (double)count / 100.0 - 1e-9);
    return sorted[(rank < 1 ? 1 : rank) - 1];
}

/* Records samples and checks every reported percentile within 1 % of the exact one. */
static void check_against_exact(uint64_t *samples, size_t count)
{
    static struct histogram histogram;
    histogram_init(&histogram);
    for (size_t i = 0; i < count; i++)
        histogram_record(&histogram, samples[i]);
    qsort(samples, count, sizeof(uint64_t), compare_u64);
    const double percents[] = {50, 90, 99, 99.9, 100};
    for (size_t i = 0; i < sizeof(percents) / sizeof(percents[0]); i++) {
        double exact = (double)exact_percentile(samples, count, percents[i]);
        double reported = (double)histogram_percentile(&histogram, percents[i]);
        ck_assert_msg(fabs(reported - exact) <= 0.01 * exact,
                      "p%g: reported %.0f ns, exact %.0f ns", percents[i], reported, exact);
    }
    ck_assert_uint_eq(histogram_percentile(&histogram, 100), samples[count - 1]);
    ck_assert_uint_eq(histogram.count, count);
}

START_TEST(uniform_distribution_percentiles_within_one_percent)
{
    uint64_t *samples = xcalloc(sample_count, sizeof(uint64_t));
    struct rng rng;
    rng_seed(&rng, 7);
    for (size_t i = 0; i < sample_count; i++) /* 1 µs .. 10 ms */
        samples[i] = 1000 + rng_below(&rng, 10 * 1000 * 1000);
    check_against_exact(samples, sample_count);
    free(samples);
}
END_TEST

START_TEST(exponential_distribution_percentiles_within_one_percent)
{
    uint64_t *samples = xcalloc(sample_count, sizeof(uint64_t));
    struct rng rng;
    rng_seed(&rng, 11);
    for (size_t i = 0; i < sample_count; i++) /* mean 300 µs, a long tail */
        samples[i] = 1000 + (uint64_t)rng_exponential(&rng, 300000.0);
    check_against_exact(samples, sample_count);
    free(samples);
}
END_TEST

START_TEST(small_values_are_exact)
{
    static struct histogram histogram;
    histogram_init(&histogram);
    for (uint64_t v = 1; v <= 100; v++)
        histogram_record(&histogram, v);
    ck_assert_uint_eq(histogram_percentile(&histogram, 50), 50);
    ck_assert_uint_eq(histogram_percentile(&histogram, 99), 99);
    ck_assert_uint_eq(histogram_percentile(&histogram, 100), 100);
    ck_assert_uint_eq(histogram_percentile(&histogram, 0.5), 1);
}
END_TEST

START_TEST(buckets_cover_the_range_with_bounded_width)
{
    struct rng rng;
    rng_seed(&rng, 3);
    for (int i = 0; i < 100000; i++) {
        uint64_t value = rng_below(&rng, HISTOGRAM_MAX_NS) >> rng_below(&rng, 36);
        int index = histogram_bucket_of(value);
        ck_assert_int_ge(index, 0);
        ck_assert_int_lt(index, HISTOGRAM_BUCKETS);
        uint64_t width, low = histogram_bucket_low(index, &width);
        ck_assert_msg(low <= value && value < low + width, "%llu not in bucket %d",
                      (unsigned long long)value, index);
        ck_assert(width == 1 || (double)width / (double)low <= 1.0 / 128);
    }
    ck_assert_int_eq(histogram_bucket_of(HISTOGRAM_MAX_NS * 10), histogram_bucket_of(HISTOGRAM_MAX_NS));
    ck_assert_int_lt(histogram_bucket_of(HISTOGRAM_MAX_NS), HISTOGRAM_BUCKETS);
}
END_TEST

START_TEST(merge_equals_recording_everything_in_one)
{
    static struct histogram a, b, all;
    histogram_init(&a);
    histogram_init(&b);
    histogram_init(&all);
    struct rng rng;
    rng_seed(&rng, 5);
    for (int i = 0; i < 10000; i++) {
        uint64_t value = 500 + rng_below(&rng, 5000000);
        histogram_record(i % 2 ? &a : &b, value);
        histogram_record(&all, value);
    }
    histogram_merge(&a, &b);
    ck_assert_uint_eq(a.count, all.count);
    ck_assert_uint_eq(a.min_ns, all.min_ns);
    ck_assert_uint_eq(a.max_ns, all.max_ns);
    ck_assert_uint_eq(a.sum_ns, all.sum_ns);
    ck_assert_uint_eq(histogram_percentile(&a, 99), histogram_percentile(&all, 99));
}
END_TEST

START_TEST(empty_histogram_reports_zero)
{
    static struct histogram histogram;
    histogram_init(&histogram);
    ck_assert_uint_eq(histogram_percentile(&histogram, 99), 0);
    ck_assert(histogram_mean(&histogram) == 0.0);
}
END_TEST

Suite *load_histogram_suite(void)
{
    Suite *suite = suite_create("load_histogram");
    TCase *tc = tcase_create("histogram");
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, uniform_distribution_percentiles_within_one_percent);
    tcase_add_test(tc, exponential_distribution_percentiles_within_one_percent);
    tcase_add_test(tc, small_values_are_exact);
    tcase_add_test(tc, buckets_cover_the_range_with_bounded_width);
    tcase_add_test(tc, merge_equals_recording_everything_in_one);
    tcase_add_test(tc, empty_histogram_reports_zero);
    suite_add_tcase(suite, tc);
    return suite;
}
