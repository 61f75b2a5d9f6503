#include "schedule.h"

#include <math.h>

/* Global slot g is due at t0 + g * 1e9 / rate, rounded down to the nanosecond. */
static uint64_t slot_offset_ns(double rate, uint64_t global)
{
    return (uint64_t)floor((double)global * 1e9 / rate);
}

void schedule_init(struct schedule *schedule, uint64_t t0_ns, double rate, uint64_t duration_ns,
                   uint64_t stride, uint64_t phase)
{
    schedule->t0_ns = t0_ns;
    schedule->rate = rate;
    schedule->stride = stride;
    schedule->phase = phase;
    schedule->total = 0;
    /* global slots due strictly before the end: g < duration * rate / 1e9 */
    double slots = ceil((double)duration_ns * rate / 1e9);
    uint64_t global_total = (uint64_t)slots;
    if (global_total > phase)
        schedule->total = (global_total - phase + stride - 1) / stride;
}

uint64_t schedule_global_index(const struct schedule *schedule, uint64_t n)
{
    return n * schedule->stride + schedule->phase;
}

uint64_t schedule_intended_ns(const struct schedule *schedule, uint64_t n)
{
    return schedule->t0_ns + slot_offset_ns(schedule->rate, schedule_global_index(schedule, n));
}

uint64_t schedule_due(const struct schedule *schedule, uint64_t now_ns)
{
    if (schedule->total == 0 || now_ns < schedule_intended_ns(schedule, 0))
        return 0;
    /* estimate the last due request from the inverse, then correct the rounding */
    double elapsed_slots = (double)(now_ns - schedule->t0_ns) * schedule->rate / 1e9;
    double estimate = floor((elapsed_slots - (double)schedule->phase) / (double)schedule->stride);
    uint64_t last = estimate > 0 ? (uint64_t)estimate : 0;
    if (last >= schedule->total)
        last = schedule->total - 1;
    while (last > 0 && schedule_intended_ns(schedule, last) > now_ns)
        last--;
    while (last + 1 < schedule->total && schedule_intended_ns(schedule, last + 1) <= now_ns)
        last++;
    return last + 1;
}
