/* Terms: the texts a request carries and campaigns ask for (a segment, a keyword, a
 * city...), each of a kind, hashed the same way by the targeting index (targeting.h),
 * which files campaigns under them, and by the exact checks (exact_checks.h), which
 * look a campaign's texts up among the request's.
 *
 * A request's terms are gathered once per request into a request_terms table: its
 * first-party segments (with their memberships), exchange segments, keywords,
 * categories with their parents, domain with its parents, app bundle, OS and places.
 * A lookup compares the hash, then the text itself, so the answer is exact. */
#ifndef GEOBID_TERM_H
#define GEOBID_TERM_H

#include "geobid/arena.h"
#include "geobid/audience.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct segment_membership;

/* What a term is. Kinds from TERM_GENDER on compare ignoring ASCII case. */
enum term_kind {
    TERM_SEGMENT,
    TERM_DATA_SEGMENT, /* text: the provider (user.data name or id); id: the segment id */
    TERM_CELL,         /* a place: a cell of the targeting index's fence grid */
    TERM_GENDER,
    TERM_KEYWORD,
    TERM_CATEGORY,
    TERM_DOMAIN,
    TERM_APP_BUNDLE,
    TERM_DEVICE_TYPE,
    TERM_OS,
    TERM_COUNTRY, /* places: the geo criteria other than fences */
    TERM_REGION,
    TERM_CITY,
    TERM_POSTAL_CODE,
};

/* Returns the hash of a term (id is empty but for data segments); never 0. */
uint64_t term_hash(enum term_kind kind, struct slice text, struct slice id);

/* Returns the hash of a term in a place ("keyword organic in the city of Lyon") from the
 * hashes of both. */
static inline uint64_t term_compound_hash(uint64_t term_hash, uint64_t place_hash)
{
    return term_hash ^ (place_hash * 0x9E3779B97F4A7C15u + (term_hash << 6) + (term_hash >> 2));
}

/* Sets *kind to the kind of term an audience item compares the request against; false
 * for items that compare no text (gender, age, device type, groups). */
bool term_kind_of_item(enum audience_kind item_kind, enum term_kind *kind);

/* One term of a request. */
struct request_term {
    uint64_t hash;
    enum term_kind kind;
    struct slice text, id;
    const struct segment_membership *membership; /* segments: the person's membership */
};

/* The terms of one request, in its arena: appended while the request is read, indexed
 * by hash on the first lookup. */
struct request_terms {
    struct request_term *terms;
    size_t count, capacity;
    uint32_t *slots;   /* open addressing by hash: index + 1 into terms, 0 empty */
    size_t slot_mask;  /* 0 until the first lookup builds the slots */
    struct arena *arena;
};

/* Starts an empty table allocating from arena. */
void request_terms_init(struct request_terms *terms, struct arena *arena);

/* Makes room for more terms (request_terms_add()). */
void request_terms_grow(struct request_terms *terms);

/* Adds a term (copied; its texts must outlive the table). */
static inline void request_terms_add(struct request_terms *terms, const struct request_term *term)
{
    if (terms->count == terms->capacity)
        request_terms_grow(terms);
    terms->terms[terms->count++] = *term;
    terms->slot_mask = 0; /* the slots, if built, no longer cover every term */
}

/* Returns the request's term of this kind, text and id (compared as the kind says), or
 * NULL; hash is term_hash() of the three. */
const struct request_term *request_terms_find(struct request_terms *terms, uint64_t hash,
                                              enum term_kind kind, struct slice text,
                                              struct slice id);

#endif
