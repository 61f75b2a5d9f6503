/* The traffic model: bid requests that look like an exchange's, drawn from a seed.
 *
 * traffic_generate(model, n, out) describes request number n as plain data (struct
 * synthetic_request); the encoders (encode.h) turn it into JSON or protobuf bytes. A
 * request depends only on (seed, n), so any subset of requests, generated in any
 * order or thread, is the same on every run. What the model draws and why is in
 * docs/loadtest.md ("Traffic model"). */
#ifndef GEOBID_LOAD_TRAFFIC_H
#define GEOBID_LOAD_TRAFFIC_H

#include "ip_pool.h"
#include "random.h"

#include <stdbool.h>
#include <stdint.h>

enum { SYNTHETIC_MAX_IMPS = 3, SYNTHETIC_MAX_FORMATS = 3, SYNTHETIC_MAX_SEGMENTS = 8 };

struct synthetic_imp {
    char id[4];
    bool video;                     /* CTV: a video imp instead of a banner */
    int w, h;
    int formats[SYNTHETIC_MAX_FORMATS][2]; /* banner.format, the first is (w, h) */
    int format_count;
    int pos;                        /* OpenRTB ad position */
    int64_t bidfloor_micros;        /* CPM in micros of bidfloorcur; 0 = no floor */
    const char *bidfloorcur;
    char tagid[24];
};

struct synthetic_geo {
    bool present;
    bool has_point;
    double lat, lon;
    int type;                       /* 1 GPS, 2 IP-derived (the exchange's own lookup) */
    int accuracy_m;                 /* 0 = absent */
    const char *country, *region, *city; /* alpha-3, ISO 3166-2 code, name; may be NULL */
    int utcoffset_min;
};

struct synthetic_request {
    char id[40];
    int tmax_ms;
    const char *cur[2];
    int cur_count;
    struct synthetic_imp imps[SYNTHETIC_MAX_IMPS];
    int imp_count;
    /* site or app */
    bool is_app;
    char inventory_id[24], name[40], domain[48], page[128], bundle[48], storeurl[96];
    const char *cat[2];
    int cat_count;
    char publisher_id[16], publisher_name[48];
    /* device */
    const char *ua, *make, *model, *os, *osv, *language;
    char ip[16];
    int devicetype, device_w, device_h, connectiontype;
    bool has_ifa;
    char ifa[40];
    int lmt;                        /* 0/1 */
    struct synthetic_geo geo;
    /* user */
    bool has_user;
    char user_id[24], buyeruid[24];
    int yob;                        /* 0 = absent */
    const char *gender;             /* NULL = absent */
    int segments[SYNTHETIC_MAX_SEGMENTS];
    int segment_count;
    /* regs, consent, source */
    int gdpr;                       /* 0/1 */
    char consent[96];               /* TCF string when gdpr, else "" */
    const char *us_privacy;         /* NULL = absent */
    char tid[40];
};

struct traffic_model {
    uint64_t seed;
    struct weighted cities, device_kinds, tmax;
    struct zipf users, publishers, segments;
    const struct ip_pool *ips;      /* NULL: addresses drawn from public unicast space */
    size_t **city_networks;         /* per city: indexes of ips' networks near it */
    size_t *city_network_counts;
};

/* Prepares the model for seed. ips (may be NULL) must outlive the model. */
void traffic_model_init(struct traffic_model *model, uint64_t seed, const struct ip_pool *ips);

/* Frees the model's tables. */
void traffic_model_free(struct traffic_model *model);

/* Describes request number n of the model's stream in *out. */
void traffic_generate(const struct traffic_model *model, uint64_t n,
                      struct synthetic_request *out);

#endif
