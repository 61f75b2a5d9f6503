/* Tests for src/targeting.c: the index finds exactly what a campaign-by-campaign
 * evaluation finds (thousands of random campaigns × random requests, seeded), it files
 * campaigns where they are cheapest to reach, and it counts each rule's outcomes. */
#include "geobid/targeting.h"

#include "geobid/alloc.h"
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/exact_checks.h"
#include "geobid/snapshot.h"
#include "geobid/tz.h"
#include "test_support.h"

#include <check.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a seeded generator --------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t next_random(void)
{
    rng_state ^= rng_state >> 12; /* xorshift64* */
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return (uint32_t)((rng_state * 2685821657736338717u) >> 32);
}

static uint32_t below(uint32_t n)
{
    return (uint32_t)(((uint64_t)next_random() * n) >> 32);
}

static bool chance(uint32_t percent)
{
    return below(100) < percent;
}

static const char *pick(const char *const *names, size_t count)
{
    return names[below((uint32_t)count)];
}

#define PICK(names) pick(names, sizeof(names) / sizeof(names[0]))

/* Small vocabularies, so that random rules and random requests meet often. */
static const char *const segments[] = {"s0", "s1", "s2", "s3", "s4", "s5", "s6", "s7"};
static const char *const providers[] = {"p0", "p1", "dmp-a"};
static const char *const data_ids[] = {"d0", "d1", "d2", "d3"};
static const char *const keywords[] = {"k0", "K1", "k2", "k3", "k4"};
static const char *const categories[] = {"IAB1", "IAB1-2", "IAB18", "iab18-3", "IAB2", "IAB20"};
static const char *const domains[] = {"a.example", "x.a.example", "b.example", "example"};
static const char *const bundles[] = {"com.b0", "com.B1", "com.b2"};
static const char *const type_names[] = {"phone", "tablet", "mobile", "desktop", "ctv"};
static const char *const os_names[] = {"ios", "android", "windows"};
static const char *const genders[] = {"F", "M", "O", "f"};
static const char *const countries[] = {"FR", "DE", "GB"};
static const char *const regions[] = {"IDF", "BY", "ENG"};
static const char *const cities[] = {"Paris", "munich", "London", "Lyon"};
static const char *const postal_codes[] = {"75001", "sw1a", "80331"};
static const char *const zones[] = {"user", "Europe/Paris", "America/New_York"};
static const struct {
    double lat, lon;
} centres[] = {{48.8566, 2.3522}, {48.13, 11.58}, {51.5, -0.12}};

/* ---- random campaigns ---------------------------------------------------------------- */

static void append_group(FILE *text, int depth);

static void append_condition(FILE *text, int depth)
{
    switch (below(depth < 3 ? 12 : 11)) {
    case 0:
        fprintf(text, "{\"segment\":\"%s\"", PICK(segments));
        if (chance(50))
            fprintf(text, ",\"within_days\":%u", 1 + below(40));
        if (chance(30))
            fprintf(text, ",\"min_count\":%u", 1 + below(4));
        fprintf(text, "}");
        break;
    case 1:
        fprintf(text, "{\"data_segment\":{\"provider\":\"%s\",\"id\":\"%s\"}}", PICK(providers),
                PICK(data_ids));
        break;
    case 2:
        fprintf(text, "{\"gender\":\"%s\"}", PICK(genders));
        break;
    case 3: {
        uint32_t min = 13 + below(50);
        fprintf(text, "{\"age\":{\"min\":%u,\"max\":%u}}", min, min + below(30));
        break;
    }
    case 4:
        fprintf(text, "{\"keyword\":\"%s\"}", PICK(keywords));
        break;
    case 5:
        fprintf(text, "{\"category\":\"%s\"}", PICK(categories));
        break;
    case 6:
        fprintf(text, "{\"domain\":\"%s\"}", PICK(domains));
        break;
    case 7:
        fprintf(text, "{\"app_bundle\":\"%s\"}", PICK(bundles));
        break;
    case 8:
        fprintf(text, "{\"device_type\":\"%s\"}", PICK(type_names));
        break;
    case 9:
    case 10:
        fprintf(text, "{\"os\":\"%s\"}", PICK(os_names));
        break;
    default:
        append_group(text, depth + 1);
    }
}

static void append_list(FILE *text, const char *name, uint32_t count, int depth,
                        const char **separator)
{
    if (count == 0)
        return;
    fprintf(text, "%s\"%s\":[", *separator, name);
    for (uint32_t i = 0; i < count; i++) {
        fprintf(text, i ? "," : "");
        append_condition(text, depth);
    }
    fprintf(text, "]");
    *separator = ",";
}

static void append_group(FILE *text, int depth)
{
    const char *separator = "";
    fprintf(text, "{");
    uint32_t all = below(3), any = below(3), none = chance(30) ? 1 : 0;
    if (all + any + none == 0)
        all = 1;
    append_list(text, "all", all, depth, &separator);
    append_list(text, "any", any, depth, &separator);
    append_list(text, "none", none, depth, &separator);
    fprintf(text, "}");
}

static void append_geo(FILE *text)
{
    uint32_t kind = below(10);
    if (kind < 4)
        return;
    if (kind < 7) {
        fprintf(text, ",\"geo\":{\"countries\":[\"%s\"]", PICK(countries));
        if (chance(30))
            fprintf(text, ",\"regions\":[\"%s\"]", PICK(regions));
        if (chance(30))
            fprintf(text, ",\"cities\":[\"%s\",\"%s\"]", PICK(cities), PICK(cities));
        if (chance(15))
            fprintf(text, ",\"postal_codes\":[\"%s\"]", PICK(postal_codes));
        fprintf(text, "}");
        return;
    }
    fprintf(text, ",\"geo\":{\"radius\":[");
    for (uint32_t f = 0, n = 1 + below(3); f < n; f++) {
        uint32_t c = below(3);
        fprintf(text, "%s{\"lat\":%.4f,\"lon\":%.4f,\"radius_m\":%u}", f ? "," : "",
                centres[c].lat + ((int)below(200) - 100) / 1000.0,
                centres[c].lon + ((int)below(200) - 100) / 1000.0, 1000 + below(20000));
    }
    fprintf(text, "]%s}", chance(30) ? ",\"max_accuracy_m\":30000" : "");
}

static void append_schedule(FILE *text)
{
    uint32_t start = below(23);
    fprintf(text, ",\"schedule\":{\"days\":[\"mon\",\"%s\",\"sat\"],\"hours\":[[%u,%u]],"
                  "\"timezone\":\"%s\"}",
            chance(50) ? "tue" : "sun", start, start + 1 + below(24 - start), PICK(zones));
}

static void append_campaign(FILE *text, int number)
{
    fprintf(text, "%s{\"id\":\"c%d\",\"bid_cpm\":1%s", number ? "," : "", number,
            chance(5) ? ",\"status\":\"paused\"" : "");
    append_geo(text);
    if (chance(10))
        fprintf(text, ",\"device\":{\"types\":[\"%s\"]}", PICK(type_names));
    if (chance(80)) {
        fprintf(text, ",\"audience\":");
        append_group(text, 1);
    }
    if (chance(20))
        append_schedule(text);
    fprintf(text, ",\"creatives\":[{\"id\":\"cr\",\"w\":300,\"h\":250,\"adm\":\"x\"}]}");
}

static struct snapshot *random_snapshot(int count)
{
    char *text_data;
    size_t text_len;
    FILE *text = open_memstream(&text_data, &text_len);
    fprintf(text, "{\"campaigns\":[");
    for (int i = 0; i < count; i++)
        append_campaign(text, i);
    fprintf(text, "]}");
    struct campaign_set set;
    struct error err = {""};
    fclose(text);
    ck_assert_msg(campaign_set_load(&set, text_data, text_len, &err) == 0, "%s", err.message);
    free(text_data);
    return snapshot_build(&set);
}

/* ---- random requests ----------------------------------------------------------------- */

static struct slice random_list_text(struct arena *arena, const char *const *names, size_t count)
{
    char buffer[256] = "";
    size_t len = 0;
    for (uint32_t i = 0, n = below(4); i < n; i++)
        len += (size_t)snprintf(buffer + len, sizeof(buffer) - len, "%s%s", i ? " , " : "",
                                pick(names, count));
    return (struct slice){arena_strndup(arena, buffer, len), len};
}

static struct slice_list random_categories(struct arena *arena)
{
    struct slice_list list = {arena_calloc(arena, 3, sizeof(struct slice)), below(3)};
    for (size_t i = 0; i < list.count; i++)
        list.items[i] = slice_from_cstr(PICK(categories));
    return list;
}

static void random_user_data(struct user *user, struct arena *arena)
{
    user->data_count = below(3);
    user->data = arena_calloc(arena, 3, sizeof(struct user_data));
    for (size_t d = 0; d < user->data_count; d++) {
        struct user_data *data = &user->data[d];
        data->name = slice_from_cstr(PICK(providers));
        data->id = slice_from_cstr(chance(50) ? PICK(providers) : "");
        data->segment_count = 1 + below(2);
        data->segments = arena_calloc(arena, 2, sizeof(struct user_segment));
        for (size_t s = 0; s < data->segment_count; s++)
            data->segments[s].id = slice_from_cstr(PICK(data_ids));
    }
}

/* Memberships sorted by name, as the profile store returns them. */
static void random_profile(struct bid_context *context, struct arena *arena)
{
    size_t count = 0;
    struct segment_membership *memberships = arena_calloc(arena, 8, sizeof(*memberships));
    for (size_t s = 0; s < 8; s++)
        if (chance(25))
            memberships[count++] = (struct segment_membership){
                slice_from_cstr(segments[s]), context->now_ms / 1000 - below(45 * 86400),
                1 + below(5)};
    context->profile = (struct profile){memberships, count};
}

static void random_location(struct location *location)
{
    static const char *const time_zones[] = {"Europe/Paris", "America/New_York", "", "No/Such"};
    uint32_t c = below(3);
    memset(location, 0, sizeof(*location));
    if (chance(80))
        memcpy(location->country, countries[chance(80) ? c : below(3)], 3);
    location->region = slice_from_cstr(chance(50) ? regions[c] : "");
    location->city = slice_from_cstr(chance(60) ? cities[chance(70) ? c : below(4)] : "");
    location->postal_code = slice_from_cstr(chance(40) ? PICK(postal_codes) : "");
    location->has_point = chance(70);
    location->lat = centres[c].lat + ((int)below(400) - 200) / 1000.0;
    location->lon = centres[c].lon + ((int)below(400) - 200) / 1000.0;
    location->uncertainty_m = chance(50) ? 100 : 25000;
    location->time_zone = slice_from_cstr(PICK(time_zones));
    location->has_utc_offset = chance(50);
    location->utc_offset_min = (int32_t)below(25 * 60) - 12 * 60;
}

static void random_request(struct bid_request *request, struct bid_context *context,
                           struct arena *arena)
{
    bid_request_init(request);
    struct inventory *inventory = &request->inventory;
    inventory->keywords = random_list_text(arena, keywords, 5);
    inventory->cat = random_categories(arena);
    inventory->content_cat = random_categories(arena);
    inventory->domain = slice_from_cstr(chance(70) ? PICK(domains) : "");
    inventory->bundle = slice_from_cstr(chance(40) ? PICK(bundles) : "");
    request->device.devicetype = chance(80) ? (int32_t)below(8) : -1;
    request->device.os = slice_from_cstr(chance(80) ? PICK(os_names) : "");
    request->user.gender = slice_from_cstr(chance(70) ? PICK(genders) : "");
    request->user.yob = chance(70) ? 1940 + (int32_t)below(75) : -1;
    request->user.keywords = random_list_text(arena, keywords, 5);
    random_user_data(&request->user, arena);
    *context = (struct bid_context){
        .request = request,
        .permissions = {.personalize = chance(80)},
        /* any moment of 2026, weekdays and hours all round */
        .now_ms = (1767225600 + (int64_t)below(365 * 86400)) * 1000,
    };
    random_location(&context->location);
    random_profile(context, arena);
}

/* ---- index == naive ---------------------------------------------------------------------- */

static void check_index_equals_naive(uint64_t seed, int campaigns, int requests)
{
    rng_state = seed;
    struct snapshot *snapshot = random_snapshot(campaigns);
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 64 * 1024);
    size_t matches = 0, filed = 0, touched = 0;
    for (int c = 0; c < campaigns; c++)
        filed += targeting_by_audience(snapshot->targeting, (uint32_t)c);
    for (int r = 0; r < requests; r++) {
        struct bid_request request;
        struct bid_context context;
        random_request(&request, &context, &arena);
        struct campaign_ids found = bidder_match(&bidder, &context, &arena);
        struct request_terms terms;
        request_terms_init(&terms, &arena);
        touched += targeting_candidates(snapshot->targeting, &context, &terms, &arena).count;
        size_t f = 0;
        for (uint32_t c = 0; c < (uint32_t)campaigns; c++) {
            bool expected = bidder_campaign_matches(&bidder, c, &context);
            bool got = f < found.count && found.ids[f] == c;
            ck_assert_msg(expected == got, "seed %llu request %d campaign c%u: naive %d, index %d",
                          (unsigned long long)seed, r, c, expected, got);
            f += got;
        }
        ck_assert_uint_eq(f, found.count);
        matches += found.count;
        arena_reset(&arena);
    }
    /* The test means something: requests match, and the index files campaigns and
     * narrows them down. */
    ck_assert_msg(matches > (size_t)requests, "only %zu matches", matches);
    ck_assert_msg(filed > (size_t)campaigns / 5, "only %zu campaigns filed by audience", filed);
    ck_assert_msg(touched < filed * (size_t)requests / 2, "index touched %zu of %zu", touched,
                  filed * (size_t)requests);
    arena_free(&arena);
    snapshot_free(snapshot);
}

START_TEST(index_equals_naive_evaluation)
{
    check_index_equals_naive(0x5EED0000u + (uint64_t)_i, 2000, 400);
}
END_TEST

/* ---- where campaigns are filed ------------------------------------------------------------ */

static struct snapshot *load_snapshot(const char *campaigns_json)
{
    struct arena scratch;
    arena_init(&scratch, 4096);
    const char *json = test_dq(&scratch, campaigns_json);
    struct campaign_set set;
    struct error err = {""};
    ck_assert_msg(campaign_set_load(&set, json, strlen(json), &err) == 0, "%s", err.message);
    arena_free(&scratch);
    return snapshot_build(&set);
}

#define CAMPAIGN(id, extra)                                                                \
    "{'id':'" id "','bid_cpm':1,'creatives':[{'id':'c','w':1,'h':1,'adm':'x'}]" extra "}"

START_TEST(campaigns_are_filed_under_their_cheapest_clause)
{
    struct snapshot *snapshot = load_snapshot(
        "{'campaigns':[" CAMPAIGN("segment-everywhere", ",'audience':{'all':[{'segment':'s'}]}")
        "," CAMPAIGN("gender-in-france",
                     ",'geo':{'countries':['FR']},'audience':{'all':[{'gender':'F'}]}")
        "," CAMPAIGN("fence-and-segment",
                     ",'geo':{'radius':[{'lat':1.01,'lon':1.01,'radius_m':100}]},"
                     "'audience':{'all':[{'segment':'s'}]}")
        "," CAMPAIGN("fence-and-category",
                     ",'geo':{'radius':[{'lat':1.01,'lon':1.01,'radius_m':100}]},"
                     "'audience':{'all':[{'category':'IAB1'}]}")
        "," CAMPAIGN("age-only", ",'audience':{'all':[{'age':{'min':20}}]}")
        "," CAMPAIGN("any-of-two", ",'audience':{'any':[{'keyword':'a'},{'domain':'b.example'}]}")
        "," CAMPAIGN("none-only", ",'audience':{'none':[{'segment':'s'}]}")
        "," CAMPAIGN("fence-and-age",
                     ",'geo':{'radius':[{'lat':1.01,'lon':1.01,'radius_m':100}]},"
                     "'audience':{'all':[{'age':{'min':20}}]}")
        "]}");
    const struct targeting *targeting = snapshot->targeting;
    ck_assert(targeting_by_audience(targeting, 0));  /* a segment beats "everywhere" */
    ck_assert(targeting_by_audience(targeting, 1));  /* "F in France" beats France */
    /* a shop's segment, or a category, in the fence's grid cell beats the fence */
    ck_assert(targeting_by_audience(targeting, 2));
    ck_assert(targeting_by_audience(targeting, 3));
    ck_assert(!targeting_by_audience(targeting, 4)); /* ages are not indexed */
    ck_assert(targeting_by_audience(targeting, 5));
    ck_assert(!targeting_by_audience(targeting, 6));
    ck_assert(!targeting_by_audience(targeting, 7)); /* a fence beats an age */
    ck_assert_int_eq(targeting_indexed_rule(targeting, 0), 0);
    ck_assert_int_eq(targeting_indexed_rule(targeting, 5), -1); /* two any items */
    /* s, F in FR, s in the cell, IAB1 in the cell, a, b.example */
    ck_assert_uint_eq(targeting_term_count(targeting), 6);
    ck_assert_uint_eq(snapshot->fence_count, 1); /* fence-and-age's */
    ck_assert_uint_eq(snapshot->everywhere.count, 2);            /* age-only, none-only */
    snapshot_free(snapshot);
}
END_TEST

/* A request with one first-party segment membership at a point. */
static void segment_request(struct bid_request *request, struct bid_context *context,
                            struct segment_membership *membership, const char *segment,
                            double lat, double lon)
{
    bid_request_init(request);
    *membership = (struct segment_membership){slice_from_cstr(segment), 1781506800, 1};
    *context = (struct bid_context){.request = request, .permissions = {.personalize = true},
                                    .now_ms = 1781506800000,
                                    .profile = {membership, 1},
                                    .location = {.has_point = true, .lat = lat, .lon = lon}};
}

/* Thousands of distinct terms: the term table grows while campaigns are filed, and
 * every posting list must still name its own campaigns. */
START_TEST(posting_lists_survive_the_term_table_growing)
{
    enum { campaigns = 3000 };
    char *text_data;
    size_t text_len;
    FILE *text = open_memstream(&text_data, &text_len);
    fprintf(text, "{\"campaigns\":[");
    for (int i = 0; i < campaigns; i++)
        fprintf(text, "%s{\"id\":\"c%d\",\"bid_cpm\":1,\"creatives\":[{\"id\":\"c\",\"w\":1,"
                      "\"h\":1,\"adm\":\"x\"}],\"audience\":{\"all\":[{\"segment\":\"s%d\"}]}}",
                i ? "," : "", i, i);
    fprintf(text, "]}");
    struct campaign_set set;
    struct error err = {""};
    fclose(text);
    ck_assert_msg(campaign_set_load(&set, text_data, text_len, &err) == 0, "%s", err.message);
    free(text_data);
    struct snapshot *snapshot = snapshot_build(&set);
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 4096);
    ck_assert_uint_eq(targeting_term_count(snapshot->targeting), campaigns);
    for (int i = 0; i < campaigns; i += 97) {
        char segment[16];
        snprintf(segment, sizeof(segment), "s%d", i);
        struct bid_request request;
        struct bid_context context;
        struct segment_membership membership;
        segment_request(&request, &context, &membership, segment, 0, 0);
        struct campaign_ids found = bidder_match(&bidder, &context, &arena);
        ck_assert_uint_eq(found.count, 1);
        ck_assert_uint_eq(found.ids[0], (uint32_t)i);
        arena_reset(&arena);
    }
    arena_free(&arena);
    snapshot_free(snapshot);
}
END_TEST

/* A fenced campaign filed under "segment in grid cell" reaches points of its fence in
 * every cell the fence overlaps, and one near the ±180° meridian (which gets no cells)
 * still reaches points across it. */
START_TEST(fenced_audiences_reach_every_point_of_their_fences)
{
    struct snapshot *snapshot = load_snapshot(
        "{'campaigns':[" CAMPAIGN("on-a-cell-corner",
                                  ",'geo':{'radius':[{'lat':48.85,'lon':2.35,'radius_m':3000}]},"
                                  "'audience':{'all':[{'segment':'s'}]}")
        "," CAMPAIGN("on-the-antimeridian",
                     ",'geo':{'radius':[{'lat':0.5,'lon':179.99,'radius_m':3000}]},"
                     "'audience':{'all':[{'segment':'s'}]}")
        "]}");
    ck_assert(targeting_by_audience(snapshot->targeting, 0));
    ck_assert(targeting_by_audience(snapshot->targeting, 1));
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 4096);
    static const struct {
        double lat, lon;
        size_t matches;
    } points[] = {
        {48.85, 2.35, 1},     {48.87, 2.37, 1},      {48.83, 2.33, 1},  {48.87, 2.33, 1},
        {48.83, 2.37, 1},     {48.8769, 2.35, 1},    {48.8771, 2.35, 0}, {48.85, 2.31, 1},
        {48.85, 2.30, 0},     {0.5, -179.995, 1},    {0.5, 180.01, 1},  {0.5, 540.0, 1},
        {0.5, -179.9, 0},     {48.85, 362.35, 1},
    };
    for (size_t p = 0; p < sizeof(points) / sizeof(points[0]); p++) {
        struct bid_request request;
        struct bid_context context;
        struct segment_membership membership;
        segment_request(&request, &context, &membership, "s", points[p].lat, points[p].lon);
        ck_assert_msg(bidder_match(&bidder, &context, &arena).count == points[p].matches,
                      "point %zu", p);
        arena_reset(&arena);
    }
    arena_free(&arena);
    snapshot_free(snapshot);
}
END_TEST

/* ---- counters ---------------------------------------------------------------------------- */

START_TEST(rules_are_counted_per_checked_request)
{
    struct snapshot *snapshot = load_snapshot(
        "{'campaigns':[" CAMPAIGN(
            "ethical", ",'geo':{'countries':['FR']},'audience':{'all':[{'gender':'F'},"
                       "{'os':'ios'}],'none':[{'keyword':'cheap'}]},"
                       "'schedule':{'hours':[[7,11]],'timezone':'Europe/Paris'}") "]}");
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 4096);
    struct bid_request request;
    bid_request_init(&request);
    struct bid_context context = {.request = &request, .permissions = {.personalize = true},
                                  .now_ms = 1781506800000}; /* 2026-06-15 09:00 in Paris */
    memcpy(context.location.country, "FR", 3);
    request.user.gender = SLICE_LITERAL("F");
    request.device.os = SLICE_LITERAL("ios");
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 1);
    request.device.os = SLICE_LITERAL("android");
    request.inventory.keywords = SLICE_LITERAL("cheap");
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 0);
    context.now_ms += 3 * 3600 * 1000; /* noon: outside the schedule */
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 0);
    memcpy(context.location.country, "DE", 3); /* never reaches the rules */
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 0);

    struct exact_check_counts counts;
    exact_checks_counts(snapshot->checks, 0, &counts);
    ck_assert_uint_eq(counts.checked, 3);
    ck_assert_uint_eq(counts.matched, 1);
    ck_assert_uint_eq(counts.schedule_failed, 1);
    ck_assert_uint_eq(exact_checks_rule_failed(snapshot->checks, 0, 0), 0); /* gender */
    ck_assert_uint_eq(exact_checks_rule_failed(snapshot->checks, 0, 1), 2); /* os */
    ck_assert_uint_eq(exact_checks_rule_failed(snapshot->checks, 0, 2), 2); /* none keyword */
    arena_free(&arena);
    snapshot_free(snapshot);
}
END_TEST

/* A campaign whose block spans many cache lines (and more than the first 4 KiB the
 * blocks are written into): every record must be read back where it was written. */
START_TEST(long_rules_are_checked_and_counted_in_order)
{
    char json[16384], name[128];
    size_t len = (size_t)snprintf(json, sizeof(json), "{'campaigns':[%s,{'id':'long','bid_cpm':1,"
                                  "'geo':{'cities':['Lyon']},'audience':{'any':[",
                                  CAMPAIGN("short", ",'audience':{'all':[{'keyword':'k'}]}"));
    for (int i = 0; i < 60; i++) {
        snprintf(name, sizeof(name), "segment-%02d-%0100d", i, i);
        len += (size_t)snprintf(json + len, sizeof(json) - len, "%s{'segment':'%s'}",
                                i ? "," : "", name);
    }
    snprintf(json + len, sizeof(json) - len, "],'none':[{'keyword':'cheap'}]},"
             "'creatives':[{'id':'cr','w':300,'h':250,'adm':'x'}]}]}");
    struct snapshot *snapshot = load_snapshot(json);
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 4096);
    struct bid_request request;
    struct bid_context context;
    struct segment_membership membership;
    snprintf(name, sizeof(name), "segment-59-%0100d", 59);
    segment_request(&request, &context, &membership, name, 0, 0);
    context.location.city = SLICE_LITERAL("LYON");
    struct campaign_ids found = bidder_match(&bidder, &context, &arena);
    ck_assert_uint_eq(found.count, 1);
    ck_assert_uint_eq(found.ids[0], 1);
    request.inventory.keywords = SLICE_LITERAL("cheap");
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 0);
    context.location.city = SLICE_LITERAL("Paris"); /* never reaches the rules */
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 0);

    struct exact_check_counts counts;
    exact_checks_counts(snapshot->checks, 1, &counts);
    ck_assert_uint_eq(counts.checked, 2);
    ck_assert_uint_eq(counts.matched, 1);
    for (size_t rule = 0; rule < 60; rule++)
        ck_assert_uint_eq(exact_checks_rule_failed(snapshot->checks, 1, rule), rule < 59 ? 2 : 0);
    ck_assert_uint_eq(exact_checks_rule_failed(snapshot->checks, 1, 60), 1); /* none keyword */
    exact_checks_counts(snapshot->checks, 0, &counts); /* never a candidate */
    ck_assert_uint_eq(counts.checked, 0);
    arena_free(&arena);
    snapshot_free(snapshot);
}
END_TEST

START_TEST(campaigns_without_rules_count_nothing)
{
    struct snapshot *snapshot = load_snapshot(
        "{'campaigns':[" CAMPAIGN("anyone", "") "," CAMPAIGN("phones", ",'device':{'types':['phone']}")
        "]}");
    struct bidder bidder = {.snapshot = snapshot};
    struct arena arena;
    arena_init(&arena, 4096);
    struct bid_request request;
    bid_request_init(&request);
    request.device.devicetype = 4;
    struct bid_context context = {.request = &request};
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 2);
    request.device.devicetype = 2;
    ck_assert_uint_eq(bidder_match(&bidder, &context, &arena).count, 1);
    for (uint32_t position = 0; position < 2; position++) {
        struct exact_check_counts counts;
        exact_checks_counts(snapshot->checks, position, &counts);
        ck_assert_uint_eq(counts.checked + counts.matched + counts.schedule_failed, 0);
    }
    arena_free(&arena);
    snapshot_free(snapshot);
}
END_TEST

Suite *targeting_suite(void)
{
    Suite *suite = suite_create("targeting");
    TCase *tc = tcase_create("index");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, index_equals_naive_evaluation, 0, 3);
    tcase_add_test(tc, campaigns_are_filed_under_their_cheapest_clause);
    tcase_add_test(tc, posting_lists_survive_the_term_table_growing);
    tcase_add_test(tc, fenced_audiences_reach_every_point_of_their_fences);
    tcase_add_test(tc, rules_are_counted_per_checked_request);
    tcase_add_test(tc, long_rules_are_checked_and_counted_in_order);
    tcase_add_test(tc, campaigns_without_rules_count_nothing);
    suite_add_tcase(suite, tc);
    return suite;
}
