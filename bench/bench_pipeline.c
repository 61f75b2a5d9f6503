/* In-process pipeline benchmark: decode → locate → match → decide → encode for
 * realistic 1–2 KB OpenRTB JSON requests against 10,000 campaigns holding 100,000
 * geo-radius fences, then for the same requests in protobuf (each JSON request decoded
 * and re-encoded as a protobuf BidRequest: the same content, the same decisions).
 * Prints the per-request time distribution (median, p90, p99) of the whole pipeline
 * and of decoding alone, in nanoseconds, for each wire format.
 *
 *   build/bench-pipeline [--geoip FILE] [--requests N]
 *   build/bench-pipeline --write-campaigns FILE   (the same 10,000 campaigns, for the
 *                                                 HTTP benchmark of scripts/bench.sh)
 *
 * Campaigns and requests are generated from a fixed seed, so every run sees the same
 * work; only the machine's noise differs. */
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/openrtb_json.h"
#include "geobid/openrtb_pb.h"
#include "geobid/snapshot.h"
#include "openrtb.pb-c.h"

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

/* ---- the same requests in protobuf ------------------------------------------
 * The inverse of the protobuf decoder for what struct bid_request holds: everything
 * geobid reads from a request goes over the wire in both formats. Built in an arena
 * that outlives the run (protobuf-c packs NUL-terminated strings). */

/* An arena copy of s for protobuf-c, or NULL when empty (the field is then absent). */
static char *pb_string(struct slice s, struct arena *arena)
{
    return s.len > 0 ? arena_strndup(arena, s.ptr, s.len) : NULL;
}

static char **pb_strings(const struct slice_list *list, struct arena *arena, size_t *count)
{
    char **items = arena_calloc(arena, list->count, sizeof(char *));
    for (size_t i = 0; i < list->count; i++)
        items[i] = pb_string(list->items[i], arena);
    *count = list->count;
    return items;
}

static Com__Google__Openrtb__BidRequest__Geo *pb_geo(const struct openrtb_geo *geo,
                                                     struct arena *arena)
{
    if (!geo->present)
        return NULL;
    Com__Google__Openrtb__BidRequest__Geo *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__geo__init(pb);
    pb->has_lat = pb->has_lon = geo->has_point;
    pb->lat = geo->lat;
    pb->lon = geo->lon;
    pb->has_type = true;
    pb->type = geo->type;
    pb->has_accuracy = geo->accuracy_m >= 0;
    pb->accuracy = geo->accuracy_m;
    pb->country = pb_string(geo->country, arena);
    pb->region = pb_string(geo->region, arena);
    pb->city = pb_string(geo->city, arena);
    pb->zip = pb_string(geo->zip, arena);
    pb->has_utcoffset = geo->has_utcoffset;
    pb->utcoffset = geo->utcoffset_min;
    return pb;
}

static Com__Google__Openrtb__BidRequest__Imp *pb_imp(const struct imp *imp, struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Imp *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__imp__init(pb);
    pb->id = pb_string(imp->id, arena);
    pb->tagid = pb_string(imp->tagid, arena);
    if (imp->has_banner) {
        pb->banner = arena_alloc(arena, sizeof(*pb->banner));
        com__google__openrtb__bid_request__imp__banner__init(pb->banner);
        pb->banner->has_w = pb->banner->has_h = true;
        pb->banner->w = imp->banner_w;
        pb->banner->h = imp->banner_h;
        pb->banner->n_format = imp->format_count;
        pb->banner->format = arena_calloc(arena, imp->format_count, sizeof(void *));
        for (size_t i = 0; i < imp->format_count; i++) {
            Com__Google__Openrtb__BidRequest__Imp__Banner__Format *format =
                arena_alloc(arena, sizeof(*format));
            com__google__openrtb__bid_request__imp__banner__format__init(format);
            format->has_w = format->has_h = true;
            format->w = imp->formats[i].w;
            format->h = imp->formats[i].h;
            pb->banner->format[i] = format;
        }
    }
    pb->has_bidfloor = imp->bidfloor_micros > 0;
    pb->bidfloor = (double)imp->bidfloor_micros / 1e6;
    pb->bidfloorcur = pb_string(imp->bidfloorcur, arena);
    pb->has_secure = true;
    pb->secure = imp->secure;
    return pb;
}

static Com__Google__Openrtb__BidRequest__Publisher *pb_publisher(const struct publisher *publisher,
                                                                 struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Publisher *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__publisher__init(pb);
    pb->id = pb_string(publisher->id, arena);
    pb->name = pb_string(publisher->name, arena);
    pb->domain = pb_string(publisher->domain, arena);
    return pb;
}

/* The generated requests are on sites. */
static Com__Google__Openrtb__BidRequest__Site *pb_site(const struct inventory *site,
                                                       struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Site *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__site__init(pb);
    pb->id = pb_string(site->id, arena);
    pb->domain = pb_string(site->domain, arena);
    pb->page = pb_string(site->page, arena);
    pb->cat = pb_strings(&site->cat, arena, &pb->n_cat);
    pb->keywords = pb_string(site->keywords, arena);
    pb->publisher = pb_publisher(&site->publisher, arena);
    return pb;
}

static Com__Google__Openrtb__BidRequest__Device *pb_device(const struct device *device,
                                                           struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Device *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__device__init(pb);
    pb->ua = pb_string(device->ua, arena);
    pb->ip = pb_string(device->ip, arena);
    pb->ipv6 = pb_string(device->ipv6, arena);
    pb->geo = pb_geo(&device->geo, arena);
    pb->has_devicetype = device->devicetype >= 0;
    pb->devicetype = device->devicetype;
    pb->make = pb_string(device->make, arena);
    pb->model = pb_string(device->model, arena);
    pb->os = pb_string(device->os, arena);
    pb->osv = pb_string(device->osv, arena);
    pb->has_connectiontype = device->connectiontype >= 0;
    pb->connectiontype = device->connectiontype;
    pb->ifa = pb_string(device->ifa, arena);
    pb->has_lmt = device->lmt >= 0;
    pb->lmt = device->lmt;
    pb->has_dnt = device->dnt >= 0;
    pb->dnt = device->dnt;
    return pb;
}

static Com__Google__Openrtb__BidRequest__Data *pb_data(const struct user_data *data,
                                                       struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Data *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__data__init(pb);
    pb->id = pb_string(data->id, arena);
    pb->name = pb_string(data->name, arena);
    pb->n_segment = data->segment_count;
    pb->segment = arena_calloc(arena, data->segment_count, sizeof(void *));
    for (size_t i = 0; i < data->segment_count; i++) {
        Com__Google__Openrtb__BidRequest__Data__Segment *segment =
            arena_alloc(arena, sizeof(*segment));
        com__google__openrtb__bid_request__data__segment__init(segment);
        segment->id = pb_string(data->segments[i].id, arena);
        segment->name = pb_string(data->segments[i].name, arena);
        segment->value = pb_string(data->segments[i].value, arena);
        pb->segment[i] = segment;
    }
    return pb;
}

static Com__Google__Openrtb__BidRequest__User *pb_user(const struct user *user,
                                                       struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__User *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__user__init(pb);
    pb->id = pb_string(user->id, arena);
    pb->buyeruid = pb_string(user->buyeruid, arena);
    pb->has_yob = user->yob >= 0;
    pb->yob = user->yob;
    pb->gender = pb_string(user->gender, arena);
    pb->keywords = pb_string(user->keywords, arena);
    pb->geo = pb_geo(&user->geo, arena);
    pb->n_data = user->data_count;
    pb->data = arena_calloc(arena, user->data_count, sizeof(void *));
    for (size_t i = 0; i < user->data_count; i++)
        pb->data[i] = pb_data(&user->data[i], arena);
    pb->consent = pb_string(user->consent, arena);
    return pb;
}

static Com__Google__Openrtb__BidRequest__Regs *pb_regs(const struct regs *regs,
                                                       struct arena *arena)
{
    Com__Google__Openrtb__BidRequest__Regs *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_request__regs__init(pb);
    pb->has_coppa = regs->coppa >= 0;
    pb->coppa = regs->coppa;
    pb->has_gdpr = regs->gdpr >= 0;
    pb->gdpr = regs->gdpr;
    pb->us_privacy = pb_string(regs->us_privacy, arena);
    pb->gpp = pb_string(regs->gpp, arena);
    pb->n_gpp_sid = regs->gpp_sid_count;
    pb->gpp_sid = regs->gpp_sid;
    return pb;
}

/* Decodes the JSON request text[0..len) and returns it encoded as a protobuf
 * BidRequest in arena, with its length in *pb_len. */
static char *protobuf_request(const char *text, size_t len, struct arena *arena,
                              size_t *pb_len)
{
    struct bid_request request;
    struct error err;
    if (openrtb_json_decode(text, len, arena, &request, &err) != 0) {
        fprintf(stderr, "bench-pipeline: generated request rejected: %s\n", err.message);
        exit(1);
    }
    Com__Google__Openrtb__BidRequest pb = COM__GOOGLE__OPENRTB__BID_REQUEST__INIT;
    pb.id = pb_string(request.id, arena);
    pb.n_imp = request.imp_count;
    pb.imp = arena_calloc(arena, request.imp_count, sizeof(void *));
    for (size_t i = 0; i < request.imp_count; i++)
        pb.imp[i] = pb_imp(&request.imps[i], arena);
    pb.site = pb_site(&request.inventory, arena);
    pb.device = pb_device(&request.device, arena);
    pb.user = pb_user(&request.user, arena);
    pb.has_at = pb.has_tmax = true;
    pb.at = request.auction_type;
    pb.tmax = request.tmax_ms;
    pb.cur = pb_strings(&request.cur, arena, &pb.n_cur);
    pb.bcat = pb_strings(&request.bcat, arena, &pb.n_bcat);
    pb.badv = pb_strings(&request.badv, arena, &pb.n_badv);
    pb.regs = pb_regs(&request.regs, arena);
    Com__Google__Openrtb__BidRequest__Source source = COM__GOOGLE__OPENRTB__BID_REQUEST__SOURCE__INIT;
    source.tid = pb_string(request.source_tid, arena);
    pb.source = &source;
    *pb_len = com__google__openrtb__bid_request__get_packed_size(&pb);
    uint8_t *bytes = arena_alloc(arena, *pb_len);
    com__google__openrtb__bid_request__pack(&pb, bytes);
    return (char *)bytes;
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

/* Times `iterations` requests in codec's wire format, cycling through the variants
 * (requests[i] of lengths[i] bytes); decode_only stops after decoding. Returns the
 * number of bids (to show the work is real). */
static size_t run(const struct bidder *bidder, const struct openrtb_codec *codec,
                  char **requests, const size_t *lengths, size_t iterations, bool decode_only,
                  uint32_t *samples)
{
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    size_t bids = 0;
    for (size_t i = 0; i < iterations; i++) {
        const char *body = requests[i % request_variants];
        size_t len = lengths[i % request_variants];
        struct outbuf out;
        struct error err;
        uint64_t start = now_ns();
        if (decode_only) {
            struct bid_request request;
            bids += codec->decode(body, len, &arena, &request, &err) == 0;
        } else {
            bids += bidder_handle(bidder, codec, body, len, &arena, &out, &err) ==
                    BID_OUTCOME_BID;
        }
        arena_reset(&arena);
        samples[i] = (uint32_t)(now_ns() - start);
    }
    arena_free(&arena);
    return bids;
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

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--write-campaigns") == 0)
        return write_campaigns(argv[2]);
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
    char *requests[request_variants], *pb_requests[request_variants];
    size_t lengths[request_variants], pb_lengths[request_variants];
    size_t total_bytes = 0, pb_total_bytes = 0;
    struct arena pb_arena;
    arena_init(&pb_arena, 1 << 20);
    for (int i = 0; i < request_variants; i++) {
        requests[i] = generate_request(i);
        lengths[i] = strlen(requests[i]);
        pb_requests[i] = protobuf_request(requests[i], lengths[i], &pb_arena, &pb_lengths[i]);
        total_bytes += lengths[i];
        pb_total_bytes += pb_lengths[i];
    }
    printf("campaigns %zu, fences %zu, request variants %d (mean %zu bytes in JSON, %zu in "
           "protobuf), geoip %s\n",
           snapshot->campaigns.count, snapshot->fence_count, request_variants,
           total_bytes / request_variants, pb_total_bytes / request_variants,
           geoip ? geoip : "none");
    uint32_t *samples = malloc(iterations * sizeof(uint32_t));
    run(&bidder, &openrtb_json_codec, requests, lengths, iterations / 10, false,
        samples); /* warm-up */
    size_t bids = run(&bidder, &openrtb_json_codec, requests, lengths, iterations, false,
                      samples);
    printf("bid rate %.1f %%\n", 100.0 * (double)bids / (double)iterations);
    report("pipeline (JSON)", samples, iterations);
    run(&bidder, &openrtb_json_codec, requests, lengths, iterations, true, samples);
    report("decode only (JSON)", samples, iterations);
    run(&bidder, &openrtb_pb_codec, pb_requests, pb_lengths, iterations / 10, false,
        samples); /* warm-up */
    size_t pb_bids = run(&bidder, &openrtb_pb_codec, pb_requests, pb_lengths, iterations,
                         false, samples);
    if (pb_bids != bids) {
        fprintf(stderr, "bench-pipeline: %zu bids in protobuf, %zu in JSON\n", pb_bids, bids);
        return 1;
    }
    report("pipeline (protobuf)", samples, iterations);
    run(&bidder, &openrtb_pb_codec, pb_requests, pb_lengths, iterations, true, samples);
    report("decode only (protobuf)", samples, iterations);
    free(samples);
    arena_free(&pb_arena);
    for (int i = 0; i < request_variants; i++)
        free(requests[i]);
    snapshot_free(snapshot);
    if (resolver.db_count > 0)
        geo_db_close(resolver.dbs[0]);
    return 0;
}
