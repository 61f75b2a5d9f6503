/* Shared by the ledger's files: src/ledger.c (accounts, sync, maintenance),
 * src/ledger_reservation.c (reserve, commit, release, expiry), src/ledger_store.c (LMDB)
 * and src/ledger_stats.c (hourly counters, JSON). Nothing else includes it. */
#ifndef GEOBID_LEDGER_INTERNAL_H
#define GEOBID_LEDGER_INTERNAL_H

#include "geobid/frequency.h"
#include "geobid/ledger.h"
#include "geobid/pacing.h"
#include "geobid/tz.h"

#include <pthread.h>
#include <stdatomic.h>

enum {
    LEDGER_HOURS = 48,           /* hourly counters kept per campaign */
    LEDGER_BOOK_VERSION = 1,
    LEDGER_LEASE_MIN_BIDS = 20,  /* a lease covers at least this many bids */
    LEDGER_LEASE_TICKS = 4,      /* ... and this many ticks at the recent pace */
    LEDGER_VISIT_CHUNK = 1024,   /* visit times per chunk of ledger->visit_chunks */
};

/* A visit time meaning "at the next tick". */
#define LEDGER_VISIT_NOW INT64_MIN

/* One UTC hour of one campaign. */
struct ledger_hour {
    int64_t hour;                /* hours since the Unix epoch; 0: unused */
    uint64_t bids, wins, impressions;
    int64_t spend_micros;
    int64_t reserved_gross_micros; /* reserved during the hour, whatever became of it */
};

/* An account's numbers, as kept on disk (native layout: the data directory belongs to
 * one machine). Every commit adds to both spent_total_micros and spent_day_micros. */
struct ledger_book {
    uint32_t version;            /* LEDGER_BOOK_VERSION */
    uint32_t unused;
    int64_t spent_total_micros;  /* committed, all time, unconfirmed included */
    int64_t spent_day_micros;    /* committed during local day `day` */
    int64_t day;                 /* local day number (days since 1970-01-01 there) */
    int64_t ceiling_micros;      /* the lease: committed + reserved never exceeds it */
    int64_t unconfirmed_micros;  /* leased but unconfirmed at a restart, counted as spent */
    uint64_t bids, wins, impressions, late_refused;
    struct ledger_hour hours[LEDGER_HOURS];
};

struct ledger_account {
    pthread_mutex_t lock;        /* guards everything below but id and index */
    struct slice id;             /* owned copy */
    uint32_t index;              /* in ledger->accounts; names it in frequency counts */
    const struct campaign *campaign; /* in the last synced set; NULL: does not bid */
    const struct tz_zone *zone;  /* NULL: UTC */
    struct ledger_book book;
    int64_t reserved_micros;     /* outstanding reservations */
    int64_t day_start_ms, day_end_ms; /* the local day book.day, in UTC; end 0: unknown */
    int64_t usable_ceiling_micros;    /* <= the ceiling on disk (INT64_MAX in memory) */
    int64_t lease_day;           /* day the lease was granted for; -1: none */
    int64_t reserved_since_tick; /* sizes the next lease */
    bool changed;                /* book differs from what was last written */
    /* bids refused since start, by status (LEDGER_OUT_OF_FLIGHT..LEDGER_BUSY); lock-free */
    _Atomic uint64_t refused[LEDGER_BUSY + 1];
    struct pacing pacing;
    int64_t pacing_next_ms;      /* when the next pacing interval starts */
    /* its entry in ledger->visit_chunks (never moves): when the tick must next visit it */
    _Atomic int64_t *visit_at_ms;
};

/* Accounts by index and by campaign id; replaced whole (and the old one retired)
 * when ledger_sync() adds accounts, so readers need no lock. */
struct account_table {
    struct ledger_account **by_index;
    size_t count;
    struct ledger_account **slots;  /* open addressing by id hash; NULL: free */
    size_t mask;
    struct account_table *retired_next;
};

/* Reservation slot states. */
enum slot_state {
    SLOT_FREE = 0,               /* never used */
    SLOT_BUSY,                   /* being written or settled: hands off */
    SLOT_LIVE,                   /* reserved, waiting for a notice */
    SLOT_COMMITTED,
    SLOT_RELEASED,
    SLOT_EXPIRED,                /* released by the TTL; a late win may still commit */
};

enum { SLOT_STATE_BITS = 3 };

/* One reservation in the ring; reservation sequence s lives at ring[s & ring_mask]
 * until sequence s + ring size reuses the slot. Fields other than tag are written only
 * by whoever moved the tag to SLOT_BUSY. */
struct ledger_slot {
    _Atomic uint64_t tag;        /* sequence << SLOT_STATE_BITS | enum slot_state */
    uint32_t account;            /* index */
    uint8_t notices;             /* 1 << enum ledger_notice already counted */
    bool has_user;
    int64_t price_cpm_micros;
    int64_t expires_ms;
    struct user_key user;
};

struct ledger_store;

struct ledger {
    struct ledger_options options;
    char *data_dir;
    uint64_t epoch;              /* 1..65535 */
    _Atomic(struct account_table *) accounts;
    struct account_table *retired;
    pthread_mutex_t admin_lock;  /* sync, tick, erase, close: never on the hot path */
    struct ledger_slot *ring;
    size_t ring_mask;
    _Atomic uint64_t next_sequence;
    uint64_t sweep_sequence;     /* reservations before it are settled (tick only) */
    struct frequency_table *frequency;
    struct ledger_store *store;  /* NULL: in memory */
    pthread_t thread;
    bool thread_running, stopping;
    pthread_cond_t wake;
    /* When the tick must next visit each account, by index, LEDGER_VISIT_CHUNK to a
     * chunk: a dense array the tick scans instead of the accounts themselves. Chunks
     * are never moved nor freed before close, so accounts can point into them; the
     * directory is grown by ledger_sync() and read by the tick (admin lock). */
    _Atomic int64_t **visit_chunks;
    size_t visit_chunk_count;
    int64_t last_tick_ms;        /* now_ms of the last tick (INT64_MIN: none yet) */
};

/* Asks the next tick to visit the account (account locked): something its maintenance
 * depends on has changed. The store is skipped when already asked, so that a busy
 * campaign does not keep taking the cache line it shares with its neighbours' entries
 * from the tick; relaxed, as the tick reads it without a lock and a visit takes the
 * account's lock anyway. */
static inline void account_touch(struct ledger_account *account)
{
    if (atomic_load_explicit(account->visit_at_ms, memory_order_relaxed) != LEDGER_VISIT_NOW)
        atomic_store_explicit(account->visit_at_ms, LEDGER_VISIT_NOW, memory_order_relaxed);
}

/* The account's book differs from what was last written (account locked). */
static inline void account_changed(struct ledger_account *account)
{
    account->changed = true;
    account_touch(account);
}

/* ---- ledger.c ------------------------------------------------------------------- */

/* Returns the account of campaign_id, or NULL. Lock-free. */
struct ledger_account *ledger_find_account(struct ledger *ledger, struct slice campaign_id);

/* Returns the account at index (which must exist). Lock-free. */
struct ledger_account *ledger_account_at(struct ledger *ledger, uint32_t index);

/* Moves the account to the local day of now_ms when it has changed (account locked). */
void account_roll_day(struct ledger_account *account, int64_t now_ms);

/* The frequency cap of the account's campaign (account locked; max 0: none). */
struct frequency_cap account_cap(const struct ledger_account *account);

/* ---- ledger_reservation.c ----------------------------------------------------------- */

/* Expires every outstanding reservation whose TTL has passed at now_ms. */
void ledger_expire(struct ledger *ledger, int64_t now_ms);

/* Removes user from every reservation that may still count an impression (outstanding,
 * or expired: a late win counts), so that their notices count nothing for the person.
 * Waits out notices settling them. Admin lock held. */
void ledger_forget_user(struct ledger *ledger, const struct user_key *user);

/* ---- ledger_stats.c -------------------------------------------------------------- */

/* Returns the hourly counters of now_ms's hour in book, starting them when new. */
struct ledger_hour *ledger_book_hour(struct ledger_book *book, int64_t now_ms);

/* ---- ledger_store.c (LMDB) ----------------------------------------------------------- */

/* Opens (creating) the store: the LMDB environments <data_dir>/ledger (epoch, accounts)
 * and <data_dir>/frequency (counts), each with its own writer lock. NULL with err on
 * failure. */
struct ledger_store *ledger_store_open(const char *data_dir, struct error *err);

void ledger_store_close(struct ledger_store *store);

/* Reads the stored epoch, stores the next one (1..65535, wrapping) and returns it in
 * *epoch. 0, or -1 with err. */
int ledger_store_next_epoch(struct ledger_store *store, uint64_t *epoch, struct error *err);

/* What ledger_store_load() hands back. */
struct ledger_store_visitor {
    void (*account)(void *context, struct slice campaign_id, const struct ledger_book *book);
    void (*count)(void *context, struct slice campaign_id, const struct user_key *user,
                  int64_t window_end_ms, uint32_t count);
    void *context;
};

/* Calls visitor->account for every stored account, then visitor->count for every
 * frequency count. 0, or -1 with err. */
int ledger_store_load(struct ledger_store *store, const struct ledger_store_visitor *visitor,
                      struct error *err);

/* A write transaction. */
struct ledger_store_batch;

/* Starts a batch; NULL with err on failure. */
struct ledger_store_batch *ledger_store_begin(struct ledger_store *store, struct error *err);

/* Adds an account's book to the batch. 0, or -1 with err (the batch must then be
 * aborted). */
int ledger_store_put_book(struct ledger_store_batch *batch, struct slice campaign_id,
                          const struct ledger_book *book, struct error *err);

/* Commits the batch and syncs it to disk. 0, or -1 with err (nothing written). The
 * batch is gone either way. */
int ledger_store_commit(struct ledger_store_batch *batch, struct error *err);

/* Abandons the batch. */
void ledger_store_abort(struct ledger_store_batch *batch);

/* Writes one frequency count in its own transaction of the frequency environment, at
 * once (not synced: a killed process cannot lose it; ledger_store_sync_counts() makes it
 * safe from an OS crash). Waits only for other count writes (never for a batch or a
 * sync). Safe from any thread; concurrent writes of one (user, campaign) keep the
 * largest count. 0, or -1 with err. */
int ledger_store_write_count(struct ledger_store *store, struct slice campaign_id,
                             const struct frequency_record *record, struct error *err);

/* Syncs the frequency environment to disk, taking no writer lock (count writes go on
 * meanwhile). 0, or -1 with err. */
int ledger_store_sync_counts(struct ledger_store *store, struct error *err);

/* Deletes every frequency count whose window has ended by now_ms. Returns how many, or
 * -1 with err. */
int ledger_store_purge_counts(struct ledger_store *store, int64_t now_ms, struct error *err);

/* Deletes every frequency count of user, synced. Returns how many, or -1 with err. */
int ledger_store_erase_user(struct ledger_store *store, const struct user_key *user,
                            struct error *err);

#endif
