#include "geobid/import_command.h"

#include "geobid/alloc.h"
#include "geobid/clock.h"
#include "geobid/config.h"
#include "geobid/segment_import.h"
#include "geobid/user_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

static const char usage[] =
    "Usage: geobid import-segments --data-dir DIR [OPTION]... SEGMENT FILE\n"
    "Records every line of FILE (CSV user_id[,unix_ts], or JSON lines {\"user\", \"ts\"} when\n"
    "named *.jsonl or *.ndjson) as an observation of SEGMENT, all or nothing.\n"
    "Options as geobid's (--profile-ttl-days, --profile-map-mb, --config); see geobid --help.\n";

/* The bytes of an upload: a regular file mapped, anything else (a pipe, /dev/stdin)
 * read into memory. */
struct upload {
    const char *data;
    size_t len;
    char *buffer; /* what was read, when not mapped */
};

static void close_upload(struct upload *upload)
{
    if (upload->buffer != NULL)
        free(upload->buffer);
    else if (upload->len > 0)
        munmap((void *)upload->data, upload->len);
}

/* Reads fd to its end into upload->buffer. Returns 0, or -1 with errno. */
static int read_stream(int fd, struct upload *upload)
{
    size_t cap = 1 << 16;
    upload->buffer = xmalloc(cap);
    upload->data = upload->buffer;
    for (;;) {
        if (upload->len == cap)
            upload->data = upload->buffer = xrealloc(upload->buffer, cap *= 2);
        ssize_t n = read(fd, upload->buffer + upload->len, cap - upload->len);
        if (n == 0)
            return 0;
        if (n < 0 && errno != EINTR)
            return -1;
        upload->len += n > 0 ? (size_t)n : 0;
    }
}

static int open_upload(const char *path, struct upload *upload, struct error *err)
{
    struct stat st;
    *upload = (struct upload){"", 0, NULL};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    int rc = fd >= 0 && fstat(fd, &st) == 0 ? 0 : -1;
    if (rc == 0 && !S_ISREG(st.st_mode)) {
        rc = read_stream(fd, upload);
    } else if (rc == 0 && st.st_size > 0) {
        void *map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (map == MAP_FAILED)
            rc = -1;
        else
            *upload = (struct upload){map, (size_t)st.st_size, NULL};
    }
    int saved = errno;
    if (fd >= 0)
        close(fd);
    if (rc == 0)
        return 0;
    close_upload(upload);
    return error_format(err, "%s: %s", path, strerror(saved));
}

/* Records FILE as SEGMENT's observations in the configured data directory. */
static int import_file(const struct config *config, const char *segment, const char *path,
                       struct error *err)
{
    struct user_store users;
    struct upload file;
    if (config->data_dir == NULL)
        return error_format(err, "import-segments needs --data-dir (see --help)");
    if (open_upload(path, &file, err) != 0)
        return -1;
    int rc = user_store_open(&users, config, err);
    if (rc == 0) {
        struct segment_import_result result;
        struct error import_err;
        enum profile_status status = segment_import_apply(
            users.profiles, &users.user_keys, slice_from_cstr(segment),
            segment_import_format_of_path(path), file.data, file.len,
            clock_now_ms(&clock_system) / 1000, &result, &import_err);
        if (status == PROFILE_OK)
            printf("geobid: %s: %zu observations of %zu users recorded in segment %s\n", path,
                   result.observations, result.users, segment);
        else
            rc = error_format(err, "%s: %s", path, import_err.message);
        user_store_close(&users);
    }
    close_upload(&file);
    return rc;
}

int import_command_main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[2], "--help") == 0) {
        fputs(usage, stdout);
        return EXIT_SUCCESS;
    }
    if (argc < 4) {
        fputs(usage, stderr);
        return EXIT_FAILURE;
    }
    /* The options, without the command and the two operands, go to config_load(). */
    char **options = xcalloc((size_t)argc, sizeof(char *));
    options[0] = argv[0];
    memcpy(options + 1, argv + 2, (size_t)(argc - 4) * sizeof(char *));
    struct config config;
    struct error err = {""};
    enum config_action action = config_load(&config, argc - 3, options, &err);
    int rc = -1;
    if (action == CONFIG_RUN)
        rc = import_file(&config, argv[argc - 2], argv[argc - 1], &err);
    else if (action != CONFIG_ERROR)
        error_format(&err, "import-segments takes no --check, --help or --version here");
    if (rc != 0)
        fprintf(stderr, "geobid: %s\n", err.message);
    config_free(&config);
    free(options);
    return rc == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
