/* Schedules: on which days and at which hours a campaign bids, in a given time zone.
 *
 * {"days": ["mon", ...], "hours": [[7, 11], [17, 20]], "timezone": "user" | "<IANA>"}:
 * the local day must be listed and the local hour within one range [start, end) (hours
 * 7 to 11 is 7:00:00 to 10:59:59). "user" is the person's own time: the location's IANA
 * zone (from GeoIP) when the time zone database knows it, else the request's
 * geo.utcoffset; when neither is known the schedule does not hold. Offsets come from the
 * tz module's tables, so they are right across daylight-saving changes. */
#ifndef GEOBID_SCHEDULE_H
#define GEOBID_SCHEDULE_H

#include "geobid/geo.h"
#include "geobid/outbuf.h"
#include "geobid/tz.h"

#include <stdbool.h>
#include <stdint.h>

enum {
    SCHEDULE_ALL_DAYS = 0x7F,         /* bit d: weekday d, 0 = Monday ... 6 = Sunday */
    SCHEDULE_ALL_HOURS = 0xFFFFFF,    /* bit h: local hours h:00 to h:59 */
};

/* The names of the days in schedules, Monday first: "mon" ... "sun". */
extern const char *const schedule_day_names[7];

struct schedule {
    bool present;                     /* false: the campaign bids at any time */
    uint8_t days;                     /* SCHEDULE_ALL_DAYS when not given */
    uint32_t hours;                   /* SCHEDULE_ALL_HOURS when not given */
    const struct tz_zone *zone;       /* NULL: the user's time zone */
};

/* True when the schedule holds at now_ms (Unix milliseconds) for a person at location;
 * zones resolves the location's time zone name for "user" schedules. An absent schedule
 * always holds. Thread-safe, allocation-free. */
bool schedule_matches(const struct schedule *schedule, const struct location *location,
                      const struct tz_database *zones, int64_t now_ms);

/* Appends the schedule as text for reports: "days=mon,tue hours=7-11,17-20
 * timezone=user". */
void schedule_format(const struct schedule *schedule, struct outbuf *out);

/* Returns the day of the week of a local day number (0 = 1970-01-01): 0 = Monday. */
static inline int schedule_weekday(int64_t local_day)
{
    return (int)(((local_day + 3) % 7 + 7) % 7);
}

#endif
