/* The two OpenRTB wire formats the generator speaks: their names on the command line,
 * media types, and the project's own codecs (used to read replayed requests). */
#ifndef GEOBID_LOAD_WIRE_H
#define GEOBID_LOAD_WIRE_H

#include "geobid/openrtb_codec.h"

enum wire_format { WIRE_JSON, WIRE_PROTOBUF };

/* Parses "json" or "protobuf". Returns 0, or -1 for anything else. */
int wire_format_parse(const char *name, enum wire_format *out);

/* Returns "json" or "protobuf". */
const char *wire_format_name(enum wire_format format);

/* Returns the Content-Type the generator sends ("application/json",
 * "application/x-protobuf"). */
const char *wire_media_type(enum wire_format format);

/* Returns the bidder's codec of the format. */
const struct openrtb_codec *wire_codec(enum wire_format format);

#endif
