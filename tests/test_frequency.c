/* Tests for src/frequency.c: caps at their edges (the max, the window's last
 * millisecond), bids in flight, late impressions, erasing a user, growth, and what the
 * ledger stores and restores. */
#include "geobid/frequency.h"

#include <check.h>
#include <string.h>

#define T0 1795428000000
static const struct frequency_cap three_per_hour = {3, 3600000};

static struct user_key user(unsigned n)
{
    struct user_key key;
    memset(&key, 0, sizeof(key));
    memcpy(key.bytes, &n, sizeof(n));
    key.bytes[15] = (uint8_t)(n * 7); /* spreads users over the shards */
    return key;
}

static struct frequency_table *table; /* a new one for every test */

static void setup(void)
{
    table = frequency_table_new();
}

static void teardown(void)
{
    frequency_table_free(table);
}

/* One impression in the table, as a won bid: reserve then count. */
static bool impression(const struct user_key *who, uint32_t campaign, int64_t now_ms)
{
    if (!frequency_reserve(table, who, campaign, &three_per_hour, now_ms))
        return false;
    struct frequency_record counted;
    frequency_count(table, who, campaign, &three_per_hour, true, now_ms, &counted);
    return true;
}

START_TEST(the_cap_allows_exactly_max_per_window)
{
    struct user_key alice = user(1);
    for (int i = 0; i < 3; i++)
        ck_assert(impression(&alice, 0, T0 + i));
    ck_assert(!impression(&alice, 0, T0 + 10));
    ck_assert_uint_eq(frequency_count_of(table, &alice, 0, T0 + 10), 3);
    /* the window opened at T0: its last millisecond is T0 + 3599999 */
    ck_assert(!frequency_reserve(table, &alice, 0, &three_per_hour, T0 + 3599999));
    ck_assert(frequency_reserve(table, &alice, 0, &three_per_hour, T0 + 3600000));
    ck_assert_uint_eq(frequency_count_of(table, &alice, 0, T0 + 3600000), 0);
}
END_TEST

START_TEST(campaigns_and_users_are_counted_apart)
{
    struct user_key alice = user(1), bob = user(2);
    for (int i = 0; i < 3; i++)
        ck_assert(impression(&alice, 0, T0));
    ck_assert(impression(&alice, 1, T0));
    ck_assert(impression(&bob, 0, T0));
    ck_assert_uint_eq(frequency_count_of(table, &alice, 1, T0), 1);
    ck_assert_uint_eq(frequency_count_of(table, &bob, 0, T0), 1);
}
END_TEST

START_TEST(bids_in_flight_hold_their_place)
{
    struct user_key alice = user(1);
    for (int i = 0; i < 3; i++)
        ck_assert(frequency_reserve(table, &alice, 0, &three_per_hour, T0));
    ck_assert(!frequency_reserve(table, &alice, 0, &three_per_hour, T0));
    frequency_cancel(table, &alice, 0);
    ck_assert(frequency_reserve(table, &alice, 0, &three_per_hour, T0));
    struct frequency_record counted;
    frequency_count(table, &alice, 0, &three_per_hour, true, T0, &counted);
    ck_assert(!frequency_reserve(table, &alice, 0, &three_per_hour, T0));
    ck_assert_uint_eq(frequency_count_of(table, &alice, 0, T0), 1);
}
END_TEST

START_TEST(a_late_impression_counts_even_above_the_cap)
{
    struct user_key alice = user(1);
    for (int i = 0; i < 3; i++)
        ck_assert(impression(&alice, 0, T0));
    struct frequency_record counted;
    frequency_count(table, &alice, 0, &three_per_hour, false, T0 + 1, &counted);
    ck_assert_uint_eq(counted.count, 4);
    ck_assert_uint_eq(frequency_count_of(table, &alice, 0, T0 + 1), 4);
    frequency_cancel(table, &alice, 0); /* nothing pending: no effect */
    ck_assert(!frequency_reserve(table, &alice, 0, &three_per_hour, T0 + 2));
}
END_TEST

START_TEST(erasing_a_user_removes_every_campaign_count)
{
    struct user_key alice = user(1), bob = user(2);
    for (int i = 0; i < 3; i++) {
        ck_assert(impression(&alice, 0, T0));
        ck_assert(impression(&alice, 1, T0));
    }
    ck_assert(impression(&bob, 0, T0));
    ck_assert_uint_eq(frequency_erase_user(table, &alice), 2);
    ck_assert_uint_eq(frequency_erase_user(table, &alice), 0);
    ck_assert(impression(&alice, 0, T0));
    ck_assert_uint_eq(frequency_count_of(table, &alice, 1, T0), 0);
    ck_assert_uint_eq(frequency_count_of(table, &bob, 0, T0), 1);
}
END_TEST

START_TEST(many_users_survive_growth)
{
    for (unsigned n = 0; n < 20000; n++) {
        struct user_key who = user(n);
        ck_assert(impression(&who, n % 3, T0));
    }
    for (unsigned n = 0; n < 20000; n++) {
        struct user_key who = user(n);
        ck_assert_uint_eq(frequency_count_of(table, &who, n % 3, T0), 1);
        ck_assert_uint_eq(frequency_count_of(table, &who, (n + 1) % 3, T0), 0);
    }
}
END_TEST

/* Counts users first..first+count-1 on campaign 1 at now_ms, in batches of 200 with
 * maintenance after each, as the ledger's tick would. */
static void count_users_maintained(unsigned first, unsigned count, int64_t now_ms)
{
    for (unsigned n = first; n < first + count; n++) {
        struct user_key who = user(n);
        ck_assert(impression(&who, 1, now_ms));
        if ((n - first) % 200 == 199)
            frequency_maintain(table, now_ms);
    }
}

static void assert_users_counted(unsigned first, unsigned count, int64_t now_ms)
{
    for (unsigned n = first; n < first + count; n++) {
        struct user_key who = user(n);
        ck_assert_uint_eq(frequency_count_of(table, &who, 1, now_ms), 1);
    }
}

START_TEST(maintenance_grows_shards_and_keeps_counts_and_bids_in_flight)
{
    int64_t later = T0 + 3 * 3600000; /* every window of T0 has ended */
    struct user_key waiting = user(99999);
    for (int i = 0; i < 3; i++)
        ck_assert(frequency_reserve(table, &waiting, 0, &three_per_hour, T0));
    count_users_maintained(0, 20000, T0);
    assert_users_counted(0, 20000, T0);
    count_users_maintained(20000, 20000, later); /* rebuilds drop the ended windows */
    assert_users_counted(20000, 20000, later);
    ck_assert(!frequency_reserve(table, &waiting, 0, &three_per_hour, later));
}
END_TEST

START_TEST(what_is_counted_is_what_to_store_and_restores_a_table)
{
    struct user_key alice = user(1);
    struct frequency_record counted;
    ck_assert(frequency_reserve(table, &alice, 4, &three_per_hour, T0));
    frequency_count(table, &alice, 4, &three_per_hour, true, T0, &counted);
    ck_assert(frequency_reserve(table, &alice, 4, &three_per_hour, T0 + 5));
    frequency_count(table, &alice, 4, &three_per_hour, true, T0 + 5, &counted);
    ck_assert_uint_eq(counted.campaign, 4);
    ck_assert_uint_eq(counted.count, 2);
    ck_assert_int_eq(counted.window_end_ms, T0 + 3600000);
    ck_assert_mem_eq(counted.user.bytes, alice.bytes, sizeof(alice.bytes));
    struct frequency_table *restored = frequency_table_new();
    frequency_restore(restored, &counted);
    ck_assert_uint_eq(frequency_count_of(restored, &alice, 4, T0 + 10), 2);
    ck_assert(frequency_reserve(restored, &alice, 4, &three_per_hour, T0 + 10));
    ck_assert(!frequency_reserve(restored, &alice, 4, &three_per_hour, T0 + 10));
    frequency_table_free(restored);
}
END_TEST

Suite *frequency_suite(void)
{
    Suite *suite = suite_create("frequency");
    TCase *tc = tcase_create("frequency");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, the_cap_allows_exactly_max_per_window);
    tcase_add_test(tc, campaigns_and_users_are_counted_apart);
    tcase_add_test(tc, bids_in_flight_hold_their_place);
    tcase_add_test(tc, a_late_impression_counts_even_above_the_cap);
    tcase_add_test(tc, erasing_a_user_removes_every_campaign_count);
    tcase_add_test(tc, many_users_survive_growth);
    tcase_add_test(tc, maintenance_grows_shards_and_keeps_counts_and_bids_in_flight);
    tcase_add_test(tc, what_is_counted_is_what_to_store_and_restores_a_table);
    suite_add_tcase(suite, tc);
    return suite;
}
