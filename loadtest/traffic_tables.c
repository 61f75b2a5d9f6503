/* Data of the traffic model. Sources and assumptions: docs/loadtest.md, "Traffic model".
 * Populations are rounded metro-area figures (city figures for the small places of the
 * example campaigns); phone iOS shares are rounded per-country figures of the kind
 * StatCounter publishes; every other share is an assumption, stated as such. */
#include "traffic_tables.h"

#include <string.h>

#define COUNT(array) (sizeof(array) / sizeof((array)[0]))

const struct city traffic_cities[] = {
    /* name, alpha-3, alpha-2, region, lat, lon, population (M), currency, UTC offset,
     * language, GDPR, iOS share of phones */
    {"Paris", "FRA", "FR", "IDF", 48.8566, 2.3522, 12.4, "EUR", 60, "fr", true, 0.33},
    {"Lyon", "FRA", "FR", "ARA", 45.7640, 4.8357, 2.3, "EUR", 60, "fr", true, 0.33},
    {"Marseille", "FRA", "FR", "PAC", 43.2965, 5.3698, 1.9, "EUR", 60, "fr", true, 0.33},
    {"Lille", "FRA", "FR", "HDF", 50.6292, 3.0573, 1.5, "EUR", 60, "fr", true, 0.33},
    {"Toulouse", "FRA", "FR", "OCC", 43.6047, 1.4442, 1.4, "EUR", 60, "fr", true, 0.33},
    {"Bordeaux", "FRA", "FR", "NAQ", 44.8378, -0.5792, 1.3, "EUR", 60, "fr", true, 0.33},
    {"Nantes", "FRA", "FR", "PDL", 47.2184, -1.5536, 1.0, "EUR", 60, "fr", true, 0.33},
    {"London", "GBR", "GB", "ENG", 51.5074, -0.1278, 9.6, "GBP", 0, "en", true, 0.50},
    {"Manchester", "GBR", "GB", "ENG", 53.4808, -2.2426, 2.9, "GBP", 0, "en", true, 0.50},
    {"Birmingham", "GBR", "GB", "ENG", 52.4862, -1.8904, 2.9, "GBP", 0, "en", true, 0.50},
    {"Dublin", "IRL", "IE", "L", 53.3498, -6.2603, 1.5, "EUR", 0, "en", true, 0.45},
    {"Madrid", "ESP", "ES", "MD", 40.4168, -3.7038, 6.8, "EUR", 60, "es", true, 0.20},
    {"Barcelona", "ESP", "ES", "CT", 41.3874, 2.1686, 5.6, "EUR", 60, "es", true, 0.20},
    {"Lisbon", "PRT", "PT", "11", 38.7223, -9.1393, 2.9, "EUR", 0, "pt", true, 0.20},
    {"Milan", "ITA", "IT", "25", 45.4642, 9.1900, 4.3, "EUR", 60, "it", true, 0.28},
    {"Rome", "ITA", "IT", "62", 41.9028, 12.4964, 4.3, "EUR", 60, "it", true, 0.28},
    {"Berlin", "DEU", "DE", "BE", 52.5200, 13.4050, 6.2, "EUR", 60, "de", true, 0.33},
    {"Hamburg", "DEU", "DE", "HH", 53.5511, 9.9937, 3.4, "EUR", 60, "de", true, 0.33},
    {"Munich", "DEU", "DE", "BY", 48.1351, 11.5820, 2.9, "EUR", 60, "de", true, 0.33},
    {"Vienna", "AUT", "AT", "9", 48.2082, 16.3738, 2.9, "EUR", 60, "de", true, 0.30},
    {"Zurich", "CHE", "CH", "ZH", 47.3769, 8.5417, 1.4, "CHF", 60, "de", false, 0.50},
    {"Amsterdam", "NLD", "NL", "NH", 52.3676, 4.9041, 2.5, "EUR", 60, "nl", true, 0.40},
    {"Brussels", "BEL", "BE", "BRU", 50.8503, 4.3517, 2.1, "EUR", 60, "fr", true, 0.35},
    {"Copenhagen", "DNK", "DK", "84", 55.6761, 12.5683, 2.1, "DKK", 60, "da", true, 0.55},
    {"Stockholm", "SWE", "SE", "AB", 59.3293, 18.0686, 2.4, "SEK", 60, "sv", true, 0.50},
    {"Linköping", "SWE", "SE", "E", 58.4108, 15.6214, 0.165, "SEK", 60, "sv", true, 0.50},
    {"Warsaw", "POL", "PL", "14", 52.2297, 21.0122, 3.1, "PLN", 60, "pl", true, 0.13},
    {"New York", "USA", "US", "NY", 40.7128, -74.0060, 19.6, "USD", -300, "en", false, 0.57},
    {"Los Angeles", "USA", "US", "CA", 34.0522, -118.2437, 12.8, "USD", -480, "en", false, 0.57},
    {"Chicago", "USA", "US", "IL", 41.8781, -87.6298, 9.3, "USD", -360, "en", false, 0.57},
    {"Dallas", "USA", "US", "TX", 32.7767, -96.7970, 7.9, "USD", -360, "en", false, 0.57},
    {"Houston", "USA", "US", "TX", 29.7604, -95.3698, 7.3, "USD", -360, "en", false, 0.57},
    {"Washington", "USA", "US", "DC", 38.9072, -77.0369, 6.3, "USD", -300, "en", false, 0.57},
    {"Philadelphia", "USA", "US", "PA", 39.9526, -75.1652, 6.2, "USD", -300, "en", false, 0.57},
    {"Atlanta", "USA", "US", "GA", 33.7490, -84.3880, 6.2, "USD", -300, "en", false, 0.57},
    {"Miami", "USA", "US", "FL", 25.7617, -80.1918, 6.1, "USD", -300, "en", false, 0.57},
    {"Boston", "USA", "US", "MA", 42.3601, -71.0589, 4.9, "USD", -300, "en", false, 0.57},
    {"San Francisco", "USA", "US", "CA", 37.7749, -122.4194, 4.6, "USD", -480, "en", false, 0.57},
    {"Seattle", "USA", "US", "WA", 47.6062, -122.3321, 3.8, "USD", -480, "en", false, 0.57},
    {"Tacoma", "USA", "US", "WA", 47.2529, -122.4443, 0.22, "USD", -480, "en", false, 0.57},
    {"Milton", "USA", "US", "WA", 47.2486, -122.3128, 0.0086, "USD", -480, "en", false, 0.57},
    {"Toronto", "CAN", "CA", "ON", 43.6532, -79.3832, 6.7, "CAD", -300, "en", false, 0.57},
    {"Montreal", "CAN", "CA", "QC", 45.5017, -73.5673, 4.3, "CAD", -300, "fr", false, 0.50},
};
const size_t traffic_city_count = COUNT(traffic_cities);

const struct device_kind traffic_device_kinds[DEVICE_KIND_COUNT] = {
    [DEVICE_PHONE] = {"phone", 4, 0.56, 0.65, 390, 844},
    [DEVICE_TABLET] = {"tablet", 5, 0.06, 0.50, 820, 1180},
    [DEVICE_DESKTOP] = {"desktop", 2, 0.30, 0.0, 1920, 1080},
    [DEVICE_CTV] = {"ctv", 3, 0.08, 1.0, 1920, 1080},
};

static const struct ad_size phone_sizes[] = {
    {300, 250, 0.40}, {320, 50, 0.35}, {320, 100, 0.10}, {320, 480, 0.10}, {300, 600, 0.05},
};
static const struct ad_size tablet_sizes[] = {
    {300, 250, 0.40}, {728, 90, 0.30}, {300, 600, 0.20}, {768, 1024, 0.10},
};
static const struct ad_size desktop_sizes[] = {
    {300, 250, 0.35}, {728, 90, 0.25}, {300, 600, 0.12}, {160, 600, 0.08},
    {970, 250, 0.08}, {336, 280, 0.07}, {970, 90, 0.05},
};
static const struct ad_size ctv_sizes[] = {{1920, 1080, 0.7}, {1280, 720, 0.3}};

const struct size_table traffic_sizes[DEVICE_KIND_COUNT] = {
    [DEVICE_PHONE] = {phone_sizes, COUNT(phone_sizes)},
    [DEVICE_TABLET] = {tablet_sizes, COUNT(tablet_sizes)},
    [DEVICE_DESKTOP] = {desktop_sizes, COUNT(desktop_sizes)},
    [DEVICE_CTV] = {ctv_sizes, COUNT(ctv_sizes)},
};

static const struct os_profile ios_phones[] = {
    {"iOS", "17.5", "Apple", "iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 0.6},
    {"iOS", "16.7", "Apple", "iPhone",
     "Mozilla/5.0 (iPhone; CPU iPhone OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
     "like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", 0.4},
};
static const struct os_profile android_phones[] = {
    {"Android", "14", "Samsung", "SM-S918B",
     "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Mobile Safari/537.36", 0.35},
    {"Android", "13", "Samsung", "SM-A536B",
     "Mozilla/5.0 (Linux; Android 13; SM-A536B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/123.0.6312.99 Mobile Safari/537.36", 0.30},
    {"Android", "14", "Google", "Pixel 8",
     "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Mobile Safari/537.36", 0.15},
    {"Android", "13", "Xiaomi", "2201117TG",
     "Mozilla/5.0 (Linux; Android 13; 2201117TG) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/122.0.6261.119 Mobile Safari/537.36", 0.20},
};
static const struct os_profile ios_tablets[] = {
    {"iOS", "17.5", "Apple", "iPad",
     "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.5 Mobile/15E148 Safari/604.1", 1.0},
};
static const struct os_profile android_tablets[] = {
    {"Android", "14", "Samsung", "SM-X710",
     "Mozilla/5.0 (Linux; Android 14; SM-X710) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.6367.82 Safari/537.36", 1.0},
};
static const struct os_profile desktops[] = {
    {"Windows", "10", "", "",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", 0.60},
    {"Windows", "10", "", "",
     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36 Edg/124.0.2478.67", 0.12},
    {"macOS", "10.15.7", "Apple", "",
     "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
     "Gecko) Version/17.4.1 Safari/605.1.15", 0.20},
    {"Linux", "", "", "",
     "Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0", 0.04},
    {"Chrome OS", "15786", "", "",
     "Mozilla/5.0 (X11; CrOS x86_64 15786.48.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/124.0.0.0 Safari/537.36", 0.04},
};
static const struct os_profile ctvs[] = {
    {"Roku", "12.5", "Roku", "Roku Ultra", "Roku/DVP-12.5 (12.5.0.4174-46)", 0.35},
    {"Tizen", "7.0", "Samsung", "QN65Q80C",
     "Mozilla/5.0 (SMART-TV; LINUX; Tizen 7.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "7.0 TV Safari/537.36", 0.20},
    {"webOS", "23", "LG", "OLED55C3",
     "Mozilla/5.0 (Web0S; Linux/SmartTV) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/94.0.4606.128 Safari/537.36 WebAppManager", 0.15},
    {"Fire OS", "7", "Amazon", "AFTMM",
     "Mozilla/5.0 (Linux; Android 9; AFTMM Build/PS7633) AppleWebKit/537.36 (KHTML, like "
     "Gecko) Chrome/120.0.6099.230 Mobile Safari/537.36", 0.20},
    {"tvOS", "17.4", "Apple", "Apple TV", "AppleCoreMedia/1.0.0.21L227 (Apple TV; U; CPU OS "
     "17_4 like Mac OS X; en_us)", 0.10},
};

const struct os_table traffic_ios_phones = {ios_phones, COUNT(ios_phones)};
const struct os_table traffic_android_phones = {android_phones, COUNT(android_phones)};
const struct os_table traffic_ios_tablets = {ios_tablets, COUNT(ios_tablets)};
const struct os_table traffic_android_tablets = {android_tablets, COUNT(android_tablets)};
const struct os_table traffic_desktops = {desktops, COUNT(desktops)};
const struct os_table traffic_ctvs = {ctvs, COUNT(ctvs)};

const struct weighted_value traffic_tmax_ms[] = {
    {80, 0.05}, {100, 0.25}, {120, 0.20}, {150, 0.15},
    {200, 0.15}, {250, 0.05}, {300, 0.10}, {500, 0.05},
};
const size_t traffic_tmax_count = COUNT(traffic_tmax_ms);

const char *const traffic_iab_categories[] = {
    "IAB1", "IAB2", "IAB3", "IAB4", "IAB5", "IAB6", "IAB7", "IAB8", "IAB9", "IAB10",
    "IAB11", "IAB12", "IAB13", "IAB14", "IAB15", "IAB16", "IAB17", "IAB18", "IAB19", "IAB20",
    "IAB1-6", "IAB8-6", "IAB8-9", "IAB9-30", "IAB12-3", "IAB17-12", "IAB19-18", "IAB20-18",
};
const size_t traffic_iab_category_count = COUNT(traffic_iab_categories);

const char *const traffic_sections[] = {
    "news", "sport", "local", "food", "travel", "culture", "business", "tech", "weather",
    "lifestyle", "auto", "health",
};
const size_t traffic_section_count = COUNT(traffic_sections);

const char *const traffic_name_syllables[] = {
    "ka", "lo", "mi", "ra", "ve", "to", "na", "si", "pe", "du", "ri", "mo",
    "le", "ba", "cor", "tan", "vil", "ber", "sol", "mar", "pol", "den", "fi", "gu",
};
const size_t traffic_name_syllable_count = COUNT(traffic_name_syllables);

double traffic_units_per_usd(const char *currency)
{
    static const struct {
        const char *code;
        double rate;
    } rates[] = {{"USD", 1.0},  {"EUR", 0.92}, {"GBP", 0.79}, {"CHF", 0.88},
                 {"SEK", 10.5}, {"DKK", 6.9},  {"PLN", 4.0},  {"CAD", 1.36}};
    for (size_t i = 0; i < COUNT(rates); i++)
        if (strcmp(rates[i].code, currency) == 0)
            return rates[i].rate;
    return 1.0;
}
