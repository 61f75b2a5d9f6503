/* The readers of a campaign's delivery fields (src/campaign_delivery.c), for the rows of
 * campaign_fields[] in src/campaign.c. Each reads one field into the struct
 * campaign_delivery at out (the row's offset is that of struct campaign.delivery).
 * Nothing outside the campaign loader includes this header. */
#ifndef GEOBID_CAMPAIGN_DELIVERY_H
#define GEOBID_CAMPAIGN_DELIVERY_H

#include "campaign_loader.h"

#include "geobid/campaign.h"

/* "budget": {"daily", "total"}, amounts in the campaign's currency, at least one. */
field_reader read_budget;

/* "pacing": "even" or "asap". */
field_reader read_pacing;

/* "frequency_cap": {"max", "window_s", "require_user"}. */
field_reader read_frequency_cap;

/* "flight": {"start", "end"}, RFC 3339 date-times, at least one; end after start. */
field_reader read_flight;

/* "timezone": an IANA time zone name known to the system's tz database. */
field_reader read_timezone;

#endif
