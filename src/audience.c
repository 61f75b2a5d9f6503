/* Audience rules (audience.h): the reference evaluation of an item or a group against
 * one request, and their text for reports. */
#include "geobid/audience.h"

#include "geobid/bidder.h"
#include "geobid/profile.h"
#include "geobid/tz.h"

/* ---- what the request says --------------------------------------------------- */

static bool is_blank(char c)
{
    return c == ' ' || c == '\t';
}

bool audience_next_keyword(struct slice *rest, struct slice *keyword)
{
    while (rest->len > 0) {
        const char *comma = memchr(rest->ptr, ',', rest->len);
        size_t len = comma ? (size_t)(comma - rest->ptr) : rest->len;
        *keyword = (struct slice){rest->ptr, len};
        rest->ptr += comma ? len + 1 : len;
        rest->len -= comma ? len + 1 : len;
        while (keyword->len > 0 && is_blank(keyword->ptr[0]))
            keyword->ptr++, keyword->len--;
        while (keyword->len > 0 && is_blank(keyword->ptr[keyword->len - 1]))
            keyword->len--;
        if (keyword->len > 0)
            return true;
    }
    return false;
}

static bool keyword_listed(struct slice list, struct slice keyword)
{
    struct slice each;
    while (audience_next_keyword(&list, &each))
        if (slice_eq_nocase(each, keyword))
            return true;
    return false;
}

bool audience_category_within(struct slice category, struct slice wanted)
{
    if (category.len < wanted.len)
        return false;
    return slice_eq_nocase((struct slice){category.ptr, wanted.len}, wanted) &&
           (category.len == wanted.len || category.ptr[wanted.len] == '-');
}

static bool category_listed(const struct slice_list *categories, struct slice wanted)
{
    for (size_t i = 0; i < categories->count; i++)
        if (audience_category_within(categories->items[i], wanted))
            return true;
    return false;
}

bool audience_domain_within(struct slice domain, struct slice wanted)
{
    if (slice_eq_nocase(domain, wanted))
        return true;
    size_t tail = domain.len - wanted.len;
    return wanted.len > 0 && domain.len > wanted.len && domain.ptr[tail - 1] == '.' &&
           slice_eq_nocase((struct slice){domain.ptr + tail, wanted.len}, wanted);
}

/* ---- conditions ----------------------------------------------------------------- */

bool audience_membership_fits(const struct segment_membership *membership,
                              uint32_t within_days, uint32_t min_count, int64_t now_ms)
{
    if (membership->count < min_count)
        return false;
    int64_t window_s = (int64_t)within_days * AUDIENCE_SECONDS_PER_DAY;
    return within_days == 0 || now_ms / 1000 - membership->last_seen_s <= window_s;
}

static bool segment_matches(const struct audience_item *item, const struct bid_context *context)
{
    const struct segment_membership *membership = profile_find(&context->profile, item->text);
    return membership != NULL && audience_membership_fits(membership, item->within_days,
                                                          item->min_count, context->now_ms);
}

static bool data_segment_matches(const struct audience_item *item, const struct user *user)
{
    for (size_t d = 0; d < user->data_count; d++) {
        const struct user_data *data = &user->data[d];
        if (!slice_eq(data->name, item->text) && !slice_eq(data->id, item->text))
            continue;
        for (size_t s = 0; s < data->segment_count; s++)
            if (slice_eq(data->segments[s].id, item->id))
                return true;
    }
    return false;
}

int32_t audience_age_in_year(int32_t yob, int64_t now_s)
{
    return tz_civil_from_days(tz_day_of_seconds(now_s)).year - yob;
}

bool audience_age_within(int32_t age_min, int32_t age_max, int32_t yob, int64_t now_ms)
{
    if (yob < 0)
        return false;
    int32_t age = audience_age_in_year(yob, now_ms / 1000);
    return age >= age_min && age <= age_max;
}

bool audience_gender_is(char wanted, struct slice gender)
{
    return gender.len == 1 && (char)(gender.ptr[0] & ~0x20) == wanted;
}

/* Items about the person: false without permission to personalise. */
static bool personal_item_matches(const struct audience_item *item,
                                  const struct bid_context *context)
{
    const struct user *user = &context->request->user;
    switch (item->kind) {
    case AUDIENCE_SEGMENT:
        return segment_matches(item, context);
    case AUDIENCE_DATA_SEGMENT:
        return data_segment_matches(item, user);
    case AUDIENCE_GENDER:
        return audience_gender_is(item->gender, user->gender);
    case AUDIENCE_AGE:
        return audience_age_within(item->age_min, item->age_max, user->yob, context->now_ms);
    default: /* AUDIENCE_KEYWORD: the user's own keywords */
        return keyword_listed(user->keywords, item->text);
    }
}

bool audience_device_type_in(uint32_t types, int32_t devicetype)
{
    return devicetype >= 0 && devicetype <= 31 && (types & (1u << devicetype)) != 0;
}

bool audience_item_matches(const struct audience_item *item, const struct bid_context *context)
{
    const struct bid_request *request = context->request;
    const struct inventory *inventory = &request->inventory;
    switch (item->kind) {
    case AUDIENCE_SEGMENT:
    case AUDIENCE_DATA_SEGMENT:
    case AUDIENCE_GENDER:
    case AUDIENCE_AGE:
        return context->permissions.personalize && personal_item_matches(item, context);
    case AUDIENCE_KEYWORD:
        return keyword_listed(inventory->keywords, item->text) ||
               (context->permissions.personalize && personal_item_matches(item, context));
    case AUDIENCE_CATEGORY:
        return category_listed(&inventory->cat, item->text) ||
               category_listed(&inventory->content_cat, item->text);
    case AUDIENCE_DOMAIN:
        return inventory->domain.len > 0 && audience_domain_within(inventory->domain, item->text);
    case AUDIENCE_APP_BUNDLE:
        return slice_eq_nocase(inventory->bundle, item->text);
    case AUDIENCE_DEVICE_TYPE:
        return audience_device_type_in(item->device_types, request->device.devicetype);
    case AUDIENCE_OS:
        return slice_eq_nocase(request->device.os, item->text);
    case AUDIENCE_GROUP:
        break;
    }
    return audience_group_matches(item->group, context);
}

static size_t count_matching(const struct audience_list *list, const struct bid_context *context,
                             size_t enough)
{
    size_t matching = 0;
    for (size_t i = 0; i < list->count && matching < enough; i++)
        matching += audience_item_matches(&list->items[i], context);
    return matching;
}

bool audience_group_matches(const struct audience_group *group,
                            const struct bid_context *context)
{
    for (size_t i = 0; i < group->all.count; i++)
        if (!audience_item_matches(&group->all.items[i], context))
            return false;
    if (group->any.count > 0 && count_matching(&group->any, context, 1) == 0)
        return false;
    return count_matching(&group->none, context, 1) == 0;
}

/* ---- text ------------------------------------------------------------------------ */

static void format_pair(struct outbuf *out, const char *key, struct slice value)
{
    outbuf_append_cstr(out, key);
    outbuf_append(out, "=", 1);
    outbuf_append(out, value.ptr, value.len);
}

static void format_segment(const struct audience_item *item, struct outbuf *out)
{
    format_pair(out, "segment", item->text);
    if (item->within_days > 0) {
        outbuf_append_cstr(out, " within_days=");
        outbuf_append_int(out, item->within_days);
    }
    if (item->min_count > 1) {
        outbuf_append_cstr(out, " min_count=");
        outbuf_append_int(out, item->min_count);
    }
}

static void format_list(const char *name, const struct audience_list *list, const char *before,
                        struct outbuf *out)
{
    outbuf_append_cstr(out, before);
    outbuf_append_cstr(out, name);
    outbuf_append(out, "(", 1);
    for (size_t i = 0; i < list->count; i++) {
        outbuf_append_cstr(out, i ? ", " : "");
        audience_item_format(&list->items[i], out);
    }
    outbuf_append(out, ")", 1);
}

static void format_group(const struct audience_group *group, struct outbuf *out)
{
    size_t start = out->len;
    if (group->all.count > 0)
        format_list("all", &group->all, "", out);
    if (group->any.count > 0)
        format_list("any", &group->any, out->len > start ? " " : "", out);
    if (group->none.count > 0 || out->len == start)
        format_list("none", &group->none, out->len > start ? " " : "", out);
}

void audience_item_format(const struct audience_item *item, struct outbuf *out)
{
    static const char *const keys[] = {
        [AUDIENCE_KEYWORD] = "keyword",       [AUDIENCE_CATEGORY] = "category",
        [AUDIENCE_DOMAIN] = "domain",         [AUDIENCE_APP_BUNDLE] = "app_bundle",
        [AUDIENCE_DEVICE_TYPE] = "device_type", [AUDIENCE_OS] = "os",
    };
    switch (item->kind) {
    case AUDIENCE_SEGMENT:
        format_segment(item, out);
        break;
    case AUDIENCE_DATA_SEGMENT:
        format_pair(out, "data_segment", item->text);
        outbuf_append(out, "/", 1);
        outbuf_append(out, item->id.ptr, item->id.len);
        break;
    case AUDIENCE_GENDER:
        format_pair(out, "gender", (struct slice){&item->gender, 1});
        break;
    case AUDIENCE_AGE:
        outbuf_append_cstr(out, "age=");
        outbuf_append_int(out, item->age_min);
        outbuf_append(out, "-", 1);
        outbuf_append_int(out, item->age_max);
        break;
    case AUDIENCE_GROUP:
        format_group(item->group, out);
        break;
    default:
        format_pair(out, keys[item->kind], item->text);
    }
}
