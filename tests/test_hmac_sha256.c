/* HMAC-SHA256 under a prepared key: the RFC 4231 test vectors, and agreement with
 * OpenSSL's one-shot HMAC() for keys and messages of every length around SHA-256's
 * block boundaries. */
#include "geobid/hmac_sha256.h"

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <string.h>

/* Returns the MAC of the len bytes at data under the secret_len bytes at secret. */
static void mac_of(const uint8_t *secret, size_t secret_len, const void *data, size_t len,
                   uint8_t mac[HMAC_SHA256_BYTES])
{
    struct hmac_sha256_key key;
    hmac_sha256_key_init(&key, secret, secret_len);
    hmac_sha256_mac(&key, data, len, mac);
}

/* Fills bytes[0..len) with byte and returns bytes. */
static uint8_t *filled(uint8_t *bytes, uint8_t byte, size_t len)
{
    memset(bytes, byte, len);
    return bytes;
}

/* RFC 4231 section 4: every test case, keys of 4 to 131 bytes (6 and 7 longer than a
 * block, so hashed first), messages of 8 to 152 bytes. Case 5 publishes the first 16
 * bytes only. */
START_TEST(rfc4231_vectors)
{
    uint8_t key_0b[20], key_aa[20], key_0c[20], key_long[131], data_dd[50], data_cd[50];
    uint8_t key_counting[25];
    for (size_t i = 0; i < sizeof(key_counting); i++)
        key_counting[i] = (uint8_t)(i + 1);
    static const char long_data[] =
        "This is a test using a larger than block-size key and a larger than block-size "
        "data. The key needs to be hashed before being used by the HMAC algorithm.";
    const struct {
        const uint8_t *key;
        size_t key_len;
        const void *data;
        size_t data_len, mac_len;
        uint8_t mac[HMAC_SHA256_BYTES];
    } cases[] = {
        {filled(key_0b, 0x0b, 20), 20, "Hi There", 8, 32,
         {0xb0, 0x34, 0x4c, 0x61, 0xd8, 0xdb, 0x38, 0x53, 0x5c, 0xa8, 0xaf, 0xce, 0xaf, 0x0b,
          0xf1, 0x2b, 0x88, 0x1d, 0xc2, 0x00, 0xc9, 0x83, 0x3d, 0xa7, 0x26, 0xe9, 0x37, 0x6c,
          0x2e, 0x32, 0xcf, 0xf7}},
        {(const uint8_t *)"Jefe", 4, "what do ya want for nothing?", 28, 32,
         {0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95,
          0x75, 0xc7, 0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9,
          0x64, 0xec, 0x38, 0x43}},
        {filled(key_aa, 0xaa, 20), 20, filled(data_dd, 0xdd, 50), 50, 32,
         {0x77, 0x3e, 0xa9, 0x1e, 0x36, 0x80, 0x0e, 0x46, 0x85, 0x4d, 0xb8, 0xeb, 0xd0, 0x91,
          0x81, 0xa7, 0x29, 0x59, 0x09, 0x8b, 0x3e, 0xf8, 0xc1, 0x22, 0xd9, 0x63, 0x55, 0x14,
          0xce, 0xd5, 0x65, 0xfe}},
        {key_counting, 25, filled(data_cd, 0xcd, 50), 50, 32,
         {0x82, 0x55, 0x8a, 0x38, 0x9a, 0x44, 0x3c, 0x0e, 0xa4, 0xcc, 0x81, 0x98, 0x99, 0xf2,
          0x08, 0x3a, 0x85, 0xf0, 0xfa, 0xa3, 0xe5, 0x78, 0xf8, 0x07, 0x7a, 0x2e, 0x3f, 0xf4,
          0x67, 0x29, 0x66, 0x5b}},
        {filled(key_0c, 0x0c, 20), 20, "Test With Truncation", 20, 16,
         {0xa3, 0xb6, 0x16, 0x74, 0x73, 0x10, 0x0e, 0xe0, 0x6e, 0x0c, 0x79, 0x6c, 0x29, 0x55,
          0x55, 0x2b}},
        {filled(key_long, 0xaa, 131), 131, "Test Using Larger Than Block-Size Key - Hash Key First",
         54, 32,
         {0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5,
          0xb7, 0x7f, 0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f,
          0x0e, 0xe3, 0x7f, 0x54}},
        {key_long, 131, long_data, sizeof(long_data) - 1, 32,
         {0x9b, 0x09, 0xff, 0xa7, 0x1b, 0x94, 0x2f, 0xcb, 0x27, 0x63, 0x5f, 0xbc, 0xd5, 0xb0,
          0xe9, 0x44, 0xbf, 0xdc, 0x63, 0x64, 0x4f, 0x07, 0x13, 0x93, 0x8a, 0x7f, 0x51, 0x53,
          0x5c, 0x3a, 0x35, 0xe2}},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t mac[HMAC_SHA256_BYTES];
        mac_of(cases[i].key, cases[i].key_len, cases[i].data, cases[i].data_len, mac);
        ck_assert_msg(memcmp(mac, cases[i].mac, cases[i].mac_len) == 0, "case %zu", i + 1);
    }
}
END_TEST

/* Keys of 0 to 130 bytes (shorter than, a block long, longer than a block) and messages
 * of 0 to 200 bytes MAC as OpenSSL's HMAC(). */
START_TEST(matches_openssl_hmac)
{
    uint8_t secret[2 * HMAC_SHA256_BLOCK_BYTES + 2];
    uint8_t data[200];
    for (size_t i = 0; i < sizeof(secret); i++)
        secret[i] = (uint8_t)(7 * i + 3);
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)('a' + i % 26);
    for (size_t key_len = 0; key_len <= sizeof(secret); key_len++) {
        struct hmac_sha256_key key;
        hmac_sha256_key_init(&key, secret, key_len);
        for (size_t len = 0; len <= sizeof(data); len++) {
            uint8_t expected[EVP_MAX_MD_SIZE], mac[HMAC_SHA256_BYTES];
            unsigned expected_len;
            HMAC(EVP_sha256(), secret, (int)key_len, data, len, expected, &expected_len);
            hmac_sha256_mac(&key, data, len, mac);
            ck_assert_uint_eq(expected_len, HMAC_SHA256_BYTES);
            ck_assert_msg(memcmp(mac, expected, HMAC_SHA256_BYTES) == 0,
                          "key of %zu bytes, message of %zu", key_len, len);
        }
    }
}
END_TEST

/* A prepared key is not changed by use and may be copied: the same message gives the
 * same MAC again, from the key or its copy; another message or key gives another. */
START_TEST(prepared_key_is_reusable_and_copyable)
{
    static const uint8_t secret[] = "a secret of thirty-two bytes....";
    struct hmac_sha256_key key, copy, other;
    hmac_sha256_key_init(&key, secret, 32);
    uint8_t first[HMAC_SHA256_BYTES], again[HMAC_SHA256_BYTES], changed[HMAC_SHA256_BYTES];
    hmac_sha256_mac(&key, "alice", 5, first);
    hmac_sha256_mac(&key, "bob", 3, changed);
    ck_assert_int_ne(memcmp(first, changed, sizeof(first)), 0);
    hmac_sha256_mac(&key, "alice", 5, again);
    ck_assert_int_eq(memcmp(first, again, sizeof(first)), 0);
    copy = key;
    hmac_sha256_mac(&copy, "alice", 5, again);
    ck_assert_int_eq(memcmp(first, again, sizeof(first)), 0);
    hmac_sha256_key_init(&other, secret, 31);
    hmac_sha256_mac(&other, "alice", 5, changed);
    ck_assert_int_ne(memcmp(first, changed, sizeof(first)), 0);
}
END_TEST

Suite *hmac_sha256_suite(void)
{
    Suite *suite = suite_create("hmac_sha256");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, rfc4231_vectors);
    tcase_add_test(tc, matches_openssl_hmac);
    tcase_add_test(tc, prepared_key_is_reusable_and_copyable);
    suite_add_tcase(suite, tc);
    return suite;
}
