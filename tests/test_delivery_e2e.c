/* End to end: the real bidder with a data directory, bid requests and their win, bill
 * and loss notices flowing from two client threads, and `kill -9` at random moments.
 * After every restart the campaign must have kept what it spent and how often each
 * user saw it:
 *   - the recorded spend never exceeds the budget by more than one bid's cost, and
 *     never falls below what the notices' answers said was committed;
 *   - no user gets a bid once the answers said they had reached the frequency cap;
 *   - no bid is committed twice (win then bill), across restarts included.
 * The clients own disjoint sets of users, so each user's bids and notices are in
 * order; what was in flight at the kill counts as unknown. */
#include "test_support.h"

#include <check.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum {
    client_count = 2,
    user_count = 8192,
    cap_max = 1,
    bid_cpm_micros = 5000000,       /* 5 USD CPM */
    bid_cost_micros = 5000,         /* an impression at that price */
    total_budget_micros = 20000000, /* 20 USD: 4000 impressions at the bid price */
    kill_rounds = 8,
};

/* What the clients learnt from the answers, shared by all rounds. */
static struct {
    _Atomic int64_t committed_micros;   /* cost of every notice answered "committed" */
    _Atomic int acked_wins[user_count]; /* impressions answered "committed", per user */
    atomic_int cap_violations;          /* bids for a user already at the cap */
    atomic_int double_commits;          /* a bill committed after its win had */
    atomic_int bids_without_urls;       /* a bid lacking one of its notice URLs */
    atomic_int bids, notices, no_bids;
    atomic_int running;                 /* client threads still bidding */
    atomic_bool stop;
} seen;

struct client {
    int index;
    int port;
    unsigned seed;
    bool until_exhausted;   /* stop once the campaign has not bid for a while */
    int64_t last_bid_ms;
};

static int64_t monotonic_ms(void)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (int64_t)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

/* No bid for longer than a reservation lives (2 s) and the ledger takes to lease more:
 * the budget is spent. */
static bool campaign_exhausted(const struct client *client)
{
    return client->until_exhausted && monotonic_ms() - client->last_bid_ms > 4000;
}

/* Copies the value of JSON string member key (no escapes in it) into out. */
static bool json_string_member(const char *json, const char *key, char *out, size_t size)
{
    char pattern[32];
    snprintf(pattern, sizeof(pattern), "\"%s\":\"", key);
    const char *start = strstr(json, pattern);
    if (start == NULL)
        return false;
    start += strlen(pattern);
    const char *end = strchr(start, '"');
    if (end == NULL || (size_t)(end - start) >= size)
        return false;
    memcpy(out, start, (size_t)(end - start));
    out[end - start] = '\0';
    return true;
}

/* Turns a notice URL into the request target, with its macro replaced by value. */
static void notice_target(const char *url, const char *value, char *out, size_t size)
{
    const char *path = strstr(url, "/v1/notice/");
    const char *macro = strstr(path, "${");
    snprintf(out, size, "%.*s%s", (int)(macro - path), path, value);
}

/* Sends one notice; returns its answer's body, or NULL when the bidder is gone. */
static const char *send_notice(int fd, const char *url, const char *value,
                               struct http_response *response)
{
    char target[1024];
    notice_target(url, value, target, sizeof(target));
    if (test_http_try_exchange(fd, "GET", target, "", NULL, 0, response) != NULL)
        return NULL;
    atomic_fetch_add(&seen.notices, 1);
    return response->body;
}

static bool committed(const struct http_response *response)
{
    return response->status == 200 && (strstr(response->body, "\"committed\"") != NULL ||
                                        strstr(response->body, "\"late_committed\"") != NULL);
}

/* Wins the bid for user at a random clearing price, then maybe bills it too. Returns
 * false when the bidder is gone. */
static bool win(struct client *client, int fd, int user, const char *nurl, const char *burl,
                struct http_response *response)
{
    int64_t price_micros = bid_cpm_micros / 2 + rand_r(&client->seed) % (bid_cpm_micros / 2 + 1);
    char price[32];
    snprintf(price, sizeof(price), "%lld.%06lld", (long long)(price_micros / 1000000),
             (long long)(price_micros % 1000000));
    if (send_notice(fd, nurl, price, response) == NULL)
        return false;
    if (!committed(response))
        return true;
    atomic_fetch_add(&seen.committed_micros, (price_micros + 999) / 1000);
    atomic_fetch_add(&seen.acked_wins[user], 1);
    if (rand_r(&client->seed) % 3 != 0)
        return true;
    if (send_notice(fd, burl, price, response) == NULL)
        return false;
    if (committed(response))
        atomic_fetch_add(&seen.double_commits, 1);
    return true;
}

/* One bid request for user and what follows it. Returns false when the bidder is gone. */
static bool bid_round(struct client *client, int fd, struct http_response *response)
{
    int user = client->index + client_count * (int)(rand_r(&client->seed) %
                                                    (user_count / client_count));
    int wins_before = atomic_load(&seen.acked_wins[user]);
    char body[256];
    int len = snprintf(body, sizeof(body),
                       "{\"id\":\"r%u\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                       "\"device\":{\"ip\":\"81.2.69.142\"},\"user\":{\"buyeruid\":\"user-%d\"}}",
                       rand_r(&client->seed), user);
    if (test_http_try_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n",
                               body, (size_t)len, response) != NULL)
        return false;
    if (response->status != 200) {
        atomic_fetch_add(&seen.no_bids, 1);
        return true;
    }
    client->last_bid_ms = monotonic_ms();
    atomic_fetch_add(&seen.bids, 1);
    if (wins_before >= cap_max) {
        atomic_fetch_add(&seen.cap_violations, 1);
        return true;
    }
    char nurl[512], burl[512], lurl[512];
    if (!json_string_member(response->body, "nurl", nurl, sizeof(nurl)) ||
        !json_string_member(response->body, "burl", burl, sizeof(burl)) ||
        !json_string_member(response->body, "lurl", lurl, sizeof(lurl))) {
        atomic_fetch_add(&seen.bids_without_urls, 1);
        return true;
    }
    int outcome = (int)(rand_r(&client->seed) % 100);
    if (outcome < 60)
        return win(client, fd, user, nurl, burl, response);
    if (outcome < 80)
        return send_notice(fd, lurl, "102", response) != NULL;
    return true; /* the exchange never calls back */
}

/* Bids until the bidder goes away, the test says stop, or (until_exhausted) the campaign
 * has stopped bidding. */
static void *client_main(void *arg)
{
    struct client *client = arg;
    struct http_response *response = malloc(sizeof(*response));
    int fd = test_connect(client->port);
    int one = 1; /* the request head and body go in two writes: no Nagle delay between */
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct timespec pace = {0, 1000000L}; /* about a thousand requests a second */
    while (fd >= 0 && !atomic_load(&seen.stop) && !campaign_exhausted(client) &&
           bid_round(client, fd, response))
        nanosleep(&pace, NULL);
    if (fd >= 0)
        close(fd);
    free(response);
    atomic_fetch_sub(&seen.running, 1);
    return NULL;
}

static void run_clients(struct client *clients, pthread_t *threads, int port, unsigned round,
                        bool until_exhausted)
{
    for (int i = 0; i < client_count; i++) {
        clients[i] = (struct client){.index = i, .port = port, .seed = round * 7919 + (unsigned)i,
                                     .until_exhausted = until_exhausted,
                                     .last_bid_ms = monotonic_ms()};
        atomic_fetch_add(&seen.running, 1);
        ck_assert_int_eq(pthread_create(&threads[i], NULL, client_main, &clients[i]), 0);
    }
}

/* Lets the clients run until they all stopped by themselves, or for at most
 * seconds; then tells them to stop. */
static void wait_for_clients(int seconds)
{
    for (int tick = 0; tick < seconds * 10 && atomic_load(&seen.running) > 0; tick++) {
        struct timespec pause = {0, 100 * 1000000L};
        nanosleep(&pause, NULL);
    }
    atomic_store(&seen.stop, true);
}

static void join_clients(pthread_t *threads)
{
    for (int i = 0; i < client_count; i++)
        pthread_join(threads[i], NULL);
}

static void start(struct test_bidder *bidder, const char *data_dir, const char *campaigns)
{
    const char *args[] = {"--threads", "2", "--data-dir", data_dir, "--campaigns", campaigns,
                          "--reservation-ttl", "2", NULL};
    test_bidder_start_with(bidder, args);
}

static void kill_hard(const struct test_bidder *bidder)
{
    int status;
    ck_assert_int_eq(kill(bidder->pid, SIGKILL), 0);
    ck_assert_int_eq(waitpid(bidder->pid, &status, 0), bidder->pid);
    ck_assert(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
}

/* Reads integer member key of the campaign's stats on the admin listener. */
static int64_t stat_of(const struct test_bidder *bidder, const char *key)
{
    int fd = test_connect(bidder->admin_port);
    ck_assert_int_ge(fd, 0);
    struct http_response *response = malloc(sizeof(*response));
    test_http_exchange(fd, "GET", "/v1/campaigns/e2e/stats", "", NULL, 0, response);
    close(fd);
    ck_assert_msg(response->status == 200, "stats: %d %s", response->status, response->body);
    char pattern[64];
    snprintf(pattern, sizeof(pattern), "\"%s\":", key);
    const char *at = strstr(response->body, pattern);
    ck_assert_msg(at != NULL, "no %s in %s", key, response->body);
    int64_t value = strtoll(at + strlen(pattern), NULL, 10);
    free(response);
    return value;
}

/* What the bidder recorded must lie between what it acknowledged and the budget. */
static void check_spend(const struct test_bidder *bidder)
{
    int64_t spend = stat_of(bidder, "spend_micros");
    int64_t acked = atomic_load(&seen.committed_micros);
    ck_assert_msg(spend <= total_budget_micros + bid_cost_micros,
                  "spend %lld over the budget %d", (long long)spend, total_budget_micros);
    ck_assert_msg(spend >= acked, "spend %lld below the %lld acknowledged", (long long)spend,
                  (long long)acked);
}

/* Writes the one campaign, spending as fast as demand comes, into dir; with
 * require_user, it bids only for a known person. */
static char *write_campaigns(const char *dir, bool require_user)
{
    size_t len = strlen(dir) + sizeof("/campaigns.json");
    char *path = malloc(len);
    snprintf(path, len, "%s/campaigns.json", dir);
    FILE *file = fopen(path, "w");
    ck_assert_ptr_nonnull(file);
    fprintf(file,
            "{\"campaigns\":[{\"id\":\"e2e\",\"bid_cpm\":%d,\"currency\":\"USD\","
            "\"pacing\":\"asap\",\"budget\":{\"total\":%d},"
            "\"frequency_cap\":{\"max\":%d,\"window_s\":86400,\"require_user\":%s},"
            "\"creatives\":[{\"id\":\"c\",\"w\":300,\"h\":250,\"adm\":\"x\","
            "\"adomain\":[\"e2e.example\"]}]}]}",
            bid_cpm_micros / 1000000, total_budget_micros / 1000000, cap_max,
            require_user ? "true" : "false");
    fclose(file);
    return path;
}

START_TEST(kill_9_keeps_spend_and_caps)
{
    char *dir = test_temp_dir_create();
    char *campaigns = write_campaigns(dir, false);
    size_t data_len = strlen(dir) + sizeof("/data");
    char *data_dir = malloc(data_len);
    snprintf(data_dir, data_len, "%s/data", dir);
    struct client clients[client_count];
    pthread_t threads[client_count];
    unsigned seed = (unsigned)time(NULL);
    fprintf(stderr, "delivery_e2e: seed %u\n", seed);
    for (unsigned round = 0; round < kill_rounds; round++) {
        struct test_bidder bidder;
        start(&bidder, data_dir, campaigns);
        check_spend(&bidder);
        run_clients(clients, threads, bidder.bid_port, round, false);
        struct timespec pause = {0, (long)(30 + rand_r(&seed) % 200) * 1000000L};
        nanosleep(&pause, NULL);
        kill_hard(&bidder);
        join_clients(threads);
        fprintf(stderr, "delivery_e2e: round %u: %d bids, %d no-bids, %d cap violations so far\n",
                round, atomic_load(&seen.bids), atomic_load(&seen.no_bids),
                atomic_load(&seen.cap_violations));
    }
    ck_assert_int_ge(atomic_load(&seen.bids), kill_rounds); /* bids flowed into the kills */
    struct test_bidder bidder;
    start(&bidder, data_dir, campaigns);
    run_clients(clients, threads, bidder.bid_port, kill_rounds, true);
    wait_for_clients(60); /* until the campaign stops bidding */
    join_clients(threads);
    check_spend(&bidder);
    fprintf(stderr, "delivery_e2e: %d bids, %d no-bids, %d notices, %lld micros committed, "
                    "%lld recorded\n",
            atomic_load(&seen.bids), atomic_load(&seen.no_bids), atomic_load(&seen.notices),
            (long long)atomic_load(&seen.committed_micros),
            (long long)stat_of(&bidder, "spend_micros"));
    test_bidder_stop(&bidder);
    ck_assert_int_eq(atomic_load(&seen.cap_violations), 0);
    ck_assert_int_eq(atomic_load(&seen.double_commits), 0);
    ck_assert_int_eq(atomic_load(&seen.bids_without_urls), 0);
    ck_assert_int_gt(atomic_load(&seen.notices), 0);
    free(data_dir);
    free(campaigns);
    test_temp_dir_remove(dir);
}
END_TEST

/* Asks once for a bid for user (buyeruid); returns the status, and on 200 the nurl of
 * the bid in nurl. */
static int bid_for(const struct test_bidder *bidder, const char *user, char *nurl, size_t size)
{
    char body[256];
    int len = snprintf(body, sizeof(body),
                       "{\"id\":\"one\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,"
                       "\"h\":250}}],\"user\":{\"buyeruid\":\"%s\"}}", user);
    int fd = test_connect(bidder->bid_port);
    struct http_response *response = malloc(sizeof(*response));
    test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n", body,
                       (size_t)len, response);
    close(fd);
    int status = response->status;
    if (status == 200)
        ck_assert(json_string_member(response->body, "nurl", nurl, size));
    free(response);
    return status;
}

/* Bids for a fresh user until the campaign bids (its first budget lease comes from the
 * ledger's maintenance, a moment after the start) and returns the nurl of the bid. */
static void bid_once(const struct test_bidder *bidder, const char *user, char *nurl,
                     size_t size)
{
    int status = bid_for(bidder, user, nurl, size);
    for (int attempt = 1; attempt < 40 && status != 200; attempt++) {
        struct timespec pause = {0, 50 * 1000000L};
        nanosleep(&pause, NULL);
        status = bid_for(bidder, user, nurl, size);
    }
    ck_assert_msg(status == 200, "bid: %d", status);
}

/* Sends url (its macro set to 1) with method to the bid listener; returns the answer
 * (malloc'ed). */
static struct http_response *call_notice(const struct test_bidder *bidder, const char *method,
                                         const char *url)
{
    char target[1024];
    notice_target(url, "1", target, sizeof(target));
    int fd = test_connect(bidder->bid_port);
    struct http_response *response = malloc(sizeof(*response));
    test_http_exchange(fd, method, target, "", NULL, 0, response);
    close(fd);
    return response;
}

/* Checks the answer to a notice, and frees it. */
static void check_answer(struct http_response *response, int status, const char *body)
{
    ck_assert_int_eq(response->status, status);
    ck_assert_str_eq(response->body, body);
    free(response);
}

/* The notice endpoint on the bid listener, and the key kept in the data directory: a
 * notice of a bid made before a restart still verifies. */
START_TEST(notices_on_the_bid_listener_survive_a_restart)
{
    char *dir = test_temp_dir_create();
    char *campaigns = write_campaigns(dir, false);
    struct test_bidder bidder;
    start(&bidder, dir, campaigns);
    char nurl[512];
    bid_once(&bidder, "someone", nurl, sizeof(nurl));
    char *forged = strdup(nurl);
    char *p = strstr(forged, "&p=5000000");
    ck_assert_ptr_nonnull(p);
    memcpy(p, "&p=6000000", 10);
    check_answer(call_notice(&bidder, "GET", forged), 403,
                 "{\"error\":\"s: signature does not match\"}\n");
    check_answer(call_notice(&bidder, "POST", nurl), 405, "{\"error\":\"use GET\"}\n");
    test_bidder_stop(&bidder);
    start(&bidder, dir, campaigns);
    check_answer(call_notice(&bidder, "GET", nurl), 200, "{\"status\":\"stale\"}\n");
    test_bidder_stop(&bidder);
    free(forged);
    free(campaigns);
    test_temp_dir_remove(dir);
}
END_TEST

/* Without a data directory, user ids are hashed with a key for the process: a campaign
 * that requires a known person bids for one, and its frequency cap holds. */
START_TEST(caps_hold_without_a_data_dir)
{
    char *dir = test_temp_dir_create();
    char *campaigns = write_campaigns(dir, true);
    const char *args[] = {"--threads", "2", "--campaigns", campaigns, NULL};
    struct test_bidder bidder;
    test_bidder_start_with(&bidder, args);
    char nurl[512];
    bid_once(&bidder, "someone", nurl, sizeof(nurl));
    check_answer(call_notice(&bidder, "GET", nurl), 200, "{\"status\":\"committed\"}\n");
    ck_assert_int_eq(bid_for(&bidder, "someone", nurl, sizeof(nurl)), 204); /* capped */
    bid_once(&bidder, "someone-else", nurl, sizeof(nurl));
    test_bidder_stop(&bidder);
    free(campaigns);
    test_temp_dir_remove(dir);
}
END_TEST

Suite *delivery_e2e_suite(void)
{
    Suite *suite = suite_create("delivery_e2e");
    TCase *tc = tcase_create("kill_9");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, notices_on_the_bid_listener_survive_a_restart);
    tcase_add_test(tc, caps_hold_without_a_data_dir);
    tcase_add_test(tc, kill_9_keeps_spend_and_caps);
    suite_add_tcase(suite, tc);
    return suite;
}
