/* busy-private.h: internals of the busy module shared with its unit tests. */
#pragma once

#include <glib.h>
#include <libical/ical.h>

#include "notyet/busy.h"

G_BEGIN_DECLS

/* What the raw text of one top-level component says about the time it can
 * touch, read from its own unfolded property lines before libical sees it
 * (src/busy.c, "Raw lines"). Days are numbered from 1970-01-01. */
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
} NyRawSpan;

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

/* Days since 1970-01-01 of a proleptic Gregorian date. */
gint64 ny_busy_days_from_civil(gint64 y, int m, int d);

/* Whether a property line starts with @name followed by ':' or ';'. */
gboolean ny_busy_prop_is(const char *line, gsize len, const char *name);

/* A fast path for the rules real calendars use most, FREQ=DAILY or WEEKLY
 * with INTERVAL, plain BYDAY, WKST, COUNT or neither: days are computed with
 * integer arithmetic instead of libical's ICU-backed iterator, which is most
 * of the cost of a large calendar. Days are numbered from 1970-01-01. */
typedef struct {
    gboolean weekly;
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
 * would (DAILY or WEEKLY, no BY part but plain BYDAY, DTSTART on one of its
 * days); FALSE when libical's iterator must be used.
 */
gboolean ny_busy_fast_rule_init(NyFastRule *f, const struct icalrecurrencetype *rule, gint64 d0);

/* Moves to the first instance on or after @day; with COUNT, to the first
 * instance of the period (day or week) that holds @day, with the instances
 * before it counted. */
void ny_busy_fast_rule_skip_to(NyFastRule *f, gint64 day);

/* The next instance's day; FALSE after COUNT instances. */
gboolean ny_busy_fast_rule_next(NyFastRule *f, gint64 *out_day);

G_END_DECLS
