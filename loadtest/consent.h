/* IAB TCF v2 consent strings for the generated requests: a real core segment (layout in
 * shared/reference/privacy-signals.md), so that a bidder that decodes consent sees
 * realistic choices rather than an opaque placeholder. */
#ifndef GEOBID_LOAD_CONSENT_H
#define GEOBID_LOAD_CONSENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The purposes field bit of purpose p (1..24). */
#define TCF_PURPOSE(p) (UINT32_C(1) << (24 - (p)))

struct tcf_choice {
    uint64_t created_ds;       /* deciseconds since the epoch */
    const char *language;      /* two lower-case letters */
    const char *publisher_cc;  /* two upper-case letters */
    uint32_t purposes;         /* the 24-bit field as sent: 1 << (24 - p) = purpose p */
    bool precise_geo;          /* special feature 1 opted in */
    uint16_t max_vendor_id;    /* vendors 1..max_vendor_id consented (0: none) */
};

/* Writes the base64url core segment of choice into out (NUL-terminated). Returns its
 * length, or 0 when size is too small (80 bytes are always enough). */
size_t tcf_encode(const struct tcf_choice *choice, char *out, size_t size);

#endif
