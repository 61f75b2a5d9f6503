/* HMAC-SHA256 (RFC 2104) under a key prepared once: what user keys (user_key.h) and
 * notice signatures (notice.h) are computed with.
 *
 * Preparing a key hashes its two padded blocks (K ^ ipad and K ^ opad) once; a MAC is
 * then two SHA-256 finishes on copies of those states: about 0.1 µs for a short
 * message, no allocation, no lock. OpenSSL 3's one-shot HMAC() gives the same bytes but
 * fetches the algorithm and allocates about a dozen times per call (about 1.1 µs); the
 * tests check that both agree. The low-level SHA256_* functions are used because EVP
 * digest contexts cannot be copied without allocating. */
#ifndef GEOBID_HMAC_SHA256_H
#define GEOBID_HMAC_SHA256_H

#include <openssl/sha.h>
#include <stddef.h>
#include <stdint.h>

enum { HMAC_SHA256_BYTES = 32, HMAC_SHA256_BLOCK_BYTES = 64 };

/* A prepared key: plain data (it may be copied), immutable once prepared, so any number
 * of threads may use one at a time. It stands for the key itself: keep it as secret. */
struct hmac_sha256_key {
    SHA256_CTX inner; /* after the block K ^ ipad */
    SHA256_CTX outer; /* after the block K ^ opad */
};

/* Prepares key from the secret_len bytes at secret, of any length (a secret longer
 * than a block is hashed first, as RFC 2104 says). Keeps no pointer to secret and
 * leaves no copy of it behind but key. */
void hmac_sha256_key_init(struct hmac_sha256_key *key, const uint8_t *secret,
                          size_t secret_len);

/* Writes HMAC-SHA256(key, the len bytes at data) into mac. Allocates nothing and does
 * not change key. */
void hmac_sha256_mac(const struct hmac_sha256_key *key, const void *data, size_t len,
                     uint8_t mac[HMAC_SHA256_BYTES]);

#endif
