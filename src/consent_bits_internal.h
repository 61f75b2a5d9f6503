/* Reading the bit fields of IAB consent strings (the TCF v2 core segment, GPP headers and
 * sections): base64url text (RFC 4648 §5, no padding), six bits per character, fields
 * big-endian with bits numbered from the left. Bits are read straight from the text: no
 * decoded copy, no allocation. A read past the end fails softly (it returns 0 and sets
 * `failed`), so a decoder checks once after a group of fields instead of after each.
 * Shared by src/tcf.c and src/gpp.c; nothing else includes it. */
#ifndef GEOBID_CONSENT_BITS_INTERNAL_H
#define GEOBID_CONSENT_BITS_INTERNAL_H

#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

struct consent_bits {
    const char *text;  /* base64url characters, checked by consent_bits_init() */
    size_t bit_count;  /* 6 per character */
    size_t position;   /* next bit to read */
    bool failed;       /* a read went past the end (or a decoder flagged bad input) */
};

/* Returns the first segment of text: the text up to its first '.', or all of it. Later
 * segments (TCF's disclosed vendors, a GPP section's GPC segment) are not read. */
static inline struct slice consent_first_segment(struct slice text)
{
    const char *dot = text.len ? memchr(text.ptr, '.', text.len) : NULL;
    return (struct slice){text.ptr, dot ? (size_t)(dot - text.ptr) : text.len};
}

/* Returns the 6-bit value of a base64url character, or -1 for any other byte. */
static inline int consent_bits_sextet(unsigned char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    return c == '_' ? 63 : -1;
}

/* Reads text from bit `position` on, without checking its characters: only for text
 * that consent_bits_init() has accepted before. */
static inline struct consent_bits consent_bits_at_position(struct slice text, size_t position)
{
    return (struct consent_bits){text.ptr, text.len * 6, position, false};
}

/* Prepares to read text from its first bit. Returns false when a character is not
 * base64url (the reader is then unusable). */
static inline bool consent_bits_init(struct consent_bits *bits, struct slice text)
{
    for (size_t i = 0; i < text.len; i++)
        if (consent_bits_sextet((unsigned char)text.ptr[i]) < 0)
            return false;
    *bits = consent_bits_at_position(text, 0);
    return true;
}

/* Returns bit number index (0 = the leftmost); index must be below bits->bit_count. */
static inline unsigned consent_bits_bit(const struct consent_bits *bits, size_t index)
{
    unsigned sextet = (unsigned)consent_bits_sextet((unsigned char)bits->text[index / 6]);
    return (sextet >> (5 - index % 6)) & 1u;
}

/* True when width more bits can be read (a reader may start past the end). */
static inline bool consent_bits_has(const struct consent_bits *bits, size_t width)
{
    return !bits->failed && bits->position <= bits->bit_count &&
           width <= bits->bit_count - bits->position;
}

/* Returns the next width bits (at most 64) as an unsigned big-endian integer, or 0 with
 * bits->failed set when fewer remain (then every later read fails too). */
static inline uint64_t consent_bits_read(struct consent_bits *bits, unsigned width)
{
    if (!consent_bits_has(bits, width)) {
        bits->failed = true;
        return 0;
    }
    uint64_t value = 0;
    while (width > 0) { /* up to a character's six bits at a time */
        unsigned offset = (unsigned)(bits->position % 6), take = 6 - offset;
        if (take > width)
            take = width;
        unsigned sextet =
            (unsigned)consent_bits_sextet((unsigned char)bits->text[bits->position / 6]);
        value = value << take | ((sextet >> (6 - offset - take)) & ((1u << take) - 1));
        bits->position += take;
        width -= take;
    }
    return value;
}

/* Steps over width bits (a field read later, by position), failing like a read. */
static inline void consent_bits_skip(struct consent_bits *bits, size_t width)
{
    if (!consent_bits_has(bits, width))
        bits->failed = true;
    else
        bits->position += width;
}

#endif
