/* HTTP/1.1 request parsing without allocation; see include/geobid/http1.h.
 *
 * The parser is restartable rather than incremental: it keeps no state, so a caller
 * with a partial request simply calls again with more bytes. Heads are small (one or
 * two kilobytes for a bid request), so re-reading the head costs less than keeping
 * per-connection parser state right. A chunked body is the exception: it may come in
 * thousands of tiny chunks, so the caller may keep how far it was checked
 * (struct http1_progress) and the scan resumes there. */
#include "geobid/http1.h"

#include <stdint.h>
#include <string.h>

enum { max_chunk_line_bytes = 1024 }; /* chunk size + extensions */

/* ---- character classes ------------------------------------------------------ */

/* tchar of RFC 9110 5.6.2: the characters of methods and header names. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-vchar, SP or HTAB: what a header value (or a chunk extension) may hold. */
static bool is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* ---- lines ------------------------------------------------------------------ */

/* The outcome of looking for one CRLF-terminated line. */
enum line_result { LINE_FOUND, LINE_PARTIAL, LINE_TOO_LONG, LINE_BAD };

/* Looks for a line starting at buf[pos] that must end before buf[limit_end] (an
 * absolute offset, the budget). On LINE_FOUND *line is the line without CRLF and *next
 * the offset after it. */
static enum line_result find_line(const char *buf, size_t len, size_t pos, size_t limit_end,
                                  struct slice *line, size_t *next)
{
    size_t end = len < limit_end ? len : limit_end;
    const char *lf = pos < end ? memchr(buf + pos, '\n', end - pos) : NULL;
    if (lf == NULL)
        return len >= limit_end ? LINE_TOO_LONG : LINE_PARTIAL; /* budget all read? */
    size_t lf_at = (size_t)(lf - buf);
    if (lf_at == pos || buf[lf_at - 1] != '\r')
        return LINE_BAD; /* bare LF */
    *line = (struct slice){buf + pos, lf_at - 1 - pos};
    *next = lf_at + 1;
    return LINE_FOUND;
}

/* ---- request line ----------------------------------------------------------- */

/* Path of a request target: origin form up to '?', or the path of an absolute form. */
static struct slice path_of(struct slice target)
{
    const char *p = target.ptr, *end = target.ptr + target.len;
    const char *scheme = target.len > 3 ? memchr(p, ':', target.len) : NULL;
    if (p[0] != '/' && scheme != NULL && end - scheme >= 3 && scheme[1] == '/' && scheme[2] == '/') {
        const char *slash = memchr(scheme + 3, '/', (size_t)(end - (scheme + 3)));
        if (slash == NULL)
            return (struct slice){end, 0}; /* "http://host": no path; slices stay inside */
        p = slash;
    }
    const char *query = memchr(p, '?', (size_t)(end - p));
    return (struct slice){p, (size_t)((query ? query : end) - p)};
}

/* Parses "HTTP/1.x". */
static enum http1_status parse_version(struct slice text, int *minor)
{
    if (text.len != 8 || memcmp(text.ptr, "HTTP/", 5) != 0 || text.ptr[6] != '.')
        return HTTP1_BAD_REQUEST;
    char major = text.ptr[5], minor_digit = text.ptr[7];
    if (major < '0' || major > '9' || minor_digit < '0' || minor_digit > '9')
        return HTTP1_BAD_REQUEST;
    if (major != '1' || minor_digit > '1')
        return HTTP1_VERSION_NOT_SUPPORTED;
    *minor = minor_digit - '0';
    return HTTP1_COMPLETE;
}

/* method SP request-target SP HTTP-version */
static enum http1_status parse_request_line(struct slice line, const struct http1_limits *limits,
                                            struct http1_request *request)
{
    size_t i = 0;
    while (i < line.len && is_tchar((unsigned char)line.ptr[i]))
        i++;
    if (i == 0 || i == line.len || line.ptr[i] != ' ')
        return HTTP1_BAD_REQUEST;
    request->method = (struct slice){line.ptr, i};
    size_t target_start = ++i;
    while (i < line.len && (unsigned char)line.ptr[i] > 0x20 && (unsigned char)line.ptr[i] < 0x7f)
        i++;
    if (i == target_start || i == line.len || line.ptr[i] != ' ')
        return HTTP1_BAD_REQUEST;
    request->target = (struct slice){line.ptr + target_start, i - target_start};
    if (request->target.len > limits->max_target_bytes)
        return HTTP1_URI_TOO_LONG;
    request->path = path_of(request->target);
    return parse_version((struct slice){line.ptr + i + 1, line.len - i - 1},
                         &request->minor_version);
}

/* ---- header fields ---------------------------------------------------------- */

/* field-name ":" OWS field-value OWS; obs-fold and whitespace before ':' rejected. */
static bool parse_header_line(struct slice line, struct http1_header *header)
{
    size_t i = 0;
    while (i < line.len && is_tchar((unsigned char)line.ptr[i]))
        i++;
    if (i == 0 || i == line.len || line.ptr[i] != ':')
        return false;
    header->name = (struct slice){line.ptr, i};
    for (size_t k = i + 1; k < line.len; k++)
        if (!is_field_char((unsigned char)line.ptr[k]))
            return false;
    size_t start = i + 1, end = line.len;
    while (start < end && is_space(line.ptr[start]))
        start++;
    while (end > start && is_space(line.ptr[end - 1]))
        end--;
    header->value = (struct slice){line.ptr + start, end - start};
    return true;
}

/* Reads header lines from *pos up to the empty line, within head_end (an absolute
 * budget). headers may be NULL with capacity 0: the lines are then only checked
 * (trailers). On HTTP1_COMPLETE *pos is after the empty line. */
static enum http1_status parse_header_block(const char *buf, size_t len, size_t *pos,
                                            size_t head_end, struct http1_header *headers,
                                            size_t capacity, size_t *count)
{
    for (;;) {
        struct slice line;
        size_t next;
        switch (find_line(buf, len, *pos, head_end, &line, &next)) {
        case LINE_PARTIAL:
            return HTTP1_NEED_MORE;
        case LINE_TOO_LONG:
            return HTTP1_HEADERS_TOO_LARGE;
        case LINE_BAD:
            return HTTP1_BAD_REQUEST;
        case LINE_FOUND:
            break;
        }
        *pos = next;
        if (line.len == 0)
            return HTTP1_COMPLETE;
        struct http1_header scratch;
        if (headers != NULL && *count == capacity)
            return HTTP1_HEADERS_TOO_LARGE;
        if (!parse_header_line(line, headers != NULL ? &headers[*count] : &scratch))
            return HTTP1_BAD_REQUEST;
        if (headers != NULL)
            (*count)++;
    }
}

/* ---- framing headers -------------------------------------------------------- */

struct framing {
    bool has_length, length_too_large, connection_close, connection_keep_alive;
};

/* Strict 1*DIGIT; values beyond max saturate to max + 1 (too large, still valid). */
static bool parse_content_length(struct slice value, size_t max, size_t *out)
{
    if (value.len == 0)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < value.len; i++) {
        if (value.ptr[i] < '0' || value.ptr[i] > '9')
            return false;
        if (n <= max)
            n = n * 10 + (size_t)(value.ptr[i] - '0');
    }
    *out = n > max ? max + 1 : n;
    return true;
}

/* Sets the flags of a comma-separated Connection header. */
static void parse_connection(struct slice value, struct framing *framing)
{
    size_t i = 0;
    while (i < value.len) {
        while (i < value.len && (is_space(value.ptr[i]) || value.ptr[i] == ','))
            i++;
        size_t start = i;
        while (i < value.len && value.ptr[i] != ',' && !is_space(value.ptr[i]))
            i++;
        struct slice token = {value.ptr + start, i - start};
        if (slice_eq_nocase(token, SLICE_LITERAL("close")))
            framing->connection_close = true;
        else if (slice_eq_nocase(token, SLICE_LITERAL("keep-alive")))
            framing->connection_keep_alive = true;
    }
}

static enum http1_status apply_content_length(struct slice value, size_t max_body,
                                              struct http1_request *request,
                                              struct framing *framing)
{
    size_t length;
    if (!parse_content_length(value, max_body, &length))
        return HTTP1_BAD_REQUEST;
    if (framing->has_length && length != request->content_length)
        return HTTP1_BAD_REQUEST;
    framing->has_length = true;
    framing->length_too_large = length > max_body;
    request->content_length = length;
    return HTTP1_COMPLETE;
}

static enum http1_status apply_header(const struct http1_header *header,
                                      const struct http1_limits *limits,
                                      struct http1_request *request, struct framing *framing)
{
    if (slice_eq_nocase(header->name, SLICE_LITERAL("Content-Length")))
        return apply_content_length(header->value, limits->max_body_bytes, request, framing);
    if (slice_eq_nocase(header->name, SLICE_LITERAL("Transfer-Encoding"))) {
        if (!slice_eq_nocase(header->value, SLICE_LITERAL("chunked")))
            return HTTP1_NOT_IMPLEMENTED;
        if (request->chunked)
            return HTTP1_BAD_REQUEST; /* chunked twice */
        request->chunked = true;
    } else if (slice_eq_nocase(header->name, SLICE_LITERAL("Connection"))) {
        parse_connection(header->value, framing);
    } else if (slice_eq_nocase(header->name, SLICE_LITERAL("Expect"))) {
        /* HTTP/1.0 requests' expectations are ignored (RFC 9110 10.1.1) */
        bool is_continue = slice_eq_nocase(header->value, SLICE_LITERAL("100-continue"));
        request->expect_continue = is_continue && request->minor_version == 1;
        request->expect_unknown = !is_continue && request->minor_version == 1;
    }
    return HTTP1_COMPLETE;
}

/* Applies the headers that frame the message and decide the connection's fate. */
static enum http1_status apply_framing(const struct http1_limits *limits,
                                       struct http1_request *request)
{
    struct framing framing = {0};
    for (size_t i = 0; i < request->header_count; i++) {
        enum http1_status status = apply_header(&request->headers[i], limits, request, &framing);
        if (status != HTTP1_COMPLETE)
            return status;
    }
    /* both, or chunked in HTTP/1.0: ambiguous framing, the smuggling classic */
    if (request->chunked && (framing.has_length || request->minor_version == 0))
        return HTTP1_BAD_REQUEST;
    if (framing.length_too_large)
        return HTTP1_PAYLOAD_TOO_LARGE;
    request->keep_alive = !framing.connection_close &&
                          (request->minor_version == 1 || framing.connection_keep_alive);
    return HTTP1_COMPLETE;
}

/* ---- chunked bodies --------------------------------------------------------- */

/* Parses a chunk-size line: 1*HEXDIG [ BWS ";" chunk-ext ]. Sizes beyond max saturate
 * to max + 1. */
static bool parse_chunk_size(struct slice line, size_t max, size_t *size)
{
    size_t i = 0, n = 0;
    for (; i < line.len && hex_digit_value(line.ptr[i]) >= 0; i++)
        if (n <= max)
            n = n * 16 + (size_t)hex_digit_value(line.ptr[i]);
    if (i == 0)
        return false;
    while (i < line.len && is_space(line.ptr[i]))
        i++;
    if (i < line.len && line.ptr[i] != ';')
        return false;
    for (; i < line.len; i++)
        if (!is_field_char((unsigned char)line.ptr[i]))
            return false;
    *size = n > max ? max + 1 : n;
    return true;
}

/* Reads one chunk-size line at *pos. */
static enum http1_status read_chunk_size(const char *buf, size_t len, size_t *pos, size_t max,
                                         size_t *size)
{
    struct slice line;
    size_t next;
    switch (find_line(buf, len, *pos, *pos + max_chunk_line_bytes, &line, &next)) {
    case LINE_PARTIAL:
        return HTTP1_NEED_MORE;
    case LINE_TOO_LONG:
    case LINE_BAD:
        return HTTP1_BAD_REQUEST;
    case LINE_FOUND:
        break;
    }
    if (!parse_chunk_size(line, max, size))
        return HTTP1_BAD_REQUEST;
    *pos = next;
    return HTTP1_COMPLETE;
}

/* Checks a whole chunked body at buf[0..len) without changing it, from the chunk-size
 * line at progress->chunk_offset: *decoded is the size of the data, *wire the bytes it
 * takes up including the trailer section. On HTTP1_NEED_MORE *progress is at the last
 * chunk boundary reached and *needed is a lower bound of len (0 when unknown). */
static enum http1_status scan_chunked(const char *buf, size_t len,
                                      const struct http1_limits *limits,
                                      struct http1_progress *progress, size_t *decoded,
                                      size_t *wire, size_t *needed)
{
    size_t pos = progress->chunk_offset;
    *decoded = progress->decoded_bytes;
    *needed = 0;
    for (;;) {
        size_t size;
        enum http1_status status = read_chunk_size(buf, len, &pos, limits->max_body_bytes, &size);
        if (status != HTTP1_COMPLETE)
            return status;
        if (size > limits->max_body_bytes - *decoded)
            return HTTP1_PAYLOAD_TOO_LARGE;
        if (size == 0)
            break;
        if (len - pos < size + 2) {
            *needed = pos + size + 2;
            return HTTP1_NEED_MORE;
        }
        if (buf[pos + size] != '\r' || buf[pos + size + 1] != '\n')
            return HTTP1_BAD_REQUEST;
        *decoded += size;
        pos += size + 2;
        *progress = (struct http1_progress){pos, *decoded};
    }
    size_t count = 0;
    enum http1_status status =
        parse_header_block(buf, len, &pos, pos + limits->max_head_bytes, NULL, 0, &count);
    *wire = pos;
    return status;
}

/* Moves the chunks' data of a body scan_chunked() accepted to the front of buf. */
static void decode_chunked(char *buf, size_t len, size_t max_body)
{
    size_t pos = 0, out = 0, size = 0;
    while (read_chunk_size(buf, len, &pos, max_body, &size) == HTTP1_COMPLETE && size > 0) {
        memmove(buf + out, buf + pos, size);
        out += size;
        pos += size + 2;
    }
}

/* ---- the request -------------------------------------------------------------- */

static enum http1_status parse_body(char *buf, size_t len, size_t head_end,
                                    const struct http1_limits *limits,
                                    struct http1_request *request,
                                    struct http1_progress *progress)
{
    char *body = buf + head_end;
    size_t available = len - head_end;
    if (!request->chunked) {
        size_t need = request->content_length;
        request->consumed = head_end + need;
        if (available < need)
            return HTTP1_NEED_MORE;
        request->body = (struct slice){body, need};
        return HTTP1_COMPLETE;
    }
    struct http1_progress scanned = progress != NULL ? *progress : (struct http1_progress){0};
    if (scanned.chunk_offset > available)
        scanned = (struct http1_progress){0}; /* not this buffer's: check from the start */
    size_t decoded = 0, wire = 0, needed = 0;
    enum http1_status status =
        scan_chunked(body, available, limits, &scanned, &decoded, &wire, &needed);
    if (status == HTTP1_NEED_MORE) {
        request->consumed = needed > 0 ? head_end + needed : 0;
        if (progress != NULL)
            *progress = scanned;
    }
    if (status != HTTP1_COMPLETE)
        return status;
    decode_chunked(body, wire, limits->max_body_bytes);
    request->body = (struct slice){body, decoded};
    request->consumed = head_end + wire;
    return HTTP1_COMPLETE;
}

/* Skips the empty lines a client may send before a request (RFC 9112 2.2). */
static size_t skip_empty_lines(const char *buf, size_t len)
{
    size_t pos = 0;
    while (len - pos >= 2 && buf[pos] == '\r' && buf[pos + 1] == '\n')
        pos += 2;
    return pos;
}

static enum http1_status parse_head(const char *buf, size_t len, size_t start,
                                    const struct http1_limits *limits, size_t capacity,
                                    struct http1_request *request, size_t *head_end)
{
    struct slice line;
    size_t pos;
    size_t budget_end = start + limits->max_head_bytes;
    switch (find_line(buf, len, start, budget_end, &line, &pos)) {
    case LINE_PARTIAL:
        return HTTP1_NEED_MORE;
    case LINE_TOO_LONG:
        return memchr(buf + start, ' ', len - start) ? HTTP1_URI_TOO_LONG : HTTP1_BAD_REQUEST;
    case LINE_BAD:
        return HTTP1_BAD_REQUEST;
    case LINE_FOUND:
        break;
    }
    enum http1_status status = parse_request_line(line, limits, request);
    if (status != HTTP1_COMPLETE)
        return status;
    status = parse_header_block(buf, len, &pos, budget_end, request->headers, capacity,
                                &request->header_count);
    *head_end = pos;
    return status;
}

enum http1_status http1_parse_request(char *buf, size_t len, const struct http1_limits *limits,
                                      struct http1_header *headers, size_t header_capacity,
                                      struct http1_request *request)
{
    return http1_parse_request_resume(buf, len, limits, headers, header_capacity, request,
                                      NULL);
}

enum http1_status http1_parse_request_resume(char *buf, size_t len,
                                             const struct http1_limits *limits,
                                             struct http1_header *headers,
                                             size_t header_capacity,
                                             struct http1_request *request,
                                             struct http1_progress *progress)
{
    *request = (struct http1_request){.headers = headers};
    size_t start = skip_empty_lines(buf, len), head_end = 0;
    enum http1_status status =
        parse_head(buf, len, start, limits, header_capacity, request, &head_end);
    if (status != HTTP1_COMPLETE)
        return status;
    request->head_bytes = head_end - start;
    status = apply_framing(limits, request);
    if (status != HTTP1_COMPLETE)
        return status;
    return parse_body(buf, len, head_end, limits, request, progress);
}

bool http1_find_header(const struct http1_request *request, const char *name,
                       struct slice *value)
{
    struct slice wanted = slice_from_cstr(name);
    for (size_t i = 0; i < request->header_count; i++)
        if (slice_eq_nocase(request->headers[i].name, wanted)) {
            *value = request->headers[i].value;
            return true;
        }
    return false;
}

const char *http1_strerror(enum http1_status status)
{
    switch (status) {
    case HTTP1_COMPLETE:
        return "complete request";
    case HTTP1_NEED_MORE:
        return "incomplete request";
    case HTTP1_BAD_REQUEST:
        return "malformed request";
    case HTTP1_PAYLOAD_TOO_LARGE:
        return "body too large";
    case HTTP1_URI_TOO_LONG:
        return "request target too long";
    case HTTP1_HEADERS_TOO_LARGE:
        return "request headers too large";
    case HTTP1_NOT_IMPLEMENTED:
        return "unsupported Transfer-Encoding";
    case HTTP1_VERSION_NOT_SUPPORTED:
        return "unsupported HTTP version";
    }
    return "unknown status";
}

const char *http1_reason(int status_code)
{
    switch (status_code) {
    case 100: return "Continue";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 409: return "Conflict";
    case 410: return "Gone";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 422: return "Unprocessable Content";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
    case 507: return "Insufficient Storage";
    }
    return "Unknown";
}
