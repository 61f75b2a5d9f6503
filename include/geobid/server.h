/* The HTTP front end: geobid's own HTTP/1.1 layer (http1.h) on libevent events.
 *
 * Bid traffic: one listening socket shared by N worker threads, each with its own
 * event_base, connections and request arena; whichever idle worker wakes first
 * accepts a new connection, so a few long-lived keep-alive connections from an
 * exchange still spread over the workers (SO_REUSEPORT would hash them to fixed
 * threads). Management traffic: a separate listener on its own thread.
 *
 * Endpoints: POST /openrtb2/bid (JSON or protobuf by Content-Type; gzip accepted),
 * GET /v1/notice/{win,bill,loss} on the bid listener when the bidder signs notice URLs
 * (notice.h), GET /healthz on both listeners; the admin API (admin.h) on the admin listener. Errors carry a one-line JSON body: 400, 404, 405
 * (with Allow), 413, 415, 417, 431, 503 when over --max-connections. */
#ifndef GEOBID_SERVER_H
#define GEOBID_SERVER_H

#include "geobid/bidder.h"
#include "geobid/error.h"
#include "geobid/outbuf.h"

#include <stddef.h>
#include <sys/socket.h>

struct server_limits {
    size_t max_body_bytes;     /* request body after decompression */
    size_t max_header_bytes;   /* all request headers together */
    int timeout_ms;            /* read/write timeout of a connection */
    size_t max_connections;    /* open connections with requests, all workers together */
    size_t admin_max_body_bytes; /* admin request body (segment uploads) */
};

struct server_config {
    const char *listen;        /* "HOST:PORT" or "[V6]:PORT" for bid traffic */
    const char *admin_listen;  /* same form, management */
    const char *admin_token;   /* bearer token of the admin API; NULL: none */
    int threads;               /* worker threads for bid traffic, >= 1 */
    struct server_limits limits;
};

struct server;

/* Binds both listeners and starts the worker threads. Returns NULL with a message in
 * err when an address cannot be parsed or bound. bidder must outlive the server. */
struct server *server_start(const struct server_config *config, const struct bidder *bidder,
                            struct error *err);

/* Blocks until SIGINT or SIGTERM, then stops the workers (in-flight requests finish)
 * and frees the server. Call from the main thread after server_start(). */
void server_wait_and_stop(struct server *server);

/* Appends the bid listener's counters in the Prometheus text format (version 0.0.4) to
 * out: bid outcomes, handling-time histogram, connections, responses by status class.
 * Safe to call from any thread while the server runs. */
void server_write_metrics(const struct server *server, struct outbuf *out);

/* Parses "HOST:PORT" / "[V6]:PORT" into a socket address. Returns 0 or -1 with err. */
int server_parse_address(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                         struct error *err);

#endif
