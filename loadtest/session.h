/* What one invocation of geobid-load does once its options are parsed: build the
 * requests (generated or replayed), then dump them, run once, or search the maximum
 * rate, and print the report. */
#ifndef GEOBID_LOAD_SESSION_H
#define GEOBID_LOAD_SESSION_H

#include "options.h"

/* Runs the session described by options. Returns the process exit status: 0, or 1 after
 * printing the error to stderr. */
int session_run(const struct options *options);

#endif
