#include "options.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    OPT_URL = 256, OPT_DURATION, OPT_CONNECTIONS, OPT_THREADS, OPT_RATE, OPT_FORMAT, OPT_REPLAY,
    OPT_GEOIP, OPT_SEED, OPT_POOL, OPT_TIMEOUT, OPT_JSON, OPT_FIND_MAX, OPT_SLO, OPT_DUMP,
    OPT_HELP, OPT_VERSION,
};

static const struct option long_options[] = {
    {"url", required_argument, NULL, OPT_URL},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"connections", required_argument, NULL, OPT_CONNECTIONS},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"rate", required_argument, NULL, OPT_RATE},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"replay", required_argument, NULL, OPT_REPLAY},
    {"geoip", required_argument, NULL, OPT_GEOIP},
    {"seed", required_argument, NULL, OPT_SEED},
    {"pool", required_argument, NULL, OPT_POOL},
    {"timeout-ms", required_argument, NULL, OPT_TIMEOUT},
    {"json", no_argument, NULL, OPT_JSON},
    {"find-max", no_argument, NULL, OPT_FIND_MAX},
    {"slo-p99-ms", required_argument, NULL, OPT_SLO},
    {"dump", required_argument, NULL, OPT_DUMP},
    {"help", no_argument, NULL, OPT_HELP},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

void options_usage(FILE *out)
{
    fputs("usage: geobid-load --url URL --duration SECONDS [--connections C] [--rate R]\n"
          "                   [--format json|protobuf] [--replay FILE] [--geoip FILE]\n"
          "                   [--seed N] [--json] [--threads N] [--pool N] [--timeout-ms MS]\n"
          "                   [--find-max --slo-p99-ms X] [--dump FILE]\n"
          "\n"
          "  --url URL          http://HOST:PORT/PATH of the bid endpoint (the only target)\n"
          "  --duration S       length of the run (of each step with --find-max)\n"
          "  --connections C    keep-alive connections (default 32)\n"
          "  --rate R           open loop: R requests/s on a fixed schedule, latency from\n"
          "                     each intended send time; without it: closed loop, as fast\n"
          "                     as the connections go\n"
          "  --format F         json (default) or protobuf\n"
          "  --replay FILE      send these requests (JSON lines, or varint-delimited\n"
          "                     protobuf) instead of generated ones\n"
          "  --geoip FILE       draw IP addresses from this .mmdb's networks\n"
          "  --seed N           traffic model seed (default 1)\n"
          "  --pool N           distinct generated requests (default 10000)\n"
          "  --threads N        event-loop threads (default 1)\n"
          "  --timeout-ms MS    a request unanswered this long after its intended send\n"
          "                     time is an error (default 2000)\n"
          "  --json             print the report as one JSON object on stdout\n"
          "  --find-max         search the highest open-loop rate with p99 <= --slo-p99-ms,\n"
          "                     no error and no invalid answer (--rate: first step)\n"
          "  --dump FILE        write the requests in replay format (\"-\": stdout), exit\n",
          out);
}

static int parse_number(const char *name, const char *text, double low, double high,
                        double *out, struct error *err)
{
    char *end;
    errno = 0;
    double value = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || !isfinite(value) || value < low ||
        value > high)
        return error_format(err, "--%s: expected a number in [%g, %g], got \"%s\"", name, low,
                            high, text);
    *out = value;
    return 0;
}

static int parse_count(const char *name, const char *text, double low, double high,
                       double *out, struct error *err)
{
    if (parse_number(name, text, low, high, out, err) != 0)
        return -1;
    if (*out != floor(*out))
        return error_format(err, "--%s: expected a whole number, got \"%s\"", name, text);
    return 0;
}

static void set_defaults(struct options *out)
{
    memset(out, 0, sizeof(*out));
    out->connections = 32;
    out->threads = 1;
    out->format = WIRE_JSON;
    out->seed = 1;
    out->pool_size = 10000;
    out->timeout_ms = 2000;
}

/* Applies one option; value is its argument (NULL for flags). */
static int apply(int option, const char *value, struct options *out, struct error *err)
{
    double number = 0;
    int rc = 0;
    switch (option) {
    case OPT_URL: out->url = value; break;
    case OPT_DURATION: rc = parse_number("duration", value, 0.001, 86400, &out->duration_s, err); break;
    case OPT_CONNECTIONS:
        rc = parse_count("connections", value, 1, 100000, &number, err);
        out->connections = (unsigned)number;
        break;
    case OPT_THREADS:
        rc = parse_count("threads", value, 1, 256, &number, err);
        out->threads = (unsigned)number;
        break;
    case OPT_RATE: rc = parse_number("rate", value, 1, 1e8, &out->rate, err); break;
    case OPT_FORMAT:
        if (wire_format_parse(value, &out->format) != 0)
            rc = error_format(err, "--format: expected json or protobuf, got \"%s\"", value);
        break;
    case OPT_REPLAY: out->replay = value; break;
    case OPT_GEOIP: out->geoip = value; break;
    case OPT_SEED:
        rc = parse_count("seed", value, 0, 9007199254740992.0, &number, err);
        out->seed = (uint64_t)number;
        break;
    case OPT_POOL:
        rc = parse_count("pool", value, 1, 1000000, &number, err);
        out->pool_size = (size_t)number;
        break;
    case OPT_TIMEOUT: rc = parse_number("timeout-ms", value, 1, 600000, &out->timeout_ms, err); break;
    case OPT_JSON: out->json = true; break;
    case OPT_FIND_MAX: out->find_max = true; break;
    case OPT_SLO: rc = parse_number("slo-p99-ms", value, 0.001, 600000, &out->slo_p99_ms, err); break;
    case OPT_DUMP: out->dump = value; break;
    case OPT_HELP: out->help = true; break;
    case OPT_VERSION: out->version = true; break;
    default: rc = error_format(err, "unknown option (see --help)");
    }
    return rc;
}

static int check(const struct options *out, struct error *err)
{
    if (out->dump != NULL)
        return 0;
    if (out->url == NULL)
        return error_format(err, "--url is required");
    if (out->duration_s == 0)
        return error_format(err, "--duration is required");
    if (out->connections < out->threads)
        return error_format(err, "--connections must be at least --threads");
    if (out->find_max && out->slo_p99_ms == 0)
        return error_format(err, "--find-max needs --slo-p99-ms");
    if (!out->find_max && out->slo_p99_ms != 0)
        return error_format(err, "--slo-p99-ms is only used with --find-max");
    return 0;
}

int options_parse(int argc, char **argv, struct options *out, struct error *err)
{
    set_defaults(out);
    optind = 0; /* reset getopt, so the parser can run more than once (tests) */
    opterr = 0;
    int option;
    while ((option = getopt_long(argc, argv, "", long_options, NULL)) != -1) {
        if (option == '?' || option == ':')
            return error_format(err, "%s: unknown option or missing value (see --help)",
                                argv[optind - 1]);
        if (apply(option, optarg, out, err) != 0)
            return -1;
    }
    if (optind < argc)
        return error_format(err, "unexpected argument \"%s\"", argv[optind]);
    return out->help || out->version ? 0 : check(out, err);
}
