/* The struct bid_request invariants shared by fuzz/fuzz_openrtb_json.c and
 * fuzz/fuzz_openrtb_pb.c; each target adds what its own decoder promises on top. */
#include "request_invariants.h"

#include "geobid/campaign.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

/* A slice is placed as input->slices says. Every byte is read so that ASan flags a
 * slice pointing at freed or foreign memory (strlen reads them, and the NUL). */
static void check_slice(struct slice s, const struct fuzz_input *input)
{
    if (s.len == 0)
        return;
    FUZZ_CHECK(s.ptr != NULL);
    FUZZ_CHECK(s.len <= input->len);
    uintptr_t begin = (uintptr_t)s.ptr, end = begin + s.len;
    uintptr_t in_begin = (uintptr_t)input->data, in_end = in_begin + input->len;
    bool outside = end <= in_begin || begin >= in_end;
    if (input->slices == FUZZ_SLICES_COPIED_WITH_NUL) {
        FUZZ_CHECK(outside);
        FUZZ_CHECK(strlen(s.ptr) == s.len);
        return;
    }
    bool inside = begin >= in_begin && end <= in_end;
    FUZZ_CHECK(inside || outside);
    volatile unsigned char sum = 0;
    for (size_t i = 0; i < s.len; i++)
        sum = (unsigned char)(sum + (unsigned char)s.ptr[i]);
    (void)sum;
}

static void check_slice_list(const struct slice_list *list, const struct fuzz_input *input)
{
    FUZZ_CHECK(list->count == 0 || list->items != NULL);
    for (size_t i = 0; i < list->count; i++)
        check_slice(list->items[i], input);
}

static void check_flag(int flag)
{
    FUZZ_CHECK(flag >= -1 && flag <= 1);
}

static void check_geo(const struct openrtb_geo *geo, const struct fuzz_input *input)
{
    FUZZ_CHECK(!geo->has_point || geo->present);
    if (geo->has_point) {
        FUZZ_CHECK(geo->lat >= -90 && geo->lat <= 90);
        FUZZ_CHECK(geo->lon >= -180 && geo->lon <= 180);
    } else {
        FUZZ_CHECK(geo->lat == 0 && geo->lon == 0);
    }
    check_slice(geo->country, input);
    check_slice(geo->region, input);
    check_slice(geo->city, input);
    check_slice(geo->zip, input);
}

static void check_imp(const struct imp *imp, const struct fuzz_input *input)
{
    FUZZ_CHECK(imp->id.len > 0);
    check_slice(imp->id, input);
    check_slice(imp->tagid, input);
    check_slice(imp->bidfloorcur, input);
    FUZZ_CHECK(imp->bidfloor_micros >= 0);
    FUZZ_CHECK(imp->format_count == 0 || (imp->has_banner && imp->formats != NULL));
    for (size_t i = 0; i < imp->format_count; i++)
        (void)(imp->formats[i].w + imp->formats[i].h);
    FUZZ_CHECK(imp->has_banner || (imp->banner_w == 0 && imp->banner_h == 0));
    FUZZ_CHECK(imp->has_video || (imp->video_w == 0 && imp->video_h == 0));
}

static void check_inventory(const struct inventory *inventory, const struct fuzz_input *input)
{
    FUZZ_CHECK(inventory->kind == INVENTORY_NONE || inventory->kind == INVENTORY_SITE ||
               inventory->kind == INVENTORY_APP);
    check_slice(inventory->id, input);
    check_slice(inventory->domain, input);
    check_slice(inventory->bundle, input);
    check_slice(inventory->page, input);
    check_slice(inventory->keywords, input);
    check_slice_list(&inventory->cat, input);
    check_slice(inventory->publisher.id, input);
    check_slice(inventory->publisher.name, input);
    check_slice(inventory->publisher.domain, input);
}

static void check_device(const struct device *device, const struct fuzz_input *input)
{
    check_slice(device->ua, input);
    check_slice(device->ip, input);
    check_slice(device->ipv6, input);
    check_slice(device->os, input);
    check_slice(device->osv, input);
    check_slice(device->make, input);
    check_slice(device->model, input);
    check_slice(device->ifa, input);
    check_flag(device->lmt);
    check_flag(device->dnt);
    check_geo(&device->geo, input);
}

static void check_user_data(const struct user_data *data, const struct fuzz_input *input)
{
    check_slice(data->id, input);
    check_slice(data->name, input);
    FUZZ_CHECK(data->segment_count == 0 || data->segments != NULL);
    for (size_t i = 0; i < data->segment_count; i++) {
        check_slice(data->segments[i].id, input);
        check_slice(data->segments[i].name, input);
        check_slice(data->segments[i].value, input);
    }
}

static void check_user(const struct user *user, const struct fuzz_input *input)
{
    check_slice(user->id, input);
    check_slice(user->buyeruid, input);
    check_slice(user->gender, input);
    check_slice(user->keywords, input);
    check_slice(user->consent, input);
    check_geo(&user->geo, input);
    FUZZ_CHECK(user->data_count == 0 || user->data != NULL);
    for (size_t i = 0; i < user->data_count; i++)
        check_user_data(&user->data[i], input);
}

void fuzz_check_request(const struct bid_request *request, const struct fuzz_input *input)
{
    FUZZ_CHECK(request->id.len > 0);
    check_slice(request->id, input);
    FUZZ_CHECK(request->imp_count >= 1 && request->imps != NULL);
    for (size_t i = 0; i < request->imp_count; i++)
        check_imp(&request->imps[i], input);
    check_slice_list(&request->cur, input);
    check_slice_list(&request->bcat, input);
    check_slice_list(&request->badv, input);
    check_inventory(&request->inventory, input);
    check_device(&request->device, input);
    check_user(&request->user, input);
    check_flag(request->regs.coppa);
    check_flag(request->regs.gdpr);
    check_slice(request->regs.us_privacy, input);
    check_slice(request->regs.gpp, input);
    FUZZ_CHECK(request->regs.gpp_sid_count == 0 || request->regs.gpp_sid != NULL);
    check_slice(request->source_tid, input);
}

void fuzz_bid_on_every_imp(const struct bid_request *request, struct arena *arena,
                           struct bid_response *response)
{
    struct creative *creative = arena_calloc(arena, 1, sizeof(*creative));
    *creative = (struct creative){
        .id = request->imps[0].tagid,
        .w = request->imps[0].banner_w,
        .h = request->imps[0].banner_h,
        .adm = request->user.keywords.len ? request->user.keywords : request->inventory.page,
        .adomain = request->badv,
        .iurl = request->device.ua,
        .cat = request->bcat,
    };
    struct campaign *campaign = arena_calloc(arena, 1, sizeof(*campaign));
    campaign->id = request->source_tid;
    struct bid *bids = arena_calloc(arena, request->imp_count, sizeof(*bids));
    for (size_t i = 0; i < request->imp_count; i++)
        bids[i] = (struct bid){.imp = &request->imps[i],
                               .campaign = campaign,
                               .creative = creative,
                               .price_micros = request->imps[i].bidfloor_micros,
                               .nurl = request->inventory.domain,
                               .burl = request->inventory.bundle,
                               .lurl = request->device.ifa};
    *response = (struct bid_response){
        .id = request->id,
        .bids = bids,
        .bid_count = request->imp_count,
        .cur = request->cur.count > 0 ? request->cur.items[0] : (struct slice){NULL, 0},
    };
}
