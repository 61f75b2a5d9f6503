/* Tests for src/campaign_audience.c and src/campaign_schedule.c: audience and schedule
 * objects load into the model, and every malformed one is refused with the exact place
 * and nothing loaded. */
#include "geobid/campaign.h"

#include "geobid/tz.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define CAMPAIGN_WITH(extra)                                                               \
    "{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]"  \
    extra "}]}"

static struct arena arena;

static void setup(void)
{
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    arena_free(&arena);
}

static int load(struct campaign_set *set, const char *text, struct error *err)
{
    const char *json = test_dq(&arena, text);
    return campaign_set_load(set, json, strlen(json), err);
}

START_TEST(the_issue_example_loads)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(campaign_set_load_file(&set, "examples/audience-campaigns.json", &err) == 0,
                  "%s", err.message);
    const struct campaign *campaign = &set.campaigns[0];
    const struct audience_group *audience = &campaign->audience;
    ck_assert_uint_eq(audience->all.count, 4);
    ck_assert_int_eq(audience->all.items[0].kind, AUDIENCE_GENDER);
    ck_assert_int_eq(audience->all.items[0].gender, 'F');
    ck_assert_int_eq(audience->all.items[1].kind, AUDIENCE_AGE);
    ck_assert_int_eq(audience->all.items[1].age_min, 25);
    ck_assert_int_eq(audience->all.items[1].age_max, 35);
    const struct audience_item *visitor = &audience->all.items[2];
    ck_assert_int_eq(visitor->kind, AUDIENCE_SEGMENT);
    ck_assert(slice_eq_cstr(visitor->text, "ethical-clothing-visitor"));
    ck_assert_uint_eq(visitor->within_days, 30);
    ck_assert_uint_eq(visitor->min_count, 1);
    const struct audience_item *data = &audience->all.items[3];
    ck_assert_int_eq(data->kind, AUDIENCE_DATA_SEGMENT);
    ck_assert(slice_eq_cstr(data->text, "acme-dmp") && slice_eq_cstr(data->id, "sustainable-fashion"));
    ck_assert_uint_eq(audience->none.count, 1);
    ck_assert_uint_eq(audience->none.items[0].within_days, 7);
    ck_assert_uint_eq(campaign->device_types, DEVICE_TYPE_BIT_PHONE);
    ck_assert(campaign->schedule.present);
    ck_assert_ptr_null(campaign->schedule.zone);
    ck_assert_uint_eq(campaign->schedule.hours, 0xFu << 7);
    ck_assert_uint_eq(campaign->schedule.days, SCHEDULE_ALL_DAYS);
    campaign_set_free(&set);
}
END_TEST

START_TEST(items_are_normalised)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load(&set, CAMPAIGN_WITH(",'audience':{'any':[{'keyword':'Bio'},"
                                           "{'domain':'LeMonde.FR'},{'os':'iOS'},"
                                           "{'device_type':'Tablet'},{'gender':'m'},"
                                           "{'age':{'max':30}},{'category':'IAB18'}]},"
                                           "'schedule':{'days':['Sat','sun'],'hours':[[22,24],"
                                           "[0,2]],'timezone':'Europe/Paris'}"),
                       &err) == 0,
                  "%s", err.message);
    const struct audience_list *any = &set.campaigns[0].audience.any;
    ck_assert(slice_eq_cstr(any->items[0].text, "bio"));
    ck_assert(slice_eq_cstr(any->items[1].text, "lemonde.fr"));
    ck_assert(slice_eq_cstr(any->items[2].text, "ios"));
    ck_assert_uint_eq(any->items[3].device_types, DEVICE_TYPE_BIT_TABLET);
    ck_assert_int_eq(any->items[4].gender, 'M');
    ck_assert_int_eq(any->items[5].age_min, 13);
    ck_assert_int_eq(any->items[5].age_max, 30);
    const struct schedule *schedule = &set.campaigns[0].schedule;
    ck_assert_uint_eq(schedule->days, 0x60);
    ck_assert_uint_eq(schedule->hours, 0xC00003u);
    ck_assert(slice_eq_cstr(tz_zone_name(schedule->zone), "Europe/Paris"));
    campaign_set_free(&set);
}
END_TEST

/* Nine nested groups (the audience and eight items) and the path to the eighth item. */
#define NESTED_9                                                                           \
    "{'all':[{'all':[{'all':[{'all':[{'all':[{'all':[{'all':[{'all':[{'all':[{'os':'x'}"      \
    "]}]}]}]}]}]}]}]}]}"
#define AT_8 ".all[0].all[0].all[0].all[0].all[0].all[0].all[0].all[0]"

static const struct {
    const char *extra;
    const char *message;
} invalid[] = {
    {",'audience':[]", "campaigns[0].audience: expected an object"},
    {",'audience':{'segment':'s'}", "campaigns[0].audience.segment: unknown field"},
    {",'audience':{'all':{}}", "campaigns[0].audience.all: expected an array"},
    {",'audience':{'all':[{}]}",
     "campaigns[0].audience.all[0]: must hold a condition (segment, data_segment, gender, age, "
     "keyword, category, domain, app_bundle, device_type, os) or a group (all, any, none)"},
    {",'audience':{'all':[{'gender':'F','os':'ios'}]}",
     "campaigns[0].audience.all[0]: must hold exactly one condition; combine conditions with "
     "all, any or none"},
    {",'audience':{'all':[{'any':[],'os':'ios'}]}",
     "campaigns[0].audience.all[0]: must hold exactly one condition; combine conditions with "
     "all, any or none"},
    {",'audience':{'all':[{'os':'ios','within_days':3}]}",
     "campaigns[0].audience.all[0]: within_days and min_count only apply to a segment"},
    {",'audience':{'all':[{'age':{'min':25}},{'age':{'min':12}}]}",
     "campaigns[2].audience.all[1].age.min: must be within [13, 120]"},
    {",'audience':{'all':[{'age':{'min':30,'max':25}}]}",
     "campaigns[0].audience.all[0].age: min must not be greater than max"},
    {",'audience':{'all':[{'age':{}}]}", "campaigns[0].audience.all[0].age: must have min or max"},
    {",'audience':{'all':[{'age':{'min':25.5}}]}",
     "campaigns[0].audience.all[0].age.min: expected an integer"},
    {",'audience':{'any':[{'segment':'a b'}]}",
     "campaigns[0].audience.any[0].segment: must be a segment name: 1 to 128 letters, digits, "
     "'-', '_', '.' or ':'"},
    {",'audience':{'any':[{'segment':'s','within_days':0}]}",
     "campaigns[0].audience.any[0].within_days: must be within [1, 3650]"},
    {",'audience':{'any':[{'segment':'s','min_count':0}]}",
     "campaigns[0].audience.any[0].min_count: must be within [1, 1000000]"},
    {",'audience':{'none':[{'data_segment':{'provider':'p'}}]}",
     "campaigns[0].audience.none[0].data_segment.id: required"},
    {",'audience':{'none':[{'data_segment':{'provider':'','id':'x'}}]}",
     "campaigns[0].audience.none[0].data_segment.provider: must not be empty"},
    {",'audience':{'all':[{'gender':'female'}]}",
     "campaigns[0].audience.all[0].gender: must be \"F\", \"M\" or \"O\""},
    {",'audience':{'all':[{'keyword':'a,b'}]}",
     "campaigns[0].audience.all[0].keyword: must be one keyword (no comma)"},
    {",'audience':{'all':[{'keyword':''}]}", "campaigns[0].audience.all[0].keyword: must not be empty"},
    {",'audience':{'all':[{'device_type':'watch'}]}",
     "campaigns[0].audience.all[0].device_type: must be one of mobile, phone, tablet, desktop, "
     "ctv, connected_device, set_top_box"},
    {",'audience':{'all':[{'domain':null}]}", "campaigns[0].audience.all[0].domain: expected a string"},
    {",'audience':" NESTED_9, "campaigns[0].audience" AT_8 ".all: groups nested deeper than 8 levels"},
    {",'schedule':{}", "campaigns[0].schedule.timezone: required"},
    {",'schedule':{'timezone':'Europe/Pariss'}",
     "campaigns[0].schedule.timezone: must be \"user\" or an IANA time zone name such as "
     "\"Europe/Paris\""},
    {",'schedule':{'timezone':'user','days':[]}", "campaigns[0].schedule.days: must not be empty"},
    {",'schedule':{'timezone':'user','days':['monday']}",
     "campaigns[0].schedule.days[0]: must be one of mon, tue, wed, thu, fri, sat, sun"},
    {",'schedule':{'timezone':'user','hours':[7,11]}",
     "campaigns[0].schedule.hours[0]: must be [start, end], two hours"},
    {",'schedule':{'timezone':'user','hours':[[7,25]]}",
     "campaigns[0].schedule.hours[0][1]: must be within [0, 24]"},
    {",'schedule':{'timezone':'user','hours':[[7,11],[22,2]]}",
     "campaigns[0].schedule.hours[1]: start must be before end (write [22, 24], [0, 2] across "
     "midnight)"},
};

START_TEST(invalid_rules_are_refused_with_the_place)
{
    char text[1024];
    if (strncmp(invalid[_i].message, "campaigns[2]", 12) == 0) /* a later campaign */
        snprintf(text, sizeof(text),
                 "{'campaigns':[" "{'id':'a','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]},"
                 "{'id':'b','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]},"
                 "{'id':'d','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]%s}]}",
                 invalid[_i].extra);
    else
        snprintf(text, sizeof(text), CAMPAIGN_WITH("%s"), invalid[_i].extra);
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load(&set, text, &err) == -1, "accepted %s", invalid[_i].extra);
    ck_assert_str_eq(err.message, invalid[_i].message);
    ck_assert_ptr_null(set.campaigns);
    ck_assert_uint_eq(set.count, 0);
}
END_TEST

Suite *campaign_audience_suite(void)
{
    Suite *suite = suite_create("campaign_audience");
    TCase *tc = tcase_create("loader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_issue_example_loads);
    tcase_add_test(tc, items_are_normalised);
    tcase_add_loop_test(tc, invalid_rules_are_refused_with_the_place, 0,
                        sizeof(invalid) / sizeof(invalid[0]));
    suite_add_tcase(suite, tc);
    return suite;
}
