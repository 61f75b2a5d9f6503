/* Frequency caps (frequency.h): a table of (user key, campaign) → count in the current
 * window + pending bids, split into shards by user key. Each shard is an open-addressing
 * table with linear probing and tombstones. */
#include "geobid/frequency.h"

#include "geobid/alloc.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

enum {
    shard_count = 64,
    shard_initial_capacity = 64,
};

enum entry_state { ENTRY_EMPTY = 0, ENTRY_USED, ENTRY_TOMBSTONE };

struct entry {
    struct user_key user;
    uint32_t campaign;
    uint32_t count;          /* impressions in the window ending at window_end_ms */
    uint32_t pending;        /* bids in flight */
    uint8_t state;           /* enum entry_state */
    int64_t window_end_ms;   /* 0: no window open */
};

struct shard {
    pthread_mutex_t lock;
    struct entry *entries;
    size_t capacity;         /* a power of two */
    size_t used, tombstones;
};

struct frequency_table {
    struct shard shards[shard_count];
};

/* ---- shards ---------------------------------------------------------------- */

static struct shard *shard_of(struct frequency_table *table, const struct user_key *user)
{
    return &table->shards[user->bytes[15] % shard_count];
}

/* The user key is already a keyed hash: its first bytes are uniform. */
static size_t entry_hash(const struct user_key *user, uint32_t campaign)
{
    uint64_t h;
    memcpy(&h, user->bytes, sizeof(h));
    return (size_t)(h ^ ((uint64_t)campaign * 0x9E3779B97F4A7C15u));
}

static bool entry_is(const struct entry *e, const struct user_key *user, uint32_t campaign)
{
    return e->state == ENTRY_USED && e->campaign == campaign &&
           memcmp(e->user.bytes, user->bytes, sizeof(user->bytes)) == 0;
}

/* Returns the index of (user, campaign), or of the slot to put it in (state not
 * ENTRY_USED) when absent. */
static size_t shard_probe(const struct shard *shard, const struct user_key *user,
                          uint32_t campaign)
{
    size_t mask = shard->capacity - 1, i = entry_hash(user, campaign) & mask;
    size_t free_slot = SIZE_MAX;
    for (;; i = (i + 1) & mask) {
        const struct entry *e = &shard->entries[i];
        if (e->state == ENTRY_EMPTY)
            return free_slot != SIZE_MAX ? free_slot : i;
        if (e->state == ENTRY_TOMBSTONE && free_slot == SIZE_MAX)
            free_slot = i;
        if (entry_is(e, user, campaign))
            return i;
    }
}

/* An entry that holds nothing worth keeping: no pending bid, no open window at now_ms. */
static bool entry_is_spent(const struct entry *e, int64_t now_ms)
{
    return e->pending == 0 && e->window_end_ms <= now_ms;
}

/* The capacity for the shard's entries still worth keeping at now_ms: room for four
 * times as many (shard locked). */
static size_t shard_wanted_capacity(const struct shard *shard, int64_t now_ms)
{
    size_t live = 0, capacity = shard_initial_capacity;
    for (size_t i = 0; i < shard->capacity; i++)
        live += shard->entries[i].state == ENTRY_USED &&
                !entry_is_spent(&shard->entries[i], now_ms);
    while (capacity < 4 * (live + 1))
        capacity *= 2;
    return capacity;
}

/* Moves the shard's entries worth keeping into entries (zeroed, capacity slots, at
 * least twice as many as those), dropping spent ones and tombstones (shard locked). */
static void shard_rehash_into(struct shard *shard, struct entry *entries, size_t capacity,
                              int64_t now_ms)
{
    struct entry *old = shard->entries;
    size_t old_capacity = shard->capacity;
    shard->entries = entries;
    shard->capacity = capacity;
    shard->used = shard->tombstones = 0;
    for (size_t i = 0; i < old_capacity; i++) {
        if (old[i].state != ENTRY_USED || entry_is_spent(&old[i], now_ms))
            continue;
        shard->entries[shard_probe(shard, &old[i].user, old[i].campaign)] = old[i];
        shard->used++;
    }
    free(old);
}

/* Whether the shard is more than num/den full, tombstones included (shard locked). */
static bool shard_fuller_than(const struct shard *shard, size_t num, size_t den)
{
    return den * (shard->used + shard->tombstones + 1) > num * shard->capacity;
}

/* Returns the entry of (user, campaign), created empty when absent and create. Grows
 * the shard here only when frequency_maintain() has not kept up (over 3/4 full). */
static struct entry *shard_find(struct shard *shard, const struct user_key *user,
                                uint32_t campaign, bool create, int64_t now_ms)
{
    if (create && shard_fuller_than(shard, 3, 4)) {
        size_t capacity = shard_wanted_capacity(shard, now_ms);
        shard_rehash_into(shard, xcalloc(capacity, sizeof(struct entry)), capacity, now_ms);
    }
    size_t i = shard_probe(shard, user, campaign);
    struct entry *e = &shard->entries[i];
    if (e->state == ENTRY_USED)
        return e;
    if (!create)
        return NULL;
    shard->tombstones -= e->state == ENTRY_TOMBSTONE;
    shard->used++;
    *e = (struct entry){.user = *user, .campaign = campaign, .state = ENTRY_USED};
    return e;
}

/* The count that still applies at now_ms. */
static uint32_t current_count(const struct entry *e, int64_t now_ms)
{
    return now_ms < e->window_end_ms ? e->count : 0;
}

/* ---- public API ---------------------------------------------------------------- */

struct frequency_table *frequency_table_new(void)
{
    struct frequency_table *table = xcalloc(1, sizeof(*table));
    for (size_t s = 0; s < shard_count; s++) {
        pthread_mutex_init(&table->shards[s].lock, NULL);
        table->shards[s].capacity = shard_initial_capacity;
        table->shards[s].entries = xcalloc(shard_initial_capacity, sizeof(struct entry));
    }
    return table;
}

/* Rebuilds one shard when it is more than half full, allocating outside its lock. */
static void shard_maintain(struct shard *shard, int64_t now_ms)
{
    pthread_mutex_lock(&shard->lock);
    size_t capacity = shard_fuller_than(shard, 1, 2) ? shard_wanted_capacity(shard, now_ms) : 0;
    pthread_mutex_unlock(&shard->lock);
    if (capacity == 0)
        return;
    struct entry *entries = xcalloc(capacity, sizeof(struct entry));
    pthread_mutex_lock(&shard->lock);
    if (shard_fuller_than(shard, 1, 2) && 2 * (shard->used + 1) <= capacity) {
        shard_rehash_into(shard, entries, capacity, now_ms);
        entries = NULL;
    }
    pthread_mutex_unlock(&shard->lock);
    free(entries);
}

void frequency_maintain(struct frequency_table *table, int64_t now_ms)
{
    for (size_t s = 0; s < shard_count; s++)
        shard_maintain(&table->shards[s], now_ms);
}

void frequency_table_free(struct frequency_table *table)
{
    if (table == NULL)
        return;
    for (size_t s = 0; s < shard_count; s++) {
        pthread_mutex_destroy(&table->shards[s].lock);
        free(table->shards[s].entries);
    }
    free(table);
}

bool frequency_reserve(struct frequency_table *table, const struct user_key *user,
                       uint32_t campaign, const struct frequency_cap *cap, int64_t now_ms)
{
    struct shard *shard = shard_of(table, user);
    pthread_mutex_lock(&shard->lock);
    struct entry *e = shard_find(shard, user, campaign, true, now_ms);
    bool allowed = (uint64_t)current_count(e, now_ms) + e->pending < cap->max;
    e->pending += allowed;
    pthread_mutex_unlock(&shard->lock);
    return allowed;
}

void frequency_cancel(struct frequency_table *table, const struct user_key *user,
                      uint32_t campaign)
{
    struct shard *shard = shard_of(table, user);
    pthread_mutex_lock(&shard->lock);
    struct entry *e = shard_find(shard, user, campaign, false, 0);
    if (e != NULL && e->pending > 0)
        e->pending--;
    pthread_mutex_unlock(&shard->lock);
}

void frequency_count(struct frequency_table *table, const struct user_key *user,
                     uint32_t campaign, const struct frequency_cap *cap, bool was_pending,
                     int64_t now_ms, struct frequency_record *counted)
{
    struct shard *shard = shard_of(table, user);
    pthread_mutex_lock(&shard->lock);
    struct entry *e = shard_find(shard, user, campaign, true, now_ms);
    if (was_pending && e->pending > 0)
        e->pending--;
    if (now_ms >= e->window_end_ms) {
        e->window_end_ms = now_ms + cap->window_ms;
        e->count = 0;
    }
    e->count++;
    *counted = (struct frequency_record){*user, campaign, e->window_end_ms, e->count};
    pthread_mutex_unlock(&shard->lock);
}

uint32_t frequency_count_of(struct frequency_table *table, const struct user_key *user,
                            uint32_t campaign, int64_t now_ms)
{
    struct shard *shard = shard_of(table, user);
    pthread_mutex_lock(&shard->lock);
    struct entry *e = shard_find(shard, user, campaign, false, 0);
    uint32_t count = e != NULL ? current_count(e, now_ms) : 0;
    pthread_mutex_unlock(&shard->lock);
    return count;
}

size_t frequency_erase_user(struct frequency_table *table, const struct user_key *user)
{
    struct shard *shard = shard_of(table, user);
    size_t erased = 0;
    pthread_mutex_lock(&shard->lock);
    for (size_t i = 0; i < shard->capacity; i++) {
        struct entry *e = &shard->entries[i];
        if (e->state != ENTRY_USED || memcmp(e->user.bytes, user->bytes, sizeof(user->bytes)))
            continue;
        *e = (struct entry){.state = ENTRY_TOMBSTONE};
        shard->used--;
        shard->tombstones++;
        erased++;
    }
    pthread_mutex_unlock(&shard->lock);
    return erased;
}

void frequency_restore(struct frequency_table *table, const struct frequency_record *record)
{
    struct shard *shard = shard_of(table, &record->user);
    pthread_mutex_lock(&shard->lock);
    struct entry *e = shard_find(shard, &record->user, record->campaign, true, 0);
    e->count = record->count;
    e->window_end_ms = record->window_end_ms;
    pthread_mutex_unlock(&shard->lock);
}
