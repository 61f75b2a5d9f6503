#include "traffic.h"

#include "consent.h"
#include "traffic_tables.h"

#include "geobid/alloc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Sizes of the populations the model draws from, and their Zipf exponents. */
static const uint64_t user_count = 1000000, publisher_count = 20000, segment_count = 600;
static const double user_exponent = 0.9, publisher_exponent = 1.1, segment_exponent = 1.0;
/* Keys that separate the derived random streams of one seed. */
enum { STREAM_REQUEST = 1, STREAM_USER, STREAM_ANONYMOUS, STREAM_PUBLISHER };
static const double km_per_degree = 111.32;
static const double near_city_km = 50.0;
/* Consent strings carry a fixed date so the stream does not depend on the clock. */
static const uint64_t consent_created_ds = UINT64_C(17150000000); /* May 2024 */

/* What stays the same across one user's requests. */
struct user_profile {
    size_t city;
    int kind;
    const struct os_profile *os;
    double anchor_lat, anchor_lon;
    int yob;
    const char *gender;
    int segments[SYNTHETIC_MAX_SEGMENTS];
    int segment_count;
    bool has_ifa;
    char ifa[40];
    int lmt;
    struct tcf_choice consent;
    uint64_t rank; /* 0: anonymous (no user id) */
};

/* ---- small helpers ------------------------------------------------------- */

static double clampd(double value, double low, double high)
{
    return value < low ? low : value > high ? high : value;
}

static const struct city *city_at(size_t index)
{
    return &traffic_cities[index];
}

static void format_uuid(struct rng *rng, char out[40], bool upper)
{
    uint64_t a = rng_next(rng), b = rng_next(rng);
    snprintf(out, 40, upper ? "%08X-%04X-4%03X-%04X-%012llX" : "%08x-%04x-4%03x-%04x-%012llx",
             (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xFFFF, (unsigned)a & 0xFFF,
             (unsigned)(0x8000 | ((b >> 48) & 0x3FFF)), (unsigned long long)(b & 0xFFFFFFFFFFFFull));
}

/* A pronounceable name of 2 or 3 syllables (publishers, apps). */
static void format_name(struct rng *rng, char *out, size_t size)
{
    int syllables = 2 + (int)rng_below(rng, 2);
    out[0] = '\0';
    for (int i = 0; i < syllables; i++) {
        size_t len = strlen(out);
        snprintf(out + len, size - len, "%s",
                 traffic_name_syllables[rng_below(rng, traffic_name_syllable_count)]);
    }
}

/* A point drawn from Clark's negative-exponential urban density (density ∝ e^(-r/s)):
 * the distance from the centre is then Gamma(2, s). The scale grows with the square root
 * of the population (a city's area grows roughly with its population). */
static void city_point(const struct city *city, struct rng *rng, double *lat, double *lon)
{
    double scale_km = clampd(1.6 * sqrt(city->population_m), 0.6, 8.0);
    double r_km = rng_exponential(rng, scale_km) + rng_exponential(rng, scale_km);
    double bearing = 2.0 * M_PI * rng_unit(rng);
    *lat = city->lat + r_km * cos(bearing) / km_per_degree;
    *lon = city->lon + r_km * sin(bearing) / (km_per_degree * cos(city->lat * M_PI / 180.0));
}

/* Moves a point by a normal error of sigma_m metres on each axis. */
static void jitter(struct rng *rng, double sigma_m, double *lat, double *lon)
{
    *lat += rng_normal(rng) * sigma_m / 1000.0 / km_per_degree;
    *lon += rng_normal(rng) * sigma_m / 1000.0 / (km_per_degree * cos(*lat * M_PI / 180.0));
}

static const struct os_profile *pick_os(const struct os_table *table, struct rng *rng)
{
    return &table->profiles[rng_pick_weighted(rng, &table->profiles[0].weight, table->count,
                                              sizeof(table->profiles[0]))];
}

static const struct os_profile *draw_os(int kind, const struct city *city, struct rng *rng)
{
    switch (kind) {
    case DEVICE_PHONE:
        return pick_os(rng_chance(rng, city->ios_share) ? &traffic_ios_phones
                                                        : &traffic_android_phones, rng);
    case DEVICE_TABLET: /* iPads hold a larger share of tablets than iPhones of phones */
        return pick_os(rng_chance(rng, clampd(city->ios_share + 0.15, 0, 1))
                           ? &traffic_ios_tablets : &traffic_android_tablets, rng);
    case DEVICE_DESKTOP:
        return pick_os(&traffic_desktops, rng);
    default:
        return pick_os(&traffic_ctvs, rng);
    }
}

/* ---- users ----------------------------------------------------------------- */

static void draw_segments(const struct traffic_model *model, struct rng *rng,
                          struct user_profile *user)
{
    user->segment_count = 0;
    if (!rng_chance(rng, 0.65))
        return;
    unsigned wanted = 1 + rng_poisson(rng, 2.0);
    for (unsigned i = 0; i < wanted && user->segment_count < SYNTHETIC_MAX_SEGMENTS; i++) {
        int segment = (int)zipf_sample(&model->segments, rng);
        bool seen = false;
        for (int j = 0; j < user->segment_count; j++)
            seen |= user->segments[j] == segment;
        if (!seen)
            user->segments[user->segment_count++] = segment;
    }
}

static void draw_consent(const struct city *city, struct rng *rng, struct tcf_choice *consent)
{
    double choice = rng_unit(rng);
    uint32_t all = 0;
    for (int p = 1; p <= 11; p++)
        all |= TCF_PURPOSE(p);
    consent->created_ds = consent_created_ds - rng_below(rng, 30 * 24 * 36000);
    consent->language = city->language;
    consent->publisher_cc = city->country2;
    consent->purposes = choice < 0.75   ? all                              /* accept all */
                        : choice < 0.90 ? TCF_PURPOSE(1) | TCF_PURPOSE(7)  /* partial */
                                        : 0;                               /* reject all */
    consent->precise_geo = choice < 0.75 && rng_chance(rng, 0.6);
    consent->max_vendor_id = choice < 0.75 ? 1100 : 0;
}

static void draw_device_ids(int kind, struct rng *rng, struct user_profile *user)
{
    bool ios = strcmp(user->os->os, "iOS") == 0 || strcmp(user->os->os, "tvOS") == 0;
    /* App Tracking Transparency: most iOS users do not opt in (an assumption, 70 %). */
    user->lmt = ios ? rng_chance(rng, 0.70) : rng_chance(rng, 0.05);
    user->has_ifa = kind != DEVICE_DESKTOP;
    if (user->lmt)
        snprintf(user->ifa, sizeof(user->ifa), "00000000-0000-0000-0000-000000000000");
    else
        format_uuid(rng, user->ifa, ios);
}

static void draw_user(const struct traffic_model *model, struct rng *rng, uint64_t rank,
                      struct user_profile *user)
{
    user->rank = rank;
    user->city = weighted_pick(&model->cities, rng);
    user->kind = (int)weighted_pick(&model->device_kinds, rng);
    const struct city *city = city_at(user->city);
    user->os = draw_os(user->kind, city, rng);
    city_point(city, rng, &user->anchor_lat, &user->anchor_lon);
    user->yob = rng_chance(rng, 0.3) ? 2006 - (int)rng_below(rng, 58) : 0;
    double g = rng_unit(rng);
    user->gender = g < 0.12 ? "F" : g < 0.24 ? "M" : g < 0.25 ? "O" : NULL;
    draw_segments(model, rng, user);
    draw_device_ids(user->kind, rng, user);
    draw_consent(city, rng, &user->consent);
}

/* ---- inventory --------------------------------------------------------------- */

static void fill_site(struct synthetic_request *out, const char *name, uint64_t rank,
                      struct rng *request_rng)
{
    snprintf(out->inventory_id, sizeof(out->inventory_id), "site-%llu", (unsigned long long)rank);
    snprintf(out->domain, sizeof(out->domain), "%s-news.example", name);
    const char *section = traffic_sections[rng_below(request_rng, traffic_section_count)];
    snprintf(out->page, sizeof(out->page), "https://www.%s/%s/%s-%llu.html", out->domain, section,
             name, (unsigned long long)(1 + rng_below(request_rng, 99999)));
}

static void fill_app(struct synthetic_request *out, const char *name, uint64_t rank, bool ios)
{
    snprintf(out->inventory_id, sizeof(out->inventory_id), "app-%llu", (unsigned long long)rank);
    snprintf(out->domain, sizeof(out->domain), "%s.example", name);
    if (ios) {
        unsigned long long store_id = 1000000000ull + rank * 7919;
        snprintf(out->bundle, sizeof(out->bundle), "%llu", store_id);
        snprintf(out->storeurl, sizeof(out->storeurl), "https://apps.apple.com/app/id%llu",
                 store_id);
    } else {
        snprintf(out->bundle, sizeof(out->bundle), "com.%s.app", name);
        snprintf(out->storeurl, sizeof(out->storeurl),
                 "https://play.google.com/store/apps/details?id=com.%s.app", name);
    }
}

static void draw_inventory(const struct traffic_model *model, struct rng *rng,
                           const struct user_profile *user, struct synthetic_request *out)
{
    uint64_t rank = zipf_sample(&model->publishers, rng);
    struct rng publisher = rng_derive(model->seed ^ STREAM_PUBLISHER, rank);
    char name[24];
    format_name(&publisher, name, sizeof(name));
    out->is_app = rng_chance(rng, traffic_device_kinds[user->kind].app_share);
    if (out->is_app)
        fill_app(out, name, rank, strcmp(user->os->make, "Apple") == 0);
    else
        fill_site(out, name, rank, rng);
    snprintf(out->name, sizeof(out->name), "%c%s", name[0] - 'a' + 'A', name + 1);
    snprintf(out->publisher_id, sizeof(out->publisher_id), "pub-%u", (unsigned)(1 + rank / 4));
    snprintf(out->publisher_name, sizeof(out->publisher_name), "%s Media", out->name);
    out->cat_count = 1 + (int)rng_below(&publisher, 2);
    for (int i = 0; i < out->cat_count; i++)
        out->cat[i] = traffic_iab_categories[rng_below(&publisher, traffic_iab_category_count)];
}

/* ---- geo and network ------------------------------------------------------------ */

static void draw_gps(const struct user_profile *user, struct rng *rng, struct synthetic_geo *geo)
{
    const struct city *city = city_at(user->city);
    if (user->rank != 0 && rng_chance(rng, 0.7)) { /* near the person's usual place */
        geo->lat = user->anchor_lat;
        geo->lon = user->anchor_lon;
        jitter(rng, 300.0, &geo->lat, &geo->lon);
    } else {
        city_point(city, rng, &geo->lat, &geo->lon);
    }
    geo->type = 1;
    geo->accuracy_m = (int)clampd(rng_lognormal(rng, 15.0, 0.8), 3, 2000);
    jitter(rng, geo->accuracy_m / 2.0, &geo->lat, &geo->lon); /* the fix's own error */
    geo->has_point = true;
}

/* The exchange's IP geolocation: a city or postal-code centroid, coarse. */
static void draw_ip_point(const struct city *city, struct rng *rng, struct synthetic_geo *geo)
{
    static const int accuracies_m[] = {5000, 10000, 20000, 25000};
    geo->lat = city->lat + (rng_unit(rng) - 0.5) * 4.0 / km_per_degree;
    geo->lon = city->lon + (rng_unit(rng) - 0.5) * 4.0 / km_per_degree;
    geo->type = 2;
    geo->accuracy_m = rng_chance(rng, 0.5) ? accuracies_m[rng_below(rng, 4)] : 0;
    geo->has_point = true;
}

static void draw_geo(const struct user_profile *user, bool is_app, struct rng *rng,
                     struct synthetic_geo *geo)
{
    const struct city *city = city_at(user->city);
    double gps_share = user->kind == DEVICE_CTV ? 0.0 : is_app ? 0.55 : 0.05;
    double point_share = is_app ? 0.90 : 0.80; /* GPS or IP-derived point; else admin only */
    double draw = rng_unit(rng);
    memset(geo, 0, sizeof(*geo));
    geo->present = true;
    geo->type = 2;
    if (draw < gps_share)
        draw_gps(user, rng, geo);
    else if (draw < point_share)
        draw_ip_point(city, rng, geo);
    geo->country = city->country;
    geo->region = rng_chance(rng, 0.9) ? city->region : NULL;
    geo->city = rng_chance(rng, 0.85) ? city->name : NULL;
    geo->utcoffset_min = rng_chance(rng, 0.5) ? city->utc_offset_min : 0;
}

/* A public unicast IPv4 address (no private, loopback, multicast or reserved block). */
static void random_public_ip(struct rng *rng, char out[16])
{
    for (;;) {
        uint32_t a = (uint32_t)rng_next(rng);
        unsigned first = a >> 24, second = (a >> 16) & 255;
        if (first == 0 || first == 10 || first == 127 || first >= 224 ||
            (first == 172 && (second & 0xF0) == 16) || (first == 192 && second == 168) ||
            (first == 169 && second == 254) || (first == 100 && (second & 0xC0) == 64))
            continue;
        snprintf(out, 16, "%u.%u.%u.%u", first, second, (a >> 8) & 255, a & 255);
        return;
    }
}

static void draw_ip(const struct traffic_model *model, size_t city, struct rng *rng,
                    char out[16])
{
    if (model->ips == NULL) {
        random_public_ip(rng, out);
        return;
    }
    size_t count = model->city_network_counts[city];
    size_t index = count > 0 ? model->city_networks[city][rng_below(rng, count)]
                             : rng_below(rng, model->ips->count);
    ip_network_random_host(&model->ips->networks[index], rng, out);
}

static int draw_connection_type(int kind, struct rng *rng)
{
    double draw = rng_unit(rng);
    switch (kind) {
    case DEVICE_PHONE: /* 2 wifi, 6 cellular 4G, 7 cellular 5G */
        return draw < 0.55 ? 2 : draw < 0.90 ? 6 : 7;
    case DEVICE_TABLET:
        return draw < 0.90 ? 2 : 6;
    default: /* 1 ethernet */
        return draw < 0.5 ? 1 : 2;
    }
}

static void fill_device(const struct traffic_model *model, const struct user_profile *user,
                        struct rng *rng, struct synthetic_request *out)
{
    const struct device_kind *kind = &traffic_device_kinds[user->kind];
    out->ua = user->os->ua;
    out->make = user->os->make;
    out->model = user->os->model;
    out->os = user->os->os;
    out->osv = user->os->osv;
    out->language = city_at(user->city)->language;
    out->devicetype = kind->openrtb_type;
    out->device_w = kind->screen_w;
    out->device_h = kind->screen_h;
    out->connectiontype = draw_connection_type(user->kind, rng);
    out->has_ifa = user->has_ifa && out->is_app;
    memcpy(out->ifa, user->ifa, sizeof(out->ifa));
    out->lmt = user->lmt;
    draw_ip(model, user->city, rng, out->ip);
    draw_geo(user, out->is_app, rng, &out->geo);
}

/* ---- imps, currencies, privacy ------------------------------------------------------ */

static void draw_currencies(const struct city *city, struct rng *rng,
                            struct synthetic_request *out)
{
    double draw = rng_unit(rng);
    out->cur_count = 0;
    if (strcmp(city->currency, "USD") == 0 || draw < 0.4) {
        out->cur[out->cur_count++] = city->currency;
    } else if (draw < 0.8) {
        out->cur[out->cur_count++] = city->currency;
        out->cur[out->cur_count++] = "USD";
    } else {
        out->cur[out->cur_count++] = "USD";
    }
}

/* Floors: none on a fifth of imps, else log-normal around 0.50 USD CPM for display
 * (8 USD for CTV video), stated in the request's first currency, to the cent. */
static void draw_floor(bool video, const char *currency, struct rng *rng,
                       struct synthetic_imp *imp)
{
    imp->bidfloorcur = currency;
    imp->bidfloor_micros = 0;
    if (rng_chance(rng, 0.2))
        return;
    double usd = rng_lognormal(rng, video ? 8.0 : 0.5, 0.8);
    double local = usd * traffic_units_per_usd(currency);
    imp->bidfloor_micros = (int64_t)llround(local * 100.0) * 10000;
}

static const struct ad_size *pick_size(const struct size_table *table, struct rng *rng)
{
    return &table->sizes[rng_pick_weighted(rng, &table->sizes[0].weight, table->count,
                                           sizeof(table->sizes[0]))];
}

static void draw_imp(int kind, int index, const char *currency, const char *section,
                     struct rng *rng, struct synthetic_imp *imp)
{
    const struct size_table *table = &traffic_sizes[kind];
    const struct ad_size *size = pick_size(table, rng);
    imp->id[0] = (char)('1' + index); /* index < SYNTHETIC_MAX_IMPS */
    imp->id[1] = '\0';
    imp->video = kind == DEVICE_CTV;
    imp->w = size->w;
    imp->h = size->h;
    imp->formats[0][0] = size->w;
    imp->formats[0][1] = size->h;
    imp->format_count = 1;
    const struct ad_size *other = pick_size(table, rng);
    if (!imp->video && other != size && rng_chance(rng, 0.4)) {
        imp->formats[1][0] = other->w;
        imp->formats[1][1] = other->h;
        imp->format_count = 2;
    }
    double pos = rng_unit(rng);
    imp->pos = imp->video ? 7 : pos < 0.5 ? 1 : pos < 0.8 ? 3 : 0;
    snprintf(imp->tagid, sizeof(imp->tagid), "%s-%dx%d-%d", section, size->w, size->h,
             index + 1);
    draw_floor(imp->video, currency, rng, imp);
}

static void draw_imps(const struct user_profile *user, struct rng *rng,
                      struct synthetic_request *out)
{
    double draw = rng_unit(rng);
    out->imp_count = draw < 0.85 ? 1 : draw < 0.96 ? 2 : 3;
    const char *section = traffic_sections[rng_below(rng, traffic_section_count)];
    for (int i = 0; i < out->imp_count; i++)
        draw_imp(user->kind, i, out->cur[0], section, rng, &out->imps[i]);
}

static void fill_privacy(const struct user_profile *user, struct rng *rng,
                         struct synthetic_request *out)
{
    const struct city *city = city_at(user->city);
    out->gdpr = city->gdpr;
    out->consent[0] = '\0';
    if (city->gdpr && rng_chance(rng, 0.85)) /* else the CMP had not answered yet */
        tcf_encode(&user->consent, out->consent, sizeof(out->consent));
    out->us_privacy = NULL;
    if (strcmp(city->country, "USA") == 0) {
        double draw = rng_unit(rng);
        out->us_privacy = draw < 0.85 ? "1YNN" : draw < 0.95 ? "1YYN" : "1---";
    }
}

static void fill_user(const struct traffic_model *model, const struct user_profile *user,
                      struct synthetic_request *out)
{
    out->has_user = user->rank != 0;
    if (!out->has_user)
        return;
    struct rng ids = rng_derive(model->seed ^ 0x5eed, user->rank);
    snprintf(out->user_id, sizeof(out->user_id), "u-%016llx", (unsigned long long)rng_next(&ids));
    uint64_t buyer = rng_next(&ids);
    if (buyer & 1) /* half the users are matched with the bidder's own cookie */
        snprintf(out->buyeruid, sizeof(out->buyeruid), "b-%016llx", (unsigned long long)buyer);
    out->yob = user->yob;
    out->gender = user->gender;
    out->segment_count = user->segment_count;
    memcpy(out->segments, user->segments, sizeof(out->segments));
}

/* ---- the model ---------------------------------------------------------------------- */

/* Indexes of the networks within near_city_km of each city, else of its country. */
static void index_networks(struct traffic_model *model)
{
    const struct ip_pool *ips = model->ips;
    model->city_networks = xcalloc(traffic_city_count, sizeof(size_t *));
    model->city_network_counts = xcalloc(traffic_city_count, sizeof(size_t));
    for (size_t c = 0; c < traffic_city_count; c++) {
        const struct city *city = city_at(c);
        size_t *list = xcalloc(ips->count, sizeof(size_t)), near = 0, same_country = 0;
        for (size_t i = 0; i < ips->count; i++) {
            const struct ip_network *network = &ips->networks[i];
            double dy = (network->lat - city->lat) * km_per_degree;
            double dx = (network->lon - city->lon) * km_per_degree * cos(city->lat * M_PI / 180);
            if (network->has_point && dx * dx + dy * dy < near_city_km * near_city_km)
                list[near++] = i;
        }
        for (size_t i = 0; near == 0 && i < ips->count; i++)
            if (strcmp(ips->networks[i].country, city->country2) == 0)
                list[same_country++] = i;
        model->city_networks[c] = list;
        model->city_network_counts[c] = near ? near : same_country;
    }
}

void traffic_model_init(struct traffic_model *model, uint64_t seed, const struct ip_pool *ips)
{
    memset(model, 0, sizeof(*model));
    model->seed = seed;
    model->ips = ips != NULL && ips->count > 0 ? ips : NULL;
    weighted_init(&model->cities, &traffic_cities[0].population_m, traffic_city_count,
                  sizeof(traffic_cities[0]));
    weighted_init(&model->device_kinds, &traffic_device_kinds[0].weight, DEVICE_KIND_COUNT,
                  sizeof(traffic_device_kinds[0]));
    weighted_init(&model->tmax, &traffic_tmax_ms[0].weight, traffic_tmax_count,
                  sizeof(traffic_tmax_ms[0]));
    zipf_init(&model->users, user_count, user_exponent);
    zipf_init(&model->publishers, publisher_count, publisher_exponent);
    zipf_init(&model->segments, segment_count, segment_exponent);
    if (model->ips != NULL)
        index_networks(model);
}

void traffic_model_free(struct traffic_model *model)
{
    weighted_free(&model->cities);
    weighted_free(&model->device_kinds);
    weighted_free(&model->tmax);
    if (model->city_networks != NULL)
        for (size_t c = 0; c < traffic_city_count; c++)
            free(model->city_networks[c]);
    free(model->city_networks);
    free(model->city_network_counts);
    model->city_networks = NULL;
    model->city_network_counts = NULL;
}

void traffic_generate(const struct traffic_model *model, uint64_t n,
                      struct synthetic_request *out)
{
    struct rng rng = rng_derive(model->seed ^ STREAM_REQUEST, n);
    memset(out, 0, sizeof(*out));
    struct user_profile user;
    /* 30 % of requests carry no user id (no consent, no cookie, ITP): one-off people */
    if (rng_chance(&rng, 0.7)) {
        uint64_t rank = zipf_sample(&model->users, &rng);
        struct rng user_rng = rng_derive(model->seed ^ STREAM_USER, rank);
        draw_user(model, &user_rng, rank, &user);
    } else {
        struct rng anonymous = rng_derive(model->seed ^ STREAM_ANONYMOUS, n);
        draw_user(model, &anonymous, 0, &user);
    }
    format_uuid(&rng, out->id, false);
    out->tmax_ms = traffic_tmax_ms[weighted_pick(&model->tmax, &rng)].value;
    draw_currencies(city_at(user.city), &rng, out);
    draw_inventory(model, &rng, &user, out);
    draw_imps(&user, &rng, out);
    fill_device(model, &user, &rng, out);
    fill_user(model, &user, out);
    fill_privacy(&user, &rng, out);
    format_uuid(&rng, out->tid, false);
}
