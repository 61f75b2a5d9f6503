/* Encoders of synthetic requests (traffic.h) into OpenRTB wire formats. */
#ifndef GEOBID_LOAD_ENCODE_H
#define GEOBID_LOAD_ENCODE_H

#include "traffic.h"

#include "geobid/outbuf.h"

/* Appends request as an OpenRTB 2.6 JSON BidRequest (one line, no trailing newline). */
void encode_json(const struct synthetic_request *request, struct outbuf *out);

/* Appends request as a protobuf BidRequest (Google's com.google.openrtb schema).
 * Scratch memory comes from out's arena. */
void encode_protobuf(const struct synthetic_request *request, struct outbuf *out);

#endif
