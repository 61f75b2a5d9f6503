/* Campaign file loader: JSON text → a validated struct campaign_set.
 *
 * Each object kind (file, campaign, geo, radius entry, device, creative) is a table of
 * fields: name, where the value goes, the reader that checks and stores it, whether it is
 * required, and bounds for numbers. One walker (read_object) applies a table to a JSON
 * object, so unknown, duplicate and missing fields are handled in one place, and every
 * error names the exact place: "campaigns[3].geo.radius[0].lat: must be within [-90, 90]".
 *
 * Memory: JSON tokens, unescaped strings and id tables live in a scratch arena freed
 * after loading; everything the set keeps is copied into set->arena, so the caller may
 * free the text. The format is documented in docs/campaigns.md. */
#include "geobid/campaign.h"

#include "campaign_audience.h"
#include "campaign_delivery.h"
#include "campaign_loader.h"
#include "campaign_schedule.h"

#include "geobid/alloc.h"
#include "geobid/geo.h"
#include "geobid/json.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    set_arena_block_size = 16 * 1024,
    scratch_arena_block_size = 64 * 1024,
};

/* Bounds of the format (docs/campaigns.md). */
#define MAX_RADIUS_M 20000000
#define MAX_CREATIVE_SIDE 10000

/* ---- campaign-specific strings and lists ------------------------------- */

static char upper_case(char c)
{
    return c >= 'a' && c <= 'z' ? (char)(c - 'a' + 'A') : c;
}

static bool is_upper_letter(char c)
{
    return c >= 'A' && c <= 'Z';
}

/* "active" or "paused" into a bool (active). */
static int read_status(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    if (!slice_eq_cstr(text, "active") && !slice_eq_cstr(text, "paused"))
        return fail(l, "must be \"active\" or \"paused\"");
    *(bool *)out = slice_eq_cstr(text, "active");
    return 0;
}

/* Three ASCII letters, any case, stored upper-case in char[4]. */
static int read_currency(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    char code[4] = "";
    for (size_t i = 0; i < text.len && i < 3; i++)
        code[i] = upper_case(text.ptr[i]);
    if (text.len != 3 || !is_upper_letter(code[0]) || !is_upper_letter(code[1]) ||
        !is_upper_letter(code[2]))
        return fail(l, "must be three letters (ISO 4217)");
    memcpy(out, code, sizeof(code));
    return 0;
}

/* Alpha-2 or alpha-3 in any case → upper-case alpha-2 of an assigned country. */
static int country_item(struct loader *l, struct slice text, struct slice *out)
{
    char alpha2[3];
    if (geo_country_alpha2(text, alpha2) != 0 || !geo_country_known(alpha2))
        return fail(l, "must be an ISO 3166-1 alpha-2 or alpha-3 country code");
    *out = keep_copy(l, (struct slice){alpha2, 2});
    return 0;
}

/* A targeting criterion (regions, cities, postal codes): a non-empty list, as written. */
static int read_criterion_list(struct loader *l, int value, const struct field *field,
                               void *out)
{
    (void)field;
    return read_list(l, value, false, copy_item, out);
}

static int read_country_list(struct loader *l, int value, const struct field *field,
                             void *out)
{
    (void)field;
    return read_list(l, value, false, country_item, out);
}

/* OS names: a non-empty list, stored lower-case. */
static int read_os_list(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_list(l, value, false, lower_case_item, out);
}

/* Creative categories: possibly empty, as written. */
static int read_tag_list(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_list(l, value, true, copy_item, out);
}

/* Advertiser domains: possibly empty, stored lower-case (domains ignore case, and
 * exchanges compare badv entries to them). */
static int read_domain_list(struct loader *l, int value, const struct field *field,
                            void *out)
{
    (void)field;
    return read_list(l, value, true, lower_case_item, out);
}

/* ---- unique ids -------------------------------------------------------------- */

/* An open-addressing set of ids, so that checking n ids costs O(n). */
struct id_set {
    struct id_slot {
        struct slice id; /* ptr NULL: free slot */
        int index;
    } *slots;
    size_t mask;
};

static void id_set_init(struct id_set *set, size_t count, struct arena *arena)
{
    size_t capacity = 8;
    while (capacity < 2 * count)
        capacity *= 2;
    set->slots = arena_calloc(arena, capacity, sizeof(*set->slots));
    set->mask = capacity - 1;
}

/* Adds id (held by element index); returns the index of an earlier holder, or -1. */
static int id_set_add(struct id_set *set, struct slice id, int index)
{
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < id.len; i++)
        hash = (hash ^ (unsigned char)id.ptr[i]) * 1099511628211u;
    size_t slot = (size_t)hash & set->mask;
    for (; set->slots[slot].id.ptr != NULL; slot = (slot + 1) & set->mask)
        if (slice_eq(set->slots[slot].id, id))
            return set->slots[slot].index;
    set->slots[slot] = (struct id_slot){id, index};
    return -1;
}

/* Fails with "<path>.id: must be unique (<what>[i] has the same id)" on a repeat. */
static int check_unique_id(struct loader *l, struct id_set *ids, struct slice id, int index,
                           const char *what)
{
    int earlier = id_set_add(ids, id, index);
    if (earlier < 0)
        return 0;
    path_push_key(l, SLICE_LITERAL("id"));
    return fail(l, "must be unique (%s[%d] has the same id)", what, earlier);
}

/* ---- geo ------------------------------------------------------------------------ */

static const struct field radius_fields[] = {
    {"lat", offsetof(struct geo_radius, lat), read_bounded_double, true, -90, 90},
    {"lon", offsetof(struct geo_radius, lon), read_bounded_double, true, -180, 180},
    {"radius_m", offsetof(struct geo_radius, radius_m), read_uint32, true, 1, MAX_RADIUS_M},
};

/* "radius": a non-empty array of fences, into the struct campaign_geo at out. */
static int read_radius_list(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct campaign_geo *geo = out;
    if (check_array(l, value, false) != 0)
        return -1;
    size_t count = (size_t)l->doc->tokens[value].size;
    geo->radius = arena_calloc(l->keep, count, sizeof(*geo->radius));
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        if (read_object(l, elem, radius_fields, FIELD_COUNT(radius_fields), &geo->radius[n]))
            return -1;
        path_pop(l, saved);
    }
    geo->radius_count = count;
    return 0;
}

static const struct field geo_fields[] = {
    {"radius", 0, read_radius_list, false, 0, 0},
    {"countries", offsetof(struct campaign_geo, countries), read_country_list, false, 0, 0},
    {"regions", offsetof(struct campaign_geo, regions), read_criterion_list, false, 0, 0},
    {"cities", offsetof(struct campaign_geo, cities), read_criterion_list, false, 0, 0},
    {"postal_codes", offsetof(struct campaign_geo, postal_codes), read_criterion_list, false,
     0, 0},
    {"max_accuracy_m", offsetof(struct campaign_geo, max_accuracy_m), read_uint32, false, 1,
     MAX_RADIUS_M},
};

static int read_geo(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_object(l, value, geo_fields, FIELD_COUNT(geo_fields), out);
}

/* ---- device --------------------------------------------------------------------- */

static const struct device_type_name {
    const char *name;
    uint32_t bits;
} device_type_names[] = {
    {"mobile", DEVICE_TYPE_BIT_MOBILE_TABLET | DEVICE_TYPE_BIT_PHONE | DEVICE_TYPE_BIT_TABLET},
    {"phone", DEVICE_TYPE_BIT_PHONE},
    {"tablet", DEVICE_TYPE_BIT_TABLET},
    {"desktop", DEVICE_TYPE_BIT_PC},
    {"ctv", DEVICE_TYPE_BIT_CTV | DEVICE_TYPE_BIT_SET_TOP_BOX},
    {"connected_device", DEVICE_TYPE_BIT_CONNECTED_DEVICE},
    {"set_top_box", DEVICE_TYPE_BIT_SET_TOP_BOX},
};

uint32_t device_type_bits(struct slice name)
{
    for (size_t i = 0; i < FIELD_COUNT(device_type_names); i++)
        if (slice_eq_nocase(name, slice_from_cstr(device_type_names[i].name)))
            return device_type_names[i].bits;
    return 0;
}

/* "types": a non-empty array of type names, OR-ed into the uint32_t mask at out. */
static int read_device_types(struct loader *l, int value, const struct field *field,
                             void *out)
{
    (void)field;
    return read_name_mask(l, value, device_type_bits, DEVICE_TYPE_NAMES, out);
}

/* Offsets into struct campaign: the device criteria are campaign members. */
static const struct field device_fields[] = {
    {"types", offsetof(struct campaign, device_types), read_device_types, false, 0, 0},
    {"os", offsetof(struct campaign, os), read_os_list, false, 0, 0},
};

static int read_device(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_object(l, value, device_fields, FIELD_COUNT(device_fields), out);
}

/* ---- creatives ------------------------------------------------------------------ */

static const struct field creative_fields[] = {
    {"id", offsetof(struct creative, id), read_nonempty_string, true, 0, 0},
    {"w", offsetof(struct creative, w), read_int32, true, 1, MAX_CREATIVE_SIDE},
    {"h", offsetof(struct creative, h), read_int32, true, 1, MAX_CREATIVE_SIDE},
    {"adm", offsetof(struct creative, adm), read_nonempty_string, true, 0, 0},
    {"adomain", offsetof(struct creative, adomain), read_domain_list, false, 0, 0},
    {"iurl", offsetof(struct creative, iurl), read_string, false, 0, 0},
    {"cat", offsetof(struct creative, cat), read_tag_list, false, 0, 0},
};

/* "creatives": a non-empty array with ids unique in the campaign at out. */
static int read_creatives(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct campaign *campaign = out;
    if (check_array(l, value, false) != 0)
        return -1;
    size_t count = (size_t)l->doc->tokens[value].size;
    struct id_set ids;
    id_set_init(&ids, count, l->scratch);
    campaign->creatives = arena_calloc(l->keep, count, sizeof(*campaign->creatives));
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        struct creative *creative = &campaign->creatives[n];
        size_t saved = path_push_index(l, n);
        if (read_object(l, elem, creative_fields, FIELD_COUNT(creative_fields), creative) ||
            check_unique_id(l, &ids, creative->id, n, "creatives"))
            return -1;
        path_pop(l, saved);
    }
    campaign->creative_count = count;
    return 0;
}

/* ---- campaigns ------------------------------------------------------------------ */

static const struct field campaign_fields[] = {
    {"id", offsetof(struct campaign, id), read_nonempty_string, true, 0, 0},
    {"name", offsetof(struct campaign, name), read_string, false, 0, 0},
    {"status", offsetof(struct campaign, active), read_status, false, 0, 0},
    {"bid_cpm", offsetof(struct campaign, bid_cpm_micros), read_money, true, 0, 0},
    {"currency", offsetof(struct campaign, currency), read_currency, false, 0, 0},
    {"geo", offsetof(struct campaign, geo), read_geo, false, 0, 0},
    {"device", 0, read_device, false, 0, 0},
    {"audience", offsetof(struct campaign, audience), read_audience, false, 0, 0},
    {"schedule", offsetof(struct campaign, schedule), read_schedule, false, 0, 0},
    {"creatives", 0, read_creatives, true, 0, 0},
    {"budget", offsetof(struct campaign, delivery), read_budget, false, 0, 0},
    {"pacing", offsetof(struct campaign, delivery), read_pacing, false, 0, 0},
    {"frequency_cap", offsetof(struct campaign, delivery), read_frequency_cap, false, 0, 0},
    {"flight", offsetof(struct campaign, delivery), read_flight, false, 0, 0},
    {"timezone", offsetof(struct campaign, delivery), read_timezone, false, 0, 0},
};

/* "campaigns": an array (possibly empty) with unique ids, into the set at out. */
static int read_campaigns(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct campaign_set *set = out;
    if (check_array(l, value, true) != 0)
        return -1;
    size_t count = (size_t)l->doc->tokens[value].size;
    struct id_set ids;
    id_set_init(&ids, count, l->scratch);
    set->campaigns = arena_calloc(l->keep, count, sizeof(*set->campaigns));
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        struct campaign *campaign = &set->campaigns[n];
        campaign->active = true;
        memcpy(campaign->currency, "USD", sizeof(campaign->currency));
        size_t saved = path_push_index(l, n);
        if (read_object(l, elem, campaign_fields, FIELD_COUNT(campaign_fields), campaign) ||
            check_unique_id(l, &ids, campaign->id, n, "campaigns"))
            return -1;
        path_pop(l, saved);
    }
    set->count = count;
    return 0;
}

static const struct field file_fields[] = {
    {"campaigns", 0, read_campaigns, true, 0, 0},
};

/* ---- public API ----------------------------------------------------------------- */

int campaign_set_load(struct campaign_set *set, const char *text, size_t len,
                      struct error *err)
{
    memset(set, 0, sizeof(*set));
    if (len > INT_MAX) /* jsmn token offsets are ints */
        return error_format(err, "campaign file too large (%zu bytes)", len);
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 byte order mark */
        text += 3;
        len -= 3;
    }
    struct arena scratch;
    arena_init(&scratch, scratch_arena_block_size);
    arena_init(&set->arena, set_arena_block_size);
    struct json_doc doc;
    struct loader loader = {.doc = &doc, .keep = &set->arena, .scratch = &scratch, .err = err};
    int rc = json_parse(&doc, text, len, &scratch, err);
    if (rc == 0)
        rc = read_object(&loader, 0, file_fields, FIELD_COUNT(file_fields), set);
    arena_free(&scratch);
    if (rc != 0)
        campaign_set_free(set);
    return rc;
}

/* Reads the whole file at path into a malloc'ed buffer. Returns 0, or -1 with errno set. */
static int read_whole_file(const char *path, char **text, size_t *len)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    size_t capacity = 64 * 1024, used = 0;
    char *buffer = NULL;
    if (fstat(fd, &st) != 0)
        goto fail;
    if (S_ISDIR(st.st_mode)) {
        errno = EISDIR;
        goto fail;
    }
    buffer = xmalloc(capacity);
    for (;;) {
        if (used == capacity)
            buffer = xrealloc(buffer, capacity *= 2);
        ssize_t n = read(fd, buffer + used, capacity - used);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            goto fail;
        if (n == 0)
            break;
        used += (size_t)n;
    }
    close(fd);
    *text = buffer;
    *len = used;
    return 0;
fail:;
    int saved_errno = errno;
    free(buffer);
    close(fd);
    errno = saved_errno;
    return -1;
}

int campaign_set_load_file(struct campaign_set *set, const char *path, struct error *err)
{
    memset(set, 0, sizeof(*set));
    char *text;
    size_t len;
    if (read_whole_file(path, &text, &len) != 0)
        return error_format(err, "%s: %s", path, strerror(errno));
    struct error inner = {""};
    int rc = campaign_set_load(set, text, len, &inner);
    free(text);
    if (rc != 0)
        error_format(err, "%s: %s", path, inner.message);
    return rc;
}

void campaign_set_free(struct campaign_set *set)
{
    arena_free(&set->arena);
    memset(set, 0, sizeof(*set));
}
