/* Audience rules of a campaign: who the person behind a request must be.
 *
 * A rule is a group {"all": [...], "any": [...], "none": [...]}: every `all` item holds,
 * at least one `any` item holds when `any` is not empty, and no `none` item holds. An
 * item is one condition (a first-party segment, an exchange data segment, gender, age,
 * a keyword, a category, a domain, an app bundle, a device type, an OS) or a nested
 * group. docs/campaigns.md describes the format; src/campaign_audience.c reads it.
 *
 * Items about the person (segment, data_segment, gender, age, and the user's own
 * keywords) are false when the request's permissions do not allow personalisation;
 * contextual items (site/app keywords, category, domain, app bundle, device, OS) are not
 * affected.
 *
 * Evaluation here is the reference: it is what every request is checked against after
 * the targeting index (targeting.h) has narrowed the campaigns down. */
#ifndef GEOBID_AUDIENCE_H
#define GEOBID_AUDIENCE_H

#include "geobid/outbuf.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum audience_kind {
    AUDIENCE_SEGMENT,       /* first-party segment membership (profile store) */
    AUDIENCE_DATA_SEGMENT,  /* exchange segment in user.data */
    AUDIENCE_GENDER,
    AUDIENCE_AGE,           /* from user.yob */
    AUDIENCE_KEYWORD,       /* user.keywords, site/app keywords */
    AUDIENCE_CATEGORY,      /* site/app cat and content.cat, with subcategories */
    AUDIENCE_DOMAIN,        /* site/app domain, with subdomains */
    AUDIENCE_APP_BUNDLE,
    AUDIENCE_DEVICE_TYPE,
    AUDIENCE_OS,
    AUDIENCE_GROUP,         /* a nested all/any/none group */
};

struct audience_group;

/* One item. Which members are used depends on kind (the others are zero). */
struct audience_item {
    enum audience_kind kind;
    /* segment: its name as written; data_segment: the provider; keyword, domain, os,
     * device_type: lower case; category, app_bundle: as written */
    struct slice text;
    struct slice id;               /* data_segment: the segment id */
    uint32_t within_days;          /* segment: last seen at most this long ago; 0 = ever */
    uint32_t min_count;            /* segment: seen at least this often (>= 1) */
    int32_t age_min, age_max;      /* age: inclusive bounds, in years */
    uint32_t device_types;         /* device_type: DEVICE_TYPE_BIT_* of the name */
    char gender;                   /* gender: 'F', 'M' or 'O' */
    struct audience_group *group;  /* group: the nested group */
};

struct audience_list {
    struct audience_item *items;
    size_t count;
};

/* An empty group (all three lists empty) holds for everyone. */
struct audience_group {
    struct audience_list all, any, none;
};

/* Seconds in a day, for segment windows (within_days). */
enum { AUDIENCE_SECONDS_PER_DAY = 86400 };

struct bid_context;

/* True when the group holds for the request of context (its request, permissions,
 * profile and time). Reads only; allocates nothing. */
bool audience_group_matches(const struct audience_group *group,
                            const struct bid_context *context);

/* True when one item holds for the request of context. */
bool audience_item_matches(const struct audience_item *item, const struct bid_context *context);

/* True when the group has no item at all (it holds for everyone). */
static inline bool audience_group_is_empty(const struct audience_group *group)
{
    return group->all.count == 0 && group->any.count == 0 && group->none.count == 0;
}

/* Appends the item as one line of text for reports, e.g.
 * "segment=ethical-clothing-visitor within_days=30 min_count=1", "age=25-35",
 * "any(gender=F, keyword=organic)". */
void audience_item_format(const struct audience_item *item, struct outbuf *out);

/* Steps through a comma-separated keyword list (OpenRTB keywords): stores the next
 * keyword, without surrounding blanks, into *keyword and advances *rest past it.
 * Returns false when no keyword is left. Empty entries are skipped. */
bool audience_next_keyword(struct slice *rest, struct slice *keyword);

/* True when category is wanted or one of its subcategories, ignoring case: "IAB18" and
 * "IAB18-3" are within "IAB18"; "IAB1" and "IAB180" are not. */
bool audience_category_within(struct slice category, struct slice wanted);

/* True when domain is wanted or one of its subdomains, ignoring case:
 * "shop.example.com" is within "example.com"; "myexample.com" is not, and nothing but
 * "" is within "". The one test for audience domain items and the bidder's badv. */
bool audience_domain_within(struct slice domain, struct slice wanted);

struct segment_membership;

/* The tests of single conditions, shared by the reference evaluation here and the
 * compiled one (exact_checks.h). */

/* True when a first-party membership was seen within within_days (0: ever) before now_ms
 * (Unix milliseconds) and at least min_count times. */
bool audience_membership_fits(const struct segment_membership *membership,
                              uint32_t within_days, uint32_t min_count, int64_t now_ms);

/* True when the request's user.gender is the one letter wanted ('F', 'M' or 'O'),
 * ignoring case. */
bool audience_gender_is(char wanted, struct slice gender);

/* True when a person born in yob (-1: unknown) is aged age_min to age_max in the year
 * of now_ms (audience_age_in_year()). */
bool audience_age_within(int32_t age_min, int32_t age_max, int32_t yob, int64_t now_ms);

/* True when OpenRTB devicetype (-1: unknown) is one of types (DEVICE_TYPE_BIT_*). */
bool audience_device_type_in(uint32_t types, int32_t devicetype);

/* The person's age in the year of now_s (UTC) for a year of birth: a yob-only age is
 * the age reached during the current year (born 1990 → 36 all through 2026). */
int32_t audience_age_in_year(int32_t yob, int64_t now_s);

#endif
