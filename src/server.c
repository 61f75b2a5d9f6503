#include "geobid/server.h"

#include "geobid/alloc.h"
#include "geobid/arena.h"
#include "geobid/gzip.h"
#include "geobid/openrtb_json.h"
#include "geobid/openrtb_pb.h"

#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <event2/thread.h>

#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { listen_backlog = 1024, arena_block_bytes = 64 * 1024 };

static const char openrtb_version[] = "2.6";

/* ---- connection accounting ---------------------------------------------- */

/* A connection is counted from its first request until it closes; the set of counted
 * connections is per worker (no locking), the total across workers is one atomic. */
struct connection_set {
    struct evhttp_connection **slots; /* open addressing; NULL = empty */
    size_t capacity;                  /* power of two */
};

struct worker {
    pthread_t thread;
    struct event_base *base;
    struct evhttp *http;
    struct arena arena;
    struct evbuffer *reply;
    struct connection_set connections;
    struct server *server;
};

struct server {
    const struct bidder *bidder;
    struct server_limits limits;
    atomic_size_t open_connections;
    int listen_fd;
    int admin_fd;
    struct worker *workers;
    int worker_count;
    struct worker admin;
};

static size_t connection_slot(const struct connection_set *set, const void *conn)
{
    size_t mask = set->capacity - 1;
    size_t slot = ((uintptr_t)conn >> 4) * 0x9E3779B97F4A7C15ull & mask;
    while (set->slots[slot] != NULL && set->slots[slot] != conn)
        slot = (slot + 1) & mask;
    return slot;
}

/* Removes conn keeping every probe chain intact (backward-shift deletion). */
static void connection_set_remove(struct connection_set *set, struct evhttp_connection *conn)
{
    size_t mask = set->capacity - 1;
    size_t hole = connection_slot(set, conn);
    if (set->slots[hole] == NULL)
        return;
    set->slots[hole] = NULL;
    for (size_t next = (hole + 1) & mask; set->slots[next] != NULL; next = (next + 1) & mask) {
        struct evhttp_connection *moved = set->slots[next];
        set->slots[next] = NULL;
        set->slots[connection_slot(set, moved)] = moved;
    }
}

static void on_connection_close(struct evhttp_connection *conn, void *arg)
{
    struct worker *worker = arg;
    connection_set_remove(&worker->connections, conn);
    atomic_fetch_sub(&worker->server->open_connections, 1);
}

/* Counts conn on its first request. Returns false when the limit is reached. */
static bool admit_connection(struct worker *worker, struct evhttp_connection *conn)
{
    struct connection_set *set = &worker->connections;
    size_t slot = connection_slot(set, conn);
    if (set->slots[slot] == conn)
        return true;
    struct server *server = worker->server;
    if (atomic_fetch_add(&server->open_connections, 1) >= server->limits.max_connections) {
        atomic_fetch_sub(&server->open_connections, 1);
        return false;
    }
    set->slots[slot] = conn;
    evhttp_connection_set_closecb(conn, on_connection_close, worker);
    return true;
}

/* ---- replies ------------------------------------------------------------ */

static void send_json_error(struct evhttp_request *req, int code, const char *reason,
                            const char *message)
{
    struct evbuffer *body = evbuffer_new();
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", "application/json");
    evbuffer_add_printf(body, "{\"error\":\"");
    for (const char *c = message; *c; c++)
        evbuffer_add_printf(body, (*c == '"' || *c == '\\') ? "\\%c" : "%c",
                            (unsigned char)*c >= 0x20 ? *c : ' ');
    evbuffer_add_printf(body, "\"}\n");
    evhttp_send_reply(req, code, reason, body);
    evbuffer_free(body);
}

static void send_status(struct evhttp_request *req, int code, const char *reason)
{
    evhttp_send_reply(req, code, reason, NULL);
}

static void handle_healthz(struct evhttp_request *req)
{
    enum evhttp_cmd_type method = evhttp_request_get_command(req);
    if (method != EVHTTP_REQ_GET && method != EVHTTP_REQ_HEAD) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "GET, HEAD");
        send_json_error(req, 405, "Method Not Allowed", "use GET");
        return;
    }
    struct evbuffer *body = evbuffer_new();
    evbuffer_add(body, "ok\n", 3);
    evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type", "text/plain");
    evhttp_send_reply(req, 200, "OK", body);
    evbuffer_free(body);
}

/* ---- the bid endpoint ----------------------------------------------------- */

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

/* Returns the media type of a Content-Type header (parameters such as charset ignored;
 * absent means JSON, as exchanges that omit it send JSON), or NULL when unsupported. */
static const struct media_type *media_type_of(const char *content_type)
{
    if (content_type == NULL)
        return &media_types[0];
    size_t len = strcspn(content_type, "; \t");
    for (size_t i = 0; i < sizeof(media_types) / sizeof(media_types[0]); i++)
        if (strlen(media_types[i].name) == len &&
            strncasecmp(content_type, media_types[i].name, len) == 0)
            return &media_types[i];
    return NULL;
}

/* Points body at the request body, decompressed when gzip. On failure it sends the
 * error reply itself and returns -1. */
static int read_body(struct worker *worker, struct evhttp_request *req, struct slice *body)
{
    struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
    struct evbuffer *input = evhttp_request_get_input_buffer(req);
    size_t len = evbuffer_get_length(input);
    struct slice raw = {(const char *)evbuffer_pullup(input, -1), len};
    const char *encoding = evhttp_find_header(headers, "Content-Encoding");
    if (encoding == NULL || strcasecmp(encoding, "identity") == 0) {
        *body = raw;
        return 0;
    }
    if (strcasecmp(encoding, "gzip") != 0) {
        send_json_error(req, 415, "Unsupported Media Type", "unsupported Content-Encoding");
        return -1;
    }
    switch (gzip_inflate(raw.ptr, raw.len, worker->server->limits.max_body_bytes,
                         &worker->arena, body)) {
    case GZIP_OK:
        return 0;
    case GZIP_TOO_LARGE:
        send_json_error(req, 413, "Payload Too Large", "decompressed body too large");
        return -1;
    case GZIP_CORRUPT:
        break;
    }
    send_json_error(req, 400, "Bad Request", "corrupt gzip body");
    return -1;
}

static void send_bid(struct worker *worker, struct evhttp_request *req,
                     const struct media_type *type, const struct outbuf *body)
{
    struct evkeyvalq *headers = evhttp_request_get_output_headers(req);
    evhttp_add_header(headers, "Content-Type", type->name);
    evbuffer_add(worker->reply, body->data, body->len);
    evhttp_send_reply(req, 200, "OK", worker->reply);
}

static void handle_bid(struct worker *worker, struct evhttp_request *req)
{
    if (evhttp_request_get_command(req) != EVHTTP_REQ_POST) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", "POST");
        send_json_error(req, 405, "Method Not Allowed", "use POST");
        return;
    }
    struct evkeyvalq *headers = evhttp_request_get_input_headers(req);
    const struct media_type *type = media_type_of(evhttp_find_header(headers, "Content-Type"));
    if (type == NULL) {
        send_json_error(req, 415, "Unsupported Media Type", "unsupported Content-Type");
        return;
    }
    struct slice body;
    if (read_body(worker, req, &body) != 0)
        return;
    evhttp_add_header(evhttp_request_get_output_headers(req), "x-openrtb-version", openrtb_version);
    struct outbuf response;
    struct error err;
    switch (bidder_handle(worker->server->bidder, type->codec, body.ptr, body.len,
                          &worker->arena, &response, &err)) {
    case BID_OUTCOME_BID:
        send_bid(worker, req, type, &response);
        break;
    case BID_OUTCOME_NO_BID:
        send_status(req, 204, "No Content");
        break;
    case BID_OUTCOME_BAD_REQUEST:
        send_json_error(req, 400, "Bad Request", err.message);
        break;
    }
}

static bool path_is(struct evhttp_request *req, const char *expected)
{
    const char *path = evhttp_uri_get_path(evhttp_request_get_evhttp_uri(req));
    return path != NULL && strcmp(path, expected) == 0;
}

/* Bid traffic: /openrtb2/bid and /healthz. */
static void handle_bid_listener(struct evhttp_request *req, void *arg)
{
    struct worker *worker = arg;
    if (!admit_connection(worker, evhttp_request_get_connection(req))) {
        evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
        send_json_error(req, 503, "Service Unavailable", "too many connections");
        return;
    }
    if (path_is(req, "/openrtb2/bid"))
        handle_bid(worker, req);
    else if (path_is(req, "/healthz"))
        handle_healthz(req);
    else
        send_json_error(req, 404, "Not Found", "no such endpoint");
    arena_reset(&worker->arena);
}

/* Management traffic: /healthz for now. */
static void handle_admin_listener(struct evhttp_request *req, void *arg)
{
    (void)arg;
    if (path_is(req, "/healthz"))
        handle_healthz(req);
    else
        send_json_error(req, 404, "Not Found", "no such endpoint");
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

/* ---- workers ---------------------------------------------------------------- */

static const ev_uint16_t all_methods =
    EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT | EVHTTP_REQ_DELETE |
    EVHTTP_REQ_OPTIONS | EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT | EVHTTP_REQ_PATCH;

static size_t next_power_of_two(size_t n)
{
    size_t p = 16;
    while (p < n)
        p *= 2;
    return p;
}

/* Sets up a worker's loop and HTTP server on the shared listening socket fd. The
 * listener does not own fd: every worker watches the same one. */
static int worker_init(struct worker *worker, struct server *server, int fd,
                       void (*handler)(struct evhttp_request *, void *))
{
    const struct server_limits *limits = &server->limits;
    worker->server = server;
    worker->base = event_base_new();
    worker->http = worker->base ? evhttp_new(worker->base) : NULL;
    struct evconnlistener *listener =
        worker->http ? evconnlistener_new(worker->base, NULL, NULL, LEV_OPT_CLOSE_ON_EXEC, -1, fd)
                     : NULL;
    if (listener == NULL || evhttp_bind_listener(worker->http, listener) == NULL)
        return -1;
    struct timeval timeout = {limits->timeout_ms / 1000, (limits->timeout_ms % 1000) * 1000};
    evhttp_set_timeout_tv(worker->http, &timeout);
    evhttp_set_max_body_size(worker->http, (ev_ssize_t)limits->max_body_bytes);
    evhttp_set_max_headers_size(worker->http, (ev_ssize_t)limits->max_header_bytes);
    evhttp_set_allowed_methods(worker->http, all_methods);
    evhttp_set_gencb(worker->http, handler, worker);
    arena_init(&worker->arena, arena_block_bytes);
    worker->reply = evbuffer_new();
    if (handler == handle_bid_listener) {
        worker->connections.capacity = next_power_of_two(2 * limits->max_connections);
        worker->connections.slots =
            xcalloc(worker->connections.capacity, sizeof(struct evhttp_connection *));
    }
    return 0;
}

static void worker_destroy(struct worker *worker)
{
    if (worker->http != NULL)
        evhttp_free(worker->http);
    if (worker->reply != NULL)
        evbuffer_free(worker->reply);
    if (worker->base != NULL)
        event_base_free(worker->base);
    arena_free(&worker->arena);
    free(worker->connections.slots);
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

static int start_workers(struct server *server, const struct server_config *config,
                         struct error *err)
{
    server->workers = xcalloc((size_t)config->threads, sizeof(struct worker));
    for (int i = 0; i < config->threads; i++) {
        server->worker_count++;
        if (worker_init(&server->workers[i], server, server->listen_fd, handle_bid_listener) != 0)
            return error_format(err, "cannot start worker %d", i);
    }
    if (worker_init(&server->admin, server, server->admin_fd, handle_admin_listener) != 0)
        return error_format(err, "cannot start the admin listener");
    for (int i = 0; i < server->worker_count; i++)
        pthread_create(&server->workers[i].thread, NULL, worker_main, &server->workers[i]);
    pthread_create(&server->admin.thread, NULL, worker_main, &server->admin);
    return 0;
}

struct server *server_start(const struct server_config *config, const struct bidder *bidder,
                            struct error *err)
{
    sigset_t signals;
    block_signals(&signals);
    evthread_use_pthreads();
    struct server *server = xcalloc(1, sizeof(*server));
    server->bidder = bidder;
    server->limits = config->limits;
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
        event_base_loopexit(server->workers[i].base, NULL);
    event_base_loopexit(server->admin.base, NULL);
    for (int i = 0; i < server->worker_count; i++)
        pthread_join(server->workers[i].thread, NULL);
    pthread_join(server->admin.thread, NULL);
    server_free(server);
}
