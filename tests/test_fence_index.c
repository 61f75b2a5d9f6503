#include "geobid/fence_index.h"

#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static const double earth_radius_m = 6371008.8;
static const double rad_per_deg = 3.14159265358979323846 / 180.0;
static const double metres_per_degree = 6371008.8 * 3.14159265358979323846 / 180.0;

/* The reference distance: the same haversine as src/fence_index.c, written again here
 * so that the brute force below does not share code with what it checks. */
static double reference_distance_m(double lat1, double lon1, double lat2, double lon2)
{
    double sin_dlat = sin((lat2 - lat1) * rad_per_deg / 2);
    double sin_dlon = sin((lon2 - lon1) * rad_per_deg / 2);
    double h = sin_dlat * sin_dlat +
               cos(lat1 * rad_per_deg) * cos(lat2 * rad_per_deg) * sin_dlon * sin_dlon;
    h = h < 0 ? 0 : h > 1 ? 1 : h;
    return 2 * earth_radius_m * asin(sqrt(h));
}

/* Positions of the fences containing (lat, lon), ascending; returns their number.
 * The latitude test only skips fences that are certainly too far: the great-circle
 * distance is at least the meridian arc between the two parallels, R·|Δlat|, and the
 * 1 m slack dwarfs the rounding of either computation. */
static size_t brute_force(const struct fence *fences, size_t count, double lat, double lon,
                          uint32_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < count; i++) {
        if (fabs(lat - fences[i].lat) * metres_per_degree > fences[i].radius_m + 1.0)
            continue;
        if (reference_distance_m(lat, lon, fences[i].lat, fences[i].lon) <=
            fences[i].radius_m)
            out[n++] = (uint32_t)i;
    }
    return n;
}

/* ------------------------------------------------------- random test data */

struct rng {
    uint64_t state;
};

static uint64_t rng_next(struct rng *rng) /* splitmix64 */
{
    uint64_t z = (rng->state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static double rng_unit(struct rng *rng) /* [0, 1) */
{
    return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

static double rng_range(struct rng *rng, double lo, double hi)
{
    return lo + (hi - lo) * rng_unit(rng);
}

static double rng_sign(struct rng *rng)
{
    return rng_next(rng) & 1 ? 1.0 : -1.0;
}

static double wrap_lon(double lon)
{
    while (lon > 180)
        lon -= 360;
    while (lon < -180)
        lon += 360;
    return lon;
}

struct point {
    double lat, lon;
};

/* Uniform on the sphere. */
static struct point random_point(struct rng *rng)
{
    return (struct point){asin(rng_range(rng, -1, 1)) / rad_per_deg,
                          rng_range(rng, -180, 180)};
}

/* Within about max_m of centre (a flat approximation, clamped at the poles, which
 * also yields points exactly at ±90). */
static struct point random_near(struct rng *rng, struct point centre, double max_m)
{
    double dlat = rng_range(rng, -max_m, max_m) / metres_per_degree;
    double cos_lat = fmax(cos(centre.lat * rad_per_deg), 0.01);
    double dlon = rng_range(rng, -max_m, max_m) / metres_per_degree / cos_lat;
    return (struct point){fmax(-90, fmin(90, centre.lat + dlat)), wrap_lon(centre.lon + dlon)};
}

/* |lat| > 89, a few exactly at a pole. */
static struct point random_polar(struct rng *rng)
{
    double lat = rng_next(rng) % 50 == 0 ? 90 : rng_range(rng, 89, 90);
    return (struct point){rng_sign(rng) * lat, rng_range(rng, -180, 180)};
}

/* |lon| > 179.5, a few exactly at ±180. */
static struct point random_antimeridian(struct rng *rng)
{
    double lon = rng_next(rng) % 50 == 0 ? 180 : rng_range(rng, 179.5, 180);
    return (struct point){rng_range(rng, -89, 89), rng_sign(rng) * lon};
}

/* A pole and/or the antimeridian exactly. */
static struct point random_exact_edge(struct rng *rng)
{
    struct point p = random_point(rng);
    uint64_t pick = rng_next(rng) % 3;
    if (pick != 1)
        p.lat = rng_sign(rng) * 90;
    if (pick != 0)
        p.lon = rng_sign(rng) * 180;
    return p;
}

enum { CITY_COUNT = 64 };

/* Dense spots where fences cluster; a few sit on the awkward places. */
static void make_cities(struct rng *rng, struct point *cities)
{
    for (int i = 0; i < CITY_COUNT; i++)
        cities[i] = random_point(rng);
    cities[0] = (struct point){89.7, 10};
    cities[1] = (struct point){-89.95, -120};
    cities[2] = (struct point){35, 179.9};
    cities[3] = (struct point){-12, -179.97};
    cities[4] = (struct point){48.8566, 2.3522};
}

/* Mostly 50 m .. 50 km (log-uniform), one in 200 from 50 km to 2,000 km. */
static uint32_t random_radius(struct rng *rng)
{
    if (rng_next(rng) % 200 == 0)
        return (uint32_t)(50000 * exp(rng_unit(rng) * log(40.0)));
    return (uint32_t)(50 * exp(rng_unit(rng) * log(1000.0)));
}

static struct point random_fence_centre(struct rng *rng, const struct point *cities)
{
    double u = rng_unit(rng);
    if (u < 0.60)
        return random_near(rng, cities[rng_next(rng) % CITY_COUNT], 30000);
    if (u < 0.75)
        return random_point(rng);
    if (u < 0.85)
        return random_polar(rng);
    if (u < 0.95)
        return random_antimeridian(rng);
    return random_exact_edge(rng);
}

static struct point random_query(struct rng *rng, const struct point *cities,
                                 const struct fence *fences, size_t count)
{
    double u = rng_unit(rng);
    if (u < 0.40) {
        const struct fence *f = &fences[rng_next(rng) % count];
        return random_near(rng, (struct point){f->lat, f->lon}, 1.5 * f->radius_m);
    }
    if (u < 0.60)
        return random_near(rng, cities[rng_next(rng) % CITY_COUNT], 50000);
    if (u < 0.70)
        return random_point(rng);
    if (u < 0.80)
        return random_polar(rng);
    if (u < 0.90)
        return random_antimeridian(rng);
    return random_exact_edge(rng);
}

/* ------------------------------------------------------------------- tests */

enum { RANDOM_FENCES = 100000, RANDOM_QUERIES = 2000 };

static void assert_same_hits(const uint32_t *got, size_t got_n, const uint32_t *want,
                             size_t want_n, struct point p)
{
    ck_assert_msg(got_n == want_n, "at (%.17g, %.17g): %zu hits, expected %zu", p.lat,
                  p.lon, got_n, want_n);
    for (size_t i = 0; i < want_n; i++)
        ck_assert_msg(got[i] == want[i], "at (%.17g, %.17g): hit %zu is %u, expected %u",
                      p.lat, p.lon, i, got[i], want[i]);
}

/* 100,000 fences, clustered, with many near the poles and the antimeridian. */
static struct fence *make_random_fences(struct rng *rng, const struct point *cities)
{
    struct fence *fences = malloc(RANDOM_FENCES * sizeof(*fences));
    ck_assert_ptr_nonnull(fences);
    for (uint32_t i = 0; i < RANDOM_FENCES; i++) {
        struct point c = random_fence_centre(rng, cities);
        fences[i] = (struct fence){c.lat, c.lon, random_radius(rng), i};
    }
    return fences;
}

START_TEST(random_queries_match_brute_force)
{
    struct rng rng = {UINT64_C(0x67656f626964)};
    struct point cities[CITY_COUNT];
    make_cities(&rng, cities);
    struct fence *fences = make_random_fences(&rng, cities);
    struct fence_index *index = fence_index_build(fences, RANDOM_FENCES);
    uint32_t *got = malloc(RANDOM_FENCES * sizeof(*got));
    uint32_t *want = malloc(RANDOM_FENCES * sizeof(*want));
    size_t total = 0, polar = 0, antimeridian = 0;
    for (int q = 0; q < RANDOM_QUERIES; q++) {
        struct point p = random_query(&rng, cities, fences, RANDOM_FENCES);
        size_t want_n = brute_force(fences, RANDOM_FENCES, p.lat, p.lon, want);
        size_t got_n = fence_index_query(index, p.lat, p.lon, got, RANDOM_FENCES);
        assert_same_hits(got, got_n, want, want_n, p);
        total += want_n;
        polar += fabs(p.lat) > 89 ? want_n : 0;
        antimeridian += fabs(p.lon) > 179.5 ? want_n : 0;
    }
    /* The data must exercise the index, not just agree on "nothing here". */
    ck_assert_uint_gt(total, RANDOM_QUERIES);
    ck_assert_uint_gt(polar, 100);
    ck_assert_uint_gt(antimeridian, 100);
    free(got);
    free(want);
    fence_index_free(index);
    free(fences);
}
END_TEST

/* The point at angular distance angle (radians) from c along bearing (radians). */
static struct point destination(struct point c, double angle, double bearing)
{
    double lat1 = c.lat * rad_per_deg;
    double lat2 = asin(sin(lat1) * cos(angle) + cos(lat1) * sin(angle) * cos(bearing));
    double dlon = atan2(sin(bearing) * sin(angle) * cos(lat1),
                        cos(angle) - sin(lat1) * sin(lat2));
    return (struct point){lat2 / rad_per_deg, wrap_lon(c.lon + dlon / rad_per_deg)};
}

/* Points just inside a fence's rim: north, south, the two points of widest longitude
 * (poleward of the centre, where a box is easiest to get too narrow) and two at random
 * bearings. Returns how many it wrote. */
static size_t rim_points(struct rng *rng, const struct fence *f, struct point *out)
{
    struct point c = {f->lat, f->lon};
    double angle = f->radius_m / earth_radius_m * (1 - 1e-10);
    size_t n = 0;
    out[n++] = destination(c, angle, 0);
    out[n++] = destination(c, angle, 180 * rad_per_deg);
    out[n++] = destination(c, angle, rng_range(rng, 0, 360) * rad_per_deg);
    out[n++] = destination(c, angle, rng_range(rng, 0, 360) * rad_per_deg);
    if (fabs(f->lat) + angle / rad_per_deg < 89.999) {
        double lat = asin(sin(f->lat * rad_per_deg) / cos(angle)) / rad_per_deg;
        double half_width = asin(sin(angle) / cos(f->lat * rad_per_deg)) / rad_per_deg;
        out[n++] = (struct point){lat, wrap_lon(f->lon + half_width)};
        out[n++] = (struct point){lat, wrap_lon(f->lon - half_width)};
    }
    return n;
}

static bool contains_position(const uint32_t *sorted, size_t n, uint32_t position)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (sorted[mid] < position)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < n && sorted[lo] == position;
}

/* Spread out (so that queries are cheap) but still with fences at the poles and on the
 * antimeridian, and the same radii. */
static struct fence *make_sparse_fences(struct rng *rng, size_t count)
{
    struct fence *fences = malloc(count * sizeof(*fences));
    ck_assert_ptr_nonnull(fences);
    for (uint32_t i = 0; i < count; i++) {
        double u = rng_unit(rng);
        struct point c = u < 0.90   ? random_point(rng)
                         : u < 0.95 ? random_polar(rng)
                         : u < 0.99 ? random_antimeridian(rng)
                                    : random_exact_edge(rng);
        fences[i] = (struct fence){c.lat, c.lon, random_radius(rng), i};
    }
    return fences;
}

/* Every fence is found from points on its own rim: the test that catches a bounding
 * box or a cell range a hair too small, which random points rarely land on. */
START_TEST(every_fence_is_found_from_its_rim)
{
    enum { COUNT = 40000 };
    struct rng rng = {UINT64_C(0x72696d)};
    struct fence *fences = make_sparse_fences(&rng, COUNT);
    struct fence_index *index = fence_index_build(fences, COUNT);
    uint32_t *got = malloc(COUNT * sizeof(*got));
    size_t checked = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        struct point rim[6];
        size_t n = rim_points(&rng, &fences[i], rim);
        for (size_t k = 0; k < n; k++) {
            if (reference_distance_m(rim[k].lat, rim[k].lon, fences[i].lat, fences[i].lon) >
                fences[i].radius_m)
                continue; /* rounding put it outside: not a rim point after all */
            size_t got_n = fence_index_query(index, rim[k].lat, rim[k].lon, got, COUNT);
            ck_assert_msg(contains_position(got, got_n, i),
                          "fence %u (%.17g, %.17g, %u m) not found from (%.17g, %.17g)", i,
                          fences[i].lat, fences[i].lon, fences[i].radius_m, rim[k].lat,
                          rim[k].lon);
            checked++;
        }
    }
    ck_assert_uint_gt(checked, 5 * COUNT);
    free(got);
    fence_index_free(index);
    free(fences);
}
END_TEST

/* Points just inside and just outside each fence's rim, from 1e-12 of the radius (which
 * only the exact formula can decide) to 1e-3 (decided from bounds, without
 * trigonometry): the index must give the formula's answer at every one. */
START_TEST(near_rim_points_get_the_formulas_answer)
{
    enum { COUNT = 4000 };
    static const double steps[] = {1e-12, 1e-10, 1e-9, 3e-9, 1e-8, 1e-7, 1e-6, 1e-5, 1e-3};
    struct rng rng = {UINT64_C(0x6e656172)};
    struct fence *fences = make_sparse_fences(&rng, COUNT);
    struct fence_index *index = fence_index_build(fences, COUNT);
    uint32_t *got = malloc(COUNT * sizeof(*got));
    size_t inside = 0, outside = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        struct point c = {fences[i].lat, fences[i].lon};
        for (size_t k = 0; k < 2 * sizeof(steps) / sizeof(steps[0]); k++) {
            double scale = 1 + (k % 2 ? 1 : -1) * steps[k / 2];
            double angle = fences[i].radius_m / earth_radius_m * scale;
            struct point p = destination(c, angle, rng_range(&rng, 0, 360) * rad_per_deg);
            bool want = reference_distance_m(p.lat, p.lon, c.lat, c.lon) <= fences[i].radius_m;
            size_t got_n = fence_index_query(index, p.lat, p.lon, got, COUNT);
            ck_assert_msg(contains_position(got, got_n, i) == want,
                          "fence %u (%.17g, %.17g, %u m) from (%.17g, %.17g): expected %s", i,
                          c.lat, c.lon, fences[i].radius_m, p.lat, p.lon,
                          want ? "inside" : "outside");
            *(want ? &inside : &outside) += 1;
        }
    }
    ck_assert_uint_gt(inside, 8 * COUNT);
    ck_assert_uint_gt(outside, 8 * COUNT);
    free(got);
    fence_index_free(index);
    free(fences);
}
END_TEST

/* ----------------------------------------------- sub-cells decided at build */

/* Fences of 1 m to 6,000 km (log-uniform), with centres anywhere, near and on the poles
 * and the antimeridian, and just either side of ±89.99°, where sub-cells stop being
 * decided. */
static struct fence *make_mixed_fences(struct rng *rng, size_t count)
{
    struct fence *fences = malloc(count * sizeof(*fences));
    ck_assert_ptr_nonnull(fences);
    for (uint32_t i = 0; i < count; i++) {
        double u = rng_unit(rng);
        struct point c = u < 0.70   ? random_point(rng)
                         : u < 0.80 ? random_polar(rng)
                         : u < 0.90 ? random_antimeridian(rng)
                         : u < 0.95 ? random_exact_edge(rng)
                                    : (struct point){rng_sign(rng) * rng_range(rng, 89.98, 90),
                                                     rng_range(rng, -180, 180)};
        uint32_t radius = (uint32_t)exp(rng_unit(rng) * log(6e6));
        fences[i] = (struct fence){c.lat, c.lon, radius, i};
    }
    return fences;
}

/* A point around fence f: anywhere within twice its radius, or inside or outside it
 * by 1 % to 30 % of the radius (where decided sub-cells border undecided ones). */
static struct point point_around(struct rng *rng, const struct fence *f)
{
    static const double offsets[] = {0.01, 0.03, 0.1, 0.3};
    double scale = rng_next(rng) % 3 == 0
                       ? rng_range(rng, 0, 2)
                       : 1 + rng_sign(rng) * offsets[rng_next(rng) % 4];
    double angle = fmin(f->radius_m / earth_radius_m * scale, 3.14);
    return destination((struct point){f->lat, f->lon}, angle,
                       rng_range(rng, 0, 360) * rad_per_deg);
}

/* x moved onto the nearest line of a grid of step 180/2^k degrees counted from origin
 * (the sub-cell edges of every level are such lines, for k from 3 to 20), then left
 * there or moved to the next double on either side. */
static double onto_grid_line(struct rng *rng, double x, double origin, int k)
{
    double step = 180.0 / (double)(UINT64_C(1) << k);
    double line = round((x - origin) / step) * step + origin;
    uint64_t side = rng_next(rng) % 3;
    return side == 0 ? line : nextafter(line, side == 1 ? -INFINITY : INFINITY);
}

static struct point onto_grid_lines(struct rng *rng, struct point p)
{
    uint64_t pick = rng_next(rng) % 3;
    if (pick != 1)
        p.lat = fmax(-90, fmin(90, onto_grid_line(rng, p.lat, -90, 3 + (int)(rng_next(rng) % 18))));
    if (pick != 0)
        p.lon = onto_grid_line(rng, p.lon, -180, 3 + (int)(rng_next(rng) % 18));
    return p;
}

/* Checks the index against brute force over all fences at points around each fence,
 * every other one moved onto grid lines, and lon_shift degrees toward the other side of
 * 0° of longitude (a turn, or 0); returns how many hits they had. */
static size_t check_points_around(const struct fence *fences, size_t count,
                                  const struct fence_index *index, struct rng *rng,
                                  double lon_shift)
{
    enum { POINTS_PER_FENCE = 8 };
    uint32_t *got = malloc(count * sizeof(*got)), *want = malloc(count * sizeof(*want));
    size_t hits = 0;
    for (size_t i = 0; i < count; i++)
        for (int k = 0; k < POINTS_PER_FENCE; k++) {
            struct point p = point_around(rng, &fences[i]);
            if (k % 2)
                p = onto_grid_lines(rng, p);
            p.lon += lon_shift * (p.lon > 0 ? -1 : 1);
            size_t want_n = brute_force(fences, count, p.lat, p.lon, want);
            size_t got_n = fence_index_query(index, p.lat, p.lon, got, count);
            assert_same_hits(got, got_n, want, want_n, p);
            hits += want_n;
        }
    free(got);
    free(want);
    return hits;
}

/* Builds 2,000 mixed fences from seed and checks points around them, their longitudes
 * moved by lon_shift, against the formula. */
static void check_mixed_fences(uint64_t seed, double lon_shift)
{
    enum { COUNT = 2000 };
    struct rng rng = {seed};
    struct fence *fences = make_mixed_fences(&rng, COUNT);
    struct fence_index *index = fence_index_build(fences, COUNT);
    ck_assert_uint_gt(check_points_around(fences, COUNT, index, &rng, lon_shift), 4 * COUNT);
    fence_index_free(index);
    free(fences);
}

/* Where a member's sub-cell is decided at build, the query answers without computing
 * a distance: at points all over and around fences of every size, on and beside the
 * sub-cell grid lines, the answers must still be the formula's. */
START_TEST(decided_sub_cells_give_the_formulas_answer)
{
    check_mixed_fences(UINT64_C(0x73756263656c6c), 0);
}
END_TEST

/* The formula is periodic in longitude only up to rounding, which is largest when its
 * longitude difference is near a whole turn: the same points given a turn away (up to
 * ±360°) must get the formula's answer with those longitudes. */
START_TEST(points_a_turn_away_give_the_formulas_answer)
{
    check_mixed_fences(UINT64_C(0x7475726e), 360);
}
END_TEST

/* A radius beyond half the Earth's circumference (outside the contract) holds every
 * point, as the formula's distance never exceeds it: the sub-cells of such a fence must
 * not be decided from sin²(r/2R), which has wrapped around. */
START_TEST(radii_beyond_half_a_turn_hold_everything)
{
    struct fence fences[] = {{10, 20, 25000000, 0}, {-40, 170, 4000000000u, 1}};
    struct fence_index *index = fence_index_build(fences, 2);
    struct rng rng = {3};
    for (int q = 0; q < 1000; q++) {
        struct point p = q % 2 ? random_point(&rng) : random_exact_edge(&rng);
        uint32_t hits[2];
        ck_assert_uint_eq(fence_index_query(index, p.lat, p.lon, hits, 2), 2);
    }
    fence_index_free(index);
}
END_TEST

/* Fences from 100 m to 100 km around one point: its hits come from the cells of many
 * levels, each an ascending run, and must come back as one ascending list. */
START_TEST(hits_from_many_levels_come_in_order)
{
    enum { COUNT = 200 };
    struct rng rng = {7};
    struct point centre = {-33.8688, 151.2093};
    struct fence fences[COUNT];
    for (uint32_t i = 0; i < COUNT; i++) {
        uint32_t radius = (uint32_t)(100 * exp(rng_unit(&rng) * log(1000.0)));
        struct point c = random_near(&rng, centre, radius * 0.6);
        fences[i] = (struct fence){c.lat, c.lon, radius, i};
    }
    struct fence_index *index = fence_index_build(fences, COUNT);
    uint32_t got[COUNT], want[COUNT];
    size_t want_n = brute_force(fences, COUNT, centre.lat, centre.lon, want);
    ck_assert_uint_gt(want_n, 150);
    size_t got_n = fence_index_query(index, centre.lat, centre.lon, got, COUNT);
    assert_same_hits(got, got_n, want, want_n, centre);
    fence_index_free(index);
}
END_TEST

START_TEST(empty_index_finds_nothing)
{
    struct fence_index *index = fence_index_build(NULL, 0);
    uint32_t hits[4] = {7, 7, 7, 7};
    ck_assert_uint_eq(fence_index_query(index, 0, 0, hits, 4), 0);
    ck_assert_uint_eq(fence_index_query(index, 90, 180, hits, 4), 0);
    ck_assert_uint_eq(hits[0], 7);
    fence_index_free(index);
    fence_index_free(NULL);
}
END_TEST

START_TEST(single_fence)
{
    struct fence fence = {48.8566, 2.3522, 800, 42};
    struct fence_index *index = fence_index_build(&fence, 1);
    fence.lat = 0; /* the index keeps its own copy */
    uint32_t hits[2] = {99, 99};
    ck_assert_uint_eq(fence_index_query(index, 48.8566, 2.3522, hits, 2), 1);
    ck_assert_uint_eq(hits[0], 0);
    ck_assert_uint_eq(hits[1], 99);
    ck_assert_uint_eq(fence_index_query(index, 48.86, 2.36, hits, 2), 1);  /* ~640 m */
    ck_assert_uint_eq(fence_index_query(index, 48.8566, 2.37, hits, 2), 0); /* ~1.3 km */
    ck_assert_uint_eq(fence_index_query(index, -48.8566, 2.3522, hits, 2), 0);
    ck_assert_uint_eq(fence_index_query(index, 48.8566, 2.3522, NULL, 0), 1);
    fence_index_free(index);
}
END_TEST

/* Along the meridian north of (0, lon), the largest latitude whose distance is <= r. */
static double last_latitude_inside(double lon, double r)
{
    double lo = 0, hi = 2 * r / metres_per_degree;
    while (nextafter(lo, hi) < hi) {
        double mid = lo + (hi - lo) / 2;
        if (mid <= lo || mid >= hi)
            mid = nextafter(lo, hi);
        if (reference_distance_m(mid, lon, 0, lon) <= r)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

START_TEST(boundary_point_is_inside)
{
    /* Find a radius whose boundary is hit exactly by a representable latitude, so the
     * test tells "<=" from "<". */
    for (uint32_t r = 1000; r < 1100; r++) {
        double lat = last_latitude_inside(10, r);
        if (reference_distance_m(lat, 10, 0, 10) != r)
            continue;
        struct fence fence = {0, 10, r, 0};
        struct fence_index *index = fence_index_build(&fence, 1);
        uint32_t hit;
        ck_assert_uint_eq(fence_index_query(index, lat, 10, &hit, 1), 1);
        ck_assert_uint_eq(fence_index_query(index, nextafter(lat, 1), 10, &hit, 1), 0);
        ck_assert_uint_eq(fence_index_query(index, lat + 1e-6, 10, &hit, 1), 0);
        ck_assert_uint_eq(fence_index_query(index, -lat, 10, &hit, 1), 1);
        fence_index_free(index);
        return;
    }
    ck_abort_msg("no radius in [1000, 1100) has an exactly representable boundary");
}
END_TEST

START_TEST(fence_straddling_the_antimeridian)
{
    struct fence fences[] = {
        {10, 179.99, 5000, 0},
        {-20, -180, 3000, 1},
        {0, 180, 1000, 2},
    };
    struct fence_index *index = fence_index_build(fences, 3);
    uint32_t hits[3];
    ck_assert_uint_eq(fence_index_query(index, 10, -179.99, hits, 3), 1); /* ~2.2 km */
    ck_assert_uint_eq(hits[0], 0);
    ck_assert_uint_eq(fence_index_query(index, 10, 180, hits, 3), 1);
    ck_assert_uint_eq(fence_index_query(index, 10, -180, hits, 3), 1);
    ck_assert_uint_eq(fence_index_query(index, 10, -179.95, hits, 3), 0); /* ~6.6 km */
    ck_assert_uint_eq(fence_index_query(index, -20, 179.98, hits, 3), 1);
    ck_assert_uint_eq(hits[0], 1);
    ck_assert_uint_eq(fence_index_query(index, 0, -180, hits, 3), 1);
    ck_assert_uint_eq(hits[0], 2);
    ck_assert_uint_eq(fence_index_query(index, 0.005, -179.995, hits, 3), 1);
    ck_assert_uint_eq(fence_index_query(index, 0, 179.98, hits, 3), 0); /* ~2.2 km */
    fence_index_free(index);
}
END_TEST

START_TEST(fence_covering_a_pole)
{
    struct fence fences[] = {
        {89.9, 0, 20000, 0},   /* the pole is 11 km away */
        {90, 17, 1000, 1},     /* centred on the pole: its longitude means nothing */
        {-89.99, 45, 5000, 2}, /* south pole, 1.1 km away */
    };
    struct fence_index *index = fence_index_build(fences, 3);
    uint32_t hits[3];
    ck_assert_uint_eq(fence_index_query(index, 90, 0, hits, 3), 2);
    ck_assert_uint_eq(hits[0], 0);
    ck_assert_uint_eq(hits[1], 1);
    ck_assert_uint_eq(fence_index_query(index, 90, -180, hits, 3), 2);
    ck_assert_uint_eq(fence_index_query(index, 90, 123.4, hits, 3), 2);
    ck_assert_uint_eq(fence_index_query(index, 89.95, 180, hits, 3), 1); /* ~16.7 km over */
    ck_assert_uint_eq(hits[0], 0);
    ck_assert_uint_eq(fence_index_query(index, 89.9, 180, hits, 3), 0); /* ~22 km over */
    ck_assert_uint_eq(fence_index_query(index, 89.995, -150, hits, 3), 2); /* ~0.6 km */
    ck_assert_uint_eq(fence_index_query(index, -90, 77, hits, 3), 1);
    ck_assert_uint_eq(hits[0], 2);
    ck_assert_uint_eq(fence_index_query(index, -89.98, -135, hits, 3), 1); /* ~3.3 km */
    ck_assert_uint_eq(fence_index_query(index, -89.95, 45, hits, 3), 1);   /* ~4.4 km */
    ck_assert_uint_eq(fence_index_query(index, -89.94, 45, hits, 3), 0);   /* ~5.6 km */
    ck_assert_uint_eq(fence_index_query(index, -89.94, -135, hits, 3), 0); /* ~7.8 km */
    fence_index_free(index);
}
END_TEST

/* Fences wider than a quarter turn contain a pole whatever their centre's latitude;
 * #2 sits at lon 90 so only a box spanning every longitude finds it from lon -90. */
START_TEST(huge_fences)
{
    struct fence fences[] = {
        {0, 0, 20000000, 0},
        {45, 90, 5000000, 1},
        {0, 90, 15000000, 2},
    };
    static const struct {
        double lat, lon;
        size_t n;
        uint32_t want[3];
    } cases[] = {
        {0, 179, 2, {0, 2}},  /* 19,904 km from #0 */
        {0, -179, 2, {0, 2}},
        {0, 180, 1, {2}},     /* antipode of #0: 20,015 km */
        {90, 0, 2, {0, 2}},   /* 45° from #1: 5,004 km */
        {89.9, 90, 3, {0, 1, 2}},
        {-45, -90, 1, {0}},
        {60, -90, 2, {0, 2}}, /* 13,343 km from #2, across the pole */
        {0, -60, 1, {0}},     /* 16,679 km from #2 */
        {0, -90, 1, {0}},
    };
    struct fence_index *index = fence_index_build(fences, 3);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint32_t hits[3];
        size_t n = fence_index_query(index, cases[i].lat, cases[i].lon, hits, 3);
        assert_same_hits(hits, n, cases[i].want, cases[i].n,
                         (struct point){cases[i].lat, cases[i].lon});
    }
    fence_index_free(index);
}
END_TEST

/* About 300 fences of mixed radii (so several levels) around one point, shuffled among far
 * ones; every max_hits must give the same total and the smallest positions, sorted. */
START_TEST(max_hits_keeps_the_smallest_positions)
{
    enum { COUNT = 1000 };
    struct rng rng = {42};
    struct fence fences[COUNT];
    uint32_t want[COUNT];
    size_t want_n = 0;
    for (uint32_t i = 0; i < COUNT; i++) {
        bool near = rng_next(&rng) % 10 < 3;
        uint32_t radius = (uint32_t)(200 * exp(rng_unit(&rng) * log(1000.0)));
        fences[i] = (struct fence){near ? 40.0001 : -40, near ? -3.0001 : 3, radius, i};
        if (near)
            want[want_n++] = i;
    }
    ck_assert_uint_gt(want_n, 200);
    struct fence_index *index = fence_index_build(fences, COUNT);
    static const size_t limits[] = {1, 2, 3, 7, 16, 17, 50, 200, 299, COUNT};
    for (size_t l = 0; l < sizeof(limits) / sizeof(limits[0]); l++) {
        uint32_t hits[COUNT + 1];
        size_t max = limits[l] < want_n ? limits[l] : want_n;
        hits[max] = UINT32_MAX;
        ck_assert_uint_eq(fence_index_query(index, 40, -3, hits, limits[l]), want_n);
        ck_assert_mem_eq(hits, want, max * sizeof(*hits));
        if (limits[l] < want_n)
            ck_assert_uint_eq(hits[max], UINT32_MAX);
    }
    ck_assert_uint_eq(fence_index_query(index, 40, -3, NULL, 0), want_n);
    fence_index_free(index);
}
END_TEST

START_TEST(points_that_are_not_places_find_nothing)
{
    struct fence fence = {0, 0, 20000000, 0};
    struct fence_index *index = fence_index_build(&fence, 1);
    uint32_t hit;
    ck_assert_uint_eq(fence_index_query(index, NAN, 0, &hit, 1), 0);
    ck_assert_uint_eq(fence_index_query(index, 0, NAN, &hit, 1), 0);
    ck_assert_uint_eq(fence_index_query(index, 0, INFINITY, &hit, 1), 0);
    ck_assert_uint_eq(fence_index_query(index, 90.5, 0, &hit, 1), 0);
    ck_assert_uint_eq(fence_index_query(index, 0, 360, &hit, 1), 1); /* same as lon 0 */
    fence_index_free(index);
}
END_TEST

Suite *fence_index_suite(void)
{
    Suite *suite = suite_create("fence_index");
    TCase *basics = tcase_create("basics");
    tcase_add_test(basics, empty_index_finds_nothing);
    tcase_add_test(basics, single_fence);
    tcase_add_test(basics, boundary_point_is_inside);
    tcase_add_test(basics, fence_straddling_the_antimeridian);
    tcase_add_test(basics, fence_covering_a_pole);
    tcase_add_test(basics, huge_fences);
    tcase_add_test(basics, max_hits_keeps_the_smallest_positions);
    tcase_add_test(basics, hits_from_many_levels_come_in_order);
    tcase_add_test(basics, points_that_are_not_places_find_nothing);
    suite_add_tcase(suite, basics);
    TCase *random = tcase_create("random");
    tcase_set_timeout(random, 120); /* about 1 s at -O2, several under ASan */
    tcase_add_test(random, random_queries_match_brute_force);
    tcase_add_test(random, every_fence_is_found_from_its_rim);
    tcase_add_test(random, near_rim_points_get_the_formulas_answer);
    tcase_add_test(random, decided_sub_cells_give_the_formulas_answer);
    tcase_add_test(random, points_a_turn_away_give_the_formulas_answer);
    tcase_add_test(random, radii_beyond_half_a_turn_hold_everything);
    suite_add_tcase(suite, random);
    return suite;
}
