/* A small, strict HTTP/1.1 response parser for the load generator's client.
 *
 * It reads what geobid (and any sane server) sends: a status line, header lines ending
 * in CRLF, and a body framed by Content-Length (none for 1xx, 204 and 304). Anything
 * else — chunked or close-delimited bodies, folded or malformed header lines, bare LFs,
 * conflicting lengths — is reported invalid rather than guessed at, because a
 * benchmark must not count a broken answer as served. The parser copies nothing: the
 * result points into the caller's buffer (picohttpparser style). */
#ifndef GEOBID_LOAD_HTTP_RESPONSE_H
#define GEOBID_LOAD_HTTP_RESPONSE_H

#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>

enum http_parse_result {
    HTTP_PARSE_COMPLETE,   /* a whole response is in the buffer */
    HTTP_PARSE_INCOMPLETE, /* more bytes needed; nothing consumed */
    HTTP_PARSE_INVALID,    /* not a response this parser accepts; close the connection */
};

struct http_response {
    int status;               /* 100..999 */
    bool keep_alive;          /* false after "Connection: close" or an HTTP/1.0 reply */
    struct slice content_type;
    struct slice body;        /* points into the parsed buffer */
    size_t total_len;         /* bytes of the whole response: consume this many */
};

/* Longest accepted status line plus headers; a longer head is invalid. */
enum { HTTP_MAX_HEAD_BYTES = 16 * 1024, HTTP_MAX_BODY_BYTES = 16 * 1024 * 1024 };

/* Parses the response at the start of data[0..len). On HTTP_PARSE_COMPLETE fills out
 * (slices into data). On HTTP_PARSE_INVALID, *reason (when not NULL) names the problem
 * in a static string. */
enum http_parse_result http_response_parse(const char *data, size_t len,
                                           struct http_response *out, const char **reason);

#endif
