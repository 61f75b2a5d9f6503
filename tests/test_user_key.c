/* User keys: HMAC-SHA256 of the id under a secret kept in the data directory. */
#include "geobid/user_key.h"

#include "test_support.h"

#include <check.h>
#include <limits.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const uint8_t fixed_secret[USER_KEY_SECRET_BYTES] = {
    1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
    17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};

static struct user_key key_of(const struct user_key_hasher *hasher, const char *id)
{
    struct user_key key;
    user_key_of_id(hasher, slice_from_cstr(id), &key);
    return key;
}

static bool same_key(struct user_key a, struct user_key b)
{
    return memcmp(a.bytes, b.bytes, sizeof(a.bytes)) == 0;
}

/* A key is the first 16 bytes of OpenSSL's HMAC() of the id, for ids of every length
 * around SHA-256's block boundaries (tests/test_hmac_sha256.c has the RFC 4231 vectors). */
START_TEST(matches_openssl_hmac)
{
    struct user_key_hasher hasher;
    user_key_hasher_init(&hasher, fixed_secret);
    char id[200];
    for (size_t i = 0; i < sizeof(id); i++)
        id[i] = (char)('a' + i % 26);
    for (size_t len = 0; len <= sizeof(id); len++) {
        uint8_t mac[EVP_MAX_MD_SIZE];
        unsigned mac_len;
        HMAC(EVP_sha256(), fixed_secret, sizeof(fixed_secret), (const uint8_t *)id, len, mac,
             &mac_len);
        struct user_key key;
        user_key_of_id(&hasher, (struct slice){id, len}, &key);
        ck_assert_msg(memcmp(key.bytes, mac, sizeof(key.bytes)) == 0, "length %zu", len);
    }
}
END_TEST

START_TEST(different_secrets_give_different_keys)
{
    struct user_key_hasher a, b;
    uint8_t other[USER_KEY_SECRET_BYTES];
    memcpy(other, fixed_secret, sizeof(other));
    other[31] ^= 1;
    user_key_hasher_init(&a, fixed_secret);
    user_key_hasher_init(&b, other);
    ck_assert(!same_key(key_of(&a, "alice"), key_of(&b, "alice")));
    ck_assert(!same_key(key_of(&a, "alice"), key_of(&a, "alicf")));
}
END_TEST

/* buyeruid, then ifa (unless all zeros), then user.id; none: false, key untouched. */
START_TEST(request_id_order)
{
    struct user_key_hasher hasher;
    user_key_hasher_init(&hasher, fixed_secret);
    struct bid_request request;
    memset(&request, 0, sizeof(request));
    struct user_key key, untouched;
    memset(&untouched, 0xAA, sizeof(untouched));
    key = untouched;
    ck_assert(!user_key_of_request(&hasher, &request, &key));
    ck_assert(same_key(key, untouched));

    request.user.id = SLICE_LITERAL("exchange-user");
    ck_assert(user_key_of_request(&hasher, &request, &key));
    ck_assert(same_key(key, key_of(&hasher, "exchange-user")));

    request.device.ifa = SLICE_LITERAL("00000000-0000-0000-0000-000000000000");
    ck_assert(user_key_of_request(&hasher, &request, &key));
    ck_assert(same_key(key, key_of(&hasher, "exchange-user")));

    request.device.ifa = SLICE_LITERAL("6D92078A-8246-4BA4-AE5B-76104861E7DC");
    ck_assert(user_key_of_request(&hasher, &request, &key));
    ck_assert(same_key(key, key_of(&hasher, "6D92078A-8246-4BA4-AE5B-76104861E7DC")));

    request.user.buyeruid = SLICE_LITERAL("our-cookie");
    ck_assert(user_key_of_request(&hasher, &request, &key));
    ck_assert(same_key(key, key_of(&hasher, "our-cookie")));
}
END_TEST

static char *secret_path(const char *dir)
{
    char *path = malloc(PATH_MAX);
    snprintf(path, PATH_MAX, "%s/user-key.secret", dir);
    return path;
}

/* The secret is created once (0600, 32 bytes) and read back: keys survive restarts. */
START_TEST(secret_is_created_once_and_kept)
{
    char *dir = test_temp_dir_create();
    char *path = secret_path(dir);
    struct user_key_hasher first, again;
    struct error err;
    ck_assert_msg(user_key_hasher_open(&first, dir, &err) == 0, "%s", err.message);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 0777, 0600);
    ck_assert_int_eq(st.st_size, USER_KEY_SECRET_BYTES);
    ck_assert_msg(user_key_hasher_open(&again, dir, &err) == 0, "%s", err.message);
    ck_assert(same_key(key_of(&first, "alice"), key_of(&again, "alice")));

    char *other_dir = test_temp_dir_create();
    struct user_key_hasher other;
    ck_assert_msg(user_key_hasher_open(&other, other_dir, &err) == 0, "%s", err.message);
    ck_assert(!same_key(key_of(&first, "alice"), key_of(&other, "alice")));
    test_temp_dir_remove(other_dir);
    free(path);
    test_temp_dir_remove(dir);
}
END_TEST

/* A damaged or exposed secret is refused and left as it is. */
START_TEST(bad_secret_files_are_refused)
{
    char *dir = test_temp_dir_create();
    char *path = secret_path(dir);
    struct user_key_hasher hasher;
    struct error err;
    FILE *file = fopen(path, "w");
    fputs("short", file);
    fclose(file);
    chmod(path, 0600);
    ck_assert_int_eq(user_key_hasher_open(&hasher, dir, &err), -1);
    ck_assert_msg(strstr(err.message, "user-key.secret") != NULL, "%s", err.message);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_size, 5);

    file = fopen(path, "w");
    fwrite(fixed_secret, 1, sizeof(fixed_secret), file);
    fclose(file);
    chmod(path, 0644);
    ck_assert_int_eq(user_key_hasher_open(&hasher, dir, &err), -1);
    ck_assert_msg(strstr(err.message, "chmod 600") != NULL, "%s", err.message);
    free(path);
    test_temp_dir_remove(dir);
}
END_TEST

Suite *user_key_suite(void)
{
    Suite *suite = suite_create("user_key");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, matches_openssl_hmac);
    tcase_add_test(tc, different_secrets_give_different_keys);
    tcase_add_test(tc, request_id_order);
    tcase_add_test(tc, secret_is_created_once_and_kept);
    tcase_add_test(tc, bad_secret_files_are_refused);
    suite_add_tcase(suite, tc);
    return suite;
}
