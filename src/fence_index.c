/* Fence index: a multi-level latitude/longitude grid over geo-radius fences.
 *
 * Level L (0 = finest) cuts the globe into square-in-degrees cells of 180/2^(17-L)
 * degrees: 2^(17-L) rows by 2^(18-L) columns, from about 153 m of latitude at level 0 to
 * two 180-degree cells at level 17. Powers of two keep every level aligned with the
 * others and let a cell be named by (level, row, column) packed into one 64-bit key.
 *
 * A fence goes to the finest level whose cell side is at least its radius, moved up
 * while its bounding box would touch more than MAX_CELLS_PER_FENCE cells (near the
 * poles a small cap spans many narrow columns, or all of them). It is listed in every
 * cell of that level its box touches. Cells live in one immutable open-addressing hash
 * table whose slots point at a range of one flat array of members (CSR), so a query is
 * one hash probe per level in use plus a check per member, and allocates nothing.
 *
 * Each member carries, besides its fence's centre and radius, two 64-bit masks over an
 * 8 x 8 grid of sub-cells of its cell, computed at build: the sub-cells the fence holds
 * entirely and those it holds not at all, proven with margins that make them agree
 * with the exact formula at every point (see classify_sub_cells()). A query finds its
 * sub-cell once per level, in the same grid arithmetic as its cell, so most members
 * cost two bit tests and a branch-free append; only members whose rim crosses the
 * point's sub-cell (about one in eight in dense cities) take the trig-free bound test
 * and, very near the rim, the exact haversine. Hits come out of each cell in position
 * order, and the per-level runs are merged. */
#include "geobid/fence_index.h"

#include "geobid/great_circle.h"

#include "geobid/alloc.h"

#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
    LEVEL_COUNT = 18,
    TOP_LEVEL = LEVEL_COUNT - 1,
    FINEST_ROWS_LOG2 = 17, /* 180° / 2^17 = 0.00137° = 152.7 m of latitude */
    MAX_CELLS_PER_FENCE = 32,
    SUB_CELLS_LOG2 = 3, /* a cell is cut into 8 x 8 sub-cells for the member masks */
    SUB_CELLS = 1 << SUB_CELLS_LOG2,
    SMALL_SORT = 16,
    MERGE_CAPACITY = 256, /* hits merged through a stack buffer; more are heap-sorted */
};

static const double earth_radius_m = GREAT_CIRCLE_EARTH_RADIUS_M;
static const double rad_per_deg = GREAT_CIRCLE_RAD_PER_DEG;
static const double metres_per_degree = GREAT_CIRCLE_EARTH_RADIUS_M * GREAT_CIRCLE_RAD_PER_DEG;
static const uint64_t empty_key = UINT64_MAX; /* no real key has all bits set */

/* One cell of one level: members[start .. start + count) are its fences. */
struct fence_cell {
    uint64_t key;
    uint32_t start;
    uint32_t count;
};

/* A fence as listed in a cell: its geometry is copied next to its position so that a
 * query reads one cell's candidates sequentially instead of chasing each into the fence
 * array (that pointer chase was most of a query's time on 100,000 fences). Splitting the
 * masks and positions from the geometry into two arrays was measured slower: a query
 * in an undecided sub-cell then misses in both. */
struct cell_member {
    double lat, lon;
    double cos_lat; /* precomputed for the distance check */
    uint32_t radius_m;
    uint32_t position;
    /* Bit 8·sub_row + sub_column stands for one sub-cell of the cell: set in `decided`
     * when the fence holds all of it or none of it, and then in `inside` when all. */
    uint64_t decided, inside;
};

struct fence_index {
    struct fence_cell *cells; /* cell_mask + 1 slots, a power of two */
    uint64_t cell_mask;
    unsigned cell_shift; /* 64 - log2(slots) */
    struct cell_member *members;
    uint32_t levels_in_use; /* bit L set when level L holds at least one fence */
};

/* ------------------------------------------------------------------ geometry */

static uint32_t level_rows(int level)
{
    return UINT32_C(1) << (FINEST_ROWS_LOG2 - level);
}

static uint32_t level_columns(int level)
{
    return level_rows(level) * 2;
}

static double level_cell_side_deg(int level)
{
    return 180.0 / level_rows(level);
}

/* Row of a latitude in a grid of 2^rows_log2 rows, clamped so that lat = 90 falls in
 * the top row (NaN gives 0). Grids differ by powers of two, which scale exactly, so a
 * row of a grid 8 times finer, shifted right by 3, is the row of this one. */
static uint32_t grid_row(int rows_log2, double lat)
{
    uint32_t rows = UINT32_C(1) << rows_log2;
    double row = floor((lat + 90.0) * (rows / 180.0));
    if (!(row >= 0))
        return 0;
    return row >= rows ? rows - 1 : (uint32_t)row;
}

/* Column in a grid of 2^rows_log2 rows, counted from -180° without wrapping; lon must
 * be within a few turns of 0. */
static int64_t grid_column(int rows_log2, double lon)
{
    return (int64_t)floor((lon + 180.0) * ((UINT32_C(1) << rows_log2) / 180.0));
}

static uint32_t row_of(int level, double lat)
{
    return grid_row(FINEST_ROWS_LOG2 - level, lat);
}

static int64_t column_unwrapped(int level, double lon)
{
    return grid_column(FINEST_ROWS_LOG2 - level, lon);
}

/* Wraps a column into [0, columns): -180° and 180° land in the same column. */
static uint32_t column_wrapped(int level, int64_t column)
{
    int64_t columns = level_columns(level);
    int64_t wrapped = column % columns;
    return (uint32_t)(wrapped < 0 ? wrapped + columns : wrapped);
}

static uint64_t cell_key(int level, uint32_t row, uint32_t column)
{
    return (uint64_t)level << 40 | (uint64_t)row << 20 | column;
}

static int key_level(uint64_t key)
{
    return (int)(key >> 40);
}

static uint32_t key_row(uint64_t key)
{
    return (uint32_t)(key >> 20) & 0xFFFFF;
}

static uint32_t key_column(uint64_t key)
{
    return (uint32_t)key & 0xFFFFF;
}

/* ---------------------------------------------------------- fence placement */

/* The latitude/longitude box around a fence's cap, in degrees. */
struct fence_box {
    double radius_deg;
    double lat_lo, lat_hi;
    double lon_lo, lon_hi;
    bool all_lon; /* the cap reaches a pole: every longitude */
};

/* The cells of one level that a fence is listed in. */
struct fence_cells {
    int level;
    uint32_t row_lo, row_hi;
    int64_t column_lo, column_hi; /* unwrapped: may run past ±180°, never a full turn */
};

/* Widens an angle so that the box also holds points whose *computed* haversine
 * distance is <= the radius although their true distance is a hair larger, and covers
 * the rounding of the box arithmetic itself. Extra width only costs a few entries. */
static double with_slack(double degrees)
{
    return degrees * (1 + 1e-7) + 1e-7;
}

/* Bounding box of a spherical cap. The exact half-width in longitude of a cap of
 * angular radius r centred at latitude φ is asin(sin r / cos φ) (it is reached poleward
 * of the centre, so r / cos φ would be too narrow). When the cap contains a pole it
 * spans every longitude. Out-of-contract centres are clamped so nothing overflows. */
static struct fence_box fence_box_of(const struct fence *fence)
{
    struct fence_box box = {0};
    double lat = isfinite(fence->lat) ? fmax(-90.0, fmin(90.0, fence->lat)) : 0.0;
    double lon = isfinite(fence->lon) ? remainder(fence->lon, 360.0) : 0.0;
    box.radius_deg = with_slack(fence->radius_m / earth_radius_m / rad_per_deg);
    box.lat_lo = lat - box.radius_deg;
    box.lat_hi = lat + box.radius_deg;
    /* Near sin r / cos φ = 1 asin is ill-conditioned; the box is then about half the
     * globe's width anyway, so take all of it. */
    double spread = sin(box.radius_deg * rad_per_deg) / cos(lat * rad_per_deg);
    box.all_lon = fabs(lat) + box.radius_deg >= 90.0 || !(spread < 0.999999);
    if (!box.all_lon) {
        double half_width = with_slack(asin(spread) / rad_per_deg);
        box.lon_lo = lon - half_width;
        box.lon_hi = lon + half_width;
    }
    return box;
}

static struct fence_cells fence_cells_at(const struct fence_box *box, int level)
{
    struct fence_cells cells = {
        .level = level,
        .row_lo = row_of(level, box->lat_lo),
        .row_hi = row_of(level, box->lat_hi),
        .column_lo = 0,
        .column_hi = (int64_t)level_columns(level) - 1,
    };
    if (!box->all_lon) {
        int64_t lo = column_unwrapped(level, box->lon_lo);
        int64_t hi = column_unwrapped(level, box->lon_hi);
        /* A box wider than one turn would list a cell twice. */
        if (hi - lo < cells.column_hi) {
            cells.column_lo = lo;
            cells.column_hi = hi;
        }
    }
    return cells;
}

static size_t fence_cells_count(const struct fence_cells *cells)
{
    return (size_t)(cells->row_hi - cells->row_lo + 1) *
           (size_t)(cells->column_hi - cells->column_lo + 1);
}

/* The finest level whose cell side is >= the radius, then coarser while the box would
 * touch too many cells (caps near a pole). */
static struct fence_cells fence_place(const struct fence *fence)
{
    struct fence_box box = fence_box_of(fence);
    int level = 0;
    while (level < TOP_LEVEL && level_cell_side_deg(level) < box.radius_deg)
        level++;
    struct fence_cells cells = fence_cells_at(&box, level);
    while (level < TOP_LEVEL && fence_cells_count(&cells) > MAX_CELLS_PER_FENCE)
        cells = fence_cells_at(&box, ++level);
    return cells;
}

/* --------------------------------------------------------- sub-cell masks */

/* Which sub-cells of one cell a fence holds entirely, or not at all, as the exact
 * formula would answer for any point of them; the others are left undecided. The
 * formula's distance is at most r exactly when h = sin²(Δφ/2) + cos φ·cos φf·sin²(Δλ/2)
 * is at most sin²(r/2R), and h only grows with each of its three factors, so over a
 * sub-cell h lies between the sums of their smallest and of their largest values on
 * the sub-cell's latitude and longitude ranges (bounds that are tight for cells smaller
 * than the fence). What keeps the answers exact:
 *   - each sub-cell is widened by sub_cell_slack_deg, far more than the rounding that
 *     can put a point's computed sub-cell a hair away from its true one;
 *   - h must clear sin²(r/2R) by the relative margin, which dwarfs the relative error
 *     of every term of both computations; the one absolute error, that of sin(Δλ/2)
 *     when the formula's Δλ is near ±360° (points across the antimeridian), is below
 *     2e-15·√h and so below the margin for any radius of 1 m or more (a radius of 0
 *     decides nothing inside, and outside only where h clears absolute_margin);
 *   - latitudes beyond ±89.99° are never decided: near a pole the computed cosine of a
 *     latitude is off by more than the margin relative to its tiny value;
 *   - fences outside the contract are never decided, nor those above one Earth radius
 *     (past half a turn sin²(r/2R) wraps around; below one radius asin stays well
 *     conditioned), nor queries beyond ±360° of longitude (see fence_index_query). */
static const double sub_cell_slack_deg = 1e-9, decided_max_lat = 89.99,
                    relative_margin = 1e-6, absolute_margin = 1e-24;

struct range {
    double lo, hi;
};

/* The value of [x0, x1] nearest to 0, and the farthest. */
static double nearest_to_zero(double x0, double x1)
{
    return x0 > 0 ? x0 : x1 < 0 ? -x1 : 0;
}

static double farthest_from_zero(double x0, double x1)
{
    return fmax(fabs(x0), fabs(x1));
}

/* Bounds of sin²x for x in [x0, x1] (radians), without trigonometry: on [-1, 1] sin²
 * grows with |x| and x²(1 - x²/3) <= sin²x <= x²; a wider interval gets [0, 1]. */
static struct range sin2_range(double x0, double x1)
{
    if (x0 < -1 || x1 > 1)
        return (struct range){0, 1};
    double near = nearest_to_zero(x0, x1), far = farthest_from_zero(x0, x1);
    return (struct range){near * near * (1 - near * near / 3), far * far};
}

/* The sub-rows of one cell, shared by its members: each one's latitudes (widened by the
 * slack) and the range of their cosines; usable bit i is set when sub-row i may be
 * decided. */
struct sub_rows {
    struct range lat[SUB_CELLS], cos_lat[SUB_CELLS];
    unsigned usable;
};

static struct sub_rows sub_rows_of(int level, uint32_t row)
{
    struct sub_rows rows = {.usable = 0};
    double side = level_cell_side_deg(level) / SUB_CELLS;
    double south = row * level_cell_side_deg(level) - 90.0;
    for (unsigned i = 0; i < SUB_CELLS; i++) {
        double lo = south + i * side - sub_cell_slack_deg;
        double hi = lo + side + 2 * sub_cell_slack_deg;
        rows.lat[i] = (struct range){lo, hi};
        if (lo < -decided_max_lat || hi > decided_max_lat)
            continue;
        rows.usable |= 1u << i;
        rows.cos_lat[i] = (struct range){great_circle_cos_lat(farthest_from_zero(lo, hi)),
                                         great_circle_cos_lat(nearest_to_zero(lo, hi))};
    }
    return rows;
}

static bool fence_is_decidable(const struct fence *fence)
{
    return fence->lat >= -90.0 && fence->lat <= 90.0 && fence->lon >= -180.0 &&
           fence->lon <= 180.0 && fence->radius_m <= earth_radius_m;
}

struct sub_cell_masks {
    uint64_t decided, inside;
};

/* The bounds of sin²(Δλ/2) over each sub-column of a cell, for the fence's longitude. */
static void sub_column_terms(const struct fence *fence, int level, uint32_t column,
                             struct range terms[SUB_CELLS])
{
    static const double half_rad_per_deg = rad_per_deg / 2;
    double side = level_cell_side_deg(level) / SUB_CELLS;
    /* The cell's west edge less the fence's longitude, brought within half a turn. */
    double west = remainder(column * level_cell_side_deg(level) - 180.0 - fence->lon, 360.0);
    for (unsigned j = 0; j < SUB_CELLS; j++) {
        double lo = west + j * side - sub_cell_slack_deg;
        terms[j] = sin2_range(lo * half_rad_per_deg,
                              (lo + side + 2 * sub_cell_slack_deg) * half_rad_per_deg);
    }
}

/* The masks of fence in the cell of that level and column whose sub-rows are rows;
 * nothing is decided for a fence outside what the proof above covers. */
static struct sub_cell_masks classify_sub_cells(const struct fence *fence, int level,
                                                uint32_t column, const struct sub_rows *rows)
{
    static const double half_rad_per_deg = rad_per_deg / 2;
    struct sub_cell_masks masks = {0, 0};
    if (!fence_is_decidable(fence))
        return masks;
    struct range lon[SUB_CELLS];
    sub_column_terms(fence, level, column, lon);
    double sin_half = sin(fence->radius_m / (2 * earth_radius_m));
    double t_lo = sin_half * sin_half * (1 - relative_margin);
    double t_hi = sin_half * sin_half * (1 + relative_margin);
    double cos_fence = great_circle_cos_lat(fence->lat);
    for (unsigned i = 0; i < SUB_CELLS; i++) {
        if (!(rows->usable & 1u << i))
            continue;
        struct range lat = sin2_range((rows->lat[i].lo - fence->lat) * half_rad_per_deg,
                                      (rows->lat[i].hi - fence->lat) * half_rad_per_deg);
        double c_lo = rows->cos_lat[i].lo * cos_fence, c_hi = rows->cos_lat[i].hi * cos_fence;
        for (unsigned j = 0; j < SUB_CELLS; j++) {
            double h_lo = lat.lo + c_lo * lon[j].lo, h_hi = lat.hi + c_hi * lon[j].hi;
            uint64_t inside = h_hi * (1 + relative_margin) < t_lo;
            uint64_t outside = h_lo * (1 - relative_margin) - absolute_margin > t_hi;
            masks.decided |= (inside | outside) << (i * SUB_CELLS + j);
            masks.inside |= inside << (i * SUB_CELLS + j);
        }
    }
    return masks;
}

/* -------------------------------------------------------------------- build */

/* One (cell, fence) pair, sorted by cell to lay out the CSR arrays. */
struct cell_entry {
    uint64_t key;
    uint32_t position;
};

static int cell_entry_compare(const void *a, const void *b)
{
    const struct cell_entry *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return (x->position > y->position) - (x->position < y->position);
}

/* Positions and entry offsets are uint32_t, as in the query API. */
static void check_fits_uint32(size_t n)
{
    if (n > UINT32_MAX) {
        fprintf(stderr, "geobid: fence index: %zu entries exceed the uint32 range\n", n);
        abort();
    }
}

static size_t fill_entries(struct cell_entry *entries, const struct fence_cells *cells,
                           uint32_t position)
{
    size_t n = 0;
    for (uint32_t row = cells->row_lo; row <= cells->row_hi; row++)
        for (int64_t column = cells->column_lo; column <= cells->column_hi; column++) {
            uint32_t wrapped = column_wrapped(cells->level, column);
            entries[n++] = (struct cell_entry){cell_key(cells->level, row, wrapped), position};
        }
    return n;
}

/* Every (cell, fence) pair, sorted by cell key then position; sets *out_count and the
 * index's level mask. */
static struct cell_entry *collect_entries(struct fence_index *index, const struct fence *fences,
                                          size_t count, size_t *out_count)
{
    struct fence_cells *placed = xmalloc(count * sizeof(*placed));
    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        placed[i] = fence_place(&fences[i]);
        total += fence_cells_count(&placed[i]);
        index->levels_in_use |= UINT32_C(1) << placed[i].level;
    }
    check_fits_uint32(total);
    struct cell_entry *entries = xmalloc(total * sizeof(*entries));
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        n += fill_entries(entries + n, &placed[i], (uint32_t)i);
    free(placed);
    qsort(entries, total, sizeof(*entries), cell_entry_compare);
    *out_count = total;
    return entries;
}

/* Fibonacci hashing: the multiply spreads neighbouring cells over the top bits. */
static uint64_t cell_slot(const struct fence_index *index, uint64_t key)
{
    return (key * UINT64_C(0x9E3779B97F4A7C15)) >> index->cell_shift;
}

static void insert_cell(struct fence_index *index, struct fence_cell cell)
{
    uint64_t slot = cell_slot(index, cell.key);
    while (index->cells[slot].key != empty_key)
        slot = (slot + 1) & index->cell_mask;
    index->cells[slot] = cell;
}

static size_t count_distinct_keys(const struct cell_entry *entries, size_t n)
{
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || entries[i].key != entries[i - 1].key;
    return distinct;
}

static struct cell_member member_of(const struct fence *fence, struct cell_entry entry,
                                    const struct sub_rows *rows)
{
    struct sub_cell_masks masks =
        classify_sub_cells(fence, key_level(entry.key), key_column(entry.key), rows);
    return (struct cell_member){fence->lat, fence->lon, great_circle_cos_lat(fence->lat),
                                fence->radius_m, entry.position, masks.decided, masks.inside};
}

/* Lays sorted entries out as a hash table of cells (load <= 1/2) over members[]. */
static void build_cells(struct fence_index *index, const struct fence *fences,
                        const struct cell_entry *entries, size_t n)
{
    size_t slots = 2;
    index->cell_shift = 63;
    for (size_t wanted = 2 * count_distinct_keys(entries, n); slots < wanted; slots *= 2)
        index->cell_shift--;
    index->cell_mask = slots - 1;
    index->cells = xmalloc(slots * sizeof(*index->cells));
    for (size_t i = 0; i < slots; i++)
        index->cells[i] = (struct fence_cell){.key = empty_key};
    index->members = xmalloc(n * sizeof(*index->members));
    for (size_t start = 0, end; start < n; start = end) {
        uint64_t key = entries[start].key;
        struct sub_rows rows = sub_rows_of(key_level(key), key_row(key));
        for (end = start; end < n && entries[end].key == key; end++)
            index->members[end] = member_of(&fences[entries[end].position], entries[end], &rows);
        insert_cell(index, (struct fence_cell){entries[start].key, (uint32_t)start,
                                               (uint32_t)(end - start)});
    }
}

struct fence_index *fence_index_build(const struct fence *fences, size_t count)
{
    check_fits_uint32(count);
    struct fence_index *index = xcalloc(1, sizeof(*index));
    size_t n;
    struct cell_entry *entries = collect_entries(index, fences, count, &n);
    build_cells(index, fences, entries, n);
    free(entries);
    return index;
}

void fence_index_free(struct fence_index *index)
{
    if (index == NULL)
        return;
    free(index->cells);
    free(index->members);
    free(index);
}

/* -------------------------------------------------------------------- query */

/* The caller's hits array: the smallest `capacity` positions seen so far. While it is
 * not full it is filled in order, one ascending run per cell (a cell lists its fences
 * in position order), whose ends are kept; after that it is a max-heap so that a
 * smaller position can replace the largest kept one. */
struct hit_list {
    uint32_t *hits;
    size_t capacity;
    size_t total;
    size_t run_ends[LEVEL_COUNT];
    int runs;
};

static void swap_positions(uint32_t *a, uint32_t *b)
{
    uint32_t t = *a;
    *a = *b;
    *b = t;
}

static void sift_down(uint32_t *heap, size_t n, size_t i)
{
    for (size_t child; (child = 2 * i + 1) < n; i = child) {
        if (child + 1 < n && heap[child + 1] > heap[child])
            child++;
        if (heap[i] >= heap[child])
            return;
        swap_positions(&heap[i], &heap[child]);
    }
}

static void heapify(uint32_t *heap, size_t n)
{
    for (size_t i = n / 2; i-- > 0;)
        sift_down(heap, n, i);
}

/* In-place and allocation-free (glibc's qsort may malloc). Hits are few and come in
 * sorted runs, one per level, so insertion sort is the usual path. */
static void sort_positions(uint32_t *a, size_t n)
{
    if (n <= SMALL_SORT) {
        for (size_t i = 1; i < n; i++)
            for (size_t j = i; j > 0 && a[j - 1] > a[j]; j--)
                swap_positions(&a[j - 1], &a[j]);
        return;
    }
    heapify(a, n);
    for (size_t end = n - 1; end > 0; end--) {
        swap_positions(&a[0], &a[end]);
        sift_down(a, end, 0);
    }
}

static void hit_list_add(struct hit_list *list, uint32_t position)
{
    size_t seen = list->total++;
    if (seen < list->capacity) {
        list->hits[seen] = position;
        return;
    }
    if (list->capacity == 0)
        return;
    if (seen == list->capacity)
        heapify(list->hits, list->capacity);
    if (position < list->hits[0]) {
        list->hits[0] = position;
        sift_down(list->hits, list->capacity, 0);
    }
}

/* Ends the run of the cell just checked, if it added hits. */
static void hit_list_end_run(struct hit_list *list)
{
    if (list->total > (list->runs > 0 ? list->run_ends[list->runs - 1] : 0))
        list->run_ends[list->runs++] = list->total;
}

/* Merges the ascending runs a[0..mid) and a[mid..end) into a[0..end), through
 * buffer (room for end entries). */
static void merge_two_runs(uint32_t *a, size_t mid, size_t end, uint32_t *buffer)
{
    size_t i = 0, j = mid, n = 0;
    while (i < mid && j < end) { /* without a branch on the comparison */
        uint32_t x = a[i], y = a[j];
        bool take_left = x <= y;
        buffer[n++] = take_left ? x : y;
        i += take_left;
        j += !take_left;
    }
    while (i < mid)
        buffer[n++] = a[i++];
    memcpy(a, buffer, n * sizeof(*a)); /* a[j..end) is already in place */
}

/* Puts the kept hits in ascending order: merges the runs when they all fit and
 * are few enough for the stack buffer, else sorts. Allocates nothing. */
static void hit_list_sort(struct hit_list *list)
{
    if (list->total > list->capacity || list->total > MERGE_CAPACITY) {
        sort_positions(list->hits, list->total < list->capacity ? list->total : list->capacity);
        return;
    }
    uint32_t buffer[MERGE_CAPACITY];
    for (int r = 1; r < list->runs; r++)
        merge_two_runs(list->hits, list->run_ends[r - 1], list->run_ends[r], buffer);
}

/* The point's cell at one level: its key, the slot where probing starts, and the bit
 * of the point's sub-cell in the members' masks (0 when the masks may not be used). */
struct probe {
    uint64_t key;
    uint64_t slot;
    uint64_t sub_cell_bit;
};

static const struct fence_cell *find_cell(const struct fence_index *index,
                                          struct probe probe)
{
    for (uint64_t slot = probe.slot;; slot = (slot + 1) & index->cell_mask) {
        const struct fence_cell *cell = &index->cells[slot];
        if (cell->key == probe.key)
            return cell;
        if (cell->key == empty_key)
            return NULL;
    }
}

/* lon_turn is the longitude in [-180, 180]. The cell is found from the point's
 * sub-cell, in a grid 8 times finer. */
static struct probe probe_of(const struct fence_index *index, int level, double lat,
                             double lon_turn, bool use_masks)
{
    int sub_rows_log2 = FINEST_ROWS_LOG2 - level + SUB_CELLS_LOG2;
    uint32_t sub_row = grid_row(sub_rows_log2, lat);
    int64_t sub_column = grid_column(sub_rows_log2, lon_turn); /* >= 0 */
    uint32_t column = column_wrapped(level, sub_column >> SUB_CELLS_LOG2);
    uint64_t key = cell_key(level, sub_row >> SUB_CELLS_LOG2, column);
    unsigned sub_cell = (sub_row % SUB_CELLS) * SUB_CELLS + (unsigned)(sub_column % SUB_CELLS);
    return (struct probe){key, cell_slot(index, key),
                          use_masks ? UINT64_C(1) << sub_cell : 0};
}

/* The queried point, with its latitude's cosine computed once per query. */
struct query_point {
    double lat, lon, cos_lat;
};

/* Tells whether fence contains point as great_circle_cos_m() would, without its
 * trigonometry: 1 inside, 0 outside, -1 when the point is too near the rim to tell
 * (then only the exact formula can).
 *
 * The formula's distance is 2R·asin(√h) with h = sin²a + c·sin²b, where a and b are
 * half the latitude and longitude differences in radians and c the product of the
 * latitudes' cosines; so the distance is at most r exactly when h <= sin²y, y = r/2R.
 * For |x| <= 1, x²(1 - x²/3) <= sin²x <= x², which bounds both sides with products
 * only. The relative margin, a million times the few ulps by which the formula's own
 * rounding can move its result, makes every answer given here the one it would give;
 * what falls inside the margin is a band of about 1e-8 of the radius. */
static int contains_by_bounds(const struct query_point *point, const struct cell_member *fence)
{
    static const double margin = 1e-9, half_rad_per_deg = rad_per_deg / 2,
                        inverse_diameter_m = 1 / (2 * earth_radius_m);
    double a = (fence->lat - point->lat) * half_rad_per_deg;
    double b = (fence->lon - point->lon) * half_rad_per_deg;
    double a2 = a * a, b2 = b * b;
    if (a2 > 1 || b2 > 1) /* far, or across the antimeridian (sin is periodic) */
        return -1;
    double h_hi = a2 + point->cos_lat * fence->cos_lat * b2;
    double h_lo = h_hi * (1 - (a2 > b2 ? a2 : b2) / 3);
    double y = fence->radius_m * inverse_diameter_m;
    double t_hi = y * y, t_lo = t_hi * (1 - t_hi / 3);
    if (h_hi * (1 + margin) < t_lo)
        return 1;
    if (h_lo > t_hi * (1 + margin))
        return 0;
    return -1;
}

/* Tells whether fence contains point, as great_circle_cos_m() would. */
static bool contains_by_distance(const struct query_point *point,
                                 const struct cell_member *fence)
{
    /* The meridian distance is a lower bound of the great-circle distance, so most
     * fences are ruled out by one subtraction; 1 m of slack keeps rounding from ever
     * ruling out a fence the exact check would accept. */
    if (fabs(point->lat - fence->lat) * metres_per_degree > fence->radius_m + 1.0)
        return false;
    int inside = contains_by_bounds(point, fence);
    if (inside < 0)
        inside = great_circle_cos_m(point->lat, point->lon, point->cos_lat, fence->lat,
                                    fence->lon, fence->cos_lat) <= fence->radius_m;
    return inside;
}

/* The same answer, from the member's masks when its sub-cell is decided. */
static bool contains(const struct query_point *point, const struct cell_member *fence,
                     uint64_t sub_cell_bit)
{
    if (fence->decided & sub_cell_bit)
        return (fence->inside & sub_cell_bit) != 0;
    return contains_by_distance(point, fence);
}

/* Adds the members of cell that contain point to list. */
static void check_cell(const struct fence_index *index, const struct fence_cell *cell,
                       uint64_t sub_cell_bit, const struct query_point *point,
                       struct hit_list *list)
{
    const struct cell_member *fence = &index->members[cell->start], *end = fence + cell->count;
    if (list->total + cell->count > list->capacity) {
        for (; fence < end; fence++)
            if (contains(point, fence, sub_cell_bit))
                hit_list_add(list, fence->position);
        return;
    }
    /* Room for every member: write each position and keep it only if it is a hit,
     * which spares a hard-to-predict branch per member. */
    uint32_t *out = list->hits + list->total;
    size_t n = 0;
    for (; fence < end; fence++) {
        out[n] = fence->position;
        n += contains(point, fence, sub_cell_bit);
    }
    list->total += n;
}

size_t fence_index_query(const struct fence_index *index, double lat, double lon,
                         uint32_t *hits, size_t max_hits)
{
    /* A latitude outside [-90, 90] or a non-finite coordinate is not a place: no
     * fence contains it. Longitudes beyond ±180° are taken modulo 360°, as the
     * distance formula does. */
    if (!(lat >= -90.0 && lat <= 90.0) || !isfinite(lon))
        return 0;
    /* Each level's slot is most likely a cache miss: compute them all and prefetch
     * them first so that the misses overlap instead of queueing one after another
     * (about 2.5x faster on random points over 100,000 fences). */
    double lon_turn = remainder(lon, 360.0);
    /* Beyond a turn the formula's Δλ loses more precision than the masks allow for. */
    bool use_masks = fabs(lon) <= 360.0;
    struct probe probes[LEVEL_COUNT];
    int levels = 0;
    for (int level = 0; level < LEVEL_COUNT; level++)
        if (index->levels_in_use & UINT32_C(1) << level) {
            probes[levels] = probe_of(index, level, lat, lon_turn, use_masks);
            __builtin_prefetch(&index->cells[probes[levels++].slot]);
        }
    struct hit_list list = {.hits = hits, .capacity = max_hits};
    struct query_point point = {lat, lon, great_circle_cos_lat(lat)};
    for (int i = 0; i < levels; i++) {
        const struct fence_cell *cell = find_cell(index, probes[i]);
        if (cell != NULL) {
            check_cell(index, cell, probes[i].sub_cell_bit, &point, &list);
            hit_list_end_run(&list);
        }
    }
    hit_list_sort(&list);
    return list.total;
}
