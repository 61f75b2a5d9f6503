/* `geobid import-segments`, run as a user would ($GEOBID_BIN). */
#include "geobid/profile.h"
#include "geobid/user_key.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

static char *dir;

static void setup(void)
{
    dir = test_temp_dir_create();
}

static void teardown(void)
{
    test_temp_dir_remove(dir);
}

/* Writes text to dir/name and returns the malloc'ed path. */
static char *write_upload(const char *name, const char *text)
{
    char *path = malloc(4096);
    snprintf(path, 4096, "%s/%s", dir, name);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fputs(text, file);
    fclose(file);
    return path;
}

/* Runs geobid with arguments (a shell word list, no quoting needed), its stdout and
 * stderr into output; returns the exit status. */
static int run_geobid(const char *arguments, char *output, size_t size)
{
    const char *bin = getenv("GEOBID_BIN") ? getenv("GEOBID_BIN") : "build/geobid";
    char command[8192];
    snprintf(command, sizeof(command), "%s %s 2>&1", bin, arguments);
    FILE *pipe = popen(command, "r");
    ck_assert_ptr_nonnull(pipe);
    size_t len = fread(output, 1, size - 1, pipe);
    output[len] = '\0';
    int status = pclose(pipe);
    ck_assert(WIFEXITED(status));
    return WEXITSTATUS(status);
}

/* The live membership count of id in segment, read from the data directory. */
static uint32_t membership_count(const char *id, const char *segment)
{
    struct user_key_hasher hasher;
    struct error err;
    ck_assert_msg(user_key_hasher_open(&hasher, dir, &err) == 0, "%s", err.message);
    struct profile_store *store = profile_store_open(dir, 90 * 86400, &err);
    ck_assert_msg(store != NULL, "%s", err.message);
    struct user_key key;
    struct profile profile;
    struct arena arena;
    arena_init(&arena, 1024);
    user_key_of_id(&hasher, slice_from_cstr(id), &key);
    ck_assert_int_eq(profile_store_lookup(store, &key, time(NULL), &arena, &profile), 0);
    const struct segment_membership *m = profile_find(&profile, slice_from_cstr(segment));
    uint32_t count = m ? m->count : 0;
    arena_free(&arena);
    profile_store_close(store);
    return count;
}

START_TEST(imports_csv_and_json_lines)
{
    char *csv = write_upload("shoppers.csv", "user_id,ts\nalice\nbob\nalice\n");
    char *jsonl = write_upload("visitors.jsonl", "{\"user\":\"carol\"}\n");
    char arguments[4096], output[4096], expected[4096];
    snprintf(arguments, sizeof(arguments), "import-segments --data-dir %s shoppers %s", dir, csv);
    ck_assert_int_eq(run_geobid(arguments, output, sizeof(output)), 0);
    snprintf(expected, sizeof(expected),
             "geobid: %s: 3 observations of 2 users recorded in segment shoppers\n", csv);
    ck_assert_str_eq(output, expected);
    snprintf(arguments, sizeof(arguments),
             "import-segments --data-dir %s --profile-ttl-days 30 visitors %s", dir, jsonl);
    ck_assert_int_eq(run_geobid(arguments, output, sizeof(output)), 0);
    ck_assert_uint_eq(membership_count("alice", "shoppers"), 2);
    ck_assert_uint_eq(membership_count("carol", "visitors"), 1);
    /* not a regular file: read to its end */
    snprintf(arguments, sizeof(arguments), "import-segments --data-dir %s shoppers /dev/stdin < %s",
             dir, csv);
    ck_assert_int_eq(run_geobid(arguments, output, sizeof(output)), 0);
    ck_assert_str_eq(output, "geobid: /dev/stdin: 3 observations of 2 users recorded in segment "
                             "shoppers\n");
    ck_assert_uint_eq(membership_count("alice", "shoppers"), 4);
    free(csv);
    free(jsonl);
}
END_TEST

START_TEST(a_bad_line_fails_and_records_nothing)
{
    char *csv = write_upload("bad.csv", "alice\nbob\nbob,12:00\n");
    char arguments[4096], output[4096], expected[4096];
    snprintf(arguments, sizeof(arguments), "import-segments --data-dir %s shoppers %s", dir, csv);
    ck_assert_int_eq(run_geobid(arguments, output, sizeof(output)), 1);
    snprintf(expected, sizeof(expected), "geobid: %s: line 3: timestamp is not an integer\n", csv);
    ck_assert_str_eq(output, expected);
    ck_assert_uint_eq(membership_count("alice", "shoppers"), 0);
    free(csv);
}
END_TEST

START_TEST(usage_errors)
{
    char arguments[4096], output[4096];
    ck_assert_int_eq(run_geobid("import-segments", output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "Usage: geobid import-segments") != NULL, "%s", output);
    ck_assert_int_eq(run_geobid("import-segments --help", output, sizeof(output)), 0);
    ck_assert_int_eq(run_geobid("import-segments shoppers x.csv", output, sizeof(output)), 1);
    ck_assert_str_eq(output, "geobid: import-segments needs --data-dir (see --help)\n");
    snprintf(arguments, sizeof(arguments), "import-segments --data-dir %s shoppers %s/none.csv",
             dir, dir);
    ck_assert_int_eq(run_geobid(arguments, output, sizeof(output)), 1);
    ck_assert_msg(strstr(output, "none.csv: No such file or directory") != NULL, "%s", output);
}
END_TEST

Suite *import_command_suite(void)
{
    Suite *suite = suite_create("import_command");
    TCase *tc = tcase_create("process");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, imports_csv_and_json_lines);
    tcase_add_test(tc, a_bad_line_fails_and_records_nothing);
    tcase_add_test(tc, usage_errors);
    suite_add_tcase(suite, tc);
    return suite;
}
