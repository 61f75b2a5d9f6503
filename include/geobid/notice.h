/* Signed win / billing / loss notices (docs/notices.md).
 *
 * Every bid carries three URLs on the bid listener, which the exchange calls after the
 * auction, substituting the OpenRTB macros left in them:
 *
 *   nurl  <base>/v1/notice/win?<signed>&price=${AUCTION_PRICE}
 *   burl  <base>/v1/notice/bill?<signed>&price=${AUCTION_PRICE}
 *   lurl  <base>/v1/notice/loss?<signed>&reason=${AUCTION_LOSS}
 *
 * <signed> names the bid: c (campaign id), r (reservation id), p (the bid's CPM in
 * micros), cur (its currency), t (issue time, Unix seconds) and s, the HMAC-SHA256 of
 * those values under the notice key, base64url without padding. The three URLs of a bid
 * share one signature: they are handed to the same party in the same response, and
 * whoever holds one holds them all. Nothing of a notice is trusted before its
 * signature is checked (in constant time).
 *
 * The key is --notice-key (hex), else the 32 random bytes of <data-dir>/notice.key
 * (created once), else random bytes that live as long as the process. */
#ifndef GEOBID_NOTICE_H
#define GEOBID_NOTICE_H

#include "geobid/arena.h"
#include "geobid/bid_request.h"
#include "geobid/clock.h"
#include "geobid/endpoint.h"
#include "geobid/error.h"
#include "geobid/hmac_sha256.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    NOTICE_KEY_MIN_BYTES = 16,
    NOTICE_KEY_MAX_BYTES = 64,   /* SHA-256's block: a longer HMAC key is hashed first */
    NOTICE_KEY_FILE_BYTES = 32,
    NOTICE_BASE_URL_MAX = 256,
};

/* What builds and checks notice URLs. Plain data: shared read-only by every thread. */
struct notice_signer {
    uint8_t key[NOTICE_KEY_MAX_BYTES];
    size_t key_len;                     /* 0 until a key is set */
    struct hmac_sha256_key mac_key;     /* key, prepared for signing */
    char base_url[NOTICE_BASE_URL_MAX]; /* "http://host:port[/prefix]", no trailing '/' */
    size_t base_url_len;
};

enum notice_kind { NOTICE_WIN, NOTICE_BILL, NOTICE_LOSS };

/* The signed identity of one bid. */
struct notice_bid {
    struct slice campaign_id;
    uint64_t reservation_id;
    int64_t price_micros;        /* the bid's CPM, in micros of currency */
    char currency[4];            /* ISO 4217, NUL-terminated */
    int64_t issued_s;            /* when the bid was made, Unix seconds */
};

/* One verified notice. */
struct notice {
    enum notice_kind kind;
    struct notice_bid bid;
    int64_t price_micros;        /* win, bill: the clearing CPM, 0 <= it <= bid.price_micros */
    int32_t loss_reason;         /* loss: OpenRTB loss reason code; -1 when not sent */
};

/* Outcome of notice_parse(): what the endpoint answers. */
enum notice_status {
    NOTICE_OK,
    NOTICE_MALFORMED,            /* 400: a parameter missing or not of its form */
    NOTICE_BAD_SIGNATURE,        /* 403: not signed with our key, or altered */
    NOTICE_OVERPRICED,           /* 400: clearing price above the bid's own price */
};

/* Sets signer's base URL: public_url when given (http:// or https://, no query or
 * fragment; a trailing '/' is dropped), else "http://" + listen; and its key from
 * key_hex when given (an even number of hex digits: 16 to 64 bytes), else none yet.
 * No I/O. Returns 0, or -1 with err naming the option. */
int notice_signer_init(struct notice_signer *signer, const char *public_url,
                       const char *listen, const char *key_hex, struct error *err);

/* Gives signer a key when notice_signer_init() set none: the one kept in
 * data_dir/notice.key (created the first time, see secret_file.h), or, when data_dir is
 * NULL, random bytes for this process only. Returns 0, or -1 with err. */
int notice_signer_load_key(struct notice_signer *signer, const char *data_dir,
                           struct error *err);

/* Fills the nurl, burl and lurl of every bid of response, built in arena, for bids
 * made at now_ms (each bid's campaign, price and reservation_id are what is signed). */
void notice_add_urls(const struct notice_signer *signer, struct bid_response *response,
                     int64_t now_ms, struct arena *arena);

/* Reads and verifies the query of a kind notice: every signed parameter present and
 * well formed, the signature right, and for a win or bill a clearing price (decimal
 * currency units, as OpenRTB's ${AUCTION_PRICE}) at most the bid's own. Fills notice
 * (its slices point into arena) and returns NOTICE_OK, or returns why not with a
 * message in err naming the parameter ("r: expected a decimal integer", "s: signature
 * does not match"); notice is then unspecified. The signature is checked before the
 * unsigned price or reason is read. */
enum notice_status notice_parse(const struct notice_signer *signer, enum notice_kind kind,
                                struct slice query, struct arena *arena,
                                struct notice *notice, struct error *err);

struct ledger;

/* What the notice endpoint works with; shared read-only by the bid worker threads. */
struct notice_handler {
    const struct notice_signer *signer;
    struct ledger *ledger;       /* NULL: notices are verified, and nothing is counted */
    const struct clock *clock;   /* NULL: the system clock */
};

/* True when path is one notice_handle() answers (under /v1/notice/). */
bool notice_path(struct slice path);

/* Answers GET /v1/notice/{win,bill,loss}?... into reply (allocated in arena). A
 * verified win or bill commits the bid's reservation at the clearing price, a loss
 * releases it (ledger.h); repeats and late notices get 200 with what happened:
 * {"status":"committed"|"released"|"duplicate"|"late_committed"|"late_refused"|
 * "stale"|"accepted"} (accepted: no ledger). 400 malformed or above the bid's price,
 * 403 bad signature, 404 unknown bid, 410 too old to be remembered, 405 not a GET,
 * each with {"error":"..."} and no change. Takes only the ledger's per-campaign (and
 * frequency-shard) locks; the only I/O is the first win or bill of a capped campaign's
 * bid writing its frequency count through (unsynced, waiting only for other count
 * writes; see ledger_commit()). */
void notice_handle(const struct notice_handler *handler, const struct endpoint_request *request,
                   struct arena *arena, struct endpoint_reply *reply);

#endif
