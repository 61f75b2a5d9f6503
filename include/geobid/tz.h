/* Time zones: UTC offsets of IANA zones ("Europe/Paris") at any instant, without
 * setenv/tzset/localtime on the hot path.
 *
 * A database is loaded once, off the hot path, from the system's compiled tz database
 * (the tzdata package: TZif files, RFC 8536, under $TZDIR or /usr/share/zoneinfo). Each
 * zone becomes a table of the instants its UTC offset changes, from 1970 to the end of
 * 2100: the transitions the file lists, then its footer rule (a POSIX TZ string such as
 * "CET-1CEST,M3.5.0,M10.5.0/3") expanded year by year. After loading, everything is
 * read-only: any thread may look offsets up (a binary search) without locks.
 *
 * Also here, because schedules and ages need them: civil dates of day numbers. */
#ifndef GEOBID_TZ_H
#define GEOBID_TZ_H

#include "geobid/error.h"
#include "geobid/slice.h"

#include <stddef.h>
#include <stdint.h>

/* The last year whose transitions the tables hold; later instants keep the offset in
 * force at the end of that year. */
enum { TZ_LAST_TABLE_YEAR = 2100 };

/* One zone (opaque): its name and its offset table. */
struct tz_zone;

/* Every zone of one directory tree (opaque). */
struct tz_database;

/* Parses the TZif file data[0..len) (versions 1 to 4) into a new zone called name.
 * Returns NULL with the reason in err when the data is not a valid TZif file or its
 * footer rule is malformed. The data may be freed after the call; free the zone with
 * tz_zone_free(). */
struct tz_zone *tz_zone_parse(struct slice name, const void *data, size_t len,
                              struct error *err);

/* Frees a zone from tz_zone_parse() (NULL is fine). Never call it on a zone a database
 * holds. */
void tz_zone_free(struct tz_zone *zone);

/* Returns the zone's UTC offset in seconds (east positive: +3600 for Paris in winter)
 * at the instant utc_s (seconds since the Unix epoch). Thread-safe, allocation-free. */
int32_t tz_zone_offset_s(const struct tz_zone *zone, int64_t utc_s);

/* Returns the zone's name, e.g. "Europe/Paris" (owned by the zone). */
struct slice tz_zone_name(const struct tz_zone *zone);

/* Returns the number of offset changes in the zone's table (for tests and tools). */
size_t tz_zone_transition_count(const struct tz_zone *zone);

/* Loads every TZif file under dir, named by its path below dir ("Europe/Paris",
 * "UTC"), skipping the "posix" and "right" trees (copies, and leap-second variants) and
 * files that are not TZif. Returns NULL with the reason in err when dir cannot be read
 * or a TZif file in it is corrupt. Free with tz_database_free(). */
struct tz_database *tz_database_open(const char *dir, struct error *err);

/* Frees a database from tz_database_open() and its zones (NULL is fine). */
void tz_database_free(struct tz_database *database);

/* Returns the zone called name (exact, case-sensitive), or NULL. Thread-safe. */
const struct tz_zone *tz_database_find(const struct tz_database *database, struct slice name);

/* Returns the number of zones in the database. */
size_t tz_database_count(const struct tz_database *database);

/* Returns the process's database of $TZDIR (default /usr/share/zoneinfo), loaded on the
 * first call (thread-safe; the first call takes some milliseconds, so make it at start
 * up, not on the hot path) and kept until exit. Never NULL: when the directory cannot
 * be loaded, the database is empty and tz_database_problem() says why. */
const struct tz_database *tz_system_database(void);

/* Returns why the database is empty ("/usr/share/zoneinfo: No such file or directory"),
 * or "" when it loaded. */
const char *tz_database_problem(const struct tz_database *database);

/* A proleptic Gregorian calendar date. */
struct civil_date {
    int32_t year;
    int32_t month; /* 1-12 */
    int32_t day;   /* 1-31 */
};

/* Returns the date of day number days (0 = 1970-01-01; negative before). */
struct civil_date tz_civil_from_days(int64_t days);

/* Returns the day number of a date (the inverse of tz_civil_from_days()). */
int64_t tz_days_from_civil(struct civil_date date);

/* Returns floor(seconds / 86400): the day number of an instant, also before 1970. */
int64_t tz_day_of_seconds(int64_t seconds);

#endif
