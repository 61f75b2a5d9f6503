/* The low-level SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, whose
 * contexts cannot be copied without allocating; see user_key.h for why hashing needs
 * copies of precomputed states. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "geobid/user_key.h"

#include "geobid/secret_file.h"

#include <string.h>

enum { sha256_block_bytes = 64 };

static const char secret_file_name[] = "user-key.secret";

/* ---- hashing ----------------------------------------------------------------- */

/* Starts state on the key padded to one block and xored with pad (RFC 2104). */
static void start_padded(SHA256_CTX *state, const uint8_t secret[USER_KEY_SECRET_BYTES],
                         uint8_t pad)
{
    uint8_t block[sha256_block_bytes];
    memset(block, pad, sizeof(block));
    for (size_t i = 0; i < USER_KEY_SECRET_BYTES; i++)
        block[i] ^= secret[i];
    SHA256_Init(state);
    SHA256_Update(state, block, sizeof(block));
    explicit_bzero(block, sizeof(block));
}

void user_key_hasher_init(struct user_key_hasher *hasher,
                          const uint8_t secret[USER_KEY_SECRET_BYTES])
{
    start_padded(&hasher->inner, secret, 0x36);
    start_padded(&hasher->outer, secret, 0x5c);
}

void user_key_of_id(const struct user_key_hasher *hasher, struct slice id,
                    struct user_key *key)
{
    uint8_t digest[SHA256_DIGEST_LENGTH];
    SHA256_CTX state = hasher->inner;
    SHA256_Update(&state, id.ptr, id.len);
    SHA256_Final(digest, &state);
    state = hasher->outer;
    SHA256_Update(&state, digest, sizeof(digest));
    SHA256_Final(digest, &state);
    memcpy(key->bytes, digest, sizeof(key->bytes));
}

/* True when ifa is made of zeros and dashes only: the advertising id of a device
 * that limits ad tracking, shared by all of them. */
static bool ifa_is_zero(struct slice ifa)
{
    for (size_t i = 0; i < ifa.len; i++)
        if (ifa.ptr[i] != '0' && ifa.ptr[i] != '-')
            return false;
    return true;
}

bool user_key_of_request(const struct user_key_hasher *hasher,
                         const struct bid_request *request, struct user_key *key)
{
    struct slice id = request->user.buyeruid;
    if (id.len == 0 && !ifa_is_zero(request->device.ifa))
        id = request->device.ifa;
    if (id.len == 0)
        id = request->user.id;
    if (id.len == 0)
        return false;
    user_key_of_id(hasher, id, key);
    return true;
}

int user_key_hasher_open(struct user_key_hasher *hasher, const char *data_dir,
                         struct error *err)
{
    uint8_t secret[USER_KEY_SECRET_BYTES];
    if (secret_file_load(data_dir, secret_file_name, secret, sizeof(secret), err) != 0)
        return -1;
    user_key_hasher_init(hasher, secret);
    explicit_bzero(secret, sizeof(secret));
    return 0;
}
