/* OpenRTB 2.x protobuf codec, on the C that protoc-c generates from proto/openrtb.proto.
 *
 * Decoding is two steps. protobuf-c unpacks the bytes into its generated structs with
 * a ProtobufCAllocator that carves from the request arena, so a decode calls no malloc
 * per field and nothing is freed field by field: arena_reset() drops it all, and the
 * allocator's free is a no-op. Then one mapping layer copies what geobid keeps into
 * struct bid_request, under the JSON codec's conventions and error messages; strings
 * are protobuf-c's NUL-terminated arena copies, wrapped as slices.
 *
 * Encoding builds the generated BidResponse in out's arena and packs it straight into
 * out through a ProtobufCBuffer. */
#include "geobid/openrtb_pb.h"

#include "geobid/campaign.h"
#include "openrtb.pb-c.h"

#include <math.h>

typedef Com__Google__Openrtb__BidRequest pb_request;
typedef Com__Google__Openrtb__BidRequest__Imp pb_imp;
typedef Com__Google__Openrtb__BidRequest__Imp__Banner pb_banner;
typedef Com__Google__Openrtb__BidRequest__Site pb_site;
typedef Com__Google__Openrtb__BidRequest__App pb_app;
typedef Com__Google__Openrtb__BidRequest__Publisher pb_publisher;
typedef Com__Google__Openrtb__BidRequest__Content pb_content;
typedef Com__Google__Openrtb__BidRequest__Device pb_device;
typedef Com__Google__Openrtb__BidRequest__Geo pb_geo;
typedef Com__Google__Openrtb__BidRequest__User pb_user;
typedef Com__Google__Openrtb__BidRequest__Data pb_data;
typedef Com__Google__Openrtb__BidRequest__Regs pb_regs;
typedef Com__Google__Openrtb__BidResponse pb_response;
typedef Com__Google__Openrtb__BidResponse__SeatBid pb_seat_bid;
typedef Com__Google__Openrtb__BidResponse__SeatBid__Bid pb_bid;

/* ---- protobuf-c on the arena --------------------------------------------- */

static void *arena_allocate(void *arena, size_t size)
{
    return arena_alloc(arena, size);
}

/* Nothing is freed one by one: arena_reset() releases the whole decode. */
static void arena_release(void *arena, void *pointer)
{
    (void)arena;
    (void)pointer;
}

/* ---- decode: scalars ------------------------------------------------------ */

/* A protobuf bool (declared int32, see proto/openrtb.proto) as an OpenRTB flag whose
 * absent value is -1 (lmt, dnt, coppa...). */
static int8_t flag(protobuf_c_boolean has, int32_t value)
{
    return has ? value != 0 : -1;
}

/* A protobuf int32 whose absent value is -1 in struct bid_request (enums, yob...). */
static int32_t int_or_absent(protobuf_c_boolean has, int32_t value)
{
    return has ? value : -1;
}

/* Wraps protobuf-c's repeated string (count arena strings) as a slice list. */
static struct slice_list string_list(char *const *items, size_t count, struct arena *arena)
{
    struct slice_list list = {arena_calloc(arena, count, sizeof(struct slice)), count};
    for (size_t i = 0; i < count; i++)
        list.items[i] = slice_from_cstr(items[i]);
    return list;
}

/* ---- decode: objects ------------------------------------------------------ */

static void decode_geo(const pb_geo *pb, struct openrtb_geo *geo)
{
    if (pb == NULL)
        return;
    geo->present = true;
    openrtb_geo_set_point(geo, pb->has_lat ? pb->lat : NAN, pb->has_lon ? pb->lon : NAN);
    geo->type = pb->type;
    geo->accuracy_m = int_or_absent(pb->has_accuracy, pb->accuracy);
    geo->country = slice_from_cstr(pb->country);
    geo->region = slice_from_cstr(pb->region);
    geo->city = slice_from_cstr(pb->city);
    geo->zip = slice_from_cstr(pb->zip);
    if (pb->has_utcoffset)
        openrtb_geo_set_utcoffset(geo, pb->utcoffset);
}

/* Fills the imp's banner fields (has_banner, banner_w/h, formats). */
static void decode_banner(const pb_banner *pb, struct arena *arena, struct imp *imp)
{
    if (pb == NULL)
        return;
    imp->has_banner = true;
    imp->banner_w = pb->w;
    imp->banner_h = pb->h;
    imp->formats = arena_calloc(arena, pb->n_format, sizeof(struct banner_format));
    imp->format_count = pb->n_format;
    for (size_t i = 0; i < pb->n_format; i++)
        imp->formats[i] = (struct banner_format){pb->format[i]->w, pb->format[i]->h};
}

/* Decodes imp[index]; fails, as JSON does, on a refused bidfloor or a missing id. */
static int decode_imp(const pb_imp *pb, size_t index, struct arena *arena, struct imp *imp,
                      struct error *err)
{
    imp->id = slice_from_cstr(pb->id);
    imp->tagid = slice_from_cstr(pb->tagid);
    decode_banner(pb->banner, arena, imp);
    if (pb->video != NULL) {
        imp->has_video = true;
        imp->video_w = pb->video->w;
        imp->video_h = pb->video->h;
    }
    imp->has_native = pb->native != NULL;
    const char *refused = pb->has_bidfloor
                              ? bid_request_floor_micros(pb->bidfloor, &imp->bidfloor_micros)
                              : NULL;
    if (refused != NULL)
        return error_format(err, "imp[%zu].bidfloor: %s", index, refused);
    imp->bidfloorcur = slice_from_cstr(pb->bidfloorcur);
    imp->secure = pb->secure != 0;
    if (imp->id.len == 0)
        return error_format(err, "imp[%zu].id: required", index);
    return 0;
}

static int decode_imps(const pb_request *pb, struct arena *arena, struct bid_request *request,
                       struct error *err)
{
    request->imps = arena_calloc(arena, pb->n_imp, sizeof(struct imp));
    request->imp_count = pb->n_imp;
    for (size_t i = 0; i < pb->n_imp; i++)
        if (decode_imp(pb->imp[i], i, arena, &request->imps[i], err) != 0)
            return -1;
    return 0;
}

static void decode_publisher(const pb_publisher *pb, struct publisher *publisher)
{
    if (pb == NULL)
        return;
    publisher->id = slice_from_cstr(pb->id);
    publisher->name = slice_from_cstr(pb->name);
    publisher->domain = slice_from_cstr(pb->domain);
}

/* site.content / app.content: only its categories are kept. */
static struct slice_list content_categories(const pb_content *pb, struct arena *arena)
{
    return pb ? string_list(pb->cat, pb->n_cat, arena) : (struct slice_list){NULL, 0};
}

static void decode_site(const pb_site *pb, struct arena *arena, struct inventory *inventory)
{
    inventory->kind = INVENTORY_SITE;
    inventory->id = slice_from_cstr(pb->id);
    inventory->domain = slice_from_cstr(pb->domain);
    inventory->page = slice_from_cstr(pb->page);
    inventory->cat = string_list(pb->cat, pb->n_cat, arena);
    inventory->content_cat = content_categories(pb->content, arena);
    inventory->keywords = slice_from_cstr(pb->keywords);
    decode_publisher(pb->publisher, &inventory->publisher);
}

static void decode_app(const pb_app *pb, struct arena *arena, struct inventory *inventory)
{
    inventory->kind = INVENTORY_APP;
    inventory->id = slice_from_cstr(pb->id);
    inventory->bundle = slice_from_cstr(pb->bundle);
    inventory->domain = slice_from_cstr(pb->domain);
    inventory->cat = string_list(pb->cat, pb->n_cat, arena);
    inventory->content_cat = content_categories(pb->content, arena);
    inventory->keywords = slice_from_cstr(pb->keywords);
    decode_publisher(pb->publisher, &inventory->publisher);
}

/* Site or app into the one inventory; both is an error, as in JSON. */
static int decode_inventory(const pb_request *pb, struct arena *arena,
                            struct inventory *inventory, struct error *err)
{
    if (pb->site != NULL && pb->app != NULL)
        return error_format(err, "app: a request has either site or app, not both");
    if (pb->site != NULL)
        decode_site(pb->site, arena, inventory);
    else if (pb->app != NULL)
        decode_app(pb->app, arena, inventory);
    return 0;
}

static void decode_device(const pb_device *pb, struct device *device)
{
    if (pb == NULL)
        return;
    device->ua = slice_from_cstr(pb->ua);
    device->ip = slice_from_cstr(pb->ip);
    device->ipv6 = slice_from_cstr(pb->ipv6);
    decode_geo(pb->geo, &device->geo);
    device->devicetype = int_or_absent(pb->has_devicetype, pb->devicetype);
    device->os = slice_from_cstr(pb->os);
    device->osv = slice_from_cstr(pb->osv);
    device->make = slice_from_cstr(pb->make);
    device->model = slice_from_cstr(pb->model);
    device->connectiontype = int_or_absent(pb->has_connectiontype, pb->connectiontype);
    device->ifa = slice_from_cstr(pb->ifa);
    device->lmt = flag(pb->has_lmt, pb->lmt);
    device->dnt = flag(pb->has_dnt, pb->dnt);
}

static void decode_data(const pb_data *pb, struct arena *arena, struct user_data *data)
{
    data->id = slice_from_cstr(pb->id);
    data->name = slice_from_cstr(pb->name);
    data->segments = arena_calloc(arena, pb->n_segment, sizeof(struct user_segment));
    data->segment_count = pb->n_segment;
    for (size_t i = 0; i < pb->n_segment; i++)
        data->segments[i] = (struct user_segment){slice_from_cstr(pb->segment[i]->id),
                                                  slice_from_cstr(pb->segment[i]->name),
                                                  slice_from_cstr(pb->segment[i]->value)};
}

static void decode_user(const pb_user *pb, struct arena *arena, struct user *user)
{
    if (pb == NULL)
        return;
    user->id = slice_from_cstr(pb->id);
    user->buyeruid = slice_from_cstr(pb->buyeruid);
    user->yob = int_or_absent(pb->has_yob, pb->yob);
    user->gender = slice_from_cstr(pb->gender);
    user->keywords = slice_from_cstr(pb->keywords);
    decode_geo(pb->geo, &user->geo);
    user->data = arena_calloc(arena, pb->n_data, sizeof(struct user_data));
    user->data_count = pb->n_data;
    for (size_t i = 0; i < pb->n_data; i++)
        decode_data(pb->data[i], arena, &user->data[i]);
    user->consent = slice_from_cstr(pb->consent);
}

/* The 2.6 fields are real protobuf fields: there is no `ext` placement to fall back on
 * (Google's dialect carries consent in exchange extensions, which are skipped). */
static void decode_regs(const pb_regs *pb, struct regs *regs)
{
    if (pb == NULL)
        return;
    regs->coppa = flag(pb->has_coppa, pb->coppa);
    regs->gdpr = flag(pb->has_gdpr, pb->gdpr);
    regs->us_privacy = slice_from_cstr(pb->us_privacy);
    regs->gpp = slice_from_cstr(pb->gpp);
    regs->gpp_sid = pb->gpp_sid; /* already an arena array of int32_t */
    regs->gpp_sid_count = pb->n_gpp_sid;
}

/* Maps the unpacked request; the checks that may fail come in the JSON codec's order:
 * members first, then the request's own id and imp. */
static int decode_request(const pb_request *pb, struct arena *arena,
                          struct bid_request *request, struct error *err)
{
    if (decode_imps(pb, arena, request, err) != 0 ||
        decode_inventory(pb, arena, &request->inventory, err) != 0)
        return -1;
    request->id = slice_from_cstr(pb->id);
    request->tmax_ms = pb->tmax;
    if (pb->has_at)
        request->auction_type = pb->at;
    request->cur = string_list(pb->cur, pb->n_cur, arena);
    request->bcat = string_list(pb->bcat, pb->n_bcat, arena);
    request->badv = string_list(pb->badv, pb->n_badv, arena);
    decode_device(pb->device, &request->device);
    decode_user(pb->user, arena, &request->user);
    decode_regs(pb->regs, &request->regs);
    if (pb->source != NULL)
        request->source_tid = slice_from_cstr(pb->source->tid);
    return bid_request_validate(request, err);
}

int openrtb_pb_decode(const char *data, size_t len, struct arena *arena,
                      struct bid_request *request, struct error *err)
{
    bid_request_init(request);
    ProtobufCAllocator allocator = {arena_allocate, arena_release, arena};
    pb_request *pb = com__google__openrtb__bid_request__unpack(&allocator, len,
                                                               (const uint8_t *)data);
    if (pb == NULL)
        return error_format(err, "malformed protobuf");
    return decode_request(pb, arena, request, err);
}

/* ---- encode ---------------------------------------------------------------- */

/* protobuf-c packs C strings: returns a NUL-terminated arena copy of s. */
static char *cstr(struct slice s, struct arena *arena)
{
    return arena_strndup(arena, s.len > 0 ? s.ptr : "", s.len);
}

static char **cstr_list(const struct slice_list *list, struct arena *arena)
{
    char **items = arena_calloc(arena, list->count, sizeof(char *));
    for (size_t i = 0; i < list->count; i++)
        items[i] = cstr(list->items[i], arena);
    return items;
}

/* One bid, with the members and the omissions of the JSON encoder. */
static pb_bid *encode_bid(const struct bid *bid, struct arena *arena)
{
    const struct creative *creative = bid->creative;
    pb_bid *pb = arena_alloc(arena, sizeof(*pb));
    com__google__openrtb__bid_response__seat_bid__bid__init(pb);
    pb->id = cstr(bid_response_bid_id(bid, arena), arena);
    pb->impid = cstr(bid->imp->id, arena);
    pb->price = (double)bid->price_micros / 1e6; /* llround(price * 1e6) gives it back */
    if (bid->nurl.len > 0)
        pb->nurl = cstr(bid->nurl, arena);
    if (bid->burl.len > 0)
        pb->burl = cstr(bid->burl, arena);
    if (bid->lurl.len > 0)
        pb->lurl = cstr(bid->lurl, arena);
    pb->adm = cstr(creative->adm, arena);
    pb->n_adomain = creative->adomain.count;
    pb->adomain = cstr_list(&creative->adomain, arena);
    pb->crid = cstr(creative->id, arena);
    pb->cid = cstr(bid->campaign->id, arena);
    pb->has_w = pb->has_h = true;
    pb->w = creative->w;
    pb->h = creative->h;
    if (creative->iurl.len > 0)
        pb->iurl = cstr(creative->iurl, arena);
    pb->n_cat = creative->cat.count;
    pb->cat = cstr_list(&creative->cat, arena);
    return pb;
}

/* A ProtobufCBuffer that appends to an outbuf. */
struct outbuf_sink {
    ProtobufCBuffer base;
    struct outbuf *out;
};

static void outbuf_sink_append(ProtobufCBuffer *buffer, size_t len, const uint8_t *data)
{
    struct outbuf_sink *sink = (struct outbuf_sink *)buffer;
    outbuf_append(sink->out, data, len);
}

void openrtb_pb_encode(const struct bid_response *response, struct outbuf *out)
{
    static char seat_name[] = "geobid";
    struct arena *arena = out->arena;
    pb_response pb = COM__GOOGLE__OPENRTB__BID_RESPONSE__INIT;
    pb.id = pb.bidid = cstr(response->id, arena);
    if (response->cur.len > 0)
        pb.cur = cstr(response->cur, arena);
    pb_seat_bid seat = COM__GOOGLE__OPENRTB__BID_RESPONSE__SEAT_BID__INIT;
    pb_seat_bid *seats[] = {&seat};
    if (response->bid_count > 0) {
        seat.seat = seat_name;
        seat.n_bid = response->bid_count;
        seat.bid = arena_calloc(arena, response->bid_count, sizeof(pb_bid *));
        for (size_t i = 0; i < response->bid_count; i++)
            seat.bid[i] = encode_bid(&response->bids[i], arena);
        pb.n_seatbid = 1;
        pb.seatbid = seats;
    }
    struct outbuf_sink sink = {{outbuf_sink_append}, out};
    com__google__openrtb__bid_response__pack_to_buffer(&pb, &sink.base);
}

const struct openrtb_codec openrtb_pb_codec = {
    .decode = openrtb_pb_decode,
    .encode = openrtb_pb_encode,
};
