#include "geobid/snapshot.h"

#include "geobid/alloc.h"
#include "geobid/audience.h"
#include "geobid/exact_checks.h"
#include "geobid/targeting.h"

#include <stdlib.h>
#include <string.h>

static void campaign_ids_push(struct campaign_ids *list, size_t *capacity, uint32_t id)
{
    if (list->count == *capacity) {
        *capacity = *capacity ? *capacity * 2 : 8;
        list->ids = xrealloc(list->ids, *capacity * sizeof(uint32_t));
    }
    list->ids[list->count++] = id;
}

/* True when the campaign at position is active and reached through the geo indexes. */
static bool reached_by_geo(const struct snapshot *snapshot, size_t position)
{
    return snapshot->campaigns.campaigns[position].active &&
           !targeting_by_audience(snapshot->targeting, (uint32_t)position);
}

static size_t count_geo_fences(const struct snapshot *snapshot)
{
    size_t total = 0;
    for (size_t i = 0; i < snapshot->campaigns.count; i++)
        if (reached_by_geo(snapshot, i))
            total += snapshot->campaigns.campaigns[i].geo.radius_count;
    return total;
}

/* Builds the fence index over every radius entry of the campaigns reached through geo,
 * and snapshot->fence_targets in the same order. */
static void index_fences(struct snapshot *snapshot)
{
    const struct campaign_set *set = &snapshot->campaigns;
    size_t total = count_geo_fences(snapshot);
    struct fence *fences = xcalloc(total + 1, sizeof(*fences));
    snapshot->fence_targets = xcalloc(total + 1, sizeof(*snapshot->fence_targets));
    for (size_t i = 0; i < set->count; i++) {
        const struct campaign_geo *geo = &set->campaigns[i].geo;
        if (!reached_by_geo(snapshot, i))
            continue;
        for (size_t r = 0; r < geo->radius_count; r++) {
            const struct geo_radius *radius = &geo->radius[r];
            fences[snapshot->fence_count] = (struct fence){
                .lat = radius->lat, .lon = radius->lon,
                .radius_m = radius->radius_m, .owner = (uint32_t)i};
            snapshot->fence_targets[snapshot->fence_count++] = (struct fence_target){
                (uint32_t)i, campaign_fence_max_uncertainty_m(geo, radius)};
        }
        uint32_t accepted = campaign_geo_max_uncertainty_m(geo);
        if (accepted > snapshot->fence_max_uncertainty_m)
            snapshot->fence_max_uncertainty_m = accepted;
    }
    snapshot->fence_index = fence_index_build(fences, snapshot->fence_count);
    free(fences);
}

static size_t country_bucket_index(const char *code)
{
    return (size_t)(code[0] - 'A') * 26 + (size_t)(code[1] - 'A');
}

/* Files each campaign reached through geo without fences under its countries, or under
 * `everywhere` when it has none; campaigns with fences are reached through the fence
 * index only. Notes whether any active campaign needs the location's locality (its
 * region, city, postal code or time zone). */
static void bucket_campaigns(struct snapshot *snapshot)
{
    size_t capacity[SNAPSHOT_COUNTRY_BUCKETS] = {0};
    size_t everywhere_capacity = 0;
    const struct campaign_set *set = &snapshot->campaigns;
    for (size_t i = 0; i < set->count; i++) {
        const struct campaign *campaign = &set->campaigns[i];
        if (!campaign->active)
            continue;
        snapshot->needs_locality |=
            campaign->geo.regions.count > 0 || campaign->geo.cities.count > 0 ||
            campaign->geo.postal_codes.count > 0 ||
            (campaign->schedule.present && campaign->schedule.zone == NULL);
        if (!reached_by_geo(snapshot, i) || campaign->geo.radius_count > 0)
            continue;
        if (campaign->geo.countries.count == 0) {
            campaign_ids_push(&snapshot->everywhere, &everywhere_capacity, (uint32_t)i);
            continue;
        }
        for (size_t c = 0; c < campaign->geo.countries.count; c++) {
            size_t bucket = country_bucket_index(campaign->geo.countries.items[c].ptr);
            campaign_ids_push(&snapshot->by_country[bucket], &capacity[bucket], (uint32_t)i);
        }
    }
}

/* Notes for each campaign the exact checks its index entry leaves to the matcher. */
static void plan_checks(struct snapshot *snapshot)
{
    const struct campaign_set *set = &snapshot->campaigns;
    snapshot->needs = xcalloc(set->count + 1, sizeof(*snapshot->needs));
    for (size_t i = 0; i < set->count; i++) {
        const struct campaign *campaign = &set->campaigns[i];
        const struct campaign_geo *geo = &campaign->geo;
        uint8_t needs = 0;
        if (geo->countries.count > 0 || geo->regions.count > 0 || geo->cities.count > 0 ||
            geo->postal_codes.count > 0)
            needs |= SNAPSHOT_CHECK_PLACES;
        if (campaign->device_types != 0 || campaign->os.count > 0)
            needs |= SNAPSHOT_CHECK_DEVICE;
        if (geo->radius_count > 0 && targeting_by_audience(snapshot->targeting, (uint32_t)i))
            needs |= SNAPSHOT_CHECK_FENCES;
        if (campaign->schedule.present || !audience_group_is_empty(&campaign->audience))
            needs |= SNAPSHOT_CHECK_RULES;
        snapshot->needs[i] = needs;
    }
}

static bool has_schedule(const struct campaign_set *set)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->campaigns[i].schedule.present)
            return true;
    return false;
}

struct snapshot *snapshot_build(struct campaign_set *set)
{
    struct snapshot *snapshot = xcalloc(1, sizeof(*snapshot));
    snapshot->campaigns = *set;
    memset(set, 0, sizeof(*set));
    if (has_schedule(&snapshot->campaigns))
        snapshot->time_zones = tz_system_database();
    snapshot->targeting = targeting_build(&snapshot->campaigns, snapshot->time_zones);
    plan_checks(snapshot);
    snapshot->checks =
        exact_checks_build(&snapshot->campaigns, snapshot->needs, snapshot->time_zones);
    index_fences(snapshot);
    bucket_campaigns(snapshot);
    return snapshot;
}

void snapshot_free(struct snapshot *snapshot)
{
    if (snapshot == NULL)
        return;
    fence_index_free(snapshot->fence_index);
    targeting_free(snapshot->targeting);
    exact_checks_free(snapshot->checks);
    free(snapshot->needs);
    free(snapshot->fence_targets);
    for (size_t b = 0; b < SNAPSHOT_COUNTRY_BUCKETS; b++)
        free(snapshot->by_country[b].ids);
    free(snapshot->everywhere.ids);
    campaign_set_free(&snapshot->campaigns);
    free(snapshot);
}

const struct campaign_ids *snapshot_country_bucket(const struct snapshot *snapshot,
                                                   const char *code)
{
    if (code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z')
        return NULL;
    return &snapshot->by_country[country_bucket_index(code)];
}

size_t campaign_ids_merge(const struct campaign_ids *a, const struct campaign_ids *b,
                          uint32_t *out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->count || j < b->count) {
        uint32_t next = j == b->count || (i < a->count && a->ids[i] <= b->ids[j]) ? a->ids[i++]
                                                                                  : b->ids[j++];
        if (n == 0 || out[n - 1] != next)
            out[n++] = next;
    }
    return n;
}
