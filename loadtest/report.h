/* The run's report: a human table, or one JSON object (--json). The JSON keys and what
 * they mean are listed in docs/loadtest.md ("Output"); scripts rely on them. */
#ifndef GEOBID_LOAD_REPORT_H
#define GEOBID_LOAD_REPORT_H

#include "run.h"

#include <stdint.h>
#include <stdio.h>

/* What the run was asked to do, echoed in the report. */
struct run_description {
    const char *url;
    const char *format;       /* "json" or "protobuf" */
    const char *source;       /* "generated" or the replay file */
    uint64_t seed;
    unsigned connections, threads;
    double rate;              /* 0: closed loop */
    double duration_s;
    size_t pool_requests;
    double mean_request_bytes;
};

/* Prints the human-readable table of result. */
void report_print_table(FILE *out, const struct run_description *run,
                        const struct load_result *result);

/* Prints the members of the JSON report ("key":value,...) without the braces, so that
 * callers can embed them. */
void report_print_json_members(FILE *out, const struct run_description *run,
                               const struct load_result *result);

/* Prints the JSON report as one object and a newline. */
void report_print_json(FILE *out, const struct run_description *run,
                       const struct load_result *result);

/* Returns a latency percentile of result in milliseconds. */
double report_percentile_ms(const struct load_result *result, double percent);

#endif
