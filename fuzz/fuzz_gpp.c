/* Fuzz target of the GPP string parser and its US section reader (libFuzzer; also
 * linked into fuzz/replay.c).
 *
 * One run parses the input as regs.gpp. A refused string must say why with a status of
 * its own; an accepted one must list at most GPP_MAX_SECTIONS ids, ascending from 1, one
 * non-empty section per id, the sections tiling the input after the header ('~' between
 * them, none inside). Every section is then read as what its id says (US opt-outs, the
 * TCF EU section decoded), without reading outside the input: it is copied into a
 * buffer of exactly its size, so ASan flags any over-read. */
#include "geobid/gpp.h"
#include "geobid/tcf.h"
#include "request_invariants.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_sections(const struct gpp_string *gpp, const char *text, size_t size)
{
    const char *end = text + size;
    for (size_t i = 0; i < gpp->section_count; i++) {
        struct slice section = gpp->sections[i];
        FUZZ_CHECK(gpp->section_ids[i] >= 1);
        FUZZ_CHECK(i == 0 || gpp->section_ids[i] > gpp->section_ids[i - 1]);
        FUZZ_CHECK(section.len > 0 && section.ptr > text && section.ptr + section.len <= end);
        FUZZ_CHECK(section.ptr[-1] == '~' && memchr(section.ptr, '~', section.len) == NULL);
        FUZZ_CHECK(i + 1 < gpp->section_count || section.ptr + section.len == end);
        FUZZ_CHECK(gpp_section(gpp, gpp->section_ids[i]).ptr == section.ptr);
        enum gpp_us_choice choice = gpp_us_choice(gpp->section_ids[i], section);
        FUZZ_CHECK(choice >= GPP_US_NOT_A_US_SECTION && choice <= GPP_US_UNREADABLE);
        FUZZ_CHECK((choice == GPP_US_NOT_A_US_SECTION) ==
                   (gpp->section_ids[i] < GPP_SECTION_US_NATIONAL || gpp->section_ids[i] > 27));
        struct tcf_consent consent;
        if (gpp->section_ids[i] == GPP_SECTION_TCF_EU_V2 && tcf_decode(section, 42, &consent) == TCF_OK)
            (void)tcf_vendor_consent(&consent, 42);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct gpp_string gpp;
    const char *text = (const char *)data;
    enum gpp_status status = gpp_parse((struct slice){text, size}, &gpp);
    FUZZ_CHECK(status >= GPP_OK && status <= GPP_SECTION_COUNT_MISMATCH);
    FUZZ_CHECK((status == GPP_TOO_LONG) == (size > GPP_MAX_TEXT_LEN));
    FUZZ_CHECK(gpp_strerror(status)[0] != '\0');
    if (status != GPP_OK)
        return 0;
    FUZZ_CHECK(gpp.section_count <= GPP_MAX_SECTIONS);
    size_t header_len = gpp.section_count ? (size_t)(gpp.sections[0].ptr - 1 - text) : size;
    FUZZ_CHECK(header_len > 0 && memchr(text, '~', header_len) == NULL);
    check_sections(&gpp, text, size);
    return 0;
}
