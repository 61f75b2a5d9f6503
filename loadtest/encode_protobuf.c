/* Synthetic requests as protobuf BidRequests, built with the protobuf-c messages
 * generated from proto/openrtb.proto. That schema holds only the fields geobid reads;
 * the other fields an exchange sends (site/app name, store URL, screen size, language,
 * ad position, video constraints) are added as unknown fields with their
 * com.google.openrtb numbers, so the bytes on the wire are as large and as varied as a
 * real exchange's and the decoder has to skip them as it would in production. */
#include "encode.h"

#include "geobid/arena.h"

#include "openrtb.pb-c.h"

#include <stdio.h>
#include <string.h>

typedef Com__Google__Openrtb__BidRequest PbRequest;
typedef Com__Google__Openrtb__BidRequest__Imp PbImp;
typedef Com__Google__Openrtb__BidRequest__Imp__Banner PbBanner;
typedef Com__Google__Openrtb__BidRequest__Imp__Banner__Format PbFormat;
typedef Com__Google__Openrtb__BidRequest__Imp__Video PbVideo;
typedef Com__Google__Openrtb__BidRequest__Site PbSite;
typedef Com__Google__Openrtb__BidRequest__App PbApp;
typedef Com__Google__Openrtb__BidRequest__Publisher PbPublisher;
typedef Com__Google__Openrtb__BidRequest__Device PbDevice;
typedef Com__Google__Openrtb__BidRequest__Geo PbGeo;
typedef Com__Google__Openrtb__BidRequest__User PbUser;
typedef Com__Google__Openrtb__BidRequest__Data PbData;
typedef Com__Google__Openrtb__BidRequest__Data__Segment PbSegment;
typedef Com__Google__Openrtb__BidRequest__Regs PbRegs;
typedef Com__Google__Openrtb__BidRequest__Source PbSource;

enum { max_extra_fields = 6 };

/* Fields outside proto/openrtb.proto, collected for one message. */
struct extra_fields {
    ProtobufCMessageUnknownField fields[max_extra_fields];
    unsigned count;
    struct arena *arena;
};

static size_t put_varint(uint8_t *out, uint64_t value)
{
    size_t n = 0;
    do {
        out[n++] = (uint8_t)((value & 0x7F) | (value > 0x7F ? 0x80 : 0));
        value >>= 7;
    } while (value);
    return n;
}

static void extra_varint(struct extra_fields *extra, uint32_t tag, uint64_t value)
{
    uint8_t *data = arena_alloc(extra->arena, 10);
    extra->fields[extra->count++] = (ProtobufCMessageUnknownField){
        tag, PROTOBUF_C_WIRE_TYPE_VARINT, put_varint(data, value), data};
}

/* The field's raw bytes after the tag: the length prefix, then the string. */
static void extra_string(struct extra_fields *extra, uint32_t tag, const char *value)
{
    size_t len = strlen(value);
    uint8_t *data = arena_alloc(extra->arena, len + 10);
    size_t prefix = put_varint(data, len);
    memcpy(data + prefix, value, len);
    extra->fields[extra->count++] = (ProtobufCMessageUnknownField){
        tag, PROTOBUF_C_WIRE_TYPE_LENGTH_PREFIXED, prefix + len, data};
}

static void extra_attach(struct extra_fields *extra, ProtobufCMessage *message)
{
    message->n_unknown_fields = extra->count;
    message->unknown_fields = arena_alloc(extra->arena, extra->count * sizeof(extra->fields[0]));
    memcpy(message->unknown_fields, extra->fields, extra->count * sizeof(extra->fields[0]));
}

/* protobuf-c wants char *; it only reads them when packing. */
static char *text(const char *s)
{
    return (char *)(s != NULL && s[0] != '\0' ? s : NULL);
}

/* ---- messages ----------------------------------------------------------------- */

static PbBanner *make_banner(const struct synthetic_imp *imp, struct arena *arena)
{
    PbBanner *banner = arena_alloc(arena, sizeof(*banner));
    *banner = (PbBanner)COM__GOOGLE__OPENRTB__BID_REQUEST__IMP__BANNER__INIT;
    banner->has_w = banner->has_h = 1;
    banner->w = imp->w;
    banner->h = imp->h;
    banner->n_format = (size_t)imp->format_count;
    banner->format = arena_calloc(arena, banner->n_format, sizeof(PbFormat *));
    for (int i = 0; i < imp->format_count; i++) {
        PbFormat *format = arena_alloc(arena, sizeof(*format));
        *format = (PbFormat)COM__GOOGLE__OPENRTB__BID_REQUEST__IMP__BANNER__FORMAT__INIT;
        format->has_w = format->has_h = 1;
        format->w = imp->formats[i][0];
        format->h = imp->formats[i][1];
        banner->format[i] = format;
    }
    struct extra_fields extra = {.arena = arena};
    extra_varint(&extra, 4, (uint64_t)imp->pos);
    extra_attach(&extra, &banner->base);
    return banner;
}

static PbVideo *make_video(const struct synthetic_imp *imp, struct arena *arena)
{
    PbVideo *video = arena_alloc(arena, sizeof(*video));
    *video = (PbVideo)COM__GOOGLE__OPENRTB__BID_REQUEST__IMP__VIDEO__INIT;
    video->has_w = video->has_h = 1;
    video->w = imp->w;
    video->h = imp->h;
    struct extra_fields extra = {.arena = arena};
    extra_string(&extra, 1, "video/mp4");
    extra_string(&extra, 1, "video/webm");
    extra_varint(&extra, 3, 5);
    extra_varint(&extra, 4, 30);
    extra_varint(&extra, 26, 1);
    extra_varint(&extra, 17, (uint64_t)imp->pos);
    extra_attach(&extra, &video->base);
    return video;
}

static PbImp *make_imp(const struct synthetic_imp *imp, struct arena *arena)
{
    PbImp *out = arena_alloc(arena, sizeof(*out));
    *out = (PbImp)COM__GOOGLE__OPENRTB__BID_REQUEST__IMP__INIT;
    out->id = text(imp->id);
    out->tagid = text(imp->tagid);
    if (imp->video)
        out->video = make_video(imp, arena);
    else
        out->banner = make_banner(imp, arena);
    if (imp->bidfloor_micros > 0) {
        out->has_bidfloor = 1;
        out->bidfloor = (double)imp->bidfloor_micros / 1e6;
        out->bidfloorcur = text(imp->bidfloorcur);
    }
    out->has_secure = out->secure = 1;
    return out;
}

static PbPublisher *make_publisher(const struct synthetic_request *r, struct arena *arena)
{
    PbPublisher *publisher = arena_alloc(arena, sizeof(*publisher));
    *publisher = (PbPublisher)COM__GOOGLE__OPENRTB__BID_REQUEST__PUBLISHER__INIT;
    publisher->id = text(r->publisher_id);
    publisher->name = text(r->publisher_name);
    return publisher;
}

static void make_inventory(const struct synthetic_request *r, PbRequest *out, struct arena *arena)
{
    struct extra_fields extra = {.arena = arena};
    extra_string(&extra, 2, r->name);
    char **cat = arena_calloc(arena, (size_t)r->cat_count, sizeof(char *));
    for (int i = 0; i < r->cat_count; i++)
        cat[i] = text(r->cat[i]);
    if (r->is_app) {
        PbApp *app = arena_alloc(arena, sizeof(*app));
        *app = (PbApp)COM__GOOGLE__OPENRTB__BID_REQUEST__APP__INIT;
        app->id = text(r->inventory_id);
        app->domain = text(r->domain);
        app->bundle = text(r->bundle);
        app->n_cat = (size_t)r->cat_count;
        app->cat = cat;
        app->publisher = make_publisher(r, arena);
        extra_string(&extra, 16, r->storeurl);
        extra_attach(&extra, &app->base);
        out->app = app;
    } else {
        PbSite *site = arena_alloc(arena, sizeof(*site));
        *site = (PbSite)COM__GOOGLE__OPENRTB__BID_REQUEST__SITE__INIT;
        site->id = text(r->inventory_id);
        site->domain = text(r->domain);
        site->page = text(r->page);
        site->n_cat = (size_t)r->cat_count;
        site->cat = cat;
        site->publisher = make_publisher(r, arena);
        extra_attach(&extra, &site->base);
        out->site = site;
    }
}

static PbGeo *make_geo(const struct synthetic_geo *geo, struct arena *arena)
{
    PbGeo *out = arena_alloc(arena, sizeof(*out));
    *out = (PbGeo)COM__GOOGLE__OPENRTB__BID_REQUEST__GEO__INIT;
    if (geo->has_point) {
        out->has_lat = out->has_lon = 1;
        out->lat = geo->lat;
        out->lon = geo->lon;
        out->has_accuracy = geo->accuracy_m > 0;
        out->accuracy = geo->accuracy_m;
    }
    out->has_type = 1;
    out->type = geo->type;
    out->country = text(geo->country);
    out->region = text(geo->region);
    out->city = text(geo->city);
    out->has_utcoffset = geo->utcoffset_min != 0;
    out->utcoffset = geo->utcoffset_min;
    return out;
}

static PbDevice *make_device(const struct synthetic_request *r, struct arena *arena)
{
    PbDevice *device = arena_alloc(arena, sizeof(*device));
    *device = (PbDevice)COM__GOOGLE__OPENRTB__BID_REQUEST__DEVICE__INIT;
    device->ua = text(r->ua);
    device->ip = text(r->ip);
    device->geo = r->geo.present ? make_geo(&r->geo, arena) : NULL;
    device->make = text(r->make);
    device->model = text(r->model);
    device->os = text(r->os);
    device->osv = text(r->osv);
    device->has_connectiontype = device->has_devicetype = device->has_lmt = 1;
    device->connectiontype = r->connectiontype;
    device->devicetype = r->devicetype;
    device->lmt = r->lmt != 0;
    device->ifa = r->has_ifa ? text(r->ifa) : NULL;
    struct extra_fields extra = {.arena = arena};
    extra_varint(&extra, 25, (uint64_t)r->device_w);
    extra_varint(&extra, 26, (uint64_t)r->device_h);
    extra_string(&extra, 11, r->language);
    extra_attach(&extra, &device->base);
    return device;
}

static PbData *make_data(const struct synthetic_request *r, struct arena *arena)
{
    PbData *data = arena_alloc(arena, sizeof(*data));
    *data = (PbData)COM__GOOGLE__OPENRTB__BID_REQUEST__DATA__INIT;
    data->id = "dmp-7";
    data->name = "audience-dmp.example";
    data->n_segment = (size_t)r->segment_count;
    data->segment = arena_calloc(arena, data->n_segment, sizeof(PbSegment *));
    for (int i = 0; i < r->segment_count; i++) {
        PbSegment *segment = arena_alloc(arena, sizeof(*segment));
        *segment = (PbSegment)COM__GOOGLE__OPENRTB__BID_REQUEST__DATA__SEGMENT__INIT;
        segment->id = arena_alloc(arena, 16);
        snprintf(segment->id, 16, "aud-%d", r->segments[i]);
        data->segment[i] = segment;
    }
    return data;
}

static PbUser *make_user(const struct synthetic_request *r, struct arena *arena)
{
    PbUser *user = arena_alloc(arena, sizeof(*user));
    *user = (PbUser)COM__GOOGLE__OPENRTB__BID_REQUEST__USER__INIT;
    user->id = text(r->user_id);
    user->buyeruid = text(r->buyeruid);
    user->has_yob = r->yob > 0;
    user->yob = r->yob;
    user->gender = text(r->gender);
    user->consent = text(r->consent);
    if (r->segment_count > 0) {
        user->n_data = 1;
        user->data = arena_alloc(arena, sizeof(PbData *));
        user->data[0] = make_data(r, arena);
    }
    return user;
}

static void make_regs_and_source(const struct synthetic_request *r, PbRequest *out,
                                 struct arena *arena)
{
    PbRegs *regs = arena_alloc(arena, sizeof(*regs));
    *regs = (PbRegs)COM__GOOGLE__OPENRTB__BID_REQUEST__REGS__INIT;
    regs->has_coppa = regs->has_gdpr = 1;
    regs->gdpr = r->gdpr != 0;
    regs->us_privacy = text(r->us_privacy);
    out->regs = regs;
    PbSource *source = arena_alloc(arena, sizeof(*source));
    *source = (PbSource)COM__GOOGLE__OPENRTB__BID_REQUEST__SOURCE__INIT;
    source->tid = text(r->tid);
    out->source = source;
}

void encode_protobuf(const struct synthetic_request *r, struct outbuf *out)
{
    struct arena *arena = out->arena;
    PbRequest request = COM__GOOGLE__OPENRTB__BID_REQUEST__INIT;
    request.id = text(r->id);
    request.has_at = request.has_tmax = 1;
    request.at = 1;
    request.tmax = r->tmax_ms;
    request.n_cur = (size_t)r->cur_count;
    request.cur = (char **)r->cur;
    request.n_imp = (size_t)r->imp_count;
    request.imp = arena_calloc(arena, request.n_imp, sizeof(PbImp *));
    for (int i = 0; i < r->imp_count; i++)
        request.imp[i] = make_imp(&r->imps[i], arena);
    make_inventory(r, &request, arena);
    request.device = make_device(r, arena);
    request.user = r->has_user ? make_user(r, arena) : NULL;
    make_regs_and_source(r, &request, arena);
    size_t size = com__google__openrtb__bid_request__get_packed_size(&request);
    uint8_t *bytes = arena_alloc(arena, size);
    com__google__openrtb__bid_request__pack(&request, bytes);
    outbuf_append(out, bytes, size);
}
