#include "geobid/gzip.h"

#include <limits.h>
#include <zlib.h>

enum { gzip_window_bits = 15 + 16 /* 16: expect a gzip header, not zlib */ };

static voidpf arena_zalloc(voidpf opaque, uInt items, uInt size)
{
    return arena_calloc(opaque, items, size);
}

static void arena_zfree(voidpf opaque, voidpf address)
{
    (void)opaque; /* released with the arena */
    (void)address;
}

enum gzip_status gzip_inflate(const void *in, size_t in_len, size_t max_out,
                              struct arena *arena, struct slice *out)
{
    if (in_len > UINT_MAX || max_out >= UINT_MAX)
        return GZIP_TOO_LARGE;
    char *buffer = arena_alloc(arena, max_out + 1);
    z_stream stream = {
        .next_in = (Bytef *)in, .avail_in = (uInt)in_len,
        .next_out = (Bytef *)buffer, .avail_out = (uInt)max_out + 1,
        .zalloc = arena_zalloc, .zfree = arena_zfree, .opaque = arena,
    };
    if (inflateInit2(&stream, gzip_window_bits) != Z_OK)
        return GZIP_CORRUPT;
    int rc = inflate(&stream, Z_FINISH);
    size_t produced = stream.total_out;
    size_t unread = stream.avail_in;
    inflateEnd(&stream);
    if (produced > max_out)
        return GZIP_TOO_LARGE;
    if (rc != Z_STREAM_END || unread != 0)
        return GZIP_CORRUPT;
    *out = (struct slice){buffer, produced};
    return GZIP_OK;
}
