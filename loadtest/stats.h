/* What a run counted, per worker thread and then merged. */
#ifndef GEOBID_LOAD_STATS_H
#define GEOBID_LOAD_STATS_H

#include "histogram.h"

#include <stdint.h>

struct load_stats {
    uint64_t requests;        /* requests of the run: answered, timed out or cut off */
    uint64_t responses;       /* complete HTTP responses received */
    uint64_t bids, no_bids;   /* valid answers */
    uint64_t invalid;         /* malformed or not matching the request (see validate.h) */
    uint64_t late;            /* answered after the request's tmax */
    uint64_t status_classes[6]; /* [1] 1xx ... [5] 5xx */
    uint64_t error_status;    /* 3xx, 4xx, 5xx answers */
    uint64_t connect_errors;  /* failed connection attempts */
    uint64_t timeouts;        /* no answer within the timeout of the intended send time */
    uint64_t closed;          /* connection lost with a request in flight */
    uint64_t bytes_sent, bytes_received;
    uint64_t last_response_ns; /* CLOCK_MONOTONIC time of the last response */
    struct histogram latency; /* every response and every timeout (as the time waited
                                 until given up), from its intended send time */
    struct histogram send_lag; /* open loop: actual - intended send time (the generator's
                                * own lateness, or the wait for a free connection) */
};

/* Empties stats. */
void load_stats_init(struct load_stats *stats);

/* Adds src into dst. */
void load_stats_merge(struct load_stats *dst, const struct load_stats *src);

/* Errors: connection errors + timeouts + lost requests + 3xx/4xx/5xx answers. */
uint64_t load_stats_errors(const struct load_stats *stats);

/* Returns CLOCK_MONOTONIC now in nanoseconds. */
uint64_t load_now_ns(void);

#endif
