/* Reader of a campaign's "audience" (audience.h): groups of all/any/none items, each
 * item one condition or a nested group. Every error names the exact place, e.g.
 * "campaigns[2].audience.all[1].age.min: must be within [13, 120]". */
#include "campaign_audience.h"

#include "geobid/audience.h"
#include "geobid/campaign.h"
#include "geobid/profile.h"

#include <string.h>

/* Bounds of the format (docs/campaigns.md). */
enum {
    max_group_depth = 8,      /* groups nested in groups, the audience itself included */
    min_age = 13,             /* no targeting of children by age */
    max_age = 120,
    max_within_days = 3650,
    max_min_count = 1000000,
};

/* An item being read: the fields of one JSON object, checked for consistency after. */
struct item_draft {
    struct audience_item item;
    struct audience_group group;
    int depth;                /* of the group this object would be */
    int conditions;           /* condition fields given (segment, gender...) */
    bool grouped;             /* all, any or none given */
    bool window_given;        /* within_days or min_count given */
};

static int read_item_list(struct loader *l, int value, int depth, struct audience_list *out);

/* Records that the object holds a condition of kind. */
static struct audience_item *condition(void *out, enum audience_kind kind)
{
    struct item_draft *draft = out;
    draft->conditions++;
    draft->item.kind = kind;
    return &draft->item;
}

/* ---- groups ----------------------------------------------------------------- */

static int read_group_list(struct loader *l, int value, void *out, struct audience_list *list)
{
    struct item_draft *draft = out;
    draft->grouped = true;
    if (draft->depth > max_group_depth)
        return fail(l, "groups nested deeper than %d levels", max_group_depth);
    return read_item_list(l, value, draft->depth, list);
}

static int read_all(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_group_list(l, value, out, &((struct item_draft *)out)->group.all);
}

static int read_any(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_group_list(l, value, out, &((struct item_draft *)out)->group.any);
}

static int read_none(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_group_list(l, value, out, &((struct item_draft *)out)->group.none);
}

/* ---- conditions --------------------------------------------------------------- */

/* A non-empty string, stored as written (copy) or lower-cased. */
static int read_text(struct loader *l, int value, item_reader *store, struct slice *out)
{
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    if (text.len == 0)
        return fail(l, "must not be empty");
    return store(l, text, out);
}

static int read_segment(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct audience_item *item = condition(out, AUDIENCE_SEGMENT);
    struct slice name;
    if (read_transient_string(l, value, &name) != 0)
        return -1;
    if (!profile_segment_name_valid(name))
        return fail(l, "must be a segment name: 1 to %d letters, digits, '-', '_', '.' or ':'",
                    PROFILE_SEGMENT_MAX_BYTES);
    item->text = keep_copy(l, name);
    return 0;
}

static int read_within_days(struct loader *l, int value, const struct field *field, void *out)
{
    struct item_draft *draft = out;
    draft->window_given = true;
    return read_uint32(l, value, field, &draft->item.within_days);
}

static int read_min_count(struct loader *l, int value, const struct field *field, void *out)
{
    struct item_draft *draft = out;
    draft->window_given = true;
    return read_uint32(l, value, field, &draft->item.min_count);
}

static int read_required_text(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, copy_item, out);
}

static const struct field data_segment_fields[] = {
    {"provider", offsetof(struct audience_item, text), read_required_text, true, 0, 0},
    {"id", offsetof(struct audience_item, id), read_required_text, true, 0, 0},
};

static int read_data_segment(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct audience_item *item = condition(out, AUDIENCE_DATA_SEGMENT);
    return read_object(l, value, data_segment_fields, FIELD_COUNT(data_segment_fields), item);
}

static int read_gender(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct audience_item *item = condition(out, AUDIENCE_GENDER);
    struct slice text;
    if (read_transient_string(l, value, &text) != 0)
        return -1;
    char letter = text.len == 1 ? (char)(text.ptr[0] & ~0x20) : '\0'; /* upper case */
    if (letter != 'F' && letter != 'M' && letter != 'O')
        return fail(l, "must be \"F\", \"M\" or \"O\"");
    item->gender = letter;
    return 0;
}

static const struct field age_fields[] = {
    {"min", offsetof(struct audience_item, age_min), read_int32, false, min_age, max_age},
    {"max", offsetof(struct audience_item, age_max), read_int32, false, min_age, max_age},
};

/* {"min": 25, "max": 35}: at least one bound; the other defaults to the format's. */
static int read_age(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct audience_item *item = condition(out, AUDIENCE_AGE);
    item->age_min = item->age_max = -1;
    if (read_object(l, value, age_fields, FIELD_COUNT(age_fields), item) != 0)
        return -1;
    if (item->age_min < 0 && item->age_max < 0)
        return fail(l, "must have min or max");
    item->age_min = item->age_min < 0 ? min_age : item->age_min;
    item->age_max = item->age_max < 0 ? max_age : item->age_max;
    return item->age_min > item->age_max ? fail(l, "min must not be greater than max") : 0;
}

/* A keyword is matched against comma-separated lists, so it cannot hold a comma. */
static int keyword_item(struct loader *l, struct slice text, struct slice *out)
{
    if (memchr(text.ptr, ',', text.len) != NULL)
        return fail(l, "must be one keyword (no comma)");
    return lower_case_item(l, text, out);
}

static int read_keyword(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, keyword_item, &condition(out, AUDIENCE_KEYWORD)->text);
}

static int read_category(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, copy_item, &condition(out, AUDIENCE_CATEGORY)->text);
}

static int read_domain(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, lower_case_item, &condition(out, AUDIENCE_DOMAIN)->text);
}

static int read_app_bundle(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, copy_item, &condition(out, AUDIENCE_APP_BUNDLE)->text);
}

static int read_os(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    return read_text(l, value, lower_case_item, &condition(out, AUDIENCE_OS)->text);
}

static int read_device_type(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct audience_item *item = condition(out, AUDIENCE_DEVICE_TYPE);
    struct slice name;
    if (read_transient_string(l, value, &name) != 0)
        return -1;
    item->device_types = device_type_bits(name);
    if (item->device_types == 0)
        return fail(l, "must be one of " DEVICE_TYPE_NAMES);
    item->text = keep_lower_case(l, name);
    return 0;
}

/* ---- items -------------------------------------------------------------------- */

/* Offsets are 0: every reader gets the whole struct item_draft. */
static const struct field item_fields[] = {
    {"all", 0, read_all, false, 0, 0},
    {"any", 0, read_any, false, 0, 0},
    {"none", 0, read_none, false, 0, 0},
    {"segment", 0, read_segment, false, 0, 0},
    {"within_days", 0, read_within_days, false, 1, max_within_days},
    {"min_count", 0, read_min_count, false, 1, max_min_count},
    {"data_segment", 0, read_data_segment, false, 0, 0},
    {"gender", 0, read_gender, false, 0, 0},
    {"age", 0, read_age, false, 0, 0},
    {"keyword", 0, read_keyword, false, 0, 0},
    {"category", 0, read_category, false, 0, 0},
    {"domain", 0, read_domain, false, 0, 0},
    {"app_bundle", 0, read_app_bundle, false, 0, 0},
    {"device_type", 0, read_device_type, false, 0, 0},
    {"os", 0, read_os, false, 0, 0},
};

enum { group_field_count = 3 }; /* the audience itself has only all, any and none */

/* Checks that the object held one condition (with a window only on a segment) or one
 * group, and stores it into out. */
static int finish_item(struct loader *l, struct item_draft *draft, struct audience_item *out)
{
    if (draft->conditions + draft->grouped == 0)
        return fail(l, "must hold a condition (segment, data_segment, gender, age, keyword, "
                       "category, domain, app_bundle, device_type, os) or a group (all, any, "
                       "none)");
    if (draft->conditions + draft->grouped > 1)
        return fail(l, "must hold exactly one condition; combine conditions with all, any or "
                       "none");
    if (draft->window_given && draft->item.kind != AUDIENCE_SEGMENT)
        return fail(l, "within_days and min_count only apply to a segment");
    *out = draft->item;
    if (out->kind == AUDIENCE_SEGMENT && out->min_count == 0)
        out->min_count = 1;
    if (draft->grouped) {
        out->kind = AUDIENCE_GROUP;
        out->group = arena_alloc(l->keep, sizeof(*out->group));
        *out->group = draft->group;
    }
    return 0;
}

static int read_item(struct loader *l, int value, int depth, struct audience_item *out)
{
    struct item_draft draft = {.depth = depth + 1};
    if (read_object(l, value, item_fields, FIELD_COUNT(item_fields), &draft) != 0)
        return -1;
    return finish_item(l, &draft, out);
}

/* A possibly empty array of items of a group at depth. */
static int read_item_list(struct loader *l, int value, int depth, struct audience_list *out)
{
    if (check_array(l, value, true) != 0)
        return -1;
    size_t count = (size_t)l->doc->tokens[value].size;
    out->items = arena_calloc(l->keep, count, sizeof(*out->items));
    JSON_FOR_EACH_ELEMENT(l->doc, value, elem, n)
    {
        size_t saved = path_push_index(l, n);
        if (read_item(l, elem, depth, &out->items[n]) != 0)
            return -1;
        path_pop(l, saved);
    }
    out->count = count;
    return 0;
}

int read_audience(struct loader *l, int value, const struct field *field, void *out)
{
    (void)field;
    struct item_draft draft = {.depth = 1};
    if (read_object(l, value, item_fields, group_field_count, &draft) != 0)
        return -1;
    *(struct audience_group *)out = draft.group;
    return 0;
}
