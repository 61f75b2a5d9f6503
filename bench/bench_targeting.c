/* Targeting benchmark: the time to find the campaigns a request matches (targeting
 * index, geo indexes, exact checks of geo, device, schedule and audience, rule
 * counters: bidder_match()) at 1,000, 10,000 and 100,000 campaigns, and the whole
 * in-process request (decode, privacy, profile lookup in LMDB, geo, match, decide,
 * encode: bidder_handle()) at 10,000 campaigns. One thread; per-request times, median
 * and p99, in nanoseconds, after one untimed pass over the distinct requests. The
 * three campaign counts are measured in turn, round after round (5 by default), and
 * each figure is the median over rounds: on a shared machine one p99 moves a lot from
 * one run to the next, and the rounds put the three counts under the same conditions.
 *
 *   build/bench-targeting [--requests N] [--rounds N] [--seed N]
 *
 * The rule mix is that of micro-segment campaigns (docs/campaigns.md): local
 * businesses in the load generator's cities (loadtest/traffic_tables.c, weighted by
 * population), about two campaigns each, so there are more businesses — and more
 * first-party segments — as there are more campaigns:
 *   geo       50 % one to three fences of 0.5-3 km around the shop, 35 % the city
 *             (country + city), 15 % the country;
 *   audience  45 % the shop's own visitors seen within 30 days (half of them not its
 *             buyers of the last 7 days, a third also a gender or an age range),
 *             20 % an exchange data segment (3 providers × 300 segments) and an age
 *             range, 15 % contextual (any of 2 keywords of 2,000, or a category, or
 *             a domain of 3,000), 10 % a keyword with gender, age and device type,
 *             10 % none (then the geo is always fences: the shop's surroundings);
 *   schedule  30 %: 7:00-22:00 in the user's time zone or the city's.
 * A request comes from a city (weighted as above), 60 % with a GPS point near its
 * centre, otherwise located to the city; its person has visited 0-6 shops of that
 * city (first-party memberships, last seen 0-60 days ago), carries 0-4 exchange
 * segments, keywords and categories of the page, a domain, a device type and an OS.
 * Campaigns and requests come from fixed seeds, so every run sees the same work. */
#include "../loadtest/random.h"
#include "../loadtest/traffic_tables.h"

#include "geobid/alloc.h"
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/openrtb_json.h"
#include "geobid/profile.h"
#include "geobid/snapshot.h"
#include "geobid/user_key.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

enum {
    request_variants = 4096,
    default_requests = 200000,
    data_providers = 3,
    data_segments = 300,
    keyword_vocabulary = 2000,
    domain_vocabulary = 3000,
    max_visits = 6,
};
static const uint64_t campaign_seed = 0xC0FFEE, default_request_seed = 7;
static const int64_t now_s = 1781521200; /* Monday 2026-06-15 11:00 UTC */
static const double km_per_degree = 111.32;

/* ---- text --------------------------------------------------------------------- */

/* ---- the world: cities and their shops ------------------------------------------ */

static size_t pick_city(struct rng *rng)
{
    double total = 0, x;
    for (size_t i = 0; i < traffic_city_count; i++)
        total += traffic_cities[i].population_m;
    x = rng_unit(rng) * total;
    for (size_t i = 0; i < traffic_city_count; i++)
        if ((x -= traffic_cities[i].population_m) < 0)
            return i;
    return traffic_city_count - 1;
}

/* A point uniformly within km of city's centre. */
static void near(const struct city *city, double km, struct rng *rng, double *lat, double *lon)
{
    double r = km * sqrt(rng_unit(rng)), bearing = 2 * M_PI * rng_unit(rng);
    *lat = city->lat + r * cos(bearing) / km_per_degree;
    *lon = city->lon + r * sin(bearing) / (km_per_degree * cos(city->lat * M_PI / 180));
}

/* Shop s is in city shop_city[s]; shops_of[c] lists a city's shops. */
struct world {
    size_t shop_count;
    uint32_t *shop_city;
    uint32_t **shops_of;
    size_t *shops_in;
};

static void world_init(struct world *world, size_t shop_count)
{
    struct rng rng;
    rng_seed(&rng, campaign_seed);
    world->shop_count = shop_count;
    world->shop_city = xcalloc(shop_count, sizeof(uint32_t));
    world->shops_of = xcalloc(traffic_city_count, sizeof(uint32_t *));
    world->shops_in = xcalloc(traffic_city_count, sizeof(size_t));
    for (size_t s = 0; s < shop_count; s++)
        world->shop_city[s] = (uint32_t)pick_city(&rng);
    for (size_t c = 0; c < traffic_city_count; c++)
        world->shops_of[c] = xcalloc(shop_count + 1, sizeof(uint32_t));
    for (size_t s = 0; s < shop_count; s++) {
        uint32_t c = world->shop_city[s];
        world->shops_of[c][world->shops_in[c]++] = (uint32_t)s;
    }
}

static void world_free(struct world *world)
{
    for (size_t c = 0; c < traffic_city_count; c++)
        free(world->shops_of[c]);
    free(world->shops_of);
    free(world->shops_in);
    free(world->shop_city);
}

/* ---- campaigns ---------------------------------------------------------------------- */

/* A campaign without audience rules is a shop's presence around its door: a fence. */
static void append_geo(FILE *text, const struct city *city, bool has_audience,
                       struct rng *rng)
{
    double kind = has_audience ? rng_unit(rng) : 0;
    if (kind < 0.5) {
        fprintf(text, ",\"geo\":{\"radius\":[");
        for (int f = 0, n = 1 + (int)rng_below(rng, 3); f < n; f++) {
            double lat, lon;
            near(city, 15, rng, &lat, &lon);
            fprintf(text, "%s{\"lat\":%.5f,\"lon\":%.5f,\"radius_m\":%d}", f ? "," : "", lat, lon,
                    500 + (int)rng_below(rng, 2500));
        }
        fprintf(text, "]}");
    } else if (kind < 0.85) {
        fprintf(text, ",\"geo\":{\"countries\":[\"%s\"],\"cities\":[\"%s\"]}", city->country2,
                city->name);
    } else {
        fprintf(text, ",\"geo\":{\"countries\":[\"%s\"]}", city->country2);
    }
}

static void append_demographic(FILE *text, struct rng *rng)
{
    if (rng_chance(rng, 0.5))
        fprintf(text, ",{\"gender\":\"%s\"}", rng_chance(rng, 0.5) ? "F" : "M");
    else
        fprintf(text, ",{\"age\":{\"min\":%d,\"max\":%d}}", 18 + (int)rng_below(rng, 20),
                40 + (int)rng_below(rng, 30));
}

static void append_audience(FILE *text, size_t shop, struct rng *rng)
{
    double kind = rng_unit(rng);
    if (kind < 0.45) {
        fprintf(text, ",\"audience\":{\"all\":[{\"segment\":\"shop%zu-visitors\",\"within_days\":30}",
                shop);
        if (rng_chance(rng, 0.33))
            append_demographic(text, rng);
        fprintf(text, "]");
        if (rng_chance(rng, 0.5))
            fprintf(text, ",\"none\":[{\"segment\":\"shop%zu-buyers\",\"within_days\":7}]", shop);
        fprintf(text, "}");
    } else if (kind < 0.65) {
        fprintf(text, ",\"audience\":{\"all\":[{\"data_segment\":{\"provider\":\"dmp%d\","
                      "\"id\":\"seg%d\"}},{\"age\":{\"min\":25,\"max\":%d}}]}",
                (int)rng_below(rng, data_providers), (int)rng_below(rng, data_segments),
                35 + (int)rng_below(rng, 30));
    } else if (kind < 0.80) {
        double context = rng_unit(rng);
        if (context < 0.5)
            fprintf(text, ",\"audience\":{\"any\":[{\"keyword\":\"kw%d\"},{\"keyword\":\"kw%d\"}]}",
                    (int)rng_below(rng, keyword_vocabulary), (int)rng_below(rng, keyword_vocabulary));
        else if (context < 0.75)
            fprintf(text, ",\"audience\":{\"all\":[{\"category\":\"IAB%d-%d\"}]}",
                    1 + (int)rng_below(rng, 26), 1 + (int)rng_below(rng, 10));
        else
            fprintf(text, ",\"audience\":{\"all\":[{\"domain\":\"site%d.example\"}]}",
                    (int)rng_below(rng, domain_vocabulary));
    } else if (kind < 0.90) {
        fprintf(text, ",\"audience\":{\"all\":[{\"keyword\":\"kw%d\"},{\"gender\":\"F\"},"
                      "{\"age\":{\"min\":25,\"max\":45}},{\"device_type\":\"phone\"}]}",
                (int)rng_below(rng, keyword_vocabulary));
    }
}

static void append_campaign(FILE *text, size_t number, const struct world *world,
                            struct rng *rng)
{
    size_t shop = number / 2 < world->shop_count ? number / 2 : world->shop_count - 1;
    const struct city *city = &traffic_cities[world->shop_city[shop]];
    fprintf(text, "%s{\"id\":\"c%zu\",\"bid_cpm\":%.2f,\"currency\":\"%s\"", number ? "," : "",
            number, (double)(100 + rng_below(rng, 400)) / 100.0 *
                       traffic_units_per_usd(city->currency),
            city->currency);
    char *audience; /* drawn before the geo part, which depends on whether there is one */
    size_t audience_len;
    FILE *audience_text = open_memstream(&audience, &audience_len);
    append_audience(audience_text, shop, rng);
    fclose(audience_text);
    append_geo(text, city, audience_len > 0, rng);
    fputs(audience, text);
    free(audience);
    if (rng_chance(rng, 0.3))
        fprintf(text, ",\"schedule\":{\"hours\":[[7,22]],\"timezone\":\"%s\"}",
                rng_chance(rng, 0.5) ? "user" : "Europe/Paris");
    fprintf(text, ",\"creatives\":[{\"id\":\"cr\",\"w\":300,\"h\":250,\"adm\":\"<b>shop %zu</b>\","
                  "\"adomain\":[\"shop%zu.example\"]},{\"id\":\"cr2\",\"w\":320,\"h\":50,"
                  "\"adm\":\"<b>shop %zu</b>\"}]}",
            shop, shop, shop);
}

static struct snapshot *build_snapshot(size_t count, const struct world *world)
{
    struct rng rng;
    rng_seed(&rng, campaign_seed + count);
    char *text_data;
    size_t text_len;
    FILE *text = open_memstream(&text_data, &text_len);
    fprintf(text, "{\"campaigns\":[");
    for (size_t c = 0; c < count; c++)
        append_campaign(text, c, world, &rng);
    fprintf(text, "]}");
    struct campaign_set set;
    struct error err;
    fclose(text);
    if (campaign_set_load(&set, text_data, text_len, &err) != 0) {
        fprintf(stderr, "bench-targeting: campaigns rejected: %s\n", err.message);
        exit(1);
    }
    free(text_data);
    return snapshot_build(&set);
}

/* ---- requests ------------------------------------------------------------------------ */

/* One request of the traffic: what the matching stage sees, and its JSON body. */
struct sample {
    struct bid_request request;
    struct bid_context context;
    struct segment_membership visits[max_visits];
    char *json;
    size_t json_len;
};

static void append_request_json(FILE *text, const struct sample *sample, size_t number)
{
    const struct bid_request *r = &sample->request;
    const struct location *l = &sample->context.location;
    fprintf(text, "{\"id\":\"r%zu\",\"cur\":[\"%.3s\"],\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
                  "\"h\":250,\"format\":[{\"w\":320,\"h\":50}]}}],",
            number, r->cur.items[0].ptr);
    fprintf(text, "\"site\":{\"domain\":\"%.*s\",\"cat\":[\"%.*s\"],\"keywords\":\"%.*s\"},",
            (int)r->inventory.domain.len, r->inventory.domain.ptr, (int)r->inventory.cat.items[0].len,
            r->inventory.cat.items[0].ptr, (int)r->inventory.keywords.len, r->inventory.keywords.ptr);
    fprintf(text, "\"device\":{\"devicetype\":%d,\"os\":\"%.*s\",\"geo\":{", r->device.devicetype,
            (int)r->device.os.len, r->device.os.ptr);
    if (l->has_point)
        fprintf(text, "\"lat\":%.5f,\"lon\":%.5f,\"type\":1,\"accuracy\":%u,", l->lat, l->lon,
                l->uncertainty_m);
    fprintf(text, "\"country\":\"%s\",\"city\":\"%.*s\",\"utcoffset\":%d}},", l->country,
            (int)l->city.len, l->city.ptr, l->utc_offset_min);
    fprintf(text, "\"user\":{\"id\":\"u%zu\",\"gender\":\"%.*s\",\"yob\":%d,\"data\":[", number,
            (int)r->user.gender.len, r->user.gender.ptr, r->user.yob);
    const struct user_data *data = r->user.data;
    for (size_t s = 0; s < (r->user.data_count ? data->segment_count : 0); s++)
        fprintf(text, "%s{\"name\":\"%.*s\",\"segment\":[{\"id\":\"%.*s\"}]}", s ? "," : "",
                (int)data->name.len, data->name.ptr, (int)data->segments[s].id.len,
                data->segments[s].id.ptr);
    fprintf(text, "]}}");
}

static struct slice arena_text(struct arena *arena, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static struct slice arena_text(struct arena *arena, const char *fmt, ...)
{
    char buffer[256];
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(buffer, sizeof(buffer), fmt, args);
    va_end(args);
    return (struct slice){arena_strndup(arena, buffer, (size_t)n), (size_t)n};
}

static int compare_memberships(const void *a, const void *b)
{
    const struct segment_membership *x = a, *y = b;
    size_t n = x->segment.len < y->segment.len ? x->segment.len : y->segment.len;
    int order = memcmp(x->segment.ptr, y->segment.ptr, n);
    return order ? order : (x->segment.len > y->segment.len) - (x->segment.len < y->segment.len);
}

static void random_visits(struct sample *sample, const struct world *world, size_t city,
                          struct rng *rng, struct arena *arena)
{
    size_t count = world->shops_in[city] ? rng_below(rng, max_visits + 1) : 0;
    for (size_t v = 0; v < count; v++) {
        uint32_t shop = world->shops_of[city][rng_below(rng, (uint32_t)world->shops_in[city])];
        bool bought = rng_chance(rng, 0.2);
        sample->visits[v] = (struct segment_membership){
            arena_text(arena, "shop%u-%s", shop, bought ? "buyers" : "visitors"),
            now_s - (int64_t)rng_below(rng, 60 * 86400), 1 + rng_below(rng, 4)};
    }
    qsort(sample->visits, count, sizeof(sample->visits[0]), compare_memberships);
    sample->context.profile = (struct profile){sample->visits, count};
}

static void random_page(struct bid_request *request, struct rng *rng, struct arena *arena)
{
    struct slice *cat = arena_alloc(arena, sizeof(*cat));
    *cat = arena_text(arena, "IAB%d-%d", 1 + (int)rng_below(rng, 26), 1 + (int)rng_below(rng, 10));
    request->inventory.kind = INVENTORY_SITE;
    request->inventory.cat = (struct slice_list){cat, 1};
    request->inventory.keywords = arena_text(arena, "kw%d,kw%d,kw%d", (int)rng_below(rng, keyword_vocabulary),
                                             (int)rng_below(rng, keyword_vocabulary),
                                             (int)rng_below(rng, keyword_vocabulary));
    request->inventory.domain = arena_text(arena, "www.site%d.example", (int)rng_below(rng, domain_vocabulary));
}

static void random_user(struct bid_request *request, struct rng *rng, struct arena *arena)
{
    struct user *user = &request->user;
    user->gender = slice_from_cstr(rng_chance(rng, 0.5) ? "F" : "M");
    user->yob = 1950 + (int32_t)rng_below(rng, 55);
    size_t count = rng_below(rng, 5);
    struct user_data *data = arena_calloc(arena, 1, sizeof(*data));
    data->name = arena_text(arena, "dmp%d", (int)rng_below(rng, data_providers));
    data->segments = arena_calloc(arena, count + 1, sizeof(struct user_segment));
    for (size_t s = 0; s < count; s++)
        data->segments[s].id = arena_text(arena, "seg%d", (int)rng_below(rng, data_segments));
    data->segment_count = count;
    user->data = data;
    user->data_count = count > 0;
}

static void random_sample(struct sample *sample, size_t number, const struct world *world,
                          struct rng *rng, struct arena *arena)
{
    size_t c = pick_city(rng);
    const struct city *city = &traffic_cities[c];
    bid_request_init(&sample->request);
    struct bid_request *request = &sample->request;
    struct slice *currency = arena_alloc(arena, sizeof(*currency));
    *currency = slice_from_cstr(city->currency);
    request->cur = (struct slice_list){currency, 1};
    random_page(request, rng, arena);
    random_user(request, rng, arena);
    request->device.devicetype = rng_chance(rng, 0.7) ? 4 : 2;
    request->device.os = slice_from_cstr(request->device.devicetype == 4 ? "iOS" : "Windows");
    sample->context = (struct bid_context){.request = request, .now_ms = now_s * 1000,
                                           .permissions = {.personalize = true, .store_ids = true}};
    struct location *location = &sample->context.location;
    memcpy(location->country, city->country2, 3);
    location->city = slice_from_cstr(city->name);
    location->has_utc_offset = true;
    location->utc_offset_min = city->utc_offset_min;
    if (rng_chance(rng, 0.6)) {
        location->has_point = true;
        near(city, 12, rng, &location->lat, &location->lon);
        location->uncertainty_m = 50;
    }
    random_visits(sample, world, c, rng, arena);
    FILE *json = open_memstream(&sample->json, &sample->json_len);
    append_request_json(json, sample, number);
    fclose(json);
}

/* ---- measuring -------------------------------------------------------------------------- */

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static int compare_int64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

struct distribution {
    int64_t median_ns, p99_ns;
    double matches;
};

static struct distribution summarise(int64_t *times, size_t count, double matches)
{
    qsort(times, count, sizeof(*times), compare_int64);
    return (struct distribution){times[count / 2], times[count * 99 / 100], matches / (double)count};
}

/* Both measurements below first run one untimed pass over the distinct requests, so
 * that what they time is the steady state and not the first touch of each request and
 * of the index (that pass alone is 2 % of the default 200,000 requests). Records the
 * time of run i once that pass is over, and says whether it did. */
static bool record_time(size_t i, int64_t elapsed_ns, int64_t *times)
{
    if (i < request_variants)
        return false;
    times[i - request_variants] = elapsed_ns;
    return true;
}

static struct distribution measure_matching(const struct bidder *bidder, struct sample *samples,
                                            size_t requests, int64_t *times)
{
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    double matches = 0;
    for (size_t i = 0; i < request_variants + requests; i++) {
        const struct bid_context *context = &samples[i % request_variants].context;
        int64_t start = now_ns();
        struct campaign_ids found = bidder_match(bidder, context, &arena);
        if (record_time(i, now_ns() - start, times))
            matches += (double)found.count;
        arena_reset(&arena);
    }
    arena_free(&arena);
    return summarise(times, requests, matches);
}

static struct distribution measure_requests(const struct bidder *bidder, struct sample *samples,
                                            size_t requests, int64_t *times)
{
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    double bids = 0;
    for (size_t i = 0; i < request_variants + requests; i++) {
        const struct sample *sample = &samples[i % request_variants];
        struct outbuf body;
        struct error err;
        int64_t start = now_ns();
        enum bid_outcome outcome = bidder_handle(bidder, &openrtb_json_codec, sample->json,
                                                 sample->json_len, &arena, &body, &err);
        int64_t elapsed = now_ns() - start;
        if (outcome == BID_OUTCOME_BAD_REQUEST) {
            fprintf(stderr, "bench-targeting: request refused: %s\n", err.message);
            exit(1);
        }
        if (record_time(i, elapsed, times))
            bids += outcome == BID_OUTCOME_BID;
        arena_reset(&arena);
    }
    arena_free(&arena);
    return summarise(times, requests, bids);
}

/* ---- the profile store of the whole-request measurement -------------------------------- */

static void fill_profiles(struct profile_store *store, const struct user_key_hasher *hasher,
                          const struct sample *samples)
{
    for (size_t i = 0; i < request_variants; i++) {
        char id[32];
        snprintf(id, sizeof(id), "u%zu", i);
        const struct profile *profile = &samples[i].context.profile;
        for (size_t m = 0; m < profile->count; m++) {
            struct profile_observation seen = {.seen_s = profile->memberships[m].last_seen_s};
            user_key_of_id(hasher, slice_from_cstr(id), &seen.key);
            size_t users;
            struct error err;
            if (profile_store_record(store, profile->memberships[m].segment, &seen, 1, now_s,
                                     &users, &err) != PROFILE_OK) {
                fprintf(stderr, "bench-targeting: %s\n", err.message);
                exit(1);
            }
        }
    }
}

static void remove_tree(const char *dir)
{
    char command[512];
    snprintf(command, sizeof(command), "rm -rf '%s'", dir);
    if (system(command) != 0)
        fprintf(stderr, "bench-targeting: could not remove %s\n", dir);
}

static struct distribution whole_requests(struct snapshot *snapshot, struct sample *samples,
                                          size_t requests, int64_t *times)
{
    char dir[] = "/tmp/bench-targeting-XXXXXX";
    struct error err;
    struct user_key_hasher hasher;
    struct profile_store *store = NULL;
    if (mkdtemp(dir) == NULL || user_key_hasher_open(&hasher, dir, &err) != 0 ||
        (store = profile_store_open(dir, 90 * 86400, &err)) == NULL) {
        fprintf(stderr, "bench-targeting: profile store: %s\n", err.message);
        exit(1);
    }
    fill_profiles(store, &hasher, samples);
    struct manual_clock clock;
    manual_clock_init(&clock, now_s * 1000);
    struct bidder bidder = {.snapshot = snapshot, .clock = &clock.clock, .profiles = store,
                            .user_keys = &hasher};
    struct distribution result = measure_requests(&bidder, samples, requests, times);
    profile_store_close(store);
    remove_tree(dir);
    return result;
}

/* ---- main --------------------------------------------------------------------------------- */

static const size_t sizes[] = {1000, 10000, 100000};
enum { size_count = sizeof(sizes) / sizeof(sizes[0]), default_rounds = 5, max_rounds = 99 };

/* One campaign count's world, snapshot and requests, kept for every round. */
struct size_run {
    struct world world;
    struct arena arena;
    struct sample *samples;
    struct snapshot *snapshot;
    struct distribution rounds[max_rounds];
};

static void size_run_init(struct size_run *run, size_t campaigns, uint64_t seed)
{
    world_init(&run->world, campaigns / 2);
    arena_init(&run->arena, 1 << 20);
    run->samples = xcalloc(request_variants, sizeof(*run->samples));
    struct rng rng;
    rng_seed(&rng, seed);
    for (size_t i = 0; i < request_variants; i++)
        random_sample(&run->samples[i], i, &run->world, &rng, &run->arena);
    run->snapshot = build_snapshot(campaigns, &run->world);
}

static void size_run_free(struct size_run *run)
{
    snapshot_free(run->snapshot);
    for (size_t i = 0; i < request_variants; i++)
        free(run->samples[i].json);
    free(run->samples);
    arena_free(&run->arena);
    world_free(&run->world);
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The median over rounds of each figure of a distribution. */
static struct distribution median_of_rounds(const struct distribution *rounds, size_t count)
{
    int64_t medians[max_rounds], p99s[max_rounds];
    for (size_t r = 0; r < count; r++) {
        medians[r] = rounds[r].median_ns;
        p99s[r] = rounds[r].p99_ns;
    }
    qsort(medians, count, sizeof(medians[0]), compare_int64);
    qsort(p99s, count, sizeof(p99s[0]), compare_int64);
    return (struct distribution){medians[count / 2], p99s[count / 2], rounds[0].matches};
}

/* Prints each round's p99 ratio of the largest to the smallest campaign count, then
 * their median. */
static void print_ratios(const struct size_run *runs, size_t rounds)
{
    double ratios[max_rounds];
    printf("p99 at %zu / p99 at %zu, per round:", sizes[size_count - 1], sizes[0]);
    for (size_t r = 0; r < rounds; r++) {
        ratios[r] = (double)runs[size_count - 1].rounds[r].p99_ns / (double)runs[0].rounds[r].p99_ns;
        printf(" %.1f", ratios[r]);
    }
    qsort(ratios, rounds, sizeof(ratios[0]), compare_double);
    printf("; median %.1fx (target < 4x)\n", ratios[rounds / 2]);
}

int main(int argc, char **argv)
{
    size_t requests = default_requests, rounds = default_rounds;
    uint64_t seed = default_request_seed;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--requests") == 0)
            requests = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--seed") == 0)
            seed = strtoull(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--rounds") == 0)
            rounds = strtoull(argv[i + 1], NULL, 10);
    }
    if (requests == 0 || rounds == 0 || rounds > max_rounds) {
        fprintf(stderr, "bench-targeting: --requests must be positive, --rounds 1 to %d\n",
                max_rounds);
        return 2;
    }
    static struct size_run runs[size_count];
    int64_t *times = xcalloc(requests, sizeof(int64_t));
    for (size_t s = 0; s < size_count; s++)
        size_run_init(&runs[s], sizes[s], seed);
    for (size_t r = 0; r < rounds; r++) {
        for (size_t s = 0; s < size_count; s++) {
            struct bidder bidder = {.snapshot = runs[s].snapshot};
            runs[s].rounds[r] = measure_matching(&bidder, runs[s].samples, requests, times);
        }
    }
    printf("%-30s %10s %10s %10s\n", "campaigns", "median ns", "p99 ns", "matches");
    for (size_t s = 0; s < size_count; s++) {
        struct distribution match = median_of_rounds(runs[s].rounds, rounds);
        printf("match %-24zu %10lld %10lld %10.1f\n", sizes[s], (long long)match.median_ns,
               (long long)match.p99_ns, match.matches);
        if (sizes[s] == 10000) {
            struct distribution whole =
                whole_requests(runs[s].snapshot, runs[s].samples, requests, times);
            printf("whole request %-16zu %10lld %10lld %9.0f%%\n", sizes[s],
                   (long long)whole.median_ns, (long long)whole.p99_ns, 100 * whole.matches);
        }
    }
    print_ratios(runs, rounds);
    for (size_t s = 0; s < size_count; s++)
        size_run_free(&runs[s]);
    free(times);
    return 0;
}
