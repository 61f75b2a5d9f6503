/* Reservations (ledger.h): reserve at bid time, commit or release at notice time, expiry
 * by maintenance. Money moves under the campaign's own lock; a reservation's state
 * lives in its ring slot's tag, and whoever moves the tag to SLOT_BUSY (one atomic
 * compare-and-swap) owns the slot until it stores the next state, so a reservation is
 * settled exactly once however many notices race for it. */
#include "ledger_internal.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>

#define SEQUENCE_MASK ((UINT64_C(1) << LEDGER_EPOCH_SHIFT) - 1)

static uint64_t make_tag(uint64_t sequence, enum slot_state state)
{
    return sequence << SLOT_STATE_BITS | state;
}

static uint64_t tag_sequence(uint64_t tag)
{
    return tag >> SLOT_STATE_BITS;
}

static enum slot_state tag_state(uint64_t tag)
{
    return (enum slot_state)(tag & ((1u << SLOT_STATE_BITS) - 1));
}

static struct ledger_slot *slot_of(struct ledger *ledger, uint64_t sequence)
{
    return &ledger->ring[sequence & ledger->ring_mask];
}

/* Moves the slot from tag `from` to SLOT_BUSY; false when someone else changed it. */
static bool slot_claim(struct ledger_slot *slot, uint64_t from)
{
    return atomic_compare_exchange_strong_explicit(
        &slot->tag, &from, make_tag(tag_sequence(from), SLOT_BUSY), memory_order_acquire,
        memory_order_relaxed);
}

static void slot_publish(struct ledger_slot *slot, uint64_t sequence, enum slot_state state)
{
    atomic_store_explicit(&slot->tag, make_tag(sequence, state), memory_order_release);
}

/* ---- reserve -------------------------------------------------------------------------- */

/* Moves the sequence counter past sequence, whose slot has been claimed (by whoever:
 * every reserver helps, so no sequence is ever taken without its slot). */
static void pass_sequence(struct ledger *ledger, uint64_t sequence)
{
    atomic_compare_exchange_strong_explicit(&ledger->next_sequence, &sequence, sequence + 1,
                                            memory_order_release, memory_order_relaxed);
}

/* Claims the slot of the next sequence for a new reservation (SLOT_BUSY, ours until
 * published) and returns the sequence, or 0 when that slot still holds an outstanding
 * reservation: the ring is full, and this returns at once rather than wait for a notice
 * or the expiry. The only wait is for a notice holding the slot's previous reservation
 * (SLOT_BUSY, a few microseconds): it may leave it outstanding. A sequence is taken by
 * claiming its slot, and the counter moves on after, so every sequence below the
 * counter has its slot. Must be called without any account lock: that notice takes its
 * account's lock. */
static uint64_t claim_new_slot(struct ledger *ledger)
{
    for (;;) {
        uint64_t sequence = atomic_load_explicit(&ledger->next_sequence, memory_order_acquire);
        struct ledger_slot *slot = slot_of(ledger, sequence);
        uint64_t tag = atomic_load_explicit(&slot->tag, memory_order_acquire);
        if (tag_sequence(tag) >= sequence) { /* taken meanwhile */
            pass_sequence(ledger, sequence);
            continue;
        }
        if (tag_state(tag) == SLOT_LIVE)
            return 0;
        if (tag_state(tag) == SLOT_BUSY) {
            sched_yield();
            continue;
        }
        if (atomic_compare_exchange_strong_explicit(&slot->tag, &tag,
                                                    make_tag(sequence, SLOT_BUSY),
                                                    memory_order_acquire, memory_order_relaxed)) {
            pass_sequence(ledger, sequence);
            return sequence;
        }
    }
}

static bool in_flight(const struct campaign_delivery *delivery, int64_t now_ms)
{
    return (delivery->flight_start_ms == 0 || now_ms >= delivery->flight_start_ms) &&
           (delivery->flight_end_ms == 0 || now_ms < delivery->flight_end_ms);
}

/* Whether the daily and total budgets cover `cost` more (account locked). */
static bool budget_covers(const struct ledger_account *account, int64_t cost)
{
    const struct campaign_delivery *delivery = &account->campaign->delivery;
    int64_t total = account->book.spent_total_micros + account->reserved_micros + cost;
    int64_t today = account->book.spent_day_micros + account->reserved_micros + cost;
    return (delivery->total_budget_micros == 0 || total <= delivery->total_budget_micros) &&
           (delivery->daily_budget_micros == 0 || today <= delivery->daily_budget_micros);
}

/* Whether the lease on disk covers `cost` more (account locked). */
static bool lease_covers(const struct ledger *ledger, const struct ledger_account *account,
                         int64_t cost)
{
    int64_t total = account->book.spent_total_micros + account->reserved_micros + cost;
    return ledger->store == NULL || (account->lease_day == account->book.day &&
                                     total <= account->usable_ceiling_micros);
}

/* Every check but the frequency cap (account locked). */
static enum ledger_status admit(struct ledger *ledger, struct ledger_account *account,
                                int64_t cost, int64_t now_ms)
{
    if (account->campaign == NULL)
        return LEDGER_NO_ACCOUNT;
    const struct campaign_delivery *delivery = &account->campaign->delivery;
    if (!in_flight(delivery, now_ms))
        return LEDGER_OUT_OF_FLIGHT;
    account_roll_day(account, now_ms);
    if (!budget_covers(account, cost))
        return LEDGER_OVER_BUDGET;
    if (!lease_covers(ledger, account, cost))
        return LEDGER_BUSY;
    bool paced = delivery->pacing == CAMPAIGN_PACING_EVEN && delivery->daily_budget_micros;
    if (paced && !pacing_admit(&account->pacing))
        return LEDGER_PACED;
    return LEDGER_OK;
}

/* Adds (sign 1) or takes back (sign -1) a reservation of cost (account locked). */
static void book_reservation(struct ledger_account *account, int64_t cost, int sign,
                             int64_t now_ms)
{
    account->reserved_micros += sign * cost;
    account->reserved_since_tick += sign * cost;
    ledger_book_hour(&account->book, now_ms)->reserved_gross_micros += sign * cost;
    account_changed(account);
}

/* Counts (sign 1) or takes back (sign -1) a bid (account locked). */
static void count_bid(struct ledger_account *account, int sign, int64_t now_ms)
{
    account->book.bids += (uint64_t)(int64_t)sign;
    ledger_book_hour(&account->book, now_ms)->bids += (uint64_t)(int64_t)sign;
    account_changed(account);
}

/* A campaign with neither budget nor frequency cap risks nothing by bidding without a
 * reservation. */
static bool nothing_at_stake(const struct campaign_delivery *delivery)
{
    return delivery->daily_budget_micros == 0 && delivery->total_budget_micros == 0 &&
           delivery->cap_max == 0;
}

/* Takes a pending frequency slot when the campaign is capped. */
static enum ledger_status reserve_frequency(struct ledger *ledger,
                                            const struct ledger_account *account,
                                            const struct ledger_bid *bid, bool *pending)
{
    const struct campaign_delivery *delivery = &bid->campaign->delivery;
    *pending = false;
    if (delivery->cap_max == 0)
        return LEDGER_OK;
    if (bid->user_key == NULL)
        return delivery->cap_require_user ? LEDGER_USER_REQUIRED : LEDGER_OK;
    struct frequency_cap cap = {delivery->cap_max, (int64_t)delivery->cap_window_s * 1000};
    if (!frequency_reserve(ledger->frequency, bid->user_key, account->index, &cap, bid->now_ms))
        return LEDGER_CAPPED;
    *pending = true;
    return LEDGER_OK;
}

/* Checks and books the money, then claims a slot (*sequence). When the ring is full
 * the money is taken back: the bid is refused (LEDGER_BUSY) unless nothing is at stake,
 * when it goes out unreserved (*sequence 0). */
static enum ledger_status reserve_money(struct ledger *ledger, struct ledger_account *account,
                                        const struct ledger_bid *bid, uint64_t *sequence)
{
    int64_t cost = ledger_cost_micros(bid->price_cpm_micros);
    pthread_mutex_lock(&account->lock);
    enum ledger_status status = admit(ledger, account, cost, bid->now_ms);
    if (status == LEDGER_OK) {
        book_reservation(account, cost, 1, bid->now_ms);
        count_bid(account, 1, bid->now_ms);
    }
    pthread_mutex_unlock(&account->lock);
    if (status != LEDGER_OK || (*sequence = claim_new_slot(ledger)) != 0)
        return status;
    bool unreserved = nothing_at_stake(&bid->campaign->delivery);
    pthread_mutex_lock(&account->lock);
    book_reservation(account, cost, -1, bid->now_ms);
    if (!unreserved)
        count_bid(account, -1, bid->now_ms);
    pthread_mutex_unlock(&account->lock);
    return unreserved ? LEDGER_OK : LEDGER_BUSY;
}

enum ledger_status ledger_reserve(struct ledger *ledger, const struct ledger_bid *bid,
                                  struct ledger_reservation *out)
{
    struct ledger_account *account = ledger_find_account(ledger, bid->campaign->id);
    if (account == NULL)
        return LEDGER_NO_ACCOUNT;
    bool pending;
    enum ledger_status status = reserve_frequency(ledger, account, bid, &pending);
    uint64_t sequence = 0;
    if (status == LEDGER_OK)
        status = reserve_money(ledger, account, bid, &sequence);
    if (status != LEDGER_OK) {
        if (pending)
            frequency_cancel(ledger->frequency, bid->user_key, account->index);
        if (status <= LEDGER_BUSY)
            atomic_fetch_add_explicit(&account->refused[status], 1, memory_order_relaxed);
        return status;
    }
    if (sequence == 0) {
        *out = (struct ledger_reservation){0, 0};
        return LEDGER_OK;
    }
    struct ledger_slot *slot = slot_of(ledger, sequence);
    slot->account = account->index;
    slot->notices = 0;
    slot->has_user = pending;
    slot->price_cpm_micros = bid->price_cpm_micros;
    slot->expires_ms = bid->now_ms + ledger->options.reservation_ttl_ms;
    if (pending)
        slot->user = *bid->user_key;
    slot_publish(slot, sequence, SLOT_LIVE);
    out->id = ledger->epoch << LEDGER_EPOCH_SHIFT | sequence;
    out->cost_micros = ledger_cost_micros(bid->price_cpm_micros);
    return LEDGER_OK;
}

/* ---- finding a reservation for a notice ------------------------------------------------ */

/* A claimed reservation: its slot (in SLOT_BUSY, ours until we publish) and what it
 * was before. */
struct claimed {
    struct ledger_slot *slot;
    uint64_t sequence;
    enum slot_state was;
    struct ledger_account *account;
};

/* Claims reservation id of campaign_id: LEDGER_OK with c filled (the slot is then
 * SLOT_BUSY and must be published again), or why not. Waits out another notice that
 * holds the slot for the few instructions it needs. */
static enum ledger_status claim(struct ledger *ledger, struct slice campaign_id,
                                ledger_reservation_id id, struct claimed *c)
{
    uint64_t epoch = id >> LEDGER_EPOCH_SHIFT, sequence = id & SEQUENCE_MASK;
    if (epoch != ledger->epoch)
        return epoch != 0 && epoch < ledger->epoch ? LEDGER_STALE : LEDGER_UNKNOWN;
    if (sequence == 0 ||
        sequence >= atomic_load_explicit(&ledger->next_sequence, memory_order_relaxed))
        return LEDGER_UNKNOWN;
    struct ledger_slot *slot = slot_of(ledger, sequence);
    for (;;) {
        uint64_t tag = atomic_load_explicit(&slot->tag, memory_order_acquire);
        if (tag_sequence(tag) != sequence) /* reused by a later one, or not yet written */
            return tag_sequence(tag) > sequence ? LEDGER_TOO_OLD : LEDGER_UNKNOWN;
        if (tag_state(tag) == SLOT_BUSY) {
            sched_yield();
            continue;
        }
        if (slot_claim(slot, tag)) {
            *c = (struct claimed){slot, sequence, tag_state(tag),
                                  ledger_account_at(ledger, slot->account)};
            break;
        }
    }
    if (slice_eq(c->account->id, campaign_id))
        return LEDGER_OK;
    slot_publish(slot, sequence, c->was);
    return LEDGER_UNKNOWN;
}

/* ---- commit ------------------------------------------------------------------------ */

/* Counts the notice kind once per reservation (account locked). */
static void count_notice(struct ledger_account *account, struct ledger_slot *slot,
                         enum ledger_notice kind, int64_t now_ms)
{
    if (slot->notices & (1u << kind))
        return;
    slot->notices |= (uint8_t)(1u << kind);
    struct ledger_hour *hour = ledger_book_hour(&account->book, now_ms);
    if (kind == LEDGER_NOTICE_WIN) {
        account->book.wins++;
        hour->wins++;
    } else {
        account->book.impressions++;
        hour->impressions++;
    }
    account_changed(account);
}

/* Adds charge to the spend (account locked). */
static void book_spend(struct ledger_account *account, int64_t charge, int64_t now_ms)
{
    account->book.spent_total_micros += charge;
    account->book.spent_day_micros += charge;
    ledger_book_hour(&account->book, now_ms)->spend_micros += charge;
    pacing_record_spend(&account->pacing, charge);
    account_changed(account);
}

/* Counts the impression of a committed reservation for the frequency cap, written
 * through to the store before the notice is answered, or gives its pending slot back
 * when the campaign is no longer capped. */
static void count_impression(struct ledger *ledger, const struct claimed *c,
                             const struct frequency_cap *cap, int64_t now_ms)
{
    if (!c->slot->has_user)
        return;
    bool was_pending = c->was == SLOT_LIVE;
    if (cap->max == 0) {
        if (was_pending)
            frequency_cancel(ledger->frequency, &c->slot->user, c->account->index);
        return;
    }
    struct frequency_record counted;
    frequency_count(ledger->frequency, &c->slot->user, c->account->index, cap, was_pending,
                    now_ms, &counted);
    struct error err;
    if (ledger->store != NULL &&
        ledger_store_write_count(ledger->store, c->account->id, &counted, &err) != 0)
        fprintf(stderr, "geobid: %s (a frequency count is kept in memory only)\n",
                err.message);
}

/* Commits a reservation that was outstanding (LEDGER_OK) or had expired
 * (LEDGER_LATE_COMMITTED when the budgets and lease still cover it, else
 * LEDGER_LATE_REFUSED). */
static enum ledger_status settle_win(struct ledger *ledger, struct claimed *c,
                                     int64_t charge, enum ledger_notice kind, int64_t now_ms)
{
    struct ledger_account *account = c->account;
    enum ledger_status status = LEDGER_OK;
    pthread_mutex_lock(&account->lock);
    account_roll_day(account, now_ms);
    if (c->was == SLOT_LIVE)
        account->reserved_micros -= ledger_cost_micros(c->slot->price_cpm_micros);
    else if (account->campaign != NULL && budget_covers(account, charge) &&
             lease_covers(ledger, account, charge))
        status = LEDGER_LATE_COMMITTED;
    else
        status = LEDGER_LATE_REFUSED;
    if (status == LEDGER_LATE_REFUSED) {
        account->book.late_refused++;
        account_changed(account);
    } else {
        book_spend(account, charge, now_ms);
        count_notice(account, c->slot, kind, now_ms);
    }
    struct frequency_cap cap = account_cap(account);
    pthread_mutex_unlock(&account->lock);
    if (status != LEDGER_LATE_REFUSED)
        count_impression(ledger, c, &cap, now_ms);
    slot_publish(c->slot, c->sequence,
                 status == LEDGER_LATE_REFUSED ? SLOT_EXPIRED : SLOT_COMMITTED);
    return status;
}

/* A notice for a reservation already committed: counted by kind, nothing else. */
static enum ledger_status repeat_win(struct claimed *c, enum ledger_notice kind, int64_t now_ms)
{
    pthread_mutex_lock(&c->account->lock);
    count_notice(c->account, c->slot, kind, now_ms);
    pthread_mutex_unlock(&c->account->lock);
    slot_publish(c->slot, c->sequence, c->was);
    return LEDGER_DUPLICATE;
}

enum ledger_status ledger_commit(struct ledger *ledger, struct slice campaign_id,
                                 ledger_reservation_id id, int64_t clearing_cpm_micros,
                                 enum ledger_notice kind, int64_t now_ms)
{
    struct claimed c;
    enum ledger_status status = claim(ledger, campaign_id, id, &c);
    if (status != LEDGER_OK)
        return status;
    if (clearing_cpm_micros < 0 || clearing_cpm_micros > c.slot->price_cpm_micros) {
        slot_publish(c.slot, c.sequence, c.was);
        return LEDGER_PRICE_ABOVE_BID;
    }
    if (c.was == SLOT_COMMITTED)
        return repeat_win(&c, kind, now_ms);
    if (c.was == SLOT_RELEASED) {
        slot_publish(c.slot, c.sequence, c.was);
        return LEDGER_DUPLICATE;
    }
    return settle_win(ledger, &c, ledger_cost_micros(clearing_cpm_micros), kind, now_ms);
}

/* ---- release and expiry -------------------------------------------------------------- */

/* Gives a reservation's money and pending frequency slot back; the slot becomes
 * `to` (SLOT_RELEASED or SLOT_EXPIRED). */
static void give_back(struct ledger *ledger, struct claimed *c, enum slot_state to)
{
    pthread_mutex_lock(&c->account->lock);
    c->account->reserved_micros -= ledger_cost_micros(c->slot->price_cpm_micros);
    account_touch(c->account); /* the next lease is sized from what is reserved */
    pthread_mutex_unlock(&c->account->lock);
    if (c->slot->has_user)
        frequency_cancel(ledger->frequency, &c->slot->user, c->account->index);
    slot_publish(c->slot, c->sequence, to);
}

enum ledger_status ledger_release(struct ledger *ledger, struct slice campaign_id,
                                  ledger_reservation_id id, int64_t now_ms)
{
    (void)now_ms;
    struct claimed c;
    enum ledger_status status = claim(ledger, campaign_id, id, &c);
    if (status != LEDGER_OK)
        return status;
    if (c.was != SLOT_LIVE) {
        slot_publish(c.slot, c.sequence, c.was);
        return LEDGER_DUPLICATE;
    }
    give_back(ledger, &c, SLOT_RELEASED);
    return LEDGER_OK;
}

/* Expires the reservation at sequence if it is outstanding and due. Returns false when
 * it is outstanding and not yet due (or busy): the sweep stops there. */
static bool expire_one(struct ledger *ledger, uint64_t sequence, int64_t now_ms)
{
    struct ledger_slot *slot = slot_of(ledger, sequence);
    uint64_t tag = atomic_load_explicit(&slot->tag, memory_order_acquire);
    if (tag_sequence(tag) != sequence)
        return tag_sequence(tag) > sequence; /* reused: long settled */
    if (tag_state(tag) == SLOT_BUSY)
        return false;
    if (tag_state(tag) != SLOT_LIVE)
        return true;
    if (slot->expires_ms > now_ms || !slot_claim(slot, tag))
        return false;
    struct claimed c = {slot, sequence, SLOT_LIVE, ledger_account_at(ledger, slot->account)};
    give_back(ledger, &c, SLOT_EXPIRED);
    return true;
}

void ledger_expire(struct ledger *ledger, int64_t now_ms)
{
    uint64_t end = atomic_load_explicit(&ledger->next_sequence, memory_order_acquire);
    while (ledger->sweep_sequence < end && expire_one(ledger, ledger->sweep_sequence, now_ms))
        ledger->sweep_sequence++;
}

/* ---- erasure ------------------------------------------------------------------------ */

/* Removes user from the reservation at sequence when it may still count an impression. */
static void forget_in_slot(struct ledger *ledger, uint64_t sequence, const struct user_key *user)
{
    struct ledger_slot *slot = slot_of(ledger, sequence);
    for (;;) {
        uint64_t tag = atomic_load_explicit(&slot->tag, memory_order_acquire);
        enum slot_state state = tag_state(tag);
        if (tag_sequence(tag) != sequence || (state != SLOT_BUSY && state != SLOT_LIVE &&
                                              state != SLOT_EXPIRED))
            return; /* reused, or settled for good */
        if (state == SLOT_BUSY) {
            sched_yield(); /* a notice settling it, which counts before it lets go */
            continue;
        }
        if (!slot_claim(slot, tag))
            continue;
        if (slot->has_user && memcmp(slot->user.bytes, user->bytes, sizeof(user->bytes)) == 0) {
            slot->has_user = false;
            slot->user = (struct user_key){{0}};
        }
        slot_publish(slot, sequence, state);
        return;
    }
}

void ledger_forget_user(struct ledger *ledger, const struct user_key *user)
{
    uint64_t end = atomic_load_explicit(&ledger->next_sequence, memory_order_acquire);
    uint64_t ring_size = ledger->ring_mask + 1;
    for (uint64_t sequence = end > ring_size ? end - ring_size : 1; sequence < end; sequence++)
        forget_in_slot(ledger, sequence, user);
}
