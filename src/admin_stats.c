/* GET /v1/campaigns/{id}/stats: what a campaign's rules let through.
 *
 * {"campaign": "id", "checked": n, "matched": n,
 *  "audience": [{"rule": "all: segment=x within_days=30", "matched": n, "failed": n,
 *                "indexed": true}, ...],
 *  "schedule": {"rule": "days=mon hours=7-11 timezone=user", "matched": n, "failed": n}}
 *
 * "checked" counts the requests that reached the campaign's schedule and audience
 * checks: those the indexes could not rule out and whose place and device matched.
 * Each top-level rule is evaluated on every one of them, so its "failed" shows how much
 * it narrows the audience; the rule the targeting index files the campaign under
 * ("indexed": true) has already turned most non-matching requests away before they
 * were counted. Counters start at zero when the campaigns are loaded.
 *
 * With a ledger, the campaign's delivery follows (ledger_stats_append_json()): "bids",
 * "wins", "impressions", "spend_micros", "reserved_micros", "budget", "hourly"... */
#include "admin_internal.h"

#include "geobid/exact_checks.h"
#include "geobid/ledger.h"
#include "geobid/targeting.h"

/* Returns the position of the campaign called id, or -1. */
static long find_campaign(const struct campaign_set *set, struct slice id)
{
    for (size_t i = 0; i < set->count; i++)
        if (slice_eq(set->campaigns[i].id, id))
            return (long)i;
    return -1;
}

static void append_member_count(struct outbuf *out, const char *key, uint64_t value)
{
    outbuf_append_cstr(out, ",\"");
    outbuf_append_cstr(out, key);
    outbuf_append_cstr(out, "\":");
    outbuf_append_int(out, (int64_t)value);
}

/* {"rule": text, "matched": n, "failed": n} from the rule text built in text. */
static void append_rule(struct outbuf *out, const struct outbuf *text, uint64_t checked,
                        uint64_t failed)
{
    outbuf_append_cstr(out, "{\"rule\":");
    outbuf_append_json_string(out, (struct slice){text->data, text->len});
    append_member_count(out, "matched", checked - failed);
    append_member_count(out, "failed", failed);
}

static void append_audience(struct outbuf *out, const struct snapshot *snapshot,
                            uint32_t position, const struct audience_group *audience,
                            uint64_t checked, struct arena *arena)
{
    const struct audience_list *lists[] = {&audience->all, &audience->any, &audience->none};
    static const char *const names[] = {"all: ", "any: ", "none: "};
    size_t rule = 0;
    outbuf_append_cstr(out, ",\"audience\":[");
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l]->count; i++, rule++) {
            struct outbuf text;
            outbuf_init(&text, arena, 64);
            outbuf_append_cstr(&text, names[l]);
            audience_item_format(&lists[l]->items[i], &text);
            outbuf_append_cstr(out, rule ? "," : "");
            append_rule(out, &text, checked,
                        exact_checks_rule_failed(snapshot->checks, position, rule));
            if (targeting_indexed_rule(snapshot->targeting, position) == (int)rule)
                outbuf_append_cstr(out, ",\"indexed\":true");
            outbuf_append_cstr(out, "}");
        }
    }
    outbuf_append_cstr(out, "]");
}

/* ,"checked":n,"matched":n,"audience":[...],"schedule":{...} or null. */
static void append_targeting_stats(struct outbuf *out, const struct snapshot *snapshot,
                                   uint32_t position, struct arena *arena)
{
    const struct campaign *campaign = &snapshot->campaigns.campaigns[position];
    struct exact_check_counts counts;
    exact_checks_counts(snapshot->checks, position, &counts);
    append_member_count(out, "checked", counts.checked);
    append_member_count(out, "matched", counts.matched);
    append_audience(out, snapshot, position, &campaign->audience, counts.checked, arena);
    outbuf_append_cstr(out, ",\"schedule\":");
    if (!campaign->schedule.present) {
        outbuf_append_cstr(out, "null");
        return;
    }
    struct outbuf text;
    outbuf_init(&text, arena, 64);
    schedule_format(&campaign->schedule, &text);
    append_rule(out, &text, counts.checked, counts.schedule_failed);
    outbuf_append_cstr(out, "}");
}

void admin_campaign_stats(const struct admin *admin, const struct endpoint_request *request,
                          const struct slice *params, struct arena *arena,
                          struct endpoint_reply *reply)
{
    (void)request;
    const struct snapshot *snapshot = admin->bidder->snapshot;
    long position = find_campaign(&snapshot->campaigns, params[0]);
    if (position < 0) {
        endpoint_reply_error(reply, arena, 404, "no such campaign");
        return;
    }
    endpoint_reply_init(reply, arena, 200, "application/json");
    struct outbuf *out = &reply->body;
    outbuf_append_cstr(out, "{\"campaign\":");
    outbuf_append_json_string(out, snapshot->campaigns.campaigns[position].id);
    append_targeting_stats(out, snapshot, (uint32_t)position, arena);
    if (admin->bidder->ledger != NULL)
        ledger_stats_append_json(admin->bidder->ledger, params[0], out);
    outbuf_append_cstr(out, "}\n");
}
