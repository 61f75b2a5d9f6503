/* The targeting index: which campaigns can a request's audience possibly reach?
 *
 * In the spirit of Whang et al., "Indexing Boolean Expressions" (VLDB 2009): each
 * campaign's rules are a conjunction, and what the index keeps of it is one
 * disjunction of ∈ terms that every match must satisfy (a clause of the rule's
 * conjunctive form, ∉ parts dropped), chosen at snapshot build as the clause the fewest
 * requests are expected to satisfy. The campaign is filed under each term of that
 * clause. The geo part of a campaign is a clause too (its fences, its countries, or
 * "everywhere"): a campaign whose cheapest clause is geographic is left to the
 * snapshot's geo indexes (fence index, country buckets), the others are filed here.
 * An audience clause is filed in the campaign's places when it has some: each term
 * compounded with each place ("segment s in city Lyon"), where a fenced campaign's
 * places are the cells of a fixed grid (about 5 km) that its fences overlap. A
 * campaign for a shop's visitors around the shop then reaches only the requests that
 * carry the segment and stand in one of those cells, not every visitor of any shop,
 * nor every request inside its fences.
 *
 * A request's terms (its first-party segments, exchange segments, gender, keywords,
 * categories with their parents, domain with its parents, app bundle, device type, OS,
 * each alone and in each of the request's places and its point's cell) name posting
 * lists; their union is the set of audience-filed campaigns the request can match.
 * Only those, plus the geo candidates, are checked exactly (exact_checks.h), so a
 * request touches the campaigns that share a selective term with it, not all of them.
 * The same pass collects the request's terms for those checks (term.h). */
#ifndef GEOBID_TARGETING_H
#define GEOBID_TARGETING_H

#include "geobid/arena.h"
#include "geobid/campaign.h"
#include "geobid/snapshot.h"
#include "geobid/term.h"
#include "geobid/tz.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct bid_context;
struct targeting;

/* Compiles the rules of set's active campaigns. zones resolves "user" schedule time
 * zones at request time (may be NULL: then only geo.utcoffset is used). The set must
 * outlive the result. Never NULL. */
struct targeting *targeting_build(const struct campaign_set *set,
                                  const struct tz_database *zones);

/* Frees what targeting_build() returned (NULL is fine). */
void targeting_free(struct targeting *targeting);

/* True when campaign (a position in the set) is reached through this index rather
 * than through the geo indexes of the snapshot. */
bool targeting_by_audience(const struct targeting *targeting, uint32_t campaign);

/* Returns, ascending and without repeats, the audience-filed campaigns that share a
 * term with the request of context (ids in arena). A superset of those whose rules
 * hold: the caller checks each exactly. Adds the request's terms, alone and without
 * places, to terms (started with request_terms_init()). Allocation only from arena. */
struct campaign_ids targeting_candidates(const struct targeting *targeting,
                                         const struct bid_context *context,
                                         struct request_terms *terms, struct arena *arena);

/* True when the schedule and audience of campaign hold for context: the reference
 * evaluation, which counts nothing. */
bool targeting_rules_hold(const struct targeting *targeting, const struct campaign *campaign,
                          const struct bid_context *context);

/* Returns the position of the top-level audience rule the index files campaign under
 * (numbered all, then any, then none, in file order), or -1 when it is filed under geo
 * or under a clause made of several rules. */
int targeting_indexed_rule(const struct targeting *targeting, uint32_t position);

/* Returns the number of distinct terms with a posting list (for tests and tools). */
size_t targeting_term_count(const struct targeting *targeting);

#endif
