#include "geobid/snapshot.h"

#include "geobid/alloc.h"

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

static size_t count_active_fences(const struct campaign_set *set)
{
    size_t total = 0;
    for (size_t i = 0; i < set->count; i++)
        if (set->campaigns[i].active)
            total += set->campaigns[i].geo.radius_count;
    return total;
}

/* Adds every radius entry of the active campaigns to snapshot->fences. */
static void collect_fences(struct snapshot *snapshot)
{
    const struct campaign_set *set = &snapshot->campaigns;
    snapshot->fences = xcalloc(count_active_fences(set), sizeof(struct fence));
    for (size_t i = 0; i < set->count; i++) {
        const struct campaign *campaign = &set->campaigns[i];
        if (!campaign->active)
            continue;
        for (size_t r = 0; r < campaign->geo.radius_count; r++) {
            const struct geo_radius *radius = &campaign->geo.radius[r];
            snapshot->fences[snapshot->fence_count++] = (struct fence){
                .lat = radius->lat, .lon = radius->lon,
                .radius_m = radius->radius_m, .owner = (uint32_t)i};
        }
    }
}

static size_t country_bucket_index(const char *code)
{
    return (size_t)(code[0] - 'A') * 26 + (size_t)(code[1] - 'A');
}

/* Files each active campaign without fences under its countries, or under
 * `everywhere` when it has none; campaigns with fences are reached through the
 * fence index only. Notes whether any campaign needs the location's locality. */
static void bucket_campaigns(struct snapshot *snapshot)
{
    size_t capacity[SNAPSHOT_COUNTRY_BUCKETS] = {0};
    size_t everywhere_capacity = 0;
    const struct campaign_set *set = &snapshot->campaigns;
    for (size_t i = 0; i < set->count; i++) {
        const struct campaign *campaign = &set->campaigns[i];
        if (!campaign->active)
            continue;
        snapshot->needs_locality |= campaign->geo.regions.count > 0 ||
                                    campaign->geo.cities.count > 0 ||
                                    campaign->geo.postal_codes.count > 0;
        if (campaign->geo.radius_count > 0)
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

struct snapshot *snapshot_build(struct campaign_set *set)
{
    struct snapshot *snapshot = xcalloc(1, sizeof(*snapshot));
    snapshot->campaigns = *set;
    memset(set, 0, sizeof(*set));
    collect_fences(snapshot);
    snapshot->fence_index = fence_index_build(snapshot->fences, snapshot->fence_count);
    bucket_campaigns(snapshot);
    return snapshot;
}

void snapshot_free(struct snapshot *snapshot)
{
    if (snapshot == NULL)
        return;
    fence_index_free(snapshot->fence_index);
    free(snapshot->fences);
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
