#include "geobid/segment_import.h"

#include "geobid/alloc.h"
#include "geobid/json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    max_future_s = 86400, /* clocks disagree; a timestamp further ahead is a mistake */
    /* Up to now + a day, a timestamp has at most this many digits until the year 5138:
     * more can only be too far ahead, so no longer number needs an overflow check. */
    max_timestamp_digits = 11,
};

static struct slice trim_blanks(struct slice text)
{
    while (text.len > 0 && (text.ptr[0] == ' ' || text.ptr[0] == '\t')) {
        text.ptr++;
        text.len--;
    }
    while (text.len > 0 && (text.ptr[text.len - 1] == ' ' || text.ptr[text.len - 1] == '\t'))
        text.len--;
    return text;
}

/* Splits text at its first comma: *before and *after, trimmed. Returns false, with
 * *before the whole text trimmed, when there is none. */
static bool split_at_comma(struct slice text, struct slice *before, struct slice *after)
{
    const char *comma = text.len ? memchr(text.ptr, ',', text.len) : NULL;
    if (comma == NULL) {
        *before = trim_blanks(text);
        return false;
    }
    *before = trim_blanks((struct slice){text.ptr, (size_t)(comma - text.ptr)});
    *after = trim_blanks((struct slice){comma + 1, text.len - (size_t)(comma - text.ptr) - 1});
    return true;
}

/* ---- formats ------------------------------------------------------------------- */

int segment_import_format_of_type(struct slice content_type, enum segment_import_format *format)
{
    const char *semicolon = content_type.len ? memchr(content_type.ptr, ';', content_type.len)
                                             : NULL;
    struct slice media = trim_blanks((struct slice){
        content_type.ptr, semicolon ? (size_t)(semicolon - content_type.ptr) : content_type.len});
    if (slice_eq_nocase(media, SLICE_LITERAL("text/csv"))) {
        *format = SEGMENT_IMPORT_CSV;
        return 0;
    }
    if (slice_eq_nocase(media, SLICE_LITERAL("application/x-ndjson")) ||
        slice_eq_nocase(media, SLICE_LITERAL("application/jsonl"))) {
        *format = SEGMENT_IMPORT_JSON_LINES;
        return 0;
    }
    return -1;
}

static bool ends_with(const char *text, const char *suffix)
{
    size_t len = strlen(text), suffix_len = strlen(suffix);
    return len >= suffix_len && strcmp(text + len - suffix_len, suffix) == 0;
}

enum segment_import_format segment_import_format_of_path(const char *path)
{
    return ends_with(path, ".jsonl") || ends_with(path, ".ndjson") ? SEGMENT_IMPORT_JSON_LINES
                                                                   : SEGMENT_IMPORT_CSV;
}

/* ---- one line ------------------------------------------------------------------ */

/* Formats "line N: <fmt>" into err and returns -1. */
static int line_error(struct error *err, size_t line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int line_error(struct error *err, size_t line, const char *fmt, ...)
{
    char message[sizeof(err->message)];
    va_list args;
    va_start(args, fmt);
    vsnprintf(message, sizeof(message), fmt, args);
    va_end(args);
    return error_format(err, "line %zu: %s", line, message);
}

static int check_user_id(struct slice id, size_t line, struct error *err)
{
    if (id.len == 0)
        return line_error(err, line, "user id is empty");
    if (id.len > SEGMENT_IMPORT_MAX_ID_BYTES)
        return line_error(err, line, "user id is longer than %d bytes",
                          SEGMENT_IMPORT_MAX_ID_BYTES);
    for (size_t i = 0; i < id.len; i++)
        if ((unsigned char)id.ptr[i] < 0x20 || id.ptr[i] == 0x7f)
            return line_error(err, line, "user id holds a control character");
    return 0;
}

/* Checks seen_s, written as text in the upload. */
static int check_timestamp(int64_t seen_s, struct slice text, int64_t now_s, size_t line,
                           struct error *err)
{
    if (seen_s < 0)
        return line_error(err, line, "timestamp is negative");
    if (seen_s > now_s + max_future_s)
        return line_error(err, line, "timestamp %.*s is more than a day in the future "
                                     "(Unix seconds expected)",
                          (int)(text.len < 24 ? text.len : 24), text.ptr);
    return 0;
}

/* Reads a CSV timestamp: optional '-', then decimal digits. */
static int parse_timestamp(struct slice text, int64_t now_s, int64_t *seen_s, size_t line,
                           struct error *err)
{
    size_t sign = text.len > 0 && text.ptr[0] == '-';
    if (text.len == sign)
        return line_error(err, line, "timestamp is not an integer");
    int64_t value = 0;
    for (size_t i = sign; i < text.len; i++) {
        if (text.ptr[i] < '0' || text.ptr[i] > '9')
            return line_error(err, line, "timestamp is not an integer");
        if (i - sign < max_timestamp_digits)
            value = value * 10 + (text.ptr[i] - '0');
    }
    if (text.len - sign > max_timestamp_digits)
        value = INT64_MAX;
    *seen_s = sign ? -value : value;
    return check_timestamp(*seen_s, text, now_s, line, err);
}

/* A first line "user_id" or "user_id,ts" (any case, blanks around fields). */
static bool is_csv_header(struct slice line)
{
    struct slice first, second;
    if (!split_at_comma(line, &first, &second))
        return slice_eq_nocase(first, SLICE_LITERAL("user_id"));
    return slice_eq_nocase(first, SLICE_LITERAL("user_id")) &&
           slice_eq_nocase(second, SLICE_LITERAL("ts"));
}

static int read_csv_row(const struct segment_import_reader *reader, struct slice line,
                        struct segment_import_row *row, struct error *err)
{
    struct slice timestamp;
    if (memchr(line.ptr, '"', line.len) != NULL)
        return line_error(err, row->line, "quoted fields are not supported");
    if (!split_at_comma(line, &row->user_id, &timestamp))
        return 0;
    if (timestamp.len > 0 && memchr(timestamp.ptr, ',', timestamp.len) != NULL)
        return line_error(err, row->line, "expected user_id[,unix_ts], found more fields");
    return parse_timestamp(timestamp, reader->now_s, &row->seen_s, row->line, err);
}

/* Reads the "ts" member's value (token index value). */
static int read_json_timestamp(const struct segment_import_reader *reader,
                               const struct json_doc *doc, int value,
                               struct segment_import_row *row, struct error *err)
{
    if (json_is_null(doc, value))
        return 0;
    if (json_get_int64(doc, value, &row->seen_s) != 0)
        return line_error(err, row->line, "timestamp is not an integer");
    return check_timestamp(row->seen_s, json_raw(doc, value), reader->now_s, row->line, err);
}

static int read_json_row(struct segment_import_reader *reader, struct slice line,
                         struct segment_import_row *row, struct error *err)
{
    struct json_doc doc;
    struct error inner;
    if (json_parse(&doc, line.ptr, line.len, &reader->scratch, &inner) != 0)
        return line_error(err, row->line, "%s", inner.message);
    if (!json_is(&doc, 0, JSMN_OBJECT))
        return line_error(err, row->line, "expected a JSON object {\"user\": ..., \"ts\": ...}");
    bool has_user = false;
    JSON_FOR_EACH_MEMBER(&doc, 0, key, n) {
        if (json_key_is(&doc, key, "user")) {
            if (json_get_string(&doc, key + 1, &reader->scratch, &row->user_id) != 0)
                return line_error(err, row->line, "\"user\" must be a string");
            has_user = true;
        } else if (json_key_is(&doc, key, "ts")) {
            if (read_json_timestamp(reader, &doc, key + 1, row, err) != 0)
                return -1;
        } else {
            struct slice name = json_raw(&doc, key);
            return line_error(err, row->line, "unknown member \"%.*s\" (expected \"user\", \"ts\")",
                              (int)(name.len < 40 ? name.len : 40), name.ptr);
        }
    }
    return has_user ? 0 : line_error(err, row->line, "missing \"user\"");
}

/* ---- the reader ---------------------------------------------------------------- */

void segment_import_start(struct segment_import_reader *reader, enum segment_import_format format,
                          const char *text, size_t len, int64_t now_s)
{
    if (text == NULL)
        text = "";
    *reader = (struct segment_import_reader){text, text + len, format, now_s, 0, false, {0}};
    arena_init(&reader->scratch, 1024);
}

/* Cuts the next line off the text, without its LF and a CR before it. Returns false
 * at the end of the text. */
static bool next_line(struct segment_import_reader *reader, struct slice *line)
{
    if (reader->pos == reader->end)
        return false;
    const char *newline = memchr(reader->pos, '\n', (size_t)(reader->end - reader->pos));
    const char *stop = newline ? newline : reader->end;
    *line = (struct slice){reader->pos, (size_t)(stop - reader->pos)};
    reader->pos = newline ? newline + 1 : reader->end;
    if (line->len > 0 && line->ptr[line->len - 1] == '\r')
        line->len--;
    reader->line++;
    return true;
}

int segment_import_next(struct segment_import_reader *reader, struct segment_import_row *row,
                        struct error *err)
{
    struct slice line;
    while (next_line(reader, &line)) {
        line = trim_blanks(line);
        if (line.len == 0)
            continue;
        bool first = !reader->seen_content;
        reader->seen_content = true;
        *row = (struct segment_import_row){{NULL, 0}, reader->now_s, reader->line};
        int rc;
        if (reader->format == SEGMENT_IMPORT_CSV) {
            if (first && is_csv_header(line))
                continue;
            rc = read_csv_row(reader, line, row, err);
        } else {
            arena_reset(&reader->scratch);
            rc = read_json_row(reader, line, row, err);
        }
        if (rc != 0 || check_user_id(row->user_id, row->line, err) != 0)
            return -1;
        return 1;
    }
    return 0;
}

void segment_import_finish(struct segment_import_reader *reader)
{
    arena_free(&reader->scratch);
}

/* ---- applying an upload -------------------------------------------------------- */

/* Observations read so far, in a malloc'ed array that doubles as it fills. */
struct observation_list {
    struct profile_observation *items;
    size_t count, cap;
};

static void add_observation(struct observation_list *list, const struct user_key_hasher *hasher,
                            const struct segment_import_row *row)
{
    if (list->count == list->cap) {
        list->cap = list->cap ? 2 * list->cap : 1024;
        list->items = xrealloc(list->items, list->cap * sizeof(*list->items));
    }
    struct profile_observation *observation = &list->items[list->count++];
    user_key_of_id(hasher, row->user_id, &observation->key);
    observation->seen_s = row->seen_s;
}

enum profile_status segment_import_apply(struct profile_store *store,
                                         const struct user_key_hasher *hasher,
                                         struct slice segment, enum segment_import_format format,
                                         const char *text, size_t len, int64_t now_s,
                                         struct segment_import_result *result, struct error *err)
{
    *result = (struct segment_import_result){0, 0};
    if (!profile_segment_name_valid(segment)) {
        error_format(err, "segment name must be " PROFILE_SEGMENT_NAME_RULE);
        return PROFILE_INVALID;
    }
    struct observation_list observations = {NULL, 0, 0};
    struct segment_import_reader reader;
    struct segment_import_row row;
    int rc;
    segment_import_start(&reader, format, text, len, now_s);
    while ((rc = segment_import_next(&reader, &row, err)) == 1)
        add_observation(&observations, hasher, &row);
    segment_import_finish(&reader);
    enum profile_status status = PROFILE_INVALID;
    if (rc == 0)
        status = profile_store_record(store, segment, observations.items, observations.count,
                                      now_s, &result->users, err);
    if (status == PROFILE_OK)
        result->observations = observations.count;
    free(observations.items);
    return status;
}
