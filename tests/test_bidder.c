/* The decision rules: which campaign bids on which imp, at what price. */
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/openrtb_json.h"
#include "geobid/snapshot.h"
#include "geobid/user_store.h"

#include "consent_fixtures.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char campaigns_json[] =
    "{\"campaigns\": ["
    /* 0 */ "{\"id\":\"cafe\",\"bid_cpm\":2.5,\"currency\":\"EUR\","
    "  \"geo\":{\"radius\":[{\"lat\":48.8606,\"lon\":2.3376,\"radius_m\":800}]},"
    "  \"creatives\":[{\"id\":\"c1\",\"w\":300,\"h\":250,\"adm\":\"a\",\"adomain\":[\"cafe.example\"],\"cat\":[\"IAB8-5\"]}]},"
    /* 1 */ "{\"id\":\"coarse-ok\",\"bid_cpm\":1.0,\"currency\":\"EUR\","
    "  \"geo\":{\"radius\":[{\"lat\":48.8566,\"lon\":2.3522,\"radius_m\":20000}],\"max_accuracy_m\":30000},"
    "  \"creatives\":[{\"id\":\"c2\",\"w\":320,\"h\":50,\"adm\":\"b\",\"adomain\":[\"city.example\"]}]},"
    /* 2 */ "{\"id\":\"fr-ios-phones\",\"bid_cpm\":0.9,\"currency\":\"EUR\","
    "  \"geo\":{\"countries\":[\"FR\"],\"cities\":[\"paris\"]},\"device\":{\"types\":[\"phone\"],\"os\":[\"ios\"]},"
    "  \"creatives\":[{\"id\":\"c3\",\"w\":300,\"h\":250,\"adm\":\"c\",\"adomain\":[\"fr.example\"]}]},"
    /* 3 */ "{\"id\":\"us-everywhere\",\"bid_cpm\":0.4,\"currency\":\"USD\","
    "  \"creatives\":[{\"id\":\"c4\",\"w\":728,\"h\":90,\"adm\":\"d\",\"adomain\":[\"us.example\"]}]},"
    /* 4 */ "{\"id\":\"paused\",\"status\":\"paused\",\"bid_cpm\":99,\"currency\":\"EUR\","
    "  \"creatives\":[{\"id\":\"c5\",\"w\":300,\"h\":250,\"adm\":\"e\",\"adomain\":[\"p.example\"]}]},"
    /* 5 */ "{\"id\":\"cafe-twin\",\"bid_cpm\":2.5,\"currency\":\"EUR\","
    "  \"geo\":{\"radius\":[{\"lat\":48.8600,\"lon\":2.3370,\"radius_m\":500},{\"lat\":48.8610,\"lon\":2.3380,\"radius_m\":500}]},"
    "  \"creatives\":[{\"id\":\"c6\",\"w\":300,\"h\":250,\"adm\":\"f\",\"adomain\":[\"twin.example\"]}]}"
    "]}";

static struct snapshot *snapshot;
static struct arena arena;

static void setup(void)
{
    snapshot = test_snapshot_load(campaigns_json, strlen(campaigns_json));
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    snapshot_free(snapshot);
    arena_free(&arena);
}

/* A located request: imps as JSON, extra top-level members (may be ""). */
struct scenario {
    const char *imps;
    const char *extra;
    struct location location;
};

static struct location gps(double lat, double lon, uint32_t uncertainty_m)
{
    return (struct location){.source = GEO_SOURCE_GPS, .has_point = true, .lat = lat,
                             .lon = lon, .uncertainty_m = uncertainty_m};
}

static const struct permissions all_permitted = {
    .personalize = true, .store_ids = true, .precise_geo = true};

static size_t decide(const struct scenario *s, struct bid_response *response)
{
    char text[4096];
    snprintf(text, sizeof(text), "{\"id\":\"r\",\"imp\":%s%s%s}", s->imps,
             s->extra[0] ? "," : "", s->extra);
    struct bid_request *request = arena_alloc(&arena, sizeof(*request));
    struct error err;
    char *copy = arena_strndup(&arena, text, strlen(text));
    ck_assert_msg(openrtb_json_decode(copy, strlen(copy), &arena, request, &err) == 0, "%s: %s",
                  text, err.message);
    struct bidder bidder = {.snapshot = snapshot};
    struct bid_context context = {.request = request, .location = s->location,
                                  .permissions = all_permitted};
    return bidder_decide(&bidder, &context, &arena, response);
}

static const char banner_300x250[] = "[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}]";
static const char eur[] = "\"cur\":[\"EUR\"]";

/* Asserts the single bid is campaign `campaign` at `price_micros`. */
static void expect_bid(const struct scenario *s, const char *campaign, int64_t price_micros)
{
    struct bid_response response;
    ck_assert_uint_eq(decide(s, &response), 1);
    ck_assert_msg(slice_eq_cstr(response.bids[0].campaign->id, campaign), "got %.*s, want %s",
                  (int)response.bids[0].campaign->id.len, response.bids[0].campaign->id.ptr,
                  campaign);
    ck_assert_int_eq(response.bids[0].price_micros, price_micros);
}

static void expect_no_bid(const struct scenario *s)
{
    struct bid_response response;
    size_t bids = decide(s, &response);
    ck_assert_msg(bids == 0, "unexpected bid from %.*s", (int)response.bids[0].campaign->id.len,
                  response.bids[0].campaign->id.ptr);
}

START_TEST(gps_inside_the_fence_bids_and_outside_does_not)
{
    struct scenario inside = {banner_300x250, eur, gps(48.8610, 2.3380, 20)};
    expect_bid(&inside, "cafe", 2500000); /* ties with cafe-twin: listed first wins */
    struct scenario outside = {banner_300x250, eur, gps(48.8606, 2.3376 + 0.0125, 20)}; /* ~920 m */
    expect_no_bid(&outside);
}
END_TEST

START_TEST(coarse_location_does_not_match_a_small_fence)
{
    struct scenario ip_centroid = {banner_300x250, eur, gps(48.8606, 2.3376, 25000)};
    expect_no_bid(&ip_centroid);
    /* a campaign that accepts coarse locations still bids on them */
    struct scenario city = {"[{\"id\":\"1\",\"banner\":{\"w\":320,\"h\":50}}]", eur,
                            gps(48.8606, 2.3376, 25000)};
    expect_bid(&city, "coarse-ok", 1000000);
    city.location.uncertainty_m = 30000; /* the largest any fence accepts */
    expect_bid(&city, "coarse-ok", 1000000);
    city.location.uncertainty_m = 30001;
    expect_no_bid(&city);
}
END_TEST

START_TEST(fence_accuracy_defaults_to_its_own_radius)
{
    struct scenario at_limit = {banner_300x250, eur, gps(48.8606, 2.3376, 800)};
    expect_bid(&at_limit, "cafe", 2500000);
    at_limit.location.uncertainty_m = 801;
    expect_no_bid(&at_limit);
}
END_TEST

START_TEST(country_city_device_and_os_must_all_hold)
{
    struct scenario s = {banner_300x250,
                         "\"cur\":[\"EUR\"],\"device\":{\"devicetype\":4,\"os\":\"iOS\"}",
                         {.source = GEO_SOURCE_GEOIP, .country = "FR",
                          .city = SLICE_LITERAL("Paris")}};
    expect_bid(&s, "fr-ios-phones", 900000);
    s.extra = "\"cur\":[\"EUR\"],\"device\":{\"devicetype\":4,\"os\":\"Android\"}";
    expect_no_bid(&s);
    s.extra = "\"cur\":[\"EUR\"],\"device\":{\"devicetype\":2,\"os\":\"iOS\"}";
    expect_no_bid(&s);
    s.extra = "\"cur\":[\"EUR\"],\"device\":{\"os\":\"iOS\"}";
    expect_no_bid(&s);
    s.extra = "\"cur\":[\"EUR\"],\"device\":{\"devicetype\":4,\"os\":\"iOS\"}";
    s.location.city = SLICE_LITERAL("Lyon");
    expect_no_bid(&s);
    s.location.city = SLICE_LITERAL("Paris");
    memcpy(s.location.country, "DE", 3);
    expect_no_bid(&s);
}
END_TEST

START_TEST(creative_must_fit_the_slot)
{
    struct scenario formats = {
        "[{\"id\":\"1\",\"banner\":{\"format\":[{\"w\":160,\"h\":600},{\"w\":300,\"h\":250}]}}]",
        eur, gps(48.8610, 2.3380, 20)};
    expect_bid(&formats, "cafe", 2500000);
    formats.imps = "[{\"id\":\"1\",\"banner\":{\"w\":160,\"h\":600}}]";
    expect_no_bid(&formats);
    formats.imps = "[{\"id\":\"1\",\"video\":{\"w\":300,\"h\":250}}]";
    expect_no_bid(&formats);
}
END_TEST

START_TEST(floors_and_currencies)
{
    struct scenario s = {"[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":2.5,"
                         "\"bidfloorcur\":\"EUR\"}]",
                         eur, gps(48.8610, 2.3380, 20)};
    expect_bid(&s, "cafe", 2500000); /* price equal to the floor clears it */
    s.imps = "[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":2.51,"
             "\"bidfloorcur\":\"EUR\"}]";
    expect_no_bid(&s);
    s.imps = "[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250},\"bidfloor\":0.1}]"; /* USD floor */
    expect_no_bid(&s);
    s.extra = "\"cur\":[\"USD\"]";
    s.imps = banner_300x250;
    expect_no_bid(&s); /* EUR campaigns may not bid in a USD-only auction */
    s.extra = "";
    s.imps = "[{\"id\":\"1\",\"banner\":{\"w\":728,\"h\":90}}]";
    expect_bid(&s, "us-everywhere", 400000); /* no cur means USD */
}
END_TEST

START_TEST(blocked_categories_and_advertisers)
{
    struct scenario s = {banner_300x250, "\"cur\":[\"EUR\"],\"bcat\":[\"IAB8\"]",
                         gps(48.8610, 2.3380, 20)};
    expect_bid(&s, "cafe-twin", 2500000);
    s.extra = "\"cur\":[\"EUR\"],\"badv\":[\"twin.example\",\"cafe.example\"]";
    expect_no_bid(&s);
    /* the cafe's creative is IAB8-5: blocked by IAB8 (above) and by itself in any case,
     * not by a sibling subcategory */
    s.extra = "\"cur\":[\"EUR\"],\"bcat\":[\"iab8-5\"]";
    expect_bid(&s, "cafe-twin", 2500000);
    s.extra = "\"cur\":[\"EUR\"],\"bcat\":[\"IAB8-1\"]";
    expect_bid(&s, "cafe", 2500000);
    /* advertiser domains ignore case and cover subdomains */
    s.extra = "\"cur\":[\"EUR\"],\"badv\":[\"Twin.Example\",\"CAFE.example\"]";
    expect_no_bid(&s);
    s.extra = "\"cur\":[\"EUR\"],\"badv\":[\"example\"]";
    expect_no_bid(&s); /* both advertisers are subdomains of "example" */
    s.extra = "\"cur\":[\"EUR\"],\"badv\":[\"afe.example\"]";
    expect_bid(&s, "cafe", 2500000); /* not a subdomain: only a label boundary counts */
}
END_TEST

START_TEST(one_bid_per_imp_in_one_currency)
{
    struct scenario s = {"[{\"id\":\"a\",\"banner\":{\"w\":300,\"h\":250}},"
                         "{\"id\":\"b\",\"banner\":{\"w\":320,\"h\":50}},"
                         "{\"id\":\"c\",\"banner\":{\"w\":728,\"h\":90}}]",
                         "\"cur\":[\"EUR\",\"USD\"]", gps(48.8610, 2.3380, 20)};
    struct bid_response response;
    ck_assert_uint_eq(decide(&s, &response), 2); /* the USD campaign cannot join EUR bids */
    ck_assert(slice_eq_cstr(response.bids[0].imp->id, "a"));
    ck_assert(slice_eq_cstr(response.bids[0].campaign->id, "cafe"));
    ck_assert(slice_eq_cstr(response.bids[1].imp->id, "b"));
    ck_assert(slice_eq_cstr(response.bids[1].campaign->id, "coarse-ok"));
    ck_assert(slice_eq_cstr(response.cur, "EUR"));
    ck_assert(slice_eq_cstr(response.id, "r"));
}
END_TEST

START_TEST(snapshot_knows_whether_a_campaign_needs_the_locality)
{
    ck_assert(snapshot->needs_locality); /* fr-ios-phones targets cities */
    const char *text = "{\"campaigns\":[{\"id\":\"c\",\"bid_cpm\":1,\"geo\":{\"countries\":[\"FR\"]},"
                       "\"creatives\":[{\"id\":\"x\",\"w\":1,\"h\":1,\"adm\":\"a\"}]}]}";
    struct snapshot *countries_only = test_snapshot_load(text, strlen(text));
    ck_assert(!countries_only->needs_locality);
    snapshot_free(countries_only);
}
END_TEST

/* A point inside more fences than the first query has room for still sees them all: the
 * best bid comes from the campaign listed last. */
START_TEST(every_fence_counts_even_beyond_the_usual_hit_count)
{
    enum { campaigns = 300 };
    size_t cap = campaigns * 200 + 64, len = 0;
    char *text = malloc(cap);
    len += (size_t)snprintf(text + len, cap - len, "{\"campaigns\":[");
    for (int i = 0; i < campaigns; i++)
        len += (size_t)snprintf(text + len, cap - len,
                                "%s{\"id\":\"c%d\",\"bid_cpm\":%d,\"geo\":{\"radius\":[{\"lat\":10,"
                                "\"lon\":10,\"radius_m\":1000}]},\"creatives\":[{\"id\":\"x\","
                                "\"w\":300,\"h\":250,\"adm\":\"a\"}]}",
                                i ? "," : "", i, i + 1);
    len += (size_t)snprintf(text + len, cap - len, "]}");
    struct snapshot *crowded = test_snapshot_load(text, len);
    free(text);
    struct snapshot *saved = snapshot;
    snapshot = crowded;
    struct scenario s = {banner_300x250, "", gps(10, 10, 20)};
    expect_bid(&s, "c299", 300000000);
    snapshot = saved;
    snapshot_free(crowded);
}
END_TEST

START_TEST(no_location_reaches_only_unrestricted_campaigns)
{
    struct scenario s = {"[{\"id\":\"1\",\"banner\":{\"w\":728,\"h\":90}}]", "",
                         {.source = GEO_SOURCE_NONE}};
    expect_bid(&s, "us-everywhere", 400000);
    s.imps = banner_300x250;
    s.extra = eur;
    expect_no_bid(&s); /* paused campaign never bids */
}
END_TEST

/* ---- the stages before deciding ------------------------------------------------------- */

/* Prepares a request for alice (buyeruid), who is in segment "shoes", under GDPR with the
 * TCF fixture consent, for a bidder with a profile store; returns its context. */
static struct bid_context prepare_for_alice(const char *consent)
{
    struct error err;
    char *dir = test_temp_dir_create();
    char *argv[] = {"geobid", "--data-dir", dir, NULL};
    struct config config;
    struct user_store users;
    ck_assert_int_eq(config_load(&config, 3, argv, &err), CONFIG_RUN);
    ck_assert_msg(user_store_open(&users, &config, &err) == 0, "%s", err.message);
    config_free(&config);
    struct bidder bidder = {.snapshot = snapshot, .privacy = {.vendor_id = CONSENT_FIXTURE_OUR_VENDOR}};
    user_store_attach(&users, &bidder);
    int64_t now_s = time(NULL);
    struct profile_observation seen = {.seen_s = now_s};
    size_t people;
    user_key_of_id(bidder.user_keys, SLICE_LITERAL("alice"), &seen.key);
    ck_assert_int_eq(profile_store_record(bidder.profiles, SLICE_LITERAL("shoes"), &seen, 1,
                                          now_s, &people, &err), PROFILE_OK);
    char text[1024];
    snprintf(text, sizeof(text), "{\"id\":\"r\",\"imp\":%s,\"regs\":{\"gdpr\":1},"
             "\"user\":{\"buyeruid\":\"alice\",\"consent\":\"%s\"}}", banner_300x250, consent);
    char *copy = arena_strndup(&arena, text, strlen(text));
    struct bid_request *request = arena_alloc(&arena, sizeof(*request));
    ck_assert_msg(openrtb_json_decode(copy, strlen(copy), &arena, request, &err) == 0, "%s",
                  err.message);
    struct bid_context context;
    bidder_prepare(&bidder, request, &arena, &context);
    user_store_close(&users);
    test_temp_dir_remove(dir);
    return context;
}

/* The user key (for frequency caps) needs store_ids; reading the person's profile needs
 * personalize as well, since segments are unusable without it. */
START_TEST(profile_is_read_only_when_personalising)
{
    struct bid_context full = prepare_for_alice(consent_fixture("tcf-full-consent"));
    ck_assert(full.permissions.personalize && full.has_user_key);
    ck_assert_uint_eq(full.profile.count, 1);
    struct bid_context ids_only = prepare_for_alice(consent_fixture("tcf-purposes-3-4-missing"));
    ck_assert(ids_only.permissions.store_ids && !ids_only.permissions.personalize);
    ck_assert(ids_only.has_user_key);
    ck_assert_uint_eq(ids_only.profile.count, 0);
    struct bid_context none = prepare_for_alice(consent_fixture("tcf-reject-all"));
    ck_assert(!none.has_user_key);
    ck_assert_uint_eq(none.profile.count, 0);
}
END_TEST

Suite *bidder_suite(void)
{
    Suite *suite = suite_create("bidder");
    TCase *tc = tcase_create("decide");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, gps_inside_the_fence_bids_and_outside_does_not);
    tcase_add_test(tc, coarse_location_does_not_match_a_small_fence);
    tcase_add_test(tc, fence_accuracy_defaults_to_its_own_radius);
    tcase_add_test(tc, country_city_device_and_os_must_all_hold);
    tcase_add_test(tc, creative_must_fit_the_slot);
    tcase_add_test(tc, floors_and_currencies);
    tcase_add_test(tc, blocked_categories_and_advertisers);
    tcase_add_test(tc, one_bid_per_imp_in_one_currency);
    tcase_add_test(tc, no_location_reaches_only_unrestricted_campaigns);
    tcase_add_test(tc, snapshot_knows_whether_a_campaign_needs_the_locality);
    tcase_add_test(tc, every_fence_counts_even_beyond_the_usual_hit_count);
    suite_add_tcase(suite, tc);
    TCase *prepare = tcase_create("prepare");
    tcase_add_checked_fixture(prepare, setup, teardown);
    tcase_add_test(prepare, profile_is_read_only_when_personalising);
    suite_add_tcase(suite, prepare);
    return suite;
}
