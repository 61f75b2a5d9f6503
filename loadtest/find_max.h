/* --find-max: the highest open-loop rate whose p99 latency stays within the SLO with no
 * error and no invalid answer — the figure serious bidder tests report.
 *
 * The search doubles the rate from a start until a step fails (or halves it until one
 * passes), then bisects between the best passing and the lowest failing rate until they
 * are within a relative precision. Each step is a full open-loop run supplied by the
 * caller (a probe), so the search itself is testable with a fake probe. */
#ifndef GEOBID_LOAD_FIND_MAX_H
#define GEOBID_LOAD_FIND_MAX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct probe_outcome {
    double p99_ms;
    uint64_t errors;
    uint64_t invalid;
};

/* Runs one step at rate (requests/s). Returns 0, or -1 to abort the search. */
typedef int (*find_max_probe)(void *context, double rate, struct probe_outcome *outcome);

struct find_max_config {
    double start_rps;         /* first step, > 0 */
    double slo_p99_ms;
    double precision;         /* stop when (fail - pass) <= precision * pass, e.g. 0.05 */
    double max_rps;           /* the ramp stops here */
    unsigned max_steps;
};

struct find_max_step {
    double rate;
    bool pass;
    struct probe_outcome outcome;
};

struct find_max_result {
    double max_rps;           /* highest passing rate; 0 when none passed */
    struct find_max_step *steps; /* malloc'ed, in the order run */
    size_t step_count;
};

/* Searches with probe. Returns 0, or -1 when a probe aborted (result holds the steps
 * so far). Free result->steps. */
int find_max_search(const struct find_max_config *config, find_max_probe probe, void *context,
                    struct find_max_result *result);

/* True when an outcome meets the SLO: p99 <= slo_p99_ms, no error, nothing invalid. */
bool find_max_passes(const struct probe_outcome *outcome, double slo_p99_ms);

#endif
