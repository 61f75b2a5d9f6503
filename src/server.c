/* The HTTP front end: worker threads, listeners, endpoints (see server.h).
 *
 * Each worker thread runs one event_base with an accept event on the shared listening
 * socket, a timer that closes connections past their deadline, and the connections it
 * accepted (src/connection.c). This file holds the endpoints and the workers' life. */
#include "server_internal.h"

#include "geobid/admin.h"
#include "geobid/alloc.h"
#include "geobid/gzip.h"
#include "geobid/notice.h"
#include "geobid/openrtb_json.h"
#include "geobid/openrtb_pb.h"

#include <event2/thread.h>

#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { listen_backlog = 1024, arena_block_bytes = 64 * 1024, max_tick_ms = 250 };

/* the OpenRTB version every bid-endpoint answer declares */
#define OPENRTB_VERSION_HEADER "x-openrtb-version: 2.6\r\n"

static void handle_healthz(struct connection *conn, const struct http1_request *request)
{
    if (!slice_eq_cstr(request->method, "GET") && !slice_eq_cstr(request->method, "HEAD")) {
        connection_reply_error(conn, 405, "Allow: GET, HEAD\r\n", "use GET");
        return;
    }
    connection_reply_start(conn, 200);
    connection_reply_finish(conn, 200, "text/plain", "ok\n", 3);
}

/* ---- the bid endpoint --------------------------------------------------------------- */

/* The request media types the bid endpoint accepts; a response is sent in the media
 * type of its request. */
struct media_type {
    const char *name;
    const struct openrtb_codec *codec;
};

static const struct media_type media_types[] = {
    {"application/json", &openrtb_json_codec},
    {"application/x-protobuf", &openrtb_pb_codec},
    {"application/protobuf", &openrtb_pb_codec},
    {"application/octet-stream", &openrtb_pb_codec},
};

/* Returns the media type of a request (Content-Type parameters such as charset
 * ignored; absent means JSON, as exchanges that omit it send JSON), or NULL when
 * unsupported. */
static const struct media_type *media_type_of(const struct http1_request *request)
{
    struct slice content_type;
    if (!http1_find_header(request, "Content-Type", &content_type))
        return &media_types[0];
    size_t len = 0;
    while (len < content_type.len && !strchr("; \t", content_type.ptr[len]))
        len++;
    struct slice name = {content_type.ptr, len};
    for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (slice_eq_nocase(name, slice_from_cstr(media_types[i].name)))
            return &media_types[i];
    return NULL;
}

/* Points body at the request body, decompressed when gzip. On failure it sends the
 * error reply itself and returns -1. */
static int read_body(struct connection *conn, const struct http1_request *request,
                     struct slice *body)
{
    struct slice encoding;
    if (!http1_find_header(request, "Content-Encoding", &encoding) ||
        slice_eq_nocase(encoding, SLICE_LITERAL("identity"))) {
        *body = request->body;
        return 0;
    }
    if (!slice_eq_nocase(encoding, SLICE_LITERAL("gzip"))) {
        connection_reply_error(conn, 415, "", "unsupported Content-Encoding");
        return -1;
    }
    struct worker *worker = conn->worker;
    switch (gzip_inflate(request->body.ptr, request->body.len,
                         worker->server->limits.max_body_bytes, &worker->arena, body)) {
    case GZIP_OK:
        return 0;
    case GZIP_TOO_LARGE:
        connection_reply_error(conn, 413, "", "decompressed body too large");
        return -1;
    case GZIP_CORRUPT:
        break;
    }
    connection_reply_error(conn, 400, "", "corrupt gzip body");
    return -1;
}

static int64_t monotonic_us(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000000 + now.tv_nsec / 1000;
}

static void count_bid_outcome(struct worker_metrics *metrics, enum bid_outcome outcome,
                              int64_t elapsed_us)
{
    static const int64_t bounds_us[] = SERVER_LATENCY_BOUNDS_US;
    size_t bucket = 0;
    while (bucket < sizeof(bounds_us) / sizeof(bounds_us[0]) && elapsed_us > bounds_us[bucket])
        bucket++;
    worker_metrics_add(&metrics->latency[bucket], 1);
    worker_metrics_add(&metrics->latency_sum_us, (uint64_t)elapsed_us);
    worker_metrics_add(outcome == BID_OUTCOME_BID      ? &metrics->bids
                       : outcome == BID_OUTCOME_NO_BID ? &metrics->no_bids
                                                       : &metrics->bad_requests,
                       1);
}

static void handle_bid(struct connection *conn, const struct http1_request *request)
{
    if (!slice_eq_cstr(request->method, "POST")) {
        connection_reply_error(conn, 405, "Allow: POST\r\n", "use POST");
        return;
    }
    const struct media_type *type = media_type_of(request);
    if (type == NULL) {
        connection_reply_error(conn, 415, "", "unsupported Content-Type");
        return;
    }
    struct slice body;
    if (read_body(conn, request, &body) != 0)
        return;
    struct outbuf response;
    struct error err;
    struct worker *worker = conn->worker;
    int64_t start_us = monotonic_us();
    enum bid_outcome outcome = bidder_handle(worker->server->bidder, type->codec, body.ptr,
                                             body.len, &worker->arena, &response, &err);
    count_bid_outcome(&worker->metrics, outcome, monotonic_us() - start_us);
    switch (outcome) {
    case BID_OUTCOME_BID:
        connection_reply_start(conn, 200);
        connection_append_cstr(conn, OPENRTB_VERSION_HEADER);
        connection_reply_finish(conn, 200, type->name, response.data, response.len);
        break;
    case BID_OUTCOME_NO_BID:
        connection_reply_start(conn, 204);
        connection_append_cstr(conn, OPENRTB_VERSION_HEADER);
        connection_reply_finish(conn, 204, NULL, NULL, 0);
        break;
    case BID_OUTCOME_BAD_REQUEST:
        connection_reply_error(conn, 400, OPENRTB_VERSION_HEADER, err.message);
        break;
    }
}

static void handle_notice(struct connection *conn, const struct http1_request *request);

/* Bid traffic: /openrtb2/bid, the notices (when the bidder signs notice URLs) and
 * /healthz. */
static void route_bid_listener(struct connection *conn, const struct http1_request *request)
{
    if (slice_eq_cstr(request->path, "/openrtb2/bid"))
        handle_bid(conn, request);
    else if (conn->worker->server->bidder->notices != NULL && notice_path(request->path))
        handle_notice(conn, request);
    else if (slice_eq_cstr(request->path, "/healthz"))
        handle_healthz(conn, request);
    else
        connection_reply_error(conn, 404, "", "no such endpoint");
}

/* The bid listener reads a body only for a POST to /openrtb2/bid in a media type and
 * content coding it accepts; every other request is answered from its head. */
static bool bid_listener_wants_body(const struct http1_request *request)
{
    struct slice encoding;
    if (!slice_eq_cstr(request->path, "/openrtb2/bid") || !slice_eq_cstr(request->method, "POST"))
        return false;
    if (media_type_of(request) == NULL)
        return false;
    return !http1_find_header(request, "Content-Encoding", &encoding) ||
           slice_eq_nocase(encoding, SLICE_LITERAL("identity")) ||
           slice_eq_nocase(encoding, SLICE_LITERAL("gzip"));
}

/* ---- endpoints written as plain handlers (endpoint.h) ---------------------------- */

static struct slice header_or_empty(const struct http1_request *request, const char *name)
{
    struct slice value = {"", 0};
    http1_find_header(request, name, &value);
    return value;
}

static struct endpoint_request endpoint_request_of(const struct http1_request *request)
{
    struct slice target = request->target;
    const char *question = memchr(target.ptr, '?', target.len);
    struct slice query = {"", 0};
    if (question != NULL)
        query = (struct slice){question + 1, (size_t)(target.ptr + target.len - question - 1)};
    return (struct endpoint_request){
        .method = request->method,
        .path = request->path,
        .query = query,
        .content_type = header_or_empty(request, "Content-Type"),
        .authorization = header_or_empty(request, "Authorization"),
        .body = request->body,
    };
}

static void send_endpoint_reply(struct connection *conn, const struct endpoint_reply *reply)
{
    connection_reply_start(conn, reply->status);
    connection_append_cstr(conn, reply->extra_headers);
    connection_reply_finish(conn, reply->status, reply->content_type, reply->body.data,
                            reply->body.len);
}

/* Win, billing and loss notices (notice.h), on the bid worker's own arena. */
static void handle_notice(struct connection *conn, const struct http1_request *request)
{
    struct worker *worker = conn->worker;
    const struct bidder *bidder = worker->server->bidder;
    struct notice_handler handler = {bidder->notices, bidder->ledger, bidder->clock};
    struct endpoint_request endpoint = endpoint_request_of(request);
    struct endpoint_reply reply;
    notice_handle(&handler, &endpoint, &worker->arena, &reply);
    send_endpoint_reply(conn, &reply);
}

static bool admin_listener_wants_body(const struct http1_request *request)
{
    struct endpoint_request endpoint = endpoint_request_of(request);
    return admin_wants_body(&endpoint);
}

/* Management traffic: the admin API (admin.h). */
static void route_admin_listener(struct connection *conn, const struct http1_request *request)
{
    struct worker *worker = conn->worker;
    struct endpoint_request endpoint = endpoint_request_of(request);
    struct endpoint_reply reply;
    admin_handle(&worker->server->admin_api, &endpoint, &worker->arena, &reply);
    send_endpoint_reply(conn, &reply);
}

/* ---- metrics ------------------------------------------------------------------------ */

#define METRIC(field) offsetof(struct worker_metrics, field)

/* The sum over the bid workers of the counter at offset in struct worker_metrics. */
static uint64_t sum_over_workers(const struct server *server, size_t offset)
{
    uint64_t sum = 0;
    for (int w = 0; w < server->worker_count; w++) {
        const _Atomic uint64_t *counter =
            (const void *)((const char *)&server->workers[w].metrics + offset);
        sum += atomic_load_explicit(counter, memory_order_relaxed);
    }
    return sum;
}

/* Appends "# HELP" and "# TYPE" lines of a metric. */
static void write_metric_header(struct outbuf *out, const char *name, const char *type,
                                const char *help)
{
    outbuf_append_cstr(out, "# HELP ");
    outbuf_append_cstr(out, name);
    outbuf_append_cstr(out, " ");
    outbuf_append_cstr(out, help);
    outbuf_append_cstr(out, "\n# TYPE ");
    outbuf_append_cstr(out, name);
    outbuf_append_cstr(out, " ");
    outbuf_append_cstr(out, type);
    outbuf_append_cstr(out, "\n");
}

/* Appends one sample line: the name with its labels, and its value. */
static void write_sample(struct outbuf *out, const char *name_and_labels, uint64_t value)
{
    outbuf_append_cstr(out, name_and_labels);
    outbuf_append_cstr(out, " ");
    outbuf_append_int(out, (int64_t)value);
    outbuf_append_cstr(out, "\n");
}

static void write_bid_outcomes(const struct server *server, struct outbuf *out)
{
    write_metric_header(out, "geobid_bid_requests_total", "counter", "Bid requests by outcome.");
    write_sample(out, "geobid_bid_requests_total{outcome=\"bid\"}",
                 sum_over_workers(server, METRIC(bids)));
    write_sample(out, "geobid_bid_requests_total{outcome=\"no_bid\"}",
                 sum_over_workers(server, METRIC(no_bids)));
    write_sample(out, "geobid_bid_requests_total{outcome=\"bad_request\"}",
                 sum_over_workers(server, METRIC(bad_requests)));
}

static void write_latency_histogram(const struct server *server, struct outbuf *out)
{
    static const int64_t bounds_us[] = SERVER_LATENCY_BOUNDS_US;
    write_metric_header(out, "geobid_bid_duration_seconds", "histogram",
                        "Time from a received bid request body to its encoded answer.");
    uint64_t cumulative = 0;
    for (size_t b = 0; b < server_latency_buckets; b++) {
        cumulative += sum_over_workers(server, METRIC(latency[b]));
        outbuf_append_cstr(out, "geobid_bid_duration_seconds_bucket{le=\"");
        if (b < server_latency_buckets - 1)
            outbuf_append_micros(out, bounds_us[b]);
        else
            outbuf_append_cstr(out, "+Inf");
        outbuf_append_cstr(out, "\"} ");
        outbuf_append_int(out, (int64_t)cumulative);
        outbuf_append_cstr(out, "\n");
    }
    outbuf_append_cstr(out, "geobid_bid_duration_seconds_sum ");
    outbuf_append_micros(out, (int64_t)sum_over_workers(server, METRIC(latency_sum_us)));
    outbuf_append_cstr(out, "\n");
    write_sample(out, "geobid_bid_duration_seconds_count", cumulative);
}

static void write_connection_metrics(const struct server *server, struct outbuf *out)
{
    static const char *const classes[] = {"", "1xx", "2xx", "3xx", "4xx", "5xx"};
    write_metric_header(out, "geobid_connections_open", "gauge", "Open bid connections.");
    write_sample(out, "geobid_connections_open",
                 atomic_load_explicit(&server->open_connections, memory_order_relaxed));
    write_metric_header(out, "geobid_connections_refused_total", "counter",
                        "Bid connections refused over --max-connections.");
    write_sample(out, "geobid_connections_refused_total",
                 sum_over_workers(server, METRIC(refused_connections)));
    write_metric_header(out, "geobid_http_responses_total", "counter",
                        "Bid-listener responses by status class.");
    for (int c = 1; c <= 5; c++) {
        char name[64];
        snprintf(name, sizeof(name), "geobid_http_responses_total{class=\"%s\"}", classes[c]);
        write_sample(out, name, sum_over_workers(server, METRIC(responses[c])));
    }
}

void server_write_metrics(const struct server *server, struct outbuf *out)
{
    write_bid_outcomes(server, out);
    write_latency_histogram(server, out);
    write_connection_metrics(server, out);
}

/* ---- sockets -------------------------------------------------------------- */

int server_parse_address(const char *text, struct sockaddr_storage *addr, socklen_t *len,
                         struct error *err)
{
    const char *colon = strrchr(text, ':');
    if (colon == NULL || colon[1] == '\0')
        return error_format(err, "%s: expected HOST:PORT", text);
    char host[256];
    size_t host_len = (size_t)(colon - text);
    if (host_len >= 2 && text[0] == '[' && text[host_len - 1] == ']') {
        text++;
        host_len -= 2;
    }
    if (host_len == 0 || host_len >= sizeof(host))
        return error_format(err, "%s: expected HOST:PORT", text);
    memcpy(host, text, host_len);
    host[host_len] = '\0';
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_PASSIVE | AI_NUMERICSERV};
    struct addrinfo *found;
    int rc = getaddrinfo(host, colon + 1, &hints, &found);
    if (rc != 0)
        return error_format(err, "%s: %s", host, gai_strerror(rc));
    memcpy(addr, found->ai_addr, found->ai_addrlen);
    *len = found->ai_addrlen;
    freeaddrinfo(found);
    return 0;
}

/* Returns a non-blocking listening socket bound to text, or -1 with err. */
static int listen_on(const char *text, struct error *err)
{
    struct sockaddr_storage addr;
    socklen_t addr_len;
    if (server_parse_address(text, &addr, &addr_len, err) != 0)
        return -1;
    int fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
        bind(fd, (struct sockaddr *)&addr, addr_len) != 0 || listen(fd, listen_backlog) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        return error_format(err, "cannot listen on %s: %s", text, strerror(saved));
    }
    return fd;
}

/* ---- workers ------------------------------------------------------------------------ */

static int tick_interval_ms(int timeout_ms)
{
    int tick = timeout_ms / 4;
    return tick < 1 ? 1 : tick > max_tick_ms ? max_tick_ms : tick;
}

/* Sets up a worker's loop on the shared listening socket fd. The worker does not own
 * fd: every worker watches the same one. */
static int worker_init(struct worker *worker, struct server *server, int fd, route_fn *route)
{
    const struct server_limits *limits = &server->limits;
    worker->server = server;
    worker->route = route;
    worker->counts_connections = route == route_bid_listener;
    worker->wants_body =
        route == route_bid_listener ? bid_listener_wants_body : admin_listener_wants_body;
    size_t max_body_bytes = worker->counts_connections ? limits->max_body_bytes
                                                       : limits->admin_max_body_bytes;
    worker->parse_limits = (struct http1_limits){.max_head_bytes = limits->max_header_bytes,
                                                 .max_target_bytes = limits->max_header_bytes,
                                                 .max_body_bytes = max_body_bytes};
    /* head + trailers + the body with its chunk framing */
    worker->max_input_bytes = 2 * limits->max_header_bytes + 2 * max_body_bytes;
    arena_init(&worker->arena, arena_block_bytes);
    worker->base = event_base_new();
    if (worker->base == NULL)
        return -1;
    worker->accept_event =
        event_new(worker->base, fd, EV_READ | EV_PERSIST, connection_on_acceptable, worker);
    worker->tick_event = event_new(worker->base, -1, EV_PERSIST, connection_on_tick, worker);
    worker->stop_event = event_new(worker->base, -1, 0, connection_on_stop, worker);
    worker->accept_retry_event =
        event_new(worker->base, -1, 0, connection_on_accept_retry, worker);
    if (worker->accept_event == NULL || worker->tick_event == NULL ||
        worker->stop_event == NULL || worker->accept_retry_event == NULL)
        return -1;
    int tick_ms = tick_interval_ms(limits->timeout_ms);
    struct timeval tick = {tick_ms / 1000, (tick_ms % 1000) * 1000};
    event_add(worker->accept_event, NULL);
    event_add(worker->tick_event, &tick);
    return 0;
}

static void worker_destroy(struct worker *worker)
{
    while (worker->connections != NULL)
        connection_close(worker->connections);
    struct event *events[] = {worker->accept_event, worker->tick_event, worker->stop_event,
                              worker->accept_retry_event};
    for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
        if (events[i] != NULL)
            event_free(events[i]);
    if (worker->base != NULL)
        event_base_free(worker->base);
    arena_free(&worker->arena);
}

static void *worker_main(void *arg)
{
    struct worker *worker = arg;
    event_base_dispatch(worker->base);
    return NULL;
}

/* Signals are taken by server_wait_and_stop() alone; workers never see them. */
static void block_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

static void server_free(struct server *server)
{
    for (int i = 0; i < server->worker_count; i++)
        worker_destroy(&server->workers[i]);
    worker_destroy(&server->admin);
    if (server->listen_fd >= 0)
        close(server->listen_fd);
    if (server->admin_fd >= 0)
        close(server->admin_fd);
    free(server->workers);
    free(server);
}

/* Asks the running workers to stop and waits for their threads to end. */
static void stop_and_join(struct worker *const *workers, int count)
{
    for (int i = 0; i < count; i++)
        event_active(workers[i]->stop_event, EV_READ, 0);
    for (int i = 0; i < count; i++)
        pthread_join(workers[i]->thread, NULL);
}

/* Each connection takes a descriptor: use all the process may have. Failure is not
 * fatal (the soft limit stays; accept backs off when it is reached). */
static void raise_descriptor_limit(void)
{
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < limit.rlim_max) {
        limit.rlim_cur = limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
}

static int start_workers(struct server *server, const struct server_config *config,
                         struct error *err)
{
    server->workers = xcalloc((size_t)config->threads, sizeof(struct worker));
    for (int i = 0; i < config->threads; i++) {
        server->worker_count++;
        if (worker_init(&server->workers[i], server, server->listen_fd, route_bid_listener) != 0)
            return error_format(err, "cannot start worker %d", i);
    }
    if (worker_init(&server->admin, server, server->admin_fd, route_admin_listener) != 0)
        return error_format(err, "cannot start the admin listener");
    struct worker *started[server->worker_count + 1];
    int running = 0;
    for (int i = 0; i <= server->worker_count; i++) {
        struct worker *worker = i < server->worker_count ? &server->workers[i] : &server->admin;
        int rc = pthread_create(&worker->thread, NULL, worker_main, worker);
        if (rc != 0) {
            stop_and_join(started, running);
            return error_format(err, "cannot start a worker thread: %s", strerror(rc));
        }
        started[running++] = worker;
    }
    return 0;
}

struct server *server_start(const struct server_config *config, const struct bidder *bidder,
                            struct error *err)
{
    sigset_t signals;
    block_signals(&signals);
    evthread_use_pthreads(); /* event_active() from the main thread stops the workers */
    raise_descriptor_limit();
    struct server *server = xcalloc(1, sizeof(*server));
    server->bidder = bidder;
    server->limits = config->limits;
    server->admin_api = (struct admin){bidder, config->admin_token, server};
    server->admin_fd = -1;
    server->listen_fd = listen_on(config->listen, err);
    if (server->listen_fd >= 0)
        server->admin_fd = listen_on(config->admin_listen, err);
    if (server->admin_fd < 0 || start_workers(server, config, err) != 0) {
        server_free(server);
        return NULL;
    }
    return server;
}

void server_wait_and_stop(struct server *server)
{
    sigset_t signals;
    int received;
    block_signals(&signals);
    sigwait(&signals, &received);
    for (int i = 0; i < server->worker_count; i++)
        event_active(server->workers[i].stop_event, EV_READ, 0);
    event_active(server->admin.stop_event, EV_READ, 0);
    for (int i = 0; i < server->worker_count; i++)
        pthread_join(server->workers[i].thread, NULL);
    pthread_join(server->admin.thread, NULL);
    server_free(server);
}

