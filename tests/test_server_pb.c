/* End to end over protobuf: starts build/geobid on free loopback ports and POSTs the
 * binary fixtures ($GEOBID_FIXTURES/pb/, encoded by protoc from tests/fixtures/pb) with
 * each protobuf media type, plain and gzipped. */
#include "test_support.h"

#include "openrtb.pb-c.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct test_bidder bidder;

static void start_bidder(void)
{
    test_bidder_start(&bidder);
}

static void stop_bidder(void)
{
    test_bidder_stop(&bidder);
}

/* POSTs body to the bid endpoint on a new connection with the given headers. */
static void post(const char *headers, const void *body, size_t len,
                 struct http_response *response)
{
    int fd = test_connect(bidder.bid_port);
    ck_assert_int_ge(fd, 0);
    test_http_exchange(fd, "POST", "/openrtb2/bid", headers, body, len, response);
    close(fd);
}

static const char *const media_types[] = {
    "application/x-protobuf",
    "application/protobuf",
    "application/octet-stream",
};

/* The city-wide campaign's bid, as the response body holds it in protobuf. The fixture
 * is GDPR traffic whose consent string grants nothing, so the GPS point is coarsened to
 * about 1 km: the 800 m café fence (which would bid more) may not match, the 30 km city
 * fence still does. */
static void check_city_bid(const struct http_response *response)
{
    Com__Google__Openrtb__BidResponse *decoded = com__google__openrtb__bid_response__unpack(
        NULL, response->body_len, (const uint8_t *)response->body);
    ck_assert_ptr_nonnull(decoded);
    ck_assert_str_eq(decoded->id, "c0ffee00-site-gps");
    ck_assert_str_eq(decoded->cur, "EUR");
    ck_assert_uint_eq(decoded->n_seatbid, 1);
    ck_assert_uint_eq(decoded->seatbid[0]->n_bid, 1);
    const Com__Google__Openrtb__BidResponse__SeatBid__Bid *bid = decoded->seatbid[0]->bid[0];
    ck_assert_str_eq(bid->impid, "1");
    ck_assert_double_eq(bid->price, 1.2);
    ck_assert_str_eq(bid->crid, "city-320x50");
    ck_assert_str_eq(bid->cid, "paris-city");
    com__google__openrtb__bid_response__free_unpacked(decoded, NULL);
}

/* The answer is a 200 in the request's own media type, with the city campaign's bid. */
static void check_bid_response(const struct http_response *response, const char *media_type)
{
    char content_type[128];
    snprintf(content_type, sizeof(content_type), "\r\nContent-Type: %s\r\n", media_type);
    ck_assert_msg(response->status == 200, "%s: status %d (%s)", media_type, response->status,
                  response->body);
    ck_assert(test_http_has_header(response, content_type));
    ck_assert(test_http_has_header(response, "\r\nx-openrtb-version: 2.6\r\n"));
    check_city_bid(response);
}

START_TEST(protobuf_bid_in_each_media_type)
{
    const char *media_type = media_types[_i];
    size_t len;
    char *body = test_read_pb_fixture("site-banner-gps", &len);
    char headers[128];
    snprintf(headers, sizeof(headers), "Content-Type: %s\r\n", media_type);
    struct http_response response;
    post(headers, body, len, &response);
    check_bid_response(&response, media_type);
    free(body);
}
END_TEST

START_TEST(gzipped_protobuf_bid_in_each_media_type)
{
    const char *media_type = media_types[_i];
    size_t len, gzip_len;
    char *body = test_read_pb_fixture("site-banner-gps", &len);
    unsigned char *gzipped = test_gzip(body, len, &gzip_len);
    char headers[160];
    snprintf(headers, sizeof(headers), "Content-Type: %s\r\nContent-Encoding: gzip\r\n",
             media_type);
    struct http_response response;
    post(headers, gzipped, gzip_len, &response);
    check_bid_response(&response, media_type);
    free(gzipped);
    free(body);
}
END_TEST

/* Parameters after the media type are ignored; the reply carries the bare type. */
START_TEST(media_type_parameters_are_ignored)
{
    size_t len;
    char *body = test_read_pb_fixture("site-banner-gps", &len);
    struct http_response response;
    post("Content-Type: application/x-protobuf; proto=com.google.openrtb.BidRequest\r\n", body,
         len, &response);
    check_bid_response(&response, "application/x-protobuf");
    free(body);
}
END_TEST

START_TEST(protobuf_no_bid_gets_204)
{
    size_t len;
    char *body = test_read_pb_fixture("no-geo", &len);
    struct http_response response;
    post("Content-Type: application/x-protobuf\r\n", body, len, &response);
    ck_assert_int_eq(response.status, 204);
    ck_assert_uint_eq(response.body_len, 0);
    free(body);
}
END_TEST

START_TEST(protobuf_and_json_share_a_connection)
{
    size_t len;
    char *body = test_read_pb_fixture("site-banner-gps", &len);
    const char json[] = "{\"id\":\"j\",\"imp\":[{\"id\":\"1\",\"banner\":{\"w\":300,\"h\":250}}],"
                        "\"cur\":[\"EUR\"],\"device\":{\"geo\":{\"lat\":48.861,\"lon\":2.338,"
                        "\"type\":1,\"accuracy\":20}}}";
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    for (int i = 0; i < 4; i++) {
        if (i % 2 == 0) {
            test_http_exchange(fd, "POST", "/openrtb2/bid",
                               "Content-Type: application/octet-stream\r\n", body, len,
                               &response);
            check_bid_response(&response, "application/octet-stream");
        } else {
            test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/json\r\n",
                               json, strlen(json), &response);
            ck_assert_int_eq(response.status, 200);
            ck_assert(test_http_has_header(&response, "\r\nContent-Type: application/json\r\n"));
        }
    }
    close(fd);
    free(body);
}
END_TEST

struct bad_protobuf_case {
    const char *name;
    const char *body;
    size_t len;
    const char *error; /* the JSON error body */
};

#define BYTES(literal) literal, sizeof(literal) - 1

static const struct bad_protobuf_case bad_protobuf[] = {
    {"garbage", BYTES("this is not protobuf \xff\xff\xff"), "{\"error\":\"malformed protobuf\"}"},
    {"JSON sent as protobuf", BYTES("{\"id\":\"r\",\"imp\":[{\"id\":\"1\"}]}"),
     "{\"error\":\"malformed protobuf\"}"},
    {"truncated", BYTES("\x0a\x05r"), "{\"error\":\"malformed protobuf\"}"},
    {"missing id", BYTES("\x12\x03\x0a\x01" "1"), "{\"error\":\"id: required\"}"},
    {"missing imp", BYTES("\x0a\x01r"), "{\"error\":\"imp: required\"}"},
};

START_TEST(bad_protobuf_gets_400)
{
    const struct bad_protobuf_case *c = &bad_protobuf[_i];
    struct http_response response;
    int fd = test_connect(bidder.bid_port);
    test_http_exchange(fd, "POST", "/openrtb2/bid", "Content-Type: application/x-protobuf\r\n",
                       c->body, c->len, &response);
    ck_assert_msg(response.status == 400, "%s: status %d", c->name, response.status);
    ck_assert_msg(strncmp(response.body, c->error, strlen(c->error)) == 0,
                  "%s: body %s, expected %s", c->name, response.body, c->error);
    /* the connection still serves the next request */
    test_http_exchange(fd, "GET", "/healthz", "", NULL, 0, &response);
    ck_assert_int_eq(response.status, 200);
    close(fd);
}
END_TEST

Suite *server_pb_suite(void)
{
    Suite *suite = suite_create("server_pb");
    TCase *tc = tcase_create("end to end");
    tcase_set_timeout(tc, 60);
    tcase_add_unchecked_fixture(tc, start_bidder, stop_bidder);
    int type_count = (int)(sizeof(media_types) / sizeof(media_types[0]));
    tcase_add_loop_test(tc, protobuf_bid_in_each_media_type, 0, type_count);
    tcase_add_loop_test(tc, gzipped_protobuf_bid_in_each_media_type, 0, type_count);
    tcase_add_test(tc, media_type_parameters_are_ignored);
    tcase_add_test(tc, protobuf_no_bid_gets_204);
    tcase_add_test(tc, protobuf_and_json_share_a_connection);
    tcase_add_loop_test(tc, bad_protobuf_gets_400, 0,
                        (int)(sizeof(bad_protobuf) / sizeof(bad_protobuf[0])));
    suite_add_tcase(suite, tc);
    return suite;
}
