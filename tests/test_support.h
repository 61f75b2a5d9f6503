/* Helpers shared by the test files. */
#ifndef GEOBID_TEST_SUPPORT_H
#define GEOBID_TEST_SUPPORT_H

#include <stddef.h>

/* Returns the directory of the mmdb fixtures built by the Makefile
 * ($GEOBID_FIXTURES, default "build/fixtures"). */
const char *test_fixture_dir(void);

/* Returns malloc'ed "<fixture dir>/<name>". */
char *test_fixture_path(const char *name);

/* Returns the MaxMind test database directory when it exists (../shared/geoip, or
 * $GEOBID_SHARED_GEOIP), else NULL: those tests then only run where it is present. */
const char *test_shared_geoip_dir(void);

/* Reads a whole file into a malloc'ed NUL-terminated buffer; aborts the test on error. */
char *test_read_file(const char *path, size_t *len);

#endif
