#include "geobid/bid_request.h"

#include "geobid/campaign.h"

#include <math.h>
#include <string.h>

static void openrtb_geo_init(struct openrtb_geo *geo)
{
    memset(geo, 0, sizeof(*geo));
    geo->accuracy_m = -1;
}

void bid_request_init(struct bid_request *request)
{
    memset(request, 0, sizeof(*request));
    request->auction_type = 2;
    request->device.devicetype = -1;
    request->device.connectiontype = -1;
    request->device.lmt = -1;
    request->device.dnt = -1;
    openrtb_geo_init(&request->device.geo);
    request->user.yob = -1;
    openrtb_geo_init(&request->user.geo);
    request->regs.coppa = -1;
    request->regs.gdpr = -1;
}

/* Largest floor accepted, in currency units: far above any real CPM, and far below
 * INT64_MAX micros so the conversion cannot overflow. */
static const double max_bidfloor = 1e12;

const char *bid_request_floor_micros(double amount, int64_t *micros)
{
    if (amount < 0)
        return "must not be negative";
    if (!(amount <= max_bidfloor)) /* also NaN */
        return "out of range";
    *micros = llround(amount * 1e6);
    return NULL;
}

void openrtb_geo_set_point(struct openrtb_geo *geo, double lat, double lon)
{
    geo->has_point = lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
    geo->lat = geo->has_point ? lat : 0;
    geo->lon = geo->has_point ? lon : 0;
}

void openrtb_geo_set_utcoffset(struct openrtb_geo *geo, int64_t minutes)
{
    geo->has_utcoffset = minutes >= -OPENRTB_MAX_UTCOFFSET_MIN &&
                         minutes <= OPENRTB_MAX_UTCOFFSET_MIN;
    geo->utcoffset_min = geo->has_utcoffset ? (int32_t)minutes : 0;
}

struct slice bid_response_bid_id(const struct bid *bid, struct arena *arena)
{
    struct slice imp_id = bid->imp->id, campaign_id = bid->campaign->id;
    size_t len = imp_id.len + 1 + campaign_id.len;
    char *id = arena_alloc(arena, len);
    if (imp_id.len > 0)
        memcpy(id, imp_id.ptr, imp_id.len);
    id[imp_id.len] = '-';
    if (campaign_id.len > 0)
        memcpy(id + imp_id.len + 1, campaign_id.ptr, campaign_id.len);
    return (struct slice){id, len};
}

int bid_request_validate(const struct bid_request *request, struct error *err)
{
    if (request->id.len == 0)
        return error_format(err, "id: required");
    if (request->imp_count == 0)
        return error_format(err, "imp: required");
    for (size_t i = 1; i < request->imp_count; i++)
        for (size_t j = 0; j < i; j++)
            if (slice_eq(request->imps[i].id, request->imps[j].id))
                return error_format(err, "imp[%zu].id: duplicate of imp[%zu]", i, j);
    return 0;
}
