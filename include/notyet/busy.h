/* busy.h: busy periods from iCalendar data (doc/busy-rules.md).
 *
 * Pure module: the text, the window, the user's zone and addresses come in;
 * busy intervals and warnings go out. No clock, files or network. Titles,
 * locations and descriptions never leave it: warnings name a UID only.
 *
 * The text is read one top-level component at a time (a streaming scan), so
 * memory follows the events near the window, not the size of the text; the
 * limits (NyBusyLimits) are checked on the raw text before libical sees it. The same scanner splits
 * a calendar into objects for the cache and tells the span of time each can touch
 * (doc/busy-rules.md, "The scanner"): this is the only code that reads iCalendar text.
 */
#pragma once

#include <glib.h>

#include "notyet/busy-query.h"
#include "notyet/busy-zones.h"
#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_BUSY_ERROR (ny_busy_error_quark())
GQuark ny_busy_error_quark(void);

typedef enum {
    NY_BUSY_ERROR_INVALID, /* the text holds no iCalendar data at all */
    NY_BUSY_ERROR_FAILED,
} NyBusyError;

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
 *        clipped to the window, sorted and merged among themselves (the
 *        list may hold other sources': call ny_intervals_normalize() on it)
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
