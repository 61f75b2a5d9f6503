/* Fuzz target of the TCF v2 consent string decoder (libFuzzer; also linked into
 * fuzz/replay.c).
 *
 * One run decodes the input as a consent string. A refused string must say why with a
 * status of its own; an accepted one must have a non-empty core segment at the start of
 * the input and without a '.', decode the same from that core alone, and answer every
 * question (purposes, special features, vendors on both sides of MaxVendorId,
 * publisher restrictions, the same for any vendor they are read for) without reading
 * outside the input: it is copied into a buffer of exactly its size, so ASan flags any
 * over-read. */
#include "geobid/tcf.h"
#include "request_invariants.h"

#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { checked_vendors = 600 }; /* vendors asked about one by one (a range walk each) */
enum { restricted_vendor = 7 };  /* the vendor the restrictions are read for */

static void check_vendor_section(const struct tcf_consent *consent,
                                 const struct tcf_vendor_section *section,
                                 bool (*listed)(const struct tcf_consent *, unsigned))
{
    unsigned max = section->max_vendor_id;
    FUZZ_CHECK(!listed(consent, 0));
    FUZZ_CHECK(!listed(consent, max + 1));
    (void)listed(consent, max);
    for (unsigned vendor = 1; vendor <= max && vendor <= checked_vendors; vendor++)
        (void)listed(consent, vendor);
}

static void check_questions(const struct tcf_consent *consent)
{
    FUZZ_CHECK(!tcf_purpose_consent(consent, 0) && !tcf_purpose_consent(consent, 25));
    FUZZ_CHECK(!tcf_special_feature(consent, 0) && !tcf_special_feature(consent, 13));
    check_vendor_section(consent, &consent->vendor_consents, tcf_vendor_consent);
    check_vendor_section(consent, &consent->vendor_legitimate_interests,
                         tcf_vendor_legitimate_interest);
    FUZZ_CHECK(!tcf_publisher_restricts(consent, 0, TCF_RESTRICTION_NOT_ALLOWED));
    FUZZ_CHECK(!tcf_publisher_restricts(consent, 64, TCF_RESTRICTION_NOT_ALLOWED));
    FUZZ_CHECK(!tcf_publisher_restricts(consent, 1, (enum tcf_restriction_type)3));
    for (unsigned purpose = 1; purpose <= 63; purpose++)
        for (int type = TCF_RESTRICTION_NOT_ALLOWED;
             type <= TCF_RESTRICTION_REQUIRE_LEGITIMATE_INTEREST; type++)
            FUZZ_CHECK(!tcf_publisher_restricts(consent, purpose, (enum tcf_restriction_type)type) ||
                       consent->restriction_count > 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct slice text = {(const char *)data, size};
    struct tcf_consent consent, again;
    enum tcf_status status = tcf_decode(text, restricted_vendor, &consent);
    FUZZ_CHECK(status >= TCF_OK && status <= TCF_BAD_RESTRICTION);
    FUZZ_CHECK((status == TCF_TOO_LONG) == (size > TCF_MAX_TEXT_LEN));
    FUZZ_CHECK(tcf_strerror(status)[0] != '\0');
    if (status != TCF_OK)
        return 0;
    FUZZ_CHECK(consent.core.ptr == text.ptr && consent.core.len > 0 && consent.core.len <= size);
    FUZZ_CHECK(memchr(consent.core.ptr, '.', consent.core.len) == NULL);
    FUZZ_CHECK(tcf_decode(consent.core, restricted_vendor, &again) == TCF_OK);
    FUZZ_CHECK(again.purpose_consents == consent.purpose_consents &&
               again.special_feature_optins == consent.special_feature_optins &&
               again.restriction_count == consent.restriction_count &&
               memcmp(again.restricted_purposes, consent.restricted_purposes,
                      sizeof(again.restricted_purposes)) == 0);
    check_questions(&consent);
    return 0;
}
