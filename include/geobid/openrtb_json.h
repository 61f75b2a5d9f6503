/* OpenRTB 2.5/2.6 JSON: bytes → struct bid_request, struct bid_response → bytes.
 * Both the 2.6 placement of consent fields and the older `ext` placement are read. */
#ifndef GEOBID_OPENRTB_JSON_H
#define GEOBID_OPENRTB_JSON_H

#include "geobid/openrtb_codec.h"

/* Decodes a JSON BidRequest (see struct openrtb_codec.decode). Errors name the field:
 * "imp[0].banner.w: expected an integer". */
int openrtb_json_decode(const char *data, size_t len, struct arena *arena,
                        struct bid_request *request, struct error *err);

/* Appends the JSON BidResponse: {"id","bidid","cur","seatbid":[{"bid":[...]}]}. */
void openrtb_json_encode(const struct bid_response *response, struct outbuf *out);

/* The JSON codec ("application/json"). */
extern const struct openrtb_codec openrtb_json_codec;

#endif
