/* Time zones (tz.h): TZif files and their POSIX TZ footer rules → offset tables.
 *
 * The tables are built with our own parser rather than with glibc's localtime_r under
 * setenv("TZ"): glibc keeps one process-wide zone, so deriving ~600 tables from it means
 * probing each zone day by day with tzset() in between, and nothing of it may run once
 * worker threads exist. Reading the files directly takes a few milliseconds at start-up
 * and leaves tables any thread can search. The parser is a fuzz target (fuzz/fuzz_tz.c). */
#include "geobid/tz.h"

#include "geobid/alloc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum {
    seconds_per_day = 86400,
    max_offset_s = 26 * 3600,      /* beyond any real zone (RFC 8536 allows ±25 h) */
    max_rule_hours = 167,          /* RFC 8536 extension of POSIX TZ rule times */
    max_tzif_bytes = 1 << 20,      /* real files are under 4 KiB */
    max_tree_depth = 4,            /* zoneinfo nests at most "America/Argentina/X" */
};

/* 1970-01-01T00:00:00Z: tables start here; earlier history is of no use to bidding. */
static const int64_t table_start_s = 0;

struct tz_zone {
    char *name;
    size_t name_len;
    int32_t initial_offset_s; /* in force before at_s[0] */
    size_t count;
    int64_t *at_s;            /* instants the offset changes, ascending */
    int32_t *offset_s;        /* offset from at_s[i] on */
};

/* ---- civil dates (days since 1970-01-01, proleptic Gregorian) ------------------ */

int64_t tz_day_of_seconds(int64_t seconds)
{
    return seconds >= 0 ? seconds / seconds_per_day
                        : -((-seconds + seconds_per_day - 1) / seconds_per_day);
}

/* Era arithmetic on 400-year cycles of 146097 days, March-based years (so the leap
 * day is the last day of a year). */
int64_t tz_days_from_civil(struct civil_date date)
{
    int64_t year = date.year - (date.month <= 2);
    int64_t era = (year >= 0 ? year : year - 399) / 400;
    int64_t year_of_era = year - era * 400;
    int64_t month_from_march = date.month > 2 ? date.month - 3 : date.month + 9;
    int64_t day_of_year = (153 * month_from_march + 2) / 5 + date.day - 1;
    int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    return era * 146097 + day_of_era - 719468;
}

struct civil_date tz_civil_from_days(int64_t days)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    int64_t day_of_era = days - era * 146097;
    int64_t year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
    int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    int64_t month_from_march = (5 * day_of_year + 2) / 153;
    struct civil_date date;
    date.day = (int32_t)(day_of_year - (153 * month_from_march + 2) / 5 + 1);
    date.month = (int32_t)(month_from_march < 10 ? month_from_march + 3 : month_from_march - 9);
    date.year = (int32_t)(year_of_era + era * 400 + (date.month <= 2));
    return date;
}

static bool is_leap_year(int64_t year)
{
    return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
}

/* ---- POSIX TZ strings (the TZif footer), e.g. "CET-1CEST,M3.5.0,M10.5.0/3" ------- */

enum rule_date_kind { RULE_JULIAN_NO_LEAP, RULE_DAY_OF_YEAR, RULE_MONTH_WEEK_DAY };

struct rule_date {
    enum rule_date_kind kind;
    int32_t day;            /* Jn: 1-365; n: 0-365; M: weekday 0 (Sunday)-6 */
    int32_t month, week;    /* M only: 1-12, 1-5 (5 = last) */
    int32_t time_s;         /* local time of day of the change, may be negative or > 24 h */
};

struct posix_rule {
    int32_t std_offset_s, dst_offset_s; /* east positive */
    bool has_dst;
    struct rule_date start, end;        /* DST starts (in standard time), ends (in DST) */
};

struct cursor {
    const char *p, *end;
};

static bool at(const struct cursor *c, char expected)
{
    return c->p < c->end && *c->p == expected;
}

static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

/* Reads an unsigned decimal number into *out (at most max). */
static bool parse_number(struct cursor *c, int32_t max, int32_t *out)
{
    if (c->p == c->end || !is_digit(*c->p))
        return false;
    int64_t value = 0;
    while (c->p < c->end && is_digit(*c->p)) {
        value = value * 10 + (*c->p++ - '0');
        if (value > max)
            return false;
    }
    *out = (int32_t)value;
    return true;
}

/* A zone abbreviation: "<+0330>" or three or more letters. */
static bool parse_abbreviation(struct cursor *c)
{
    const char *start = c->p;
    if (at(c, '<')) {
        while (c->p < c->end && *c->p != '>')
            c->p++;
        if (c->p == c->end)
            return false;
        c->p++;
        return c->p - start >= 5; /* "<" three characters ">" */
    }
    while (c->p < c->end && ((*c->p >= 'A' && *c->p <= 'Z') || (*c->p >= 'a' && *c->p <= 'z')))
        c->p++;
    return c->p - start >= 3;
}

/* [+-]hh[:mm[:ss]] into seconds, hours at most max_hours. */
static bool parse_clock(struct cursor *c, int32_t max_hours, int32_t *out)
{
    int32_t sign = 1, hours, minutes = 0, seconds = 0;
    if (at(c, '+') || at(c, '-'))
        sign = *c->p++ == '-' ? -1 : 1;
    if (!parse_number(c, max_hours, &hours))
        return false;
    if (at(c, ':')) {
        c->p++;
        if (!parse_number(c, 59, &minutes))
            return false;
        if (at(c, ':')) {
            c->p++;
            if (!parse_number(c, 59, &seconds))
                return false;
        }
    }
    *out = sign * (hours * 3600 + minutes * 60 + seconds);
    return true;
}

/* A POSIX offset is west positive ("CET-1" is UTC+1): returns it east positive. */
static bool parse_offset(struct cursor *c, int32_t *out)
{
    int32_t west_s;
    if (!parse_clock(c, 24, &west_s))
        return false;
    *out = -west_s;
    return true;
}

/* Jn, n or Mm.w.d, then an optional /time (default 02:00). */
static bool parse_rule_date(struct cursor *c, struct rule_date *date)
{
    bool ok;
    if (at(c, 'J')) {
        c->p++;
        date->kind = RULE_JULIAN_NO_LEAP;
        ok = parse_number(c, 365, &date->day) && date->day >= 1;
    } else if (at(c, 'M')) {
        c->p++;
        date->kind = RULE_MONTH_WEEK_DAY;
        ok = parse_number(c, 12, &date->month) && date->month >= 1 && at(c, '.') &&
             c->p++ && parse_number(c, 5, &date->week) && date->week >= 1 && at(c, '.') &&
             c->p++ && parse_number(c, 6, &date->day);
    } else {
        date->kind = RULE_DAY_OF_YEAR;
        ok = parse_number(c, 365, &date->day);
    }
    date->time_s = 2 * 3600;
    if (ok && at(c, '/')) {
        c->p++;
        ok = parse_clock(c, max_rule_hours, &date->time_s);
    }
    return ok;
}

/* Parses a whole TZ string; an empty one is refused here (the caller handles it). */
static bool parse_posix_rule(struct slice text, struct posix_rule *rule)
{
    struct cursor c = {text.ptr, text.ptr + text.len};
    memset(rule, 0, sizeof(*rule));
    if (!parse_abbreviation(&c) || !parse_offset(&c, &rule->std_offset_s))
        return false;
    if (c.p == c.end)
        return true;
    rule->has_dst = true;
    if (!parse_abbreviation(&c))
        return false;
    rule->dst_offset_s = rule->std_offset_s + 3600;
    if (c.p < c.end && !at(&c, ',') && !parse_offset(&c, &rule->dst_offset_s))
        return false;
    if (c.p == c.end) { /* no rule given: POSIX leaves it to us; use the US rule */
        rule->start = (struct rule_date){RULE_MONTH_WEEK_DAY, 0, 3, 2, 2 * 3600};
        rule->end = (struct rule_date){RULE_MONTH_WEEK_DAY, 0, 11, 1, 2 * 3600};
        return true;
    }
    if (!at(&c, ',') || !(c.p++, parse_rule_date(&c, &rule->start)) || !at(&c, ',') ||
        !(c.p++, parse_rule_date(&c, &rule->end)))
        return false;
    return c.p == c.end;
}

/* Returns the day number of a rule date in year. */
static int64_t rule_day(const struct rule_date *date, int32_t year)
{
    int64_t jan1 = tz_days_from_civil((struct civil_date){year, 1, 1});
    switch (date->kind) {
    case RULE_JULIAN_NO_LEAP: /* 1-365, February 29 never counted */
        return jan1 + date->day - 1 + (is_leap_year(year) && date->day >= 60);
    case RULE_DAY_OF_YEAR:
        return jan1 + date->day;
    case RULE_MONTH_WEEK_DAY:
        break;
    }
    int64_t first = tz_days_from_civil((struct civil_date){year, date->month, 1});
    int64_t first_weekday = ((first + 4) % 7 + 7) % 7; /* 0 = Sunday; 1970-01-01 was a Thursday */
    int64_t day = first + (date->day - first_weekday + 7) % 7 + (int64_t)(date->week - 1) * 7;
    int32_t next_month = date->month == 12 ? 1 : date->month + 1;
    int64_t month_end = tz_days_from_civil(
        (struct civil_date){date->month == 12 ? year + 1 : year, next_month, 1});
    while (day >= month_end) /* week 5 means the last such weekday */
        day -= 7;
    return day;
}

/* ---- offset tables ---------------------------------------------------------------- */

struct table {
    int32_t initial_offset_s;
    size_t count, capacity;
    int64_t *at_s;
    int32_t *offset_s;
};

static int32_t table_last_offset(const struct table *table)
{
    return table->count ? table->offset_s[table->count - 1] : table->initial_offset_s;
}

/* Appends a change at at_s; drops changes that change nothing, and an earlier change at
 * the same instant (the later one wins: a rule's end and next start may coincide). */
static void table_push(struct table *table, int64_t at_s, int32_t offset_s)
{
    if (table->count > 0 && table->at_s[table->count - 1] >= at_s)
        table->count--;
    if (offset_s == table_last_offset(table))
        return;
    if (table->count == table->capacity) {
        table->capacity = table->capacity ? table->capacity * 2 : 64;
        table->at_s = xrealloc(table->at_s, table->capacity * sizeof(*table->at_s));
        table->offset_s = xrealloc(table->offset_s, table->capacity * sizeof(*table->offset_s));
    }
    table->at_s[table->count] = at_s;
    table->offset_s[table->count++] = offset_s;
}

/* Appends the rule's changes after after_s, from that year to TZ_LAST_TABLE_YEAR;
 * nothing when after_s is later (a file whose last transition lies in year 2^31 would
 * otherwise wrap the year around and expand for billions of years). */
static void table_expand_rule(struct table *table, const struct posix_rule *rule, int64_t after_s)
{
    int64_t table_end_s =
        tz_days_from_civil((struct civil_date){TZ_LAST_TABLE_YEAR + 1, 1, 1}) * seconds_per_day;
    if (after_s >= table_end_s)
        return;
    if (!rule->has_dst) {
        if (rule->std_offset_s != table_last_offset(table))
            table_push(table, after_s + 1, rule->std_offset_s);
        return;
    }
    int32_t first_year = tz_civil_from_days(tz_day_of_seconds(after_s)).year - 1;
    for (int32_t year = first_year; year <= TZ_LAST_TABLE_YEAR; year++) {
        int64_t start = rule_day(&rule->start, year) * seconds_per_day + rule->start.time_s -
                        rule->std_offset_s;
        int64_t end = rule_day(&rule->end, year) * seconds_per_day + rule->end.time_s -
                      rule->dst_offset_s;
        bool start_first = start <= end; /* southern zones end DST before starting it */
        int64_t first = start_first ? start : end, second = start_first ? end : start;
        int32_t first_offset = start_first ? rule->dst_offset_s : rule->std_offset_s;
        int32_t second_offset = start_first ? rule->std_offset_s : rule->dst_offset_s;
        if (first > after_s)
            table_push(table, first, first_offset);
        if (second > after_s)
            table_push(table, second, second_offset);
    }
}

/* ---- TZif (RFC 8536) ------------------------------------------------------------- */

struct tzif_header {
    char version;
    uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
};

struct reader {
    const uint8_t *p, *end;
};

static bool take(struct reader *r, size_t n, const uint8_t **out)
{
    if ((size_t)(r->end - r->p) < n)
        return false;
    *out = r->p;
    r->p += n;
    return true;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static bool read_header(struct reader *r, struct tzif_header *h)
{
    const uint8_t *p;
    if (!take(r, 44, &p) || memcmp(p, "TZif", 4) != 0)
        return false;
    h->version = (char)p[4];
    uint32_t *counts[] = {&h->isutcnt, &h->isstdcnt, &h->leapcnt,
                          &h->timecnt, &h->typecnt,  &h->charcnt};
    for (size_t i = 0; i < 6; i++)
        *counts[i] = be32(p + 20 + 4 * i);
    return h->typecnt >= 1 && h->typecnt <= 256 && h->charcnt >= 1 &&
           (h->isutcnt == 0 || h->isutcnt == h->typecnt) &&
           (h->isstdcnt == 0 || h->isstdcnt == h->typecnt) && h->timecnt <= max_tzif_bytes;
}

/* Bytes of the data block after a header, with times of time_size bytes. */
static uint64_t block_size(const struct tzif_header *h, size_t time_size)
{
    return (uint64_t)h->timecnt * time_size + h->timecnt + (uint64_t)h->typecnt * 6 +
           h->charcnt + (uint64_t)h->leapcnt * (time_size + 4) + h->isstdcnt + h->isutcnt;
}

/* The parts of a data block the tables need. */
struct tzif_block {
    const uint8_t *times, *indexes, *types;
    size_t time_size;
    uint32_t timecnt, typecnt;
};

static bool read_block(struct reader *r, const struct tzif_header *h, size_t time_size,
                       struct tzif_block *block)
{
    const uint8_t *rest;
    *block = (struct tzif_block){.time_size = time_size, .timecnt = h->timecnt,
                                 .typecnt = h->typecnt};
    return take(r, (size_t)h->timecnt * time_size, &block->times) &&
           take(r, h->timecnt, &block->indexes) && take(r, (size_t)h->typecnt * 6, &block->types) &&
           take(r, block_size(h, time_size) - (uint64_t)h->timecnt * (time_size + 1) -
                       (uint64_t)h->typecnt * 6,
                &rest);
}

static int64_t block_time(const struct tzif_block *block, size_t i)
{
    const uint8_t *p = block->times + i * block->time_size;
    return block->time_size == 8 ? be64(p) : (int64_t)(int32_t)be32(p);
}

static int32_t block_type_offset(const struct tzif_block *block, size_t type)
{
    return (int32_t)be32(block->types + type * 6);
}

/* Checks what the tables rely on: indexes name types, offsets are sane, times ascend. */
static const char *check_block(const struct tzif_block *block)
{
    for (size_t t = 0; t < block->typecnt; t++) {
        int32_t offset = block_type_offset(block, t);
        if (offset < -max_offset_s || offset > max_offset_s)
            return "UTC offset out of range";
    }
    for (size_t i = 0; i < block->timecnt; i++) {
        if (block->indexes[i] >= block->typecnt)
            return "transition names a missing time type";
        if (i > 0 && block_time(block, i) <= block_time(block, i - 1))
            return "transition times not ascending";
    }
    return NULL;
}

/* Fills table from the block's transitions from 1970 on: the offset in force then is
 * the initial one. Returns the instant of the last transition (table_start_s - 1 when
 * none is later). */
static int64_t table_from_block(struct table *table, const struct tzif_block *block)
{
    table->initial_offset_s = block_type_offset(block, 0);
    int64_t last = table_start_s - 1;
    for (size_t i = 0; i < block->timecnt; i++) {
        int64_t when = block_time(block, i);
        int32_t offset = block_type_offset(block, block->indexes[i]);
        if (when <= table_start_s)
            table->initial_offset_s = offset;
        else
            table_push(table, when, offset);
        last = when > last ? when : last;
    }
    return last;
}

/* The footer "\n<TZ string>\n" of a version 2+ file. */
static bool read_footer(struct reader *r, struct slice *rule)
{
    const uint8_t *p;
    if (!take(r, 1, &p) || *p != '\n')
        return false;
    const uint8_t *start = r->p;
    while (r->p < r->end && *r->p != '\n')
        r->p++;
    if (r->p == r->end)
        return false;
    *rule = (struct slice){(const char *)start, (size_t)(r->p - start)};
    r->p++;
    return true;
}

static struct tz_zone *zone_from_table(struct slice name, struct table *table)
{
    struct tz_zone *zone = xcalloc(1, sizeof(*zone));
    zone->name = xstrndup(name.ptr ? name.ptr : "", name.len);
    zone->name_len = name.len;
    zone->initial_offset_s = table->initial_offset_s;
    zone->count = table->count;
    zone->at_s = table->at_s;
    zone->offset_s = table->offset_s;
    return zone;
}

/* Reads the block to use (the 64-bit one of a version 2+ file) and the footer rule. */
static const char *read_tzif(struct reader *r, struct tzif_block *block, struct slice *footer)
{
    struct tzif_header header;
    const uint8_t *skipped;
    *footer = (struct slice){NULL, 0};
    if (!read_header(r, &header))
        return "not a TZif file";
    if (header.version == '\0')
        return read_block(r, &header, 4, block) ? NULL : "truncated";
    if (!take(r, block_size(&header, 4), &skipped) || !read_header(r, &header) ||
        !read_block(r, &header, 8, block))
        return "truncated";
    return read_footer(r, footer) ? NULL : "missing footer";
}

struct tz_zone *tz_zone_parse(struct slice name, const void *data, size_t len,
                              struct error *err)
{
    struct reader r = {data, (const uint8_t *)data + len};
    struct tzif_block block;
    struct slice footer;
    const char *problem = read_tzif(&r, &block, &footer);
    if (problem == NULL)
        problem = check_block(&block);
    struct posix_rule rule;
    if (problem == NULL && footer.len > 0 && !parse_posix_rule(footer, &rule))
        problem = "malformed footer rule";
    if (problem != NULL) {
        error_format(err, "%.*s: %s", (int)name.len, name.ptr ? name.ptr : "", problem);
        return NULL;
    }
    struct table table = {0};
    int64_t last = table_from_block(&table, &block);
    if (footer.len > 0)
        table_expand_rule(&table, &rule, last);
    return zone_from_table(name, &table);
}

void tz_zone_free(struct tz_zone *zone)
{
    if (zone == NULL)
        return;
    free(zone->name);
    free(zone->at_s);
    free(zone->offset_s);
    free(zone);
}

int32_t tz_zone_offset_s(const struct tz_zone *zone, int64_t utc_s)
{
    size_t low = 0, high = zone->count; /* answer: the number of changes at or before utc_s */
    while (low < high) {
        size_t mid = low + (high - low) / 2;
        if (zone->at_s[mid] <= utc_s)
            low = mid + 1;
        else
            high = mid;
    }
    return low == 0 ? zone->initial_offset_s : zone->offset_s[low - 1];
}

struct slice tz_zone_name(const struct tz_zone *zone)
{
    return (struct slice){zone->name, zone->name_len};
}

size_t tz_zone_transition_count(const struct tz_zone *zone)
{
    return zone->count;
}

/* ---- the database: every zone of a directory tree -------------------------------- */

struct tz_database {
    struct tz_zone **zones;
    size_t count, capacity;
    struct tz_zone **slots; /* open addressing on the name; NULL: free */
    size_t mask;
    char problem[256];
};

static uint64_t name_hash(struct slice name)
{
    uint64_t hash = 14695981039346656037u; /* FNV-1a */
    for (size_t i = 0; i < name.len; i++)
        hash = (hash ^ (unsigned char)name.ptr[i]) * 1099511628211u;
    return hash;
}

static void database_add(struct tz_database *database, struct tz_zone *zone)
{
    if (database->count == database->capacity) {
        database->capacity = database->capacity ? database->capacity * 2 : 512;
        database->zones = xrealloc(database->zones, database->capacity * sizeof(zone));
    }
    database->zones[database->count++] = zone;
}

static void database_index(struct tz_database *database)
{
    size_t capacity = 16;
    while (capacity < 2 * database->count)
        capacity *= 2;
    database->slots = xcalloc(capacity, sizeof(*database->slots));
    database->mask = capacity - 1;
    for (size_t i = 0; i < database->count; i++) {
        size_t slot = (size_t)name_hash(tz_zone_name(database->zones[i])) & database->mask;
        while (database->slots[slot] != NULL)
            slot = (slot + 1) & database->mask;
        database->slots[slot] = database->zones[i];
    }
}

/* Reads a whole small file; returns its length, or -1 (errno set, or EFBIG). */
static ssize_t read_small_file(const char *path, uint8_t *buffer, size_t capacity)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    size_t used = 0;
    ssize_t n = 0;
    while (used < capacity && (n = read(fd, buffer + used, capacity - used)) != 0) {
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            break;
        used += (size_t)n;
    }
    int saved_errno = errno;
    close(fd);
    errno = used == capacity ? EFBIG : saved_errno;
    return n < 0 || used == capacity ? -1 : (ssize_t)used;
}

struct walk {
    struct tz_database *database;
    uint8_t *buffer;
    char path[4096];
    size_t root_len; /* the zone name starts after root_len + 1 */
    struct error *err;
};

static int walk_tree(struct walk *walk, size_t path_len, int depth);

/* Adds the file at walk->path when it is a TZif file; other files are skipped. */
static int walk_file(struct walk *walk, size_t path_len)
{
    ssize_t len = read_small_file(walk->path, walk->buffer, max_tzif_bytes);
    if (len < 4 || memcmp(walk->buffer, "TZif", 4) != 0)
        return 0;
    struct slice name = {walk->path + walk->root_len + 1, path_len - walk->root_len - 1};
    struct tz_zone *zone = tz_zone_parse(name, walk->buffer, (size_t)len, walk->err);
    if (zone == NULL)
        return -1;
    database_add(walk->database, zone);
    return 0;
}

static bool skipped_entry(const char *name, int depth)
{
    return name[0] == '.' ||
           (depth == 0 && (strcmp(name, "posix") == 0 || strcmp(name, "right") == 0 ||
                           strcmp(name, "localtime") == 0 || strcmp(name, "posixrules") == 0));
}

static int walk_entry(struct walk *walk, size_t path_len, const char *name, int depth)
{
    int n = snprintf(walk->path + path_len, sizeof(walk->path) - path_len, "/%s", name);
    if (n < 0 || (size_t)n >= sizeof(walk->path) - path_len)
        return 0;
    struct stat st;
    if (stat(walk->path, &st) != 0)
        return 0; /* a dangling link */
    if (S_ISDIR(st.st_mode))
        return depth + 1 < max_tree_depth ? walk_tree(walk, path_len + (size_t)n, depth + 1) : 0;
    return S_ISREG(st.st_mode) ? walk_file(walk, path_len + (size_t)n) : 0;
}

static int walk_tree(struct walk *walk, size_t path_len, int depth)
{
    walk->path[path_len] = '\0';
    DIR *dir = opendir(walk->path);
    if (dir == NULL)
        return depth == 0 ? error_format(walk->err, "%s: %s", walk->path, strerror(errno)) : 0;
    int rc = 0;
    for (struct dirent *entry; rc == 0 && (entry = readdir(dir)) != NULL;)
        if (!skipped_entry(entry->d_name, depth))
            rc = walk_entry(walk, path_len, entry->d_name, depth);
    closedir(dir);
    return rc;
}

struct tz_database *tz_database_open(const char *dir, struct error *err)
{
    struct tz_database *database = xcalloc(1, sizeof(*database));
    struct walk walk = {.database = database, .buffer = xmalloc(max_tzif_bytes), .err = err};
    int n = snprintf(walk.path, sizeof(walk.path), "%s", dir);
    walk.root_len = n > 0 && (size_t)n < sizeof(walk.path) ? (size_t)n : 0;
    int rc = walk.root_len > 0 ? walk_tree(&walk, walk.root_len, 0)
                               : error_format(err, "time zone directory name too long");
    free(walk.buffer);
    if (rc != 0) {
        tz_database_free(database);
        return NULL;
    }
    database_index(database);
    return database;
}

void tz_database_free(struct tz_database *database)
{
    if (database == NULL)
        return;
    for (size_t i = 0; i < database->count; i++)
        tz_zone_free(database->zones[i]);
    free(database->zones);
    free(database->slots);
    free(database);
}

const struct tz_zone *tz_database_find(const struct tz_database *database, struct slice name)
{
    if (database->slots == NULL)
        return NULL;
    size_t slot = (size_t)name_hash(name) & database->mask;
    for (; database->slots[slot] != NULL; slot = (slot + 1) & database->mask)
        if (slice_eq(tz_zone_name(database->slots[slot]), name))
            return database->slots[slot];
    return NULL;
}

size_t tz_database_count(const struct tz_database *database)
{
    return database->count;
}

const char *tz_database_problem(const struct tz_database *database)
{
    return database->problem;
}

/* ---- the process's database -------------------------------------------------------- */

static struct tz_database *system_database;
static pthread_once_t system_database_once = PTHREAD_ONCE_INIT;

static void load_system_database(void)
{
    const char *dir = getenv("TZDIR");
    struct error err = {""};
    system_database = tz_database_open(dir && dir[0] ? dir : "/usr/share/zoneinfo", &err);
    if (system_database == NULL) {
        system_database = xcalloc(1, sizeof(*system_database));
        snprintf(system_database->problem, sizeof(system_database->problem), "%s", err.message);
        database_index(system_database);
    }
}

const struct tz_database *tz_system_database(void)
{
    pthread_once(&system_database_once, load_system_database);
    return system_database;
}
