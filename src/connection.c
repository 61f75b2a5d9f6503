/* Connections on libevent events: accepting, reading, HTTP/1.1 framing (src/http1.c
 * parses), pending output, deadlines, lingering close. See docs/architecture.md.
 *
 * One read, then: every complete request in the receive buffer is parsed in place and
 * answered (worker->route) into the pending output, in order, until that output passes
 * max_pending_output; the output is written before the loop sleeps again (and the
 * remaining requests answered in further rounds), and a write event is armed only when
 * the socket is full (reading and answering pause until it drains). */
#include "server_internal.h"

#include "geobid/alloc.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum {
    initial_input_bytes = 16 * 1024,
    initial_output_bytes = 4 * 1024,
    max_request_headers = 100, /* more header fields: 431 */
    accepts_per_wakeup = 32,
    accept_retry_ms = 100,          /* after EMFILE, ENFILE, ENOBUFS, ENOMEM */
    max_pending_output = 256 * 1024, /* stop answering pipelined requests beyond this */
    shrink_factor = 4,              /* an empty buffer this many times its initial size
                                       is given back */
};

/* The whole answer to a connection beyond --max-connections, written once. */
static const char too_many_connections_reply[] =
    "HTTP/1.1 503 Service Unavailable\r\n"
    "Content-Type: application/json\r\n"
    "Content-Length: 33\r\n"
    "Connection: close\r\n"
    "\r\n"
    "{\"error\":\"too many connections\"}\n";

static void on_readable(evutil_socket_t fd, short what, void *arg);
static void on_writable(evutil_socket_t fd, short what, void *arg);

/* ---- time ----------------------------------------------------------------------- */

/* The loop's cached clock (no system call per request). */
static int64_t worker_now_ms(struct worker *worker)
{
    struct timeval now;
    event_base_gettimeofday_cached(worker->base, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_usec / 1000;
}

static void connection_touch(struct connection *conn)
{
    conn->deadline_ms = worker_now_ms(conn->worker) + conn->worker->server->limits.timeout_ms;
}

/* ---- connection life ------------------------------------------------------------ */

void connection_close(struct connection *conn)
{
    struct worker *worker = conn->worker;
    if (conn->prev != NULL)
        conn->prev->next = conn->next;
    else
        worker->connections = conn->next;
    if (conn->next != NULL)
        conn->next->prev = conn->prev;
    if (conn->counted)
        atomic_fetch_sub(&worker->server->open_connections, 1);
    event_free(conn->read_event);
    event_free(conn->write_event);
    close(conn->fd);
    free(conn->in);
    free(conn->out);
    free(conn);
    if (worker->stopping && worker->connections == NULL)
        event_base_loopbreak(worker->base);
}

/* Takes a connection slot for a new bid connection; false when all are taken. */
static bool admit_connection(struct server *server)
{
    if (atomic_fetch_add(&server->open_connections, 1) < server->limits.max_connections)
        return true;
    atomic_fetch_sub(&server->open_connections, 1);
    return false;
}

static struct connection *connection_open(struct worker *worker, int fd)
{
    struct connection *conn = xcalloc(1, sizeof(*conn));
    conn->worker = worker;
    conn->fd = fd;
    conn->read_event = event_new(worker->base, fd, EV_READ | EV_PERSIST, on_readable, conn);
    conn->write_event = event_new(worker->base, fd, EV_WRITE | EV_PERSIST, on_writable, conn);
    if (conn->read_event == NULL || conn->write_event == NULL)
        abort(); /* out of memory: the policy of alloc.h */
    conn->next = worker->connections;
    if (conn->next != NULL)
        conn->next->prev = conn;
    worker->connections = conn;
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    connection_touch(conn);
    event_add(conn->read_event, NULL);
    return conn;
}

/* All output written and the connection must end: half-close, then read and discard
 * what the client still sends until it closes too (or the deadline passes), so that
 * unread input never turns into a reset that destroys the response in flight. */
static void connection_linger(struct connection *conn)
{
    if (conn->worker->stopping) {
        connection_close(conn);
        return;
    }
    shutdown(conn->fd, SHUT_WR);
    conn->lingering = true;
    connection_touch(conn);
    event_add(conn->read_event, NULL);
}

static void linger_read(struct connection *conn)
{
    char discard[4096];
    ssize_t n = read(conn->fd, discard, sizeof(discard));
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        connection_close(conn);
}

/* ---- output ----------------------------------------------------------------------- */

static void out_reserve(struct connection *conn, size_t more)
{
    size_t need = conn->out_len + more;
    if (need <= conn->out_cap)
        return;
    size_t cap = conn->out_cap ? conn->out_cap : initial_output_bytes;
    while (cap < need)
        cap *= 2;
    conn->out = xrealloc(conn->out, cap);
    conn->out_cap = cap;
}

static void out_append(struct connection *conn, const void *data, size_t len)
{
    out_reserve(conn, len);
    memcpy(conn->out + conn->out_len, data, len);
    conn->out_len += len;
}

void connection_append_cstr(struct connection *conn, const char *text)
{
    out_append(conn, text, strlen(text));
}

static void out_append_size(struct connection *conn, size_t value)
{
    char digits[24];
    size_t i = sizeof(digits);
    do {
        digits[--i] = (char)('0' + value % 10);
        value /= 10;
    } while (value > 0);
    out_append(conn, digits + i, sizeof(digits) - i);
}

/* Pauses reading and waits for the socket to take more output. */
static void wait_to_write(struct connection *conn)
{
    if (conn->waiting_to_write)
        return;
    conn->waiting_to_write = true;
    event_del(conn->read_event);
    event_add(conn->write_event, NULL);
}

/* Writes the pending output ("write before you sleep"). Returns false when the
 * connection was closed (conn is then freed). */
static bool connection_flush(struct connection *conn)
{
    while (conn->out_sent < conn->out_len) {
        ssize_t n = write(conn->fd, conn->out + conn->out_sent, conn->out_len - conn->out_sent);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN) {
            wait_to_write(conn);
            return true;
        }
        if (n <= 0) {
            connection_close(conn);
            return false;
        }
        conn->out_sent += (size_t)n;
        if (conn->out_sent < conn->out_len)
            connection_touch(conn); /* a slow reader that still makes progress */
    }
    conn->out_sent = conn->out_len = 0;
    if (conn->out_cap > shrink_factor * initial_output_bytes) { /* after a burst */
        free(conn->out);
        conn->out = NULL;
        conn->out_cap = 0;
    }
    if (conn->waiting_to_write) {
        conn->waiting_to_write = false;
        event_del(conn->write_event);
    }
    if (conn->closing) {
        bool stopping = conn->worker->stopping; /* then linger closes conn at once */
        connection_linger(conn);
        return !stopping;
    }
    return true;
}

/* ---- responses -------------------------------------------------------------------- */

static void reply_status_line(struct connection *conn, int status)
{
    char line[80];
    int n = snprintf(line, sizeof(line), "HTTP/1.1 %d %s\r\n", status, http1_reason(status));
    out_append(conn, line, (size_t)n);
}

/* Starts a response: its status line. Headers may follow (connection_append_cstr() of
 * CRLF-terminated lines), then connection_reply_finish(). */
void connection_reply_start(struct connection *conn, int status)
{
    switch (status) { /* the hot ones preformatted */
    case 200:
        connection_append_cstr(conn, "HTTP/1.1 200 OK\r\n");
        break;
    case 204:
        connection_append_cstr(conn, "HTTP/1.1 204 No Content\r\n");
        break;
    default:
        reply_status_line(conn, status);
    }
}

/* Ends a response: Content-Type (when not NULL), Content-Length (except for 204), the
 * Connection header the request calls for, the empty line and the body (not for HEAD). */
void connection_reply_finish(struct connection *conn, int status, const char *content_type,
                             const void *body, size_t body_len)
{
    if (status >= 100 && status < 600)
        worker_metrics_add(&conn->worker->metrics.responses[status / 100], 1);
    if (content_type != NULL) {
        connection_append_cstr(conn, "Content-Type: ");
        connection_append_cstr(conn, content_type);
        connection_append_cstr(conn, "\r\n");
    }
    if (status != 204) {
        connection_append_cstr(conn, "Content-Length: ");
        out_append_size(conn, body_len);
        connection_append_cstr(conn, "\r\n");
    }
    if (conn->closing)
        connection_append_cstr(conn, "Connection: close\r\n");
    else if (conn->http10)
        connection_append_cstr(conn, "Connection: keep-alive\r\n");
    connection_append_cstr(conn, "\r\n");
    if (!conn->head_only && body_len > 0)
        out_append(conn, body, body_len);
}

/* A one-line JSON error body {"error":"message"}; extra_headers "" or CRLF-ended lines. */
void connection_reply_error(struct connection *conn, int status, const char *extra_headers,
                             const char *message)
{
    char body[2 * sizeof(((struct error *)0)->message) + 16];
    size_t len = 0;
    memcpy(body, "{\"error\":\"", 10);
    len = 10;
    for (const char *c = message; *c && len < sizeof(body) - 6; c++) {
        if (*c == '"' || *c == '\\')
            body[len++] = '\\';
        body[len++] = (unsigned char)*c >= 0x20 ? *c : ' ';
    }
    memcpy(body + len, "\"}\n", 3);
    len += 3;
    connection_reply_start(conn, status);
    connection_append_cstr(conn, extra_headers);
    connection_reply_finish(conn, status, "application/json", body, len);
}

/* ---- requests ------------------------------------------------------------------------ */

/* A request that cannot be parsed (or has no room): answer and close. */
static void reply_parse_error(struct connection *conn, enum http1_status status)
{
    conn->closing = true;
    conn->http10 = conn->head_only = false;
    connection_reply_error(conn, (int)status, "", http1_strerror(status));
}

/* Answers Expect: 100-continue once the head is in and the body is awaited, when the
 * listener will read that body. */
static void maybe_send_continue(struct connection *conn, const struct http1_request *request)
{
    if (request->head_bytes == 0 || !request->expect_continue || conn->continue_sent)
        return;
    connection_append_cstr(conn, "HTTP/1.1 100 Continue\r\n\r\n");
    conn->continue_sent = true;
}

static void answer_request(struct connection *conn, const struct http1_request *request)
{
    struct worker *worker = conn->worker;
    conn->closing = conn->closing || !request->keep_alive || worker->stopping;
    conn->http10 = request->minor_version == 0;
    conn->head_only = slice_eq_cstr(request->method, "HEAD");
    if (request->expect_unknown)
        connection_reply_error(conn, 417, "", "unsupported Expect");
    else
        worker->route(conn, request);
    arena_reset(&worker->arena);
    conn->continue_sent = false;
    connection_touch(conn);
}

/* A head is in, its body is not. Returns true when the request was answered from the
 * head alone (the connection then closes: its body is discarded while lingering),
 * because it expects something we do not do or asked to wait for a 100 Continue the
 * listener would not send as it does not want the body. */
static bool answer_from_head(struct connection *conn, const struct http1_request *request)
{
    if (request->head_bytes == 0 || conn->continue_sent)
        return false;
    if (!request->expect_unknown &&
        !(request->expect_continue && !conn->worker->wants_body(request)))
        return false;
    conn->closing = true;
    answer_request(conn, request);
    return true;
}

/* Moves the unparsed bytes to the front of the receive buffer. */
static void compact_input(struct connection *conn)
{
    if (conn->in_start == 0)
        return;
    conn->in_len -= conn->in_start;
    memmove(conn->in, conn->in + conn->in_start, conn->in_len);
    conn->in_start = 0;
}

/* Forgets the request being received (it was answered or failed). */
static void request_done(struct connection *conn)
{
    conn->in_wanted = 0;
    conn->in_progress = (struct http1_progress){0};
}

/* Answers every complete request in the receive buffer, in order, until one needs more
 * bytes, the connection must close, the socket is full, or the pending output passes
 * max_pending_output. Writes nothing itself. Returns true when it stopped for the last
 * reason with requests possibly left: call again once the output is written. */
static bool connection_process(struct connection *conn)
{
    struct http1_header headers[max_request_headers];
    bool output_full = false;
    while (!conn->closing && !conn->waiting_to_write && conn->in_len > conn->in_start &&
           conn->in_len - conn->in_start >= conn->in_wanted) {
        if (conn->out_len - conn->out_sent > max_pending_output) {
            output_full = true;
            break;
        }
        struct http1_request request;
        enum http1_status status = http1_parse_request_resume(
            conn->in + conn->in_start, conn->in_len - conn->in_start,
            &conn->worker->parse_limits, headers, max_request_headers, &request,
            &conn->in_progress);
        if (status == HTTP1_NEED_MORE) {
            conn->in_wanted = request.consumed;
            if (!answer_from_head(conn, &request))
                maybe_send_continue(conn, &request);
            break;
        }
        request_done(conn);
        if (status != HTTP1_COMPLETE) {
            reply_parse_error(conn, status);
            break;
        }
        answer_request(conn, &request);
        conn->in_start += request.consumed;
    }
    if (conn->in_start == conn->in_len) {
        conn->in_start = conn->in_len = 0;
        if (conn->in_cap > shrink_factor * initial_input_bytes) { /* after a large body */
            free(conn->in);
            conn->in = NULL;
            conn->in_cap = 0;
        }
    }
    return output_full;
}

/* Answers what is buffered and writes it, in rounds of at most about
 * max_pending_output, until the requests run out or the socket is full. */
static void connection_serve(struct connection *conn)
{
    for (;;) {
        bool more = connection_process(conn);
        if (!connection_flush(conn))
            return; /* closed */
        if (!more || conn->waiting_to_write || conn->lingering)
            return;
    }
}

/* Makes room to read into; false when a request has filled the largest buffer. */
static bool input_room(struct connection *conn)
{
    if (conn->in_len < conn->in_cap)
        return true;
    compact_input(conn);
    if (conn->in_len < conn->in_cap)
        return true;
    size_t max = conn->worker->max_input_bytes;
    if (conn->in_cap >= max)
        return false;
    size_t cap = conn->in_cap ? conn->in_cap * 2 : initial_input_bytes;
    conn->in_cap = cap < max ? cap : max;
    conn->in = xrealloc(conn->in, conn->in_cap);
    return true;
}

static void on_readable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct connection *conn = arg;
    if (conn->lingering) {
        linger_read(conn);
        return;
    }
    if (!input_room(conn)) {
        reply_parse_error(conn, HTTP1_PAYLOAD_TOO_LARGE);
        connection_flush(conn);
        return;
    }
    ssize_t n = read(fd, conn->in + conn->in_len, conn->in_cap - conn->in_len);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) { /* the client closed (or failed); nothing is pending: we never read */
        connection_close(conn); /* while output waits */
        return;
    }
    conn->in_len += (size_t)n;
    connection_serve(conn);
}

static void on_writable(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct connection *conn = arg;
    if (!connection_flush(conn) || conn->waiting_to_write || conn->lingering)
        return;
    event_add(conn->read_event, NULL);
    connection_serve(conn); /* requests that arrived while the socket was full */
}

/* ---- accepting -------------------------------------------------------------------- */

/* Out of descriptors or kernel memory: the pending connection stays in the backlog and
 * the level-triggered socket would wake every worker again at once. Stop watching it
 * for a while instead. */
static void pause_accepting(struct worker *worker)
{
    struct timeval retry = {0, accept_retry_ms * 1000};
    event_del(worker->accept_event);
    event_add(worker->accept_retry_event, &retry);
}

void connection_on_accept_retry(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *worker = arg;
    if (!worker->stopping)
        event_add(worker->accept_event, NULL);
}

/* A connection beyond --max-connections: one write of the whole 503, then close; no
 * state is kept. The client reads it after its request (or sees the close). */
static void refuse_connection(int fd)
{
    ssize_t n = write(fd, too_many_connections_reply, sizeof(too_many_connections_reply) - 1);
    (void)n; /* best effort: a fresh socket's buffer takes it */
    shutdown(fd, SHUT_WR);
    close(fd);
}

void connection_on_acceptable(evutil_socket_t fd, short what, void *arg)
{
    (void)what;
    struct worker *worker = arg;
    for (int i = 0; i < accepts_per_wakeup; i++) {
        int client = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (client < 0) {
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
                pause_accepting(worker);
            return; /* EAGAIN: another worker took it, or nothing left */
        }
        if (worker->counts_connections && !admit_connection(worker->server)) {
            refuse_connection(client);
            worker_metrics_add(&worker->metrics.refused_connections, 1);
            continue;
        }
        struct connection *conn = connection_open(worker, client);
        conn->counted = worker->counts_connections;
    }
}

/* Closes the connections whose deadline passed: idle, slow to send a request, or slow
 * to read their responses. */
void connection_on_tick(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *worker = arg;
    int64_t now = worker_now_ms(worker);
    struct connection *next;
    for (struct connection *conn = worker->connections; conn != NULL; conn = next) {
        next = conn->next;
        if (conn->deadline_ms <= now)
            connection_close(conn);
    }
}

/* Runs on the worker's thread when server_wait_and_stop() asks: stop accepting, close
 * idle connections, let pending responses finish, then leave the loop. */
void connection_on_stop(evutil_socket_t fd, short what, void *arg)
{
    (void)fd;
    (void)what;
    struct worker *worker = arg;
    worker->stopping = true;
    event_del(worker->accept_event);
    event_del(worker->accept_retry_event);
    struct connection *next;
    for (struct connection *conn = worker->connections; conn != NULL; conn = next) {
        next = conn->next;
        if (conn->out_sent < conn->out_len)
            conn->closing = true;
        else
            connection_close(conn);
    }
    if (worker->connections == NULL)
        event_base_loopbreak(worker->base);
}

