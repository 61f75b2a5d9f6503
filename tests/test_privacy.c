/* Tests for src/privacy.c: the permissions each signal and placement gives (with TCF and
 * GPP strings encoded by the IAB's own libraries, see tests/consent_fixtures.h), and what
 * the stage removes from a decoded request. */
#include "geobid/geo.h"
#include "geobid/gpp.h"
#include "geobid/openrtb_json.h"
#include "geobid/privacy.h"
#include "geobid/tcf.h"

#include "consent_fixtures.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

enum { OUR = CONSENT_FIXTURE_OUR_VENDOR };

static struct arena arena;

static void setup(void)
{
    arena_init(&arena, 16384);
}

static void teardown(void)
{
    arena_free(&arena);
}

/* Decodes a one-imp request with the extra top-level members (JSON with ' for ", may
 * be ""); "%s" in members is replaced by fill (which holds no '). */
static struct bid_request *request_of(const char *members, const char *fill)
{
    char with_fill[4096], text[8192];
    snprintf(with_fill, sizeof(with_fill), members, fill ? fill : "");
    snprintf(text, sizeof(text), "{'id':'r','imp':[{'id':'1','banner':{'w':300,'h':250}}]%s%s}",
             with_fill[0] ? "," : "", with_fill);
    const char *json = test_dq(&arena, text);
    struct bid_request *request = arena_alloc(&arena, sizeof(*request));
    struct error err;
    ck_assert_msg(openrtb_json_decode(json, strlen(json), &arena, request, &err) == 0, "%s: %s",
                  json, err.message);
    return request;
}

/* One request and what it may use: personalize, store ids, precise geo. */
struct permission_case {
    const char *members;       /* see request_of() */
    const char *fixture;       /* consent fixture put in place of %s; NULL: none */
    uint16_t vendor_id;
    bool gdpr_default;
    bool personalize, store_ids, precise_geo;
};

static void check_cases(const struct permission_case *cases, size_t count)
{
    for (size_t i = 0; i < count; i++) {
        const struct permission_case *c = &cases[i];
        const char *fill = c->fixture ? consent_fixture(c->fixture) : NULL;
        struct privacy_policy policy = {.vendor_id = c->vendor_id, .gdpr_default = c->gdpr_default};
        struct permissions got = privacy_permissions(&policy, request_of(c->members, fill));
        ck_assert_msg(got.personalize == c->personalize && got.store_ids == c->store_ids &&
                          got.precise_geo == c->precise_geo,
                      "case %zu (%s, %s, vendor %u): got personalize %d store_ids %d "
                      "precise_geo %d",
                      i, c->members, c->fixture ? c->fixture : "-", c->vendor_id,
                      got.personalize, got.store_ids, got.precise_geo);
        ck_assert(got.contextual_only == (!c->personalize && !c->store_ids && !c->precise_geo));
    }
}

#define GDPR_CONSENT "'regs':{'gdpr':1},'user':{'consent':'%s'}"

START_TEST(tcf_decides_under_gdpr)
{
    static const struct permission_case cases[] = {
        {"", NULL, OUR, false, true, true, true},
        {GDPR_CONSENT, "tcf-full-consent", OUR, false, true, true, true},
        {GDPR_CONSENT, "tcf-full-consent", 0, false, false, false, false},
        {"'regs':{'gdpr':1}", NULL, OUR, false, false, false, false},
        {GDPR_CONSENT, NULL, OUR, false, false, false, false}, /* empty string */
        {"'regs':{'gdpr':1},'user':{'consent':'not a consent string'}", NULL, OUR, false,
         false, false, false},
        {"'regs':{'gdpr':1},'user':{'consent':'CP_joSAP_joSAEsACBENB4EsAP_gAAIAAAqIHC'}", NULL,
         OUR, false, false, false, false}, /* truncated */
        {GDPR_CONSENT, "tcf-no-vendor-consent", OUR, false, false, false, true},
        {GDPR_CONSENT, "tcf-purposes-3-4-missing", OUR, false, false, true, true},
        {GDPR_CONSENT, "tcf-sf1-missing", OUR, false, true, true, false},
        {GDPR_CONSENT, "tcf-restriction-purpose-3", OUR, false, false, true, true},
        {GDPR_CONSENT, "tcf-restriction-purpose-1", OUR, false, true, false, true},
        {GDPR_CONSENT, "tcf-restriction-other-vendor", OUR, false, true, true, true},
        {GDPR_CONSENT, "tcf-restriction-require-li-3", OUR, false, false, true, true},
        {GDPR_CONSENT, "tcf-vendors-range", OUR, false, true, true, true},
        {GDPR_CONSENT, "tcf-vendors-range", 46, false, false, false, true},
        {GDPR_CONSENT, "tcf-vendors-bitfield", OUR, false, true, true, true},
        {GDPR_CONSENT, "tcf-vendors-bitfield", 43, false, false, false, true},
        {GDPR_CONSENT, "tcf-reject-all", OUR, false, false, false, false},
    };
    check_cases(cases, COUNT(cases));
}
END_TEST

START_TEST(whether_gdpr_applies)
{
    static const struct permission_case cases[] = {
        /* the pre-2.6 placements regs.ext.gdpr and user.ext.consent */
        {"'regs':{'ext':{'gdpr':1}},'user':{'ext':{'consent':'%s'}}", "tcf-sf1-missing", OUR,
         false, true, true, false},
        {"'regs':{'ext':{'gdpr':1}}", NULL, OUR, false, false, false, false},
        /* regs.gdpr = 0: no gate, whatever the string says */
        {"'regs':{'gdpr':0},'user':{'consent':'%s'}", "tcf-reject-all", OUR, false, true, true,
         true},
        {"'regs':{'gdpr':0}", NULL, OUR, true, true, true, true},
        /* absent: the policy's default */
        {"'user':{'consent':'%s'}", "tcf-reject-all", OUR, false, true, true, true},
        {"'user':{'consent':'%s'}", "tcf-reject-all", OUR, true, false, false, false},
        {"'user':{'consent':'%s'}", "tcf-full-consent", OUR, true, true, true, true},
        {"", NULL, OUR, true, false, false, false},
    };
    check_cases(cases, COUNT(cases));
}
END_TEST

START_TEST(gpp_tcf_section_counts_as_user_consent)
{
    static const struct permission_case cases[] = {
        {"'regs':{'gdpr':1,'gpp':'%s','gpp_sid':[2]}", "gpp-tcfeuv2", OUR, false, true, true,
         true},
        /* the TCF section does not apply */
        {"'regs':{'gdpr':1,'gpp':'%s','gpp_sid':[7]}", "gpp-tcfeuv2", OUR, false, false, false,
         false},
        /* gpp_sid [2] alone says GDPR applies */
        {"'regs':{'gpp':'%s','gpp_sid':[2]}", "gpp-tcfeuv2", OUR, false, true, true, true},
        {"'regs':{'gpp':'%s','gpp_sid':[2]}", "gpp-tcfeuv2", 44, false, false, false, true},
        /* without gpp_sid the string does not say GDPR applies */
        {"'regs':{'gpp':'%s'}", "gpp-tcfeuv2", 44, false, true, true, true},
        /* user.consent comes first */
        {"'regs':{'gdpr':1,'gpp':'DBABMA~CP_joSAP_joSAEsAAAENB4FoAP_gAAAAAAAAAVgAAAAAAYAAAAAA',"
         "'gpp_sid':[2]},'user':{'consent':'%s'}",
         "tcf-reject-all", OUR, false, false, false, false},
    };
    check_cases(cases, COUNT(cases));
}
END_TEST

START_TEST(us_privacy_and_gpp_us_sections)
{
    static const struct permission_case cases[] = {
        {"'regs':{'us_privacy':'1YYN'}", NULL, OUR, false, false, false, true},
        {"'regs':{'us_privacy':'1yyn'}", NULL, OUR, false, false, false, true},
        {"'regs':{'us_privacy':'1NYY'}", NULL, OUR, false, false, false, true},
        {"'regs':{'us_privacy':'1YNN'}", NULL, OUR, false, true, true, true},
        {"'regs':{'us_privacy':'1---'}", NULL, OUR, false, true, true, true},
        {"'regs':{'us_privacy':'1YX'}", NULL, OUR, false, false, false, true}, /* unreadable */
        {"'regs':{'us_privacy':'2YNN'}", NULL, OUR, false, false, false, true},
        {"'regs':{'ext':{'us_privacy':'1YYN'}}", NULL, OUR, false, false, false, true},
        {"'regs':{'gpp':'%s','gpp_sid':[7]}", "gpp-usnat-sale", OUR, false, false, false, true},
        {"'regs':{'gpp':'%s','gpp_sid':[7]}", "gpp-usnat-targeting", OUR, false, false, false,
         true},
        {"'regs':{'gpp':'%s','gpp_sid':[8]}", "gpp-usnat-sale", OUR, false, true, true, true},
        {"'regs':{'gpp':'%s'}", "gpp-usnat-sale", OUR, false, false, false, true},
        {"'regs':{'gpp':'%s','gpp_sid':[7]}", "gpp-usnat-none", OUR, false, true, true, true},
        {"'regs':{'gpp':'%s','gpp_sid':[8]}", "gpp-usca-targeting", OUR, false, false, false,
         true},
        {"'regs':{'gpp':'%s','gpp_sid':[27]}", "gpp-usri-sale", OUR, false, false, false, true},
        {"'regs':{'gpp':'%s','gpp_sid':[6]}", "gpp-uspv1-opt-out", OUR, false, false, false,
         true},
        {"'regs':{'gpp':'%s','gpp_sid':[6,7]}", "gpp-tcfeuv2-uspv1-usnat", OUR, false, true, true,
         true},
        {"'regs':{'gpp':'DBABLA~C!','gpp_sid':[7]}", NULL, OUR, false, false, false, true},
        {"'regs':{'gpp':'not gpp'}", NULL, OUR, false, false, false, true},
    };
    check_cases(cases, COUNT(cases));
}
END_TEST

/* A TCF or GPP string longer than the decoders take counts as one that does not decode:
 * no consent under GDPR, an opt-out under a US GPP section; up to the bound it decides. */
START_TEST(overlong_strings_count_as_unreadable)
{
    static char text[TCF_MAX_TEXT_LEN + 2];
    const char *full = consent_fixture("tcf-full-consent");
    size_t core_len = strcspn(full, ".");
    memset(text, 'A', sizeof(text));
    memcpy(text, full, core_len);
    text[core_len] = '.';
    struct privacy_policy policy = {.vendor_id = OUR};
    struct bid_request *request = request_of("'regs':{'gdpr':1}", NULL);
    request->user.consent = (struct slice){text, TCF_MAX_TEXT_LEN};
    ck_assert(privacy_permissions(&policy, request).personalize);
    request->user.consent.len++;
    ck_assert(privacy_permissions(&policy, request).contextual_only);
    const char *usnat = consent_fixture("gpp-usnat-none");
    memset(text, 'A', sizeof(text));
    memcpy(text, usnat, strlen(usnat));
    text[strlen(usnat)] = '.'; /* the section's later segment, never read */
    request = request_of("'regs':{'gpp_sid':[7]}", NULL);
    request->regs.gpp = (struct slice){text, GPP_MAX_TEXT_LEN};
    ck_assert(privacy_permissions(&policy, request).personalize);
    request->regs.gpp.len++;
    struct permissions got = privacy_permissions(&policy, request);
    ck_assert(!got.personalize && !got.store_ids && got.precise_geo);
}
END_TEST

START_TEST(coppa_and_limited_tracking)
{
    static const struct permission_case cases[] = {
        {"'regs':{'coppa':1}", NULL, OUR, false, false, false, false},
        {"'regs':{'coppa':1,'gdpr':1},'user':{'consent':'%s'}", "tcf-full-consent", OUR, false,
         false, false, false},
        {"'regs':{'coppa':0}", NULL, OUR, false, true, true, true},
        {"'device':{'lmt':1}", NULL, OUR, false, false, false, true},
        {"'device':{'dnt':1}", NULL, OUR, false, false, false, true},
        {"'device':{'lmt':0,'dnt':0}", NULL, OUR, false, true, true, true},
        {"'device':{'lmt':1},'regs':{'gdpr':1},'user':{'consent':'%s'}", "tcf-full-consent", OUR,
         false, false, false, true},
        {"'device':{'lmt':1},'regs':{'gdpr':1},'user':{'consent':'%s'}", "tcf-sf1-missing", OUR,
         false, false, false, false},
    };
    check_cases(cases, COUNT(cases));
}
END_TEST

/* ---- what the stage removes ---------------------------------------------------------- */

/* A request about a person: ids, user data, a GPS point, IP addresses; device_extra
 * adds device members ("'lmt':1,"). */
#define PERSON(device_extra) \
    "'site':{'id':'s','keywords':'news'}," \
    "'user':{'id':'u-1','buyeruid':'b-1','yob':1990,'gender':'F','keywords':'bikes'," \
    "'data':[{'id':'d','segment':[{'id':'s1'}]}],'consent':'%s'}," \
    "'device':{" device_extra "'ifa':'ifa-1','ip':'81.2.69.142'," \
    "'ipv6':'2001:db8:1234:5678:9abc::1','geo':{'lat':48.86204,'lon':2.33912,'type':1}}"

static struct bid_request *apply(const char *members, const char *fixture,
                                 struct permissions *allowed)
{
    struct bid_request *request = request_of(members, fixture ? consent_fixture(fixture) : NULL);
    struct privacy_policy policy = {.vendor_id = OUR};
    struct permissions computed = privacy_permissions(&policy, request);
    *allowed = privacy_apply(&policy, request, &arena);
    ck_assert(memcmp(allowed, &computed, sizeof(computed)) == 0);
    return request;
}

static void expect_ids(const struct bid_request *request, bool kept)
{
    ck_assert(slice_eq_cstr(request->user.id, kept ? "u-1" : ""));
    ck_assert(slice_eq_cstr(request->user.buyeruid, kept ? "b-1" : ""));
    ck_assert(slice_eq_cstr(request->device.ifa, kept ? "ifa-1" : ""));
}

static void expect_user_data(const struct bid_request *request, bool kept)
{
    ck_assert_uint_eq(request->user.data_count, kept ? 1 : 0);
    ck_assert_int_eq(request->user.yob, kept ? 1990 : -1);
    ck_assert(slice_eq_cstr(request->user.gender, kept ? "F" : ""));
    ck_assert(slice_eq_cstr(request->user.keywords, kept ? "bikes" : ""));
    ck_assert(slice_eq_cstr(request->inventory.keywords, "news")); /* context stays */
}

static void expect_ips(const struct bid_request *request, const char *ip, const char *ipv6)
{
    ck_assert_msg(slice_eq_cstr(request->device.ip, ip), "ip \"%.*s\"",
                  (int)request->device.ip.len, request->device.ip.ptr);
    ck_assert_msg(slice_eq_cstr(request->device.ipv6, ipv6), "ipv6 \"%.*s\"",
                  (int)request->device.ipv6.len, request->device.ipv6.ptr);
}

START_TEST(everything_stays_with_full_consent)
{
    struct permissions allowed;
    struct bid_request *request = apply("'regs':{'gdpr':1}," PERSON(""), "tcf-full-consent", &allowed);
    expect_ids(request, true);
    expect_user_data(request, true);
    expect_ips(request, "81.2.69.142", "2001:db8:1234:5678:9abc::1");
    ck_assert_double_eq(request->device.geo.lat, 48.86204);
    ck_assert_double_eq(request->device.geo.lon, 2.33912);
    ck_assert_int_eq(request->device.geo.accuracy_m, -1);
}
END_TEST

START_TEST(ids_go_without_store_ids)
{
    struct permissions allowed;
    struct bid_request *request =
        apply("'regs':{'gdpr':1}," PERSON(""), "tcf-restriction-purpose-1", &allowed);
    ck_assert(!allowed.store_ids && allowed.personalize);
    expect_ids(request, false);
    expect_user_data(request, true);
}
END_TEST

START_TEST(user_data_goes_without_personalize)
{
    struct permissions allowed;
    struct bid_request *request =
        apply("'regs':{'gdpr':1}," PERSON(""), "tcf-purposes-3-4-missing", &allowed);
    ck_assert(!allowed.personalize && allowed.store_ids);
    expect_ids(request, true);
    expect_user_data(request, false);
}
END_TEST

/* Without special feature 1 both request points are rounded and made coarse, the IP is
 * masked, and the location resolved from them is coarse: an 800 m fence cannot match. */
START_TEST(location_is_coarse_without_precise_geo)
{
    struct permissions allowed;
    struct bid_request *request = apply(
        "'regs':{'gdpr':1},'user':{'consent':'%s','geo':{'lat':-33.86785,'lon':151.20732,"
        "'accuracy':5000}},'device':{'ip':'81.2.69.142','ipv6':'2001:db8:1234:5678:9abc::1',"
        "'geo':{'lat':48.86204,'lon':2.33912,'type':1}}",
        "tcf-sf1-missing", &allowed);
    ck_assert(!allowed.precise_geo && allowed.personalize && allowed.store_ids);
    ck_assert_double_eq_tol(request->device.geo.lat, 48.86, 1e-9);
    ck_assert_double_eq_tol(request->device.geo.lon, 2.34, 1e-9);
    ck_assert_int_eq(request->device.geo.accuracy_m, PRIVACY_COARSE_UNCERTAINTY_M);
    ck_assert_double_eq_tol(request->user.geo.lat, -33.87, 1e-9);
    ck_assert_double_eq_tol(request->user.geo.lon, 151.21, 1e-9);
    ck_assert_int_eq(request->user.geo.accuracy_m, 5000); /* coarser already */
    expect_ips(request, "81.2.69.0", "2001:db8:1234::");
    struct location location;
    geo_resolve(NULL, request, false, &location);
    ck_assert_int_eq(location.source, GEO_SOURCE_GPS);
    ck_assert_double_eq_tol(location.lat, 48.86, 1e-9);
    ck_assert_uint_eq(location.uncertainty_m, PRIVACY_COARSE_UNCERTAINTY_M);
}
END_TEST

START_TEST(limited_tracking_masks_the_ip_and_drops_ids)
{
    struct permissions allowed;
    struct bid_request *request =
        apply("'regs':{'gdpr':0}," PERSON("'lmt':1,"), "tcf-full-consent", &allowed);
    ck_assert(allowed.precise_geo && !allowed.personalize && !allowed.store_ids);
    expect_ips(request, "81.2.69.0", "2001:db8:1234::");
    expect_ids(request, false);
    expect_user_data(request, false);
    ck_assert_double_eq(request->device.geo.lat, 48.86204); /* lmt keeps precise geo */
}
END_TEST

START_TEST(an_address_that_does_not_parse_is_dropped)
{
    struct permissions allowed;
    struct bid_request *request =
        apply("'device':{'dnt':1,'ip':'81.2.69','ipv6':'not:an:address:at:all'}", NULL, &allowed);
    expect_ips(request, "", "");
    request = apply("'regs':{'coppa':1},'device':{'ip':'192.0.2.255','ipv6':'::ffff:192.0.2.1'}",
                    NULL, &allowed);
    ck_assert(allowed.contextual_only);
    expect_ips(request, "192.0.2.0", "::");
    request = apply("'device':{'ip':'81.2.69.142','ipv6':'2001:db8::7'}", NULL, &allowed);
    expect_ips(request, "81.2.69.142", "2001:db8::7"); /* no signal: untouched */
    request = apply("'device':{'lmt':1,'ipv6':'2001:db8::7'}", NULL, &allowed);
    expect_ips(request, "", "2001:db8::");
}
END_TEST

Suite *privacy_suite(void)
{
    Suite *suite = suite_create("privacy");
    TCase *signals = tcase_create("signals");
    tcase_add_checked_fixture(signals, setup, teardown);
    tcase_add_test(signals, tcf_decides_under_gdpr);
    tcase_add_test(signals, whether_gdpr_applies);
    tcase_add_test(signals, gpp_tcf_section_counts_as_user_consent);
    tcase_add_test(signals, us_privacy_and_gpp_us_sections);
    tcase_add_test(signals, overlong_strings_count_as_unreadable);
    tcase_add_test(signals, coppa_and_limited_tracking);
    suite_add_tcase(suite, signals);
    TCase *stage = tcase_create("stage");
    tcase_add_checked_fixture(stage, setup, teardown);
    tcase_add_test(stage, everything_stays_with_full_consent);
    tcase_add_test(stage, ids_go_without_store_ids);
    tcase_add_test(stage, user_data_goes_without_personalize);
    tcase_add_test(stage, location_is_coarse_without_precise_geo);
    tcase_add_test(stage, limited_tracking_masks_the_ip_and_drops_ids);
    tcase_add_test(stage, an_address_that_does_not_parse_is_dropped);
    suite_add_tcase(suite, stage);
    return suite;
}
