/* Tests of src/openrtb_json.c: decoding of realistic OpenRTB 2.6 requests, every error
 * message, the privacy ext placements, escapes, bidfloor rounding, the encoder (parsed
 * back with json_parse), and over-read checks with inputs that end at a guard page.
 *
 * JSON in this file is written with ' for " so it stays readable; test_dq() swaps them
 * back before decoding (the inputs hold no apostrophes of their own). */
#include "geobid/openrtb_json.h"

#include "geobid/campaign.h"
#include "geobid/json.h"
#include "test_support.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* Decodes the ' -quoted JSON text into the global request. */
static int decode(const char *text)
{
    const char *json = test_dq(&arena, text);
    return openrtb_json_decode(json, strlen(json), &arena, &request, &err);
}

#define ck_assert_slice_eq(actual, expected)                                                \
    do {                                                                                   \
        struct slice actual_ = (actual);                                                   \
        ck_assert_msg(slice_eq_cstr(actual_, (expected)), "%s is \"%.*s\", expected \"%s\"", \
                      #actual, (int)actual_.len, actual_.ptr ? actual_.ptr : "", (expected));  \
    } while (0)

#define ck_assert_decodes(text)                                                             \
    ck_assert_msg(decode(text) == 0, "decode failed: %s", err.message)

/* ---- realistic requests -------------------------------------------------- */

/* An OpenRTB 2.6 web request: GPS geo, banner with formats and a video imp, 2.6 consent
 * placements, unknown members (pos, ext, mimes, fd...) along the way. */
static const char site_request[] =
    "{\n"
    "  'id': '80ce30c53c16e6ede735f123ef6e32361bfc7b22',\n"
    "  'at': 1,\n"
    "  'tmax': 120,\n"
    "  'cur': ['EUR', 'USD'],\n"
    "  'bcat': ['IAB25', 'IAB26', 'IAB7-39'],\n"
    "  'badv': ['competitor.example', 'casino.example'],\n"
    "  'imp': [\n"
    "    {\n"
    "      'id': '1',\n"
    "      'tagid': 'homepage-top',\n"
    "      'banner': {'w': 300, 'h': 250, 'format': [{'w': 300, 'h': 250}, {'w': 320, 'h': 50}], 'pos': 1},\n"
    "      'bidfloor': 0.5,\n"
    "      'bidfloorcur': 'EUR',\n"
    "      'secure': 1,\n"
    "      'ext': {'gpid': '/1234/home#top'}\n"
    "    },\n"
    "    {\n"
    "      'id': '2',\n"
    "      'video': {'mimes': ['video/mp4'], 'w': 640, 'h': 360, 'minduration': 5, 'maxduration': 30},\n"
    "      'bidfloor': 1.234567,\n"
    "      'secure': 0\n"
    "    }\n"
    "  ],\n"
    "  'site': {\n"
    "    'id': 'site-102855',\n"
    "    'domain': 'velo-paris.example',\n"
    "    'page': 'https://velo-paris.example/blog/velos-electriques?utm=1',\n"
    "    'cat': ['IAB2', 'IAB19'],\n"
    "    'content': {'id': 'article-7', 'cat': ['IAB2-1', 'IAB18'], 'keywords': 'ignored'},\n"
    "    'keywords': 'vélo,électrique,paris',\n"
    "    'publisher': {'id': 'pub-8953', 'name': 'Vélo Paris Média', 'domain': 'velo-paris.example'}\n"
    "  },\n"
    "  'device': {\n"
    "    'ua': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',\n"
    "    'ip': '81.2.69.142',\n"
    "    'ipv6': '2a01:e0a:1f3::1',\n"
    "    'geo': {'lat': 48.8566, 'lon': 2.3522, 'type': 1, 'accuracy': 20, 'country': 'FRA', 'region': 'IDF', 'city': 'Paris', 'zip': '75004', 'utcoffset': 120},\n"
    "    'devicetype': 4,\n"
    "    'make': 'Apple',\n"
    "    'model': 'iPhone',\n"
    "    'os': 'iOS',\n"
    "    'osv': '17.4',\n"
    "    'connectiontype': 2,\n"
    "    'ifa': '6D92078A-8246-4BA4-AE5B-76104861E7DC',\n"
    "    'lmt': 0,\n"
    "    'dnt': 0\n"
    "  },\n"
    "  'user': {\n"
    "    'id': 'u-55816b39711f9b5acf3b90e313ed29e51665623f',\n"
    "    'buyeruid': 'gb-7f3a9c',\n"
    "    'yob': 1991,\n"
    "    'gender': 'F',\n"
    "    'keywords': 'mode,éthique',\n"
    "    'geo': {'lat': 48.85, 'lon': 2.35, 'type': 3, 'country': 'FRA'},\n"
    "    'data': [\n"
    "      {'id': 'dmp-1', 'name': 'geobid-dmp', 'segment': [{'id': 's1', 'name': 'ethical-fashion', 'value': '30d'}, {'id': 's2'}]}\n"
    "    ],\n"
    "    'consent': 'CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA'\n"
    "  },\n"
    "  'regs': {'coppa': 0, 'gdpr': 1, 'us_privacy': '1---', 'gpp': 'DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA', 'gpp_sid': [2, 6]},\n"
    "  'source': {'tid': 'f9a1c2d4-0b2e-4c55-9b7e-3c1e2f4a5b6c', 'fd': 1}\n"
    "}"
;

/* An OpenRTB 2.5-style app request: native + banner, IP-only geo, consent in user.ext
 * and regs.ext, boolean flags, deep unknown objects (sua, eids, schain). */
static const char app_request[] =
    "{\n"
    "  'id': 'a7c1f0e2-app-req',\n"
    "  'tmax': 250,\n"
    "  'imp': [\n"
    "    {\n"
    "      'id': 'imp-1',\n"
    "      'tagid': 'interstitial',\n"
    "      'instl': 1,\n"
    "      'banner': {'format': [{'w': 320, 'h': 480}, {'w': 480, 'h': 320}], 'api': [3, 5]},\n"
    "      'native': {'request': '{\\'ver\\':\\'1.2\\',\\'assets\\':[{\\'id\\':1,\\'title\\':{\\'len\\':90}}]}', 'ver': '1.2'},\n"
    "      'bidfloor': 2,\n"
    "      'bidfloorcur': 'USD'\n"
    "    }\n"
    "  ],\n"
    "  'app': {\n"
    "    'id': 'app-4471',\n"
    "    'name': 'Café Finder',\n"
    "    'bundle': 'com.example.cafefinder',\n"
    "    'domain': 'cafefinder.example',\n"
    "    'storeurl': 'https://play.google.com/store/apps/details?id=com.example.cafefinder',\n"
    "    'cat': ['IAB8', 'IAB8-9'],\n"
    "    'keywords': 'coffee,café,lyon',\n"
    "    'publisher': {'id': 'pub-77', 'name': 'Example Apps SAS', 'domain': 'example-apps.example'}\n"
    "  },\n"
    "  'device': {\n"
    "    'ua': 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/123.0.0.0 Mobile Safari/537.36',\n"
    "    'ip': '89.160.20.112',\n"
    "    'geo': {'country': 'SWE', 'type': 2, 'city': 'Linköping'},\n"
    "    'devicetype': 1,\n"
    "    'make': 'Google',\n"
    "    'model': 'Pixel 8',\n"
    "    'os': 'Android',\n"
    "    'osv': '14',\n"
    "    'connectiontype': 6,\n"
    "    'ifa': 'b3c1a0d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d',\n"
    "    'lmt': true,\n"
    "    'dnt': false,\n"
    "    'sua': {'browsers': [{'brand': 'Chromium', 'version': ['123']}], 'mobile': 1}\n"
    "  },\n"
    "  'user': {\n"
    "    'buyeruid': 'gb-1234',\n"
    "    'ext': {'consent': 'CQ1AAEAQ1AAEAAKA1AENBKFgAAAAAAAAAAYgAAAAAAAA', 'eids': [{'source': 'id5-sync.com', 'uids': [{'id': 'ID5*xyz'}]}]}\n"
    "  },\n"
    "  'regs': {'coppa': 1, 'ext': {'gdpr': 1, 'us_privacy': '1YNN'}},\n"
    "  'source': {'ext': {'schain': {'ver': '1.0', 'complete': 1, 'nodes': [{'asi': 'exchange.example', 'sid': '1', 'hp': 1}]}}}\n"
    "}"
;

START_TEST(test_site_request_every_field)
{
    ck_assert_decodes(site_request);
    ck_assert_slice_eq(request.id, "80ce30c53c16e6ede735f123ef6e32361bfc7b22");
    ck_assert_int_eq(request.auction_type, 1);
    ck_assert_int_eq(request.tmax_ms, 120);
    ck_assert_uint_eq(request.cur.count, 2);
    ck_assert_slice_eq(request.cur.items[0], "EUR");
    ck_assert_slice_eq(request.cur.items[1], "USD");
    ck_assert_uint_eq(request.bcat.count, 3);
    ck_assert_slice_eq(request.bcat.items[2], "IAB7-39");
    ck_assert_uint_eq(request.badv.count, 2);
    ck_assert_slice_eq(request.badv.items[1], "casino.example");

    ck_assert_uint_eq(request.imp_count, 2);
    const struct imp *banner = &request.imps[0];
    ck_assert_slice_eq(banner->id, "1");
    ck_assert_slice_eq(banner->tagid, "homepage-top");
    ck_assert(banner->has_banner);
    ck_assert(!banner->has_video);
    ck_assert(!banner->has_native);
    ck_assert_int_eq(banner->banner_w, 300);
    ck_assert_int_eq(banner->banner_h, 250);
    ck_assert_uint_eq(banner->format_count, 2);
    ck_assert_int_eq(banner->formats[0].w, 300);
    ck_assert_int_eq(banner->formats[0].h, 250);
    ck_assert_int_eq(banner->formats[1].w, 320);
    ck_assert_int_eq(banner->formats[1].h, 50);
    ck_assert_int_eq(banner->bidfloor_micros, 500000);
    ck_assert_slice_eq(banner->bidfloorcur, "EUR");
    ck_assert(banner->secure);
    const struct imp *video = &request.imps[1];
    ck_assert_slice_eq(video->id, "2");
    ck_assert(!video->has_banner);
    ck_assert(video->has_video);
    ck_assert_int_eq(video->video_w, 640);
    ck_assert_int_eq(video->video_h, 360);
    ck_assert_uint_eq(video->format_count, 0);
    ck_assert_int_eq(video->bidfloor_micros, 1234567);
    ck_assert_uint_eq(video->bidfloorcur.len, 0);
    ck_assert(!video->secure);

    const struct inventory *site = &request.inventory;
    ck_assert_int_eq(site->kind, INVENTORY_SITE);
    ck_assert_slice_eq(site->id, "site-102855");
    ck_assert_slice_eq(site->domain, "velo-paris.example");
    ck_assert_slice_eq(site->page, "https://velo-paris.example/blog/velos-electriques?utm=1");
    ck_assert_uint_eq(site->bundle.len, 0);
    ck_assert_uint_eq(site->cat.count, 2);
    ck_assert_slice_eq(site->cat.items[0], "IAB2");
    ck_assert_slice_eq(site->cat.items[1], "IAB19");
    ck_assert_uint_eq(site->content_cat.count, 2);
    ck_assert_slice_eq(site->content_cat.items[0], "IAB2-1");
    ck_assert_slice_eq(site->content_cat.items[1], "IAB18");
    ck_assert_slice_eq(site->keywords, "vélo,électrique,paris");
    ck_assert_slice_eq(site->publisher.id, "pub-8953");
    ck_assert_slice_eq(site->publisher.name, "Vélo Paris Média");
    ck_assert_slice_eq(site->publisher.domain, "velo-paris.example");

    const struct device *device = &request.device;
    ck_assert_slice_eq(device->ua, "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) "
                                   "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 "
                                   "Mobile/15E148 Safari/604.1");
    ck_assert_slice_eq(device->ip, "81.2.69.142");
    ck_assert_slice_eq(device->ipv6, "2a01:e0a:1f3::1");
    ck_assert(device->geo.present);
    ck_assert(device->geo.has_point);
    ck_assert_double_eq(device->geo.lat, 48.8566);
    ck_assert_double_eq(device->geo.lon, 2.3522);
    ck_assert_int_eq(device->geo.type, OPENRTB_LOCATION_GPS);
    ck_assert_int_eq(device->geo.accuracy_m, 20);
    ck_assert_slice_eq(device->geo.country, "FRA");
    ck_assert_slice_eq(device->geo.region, "IDF");
    ck_assert_slice_eq(device->geo.city, "Paris");
    ck_assert_slice_eq(device->geo.zip, "75004");
    ck_assert(device->geo.has_utcoffset);
    ck_assert_int_eq(device->geo.utcoffset_min, 120);
    ck_assert_int_eq(device->devicetype, 4);
    ck_assert_slice_eq(device->make, "Apple");
    ck_assert_slice_eq(device->model, "iPhone");
    ck_assert_slice_eq(device->os, "iOS");
    ck_assert_slice_eq(device->osv, "17.4");
    ck_assert_int_eq(device->connectiontype, 2);
    ck_assert_slice_eq(device->ifa, "6D92078A-8246-4BA4-AE5B-76104861E7DC");
    ck_assert_int_eq(device->lmt, 0);
    ck_assert_int_eq(device->dnt, 0);

    const struct user *user = &request.user;
    ck_assert_slice_eq(user->id, "u-55816b39711f9b5acf3b90e313ed29e51665623f");
    ck_assert_slice_eq(user->buyeruid, "gb-7f3a9c");
    ck_assert_int_eq(user->yob, 1991);
    ck_assert_slice_eq(user->gender, "F");
    ck_assert_slice_eq(user->keywords, "mode,éthique");
    ck_assert(user->geo.present);
    ck_assert(user->geo.has_point);
    ck_assert_double_eq(user->geo.lat, 48.85);
    ck_assert_double_eq(user->geo.lon, 2.35);
    ck_assert_int_eq(user->geo.type, OPENRTB_LOCATION_USER_PROVIDED);
    ck_assert_int_eq(user->geo.accuracy_m, -1);
    ck_assert(!user->geo.has_utcoffset);
    ck_assert_slice_eq(user->geo.country, "FRA");
    ck_assert_uint_eq(user->data_count, 1);
    ck_assert_slice_eq(user->data[0].id, "dmp-1");
    ck_assert_slice_eq(user->data[0].name, "geobid-dmp");
    ck_assert_uint_eq(user->data[0].segment_count, 2);
    ck_assert_slice_eq(user->data[0].segments[0].id, "s1");
    ck_assert_slice_eq(user->data[0].segments[0].name, "ethical-fashion");
    ck_assert_slice_eq(user->data[0].segments[0].value, "30d");
    ck_assert_slice_eq(user->data[0].segments[1].id, "s2");
    ck_assert_uint_eq(user->data[0].segments[1].name.len, 0);
    ck_assert_slice_eq(user->consent, "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");

    ck_assert_int_eq(request.regs.coppa, 0);
    ck_assert_int_eq(request.regs.gdpr, 1);
    ck_assert_slice_eq(request.regs.us_privacy, "1---");
    ck_assert_slice_eq(request.regs.gpp, "DBABMA~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");
    ck_assert_uint_eq(request.regs.gpp_sid_count, 2);
    ck_assert_int_eq(request.regs.gpp_sid[0], 2);
    ck_assert_int_eq(request.regs.gpp_sid[1], 6);
    ck_assert_slice_eq(request.source_tid, "f9a1c2d4-0b2e-4c55-9b7e-3c1e2f4a5b6c");
}
END_TEST

START_TEST(test_app_request_every_field)
{
    ck_assert_decodes(app_request);
    ck_assert_slice_eq(request.id, "a7c1f0e2-app-req");
    ck_assert_int_eq(request.auction_type, 2);
    ck_assert_int_eq(request.tmax_ms, 250);
    ck_assert_uint_eq(request.cur.count, 0);
    ck_assert_uint_eq(request.bcat.count, 0);
    ck_assert_uint_eq(request.badv.count, 0);

    ck_assert_uint_eq(request.imp_count, 1);
    const struct imp *imp = &request.imps[0];
    ck_assert_slice_eq(imp->id, "imp-1");
    ck_assert_slice_eq(imp->tagid, "interstitial");
    ck_assert(imp->has_banner);
    ck_assert(imp->has_native);
    ck_assert(!imp->has_video);
    ck_assert_int_eq(imp->banner_w, 0);
    ck_assert_int_eq(imp->banner_h, 0);
    ck_assert_uint_eq(imp->format_count, 2);
    ck_assert_int_eq(imp->formats[0].w, 320);
    ck_assert_int_eq(imp->formats[0].h, 480);
    ck_assert_int_eq(imp->formats[1].w, 480);
    ck_assert_int_eq(imp->formats[1].h, 320);
    ck_assert_int_eq(imp->bidfloor_micros, 2000000);
    ck_assert_slice_eq(imp->bidfloorcur, "USD");
    ck_assert(!imp->secure);

    const struct inventory *app = &request.inventory;
    ck_assert_int_eq(app->kind, INVENTORY_APP);
    ck_assert_slice_eq(app->id, "app-4471");
    ck_assert_slice_eq(app->bundle, "com.example.cafefinder");
    ck_assert_slice_eq(app->domain, "cafefinder.example");
    ck_assert_uint_eq(app->page.len, 0);
    ck_assert_uint_eq(app->cat.count, 2);
    ck_assert_slice_eq(app->cat.items[1], "IAB8-9");
    ck_assert_slice_eq(app->keywords, "coffee,café,lyon");
    ck_assert_slice_eq(app->publisher.id, "pub-77");
    ck_assert_slice_eq(app->publisher.name, "Example Apps SAS");
    ck_assert_slice_eq(app->publisher.domain, "example-apps.example");

    const struct device *device = &request.device;
    ck_assert_slice_eq(device->ip, "89.160.20.112");
    ck_assert_uint_eq(device->ipv6.len, 0);
    ck_assert(device->geo.present);
    ck_assert(!device->geo.has_point);
    ck_assert_int_eq(device->geo.type, OPENRTB_LOCATION_IP);
    ck_assert_slice_eq(device->geo.country, "SWE");
    ck_assert_slice_eq(device->geo.city, "Linköping");
    ck_assert_int_eq(device->geo.accuracy_m, -1);
    ck_assert_int_eq(device->devicetype, 1);
    ck_assert_slice_eq(device->make, "Google");
    ck_assert_slice_eq(device->model, "Pixel 8");
    ck_assert_slice_eq(device->os, "Android");
    ck_assert_slice_eq(device->osv, "14");
    ck_assert_int_eq(device->connectiontype, 6);
    ck_assert_slice_eq(device->ifa, "b3c1a0d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d");
    ck_assert_int_eq(device->lmt, 1);
    ck_assert_int_eq(device->dnt, 0);

    const struct user *user = &request.user;
    ck_assert_uint_eq(user->id.len, 0);
    ck_assert_slice_eq(user->buyeruid, "gb-1234");
    ck_assert_int_eq(user->yob, -1);
    ck_assert(!user->geo.present);
    ck_assert_uint_eq(user->data_count, 0);
    ck_assert_slice_eq(user->consent, "CQ1AAEAQ1AAEAAKA1AENBKFgAAAAAAAAAAYgAAAAAAAA");

    ck_assert_int_eq(request.regs.coppa, 1);
    ck_assert_int_eq(request.regs.gdpr, 1);
    ck_assert_slice_eq(request.regs.us_privacy, "1YNN");
    ck_assert_uint_eq(request.regs.gpp.len, 0);
    ck_assert_uint_eq(request.regs.gpp_sid_count, 0);
    ck_assert_uint_eq(request.source_tid.len, 0);
}
END_TEST

START_TEST(test_minimal_request_defaults)
{
    ck_assert_decodes("{'id':'r','imp':[{'id':'i'}]}");
    ck_assert_int_eq(request.tmax_ms, 0);
    ck_assert_int_eq(request.auction_type, 2);
    ck_assert_uint_eq(request.imp_count, 1);
    ck_assert(!request.imps[0].has_banner);
    ck_assert_int_eq(request.imps[0].bidfloor_micros, 0);
    ck_assert_int_eq(request.inventory.kind, INVENTORY_NONE);
    ck_assert(!request.device.geo.present);
    ck_assert(!request.device.geo.has_point);
    ck_assert_int_eq(request.device.devicetype, -1);
    ck_assert_int_eq(request.device.connectiontype, -1);
    ck_assert_int_eq(request.device.lmt, -1);
    ck_assert_int_eq(request.device.dnt, -1);
    ck_assert_int_eq(request.device.geo.accuracy_m, -1);
    ck_assert_int_eq(request.user.yob, -1);
    ck_assert_int_eq(request.regs.coppa, -1);
    ck_assert_int_eq(request.regs.gdpr, -1);
    ck_assert_uint_eq(request.user.consent.len, 0);
}
END_TEST

START_TEST(test_null_members_are_absent)
{
    ck_assert_decodes("{'id':'r','tmax':null,'site':null,'imp':[{'id':'i','banner':null,"
                      "'bidfloor':null}],'device':{'geo':null,'lmt':null},"
                      "'regs':{'gdpr':null,'ext':{'gdpr':0}}}");
    ck_assert_int_eq(request.tmax_ms, 0);
    ck_assert_int_eq(request.inventory.kind, INVENTORY_NONE);
    ck_assert(!request.imps[0].has_banner);
    ck_assert(!request.device.geo.present);
    ck_assert_int_eq(request.device.lmt, -1);
    ck_assert_int_eq(request.regs.gdpr, 0);
}
END_TEST

/* ---- privacy placements ------------------------------------------------- */

static const struct {
    const char *members; /* regs and user members of {'id','imp',...} */
    int gdpr;
    const char *us_privacy;
    const char *consent;
} placement_cases[] = {
    {"'regs':{'gdpr':1,'us_privacy':'1YNN'},'user':{'consent':'TCF26'}", 1, "1YNN", "TCF26"},
    {"'regs':{'ext':{'gdpr':1,'us_privacy':'1YYN'}},'user':{'ext':{'consent':'TCFEXT'}}",
     1, "1YYN", "TCFEXT"},
    /* both placements: 2.6 wins, whichever comes first */
    {"'regs':{'gdpr':0,'ext':{'gdpr':1,'us_privacy':'1NNN'},'us_privacy':'1YNN'},"
     "'user':{'consent':'NEW','ext':{'consent':'OLD'}}",
     0, "1YNN", "NEW"},
    {"'regs':{'ext':{'gdpr':1,'us_privacy':'1NNN'},'gdpr':0,'us_privacy':'1YNN'},"
     "'user':{'ext':{'consent':'OLD'},'consent':'NEW'}",
     0, "1YNN", "NEW"},
    /* ext fills only what 2.6 lacks */
    {"'regs':{'gdpr':1,'ext':{'us_privacy':'1---'}},'user':{'ext':{'eids':[],'consent':'X'}}",
     1, "1---", "X"},
    {"'regs':{'ext':{'gdpr':false}}", 0, "", ""},
    {"'regs':{'ext':{}},'user':{'ext':{}}", -1, "", ""},
    {"'regs':{'gdpr':true}", 1, "", ""},
};

START_TEST(test_privacy_placements)
{
    char text[512];
    snprintf(text, sizeof(text), "{'id':'r','imp':[{'id':'1'}],%s}",
             placement_cases[_i].members);
    ck_assert_decodes(text);
    ck_assert_int_eq(request.regs.gdpr, placement_cases[_i].gdpr);
    ck_assert_slice_eq(request.regs.us_privacy, placement_cases[_i].us_privacy);
    ck_assert_slice_eq(request.user.consent, placement_cases[_i].consent);
}
END_TEST

static const struct {
    const char *value;
    int expected;
} flag_cases[] = {{"1", 1}, {"0", 0}, {"true", 1}, {"false", 0}};

START_TEST(test_flags_accept_numbers_and_booleans)
{
    const char *v = flag_cases[_i].value;
    char text[512];
    snprintf(text, sizeof(text),
             "{'id':'r','imp':[{'id':'1','secure':%s}],'device':{'lmt':%s,'dnt':%s},"
             "'regs':{'coppa':%s,'gdpr':%s}}",
             v, v, v, v, v);
    ck_assert_decodes(text);
    int expected = flag_cases[_i].expected;
    ck_assert_int_eq(request.imps[0].secure, expected);
    ck_assert_int_eq(request.device.lmt, expected);
    ck_assert_int_eq(request.device.dnt, expected);
    ck_assert_int_eq(request.regs.coppa, expected);
    ck_assert_int_eq(request.regs.gdpr, expected);
}
END_TEST

/* ---- strings ------------------------------------------------------------------ */

START_TEST(test_escapes_and_unicode)
{
    ck_assert_decodes("{'id':'a\\'b\\\\c\\/d\\u00e9\\ud83d\\ude00\\n\\t\\u0041',"
                      "'imp':[{'id':'\\u0031'}],"
                      "'site':{'page':'https://x.example/?q=caf\\u00E9&r=\\u20ac'}}");
    ck_assert_slice_eq(request.id, "a\"b\\c/d\xc3\xa9\xf0\x9f\x98\x80\n\tA");
    ck_assert_slice_eq(request.imps[0].id, "1");
    ck_assert_slice_eq(request.inventory.page, "https://x.example/?q=caf\xc3\xa9&r=\xe2\x82\xac");
}
END_TEST

START_TEST(test_strings_without_escapes_point_into_input)
{
    const char *json =
        test_dq(&arena, "{'id':'abc','imp':[{'id':'x'}],'device':{'ua':'Mozilla'}}");
    size_t len = strlen(json);
    ck_assert_int_eq(openrtb_json_decode(json, len, &arena, &request, &err), 0);
    ck_assert_ptr_eq(request.id.ptr, json + 7);
    ck_assert(request.device.ua.ptr > json && request.device.ua.ptr < json + len);
}
END_TEST

START_TEST(test_unknown_members_skipped)
{
    ck_assert_decodes(
        "{'ext':{'id':'not-this','imp':[{'id':5}]},'id':'r',"
        "'wseat':['a','b'],'imp':[{'metric':[{'type':'viewability','value':0.8}],'id':'1',"
        "'pmp':{'private_auction':0,'deals':[{'id':'d1','bidfloor':'x','ext':{'a':[[[{}]]]}}]},"
        "'banner':{'battr':[1,2],'ext':{'w':'nope'},'w':300,'format':[{'wratio':1,'w':1,'h':2}]}}],"
        "'device':{'sua':{'browsers':[{'brand':'x','version':['1','2']}]},'geo':{'ext':{'lat':'x'},"
        "'lastfix':3,'lat':1.5,'ipservice':3,'lon':-2.5},'ip':'1.2.3.4'},"
        "'user':{'eids':[{'source':'s','uids':[{'id':'u','atype':1}]}],'id':'uid'},"
        "'regs':{'ext':{'dsa':{'dsarequired':3,'transparency':[{'domain':'d'}]},'gdpr':1}},"
        "'unknown_number':1e10,'unknown_null':null,'unknown_bool':true}");
    ck_assert_slice_eq(request.id, "r");
    ck_assert_uint_eq(request.imp_count, 1);
    ck_assert_slice_eq(request.imps[0].id, "1");
    ck_assert_int_eq(request.imps[0].banner_w, 300);
    ck_assert_int_eq(request.imps[0].formats[0].w, 1);
    ck_assert_int_eq(request.imps[0].formats[0].h, 2);
    ck_assert(request.device.geo.has_point);
    ck_assert_double_eq(request.device.geo.lat, 1.5);
    ck_assert_double_eq(request.device.geo.lon, -2.5);
    ck_assert_slice_eq(request.device.ip, "1.2.3.4");
    ck_assert_slice_eq(request.user.id, "uid");
    ck_assert_int_eq(request.regs.gdpr, 1);
}
END_TEST

/* Keys are compared raw: an escaped key never names a known member. */
START_TEST(test_escaped_key_is_unknown)
{
    ck_assert_int_eq(decode("{'i\\u0064':'r','imp':[{'id':'1'}]}"), -1);
    ck_assert_str_eq(err.message, "id: required");
}
END_TEST

/* ---- errors ------------------------------------------------------------------- */

static const struct {
    const char *json;
    const char *message;
} error_cases[] = {
    {"{}", "id: required"},
    {"{'imp':[{'id':'1'}]}", "id: required"},
    {"{'id':'','imp':[{'id':'1'}]}", "id: required"},
    {"{'id':null,'imp':[{'id':'1'}]}", "id: required"},
    {"{'id':7,'imp':[{'id':'1'}]}", "id: expected a string"},
    {"{'id':'r'}", "imp: required"},
    {"{'id':'r','imp':null}", "imp: required"},
    {"{'id':'r','imp':[]}", "imp: must not be empty"},
    {"{'id':'r','imp':[{'id':'1'},{'id':'2'},{'id':'1'}]}", "imp[2].id: duplicate of imp[0]"},
    {"{'id':'r','imp':{'id':'1'}}", "imp: expected an array"},
    {"{'id':'r','imp':[7]}", "imp[0]: expected an object"},
    {"{'id':'r','imp':[{}]}", "imp[0].id: required"},
    {"{'id':'r','imp':[{'id':'1'},{'id':''}]}", "imp[1].id: required"},
    {"{'id':'r','imp':[{'id':1}]}", "imp[0].id: expected a string"},
    {"{'id':'r','imp':[{'id':'1','banner':{'w':'300'}}]}", "imp[0].banner.w: expected an integer"},
    {"{'id':'r','imp':[{'id':'1'},{'id':'2','banner':{'h':250.5}}]}",
     "imp[1].banner.h: expected an integer"},
    {"{'id':'r','imp':[{'id':'1','banner':{'format':[{'w':1,'h':1},{'w':1,'h':true}]}}]}",
     "imp[0].banner.format[1].h: expected an integer"},
    {"{'id':'r','imp':[{'id':'1','banner':{'format':{}}}]}",
     "imp[0].banner.format: expected an array"},
    {"{'id':'r','imp':[{'id':'1','banner':[]}]}", "imp[0].banner: expected an object"},
    {"{'id':'r','imp':[{'id':'1','video':{'w':1e3}}]}", "imp[0].video.w: expected an integer"},
    {"{'id':'r','imp':[{'id':'1','native':'{}'}]}", "imp[0].native: expected an object"},
    {"{'id':'r','imp':[{'id':'1','bidfloor':-0.01}]}", "imp[0].bidfloor: must not be negative"},
    {"{'id':'r','imp':[{'id':'1','bidfloor':'1.5'}]}", "imp[0].bidfloor: expected a number"},
    {"{'id':'r','imp':[{'id':'1','bidfloor':1e300}]}", "imp[0].bidfloor: out of range"},
    {"{'id':'r','imp':[{'id':'1','secure':2}]}", "imp[0].secure: expected 0 or 1"},
    {"{'id':'r','imp':[{'id':'1','bidfloorcur':['EUR']}]}",
     "imp[0].bidfloorcur: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'tmax':'100'}", "tmax: expected an integer"},
    {"{'id':'r','imp':[{'id':'1'}],'tmax':99999999999}", "tmax: integer out of range"},
    {"{'id':'r','imp':[{'id':'1'}],'at':-2147483649}", "at: integer out of range"},
    {"{'id':'r','imp':[{'id':'1'}],'cur':'EUR'}", "cur: expected an array of strings"},
    {"{'id':'r','imp':[{'id':'1'}],'bcat':['IAB1',2]}", "bcat: expected an array of strings"},
    {"{'id':'r','imp':[{'id':'1'}],'badv':[null]}", "badv: expected an array of strings"},
    {"{'id':'r','imp':[{'id':'1'}],'site':[]}", "site: expected an object"},
    {"{'id':'r','imp':[{'id':'1'}],'site':{'cat':[1]}}", "site.cat: expected an array of strings"},
    {"{'id':'r','imp':[{'id':'1'}],'site':{'publisher':{'name':{}}}}",
     "site.publisher.name: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'app':{'bundle':1}}", "app.bundle: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'site':{},'app':{}}",
     "app: a request has either site or app, not both"},
    {"{'id':'r','imp':[{'id':'1'}],'app':{},'site':{}}",
     "site: a request has either site or app, not both"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'geo':{'lat':'48.8','lon':2.3}}}",
     "device.geo.lat: expected a number"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'geo':{'utcoffset':60.5}}}",
     "device.geo.utcoffset: expected an integer"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'geo':[]}}", "device.geo: expected an object"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'devicetype':'4'}}",
     "device.devicetype: expected an integer"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'lmt':'1'}}", "device.lmt: expected 0 or 1"},
    {"{'id':'r','imp':[{'id':'1'}],'device':{'ip':[]}}", "device.ip: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'geo':{'lon':true}}}", "user.geo.lon: expected a number"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'yob':'1990'}}", "user.yob: expected an integer"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'data':{}}}", "user.data: expected an array"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'data':[{'segment':[{},{},{'id':5}]}]}}",
     "user.data[0].segment[2].id: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'ext':{'consent':1}}}",
     "user.ext.consent: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'user':{'ext':'x'}}", "user.ext: expected an object"},
    {"{'id':'r','imp':[{'id':'1'}],'regs':{'coppa':2}}", "regs.coppa: expected 0 or 1"},
    {"{'id':'r','imp':[{'id':'1'}],'regs':{'ext':{'gdpr':'1'}}}", "regs.ext.gdpr: expected 0 or 1"},
    {"{'id':'r','imp':[{'id':'1'}],'regs':{'ext':{'us_privacy':1}}}",
     "regs.ext.us_privacy: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'regs':{'gpp_sid':[2,'6']}}",
     "regs.gpp_sid: expected an array of integers"},
    {"{'id':'r','imp':[{'id':'1'}],'regs':{'gpp_sid':2}}",
     "regs.gpp_sid: expected an array of integers"},
    {"{'id':'r','imp':[{'id':'1'}],'source':{'tid':1}}", "source.tid: expected a string"},
    {"{'id':'r','imp':[{'id':'1'}],'site':{'page':'\\ud800'}}", "site.page: invalid string escape"},
    /* not a bid request, or not JSON at all */
    {"[{'id':'r','imp':[{'id':'1'}]}]", "request: expected a JSON object"},
    {"'r'", "request: expected a JSON object"},
    {"", "truncated JSON"},
    {"   ", "truncated JSON"},
    {"{'id':'r','imp':[{'id':'1'}]", "truncated JSON"},
    {"{'id':'r','imp':[{'id':'1'", "truncated JSON"},
    {"{'id':'r','imp':[{'id':'1'}]} []", "unexpected data after JSON value at byte 30"},
    {"{'id':'r','imp':[{'id':'1'}]} x", "malformed JSON at byte 30"},
    {"{'id':'r','imp':[{'id':'1'}]}{}", "unexpected data after JSON value at byte 29"},
    {"{'id':'r','imp':[{'id':'1'}],}", "malformed JSON at byte 28"},
    {"{'id':'r','imp':[{'id':'1'} {'id':'2'}]}", "malformed JSON at byte 27"},
    {"{'id':'r','imp':[{'id':'1'}],'tmax':12a}", "malformed JSON at byte 36"},
    {"{'id':'r','imp':[{'id':'1'}],'tmax':tru}", "malformed JSON at byte 36"},
    {"{'id':'r','imp':[{'id':'1'}],'x':'\\q'}", "malformed JSON at byte 33"},
    {"{'id':'r','imp':[{'id':'1'}]]", "malformed JSON at byte 28"},
};

START_TEST(test_error_messages)
{
    ck_assert_msg(decode(error_cases[_i].json) == -1, "accepted %s", error_cases[_i].json);
    ck_assert_str_eq(err.message, error_cases[_i].message);
}
END_TEST

/* ---- numbers ------------------------------------------------------------------ */

static const struct {
    const char *bidfloor;
    int64_t micros;
} bidfloor_cases[] = {
    {"0", 0},         {"0.5", 500000},       {"1.234567", 1234567}, {"2", 2000000},
    {"0.1", 100000},  {"12.345678", 12345678}, {"1.5e2", 150000000}, {"0.0000004", 0},
    {"0.0000006", 1}, {"1.2345675", 1234568}, {"-0", 0},            {"1000000", 1000000000000},
};

START_TEST(test_bidfloor_micros)
{
    char text[128];
    snprintf(text, sizeof(text), "{'id':'r','imp':[{'id':'1','bidfloor':%s}]}",
             bidfloor_cases[_i].bidfloor);
    ck_assert_decodes(text);
    ck_assert_int_eq(request.imps[0].bidfloor_micros, bidfloor_cases[_i].micros);
}
END_TEST

static const struct {
    const char *geo;
    bool has_point;
    double lat, lon;
} geo_cases[] = {
    {"{'lat':48.8566,'lon':2.3522}", true, 48.8566, 2.3522},
    {"{'lat':-90,'lon':-180}", true, -90, -180},
    {"{'lat':90,'lon':180}", true, 90, 180},
    {"{'lat':0,'lon':0}", true, 0, 0},
    {"{'lat':90.0001,'lon':2}", false, 0, 0},
    {"{'lat':-91,'lon':2}", false, 0, 0},
    {"{'lat':48,'lon':180.5}", false, 0, 0},
    {"{'lat':48,'lon':-1e9}", false, 0, 0},
    {"{'lat':48.8}", false, 0, 0},
    {"{'lon':2.3}", false, 0, 0},
    {"{'lat':null,'lon':2.3}", false, 0, 0},
    {"{'country':'FRA'}", false, 0, 0},
};

START_TEST(test_geo_point_range)
{
    char text[256];
    snprintf(text, sizeof(text), "{'id':'r','imp':[{'id':'1'}],'device':{'geo':%s},'user':{'geo':%s}}",
             geo_cases[_i].geo, geo_cases[_i].geo);
    ck_assert_decodes(text);
    const struct openrtb_geo *geos[] = {&request.device.geo, &request.user.geo};
    for (size_t i = 0; i < 2; i++) {
        ck_assert(geos[i]->present);
        ck_assert_int_eq(geos[i]->has_point, geo_cases[_i].has_point);
        ck_assert_double_eq(geos[i]->lat, geo_cases[_i].lat);
        ck_assert_double_eq(geos[i]->lon, geo_cases[_i].lon);
    }
}
END_TEST

/* geo.utcoffset: kept within 18 hours either way, dropped (not refused) beyond. */
static const struct {
    const char *utcoffset;
    bool kept;
    int32_t minutes;
} utcoffset_cases[] = {
    {"0", true, 0},
    {"-720", true, -720},
    {"840", true, 840},
    {"1080", true, 1080},
    {"-1080", true, -1080},
    {"1081", false, 0},
    {"-1081", false, 0},
    {"2147483647", false, 0},
    {"-2147483648", false, 0},
};

START_TEST(test_geo_utcoffset_range)
{
    char text[256];
    snprintf(text, sizeof(text),
             "{'id':'r','imp':[{'id':'1'}],'device':{'geo':{'utcoffset':%s}},"
             "'user':{'geo':{'utcoffset':%s}}}",
             utcoffset_cases[_i].utcoffset, utcoffset_cases[_i].utcoffset);
    ck_assert_decodes(text);
    const struct openrtb_geo *geos[] = {&request.device.geo, &request.user.geo};
    for (size_t i = 0; i < 2; i++) {
        ck_assert(geos[i]->present);
        ck_assert_int_eq(geos[i]->has_utcoffset, utcoffset_cases[_i].kept);
        ck_assert_int_eq(geos[i]->utcoffset_min, utcoffset_cases[_i].minutes);
    }
}
END_TEST

/* ---- encode ------------------------------------------------------------------- */

static struct slice cstr_slice(const char *s)
{
    return slice_from_cstr(s);
}

/* Finds member key of object obj in doc; returns its value token or -1. */
static int member_value(const struct json_doc *doc, int obj, const char *key)
{
    JSON_FOR_EACH_MEMBER(doc, obj, k, n)
    {
        if (json_key_is(doc, k, key))
            return k + 1;
    }
    return -1;
}

static struct slice string_member(const struct json_doc *doc, int obj, const char *key)
{
    struct slice value = {NULL, 0};
    int token = member_value(doc, obj, key);
    ck_assert_msg(token >= 0, "member %s missing", key);
    ck_assert_int_eq(json_get_string(doc, token, &arena, &value), 0);
    return value;
}

static struct slice raw_member(const struct json_doc *doc, int obj, const char *key)
{
    int token = member_value(doc, obj, key);
    ck_assert_msg(token >= 0, "member %s missing", key);
    return json_raw(doc, token);
}

/* The first bid carries notice URLs with their macros; the second carries none. */
static void encode_two_bids(struct outbuf *out)
{
    ck_assert_decodes(site_request);
    static struct bid bids[2];
    bids[0] = (struct bid){
        .imp = &request.imps[0],
        .campaign = &test_bid_campaigns[0],
        .creative = &test_bid_creatives[0],
        .price_micros = 1500000,
        .nurl = SLICE_LITERAL("https://b.example/v1/notice/win?c=shoes&price=${AUCTION_PRICE}"),
        .burl = SLICE_LITERAL("https://b.example/v1/notice/bill?c=shoes&price=${AUCTION_PRICE}"),
        .lurl = SLICE_LITERAL("https://b.example/v1/notice/loss?c=shoes&reason=${AUCTION_LOSS}"),
    };
    bids[1] = (struct bid){.imp = &request.imps[1],
                           .campaign = &test_bid_campaigns[1],
                           .creative = &test_bid_creatives[1],
                           .price_micros = 2000001};
    struct bid_response response = {request.id, bids, 2, cstr_slice("EUR")};
    outbuf_init(out, &arena, 64);
    openrtb_json_codec.encode(&response, out);
}

START_TEST(test_encode_exact_text)
{
    struct outbuf out;
    encode_two_bids(&out);
    const char *expected =
        "{\"id\":\"80ce30c53c16e6ede735f123ef6e32361bfc7b22\","
        "\"bidid\":\"80ce30c53c16e6ede735f123ef6e32361bfc7b22\",\"cur\":\"EUR\","
        "\"seatbid\":[{\"seat\":\"geobid\",\"bid\":["
        "{\"id\":\"1-shoes\",\"impid\":\"1\",\"price\":1.5,"
        "\"nurl\":\"https://b.example/v1/notice/win?c=shoes&price=${AUCTION_PRICE}\","
        "\"burl\":\"https://b.example/v1/notice/bill?c=shoes&price=${AUCTION_PRICE}\","
        "\"lurl\":\"https://b.example/v1/notice/loss?c=shoes&reason=${AUCTION_LOSS}\","
        "\"adm\":\"<a href=\\\"https://shoes.example/?a=1&b=2\\\">\\\\o/</a>\\n\\t\\u0001\","
        "\"adomain\":[\"shoes.example\"],\"crid\":\"cr-300x250\",\"cid\":\"shoes\","
        "\"w\":300,\"h\":250},"
        "{\"id\":\"2-café\",\"impid\":\"2\",\"price\":2.000001,"
        "\"adm\":\"{\\\"native\\\":{}}\",\"adomain\":[\"cafe.example\",\"cafe2.example\"],"
        "\"crid\":\"cr-native\",\"cid\":\"café\",\"w\":0,\"h\":0,"
        "\"iurl\":\"https://cafe.example/i.png\",\"cat\":[\"IAB8\"]}]}]}";
    ck_assert_msg(out.len == strlen(expected), "encoded %.*s", (int)out.len, out.data);
    ck_assert_msg(memcmp(out.data, expected, out.len) == 0, "encoded %.*s", (int)out.len,
                  out.data);
}
END_TEST

START_TEST(test_encode_parses_back)
{
    struct outbuf out;
    encode_two_bids(&out);
    struct json_doc doc;
    ck_assert_msg(json_parse(&doc, out.data, out.len, &arena, &err) == 0, "%s", err.message);
    ck_assert(json_is(&doc, 0, JSMN_OBJECT));
    ck_assert_int_eq(doc.tokens[0].size, 4);
    ck_assert_slice_eq(string_member(&doc, 0, "id"), "80ce30c53c16e6ede735f123ef6e32361bfc7b22");
    ck_assert_slice_eq(string_member(&doc, 0, "bidid"), "80ce30c53c16e6ede735f123ef6e32361bfc7b22");
    ck_assert_slice_eq(string_member(&doc, 0, "cur"), "EUR");
    int seatbid = member_value(&doc, 0, "seatbid");
    ck_assert(json_is(&doc, seatbid, JSMN_ARRAY));
    ck_assert_int_eq(doc.tokens[seatbid].size, 1);
    int seat = seatbid + 1;
    ck_assert_slice_eq(string_member(&doc, seat, "seat"), "geobid");
    int bids = member_value(&doc, seat, "bid");
    ck_assert(json_is(&doc, bids, JSMN_ARRAY));
    ck_assert_int_eq(doc.tokens[bids].size, 2);

    int first = bids + 1;
    ck_assert_int_eq(doc.tokens[first].size, 12);
    ck_assert_slice_eq(string_member(&doc, first, "nurl"),
                       "https://b.example/v1/notice/win?c=shoes&price=${AUCTION_PRICE}");
    ck_assert_slice_eq(string_member(&doc, first, "burl"),
                       "https://b.example/v1/notice/bill?c=shoes&price=${AUCTION_PRICE}");
    ck_assert_slice_eq(string_member(&doc, first, "lurl"),
                       "https://b.example/v1/notice/loss?c=shoes&reason=${AUCTION_LOSS}");
    ck_assert_slice_eq(string_member(&doc, first, "id"), "1-shoes");
    ck_assert_slice_eq(string_member(&doc, first, "impid"), "1");
    ck_assert_slice_eq(raw_member(&doc, first, "price"), "1.5");
    double price;
    ck_assert_int_eq(json_get_double(&doc, member_value(&doc, first, "price"), &price), 0);
    ck_assert_double_eq(price, 1.5);
    ck_assert_slice_eq(string_member(&doc, first, "adm"),
                       "<a href=\"https://shoes.example/?a=1&b=2\">\\o/</a>\n\t\x01");
    struct slice_list adomain;
    ck_assert_int_eq(json_get_string_list(&doc, member_value(&doc, first, "adomain"), &arena,
                                          &adomain), 0);
    ck_assert_uint_eq(adomain.count, 1);
    ck_assert_slice_eq(adomain.items[0], "shoes.example");
    ck_assert_slice_eq(string_member(&doc, first, "crid"), "cr-300x250");
    ck_assert_slice_eq(string_member(&doc, first, "cid"), "shoes");
    ck_assert_slice_eq(raw_member(&doc, first, "w"), "300");
    ck_assert_slice_eq(raw_member(&doc, first, "h"), "250");
    ck_assert_int_eq(member_value(&doc, first, "iurl"), -1);
    ck_assert_int_eq(member_value(&doc, first, "cat"), -1);

    int second = json_next(&doc, first);
    ck_assert_int_eq(doc.tokens[second].size, 11);
    ck_assert_slice_eq(string_member(&doc, second, "id"), "2-café");
    ck_assert_slice_eq(string_member(&doc, second, "impid"), "2");
    ck_assert_slice_eq(raw_member(&doc, second, "price"), "2.000001");
    ck_assert_slice_eq(string_member(&doc, second, "adm"), "{\"native\":{}}");
    ck_assert_slice_eq(string_member(&doc, second, "iurl"), "https://cafe.example/i.png");
    struct slice_list cat;
    ck_assert_int_eq(json_get_string_list(&doc, member_value(&doc, second, "cat"), &arena,
                                          &cat), 0);
    ck_assert_uint_eq(cat.count, 1);
    ck_assert_slice_eq(cat.items[0], "IAB8");
    ck_assert_slice_eq(string_member(&doc, second, "crid"), "cr-native");
    ck_assert_slice_eq(string_member(&doc, second, "cid"), "café");
    ck_assert_int_eq(member_value(&doc, second, "nurl"), -1);
    ck_assert_int_eq(member_value(&doc, second, "burl"), -1);
    ck_assert_int_eq(member_value(&doc, second, "lurl"), -1);
}
END_TEST

/* Every ASCII byte, control characters and NUL included, and multi-byte characters in
 * adm survive encode → json_parse → json_get_string. */
START_TEST(test_encode_escapes_every_byte)
{
    static const char multibyte[] = "\xc3\xa9\xe2\x80\xa8\xf0\x9f\x98\x80";
    char adm[128 + sizeof(multibyte) - 1];
    for (int i = 0; i < 128; i++)
        adm[i] = (char)(127 - i);
    memcpy(adm + 128, multibyte, sizeof(multibyte) - 1);
    struct creative creative = {.id = {"c", 1}, .adm = {adm, sizeof(adm)}};
    struct campaign campaign = {.id = {"k", 1}};
    ck_assert_decodes("{'id':'r\\u0000\\'','imp':[{'id':'\\u2028'}]}");
    struct bid bid = {.imp = &request.imps[0], .campaign = &campaign, .creative = &creative,
                      .price_micros = 1};
    struct bid_response response = {request.id, &bid, 1, {NULL, 0}};
    struct outbuf out;
    outbuf_init(&out, &arena, 16);
    openrtb_json_encode(&response, &out);
    struct json_doc doc;
    ck_assert_msg(json_parse(&doc, out.data, out.len, &arena, &err) == 0, "%s", err.message);
    ck_assert_int_eq(member_value(&doc, 0, "cur"), -1);
    struct slice id = string_member(&doc, 0, "id");
    ck_assert_uint_eq(id.len, 3);
    ck_assert_int_eq(memcmp(id.ptr, "r\0\"", 3), 0);
    int bid_token = member_value(&doc, 0, "seatbid") + 1;
    bid_token = member_value(&doc, bid_token, "bid") + 1;
    struct slice decoded = string_member(&doc, bid_token, "adm");
    ck_assert_uint_eq(decoded.len, sizeof(adm));
    ck_assert_int_eq(memcmp(decoded.ptr, adm, sizeof(adm)), 0);
    ck_assert_slice_eq(string_member(&doc, bid_token, "id"), "\xe2\x80\xa8-k");
    ck_assert_slice_eq(raw_member(&doc, bid_token, "price"), "0.000001");
}
END_TEST

START_TEST(test_codec_vtable)
{
    ck_assert(openrtb_json_codec.decode == openrtb_json_decode);
    ck_assert(openrtb_json_codec.encode == openrtb_json_encode);
    const char *json = test_dq(&arena, "{'id':'r','imp':[{'id':'1'}]}");
    ck_assert_int_eq(openrtb_json_codec.decode(json, strlen(json), &arena, &request, &err), 0);
    ck_assert_slice_eq(request.id, "r");
}
END_TEST

/* ---- guard page --------------------------------------------------------------- */

/* Decodes text[0..len) copied so that its last byte is the last readable one. */
static int decode_guarded(const struct test_guarded *guarded, const char *text, size_t len)
{
    const char *start = test_guarded_place(guarded, text, len);
    arena_reset(&arena);
    return openrtb_json_decode(start, len, &arena, &request, &err);
}

static void check_every_truncation(const char *single_quoted)
{
    char *json = strdup(test_dq(&arena, single_quoted)); /* outlives the arena resets below */
    size_t len = strlen(json);
    struct test_guarded guarded = test_guarded_alloc(len);
    ck_assert_msg(decode_guarded(&guarded, json, len) == 0, "%s", err.message);
    ck_assert_uint_ge(request.imp_count, 1);
    for (size_t cut = 0; cut < len; cut++) {
        err.message[0] = '\0';
        ck_assert_msg(decode_guarded(&guarded, json, cut) == -1, "prefix of %zu bytes accepted",
                      cut);
        ck_assert_msg(err.message[0] != '\0', "no message for prefix of %zu bytes", cut);
    }
    test_guarded_free(&guarded);
    free(json);
}

START_TEST(test_guard_page_site_request)
{
    check_every_truncation(site_request);
}
END_TEST

START_TEST(test_guard_page_app_request)
{
    check_every_truncation(app_request);
}
END_TEST

START_TEST(test_guard_page_escapes_and_numbers)
{
    check_every_truncation("{'id':'\\ud83d\\ude00\\u00e9\\\\\\'','imp':[{'id':'1','bidfloor':1.5e-3,"
                           "'banner':{'w':-0,'h':300}}],'device':{'geo':{'lat':-1.25E+1,'lon':1e0}},"
                           "'regs':{'gdpr':true,'gpp_sid':[1,2]},'x':[null,false,{}]}");
}
END_TEST

Suite *openrtb_json_suite(void)
{
    Suite *suite = suite_create("openrtb_json");
    TCase *decode_case = tcase_create("decode");
    tcase_add_checked_fixture(decode_case, setup, teardown);
    tcase_add_test(decode_case, test_site_request_every_field);
    tcase_add_test(decode_case, test_app_request_every_field);
    tcase_add_test(decode_case, test_minimal_request_defaults);
    tcase_add_test(decode_case, test_null_members_are_absent);
    tcase_add_loop_test(decode_case, test_privacy_placements, 0,
                        sizeof(placement_cases) / sizeof(placement_cases[0]));
    tcase_add_loop_test(decode_case, test_flags_accept_numbers_and_booleans, 0,
                        sizeof(flag_cases) / sizeof(flag_cases[0]));
    tcase_add_test(decode_case, test_escapes_and_unicode);
    tcase_add_test(decode_case, test_strings_without_escapes_point_into_input);
    tcase_add_test(decode_case, test_unknown_members_skipped);
    tcase_add_test(decode_case, test_escaped_key_is_unknown);
    tcase_add_loop_test(decode_case, test_error_messages, 0,
                        sizeof(error_cases) / sizeof(error_cases[0]));
    tcase_add_loop_test(decode_case, test_bidfloor_micros, 0,
                        sizeof(bidfloor_cases) / sizeof(bidfloor_cases[0]));
    tcase_add_loop_test(decode_case, test_geo_point_range, 0,
                        sizeof(geo_cases) / sizeof(geo_cases[0]));
    tcase_add_loop_test(decode_case, test_geo_utcoffset_range, 0,
                        sizeof(utcoffset_cases) / sizeof(utcoffset_cases[0]));
    tcase_add_test(decode_case, test_codec_vtable);
    suite_add_tcase(suite, decode_case);

    TCase *encode_case = tcase_create("encode");
    tcase_add_checked_fixture(encode_case, setup, teardown);
    tcase_add_test(encode_case, test_encode_exact_text);
    tcase_add_test(encode_case, test_encode_parses_back);
    tcase_add_test(encode_case, test_encode_escapes_every_byte);
    suite_add_tcase(suite, encode_case);

    TCase *guard_case = tcase_create("guard page");
    tcase_add_checked_fixture(guard_case, setup, teardown);
    tcase_set_timeout(guard_case, 30);
    tcase_add_test(guard_case, test_guard_page_site_request);
    tcase_add_test(guard_case, test_guard_page_app_request);
    tcase_add_test(guard_case, test_guard_page_escapes_and_numbers);
    suite_add_tcase(suite, guard_case);
    return suite;
}
