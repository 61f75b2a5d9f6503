#include "stats.h"

#include <string.h>
#include <time.h>

void load_stats_init(struct load_stats *stats)
{
    memset(stats, 0, sizeof(*stats));
    histogram_init(&stats->latency);
    histogram_init(&stats->send_lag);
}

void load_stats_merge(struct load_stats *dst, const struct load_stats *src)
{
    dst->requests += src->requests;
    dst->responses += src->responses;
    dst->bids += src->bids;
    dst->no_bids += src->no_bids;
    dst->invalid += src->invalid;
    dst->late += src->late;
    for (int i = 0; i < 6; i++)
        dst->status_classes[i] += src->status_classes[i];
    dst->error_status += src->error_status;
    dst->connect_errors += src->connect_errors;
    dst->timeouts += src->timeouts;
    dst->closed += src->closed;
    dst->bytes_sent += src->bytes_sent;
    dst->bytes_received += src->bytes_received;
    if (src->last_response_ns > dst->last_response_ns)
        dst->last_response_ns = src->last_response_ns;
    histogram_merge(&dst->latency, &src->latency);
    histogram_merge(&dst->send_lag, &src->send_lag);
}

uint64_t load_stats_errors(const struct load_stats *stats)
{
    return stats->connect_errors + stats->timeouts + stats->closed + stats->error_status;
}

uint64_t load_now_ns(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
}
