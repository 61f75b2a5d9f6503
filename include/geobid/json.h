/* JSON reading on top of jsmn: one tokenizing pass into an arena-allocated token array,
 * a validation pass (keys are strings, primitives are numbers/true/false/null), then
 * navigation by token index. Strings come back as slices into the input when they hold
 * no escapes, and are unescaped into the arena only when they do. Nothing is copied for
 * values the caller skips.
 *
 * Walking an object:
 *     for (int key = json_first_child(doc, obj), n = 0; n < doc->tokens[obj].size;
 *          n++, key = json_next(doc, key + 1)) { value is key + 1 }
 * or, shorter, with JSON_FOR_EACH_MEMBER / JSON_FOR_EACH_ELEMENT below. */
#ifndef GEOBID_JSON_H
#define GEOBID_JSON_H

/* Parent links make closing a container O(1) instead of a backward scan over every
 * token since it opened (quadratic on hostile input, and 40 % of jsmn's time on a
 * normal bid request). The token layout depends on it, so json.c defines it too. */
#ifndef JSMN_H
#define JSMN_HEADER
#define JSMN_PARENT_LINKS
#include <jsmn.h>
#undef JSMN_HEADER
#endif

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stdint.h>

struct json_doc {
    const char *text;
    jsmntok_t *tokens;
    int token_count;
};

/* Tokenizes and validates text[0..len) as exactly one JSON value (surrounding white
 * space allowed). Tokens live in arena. Returns 0, or -1 with a message in err
 * ("malformed JSON at byte 123"). */
int json_parse(struct json_doc *doc, const char *text, size_t len, struct arena *arena,
               struct error *err);

/* Returns the index of the token after the whole value starting at token index. */
int json_next(const struct json_doc *doc, int index);

/* Iterates the members of object token OBJ: KEY is the key token, KEY + 1 its value. */
#define JSON_FOR_EACH_MEMBER(doc, obj, key, n)                                            \
    for (int n = 0, key = (obj) + 1; n < (doc)->tokens[obj].size;                        \
         n++, key = json_next((doc), key + 1))

/* Iterates the elements of array token ARR: ELEM is each element's token index. */
#define JSON_FOR_EACH_ELEMENT(doc, arr, elem, n)                                          \
    for (int n = 0, elem = (arr) + 1; n < (doc)->tokens[arr].size;                       \
         n++, elem = json_next((doc), elem))

/* True when token index is of the given type (JSMN_OBJECT, JSMN_ARRAY, JSMN_STRING). */
bool json_is(const struct json_doc *doc, int index, jsmntype_t type);

/* True when token index is the literal null. */
bool json_is_null(const struct json_doc *doc, int index);

/* True when the string token index (an object key) equals name exactly. Keys with
 * escapes are compared raw, which is what every OpenRTB field name needs. */
bool json_key_is(const struct json_doc *doc, int index, const char *name);

/* Returns the raw bytes of token index (for strings: without quotes, still escaped). */
struct slice json_raw(const struct json_doc *doc, int index);

/* Reads a string token into out: a slice of the input when it has no escapes, else an
 * unescaped UTF-8 copy in arena. Returns 0, or -1 when the token is not a string or an
 * escape is invalid. */
int json_get_string(const struct json_doc *doc, int index, struct arena *arena,
                    struct slice *out);

/* Reads an integral number (no fraction, no exponent, fits in int64). 0 or -1. */
int json_get_int64(const struct json_doc *doc, int index, int64_t *out);

/* Reads any JSON number as a double (finite). 0 or -1. */
int json_get_double(const struct json_doc *doc, int index, double *out);

/* Reads a boolean: true/false, or the integers 0/1 that OpenRTB uses for flags. 0 or -1. */
int json_get_bool(const struct json_doc *doc, int index, bool *out);

/* Reads an array of strings into out (items in arena). 0, or -1 if any element is not a
 * string or the token is not an array. */
int json_get_string_list(const struct json_doc *doc, int index, struct arena *arena,
                         struct slice_list *out);

#endif
