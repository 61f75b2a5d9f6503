/* A day of delivery, simulated on a manual clock: several campaigns in their own time
 * zones, diurnal traffic, auctions won and lost, notices that come late, twice or never,
 * and the ledger (budgets, pacing, frequency caps) deciding every bid, as in geobid.
 *
 *   build/sim-day [--seed N]     (make sim)
 *
 * The simulation runs 48 hours of UTC time in steps of 100 ms, ticking the ledger at
 * every step (its maintenance thread's job), so that every campaign lives one whole
 * local day, 2026-11-23. For each campaign it reports the spend of that day against the
 * daily budget, the worst hour against its even-pacing share (the daily budget spread
 * over the campaign's active hours), frequency-cap violations counted independently of
 * the ledger (fixed windows opening at a person's first impression, as documented), and
 * overspend (what the notices charged on the day beyond the budget). Exits 1 when a
 * target is missed: 95-100 % of the budget for even campaigns (every market below has
 * demand enough for its budget), no hour above 2x its share, no cap violation, no
 * overspend.
 *
 * Bids go straight to the ledger (ledger_reserve()): the rest of the pipeline decides
 * which campaign a request is for, and that is not what is measured here. */
#include "../loadtest/random.h"

#include "geobid/alloc.h"
#include "geobid/ledger.h"
#include "geobid/tz.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SIM_START_MS 1795348800000 /* 2026-11-22T12:00:00Z */
#define SIM_HOURS 48
#define STEP_MS 100
#define DAY 20780                  /* 2026-11-23, days since 1970-01-01 */
#define HOUR_MS 3600000

/* ---- the campaigns ------------------------------------------------------------------ */

static const char campaigns_json[] =
    "{\"campaigns\":["
    "{\"id\":\"cafe-paris\",\"bid_cpm\":2.5,\"currency\":\"EUR\",\"timezone\":\"Europe/Paris\","
    " \"budget\":{\"daily\":20,\"total\":300},\"frequency_cap\":{\"max\":3,\"window_s\":86400},"
    " \"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\"}]},"
    "{\"id\":\"bikes-linkoping\",\"bid_cpm\":1.8,\"currency\":\"SEK\","
    " \"timezone\":\"Europe/Stockholm\",\"budget\":{\"daily\":50},"
    " \"frequency_cap\":{\"max\":5,\"window_s\":86400,\"require_user\":true},"
    " \"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\"}]},"
    "{\"id\":\"clinic-milton\",\"bid_cpm\":3,\"timezone\":\"America/Los_Angeles\","
    " \"budget\":{\"daily\":30},\"schedule\":{\"hours\":[[8,18]],\"timezone\":\"America/Los_Angeles\"},"
    " \"frequency_cap\":{\"max\":2,\"window_s\":43200},"
    " \"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\"}]},"
    "{\"id\":\"bakery-london\",\"bid_cpm\":1.2,\"currency\":\"GBP\",\"timezone\":\"Europe/London\","
    " \"budget\":{\"daily\":12},\"pacing\":\"asap\","
    " \"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\"}]}"
    "]}";

/* What the simulation knows of each campaign beyond the file: its market. */
struct market {
    const char *id;
    double peak_per_s;     /* bid opportunities per second at the daily peak */
    double win_rate;
    uint32_t people;       /* distinct people who may see it */
    double anonymous;      /* share of requests without a user id */
};

static const struct market markets[] = {
    {"cafe-paris", 6.0, 0.30, 20000, 0.10},
    {"bikes-linkoping", 12.0, 0.25, 30000, 0.15},
    {"clinic-milton", 10.0, 0.35, 15000, 0.05},
    {"bakery-london", 5.0, 0.30, 10000, 0.10},
};

enum { campaign_count = sizeof(markets) / sizeof(markets[0]) };

/* Relative traffic by local hour: night trough, morning rise, lunch and evening peaks. */
static const double diurnal[24] = {0.35, 0.22, 0.15, 0.12, 0.12, 0.18, 0.35, 0.60,
                                   0.80, 0.90, 0.95, 1.00, 1.00, 0.95, 0.90, 0.90,
                                   0.95, 1.00, 1.00, 1.00, 1.00, 0.90, 0.70, 0.50};

/* ---- notices in flight: a binary heap by time --------------------------------------- */

enum notice_kind { NOTICE_WIN, NOTICE_BILLING, NOTICE_LOSS };

struct notice {
    int64_t at_ms;
    enum notice_kind kind;
    int campaign;
    ledger_reservation_id reservation;
    int64_t price_cpm_micros;
    uint32_t person;       /* UINT32_MAX: anonymous */
};

struct heap {
    struct notice *items;
    size_t count, cap;
};

static void heap_push(struct heap *heap, struct notice notice)
{
    if (heap->count == heap->cap) {
        heap->cap = heap->cap ? heap->cap * 2 : 1024;
        heap->items = xrealloc(heap->items, heap->cap * sizeof(*heap->items));
    }
    size_t i = heap->count++;
    for (; i > 0 && heap->items[(i - 1) / 2].at_ms > notice.at_ms; i = (i - 1) / 2)
        heap->items[i] = heap->items[(i - 1) / 2];
    heap->items[i] = notice;
}

static struct notice heap_pop(struct heap *heap)
{
    struct notice top = heap->items[0], last = heap->items[--heap->count];
    size_t i = 0;
    for (;;) {
        size_t child = 2 * i + 1;
        if (child >= heap->count)
            break;
        if (child + 1 < heap->count && heap->items[child + 1].at_ms < heap->items[child].at_ms)
            child++;
        if (heap->items[child].at_ms >= last.at_ms)
            break;
        heap->items[i] = heap->items[child];
        i = child;
    }
    if (heap->count > 0)
        heap->items[i] = last;
    return top;
}

/* ---- what is measured ----------------------------------------------------------------- */

struct person_window {
    int64_t end_ms;
    uint32_t count;
};

struct tally {
    const struct campaign *campaign;
    const struct tz_zone *zone;
    struct rng rng;
    int64_t next_arrival_ms;
    int64_t hourly_micros[24];       /* charged on the simulated local day, by local hour */
    int64_t day_micros;
    uint64_t opportunities, bids, wins, refusals[LEDGER_PRICE_ABOVE_BID + 1];
    uint64_t cap_violations;
    struct person_window *windows;   /* independent frequency check, per person */
};

struct sim {
    struct manual_clock clock;
    struct campaign_set set;
    struct ledger *ledger;
    struct heap notices;
    struct tally tallies[campaign_count];
    struct rng rng;
};

static int64_t local_ms(const struct tally *tally, int64_t utc_ms)
{
    return utc_ms + (int64_t)tz_zone_offset_s(tally->zone, utc_ms / 1000) * 1000;
}

/* An impression the ledger counted: checked against the cap on its own terms. */
static void check_cap(struct tally *tally, uint32_t person, int64_t now_ms)
{
    const struct campaign_delivery *d = &tally->campaign->delivery;
    if (d->cap_max == 0 || person == UINT32_MAX)
        return;
    struct person_window *w = &tally->windows[person];
    if (now_ms >= w->end_ms)
        *w = (struct person_window){now_ms + (int64_t)d->cap_window_s * 1000, 0};
    if (++w->count > d->cap_max)
        tally->cap_violations++;
}

static void record_charge(struct tally *tally, int64_t charge, int64_t now_ms)
{
    int64_t local = local_ms(tally, now_ms);
    if (tz_day_of_seconds(local / 1000) != DAY)
        return;
    tally->day_micros += charge;
    tally->hourly_micros[(local / HOUR_MS) % 24] += charge;
}

/* ---- notices --------------------------------------------------------------------------- */

static void deliver(struct sim *sim, const struct notice *n)
{
    struct tally *tally = &sim->tallies[n->campaign];
    struct slice id = tally->campaign->id;
    if (n->kind == NOTICE_LOSS) {
        ledger_release(sim->ledger, id, n->reservation, n->at_ms);
        return;
    }
    enum ledger_notice kind = n->kind == NOTICE_WIN ? LEDGER_NOTICE_WIN : LEDGER_NOTICE_BILLING;
    enum ledger_status status =
        ledger_commit(sim->ledger, id, n->reservation, n->price_cpm_micros, kind, n->at_ms);
    if (status != LEDGER_OK && status != LEDGER_LATE_COMMITTED)
        return;
    record_charge(tally, ledger_cost_micros(n->price_cpm_micros), n->at_ms);
    check_cap(tally, n->person, n->at_ms);
}

static int64_t delay_ms(struct rng *rng, double low_s, double high_s)
{
    return (int64_t)((low_s + (high_s - low_s) * rng_unit(rng)) * 1000);
}

/* Schedules what the exchange says about a bid: a win (its notice, often a billing
 * notice, sometimes the win twice), or a loss notified half of the time. */
static void auction(struct sim *sim, int c, const struct ledger_reservation *reservation,
                    uint32_t person, int64_t now_ms)
{
    struct rng *rng = &sim->rng;
    struct notice n = {.campaign = c, .reservation = reservation->id, .person = person};
    if (!rng_chance(rng, markets[c].win_rate)) {
        n.kind = NOTICE_LOSS;
        n.at_ms = now_ms + delay_ms(rng, 0.1, 3);
        if (rng_chance(rng, 0.5))
            heap_push(&sim->notices, n);
        return;
    }
    int64_t bid = sim->tallies[c].campaign->bid_cpm_micros;
    n.price_cpm_micros = (int64_t)((double)bid * (0.55 + 0.40 * rng_unit(rng)));
    n.kind = NOTICE_WIN;
    n.at_ms = now_ms + delay_ms(rng, 0.1, 3);
    heap_push(&sim->notices, n);
    sim->tallies[c].wins++;
    if (rng_chance(rng, 0.8)) {
        n.kind = NOTICE_BILLING;
        n.at_ms += delay_ms(rng, 0.5, 10);
        heap_push(&sim->notices, n);
    }
    if (rng_chance(rng, 0.05)) {
        n.kind = NOTICE_WIN;
        n.at_ms += delay_ms(rng, 1, 30);
        heap_push(&sim->notices, n);
    }
}

/* ---- traffic ---------------------------------------------------------------------------- */

/* Opportunities per second at now_ms: the peak rate shaped by the local hour, linearly
 * between hour midpoints. */
static double rate_per_s(const struct tally *tally, int c, int64_t now_ms)
{
    double hour = (double)(local_ms(tally, now_ms) % (24 * HOUR_MS)) / HOUR_MS - 0.5;
    int h = (int)floor(hour);
    double f = hour - h;
    double shape = diurnal[(h + 24) % 24] * (1 - f) + diurnal[(h + 25) % 24] * f;
    return markets[c].peak_per_s * shape;
}

/* A person, heavy users more often (rank = people * u^3), or anonymous. */
static uint32_t draw_person(struct rng *rng, int c)
{
    if (rng_chance(rng, markets[c].anonymous))
        return UINT32_MAX;
    double u = rng_unit(rng);
    return (uint32_t)(markets[c].people * u * u * u);
}

static void opportunity(struct sim *sim, int c, int64_t now_ms)
{
    struct tally *tally = &sim->tallies[c];
    uint32_t person = draw_person(&tally->rng, c);
    struct user_key key = {{0}};
    memcpy(key.bytes, &person, sizeof(person));
    key.bytes[8] = (uint8_t)c;
    key.bytes[15] = (uint8_t)(person * 31);
    struct ledger_bid bid = {tally->campaign, tally->campaign->bid_cpm_micros,
                             person == UINT32_MAX ? NULL : &key, now_ms};
    struct ledger_reservation reservation;
    enum ledger_status status = ledger_reserve(sim->ledger, &bid, &reservation);
    tally->opportunities++;
    tally->refusals[status]++;
    if (status != LEDGER_OK)
        return;
    tally->bids++;
    auction(sim, c, &reservation, person, now_ms);
}

static void arrivals(struct sim *sim, int64_t until_ms)
{
    for (int c = 0; c < campaign_count; c++) {
        struct tally *tally = &sim->tallies[c];
        while (tally->next_arrival_ms <= until_ms) {
            opportunity(sim, c, tally->next_arrival_ms);
            double gap_s = -log(1 - rng_unit(&tally->rng)) /
                           rate_per_s(tally, c, tally->next_arrival_ms);
            tally->next_arrival_ms += (int64_t)(gap_s * 1000) + 1;
        }
    }
}

/* ---- the run ---------------------------------------------------------------------------- */

static void setup(struct sim *sim, uint64_t seed)
{
    struct error err = {""};
    memset(sim, 0, sizeof(*sim));
    manual_clock_init(&sim->clock, SIM_START_MS);
    if (campaign_set_load(&sim->set, campaigns_json, sizeof(campaigns_json) - 1, &err) != 0) {
        fprintf(stderr, "sim-day: %s\n", err.message);
        exit(2);
    }
    struct ledger_options options = {.clock = &sim->clock.clock};
    sim->ledger = ledger_open(&options, &err);
    if (sim->ledger == NULL || ledger_sync(sim->ledger, &sim->set, &err) != 0) {
        fprintf(stderr, "sim-day: %s\n", err.message);
        exit(2);
    }
    rng_seed(&sim->rng, seed);
    for (int c = 0; c < campaign_count; c++) {
        struct tally *tally = &sim->tallies[c];
        tally->campaign = &sim->set.campaigns[c];
        tally->zone = tz_database_find(tz_system_database(), tally->campaign->delivery.timezone);
        tally->rng = rng_derive(seed, (uint64_t)c + 1);
        tally->next_arrival_ms = SIM_START_MS;
        tally->windows = xcalloc(markets[c].people + 1, sizeof(*tally->windows));
    }
}

static void run(struct sim *sim)
{
    int64_t end_ms = SIM_START_MS + (int64_t)SIM_HOURS * HOUR_MS;
    for (int64_t now_ms = SIM_START_MS; now_ms < end_ms; now_ms += STEP_MS) {
        manual_clock_init(&sim->clock, now_ms);
        while (sim->notices.count > 0 && sim->notices.items[0].at_ms <= now_ms) {
            struct notice n = heap_pop(&sim->notices);
            deliver(sim, &n);
        }
        arrivals(sim, now_ms);
        ledger_tick(sim->ledger, now_ms);
    }
}

/* ---- the report --------------------------------------------------------------------------- */

/* The even share of each local hour of the day: the daily budget over the active hours
 * (the schedule's hours, all 24 without one). */
static void even_shares(const struct tally *tally, int64_t shares[24])
{
    const struct schedule *schedule = &tally->campaign->schedule;
    int active = 0;
    for (int h = 0; h < 24; h++)
        active += !schedule->present || (schedule->hours >> h & 1);
    for (int h = 0; h < 24; h++)
        shares[h] = !schedule->present || (schedule->hours >> h & 1)
                        ? tally->campaign->delivery.daily_budget_micros / active
                        : 0;
}

struct verdict {
    double percent, worst_hour;   /* spend / budget; max hourly spend / even share */
    int64_t overspend;
    bool even;
};

static struct verdict judge(const struct tally *tally)
{
    int64_t budget = tally->campaign->delivery.daily_budget_micros, shares[24];
    even_shares(tally, shares);
    struct verdict v = {.percent = 100.0 * (double)tally->day_micros / (double)budget,
                        .even = tally->campaign->delivery.pacing == CAMPAIGN_PACING_EVEN};
    v.overspend = tally->day_micros > budget ? tally->day_micros - budget : 0;
    for (int h = 0; h < 24; h++)
        if (shares[h] > 0 && (double)tally->hourly_micros[h] / (double)shares[h] > v.worst_hour)
            v.worst_hour = (double)tally->hourly_micros[h] / (double)shares[h];
    return v;
}

static bool verdict_ok(const struct verdict *v, const struct tally *tally)
{
    bool spend_ok = !v->even || v->percent >= 95.0;
    bool hours_ok = !v->even || v->worst_hour <= 2.0;
    return spend_ok && hours_ok && v->overspend == 0 && tally->cap_violations == 0;
}

static void print_summary(const struct sim *sim, bool *all_ok)
{
    printf("| campaign | pacing | time zone | daily budget | spent on the day | %% of budget "
           "| worst hour / even share | cap violations | overspend | opportunities | bids "
           "| wins |\n|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
    for (int c = 0; c < campaign_count; c++) {
        const struct tally *t = &sim->tallies[c];
        struct verdict v = judge(t);
        *all_ok = *all_ok && verdict_ok(&v, t);
        const struct campaign_delivery *d = &t->campaign->delivery;
        printf("| %s | %s | %.*s | %.2f %.3s | %.2f | %.1f %% | ", markets[c].id,
               v.even ? "even" : "asap", (int)d->timezone.len, d->timezone.ptr,
               (double)d->daily_budget_micros / 1e6, t->campaign->currency,
               (double)t->day_micros / 1e6, v.percent);
        if (v.even)
            printf("%.2f", v.worst_hour);
        else
            printf("(asap) %.2f", v.worst_hour);
        printf(" | %llu | %.6f | %llu | %llu | %llu |\n", (unsigned long long)t->cap_violations,
               (double)v.overspend / 1e6, (unsigned long long)t->opportunities,
               (unsigned long long)t->bids, (unsigned long long)t->wins);
    }
}

static void print_hours(const struct sim *sim)
{
    printf("\nHourly spend as %% of the even share (local hours of each campaign):\n\n| hour |");
    for (int c = 0; c < campaign_count; c++)
        printf(" %s |", markets[c].id);
    printf("\n|---:|");
    for (int c = 0; c < campaign_count; c++)
        printf("---:|");
    printf("\n");
    for (int h = 0; h < 24; h++) {
        printf("| %02d |", h);
        for (int c = 0; c < campaign_count; c++) {
            int64_t shares[24];
            even_shares(&sim->tallies[c], shares);
            if (shares[h] == 0)
                printf(" — |");
            else
                printf(" %.0f |", 100.0 * (double)sim->tallies[c].hourly_micros[h] / shares[h]);
        }
        printf("\n");
    }
}

static void print_refusals(const struct sim *sim)
{
    printf("\nWhy opportunities got no bid:\n\n| campaign |");
    for (int s = 1; s <= LEDGER_BUSY; s++)
        printf(" %s |", ledger_status_name((enum ledger_status)s));
    printf("\n|---|");
    for (int s = 1; s <= LEDGER_BUSY; s++)
        printf("---:|");
    printf("\n");
    for (int c = 0; c < campaign_count; c++) {
        printf("| %s |", markets[c].id);
        for (int s = 1; s <= LEDGER_BUSY; s++)
            printf(" %llu |", (unsigned long long)sim->tallies[c].refusals[s]);
        printf("\n");
    }
}

int main(int argc, char **argv)
{
    uint64_t seed = 1;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc) {
            seed = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: sim-day [--seed N]\n");
            return 2;
        }
    }
    struct sim sim;
    setup(&sim, seed);
    clock_t started = clock();
    run(&sim);
    bool all_ok = true;
    printf("Simulated day 2026-11-23 (local time of each campaign), seed %llu, %.1f s of CPU "
           "for %d simulated hours.\n\n",
           (unsigned long long)seed, (double)(clock() - started) / CLOCKS_PER_SEC, SIM_HOURS);
    print_summary(&sim, &all_ok);
    print_hours(&sim);
    print_refusals(&sim);
    printf("\nTargets (even pacing: 95-100 %% of budget, no hour above 2x its share; all: no "
           "cap violation, no overspend): %s\n",
           all_ok ? "met" : "MISSED");
    ledger_close(sim.ledger);
    for (int c = 0; c < campaign_count; c++)
        free(sim.tallies[c].windows);
    free(sim.notices.items);
    campaign_set_free(&sim.set);
    return all_ok ? 0 : 1;
}
