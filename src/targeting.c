/* The targeting index (targeting.h): each campaign filed under its cheapest necessary
 * clause, posting lists per term, and a union of the request's lists at query time. */
#include "geobid/targeting.h"

#include "geobid/alloc.h"
#include "geobid/audience.h"
#include "geobid/bidder.h"
#include "geobid/great_circle.h"
#include "geobid/profile.h"
#include "geobid/term.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- terms ------------------------------------------------------------------- */

/* A term, or a compound term: an audience term in a place ("keyword organic in the
 * city of Lyon", "segment shop12-visitors in grid cell 4711"), so that a campaign whose
 * audience term is common across the world but rare in its place is filed under the
 * pair, and reaches only the requests that carry the term and are in the place. */
struct term {
    enum term_kind kind;
    struct slice text;
    struct slice id;              /* data segments: the segment id (text is the provider) */
    enum term_kind place_kind;    /* compound terms only */
    struct slice place;           /* compound terms: the place's text; else empty */
};

/* The expected share of requests carrying a term of each kind: a clause's cost is the
 * sum over its terms (at most 1, every request), and a campaign is filed under its
 * cheapest clause. Rough figures; they only rank clauses. */
static const double term_cost[] = {
    [TERM_SEGMENT] = 0.005, [TERM_DATA_SEGMENT] = 0.02, [TERM_CELL] = 0.01, [TERM_GENDER] = 0.4,
    [TERM_KEYWORD] = 0.02,  [TERM_CATEGORY] = 0.05,     [TERM_DOMAIN] = 0.01,
    [TERM_APP_BUNDLE] = 0.01, [TERM_DEVICE_TYPE] = 0.4, [TERM_OS] = 0.4,
    [TERM_COUNTRY] = 0.1,   [TERM_REGION] = 0.03,       [TERM_CITY] = 0.01,
    [TERM_POSTAL_CODE] = 0.002,
};
/* A compound clause is indexed only up to this many terms (audience × place terms). */
enum { max_compound_terms = 64 };
static const double fence_cost = 0.01, country_cost = 0.1, everywhere_cost = 1.0;

/* Device types as term texts: OpenRTB devicetype 4 (phone) is "4". */
static const char *const type_digits[32] = {
    "0",  "1",  "2",  "3",  "4",  "5",  "6",  "7",  "8",  "9",  "10",
    "11", "12", "13", "14", "15", "16", "17", "18", "19", "20", "21",
    "22", "23", "24", "25", "26", "27", "28", "29", "30", "31"};

static uint64_t clause_term_hash(const struct term *term)
{
    uint64_t hash = term_hash(term->kind, term->text, term->id);
    if (term->place.len == 0)
        return hash;
    return term_compound_hash(hash, term_hash(term->place_kind, term->place, (struct slice){0}));
}

/* ---- the index ----------------------------------------------------------------- */

/* A term's posting list, found by the term's hash alone: the slots hold no text, so
 * four fit in a cache line and a probe costs one read. Terms whose hashes collide
 * (at a million terms, about one chance in 10^7 that any pair does) share one list,
 * which only adds candidates that the exact check drops. */
struct term_slot {
    uint64_t hash;         /* 0: empty (a term hashing to 0 is taken as 1) */
    uint32_t first, count; /* posting list: ids[first .. first + count); while building,
                              first is the term's number (slots move as the table grows) */
};

struct targeting {
    const struct campaign_set *set;
    const struct tz_database *zones;
    bool *by_audience;          /* per campaign position */
    int32_t *indexed_rule;      /* per campaign position */
    struct term_slot *slots;
    size_t mask, term_count;
    uint64_t *filter;           /* two bits per term hash (filter_bits()): most terms of a
                                   request have no list, and the filter, far smaller than
                                   the slots, says so without reading them */
    size_t filter_mask;         /* filter bits - 1 */
    uint32_t place_kinds;       /* bit k: compound terms with places of kind k exist */
    uint32_t cell_max_uncertainty_m; /* the largest location uncertainty a fence of a
                                        campaign filed under cells accepts: a coarser
                                        location is in none of its fences */
    uint32_t *ids;
};

static uint64_t slot_hash(uint64_t hash)
{
    return hash != 0 ? hash : 1;
}

/* The slot of hash (a slot_hash()), or the empty slot where it would go. */
static struct term_slot *find_slot(const struct targeting *targeting, uint64_t hash)
{
    size_t slot = (size_t)hash & targeting->mask;
    while (targeting->slots[slot].hash != 0 && targeting->slots[slot].hash != hash)
        slot = (slot + 1) & targeting->mask;
    return &targeting->slots[slot];
}

/* A Bloom filter over the terms' hashes, 16 bits per term and two bits each: about 1.4 %
 * of absent terms pass. */
static void filter_bits(const struct targeting *targeting, uint64_t hash, size_t bits[2])
{
    bits[0] = (size_t)hash & targeting->filter_mask;
    bits[1] = (size_t)(hash >> 32) & targeting->filter_mask;
}

static bool filter_may_hold(const struct targeting *targeting, uint64_t hash)
{
    size_t bits[2];
    filter_bits(targeting, hash, bits);
    return (targeting->filter[bits[0] / 64] >> (bits[0] % 64) & 1) &&
           (targeting->filter[bits[1] / 64] >> (bits[1] % 64) & 1);
}

static void build_filter(struct targeting *targeting)
{
    size_t bits = 64;
    while (bits < 16 * targeting->term_count)
        bits *= 2;
    targeting->filter = xcalloc(bits / 64, sizeof(uint64_t));
    targeting->filter_mask = bits - 1;
    for (size_t i = 0; i <= targeting->mask; i++) {
        size_t set[2];
        if (targeting->slots[i].hash == 0)
            continue;
        filter_bits(targeting, targeting->slots[i].hash, set);
        targeting->filter[set[0] / 64] |= UINT64_C(1) << (set[0] % 64);
        targeting->filter[set[1] / 64] |= UINT64_C(1) << (set[1] % 64);
    }
}

/* ---- clauses: what every match of a rule must satisfy ---------------------------- */

struct clause {
    struct term *terms;
    size_t count;
    double cost;
    int rule; /* the top-level rule it comes from, or -1 */
};

/* A growable clause in the build's scratch arena. */
static void clause_add(struct clause *clause, struct arena *scratch, struct term term)
{
    if ((clause->count & (clause->count - 1)) == 0) { /* 0, 1, 2, 4...: full */
        struct term *grown = arena_alloc(scratch, (clause->count ? clause->count * 2 : 1) *
                                                      sizeof(*grown));
        if (clause->count > 0)
            memcpy(grown, clause->terms, clause->count * sizeof(*grown));
        clause->terms = grown;
    }
    clause->terms[clause->count++] = term;
    clause->cost += term_cost[term.kind];
    clause->cost = clause->cost > 1.0 ? 1.0 : clause->cost;
}

static void clause_append(struct clause *to, const struct clause *from, struct arena *scratch)
{
    for (size_t i = 0; i < from->count; i++)
        clause_add(to, scratch, from->terms[i]);
}

static bool group_clause(const struct audience_group *group, struct arena *scratch,
                         struct clause *out);

/* The device type names a mask of OpenRTB types: one term per type, "4" for phones. */
static void device_type_terms(uint32_t types, struct arena *scratch, struct clause *clause)
{
    for (int type = 0; type < 32; type++)
        if ((types >> type & 1) != 0)
            clause_add(clause, scratch, (struct term){.kind = TERM_DEVICE_TYPE,
                                                      .text = slice_from_cstr(type_digits[type])});
}

/* A clause every request the item holds for satisfies; false when there is none
 * (an age item, or a group holding only `none` items). */
static bool item_clause(const struct audience_item *item, struct arena *scratch,
                        struct clause *out)
{
    enum term_kind kind;
    *out = (struct clause){.rule = -1};
    switch (item->kind) {
    case AUDIENCE_AGE:
        return false;
    case AUDIENCE_GROUP:
        return group_clause(item->group, scratch, out);
    case AUDIENCE_GENDER:
        clause_add(out, scratch, (struct term){.kind = TERM_GENDER, .text = {&item->gender, 1}});
        return true;
    case AUDIENCE_DEVICE_TYPE:
        device_type_terms(item->device_types, scratch, out);
        return true;
    default:
        if (!term_kind_of_item(item->kind, &kind))
            return false;
        clause_add(out, scratch, (struct term){.kind = kind, .text = item->text, .id = item->id});
        return true;
    }
}

/* The union of the clauses of every item of list: false when one item has none. */
static bool any_clause(const struct audience_list *list, struct arena *scratch,
                       struct clause *out)
{
    *out = (struct clause){.rule = -1};
    for (size_t i = 0; i < list->count; i++) {
        struct clause each;
        if (!item_clause(&list->items[i], scratch, &each))
            return false;
        clause_append(out, &each, scratch);
    }
    return list->count > 0;
}

/* The cheapest clause of the group's conjunctive form: one of an `all` item's, or the
 * union over the `any` items. `none` items only narrow, so they are left out. */
static bool group_clause(const struct audience_group *group, struct arena *scratch,
                         struct clause *out)
{
    bool found = false;
    struct clause each;
    for (size_t i = 0; i < group->all.count; i++) {
        if (item_clause(&group->all.items[i], scratch, &each) && (!found || each.cost < out->cost)) {
            *out = each;
            out->rule = (int)i;
            found = true;
        }
    }
    if (any_clause(&group->any, scratch, &each) && (!found || each.cost < out->cost)) {
        *out = each;
        out->rule = group->any.count == 1 ? (int)group->all.count : -1;
        found = true;
    }
    return found;
}

/* The cheapest place criterion of geo (countries, regions, cities or postal codes: every
 * one given must hold) as a clause; false when there is none. */
static bool place_clause(const struct campaign_geo *geo, struct arena *scratch,
                         struct clause *out)
{
    const struct {
        enum term_kind kind;
        const struct slice_list *list;
    } places[] = {{TERM_COUNTRY, &geo->countries},
                  {TERM_REGION, &geo->regions},
                  {TERM_CITY, &geo->cities},
                  {TERM_POSTAL_CODE, &geo->postal_codes}};
    bool found = false;
    for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
        struct clause each = {.rule = -1};
        for (size_t i = 0; i < places[p].list->count; i++)
            clause_add(&each, scratch, (struct term){.kind = places[p].kind,
                                                         .text = places[p].list->items[i]});
        if (each.count > 0 && (!found || each.cost < out->cost)) {
            *out = each;
            found = true;
        }
    }
    return found;
}

/* ---- the fence grid ---------------------------------------------------------------- */

/* A fenced campaign's place, for compound terms, is the set of cells of a fixed
 * latitude/longitude grid that its fences' bounding boxes touch; a request's place is
 * the cell of its point. A cell is only a necessary condition: the exact check of the
 * fences comes later (the bidder's). A fence near a pole or the ±180° meridian, or
 * spread over too many cells, gives the campaign no cell clause. */
static const double cell_deg = 0.05; /* 5.6 km of latitude, 3.7 km of longitude at 48° */
static const double polar_limit_deg = 85;
enum { grid_columns = 7200 }; /* 360 / cell_deg */

/* The cell's row and column of a point with lat in [-90, 90], lon in [-180, 180]. */
static uint64_t cell_key(double lat, double lon)
{
    uint64_t row = (uint64_t)floor((lat + 90) / cell_deg);
    return row * (grid_columns + 1) + (uint64_t)floor((lon + 180) / cell_deg);
}

/* Sets *key to the cell of a point; false when the point is no place (a non-finite
 * coordinate or a latitude beyond ±90°), which no fence contains. Longitudes are taken
 * modulo 360°, as the distance formula does. */
static bool point_cell(double lat, double lon, uint64_t *key)
{
    if (!(lat >= -90.0 && lat <= 90.0) || !isfinite(lon))
        return false;
    *key = cell_key(lat, remainder(lon, 360.0));
    return true;
}

static void clause_add_cell(struct clause *clause, struct arena *scratch, uint64_t key)
{
    for (size_t i = 0; i < clause->count; i++)
        if (memcmp(clause->terms[i].text.ptr, &key, sizeof(key)) == 0)
            return;
    char *text = arena_alloc(scratch, sizeof(key));
    memcpy(text, &key, sizeof(key));
    clause_add(clause, scratch, (struct term){.kind = TERM_CELL, .text = {text, sizeof(key)}});
}

/* Adds the cells of the fence's bounding box to clause. Every point within radius_m of
 * the centre (by great_circle_m(), up to its rounding) is in the box: its latitude is
 * within r/R radians, and the haversine's cos φ0 cos φ sin²(Δλ/2) <= sin²(r/2R) bounds its
 * longitude. False when the box nears a pole or the ±180° meridian, or makes the clause
 * longer than max_compound_terms. */
static bool add_fence_cells(const struct geo_radius *fence, struct arena *scratch,
                            struct clause *clause)
{
    static const double slack = 1 + 1e-6, slack_deg = 1e-7;
    double angle = fence->radius_m / GREAT_CIRCLE_EARTH_RADIUS_M;
    double dlat = angle / GREAT_CIRCLE_RAD_PER_DEG * slack + slack_deg;
    double lat_max = fabs(fence->lat) + dlat;
    if (lat_max >= polar_limit_deg)
        return false;
    double dlon = 2 * asin(fmin(1, sin(angle / 2) / cos(lat_max * GREAT_CIRCLE_RAD_PER_DEG))) /
                      GREAT_CIRCLE_RAD_PER_DEG * slack + slack_deg;
    if (fence->lon - dlon <= -180 || fence->lon + dlon >= 180)
        return false;
    uint64_t low = cell_key(fence->lat - dlat, fence->lon - dlon);
    uint64_t high = cell_key(fence->lat + dlat, fence->lon + dlon);
    uint64_t columns = high % (grid_columns + 1) - low % (grid_columns + 1) + 1;
    uint64_t rows = high / (grid_columns + 1) - low / (grid_columns + 1) + 1;
    if (rows * columns > max_compound_terms)
        return false;
    for (uint64_t row = 0; row < rows; row++)
        for (uint64_t column = 0; column < columns; column++)
            clause_add_cell(clause, scratch, low + row * (grid_columns + 1) + column);
    return clause->count <= max_compound_terms;
}

/* The cells of every fence of geo as a clause; false when geo has no fences or one
 * gives no cells. */
static bool fence_clause(const struct campaign_geo *geo, struct arena *scratch,
                         struct clause *out)
{
    *out = (struct clause){.rule = -1};
    for (size_t r = 0; r < geo->radius_count; r++)
        if (!add_fence_cells(&geo->radius[r], scratch, out))
            return false;
    return geo->radius_count > 0;
}

/* Every audience term of audience in every place of places: the audience clause in
 * the place clause, whose cost is the product of theirs. */
static struct clause compound_clause(const struct clause *audience, const struct clause *places,
                                     struct arena *scratch)
{
    struct clause compound = {.rule = audience->rule};
    for (size_t a = 0; a < audience->count; a++) {
        for (size_t p = 0; p < places->count; p++) {
            struct term term = audience->terms[a];
            term.place_kind = places->terms[p].kind;
            term.place = places->terms[p].text;
            clause_add(&compound, scratch, term);
        }
    }
    compound.cost = audience->cost * places->cost;
    return compound;
}

/* The audience clause compounded with the cells of the campaign's fences, else with
 * its place clause, when the compound has at most max_compound_terms terms. */
static bool compound_index_clause(const struct campaign *campaign,
                                  const struct clause *audience, struct arena *scratch,
                                  struct clause *out)
{
    struct clause places;
    if ((fence_clause(&campaign->geo, scratch, &places) &&
         audience->count * places.count <= max_compound_terms) ||
        (place_clause(&campaign->geo, scratch, &places) &&
         audience->count * places.count <= max_compound_terms)) {
        *out = compound_clause(audience, &places, scratch);
        return true;
    }
    return false;
}

/* The cheapest clause of the campaign the index can hold: its audience clause, its
 * place clause, or the audience in its places (fence cells or other places). False
 * when it has neither. */
static bool index_clause(const struct campaign *campaign, struct arena *scratch,
                         struct clause *out)
{
    struct clause audience, places;
    bool has_audience = group_clause(&campaign->audience, scratch, &audience);
    if (has_audience && compound_index_clause(campaign, &audience, scratch, out))
        return true;
    bool has_places = place_clause(&campaign->geo, scratch, &places);
    if (has_audience && (!has_places || audience.cost <= places.cost))
        *out = audience;
    else if (has_places)
        *out = places;
    return has_audience || has_places;
}

static double geo_cost(const struct campaign_geo *geo)
{
    double cost = geo->radius_count > 0       ? fence_cost * (double)geo->radius_count
                  : geo->countries.count > 0 ? country_cost * (double)geo->countries.count
                                             : everywhere_cost;
    return cost > everywhere_cost ? everywhere_cost : cost;
}

/* ---- building ---------------------------------------------------------------------- */

/* A (term, campaign) pair collected while building; the term by its number, as slots
 * move when the table grows. */
struct posting {
    uint32_t term, campaign;
};

struct builder {
    struct targeting *targeting;
    struct arena scratch;
    struct posting *postings;
    size_t posting_count, posting_capacity;
};

static void grow_table(struct targeting *targeting)
{
    size_t old_capacity = targeting->slots ? targeting->mask + 1 : 0;
    struct term_slot *old = targeting->slots;
    size_t capacity = old_capacity ? old_capacity * 2 : 1024;
    targeting->slots = xcalloc(capacity, sizeof(*targeting->slots));
    targeting->mask = capacity - 1;
    for (size_t i = 0; i < old_capacity; i++)
        if (old[i].hash != 0)
            *find_slot(targeting, old[i].hash) = old[i];
    free(old);
}

/* Returns the number of term, adding it if new. */
static uint32_t intern(struct builder *builder, const struct term *term)
{
    struct targeting *targeting = builder->targeting;
    uint64_t hash = slot_hash(clause_term_hash(term));
    struct term_slot *slot = find_slot(targeting, hash);
    if (slot->hash == 0) {
        if (2 * (targeting->term_count + 1) > targeting->mask + 1) {
            grow_table(targeting);
            slot = find_slot(targeting, hash);
        }
        *slot = (struct term_slot){.hash = hash, .first = (uint32_t)targeting->term_count};
        targeting->term_count++;
    }
    return slot->first;
}

static void add_posting(struct builder *builder, uint32_t term, uint32_t campaign)
{
    if (builder->posting_count == builder->posting_capacity) {
        builder->posting_capacity = builder->posting_capacity ? builder->posting_capacity * 2 : 1024;
        builder->postings =
            xrealloc(builder->postings, builder->posting_capacity * sizeof(*builder->postings));
    }
    builder->postings[builder->posting_count++] = (struct posting){term, campaign};
}

/* Files the campaign at position under its audience clause when that is cheaper than
 * its geo clause. Term texts stay those of the campaign set (which outlives us). */
static void file_campaign(struct builder *builder, uint32_t position)
{
    const struct campaign *campaign = &builder->targeting->set->campaigns[position];
    struct clause clause;
    builder->targeting->indexed_rule[position] = -1;
    if (!campaign->active || !index_clause(campaign, &builder->scratch, &clause) ||
        clause.cost >= geo_cost(&campaign->geo))
        return;
    builder->targeting->by_audience[position] = true;
    builder->targeting->indexed_rule[position] = clause.rule;
    for (size_t t = 0; t < clause.count; t++) {
        if (clause.terms[t].place.len > 0)
            builder->targeting->place_kinds |= 1u << clause.terms[t].place_kind;
        add_posting(builder, intern(builder, &clause.terms[t]), position);
    }
    /* the terms of a compound clause all share one kind of place */
    uint32_t accepted = campaign_geo_max_uncertainty_m(&campaign->geo);
    if (clause.count > 0 && clause.terms[0].place.len > 0 &&
        clause.terms[0].place_kind == TERM_CELL &&
        accepted > builder->targeting->cell_max_uncertainty_m)
        builder->targeting->cell_max_uncertainty_m = accepted;
}

/* Lays the postings out as one list per term (counting sort by term); campaigns come
 * in ascending order, so each list is sorted, and repeats are adjacent. */
static void lay_out_postings(struct builder *builder)
{
    struct targeting *targeting = builder->targeting;
    struct term_slot **slot_of = xcalloc(targeting->term_count + 1, sizeof(*slot_of));
    for (size_t i = 0; i <= targeting->mask; i++)
        if (targeting->slots[i].hash != 0)
            slot_of[targeting->slots[i].first] = &targeting->slots[i];
    targeting->ids = xcalloc(builder->posting_count + 1, sizeof(uint32_t));
    for (size_t i = 0; i < builder->posting_count; i++)
        slot_of[builder->postings[i].term]->count++;
    uint32_t next = 0;
    for (size_t i = 0; i <= targeting->mask; i++) {
        targeting->slots[i].first = next;
        next += targeting->slots[i].count;
        targeting->slots[i].count = 0;
    }
    for (size_t i = 0; i < builder->posting_count; i++) {
        struct term_slot *slot = slot_of[builder->postings[i].term];
        uint32_t *list = targeting->ids + slot->first;
        if (slot->count == 0 || list[slot->count - 1] != builder->postings[i].campaign)
            list[slot->count++] = builder->postings[i].campaign;
    }
    free(slot_of);
}

struct targeting *targeting_build(const struct campaign_set *set,
                                  const struct tz_database *zones)
{
    struct targeting *targeting = xcalloc(1, sizeof(*targeting));
    targeting->set = set;
    targeting->zones = zones;
    targeting->by_audience = xcalloc(set->count + 1, sizeof(bool));
    targeting->indexed_rule = xcalloc(set->count + 1, sizeof(int32_t));
    grow_table(targeting);
    struct builder builder = {.targeting = targeting};
    arena_init(&builder.scratch, 64 * 1024);
    for (size_t i = 0; i < set->count; i++)
        file_campaign(&builder, (uint32_t)i);
    lay_out_postings(&builder);
    build_filter(targeting);
    arena_free(&builder.scratch);
    free(builder.postings);
    return targeting;
}

void targeting_free(struct targeting *targeting)
{
    if (targeting == NULL)
        return;
    free(targeting->by_audience);
    free(targeting->indexed_rule);
    free(targeting->slots);
    free(targeting->filter);
    free(targeting->ids);
    free(targeting);
}

bool targeting_by_audience(const struct targeting *targeting, uint32_t campaign)
{
    return targeting->by_audience[campaign];
}

size_t targeting_term_count(const struct targeting *targeting)
{
    return targeting->term_count;
}

int targeting_indexed_rule(const struct targeting *targeting, uint32_t position)
{
    return targeting->indexed_rule[position];
}

/* ---- querying ------------------------------------------------------------------------ */

/* The hashes of a request's terms, then the posting lists they name, gathered in the
 * request arena. */
struct gathered {
    const struct targeting *targeting;
    struct request_terms *terms;  /* the request's terms without places, for exact checks */
    uint64_t place_hashes[5];     /* the request's places compound terms are kept for */
    size_t place_count;
    uint64_t *hashes;
    size_t hash_count, hash_capacity;
    struct campaign_ids *lists;
    size_t count;
    struct arena *arena;
};

static void gather_hash(struct gathered *gathered, uint64_t hash)
{
    if (gathered->hash_count == gathered->hash_capacity) {
        size_t capacity = gathered->hash_capacity ? gathered->hash_capacity * 2 : 64;
        uint64_t *grown = arena_alloc(gathered->arena, capacity * sizeof(*grown));
        if (gathered->hash_count > 0)
            memcpy(grown, gathered->hashes, gathered->hash_count * sizeof(*grown));
        gathered->hashes = grown;
        gathered->hash_capacity = capacity;
    }
    gathered->hashes[gathered->hash_count++] = slot_hash(hash);
}

/* Gathers a term, and the term in each of the request's places; membership is the
 * person's membership of a segment term, else NULL. */
static void gather_term(struct gathered *gathered, enum term_kind kind, struct slice text,
                        struct slice id, const struct segment_membership *membership)
{
    if (text.len == 0)
        return;
    uint64_t hash = term_hash(kind, text, id);
    request_terms_add(gathered->terms, &(struct request_term){hash, kind, text, id, membership});
    gather_hash(gathered, hash);
    for (size_t p = 0; p < gathered->place_count; p++)
        gather_hash(gathered, term_compound_hash(hash, gathered->place_hashes[p]));
}

static void gather(struct gathered *gathered, enum term_kind kind, struct slice text,
                   struct slice id)
{
    gather_term(gathered, kind, text, id, NULL);
}

/* Looks the gathered hashes up: the filter, then the slots of those it lets through,
 * then the lists. At 100,000 campaigns each step reads memory that is rarely cached,
 * so each prefetches all it will read before reading any (the misses overlap instead
 * of queueing one after another). */
static void look_up(struct gathered *gathered)
{
    const struct targeting *targeting = gathered->targeting;
    for (size_t i = 0; i < gathered->hash_count; i++) {
        size_t bits[2];
        filter_bits(targeting, gathered->hashes[i], bits);
        __builtin_prefetch(&targeting->filter[bits[0] / 64]);
        __builtin_prefetch(&targeting->filter[bits[1] / 64]);
    }
    size_t passed = 0;
    for (size_t i = 0; i < gathered->hash_count; i++) {
        uint64_t hash = gathered->hashes[i];
        if (filter_may_hold(targeting, hash)) {
            __builtin_prefetch(&targeting->slots[hash & targeting->mask]);
            gathered->hashes[passed++] = hash;
        }
    }
    gathered->lists = arena_alloc(gathered->arena, (passed + 1) * sizeof(*gathered->lists));
    for (size_t i = 0; i < passed; i++) {
        const struct term_slot *slot = find_slot(targeting, gathered->hashes[i]);
        if (slot->hash == 0 || slot->count == 0)
            continue;
        __builtin_prefetch(targeting->ids + slot->first);
        gathered->lists[gathered->count++] =
            (struct campaign_ids){targeting->ids + slot->first, slot->count};
    }
}

/* The location's places: gathered alone (campaigns filed under a place), and kept for
 * compound terms when the index has some of their kind. */
static void gather_places(struct gathered *gathered, const struct location *location)
{
    uint64_t cell;
    bool has_cell = location->has_point &&
                    location->uncertainty_m <= gathered->targeting->cell_max_uncertainty_m &&
                    (gathered->targeting->place_kinds >> TERM_CELL & 1) &&
                    point_cell(location->lat, location->lon, &cell);
    const struct {
        enum term_kind kind;
        struct slice text;
    } places[] = {
        {TERM_COUNTRY, slice_from_cstr(location->country)},
        {TERM_REGION, location->region},
        {TERM_CITY, location->city},
        {TERM_POSTAL_CODE, location->postal_code},
        {TERM_CELL, {(const char *)&cell, has_cell ? sizeof(cell) : 0}},
    };
    for (size_t p = 0; p < sizeof(places) / sizeof(places[0]); p++) {
        if (places[p].text.len == 0)
            continue;
        uint64_t hash = term_hash(places[p].kind, places[p].text, (struct slice){0});
        if (places[p].kind != TERM_CELL) { /* cells are only filed compounded */
            gather_hash(gathered, hash);
            request_terms_add(gathered->terms, &(struct request_term){.hash = hash,
                                                                      .kind = places[p].kind,
                                                                      .text = places[p].text});
        }
        if ((gathered->targeting->place_kinds >> places[p].kind & 1) != 0)
            gathered->place_hashes[gathered->place_count++] = hash;
    }
}

static void gather_keywords(struct gathered *gathered, struct slice list)
{
    struct slice keyword;
    while (audience_next_keyword(&list, &keyword))
        gather(gathered, TERM_KEYWORD, keyword, (struct slice){0});
}

/* A category and each parent: "IAB18-3" names "IAB18-3" and "IAB18". */
static void gather_categories(struct gathered *gathered, const struct slice_list *categories)
{
    for (size_t i = 0; i < categories->count; i++) {
        struct slice category = categories->items[i];
        gather(gathered, TERM_CATEGORY, category, (struct slice){0});
        for (size_t len = category.len; len-- > 0;)
            if (category.ptr[len] == '-')
                gather(gathered, TERM_CATEGORY, (struct slice){category.ptr, len},
                       (struct slice){0});
    }
}

/* A domain and each parent: "a.b.example" names itself, "b.example" and "example". */
static void gather_domains(struct gathered *gathered, struct slice domain)
{
    gather(gathered, TERM_DOMAIN, domain, (struct slice){0});
    for (size_t i = 0; i < domain.len; i++)
        if (domain.ptr[i] == '.')
            gather(gathered, TERM_DOMAIN,
                   (struct slice){domain.ptr + i + 1, domain.len - i - 1}, (struct slice){0});
}

static void gather_personal(struct gathered *gathered, const struct bid_context *context)
{
    const struct user *user = &context->request->user;
    for (size_t i = 0; i < context->profile.count; i++)
        gather_term(gathered, TERM_SEGMENT, context->profile.memberships[i].segment,
                    (struct slice){0}, &context->profile.memberships[i]);
    for (size_t d = 0; d < user->data_count; d++) {
        const struct user_data *data = &user->data[d];
        for (size_t s = 0; s < data->segment_count; s++) {
            gather(gathered, TERM_DATA_SEGMENT, data->name, data->segments[s].id);
            if (!slice_eq(data->id, data->name))
                gather(gathered, TERM_DATA_SEGMENT, data->id, data->segments[s].id);
        }
    }
    if (user->gender.len == 1)
        gather(gathered, TERM_GENDER, user->gender, (struct slice){0});
    gather_keywords(gathered, user->keywords);
}

static void gather_context(struct gathered *gathered, const struct bid_request *request)
{
    const struct inventory *inventory = &request->inventory;
    gather_keywords(gathered, inventory->keywords);
    gather_categories(gathered, &inventory->cat);
    gather_categories(gathered, &inventory->content_cat);
    gather_domains(gathered, inventory->domain);
    gather(gathered, TERM_APP_BUNDLE, inventory->bundle, (struct slice){0});
    int32_t type = request->device.devicetype;
    if (type >= 0 && type < 32)
        gather(gathered, TERM_DEVICE_TYPE, slice_from_cstr(type_digits[type]), (struct slice){0});
    gather(gathered, TERM_OS, request->device.os, (struct slice){0});
}

/* Unions the gathered lists pairwise, round after round: O(total × log lists). */
static struct campaign_ids union_lists(struct gathered *gathered)
{
    if (gathered->count == 0)
        return (struct campaign_ids){NULL, 0};
    while (gathered->count > 1) {
        size_t kept = 0;
        for (size_t i = 0; i < gathered->count; i += 2) {
            struct campaign_ids *a = &gathered->lists[i];
            if (i + 1 == gathered->count) {
                gathered->lists[kept++] = *a;
                break;
            }
            struct campaign_ids *b = &gathered->lists[i + 1];
            uint32_t *ids = arena_alloc(gathered->arena, (a->count + b->count) * sizeof(uint32_t));
            gathered->lists[kept++] =
                (struct campaign_ids){ids, campaign_ids_merge(a, b, ids)};
        }
        gathered->count = kept;
    }
    return gathered->lists[0];
}

struct campaign_ids targeting_candidates(const struct targeting *targeting,
                                         const struct bid_context *context,
                                         struct request_terms *terms, struct arena *arena)
{
    struct gathered gathered = {.targeting = targeting, .terms = terms, .arena = arena};
    gather_places(&gathered, &context->location);
    if (context->permissions.personalize)
        gather_personal(&gathered, context);
    gather_context(&gathered, context->request);
    look_up(&gathered);
    return union_lists(&gathered);
}

/* ---- the reference evaluation ----------------------------------------------------------- */

bool targeting_rules_hold(const struct targeting *targeting, const struct campaign *campaign,
                          const struct bid_context *context)
{
    return schedule_matches(&campaign->schedule, &context->location, targeting->zones,
                            context->now_ms) &&
           audience_group_matches(&campaign->audience, context);
}
