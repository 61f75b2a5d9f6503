#include "geobid/bid_request.h"

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
