/* The requests of a run, built before it starts so that the run itself only does I/O:
 * each entry is the complete HTTP request (head and body, ready to write) plus what
 * validating its answer needs (request id, imp ids, tmax).
 *
 * Entries come from the traffic model or from a replay file; either way every body is
 * decoded once with the bidder's own codec, which both extracts the ids and proves the
 * request is one the bidder accepts. */
#ifndef GEOBID_LOAD_REQUEST_POOL_H
#define GEOBID_LOAD_REQUEST_POOL_H

#include "target.h"
#include "traffic.h"
#include "wire.h"

#include "geobid/arena.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdint.h>
#include <stdio.h>

struct pooled_request {
    const char *wire;          /* HTTP head + body */
    size_t wire_len;
    struct slice body;         /* the body inside wire */
    struct slice id;
    struct slice *imp_ids;
    size_t imp_count;
    int32_t tmax_ms;           /* 0: no deadline */
};

struct request_pool {
    struct pooled_request *requests;
    size_t count, capacity;
    enum wire_format format;
    const struct target *target;
    struct arena arena;        /* every byte of every entry */
    uint64_t body_bytes;       /* sum of body lengths */
};

/* Starts an empty pool of format, addressed to target (which must outlive the pool). */
void request_pool_init(struct request_pool *pool, enum wire_format format,
                       const struct target *target);

/* Adds one request body (copied). Returns 0, or -1 with err when the bidder's codec
 * rejects it. */
int request_pool_add(struct request_pool *pool, const char *body, size_t len, struct error *err);

/* Adds count requests of model's stream (numbers 0..count-1) encoded in the pool's
 * format. Returns 0, or -1 with err. */
int request_pool_generate(struct request_pool *pool, const struct traffic_model *model,
                          size_t count, struct error *err);

/* Adds every request of a replay file: JSON lines (one request per line, blank lines
 * skipped) for JSON, or protobuf messages each preceded by its length as a varint
 * (protobuf's writeDelimitedTo framing). Returns 0, or -1 with err naming the entry. */
int request_pool_load_replay(struct request_pool *pool, const char *path, struct error *err);

/* Writes the pool's bodies to out in the replay format. Returns 0, or -1 on a write
 * error. */
int request_pool_write_replay(const struct request_pool *pool, FILE *out);

/* Returns entry number n modulo the pool size (the pool must not be empty). */
static inline const struct pooled_request *request_pool_get(const struct request_pool *pool,
                                                            uint64_t n)
{
    return &pool->requests[n % pool->count];
}

/* Frees every entry. */
void request_pool_free(struct request_pool *pool);

#endif
