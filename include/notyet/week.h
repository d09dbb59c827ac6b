/* week.h: the week at a glance, a grid of the working hours
 * (doc/slots-and-letter.md, "The week at a glance").
 *
 * Pure module: now, the zone and every list of times are parameters. It
 * knows times and kinds only, never an event's title: `notyet week` renders
 * what it returns.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"
#include "notyet/slots.h"

G_BEGIN_DECLS

/* The longest grid ny_week_build() draws: a year of days. */
#define NY_WEEK_MAX_DAYS 371

/* What a cell of the grid shows. When several apply to one cell, the one
 * with the higher value wins, so the order of the enum is the precedence:
 * the slots `reply` would offer first, then what the store and the calendar
 * say about the time (booked, held, offered, busy), then why a free time
 * could not be offered (past, notice, buffer), and open last. A hold is an
 * offered time that is also on the calendar, so held says more than
 * offered, and both more than the busy time the hold makes. */
typedef enum {
    NY_WEEK_OPEN = 0, /* free, and far enough from everything to be offered */
    NY_WEEK_BUFFER,   /* free itself, but closer than buffer_minutes to a busy, held,
                         offered or booked time */
    NY_WEEK_NOTICE,   /* free, but starts before now + min_notice_hours */
    NY_WEEK_PAST,     /* free, but starts before now */
    NY_WEEK_BUSY,     /* overlaps a busy period of the calendars */
    NY_WEEK_OFFERED,  /* overlaps a slot offered in a pending follow-up */
    NY_WEEK_HELD,     /* overlaps a notyet hold on the calendar (this store's or another's) */
    NY_WEEK_BOOKED,   /* overlaps a booked call */
    NY_WEEK_PICK,     /* overlaps a slot `reply` would offer now (NyWeekCell.pick) */
} NyWeekKind;

#define NY_WEEK_KIND_COUNT (NY_WEEK_PICK + 1)

/* "open", "buffer", "notice", "past", "busy", "offered", "held", "booked", "pick". */
const char *ny_week_kind_to_string(NyWeekKind kind);

/* One grid step of the working hours of a day. */
typedef struct {
    NyInterval span; /* the instants it covers, clipped to the working hours */
    int minute;      /* its wall-clock start: minutes after local midnight (twice the
                        same in the hour a fall-back repeats) */
    NyWeekKind kind;
    int pick; /* 1-based number of the slot it shows when kind is NY_WEEK_PICK, else 0 */
} NyWeekCell;

/* One working day. */
typedef struct {
    int year, month, day; /* its local date */
    int weekday;          /* Monday = 1 .. Sunday = 7 */
    GArray *cells;        /* (element-type NyWeekCell) in time order */
} NyWeekDay;

typedef struct {
    NyTime from;      /* local midnight of the first day */
    NyTime to;        /* local midnight after the last day */
    int grid_minutes; /* the width of a cell */
    GArray *days;     /* (element-type NyWeekDay) working days only, in order */
} NyWeek;

/* The times a grid is drawn from; every list may be NULL, in any order and
 * overlapping (they are copied, sorted and merged). */
typedef struct {
    const GArray *busy;    /* (element-type NyInterval) busy periods of the calendars */
    const GArray *held;    /* (element-type NyInterval) notyet holds on the calendar */
    const GArray *offered; /* (element-type NyInterval) slots of pending offers */
    const GArray *booked;  /* (element-type NyInterval) booked calls */
    const GArray *picks;   /* (element-type NyInterval) the slots `reply` would offer, in
                              order: the first is slot 1 */
} NyWeekTimes;

/**
 * ny_week_build:
 * @a: the working days and hours, the grid, the buffer and the notice
 * @zone: the user's zone; days and working hours are its wall-clock times
 * @now: the current time, for the past and the notice period
 * @first: any instant of the first local day to draw
 * @n_days: how many local days, working or not, from @first's day
 *          (1..NY_WEEK_MAX_DAYS)
 * @times: what the cells show
 *
 * One NyWeekDay per working day (@a->days) of the @n_days local days from
 * @first's. Its cells are the multiples of grid_minutes after local midnight
 * that meet [start, end) of the working hours, each clipped to them (start
 * 09:10 with a grid of 30 gives a first cell 09:10-09:30). Wall-clock fields
 * go through the zone database, so 09:00-17:00 stays 09:00-17:00 on a DST
 * day, and every cell is the real time between its bounds: a cell whose
 * wall-clock time a DST gap skips is left out, and the hour a fall-back
 * repeats gives its cells twice (the same NyWeekCell.minute, one offset
 * apart), never one cell of 90 minutes. The working hours of such a day
 * run from the first instant that reads start to the last that reads end.
 *
 * A cell's kind is the highest NyWeekKind that applies to [start, end) of
 * the cell: the buffer is judged on [start - buffer, end + buffer) against
 * busy, held, offered and booked times; past on start < @now; notice on
 * start < @now + min_notice_hours.
 *
 * Returns: (transfer full): the grid; NULL with NY_SLOTS_ERROR_INVALID when
 * @a makes no sense (ny_availability_check()).
 */
NyWeek *ny_week_build(const NyAvailability *a, GTimeZone *zone, NyTime now, NyTime first,
                      int n_days, const NyWeekTimes *times, GError **error);

void ny_week_free(NyWeek *week);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyWeek, ny_week_free)

G_END_DECLS
