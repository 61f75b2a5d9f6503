/* Shared by the admin API's router (src/admin.c) and the files that hold its endpoint
 * handlers (src/admin_*.c). Nothing else includes it. */
#ifndef GEOBID_ADMIN_INTERNAL_H
#define GEOBID_ADMIN_INTERNAL_H

#include "geobid/admin.h"

/* Answers one authorized request whose path matched the route's pattern; params holds
 * the pattern's "*" segments, percent-decoded. Fills reply (in arena). */
typedef void admin_handler(const struct admin *admin, const struct endpoint_request *request,
                           const struct slice *params, struct arena *arena,
                           struct endpoint_reply *reply);

/* src/admin_segments.c: POST /v1/segments/{segment}/members, DELETE /v1/users/{user_id}
 * (docs/segments.md). */
admin_handler admin_post_segment_members;
admin_handler admin_delete_user;

/* src/admin_stats.c: GET /v1/campaigns/{id}/stats (docs/campaigns.md, "Rule
 * statistics"). */
admin_handler admin_campaign_stats;

#endif
