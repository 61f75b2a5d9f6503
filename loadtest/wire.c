#include "wire.h"

#include "geobid/openrtb_json.h"
#include "geobid/openrtb_pb.h"

#include <string.h>

int wire_format_parse(const char *name, enum wire_format *out)
{
    if (strcmp(name, "json") == 0)
        *out = WIRE_JSON;
    else if (strcmp(name, "protobuf") == 0)
        *out = WIRE_PROTOBUF;
    else
        return -1;
    return 0;
}

const char *wire_format_name(enum wire_format format)
{
    return format == WIRE_JSON ? "json" : "protobuf";
}

const char *wire_media_type(enum wire_format format)
{
    return format == WIRE_JSON ? "application/json" : "application/x-protobuf";
}

const struct openrtb_codec *wire_codec(enum wire_format format)
{
    return format == WIRE_JSON ? &openrtb_json_codec : &openrtb_pb_codec;
}
