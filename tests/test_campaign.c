/* Tests for src/campaign.c: the example file, exact money parsing, every error class
 * with its exact message, all-or-nothing loading, normalisation of codes and names. */
#include "geobid/campaign.h"

#include "geobid/alloc.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_ELEMENTS(array) (sizeof(array) / sizeof((array)[0]))

/* Loads text written with ' for " (keeps the tables readable). */
static int load_quoted(struct campaign_set *set, const char *text, struct error *err)
{
    size_t len = strlen(text);
    char *json = xstrndup(text, len);
    for (size_t i = 0; i < len; i++)
        if (json[i] == '\'')
            json[i] = '"';
    int rc = campaign_set_load(set, json, len, err);
    memset(json, 'X', len); /* the set must not point into the text */
    free(json);
    return rc;
}

static void assert_slice(struct slice actual, const char *expected)
{
    ck_assert_msg(slice_eq_cstr(actual, expected), "got \"%.*s\", expected \"%s\"",
                  (int)actual.len, actual.ptr ? actual.ptr : "", expected);
}

static void assert_list(const struct slice_list *list, size_t count, const char *const *items)
{
    ck_assert_uint_eq(list->count, count);
    for (size_t i = 0; i < count; i++)
        assert_slice(list->items[i], items[i]);
}

static void assert_empty_set(const struct campaign_set *set)
{
    ck_assert_ptr_null(set->campaigns);
    ck_assert_uint_eq(set->count, 0);
    ck_assert_ptr_null(set->arena.head);
    ck_assert_uint_eq(set->arena.used, 0);
}

#define CREATIVE "{'id':'c','w':300,'h':250,'adm':'x'}"
/* A valid one-campaign file; EXTRA adds members to the campaign. */
#define CAMPAIGN_WITH(extra)                                                              \
    "{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]" extra "}]}"

/* ---- the example file ---------------------------------------------------------- */

START_TEST(example_file_loads_with_exact_values)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(campaign_set_load_file(&set, "examples/campaigns.json", &err) == 0, "%s",
                  err.message);
    ck_assert_uint_eq(set.count, 5);

    const struct campaign *cafe = &set.campaigns[0];
    assert_slice(cafe->id, "cafe-velo-800m");
    assert_slice(cafe->name, "Caf\xc3\xa9 V\xc3\xa9lo \xe2\x80\x94 800 m around the shop");
    ck_assert(cafe->active);
    ck_assert_int_eq(cafe->bid_cpm_micros, 2500000);
    ck_assert_str_eq(cafe->currency, "EUR");
    ck_assert_uint_eq(cafe->geo.radius_count, 1);
    ck_assert(cafe->geo.radius[0].lat == 48.8606);
    ck_assert(cafe->geo.radius[0].lon == 2.3376);
    ck_assert_uint_eq(cafe->geo.radius[0].radius_m, 800);
    ck_assert_uint_eq(cafe->geo.countries.count, 0);
    ck_assert_uint_eq(cafe->geo.max_accuracy_m, 0);
    ck_assert_uint_eq(cafe->device_types, DEVICE_TYPE_BIT_PHONE | DEVICE_TYPE_BIT_TABLET);
    assert_list(&cafe->os, 2, (const char *const[]){"ios", "android"});
    ck_assert_uint_eq(cafe->creative_count, 2);
    const struct creative *mrec = &cafe->creatives[0];
    assert_slice(mrec->id, "cafe-velo-300x250");
    ck_assert_int_eq(mrec->w, 300);
    ck_assert_int_eq(mrec->h, 250);
    ck_assert(mrec->adm.len > 0 && strncmp(mrec->adm.ptr, "<a href=\"https://cafe-velo", 26) == 0);
    assert_list(&mrec->adomain, 1, (const char *const[]){"cafe-velo.example"});
    assert_slice(mrec->iurl, "https://cafe-velo.example/ads/espresso-300x250.png");
    assert_list(&mrec->cat, 1, (const char *const[]){"IAB8"});
    ck_assert_int_eq(cafe->creatives[1].w, 320);
    ck_assert_int_eq(cafe->creatives[1].h, 50);

    const struct campaign *bikes = &set.campaigns[1];
    assert_slice(bikes->id, "cykelverkstan-2km");
    ck_assert_int_eq(bikes->bid_cpm_micros, 22000000);
    ck_assert_str_eq(bikes->currency, "SEK");
    ck_assert(bikes->geo.radius[0].lat == 58.4108 && bikes->geo.radius[0].lon == 15.6214);
    ck_assert_uint_eq(bikes->geo.radius[0].radius_m, 2000);
    ck_assert_uint_eq(bikes->device_types, DEVICE_TYPE_BIT_MOBILE_TABLET |
                                               DEVICE_TYPE_BIT_PHONE | DEVICE_TYPE_BIT_TABLET);
    ck_assert_uint_eq(bikes->os.count, 0);
    assert_slice(bikes->creatives[0].iurl, "");

    const struct campaign *clinic = &set.campaigns[2];
    ck_assert_int_eq(clinic->bid_cpm_micros, 4000000);
    ck_assert_str_eq(clinic->currency, "USD");
    ck_assert(clinic->geo.radius[0].lat == 47.25 && clinic->geo.radius[0].lon == -122.31);
    ck_assert_uint_eq(clinic->geo.radius[0].radius_m, 5000);
    ck_assert_uint_eq(clinic->geo.max_accuracy_m, 2000);
    ck_assert_uint_eq(clinic->device_types, DEVICE_TYPE_BIT_MOBILE_TABLET | DEVICE_TYPE_BIT_PHONE |
                                                DEVICE_TYPE_BIT_TABLET | DEVICE_TYPE_BIT_PC);
    ck_assert_int_eq(clinic->creatives[0].w, 728);
    ck_assert_int_eq(clinic->creatives[0].h, 90);

    const struct campaign *bakery = &set.campaigns[3];
    ck_assert_int_eq(bakery->bid_cpm_micros, 1800000);
    ck_assert_str_eq(bakery->currency, "GBP");
    ck_assert_uint_eq(bakery->geo.radius_count, 0);
    assert_list(&bakery->geo.countries, 1, (const char *const[]){"GB"});
    assert_list(&bakery->geo.cities, 1, (const char *const[]){"London"});
    ck_assert_uint_eq(bakery->device_types, 0);

    const struct campaign *paused = &set.campaigns[4];
    assert_slice(paused->id, "cafe-velo-evening");
    ck_assert(!paused->active);
    ck_assert_int_eq(paused->bid_cpm_micros, 3000000);
    assert_list(&paused->geo.countries, 1, (const char *const[]){"FR"}); /* from "FRA" */
    assert_list(&paused->geo.postal_codes, 2, (const char *const[]){"75001", "75002"});
    ck_assert_uint_eq(paused->creative_count, 1);

    campaign_set_free(&set);
    assert_empty_set(&set);
}
END_TEST

/* ---- money ------------------------------------------------------------------------ */

static const struct {
    const char *text;
    int64_t micros;
} valid_amounts[] = {
    {"2.5", 2500000},         {"2.50", 2500000},        {"0.000001", 1},
    {"3", 3000000},           {"0.29", 290000},         {"4.35", 4350000},
    {"12.345678", 12345678},  {"1000000", 1000000000000}, {"1000000.000000", 1000000000000},
    {"0.0000010", 1},         {"1e3", 1000000000},      {"1E-6", 1},
    {"2.5e-1", 250000},       {"100e-8", 1},            {"1.0e6", 1000000000000},
    {"0.5e+1", 5000000},      {"2.01", 2010000},        {"0.000249", 249},
};

START_TEST(money_is_parsed_exactly)
{
    char json[256];
    snprintf(json, sizeof(json),
             "{'campaigns':[{'id':'a','bid_cpm':%s,'creatives':[" CREATIVE "]}]}",
             valid_amounts[_i].text);
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load_quoted(&set, json, &err) == 0, "%s: %s", valid_amounts[_i].text,
                  err.message);
    ck_assert_msg(set.campaigns[0].bid_cpm_micros == valid_amounts[_i].micros,
                  "%s: got %lld micros", valid_amounts[_i].text,
                  (long long)set.campaigns[0].bid_cpm_micros);
    campaign_set_free(&set);
}
END_TEST

static const struct {
    const char *text;
    const char *message;
} invalid_amounts[] = {
    {"0.0000001", "campaigns[0].bid_cpm: must have at most 6 decimals"},
    {"2.5000001", "campaigns[0].bid_cpm: must have at most 6 decimals"},
    {"1e-7", "campaigns[0].bid_cpm: must have at most 6 decimals"},
    {"1e-999999", "campaigns[0].bid_cpm: must have at most 6 decimals"},
    {"-1", "campaigns[0].bid_cpm: must be greater than 0"},
    {"-0.5", "campaigns[0].bid_cpm: must be greater than 0"},
    {"0", "campaigns[0].bid_cpm: must be greater than 0"},
    {"0.000000", "campaigns[0].bid_cpm: must be greater than 0"},
    {"-0", "campaigns[0].bid_cpm: must be greater than 0"},
    {"1000000.000001", "campaigns[0].bid_cpm: must be at most 1000000"},
    {"1e7", "campaigns[0].bid_cpm: must be at most 1000000"},
    {"1e999999999", "campaigns[0].bid_cpm: must be at most 1000000"},
    {"99999999999999999999999", "campaigns[0].bid_cpm: must be at most 1000000"},
    {"'2.50'", "campaigns[0].bid_cpm: expected a number"},
    {"true", "campaigns[0].bid_cpm: expected a number"},
    {"null", "campaigns[0].bid_cpm: expected a number"},
    {"[2]", "campaigns[0].bid_cpm: expected a number"},
};

START_TEST(bad_money_is_rejected)
{
    char json[256];
    snprintf(json, sizeof(json),
             "{'campaigns':[{'id':'a','bid_cpm':%s,'creatives':[" CREATIVE "]}]}",
             invalid_amounts[_i].text);
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load_quoted(&set, json, &err) == -1, "accepted %s", invalid_amounts[_i].text);
    ck_assert_str_eq(err.message, invalid_amounts[_i].message);
    assert_empty_set(&set);
}
END_TEST

/* ---- every error class ------------------------------------------------------------ */

static const struct {
    const char *json;
    const char *message;
} invalid_files[] = {
    /* the document */
    {"", "truncated JSON"},
    {"{'campaigns':[}", "malformed JSON at byte 14"},
    {"[]", "expected an object"},
    {"{}", "campaigns: required"},
    {"{'campaigns':{}}", "campaigns: expected an array"},
    {"{'campaigns':[],'version':1}", "version: unknown field"},
    {"{'campaigns':[],'campaigns':[]}", "campaigns: duplicate field"},
    {"{'campaigns':[1]}", "campaigns[0]: expected an object"},
    /* campaign */
    {"{'campaigns':[{}]}", "campaigns[0].id: required"},
    {"{'campaigns':[{'id':'a','creatives':[" CREATIVE "]}]}", "campaigns[0].bid_cpm: required"},
    {"{'campaigns':[{'id':'a','bid_cpm':1}]}", "campaigns[0].creatives: required"},
    {"{'campaigns':[{'id':'','bid_cpm':1,'creatives':[" CREATIVE "]}]}",
     "campaigns[0].id: must not be empty"},
    {"{'campaigns':[{'id':7,'bid_cpm':1,'creatives':[" CREATIVE "]}]}",
     "campaigns[0].id: expected a string"},
    {CAMPAIGN_WITH(",'id':'b'"), "campaigns[0].id: duplicate field"},
    {CAMPAIGN_WITH(",'bid_cmp':1"), "campaigns[0].bid_cmp: unknown field"},
    {CAMPAIGN_WITH(",'name':null"), "campaigns[0].name: expected a string"},
    {CAMPAIGN_WITH(",'name':'\\ud800'"), "campaigns[0].name: invalid escape sequence"},
    {CAMPAIGN_WITH(",'status':'stopped'"), "campaigns[0].status: must be \"active\" or \"paused\""},
    {CAMPAIGN_WITH(",'status':true"), "campaigns[0].status: expected a string"},
    {CAMPAIGN_WITH(",'currency':'EURO'"), "campaigns[0].currency: must be three letters (ISO 4217)"},
    {CAMPAIGN_WITH(",'currency':'E1R'"), "campaigns[0].currency: must be three letters (ISO 4217)"},
    {CAMPAIGN_WITH(",'currency':''"), "campaigns[0].currency: must be three letters (ISO 4217)"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]},"
     "{'id':'b','bid_cpm':-2,'creatives':[" CREATIVE "]}]}",
     "campaigns[1].bid_cpm: must be greater than 0"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]},"
     "{'id':'b','bid_cpm':1,'creatives':[" CREATIVE "]},"
     "{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]}]}",
     "campaigns[2].id: must be unique (campaigns[0] has the same id)"},
    /* geo */
    {CAMPAIGN_WITH(",'geo':[]"), "campaigns[0].geo: expected an object"},
    {CAMPAIGN_WITH(",'geo':{'radious':[]}"), "campaigns[0].geo.radious: unknown field"},
    {CAMPAIGN_WITH(",'geo':{'radius':{}}"), "campaigns[0].geo.radius: expected an array"},
    {CAMPAIGN_WITH(",'geo':{'radius':[]}"), "campaigns[0].geo.radius: must not be empty"},
    {CAMPAIGN_WITH(",'geo':{'radius':[[]]}"), "campaigns[0].geo.radius[0]: expected an object"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':91,'lon':0,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lat: must be within [-90, 90]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':-90.5,'lon':0,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lat: must be within [-90, 90]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':'48.8','lon':0,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lat: expected a number"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':180.01,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lon: must be within [-180, 180]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':1e999,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lon: must be within [-180, 180]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'radius_m':1}]}"),
     "campaigns[0].geo.radius[0].lon: required"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':1},{'lat':0,'lon':0}]}"),
     "campaigns[0].geo.radius[1].radius_m: required"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':0}]}"),
     "campaigns[0].geo.radius[0].radius_m: must be within [1, 20000000]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':20000001}]}"),
     "campaigns[0].geo.radius[0].radius_m: must be within [1, 20000000]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':99999999999999999999}]}"),
     "campaigns[0].geo.radius[0].radius_m: must be within [1, 20000000]"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':800.5}]}"),
     "campaigns[0].geo.radius[0].radius_m: expected an integer"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':8e2}]}"),
     "campaigns[0].geo.radius[0].radius_m: expected an integer"},
    {CAMPAIGN_WITH(",'geo':{'radius':[{'lat':0,'lon':0,'radius_m':1,'accuracy':5}]}"),
     "campaigns[0].geo.radius[0].accuracy: unknown field"},
    {CAMPAIGN_WITH(",'geo':{'countries':['FR','XXX']}"),
     "campaigns[0].geo.countries[1]: must be an ISO 3166-1 alpha-2 or alpha-3 country code"},
    {CAMPAIGN_WITH(",'geo':{'countries':['FR','uk']}"),
     "campaigns[0].geo.countries[1]: must be an ISO 3166-1 alpha-2 or alpha-3 country code"},
    {CAMPAIGN_WITH(",'geo':{'countries':['F1']}"),
     "campaigns[0].geo.countries[0]: must be an ISO 3166-1 alpha-2 or alpha-3 country code"},
    {CAMPAIGN_WITH(",'geo':{'countries':['FRAN']}"),
     "campaigns[0].geo.countries[0]: must be an ISO 3166-1 alpha-2 or alpha-3 country code"},
    {CAMPAIGN_WITH(",'geo':{'countries':[]}"), "campaigns[0].geo.countries: must not be empty"},
    {CAMPAIGN_WITH(",'geo':{'countries':'FR'}"), "campaigns[0].geo.countries: expected an array"},
    {CAMPAIGN_WITH(",'geo':{'regions':[1]}"), "campaigns[0].geo.regions[0]: expected a string"},
    {CAMPAIGN_WITH(",'geo':{'cities':['Paris','']}"),
     "campaigns[0].geo.cities[1]: must not be empty"},
    {CAMPAIGN_WITH(",'geo':{'postal_codes':75001}"),
     "campaigns[0].geo.postal_codes: expected an array"},
    {CAMPAIGN_WITH(",'geo':{'max_accuracy_m':0}"),
     "campaigns[0].geo.max_accuracy_m: must be within [1, 20000000]"},
    {CAMPAIGN_WITH(",'geo':{'max_accuracy_m':'1km'}"),
     "campaigns[0].geo.max_accuracy_m: expected an integer"},
    /* device */
    {CAMPAIGN_WITH(",'device':{'types':['watch']}"),
     "campaigns[0].device.types[0]: must be one of mobile, phone, tablet, desktop, ctv, "
     "connected_device, set_top_box"},
    {CAMPAIGN_WITH(",'device':{'types':[]}"), "campaigns[0].device.types: must not be empty"},
    {CAMPAIGN_WITH(",'device':{'types':'phone'}"), "campaigns[0].device.types: expected an array"},
    {CAMPAIGN_WITH(",'device':{'os':[]}"), "campaigns[0].device.os: must not be empty"},
    {CAMPAIGN_WITH(",'device':{'oss':['ios']}"), "campaigns[0].device.oss: unknown field"},
    {CAMPAIGN_WITH(",'device':'phone'"), "campaigns[0].device: expected an object"},
    /* creatives */
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[]}]}",
     "campaigns[0].creatives: must not be empty"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':{}}]}",
     "campaigns[0].creatives: expected an array"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','h':1,'adm':'x'}]}]}",
     "campaigns[0].creatives[0].w: required"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1}]}]}",
     "campaigns[0].creatives[0].adm: required"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'w':1,'h':1,'adm':'x'}]}]}",
     "campaigns[0].creatives[0].id: required"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':0,'h':1,'adm':'x'}]}]}",
     "campaigns[0].creatives[0].w: must be within [1, 10000]"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':'250','adm':'x'}]}]}",
     "campaigns[0].creatives[0].h: expected an integer"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':-5,'adm':'x'}]}]}",
     "campaigns[0].creatives[0].h: must be within [1, 10000]"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':''}]}]}",
     "campaigns[0].creatives[0].adm: must not be empty"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE ",{'id':'c','w':1,'h':1,"
     "'adm':'x','adomain':'c.example'}]}]}",
     "campaigns[0].creatives[1].adomain: expected an array"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x',"
     "'cat':['IAB1',2]}]}]}",
     "campaigns[0].creatives[0].cat[1]: expected a string"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x',"
     "'size':'300x250'}]}]}",
     "campaigns[0].creatives[0].size: unknown field"},
    {"{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE ",{'id':'d','w':1,'h':1,"
     "'adm':'x'}," CREATIVE "]}]}",
     "campaigns[0].creatives[2].id: must be unique (creatives[0] has the same id)"},
    /* long keys are shortened in the message */
    {CAMPAIGN_WITH(",'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz':1"),
     "campaigns[0].abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuv...: unknown field"},
};

START_TEST(invalid_files_are_rejected_with_exact_messages)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load_quoted(&set, invalid_files[_i].json, &err) == -1, "accepted %s",
                  invalid_files[_i].json);
    ck_assert_str_eq(err.message, invalid_files[_i].message);
    assert_empty_set(&set);
}
END_TEST

/* ---- all or nothing, ownership ---------------------------------------------------- */

START_TEST(nothing_is_loaded_on_a_late_error)
{
    struct campaign_set set;
    memset(&set, 0xA5, sizeof(set)); /* whatever the caller had: overwritten */
    struct error err = {""};
    const char *json = "{'campaigns':[" /* two good campaigns, then a bad fence */
                       "{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]},"
                       "{'id':'b','bid_cpm':2,'creatives':[" CREATIVE "]},"
                       "{'id':'c','bid_cpm':3,'creatives':[" CREATIVE "],"
                       "'geo':{'radius':[{'lat':0,'lon':0,'radius_m':1e9}]}}]}";
    ck_assert_int_eq(load_quoted(&set, json, &err), -1);
    ck_assert_str_eq(err.message, "campaigns[2].geo.radius[0].radius_m: expected an integer");
    assert_empty_set(&set);
    campaign_set_free(&set); /* harmless on an empty set */
    assert_empty_set(&set);
}
END_TEST

START_TEST(strings_are_copied_out_of_the_text)
{
    struct campaign_set set;
    struct error err = {""};
    /* load_quoted overwrites and frees the text before we look at the set */
    ck_assert_msg(load_quoted(&set, CAMPAIGN_WITH(",'name':'Caf\\u00e9 \\'V\\''"), &err) == 0,
                  "%s", err.message);
    assert_slice(set.campaigns[0].id, "a");
    assert_slice(set.campaigns[0].name, "Caf\xc3\xa9 \"V\"");
    assert_slice(set.campaigns[0].creatives[0].id, "c");
    assert_slice(set.campaigns[0].creatives[0].adm, "x");
    campaign_set_free(&set);
}
END_TEST

START_TEST(defaults_apply)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load_quoted(&set, CAMPAIGN_WITH(""), &err) == 0, "%s", err.message);
    const struct campaign *c = &set.campaigns[0];
    ck_assert(c->active);
    ck_assert_str_eq(c->currency, "USD");
    ck_assert_uint_eq(c->name.len, 0);
    ck_assert_uint_eq(c->geo.radius_count, 0);
    ck_assert_uint_eq(c->geo.countries.count + c->geo.regions.count + c->geo.cities.count +
                          c->geo.postal_codes.count, 0);
    ck_assert_uint_eq(c->geo.max_accuracy_m, 0);
    ck_assert_uint_eq(c->device_types, 0);
    ck_assert_uint_eq(c->os.count, 0);
    ck_assert_uint_eq(c->creatives[0].adomain.count + c->creatives[0].cat.count, 0);
    campaign_set_free(&set);
}
END_TEST

START_TEST(empty_campaign_list_and_byte_order_mark_are_accepted)
{
    struct campaign_set set;
    struct error err = {""};
    const char text[] = "\xEF\xBB\xBF{\"campaigns\": []}\n";
    ck_assert_msg(campaign_set_load(&set, text, sizeof(text) - 1, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(set.count, 0);
    campaign_set_free(&set);
}
END_TEST

/* ---- normalisation ---------------------------------------------------------------- */

START_TEST(codes_and_names_are_normalised)
{
    struct campaign_set set;
    struct error err = {""};
    const char *json = CAMPAIGN_WITH(",'currency':'sek','geo':{'countries':['fra','GBR','se',"
                                     "'US'],'regions':['IDF'],'cities':['Paris']},"
                                     "'device':{'os':['iOS','Android']}");
    ck_assert_msg(load_quoted(&set, json, &err) == 0, "%s", err.message);
    const struct campaign *c = &set.campaigns[0];
    ck_assert_str_eq(c->currency, "SEK");
    assert_list(&c->geo.countries, 4, (const char *const[]){"FR", "GB", "SE", "US"});
    ck_assert_int_eq(c->geo.countries.items[0].ptr[2], '\0'); /* usable as a C string */
    assert_list(&c->geo.regions, 1, (const char *const[]){"IDF"});
    assert_list(&c->geo.cities, 1, (const char *const[]){"Paris"});
    assert_list(&c->os, 2, (const char *const[]){"ios", "android"});
    campaign_set_free(&set);

    ck_assert_int_eq(load_quoted(&set, "{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{"
                                       "'id':'c','w':1,'h':1,'adm':'x','adomain':['Shop.EXAMPLE'],"
                                       "'cat':['IAB8-1']}]}]}", &err), 0);
    assert_list(&set.campaigns[0].creatives[0].adomain, 1, (const char *const[]){"shop.example"});
    assert_list(&set.campaigns[0].creatives[0].cat, 1, (const char *const[]){"IAB8-1"});
    campaign_set_free(&set);
}
END_TEST

static const struct {
    const char *types;
    uint32_t bits;
} device_types[] = {
    {"'mobile'", DEVICE_TYPE_BIT_MOBILE_TABLET | DEVICE_TYPE_BIT_PHONE | DEVICE_TYPE_BIT_TABLET},
    {"'phone'", DEVICE_TYPE_BIT_PHONE},
    {"'tablet'", DEVICE_TYPE_BIT_TABLET},
    {"'desktop'", DEVICE_TYPE_BIT_PC},
    {"'ctv'", DEVICE_TYPE_BIT_CTV | DEVICE_TYPE_BIT_SET_TOP_BOX},
    {"'connected_device'", DEVICE_TYPE_BIT_CONNECTED_DEVICE},
    {"'set_top_box'", DEVICE_TYPE_BIT_SET_TOP_BOX},
    {"'Phone','DESKTOP'", DEVICE_TYPE_BIT_PHONE | DEVICE_TYPE_BIT_PC},
    {"'phone','mobile'", DEVICE_TYPE_BIT_MOBILE_TABLET | DEVICE_TYPE_BIT_PHONE |
                             DEVICE_TYPE_BIT_TABLET},
};

START_TEST(device_types_map_to_openrtb_bits)
{
    char json[256];
    snprintf(json, sizeof(json), CAMPAIGN_WITH(",'device':{'types':[%s]}"),
             device_types[_i].types);
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load_quoted(&set, json, &err) == 0, "%s: %s", device_types[_i].types,
                  err.message);
    ck_assert_uint_eq(set.campaigns[0].device_types, device_types[_i].bits);
    campaign_set_free(&set);
}
END_TEST

START_TEST(bit_values_follow_openrtb_devicetype)
{
    /* OpenRTB 2.x devicetype: 1 mobile/tablet, 2 PC, 3 CTV, 4 phone, 5 tablet,
     * 6 connected device, 7 set-top box. */
    ck_assert_uint_eq(DEVICE_TYPE_BIT_MOBILE_TABLET, 1u << 1);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_PC, 1u << 2);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_CTV, 1u << 3);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_PHONE, 1u << 4);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_TABLET, 1u << 5);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_CONNECTED_DEVICE, 1u << 6);
    ck_assert_uint_eq(DEVICE_TYPE_BIT_SET_TOP_BOX, 1u << 7);
}
END_TEST

/* ---- the documentation ------------------------------------------------------------ */

/* Every ```json block of docs/campaigns.md is a complete file that must load. */
START_TEST(documentation_examples_load)
{
    char *doc = test_read_file("docs/campaigns.md", NULL);
    int examples = 0;
    for (char *block = strstr(doc, "```json\n"); block != NULL;
         block = strstr(block, "```json\n")) {
        block += strlen("```json\n");
        char *end = strstr(block, "```");
        ck_assert_ptr_nonnull(end);
        struct campaign_set set;
        struct error err = {""};
        ck_assert_msg(campaign_set_load(&set, block, (size_t)(end - block), &err) == 0,
                      "example %d of docs/campaigns.md: %s", examples + 1, err.message);
        ck_assert_uint_ge(set.count, 1);
        campaign_set_free(&set);
        examples++;
        block = end + 3;
    }
    ck_assert_int_ge(examples, 10);
    free(doc);
}
END_TEST

/* ---- files ---------------------------------------------------------------------------- */

START_TEST(file_errors_name_the_file)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_int_eq(campaign_set_load_file(&set, "/nonexistent/campaigns.json", &err), -1);
    ck_assert_str_eq(err.message, "/nonexistent/campaigns.json: No such file or directory");
    assert_empty_set(&set);

    ck_assert_int_eq(campaign_set_load_file(&set, "examples", &err), -1);
    ck_assert_str_eq(err.message, "examples: Is a directory");

    char path[] = "/tmp/geobid-campaigns-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *bad = "{\"campaigns\": [{\"name\": \"no id\"}]}";
    ck_assert_int_eq(write(fd, bad, strlen(bad)), (ssize_t)strlen(bad));
    close(fd);
    int rc = campaign_set_load_file(&set, path, &err);
    unlink(path);
    ck_assert_int_eq(rc, -1);
    char expected[300];
    snprintf(expected, sizeof(expected), "%s: campaigns[0].id: required", path);
    ck_assert_str_eq(err.message, expected);
    assert_empty_set(&set);
}
END_TEST

Suite *campaign_suite(void)
{
    Suite *suite = suite_create("campaign");
    TCase *tc = tcase_create("loader");
    tcase_add_test(tc, example_file_loads_with_exact_values);
    tcase_add_loop_test(tc, money_is_parsed_exactly, 0, N_ELEMENTS(valid_amounts));
    tcase_add_loop_test(tc, bad_money_is_rejected, 0, N_ELEMENTS(invalid_amounts));
    tcase_add_loop_test(tc, invalid_files_are_rejected_with_exact_messages, 0,
                        N_ELEMENTS(invalid_files));
    tcase_add_test(tc, nothing_is_loaded_on_a_late_error);
    tcase_add_test(tc, strings_are_copied_out_of_the_text);
    tcase_add_test(tc, defaults_apply);
    tcase_add_test(tc, empty_campaign_list_and_byte_order_mark_are_accepted);
    tcase_add_test(tc, codes_and_names_are_normalised);
    tcase_add_loop_test(tc, device_types_map_to_openrtb_bits, 0, N_ELEMENTS(device_types));
    tcase_add_test(tc, bit_values_follow_openrtb_devicetype);
    tcase_add_test(tc, documentation_examples_load);
    tcase_add_test(tc, file_errors_name_the_file);
    suite_add_tcase(suite, tc);
    return suite;
}
