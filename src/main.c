/* geobid: load the configuration, campaigns and GeoIP databases, then serve bids. */
#include "geobid/alloc.h"
#include "geobid/bidder.h"
#include "geobid/campaign.h"
#include "geobid/config.h"
#include "geobid/geo.h"
#include "geobid/import_command.h"
#include "geobid/ledger.h"
#include "geobid/notice.h"
#include "geobid/server.h"
#include "geobid/snapshot.h"
#include "geobid/user_store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int load_campaigns(const struct config *config, struct campaign_set *set,
                          struct error *err)
{
    if (config->campaigns == NULL) {
        memset(set, 0, sizeof(*set));
        fprintf(stderr, "geobid: no --campaigns given: every request gets a 204\n");
        return 0;
    }
    return campaign_set_load_file(set, config->campaigns, err);
}

static int open_geoip(const struct config *config, struct geo_resolver *resolver,
                      struct error *err)
{
    resolver->dbs = xcalloc(config->geoip_count, sizeof(struct geo_db *));
    resolver->db_count = 0;
    for (size_t i = 0; i < config->geoip_count; i++) {
        resolver->dbs[i] = geo_db_open(config->geoip[i], err);
        if (resolver->dbs[i] == NULL)
            return -1;
        resolver->db_count++;
    }
    if (config->geoip_count == 0)
        fprintf(stderr, "geobid: no --geoip database: IP-only requests have no location\n");
    return 0;
}

static void close_geoip(struct geo_resolver *resolver)
{
    for (size_t i = 0; i < resolver->db_count; i++)
        geo_db_close(resolver->dbs[i]);
    free(resolver->dbs);
}

static int ensure_data_dir(const char *dir, struct error *err)
{
    if (dir == NULL || mkdir(dir, 0700) == 0 || errno == EEXIST)
        return 0;
    return error_format(err, "--data-dir %s: %s", dir, strerror(errno));
}

/* Gives the notice signer its key (--notice-key, else the data directory's, else one
 * for this process only) and says what exchanges will be told to call. */
static int load_notice_key(const struct config *config, struct notice_signer *notices,
                           struct error *err)
{
    if (ensure_data_dir(config->data_dir, err) != 0 ||
        notice_signer_load_key(notices, config->data_dir, err) != 0)
        return -1;
    if (config->public_url == NULL)
        fprintf(stderr, "geobid: no --public-url: notice URLs point at %s\n", notices->base_url);
    if (config->notice_key == NULL && config->data_dir == NULL)
        fprintf(stderr, "geobid: no --notice-key or --data-dir: notice URLs are signed with a "
                        "key for this process only (refused after a restart)\n");
    return 0;
}

static int serve(const struct config *config, struct bidder *bidder, struct error *err)
{
    struct server_config server_config;
    struct user_store users = {0};
    config_server(config, &server_config);
    if (ensure_data_dir(config->data_dir, err) != 0)
        return -1;
    if (config->data_dir != NULL) {
        if (user_store_open(&users, config, err) != 0)
            return -1;
    } else {
        user_store_open_ephemeral(&users);
        fprintf(stderr, "geobid: no --data-dir: user ids are hashed with a key for this "
                        "process only (frequency caps count people until it stops; no "
                        "segments)\n");
    }
    user_store_attach(&users, bidder);
    struct server *server = server_start(&server_config, bidder, err);
    if (server == NULL) {
        user_store_close(&users);
        return -1;
    }
    fprintf(stderr, "geobid %s: bids on http://%s/openrtb2/bid (%d threads), admin on http://%s\n",
            GEOBID_VERSION, server_config.listen, server_config.threads,
            server_config.admin_listen);
    server_wait_and_stop(server);
    user_store_close(&users);
    fprintf(stderr, "geobid: stopped\n");
    return 0;
}

/* Opens the ledger (budgets, pacing, frequency caps: durable under --data-dir) for
 * bidder's campaigns, serves, and closes it. */
static int serve_with_ledger(const struct config *config, struct bidder *bidder,
                             struct error *err)
{
    struct ledger_options options = {
        .clock = bidder->clock,
        .data_dir = config->data_dir,
        .reservation_ttl_ms = config->reservation_ttl_s * 1000,
        .max_reservations = (size_t)config->max_reservations,
        .background = true,
    };
    if (ensure_data_dir(config->data_dir, err) != 0)
        return -1;
    bidder->ledger = ledger_open(&options, err);
    if (bidder->ledger == NULL)
        return -1;
    if (config->data_dir == NULL)
        fprintf(stderr, "geobid: no --data-dir: spend, reservations and frequency counts are "
                        "kept in memory only\n");
    int rc = ledger_sync(bidder->ledger, &bidder->snapshot->campaigns, err);
    if (rc == 0)
        rc = serve(config, bidder, err);
    ledger_close(bidder->ledger);
    bidder->ledger = NULL;
    return rc;
}

/* Loads campaigns and databases, then checks or serves. Returns the exit status. */
static int run(const struct config *config, enum config_action action, struct error *err)
{
    struct campaign_set campaigns;
    struct geo_resolver resolver = {0};
    if (load_campaigns(config, &campaigns, err) != 0)
        return EXIT_FAILURE;
    struct notice_signer notices;
    int rc = open_geoip(config, &resolver, err);
    if (rc == 0)
        rc = notice_signer_init(&notices, config->public_url, config->listen,
                                config->notice_key, err);
    struct snapshot *snapshot = snapshot_build(&campaigns);
    if (rc == 0 && action == CONFIG_RUN)
        rc = load_notice_key(config, &notices, err);
    if (rc == 0 && action == CONFIG_CHECK)
        printf("geobid: configuration OK: %zu campaigns, %zu fences, %zu GeoIP databases\n",
               snapshot->campaigns.count, snapshot->fence_count, resolver.db_count);
    if (rc == 0 && action == CONFIG_RUN) {
        struct bidder bidder = {.snapshot = snapshot, .geo = &resolver,
                                .privacy = {.vendor_id = (uint16_t)config->vendor_id,
                                            .gdpr_default = config->gdpr_default == 1},
                                .notices = &notices};
        rc = serve_with_ledger(config, &bidder, err);
    }
    snapshot_free(snapshot);
    close_geoip(&resolver);
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "import-segments") == 0)
        return import_command_main(argc, argv);
    struct config config;
    struct error err = {""};
    enum config_action action = config_load(&config, argc, argv, &err);
    int status = EXIT_SUCCESS;
    if (action == CONFIG_HELP)
        config_print_usage(stdout);
    else if (action == CONFIG_VERSION)
        printf("geobid %s\n", GEOBID_VERSION);
    else if (action == CONFIG_ERROR)
        status = EXIT_FAILURE;
    else
        status = run(&config, action, &err);
    if (status != EXIT_SUCCESS)
        fprintf(stderr, "geobid: %s\n", err.message);
    config_free(&config);
    return status;
}
