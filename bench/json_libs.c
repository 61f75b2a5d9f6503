/* bench/json_libs.c — which JSON library should geobid decode OpenRTB bid requests with?
 *
 * For each candidate the measured unit of work is what one bid request costs a bidder:
 * parse the request AND extract the fields bidding needs into one fixed struct (then, for
 * tree libraries, free the tree). Tree libraries pay at parse time (a node per value, a
 * copy per string); a tokenizer pays at lookup time (skipping subtrees). So both phases
 * are inside the timed loop.
 *
 *   geobid-json     src/json.c (jsmn JSMN_STRICT tokens in an arena + validation pass +
 *                   lazy unescape) — exactly what the project links
 *   geobid-parse    json_parse() alone: tokenize + validate, no extraction (reference)
 *   jsmn-raw        jsmn_parse alone (JSMN_STRICT), no validation, no extraction
 *   jsmn-raw-parent the same with JSMN_PARENT_LINKS (references: the tokenizer's floor)
 *   cjson           cJSON_ParseWithOpts + walk + cJSON_Delete, default malloc
 *   cjson-arena     the same with cJSON_InitHooks pointed at a geobid arena, no Delete
 *   yajl-tree       yajl_tree_parse + walk + yajl_tree_free (always malloc: yajl_tree
 *                   takes no allocator)
 *   yajl-stream     yajl_parse with callbacks and a path state machine (no tree)
 *   json-parser     udp/json-parser (Debian libjsonparser-dev) json_parse_ex + walk + free
 *   json-parser-arena  the same with json_settings.mem_alloc pointed at an arena
 *
 * Method: every variant is first run once and its extracted values are printed to a
 * canonical string; all must be identical or the program aborts. Then R rounds (default
 * 9) of N parses (default 200000) per variant, interleaved A B C ... A B C ... (in slices
 * of N/20 within a round), so machine noise hits every variant alike. Times are thread
 * CPU time (wall time shown beside). Reported: median ns/request, min, max, ratio of
 * medians against the fastest full decoder of the same run, and the "paired" ratio: per
 * round against that decoder's time in the same round, median over rounds.
 *
 * Allocations per request are counted twice: with each library's own allocator hooks
 * where it has them (cJSON_InitHooks, yajl_alloc_funcs, json_settings.mem_alloc), and for
 * every variant by re-running this program with glibc's mtrace (LD_PRELOAD of
 * libc_malloc_debug.so.0), which sees every malloc/calloc/realloc of one warmed-up
 * request — the only way to see yajl_tree's, which calls malloc directly.
 *
 * Finally a strictness table: which malformed documents each parser accepts.
 *
 * Usage: bench-json-libs [--runs R] [--n N] [--only VARIANT]
 * Build: make build/bench-json-libs (see docs/json-library.md for the rule and the gcc line)
 */
/* geobid/json.h comes first: it decides how jsmn is configured (JSMN_PARENT_LINKS changes
 * the token layout), and src/json.o was compiled with the same choice. */
#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/json.h"
#include "geobid/slice.h"

/* Two private copies of jsmn for the reference rows, both JSMN_STRICT like src/json.c,
 * renamed so they coexist with the declarations geobid/json.h made:
 *   jsmna (jsmnatok_t, jsmna_parse...)  plain: a "}" "]" or "," scans the tokens backwards
 *   jsmnb (jsmnbtok_t, jsmnb_parse...)  with JSMN_PARENT_LINKS: each token knows its parent
 * Every jsmn name expands to the current JSMN_COPY prefix when jsmn.h is read, so one list
 * of renames serves both copies; after them the names are jsmn's own again. */
#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PASTE_(a, b) a##b
#define JSMN_PASTE(a, b) JSMN_PASTE_(a, b)
#define jsmntype_t JSMN_PASTE(JSMN_COPY, type_t)
#define JSMN_UNDEFINED JSMN_PASTE(JSMN_COPY_UPPER, _UNDEFINED)
#define JSMN_OBJECT JSMN_PASTE(JSMN_COPY_UPPER, _OBJECT)
#define JSMN_ARRAY JSMN_PASTE(JSMN_COPY_UPPER, _ARRAY)
#define JSMN_STRING JSMN_PASTE(JSMN_COPY_UPPER, _STRING)
#define JSMN_PRIMITIVE JSMN_PASTE(JSMN_COPY_UPPER, _PRIMITIVE)
#define jsmnerr JSMN_PASTE(JSMN_COPY, err)
#define JSMN_ERROR_NOMEM JSMN_PASTE(JSMN_COPY_UPPER, _ERROR_NOMEM)
#define JSMN_ERROR_INVAL JSMN_PASTE(JSMN_COPY_UPPER, _ERROR_INVAL)
#define JSMN_ERROR_PART JSMN_PASTE(JSMN_COPY_UPPER, _ERROR_PART)
#define jsmntok_t JSMN_PASTE(JSMN_COPY, tok_t)
#define jsmn_parser JSMN_PASTE(JSMN_COPY, _parser)
#define jsmn_init JSMN_PASTE(JSMN_COPY, _init)
#define jsmn_parse JSMN_PASTE(JSMN_COPY, _parse)
#define jsmn_alloc_token JSMN_PASTE(JSMN_COPY, _alloc_token)
#define jsmn_fill_token JSMN_PASTE(JSMN_COPY, _fill_token)
#define jsmn_parse_primitive JSMN_PASTE(JSMN_COPY, _parse_primitive)
#define jsmn_parse_string JSMN_PASTE(JSMN_COPY, _parse_string)

#define JSMN_COPY jsmna
#define JSMN_COPY_UPPER JSMNA
#undef JSMN_PARENT_LINKS
#undef JSMN_H
#include <jsmn.h>

#undef JSMN_COPY
#undef JSMN_COPY_UPPER
#define JSMN_COPY jsmnb
#define JSMN_COPY_UPPER JSMNB
#define JSMN_PARENT_LINKS
#undef JSMN_H
#include <jsmn.h>

#undef jsmntype_t
#undef JSMN_UNDEFINED
#undef JSMN_OBJECT
#undef JSMN_ARRAY
#undef JSMN_STRING
#undef JSMN_PRIMITIVE
#undef jsmnerr
#undef JSMN_ERROR_NOMEM
#undef JSMN_ERROR_INVAL
#undef JSMN_ERROR_PART
#undef jsmntok_t
#undef jsmn_parser
#undef jsmn_init
#undef jsmn_parse
#undef jsmn_alloc_token
#undef jsmn_fill_token
#undef jsmn_parse_primitive
#undef jsmn_parse_string
#undef JSMN_COPY
#undef JSMN_COPY_UPPER

#include <cjson/cJSON.h>
#include <yajl/yajl_parse.h>
#include <yajl/yajl_tree.h>

#if defined(__has_include)
#if __has_include(<json-parser/json.h>)
#define HAVE_JSON_PARSER 1
/* json-parser also declares a json_parse(); keep its prototype out of geobid's way. */
#define json_parse json_parser_json_parse
#include <json-parser/json.h>
#undef json_parse
#endif
#endif

#include <math.h>
#include <mcheck.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ---- the request ---------------------------------------------------------------- */

/* A compact OpenRTB 2.6 banner request as exchanges send it: two imps with format[],
 * site with cat/publisher, device with ua/ip/geo, user with data/segment and a TCF
 * consent string, regs, source with schain, and unknown ext objects to skip. The
 * site.page URL uses the "\/" escapes some exchanges emit (never read by the bidder). */
static const char request_json[] =
    "{\"id\":\"80ce30c53c16e6ede735f123ef6e32361bfc7b22\",\"at\":1,\"tmax\":120,"
    "\"cur\":[\"USD\"],\"imp\":[{\"id\":\"1\",\"tagid\":\"home-top\",\"bidfloor\":0.35,"
    "\"bidfloorcur\":\"USD\",\"secure\":1,\"banner\":{\"w\":728,\"h\":90,\"format\":"
    "[{\"w\":728,\"h\":90},{\"w\":970,\"h\":90},{\"w\":468,\"h\":60}],\"pos\":1},"
    "\"ext\":{\"gpid\":\"/1234/home/top\"}},{\"id\":\"2\",\"tagid\":\"sidebar\","
    "\"bidfloor\":0.5,\"banner\":{\"w\":300,\"h\":250,\"format\":[{\"w\":300,\"h\":250},"
    "{\"w\":300,\"h\":600}]},\"ext\":{\"prebid\":{\"bidder\":{\"geobid\":{\"placement\":17}}}}}],"
    "\"site\":{\"id\":\"102855\",\"domain\":\"news.example.com\",\"cat\":[\"IAB12\","
    "\"IAB12-3\"],\"page\":\"https:\\/\\/news.example.com\\/world\\/2026\\/11\\/story.html\","
    "\"publisher\":{\"id\":\"8953\",\"name\":\"Example Media\",\"domain\":\"example.com\"}},"
    "\"device\":{\"ua\":\"Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) "
    "AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.1 Mobile/15E148 Safari/604.1\","
    "\"ip\":\"203.0.113.42\",\"geo\":{\"lat\":37.7749,\"lon\":-122.4194,\"type\":1,"
    "\"accuracy\":20,\"country\":\"USA\",\"city\":\"San Francisco\",\"zip\":\"94103\"},"
    "\"dnt\":0,\"lmt\":0,\"devicetype\":4,\"make\":\"Apple\",\"os\":\"iOS\",\"osv\":\"17.1\","
    "\"connectiontype\":2,\"ifa\":\"6D92078A-8246-4BA4-AE5B-76104861E7DC\",\"ext\":{\"atts\":3}},"
    "\"user\":{\"id\":\"55816b39711f9b5acf3b90e313ed29e51665623f\",\"yob\":1984,"
    "\"consent\":\"CPzHq4APzHq4AAHABBENC-CgAP_AAH_AAAAAIYNf_X__b3_j-_5_f_t0eY1P9_7_v-0zjhfdt"
    "-8N2f_X_L8X42M7vF36pq4KuR4Eu3LBIQdlHOHcTUmw6okVrzPsbk2cr7NKJ7PEmnMbO2dYGH9_n93TuZKY7"
    "\",\"data\":[{\"id\":\"pubdata\",\"segment\":[{\"id\":\"seg-1001\"},{\"id\":\"seg-1002\","
    "\"name\":\"sports\"},{\"id\":\"seg-2042\"}],\"ext\":{\"segtax\":4}},{\"id\":\"3p\","
    "\"segment\":[{\"id\":\"aud-77\"}]}],\"ext\":{\"eids\":[{\"source\":\"id5-sync.com\","
    "\"uids\":[{\"id\":\"ID5*abc\",\"atype\":1}]}]}},\"regs\":{\"coppa\":0,\"gdpr\":1,"
    "\"us_privacy\":\"1YNN\"},\"source\":{\"tid\":\"b7d9c6b4-1f2e-4e3a-9d11-0c6b2a1f9e77\","
    "\"ext\":{\"schain\":{\"complete\":1,\"ver\":\"1.0\",\"nodes\":[{\"asi\":\"exchange.example\","
    "\"sid\":\"1234\",\"hp\":1}]}}},\"bcat\":[\"IAB25\",\"IAB26\"]}";

/* ---- what the bidder extracts ----------------------------------------------------- */

enum { max_imps = 4, max_formats = 8, max_segments = 16 };

struct imp_fields {
    struct slice id;
    int64_t w, h;
    size_t format_count;
    int64_t format_w[max_formats], format_h[max_formats];
    double bidfloor;
};

struct fields {
    struct slice id;
    int64_t tmax;
    size_t imp_count;
    struct imp_fields imp[max_imps];
    struct slice site_domain;
    struct slice ip;
    double lat, lon;
    int64_t geo_type, accuracy, devicetype;
    struct slice os;
    struct slice user_id;
    size_t segment_count;
    struct slice segments[max_segments];
    int64_t gdpr;
    struct slice consent;
};

/* Field names, classified once per key; every variant dispatches with this same
 * function, so differences come from the libraries, not from key matching. */
enum key {
    K_OTHER, K_ID, K_TMAX, K_IMP, K_BANNER, K_W, K_H, K_FORMAT, K_BIDFLOOR, K_SITE,
    K_DOMAIN, K_DEVICE, K_IP, K_GEO, K_LAT, K_LON, K_TYPE, K_ACCURACY, K_DEVICETYPE,
    K_OS, K_USER, K_DATA, K_SEGMENT, K_REGS, K_GDPR, K_CONSENT,
};

static bool name_is(const char *s, const char *lit, size_t n)
{
    return memcmp(s, lit, n) == 0;
}

static enum key classify(const char *s, size_t n)
{
    switch (n) {
    case 1:
        return s[0] == 'w' ? K_W : s[0] == 'h' ? K_H : K_OTHER;
    case 2:
        return name_is(s, "id", 2) ? K_ID : name_is(s, "ip", 2) ? K_IP
               : name_is(s, "os", 2) ? K_OS : K_OTHER;
    case 3:
        return name_is(s, "imp", 3) ? K_IMP : name_is(s, "geo", 3) ? K_GEO
               : name_is(s, "lat", 3) ? K_LAT : name_is(s, "lon", 3) ? K_LON : K_OTHER;
    case 4:
        return name_is(s, "tmax", 4) ? K_TMAX : name_is(s, "site", 4) ? K_SITE
               : name_is(s, "type", 4) ? K_TYPE : name_is(s, "user", 4) ? K_USER
               : name_is(s, "data", 4) ? K_DATA : name_is(s, "regs", 4) ? K_REGS
               : name_is(s, "gdpr", 4) ? K_GDPR : K_OTHER;
    case 6:
        return name_is(s, "banner", 6) ? K_BANNER : name_is(s, "format", 6) ? K_FORMAT
               : name_is(s, "domain", 6) ? K_DOMAIN : name_is(s, "device", 6) ? K_DEVICE
               : K_OTHER;
    case 7:
        return name_is(s, "segment", 7) ? K_SEGMENT : name_is(s, "consent", 7) ? K_CONSENT
               : K_OTHER;
    case 8:
        return name_is(s, "bidfloor", 8) ? K_BIDFLOOR : name_is(s, "accuracy", 8) ? K_ACCURACY
               : K_OTHER;
    case 10:
        return name_is(s, "devicetype", 10) ? K_DEVICETYPE : K_OTHER;
    default:
        return K_OTHER;
    }
}

static void fields_init(struct fields *f)
{
    memset(f, 0, sizeof(*f));
    f->gdpr = f->devicetype = f->geo_type = f->accuracy = -1;
}

static void appendf(char *buf, size_t cap, size_t *used, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void appendf(char *buf, size_t cap, size_t *used, const char *fmt, ...)
{
    if (*used >= cap)
        return;
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(buf + *used, cap - *used, fmt, args);
    va_end(args);
    if (n > 0)
        *used += (size_t)n;
}

#define SL(s) (int)(s).len, (s).ptr

/* Prints every extracted value; identical strings mean identical extraction. */
static void canonical(const struct fields *f, char *buf, size_t cap)
{
    size_t u = 0;
    appendf(buf, cap, &u, "id=%.*s tmax=%lld imps=%zu\n", SL(f->id), (long long)f->tmax,
            f->imp_count);
    for (size_t i = 0; i < f->imp_count; i++) {
        const struct imp_fields *imp = &f->imp[i];
        appendf(buf, cap, &u, " imp %.*s %lldx%lld floor=%.17g formats:", SL(imp->id),
                (long long)imp->w, (long long)imp->h, imp->bidfloor);
        for (size_t j = 0; j < imp->format_count; j++)
            appendf(buf, cap, &u, " %lldx%lld", (long long)imp->format_w[j],
                    (long long)imp->format_h[j]);
        appendf(buf, cap, &u, "\n");
    }
    appendf(buf, cap, &u, "site.domain=%.*s ip=%.*s lat=%.17g lon=%.17g type=%lld acc=%lld\n",
            SL(f->site_domain), SL(f->ip), f->lat, f->lon, (long long)f->geo_type,
            (long long)f->accuracy);
    appendf(buf, cap, &u, "devicetype=%lld os=%.*s user.id=%.*s gdpr=%lld\nsegments:",
            (long long)f->devicetype, SL(f->os), SL(f->user_id), (long long)f->gdpr);
    for (size_t i = 0; i < f->segment_count; i++)
        appendf(buf, cap, &u, " %.*s", SL(f->segments[i]));
    appendf(buf, cap, &u, "\nconsent=%.*s\n", SL(f->consent));
}

/* Touches the results without dereferencing strings (tree variants have freed them). */
static uint64_t checksum(const struct fields *f)
{
    return (uint64_t)f->tmax + f->imp_count * 7 + f->segment_count * 13 + f->consent.len +
           f->id.len + f->ip.len + (uint64_t)(f->lat * 1000.0) + (uint64_t)f->imp[0].format_count;
}

static int canon_or_zero(const struct fields *f, char *canon, size_t cap)
{
    if (canon != NULL)
        canonical(f, canon, cap);
    return 0;
}

/* One per-thread arena, as the server keeps (src/server.c: 64 KiB blocks). */
static struct arena bench_arena;

/* ---- geobid: src/json.c, exactly as the project links it ----------------------------- */

static int gb_format(const struct json_doc *doc, int obj, struct imp_fields *imp)
{
    if (!json_is(doc, obj, JSMN_OBJECT) || imp->format_count == max_formats)
        return -1;
    size_t i = imp->format_count++;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        switch (classify(k.ptr, k.len)) {
        case K_W:
            if (json_get_int64(doc, key + 1, &imp->format_w[i]) != 0)
                return -1;
            break;
        case K_H:
            if (json_get_int64(doc, key + 1, &imp->format_h[i]) != 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

static int gb_banner(const struct json_doc *doc, int obj, struct imp_fields *imp)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        switch (classify(k.ptr, k.len)) {
        case K_W:
            if (json_get_int64(doc, v, &imp->w) != 0)
                return -1;
            break;
        case K_H:
            if (json_get_int64(doc, v, &imp->h) != 0)
                return -1;
            break;
        case K_FORMAT:
            if (!json_is(doc, v, JSMN_ARRAY))
                return -1;
            JSON_FOR_EACH_ELEMENT(doc, v, elem, m)
            {
                if (gb_format(doc, elem, imp) != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int gb_imp(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT) || f->imp_count == max_imps)
        return -1;
    struct imp_fields *imp = &f->imp[f->imp_count++];
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        switch (classify(k.ptr, k.len)) {
        case K_ID:
            if (json_get_string(doc, v, &bench_arena, &imp->id) != 0)
                return -1;
            break;
        case K_BIDFLOOR:
            if (json_get_double(doc, v, &imp->bidfloor) != 0)
                return -1;
            break;
        case K_BANNER:
            if (gb_banner(doc, v, imp) != 0)
                return -1;
            break;
        default:
            break;
        }
    }
    return 0;
}

static int gb_geo(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        int rc = 0;
        switch (classify(k.ptr, k.len)) {
        case K_LAT:
            rc = json_get_double(doc, v, &f->lat);
            break;
        case K_LON:
            rc = json_get_double(doc, v, &f->lon);
            break;
        case K_TYPE:
            rc = json_get_int64(doc, v, &f->geo_type);
            break;
        case K_ACCURACY:
            rc = json_get_int64(doc, v, &f->accuracy);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int gb_site(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        if (classify(k.ptr, k.len) == K_DOMAIN &&
            json_get_string(doc, key + 1, &bench_arena, &f->site_domain) != 0)
            return -1;
    }
    return 0;
}

static int gb_device(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        int rc = 0;
        switch (classify(k.ptr, k.len)) {
        case K_IP:
            rc = json_get_string(doc, v, &bench_arena, &f->ip);
            break;
        case K_GEO:
            rc = gb_geo(doc, v, f);
            break;
        case K_DEVICETYPE:
            rc = json_get_int64(doc, v, &f->devicetype);
            break;
        case K_OS:
            rc = json_get_string(doc, v, &bench_arena, &f->os);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int gb_segment(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        if (classify(k.ptr, k.len) != K_ID)
            continue;
        if (f->segment_count == max_segments ||
            json_get_string(doc, key + 1, &bench_arena, &f->segments[f->segment_count++]) != 0)
            return -1;
    }
    return 0;
}

static int gb_data(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        if (classify(k.ptr, k.len) != K_SEGMENT)
            continue;
        if (!json_is(doc, v, JSMN_ARRAY))
            return -1;
        JSON_FOR_EACH_ELEMENT(doc, v, elem, m)
        {
            if (gb_segment(doc, elem, f) != 0)
                return -1;
        }
    }
    return 0;
}

static int gb_user(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        int v = key + 1;
        switch (classify(k.ptr, k.len)) {
        case K_ID:
            if (json_get_string(doc, v, &bench_arena, &f->user_id) != 0)
                return -1;
            break;
        case K_CONSENT:
            if (json_get_string(doc, v, &bench_arena, &f->consent) != 0)
                return -1;
            break;
        case K_DATA:
            if (!json_is(doc, v, JSMN_ARRAY))
                return -1;
            JSON_FOR_EACH_ELEMENT(doc, v, elem, m)
            {
                if (gb_data(doc, elem, f) != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int gb_regs(const struct json_doc *doc, int obj, struct fields *f)
{
    if (!json_is(doc, obj, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(doc, obj, key, n)
    {
        struct slice k = json_raw(doc, key);
        if (classify(k.ptr, k.len) == K_GDPR && json_get_int64(doc, key + 1, &f->gdpr) != 0)
            return -1;
    }
    return 0;
}

/* src/json.c's json_parse() into the request arena (reset first). Returns 0 or -1. */
static int gb_parse(const char *text, size_t len, struct json_doc *doc)
{
    struct error err;
    arena_reset(&bench_arena);
    return json_parse(doc, text, len, &bench_arena, &err);
}

static int gb_run(const char *text, size_t len, struct fields *f, char *canon, size_t cap)
{
    struct json_doc doc;
    if (gb_parse(text, len, &doc) != 0 || !json_is(&doc, 0, JSMN_OBJECT))
        return -1;
    JSON_FOR_EACH_MEMBER(&doc, 0, key, n)
    {
        struct slice k = json_raw(&doc, key);
        int v = key + 1;
        int rc = 0;
        switch (classify(k.ptr, k.len)) {
        case K_ID:
            rc = json_get_string(&doc, v, &bench_arena, &f->id);
            break;
        case K_TMAX:
            rc = json_get_int64(&doc, v, &f->tmax);
            break;
        case K_IMP:
            if (!json_is(&doc, v, JSMN_ARRAY))
                return -1;
            JSON_FOR_EACH_ELEMENT(&doc, v, elem, m)
            {
                if (gb_imp(&doc, elem, f) != 0)
                    return -1;
            }
            break;
        case K_SITE:
            rc = gb_site(&doc, v, f);
            break;
        case K_DEVICE:
            rc = gb_device(&doc, v, f);
            break;
        case K_USER:
            rc = gb_user(&doc, v, f);
            break;
        case K_REGS:
            rc = gb_regs(&doc, v, f);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return canon_or_zero(f, canon, cap);
}

static int gb_accepts(const char *text, size_t len)
{
    struct json_doc doc;
    return gb_parse(text, len, &doc) == 0;
}

/* ---- references: parsing alone ------------------------------------------------------- */

/* The parse-only rows keep their token count in f->tmax, for the checksum. */
static int keep_token_count(struct fields *f, int count)
{
    f->tmax = count;
    return count > 0 ? 0 : -1;
}

/* src/json.c's json_parse alone: tokenize + validate, no extraction. */
static int run_geobid_parse(const char *text, size_t len, struct fields *f, char *canon,
                            size_t cap)
{
    (void)canon;
    (void)cap;
    struct json_doc doc;
    return keep_token_count(f, gb_parse(text, len, &doc) == 0 ? doc.token_count : -1);
}

static jsmnatok_t raw_tokens[4096];
static jsmnbtok_t raw_pl_tokens[4096];

/* jsmn alone (plain copy): returns the token count, or a negative jsmnaerr. */
static int jsmn_raw_parse(const char *text, size_t len)
{
    jsmna_parser parser;
    jsmna_init(&parser);
    return jsmna_parse(&parser, text, len, raw_tokens, sizeof(raw_tokens) / sizeof(raw_tokens[0]));
}

/* jsmn alone (JSMN_PARENT_LINKS copy): the same. */
static int jsmn_raw_parent_parse(const char *text, size_t len)
{
    jsmnb_parser parser;
    jsmnb_init(&parser);
    return jsmnb_parse(&parser, text, len, raw_pl_tokens,
                       sizeof(raw_pl_tokens) / sizeof(raw_pl_tokens[0]));
}

static int run_jsmn_raw(const char *text, size_t len, struct fields *f, char *canon, size_t cap)
{
    (void)canon;
    (void)cap;
    return keep_token_count(f, jsmn_raw_parse(text, len));
}

static int accepts_jsmn_raw(const char *text, size_t len)
{
    return jsmn_raw_parse(text, len) > 0;
}

static int run_jsmn_raw_parent(const char *text, size_t len, struct fields *f, char *canon,
                               size_t cap)
{
    (void)canon;
    (void)cap;
    return keep_token_count(f, jsmn_raw_parent_parse(text, len));
}

static int accepts_jsmn_raw_parent(const char *text, size_t len)
{
    return jsmn_raw_parent_parse(text, len) > 0;
}

/* ---- cJSON ------------------------------------------------------------------------------ */

static int cj_int(const cJSON *v, int64_t *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    double d = v->valuedouble; /* cJSON keeps every number as a double */
    if (!(d >= -9007199254740992.0 && d <= 9007199254740992.0) || d != floor(d))
        return -1;
    *out = (int64_t)d;
    return 0;
}

static int cj_double(const cJSON *v, double *out)
{
    if (!cJSON_IsNumber(v))
        return -1;
    *out = v->valuedouble;
    return 0;
}

static int cj_string(const cJSON *v, struct slice *out)
{
    if (!cJSON_IsString(v))
        return -1;
    *out = (struct slice){v->valuestring, strlen(v->valuestring)};
    return 0;
}

static enum key cj_key(const cJSON *member)
{
    return classify(member->string, strlen(member->string));
}

static int cj_banner(const cJSON *obj, struct imp_fields *imp)
{
    if (!cJSON_IsObject(obj))
        return -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        switch (cj_key(m)) {
        case K_W:
            if (cj_int(m, &imp->w) != 0)
                return -1;
            break;
        case K_H:
            if (cj_int(m, &imp->h) != 0)
                return -1;
            break;
        case K_FORMAT: {
            if (!cJSON_IsArray(m))
                return -1;
            const cJSON *e;
            cJSON_ArrayForEach(e, m)
            {
                if (!cJSON_IsObject(e) || imp->format_count == max_formats)
                    return -1;
                size_t i = imp->format_count++;
                const cJSON *fm;
                cJSON_ArrayForEach(fm, e)
                {
                    enum key k = cj_key(fm);
                    if (k == K_W && cj_int(fm, &imp->format_w[i]) != 0)
                        return -1;
                    if (k == K_H && cj_int(fm, &imp->format_h[i]) != 0)
                        return -1;
                }
            }
            break;
        }
        default:
            break;
        }
    }
    return 0;
}

static int cj_imp(const cJSON *obj, struct fields *f)
{
    if (!cJSON_IsObject(obj) || f->imp_count == max_imps)
        return -1;
    struct imp_fields *imp = &f->imp[f->imp_count++];
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        int rc = 0;
        switch (cj_key(m)) {
        case K_ID:
            rc = cj_string(m, &imp->id);
            break;
        case K_BIDFLOOR:
            rc = cj_double(m, &imp->bidfloor);
            break;
        case K_BANNER:
            rc = cj_banner(m, imp);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int cj_device(const cJSON *obj, struct fields *f)
{
    if (!cJSON_IsObject(obj))
        return -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        int rc = 0;
        switch (cj_key(m)) {
        case K_IP:
            rc = cj_string(m, &f->ip);
            break;
        case K_DEVICETYPE:
            rc = cj_int(m, &f->devicetype);
            break;
        case K_OS:
            rc = cj_string(m, &f->os);
            break;
        case K_GEO: {
            if (!cJSON_IsObject(m))
                return -1;
            const cJSON *g;
            cJSON_ArrayForEach(g, m)
            {
                switch (cj_key(g)) {
                case K_LAT:
                    rc = cj_double(g, &f->lat);
                    break;
                case K_LON:
                    rc = cj_double(g, &f->lon);
                    break;
                case K_TYPE:
                    rc = cj_int(g, &f->geo_type);
                    break;
                case K_ACCURACY:
                    rc = cj_int(g, &f->accuracy);
                    break;
                default:
                    break;
                }
                if (rc != 0)
                    return -1;
            }
            break;
        }
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int cj_user(const cJSON *obj, struct fields *f)
{
    if (!cJSON_IsObject(obj))
        return -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, obj)
    {
        int rc = 0;
        switch (cj_key(m)) {
        case K_ID:
            rc = cj_string(m, &f->user_id);
            break;
        case K_CONSENT:
            rc = cj_string(m, &f->consent);
            break;
        case K_DATA: {
            if (!cJSON_IsArray(m))
                return -1;
            const cJSON *d;
            cJSON_ArrayForEach(d, m)
            {
                if (!cJSON_IsObject(d))
                    return -1;
                const cJSON *dm;
                cJSON_ArrayForEach(dm, d)
                {
                    if (cj_key(dm) != K_SEGMENT)
                        continue;
                    if (!cJSON_IsArray(dm))
                        return -1;
                    const cJSON *s;
                    cJSON_ArrayForEach(s, dm)
                    {
                        if (!cJSON_IsObject(s))
                            return -1;
                        const cJSON *sm;
                        cJSON_ArrayForEach(sm, s)
                        {
                            if (cj_key(sm) != K_ID)
                                continue;
                            if (f->segment_count == max_segments ||
                                cj_string(sm, &f->segments[f->segment_count++]) != 0)
                                return -1;
                        }
                    }
                }
            }
            break;
        }
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int cj_extract(const cJSON *root, struct fields *f)
{
    if (!cJSON_IsObject(root))
        return -1;
    const cJSON *m;
    cJSON_ArrayForEach(m, root)
    {
        int rc = 0;
        switch (cj_key(m)) {
        case K_ID:
            rc = cj_string(m, &f->id);
            break;
        case K_TMAX:
            rc = cj_int(m, &f->tmax);
            break;
        case K_IMP: {
            if (!cJSON_IsArray(m))
                return -1;
            const cJSON *e;
            cJSON_ArrayForEach(e, m)
            {
                if (cj_imp(e, f) != 0)
                    return -1;
            }
            break;
        }
        case K_SITE: {
            if (!cJSON_IsObject(m))
                return -1;
            const cJSON *s;
            cJSON_ArrayForEach(s, m)
            {
                if (cj_key(s) == K_DOMAIN && cj_string(s, &f->site_domain) != 0)
                    return -1;
            }
            break;
        }
        case K_DEVICE:
            rc = cj_device(m, f);
            break;
        case K_USER:
            rc = cj_user(m, f);
            break;
        case K_REGS: {
            if (!cJSON_IsObject(m))
                return -1;
            const cJSON *r;
            cJSON_ArrayForEach(r, m)
            {
                if (cj_key(r) == K_GDPR && cj_int(r, &f->gdpr) != 0)
                    return -1;
            }
            break;
        }
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* cJSON_ParseWithOpts(..., require_null_terminated) also rejects trailing data; it needs
 * a NUL-terminated buffer (so would the server's receive buffer). */
static int run_cjson(const char *text, size_t len, struct fields *f, char *canon, size_t cap)
{
    (void)len;
    cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
    if (root == NULL)
        return -1;
    int rc = cj_extract(root, f);
    if (rc == 0)
        canon_or_zero(f, canon, cap);
    cJSON_Delete(root);
    return rc;
}

static void *arena_malloc_hook(size_t size)
{
    return arena_alloc(&bench_arena, size);
}

static void arena_free_hook(void *ptr)
{
    (void)ptr;
}

static void cjson_use_malloc(void)
{
    cJSON_InitHooks(NULL);
}

static void cjson_use_arena(void)
{
    cJSON_Hooks hooks = {arena_malloc_hook, arena_free_hook};
    cJSON_InitHooks(&hooks);
}

/* The tree lives in the request arena: no cJSON_Delete, arena_reset frees it all. */
static int run_cjson_arena(const char *text, size_t len, struct fields *f, char *canon,
                           size_t cap)
{
    (void)len;
    arena_reset(&bench_arena);
    cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
    if (root == NULL)
        return -1;
    if (cj_extract(root, f) != 0)
        return -1;
    return canon_or_zero(f, canon, cap);
}

static int accepts_cjson(const char *text, size_t len)
{
    (void)len;
    cJSON *root = cJSON_ParseWithOpts(text, NULL, 1);
    cJSON_Delete(root);
    return root != NULL;
}

/* ---- yajl tree ----------------------------------------------------------------------- */

static int yt_int(yajl_val v, int64_t *out)
{
    if (!YAJL_IS_INTEGER(v))
        return -1;
    *out = YAJL_GET_INTEGER(v);
    return 0;
}

static int yt_double(yajl_val v, double *out)
{
    if (!YAJL_IS_DOUBLE(v))
        return -1;
    *out = YAJL_GET_DOUBLE(v);
    return 0;
}

static int yt_string(yajl_val v, struct slice *out)
{
    if (!YAJL_IS_STRING(v))
        return -1;
    *out = (struct slice){v->u.string, strlen(v->u.string)};
    return 0;
}

#define YT_FOR_EACH_MEMBER(obj, i) for (size_t i = 0; i < (obj)->u.object.len; i++)
#define YT_KEY(obj, i) classify((obj)->u.object.keys[i], strlen((obj)->u.object.keys[i]))
#define YT_VAL(obj, i) ((obj)->u.object.values[i])

static int yt_banner(yajl_val obj, struct imp_fields *imp)
{
    if (!YAJL_IS_OBJECT(obj))
        return -1;
    YT_FOR_EACH_MEMBER(obj, i)
    {
        yajl_val v = YT_VAL(obj, i);
        switch (YT_KEY(obj, i)) {
        case K_W:
            if (yt_int(v, &imp->w) != 0)
                return -1;
            break;
        case K_H:
            if (yt_int(v, &imp->h) != 0)
                return -1;
            break;
        case K_FORMAT:
            if (!YAJL_IS_ARRAY(v))
                return -1;
            for (size_t e = 0; e < v->u.array.len; e++) {
                yajl_val fo = v->u.array.values[e];
                if (!YAJL_IS_OBJECT(fo) || imp->format_count == max_formats)
                    return -1;
                size_t n = imp->format_count++;
                YT_FOR_EACH_MEMBER(fo, j)
                {
                    enum key k = YT_KEY(fo, j);
                    if (k == K_W && yt_int(YT_VAL(fo, j), &imp->format_w[n]) != 0)
                        return -1;
                    if (k == K_H && yt_int(YT_VAL(fo, j), &imp->format_h[n]) != 0)
                        return -1;
                }
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int yt_imp(yajl_val obj, struct fields *f)
{
    if (!YAJL_IS_OBJECT(obj) || f->imp_count == max_imps)
        return -1;
    struct imp_fields *imp = &f->imp[f->imp_count++];
    YT_FOR_EACH_MEMBER(obj, i)
    {
        yajl_val v = YT_VAL(obj, i);
        int rc = 0;
        switch (YT_KEY(obj, i)) {
        case K_ID:
            rc = yt_string(v, &imp->id);
            break;
        case K_BIDFLOOR:
            rc = yt_double(v, &imp->bidfloor);
            break;
        case K_BANNER:
            rc = yt_banner(v, imp);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int yt_device(yajl_val obj, struct fields *f)
{
    if (!YAJL_IS_OBJECT(obj))
        return -1;
    YT_FOR_EACH_MEMBER(obj, i)
    {
        yajl_val v = YT_VAL(obj, i);
        int rc = 0;
        switch (YT_KEY(obj, i)) {
        case K_IP:
            rc = yt_string(v, &f->ip);
            break;
        case K_DEVICETYPE:
            rc = yt_int(v, &f->devicetype);
            break;
        case K_OS:
            rc = yt_string(v, &f->os);
            break;
        case K_GEO:
            if (!YAJL_IS_OBJECT(v))
                return -1;
            YT_FOR_EACH_MEMBER(v, j)
            {
                yajl_val g = YT_VAL(v, j);
                switch (YT_KEY(v, j)) {
                case K_LAT:
                    rc = yt_double(g, &f->lat);
                    break;
                case K_LON:
                    rc = yt_double(g, &f->lon);
                    break;
                case K_TYPE:
                    rc = yt_int(g, &f->geo_type);
                    break;
                case K_ACCURACY:
                    rc = yt_int(g, &f->accuracy);
                    break;
                default:
                    break;
                }
                if (rc != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int yt_user(yajl_val obj, struct fields *f)
{
    if (!YAJL_IS_OBJECT(obj))
        return -1;
    YT_FOR_EACH_MEMBER(obj, i)
    {
        yajl_val v = YT_VAL(obj, i);
        int rc = 0;
        switch (YT_KEY(obj, i)) {
        case K_ID:
            rc = yt_string(v, &f->user_id);
            break;
        case K_CONSENT:
            rc = yt_string(v, &f->consent);
            break;
        case K_DATA:
            if (!YAJL_IS_ARRAY(v))
                return -1;
            for (size_t d = 0; d < v->u.array.len; d++) {
                yajl_val dat = v->u.array.values[d];
                if (!YAJL_IS_OBJECT(dat))
                    return -1;
                YT_FOR_EACH_MEMBER(dat, j)
                {
                    yajl_val segs = YT_VAL(dat, j);
                    if (YT_KEY(dat, j) != K_SEGMENT)
                        continue;
                    if (!YAJL_IS_ARRAY(segs))
                        return -1;
                    for (size_t s = 0; s < segs->u.array.len; s++) {
                        yajl_val seg = segs->u.array.values[s];
                        if (!YAJL_IS_OBJECT(seg))
                            return -1;
                        YT_FOR_EACH_MEMBER(seg, x)
                        {
                            if (YT_KEY(seg, x) != K_ID)
                                continue;
                            if (f->segment_count == max_segments ||
                                yt_string(YT_VAL(seg, x), &f->segments[f->segment_count++]) != 0)
                                return -1;
                        }
                    }
                }
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int yt_extract(yajl_val root, struct fields *f)
{
    if (!YAJL_IS_OBJECT(root))
        return -1;
    YT_FOR_EACH_MEMBER(root, i)
    {
        yajl_val v = YT_VAL(root, i);
        int rc = 0;
        switch (YT_KEY(root, i)) {
        case K_ID:
            rc = yt_string(v, &f->id);
            break;
        case K_TMAX:
            rc = yt_int(v, &f->tmax);
            break;
        case K_IMP:
            if (!YAJL_IS_ARRAY(v))
                return -1;
            for (size_t e = 0; e < v->u.array.len; e++)
                if (yt_imp(v->u.array.values[e], f) != 0)
                    return -1;
            break;
        case K_SITE:
            if (!YAJL_IS_OBJECT(v))
                return -1;
            YT_FOR_EACH_MEMBER(v, j)
            {
                if (YT_KEY(v, j) == K_DOMAIN && yt_string(YT_VAL(v, j), &f->site_domain) != 0)
                    return -1;
            }
            break;
        case K_DEVICE:
            rc = yt_device(v, f);
            break;
        case K_USER:
            rc = yt_user(v, f);
            break;
        case K_REGS:
            if (!YAJL_IS_OBJECT(v))
                return -1;
            YT_FOR_EACH_MEMBER(v, j)
            {
                if (YT_KEY(v, j) == K_GDPR && yt_int(YT_VAL(v, j), &f->gdpr) != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* yajl_tree_parse takes a NUL-terminated string and no allocator (it mallocs). */
static int run_yajl_tree(const char *text, size_t len, struct fields *f, char *canon, size_t cap)
{
    (void)len;
    char errbuf[128];
    yajl_val root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
    if (root == NULL)
        return -1;
    int rc = yt_extract(root, f);
    if (rc == 0)
        canon_or_zero(f, canon, cap);
    yajl_tree_free(root);
    return rc;
}

static int accepts_yajl_tree(const char *text, size_t len)
{
    (void)len;
    char errbuf[128];
    yajl_val root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
    yajl_tree_free(root);
    return root != NULL;
}

/* ---- yajl streaming callbacks ------------------------------------------------------- */

/* Where the parser is: the innermost container on a path the bidder reads. */
enum where {
    W_SKIP, W_ROOT, W_IMPS, W_IMP, W_BANNER, W_FORMATS, W_FORMAT, W_SITE, W_DEVICE, W_GEO,
    W_USER, W_DATAS, W_DATA, W_SEGS, W_SEG, W_REGS,
};

enum want { T_NONE, T_STR, T_INT, T_NUM };

struct ystate {
    struct fields *f;
    unsigned char stack[64];
    int depth;
    enum key key;           /* last key seen in the innermost object */
    size_t used;
    char scratch[2048];     /* copies of extracted strings: yajl's pointers are transient */
};

static enum where ys_top(const struct ystate *s)
{
    return s->depth > 0 ? (enum where)s->stack[s->depth - 1] : W_SKIP;
}

static int ys_push(struct ystate *s, enum where w)
{
    if (s->depth == (int)sizeof(s->stack))
        return 0;
    s->stack[s->depth++] = (unsigned char)w;
    s->key = K_OTHER;
    return 1;
}

static enum want ys_wanted(enum where w, enum key k)
{
    switch (w) {
    case W_ROOT:
        return k == K_ID ? T_STR : k == K_TMAX ? T_INT : T_NONE;
    case W_IMP:
        return k == K_ID ? T_STR : k == K_BIDFLOOR ? T_NUM : T_NONE;
    case W_BANNER:
    case W_FORMAT:
        return k == K_W || k == K_H ? T_INT : T_NONE;
    case W_SITE:
        return k == K_DOMAIN ? T_STR : T_NONE;
    case W_DEVICE:
        return k == K_IP || k == K_OS ? T_STR : k == K_DEVICETYPE ? T_INT : T_NONE;
    case W_GEO:
        return k == K_LAT || k == K_LON ? T_NUM : k == K_TYPE || k == K_ACCURACY ? T_INT : T_NONE;
    case W_USER:
        return k == K_ID || k == K_CONSENT ? T_STR : T_NONE;
    case W_SEG:
        return k == K_ID ? T_STR : T_NONE;
    case W_REGS:
        return k == K_GDPR ? T_INT : T_NONE;
    default:
        return T_NONE;
    }
}

static struct imp_fields *ys_imp(struct ystate *s)
{
    return &s->f->imp[s->f->imp_count - 1];
}

static int ys_start_map(void *ctx)
{
    struct ystate *s = ctx;
    enum where next = W_SKIP;
    enum key k = s->key;
    if (s->depth == 0)
        return ys_push(s, W_ROOT);
    switch (ys_top(s)) {
    case W_ROOT:
        next = k == K_SITE ? W_SITE : k == K_DEVICE ? W_DEVICE : k == K_USER ? W_USER
               : k == K_REGS ? W_REGS : W_SKIP;
        break;
    case W_IMPS:
        if (s->f->imp_count == max_imps)
            return 0;
        s->f->imp_count++;
        next = W_IMP;
        break;
    case W_IMP:
        next = k == K_BANNER ? W_BANNER : W_SKIP;
        break;
    case W_FORMATS:
        if (ys_imp(s)->format_count == max_formats)
            return 0;
        ys_imp(s)->format_count++;
        next = W_FORMAT;
        break;
    case W_DEVICE:
        next = k == K_GEO ? W_GEO : W_SKIP;
        break;
    case W_DATAS:
        next = W_DATA;
        break;
    case W_SEGS:
        next = W_SEG;
        break;
    default:
        break;
    }
    return ys_push(s, next);
}

static int ys_start_array(void *ctx)
{
    struct ystate *s = ctx;
    enum where next = W_SKIP;
    enum where top = ys_top(s);
    if (top == W_ROOT && s->key == K_IMP)
        next = W_IMPS;
    else if (top == W_BANNER && s->key == K_FORMAT)
        next = W_FORMATS;
    else if (top == W_USER && s->key == K_DATA)
        next = W_DATAS;
    else if (top == W_DATA && s->key == K_SEGMENT)
        next = W_SEGS;
    return ys_push(s, next);
}

static int ys_end(void *ctx)
{
    struct ystate *s = ctx;
    s->depth--;
    return 1;
}

static int ys_map_key(void *ctx, const unsigned char *key, size_t len)
{
    struct ystate *s = ctx;
    if (ys_top(s) != W_SKIP)
        s->key = classify((const char *)key, len);
    return 1;
}

static int ys_string(void *ctx, const unsigned char *val, size_t len)
{
    struct ystate *s = ctx;
    enum where w = ys_top(s);
    enum want t = ys_wanted(w, s->key);
    if (t == T_NONE)
        return 1;
    if (t != T_STR || len > sizeof(s->scratch) - s->used)
        return 0;
    char *copy = s->scratch + s->used;
    memcpy(copy, val, len);
    s->used += len;
    struct slice v = {copy, len};
    struct fields *f = s->f;
    switch (w) {
    case W_ROOT:
        f->id = v;
        break;
    case W_IMP:
        ys_imp(s)->id = v;
        break;
    case W_SITE:
        f->site_domain = v;
        break;
    case W_DEVICE:
        if (s->key == K_IP)
            f->ip = v;
        else
            f->os = v;
        break;
    case W_USER:
        if (s->key == K_ID)
            f->user_id = v;
        else
            f->consent = v;
        break;
    case W_SEG:
        if (f->segment_count == max_segments)
            return 0;
        f->segments[f->segment_count++] = v;
        break;
    default:
        break;
    }
    return 1;
}

static int ys_store_number(struct ystate *s, enum want t, long long i, double d)
{
    enum where w = ys_top(s);
    enum want wanted = ys_wanted(w, s->key);
    if (wanted == T_NONE)
        return 1;
    if (wanted == T_STR || (wanted == T_INT && t != T_INT))
        return 0;
    struct fields *f = s->f;
    switch (w) {
    case W_ROOT:
        f->tmax = i;
        break;
    case W_IMP:
        ys_imp(s)->bidfloor = d;
        break;
    case W_BANNER:
        *(s->key == K_W ? &ys_imp(s)->w : &ys_imp(s)->h) = i;
        break;
    case W_FORMAT: {
        struct imp_fields *imp = ys_imp(s);
        size_t n = imp->format_count - 1;
        *(s->key == K_W ? &imp->format_w[n] : &imp->format_h[n]) = i;
        break;
    }
    case W_DEVICE:
        f->devicetype = i;
        break;
    case W_GEO:
        if (s->key == K_LAT)
            f->lat = d;
        else if (s->key == K_LON)
            f->lon = d;
        else if (s->key == K_TYPE)
            f->geo_type = i;
        else
            f->accuracy = i;
        break;
    case W_REGS:
        f->gdpr = i;
        break;
    default:
        break;
    }
    return 1;
}

static int ys_integer(void *ctx, long long v)
{
    return ys_store_number(ctx, T_INT, v, (double)v);
}

static int ys_double(void *ctx, double v)
{
    return ys_store_number(ctx, T_NUM, 0, v);
}

static int ys_other(struct ystate *s)
{
    return ys_wanted(ys_top(s), s->key) == T_NONE; /* null/bool where a value is wanted */
}

static int ys_null(void *ctx)
{
    return ys_other(ctx);
}

static int ys_boolean(void *ctx, int v)
{
    (void)v;
    return ys_other(ctx);
}

static const yajl_callbacks ys_callbacks = {
    .yajl_null = ys_null,
    .yajl_boolean = ys_boolean,
    .yajl_integer = ys_integer,
    .yajl_double = ys_double,
    .yajl_string = ys_string,
    .yajl_start_map = ys_start_map,
    .yajl_map_key = ys_map_key,
    .yajl_end_map = ys_end,
    .yajl_start_array = ys_start_array,
    .yajl_end_array = ys_end,
};

static int yajl_stream_parse(const char *text, size_t len, struct ystate *s,
                             yajl_alloc_funcs *afs)
{
    yajl_handle h = yajl_alloc(&ys_callbacks, afs, s);
    if (h == NULL)
        return -1;
    int ok = yajl_parse(h, (const unsigned char *)text, len) == yajl_status_ok &&
             yajl_complete_parse(h) == yajl_status_ok;
    yajl_free(h);
    return ok ? 0 : -1;
}

static int run_yajl_stream_with(const char *text, size_t len, struct fields *f, char *canon,
                                size_t cap, yajl_alloc_funcs *afs)
{
    struct ystate s;
    s.f = f;
    s.depth = 0;
    s.key = K_OTHER;
    s.used = 0;
    if (yajl_stream_parse(text, len, &s, afs) != 0)
        return -1;
    return canon_or_zero(f, canon, cap);
}

static int run_yajl_stream(const char *text, size_t len, struct fields *f, char *canon,
                           size_t cap)
{
    return run_yajl_stream_with(text, len, f, canon, cap, NULL);
}

static int accepts_yajl_stream(const char *text, size_t len)
{
    struct fields f;
    fields_init(&f);
    return run_yajl_stream(text, len, &f, NULL, 0) == 0;
}

/* ---- json-parser (udp/json-parser) ---------------------------------------------------- */

#ifdef HAVE_JSON_PARSER
static int jp_int(const json_value *v, int64_t *out)
{
    if (v->type != json_integer)
        return -1;
    *out = v->u.integer;
    return 0;
}

static int jp_double(const json_value *v, double *out)
{
    if (v->type == json_double)
        *out = v->u.dbl;
    else if (v->type == json_integer)
        *out = (double)v->u.integer;
    else
        return -1;
    return 0;
}

static int jp_string(const json_value *v, struct slice *out)
{
    if (v->type != json_string)
        return -1;
    *out = (struct slice){v->u.string.ptr, v->u.string.length};
    return 0;
}

#define JP_FOR_EACH_MEMBER(obj, i) for (unsigned int i = 0; i < (obj)->u.object.length; i++)
#define JP_KEY(obj, i) classify((obj)->u.object.values[i].name, (obj)->u.object.values[i].name_length)
#define JP_VAL(obj, i) ((obj)->u.object.values[i].value)

static int jp_banner(const json_value *obj, struct imp_fields *imp)
{
    if (obj->type != json_object)
        return -1;
    JP_FOR_EACH_MEMBER(obj, i)
    {
        const json_value *v = JP_VAL(obj, i);
        switch (JP_KEY(obj, i)) {
        case K_W:
            if (jp_int(v, &imp->w) != 0)
                return -1;
            break;
        case K_H:
            if (jp_int(v, &imp->h) != 0)
                return -1;
            break;
        case K_FORMAT:
            if (v->type != json_array)
                return -1;
            for (unsigned int e = 0; e < v->u.array.length; e++) {
                const json_value *fo = v->u.array.values[e];
                if (fo->type != json_object || imp->format_count == max_formats)
                    return -1;
                size_t n = imp->format_count++;
                JP_FOR_EACH_MEMBER(fo, j)
                {
                    enum key k = JP_KEY(fo, j);
                    if (k == K_W && jp_int(JP_VAL(fo, j), &imp->format_w[n]) != 0)
                        return -1;
                    if (k == K_H && jp_int(JP_VAL(fo, j), &imp->format_h[n]) != 0)
                        return -1;
                }
            }
            break;
        default:
            break;
        }
    }
    return 0;
}

static int jp_imp(const json_value *obj, struct fields *f)
{
    if (obj->type != json_object || f->imp_count == max_imps)
        return -1;
    struct imp_fields *imp = &f->imp[f->imp_count++];
    JP_FOR_EACH_MEMBER(obj, i)
    {
        const json_value *v = JP_VAL(obj, i);
        int rc = 0;
        switch (JP_KEY(obj, i)) {
        case K_ID:
            rc = jp_string(v, &imp->id);
            break;
        case K_BIDFLOOR:
            rc = jp_double(v, &imp->bidfloor);
            break;
        case K_BANNER:
            rc = jp_banner(v, imp);
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int jp_device(const json_value *obj, struct fields *f)
{
    if (obj->type != json_object)
        return -1;
    JP_FOR_EACH_MEMBER(obj, i)
    {
        const json_value *v = JP_VAL(obj, i);
        int rc = 0;
        switch (JP_KEY(obj, i)) {
        case K_IP:
            rc = jp_string(v, &f->ip);
            break;
        case K_DEVICETYPE:
            rc = jp_int(v, &f->devicetype);
            break;
        case K_OS:
            rc = jp_string(v, &f->os);
            break;
        case K_GEO:
            if (v->type != json_object)
                return -1;
            JP_FOR_EACH_MEMBER(v, j)
            {
                const json_value *g = JP_VAL(v, j);
                switch (JP_KEY(v, j)) {
                case K_LAT:
                    rc = jp_double(g, &f->lat);
                    break;
                case K_LON:
                    rc = jp_double(g, &f->lon);
                    break;
                case K_TYPE:
                    rc = jp_int(g, &f->geo_type);
                    break;
                case K_ACCURACY:
                    rc = jp_int(g, &f->accuracy);
                    break;
                default:
                    break;
                }
                if (rc != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int jp_user(const json_value *obj, struct fields *f)
{
    if (obj->type != json_object)
        return -1;
    JP_FOR_EACH_MEMBER(obj, i)
    {
        const json_value *v = JP_VAL(obj, i);
        int rc = 0;
        switch (JP_KEY(obj, i)) {
        case K_ID:
            rc = jp_string(v, &f->user_id);
            break;
        case K_CONSENT:
            rc = jp_string(v, &f->consent);
            break;
        case K_DATA:
            if (v->type != json_array)
                return -1;
            for (unsigned int d = 0; d < v->u.array.length; d++) {
                const json_value *dat = v->u.array.values[d];
                if (dat->type != json_object)
                    return -1;
                JP_FOR_EACH_MEMBER(dat, j)
                {
                    const json_value *segs = JP_VAL(dat, j);
                    if (JP_KEY(dat, j) != K_SEGMENT)
                        continue;
                    if (segs->type != json_array)
                        return -1;
                    for (unsigned int s = 0; s < segs->u.array.length; s++) {
                        const json_value *seg = segs->u.array.values[s];
                        if (seg->type != json_object)
                            return -1;
                        JP_FOR_EACH_MEMBER(seg, x)
                        {
                            if (JP_KEY(seg, x) != K_ID)
                                continue;
                            if (f->segment_count == max_segments ||
                                jp_string(JP_VAL(seg, x), &f->segments[f->segment_count++]) != 0)
                                return -1;
                        }
                    }
                }
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int jp_extract(const json_value *root, struct fields *f)
{
    if (root->type != json_object)
        return -1;
    JP_FOR_EACH_MEMBER(root, i)
    {
        const json_value *v = JP_VAL(root, i);
        int rc = 0;
        switch (JP_KEY(root, i)) {
        case K_ID:
            rc = jp_string(v, &f->id);
            break;
        case K_TMAX:
            rc = jp_int(v, &f->tmax);
            break;
        case K_IMP:
            if (v->type != json_array)
                return -1;
            for (unsigned int e = 0; e < v->u.array.length; e++)
                if (jp_imp(v->u.array.values[e], f) != 0)
                    return -1;
            break;
        case K_SITE:
            if (v->type != json_object)
                return -1;
            JP_FOR_EACH_MEMBER(v, j)
            {
                if (JP_KEY(v, j) == K_DOMAIN && jp_string(JP_VAL(v, j), &f->site_domain) != 0)
                    return -1;
            }
            break;
        case K_DEVICE:
            rc = jp_device(v, f);
            break;
        case K_USER:
            rc = jp_user(v, f);
            break;
        case K_REGS:
            if (v->type != json_object)
                return -1;
            JP_FOR_EACH_MEMBER(v, j)
            {
                if (JP_KEY(v, j) == K_GDPR && jp_int(JP_VAL(v, j), &f->gdpr) != 0)
                    return -1;
            }
            break;
        default:
            break;
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}

static int run_json_parser_with(const char *text, size_t len, struct fields *f, char *canon,
                                size_t cap, json_settings *settings)
{
    char errbuf[json_error_max];
    json_value *root = json_parse_ex(settings, text, len, errbuf);
    if (root == NULL)
        return -1;
    int rc = jp_extract(root, f);
    if (rc == 0)
        canon_or_zero(f, canon, cap);
    if (settings->mem_free != NULL)
        json_value_free_ex(settings, root);
    else
        json_value_free(root); /* _ex with a zeroed settings would call a NULL mem_free */
    return rc;
}

static int run_json_parser(const char *text, size_t len, struct fields *f, char *canon,
                           size_t cap)
{
    json_settings settings = {0};
    return run_json_parser_with(text, len, f, canon, cap, &settings);
}

static void *jp_arena_alloc(size_t size, int zero, void *user_data)
{
    void *p = arena_alloc(user_data, size);
    if (zero)
        memset(p, 0, size);
    return p;
}

static void jp_arena_free(void *ptr, void *user_data)
{
    (void)ptr;
    (void)user_data;
}

/* The tree lives in the request arena: no json_value_free, arena_reset frees it all. */
static int run_json_parser_arena(const char *text, size_t len, struct fields *f, char *canon,
                                 size_t cap)
{
    json_settings settings = {0};
    settings.mem_alloc = jp_arena_alloc;
    settings.mem_free = jp_arena_free;
    settings.user_data = &bench_arena;
    char errbuf[json_error_max];
    arena_reset(&bench_arena);
    json_value *root = json_parse_ex(&settings, text, len, errbuf);
    if (root == NULL || jp_extract(root, f) != 0)
        return -1;
    return canon_or_zero(f, canon, cap);
}

static int accepts_json_parser(const char *text, size_t len)
{
    json_settings settings = {0};
    char errbuf[json_error_max];
    json_value *root = json_parse_ex(&settings, text, len, errbuf);
    if (root != NULL)
        json_value_free(root);
    return root != NULL;
}
#endif

/* ---- the variants ----------------------------------------------------------------------- */

typedef int run_fn(const char *text, size_t len, struct fields *f, char *canon, size_t cap);

enum { max_runs = 64, canonical_cap = 4096 };

struct variant {
    const char *name;
    run_fn *run;
    void (*setup)(void);           /* before each timed round (cJSON's hooks are global) */
    int (*accepts)(const char *text, size_t len);
    bool extracts;                 /* false: reference only, not a full decoder */
    /* filled in */
    double ns[max_runs];           /* per round: CPU ns per request */
    double wall[max_runs];         /* per round: wall ns per request */
    double wall_median;
    double median, min, max;
    double paired;                 /* median over rounds of ns / fastest's ns that round */
    long allocs, alloc_bytes;      /* from mtrace, per request; -1 unknown */
    size_t arena_bytes;            /* carved from the request arena by one request */
};

static struct variant variants[] = {
    {.name = "geobid-json", .run = gb_run, .accepts = gb_accepts, .extracts = true},
    {.name = "geobid-parse", .run = run_geobid_parse, .extracts = false},
    {.name = "jsmn-raw", .run = run_jsmn_raw, .accepts = accepts_jsmn_raw, .extracts = false},
    {.name = "jsmn-raw-parent", .run = run_jsmn_raw_parent, .accepts = accepts_jsmn_raw_parent,
     .extracts = false},
    {.name = "cjson", .run = run_cjson, .setup = cjson_use_malloc, .accepts = accepts_cjson,
     .extracts = true},
    {.name = "cjson-arena", .run = run_cjson_arena, .setup = cjson_use_arena, .extracts = true},
    {.name = "yajl-tree", .run = run_yajl_tree, .accepts = accepts_yajl_tree, .extracts = true},
    {.name = "yajl-stream", .run = run_yajl_stream, .accepts = accepts_yajl_stream,
     .extracts = true},
#ifdef HAVE_JSON_PARSER
    {.name = "json-parser", .run = run_json_parser, .accepts = accepts_json_parser,
     .extracts = true},
    {.name = "json-parser-arena", .run = run_json_parser_arena, .extracts = true},
#endif
};

enum { variant_count = sizeof(variants) / sizeof(variants[0]) };

/* Every run of a variant outside the timed loop's body goes between these two: the
 * variant's setup, then cJSON's global hooks back to malloc. */
static void variant_begin(const struct variant *v)
{
    if (v->setup != NULL)
        v->setup();
}

static void variant_end(void)
{
    cjson_use_malloc();
}

/* Runs v once on freshly initialised fields. */
static inline int run_once(const struct variant *v, const char *text, size_t len,
                           struct fields *f, char *canon, size_t cap)
{
    fields_init(f);
    return v->run(text, len, f, canon, cap);
}

/* Runs every variant once; the full decoders must print identical canonical values,
 * the first of which is copied to reference. Records each variant's arena use. Returns
 * the number of full decoders; exits when a variant fails or disagrees. */
static int check_extraction(const char *text, size_t len, char reference[canonical_cap])
{
    static char got[canonical_cap];
    int decoders = 0;
    reference[0] = '\0';
    for (int i = 0; i < variant_count; i++) {
        struct variant *v = &variants[i];
        struct fields f;
        variant_begin(v);
        arena_reset(&bench_arena);
        got[0] = '\0';
        int rc = run_once(v, text, len, &f, got, sizeof(got));
        v->arena_bytes = bench_arena.used;
        variant_end();
        if (rc != 0) {
            fprintf(stderr, "%s: failed to parse/extract the request\n", v->name);
            exit(1);
        }
        if (!v->extracts)
            continue;
        decoders++;
        if (reference[0] == '\0') {
            memcpy(reference, got, sizeof(got));
        } else if (strcmp(reference, got) != 0) {
            fprintf(stderr, "%s extracted different values:\n%s\nexpected:\n%s", v->name, got,
                    reference);
            exit(1);
        }
    }
    return decoders;
}

/* ---- timing ------------------------------------------------------------------------------ */

static volatile uint64_t sink;

/* Thread CPU time is the primary clock: on a shared 2-core machine a round is often
 * descheduled for a while, which wall time charges to whichever variant was running.
 * Wall time is kept too and shown beside it. */
static double clock_ns(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* Runs v n times; returns CPU ns per request and stores wall ns per request in
 * *wall_ns (when not NULL). */
static double time_round(struct variant *v, const char *text, size_t len, long n,
                         double *wall_ns)
{
    struct fields f;
    uint64_t sum = 0;
    variant_begin(v);
    double wall_start = clock_ns(CLOCK_MONOTONIC);
    double cpu_start = clock_ns(CLOCK_THREAD_CPUTIME_ID);
    for (long i = 0; i < n; i++) {
        if (run_once(v, text, len, &f, NULL, 0) != 0) {
            fprintf(stderr, "%s: parse failed during timing\n", v->name);
            exit(1);
        }
        sum += checksum(&f);
    }
    double cpu = clock_ns(CLOCK_THREAD_CPUTIME_ID) - cpu_start;
    double wall = clock_ns(CLOCK_MONOTONIC) - wall_start;
    sink += sum;
    variant_end();
    if (wall_ns != NULL)
        *wall_ns = wall / (double)n;
    return cpu / (double)n;
}

/* One warm-up round per selected variant, then `runs` rounds that each run every
 * selected variant n times, interleaved in slices of n/20: A B C ... A B C ..., so a
 * noisy second hits all variants of the round, not one of them. */
static void time_variants(const char *text, size_t len, int runs, long n, const bool *selected)
{
    enum { slices = 20 };
    for (int i = 0; i < variant_count; i++)
        if (selected[i])
            time_round(&variants[i], text, len, n / 10 + 1, NULL);
    for (int r = 0; r < runs; r++) {
        double cpu_total[variant_count] = {0}, wall_total[variant_count] = {0};
        for (int sl = 0; sl < slices; sl++) {
            long chunk = n / slices + (sl < n % slices);
            for (int i = 0; i < variant_count; i++) {
                if (!selected[i] || chunk == 0)
                    continue;
                double wall;
                cpu_total[i] += time_round(&variants[i], text, len, chunk, &wall) * (double)chunk;
                wall_total[i] += wall * (double)chunk;
            }
        }
        for (int i = 0; i < variant_count; i++) {
            variants[i].ns[r] = cpu_total[i] / (double)n;
            variants[i].wall[r] = wall_total[i] / (double)n;
        }
        fprintf(stderr, "round %d/%d done\n", r + 1, runs);
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median_of(const double *values, int count)
{
    double sorted[max_runs];
    memcpy(sorted, values, sizeof(double) * (size_t)count);
    qsort(sorted, (size_t)count, sizeof(double), cmp_double);
    return count % 2 ? sorted[count / 2] : (sorted[count / 2 - 1] + sorted[count / 2]) / 2;
}

/* Fills every variant's median, min, max and wall median over its rounds, then its
 * paired ratio: per round against the time of the fastest selected full decoder in
 * that same round, median over rounds. Returns that decoder's index (0 when none was
 * selected: with --only a reference row the ratio columns are meaningless). */
static int summarize(int runs, const bool *selected)
{
    int best = 0;
    double fastest = INFINITY;
    for (int i = 0; i < variant_count; i++) {
        struct variant *v = &variants[i];
        v->median = median_of(v->ns, runs);
        v->wall_median = median_of(v->wall, runs);
        v->min = v->max = v->ns[0];
        for (int r = 1; r < runs; r++) {
            v->min = fmin(v->min, v->ns[r]);
            v->max = fmax(v->max, v->ns[r]);
        }
        if (selected[i] && v->extracts && v->median < fastest) {
            fastest = v->median;
            best = i;
        }
    }
    for (int i = 0; i < variant_count; i++) {
        double ratios[max_runs];
        for (int r = 0; r < runs; r++)
            ratios[r] = variants[i].ns[r] / variants[best].ns[r];
        variants[i].paired = median_of(ratios, runs);
    }
    return isinf(fastest) ? -1 : best;
}

static void print_timing(int runs, long n, const bool *selected, int best)
{
    /* without a full decoder (--only a reference row) ratios are against 1 ns */
    double fastest = best >= 0 ? variants[best].median : 1.0;
    printf("\n%d interleaved rounds x %ld requests; CPU ns per request (parse + extract + free)\n",
           runs, n);
    printf("%-18s %7s %7s %7s %7s %7s %7s %7s %7s\n", "variant", "median", "min", "max",
           "ratio", "paired", "wall", "allocs", "bytes");
    for (int i = 0; i < variant_count; i++) {
        const struct variant *v = &variants[i];
        if (!selected[i])
            continue;
        char allocs[32] = "n/a", bytes[32] = "n/a";
        if (v->allocs >= 0) {
            snprintf(allocs, sizeof(allocs), "%ld", v->allocs);
            snprintf(bytes, sizeof(bytes), "%ld", v->alloc_bytes);
        }
        printf("%-18s %7.0f %7.0f %7.0f %6.2fx %6.2fx %7.0f %7s %7s  arena %zu B%s\n", v->name,
               v->median, v->min, v->max, v->median / fastest, v->paired, v->wall_median, allocs,
               bytes, v->arena_bytes, v->extracts ? "" : "  (reference: parse only)");
    }
    printf("ratio = median / median of the fastest full decoder (%s); paired = median over\n"
           "rounds of ns / its ns in the same round; wall = median wall-clock ns; allocs, bytes =\n"
           "malloc+calloc+realloc calls and bytes requested by one warmed-up request (mtrace);\n"
           "arena = bytes carved from the per-request arena (reused: no malloc after warm-up)\n",
           variants[best >= 0 ? best : 0].name);
}

/* ---- allocation counting -------------------------------------------------------------- */

struct alloc_count {
    long calls, bytes;
};

static struct alloc_count hook_count;

static void count_allocation(size_t size)
{
    hook_count.calls++;
    hook_count.bytes += (long)size;
}

static void *count_malloc(size_t size)
{
    count_allocation(size);
    return malloc(size);
}

static void *count_malloc_ctx(void *ctx, size_t size)
{
    (void)ctx;
    return count_malloc(size);
}

static void *count_realloc_ctx(void *ctx, void *ptr, size_t size)
{
    (void)ctx;
    count_allocation(size);
    return realloc(ptr, size);
}

static void count_free_ctx(void *ctx, void *ptr)
{
    (void)ctx;
    free(ptr);
}

/* Each runs one request with its library's allocator hooks pointed at the counters. */
static int hooked_cjson(const char *text, size_t len, struct fields *f)
{
    cJSON_Hooks hooks = {count_malloc, free};
    cJSON_InitHooks(&hooks);
    int rc = run_cjson(text, len, f, NULL, 0);
    cJSON_InitHooks(NULL);
    return rc;
}

static int hooked_yajl_stream(const char *text, size_t len, struct fields *f)
{
    yajl_alloc_funcs afs = {count_malloc_ctx, count_realloc_ctx, count_free_ctx, NULL};
    return run_yajl_stream_with(text, len, f, NULL, 0, &afs);
}

#ifdef HAVE_JSON_PARSER
static void *count_jp_alloc(size_t size, int zero, void *user_data)
{
    (void)user_data;
    count_allocation(size);
    return zero ? calloc(1, size) : malloc(size);
}

static void count_jp_free(void *ptr, void *user_data)
{
    (void)user_data;
    free(ptr);
}

static int hooked_json_parser(const char *text, size_t len, struct fields *f)
{
    json_settings settings = {0};
    settings.mem_alloc = count_jp_alloc;
    settings.mem_free = count_jp_free;
    return run_json_parser_with(text, len, f, NULL, 0, &settings);
}
#endif

static const struct {
    const char *name, *hooks;
    int (*run)(const char *text, size_t len, struct fields *f);
} hooked[] = {
    {"cjson", "cJSON_InitHooks", hooked_cjson},
    {"yajl-stream", "yajl_alloc_funcs", hooked_yajl_stream},
#ifdef HAVE_JSON_PARSER
    {"json-parser", "json_settings.mem_alloc", hooked_json_parser},
#endif
};

/* Counts through the allocator hooks the libraries offer (yajl_tree offers none). */
static void print_hook_counts(const char *text, size_t len)
{
    printf("\nAllocations counted through each library's own allocator hooks, one request:\n");
    for (size_t i = 0; i < sizeof(hooked) / sizeof(hooked[0]); i++) {
        struct fields f;
        hook_count = (struct alloc_count){0, 0};
        fields_init(&f);
        if (hooked[i].run(text, len, &f) != 0)
            exit(1);
        printf("  %-18s %5ld allocations %7ld bytes  (%s)\n", hooked[i].name, hook_count.calls,
               hook_count.bytes, hooked[i].hooks);
    }
    printf("  %-18s   (no hook: yajl_tree_parse allocates with malloc directly)\n", "yajl-tree");
}

/* Counts the '+' (malloc/calloc) and '>' (realloc) lines of an mtrace file into *out.
 * Returns 1 when the trace started, 0 when it did not, -1 when the file cannot be read. */
static int read_trace(const char *trace_path, struct alloc_count *out)
{
    FILE *trace = fopen(trace_path, "r");
    if (trace == NULL)
        return -1;
    char line[512];
    int started = 0;
    *out = (struct alloc_count){0, 0};
    while (fgets(line, sizeof(line), trace) != NULL) {
        if (strncmp(line, "= Start", 7) == 0)
            started = 1;
        const char *p = strstr(line, " + 0x");
        if (p == NULL)
            p = strstr(line, " > 0x");
        unsigned long long addr, size;
        if (p != NULL && sscanf(p + 3, "%llx %llx", &addr, &size) == 2) {
            out->calls++;
            out->bytes += (long)size;
        }
    }
    fclose(trace);
    return started;
}

/* Child mode (run with LD_PRELOAD=libc_malloc_debug.so.0 MALLOC_TRACE=file): for each
 * variant, warm up, then trace exactly one request. Prints "name calls bytes" per
 * variant (-1 -1 when the trace did not start). */
static int count_allocs_child(const char *trace_path, const char *text, size_t len)
{
    for (int i = 0; i < variant_count; i++) {
        struct variant *v = &variants[i];
        struct fields f;
        variant_begin(v);
        for (int w = 0; w < 3; w++)
            if (run_once(v, text, len, &f, NULL, 0) != 0)
                return 1;
        fields_init(&f);
        mtrace();
        int rc = v->run(text, len, &f, NULL, 0);
        muntrace();
        variant_end();
        if (rc != 0)
            return 1;
        struct alloc_count count;
        int started = read_trace(trace_path, &count);
        if (started < 0)
            return 1;
        printf("%s %ld %ld\n", v->name, started ? count.calls : -1, started ? count.bytes : -1);
    }
    return 0;
}

static void count_allocs(void)
{
    for (int i = 0; i < variant_count; i++)
        variants[i].allocs = variants[i].alloc_bytes = -1;
    const char *debug_lib = "/usr/lib/x86_64-linux-gnu/libc_malloc_debug.so.0";
    char self[4096];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n <= 0 || access(debug_lib, R_OK) != 0) {
        printf("(mtrace counting unavailable: %s missing)\n", debug_lib);
        return;
    }
    self[n] = '\0';
    char trace[] = "/tmp/bench-json-libs-mtrace-XXXXXX";
    int fd = mkstemp(trace);
    if (fd < 0)
        return;
    close(fd);
    char cmd[8192 + 256];
    snprintf(cmd, sizeof(cmd), "LD_PRELOAD=%s MALLOC_TRACE=%s '%s' --count-allocs %s", debug_lib,
             trace, self, trace);
    FILE *child = popen(cmd, "r");
    if (child != NULL) {
        char name[64];
        long calls, bytes;
        while (fscanf(child, "%63s %ld %ld", name, &calls, &bytes) == 3)
            for (int i = 0; i < variant_count; i++)
                if (strcmp(variants[i].name, name) == 0) {
                    variants[i].allocs = calls;
                    variants[i].alloc_bytes = bytes;
                }
        pclose(child);
    }
    unlink(trace);
}

/* ---- strictness ------------------------------------------------------------------------- */

struct sample {
    const char *what;
    const char *json;
    bool valid; /* per RFC 8259 */
};

static const struct sample samples[] = {
    {"missing comma in object", "{\"a\":1 \"b\":2}", false},
    {"missing comma in array", "[1 2]", false},
    {"missing colon", "{\"a\" 1}", false},
    {"key without value", "{\"a\" \"b\"}", false},
    {"double colon", "{\"a\"::1}", false},
    {"value:value", "{\"a\":1:2}", false},
    {"trailing comma", "{\"a\":1,}", false},
    {"leading comma", "{,\"a\":1}", false},
    {"double comma", "[1,,2]", false},
    {"non-string key", "{1:2}", false},
    {"leading zero", "{\"a\":01}", false},
    {"'1.'", "{\"a\":1.}", false},
    {"lone '-'", "{\"a\":-}", false},
    {"'tru'", "{\"a\":tru}", false},
    {"bad escape \\q", "{\"a\":\"\\q\"}", false},
    {"raw tab in string", "{\"a\":\"x\ty\"}", false},
    {"invalid UTF-8 0xFF", "{\"a\":\"\xff\"}", false},
    {"mismatched bracket", "{\"a\":[1,2}", false},
    {"trailing garbage", "{\"a\":1} x", false},
    {"two documents", "{\"a\":1}{\"b\":2}", false},
    {"lone surrogate \\ud800", "{\"a\":\"\\ud800\"}", true},
    {"integer > int64", "{\"a\":99999999999999999999}", true},
    {"number 1e400", "{\"a\":1e400}", true},
};

/* A table row: its label and one cell per variant that has an accepts() check. */
static void print_strictness_row(const char *label, const char *const cells[variant_count])
{
    printf("  %-31s", label);
    for (int i = 0; i < variant_count; i++)
        if (variants[i].accepts != NULL)
            printf(" %-15.15s", cells[i]);
    printf("\n");
}

static void print_strictness(void)
{
    printf("\nStrictness: does the parser ACCEPT the document? (RFC 8259 validity in 2nd column;\n"
           "geobid-json = json_parse() of src/json.c, which defers string escapes to reads)\n");
    const char *cells[variant_count];
    char label[64], counts[variant_count][16];
    int wrong[variant_count] = {0};
    for (int i = 0; i < variant_count; i++)
        cells[i] = variants[i].name;
    snprintf(label, sizeof(label), "%-24s %-6s", "document", "valid");
    print_strictness_row(label, cells);
    for (size_t s = 0; s < sizeof(samples) / sizeof(samples[0]); s++) {
        const struct sample *sample = &samples[s];
        for (int i = 0; i < variant_count; i++) {
            if (variants[i].accepts == NULL)
                continue;
            int ok = variants[i].accepts(sample->json, strlen(sample->json));
            wrong[i] += ok && !sample->valid;
            cells[i] = ok ? (sample->valid ? "accept" : "ACCEPTS") : "reject";
        }
        snprintf(label, sizeof(label), "%-24s %-6s", sample->what, sample->valid ? "yes" : "no");
        print_strictness_row(label, cells);
    }
    for (int i = 0; i < variant_count; i++) {
        snprintf(counts[i], sizeof(counts[i]), "%d", wrong[i]);
        cells[i] = counts[i];
    }
    print_strictness_row("invalid documents accepted", cells);
}

/* ---- main --------------------------------------------------------------------------------- */

int main(int argc, char **argv)
{
    const char *text = request_json;
    size_t len = sizeof(request_json) - 1;
    arena_init(&bench_arena, 64 * 1024);

    if (argc == 3 && strcmp(argv[1], "--count-allocs") == 0)
        return count_allocs_child(argv[2], text, len);

    int runs = 9;
    long n = 200000;
    const char *only = NULL;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--runs") == 0)
            runs = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--n") == 0)
            n = atol(argv[i + 1]);
        else if (strcmp(argv[i], "--only") == 0)
            only = argv[i + 1]; /* for profiling one variant: perf record ... --only NAME */
    }
    if (runs < 1 || runs > max_runs || n < 1) {
        fprintf(stderr, "usage: %s [--runs 1..%d] [--n N] [--only VARIANT]\n", argv[0], max_runs);
        return 2;
    }

    /* 1. identical extraction */
    static char reference[canonical_cap];
    int decoders = check_extraction(text, len, reference);
    printf("Request: %zu bytes, %d jsmn tokens. All %d decoders extracted identical values:\n%s",
           len, jsmn_raw_parse(text, len), decoders, reference);

    /* 2. allocations (before timing: the child runs alone) */
    count_allocs();

    /* 3. timing */
    bool selected[variant_count];
    for (int i = 0; i < variant_count; i++)
        selected[i] = only == NULL || strcmp(only, variants[i].name) == 0;
    time_variants(text, len, runs, n, selected);
    print_timing(runs, n, selected, summarize(runs, selected));

    print_hook_counts(text, len);
    print_strictness();
    arena_free(&bench_arena);
    return 0;
}
