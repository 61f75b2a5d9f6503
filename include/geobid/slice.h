/* Length-delimited string slices: {ptr, len} views into a buffer someone else owns
 * (the receive buffer, the request arena, a memory-mapped database). A slice is never
 * NUL-terminated by contract; an empty slice has len 0 (ptr may be NULL). */
#ifndef GEOBID_SLICE_H
#define GEOBID_SLICE_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

struct slice {
    const char *ptr;
    size_t len;
};

/* A list of slices, e.g. a JSON array of strings. */
struct slice_list {
    struct slice *items;
    size_t count;
};

#define SLICE_LITERAL(s) ((struct slice){(s), sizeof(s) - 1})

/* Returns a slice over the NUL-terminated string s (which must outlive the slice). */
static inline struct slice slice_from_cstr(const char *s)
{
    return (struct slice){s, s ? strlen(s) : 0};
}

/* True when the slice holds exactly the bytes of the NUL-terminated string s. */
static inline bool slice_eq_cstr(struct slice a, const char *s)
{
    size_t n = strlen(s);
    return a.len == n && (n == 0 || memcmp(a.ptr, s, n) == 0);
}

/* True when both slices hold the same bytes. */
static inline bool slice_eq(struct slice a, struct slice b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

/* True when the slices are equal ignoring ASCII case. */
bool slice_eq_nocase(struct slice a, struct slice b);

/* Returns the value of the hexadecimal digit c (0-9, a-f, A-F), or -1. */
int hex_digit_value(char c);

#endif
