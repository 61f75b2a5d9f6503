/* The one HTTP endpoint a run sends to, from --url http://HOST:PORT/PATH. */
#ifndef GEOBID_LOAD_TARGET_H
#define GEOBID_LOAD_TARGET_H

#include "geobid/error.h"

#include <sys/socket.h>

struct target {
    char authority[280];   /* HOST:PORT as written, for the Host header */
    char path[1024];       /* starts with '/' */
    struct sockaddr_storage addr;
    socklen_t addr_len;
};

/* Parses an http:// URL (no https, no user info, no fragment) and resolves its host.
 * Returns 0, or -1 with err. */
int target_parse(const char *url, struct target *out, struct error *err);

#endif
