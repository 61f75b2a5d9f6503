/* The profile store: round trips, expiry at the TTL's edge, erasure, all-or-nothing
 * writes, readers alongside writers (threads, and a writer in another process). */
#include "geobid/profile.h"

#include "test_support.h"

#include <check.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum { ttl_s = 100 };
static const int64_t t0 = 1700000000;

static const uint8_t fixed_secret[USER_KEY_SECRET_BYTES] = {42};
static struct user_key_hasher hasher;
static char *dir;
static struct profile_store *store;
static struct arena arena;

static void setup(void)
{
    struct error err;
    user_key_hasher_init(&hasher, fixed_secret);
    dir = test_temp_dir_create();
    store = profile_store_open(dir, ttl_s, &err);
    ck_assert_msg(store != NULL, "%s", err.message);
    arena_init(&arena, 4096);
}

static void teardown(void)
{
    profile_store_close(store);
    test_temp_dir_remove(dir);
    arena_free(&arena);
}

static struct user_key key_of(const char *id)
{
    struct user_key key;
    user_key_of_id(&hasher, slice_from_cstr(id), &key);
    return key;
}

static struct profile_observation seen(const char *id, int64_t seen_s)
{
    return (struct profile_observation){key_of(id), seen_s};
}

/* Records observations[0..count) of segment at now_s; returns the status. */
static enum profile_status record_at(const char *segment, struct profile_observation *observations,
                                     size_t count, int64_t now_s, size_t *users)
{
    struct error err = {""};
    size_t ignored;
    return profile_store_record(store, slice_from_cstr(segment), observations, count, now_s,
                                users ? users : &ignored, &err);
}

static struct profile lookup_at(const char *id, int64_t now_s)
{
    struct profile profile;
    struct user_key key = key_of(id);
    ck_assert_int_eq(profile_store_lookup(store, &key, now_s, &arena, &profile), 0);
    return profile;
}

static void assert_membership(const struct profile *profile, const char *segment,
                              int64_t last_seen_s, uint32_t count)
{
    const struct segment_membership *m = profile_find(profile, slice_from_cstr(segment));
    ck_assert_msg(m != NULL, "no membership of %s", segment);
    ck_assert_int_eq(m->last_seen_s, last_seen_s);
    ck_assert_uint_eq(m->count, count);
}

START_TEST(round_trip)
{
    struct profile_observation shoes[] = {seen("alice", t0 - 5), seen("bob", t0 - 1),
                                          seen("alice", t0 - 9), seen("alice", t0 - 7)};
    struct profile_observation bikes[] = {seen("alice", t0)};
    size_t users;
    ck_assert_int_eq(record_at("shoes", shoes, 4, t0, &users), PROFILE_OK);
    ck_assert_uint_eq(users, 2);
    ck_assert_int_eq(record_at("bikes", bikes, 1, t0, &users), PROFILE_OK);
    ck_assert_uint_eq(users, 1);

    struct profile alice = lookup_at("alice", t0);
    ck_assert_uint_eq(alice.count, 2);
    ck_assert(slice_eq_cstr(alice.memberships[0].segment, "bikes")); /* sorted */
    assert_membership(&alice, "shoes", t0 - 5, 3);
    assert_membership(&alice, "bikes", t0, 1);
    ck_assert_ptr_null(profile_find(&alice, SLICE_LITERAL("shoe")));

    struct profile bob = lookup_at("bob", t0);
    ck_assert_uint_eq(bob.count, 1);
    assert_membership(&bob, "shoes", t0 - 1, 1);
    ck_assert_uint_eq(lookup_at("carol", t0).count, 0);

    /* a later upload adds to the count and keeps the latest time */
    struct profile_observation again[] = {seen("bob", t0 - 50)};
    ck_assert_int_eq(record_at("shoes", again, 1, t0, NULL), PROFILE_OK);
    bob = lookup_at("bob", t0);
    assert_membership(&bob, "shoes", t0 - 1, 2);
}
END_TEST

/* Live while now < last_seen + ttl. */
START_TEST(expiry_at_the_ttl_edge)
{
    struct profile_observation shoes[] = {seen("alice", t0)};
    ck_assert_int_eq(record_at("shoes", shoes, 1, t0, NULL), PROFILE_OK);
    ck_assert_uint_eq(lookup_at("alice", t0 + ttl_s - 1).count, 1);
    ck_assert_uint_eq(lookup_at("alice", t0 + ttl_s).count, 0);

    /* an observation of the expired membership starts it again */
    struct profile_observation later[] = {seen("alice", t0 + ttl_s)};
    ck_assert_int_eq(record_at("shoes", later, 1, t0 + ttl_s, NULL), PROFILE_OK);
    struct profile alice = lookup_at("alice", t0 + ttl_s);
    assert_membership(&alice, "shoes", t0 + ttl_s, 1);
}
END_TEST

/* A write to a person removes their expired memberships from the store itself. */
START_TEST(writes_prune_expired_memberships)
{
    struct profile_observation shoes[] = {seen("alice", t0)};
    struct profile_observation bikes[] = {seen("alice", t0 + ttl_s)};
    ck_assert_int_eq(record_at("shoes", shoes, 1, t0, NULL), PROFILE_OK);
    ck_assert_int_eq(record_at("bikes", bikes, 1, t0 + ttl_s, NULL), PROFILE_OK);
    struct profile alice = lookup_at("alice", t0); /* would still show shoes if kept */
    ck_assert_uint_eq(alice.count, 1);
    assert_membership(&alice, "bikes", t0 + ttl_s, 1);

    /* observations already expired when recorded leave nothing behind */
    struct profile_observation old[] = {seen("bob", t0 - ttl_s)};
    ck_assert_int_eq(record_at("shoes", old, 1, t0, NULL), PROFILE_OK);
    ck_assert_uint_eq(lookup_at("bob", t0 - ttl_s).count, 0);
}
END_TEST

START_TEST(erasure)
{
    struct profile_observation shoes[] = {seen("alice", t0), seen("bob", t0)};
    struct profile_observation bikes[] = {seen("alice", t0)};
    ck_assert_int_eq(record_at("shoes", shoes, 2, t0, NULL), PROFILE_OK);
    ck_assert_int_eq(record_at("bikes", bikes, 1, t0, NULL), PROFILE_OK);
    struct user_key alice = key_of("alice");
    bool erased;
    struct error err;
    ck_assert_int_eq(profile_store_erase(store, &alice, &erased, &err), PROFILE_OK);
    ck_assert(erased);
    ck_assert_uint_eq(lookup_at("alice", t0).count, 0);
    ck_assert_uint_eq(lookup_at("bob", t0).count, 1);
    ck_assert_int_eq(profile_store_erase(store, &alice, &erased, &err), PROFILE_OK);
    ck_assert(!erased);
}
END_TEST

START_TEST(bad_segment_names_change_nothing)
{
    static const char *const names[] = {"", "with space", "semi;colon", "naïve", "a/b"};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        struct profile_observation one[] = {seen("alice", t0)};
        struct error err;
        size_t users;
        ck_assert_int_eq(profile_store_record(store, slice_from_cstr(names[i]), one, 1, t0,
                                              &users, &err),
                         PROFILE_INVALID);
        ck_assert_msg(strstr(err.message, "segment name") != NULL, "%s", err.message);
    }
    char longest[PROFILE_SEGMENT_MAX_BYTES + 2];
    memset(longest, 'a', sizeof(longest));
    ck_assert(profile_segment_name_valid((struct slice){longest, PROFILE_SEGMENT_MAX_BYTES}));
    ck_assert(!profile_segment_name_valid((struct slice){longest, PROFILE_SEGMENT_MAX_BYTES + 1}));
    ck_assert(profile_segment_name_valid(SLICE_LITERAL("acme:ethical-clothing_v2.1")));
    ck_assert_uint_eq(lookup_at("alice", t0).count, 0);
}
END_TEST

/* A batch the map cannot hold fails as a whole, with a clear message, and leaves what
 * was there. */
START_TEST(map_full_changes_nothing)
{
    profile_store_close(store);
    test_temp_dir_remove(dir);
    dir = test_temp_dir_create();
    struct error err;
    store = profile_store_open_sized(dir, ttl_s, 1 << 20, &err);
    ck_assert_msg(store != NULL, "%s", err.message);
    struct profile_observation first[] = {seen("alice", t0)};
    ck_assert_int_eq(record_at("shoes", first, 1, t0, NULL), PROFILE_OK);

    enum { many = 50000 };
    struct profile_observation *batch = malloc(many * sizeof(*batch));
    for (size_t i = 0; i < many; i++) {
        char id[32];
        snprintf(id, sizeof(id), "user-%zu", i);
        batch[i] = seen(id, t0);
    }
    size_t users = 99;
    ck_assert_int_eq(profile_store_record(store, SLICE_LITERAL("shoes"), batch, many, t0, &users,
                                          &err),
                     PROFILE_FULL);
    ck_assert_msg(strstr(err.message, "full") && strstr(err.message, "--profile-map-mb"), "%s",
                  err.message);
    ck_assert_uint_eq(users, 0);
    free(batch);
    ck_assert_uint_eq(lookup_at("user-0", t0).count, 0);
    ck_assert_uint_eq(lookup_at("user-49999", t0).count, 0);
    struct profile alice = lookup_at("alice", t0);
    assert_membership(&alice, "shoes", t0, 1);
    /* still writable */
    struct profile_observation more[] = {seen("bob", t0)};
    ck_assert_int_eq(record_at("shoes", more, 1, t0, NULL), PROFILE_OK);
}
END_TEST

/* ---- concurrency ----------------------------------------------------------------- */

enum { people = 64, commits = 40, reader_threads = 3 };

static _Atomic bool writer_done;
static struct user_key person_keys[people];

static void make_people(void)
{
    for (size_t i = 0; i < people; i++) {
        char id[16];
        snprintf(id, sizeof(id), "person-%zu", i);
        person_keys[i] = key_of(id);
    }
}

/* Commit c records everyone seen at t0 + c: every record read must then hold
 * count == last_seen - t0 + 1, and counts never go back. */
static void *write_commits(void *unused)
{
    (void)unused;
    struct profile_observation batch[people];
    for (int64_t c = 0; c < commits; c++) {
        for (size_t i = 0; i < people; i++)
            batch[i] = (struct profile_observation){person_keys[i], t0 + c};
        size_t users;
        struct error err;
        ck_assert_int_eq(profile_store_record(store, SLICE_LITERAL("s"), batch, people, t0 + c,
                                              &users, &err),
                         PROFILE_OK);
    }
    writer_done = true;
    return NULL;
}

static void *read_while_writing(void *unused)
{
    (void)unused;
    struct arena reader_arena;
    arena_init(&reader_arena, 4096);
    uint32_t last_count[people] = {0};
    size_t lookups = 0;
    while (!writer_done || lookups < people) {
        size_t i = lookups++ % people;
        struct profile profile;
        ck_assert_int_eq(profile_store_lookup(store, &person_keys[i], t0 + commits, &reader_arena,
                                              &profile),
                         0);
        if (profile.count == 1) {
            const struct segment_membership *m = &profile.memberships[0];
            ck_assert_int_eq(m->count, m->last_seen_s - t0 + 1);
            ck_assert_uint_ge(m->count, last_count[i]);
            last_count[i] = m->count;
        } else {
            ck_assert_uint_eq(profile.count, 0);
            ck_assert_uint_eq(last_count[i], 0);
        }
        arena_reset(&reader_arena);
    }
    arena_free(&reader_arena);
    return NULL;
}

START_TEST(readers_see_whole_commits)
{
    pthread_t writer, readers[reader_threads];
    writer_done = false;
    make_people();
    for (size_t r = 0; r < reader_threads; r++)
        ck_assert_int_eq(pthread_create(&readers[r], NULL, read_while_writing, NULL), 0);
    ck_assert_int_eq(pthread_create(&writer, NULL, write_commits, NULL), 0);
    pthread_join(writer, NULL);
    for (size_t r = 0; r < reader_threads; r++)
        pthread_join(readers[r], NULL);
    struct profile last;
    ck_assert_int_eq(profile_store_lookup(store, &person_keys[0], t0 + commits, &arena, &last), 0);
    assert_membership(&last, "s", t0 + commits - 1, commits);
}
END_TEST

static void *one_lookup(void *unused)
{
    (void)unused;
    struct arena thread_arena;
    arena_init(&thread_arena, 256);
    struct user_key key = key_of("alice");
    struct profile profile;
    intptr_t rc = profile_store_lookup(store, &key, t0, &thread_arena, &profile);
    arena_free(&thread_arena);
    return (void *)rc;
}

/* Each thread takes a reader slot on its first lookup and gives it back when it exits:
 * more threads than slots, one after the other, all succeed. */
START_TEST(exiting_threads_release_their_reader)
{
    for (int i = 0; i < 1500; i++) {
        pthread_t thread;
        void *rc;
        ck_assert_int_eq(pthread_create(&thread, NULL, one_lookup, NULL), 0);
        pthread_join(thread, &rc);
        ck_assert_msg(rc == NULL, "lookup %d failed", i);
    }
}
END_TEST

/* Another process (as import-segments would be) holds LMDB's write lock: lookups go on. */
START_TEST(lookups_do_not_wait_for_a_writer_process)
{
    struct profile_observation shoes[] = {seen("alice", t0)};
    ck_assert_int_eq(record_at("shoes", shoes, 1, t0, NULL), PROFILE_OK);
    int holding[2], release[2];
    ck_assert_int_eq(pipe(holding), 0);
    ck_assert_int_eq(pipe(release), 0);
    pid_t child = fork();
    if (child == 0) {
        char path[4096];
        MDB_env *env;
        MDB_txn *txn;
        snprintf(path, sizeof(path), "%s/profiles", dir);
        char done = mdb_env_create(&env) == 0 && mdb_env_set_maxreaders(env, 1024) == 0 &&
                    mdb_env_open(env, path, 0, 0600) == 0 &&
                    mdb_txn_begin(env, NULL, 0, &txn) == 0;
        if (write(holding[1], &done, 1) != 1 || read(release[0], &done, 1) != 1)
            _exit(1);
        _exit(0);
    }
    char began = 0;
    ck_assert_int_eq(read(holding[0], &began, 1), 1);
    ck_assert_msg(began, "the child could not begin a write transaction");
    for (int i = 0; i < 100; i++)
        ck_assert_uint_eq(lookup_at("alice", t0).count, 1);
    ck_assert_int_eq(write(release[1], "x", 1), 1);
    int status;
    ck_assert_int_eq(waitpid(child, &status, 0), child);
    ck_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    close(holding[0]), close(holding[1]), close(release[0]), close(release[1]);
}
END_TEST

Suite *profile_suite(void)
{
    Suite *suite = suite_create("profile");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, expiry_at_the_ttl_edge);
    tcase_add_test(tc, writes_prune_expired_memberships);
    tcase_add_test(tc, erasure);
    tcase_add_test(tc, bad_segment_names_change_nothing);
    tcase_add_test(tc, map_full_changes_nothing);
    tcase_add_test(tc, readers_see_whole_commits);
    tcase_add_test(tc, exiting_threads_release_their_reader);
    tcase_add_test(tc, lookups_do_not_wait_for_a_writer_process);
    suite_add_tcase(suite, tc);
    return suite;
}
