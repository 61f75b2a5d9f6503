#include "admin_internal.h"

#include <string.h>

enum { max_path_params = 2 };

/* One endpoint: method and path pattern (see endpoint_path_match()), its handler, and
 * whether it takes a body. */
struct admin_route {
    const char *method;
    const char *pattern;
    bool takes_body;
    admin_handler *handle;
};

static void handle_healthz(const struct admin *admin, const struct endpoint_request *request,
                           const struct slice *params, struct arena *arena,
                           struct endpoint_reply *reply)
{
    (void)admin, (void)request, (void)params;
    endpoint_reply_init(reply, arena, 200, "text/plain");
    outbuf_append_cstr(&reply->body, "ok\n");
}

static void handle_metrics(const struct admin *admin, const struct endpoint_request *request,
                           const struct slice *params, struct arena *arena,
                           struct endpoint_reply *reply)
{
    (void)request, (void)params;
    endpoint_reply_init(reply, arena, 200, "text/plain; version=0.0.4");
    if (admin->server != NULL)
        server_write_metrics(admin->server, &reply->body);
}

static const struct admin_route routes[] = {
    {"GET", "/healthz", false, handle_healthz},
    {"POST", "/v1/segments/*/members", true, admin_post_segment_members},
    {"DELETE", "/v1/users/*", false, admin_delete_user},
    {"GET", "/v1/campaigns/*/stats", false, admin_campaign_stats},
    {"GET", "/metrics", false, handle_metrics},
};

enum { route_count = sizeof(routes) / sizeof(routes[0]) };

/* Compares the presented token with the configured one in time independent of where
 * they differ. */
static bool token_matches(struct slice presented, const char *token)
{
    size_t len = strlen(token);
    if (presented.len != len)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned char)(presented.ptr[i] ^ token[i]);
    return diff == 0;
}

static bool authorized(const struct admin *admin, const struct endpoint_request *request)
{
    static const struct slice scheme = SLICE_LITERAL("Bearer ");
    if (admin->token == NULL)
        return true;
    struct slice given = request->authorization;
    if (given.len < scheme.len || !slice_eq_nocase((struct slice){given.ptr, scheme.len}, scheme))
        return false;
    return token_matches((struct slice){given.ptr + scheme.len, given.len - scheme.len},
                         admin->token);
}

/* HEAD is answered as GET (the server drops the body). */
static bool method_matches(const struct admin_route *route, struct slice method)
{
    return slice_eq_cstr(method, route->method) ||
           (strcmp(route->method, "GET") == 0 && slice_eq_cstr(method, "HEAD"));
}

/* Appends "Allow: ..." for every method pattern's routes accept into allow. */
static void list_allowed_methods(struct slice path, struct arena *arena, struct outbuf *allow)
{
    struct slice params[max_path_params];
    outbuf_append_cstr(allow, "Allow: ");
    const char *separator = "";
    for (size_t i = 0; i < route_count; i++) {
        if (!endpoint_path_match(path, routes[i].pattern, arena, params, max_path_params))
            continue;
        outbuf_append_cstr(allow, separator);
        outbuf_append_cstr(allow, routes[i].method);
        separator = ", ";
    }
    outbuf_append_cstr(allow, "\r\n");
    outbuf_append(allow, "", 1);
}

void admin_handle(const struct admin *admin, const struct endpoint_request *request,
                  struct arena *arena, struct endpoint_reply *reply)
{
    struct slice params[max_path_params];
    bool path_known = false;
    for (size_t i = 0; i < route_count; i++) {
        const struct admin_route *route = &routes[i];
        if (!endpoint_path_match(request->path, route->pattern, arena, params, max_path_params))
            continue;
        path_known = true;
        if (!method_matches(route, request->method))
            continue;
        if (route->handle != handle_healthz && !authorized(admin, request)) {
            endpoint_reply_error(reply, arena, 401, "missing or wrong bearer token");
            reply->extra_headers = "WWW-Authenticate: Bearer\r\n";
            return;
        }
        route->handle(admin, request, params, arena, reply);
        return;
    }
    if (!path_known) {
        endpoint_reply_error(reply, arena, 404, "no such endpoint");
        return;
    }
    struct outbuf allow;
    outbuf_init(&allow, arena, 64);
    list_allowed_methods(request->path, arena, &allow);
    endpoint_reply_error(reply, arena, 405, "method not allowed");
    reply->extra_headers = allow.data;
}

bool admin_wants_body(const struct endpoint_request *request)
{
    struct slice params[max_path_params];
    struct arena scratch;
    arena_init(&scratch, 1024);
    bool wants = false;
    for (size_t i = 0; i < route_count && !wants; i++)
        wants = routes[i].takes_body && slice_eq_cstr(request->method, routes[i].method) &&
                endpoint_path_match(request->path, routes[i].pattern, &scratch, params,
                                    max_path_params);
    arena_free(&scratch);
    return wants;
}
