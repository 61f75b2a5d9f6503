/* geobid-load: the load generator of geobid (docs/loadtest.md). */
#include "options.h"
#include "session.h"

#include <stdio.h>

int main(int argc, char **argv)
{
    struct options options;
    struct error err;
    if (options_parse(argc, argv, &options, &err) != 0) {
        fprintf(stderr, "geobid-load: %s\n", err.message);
        options_usage(stderr);
        return 2;
    }
    if (options.help) {
        options_usage(stdout);
        return 0;
    }
    if (options.version) {
        printf("geobid-load %s\n", GEOBID_VERSION);
        return 0;
    }
    return session_run(&options);
}
