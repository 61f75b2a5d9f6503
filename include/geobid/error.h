/* A short, human-readable error message filled in by any function that can fail on
 * bad input (a request, a campaign file, a command line). The message names the exact
 * place, e.g. "campaigns[3].geo.radius[0].lat: must be within [-90, 90]". */
#ifndef GEOBID_ERROR_H
#define GEOBID_ERROR_H

struct error {
    char message[256];
};

/* Formats the message into err (truncating if needed; err may be NULL) and returns -1,
 * so callers can write `return error_format(err, "...", ...);`. */
int error_format(struct error *err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
