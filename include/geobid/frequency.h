/* Frequency caps: how many impressions one person (a user key) has had of one campaign
 * in the current window, plus the bids in flight that may still become impressions.
 *
 * Window: fixed, opening at the person's first counted impression of the campaign and
 * lasting window_ms; the first impression at or after its end opens a new one. A bid
 * is allowed while count + pending < max, and takes a pending slot: at most max
 * impressions can ever be counted in one window, even when many bids for the same
 * person are in flight at once (a late impression, see frequency_count(), is the only
 * exception).
 *
 * Concurrency: the table is split into shards by user key, each with its own lock;
 * every call takes one shard lock, never a table-wide one. Shards are grown (and rid of
 * ended windows) by frequency_maintain(), off the hot path, when more than half full;
 * a call that finds its shard more than 3/4 full (maintenance has not kept up with a
 * burst of new people) grows it itself. Nothing else allocates. */
#ifndef GEOBID_FREQUENCY_H
#define GEOBID_FREQUENCY_H

#include "geobid/user_key.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct frequency_table;

/* One (user, campaign) count as stored. */
struct frequency_record {
    struct user_key user;
    uint32_t campaign;
    int64_t window_end_ms;    /* the window's end (its length is fixed when it opens) */
    uint32_t count;
};

struct frequency_cap {
    uint32_t max;          /* impressions per window, >= 1 */
    int64_t window_ms;
};

/* Returns a new empty table (free with frequency_table_free()). */
struct frequency_table *frequency_table_new(void);

/* Rebuilds each shard that is more than half full with room for four times its entries
 * still worth keeping at now_ms (dropping ended windows without pending bids),
 * allocating outside the shard's lock. Off the hot path: the ledger's maintenance tick
 * calls it. */
void frequency_maintain(struct frequency_table *table, int64_t now_ms);

/* Frees the table (NULL is fine). */
void frequency_table_free(struct frequency_table *table);

/* Takes a pending slot for one more impression of campaign (a caller-chosen number)
 * for user, when count + pending < cap->max at now_ms. Returns false, nothing changed,
 * when the user is capped. */
bool frequency_reserve(struct frequency_table *table, const struct user_key *user,
                       uint32_t campaign, const struct frequency_cap *cap, int64_t now_ms);

/* Gives back a pending slot (the bid lost or expired). */
void frequency_cancel(struct frequency_table *table, const struct user_key *user,
                      uint32_t campaign);

/* Counts one impression at now_ms, turning a pending slot into a count when
 * was_pending (a late impression, whose slot was given back at expiry, is counted
 * without one, even above the cap: it happened). *counted receives the new count, for
 * the ledger to store. */
void frequency_count(struct frequency_table *table, const struct user_key *user,
                     uint32_t campaign, const struct frequency_cap *cap, bool was_pending,
                     int64_t now_ms, struct frequency_record *counted);

/* Returns the impressions counted in the user's current window at now_ms. */
uint32_t frequency_count_of(struct frequency_table *table, const struct user_key *user,
                            uint32_t campaign, int64_t now_ms);

/* Removes every count and pending slot of user, all campaigns. Returns how many
 * (user, campaign) entries were removed. */
size_t frequency_erase_user(struct frequency_table *table, const struct user_key *user);

/* Restores a stored count (at start-up, before any other call). */
void frequency_restore(struct frequency_table *table, const struct frequency_record *record);

#endif
