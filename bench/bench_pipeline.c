/* In-process pipeline benchmark: decode → locate → match → decide → encode, one thread,
 * for the load generator's traffic (loadtest/traffic.c: the same model, seed and
 * encoders as build/geobid-load, so the same requests in JSON and in protobuf) against
 * 10,000 campaigns holding 100,000 geo-radius fences. Prints the per-request time
 * distribution (median, p90, p99) of the whole pipeline and of decoding alone, in
 * nanoseconds, for each wire format.
 *
 *   build/bench-pipeline [--geoip FILE] [--requests N] [--seed N]
 *   build/bench-pipeline --write-campaigns FILE   (the same 10,000 campaigns, for the
 *                                                 HTTP benchmark of scripts/bench.sh)
 *
 * With --geoip the traffic model takes device IPs from that database's networks (as
 * geobid-load --geoip does) and the bidder resolves them with it, so IP-only requests
 * are located. Campaigns come from a fixed seed and requests from --seed (default 7, the
 * HTTP benchmark's), so every run sees the same work; only the machine's noise differs.
 * The four measurements are interleaved in rounds, so a noisy moment of the machine is
 * shared by both formats instead of falling on whichever ran second. */
#include "../loadtest/ip_pool.h"
#include "../loadtest/random.h"
#include "../loadtest/request_pool.h"
#include "../loadtest/traffic.h"
#include "../loadtest/traffic_tables.h"

#include "geobid/alloc.h"
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/snapshot.h"

#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum {
    campaign_count = 10000,
    fences_per_campaign = 10,
    /* Distinct requests, cycled through: enough for a stable mix (the bid rate moves
     * by about a point from seed to seed; with 256 it moved by ten). */
    request_variants = 4096,
    default_iterations = 200000,
    default_seed = 7,             /* scripts/bench.sh runs geobid-load with --seed 7 */
    ip_sample_size = 65536,       /* networks sampled from --geoip, as geobid-load does */
    /* Rounds of the interleaved measurements: a multiple of measurement_count, so that
     * each measurement runs in every position of a round equally often. */
    rounds = 20,
    measurement_count = 4,
};
static const uint64_t campaign_seed = 0x9E3779B97F4A7C15ull;
static const double fence_spread_km = 25.0, km_per_degree = 111.32;

/* ---- campaigns -------------------------------------------------------------- */

/* A point uniformly distributed within fence_spread_km of city's centre. */
static void near_city(const struct city *city, struct rng *rng, double *lat, double *lon)
{
    double r_km = fence_spread_km * sqrt(rng_unit(rng));
    double bearing = 2.0 * M_PI * rng_unit(rng);
    *lat = city->lat + r_km * cos(bearing) / km_per_degree;
    *lon = city->lon + r_km * sin(bearing) / (km_per_degree * cos(city->lat * M_PI / 180.0));
}

/* One local advertiser: ten fences around one of the traffic model's cities, drawn by
 * population as the model draws its requests' cities (so fences are where requests
 * are), bidding 1.00-4.99 USD CPM expressed in the city's currency (the one its
 * requests allow and state their floors in). */
static void append_campaign(FILE *text, int number, const struct traffic_model *model,
                            struct rng *rng)
{
    static const int sizes[][2] = {{300, 250}, {320, 50}, {728, 90}, {300, 600}, {160, 600}};
    const struct city *city = &traffic_cities[weighted_pick(&model->cities, rng)];
    const int *size = sizes[rng_below(rng, sizeof(sizes) / sizeof(sizes[0]))];
    double bid_usd = (double)(100 + rng_below(rng, 400)) / 100.0;
    fprintf(text, "%s{\"id\":\"c%d\",\"bid_cpm\":%.2f,\"currency\":\"%s\",\"geo\":{\"radius\":[",
            number ? "," : "", number, bid_usd * traffic_units_per_usd(city->currency),
            city->currency);
    for (int f = 0; f < fences_per_campaign; f++) {
        double lat, lon;
        near_city(city, rng, &lat, &lon);
        fprintf(text, "%s{\"lat\":%.5f,\"lon\":%.5f,\"radius_m\":%d}", f ? "," : "", lat, lon,
                200 + (int)rng_below(rng, 2800));
    }
    fprintf(text, "]},\"creatives\":[{\"id\":\"cr%d\",\"w\":%d,\"h\":%d,"
            "\"adm\":\"<a href=\\\"https://shop%d.example/\\\"><img src=\\\"https://cdn.example/%d.png\\\"></a>\","
            "\"adomain\":[\"shop%d.example\"],\"cat\":[\"IAB22\"]}]}",
            number, size[0], size[1], number, number, number);
}

/* Returns the campaigns file (malloc'ed) and its length in *len. */
static char *generate_campaigns(size_t *len)
{
    struct traffic_model model;
    traffic_model_init(&model, campaign_seed, NULL);
    struct rng rng;
    rng_seed(&rng, campaign_seed);
    char *text_data;
    size_t text_len;
    FILE *text = open_memstream(&text_data, &text_len);
    fprintf(text, "{\"campaigns\":[");
    for (int c = 0; c < campaign_count; c++)
        append_campaign(text, c, &model, &rng);
    fprintf(text, "]}");
    traffic_model_free(&model);
    fclose(text);
    *len = text_len;
    return text_data;
}

static int write_campaigns(const char *path)
{
    size_t len;
    char *text = generate_campaigns(&len);
    FILE *file = fopen(path, "w");
    bool written = file != NULL && fwrite(text, 1, len, file) == len;
    if (file != NULL && fclose(file) != 0)
        written = false;
    free(text);
    if (!written)
        perror(path);
    return written ? 0 : 1;
}

/* ---- setup ------------------------------------------------------------------ */

static void die(const char *what, const struct error *err)
{
    fprintf(stderr, "bench-pipeline: %s: %s\n", what, err->message);
    exit(1);
}

static struct geo_resolver open_resolver(const char *path)
{
    struct geo_resolver resolver = {NULL, 0};
    if (path == NULL)
        return resolver;
    struct error err;
    static struct geo_db *db;
    db = geo_db_open(path, &err);
    if (db == NULL)
        die(path, &err);
    resolver.dbs = &db;
    resolver.db_count = 1;
    return resolver;
}

static struct snapshot *build_snapshot(void)
{
    size_t len;
    char *text = generate_campaigns(&len);
    struct campaign_set set;
    struct error err;
    if (campaign_set_load(&set, text, len, &err) != 0)
        die("generated campaigns rejected", &err);
    free(text);
    return snapshot_build(&set);
}

/* Fills json and protobuf with requests 0..request_variants-1 of the traffic model of
 * seed, taking device IPs from ips (may be empty). The pools check that the bidder's
 * codecs accept every request, and address them to target (unused here: only the
 * bodies are benchmarked). */
static void generate_requests(uint64_t seed, const struct ip_pool *ips,
                              const struct target *target, struct request_pool *json,
                              struct request_pool *protobuf)
{
    struct traffic_model model;
    struct error err;
    traffic_model_init(&model, seed, ips);
    request_pool_init(json, WIRE_JSON, target);
    request_pool_init(protobuf, WIRE_PROTOBUF, target);
    if (request_pool_generate(json, &model, request_variants, &err) != 0 ||
        request_pool_generate(protobuf, &model, request_variants, &err) != 0)
        die("traffic model", &err);
    traffic_model_free(&model);
}

/* ---- measuring ---------------------------------------------------------------- */

struct measurement {
    const char *name;
    const struct request_pool *requests; /* of its wire format */
    bool decode_only;
    uint32_t *samples;                   /* ns, one per request number */
    size_t successes;                    /* bids, or requests decoded when decode_only */
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Times requests number first..first+count-1 of m (cycling through the variants) into
 * m's samples. Returns the number of bids, or of requests decoded when decode_only
 * (to show the work is real). */
static size_t time_requests(const struct bidder *bidder, struct measurement *m, size_t first,
                            size_t count)
{
    const struct openrtb_codec *codec = wire_codec(m->requests->format);
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    size_t successes = 0;
    for (size_t i = first; i < first + count; i++) {
        struct slice body = request_pool_get(m->requests, i)->body;
        struct outbuf out;
        struct error err;
        uint64_t start = now_ns();
        if (m->decode_only) {
            struct bid_request request;
            successes += codec->decode(body.ptr, body.len, &arena, &request, &err) == 0;
        } else {
            successes += bidder_handle(bidder, codec, body.ptr, body.len, &arena, &out, &err) ==
                         BID_OUTCOME_BID;
        }
        arena_reset(&arena);
        m->samples[i] = (uint32_t)(now_ns() - start);
    }
    arena_free(&arena);
    return successes;
}

/* Runs every measurement over requests 0..iterations-1, in rounds: round r runs its
 * share of each measurement starting from measurement r mod measurement_count, so JSON
 * and protobuf take turns going first. A warm-up of a tenth of the requests precedes. */
static void measure(const struct bidder *bidder, struct measurement *measurements,
                    size_t iterations)
{
    for (size_t k = 0; k < measurement_count; k++)
        time_requests(bidder, &measurements[k], 0, iterations / 10);
    for (size_t round = 0; round < rounds; round++) {
        size_t first = iterations * round / rounds, last = iterations * (round + 1) / rounds;
        for (size_t k = 0; k < measurement_count; k++) {
            struct measurement *m = &measurements[(round + k) % measurement_count];
            m->successes += time_requests(bidder, m, first, last - first);
        }
    }
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void report(const struct measurement *m, size_t count)
{
    qsort(m->samples, count, sizeof(uint32_t), compare_u32);
    printf("%-22s median %6u ns   p90 %6u ns   p99 %6u ns   (n=%zu)\n", m->name,
           m->samples[count / 2], m->samples[count * 90 / 100], m->samples[count * 99 / 100],
           count);
}

/* ---- main ----------------------------------------------------------------------- */

struct options {
    const char *geoip;           /* NULL: no GeoIP database */
    const char *campaigns_out;   /* --write-campaigns: write them and exit */
    size_t iterations;
    uint64_t seed;
};

static int parse_options(int argc, char **argv, struct options *out)
{
    *out = (struct options){NULL, NULL, default_iterations, default_seed};
    for (int i = 1; i < argc; i += 2) {
        const char *name = argv[i], *value = i + 1 < argc ? argv[i + 1] : NULL;
        if (value == NULL)
            return -1;
        if (strcmp(name, "--geoip") == 0)
            out->geoip = value;
        else if (strcmp(name, "--write-campaigns") == 0)
            out->campaigns_out = value;
        else if (strcmp(name, "--requests") == 0)
            out->iterations = strtoul(value, NULL, 10);
        else if (strcmp(name, "--seed") == 0)
            out->seed = strtoull(value, NULL, 10);
        else
            return -1;
    }
    return out->iterations > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    struct options options;
    if (parse_options(argc, argv, &options) != 0) {
        fprintf(stderr, "usage: bench-pipeline [--geoip FILE] [--requests N] [--seed N]\n"
                        "       bench-pipeline --write-campaigns FILE\n");
        return 2;
    }
    if (options.campaigns_out != NULL)
        return write_campaigns(options.campaigns_out);
    struct error err;
    struct ip_pool ips = {NULL, 0};
    if (options.geoip != NULL &&
        ip_pool_load(&ips, options.geoip, ip_sample_size, options.seed, &err) != 0)
        die(options.geoip, &err);
    struct target target;
    if (target_parse("http://127.0.0.1/openrtb2/bid", &target, &err) != 0)
        die("target", &err);
    struct request_pool json, protobuf;
    generate_requests(options.seed, &ips, &target, &json, &protobuf);
    struct geo_resolver resolver = open_resolver(options.geoip);
    struct snapshot *snapshot = build_snapshot();
    struct bidder bidder = {.snapshot = snapshot, .geo = &resolver};
    printf("campaigns %zu, fences %zu, request variants %zu (mean %llu bytes in JSON, %llu in "
           "protobuf), geoip %s, seed %llu\n",
           snapshot->campaigns.count, snapshot->fence_count, json.count,
           (unsigned long long)(json.body_bytes / json.count),
           (unsigned long long)(protobuf.body_bytes / protobuf.count),
           options.geoip ? options.geoip : "none", (unsigned long long)options.seed);

    size_t iterations = options.iterations;
    struct measurement measurements[measurement_count] = {
        {"pipeline (JSON)", &json, false, xcalloc(iterations, sizeof(uint32_t)), 0},
        {"pipeline (protobuf)", &protobuf, false, xcalloc(iterations, sizeof(uint32_t)), 0},
        {"decode only (JSON)", &json, true, xcalloc(iterations, sizeof(uint32_t)), 0},
        {"decode only (protobuf)", &protobuf, true, xcalloc(iterations, sizeof(uint32_t)), 0},
    };
    measure(&bidder, measurements, iterations);
    int status = 0;
    if (measurements[1].successes != measurements[0].successes) {
        fprintf(stderr, "bench-pipeline: %zu bids in protobuf, %zu in JSON\n",
                measurements[1].successes, measurements[0].successes);
        status = 1;
    }
    if (measurements[2].successes != iterations || measurements[3].successes != iterations) {
        fprintf(stderr, "bench-pipeline: a request failed to decode\n");
        status = 1;
    }
    printf("bid rate %.1f %%\n", 100.0 * (double)measurements[0].successes / (double)iterations);
    static const int report_order[measurement_count] = {0, 2, 1, 3};
    for (size_t k = 0; k < measurement_count; k++)
        report(&measurements[report_order[k]], iterations);

    for (size_t k = 0; k < measurement_count; k++)
        free(measurements[k].samples);
    request_pool_free(&json);
    request_pool_free(&protobuf);
    ip_pool_free(&ips);
    snapshot_free(snapshot);
    if (resolver.db_count > 0)
        geo_db_close(resolver.dbs[0]);
    return status;
}
