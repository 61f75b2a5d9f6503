/* Exact checks: what a candidate campaign is checked against once an index has reached
 * it (its places, device, the fences the fence index does not hold, its schedule and
 * audience), compiled at snapshot build into one contiguous block per campaign.
 *
 * A block holds the campaign's schedule, device types, rule counters and fences, then
 * one record per place, OS and top-level audience item, each with its text copied in and
 * hashed as term.h hashes the request's. A check reads its block and the request's
 * terms (request_terms) and nothing of the campaign (but for a nested audience group,
 * which is evaluated as the reference does): a text is found by hash and then confirmed
 * byte for byte. At 100,000 campaigns each candidate's data is a cache miss; a block of a few
 * adjacent lines, prefetched for every candidate before the first is checked, lets those
 * misses overlap instead of following pointers one after another.
 *
 * The evaluation is the reference one (bidder_campaign_matches()); tests compare the two
 * on thousands of random campaigns and requests.
 *
 * Rule counters: for each campaign, how many requests reached its schedule and audience
 * checks (after its places, device and fences matched), how many matched, and how many
 * failed the schedule and each top-level audience item (relaxed atomics). */
#ifndef GEOBID_EXACT_CHECKS_H
#define GEOBID_EXACT_CHECKS_H

#include "geobid/campaign.h"
#include "geobid/term.h"
#include "geobid/tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bid_context;
struct exact_checks;

/* Compiles the checks each campaign of set needs (needs[position]: SNAPSHOT_CHECK_*
 * bits; 0 builds nothing for it). zones resolves "user" schedule time zones (may be
 * NULL). The set must outlive the result. Never NULL. */
struct exact_checks *exact_checks_build(const struct campaign_set *set, const uint8_t *needs,
                                        const struct tz_database *zones);

/* Frees what exact_checks_build() returned (NULL is fine). */
void exact_checks_free(struct exact_checks *checks);

/* Asks the processor to start loading the block of the campaign at position: a hint for
 * callers about to check many candidates. */
void exact_checks_prefetch(const struct exact_checks *checks, uint32_t position);

/* What the checks of one request read besides the blocks: the request, its terms, and
 * what is worked out once per request rather than once per candidate. */
struct exact_check_request {
    const struct bid_context *context;
    struct request_terms *terms;
    bool knows_age;  /* personalising, and the year of birth is known */
    int32_t age;     /* then: the age in the current year (audience_age_in_year()) */
    double cos_lat;  /* the cosine of the point's latitude once a fence needed it, else NaN */
};

/* Prepares the checks of the request of context, whose terms targeting_candidates()
 * gathered into terms. */
void exact_check_request_init(struct exact_check_request *request,
                              const struct bid_context *context, struct request_terms *terms);

/* True when the campaign at position passes every check it needs for request. Schedule
 * and audience come last and are counted. Thread-safe (relaxed atomic increments); the
 * request and its terms are updated (values worked out on first use). */
bool exact_checks_pass(const struct exact_checks *checks, uint32_t position,
                       struct exact_check_request *request);

/* A snapshot of one campaign's counters; all zero for a campaign without schedule or
 * audience rules. */
struct exact_check_counts {
    uint64_t checked;          /* requests that reached the schedule and audience checks */
    uint64_t matched;          /* of those, requests every rule held for */
    uint64_t schedule_failed;  /* of those, requests outside the schedule */
};

/* Reads the counters of the campaign at position into out. */
void exact_checks_counts(const struct exact_checks *checks, uint32_t position,
                         struct exact_check_counts *out);

/* Returns how many checked requests failed the top-level audience rule `rule` of the
 * campaign at position, rules numbered all, then any, then none, in file order. A `none`
 * rule fails when its item holds. */
uint64_t exact_checks_rule_failed(const struct exact_checks *checks, uint32_t position,
                                  size_t rule);

#endif
