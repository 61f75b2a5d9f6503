/* Tests for src/gpp.c: GPP strings encoded by the IAB's @iabgpp/cmpapi (see
 * tests/fixtures/consent/make-consent-strings.mjs), the examples of the GPP
 * specification, headers built field by field, and broken strings, every one parsed from
 * memory that ends at a guard page. */
#include "geobid/gpp.h"
#include "geobid/tcf.h"

#include "consent_fixtures.h"
#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

static struct test_guarded guarded;

static void setup(void)
{
    guarded = test_guarded_alloc(GPP_MAX_TEXT_LEN + 1);
}

static void teardown(void)
{
    test_guarded_free(&guarded);
}

static enum gpp_status parse_len(const char *text, size_t len, struct gpp_string *out)
{
    char *copy = test_guarded_place(&guarded, text, len);
    return gpp_parse((struct slice){copy, len}, out);
}

static enum gpp_status parse(const char *text, struct gpp_string *out)
{
    return parse_len(text, strlen(text), out);
}

static void expect_ids(const struct gpp_string *gpp, const uint16_t *ids, size_t count)
{
    ck_assert_uint_eq(gpp->section_count, count);
    for (size_t i = 0; i < count; i++)
        ck_assert_uint_eq(gpp->section_ids[i], ids[i]);
}

static void expect_section(const struct gpp_string *gpp, unsigned id, const char *text)
{
    struct slice section = gpp_section(gpp, id);
    ck_assert_msg(slice_eq_cstr(section, text),
                  "section %u: \"%.*s\", expected \"%s\"", id, (int)section.len,
                  section.ptr ? section.ptr : "", text);
}

/* ---- the specification's examples ---------------------------------------------------- */

START_TEST(specification_headers)
{
    struct gpp_string gpp;
    static const uint16_t tcf[] = {2}, tcf_usp[] = {2, 6}, tcfca_usp[] = {5, 6};
    ck_assert_int_eq(parse("DBABM", &gpp), GPP_SECTION_COUNT_MISMATCH); /* no section follows */
    ck_assert_int_eq(parse("DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", &gpp), GPP_OK);
    expect_ids(&gpp, tcf, COUNT(tcf));
    ck_assert_int_eq(parse("DBACNY~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", &gpp),
                     GPP_OK);
    expect_ids(&gpp, tcf_usp, COUNT(tcf_usp));
    expect_section(&gpp, 2, "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");
    expect_section(&gpp, 6, "1YNN");
    expect_section(&gpp, 7, "");
    /* a range entry: 5 and 6 */
    ck_assert_int_eq(parse("DBABjw~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA~1YNN", &gpp),
                     GPP_OK);
    expect_ids(&gpp, tcfca_usp, COUNT(tcfca_usp));
    expect_section(&gpp, 5, "CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA");
}
END_TEST

/* ---- strings from @iabgpp/cmpapi ----------------------------------------------------- */

START_TEST(cmpapi_strings)
{
    struct gpp_string gpp;
    ck_assert_int_eq(parse(consent_fixture("gpp-empty"), &gpp), GPP_OK);
    ck_assert_uint_eq(gpp.section_count, 0);
    ck_assert_int_eq(parse(consent_fixture("gpp-uspv1-opt-out"), &gpp), GPP_OK);
    static const uint16_t usp[] = {6}, three[] = {2, 6, 7};
    expect_ids(&gpp, usp, COUNT(usp));
    expect_section(&gpp, 6, "1YYN");
    ck_assert_int_eq(parse(consent_fixture("gpp-tcfeuv2-uspv1-usnat"), &gpp), GPP_OK);
    expect_ids(&gpp, three, COUNT(three));
    expect_section(&gpp, 6, "1YNN");
    ck_assert_int_eq(gpp_us_choice(7, gpp_section(&gpp, 7)), GPP_US_NO_OPT_OUT);
    struct tcf_consent consent;
    ck_assert_int_eq(tcf_decode(gpp_section(&gpp, 2), CONSENT_FIXTURE_OUR_VENDOR, &consent), TCF_OK);
    ck_assert(tcf_vendor_consent(&consent, CONSENT_FIXTURE_OUR_VENDOR));
    ck_assert(tcf_special_feature(&consent, 1));
    ck_assert(tcf_purpose_consent(&consent, 3) && tcf_purpose_consent(&consent, 4));
}
END_TEST

/* Every US section by its id in the GPP section list: an opt-out of sale, an opt-out of
 * targeted advertising (California: sharing), and neither. */
START_TEST(us_sections_say_opt_out)
{
    static const char *const names[] = {
        "usnat", "usca", "usva", "usco", "usut", "usct", "usfl", "usmt", "usor", "ustx", "usde",
        "usia", "usne", "usnh", "usnj", "ustn", "usmn", "usmd", "usin", "usky", "usri"};
    static const struct {
        const char *suffix;
        enum gpp_us_choice choice;
    } variants[] = {{"sale", GPP_US_OPTED_OUT},
                    {"targeting", GPP_US_OPTED_OUT},
                    {"none", GPP_US_NO_OPT_OUT}};
    for (size_t n = 0; n < COUNT(names); n++) {
        uint16_t id = (uint16_t)(7 + n);
        for (size_t v = 0; v < COUNT(variants); v++) {
            char name[64];
            snprintf(name, sizeof(name), "gpp-%s-%s", names[n], variants[v].suffix);
            struct gpp_string gpp;
            ck_assert_int_eq(parse(consent_fixture(name), &gpp), GPP_OK);
            expect_ids(&gpp, &id, 1);
            enum gpp_us_choice choice = gpp_us_choice(id, gpp.sections[0]);
            ck_assert_msg(choice == variants[v].choice, "%s: %d", name, (int)choice);
        }
    }
}
END_TEST

START_TEST(us_choice_of_other_and_broken_sections)
{
    const char *usnat_none = strchr(consent_fixture("gpp-usnat-none"), '~') + 1;
    static const unsigned not_us[] = {0, 1, 2, 5, 6, 28, 65535};
    for (size_t i = 0; i < COUNT(not_us); i++)
        ck_assert_int_eq(gpp_us_choice(not_us[i], slice_from_cstr(usnat_none)),
                         GPP_US_NOT_A_US_SECTION);
    static const struct {
        unsigned id;
        const char *text;
        enum gpp_us_choice choice;
    } cases[] = {
        {7, "", GPP_US_UNREADABLE},
        {7, "CAA!AAAAAABA", GPP_US_UNREADABLE},      /* not base64url */
        {7, "CAA", GPP_US_UNREADABLE},               /* ends before TargetedAdvertisingOptOut */
        {7, "CAAi", GPP_US_NO_OPT_OUT},              /* just long enough: 24 bits */
        {7, "AAAiAAAAAABA", GPP_US_UNREADABLE},      /* version 0 */
        {7, "DAAiAAAAAABA", GPP_US_UNREADABLE},      /* version 3 of usnat is unknown */
        {7, "CAA_AAAAAABA", GPP_US_UNREADABLE},      /* the three opt-outs = 3, undefined */
        {7, "CAAAAAAAAABA", GPP_US_NO_OPT_OUT},      /* every field "not applicable" */
        {8, "BAoAAABA.QA", GPP_US_NO_OPT_OUT},       /* the GPC segment is not read */
        {8, "BAoAAABA.!!", GPP_US_NO_OPT_OUT},
        {8, "CAoAAABA", GPP_US_UNREADABLE},          /* version 2 of usca is unknown */
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        char *copy = test_guarded_place(&guarded, cases[i].text, strlen(cases[i].text));
        enum gpp_us_choice choice =
            gpp_us_choice(cases[i].id, (struct slice){copy, strlen(cases[i].text)});
        ck_assert_msg(choice == cases[i].choice, "%u \"%s\": %d", cases[i].id, cases[i].text,
                      (int)choice);
    }
}
END_TEST

/* ---- headers built field by field ---------------------------------------------------- */

/* Appends value (at least 1) Fibonacci-coded: Zeckendorf bits for 1, 2, 3, 5, 8 ...,
 * then the closing 1. */
static void put_fibonacci(struct consent_builder *b, unsigned value)
{
    unsigned fib[40] = {1, 2};
    size_t count = 2;
    while (fib[count - 1] <= value && count < COUNT(fib)) {
        fib[count] = fib[count - 1] + fib[count - 2];
        count++;
    }
    char code[42];
    size_t top = 0;
    memset(code, '0', sizeof(code));
    for (size_t i = count; i-- > 0;)
        if (fib[i] <= value) {
            value -= fib[i];
            code[i] = '1';
            top = top > i ? top : i;
        }
    code[top + 1] = '1';
    code[top + 2] = '\0';
    consent_builder_put_bits(b, code);
}

/* Starts a header with Type, Version and the number of range entries. */
static void put_header(struct consent_builder *b, unsigned type, unsigned version,
                       unsigned entries)
{
    b->len = 0;
    consent_builder_put(b, type, 6);
    consent_builder_put(b, version, 6);
    consent_builder_put(b, entries, 12);
}

/* Returns header + count sections "1YNN". */
static const char *with_sections(struct consent_builder *b, size_t count)
{
    static char text[4096];
    size_t len = (size_t)snprintf(text, sizeof(text), "%s", consent_builder_text(b));
    for (size_t i = 0; i < count; i++)
        len += (size_t)snprintf(text + len, sizeof(text) - len, "~1YNN");
    return text;
}

START_TEST(built_headers)
{
    struct consent_builder b;
    struct gpp_string gpp;
    /* 3, 7..9, 20: single, range, single (offsets from the last id) */
    put_header(&b, 3, 1, 3);
    consent_builder_put(&b, 0, 1);
    put_fibonacci(&b, 3);
    consent_builder_put(&b, 1, 1);
    put_fibonacci(&b, 4);
    put_fibonacci(&b, 2);
    consent_builder_put(&b, 0, 1);
    put_fibonacci(&b, 11);
    ck_assert_int_eq(parse(with_sections(&b, 5), &gpp), GPP_OK);
    static const uint16_t ids[] = {3, 7, 8, 9, 20};
    expect_ids(&gpp, ids, COUNT(ids));
    ck_assert_int_eq(parse(with_sections(&b, 4), &gpp), GPP_SECTION_COUNT_MISMATCH);
    ck_assert_int_eq(parse(with_sections(&b, 6), &gpp), GPP_SECTION_COUNT_MISMATCH);
    /* 1..32 is the most a string may list; 1..33 is too many */
    put_header(&b, 3, 1, 1);
    consent_builder_put(&b, 1, 1);
    put_fibonacci(&b, 1);
    put_fibonacci(&b, 31);
    ck_assert_int_eq(parse(with_sections(&b, 32), &gpp), GPP_OK);
    ck_assert_uint_eq(gpp.section_ids[31], 32);
    put_header(&b, 3, 1, 1);
    consent_builder_put(&b, 1, 1);
    put_fibonacci(&b, 1);
    put_fibonacci(&b, 32);
    ck_assert_int_eq(parse(with_sections(&b, 33), &gpp), GPP_TOO_MANY_SECTIONS);
}
END_TEST

START_TEST(bad_section_ids)
{
    struct consent_builder b;
    struct gpp_string gpp;
    put_header(&b, 3, 1, 1); /* id 75025: past 16 bits */
    consent_builder_put(&b, 0, 1);
    put_fibonacci(&b, 75025);
    ck_assert_int_eq(parse(with_sections(&b, 1), &gpp), GPP_BAD_SECTION_IDS);
    put_header(&b, 3, 1, 1); /* a code that never ends within 25 value bits */
    consent_builder_put(&b, 0, 1);
    consent_builder_put_bits(&b, "0101010101010101010101010101");
    ck_assert_int_eq(parse(with_sections(&b, 1), &gpp), GPP_BAD_SECTION_IDS);
    put_header(&b, 3, 1, 2); /* two entries announced, one present */
    consent_builder_put(&b, 0, 1);
    put_fibonacci(&b, 6);
    ck_assert_int_eq(parse(with_sections(&b, 1), &gpp), GPP_TRUNCATED);
    put_header(&b, 2, 1, 0);
    ck_assert_int_eq(parse(with_sections(&b, 0), &gpp), GPP_NOT_A_HEADER);
    put_header(&b, 3, 2, 0);
    ck_assert_int_eq(parse(with_sections(&b, 0), &gpp), GPP_UNSUPPORTED_VERSION);
}
END_TEST

START_TEST(garbage_strings)
{
    static const struct {
        const char *text;
        enum gpp_status status;
    } cases[] = {
        {"", GPP_EMPTY},
        {"~1YNN", GPP_EMPTY},
        {"DB!B~1YNN", GPP_NOT_BASE64URL},
        {"DBABTA=~1YNN", GPP_NOT_BASE64URL},
        {"D", GPP_TRUNCATED},
        {"DBA", GPP_TRUNCATED},
        {"DBABQ", GPP_TRUNCATED}, /* the entry's Fibonacci code does not end */
        {"1YNN", GPP_NOT_A_HEADER},
        {"CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA", GPP_NOT_A_HEADER},
        {"DBABTA~", GPP_SECTION_COUNT_MISMATCH},
        {"DBABTA~1YNN~", GPP_SECTION_COUNT_MISMATCH},
        {"DBAA~1YNN", GPP_SECTION_COUNT_MISMATCH},
        {"DBACNY~~1YNN", GPP_SECTION_COUNT_MISMATCH},
    };
    for (size_t i = 0; i < COUNT(cases); i++) {
        struct gpp_string gpp;
        enum gpp_status status = parse(cases[i].text, &gpp);
        ck_assert_msg(status == cases[i].status, "\"%s\": %s, expected %s", cases[i].text,
                      gpp_strerror(status), gpp_strerror(cases[i].status));
    }
}
END_TEST

static void check_prefixes(const char *name, const char *text, void *context)
{
    (void)context;
    if (strncmp(name, "gpp-", 4) != 0)
        return;
    size_t len = strlen(text);
    for (size_t cut = 0; cut <= len; cut++) {
        struct gpp_string gpp;
        enum gpp_status status = parse_len(text, cut, &gpp);
        ck_assert_msg(status != GPP_OK || cut == len || gpp.section_count > 0,
                      "%s cut at %zu: %s", name, cut, gpp_strerror(status));
        for (size_t i = 0; status == GPP_OK && i < gpp.section_count; i++)
            (void)gpp_us_choice(gpp.section_ids[i], gpp.sections[i]);
        if (cut == len)
            ck_assert_msg(status == GPP_OK, "%s: %s", name, gpp_strerror(status));
    }
}

/* Cut anywhere, a string is refused or still parses into sections inside the cut, and
 * neither parsing nor reading the US sections goes past the end. */
START_TEST(truncated_strings_never_read_past_the_end)
{
    consent_fixture_each(check_prefixes, NULL);
}
END_TEST

/* A string up to GPP_MAX_TEXT_LEN long parses; one byte more is refused unread. */
START_TEST(strings_longer_than_the_bound_are_refused)
{
    static const char start[] = "DBABM~CPXxRfAPXxRfAAfKABENB-CgAAAAAAAAAAYgAAAAAAAA.";
    static char text[GPP_MAX_TEXT_LEN + 1];
    memset(text, 'A', sizeof(text));
    memcpy(text, start, strlen(start));
    struct gpp_string gpp;
    ck_assert_int_eq(parse_len(text, GPP_MAX_TEXT_LEN, &gpp), GPP_OK);
    ck_assert_uint_eq(gpp_section(&gpp, 2).len, GPP_MAX_TEXT_LEN - strlen("DBABM~"));
    ck_assert_int_eq(parse_len(text, GPP_MAX_TEXT_LEN + 1, &gpp), GPP_TOO_LONG);
}
END_TEST

START_TEST(every_status_has_a_distinct_message)
{
    const char *seen[GPP_SECTION_COUNT_MISMATCH + 1];
    for (int status = GPP_OK; status <= GPP_SECTION_COUNT_MISMATCH; status++) {
        seen[status] = gpp_strerror((enum gpp_status)status);
        ck_assert(strlen(seen[status]) > 0);
        for (int other = GPP_OK; other < status; other++)
            ck_assert_str_ne(seen[other], seen[status]);
    }
}
END_TEST

Suite *gpp_suite(void)
{
    Suite *suite = suite_create("gpp");
    TCase *encoded = tcase_create("encoded");
    tcase_add_checked_fixture(encoded, setup, teardown);
    tcase_add_test(encoded, specification_headers);
    tcase_add_test(encoded, cmpapi_strings);
    tcase_add_test(encoded, us_sections_say_opt_out);
    tcase_add_test(encoded, us_choice_of_other_and_broken_sections);
    suite_add_tcase(suite, encoded);
    TCase *broken = tcase_create("broken");
    tcase_add_checked_fixture(broken, setup, teardown);
    tcase_add_test(broken, built_headers);
    tcase_add_test(broken, bad_section_ids);
    tcase_add_test(broken, garbage_strings);
    tcase_add_test(broken, truncated_strings_never_read_past_the_end);
    tcase_add_test(broken, strings_longer_than_the_bound_are_refused);
    tcase_add_test(broken, every_status_has_a_distinct_message);
    suite_add_tcase(suite, broken);
    return suite;
}
