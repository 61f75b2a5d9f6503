/* The key a person is known by to the profile store and to frequency caps: a keyed
 * hash (HMAC-SHA256 truncated to 16 bytes) of one id, so no raw id is ever stored.
 * A request's id is the first present of user.buyeruid, device.ifa, user.id. The
 * hashing secret is created once and kept in --data-dir, so keys survive restarts.
 *
 * Hashing runs on the hot path, so the hasher keeps the secret prepared as an HMAC key
 * (hmac_sha256.h): hashing an id takes about 0.1 µs, no allocation, no lock. */
#ifndef GEOBID_USER_KEY_H
#define GEOBID_USER_KEY_H

#include "geobid/bid_request.h"
#include "geobid/error.h"
#include "geobid/hmac_sha256.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stdint.h>

enum { USER_KEY_SECRET_BYTES = 32 };

struct user_key {
    uint8_t bytes[16];
};

/* Immutable once prepared: any number of threads may hash with one hasher. */
struct user_key_hasher {
    struct hmac_sha256_key key; /* the secret, prepared */
};

/* Loads the secret from data_dir/user-key.secret, creating it (random, mode 0600,
 * written atomically: secret_file.h) the first time. A secret file of the wrong size
 * or open to group or others is refused, never replaced: a new secret would orphan
 * every stored profile. Returns 0, or -1 with err. */
int user_key_hasher_open(struct user_key_hasher *hasher, const char *data_dir,
                         struct error *err);

/* Prepares hasher from secret (tests, fuzzing and benchmarks use a fixed one). */
void user_key_hasher_init(struct user_key_hasher *hasher,
                          const uint8_t secret[USER_KEY_SECRET_BYTES]);

/* Hashes one raw id into key: the first 16 bytes of HMAC-SHA256(secret, id). */
void user_key_of_id(const struct user_key_hasher *hasher, struct slice id,
                    struct user_key *key);

/* Hashes the request's user id (buyeruid, then ifa, then user.id; the first non-empty)
 * into key. An all-zero ifa ("00000000-0000-0000-0000-000000000000", what a device
 * limiting ad tracking sends) is no id. Returns false, key untouched, when the request
 * carries none of them. */
bool user_key_of_request(const struct user_key_hasher *hasher,
                         const struct bid_request *request, struct user_key *key);

#endif
