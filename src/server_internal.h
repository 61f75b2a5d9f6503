/* Shared by src/server.c (endpoints, workers) and src/connection.c (connections on
 * libevent events, HTTP/1.1 framing). Nothing outside these two files includes it. */
#ifndef GEOBID_SERVER_INTERNAL_H
#define GEOBID_SERVER_INTERNAL_H

#include "geobid/admin.h"
#include "geobid/arena.h"
#include "geobid/http1.h"
#include "geobid/server.h"

#include <event2/event.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct connection;
struct worker;

/* Answers one complete request (a listener's endpoints). */
typedef void route_fn(struct connection *conn, const struct http1_request *request);

/* Given a request whose head is in but not its body, true when the listener would read
 * the body (so 100 Continue is worth sending); false when route answers from the head
 * alone (404, 405, 415...). */
typedef bool wants_body_fn(const struct http1_request *request);

/* One client connection. Bytes in[in_start..in_len) are received and not yet parsed;
 * out[out_sent..out_len) are responses not yet written. */
struct connection {
    struct worker *worker;
    struct connection *prev, *next; /* the worker's list of open connections */
    int fd;
    struct event *read_event, *write_event;
    char *in;
    size_t in_start, in_len, in_cap;
    size_t in_wanted;   /* parse again once this many unparsed bytes are in */
    struct http1_progress in_progress; /* chunked body of the request being received */
    char *out;
    size_t out_sent, out_len, out_cap;
    int64_t deadline_ms; /* closed by the worker's timer after this */
    bool counted;        /* in server->open_connections */
    bool waiting_to_write; /* socket full: write event armed, reading paused */
    bool closing;        /* close once the pending output is written */
    bool lingering;      /* output done and shut down: discard input until EOF */
    bool continue_sent;  /* 100 Continue sent for the request being received */
    /* the request being answered */
    bool http10, head_only;
};

/* Bid-listener latency buckets (upper bounds, microseconds) of /metrics. */
#define SERVER_LATENCY_BOUNDS_US {100, 250, 500, 1000, 2500, 5000, 10000}
enum { server_latency_buckets = 8 /* the bounds above, then +Inf */ };

/* What a worker counts for /metrics. Only the worker's thread writes (relaxed); the
 * admin thread reads and sums over the workers, so no counter is shared on the hot path. */
struct worker_metrics {
    _Atomic uint64_t responses[6];          /* by status class: [2] = 2xx ... [5] = 5xx */
    _Atomic uint64_t bids, no_bids, bad_requests;
    _Atomic uint64_t refused_connections;   /* 503 over --max-connections */
    _Atomic uint64_t latency[server_latency_buckets];
    _Atomic uint64_t latency_sum_us;
};

/* Adds one to a counter only its worker's thread writes. */
static inline void worker_metrics_add(_Atomic uint64_t *counter, uint64_t amount)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + amount,
                          memory_order_relaxed);
}

struct worker {
    struct worker_metrics metrics;
    pthread_t thread;
    struct event_base *base;
    struct event *accept_event, *tick_event, *stop_event;
    struct event *accept_retry_event; /* re-arms accept_event after EMFILE and the like */
    route_fn *route;
    wants_body_fn *wants_body;
    bool counts_connections; /* the bid listener applies --max-connections */
    bool stopping;
    struct http1_limits parse_limits;
    size_t max_input_bytes; /* a connection's receive buffer never grows beyond */
    struct arena arena;
    struct connection *connections;
    struct server *server;
};

struct server {
    const struct bidder *bidder;
    struct admin admin_api;
    struct server_limits limits;
    atomic_size_t open_connections;
    int listen_fd;
    int admin_fd;
    struct worker *workers;
    int worker_count;
    struct worker admin;
};

/* ---- connection.c: events of a worker's event_base -------------------------------- */

/* Accept event of a worker's listening socket (arg: the worker): accepts what is
 * pending, refusing bid connections beyond --max-connections with a 503 written at once
 * (no connection state). When accept fails for lack of descriptors or memory it removes
 * itself and arms accept_retry_event (100 ms) rather than wake again at once. */
void connection_on_acceptable(evutil_socket_t fd, short what, void *arg);

/* One-shot timer of a worker (arg: the worker): adds the accept event again. */
void connection_on_accept_retry(evutil_socket_t fd, short what, void *arg);

/* Periodic timer of a worker (arg: the worker): closes connections past their deadline. */
void connection_on_tick(evutil_socket_t fd, short what, void *arg);

/* Stop event of a worker (arg: the worker), activated from the main thread: stops
 * accepting, closes idle connections, lets pending responses finish, and breaks the
 * loop once no connection is left. */
void connection_on_stop(evutil_socket_t fd, short what, void *arg);

/* Closes and frees conn (gives back its --max-connections slot). */
void connection_close(struct connection *conn);

/* ---- connection.c: building the response to the request being answered ----------- */

/* Appends a status line; header lines may follow (connection_append_cstr() of
 * CRLF-terminated lines), then connection_reply_finish(). */
void connection_reply_start(struct connection *conn, int status);

/* Appends text (a header line) to the pending output. */
void connection_append_cstr(struct connection *conn, const char *text);

/* Ends a response: Content-Type (when not NULL), Content-Length (except for 204), the
 * Connection header the request calls for, the empty line and the body (none for
 * HEAD). The output is written when the current read has been handled. */
void connection_reply_finish(struct connection *conn, int status, const char *content_type,
                             const void *body, size_t body_len);

/* A whole response with a one-line JSON body {"error":"message"}; extra_headers is ""
 * or CRLF-terminated header lines. */
void connection_reply_error(struct connection *conn, int status, const char *extra_headers,
                            const char *message);

#endif
