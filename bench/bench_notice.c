/* Notice benchmark: the time to build one bid's three notice URLs (notice_add_urls())
 * and to read and verify one win notice (notice_parse()), one thread, in nanoseconds
 * per call. Each run makes --calls calls of each (alternating which goes first); the
 * figures are the median, min and max over --runs runs of the mean time per call.
 *
 *   build/bench-notice [--calls N] [--runs N]
 *
 * The bid, the key and the clearing price are fixed, so every run does the same work;
 * the arena is reset after each call, as a worker does after each request. */
#include "geobid/campaign.h"
#include "geobid/notice.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { default_calls = 200000, default_runs = 7, max_runs = 101 };

#define BENCH_NOTICE_KEY "6e6f746963652d62656e63682d6b65793a203332206279746573206c6f6e6721"
static const int64_t issued_ms = 1795435200123; /* 2026-11-23T12:00:00Z */

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct workload {
    struct notice_signer signer;
    struct campaign campaign;
    struct imp imp;
    struct bid bid;
    struct slice win_query;      /* a win notice's query, the price substituted */
    size_t calls;
};

/* Returns the query of bid's nurl with ${AUCTION_PRICE} replaced by 1.75 (malloc'd). */
static struct slice win_query_of(const struct bid *bid)
{
    const char *question = memchr(bid->nurl.ptr, '?', bid->nurl.len);
    const char *macro = strstr(question, "${AUCTION_PRICE}");
    size_t prefix = (size_t)(macro - question - 1);
    char *text = malloc(prefix + sizeof("1.75"));
    memcpy(text, question + 1, prefix);
    memcpy(text + prefix, "1.75", sizeof("1.75"));
    return (struct slice){text, prefix + 4};
}

static int workload_init(struct workload *w, size_t calls)
{
    struct error err;
    memset(w, 0, sizeof(*w));
    if (notice_signer_init(&w->signer, "https://bid.example/geobid", NULL, BENCH_NOTICE_KEY,
                           &err) != 0) {
        fprintf(stderr, "bench-notice: %s\n", err.message);
        return -1;
    }
    w->campaign = (struct campaign){.id = SLICE_LITERAL("acme:cafe-du-coin-7"),
                                    .currency = "EUR", .bid_cpm_micros = 2500000};
    w->imp = (struct imp){.id = SLICE_LITERAL("1")};
    w->bid = (struct bid){.imp = &w->imp, .campaign = &w->campaign,
                          .price_micros = 2500000, .reservation_id = 123456789};
    struct arena arena;
    arena_init(&arena, 4096);
    struct bid_response response = {.bids = &w->bid, .bid_count = 1};
    notice_add_urls(&w->signer, &response, issued_ms, &arena);
    w->win_query = win_query_of(&w->bid);
    arena_free(&arena);
    w->calls = calls;
    return 0;
}

/* Returns the mean ns of one notice_add_urls() over w->calls calls. */
static double time_build(struct workload *w, struct arena *arena)
{
    struct bid_response response = {.bids = &w->bid, .bid_count = 1};
    uint64_t start = now_ns();
    for (size_t i = 0; i < w->calls; i++) {
        notice_add_urls(&w->signer, &response, issued_ms, arena);
        arena_reset(arena);
    }
    return (double)(now_ns() - start) / (double)w->calls;
}

/* Returns the mean ns of one notice_parse() of the win notice, or -1 if one failed. */
static double time_verify(struct workload *w, struct arena *arena)
{
    size_t verified = 0;
    uint64_t start = now_ns();
    for (size_t i = 0; i < w->calls; i++) {
        struct notice notice;
        struct error err;
        verified += notice_parse(&w->signer, NOTICE_WIN, w->win_query, arena, &notice, &err) ==
                    NOTICE_OK;
        arena_reset(arena);
    }
    double ns = (double)(now_ns() - start) / (double)w->calls;
    return verified == w->calls ? ns : -1;
}

static int compare_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static void report(const char *name, double *ns, size_t runs)
{
    qsort(ns, runs, sizeof(*ns), compare_double);
    printf("%-26s median %7.1f ns   min %7.1f ns   max %7.1f ns   (%zu runs)\n", name,
           ns[runs / 2], ns[0], ns[runs - 1], runs);
}

int main(int argc, char **argv)
{
    size_t calls = default_calls, runs = default_runs;
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--calls") == 0)
            calls = strtoul(argv[i + 1], NULL, 10);
        else if (strcmp(argv[i], "--runs") == 0)
            runs = strtoul(argv[i + 1], NULL, 10);
    }
    if (argc % 2 == 0 || calls == 0 || runs == 0 || runs > max_runs) {
        fprintf(stderr, "usage: bench-notice [--calls N] [--runs 1..%d]\n", max_runs);
        return EXIT_FAILURE;
    }
    struct workload w;
    if (workload_init(&w, calls) != 0)
        return EXIT_FAILURE;
    struct arena arena;
    arena_init(&arena, 4096);
    double build_ns[max_runs], verify_ns[max_runs];
    time_build(&w, &arena); /* warm-up */
    time_verify(&w, &arena);
    for (size_t run = 0; run < runs; run++) {
        if (run % 2 == 0) {
            build_ns[run] = time_build(&w, &arena);
            verify_ns[run] = time_verify(&w, &arena);
        } else {
            verify_ns[run] = time_verify(&w, &arena);
            build_ns[run] = time_build(&w, &arena);
        }
        if (verify_ns[run] < 0) {
            fprintf(stderr, "bench-notice: a notice did not verify\n");
            return EXIT_FAILURE;
        }
    }
    printf("notice URLs and verification, %zu calls a run\n", calls);
    report("build a bid's 3 URLs", build_ns, runs);
    report("read + verify a win", verify_ns, runs);
    arena_free(&arena);
    free((char *)w.win_query.ptr);
    return EXIT_SUCCESS;
}
