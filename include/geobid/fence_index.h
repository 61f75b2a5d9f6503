/* Spatial index of geo-radius fences (a centre and a radius in metres).
 *
 * Fences are bucketed in a multi-level latitude/longitude grid: each fence goes to the
 * finest level whose cells are at least as large as its radius (and coarser while its
 * bounding box would touch more than 32 cells, as near the poles), into every cell its
 * bounding box touches (handling the ±180° meridian and caps that contain a pole). A query
 * visits one cell per level in use and checks the few fences there with the exact
 * great-circle distance. Its cost depends on how many fences are near the point and on
 * the number of levels, not on the total number of fences.
 *
 * The index is immutable once built, so any number of threads may query it at once. */
#ifndef GEOBID_FENCE_INDEX_H
#define GEOBID_FENCE_INDEX_H

#include <stddef.h>
#include <stdint.h>

struct fence {
    double lat, lon;        /* centre, degrees */
    uint32_t radius_m;      /* > 0 */
    uint32_t owner;         /* caller's id for the fence (e.g. a campaign index) */
};

struct fence_index;

/* Builds an index over fences[0..count) (copied into the index: the caller keeps its own).
 * Fences must have lat in [-90, 90], lon in [-180, 180] and radius_m in
 * [1, 20000000]; count and the number of grid entries must fit in 32 bits. Never NULL
 * (aborts on out-of-memory or overflow). */
struct fence_index *fence_index_build(const struct fence *fences, size_t count);

/* Frees the index (NULL is fine). */
void fence_index_free(struct fence_index *index);

/* Writes into hits[0..max_hits) the positions (into the array given to
 * fence_index_build) of every fence whose great-circle distance from (lat, lon) is
 * <= its radius, in ascending position order. Returns the total number of such
 * fences, which may exceed max_hits (then only the first max_hits are written).
 * A point with a non-finite coordinate or a latitude outside [-90, 90] finds nothing;
 * longitudes outside [-180, 180] are taken modulo 360. Allocates nothing. */
size_t fence_index_query(const struct fence_index *index, double lat, double lon,
                         uint32_t *hits, size_t max_hits);

#endif
