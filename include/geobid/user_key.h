/* The key a person is known by to the profile store and to frequency caps: a keyed
 * hash (HMAC-SHA256 truncated to 16 bytes) of one id, so no raw id is ever stored.
 * A request's id is the first present of user.buyeruid, device.ifa, user.id. The
 * hashing secret is created once and kept in --data-dir, so keys survive restarts. */
#ifndef GEOBID_USER_KEY_H
#define GEOBID_USER_KEY_H

#include "geobid/bid_request.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stdint.h>

struct user_key {
    uint8_t bytes[16];
};

struct user_key_hasher {
    uint8_t secret[32];
};

/* Loads the secret from data_dir/user-key.secret, creating it (random, mode 0600,
 * written atomically) the first time. Returns 0, or -1 with err. */
int user_key_hasher_open(struct user_key_hasher *hasher, const char *data_dir,
                         struct error *err);

/* Hashes one raw id into key. */
void user_key_of_id(const struct user_key_hasher *hasher, struct slice id,
                    struct user_key *key);

/* Hashes the request's user id (buyeruid, then ifa, then user.id; the first non-empty)
 * into key. Returns false, key untouched, when the request carries none of them. */
bool user_key_of_request(const struct user_key_hasher *hasher,
                         const struct bid_request *request, struct user_key *key);

#endif
