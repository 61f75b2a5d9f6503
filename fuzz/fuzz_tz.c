/* Fuzz target of the TZif parser (tz_zone_parse(): the file and its POSIX TZ footer
 * rule). A refused input must say why; an accepted zone must hold a table whose
 * offsets are sane, and lookups anywhere in time must be consistent with it. */
#include "geobid/tz.h"
#include "request_invariants.h"

#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct error err = {""};
    struct tz_zone *zone = tz_zone_parse(SLICE_LITERAL("fuzz"), data, size, &err);
    if (zone == NULL) {
        FUZZ_CHECK(err.message[0] != '\0');
        return 0;
    }
    static const int64_t instants[] = {INT64_MIN / 2, -1, 0, 1, 1774746000, 1792890000,
                                       4102444800, 4133980800, INT64_MAX / 2};
    for (size_t i = 0; i < sizeof(instants) / sizeof(instants[0]); i++) {
        int32_t offset = tz_zone_offset_s(zone, instants[i]);
        FUZZ_CHECK(offset >= -26 * 3600 && offset <= 26 * 3600);
    }
    FUZZ_CHECK(slice_eq_cstr(tz_zone_name(zone), "fuzz"));
    tz_zone_free(zone);
    return 0;
}
