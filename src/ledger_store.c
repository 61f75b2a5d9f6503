/* The ledger's durable state in LMDB (<data_dir>/ledger/), three databases:
 *   meta       "epoch" → uint64 (the current epoch of reservation ids)
 *   accounts   campaign id → struct ledger_book
 *   frequency  user key (16 bytes) + campaign id → struct stored_count
 * The environment does not sync at each commit (MDB_NOSYNC): a committed transaction
 * is in the kernel's page cache, which survives the process being killed. Batches,
 * epochs and erasures are then synced explicitly (a lease must be on disk before a bid
 * uses it); a frequency count, written through at each capped impression, is synced by
 * the next batch. */
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
    MDB_env *env;
    MDB_dbi meta, accounts, frequency;
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

static int open_databases(struct ledger_store *store, struct error *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->env, NULL, 0, &txn);
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    if ((rc = mdb_dbi_open(txn, "meta", MDB_CREATE, &store->meta)) != 0 ||
        (rc = mdb_dbi_open(txn, "accounts", MDB_CREATE, &store->accounts)) != 0 ||
        (rc = mdb_dbi_open(txn, "frequency", MDB_CREATE, &store->frequency)) != 0) {
        mdb_txn_abort(txn);
        return lmdb_fail(err, "open databases", rc);
    }
    rc = mdb_txn_commit(txn);
    return rc == 0 ? 0 : lmdb_fail(err, "commit", rc);
}

struct ledger_store *ledger_store_open(const char *data_dir, struct error *err)
{
    char path[4096];
    snprintf(path, sizeof(path), "%s/ledger", data_dir);
    if (mkdir(path, 0700) != 0 && errno != EEXIST) {
        error_format(err, "%s: %s", path, strerror(errno));
        return NULL;
    }
    struct ledger_store *store = xcalloc(1, sizeof(*store));
    int rc = mdb_env_create(&store->env);
    if (rc == 0)
        rc = mdb_env_set_maxdbs(store->env, 3);
    if (rc == 0)
        rc = mdb_env_set_mapsize(store->env, STORE_MAP_SIZE);
    if (rc == 0)
        rc = mdb_env_open(store->env, path, MDB_NOTLS | MDB_NOSYNC, 0600);
    if (rc != 0) {
        error_format(err, "%s: %s", path, mdb_strerror(rc));
        goto fail;
    }
    if (open_databases(store, err) != 0)
        goto fail;
    return store;
fail:
    if (store->env != NULL)
        mdb_env_close(store->env);
    free(store);
    return NULL;
}

void ledger_store_close(struct ledger_store *store)
{
    if (store == NULL)
        return;
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

int ledger_store_load(struct ledger_store *store, const struct ledger_store_visitor *visitor,
                      struct error *err)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(store->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return lmdb_fail(err, "begin", rc);
    int result = walk(txn, store->accounts, visitor, visit_account, err);
    if (result == 0)
        result = walk(txn, store->frequency, visitor, visit_count, err);
    mdb_txn_abort(txn);
    return result;
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
    int rc = mdb_txn_begin(store->env, NULL, 0, &txn);
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
    struct ledger_store_batch *batch = ledger_store_begin(store, err);
    if (batch == NULL)
        return -1;
    MDB_cursor *cursor;
    int rc = mdb_cursor_open(batch->txn, store->frequency, &cursor), deleted = 0;
    if (rc != 0) {
        ledger_store_abort(batch);
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
        ledger_store_abort(batch);
        return lmdb_fail(err, "delete", rc);
    }
    return ledger_store_commit(batch, err) == 0 ? deleted : -1;
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
