/* busy-private.h: internals of the busy module shared with its unit tests. */
#pragma once

#include <glib.h>
#include <libical/ical.h>

G_BEGIN_DECLS

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
