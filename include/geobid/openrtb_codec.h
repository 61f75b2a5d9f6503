/* A wire format of OpenRTB (JSON, protobuf) as a small const vtable: the server picks
 * the codec from the Content-Type, and the pipeline never looks at the bytes itself. */
#ifndef GEOBID_OPENRTB_CODEC_H
#define GEOBID_OPENRTB_CODEC_H

#include "geobid/arena.h"
#include "geobid/bid_request.h"
#include "geobid/error.h"
#include "geobid/outbuf.h"

#include <stddef.h>

struct openrtb_codec {
    /* Decodes data[0..len) into request (initialised by the codec), allocating in
     * arena; strings may point into data, which must outlive request. Returns 0, or
     * -1 with a one-line reason in err (missing id, no imp, malformed input...). */
    int (*decode)(const char *data, size_t len, struct arena *arena,
                  struct bid_request *request, struct error *err);
    /* Appends the encoded response to out. */
    void (*encode)(const struct bid_response *response, struct outbuf *out);
};

#endif
