#include "geobid/arena.h"

#include "geobid/alloc.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct arena_block {
    struct arena_block *next;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

static const size_t arena_alignment = alignof(max_align_t);

static struct arena_block *arena_block_new(size_t size, struct arena_block *next)
{
    struct arena_block *block = xmalloc(sizeof(*block) + size);
    block->next = next;
    block->size = size;
    return block;
}

void arena_init(struct arena *arena, size_t block_size)
{
    arena->head = NULL;
    arena->used = 0;
    arena->block_size = block_size ? block_size : 4096;
}

void *arena_alloc(struct arena *arena, size_t size)
{
    size_t rounded = (size + arena_alignment - 1) & ~(arena_alignment - 1);
    if (rounded < size)
        out_of_memory(SIZE_MAX);
    if (arena->head == NULL || arena->head->size - arena->used < rounded) {
        while (arena->block_size < rounded)
            arena->block_size *= 2;
        arena->head = arena_block_new(arena->block_size, arena->head);
        arena->used = 0;
        arena->block_size *= 2;
    }
    void *ptr = arena->head->data + arena->used;
    arena->used += rounded;
    return ptr;
}

void *arena_calloc(struct arena *arena, size_t count, size_t size)
{
    if (size != 0 && count > SIZE_MAX / size)
        out_of_memory(SIZE_MAX);
    void *ptr = arena_alloc(arena, count * size);
    memset(ptr, 0, count * size);
    return ptr;
}

char *arena_strndup(struct arena *arena, const char *s, size_t len)
{
    char *copy = arena_alloc(arena, len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}

void arena_reset(struct arena *arena)
{
    struct arena_block *largest = arena->head;
    for (struct arena_block *b = arena->head; b != NULL; b = b->next)
        if (b->size > largest->size)
            largest = b;
    struct arena_block *b = arena->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        if (b != largest)
            free(b);
        b = next;
    }
    if (largest != NULL)
        largest->next = NULL;
    arena->head = largest;
    arena->used = 0;
}

void arena_free(struct arena *arena)
{
    struct arena_block *b = arena->head;
    while (b != NULL) {
        struct arena_block *next = b->next;
        free(b);
        b = next;
    }
    arena->head = NULL;
    arena->used = 0;
}
