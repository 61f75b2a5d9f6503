#include "test_support.h"

#include "geobid/alloc.h"
#include "geobid/snapshot.h"

#include <arpa/inet.h>
#include <check.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

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

char *test_read_pb_fixture(const char *name, size_t *len)
{
    char file[128];
    snprintf(file, sizeof(file), "pb/%s.pb", name);
    char *path = test_fixture_path(file);
    char *data = test_read_file(path, len);
    free(path);
    return data;
}

const char *test_dq(struct arena *arena, const char *text)
{
    size_t len = strlen(text);
    char *copy = arena_strndup(arena, text, len);
    for (size_t i = 0; i < len; i++)
        if (copy[i] == '\'')
            copy[i] = '"';
    return copy;
}

/* ---- what the encoder tests bid with -------------------------------------- */

static struct slice adomain_shoes[] = {SLICE_LITERAL("shoes.example")};
static struct slice adomain_cafe[] = {SLICE_LITERAL("cafe.example"),
                                      SLICE_LITERAL("cafe2.example")};
static struct slice cat_cafe[] = {SLICE_LITERAL("IAB8")};

const struct creative test_bid_creatives[2] = {
    {.id = SLICE_LITERAL("cr-300x250"),
     .w = 300,
     .h = 250,
     .adm = SLICE_LITERAL("<a href=\"https://shoes.example/?a=1&b=2\">\\o/</a>\n\t\x01"),
     .adomain = {adomain_shoes, 1}},
    {.id = SLICE_LITERAL("cr-native"),
     .w = 0,
     .h = 0,
     .adm = SLICE_LITERAL("{\"native\":{}}"),
     .adomain = {adomain_cafe, 2},
     .iurl = SLICE_LITERAL("https://cafe.example/i.png"),
     .cat = {cat_cafe, 1}},
};

const struct campaign test_bid_campaigns[2] = {
    {.id = SLICE_LITERAL("shoes")},
    {.id = SLICE_LITERAL("café")},
};

/* ---- memory that ends at a guard page ------------------------------------ */

struct test_guarded test_guarded_alloc(size_t capacity)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t data_pages = (capacity + page - 1) / page + 1;
    struct test_guarded guarded;
    guarded.map_size = (data_pages + 1) * page;
    guarded.map = mmap(NULL, guarded.map_size, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    ck_assert(guarded.map != MAP_FAILED);
    guarded.end = guarded.map + data_pages * page;
    ck_assert_int_eq(mprotect(guarded.end, page, PROT_NONE), 0);
    return guarded;
}

char *test_guarded_place(const struct test_guarded *guarded, const void *data, size_t len)
{
    char *start = guarded->end - len;
    ck_assert(start >= guarded->map);
    if (len > 0)
        memcpy(start, data, len);
    return start;
}

void test_guarded_free(struct test_guarded *guarded)
{
    munmap(guarded->map, guarded->map_size);
}

/* ---- a geobid process, and HTTP/1.1 to it --------------------------------- */

/* Returns a loopback TCP port nobody listens on right now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(addr);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&addr, &len), 0);
    close(fd);
    return ntohs(addr.sin_port);
}

int test_connect(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                               .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
        close(fd);
        return -1;
    }
    struct timeval timeout = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    return fd;
}

/* Writes all len bytes to the socket fd; false when the peer is gone (no SIGPIPE). */
static bool send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n <= 0)
            return false;
        p += n;
        len -= (size_t)n;
    }
    return true;
}

void test_write_all(int fd, const void *data, size_t len)
{
    ck_assert_msg(send_all(fd, data, len), "cannot write to the connection");
}

/* Reads one response: status line, headers, then Content-Length bytes of body. Returns
 * NULL, or what went wrong. */
static const char *read_response(int fd, struct http_response *response)
{
    char buffer[sizeof(response->headers) + sizeof(response->body)];
    size_t have = 0;
    char *header_end = NULL;
    while (header_end == NULL) {
        ssize_t n = read(fd, buffer + have, sizeof(buffer) - 1 - have);
        if (n <= 0)
            return "connection closed before a response";
        have += (size_t)n;
        buffer[have] = '\0';
        header_end = strstr(buffer, "\r\n\r\n");
    }
    size_t header_len = (size_t)(header_end - buffer) + 4;
    if (header_len >= sizeof(response->headers))
        return "response head too long";
    memcpy(response->headers, buffer, header_len);
    response->headers[header_len] = '\0';
    if (sscanf(buffer, "HTTP/1.1 %d", &response->status) != 1)
        return "no HTTP/1.1 status line";
    const char *length = strcasestr(response->headers, "\r\nContent-Length:");
    response->body_len = length ? strtoul(length + 17, NULL, 10) : 0;
    if (response->body_len >= sizeof(response->body))
        return "response body too long";
    while (have - header_len < response->body_len) {
        ssize_t n = read(fd, buffer + have, sizeof(buffer) - 1 - have);
        if (n <= 0)
            return "connection closed inside a body";
        have += (size_t)n;
    }
    memcpy(response->body, buffer + header_len, response->body_len);
    response->body[response->body_len] = '\0';
    return NULL;
}

const char *test_http_try_exchange(int fd, const char *method, const char *path,
                                   const char *extra_headers, const void *body,
                                   size_t body_len, struct http_response *response)
{
    char head[1024];
    int n = snprintf(head, sizeof(head),
                     "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sContent-Length: %zu\r\n\r\n",
                     method, path, extra_headers, body_len);
    if (n >= (int)sizeof(head))
        return "request head too long";
    if (!send_all(fd, head, (size_t)n) || (body_len > 0 && !send_all(fd, body, body_len)))
        return "cannot write to the connection";
    return read_response(fd, response);
}

void test_http_exchange(int fd, const char *method, const char *path,
                        const char *extra_headers, const void *body, size_t body_len,
                        struct http_response *response)
{
    const char *failure =
        test_http_try_exchange(fd, method, path, extra_headers, body, body_len, response);
    ck_assert_msg(failure == NULL, "%s %s: %s", method, path, failure);
}

bool test_http_has_header(const struct http_response *response, const char *line)
{
    return strcasestr(response->headers, line) != NULL;
}

void test_bidder_start_with(struct test_bidder *bidder, const char *const *args)
{
    const char *bin = getenv("GEOBID_BIN") ? getenv("GEOBID_BIN") : "build/geobid";
    char listen[64], admin[64];
    bidder->bid_port = free_port();
    bidder->admin_port = free_port();
    snprintf(listen, sizeof(listen), "127.0.0.1:%d", bidder->bid_port);
    snprintf(admin, sizeof(admin), "127.0.0.1:%d", bidder->admin_port);
    const char *argv[32] = {bin, "--listen", listen, "--admin-listen", admin};
    size_t argc = 5;
    while (*args != NULL && argc < sizeof(argv) / sizeof(argv[0]) - 1)
        argv[argc++] = *args++;
    bidder->pid = fork();
    if (bidder->pid == 0) {
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    for (int attempt = 0; attempt < 200; attempt++) {
        int fd = test_connect(bidder->admin_port);
        if (fd >= 0) {
            close(fd);
            return;
        }
        struct timespec pause = {0, 50 * 1000 * 1000};
        nanosleep(&pause, NULL);
    }
    ck_abort_msg("geobid did not start listening within 10 s");
}

void test_bidder_start(struct test_bidder *bidder)
{
    char *geoip = test_fixture_path("geoip2-city.mmdb");
    const char *args[] = {"--threads", "2", "--campaigns", "tests/fixtures/campaigns.json",
                          "--geoip", geoip, "--max-connections", "64", NULL};
    test_bidder_start_with(bidder, args);
    free(geoip);
}

void test_bidder_stop(const struct test_bidder *bidder)
{
    int status;
    kill(bidder->pid, SIGTERM);
    ck_assert_int_eq(waitpid(bidder->pid, &status, 0), bidder->pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
                  "geobid did not exit cleanly on SIGTERM (status %d)", status);
}

unsigned char *test_gzip(const void *data, size_t len, size_t *out_len)
{
    z_stream stream = {0};
    ck_assert_int_eq(deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&stream, len);
    unsigned char *out = malloc(cap);
    stream.next_in = (Bytef *)data;
    stream.avail_in = (uInt)len;
    stream.next_out = out;
    stream.avail_out = (uInt)cap;
    ck_assert_int_eq(deflate(&stream, Z_FINISH), Z_STREAM_END);
    *out_len = stream.total_out;
    deflateEnd(&stream);
    return out;
}

/* ---- temporary directories ----------------------------------------------- */

char *test_temp_dir_create(void)
{
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    size_t len = strlen(tmp) + sizeof("/geobid-test-XXXXXX");
    char *dir = xmalloc(len);
    snprintf(dir, len, "%s/geobid-test-XXXXXX", tmp);
    ck_assert_msg(mkdtemp(dir) != NULL, "mkdtemp %s", dir);
    return dir;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st, (void)type, (void)ftw;
    return remove(path);
}

void test_temp_dir_remove(char *dir)
{
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    free(dir);
}

/* ---- campaigns ------------------------------------------------------------ */

void test_campaigns_load(struct campaign_set *set, const char *json, size_t len)
{
    struct error err = {""};
    ck_assert_msg(campaign_set_load(set, json, len, &err) == 0, "%s", err.message);
}

struct snapshot *test_snapshot_load(const char *json, size_t len)
{
    struct campaign_set set;
    test_campaigns_load(&set, json, len);
    return snapshot_build(&set);
}
