/* Notices: the signer's options, URLs that verify after the exchange substitutes its
 * macros, and everything that must not verify (forged, altered, over-priced,
 * malformed); then the endpoint on a real ledger (commit once, duplicates, loss
 * releases, unknown reservations). */
#include "geobid/notice.h"

#include "geobid/campaign.h"
#include "geobid/ledger.h"
#include "test_support.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TEST_KEY "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static struct arena arena;
static struct notice_signer signer;
static struct error err;

static struct imp imp = {.id = SLICE_LITERAL("imp-1")};
static struct campaign cafe = {.id = SLICE_LITERAL("café & co"), .currency = "EUR",
                               .bid_cpm_micros = 2500000};

static void setup(void)
{
    arena_init(&arena, 4096);
    ck_assert_int_eq(notice_signer_init(&signer, "https://bid.example/geobid/", NULL, TEST_KEY,
                                        &err), 0);
}

static void teardown(void)
{
    arena_free(&arena);
}

/* Gives bid, reserved as reservation_id, its notice URLs for a bid made at now_ms. */
static void add_urls(struct bid *bid, uint64_t reservation_id, int64_t now_ms)
{
    bid->reservation_id = reservation_id;
    struct bid_response response = {.bids = bid, .bid_count = 1};
    notice_add_urls(&signer, &response, now_ms, &arena);
}

/* A bid of cafe on imp at its CPM, with its notice URLs for reservation 77 at
 * 2026-11-23T12:00:00Z. */
static struct bid signed_bid(void)
{
    struct bid bid = {.imp = &imp, .campaign = &cafe, .price_micros = cafe.bid_cpm_micros};
    add_urls(&bid, 77, 1795435200123);
    return bid;
}

/* Returns the query of url, after its '?'. */
static struct slice query_of(struct slice url)
{
    const char *question = memchr(url.ptr, '?', url.len);
    ck_assert_ptr_nonnull(question);
    return (struct slice){question + 1, (size_t)(url.ptr + url.len - question - 1)};
}

/* Returns the query of url with its macro (the first "${...}") replaced by value, as
 * the exchange sends it. */
static struct slice substituted_query(struct slice url, const char *value)
{
    struct slice query = query_of(url);
    const char *macro = memmem(query.ptr, query.len, "${", 2);
    ck_assert_ptr_nonnull(macro);
    size_t before = (size_t)(macro - query.ptr);
    size_t len = before + strlen(value);
    char *text = arena_alloc(&arena, len);
    memcpy(text, query.ptr, before);
    memcpy(text + before, value, strlen(value));
    return (struct slice){text, len};
}

static enum notice_status parse(enum notice_kind kind, struct slice query, struct notice *notice)
{
    return notice_parse(&signer, kind, query, &arena, notice, &err);
}

static enum notice_status parse_text(enum notice_kind kind, const char *query)
{
    struct notice notice;
    return parse(kind, slice_from_cstr(query), &notice);
}

/* ---- the signer ---------------------------------------------------------------- */

START_TEST(base_url_from_public_url_or_listen)
{
    ck_assert_str_eq(signer.base_url, "https://bid.example/geobid");
    ck_assert_uint_eq(signer.base_url_len, strlen(signer.base_url));
    struct notice_signer other;
    ck_assert_int_eq(notice_signer_init(&other, NULL, "127.0.0.1:8080", NULL, &err), 0);
    ck_assert_str_eq(other.base_url, "http://127.0.0.1:8080");
    ck_assert_uint_eq(other.key_len, 0);
    ck_assert_int_eq(notice_signer_init(&other, "http://[::1]:9000", NULL, NULL, &err), 0);
    ck_assert_str_eq(other.base_url, "http://[::1]:9000");
    const char *refused[] = {"ftp://bid.example", "bid.example", "http://", "https:///",
                             "http://bid.example/?x=1", "http://bid.example/#top",
                             "http://bid example"};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ck_assert_msg(notice_signer_init(&other, refused[i], NULL, NULL, &err) == -1, "%s",
                      refused[i]);
        ck_assert_msg(strstr(err.message, "--public-url") != NULL, "%s", err.message);
    }
}
END_TEST

START_TEST(key_from_hex)
{
    ck_assert_uint_eq(signer.key_len, 32);
    ck_assert_int_eq(signer.key[0], 0x00);
    ck_assert_int_eq(signer.key[31], 0x1f);
    struct notice_signer other;
    ck_assert_int_eq(notice_signer_init(&other, NULL, "h:1", "00112233445566778899AABBCCDDEEFF",
                                        &err), 0);
    ck_assert_uint_eq(other.key_len, 16);
    ck_assert_int_eq(other.key[15], 0xff);
    const char *refused[] = {"0011", "00112233445566778899aabbccddeeff0",
                             "00112233445566778899aabbccddeefg", ""};
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        ck_assert_msg(notice_signer_init(&other, NULL, "h:1", refused[i], &err) == -1, "%s",
                      refused[i]);
        ck_assert_msg(strstr(err.message, "--notice-key") != NULL, "%s", err.message);
    }
    /* a key given keeps load_key from replacing it */
    ck_assert_int_eq(notice_signer_load_key(&signer, "/nonexistent", &err), 0);
    ck_assert_uint_eq(signer.key_len, 32);
    ck_assert_int_eq(signer.key[31], 0x1f);
}
END_TEST

START_TEST(key_kept_in_the_data_directory)
{
    char *dir = test_temp_dir_create();
    struct notice_signer first, second, ephemeral;
    ck_assert_int_eq(notice_signer_init(&first, NULL, "h:1", NULL, &err), 0);
    ck_assert_int_eq(notice_signer_load_key(&first, dir, &err), 0);
    ck_assert_uint_eq(first.key_len, NOTICE_KEY_FILE_BYTES);
    ck_assert_int_eq(notice_signer_init(&second, NULL, "h:1", NULL, &err), 0);
    ck_assert_int_eq(notice_signer_load_key(&second, dir, &err), 0);
    ck_assert_int_eq(memcmp(first.key, second.key, NOTICE_KEY_FILE_BYTES), 0);
    char path[512];
    snprintf(path, sizeof(path), "%s/notice.key", dir);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, NOTICE_KEY_FILE_BYTES);
    /* without a data directory: random, and another one each time */
    ck_assert_int_eq(notice_signer_init(&ephemeral, NULL, "h:1", NULL, &err), 0);
    ck_assert_int_eq(notice_signer_load_key(&ephemeral, NULL, &err), 0);
    ck_assert_uint_eq(ephemeral.key_len, NOTICE_KEY_FILE_BYTES);
    ck_assert_int_ne(memcmp(first.key, ephemeral.key, NOTICE_KEY_FILE_BYTES), 0);
    test_temp_dir_remove(dir);
}
END_TEST

/* ---- URLs ---------------------------------------------------------------------- */

START_TEST(urls_carry_the_signed_bid_and_the_macros)
{
    struct bid bid = signed_bid();
    const char *signed_part =
        "?c=caf%C3%A9%20%26%20co&r=77&p=2500000&cur=EUR&t=1795435200&s=";
    const struct {
        struct slice url;
        const char *path, *tail;
    } urls[] = {{bid.nurl, "https://bid.example/geobid/v1/notice/win", "&price=${AUCTION_PRICE}"},
                {bid.burl, "https://bid.example/geobid/v1/notice/bill", "&price=${AUCTION_PRICE}"},
                {bid.lurl, "https://bid.example/geobid/v1/notice/loss", "&reason=${AUCTION_LOSS}"}};
    for (size_t i = 0; i < 3; i++) {
        struct slice url = urls[i].url;
        size_t path_len = strlen(urls[i].path), signed_len = strlen(signed_part);
        size_t tail_len = strlen(urls[i].tail);
        ck_assert_uint_eq(url.len, path_len + signed_len + 43 + tail_len);
        ck_assert_int_eq(memcmp(url.ptr, urls[i].path, path_len), 0);
        ck_assert_int_eq(memcmp(url.ptr + path_len, signed_part, signed_len), 0);
        ck_assert_int_eq(memcmp(url.ptr + url.len - tail_len, urls[i].tail, tail_len), 0);
        for (size_t c = path_len + signed_len; c < path_len + signed_len + 43; c++)
            ck_assert(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_",
                             url.ptr[c]) != NULL);
    }
    /* one signature for the three */
    ck_assert_int_eq(memcmp(bid.nurl.ptr + bid.nurl.len - 43 - 23,
                            bid.lurl.ptr + bid.lurl.len - 43 - 23, 43), 0);
}
END_TEST

/* Returns, NUL-terminated in arena, the signature docs/notices.md describes: OpenSSL's
 * HMAC() of message under the key given in hex, base64url without padding. */
static const char *documented_signature(const char *key_hex, const char *message)
{
    uint8_t key[NOTICE_KEY_MAX_BYTES];
    size_t key_len = strlen(key_hex) / 2;
    for (size_t i = 0; i < key_len; i++)
        ck_assert_int_eq(sscanf(key_hex + 2 * i, "%2hhx", &key[i]), 1);
    uint8_t mac[EVP_MAX_MD_SIZE];
    unsigned mac_len;
    HMAC(EVP_sha256(), key, (int)key_len, (const uint8_t *)message, strlen(message), mac,
         &mac_len);
    char *text = arena_alloc(&arena, 4 * ((mac_len + 2) / 3) + 1);
    int len = EVP_EncodeBlock((unsigned char *)text, mac, (int)mac_len);
    while (len > 0 && text[len - 1] == '=')
        len--;
    text[len] = '\0';
    for (char *c = text; *c != '\0'; c++)
        *c = *c == '+' ? '-' : *c == '/' ? '_' : *c;
    return text;
}

/* The signature format is fixed (notices already handed to exchanges must still verify
 * after an upgrade): HMAC-SHA256 of "geobid-notice-1\n<len>:<c>\n<r>\n<p>\n<t>\n<cur>",
 * for keys of the shortest, a middle and the longest length allowed. */
START_TEST(signature_is_the_documented_hmac)
{
    const char *keys[] = {
        "00112233445566778899aabbccddeeff", TEST_KEY,
        TEST_KEY "202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
        struct notice_signer keyed;
        ck_assert_int_eq(notice_signer_init(&keyed, "https://bid.example", NULL, keys[i], &err),
                         0);
        struct bid bid = {.imp = &imp, .campaign = &cafe, .price_micros = 2500000,
                          .reservation_id = 77};
        struct bid_response response = {.bids = &bid, .bid_count = 1};
        notice_add_urls(&keyed, &response, 1795435200123, &arena);
        const char *signature = memmem(bid.lurl.ptr, bid.lurl.len, "&s=", 3);
        ck_assert_ptr_nonnull(signature);
        const char *expected = documented_signature(
            keys[i], "geobid-notice-1\n10:café & co\n77\n2500000\n1795435200\nEUR");
        ck_assert_msg(strncmp(signature + 3, expected, 43) == 0 && signature[46] == '&',
                      "key %zu: %.43s, expected %s", i, signature + 3, expected);
    }
}
END_TEST

START_TEST(every_bid_of_a_response_gets_its_own_urls)
{
    struct imp second_imp = {.id = SLICE_LITERAL("imp-2")};
    struct bid bids[2] = {
        {.imp = &imp, .campaign = &cafe, .price_micros = 2500000, .reservation_id = 5},
        {.imp = &second_imp, .campaign = &cafe, .price_micros = 2500000, .reservation_id = 6},
    };
    struct bid_response response = {.bids = bids, .bid_count = 2};
    notice_add_urls(&signer, &response, 1795435200000, &arena);
    struct notice notice;
    for (size_t i = 0; i < 2; i++) {
        ck_assert_int_eq(parse(NOTICE_WIN, substituted_query(bids[i].nurl, "1"), &notice),
                         NOTICE_OK);
        ck_assert_uint_eq(notice.bid.reservation_id, 5 + i);
        ck_assert_int_eq(parse(NOTICE_LOSS, query_of(bids[i].lurl), &notice), NOTICE_OK);
        ck_assert_uint_eq(notice.bid.reservation_id, 5 + i);
    }
    ck_assert(!slice_eq(bids[0].nurl, bids[1].nurl));
}
END_TEST

START_TEST(win_round_trip)
{
    struct bid bid = signed_bid();
    struct notice notice;
    ck_assert_int_eq(parse(NOTICE_WIN, substituted_query(bid.nurl, "1.75"), &notice), NOTICE_OK);
    ck_assert_int_eq(notice.kind, NOTICE_WIN);
    ck_assert(slice_eq_cstr(notice.bid.campaign_id, "café & co"));
    ck_assert_uint_eq(notice.bid.reservation_id, 77);
    ck_assert_int_eq(notice.bid.price_micros, 2500000);
    ck_assert_str_eq(notice.bid.currency, "EUR");
    ck_assert_int_eq(notice.bid.issued_s, 1795435200);
    ck_assert_int_eq(notice.price_micros, 1750000);
    ck_assert_int_eq(notice.loss_reason, -1);
    ck_assert_int_eq(parse(NOTICE_BILL, substituted_query(bid.burl, "2.5"), &notice), NOTICE_OK);
    ck_assert_int_eq(notice.kind, NOTICE_BILL);
    ck_assert_int_eq(notice.price_micros, 2500000);
}
END_TEST

START_TEST(loss_round_trip)
{
    struct bid bid = signed_bid();
    struct notice notice;
    ck_assert_int_eq(parse(NOTICE_LOSS, substituted_query(bid.lurl, "102"), &notice), NOTICE_OK);
    ck_assert_int_eq(notice.loss_reason, 102);
    ck_assert_uint_eq(notice.bid.reservation_id, 77);
    /* a reason the exchange left as its macro, or did not send, is unknown */
    ck_assert_int_eq(parse(NOTICE_LOSS, query_of(bid.lurl), &notice), NOTICE_OK);
    ck_assert_int_eq(notice.loss_reason, -1);
    ck_assert_int_eq(parse(NOTICE_LOSS, substituted_query(bid.lurl, "x"), &notice),
                     NOTICE_MALFORMED);
    ck_assert_str_eq(err.message, "reason: expected an OpenRTB loss reason code");
}
END_TEST

START_TEST(prices_in_the_forms_exchanges_send)
{
    struct bid bid = signed_bid();
    const struct {
        const char *text;
        int64_t micros;
    } accepted[] = {{"1.5", 1500000}, {"1.50", 1500000}, {".5", 500000}, {"2", 2000000},
                    {"0", 0}, {"1.5E-3", 1500}, {"2.5e0", 2500000}, {"0.0000016", 2},
                    {"1.234567", 1234567}, {"2.4999999", 2500000}, {"%31.25", 1250000}};
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        struct notice notice;
        ck_assert_msg(parse(NOTICE_WIN, substituted_query(bid.nurl, accepted[i].text), &notice) ==
                          NOTICE_OK, "%s: %s", accepted[i].text, err.message);
        ck_assert_msg(notice.price_micros == accepted[i].micros, "%s gave %lld",
                      accepted[i].text, (long long)notice.price_micros);
    }
}
END_TEST

START_TEST(prices_refused_with_a_reason)
{
    struct bid bid = signed_bid();
    const struct {
        const char *text, *message;
    } refused[] = {
        {"${AUCTION_PRICE}", "price: the exchange did not substitute ${AUCTION_PRICE}"},
        {"WEp8wQAEQY8AAAAAAAAAAAAAAAAAAAAAAAAAAA",
         "price: encrypted prices are not supported; ask the exchange for the clear price"},
        {"5a9c1e2b3d4f5a6b7c8d9e0f1a2b3c4d",
         "price: encrypted prices are not supported; ask the exchange for the clear price"},
        {"-1", "price: expected a decimal amount in currency units"},
        {"1,5", "price: expected a decimal amount in currency units"},
        {"", "price: missing or malformed"},
        {"1.5USD", "price: expected a decimal amount in currency units"},
        {"1e", "price: expected a decimal amount in currency units"},
        {"nan", "price: expected a decimal amount in currency units"},
        {"0x10", "price: expected a decimal amount in currency units"},
        {"1e400", "price: out of range"},
    };
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        struct notice notice;
        ck_assert_msg(parse(NOTICE_WIN, substituted_query(bid.nurl, refused[i].text), &notice) ==
                          NOTICE_MALFORMED, "%s", refused[i].text);
        ck_assert_str_eq(err.message, refused[i].message);
    }
}
END_TEST

START_TEST(price_above_the_bid_is_refused)
{
    struct bid bid = signed_bid();
    struct notice notice;
    ck_assert_int_eq(parse(NOTICE_WIN, substituted_query(bid.nurl, "2.500001"), &notice),
                     NOTICE_OVERPRICED);
    ck_assert_str_eq(err.message, "price: 2.500001 is above the bid's own price 2.5");
    ck_assert_int_eq(parse(NOTICE_BILL, substituted_query(bid.burl, "1e3"), &notice),
                     NOTICE_OVERPRICED);
    ck_assert_int_eq(parse(NOTICE_WIN, substituted_query(bid.nurl, "2.5"), &notice), NOTICE_OK);
}
END_TEST

/* ---- what must not verify -------------------------------------------------------- */

START_TEST(forged_signature)
{
    struct bid bid = signed_bid();
    struct slice query = substituted_query(bid.nurl, "1");
    char *text = arena_strndup(&arena, query.ptr, query.len);
    char *signature = strstr(text, "&s=") + 3;
    ck_assert_int_eq(parse(NOTICE_WIN, query, &(struct notice){0}), NOTICE_OK);
    for (size_t i = 0; i < 43; i++) {
        char saved = signature[i];
        signature[i] = saved == 'A' ? 'B' : 'A';
        ck_assert_int_eq(parse_text(NOTICE_WIN, text), NOTICE_BAD_SIGNATURE);
        ck_assert_str_eq(err.message, "s: signature does not match");
        signature[i] = saved;
    }
    /* truncated, extended, absent */
    signature[42] = '\0';
    ck_assert_int_eq(parse_text(NOTICE_WIN, text), NOTICE_BAD_SIGNATURE);
    ck_assert_int_eq(parse_text(NOTICE_WIN,
                                "c=x&r=1&p=1&cur=EUR&t=1&price=1"), NOTICE_MALFORMED);
    ck_assert_str_eq(err.message, "s: missing or malformed");
}
END_TEST

START_TEST(signature_of_another_key)
{
    struct bid bid = signed_bid();
    struct slice query = substituted_query(bid.nurl, "1");
    struct notice_signer other;
    char other_key[] = TEST_KEY;
    other_key[0] = 'f'; /* the key's first byte changed */
    ck_assert_int_eq(notice_signer_init(&other, "https://bid.example", NULL, other_key, &err), 0);
    struct notice notice;
    ck_assert_int_eq(notice_parse(&other, NOTICE_WIN, query, &arena, &notice, &err),
                     NOTICE_BAD_SIGNATURE);
}
END_TEST

/* Replaces the value of parameter name in query (NUL-terminated, in arena). */
static char *with_param(struct slice query, const char *name, const char *value)
{
    char *text = arena_alloc(&arena, query.len + strlen(value) + 2);
    char pattern[16];
    snprintf(pattern, sizeof(pattern), "%s=", name);
    const char *start = query.ptr;
    while (strncmp(start, pattern, strlen(pattern)) != 0)
        start = strchr(start, '&') + 1;
    const char *value_start = start + strlen(pattern);
    const char *value_end = memchr(value_start, '&', (size_t)(query.ptr + query.len - value_start));
    size_t prefix = (size_t)(value_start - query.ptr);
    memcpy(text, query.ptr, prefix);
    strcpy(text + prefix, value);
    strncat(text, value_end, (size_t)(query.ptr + query.len - value_end));
    return text;
}

START_TEST(altered_parameters)
{
    struct bid bid = signed_bid();
    struct slice query = substituted_query(bid.nurl, "1");
    char *query_text = arena_strndup(&arena, query.ptr, query.len);
    query = slice_from_cstr(query_text);
    const struct {
        const char *name, *value;
    } changes[] = {{"c", "caf%C3%A9+%26+cp"}, {"c", "cafe"},     {"r", "78"},
                   {"r", "770"},              {"p", "25000000"}, {"p", "2500001"},
                   {"cur", "USD"},            {"t", "1795435201"}};
    ck_assert_int_eq(parse_text(NOTICE_WIN, with_param(query, "r", "77")), NOTICE_OK);
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++)
        ck_assert_msg(parse_text(NOTICE_WIN, with_param(query, changes[i].name,
                                                        changes[i].value)) == NOTICE_BAD_SIGNATURE,
                      "%s=%s", changes[i].name, changes[i].value);
    /* the same values spelled differently are the same bid */
    ck_assert_int_eq(parse_text(NOTICE_WIN, with_param(query, "c", "caf%c3%a9%20%26%20co")),
                     NOTICE_OK);
}
END_TEST

START_TEST(malformed_queries)
{
    struct bid bid = signed_bid();
    struct slice query = substituted_query(bid.nurl, "1");
    const struct {
        const char *name, *value, *message;
    } changes[] = {
        {"r", "", "r: missing or malformed"},
        {"c", "", "c: missing or malformed"},
        {"r", "-1", "r: expected a decimal integer"},
        {"r", "18446744073709551616", "r: expected a decimal integer"},
        {"p", "1.5", "p: expected a decimal integer"},
        {"p", "9223372036854775808", "p: expected a decimal integer"},
        {"t", "1e9", "t: expected a decimal integer"},
        {"cur", "eur", "cur: expected an ISO 4217 code"},
        {"cur", "EURO", "cur: expected an ISO 4217 code"},
        {"c", "caf%zz", "c: missing or malformed"},
        {"s", "%", "s: missing or malformed"},
    };
    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        ck_assert_msg(parse_text(NOTICE_WIN, with_param(query, changes[i].name,
                                                        changes[i].value)) == NOTICE_MALFORMED,
                      "%s=%s", changes[i].name, changes[i].value);
        ck_assert_str_eq(err.message, changes[i].message);
    }
    const char *whole[] = {"", "&&&", "c", "c=x", "r=1&p=1&cur=EUR&t=1&s=x&price=1",
                           "c=x&r=1&p=1&cur=EUR&t=1&s=x"};
    for (size_t i = 0; i < sizeof(whole) / sizeof(whole[0]); i++)
        ck_assert_msg(parse_text(NOTICE_WIN, whole[i]) != NOTICE_OK, "%s", whole[i]);
    /* the signature is checked before the price is read */
    ck_assert_int_eq(parse_text(NOTICE_WIN, "c=x&r=1&p=1&cur=EUR&t=1&s=x"), NOTICE_BAD_SIGNATURE);
    struct slice no_price = {query.ptr, (size_t)(strstr(query.ptr, "&price=") - query.ptr)};
    struct notice notice;
    ck_assert_int_eq(parse(NOTICE_WIN, no_price, &notice), NOTICE_MALFORMED);
    ck_assert_str_eq(err.message, "price: missing or malformed");
}
END_TEST

/* ---- the endpoint, on a ledger ------------------------------------------------------ */

/* One campaign with a total budget of 1 EUR, bidding 2.5 EUR CPM (2500 micros an
 * impression), capped at 2 impressions per user per hour. */
static const char ledger_campaigns[] =
    "{'campaigns':[{'id':'café & co','bid_cpm':2.5,'currency':'EUR','pacing':'asap',"
    "'budget':{'total':1.0},'frequency_cap':{'max':2,'window_s':3600},"
    "'creatives':[{'id':'c1','w':300,'h':250,'adm':'x','adomain':['cafe.example']}]},"
    "{'id':'other','bid_cpm':1,'currency':'EUR','pacing':'asap','budget':{'total':1.0},"
    "'creatives':[{'id':'c2','w':300,'h':250,'adm':'y','adomain':['o.example']}]}]}";

static const int64_t start_ms = 1795435200000; /* 2026-11-23T12:00:00Z */

static struct manual_clock manual;
static struct campaign_set set;
static struct ledger *ledger;
static struct notice_handler handler;

static void ledger_setup(void)
{
    setup();
    manual_clock_init(&manual, start_ms);
    const char *text = test_dq(&arena, ledger_campaigns);
    ck_assert_msg(campaign_set_load(&set, text, strlen(text), &err) == 0, "%s", err.message);
    struct ledger_options options = {.clock = &manual.clock, .reservation_ttl_ms = 120000};
    ledger = ledger_open(&options, &err);
    ck_assert_msg(ledger != NULL, "%s", err.message);
    ck_assert_msg(ledger_sync(ledger, &set, &err) == 0, "%s", err.message);
    handler = (struct notice_handler){&signer, ledger, &manual.clock};
}

static void ledger_teardown(void)
{
    ledger_close(ledger);
    campaign_set_free(&set);
    teardown();
}

/* Reserves a bid of campaign (by position) for user and returns it with its URLs. */
static struct bid reserved_bid(size_t campaign, const char *user)
{
    const struct campaign *c = &set.campaigns[campaign];
    struct user_key key = {{0}};
    memcpy(key.bytes, user, strlen(user) < sizeof(key.bytes) ? strlen(user) : sizeof(key.bytes));
    struct ledger_bid request = {c, c->bid_cpm_micros, &key, clock_now_ms(&manual.clock)};
    struct ledger_reservation reservation;
    ck_assert_int_eq(ledger_reserve(ledger, &request, &reservation), LEDGER_OK);
    struct bid bid = {.imp = &imp, .campaign = c, .price_micros = c->bid_cpm_micros};
    add_urls(&bid, reservation.id, clock_now_ms(&manual.clock));
    return bid;
}

/* Calls the endpoint with the path and query of url, the macro set to value. */
static struct endpoint_reply call(const char *method, struct slice url, const char *value)
{
    const char *path = strstr(url.ptr, "/v1/notice/");
    const char *question = memchr(path, '?', (size_t)(url.ptr + url.len - path));
    struct endpoint_request request = {
        .method = slice_from_cstr(method),
        .path = {path, (size_t)(question - path)},
        .query = value ? substituted_query(url, value) : query_of(url),
    };
    struct endpoint_reply reply;
    notice_handle(&handler, &request, &arena, &reply);
    return reply;
}

#define ck_assert_reply(reply, status_code, expected_body)                                   \
    do {                                                                                     \
        struct endpoint_reply reply_ = (reply);                                              \
        ck_assert_int_eq(reply_.status, status_code);                                        \
        ck_assert_msg(reply_.body.len == strlen(expected_body) &&                            \
                          memcmp(reply_.body.data, expected_body, reply_.body.len) == 0,     \
                      "body %.*s", (int)reply_.body.len, reply_.body.data);                  \
    } while (0)

static struct ledger_account_state account(size_t campaign)
{
    struct ledger_account_state state;
    ck_assert(ledger_account_state(ledger, set.campaigns[campaign].id, &state));
    return state;
}

START_TEST(win_commits_once_and_repeats_are_ignored)
{
    struct bid bid = reserved_bid(0, "u1");
    ck_assert_int_eq(account(0).reserved_micros, 2500);
    ck_assert_reply(call("GET", bid.nurl, "1.2"), 200, "{\"status\":\"committed\"}\n");
    struct ledger_account_state state = account(0);
    ck_assert_int_eq(state.spent_total_micros, 1200);
    ck_assert_int_eq(state.reserved_micros, 0);
    ck_assert_uint_eq(state.wins, 1);
    ck_assert_reply(call("GET", bid.nurl, "1.2"), 200, "{\"status\":\"duplicate\"}\n");
    ck_assert_reply(call("GET", bid.nurl, "2.5"), 200, "{\"status\":\"duplicate\"}\n");
    ck_assert_reply(call("GET", bid.lurl, "1"), 200, "{\"status\":\"duplicate\"}\n");
    state = account(0);
    ck_assert_int_eq(state.spent_total_micros, 1200);
    ck_assert_int_eq(state.reserved_micros, 0);
    ck_assert_uint_eq(state.wins, 1);
}
END_TEST

START_TEST(win_then_bill_commits_once)
{
    struct bid bid = reserved_bid(0, "u1");
    ck_assert_reply(call("GET", bid.nurl, "2"), 200, "{\"status\":\"committed\"}\n");
    ck_assert_reply(call("GET", bid.burl, "2"), 200, "{\"status\":\"duplicate\"}\n");
    struct ledger_account_state state = account(0);
    ck_assert_int_eq(state.spent_total_micros, 2000);
    ck_assert_uint_eq(state.wins, 1);
    ck_assert_uint_eq(state.impressions, 1);
    /* the other way round: the bill commits, the win is the repeat */
    struct bid second = reserved_bid(0, "u2");
    ck_assert_reply(call("GET", second.burl, "0.5"), 200, "{\"status\":\"committed\"}\n");
    ck_assert_reply(call("GET", second.nurl, "0.5"), 200, "{\"status\":\"duplicate\"}\n");
    ck_assert_int_eq(account(0).spent_total_micros, 2500);
}
END_TEST

START_TEST(loss_releases_the_reservation)
{
    struct bid bid = reserved_bid(0, "u1");
    ck_assert_reply(call("GET", bid.lurl, "102"), 200, "{\"status\":\"released\"}\n");
    struct ledger_account_state state = account(0);
    ck_assert_int_eq(state.reserved_micros, 0);
    ck_assert_int_eq(state.spent_total_micros, 0);
    ck_assert_reply(call("GET", bid.lurl, "102"), 200, "{\"status\":\"duplicate\"}\n");
    /* a win after the loss finds the bid settled */
    ck_assert_reply(call("GET", bid.nurl, "1"), 200, "{\"status\":\"duplicate\"}\n");
    ck_assert_int_eq(account(0).spent_total_micros, 0);
}
END_TEST

START_TEST(unknown_reservations_are_refused)
{
    struct bid bid = reserved_bid(0, "u1");
    /* properly signed, but never reserved */
    struct bid never = {.imp = &imp, .campaign = &set.campaigns[0], .price_micros = 2500000};
    add_urls(&never, 424242, start_ms);
    ck_assert_reply(call("GET", never.nurl, "1"), 404, "{\"error\":\"unknown bid\"}\n");
    ck_assert_reply(call("GET", never.lurl, "1"), 404, "{\"error\":\"unknown bid\"}\n");
    /* the reservation of one campaign named with another campaign's id */
    const char *r = strstr(bid.nurl.ptr, "&r=") + 3;
    struct bid crossed = {.imp = &imp, .campaign = &set.campaigns[1], .price_micros = 1000000};
    add_urls(&crossed, strtoull(r, NULL, 10), start_ms);
    ck_assert_reply(call("GET", crossed.nurl, "1"), 404, "{\"error\":\"unknown bid\"}\n");
    ck_assert_int_eq(account(0).reserved_micros, 2500);
    ck_assert_int_eq(account(0).spent_total_micros, 0);
    ck_assert_int_eq(account(1).spent_total_micros, 0);
}
END_TEST

START_TEST(refused_notices_change_nothing)
{
    struct bid bid = reserved_bid(0, "u1");
    struct endpoint_reply reply = call("GET", bid.nurl, "2.6");
    ck_assert_int_eq(reply.status, 400);
    ck_assert_reply(reply, 400, "{\"error\":\"price: 2.6 is above the bid's own price 2.5\"}\n");
    char *forged = arena_strndup(&arena, bid.nurl.ptr, bid.nurl.len);
    char *p = strstr(forged, "&p=2500000");
    memcpy(p, "&p=9500000", 10);
    ck_assert_reply(call("GET", slice_from_cstr(forged), "9"), 403,
                    "{\"error\":\"s: signature does not match\"}\n");
    ck_assert_reply(call("GET", bid.nurl, "${AUCTION_PRICE}"), 400,
                    "{\"error\":\"price: the exchange did not substitute ${AUCTION_PRICE}\"}\n");
    reply = call("POST", bid.nurl, "1");
    ck_assert_int_eq(reply.status, 405);
    ck_assert_str_eq(reply.extra_headers, "Allow: GET\r\n");
    struct ledger_account_state state = account(0);
    ck_assert_int_eq(state.reserved_micros, 2500);
    ck_assert_int_eq(state.spent_total_micros, 0);
    ck_assert_uint_eq(state.wins, 0);
    /* and the bid can still be won */
    ck_assert_reply(call("GET", bid.nurl, "2.5"), 200, "{\"status\":\"committed\"}\n");
}
END_TEST

START_TEST(late_win_after_expiry)
{
    struct bid bid = reserved_bid(0, "u1");
    manual_clock_advance(&manual, 121000);
    ledger_tick(ledger, clock_now_ms(&manual.clock));
    ck_assert_int_eq(account(0).reserved_micros, 0);
    ck_assert_reply(call("GET", bid.nurl, "1"), 200, "{\"status\":\"late_committed\"}\n");
    ck_assert_int_eq(account(0).spent_total_micros, 1000);
    ck_assert_reply(call("GET", bid.burl, "1"), 200, "{\"status\":\"duplicate\"}\n");
    ck_assert_int_eq(account(0).spent_total_micros, 1000);
}
END_TEST

START_TEST(other_paths_and_no_ledger)
{
    struct bid bid = reserved_bid(0, "u1");
    struct endpoint_request request = {.method = SLICE_LITERAL("GET"),
                                       .path = SLICE_LITERAL("/v1/notice/click"),
                                       .query = query_of(bid.nurl)};
    struct endpoint_reply reply;
    notice_handle(&handler, &request, &arena, &reply);
    ck_assert_int_eq(reply.status, 404);
    ck_assert(notice_path(SLICE_LITERAL("/v1/notice/win")));
    ck_assert(!notice_path(SLICE_LITERAL("/v1/notices/win")));
    handler.ledger = NULL;
    ck_assert_reply(call("GET", bid.nurl, "1"), 200, "{\"status\":\"accepted\"}\n");
    ck_assert_int_eq(account(0).reserved_micros, 2500);
}
END_TEST

Suite *notice_suite(void)
{
    Suite *suite = suite_create("notice");
    TCase *signer_case = tcase_create("signer");
    tcase_add_checked_fixture(signer_case, setup, teardown);
    tcase_add_test(signer_case, base_url_from_public_url_or_listen);
    tcase_add_test(signer_case, key_from_hex);
    tcase_add_test(signer_case, key_kept_in_the_data_directory);
    suite_add_tcase(suite, signer_case);
    TCase *parse_case = tcase_create("parse");
    tcase_add_checked_fixture(parse_case, setup, teardown);
    tcase_add_test(parse_case, urls_carry_the_signed_bid_and_the_macros);
    tcase_add_test(parse_case, signature_is_the_documented_hmac);
    tcase_add_test(parse_case, every_bid_of_a_response_gets_its_own_urls);
    tcase_add_test(parse_case, win_round_trip);
    tcase_add_test(parse_case, loss_round_trip);
    tcase_add_test(parse_case, prices_in_the_forms_exchanges_send);
    tcase_add_test(parse_case, prices_refused_with_a_reason);
    tcase_add_test(parse_case, price_above_the_bid_is_refused);
    tcase_add_test(parse_case, forged_signature);
    tcase_add_test(parse_case, signature_of_another_key);
    tcase_add_test(parse_case, altered_parameters);
    tcase_add_test(parse_case, malformed_queries);
    suite_add_tcase(suite, parse_case);
    TCase *endpoint_case = tcase_create("endpoint");
    tcase_add_checked_fixture(endpoint_case, ledger_setup, ledger_teardown);
    tcase_add_test(endpoint_case, win_commits_once_and_repeats_are_ignored);
    tcase_add_test(endpoint_case, win_then_bill_commits_once);
    tcase_add_test(endpoint_case, loss_releases_the_reservation);
    tcase_add_test(endpoint_case, unknown_reservations_are_refused);
    tcase_add_test(endpoint_case, refused_notices_change_nothing);
    tcase_add_test(endpoint_case, late_win_after_expiry);
    tcase_add_test(endpoint_case, other_paths_and_no_ledger);
    suite_add_tcase(suite, endpoint_case);
    return suite;
}
