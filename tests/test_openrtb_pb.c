/* Tests of src/openrtb_pb.c.
 *
 * Every protobuf request here is encoded independently of geobid: the golden requests
 * by `protoc --encode` from the text-format fixtures tests/fixtures/pb/NAME.txtpb with
 * the exchange-side schema tests/fixtures/pb/reference.proto (the Makefile builds them
 * into $GEOBID_FIXTURES/pb/), the small ones by hand, byte by byte. A wrong field
 * number in proto/openrtb.proto therefore shows up as a difference from the same
 * request in JSON.
 *
 *   - golden: each request in JSON and in protobuf decodes to the same struct
 *     bid_request, and bidder_decide() takes the same decisions on both against
 *     tests/fixtures/campaigns.json, located with the GeoIP fixture database;
 *   - decode: values, absent-field defaults, booleans, packed and unpacked repeated
 *     fields, merging, unknown fields and extensions skipped, no heap growth;
 *   - malformed input: clear errors for every kind of bad bytes, every truncation of a
 *     real request at a guard page;
 *   - encode: the response unpacked by the generated code, and decoded by protoc.
 *
 * JSON in this file is written with ' for " so it stays readable; test_dq() swaps them
 * back before decoding (the inputs hold no apostrophes of their own). */
#include "geobid/openrtb_pb.h"

#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/geo.h"
#include "geobid/openrtb_json.h"
#include "geobid/snapshot.h"
#include "openrtb.pb-c.h"
#include "test_support.h"

#include <check.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef Com__Google__Openrtb__BidResponse pb_response;
typedef Com__Google__Openrtb__BidResponse__SeatBid__Bid pb_bid;

static struct arena arena;
static struct bid_request request;
static struct error err;

static void setup(void)
{
    arena_init(&arena, 4096);
    memset(&err, 0, sizeof(err));
}

static void teardown(void)
{
    arena_free(&arena);
}

/* Returns the bytes of fixture NAME (an arena copy) and their length in *len. */
static const char *fixture(const char *name, size_t *len)
{
    char *data = test_read_pb_fixture(name, len);
    char *copy = arena_strndup(&arena, data, *len);
    free(data);
    return copy;
}

#define ck_assert_slice_eq(actual, expected)                                                \
    do {                                                                                   \
        struct slice actual_ = (actual);                                                   \
        ck_assert_msg(slice_eq_cstr(actual_, (expected)), "%s is \"%.*s\", expected \"%s\"", \
                      #actual, (int)actual_.len, actual_.ptr ? actual_.ptr : "", (expected));  \
    } while (0)

/* Both sides of a JSON / protobuf comparison hold the same bytes. */
#define ck_assert_same_slice(a, b)                                                          \
    do {                                                                                   \
        struct slice a_ = (a), b_ = (b);                                                   \
        ck_assert_msg(slice_eq(a_, b_), "%s: JSON \"%.*s\", protobuf \"%.*s\"", #a,         \
                      (int)a_.len, a_.ptr ? a_.ptr : "", (int)b_.len, b_.ptr ? b_.ptr : ""); \
    } while (0)

#define ck_assert_same_int(a, b)                                                            \
    ck_assert_msg((a) == (b), "%s: JSON %lld, protobuf %lld", #a, (long long)(a),          \
                  (long long)(b))

/* ---- golden requests: the same request in JSON and in protobuf -------------- */

struct golden_case {
    const char *fixture;        /* tests/fixtures/pb/<fixture>.txtpb */
    const char *json;           /* the same request in JSON, ' for " */
    size_t bids;                /* the decision, so that the comparison is not vacuous */
    const char *first_campaign; /* campaign of the first bid, NULL when none */
};

static const struct golden_case golden_cases[] = {
    {"site-banner-gps",
     "{'id': 'c0ffee00-site-gps', 'at': 1, 'tmax': 120, 'cur': ['EUR', 'USD'],"
     " 'bcat': ['IAB25', 'IAB26'], 'badv': ['competitor.example'], 'allimps': 0, 'wlang': ['fr'],"
     " 'imp': [{'id': '1', 'tagid': 'homepage-top',"
     "   'banner': {'w': 300, 'h': 250, 'format': [{'w': 300, 'h': 250}, {'w': 320, 'h': 50}],"
     "              'pos': 1, 'btype': [1, 3], 'api': [5, 7], 'mimes': ['image/png'],"
     "              'ext': {'gpid': 'banner-ext'}},"
     "   'bidfloor': 0.5, 'bidfloorcur': 'EUR', 'secure': 1, 'instl': 0,"
     "   'pmp': {'private_auction': 0, 'deals': [{'id': 'deal-1', 'bidfloor': 4.5,"
     "           'bidfloorcur': 'EUR', 'at': 3}]},"
     "   'ext': {'gpid': '/1234/home#top'}}],"
     " 'site': {'id': 'site-102855', 'name': 'Vélo Paris', 'domain': 'velo-paris.example',"
     "   'page': 'https://velo-paris.example/blog/velos-electriques?utm=1',"
     "   'ref': 'https://search.example/?q=velo', 'cat': ['IAB2', 'IAB19'],"
     "   'content': {'id': 'article-7', 'title': 'Vélos électriques', 'cat': ['IAB2-1', 'IAB18']},"
     "   'keywords': 'vélo,électrique,paris', 'mobile': 1,"
     "   'publisher': {'id': 'pub-8953', 'name': 'Vélo Paris Média',"
     "                 'domain': 'velo-paris.example', 'cat': ['IAB2']}},"
     " 'device': {'ua': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15"
     " (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',"
     "   'ip': '81.2.69.142', 'ipv6': '2a01:e0a:1f3::1',"
     "   'geo': {'lat': 48.861, 'lon': 2.338, 'type': 1, 'accuracy': 20, 'lastfix': 3,"
     "           'country': 'FRA', 'region': 'IDF', 'city': 'Paris', 'zip': '75001',"
     "           'utcoffset': 120},"
     "   'devicetype': 4, 'make': 'Apple', 'model': 'iPhone', 'os': 'iOS', 'osv': '17.4',"
     "   'js': 1, 'pxratio': 3, 'connectiontype': 2,"
     "   'ifa': '6D92078A-8246-4BA4-AE5B-76104861E7DC', 'lmt': 0, 'dnt': 0,"
     "   'sua': {'browsers': [{'brand': 'Safari', 'version': ['17', '4']}],"
     "           'platform': {'brand': 'iOS', 'version': ['17']}, 'mobile': 1},"
     "   'ext': {'gpid': 'device-ext'}},"
     " 'user': {'id': 'u-55816b39711f9b5acf3b90e313ed29e51665623f', 'buyeruid': 'gb-7f3a9c',"
     "   'yob': 1991, 'gender': 'F', 'keywords': 'mode,éthique', 'kwarray': ['mode'],"
     "   'data': [{'id': 'dmp-1', 'name': 'geobid-dmp', 'segment': [{'id': 's1',"
     "             'name': 'ethical-fashion', 'value': '30d'}, {'id': 's2'}]}],"
     "   'consent': 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA',"
     "   'eids': [{'source': 'id5-sync.com', 'uids': [{'id': 'ID5*xyz', 'atype': 1}]}]},"
     " 'regs': {'coppa': 0, 'gdpr': 1, 'us_privacy': '1---',"
     "   'gpp': 'DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA', 'gpp_sid': [2, 6]},"
     " 'source': {'tid': 'f9a1c2d4-0b2e-4c55-9b7e-3c1e2f4a5b6c', 'fd': 1, 'pchain': 'abc:def'},"
     " 'ext': {'gpid': 'request-ext'}}",
     1, "paris-city"}, /* GDPR without consent: coarse geo, so not the 800 m café fence */
    {"app-native-ip-only",
     "{'id': 'a7c1f0e2-app-ip', 'tmax': 250, 'cur': ['EUR'],"
     " 'imp': [{'id': 'imp-1', 'tagid': 'interstitial', 'instl': 1,"
     "   'banner': {'format': [{'w': 320, 'h': 50}, {'w': 480, 'h': 320}], 'api': [3, 5]},"
     "   'native': {'request': '{}', 'ver': '1.2', 'api': [5]},"
     "   'bidfloor': 1, 'bidfloorcur': 'EUR'}],"
     " 'app': {'id': 'app-4471', 'name': 'Café Finder', 'bundle': 'com.example.cafefinder',"
     "   'domain': 'cafefinder.example',"
     "   'storeurl': 'https://play.google.com/store/apps/details?id=com.example.cafefinder',"
     "   'cat': ['IAB8', 'IAB8-9'], 'keywords': 'coffee,café,paris', 'ver': '3.2.1',"
     "   'publisher': {'id': 'pub-77', 'name': 'Example Apps SAS',"
     "                 'domain': 'example-apps.example'}},"
     " 'device': {'ua': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML,"
     " like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',"
     "   'ip': '192.0.2.10', 'devicetype': 1, 'make': 'Google', 'model': 'Pixel 8',"
     "   'os': 'Android', 'osv': '14', 'connectiontype': 6,"
     "   'ifa': 'b3c1a0d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d', 'lmt': 1, 'dnt': 0,"
     "   'carrier': 'Orange', 'mccmnc': '208-01'},"
     " 'user': {'buyeruid': 'gb-1234',"
     "   'ext': {'consent': 'CQ1AAEAQ1AAEAAKA1AENBKFgAAAAAAAAAAYgAAAAAAAA'}},"
     " 'regs': {'coppa': 1, 'ext': {'gdpr': 1, 'us_privacy': '1YNN'}}}",
     1, "paris-city"},
    {"video-gps",
     "{'id': 'video-gps-1', 'cur': ['EUR'],"
     " 'imp': [{'id': 'v1', 'video': {'mimes': ['video/mp4'], 'minduration': 5,"
     "   'maxduration': 30, 'w': 640, 'h': 360, 'protocols': [2, 3, 7], 'placement': 1,"
     "   'companionad': [{'w': 300, 'h': 250}]}, 'bidfloor': 1.234567}],"
     " 'site': {'id': 'site-7', 'domain': 'news.example', 'page': 'https://news.example/video/42'},"
     " 'device': {'ip': '81.2.69.142', 'geo': {'lat': 48.8606, 'lon': 2.3376, 'type': 1,"
     "   'accuracy': 10}, 'devicetype': 2, 'os': 'macOS'}}",
     0, NULL},
    {"declared-country",
     "{'id': 'declared-fr', 'cur': ['EUR'], 'imp': [{'id': '1', 'banner': {'w': 300, 'h': 250}}],"
     " 'site': {'domain': 'meteo.example', 'cat': ['IAB15']},"
     " 'device': {'geo': {'country': 'FRA', 'type': 3}, 'devicetype': 4, 'os': 'iOS'}}",
     1, "france-phones"},
    {"no-geo",
     "{'id': 'no-geo-1', 'cur': ['EUR'], 'imp': [{'id': '1', 'banner': {'w': 300, 'h': 250}}],"
     " 'site': {'domain': 'blog.example'},"
     " 'device': {'devicetype': 4, 'os': 'iOS', 'ua': 'Mozilla/5.0'}}",
     0, NULL},
    {"multi-imp-floors",
     "{'id': 'multi-imp', 'at': 2, 'cur': ['EUR'],"
     " 'imp': [{'id': 'a', 'banner': {'w': 300, 'h': 250}, 'bidfloor': 3, 'bidfloorcur': 'EUR'},"
     "   {'id': 'b', 'banner': {'format': [{'w': 320, 'h': 50}]}, 'bidfloor': 1,"
     "    'bidfloorcur': 'EUR'},"
     "   {'id': 'c', 'banner': {'w': 300, 'h': 250}, 'bidfloor': 1, 'bidfloorcur': 'USD'},"
     "   {'id': 'd', 'banner': {'w': 728, 'h': 90}},"
     "   {'id': 'e', 'banner': {'w': 300, 'h': 250}, 'secure': 1}],"
     " 'site': {'id': 's-1', 'domain': 'louvre-quartier.example'},"
     " 'device': {'ip': '81.2.69.142', 'geo': {'lat': 48.8608, 'lon': 2.3379, 'type': 1,"
     "   'accuracy': 15, 'country': 'FRA'}, 'devicetype': 2, 'os': 'Windows'}}",
     2, "paris-city"},
    {"bcat-blocks-cafe",
     "{'id': 'bcat-1', 'cur': ['EUR'], 'bcat': ['IAB8'], 'badv': ['city.example'],"
     " 'imp': [{'id': '1', 'banner': {'w': 300, 'h': 250}}], 'site': {'domain': 'news.example'},"
     " 'device': {'geo': {'lat': 48.861, 'lon': 2.338, 'type': 1, 'accuracy': 20,"
     "   'country': 'FRA'}, 'devicetype': 4, 'os': 'iOS'}}",
     1, "france-phones"},
    {"user-geo-declared",
     "{'id': 'user-geo-1', 'cur': ['EUR'],"
     " 'imp': [{'id': '1', 'banner': {'format': [{'w': 300, 'h': 250}, {'w': 320, 'h': 50}]}}],"
     " 'app': {'id': 'app-9', 'bundle': 'com.example.maps'},"
     " 'device': {'devicetype': 5, 'os': 'iPadOS', 'ipv6': '2001:db8::1'},"
     " 'user': {'id': 'u-9', 'yob': 1985, 'geo': {'lat': 48.8606, 'lon': 2.3376, 'type': 3,"
     "   'country': 'FRA', 'city': 'Paris'}}}",
     1, "paris-city"},
    {"usd-only",
     "{'id': 'usd-only', 'cur': ['USD'], 'imp': [{'id': '1', 'banner': {'w': 300, 'h': 250}}],"
     " 'site': {'domain': 'news.example'},"
     " 'device': {'geo': {'lat': 48.8606, 'lon': 2.3376, 'type': 1, 'accuracy': 5},"
     "   'devicetype': 4, 'os': 'iOS'}}",
     0, NULL},
};

static void compare_slice_lists(const struct slice_list *json, const struct slice_list *pb)
{
    ck_assert_same_int(json->count, pb->count);
    for (size_t i = 0; i < json->count; i++)
        ck_assert_same_slice(json->items[i], pb->items[i]);
}

static void compare_geo(const struct openrtb_geo *json, const struct openrtb_geo *pb)
{
    ck_assert_same_int(json->present, pb->present);
    ck_assert_same_int(json->has_point, pb->has_point);
    ck_assert_msg(json->lat == pb->lat && json->lon == pb->lon, "geo point differs");
    ck_assert_same_int(json->type, pb->type);
    ck_assert_same_int(json->accuracy_m, pb->accuracy_m);
    ck_assert_same_slice(json->country, pb->country);
    ck_assert_same_slice(json->region, pb->region);
    ck_assert_same_slice(json->city, pb->city);
    ck_assert_same_slice(json->zip, pb->zip);
    ck_assert_same_int(json->has_utcoffset, pb->has_utcoffset);
    ck_assert_same_int(json->utcoffset_min, pb->utcoffset_min);
}

static void compare_imp(const struct imp *json, const struct imp *pb)
{
    ck_assert_same_slice(json->id, pb->id);
    ck_assert_same_slice(json->tagid, pb->tagid);
    ck_assert_same_int(json->has_banner, pb->has_banner);
    ck_assert_same_int(json->banner_w, pb->banner_w);
    ck_assert_same_int(json->banner_h, pb->banner_h);
    ck_assert_same_int(json->format_count, pb->format_count);
    for (size_t i = 0; i < json->format_count; i++) {
        ck_assert_same_int(json->formats[i].w, pb->formats[i].w);
        ck_assert_same_int(json->formats[i].h, pb->formats[i].h);
    }
    ck_assert_same_int(json->has_video, pb->has_video);
    ck_assert_same_int(json->video_w, pb->video_w);
    ck_assert_same_int(json->video_h, pb->video_h);
    ck_assert_same_int(json->has_native, pb->has_native);
    ck_assert_same_int(json->bidfloor_micros, pb->bidfloor_micros);
    ck_assert_same_slice(json->bidfloorcur, pb->bidfloorcur);
    ck_assert_same_int(json->secure, pb->secure);
}

static void compare_inventory(const struct inventory *json, const struct inventory *pb)
{
    ck_assert_same_int(json->kind, pb->kind);
    ck_assert_same_slice(json->id, pb->id);
    ck_assert_same_slice(json->domain, pb->domain);
    ck_assert_same_slice(json->bundle, pb->bundle);
    ck_assert_same_slice(json->page, pb->page);
    compare_slice_lists(&json->cat, &pb->cat);
    compare_slice_lists(&json->content_cat, &pb->content_cat);
    ck_assert_same_slice(json->keywords, pb->keywords);
    ck_assert_same_slice(json->publisher.id, pb->publisher.id);
    ck_assert_same_slice(json->publisher.name, pb->publisher.name);
    ck_assert_same_slice(json->publisher.domain, pb->publisher.domain);
}

static void compare_device(const struct device *json, const struct device *pb)
{
    ck_assert_same_slice(json->ua, pb->ua);
    ck_assert_same_slice(json->ip, pb->ip);
    ck_assert_same_slice(json->ipv6, pb->ipv6);
    compare_geo(&json->geo, &pb->geo);
    ck_assert_same_int(json->devicetype, pb->devicetype);
    ck_assert_same_slice(json->os, pb->os);
    ck_assert_same_slice(json->osv, pb->osv);
    ck_assert_same_slice(json->make, pb->make);
    ck_assert_same_slice(json->model, pb->model);
    ck_assert_same_int(json->connectiontype, pb->connectiontype);
    ck_assert_same_slice(json->ifa, pb->ifa);
    ck_assert_same_int(json->lmt, pb->lmt);
    ck_assert_same_int(json->dnt, pb->dnt);
}

static void compare_user(const struct user *json, const struct user *pb)
{
    ck_assert_same_slice(json->id, pb->id);
    ck_assert_same_slice(json->buyeruid, pb->buyeruid);
    ck_assert_same_int(json->yob, pb->yob);
    ck_assert_same_slice(json->gender, pb->gender);
    ck_assert_same_slice(json->keywords, pb->keywords);
    compare_geo(&json->geo, &pb->geo);
    ck_assert_same_int(json->data_count, pb->data_count);
    for (size_t i = 0; i < json->data_count; i++) {
        const struct user_data *a = &json->data[i], *b = &pb->data[i];
        ck_assert_same_slice(a->id, b->id);
        ck_assert_same_slice(a->name, b->name);
        ck_assert_same_int(a->segment_count, b->segment_count);
        for (size_t j = 0; j < a->segment_count; j++) {
            ck_assert_same_slice(a->segments[j].id, b->segments[j].id);
            ck_assert_same_slice(a->segments[j].name, b->segments[j].name);
            ck_assert_same_slice(a->segments[j].value, b->segments[j].value);
        }
    }
    ck_assert_same_slice(json->consent, pb->consent);
}

static void compare_regs(const struct regs *json, const struct regs *pb)
{
    ck_assert_same_int(json->coppa, pb->coppa);
    ck_assert_same_int(json->gdpr, pb->gdpr);
    ck_assert_same_slice(json->us_privacy, pb->us_privacy);
    ck_assert_same_slice(json->gpp, pb->gpp);
    ck_assert_same_int(json->gpp_sid_count, pb->gpp_sid_count);
    for (size_t i = 0; i < json->gpp_sid_count; i++)
        ck_assert_same_int(json->gpp_sid[i], pb->gpp_sid[i]);
}

/* Every field of struct bid_request: both formats carry them all. */
static void compare_requests(const struct bid_request *json, const struct bid_request *pb)
{
    ck_assert_same_slice(json->id, pb->id);
    ck_assert_same_int(json->tmax_ms, pb->tmax_ms);
    ck_assert_same_int(json->auction_type, pb->auction_type);
    compare_slice_lists(&json->cur, &pb->cur);
    compare_slice_lists(&json->bcat, &pb->bcat);
    compare_slice_lists(&json->badv, &pb->badv);
    ck_assert_same_int(json->imp_count, pb->imp_count);
    for (size_t i = 0; i < json->imp_count; i++)
        compare_imp(&json->imps[i], &pb->imps[i]);
    compare_inventory(&json->inventory, &pb->inventory);
    compare_device(&json->device, &pb->device);
    compare_user(&json->user, &pb->user);
    compare_regs(&json->regs, &pb->regs);
    ck_assert_same_slice(json->source_tid, pb->source_tid);
}

/* The campaigns and the GeoIP database the decisions are taken with. */
static struct snapshot *snapshot;
static struct geo_db *geo_db;
static struct geo_resolver resolver;

static void bidder_setup(void)
{
    setup();
    struct campaign_set set;
    ck_assert_msg(campaign_set_load_file(&set, "tests/fixtures/campaigns.json", &err) == 0,
                  "%s", err.message);
    snapshot = snapshot_build(&set);
    char *path = test_fixture_path("geoip2-city.mmdb");
    geo_db = geo_db_open(path, &err);
    ck_assert_msg(geo_db != NULL, "%s", err.message);
    free(path);
    resolver = (struct geo_resolver){&geo_db, 1};
}

static void bidder_teardown(void)
{
    geo_db_close(geo_db);
    snapshot_free(snapshot);
    teardown();
}

/* Decides on req as bidder_handle() does after decoding: the privacy stage, then the
 * location, then the decision. */
static size_t decide(struct bid_request *req, struct bid_response *response)
{
    struct bidder bidder = {.snapshot = snapshot, .geo = &resolver};
    struct bid_context context = {.request = req};
    context.permissions = privacy_apply(&bidder.privacy, req, &arena);
    geo_resolve(&resolver, req, true, &context.location);
    return bidder_decide(&bidder, &context, &arena, response);
}

static void compare_decisions(const struct bid_response *json, const struct bid_response *pb)
{
    ck_assert_same_int(json->bid_count, pb->bid_count);
    ck_assert_same_slice(json->cur, pb->cur);
    for (size_t i = 0; i < json->bid_count; i++) {
        const struct bid *a = &json->bids[i], *b = &pb->bids[i];
        ck_assert_same_slice(a->imp->id, b->imp->id);
        ck_assert_same_int(a->price_micros, b->price_micros);
        ck_assert_same_slice(a->creative->id, b->creative->id);
        ck_assert_same_slice(a->campaign->id, b->campaign->id);
    }
}

/* The protobuf response body of the whole pipeline holds the decided bids. */
static void check_encoded_bids(const struct outbuf *body, const struct bid_response *decided)
{
    pb_response *response =
        com__google__openrtb__bid_response__unpack(NULL, body->len, (uint8_t *)body->data);
    ck_assert_ptr_nonnull(response);
    ck_assert_uint_eq(response->n_seatbid, 1);
    ck_assert_uint_eq(response->seatbid[0]->n_bid, decided->bid_count);
    for (size_t i = 0; i < decided->bid_count; i++) {
        const pb_bid *bid = response->seatbid[0]->bid[i];
        const struct bid *want = &decided->bids[i];
        ck_assert_slice_eq(bid_response_bid_id(want, &arena), bid->id);
        ck_assert_slice_eq(want->imp->id, bid->impid);
        ck_assert_int_eq(llround(bid->price * 1e6), want->price_micros);
        ck_assert_slice_eq(want->creative->id, bid->crid);
        ck_assert_slice_eq(want->campaign->id, bid->cid);
    }
    com__google__openrtb__bid_response__free_unpacked(response, NULL);
}

START_TEST(test_golden_json_and_protobuf_decide_alike)
{
    const struct golden_case *c = &golden_cases[_i];
    const char *json = test_dq(&arena, c->json);
    struct bid_request json_request, pb_request;
    ck_assert_msg(openrtb_json_decode(json, strlen(json), &arena, &json_request, &err) == 0,
                  "%s (JSON): %s", c->fixture, err.message);
    size_t len;
    const char *pb = fixture(c->fixture, &len);
    ck_assert_msg(openrtb_pb_decode(pb, len, &arena, &pb_request, &err) == 0,
                  "%s (protobuf): %s", c->fixture, err.message);
    compare_requests(&json_request, &pb_request);

    struct bid_response json_decided, pb_decided;
    ck_assert_uint_eq(decide(&json_request, &json_decided), c->bids);
    ck_assert_uint_eq(decide(&pb_request, &pb_decided), c->bids);
    compare_decisions(&json_decided, &pb_decided);
    if (c->first_campaign != NULL)
        ck_assert_slice_eq(pb_decided.bids[0].campaign->id, c->first_campaign);

    struct bidder bidder = {.snapshot = snapshot, .geo = &resolver};
    struct outbuf json_body, pb_body;
    enum bid_outcome json_outcome = bidder_handle(&bidder, &openrtb_json_codec, json,
                                                  strlen(json), &arena, &json_body, &err);
    enum bid_outcome pb_outcome =
        bidder_handle(&bidder, &openrtb_pb_codec, pb, len, &arena, &pb_body, &err);
    ck_assert_int_eq(pb_outcome, json_outcome);
    ck_assert_int_eq(pb_outcome, c->bids > 0 ? BID_OUTCOME_BID : BID_OUTCOME_NO_BID);
    if (pb_outcome == BID_OUTCOME_BID)
        check_encoded_bids(&pb_body, &pb_decided);
}
END_TEST

/* ---- decode ------------------------------------------------------------------ */

/* Hand-encoded protobuf: {id: "r", imp {id: "1"}}. Bytes are split into separate
 * literals where a hex escape would otherwise swallow the next character. */
#define MINIMAL "\x0a\x01r\x12\x03\x0a\x01" "1"
#define BYTES(literal) literal, sizeof(literal) - 1

static int decode_bytes(const char *bytes, size_t len)
{
    return openrtb_pb_decode(bytes, len, &arena, &request, &err);
}

/* ck_assert_decodes(bytes, len) */
#define ck_assert_decodes(...) \
    ck_assert_msg(decode_bytes(__VA_ARGS__) == 0, "decode failed: %s", err.message)

START_TEST(test_site_request_values)
{
    size_t len;
    const char *pb = fixture("site-banner-gps", &len);
    ck_assert_decodes(pb, len);
    ck_assert_slice_eq(request.id, "c0ffee00-site-gps");
    ck_assert_int_eq(request.auction_type, 1);
    ck_assert_int_eq(request.tmax_ms, 120);
    ck_assert_uint_eq(request.imp_count, 1);
    const struct imp *imp = &request.imps[0];
    ck_assert_uint_eq(imp->format_count, 2);
    ck_assert_int_eq(imp->formats[1].w, 320);
    ck_assert_int_eq(imp->formats[1].h, 50);
    ck_assert_int_eq(imp->bidfloor_micros, 500000);
    ck_assert(imp->secure);
    ck_assert_int_eq(request.inventory.kind, INVENTORY_SITE);
    ck_assert_slice_eq(request.inventory.publisher.name, "Vélo Paris Média");
    const struct device *device = &request.device;
    ck_assert(device->geo.has_point);
    ck_assert_double_eq(device->geo.lat, 48.861);
    ck_assert_double_eq(device->geo.lon, 2.338);
    ck_assert_int_eq(device->geo.type, OPENRTB_LOCATION_GPS);
    ck_assert_int_eq(device->geo.accuracy_m, 20);
    ck_assert_int_eq(device->geo.utcoffset_min, 120);
    ck_assert_int_eq(device->devicetype, 4);
    ck_assert_int_eq(device->connectiontype, 2);
    ck_assert_int_eq(device->lmt, 0);
    ck_assert_int_eq(device->dnt, 0);
    ck_assert_slice_eq(request.user.data[0].segments[0].name, "ethical-fashion");
    ck_assert_slice_eq(request.user.consent, "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");
    ck_assert_int_eq(request.regs.coppa, 0);
    ck_assert_int_eq(request.regs.gdpr, 1);
    ck_assert_uint_eq(request.regs.gpp_sid_count, 2);
    ck_assert_int_eq(request.regs.gpp_sid[1], 6);
    ck_assert_slice_eq(request.source_tid, "f9a1c2d4-0b2e-4c55-9b7e-3c1e2f4a5b6c");
}
END_TEST

/* Absent fields take the same values as in JSON: -1 sentinels, at = 2, nothing else. */
START_TEST(test_minimal_request_defaults)
{
    ck_assert_decodes(BYTES(MINIMAL));
    ck_assert_slice_eq(request.id, "r");
    ck_assert_int_eq(request.auction_type, 2);
    ck_assert_int_eq(request.tmax_ms, 0);
    ck_assert_uint_eq(request.cur.count, 0);
    ck_assert_uint_eq(request.imp_count, 1);
    ck_assert_slice_eq(request.imps[0].id, "1");
    ck_assert(!request.imps[0].has_banner && !request.imps[0].has_video);
    ck_assert(!request.imps[0].has_native && !request.imps[0].secure);
    ck_assert_int_eq(request.imps[0].bidfloor_micros, 0);
    ck_assert_uint_eq(request.imps[0].bidfloorcur.len, 0);
    ck_assert_int_eq(request.inventory.kind, INVENTORY_NONE);
    ck_assert_int_eq(request.device.devicetype, -1);
    ck_assert_int_eq(request.device.connectiontype, -1);
    ck_assert_int_eq(request.device.lmt, -1);
    ck_assert_int_eq(request.device.dnt, -1);
    ck_assert(!request.device.geo.present && !request.device.geo.has_point);
    ck_assert_int_eq(request.device.geo.accuracy_m, -1);
    ck_assert_int_eq(request.user.yob, -1);
    ck_assert_int_eq(request.regs.coppa, -1);
    ck_assert_int_eq(request.regs.gdpr, -1);
    ck_assert_uint_eq(request.regs.gpp_sid_count, 0);
}
END_TEST

/* Strings are protobuf-c's NUL-terminated copies in the arena, not views of the input. */
START_TEST(test_strings_are_arena_copies)
{
    const char bytes[] = MINIMAL;
    ck_assert_decodes(bytes, sizeof(bytes) - 1);
    uintptr_t id = (uintptr_t)request.id.ptr, input = (uintptr_t)bytes;
    ck_assert(id + request.id.len <= input || id >= input + sizeof(bytes));
    ck_assert_int_eq(request.id.ptr[request.id.len], '\0');
}
END_TEST

/* After the arena has grown once, decoding again takes nothing from the heap: every
 * allocation of protobuf-c goes to the arena. (Under ASan mallinfo2() does not see
 * ASan's heap and this only checks that nothing crashes.) */
START_TEST(test_decode_does_not_grow_the_heap)
{
    size_t len;
    const char *pb = fixture("site-banner-gps", &len);
    ck_assert_decodes(pb, len);
    struct arena warm;
    arena_init(&warm, 1 << 16);
    ck_assert_int_eq(openrtb_pb_decode(pb, len, &warm, &request, &err), 0);
    arena_reset(&warm);
    size_t before = mallinfo2().uordblks;
    ck_assert_int_eq(openrtb_pb_decode(pb, len, &warm, &request, &err), 0);
    size_t after = mallinfo2().uordblks;
    arena_free(&warm);
    ck_assert_uint_eq(after, before);
}
END_TEST

/* Bytes that must decode, and what they must decode to. */
struct accepted_case {
    const char *name;
    const char *bytes;
    size_t len;
    void (*check)(void);
};

static void check_minimal(void)
{
    ck_assert_slice_eq(request.id, "r");
    ck_assert_uint_eq(request.imp_count, 1);
    ck_assert_slice_eq(request.imps[0].id, "1");
}

static void check_gpp_sid_2_6(void)
{
    check_minimal();
    ck_assert_uint_eq(request.regs.gpp_sid_count, 2);
    ck_assert_int_eq(request.regs.gpp_sid[0], 2);
    ck_assert_int_eq(request.regs.gpp_sid[1], 6);
}

static void check_devices_merged(void)
{
    ck_assert_slice_eq(request.device.ip, "a");
    ck_assert_slice_eq(request.device.os, "b");
}

static void check_last_tmax_wins(void)
{
    ck_assert_int_eq(request.tmax_ms, 7);
}

static void check_nonzero_bools_are_true(void)
{
    ck_assert_int_eq(request.device.dnt, 1);
    ck_assert_int_eq(request.device.lmt, 0);
}

static void check_geo_out_of_range(void)
{
    ck_assert(request.device.geo.present);
    ck_assert(!request.device.geo.has_point);
    ck_assert_double_eq(request.device.geo.lat, 0);
    ck_assert(!request.user.geo.has_point); /* lat sent without lon */
}

/* device.geo.utcoffset at the bound (18 hours) is kept, user.geo's beyond it dropped. */
static void check_utcoffset_east(void)
{
    ck_assert(request.device.geo.has_utcoffset);
    ck_assert_int_eq(request.device.geo.utcoffset_min, 1080);
    ck_assert(request.user.geo.present && !request.user.geo.has_utcoffset);
    ck_assert_int_eq(request.user.geo.utcoffset_min, 0);
}

static void check_utcoffset_west(void)
{
    ck_assert(request.device.geo.has_utcoffset);
    ck_assert_int_eq(request.device.geo.utcoffset_min, -1080);
    ck_assert(request.user.geo.present && !request.user.geo.has_utcoffset);
    ck_assert_int_eq(request.user.geo.utcoffset_min, 0);
}

static void check_unknown_in_imp(void)
{
    check_minimal();
    ck_assert_int_eq(request.imps[0].bidfloor_micros, 1500000);
}

static const struct accepted_case accepted_cases[] = {
    {"unknown varint field 5000", BYTES(MINIMAL "\xc0\xb8\x02\x01"), check_minimal},
    {"extension 200, fixed64", BYTES(MINIMAL "\xc1\x0c" "12345678"), check_minimal},
    {"IAB ext 99, length-delimited", BYTES(MINIMAL "\x9a\x06\x03" "abc"), check_minimal},
    {"unknown fixed32 field 300", BYTES(MINIMAL "\xe5\x12" "abcd"), check_minimal},
    {"unknown fields first", BYTES("\x9a\x06\x02\x08\x01" MINIMAL), check_minimal},
    {"extension inside imp", BYTES("\x0a\x01r\x12\x16\x0a\x01" "1" "\xca\x0c\x04gpid"
                                   "\x41\x00\x00\x00\x00\x00\x00\xf8\x3f"
                                   "\x9a\x06\x00"),
     check_unknown_in_imp},
    {"gpp_sid unpacked", BYTES(MINIMAL "\x72\x04\x18\x02\x18\x06"), check_gpp_sid_2_6},
    {"gpp_sid packed", BYTES(MINIMAL "\x72\x04\x1a\x02\x02\x06"), check_gpp_sid_2_6},
    {"gpp_sid packed then unpacked", BYTES(MINIMAL "\x72\x05\x1a\x01\x02\x18\x06"),
     check_gpp_sid_2_6},
    {"device sent twice merges", BYTES(MINIMAL "\x2a\x03\x1a\x01" "a" "\x2a\x03\x72\x01" "b"),
     check_devices_merged},
    {"scalar sent twice: last wins", BYTES(MINIMAL "\x40\x05\x40\x07"), check_last_tmax_wins},
    {"bool varint 2 is true", BYTES(MINIMAL "\x2a\x05\x08\x02\xb8\x01\x00"),
     check_nonzero_bools_are_true},
    {"geo out of range", BYTES(MINIMAL "\x2a\x14\x22\x12\x09\x00\x00\x00\x00\x00\xc0\x56\x40"
                                       "\x11\x00\x00\x00\x00\x00\x00\x00\x40"
                                       "\x32\x0b\x3a\x09\x09\x00\x00\x00\x00\x00\x00\x48\x40"),
     check_geo_out_of_range},
    {"utcoffset 1080 kept, 1081 dropped",
     BYTES(MINIMAL "\x2a\x05\x22\x03\x50\xb8\x08" "\x32\x05\x3a\x03\x50\xb9\x08"),
     check_utcoffset_east},
    {"utcoffset -1080 kept, INT32_MIN dropped",
     BYTES(MINIMAL "\x2a\x0d\x22\x0b\x50\xc8\xf7\xff\xff\xff\xff\xff\xff\xff\x01"
                   "\x32\x0d\x3a\x0b\x50\x80\x80\x80\x80\xf8\xff\xff\xff\xff\x01"),
     check_utcoffset_west},
};

START_TEST(test_accepted_bytes)
{
    const struct accepted_case *c = &accepted_cases[_i];
    ck_assert_msg(decode_bytes(c->bytes, c->len) == 0, "%s: %s", c->name, err.message);
    c->check();
}
END_TEST

/* ---- malformed input ------------------------------------------------------------ */

struct refused_case {
    const char *name;
    const char *bytes;
    size_t len;
    const char *message;
};

static const char malformed[] = "malformed protobuf";

static const struct refused_case refused_cases[] = {
    {"id as a varint", BYTES("\x08\x01\x12\x03\x0a\x01" "1"), malformed},
    {"imp as a varint", BYTES("\x0a\x01r\x10\x01"), malformed},
    {"device.dnt length-delimited", BYTES(MINIMAL "\x2a\x03\x0a\x01x"), malformed},
    {"imp.bidfloor as a varint", BYTES("\x0a\x01r\x12\x05\x0a\x01" "1" "\x40\x01"), malformed},
    {"geo.lat as fixed32", BYTES(MINIMAL "\x2a\x07\x22\x05\x0d" "abcd"), malformed},
    {"absurd length", BYTES("\x0a\xff\xff\xff\xff\x0f"), malformed},
    {"ten-byte length", BYTES("\x0a\xff\xff\xff\xff\xff\xff\xff\xff\x7f"), malformed},
    {"length past the end", BYTES("\x0a\x05r"), malformed},
    {"length past its parent", BYTES("\x0a\x01r\x12\x03\x0a\x05" "1"), malformed},
    {"unterminated varint", BYTES(MINIMAL "\x40\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"),
     malformed},
    {"truncated tag", BYTES(MINIMAL "\x80"), malformed},
    {"truncated fixed64", BYTES(MINIMAL "\xc1\x0c" "1234"), malformed},
    {"truncated fixed32", BYTES(MINIMAL "\xe5\x12\x01\x02"), malformed},
    {"group wire type", BYTES(MINIMAL "\x93\x03\x94\x03"), malformed},
    {"wire type 7", BYTES(MINIMAL "\x0f"), malformed},
    {"wire type 6", BYTES(MINIMAL "\x0e"), malformed},
    {"empty input", BYTES(""), "id: required"},
    {"missing id", BYTES("\x12\x03\x0a\x01" "1"), "id: required"},
    {"empty id", BYTES("\x0a\x00\x12\x03\x0a\x01" "1"), "id: required"},
    {"missing imp", BYTES("\x0a\x01r"), "imp: required"},
    {"duplicate imp id", BYTES("\x0a\x01r\x12\x03\x0a\x01" "a" "\x12\x03\x0a\x01" "a"),
     "imp[1].id: duplicate of imp[0]"},
    {"missing id and imp", BYTES("\x40\x05"), "id: required"},
    {"imp without id", BYTES("\x0a\x01r\x12\x00"), "imp[0].id: required"},
    {"second imp without id", BYTES(MINIMAL "\x12\x02\x12\x00"), "imp[1].id: required"},
    {"imp without id, request without id", BYTES("\x12\x00"), "imp[0].id: required"},
    {"negative bidfloor",
     BYTES("\x0a\x01r\x12\x0c\x0a\x01" "1" "\x41\x00\x00\x00\x00\x00\x00\xe0\xbf"),
     "imp[0].bidfloor: must not be negative"},
    {"NaN bidfloor", BYTES("\x0a\x01r\x12\x0c\x0a\x01" "1" "\x41\x00\x00\x00\x00\x00\x00\xf8\x7f"),
     "imp[0].bidfloor: out of range"},
    {"bidfloor 1e13", BYTES("\x0a\x01r\x12\x0c\x0a\x01" "1" "\x41\x00\x00\x40\xe5\x9c\x30\xa2\x42"),
     "imp[0].bidfloor: out of range"},
    {"site and app", BYTES(MINIMAL "\x1a\x00\x22\x00"),
     "app: a request has either site or app, not both"},
};

START_TEST(test_refused_bytes)
{
    const struct refused_case *c = &refused_cases[_i];
    struct test_guarded guarded = test_guarded_alloc(c->len);
    const char *bytes = test_guarded_place(&guarded, c->bytes, c->len);
    ck_assert_msg(decode_bytes(bytes, c->len) == -1, "%s: accepted", c->name);
    ck_assert_msg(strcmp(err.message, c->message) == 0, "%s: \"%s\", expected \"%s\"", c->name,
                  err.message, c->message);
    test_guarded_free(&guarded);
}
END_TEST

/* Every prefix of a real request, ending right before a guard page. A prefix that ends
 * on a field boundary after the imp is a valid shorter request; every other one must
 * be refused with a message. */
START_TEST(test_every_truncation)
{
    size_t len;
    const char *pb = fixture(golden_cases[_i].fixture, &len);
    char *whole = malloc(len); /* outlives the arena resets below */
    memcpy(whole, pb, len);
    struct test_guarded guarded = test_guarded_alloc(len);
    size_t accepted = 0;
    for (size_t cut = 0; cut < len; cut++) {
        const char *bytes = test_guarded_place(&guarded, whole, cut);
        arena_reset(&arena);
        err.message[0] = '\0';
        if (decode_bytes(bytes, cut) == 0) {
            accepted++;
            ck_assert_uint_ge(request.imp_count, 1);
            ck_assert_uint_gt(request.id.len, 0);
            continue;
        }
        ck_assert_msg(strcmp(err.message, malformed) == 0 ||
                          strcmp(err.message, "imp: required") == 0 ||
                          strcmp(err.message, "id: required") == 0,
                      "prefix of %zu bytes: \"%s\"", cut, err.message);
    }
    ck_assert_uint_lt(accepted, len / 4);
    test_guarded_free(&guarded);
    free(whole);
}
END_TEST

/* ---- encode ----------------------------------------------------------------------- */

static struct imp imps[] = {{.id = SLICE_LITERAL("1")}, {.id = SLICE_LITERAL("2")}};

#define NOTICE_URL(kind, macro) "https://b.example/v1/notice/" kind "?c=shoes&" macro

/* The first bid carries notice URLs with their macros; the second carries none. */
static struct bid bids[] = {
    {.imp = &imps[0],
     .campaign = &test_bid_campaigns[0],
     .creative = &test_bid_creatives[0],
     .price_micros = 1500000,
     .nurl = SLICE_LITERAL(NOTICE_URL("win", "price=${AUCTION_PRICE}")),
     .burl = SLICE_LITERAL(NOTICE_URL("bill", "price=${AUCTION_PRICE}")),
     .lurl = SLICE_LITERAL(NOTICE_URL("loss", "reason=${AUCTION_LOSS}"))},
    {.imp = &imps[1],
     .campaign = &test_bid_campaigns[1],
     .creative = &test_bid_creatives[1],
     .price_micros = 2000001},
};

static const struct bid_response two_bids = {SLICE_LITERAL("req-42"), bids, 2,
                                             SLICE_LITERAL("EUR")};

static struct outbuf encode(const struct bid_response *response)
{
    struct outbuf out;
    outbuf_init(&out, &arena, 16);
    openrtb_pb_codec.encode(response, &out);
    return out;
}

static pb_response *unpack(const struct outbuf *out)
{
    pb_response *response =
        com__google__openrtb__bid_response__unpack(NULL, out->len, (const uint8_t *)out->data);
    ck_assert_ptr_nonnull(response);
    return response;
}

START_TEST(test_encode_unpacks_with_every_field)
{
    struct outbuf out = encode(&two_bids);
    pb_response *response = unpack(&out);
    ck_assert_str_eq(response->id, "req-42");
    ck_assert_str_eq(response->bidid, "req-42");
    ck_assert_str_eq(response->cur, "EUR");
    ck_assert_uint_eq(response->n_seatbid, 1);
    ck_assert_str_eq(response->seatbid[0]->seat, "geobid");
    ck_assert_uint_eq(response->seatbid[0]->n_bid, 2);
    const pb_bid *first = response->seatbid[0]->bid[0];
    ck_assert_str_eq(first->id, "1-shoes");
    ck_assert_str_eq(first->impid, "1");
    ck_assert_double_eq(first->price, 1.5);
    ck_assert_str_eq(first->adm, "<a href=\"https://shoes.example/?a=1&b=2\">\\o/</a>\n\t\x01");
    ck_assert_uint_eq(first->n_adomain, 1);
    ck_assert_str_eq(first->adomain[0], "shoes.example");
    ck_assert_str_eq(first->crid, "cr-300x250");
    ck_assert_str_eq(first->cid, "shoes");
    ck_assert(first->has_w && first->has_h);
    ck_assert_int_eq(first->w, 300);
    ck_assert_int_eq(first->h, 250);
    ck_assert_ptr_null(first->iurl);
    ck_assert_uint_eq(first->n_cat, 0);
    ck_assert_str_eq(first->nurl, NOTICE_URL("win", "price=${AUCTION_PRICE}"));
    ck_assert_str_eq(first->burl, NOTICE_URL("bill", "price=${AUCTION_PRICE}"));
    ck_assert_str_eq(first->lurl, NOTICE_URL("loss", "reason=${AUCTION_LOSS}"));
    const pb_bid *second = response->seatbid[0]->bid[1];
    ck_assert_str_eq(second->id, "2-café");
    ck_assert_int_eq(llround(second->price * 1e6), 2000001);
    ck_assert_uint_eq(second->n_adomain, 2);
    ck_assert_str_eq(second->adomain[1], "cafe2.example");
    ck_assert_str_eq(second->iurl, "https://cafe.example/i.png");
    ck_assert_uint_eq(second->n_cat, 1);
    ck_assert_str_eq(second->cat[0], "IAB8");
    ck_assert(second->has_w && second->w == 0);
    ck_assert_ptr_null(second->nurl);
    ck_assert_ptr_null(second->burl);
    ck_assert_ptr_null(second->lurl);
    com__google__openrtb__bid_response__free_unpacked(response, NULL);
}
END_TEST

START_TEST(test_encode_without_bids_or_currency)
{
    struct bid_response empty = {SLICE_LITERAL("r"), NULL, 0, {NULL, 0}};
    struct outbuf out = encode(&empty);
    pb_response *response = unpack(&out);
    ck_assert_str_eq(response->id, "r");
    ck_assert_str_eq(response->bidid, "r");
    ck_assert_ptr_null(response->cur);
    ck_assert_uint_eq(response->n_seatbid, 0);
    com__google__openrtb__bid_response__free_unpacked(response, NULL);
}
END_TEST

/* Runs `protoc --decode` with the exchange-side schema on bytes; returns its output in
 * a malloc'ed string. */
static char *protoc_decode(const char *bytes, size_t len)
{
    char path[] = "/tmp/geobid-pb-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
    close(fd);
    char command[256];
    snprintf(command, sizeof(command),
             "protoc --proto_path=tests/fixtures/pb --decode=com.google.openrtb.BidResponse "
             "reference.proto < %s",
             path);
    FILE *pipe = popen(command, "r");
    ck_assert_ptr_nonnull(pipe);
    char *text = calloc(1, 8192);
    size_t have = fread(text, 1, 8191, pipe);
    ck_assert_int_eq(pclose(pipe), 0);
    unlink(path);
    text[have] = '\0';
    return text;
}

START_TEST(test_encode_as_protoc_reads_it)
{
    struct outbuf out = encode(&two_bids);
    char *text = protoc_decode(out.data, out.len);
    const char *expected =
        "id: \"req-42\"\n"
        "seatbid {\n"
        "  bid {\n"
        "    id: \"1-shoes\"\n"
        "    impid: \"1\"\n"
        "    price: 1.5\n"
        "    nurl: \"" NOTICE_URL("win", "price=${AUCTION_PRICE}") "\"\n"
        "    adm: \"<a href=\\\"https://shoes.example/?a=1&b=2\\\">\\\\o/</a>\\n\\t\\001\"\n"
        "    adomain: \"shoes.example\"\n"
        "    cid: \"shoes\"\n"
        "    crid: \"cr-300x250\"\n"
        "    w: 300\n"
        "    h: 250\n"
        "    burl: \"" NOTICE_URL("bill", "price=${AUCTION_PRICE}") "\"\n"
        "    lurl: \"" NOTICE_URL("loss", "reason=${AUCTION_LOSS}") "\"\n"
        "  }\n"
        "  bid {\n"
        "    id: \"2-caf\\303\\251\"\n"
        "    impid: \"2\"\n"
        "    price: 2.000001\n"
        "    adm: \"{\\\"native\\\":{}}\"\n"
        "    adomain: \"cafe.example\"\n"
        "    adomain: \"cafe2.example\"\n"
        "    iurl: \"https://cafe.example/i.png\"\n"
        "    cid: \"caf\\303\\251\"\n"
        "    crid: \"cr-native\"\n"
        "    cat: \"IAB8\"\n"
        "    w: 0\n"
        "    h: 0\n"
        "  }\n"
        "  seat: \"geobid\"\n"
        "}\n"
        "bidid: \"req-42\"\n"
        "cur: \"EUR\"\n";
    ck_assert_str_eq(text, expected);
    free(text);
}
END_TEST

START_TEST(test_codec_vtable)
{
    ck_assert_decodes(BYTES(MINIMAL));
    ck_assert_int_eq(openrtb_pb_codec.decode(BYTES(MINIMAL), &arena, &request, &err), 0);
    ck_assert_ptr_eq(openrtb_pb_codec.encode, openrtb_pb_encode);
}
END_TEST

Suite *openrtb_pb_suite(void)
{
    Suite *suite = suite_create("openrtb_pb");
    TCase *golden = tcase_create("golden");
    tcase_add_checked_fixture(golden, bidder_setup, bidder_teardown);
    tcase_add_loop_test(golden, test_golden_json_and_protobuf_decide_alike, 0,
                        sizeof(golden_cases) / sizeof(golden_cases[0]));
    suite_add_tcase(suite, golden);

    TCase *decode_case = tcase_create("decode");
    tcase_add_checked_fixture(decode_case, setup, teardown);
    tcase_add_test(decode_case, test_site_request_values);
    tcase_add_test(decode_case, test_minimal_request_defaults);
    tcase_add_test(decode_case, test_strings_are_arena_copies);
    tcase_add_test(decode_case, test_decode_does_not_grow_the_heap);
    tcase_add_loop_test(decode_case, test_accepted_bytes, 0,
                        sizeof(accepted_cases) / sizeof(accepted_cases[0]));
    tcase_add_test(decode_case, test_codec_vtable);
    suite_add_tcase(suite, decode_case);

    TCase *malformed_case = tcase_create("malformed");
    tcase_add_checked_fixture(malformed_case, setup, teardown);
    tcase_set_timeout(malformed_case, 30);
    tcase_add_loop_test(malformed_case, test_refused_bytes, 0,
                        sizeof(refused_cases) / sizeof(refused_cases[0]));
    tcase_add_loop_test(malformed_case, test_every_truncation, 0,
                        sizeof(golden_cases) / sizeof(golden_cases[0]));
    suite_add_tcase(suite, malformed_case);

    TCase *encode_case = tcase_create("encode");
    tcase_add_checked_fixture(encode_case, setup, teardown);
    tcase_add_test(encode_case, test_encode_unpacks_with_every_field);
    tcase_add_test(encode_case, test_encode_without_bids_or_currency);
    tcase_add_test(encode_case, test_encode_as_protoc_reads_it);
    suite_add_tcase(suite, encode_case);
    return suite;
}
