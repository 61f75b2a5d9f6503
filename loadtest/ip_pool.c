#include "ip_pool.h"

#include "geobid/alloc.h"
#include "geobid/geo.h"

#include <arpa/inet.h>
#include <maxminddb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct walk_frame {
    uint32_t node;
    uint32_t bits;     /* the address bits chosen so far, left-aligned at depth */
    uint8_t depth;     /* bits consumed below the IPv4 root */
};

struct sampler {
    struct ip_network *kept;
    size_t capacity, count;
    uint64_t seen;
    struct rng rng;
};

/* Reservoir sampling (Vitter's algorithm R): every network seen has the same chance. */
static void sampler_offer(struct sampler *sampler, uint32_t base, uint8_t prefix_len)
{
    uint64_t slot = sampler->seen++;
    if (slot >= sampler->capacity) {
        slot = rng_below(&sampler->rng, sampler->seen);
        if (slot >= sampler->capacity)
            return;
    } else {
        sampler->count++;
    }
    sampler->kept[slot] = (struct ip_network){.base = base, .prefix_len = prefix_len};
}

/* Returns the node where IPv4 addresses start, or node_count when the tree has none. */
static uint32_t ipv4_root(const MMDB_s *mmdb)
{
    if (mmdb->metadata.ip_version == 4)
        return 0;
    uint32_t node = 0;
    for (int depth = 0; depth < 96 && node < mmdb->metadata.node_count; depth++) {
        MMDB_search_node_s record;
        if (MMDB_read_node(mmdb, node, &record) != MMDB_SUCCESS)
            return mmdb->metadata.node_count;
        node = record.left_record_type == MMDB_RECORD_TYPE_SEARCH_NODE
                   ? (uint32_t)record.left_record
                   : mmdb->metadata.node_count;
    }
    return node;
}

/* Depth-first walk of the IPv4 subtree, offering every network that has data. */
static int walk_ipv4(const MMDB_s *mmdb, struct sampler *sampler)
{
    uint32_t root = ipv4_root(mmdb);
    if (root >= mmdb->metadata.node_count)
        return -1;
    struct walk_frame stack[40];
    size_t top = 0;
    stack[top++] = (struct walk_frame){root, 0, 0};
    while (top > 0) {
        struct walk_frame frame = stack[--top];
        MMDB_search_node_s record;
        if (frame.depth >= 32 || MMDB_read_node(mmdb, frame.node, &record) != MMDB_SUCCESS)
            continue;
        for (int bit = 1; bit >= 0; bit--) { /* right pushed first: left walked first */
            uint8_t type = bit ? record.right_record_type : record.left_record_type;
            uint64_t next = bit ? record.right_record : record.left_record;
            uint32_t bits = frame.bits | ((uint32_t)bit << (31 - frame.depth));
            if (type == MMDB_RECORD_TYPE_DATA)
                sampler_offer(sampler, bits, (uint8_t)(frame.depth + 1));
            else if (type == MMDB_RECORD_TYPE_SEARCH_NODE)
                stack[top++] = (struct walk_frame){(uint32_t)next, bits,
                                                   (uint8_t)(frame.depth + 1)};
        }
    }
    return 0;
}

/* Fills the location of every kept network from a lookup of its first host. */
static void locate_networks(struct ip_pool *pool, const struct geo_db *db)
{
    for (size_t i = 0; i < pool->count; i++) {
        struct ip_network *network = &pool->networks[i];
        struct in_addr addr = {htonl(network->base)};
        char text[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &addr, text, sizeof(text));
        struct location location;
        if (geo_db_lookup(db, slice_from_cstr(text), &location) != 1)
            continue;
        network->has_point = location.has_point;
        network->lat = location.lat;
        network->lon = location.lon;
        memcpy(network->country, location.country, sizeof(network->country));
    }
}

int ip_pool_load(struct ip_pool *pool, const char *path, size_t max_networks, uint64_t seed,
                 struct error *err)
{
    pool->networks = NULL;
    pool->count = 0;
    struct geo_db *db = geo_db_open(path, err);
    if (db == NULL)
        return -1;
    MMDB_s mmdb;
    int status = MMDB_open(path, MMDB_MODE_MMAP, &mmdb);
    if (status != MMDB_SUCCESS) {
        geo_db_close(db);
        return error_format(err, "%s: %s", path, MMDB_strerror(status));
    }
    struct sampler sampler = {xcalloc(max_networks ? max_networks : 1, sizeof(struct ip_network)),
                              max_networks, 0, 0, rng_derive(seed, 0x1b)};
    int rc = walk_ipv4(&mmdb, &sampler);
    MMDB_close(&mmdb);
    pool->networks = sampler.kept;
    pool->count = sampler.count;
    if (rc == 0 && pool->count > 0)
        locate_networks(pool, db);
    geo_db_close(db);
    if (rc != 0 || pool->count == 0) {
        ip_pool_free(pool);
        return error_format(err, "%s: no IPv4 network in the database", path);
    }
    return 0;
}

void ip_pool_free(struct ip_pool *pool)
{
    free(pool->networks);
    pool->networks = NULL;
    pool->count = 0;
}

void ip_network_random_host(const struct ip_network *network, struct rng *rng, char out[16])
{
    uint64_t size = UINT64_C(1) << (32 - network->prefix_len);
    uint64_t offset = size > 2 ? 1 + rng_below(rng, size - 2) : 0; /* not .0 nor .255 */
    uint32_t host = network->base + (uint32_t)offset;
    snprintf(out, 16, "%u.%u.%u.%u", host >> 24, (host >> 16) & 255, (host >> 8) & 255,
             host & 255);
}
