/* Privacy: turns a request's consent signals (GDPR/TCF v2, US Privacy, GPP, COPPA,
 * limit-ad-tracking) into what the later stages may use about the person, and removes
 * from the decoded request what they may not (docs/privacy.md has the rules as a table).
 *
 * The rules, each of which can only take permissions away:
 * - GDPR applies when regs.gdpr is 1, or when it is absent and either the policy says so
 *   (--gdpr-default 1) or regs.gpp_sid lists the TCF EU section (2). Then the TCF string
 *   (user.consent, else the GPP string's TCF EU section) decides: `personalize` needs
 *   consent for purposes 3 and 4 and our vendor's consent; `store_ids` needs purpose 1
 *   and our vendor's consent; `precise_geo` needs special feature 1. A publisher
 *   restriction on our vendor of type 0 (not allowed) or 2 (legitimate interest only,
 *   which these purposes cannot use) removes the purpose. Without a vendor id, a missing
 *   string, or one that does not decode (longer than 8 KiB included): nothing.
 * - US Privacy opt-out of sale ("1-Y-"), or a GPP US section (6-27) that applies (listed
 *   in regs.gpp_sid, or any when it is absent) saying opt-out of sale, sharing or
 *   targeted advertising: no `personalize`, no `store_ids`. A US Privacy or GPP string
 *   that cannot be read counts as an opt-out.
 * - regs.coppa = 1: nothing (contextual only).
 * - device.lmt = 1 or device.dnt = 1: no `personalize`, no `store_ids`. */
#ifndef GEOBID_PRIVACY_H
#define GEOBID_PRIVACY_H

#include "geobid/arena.h"
#include "geobid/bid_request.h"

#include <stdbool.h>
#include <stdint.h>

/* What a request allows. Every stage after decoding honours it. */
struct permissions {
    bool personalize;     /* segments and user-level audience rules */
    bool store_ids;       /* profile store reads/writes, frequency caps keyed by the user */
    bool precise_geo;     /* lat/lon used as a precise location */
    bool contextual_only; /* nothing about the person: page/app context and coarse geo */
};

/* How this deployment reads the signals. All zero is valid: no vendor id (GDPR traffic
 * is contextual only), and an absent regs.gdpr means GDPR does not apply. */
struct privacy_policy {
    uint16_t vendor_id; /* our IAB Global Vendor List id (--vendor-id); 0: none */
    bool gdpr_default;  /* whether GDPR applies when regs.gdpr is absent (--gdpr-default) */
};

/* A location without precise_geo: lat/lon rounded to 2 decimals (0.01° is 1.1 km of
 * latitude), and an uncertainty of at least this many metres. */
enum { PRIVACY_COARSE_UNCERTAINTY_M = 1000 };

/* Returns what request's signals allow under policy, by the rules above; contextual_only
 * is true exactly when the three others are false. Reads request only. */
struct permissions privacy_permissions(const struct privacy_policy *policy,
                                       const struct bid_request *request);

/* The privacy stage, run right after decoding and before anything else reads request:
 * computes privacy_permissions() and removes from request what they do not allow, so
 * that no later stage (geo resolution included) can use it by mistake:
 * - without store_ids: user.id, user.buyeruid and device.ifa are emptied;
 * - without personalize: user.data, user.yob, user.gender and user.keywords are emptied;
 * - without precise_geo: the lat/lon of device.geo and user.geo are rounded to 2
 *   decimals and their accuracy raised to PRIVACY_COARSE_UNCERTAINTY_M, so the location
 *   resolved from them is coarse (a GeoIP location is coarse already: its uncertainty
 *   is the database's accuracy radius, in whole kilometres);
 * - without precise_geo (so with coppa too), or with lmt or dnt: device.ip keeps its
 *   /24 and device.ipv6 its /48 (the rest zeroed, the text rebuilt in arena); an
 *   address that does not parse is emptied.
 * Returns the permissions. */
struct permissions privacy_apply(const struct privacy_policy *policy,
                                 struct bid_request *request, struct arena *arena);

#endif
