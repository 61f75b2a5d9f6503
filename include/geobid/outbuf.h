/* A growable output byte buffer carved from an arena (the encoded response lives as long
 * as the request). Appends never fail (arena policy: abort on out-of-memory). */
#ifndef GEOBID_OUTBUF_H
#define GEOBID_OUTBUF_H

#include "geobid/arena.h"
#include "geobid/slice.h"

#include <stddef.h>
#include <stdint.h>

struct outbuf {
    char *data;
    size_t len;
    size_t cap;
    struct arena *arena;
};

/* Starts an empty buffer of initial capacity cap in arena. */
void outbuf_init(struct outbuf *out, struct arena *arena, size_t cap);

/* Appends len raw bytes. */
void outbuf_append(struct outbuf *out, const void *bytes, size_t len);

/* Appends a NUL-terminated string (without its NUL). */
void outbuf_append_cstr(struct outbuf *out, const char *s);

/* Appends a signed decimal integer. */
void outbuf_append_int(struct outbuf *out, int64_t value);

/* Appends micros as a decimal amount without trailing zeros: 1500000 -> "1.5",
 * 2000000 -> "2", 1 -> "0.000001". Exact: no floating point involved. */
void outbuf_append_micros(struct outbuf *out, int64_t micros);

/* Appends s as a JSON string literal, quotes included, escaping what JSON requires. */
void outbuf_append_json_string(struct outbuf *out, struct slice s);

#endif
