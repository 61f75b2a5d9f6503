/* Decompression of gzip request bodies (Content-Encoding: gzip) into the request
 * arena, with a hard limit on the decompressed size so a small "zip bomb" cannot make
 * the bidder allocate without bound. zlib's own state is also taken from the arena, and
 * the output buffer grows as the data comes (from 16 KiB or 4x the input, doubling up to
 * max_out + 1 bytes) rather than taking max_out up front. */
#ifndef GEOBID_GZIP_H
#define GEOBID_GZIP_H

#include "geobid/arena.h"
#include "geobid/slice.h"

#include <stddef.h>

enum gzip_status {
    GZIP_OK = 0,
    GZIP_TOO_LARGE = -1,  /* decompressed data would exceed max_out */
    GZIP_CORRUPT = -2,    /* not gzip, damaged, truncated, or trailing garbage */
};

/* Decompresses one gzip member in[0..in_len) into arena memory and points out at it.
 * Returns GZIP_OK, GZIP_TOO_LARGE or GZIP_CORRUPT; out is untouched on failure. */
enum gzip_status gzip_inflate(const void *in, size_t in_len, size_t max_out,
                              struct arena *arena, struct slice *out);

#endif
