/* The decoded bid request and the bid response, independent of the wire format.
 *
 * Both the JSON and the protobuf decoder fill the same struct bid_request, so nothing
 * downstream knows the format. Everything lives in the request arena: strings are
 * slices into the receive buffer (or arena copies when they had to be unescaped).
 * Only what bidding needs is kept; unknown fields are skipped by the decoders.
 *
 * Conventions: an absent string is an empty slice; an absent integer is -1 where 0 is
 * meaningful (lmt, dnt, gdpr, coppa, devicetype...), as the field comments say. */
#ifndef GEOBID_BID_REQUEST_H
#define GEOBID_BID_REQUEST_H

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* OpenRTB Location Type (geo.type). */
enum openrtb_location_type {
    OPENRTB_LOCATION_UNKNOWN = 0,
    OPENRTB_LOCATION_GPS = 1,
    OPENRTB_LOCATION_IP = 2,
    OPENRTB_LOCATION_USER_PROVIDED = 3,
};

/* OpenRTB Geo object as sent (device.geo or user.geo). */
struct openrtb_geo {
    bool present;
    bool has_point;              /* lat and lon both present and in range */
    double lat, lon;
    int type;                    /* enum openrtb_location_type */
    int32_t accuracy_m;          /* -1 when absent */
    struct slice country;        /* ISO 3166-1 alpha-3 as OpenRTB sends (alpha-2 tolerated) */
    struct slice region, city, zip;
    bool has_utcoffset;
    int32_t utcoffset_min;
};

struct banner_format {
    int32_t w, h;
};

struct imp {
    struct slice id;
    struct slice tagid;
    bool has_banner;
    int32_t banner_w, banner_h;  /* 0 when absent */
    struct banner_format *formats;
    size_t format_count;
    bool has_video;
    int32_t video_w, video_h;
    bool has_native;
    int64_t bidfloor_micros;     /* CPM floor in micros of bidfloorcur; 0 when absent */
    struct slice bidfloorcur;    /* empty means USD */
    bool secure;
};

struct publisher {
    struct slice id, name, domain;
};

/* Site or app: the request carries at most one; `kind` tells which. */
enum inventory_kind { INVENTORY_NONE, INVENTORY_SITE, INVENTORY_APP };

struct inventory {
    enum inventory_kind kind;
    struct slice id;
    struct slice domain;         /* site.domain, or app.domain */
    struct slice bundle;         /* app.bundle */
    struct slice page;           /* site.page */
    struct slice_list cat;
    struct slice_list content_cat; /* site.content.cat or app.content.cat */
    struct slice keywords;
    struct publisher publisher;
};

struct device {
    struct slice ua, ip, ipv6;
    struct openrtb_geo geo;
    int32_t devicetype;          /* OpenRTB Device Type, -1 when absent */
    struct slice os, osv, make, model;
    int32_t connectiontype;      /* -1 when absent */
    struct slice ifa;
    int8_t lmt, dnt;             /* 0/1, -1 when absent */
};

struct user_segment {
    struct slice id, name, value;
};

struct user_data {
    struct slice id, name;
    struct user_segment *segments;
    size_t segment_count;
};

struct user {
    struct slice id, buyeruid;
    int32_t yob;                 /* -1 when absent */
    struct slice gender;         /* "M", "F", "O" or empty */
    struct slice keywords;
    struct openrtb_geo geo;
    struct user_data *data;
    size_t data_count;
    struct slice consent;        /* TCF string: user.consent or user.ext.consent */
};

struct regs {
    int8_t coppa;                /* 0/1, -1 when absent */
    int8_t gdpr;                 /* regs.gdpr or regs.ext.gdpr; -1 when absent */
    struct slice us_privacy;     /* regs.us_privacy or regs.ext.us_privacy */
    struct slice gpp;
    int32_t *gpp_sid;
    size_t gpp_sid_count;
};

struct bid_request {
    struct slice id;
    int32_t tmax_ms;             /* 0 when absent */
    int32_t auction_type;        /* at: 1 first price, 2 second price (default) */
    struct slice_list cur;       /* allowed bid currencies; empty means USD */
    struct slice_list bcat, badv;
    struct imp *imps;
    size_t imp_count;
    struct inventory inventory;
    struct device device;
    struct user user;
    struct regs regs;
    struct slice source_tid;
};

struct campaign;
struct creative;

/* One bid: the winning campaign and creative for one imp. */
struct bid {
    const struct imp *imp;
    const struct campaign *campaign;
    const struct creative *creative;
    int64_t price_micros;        /* CPM in micros of the response currency */
    uint64_t reservation_id;     /* the ledger's reservation of the bid's cost (ledger.h);
                                    0: no ledger */
    struct slice nurl, burl, lurl; /* win, billing, loss notice URLs (notice.h), in the
                                      request arena; empty: not sent */
};

struct bid_response {
    struct slice id;             /* echoes the request id */
    struct bid *bids;            /* one per imp at most */
    size_t bid_count;
    struct slice cur;            /* currency of every bid (one per response in OpenRTB) */
};

/* Fills an empty request: every -1 sentinel set, everything else zero. */
void bid_request_init(struct bid_request *request);

/* Checks what every decoder requires of a whole request: an id, at least one imp, and
 * imp ids that are unique (bid ids are built from them). Returns 0, or -1 with
 * "id: required", "imp: required" or "imp[2].id: duplicate of imp[0]" in err. */
int bid_request_validate(const struct bid_request *request, struct error *err);

/* Converts a CPM amount in currency units (imp.bidfloor) to integer micros, rounded to
 * the nearest, into *micros. Returns NULL, or why the amount is refused ("must not be
 * negative", "out of range": NaN, or above 1e12) with *micros unchanged. Shared by the
 * decoders so that every wire format rounds and refuses alike. */
const char *bid_request_floor_micros(double amount, int64_t *micros);

/* Sets geo's point: kept when lat and lon are both numbers in range, otherwise
 * has_point is false and lat = lon = 0 (exchanges do send garbage, and a bid can still
 * be decided on the IP). A decoder passes NAN for a coordinate that was not sent. */
void openrtb_geo_set_point(struct openrtb_geo *geo, double lat, double lon);

/* The largest geo.utcoffset taken, in minutes either way (UTC-12 to UTC+14 in use). */
enum { OPENRTB_MAX_UTCOFFSET_MIN = 18 * 60 };

/* Sets geo's UTC offset: kept when |minutes| <= OPENRTB_MAX_UTCOFFSET_MIN, otherwise
 * has_utcoffset is false and utcoffset_min 0 (no later stage then multiplies a hostile
 * value). A decoder calls it only when the field was sent. */
void openrtb_geo_set_utcoffset(struct openrtb_geo *geo, int64_t minutes);

/* Returns the bid id "<impid>-<campaign id>", built in arena: unique in a response,
 * since a response holds at most one bid per imp and imp ids are unique in a request
 * (bid_request_validate()).
 * Every encoder sends this id. */
struct slice bid_response_bid_id(const struct bid *bid, struct arena *arena);

#endif
