#include "report.h"

#include <string.h>

double report_percentile_ms(const struct load_result *result, double percent)
{
    return (double)histogram_percentile(&result->stats.latency, percent) / 1e6;
}

static double bid_rate_percent(const struct load_stats *stats)
{
    return stats->responses ? 100.0 * (double)stats->bids / (double)stats->responses : 0.0;
}

static const char *mode_name(const struct run_description *run)
{
    return run->rate > 0 ? "open-loop" : "closed-loop";
}

void report_print_table(FILE *out, const struct run_description *run,
                        const struct load_result *result)
{
    const struct load_stats *s = &result->stats;
    fprintf(out, "%s, %s, %u connections, %u thread(s), %.1f s, %s requests (%zu, mean %.0f "
                 "bytes)\n", run->url, mode_name(run), run->connections, run->threads,
            run->duration_s, run->format, run->pool_requests, run->mean_request_bytes);
    if (run->rate > 0)
        fprintf(out, "  target rate      %12.1f req/s\n", run->rate);
    fprintf(out, "  achieved rate    %12.1f req/s   (%llu responses in %.3f s)\n",
            result->achieved_rps, (unsigned long long)s->responses,
            (double)result->elapsed_ns / 1e9);
    fprintf(out, "  requests         %12llu\n", (unsigned long long)s->requests);
    fprintf(out, "  bids             %12llu   (%.2f %% of responses)\n",
            (unsigned long long)s->bids, bid_rate_percent(s));
    fprintf(out, "  no-bids          %12llu\n", (unsigned long long)s->no_bids);
    fprintf(out, "  invalid          %12llu\n", (unsigned long long)s->invalid);
    fprintf(out, "  late (> tmax)    %12llu\n", (unsigned long long)s->late);
    fprintf(out, "  errors           %12llu   (connect %llu, timeout %llu, lost %llu, "
                 "3xx-5xx %llu)\n", (unsigned long long)load_stats_errors(s),
            (unsigned long long)s->connect_errors, (unsigned long long)s->timeouts,
            (unsigned long long)s->closed, (unsigned long long)s->error_status);
    fprintf(out, "  status           1xx %llu, 2xx %llu, 3xx %llu, 4xx %llu, 5xx %llu\n",
            (unsigned long long)s->status_classes[1], (unsigned long long)s->status_classes[2],
            (unsigned long long)s->status_classes[3], (unsigned long long)s->status_classes[4],
            (unsigned long long)s->status_classes[5]);
    fprintf(out, "  latency (ms)     p50 %.3f   p90 %.3f   p99 %.3f   p99.9 %.3f   max %.3f\n",
            report_percentile_ms(result, 50), report_percentile_ms(result, 90),
            report_percentile_ms(result, 99), report_percentile_ms(result, 99.9),
            report_percentile_ms(result, 100));
    if (run->rate > 0)
        fprintf(out, "  send lag (ms)    p99 %.3f   max %.3f   (intended -> actual send; "
                     "counted in the latency)\n",
                (double)histogram_percentile(&s->send_lag, 99) / 1e6,
                (double)histogram_percentile(&s->send_lag, 100) / 1e6);
}

/* Prints s as a JSON string (the values here are paths and URLs: escape quotes,
 * backslashes and control bytes). */
static void print_json_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static void print_description(FILE *out, const struct run_description *run)
{
    fputs("\"url\":", out);
    print_json_string(out, run->url);
    fprintf(out, ",\"mode\":\"%s\",\"format\":\"%s\",\"source\":", mode_name(run), run->format);
    print_json_string(out, run->source);
    fprintf(out, ",\"seed\":%llu,\"connections\":%u,\"threads\":%u,\"duration_s\":%.3f,",
            (unsigned long long)run->seed, run->connections, run->threads, run->duration_s);
    if (run->rate > 0)
        fprintf(out, "\"target_rps\":%.1f,", run->rate);
    else
        fputs("\"target_rps\":null,", out);
    fprintf(out, "\"pool_requests\":%zu,\"mean_request_bytes\":%.1f,", run->pool_requests,
            run->mean_request_bytes);
}

void report_print_json_members(FILE *out, const struct run_description *run,
                               const struct load_result *result)
{
    const struct load_stats *s = &result->stats;
    print_description(out, run);
    fprintf(out, "\"connections_open\":%u,\"elapsed_s\":%.3f,", result->connections_open,
            (double)result->elapsed_ns / 1e9);
    fprintf(out, "\"requests\":%llu,\"responses\":%llu,\"achieved_rps\":%.1f,",
            (unsigned long long)s->requests, (unsigned long long)s->responses,
            result->achieved_rps);
    fprintf(out, "\"bids\":%llu,\"no_bids\":%llu,\"bid_rate\":%.4f,\"errors\":%llu,"
                 "\"invalid\":%llu,\"late\":%llu,",
            (unsigned long long)s->bids, (unsigned long long)s->no_bids,
            bid_rate_percent(s) / 100.0, (unsigned long long)load_stats_errors(s),
            (unsigned long long)s->invalid, (unsigned long long)s->late);
    fprintf(out, "\"connect_errors\":%llu,\"timeouts\":%llu,\"lost\":%llu,\"error_status\":%llu,",
            (unsigned long long)s->connect_errors, (unsigned long long)s->timeouts,
            (unsigned long long)s->closed, (unsigned long long)s->error_status);
    for (int c = 1; c <= 5; c++)
        fprintf(out, "\"status_%dxx\":%llu,", c, (unsigned long long)s->status_classes[c]);
    fprintf(out, "\"p50_ms\":%.3f,\"p90_ms\":%.3f,\"p99_ms\":%.3f,\"p999_ms\":%.3f,"
                 "\"max_ms\":%.3f,\"mean_ms\":%.3f,",
            report_percentile_ms(result, 50), report_percentile_ms(result, 90),
            report_percentile_ms(result, 99), report_percentile_ms(result, 99.9),
            report_percentile_ms(result, 100), histogram_mean(&s->latency) / 1e6);
    fprintf(out, "\"send_lag_p99_ms\":%.3f,\"send_lag_max_ms\":%.3f,",
            (double)histogram_percentile(&s->send_lag, 99) / 1e6,
            (double)histogram_percentile(&s->send_lag, 100) / 1e6);
    fprintf(out, "\"bytes_sent\":%llu,\"bytes_received\":%llu",
            (unsigned long long)s->bytes_sent, (unsigned long long)s->bytes_received);
}

void report_print_json(FILE *out, const struct run_description *run,
                       const struct load_result *result)
{
    fputc('{', out);
    report_print_json_members(out, run, result);
    fputs("}\n", out);
}
