/* Is an answer a correct OpenRTB answer to the request it answers?
 *
 * 200: Content-Type of the request's format, a body that parses (JSON with the project's
 * reader, protobuf with protobuf-c), whose id echoes the request id, and whose every
 * bid names an imp of the request and has an id and a price. A 200 without any bid is a
 * valid no-bid (OpenRTB allows it besides 204). 204: an empty body. Any other 1xx/2xx
 * is invalid; 3xx, 4xx and 5xx are errors (the bidder refused or failed), not
 * malformed answers. */
#ifndef GEOBID_LOAD_VALIDATE_H
#define GEOBID_LOAD_VALIDATE_H

#include "http_response.h"
#include "request_pool.h"
#include "wire.h"

#include "geobid/arena.h"

enum verdict {
    VERDICT_BID,          /* valid, with at least one bid */
    VERDICT_NO_BID,       /* valid no-bid: 204, or 200 without bids */
    VERDICT_INVALID,      /* malformed or not matching the request */
    VERDICT_ERROR_STATUS, /* 3xx, 4xx, 5xx */
};

/* Judges response as the answer to request in format. Scratch allocations go to
 * scratch (the caller resets it). On VERDICT_INVALID, *reason (when not NULL) says why,
 * in a static string. */
enum verdict validate_response(const struct http_response *response,
                               const struct pooled_request *request, enum wire_format format,
                               struct arena *scratch, const char **reason);

#endif
