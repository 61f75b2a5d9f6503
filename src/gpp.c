/* GPP header parsing and US section opt-outs; see include/geobid/gpp.h. Layouts follow
 * the IAB Tech Lab's "Global Privacy Platform String" v1 and its US section specs. */
#include "geobid/gpp.h"

#include "consent_bits_internal.h"

#include <stdbool.h>
#include <string.h>

enum { GPP_HEADER_TYPE = 3, GPP_VERSION = 1 };

enum {
    TYPE_BITS = 6,
    VERSION_BITS = 6,
    NUM_ENTRIES_BITS = 12,
    OPT_OUT_BITS = 2,
    /* A Fibonacci code of 24 value bits reaches 75024: past any 16-bit section id. */
    MAX_FIBONACCI_VALUE_BITS = 24,
};

/* ---- header ---------------------------------------------------------------------------- */

/* Reads one Fibonacci-coded integer (value bits weighted 1, 2, 3, 5, 8 ..., ended by the
 * second of two consecutive 1 bits) into *value, which is then at least 1. Returns false
 * when the bits end first (bits->failed) or the code is too long for a section id. */
static bool read_fibonacci(struct consent_bits *bits, uint32_t *value)
{
    uint32_t sum = 0, weight = 1, next_weight = 2;
    unsigned previous = 0;
    for (unsigned i = 0; i <= MAX_FIBONACCI_VALUE_BITS; i++) {
        unsigned bit = (unsigned)consent_bits_read(bits, 1);
        if (bits->failed)
            return false;
        if (bit && previous) {
            *value = sum;
            return true;
        }
        sum += bit ? weight : 0;
        uint32_t following = weight + next_weight;
        weight = next_weight;
        next_weight = following;
        previous = bit;
    }
    return false;
}

/* Appends the ids first..last to out. */
static enum gpp_status add_section_ids(struct gpp_string *out, uint32_t first, uint32_t last)
{
    if (last > UINT16_MAX)
        return GPP_BAD_SECTION_IDS;
    for (uint32_t id = first; id <= last; id++) {
        if (out->section_count == GPP_MAX_SECTIONS)
            return GPP_TOO_MANY_SECTIONS;
        out->section_ids[out->section_count++] = (uint16_t)id;
    }
    return GPP_OK;
}

/* Reads one entry of the Fibonacci range (IsRange, offset from the last id, [length])
 * and appends its ids. */
static enum gpp_status read_section_entry(struct consent_bits *bits, struct gpp_string *out,
                                          uint32_t *last_id)
{
    bool is_range = consent_bits_read(bits, 1) != 0;
    uint32_t offset = 0, length = 0;
    if (!read_fibonacci(bits, &offset) || (is_range && !read_fibonacci(bits, &length)))
        return bits->failed ? GPP_TRUNCATED : GPP_BAD_SECTION_IDS;
    uint32_t first = *last_id + offset;
    *last_id = first + length;
    return add_section_ids(out, first, *last_id);
}

static enum gpp_status parse_header(struct slice header, struct gpp_string *out)
{
    struct consent_bits bits;
    if (header.len == 0)
        return GPP_EMPTY;
    if (!consent_bits_init(&bits, header))
        return GPP_NOT_BASE64URL;
    uint64_t type = consent_bits_read(&bits, TYPE_BITS);
    uint64_t version = consent_bits_read(&bits, VERSION_BITS);
    size_t entries = (size_t)consent_bits_read(&bits, NUM_ENTRIES_BITS);
    if (bits.failed)
        return GPP_TRUNCATED;
    if (type != GPP_HEADER_TYPE)
        return GPP_NOT_A_HEADER;
    if (version != GPP_VERSION)
        return GPP_UNSUPPORTED_VERSION;
    out->section_count = 0;
    uint32_t last_id = 0;
    enum gpp_status status = GPP_OK;
    for (size_t i = 0; i < entries && status == GPP_OK; i++)
        status = read_section_entry(&bits, out, &last_id);
    return status;
}

/* Returns the text from start up to the next '~' (or the end of text). */
static struct slice until_tilde(struct slice text, size_t start)
{
    const char *tilde = memchr(text.ptr + start, '~', text.len - start);
    size_t end = tilde ? (size_t)(tilde - text.ptr) : text.len;
    return (struct slice){text.ptr + start, end - start};
}

/* Fills out->sections with the '~'-separated texts after the header, one per id. */
static enum gpp_status split_sections(struct slice text, size_t header_len,
                                      struct gpp_string *out)
{
    size_t position = header_len;
    for (size_t i = 0; i < out->section_count; i++) {
        if (position >= text.len) /* fewer sections than ids */
            return GPP_SECTION_COUNT_MISMATCH;
        out->sections[i] = until_tilde(text, position + 1);
        if (out->sections[i].len == 0)
            return GPP_SECTION_COUNT_MISMATCH;
        position += 1 + out->sections[i].len;
    }
    return position == text.len ? GPP_OK : GPP_SECTION_COUNT_MISMATCH;
}

enum gpp_status gpp_parse(struct slice text, struct gpp_string *out)
{
    if (text.len == 0)
        return GPP_EMPTY;
    if (text.len > GPP_MAX_TEXT_LEN)
        return GPP_TOO_LONG;
    struct slice header = until_tilde(text, 0);
    enum gpp_status status = parse_header(header, out);
    return status == GPP_OK ? split_sections(text, header.len, out) : status;
}

struct slice gpp_section(const struct gpp_string *gpp, unsigned section_id)
{
    for (size_t i = 0; i < gpp->section_count; i++)
        if (gpp->section_ids[i] == section_id)
            return gpp->sections[i];
    return (struct slice){NULL, 0};
}

const char *gpp_strerror(enum gpp_status status)
{
    switch (status) {
    case GPP_OK:
        return "valid GPP string";
    case GPP_EMPTY:
        return "empty GPP string";
    case GPP_TOO_LONG:
        return "GPP string too long";
    case GPP_NOT_BASE64URL:
        return "GPP header is not base64url";
    case GPP_TRUNCATED:
        return "GPP header truncated";
    case GPP_NOT_A_HEADER:
        return "GPP string does not start with a header";
    case GPP_UNSUPPORTED_VERSION:
        return "GPP version is not 1";
    case GPP_BAD_SECTION_IDS:
        return "bad section ids in GPP header";
    case GPP_TOO_MANY_SECTIONS:
        return "too many sections in GPP string";
    case GPP_SECTION_COUNT_MISMATCH:
        return "GPP sections do not match the header";
    }
    return "unknown status";
}

/* ---- US sections ----------------------------------------------------------------------- */

/* Where a US section's opt-out fields are: each is 2 bits, 0 not applicable, 1 opted
 * out, 2 did not opt out (3 undefined). Offsets count from the section's first bit; 0
 * marks an unused slot (bit 0 is always the version). */
struct us_section_layout {
    uint8_t max_version;
    uint8_t opt_out_bits[3];
};

enum { FIRST_US_SECTION = GPP_SECTION_US_NATIONAL, LAST_US_SECTION = 27 };

/* Indexed by section id - 7. Most states: Version, three notices, then SaleOptOut and
 * TargetedAdvertisingOptOut; Utah and Iowa have a fourth notice; Maryland, Indiana,
 * Kentucky and Rhode Island start with MspaVersion, MspaCoveredTransaction, MspaMode. */
static const struct us_section_layout US_SECTIONS[] = {
    {2, {18, 20, 22}}, /*  7 usnat: SaleOptOut, SharingOptOut, TargetedAdvertisingOptOut */
    {1, {12, 14}},     /*  8 usca: SaleOptOut, SharingOptOut */
    {1, {12, 14}},     /*  9 usva */
    {1, {12, 14}},     /* 10 usco */
    {1, {14, 16}},     /* 11 usut */
    {1, {12, 14}},     /* 12 usct */
    {1, {12, 14}},     /* 13 usfl */
    {1, {12, 14}},     /* 14 usmt */
    {1, {12, 14}},     /* 15 usor */
    {1, {12, 14}},     /* 16 ustx */
    {1, {12, 14}},     /* 17 usde */
    {1, {14, 16}},     /* 18 usia */
    {1, {12, 14}},     /* 19 usne */
    {1, {12, 14}},     /* 20 usnh */
    {1, {12, 14}},     /* 21 usnj */
    {1, {12, 14}},     /* 22 ustn */
    {1, {12, 14}},     /* 23 usmn */
    {1, {16, 18}},     /* 24 usmd */
    {1, {16, 18}},     /* 25 usin */
    {1, {16, 18}},     /* 26 usky */
    {1, {16, 18}},     /* 27 usri */
};

_Static_assert(sizeof(US_SECTIONS) / sizeof(US_SECTIONS[0]) ==
                   LAST_US_SECTION - FIRST_US_SECTION + 1,
               "one layout per US section id");

/* Reads the 2-bit field at offset; returns its value, or -1 past the end. */
static int read_field_at(struct slice core, size_t offset)
{
    struct consent_bits bits = consent_bits_at_position(core, offset);
    uint64_t value = consent_bits_read(&bits, OPT_OUT_BITS);
    return bits.failed ? -1 : (int)value;
}

static enum gpp_us_choice read_opt_outs(const struct us_section_layout *layout,
                                        struct slice core)
{
    bool opted_out = false;
    for (size_t i = 0; i < sizeof(layout->opt_out_bits) && layout->opt_out_bits[i]; i++) {
        int value = read_field_at(core, layout->opt_out_bits[i]);
        if (value < 0 || value == 3)
            return GPP_US_UNREADABLE;
        opted_out |= value == 1;
    }
    return opted_out ? GPP_US_OPTED_OUT : GPP_US_NO_OPT_OUT;
}

enum gpp_us_choice gpp_us_choice(unsigned section_id, struct slice section)
{
    if (section_id < FIRST_US_SECTION || section_id > LAST_US_SECTION)
        return GPP_US_NOT_A_US_SECTION;
    const struct us_section_layout *layout = &US_SECTIONS[section_id - FIRST_US_SECTION];
    struct slice core = consent_first_segment(section);
    struct consent_bits bits;
    if (!consent_bits_init(&bits, core))
        return GPP_US_UNREADABLE;
    uint64_t version = consent_bits_read(&bits, VERSION_BITS);
    if (bits.failed || version == 0 || version > layout->max_version)
        return GPP_US_UNREADABLE;
    return read_opt_outs(layout, core);
}
