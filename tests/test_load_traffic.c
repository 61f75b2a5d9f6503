/* The load generator's traffic model, request pool and replay files. */
#include "test_support.h"

#include "../loadtest/consent.h"
#include "../loadtest/encode.h"
#include "../loadtest/ip_pool.h"
#include "../loadtest/random.h"
#include "../loadtest/request_pool.h"
#include "../loadtest/traffic.h"

#include "geobid/great_circle.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct target target;

static void setup(void)
{
    struct error err;
    ck_assert_int_eq(target_parse("http://127.0.0.1:9/openrtb2/bid", &target, &err), 0);
}

static void generate_pool(struct request_pool *pool, enum wire_format format, uint64_t seed,
                          size_t count, const struct ip_pool *ips)
{
    struct traffic_model model;
    struct error err;
    traffic_model_init(&model, seed, ips);
    request_pool_init(pool, format, &target);
    ck_assert_msg(request_pool_generate(pool, &model, count, &err) == 0, "%s", err.message);
    traffic_model_free(&model);
}

START_TEST(same_seed_same_requests)
{
    struct request_pool a, b, c;
    generate_pool(&a, WIRE_JSON, 42, 300, NULL);
    generate_pool(&b, WIRE_JSON, 42, 300, NULL);
    generate_pool(&c, WIRE_JSON, 43, 300, NULL);
    size_t differing = 0;
    for (size_t i = 0; i < 300; i++) {
        ck_assert(slice_eq(a.requests[i].body, b.requests[i].body));
        differing += !slice_eq(a.requests[i].body, c.requests[i].body);
    }
    ck_assert_uint_eq(differing, 300);
    const struct pooled_request *first = &a.requests[0];
    char length_header[48];
    snprintf(length_header, sizeof(length_header), "\r\nContent-Length: %zu\r\n\r\n",
             first->body.len);
    ck_assert(strncmp(first->wire, "POST /openrtb2/bid HTTP/1.1\r\nHost: 127.0.0.1:9\r\n", 47) == 0);
    ck_assert(memmem(first->wire, first->wire_len, length_header, strlen(length_header)) ==
              first->body.ptr - strlen(length_header));
    request_pool_free(&a);
    request_pool_free(&b);
    request_pool_free(&c);
}
END_TEST

START_TEST(json_requests_are_one_to_two_kilobytes)
{
    struct request_pool pool;
    generate_pool(&pool, WIRE_JSON, 1, 5000, NULL);
    size_t within = 0;
    for (size_t i = 0; i < pool.count; i++) {
        size_t len = pool.requests[i].body.len;
        within += len >= 1000 && len <= 2000;
        ck_assert_uint_lt(len, 4000);
    }
    double mean = (double)pool.body_bytes / (double)pool.count;
    ck_assert_msg(mean >= 1000 && mean <= 2000, "mean %.0f bytes", mean);
    ck_assert_msg(within >= pool.count * 85 / 100, "%zu of %zu within 1-2 KB", within, pool.count);
    request_pool_free(&pool);
}
END_TEST

START_TEST(protobuf_requests_decode_with_the_same_ids)
{
    struct request_pool json, protobuf;
    generate_pool(&json, WIRE_JSON, 5, 500, NULL);
    generate_pool(&protobuf, WIRE_PROTOBUF, 5, 500, NULL);
    for (size_t i = 0; i < 500; i++) {
        const struct pooled_request *a = &json.requests[i], *b = &protobuf.requests[i];
        ck_assert(slice_eq(a->id, b->id));
        ck_assert_int_eq(a->tmax_ms, b->tmax_ms);
        ck_assert_uint_eq(a->imp_count, b->imp_count);
        ck_assert(strstr(b->wire, "Content-Type: application/x-protobuf\r\n") != NULL);
    }
    request_pool_free(&json);
    request_pool_free(&protobuf);
}
END_TEST

/* The example campaigns must see traffic: GPS fixes within the Paris café's 800 m and
 * requests from London, Linköping and the Milton clinic's 5 km. */
START_TEST(locations_reach_the_example_campaigns)
{
    struct traffic_model model;
    traffic_model_init(&model, 1, NULL);
    size_t cafe = 0, london = 0, linkoping = 0, milton = 0, gps = 0, phones = 0;
    enum { count = 40000 };
    for (uint64_t n = 0; n < count; n++) {
        struct synthetic_request r;
        traffic_generate(&model, n, &r);
        const struct synthetic_geo *geo = &r.geo;
        gps += geo->type == 1;
        phones += r.devicetype == 4;
        if (geo->city != NULL && strcmp(geo->city, "London") == 0)
            london++;
        if (!geo->has_point)
            continue;
        if (geo->type == 1 && geo->accuracy_m <= 800 &&
            great_circle_m(geo->lat, geo->lon, 48.8606, 2.3376) <= 800)
            cafe++;
        linkoping += great_circle_m(geo->lat, geo->lon, 58.4108, 15.6214) <= 2000;
        milton += great_circle_m(geo->lat, geo->lon, 47.25, -122.31) <= 5000;
    }
    traffic_model_free(&model);
    ck_assert_msg(cafe >= 5, "only %zu GPS fixes near the café", cafe);
    ck_assert_msg(london >= count / 50, "only %zu London requests", london);
    ck_assert_uint_gt(linkoping, 0);
    ck_assert_uint_gt(milton, 0);
    ck_assert_msg(gps > count / 5 && gps < count / 2, "GPS share %zu / %d", gps, count);
    ck_assert_msg(phones > count / 2 && phones < count * 3 / 4, "phones %zu / %d", phones, count);
}
END_TEST

START_TEST(zipf_and_weighted_draws_follow_their_laws)
{
    struct rng rng;
    rng_seed(&rng, 1);
    struct zipf zipf;
    zipf_init(&zipf, 1000, 1.0);
    double harmonic = 0;
    for (int k = 1; k <= 1000; k++)
        harmonic += 1.0 / k;
    enum { draws = 200000 };
    size_t first = 0, second = 0;
    for (int i = 0; i < draws; i++) {
        uint64_t rank = zipf_sample(&zipf, &rng);
        ck_assert(rank >= 1 && rank <= 1000);
        first += rank == 1;
        second += rank == 2;
    }
    ck_assert(fabs((double)first / draws - 1.0 / harmonic) < 0.01);
    ck_assert(fabs((double)second / draws - 0.5 / harmonic) < 0.01);
    const double weights[] = {1, 0, 3};
    struct weighted dist;
    weighted_init(&dist, weights, 3, sizeof(double));
    size_t counts[3] = {0};
    for (int i = 0; i < draws; i++)
        counts[weighted_pick(&dist, &rng)]++;
    weighted_free(&dist);
    ck_assert_uint_eq(counts[1], 0);
    ck_assert(fabs((double)counts[2] / draws - 0.75) < 0.01);
}
END_TEST

START_TEST(addresses_come_from_the_database_near_the_city)
{
    char *path = test_fixture_path("geoip2-city.mmdb");
    struct ip_pool ips;
    struct error err;
    ck_assert_msg(ip_pool_load(&ips, path, 100, 1, &err) == 0, "%s", err.message);
    free(path);
    ck_assert_uint_eq(ips.count, 3); /* 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 */
    struct traffic_model model;
    traffic_model_init(&model, 1, &ips);
    size_t london = 0;
    for (uint64_t n = 0; n < 3000; n++) {
        struct synthetic_request r;
        traffic_generate(&model, n, &r);
        bool known = strncmp(r.ip, "192.0.2.", 8) == 0 || strncmp(r.ip, "198.51.100.", 11) == 0 ||
                     strncmp(r.ip, "203.0.113.", 10) == 0;
        ck_assert_msg(known, "address %s is not in the database", r.ip);
        if (r.geo.city != NULL && strcmp(r.geo.city, "London") == 0) {
            ck_assert_msg(strncmp(r.ip, "198.51.100.", 11) == 0, "London got %s", r.ip);
            london++;
        }
    }
    ck_assert_uint_gt(london, 0);
    traffic_model_free(&model);
    ip_pool_free(&ips);
    ck_assert_int_eq(ip_pool_load(&ips, "/nonexistent.mmdb", 10, 1, &err), -1);
}
END_TEST

static void round_trip(enum wire_format format)
{
    struct request_pool pool, replayed;
    generate_pool(&pool, format, 3, 200, NULL);
    char path[] = "/tmp/geobid-load-replay-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    FILE *file = fdopen(fd, "wb");
    ck_assert_int_eq(request_pool_write_replay(&pool, file), 0);
    fclose(file);
    struct error err;
    request_pool_init(&replayed, format, &target);
    ck_assert_msg(request_pool_load_replay(&replayed, path, &err) == 0, "%s", err.message);
    unlink(path);
    ck_assert_uint_eq(replayed.count, pool.count);
    for (size_t i = 0; i < pool.count; i++)
        ck_assert(slice_eq(pool.requests[i].body, replayed.requests[i].body));
    request_pool_free(&pool);
    request_pool_free(&replayed);
}

START_TEST(replay_files_round_trip)
{
    round_trip(WIRE_JSON);
    round_trip(WIRE_PROTOBUF);
}
END_TEST

START_TEST(bad_replay_lines_are_named)
{
    char path[] = "/tmp/geobid-load-replay-XXXXXX";
    int fd = mkstemp(path);
    const char text[] = "{\"id\":\"a\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":1,\"h\":1}}]}\n"
                        "\n"
                        "{\"id\":\"b\"}\n";
    ck_assert_int_eq(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    struct request_pool pool;
    struct error err;
    request_pool_init(&pool, WIRE_JSON, &target);
    ck_assert_int_eq(request_pool_load_replay(&pool, path, &err), -1);
    ck_assert_msg(strstr(err.message, ":3: imp: required") != NULL, "%s", err.message);
    request_pool_free(&pool);
    request_pool_init(&pool, WIRE_PROTOBUF, &target);
    ck_assert_int_eq(request_pool_load_replay(&pool, path, &err), -1); /* not delimited pb */
    request_pool_free(&pool);
    unlink(path);
}
END_TEST

/* Reads count bits at bit offset of a base64url string. */
static unsigned tcf_bits(const char *text, size_t offset, int count)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    unsigned value = 0;
    for (int i = 0; i < count; i++, offset++) {
        unsigned sextet = (unsigned)(strchr(alphabet, text[offset / 6]) - alphabet);
        value = value << 1 | ((sextet >> (5 - offset % 6)) & 1);
    }
    return value;
}

START_TEST(consent_strings_follow_the_tcf_layout)
{
    char text[96];
    struct tcf_choice choice = {.created_ds = 17150000000ull, .language = "fr",
                                .publisher_cc = "FR", .precise_geo = true,
                                .purposes = TCF_PURPOSE(1) | TCF_PURPOSE(3) | TCF_PURPOSE(4),
                                .max_vendor_id = 1100};
    ck_assert_uint_gt(tcf_encode(&choice, text, sizeof(text)), 0);
    ck_assert_uint_eq(tcf_bits(text, 0, 6), 2);                    /* version */
    ck_assert_uint_eq(tcf_bits(text, 108, 6), 'f' - 'a');           /* language */
    ck_assert_uint_eq(tcf_bits(text, 140, 1), 1);                   /* special feature 1 */
    ck_assert_uint_eq(tcf_bits(text, 152, 24), (1u << 23) | (1u << 21) | (1u << 20));
    ck_assert_uint_eq(tcf_bits(text, 213, 16), 1100);               /* MaxVendorId */
    ck_assert_uint_eq(tcf_bits(text, 229, 1), 1);                   /* range encoding */
    ck_assert_uint_eq(tcf_encode(&choice, text, 10), 0);
}
END_TEST

Suite *load_traffic_suite(void)
{
    Suite *suite = suite_create("load_traffic");
    TCase *tc = tcase_create("traffic");
    tcase_set_timeout(tc, 60);
    tcase_add_checked_fixture(tc, setup, NULL);
    tcase_add_test(tc, same_seed_same_requests);
    tcase_add_test(tc, json_requests_are_one_to_two_kilobytes);
    tcase_add_test(tc, protobuf_requests_decode_with_the_same_ids);
    tcase_add_test(tc, locations_reach_the_example_campaigns);
    tcase_add_test(tc, zipf_and_weighted_draws_follow_their_laws);
    tcase_add_test(tc, addresses_come_from_the_database_near_the_city);
    tcase_add_test(tc, replay_files_round_trip);
    tcase_add_test(tc, bad_replay_lines_are_named);
    tcase_add_test(tc, consent_strings_follow_the_tcf_layout);
    suite_add_tcase(suite, tc);
    return suite;
}
