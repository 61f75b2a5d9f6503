/* The campaign loader's primitives, shared by the readers of each part of a campaign
 * (src/campaign.c and the campaign_*.c files beside it). Nothing outside the campaign
 * loader includes this header.
 *
 * A reader is a field_reader: it checks the JSON value at a token index and stores it
 * into its destination, or calls fail(), which names the exact place of the error
 * ("campaigns[3].geo.radius[0].lat: must be within [-90, 90]") and returns -1.
 * Strings a campaign keeps are copied into l->keep; everything else (tokens,
 * unescaped text, lookup tables) goes in l->scratch, freed after loading. */
#ifndef GEOBID_CAMPAIGN_LOADER_H
#define GEOBID_CAMPAIGN_LOADER_H

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/json.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum { path_key_max_len = 48 }; /* longer keys are shortened in error messages */

/* Money bounds of the format (docs/campaigns.md). */
#define MICROS_PER_UNIT 1000000
#define MAX_BID_CPM_UNITS 1000000
#define MAX_BID_CPM_MICROS ((uint64_t)MAX_BID_CPM_UNITS * MICROS_PER_UNIT)

struct loader {
    const struct json_doc *doc;
    struct arena *keep;    /* the set's arena: everything the set holds */
    struct arena *scratch; /* tokens, unescaped strings, id tables; freed after loading */
    struct error *err;
    char path[160];        /* where we are, e.g. "campaigns[3].geo.radius[0]" */
    size_t path_len;
};

struct field;

/* Reads the JSON value at token index value into out (the target object + offset). */
typedef int field_reader(struct loader *l, int value, const struct field *field, void *out);

struct field {
    const char *name;
    size_t offset;     /* of the destination inside the object being filled */
    field_reader *read;
    bool required;
    int64_t min, max;  /* bounds, for numeric readers */
};

#define FIELD_COUNT(fields) (sizeof(fields) / sizeof((fields)[0]))

/* ---- the place being read ---------------------------------------------------- */

/* Appends ".key" (or "key" at the top) to the path; returns the length to restore. */
size_t path_push_key(struct loader *l, struct slice key);

/* Appends "[index]" to the path; returns the length to restore. */
size_t path_push_index(struct loader *l, int index);

/* Restores the path to a length path_push_*() returned. */
void path_pop(struct loader *l, size_t saved);

/* Sets the error to "<path>: <problem>" (just the problem at the top) and returns -1. */
int fail(struct loader *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- objects and arrays ------------------------------------------------------- */

/* Fills target from the JSON object at token index object following the table: every
 * key must be a field of the table, at most once; required fields must be present. */
int read_object(struct loader *l, int object, const struct field *fields, size_t field_count,
                void *target);

/* Checks that the token at value is an array, non-empty unless may_be_empty. */
int check_array(struct loader *l, int value, bool may_be_empty);

/* ---- strings and string lists -------------------------------------------------- */

/* Reads a string token without copying it: the slice may point into the input. */
int read_transient_string(struct loader *l, int value, struct slice *out);

/* Returns a copy of text in the set's arena. */
struct slice keep_copy(struct loader *l, struct slice text);

/* Returns a lower-case copy of text in the set's arena. */
struct slice keep_lower_case(struct loader *l, struct slice text);

/* Field reader: optional free text (a name, a URL, markup): any string, copied. */
int read_string(struct loader *l, int value, const struct field *field, void *out);

/* Field reader: an id or markup: a non-empty string, copied. */
int read_nonempty_string(struct loader *l, int value, const struct field *field, void *out);

/* Checks and stores one non-empty list item into out (in the set's arena). */
typedef int item_reader(struct loader *l, struct slice text, struct slice *out);

/* Item readers: the item as written, or lower-cased. */
int copy_item(struct loader *l, struct slice text, struct slice *out);
int lower_case_item(struct loader *l, struct slice text, struct slice *out);

/* Reads an array of non-empty strings, each checked and stored by item. */
int read_list(struct loader *l, int value, bool may_be_empty, item_reader *item,
              struct slice_list *out);

/* Returns the bits a name stands for (a set of days, of device types...), or 0 when it
 * is not a name it knows. */
typedef uint32_t name_lookup(struct slice name);

/* Reads a non-empty array of names into *mask: the OR of the bits lookup gives each.
 * An unknown name fails with "must be one of <choices>"; *mask is set only on success. */
int read_name_mask(struct loader *l, int value, name_lookup *lookup, const char *choices,
                   uint32_t *mask);

/* ---- numbers and money ------------------------------------------------------------ */

/* True when the token at value is a JSON number. */
bool is_number(const struct loader *l, int value);

/* Field reader: a number within [field->min, field->max] into a double. */
int read_bounded_double(struct loader *l, int value, const struct field *field, void *out);

/* An integer (no fraction, no exponent) within [field->min, field->max]. */
int read_bounded_integer(struct loader *l, int value, const struct field *field, int64_t *out);

/* Field readers: read_bounded_integer() into a uint32_t or an int32_t. */
int read_uint32(struct loader *l, int value, const struct field *field, void *out);
int read_int32(struct loader *l, int value, const struct field *field, void *out);

/* Field reader: an amount into int64_t micros: > 0, at most 6 decimals, at most
 * 1,000,000 units. What the user wrote is what is stored (no binary floating point). */
int read_money(struct loader *l, int value, const struct field *field, void *out);

/* ---- names shared by several parts of a campaign ------------------------------------ */

#define DEVICE_TYPE_NAMES "mobile, phone, tablet, desktop, ctv, connected_device, set_top_box"

/* Returns the DEVICE_TYPE_BIT_* mask of a device type name of DEVICE_TYPE_NAMES (any
 * case), or 0 when unknown (src/campaign.c). */
uint32_t device_type_bits(struct slice name);

#endif
