#include "geobid/endpoint.h"

#include <string.h>

void endpoint_reply_init(struct endpoint_reply *reply, struct arena *arena, int status,
                         const char *content_type)
{
    reply->status = status;
    reply->content_type = content_type;
    reply->extra_headers = "";
    outbuf_init(&reply->body, arena, 256);
}

void endpoint_reply_error(struct endpoint_reply *reply, struct arena *arena, int status,
                          const char *message)
{
    endpoint_reply_init(reply, arena, status, "application/json");
    outbuf_append_cstr(&reply->body, "{\"error\":");
    outbuf_append_json_string(&reply->body, slice_from_cstr(message));
    outbuf_append_cstr(&reply->body, "}\n");
}

/* Percent-decodes text into arena ('+' becomes a space when plus_is_space). Returns
 * false on a malformed escape. */
static bool percent_decode(struct slice text, bool plus_is_space, struct arena *arena,
                           struct slice *out)
{
    char *decoded = arena_alloc(arena, text.len + 1);
    size_t len = 0;
    for (size_t i = 0; i < text.len; i++) {
        char c = text.ptr[i];
        if (c == '%') {
            if (i + 2 >= text.len)
                return false;
            int high = hex_digit_value(text.ptr[i + 1]), low = hex_digit_value(text.ptr[i + 2]);
            if (high < 0 || low < 0)
                return false;
            c = (char)(high * 16 + low);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            c = ' ';
        }
        decoded[len++] = c;
    }
    *out = (struct slice){decoded, len};
    return true;
}

/* Cuts the next sep-terminated piece off the front of *rest; *more tells whether a
 * separator followed it (so another piece, maybe empty, comes after). */
static struct slice next_piece(struct slice *rest, char sep, bool *more)
{
    const char *end = memchr(rest->ptr, sep, rest->len);
    size_t len = end ? (size_t)(end - rest->ptr) : rest->len;
    struct slice piece = {rest->ptr, len};
    size_t skip = end ? len + 1 : len;
    rest->ptr += skip;
    rest->len -= skip;
    *more = end != NULL;
    return piece;
}

bool endpoint_path_match(struct slice path, const char *pattern, struct arena *arena,
                         struct slice *params, size_t max_params)
{
    struct slice want = slice_from_cstr(pattern);
    if (path.len == 0 || path.ptr[0] != '/' || want.len == 0 || want.ptr[0] != '/')
        return false;
    path = (struct slice){path.ptr + 1, path.len - 1};
    want = (struct slice){want.ptr + 1, want.len - 1};
    size_t param_count = 0;
    bool path_more = true, want_more = true;
    while (path_more && want_more) {
        struct slice segment = next_piece(&path, '/', &path_more);
        struct slice expected = next_piece(&want, '/', &want_more);
        if (slice_eq_cstr(expected, "*")) {
            if (segment.len == 0 || param_count == max_params ||
                !percent_decode(segment, false, arena, &params[param_count++]))
                return false;
        } else if (!slice_eq(segment, expected)) {
            return false;
        }
    }
    return !path_more && !want_more;
}

bool endpoint_query_param(struct slice query, const char *name, struct arena *arena,
                          struct slice *value)
{
    struct slice wanted = slice_from_cstr(name);
    while (query.len > 0) {
        bool more;
        struct slice pair = next_piece(&query, '&', &more);
        struct slice key = next_piece(&pair, '=', &more);
        if (slice_eq(key, wanted))
            return percent_decode(pair, true, arena, value);
    }
    return false;
}
