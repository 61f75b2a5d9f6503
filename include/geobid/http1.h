/* An allocation-free HTTP/1.1 request parser (picohttpparser style).
 *
 * The parser reads one request from the start of a receive buffer and describes it with
 * {ptr, len} slices into that buffer and a header array the caller supplies; it keeps no
 * state between calls: when the buffer holds only part of a request it answers
 * HTTP1_NEED_MORE and the caller calls again, from the same start, with more bytes.
 * It handles the request line (HTTP/1.0 and 1.1), header fields (names compared without
 * case, optional whitespace trimmed, obs-fold rejected), Content-Length (strict digits,
 * conflicting duplicates rejected), Transfer-Encoding: chunked (extensions and trailers
 * accepted and dropped; the body is decoded in place once it is complete), the
 * keep-alive rules of both versions and Expect: 100-continue. A caller receiving a body in
 * many reads may keep a small struct http1_progress so that a chunked body is checked
 * once in all, not once per read (http1_parse_request_resume()). */
#ifndef GEOBID_HTTP1_H
#define GEOBID_HTTP1_H

#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>

/* Result of http1_parse_request(). Values >= 400 are the HTTP status to answer with
 * (then the connection cannot be trusted any further and should be closed). */
enum http1_status {
    HTTP1_COMPLETE = 0,                   /* one whole request, described in *request */
    HTTP1_NEED_MORE = -1,                 /* a prefix of a valid request: read more */
    HTTP1_BAD_REQUEST = 400,              /* malformed request line, header, length, chunk */
    HTTP1_PAYLOAD_TOO_LARGE = 413,        /* body (decoded) above max_body_bytes */
    HTTP1_URI_TOO_LONG = 414,             /* request target above max_target_bytes */
    HTTP1_HEADERS_TOO_LARGE = 431,        /* head/trailers above max_head_bytes, or too
                                             many header fields for the caller's array */
    HTTP1_NOT_IMPLEMENTED = 501,          /* a Transfer-Encoding other than chunked */
    HTTP1_VERSION_NOT_SUPPORTED = 505,    /* HTTP/x.y other than 1.0 and 1.1 */
};

struct http1_limits {
    size_t max_head_bytes;   /* request line + header fields + final CRLF; also trailers */
    size_t max_target_bytes; /* request target (path and query) */
    size_t max_body_bytes;   /* body after chunked decoding */
};

struct http1_header {
    struct slice name;  /* as sent (compare with slice_eq_nocase) */
    struct slice value; /* leading and trailing spaces/tabs removed */
};

struct http1_request {
    struct slice method;        /* e.g. "POST", case-sensitive as HTTP says */
    struct slice target;        /* request target as sent: "/openrtb2/bid?x=1" */
    struct slice path;          /* target's path: no query, no "http://host" prefix
                                   (empty for "http://host" alone) */
    int minor_version;          /* 0 or 1 */
    struct http1_header *headers;
    size_t header_count;
    struct slice body;          /* decoded body (inside the buffer); len 0 when none */
    size_t content_length;      /* Content-Length when given, else 0 */
    bool chunked;               /* Transfer-Encoding: chunked */
    bool keep_alive;            /* the connection may carry another request after this */
    bool expect_continue;       /* Expect: 100-continue was sent (HTTP/1.1) */
    bool expect_unknown;        /* an Expect other than 100-continue (HTTP/1.1): the
                                   caller answers 417 Expectation Failed */
    size_t head_bytes;          /* size of the head once complete, else 0 */
    size_t consumed;            /* COMPLETE: bytes of the buffer this request used.
                                   NEED_MORE: lower bound of the bytes needed (0 when
                                   unknown), so a caller may wait until it has them */
};

/* Parses the request at buf[0..len). headers[0..header_capacity) receives the header
 * fields. Returns HTTP1_COMPLETE (request filled; the bytes buf[0..request->consumed)
 * belong to it, and for a chunked body buf was rewritten in place so that request->body
 * is contiguous - nothing before consumed may be parsed again), HTTP1_NEED_MORE
 * (buf untouched; request->head_bytes, expect_continue and consumed say what is known),
 * or an error status (buf untouched). Never reads buf[len] or beyond, never allocates. */
enum http1_status http1_parse_request(char *buf, size_t len, const struct http1_limits *limits,
                                      struct http1_header *headers, size_t header_capacity,
                                      struct http1_request *request);

/* How far an incomplete chunked body has been checked, so that the next call need not
 * check it again: without it every read of a body sent in many small chunks would
 * re-scan all chunks received so far (quadratic). Start from {0} for each request; keep
 * it (opaque) between calls on the same request, whose bytes before the old length must
 * not change; reset it to {0} once the request is complete or failed. */
struct http1_progress {
    size_t chunk_offset;  /* offset, from the end of the head, of the next chunk-size
                             line not yet checked (0: start of the body) */
    size_t decoded_bytes; /* data bytes of the chunks before chunk_offset */
};

/* Like http1_parse_request(), resuming a chunked body from *progress (which may be
 * NULL: check from the start). On HTTP1_NEED_MORE for a chunked body *progress is
 * advanced to the last chunk boundary checked; otherwise it is left as it was. The head
 * is still parsed again on every call (it is bounded by max_head_bytes). */
enum http1_status http1_parse_request_resume(char *buf, size_t len,
                                             const struct http1_limits *limits,
                                             struct http1_header *headers,
                                             size_t header_capacity,
                                             struct http1_request *request,
                                             struct http1_progress *progress);

/* Returns the value of the first header named name (ASCII case ignored) in request, or
 * false when there is none. */
bool http1_find_header(const struct http1_request *request, const char *name,
                       struct slice *value);

/* Returns a short lower-case English description of status ("malformed request", ...),
 * never NULL, for error bodies and logs. */
const char *http1_strerror(enum http1_status status);

/* Returns the reason phrase of an HTTP status code ("OK", "Not Found"...), "Unknown"
 * for codes this server never sends. */
const char *http1_reason(int status_code);

#endif
