/* busy-query.h: the types of a busy computation: its query, its limits,
 * the scan and what a split hands out (src/busy.c).
 *
 * Types alone: notyet/busy.h declares the functions that use them, and the
 * busy module's internals (src/busy-private.h) need only these.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

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

/* A streaming scan over one source's text, fed in chunks of any size. */
typedef struct _NyBusyScan NyBusyScan;

/* Span bounds meaning "no bound". */
#define NY_BUSY_SPAN_OPEN_START G_MININT64
#define NY_BUSY_SPAN_OPEN_END G_MAXINT64

/* Receives one top-level component of the text (VEVENT, VFREEBUSY or
 * VTIMEZONE), verbatim with CRLF line ends, and the span of time it can
 * touch: NY_BUSY_SPAN_OPEN_* for a VTIMEZONE, a VFREEBUSY, and an event
 * whose span is unknown or unbounded. @text is borrowed for the call. */
typedef void (*NyBusyObjectFunc)(const char *text, gsize len, NyTime span_start, NyTime span_end,
                                 gpointer user_data);

G_END_DECLS
