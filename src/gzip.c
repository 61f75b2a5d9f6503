/* gzip request bodies into the request arena; see include/geobid/gzip.h.
 *
 * The output buffer starts small and doubles (copying what is already inflated) up to
 * max_out + 1 bytes, so a typical request does not take --max-body-bytes from the arena;
 * the extra byte tells "exactly max_out" from "more than max_out". */
#include "geobid/gzip.h"

#include <limits.h>
#include <stdint.h>
#include <string.h>
#include <zlib.h>

enum {
    gzip_window_bits = 15 + 16, /* 16: expect a gzip header, not zlib */
    min_output_bytes = 16 * 1024,
    expected_ratio = 4, /* first guess: the body inflates to 4 times its size */
};

/* zlib initialises the state it allocates: no need to zero it. */
static voidpf arena_zalloc(voidpf opaque, uInt items, uInt size)
{
    if (size != 0 && items > SIZE_MAX / size)
        return Z_NULL;
    return arena_alloc(opaque, (size_t)items * size);
}

static void arena_zfree(voidpf opaque, voidpf address)
{
    (void)opaque; /* released with the arena */
    (void)address;
}

/* The first output buffer size: a guess from in_len, at most limit bytes. */
static size_t initial_capacity(size_t in_len, size_t limit)
{
    size_t guess = in_len <= SIZE_MAX / expected_ratio ? in_len * expected_ratio : SIZE_MAX;
    if (guess < min_output_bytes)
        guess = min_output_bytes;
    return guess < limit ? guess : limit;
}

/* Moves the stream's output to an arena buffer twice as large (at most limit). */
static void grow_output(z_stream *stream, struct arena *arena, char **buffer, size_t *capacity,
                        size_t limit)
{
    size_t produced = stream->total_out;
    size_t capacity_now = *capacity <= limit / 2 ? *capacity * 2 : limit;
    char *bigger = arena_alloc(arena, capacity_now);
    memcpy(bigger, *buffer, produced);
    *buffer = bigger;
    *capacity = capacity_now;
    stream->next_out = (Bytef *)bigger + produced;
    stream->avail_out = (uInt)(capacity_now - produced);
}

enum gzip_status gzip_inflate(const void *in, size_t in_len, size_t max_out,
                              struct arena *arena, struct slice *out)
{
    if (in_len > UINT_MAX || max_out >= UINT_MAX)
        return GZIP_TOO_LARGE;
    size_t limit = max_out + 1, capacity = initial_capacity(in_len, limit);
    char *buffer = arena_alloc(arena, capacity);
    z_stream stream = {
        .next_in = (Bytef *)in, .avail_in = (uInt)in_len,
        .next_out = (Bytef *)buffer, .avail_out = (uInt)capacity,
        .zalloc = arena_zalloc, .zfree = arena_zfree, .opaque = arena,
    };
    if (inflateInit2(&stream, gzip_window_bits) != Z_OK)
        return GZIP_CORRUPT;
    int rc;
    for (;;) {
        rc = inflate(&stream, Z_FINISH);
        /* out of room: Z_BUF_ERROR (or Z_OK) with the whole buffer used */
        if ((rc != Z_BUF_ERROR && rc != Z_OK) || stream.avail_out != 0 || capacity == limit)
            break;
        grow_output(&stream, arena, &buffer, &capacity, limit);
    }
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
