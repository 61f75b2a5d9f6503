/* The consent strings encoded by the IAB's own libraries (@iabtcf/core, @iabgpp/cmpapi)
 * with tests/fixtures/consent/make-consent-strings.mjs, which says what each case holds;
 * committed as tests/fixtures/consent/consent-strings.txt (`name string` lines). Shared
 * by the TCF, GPP and privacy tests. */
#ifndef GEOBID_TESTS_CONSENT_FIXTURES_H
#define GEOBID_TESTS_CONSENT_FIXTURES_H

#include "test_support.h"

#include <check.h>
#include <stdint.h>
#include <string.h>

#define CONSENT_FIXTURES_PATH "tests/fixtures/consent/consent-strings.txt"

/* The vendor id the fixtures were encoded for as geobid's own. */
enum { CONSENT_FIXTURE_OUR_VENDOR = 42 };

/* Returns the fixture file, read once per process, with every newline turned into a NUL
 * so that each line is a string (it stays allocated, reachable, until the process ends). */
static inline const char *consent_fixture_lines(size_t *len)
{
    static char *text;
    static size_t text_len;
    if (text == NULL) {
        text = test_read_file(CONSENT_FIXTURES_PATH, &text_len);
        for (size_t i = 0; i < text_len; i++)
            if (text[i] == '\n')
                text[i] = '\0';
    }
    *len = text_len;
    return text;
}

/* Returns the string of the case called name (NUL-terminated, valid until the process
 * ends); fails the test when there is none. */
static inline const char *consent_fixture(const char *name)
{
    size_t len, name_len = strlen(name);
    const char *lines = consent_fixture_lines(&len);
    for (size_t at = 0; at < len; at += strlen(lines + at) + 1)
        if (strncmp(lines + at, name, name_len) == 0 && lines[at + name_len] == ' ')
            return lines + at + name_len + 1;
    ck_abort_msg("no consent fixture %s in %s", name, CONSENT_FIXTURES_PATH);
    return NULL;
}

/* Calls visit(name, string, context) for every case of the file, in order. */
static inline void consent_fixture_each(void (*visit)(const char *name, const char *string,
                                                      void *context),
                                        void *context)
{
    size_t len;
    const char *lines = consent_fixture_lines(&len);
    char name[128];
    for (size_t at = 0; at < len; at += strlen(lines + at) + 1) {
        const char *space = strchr(lines + at, ' ');
        if (lines[at] == '#' || space == NULL || (size_t)(space - (lines + at)) >= sizeof(name))
            continue;
        memcpy(name, lines + at, (size_t)(space - (lines + at)));
        name[space - (lines + at)] = '\0';
        visit(name, space + 1, context);
    }
}

/* ---- strings built field by field, for inputs no encoder would make ------------------ */

/* A base64url string built from fields, independently of the decoders under test. */
struct consent_builder {
    char bits[8192];        /* '0' / '1' */
    size_t len;
    char text[8192 / 6 + 2];
};

/* Appends value as a width-bit big-endian field. */
static inline void consent_builder_put(struct consent_builder *builder, uint64_t value,
                                       unsigned width)
{
    ck_assert_uint_le(builder->len + width, sizeof(builder->bits));
    for (unsigned i = 0; i < width; i++)
        builder->bits[builder->len++] = (value >> (width - 1 - i)) & 1 ? '1' : '0';
}

/* Appends a string of '0' and '1'. */
static inline void consent_builder_put_bits(struct consent_builder *builder, const char *bits)
{
    for (const char *b = bits; *b; b++)
        consent_builder_put(builder, *b == '1', 1);
}

/* Returns the bits as base64url text, the last character padded with 0 bits (valid
 * until the builder changes). */
static inline const char *consent_builder_text(struct consent_builder *builder)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t chars = (builder->len + 5) / 6;
    for (size_t c = 0; c < chars; c++) {
        unsigned sextet = 0;
        for (size_t i = c * 6; i < c * 6 + 6; i++)
            sextet = sextet << 1 | (i < builder->len && builder->bits[i] == '1');
        builder->text[c] = alphabet[sextet];
    }
    builder->text[chars] = '\0';
    return builder->text;
}

#endif
