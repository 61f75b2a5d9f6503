#include "geobid/notice.h"

#include "geobid/campaign.h"
#include "geobid/endpoint.h"
#include "geobid/hmac_sha256.h"
#include "geobid/ledger.h"
#include "geobid/outbuf.h"
#include "geobid/secret_file.h"

#include <openssl/crypto.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { signature_chars = 43 /* base64url of HMAC-SHA256's 32 bytes, unpadded */ };

/* the macros the exchange substitutes (OpenRTB 2.5 §4.4) */
#define PRICE_MACRO "${AUCTION_PRICE}"
#define LOSS_MACRO "${AUCTION_LOSS}"

/* ---- the signer ----------------------------------------------------------------- */

static int set_base_url(struct notice_signer *signer, const char *url, struct error *err)
{
    size_t len = strlen(url);
    while (len > 0 && url[len - 1] == '/')
        len--;
    size_t scheme = strncmp(url, "http://", 7) == 0 ? 7 : strncmp(url, "https://", 8) == 0 ? 8 : 0;
    if (scheme == 0 || len <= scheme)
        return error_format(err, "--public-url %s: expected http://HOST[:PORT][/PATH]", url);
    if (len >= sizeof(signer->base_url))
        return error_format(err, "--public-url: longer than %d bytes", NOTICE_BASE_URL_MAX - 1);
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)url[i] <= ' ' || url[i] == '?' || url[i] == '#' || url[i] == 0x7f)
            return error_format(err, "--public-url %s: no spaces, query or fragment", url);
    memcpy(signer->base_url, url, len);
    signer->base_url[len] = '\0';
    signer->base_url_len = len;
    return 0;
}

static int set_key_hex(struct notice_signer *signer, const char *hex, struct error *err)
{
    size_t digits = strlen(hex);
    if (digits % 2 != 0 || digits < 2 * NOTICE_KEY_MIN_BYTES || digits > 2 * NOTICE_KEY_MAX_BYTES)
        return error_format(err, "--notice-key: expected %d to %d hex digits, an even number",
                            2 * NOTICE_KEY_MIN_BYTES, 2 * NOTICE_KEY_MAX_BYTES);
    for (size_t i = 0; i < digits; i += 2) {
        int high = hex_digit_value(hex[i]), low = hex_digit_value(hex[i + 1]);
        if (high < 0 || low < 0)
            return error_format(err, "--notice-key: not a hex digit at position %zu", i + 1);
        signer->key[i / 2] = (uint8_t)(high * 16 + low);
    }
    signer->key_len = digits / 2;
    return 0;
}

/* Prepares the MAC key of signer from its key bytes (none yet: the empty key). */
static void prepare_mac_key(struct notice_signer *signer)
{
    hmac_sha256_key_init(&signer->mac_key, signer->key, signer->key_len);
}

int notice_signer_init(struct notice_signer *signer, const char *public_url,
                       const char *listen, const char *key_hex, struct error *err)
{
    memset(signer, 0, sizeof(*signer));
    if (public_url != NULL) {
        if (set_base_url(signer, public_url, err) != 0)
            return -1;
    } else {
        char url[NOTICE_BASE_URL_MAX + 8];
        snprintf(url, sizeof(url), "http://%s", listen);
        if (set_base_url(signer, url, err) != 0)
            return -1;
    }
    if (key_hex != NULL && set_key_hex(signer, key_hex, err) != 0)
        return -1;
    prepare_mac_key(signer);
    return 0;
}

int notice_signer_load_key(struct notice_signer *signer, const char *data_dir,
                           struct error *err)
{
    if (signer->key_len > 0)
        return 0;
    if (data_dir == NULL)
        secret_random(signer->key, NOTICE_KEY_FILE_BYTES);
    else if (secret_file_load(data_dir, "notice.key", signer->key, NOTICE_KEY_FILE_BYTES, err) != 0)
        return -1;
    signer->key_len = NOTICE_KEY_FILE_BYTES;
    prepare_mac_key(signer);
    return 0;
}

/* ---- signatures --------------------------------------------------------------------- */

/* Appends an unsigned decimal. */
static void append_uint(struct outbuf *out, uint64_t value)
{
    char digits[20];
    size_t n = 0;
    do {
        digits[sizeof(digits) - 1 - n++] = (char)('0' + value % 10);
        value /= 10;
    } while (value != 0);
    outbuf_append(out, digits + sizeof(digits) - n, n);
}

/* Returns the message a bid's signature covers: its values in a fixed order, the
 * campaign id length-prefixed, so that no two different bids give the same message. */
static struct slice signed_message(const struct notice_bid *bid, struct arena *arena)
{
    struct outbuf message;
    outbuf_init(&message, arena, 96 + bid->campaign_id.len);
    outbuf_append_cstr(&message, "geobid-notice-1\n");
    append_uint(&message, bid->campaign_id.len);
    outbuf_append(&message, ":", 1);
    outbuf_append(&message, bid->campaign_id.ptr, bid->campaign_id.len);
    uint64_t numbers[] = {bid->reservation_id, (uint64_t)bid->price_micros,
                          (uint64_t)bid->issued_s};
    for (size_t i = 0; i < sizeof(numbers) / sizeof(numbers[0]); i++) {
        outbuf_append(&message, "\n", 1);
        append_uint(&message, numbers[i]);
    }
    outbuf_append(&message, "\n", 1);
    outbuf_append(&message, bid->currency, 3);
    return (struct slice){message.data, message.len};
}

/* Writes the base64url (unpadded) signature of bid into text[0..signature_chars). */
static void sign_bid(const struct notice_signer *signer, const struct notice_bid *bid,
                     struct arena *arena, char text[signature_chars])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    struct slice message = signed_message(bid, arena);
    uint8_t mac[HMAC_SHA256_BYTES + 1] = {0}; /* a zero byte past the end pads the last group */
    hmac_sha256_mac(&signer->mac_key, message.ptr, message.len, mac);
    for (size_t i = 0, out = 0; out < signature_chars; i += 3) {
        uint32_t group = (uint32_t)mac[i] << 16 | (uint32_t)mac[i + 1] << 8 | mac[i + 2];
        for (int shift = 18; shift >= 0 && out < signature_chars; shift -= 6)
            text[out++] = alphabet[(group >> shift) & 63];
    }
}

/* ---- building URLs ------------------------------------------------------------------- */

/* Appends s percent-encoded for a query value (everything but RFC 3986 unreserved). */
static void append_query_value(struct outbuf *out, struct slice s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (size_t i = 0; i < s.len; i++) {
        unsigned char c = (unsigned char)s.ptr[i];
        if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~') {
            outbuf_append(out, &s.ptr[i], 1);
        } else {
            char escaped[3] = {'%', hex[c >> 4], hex[c & 15]};
            outbuf_append(out, escaped, 3);
        }
    }
}

/* Appends "<base>/v1/notice/<path>?<signed><tail>" and returns where it starts in out. */
static size_t append_url(struct outbuf *out, const struct notice_signer *signer,
                         const char *path, struct slice signed_query, const char *tail)
{
    size_t start = out->len;
    outbuf_append(out, signer->base_url, signer->base_url_len);
    outbuf_append_cstr(out, "/v1/notice/");
    outbuf_append_cstr(out, path);
    outbuf_append(out, "?", 1);
    outbuf_append(out, signed_query.ptr, signed_query.len);
    outbuf_append_cstr(out, tail);
    return start;
}

/* Returns the signed part of bid's query, "c=...&r=...&p=...&cur=...&t=...&s=...". */
static struct slice signed_query(const struct notice_signer *signer,
                                 const struct notice_bid *bid, struct arena *arena)
{
    struct outbuf query;
    outbuf_init(&query, arena, 96 + 3 * bid->campaign_id.len);
    outbuf_append_cstr(&query, "c=");
    append_query_value(&query, bid->campaign_id);
    outbuf_append_cstr(&query, "&r=");
    append_uint(&query, bid->reservation_id);
    outbuf_append_cstr(&query, "&p=");
    append_uint(&query, (uint64_t)bid->price_micros);
    outbuf_append_cstr(&query, "&cur=");
    outbuf_append(&query, bid->currency, 3);
    outbuf_append_cstr(&query, "&t=");
    append_uint(&query, (uint64_t)bid->issued_s);
    outbuf_append_cstr(&query, "&s=");
    char signature[signature_chars];
    sign_bid(signer, bid, arena, signature);
    outbuf_append(&query, signature, signature_chars);
    return (struct slice){query.data, query.len};
}

/* Fills bid's three URLs. */
static void add_bid_urls(const struct notice_signer *signer, struct bid *bid, int64_t now_ms,
                         struct arena *arena)
{
    struct notice_bid identity = {
        .campaign_id = bid->campaign->id,
        .reservation_id = bid->reservation_id,
        .price_micros = bid->price_micros,
        .issued_s = now_ms / 1000,
    };
    memcpy(identity.currency, bid->campaign->currency, sizeof(identity.currency));
    struct slice query = signed_query(signer, &identity, arena);
    struct outbuf urls;
    outbuf_init(&urls, arena, 3 * (signer->base_url_len + query.len + 48));
    size_t win = append_url(&urls, signer, "win", query, "&price=" PRICE_MACRO);
    size_t bill = append_url(&urls, signer, "bill", query, "&price=" PRICE_MACRO);
    size_t loss = append_url(&urls, signer, "loss", query, "&reason=" LOSS_MACRO);
    bid->nurl = (struct slice){urls.data + win, bill - win};
    bid->burl = (struct slice){urls.data + bill, loss - bill};
    bid->lurl = (struct slice){urls.data + loss, urls.len - loss};
}

void notice_add_urls(const struct notice_signer *signer, struct bid_response *response,
                     int64_t now_ms, struct arena *arena)
{
    for (size_t i = 0; i < response->bid_count; i++)
        add_bid_urls(signer, &response->bids[i], now_ms, arena);
}

/* ---- reading notices ------------------------------------------------------------------ */

/* Reads a decimal of digits only, at most max. */
static bool parse_uint(struct slice text, uint64_t max, uint64_t *value)
{
    if (text.len == 0)
        return false;
    uint64_t result = 0;
    for (size_t i = 0; i < text.len; i++) {
        unsigned digit = (unsigned char)text.ptr[i] - '0';
        if (digit > 9 || result > (max - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    *value = result;
    return true;
}

/* Reads parameter name, which must be present and not empty. */
static bool read_param(struct slice query, const char *name, struct arena *arena,
                       struct slice *value, struct error *err)
{
    if (endpoint_query_param(query, name, arena, value) && value->len > 0)
        return true;
    error_format(err, "%s: missing or malformed", name);
    return false;
}

static bool read_uint_param(struct slice query, const char *name, uint64_t max,
                            struct arena *arena, uint64_t *value, struct error *err)
{
    struct slice text;
    if (!read_param(query, name, arena, &text, err))
        return false;
    if (parse_uint(text, max, value))
        return true;
    error_format(err, "%s: expected a decimal integer", name);
    return false;
}

static bool read_currency(struct slice query, struct arena *arena, char currency[4],
                          struct error *err)
{
    struct slice text;
    if (!read_param(query, "cur", arena, &text, err))
        return false;
    bool letters = text.len == 3;
    for (size_t i = 0; i < text.len && letters; i++)
        letters = text.ptr[i] >= 'A' && text.ptr[i] <= 'Z';
    if (!letters) {
        error_format(err, "cur: expected an ISO 4217 code");
        return false;
    }
    memcpy(currency, text.ptr, 3);
    currency[3] = '\0';
    return true;
}

/* Reads the signed parameters into bid and the signature into *signature. */
static bool read_signed(struct slice query, struct arena *arena, struct notice_bid *bid,
                        struct slice *signature, struct error *err)
{
    uint64_t price_micros, issued_s;
    if (!read_param(query, "c", arena, &bid->campaign_id, err) ||
        !read_uint_param(query, "r", UINT64_MAX, arena, &bid->reservation_id, err) ||
        !read_uint_param(query, "p", INT64_MAX, arena, &price_micros, err) ||
        !read_currency(query, arena, bid->currency, err) ||
        !read_uint_param(query, "t", INT64_MAX / 1000, arena, &issued_s, err) ||
        !read_param(query, "s", arena, signature, err))
        return false;
    bid->price_micros = (int64_t)price_micros;
    bid->issued_s = (int64_t)issued_s;
    return true;
}

static bool has_prefix(struct slice text, const char *prefix)
{
    size_t len = strlen(prefix);
    return text.len >= len && memcmp(text.ptr, prefix, len) == 0;
}

/* True for [digits][.digits][(e|E)[+|-]digits] with at least one digit before the
 * exponent: "1.5", "0.75", ".5", "2", "1.5E-3" (as Java prints small doubles). */
static bool is_decimal(struct slice text)
{
    size_t i = 0, mantissa_digits = 0;
    for (; i < text.len && text.ptr[i] >= '0' && text.ptr[i] <= '9'; i++)
        mantissa_digits++;
    if (i < text.len && text.ptr[i] == '.')
        for (i++; i < text.len && text.ptr[i] >= '0' && text.ptr[i] <= '9'; i++)
            mantissa_digits++;
    if (mantissa_digits == 0)
        return false;
    if (i < text.len && (text.ptr[i] == 'e' || text.ptr[i] == 'E')) {
        i++;
        if (i < text.len && (text.ptr[i] == '+' || text.ptr[i] == '-'))
            i++;
        size_t exponent_start = i;
        while (i < text.len && text.ptr[i] >= '0' && text.ptr[i] <= '9')
            i++;
        if (i == exponent_start)
            return false;
    }
    return i == text.len;
}

/* True when text looks like an encrypted price (Google's websafe base64 of 28 bytes,
 * the hex or base64 blobs of other exchanges): long, and only of those alphabets
 * ('+' of standard base64 arrives as a space once the query is decoded). */
static bool looks_encrypted(struct slice text)
{
    if (text.len < 16)
        return false;
    for (size_t i = 0; i < text.len; i++) {
        char c = text.ptr[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '/' || c == ' ' || c == '='))
            return false;
    }
    return true;
}

/* Reads a clearing price in currency units (CPM) into micros, rounded to the nearest. */
static bool parse_price(struct slice text, int64_t *micros, struct error *err)
{
    if (has_prefix(text, "${")) {
        error_format(err, "price: the exchange did not substitute %s", PRICE_MACRO);
        return false;
    }
    char digits[64];
    if (!is_decimal(text) || text.len >= sizeof(digits)) {
        error_format(err, looks_encrypted(text)
                              ? "price: encrypted prices are not supported; ask the exchange "
                                "for the clear price"
                              : "price: expected a decimal amount in currency units");
        return false;
    }
    memcpy(digits, text.ptr, text.len);
    digits[text.len] = '\0';
    const char *why = bid_request_floor_micros(strtod(digits, NULL), micros);
    if (why != NULL) {
        error_format(err, "price: %s", why);
        return false;
    }
    return true;
}

static enum notice_status read_clearing_price(struct slice query, struct arena *arena,
                                              struct notice *notice, struct error *err)
{
    struct slice text;
    if (!read_param(query, "price", arena, &text, err) ||
        !parse_price(text, &notice->price_micros, err))
        return NOTICE_MALFORMED;
    if (notice->price_micros <= notice->bid.price_micros)
        return NOTICE_OK;
    struct outbuf amounts;
    outbuf_init(&amounts, arena, 48);
    outbuf_append_micros(&amounts, notice->price_micros);
    size_t split = amounts.len;
    outbuf_append_micros(&amounts, notice->bid.price_micros);
    error_format(err, "price: %.*s is above the bid's own price %.*s", (int)split,
                 amounts.data, (int)(amounts.len - split), amounts.data + split);
    return NOTICE_OVERPRICED;
}

/* The loss reason is informational: absent or not substituted means unknown. */
static enum notice_status read_loss_reason(struct slice query, struct arena *arena,
                                           struct notice *notice, struct error *err)
{
    struct slice text;
    uint64_t reason;
    if (!endpoint_query_param(query, "reason", arena, &text) || has_prefix(text, "${"))
        return NOTICE_OK;
    if (!parse_uint(text, INT32_MAX, &reason)) {
        error_format(err, "reason: expected an OpenRTB loss reason code");
        return NOTICE_MALFORMED;
    }
    notice->loss_reason = (int32_t)reason;
    return NOTICE_OK;
}

enum notice_status notice_parse(const struct notice_signer *signer, enum notice_kind kind,
                                struct slice query, struct arena *arena,
                                struct notice *notice, struct error *err)
{
    memset(notice, 0, sizeof(*notice));
    notice->kind = kind;
    notice->loss_reason = -1;
    struct slice signature;
    if (!read_signed(query, arena, &notice->bid, &signature, err))
        return NOTICE_MALFORMED;
    char expected[signature_chars];
    sign_bid(signer, &notice->bid, arena, expected);
    if (signature.len != signature_chars ||
        CRYPTO_memcmp(signature.ptr, expected, signature_chars) != 0) {
        error_format(err, "s: signature does not match");
        return NOTICE_BAD_SIGNATURE;
    }
    return kind == NOTICE_LOSS ? read_loss_reason(query, arena, notice, err)
                               : read_clearing_price(query, arena, notice, err);
}

/* ---- the endpoint ------------------------------------------------------------------------ */

#define NOTICE_PREFIX "/v1/notice/"

static const struct {
    const char *name;
    enum notice_kind kind;
} notice_kinds[] = {{"win", NOTICE_WIN}, {"bill", NOTICE_BILL}, {"loss", NOTICE_LOSS}};

bool notice_path(struct slice path)
{
    return has_prefix(path, NOTICE_PREFIX);
}

/* Finds the kind named by path's last segment; false when none. */
static bool kind_of_path(struct slice path, enum notice_kind *kind)
{
    size_t prefix = strlen(NOTICE_PREFIX);
    if (!has_prefix(path, NOTICE_PREFIX))
        return false;
    struct slice name = {path.ptr + prefix, path.len - prefix};
    for (size_t i = 0; i < sizeof(notice_kinds) / sizeof(notice_kinds[0]); i++) {
        if (slice_eq_cstr(name, notice_kinds[i].name)) {
            *kind = notice_kinds[i].kind;
            return true;
        }
    }
    return false;
}

static void reply_outcome(struct endpoint_reply *reply, struct arena *arena, const char *outcome)
{
    endpoint_reply_init(reply, arena, 200, "application/json");
    outbuf_append_cstr(&reply->body, "{\"status\":");
    outbuf_append_json_string(&reply->body, slice_from_cstr(outcome));
    outbuf_append_cstr(&reply->body, "}\n");
}

/* Hands a verified notice to the ledger; returns what it did. */
static enum ledger_status settle(const struct notice_handler *handler,
                                 const struct notice *notice, int64_t now_ms)
{
    const struct notice_bid *bid = &notice->bid;
    if (notice->kind == NOTICE_LOSS)
        return ledger_release(handler->ledger, bid->campaign_id, bid->reservation_id, now_ms);
    enum ledger_notice kind = notice->kind == NOTICE_WIN ? LEDGER_NOTICE_WIN
                                                         : LEDGER_NOTICE_BILLING;
    return ledger_commit(handler->ledger, bid->campaign_id, bid->reservation_id,
                         notice->price_micros, kind, now_ms);
}

/* Answers what the ledger did: 200 for every outcome the exchange needs not repeat,
 * named in the answer (the endpoint's own names: they are part of its contract). */
static void reply_settled(struct endpoint_reply *reply, struct arena *arena,
                          const struct notice *notice, enum ledger_status status)
{
    switch (status) {
    case LEDGER_OK:
        reply_outcome(reply, arena, notice->kind == NOTICE_LOSS ? "released" : "committed");
        return;
    case LEDGER_DUPLICATE:
        reply_outcome(reply, arena, "duplicate");
        return;
    case LEDGER_LATE_COMMITTED:
        reply_outcome(reply, arena, "late_committed");
        return;
    case LEDGER_LATE_REFUSED:
        reply_outcome(reply, arena, "late_refused");
        return;
    case LEDGER_STALE:
        reply_outcome(reply, arena, "stale");
        return;
    case LEDGER_TOO_OLD:
        endpoint_reply_error(reply, arena, 410, "bid too old: no longer remembered");
        return;
    case LEDGER_PRICE_ABOVE_BID:
        endpoint_reply_error(reply, arena, 400, "price: above the bid's own price");
        return;
    default:
        endpoint_reply_error(reply, arena, 404, "unknown bid");
        return;
    }
}

static int notice_http_status(enum notice_status status)
{
    return status == NOTICE_BAD_SIGNATURE ? 403 : 400;
}

void notice_handle(const struct notice_handler *handler, const struct endpoint_request *request,
                   struct arena *arena, struct endpoint_reply *reply)
{
    enum notice_kind kind;
    if (!kind_of_path(request->path, &kind)) {
        endpoint_reply_error(reply, arena, 404, "no such endpoint");
        return;
    }
    if (!slice_eq_cstr(request->method, "GET")) {
        endpoint_reply_error(reply, arena, 405, "use GET");
        reply->extra_headers = "Allow: GET\r\n";
        return;
    }
    struct notice notice;
    struct error err;
    enum notice_status status =
        notice_parse(handler->signer, kind, request->query, arena, &notice, &err);
    if (status != NOTICE_OK) {
        endpoint_reply_error(reply, arena, notice_http_status(status), err.message);
        return;
    }
    if (handler->ledger == NULL) {
        reply_outcome(reply, arena, "accepted");
        return;
    }
    const struct clock *clock = handler->clock ? handler->clock : &clock_system;
    reply_settled(reply, arena, &notice, settle(handler, &notice, clock_now_ms(clock)));
}
