/* Fuzz target of the HTTP/1.1 request parser (libFuzzer; also linked into fuzz/replay.c).
 *
 * One run parses the input as a connection's receive buffer would hold it: request
 * after request (pipelining) until one is incomplete or wrong. Invariants: every slice
 * lies inside the input, a complete request consumes at least one byte and no more than
 * it was given, the decoded body is no larger than the limit or than its wire form, an
 * error is one of the documented statuses, a prefix of a complete request is never
 * an error, and parsing it a few bytes at a time (resuming chunked bodies) gives the same
 * request. The input is copied into a buffer of exactly its size (chunked bodies are
 * decoded in place), so ASan flags any read past its end. */
#include "geobid/http1.h"
#include "request_invariants.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { header_capacity = 32 };

static const struct http1_limits limits = {
    .max_head_bytes = 4096, .max_target_bytes = 1024, .max_body_bytes = 4096};

static void check_slice(struct slice s, const char *start, size_t len)
{
    if (s.len == 0)
        return;
    FUZZ_CHECK(s.ptr >= start && s.ptr + s.len <= start + len);
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < s.len; i++)
        sum = (unsigned char)(sum + (unsigned char)s.ptr[i]);
    (void)sum;
}

static void check_request(const struct http1_request *request, const char *buf, size_t len)
{
    FUZZ_CHECK(request->consumed > 0 && request->consumed <= len);
    check_slice(request->method, buf, request->consumed);
    check_slice(request->target, buf, request->consumed);
    check_slice(request->path, buf, request->consumed);
    check_slice(request->body, buf, request->consumed);
    FUZZ_CHECK(request->method.len > 0 && request->target.len > 0);
    FUZZ_CHECK(request->target.len <= limits.max_target_bytes);
    FUZZ_CHECK(request->minor_version == 0 || request->minor_version == 1);
    FUZZ_CHECK(request->header_count <= header_capacity);
    FUZZ_CHECK(request->body.len <= limits.max_body_bytes);
    FUZZ_CHECK(request->head_bytes <= limits.max_head_bytes);
    FUZZ_CHECK(request->chunked || request->body.len == request->content_length);
    for (size_t i = 0; i < request->header_count; i++) {
        check_slice(request->headers[i].name, buf, request->consumed);
        check_slice(request->headers[i].value, buf, request->consumed);
        FUZZ_CHECK(request->headers[i].name.len > 0);
    }
}

static bool is_error(enum http1_status status)
{
    switch (status) {
    case HTTP1_BAD_REQUEST:
    case HTTP1_PAYLOAD_TOO_LARGE:
    case HTTP1_URI_TOO_LONG:
    case HTTP1_HEADERS_TOO_LARGE:
    case HTTP1_NOT_IMPLEMENTED:
    case HTTP1_VERSION_NOT_SUPPORTED:
        return true;
    default:
        return false;
    }
}

/* A prefix of a request that parsed complete must parse as "need more". */
static void check_prefix(const char *original, size_t consumed)
{
    if (consumed < 2)
        return;
    size_t len = consumed / 2;
    char *copy = malloc(len);
    memcpy(copy, original, len);
    struct http1_header headers[header_capacity];
    struct http1_request request;
    FUZZ_CHECK(http1_parse_request(copy, len, &limits, headers, header_capacity, &request) ==
               HTTP1_NEED_MORE);
    free(copy);
}

/* Parsing a request as a connection receives it, a few bytes per read with the chunk
 * progress kept between reads, must give what one parse of all its bytes gave. */
static void check_resumed(const char *original, size_t len, const struct http1_request *whole)
{
    char *copy = malloc(len);
    memcpy(copy, original, len);
    struct http1_progress progress = {0};
    struct http1_header headers[header_capacity];
    struct http1_request request;
    enum http1_status status = HTTP1_NEED_MORE;
    size_t have = 0;
    for (size_t step = 1; status == HTTP1_NEED_MORE && have < len; step = step % 7 + 1) {
        have = have + step < len ? have + step : len;
        status = http1_parse_request_resume(copy, have, &limits, headers, header_capacity,
                                            &request, &progress);
    }
    FUZZ_CHECK(status == HTTP1_COMPLETE);
    FUZZ_CHECK(request.consumed == whole->consumed && request.body.len == whole->body.len);
    FUZZ_CHECK(request.body.len == 0 ||
               memcmp(request.body.ptr, whole->body.ptr, request.body.len) == 0);
    free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *buf = malloc(size ? size : 1);
    memcpy(buf, data, size);
    size_t at = 0;
    while (at < size) {
        struct http1_header headers[header_capacity];
        struct http1_request request;
        enum http1_status status = http1_parse_request(buf + at, size - at, &limits, headers,
                                                       header_capacity, &request);
        FUZZ_CHECK(http1_strerror(status) != NULL);
        if (status != HTTP1_COMPLETE) {
            FUZZ_CHECK(status == HTTP1_NEED_MORE || is_error(status));
            break;
        }
        check_request(&request, buf + at, size - at);
        check_prefix((const char *)data + at, request.consumed);
        check_resumed((const char *)data + at, size - at, &request);
        at += request.consumed;
    }
    free(buf);
    return 0;
}
