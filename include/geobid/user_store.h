/* What geobid keeps about people under --data-dir, opened together: the secret their
 * ids are hashed with (user_key.h) and their first-party segments (profile.h). Every
 * store keyed by person belongs here, so that erasing a person reaches all of them. */
#ifndef GEOBID_USER_STORE_H
#define GEOBID_USER_STORE_H

#include "geobid/bidder.h"
#include "geobid/config.h"
#include "geobid/error.h"
#include "geobid/profile.h"
#include "geobid/slice.h"
#include "geobid/user_key.h"

#include <stdbool.h>

struct user_store {
    struct user_key_hasher user_keys;
    struct profile_store *profiles;
};

/* Creates config->data_dir (mode 0700) when missing, then opens the hashing secret and
 * the profile store in it, with --profile-ttl-days and --profile-map-mb. Returns 0, or
 * -1 with err and nothing left open. Close with user_store_close(). */
int user_store_open(struct user_store *store, const struct config *config, struct error *err);

/* Without a data directory: a random hashing secret for this process only and no
 * profile store, so that frequency caps still count people (by keys that mean nothing
 * after a restart) and segments stay unavailable. Cannot fail. */
void user_store_open_ephemeral(struct user_store *store);

/* Closes what user_store_open() or user_store_open_ephemeral() opened. */
void user_store_close(struct user_store *store);

/* Points bidder's profiles and user_keys at store's, which must outlive bidder. */
void user_store_attach(struct user_store *store, struct bidder *bidder);

/* Erases everything held about the person user_id names, in every store bidder reaches
 * (the right to erasure): their profile and their frequency counts (the ledger's).
 * A store keyed by person that is added later erases here too, so that
 * DELETE /v1/users/{id} stays complete. *erased tells whether anything was held. Returns PROFILE_OK, or another
 * status with err when a store could not be written. bidder must have user_keys. */
enum profile_status user_store_erase(const struct bidder *bidder, struct slice user_id,
                                     bool *erased, struct error *err);

#endif
