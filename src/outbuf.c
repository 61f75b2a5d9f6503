#include "geobid/outbuf.h"

#include <string.h>

void outbuf_init(struct outbuf *out, struct arena *arena, size_t cap)
{
    out->arena = arena;
    out->cap = cap ? cap : 256;
    out->data = arena_alloc(arena, out->cap);
    out->len = 0;
}

static void outbuf_reserve(struct outbuf *out, size_t extra)
{
    if (out->cap - out->len >= extra)
        return;
    size_t cap = out->cap * 2;
    while (cap - out->len < extra)
        cap *= 2;
    char *grown = arena_alloc(out->arena, cap);
    memcpy(grown, out->data, out->len);
    out->data = grown;
    out->cap = cap;
}

void outbuf_append(struct outbuf *out, const void *bytes, size_t len)
{
    outbuf_reserve(out, len);
    memcpy(out->data + out->len, bytes, len);
    out->len += len;
}

void outbuf_append_cstr(struct outbuf *out, const char *s)
{
    outbuf_append(out, s, strlen(s));
}

void outbuf_append_int(struct outbuf *out, int64_t value)
{
    char digits[24];
    size_t n = 0;
    uint64_t magnitude = value < 0 ? -(uint64_t)value : (uint64_t)value;
    do {
        digits[sizeof(digits) - 1 - n++] = (char)('0' + magnitude % 10);
        magnitude /= 10;
    } while (magnitude != 0);
    if (value < 0)
        digits[sizeof(digits) - 1 - n++] = '-';
    outbuf_append(out, digits + sizeof(digits) - n, n);
}

void outbuf_append_micros(struct outbuf *out, int64_t micros)
{
    if (micros < 0) {
        outbuf_append(out, "-", 1);
        micros = -micros;
    }
    outbuf_append_int(out, micros / 1000000);
    int64_t fraction = micros % 1000000;
    if (fraction == 0)
        return;
    char digits[7] = {'.'};
    int last = 0;
    for (int i = 6; i >= 1; i--) {
        digits[i] = (char)('0' + fraction % 10);
        if (last == 0 && digits[i] != '0')
            last = i;
        fraction /= 10;
    }
    outbuf_append(out, digits, (size_t)last + 1);
}

/* True for a byte a JSON string holds as it is (no escape). */
static bool json_plain_byte(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

void outbuf_append_json_string(struct outbuf *out, struct slice s)
{
    static const char hex[] = "0123456789abcdef";
    outbuf_reserve(out, s.len + 2);
    out->data[out->len++] = '"';
    size_t i = 0;
    while (i < s.len) {
        size_t plain = i;
        while (plain < s.len && json_plain_byte((unsigned char)s.ptr[plain]))
            plain++;
        outbuf_append(out, &s.ptr[i], plain - i);
        if (plain == s.len)
            break;
        i = plain + 1;
        unsigned char c = (unsigned char)s.ptr[plain];
        char escaped[6] = {'\\', (char)c};
        size_t n = 2;
        switch (c) {
        case '"': case '\\': break;
        case '\n': escaped[1] = 'n'; break;
        case '\r': escaped[1] = 'r'; break;
        case '\t': escaped[1] = 't'; break;
        default:
            memcpy(escaped, "\\u00", 4);
            escaped[4] = hex[c >> 4];
            escaped[5] = hex[c & 15];
            n = 6;
        }
        outbuf_append(out, escaped, n);
    }
    outbuf_append(out, "\"", 1);
}
