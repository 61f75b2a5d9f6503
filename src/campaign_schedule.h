/* The reader of a campaign's schedule (src/campaign_schedule.c), for its row of
 * campaign_fields[] in src/campaign.c. Nothing outside the campaign loader includes
 * this header. */
#ifndef GEOBID_CAMPAIGN_SCHEDULE_H
#define GEOBID_CAMPAIGN_SCHEDULE_H

#include "campaign_loader.h"

/* "schedule": {"days": [...], "hours": [[start, end], ...], "timezone": "user" | IANA}
 * into the struct schedule at out (schedule.h, docs/campaigns.md). */
field_reader read_schedule;

#endif
