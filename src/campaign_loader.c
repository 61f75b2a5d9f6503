/* The campaign loader's primitives (campaign_loader.h): where the reader is, field
 * tables applied to JSON objects, and readers of strings, lists, numbers and money. */
#include "campaign_loader.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the loader and the place it is reading ------------------------------ */

static void path_append(struct loader *l, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void path_append(struct loader *l, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int n = vsnprintf(l->path + l->path_len, sizeof(l->path) - l->path_len, fmt, args);
    va_end(args);
    if (n > 0)
        l->path_len += (size_t)n;
    if (l->path_len >= sizeof(l->path))
        l->path_len = sizeof(l->path) - 1;
}

/* Appends ".key" (or "key" at the top) to the path; returns the length to restore. */
size_t path_push_key(struct loader *l, struct slice key)
{
    size_t saved = l->path_len;
    bool shortened = key.len > path_key_max_len;
    path_append(l, "%s%.*s%s", saved > 0 ? "." : "",
                (int)(shortened ? path_key_max_len : key.len), key.ptr, shortened ? "..." : "");
    return saved;
}

/* Appends "[index]" to the path; returns the length to restore. */
size_t path_push_index(struct loader *l, int index)
{
    size_t saved = l->path_len;
    path_append(l, "[%d]", index);
    return saved;
}

void path_pop(struct loader *l, size_t saved)
{
    l->path_len = saved;
    l->path[saved] = '\0';
}

/* Sets the error to "<path>: <problem>" (just the problem at the top) and returns -1. */
int fail(struct loader *l, const char *fmt, ...)
{
    char problem[160];
    va_list args;
    va_start(args, fmt);
    vsnprintf(problem, sizeof(problem), fmt, args);
    va_end(args);
    if (l->path_len == 0)
        return error_format(l->err, "%s", problem);
    return error_format(l->err, "%s: %s", l->path, problem);
}

/* ---- field tables ---------------------------------------------------------- */

static size_t find_field(const struct loader *l, int key, const struct field *fields,
                         size_t field_count)
{
    size_t f = 0;
    while (f < field_count && !json_key_is(l->doc, key, fields[f].name))
        f++;
    return f;
}

static int check_required(struct loader *l, const struct field *fields, size_t field_count,
                          uint32_t seen)
{
    for (size_t f = 0; f < field_count; f++) {
        if (fields[f].required && (seen & (1u << f)) == 0) {
            path_push_key(l, slice_from_cstr(fields[f].name));
            return fail(l, "required");
        }
    }
    return 0;
}

/* Fills target from the JSON object at token index object following the table: every
 * key must be a field of the table, at most once; required fields must be present. */
int read_object(struct loader *l, int object, const struct field *fields,
                       size_t field_count, void *target)
{
    if (!json_is(l->doc, object, JSMN_OBJECT))
        return fail(l, "expected an object");
    uint32_t seen = 0;
    JSON_FOR_EACH_MEMBER(l->doc, object, key, n)
    {
        size_t saved = path_push_key(l, json_raw(l->doc, key));
        size_t f = find_field(l, key, fields, field_count);
        if (f == field_count)
            return fail(l, "unknown field");
        if (seen & (1u << f))
            return fail(l, "duplicate field");
        seen |= 1u << f;
        if (fields[f].read(l, key + 1, &fields[f], (char *)target + fields[f].offset) != 0)
            return -1;
        path_pop(l, saved);
    }
    return check_required(l, fields, field_count, seen);
}

/* Checks that the token at value is an array, non-empty unless may_be_empty. */
int check_array(struct loader *l, int value, bool may_be_empty)
{
    if (!json_is(l->doc, value, JSMN_ARRAY))
        return fail(l, "expected an array");
    if (!may_be_empty && l->doc->tokens[value].size == 0)
        return fail(l, "must not be empty");
    return 0;
}

/* ---- strings --------------------------------------------------------------- */

/* Reads a string token without copying it: the slice may point into the input. */
int read_transient_string(struct loader *l, int value, struct slice *out)
{
    if (!json_is(l->doc, value, JSMN_STRING))
        return fail(l, "expected a string");
    if (json_get_string(l->doc, value, l->scratch, out) != 0)
        return fail(l, "invalid escape sequence");
    return 0;
}

static char lower_case(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

struct slice keep_copy(struct loader *l, struct slice text)
{
    return (struct slice){arena_strndup(l->keep, text.ptr, text.len), text.len};
}

struct slice keep_lower_case(struct loader *l, struct slice text)
{
    char *copy = arena_strndup(l->keep, text.ptr, text.len);
    for (size_t i = 0; i < text.len; i++)
        copy[i] = lower_case(copy[i]);
    return (struct slice){copy, text.len};
}

/* Optional free text (a name, a URL, markup): any string, copied. */
int read_string(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    *(struct slice *)out = keep_copy(l, text);
    return 0;
}

/* An id or markup: a non-empty string, copied. */
int read_nonempty_string(struct loader *l, int value, const struct field *field,
                                void *out)
{
    if (read_string(l, value, field, out) != 0)
        return -1;
    return ((struct slice *)out)->len == 0 ? fail(l, "must not be empty") : 0;
}

/* ---- string lists ------------------------------------------------------------ */

int copy_item(struct loader *l, struct slice text, struct slice *out)
{
    *out = keep_copy(l, text);
    return 0;
}

int lower_case_item(struct loader *l, struct slice text, struct slice *out)
{
    *out = keep_lower_case(l, text);
    return 0;
}

/* Reads an array of non-empty strings, each checked and stored by item. */
int read_list(struct loader *l, int value, bool may_be_empty, item_reader *item,
                     struct slice_list *out)
{
    if (check_array(l, value, may_be_empty) != 0)
        return -1;
    size_t count = (size_t)l->doc->tokens[value].size;
    out->items = arena_calloc(l->keep, count, sizeof(*out->items));
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        struct slice text;
        if (read_transient_string(l, elem, &text) != 0)
            return -1;
        if (text.len == 0)
            return fail(l, "must not be empty");
        if (item(l, text, &out->items[n]) != 0)
            return -1;
        path_pop(l, saved);
    }
    out->count = count;
    return 0;
}

int read_name_mask(struct loader *l, int value, name_lookup *lookup, const char *choices,
                   uint32_t *mask)
{
    uint32_t bits = 0;
    if (check_array(l, value, false) != 0)
        return -1;
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        struct slice name;
        if (read_transient_string(l, elem, &name) != 0)
            return -1;
        uint32_t name_bits = lookup(name);
        if (name_bits == 0)
            return fail(l, "must be one of %s", choices);
        bits |= name_bits;
        path_pop(l, saved);
    }
    *mask = bits;
    return 0;
}

/* ---- numbers ------------------------------------------------------------------ */

bool is_number(const struct loader *l, int value)
{
    if (!json_is(l->doc, value, JSMN_PRIMITIVE))
        return false;
    char first = l->doc->text[l->doc->tokens[value].start];
    return first == '-' || (first >= '0' && first <= '9');
}

/* A number within [field->min, field->max] into a double. */
int read_bounded_double(struct loader *l, int value, const struct field *field,
                               void *out)
{
    double number;
    if (!is_number(l, value))
        return fail(l, "expected a number");
    if (json_get_double(l->doc, value, &number) != 0 || number < (double)field->min ||
        number > (double)field->max)
        return fail(l, "must be within [%lld, %lld]", (long long)field->min,
                    (long long)field->max);
    *(double *)out = number;
    return 0;
}

static bool has_fraction_or_exponent(struct slice raw)
{
    for (size_t i = 0; i < raw.len; i++)
        if (raw.ptr[i] == '.' || raw.ptr[i] == 'e' || raw.ptr[i] == 'E')
            return true;
    return false;
}

/* An integer (no fraction, no exponent) within [field->min, field->max]. */
int read_bounded_integer(struct loader *l, int value, const struct field *field,
                                int64_t *out)
{
    if (!is_number(l, value) || has_fraction_or_exponent(json_raw(l->doc, value)))
        return fail(l, "expected an integer");
    if (json_get_int64(l->doc, value, out) != 0 || *out < field->min || *out > field->max)
        return fail(l, "must be within [%lld, %lld]", (long long)field->min,
                    (long long)field->max);
    return 0;
}

int read_uint32(struct loader *l, int value, const struct field *field, void *out)
{
    int64_t number;
    if (read_bounded_integer(l, value, field, &number) != 0)
        return -1;
    *(uint32_t *)out = (uint32_t)number;
    return 0;
}

int read_int32(struct loader *l, int value, const struct field *field, void *out)
{
    int64_t number;
    if (read_bounded_integer(l, value, field, &number) != 0)
        return -1;
    *(int32_t *)out = (int32_t)number;
    return 0;
}

/* ---- money ------------------------------------------------------------------- */

enum money_status { MONEY_OK, MONEY_NOT_POSITIVE, MONEY_TOO_PRECISE, MONEY_TOO_LARGE };

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

/* A JSON number's text split into its parts: -int_digits.frac_digits e exponent. */
struct decimal_text {
    bool negative;
    const char *int_digits, *frac_digits;
    long int_len, frac_len;
    long exponent; /* clamped to ±100000: far beyond any amount, so the checks still hold */
};

static const char *skip_digits(const char *s, const char *end)
{
    while (s < end && is_digit(*s))
        s++;
    return s;
}

/* Splits number text that json_parse() has already checked against the JSON grammar. */
static struct decimal_text split_decimal(struct slice text)
{
    const char *s = text.ptr, *end = text.ptr + text.len;
    struct decimal_text d = {.negative = s < end && *s == '-'};
    d.int_digits = s += d.negative;
    s = skip_digits(s, end);
    d.int_len = s - d.int_digits;
    d.frac_digits = s;
    if (s < end && *s == '.') {
        d.frac_digits = ++s;
        s = skip_digits(s, end);
        d.frac_len = s - d.frac_digits;
    }
    if (s < end && (*s == 'e' || *s == 'E')) {
        s++;
        bool negative_exponent = s < end && *s == '-';
        if (s < end && (*s == '-' || *s == '+'))
            s++;
        for (; s < end && is_digit(*s); s++)
            if (d.exponent < 100000)
                d.exponent = d.exponent * 10 + (*s - '0');
        d.exponent = negative_exponent ? -d.exponent : d.exponent;
    }
    return d;
}

/* Converts JSON number text to an exact amount in micros: "2.50" → 2500000,
 * "1e-6" → 1, "1e3" → 1000000000. No binary floating point is involved (2.01 * 1e6 is
 * 2009999.9999999998 in a double), so what the user wrote is what is bid. */
static enum money_status parse_micros(struct slice text, int64_t *out)
{
    struct decimal_text d = split_decimal(text);
    /* The digits d[0..n) times 10^shift are the amount in micros. */
    long n = d.int_len + d.frac_len, shift = d.exponent - d.frac_len + 6;
    long kept = shift < 0 ? n + shift : n; /* digits from `kept` on are below a micro */
    uint64_t micros = 0;
    bool zero = true, too_precise = false, too_large = false;
    for (long k = 0; k < n; k++) {
        int digit = (k < d.int_len ? d.int_digits[k] : d.frac_digits[k - d.int_len]) - '0';
        zero = zero && digit == 0;
        if (k >= kept) {
            too_precise = too_precise || digit != 0;
        } else if (!too_large) { /* micros <= 10^12 here, so this cannot overflow */
            micros = micros * 10 + (uint64_t)digit;
            too_large = micros > MAX_BID_CPM_MICROS;
        }
    }
    for (long k = 0; k < shift && micros != 0 && !too_large; k++) {
        micros *= 10;
        too_large = micros > MAX_BID_CPM_MICROS;
    }
    if (d.negative || zero)
        return MONEY_NOT_POSITIVE;
    if (too_precise)
        return MONEY_TOO_PRECISE;
    if (too_large)
        return MONEY_TOO_LARGE;
    *out = (int64_t)micros;
    return MONEY_OK;
}

/* A CPM amount into int64_t micros: > 0, at most 6 decimals, at most 1,000,000. */
int read_money(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    if (!is_number(l, value))
        return fail(l, "expected a number");
    switch (parse_micros(json_raw(l->doc, value), out)) {
    case MONEY_OK:
        return 0;
    case MONEY_NOT_POSITIVE:
        return fail(l, "must be greater than 0");
    case MONEY_TOO_PRECISE:
        return fail(l, "must have at most 6 decimals");
    case MONEY_TOO_LARGE:
        break;
    }
    return fail(l, "must be at most %d", MAX_BID_CPM_UNITS);
}


