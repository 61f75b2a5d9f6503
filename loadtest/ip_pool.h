/* IPv4 networks taken from a MaxMind DB (.mmdb) file, so the generated requests carry
 * addresses that the bidder's GeoIP database actually knows, placed near the request's
 * city when the database has a network there.
 *
 * libmaxminddb has no iterator: the loader walks the search tree itself
 * (MMDB_read_node), from the IPv4 subtree (::/96 in an IPv6 tree, which skips the
 * aliases ::ffff:0:0/96 and 2002::/16), keeps a seeded uniform sample of the networks
 * (reservoir sampling) and locates each with geo_db_lookup(), the bidder's own reader. */
#ifndef GEOBID_LOAD_IP_POOL_H
#define GEOBID_LOAD_IP_POOL_H

#include "random.h"

#include "geobid/error.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ip_network {
    uint32_t base;        /* host byte order */
    uint8_t prefix_len;   /* 0..32 */
    bool has_point;
    double lat, lon;
    char country[3];      /* alpha-2, "" when unknown */
};

struct ip_pool {
    struct ip_network *networks; /* malloc'ed */
    size_t count;
};

/* Loads at most max_networks networks (a uniform sample, from seed) of the database at
 * path. Returns 0, or -1 with err when the file cannot be opened or holds no IPv4
 * network. */
int ip_pool_load(struct ip_pool *pool, const char *path, size_t max_networks, uint64_t seed,
                 struct error *err);

/* Frees the networks (an empty pool is fine). */
void ip_pool_free(struct ip_pool *pool);

/* Writes a random host address of network as dotted text into out (16 bytes). */
void ip_network_random_host(const struct ip_network *network, struct rng *rng, char out[16]);

#endif
