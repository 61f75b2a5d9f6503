/* The profile store: for each person (a struct user_key), the first-party segments
 * they were seen in, each with when they were last seen and how many times.
 *
 * Embedded in LMDB under <data-dir>/profiles/ (data.mdb, lock.mdb), one record per
 * person. Reads run on the hot path: each thread keeps one read transaction, renewed
 * for a lookup and reset after it, so a lookup sees the last committed write, never
 * waits for a writer and, after the thread's first lookup, allocates nothing outside
 * the caller's arena. Writes (uploads, erasure) take LMDB's single writer lock, which
 * also orders writers of other processes (geobid import-segments next to a running
 * bidder).
 *
 * Memberships expire: one seen at last_seen_s is live while now < last_seen_s + ttl_s
 * (the TTL of the process reading it; give the bidder and import-segments the same).
 * Lookups skip expired memberships; a write to a person removes theirs, and an
 * observation of an expired (not yet removed) membership starts it again at count 1. */
#ifndef GEOBID_PROFILE_H
#define GEOBID_PROFILE_H

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/slice.h"
#include "geobid/user_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { PROFILE_SEGMENT_MAX_BYTES = 128 };

/* The largest the store may grow to (LMDB's map size: address space reserved, not
 * disk; the file grows as it fills) unless configured otherwise. */
#define PROFILE_STORE_DEFAULT_MAP_BYTES ((size_t)4 << 30)

struct segment_membership {
    struct slice segment;
    int64_t last_seen_s;   /* Unix seconds */
    uint32_t count;        /* observations since the membership started (saturates) */
};

/* A person's memberships, sorted by segment name (bytewise). */
struct profile {
    struct segment_membership *memberships;
    size_t count;
};

/* One sighting of a person in a segment, for profile_store_record(). */
struct profile_observation {
    struct user_key key;
    int64_t seen_s;        /* Unix seconds */
};

enum profile_status {
    PROFILE_OK = 0,
    PROFILE_INVALID, /* bad input (segment name); nothing changed */
    PROFILE_FULL,    /* the map is full; nothing changed */
    PROFILE_FAILED,  /* any other storage error; nothing changed */
};

struct profile_store;

/* Opens (creating it and <data_dir>/profiles/ when needed, mode 0700/0600) the store
 * in data_dir, which must exist, with memberships living ttl_s seconds and the default
 * map size. Stale reader slots left by dead processes are cleared. Returns NULL with
 * err on failure. Close with profile_store_close(). */
struct profile_store *profile_store_open(const char *data_dir, int64_t ttl_s, struct error *err);

/* profile_store_open() with a map of map_bytes: the most the store may hold. A map
 * smaller than what the store already holds grows to fit it. */
struct profile_store *profile_store_open_sized(const char *data_dir, int64_t ttl_s,
                                               size_t map_bytes, struct error *err);

/* Closes store and frees it. Every thread that used it must have stopped doing so
 * (threads that exit release their read transaction themselves). NULL is a no-op. */
void profile_store_close(struct profile_store *store);

/* Hot path: copies the live (not expired at now_s) memberships of key into arena as
 * *out (sorted by segment; slices point into arena). A person with none gets count
 * 0. Thread-safe, never blocks on writers. Returns 0, or -1 (out empty) when the
 * store cannot be read (its reader table is full, or its record is damaged). */
int profile_store_lookup(struct profile_store *store, const struct user_key *key,
                         int64_t now_s, struct arena *arena, struct profile *out);

/* Returns the membership of segment in profile, or NULL. */
const struct segment_membership *profile_find(const struct profile *profile, struct slice segment);

/* What a segment name may be, for error messages ("segment name must be " ...). */
#define PROFILE_SEGMENT_NAME_RULE "1 to 128 letters, digits, '-', '_', '.' or ':'"

/* True when segment may name a segment (PROFILE_SEGMENT_NAME_RULE). */
bool profile_segment_name_valid(struct slice segment);

/* Applies observations of segment in one write transaction: for each, the person's
 * membership count += 1 and last_seen = max(last_seen, seen_s); every person touched
 * also loses their expired memberships (at now_s). All or nothing: on any error no
 * change is visible. Reorders observations (sorted by key). *users receives the
 * number of distinct people. Returns PROFILE_OK, or another status with err. */
enum profile_status profile_store_record(struct profile_store *store, struct slice segment,
                                         struct profile_observation *observations,
                                         size_t count, int64_t now_s, size_t *users,
                                         struct error *err);

/* Deletes everything the store holds about key; *erased tells whether there was
 * anything. Returns PROFILE_OK, or another status with err. */
enum profile_status profile_store_erase(struct profile_store *store, const struct user_key *key,
                                        bool *erased, struct error *err);

#endif
