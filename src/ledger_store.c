/* The ledger's durable state in LMDB, two environments:
 *   <data_dir>/ledger/     meta      "epoch" → uint64 (the current epoch of reservation ids)
 *                          accounts  campaign id → struct ledger_book
 *   <data_dir>/frequency/  frequency user key (16 bytes) + campaign id → struct stored_count
 * Each has its own writer lock. The ledger environment is written by the maintenance
 * tick in batches that are synced (a lease must be on disk before a bid uses it); the
 * frequency environment is written at each capped impression, on the notice path, in
 * transactions of one count, so a notice only ever waits for another notice's
 * microsecond write, never for a batch or an fsync. Neither environment syncs at
 * commit (MDB_NOSYNC): a committed transaction is in the kernel's page cache, which
 * survives the process being killed. The frequency environment is synced by the tick
 * (mdb_env_sync(), which takes no writer lock), after erasures and purges, and at close;
 * only an OS crash or power cut between two ticks can lose a count. */
#include "ledger_internal.h"

#include "geobid/alloc.h"

#include <errno.h>
#include <lmdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define STORE_MAP_SIZE ((size_t)1 << 32) /* address space, not disk: the file is sparse */

struct ledger_store {
    MDB_env *env;                /* <data_dir>/ledger */
    MDB_dbi meta, accounts;
    MDB_env *counts;             /* <data_dir>/frequency */
    MDB_dbi frequency;
};

struct ledger_store_batch {
    struct ledger_store *store;
    MDB_txn *txn;
};

struct stored_count {
    int64_t window_end_ms;
    uint32_t count;
    uint32_t unused;
};

enum { max_campaign_id_len = 400 }; /* LMDB keys are at most 511 bytes */

static int lmdb_fail(struct error *err, const char *what, int rc)
{
    return error_format(err, "ledger store: %s: %s", what, mdb_strerror(rc));
}

/* Opens the named databases of env (created if missing), in names' order into dbis. */
static int open_databases(MDB_env *env, const char *const *names, MDB_dbi *const *dbis,
                          size_t count, struct error *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, 0, &txn);
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    for (size_t i = 0; i < count; i++) {
        if ((rc = mdb_dbi_open(txn, names[i], MDB_CREATE, dbis[i])) != 0) {
            mdb_txn_abort(txn);
            return lmdb_fail(err, "open databases", rc);
        }
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? 0 : lmdb_fail(err, "commit", rc);
}

/* Opens (creating) the environment <data_dir>/<name> with its databases. NULL with err
 * on failure. */
static MDB_env *open_env(const char *data_dir, const char *name, const char *const *names,
                         MDB_dbi *const *dbis, size_t count, struct error *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/%s", data_dir, name);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        error_format(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    MDB_env *env;
    int rc = mdb_env_create(&env);
    if (rc != 0) {
        error_format(err, "%s: %s", path, mdb_strerror(rc));
        return NULL;
    }
    rc = mdb_env_set_maxdbs(env, (MDB_dbi)count);
    if (rc == 0)
        rc = mdb_env_set_mapsize(env, STORE_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_open(env, path, MDB_NOTLS | MDB_NOSYNC, 0600);
    if (rc != 0)
        error_format(err, "%s: %s", path, mdb_strerror(rc));
    if (rc != 0 || open_databases(env, names, dbis, count, err) != 0) {
        mdb_env_close(env);
        return NULL;
    }
    return env;
}

struct ledger_store *ledger_store_open(const char *data_dir, struct error *err)
{
    struct ledger_store *store = xcalloc(1, sizeof(*store));
    static const char *const ledger_names[] = {"meta", "accounts"};
    static const char *const count_names[] = {"frequency"};
    MDB_dbi *const ledger_dbis[] = {&store->meta, &store->accounts};
    MDB_dbi *const count_dbis[] = {&store->frequency};
    store->env = open_env(data_dir, "ledger", ledger_names, ledger_dbis, 2, err);
    if (store->env != NULL)
        store->counts = open_env(data_dir, "frequency", count_names, count_dbis, 1, err);
    if (store->counts != NULL)
        return store;
    if (store->env != NULL)
        mdb_env_close(store->env);
    free(store);
    return NULL;
}

void ledger_store_close(struct ledger_store *store)
{
    if (store == NULL)
        return;
    mdb_env_sync(store->counts, 1);
    mdb_env_close(store->counts);
    mdb_env_close(store->env);
    free(store);
}

int ledger_store_next_epoch(struct ledger_store *store, uint64_t *epoch, struct error *err)
{
    struct ledger_store_batch *batch = ledger_store_begin(store, err);
    if (batch == NULL)
        return -1;
    MDB_val key = {5, "epoch"}, value;
    uint64_t last = 0;
    int rc = mdb_get(batch->txn, store->meta, &key, &value);
    if (rc == 0 && value.mv_size == sizeof(last))
        memcpy(&last, value.mv_data, sizeof(last));
    uint64_t next = last % 65535 + 1;
    value = (MDB_val){sizeof(next), &next};
    rc = mdb_put(batch->txn, store->meta, &key, &value, 0);
    if (rc != 0) {
        ledger_store_abort(batch);
        return lmdb_fail(err, "put epoch", rc);
    }
    *epoch = next;
    return ledger_store_commit(batch, err);
}

/* ---- loading ---------------------------------------------------------------------- */

static void visit_account(const struct ledger_store_visitor *visitor, MDB_val key, MDB_val value)
{
    if (value.mv_size != sizeof(struct ledger_book))
        return; /* another layout: unreadable, so it cannot have a lease to honour */
    struct ledger_book book;
    memcpy(&book, value.mv_data, sizeof(book));
    if (book.version == LEDGER_BOOK_VERSION)
        visitor->account(visitor->context, (struct slice){key.mv_data, key.mv_size}, &book);
}

static void visit_count(const struct ledger_store_visitor *visitor, MDB_val key, MDB_val value)
{
    struct user_key user;
    struct stored_count stored;
    if (key.mv_size <= sizeof(user.bytes) || value.mv_size != sizeof(stored))
        return;
    memcpy(user.bytes, key.mv_data, sizeof(user.bytes));
    memcpy(&stored, value.mv_data, sizeof(stored));
    struct slice campaign_id = {(const char *)key.mv_data + sizeof(user.bytes),
                                key.mv_size - sizeof(user.bytes)};
    visitor->count(visitor->context, campaign_id, &user, stored.window_end_ms, stored.count);
}

/* Calls visit for every record of dbi. */
static int walk(MDB_txn *txn, MDB_dbi dbi, const struct ledger_store_visitor *visitor,
                void (*visit)(const struct ledger_store_visitor *, MDB_val, MDB_val),
                struct error *err)
{
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(txn, dbi, &cursor);
    if (rc != 0)
        return lmdb_fail(err, "cursor", rc);
    MDB_val key, value;
    for (rc = mdb_cursor_get(cursor, &key, &value, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT))
        visit(visitor, key, value);
    mdb_cursor_close(cursor);
    return rc == MDB_NOTFOUND ? 0 : lmdb_fail(err, "read", rc);
}

/* Walks dbi of env in a read transaction, calling visit for every record. */
static int walk_env(MDB_env *env, MDB_dbi dbi, const struct ledger_store_visitor *visitor,
                    void (*visit)(const struct ledger_store_visitor *, MDB_val, MDB_val),
                    struct error *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    int result = walk(txn, dbi, visitor, visit, err);
    mdb_txn_abort(txn);
    return result;
}

int ledger_store_load(struct ledger_store *store, const struct ledger_store_visitor *visitor,
                      struct error *err)
{
    if (walk_env(store->env, store->accounts, visitor, visit_account, err) != 0)
        return -1;
    return walk_env(store->counts, store->frequency, visitor, visit_count, err);
}

/* ---- writing ------------------------------------------------------------------------ */

struct ledger_store_batch *ledger_store_begin(struct ledger_store *store, struct error *err)
{
    struct ledger_store_batch *batch = xmalloc(sizeof(*batch));
    batch->store = store;
    int rc = mdb_txn_begin(store->env, NULL, 0, &batch->txn);
    if (rc == 0)
        return batch;
    free(batch);
    lmdb_fail(err, "begin", rc);
    return NULL;
}

int ledger_store_put_book(struct ledger_store_batch *batch, struct slice campaign_id,
                          const struct ledger_book *book, struct error *err)
{
    if (campaign_id.len > max_campaign_id_len)
        return error_format(err, "ledger store: campaign id longer than %d bytes",
                            max_campaign_id_len);
    MDB_val key = {campaign_id.len, (void *)campaign_id.ptr};
    MDB_val value = {sizeof(*book), (void *)book};
    int rc = mdb_put(batch->txn, batch->store->accounts, &key, &value, 0);
    return rc == 0 ? 0 : lmdb_fail(err, "put account", rc);
}

/* Whether stored (window end, count) already holds at least what record says: counts
 * only grow within a window, and a later window replaces an earlier one, so writes
 * racing each other keep the largest. */
static bool already_stored(MDB_val stored_value, const struct frequency_record *record)
{
    struct stored_count stored;
    if (stored_value.mv_size != sizeof(stored))
        return false;
    memcpy(&stored, stored_value.mv_data, sizeof(stored));
    return stored.window_end_ms > record->window_end_ms ||
           (stored.window_end_ms == record->window_end_ms && stored.count >= record->count);
}

int ledger_store_write_count(struct ledger_store *store, struct slice campaign_id,
                             const struct frequency_record *record, struct error *err)
{
    char key_bytes[sizeof(record->user.bytes) + max_campaign_id_len];
    if (campaign_id.len > max_campaign_id_len)
        return error_format(err, "ledger store: campaign id longer than %d bytes",
                            max_campaign_id_len);
    memcpy(key_bytes, record->user.bytes, sizeof(record->user.bytes));
    memcpy(key_bytes + sizeof(record->user.bytes), campaign_id.ptr, campaign_id.len);
    struct stored_count stored = {record->window_end_ms, record->count, 0};
    MDB_val key = {sizeof(record->user.bytes) + campaign_id.len, key_bytes}, old;
    MDB_val value = {sizeof(stored), &stored};
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->counts, NULL, 0, &txn);
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    rc = mdb_get(txn, store->frequency, &key, &old);
    if (rc == 0 && already_stored(old, record)) {
        mdb_txn_abort(txn);
        return 0;
    }
    if ((rc = mdb_put(txn, store->frequency, &key, &value, 0)) != 0) {
        mdb_txn_abort(txn);
        return lmdb_fail(err, "put count", rc);
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? 0 : lmdb_fail(err, "commit", rc);
}

int ledger_store_sync_counts(struct ledger_store *store, struct error *err)
{
    int rc = mdb_env_sync(store->counts, 1);
    return rc == 0 ? 0 : lmdb_fail(err, "sync counts", rc);
}

int ledger_store_commit(struct ledger_store_batch *batch, struct error *err)
{
    MDB_env *env = batch->store->env;
    int rc = mdb_txn_commit(batch->txn);
    free(batch);
    if (rc != 0)
        return lmdb_fail(err, "commit", rc);
    rc = mdb_env_sync(env, 1);
    return rc == 0 ? 0 : lmdb_fail(err, "sync", rc);
}

void ledger_store_abort(struct ledger_store_batch *batch)
{
    mdb_txn_abort(batch->txn);
    free(batch);
}

/* Tells whether a record is in the range walked, or is to be deleted. */
typedef bool record_test(MDB_val key, MDB_val value, const void *context);

/* Deletes, in one synced transaction, the frequency counts from `from` on (NULL: from
 * the first) that doomed() picks, while in_range() holds. Returns how many, or -1. */
static int delete_counts(struct ledger_store *store, MDB_val *from, record_test *in_range,
                         record_test *doomed, const void *context, struct error *err)
{
    MDB_txn *txn;
    MDB_cursor *cursor;
    int rc = mdb_txn_begin(store->counts, NULL, 0, &txn), deleted = 0;
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    if ((rc = mdb_cursor_open(txn, store->frequency, &cursor)) != 0) {
        mdb_txn_abort(txn);
        return lmdb_fail(err, "cursor", rc);
    }
    MDB_val key = from ? *from : (MDB_val){0, NULL}, value;
    for (rc = mdb_cursor_get(cursor, &key, &value, from ? MDB_SET_RANGE : MDB_FIRST);
         rc == 0 && in_range(key, value, context);
         rc = mdb_cursor_get(cursor, &key, &value, MDB_NEXT)) {
        if (!doomed(key, value, context))
            continue;
        if ((rc = mdb_cursor_del(cursor, 0)) != 0)
            break;
        deleted++;
    }
    mdb_cursor_close(cursor);
    if (rc != 0 && rc != MDB_NOTFOUND) {
        mdb_txn_abort(txn);
        return lmdb_fail(err, "delete", rc);
    }
    if ((rc = mdb_txn_commit(txn)) != 0)
        return lmdb_fail(err, "commit", rc);
    return ledger_store_sync_counts(store, err) == 0 ? deleted : -1;
}

static bool starts_with_user(MDB_val key, MDB_val value, const void *context)
{
    (void)value;
    const struct user_key *user = context;
    return key.mv_size >= sizeof(user->bytes) &&
           memcmp(key.mv_data, user->bytes, sizeof(user->bytes)) == 0;
}

static bool window_ended(MDB_val key, MDB_val value, const void *context)
{
    (void)key;
    struct stored_count stored;
    if (value.mv_size != sizeof(stored))
        return true; /* unreadable */
    memcpy(&stored, value.mv_data, sizeof(stored));
    return stored.window_end_ms <= *(const int64_t *)context;
}

static bool everywhere(MDB_val key, MDB_val value, const void *context)
{
    (void)key, (void)value, (void)context;
    return true;
}

int ledger_store_erase_user(struct ledger_store *store, const struct user_key *user,
                            struct error *err)
{
    MDB_val from = {sizeof(user->bytes), (void *)user->bytes};
    return delete_counts(store, &from, starts_with_user, starts_with_user, user, err);
}

int ledger_store_purge_counts(struct ledger_store *store, int64_t now_ms, struct error *err)
{
    return delete_counts(store, NULL, everywhere, window_ended, &now_ms, err);
}
