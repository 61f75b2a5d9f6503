/* Location resolution: request geo objects, GeoIP lookups with libmaxminddb, country
 * codes and great-circle distances. The contract is in include/geobid/geo.h.
 *
 * The lookup path allocates nothing: the address text is copied to a stack buffer,
 * MMDB_lookup_sockaddr walks the memory-mapped tree, MMDB_aget_value reads exact paths
 * (never MMDB_get_value, whose variadic form mallocs the path, nor
 * MMDB_get_entry_data_list), and strings are slices into the mapping. */
#include "geobid/geo.h"

#include "geobid/great_circle.h"

#include "geobid/alloc.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <maxminddb.h>

/* ---- database schemas ------------------------------------------------------------ */

/* Where each location field lives in one schema, as MMDB_aget_value paths. */
struct geo_schema {
    const char *const *country;      /* ISO 3166-1 alpha-2 */
    const char *const *region;
    const char *const *city;
    const char *const *postal_code;
    const char *const *time_zone;
    const char *const *latitude;
    const char *const *longitude;
    const char *const *accuracy_km;  /* NULL when the schema has no accuracy */
};

/* A NULL-terminated path; at file scope the compound literal has static storage. */
#define MMDB_PATH(...) ((const char *const[]){__VA_ARGS__, NULL})

static const struct geo_schema GEOIP2_SCHEMA = {
    .country = MMDB_PATH("country", "iso_code"),
    .region = MMDB_PATH("subdivisions", "0", "iso_code"),
    .city = MMDB_PATH("city", "names", "en"),
    .postal_code = MMDB_PATH("postal", "code"),
    .time_zone = MMDB_PATH("location", "time_zone"),
    .latitude = MMDB_PATH("location", "latitude"),
    .longitude = MMDB_PATH("location", "longitude"),
    .accuracy_km = MMDB_PATH("location", "accuracy_radius"),
};

/* DB-IP Lite as packaged by ip-location-db: everything at the top level, state1 is a
 * region *name* ("England"), no accuracy. */
static const struct geo_schema DBIP_SCHEMA = {
    .country = MMDB_PATH("country_code"),
    .region = MMDB_PATH("state1"),
    .city = MMDB_PATH("city"),
    .postal_code = MMDB_PATH("postcode"),
    .time_zone = MMDB_PATH("timezone"),
    .latitude = MMDB_PATH("latitude"),
    .longitude = MMDB_PATH("longitude"),
    .accuracy_km = NULL,
};

struct geo_db {
    MMDB_s mmdb;
    const struct geo_schema *schema;
};

/* ---- reading values ---------------------------------------------------------------- */

/* Reads the value at path. Returns 1 when present, 0 when absent (a missing key or array
 * index is not corruption), -1 when the data is corrupt. */
static int read_value(MMDB_entry_s *entry, const char *const *path, MMDB_entry_data_s *data)
{
    int status = MMDB_aget_value(entry, data, path);
    if (status == MMDB_LOOKUP_PATH_DOES_NOT_MATCH_DATA_ERROR)
        return 0;
    if (status != MMDB_SUCCESS)
        return -1;
    return data->has_data ? 1 : 0;
}

/* Reads a utf8 string into out as a slice into the mapping; an empty string or a value
 * of another type leaves out empty (unknown). Returns 0, or -1 when corrupt. */
static int read_string(MMDB_entry_s *entry, const char *const *path, struct slice *out)
{
    MMDB_entry_data_s data;
    int found = read_value(entry, path, &data);
    if (found < 0)
        return -1;
    if (found && data.type == MMDB_DATA_TYPE_UTF8_STRING && data.data_size > 0)
        *out = (struct slice){data.utf8_string, data.data_size};
    return 0;
}

/* Reads a number of any numeric type as a double: DB-IP stores coordinates as float,
 * MaxMind as double. Returns 1 when present, 0 when absent or not a number, -1 when
 * corrupt. */
static int read_number(MMDB_entry_s *entry, const char *const *path, double *out)
{
    MMDB_entry_data_s data;
    int found = read_value(entry, path, &data);
    if (found <= 0)
        return found;
    switch (data.type) {
    case MMDB_DATA_TYPE_DOUBLE: *out = data.double_value; return 1;
    case MMDB_DATA_TYPE_FLOAT: *out = data.float_value; return 1;
    case MMDB_DATA_TYPE_UINT16: *out = data.uint16; return 1;
    case MMDB_DATA_TYPE_UINT32: *out = data.uint32; return 1;
    case MMDB_DATA_TYPE_INT32: *out = data.int32; return 1;
    case MMDB_DATA_TYPE_UINT64: *out = (double)data.uint64; return 1;
    default: return 0;
    }
}

/* The type of the value at path, or -1 when absent or unreadable. */
static int value_type(MMDB_entry_s *entry, const char *const *path)
{
    MMDB_entry_data_s data;
    return read_value(entry, path, &data) == 1 ? (int)data.type : -1;
}

/* ---- uncertainty --------------------------------------------------------------------- */

/* Half the Earth's circumference: an uncertainty beyond it means "anywhere", and the cap
 * keeps km→m conversions and absurd request values inside uint32_t. */
#define GEO_MAX_UNCERTAINTY_M 20015115u

/* A positive accuracy in metres, capped; 0 or less (absent, nonsense) gives fallback_m. */
static uint32_t uncertainty_m(double accuracy_m, uint32_t fallback_m)
{
    if (!(accuracy_m > 0))
        return fallback_m;
    if (accuracy_m >= GEO_MAX_UNCERTAINTY_M)
        return GEO_MAX_UNCERTAINTY_M;
    long rounded = lround(accuracy_m);
    return rounded > 0 ? (uint32_t)rounded : 1;  /* 0.3 m is still a fix, not "absent" */
}

static bool coordinates_valid(double lat, double lon)
{
    return isfinite(lat) && isfinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 &&
           lon <= 180;
}

/* ---- records ------------------------------------------------------------------------- */

static void location_clear(struct location *out)
{
    memset(out, 0, sizeof(*out));
    out->source = GEO_SOURCE_NONE;
}

/* Fills the point of out from the record; a record without both coordinates (a Country
 * database, a DB-IP country-level row) leaves has_point false. Returns 0 or -1. */
static int record_read_point(const struct geo_schema *schema, MMDB_entry_s *record,
                             struct location *out)
{
    double lat = 0, lon = 0, accuracy_km = 0;
    int has_lat = read_number(record, schema->latitude, &lat);
    int has_lon = read_number(record, schema->longitude, &lon);
    int has_accuracy =
        schema->accuracy_km ? read_number(record, schema->accuracy_km, &accuracy_km) : 0;
    if (has_lat < 0 || has_lon < 0 || has_accuracy < 0)
        return -1;
    if (!has_lat || !has_lon || !coordinates_valid(lat, lon))
        return 0;
    out->has_point = true;
    out->lat = lat;
    out->lon = lon;
    out->uncertainty_m = uncertainty_m(has_accuracy ? accuracy_km * 1000 : 0,
                                       GEO_DEFAULT_GEOIP_ACCURACY_M);
    return 0;
}

/* Fills out from one data record. Returns 0, or -1 when the record is corrupt. */
static int record_read(const struct geo_schema *schema, MMDB_entry_s *record,
                       struct location *out)
{
    struct slice country = {0};
    if (read_string(record, schema->country, &country) != 0 ||
        read_string(record, schema->region, &out->region) != 0 ||
        read_string(record, schema->city, &out->city) != 0 ||
        read_string(record, schema->postal_code, &out->postal_code) != 0 ||
        read_string(record, schema->time_zone, &out->time_zone) != 0 ||
        record_read_point(schema, record, out) != 0)
        return -1;
    geo_country_alpha2(country, out->country);
    out->source = GEO_SOURCE_GEOIP;
    return 0;
}

/* ---- schema detection ------------------------------------------------------------- */

/* Bounds of the tree walk below: a corrupt tree may loop, and a sane one reaches a data
 * record within 128 levels (IPv6) of its root. */
enum { TREE_WALK_STACK = 256, TREE_WALK_NODES = 4096 };

/* Takes a record of a search node when it is data. */
static bool take_data_record(uint8_t type, MMDB_entry_s entry, MMDB_entry_s *record)
{
    if (type != MMDB_RECORD_TYPE_DATA)
        return false;
    *record = entry;
    return true;
}

/* Finds some data record by a bounded depth-first walk of the search tree, so the
 * schema can be read from the data itself. Returns false when there is none. */
static bool tree_first_record(const MMDB_s *mmdb, MMDB_entry_s *record)
{
    uint32_t stack[TREE_WALK_STACK];
    size_t depth = 0;
    stack[depth++] = 0;
    for (int visits = 0; depth > 0 && visits < TREE_WALK_NODES; visits++) {
        MMDB_search_node_s node;
        if (MMDB_read_node(mmdb, stack[--depth], &node) != MMDB_SUCCESS)
            continue;
        if (take_data_record(node.left_record_type, node.left_record_entry, record) ||
            take_data_record(node.right_record_type, node.right_record_entry, record))
            return true;
        /* Right first so that the left child is visited next. */
        if (node.right_record_type == MMDB_RECORD_TYPE_SEARCH_NODE && depth < TREE_WALK_STACK)
            stack[depth++] = (uint32_t)node.right_record;
        if (node.left_record_type == MMDB_RECORD_TYPE_SEARCH_NODE && depth < TREE_WALK_STACK)
            stack[depth++] = (uint32_t)node.left_record;
    }
    return false;
}

/* Classifies one record: DB-IP's keys are top-level scalars, GeoIP2's are maps. */
static const struct geo_schema *schema_of_record(MMDB_entry_s *record)
{
    int latitude = value_type(record, MMDB_PATH("latitude"));
    if (value_type(record, MMDB_PATH("country_code")) == MMDB_DATA_TYPE_UTF8_STRING ||
        latitude == MMDB_DATA_TYPE_FLOAT || latitude == MMDB_DATA_TYPE_DOUBLE)
        return &DBIP_SCHEMA;
    static const char *const nested[] = {"country", "registered_country", "continent",
                                         "location", "city"};
    for (size_t i = 0; i < sizeof(nested) / sizeof(nested[0]); i++)
        if (value_type(record, (const char *const[]){nested[i], NULL}) == MMDB_DATA_TYPE_MAP)
            return &GEOIP2_SCHEMA;
    return NULL;
}

/* The schema of an opened database, from its records when one can be read (the name is
 * not enough: DB-IP's own "DBIP-City-Lite" files are nested like GeoIP2, the
 * ip-location-db repackaging of the same data is flat), else from database_type. */
static const struct geo_schema *schema_detect(const MMDB_s *mmdb)
{
    MMDB_entry_s record;
    if (tree_first_record(mmdb, &record)) {
        const struct geo_schema *schema = schema_of_record(&record);
        if (schema != NULL)
            return schema;
    }
    const char *type = mmdb->metadata.database_type;
    if (type != NULL && (strstr(type, "City") != NULL || strstr(type, "Country") != NULL))
        return &GEOIP2_SCHEMA;
    return NULL;
}

/* ---- opening and closing ------------------------------------------------------------ */

static void report_open_error(const char *path, int status, int saved_errno, struct error *err)
{
    if ((status == MMDB_FILE_OPEN_ERROR || status == MMDB_IO_ERROR) && saved_errno != 0)
        error_format(err, "geoip database %s: %s: %s", path, MMDB_strerror(status),
                     strerror(saved_errno));
    else
        error_format(err, "geoip database %s: %s", path, MMDB_strerror(status));
}

struct geo_db *geo_db_open(const char *path, struct error *err)
{
    struct geo_db *db = xcalloc(1, sizeof(*db));
    errno = 0;
    int status = MMDB_open(path, MMDB_MODE_MMAP, &db->mmdb);
    int saved_errno = errno;
    if (status != MMDB_SUCCESS) {
        report_open_error(path, status, saved_errno, err);
        goto fail;  /* MMDB_open has already released what it had taken */
    }
    db->schema = schema_detect(&db->mmdb);
    if (db->schema == NULL) {
        error_format(err,
                     "geoip database %s: unsupported schema (database_type \"%s\"): expected "
                     "GeoIP2/GeoLite2 City or Country, or DB-IP Lite flat (country_code, "
                     "latitude...)",
                     path, db->mmdb.metadata.database_type ? db->mmdb.metadata.database_type : "");
        MMDB_close(&db->mmdb);
        goto fail;
    }
    return db;
fail:
    free(db);
    return NULL;
}

void geo_db_close(struct geo_db *db)
{
    if (db == NULL)
        return;
    MMDB_close(&db->mmdb);
    free(db);
}

/* ---- lookups --------------------------------------------------------------------------- */

union ip_sockaddr {
    struct sockaddr any;
    struct sockaddr_in v4;
    struct sockaddr_in6 v6;
};

/* Parses textual IPv4 or IPv6 (no zone, no port). An IPv4-mapped IPv6 address becomes
 * IPv4 so that it is found in IPv4-only databases (DB-IP ships one per family). */
static bool ip_parse(struct slice ip, union ip_sockaddr *addr)
{
    char text[INET6_ADDRSTRLEN];
    if (ip.len == 0 || ip.len >= sizeof(text) || memchr(ip.ptr, '\0', ip.len) != NULL)
        return false;
    memcpy(text, ip.ptr, ip.len);
    text[ip.len] = '\0';
    memset(addr, 0, sizeof(*addr));
    if (inet_pton(AF_INET, text, &addr->v4.sin_addr) == 1) {
        addr->v4.sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, &addr->v6.sin6_addr) != 1)
        return false;
    if (IN6_IS_ADDR_V4MAPPED(&addr->v6.sin6_addr)) {
        struct in_addr v4;
        memcpy(&v4, &addr->v6.sin6_addr.s6_addr[12], sizeof(v4));
        memset(addr, 0, sizeof(*addr));
        addr->v4.sin_family = AF_INET;
        addr->v4.sin_addr = v4;
        return true;
    }
    addr->v6.sin6_family = AF_INET6;
    return true;
}

/* geo_db_lookup() on a parsed address. */
static int db_lookup_addr(const struct geo_db *db, const union ip_sockaddr *addr,
                          struct location *out)
{
    location_clear(out);
    int mmdb_error = MMDB_SUCCESS;
    MMDB_lookup_result_s result = MMDB_lookup_sockaddr(&db->mmdb, &addr->any, &mmdb_error);
    if (mmdb_error == MMDB_IPV6_LOOKUP_IN_IPV4_DATABASE_ERROR)
        return 0;  /* this database cannot know the address: not corruption */
    if (mmdb_error != MMDB_SUCCESS)
        return -1;
    if (!result.found_entry)
        return 0;
    if (record_read(db->schema, &result.entry, out) != 0) {
        location_clear(out);
        return -1;
    }
    return 1;
}

/* On 0 or -1, out is cleared (source GEO_SOURCE_NONE). */
int geo_db_lookup(const struct geo_db *db, struct slice ip, struct location *out)
{
    union ip_sockaddr addr;
    location_clear(out);
    if (db == NULL || !ip_parse(ip, &addr))
        return 0;
    return db_lookup_addr(db, &addr, out);
}

/* ---- resolution ------------------------------------------------------------------------ */

/* Slack added to both uncertainties before a GeoIP record is called inconsistent with
 * the request's point: city centroids sit tens of km from suburbs. */
#define GEO_CONSISTENCY_SLACK_M 50000.0

static enum geo_source request_source(int type)
{
    switch (type) {
    case OPENRTB_LOCATION_GPS: return GEO_SOURCE_GPS;
    case OPENRTB_LOCATION_IP: return GEO_SOURCE_IP_REQUEST;
    default: return GEO_SOURCE_DECLARED;
    }
}

static uint32_t request_default_accuracy_m(enum geo_source source)
{
    switch (source) {
    case GEO_SOURCE_GPS: return GEO_DEFAULT_GPS_ACCURACY_M;
    case GEO_SOURCE_IP_REQUEST: return GEO_DEFAULT_IP_ACCURACY_M;
    default: return GEO_DEFAULT_DECLARED_ACCURACY_M;
    }
}

static bool request_geo_has_point(const struct openrtb_geo *geo)
{
    return geo->present && geo->has_point && coordinates_valid(geo->lat, geo->lon);
}

static bool request_geo_has_admin(const struct openrtb_geo *geo)
{
    return geo->present && (geo->country.len > 0 || geo->region.len > 0 || geo->city.len > 0 ||
                            geo->zip.len > 0 || geo->has_utcoffset);
}

/* The request geo object to use: the first with a point (device.geo before user.geo,
 * the device's being the fresher), else the first with administrative fields only. */
static const struct openrtb_geo *request_geo(const struct bid_request *request)
{
    const struct openrtb_geo *device = &request->device.geo, *user = &request->user.geo;
    if (request_geo_has_point(device))
        return device;
    if (request_geo_has_point(user))
        return user;
    if (request_geo_has_admin(device))
        return device;
    if (request_geo_has_admin(user))
        return user;
    return NULL;
}

static void location_from_request(const struct openrtb_geo *geo, struct location *out)
{
    out->source = request_source(geo->type);
    if (request_geo_has_point(geo)) {
        out->has_point = true;
        out->lat = geo->lat;
        out->lon = geo->lon;
        out->uncertainty_m =
            uncertainty_m(geo->accuracy_m, request_default_accuracy_m(out->source));
    }
    geo_country_alpha2(geo->country, out->country);
    out->region = geo->region;
    out->city = geo->city;
    out->postal_code = geo->zip;
    out->has_utc_offset = geo->has_utcoffset;
    out->utc_offset_min = geo->utcoffset_min;
}

/* Looks device.ip, then device.ipv6, up in each database in order; the first database
 * that knows an address answers. A corrupt entry (-1) just moves on to the next one. */
static bool resolver_lookup(const struct geo_resolver *resolver, const struct device *device,
                            struct location *found)
{
    if (resolver == NULL)
        return false;
    const struct slice ips[] = {device->ip, device->ipv6};
    for (size_t i = 0; i < sizeof(ips) / sizeof(ips[0]); i++) {
        union ip_sockaddr addr;
        if (!ip_parse(ips[i], &addr))
            continue;
        for (size_t d = 0; d < resolver->db_count; d++)
            if (resolver->dbs[d] != NULL && db_lookup_addr(resolver->dbs[d], &addr, found) == 1)
                return true;
    }
    return false;
}

/* Whether a GeoIP record may complete what the request said: not when it names another
 * country, nor when its point is farther from the request's than both uncertainties
 * allow (a VPN, a roaming phone). Region and city are not compared: one side may hold
 * codes and the other names, in different languages. */
static bool geoip_consistent(const struct location *request, const struct location *found)
{
    if (request->country[0] != '\0' && found->country[0] != '\0' &&
        strcmp(request->country, found->country) != 0)
        return false;
    if (!request->has_point || !found->has_point)
        return true;
    double distance = great_circle_m(request->lat, request->lon, found->lat, found->lon);
    return distance <=
           (double)request->uncertainty_m + found->uncertainty_m + GEO_CONSISTENCY_SLACK_M;
}

static void slice_fill_empty(struct slice *field, struct slice value)
{
    if (field->len == 0)
        *field = value;
}

/* Completes out with a consistent GeoIP record: its point only when the request had
 * none, then every administrative field the request left empty. */
static void location_merge_geoip(struct location *out, const struct location *found)
{
    if (!out->has_point && found->has_point) {
        out->source = GEO_SOURCE_GEOIP;
        out->has_point = true;
        out->lat = found->lat;
        out->lon = found->lon;
        out->uncertainty_m = found->uncertainty_m;
    }
    if (out->source == GEO_SOURCE_NONE)
        out->source = GEO_SOURCE_GEOIP;
    if (out->country[0] == '\0')
        memcpy(out->country, found->country, sizeof(out->country));
    slice_fill_empty(&out->region, found->region);
    slice_fill_empty(&out->city, found->city);
    slice_fill_empty(&out->postal_code, found->postal_code);
    slice_fill_empty(&out->time_zone, found->time_zone);
}

void geo_resolve(const struct geo_resolver *resolver, const struct bid_request *request,
                 bool need_locality, struct location *out)
{
    location_clear(out);
    const struct openrtb_geo *geo = request_geo(request);
    if (geo != NULL)
        location_from_request(geo, out);
    bool has_locality = out->region.len > 0 && out->city.len > 0;
    if (out->has_point && out->country[0] != '\0' && (has_locality || !need_locality))
        return; /* nothing GeoIP could add that a campaign would use */
    struct location found;
    if (resolver_lookup(resolver, &request->device, &found) && geoip_consistent(out, &found))
        location_merge_geoip(out, &found);
}

/* ---- country codes ------------------------------------------------------------------ */

struct country_code {
    char alpha3[4];
    char alpha2[3];
};

/* ISO 3166-1, sorted by alpha-3 for bsearch, plus XKX/XK (Kosovo, user-assigned but
 * what exchanges and GeoIP databases use). */
static const struct country_code COUNTRY_CODES[] = {
    {"ABW", "AW"}, {"AFG", "AF"}, {"AGO", "AO"}, {"AIA", "AI"}, {"ALA", "AX"}, {"ALB", "AL"},
    {"AND", "AD"}, {"ARE", "AE"}, {"ARG", "AR"}, {"ARM", "AM"}, {"ASM", "AS"}, {"ATA", "AQ"},
    {"ATF", "TF"}, {"ATG", "AG"}, {"AUS", "AU"}, {"AUT", "AT"}, {"AZE", "AZ"}, {"BDI", "BI"},
    {"BEL", "BE"}, {"BEN", "BJ"}, {"BES", "BQ"}, {"BFA", "BF"}, {"BGD", "BD"}, {"BGR", "BG"},
    {"BHR", "BH"}, {"BHS", "BS"}, {"BIH", "BA"}, {"BLM", "BL"}, {"BLR", "BY"}, {"BLZ", "BZ"},
    {"BMU", "BM"}, {"BOL", "BO"}, {"BRA", "BR"}, {"BRB", "BB"}, {"BRN", "BN"}, {"BTN", "BT"},
    {"BVT", "BV"}, {"BWA", "BW"}, {"CAF", "CF"}, {"CAN", "CA"}, {"CCK", "CC"}, {"CHE", "CH"},
    {"CHL", "CL"}, {"CHN", "CN"}, {"CIV", "CI"}, {"CMR", "CM"}, {"COD", "CD"}, {"COG", "CG"},
    {"COK", "CK"}, {"COL", "CO"}, {"COM", "KM"}, {"CPV", "CV"}, {"CRI", "CR"}, {"CUB", "CU"},
    {"CUW", "CW"}, {"CXR", "CX"}, {"CYM", "KY"}, {"CYP", "CY"}, {"CZE", "CZ"}, {"DEU", "DE"},
    {"DJI", "DJ"}, {"DMA", "DM"}, {"DNK", "DK"}, {"DOM", "DO"}, {"DZA", "DZ"}, {"ECU", "EC"},
    {"EGY", "EG"}, {"ERI", "ER"}, {"ESH", "EH"}, {"ESP", "ES"}, {"EST", "EE"}, {"ETH", "ET"},
    {"FIN", "FI"}, {"FJI", "FJ"}, {"FLK", "FK"}, {"FRA", "FR"}, {"FRO", "FO"}, {"FSM", "FM"},
    {"GAB", "GA"}, {"GBR", "GB"}, {"GEO", "GE"}, {"GGY", "GG"}, {"GHA", "GH"}, {"GIB", "GI"},
    {"GIN", "GN"}, {"GLP", "GP"}, {"GMB", "GM"}, {"GNB", "GW"}, {"GNQ", "GQ"}, {"GRC", "GR"},
    {"GRD", "GD"}, {"GRL", "GL"}, {"GTM", "GT"}, {"GUF", "GF"}, {"GUM", "GU"}, {"GUY", "GY"},
    {"HKG", "HK"}, {"HMD", "HM"}, {"HND", "HN"}, {"HRV", "HR"}, {"HTI", "HT"}, {"HUN", "HU"},
    {"IDN", "ID"}, {"IMN", "IM"}, {"IND", "IN"}, {"IOT", "IO"}, {"IRL", "IE"}, {"IRN", "IR"},
    {"IRQ", "IQ"}, {"ISL", "IS"}, {"ISR", "IL"}, {"ITA", "IT"}, {"JAM", "JM"}, {"JEY", "JE"},
    {"JOR", "JO"}, {"JPN", "JP"}, {"KAZ", "KZ"}, {"KEN", "KE"}, {"KGZ", "KG"}, {"KHM", "KH"},
    {"KIR", "KI"}, {"KNA", "KN"}, {"KOR", "KR"}, {"KWT", "KW"}, {"LAO", "LA"}, {"LBN", "LB"},
    {"LBR", "LR"}, {"LBY", "LY"}, {"LCA", "LC"}, {"LIE", "LI"}, {"LKA", "LK"}, {"LSO", "LS"},
    {"LTU", "LT"}, {"LUX", "LU"}, {"LVA", "LV"}, {"MAC", "MO"}, {"MAF", "MF"}, {"MAR", "MA"},
    {"MCO", "MC"}, {"MDA", "MD"}, {"MDG", "MG"}, {"MDV", "MV"}, {"MEX", "MX"}, {"MHL", "MH"},
    {"MKD", "MK"}, {"MLI", "ML"}, {"MLT", "MT"}, {"MMR", "MM"}, {"MNE", "ME"}, {"MNG", "MN"},
    {"MNP", "MP"}, {"MOZ", "MZ"}, {"MRT", "MR"}, {"MSR", "MS"}, {"MTQ", "MQ"}, {"MUS", "MU"},
    {"MWI", "MW"}, {"MYS", "MY"}, {"MYT", "YT"}, {"NAM", "NA"}, {"NCL", "NC"}, {"NER", "NE"},
    {"NFK", "NF"}, {"NGA", "NG"}, {"NIC", "NI"}, {"NIU", "NU"}, {"NLD", "NL"}, {"NOR", "NO"},
    {"NPL", "NP"}, {"NRU", "NR"}, {"NZL", "NZ"}, {"OMN", "OM"}, {"PAK", "PK"}, {"PAN", "PA"},
    {"PCN", "PN"}, {"PER", "PE"}, {"PHL", "PH"}, {"PLW", "PW"}, {"PNG", "PG"}, {"POL", "PL"},
    {"PRI", "PR"}, {"PRK", "KP"}, {"PRT", "PT"}, {"PRY", "PY"}, {"PSE", "PS"}, {"PYF", "PF"},
    {"QAT", "QA"}, {"REU", "RE"}, {"ROU", "RO"}, {"RUS", "RU"}, {"RWA", "RW"}, {"SAU", "SA"},
    {"SDN", "SD"}, {"SEN", "SN"}, {"SGP", "SG"}, {"SGS", "GS"}, {"SHN", "SH"}, {"SJM", "SJ"},
    {"SLB", "SB"}, {"SLE", "SL"}, {"SLV", "SV"}, {"SMR", "SM"}, {"SOM", "SO"}, {"SPM", "PM"},
    {"SRB", "RS"}, {"SSD", "SS"}, {"STP", "ST"}, {"SUR", "SR"}, {"SVK", "SK"}, {"SVN", "SI"},
    {"SWE", "SE"}, {"SWZ", "SZ"}, {"SXM", "SX"}, {"SYC", "SC"}, {"SYR", "SY"}, {"TCA", "TC"},
    {"TCD", "TD"}, {"TGO", "TG"}, {"THA", "TH"}, {"TJK", "TJ"}, {"TKL", "TK"}, {"TKM", "TM"},
    {"TLS", "TL"}, {"TON", "TO"}, {"TTO", "TT"}, {"TUN", "TN"}, {"TUR", "TR"}, {"TUV", "TV"},
    {"TWN", "TW"}, {"TZA", "TZ"}, {"UGA", "UG"}, {"UKR", "UA"}, {"UMI", "UM"}, {"URY", "UY"},
    {"USA", "US"}, {"UZB", "UZ"}, {"VAT", "VA"}, {"VCT", "VC"}, {"VEN", "VE"}, {"VGB", "VG"},
    {"VIR", "VI"}, {"VNM", "VN"}, {"VUT", "VU"}, {"WLF", "WF"}, {"WSM", "WS"}, {"XKX", "XK"},
    {"YEM", "YE"}, {"ZAF", "ZA"}, {"ZMB", "ZM"}, {"ZWE", "ZW"},
};

/* Copies code upper-cased into dst (len + 1 bytes) when it is all ASCII letters. The
 * test is by hand because <ctype.h> depends on the locale. */
static bool ascii_letters_upper(struct slice code, char *dst)
{
    for (size_t i = 0; i < code.len; i++) {
        char c = code.ptr[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c < 'A' || c > 'Z')
            return false;
        dst[i] = c;
    }
    dst[code.len] = '\0';
    return true;
}

static int country_code_compare(const void *key, const void *entry)
{
    return strcmp(key, ((const struct country_code *)entry)->alpha3);
}

int geo_country_alpha2(struct slice code, char out[3])
{
    char upper[4];
    out[0] = '\0';
    if (code.len == 2 && ascii_letters_upper(code, upper)) {
        memcpy(out, upper, 3);
        return 0;
    }
    if (code.len != 3 || !ascii_letters_upper(code, upper))
        return -1;
    const struct country_code *found =
        bsearch(upper, COUNTRY_CODES, sizeof(COUNTRY_CODES) / sizeof(COUNTRY_CODES[0]),
                sizeof(COUNTRY_CODES[0]), country_code_compare);
    if (found == NULL)
        return -1;
    memcpy(out, found->alpha2, 3);
    return 0;
}

bool geo_country_known(const char alpha2[3])
{
    for (size_t i = 0; i < sizeof(COUNTRY_CODES) / sizeof(COUNTRY_CODES[0]); i++)
        if (strcmp(COUNTRY_CODES[i].alpha2, alpha2) == 0)
            return true;
    return false;
}
