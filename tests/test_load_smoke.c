/* End to end: build/geobid-load against build/geobid with the example campaigns, closed
 * loop and open loop, checked through its --json report. */
#include "geobid/arena.h"
#include "geobid/json.h"
#include "test_support.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct test_bidder bidder;
static char url[64];

static void start_bidder(void)
{
    const char *args[] = {"--threads", "1", "--campaigns", "examples/campaigns.json", NULL};
    test_bidder_start_with(&bidder, args);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/openrtb2/bid", bidder.bid_port);
}

static void stop_bidder(void)
{
    test_bidder_stop(&bidder);
}

/* Runs geobid-load with args (NULL-terminated, after --url URL --json) and returns its
 * standard output, malloc'ed. */
static char *run_load(const char *const *args)
{
    const char *bin = getenv("GEOBID_LOAD_BIN") ? getenv("GEOBID_LOAD_BIN") : "build/geobid-load";
    const char *argv[24] = {bin, "--url", url, "--json"};
    size_t argc = 4;
    for (size_t i = 0; args[i] != NULL && argc < 23; i++)
        argv[argc++] = args[i];
    argv[argc] = NULL;
    int out[2];
    ck_assert_int_eq(pipe(out), 0);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(out[1], STDOUT_FILENO);
        close(out[0]);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    size_t cap = 1 << 16, len = 0;
    char *text = malloc(cap);
    ssize_t n;
    while ((n = read(out[0], text + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    close(out[0]);
    text[len] = '\0';
    int status;
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "geobid-load failed: %s", text);
    return text;
}

/* The report's numeric member name. */
static double report_number(const char *report, const char *name)
{
    struct arena arena;
    arena_init(&arena, 16 * 1024);
    struct json_doc doc;
    struct error err;
    ck_assert_msg(json_parse(&doc, report, strlen(report), &arena, &err) == 0,
                  "report is not JSON (%s): %s", err.message, report);
    ck_assert(json_is(&doc, 0, JSMN_OBJECT));
    double value = NAN;
    JSON_FOR_EACH_MEMBER(&doc, 0, key, n) {
        if (json_key_is(&doc, key, name))
            ck_assert_int_eq(json_get_double(&doc, key + 1, &value), 0);
    }
    arena_free(&arena);
    ck_assert_msg(!isnan(value), "no %s in %s", name, report);
    return value;
}

/* What every run must show against the example campaigns. */
static void check_healthy(const char *report)
{
    ck_assert_msg(report_number(report, "requests") > 0, "%s", report);
    ck_assert_msg(report_number(report, "errors") == 0, "%s", report);
    ck_assert_msg(report_number(report, "invalid") == 0, "%s", report);
    ck_assert_msg(report_number(report, "bids") > 0, "%s", report);
    ck_assert_msg(report_number(report, "no_bids") > 0, "%s", report);
    const char *keys[] = {"achieved_rps", "late", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"};
    for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
        ck_assert(report_number(report, keys[i]) >= 0);
    ck_assert(report_number(report, "p50_ms") <= report_number(report, "p99_ms"));
    ck_assert(report_number(report, "p99_ms") <= report_number(report, "max_ms"));
}

START_TEST(closed_loop_run)
{
    const char *args[] = {"--duration", "2", "--connections", "8", NULL};
    char *report = run_load(args);
    check_healthy(report);
    ck_assert_msg(report_number(report, "achieved_rps") > 100, "%s", report);
    free(report);
}
END_TEST

START_TEST(open_loop_run_keeps_the_rate)
{
    const char *args[] = {"--duration", "2", "--rate", "2000", "--connections", "16", NULL};
    char *report = run_load(args);
    check_healthy(report);
    double achieved = report_number(report, "achieved_rps");
    ck_assert_msg(fabs(achieved - 2000) <= 200, "achieved %.1f req/s: %s", achieved, report);
    ck_assert(report_number(report, "requests") == 4000);
    free(report);
}
END_TEST

START_TEST(protobuf_run)
{
    const char *args[] = {"--duration", "1", "--connections", "4", "--format", "protobuf",
                          "--seed", "7", NULL};
    char *report = run_load(args);
    check_healthy(report);
    free(report);
}
END_TEST

Suite *load_smoke_suite(void)
{
    Suite *suite = suite_create("load_smoke");
    TCase *tc = tcase_create("geobid-load against geobid");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, start_bidder, stop_bidder);
    tcase_add_test(tc, closed_loop_run);
    tcase_add_test(tc, open_loop_run_keeps_the_rate);
    tcase_add_test(tc, protobuf_run);
    suite_add_tcase(suite, tc);
    return suite;
}
