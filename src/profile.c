#include "geobid/profile.h"

#include "geobid/alloc.h"
#include "geobid/outbuf.h"

#include <errno.h>
#include <limits.h>
#include <lmdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum {
    /* Reader slots: every worker thread, the admin thread, other processes (import). */
    max_readers = 1024,
    record_header_bytes = 4,    /* uint32 membership count */
    membership_fixed_bytes = 13, /* int64 last_seen_s, uint32 count, uint8 segment length */
};

/* One thread's read transaction, reset between lookups. */
struct profile_reader {
    MDB_txn *txn;
    struct profile_store *store;
    struct profile_reader *prev, *next;
};

struct profile_store {
    MDB_env *env;
    MDB_dbi dbi;
    int64_t ttl_s;
    size_t map_bytes;
    pthread_key_t reader_key;     /* this thread's struct profile_reader */
    pthread_mutex_t readers_lock; /* guards readers; taken once per thread, not per lookup */
    struct profile_reader *readers;
};

/* ---- a person's record ----------------------------------------------------------
 * uint32 membership count, then per membership, sorted by segment: int64 last_seen_s,
 * uint32 count, uint8 segment length, the segment's bytes. Native byte order (an LMDB
 * file does not move between byte orders anyway), fields unaligned, read by memcpy. */

static int compare_segments(struct slice a, struct slice b)
{
    int order = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);
    if (order != 0)
        return order;
    return a.len < b.len ? -1 : a.len > b.len;
}

/* Reads the membership at *pos (before end) and advances *pos. Returns false when
 * the record ends too early. */
static bool read_membership(const char **pos, const char *end, struct segment_membership *out)
{
    if ((size_t)(end - *pos) < membership_fixed_bytes)
        return false;
    uint8_t segment_len;
    memcpy(&out->last_seen_s, *pos, 8);
    memcpy(&out->count, *pos + 8, 4);
    memcpy(&segment_len, *pos + 12, 1);
    *pos += membership_fixed_bytes;
    if ((size_t)(end - *pos) < segment_len)
        return false;
    out->segment = (struct slice){*pos, segment_len};
    *pos += segment_len;
    return true;
}

/* Decodes the record in value into out, with room in arena for extra more
 * memberships; segments point into value's bytes. Returns 0, or -1 when damaged. */
static int decode_record(const MDB_val *value, size_t extra, struct arena *arena,
                         struct profile *out)
{
    const char *pos = value->mv_data, *end = pos + value->mv_size;
    uint32_t count;
    if (value->mv_size < record_header_bytes)
        return -1;
    memcpy(&count, pos, record_header_bytes);
    pos += record_header_bytes;
    if (count > (size_t)(end - pos) / membership_fixed_bytes)
        return -1;
    out->memberships = arena_alloc(arena, (count + extra) * sizeof(struct segment_membership));
    for (out->count = 0; out->count < count; out->count++)
        if (!read_membership(&pos, end, &out->memberships[out->count]))
            return -1;
    return pos == end ? 0 : -1;
}

static void encode_record(const struct profile *profile, struct outbuf *out)
{
    uint32_t count = (uint32_t)profile->count;
    outbuf_append(out, &count, sizeof(count));
    for (size_t i = 0; i < profile->count; i++) {
        const struct segment_membership *m = &profile->memberships[i];
        uint8_t segment_len = (uint8_t)m->segment.len;
        outbuf_append(out, &m->last_seen_s, 8);
        outbuf_append(out, &m->count, 4);
        outbuf_append(out, &segment_len, 1);
        outbuf_append(out, m->segment.ptr, m->segment.len);
    }
}

/* Keeps, in order, the memberships live at now_s. */
static void drop_expired(struct profile *profile, int64_t now_s, int64_t ttl_s)
{
    size_t kept = 0;
    for (size_t i = 0; i < profile->count; i++)
        if (profile->memberships[i].last_seen_s > now_s - ttl_s)
            profile->memberships[kept++] = profile->memberships[i];
    profile->count = kept;
}

const struct segment_membership *profile_find(const struct profile *profile, struct slice segment)
{
    for (size_t i = 0; i < profile->count; i++)
        if (slice_eq(profile->memberships[i].segment, segment))
            return &profile->memberships[i];
    return NULL;
}

bool profile_segment_name_valid(struct slice segment)
{
    if (segment.len == 0 || segment.len > PROFILE_SEGMENT_MAX_BYTES)
        return false;
    for (size_t i = 0; i < segment.len; i++) {
        char c = segment.ptr[i];
        bool alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
        if (!alnum && c != '-' && c != '_' && c != '.' && c != ':')
            return false;
    }
    return true;
}

/* ---- opening and closing ------------------------------------------------------- */

/* Aborts the read transaction of a thread that exits, and forgets it. */
static void release_reader(void *opaque)
{
    struct profile_reader *reader = opaque;
    struct profile_store *store = reader->store;
    pthread_mutex_lock(&store->readers_lock);
    if (reader->prev != NULL)
        reader->prev->next = reader->next;
    else
        store->readers = reader->next;
    if (reader->next != NULL)
        reader->next->prev = reader->prev;
    pthread_mutex_unlock(&store->readers_lock);
    mdb_txn_abort(reader->txn);
    free(reader);
}

/* Opens the unnamed database (it always exists, so a read transaction does: no wait
 * for a writer in another process) and records the map size in effect. */
static int open_database(struct profile_store *store)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return rc;
    rc = mdb_dbi_open(txn, NULL, 0, &store->dbi);
    mdb_txn_abort(txn);
    MDB_envinfo info;
    if (rc == 0 && (rc = mdb_env_info(store->env, &info)) == 0)
        store->map_bytes = info.me_mapsize;
    int dead_readers;
    return rc != 0 ? rc : mdb_reader_check(store->env, &dead_readers);
}

static int open_environment(struct profile_store *store, const char *path, size_t map_bytes)
{
    int rc = mdb_env_create(&store->env);
    if (rc != 0) {
        store->env = NULL;
        return rc;
    }
    if ((rc = mdb_env_set_mapsize(store->env, map_bytes)) == 0 &&
        (rc = mdb_env_set_maxreaders(store->env, max_readers)) == 0 &&
        (rc = mdb_env_open(store->env, path, MDB_NOTLS, 0600)) == 0)
        rc = open_database(store);
    return rc;
}

struct profile_store *profile_store_open_sized(const char *data_dir, int64_t ttl_s,
                                               size_t map_bytes, struct error *err)
{
    char path[PATH_MAX];
    if ((size_t)snprintf(path, sizeof(path), "%s/profiles", data_dir) >= sizeof(path)) {
        error_format(err, "--data-dir %s: path too long", data_dir);
        return NULL;
    }
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        error_format(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct profile_store *store = xcalloc(1, sizeof(*store));
    store->ttl_s = ttl_s;
    int rc = open_environment(store, path, map_bytes);
    if (rc == 0)
        rc = pthread_key_create(&store->reader_key, release_reader);
    if (rc != 0) {
        error_format(err, "profile store %s: %s", path, mdb_strerror(rc));
        if (store->env != NULL)
            mdb_env_close(store->env);
        free(store);
        return NULL;
    }
    pthread_mutex_init(&store->readers_lock, NULL);
    return store;
}

struct profile_store *profile_store_open(const char *data_dir, int64_t ttl_s, struct error *err)
{
    return profile_store_open_sized(data_dir, ttl_s, PROFILE_STORE_DEFAULT_MAP_BYTES, err);
}

void profile_store_close(struct profile_store *store)
{
    if (store == NULL)
        return;
    pthread_key_delete(store->reader_key);
    struct profile_reader *reader = store->readers;
    while (reader != NULL) {
        struct profile_reader *next = reader->next;
        mdb_txn_abort(reader->txn);
        free(reader);
        reader = next;
    }
    pthread_mutex_destroy(&store->readers_lock);
    mdb_env_close(store->env);
    free(store);
}

/* ---- lookups ------------------------------------------------------------------- */

/* Returns this thread's reader, starting it (one allocation, one LMDB reader slot) on
 * the thread's first lookup; NULL when the reader table is full. */
static struct profile_reader *thread_reader(struct profile_store *store)
{
    struct profile_reader *reader = pthread_getspecific(store->reader_key);
    if (reader != NULL)
        return reader;
    MDB_txn *txn;
    if (mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn) != 0)
        return NULL;
    mdb_txn_reset(txn);
    reader = xcalloc(1, sizeof(*reader));
    reader->txn = txn;
    reader->store = store;
    pthread_mutex_lock(&store->readers_lock);
    reader->next = store->readers;
    if (store->readers != NULL)
        store->readers->prev = reader;
    store->readers = reader;
    pthread_mutex_unlock(&store->readers_lock);
    pthread_setspecific(store->reader_key, reader);
    return reader;
}

/* Copies the record in value (valid only inside the read transaction) into arena and
 * decodes its live memberships as *out. Returns 0 or -1. */
static int copy_live_profile(const struct profile_store *store, const MDB_val *value,
                             int64_t now_s, struct arena *arena, struct profile *out)
{
    MDB_val copy = {value->mv_size, arena_alloc(arena, value->mv_size)};
    memcpy(copy.mv_data, value->mv_data, value->mv_size);
    if (decode_record(&copy, 0, arena, out) != 0)
        return -1;
    drop_expired(out, now_s, store->ttl_s);
    return 0;
}

int profile_store_lookup(struct profile_store *store, const struct user_key *key,
                         int64_t now_s, struct arena *arena, struct profile *out)
{
    struct profile_reader *reader = thread_reader(store);
    *out = (struct profile){NULL, 0};
    if (reader == NULL || mdb_txn_renew(reader->txn) != 0)
        return -1;
    MDB_val lookup_key = {sizeof(key->bytes), (void *)key->bytes}, value;
    int rc = mdb_get(reader->txn, store->dbi, &lookup_key, &value);
    if (rc == 0 && copy_live_profile(store, &value, now_s, arena, out) != 0)
        rc = -1;
    mdb_txn_reset(reader->txn);
    if (rc != 0)
        *out = (struct profile){NULL, 0};
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : -1;
}

/* ---- writes -------------------------------------------------------------------- */

/* Commits txn when rc is 0, else aborts it; maps LMDB's result to a status. */
static enum profile_status finish_write(const struct profile_store *store, MDB_txn *txn, int rc,
                                        struct error *err)
{
    if (rc == 0)
        rc = mdb_txn_commit(txn);
    else if (txn != NULL)
        mdb_txn_abort(txn);
    if (rc == 0)
        return PROFILE_OK;
    if (rc == MDB_MAP_FULL) {
        error_format(err, "profile store is full (%zu MiB): nothing was applied; raise "
                          "--profile-map-mb", store->map_bytes >> 20);
        return PROFILE_FULL;
    }
    error_format(err, "profile store: %s: nothing was applied", mdb_strerror(rc));
    return PROFILE_FAILED;
}

static int compare_observations(const void *a, const void *b)
{
    const struct profile_observation *x = a, *y = b;
    return memcmp(x->key.bytes, y->key.bytes, sizeof(x->key.bytes));
}

/* One write transaction recording one segment's observations. */
struct segment_write {
    struct profile_store *store;
    MDB_txn *txn;
    struct slice segment;
    int64_t now_s;
    struct arena scratch; /* one person's decoded and encoded record */
};

/* Adds run (observations of one person) to their membership of the segment, which
 * profile has room for; keeps profile sorted. */
static void add_observations(struct profile *profile, struct slice segment,
                             const struct profile_observation *run, size_t run_len)
{
    size_t at = 0;
    while (at < profile->count && compare_segments(profile->memberships[at].segment, segment) < 0)
        at++;
    struct segment_membership *m = &profile->memberships[at];
    if (at == profile->count || !slice_eq(m->segment, segment)) {
        memmove(m + 1, m, (profile->count - at) * sizeof(*m));
        *m = (struct segment_membership){segment, INT64_MIN, 0};
        profile->count++;
    }
    m->count = run_len > UINT32_MAX - m->count ? UINT32_MAX : m->count + (uint32_t)run_len;
    for (size_t i = 0; i < run_len; i++)
        if (run[i].seen_s > m->last_seen_s)
            m->last_seen_s = run[i].seen_s;
}

/* Reads, updates and writes back one person's record. Returns an LMDB result. */
static int record_person(struct segment_write *write, const struct profile_observation *run,
                         size_t run_len)
{
    MDB_val key = {sizeof(run->key.bytes), (void *)run->key.bytes}, value;
    struct profile profile = {NULL, 0};
    int rc = mdb_get(write->txn, write->store->dbi, &key, &value);
    if (rc == MDB_NOTFOUND)
        profile.memberships = arena_alloc(&write->scratch, sizeof(struct segment_membership));
    else if (rc != 0)
        return rc;
    else if (decode_record(&value, 1, &write->scratch, &profile) != 0)
        return MDB_CORRUPTED;
    drop_expired(&profile, write->now_s, write->store->ttl_s);
    add_observations(&profile, write->segment, run, run_len);
    drop_expired(&profile, write->now_s, write->store->ttl_s);
    if (profile.count == 0)
        return rc == MDB_NOTFOUND ? 0 : mdb_del(write->txn, write->store->dbi, &key, NULL);
    struct outbuf encoded;
    outbuf_init(&encoded, &write->scratch, 256);
    encode_record(&profile, &encoded);
    value = (MDB_val){encoded.len, encoded.data};
    return mdb_put(write->txn, write->store->dbi, &key, &value, 0);
}

enum profile_status profile_store_record(struct profile_store *store, struct slice segment,
                                         struct profile_observation *observations,
                                         size_t count, int64_t now_s, size_t *users,
                                         struct error *err)
{
    *users = 0;
    if (!profile_segment_name_valid(segment)) {
        error_format(err, "segment name must be " PROFILE_SEGMENT_NAME_RULE);
        return PROFILE_INVALID;
    }
    if (count > 1)
        qsort(observations, count, sizeof(*observations), compare_observations);
    struct segment_write write = {.store = store, .txn = NULL, .segment = segment,
                                  .now_s = now_s};
    int rc = mdb_txn_begin(store->env, NULL, 0, &write.txn);
    if (rc != 0)
        return finish_write(store, NULL, rc, err);
    arena_init(&write.scratch, 4096);
    size_t people = 0;
    for (size_t start = 0, end; rc == 0 && start < count; start = end, people++) {
        for (end = start + 1; end < count && compare_observations(&observations[start],
                                                                  &observations[end]) == 0;)
            end++;
        arena_reset(&write.scratch);
        rc = record_person(&write, &observations[start], end - start);
    }
    arena_free(&write.scratch);
    enum profile_status status = finish_write(store, write.txn, rc, err);
    if (status == PROFILE_OK)
        *users = people;
    return status;
}

enum profile_status profile_store_erase(struct profile_store *store, const struct user_key *key,
                                        bool *erased, struct error *err)
{
    MDB_txn *txn = NULL;
    *erased = false;
    int rc = mdb_txn_begin(store->env, NULL, 0, &txn);
    if (rc != 0)
        return finish_write(store, NULL, rc, err);
    MDB_val erase_key = {sizeof(key->bytes), (void *)key->bytes};
    rc = mdb_del(txn, store->dbi, &erase_key, NULL);
    bool found = rc == 0;
    enum profile_status status = finish_write(store, txn, rc == MDB_NOTFOUND ? 0 : rc, err);
    *erased = found && status == PROFILE_OK;
    return status;
}
