/* The data tables behind the traffic model (loadtest/traffic_tables.c): cities, device
 * and OS mixes, ad sizes, user agents. Every share is documented in docs/loadtest.md with
 * where it comes from, or is marked there as an assumption. Read by traffic.c, and by
 * bench/bench_pipeline.c to place its campaigns where the traffic is. */
#ifndef GEOBID_LOAD_TRAFFIC_TABLES_H
#define GEOBID_LOAD_TRAFFIC_TABLES_H

#include <stdbool.h>
#include <stddef.h>

struct city {
    const char *name;
    const char *country;      /* ISO 3166-1 alpha-3, as OpenRTB sends it */
    const char *country2;     /* alpha-2, to match GeoIP records */
    const char *region;       /* ISO 3166-2 subdivision code without the country prefix */
    double lat, lon;
    double population_m;      /* metro (or city) population, millions: the city's weight */
    const char *currency;     /* local currency of the exchange's floors */
    int utc_offset_min;       /* standard time */
    const char *language;     /* ISO 639-1 */
    bool gdpr;                /* EU/EEA/UK: regs.gdpr = 1 and a TCF string */
    double ios_share;         /* iOS share of phones in the country */
};

struct weighted_value {
    int value;
    double weight;
};

/* OpenRTB device types used by the model. */
enum { DEVICE_PHONE, DEVICE_TABLET, DEVICE_DESKTOP, DEVICE_CTV, DEVICE_KIND_COUNT };

struct device_kind {
    const char *name;
    int openrtb_type;         /* 4 phone, 5 tablet, 2 PC, 3 connected TV */
    double weight;
    double app_share;         /* requests from apps rather than web sites */
    int screen_w, screen_h;
};

struct ad_size {
    int w, h;
    double weight;
};

struct os_profile {
    const char *os;           /* OpenRTB device.os */
    const char *osv;
    const char *make, *model;
    const char *ua;
    double weight;            /* within its device kind (phones: split by ios_share) */
};

struct size_table {
    const struct ad_size *sizes;
    size_t count;
};

struct os_table {
    const struct os_profile *profiles;
    size_t count;
};

extern const struct city traffic_cities[];
extern const size_t traffic_city_count;

extern const struct device_kind traffic_device_kinds[DEVICE_KIND_COUNT];
/* Banner sizes by device kind (CTV: video only, its table is the player sizes). */
extern const struct size_table traffic_sizes[DEVICE_KIND_COUNT];
/* Phones: iOS and Android profiles, picked by the city's ios_share; others by weight. */
extern const struct os_table traffic_ios_phones, traffic_android_phones, traffic_ios_tablets,
    traffic_android_tablets, traffic_desktops, traffic_ctvs;

extern const struct weighted_value traffic_tmax_ms[];
extern const size_t traffic_tmax_count;

extern const char *const traffic_iab_categories[];
extern const size_t traffic_iab_category_count;

extern const char *const traffic_sections[];
extern const size_t traffic_section_count;

extern const char *const traffic_name_syllables[];
extern const size_t traffic_name_syllable_count;

/* Approximate units of currency per US dollar, to express floors locally. */
double traffic_units_per_usd(const char *currency);

#endif
