#include "geobid/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void out_of_memory(size_t size)
{
    fprintf(stderr, "geobid: out of memory allocating %zu bytes\n", size);
    abort();
}

void *xmalloc(size_t size)
{
    void *ptr = malloc(size ? size : 1);
    if (ptr == NULL)
        out_of_memory(size);
    return ptr;
}

void *xcalloc(size_t count, size_t size)
{
    void *ptr = calloc(count ? count : 1, size ? size : 1);
    if (ptr == NULL)
        out_of_memory(count * size);
    return ptr;
}

void *xrealloc(void *ptr, size_t size)
{
    void *grown = realloc(ptr, size ? size : 1);
    if (grown == NULL)
        out_of_memory(size);
    return grown;
}

char *xstrndup(const char *s, size_t len)
{
    char *copy = xmalloc(len + 1);
    memcpy(copy, s, len);
    copy[len] = '\0';
    return copy;
}
