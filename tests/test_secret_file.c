/* Secrets kept in a data directory: created once, read back unchanged, never replaced
 * when something is wrong with them. */
#include "geobid/secret_file.h"

#include "test_support.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *dir;
static char path[512];
static struct error err;

static void setup(void)
{
    dir = test_temp_dir_create();
    snprintf(path, sizeof(path), "%s/test.secret", dir);
}

static void teardown(void)
{
    test_temp_dir_remove(dir);
}

static int entries_in(const char *directory)
{
    DIR *listing = opendir(directory);
    ck_assert_ptr_nonnull(listing);
    int count = 0;
    for (struct dirent *entry; (entry = readdir(listing)) != NULL;)
        count += strcmp(entry->d_name, ".") != 0 && strcmp(entry->d_name, "..") != 0;
    closedir(listing);
    return count;
}

static void write_file(const void *bytes, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, bytes, len), (ssize_t)len);
    fchmod(fd, mode);
    close(fd);
}

START_TEST(created_once_then_read_back)
{
    uint8_t first[32], second[32];
    ck_assert_msg(secret_file_load(dir, "test.secret", first, sizeof(first), &err) == 0, "%s",
                  err.message);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, 32);
    ck_assert_int_eq(secret_file_load(dir, "test.secret", second, sizeof(second), &err), 0);
    ck_assert_int_eq(memcmp(first, second, sizeof(first)), 0);
    ck_assert_int_eq(entries_in(dir), 1); /* no temporary file left behind */
}
END_TEST

START_TEST(an_existing_secret_is_used_as_it_is)
{
    uint8_t given[16], read_back[16];
    for (size_t i = 0; i < sizeof(given); i++)
        given[i] = (uint8_t)(i * 7 + 1);
    write_file(given, sizeof(given), 0600);
    ck_assert_int_eq(secret_file_load(dir, "test.secret", read_back, sizeof(read_back), &err), 0);
    ck_assert_int_eq(memcmp(given, read_back, sizeof(given)), 0);
}
END_TEST

START_TEST(wrong_size_or_open_mode_is_refused_not_replaced)
{
    uint8_t secret[32];
    write_file("short", 5, 0600);
    ck_assert_int_eq(secret_file_load(dir, "test.secret", secret, sizeof(secret), &err), -1);
    ck_assert_msg(strstr(err.message, "expected exactly 32 bytes") != NULL, "%s", err.message);
    uint8_t longer[33] = {0};
    write_file(longer, sizeof(longer), 0600);
    ck_assert_int_eq(secret_file_load(dir, "test.secret", secret, sizeof(secret), &err), -1);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 33);
    uint8_t exact[32] = {0};
    write_file(exact, sizeof(exact), 0644);
    ck_assert_int_eq(secret_file_load(dir, "test.secret", secret, sizeof(secret), &err), -1);
    ck_assert_msg(strstr(err.message, "chmod 600") != NULL, "%s", err.message);
}
END_TEST

START_TEST(a_missing_directory_is_an_error)
{
    uint8_t secret[32];
    char missing[600];
    snprintf(missing, sizeof(missing), "%s/nope", dir);
    ck_assert_int_eq(secret_file_load(missing, "test.secret", secret, sizeof(secret), &err), -1);
    ck_assert_msg(strstr(err.message, missing) != NULL, "%s", err.message);
}
END_TEST

START_TEST(random_secrets_differ)
{
    uint8_t a[32], b[32];
    secret_random(a, sizeof(a));
    secret_random(b, sizeof(b));
    ck_assert_int_ne(memcmp(a, b, sizeof(a)), 0);
}
END_TEST

Suite *secret_file_suite(void)
{
    Suite *suite = suite_create("secret_file");
    TCase *tc = tcase_create("secret_file");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, created_once_then_read_back);
    tcase_add_test(tc, an_existing_secret_is_used_as_it_is);
    tcase_add_test(tc, wrong_size_or_open_mode_is_refused_not_replaced);
    tcase_add_test(tc, a_missing_directory_is_an_error);
    tcase_add_test(tc, random_secrets_differ);
    suite_add_tcase(suite, tc);
    return suite;
}
