/* ntime.h: the one time type, half-open intervals, and ISO 8601 at the edges.
 *
 * Pure module: no clock, no environment. Every conversion takes its zone.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Unix seconds, UTC. */
typedef gint64 NyTime;

/* A half-open interval [start, end). */
typedef struct {
    NyTime start;
    NyTime end;
} NyInterval;

#define NY_TIME_ERROR (ny_time_error_quark())
GQuark ny_time_error_quark(void);

typedef enum {
    NY_TIME_ERROR_INVALID, /* text is not a time we accept */
    NY_TIME_ERROR_ZONE,    /* unknown time zone name */
} NyTimeError;

/**
 * ny_intervals_new:
 *
 * Returns: (transfer full): an empty GArray of NyInterval.
 */
GArray *ny_intervals_new(void);

/**
 * ny_intervals_add:
 * @list: (element-type NyInterval): the list
 * @start, @end: the interval; nothing is added when end <= start
 */
void ny_intervals_add(GArray *list, NyTime start, NyTime end);

/**
 * ny_intervals_normalize:
 * @list: (element-type NyInterval): modified in place
 * @from, @to: the window; intervals are clipped to [from, to)
 *
 * Sorts by start, clips to the window, drops empty intervals and merges
 * intervals that overlap or touch. The result is sorted and disjoint.
 */
void ny_intervals_normalize(GArray *list, NyTime from, NyTime to);

/**
 * ny_intervals_overlaps:
 * @sorted: (element-type NyInterval): a normalized list
 *
 * Returns: TRUE when [start, end) shares at least one second with an interval
 * of @sorted. Binary search: O(log n).
 */
gboolean ny_intervals_overlaps(const GArray *sorted, NyTime start, NyTime end);

/**
 * ny_time_format_utc:
 *
 * Returns: (transfer full): @t as "2026-12-02T19:00:00Z".
 */
char *ny_time_format_utc(NyTime t);

/**
 * ny_time_format_basic_utc:
 *
 * Returns: (transfer full): @t in iCalendar's basic form, "20261202T190000Z"
 * (RFC 5545 3.3.5), as CalDAV's time-range and notyet's resource names
 * write it; the epoch for an instant GDateTime cannot hold.
 */
char *ny_time_format_basic_utc(NyTime t);

/**
 * ny_time_format_local:
 *
 * Returns: (transfer full): @t in @zone as "2026-12-02T14:00:00-05:00".
 */
char *ny_time_format_local(NyTime t, GTimeZone *zone);

/**
 * ny_time_parse:
 * @text: ISO 8601 with "Z" or an offset ("2026-12-02T19:00:00Z",
 *        "2026-12-02T14:00-05:00"), or a bare date "2026-12-02", which is
 *        local midnight in @zone
 * @zone: the user's zone, for bare dates
 * @out_time: (out): the instant, untouched on failure
 *
 * A date-time without Z or offset is refused: it would be ambiguous.
 *
 * Returns: TRUE on success; FALSE with NY_TIME_ERROR_INVALID.
 */
gboolean ny_time_parse(const char *text, GTimeZone *zone, NyTime *out_time, GError **error);

/**
 * ny_zone_new:
 * @name: an Olson zone name such as "America/New_York", or "UTC"
 *
 * Unlike g_time_zone_new(), an unknown name is an error, never UTC. Names
 * GLib would take for a fixed offset or a POSIX rule ("+05:00", "UTC+3",
 * "EST5EDT") and the zone abbreviations of ny_zone_suggest() ("EST",
 * "CET") are refused too, whatever tzdata holds: they are not the place
 * the user lives in, and would silently lose its daylight saving time.
 *
 * Returns: (transfer full): the zone, or NULL with NY_TIME_ERROR_ZONE.
 */
GTimeZone *ny_zone_new(const char *name, GError **error);

/**
 * ny_zone_suggest:
 * @name: a zone name that ny_zone_new() refused
 * @known: (array zero-terminated=1) (nullable): the zone names tzdata
 *         knows (the caller reads them; this module reads no file)
 *
 * The zone the user most likely meant: a US abbreviation or region
 * ("EST", "PST", "Eastern") or another common abbreviation
 * ("CET", "JST") gives its usual place; otherwise the name in @known equal
 * to @name but for case, or whose last part is @name ("new york"), or the
 * closest by edit distance (case-insensitive, at most a third of @name's
 * length).
 *
 * Returns: (transfer full) (nullable): the suggested name, or NULL.
 */
char *ny_zone_suggest(const char *name, const char *const *known);

/**
 * ny_time_local_midnight:
 *
 * Returns: the first instant of the local day @days after the local day of @t
 * in @zone (days may be 0 or negative). Days are 23 or 25 hours long across a
 * DST change; a day that starts in a gap starts at the first valid instant.
 */
NyTime ny_time_local_midnight(NyTime t, GTimeZone *zone, int days);

/**
 * ny_time_from_local:
 *
 * Returns: the instant of the wall-clock time @year-@month-@day @hour:@minute
 * in @zone. A time skipped by a DST gap is rounded up to the first valid time
 * after the gap; an ambiguous time (the repeated hour) is read in standard
 * time, as g_date_time_new() does.
 */
NyTime ny_time_from_local(GTimeZone *zone, int year, int month, int day, int hour, int minute,
                          int second);

G_END_DECLS
