#include "find_max.h"

#include "geobid/alloc.h"

#include <math.h>

bool find_max_passes(const struct probe_outcome *outcome, double slo_p99_ms)
{
    return outcome->errors == 0 && outcome->invalid == 0 && outcome->p99_ms <= slo_p99_ms;
}

/* The next rate to try, or 0 when the search is over. passed is the best passing rate
 * (0: none yet), failed the lowest failing one (0: none yet). */
static double next_rate(const struct find_max_config *config, double rate, double passed,
                        double failed)
{
    if (failed == 0) /* still ramping up */
        return rate * 2 <= config->max_rps ? rate * 2 : 0;
    if (passed == 0) /* ramping down from a failing start */
        return rate / 2 >= 1 ? floor(rate / 2) : 0;
    if (failed - passed <= config->precision * passed)
        return 0;
    double middle = round((passed + failed) / 2);
    return middle > passed && middle < failed ? middle : 0;
}

int find_max_search(const struct find_max_config *config, find_max_probe probe, void *context,
                    struct find_max_result *result)
{
    result->max_rps = 0;
    result->steps = xcalloc(config->max_steps ? config->max_steps : 1, sizeof(struct find_max_step));
    result->step_count = 0;
    double passed = 0, failed = 0, rate = round(config->start_rps);
    if (rate < 1)
        rate = 1;
    while (rate > 0 && result->step_count < config->max_steps) {
        struct find_max_step *step = &result->steps[result->step_count];
        step->rate = rate;
        if (probe(context, rate, &step->outcome) != 0)
            return -1;
        result->step_count++;
        step->pass = find_max_passes(&step->outcome, config->slo_p99_ms);
        if (step->pass && rate > passed)
            passed = rate;
        if (!step->pass && (failed == 0 || rate < failed))
            failed = rate;
        rate = next_rate(config, rate, passed, failed);
    }
    result->max_rps = passed;
    return 0;
}
