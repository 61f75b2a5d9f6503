/* Tests for src/campaign_delivery.c: the delivery fields of a campaign (budget, pacing,
 * frequency_cap, flight, timezone), their defaults, exact values (money, RFC 3339
 * instants with offsets and fractions) and every error with its exact message. */
#include "geobid/campaign.h"

#include "test_support.h"

#include <check.h>
#include <string.h>

#define N_ELEMENTS(array) (sizeof(array) / sizeof((array)[0]))
#define CREATIVE "{'id':'c','w':300,'h':250,'adm':'x'}"
#define CAMPAIGN_WITH(extra)                                                              \
    "{'campaigns':[{'id':'a','bid_cpm':1,'creatives':[" CREATIVE "]" extra "}]}"

static int load(struct campaign_set *set, const char *quoted, struct error *err)
{
    struct arena arena;
    arena_init(&arena, 4096);
    const char *json = test_dq(&arena, quoted);
    int rc = campaign_set_load(set, json, strlen(json), err);
    arena_free(&arena);
    return rc;
}

static struct campaign_delivery load_delivery(const char *quoted)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load(&set, quoted, &err) == 0, "%s", err.message);
    struct campaign_delivery delivery = set.campaigns[0].delivery;
    ck_assert_uint_eq(delivery.timezone.len, 0); /* (timezone tested apart: arena-owned) */
    campaign_set_free(&set);
    return delivery;
}

START_TEST(defaults_mean_no_limits)
{
    struct campaign_delivery d = load_delivery(CAMPAIGN_WITH(""));
    ck_assert_int_eq(d.daily_budget_micros, 0);
    ck_assert_int_eq(d.total_budget_micros, 0);
    ck_assert_int_eq(d.pacing, CAMPAIGN_PACING_EVEN);
    ck_assert_uint_eq(d.cap_max, 0);
    ck_assert(!d.cap_require_user);
    ck_assert_int_eq(d.flight_start_ms, 0);
    ck_assert_int_eq(d.flight_end_ms, 0);
}
END_TEST

START_TEST(every_field_is_read_exactly)
{
    struct campaign_delivery d = load_delivery(CAMPAIGN_WITH(
        ",'budget':{'daily':20.01,'total':300},'pacing':'asap',"
        "'frequency_cap':{'max':3,'window_s':86400,'require_user':true},"
        "'flight':{'start':'2026-12-01T08:00:00+01:00','end':'2026-12-31t23:59:59.5z'}"));
    ck_assert_int_eq(d.daily_budget_micros, 20010000);
    ck_assert_int_eq(d.total_budget_micros, 300000000);
    ck_assert_int_eq(d.pacing, CAMPAIGN_PACING_ASAP);
    ck_assert_uint_eq(d.cap_max, 3);
    ck_assert_uint_eq(d.cap_window_s, 86400);
    ck_assert(d.cap_require_user);
    ck_assert_int_eq(d.flight_start_ms, 1796108400000);     /* 2026-12-01T07:00:00Z */
    ck_assert_int_eq(d.flight_end_ms, 1798761599500);       /* 2026-12-31T23:59:59.5Z */
}
END_TEST

START_TEST(either_budget_and_either_flight_end_may_be_left_out)
{
    struct campaign_delivery d =
        load_delivery(CAMPAIGN_WITH(",'budget':{'total':5},'flight':{'end':'1970-01-02T00:00:00-00:30'}"));
    ck_assert_int_eq(d.daily_budget_micros, 0);
    ck_assert_int_eq(d.total_budget_micros, 5000000);
    ck_assert_int_eq(d.flight_start_ms, 0);
    ck_assert_int_eq(d.flight_end_ms, 86400000 + 1800000);
    d = load_delivery(CAMPAIGN_WITH(",'frequency_cap':{'window_s':1,'max':1}"));
    ck_assert(!d.cap_require_user);
}
END_TEST

START_TEST(the_time_zone_is_kept_by_name)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load(&set, CAMPAIGN_WITH(",'timezone':'Europe/Paris'"), &err) == 0, "%s",
                  err.message);
    ck_assert(slice_eq_cstr(set.campaigns[0].delivery.timezone, "Europe/Paris"));
    campaign_set_free(&set);
}
END_TEST

static const struct {
    const char *json;
    const char *message;
} invalid[] = {
    {CAMPAIGN_WITH(",'budget':5"), "campaigns[0].budget: expected an object"},
    {CAMPAIGN_WITH(",'budget':{}"), "campaigns[0].budget: must set daily, total or both"},
    {CAMPAIGN_WITH(",'budget':{'weekly':3}"), "campaigns[0].budget.weekly: unknown field"},
    {CAMPAIGN_WITH(",'budget':{'daily':0}"), "campaigns[0].budget.daily: must be greater than 0"},
    {CAMPAIGN_WITH(",'budget':{'daily':-1}"), "campaigns[0].budget.daily: must be greater than 0"},
    {CAMPAIGN_WITH(",'budget':{'total':'300'}"), "campaigns[0].budget.total: expected a number"},
    {CAMPAIGN_WITH(",'budget':{'total':0.0000001}"),
     "campaigns[0].budget.total: must have at most 6 decimals"},
    {CAMPAIGN_WITH(",'budget':{'total':1000001}"), "campaigns[0].budget.total: must be at most 1000000"},
    {CAMPAIGN_WITH(",'pacing':'fast'"), "campaigns[0].pacing: must be \"even\" or \"asap\""},
    {CAMPAIGN_WITH(",'pacing':1"), "campaigns[0].pacing: expected a string"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':3}"), "campaigns[0].frequency_cap.window_s: required"},
    {CAMPAIGN_WITH(",'frequency_cap':{'window_s':60}"), "campaigns[0].frequency_cap.max: required"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':0,'window_s':60}"),
     "campaigns[0].frequency_cap.max: must be within [1, 1000000]"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':1,'window_s':31622401}"),
     "campaigns[0].frequency_cap.window_s: must be within [1, 31622400]"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':1.5,'window_s':60}"),
     "campaigns[0].frequency_cap.max: expected an integer"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':1,'window_s':60,'require_user':1}"),
     "campaigns[0].frequency_cap.require_user: expected true or false"},
    {CAMPAIGN_WITH(",'frequency_cap':{'max':1,'window_s':60,'require_user':'true'}"),
     "campaigns[0].frequency_cap.require_user: expected true or false"},
    {CAMPAIGN_WITH(",'flight':{}"), "campaigns[0].flight: must set start, end or both"},
    {CAMPAIGN_WITH(",'flight':{'start':'2026-12-01'}"),
     "campaigns[0].flight.start: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'start':'2026-12-01T08:00:00'}"),
     "campaigns[0].flight.start: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'start':'2026-02-29T08:00:00Z'}"),
     "campaigns[0].flight.start: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'end':'2026-12-01T24:00:00Z'}"),
     "campaigns[0].flight.end: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'end':'2026-12-01T08:00:00+01:00 '}"),
     "campaigns[0].flight.end: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'end':'2026-12-01T08:00:00.Z'}"),
     "campaigns[0].flight.end: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'end':'2026-12-01T08:00:00+24:00'}"),
     "campaigns[0].flight.end: must be an RFC 3339 date-time such as "
     "\"2026-12-01T08:00:00+01:00\""},
    {CAMPAIGN_WITH(",'flight':{'start':'1970-01-01T00:00:00Z'}"),
     "campaigns[0].flight.start: must be after 1970-01-01T00:00:00Z"},
    {CAMPAIGN_WITH(",'flight':{'start':'2026-12-01T08:00:00Z','end':'2026-12-01T08:00:00Z'}"),
     "campaigns[0].flight.end: must be after flight.start"},
    {CAMPAIGN_WITH(",'flight':{'start':'2026-12-01T09:00:00+01:00','end':'2026-12-01T08:00:00Z'}"),
     "campaigns[0].flight.end: must be after flight.start"},
    {CAMPAIGN_WITH(",'timezone':'Europe/Atlantis'"),
     "campaigns[0].timezone: unknown time zone (expected an IANA name such as \"Europe/Paris\")"},
    {CAMPAIGN_WITH(",'timezone':'europe/paris'"),
     "campaigns[0].timezone: unknown time zone (expected an IANA name such as \"Europe/Paris\")"},
    {CAMPAIGN_WITH(",'timezone':''"),
     "campaigns[0].timezone: unknown time zone (expected an IANA name such as \"Europe/Paris\")"},
};

START_TEST(errors_name_the_exact_place)
{
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(load(&set, invalid[_i].json, &err) == -1, "accepted %s", invalid[_i].json);
    ck_assert_str_eq(err.message, invalid[_i].message);
    ck_assert_ptr_null(set.campaigns);
}
END_TEST

Suite *campaign_delivery_suite(void)
{
    Suite *suite = suite_create("campaign_delivery");
    TCase *tc = tcase_create("campaign_delivery");
    tcase_add_test(tc, defaults_mean_no_limits);
    tcase_add_test(tc, every_field_is_read_exactly);
    tcase_add_test(tc, either_budget_and_either_flight_end_may_be_left_out);
    tcase_add_test(tc, the_time_zone_is_kept_by_name);
    tcase_add_loop_test(tc, errors_name_the_exact_place, 0, N_ELEMENTS(invalid));
    suite_add_tcase(suite, tc);
    return suite;
}
