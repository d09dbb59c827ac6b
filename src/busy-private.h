/* busy-private.h: internals of the busy module, shared by its files
 * (src/busy*.c, listed in src/busy.c) and its unit tests.
 *
 * The files stand in layers; each calls only files below it, never one
 * above, so no two of them call each other (doc/architecture.md):
 *
 *   busy.c            the public API (notyet/busy.h): the scan's life, the
 *                     split, the span
 *   busy-lines.c      the one iCalendar scanner: lines, limits, components
 *   busy-events.c     instances of events and series, VFREEBUSY, deferral,
 *                     with busy-rrule.c (the fast path for plain rules)
 *   busy-overrides.c  overrides applied per UID, the end of a scan
 *   busy-values.c     DATE and DATE-TIME values
 *   busy-tzid.c       TZIDs to zones, with wintz.c (Windows names)
 *   busy-span.c       an event's span from its raw lines (for the scanner)
 *   busy-zones.c      civil dates, zones, VTIMEZONEs
 *   busy-warn.c       a scan's warnings and the UID labels they quote
 *
 * The declarations below follow the files from the bottom up. */
#pragma once

#include <glib.h>
#include <libical/ical.h>
#include <stddef.h>
#include <string.h>

#include "notyet/busy-query.h"

G_BEGIN_DECLS

/* What the raw text of one top-level component says about the time it can
 * touch, read from its own unfolded property lines before libical sees it
 * (src/busy-lines.c, src/busy-span.c). Days are numbered from 1970-01-01. */
typedef struct {
    gboolean open;      /* unknown or unbounded */
    gboolean any_start; /* a DTSTART was read */
    gint64 start_lo;    /* its day (the earliest and latest, when several) */
    gint64 start_hi;
    gboolean any_end;
    gint64 end_hi;   /* the latest DTEND day */
    gint64 dur_days; /* the longest DURATION, in days rounded up */
    gboolean any_until;
    gint64 until_hi;   /* the latest UNTIL day */
    gint64 count_days; /* the most days a COUNT rule can run from DTSTART */
    gboolean any_extra;
    gint64 extra_lo; /* RDATE and RECURRENCE-ID days */
    gint64 extra_hi;
    gboolean recurs;  /* an RRULE or RDATE was read: a series' master */
    gboolean recurid; /* a RECURRENCE-ID was read: an override */
    gboolean future;  /* with RANGE=THISANDFUTURE */
} NyRawSpan;

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

#define NY_DAY 86400
/* Instances are kept this far around the window, so a THISANDFUTURE
 * override can shift an instance into it (shifts up to this size). */
#define NY_MARGIN (2 * NY_DAY)
/* Components held back because a TZID was not defined yet. */
#define NY_MAX_DEFERRED 2000
/* Bytes of one unfolded property read for the span (an RDATE list can be
 * long); a longer one leaves the span open. */
#define NY_MAX_PROP (64 * 1024)

/* A zone: the system's (GTimeZone), a calendar's VTIMEZONE (libical), or UTC
 * when both are NULL. */
typedef struct {
    GTimeZone *g;
    icaltimezone *i;
} NyZone;

/* ---------------------------------------------------------------------- */
/* The scan */

typedef struct {
    NyTime recurid; /* the instance's original start */
    NyTime start;
    NyTime end;
    gboolean blocks;
} NyInst;

typedef struct {
    NyTime recurid;
    NyTime start;
    NyTime end;
    gboolean blocks;
    gboolean future; /* RANGE=THISANDFUTURE */
    /* A floating RECURRENCE-ID is the master's wall-clock time, read in
     * the master's zone once that is known (RFC 5545 3.8.4.4). */
    gboolean floating;
    gint64 wall;
} NyOverride;

typedef struct {
    icaltimezone *tz; /* owns its VTIMEZONE */
    gboolean trusted;
    char *tzid;
    int ref; /* a scan's table and a NyBusyZones pool may share it */
} NyVtz;

/* Instances of one UID, beyond its first: a master's instance starts at
 * its RECURRENCE-ID, so a start and an end say all of it, and a series'
 * instances mostly share one length: then only their starts are kept
 * (8 bytes an instance), else both ends (ny_busy_inst_list_add()). */
typedef struct {
    NyTime *v;     /* the starts, or (intervals) start and end of each */
    guint len;     /* instances */
    guint size;    /* room for this many: exactly what a master gave */
    NyTime length; /* the length of each, while !intervals */
    gboolean intervals;
} NyInstList;

/* A zone that records refer to, kept alive past its calendar. */
typedef struct {
    NyZone zone;
    NyVtz *vtz; /* owns zone.i when it is a calendar's VTIMEZONE */
} NyRecZone;

/* What one UID needs beyond a single instance: more instances, overrides,
 * a series' text. Instances that do not block are kept apart: only a
 * THISANDFUTURE override can make them block. */
typedef struct {
    NyInstList inst;      /* blocking */
    NyInstList free_inst; /* not blocking */
    GArray *overrides;    /* (element-type NyOverride), or NULL */
    /* A recurring master's text as libical reads it (the lines the busy
     * time needs), until its calendar ends: a THISANDFUTURE override may
     * move instances from far outside the window into it. */
    char *master;
} NyUidMore;

/* One UID's instances and overrides, kept until the scan ends, when the
 * overrides are applied (src/busy-overrides.c). A year of a large calendar
 * holds tens of thousands: most are one event with one instance, kept in
 * the record itself, and the record holds its UID, so that the table of
 * UIDs is a set of records (doc/performance.md, "Memory"). */
typedef struct {
    NyUidMore *more;  /* NULL until needed */
    NyInterval first; /* the first instance, when has_first */
    /* The master's DTSTART zone, for floating RECURRENCE-IDs: an index
     * into NyBusyScan.rec_zones plus one, 0 while none is known. */
    guint32 zone;
    guint has_first : 1;
    guint first_blocks : 1;
    guint masters : 2; /* masters that gave instances: 0, 1, 2 or more */
    char uid[];
} NyUidRecord;

/* The record whose uid is @key (a key of NyBusyScan.uids). */
#define NY_UID_RECORD(key) ((NyUidRecord *)(void *)((char *)(key)-offsetof(NyUidRecord, uid)))

/* VTIMEZONEs kept by a NyBusyZones pool; later ones are built per object. */
#define NY_ZONE_POOL_MAX 64

struct _NyBusyZones {
    GHashTable *by_text; /* the VTIMEZONE's text -> NyVtz */
};

struct _NyBusyScan {
    const NyBusyQuery *q;
    NyTime lo, hi; /* the window with its margin */

    /* Line assembly. */
    GString *line;
    gboolean line_overflow; /* the current physical line is over the limit */
    gboolean line_nul;
    /* Offsets in the text fed (ny_busy_scan_object_range()). */
    guint64 fed;        /* bytes fed so far */
    guint64 line_start; /* where the current physical line begins */
    guint64 line_end;   /* past its line feed (the text's end for the last) */
    guint64 comp_start; /* where the current top-level component begins */

    /* Structure. */
    guint depth;
    gboolean in_calendar;
    guint comp_depth;                  /* depth of the current top-level component, 0 = none */
    icalcomponent_kind open_kinds[16]; /* the component open at each depth */
    GString *comp;                     /* its text, while kept */
    GString *comp_spare;               /* comp's buffer between components */
    icalcomponent_kind comp_kind;
    gboolean comp_keep; /* VEVENT, VFREEBUSY, VTIMEZONE are read */
    char *comp_problem; /* the first reason it cannot be read */
    GString *comp_uid;
    gboolean last_was_uid; /* for a folded UID line */
    /* The component's own properties that bound its span, unfolded. */
    GString *prop;
    gboolean prop_on; /* prop holds a property being unfolded */
    NyRawSpan raw;
    /* Byte ranges of comp (start and end, in pairs) holding event
     * properties that libical need not parse (src/busy-lines.c,
     * unread_kind()), and comp without them for libical. */
    GArray *unread;        /* (element-type gsize) */
    int unread_on;         /* the kind of the current one: its folds are too */
    gboolean unread_block; /* a component inside the event (VALARM) is open */
    gboolean folded_name;  /* a line without ':' or ';' (a folded name) was read */
    GString *parse;
    gboolean read_all; /* ny_busy_scan_read_all() */

    /* An event's instances and exclusions while it is read (process_event()
     * in src/busy-events.c), kept from one event to the next. */
    GArray *ev_inst;    /* (element-type NyInst) */
    GArray *ev_exdates; /* (element-type NyTime) */
    GArray *ev_exdays;  /* (element-type gint64) */

    /* The current calendar. */
    GHashTable *vtz;     /* TZID -> NyVtz */
    GPtrArray *deferred; /* icalcomponent*, waiting for a VTIMEZONE defined later */
    /* The text of each series' master whose span misses the window (not
     * parsed): a THISANDFUTURE override may still move its instances into
     * it, from however far (ny_busy_expand_future()). */
    GPtrArray *far_masters;

    GHashTable *sys_zones; /* name -> GTimeZone (or a NULL-zone marker) */
    GHashTable *warned;    /* warning text -> itself, to say each once */

    /* Results. */
    GHashTable *uids; /* a set of NyUidRecord.uid (NY_UID_RECORD()) */
    /* The masters' zones, once each (a record keeps its index): (element-
     * type NyRecZone), and the index of each by its libical or GLib zone. */
    GArray *rec_zones;
    GHashTable *rec_zone_ids;
    /* (element-type NyInterval): the busy time so far, merged whenever it
     * doubles (ny_busy_emit()); busy_merged is its length then. */
    GArray *busy;
    guint busy_merged;
    GPtrArray *warnings;
    gboolean saw_component;
    gboolean saw_text;
    gboolean finished;
    gboolean again; /* a master read again for a THISANDFUTURE override */

    /* Splitting (ny_busy_scan_set_split) and spans (ny_busy_span). */
    NyBusyObjectFunc split;
    gpointer split_data;
    gboolean split_whole; /* the objects give what the whole text gives */
    /* The UIDs of split masters with a bounded span, and of THISANDFUTURE
     * overrides: a UID in both cannot be split (src/busy-lines.c). */
    GHashTable *bounded_uids;
    GHashTable *future_uids;
    guint calendars;
    gboolean span_only; /* ny_busy_span(): nothing is computed */
    NyTime span_lo, span_hi;
    gboolean span_any;
};

/* ---------------------------------------------------------------------- */
/* Values */

/* A DATE or DATE-TIME value with the zone it is read in. */
typedef struct {
    struct icaltimetype t;
    NyZone zone; /* for DATE-TIME; UTC when t is UTC */
    gboolean is_date;
} NyValue;

/* ---------------------------------------------------------------------- */
/* Events */

/* How long each occurrence lasts: nominal days in local time, then exact
 * seconds (RFC 5545 3.3.6 and 3.8.5.3). */
typedef struct {
    gint64 days;
    gint64 seconds;
} NyLength;

/* Everything one series needs while its instances are generated. */
typedef struct {
    NyBusyScan *s;
    const char *uid;
    NyValue start;
    NyLength len;
    gboolean blocks;
    GArray *out;     /* (element-type NyInst) */
    GArray *exdates; /* (element-type NyTime), sorted */
    GArray *exdays;  /* (element-type gint64): DATE exclusions on a DATE-TIME series */
} NySeries;

/* ---------------------------------------------------------------------- */
/* busy-warn.c: warnings and UID labels */

void ny_busy_scan_warn(NyBusyScan *s, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* A UID made safe to quote in one warning line. */
char *ny_busy_uid_label(const char *uid);

/* ---------------------------------------------------------------------- */
/* busy-zones.c: civil dates, zones, VTIMEZONEs */

/* Days since 1970-01-01 of a proleptic Gregorian date. */
gint64 ny_busy_days_from_civil(gint64 y, int m, int d);

void ny_busy_civil_from_days(gint64 z, int *y, int *m, int *d);

/* For the test of src/busy-zones.c: gives @whole (whose VTIMEZONE is @vtz,
 * not taken) the copy whose plain yearly rules start in @year, read for
 * instants from the year after on (TRUE when there is one); and takes it
 * away again. */
gboolean ny_busy_vtz_start_rules(icaltimezone *whole, icalcomponent *vtz, int year);
void ny_busy_vtz_forget_rules(icaltimezone *whole);

/* The onset day of a plain yearly VTIMEZONE rule (one BYMONTH, and one
 * BYDAY or BYMONTHDAY) in @year, days from 1970, when it is plain
 * arithmetic: the 1st to 4th or the last to 4th-last weekday of its
 * month, or a day of it from 1 to 28; else G_MININT64. */
gint64 ny_busy_vtz_onset_day(const struct icalrecurrencetype *r, int year);

/* Wall-clock seconds as if the wall clock were UTC. */
gint64 ny_busy_wall_seconds(int y, int m, int d, int hh, int mm, int ss);

/* Wall-clock time to an instant, RFC 5545 3.3.5: a time in a DST gap is read
 * with the offset before the gap (02:30 becomes 03:30), a repeated time is
 * its first occurrence. */
NyTime ny_busy_zone_to_utc(const NyZone *z, gint64 wall);

gint64 ny_busy_zone_wall_at(const NyZone *z, NyTime utc);

NyVtz *ny_busy_vtz_ref(NyVtz *v);

void ny_busy_vtz_unref(gpointer data);

/* A VTIMEZONE of the query's pool with exactly this @text, if any. */
gboolean ny_busy_use_pooled_vtimezone(NyBusyScan *s, const char *text);

void ny_busy_add_vtimezone(NyBusyScan *s, icalcomponent *vtz, const char *text);

/* ---------------------------------------------------------------------- */
/* busy-rrule.c: the fast path for plain rules */

/* A fast path for the rules real calendars use most, FREQ=DAILY or WEEKLY
 * with INTERVAL, plain BYDAY, WKST, COUNT or neither: days are computed with
 * integer arithmetic instead of libical's ICU-backed iterator, which is most
 * of the cost of a large calendar. Days are numbered from 1970-01-01. */
typedef struct {
    gboolean weekly;
    gboolean monthly; /* one (nth) weekday a month: days holds that weekday */
    int pos;          /* monthly: its position, 1..4 or -4..-1 */
    gint64 m0;        /* monthly: DTSTART's month, numbered from year 0 */
    gint64 interval;
    guint days;   /* weekday mask, bit 0 = Sunday; never 0 after init */
    int wkst;     /* 0 = Sunday */
    gint64 d0;    /* DTSTART's day */
    gint64 ws0;   /* weekly: the first day of DTSTART's week */
    gint64 count; /* 0 = no COUNT */
    /* Position: the next period (day or week) and the weekday offset in it. */
    gint64 period;
    int offset;
    gint64 emitted;
    gint64 min_day; /* no instance before this day (DTSTART, or a skip) */
} NyFastRule;

/**
 * ny_busy_fast_rule_init:
 * @rule: the rule (UNTIL is not looked at: the caller applies it)
 * @d0: DTSTART's day
 *
 * Returns: TRUE when @rule is one the fast path produces exactly as libical
 * would (DAILY or WEEKLY, no BY part but plain BYDAY; or MONTHLY with one BYDAY day of position 1
 * to 4 or -1 to -4, such as 2TU or -1FR); FALSE when libical's iterator must be used.
 */
gboolean ny_busy_fast_rule_init(NyFastRule *f, const struct icalrecurrencetype *rule, gint64 d0);

/* Moves to the first instance on or after @day; with COUNT, to the first
 * instance of the period (day, week or month) that holds @day, with the instances
 * before it counted. */
void ny_busy_fast_rule_skip_to(NyFastRule *f, gint64 day);

/* The next instance's day; FALSE after COUNT instances. */
gboolean ny_busy_fast_rule_next(NyFastRule *f, gint64 *out_day);

/* ---------------------------------------------------------------------- */
/* busy-span.c: an event's span from its raw lines */

/**
 * ny_busy_raw_span_reset:
 * @r: set to "nothing read yet"
 */
void ny_busy_raw_span_reset(NyRawSpan *r);

/**
 * ny_busy_raw_property:
 * @r: updated with one unfolded property line of an event (DTSTART, DTEND,
 *     DURATION, RRULE, RDATE, RECURRENCE-ID; others are ignored)
 */
void ny_busy_raw_property(NyRawSpan *r, const char *line, gsize len);

/**
 * ny_busy_raw_span_get:
 * @out_start, @out_end: (out): the instants every occurrence of the event
 *   lies within, in any zone whose offsets stay within a day (the scan does
 *   not use other VTIMEZONEs), with a margin; NY_BUSY_SPAN_OPEN_* when
 *   unknown or unbounded
 */
void ny_busy_raw_span_get(const NyRawSpan *r, NyTime *out_start, NyTime *out_end);

/* Whether @line starts with the @n bytes of @word (capitals, digits, '-',
 * ';' or ':'), in any case: g_ascii_strncasecmp(), inline, as it runs on
 * every line of a calendar. */
static inline gboolean
ny_busy_starts_with(const char *line, gsize len, const char *word, gsize n)
{
    if (len < n)
        return FALSE;
    for (gsize i = 0; i < n; i++) {
        char c = line[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (c != word[i])
            return FALSE;
    }
    return TRUE;
}

/* Whether a property line starts with @name followed by ':' or ';'. */
static inline gboolean
ny_busy_prop_is(const char *line, gsize len, const char *name)
{
    gsize n = strlen(name);

    return len > n && ny_busy_starts_with(line, len, name, n) && (line[n] == ':' || line[n] == ';');
}

/* ---------------------------------------------------------------------- */
/* busy-tzid.c: TZIDs */

/* The Olson name inside a TZID such as "/freeassociation.sourceforge.net/
 * Tzfile/America/New_York" or "/mozilla.org/20070129_1/Europe/Berlin". */
GTimeZone *ny_busy_system_zone_for_tzid(NyBusyScan *s, const char *tzid);

/* Resolves @tzid for the component @uid: the calendar's trusted VTIMEZONE,
 * else the system's zone of that name (also behind a prefix, or a Windows
 * name), else the user's zone with a warning. */
NyZone ny_busy_resolve_tzid(NyBusyScan *s, const char *tzid, const char *uid);

/* ---------------------------------------------------------------------- */
/* busy-values.c: DATE and DATE-TIME values */

const char *ny_busy_prop_tzid(icalproperty *p);

/* The zone of a DATE-TIME property: UTC, its TZID, or floating (the user's). */
NyZone ny_busy_value_zone(NyBusyScan *s, struct icaltimetype t, icalproperty *p, const char *uid);

gboolean ny_busy_time_is_sane(struct icaltimetype t);

NyTime ny_busy_user_midnight(NyBusyScan *s, gint64 day);

gint64 ny_busy_time_day(struct icaltimetype t);

/* The instant of @t: a DATE is the local midnight in the user's zone. */
NyTime ny_busy_value_instant(NyBusyScan *s, struct icaltimetype t, const NyZone *zone);

NyTime ny_busy_occurrence_end(NyBusyScan *s, struct icaltimetype start, const NyZone *zone,
                              NyTime start_utc, NyLength len);

NyLength ny_busy_length_from_duration(struct icaldurationtype d);

gboolean ny_busy_read_value(NyBusyScan *s, icalproperty *p, const char *uid, NyValue *out);

/* ---------------------------------------------------------------------- */
/* busy-overrides.c: overrides applied, the end of a scan */

/* Adds [start, end) to @list; @reserve: how many more follow at once (a
 * master's instances): room for them is made in one step, and exactly. */
void ny_busy_inst_list_add(NyInstList *list, NyTime start, NyTime end, guint reserve);

NyInterval ny_busy_inst_list_get(const NyInstList *list, guint i);

void ny_busy_inst_list_clear(NyInstList *list);

/* Floating RECURRENCE-IDs of @rec, read in its master's zone. */
void ny_busy_resolve_floating(NyBusyScan *s, NyUidRecord *rec);

/* Adds [start, end) to the scan's busy time, clipped to the window. */
void ny_busy_emit(NyBusyScan *s, NyTime start, NyTime end);

void ny_busy_finish_uid(NyBusyScan *s, NyUidRecord *rec);

/* Instances by their original start. */
gint ny_busy_cmp_inst(gconstpointer a, gconstpointer b);

/* ---------------------------------------------------------------------- */
/* busy-events.c: instances of events and series */

void ny_busy_uid_record_free(gpointer data);

/* Clears a NyRecZone (g_array_set_clear_func()). */
void ny_busy_rec_zone_clear(gpointer data);

/* @text: a top-level component's text; @parse: what libical parses of it
 * (@text, or @text without properties no result depends on). */
void ny_busy_process_component_text(NyBusyScan *s, const char *text, const char *parse);

/* A THISANDFUTURE override moves every later instance by its shift, from
 * however far away: the master is read again for the instances that the
 * shift brings into the window (RFC 5545 3.8.4.4). Done while the
 * calendar's VTIMEZONEs are still known. */
void ny_busy_expand_future(NyBusyScan *s);

void ny_busy_end_calendar(NyBusyScan *s);

/* ---------------------------------------------------------------------- */
/* busy-lines.c: the scanner */

/* ny_busy_span(): the union of the events' spans. */
void ny_busy_span_add(NyBusyScan *s, NyTime start, NyTime end);

void ny_busy_scan_end_line(NyBusyScan *s);

/* ny_busy_scan_feed(): the lines of the next bytes. */
void ny_busy_lines_feed(NyBusyScan *s, const char *data, gsize len);

/* For tests: libical parses every line of every event, none is left out
 * (the general path the scan is checked against). Before the first feed. */
void ny_busy_scan_read_all(NyBusyScan *s);

G_END_DECLS
