/* The ledger: what every campaign may still spend, in integer micros of its currency.
 *
 * Bid time: ledger_reserve() checks the campaign's flight, daily and total budgets,
 * pacing and frequency cap, and reserves the cost of the bid before the response leaves.
 * Notice time: the first win or billing notice of a bid commits the clearing price
 * (ledger_commit(), the rest of the reservation is released), a loss notice releases it
 * (ledger_release()), and a reservation nobody answers expires after the reservation
 * TTL (ledger_tick()). Guarantee, whatever the concurrency: for every campaign,
 * committed + reserved never exceeds the daily budget (today, in the campaign's time
 * zone) nor the total budget, so spend never does.
 *
 * Costs. Bid and clearing prices are CPM (what OpenRTB carries); one impression costs
 * price / 1000, rounded up to the micro (ledger_cost_micros()).
 *
 * Identity. Accounts are keyed by campaign id, not by position: ledger_sync() with a
 * reloaded campaign set keeps every account's spend, reservations and counts.
 *
 * Concurrency. ledger_reserve(), ledger_commit() and ledger_release() may be called
 * from any thread at any time; they take only the campaign's own lock (and a
 * frequency-table shard lock for capped campaigns), never a ledger-wide one, and never
 * allocate. The one I/O: a capped impression's commit writes its count to the store
 * (see Durability), waiting at most for other such writes, never for the maintenance
 * tick's writes or an fsync. ledger_sync(), ledger_tick(), ledger_erase_user() and the
 * stats readers are off the hot path.
 *
 * Durability (with a data directory; LMDB in <data_dir>/ledger/ and, for frequency
 * counts, <data_dir>/frequency/, each with its own writer lock). Per campaign, the
 * committed spend and a ceiling on committed + reserved (a lease, written and synced
 * before any bid may use it, extended ahead of need by ledger_tick()) are kept; after
 * a crash at any moment, whatever was leased but not durably committed is counted as
 * spent ("unconfirmed"), so recorded spend never falls below what the exchanges may
 * charge and never exceeds the budget. A capped impression's count is written through
 * to <data_dir>/frequency/ before its notice is answered, in a transaction of its own
 * that is not synced: a killed process cannot lose it (it is in the kernel's page
 * cache); an OS crash or power cut can lose the counts written since the last tick,
 * which syncs them. Without a data directory everything lives in memory and is lost at
 * exit.
 *
 * Late wins. A win or billing notice for a reservation that has already expired is
 * committed if the campaign's budgets still cover its cost at that moment
 * (LEDGER_LATE_COMMITTED) and refused otherwise (LEDGER_LATE_REFUSED: nothing is
 * counted, so the guarantee holds; such notices are counted in the stats as
 * "late_refused"). Notices for reservations issued before the last restart are
 * LEDGER_STALE: their cost was counted at recovery. */
#ifndef GEOBID_LEDGER_H
#define GEOBID_LEDGER_H

#include "geobid/campaign.h"
#include "geobid/clock.h"
#include "geobid/error.h"
#include "geobid/outbuf.h"
#include "geobid/slice.h"
#include "geobid/user_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ledger;

/* A reservation id: a nonzero 64-bit number, unique for the life of the data directory
 * (of the process without one). Bits 63..48: the ledger's epoch (incremented at each
 * ledger_open() of a data directory); bits 47..0: a sequence number. A notice URL
 * carries it (e.g. in decimal) together with the campaign id; both are passed back
 * to ledger_commit() / ledger_release(), which check that they belong together. */
typedef uint64_t ledger_reservation_id;

enum { LEDGER_EPOCH_SHIFT = 48 };

/* Outcome of a ledger operation. The first group answers reserve, the second commit
 * and release; ledger_status_name() names each. */
enum ledger_status {
    LEDGER_OK = 0,            /* reserved / committed / released */
    /* ledger_reserve(): the campaign does not bid */
    LEDGER_NO_ACCOUNT,        /* campaign id unknown to the ledger (no ledger_sync()) */
    LEDGER_OUT_OF_FLIGHT,     /* before flight.start or at/after flight.end */
    LEDGER_OVER_BUDGET,       /* daily or total budget cannot cover the cost */
    LEDGER_PACED,             /* even pacing holds this bid back */
    LEDGER_CAPPED,            /* the user has reached the frequency cap */
    LEDGER_USER_REQUIRED,     /* frequency_cap.require_user and no usable user key */
    LEDGER_BUSY,              /* no free reservation slot, or the lease is being extended */
    /* ledger_commit() / ledger_release(): nothing changed unless noted */
    LEDGER_DUPLICATE,         /* already settled (committed, released or expired) */
    LEDGER_LATE_COMMITTED,    /* commit after expiry, still covered: committed (a change) */
    LEDGER_LATE_REFUSED,      /* commit after expiry, no longer covered: not counted */
    LEDGER_STALE,             /* issued before the last restart (its cost was recovered) */
    LEDGER_TOO_OLD,           /* so old the ledger no longer remembers it */
    LEDGER_UNKNOWN,           /* never issued, or issued for another campaign */
    LEDGER_PRICE_ABOVE_BID,   /* clearing price above the reserved bid price */
};

/* A short constant name for status ("ok", "over_budget", "duplicate"...). */
const char *ledger_status_name(enum ledger_status status);

/* Which notice commits a bid: the first of either commits; the kind is counted (wins,
 * impressions) once per reservation each. */
enum ledger_notice {
    LEDGER_NOTICE_WIN,
    LEDGER_NOTICE_BILLING,
};

struct ledger_options {
    const struct clock *clock;      /* NULL: the system clock */
    const char *data_dir;           /* NULL: in memory only */
    int64_t reservation_ttl_ms;     /* 0: 120000 */
    size_t max_reservations;        /* outstanding at once, all campaigns; 0: 1 << 20.
                                     * Size: peak reserved bids/s x the TTL (a bid
                                     * without a loss notice holds its slot that long);
                                     * rounded up to a power of two, 48 bytes each */
    bool background;                /* a thread runs ledger_tick() every tick_ms */
    int64_t tick_ms;                /* 0: 50 */
};

/* Opens a ledger: with options->data_dir, the LMDB environments <data_dir>/ledger/ and
 * <data_dir>/frequency/ (created if missing), recovering every account and frequency
 * count they hold (see
 * Durability above) and starting a new epoch. Returns NULL with err on failure. The
 * options are copied. Call ledger_sync() before the first reservation. */
struct ledger *ledger_open(const struct ledger_options *options, struct error *err);

/* Stops the background thread, writes everything (with a data directory) and frees the
 * ledger. Reservations still outstanding are counted as unconfirmed spend at the next
 * open. NULL is fine. */
void ledger_close(struct ledger *ledger);

/* True when the ledger keeps its state in a data directory. */
bool ledger_is_durable(const struct ledger *ledger);

/* Makes the ledger's accounts follow set: an account is created for each new campaign
 * id, and every account's budgets, pacing, cap, flight and time zone are taken from
 * the campaign with its id. Accounts of campaigns no longer in set keep their state
 * but no longer bid. Off the hot path; safe while other threads reserve and commit.
 * The ledger keeps pointers to set's campaigns (pacing reads their schedules and
 * flights off the hot path) until the next ledger_sync() or ledger_close(): keep set
 * alive until then. Returns 0, or -1 with err (nothing changed). */
int ledger_sync(struct ledger *ledger, const struct campaign_set *set, struct error *err);

/* One bid the bidder is about to send. */
struct ledger_bid {
    const struct campaign *campaign;
    int64_t price_cpm_micros;        /* the bid price */
    const struct user_key *user_key; /* NULL: none, or consent forbids using it */
    int64_t now_ms;
};

struct ledger_reservation {
    ledger_reservation_id id;
    int64_t cost_micros;             /* reserved: ledger_cost_micros(price_cpm_micros) */
};

/* Reserves the cost of bid against its campaign. LEDGER_OK fills out; any other status
 * means the campaign must not bid, and nothing changed (the refusal is counted in the
 * campaign's stats). When max_reservations are outstanding it returns at once, never
 * waiting for a slot: LEDGER_BUSY, or LEDGER_OK with out->id 0 when the campaign has
 * neither budget nor cap, so the bid goes out unreserved (counted as a bid; its notices
 * cannot be matched). Hot path: no allocation (but see frequency.h on a burst of new
 * people), no I/O, only the campaign's lock (and a frequency shard's). */
enum ledger_status ledger_reserve(struct ledger *ledger, const struct ledger_bid *bid,
                                  struct ledger_reservation *out);

/* Commits reservation id of campaign_id at the clearing price (CPM micros, at most the
 * bid price), releasing the rest, and counts the impression for the frequency cap (a
 * capped campaign's count is written to the frequency store here, unsynced: the one
 * ledger call that does I/O; it waits only for other count writes, never for the
 * tick's synced batches).
 * Only the first win-or-billing notice commits (LEDGER_OK, or LEDGER_LATE_COMMITTED
 * after expiry); repeats return LEDGER_DUPLICATE; kind is counted once per reservation
 * either way. Any status but LEDGER_OK and LEDGER_LATE_COMMITTED changed no spend. */
enum ledger_status ledger_commit(struct ledger *ledger, struct slice campaign_id,
                                 ledger_reservation_id id, int64_t clearing_cpm_micros,
                                 enum ledger_notice kind, int64_t now_ms);

/* Releases reservation id of campaign_id (a loss notice). LEDGER_OK when it was still
 * outstanding; LEDGER_DUPLICATE when already settled; other statuses as for commit. */
enum ledger_status ledger_release(struct ledger *ledger, struct slice campaign_id,
                                  ledger_reservation_id id, int64_t now_ms);

/* Maintenance, off the hot path: expires reservations older than the TTL, grows the
 * frequency table, rolls pacing intervals, writes committed spend, syncs the frequency
 * counts and extends or trims the leases (with a data directory). The background thread
 * calls it every tick_ms; tests and simulations without it call it themselves.
 * It visits only the campaigns that need it: those with activity since their last
 * visit (a reservation, notice or expiry, a new or changed definition from
 * ledger_sync(), recovery; with a data directory, one more visit after activity stops,
 * to trim the lease), and those whose pacing interval or local day has ended; an idle
 * campaign costs a read of 8 bytes. When now_ms is earlier than the last tick's, it
 * visits every one. Returns how many it visited. */
size_t ledger_tick(struct ledger *ledger, int64_t now_ms);

/* Erases every frequency count held for the user (memory and disk, synced), and the
 * user from every reservation still waiting for a notice or open to a late win, so no
 * later notice counts them again. Returns the number of counts erased (pending bids
 * included), or -1 with err when the store could not be written. Off the hot path
 * (called by DELETE /v1/users/{id}). */
int ledger_erase_user(struct ledger *ledger, const struct user_key *key, struct error *err);

/* A campaign's numbers at one moment. */
struct ledger_account_state {
    int64_t spent_total_micros;      /* committed, all time (with unconfirmed) */
    int64_t spent_today_micros;      /* committed today, campaign's time zone */
    int64_t reserved_micros;         /* outstanding reservations */
    int64_t unconfirmed_micros;      /* recovered after a crash: leased, not confirmed */
    int64_t daily_budget_micros;     /* 0: none */
    int64_t total_budget_micros;     /* 0: none */
    uint64_t bids, wins, impressions, late_refused;
};

/* Fills out with campaign_id's numbers. Returns false when the ledger has no account
 * for it. */
bool ledger_account_state(struct ledger *ledger, struct slice campaign_id,
                          struct ledger_account_state *out);

/* Appends campaign_id's delivery numbers as JSON object members, each preceded by a
 * comma (so they follow the members already written):
 *   ,"bids":N,"wins":N,"impressions":N,"spend_micros":N,"reserved_micros":N,
 *   "spend_today_micros":N,"unconfirmed_micros":N,"late_refused":N,
 *   "refused":{"out_of_flight":N,"over_budget":N,"paced":N,"capped":N,
 *              "user_required":N,"busy":N},
 *   "budget":{"daily_micros":N|null,"total_micros":N|null},
 *   "hourly":[{"hour":"2026-11-23T14:00:00Z","bids":N,"wins":N,"impressions":N,
 *              "spend_micros":N,"reserved_gross_micros":N}, ...]   (UTC hours, the last
 *   48, oldest first, hours without activity left out)
 * reserved_micros: outstanding now; hourly reserved_gross_micros: everything reserved
 * during that hour, whether later committed, released or expired. refused: the
 * campaign's bids refused by ledger_reserve() since the process started, by status (not
 * kept across restarts). Returns false, out untouched, when the ledger has no account for campaign_id. */
bool ledger_stats_append_json(struct ledger *ledger, struct slice campaign_id,
                              struct outbuf *out);

/* The cost of one impression at a CPM price: price_cpm_micros / 1000, rounded up. */
static inline int64_t ledger_cost_micros(int64_t price_cpm_micros)
{
    return (price_cpm_micros + 999) / 1000;
}

#endif
