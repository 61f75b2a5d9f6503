#include "histogram.h"

#include <math.h>
#include <string.h>

enum {
    linear_count = 1 << HISTOGRAM_LINEAR_BITS,
    half_count = 1 << (HISTOGRAM_LINEAR_BITS - 1),
};

void histogram_init(struct histogram *histogram)
{
    memset(histogram, 0, sizeof(*histogram));
    histogram->min_ns = UINT64_MAX;
}

int histogram_bucket_of(uint64_t value_ns)
{
    if (value_ns > HISTOGRAM_MAX_NS)
        value_ns = HISTOGRAM_MAX_NS;
    if (value_ns < linear_count)
        return (int)value_ns;
    int exponent = 63 - __builtin_clzll(value_ns); /* >= HISTOGRAM_LINEAR_BITS */
    int shift = exponent - HISTOGRAM_LINEAR_BITS + 1;
    int mantissa = (int)(value_ns >> shift); /* in [half_count, linear_count) */
    return linear_count + (exponent - HISTOGRAM_LINEAR_BITS) * half_count +
           (mantissa - half_count);
}

uint64_t histogram_bucket_low(int index, uint64_t *width)
{
    if (index < linear_count) {
        *width = 1;
        return (uint64_t)index;
    }
    int octave = (index - linear_count) / half_count;
    int mantissa = half_count + (index - linear_count) % half_count;
    int shift = octave + 1;
    *width = UINT64_C(1) << shift;
    return (uint64_t)mantissa << shift;
}

void histogram_record(struct histogram *histogram, uint64_t value_ns)
{
    histogram->counts[histogram_bucket_of(value_ns)]++;
    histogram->count++;
    histogram->sum_ns += value_ns;
    if (value_ns < histogram->min_ns)
        histogram->min_ns = value_ns;
    if (value_ns > histogram->max_ns)
        histogram->max_ns = value_ns;
}

void histogram_merge(struct histogram *dst, const struct histogram *src)
{
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++)
        dst->counts[i] += src->counts[i];
    dst->count += src->count;
    dst->sum_ns += src->sum_ns;
    if (src->min_ns < dst->min_ns)
        dst->min_ns = src->min_ns;
    if (src->max_ns > dst->max_ns)
        dst->max_ns = src->max_ns;
}

static uint64_t clamp(uint64_t value, uint64_t low, uint64_t high)
{
    return value < low ? low : value > high ? high : value;
}

uint64_t histogram_percentile(const struct histogram *histogram, double percent)
{
    if (histogram->count == 0)
        return 0;
    if (percent >= 100.0)
        return histogram->max_ns;
    /* the epsilon keeps 99.9 % of 1000 at rank 999 despite binary fractions */
    uint64_t rank = (uint64_t)ceil(percent * (double)histogram->count / 100.0 - 1e-9);
    if (rank < 1)
        rank = 1;
    uint64_t seen = 0;
    for (int i = 0; i < HISTOGRAM_BUCKETS; i++) {
        seen += histogram->counts[i];
        if (seen >= rank) {
            uint64_t width, low = histogram_bucket_low(i, &width);
            return clamp(low + width / 2, histogram->min_ns, histogram->max_ns);
        }
    }
    return histogram->max_ns;
}

double histogram_mean(const struct histogram *histogram)
{
    return histogram->count ? (double)histogram->sum_ns / (double)histogram->count : 0.0;
}
