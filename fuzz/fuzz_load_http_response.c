/* Fuzz target of the load generator's HTTP response parser (libFuzzer; also linked into
 * fuzz/replay.c).
 *
 * One run: parse the input as a response. A complete response lies within the input,
 * its body within the response; an invalid one says why; an incomplete one must stay
 * incomplete for every shorter prefix too (the client only ever re-parses a buffer that
 * has grown). Any failed invariant aborts, which libFuzzer reports as a crash. */
#include "../loadtest/http_response.h"
#include "request_invariants.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    struct http_response response;
    const char *reason = NULL;
    switch (http_response_parse(text, size, &response, &reason)) {
    case HTTP_PARSE_COMPLETE:
        FUZZ_CHECK(response.total_len > 0 && response.total_len <= size);
        FUZZ_CHECK(response.status >= 100 && response.status <= 999);
        FUZZ_CHECK(response.body.len == 0 ||
                   (response.body.ptr >= text &&
                    response.body.ptr + response.body.len <= text + response.total_len));
        break;
    case HTTP_PARSE_INVALID:
        FUZZ_CHECK(reason != NULL);
        break;
    case HTTP_PARSE_INCOMPLETE:
        if (size > 0)
            FUZZ_CHECK(http_response_parse(text, size - 1, &response, &reason) !=
                       HTTP_PARSE_COMPLETE);
        break;
    }
    return 0;
}
