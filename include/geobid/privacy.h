/* Privacy: turns a request's consent signals (GDPR/TCF v2, US Privacy, GPP, COPPA,
 * limit-ad-tracking) into what the later stages may use about the person. */
#ifndef GEOBID_PRIVACY_H
#define GEOBID_PRIVACY_H

#include <stdbool.h>

/* What a request allows. Every stage after decoding honours it. */
struct permissions {
    bool personalize;     /* segments and user-level audience rules */
    bool store_ids;       /* profile store reads/writes, frequency caps keyed by the user */
    bool precise_geo;     /* lat/lon used as a precise location */
    bool contextual_only; /* nothing about the person: page/app context and coarse geo */
};

#endif
