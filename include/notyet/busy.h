/* busy.h: busy periods from iCalendar data (DESIGN.md section 4).
 *
 * Pure module: the text, the window, the user's zone and addresses come in;
 * busy intervals and warnings go out. No clock, files or network. Titles,
 * locations and descriptions never leave it: warnings name a UID only.
 *
 * The text is read one top-level component at a time (a streaming scan), so
 * memory stays flat however large a calendar grows; the limits below are
 * checked on the raw text before libical sees it.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_BUSY_ERROR (ny_busy_error_quark())
GQuark ny_busy_error_quark(void);

typedef enum {
    NY_BUSY_ERROR_INVALID, /* the text holds no iCalendar data at all */
    NY_BUSY_ERROR_FAILED,
} NyBusyError;

/* Bounds on untrusted input. What exceeds them is skipped with a warning. */
typedef struct {
    guint max_instances; /* recurrence steps per series (default 50,000) */
    gsize max_line;      /* bytes in one physical line (default 1 MiB) */
    guint max_depth;     /* component nesting, VCALENDAR counts as 1 (default 8) */
    gsize max_object;    /* bytes in one top-level component (default 10 MiB) */
} NyBusyLimits;

/* VTIMEZONEs read once and shared by the scans of one lookup (see
 * NyBusyQuery.zones). */
typedef struct _NyBusyZones NyBusyZones;

/* What to compute. The strings and the zone are borrowed for the query's life. */
typedef struct {
    NyTime from; /* the window [from, to) */
    NyTime to;
    GTimeZone *zone;           /* the user's zone: DATE values, floating times */
    const char *zone_name;     /* its name, for warnings */
    const char *const *emails; /* the user's addresses (NULL-terminated), or NULL */
    NyBusyLimits limits;
    /* (nullable): when set, a VTIMEZONE whose text is byte for byte one
     * already read by a scan of this query is not parsed and built again:
     * the many objects of a CalDAV calendar each carry their own copy of
     * the same few zones. Not thread-safe: one thread's scans at a time. */
    NyBusyZones *zones;
    /* (nullable) (array zero-terminated=1): events with one of these UIDs
     * are not busy: a follow-up's own holds when its time is checked again
     * (doc/calendar-writes.md, "Booking"). */
    const char *const *ignore_uids;
} NyBusyQuery;

/**
 * ny_busy_zones_new:
 *
 * Returns: (transfer full): an empty pool, for NyBusyQuery.zones.
 */
NyBusyZones *ny_busy_zones_new(void);
void ny_busy_zones_free(NyBusyZones *zones);
/* How many VTIMEZONEs @zones holds (at most 64; later ones are not kept). */
guint ny_busy_zones_size(const NyBusyZones *zones);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyBusyZones, ny_busy_zones_free)

/**
 * ny_busy_limits_init:
 * @limits: (out caller-allocates): set to the defaults
 */
void ny_busy_limits_init(NyBusyLimits *limits);

/**
 * ny_busy_query_init:
 * @query: (out caller-allocates): filled in, with the default limits
 * @from, @to: the window
 * @zone: the user's zone (borrowed)
 * @zone_name: its name (borrowed)
 * @emails: (nullable) (array zero-terminated=1): the user's addresses (borrowed)
 */
void ny_busy_query_init(NyBusyQuery *query, NyTime from, NyTime to, GTimeZone *zone,
                        const char *zone_name, const char *const *emails);

/* A streaming scan over one source's text, fed in chunks of any size. */
typedef struct _NyBusyScan NyBusyScan;

/**
 * ny_busy_scan_new:
 * @query: what to compute; borrowed until ny_busy_scan_free()
 *
 * Returns: (transfer full): a scan, to be fed and finished.
 */
NyBusyScan *ny_busy_scan_new(const NyBusyQuery *query);

/**
 * ny_busy_scan_feed:
 * @data: the next bytes of the text (any split, also inside a line)
 * @len: their length
 *
 * Every complete top-level component is read as soon as its END line
 * arrives, so only one component is held at a time.
 */
void ny_busy_scan_feed(NyBusyScan *scan, const char *data, gsize len);

/**
 * ny_busy_scan_finish:
 * @busy: (element-type NyInterval): the busy periods are appended here,
 *        clipped to the window but not sorted or merged (call
 *        ny_intervals_normalize() on the whole list)
 * @warnings: (element-type utf8): one line per skipped or suspicious
 *            component is appended (g_free'd strings), naming its UID
 *
 * Ends the text. A scan is finished once.
 *
 * Returns: FALSE with NY_BUSY_ERROR_INVALID when the text was not empty
 * but held no iCalendar component at all; nothing is appended then.
 */
gboolean ny_busy_scan_finish(NyBusyScan *scan, GArray *busy, GPtrArray *warnings, GError **error);

void ny_busy_scan_free(NyBusyScan *scan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyBusyScan, ny_busy_scan_free)

/**
 * ny_busy_compute:
 * @query: what to compute
 * @text: iCalendar text: one VCALENDAR, several, or bare components
 * @len: its length in bytes (NUL bytes inside are refused by component)
 * @busy: (element-type NyInterval): appended to, as ny_busy_scan_finish()
 * @warnings: (element-type utf8): appended to
 *
 * One-shot form of new, feed, finish.
 *
 * Returns: as ny_busy_scan_finish().
 */
gboolean ny_busy_compute(const NyBusyQuery *query, const char *text, gsize len, GArray *busy,
                         GPtrArray *warnings, GError **error);

/**
 * ny_busy_windows_zone_to_olson:
 * @name: a Windows zone name such as "Eastern Standard Time" (any case)
 *
 * The CLDR windowsZones mapping for territory "001".
 *
 * Returns: (transfer none) (nullable): the Olson name, or NULL.
 */
const char *ny_busy_windows_zone_to_olson(const char *name);

G_END_DECLS
