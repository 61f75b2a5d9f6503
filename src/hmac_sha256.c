/* The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, whose
 * contexts cannot be copied without allocating; see hmac_sha256.h. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "geobid/hmac_sha256.h"

#include <string.h>

/* Starts state on the block key ^ pad, key (at most a block) padded with zeros. */
static void start_padded(SHA256_CTX *state, const uint8_t *key, size_t key_len, uint8_t pad)
{
    uint8_t block[HMAC_SHA256_BLOCK_BYTES];
    memset(block, pad, sizeof(block));
    for (size_t i = 0; i < key_len; i++)
        block[i] ^= key[i];
    SHA256_Init(state);
    SHA256_Update(state, block, sizeof(block));
    explicit_bzero(block, sizeof(block));
}

void hmac_sha256_key_init(struct hmac_sha256_key *key, const uint8_t *secret,
                          size_t secret_len)
{
    uint8_t digest[SHA256_DIGEST_LENGTH];
    if (secret_len > HMAC_SHA256_BLOCK_BYTES) {
        SHA256_CTX state;
        SHA256_Init(&state);
        SHA256_Update(&state, secret, secret_len);
        SHA256_Final(digest, &state);
        explicit_bzero(&state, sizeof(state));
        secret = digest;
        secret_len = sizeof(digest);
    }
    start_padded(&key->inner, secret, secret_len, 0x36);
    start_padded(&key->outer, secret, secret_len, 0x5c);
    explicit_bzero(digest, sizeof(digest));
}

void hmac_sha256_mac(const struct hmac_sha256_key *key, const void *data, size_t len,
                     uint8_t mac[HMAC_SHA256_BYTES])
{
    SHA256_CTX state = key->inner;
    SHA256_Update(&state, data, len);
    SHA256_Final(mac, &state);
    state = key->outer;
    SHA256_Update(&state, mac, HMAC_SHA256_BYTES);
    SHA256_Final(mac, &state);
}
