#include "geobid/bidder.h"

#include "geobid/audience.h"
#include "geobid/exact_checks.h"
#include "geobid/great_circle.h"
#include "geobid/ledger.h"
#include "geobid/notice.h"
#include "geobid/targeting.h"

#include <string.h>

enum { usual_fence_hits = 256 }; /* more than a point is in, almost always */

/* ---- candidate campaigns, and their exact checks -------------------------- */

/* Returns the positions of the fences containing the location's point, in position
 * order, in arena: a first query fills a buffer sized for the usual case, and a
 * location inside more fences than that is queried again with room for all. */
static struct campaign_ids query_fences(const struct snapshot *snapshot,
                                        const struct location *location, struct arena *arena)
{
    struct campaign_ids hits = {arena_alloc(arena, usual_fence_hits * sizeof(uint32_t)), 0};
    hits.count = fence_index_query(snapshot->fence_index, location->lat, location->lon,
                                   hits.ids, usual_fence_hits);
    if (hits.count > usual_fence_hits) {
        hits.ids = arena_alloc(arena, hits.count * sizeof(uint32_t));
        fence_index_query(snapshot->fence_index, location->lat, location->lon, hits.ids,
                          hits.count);
    }
    return hits;
}

/* Returns the campaigns of the fences that contain the location with a good enough
 * accuracy, ascending: fences owned by one campaign are contiguous in
 * snapshot->fence_targets and hits come in fence order, so repeats are adjacent. A
 * location too coarse for every fence (most IP-derived points) skips the query. */
static struct campaign_ids fence_candidates(const struct snapshot *snapshot,
                                            const struct location *location,
                                            struct arena *arena)
{
    struct campaign_ids out = {NULL, 0};
    if (!location->has_point || snapshot->fence_count == 0 ||
        location->uncertainty_m > snapshot->fence_max_uncertainty_m)
        return out;
    struct campaign_ids hits = query_fences(snapshot, location, arena);
    out.ids = hits.ids; /* written behind the read position: safe in place */
    for (size_t h = 0; h < hits.count; h++) {
        const struct fence_target *target = &snapshot->fence_targets[hits.ids[h]];
        if (location->uncertainty_m > target->max_uncertainty_m)
            continue;
        if (out.count > 0 && out.ids[out.count - 1] == target->campaign)
            continue;
        out.ids[out.count++] = target->campaign;
    }
    return out;
}

/* Returns, ascending and without duplicates, every campaign reached through geo whose
 * index entry the location reaches: fences whose radius contains the point with a good
 * enough accuracy, the location's country bucket, and the campaigns without geo
 * restriction. All three lists are ascending already (fences are laid out in campaign
 * order), so a merge replaces a sort. */
static struct campaign_ids geo_candidates(const struct snapshot *snapshot,
                                          const struct location *location,
                                          struct arena *arena)
{
    static const struct campaign_ids none = {NULL, 0};
    const struct campaign_ids *by_country =
        location->country[0] ? snapshot_country_bucket(snapshot, location->country) : NULL;
    if (by_country == NULL)
        by_country = &none;
    struct campaign_ids fenced = fence_candidates(snapshot, location, arena);
    size_t local_count = fenced.count + by_country->count;
    struct campaign_ids local = {arena_alloc(arena, local_count * sizeof(uint32_t)), 0};
    local.count = campaign_ids_merge(&fenced, by_country, local.ids);
    struct campaign_ids all = {
        arena_alloc(arena, (local.count + snapshot->everywhere.count) * sizeof(uint32_t)), 0};
    all.count = campaign_ids_merge(&local, &snapshot->everywhere, all.ids);
    return all;
}

/* Returns, ascending and without duplicates, the campaigns the request may match: the
 * geo candidates, and the campaigns the targeting index reaches through the request's
 * audience terms (each campaign is filed in exactly one of the two), and adds the
 * request's terms to terms. Exact checks come later. */
static struct campaign_ids collect_candidates(const struct snapshot *snapshot,
                                              const struct bid_context *context,
                                              struct request_terms *terms, struct arena *arena)
{
    struct campaign_ids by_geo = geo_candidates(snapshot, &context->location, arena);
    struct campaign_ids by_audience =
        targeting_candidates(snapshot->targeting, context, terms, arena);
    if (by_audience.count == 0)
        return by_geo;
    struct campaign_ids all = {
        arena_alloc(arena, (by_geo.count + by_audience.count) * sizeof(uint32_t)), 0};
    all.count = campaign_ids_merge(&by_geo, &by_audience, all.ids);
    return all;
}

/* Keeps the candidates that pass every exact check they need (snapshot->needs; one
 * that needs none is kept without reading anything more), in file order (so that ties
 * go to the campaign listed first). The blocks of those that need checks are
 * prefetched first: at 100,000 campaigns each is a cache miss, and asking for all of
 * them before reading any lets the misses overlap. */
static void filter_candidates(const struct snapshot *snapshot, const struct bid_context *context,
                              struct request_terms *terms, struct campaign_ids *ids)
{
    for (size_t i = 0; i < ids->count; i++)
        if (snapshot->needs[ids->ids[i]] != 0)
            exact_checks_prefetch(snapshot->checks, ids->ids[i]);
    struct exact_check_request request;
    exact_check_request_init(&request, context, terms);
    size_t kept = 0;
    for (size_t i = 0; i < ids->count; i++)
        if (snapshot->needs[ids->ids[i]] == 0 ||
            exact_checks_pass(snapshot->checks, ids->ids[i], &request))
            ids->ids[kept++] = ids->ids[i];
    ids->count = kept;
}

/* ---- the reference evaluation --------------------------------------------- */

/* What exact_checks_pass() must agree with, written plainly over the campaign. */

static bool list_allows_nocase(const struct slice_list *allowed, struct slice value)
{
    if (allowed->count == 0)
        return true;
    for (size_t i = 0; i < allowed->count; i++)
        if (slice_eq_nocase(allowed->items[i], value))
            return true;
    return false;
}

static bool geo_matches(const struct campaign_geo *geo, const struct location *location)
{
    struct slice country = slice_from_cstr(location->country);
    return list_allows_nocase(&geo->countries, country) &&
           list_allows_nocase(&geo->regions, location->region) &&
           list_allows_nocase(&geo->cities, location->city) &&
           list_allows_nocase(&geo->postal_codes, location->postal_code);
}

/* True when the campaign has no fences, or one of them contains the location with a
 * good enough accuracy: what fence_candidates() finds through the fence index (whose
 * test is great_circle_m() <= radius_m, bit for bit). */
static bool fences_contain(const struct campaign_geo *geo, const struct location *location)
{
    if (geo->radius_count == 0)
        return true;
    if (!location->has_point)
        return false;
    for (size_t r = 0; r < geo->radius_count; r++) {
        const struct geo_radius *fence = &geo->radius[r];
        if (location->uncertainty_m <= campaign_fence_max_uncertainty_m(geo, fence) &&
            great_circle_m(location->lat, location->lon, fence->lat, fence->lon) <=
                fence->radius_m)
            return true;
    }
    return false;
}

static bool device_matches(const struct campaign *campaign, const struct device *device)
{
    return (campaign->device_types == 0 ||
            audience_device_type_in(campaign->device_types, device->devicetype)) &&
           list_allows_nocase(&campaign->os, device->os);
}

/* Geo (fences included) and device, checked plainly. */
static bool place_and_device_match(const struct campaign *campaign,
                                   const struct bid_context *context)
{
    return geo_matches(&campaign->geo, &context->location) &&
           device_matches(campaign, &context->request->device) &&
           fences_contain(&campaign->geo, &context->location);
}

/* ---- per-imp decision ---------------------------------------------------- */

static bool creative_fits(const struct creative *creative, const struct imp *imp)
{
    if (!imp->has_banner)
        return false;
    if (creative->w == imp->banner_w && creative->h == imp->banner_h)
        return true;
    for (size_t f = 0; f < imp->format_count; f++)
        if (creative->w == imp->formats[f].w && creative->h == imp->formats[f].h)
            return true;
    return false;
}

/* True when category (e.g. "IAB8-5") is blocked by bcat: listed itself, or its tier-1
 * parent ("IAB8") is, since blocking a tier-1 category blocks its subcategories. */
static bool category_blocked(struct slice category, const struct slice_list *bcat)
{
    const char *dash = memchr(category.ptr, '-', category.len);
    struct slice parent = {category.ptr, dash ? (size_t)(dash - category.ptr) : category.len};
    for (size_t i = 0; i < bcat->count; i++)
        if (slice_eq_nocase(bcat->items[i], category) || slice_eq_nocase(bcat->items[i], parent))
            return true;
    return false;
}

/* True when domain is blocked by badv: listed ignoring case, or a subdomain of a listed
 * domain ("shop.example.com" by "example.com"). */
static bool domain_blocked(struct slice domain, const struct slice_list *badv)
{
    for (size_t i = 0; i < badv->count; i++)
        if (audience_domain_within(domain, badv->items[i]))
            return true;
    return false;
}

/* True when the creative may not run in this request (bcat, badv). */
static bool creative_blocked(const struct creative *creative, const struct bid_request *request)
{
    for (size_t i = 0; i < creative->cat.count; i++)
        if (category_blocked(creative->cat.items[i], &request->bcat))
            return true;
    for (size_t i = 0; i < creative->adomain.count; i++)
        if (domain_blocked(creative->adomain.items[i], &request->badv))
            return true;
    return false;
}

/* Returns the first creative of campaign that fits imp and is not blocked by the
 * request's bcat/badv, or NULL. */
static const struct creative *choose_creative(const struct campaign *campaign,
                                              const struct imp *imp,
                                              const struct bid_request *request)
{
    for (size_t c = 0; c < campaign->creative_count; c++) {
        const struct creative *creative = &campaign->creatives[c];
        if (creative_fits(creative, imp) && !creative_blocked(creative, request))
            return creative;
    }
    return NULL;
}

/* A floor in another currency than the bid cannot be compared without exchange rates,
 * so such an imp is only biddable when it has no floor. */
static bool clears_floor(const struct imp *imp, struct slice currency, int64_t price_micros)
{
    if (imp->bidfloor_micros == 0)
        return true;
    struct slice floor_currency = imp->bidfloorcur.len ? imp->bidfloorcur : SLICE_LITERAL("USD");
    return slice_eq_nocase(floor_currency, currency) && price_micros >= imp->bidfloor_micros;
}

static bool currency_allowed(const struct bid_request *request, struct slice currency)
{
    if (request->cur.count == 0)
        return slice_eq_cstr(currency, "USD");
    return list_allows_nocase(&request->cur, currency);
}

/* One bid response carries one currency: once a bid fixes it, later imps only take
 * bids in that currency. */
static bool currency_acceptable(const struct bid_request *request,
                                const struct bid_response *response, struct slice currency)
{
    if (response->bid_count > 0)
        return slice_eq(response->cur, currency);
    return currency_allowed(request, currency);
}

static bool better_bid(const struct bid *candidate, const struct bid *best)
{
    return best->campaign == NULL || candidate->price_micros > best->price_micros;
}

/* The best bid for imp among the eligible campaigns not refused (refused[i] for
 * eligible->ids[i]; NULL: none); *chosen is the winner's index in eligible. */
static struct bid best_bid_for_imp(const struct bidder *bidder,
                                   const struct bid_request *request,
                                   const struct imp *imp,
                                   const struct campaign_ids *eligible,
                                   const struct bid_response *response,
                                   const bool *refused, size_t *chosen)
{
    struct bid best = {.imp = imp};
    for (size_t i = 0; i < eligible->count; i++) {
        if (refused != NULL && refused[i])
            continue;
        const struct campaign *campaign = &bidder->snapshot->campaigns.campaigns[eligible->ids[i]];
        struct bid candidate = {.imp = imp, .campaign = campaign,
                                .price_micros = campaign->bid_cpm_micros};
        if (!better_bid(&candidate, &best))
            continue;
        struct slice currency = campaign_currency(campaign);
        if (!currency_acceptable(request, response, currency) ||
            !clears_floor(imp, currency, campaign->bid_cpm_micros))
            continue;
        candidate.creative = choose_creative(campaign, imp, request);
        if (candidate.creative != NULL) {
            best = candidate;
            *chosen = i;
        }
    }
    return best;
}

/* ---- budgets, pacing and frequency caps (ledger.h) ------------------------------ */

/* Reserves the bid's cost in the ledger, keyed by the user only when consent allows
 * storing ids. Returns false when the campaign must not bid (out of flight or budget,
 * paced, capped...). */
static bool reserve_bid(const struct bidder *bidder, const struct bid_context *context,
                        struct bid *bid)
{
    if (bidder->ledger == NULL)
        return true;
    bool by_user = context->has_user_key && context->permissions.store_ids;
    struct ledger_bid wanted = {bid->campaign, bid->price_micros,
                                by_user ? &context->user_key : NULL, context->now_ms};
    struct ledger_reservation reservation;
    if (ledger_reserve(bidder->ledger, &wanted, &reservation) != LEDGER_OK)
        return false;
    bid->reservation_id = reservation.id;
    return true;
}

/* The best bid for imp whose cost the ledger reserves: a campaign the ledger refuses is
 * passed over for the rest of the request (refused, one flag per eligible campaign, in
 * the arena; NULL without a ledger) and the next best tried. */
static struct bid reserved_bid_for_imp(const struct bidder *bidder,
                                       const struct bid_context *context, const struct imp *imp,
                                       const struct campaign_ids *eligible,
                                       const struct bid_response *response, bool *refused)
{
    for (;;) {
        size_t chosen = 0;
        struct bid bid = best_bid_for_imp(bidder, context->request, imp, eligible, response,
                                          refused, &chosen);
        if (bid.campaign == NULL || reserve_bid(bidder, context, &bid))
            return bid;
        refused[chosen] = true;
    }
}

struct campaign_ids bidder_match(const struct bidder *bidder, const struct bid_context *context,
                                 struct arena *arena)
{
    struct request_terms terms;
    request_terms_init(&terms, arena);
    struct campaign_ids eligible = collect_candidates(bidder->snapshot, context, &terms, arena);
    filter_candidates(bidder->snapshot, context, &terms, &eligible);
    return eligible;
}

bool bidder_campaign_matches(const struct bidder *bidder, uint32_t position,
                             const struct bid_context *context)
{
    const struct snapshot *snapshot = bidder->snapshot;
    const struct campaign *campaign = &snapshot->campaigns.campaigns[position];
    return campaign->active && place_and_device_match(campaign, context) &&
           targeting_rules_hold(snapshot->targeting, campaign, context);
}

size_t bidder_decide(const struct bidder *bidder, const struct bid_context *context,
                     struct arena *arena, struct bid_response *response)
{
    const struct bid_request *request = context->request;
    memset(response, 0, sizeof(*response));
    response->id = request->id;
    response->bids = arena_alloc(arena, request->imp_count * sizeof(struct bid));
    struct campaign_ids eligible = bidder_match(bidder, context, arena);
    bool *refused = bidder->ledger ? arena_calloc(arena, eligible.count + 1, sizeof(bool)) : NULL;
    for (size_t i = 0; i < request->imp_count && eligible.count > 0; i++) {
        struct bid bid = reserved_bid_for_imp(bidder, context, &request->imps[i], &eligible,
                                              response, refused);
        if (bid.campaign == NULL)
            continue;
        response->cur = campaign_currency(bid.campaign);
        response->bids[response->bid_count++] = bid;
    }
    return response->bid_count;
}

/* Hashes the request's user id (for frequency caps: store_ids is enough) and looks its
 * profile up when the bidder has a store and the request allows personalising (segments
 * are unusable otherwise, so the person's profile is not even read). A profile that
 * cannot be read counts as empty: the request is still answered. */
static void load_profile(const struct bidder *bidder, struct bid_context *context,
                         struct arena *arena)
{
    if (bidder->user_keys == NULL ||
        !user_key_of_request(bidder->user_keys, context->request, &context->user_key))
        return;
    context->has_user_key = true;
    if (bidder->profiles != NULL && context->permissions.personalize)
        profile_store_lookup(bidder->profiles, &context->user_key, context->now_ms / 1000, arena,
                             &context->profile);
}

void bidder_prepare(const struct bidder *bidder, struct bid_request *request,
                    struct arena *arena, struct bid_context *context)
{
    const struct clock *clock = bidder->clock ? bidder->clock : &clock_system;
    *context = (struct bid_context){
        .request = request,
        .permissions = privacy_apply(&bidder->privacy, request, arena),
        .now_ms = clock_now_ms(clock),
    };
    if (context->permissions.store_ids)
        load_profile(bidder, context, arena);
    geo_resolve(bidder->geo, request, bidder->snapshot->needs_locality, &context->location);
}

enum bid_outcome bidder_handle(const struct bidder *bidder, const struct openrtb_codec *codec,
                               const char *request_body, size_t request_len,
                               struct arena *arena, struct outbuf *body, struct error *err)
{
    struct bid_request *request = arena_alloc(arena, sizeof(*request));
    if (codec->decode(request_body, request_len, arena, request, err) != 0)
        return BID_OUTCOME_BAD_REQUEST;
    struct bid_context context;
    bidder_prepare(bidder, request, arena, &context);
    struct bid_response response;
    if (bidder_decide(bidder, &context, arena, &response) == 0)
        return BID_OUTCOME_NO_BID;
    if (bidder->notices != NULL)
        notice_add_urls(bidder->notices, &response, context.now_ms, arena);
    outbuf_init(body, arena, 1024);
    codec->encode(&response, body);
    return BID_OUTCOME_BID;
}
