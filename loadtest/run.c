#include "run.h"

#include "worker.h"

#include "geobid/alloc.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const uint64_t start_delay_ns = 5 * 1000 * 1000; /* threads wake before t0 */

static void sleep_ns(uint64_t ns)
{
    struct timespec pause = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
    nanosleep(&pause, NULL);
}

static bool all_done(const struct worker *workers, unsigned count)
{
    for (unsigned i = 0; i < count; i++)
        if (!atomic_load(&workers[i].progress.done))
            return false;
    return true;
}

/* Prints "[  3 s] 20001 rps, errors 0, bids 1.9 %, in flight 12" once a second. */
static void print_progress(const struct worker *workers, unsigned count, uint64_t elapsed_s,
                           uint64_t *last_responses)
{
    uint64_t responses = 0, errors = 0, bids = 0, in_flight = 0;
    for (unsigned i = 0; i < count; i++) {
        responses += atomic_load_explicit(&workers[i].progress.responses, memory_order_relaxed);
        errors += atomic_load_explicit(&workers[i].progress.errors, memory_order_relaxed);
        bids += atomic_load_explicit(&workers[i].progress.bids, memory_order_relaxed);
        in_flight += atomic_load_explicit(&workers[i].progress.in_flight, memory_order_relaxed);
    }
    fprintf(stderr, "[%3llu s] %8llu rps, errors %llu, bids %.1f %%, in flight %llu\n",
            (unsigned long long)elapsed_s, (unsigned long long)(responses - *last_responses),
            (unsigned long long)errors, responses ? 100.0 * (double)bids / (double)responses : 0.0,
            (unsigned long long)in_flight);
    *last_responses = responses;
}

/* The main thread's part while the workers run: a progress line a second. */
static void watch(const struct load_config *config, const struct worker *workers,
                  uint64_t t0_ns)
{
    uint64_t last_responses = 0, next_print_ns = t0_ns + 1000000000u;
    while (!all_done(workers, config->threads)) {
        sleep_ns(10 * 1000 * 1000);
        uint64_t now_ns = load_now_ns();
        if (config->progress && now_ns >= next_print_ns) {
            print_progress(workers, config->threads, (next_print_ns - t0_ns) / 1000000000u,
                           &last_responses);
            next_print_ns += 1000000000u;
        }
    }
}

static void collect(const struct load_config *config, struct worker *workers, uint64_t t0_ns,
                    struct load_result *result)
{
    load_stats_init(&result->stats);
    for (unsigned i = 0; i < config->threads; i++)
        load_stats_merge(&result->stats, &workers[i].stats);
    uint64_t last_ns = result->stats.last_response_ns;
    result->elapsed_ns = last_ns > t0_ns ? last_ns - t0_ns : config->duration_ns;
    result->achieved_rps = (double)result->stats.responses / ((double)result->elapsed_ns / 1e9);
}

int load_run(const struct load_config *config, struct load_result *result, struct error *err)
{
    signal(SIGPIPE, SIG_IGN);
    struct worker_shared shared;
    pthread_barrier_init(&shared.barrier, NULL, config->threads + 1);
    atomic_init(&shared.t0_ns, 0);
    atomic_init(&shared.abort, false);
    struct worker *workers = xcalloc(config->threads, sizeof(struct worker));
    for (unsigned i = 0; i < config->threads; i++) {
        worker_init(&workers[i], i, config, &shared);
        pthread_create(&workers[i].thread, NULL, worker_main, &workers[i]);
    }
    pthread_barrier_wait(&shared.barrier); /* every thread has connected what it could */
    result->connections_open = 0;
    for (unsigned i = 0; i < config->threads; i++)
        result->connections_open += workers[i].connected;
    uint64_t t0_ns = load_now_ns() + start_delay_ns;
    atomic_store(&shared.t0_ns, t0_ns);
    atomic_store(&shared.abort, result->connections_open == 0);
    pthread_barrier_wait(&shared.barrier);
    if (result->connections_open > 0)
        watch(config, workers, t0_ns);
    for (unsigned i = 0; i < config->threads; i++)
        pthread_join(workers[i].thread, NULL);
    collect(config, workers, t0_ns, result);
    for (unsigned i = 0; i < config->threads; i++)
        worker_free(&workers[i]);
    free(workers);
    pthread_barrier_destroy(&shared.barrier);
    if (result->connections_open == 0)
        return error_format(err, "cannot connect to %s", config->target->authority);
    return 0;
}
