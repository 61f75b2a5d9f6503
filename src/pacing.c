/* Even pacing (pacing.h): interval targets from the budget left, and a throttle whose
 * rate follows the ratio of target to actual spend. */
#include "geobid/pacing.h"

enum { min_rate = 1 };

/* The throttle's credit starts one opportunity short of a bid, so the first
 * opportunity of a new campaign is taken: a local campaign may see only a few per
 * minute, and must not wait for the rate to ramp up before its first bid. */
void pacing_init(struct pacing *pacing)
{
    *pacing = (struct pacing){.rate = PACING_INITIAL_RATE,
                              .credit = PACING_RATE_ONE - PACING_INITIAL_RATE};
}

/* a * b / c without overflow for amounts in micros and durations in ms (a * b may
 * exceed 2^63: 10^15 micros times a day of ms). */
static int64_t scale(int64_t a, int64_t b, int64_t c)
{
    return c <= 0 ? 0 : (int64_t)((__int128)a * b / c);
}

/* The rate corrected by how the last interval went: times target / spent, within
 * [rate / 2, rate * 2] and [min_rate, PACING_RATE_ONE]. Nothing spent of a positive
 * target doubles it; an interval without a target leaves it as it was. */
static uint32_t corrected_rate(const struct pacing *pacing)
{
    int64_t rate = pacing->rate;
    if (pacing->target_micros <= 0)
        return pacing->rate;
    if (pacing->spent_micros <= 0)
        rate *= 2;
    else
        rate = scale(rate, pacing->target_micros, pacing->spent_micros);
    int64_t low = pacing->rate / 2, high = (int64_t)pacing->rate * 2;
    rate = rate < low ? low : rate > high ? high : rate;
    rate = rate < min_rate ? min_rate : rate > PACING_RATE_ONE ? PACING_RATE_ONE : rate;
    return (uint32_t)rate;
}

/* What the interval should spend: the budget left times the interval's share of the
 * active time left, at most PACING_MAX_BOOST_PERCENT of its even share of the day. */
static int64_t interval_target(const struct pacing_plan *plan)
{
    int64_t left = plan->daily_budget_micros - plan->spent_today_micros;
    if (left <= 0 || plan->active_ms_interval <= 0)
        return 0;
    int64_t target = scale(left, plan->active_ms_interval, plan->active_ms_left);
    int64_t even_share = scale(plan->daily_budget_micros, plan->active_ms_interval,
                               plan->active_ms_day);
    int64_t most = even_share * PACING_MAX_BOOST_PERCENT / 100;
    return target < most ? target : most;
}

void pacing_next_interval(struct pacing *pacing, const struct pacing_plan *plan)
{
    if (pacing->started)
        pacing->rate = corrected_rate(pacing);
    pacing->started = true;
    pacing->target_micros = interval_target(plan);
    pacing->spent_micros = 0;
}

bool pacing_admit(struct pacing *pacing)
{
    if (pacing->target_micros <= 0 ||
        pacing->spent_micros * 100 >= pacing->target_micros * PACING_LIMIT_PERCENT)
        return false;
    pacing->credit += pacing->rate;
    if (pacing->credit < PACING_RATE_ONE)
        return false;
    pacing->credit -= PACING_RATE_ONE;
    return true;
}

void pacing_record_spend(struct pacing *pacing, int64_t micros)
{
    pacing->spent_micros += micros;
}
