#include "validate.h"

#include "geobid/json.h"

#include "openrtb.pb-c.h"

#include <string.h>

typedef Com__Google__Openrtb__BidResponse PbResponse;

static enum verdict invalid(const char **reason, const char *why)
{
    if (reason != NULL)
        *reason = why;
    return VERDICT_INVALID;
}

static bool imp_exists(const struct pooled_request *request, struct slice impid)
{
    for (size_t i = 0; i < request->imp_count; i++)
        if (slice_eq(request->imp_ids[i], impid))
            return true;
    return false;
}

/* ---- JSON ------------------------------------------------------------------------ */

/* Checks one bid object: id, impid of the request, numeric price. */
static const char *check_json_bid(const struct json_doc *doc, int bid, struct arena *scratch,
                                  const struct pooled_request *request)
{
    if (!json_is(doc, bid, JSMN_OBJECT))
        return "bid is not an object";
    bool has_id = false, has_impid = false, has_price = false;
    JSON_FOR_EACH_MEMBER(doc, bid, key, n) {
        struct slice value;
        double price;
        if (json_key_is(doc, key, "id"))
            has_id = json_get_string(doc, key + 1, scratch, &value) == 0;
        else if (json_key_is(doc, key, "impid")) {
            if (json_get_string(doc, key + 1, scratch, &value) != 0 ||
                !imp_exists(request, value))
                return "bid.impid names no imp of the request";
            has_impid = true;
        } else if (json_key_is(doc, key, "price"))
            has_price = json_get_double(doc, key + 1, &price) == 0 && price >= 0;
    }
    return !has_id ? "bid without id" : !has_impid ? "bid without impid"
           : !has_price ? "bid without a valid price" : NULL;
}

/* Checks seatbid[]; counts the bids into *bids. */
static const char *check_json_seatbids(const struct json_doc *doc, int seatbids,
                                       struct arena *scratch,
                                       const struct pooled_request *request, size_t *bids)
{
    if (!json_is(doc, seatbids, JSMN_ARRAY))
        return "seatbid is not an array";
    JSON_FOR_EACH_ELEMENT(doc, seatbids, seat, i) {
        if (!json_is(doc, seat, JSMN_OBJECT))
            return "seatbid entry is not an object";
        JSON_FOR_EACH_MEMBER(doc, seat, key, n) {
            if (!json_key_is(doc, key, "bid"))
                continue;
            if (!json_is(doc, key + 1, JSMN_ARRAY))
                return "seatbid.bid is not an array";
            JSON_FOR_EACH_ELEMENT(doc, key + 1, bid, b) {
                const char *why = check_json_bid(doc, bid, scratch, request);
                if (why != NULL)
                    return why;
                (*bids)++;
            }
        }
    }
    return NULL;
}

static enum verdict validate_json(struct slice body, const struct pooled_request *request,
                                  struct arena *scratch, const char **reason)
{
    struct json_doc doc;
    struct error err;
    if (json_parse(&doc, body.ptr, body.len, scratch, &err) != 0 || !json_is(&doc, 0, JSMN_OBJECT))
        return invalid(reason, "body is not a JSON object");
    bool id_echoed = false;
    size_t bids = 0;
    JSON_FOR_EACH_MEMBER(&doc, 0, key, n) {
        struct slice id;
        if (json_key_is(&doc, key, "id"))
            id_echoed = json_get_string(&doc, key + 1, scratch, &id) == 0 &&
                        slice_eq(id, request->id);
        else if (json_key_is(&doc, key, "seatbid")) {
            const char *why = check_json_seatbids(&doc, key + 1, scratch, request, &bids);
            if (why != NULL)
                return invalid(reason, why);
        }
    }
    if (!id_echoed)
        return invalid(reason, "response id does not echo the request id");
    return bids > 0 ? VERDICT_BID : VERDICT_NO_BID;
}

/* ---- protobuf -------------------------------------------------------------------- */

static void *scratch_alloc(void *arena, size_t size)
{
    return arena_alloc(arena, size);
}

static void scratch_free(void *arena, void *pointer)
{
    (void)arena;
    (void)pointer; /* the caller resets the arena */
}

static enum verdict validate_protobuf(struct slice body, const struct pooled_request *request,
                                      struct arena *scratch, const char **reason)
{
    ProtobufCAllocator allocator = {scratch_alloc, scratch_free, scratch};
    PbResponse *response = com__google__openrtb__bid_response__unpack(
        &allocator, body.len, (const uint8_t *)body.ptr);
    if (response == NULL)
        return invalid(reason, "body is not a protobuf BidResponse");
    if (response->id == NULL || !slice_eq(slice_from_cstr(response->id), request->id))
        return invalid(reason, "response id does not echo the request id");
    size_t bids = 0;
    for (size_t s = 0; s < response->n_seatbid; s++) {
        for (size_t b = 0; b < response->seatbid[s]->n_bid; b++, bids++) {
            const Com__Google__Openrtb__BidResponse__SeatBid__Bid *bid = response->seatbid[s]->bid[b];
            if (!imp_exists(request, slice_from_cstr(bid->impid)))
                return invalid(reason, "bid.impid names no imp of the request");
            if (!(bid->price >= 0))
                return invalid(reason, "bid without a valid price");
        }
    }
    return bids > 0 ? VERDICT_BID : VERDICT_NO_BID;
}

/* ---- the verdict ------------------------------------------------------------------ */

/* True when the Content-Type's media type (parameters ignored) is the format's. */
static bool content_type_matches(struct slice content_type, enum wire_format format)
{
    static const char *const protobuf_types[] = {"application/x-protobuf",
                                                 "application/protobuf",
                                                 "application/octet-stream"};
    size_t len = 0;
    while (len < content_type.len && content_type.ptr[len] != ';' && content_type.ptr[len] != ' ')
        len++;
    struct slice media = {content_type.ptr, len};
    if (format == WIRE_JSON)
        return slice_eq_nocase(media, SLICE_LITERAL("application/json"));
    for (size_t i = 0; i < sizeof(protobuf_types) / sizeof(protobuf_types[0]); i++)
        if (slice_eq_nocase(media, slice_from_cstr(protobuf_types[i])))
            return true;
    return false;
}

enum verdict validate_response(const struct http_response *response,
                               const struct pooled_request *request, enum wire_format format,
                               struct arena *scratch, const char **reason)
{
    if (response->status >= 300)
        return VERDICT_ERROR_STATUS;
    if (response->status == 204)
        return response->body.len == 0 ? VERDICT_NO_BID : invalid(reason, "204 with a body");
    if (response->status != 200)
        return invalid(reason, "unexpected status");
    if (!content_type_matches(response->content_type, format))
        return invalid(reason, "Content-Type is not the request's format");
    return format == WIRE_JSON ? validate_json(response->body, request, scratch, reason)
                               : validate_protobuf(response->body, request, scratch, reason);
}
