/* One load thread: its event loop, connections and counters. Private to run.c. */
#ifndef GEOBID_LOAD_WORKER_H
#define GEOBID_LOAD_WORKER_H

#include "run.h"
#include "schedule.h"
#include "stats.h"

#include "geobid/arena.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

/* What the threads of a run share: the start line and the counters the progress line
 * reads (written with relaxed atomic stores by their owner). */
struct worker_shared {
    pthread_barrier_t barrier;     /* threads + the main thread */
    _Atomic uint64_t t0_ns;
    atomic_bool abort;             /* set before the start: nobody could connect */
};

struct worker_progress {
    _Atomic uint64_t responses, errors, bids, in_flight;
    atomic_bool done;
};

struct connection;

struct worker {
    pthread_t thread;
    unsigned index;                /* k of T */
    const struct load_config *config;
    struct worker_shared *shared;
    struct event_base *base;
    struct event *send_timer, *tick_timer;
    struct connection *connections;
    unsigned connection_count, connected, in_flight;
    struct connection **idle;      /* stack of idle connections (checked on pop) */
    unsigned idle_count;
    struct schedule schedule;      /* open loop */
    uint64_t next;                 /* this thread's next request number */
    uint64_t end_ns, hard_stop_ns;
    bool started, sending_done;
    struct arena scratch;          /* response validation, reset per response */
    struct load_stats stats;
    struct worker_progress progress;
};

/* Prepares worker k of the run (no thread yet). */
void worker_init(struct worker *worker, unsigned index, const struct load_config *config,
                 struct worker_shared *shared);

/* The thread: connect, wait at the barrier twice (connected; start time published),
 * run until done, then free the loop. */
void *worker_main(void *arg);

/* Frees what worker_init() and the run allocated. */
void worker_free(struct worker *worker);

#endif
