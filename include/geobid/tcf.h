/* IAB TCF v2 consent strings (the "TC string" of user.consent, or of a GPP string's TCF
 * EU v2 section): a decoder of the core segment, which holds everything a bidder needs.
 *
 * The string is base64url (no padding); segments after the first `.` (disclosed vendors,
 * publisher TC) are not read. Decoding reads the bits straight from the text: nothing is
 * allocated or copied, and the decoded struct points into the text, which must outlive
 * it. A vendor list is not expanded: the decoder checks it whole once and remembers where
 * it starts, and each vendor question walks it again, so a request pays only for the
 * vendors it asks about. Publisher restrictions are answered for one vendor, named to
 * the decoder, in the same pass that checks them, so each restriction question is a
 * bit test. A string longer than TCF_MAX_TEXT_LEN is refused unread: real ones are under
 * 3 KB, and a longer one could only cost CPU. A string that does not decode must be
 * taken as no consent at all. */
#ifndef GEOBID_TCF_H
#define GEOBID_TCF_H

#include "geobid/slice.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest consent string decoded (the whole text, later segments included). */
enum { TCF_MAX_TEXT_LEN = 8192 };

enum tcf_status {
    TCF_OK = 0,
    TCF_EMPTY,                /* no core segment at all */
    TCF_TOO_LONG,             /* longer than TCF_MAX_TEXT_LEN */
    TCF_NOT_BASE64URL,        /* a byte of the core segment outside A-Z a-z 0-9 - _ */
    TCF_TRUNCATED,            /* the core segment ends inside a field */
    TCF_UNSUPPORTED_VERSION,  /* Version is not 2 */
    TCF_BAD_VENDOR_RANGE,     /* a range entry outside 1..MaxVendorId, or ending before it starts */
    TCF_BAD_RESTRICTION,      /* a publisher restriction for purpose 0, of the undefined
                                 type 3, or with a bad vendor range */
};

/* Returns a short English description of status ("consent string truncated"). */
const char *tcf_strerror(enum tcf_status status);

/* Publisher restriction types (RestrictionType, 2 bits). 3 is undefined. */
enum tcf_restriction_type {
    TCF_RESTRICTION_NOT_ALLOWED = 0,
    TCF_RESTRICTION_REQUIRE_CONSENT = 1,
    TCF_RESTRICTION_REQUIRE_LEGITIMATE_INTEREST = 2,
};

/* Where one vendor section (consents, or legitimate interests) lies in the string. */
struct tcf_vendor_section {
    uint16_t max_vendor_id;
    bool is_range;            /* range entries, else a bitfield of max_vendor_id bits */
    uint16_t range_count;     /* NumEntries (range encoding only) */
    size_t entries_bit;       /* bit offset of the bitfield or of the first range entry */
};

struct tcf_consent {
    struct slice core;                  /* the core segment's text (into the input) */
    uint64_t created_ds, last_updated_ds; /* deciseconds since 1970-01-01 UTC */
    uint16_t cmp_id, cmp_version;
    uint8_t consent_screen;
    char consent_language[3];           /* two letters and a NUL ('?' for a bad letter) */
    uint16_t vendor_list_version;
    uint8_t policy_version;
    bool is_service_specific;
    bool use_non_standard_texts;
    uint16_t special_feature_optins;    /* bit n-1: special feature n opted in */
    uint32_t purpose_consents;          /* bit n-1: consent for purpose n */
    uint32_t purpose_legitimate_interests;
    bool purpose_one_treatment;
    char publisher_cc[3];               /* two letters and a NUL */
    struct tcf_vendor_section vendor_consents;
    struct tcf_vendor_section vendor_legitimate_interests;
    uint16_t restriction_count;         /* NumPubRestrictions */
    uint16_t restricted_vendor;         /* the vendor the restrictions were read for */
    uint64_t restricted_purposes[3];    /* per tcf_restriction_type: bit p-1 set when a
                                           restriction of that type on purpose p (1..63)
                                           lists restricted_vendor */
};

/* Decodes the core segment of text (up to its first '.', or all of it) into out, checking
 * every field, vendor section and publisher restriction, and reading no byte outside
 * text; records which purposes the publisher restrictions take from vendor (0: none
 * does). Returns TCF_OK, or why the string is refused (out is then unspecified). */
enum tcf_status tcf_decode(struct slice text, uint16_t vendor, struct tcf_consent *out);

/* True when the string gives consent for purpose (1..24). */
bool tcf_purpose_consent(const struct tcf_consent *consent, unsigned purpose);

/* True when the string establishes legitimate interest for purpose (1..24). */
bool tcf_purpose_legitimate_interest(const struct tcf_consent *consent, unsigned purpose);

/* True when special feature (1..12) is opted in; 1 is precise geolocation. */
bool tcf_special_feature(const struct tcf_consent *consent, unsigned feature);

/* True when vendor (a Global Vendor List id) has consent. Vendor 0 never has. */
bool tcf_vendor_consent(const struct tcf_consent *consent, unsigned vendor);

/* True when vendor has legitimate interest established. Vendor 0 never has. */
bool tcf_vendor_legitimate_interest(const struct tcf_consent *consent, unsigned vendor);

/* True when a publisher restriction of type on purpose lists the vendor given to
 * tcf_decode() (consent->restricted_vendor). Constant time. */
bool tcf_publisher_restricts(const struct tcf_consent *consent, unsigned purpose,
                             enum tcf_restriction_type type);

#endif
