#include "random.h"

#include "geobid/alloc.h"

#include <math.h>
#include <stdlib.h>

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void rng_seed(struct rng *rng, uint64_t seed)
{
    rng->state = mix64(seed + 0x9E3779B97F4A7C15ull);
}

struct rng rng_derive(uint64_t seed, uint64_t key)
{
    struct rng rng;
    rng_seed(&rng, mix64(seed) ^ mix64(key + 0x632BE59BD9B4E019ull));
    return rng;
}

uint64_t rng_next(struct rng *rng)
{
    return mix64(rng->state += 0x9E3779B97F4A7C15ull);
}

double rng_unit(struct rng *rng)
{
    return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

uint64_t rng_below(struct rng *rng, uint64_t bound)
{
    /* Lemire's method: reject the few draws that would make low values likelier. */
    uint64_t threshold = -bound % bound;
    for (;;) {
        unsigned __int128 product = (unsigned __int128)rng_next(rng) * bound;
        if ((uint64_t)product >= threshold)
            return (uint64_t)(product >> 64);
    }
}

bool rng_chance(struct rng *rng, double p)
{
    return rng_unit(rng) < p;
}

double rng_normal(struct rng *rng)
{
    double u1 = 1.0 - rng_unit(rng); /* (0, 1]: log() stays finite */
    double u2 = rng_unit(rng);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

double rng_lognormal(struct rng *rng, double median, double sigma)
{
    return median * exp(sigma * rng_normal(rng));
}

double rng_exponential(struct rng *rng, double mean)
{
    return -mean * log(1.0 - rng_unit(rng));
}

unsigned rng_poisson(struct rng *rng, double mean)
{
    double limit = exp(-mean), product = rng_unit(rng);
    unsigned count = 0;
    while (product > limit && count < 1000) {
        product *= rng_unit(rng);
        count++;
    }
    return count;
}

/* ---- weighted choice ------------------------------------------------------ */

static double weight_at(const double *weights, size_t index, size_t stride)
{
    return *(const double *)((const char *)weights + index * stride);
}

size_t rng_pick_weighted(struct rng *rng, const double *weights, size_t count, size_t stride)
{
    double total = 0;
    for (size_t i = 0; i < count; i++)
        total += weight_at(weights, i, stride);
    double target = rng_unit(rng) * total;
    for (size_t i = 0; i + 1 < count; i++) {
        target -= weight_at(weights, i, stride);
        if (target < 0)
            return i;
    }
    return count - 1;
}

void weighted_init(struct weighted *dist, const double *weights, size_t count, size_t stride)
{
    dist->cumulative = xcalloc(count, sizeof(double));
    dist->count = count;
    double total = 0;
    for (size_t i = 0; i < count; i++) {
        total += weight_at(weights, i, stride);
        dist->cumulative[i] = total;
    }
}

size_t weighted_pick(const struct weighted *dist, struct rng *rng)
{
    double target = rng_unit(rng) * dist->cumulative[dist->count - 1];
    size_t low = 0, high = dist->count - 1;
    while (low < high) { /* first index whose cumulative weight exceeds target */
        size_t mid = low + (high - low) / 2;
        if (dist->cumulative[mid] > target)
            high = mid;
        else
            low = mid + 1;
    }
    return low;
}

void weighted_free(struct weighted *dist)
{
    free(dist->cumulative);
    dist->cumulative = NULL;
    dist->count = 0;
}

/* ---- Zipf by rejection-inversion ------------------------------------------- */

/* log1p(x) / x, accurate near 0. */
static double helper1(double x)
{
    return fabs(x) > 1e-8 ? log1p(x) / x : 1.0 - x * (0.5 - x * (1.0 / 3.0 - 0.25 * x));
}

/* expm1(x) / x, accurate near 0. */
static double helper2(double x)
{
    return fabs(x) > 1e-8 ? expm1(x) / x : 1.0 + x * 0.5 * (1.0 + x / 3.0 * (1.0 + 0.25 * x));
}

/* The hat function h(x) = 1 / x^exponent. */
static double zipf_h(const struct zipf *zipf, double x)
{
    return exp(-zipf->exponent * log(x));
}

/* H(x), an integral of h, written to stay accurate when exponent is close to 1. */
static double zipf_h_integral(const struct zipf *zipf, double x)
{
    double log_x = log(x);
    return helper2((1.0 - zipf->exponent) * log_x) * log_x;
}

static double zipf_h_integral_inverse(const struct zipf *zipf, double x)
{
    double t = x * (1.0 - zipf->exponent);
    if (t < -1.0)
        t = -1.0; /* rounding guard: H's range ends there */
    return exp(helper1(t) * x);
}

void zipf_init(struct zipf *zipf, uint64_t count, double exponent)
{
    zipf->count = count;
    zipf->exponent = exponent;
    zipf->h_integral_x1 = zipf_h_integral(zipf, 1.5) - 1.0;
    zipf->h_integral_n = zipf_h_integral(zipf, (double)count + 0.5);
    zipf->s = 2.0 - zipf_h_integral_inverse(zipf, zipf_h_integral(zipf, 2.5) - zipf_h(zipf, 2.0));
}

uint64_t zipf_sample(const struct zipf *zipf, struct rng *rng)
{
    for (;;) {
        double u = zipf->h_integral_n +
                   rng_unit(rng) * (zipf->h_integral_x1 - zipf->h_integral_n);
        double x = zipf_h_integral_inverse(zipf, u);
        double k = floor(x + 0.5);
        if (k < 1)
            k = 1;
        else if (k > (double)zipf->count)
            k = (double)zipf->count;
        if (k - x <= zipf->s || u >= zipf_h_integral(zipf, k + 0.5) - zipf_h(zipf, k))
            return (uint64_t)k;
    }
}
