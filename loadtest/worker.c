#include "worker.h"

#include "http_response.h"
#include "validate.h"

#include "geobid/alloc.h"

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

static const uint64_t tick_ns = 10 * 1000 * 1000;         /* timeouts, reconnects, progress */
static const uint64_t connect_phase_ns = 3000000000ull;   /* longest wait before the start */
static const uint64_t retry_delay_ns = 100 * 1000 * 1000; /* after a failed connect */

enum connection_state { CONNECTION_DOWN, CONNECTION_CONNECTING, CONNECTION_IDLE, CONNECTION_BUSY };

struct connection {
    struct worker *worker;
    struct bufferevent *bev;
    enum connection_state state;
    bool in_idle_stack;
    uint64_t retry_at_ns;
    uint64_t intended_ns;          /* of the request in flight */
    const struct pooled_request *request;
};

static void worker_dispatch(struct worker *worker);

static struct timeval timeval_from_ns(uint64_t ns)
{
    return (struct timeval){(time_t)(ns / 1000000000u), (suseconds_t)(ns % 1000000000u / 1000)};
}

static bool open_loop(const struct worker *worker)
{
    return worker->config->rate > 0;
}

/* ---- idle connections ---------------------------------------------------------- */

static void push_idle(struct connection *connection)
{
    struct worker *worker = connection->worker;
    connection->state = CONNECTION_IDLE;
    if (!connection->in_idle_stack) {
        connection->in_idle_stack = true;
        worker->idle[worker->idle_count++] = connection;
    }
}

/* Returns the top idle connection without taking it, dropping stale entries (closed
 * since they were pushed); NULL when none. */
static struct connection *peek_idle(struct worker *worker)
{
    while (worker->idle_count > 0) {
        struct connection *top = worker->idle[worker->idle_count - 1];
        if (top->state == CONNECTION_IDLE)
            return top;
        top->in_idle_stack = false;
        worker->idle_count--;
    }
    return NULL;
}

static struct connection *pop_idle(struct worker *worker)
{
    struct connection *top = peek_idle(worker);
    if (top != NULL) {
        top->in_idle_stack = false;
        worker->idle_count--;
    }
    return top;
}

/* ---- connections ------------------------------------------------------------------- */

static void on_read(struct bufferevent *bev, void *arg);
static void on_event(struct bufferevent *bev, short events, void *arg);

/* Ends the request in flight on connection (answered or failed). */
static void request_done(struct connection *connection)
{
    connection->worker->in_flight--;
    connection->worker->stats.requests++;
    connection->request = NULL;
    connection->state = CONNECTION_IDLE;
}

/* Closes the socket; the tick reconnects it after delay_ns. */
static void connection_close(struct connection *connection, uint64_t delay_ns)
{
    struct worker *worker = connection->worker;
    if (connection->state == CONNECTION_IDLE || connection->state == CONNECTION_BUSY)
        worker->connected--;
    if (connection->state == CONNECTION_BUSY)
        request_done(connection);
    if (connection->bev != NULL)
        bufferevent_free(connection->bev);
    connection->bev = NULL;
    connection->state = CONNECTION_DOWN;
    connection->retry_at_ns = load_now_ns() + delay_ns;
}

static void connection_open(struct connection *connection)
{
    struct worker *worker = connection->worker;
    const struct target *target = worker->config->target;
    connection->bev = bufferevent_socket_new(worker->base, -1, BEV_OPT_CLOSE_ON_FREE);
    bufferevent_setcb(connection->bev, on_read, NULL, on_event, connection);
    bufferevent_enable(connection->bev, EV_READ | EV_WRITE);
    connection->state = CONNECTION_CONNECTING;
    if (bufferevent_socket_connect(connection->bev, (const struct sockaddr *)&target->addr,
                                   (int)target->addr_len) != 0) {
        worker->stats.connect_errors++;
        connection_close(connection, retry_delay_ns);
    }
}

static void on_connected(struct connection *connection)
{
    struct worker *worker = connection->worker;
    int one = 1;
    setsockopt(bufferevent_getfd(connection->bev), IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    worker->connected++;
    push_idle(connection);
    worker_dispatch(worker);
}

static void on_event(struct bufferevent *bev, short events, void *arg)
{
    (void)bev;
    struct connection *connection = arg;
    struct worker *worker = connection->worker;
    if (events & BEV_EVENT_CONNECTED) {
        on_connected(connection);
    } else if (connection->state == CONNECTION_CONNECTING) {
        worker->stats.connect_errors++;
        connection_close(connection, retry_delay_ns);
    } else {
        if (connection->state == CONNECTION_BUSY)
            worker->stats.closed++;
        connection_close(connection, 0); /* an idle keep-alive closed: just reopen */
    }
    if (!worker->started && connection->state != CONNECTION_CONNECTING) {
        bool all_settled = true;
        for (unsigned i = 0; i < worker->connection_count; i++)
            all_settled &= worker->connections[i].state != CONNECTION_CONNECTING;
        if (all_settled)
            event_base_loopbreak(worker->base);
    }
}

/* ---- requests and responses ---------------------------------------------------------- */

/* Writes to the socket at once when nothing is queued before: one send() instead of
 * arming a write event (two epoll_ctl calls and a loop turn per request). What the
 * socket does not take, and any failure, goes through the bufferevent as usual. */
static void write_now(struct bufferevent *bev, const char *data, size_t len)
{
    size_t written = 0;
    if (evbuffer_get_length(bufferevent_get_output(bev)) == 0) {
        ssize_t n = send(bufferevent_getfd(bev), data, len, MSG_NOSIGNAL | MSG_DONTWAIT);
        written = n > 0 ? (size_t)n : 0;
    }
    if (written < len)
        bufferevent_write(bev, data + written, len - written);
}

static void send_request(struct connection *connection, uint64_t n, uint64_t intended_ns)
{
    struct worker *worker = connection->worker;
    uint64_t global = n * worker->config->threads + worker->index;
    const struct pooled_request *request = request_pool_get(worker->config->pool, global);
    connection->request = request;
    connection->intended_ns = intended_ns;
    connection->state = CONNECTION_BUSY;
    worker->in_flight++;
    worker->stats.bytes_sent += request->wire_len;
    write_now(connection->bev, request->wire, request->wire_len);
    if (open_loop(worker)) {
        uint64_t now_ns = load_now_ns();
        histogram_record(&worker->stats.send_lag, now_ns > intended_ns ? now_ns - intended_ns : 0);
    }
}

/* Counts one answer (parsed or not) to the request in flight. */
static void record_answer(struct connection *connection, const struct http_response *response,
                          uint64_t now_ns)
{
    struct worker *worker = connection->worker;
    struct load_stats *stats = &worker->stats;
    uint64_t latency_ns = now_ns > connection->intended_ns ? now_ns - connection->intended_ns : 0;
    stats->responses++;
    stats->last_response_ns = now_ns;
    histogram_record(&stats->latency, latency_ns);
    int32_t tmax_ms = connection->request->tmax_ms;
    if (tmax_ms > 0 && latency_ns > (uint64_t)tmax_ms * 1000000u)
        stats->late++;
    if (response == NULL) {
        stats->invalid++;
        return;
    }
    stats->status_classes[response->status / 100 <= 5 ? response->status / 100 : 0]++;
    stats->bytes_received += response->total_len;
    switch (validate_response(response, connection->request, worker->config->pool->format,
                              &worker->scratch, NULL)) {
    case VERDICT_BID: stats->bids++; break;
    case VERDICT_NO_BID: stats->no_bids++; break;
    case VERDICT_INVALID: stats->invalid++; break;
    case VERDICT_ERROR_STATUS: stats->error_status++; break;
    }
    arena_reset(&worker->scratch);
}

static void on_read(struct bufferevent *bev, void *arg)
{
    struct connection *connection = arg;
    struct evbuffer *input = bufferevent_get_input(bev);
    size_t len = evbuffer_get_length(input);
    if (connection->state != CONNECTION_BUSY) { /* bytes nobody asked for */
        connection->worker->stats.invalid++;
        connection_close(connection, 0);
        return;
    }
    const char *data = (const char *)evbuffer_pullup(input, -1);
    struct http_response response;
    enum http_parse_result parsed = http_response_parse(data, len, &response, NULL);
    if (parsed == HTTP_PARSE_INCOMPLETE)
        return;
    uint64_t now_ns = load_now_ns();
    record_answer(connection, parsed == HTTP_PARSE_COMPLETE ? &response : NULL, now_ns);
    bool reusable = parsed == HTTP_PARSE_COMPLETE && response.keep_alive &&
                    len == response.total_len; /* one request in flight: nothing may follow */
    if (parsed == HTTP_PARSE_COMPLETE && len > response.total_len)
        connection->worker->stats.invalid++;
    if (!reusable) {
        connection_close(connection, 0);
        return;
    }
    evbuffer_drain(input, response.total_len);
    request_done(connection);
    push_idle(connection);
    worker_dispatch(connection->worker);
}

/* ---- scheduling ----------------------------------------------------------------------- */

/* Counts a request given up after waiting since intended_ns, and records that wait as its
 * latency: leaving it out would let p99 look good while requests fail. */
static void record_timeout(struct worker *worker, uint64_t intended_ns, uint64_t now_ns)
{
    worker->stats.timeouts++;
    histogram_record(&worker->stats.latency, now_ns > intended_ns ? now_ns - intended_ns : 0);
}

/* Open loop: requests whose answer could no longer come in time are not sent; they count
 * as timed out, as their latency already exceeds the timeout. */
static void drop_overdue(struct worker *worker, uint64_t now_ns)
{
    uint64_t due = schedule_due(&worker->schedule, now_ns);
    while (worker->next < due &&
           schedule_intended_ns(&worker->schedule, worker->next) + worker->config->timeout_ns <
               now_ns) {
        record_timeout(worker, schedule_intended_ns(&worker->schedule, worker->next), now_ns);
        worker->stats.requests++;
        worker->next++;
    }
}

/* Open loop: sends every due request an idle connection can take, then sleeps until
 * the next one is due (a busy pool wakes us when a connection frees up). */
static void pump_open_loop(struct worker *worker)
{
    uint64_t now_ns = load_now_ns();
    drop_overdue(worker, now_ns);
    uint64_t due = schedule_due(&worker->schedule, now_ns);
    while (worker->next < due) {
        struct connection *connection = pop_idle(worker);
        if (connection == NULL)
            return;
        send_request(connection, worker->next,
                     schedule_intended_ns(&worker->schedule, worker->next));
        worker->next++;
    }
    if (worker->next < worker->schedule.total && peek_idle(worker) != NULL) {
        uint64_t at = schedule_intended_ns(&worker->schedule, worker->next);
        struct timeval wait = timeval_from_ns(at > now_ns ? at - now_ns : 0);
        evtimer_add(worker->send_timer, &wait);
    }
}

/* Closed loop: every idle connection sends its next request at once. */
static void pump_closed_loop(struct worker *worker)
{
    uint64_t now_ns = load_now_ns();
    if (now_ns >= worker->end_ns)
        return;
    struct connection *connection;
    while ((connection = pop_idle(worker)) != NULL)
        send_request(connection, worker->next++, now_ns);
}

static void worker_dispatch(struct worker *worker)
{
    if (!worker->started)
        return;
    if (open_loop(worker))
        pump_open_loop(worker);
    else
        pump_closed_loop(worker);
}

static void on_send_timer(evutil_socket_t fd, short events, void *arg)
{
    (void)fd;
    (void)events;
    worker_dispatch(arg);
}

/* ---- the tick: timeouts, reconnects, progress, the end ------------------------------- */

static void expire_and_reconnect(struct worker *worker, uint64_t now_ns)
{
    for (unsigned i = 0; i < worker->connection_count; i++) {
        struct connection *connection = &worker->connections[i];
        if (connection->state == CONNECTION_BUSY &&
            now_ns > connection->intended_ns + worker->config->timeout_ns) {
            record_timeout(worker, connection->intended_ns, now_ns);
            connection_close(connection, 0); /* HTTP/1.1 cannot cancel: start afresh */
        }
        if (connection->state == CONNECTION_DOWN && now_ns >= connection->retry_at_ns &&
            now_ns < worker->end_ns)
            connection_open(connection);
    }
}

static void publish_progress(struct worker *worker)
{
    struct worker_progress *progress = &worker->progress;
    atomic_store_explicit(&progress->responses, worker->stats.responses, memory_order_relaxed);
    atomic_store_explicit(&progress->errors, load_stats_errors(&worker->stats),
                          memory_order_relaxed);
    atomic_store_explicit(&progress->bids, worker->stats.bids, memory_order_relaxed);
    atomic_store_explicit(&progress->in_flight, worker->in_flight, memory_order_relaxed);
}

/* At the hard stop, whatever is still unanswered or unsent timed out. */
static void cut_off(struct worker *worker)
{
    for (unsigned i = 0; i < worker->connection_count; i++)
        if (worker->connections[i].state == CONNECTION_BUSY) {
            worker->stats.timeouts++;
            connection_close(&worker->connections[i], 0);
        }
    if (open_loop(worker) && worker->next < worker->schedule.total) {
        worker->stats.timeouts += worker->schedule.total - worker->next;
        worker->stats.requests += worker->schedule.total - worker->next;
        worker->next = worker->schedule.total;
    }
}

static void on_tick(evutil_socket_t fd, short events, void *arg)
{
    (void)fd;
    (void)events;
    struct worker *worker = arg;
    uint64_t now_ns = load_now_ns();
    expire_and_reconnect(worker, now_ns);
    if (open_loop(worker))
        drop_overdue(worker, now_ns);
    worker_dispatch(worker);
    bool sending_done = open_loop(worker) ? worker->next >= worker->schedule.total
                                          : now_ns >= worker->end_ns;
    if (now_ns >= worker->hard_stop_ns)
        cut_off(worker);
    publish_progress(worker);
    if ((sending_done && worker->in_flight == 0) || now_ns >= worker->hard_stop_ns)
        event_base_loopbreak(worker->base);
}

/* ---- the thread ------------------------------------------------------------------------ */

void worker_init(struct worker *worker, unsigned index, const struct load_config *config,
                 struct worker_shared *shared)
{
    memset(worker, 0, sizeof(*worker));
    worker->index = index;
    worker->config = config;
    worker->shared = shared;
    unsigned share = config->connections / config->threads;
    worker->connection_count = share + (index < config->connections % config->threads);
    worker->connections = xcalloc(worker->connection_count, sizeof(struct connection));
    worker->idle = xcalloc(worker->connection_count, sizeof(struct connection *));
    load_stats_init(&worker->stats);
    arena_init(&worker->scratch, 16 * 1024);
}

static struct event_base *new_precise_base(void)
{
    struct event_config *config = event_config_new();
    event_config_set_flag(config, EVENT_BASE_FLAG_PRECISE_TIMER);
    struct event_base *base = event_base_new_with_config(config);
    event_config_free(config);
    return base;
}

static void on_connect_deadline(evutil_socket_t fd, short events, void *arg)
{
    (void)fd;
    (void)events;
    event_base_loopbreak(arg);
}

/* Opens every connection and waits until each is up or failed (bounded). The deadline
 * is an event freed afterwards, not event_base_loopexit(), which would stay armed and
 * end the run itself later. */
static void connect_phase(struct worker *worker)
{
    for (unsigned i = 0; i < worker->connection_count; i++) {
        worker->connections[i].worker = worker;
        connection_open(&worker->connections[i]);
    }
    struct event *deadline = evtimer_new(worker->base, on_connect_deadline, worker->base);
    struct timeval limit = timeval_from_ns(connect_phase_ns);
    evtimer_add(deadline, &limit);
    event_base_dispatch(worker->base);
    event_free(deadline);
}

static void start(struct worker *worker)
{
    const struct load_config *config = worker->config;
    uint64_t t0_ns = atomic_load(&worker->shared->t0_ns);
    worker->started = true;
    worker->end_ns = t0_ns + config->duration_ns;
    worker->hard_stop_ns = worker->end_ns + config->timeout_ns;
    if (open_loop(worker))
        schedule_init(&worker->schedule, t0_ns, config->rate, config->duration_ns,
                      config->threads, worker->index);
    struct timeval tick = timeval_from_ns(tick_ns);
    event_add(worker->tick_timer, &tick);
    uint64_t now_ns = load_now_ns();
    struct timeval wait = timeval_from_ns(t0_ns > now_ns ? t0_ns - now_ns : 0);
    evtimer_add(worker->send_timer, &wait);
}

void *worker_main(void *arg)
{
    struct worker *worker = arg;
    worker->base = new_precise_base();
    worker->send_timer = evtimer_new(worker->base, on_send_timer, worker);
    worker->tick_timer = event_new(worker->base, -1, EV_PERSIST, on_tick, worker);
    connect_phase(worker);
    pthread_barrier_wait(&worker->shared->barrier); /* everybody connected (or not) */
    pthread_barrier_wait(&worker->shared->barrier); /* t0 published */
    if (!atomic_load(&worker->shared->abort)) {
        start(worker);
        event_base_dispatch(worker->base);
    }
    publish_progress(worker);
    for (unsigned i = 0; i < worker->connection_count; i++)
        if (worker->connections[i].bev != NULL)
            bufferevent_free(worker->connections[i].bev);
    event_free(worker->send_timer);
    event_free(worker->tick_timer);
    event_base_free(worker->base);
    atomic_store(&worker->progress.done, true);
    return NULL;
}

void worker_free(struct worker *worker)
{
    free(worker->connections);
    free(worker->idle);
    arena_free(&worker->scratch);
}
