#include "geobid/secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

void secret_random(uint8_t *secret, size_t len)
{
    size_t have = 0;
    while (have < len) {
        ssize_t n = getrandom(secret + have, len - have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            fprintf(stderr, "geobid: getrandom: %s\n", strerror(errno));
            abort();
        }
        have += (size_t)n;
    }
}

/* Reads from fd until len bytes or end of file; returns how many were read, or -1. */
static ssize_t read_up_to(int fd, uint8_t *buffer, size_t len)
{
    size_t have = 0;
    while (have < len) {
        ssize_t n = read(fd, buffer + have, len - have);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        have += (size_t)n;
    }
    return (ssize_t)have;
}

/* Reads the secret at path, which must hold exactly len bytes and be readable by its
 * owner only. Returns 0, or -1 with err and errno set (ENOENT: no such file). */
static int read_secret(const char *path, uint8_t *secret, size_t len, struct error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int saved = errno;
        error_format(err, "%s: %s", path, strerror(saved));
        errno = saved;
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077) != 0) {
        close(fd);
        errno = EPERM;
        return error_format(err, "%s: readable or writable by others (chmod 600 it)", path);
    }
    uint8_t extra;
    ssize_t got = read_up_to(fd, secret, len);
    ssize_t more = got == (ssize_t)len ? read_up_to(fd, &extra, 1) : 0;
    int saved = errno;
    close(fd);
    if (got < 0 || more < 0)
        return error_format(err, "%s: %s", path, strerror(saved));
    if (got != (ssize_t)len || more != 0) {
        errno = EINVAL;
        return error_format(err, "%s: expected exactly %zu bytes (remove it to start with a "
                                 "new secret)", path, len);
    }
    return 0;
}

static bool write_all(int fd, const uint8_t *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false;
        data += n;
        len -= (size_t)n;
    }
    return true;
}

/* Makes the new directory entry durable; failure only weakens durability. */
static void sync_directory(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
}

/* Writes a new random secret under a temporary name in dir, then links it to path.
 * When another process linked its own first, that one is read instead. */
static int create_secret(const char *dir, const char *name, const char *path,
                         uint8_t *secret, size_t len, struct error *err)
{
    char temp[PATH_MAX];
    if (snprintf(temp, sizeof(temp), "%s/.%s.XXXXXX", dir, name) >= (int)sizeof(temp))
        return error_format(err, "%s: path too long", path);
    int fd = mkostemp(temp, O_CLOEXEC); /* mode 0600 */
    if (fd < 0)
        return error_format(err, "%s: cannot create: %s", path, strerror(errno));
    secret_random(secret, len);
    bool written = write_all(fd, secret, len) && fsync(fd) == 0;
    int saved = errno;
    close(fd);
    int rc = 0;
    if (!written)
        rc = error_format(err, "%s: cannot write: %s", temp, strerror(saved));
    else if (link(temp, path) != 0)
        rc = errno == EEXIST ? read_secret(path, secret, len, err)
                             : error_format(err, "%s: cannot create: %s", path, strerror(errno));
    unlink(temp);
    if (rc == 0)
        sync_directory(dir);
    return rc;
}

int secret_file_load(const char *dir, const char *name, uint8_t *secret, size_t len,
                     struct error *err)
{
    char path[PATH_MAX];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path))
        return error_format(err, "%s/%s: path too long", dir, name);
    if (read_secret(path, secret, len, err) == 0)
        return 0;
    if (errno != ENOENT)
        return -1;
    return create_secret(dir, name, path, secret, len, err);
}
