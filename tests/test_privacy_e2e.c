/* End to end: the real geobid (--vendor-id 42) with tests/fixtures/privacy-campaigns.json
 * gets the same request, a GPS fix 190 m from a shop, with and without consent. The
 * contextual campaign bids every time; the shop's 800 m fence matches only with special
 * feature 1 (precise geolocation); the 20 km city fence matches either way.
 * (Campaigns that need the person's segments are not part of the campaign model yet.) */
#include "consent_fixtures.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct test_bidder bidder;

static void setup(void)
{
    const char *args[] = {"--threads", "1", "--campaigns", "tests/fixtures/privacy-campaigns.json",
                          "--vendor-id", "42", NULL};
    test_bidder_start_with(&bidder, args);
}

static void teardown(void)
{
    test_bidder_stop(&bidder);
}

/* Which of the three campaigns bid (imps 300x250, 320x50, 728x90 fit one each). */
struct outcome {
    bool contextual, shop_800m, city_20km;
};

/* Posts the request with regs_and_user appended (JSON members, may be "") and returns
 * which campaigns bid. */
static struct outcome bid(const char *regs_and_user)
{
    char body[4096];
    snprintf(body, sizeof(body),
             "{\"id\":\"r\",\"cur\":[\"EUR\"],\"imp\":["
             "{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}},"
             "{\"id\":\"2\",\"banner\":{\"w\":320,\"h\":50}},"
             "{\"id\":\"3\",\"banner\":{\"w\":728,\"h\":90}}],"
             "\"site\":{\"id\":\"s\",\"page\":\"https://news.example/paris\"},"
             "\"device\":{\"ip\":\"81.2.69.142\",\"geo\":{\"lat\":48.8620,\"lon\":2.3390,"
             "\"type\":1}}%s%s}",
             regs_and_user[0] ? "," : "", regs_and_user);
    int fd = test_connect(bidder.bid_port);
    ck_assert_int_ge(fd, 0);
    struct http_response response;
    test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body,
                       strlen(body), &response);
    close(fd);
    ck_assert_msg(response.status == 200 || response.status == 204, "status %d: %.*s",
                  response.status, (int)response.body_len, response.body);
    response.body[response.body_len] = '\0';
    return (struct outcome){
        .contextual = strstr(response.body, "\"cid\":\"contextual\"") != NULL,
        .shop_800m = strstr(response.body, "\"cid\":\"shop-800m\"") != NULL,
        .city_20km = strstr(response.body, "\"cid\":\"city-20km\"") != NULL,
    };
}

/* The request under GDPR with the consent fixture called name. */
static struct outcome bid_with_consent(const char *name)
{
    char members[1024];
    snprintf(members, sizeof(members), "\"regs\":{\"gdpr\":1},\"user\":{\"consent\":\"%s\"}",
             consent_fixture(name));
    return bid(members);
}

static void expect(struct outcome got, bool shop_800m, const char *what)
{
    ck_assert_msg(got.contextual, "%s: the contextual campaign did not bid", what);
    ck_assert_msg(got.city_20km, "%s: the 20 km fence did not match", what);
    ck_assert_msg(got.shop_800m == shop_800m, "%s: the 800 m fence %s", what,
                  got.shop_800m ? "matched" : "did not match");
}

START_TEST(precise_fence_only_with_precise_geolocation_consent)
{
    expect(bid_with_consent("tcf-full-consent"), true, "full consent");
    expect(bid_with_consent("tcf-sf1-missing"), false, "no special feature 1");
    expect(bid_with_consent("tcf-reject-all"), false, "everything refused");
    expect(bid("\"regs\":{\"gdpr\":1}"), false, "GDPR without a consent string");
    expect(bid("\"regs\":{\"gdpr\":1},\"user\":{\"consent\":\"garbage\"}"), false,
           "GDPR with a string that does not decode");
}
END_TEST

START_TEST(outside_gdpr_the_location_stays_precise)
{
    expect(bid(""), true, "no signal");
    expect(bid("\"regs\":{\"gdpr\":0}"), true, "regs.gdpr 0");
    expect(bid("\"regs\":{\"us_privacy\":\"1YYN\"}"), true, "US opt-out of sale");
    expect(bid("\"regs\":{\"coppa\":1}"), false, "COPPA");
}
END_TEST

START_TEST(consent_through_gpp_and_older_placements)
{
    char members[1024];
    snprintf(members, sizeof(members), "\"regs\":{\"gpp\":\"%s\",\"gpp_sid\":[2]}",
             consent_fixture("gpp-tcfeuv2"));
    expect(bid(members), true, "GPP TCF EU section");
    snprintf(members, sizeof(members),
             "\"regs\":{\"ext\":{\"gdpr\":1}},\"user\":{\"ext\":{\"consent\":\"%s\"}}",
             consent_fixture("tcf-sf1-missing"));
    expect(bid(members), false, "ext placements, no special feature 1");
}
END_TEST

/* A bidder without --vendor-id treats GDPR traffic as contextual only, and with
 * --gdpr-default 1 a request that does not say is GDPR traffic. */
START_TEST(without_a_vendor_id_gdpr_traffic_is_contextual)
{
    test_bidder_stop(&bidder);
    const char *args[] = {"--threads", "1", "--campaigns", "tests/fixtures/privacy-campaigns.json",
                          "--gdpr-default", "1", NULL};
    test_bidder_start_with(&bidder, args);
    expect(bid_with_consent("tcf-full-consent"), false, "full consent, no vendor id");
    expect(bid(""), false, "no regs.gdpr, --gdpr-default 1, no consent string");
    expect(bid("\"regs\":{\"gdpr\":0}"), true, "regs.gdpr 0");
}
END_TEST

Suite *privacy_e2e_suite(void)
{
    Suite *suite = suite_create("privacy_e2e");
    TCase *tc = tcase_create("bidder");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, precise_fence_only_with_precise_geolocation_consent);
    tcase_add_test(tc, outside_gdpr_the_location_stays_precise);
    tcase_add_test(tc, consent_through_gpp_and_older_placements);
    tcase_add_test(tc, without_a_vendor_id_gdpr_traffic_is_contextual);
    suite_add_tcase(suite, tc);
    return suite;
}
