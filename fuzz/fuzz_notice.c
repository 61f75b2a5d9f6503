/* Fuzz target of the notice query parser and verifier (libFuzzer; also linked into
 * fuzz/replay.c).
 *
 * One run, two properties:
 *   - the input as the query of a win, a billing and a loss notice: a refused query says
 *     why; an accepted one holds a non-empty campaign id, a currency of three capital
 *     letters, a clearing price within [0, the bid's price], a loss reason of -1 or
 *     more; and signing what was read gives back the same bid (so nothing unsigned
 *     could have slipped into it);
 *   - the input as a campaign id: its notice URLs, with the price substituted, verify
 *     and give back exactly that id.
 * The seeds in fuzz/corpus/notice/ are queries signed with the key below, so that
 * mutations reach the price and reason readers behind the signature check. */
#include "geobid/campaign.h"
#include "geobid/notice.h"
#include "request_invariants.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_NOTICE_KEY "4242424242424242424242424242424242424242424242424242424242424242"

static struct arena arena;
static struct notice_signer signer;
static bool ready;

static struct slice query_of(struct slice url)
{
    const char *question = memchr(url.ptr, '?', url.len);
    FUZZ_CHECK(question != NULL);
    return (struct slice){question + 1, (size_t)(url.ptr + url.len - question - 1)};
}

/* Signs notice's bid again and checks that the URLs read back as the same bid. */
static void check_signs_back(const struct notice *notice)
{
    struct campaign campaign = {.id = notice->bid.campaign_id};
    memcpy(campaign.currency, notice->bid.currency, sizeof(campaign.currency));
    struct imp imp = {.id = SLICE_LITERAL("1")};
    struct bid bid = {.imp = &imp, .campaign = &campaign,
                      .price_micros = notice->bid.price_micros,
                      .reservation_id = notice->bid.reservation_id};
    struct bid_response response = {.bids = &bid, .bid_count = 1};
    notice_add_urls(&signer, &response, notice->bid.issued_s * 1000, &arena);
    struct notice again;
    struct error err;
    FUZZ_CHECK(notice_parse(&signer, NOTICE_LOSS, query_of(bid.lurl), &arena, &again, &err) ==
               NOTICE_OK);
    FUZZ_CHECK(slice_eq(again.bid.campaign_id, notice->bid.campaign_id));
    FUZZ_CHECK(again.bid.reservation_id == notice->bid.reservation_id);
    FUZZ_CHECK(again.bid.price_micros == notice->bid.price_micros);
    FUZZ_CHECK(again.bid.issued_s == notice->bid.issued_s);
    FUZZ_CHECK(strcmp(again.bid.currency, notice->bid.currency) == 0);
}

static void check_query(enum notice_kind kind, struct slice query)
{
    struct notice notice;
    struct error err = {""};
    if (notice_parse(&signer, kind, query, &arena, &notice, &err) != NOTICE_OK) {
        FUZZ_CHECK(err.message[0] != '\0');
        return;
    }
    FUZZ_CHECK(notice.kind == kind);
    FUZZ_CHECK(notice.bid.campaign_id.len > 0);
    for (int i = 0; i < 3; i++)
        FUZZ_CHECK(notice.bid.currency[i] >= 'A' && notice.bid.currency[i] <= 'Z');
    FUZZ_CHECK(notice.bid.currency[3] == '\0');
    FUZZ_CHECK(notice.price_micros >= 0 && notice.price_micros <= notice.bid.price_micros);
    FUZZ_CHECK(notice.loss_reason >= -1);
    FUZZ_CHECK(kind == NOTICE_LOSS ? notice.price_micros == 0 : notice.loss_reason == -1);
    check_signs_back(&notice);
}

/* The input as a campaign id: signed, substituted, verified, the same id. */
static void check_campaign_id(struct slice id)
{
    struct campaign campaign = {.id = id, .currency = "EUR"};
    struct imp imp = {.id = SLICE_LITERAL("1")};
    struct bid bid = {.imp = &imp, .campaign = &campaign, .price_micros = 1500000,
                      .reservation_id = 7};
    struct bid_response response = {.bids = &bid, .bid_count = 1};
    notice_add_urls(&signer, &response, 1795435200000, &arena);
    struct slice query = query_of(bid.nurl);
    const char *macro = memmem(query.ptr, query.len, "${AUCTION_PRICE}", 16);
    FUZZ_CHECK(macro != NULL && macro + 16 == query.ptr + query.len);
    char *text = arena_alloc(&arena, query.len);
    size_t prefix = (size_t)(macro - query.ptr);
    memcpy(text, query.ptr, prefix);
    memcpy(text + prefix, "1.5", 3);
    struct notice notice;
    struct error err;
    enum notice_status status = notice_parse(&signer, NOTICE_WIN, (struct slice){text, prefix + 3},
                                             &arena, &notice, &err);
    FUZZ_CHECK(id.len == 0 ? status == NOTICE_MALFORMED : status == NOTICE_OK);
    FUZZ_CHECK(id.len == 0 || (slice_eq(notice.bid.campaign_id, id) &&
                               notice.price_micros == 1500000));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        struct error err;
        arena_init(&arena, 16384);
        FUZZ_CHECK(notice_signer_init(&signer, "http://fuzz.example", NULL, FUZZ_NOTICE_KEY,
                                      &err) == 0);
        ready = true;
    }
    struct slice input = {(const char *)data, size};
    check_query(NOTICE_WIN, input);
    check_query(NOTICE_BILL, input);
    check_query(NOTICE_LOSS, input);
    check_campaign_id(input);
    arena_reset(&arena);
    return 0;
}
