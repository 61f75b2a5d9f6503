/* Distances on the Earth as a sphere of mean radius: precise to about 0.5 % against the
 * ellipsoid, which is far below the uncertainty of any location a bid request carries. */
#ifndef GEOBID_GREAT_CIRCLE_H
#define GEOBID_GREAT_CIRCLE_H

#include <math.h>

#define GREAT_CIRCLE_EARTH_RADIUS_M 6371008.8 /* mean radius (IUGG) */
#define GREAT_CIRCLE_RAD_PER_DEG (3.14159265358979323846 / 180.0)

/* Returns the cosine of a latitude in degrees, as great_circle_cos_m() wants it. */
static inline double great_circle_cos_lat(double lat)
{
    return cos(lat * GREAT_CIRCLE_RAD_PER_DEG);
}

/* Like great_circle_m() with the cosines of both latitudes given (from
 * great_circle_cos_lat()), so a caller comparing one point with many saves two cosines
 * per pair; the result is bit for bit the same. */
static inline double great_circle_cos_m(double lat1, double lon1, double cos_lat1, double lat2,
                                        double lon2, double cos_lat2)
{
    double sin_dlat = sin((lat2 - lat1) * GREAT_CIRCLE_RAD_PER_DEG / 2);
    double sin_dlon = sin((lon2 - lon1) * GREAT_CIRCLE_RAD_PER_DEG / 2);
    double h = sin_dlat * sin_dlat + cos_lat1 * cos_lat2 * sin_dlon * sin_dlon;
    /* Rounding can push h a hair outside [0, 1] for antipodes; asin would give NaN. */
    h = h < 0 ? 0 : h > 1 ? 1 : h;
    return 2 * GREAT_CIRCLE_EARTH_RADIUS_M * asin(sqrt(h));
}

/* Returns the great-circle distance in metres between two points given in degrees
 * (haversine). */
static inline double great_circle_m(double lat1, double lon1, double lat2, double lon2)
{
    return great_circle_cos_m(lat1, lon1, great_circle_cos_lat(lat1), lat2, lon2,
                              great_circle_cos_lat(lat2));
}

#endif
