/* Memory allocation with one out-of-memory policy.
 *
 * geobid aborts centrally on allocation failure: a bidder that cannot allocate a few
 * hundred bytes cannot answer inside an exchange's deadline anyway, and checking every
 * allocation would put error paths on every line of the hot path. So these never return
 * NULL; on failure they print one line to stderr and abort(). */
#ifndef GEOBID_ALLOC_H
#define GEOBID_ALLOC_H

#include <stddef.h>
#include <stdnoreturn.h>

/* Prints "out of memory allocating SIZE bytes" to stderr and aborts. */
noreturn void out_of_memory(size_t size);

/* Returns size bytes of uninitialised memory (size 0 is treated as 1). Never NULL. */
void *xmalloc(size_t size);

/* Returns count*size zeroed bytes; aborts on overflow or exhaustion. Never NULL. */
void *xcalloc(size_t count, size_t size);

/* Resizes ptr (may be NULL) to size bytes, as realloc(); aborts on exhaustion. */
void *xrealloc(void *ptr, size_t size);

/* Returns a malloc'ed copy of the len bytes at s, NUL-terminated. Never NULL. */
char *xstrndup(const char *s, size_t len);

#endif
