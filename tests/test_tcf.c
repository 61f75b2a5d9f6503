/* Tests for src/tcf.c: TCF v2 strings encoded by the IAB's @iabtcf/core (see
 * tests/fixtures/consent/make-consent-strings.mjs for what each holds), strings built
 * field by field for what no encoder makes, truncated and garbage strings, every one
 * decoded from memory that ends at a guard page. */
#include "geobid/tcf.h"

#include "consent_fixtures.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

enum { OUR = CONSENT_FIXTURE_OUR_VENDOR };

static struct test_guarded guarded;

static void setup(void)
{
    guarded = test_guarded_alloc(TCF_MAX_TEXT_LEN + 1);
}

static void teardown(void)
{
    test_guarded_free(&guarded);
}

/* Decodes text placed right before the guard page, reading the publisher restrictions
 * for vendor. */
static enum tcf_status decode_for(const char *text, size_t len, uint16_t vendor,
                                  struct tcf_consent *out)
{
    char *copy = test_guarded_place(&guarded, text, len);
    return tcf_decode((struct slice){copy, len}, vendor, out);
}

static enum tcf_status decode_len(const char *text, size_t len, struct tcf_consent *out)
{
    return decode_for(text, len, OUR, out);
}

static enum tcf_status decode(const char *text, struct tcf_consent *out)
{
    return decode_len(text, strlen(text), out);
}

static void decode_fixture_for(const char *fixture, uint16_t vendor, struct tcf_consent *out)
{
    const char *text = consent_fixture(fixture);
    enum tcf_status status = decode_for(text, strlen(text), vendor, out);
    ck_assert_msg(status == TCF_OK, "%s: %s", fixture, tcf_strerror(status));
}

static void decode_ok(const char *fixture, struct tcf_consent *out)
{
    decode_fixture_for(fixture, OUR, out);
}

/* Checks that exactly the ids in expected[0..count) (ascending) have purpose consent
 * among 1..24. */
static void expect_purposes(const struct tcf_consent *consent, const unsigned *expected,
                            size_t count)
{
    size_t next = 0;
    for (unsigned purpose = 0; purpose <= 25; purpose++) {
        bool listed = next < count && expected[next] == purpose;
        next += listed;
        ck_assert_msg(tcf_purpose_consent(consent, purpose) == listed, "purpose %u", purpose);
    }
}

typedef bool vendor_question(const struct tcf_consent *, unsigned);

/* Checks that among vendors 0..up_to exactly those in expected (ascending) answer yes. */
static void expect_vendors(vendor_question *question, const struct tcf_consent *consent,
                           const unsigned *expected, size_t count, unsigned up_to)
{
    size_t next = 0;
    for (unsigned vendor = 0; vendor <= up_to; vendor++) {
        bool listed = next < count && expected[next] == vendor;
        next += listed;
        ck_assert_msg(question(consent, vendor) == listed, "vendor %u", vendor);
    }
    ck_assert_uint_eq(next, count);
}

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static const unsigned ALL_PURPOSES[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

/* ---- strings from @iabtcf/core ------------------------------------------------------- */

START_TEST(full_consent)
{
    struct tcf_consent consent;
    decode_ok("tcf-full-consent", &consent);
    expect_purposes(&consent, ALL_PURPOSES, COUNT(ALL_PURPOSES));
    ck_assert(tcf_special_feature(&consent, 1) && tcf_special_feature(&consent, 2));
    ck_assert(!tcf_special_feature(&consent, 3) && !tcf_special_feature(&consent, 0) &&
              !tcf_special_feature(&consent, 13));
    static const unsigned vendors[] = {10, OUR, 43, 900};
    expect_vendors(tcf_vendor_consent, &consent, vendors, COUNT(vendors), 1000);
    ck_assert(!tcf_vendor_consent(&consent, 65535));
    /* purpose 7 on legitimate interest, as the script sets for every string */
    for (unsigned purpose = 1; purpose <= 24; purpose++)
        ck_assert(tcf_purpose_legitimate_interest(&consent, purpose) == (purpose == 7));
    ck_assert_uint_eq(consent.cmp_id, 300);
    ck_assert_uint_eq(consent.cmp_version, 2);
    ck_assert_uint_eq(consent.consent_screen, 1);
    ck_assert_uint_eq(consent.vendor_list_version, 120);
    ck_assert_uint_eq(consent.policy_version, 4);
    ck_assert(consent.is_service_specific && !consent.use_non_standard_texts);
    ck_assert(!consent.purpose_one_treatment);
    ck_assert_str_eq(consent.publisher_cc, "FR");
    ck_assert_str_eq(consent.consent_language, "EN");
    ck_assert_uint_eq(consent.created_ds, 17172432000u); /* 2024-06-01T12:00:00Z */
    ck_assert_uint_eq(consent.last_updated_ds, 17172432000u);
    ck_assert_uint_eq(consent.restriction_count, 0);
}
END_TEST

START_TEST(no_vendor_consent)
{
    struct tcf_consent consent;
    decode_ok("tcf-no-vendor-consent", &consent);
    static const unsigned vendors[] = {10, 43, 900};
    expect_vendors(tcf_vendor_consent, &consent, vendors, COUNT(vendors), 1000);
    expect_purposes(&consent, ALL_PURPOSES, COUNT(ALL_PURPOSES));
}
END_TEST

START_TEST(purposes_3_and_4_missing)
{
    struct tcf_consent consent;
    decode_ok("tcf-purposes-3-4-missing", &consent);
    static const unsigned purposes[] = {1, 2, 5, 6, 7, 8, 9, 10, 11};
    expect_purposes(&consent, purposes, COUNT(purposes));
    ck_assert(tcf_vendor_consent(&consent, OUR) && tcf_special_feature(&consent, 1));
}
END_TEST

START_TEST(special_feature_1_missing)
{
    struct tcf_consent consent;
    decode_ok("tcf-sf1-missing", &consent);
    ck_assert(!tcf_special_feature(&consent, 1));
    ck_assert(tcf_special_feature(&consent, 2));
    ck_assert(tcf_vendor_consent(&consent, OUR));
    expect_purposes(&consent, ALL_PURPOSES, COUNT(ALL_PURPOSES));
}
END_TEST

START_TEST(publisher_restrictions)
{
    static const struct {
        const char *fixture;
        unsigned purpose;
        enum tcf_restriction_type type;
        unsigned vendor;
        bool restricted;
    } cases[] = {
        {"tcf-restriction-purpose-3", 3, TCF_RESTRICTION_NOT_ALLOWED, OUR, true},
        {"tcf-restriction-purpose-3", 3, TCF_RESTRICTION_NOT_ALLOWED, 43, true},
        {"tcf-restriction-purpose-3", 3, TCF_RESTRICTION_NOT_ALLOWED, 44, false},
        {"tcf-restriction-purpose-3", 4, TCF_RESTRICTION_NOT_ALLOWED, OUR, false},
        {"tcf-restriction-purpose-3", 3, TCF_RESTRICTION_REQUIRE_CONSENT, OUR, false},
        {"tcf-restriction-purpose-1", 1, TCF_RESTRICTION_NOT_ALLOWED, OUR, true},
        {"tcf-restriction-purpose-1", 1, TCF_RESTRICTION_NOT_ALLOWED, 43, false},
        {"tcf-restriction-purpose-1", 3, TCF_RESTRICTION_NOT_ALLOWED, OUR, false},
        {"tcf-restriction-other-vendor", 3, TCF_RESTRICTION_NOT_ALLOWED, 43, true},
        {"tcf-restriction-other-vendor", 3, TCF_RESTRICTION_NOT_ALLOWED, OUR, false},
        {"tcf-restriction-require-li-3", 3, TCF_RESTRICTION_REQUIRE_LEGITIMATE_INTEREST, OUR, true},
        {"tcf-restriction-require-li-3", 3, TCF_RESTRICTION_NOT_ALLOWED, OUR, false},
        {"tcf-full-consent", 3, TCF_RESTRICTION_NOT_ALLOWED, OUR, false},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct tcf_consent consent;
        decode_fixture_for(cases[i].fixture, (uint16_t)cases[i].vendor, &consent);
        ck_assert_uint_eq(consent.restriction_count > 0, strstr(cases[i].fixture, "restriction") != NULL);
        ck_assert_msg(tcf_publisher_restricts(&consent, cases[i].purpose, cases[i].type) ==
                          cases[i].restricted,
                      "case %zu: %s purpose %u type %d vendor %u", i, cases[i].fixture,
                      cases[i].purpose, (int)cases[i].type, cases[i].vendor);
        /* a restriction does not change the consent bits themselves */
        ck_assert(tcf_purpose_consent(&consent, cases[i].purpose));
    }
}
END_TEST

/* Decodes fixture and checks its vendor sections: the consent section's encoding (range
 * or bitfield) and highest vendor id; among vendors 0..up_to, consent from exactly
 * vendors[0..count) and legitimate interest from exactly 5 and OUR. */
static void expect_vendor_sections(const char *fixture, bool is_range, unsigned max_vendor_id,
                                   const unsigned *vendors, size_t count, unsigned up_to)
{
    struct tcf_consent consent;
    decode_ok(fixture, &consent);
    ck_assert(consent.vendor_consents.is_range == is_range);
    ck_assert_uint_eq(consent.vendor_consents.max_vendor_id, max_vendor_id);
    expect_vendors(tcf_vendor_consent, &consent, vendors, count, up_to);
    static const unsigned interests[] = {5, OUR};
    expect_vendors(tcf_vendor_legitimate_interest, &consent, interests, COUNT(interests), up_to);
}

START_TEST(range_encoded_vendors)
{
    static const unsigned vendors[] = {10, OUR, 43, 44, 45, 900};
    expect_vendor_sections("tcf-vendors-range", true, 900, vendors, COUNT(vendors), 1100);
}
END_TEST

START_TEST(bitfield_encoded_vendors)
{
    unsigned even[40];
    for (unsigned i = 0; i < 40; i++)
        even[i] = 2 * (i + 1);
    expect_vendor_sections("tcf-vendors-bitfield", false, 80, even, 40, 200);
}
END_TEST

START_TEST(reject_all)
{
    struct tcf_consent consent;
    decode_ok("tcf-reject-all", &consent);
    expect_purposes(&consent, NULL, 0);
    for (unsigned feature = 1; feature <= 12; feature++)
        ck_assert(!tcf_special_feature(&consent, feature));
    expect_vendors(tcf_vendor_consent, &consent, NULL, 0, 1000);
}
END_TEST

/* The published example of the GPP specification (a TCF EU v2 section), and the TCF
 * section @iabgpp/cmpapi encodes: other encoders, same decoder. */
START_TEST(strings_from_other_encoders)
{
    struct tcf_consent consent;
    ck_assert_int_eq(decode("CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", &consent), TCF_OK);
    ck_assert_uint_eq(consent.cmp_id, 31);
    ck_assert_uint_eq(consent.vendor_list_version, 126);
    const char *gpp = consent_fixture("gpp-tcfeuv2");
    ck_assert_int_eq(decode(strchr(gpp, '~') + 1, &consent), TCF_OK);
    expect_purposes(&consent, ALL_PURPOSES, COUNT(ALL_PURPOSES));
    static const unsigned vendors[] = {OUR, 43};
    expect_vendors(tcf_vendor_consent, &consent, vendors, COUNT(vendors), 200);
    ck_assert(tcf_special_feature(&consent, 1) && !tcf_special_feature(&consent, 2));
}
END_TEST

/* ---- every prefix of every string ---------------------------------------------------- */

/* The fewest bits a core segment can have: fixed fields, two empty bitfield vendor
 * sections, no publisher restriction. */
enum { SMALLEST_CORE_BITS = 213 + 17 + 17 + 12 };

static void check_prefixes(const char *name, const char *text, void *context)
{
    (void)context;
    if (strncmp(name, "tcf-", 4) != 0)
        return;
    struct tcf_consent consent;
    size_t core_len = strcspn(text, ".");
    bool decoded = false;
    ck_assert_int_eq(decode_len(text, 0, &consent), TCF_EMPTY);
    for (size_t len = 1; len <= core_len; len++) {
        enum tcf_status status = decode_len(text, len, &consent);
        ck_assert_msg(status == TCF_OK || status == TCF_TRUNCATED, "%s cut at %zu: %s", name,
                      len, tcf_strerror(status));
        ck_assert_msg(!decoded || status == TCF_OK, "%s: complete, then not at %zu", name, len);
        ck_assert_msg(len * 6 >= SMALLEST_CORE_BITS || status != TCF_OK,
                      "%s cut at %zu decodes", name, len);
        decoded = status == TCF_OK;
    }
    ck_assert_msg(decoded, "%s", name);
}

/* Cut anywhere, a string is either complete (only padding was cut) or truncated, never
 * read past its end, and once complete stays complete. */
START_TEST(truncated_strings_never_read_past_the_end)
{
    consent_fixture_each(check_prefixes, NULL);
}
END_TEST

static void check_segments_ignored(const char *name, const char *text, void *context)
{
    (void)context;
    if (strncmp(name, "tcf-", 4) != 0)
        return;
    struct tcf_consent whole, core;
    ck_assert(strchr(text, '.') != NULL); /* TCF 2.2 strings carry disclosed vendors */
    /* the whole string from the fixture file: the guarded copy is reused below */
    ck_assert_int_eq(tcf_decode(slice_from_cstr(text), OUR, &whole), TCF_OK);
    ck_assert_int_eq(decode_len(text, strcspn(text, "."), &core), TCF_OK);
    ck_assert_uint_eq(whole.core.len, core.core.len);
    for (unsigned vendor = 0; vendor <= 1000; vendor++)
        ck_assert(tcf_vendor_consent(&whole, vendor) == tcf_vendor_consent(&core, vendor));
}

START_TEST(later_segments_are_not_read)
{
    consent_fixture_each(check_segments_ignored, NULL);
    struct tcf_consent consent;
    char text[256];
    snprintf(text, sizeof(text), "%s.!!not base64!!", consent_fixture("tcf-full-consent"));
    ck_assert_int_eq(decode(text, &consent), TCF_OK);
}
END_TEST

START_TEST(garbage_strings)
{
    static const struct {
        const char *text;
        enum tcf_status status;
    } cases[] = {
        {"", TCF_EMPTY},
        {".YAAAAAAAAAAA", TCF_EMPTY},
        {"CP_joSAP_joSAEsACBENB4EsAP_gAAIAAAqIHCQAwAFQ!", TCF_NOT_BASE64URL},
        {"CP_joSAP_joSAEsACBENB4EsAP/gAAIAAAqIHCQAwAFQAqACsBwgAAAAAAAA", TCF_NOT_BASE64URL},
        {"CP_joSAP_joSAEsACBENB4EsAP_gAAIAAAqIHCQAwAFQAqACsBwgAAAAAAAA=", TCF_NOT_BASE64URL},
        {"CP_joSAP joSAEsACBENB4EsAP_gAAIAAAqIHCQAwAFQAqACsBwgAAAAAAAA", TCF_NOT_BASE64URL},
        {"BOEFEAyOEFEAyAHABDENAI4AAAB9vABAASA", TCF_UNSUPPORTED_VERSION}, /* TCF v1.1 */
        {"AAAAAAAA", TCF_UNSUPPORTED_VERSION},
        {"D", TCF_UNSUPPORTED_VERSION},
        {"C", TCF_TRUNCATED},
        {"CP_joSAP_joSAEsACBENB4EsAP_gAAIAAAqIHCQ", TCF_TRUNCATED},
        {"{\"gdpr\":1}", TCF_NOT_BASE64URL},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct tcf_consent consent;
        enum tcf_status status = decode(cases[i].text, &consent);
        ck_assert_msg(status == cases[i].status, "\"%s\": %s, expected %s", cases[i].text,
                      tcf_strerror(status), tcf_strerror(cases[i].status));
    }
}
END_TEST

/* ---- strings built field by field ---------------------------------------------------- */

/* The fixed fields of a version 2 core segment: purposes 1-4 consented, special feature 1. */
static void put_fixed_fields(struct consent_builder *b)
{
    consent_builder_put(b, 2, 6);             /* Version */
    consent_builder_put(b, 17172432000u, 36); /* Created */
    consent_builder_put(b, 17172432000u, 36); /* LastUpdated */
    consent_builder_put(b, 7, 12);            /* CmpId */
    consent_builder_put(b, 1, 12);            /* CmpVersion */
    consent_builder_put(b, 1, 6);             /* ConsentScreen */
    consent_builder_put(b, 3 * 64 + 4, 12);   /* ConsentLanguage "DE" */
    consent_builder_put(b, 99, 12);           /* VendorListVersion */
    consent_builder_put(b, 4, 6);             /* TcfPolicyVersion */
    consent_builder_put(b, 1, 1);             /* IsServiceSpecific */
    consent_builder_put(b, 0, 1);             /* UseNonStandardTexts */
    consent_builder_put(b, 0x800, 12);        /* SpecialFeatureOptIns: 1 */
    consent_builder_put(b, 0xF00000, 24);     /* PurposesConsent: 1-4 */
    consent_builder_put(b, 0, 24);            /* PurposesLITransparency */
    consent_builder_put(b, 0, 1);             /* PurposeOneTreatment */
    consent_builder_put(b, 30 * 64 + 30, 12); /* PublisherCC: two bad letters */
}

/* A range entry: a single id, or first..last. */
static void put_range(struct consent_builder *b, unsigned first, unsigned last)
{
    consent_builder_put(b, first != last, 1);
    consent_builder_put(b, first, 16);
    if (first != last)
        consent_builder_put(b, last, 16);
}

/* Vendor consents as a bitfield "10100" (vendors 1 and 3), legitimate interests as one
 * range 2..4. */
static void put_vendor_sections(struct consent_builder *b)
{
    consent_builder_put(b, 5, 16);
    consent_builder_put(b, 0, 1);
    consent_builder_put_bits(b, "10100");
    consent_builder_put(b, 4, 16);
    consent_builder_put(b, 1, 1);
    consent_builder_put(b, 1, 12);
    put_range(b, 2, 4);
}

START_TEST(hand_built_string)
{
    struct consent_builder b = {.len = 0};
    put_fixed_fields(&b);
    put_vendor_sections(&b);
    consent_builder_put(&b, 2, 12);          /* two publisher restrictions: */
    consent_builder_put(&b, 1, 6);           /* purpose 1, not allowed, vendors 5-9 and 12 */
    consent_builder_put(&b, 0, 2);
    consent_builder_put(&b, 2, 12);
    put_range(&b, 5, 9);
    put_range(&b, 12, 12);
    consent_builder_put(&b, 3, 6);           /* purpose 3, require consent, vendor 42 */
    consent_builder_put(&b, 1, 2);
    consent_builder_put(&b, 1, 12);
    put_range(&b, 42, 42);
    struct tcf_consent consent;
    ck_assert_int_eq(decode(consent_builder_text(&b), &consent), TCF_OK);
    static const unsigned purposes[] = {1, 2, 3, 4};
    expect_purposes(&consent, purposes, COUNT(purposes));
    static const unsigned consents[] = {1, 3}, interests[] = {2, 3, 4};
    expect_vendors(tcf_vendor_consent, &consent, consents, COUNT(consents), 100);
    expect_vendors(tcf_vendor_legitimate_interest, &consent, interests, COUNT(interests), 100);
    ck_assert_str_eq(consent.consent_language, "DE");
    ck_assert_str_eq(consent.publisher_cc, "??");
    ck_assert_uint_eq(consent.cmp_id, 7);
    const char *text = consent_builder_text(&b);
    for (uint16_t vendor = 0; vendor <= 50; vendor++) {
        bool in_first = (vendor >= 5 && vendor <= 9) || vendor == 12;
        ck_assert_int_eq(decode_for(text, strlen(text), vendor, &consent), TCF_OK);
        ck_assert_uint_eq(consent.restricted_vendor, vendor);
        ck_assert(tcf_publisher_restricts(&consent, 1, TCF_RESTRICTION_NOT_ALLOWED) == in_first);
        ck_assert(tcf_publisher_restricts(&consent, 3, TCF_RESTRICTION_REQUIRE_CONSENT) ==
                  (vendor == 42));
        ck_assert(!tcf_publisher_restricts(&consent, 3, TCF_RESTRICTION_NOT_ALLOWED));
        ck_assert(!tcf_publisher_restricts(&consent, 0, TCF_RESTRICTION_NOT_ALLOWED));
        ck_assert(!tcf_publisher_restricts(&consent, 64, TCF_RESTRICTION_NOT_ALLOWED));
    }
}
END_TEST

/* A string whose consents are one range entry first..last under MaxVendorId max. */
static enum tcf_status decode_vendor_range(unsigned max, unsigned first, unsigned last)
{
    struct consent_builder b = {.len = 0};
    put_fixed_fields(&b);
    consent_builder_put(&b, max, 16);
    consent_builder_put(&b, 1, 1);
    consent_builder_put(&b, 1, 12);
    put_range(&b, first, last);
    consent_builder_put(&b, 0, 16 + 1 + 12); /* no legitimate interests, no restriction */
    struct tcf_consent consent;
    return decode(consent_builder_text(&b), &consent);
}

START_TEST(bad_vendor_ranges)
{
    ck_assert_int_eq(decode_vendor_range(10, 2, 10), TCF_OK);
    ck_assert_int_eq(decode_vendor_range(10, 0, 3), TCF_BAD_VENDOR_RANGE);
    ck_assert_int_eq(decode_vendor_range(10, 5, 4), TCF_BAD_VENDOR_RANGE);
    ck_assert_int_eq(decode_vendor_range(10, 5, 11), TCF_BAD_VENDOR_RANGE);
    ck_assert_int_eq(decode_vendor_range(10, 11, 11), TCF_BAD_VENDOR_RANGE);
    ck_assert_int_eq(decode_vendor_range(0, 1, 1), TCF_BAD_VENDOR_RANGE);
}
END_TEST

/* A string with one publisher restriction of purpose and type over first..last. */
static enum tcf_status decode_restriction(unsigned purpose, unsigned type, unsigned first,
                                          unsigned last)
{
    struct consent_builder b = {.len = 0};
    put_fixed_fields(&b);
    put_vendor_sections(&b);
    consent_builder_put(&b, 1, 12);
    consent_builder_put(&b, purpose, 6);
    consent_builder_put(&b, type, 2);
    consent_builder_put(&b, 1, 12);
    put_range(&b, first, last);
    struct tcf_consent consent;
    return decode(consent_builder_text(&b), &consent);
}

START_TEST(bad_publisher_restrictions)
{
    ck_assert_int_eq(decode_restriction(3, 0, 1, 65535), TCF_OK);
    ck_assert_int_eq(decode_restriction(0, 0, 1, 2), TCF_BAD_RESTRICTION);
    ck_assert_int_eq(decode_restriction(3, 3, 1, 2), TCF_BAD_RESTRICTION);
    ck_assert_int_eq(decode_restriction(3, 0, 0, 2), TCF_BAD_RESTRICTION);
    ck_assert_int_eq(decode_restriction(3, 0, 9, 2), TCF_BAD_RESTRICTION);
}
END_TEST

START_TEST(sections_longer_than_the_string_are_truncated)
{
    struct consent_builder b = {.len = 0};
    put_fixed_fields(&b);
    consent_builder_put(&b, 2000, 16); /* a bitfield of 2000 vendors ... */
    consent_builder_put(&b, 0, 1);
    consent_builder_put(&b, 0xFFFF, 16); /* ... of which 16 bits follow */
    struct tcf_consent consent;
    ck_assert_int_eq(decode(consent_builder_text(&b), &consent), TCF_TRUNCATED);
    b.len = 0;
    put_fixed_fields(&b);
    put_vendor_sections(&b);
    consent_builder_put(&b, 4095, 12); /* 4095 restrictions announced, none present */
    ck_assert_int_eq(decode(consent_builder_text(&b), &consent), TCF_TRUNCATED);
}
END_TEST

/* A string up to TCF_MAX_TEXT_LEN long decodes (later segments count too); one byte more
 * is refused before anything is read. */
START_TEST(strings_longer_than_the_bound_are_refused)
{
    const char *core = consent_fixture("tcf-full-consent");
    size_t core_len = strcspn(core, ".");
    static char text[TCF_MAX_TEXT_LEN + 1];
    memset(text, 'A', sizeof(text));
    memcpy(text, core, core_len);
    text[core_len] = '.';
    struct tcf_consent consent;
    ck_assert_int_eq(decode_len(text, TCF_MAX_TEXT_LEN, &consent), TCF_OK);
    ck_assert(tcf_vendor_consent(&consent, OUR));
    ck_assert_int_eq(decode_len(text, TCF_MAX_TEXT_LEN + 1, &consent), TCF_TOO_LONG);
    text[core_len] = 'A'; /* one core segment of TCF_MAX_TEXT_LEN + 1 characters */
    ck_assert_int_eq(decode_len(text, TCF_MAX_TEXT_LEN + 1, &consent), TCF_TOO_LONG);
}
END_TEST

START_TEST(every_status_has_a_distinct_message)
{
    const char *seen[TCF_BAD_RESTRICTION + 1];
    for (int status = TCF_OK; status <= TCF_BAD_RESTRICTION; status++) {
        seen[status] = tcf_strerror((enum tcf_status)status);
        ck_assert(strlen(seen[status]) > 0);
        for (int other = TCF_OK; other < status; other++)
            ck_assert_str_ne(seen[other], seen[status]);
    }
}
END_TEST

Suite *tcf_suite(void)
{
    Suite *suite = suite_create("tcf");
    TCase *encoded = tcase_create("iabtcf-encoded");
    tcase_add_checked_fixture(encoded, setup, teardown);
    tcase_add_test(encoded, full_consent);
    tcase_add_test(encoded, no_vendor_consent);
    tcase_add_test(encoded, purposes_3_and_4_missing);
    tcase_add_test(encoded, special_feature_1_missing);
    tcase_add_test(encoded, publisher_restrictions);
    tcase_add_test(encoded, range_encoded_vendors);
    tcase_add_test(encoded, bitfield_encoded_vendors);
    tcase_add_test(encoded, reject_all);
    tcase_add_test(encoded, strings_from_other_encoders);
    suite_add_tcase(suite, encoded);
    TCase *broken = tcase_create("broken");
    tcase_add_checked_fixture(broken, setup, teardown);
    tcase_add_test(broken, truncated_strings_never_read_past_the_end);
    tcase_add_test(broken, later_segments_are_not_read);
    tcase_add_test(broken, garbage_strings);
    tcase_add_test(broken, hand_built_string);
    tcase_add_test(broken, bad_vendor_ranges);
    tcase_add_test(broken, bad_publisher_restrictions);
    tcase_add_test(broken, sections_longer_than_the_string_are_truncated);
    tcase_add_test(broken, strings_longer_than_the_bound_are_refused);
    tcase_add_test(broken, every_status_has_a_distinct_message);
    suite_add_tcase(suite, broken);
    return suite;
}
