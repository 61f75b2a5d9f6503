/* Configuration: one table of options (name, kind, bounds, default, help) read from the
 * command line (--name value) and from a config file (`name = value` lines, `#`
 * comments) with the same names. The command line wins over the file. */
#ifndef GEOBID_CONFIG_H
#define GEOBID_CONFIG_H

#include "geobid/error.h"
#include "geobid/server.h"

#include <stdbool.h>
#include <stdio.h>

struct config {
    char *listen;
    char *admin_listen;
    char *admin_token;          /* NULL: admin API without a token (loopback only) */
    char *campaigns;            /* NULL: start with no campaigns */
    char **geoip;               /* databases consulted in order */
    size_t geoip_count;
    long threads;               /* 0: one per online CPU */
    char *data_dir;             /* NULL: no durable state */
    long profile_ttl_days;      /* segment memberships expire this long after last seen */
    long profile_map_mb;        /* the most the profile store may hold */
    char *public_url;           /* NULL: "http://" + listen (notice URLs) */
    char *notice_key;           /* hex; NULL: the data directory's, or per process */
    long reservation_ttl_s;     /* an unanswered budget reservation expires after this */
    long max_reservations;      /* outstanding at once; size: peak bids/s x the TTL */
    char *config_file;
    long max_body_bytes;
    long max_header_bytes;
    long timeout_ms;
    long max_connections;
    long admin_max_body_bytes;
    long vendor_id;             /* our IAB GVL id; 0: GDPR traffic is contextual only */
    long gdpr_default;          /* 1: GDPR applies when a request does not say */
};

enum config_action {
    CONFIG_ERROR = -1,
    CONFIG_RUN,      /* start the bidder */
    CONFIG_CHECK,    /* --check: validate, then exit */
    CONFIG_HELP,     /* --help */
    CONFIG_VERSION,  /* --version */
};

/* Fills config from the defaults, then the --config file if one is named, then the
 * command line; the admin token from GEOBID_ADMIN_TOKEN when no option gave one. An
 * admin listener on a non-loopback address without a token is refused. Returns the action, or CONFIG_ERROR with the offending option and why
 * in err. Free with config_free() whatever the result. */
enum config_action config_load(struct config *config, int argc, char **argv, struct error *err);

/* Prints the option table (names, defaults, help) to out. */
void config_print_usage(FILE *out);

/* Copies the server-related fields into server (threads resolved to online CPUs). */
void config_server(const struct config *config, struct server_config *server);

/* Frees everything config holds. */
void config_free(struct config *config);

#endif
