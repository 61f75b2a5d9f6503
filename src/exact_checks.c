/* Exact checks (exact_checks.h): each campaign's block, built once, and a candidate's
 * check against it. */
#include "geobid/exact_checks.h"

#include "geobid/alloc.h"
#include "geobid/audience.h"
#include "geobid/bidder.h"
#include "geobid/great_circle.h"
#include "geobid/schedule.h"
#include "geobid/snapshot.h"

#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { block_align = 64, record_align = 8 };

/* The start of a block, on a cache line boundary. Counters follow when the campaign
 * needs SNAPSHOT_CHECK_RULES (counter_rules + one per top-level audience item), then its
 * fences when it needs SNAPSHOT_CHECK_FENCES, then record_count records: its places and
 * OS, then its top-level audience items, in the order of enum record_list. */
struct block_head {
    struct schedule schedule;
    uint32_t device_types; /* DEVICE_TYPE_BIT_*; 0: any */
    uint32_t fence_count;
    uint32_t record_count;
    uint32_t rule_count;   /* top-level audience items */
    uint8_t needs;         /* SNAPSHOT_CHECK_* */
};

enum { counter_checked, counter_matched, counter_schedule_failed, counter_rules };

struct block_fence {
    double lat, lon, cos_lat;
    uint32_t radius_m, max_uncertainty_m;
};

/* The list a record belongs to. A list of places or OS holds when one of its records
 * names a term of the request. */
enum record_list {
    LIST_COUNTRIES, LIST_REGIONS, LIST_CITIES, LIST_POSTAL_CODES, LIST_OS,
    LIST_ALL, LIST_ANY, LIST_NONE, /* the audience */
};

/* A place, an OS or an audience item, followed by its text (then a data segment's id),
 * or for a nested group by the group's address, then padding to record_align. */
struct term_record {
    uint64_t hash;     /* term_hash(); 0 for items without text */
    uint32_t a, b;     /* segment: within_days, min_count; age: min, max; device type: the
                          types; gender: the letter; data segment: b is the id's length */
    uint32_t text_len; /* bytes of the text; for a nested group, of its address */
    uint8_t list;      /* enum record_list */
    uint8_t item_kind; /* audience items: enum audience_kind */
    uint8_t term_kind; /* records with a text: enum term_kind */
};

struct exact_checks {
    const struct tz_database *zones;
    char *blocks;         /* block_align-aligned */
    uint32_t *first_line; /* per campaign position: its block's first line (of block_align
                             bytes); then the end of the last. Four bytes so that the
                             candidates' reads mostly stay in cache at 100,000 campaigns */
};

static size_t align_up(size_t n, size_t align)
{
    return (n + align - 1) & ~(align - 1);
}

/* The length of a data segment's id after its text; 0 for other records. */
static size_t id_len(const struct term_record *record)
{
    return record->term_kind == TERM_DATA_SEGMENT ? record->b : 0;
}

/* ---- building ------------------------------------------------------------------------ */

/* The blocks while they are written: offsets, as growing moves the bytes. */
struct block_writer {
    char *data;
    size_t len, capacity;
};

/* Appends size zero bytes at the next multiple of align; returns their offset. */
static size_t writer_reserve(struct block_writer *writer, size_t size, size_t align)
{
    size_t at = align_up(writer->len, align);
    if (at + size > writer->capacity) {
        size_t capacity = writer->capacity ? writer->capacity : 4096;
        while (capacity < at + size)
            capacity *= 2;
        writer->data = xrealloc(writer->data, capacity);
        memset(writer->data + writer->capacity, 0, capacity - writer->capacity);
        writer->capacity = capacity;
    }
    writer->len = at + size;
    return at;
}

/* Writes a record and its payload, the bytes of first then second. */
static void write_record(struct block_writer *writer, const struct term_record *record,
                         const void *first, size_t first_len, struct slice second)
{
    size_t at = writer_reserve(writer, sizeof(*record) + first_len + second.len, record_align);
    char *out = writer->data + at; /* after the reserve, which may move the data */
    memcpy(out, record, sizeof(*record));
    if (first_len > 0)
        memcpy(out + sizeof(*record), first, first_len);
    if (second.len > 0)
        memcpy(out + sizeof(*record) + first_len, second.ptr, second.len);
}

static void write_terms(struct block_writer *writer, enum record_list list, enum term_kind kind,
                        const struct slice_list *texts)
{
    for (size_t i = 0; i < texts->count; i++) {
        struct slice text = texts->items[i];
        struct term_record record = {.hash = term_hash(kind, text, (struct slice){0}),
                                     .text_len = (uint32_t)text.len, .list = (uint8_t)list,
                                     .term_kind = (uint8_t)kind};
        write_record(writer, &record, text.ptr, text.len, (struct slice){0});
    }
}

static void write_item(struct block_writer *writer, enum record_list list,
                       const struct audience_item *item)
{
    struct term_record record = {.list = (uint8_t)list, .item_kind = (uint8_t)item->kind};
    struct slice text = {0}; /* items without a term kind keep their text for reports only */
    enum term_kind kind;
    if (term_kind_of_item(item->kind, &kind)) {
        text = item->text;
        record.hash = term_hash(kind, item->text, item->id);
        record.text_len = (uint32_t)item->text.len;
        record.term_kind = (uint8_t)kind;
    }
    if (item->kind == AUDIENCE_SEGMENT) {
        record.a = item->within_days;
        record.b = item->min_count;
    } else if (item->kind == AUDIENCE_DATA_SEGMENT) {
        record.b = (uint32_t)item->id.len;
    } else if (item->kind == AUDIENCE_AGE) {
        record.a = (uint32_t)item->age_min;
        record.b = (uint32_t)item->age_max;
    } else if (item->kind == AUDIENCE_DEVICE_TYPE) {
        record.a = item->device_types;
    } else if (item->kind == AUDIENCE_GENDER) {
        record.a = (unsigned char)item->gender;
    } else if (item->kind == AUDIENCE_GROUP) {
        record.text_len = sizeof(item->group);
        write_record(writer, &record, &item->group, sizeof(item->group), (struct slice){0});
        return;
    }
    write_record(writer, &record, text.ptr, text.len, item->id); /* ids: data segments only */
}

static void write_fences(struct block_writer *writer, const struct campaign_geo *geo)
{
    for (size_t r = 0; r < geo->radius_count; r++) {
        const struct geo_radius *radius = &geo->radius[r];
        size_t at = writer_reserve(writer, sizeof(struct block_fence), sizeof(double));
        *(struct block_fence *)(writer->data + at) = (struct block_fence){
            radius->lat, radius->lon, great_circle_cos_lat(radius->lat), radius->radius_m,
            campaign_fence_max_uncertainty_m(geo, radius)};
    }
}

/* Writes the block of a campaign that needs the checks of needs. */
static void write_block(struct block_writer *writer, const struct campaign *campaign,
                        uint8_t needs)
{
    const struct campaign_geo *geo = &campaign->geo;
    const struct {
        enum term_kind kind;
        const struct slice_list *texts;
    } lists[] = {{TERM_COUNTRY, &geo->countries}, {TERM_REGION, &geo->regions},
                 {TERM_CITY, &geo->cities},       {TERM_POSTAL_CODE, &geo->postal_codes},
                 {TERM_OS, &campaign->os}}; /* in the order of enum record_list */
    const struct audience_list *rules[] = {&campaign->audience.all, &campaign->audience.any,
                                           &campaign->audience.none};
    struct block_head head = {
        .schedule = campaign->schedule,
        .device_types = campaign->device_types,
        .fence_count = (needs & SNAPSHOT_CHECK_FENCES) ? (uint32_t)geo->radius_count : 0,
        .needs = needs,
    };
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
        head.record_count += (uint32_t)lists[l].texts->count;
    for (size_t l = 0; l < sizeof(rules) / sizeof(rules[0]); l++)
        head.rule_count += (uint32_t)rules[l]->count;
    head.record_count += head.rule_count;
    size_t at = writer_reserve(writer, sizeof(head), block_align);
    memcpy(writer->data + at, &head, sizeof(head));
    if (needs & SNAPSHOT_CHECK_RULES)
        writer_reserve(writer, (counter_rules + head.rule_count) * sizeof(uint64_t),
                       sizeof(uint64_t));
    if (head.fence_count > 0)
        write_fences(writer, geo);
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++)
        write_terms(writer, LIST_COUNTRIES + l, lists[l].kind, lists[l].texts);
    for (size_t l = 0; l < sizeof(rules) / sizeof(rules[0]); l++)
        for (size_t i = 0; i < rules[l]->count; i++)
            write_item(writer, LIST_ALL + l, &rules[l]->items[i]);
}

/* Moves the written blocks to memory aligned to block_align. */
static char *aligned_copy(const struct block_writer *writer)
{
    size_t size = align_up(writer->len ? writer->len : 1, block_align);
    char *blocks = aligned_alloc(block_align, size);
    if (blocks == NULL)
        out_of_memory(size);
    memset(blocks, 0, size);
    if (writer->len > 0)
        memcpy(blocks, writer->data, writer->len);
    return blocks;
}

/* The line the next block starts on (four bytes reach 256 GiB of blocks: memory runs out
 * long before). */
static uint32_t line_of(const struct block_writer *writer)
{
    return (uint32_t)(align_up(writer->len, block_align) / block_align);
}

struct exact_checks *exact_checks_build(const struct campaign_set *set, const uint8_t *needs,
                                        const struct tz_database *zones)
{
    struct exact_checks *checks = xcalloc(1, sizeof(*checks));
    checks->zones = zones;
    checks->first_line = xcalloc(set->count + 1, sizeof(uint32_t));
    struct block_writer writer = {0};
    for (size_t i = 0; i < set->count; i++) {
        checks->first_line[i] = line_of(&writer);
        if (set->campaigns[i].active && needs[i] != 0)
            write_block(&writer, &set->campaigns[i], needs[i]);
    }
    checks->first_line[set->count] = line_of(&writer);
    checks->blocks = aligned_copy(&writer);
    free(writer.data);
    return checks;
}

void exact_checks_free(struct exact_checks *checks)
{
    if (checks == NULL)
        return;
    free(checks->blocks);
    free(checks->first_line);
    free(checks);
}

void exact_checks_prefetch(const struct exact_checks *checks, uint32_t position)
{
    for (uint32_t line = checks->first_line[position]; line < checks->first_line[position + 1];
         line++)
        __builtin_prefetch(checks->blocks + (size_t)line * block_align);
}

/* ---- reading a block ------------------------------------------------------------------- */

static const struct block_head *block_of(const struct exact_checks *checks, uint32_t position)
{
    return (const struct block_head *)(checks->blocks +
                                       (size_t)checks->first_line[position] * block_align);
}

static _Atomic uint64_t *block_counters(const struct block_head *head)
{
    return (_Atomic uint64_t *)((const char *)head + align_up(sizeof(*head), sizeof(uint64_t)));
}

static const struct block_fence *block_fences(const struct block_head *head)
{
    const char *after = (const char *)block_counters(head);
    if (head->needs & SNAPSHOT_CHECK_RULES)
        after += (counter_rules + head->rule_count) * sizeof(uint64_t);
    return (const struct block_fence *)after;
}

/* The records of a block still to be read. */
struct record_cursor {
    const struct term_record *record;
    uint32_t left;
};

static struct record_cursor first_record(const struct block_head *head)
{
    return (struct record_cursor){
        (const struct term_record *)(block_fences(head) + head->fence_count), head->record_count};
}

static void advance(struct record_cursor *cursor)
{
    const struct term_record *record = cursor->record;
    cursor->record = (const struct term_record *)((const char *)record +
                                                  align_up(sizeof(*record) + record->text_len +
                                                               id_len(record),
                                                           record_align));
    cursor->left--;
}

/* The request's term the record names, or NULL. */
static const struct request_term *find_term(const struct term_record *record,
                                            struct request_terms *terms)
{
    const char *text = (const char *)(record + 1);
    return request_terms_find(terms, record->hash, (enum term_kind)record->term_kind,
                              (struct slice){text, record->text_len},
                              (struct slice){text + record->text_len, id_len(record)});
}

/* ---- the checks ---------------------------------------------------------------------------- */

void exact_check_request_init(struct exact_check_request *request,
                              const struct bid_context *context, struct request_terms *terms)
{
    const struct user *user = &context->request->user;
    *request = (struct exact_check_request){.context = context, .terms = terms, .cos_lat = NAN};
    request->knows_age = context->permissions.personalize && user->yob >= 0;
    if (request->knows_age)
        request->age = audience_age_in_year(user->yob, context->now_ms / 1000);
}

/* Reads the place and OS records: true when each of their lists holds a term of the
 * request. Leaves the cursor on the first audience record. */
static bool places_and_os_pass(struct record_cursor *cursor, struct request_terms *terms)
{
    while (cursor->left > 0 && cursor->record->list < LIST_ALL) {
        uint8_t list = cursor->record->list;
        bool found = false;
        for (; cursor->left > 0 && cursor->record->list == list; advance(cursor))
            found = found || find_term(cursor->record, terms) != NULL;
        if (!found)
            return false;
    }
    return true;
}

/* True when a fence contains the location with a good enough accuracy, as
 * fences_contain() in the bidder says. */
static bool fences_pass(const struct block_head *head, struct exact_check_request *request)
{
    const struct location *location = &request->context->location;
    if (!location->has_point)
        return false;
    if (isnan(request->cos_lat))
        request->cos_lat = great_circle_cos_lat(location->lat);
    const struct block_fence *fences = block_fences(head);
    for (uint32_t f = 0; f < head->fence_count; f++)
        if (location->uncertainty_m <= fences[f].max_uncertainty_m &&
            great_circle_cos_m(location->lat, location->lon, request->cos_lat, fences[f].lat,
                               fences[f].lon, fences[f].cos_lat) <= fences[f].radius_m)
            return true;
    return false;
}

/* One audience item, as audience_item_matches() evaluates it. */
static bool item_holds(const struct term_record *record, struct exact_check_request *request)
{
    const struct bid_context *context = request->context;
    bool personalize = context->permissions.personalize;
    const struct audience_group *group;
    const struct request_term *term;
    switch ((enum audience_kind)record->item_kind) {
    case AUDIENCE_SEGMENT:
        term = personalize ? find_term(record, request->terms) : NULL;
        return term != NULL && audience_membership_fits(term->membership, record->a, record->b,
                                                        context->now_ms);
    case AUDIENCE_GENDER:
        return personalize && audience_gender_is((char)record->a, context->request->user.gender);
    case AUDIENCE_AGE:
        return request->knows_age && request->age >= (int32_t)record->a &&
               request->age <= (int32_t)record->b;
    case AUDIENCE_DEVICE_TYPE:
        return audience_device_type_in(record->a, context->request->device.devicetype);
    case AUDIENCE_GROUP:
        memcpy(&group, record + 1, sizeof(group));
        return audience_group_matches(group, context);
    case AUDIENCE_DATA_SEGMENT: /* the request has these terms only when personalising */
    case AUDIENCE_KEYWORD:      /* the user's keywords too: the same */
    default:
        return find_term(record, request->terms) != NULL;
    }
}

static void count(_Atomic uint64_t *counter)
{
    atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
}

/* Evaluates every audience record left (no short cut, so that each rule's counter sees
 * every checked request), counting failures into failed, one counter per record; true
 * when the audience holds. A `none` item fails when it holds. */
static bool audience_counted(struct record_cursor *cursor, struct exact_check_request *request,
                             _Atomic uint64_t *failed)
{
    bool all_hold = true, any_given = false, any_holds = false, none_holds = false;
    for (; cursor->left > 0; advance(cursor), failed++) {
        bool holds = item_holds(cursor->record, request);
        if (cursor->record->list == LIST_ALL)
            all_hold = all_hold && holds;
        else if (cursor->record->list == LIST_ANY)
            any_given = true, any_holds = any_holds || holds;
        else
            none_holds = none_holds || holds;
        if (holds == (cursor->record->list == LIST_NONE))
            count(failed);
    }
    return all_hold && (!any_given || any_holds) && !none_holds;
}

/* The schedule and audience, counted. */
static bool rules_pass(const struct exact_checks *checks, const struct block_head *head,
                       struct record_cursor *cursor, struct exact_check_request *request)
{
    const struct bid_context *context = request->context;
    _Atomic uint64_t *counters = block_counters(head);
    count(&counters[counter_checked]);
    bool holds = schedule_matches(&head->schedule, &context->location, checks->zones,
                                  context->now_ms);
    if (!holds)
        count(&counters[counter_schedule_failed]);
    holds = audience_counted(cursor, request, &counters[counter_rules]) && holds;
    if (holds)
        count(&counters[counter_matched]);
    return holds;
}

bool exact_checks_pass(const struct exact_checks *checks, uint32_t position,
                       struct exact_check_request *request)
{
    const struct block_head *head = block_of(checks, position);
    struct record_cursor cursor = first_record(head);
    return (head->device_types == 0 ||
            audience_device_type_in(head->device_types,
                                    request->context->request->device.devicetype)) &&
           places_and_os_pass(&cursor, request->terms) &&
           ((head->needs & SNAPSHOT_CHECK_FENCES) == 0 || fences_pass(head, request)) &&
           ((head->needs & SNAPSHOT_CHECK_RULES) == 0 || rules_pass(checks, head, &cursor, request));
}

/* ---- counters ------------------------------------------------------------------------------- */

/* The counters of the campaign at position, or NULL when it has none. */
static _Atomic uint64_t *counters_of(const struct exact_checks *checks, uint32_t position)
{
    if (checks->first_line[position] == checks->first_line[position + 1])
        return NULL;
    const struct block_head *head = block_of(checks, position);
    return (head->needs & SNAPSHOT_CHECK_RULES) ? block_counters(head) : NULL;
}

static uint64_t read_counter(const _Atomic uint64_t *counters, size_t index)
{
    return counters ? atomic_load_explicit(&counters[index], memory_order_relaxed) : 0;
}

void exact_checks_counts(const struct exact_checks *checks, uint32_t position,
                         struct exact_check_counts *out)
{
    const _Atomic uint64_t *counters = counters_of(checks, position);
    out->checked = read_counter(counters, counter_checked);
    out->matched = read_counter(counters, counter_matched);
    out->schedule_failed = read_counter(counters, counter_schedule_failed);
}

uint64_t exact_checks_rule_failed(const struct exact_checks *checks, uint32_t position,
                                  size_t rule)
{
    return read_counter(counters_of(checks, position), counter_rules + rule);
}
