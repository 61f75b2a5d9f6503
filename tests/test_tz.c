/* Tests for src/tz.c and src/schedule.c: offsets across daylight-saving changes (Paris,
 * 2026-03-29 and 2026-10-25), footer rules beyond the files' transitions, agreement with
 * glibc on random instants, malformed TZif data, and schedules in a zone, in the user's
 * zone and in the user's UTC offset. */
#include "geobid/tz.h"

#include "geobid/schedule.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct tz_zone *zone(const char *name)
{
    const struct tz_database *database = tz_system_database();
    ck_assert_msg(tz_database_problem(database)[0] == '\0', "%s", tz_database_problem(database));
    const struct tz_zone *found = tz_database_find(database, slice_from_cstr(name));
    ck_assert_msg(found != NULL, "%s not found", name);
    return found;
}

static int64_t utc_s(int year, int month, int day, int hour, int minute, int second)
{
    return tz_days_from_civil((struct civil_date){year, month, day}) * 86400 + hour * 3600 +
           minute * 60 + second;
}

/* ---- civil dates ---------------------------------------------------------------- */

START_TEST(civil_dates_round_trip)
{
    ck_assert_int_eq(tz_days_from_civil((struct civil_date){1970, 1, 1}), 0);
    ck_assert_int_eq(tz_days_from_civil((struct civil_date){2000, 3, 1}), 11017);
    ck_assert_int_eq(tz_day_of_seconds(-1), -1);
    ck_assert_int_eq(tz_day_of_seconds(86399), 0);
    for (int64_t day = -800000; day < 800000; day += 97) {
        struct civil_date date = tz_civil_from_days(day);
        ck_assert_int_eq(tz_days_from_civil(date), day);
        ck_assert(date.month >= 1 && date.month <= 12 && date.day >= 1 && date.day <= 31);
    }
    struct civil_date leap = tz_civil_from_days(tz_days_from_civil((struct civil_date){2024, 2, 29}));
    ck_assert(leap.year == 2024 && leap.month == 2 && leap.day == 29);
}
END_TEST

/* ---- zones ------------------------------------------------------------------------ */

START_TEST(paris_changes_at_one_utc_in_2026)
{
    const struct tz_zone *paris = zone("Europe/Paris");
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 3, 29, 0, 59, 59)), 3600);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 3, 29, 1, 0, 0)), 7200);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 10, 25, 0, 59, 59)), 7200);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 10, 25, 1, 0, 0)), 3600);
}
END_TEST

START_TEST(footer_rules_hold_after_the_files_transitions)
{
    const struct tz_zone *paris = zone("Europe/Paris");
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2070, 3, 30, 0, 59, 59)), 3600);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2070, 3, 30, 1, 0, 0)), 7200);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2100, 7, 1, 0, 0, 0)), 7200);
    const struct tz_zone *sydney = zone("Australia/Sydney"); /* summer in January */
    ck_assert_int_eq(tz_zone_offset_s(sydney, utc_s(2060, 1, 15, 0, 0, 0)), 11 * 3600);
    ck_assert_int_eq(tz_zone_offset_s(sydney, utc_s(2060, 7, 15, 0, 0, 0)), 10 * 3600);
    ck_assert_int_eq(tz_zone_offset_s(zone("Asia/Kolkata"), utc_s(2050, 1, 1, 0, 0, 0)), 19800);
    ck_assert_int_eq(tz_zone_offset_s(zone("UTC"), utc_s(2026, 6, 1, 0, 0, 0)), 0);
}
END_TEST

/* glibc's localtime_r under TZ is the reference here (tests only: it is what the tables
 * replace on the hot path). */
START_TEST(offsets_agree_with_glibc)
{
    static const char *const names[] = {"Europe/Paris",     "America/New_York",
                                        "Australia/Sydney", "Australia/Lord_Howe",
                                        "Asia/Kolkata",     "America/Sao_Paulo",
                                        "Pacific/Chatham",  "Africa/Casablanca",
                                        "America/Santiago", "Asia/Tehran"};
    const char *saved = getenv("TZ");
    char *saved_copy = saved ? strdup(saved) : NULL;
    uint64_t state = 88172645463325252u;
    for (size_t z = 0; z < sizeof(names) / sizeof(names[0]); z++) {
        const struct tz_zone *ours = zone(names[z]);
        setenv("TZ", names[z], 1);
        tzset();
        for (int i = 0; i < 3000; i++) {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            time_t when = (time_t)(state % (uint64_t)utc_s(2099, 1, 1, 0, 0, 0));
            struct tm local;
            ck_assert(localtime_r(&when, &local) != NULL);
            ck_assert_msg(tz_zone_offset_s(ours, when) == local.tm_gmtoff,
                          "%s at %lld: ours %d, glibc %ld", names[z], (long long)when,
                          tz_zone_offset_s(ours, when), local.tm_gmtoff);
        }
    }
    if (saved_copy)
        setenv("TZ", saved_copy, 1);
    else
        unsetenv("TZ");
    tzset();
    free(saved_copy);
}
END_TEST

START_TEST(database_skips_copies_and_finds_links)
{
    const struct tz_database *database = tz_system_database();
    ck_assert_uint_gt(tz_database_count(database), 300);
    ck_assert_ptr_null(tz_database_find(database, SLICE_LITERAL("posix/Europe/Paris")));
    ck_assert_ptr_null(tz_database_find(database, SLICE_LITERAL("europe/paris")));
    ck_assert_ptr_nonnull(tz_database_find(database, SLICE_LITERAL("US/Eastern")));
    struct error err = {""};
    ck_assert_ptr_null(tz_database_open("/nonexistent-zoneinfo", &err));
    ck_assert_str_eq(err.message, "/nonexistent-zoneinfo: No such file or directory");
}
END_TEST

/* ---- TZif data built here -------------------------------------------------------------- */

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24), p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8), p[3] = (unsigned char)v;
    return 4;
}

/* A version 2 file with one type of offset_s, footer, and in its 64-bit block one
 * transition (to that type) at *transition_s (NULL: none). */
static size_t make_tzif_with(unsigned char *out, int32_t offset_s, const int64_t *transition_s,
                             const char *footer)
{
    size_t n = 0;
    for (int block = 0; block < 2; block++) {
        memcpy(out + n, "TZif2", 5);
        memset(out + n + 5, 0, 15);
        n += 20;
        uint32_t times = block == 1 && transition_s != NULL;
        uint32_t counts[6] = {0, 0, 0, times, 1, 4}; /* isut isstd leap time type char */
        for (int i = 0; i < 6; i++)
            n += put32(out + n, counts[i]);
        if (times) {
            n += put32(out + n, (uint32_t)((uint64_t)*transition_s >> 32));
            n += put32(out + n, (uint32_t)*transition_s);
            out[n++] = 0; /* its type */
        }
        n += put32(out + n, (uint32_t)offset_s);
        out[n++] = 0, out[n++] = 0;
        memcpy(out + n, "XYZ", 4);
        n += 4;
    }
    n += (size_t)sprintf((char *)out + n, "\n%s\n", footer);
    return n;
}

/* A version 2 file with no transitions, one type of offset_s, and footer. */
static size_t make_tzif(unsigned char *out, int32_t offset_s, const char *footer)
{
    return make_tzif_with(out, offset_s, NULL, footer);
}

START_TEST(footer_rules_of_every_form)
{
    unsigned char data[256];
    struct error err = {""};
    /* Paris's rule, written with a Julian day and a day-of-year too. */
    size_t len = make_tzif(data, 3600, "CET-1CEST,M3.5.0,M10.5.0/3");
    struct tz_zone *paris = tz_zone_parse(SLICE_LITERAL("test"), data, len, &err);
    ck_assert_msg(paris != NULL, "%s", err.message);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 3, 29, 1, 0, 0)), 7200);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(2026, 10, 25, 1, 0, 0)), 3600);
    ck_assert_int_eq(tz_zone_offset_s(paris, utc_s(1975, 7, 1, 0, 0, 0)), 7200);
    tz_zone_free(paris);
    len = make_tzif(data, 0, "<+00>0<+01>-1,J60/0,200/-1:30");
    struct tz_zone *julian = tz_zone_parse(SLICE_LITERAL("test"), data, len, &err);
    ck_assert_msg(julian != NULL, "%s", err.message);
    /* J60 is March 1 even in a leap year; day 200 counts February 29 (July 19 in 2028),
     * and -1:30 is 22:30 local summer time the day before: 21:30 UTC */
    ck_assert_int_eq(tz_zone_offset_s(julian, utc_s(2028, 2, 29, 23, 59, 59)), 0);
    ck_assert_int_eq(tz_zone_offset_s(julian, utc_s(2028, 3, 1, 0, 0, 0)), 3600);
    ck_assert_int_eq(tz_zone_offset_s(julian, utc_s(2028, 7, 18, 21, 29, 59)), 3600);
    ck_assert_int_eq(tz_zone_offset_s(julian, utc_s(2028, 7, 18, 21, 30, 0)), 0);
    tz_zone_free(julian);
}
END_TEST

/* A last transition far beyond the tables (in year 2^31 + 1000, which an int32 year
 * wraps to a negative one) adds no rule expansion, and loading stays instant. */
START_TEST(last_transition_beyond_the_tables)
{
    unsigned char data[256];
    struct error err = {""};
    const int64_t far_s = (INT64_C(1) << 31) * 31556952 + INT64_C(1000) * 31556952;
    size_t len = make_tzif_with(data, 3600, &far_s, "CET-1CEST,M3.5.0,M10.5.0/3");
    struct tz_zone *zone_far = tz_zone_parse(SLICE_LITERAL("far"), data, len, &err);
    ck_assert_msg(zone_far != NULL, "%s", err.message);
    ck_assert_uint_eq(tz_zone_transition_count(zone_far), 0); /* no change of offset */
    ck_assert_int_eq(tz_zone_offset_s(zone_far, utc_s(2050, 7, 1, 0, 0, 0)), 3600);
    tz_zone_free(zone_far);
    const int64_t in_2000_s = utc_s(2000, 1, 1, 0, 0, 0);
    len = make_tzif_with(data, 3600, &in_2000_s, "CET-1CEST,M3.5.0,M10.5.0/3");
    struct tz_zone *zone_2000 = tz_zone_parse(SLICE_LITERAL("2000"), data, len, &err);
    ck_assert_msg(zone_2000 != NULL, "%s", err.message);
    ck_assert_int_eq(tz_zone_offset_s(zone_2000, utc_s(2050, 7, 1, 0, 0, 0)), 7200);
    ck_assert_uint_eq(tz_zone_transition_count(zone_2000), 2 * (TZ_LAST_TABLE_YEAR - 1999));
    tz_zone_free(zone_2000);
}
END_TEST

START_TEST(malformed_data_is_refused)
{
    unsigned char data[256];
    struct error err = {""};
    size_t len = make_tzif(data, 3600, "CET-1CEST,M3.5.0,M10.5.0/3");
    ck_assert_ptr_null(tz_zone_parse(SLICE_LITERAL("z"), data, 10, &err));
    ck_assert_str_eq(err.message, "z: not a TZif file");
    ck_assert_ptr_null(tz_zone_parse(SLICE_LITERAL("z"), data, len - 1, &err));
    ck_assert_str_eq(err.message, "z: missing footer");
    ck_assert_ptr_null(tz_zone_parse(SLICE_LITERAL("z"), data, 50, &err));
    ck_assert_str_eq(err.message, "z: truncated");
    const char *bad_footers[] = {"CET", "CET-1CEST,M13.5.0,M10.5.0", "CET-1CEST,M3.5.0",
                                 "C-1", "CET-1CEST,M3.5.0,M10.5.0/200", "<AB-1"};
    for (size_t i = 0; i < sizeof(bad_footers) / sizeof(bad_footers[0]); i++) {
        len = make_tzif(data, 3600, bad_footers[i]);
        ck_assert_msg(tz_zone_parse(SLICE_LITERAL("z"), data, len, &err) == NULL, "%s",
                      bad_footers[i]);
        ck_assert_str_eq(err.message, "z: malformed footer rule");
    }
    len = make_tzif(data, 30 * 3600, "");
    ck_assert_ptr_null(tz_zone_parse(SLICE_LITERAL("z"), data, len, &err));
    ck_assert_str_eq(err.message, "z: UTC offset out of range");
}
END_TEST

/* ---- schedules ------------------------------------------------------------------------------ */

static struct schedule morning(const struct tz_zone *in)
{
    return (struct schedule){.present = true, .days = SCHEDULE_ALL_DAYS,
                             .hours = 0xF << 7 /* 7:00 to 10:59 */, .zone = in};
}

START_TEST(schedule_follows_paris_across_dst)
{
    struct schedule schedule = morning(zone("Europe/Paris"));
    struct location nowhere = {0};
    /* 28 March 2026: CET, 06:30 UTC is 07:30 local; 29 March: CEST, 05:30 UTC is 07:30 */
    ck_assert(schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 3, 28, 6, 30, 0) * 1000));
    ck_assert(!schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 3, 28, 5, 30, 0) * 1000));
    ck_assert(schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 3, 29, 5, 30, 0) * 1000));
    ck_assert(!schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 3, 29, 9, 0, 0) * 1000));
    /* 25 October: back to CET at 01:00 UTC; 09:59:59 UTC is 10:59:59 local */
    ck_assert(schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 10, 25, 9, 59, 59) * 1000));
    ck_assert(!schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 10, 25, 10, 0, 0) * 1000));
    ck_assert(!schedule_matches(&schedule, &nowhere, NULL, utc_s(2026, 10, 24, 9, 0, 0) * 1000));
}
END_TEST

START_TEST(schedule_days_are_local)
{
    struct schedule schedule = morning(zone("Pacific/Auckland"));
    schedule.days = 1 << 0; /* Monday */
    /* Sunday 2026-06-14 20:00 UTC is Monday 08:00 in Auckland (NZST, +12) */
    ck_assert(schedule_matches(&schedule, &(struct location){0}, NULL,
                               utc_s(2026, 6, 14, 20, 0, 0) * 1000));
    schedule.days = 1 << 6; /* Sunday */
    ck_assert(!schedule_matches(&schedule, &(struct location){0}, NULL,
                                utc_s(2026, 6, 14, 20, 0, 0) * 1000));
}
END_TEST

START_TEST(user_schedule_uses_the_location)
{
    struct schedule schedule = morning(NULL);
    const struct tz_database *zones = tz_system_database();
    int64_t now_ms = utc_s(2026, 3, 29, 5, 30, 0) * 1000; /* 07:30 in Paris */
    struct location paris = {.time_zone = SLICE_LITERAL("Europe/Paris")};
    ck_assert(schedule_matches(&schedule, &paris, zones, now_ms));
    struct location offset = {.has_utc_offset = true, .utc_offset_min = 120};
    ck_assert(schedule_matches(&schedule, &offset, zones, now_ms));
    offset.utc_offset_min = 0;
    ck_assert(!schedule_matches(&schedule, &offset, zones, now_ms));
    struct location unknown_zone = {.time_zone = SLICE_LITERAL("Mars/Olympus")};
    ck_assert(!schedule_matches(&schedule, &unknown_zone, zones, now_ms));
    unknown_zone.has_utc_offset = true, unknown_zone.utc_offset_min = 120;
    ck_assert(schedule_matches(&schedule, &unknown_zone, zones, now_ms));
    ck_assert(!schedule_matches(&schedule, &(struct location){0}, zones, now_ms));
    ck_assert(schedule_matches(&(struct schedule){0}, &(struct location){0}, zones, now_ms));
}
END_TEST

START_TEST(schedule_formats_as_text)
{
    struct arena arena;
    arena_init(&arena, 256);
    struct outbuf out;
    outbuf_init(&out, &arena, 16);
    struct schedule schedule = {.present = true, .days = 0x43, .hours = 0xF << 7 | 0x7 << 17 | 1 << 23,
                                .zone = zone("Europe/Paris")};
    schedule_format(&schedule, &out);
    const char *expected = "days=mon,tue,sun hours=7-11,17-20,23-24 timezone=Europe/Paris";
    ck_assert_int_eq((int)out.len, (int)strlen(expected));
    ck_assert(memcmp(out.data, expected, out.len) == 0);
    arena_free(&arena);
}
END_TEST

Suite *tz_suite(void)
{
    Suite *suite = suite_create("tz");
    TCase *tc = tcase_create("zones");
    tcase_add_test(tc, civil_dates_round_trip);
    tcase_add_test(tc, paris_changes_at_one_utc_in_2026);
    tcase_add_test(tc, footer_rules_hold_after_the_files_transitions);
    tcase_add_test(tc, offsets_agree_with_glibc);
    tcase_add_test(tc, database_skips_copies_and_finds_links);
    tcase_add_test(tc, footer_rules_of_every_form);
    tcase_add_test(tc, last_transition_beyond_the_tables);
    tcase_add_test(tc, malformed_data_is_refused);
    tcase_add_test(tc, schedule_follows_paris_across_dst);
    tcase_add_test(tc, schedule_days_are_local);
    tcase_add_test(tc, user_schedule_uses_the_location);
    tcase_add_test(tc, schedule_formats_as_text);
    suite_add_tcase(suite, tc);
    return suite;
}
