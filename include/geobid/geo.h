/* Location resolution: where is the person behind a bid request, and how sure are we?
 *
 * The location is device.geo lat/lon, else user.geo lat/lon, else a GeoIP2 lookup of
 * device.ip / device.ipv6 in the configured databases (libmaxminddb, MMDB_MODE_MMAP,
 * no allocation per lookup). Every location carries its source and an uncertainty
 * radius in metres so that a city-centroid IP location never passes for a GPS fix.
 *
 * Two database schemas are read: MaxMind GeoIP2/GeoLite2 City (nested maps:
 * country.iso_code, subdivisions[0].iso_code, city.names.en, postal.code,
 * location.{latitude,longitude,accuracy_radius,time_zone}) and the DB-IP Lite flat
 * schema (country_code, state1, city, postcode, latitude, longitude, timezone). */
#ifndef GEOBID_GEO_H
#define GEOBID_GEO_H

#include "geobid/bid_request.h"
#include "geobid/error.h"
#include "geobid/slice.h"

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

enum geo_source {
    GEO_SOURCE_NONE = 0,     /* nothing known */
    GEO_SOURCE_GPS,          /* request geo, type 1 */
    GEO_SOURCE_IP_REQUEST,   /* request geo, type 2 (the exchange's own IP lookup) */
    GEO_SOURCE_DECLARED,     /* request geo, type 3 (user-provided) or type absent */
    GEO_SOURCE_GEOIP,        /* our GeoIP lookup of the request's IP */
};

/* Uncertainty defaults, in metres, when the source gives none. */
enum {
    GEO_DEFAULT_GPS_ACCURACY_M = 100,
    GEO_DEFAULT_IP_ACCURACY_M = 5000,
    GEO_DEFAULT_DECLARED_ACCURACY_M = 5000,
    GEO_DEFAULT_GEOIP_ACCURACY_M = 25000,
};

struct location {
    enum geo_source source;
    bool has_point;
    double lat, lon;               /* degrees, valid when has_point */
    uint32_t uncertainty_m;        /* radius around the point, valid when has_point */
    char country[3];               /* ISO 3166-1 alpha-2, NUL-terminated; "" unknown */
    struct slice region;           /* subdivision code (or name when only that is known) */
    struct slice city;
    struct slice postal_code;
    struct slice time_zone;        /* IANA name, empty when unknown */
    bool has_utc_offset;
    int32_t utc_offset_min;
};

/* One opened database (opaque). */
struct geo_db;

/* Opens an .mmdb file read-only with MMDB_MODE_MMAP and detects its schema. Returns NULL
 * with a message in err when the file is missing, corrupt, or of neither schema. */
struct geo_db *geo_db_open(const char *path, struct error *err);

/* Unmaps and frees db (NULL is fine). */
void geo_db_close(struct geo_db *db);

/* Looks up the textual IPv4/IPv6 address ip in db and fills out (source GEOIP).
 * Strings in out point into the memory-mapped database and stay valid until
 * geo_db_close(). Returns 1 when found, 0 when the address is unknown to db or ip is
 * not an address, -1 when the database is corrupt at that entry. */
int geo_db_lookup(const struct geo_db *db, struct slice ip, struct location *out);

/* The set of databases consulted in order (e.g. an IPv4 and an IPv6 database). */
struct geo_resolver {
    struct geo_db **dbs;
    size_t db_count;
};

/* Resolves the request's location into out, following the order described above.
 * Request geo without a point or country is completed from GeoIP when an IP is given;
 * so is one without region and city when need_locality is true (a campaign targets
 * regions, cities or postal codes: otherwise the lookup, about 1 µs, is saved). A
 * GeoIP record that contradicts the request (another country, or a point farther than
 * both uncertainties allow) is not used. Country is normalised to alpha-2 (OpenRTB
 * sends alpha-3). Never fails: an unknown location has source GEO_SOURCE_NONE and
 * has_point false. resolver may be NULL. */
void geo_resolve(const struct geo_resolver *resolver, const struct bid_request *request,
                 bool need_locality, struct location *out);

/* Converts an ISO 3166-1 alpha-3 code (any case) or an alpha-2 code to upper-case
 * alpha-2 in out[3]. Any two letters pass as alpha-2 (see geo_country_known()). Returns 0,
 * or -1 when the code is neither (out is then ""). */
int geo_country_alpha2(struct slice code, char out[3]);

/* True when alpha2 (upper case, NUL-terminated) is an assigned ISO 3166-1 code (or XK).
 * geo_country_alpha2() accepts any two letters, which is right for what databases and
 * exchanges send; configuration is checked with this stricter test (a linear scan). */
bool geo_country_known(const char alpha2[3]);

#endif
