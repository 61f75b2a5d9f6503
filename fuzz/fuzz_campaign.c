/* Fuzz target of the campaign loader (libFuzzer; also linked into fuzz/replay.c).
 *
 * One run: load the input as a campaign file. A rejected file must say why; an accepted
 * one must hold only what the loader promises (ids, positive bids, valid fences and
 * creatives), and must compile into a snapshot (fence index, country buckets) and free
 * cleanly. Any failed invariant aborts, which libFuzzer reports as a crash. */
#include "geobid/campaign.h"
#include "geobid/snapshot.h"
#include "request_invariants.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_campaign(const struct campaign *campaign)
{
    FUZZ_CHECK(campaign->id.len > 0);
    FUZZ_CHECK(campaign->bid_cpm_micros > 0);
    FUZZ_CHECK(campaign->creative_count >= 1);
    for (size_t r = 0; r < campaign->geo.radius_count; r++) {
        const struct geo_radius *radius = &campaign->geo.radius[r];
        FUZZ_CHECK(radius->lat >= -90 && radius->lat <= 90);
        FUZZ_CHECK(radius->lon >= -180 && radius->lon <= 180);
        FUZZ_CHECK(radius->radius_m >= 1 && radius->radius_m <= 20000000);
    }
    for (size_t c = 0; c < campaign->geo.countries.count; c++)
        FUZZ_CHECK(campaign->geo.countries.items[c].len == 2);
    for (size_t c = 0; c < campaign->creative_count; c++)
        FUZZ_CHECK(campaign->creatives[c].w > 0 && campaign->creatives[c].h > 0 &&
                   campaign->creatives[c].id.len > 0);
}

/* What the delivery readers promise (src/campaign_delivery.c). */
static void check_delivery(const struct campaign_delivery *delivery)
{
    FUZZ_CHECK(delivery->daily_budget_micros >= 0 && delivery->total_budget_micros >= 0);
    FUZZ_CHECK(delivery->pacing == CAMPAIGN_PACING_EVEN ||
               delivery->pacing == CAMPAIGN_PACING_ASAP);
    FUZZ_CHECK(delivery->cap_max == 0 || delivery->cap_window_s >= 1);
    FUZZ_CHECK(delivery->flight_start_ms >= 0);
    FUZZ_CHECK(delivery->flight_end_ms == 0 ||
               delivery->flight_end_ms > delivery->flight_start_ms);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct campaign_set set;
    struct error err = {""};
    if (campaign_set_load(&set, (const char *)data, size, &err) != 0) {
        FUZZ_CHECK(err.message[0] != '\0');
        return 0;
    }
    for (size_t i = 0; i < set.count; i++) {
        check_campaign(&set.campaigns[i]);
        check_delivery(&set.campaigns[i].delivery);
    }
    snapshot_free(snapshot_build(&set));
    return 0;
}
