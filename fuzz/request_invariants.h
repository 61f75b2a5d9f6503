/* FUZZ_CHECK, shared by every fuzz target; and what the targets of both OpenRTB codecs
 * check on a decoded struct bid_request, and the response they encode from it (linked
 * into each fuzz target and its replay). */
#ifndef GEOBID_FUZZ_REQUEST_INVARIANTS_H
#define GEOBID_FUZZ_REQUEST_INVARIANTS_H

#include "geobid/arena.h"
#include "geobid/bid_request.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

/* Aborts, which libFuzzer reports as a crash, when cond is false. */
#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* Where a decoder may leave the bytes of the slices it returns. */
enum fuzz_slice_origin {
    /* Inside the input, or an unescaped arena copy: then no longer than the input
     * (unescaping shrinks) and not overlapping it (the JSON decoder). */
    FUZZ_SLICES_IN_INPUT_OR_COPIED,
    /* Always a copy outside the input, no longer than it and NUL-terminated right after
     * its last byte, so holding no NUL itself (protobuf-c's strings). */
    FUZZ_SLICES_COPIED_WITH_NUL,
};

/* The input a request was decoded from, and what its decoder promises about slices. */
struct fuzz_input {
    const char *data;
    size_t len;
    enum fuzz_slice_origin slices;
};

/* Checks what every consumer of struct bid_request relies on: an id and at least one
 * imp with an id, every count backed by an array, flags in -1..1, geo points in range
 * and present, banner and video sizes only with their object, non-negative floors, and
 * every slice placed as input->slices says. Every byte of every slice and of the format
 * array is read, so that ASan flags memory that is freed or foreign. Aborts on the
 * first failed invariant; returns only when all hold. */
void fuzz_check_request(const struct bid_request *request, const struct fuzz_input *input);

/* Fills *response with one bid per imp of request, each priced at its imp's floor, with
 * a campaign, creative and notice URLs made of the request's own strings so that the
 * encoder's escaping gets exercised. The bids, campaign and creative are allocated in arena and
 * stay valid until it is reset; response points into request as well. */
void fuzz_bid_on_every_imp(const struct bid_request *request, struct arena *arena,
                           struct bid_response *response);

#endif
