/* Response validation of the load generator: status, format, id echo, imp ids. */
#include "../loadtest/validate.h"

#include "openrtb.pb-c.h"

#include <check.h>
#include <string.h>

static struct slice imp_ids[] = {{"1", 1}, {"2", 1}};
static const struct pooled_request request = {
    .id = {"req-7", 5}, .imp_ids = imp_ids, .imp_count = 2, .tmax_ms = 120};

static struct arena scratch;

static void setup(void)
{
    arena_init(&scratch, 4096);
}

static void teardown(void)
{
    arena_free(&scratch);
}

static struct http_response reply(int status, const char *content_type, const char *body,
                                  size_t body_len)
{
    return (struct http_response){
        .status = status,
        .keep_alive = true,
        .content_type = slice_from_cstr(content_type),
        .body = {body, body_len},
    };
}

static enum verdict judge_json(int status, const char *content_type, const char *body)
{
    struct http_response response = reply(status, content_type, body, strlen(body));
    const char *reason = NULL;
    enum verdict verdict = validate_response(&response, &request, WIRE_JSON, &scratch, &reason);
    ck_assert(verdict != VERDICT_INVALID || reason != NULL);
    return verdict;
}

static const char json_type[] = "application/json";

START_TEST(json_bid_is_valid)
{
    ck_assert_int_eq(judge_json(200, json_type,
                                "{\"id\":\"req-7\",\"bidid\":\"x\",\"cur\":\"EUR\",\"seatbid\":"
                                "[{\"seat\":\"geobid\",\"bid\":[{\"id\":\"b1\",\"impid\":\"2\","
                                "\"price\":2.5,\"adm\":\"<a></a>\"}]}]}"),
                     VERDICT_BID);
    ck_assert_int_eq(judge_json(200, "application/json; charset=utf-8",
                                "{\"seatbid\":[{\"bid\":[{\"id\":\"b1\",\"impid\":\"1\","
                                "\"price\":0}]}],\"id\":\"req-7\"}"),
                     VERDICT_BID);
}
END_TEST

START_TEST(no_bid_answers_are_valid)
{
    ck_assert_int_eq(judge_json(204, json_type, ""), VERDICT_NO_BID);
    ck_assert_int_eq(judge_json(200, json_type, "{\"id\":\"req-7\"}"), VERDICT_NO_BID);
    ck_assert_int_eq(judge_json(200, json_type, "{\"id\":\"req-7\",\"seatbid\":[]}"),
                     VERDICT_NO_BID);
}
END_TEST

static const char *const invalid_json_bodies[] = {
    "{\"id\":\"req-8\",\"seatbid\":[]}",                                   /* wrong id */
    "{\"seatbid\":[]}",                                                     /* no id */
    "{\"id\":7}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"3\",\"price\":1}]}]}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"price\":1}]}]}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\"}]}]}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":[{\"impid\":\"1\",\"price\":1}]}]}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":[{\"id\":\"b\",\"impid\":\"1\",\"price\":-1}]}]}",
    "{\"id\":\"req-7\",\"seatbid\":{}}",
    "{\"id\":\"req-7\",\"seatbid\":[{\"bid\":{}}]}",
    "{\"id\":\"req-7\"",
    "[\"req-7\"]",
    "",
};

START_TEST(malformed_json_answers_are_invalid)
{
    ck_assert_msg(judge_json(200, json_type, invalid_json_bodies[_i]) == VERDICT_INVALID,
                  "accepted: %s", invalid_json_bodies[_i]);
}
END_TEST

START_TEST(status_and_type_are_checked)
{
    const char *bid = "{\"id\":\"req-7\"}";
    ck_assert_int_eq(judge_json(200, "text/html", bid), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(200, "", bid), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(200, "application/x-protobuf", bid), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(204, json_type, "x"), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(202, json_type, bid), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(100, json_type, ""), VERDICT_INVALID);
    ck_assert_int_eq(judge_json(301, json_type, ""), VERDICT_ERROR_STATUS);
    ck_assert_int_eq(judge_json(400, json_type, "{\"error\":\"x\"}"), VERDICT_ERROR_STATUS);
    ck_assert_int_eq(judge_json(503, json_type, ""), VERDICT_ERROR_STATUS);
}
END_TEST

/* ---- protobuf ------------------------------------------------------------------------ */

typedef Com__Google__Openrtb__BidResponse PbResponse;
typedef Com__Google__Openrtb__BidResponse__SeatBid PbSeatBid;
typedef Com__Google__Openrtb__BidResponse__SeatBid__Bid PbBid;

/* Packs a response with one bid on impid (NULL: no seatbid) into out. */
static size_t pack_response(const char *id, const char *impid, uint8_t *out)
{
    PbBid bid = COM__GOOGLE__OPENRTB__BID_RESPONSE__SEAT_BID__BID__INIT;
    bid.id = "b1";
    bid.impid = (char *)impid;
    bid.price = 2.5;
    PbBid *bids[] = {&bid};
    PbSeatBid seat = COM__GOOGLE__OPENRTB__BID_RESPONSE__SEAT_BID__INIT;
    seat.n_bid = 1;
    seat.bid = bids;
    PbSeatBid *seats[] = {&seat};
    PbResponse response = COM__GOOGLE__OPENRTB__BID_RESPONSE__INIT;
    response.id = (char *)id;
    response.n_seatbid = impid ? 1 : 0;
    response.seatbid = seats;
    return com__google__openrtb__bid_response__pack(&response, out);
}

static enum verdict judge_protobuf(const char *content_type, const uint8_t *body, size_t len)
{
    struct http_response response = reply(200, content_type, (const char *)body, len);
    return validate_response(&response, &request, WIRE_PROTOBUF, &scratch, NULL);
}

START_TEST(protobuf_answers_are_checked)
{
    uint8_t body[256];
    size_t len = pack_response("req-7", "1", body);
    ck_assert_int_eq(judge_protobuf("application/x-protobuf", body, len), VERDICT_BID);
    ck_assert_int_eq(judge_protobuf("application/protobuf", body, len), VERDICT_BID);
    ck_assert_int_eq(judge_protobuf("application/json", body, len), VERDICT_INVALID);
    len = pack_response("req-7", NULL, body);
    ck_assert_int_eq(judge_protobuf("application/octet-stream", body, len), VERDICT_NO_BID);
    len = pack_response("req-9", "1", body);
    ck_assert_int_eq(judge_protobuf("application/x-protobuf", body, len), VERDICT_INVALID);
    len = pack_response("req-7", "5", body);
    ck_assert_int_eq(judge_protobuf("application/x-protobuf", body, len), VERDICT_INVALID);
    const uint8_t garbage[] = {0x0a, 0x7f, 'r'};
    ck_assert_int_eq(judge_protobuf("application/x-protobuf", garbage, sizeof(garbage)),
                     VERDICT_INVALID);
}
END_TEST

Suite *load_validate_suite(void)
{
    Suite *suite = suite_create("load_validate");
    TCase *tc = tcase_create("validate");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, json_bid_is_valid);
    tcase_add_test(tc, no_bid_answers_are_valid);
    tcase_add_loop_test(tc, malformed_json_answers_are_invalid, 0,
                        (int)(sizeof(invalid_json_bodies) / sizeof(invalid_json_bodies[0])));
    tcase_add_test(tc, status_and_type_are_checked);
    tcase_add_test(tc, protobuf_answers_are_checked);
    suite_add_tcase(suite, tc);
    return suite;
}
