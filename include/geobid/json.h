/* JSON reading: one pass over the text checks it is exactly one strictly valid JSON
 * value and records its tokens in document order in an arena-allocated array, then
 * callers navigate by token index. Strings come back as slices into the input when they
 * hold no escapes, and are unescaped into the arena only when they do. Nothing is copied
 * for values the caller skips, and skipping a value of any size is one array read.
 *
 * The token model is jsmn's, whose type names (jsmntype_t) it keeps: an object's token
 * is followed by its members, each a key (a string token of size 1) and then the
 * value's tokens; an array's token is followed by its elements' tokens.
 *
 * Walking an object:
 *     for (int key = obj + 1, n = 0; n < doc->tokens[obj].size;
 *          n++, key = json_next(doc, key + 1)) { value is key + 1 }
 * or, shorter, with JSON_FOR_EACH_MEMBER / JSON_FOR_EACH_ELEMENT below. */
#ifndef GEOBID_JSON_H
#define GEOBID_JSON_H

#ifndef JSMN_H
#define JSMN_HEADER
#include <jsmn.h> /* for jsmntype_t only: json.c has its own tokenizer */
#undef JSMN_HEADER
#endif

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stdint.h>

/* One value, or one object key. Offsets are byte offsets into the text; for strings
 * they exclude the quotes. */
struct json_token {
    int start, end;
    int size;     /* members of an object, elements of an array, 1 for a key, else 0 */
    int next;     /* index of the first token after this value (after a key: its value) */
    uint8_t type; /* a jsmntype_t */
    bool escaped; /* a string that holds a backslash escape */
};

struct json_doc {
    const char *text;
    struct json_token *tokens;
    int token_count;
};

/* Checks that text[0..len) is exactly one JSON value (surrounding white space allowed),
 * by RFC 8259's grammar: keys are strings, numbers and literals are well formed, no raw
 * control characters in strings, escapes are valid (a \u surrogate pair is checked only
 * when the string is read), nesting at most 64 deep. Tokens live in arena. Returns 0,
 * or -1 with a message in err ("truncated JSON", "malformed JSON at byte 123"). */
int json_parse(struct json_doc *doc, const char *text, size_t len, struct arena *arena,
               struct error *err);

/* Returns the index of the token after the whole value starting at token index. */
static inline int json_next(const struct json_doc *doc, int index)
{
    return index < doc->token_count ? doc->tokens[index].next : index;
}

/* Iterates the members of object token OBJ: KEY is the key token, KEY + 1 its value. */
#define JSON_FOR_EACH_MEMBER(doc, obj, key, n)                                            \
    for (int n = 0, key = (obj) + 1; n < (doc)->tokens[obj].size;                        \
         n++, key = json_next((doc), key + 1))

/* Iterates the elements of array token ARR: ELEM is each element's token index. */
#define JSON_FOR_EACH_ELEMENT(doc, arr, elem, n)                                          \
    for (int n = 0, elem = (arr) + 1; n < (doc)->tokens[arr].size;                       \
         n++, elem = json_next((doc), elem))

/* True when token index is of the given type (JSMN_OBJECT, JSMN_ARRAY, JSMN_STRING). */
static inline bool json_is(const struct json_doc *doc, int index, jsmntype_t type)
{
    return index < doc->token_count && doc->tokens[index].type == type;
}

/* True when token index is the literal null. */
static inline bool json_is_null(const struct json_doc *doc, int index)
{
    /* json_parse admits no other primitive starting with 'n' */
    return json_is(doc, index, JSMN_PRIMITIVE) && doc->text[doc->tokens[index].start] == 'n';
}

/* True when the string token index (an object key) equals name exactly. Keys with
 * escapes are compared raw, which is what every OpenRTB field name needs. */
bool json_key_is(const struct json_doc *doc, int index, const char *name);

/* Returns the raw bytes of token index (for strings: without quotes, still escaped). */
static inline struct slice json_raw(const struct json_doc *doc, int index)
{
    const struct json_token *token = &doc->tokens[index];
    return (struct slice){doc->text + token->start, (size_t)(token->end - token->start)};
}

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
