/* Fuzz target of the segment upload reader (libFuzzer; also linked into fuzz/replay.c).
 *
 * One run: the first byte picks the format (even: CSV, odd: JSON lines), the rest is
 * the upload. Every row read must hold a valid user id (1 to SEGMENT_IMPORT_MAX_ID_BYTES
 * bytes, no control character, every byte readable) and a timestamp from 0 to a day
 * past now, on a line after the previous row's and within the text; a rejected upload
 * must name its line ("line N: ...", N within the text). Any failed invariant aborts,
 * which libFuzzer reports as a crash. */
#include "geobid/segment_import.h"
#include "request_invariants.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int64_t now_s = 1700000000;

static size_t count_lines(const char *text, size_t len)
{
    size_t lines = 1;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    return lines;
}

static void check_row(const struct segment_import_row *row, size_t previous_line, size_t lines)
{
    FUZZ_CHECK(row->user_id.len >= 1 && row->user_id.len <= SEGMENT_IMPORT_MAX_ID_BYTES);
    for (size_t i = 0; i < row->user_id.len; i++)
        FUZZ_CHECK((unsigned char)row->user_id.ptr[i] >= 0x20 && row->user_id.ptr[i] != 0x7f);
    FUZZ_CHECK(row->seen_s >= 0 && row->seen_s <= now_s + 86400);
    FUZZ_CHECK(row->line > previous_line && row->line <= lines);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    enum segment_import_format format = data[0] % 2 ? SEGMENT_IMPORT_JSON_LINES
                                                    : SEGMENT_IMPORT_CSV;
    const char *text = (const char *)data + 1;
    size_t len = size - 1, lines = count_lines(text, len), previous_line = 0;
    struct segment_import_reader reader;
    struct segment_import_row row;
    struct error err = {""};
    int rc;
    segment_import_start(&reader, format, text, len, now_s);
    while ((rc = segment_import_next(&reader, &row, &err)) == 1) {
        check_row(&row, previous_line, lines);
        previous_line = row.line;
    }
    segment_import_finish(&reader);
    if (rc != 0) {
        FUZZ_CHECK(rc == -1 && strncmp(err.message, "line ", 5) == 0);
        size_t line = strtoul(err.message + 5, NULL, 10);
        FUZZ_CHECK(line > previous_line && line <= lines);
    }
    return 0;
}
