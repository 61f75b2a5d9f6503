/* The bidding pipeline for one request: decode → locate → match → decide → encode.
 *
 * A bidder holds what every request reads (the campaign snapshot and the GeoIP
 * databases); it is shared read-only by all worker threads. Per-request state lives
 * in the caller's arena. */
#ifndef GEOBID_BIDDER_H
#define GEOBID_BIDDER_H

#include "geobid/arena.h"
#include "geobid/clock.h"
#include "geobid/bid_request.h"
#include "geobid/error.h"
#include "geobid/geo.h"
#include "geobid/openrtb_codec.h"
#include "geobid/outbuf.h"
#include "geobid/privacy.h"
#include "geobid/profile.h"
#include "geobid/snapshot.h"
#include "geobid/user_key.h"

struct ledger;
struct notice_signer;

struct bidder {
    const struct snapshot *snapshot;
    const struct geo_resolver *geo;
    const struct clock *clock;        /* NULL: the system clock */
    struct privacy_policy privacy;    /* how consent signals are read; zero is valid */
    struct profile_store *profiles;   /* first-party segments; NULL: none (no --data-dir) */
    const struct user_key_hasher *user_keys; /* hashes user ids; NULL: none */
    const struct notice_signer *notices; /* NULL: bids carry no notice URLs (notice.h) */
    struct ledger *ledger;            /* budgets, pacing, caps; NULL: none enforced */
};

/* What the pipeline knows about one request before deciding; bidder_handle() fills it
 * stage by stage (decode, privacy, geo, profile) and bidder_decide() only reads it. */
struct bid_context {
    const struct bid_request *request;
    struct location location;         /* resolved, coarsened unless precise_geo */
    struct permissions permissions;   /* what the consent signals allow */
    int64_t now_ms;                   /* when the request arrived (bidder's clock) */
    bool has_user_key;                /* a user id was present and store_ids permitted */
    struct user_key user_key;         /* the hashed user id, when has_user_key */
    struct profile profile;           /* live first-party memberships (in the arena) */
};

/* Chooses at most one bid per imp of context->request and fills response (bids in
 * arena). For each imp the best eligible campaign wins: active, every geo
 * criterion holds, device type and OS accepted, a creative fits the slot, the bid
 * currency is allowed by the request, the price is at least the floor. Ties go to the
 * campaign listed first. With a ledger, the winner's cost is reserved (its id in
 * bid.reservation_id); a campaign the ledger refuses (out of flight or budget, paced
 * out, capped) is passed over for the next best. Returns the number of bids. */
size_t bidder_decide(const struct bidder *bidder, const struct bid_context *context,
                     struct arena *arena, struct bid_response *response);

/* Returns, ascending, the positions of the active campaigns whose every targeting rule
 * holds for context: geo, device, schedule, audience. Candidates come from the
 * snapshot's indexes (geo and targeting) and are then checked exactly (exact_checks.h),
 * which counts the schedule and audience checks. The ids are in arena. */
struct campaign_ids bidder_match(const struct bidder *bidder, const struct bid_context *context,
                                 struct arena *arena);

/* The reference bidder_match() is held to: true when the campaign at position is active
 * and every targeting rule holds, evaluated directly (no index, nothing counted). */
bool bidder_campaign_matches(const struct bidder *bidder, uint32_t position,
                             const struct bid_context *context);

/* The stages between decoding and deciding, as bidder_handle() runs them: the privacy
 * stage (privacy_apply(), which strips request of what its signals do not allow), the
 * user key (with store_ids) and profile (with personalize too), the location. Fills
 * *context; the profile is in arena. */
void bidder_prepare(const struct bidder *bidder, struct bid_request *request,
                    struct arena *arena, struct bid_context *context);

/* Outcome of bidder_handle(). */
enum bid_outcome {
    BID_OUTCOME_BID,        /* 200, body holds the encoded response */
    BID_OUTCOME_NO_BID,     /* 204, empty body */
    BID_OUTCOME_BAD_REQUEST /* 400, err says why */
};

/* Runs the whole pipeline on one request body (already decompressed) in the given
 * codec: decode, privacy stage (privacy_apply()), resolve the location, decide, encode
 * into body (allocated in arena).
 * Everything it allocates is in arena; nothing else is modified. */
enum bid_outcome bidder_handle(const struct bidder *bidder, const struct openrtb_codec *codec,
                               const char *request_body, size_t request_len,
                               struct arena *arena, struct outbuf *body, struct error *err);

#endif
