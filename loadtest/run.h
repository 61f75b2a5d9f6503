/* One load run: open-loop at a constant rate (--rate) or closed-loop as fast as the
 * connections allow, for a fixed duration, on N threads each with its own event loop
 * and share of the keep-alive connections. The run always ends by itself: sending
 * stops at the duration, and whatever is unanswered timeout later counts as timed out. */
#ifndef GEOBID_LOAD_RUN_H
#define GEOBID_LOAD_RUN_H

#include "request_pool.h"
#include "stats.h"
#include "target.h"

#include "geobid/error.h"

#include <stdbool.h>
#include <stdint.h>

struct load_config {
    const struct target *target;
    const struct request_pool *pool;
    unsigned connections;     /* total, spread over the threads (>= threads) */
    unsigned threads;         /* >= 1 */
    double rate;              /* requests per second; 0 = closed loop */
    uint64_t duration_ns;
    uint64_t timeout_ns;      /* from the intended send time */
    bool progress;            /* one line per second on stderr */
};

struct load_result {
    struct load_stats stats;
    uint64_t elapsed_ns;      /* start → last response (the duration when none came) */
    double achieved_rps;      /* responses / elapsed */
    unsigned connections_open; /* connections established before the start */
};

/* Connects, runs and fills result. Returns 0, or -1 with err when no connection to the
 * target could be opened (nothing was sent then). */
int load_run(const struct load_config *config, struct load_result *result, struct error *err);

#endif
