/* Admin endpoints of first-party data: segment uploads and erasure of a person
 * (docs/segments.md). */
#include "admin_internal.h"

#include "geobid/segment_import.h"
#include "geobid/user_store.h"

/* Answers 503 and returns false when the bidder stores no segments (no --data-dir). */
static bool has_profile_store(const struct admin *admin, struct arena *arena,
                              struct endpoint_reply *reply)
{
    if (admin->bidder->profiles != NULL && admin->bidder->user_keys != NULL)
        return true;
    endpoint_reply_error(reply, arena, 503,
                         "no --data-dir: segments and profiles need durable state");
    return false;
}

static int status_of(enum profile_status status)
{
    switch (status) {
    case PROFILE_OK:
        return 200;
    case PROFILE_INVALID:
        return 400;
    case PROFILE_FULL:
        return 507;
    case PROFILE_FAILED:
        break;
    }
    return 500;
}

static int64_t now_s(const struct admin *admin)
{
    const struct clock *clock = admin->bidder->clock ? admin->bidder->clock : &clock_system;
    return clock_now_ms(clock) / 1000;
}

void admin_post_segment_members(const struct admin *admin, const struct endpoint_request *request,
                                const struct slice *params, struct arena *arena,
                                struct endpoint_reply *reply)
{
    enum segment_import_format format;
    if (!has_profile_store(admin, arena, reply))
        return;
    if (segment_import_format_of_type(request->content_type, &format) != 0) {
        endpoint_reply_error(reply, arena, 415, "Content-Type must be text/csv, "
                                                "application/x-ndjson or application/jsonl");
        return;
    }
    struct segment_import_result result;
    struct error err;
    enum profile_status status =
        segment_import_apply(admin->bidder->profiles, admin->bidder->user_keys, params[0], format,
                             request->body.ptr, request->body.len, now_s(admin), &result, &err);
    if (status != PROFILE_OK) {
        endpoint_reply_error(reply, arena, status_of(status), err.message);
        return;
    }
    endpoint_reply_init(reply, arena, 200, "application/json");
    outbuf_append_cstr(&reply->body, "{\"segment\":");
    outbuf_append_json_string(&reply->body, params[0]);
    outbuf_append_cstr(&reply->body, ",\"observations\":");
    outbuf_append_int(&reply->body, (int64_t)result.observations);
    outbuf_append_cstr(&reply->body, ",\"users\":");
    outbuf_append_int(&reply->body, (int64_t)result.users);
    outbuf_append_cstr(&reply->body, "}\n");
}

void admin_delete_user(const struct admin *admin, const struct endpoint_request *request,
                       const struct slice *params, struct arena *arena,
                       struct endpoint_reply *reply)
{
    (void)request;
    if (admin->bidder->user_keys == NULL) { /* nothing is kept about anyone */
        endpoint_reply_error(reply, arena, 503,
                             "no --data-dir: segments and profiles need durable state");
        return;
    }
    bool erased;
    struct error err;
    enum profile_status status = user_store_erase(admin->bidder, params[0], &erased, &err);
    if (status != PROFILE_OK) {
        endpoint_reply_error(reply, arena, status_of(status), err.message);
        return;
    }
    endpoint_reply_init(reply, arena, 200, "application/json");
    outbuf_append_cstr(&reply->body, erased ? "{\"erased\":true}\n" : "{\"erased\":false}\n");
}
