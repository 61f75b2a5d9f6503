/* Tests for src/audience.c: the meaning of all/any/none and nesting, every item kind,
 * segment windows and counts at their edges, age from yob at year boundaries, and what
 * holds without permission to personalise. */
#include "geobid/audience.h"

#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/tz.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

static struct arena arena;
static struct campaign_set set;
static struct bid_request request;
static struct bid_context context;
static struct segment_membership memberships[4];

/* 2026-06-15T12:00:00Z */
static const int64_t june_2026_s = 1781524800;

static void setup(void)
{
    arena_init(&arena, 4096);
    memset(&set, 0, sizeof(set));
    bid_request_init(&request);
    context = (struct bid_context){.request = &request,
                                   .permissions = {.personalize = true, .store_ids = true},
                                   .now_ms = june_2026_s * 1000};
    context.profile = (struct profile){memberships, 0};
}

static void teardown(void)
{
    campaign_set_free(&set);
    arena_free(&arena);
}

/* Loads one campaign with the audience (written with ' for ") and returns it. */
static const struct audience_group *audience(const char *json)
{
    char text[4096];
    snprintf(text, sizeof(text),
             "{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,"
             "'adm':'x'}],'audience':%s}]}",
             json);
    const char *quoted = test_dq(&arena, text);
    struct error err = {""};
    campaign_set_free(&set);
    ck_assert_msg(campaign_set_load(&set, quoted, strlen(quoted), &err) == 0, "%s", err.message);
    return &set.campaigns[0].audience;
}

static bool holds(const char *json)
{
    return audience_group_matches(audience(json), &context);
}

static void member(const char *segment, int64_t last_seen_s, uint32_t count)
{
    memberships[context.profile.count++] =
        (struct segment_membership){slice_from_cstr(segment), last_seen_s, count};
}

/* ---- groups -------------------------------------------------------------------- */

START_TEST(empty_audience_holds_for_everyone)
{
    ck_assert(holds("{}"));
    ck_assert(holds("{'all':[],'any':[],'none':[]}"));
}
END_TEST

START_TEST(all_needs_every_item)
{
    request.user.gender = SLICE_LITERAL("F");
    request.device.os = SLICE_LITERAL("iOS");
    ck_assert(holds("{'all':[{'gender':'F'},{'os':'ios'}]}"));
    request.device.os = SLICE_LITERAL("Android");
    ck_assert(!holds("{'all':[{'gender':'F'},{'os':'ios'}]}"));
}
END_TEST

START_TEST(any_needs_one_item_when_not_empty)
{
    request.user.gender = SLICE_LITERAL("M");
    request.device.os = SLICE_LITERAL("ios");
    ck_assert(holds("{'any':[{'gender':'F'},{'os':'ios'}]}"));
    request.device.os = SLICE_LITERAL("android");
    ck_assert(!holds("{'any':[{'gender':'F'},{'os':'ios'}]}"));
    ck_assert(holds("{'all':[{'gender':'M'}],'any':[]}"));
}
END_TEST

START_TEST(none_refuses_any_holding_item)
{
    request.device.os = SLICE_LITERAL("ios");
    ck_assert(!holds("{'none':[{'os':'android'},{'os':'ios'}]}"));
    ck_assert(holds("{'none':[{'os':'android'},{'os':'windows'}]}"));
}
END_TEST

START_TEST(all_any_none_combine)
{
    request.user.gender = SLICE_LITERAL("F");
    request.inventory.keywords = SLICE_LITERAL("organic");
    const char *rule = "{'all':[{'gender':'F'}],'any':[{'keyword':'organic'},{'keyword':'fair'}],"
                       "'none':[{'domain':'bad.example'}]}";
    ck_assert(holds(rule));
    request.inventory.domain = SLICE_LITERAL("www.bad.example");
    ck_assert(!holds(rule));
    request.inventory.domain = SLICE_LITERAL("good.example");
    request.inventory.keywords = SLICE_LITERAL("cheap");
    ck_assert(!holds(rule));
}
END_TEST

START_TEST(groups_nest)
{
    const char *rule = "{'all':[{'any':[{'os':'ios'},{'all':[{'os':'android'},"
                       "{'device_type':'tablet'}]}]},{'none':[{'gender':'M'}]}]}";
    request.device.os = SLICE_LITERAL("android");
    request.device.devicetype = 5;
    ck_assert(holds(rule));
    request.device.devicetype = 4;
    ck_assert(!holds(rule));
    request.device.os = SLICE_LITERAL("ios");
    ck_assert(holds(rule));
    request.user.gender = SLICE_LITERAL("M");
    ck_assert(!holds(rule));
}
END_TEST

/* ---- first-party segments --------------------------------------------------------- */

START_TEST(segment_window_is_inclusive)
{
    const char *rule = "{'all':[{'segment':'ethical-clothing-visitor','within_days':30}]}";
    member("ethical-clothing-visitor", june_2026_s - 30 * 86400, 1);
    ck_assert(holds(rule));
    memberships[0].last_seen_s -= 1;
    ck_assert(!holds(rule));
}
END_TEST

START_TEST(segment_without_window_is_any_time)
{
    member("visitor", june_2026_s - 3000 * 86400, 1);
    ck_assert(holds("{'all':[{'segment':'visitor'}]}"));
    ck_assert(!holds("{'all':[{'segment':'Visitor'}]}")); /* names are exact */
    ck_assert(!holds("{'all':[{'segment':'other'}]}"));
}
END_TEST

START_TEST(segment_count_is_at_least)
{
    const char *rule = "{'all':[{'segment':'buyer','within_days':7,'min_count':3}]}";
    member("buyer", june_2026_s - 86400, 3);
    ck_assert(holds(rule));
    memberships[0].count = 2;
    ck_assert(!holds(rule));
}
END_TEST

START_TEST(recent_buyers_are_excluded)
{
    const char *rule = "{'all':[{'segment':'visitor','within_days':30}],"
                       "'none':[{'segment':'buyer','within_days':7}]}";
    member("buyer", june_2026_s - 7 * 86400 - 1, 1); /* bought 7 days and a second ago */
    member("visitor", june_2026_s - 86400, 5);
    ck_assert(holds(rule));
    memberships[0].last_seen_s += 1;
    ck_assert(!holds(rule));
}
END_TEST

/* ---- exchange segments, gender, age ---------------------------------------------- */

START_TEST(data_segment_by_provider_name_or_id)
{
    struct user_segment segments[] = {{SLICE_LITERAL("other"), {0}, {0}},
                                      {SLICE_LITERAL("sustainable-fashion"), {0}, {0}}};
    struct user_data data = {SLICE_LITERAL("dmp-7"), SLICE_LITERAL("acme-dmp"), segments, 2};
    request.user.data = &data;
    request.user.data_count = 1;
    ck_assert(holds("{'all':[{'data_segment':{'provider':'acme-dmp','id':'sustainable-fashion'}}]}"));
    ck_assert(holds("{'all':[{'data_segment':{'provider':'dmp-7','id':'sustainable-fashion'}}]}"));
    ck_assert(!holds("{'all':[{'data_segment':{'provider':'acme','id':'sustainable-fashion'}}]}"));
    ck_assert(!holds("{'all':[{'data_segment':{'provider':'acme-dmp','id':'sustainable'}}]}"));
}
END_TEST

START_TEST(gender_ignores_case)
{
    request.user.gender = SLICE_LITERAL("f");
    ck_assert(holds("{'all':[{'gender':'F'}]}"));
    ck_assert(!holds("{'all':[{'gender':'M'}]}"));
    request.user.gender = (struct slice){NULL, 0};
    ck_assert(!holds("{'all':[{'gender':'F'}]}"));
}
END_TEST

static int64_t utc_s(int year, int month, int day, int hour, int minute, int second)
{
    return tz_days_from_civil((struct civil_date){year, month, day}) * 86400 + hour * 3600 +
           minute * 60 + second;
}

START_TEST(age_is_reached_during_the_year)
{
    const char *rule = "{'all':[{'age':{'min':25,'max':35}}]}";
    request.user.yob = 1991; /* 35 during 2026, 36 during 2027 */
    context.now_ms = utc_s(2026, 12, 31, 23, 59, 59) * 1000;
    ck_assert(holds(rule));
    context.now_ms = utc_s(2027, 1, 1, 0, 0, 0) * 1000;
    ck_assert(!holds(rule));
    request.user.yob = 2002; /* 24 during 2026, 25 during 2027 */
    ck_assert(holds(rule));
    context.now_ms = utc_s(2026, 12, 31, 23, 59, 59) * 1000;
    ck_assert(!holds(rule));
    request.user.yob = -1;
    ck_assert(!holds(rule));
    ck_assert_int_eq(audience_age_in_year(1990, utc_s(2026, 1, 1, 0, 0, 0)), 36);
}
END_TEST

/* ---- context ------------------------------------------------------------------------ */

START_TEST(keywords_are_whole_words_ignoring_case)
{
    request.inventory.keywords = SLICE_LITERAL("Fashion, Sustainable ,eco,,");
    ck_assert(holds("{'all':[{'keyword':'sustainable'}]}"));
    ck_assert(holds("{'all':[{'keyword':'ECO'}]}"));
    ck_assert(!holds("{'all':[{'keyword':'sustain'}]}"));
    request.inventory.keywords = (struct slice){NULL, 0};
    request.user.keywords = SLICE_LITERAL("sustainable");
    ck_assert(holds("{'all':[{'keyword':'sustainable'}]}"));
}
END_TEST

START_TEST(categories_include_subcategories_and_content)
{
    struct slice cats[] = {SLICE_LITERAL("iab18-3"), SLICE_LITERAL("IAB2")};
    struct slice content[] = {SLICE_LITERAL("IAB20-1")};
    request.inventory.cat = (struct slice_list){cats, 2};
    request.inventory.content_cat = (struct slice_list){content, 1};
    ck_assert(holds("{'all':[{'category':'IAB18'}]}"));
    ck_assert(holds("{'all':[{'category':'IAB18-3'}]}"));
    ck_assert(holds("{'all':[{'category':'IAB20'}]}"));
    ck_assert(!holds("{'all':[{'category':'IAB1'}]}"));
    ck_assert(!holds("{'all':[{'category':'IAB18-30'}]}"));
    ck_assert(!holds("{'all':[{'category':'IAB2-1'}]}"));
}
END_TEST

START_TEST(domains_include_subdomains)
{
    request.inventory.domain = SLICE_LITERAL("www.LeMonde.fr");
    ck_assert(holds("{'all':[{'domain':'lemonde.fr'}]}"));
    ck_assert(holds("{'all':[{'domain':'www.lemonde.fr'}]}"));
    ck_assert(!holds("{'all':[{'domain':'monde.fr'}]}"));
    ck_assert(!holds("{'all':[{'domain':'shop.lemonde.fr'}]}"));
    /* the test the bidder's badv shares: an empty entry blocks no domain */
    ck_assert(audience_domain_within(SLICE_LITERAL("a.Example"), SLICE_LITERAL("example")));
    ck_assert(!audience_domain_within(SLICE_LITERAL("example."), SLICE_LITERAL("")));
    ck_assert(audience_domain_within(SLICE_LITERAL(""), SLICE_LITERAL("")));
}
END_TEST

START_TEST(app_bundle_device_type_and_os)
{
    request.inventory.bundle = SLICE_LITERAL("com.Example.App");
    request.device.devicetype = 4;
    request.device.os = SLICE_LITERAL("iOS");
    ck_assert(holds("{'all':[{'app_bundle':'com.example.app'},{'device_type':'phone'},"
                    "{'device_type':'mobile'},{'os':'IOS'}]}"));
    ck_assert(!holds("{'all':[{'app_bundle':'com.example'}]}"));
    ck_assert(!holds("{'all':[{'device_type':'tablet'}]}"));
    request.device.devicetype = -1;
    ck_assert(!holds("{'all':[{'device_type':'phone'}]}"));
}
END_TEST

/* ---- privacy --------------------------------------------------------------------------- */

START_TEST(personal_items_need_permission)
{
    struct user_segment segment = {SLICE_LITERAL("s1"), {0}, {0}};
    struct user_data data = {{0}, SLICE_LITERAL("dmp"), &segment, 1};
    request.user = (struct user){.yob = 1990, .gender = SLICE_LITERAL("F"),
                                 .keywords = SLICE_LITERAL("vegan"), .data = &data,
                                 .data_count = 1};
    request.inventory.keywords = SLICE_LITERAL("news");
    member("visitor", june_2026_s, 1);
    const char *personal[] = {
        "{'all':[{'segment':'visitor'}]}", "{'all':[{'data_segment':{'provider':'dmp','id':'s1'}}]}",
        "{'all':[{'gender':'F'}]}",        "{'all':[{'age':{'min':30}}]}",
        "{'all':[{'keyword':'vegan'}]}",
    };
    for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
        ck_assert_msg(holds(personal[i]), "%s", personal[i]);
    context.permissions.personalize = false;
    for (size_t i = 0; i < sizeof(personal) / sizeof(personal[0]); i++)
        ck_assert_msg(!holds(personal[i]), "%s", personal[i]);
    ck_assert(holds("{'all':[{'keyword':'news'}]}")); /* the site's own keywords */
    ck_assert(holds("{'none':[{'segment':'visitor'}]}"));
}
END_TEST

/* ---- text ------------------------------------------------------------------------------- */

START_TEST(items_format_as_text)
{
    const struct audience_group *group = audience(
        "{'all':[{'segment':'v','within_days':30,'min_count':2},{'age':{'min':25}},"
        "{'any':[{'gender':'f'},{'data_segment':{'provider':'p','id':'i'}}],"
        "'none':[{'device_type':'Phone'}]}]}");
    const char *expected[] = {"segment=v within_days=30 min_count=2", "age=25-120",
                              "any(gender=F, data_segment=p/i) none(device_type=phone)"};
    for (size_t i = 0; i < 3; i++) {
        struct outbuf out;
        outbuf_init(&out, &arena, 16);
        audience_item_format(&group->all.items[i], &out);
        ck_assert_int_eq((int)out.len, (int)strlen(expected[i]));
        ck_assert(memcmp(out.data, expected[i], out.len) == 0);
    }
}
END_TEST

Suite *audience_suite(void)
{
    Suite *suite = suite_create("audience");
    TCase *tc = tcase_create("rules");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, empty_audience_holds_for_everyone);
    tcase_add_test(tc, all_needs_every_item);
    tcase_add_test(tc, any_needs_one_item_when_not_empty);
    tcase_add_test(tc, none_refuses_any_holding_item);
    tcase_add_test(tc, all_any_none_combine);
    tcase_add_test(tc, groups_nest);
    tcase_add_test(tc, segment_window_is_inclusive);
    tcase_add_test(tc, segment_without_window_is_any_time);
    tcase_add_test(tc, segment_count_is_at_least);
    tcase_add_test(tc, recent_buyers_are_excluded);
    tcase_add_test(tc, data_segment_by_provider_name_or_id);
    tcase_add_test(tc, gender_ignores_case);
    tcase_add_test(tc, age_is_reached_during_the_year);
    tcase_add_test(tc, keywords_are_whole_words_ignoring_case);
    tcase_add_test(tc, categories_include_subcategories_and_content);
    tcase_add_test(tc, domains_include_subdomains);
    tcase_add_test(tc, app_bundle_device_type_and_os);
    tcase_add_test(tc, personal_items_need_permission);
    tcase_add_test(tc, items_format_as_text);
    suite_add_tcase(suite, tc);
    return suite;
}
