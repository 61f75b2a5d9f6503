#include "geobid/user_key.h"

#include "geobid/secret_file.h"

#include <string.h>

static const char secret_file_name[] = "user-key.secret";

/* ---- hashing ----------------------------------------------------------------- */

void user_key_hasher_init(struct user_key_hasher *hasher,
                          const uint8_t secret[USER_KEY_SECRET_BYTES])
{
    hmac_sha256_key_init(&hasher->key, secret, USER_KEY_SECRET_BYTES);
}

void user_key_of_id(const struct user_key_hasher *hasher, struct slice id,
                    struct user_key *key)
{
    uint8_t mac[HMAC_SHA256_BYTES];
    hmac_sha256_mac(&hasher->key, id.ptr, id.len, mac);
    memcpy(key->bytes, mac, sizeof(key->bytes));
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
