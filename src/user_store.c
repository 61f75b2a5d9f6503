#include "geobid/user_store.h"

#include "geobid/ledger.h"
#include "geobid/secret_file.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

enum { seconds_per_day = 86400 };

int user_store_open(struct user_store *store, const struct config *config, struct error *err)
{
    const char *dir = config->data_dir;
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        return error_format(err, "--data-dir %s: %s", dir, strerror(errno));
    if (user_key_hasher_open(&store->user_keys, dir, err) != 0)
        return -1;
    store->profiles = profile_store_open_sized(dir, config->profile_ttl_days * seconds_per_day,
                                               (size_t)config->profile_map_mb << 20, err);
    return store->profiles != NULL ? 0 : -1;
}

void user_store_open_ephemeral(struct user_store *store)
{
    uint8_t secret[USER_KEY_SECRET_BYTES];
    secret_random(secret, sizeof(secret));
    user_key_hasher_init(&store->user_keys, secret);
    explicit_bzero(secret, sizeof(secret));
    store->profiles = NULL;
}

void user_store_close(struct user_store *store)
{
    profile_store_close(store->profiles);
    store->profiles = NULL;
}

void user_store_attach(struct user_store *store, struct bidder *bidder)
{
    bidder->profiles = store->profiles;
    bidder->user_keys = &store->user_keys;
}

enum profile_status user_store_erase(const struct bidder *bidder, struct slice user_id,
                                     bool *erased, struct error *err)
{
    struct user_key key;
    user_key_of_id(bidder->user_keys, user_id, &key);
    *erased = false;
    if (bidder->profiles != NULL) {
        enum profile_status status = profile_store_erase(bidder->profiles, &key, erased, err);
        if (status != PROFILE_OK)
            return status;
    }
    if (bidder->ledger != NULL) {
        int counts = ledger_erase_user(bidder->ledger, &key, err);
        if (counts < 0)
            return PROFILE_FAILED;
        *erased = *erased || counts > 0;
    }
    return PROFILE_OK;
}
