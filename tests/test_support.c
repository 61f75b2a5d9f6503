#include "test_support.h"

#include "geobid/alloc.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *test_fixture_dir(void)
{
    const char *dir = getenv("GEOBID_FIXTURES");
    return dir != NULL ? dir : "build/fixtures";
}

char *test_fixture_path(const char *name)
{
    const char *dir = test_fixture_dir();
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    return path;
}

const char *test_shared_geoip_dir(void)
{
    const char *dir = getenv("GEOBID_SHARED_GEOIP");
    if (dir == NULL)
        dir = "../shared/geoip";
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) ? dir : NULL;
}

char *test_read_file(const char *path, size_t *len)
{
    FILE *file = fopen(path, "rb");
    ck_assert_msg(file != NULL, "cannot open %s", path);
    fseek(file, 0, SEEK_END);
    long size = ftell(file);
    rewind(file);
    char *data = xmalloc((size_t)size + 1);
    ck_assert_uint_eq(fread(data, 1, (size_t)size, file), (size_t)size);
    fclose(file);
    data[size] = '\0';
    if (len != NULL)
        *len = (size_t)size;
    return data;
}
