/* TCF v2 core segment decoding; see include/geobid/tcf.h. Field widths and order follow
 * the IAB's "Transparency and Consent String and Global Vendor List Format" v2. */
#include "geobid/tcf.h"

#include "consent_bits_internal.h"

#include <string.h>

/* Field widths in bits. */
enum {
    VERSION_BITS = 6,
    TIMESTAMP_BITS = 36,
    CMP_ID_BITS = 12,
    CMP_VERSION_BITS = 12,
    CONSENT_SCREEN_BITS = 6,
    LETTER_BITS = 6,
    VENDOR_LIST_VERSION_BITS = 12,
    POLICY_VERSION_BITS = 6,
    SPECIAL_FEATURE_BITS = 12,
    PURPOSE_BITS = 24,
    VENDOR_ID_BITS = 16,
    NUM_ENTRIES_BITS = 12,
    RESTRICTION_PURPOSE_BITS = 6,
    RESTRICTION_TYPE_BITS = 2,
};

enum { TCF_VERSION = 2, RESTRICTION_TYPE_UNDEFINED = 3 };

/* ---- decoding ------------------------------------------------------------------------ */

static bool read_flag(struct consent_bits *bits)
{
    return consent_bits_read(bits, 1) != 0;
}

/* Reads two 6-bit letters (a=0 ... z=25) into out as upper case, '?' for a bad letter. */
static void read_letters(struct consent_bits *bits, char out[3])
{
    for (int i = 0; i < 2; i++) {
        uint64_t letter = consent_bits_read(bits, LETTER_BITS);
        out[i] = letter < 26 ? (char)('A' + letter) : '?';
    }
    out[2] = '\0';
}

/* Reads the fixed fields, from Created to PublisherCC (Version already read). */
static void read_fixed_fields(struct consent_bits *bits, struct tcf_consent *out)
{
    out->created_ds = consent_bits_read(bits, TIMESTAMP_BITS);
    out->last_updated_ds = consent_bits_read(bits, TIMESTAMP_BITS);
    out->cmp_id = (uint16_t)consent_bits_read(bits, CMP_ID_BITS);
    out->cmp_version = (uint16_t)consent_bits_read(bits, CMP_VERSION_BITS);
    out->consent_screen = (uint8_t)consent_bits_read(bits, CONSENT_SCREEN_BITS);
    read_letters(bits, out->consent_language);
    out->vendor_list_version = (uint16_t)consent_bits_read(bits, VENDOR_LIST_VERSION_BITS);
    out->policy_version = (uint8_t)consent_bits_read(bits, POLICY_VERSION_BITS);
    out->is_service_specific = read_flag(bits);
    out->use_non_standard_texts = read_flag(bits);
    out->special_feature_optins = (uint16_t)consent_bits_read(bits, SPECIAL_FEATURE_BITS);
    out->purpose_consents = (uint32_t)consent_bits_read(bits, PURPOSE_BITS);
    out->purpose_legitimate_interests = (uint32_t)consent_bits_read(bits, PURPOSE_BITS);
    out->purpose_one_treatment = read_flag(bits);
    read_letters(bits, out->publisher_cc);
}

/* Reads one range entry: IsARange, StartOrOnlyVendorId, [EndVendorId]. Returns false
 * when the bits end or the entry is not an ascending range of ids from 1 to max_id. */
static bool read_range_entry(struct consent_bits *bits, uint16_t max_id, uint16_t *first,
                             uint16_t *last)
{
    bool is_range = read_flag(bits);
    *first = (uint16_t)consent_bits_read(bits, VENDOR_ID_BITS);
    *last = is_range ? (uint16_t)consent_bits_read(bits, VENDOR_ID_BITS) : *first;
    return !bits->failed && *first >= 1 && *first <= *last && *last <= max_id;
}

/* Checks count range entries from the current position and steps over them, setting
 * *covers when one lists vendor (vendor 0 is never listed). Returns false at the first
 * bad entry. */
static bool read_range_entries(struct consent_bits *bits, size_t count, uint16_t max_id,
                               unsigned vendor, bool *covers)
{
    uint16_t first, last;
    for (size_t i = 0; i < count; i++) {
        if (!read_range_entry(bits, max_id, &first, &last))
            return false;
        *covers |= vendor >= first && vendor <= last;
    }
    return true;
}

static enum tcf_status read_vendor_section(struct consent_bits *bits,
                                           struct tcf_vendor_section *out)
{
    out->max_vendor_id = (uint16_t)consent_bits_read(bits, VENDOR_ID_BITS);
    out->is_range = read_flag(bits);
    out->range_count = out->is_range ? (uint16_t)consent_bits_read(bits, NUM_ENTRIES_BITS) : 0;
    out->entries_bit = bits->position;
    bool unused = false;
    if (!out->is_range)
        consent_bits_skip(bits, out->max_vendor_id);
    else if (!bits->failed &&
             !read_range_entries(bits, out->range_count, out->max_vendor_id, 0, &unused))
        return bits->failed ? TCF_TRUNCATED : TCF_BAD_VENDOR_RANGE;
    return bits->failed ? TCF_TRUNCATED : TCF_OK;
}

/* Checks every publisher restriction (PurposeId, RestrictionType, vendor ranges) and
 * records in out->restricted_purposes those that list out->restricted_vendor. */
static enum tcf_status read_restrictions(struct consent_bits *bits, struct tcf_consent *out)
{
    memset(out->restricted_purposes, 0, sizeof(out->restricted_purposes));
    for (size_t i = 0; i < out->restriction_count; i++) {
        uint64_t purpose = consent_bits_read(bits, RESTRICTION_PURPOSE_BITS);
        uint64_t type = consent_bits_read(bits, RESTRICTION_TYPE_BITS);
        size_t entries = (size_t)consent_bits_read(bits, NUM_ENTRIES_BITS);
        bool listed = false;
        if (bits->failed)
            return TCF_TRUNCATED;
        if (purpose == 0 || type == RESTRICTION_TYPE_UNDEFINED ||
            !read_range_entries(bits, entries, UINT16_MAX, out->restricted_vendor, &listed))
            return bits->failed ? TCF_TRUNCATED : TCF_BAD_RESTRICTION;
        if (listed)
            out->restricted_purposes[type] |= UINT64_C(1) << (purpose - 1);
    }
    return TCF_OK;
}

enum tcf_status tcf_decode(struct slice text, uint16_t vendor, struct tcf_consent *out)
{
    struct consent_bits bits;
    if (text.len > TCF_MAX_TEXT_LEN)
        return TCF_TOO_LONG;
    out->core = consent_first_segment(text);
    out->restricted_vendor = vendor;
    if (out->core.len == 0)
        return TCF_EMPTY;
    if (!consent_bits_init(&bits, out->core))
        return TCF_NOT_BASE64URL;
    uint64_t version = consent_bits_read(&bits, VERSION_BITS);
    if (!bits.failed && version != TCF_VERSION)
        return TCF_UNSUPPORTED_VERSION;
    read_fixed_fields(&bits, out);
    if (bits.failed)
        return TCF_TRUNCATED;
    enum tcf_status status = read_vendor_section(&bits, &out->vendor_consents);
    if (status == TCF_OK)
        status = read_vendor_section(&bits, &out->vendor_legitimate_interests);
    if (status != TCF_OK)
        return status;
    out->restriction_count = (uint16_t)consent_bits_read(&bits, NUM_ENTRIES_BITS);
    return bits.failed ? TCF_TRUNCATED : read_restrictions(&bits, out);
}

const char *tcf_strerror(enum tcf_status status)
{
    switch (status) {
    case TCF_OK:
        return "valid consent string";
    case TCF_EMPTY:
        return "empty consent string";
    case TCF_TOO_LONG:
        return "consent string too long";
    case TCF_NOT_BASE64URL:
        return "consent string is not base64url";
    case TCF_TRUNCATED:
        return "consent string truncated";
    case TCF_UNSUPPORTED_VERSION:
        return "consent string is not TCF version 2";
    case TCF_BAD_VENDOR_RANGE:
        return "bad vendor range in consent string";
    case TCF_BAD_RESTRICTION:
        return "bad publisher restriction in consent string";
    }
    return "unknown status";
}

/* ---- questions ----------------------------------------------------------------------- */

/* Bit n-1 of a field of width bits read as an integer (whose first bit is its top bit). */
static bool field_has(uint32_t field, unsigned width, unsigned n)
{
    return n >= 1 && n <= width && ((field >> (width - n)) & 1u);
}

bool tcf_purpose_consent(const struct tcf_consent *consent, unsigned purpose)
{
    return field_has(consent->purpose_consents, PURPOSE_BITS, purpose);
}

bool tcf_purpose_legitimate_interest(const struct tcf_consent *consent, unsigned purpose)
{
    return field_has(consent->purpose_legitimate_interests, PURPOSE_BITS, purpose);
}

bool tcf_special_feature(const struct tcf_consent *consent, unsigned feature)
{
    return field_has(consent->special_feature_optins, SPECIAL_FEATURE_BITS, feature);
}

static bool vendor_listed(const struct tcf_consent *consent,
                          const struct tcf_vendor_section *section, unsigned vendor)
{
    if (vendor == 0 || vendor > section->max_vendor_id)
        return false;
    struct consent_bits bits = consent_bits_at_position(consent->core, section->entries_bit);
    if (!section->is_range)
        return consent_bits_bit(&bits, section->entries_bit + vendor - 1) != 0;
    bool listed = false; /* the entries were checked by tcf_decode() */
    read_range_entries(&bits, section->range_count, UINT16_MAX, vendor, &listed);
    return listed;
}

bool tcf_vendor_consent(const struct tcf_consent *consent, unsigned vendor)
{
    return vendor_listed(consent, &consent->vendor_consents, vendor);
}

bool tcf_vendor_legitimate_interest(const struct tcf_consent *consent, unsigned vendor)
{
    return vendor_listed(consent, &consent->vendor_legitimate_interests, vendor);
}

bool tcf_publisher_restricts(const struct tcf_consent *consent, unsigned purpose,
                             enum tcf_restriction_type type)
{
    return (unsigned)type < RESTRICTION_TYPE_UNDEFINED && purpose >= 1 && purpose <= 63 &&
           ((consent->restricted_purposes[type] >> (purpose - 1)) & 1u);
}
