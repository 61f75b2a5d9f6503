/* Time as the bidder sees it: the system clock in production, a manual clock in tests
 * and simulations (so a day of budgets, pacing and schedules runs in seconds).
 *
 * Every module that needs "now" takes a const struct clock * instead of calling
 * time() itself. */
#ifndef GEOBID_CLOCK_H
#define GEOBID_CLOCK_H

#include <stdatomic.h>
#include <stdint.h>

struct clock {
    /* Milliseconds since the Unix epoch (UTC). Safe to call from any thread. */
    int64_t (*now_ms)(const struct clock *clock);
};

/* The system's real-time clock. */
extern const struct clock clock_system;

/* A clock that only moves when told to; safe to read from any thread while one thread
 * sets or advances it. */
struct manual_clock {
    struct clock clock;           /* pass &manual.clock where a struct clock * is wanted */
    _Atomic int64_t now_ms;
};

/* Returns clock->now_ms(clock). */
static inline int64_t clock_now_ms(const struct clock *clock)
{
    return clock->now_ms(clock);
}

/* Starts manual at start_ms. */
void manual_clock_init(struct manual_clock *manual, int64_t start_ms);

/* Moves manual forward (or backward, for a negative delta) by delta_ms. */
void manual_clock_advance(struct manual_clock *manual, int64_t delta_ms);

#endif
