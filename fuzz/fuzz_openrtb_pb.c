/* Fuzz target of the OpenRTB protobuf codec (libFuzzer; also linked into fuzz/replay.c
 * as build/fuzz-replay-pb).
 *
 * One run: decode the input in a static arena. On failure the error must be a message.
 * On success, check what every consumer of struct bid_request relies on, and what the
 * protobuf decoder promises on top (every string a NUL-terminated arena copy, never a
 * pointer into the input); then encode a response bidding on every imp with the
 * request's own strings, unpack it with the generated code and check it round-trips;
 * then reset the arena. Any failed invariant aborts, which libFuzzer reports as a
 * crash. */
#include "geobid/campaign.h"
#include "geobid/openrtb_pb.h"
#include "openrtb.pb-c.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);   \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

static struct arena arena;
static bool arena_ready;
static const uint8_t *input_start;
static size_t input_len;

/* A decoded string is protobuf-c's copy: outside the input, no longer than it, and
 * NUL-terminated right after its last byte (so it holds no NUL itself). Reading it
 * whole lets ASan flag a slice into freed or foreign memory. */
static void check_slice(struct slice s)
{
    if (s.len == 0)
        return;
    FUZZ_CHECK(s.ptr != NULL && s.len <= input_len);
    uintptr_t begin = (uintptr_t)s.ptr, end = begin + s.len;
    uintptr_t in_begin = (uintptr_t)input_start, in_end = in_begin + input_len;
    FUZZ_CHECK(end <= in_begin || begin >= in_end);
    FUZZ_CHECK(strlen(s.ptr) == s.len);
}

static void check_slice_list(const struct slice_list *list)
{
    FUZZ_CHECK(list->count == 0 || list->items != NULL);
    for (size_t i = 0; i < list->count; i++)
        check_slice(list->items[i]);
}

static void check_flag(int flag)
{
    FUZZ_CHECK(flag >= -1 && flag <= 1);
}

static void check_geo(const struct openrtb_geo *geo)
{
    FUZZ_CHECK(!geo->has_point || geo->present);
    if (geo->has_point)
        FUZZ_CHECK(fabs(geo->lat) <= 90 && fabs(geo->lon) <= 180);
    else
        FUZZ_CHECK(geo->lat == 0 && geo->lon == 0);
    FUZZ_CHECK(geo->present || geo->accuracy_m == -1);
    check_slice(geo->country);
    check_slice(geo->region);
    check_slice(geo->city);
    check_slice(geo->zip);
}

static void check_imp(const struct imp *imp)
{
    FUZZ_CHECK(imp->id.len > 0);
    check_slice(imp->id);
    check_slice(imp->tagid);
    check_slice(imp->bidfloorcur);
    FUZZ_CHECK(imp->bidfloor_micros >= 0 && imp->bidfloor_micros <= 1000000000000000000);
    FUZZ_CHECK(imp->format_count == 0 || (imp->has_banner && imp->formats != NULL));
    for (size_t i = 0; i < imp->format_count; i++)
        (void)(imp->formats[i].w + imp->formats[i].h);
    FUZZ_CHECK(imp->has_banner || (imp->banner_w == 0 && imp->banner_h == 0));
    FUZZ_CHECK(imp->has_video || (imp->video_w == 0 && imp->video_h == 0));
}

static void check_inventory(const struct inventory *inventory)
{
    FUZZ_CHECK(inventory->kind == INVENTORY_NONE || inventory->kind == INVENTORY_SITE ||
               inventory->kind == INVENTORY_APP);
    FUZZ_CHECK(inventory->kind == INVENTORY_APP || inventory->bundle.len == 0);
    FUZZ_CHECK(inventory->kind == INVENTORY_SITE || inventory->page.len == 0);
    check_slice(inventory->id);
    check_slice(inventory->domain);
    check_slice(inventory->bundle);
    check_slice(inventory->page);
    check_slice(inventory->keywords);
    check_slice_list(&inventory->cat);
    check_slice(inventory->publisher.id);
    check_slice(inventory->publisher.name);
    check_slice(inventory->publisher.domain);
}

static void check_device(const struct device *device)
{
    check_slice(device->ua);
    check_slice(device->ip);
    check_slice(device->ipv6);
    check_slice(device->os);
    check_slice(device->osv);
    check_slice(device->make);
    check_slice(device->model);
    check_slice(device->ifa);
    check_flag(device->lmt);
    check_flag(device->dnt);
    check_geo(&device->geo);
}

static void check_user(const struct user *user)
{
    check_slice(user->id);
    check_slice(user->buyeruid);
    check_slice(user->gender);
    check_slice(user->keywords);
    check_slice(user->consent);
    check_geo(&user->geo);
    FUZZ_CHECK(user->data_count == 0 || user->data != NULL);
    for (size_t i = 0; i < user->data_count; i++) {
        const struct user_data *data = &user->data[i];
        check_slice(data->id);
        check_slice(data->name);
        FUZZ_CHECK(data->segment_count == 0 || data->segments != NULL);
        for (size_t j = 0; j < data->segment_count; j++) {
            check_slice(data->segments[j].id);
            check_slice(data->segments[j].name);
            check_slice(data->segments[j].value);
        }
    }
}

static void check_request(const struct bid_request *request)
{
    FUZZ_CHECK(request->id.len > 0);
    check_slice(request->id);
    FUZZ_CHECK(request->imp_count >= 1 && request->imps != NULL);
    for (size_t i = 0; i < request->imp_count; i++)
        check_imp(&request->imps[i]);
    check_slice_list(&request->cur);
    check_slice_list(&request->bcat);
    check_slice_list(&request->badv);
    check_inventory(&request->inventory);
    check_device(&request->device);
    check_user(&request->user);
    check_flag(request->regs.coppa);
    check_flag(request->regs.gdpr);
    check_slice(request->regs.us_privacy);
    check_slice(request->regs.gpp);
    FUZZ_CHECK(request->regs.gpp_sid_count == 0 || request->regs.gpp_sid != NULL);
    for (size_t i = 0; i < request->regs.gpp_sid_count; i++)
        (void)request->regs.gpp_sid[i];
    check_slice(request->source_tid);
}

/* Encodes one bid per imp made of the request's own strings, unpacks the bytes with
 * the generated code and checks that ids, imp ids and prices come back. */
static void check_encode(const struct bid_request *request)
{
    struct creative creative = {
        .id = request->imps[0].tagid,
        .w = request->imps[0].banner_w,
        .h = request->imps[0].banner_h,
        .adm = request->user.keywords.len ? request->user.keywords : request->inventory.page,
        .adomain = request->badv,
        .iurl = request->device.ua,
        .cat = request->bcat,
    };
    struct campaign campaign = {.id = request->source_tid};
    struct bid *bids = arena_calloc(&arena, request->imp_count, sizeof(*bids));
    for (size_t i = 0; i < request->imp_count; i++)
        bids[i] = (struct bid){&request->imps[i], &campaign, &creative,
                               request->imps[i].bidfloor_micros};
    struct bid_response response = {request->id, bids, request->imp_count,
                                    request->cur.count ? request->cur.items[0]
                                                       : (struct slice){NULL, 0}};
    struct outbuf out;
    outbuf_init(&out, &arena, 256);
    openrtb_pb_encode(&response, &out);

    Com__Google__Openrtb__BidResponse *decoded = com__google__openrtb__bid_response__unpack(
        NULL, out.len, (const uint8_t *)out.data);
    FUZZ_CHECK(decoded != NULL);
    FUZZ_CHECK(slice_eq_cstr(request->id, decoded->id));
    FUZZ_CHECK(decoded->n_seatbid == 1 && decoded->seatbid[0]->n_bid == request->imp_count);
    for (size_t i = 0; i < request->imp_count; i++) {
        const Com__Google__Openrtb__BidResponse__SeatBid__Bid *bid = decoded->seatbid[0]->bid[i];
        FUZZ_CHECK(slice_eq_cstr(request->imps[i].id, bid->impid));
        int64_t micros = request->imps[i].bidfloor_micros;
        if (micros < 1000000000000000) /* a double holds these exactly enough */
            FUZZ_CHECK(llround(bid->price * 1e6) == micros);
    }
    com__google__openrtb__bid_response__free_unpacked(decoded, NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!arena_ready) {
        arena_init(&arena, 16384);
        arena_ready = true;
    }
    input_start = data;
    input_len = size;
    struct bid_request request;
    struct error err;
    if (openrtb_pb_decode((const char *)data, size, &arena, &request, &err) == 0) {
        check_request(&request);
        check_encode(&request);
    } else {
        FUZZ_CHECK(err.message[0] != '\0' && strlen(err.message) < sizeof(err.message));
    }
    arena_reset(&arena);
    return 0;
}
