/* Campaigns: the model, and the JSON loader that validates a campaign file.
 *
 * A file is {"campaigns": [ ... ]} (see docs/campaigns.md). The loader checks every
 * field and either loads all campaigns or none: on the first error it names the exact
 * place, e.g. "campaigns[3].geo.radius[0].lat: must be within [-90, 90]".
 * Everything a set holds lives in the set's own arena and is freed with it. */
#ifndef GEOBID_CAMPAIGN_H
#define GEOBID_CAMPAIGN_H

#include "geobid/arena.h"
#include "geobid/audience.h"
#include "geobid/error.h"
#include "geobid/schedule.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct geo_radius {
    double lat, lon;
    uint32_t radius_m;
};

struct creative {
    struct slice id;
    int32_t w, h;
    struct slice adm;             /* markup returned in bid.adm */
    struct slice_list adomain;
    struct slice iurl;
    struct slice_list cat;
};

/* Device type bits: bit N set means OpenRTB devicetype N is accepted. */
enum {
    DEVICE_TYPE_BIT_MOBILE_TABLET = 1u << 1,
    DEVICE_TYPE_BIT_PC = 1u << 2,
    DEVICE_TYPE_BIT_CTV = 1u << 3,
    DEVICE_TYPE_BIT_PHONE = 1u << 4,
    DEVICE_TYPE_BIT_TABLET = 1u << 5,
    DEVICE_TYPE_BIT_CONNECTED_DEVICE = 1u << 6,
    DEVICE_TYPE_BIT_SET_TOP_BOX = 1u << 7,
};

struct campaign_geo {
    struct geo_radius *radius;    /* any fence may match */
    size_t radius_count;
    struct slice_list countries;  /* ISO alpha-2, upper case */
    struct slice_list regions;    /* compared ignoring case */
    struct slice_list cities;     /* compared ignoring case */
    struct slice_list postal_codes;
    uint32_t max_accuracy_m;      /* 0: each fence's own radius */
};

/* Delivery (src/campaign_delivery.c, docs/campaigns.md "Delivery"): how fast and how
 * much a campaign may spend, and how often one person may see it. */
enum campaign_pacing {
    CAMPAIGN_PACING_EVEN,         /* the daily budget spread over the active day (default) */
    CAMPAIGN_PACING_ASAP,         /* spend as demand comes */
};

struct campaign_delivery {
    int64_t daily_budget_micros;  /* per day in `timezone`; 0: no daily budget */
    int64_t total_budget_micros;  /* over the campaign's life; 0: no total budget */
    enum campaign_pacing pacing;
    uint32_t cap_max;             /* impressions per user key per window; 0: no cap */
    uint32_t cap_window_s;
    bool cap_require_user;        /* a request without a usable user key gets no bid */
    int64_t flight_start_ms;      /* Unix ms; 0: no start */
    int64_t flight_end_ms;        /* Unix ms, exclusive; 0: no end */
    struct slice timezone;        /* IANA name of the day boundary; empty: UTC */
};

struct campaign {
    struct slice id, name;
    bool active;                  /* status "active" (default) vs "paused" */
    int64_t bid_cpm_micros;       /* CPM bid in micros of `currency` */
    char currency[4];             /* ISO 4217, upper case; default "USD" */
    struct campaign_geo geo;
    uint32_t device_types;        /* DEVICE_TYPE_BIT_* mask; 0 = any */
    struct slice_list os;         /* lower case; empty = any */
    struct audience_group audience; /* who (audience.h); empty = anyone */
    struct schedule schedule;     /* when (schedule.h); absent = any time */
    struct creative *creatives;
    size_t creative_count;
    struct campaign_delivery delivery;
};

struct campaign_set {
    struct campaign *campaigns;
    size_t count;
    struct arena arena;           /* owns everything above */
};

/* The campaign's currency as a slice (always three letters). */
static inline struct slice campaign_currency(const struct campaign *campaign)
{
    return (struct slice){campaign->currency, 3};
}

/* The largest location uncertainty, in metres, with which a point may be matched
 * against fence (one of geo's): geo's max_accuracy_m, or the fence's radius when it
 * sets none. */
static inline uint32_t campaign_fence_max_uncertainty_m(const struct campaign_geo *geo,
                                                        const struct geo_radius *fence)
{
    return geo->max_accuracy_m ? geo->max_accuracy_m : fence->radius_m;
}

/* The largest location uncertainty any fence of geo accepts; 0 when it has none. */
static inline uint32_t campaign_geo_max_uncertainty_m(const struct campaign_geo *geo)
{
    uint32_t largest = 0;
    for (size_t r = 0; r < geo->radius_count; r++) {
        uint32_t accepted = campaign_fence_max_uncertainty_m(geo, &geo->radius[r]);
        largest = accepted > largest ? accepted : largest;
    }
    return largest;
}

/* Parses and validates the campaign document text[0..len) into set. Returns 0, or -1
 * with the exact place of the first error in err; on failure set holds nothing and
 * needs no campaign_set_free(). The text may be freed after the call. */
int campaign_set_load(struct campaign_set *set, const char *text, size_t len,
                      struct error *err);

/* Reads the file at path and loads it as campaign_set_load() does; errors are prefixed
 * with the path. */
int campaign_set_load_file(struct campaign_set *set, const char *path, struct error *err);

/* Frees everything the set holds. */
void campaign_set_free(struct campaign_set *set);

#endif
