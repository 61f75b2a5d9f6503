/* Terms: hashing and the request's term table. */
#include "geobid/term.h"

#include <check.h>
#include <stdio.h>

static struct request_term term_of(enum term_kind kind, const char *text, const char *id)
{
    struct slice t = slice_from_cstr(text), i = slice_from_cstr(id);
    return (struct request_term){term_hash(kind, t, i), kind, t, i, NULL};
}

static const struct request_term *find(struct request_terms *terms, enum term_kind kind,
                                       const char *text, const char *id)
{
    struct request_term wanted = term_of(kind, text, id);
    return request_terms_find(terms, wanted.hash, kind, wanted.text, wanted.id);
}

/* Each test starts with an empty table. */
static struct arena arena;
static struct request_terms terms;

static void setup(void)
{
    arena_init(&arena, 4096);
    request_terms_init(&terms, &arena);
}

static void teardown(void)
{
    arena_free(&arena);
}

START_TEST(every_term_added_is_found_and_no_other)
{
    ck_assert_ptr_null(find(&terms, TERM_KEYWORD, "none yet", ""));
    static char texts[300][16];
    for (int i = 0; i < 300; i++) { /* past the first capacity, and rebuilt after a lookup */
        snprintf(texts[i], sizeof(texts[i]), "kw%d", i);
        struct request_term term = term_of(TERM_KEYWORD, texts[i], "");
        request_terms_add(&terms, &term);
        if (i % 50 == 0)
            ck_assert_ptr_nonnull(find(&terms, TERM_KEYWORD, texts[i], ""));
    }
    for (int i = 0; i < 300; i++) {
        const struct request_term *found = find(&terms, TERM_KEYWORD, texts[i], "");
        ck_assert_ptr_nonnull(found);
        ck_assert(slice_eq_cstr(found->text, texts[i]));
    }
    ck_assert_ptr_null(find(&terms, TERM_KEYWORD, "kw300", ""));
    ck_assert_ptr_null(find(&terms, TERM_CATEGORY, "kw1", "")); /* another kind */
}
END_TEST

/* A hash is only where to look: a term with the same hash and another text is not the
 * term looked for (request texts come from the exchange, and FNV collisions can be
 * made on purpose). */
START_TEST(a_hash_alone_finds_nothing)
{
    struct request_term term = term_of(TERM_SEGMENT, "shop12-visitors", "");
    request_terms_add(&terms, &term);
    ck_assert_ptr_null(request_terms_find(&terms, term.hash, TERM_SEGMENT,
                                          SLICE_LITERAL("shop13-visitors"), (struct slice){0}));
    ck_assert_ptr_null(request_terms_find(&terms, term.hash, TERM_DATA_SEGMENT, term.text,
                                          (struct slice){0}));
    ck_assert_ptr_nonnull(request_terms_find(&terms, term.hash, TERM_SEGMENT, term.text,
                                             (struct slice){0}));
}
END_TEST

START_TEST(case_is_ignored_from_gender_on)
{
    static const struct {
        enum term_kind kind;
        bool folds;
    } kinds[] = {{TERM_SEGMENT, false}, {TERM_DATA_SEGMENT, false}, {TERM_KEYWORD, true},
                 {TERM_DOMAIN, true},   {TERM_OS, true},            {TERM_CITY, true}};
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        struct request_term term = term_of(kinds[k].kind, "Organic", "Id");
        request_terms_add(&terms, &term);
    }
    for (size_t k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
        ck_assert_ptr_nonnull(find(&terms, kinds[k].kind, "Organic", "Id"));
        ck_assert_msg((find(&terms, kinds[k].kind, "oRGANIC", "Id") != NULL) == kinds[k].folds,
                      "kind %d", kinds[k].kind);
        ck_assert_ptr_null(find(&terms, kinds[k].kind, "Organic", "id")); /* ids: exact */
    }
}
END_TEST

START_TEST(only_text_items_have_a_term_kind)
{
    enum term_kind kind;
    ck_assert(term_kind_of_item(AUDIENCE_SEGMENT, &kind) && kind == TERM_SEGMENT);
    ck_assert(term_kind_of_item(AUDIENCE_DATA_SEGMENT, &kind) && kind == TERM_DATA_SEGMENT);
    ck_assert(term_kind_of_item(AUDIENCE_KEYWORD, &kind) && kind == TERM_KEYWORD);
    ck_assert(term_kind_of_item(AUDIENCE_CATEGORY, &kind) && kind == TERM_CATEGORY);
    ck_assert(term_kind_of_item(AUDIENCE_DOMAIN, &kind) && kind == TERM_DOMAIN);
    ck_assert(term_kind_of_item(AUDIENCE_APP_BUNDLE, &kind) && kind == TERM_APP_BUNDLE);
    ck_assert(term_kind_of_item(AUDIENCE_OS, &kind) && kind == TERM_OS);
    ck_assert(!term_kind_of_item(AUDIENCE_GENDER, &kind));
    ck_assert(!term_kind_of_item(AUDIENCE_AGE, &kind));
    ck_assert(!term_kind_of_item(AUDIENCE_DEVICE_TYPE, &kind));
    ck_assert(!term_kind_of_item(AUDIENCE_GROUP, &kind));
}
END_TEST

Suite *term_suite(void)
{
    Suite *suite = suite_create("term");
    TCase *tc = tcase_create("terms");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, every_term_added_is_found_and_no_other);
    tcase_add_test(tc, a_hash_alone_finds_nothing);
    tcase_add_test(tc, case_is_ignored_from_gender_on);
    tcase_add_test(tc, only_text_items_have_a_term_kind);
    suite_add_tcase(suite, tc);
    return suite;
}
