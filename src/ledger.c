/* The ledger (ledger.h): accounts by campaign id, following the campaign sets, and the
 * maintenance that expires reservations, rolls pacing intervals, and writes spend,
 * counts and leases to the store. Reservations themselves are in
 * src/ledger_reservation.c, the LMDB store in src/ledger_store.c, the numbers people
 * read in src/ledger_stats.c. */
#include "ledger_internal.h"

#include "geobid/alloc.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    default_ttl_ms = 120 * 1000,
    default_tick_ms = 50,
    default_max_reservations = 1 << 20,
};

static const char *const status_names[] = {
    [LEDGER_OK] = "ok",
    [LEDGER_NO_ACCOUNT] = "no_account",
    [LEDGER_OUT_OF_FLIGHT] = "out_of_flight",
    [LEDGER_OVER_BUDGET] = "over_budget",
    [LEDGER_PACED] = "paced",
    [LEDGER_CAPPED] = "capped",
    [LEDGER_USER_REQUIRED] = "user_required",
    [LEDGER_BUSY] = "busy",
    [LEDGER_DUPLICATE] = "duplicate",
    [LEDGER_LATE_COMMITTED] = "late_committed",
    [LEDGER_LATE_REFUSED] = "late_refused",
    [LEDGER_STALE] = "stale",
    [LEDGER_TOO_OLD] = "too_old",
    [LEDGER_UNKNOWN] = "unknown",
    [LEDGER_PRICE_ABOVE_BID] = "price_above_bid",
};

const char *ledger_status_name(enum ledger_status status)
{
    size_t count = sizeof(status_names) / sizeof(status_names[0]);
    return (size_t)status < count && status_names[status] ? status_names[status] : "?";
}

static int64_t ledger_now_ms(const struct ledger *ledger)
{
    return clock_now_ms(ledger->options.clock ? ledger->options.clock : &clock_system);
}

/* ---- accounts ------------------------------------------------------------------------ */

static uint64_t id_hash(struct slice id)
{
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < id.len; i++)
        hash = (hash ^ (unsigned char)id.ptr[i]) * 1099511628211u;
    return hash;
}

struct ledger_account *ledger_find_account(struct ledger *ledger, struct slice campaign_id)
{
    struct account_table *table = atomic_load_explicit(&ledger->accounts, memory_order_acquire);
    for (size_t i = id_hash(campaign_id) & table->mask; table->slots[i] != NULL;
         i = (i + 1) & table->mask)
        if (slice_eq(table->slots[i]->id, campaign_id))
            return table->slots[i];
    return NULL;
}

struct ledger_account *ledger_account_at(struct ledger *ledger, uint32_t index)
{
    return atomic_load_explicit(&ledger->accounts, memory_order_acquire)->by_index[index];
}

/* Returns the visit time entry of the account at index, adding the chunks up to its
 * own (admin lock held, or the ledger opening). */
static _Atomic int64_t *visit_entry(struct ledger *ledger, size_t index)
{
    size_t chunk = index / LEDGER_VISIT_CHUNK;
    while (ledger->visit_chunk_count <= chunk) {
        ledger->visit_chunks = xrealloc(ledger->visit_chunks, (ledger->visit_chunk_count + 1) *
                                                                   sizeof(*ledger->visit_chunks));
        ledger->visit_chunks[ledger->visit_chunk_count++] =
            xcalloc(LEDGER_VISIT_CHUNK, sizeof(**ledger->visit_chunks));
    }
    return &ledger->visit_chunks[chunk][index % LEDGER_VISIT_CHUNK];
}

/* A new account at index, to be visited by the next tick (admin lock held, or the
 * ledger opening). */
static struct ledger_account *account_new(struct ledger *ledger, struct slice id,
                                          uint32_t index)
{
    struct ledger_account *account = xcalloc(1, sizeof(*account));
    pthread_mutex_init(&account->lock, NULL);
    account->id = (struct slice){xstrndup(id.ptr, id.len), id.len};
    account->index = index;
    account->visit_at_ms = visit_entry(ledger, index);
    atomic_store_explicit(account->visit_at_ms, LEDGER_VISIT_NOW, memory_order_relaxed);
    account->book.version = LEDGER_BOOK_VERSION;
    account->lease_day = -1;
    account->usable_ceiling_micros = INT64_MAX;
    pacing_init(&account->pacing);
    return account;
}

static void account_free(struct ledger_account *account)
{
    pthread_mutex_destroy(&account->lock);
    free((char *)account->id.ptr);
    free(account);
}

/* Returns a table holding old's accounts followed by added[0..added_count). */
static struct account_table *table_with(const struct account_table *old,
                                        struct ledger_account **added, size_t added_count)
{
    struct account_table *table = xcalloc(1, sizeof(*table));
    size_t old_count = old ? old->count : 0;
    table->count = old_count + added_count;
    table->by_index = xcalloc(table->count + 1, sizeof(*table->by_index));
    if (old_count > 0)
        memcpy(table->by_index, old->by_index, old_count * sizeof(*table->by_index));
    if (added_count > 0)
        memcpy(table->by_index + old_count, added, added_count * sizeof(*added));
    size_t capacity = 8;
    while (capacity < 2 * table->count)
        capacity *= 2;
    table->slots = xcalloc(capacity, sizeof(*table->slots));
    table->mask = capacity - 1;
    for (size_t a = 0; a < table->count; a++) {
        size_t i = id_hash(table->by_index[a]->id) & table->mask;
        while (table->slots[i] != NULL)
            i = (i + 1) & table->mask;
        table->slots[i] = table->by_index[a];
    }
    return table;
}

/* Publishes a table holding the current accounts plus added; the old one is retired
 * (readers may still hold it) and freed at close. */
static void publish_accounts(struct ledger *ledger, struct ledger_account **added,
                             size_t added_count)
{
    struct account_table *old = atomic_load_explicit(&ledger->accounts, memory_order_relaxed);
    atomic_store_explicit(&ledger->accounts, table_with(old, added, added_count),
                          memory_order_release);
    old->retired_next = ledger->retired;
    ledger->retired = old;
}

static void table_free(struct account_table *table)
{
    free(table->by_index);
    free(table->slots);
    free(table);
}

/* ---- days ------------------------------------------------------------------------------ */

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static int32_t offset_s(const struct tz_zone *zone, int64_t utc_s)
{
    return zone ? tz_zone_offset_s(zone, utc_s) : 0;
}

/* The UTC instant (ms) of the local midnight that starts day (the offset in force then,
 * found in two steps across a change of offset). */
static int64_t local_midnight_ms(const struct tz_zone *zone, int64_t day)
{
    int64_t local_s = day * 86400;
    int64_t utc_s = local_s - offset_s(zone, local_s);
    return (local_s - offset_s(zone, utc_s)) * 1000;
}

void account_roll_day(struct ledger_account *account, int64_t now_ms)
{
    if (account->day_end_ms != 0 && now_ms >= account->day_start_ms &&
        now_ms < account->day_end_ms)
        return;
    int64_t now_s = floor_div(now_ms, 1000);
    int64_t day = tz_day_of_seconds(now_s + offset_s(account->zone, now_s));
    account->day_start_ms = local_midnight_ms(account->zone, day);
    account->day_end_ms = local_midnight_ms(account->zone, day + 1);
    if (day == account->book.day)
        return;
    account->book.day = day;
    account->book.spent_day_micros = 0;
    account_changed(account);
}

struct frequency_cap account_cap(const struct ledger_account *account)
{
    if (account->campaign == NULL)
        return (struct frequency_cap){0, 0};
    const struct campaign_delivery *delivery = &account->campaign->delivery;
    return (struct frequency_cap){delivery->cap_max, (int64_t)delivery->cap_window_s * 1000};
}

/* ---- sync ------------------------------------------------------------------------------ */

static const struct tz_zone *zone_of(const struct campaign *campaign)
{
    struct slice name = campaign->delivery.timezone;
    return name.len ? tz_database_find(tz_system_database(), name) : NULL;
}

/* Creates the accounts of set's campaigns the ledger does not know yet. */
static void add_new_accounts(struct ledger *ledger, const struct campaign_set *set)
{
    struct ledger_account **added = xcalloc(set->count + 1, sizeof(*added));
    size_t count = atomic_load_explicit(&ledger->accounts, memory_order_relaxed)->count;
    size_t added_count = 0;
    for (size_t c = 0; c < set->count; c++) {
        struct slice id = set->campaigns[c].id;
        bool known = ledger_find_account(ledger, id) != NULL;
        for (size_t a = 0; a < added_count && !known; a++)
            known = slice_eq(added[a]->id, id);
        if (!known) {
            added[added_count] = account_new(ledger, id, (uint32_t)(count + added_count));
            added_count++;
        }
    }
    if (added_count > 0)
        publish_accounts(ledger, added, added_count);
    free(added);
}

/* Points the account at campaign (NULL: no longer in the set). */
static void account_follow(struct ledger_account *account, const struct campaign *campaign)
{
    const struct tz_zone *zone = campaign ? zone_of(campaign) : NULL;
    pthread_mutex_lock(&account->lock);
    if (campaign != account->campaign || zone != account->zone)
        account_touch(account); /* new budgets, pacing, or a day to find in another zone */
    account->campaign = campaign;
    if (zone != account->zone)
        account->day_end_ms = 0; /* the day is recomputed in the new zone */
    account->zone = zone;
    pthread_mutex_unlock(&account->lock);
}

int ledger_sync(struct ledger *ledger, const struct campaign_set *set, struct error *err)
{
    for (size_t c = 0; c < set->count; c++)
        if (set->campaigns[c].delivery.timezone.len && zone_of(&set->campaigns[c]) == NULL)
            return error_format(err, "campaign %.*s: unknown time zone %.*s",
                                (int)set->campaigns[c].id.len, set->campaigns[c].id.ptr,
                                (int)set->campaigns[c].delivery.timezone.len,
                                set->campaigns[c].delivery.timezone.ptr);
    pthread_mutex_lock(&ledger->admin_lock);
    add_new_accounts(ledger, set);
    struct account_table *table = atomic_load_explicit(&ledger->accounts, memory_order_relaxed);
    const struct campaign **follow = xcalloc(table->count + 1, sizeof(*follow));
    for (size_t c = 0; c < set->count; c++)
        follow[ledger_find_account(ledger, set->campaigns[c].id)->index] = &set->campaigns[c];
    for (size_t a = 0; a < table->count; a++)
        account_follow(table->by_index[a], follow[a]);
    free(follow);
    pthread_mutex_unlock(&ledger->admin_lock);
    return 0;
}

/* ---- pacing ------------------------------------------------------------------------------ */

/* The schedule's active time in [from_ms, to_ms), walked local hour by local hour in
 * zone (a "user" schedule, whose zone is each person's, is read in the campaign's
 * zone: the best guess of where its audience is). */
static int64_t scheduled_ms(const struct schedule *schedule, const struct tz_zone *zone,
                            int64_t from_ms, int64_t to_ms)
{
    const struct tz_zone *local = schedule->zone ? schedule->zone : zone;
    int64_t active = 0;
    while (from_ms < to_ms) {
        int64_t local_ms = from_ms + (int64_t)offset_s(local, floor_div(from_ms, 1000)) * 1000;
        int64_t local_hour = floor_div(local_ms, 3600000);
        int64_t end = from_ms + (local_hour + 1) * 3600000 - local_ms;
        end = end < to_ms ? end : to_ms;
        int64_t day = floor_div(local_hour, 24), hour = local_hour - day * 24;
        if ((schedule->days >> schedule_weekday(day) & 1) && (schedule->hours >> hour & 1))
            active += end - from_ms;
        from_ms = end;
    }
    return active;
}

/* Active time of [from_ms, to_ms) within the flight and the schedule (account locked). */
static int64_t active_ms(const struct ledger_account *account, int64_t from_ms, int64_t to_ms)
{
    const struct campaign *campaign = account->campaign;
    const struct campaign_delivery *delivery = &campaign->delivery;
    if (delivery->flight_start_ms && from_ms < delivery->flight_start_ms)
        from_ms = delivery->flight_start_ms;
    if (delivery->flight_end_ms && to_ms > delivery->flight_end_ms)
        to_ms = delivery->flight_end_ms;
    if (to_ms <= from_ms)
        return 0;
    if (!campaign->schedule.present)
        return to_ms - from_ms;
    return scheduled_ms(&campaign->schedule, account->zone, from_ms, to_ms);
}

/* Starts the next pacing interval when it is due (account locked, day rolled). */
static void roll_pacing(struct ledger_account *account, int64_t now_ms)
{
    if (now_ms < account->pacing_next_ms && account->pacing.started)
        return;
    int64_t next = (floor_div(now_ms, PACING_INTERVAL_MS) + 1) * PACING_INTERVAL_MS;
    int64_t interval_end = next < account->day_end_ms ? next : account->day_end_ms;
    struct pacing_plan plan = {
        .daily_budget_micros = account->campaign->delivery.daily_budget_micros,
        .spent_today_micros = account->book.spent_day_micros,
        .active_ms_left = active_ms(account, now_ms, account->day_end_ms),
        .active_ms_interval = active_ms(account, now_ms, interval_end),
        .active_ms_day = active_ms(account, account->day_start_ms, account->day_end_ms),
    };
    pacing_next_interval(&account->pacing, &plan);
    account->pacing_next_ms = interval_end;
}

/* ---- leases and writing ---------------------------------------------------------------- */

/* The ceiling to lease now: what is used plus room for LEDGER_LEASE_TICKS ticks at the
 * recent pace (at least LEDGER_LEASE_MIN_BIDS bids), within both budgets (account
 * locked, day rolled). */
static int64_t lease_ceiling(const struct ledger_account *account)
{
    int64_t used = account->book.spent_total_micros + account->reserved_micros;
    const struct campaign *campaign = account->campaign;
    if (campaign == NULL || !campaign->active)
        return used;
    const struct campaign_delivery *delivery = &campaign->delivery;
    int64_t grant = LEDGER_LEASE_TICKS * account->reserved_since_tick;
    int64_t least = LEDGER_LEASE_MIN_BIDS * ledger_cost_micros(campaign->bid_cpm_micros);
    grant = grant > least ? grant : least;
    int64_t total_room = delivery->total_budget_micros - used;
    int64_t day_room = delivery->daily_budget_micros -
                       (account->book.spent_day_micros + account->reserved_micros);
    if (delivery->total_budget_micros && grant > total_room)
        grant = total_room;
    if (delivery->daily_budget_micros && grant > day_room)
        grant = day_room;
    return used + (grant > 0 ? grant : 0);
}

/* What one tick writes of one account. */
struct pending_book {
    struct ledger_account *account;
    struct ledger_book book;
};

/* The books one tick writes. */
struct pending_books {
    struct pending_book *items;
    size_t count, capacity;
};

static void pending_add(struct pending_books *books, const struct pending_book *book)
{
    if (books->count == books->capacity) {
        books->capacity = books->capacity ? 2 * books->capacity : 64;
        books->items = xrealloc(books->items, books->capacity * sizeof(*books->items));
    }
    books->items[books->count++] = *book;
}

static bool account_is_paced(const struct ledger_account *account)
{
    const struct campaign *campaign = account->campaign;
    return campaign && campaign->delivery.pacing == CAMPAIGN_PACING_EVEN &&
           campaign->delivery.daily_budget_micros;
}

/* Sets the ceiling to write: a lower one takes effect at once, a higher one only once
 * written (see raise_lease()). closing: no new lease (account locked, day rolled). */
static void set_ceiling(struct ledger_account *account, bool closing)
{
    int64_t ceiling = closing ? account->book.spent_total_micros + account->reserved_micros
                              : lease_ceiling(account);
    if (ceiling < account->usable_ceiling_micros)
        account->usable_ceiling_micros = ceiling;
    account->changed |= ceiling != account->book.ceiling_micros ||
                        account->lease_day != account->book.day;
    account->book.ceiling_micros = ceiling;
}

/* When the tick must visit the account again if nothing touches it (account locked,
 * rolled, before reserved_since_tick is reset): when its day or its pacing interval
 * ends; at the next tick when reservations since the last sized its lease, which
 * shrinks back once they stop. Until then a visit would change nothing. */
static int64_t next_visit_ms(const struct ledger *ledger, const struct ledger_account *account,
                             bool paced)
{
    if (ledger->store != NULL && account->reserved_since_tick != 0)
        return LEDGER_VISIT_NOW;
    if (paced && account->pacing_next_ms < account->day_end_ms)
        return account->pacing_next_ms;
    return account->day_end_ms;
}

/* Updates the account for now_ms and, when the ledger is durable and the book must be
 * written, copies it into *pending (returns true; *pending untouched otherwise).
 * closing: no new lease. */
static bool prepare_account(const struct ledger *ledger, struct ledger_account *account,
                            int64_t now_ms, bool closing, struct pending_book *pending)
{
    pthread_mutex_lock(&account->lock);
    account_roll_day(account, now_ms);
    bool paced = account_is_paced(account);
    if (paced)
        roll_pacing(account, now_ms);
    if (ledger->store != NULL)
        set_ceiling(account, closing);
    /* under the lock: a touch after this visit is seen by the next tick */
    atomic_store_explicit(account->visit_at_ms, next_visit_ms(ledger, account, paced),
                          memory_order_relaxed);
    account->reserved_since_tick = 0;
    bool write = account->changed && ledger->store != NULL;
    account->changed = false;
    if (write)
        *pending = (struct pending_book){account, account->book};
    pthread_mutex_unlock(&account->lock);
    return write;
}

/* After pending->book is on disk: its lease may be used (unless the day moved on). */
static void raise_lease(struct pending_book *pending)
{
    struct ledger_account *account = pending->account;
    pthread_mutex_lock(&account->lock);
    if (account->book.day == pending->book.day) {
        account->usable_ceiling_micros = pending->book.ceiling_micros;
        account->lease_day = pending->book.day;
    }
    pthread_mutex_unlock(&account->lock);
}

/* The account's book must be written again (its last write failed). */
static void mark_changed(struct ledger_account *account)
{
    pthread_mutex_lock(&account->lock);
    account_changed(account);
    pthread_mutex_unlock(&account->lock);
}

/* Writes the books in one synced batch. */
static int write_batch(struct ledger *ledger, struct pending_book *books, size_t count,
                       struct error *err)
{
    struct ledger_store_batch *batch = ledger_store_begin(ledger->store, err);
    if (batch == NULL)
        return -1;
    for (size_t i = 0; i < count; i++) {
        if (ledger_store_put_book(batch, books[i].account->id, &books[i].book, err) != 0) {
            ledger_store_abort(batch);
            return -1;
        }
    }
    return ledger_store_commit(batch, err);
}

/* Writes the books, then lets their leases be used; when the write fails, they are
 * written again at the next tick. */
static void write_books(struct ledger *ledger, const struct pending_books *books)
{
    struct error err;
    if (books->count == 0)
        return;
    if (write_batch(ledger, books->items, books->count, &err) != 0) {
        fprintf(stderr, "geobid: %s (leases not extended)\n", err.message);
        for (size_t i = 0; i < books->count; i++)
            mark_changed(books->items[i].account);
        return;
    }
    for (size_t i = 0; i < books->count; i++)
        raise_lease(&books->items[i]);
}

/* Whether the tick at now_ms must visit the account at index: touched since its last
 * visit, or a time it depends on has come. Reads 8 bytes of a dense array, never the
 * account. */
static bool visit_due(const struct ledger *ledger, size_t index, int64_t now_ms)
{
    _Atomic int64_t *chunk = ledger->visit_chunks[index / LEDGER_VISIT_CHUNK];
    return now_ms >= atomic_load_explicit(&chunk[index % LEDGER_VISIT_CHUNK],
                                          memory_order_relaxed);
}

/* Visits the accounts the tick at now_ms must, or every one when closing or when the
 * clock went back (days may then roll back), collecting the books to write. Returns
 * how many it visited (admin lock held). */
static size_t visit_accounts(struct ledger *ledger, int64_t now_ms, bool closing,
                             struct pending_books *books)
{
    bool every = closing || now_ms < ledger->last_tick_ms;
    ledger->last_tick_ms = now_ms;
    struct account_table *table = atomic_load_explicit(&ledger->accounts, memory_order_relaxed);
    size_t visited = 0;
    for (size_t a = 0; a < table->count; a++) {
        if (!every && !visit_due(ledger, a, now_ms))
            continue;
        visited++;
        struct pending_book pending;
        if (prepare_account(ledger, table->by_index[a], now_ms, closing, &pending))
            pending_add(books, &pending);
    }
    return visited;
}

/* One maintenance pass (admin lock held). Returns how many accounts it visited. */
static size_t maintain(struct ledger *ledger, int64_t now_ms, bool closing)
{
    ledger_expire(ledger, now_ms);
    frequency_maintain(ledger->frequency, now_ms);
    struct pending_books books = {NULL, 0, 0};
    size_t visited = visit_accounts(ledger, now_ms, closing, &books);
    write_books(ledger, &books);
    free(books.items);
    struct error err;
    if (ledger->store != NULL && ledger_store_sync_counts(ledger->store, &err) != 0)
        fprintf(stderr, "geobid: %s\n", err.message);
    return visited;
}

size_t ledger_tick(struct ledger *ledger, int64_t now_ms)
{
    pthread_mutex_lock(&ledger->admin_lock);
    size_t visited = maintain(ledger, now_ms, false);
    pthread_mutex_unlock(&ledger->admin_lock);
    return visited;
}

/* ---- the background thread ---------------------------------------------------------------- */

static void *maintenance_thread(void *arg)
{
    struct ledger *ledger = arg;
    pthread_mutex_lock(&ledger->admin_lock);
    while (!ledger->stopping) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        int64_t ns = until.tv_nsec + ledger->options.tick_ms * 1000000;
        until.tv_sec += ns / 1000000000;
        until.tv_nsec = ns % 1000000000;
        pthread_cond_timedwait(&ledger->wake, &ledger->admin_lock, &until);
        if (!ledger->stopping)
            maintain(ledger, ledger_now_ms(ledger), false);
    }
    pthread_mutex_unlock(&ledger->admin_lock);
    return NULL;
}

static int start_thread(struct ledger *ledger, struct error *err)
{
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&ledger->wake, &attr);
    pthread_condattr_destroy(&attr);
    int rc = pthread_create(&ledger->thread, NULL, maintenance_thread, ledger);
    if (rc != 0)
        return error_format(err, "ledger: cannot start its thread: %s", strerror(rc));
    ledger->thread_running = true;
    return 0;
}

static void stop_thread(struct ledger *ledger)
{
    if (!ledger->thread_running)
        return;
    pthread_mutex_lock(&ledger->admin_lock);
    ledger->stopping = true;
    pthread_cond_signal(&ledger->wake);
    pthread_mutex_unlock(&ledger->admin_lock);
    pthread_join(ledger->thread, NULL);
    pthread_cond_destroy(&ledger->wake);
    ledger->thread_running = false;
}

/* ---- recovery --------------------------------------------------------------------------- */

/* Accounts and counts read back from the store. */
struct loading {
    struct ledger *ledger;
    struct ledger_account **accounts;
    size_t count, capacity;
    bool published;
    int64_t now_ms;
};

/* A stored account: whatever was leased but not durably committed may have been spent
 * (a commit not yet written, a reservation whose win will never be heard of again):
 * it is counted as spent, on the day it was leased for. */
static void load_account(void *context, struct slice campaign_id, const struct ledger_book *book)
{
    struct loading *loading = context;
    if (loading->count == loading->capacity) {
        loading->capacity = loading->capacity ? 2 * loading->capacity : 16;
        loading->accounts = xrealloc(loading->accounts,
                                     loading->capacity * sizeof(*loading->accounts));
    }
    struct ledger_account *account =
        account_new(loading->ledger, campaign_id, (uint32_t)loading->count);
    account->book = *book;
    int64_t unconfirmed = book->ceiling_micros - book->spent_total_micros;
    if (unconfirmed > 0) {
        account->book.spent_total_micros += unconfirmed;
        account->book.spent_day_micros += unconfirmed;
        account->book.unconfirmed_micros += unconfirmed;
    }
    account->book.ceiling_micros = account->book.spent_total_micros;
    account->usable_ceiling_micros = account->book.spent_total_micros;
    account->changed = true;
    loading->accounts[loading->count++] = account;
}

/* A stored count (those whose window has ended were purged before loading). */
static void load_count(void *context, struct slice campaign_id, const struct user_key *user,
                       int64_t window_end_ms, uint32_t count)
{
    struct loading *loading = context;
    if (!loading->published) {
        publish_accounts(loading->ledger, loading->accounts, loading->count);
        loading->published = true;
    }
    struct ledger_account *account = ledger_find_account(loading->ledger, campaign_id);
    if (account == NULL)
        return;
    struct frequency_record record = {*user, account->index, window_end_ms, count};
    frequency_restore(loading->ledger->frequency, &record);
}

static int recover(struct ledger *ledger, struct error *err)
{
    struct loading loading = {.ledger = ledger, .now_ms = ledger_now_ms(ledger)};
    struct ledger_store_visitor visitor = {load_account, load_count, &loading};
    int rc = ledger_store_next_epoch(ledger->store, &ledger->epoch, err);
    if (rc == 0 && ledger_store_purge_counts(ledger->store, loading.now_ms, err) < 0)
        rc = -1;
    if (rc == 0)
        rc = ledger_store_load(ledger->store, &visitor, err);
    if (!loading.published)
        publish_accounts(ledger, loading.accounts, loading.count);
    free(loading.accounts);
    return rc;
}

/* ---- open and close ----------------------------------------------------------------------- */

static void apply_defaults(struct ledger_options *options)
{
    if (options->reservation_ttl_ms <= 0)
        options->reservation_ttl_ms = default_ttl_ms;
    if (options->tick_ms <= 0)
        options->tick_ms = default_tick_ms;
    if (options->max_reservations == 0)
        options->max_reservations = default_max_reservations;
}

struct ledger *ledger_open(const struct ledger_options *options, struct error *err)
{
    struct ledger *ledger = xcalloc(1, sizeof(*ledger));
    ledger->options = *options;
    apply_defaults(&ledger->options);
    size_t ring_size = 2;
    while (ring_size < ledger->options.max_reservations)
        ring_size *= 2;
    ledger->ring = xcalloc(ring_size, sizeof(*ledger->ring));
    ledger->ring_mask = ring_size - 1;
    atomic_init(&ledger->next_sequence, 1);
    ledger->sweep_sequence = 1;
    ledger->epoch = 1;
    atomic_init(&ledger->accounts, table_with(NULL, NULL, 0));
    ledger->last_tick_ms = INT64_MIN;
    pthread_mutex_init(&ledger->admin_lock, NULL);
    ledger->frequency = frequency_table_new();
    if (options->data_dir != NULL) {
        ledger->data_dir = xstrndup(options->data_dir, strlen(options->data_dir));
        ledger->options.data_dir = ledger->data_dir;
        ledger->store = ledger_store_open(options->data_dir, err);
        if (ledger->store == NULL || recover(ledger, err) != 0)
            goto fail;
    }
    if (ledger->options.background && start_thread(ledger, err) != 0)
        goto fail;
    return ledger;
fail:
    ledger_store_close(ledger->store); /* nothing to write: the ledger never ran */
    ledger->store = NULL;
    ledger_close(ledger);
    return NULL;
}

bool ledger_is_durable(const struct ledger *ledger)
{
    return ledger->store != NULL;
}

static void free_accounts(struct ledger *ledger)
{
    struct account_table *table = atomic_load_explicit(&ledger->accounts, memory_order_relaxed);
    for (size_t a = 0; a < table->count; a++)
        account_free(table->by_index[a]);
    table_free(table);
    while (ledger->retired != NULL) {
        struct account_table *next = ledger->retired->retired_next;
        table_free(ledger->retired);
        ledger->retired = next;
    }
    for (size_t c = 0; c < ledger->visit_chunk_count; c++)
        free(ledger->visit_chunks[c]);
    free(ledger->visit_chunks);
}

void ledger_close(struct ledger *ledger)
{
    if (ledger == NULL)
        return;
    stop_thread(ledger);
    if (ledger->store != NULL) {
        pthread_mutex_lock(&ledger->admin_lock);
        maintain(ledger, ledger_now_ms(ledger), true);
        pthread_mutex_unlock(&ledger->admin_lock);
        ledger_store_close(ledger->store);
    }
    free_accounts(ledger);
    frequency_table_free(ledger->frequency);
    pthread_mutex_destroy(&ledger->admin_lock);
    free(ledger->ring);
    free(ledger->data_dir);
    free(ledger);
}

/* ---- erasing a user ------------------------------------------------------------------------ */

int ledger_erase_user(struct ledger *ledger, const struct user_key *key, struct error *err)
{
    pthread_mutex_lock(&ledger->admin_lock);
    ledger_forget_user(ledger, key); /* first, so that no notice counts them again */
    int erased = (int)frequency_erase_user(ledger->frequency, key);
    if (ledger->store != NULL) {
        int stored = ledger_store_erase_user(ledger->store, key, err);
        erased = stored < 0 ? -1 : stored > erased ? stored : erased;
    }
    pthread_mutex_unlock(&ledger->admin_lock);
    return erased;
}
