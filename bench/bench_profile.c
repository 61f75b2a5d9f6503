/* Profile store benchmark: fills a store with --users people (default 1,000,000), each
 * in 1 to 5 of 50 first-party segments seen within the last 60 days, uploaded one
 * segment per transaction as the admin API would; then times, one thread, hashing a
 * user id and looking a profile up (90 % known people, 10 % unknown ids), each
 * distribution as median, p90 and p99 in nanoseconds.
 *
 *   build/bench-profile [--users N] [--lookups N] [--dir DIR]
 *
 * Without --dir the store goes to a temporary directory under $TMPDIR (default /tmp),
 * removed at the end. The people, their segments and the lookups come from fixed
 * seeds, so every run does the same work. */
#include "../loadtest/random.h"

#include "geobid/alloc.h"
#include "geobid/profile.h"
#include "geobid/user_key.h"

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

enum {
    segment_count = 50,
    max_segments_per_user = 5,
    window_s = 60 * 86400,
    ttl_s = 90 * 86400,
    default_users = 1000000,
    default_lookups = 1000000,
};
static const uint64_t people_seed = 11, lookup_seed = 12;
static const int64_t now_s = 1700000000;
static const uint8_t bench_secret[USER_KEY_SECRET_BYTES] = {0x5e, 0xc2, 0xe7};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void user_id(size_t rank, char *out, size_t size)
{
    snprintf(out, size, "7c1e%08zx-5d2a-4f0e-9b3c-%012zx", rank, rank * 2654435761u);
}

static void segment_name(size_t index, char *out, size_t size)
{
    snprintf(out, size, "acme:segment-%02zu", index);
}

/* ---- filling the store ----------------------------------------------------------- */

struct segment_batch {
    struct profile_observation *observations;
    size_t count, cap;
};

static void batch_add(struct segment_batch *batch, const struct user_key *key, int64_t seen_s)
{
    if (batch->count == batch->cap) {
        batch->cap = batch->cap ? batch->cap * 2 : 4096;
        batch->observations =
            xrealloc(batch->observations, batch->cap * sizeof(*batch->observations));
    }
    batch->observations[batch->count++] = (struct profile_observation){*key, seen_s};
}

/* Spreads every person over 1 to max_segments_per_user distinct segments. */
static size_t draw_memberships(const struct user_key_hasher *hasher, size_t users,
                               struct segment_batch *batches)
{
    struct rng rng;
    rng_seed(&rng, people_seed);
    size_t memberships = 0;
    for (size_t rank = 0; rank < users; rank++) {
        char id[64];
        struct user_key key;
        user_id(rank, id, sizeof(id));
        user_key_of_id(hasher, slice_from_cstr(id), &key);
        size_t first = rng_below(&rng, segment_count);
        size_t k = 1 + rng_below(&rng, max_segments_per_user);
        for (size_t j = 0; j < k; j++, memberships++)
            batch_add(&batches[(first + j * 7) % segment_count], &key,
                      now_s - (int64_t)rng_below(&rng, window_s));
    }
    return memberships;
}

static int fill(struct profile_store *store, const struct user_key_hasher *hasher, size_t users)
{
    struct segment_batch batches[segment_count] = {{0}};
    size_t memberships = draw_memberships(hasher, users, batches);
    uint64_t start = now_ns();
    for (size_t s = 0; s < segment_count; s++) {
        char name[32];
        size_t people;
        struct error err;
        segment_name(s, name, sizeof(name));
        if (profile_store_record(store, slice_from_cstr(name), batches[s].observations,
                                 batches[s].count, now_s, &people, &err) != PROFILE_OK) {
            fprintf(stderr, "bench-profile: %s\n", err.message);
            return -1;
        }
        free(batches[s].observations);
    }
    double seconds = (double)(now_ns() - start) / 1e9;
    printf("filled: %zu people, %zu memberships in %d uploads: %.1f s (%.0f observations/s)\n",
           users, memberships, segment_count, seconds, (double)memberships / seconds);
    return 0;
}

/* ---- timing lookups -------------------------------------------------------------- */

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, uint32_t *samples, size_t count)
{
    qsort(samples, count, sizeof(uint32_t), compare_u32);
    printf("%-24s median %6u ns   p90 %6u ns   p99 %6u ns   (n=%zu)\n", name, samples[count / 2],
           samples[count * 90 / 100], samples[count * 99 / 100], count);
}

/* Times hashing and looking up lookups ids (one in ten unknown); a first pass over a
 * tenth of them warms the thread's reader and the arena. */
static void time_lookups(struct profile_store *store, const struct user_key_hasher *hasher,
                         size_t users, size_t lookups)
{
    uint32_t *hash_ns = xmalloc(lookups * sizeof(uint32_t));
    uint32_t *lookup_ns = xmalloc(lookups * sizeof(uint32_t));
    struct arena arena;
    arena_init(&arena, 16 * 1024);
    size_t found = 0, memberships = 0;
    for (int pass = 0; pass < 2; pass++) {
        struct rng rng;
        rng_seed(&rng, lookup_seed);
        size_t n = pass == 0 ? lookups / 10 : lookups;
        for (size_t i = 0; i < n; i++) {
            char id[64];
            size_t rank = rng_below(&rng, users);
            user_id(rng_chance(&rng, 0.1) ? users + rank : rank, id, sizeof(id));
            struct user_key key;
            struct profile profile;
            uint64_t start = now_ns();
            user_key_of_id(hasher, slice_from_cstr(id), &key);
            uint64_t hashed = now_ns();
            profile_store_lookup(store, &key, now_s, &arena, &profile);
            uint64_t done = now_ns();
            arena_reset(&arena);
            hash_ns[i] = (uint32_t)(hashed - start);
            lookup_ns[i] = (uint32_t)(done - hashed);
            found += pass == 1 && profile.count > 0;
            memberships += pass == 1 ? profile.count : 0;
        }
    }
    printf("lookups: %zu, %zu people found, %.2f live memberships each\n", lookups, found,
           found ? (double)memberships / (double)found : 0.0);
    report("user_key_of_id", hash_ns, lookups);
    report("profile_store_lookup", lookup_ns, lookups);
    arena_free(&arena);
    free(hash_ns);
    free(lookup_ns);
}

/* ---- main ----------------------------------------------------------------------- */

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

static void print_size(const char *dir)
{
    char path[4096];
    struct stat st;
    snprintf(path, sizeof(path), "%s/profiles/data.mdb", dir);
    if (stat(path, &st) == 0)
        printf("store: %s, %.0f MiB on disk\n", path, (double)st.st_blocks * 512 / (1 << 20));
}

int main(int argc, char **argv)
{
    size_t users = default_users, lookups = default_lookups;
    const char *dir = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--users") == 0)
            users = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--lookups") == 0)
            lookups = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--dir") == 0)
            dir = argv[i + 1];
    }
    if (argc % 2 == 0 || users == 0 || lookups < 10) {
        fprintf(stderr, "usage: bench-profile [--users N] [--lookups N>=10] [--dir DIR]\n");
        return EXIT_FAILURE;
    }
    char temp[4096];
    if (dir == NULL) {
        snprintf(temp, sizeof(temp), "%s/geobid-bench-XXXXXX",
                 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
        dir = mkdtemp(temp);
    }
    struct user_key_hasher hasher;
    struct error err;
    user_key_hasher_init(&hasher, bench_secret);
    struct profile_store *store = dir ? profile_store_open(dir, ttl_s, &err) : NULL;
    if (store == NULL) {
        fprintf(stderr, "bench-profile: %s\n", dir ? err.message : "cannot create a directory");
        return EXIT_FAILURE;
    }
    int rc = fill(store, &hasher, users);
    if (rc == 0) {
        print_size(dir);
        time_lookups(store, &hasher, users, lookups);
    }
    profile_store_close(store);
    if (dir == temp)
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
