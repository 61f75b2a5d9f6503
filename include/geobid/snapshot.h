/* An immutable, compiled view of all campaigns: the campaigns themselves plus the
 * indexes the matcher queries (the fence index, campaigns by country, and the
 * campaigns with no geo restriction a location can be checked against cheaply).
 * Built off the hot path; never modified after snapshot_build(), so every worker
 * thread may read it without locks. */
#ifndef GEOBID_SNAPSHOT_H
#define GEOBID_SNAPSHOT_H

#include "geobid/campaign.h"
#include "geobid/fence_index.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Campaign positions (into snapshot.campaigns.campaigns) in ascending order. */
struct campaign_ids {
    uint32_t *ids;
    size_t count;
};

enum { SNAPSHOT_COUNTRY_BUCKETS = 26 * 26 };

struct snapshot {
    struct campaign_set campaigns;
    struct fence *fences;              /* active campaigns' radius entries, in campaign order */
    size_t fence_count;
    struct fence_index *fence_index;   /* over fences; fence.owner = campaign position */
    struct campaign_ids by_country[SNAPSHOT_COUNTRY_BUCKETS]; /* no fences, with countries */
    struct campaign_ids everywhere;    /* active, no fences, no countries */
    bool needs_locality;               /* an active campaign targets regions, cities or
                                          postal codes (see geo_resolve()) */
};

/* Compiles set into a new snapshot, taking ownership of the set's contents (set is left
 * empty). Paused campaigns are kept in the set but not indexed. Never NULL. */
struct snapshot *snapshot_build(struct campaign_set *set);

/* Frees the snapshot and the campaigns it owns (NULL is fine). */
void snapshot_free(struct snapshot *snapshot);

/* Returns the by_country bucket of an alpha-2 code, or NULL when code is not two
 * letters A-Z. */
const struct campaign_ids *snapshot_country_bucket(const struct snapshot *snapshot,
                                                   const char *code);

#endif
