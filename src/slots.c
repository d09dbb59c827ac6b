/* slots.c: picking open slots (doc/slots-and-letter.md, "Picking the slots"). Pure. */
#include "notyet/slots.h"

G_DEFINE_QUARK(ny_slots_error, ny_slots_error)

void
ny_availability_init_default(NyAvailability *a)
{
    g_return_if_fail(a != NULL);
    a->days = NY_DAY_BIT(1) | NY_DAY_BIT(2) | NY_DAY_BIT(3) | NY_DAY_BIT(4) | NY_DAY_BIT(5);
    a->start_minute = 9 * 60;
    a->end_minute = 17 * 60;
    a->slot_minutes = 20;
    a->grid_minutes = 30;
    a->buffer_minutes = 10;
    a->min_notice_hours = 24;
    a->horizon_days = 14;
    a->count = 2;
    a->spread_days = 2;
    a->their_start_minute = 8 * 60;
    a->their_end_minute = 18 * 60;
    a->their_zone = NULL;
    a->offer_days = 7;
}

const char *
ny_slot_reason_to_string(NySlotReason reason)
{
    switch (reason) {
    case NY_SLOT_OPEN:
        return "open";
    case NY_SLOT_NOTICE:
        return "notice";
    case NY_SLOT_THEIR_HOURS:
        return "their-hours";
    case NY_SLOT_OFFERED:
        return "offered";
    case NY_SLOT_BUSY:
        return "busy";
    case NY_SLOT_BUFFER:
        return "buffer";
    }
    return "open";
}

gboolean
ny_availability_check(const NyAvailability *a, GError **error)
{
    const char *what = NULL;

    if ((a->days & 0x7f) == 0)
        what = "days: no working day";
    else if (a->start_minute < 0 || a->end_minute > 24 * 60 || a->end_minute <= a->start_minute)
        what = "start and end: end must come after start within one day";
    else if (a->slot_minutes <= 0 || a->slot_minutes > a->end_minute - a->start_minute)
        what = "slot_minutes: must be positive and fit between start and end";
    else if (a->grid_minutes <= 0 || a->grid_minutes > 24 * 60)
        what = "grid_minutes: must be between 1 and 1440";
    else if (a->buffer_minutes < 0 || a->buffer_minutes > 24 * 60)
        what = "buffer_minutes: must be between 0 and 1440";
    else if (a->min_notice_hours < 0 || a->min_notice_hours > 24 * 366)
        what = "min_notice_hours: must be between 0 and 8784";
    else if (a->horizon_days <= 0 || a->horizon_days > 366)
        what = "horizon_days: must be between 1 and 366";
    else if (a->count <= 0 || a->count > 20)
        what = "count: must be between 1 and 20";
    else if (a->spread_days < 0 || a->spread_days > 366)
        what = "spread_days: must be between 0 and 366";
    else if (a->their_start_minute < 0 || a->their_end_minute > 24 * 60 ||
             a->their_end_minute <= a->their_start_minute)
        what = "their_start and their_end: their_end must come after their_start within one day";
    else if (a->their_zone != NULL && a->slot_minutes > a->their_end_minute - a->their_start_minute)
        what = "slot_minutes: must fit between their_start and their_end";
    if (what != NULL) {
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_INVALID, "[availability] %s", what);
        return FALSE;
    }
    return TRUE;
}

NySlotReason
ny_slots_time_open(const NyAvailability *a, const GArray *busy, const GArray *taken,
                   const NyInterval *slot)
{
    NyTime buffer = (NyTime)a->buffer_minutes * 60;

    if (taken != NULL && ny_intervals_overlaps(taken, slot->start - buffer, slot->end + buffer))
        return NY_SLOT_OFFERED;
    if (busy != NULL && ny_intervals_overlaps(busy, slot->start, slot->end))
        return NY_SLOT_BUSY;
    if (busy != NULL && ny_intervals_overlaps(busy, slot->start - buffer, slot->end + buffer))
        return NY_SLOT_BUFFER;
    return NY_SLOT_OPEN;
}

/* A sorted, merged copy, so overlap tests are binary searches. */
static GArray *
normalized_copy(const GArray *list)
{
    GArray *copy = ny_intervals_new();

    if (list != NULL && list->len > 0)
        g_array_append_vals(copy, list->data, list->len);
    ny_intervals_normalize(copy, G_MININT64 / 2, G_MAXINT64 / 2);
    return copy;
}

/* The instant of @minute minutes after local midnight of a local day;
 * 24:00 is the next day's midnight. Wall-clock fields, never "midnight +
 * seconds", so DST days keep their working hours. */
static NyTime
local_minute(GTimeZone *zone, GDate *date, int minute)
{
    if (minute >= 24 * 60) {
        GDate next = *date;
        g_date_add_days(&next, 1);
        return ny_time_from_local(zone, g_date_get_year(&next), g_date_get_month(&next),
                                  g_date_get_day(&next), 0, 0, 0);
    }
    return ny_time_from_local(zone, g_date_get_year(date), g_date_get_month(date),
                              g_date_get_day(date), minute / 60, minute % 60, 0);
}

/* Whether [start, end) lies inside the invitee's day: from their_start to
 * their_end of the local day, in their zone, on which the slot starts. The
 * bounds are wall-clock times through the zone database, so their DST
 * changes move them with their clocks (doc/slots-and-letter.md, "Their
 * day"). */
static gboolean
in_their_hours(const NyAvailability *a, NyTime start, NyTime end)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(start);
    g_autoptr(GDateTime) theirs = NULL;
    GDate day;

    if (utc == NULL)
        return FALSE;
    theirs = g_date_time_to_timezone(utc, a->their_zone);
    g_date_clear(&day, 1);
    g_date_set_dmy(&day, (GDateDay)g_date_time_get_day_of_month(theirs),
                   (GDateMonth)g_date_time_get_month(theirs),
                   (GDateYear)g_date_time_get_year(theirs));
    return start >= local_minute(a->their_zone, &day, a->their_start_minute) &&
           end <= local_minute(a->their_zone, &day, a->their_end_minute);
}

static void
choose(const NyAvailability *a, GArray *cands)
{
    g_autoptr(GArray) chosen = ny_intervals_new();
    const NySlotCandidate *prev = NULL;
    NyTime buffer = (NyTime)a->buffer_minutes * 60;

    for (int n = 1; n <= a->count; n++) {
        NySlotCandidate *pick = NULL;

        for (int pass = 0; pass < 3 && pick == NULL; pass++) {
            for (guint i = 0; i < cands->len && pick == NULL; i++) {
                NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
                GDate cd;
                GDate pd;
                int days_after;

                if (c->reason != NY_SLOT_OPEN || c->chosen != 0)
                    continue;
                if (prev == NULL) {
                    pick = c;
                    break;
                }
                if (c->slot.start < prev->slot.end)
                    continue;
                g_date_clear(&cd, 1);
                g_date_clear(&pd, 1);
                g_date_set_dmy(&cd, (GDateDay)c->day, (GDateMonth)c->month, (GDateYear)c->year);
                g_date_set_dmy(&pd, (GDateDay)prev->day, (GDateMonth)prev->month,
                               (GDateYear)prev->year);
                days_after = g_date_days_between(&pd, &cd);
                /* Pass 0: spread_days after; pass 1: any later day; pass 2:
                 * later the same day. Always clear of the slots chosen so
                 * far and their buffers (spread_days may be 0). */
                if (ny_intervals_overlaps(chosen, c->slot.start - buffer, c->slot.end + buffer))
                    continue;
                if ((pass == 0 && days_after >= a->spread_days) || (pass == 1 && days_after > 0) ||
                    (pass == 2 && days_after >= 0))
                    pick = c;
            }
        }
        if (pick == NULL)
            break;
        pick->chosen = n;
        ny_intervals_add(chosen, pick->slot.start, pick->slot.end);
        ny_intervals_normalize(chosen, G_MININT64 / 2, G_MAXINT64 / 2);
        prev = pick;
    }
}

gboolean
ny_slots_explain(const NyAvailability *a, GTimeZone *zone, NyTime now, const GArray *busy,
                 const GArray *taken, GArray **out_candidates, GError **error)
{
    g_autoptr(GArray) busy_sorted = NULL;
    g_autoptr(GArray) taken_sorted = NULL;
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GDateTime) utc = NULL;
    g_autoptr(GDateTime) local_now = NULL;
    g_autoptr(GDateTime) local_end = NULL;
    NyTime notice_at;
    NyTime horizon_at;
    NyTime length;
    GDate day;
    GDate last;

    g_return_val_if_fail(a != NULL && zone != NULL && out_candidates != NULL, FALSE);
    if (!ny_availability_check(a, error))
        return FALSE;

    busy_sorted = normalized_copy(busy);
    taken_sorted = normalized_copy(taken);
    cands = g_array_new(FALSE, FALSE, sizeof(NySlotCandidate));
    length = (NyTime)a->slot_minutes * 60;
    notice_at = now + (NyTime)a->min_notice_hours * 3600;

    utc = g_date_time_new_from_unix_utc(now);
    if (utc == NULL) {
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_INVALID, "the time is out of range");
        return FALSE;
    }
    local_now = g_date_time_to_timezone(utc, zone);
    /* The horizon is counted in local days: 14 days from 10:00 is 10:00
     * local, 14 days later, whatever DST does in between. */
    local_end = g_date_time_add_days(local_now, a->horizon_days);
    horizon_at = g_date_time_to_unix(local_end);

    g_date_clear(&day, 1);
    g_date_clear(&last, 1);
    g_date_set_dmy(&day, (GDateDay)g_date_time_get_day_of_month(local_now),
                   (GDateMonth)g_date_time_get_month(local_now),
                   (GDateYear)g_date_time_get_year(local_now));
    g_date_set_dmy(&last, (GDateDay)g_date_time_get_day_of_month(local_end),
                   (GDateMonth)g_date_time_get_month(local_end),
                   (GDateYear)g_date_time_get_year(local_end));

    for (; g_date_compare(&day, &last) <= 0; g_date_add_days(&day, 1)) {
        int dow = g_date_get_weekday(&day); /* Monday = 1, as GDateTime */
        NyTime day_end;
        NyTime midnight;
        gboolean steady; /* no change of UTC offset from midnight to the end */
        NyTime prev_start = G_MININT64;
        int first;

        if ((a->days & NY_DAY_BIT(dow)) == 0)
            continue;
        day_end = local_minute(zone, &day, a->end_minute);
        midnight = local_minute(zone, &day, 0);
        steady = day_end - midnight == (NyTime)a->end_minute * 60;
        /* Grid times are multiples of grid_minutes after local midnight
         * (grid 30: on :00 and :30), the first at or after start. */
        first = (a->start_minute + a->grid_minutes - 1) / a->grid_minutes * a->grid_minutes;
        for (int m = first; m + a->slot_minutes <= a->end_minute; m += a->grid_minutes) {
            NySlotCandidate c = {0};
            /* On a day without a DST change, wall-clock minutes are
             * seconds after midnight: no zone lookup per grid time. */
            NyTime start = steady ? midnight + (NyTime)m * 60 : local_minute(zone, &day, m);

            /* A wall-clock time inside a DST gap moves to the gap's end:
             * skip it when it lands on a time already listed, or past the
             * end of the working day. */
            if (start <= prev_start || start + length > day_end)
                continue;
            prev_start = start;
            if (start >= horizon_at)
                break;
            c.slot.start = start;
            c.slot.end = start + length;
            c.year = g_date_get_year(&day);
            c.month = g_date_get_month(&day);
            c.day = g_date_get_day(&day);
            if (start < notice_at)
                c.reason = NY_SLOT_NOTICE;
            else if (a->their_zone != NULL && !in_their_hours(a, start, c.slot.end))
                c.reason = NY_SLOT_THEIR_HOURS;
            else
                c.reason = ny_slots_time_open(a, busy_sorted, taken_sorted, &c.slot);
            g_array_append_val(cands, c);
        }
    }

    choose(a, cands);
    *out_candidates = g_steal_pointer(&cands);
    return TRUE;
}

/* Every working hour past the notice is night or evening for them. */
static void
set_their_hours_error(const NyAvailability *a, GError **error)
{
    const char *zone_name = g_time_zone_get_identifier(a->their_zone);

    g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                "no working hour in the next %d days falls between %02d:%02d and %02d:%02d in "
                "'%s': widen 'their_start' and 'their_end' (or 'start' and 'end') in "
                "[availability], or give --their-hours",
                a->horizon_days, a->their_start_minute / 60, a->their_start_minute % 60,
                a->their_end_minute / 60, a->their_end_minute % 60, zone_name);
}

/* Which limit to relax, judged from why the candidates were passed over. */
static void
set_no_slot_error(const NyAvailability *a, const GArray *cands, GError **error)
{
    guint notice = 0;
    guint theirs = 0;
    guint buffer = 0;
    guint offered = 0;

    for (guint i = 0; i < cands->len; i++) {
        switch (g_array_index(cands, NySlotCandidate, i).reason) {
        case NY_SLOT_NOTICE:
            notice++;
            break;
        case NY_SLOT_THEIR_HOURS:
            theirs++;
            break;
        case NY_SLOT_BUFFER:
            buffer++;
            break;
        case NY_SLOT_OFFERED:
            offered++;
            break;
        case NY_SLOT_BUSY:
        case NY_SLOT_OPEN:
            break;
        }
    }
    if (cands->len == 0)
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                    "no working hours in the next %d days: widen 'days', 'start' and 'end' or "
                    "raise 'horizon_days' in [availability]",
                    a->horizon_days);
    else if (notice == cands->len)
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                    "every working hour in the next %d days is inside the %d-hour notice: lower "
                    "'min_notice_hours' or raise 'horizon_days' in [availability]",
                    a->horizon_days, a->min_notice_hours);
    else if (theirs > 0 && notice + theirs == cands->len)
        set_their_hours_error(a, error);
    else if (buffer > 0)
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                    "no open slot in the next %d days: %u times are free but within the "
                    "%d-minute buffer; lower 'buffer_minutes' or raise 'horizon_days' in "
                    "[availability]",
                    a->horizon_days, buffer, a->buffer_minutes);
    else if (offered > 0)
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                    "no open slot in the next %d days: the free times are already offered or "
                    "booked; close old follow-ups or raise 'horizon_days' in [availability]",
                    a->horizon_days);
    else
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT,
                    "no open slot in the next %d days: the working hours are busy; raise "
                    "'horizon_days' or widen 'start' and 'end' in [availability]",
                    a->horizon_days);
}

gboolean
ny_slots_pick(const NyAvailability *a, GTimeZone *zone, NyTime now, const GArray *busy,
              const GArray *taken, GArray **out_slots, GError **error)
{
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GArray) slots = NULL;

    g_return_val_if_fail(out_slots != NULL, FALSE);
    if (!ny_slots_explain(a, zone, now, busy, taken, &cands, error))
        return FALSE;
    slots = ny_intervals_new();
    for (guint i = 0; i < cands->len; i++) {
        const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
        if (c->chosen > 0)
            g_array_append_val(slots, c->slot);
    }
    if (slots->len == 0) {
        set_no_slot_error(a, cands, error);
        return FALSE;
    }
    *out_slots = g_steal_pointer(&slots);
    return TRUE;
}
