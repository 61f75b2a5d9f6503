#include "geobid/error.h"

#include <stdarg.h>
#include <stdio.h>

int error_format(struct error *err, const char *fmt, ...)
{
    if (err != NULL) {
        va_list args;
        va_start(args, fmt);
        vsnprintf(err->message, sizeof(err->message), fmt, args);
        va_end(args);
    }
    return -1;
}
