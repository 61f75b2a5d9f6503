/* OpenRTB 2.5/2.6 JSON codec.
 *
 * Decoding is one walk over the jsmn tokens of json_parse(). Every OpenRTB object has a
 * const table of the members geobid keeps (name, reader, offset of the target field);
 * decode_members() walks an object once, looks each key up in the table and calls the
 * reader on the value, skipping unknown keys with json_next(). Readers share one
 * signature, so a scalar field and a nested object are read the same way.
 *
 * Conventions for all members:
 *   - an unknown member is skipped, at any depth;
 *   - a known member whose value is null is treated as absent (exchanges send nulls);
 *   - a known member of the wrong type fails the whole request, with the field path:
 *     "imp[0].banner.w: expected an integer".
 * The path is a chain of stack frames (struct path) and is only rendered on error, so
 * the happy path pays nothing for it. Nothing is allocated outside the arena. */
#include "geobid/openrtb_json.h"

#include "geobid/campaign.h"
#include "geobid/json.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

/* ---- decoder state and error paths ------------------------------------- */

struct decoder {
    const struct json_doc *doc;
    struct arena *arena;
    struct error *err;
};

/* One step of the path to the value being decoded: a member name, or an array index
 * when key is NULL. The root's parent is NULL. */
struct path {
    const struct path *parent;
    const char *key;
    size_t index;
};

/* Writes "device.geo.lat" / "imp[0].banner.format[1]" into buf[0..size) and returns
 * its length (truncated to size - 1). */
static size_t path_render(const struct path *path, char *buf, size_t size)
{
    if (path == NULL)
        return 0;
    size_t len = path_render(path->parent, buf, size);
    int added = path->key != NULL
                    ? snprintf(buf + len, size - len, "%s%s", len ? "." : "", path->key)
                    : snprintf(buf + len, size - len, "[%zu]", path->index);
    if (added < 0 || (size_t)added >= size - len)
        return size - 1;
    return len + (size_t)added;
}

/* Fills d->err with "<path>: <reason>" and returns -1. */
static int path_error(const struct decoder *d, const struct path *path, const char *reason)
{
    char where[160];
    path_render(path, where, sizeof(where));
    return error_format(d->err, "%s: %s", where, reason);
}

/* ---- scalar readers ----------------------------------------------------
 * Every reader has the member_reader signature: it decodes token `value` (located at
 * `path`) into `field`, and returns 0, or -1 with the path in d->err. */

typedef int (*member_reader)(const struct decoder *d, const struct path *path, int value,
                             void *field);

static int read_string(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    if (json_get_string(d->doc, value, d->arena, field) == 0)
        return 0;
    return path_error(d, path,
                      json_is(d->doc, value, JSMN_STRING) ? "invalid string escape"
                                                          : "expected a string");
}

static int read_strings(const struct decoder *d, const struct path *path, int value,
                        void *field)
{
    if (json_get_string_list(d->doc, value, d->arena, field) != 0)
        return path_error(d, path, "expected an array of strings");
    return 0;
}

/* Reads an integer that must fit in int32_t (widths, enums, years, offsets). */
static int get_int32(const struct decoder *d, const struct path *path, int value,
                     int32_t *out)
{
    int64_t wide;
    if (json_get_int64(d->doc, value, &wide) != 0)
        return path_error(d, path, "expected an integer");
    if (wide < INT32_MIN || wide > INT32_MAX)
        return path_error(d, path, "integer out of range");
    *out = (int32_t)wide;
    return 0;
}

static int read_int32(const struct decoder *d, const struct path *path, int value,
                      void *field)
{
    return get_int32(d, path, value, field);
}

/* Reads an OpenRTB flag (0/1 or false/true) into a bool. */
static int read_bool(const struct decoder *d, const struct path *path, int value,
                     void *field)
{
    if (json_get_bool(d->doc, value, field) != 0)
        return path_error(d, path, "expected 0 or 1");
    return 0;
}

/* Reads an OpenRTB flag into an int8_t whose absent value is -1 (lmt, dnt, coppa...). */
static int read_flag(const struct decoder *d, const struct path *path, int value,
                     void *field)
{
    bool flag;
    if (read_bool(d, path, value, &flag) != 0)
        return -1;
    *(int8_t *)field = flag ? 1 : 0;
    return 0;
}

static int read_double(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    if (json_get_double(d->doc, value, field) != 0)
        return path_error(d, path, "expected a number");
    return 0;
}

/* Reads a CPM amount (a JSON number) as integer micros (see bid_request_floor_micros). */
static int read_micros(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    double amount;
    if (read_double(d, path, value, &amount) != 0)
        return -1;
    const char *refused = bid_request_floor_micros(amount, field);
    return refused != NULL ? path_error(d, path, refused) : 0;
}

/* ---- objects and arrays ------------------------------------------------ */

/* A member geobid keeps: its name, how to read it, and where (offset in the target). */
struct member {
    const char *key;
    size_t key_len;
    member_reader read;
    size_t offset;
};

#define MEMBER(name, reader, type, field) {name, sizeof(name) - 1, reader, offsetof(type, field)}
/* A member whose reader fills several fields: it gets the whole target object. */
#define WHOLE(name, reader) {name, sizeof(name) - 1, reader, 0}
#define MEMBERS_OF(table) table, sizeof(table) / sizeof(table[0])

/* True when a[0..len) equals b[0..len). Member names are a few bytes long: this
 * inlined loop instead of a memcmp call per matched key saves about 3 % of decoding. */
static bool name_equals(const char *a, const char *b, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (a[i] != b[i])
            return false;
    return true;
}

/* Finds the member named by key token `key`. This is json_key_is() (keys compared raw,
 * escapes included) with the name lengths known at compile time: the lookup runs for
 * every key of the request, and most candidates are rejected on length alone. */
static const struct member *member_find(const struct json_doc *doc, int key,
                                        const struct member *table, size_t count)
{
    struct slice name = json_raw(doc, key);
    for (size_t i = 0; i < count; i++)
        if (table[i].key_len == name.len && name_equals(table[i].key, name.ptr, name.len))
            return &table[i];
    return NULL;
}

/* Decodes object token obj into target: each member found in table is read into
 * target + offset; unknown and null members are skipped. */
static int decode_members(const struct decoder *d, const struct path *path, int obj,
                          const struct member *table, size_t count, void *target)
{
    if (!json_is(d->doc, obj, JSMN_OBJECT))
        return path_error(d, path, "expected an object");
    JSON_FOR_EACH_MEMBER(d->doc, obj, key, n)
    {
        const struct member *member = member_find(d->doc, key, table, count);
        if (member == NULL || json_is_null(d->doc, key + 1))
            continue;
        struct path child = {path, member->key, 0};
        if (member->read(d, &child, key + 1, (char *)target + member->offset) != 0)
            return -1;
    }
    return 0;
}

/* Decodes array token array whose elements are objects read by read_element into a
 * zeroed arena array of elem_size-byte items; sets *items and *count. */
static int decode_array(const struct decoder *d, const struct path *path, int array,
                        size_t elem_size, member_reader read_element, void **items,
                        size_t *count)
{
    if (!json_is(d->doc, array, JSMN_ARRAY))
        return path_error(d, path, "expected an array");
    size_t size = (size_t)d->doc->tokens[array].size;
    char *base = arena_calloc(d->arena, size, elem_size);
    JSON_FOR_EACH_ELEMENT(d->doc, array, elem, n)
    {
        struct path child = {path, NULL, (size_t)n};
        if (read_element(d, &child, elem, base + (size_t)n * elem_size) != 0)
            return -1;
    }
    *items = base;
    *count = size;
    return 0;
}

/* Reads an array of integers (regs.gpp_sid) into the regs. */
static int read_gpp_sid(const struct decoder *d, const struct path *path, int value,
                        void *field)
{
    struct regs *regs = field;
    static const char reason[] = "expected an array of integers";
    if (!json_is(d->doc, value, JSMN_ARRAY))
        return path_error(d, path, reason);
    size_t size = (size_t)d->doc->tokens[value].size;
    regs->gpp_sid = arena_calloc(d->arena, size, sizeof(int32_t));
    regs->gpp_sid_count = 0;
    JSON_FOR_EACH_ELEMENT(d->doc, value, elem, n)
    {
        int64_t sid;
        if (json_get_int64(d->doc, elem, &sid) != 0 || sid < INT32_MIN || sid > INT32_MAX)
            return path_error(d, path, reason);
        regs->gpp_sid[regs->gpp_sid_count++] = (int32_t)sid;
    }
    return 0;
}

/* ---- geo ------------------------------------------------------------------ */

static int read_utcoffset(const struct decoder *d, const struct path *path, int value,
                          void *field)
{
    struct openrtb_geo *geo = field;
    int32_t minutes = 0;
    if (get_int32(d, path, value, &minutes) != 0)
        return -1;
    openrtb_geo_set_utcoffset(geo, minutes);
    return 0;
}

static const struct member geo_members[] = {
    MEMBER("lat", read_double, struct openrtb_geo, lat),
    MEMBER("lon", read_double, struct openrtb_geo, lon),
    MEMBER("type", read_int32, struct openrtb_geo, type),
    MEMBER("accuracy", read_int32, struct openrtb_geo, accuracy_m),
    MEMBER("country", read_string, struct openrtb_geo, country),
    MEMBER("region", read_string, struct openrtb_geo, region),
    MEMBER("city", read_string, struct openrtb_geo, city),
    MEMBER("zip", read_string, struct openrtb_geo, zip),
    WHOLE("utcoffset", read_utcoffset),
};

/* Decodes device.geo or user.geo; the point follows openrtb_geo_set_point(), with NAN
 * standing for a coordinate that was not sent. */
static int decode_geo(const struct decoder *d, const struct path *path, int value,
                      void *field)
{
    struct openrtb_geo *geo = field;
    geo->lat = geo->lon = NAN;
    if (decode_members(d, path, value, MEMBERS_OF(geo_members), geo) != 0)
        return -1;
    geo->present = true;
    openrtb_geo_set_point(geo, geo->lat, geo->lon);
    return 0;
}

/* ---- imp ------------------------------------------------------------------- */

static const struct member format_members[] = {
    MEMBER("w", read_int32, struct banner_format, w),
    MEMBER("h", read_int32, struct banner_format, h),
};

static int decode_format(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(format_members), field);
}

static int read_formats(const struct decoder *d, const struct path *path, int value,
                        void *field)
{
    struct imp *imp = field;
    void *items;
    if (decode_array(d, path, value, sizeof(struct banner_format), decode_format, &items,
                     &imp->format_count) != 0)
        return -1;
    imp->formats = items;
    return 0;
}

static const struct member banner_members[] = {
    MEMBER("w", read_int32, struct imp, banner_w),
    MEMBER("h", read_int32, struct imp, banner_h),
    WHOLE("format", read_formats),
};

/* Decodes imp.banner into the imp (banner_w/h, formats). */
static int decode_banner(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    struct imp *imp = field;
    imp->has_banner = true;
    return decode_members(d, path, value, MEMBERS_OF(banner_members), imp);
}

static const struct member video_members[] = {
    MEMBER("w", read_int32, struct imp, video_w),
    MEMBER("h", read_int32, struct imp, video_h),
};

static int decode_video(const struct decoder *d, const struct path *path, int value,
                        void *field)
{
    struct imp *imp = field;
    imp->has_video = true;
    return decode_members(d, path, value, MEMBERS_OF(video_members), imp);
}

/* Only the presence of imp.native matters to geobid; its members are skipped. */
static int decode_native(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    struct imp *imp = field;
    imp->has_native = true;
    return decode_members(d, path, value, NULL, 0, imp);
}

static const struct member imp_members[] = {
    MEMBER("id", read_string, struct imp, id),
    MEMBER("tagid", read_string, struct imp, tagid),
    WHOLE("banner", decode_banner),
    WHOLE("video", decode_video),
    WHOLE("native", decode_native),
    MEMBER("bidfloor", read_micros, struct imp, bidfloor_micros),
    MEMBER("bidfloorcur", read_string, struct imp, bidfloorcur),
    MEMBER("secure", read_bool, struct imp, secure),
};

/* Fails with "<path>.<key>: required" when slice is empty (absent, null or ""). */
static int require_string(const struct decoder *d, const struct path *path,
                          const char *key, struct slice value)
{
    struct path child = {path, key, 0};
    return value.len == 0 ? path_error(d, &child, "required") : 0;
}

static int decode_imp(const struct decoder *d, const struct path *path, int value,
                      void *field)
{
    struct imp *imp = field;
    if (decode_members(d, path, value, MEMBERS_OF(imp_members), imp) != 0)
        return -1;
    return require_string(d, path, "id", imp->id);
}

/* Decodes the imp array into the request; it must hold at least one imp. */
static int read_imps(const struct decoder *d, const struct path *path, int value,
                     void *field)
{
    struct bid_request *request = field;
    void *items;
    if (decode_array(d, path, value, sizeof(struct imp), decode_imp, &items,
                     &request->imp_count) != 0)
        return -1;
    if (request->imp_count == 0)
        return path_error(d, path, "must not be empty");
    request->imps = items;
    return 0;
}

/* ---- site / app -------------------------------------------------------------- */

static const struct member publisher_members[] = {
    MEMBER("id", read_string, struct publisher, id),
    MEMBER("name", read_string, struct publisher, name),
    MEMBER("domain", read_string, struct publisher, domain),
};

static int decode_publisher(const struct decoder *d, const struct path *path, int value,
                            void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(publisher_members), field);
}

/* site.content / app.content: only its categories are kept (audience rules). */
static const struct member content_members[] = {
    MEMBER("cat", read_strings, struct inventory, content_cat),
};

static int decode_content(const struct decoder *d, const struct path *path, int value,
                          void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(content_members), field);
}

static const struct member site_members[] = {
    MEMBER("id", read_string, struct inventory, id),
    MEMBER("domain", read_string, struct inventory, domain),
    MEMBER("page", read_string, struct inventory, page),
    MEMBER("cat", read_strings, struct inventory, cat),
    MEMBER("keywords", read_string, struct inventory, keywords),
    MEMBER("publisher", decode_publisher, struct inventory, publisher),
    WHOLE("content", decode_content),
};

static const struct member app_members[] = {
    MEMBER("id", read_string, struct inventory, id),
    MEMBER("bundle", read_string, struct inventory, bundle),
    MEMBER("domain", read_string, struct inventory, domain),
    MEMBER("cat", read_strings, struct inventory, cat),
    MEMBER("keywords", read_string, struct inventory, keywords),
    MEMBER("publisher", decode_publisher, struct inventory, publisher),
    WHOLE("content", decode_content),
};

/* Decodes site or app into the one inventory of the request; sending both is an
 * error, since geobid could not tell which one the impression is on. */
static int decode_inventory(const struct decoder *d, const struct path *path, int value,
                            struct inventory *inventory, enum inventory_kind kind,
                            const struct member *table, size_t count)
{
    if (inventory->kind != INVENTORY_NONE && inventory->kind != kind)
        return path_error(d, path, "a request has either site or app, not both");
    inventory->kind = kind;
    return decode_members(d, path, value, table, count, inventory);
}

static int decode_site(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    return decode_inventory(d, path, value, field, INVENTORY_SITE, MEMBERS_OF(site_members));
}

static int decode_app(const struct decoder *d, const struct path *path, int value,
                      void *field)
{
    return decode_inventory(d, path, value, field, INVENTORY_APP, MEMBERS_OF(app_members));
}

/* ---- device ---------------------------------------------------------------------- */

static const struct member device_members[] = {
    MEMBER("ua", read_string, struct device, ua),
    MEMBER("ip", read_string, struct device, ip),
    MEMBER("ipv6", read_string, struct device, ipv6),
    MEMBER("geo", decode_geo, struct device, geo),
    MEMBER("devicetype", read_int32, struct device, devicetype),
    MEMBER("os", read_string, struct device, os),
    MEMBER("osv", read_string, struct device, osv),
    MEMBER("make", read_string, struct device, make),
    MEMBER("model", read_string, struct device, model),
    MEMBER("connectiontype", read_int32, struct device, connectiontype),
    MEMBER("ifa", read_string, struct device, ifa),
    MEMBER("lmt", read_flag, struct device, lmt),
    MEMBER("dnt", read_flag, struct device, dnt),
};

static int decode_device(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(device_members), field);
}

/* ---- user ------------------------------------------------------------------------ */

static const struct member segment_members[] = {
    MEMBER("id", read_string, struct user_segment, id),
    MEMBER("name", read_string, struct user_segment, name),
    MEMBER("value", read_string, struct user_segment, value),
};

static int decode_segment(const struct decoder *d, const struct path *path, int value,
                          void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(segment_members), field);
}

static int read_segments(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    struct user_data *data = field;
    void *items;
    if (decode_array(d, path, value, sizeof(struct user_segment), decode_segment, &items,
                     &data->segment_count) != 0)
        return -1;
    data->segments = items;
    return 0;
}

static const struct member data_members[] = {
    MEMBER("id", read_string, struct user_data, id),
    MEMBER("name", read_string, struct user_data, name),
    WHOLE("segment", read_segments),
};

static int decode_data(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(data_members), field);
}

static int read_user_data(const struct decoder *d, const struct path *path, int value,
                          void *field)
{
    struct user *user = field;
    void *items;
    if (decode_array(d, path, value, sizeof(struct user_data), decode_data, &items,
                     &user->data_count) != 0)
        return -1;
    user->data = items;
    return 0;
}

static const struct member user_ext_members[] = {
    MEMBER("consent", read_string, struct user, consent),
};

/* user.ext.consent is the pre-2.6 placement: used only when user.consent is absent,
 * whichever of the two comes first in the object. */
static int decode_user_ext(const struct decoder *d, const struct path *path, int value,
                           void *field)
{
    struct user *user = field;
    struct user ext = {0};
    if (decode_members(d, path, value, MEMBERS_OF(user_ext_members), &ext) != 0)
        return -1;
    if (user->consent.len == 0)
        user->consent = ext.consent;
    return 0;
}

static const struct member user_members[] = {
    MEMBER("id", read_string, struct user, id),
    MEMBER("buyeruid", read_string, struct user, buyeruid),
    MEMBER("yob", read_int32, struct user, yob),
    MEMBER("gender", read_string, struct user, gender),
    MEMBER("keywords", read_string, struct user, keywords),
    MEMBER("geo", decode_geo, struct user, geo),
    WHOLE("data", read_user_data),
    MEMBER("consent", read_string, struct user, consent),
    WHOLE("ext", decode_user_ext),
};

static int decode_user(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(user_members), field);
}

/* ---- regs ------------------------------------------------------------------------ */

static const struct member regs_ext_members[] = {
    MEMBER("gdpr", read_flag, struct regs, gdpr),
    MEMBER("us_privacy", read_string, struct regs, us_privacy),
};

/* regs.ext.gdpr / regs.ext.us_privacy are the pre-2.6 placements: used only when the
 * 2.6 field is absent, whichever comes first in the object. */
static int decode_regs_ext(const struct decoder *d, const struct path *path, int value,
                           void *field)
{
    struct regs *regs = field;
    struct regs ext = {.coppa = -1, .gdpr = -1};
    if (decode_members(d, path, value, MEMBERS_OF(regs_ext_members), &ext) != 0)
        return -1;
    if (regs->gdpr < 0)
        regs->gdpr = ext.gdpr;
    if (regs->us_privacy.len == 0)
        regs->us_privacy = ext.us_privacy;
    return 0;
}

static const struct member regs_members[] = {
    MEMBER("coppa", read_flag, struct regs, coppa),
    MEMBER("gdpr", read_flag, struct regs, gdpr),
    MEMBER("us_privacy", read_string, struct regs, us_privacy),
    MEMBER("gpp", read_string, struct regs, gpp),
    WHOLE("gpp_sid", read_gpp_sid),
    WHOLE("ext", decode_regs_ext),
};

static int decode_regs(const struct decoder *d, const struct path *path, int value,
                       void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(regs_members), field);
}

/* ---- request ------------------------------------------------------------------- */

static const struct member source_members[] = {
    MEMBER("tid", read_string, struct bid_request, source_tid),
};

/* source.tid goes straight into the request (nothing else of source is kept). */
static int decode_source(const struct decoder *d, const struct path *path, int value,
                         void *field)
{
    return decode_members(d, path, value, MEMBERS_OF(source_members), field);
}

static const struct member request_members[] = {
    MEMBER("id", read_string, struct bid_request, id),
    WHOLE("imp", read_imps),
    MEMBER("tmax", read_int32, struct bid_request, tmax_ms),
    MEMBER("at", read_int32, struct bid_request, auction_type),
    MEMBER("cur", read_strings, struct bid_request, cur),
    MEMBER("bcat", read_strings, struct bid_request, bcat),
    MEMBER("badv", read_strings, struct bid_request, badv),
    MEMBER("site", decode_site, struct bid_request, inventory),
    MEMBER("app", decode_app, struct bid_request, inventory),
    MEMBER("device", decode_device, struct bid_request, device),
    MEMBER("user", decode_user, struct bid_request, user),
    MEMBER("regs", decode_regs, struct bid_request, regs),
    WHOLE("source", decode_source),
};

int openrtb_json_decode(const char *data, size_t len, struct arena *arena,
                        struct bid_request *request, struct error *err)
{
    bid_request_init(request);
    struct json_doc doc;
    if (json_parse(&doc, data, len, arena, err) != 0)
        return -1;
    if (!json_is(&doc, 0, JSMN_OBJECT))
        return error_format(err, "request: expected a JSON object");
    const struct decoder d = {&doc, arena, err};
    if (decode_members(&d, NULL, 0, MEMBERS_OF(request_members), request) != 0)
        return -1;
    return bid_request_validate(request, err);
}

/* ---- encode ------------------------------------------------------------------------ */

/* Appends `,"key":` (or `"key":` for the first member when first is true). */
static void encode_key(struct outbuf *out, const char *key, bool first)
{
    if (!first)
        outbuf_append(out, ",", 1);
    outbuf_append(out, "\"", 1);
    outbuf_append_cstr(out, key);
    outbuf_append(out, "\":", 2);
}

static void encode_string_member(struct outbuf *out, const char *key, struct slice value)
{
    encode_key(out, key, false);
    outbuf_append_json_string(out, value);
}

static void encode_int_member(struct outbuf *out, const char *key, int64_t value)
{
    encode_key(out, key, false);
    outbuf_append_int(out, value);
}

static void encode_string_list_member(struct outbuf *out, const char *key,
                                      const struct slice_list *list)
{
    encode_key(out, key, false);
    outbuf_append(out, "[", 1);
    for (size_t i = 0; i < list->count; i++) {
        if (i > 0)
            outbuf_append(out, ",", 1);
        outbuf_append_json_string(out, list->items[i]);
    }
    outbuf_append(out, "]", 1);
}

/* The win, billing and loss notice URLs that are set. */
static void encode_notice_urls(const struct bid *bid, struct outbuf *out)
{
    const struct {
        const char *key;
        struct slice url;
    } urls[] = {{"nurl", bid->nurl}, {"burl", bid->burl}, {"lurl", bid->lurl}};
    for (size_t i = 0; i < sizeof(urls) / sizeof(urls[0]); i++)
        if (urls[i].url.len > 0)
            encode_string_member(out, urls[i].key, urls[i].url);
}

static void encode_bid(const struct bid *bid, struct outbuf *out)
{
    const struct creative *creative = bid->creative;
    outbuf_append(out, "{", 1);
    encode_key(out, "id", true);
    outbuf_append_json_string(out, bid_response_bid_id(bid, out->arena));
    encode_string_member(out, "impid", bid->imp->id);
    encode_key(out, "price", false);
    outbuf_append_micros(out, bid->price_micros);
    encode_notice_urls(bid, out);
    encode_string_member(out, "adm", creative->adm);
    encode_string_list_member(out, "adomain", &creative->adomain);
    encode_string_member(out, "crid", creative->id);
    encode_string_member(out, "cid", bid->campaign->id);
    encode_int_member(out, "w", creative->w);
    encode_int_member(out, "h", creative->h);
    if (creative->iurl.len > 0)
        encode_string_member(out, "iurl", creative->iurl);
    if (creative->cat.count > 0)
        encode_string_list_member(out, "cat", &creative->cat);
    outbuf_append(out, "}", 1);
}

void openrtb_json_encode(const struct bid_response *response, struct outbuf *out)
{
    outbuf_append(out, "{", 1);
    encode_key(out, "id", true);
    outbuf_append_json_string(out, response->id);
    encode_string_member(out, "bidid", response->id);
    if (response->cur.len > 0)
        encode_string_member(out, "cur", response->cur);
    if (response->bid_count > 0) {
        outbuf_append_cstr(out, ",\"seatbid\":[{\"seat\":\"geobid\",\"bid\":[");
        for (size_t i = 0; i < response->bid_count; i++) {
            if (i > 0)
                outbuf_append(out, ",", 1);
            encode_bid(&response->bids[i], out);
        }
        outbuf_append(out, "]}]", 3);
    }
    outbuf_append(out, "}", 1);
}

const struct openrtb_codec openrtb_json_codec = {
    .decode = openrtb_json_decode,
    .encode = openrtb_json_encode,
};
