/* Terms (term.h): hashing, and a request's terms indexed by hash. */
#include "geobid/term.h"

#include <string.h>

static bool folds_case(enum term_kind kind)
{
    return kind >= TERM_GENDER;
}

static char lower(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* FNV-1a over bytes, folded to lower case when fold is set. */
static uint64_t hash_bytes(uint64_t hash, struct slice bytes, bool fold)
{
    for (size_t i = 0; i < bytes.len; i++)
        hash = (hash ^ (unsigned char)(fold ? lower(bytes.ptr[i]) : bytes.ptr[i])) *
               1099511628211u;
    return hash;
}

uint64_t term_hash(enum term_kind kind, struct slice text, struct slice id)
{
    uint64_t hash = (14695981039346656037u ^ (unsigned)kind) * 1099511628211u;
    hash = hash_bytes(hash, text, folds_case(kind));
    hash = hash_bytes((hash ^ 0x1F) * 1099511628211u, id, false);
    return hash != 0 ? hash : 1;
}

bool term_kind_of_item(enum audience_kind item_kind, enum term_kind *kind)
{
    static const struct {
        bool compares_text;
        enum term_kind kind;
    } kinds[] = {
        [AUDIENCE_SEGMENT] = {true, TERM_SEGMENT},   [AUDIENCE_DATA_SEGMENT] = {true, TERM_DATA_SEGMENT},
        [AUDIENCE_KEYWORD] = {true, TERM_KEYWORD},   [AUDIENCE_CATEGORY] = {true, TERM_CATEGORY},
        [AUDIENCE_DOMAIN] = {true, TERM_DOMAIN},     [AUDIENCE_APP_BUNDLE] = {true, TERM_APP_BUNDLE},
        [AUDIENCE_OS] = {true, TERM_OS},
    };
    if ((size_t)item_kind >= sizeof(kinds) / sizeof(kinds[0]) || !kinds[item_kind].compares_text)
        return false;
    *kind = kinds[item_kind].kind;
    return true;
}

/* ---- a request's terms ------------------------------------------------------------- */

void request_terms_init(struct request_terms *terms, struct arena *arena)
{
    *terms = (struct request_terms){.arena = arena};
}

void request_terms_grow(struct request_terms *terms)
{
    size_t capacity = terms->capacity ? terms->capacity * 2 : 32;
    struct request_term *grown = arena_alloc(terms->arena, capacity * sizeof(*grown));
    if (terms->count > 0)
        memcpy(grown, terms->terms, terms->count * sizeof(*grown));
    terms->terms = grown;
    terms->capacity = capacity;
}

/* Indexes the terms by hash, at most half full. */
static void build_slots(struct request_terms *terms)
{
    size_t capacity = 16;
    while (capacity < 2 * terms->count)
        capacity *= 2;
    terms->slots = arena_calloc(terms->arena, capacity, sizeof(*terms->slots));
    terms->slot_mask = capacity - 1;
    for (size_t i = 0; i < terms->count; i++) {
        size_t slot = (size_t)terms->terms[i].hash & terms->slot_mask;
        while (terms->slots[slot] != 0)
            slot = (slot + 1) & terms->slot_mask;
        terms->slots[slot] = (uint32_t)i + 1;
    }
}

static bool same_text(enum term_kind kind, struct slice a, struct slice b)
{
    return folds_case(kind) ? slice_eq_nocase(a, b) : slice_eq(a, b);
}

const struct request_term *request_terms_find(struct request_terms *terms, uint64_t hash,
                                              enum term_kind kind, struct slice text,
                                              struct slice id)
{
    if (terms->count == 0)
        return NULL;
    if (terms->slot_mask == 0)
        build_slots(terms);
    for (size_t slot = (size_t)hash & terms->slot_mask; terms->slots[slot] != 0;
         slot = (slot + 1) & terms->slot_mask) {
        const struct request_term *term = &terms->terms[terms->slots[slot] - 1];
        if (term->hash == hash && term->kind == kind && same_text(kind, term->text, text) &&
            slice_eq(term->id, id))
            return term;
    }
    return NULL;
}
