#include "geobid/clock.h"

#include <stddef.h>
#include <time.h>

static int64_t system_now_ms(const struct clock *clock)
{
    (void)clock;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

const struct clock clock_system = {system_now_ms};

static int64_t manual_now_ms(const struct clock *clock)
{
    const struct manual_clock *manual =
        (const struct manual_clock *)((const char *)clock - offsetof(struct manual_clock, clock));
    return atomic_load_explicit(&manual->now_ms, memory_order_acquire);
}

void manual_clock_init(struct manual_clock *manual, int64_t start_ms)
{
    manual->clock.now_ms = manual_now_ms;
    atomic_init(&manual->now_ms, start_ms);
}

void manual_clock_advance(struct manual_clock *manual, int64_t delta_ms)
{
    atomic_fetch_add_explicit(&manual->now_ms, delta_ms, memory_order_acq_rel);
}
