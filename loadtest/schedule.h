/* The open-loop send schedule: request i of a run is due at t0 + i / rate, whatever
 * happens to earlier requests, as an exchange's traffic does not wait for the bidder.
 * A request's latency is measured from this intended time (wrk2's correction of
 * coordinated omission), so a stall delays and counts against every request due during
 * it, not just the one in flight.
 *
 * With several threads, thread k of T sends the requests i = k, k + T, k + 2T, ...:
 * its own schedule is the global one thinned to every T-th slot, so together the threads
 * keep the global rate and order. */
#ifndef GEOBID_LOAD_SCHEDULE_H
#define GEOBID_LOAD_SCHEDULE_H

#include <stdint.h>

struct schedule {
    uint64_t t0_ns;    /* start of the run (CLOCK_MONOTONIC) */
    double rate;       /* global requests per second, > 0 */
    uint64_t stride;   /* T, number of threads sharing the schedule */
    uint64_t phase;    /* k, this thread's slot in [0, T) */
    uint64_t total;    /* this thread's requests: those due before t0 + duration */
};

/* Sets up thread phase's share of a run of duration_ns at rate requests/s from t0_ns. */
void schedule_init(struct schedule *schedule, uint64_t t0_ns, double rate, uint64_t duration_ns,
                   uint64_t stride, uint64_t phase);

/* Returns the intended send time of this thread's n-th request (n from 0). */
uint64_t schedule_intended_ns(const struct schedule *schedule, uint64_t n);

/* Returns how many of this thread's requests are due at now_ns (intended time <= now),
 * at most total. */
uint64_t schedule_due(const struct schedule *schedule, uint64_t now_ns);

/* Returns the global request number of this thread's n-th request (n * T + k), which
 * picks the request body so the stream is the same for any thread count. */
uint64_t schedule_global_index(const struct schedule *schedule, uint64_t n);

#endif
