#define JSMN_STATIC
#define JSMN_STRICT
#define JSMN_PARENT_LINKS /* must match json.h */
#include <jsmn.h>

#include "geobid/json.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { json_max_number_len = 64 };

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Checks JSON number grammar: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool is_json_number(const char *s, size_t len)
{
    size_t i = 0;
    if (i < len && s[i] == '-')
        i++;
    if (i < len && s[i] == '0')
        i++;
    else if (i < len && s[i] >= '1' && s[i] <= '9')
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
    else
        return false;
    if (i < len && s[i] == '.') {
        size_t digits_start = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == digits_start)
            return false;
    }
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        size_t digits_start = i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i == digits_start)
            return false;
    }
    return i == len;
}

static bool is_valid_primitive(struct slice raw)
{
    switch (raw.ptr[0]) { /* jsmn never yields an empty primitive */
    case 't':
        return slice_eq_cstr(raw, "true");
    case 'f':
        return slice_eq_cstr(raw, "false");
    case 'n':
        return slice_eq_cstr(raw, "null");
    default:
        return is_json_number(raw.ptr, raw.len);
    }
}

/* jsmn tokenizes but checks little: it accepts missing or doubled separators, bare
 * words, keys without values and raw control characters in strings. The validator
 * walks the tokens once, in order, and checks the bytes between them, so geobid only
 * ever sees well-formed JSON. */

struct validator {
    const struct json_doc *doc;
    int next;      /* next token to visit */
    int error_at;  /* byte offset of the first problem */
};

static int outer_start(const jsmntok_t *tok)
{
    return tok->start - (tok->type == JSMN_STRING); /* include the opening quote */
}

static int outer_end(const jsmntok_t *tok)
{
    return tok->end + (tok->type == JSMN_STRING); /* include the closing quote */
}

/* True when text[from..to) is white space around exactly one separator (none when
 * separator is 0). */
static bool gap_is(const char *text, int from, int to, char separator)
{
    int seen = 0;
    for (int i = from; i < to; i++) {
        if (separator != 0 && text[i] == separator)
            seen++;
        else if (!is_space(text[i]))
            return false;
    }
    return seen == (separator != 0) && from <= to;
}

static bool has_control_characters(struct slice s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] < 0x20)
            return true;
    return false;
}

/* Checks that the next token starts after white space and `separator`, from position. */
static bool separated(struct validator *v, int position, char separator)
{
    if (v->next >= v->doc->token_count) {
        v->error_at = position;
        return false;
    }
    if (gap_is(v->doc->text, position, outer_start(&v->doc->tokens[v->next]), separator))
        return true;
    v->error_at = position;
    return false;
}

static bool validate_value(struct validator *v);

static bool validate_key(struct validator *v, int position, int member)
{
    if (!separated(v, position, member ? ',' : 0))
        return false;
    const jsmntok_t *key = &v->doc->tokens[v->next];
    if (key->type != JSMN_STRING || key->size != 1 ||
        has_control_characters(json_raw(v->doc, v->next))) {
        v->error_at = key->start;
        return false;
    }
    v->next++;
    return separated(v, outer_end(key), ':');
}

static bool validate_container(struct validator *v, const jsmntok_t *tok)
{
    bool object = tok->type == JSMN_OBJECT;
    int position = tok->start + 1;
    for (int n = 0; n < tok->size; n++) {
        if (object ? !validate_key(v, position, n) : !separated(v, position, n ? ',' : 0))
            return false;
        const jsmntok_t *value = &v->doc->tokens[v->next];
        if (!validate_value(v))
            return false;
        position = outer_end(value);
    }
    if (gap_is(v->doc->text, position, tok->end - 1, 0))
        return true;
    v->error_at = position;
    return false;
}

/* Validates the value at v->next and everything inside it; advances v->next past it. */
static bool validate_value(struct validator *v)
{
    int index = v->next++;
    const jsmntok_t *tok = &v->doc->tokens[index];
    v->error_at = tok->start;
    switch (tok->type) {
    case JSMN_PRIMITIVE:
        return is_valid_primitive(json_raw(v->doc, index));
    case JSMN_STRING:
        return tok->size == 0 && !has_control_characters(json_raw(v->doc, index));
    case JSMN_OBJECT:
    case JSMN_ARRAY:
        return validate_container(v, tok);
    default:
        return false;
    }
}

static int json_validate(const struct json_doc *doc, struct error *err)
{
    struct validator v = {doc, 0, 0};
    if (separated(&v, 0, 0) && validate_value(&v) && v.next == doc->token_count)
        return 0;
    return error_format(err, "malformed JSON at byte %d", v.error_at);
}

/* Nesting is bounded before jsmn runs: jsmn closes a container by walking up through
 * the containers already closed, so deep nesting costs it quadratic time (a 64 KiB
 * body of brackets took a third of a second), and the validator recurses per level. */
enum { json_max_depth = 64 };

/* Number of bytes of word equal to byte (exact SWAR zero-byte test). */
static unsigned count_byte_in_word(uint64_t word, unsigned char byte)
{
    const uint64_t low7 = 0x7F7F7F7F7F7F7F7Full;
    uint64_t x = word ^ (0x0101010101010101ull * byte); /* zero where equal */
    uint64_t nonzero = ((x & low7) + low7) | x;         /* high bit set where x != 0 */
    uint64_t equal = (~nonzero & ~low7) >> 7; /* one 0/1 per byte */
    return (unsigned)((equal * 0x0101010101010101ull) >> 56); /* sum of the bytes */
}

/* Counts '[' and '{' bytes, a bound on the nesting depth, eight bytes at a time; the
 * exact scan below then only runs on unusual input. */
static size_t count_open_brackets(const char *text, size_t len)
{
    size_t count = 0, i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t word;
        memcpy(&word, text + i, 8);
        /* '[' (0x5B) and '{' (0x7B) differ only in bit 0x20, and no other byte with that
         * bit set becomes 0x7B, so one comparison finds both */
        count += count_byte_in_word(word | 0x2020202020202020ull, '{');
    }
    for (; i < len; i++)
        count += (text[i] == '[') + (text[i] == '{');
    return count;
}

/* Returns the offset where nesting first exceeds json_max_depth, or -1. Strings are
 * skipped so brackets inside them do not count. */
static long nesting_overflow_at(const char *text, size_t len)
{
    int depth = 0;
    for (size_t i = 0; i < len; i++) {
        switch (text[i]) {
        case '"':
            for (i++; i < len && text[i] != '"'; i++)
                i += text[i] == '\\';
            break;
        case '[':
        case '{':
            if (++depth > json_max_depth)
                return (long)i;
            break;
        case ']':
        case '}':
            depth--;
            break;
        }
    }
    return -1;
}

int json_parse(struct json_doc *doc, const char *text, size_t len, struct arena *arena,
               struct error *err)
{
    long too_deep = count_open_brackets(text, len) > json_max_depth ? nesting_overflow_at(text, len) : -1;
    if (too_deep >= 0)
        return error_format(err, "JSON nested deeper than %d levels at byte %ld", json_max_depth,
                            too_deep);
    /* In valid JSON every token takes at least two bytes (a container its brackets, a
     * string its quotes, a primitive itself and the separator after it), so this
     * capacity is never too small for valid input and jsmn runs once. */
    unsigned int capacity = (unsigned int)(len / 2 + 1);
    doc->tokens = arena_alloc(arena, capacity * sizeof(jsmntok_t));
    jsmn_parser parser;
    jsmn_init(&parser);
    int count = jsmn_parse(&parser, text, len, doc->tokens, capacity);
    if (count == JSMN_ERROR_PART || count == 0)
        return error_format(err, "truncated JSON");
    if (count < 0)
        return error_format(err, "malformed JSON at byte %u", parser.pos);
    doc->text = text;
    doc->token_count = count;
    size_t value_end = (size_t)doc->tokens[0].end + (doc->tokens[0].type == JSMN_STRING);
    for (size_t i = value_end; i < len; i++)
        if (!is_space(text[i]))
            return error_format(err, "unexpected data after JSON value at byte %zu", i);
    return json_validate(doc, err);
}

int json_next(const struct json_doc *doc, int index)
{
    int pending = 1;
    while (pending > 0 && index < doc->token_count) {
        const jsmntok_t *tok = &doc->tokens[index++];
        pending--;
        if (tok->type == JSMN_OBJECT)
            pending += 2 * tok->size;
        else if (tok->type == JSMN_ARRAY)
            pending += tok->size;
    }
    return index;
}

bool json_is(const struct json_doc *doc, int index, jsmntype_t type)
{
    return index < doc->token_count && doc->tokens[index].type == type;
}

bool json_is_null(const struct json_doc *doc, int index)
{
    return json_is(doc, index, JSMN_PRIMITIVE) && slice_eq_cstr(json_raw(doc, index), "null");
}

struct slice json_raw(const struct json_doc *doc, int index)
{
    const jsmntok_t *tok = &doc->tokens[index];
    return (struct slice){doc->text + tok->start, (size_t)(tok->end - tok->start)};
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
    if (memchr(raw.ptr, '\\', raw.len) == NULL) {
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
    if (!is_json_number(raw.ptr, raw.len) ||
        !read_digits(raw.ptr + negative, raw.len - negative,
                     negative ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX, &magnitude))
        return -1; /* a fraction or exponent stops read_digits too */
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
    if (raw.len >= json_max_number_len || !is_json_number(raw.ptr, raw.len))
        return -1;
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
