/* Even pacing: spreads a daily budget over the active time left in the day.
 *
 * The day is cut into intervals (a minute by default). At the start of each, the
 * interval's target is what is left of the daily budget times the interval's share of
 * the active time left in the day (so underspending raises later targets and
 * overspending lowers them: a feedback loop on actual spend), bounded by
 * PACING_MAX_BOOST times the interval's even share of the whole day (so a slow
 * morning never turns into a burst in the evening). Within the interval, a throttle
 * takes a fraction `rate` of the bid opportunities, evenly spaced (a deterministic
 * accumulator, no random numbers); the fraction is corrected at each interval by the
 * ratio of target to actual spend (at most halved or doubled at once, so the notice
 * delay cannot make it oscillate). Once an interval's spend reaches
 * PACING_LIMIT_PERCENT of its target, no more bids are taken until the next.
 *
 * Pure computation: no clock, no locks (the ledger holds the campaign's lock). */
#ifndef GEOBID_PACING_H
#define GEOBID_PACING_H

#include <stdbool.h>
#include <stdint.h>

enum {
    PACING_RATE_ONE = 1 << 16,       /* rate of 1: every opportunity */
    PACING_INITIAL_RATE = PACING_RATE_ONE / 8,
    PACING_LIMIT_PERCENT = 150,      /* hard stop within an interval, % of its target */
    PACING_MAX_BOOST_PERCENT = 150,  /* an interval's target, at most, % of its even share */
};

#define PACING_INTERVAL_MS 60000

struct pacing {
    int64_t target_micros;   /* spend wanted in the current interval */
    int64_t spent_micros;    /* committed during the current interval */
    uint32_t rate;           /* share of opportunities taken, of PACING_RATE_ONE */
    uint32_t credit;         /* accumulates rate; an opportunity is taken at ONE */
    bool started;            /* a first interval has been planned */
};

/* What the next interval is planned from (all times are durations in ms). */
struct pacing_plan {
    int64_t daily_budget_micros;
    int64_t spent_today_micros;
    int64_t active_ms_left;        /* active time from now to the end of the day */
    int64_t active_ms_interval;    /* active time in the coming interval */
    int64_t active_ms_day;         /* active time in the whole day */
};

/* Starts pacing: no interval planned yet, so nothing is admitted; once one is, the
 * first opportunity is taken, then one in 1 / rate. */
void pacing_init(struct pacing *pacing);

/* Ends the current interval (correcting the rate by its actual spend) and plans the
 * next from plan. */
void pacing_next_interval(struct pacing *pacing, const struct pacing_plan *plan);

/* Decides one bid opportunity: true when the campaign may bid now (the throttle's
 * turn, and the interval's hard limit not reached). */
bool pacing_admit(struct pacing *pacing);

/* Records spend committed during the current interval. */
void pacing_record_spend(struct pacing *pacing, int64_t micros);

#endif
