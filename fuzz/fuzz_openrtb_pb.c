/* Fuzz target of the OpenRTB protobuf codec (libFuzzer; also linked into fuzz/replay.c
 * as build/fuzz-replay-pb).
 *
 * One run: decode the input in a static arena. On failure the error must be a message.
 * On success, check what every consumer of struct bid_request relies on
 * (fuzz/request_invariants.c) and what the protobuf decoder promises on top (every
 * string a NUL-terminated arena copy, never a pointer into the input); then encode a
 * response bidding on every imp with the request's own strings, unpack it with the
 * generated code and check it round-trips; then reset the arena. Any failed invariant
 * aborts, which libFuzzer reports as a crash. */
#include "geobid/openrtb_pb.h"
#include "openrtb.pb-c.h"
#include "request_invariants.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena arena;
static bool arena_ready;

/* What the protobuf decoder promises on top of fuzz_check_request(): an absent geo has
 * accuracy -1, only an app has a bundle and only a site a page, every floor is at most
 * 10^18 micros; gpp_sid is read whole so that ASan checks its length. */
static void check_protobuf_promises(const struct bid_request *request)
{
    FUZZ_CHECK(request->device.geo.present || request->device.geo.accuracy_m == -1);
    FUZZ_CHECK(request->user.geo.present || request->user.geo.accuracy_m == -1);
    const struct inventory *inventory = &request->inventory;
    FUZZ_CHECK(inventory->kind == INVENTORY_APP || inventory->bundle.len == 0);
    FUZZ_CHECK(inventory->kind == INVENTORY_SITE || inventory->page.len == 0);
    for (size_t i = 0; i < request->imp_count; i++)
        FUZZ_CHECK(request->imps[i].bidfloor_micros <= 1000000000000000000);
    for (size_t i = 0; i < request->regs.gpp_sid_count; i++)
        (void)request->regs.gpp_sid[i];
}

/* Encodes one bid per imp made of the request's own strings, unpacks the bytes with
 * the generated code and checks that ids, imp ids and prices come back. */
static void check_encode(const struct bid_request *request)
{
    struct bid_response response;
    fuzz_bid_on_every_imp(request, &arena, &response);
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    openrtb_pb_encode(&response, &out);

    Com__Google__Openrtb__BidResponse *decoded = com__google__openrtb__bid_response__unpack(
        NULL, out.len, (const uint8_t *)out.data);
    FUZZ_CHECK(decoded != NULL);
    FUZZ_CHECK(slice_eq_cstr(request->id, decoded->id));
    FUZZ_CHECK(decoded->n_seatbid == 1 && decoded->seatbid[0]->n_bid == request->imp_count);
    for (size_t i = 0; i < request->imp_count; i++) {
        const Com__Google__Openrtb__BidResponse__SeatBid__Bid *bid = decoded->seatbid[0]->bid[i];
        FUZZ_CHECK(slice_eq_cstr(request->imps[i].id, bid->impid));
        int64_t micros = request->imps[i].bidfloor_micros;
        if (micros < 1000000000000000) /* a double holds these exactly enough */
            FUZZ_CHECK(llround(bid->price * 1e6) == micros);
    }
    com__google__openrtb__bid_response__free_unpacked(decoded, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        arena_init(&arena, 16384);
        arena_ready = true;
    }
    struct bid_request request;
    struct error err;
    if (openrtb_pb_decode((const char *)data, size, &arena, &request, &err) == 0) {
        struct fuzz_input input = {(const char *)data, size, FUZZ_SLICES_COPIED_WITH_NUL};
        fuzz_check_request(&request, &input);
        check_protobuf_promises(&request);
        check_encode(&request);
    } else {
        FUZZ_CHECK(err.message[0] != '\0' && strlen(err.message) < sizeof(err.message));
    }
    arena_reset(&arena);
    return 0;
}
