/* The reader of a campaign's audience rules (src/campaign_audience.c), for its row of
 * campaign_fields[] in src/campaign.c. Nothing outside the campaign loader includes
 * this header. */
#ifndef GEOBID_CAMPAIGN_AUDIENCE_H
#define GEOBID_CAMPAIGN_AUDIENCE_H

#include "campaign_loader.h"

/* "audience": {"all": [...], "any": [...], "none": [...]} into the struct
 * audience_group at out (audience.h, docs/campaigns.md). */
field_reader read_audience;

#endif
