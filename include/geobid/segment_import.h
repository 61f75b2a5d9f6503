/* First-party segment uploads: the text a business sends (POST
 * /v1/segments/{segment}/members, geobid import-segments), read line by line into
 * observations "this person was seen in the segment at this time", then recorded in
 * the profile store all at once or not at all.
 *
 * Two formats, one observation per line (docs/segments.md):
 *   CSV         user_id[,unix_ts]          a first line "user_id" or "user_id,ts" is
 *                                          a header and skipped; no quoted fields
 *   JSON lines  {"user": "...", "ts": N}   "ts" optional (or null)
 * A missing timestamp means now. Blank lines, CR LF line ends and a missing final
 * newline are fine. A user id is 1 to SEGMENT_IMPORT_MAX_ID_BYTES bytes without control
 * characters; a timestamp is Unix seconds, not negative, at most a day ahead of now
 * (milliseconds are refused, not misread). Errors name the line: "line 17: timestamp
 * is not an integer". */
#ifndef GEOBID_SEGMENT_IMPORT_H
#define GEOBID_SEGMENT_IMPORT_H

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/profile.h"
#include "geobid/slice.h"
#include "geobid/user_key.h"

#include <stddef.h>
#include <stdint.h>

enum { SEGMENT_IMPORT_MAX_ID_BYTES = 512 };

enum segment_import_format {
    SEGMENT_IMPORT_CSV,
    SEGMENT_IMPORT_JSON_LINES,
};

/* One observation as written in the upload. */
struct segment_import_row {
    struct slice user_id; /* raw id, not yet hashed */
    int64_t seen_s;       /* Unix seconds */
    size_t line;          /* 1-based */
};

/* Reads an upload row by row; see segment_import_start(). */
struct segment_import_reader {
    const char *pos, *end;
    enum segment_import_format format;
    int64_t now_s;
    size_t line;          /* lines read so far */
    bool seen_content;    /* a non-blank line was read (so a header may no longer come) */
    struct arena scratch; /* one JSON line's tokens and unescaped id */
};

/* Picks the format of a Content-Type, ignoring case and parameters ("; charset=...")
 * text/csv: CSV; application/x-ndjson, application/jsonl: JSON lines. Returns 0, or -1
 * for any other type. */
int segment_import_format_of_type(struct slice content_type, enum segment_import_format *format);

/* Picks the format of a file by its name: ".jsonl" or ".ndjson" JSON lines, else CSV. */
enum segment_import_format segment_import_format_of_path(const char *path);

/* Starts reading text[0..len) (not NUL-terminated, must outlive the reader) in format;
 * rows without a timestamp get now_s. Finish with segment_import_finish(). */
void segment_import_start(struct segment_import_reader *reader, enum segment_import_format format,
                          const char *text, size_t len, int64_t now_s);

/* Reads the next observation into *row, whose user_id points into the text or the
 * reader's scratch memory and is valid until the next call. Returns 1, 0 at the end
 * of the text, or -1 with err ("line N: why") on a malformed line. */
int segment_import_next(struct segment_import_reader *reader, struct segment_import_row *row,
                        struct error *err);

/* Frees what the reader holds (not the text). */
void segment_import_finish(struct segment_import_reader *reader);

struct segment_import_result {
    size_t observations; /* lines recorded */
    size_t users;        /* distinct people among them */
};

/* Reads the whole upload, hashes its user ids with hasher and records every row as an
 * observation of segment in store (profile_store_record()), in one transaction: a
 * malformed line or a storage error changes nothing. An upload without rows records
 * nothing and succeeds. Needs about 24 bytes of memory per row while it runs. Returns
 * PROFILE_OK with *result, or PROFILE_INVALID (bad segment name or line, err says
 * which), PROFILE_FULL or PROFILE_FAILED with err. */
enum profile_status segment_import_apply(struct profile_store *store,
                                         const struct user_key_hasher *hasher,
                                         struct slice segment, enum segment_import_format format,
                                         const char *text, size_t len, int64_t now_s,
                                         struct segment_import_result *result, struct error *err);

#endif
