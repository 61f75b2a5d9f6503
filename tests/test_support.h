/* Helpers shared by the test files. */
#ifndef GEOBID_TEST_SUPPORT_H
#define GEOBID_TEST_SUPPORT_H

#include "geobid/arena.h"
#include "geobid/campaign.h"

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Returns the directory of the fixtures built by the Makefile (mmdb databases, binary
 * protobuf requests; $GEOBID_FIXTURES, default "build/fixtures"). */
const char *test_fixture_dir(void);

/* Returns malloc'ed "<fixture dir>/<name>". */
char *test_fixture_path(const char *name);

/* Returns the MaxMind test database directory when it exists (../shared/geoip, or
 * $GEOBID_SHARED_GEOIP), else NULL: those tests then only run where it is present. */
const char *test_shared_geoip_dir(void);

/* Reads a whole file into a malloc'ed NUL-terminated buffer; aborts the test on error. */
char *test_read_file(const char *path, size_t *len);

/* Returns the malloc'ed bytes of the protobuf fixture "<fixture dir>/pb/<name>.pb" (see
 * tests/fixtures/pb), NUL-terminated, and their length in *len; aborts the test when it
 * cannot be read. */
char *test_read_pb_fixture(const char *name, size_t *len);

/* Returns an arena copy of text with every ' replaced by ", so that tests can write JSON
 * as 'id':'r' (the texts hold no apostrophes of their own). Valid until the arena is
 * reset. */
const char *test_dq(struct arena *arena, const char *text);

/* ---- what the encoder tests bid with -------------------------------------- */

/* The two campaigns and creatives the OpenRTB encoder tests put in their bids:
 * [0] campaign "shoes", creative "cr-300x250", a 300x250 banner whose adm needs every
 * kind of escaping (quotes, &, backslash, newline, tab, a control byte), one adomain;
 * [1] campaign "café" (UTF-8), creative "cr-native", 0x0 with a JSON adm, two adomains,
 * an iurl and one category. Static data, never modified. */
extern const struct campaign test_bid_campaigns[2];
extern const struct creative test_bid_creatives[2];

/* ---- memory that ends at a guard page ------------------------------------ */

/* Readable memory followed by a PROT_NONE page, so that a parser reading one byte past
 * its input faults. */
struct test_guarded {
    char *map;
    size_t map_size;
    char *end; /* first byte of the guard page */
};

/* Maps room for capacity bytes before a guard page; aborts the test on error. */
struct test_guarded test_guarded_alloc(size_t capacity);

/* Copies data[0..len) (len <= capacity) so that its last byte is the last readable one,
 * and returns the copy. */
char *test_guarded_place(const struct test_guarded *guarded, const void *data, size_t len);

void test_guarded_free(struct test_guarded *guarded);

/* ---- a geobid process, and HTTP/1.1 to it --------------------------------- */

struct http_response {
    int status;
    char headers[4096];
    char body[65536];
    size_t body_len;
};

/* A build/geobid ($GEOBID_BIN) child process on free loopback ports. */
struct test_bidder {
    pid_t pid;
    int bid_port, admin_port;
};

/* Starts geobid on free loopback ports (--listen, --admin-listen) followed by args
 * (NULL-terminated); returns once its admin port accepts connections (the bid port is
 * bound before it), and aborts the test after 10 s. */
void test_bidder_start_with(struct test_bidder *bidder, const char *const *args);

/* test_bidder_start_with() the test fixtures: tests/fixtures/campaigns.json, the
 * geoip2-city.mmdb fixture, two threads and --max-connections 64. */
void test_bidder_start(struct test_bidder *bidder);

/* Sends SIGTERM and checks that geobid exits with status 0. */
void test_bidder_stop(const struct test_bidder *bidder);

/* Connects to a loopback port with a 5 s receive timeout; returns the fd, or -1. */
int test_connect(int port);

/* Writes all len bytes of data to fd; aborts the test on error. */
void test_write_all(int fd, const void *data, size_t len);

/* Sends one request on fd (keep-alive) with extra_headers ("" or CRLF-terminated
 * lines) and reads its response: status line, headers, Content-Length bytes of body. */
void test_http_exchange(int fd, const char *method, const char *path,
                        const char *extra_headers, const void *body, size_t body_len,
                        struct http_response *response);

/* test_http_exchange() for a peer that may go away (a test that kills the bidder):
 * returns NULL, or what went wrong ("connection closed before a response"...) without
 * failing the test. Safe from any thread. */
const char *test_http_try_exchange(int fd, const char *method, const char *path,
                                   const char *extra_headers, const void *body,
                                   size_t body_len, struct http_response *response);

/* True when the response headers hold line, e.g. "\r\nContent-Type: x\r\n" (ignoring
 * case). */
bool test_http_has_header(const struct http_response *response, const char *line);

/* Returns a malloc'ed gzip of data[0..len) and its length in *out_len. */
unsigned char *test_gzip(const void *data, size_t len, size_t *out_len);

/* ---- temporary directories ----------------------------------------------- */

/* Creates a new empty directory under $TMPDIR (default /tmp) and returns its malloc'ed
 * path; aborts the test on error. */
char *test_temp_dir_create(void);

/* Removes dir and everything in it, then frees the path. */
void test_temp_dir_remove(char *dir);

/* ---- campaigns ------------------------------------------------------------ */

struct snapshot;

/* Loads the campaign file text json[0..len) into set; aborts the test with the loader's
 * message when it is refused. The set is the caller's (campaign_set_free, or handed to
 * snapshot_build). */
void test_campaigns_load(struct campaign_set *set, const char *json, size_t len);

/* Returns a new snapshot (snapshot_free) of the campaign file text json[0..len); aborts
 * the test when the loader refuses it. */
struct snapshot *test_snapshot_load(const char *json, size_t len);

#endif
