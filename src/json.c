#include "geobid/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
    json_max_number_len = 64,
    /* Nesting is bounded: deeper input is refused (the parser recurses per level). */
    json_max_depth = 64,
};

/* ---- the parser ---------------------------------------------------------------
 * One recursive-descent pass checks the grammar and writes the tokens. Every function
 * below starts at p->at and, on success, leaves p->at after what it read; on failure it
 * records what went wrong and where (fail) and returns false. */

enum json_failure { JSON_MALFORMED, JSON_TRUNCATED, JSON_TOO_DEEP, JSON_BAD_UTF8 };

struct parser {
    const char *text, *end;
    const char *at; /* next byte to read */
    struct json_token *tokens;
    int count, capacity;
    enum json_failure failure;
    const char *failed_at;
};

static bool fail(struct parser *p, enum json_failure failure, const char *at)
{
    p->failure = failure;
    p->failed_at = at;
    return false;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static bool is_digit(char c)
{
    return (unsigned)(c - '0') < 10;
}

/* Moves p->at past white space to the next byte; false (truncated) at the end. */
static bool skip_space(struct parser *p)
{
    while (p->at < p->end && is_space(*p->at))
        p->at++;
    return p->at < p->end || fail(p, JSON_TRUNCATED, p->at);
}

/* skip_space, with compact JSON (no white space at all) decided inline. */
static inline bool next_byte(struct parser *p)
{
    return (p->at < p->end && (unsigned char)*p->at > ' ') || skip_space(p);
}

/* Appends a token starting at start (its next is the token after it, right for all
 * but containers, which set theirs when they close). NULL when the array is full,
 * which json_parse's capacity leaves to malformed input only. */
static struct json_token *add_token(struct parser *p, jsmntype_t type, const char *start)
{
    if (p->count == p->capacity) {
        fail(p, JSON_MALFORMED, start);
        return NULL;
    }
    struct json_token *token = &p->tokens[p->count++];
    *token = (struct json_token){(int)(start - p->text), 0, 0, p->count, (uint8_t)type, false};
    return token;
}

/* The eight bytes at c as a little-endian word: byte i in bits 8i..8i+7. */
static uint64_t load_little_endian(const char *c)
{
    uint64_t word;
    memcpy(&word, c, 8);
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    word = __builtin_bswap64(word);
#endif
    return word;
}

/* A mask with the high bit of each byte of word that is '"', '\\', a control character
 * or not ASCII (SWAR: bytes compared eight at a time in one integer). Bytes above the
 * first such byte may be flagged wrongly (a borrow), so only its lowest set bit is
 * meaningful. */
static uint64_t string_stop_mask(uint64_t word)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    uint64_t quote = word ^ (ones * '"'), backslash = word ^ (ones * '\\');
    return ((quote - ones) & ~quote & highs) | ((backslash - ones) & ~backslash & highs) |
           ((word - ones * 0x20) & ~word & highs) | (word & highs);
}

static bool is_string_stop(char c)
{
    return c == '"' || c == '\\' || (unsigned char)c < 0x20 || (unsigned char)c >= 0x80;
}

/* Returns the first byte of [c, end) that ends a run of plain ASCII string bytes (a
 * quote, a backslash, a control character or a byte of a multi-byte character), or
 * end; eight bytes at a time. */
static const char *find_string_stop(const char *c, const char *end)
{
    for (; end - c >= 8; c += 8) {
        uint64_t mask = string_stop_mask(load_little_endian(c));
        if (mask != 0)
            return c + __builtin_ctzll(mask) / 8;
    }
    while (c < end && !is_string_stop(*c))
        c++;
    return c;
}

/* Checks the escape whose backslash is at c; returns the byte after it, or NULL after
 * recording the failure (reported at the string's opening quote). */
static const char *skip_escape(struct parser *p, const char *c, const char *quote)
{
    if (++c == p->end) {
        fail(p, JSON_TRUNCATED, c);
        return NULL;
    }
    if (*c != 'u') {
        if (*c == '\0' || strchr("\"\\/bfnrt", *c) == NULL) {
            fail(p, JSON_MALFORMED, quote);
            return NULL;
        }
        return c + 1;
    }
    for (int i = 0; i < 4; i++) {
        if (++c == p->end) {
            fail(p, JSON_TRUNCATED, c);
            return NULL;
        }
        if (hex_digit_value(*c) < 0) {
            fail(p, JSON_MALFORMED, quote);
            return NULL;
        }
    }
    return c + 1;
}

/* The length of the UTF-8 sequence that lead (>= 0x80) starts, and the range its second
 * byte must be in (RFC 3629: no overlong forms, no surrogates, nothing above
 * U+10FFFF); 0 when lead starts none. */
static int utf8_sequence(unsigned char lead, unsigned char *low, unsigned char *high)
{
    *low = 0x80;
    *high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF)
        return 2;
    if (lead >= 0xE0 && lead <= 0xEF) {
        *low = lead == 0xE0 ? 0xA0 : 0x80;
        *high = lead == 0xED ? 0x9F : 0xBF;
        return 3;
    }
    if (lead >= 0xF0 && lead <= 0xF4) {
        *low = lead == 0xF0 ? 0x90 : 0x80;
        *high = lead == 0xF4 ? 0x8F : 0xBF;
        return 4;
    }
    return 0;
}

/* Checks the multi-byte character whose first byte is at c; returns the byte after it,
 * or NULL after recording the failure (at c). */
static const char *skip_utf8(struct parser *p, const char *c)
{
    unsigned char low, high;
    int length = utf8_sequence((unsigned char)*c, &low, &high);
    if (length == 0) {
        fail(p, JSON_BAD_UTF8, c);
        return NULL;
    }
    for (int i = 1; i < length; i++, low = 0x80, high = 0xBF) { /* the range: 2nd byte */
        if (c + i == p->end) {
            fail(p, JSON_TRUNCATED, c + i);
            return NULL;
        }
        if ((unsigned char)c[i] < low || (unsigned char)c[i] > high) {
            fail(p, JSON_BAD_UTF8, c);
            return NULL;
        }
    }
    return c + length;
}

/* Reads the string at p->at (its opening quote) as a token of the given size (1 for
 * an object key, else 0). Its bytes must be UTF-8. */
static bool parse_string(struct parser *p, int size)
{
    const char *quote = p->at, *c = quote + 1;
    bool escaped = false;
    for (;;) {
        c = find_string_stop(c, p->end);
        if (c == p->end)
            return fail(p, JSON_TRUNCATED, c);
        if (*c == '"')
            break;
        if ((unsigned char)*c >= 0x80) {
            if ((c = skip_utf8(p, c)) == NULL)
                return false;
            continue;
        }
        if (*c != '\\')
            return fail(p, JSON_MALFORMED, quote); /* a raw control character */
        if ((c = skip_escape(p, c, quote)) == NULL)
            return false;
        escaped = true;
    }
    struct json_token *token = add_token(p, JSMN_STRING, quote + 1);
    if (token == NULL)
        return false;
    token->end = (int)(c - p->text);
    token->size = size;
    token->escaped = escaped;
    p->at = c + 1;
    return true;
}

static const char *skip_digits(const char *c, const char *end)
{
    while (c < end && is_digit(*c))
        c++;
    return c;
}

/* Ends the number or literal that started at start and whose last byte is before c:
 * what follows must be white space, a separator, a closing bracket or the end. */
static bool finish_primitive(struct parser *p, const char *start, const char *c)
{
    if (c < p->end && !is_space(*c) && *c != ',' && *c != ']' && *c != '}')
        return fail(p, JSON_MALFORMED, start);
    struct json_token *token = add_token(p, JSMN_PRIMITIVE, start);
    if (token == NULL)
        return false;
    token->end = (int)(c - p->text);
    p->at = c;
    return true;
}

/* Reads a number: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool parse_number(struct parser *p)
{
    const char *start = p->at, *c = start, *end = p->end, *digits;
    c += c < end && *c == '-';
    if (c < end && *c == '0')
        c++;
    else if (c < end && is_digit(*c))
        c = skip_digits(c, end);
    else
        goto bad;
    if (c < end && *c == '.') {
        digits = ++c;
        if ((c = skip_digits(c, end)) == digits)
            goto bad;
    }
    if (c < end && (*c == 'e' || *c == 'E')) {
        c++;
        c += c < end && (*c == '+' || *c == '-');
        digits = c;
        if ((c = skip_digits(c, end)) == digits)
            goto bad;
    }
    return finish_primitive(p, start, c);
bad:
    return fail(p, c == end ? JSON_TRUNCATED : JSON_MALFORMED, start);
}

static bool parse_literal(struct parser *p, const char *word, size_t len)
{
    size_t avail = (size_t)(p->end - p->at);
    if (avail < len)
        return fail(p, memcmp(p->at, word, avail) == 0 ? JSON_TRUNCATED : JSON_MALFORMED,
                    p->at);
    if (memcmp(p->at, word, len) != 0)
        return fail(p, JSON_MALFORMED, p->at);
    return finish_primitive(p, p->at, p->at + len);
}

static bool parse_value(struct parser *p, int depth);

/* After a member or element: moves past white space and a comma to the next item
 * (returns 1) or onto the closing bracket (0); -1 on failure, reported at the end of
 * the item before, where the bytes stopped making sense. */
static int next_item(struct parser *p, char close)
{
    const char *gap = p->at;
    if (!next_byte(p))
        return -1;
    if (*p->at == close)
        return 0;
    if (*p->at == ',') {
        p->at++;
        if (!next_byte(p))
            return -1;
        if (*p->at != close) /* else a trailing comma */
            return 1;
    }
    fail(p, JSON_MALFORMED, gap);
    return -1;
}

/* Reads one member of an object: key, colon, value. gap is where the bytes before it
 * began, for the report when there is no key. */
static bool parse_member(struct parser *p, int depth, const char *gap)
{
    if (*p->at != '"')
        return fail(p, JSON_MALFORMED, gap);
    if (!parse_string(p, 1))
        return false;
    gap = p->at;
    if (!next_byte(p))
        return false;
    if (*p->at != ':')
        return fail(p, JSON_MALFORMED, gap);
    p->at++;
    return next_byte(p) && parse_value(p, depth);
}

/* Reads the object or array at p->at, whose contents are at nesting depth. */
static bool parse_container(struct parser *p, int depth)
{
    if (depth > json_max_depth)
        return fail(p, JSON_TOO_DEEP, p->at);
    bool object = *p->at == '{';
    char close = object ? '}' : ']';
    int index = p->count;
    if (add_token(p, object ? JSMN_OBJECT : JSMN_ARRAY, p->at) == NULL)
        return false;
    const char *gap = ++p->at;
    if (!next_byte(p))
        return false;
    int more = *p->at != close;
    while (more > 0) {
        if (!(object ? parse_member(p, depth, gap) : parse_value(p, depth)))
            return false;
        p->tokens[index].size++;
        gap = p->at;
        more = next_item(p, close);
    }
    if (more < 0)
        return false;
    p->at++;
    p->tokens[index].end = (int)(p->at - p->text);
    p->tokens[index].next = p->count;
    return true;
}

/* Reads the value at p->at (not white space, not the end), at nesting depth. */
static bool parse_value(struct parser *p, int depth)
{
    switch (*p->at) {
    case '{':
    case '[':
        return parse_container(p, depth + 1);
    case '"':
        return parse_string(p, 0);
    case 't':
        return parse_literal(p, "true", 4);
    case 'f':
        return parse_literal(p, "false", 5);
    case 'n':
        return parse_literal(p, "null", 4);
    default:
        return parse_number(p);
    }
}

/* Fills err for the failure p recorded; returns -1. */
static int parse_error(const struct parser *p, struct error *err)
{
    long at = (long)(p->failed_at - p->text);
    switch (p->failure) {
    case JSON_TRUNCATED:
        return error_format(err, "truncated JSON");
    case JSON_TOO_DEEP:
        return error_format(err, "JSON nested deeper than %d levels at byte %ld",
                            json_max_depth, at);
    case JSON_BAD_UTF8:
        return error_format(err, "invalid UTF-8 in a JSON string at byte %ld", at);
    default:
        return error_format(err, "malformed JSON at byte %ld", at);
    }
}

int json_parse(struct json_doc *doc, const char *text, size_t len, struct arena *arena,
               struct error *err)
{
    /* A complete value of n tokens takes at least 2n - 1 bytes (a container its two
     * brackets, a string its quotes, a member its colon, every item but the last its
     * comma), and each container still open saves one byte: this capacity never runs
     * out before the parser has found a problem. */
    if (len > (size_t)INT32_MAX)
        return error_format(err, "JSON document too large");
    struct parser p = {text, text + len, text, NULL, 0, (int)(len / 2) + json_max_depth + 2,
                       JSON_MALFORMED, NULL};
    p.tokens = arena_alloc(arena, (size_t)p.capacity * sizeof(struct json_token));
    if (!next_byte(&p) || !parse_value(&p, 0))
        return parse_error(&p, err);
    if (next_byte(&p)) {
        if (strchr("{[\"-0123456789tfn", *p.at) != NULL && *p.at != '\0')
            return error_format(err, "unexpected data after JSON value at byte %ld",
                                (long)(p.at - text));
        return error_format(err, "malformed JSON at byte %ld", (long)(p.at - text));
    }
    doc->text = text;
    doc->tokens = p.tokens;
    doc->token_count = p.count;
    return 0;
}

bool json_key_is(const struct json_doc *doc, int index, const char *name)
{
    return slice_eq_cstr(json_raw(doc, index), name);
}

static long read_hex4(const char *s, size_t avail)
{
    if (avail < 4)
        return -1;
    long value = 0;
    for (int i = 0; i < 4; i++) {
        int digit = hex_digit_value(s[i]);
        if (digit < 0)
            return -1;
        value = value * 16 + digit;
    }
    return value;
}

static size_t encode_utf8(unsigned long cp, char *out)
{
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}

/* Decodes the \u escape at s (after the backslash-u), including a surrogate pair.
 * Returns the code point and sets *consumed to the hex digits and escapes used, or -1. */
static long decode_unicode_escape(const char *s, size_t avail, size_t *consumed)
{
    long high = read_hex4(s, avail);
    *consumed = 4;
    if (high < 0xD800 || high > 0xDFFF)
        return high;
    if (high > 0xDBFF || avail < 10 || s[4] != '\\' || s[5] != 'u')
        return -1;
    long low = read_hex4(s + 6, avail - 6);
    if (low < 0xDC00 || low > 0xDFFF)
        return -1;
    *consumed = 10;
    return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
}

static int unescape(struct slice raw, struct arena *arena, struct slice *out)
{
    char *dst = arena_alloc(arena, raw.len); /* unescaping never grows a string */
    size_t n = 0;
    for (size_t i = 0; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (c != '\\') {
            dst[n++] = c;
            continue;
        }
        if (++i >= raw.len)
            return -1;
        const char *simple = strchr("\"\\/bfnrt", raw.ptr[i]);
        if (raw.ptr[i] != 'u' && simple != NULL && raw.ptr[i] != '\0') {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            dst[n++] = decoded[simple - "\"\\/bfnrt"];
            continue;
        }
        if (raw.ptr[i] != 'u')
            return -1;
        size_t consumed;
        long cp = decode_unicode_escape(raw.ptr + i + 1, raw.len - i - 1, &consumed);
        if (cp < 0)
            return -1;
        n += encode_utf8((unsigned long)cp, dst + n);
        i += consumed;
    }
    *out = (struct slice){dst, n};
    return 0;
}

int json_get_string(const struct json_doc *doc, int index, struct arena *arena,
                    struct slice *out)
{
    if (!json_is(doc, index, JSMN_STRING))
        return -1;
    struct slice raw = json_raw(doc, index);
    if (!doc->tokens[index].escaped) {
        *out = raw;
        return 0;
    }
    return unescape(raw, arena, out);
}

/* Reads the digits of text[0..len) (no sign) into *value; false on a non-digit or
 * when the value exceeds limit. */
static bool read_digits(const char *text, size_t len, uint64_t limit, uint64_t *value)
{
    uint64_t result = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned digit = (unsigned)(text[i] - '0');
        if (digit > 9 || result > (limit - digit) / 10)
            return false;
        result = result * 10 + digit;
    }
    *value = result;
    return true;
}

int json_get_int64(const struct json_doc *doc, int index, int64_t *out)
{
    if (!json_is(doc, index, JSMN_PRIMITIVE))
        return -1;
    struct slice raw = json_raw(doc, index);
    bool negative = raw.ptr[0] == '-';
    uint64_t magnitude;
    if (!read_digits(raw.ptr + negative, raw.len - negative,
                     negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &magnitude))
        return -1; /* a literal, a fraction or an exponent stops read_digits */
    *out = negative ? (int64_t)(0 - magnitude) : (int64_t)magnitude;
    return 0;
}

/* Clinger's fast path: a decimal d.ddd with at most 15 significant digits is an integer
 * below 2^53 divided by a power of ten up to 10^22, both exact doubles, so one IEEE
 * division rounds correctly. Coordinates and prices always take it; anything else
 * (exponents, long mantissas) goes to strtod. Returns false when it does not apply. */
static bool decimal_fast_path(struct slice raw, double *out)
{
    static const double powers_of_ten[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                           1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15};
    bool negative = raw.ptr[0] == '-';
    uint64_t mantissa = 0;
    int digits = 0, fraction_digits = -1;
    for (size_t i = negative; i < raw.len; i++) {
        char c = raw.ptr[i];
        if (c == '.' && fraction_digits < 0) {
            fraction_digits = 0;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > 15)
            return false;
        mantissa = mantissa * 10 + (uint64_t)(c - '0');
        fraction_digits += fraction_digits >= 0;
    }
    double value = (double)mantissa / powers_of_ten[fraction_digits > 0 ? fraction_digits : 0];
    *out = negative ? -value : value;
    return true;
}

int json_get_double(const struct json_doc *doc, int index, double *out)
{
    if (!json_is(doc, index, JSMN_PRIMITIVE))
        return -1;
    struct slice raw = json_raw(doc, index);
    if (raw.len >= json_max_number_len || !(is_digit(raw.ptr[0]) || raw.ptr[0] == '-'))
        return -1; /* json_parse checked the grammar: this is a number, not a literal */
    if (decimal_fast_path(raw, out))
        return 0;
    char buf[json_max_number_len];
    memcpy(buf, raw.ptr, raw.len);
    buf[raw.len] = '\0';
    double value = strtod(buf, NULL);
    if (!isfinite(value))
        return -1;
    *out = value;
    return 0;
}

int json_get_bool(const struct json_doc *doc, int index, bool *out)
{
    if (!json_is(doc, index, JSMN_PRIMITIVE))
        return -1;
    struct slice raw = json_raw(doc, index);
    if (slice_eq_cstr(raw, "true") || slice_eq_cstr(raw, "1"))
        *out = true;
    else if (slice_eq_cstr(raw, "false") || slice_eq_cstr(raw, "0"))
        *out = false;
    else
        return -1;
    return 0;
}

int json_get_string_list(const struct json_doc *doc, int index, struct arena *arena,
                         struct slice_list *out)
{
    if (!json_is(doc, index, JSMN_ARRAY))
        return -1;
    out->count = 0;
    out->items = arena_alloc(arena, (size_t)doc->tokens[index].size * sizeof(struct slice));
    JSON_FOR_EACH_ELEMENT(doc, index, elem, n)
    {
        if (json_get_string(doc, elem, arena, &out->items[out->count]) != 0)
            return -1;
        out->count++;
    }
    return 0;
}
