/* The command line of geobid-load (see options_usage() and docs/loadtest.md). */
#ifndef GEOBID_LOAD_OPTIONS_H
#define GEOBID_LOAD_OPTIONS_H

#include "wire.h"

#include "geobid/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct options {
    const char *url;
    double duration_s;        /* of the run, or of each --find-max step */
    unsigned connections;
    unsigned threads;
    double rate;              /* 0: closed loop */
    enum wire_format format;
    const char *replay;       /* NULL: generate */
    const char *geoip;        /* NULL: addresses from the public unicast space */
    uint64_t seed;
    size_t pool_size;         /* generated requests */
    double timeout_ms;
    bool json;
    bool find_max;
    double slo_p99_ms;
    const char *dump;         /* write the requests to this file ("-": stdout) and exit */
    bool help, version;
};

/* Parses argv into out (defaults first). Returns 0, or -1 with err naming the bad
 * option. --help and --version set their flag and skip the other checks. */
int options_parse(int argc, char **argv, struct options *out, struct error *err);

/* Prints the usage text. */
void options_usage(FILE *out);

#endif
