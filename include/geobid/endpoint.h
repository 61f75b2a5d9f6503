/* An HTTP exchange as endpoint handlers see it, apart from connections and framing:
 * the server turns a parsed request into a struct endpoint_request, a handler fills a
 * struct endpoint_reply, the server writes it. Handlers are plain functions that tests
 * call directly. */
#ifndef GEOBID_ENDPOINT_H
#define GEOBID_ENDPOINT_H

#include "geobid/arena.h"
#include "geobid/outbuf.h"
#include "geobid/slice.h"

#include <stddef.h>

struct endpoint_request {
    struct slice method;         /* "GET", "POST"... */
    struct slice path;           /* without the query */
    struct slice query;          /* after '?', empty when none */
    struct slice content_type;   /* empty when absent */
    struct slice authorization;  /* the Authorization header, empty when absent */
    struct slice body;
};

struct endpoint_reply {
    int status;
    const char *content_type;    /* NULL: no body */
    const char *extra_headers;   /* "" or CRLF-terminated header lines */
    struct outbuf body;
};

/* Starts reply as a status with an empty body of content_type in arena. */
void endpoint_reply_init(struct endpoint_reply *reply, struct arena *arena, int status,
                         const char *content_type);

/* Makes reply a status with the one-line JSON body {"error":"message"}. */
void endpoint_reply_error(struct endpoint_reply *reply, struct arena *arena, int status,
                          const char *message);

/* Splits path into its '/'-separated segments and matches them against pattern, where
 * a "*" segment matches any one non-empty segment and is stored, percent-decoded (in
 * arena), into params[0..max_params). Returns true on a match. "/v1/users/a%2Fb"
 * matches "/v1/users/ *" with params[0] = "a/b"; a malformed %-escape never matches. */
bool endpoint_path_match(struct slice path, const char *pattern, struct arena *arena,
                         struct slice *params, size_t max_params);

/* Finds name's value in an application/x-www-form-urlencoded query ("a=1&b=2"),
 * percent-decoded (and '+' as space) in arena. Returns false when absent or malformed. */
bool endpoint_query_param(struct slice query, const char *name, struct arena *arena,
                          struct slice *value);

#endif
