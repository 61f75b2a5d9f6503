/* IAB Global Privacy Platform strings (regs.gpp): the header that lists the sections, the
 * sections themselves as text, and what the US sections say about opting out.
 *
 * A GPP string is "header~section~section...": the header (base64url) holds Type = 3,
 * Version = 1 and the ids of the sections that follow, in the same order (a Fibonacci
 * coded range). Parsing is allocation-free: the parsed struct holds slices into the
 * text, which must outlive it. Section 2 (TCF EU v2) is a TCF string for tcf_decode()
 * and section 6 (US Privacy v1) a "1YNN" string; the others are read here. */
#ifndef GEOBID_GPP_H
#define GEOBID_GPP_H

#include "geobid/slice.h"

#include <stddef.h>
#include <stdint.h>

/* The section ids geobid reads elsewhere. US National is 7; the US states are 8-27. */
enum {
    GPP_SECTION_TCF_EU_V2 = 2,
    GPP_SECTION_US_PRIVACY = 6,
    GPP_SECTION_US_NATIONAL = 7,
};

/* More sections than any string has: 24 ids are defined today. */
enum { GPP_MAX_SECTIONS = 32 };

/* The longest GPP string parsed: real ones are under 3 KB, and a longer one could only
 * cost CPU (its TCF section is decoded, its US sections read). */
enum { GPP_MAX_TEXT_LEN = 8192 };

enum gpp_status {
    GPP_OK = 0,
    GPP_EMPTY,                  /* no header */
    GPP_TOO_LONG,               /* longer than GPP_MAX_TEXT_LEN */
    GPP_NOT_BASE64URL,          /* a header byte outside A-Z a-z 0-9 - _ */
    GPP_TRUNCATED,              /* the header ends inside a field */
    GPP_NOT_A_HEADER,           /* Type is not 3 */
    GPP_UNSUPPORTED_VERSION,    /* Version is not 1 */
    GPP_BAD_SECTION_IDS,        /* a Fibonacci code too long for a section id, or ids not
                                   ascending */
    GPP_TOO_MANY_SECTIONS,      /* more than GPP_MAX_SECTIONS ids */
    GPP_SECTION_COUNT_MISMATCH, /* the header lists more or fewer sections than follow, or
                                   one is empty */
};

/* Returns a short English description of status ("GPP header truncated"). */
const char *gpp_strerror(enum gpp_status status);

struct gpp_string {
    size_t section_count;
    uint16_t section_ids[GPP_MAX_SECTIONS];  /* ascending, as the header lists them */
    struct slice sections[GPP_MAX_SECTIONS]; /* the text of each (into the input) */
};

/* Parses text into out, reading no byte outside it. Returns GPP_OK, or why the string
 * is refused (out is then unspecified). Sections are not decoded. */
enum gpp_status gpp_parse(struct slice text, struct gpp_string *out);

/* Returns the text of the section with id section_id, or an empty slice when the string
 * has none. */
struct slice gpp_section(const struct gpp_string *gpp, unsigned section_id);

/* What a US section says about selling the person's data and using it for targeted
 * advertising (or "sharing", California's cross-context behavioural advertising). */
enum gpp_us_choice {
    GPP_US_NOT_A_US_SECTION, /* section_id is not 7..27 */
    GPP_US_NO_OPT_OUT,       /* no opt-out (or not applicable) */
    GPP_US_OPTED_OUT,        /* opted out of sale, sharing or targeted advertising */
    GPP_US_UNREADABLE,       /* not base64url, too short, an unknown version, or an
                                undefined value: a caller should assume an opt-out */
};

/* Reads the opt-out fields of the US section section_id (7 US National, 8-27 the
 * states) from its text: the core segment, up to the first '.'. Reads no byte outside
 * section. */
enum gpp_us_choice gpp_us_choice(unsigned section_id, struct slice section);

#endif
