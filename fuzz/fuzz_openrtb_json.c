/* Fuzz target of the OpenRTB JSON codec (libFuzzer; also linked into fuzz/replay.c).
 *
 * One run: decode the input in a static arena; on success check the invariants every
 * consumer of struct bid_request relies on (fuzz/request_invariants.c), encode a response bidding on every imp
 * (built from the request's own strings, so escaping gets exercised), parse that back
 * with json_parse and check it round-trips; then reset the arena. Any failed invariant
 * aborts, which libFuzzer reports as a crash. */
#include "geobid/json.h"
#include "geobid/openrtb_json.h"
#include "request_invariants.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct arena arena;
static bool arena_ready;

/* Encodes a response with one bid per imp, made of the request's own strings, and
 * checks that it is JSON (no raw control bytes) whose id round-trips. */
static void check_encode(const struct bid_request *request)
{
    struct bid_response response;
    fuzz_bid_on_every_imp(request, &arena, &response);
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    openrtb_json_encode(&response, &out);
    for (size_t i = 0; i < out.len; i++)
        FUZZ_CHECK((unsigned char)out.data[i] >= 0x20);

    struct json_doc doc;
    struct error err;
    FUZZ_CHECK(json_parse(&doc, out.data, out.len, &arena, &err) == 0);
    FUZZ_CHECK(json_is(&doc, 0, JSMN_OBJECT) && json_key_is(&doc, 1, "id"));
    struct slice id;
    FUZZ_CHECK(json_get_string(&doc, 2, &arena, &id) == 0);
    FUZZ_CHECK(slice_eq(id, request->id));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        arena_init(&arena, 16384);
        arena_ready = true;
    }
    struct bid_request request;
    struct error err;
    if (openrtb_json_decode((const char *)data, size, &arena, &request, &err) == 0) {
        struct fuzz_input input = {(const char *)data, size, FUZZ_SLICES_IN_INPUT_OR_COPIED};
        fuzz_check_request(&request, &input);
        check_encode(&request);
    } else {
        FUZZ_CHECK(err.message[0] != '\0' && strlen(err.message) < sizeof(err.message));
    }
    arena_reset(&arena);
    return 0;
}
