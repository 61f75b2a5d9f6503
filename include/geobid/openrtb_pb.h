/* OpenRTB 2.x over protobuf: bytes → struct bid_request, struct bid_response → bytes.
 *
 * The wire format is Google's com.google.openrtb (proto2), and the IAB Tech Lab's 2.6
 * proto whose field numbers are the same plus real fields for regs.gdpr,
 * regs.us_privacy, regs.gpp, regs.gpp_sid and user.consent. The schema geobid reads is
 * proto/openrtb.proto; unknown fields and extensions are skipped. */
#ifndef GEOBID_OPENRTB_PB_H
#define GEOBID_OPENRTB_PB_H

#include "geobid/openrtb_codec.h"

/* Decodes a protobuf BidRequest (see struct openrtb_codec.decode) into the same struct
 * bid_request as the JSON codec, with the same conventions (-1 for absent flags and
 * enums, floors in micros, a point only when both coordinates are in range). Every
 * allocation, protobuf-c's included, is carved from arena; strings are NUL-terminated
 * arena copies, never pointers into data. Errors: "malformed protobuf" when the bytes
 * do not parse (truncated, wrong wire type, absurd length...), otherwise the JSON
 * codec's messages: "id: required", "imp: required", "imp[1].id: required",
 * "imp[0].bidfloor: must not be negative"... */
int openrtb_pb_decode(const char *data, size_t len, struct arena *arena,
                      struct bid_request *request, struct error *err);

/* Appends the protobuf BidResponse with the fields of the JSON response: id, bidid,
 * cur, and seatbid[{seat "geobid", bid[...]}] when there are bids. Strings are copied
 * into out's arena to be NUL-terminated for protobuf-c, so a string holding a NUL byte
 * is cut there. */
void openrtb_pb_encode(const struct bid_response *response, struct outbuf *out);

/* The protobuf codec ("application/x-protobuf", "application/protobuf",
 * "application/octet-stream"). */
extern const struct openrtb_codec openrtb_pb_codec;

#endif
