#include "request_pool.h"

#include "encode.h"

#include "geobid/alloc.h"
#include "geobid/outbuf.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

enum { pool_block_bytes = 1 << 20, max_replay_request_bytes = 1 << 20 };

void request_pool_init(struct request_pool *pool, enum wire_format format,
                       const struct target *target)
{
    memset(pool, 0, sizeof(*pool));
    pool->format = format;
    pool->target = target;
    arena_init(&pool->arena, pool_block_bytes);
}

void request_pool_free(struct request_pool *pool)
{
    free(pool->requests);
    arena_free(&pool->arena);
    memset(pool, 0, sizeof(*pool));
}

static struct pooled_request *append_entry(struct request_pool *pool)
{
    if (pool->count == pool->capacity) {
        pool->capacity = pool->capacity ? 2 * pool->capacity : 256;
        pool->requests = xrealloc(pool->requests, pool->capacity * sizeof(*pool->requests));
    }
    return &pool->requests[pool->count++];
}

/* Lays out "POST path HTTP/1.1 ... \r\n\r\n" + body in the pool's arena. */
static void build_wire(struct request_pool *pool, const char *body, size_t len,
                       struct pooled_request *entry)
{
    struct outbuf wire;
    outbuf_init(&wire, &pool->arena, len + 256);
    outbuf_append_cstr(&wire, "POST ");
    outbuf_append_cstr(&wire, pool->target->path);
    outbuf_append_cstr(&wire, " HTTP/1.1\r\nHost: ");
    outbuf_append_cstr(&wire, pool->target->authority);
    outbuf_append_cstr(&wire, "\r\nContent-Type: ");
    outbuf_append_cstr(&wire, wire_media_type(pool->format));
    outbuf_append_cstr(&wire, "\r\nx-openrtb-version: 2.6\r\nContent-Length: ");
    outbuf_append_int(&wire, (int64_t)len);
    outbuf_append_cstr(&wire, "\r\n\r\n");
    size_t head_len = wire.len;
    outbuf_append(&wire, body, len);
    entry->wire = wire.data;
    entry->wire_len = wire.len;
    entry->body = (struct slice){wire.data + head_len, len};
}

static struct slice copy_slice(struct arena *arena, struct slice s)
{
    return (struct slice){arena_strndup(arena, s.ptr ? s.ptr : "", s.len), s.len};
}

int request_pool_add(struct request_pool *pool, const char *body, size_t len, struct error *err)
{
    struct arena scratch;
    arena_init(&scratch, 16 * 1024);
    struct bid_request request;
    int rc = wire_codec(pool->format)->decode(body, len, &scratch, &request, err);
    if (rc == 0) {
        struct pooled_request *entry = append_entry(pool);
        build_wire(pool, body, len, entry);
        entry->id = copy_slice(&pool->arena, request.id);
        entry->tmax_ms = request.tmax_ms;
        entry->imp_count = request.imp_count;
        entry->imp_ids = arena_calloc(&pool->arena, request.imp_count, sizeof(struct slice));
        for (size_t i = 0; i < request.imp_count; i++)
            entry->imp_ids[i] = copy_slice(&pool->arena, request.imps[i].id);
        pool->body_bytes += len;
    }
    arena_free(&scratch);
    return rc;
}

int request_pool_generate(struct request_pool *pool, const struct traffic_model *model,
                          size_t count, struct error *err)
{
    struct arena scratch;
    arena_init(&scratch, 64 * 1024);
    int rc = 0;
    for (size_t n = 0; n < count && rc == 0; n++) {
        struct synthetic_request request;
        traffic_generate(model, n, &request);
        struct outbuf body;
        outbuf_init(&body, &scratch, 4096);
        if (pool->format == WIRE_JSON)
            encode_json(&request, &body);
        else
            encode_protobuf(&request, &body);
        struct error inner;
        if (request_pool_add(pool, body.data, body.len, &inner) != 0)
            rc = error_format(err, "generated request %zu rejected: %s", n, inner.message);
        arena_reset(&scratch);
    }
    arena_free(&scratch);
    return rc;
}

/* ---- replay files ---------------------------------------------------------- */

static int load_json_lines(struct request_pool *pool, FILE *file, const char *path,
                           struct error *err)
{
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    for (size_t number = 1; rc == 0 && (len = getline(&line, &cap, file)) >= 0; number++) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            len--;
        if (strspn(line, " \t") == (size_t)len)
            continue;
        struct error inner;
        if (request_pool_add(pool, line, (size_t)len, &inner) != 0)
            rc = error_format(err, "%s:%zu: %s", path, number, inner.message);
    }
    free(line);
    return rc;
}

/* Reads a base-128 varint; 1, 0 at a clean end of file, -1 when truncated or too long. */
static int read_varint(FILE *file, uint64_t *value)
{
    *value = 0;
    for (int shift = 0; shift < 64; shift += 7) {
        int c = getc(file);
        if (c == EOF)
            return shift == 0 ? 0 : -1;
        *value |= (uint64_t)(c & 0x7F) << shift;
        if ((c & 0x80) == 0)
            return 1;
    }
    return -1;
}

static int load_delimited(struct request_pool *pool, FILE *file, const char *path,
                          struct error *err)
{
    char *message = xmalloc(max_replay_request_bytes);
    int rc = 0;
    for (size_t number = 1; rc == 0; number++) {
        uint64_t len;
        struct error inner;
        int status = read_varint(file, &len);
        if (status == 0)
            break;
        if (status < 0 || len > max_replay_request_bytes || fread(message, 1, len, file) != len)
            rc = error_format(err, "%s: request %zu: truncated or too long", path, number);
        else if (request_pool_add(pool, message, (size_t)len, &inner) != 0)
            rc = error_format(err, "%s: request %zu: %s", path, number, inner.message);
    }
    free(message);
    return rc;
}

int request_pool_load_replay(struct request_pool *pool, const char *path, struct error *err)
{
    FILE *file = fopen(path, "rb");
    if (file == NULL)
        return error_format(err, "--replay %s: %s", path, strerror(errno));
    int rc = pool->format == WIRE_JSON ? load_json_lines(pool, file, path, err)
                                       : load_delimited(pool, file, path, err);
    fclose(file);
    if (rc == 0 && pool->count == 0)
        rc = error_format(err, "--replay %s: no request in the file", path);
    return rc;
}

static int write_varint(FILE *out, uint64_t value)
{
    do {
        int byte = (int)(value & 0x7F);
        value >>= 7;
        if (putc(value ? byte | 0x80 : byte, out) == EOF)
            return -1;
    } while (value);
    return 0;
}

int request_pool_write_replay(const struct request_pool *pool, FILE *out)
{
    for (size_t i = 0; i < pool->count; i++) {
        struct slice body = pool->requests[i].body;
        if (pool->format == WIRE_PROTOBUF && write_varint(out, body.len) != 0)
            return -1;
        if (fwrite(body.ptr, 1, body.len, out) != body.len ||
            (pool->format == WIRE_JSON && putc('\n', out) == EOF))
            return -1;
    }
    return fflush(out) == 0 ? 0 : -1;
}
