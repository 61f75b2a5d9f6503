#include "session.h"

#include "find_max.h"
#include "ip_pool.h"
#include "report.h"
#include "request_pool.h"
#include "run.h"
#include "traffic.h"

#include <stdio.h>
#include <stdlib.h>

enum { ip_sample_size = 65536, find_max_steps = 24 };
static const double find_max_default_start_rps = 1000, find_max_precision = 0.05,
                    find_max_ceiling_rps = 10e6;
static const char dump_url[] = "http://127.0.0.1/openrtb2/bid";

struct session {
    const struct options *options;
    struct target target;
    struct ip_pool ips;
    struct request_pool pool;
    struct run_description description;
    /* --find-max: every step's full result, for the report */
    struct load_result *step_results;
    size_t step_count;
};

static int fail(const struct error *err)
{
    fprintf(stderr, "geobid-load: %s\n", err->message);
    return 1;
}

static int build_pool(struct session *session, struct error *err)
{
    const struct options *options = session->options;
    request_pool_init(&session->pool, options->format, &session->target);
    if (options->replay != NULL)
        return request_pool_load_replay(&session->pool, options->replay, err);
    if (options->geoip != NULL &&
        ip_pool_load(&session->ips, options->geoip, ip_sample_size, options->seed, err) != 0)
        return -1;
    struct traffic_model model;
    traffic_model_init(&model, options->seed, &session->ips);
    int rc = request_pool_generate(&session->pool, &model, options->pool_size, err);
    traffic_model_free(&model);
    return rc;
}

static void describe(struct session *session)
{
    const struct options *options = session->options;
    struct run_description *run = &session->description;
    run->url = options->url;
    run->format = wire_format_name(options->format);
    run->source = options->replay ? options->replay : "generated";
    run->seed = options->seed;
    run->connections = options->connections;
    run->threads = options->threads;
    run->rate = options->rate;
    run->duration_s = options->duration_s;
    run->pool_requests = session->pool.count;
    run->mean_request_bytes = (double)session->pool.body_bytes / (double)session->pool.count;
}

static struct load_config load_config_at(const struct session *session, double rate)
{
    const struct options *options = session->options;
    return (struct load_config){
        .target = &session->target,
        .pool = &session->pool,
        .connections = options->connections,
        .threads = options->threads,
        .rate = rate,
        .duration_ns = (uint64_t)(options->duration_s * 1e9),
        .timeout_ns = (uint64_t)(options->timeout_ms * 1e6),
        .progress = true,
    };
}

static int run_once(struct session *session, struct error *err)
{
    struct load_config config = load_config_at(session, session->options->rate);
    struct load_result result;
    if (load_run(&config, &result, err) != 0)
        return -1;
    if (session->options->json)
        report_print_json(stdout, &session->description, &result);
    else
        report_print_table(stdout, &session->description, &result);
    return 0;
}

/* ---- --find-max ------------------------------------------------------------------- */

struct probe_context {
    struct session *session;
    struct error *err;
};

static int probe(void *context, double rate, struct probe_outcome *outcome)
{
    struct probe_context *probe_context = context;
    struct session *session = probe_context->session;
    struct load_config config = load_config_at(session, rate);
    struct load_result *result = &session->step_results[session->step_count];
    fprintf(stderr, "geobid-load: find-max step %zu at %.0f req/s\n", session->step_count + 1,
            rate);
    if (load_run(&config, result, probe_context->err) != 0)
        return -1;
    session->step_count++;
    outcome->p99_ms = report_percentile_ms(result, 99);
    outcome->errors = load_stats_errors(&result->stats);
    outcome->invalid = result->stats.invalid;
    fprintf(stderr, "geobid-load:   achieved %.0f req/s, p99 %.3f ms, errors %llu, invalid %llu\n",
            result->achieved_rps, outcome->p99_ms, (unsigned long long)outcome->errors,
            (unsigned long long)outcome->invalid);
    return 0;
}

static void print_find_max_json(const struct session *session,
                                 const struct find_max_result *found)
{
    printf("{\"max_rps\":%.1f,\"slo_p99_ms\":%.3f,\"steps\":[", found->max_rps,
           session->options->slo_p99_ms);
    for (size_t i = 0; i < found->step_count; i++) {
        struct run_description step = session->description;
        step.rate = found->steps[i].rate;
        printf("%s{\"pass\":%s,", i ? "," : "", found->steps[i].pass ? "true" : "false");
        report_print_json_members(stdout, &step, &session->step_results[i]);
        putchar('}');
    }
    printf("]}\n");
}

static void print_find_max_table(const struct session *session,
                                 const struct find_max_result *found)
{
    printf("find-max: p99 <= %.3f ms, no error, no invalid answer\n",
           session->options->slo_p99_ms);
    printf("  %12s %12s %10s %8s %8s  %s\n", "rate", "achieved", "p99 ms", "errors", "invalid",
           "result");
    for (size_t i = 0; i < found->step_count; i++) {
        const struct find_max_step *step = &found->steps[i];
        printf("  %12.0f %12.0f %10.3f %8llu %8llu  %s\n", step->rate,
               session->step_results[i].achieved_rps, step->outcome.p99_ms,
               (unsigned long long)step->outcome.errors,
               (unsigned long long)step->outcome.invalid, step->pass ? "pass" : "fail");
    }
    printf("max rate: %.0f req/s\n", found->max_rps);
}

static int search_max(struct session *session, struct error *err)
{
    const struct options *options = session->options;
    struct find_max_config config = {
        .start_rps = options->rate > 0 ? options->rate : find_max_default_start_rps,
        .slo_p99_ms = options->slo_p99_ms,
        .precision = find_max_precision,
        .max_rps = find_max_ceiling_rps,
        .max_steps = find_max_steps,
    };
    session->step_results = calloc(find_max_steps, sizeof(struct load_result));
    struct probe_context context = {session, err};
    struct find_max_result found;
    int rc = find_max_search(&config, probe, &context, &found);
    if (rc == 0 && options->json)
        print_find_max_json(session, &found);
    else if (rc == 0)
        print_find_max_table(session, &found);
    free(found.steps);
    free(session->step_results);
    return rc;
}

/* ---- the session -------------------------------------------------------------------- */

static int dump(const struct session *session, struct error *err)
{
    const char *path = session->options->dump;
    FILE *out = path[0] == '-' && path[1] == '\0' ? stdout : fopen(path, "wb");
    if (out == NULL)
        return error_format(err, "--dump %s: cannot open", path);
    int rc = request_pool_write_replay(&session->pool, out);
    if (out != stdout && fclose(out) != 0)
        rc = -1;
    return rc == 0 ? 0 : error_format(err, "--dump %s: write error", path);
}

int session_run(const struct options *options)
{
    struct session session = {.options = options};
    struct error err;
    const char *url = options->url != NULL ? options->url : dump_url;
    if (target_parse(url, &session.target, &err) != 0)
        return fail(&err);
    int rc = build_pool(&session, &err);
    if (rc == 0) {
        describe(&session);
        if (options->dump != NULL)
            rc = dump(&session, &err);
        else if (options->find_max)
            rc = search_max(&session, &err);
        else
            rc = run_once(&session, &err);
    }
    request_pool_free(&session.pool);
    ip_pool_free(&session.ips);
    return rc == 0 ? 0 : fail(&err);
}
