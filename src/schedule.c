/* Schedules (schedule.h): is it one of the campaign's days and hours where the person
 * is? */
#include "geobid/schedule.h"

const char *const schedule_day_names[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

/* The UTC offset the schedule is read in at now_s into *offset_s; false when it is the
 * user's and the location tells neither a known zone nor an offset. */
static bool schedule_offset(const struct schedule *schedule, const struct location *location,
                            const struct tz_database *zones, int64_t now_s, int32_t *offset_s)
{
    const struct tz_zone *zone = schedule->zone;
    if (zone == NULL && zones != NULL && location->time_zone.len > 0)
        zone = tz_database_find(zones, location->time_zone);
    if (zone != NULL) {
        *offset_s = tz_zone_offset_s(zone, now_s);
        return true;
    }
    if (schedule->zone == NULL && location->has_utc_offset) {
        *offset_s = location->utc_offset_min * 60; /* decoders keep |offset| <= 18 h */
        return true;
    }
    return false;
}

bool schedule_matches(const struct schedule *schedule, const struct location *location,
                      const struct tz_database *zones, int64_t now_ms)
{
    if (!schedule->present)
        return true;
    int64_t now_s = now_ms >= 0 ? now_ms / 1000 : -((-now_ms + 999) / 1000);
    int32_t offset_s;
    if (!schedule_offset(schedule, location, zones, now_s, &offset_s))
        return false;
    int64_t local_s = now_s + offset_s;
    int64_t day = tz_day_of_seconds(local_s);
    int hour = (int)((local_s - day * 86400) / 3600);
    return (schedule->days >> schedule_weekday(day) & 1) != 0 &&
           (schedule->hours >> hour & 1) != 0;
}

/* Appends the hour ranges of a mask: "7-11,17-20". */
static void format_hours(uint32_t hours, struct outbuf *out)
{
    const char *separator = "";
    for (int hour = 0; hour < 24; hour++) {
        if ((hours >> hour & 1) == 0)
            continue;
        int end = hour;
        while (end < 24 && (hours >> end & 1) != 0)
            end++;
        outbuf_append_cstr(out, separator);
        outbuf_append_int(out, hour);
        outbuf_append(out, "-", 1);
        outbuf_append_int(out, end);
        separator = ",";
        hour = end;
    }
}

void schedule_format(const struct schedule *schedule, struct outbuf *out)
{
    outbuf_append_cstr(out, "days=");
    const char *separator = "";
    for (int day = 0; day < 7; day++) {
        if ((schedule->days >> day & 1) == 0)
            continue;
        outbuf_append_cstr(out, separator);
        outbuf_append_cstr(out, schedule_day_names[day]);
        separator = ",";
    }
    outbuf_append_cstr(out, " hours=");
    format_hours(schedule->hours, out);
    outbuf_append_cstr(out, " timezone=");
    struct slice zone = schedule->zone ? tz_zone_name(schedule->zone) : SLICE_LITERAL("user");
    outbuf_append(out, zone.ptr, zone.len);
}
