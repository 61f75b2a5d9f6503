#include "geobid/json.h"

#include "test_support.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct arena arena;

static void setup(void)
{
    arena_init(&arena, 1024);
}

static void teardown(void)
{
    arena_free(&arena);
}

static int parse(struct json_doc *doc, const char *text, struct error *err)
{
    return json_parse(doc, text, strlen(text), &arena, err);
}

static const char *const valid_documents[] = {
    "{}", "[]", " {\"a\" : [1, -2.5e3, true, false, null, \"x\"]} \n", "\"just a string\"",
    "{\"a\":{\"b\":{\"c\":[[],[{}]]}}}", "[\"\\u00e9\\ud83d\\ude00\"]",
};

START_TEST(valid_documents_parse)
{
    struct json_doc doc;
    struct error err;
    ck_assert_msg(parse(&doc, valid_documents[_i], &err) == 0, "%s: %s", valid_documents[_i],
                  err.message);
}
END_TEST

static const char *const invalid_documents[] = {
    "", "{", "{\"a\":}", "{\"a\"}", "{1:2}", "[01]", "[1.]", "[.5]", "[-]", "[1e]", "[tru]",
    "[nulll]", "{} {}", "[1 2]", "[\"x\" \"y\"]", "{\"a\":{\"b\":1} \"c\":2}", "[{}{}]",
    "{\"a\":1,}", "[1,]", "[1,,2]", "[,1]", "{,}", ":{}", ",[1]", "{\"a\"::1}", "[\"a\nb\"]", "[\"\\x\"]", "{\"a\":1} x", "[\"a\":1]", "{\"a\" \"b\"}", "[1,2",
};

START_TEST(invalid_documents_are_rejected)
{
    struct json_doc doc;
    struct error err = {""};
    ck_assert_msg(parse(&doc, invalid_documents[_i], &err) == -1, "accepted: %s",
                  invalid_documents[_i]);
    ck_assert_msg(strlen(err.message) > 0, "no message for %s", invalid_documents[_i]);
}
END_TEST

START_TEST(navigation_skips_nested_values)
{
    struct json_doc doc;
    struct error err;
    ck_assert_int_eq(parse(&doc, "{\"skip\":{\"a\":[1,{\"b\":2}]},\"n\":42,\"s\":\"v\"}", &err), 0);
    int64_t n = 0;
    struct slice s = {0};
    int members = 0;
    JSON_FOR_EACH_MEMBER(&doc, 0, key, i)
    {
        members++;
        if (json_key_is(&doc, key, "n"))
            ck_assert_int_eq(json_get_int64(&doc, key + 1, &n), 0);
        if (json_key_is(&doc, key, "s"))
            ck_assert_int_eq(json_get_string(&doc, key + 1, &arena, &s), 0);
    }
    ck_assert_int_eq(members, 3);
    ck_assert_int_eq(n, 42);
    ck_assert(slice_eq_cstr(s, "v"));
    ck_assert_int_eq(json_next(&doc, 0), doc.token_count);
}
END_TEST

START_TEST(strings_are_unescaped_only_when_needed)
{
    struct json_doc doc;
    struct error err;
    const char *text = "[\"plain\",\"a\\\"b\\\\c\\/d\\n\",\"\\u00e9\\ud83d\\ude00\",\"\\ud800\"]";
    ck_assert_int_eq(parse(&doc, text, &err), 0);
    struct slice s;
    ck_assert_int_eq(json_get_string(&doc, 1, &arena, &s), 0);
    ck_assert_ptr_eq(s.ptr, text + 2); /* no copy */
    ck_assert_int_eq(json_get_string(&doc, 2, &arena, &s), 0);
    ck_assert(slice_eq_cstr(s, "a\"b\\c/d\n"));
    ck_assert_int_eq(json_get_string(&doc, 3, &arena, &s), 0);
    ck_assert(slice_eq_cstr(s, "\xc3\xa9\xf0\x9f\x98\x80"));
    ck_assert_int_eq(json_get_string(&doc, 4, &arena, &s), -1); /* lone surrogate */
}
END_TEST

START_TEST(numbers_and_flags_convert_strictly)
{
    struct json_doc doc;
    struct error err;
    ck_assert_int_eq(parse(&doc, "[7, -3, 1.5, 1e2, 9223372036854775807, 9223372036854775808,"
                                 " true, 0, 2, \"1\"]", &err), 0);
    int64_t i;
    double d;
    bool b;
    ck_assert_int_eq(json_get_int64(&doc, 1, &i), 0);
    ck_assert_int_eq(i, 7);
    ck_assert_int_eq(json_get_int64(&doc, 2, &i), 0);
    ck_assert_int_eq(i, -3);
    ck_assert_int_eq(json_get_int64(&doc, 3, &i), -1);
    ck_assert_int_eq(json_get_double(&doc, 3, &d), 0);
    ck_assert_double_eq(d, 1.5);
    ck_assert_int_eq(json_get_double(&doc, 4, &d), 0);
    ck_assert_double_eq(d, 100.0);
    ck_assert_int_eq(json_get_int64(&doc, 5, &i), 0);
    ck_assert_int_eq(i, INT64_MAX);
    ck_assert_int_eq(json_get_int64(&doc, 6, &i), -1);
    ck_assert_int_eq(json_get_bool(&doc, 7, &b), 0);
    ck_assert(b);
    ck_assert_int_eq(json_get_bool(&doc, 8, &b), 0);
    ck_assert(!b);
    ck_assert_int_eq(json_get_bool(&doc, 9, &b), -1);
    ck_assert_int_eq(json_get_int64(&doc, 10, &i), -1);
}
END_TEST

/* Every number must read exactly as strtod reads it, whether it takes the decimal fast
 * path or not. */
START_TEST(doubles_read_exactly_as_strtod)
{
    static const char *const fixed[] = {"0", "-0", "48.8566", "-122.3321", "0.000001",
                                        "123456789012345", "1234567890123456", "0.1", "2.5",
                                        "179.99999999999999", "1e-7", "-1.5E+3", "9007199254740993"};
    char text[64];
    uint64_t state = 88172645463325252ull;
    for (size_t i = 0; i < 20000; i++) {
        if (i < sizeof(fixed) / sizeof(fixed[0])) {
            snprintf(text, sizeof(text), "[%s]", fixed[i]);
        } else {
            state ^= state << 13, state ^= state >> 7, state ^= state << 17;
            int decimals = (int)(state % 12);
            snprintf(text, sizeof(text), "[%.*f]", decimals,
                     ((double)(state >> 11) / (double)(1ull << 53) - 0.5) * 360.0);
        }
        struct json_doc doc;
        struct error err;
        ck_assert_int_eq(parse(&doc, text, &err), 0);
        double value;
        ck_assert_int_eq(json_get_double(&doc, 1, &value), 0);
        struct slice raw = json_raw(&doc, 1);
        char copy[64];
        snprintf(copy, sizeof(copy), "%.*s", (int)raw.len, raw.ptr);
        double expected = strtod(copy, NULL);
        ck_assert_msg(memcmp(&value, &expected, sizeof(value)) == 0, "%s: %.17g != %.17g", copy,
                      value, expected);
    }
}
END_TEST

START_TEST(many_tokens_parse_in_one_pass)
{
    char text[20000] = "[";
    for (int i = 0; i < 3000; i++)
        strcat(text, i ? ",1" : "1");
    strcat(text, "]");
    struct json_doc doc;
    struct error err;
    ck_assert_int_eq(parse(&doc, text, &err), 0);
    ck_assert_int_eq(doc.token_count, 3001);
    struct slice_list list;
    ck_assert_int_eq(json_get_string_list(&doc, 0, &arena, &list), -1);
}
END_TEST

START_TEST(nesting_is_bounded)
{
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    struct json_doc doc;
    struct error err;
    ck_assert_int_eq(json_parse(&doc, deep, sizeof(deep), &arena, &err), -1);
    ck_assert_int_eq(json_parse(&doc, deep + 40, 120, &arena, &err), 0); /* depth 60 */
    /* many brackets but shallow, and brackets inside strings, are fine */
    char wide[400] = "[";
    for (int i = 0; i < 90; i++)
        strcat(wide, i ? ",[]" : "[]");
    strcat(wide, ",\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]");
    ck_assert_int_eq(json_parse(&doc, wide, strlen(wide), &arena, &err), 0);
}
END_TEST

/* Strings are scanned eight bytes at a time: every length, and a quote, backslash or
 * control byte at every offset within those words, must read the same as byte by byte,
 * also when the document ends at a guard page (an over-read faults). */
START_TEST(strings_scan_at_every_offset)
{
    struct test_guarded guarded = test_guarded_alloc(64);
    for (size_t len = 0; len <= 24; len++) {
        char text[40] = "[\"";
        memset(text + 2, 'a', len);
        memcpy(text + 2 + len, "\"]", 3);
        struct json_doc doc;
        struct error err;
        const char *copy = test_guarded_place(&guarded, text, len + 4);
        ck_assert_int_eq(json_parse(&doc, copy, len + 4, &arena, &err), 0);
        ck_assert_uint_eq(json_raw(&doc, 1).len, len);
        ck_assert_int_eq(json_parse(&doc, copy, len + 2, &arena, &err), -1); /* no quote */
        ck_assert_str_eq(err.message, "truncated JSON");
        for (size_t at = 0; at + 1 < len; at++) {
            text[2 + at] = '\x1f';
            copy = test_guarded_place(&guarded, text, len + 4);
            ck_assert_int_eq(json_parse(&doc, copy, len + 4, &arena, &err), -1);
            ck_assert_str_eq(err.message, "malformed JSON at byte 1");
            memcpy(text + 2 + at, "\\t", 2);
            copy = test_guarded_place(&guarded, text, len + 4);
            ck_assert_int_eq(json_parse(&doc, copy, len + 4, &arena, &err), 0);
            struct slice s;
            ck_assert_int_eq(json_get_string(&doc, 1, &arena, &s), 0);
            ck_assert_uint_eq(s.len, len - 1);
            ck_assert_int_eq(s.ptr[at], '\t');
            memset(text + 2 + at, 'a', 2);
        }
    }
    test_guarded_free(&guarded);
}
END_TEST

/* Errors name the first byte that cannot continue a JSON text, whatever comes after. */
START_TEST(errors_name_the_first_bad_byte)
{
    static const struct {
        const char *text;
        const char *message;
    } cases[] = {
        {",,,", "malformed JSON at byte 0"},
        {"[1,,2]", "malformed JSON at byte 3"},
        {"{\"a\":1 \"b\":2}", "malformed JSON at byte 6"},
        {"[1, 2 ,]", "malformed JSON at byte 5"},
        {"[\"a\"] x", "malformed JSON at byte 6"},
        {"[\"a\"] \"b\"", "unexpected data after JSON value at byte 6"},
        {"{\"a\" 1}", "malformed JSON at byte 4"},
        {"[-01]", "malformed JSON at byte 1"},
        {"[1e+]", "malformed JSON at byte 1"},
        {"[\"\\u12g4\"]", "malformed JSON at byte 1"},
        {"[\"\\u12", "truncated JSON"},
        {"[tr", "truncated JSON"},
        {"{\"a\":[1,{", "truncated JSON"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct json_doc doc;
        struct error err = {""};
        ck_assert_msg(parse(&doc, cases[i].text, &err) == -1, "accepted %s", cases[i].text);
        ck_assert_msg(strcmp(err.message, cases[i].message) == 0, "%s: %s", cases[i].text,
                      err.message);
    }
}
END_TEST

/* Strings are UTF-8 (RFC 8259 section 8.1): every well-formed character is kept as it
 * is, at any offset of the eight-byte scan; anything else is refused, naming the byte
 * where the bad sequence starts (RFC 3629: no overlong forms, no surrogates, nothing
 * above U+10FFFF). */
START_TEST(strings_must_be_utf8)
{
    static const char *const good[] = {
        "\xC2\x80", "\xDF\xBF", "\xE0\xA0\x80", "\xED\x9F\xBF", "\xEE\x80\x80",
        "\xEF\xBF\xBF", "\xF0\x90\x80\x80", "\xF4\x8F\xBF\xBF", "\xC3\xA9t\xC3\xA9",
    };
    static const char *const bad[] = {
        "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xE0\x80\x80", "\xE0\x9F\xBF",
        "\xED\xA0\x80", "\xED\xBF\xBF", "\xF0\x80\x80\x80", "\xF0\x8F\xBF\xBF",
        "\xF4\x90\x80\x80", "\xF5\x80\x80\x80", "\xFF", "\xC2" "A", "\xE2\x82\"",
    };
    for (size_t at = 0; at <= 16; at++) {
        char text[64], expected[64];
        for (size_t g = 0; g < sizeof(good) / sizeof(good[0]); g++) {
            snprintf(text, sizeof(text), "[\"%.*s%s\"]", (int)at, "aaaaaaaaaaaaaaaa", good[g]);
            struct json_doc doc;
            struct error err;
            ck_assert_msg(parse(&doc, text, &err) == 0, "at %zu: %s", at, err.message);
            struct slice raw = json_raw(&doc, 1);
            ck_assert_uint_eq(raw.len, at + strlen(good[g]));
            ck_assert_int_eq(memcmp(raw.ptr + at, good[g], strlen(good[g])), 0);
        }
        snprintf(expected, sizeof(expected), "invalid UTF-8 in a JSON string at byte %zu", 2 + at);
        for (size_t b = 0; b < sizeof(bad) / sizeof(bad[0]); b++) {
            snprintf(text, sizeof(text), "[\"%.*s%s\"]", (int)at, "aaaaaaaaaaaaaaaa", bad[b]);
            struct json_doc doc;
            struct error err = {""};
            ck_assert_msg(parse(&doc, text, &err) == -1, "accepted bad[%zu] at %zu", b, at);
            ck_assert_msg(strcmp(err.message, expected) == 0, "bad[%zu] at %zu: %s", b, at,
                          err.message);
        }
    }
    struct json_doc doc;
    struct error err;
    ck_assert_int_eq(parse(&doc, "[\"a\xE2\x82", &err), -1);
    ck_assert_str_eq(err.message, "truncated JSON");
    ck_assert_int_eq(parse(&doc, "{\"\xE9t\xE9\":1}", &err), -1); /* Latin-1, as a key */
    ck_assert_str_eq(err.message, "invalid UTF-8 in a JSON string at byte 2");
}
END_TEST

/* Any JSON value is a document, a bare number too (RFC 8259), with or without white
 * space after it. */
START_TEST(scalars_are_documents)
{
    static const char *const texts[] = {"90.0001", "-0", "7 ", "true", "null\n", "\"x\""};
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct json_doc doc;
        struct error err;
        ck_assert_msg(parse(&doc, texts[i], &err) == 0, "%s: %s", texts[i], err.message);
        ck_assert_int_eq(doc.token_count, 1);
        ck_assert_int_eq(json_next(&doc, 0), 1);
    }
}
END_TEST

Suite *json_suite(void)
{
    Suite *suite = suite_create("json");
    TCase *tc = tcase_create("reader");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_loop_test(tc, valid_documents_parse, 0,
                        (int)(sizeof(valid_documents) / sizeof(valid_documents[0])));
    tcase_add_loop_test(tc, invalid_documents_are_rejected, 0,
                        (int)(sizeof(invalid_documents) / sizeof(invalid_documents[0])));
    tcase_add_test(tc, navigation_skips_nested_values);
    tcase_add_test(tc, strings_are_unescaped_only_when_needed);
    tcase_add_test(tc, numbers_and_flags_convert_strictly);
    tcase_add_test(tc, doubles_read_exactly_as_strtod);
    tcase_add_test(tc, many_tokens_parse_in_one_pass);
    tcase_add_test(tc, nesting_is_bounded);
    tcase_add_test(tc, strings_scan_at_every_offset);
    tcase_add_test(tc, errors_name_the_first_bad_byte);
    tcase_add_test(tc, strings_must_be_utf8);
    tcase_add_test(tc, scalars_are_documents);
    suite_add_tcase(suite, tc);
    return suite;
}
