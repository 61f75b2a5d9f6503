/* Per-request bump allocator.
 *
 * Every object of one bid request (decoded request, unescaped strings, the response) is
 * carved from an arena; nothing is freed one by one. arena_reset() makes all of it
 * reusable at once and keeps the largest block, so after warm-up a request allocates
 * nothing from malloc. One arena belongs to one thread. */
#ifndef GEOBID_ARENA_H
#define GEOBID_ARENA_H

#include <stddef.h>

struct arena_block;

struct arena {
    struct arena_block *head; /* block being carved; older blocks chained behind */
    size_t used;              /* bytes used in head */
    size_t block_size;        /* size of the next block to create */
};

/* Prepares an empty arena whose first block will hold block_size bytes. */
void arena_init(struct arena *arena, size_t block_size);

/* Returns size bytes aligned for any type, valid until the next arena_reset() or
 * arena_free(). Never NULL (aborts on out-of-memory, see alloc.h). */
void *arena_alloc(struct arena *arena, size_t size);

/* Like arena_alloc() for count objects of size bytes, zero-filled; aborts on overflow. */
void *arena_calloc(struct arena *arena, size_t count, size_t size);

/* Returns a NUL-terminated arena copy of len bytes at s. */
char *arena_strndup(struct arena *arena, const char *s, size_t len);

/* Invalidates everything allocated so far; keeps one block (the largest) for reuse. */
void arena_reset(struct arena *arena);

/* Releases all memory of the arena; it may be arena_init()ed again. */
void arena_free(struct arena *arena);

#endif
