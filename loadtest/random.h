/* Seeded pseudo-random numbers for the traffic model: one generator per stream, so a
 * seed reproduces the same requests on every machine (no libc rand(), whose sequence
 * differs between C libraries).
 *
 * The generator is splitmix64 (Steele, Lea & Flood, OOPSLA 2014): 64 bits of state,
 * passes BigCrush, and any seed (0 included) gives a good stream, which lets the model
 * derive one independent stream per user from the user's rank. */
#ifndef GEOBID_LOAD_RANDOM_H
#define GEOBID_LOAD_RANDOM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rng {
    uint64_t state;
};

/* Starts a stream from seed. Streams from different seeds are independent. */
void rng_seed(struct rng *rng, uint64_t seed);

/* Returns a stream seeded by mixing seed and key (e.g. the run's seed and a user rank):
 * the same (seed, key) always gives the same stream. */
struct rng rng_derive(uint64_t seed, uint64_t key);

/* Returns the next 64 random bits. */
uint64_t rng_next(struct rng *rng);

/* Returns a uniform double in [0, 1) with 53 random bits. */
double rng_unit(struct rng *rng);

/* Returns a uniform integer in [0, bound) (bound > 0), without modulo bias. */
uint64_t rng_below(struct rng *rng, uint64_t bound);

/* Returns true with probability p. */
bool rng_chance(struct rng *rng, double p);

/* Returns a standard normal deviate (Box-Muller). */
double rng_normal(struct rng *rng);

/* Returns exp(N(log(median), sigma^2)): a log-normal with the given median. */
double rng_lognormal(struct rng *rng, double median, double sigma);

/* Returns an exponential deviate with the given mean. */
double rng_exponential(struct rng *rng, double mean);

/* Returns a Poisson deviate with the given (small) mean, by Knuth's product method. */
unsigned rng_poisson(struct rng *rng, double mean);

/* Returns an index in [0, count) drawn with probability weight / total, the count
 * weights being read at stride bytes from each other (&table[0].weight, sizeof table[0]).
 * A linear scan: for short tables; use struct weighted for repeated draws. */
size_t rng_pick_weighted(struct rng *rng, const double *weights, size_t count, size_t stride);

/* A discrete distribution over indexes 0..count-1 with the given non-negative
 * weights: picking is a binary search over the cumulative weights. */
struct weighted {
    double *cumulative; /* malloc'ed, cumulative[i] = weights[0] + ... + weights[i] */
    size_t count;
};

/* Builds a distribution from count weights (at least one must be positive). The
 * weights are read at stride bytes from each other, so a table of structs can pass
 * &table[0].weight and sizeof(table[0]). */
void weighted_init(struct weighted *dist, const double *weights, size_t count, size_t stride);

/* Returns an index drawn with probability weight / total. */
size_t weighted_pick(const struct weighted *dist, struct rng *rng);

/* Frees the cumulative table. */
void weighted_free(struct weighted *dist);

/* Zipf's law over ranks 1..count: P(k) proportional to 1 / k^exponent. Sampling is
 * Hörmann & Derflinger's rejection-inversion (ACM TOMACS 6(3), 1996), O(1) time and
 * memory for any count. */
struct zipf {
    uint64_t count;
    double exponent;
    double h_integral_x1, h_integral_n, s;
};

/* Prepares the distribution; count >= 1, exponent > 0. */
void zipf_init(struct zipf *zipf, uint64_t count, double exponent);

/* Returns a rank in [1, count]. */
uint64_t zipf_sample(const struct zipf *zipf, struct rng *rng);

#endif
