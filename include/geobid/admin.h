/* The management API, served on the admin listener (--admin-listen).
 *
 * Every endpoint but GET /healthz requires "Authorization: Bearer <token>" when a token
 * is configured (--admin-token or GEOBID_ADMIN_TOKEN); without one, the listener may
 * only bind a loopback address (config_validate_admin()), so only local processes reach
 * it. Answers are JSON; errors are {"error": "..."} with 400, 401, 404, 405, 413. */
#ifndef GEOBID_ADMIN_H
#define GEOBID_ADMIN_H

#include "geobid/arena.h"
#include "geobid/bidder.h"
#include "geobid/endpoint.h"
#include "geobid/server.h"

#include <stdbool.h>

struct admin {
    const struct bidder *bidder;  /* the snapshot and the stores behind it */
    const char *token;            /* required bearer token; NULL: none */
    const struct server *server;  /* whose counters /metrics shows; NULL: none */
};

/* Answers one management request into reply (allocated in arena). */
void admin_handle(const struct admin *admin, const struct endpoint_request *request,
                  struct arena *arena, struct endpoint_reply *reply);

/* True when admin_handle() would read request's body (so it is worth receiving): a
 * method that carries one, to an endpoint that takes one. */
bool admin_wants_body(const struct endpoint_request *request);

#endif
