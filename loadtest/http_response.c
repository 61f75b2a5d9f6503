#include "http_response.h"

#include <string.h>

/* Records reason and returns HTTP_PARSE_INVALID. */
static enum http_parse_result invalid(const char **reason, const char *why)
{
    if (reason != NULL)
        *reason = why;
    return HTTP_PARSE_INVALID;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 9110 token characters, the only ones allowed in a header name. */
static bool is_token_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static struct slice trim(const char *start, const char *end)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    return (struct slice){start, (size_t)(end - start)};
}

/* "HTTP/1.x DDD reason": sets status and the version's default keep-alive. */
static bool parse_status_line(struct slice line, struct http_response *out)
{
    if (line.len < 12 || memcmp(line.ptr, "HTTP/1.", 7) != 0 ||
        (line.ptr[7] != '0' && line.ptr[7] != '1') || line.ptr[8] != ' ' ||
        !is_digit(line.ptr[9]) || !is_digit(line.ptr[10]) || !is_digit(line.ptr[11]) ||
        (line.len > 12 && line.ptr[12] != ' '))
        return false;
    out->status = (line.ptr[9] - '0') * 100 + (line.ptr[10] - '0') * 10 + (line.ptr[11] - '0');
    out->keep_alive = line.ptr[7] == '1';
    return out->status >= 100;
}

/* Parses a decimal Content-Length; -1 when it is not one or is absurdly large. */
static long long parse_length(struct slice value)
{
    if (value.len == 0 || value.len > 9)
        return -1;
    long long length = 0;
    for (size_t i = 0; i < value.len; i++) {
        if (!is_digit(value.ptr[i]))
            return -1;
        length = length * 10 + (value.ptr[i] - '0');
    }
    return length;
}

struct head_state {
    long long content_length; /* -1 while absent */
    bool chunked;
};

/* Applies one "Name: value" line. Returns NULL, or why the line is invalid. */
static const char *parse_header_line(struct slice line, struct http_response *out,
                                     struct head_state *state)
{
    const char *colon = memchr(line.ptr, ':', line.len);
    if (colon == NULL || colon == line.ptr)
        return "header line without a name";
    for (const char *c = line.ptr; c < colon; c++)
        if (!is_token_char(*c))
            return "bad character in a header name";
    struct slice name = {line.ptr, (size_t)(colon - line.ptr)};
    struct slice value = trim(colon + 1, line.ptr + line.len);
    if (slice_eq_nocase(name, SLICE_LITERAL("Content-Length"))) {
        long long length = parse_length(value);
        if (length < 0 || (state->content_length >= 0 && state->content_length != length))
            return "bad Content-Length";
        state->content_length = length;
    } else if (slice_eq_nocase(name, SLICE_LITERAL("Transfer-Encoding"))) {
        state->chunked = true;
    } else if (slice_eq_nocase(name, SLICE_LITERAL("Connection"))) {
        if (slice_eq_nocase(value, SLICE_LITERAL("close")))
            out->keep_alive = false;
        else if (slice_eq_nocase(value, SLICE_LITERAL("keep-alive")))
            out->keep_alive = true;
    } else if (slice_eq_nocase(name, SLICE_LITERAL("Content-Type"))) {
        out->content_type = value;
    }
    return NULL;
}

/* Walks the CRLF-terminated lines of head (which ends with the empty line). */
static const char *parse_head(const char *head, size_t head_len, struct http_response *out,
                              struct head_state *state)
{
    const char *end = head + head_len - 2; /* the final empty line's CRLF */
    const char *line = head;
    bool first = true;
    while (line < end) {
        const char *cr = memchr(line, '\r', (size_t)(end - line) + 1);
        if (cr == NULL || cr[1] != '\n')
            return "line not ended by CRLF";
        struct slice text = {line, (size_t)(cr - line)};
        if (memchr(text.ptr, '\n', text.len) != NULL)
            return "bare LF in the head";
        if (first && !parse_status_line(text, out))
            return "bad status line";
        if (!first && (text.len == 0 || text.ptr[0] == ' ' || text.ptr[0] == '\t'))
            return "folded or empty header line";
        const char *why = first ? NULL : parse_header_line(text, out, state);
        if (why != NULL)
            return why;
        first = false;
        line = cr + 2;
    }
    return first ? "empty head" : NULL;
}

/* Decides the body length from the status and headers; -1 with *why when unframed. */
static long long body_length(const struct http_response *out, const struct head_state *state,
                             const char **why)
{
    bool no_body = out->status < 200 || out->status == 204 || out->status == 304;
    if (state->chunked)
        return *why = "Transfer-Encoding is not supported", -1;
    if (no_body)
        return state->content_length > 0 ? (*why = "body on a bodiless status", -1) : 0;
    if (state->content_length < 0)
        return *why = "no Content-Length", -1;
    if (state->content_length > HTTP_MAX_BODY_BYTES)
        return *why = "body too large", -1;
    return state->content_length;
}

enum http_parse_result http_response_parse(const char *data, size_t len,
                                           struct http_response *out, const char **reason)
{
    size_t search = len < HTTP_MAX_HEAD_BYTES ? len : HTTP_MAX_HEAD_BYTES;
    const char *blank = memmem(data, search, "\r\n\r\n", 4);
    if (blank == NULL)
        return len >= HTTP_MAX_HEAD_BYTES ? invalid(reason, "head too long")
                                          : HTTP_PARSE_INCOMPLETE;
    size_t head_len = (size_t)(blank - data) + 4;
    memset(out, 0, sizeof(*out));
    struct head_state state = {-1, false};
    const char *why = parse_head(data, head_len, out, &state);
    if (why != NULL)
        return invalid(reason, why);
    long long length = body_length(out, &state, &why);
    if (length < 0)
        return invalid(reason, why);
    if (len - head_len < (size_t)length)
        return HTTP_PARSE_INCOMPLETE;
    out->body = (struct slice){data + head_len, (size_t)length};
    out->total_len = head_len + (size_t)length;
    return HTTP_PARSE_COMPLETE;
}
