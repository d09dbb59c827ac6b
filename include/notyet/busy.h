/* busy.h: busy periods from iCalendar data (doc/busy-rules.md).
 *
 * Pure module: the text, the window, the user's zone and addresses come in;
 * busy intervals and warnings go out. No clock, files or network. Titles,
 * locations and descriptions never leave it: warnings name a UID only.
 *
 * The text is read one top-level component at a time (a streaming scan), so
 * memory stays flat however large a calendar grows; the limits below are
 * checked on the raw text before libical sees it. The same scanner splits a
 * calendar into objects for the cache and tells the span of time each can
 * touch (doc/busy-rules.md, "The scanner"): this is the only code that
 * reads iCalendar text.
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
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyBusyZones, ny_busy_zones_free)

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

/* Span bounds meaning "no bound". */
#define NY_BUSY_SPAN_OPEN_START G_MININT64
#define NY_BUSY_SPAN_OPEN_END G_MAXINT64

/* Receives one top-level component of the text (VEVENT, VFREEBUSY or
 * VTIMEZONE), verbatim with CRLF line ends, and the span of time it can
 * touch: NY_BUSY_SPAN_OPEN_* for a VTIMEZONE, a VFREEBUSY, and an event
 * whose span is unknown or unbounded. @text is borrowed for the call. */
typedef void (*NyBusyObjectFunc)(const char *text, gsize len, NyTime span_start, NyTime span_end,
                                 gpointer user_data);

/* The lines that wrap split objects for ny_busy_scan_feed(): the head,
 * then the objects in the order they were split, then the tail. */
extern const char ny_busy_split_head[];
extern const char ny_busy_split_tail[];

/**
 * ny_busy_scan_set_split:
 * @func: called with every top-level component as the scan reads it
 *
 * Splits the text as it is read, into objects to be stored (the cache).
 * Call before the first feed.
 */
void ny_busy_scan_set_split(NyBusyScan *scan, NyBusyObjectFunc func, gpointer user_data);

/**
 * ny_busy_scan_object_range:
 * @out_offset, @out_length: (out): where the object stands in the text fed
 *
 * Only inside the split function, for the object it is given: the bytes
 * of the text fed (counted from the first byte of the first feed) from
 * the start of its BEGIN line to past the line feed of its END line (or
 * the text's end). Its text is these bytes with every line ending made
 * CRLF, and fed again in its place they read the same (a local file's
 * cache keeps only these offsets: src/sources.c).
 */
void ny_busy_scan_object_range(NyBusyScan *scan, guint64 *out_offset, guint64 *out_length);

/**
 * ny_busy_scan_feed_object:
 * @data: the bytes of one split object, as ny_busy_scan_object_range()
 *   placed them
 *
 * Feeds them, then a line feed if they do not end with one (the text's
 * last line): the next object starts on a line of its own.
 */
void ny_busy_scan_feed_object(NyBusyScan *scan, const char *data, gsize len);

/**
 * ny_busy_scan_split_whole:
 *
 * After ny_busy_scan_finish(): TRUE when the split objects say all the
 * text says, so that for any query (same limits) feeding the head, every
 * object whose span meets the window (zones always), in split order, and
 * the tail gives exactly what the whole text gives: busy periods and
 * warnings. FALSE for a text with no component, several VCALENDARs, a
 * component outside the VCALENDAR, left open or over a limit, or a line
 * over a limit outside any component: such a text is read whole.
 */
gboolean ny_busy_scan_split_whole(NyBusyScan *scan);

/**
 * ny_busy_span:
 * @text: one calendar object (a VCALENDAR with its VTIMEZONEs and the
 *        events of one UID, as a CalDAV server or a vdir file holds it)
 * @out_start, @out_end: (out): the span of time its events can touch (the
 *   union of their spans as ny_busy_scan_set_split() reports them):
 *   NY_BUSY_SPAN_OPEN_* when unknown or unbounded, also when the text
 *   cannot be read (reading it says why); start == end == 0 when it holds
 *   no event at all
 *
 * A scan never computes anything for an event whose span misses its
 * window, so skipping a whole object whose span misses it changes no busy
 * period.
 */
void ny_busy_span(const char *text, gsize len, NyTime *out_start, NyTime *out_end);

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

G_END_DECLS
