/* An immutable, compiled view of all campaigns: the campaigns themselves plus the
 * indexes the matcher queries (the fence index, campaigns by country, the campaigns
 * with no geo restriction a location can be checked against cheaply, and the targeting
 * index of audience rules, targeting.h). Each active campaign is reached through one of
 * them: the targeting index when its audience names fewer requests than its geo does,
 * the geo indexes otherwise.
 * Built off the hot path; never modified after snapshot_build(), so every worker
 * thread may read it without locks. */
#ifndef GEOBID_SNAPSHOT_H
#define GEOBID_SNAPSHOT_H

#include "geobid/campaign.h"
#include "geobid/fence_index.h"
#include "geobid/tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Campaign positions (into snapshot.campaigns.campaigns) in ascending order. */
struct campaign_ids {
    uint32_t *ids;
    size_t count;
};

/* Merges two ascending lists into out (room for a->count + b->count ids), dropping
 * repeats; returns how many ids out holds. */
size_t campaign_ids_merge(const struct campaign_ids *a, const struct campaign_ids *b,
                          uint32_t *out);

enum { SNAPSHOT_COUNTRY_BUCKETS = 26 * 26 };

struct exact_checks;
struct targeting;

/* Which exact checks a candidate campaign still needs once an index has reached it
 * (bits of snapshot.needs): a campaign that needs none matches as soon as it is a
 * candidate, and the matcher does not read the campaign at all. */
enum {
    SNAPSHOT_CHECK_PLACES = 1, /* countries, regions, cities or postal codes */
    SNAPSHOT_CHECK_DEVICE = 2, /* device types or OS */
    SNAPSHOT_CHECK_FENCES = 4, /* fences the fence index does not hold (targeting.h) */
    SNAPSHOT_CHECK_RULES = 8,  /* a schedule or audience rules */
};

/* What the matcher needs of a fence the fence index finds: its campaign, and the
 * largest location uncertainty it accepts (the campaign's geo.max_accuracy_m, else the
 * fence's radius). Eight bytes, in fence order, so that a hit costs one read that
 * mostly stays in cache at 100,000 campaigns. */
struct fence_target {
    uint32_t campaign;
    uint32_t max_uncertainty_m;
};

struct snapshot {
    struct campaign_set campaigns;
    struct fence_target *fence_targets; /* per radius entry of the active campaigns
                                          reached through geo, in campaign order */
    size_t fence_count;
    uint32_t fence_max_uncertainty_m;  /* the largest of their max_uncertainty_m: a less
                                          precise location matches none of them */
    struct fence_index *fence_index;   /* over those entries, in the same order */
    struct campaign_ids by_country[SNAPSHOT_COUNTRY_BUCKETS]; /* no fences, with countries */
    struct campaign_ids everywhere;    /* active, no fences, no countries */
    bool needs_locality;               /* an active campaign targets regions, cities or
                                          postal codes, or has a schedule in the user's
                                          time zone (see geo_resolve()) */
    struct targeting *targeting;       /* the index of audience rules */
    uint8_t *needs;                    /* per campaign position: SNAPSHOT_CHECK_*, one
                                          byte so that the candidates' reads stay in
                                          cache at 100,000 campaigns */
    struct exact_checks *checks;       /* those checks, compiled, and the rule counters */
    const struct tz_database *time_zones; /* tz_system_database() when a campaign has a
                                             schedule, else NULL */
};

/* Compiles set into a new snapshot, taking ownership of the set's contents (set is left
 * empty). Paused campaigns are kept in the set but not indexed. Loads the system's time
 * zone database (tz_system_database()) when a campaign has a schedule. Never NULL. */
struct snapshot *snapshot_build(struct campaign_set *set);

/* Frees the snapshot and the campaigns it owns (NULL is fine). */
void snapshot_free(struct snapshot *snapshot);

/* Returns the by_country bucket of an alpha-2 code, or NULL when code is not two
 * letters A-Z. */
const struct campaign_ids *snapshot_country_bucket(const struct snapshot *snapshot,
                                                   const char *code);

#endif
