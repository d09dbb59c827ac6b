/* slots.h: picking open slots (doc/slots-and-letter.md, "Picking the slots").
 *
 * Pure module: now, the zone and the busy list are parameters.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

/* Weekday bits, Monday = bit 0 (GDateTime's day of week 1..7 minus one). */
#define NY_DAY_BIT(dow) (1u << ((dow)-1))

/* The [availability] group of the configuration, with its defaults. */
typedef struct {
    guint days;             /* NY_DAY_BIT mask; default Mon..Fri */
    int start_minute;       /* minutes after local midnight; default 9:00 = 540 */
    int end_minute;         /* default 17:00 = 1020; end > start */
    int slot_minutes;       /* default 20 */
    int grid_minutes;       /* default 30 */
    int buffer_minutes;     /* default 10 */
    int min_notice_hours;   /* default 24 */
    int horizon_days;       /* default 14 */
    int count;              /* default 2 */
    int spread_days;        /* default 2 */
    int offer_days;         /* an offer expires this many days after its letter; default 7 */
    int their_start_minute; /* the invitee's day, in their zone; default 8:00 = 480 */
    int their_end_minute;   /* default 18:00 = 1080; end > start */
    /* (nullable) (not owned): the invitee's zone (--their-tz, or stored with
     * the follow-up); when set, a candidate must lie inside their day
     * (doc/slots-and-letter.md, "Their day"). Set per call, never by the
     * configuration. */
    GTimeZone *their_zone;
} NyAvailability;

/**
 * ny_availability_init_default:
 *
 * Fills @a with the defaults of doc/notyet-config.5.
 */
void ny_availability_init_default(NyAvailability *a);

#define NY_SLOTS_ERROR (ny_slots_error_quark())
GQuark ny_slots_error_quark(void);

/**
 * ny_availability_check:
 *
 * Whether @a makes sense: a working day, end after start within one day, a
 * slot that fits, and every number in its range.
 *
 * Returns: TRUE; FALSE with NY_SLOTS_ERROR_INVALID naming the setting
 * ("[availability] grid_minutes: must be between 1 and 1440").
 */
gboolean ny_availability_check(const NyAvailability *a, GError **error);

typedef enum {
    NY_SLOTS_ERROR_NO_SLOT, /* no open slot in the horizon: exit 3 */
    NY_SLOTS_ERROR_INVALID, /* the availability settings make no sense: exit 2 */
    NY_SLOTS_ERROR_FAILED,
} NySlotsError;

/* Why a grid time was or was not offered (slots --explain). Never names an event. */
typedef enum {
    NY_SLOT_OPEN = 0,    /* open; offered when NySlotCandidate.chosen > 0 */
    NY_SLOT_NOTICE,      /* starts before now + min_notice_hours */
    NY_SLOT_THEIR_HOURS, /* outside their_start..their_end in the invitee's zone */
    NY_SLOT_OFFERED, /* within a buffer of a slot offered in another follow-up or a booked call */
    NY_SLOT_BUSY,    /* the slot itself overlaps a busy period */
    NY_SLOT_BUFFER,  /* free itself, but closer than buffer_minutes to a busy period */
} NySlotReason;

/* One grid time inside the working hours of a working day. */
typedef struct {
    NyInterval slot;      /* [start, start + slot_minutes) */
    NySlotReason reason;  /* the first reason that applies, in the order of the enum */
    int chosen;           /* 0, or the 1-based number of the slot it became */
    int year, month, day; /* its local day in the zone */
} NySlotCandidate;

/**
 * ny_slots_explain:
 * @a: the availability settings
 * @zone: the user's zone; the grid is local wall-clock time in it
 * @now: the current time
 * @busy: (element-type NyInterval): busy periods, any order (copied, merged)
 * @taken: (element-type NyInterval) (nullable): slots offered in other pending
 *         follow-ups and booked calls, any order
 * @out_candidates: (out) (element-type NySlotCandidate): every grid time of
 *         every working day from today to the horizon, in time order
 *
 * The grid: on each working day (@a->days) of @zone, the wall-clock times that
 * are multiples of grid_minutes after local midnight, at or after
 * start_minute, whose slot ends by end_minute. Wall-clock fields go through
 * the zone database, so 9:00 stays 9:00 across a DST change. Candidates start
 * at or after @now + min_notice_hours and before @now + horizon_days (local
 * days). A candidate is open when [start - buffer, end + buffer) overlaps no
 * busy period and no taken slot: a taken slot keeps the same buffer as a busy
 * period, so two calls are never back to back. With @a->their_zone set, a
 * candidate must also start at or after their_start_minute and end by
 * their_end_minute of one local day in that zone (NY_SLOT_THEIR_HOURS), on
 * whatever weekday that is for them.
 *
 * Choice: the first slot is the earliest open candidate; each further slot is
 * the earliest open candidate on a local day at least spread_days after the
 * previous slot's day, else the earliest on any later day, else the earliest
 * later the same day that keeps a buffer from the slots already chosen.
 *
 * Returns: TRUE; FALSE with NY_SLOTS_ERROR_INVALID for impossible settings.
 */
gboolean ny_slots_explain(const NyAvailability *a, GTimeZone *zone, NyTime now, const GArray *busy,
                          const GArray *taken, GArray **out_candidates, GError **error);

/**
 * ny_slots_pick:
 *
 * Same parameters and rules as ny_slots_explain().
 * @out_slots: (out) (element-type NyInterval): up to @a->count slots, in time
 *         order; fewer when the horizon holds fewer open times
 *
 * Returns: TRUE with at least one slot; FALSE with NY_SLOTS_ERROR_NO_SLOT and a
 * message that says which [availability] limit to relax, or
 * NY_SLOTS_ERROR_INVALID.
 */
gboolean ny_slots_pick(const NyAvailability *a, GTimeZone *zone, NyTime now, const GArray *busy,
                       const GArray *taken, GArray **out_slots, GError **error);

/**
 * ny_slots_time_open:
 * @busy: (element-type NyInterval) (nullable): sorted and merged
 *        (ny_intervals_normalize()) busy periods
 * @taken: (element-type NyInterval) (nullable): sorted and merged times
 *         offered or booked in other follow-ups
 * @slot: the time to judge
 *
 * The one rule of "is this time open", for the candidates of
 * ny_slots_explain() and a time typed to `book`: [start - buffer, end +
 * buffer) must meet no taken time and no busy period. The notice period and
 * the working hours are not judged here.
 *
 * Returns: NY_SLOT_OPEN, or the first of NY_SLOT_OFFERED, NY_SLOT_BUSY,
 * NY_SLOT_BUFFER that applies.
 */
NySlotReason ny_slots_time_open(const NyAvailability *a, const GArray *busy, const GArray *taken,
                                const NyInterval *slot);

/* "open", "notice", "their-hours", "offered", "busy", "buffer". */
const char *ny_slot_reason_to_string(NySlotReason reason);

G_END_DECLS
