/* A log-linear latency histogram (the idea of HdrHistogram, Gil Tene): values below
 * 256 ns are counted exactly, above that every power of two is cut into 128 equal
 * buckets, so a bucket is at most 1/128 of its values wide and a percentile read at the
 * bucket's middle is within 0.4 % of the true sample. Values are nanoseconds, tracked
 * up to HISTOGRAM_MAX_NS (60 s); larger ones count in the top bucket. Min, max and the
 * sum are kept exactly.
 *
 * Fixed size (about 30 KB), no allocation: record() is a few instructions, so every
 * response is recorded. One histogram belongs to one thread; merge them for reports. */
#ifndef GEOBID_LOAD_HISTOGRAM_H
#define GEOBID_LOAD_HISTOGRAM_H

#include <stdint.h>

enum {
    HISTOGRAM_LINEAR_BITS = 8,  /* exact below 2^8 ns; 2^7 buckets per octave above */
    HISTOGRAM_TOP_EXPONENT = 35, /* 2^36 ns > 60 s */
    HISTOGRAM_BUCKETS = (1 << HISTOGRAM_LINEAR_BITS) +
                        (HISTOGRAM_TOP_EXPONENT - HISTOGRAM_LINEAR_BITS + 1) *
                            (1 << (HISTOGRAM_LINEAR_BITS - 1)),
};

#define HISTOGRAM_MAX_NS UINT64_C(60000000000)

struct histogram {
    uint64_t counts[HISTOGRAM_BUCKETS];
    uint64_t count;
    uint64_t min_ns, max_ns; /* exact; min is UINT64_MAX while empty */
    uint64_t sum_ns;
};

/* Empties the histogram. */
void histogram_init(struct histogram *histogram);

/* Counts one value in nanoseconds. */
void histogram_record(struct histogram *histogram, uint64_t value_ns);

/* Adds every count of src to dst. */
void histogram_merge(struct histogram *dst, const struct histogram *src);

/* Returns the value at percentile percent (0 < percent <= 100) by the nearest-rank
 * definition — the smallest recorded value with at least percent % of the values at or
 * below it — to within the bucket resolution (the bucket's middle, clamped to the exact
 * min and max); 100 gives the exact max. Returns 0 when the histogram is empty. */
uint64_t histogram_percentile(const struct histogram *histogram, double percent);

/* Returns the mean in nanoseconds (0 when empty). */
double histogram_mean(const struct histogram *histogram);

/* Returns the bucket index of value_ns (exposed for the tests). */
int histogram_bucket_of(uint64_t value_ns);

/* Returns the smallest value counted in bucket index, and its width in *width. */
uint64_t histogram_bucket_low(int index, uint64_t *width);

#endif
