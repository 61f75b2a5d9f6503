/* Segment uploads: both formats, line numbers in errors, all-or-nothing application. */
#include "geobid/segment_import.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const int64_t now = 1700000000;
static struct arena copies; /* the ids of the rows read_rows() returns */

static void setup(void)
{
    arena_init(&copies, 1024);
}

static void teardown(void)
{
    arena_free(&copies);
}

/* Reads text (through a guard page, so that any over-read faults) into at most max
 * rows, their ids copied into copies; returns the reader's final result (0 at the end,
 * -1 on error). */
static int read_rows(enum segment_import_format format, const char *text,
                     struct segment_import_row *rows, size_t max, size_t *count,
                     struct error *err)
{
    size_t len = strlen(text);
    struct test_guarded guarded = test_guarded_alloc(len + 1);
    char *placed = test_guarded_place(&guarded, text, len);
    struct segment_import_reader reader;
    segment_import_start(&reader, format, placed, len, now);
    int rc;
    *count = 0;
    while ((rc = segment_import_next(&reader, &rows[*count], err)) == 1) {
        ck_assert_uint_lt(*count, max);
        struct slice id = rows[*count].user_id;
        rows[*count].user_id = (struct slice){arena_strndup(&copies, id.ptr, id.len), id.len};
        (*count)++;
    }
    segment_import_finish(&reader);
    test_guarded_free(&guarded);
    return rc;
}

static void assert_row(const struct segment_import_row *row, const char *id, int64_t seen_s,
                       size_t line)
{
    ck_assert_msg(slice_eq_cstr(row->user_id, id), "line %zu: id %.*s, expected %s", row->line,
                  (int)row->user_id.len, row->user_id.ptr, id);
    ck_assert_int_eq(row->seen_s, seen_s);
    ck_assert_uint_eq(row->line, line);
}

START_TEST(csv_rows)
{
    struct segment_import_row rows[8];
    size_t count;
    struct error err;
    const char *text = "user_id,ts\r\n"
                       "alice,1699990000\r\n"
                       "\r\n"
                       "  bob  \n"
                       "carol , 1699000000\n"
                       "\t\n"
                       "dave";
    ck_assert_int_eq(read_rows(SEGMENT_IMPORT_CSV, text, rows, 8, &count, &err), 0);
    ck_assert_uint_eq(count, 4);
    assert_row(&rows[0], "alice", 1699990000, 2);
    assert_row(&rows[1], "bob", now, 4);
    assert_row(&rows[2], "carol", 1699000000, 5);
    assert_row(&rows[3], "dave", now, 7);
}
END_TEST

/* Only the first non-blank line may be a header. */
START_TEST(csv_header_only_first)
{
    struct segment_import_row rows[4];
    size_t count;
    struct error err;
    ck_assert_int_eq(
        read_rows(SEGMENT_IMPORT_CSV, "\nUSER_ID\nx\nuser_id\n", rows, 4, &count, &err), 0);
    ck_assert_uint_eq(count, 2);
    assert_row(&rows[0], "x", now, 3);
    assert_row(&rows[1], "user_id", now, 4);
}
END_TEST

START_TEST(json_lines_rows)
{
    struct segment_import_row rows[4];
    size_t count;
    struct error err;
    const char *text = "{\"user\": \"alice\", \"ts\": 1699990000}\n"
                       "\n"
                       "{\"ts\": null, \"user\": \"b\\u00f6b\"}\r\n"
                       "  {\"user\":\"carol\"}  ";
    ck_assert_int_eq(read_rows(SEGMENT_IMPORT_JSON_LINES, text, rows, 4, &count, &err), 0);
    ck_assert_uint_eq(count, 3);
    assert_row(&rows[0], "alice", 1699990000, 1);
    assert_row(&rows[1], "b\xc3\xb6" "b", now, 3);
    assert_row(&rows[2], "carol", now, 4);
}
END_TEST

START_TEST(empty_uploads_have_no_rows)
{
    static const char *const texts[] = {"", "\n", "\r\n\r\n", "user_id,ts\n", "  \n\t"};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct segment_import_row rows[1];
        size_t count;
        struct error err;
        ck_assert_int_eq(read_rows(SEGMENT_IMPORT_CSV, texts[i], rows, 1, &count, &err), 0);
        ck_assert_uint_eq(count, 0);
    }
}
END_TEST

static const struct {
    enum segment_import_format format;
    const char *text;
    const char *message;
} bad_uploads[] = {
    {SEGMENT_IMPORT_CSV, "a\nb\nc,17x\n", "line 3: timestamp is not an integer"},
    {SEGMENT_IMPORT_CSV, "a,\n", "line 1: timestamp is not an integer"},
    {SEGMENT_IMPORT_CSV, "a,1.5\n", "line 1: timestamp is not an integer"},
    {SEGMENT_IMPORT_CSV, "a,-5\n", "line 1: timestamp is negative"},
    {SEGMENT_IMPORT_CSV, "\n\na,1700000000000\n",
     "line 3: timestamp 1700000000000 is more than a day in the future (Unix seconds "
     "expected)"},
    {SEGMENT_IMPORT_CSV, "a,1700086401\n",
     "line 1: timestamp 1700086401 is more than a day in the future (Unix seconds expected)"},
    {SEGMENT_IMPORT_CSV, "a,1,2\n", "line 1: expected user_id[,unix_ts], found more fields"},
    {SEGMENT_IMPORT_CSV, ",1\n", "line 1: user id is empty"},
    {SEGMENT_IMPORT_CSV, "\"a\",1\n", "line 1: quoted fields are not supported"},
    {SEGMENT_IMPORT_CSV, "ok\na\tb\n", "line 2: user id holds a control character"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\"}\n{\"user\":\"b\",\"ts\":\"1\"}\n",
     "line 2: timestamp is not an integer"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\",\"ts\":1.5e9}",
     "line 1: timestamp is not an integer"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":7}", "line 1: \"user\" must be a string"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"ts\":7}", "line 1: missing \"user\""},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\",\"timestamp\":7}",
     "line 1: unknown member \"timestamp\" (expected \"user\", \"ts\")"},
    {SEGMENT_IMPORT_JSON_LINES, "\n[\"a\"]",
     "line 2: expected a JSON object {\"user\": ..., \"ts\": ...}"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\"", "line 1: truncated JSON"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\"} x", "line 1: malformed JSON at byte 13"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"a\\u0001\"}",
     "line 1: user id holds a control character"},
    {SEGMENT_IMPORT_JSON_LINES, "{\"user\":\"\"}", "line 1: user id is empty"},
};

START_TEST(malformed_lines_are_named)
{
    struct segment_import_row rows[4];
    size_t count;
    struct error err = {""};
    ck_assert_int_eq(read_rows(bad_uploads[_i].format, bad_uploads[_i].text, rows, 4, &count, &err),
                     -1);
    ck_assert_str_eq(err.message, bad_uploads[_i].message);
}
END_TEST

START_TEST(long_user_ids_are_refused)
{
    char text[SEGMENT_IMPORT_MAX_ID_BYTES + 3];
    memset(text, 'x', sizeof(text) - 1);
    text[sizeof(text) - 1] = '\0';
    struct segment_import_row rows[1];
    size_t count;
    struct error err;
    ck_assert_int_eq(read_rows(SEGMENT_IMPORT_CSV, text + 2, rows, 1, &count, &err), 0);
    ck_assert_uint_eq(rows[0].user_id.len, SEGMENT_IMPORT_MAX_ID_BYTES);
    ck_assert_int_eq(read_rows(SEGMENT_IMPORT_CSV, text + 1, rows, 1, &count, &err), -1);
    ck_assert_str_eq(err.message, "line 1: user id is longer than 512 bytes");
}
END_TEST

START_TEST(formats_by_type_and_name)
{
    static const struct {
        const char *type;
        int rc;
        enum segment_import_format format;
    } types[] = {
        {"text/csv", 0, SEGMENT_IMPORT_CSV},
        {"Text/CSV; charset=utf-8", 0, SEGMENT_IMPORT_CSV},
        {"application/x-ndjson", 0, SEGMENT_IMPORT_JSON_LINES},
        {"application/jsonl ;charset=utf-8", 0, SEGMENT_IMPORT_JSON_LINES},
        {"application/json", -1, 0},
        {"", -1, 0},
        {"text/csvx", -1, 0},
    };
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        enum segment_import_format format = 99;
        ck_assert_int_eq(segment_import_format_of_type(slice_from_cstr(types[i].type), &format),
                         types[i].rc);
        if (types[i].rc == 0)
            ck_assert_int_eq(format, types[i].format);
    }
    ck_assert_int_eq(segment_import_format_of_path("a/b.jsonl"), SEGMENT_IMPORT_JSON_LINES);
    ck_assert_int_eq(segment_import_format_of_path("b.ndjson"), SEGMENT_IMPORT_JSON_LINES);
    ck_assert_int_eq(segment_import_format_of_path("b.csv"), SEGMENT_IMPORT_CSV);
    ck_assert_int_eq(segment_import_format_of_path("jsonl"), SEGMENT_IMPORT_CSV);
}
END_TEST

/* ---- applying uploads to a store ------------------------------------------------- */

static const uint8_t fixed_secret[USER_KEY_SECRET_BYTES] = {7};

struct fixture {
    char *dir;
    struct user_key_hasher hasher;
    struct profile_store *store;
    struct arena arena;
};

static void fixture_open(struct fixture *f)
{
    struct error err;
    f->dir = test_temp_dir_create();
    user_key_hasher_init(&f->hasher, fixed_secret);
    f->store = profile_store_open(f->dir, 90 * 86400, &err);
    ck_assert_msg(f->store != NULL, "%s", err.message);
    arena_init(&f->arena, 1024);
}

static void fixture_close(struct fixture *f)
{
    profile_store_close(f->store);
    test_temp_dir_remove(f->dir);
    arena_free(&f->arena);
}

static struct profile lookup(struct fixture *f, const char *id)
{
    struct user_key key;
    struct profile profile;
    user_key_of_id(&f->hasher, slice_from_cstr(id), &key);
    ck_assert_int_eq(profile_store_lookup(f->store, &key, now, &f->arena, &profile), 0);
    return profile;
}

static enum profile_status apply(struct fixture *f, const char *segment,
                                 enum segment_import_format format, const char *text,
                                 struct segment_import_result *result, struct error *err)
{
    return segment_import_apply(f->store, &f->hasher, slice_from_cstr(segment), format, text,
                                strlen(text), now, result, err);
}

START_TEST(apply_records_every_row)
{
    struct fixture f;
    fixture_open(&f);
    struct segment_import_result result;
    struct error err;
    ck_assert_int_eq(apply(&f, "shoes", SEGMENT_IMPORT_CSV, "alice,1699990000\nbob\nalice\n",
                           &result, &err),
                     PROFILE_OK);
    ck_assert_uint_eq(result.observations, 3);
    ck_assert_uint_eq(result.users, 2);
    struct profile alice = lookup(&f, "alice");
    ck_assert_uint_eq(alice.count, 1);
    ck_assert_uint_eq(alice.memberships[0].count, 2);
    ck_assert_int_eq(alice.memberships[0].last_seen_s, now);
    ck_assert_uint_eq(lookup(&f, "bob").count, 1);
    fixture_close(&f);
}
END_TEST

/* A batch with one bad line changes nothing, wherever the line is. */
START_TEST(a_bad_line_changes_nothing)
{
    struct fixture f;
    fixture_open(&f);
    struct segment_import_result result;
    struct error err;
    ck_assert_int_eq(apply(&f, "shoes", SEGMENT_IMPORT_CSV, "alice\n", &result, &err), PROFILE_OK);
    ck_assert_int_eq(apply(&f, "shoes", SEGMENT_IMPORT_CSV, "alice\nbob\ncarol,yesterday\ndave\n",
                           &result, &err),
                     PROFILE_INVALID);
    ck_assert_str_eq(err.message, "line 3: timestamp is not an integer");
    ck_assert_uint_eq(result.observations, 0);
    ck_assert_uint_eq(lookup(&f, "alice").memberships[0].count, 1);
    ck_assert_uint_eq(lookup(&f, "bob").count, 0);
    ck_assert_uint_eq(lookup(&f, "dave").count, 0);
    ck_assert_int_eq(apply(&f, "bad name", SEGMENT_IMPORT_CSV, "bob\n", &result, &err),
                     PROFILE_INVALID);
    ck_assert_msg(strstr(err.message, "segment name must be") != NULL, "%s", err.message);
    ck_assert_uint_eq(lookup(&f, "bob").count, 0);
    fixture_close(&f);
}
END_TEST

START_TEST(apply_json_lines_and_empty)
{
    struct fixture f;
    fixture_open(&f);
    struct segment_import_result result;
    struct error err;
    ck_assert_int_eq(apply(&f, "bikes", SEGMENT_IMPORT_JSON_LINES,
                           "{\"user\":\"alice\",\"ts\":1699999000}\n", &result, &err),
                     PROFILE_OK);
    ck_assert_uint_eq(result.users, 1);
    ck_assert_int_eq(lookup(&f, "alice").memberships[0].last_seen_s, 1699999000);
    ck_assert_int_eq(apply(&f, "bikes", SEGMENT_IMPORT_CSV, "", &result, &err), PROFILE_OK);
    ck_assert_uint_eq(result.observations, 0);
    ck_assert_uint_eq(result.users, 0);
    fixture_close(&f);
}
END_TEST

Suite *segment_import_suite(void)
{
    Suite *suite = suite_create("segment_import");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, csv_rows);
    tcase_add_test(tc, csv_header_only_first);
    tcase_add_test(tc, json_lines_rows);
    tcase_add_test(tc, empty_uploads_have_no_rows);
    tcase_add_loop_test(tc, malformed_lines_are_named, 0,
                        sizeof(bad_uploads) / sizeof(bad_uploads[0]));
    tcase_add_test(tc, long_user_ids_are_refused);
    tcase_add_test(tc, formats_by_type_and_name);
    tcase_add_test(tc, apply_records_every_row);
    tcase_add_test(tc, a_bad_line_changes_nothing);
    tcase_add_test(tc, apply_json_lines_and_empty);
    suite_add_tcase(suite, tc);
    return suite;
}
