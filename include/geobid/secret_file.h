/* Secrets kept in --data-dir: a few random bytes created once, on first start, and read
 * back on every later start, so that what they sign or hash stays valid across
 * restarts (the notice signing key, the user-key hashing secret).
 *
 * The file holds the raw bytes and nothing else. It is created with mode 0600 and
 * appears atomically: the bytes are written and fsync'ed under a temporary name, then
 * linked to the final name, so a crash never leaves a short file behind and two
 * processes starting at once end up with the same secret (the second one's link fails
 * and it reads the first one's file). */
#ifndef GEOBID_SECRET_FILE_H
#define GEOBID_SECRET_FILE_H

#include "geobid/error.h"

#include <stddef.h>
#include <stdint.h>

/* Fills secret[0..len) from dir/name, creating that file with len random bytes
 * (getrandom()) when it does not exist. Returns 0, or -1 with err naming the file:
 * unreadable, open to group or others, not exactly len bytes long (never overwritten:
 * a changed secret would silently invalidate what it signed or hashed), or not
 * creatable. */
int secret_file_load(const char *dir, const char *name, uint8_t *secret, size_t len,
                     struct error *err);

/* Fills secret[0..len) with random bytes from getrandom(), for a secret that lives only
 * as long as the process. Aborts when the kernel cannot provide them. */
void secret_random(uint8_t *secret, size_t len);

#endif
