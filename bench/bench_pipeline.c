/* In-process pipeline benchmark: decode → locate → match → decide → encode for
 * realistic 1–2 KB OpenRTB JSON requests against 10,000 campaigns holding 100,000
 * geo-radius fences. Prints the per-request time distribution (median, p90, p99) of
 * the whole pipeline and of decoding alone, in nanoseconds.
 *
 *   build/bench-pipeline [--geoip FILE] [--requests N]
 *
 * Campaigns and requests are generated from a fixed seed, so every run sees the same
 * work; only the machine's noise differs. */
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/openrtb_json.h"
#include "geobid/snapshot.h"

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
    request_variants = 256,
    default_iterations = 200000,
};

struct city {
    const char *name;
    double lat, lon;
};

static const struct city cities[] = {
    {"Paris", 48.8566, 2.3522},     {"London", 51.5074, -0.1278},  {"Berlin", 52.52, 13.405},
    {"Madrid", 40.4168, -3.7038},   {"Rome", 41.9028, 12.4964},    {"Lyon", 45.764, 4.8357},
    {"Marseille", 43.2965, 5.3698}, {"Amsterdam", 52.3676, 4.9041}, {"Brussels", 50.8503, 4.3517},
    {"Stockholm", 59.3293, 18.0686}, {"Linköping", 58.4108, 15.6214}, {"New York", 40.7128, -74.006},
    {"Seattle", 47.6062, -122.3321}, {"Chicago", 41.8781, -87.6298}, {"Toronto", 43.6532, -79.3832},
    {"São Paulo", -23.5505, -46.6333}, {"Tokyo", 35.6762, 139.6503}, {"Sydney", -33.8688, 151.2093},
};
enum { city_count = sizeof(cities) / sizeof(cities[0]) };

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t next_random(void)
{
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static double uniform(double low, double high)
{
    return low + (high - low) * (double)(next_random() >> 11) / (double)(1ull << 53);
}

/* A point within about spread_km of a random city. */
static void near_city(double spread_km, double *lat, double *lon)
{
    const struct city *city = &cities[next_random() % city_count];
    *lat = city->lat + uniform(-spread_km, spread_km) / 111.0;
    *lon = city->lon + uniform(-spread_km, spread_km) / 75.0;
}

static const int sizes[][2] = {{300, 250}, {320, 50}, {728, 90}, {300, 600}, {160, 600}};

static void append(char **text, size_t *len, size_t *cap, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void append(char **text, size_t *len, size_t *cap, const char *fmt, ...)
{
    for (;;) {
        va_list args;
        va_start(args, fmt);
        int n = vsnprintf(*text + *len, *cap - *len, fmt, args);
        va_end(args);
        if ((size_t)n < *cap - *len) {
            *len += (size_t)n;
            return;
        }
        *cap *= 2;
        *text = realloc(*text, *cap);
    }
}

static char *generate_campaigns(size_t *len)
{
    size_t cap = 1 << 20;
    char *text = malloc(cap);
    *len = 0;
    append(&text, len, &cap, "{\"campaigns\":[");
    for (int c = 0; c < campaign_count; c++) {
        const int *size = sizes[next_random() % 5];
        append(&text, len, &cap, "%s{\"id\":\"c%d\",\"bid_cpm\":%d.%02d,\"currency\":\"EUR\","
               "\"geo\":{\"radius\":[", c ? "," : "", c, 1 + (int)(next_random() % 4),
               (int)(next_random() % 100));
        for (int f = 0; f < fences_per_campaign; f++) {
            double lat, lon;
            near_city(25.0, &lat, &lon);
            append(&text, len, &cap, "%s{\"lat\":%.5f,\"lon\":%.5f,\"radius_m\":%d}", f ? "," : "",
                   lat, lon, 200 + (int)(next_random() % 2800));
        }
        append(&text, len, &cap, "]},\"creatives\":[{\"id\":\"cr%d\",\"w\":%d,\"h\":%d,"
               "\"adm\":\"<a href=\\\"https://shop%d.example/\\\"><img src=\\\"https://cdn.example/%d.png\\\"></a>\","
               "\"adomain\":[\"shop%d.example\"],\"cat\":[\"IAB22\"]}]}", c, size[0], size[1], c, c, c);
    }
    append(&text, len, &cap, "]}");
    return text;
}

static char *generate_request(int n)
{
    size_t cap = 4096, len = 0;
    char *text = malloc(cap);
    double lat, lon;
    near_city(20.0, &lat, &lon);
    bool gps = next_random() % 10 < 7;
    char geo[160] = "";
    if (gps)
        snprintf(geo, sizeof(geo), "\"geo\":{\"lat\":%.5f,\"lon\":%.5f,\"type\":1,\"accuracy\":%d,"
                 "\"country\":\"FRA\"},", lat, lon, 5 + (int)(next_random() % 60));
    append(&text, &len, &cap,
           "{\"id\":\"bench-%d-8f3a2c1e-5b7d-4e9a\",\"at\":1,\"tmax\":120,\"cur\":[\"EUR\",\"USD\"],"
           "\"imp\":[{\"id\":\"1\",\"tagid\":\"homepage-top\",\"secure\":1,\"bidfloor\":0.35,"
           "\"bidfloorcur\":\"EUR\",\"banner\":{\"w\":300,\"h\":250,\"pos\":1,"
           "\"format\":[{\"w\":300,\"h\":250},{\"w\":320,\"h\":50}]}}],"
           "\"site\":{\"id\":\"site-4821\",\"domain\":\"lemonde-local.example\","
           "\"page\":\"https://lemonde-local.example/paris/quartier/article-12345.html\","
           "\"cat\":[\"IAB12\",\"IAB12-3\"],\"keywords\":\"paris,local,food\","
           "\"publisher\":{\"id\":\"pub-77\",\"name\":\"Local News\",\"domain\":\"lemonde-local.example\"}},"
           "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
           "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1\",\"ip\":\"%d.%d.%d.%d\",%s"
           "\"devicetype\":4,\"make\":\"Apple\",\"model\":\"iPhone\",\"os\":\"iOS\",\"osv\":\"17.4\","
           "\"connectiontype\":6,\"ifa\":\"6D92078A-8246-4BA4-AE5B-76104861E7DC\",\"lmt\":0,\"dnt\":0},"
           "\"user\":{\"id\":\"u-%d\",\"buyeruid\":\"b-%d-3f9e\",\"yob\":1990,\"gender\":\"F\","
           "\"data\":[{\"id\":\"dmp-1\",\"name\":\"acme-dmp\",\"segment\":[{\"id\":\"sustainable-fashion\"},"
           "{\"id\":\"coffee-lovers\"}]}],\"consent\":\"CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA\"},"
           "\"regs\":{\"gdpr\":1,\"ext\":{\"us_privacy\":\"1---\"}},"
           "\"source\":{\"tid\":\"tid-%d-a7c3\",\"ext\":{\"schain\":{\"ver\":\"1.0\",\"complete\":1,"
           "\"nodes\":[{\"asi\":\"exchange.example\",\"sid\":\"1234\",\"hp\":1}]}}}}",
           n, 2 + (int)(next_random() % 220), (int)(next_random() % 256), (int)(next_random() % 256),
           1 + (int)(next_random() % 254), geo, n, n, n);
    return text;
}

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int compare_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, uint32_t *samples, size_t count)
{
    qsort(samples, count, sizeof(uint32_t), compare_u32);
    printf("%-22s median %6u ns   p90 %6u ns   p99 %6u ns   (n=%zu)\n", name,
           samples[count / 2], samples[count * 90 / 100], samples[count * 99 / 100], count);
}

static struct geo_resolver open_resolver(const char *path)
{
    struct geo_resolver resolver = {NULL, 0};
    if (path == NULL)
        return resolver;
    struct error err;
    static struct geo_db *db;
    db = geo_db_open(path, &err);
    if (db == NULL) {
        fprintf(stderr, "bench-pipeline: %s\n", err.message);
        exit(1);
    }
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
    if (campaign_set_load(&set, text, len, &err) != 0) {
        fprintf(stderr, "bench-pipeline: generated campaigns rejected: %s\n", err.message);
        exit(1);
    }
    free(text);
    return snapshot_build(&set);
}

/* Times `iterations` requests cycling through the variants; decode_only stops after
 * decoding. Returns the number of bids (to show the work is real). */
static size_t run(const struct bidder *bidder, char **requests, size_t iterations,
                  bool decode_only, uint32_t *samples)
{
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    size_t bids = 0;
    for (size_t i = 0; i < iterations; i++) {
        const char *body = requests[i % request_variants];
        size_t len = strlen(body);
        struct outbuf out;
        struct error err;
        uint64_t start = now_ns();
        if (decode_only) {
            struct bid_request request;
            bids += openrtb_json_decode(body, len, &arena, &request, &err) == 0;
        } else {
            bids += bidder_handle(bidder, &openrtb_json_codec, body, len, &arena, &out, &err) ==
                    BID_OUTCOME_BID;
        }
        arena_reset(&arena);
        samples[i] = (uint32_t)(now_ns() - start);
    }
    arena_free(&arena);
    return bids;
}

int main(int argc, char **argv)
{
    const char *geoip = NULL;
    size_t iterations = default_iterations;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--geoip") == 0)
            geoip = argv[i + 1];
        else if (strcmp(argv[i], "--requests") == 0)
            iterations = strtoul(argv[i + 1], NULL, 10);
    }
    struct geo_resolver resolver = open_resolver(geoip);
    struct snapshot *snapshot = build_snapshot();
    struct bidder bidder = {snapshot, &resolver};
    char *requests[request_variants];
    size_t total_bytes = 0;
    for (int i = 0; i < request_variants; i++) {
        requests[i] = generate_request(i);
        total_bytes += strlen(requests[i]);
    }
    printf("campaigns %zu, fences %zu, request variants %d (mean %zu bytes), geoip %s\n",
           snapshot->campaigns.count, snapshot->fence_count, request_variants,
           total_bytes / request_variants, geoip ? geoip : "none");
    uint32_t *samples = malloc(iterations * sizeof(uint32_t));
    run(&bidder, requests, iterations / 10, false, samples); /* warm-up */
    size_t bids = run(&bidder, requests, iterations, false, samples);
    printf("bid rate %.1f %%\n", 100.0 * (double)bids / (double)iterations);
    report("pipeline (JSON)", samples, iterations);
    run(&bidder, requests, iterations, true, samples);
    report("decode only (JSON)", samples, iterations);
    free(samples);
    for (int i = 0; i < request_variants; i++)
        free(requests[i]);
    snapshot_free(snapshot);
    return 0;
}
