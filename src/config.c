#include "geobid/config.h"

#include "geobid/alloc.h"

#include <errno.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum option_kind { OPTION_STRING, OPTION_STRING_LIST, OPTION_INTEGER, OPTION_FLAG };

struct option_row {
    const char *name;
    enum option_kind kind;
    size_t offset;             /* field in struct config (unused by flags) */
    const char *default_value; /* NULL: none */
    long min, max;             /* integers only */
    const char *help;
};

#define FIELD(name) offsetof(struct config, name)

static const struct option_row option_table[] = {
    {"listen", OPTION_STRING, FIELD(listen), "0.0.0.0:8080", 0, 0, "HOST:PORT for bid traffic"},
    {"admin-listen", OPTION_STRING, FIELD(admin_listen), "127.0.0.1:8081", 0, 0,
     "HOST:PORT for management (the admin API); loopback only without --admin-token"},
    {"admin-token", OPTION_STRING, FIELD(admin_token), NULL, 0, 0,
     "bearer token the admin API requires (else $GEOBID_ADMIN_TOKEN)"},
    {"admin-max-body-bytes", OPTION_INTEGER, FIELD(admin_max_body_bytes), "67108864", 1024,
     1L << 30, "largest admin request body (segment uploads)"},
    {"campaigns", OPTION_STRING, FIELD(campaigns), NULL, 0, 0, "campaign file (docs/campaigns.md)"},
    {"geoip", OPTION_STRING_LIST, FIELD(geoip), NULL, 0, 0,
     "GeoIP2/GeoLite2 City or DB-IP .mmdb file; repeatable, consulted in order"},
    {"threads", OPTION_INTEGER, FIELD(threads), "0", 0, 256, "worker threads (0: one per CPU)"},
    {"data-dir", OPTION_STRING, FIELD(data_dir), NULL, 0, 0, "directory for durable state"},
    {"profile-ttl-days", OPTION_INTEGER, FIELD(profile_ttl_days), "90", 1, 3650,
     "days a segment membership lasts after last seen (docs/segments.md)"},
    {"profile-map-mb", OPTION_INTEGER, FIELD(profile_map_mb), "4096", 1, 1L << 24,
     "MiB the profile store may grow to (address space, not disk)"},
    {"public-url", OPTION_STRING, FIELD(public_url), NULL, 0, 0,
     "base URL exchanges reach the bid listener at, for notice URLs (default http://LISTEN)"},
    {"notice-key", OPTION_STRING, FIELD(notice_key), NULL, 0, 0,
     "hex HMAC key signing notice URLs (default: DATA_DIR/notice.key, created once)"},
    {"reservation-ttl", OPTION_INTEGER, FIELD(reservation_ttl_s), "120", 1, 86400,
     "seconds a bid's budget reservation waits for its win or loss notice"},
    {"max-reservations", OPTION_INTEGER, FIELD(max_reservations), "1048576", 1024, 1L << 27,
     "budget reservations outstanding at once (>= peak bids/s x --reservation-ttl)"},
    {"max-body-bytes", OPTION_INTEGER, FIELD(max_body_bytes), "65536", 1024, 16 << 20,
     "largest request body, after decompression"},
    {"max-header-bytes", OPTION_INTEGER, FIELD(max_header_bytes), "8192", 1024, 1 << 20,
     "largest request header block"},
    {"timeout-ms", OPTION_INTEGER, FIELD(timeout_ms), "5000", 1, 3600000,
     "read/write timeout of a connection"},
    {"max-connections", OPTION_INTEGER, FIELD(max_connections), "4096", 1, 1000000,
     "open bid connections, all threads together"},
    {"vendor-id", OPTION_INTEGER, FIELD(vendor_id), "0", 0, 65535,
     "our IAB TCF Global Vendor List id (0: GDPR traffic is contextual only)"},
    {"gdpr-default", OPTION_INTEGER, FIELD(gdpr_default), "0", 0, 1,
     "whether GDPR applies to a request without regs.gdpr (1 for an EU-only deployment)"},
    {"config", OPTION_STRING, FIELD(config_file), NULL, 0, 0, "file of `name = value` lines"},
    {"check", OPTION_FLAG, 0, NULL, 0, 0, "validate configuration and campaigns, then exit"},
    {"help", OPTION_FLAG, 0, NULL, 0, 0, "print this help"},
    {"version", OPTION_FLAG, 0, NULL, 0, 0, "print the version"},
};

enum { option_count = sizeof(option_table) / sizeof(option_table[0]) };

static const struct option_row *find_option(const char *name, size_t len)
{
    for (size_t i = 0; i < option_count; i++)
        if (strlen(option_table[i].name) == len && strncmp(option_table[i].name, name, len) == 0)
            return &option_table[i];
    return NULL;
}

static int set_integer(struct config *config, const struct option_row *row, const char *value,
                       struct error *err)
{
    char *end;
    errno = 0;
    long parsed = strtol(value, &end, 10);
    if (errno != 0 || end == value || *end != '\0' || parsed < row->min || parsed > row->max)
        return error_format(err, "--%s: expected an integer in [%ld, %ld], got \"%s\"",
                            row->name, row->min, row->max, value);
    *(long *)((char *)config + row->offset) = parsed;
    return 0;
}

/* Stores value into the row's field, replacing an earlier value (lists append). */
static int set_option(struct config *config, const struct option_row *row, const char *value,
                      struct error *err)
{
    char **string = (char **)((char *)config + row->offset);
    switch (row->kind) {
    case OPTION_INTEGER:
        return set_integer(config, row, value, err);
    case OPTION_STRING:
        free(*string);
        *string = xstrndup(value, strlen(value));
        return 0;
    case OPTION_STRING_LIST:
        config->geoip = xrealloc(config->geoip, (config->geoip_count + 1) * sizeof(char *));
        config->geoip[config->geoip_count++] = xstrndup(value, strlen(value));
        return 0;
    case OPTION_FLAG:
        break;
    }
    return error_format(err, "--%s takes no value", row->name);
}

static void set_defaults(struct config *config)
{
    memset(config, 0, sizeof(*config));
    for (size_t i = 0; i < option_count; i++)
        if (option_table[i].default_value != NULL)
            set_option(config, &option_table[i], option_table[i].default_value, NULL);
}

static char *trim(char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    char *end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        *--end = '\0';
    return s;
}

/* Applies one `name = value` line of a config file. */
static int apply_config_line(struct config *config, char *line, const char *path, int number,
                             struct error *err)
{
    char *text = trim(line);
    if (*text == '\0' || *text == '#')
        return 0;
    char *equals = strchr(text, '=');
    if (equals == NULL)
        return error_format(err, "%s:%d: expected `name = value`", path, number);
    *equals = '\0';
    char *name = trim(text);
    const struct option_row *row = find_option(name, strlen(name));
    if (row == NULL || row->kind == OPTION_FLAG || strcmp(name, "config") == 0)
        return error_format(err, "%s:%d: unknown setting \"%s\"", path, number, name);
    struct error inner;
    if (set_option(config, row, trim(equals + 1), &inner) != 0)
        return error_format(err, "%s:%d: %s", path, number, inner.message);
    return 0;
}

static int read_config_file(struct config *config, const char *path, struct error *err)
{
    FILE *file = fopen(path, "r");
    if (file == NULL)
        return error_format(err, "%s: %s", path, strerror(errno));
    char line[4096];
    int number = 0, rc = 0;
    while (rc == 0 && fgets(line, sizeof(line), file) != NULL)
        rc = apply_config_line(config, line, path, ++number, err);
    fclose(file);
    return rc;
}

/* Returns the value of --config NAME / --config=NAME in argv, or NULL. */
static const char *find_config_argument(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            return argv[i + 1];
        if (strncmp(argv[i], "--config=", 9) == 0)
            return argv[i] + 9;
    }
    return NULL;
}

static void build_long_options(struct option *options)
{
    for (size_t i = 0; i < option_count; i++)
        options[i] = (struct option){option_table[i].name,
                                     option_table[i].kind == OPTION_FLAG ? no_argument
                                                                         : required_argument,
                                     NULL, (int)i};
    options[option_count] = (struct option){0};
}

static enum config_action flag_action(const char *name)
{
    if (strcmp(name, "check") == 0)
        return CONFIG_CHECK;
    return strcmp(name, "help") == 0 ? CONFIG_HELP : CONFIG_VERSION;
}

static enum config_action parse_command_line(struct config *config, int argc, char **argv,
                                             struct error *err)
{
    struct option options[option_count + 1];
    build_long_options(options);
    enum config_action action = CONFIG_RUN;
    int index;
    optind = 1;
    opterr = 0;
    while ((index = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (index == '?' || index == ':')
            return error_format(err, "%s: unknown option or missing value (see --help)",
                                argv[optind - 1]);
        const struct option_row *row = &option_table[index];
        if (row->kind == OPTION_FLAG) {
            enum config_action flag = flag_action(row->name);
            action = flag > action ? flag : action;
        } else if (set_option(config, row, optarg, err) != 0) {
            return CONFIG_ERROR;
        }
    }
    if (optind < argc)
        return error_format(err, "%s: unexpected argument (see --help)", argv[optind]);
    return action;
}

static bool is_loopback(const struct sockaddr_storage *addr)
{
    if (addr->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)addr;
        return (ntohl(v4->sin_addr.s_addr) >> 24) == 127;
    }
    const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)addr;
    return addr->ss_family == AF_INET6 && IN6_IS_ADDR_LOOPBACK(&v6->sin6_addr);
}

/* Takes the admin token from the environment when no option set it, and refuses an
 * admin listener reachable from other machines without one. */
static int settle_admin_access(struct config *config, struct error *err)
{
    const char *from_env = getenv("GEOBID_ADMIN_TOKEN");
    if (config->admin_token == NULL && from_env != NULL && *from_env != '\0')
        config->admin_token = xstrndup(from_env, strlen(from_env));
    if (config->admin_token != NULL)
        return 0;
    struct sockaddr_storage addr;
    socklen_t len;
    if (server_parse_address(config->admin_listen, &addr, &len, err) != 0)
        return error_format(err, "--admin-listen %s: expected HOST:PORT", config->admin_listen);
    if (!is_loopback(&addr))
        return error_format(err, "--admin-listen %s: not a loopback address, so the admin API "
                                 "needs --admin-token or GEOBID_ADMIN_TOKEN",
                            config->admin_listen);
    return 0;
}

enum config_action config_load(struct config *config, int argc, char **argv, struct error *err)
{
    set_defaults(config);
    const char *file = find_config_argument(argc, argv);
    if (file != NULL && read_config_file(config, file, err) != 0)
        return CONFIG_ERROR;
    enum config_action action = parse_command_line(config, argc, argv, err);
    if (action == CONFIG_RUN || action == CONFIG_CHECK)
        return settle_admin_access(config, err) == 0 ? action : CONFIG_ERROR;
    return action;
}

void config_print_usage(FILE *out)
{
    fprintf(out, "Usage: geobid [OPTION]...\n"
                 "       geobid import-segments --data-dir DIR [OPTION]... SEGMENT FILE\n"
                 "A real-time OpenRTB bidder for geo-targeted micromarketing.\n\n");
    for (size_t i = 0; i < option_count; i++) {
        const struct option_row *row = &option_table[i];
        char left[64];
        snprintf(left, sizeof(left), "--%s%s", row->name,
                 row->kind == OPTION_FLAG ? "" : (row->kind == OPTION_INTEGER ? " N" : " VALUE"));
        fprintf(out, "  %-26s %s", left, row->help);
        if (row->default_value != NULL)
            fprintf(out, " (default %s)", row->default_value);
        fputc('\n', out);
    }
}

void config_server(const struct config *config, struct server_config *server)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    server->listen = config->listen;
    server->admin_listen = config->admin_listen;
    server->admin_token = config->admin_token;
    server->threads = (int)(config->threads > 0 ? config->threads : (cpus > 0 ? cpus : 1));
    server->limits = (struct server_limits){
        .max_body_bytes = (size_t)config->max_body_bytes,
        .max_header_bytes = (size_t)config->max_header_bytes,
        .timeout_ms = (int)config->timeout_ms,
        .max_connections = (size_t)config->max_connections,
        .admin_max_body_bytes = (size_t)config->admin_max_body_bytes,
    };
}

void config_free(struct config *config)
{
    for (size_t i = 0; i < option_count; i++)
        if (option_table[i].kind == OPTION_STRING)
            free(*(char **)((char *)config + option_table[i].offset));
    for (size_t g = 0; g < config->geoip_count; g++)
        free(config->geoip[g]);
    free(config->geoip);
    memset(config, 0, sizeof(*config));
}
