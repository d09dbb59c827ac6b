/* busy-rrule.c: the fast path for simple DAILY and WEEKLY rules. Pure.
 *
 * RFC 5545 3.3.10 and 3.8.5.3. Only rules whose answer is plain arithmetic
 * take this path; everything else goes to libical (busy.c).
 */
#include "busy-private.h"

#include <string.h>

static int
weekday(gint64 day)
{
    /* 1970-01-01 was a Thursday (4, with Sunday 0). */
    return (int)(((day % 7) + 7 + 4) % 7);
}

static gint64
floor_div(gint64 a, gint64 b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

gboolean
ny_busy_fast_rule_init(NyFastRule *f, const struct icalrecurrencetype *r, gint64 d0)
{
    memset(f, 0, sizeof(*f));
    if (r->freq != ICAL_DAILY_RECURRENCE && r->freq != ICAL_WEEKLY_RECURRENCE)
        return FALSE;
    if (r->rscale != NULL || r->interval < 1 || r->count < 0)
        return FALSE;
    if (r->by_second[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_minute[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_hour[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_set_pos[0] != ICAL_RECURRENCE_ARRAY_MAX)
        return FALSE;
    for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        int dow = (int)icalrecurrencetype_day_day_of_week(r->by_day[i]);
        if (icalrecurrencetype_day_position(r->by_day[i]) != 0 || dow < 1 || dow > 7)
            return FALSE;
        f->days |= 1u << (dow - 1);
    }
    /* A DTSTART off the rule's days: libical's own iterator decides. */
    if (f->days != 0 && (f->days & (1u << weekday(d0))) == 0)
        return FALSE;
    if (r->week_start < ICAL_SUNDAY_WEEKDAY || r->week_start > ICAL_SATURDAY_WEEKDAY)
        return FALSE;

    f->weekly = r->freq == ICAL_WEEKLY_RECURRENCE;
    /* No BYDAY: a weekly rule keeps DTSTART's weekday, a daily one every day. */
    if (f->days == 0)
        f->days = f->weekly ? 1u << weekday(d0) : 0x7fu;
    f->interval = r->interval;
    f->wkst = (int)r->week_start - 1;
    f->d0 = d0;
    f->min_day = d0;
    f->ws0 = d0 - ((weekday(d0) - f->wkst + 7) % 7);
    f->count = r->count;
    return TRUE;
}

/* Instances in the periods (days or weeks) before period @k, counted from
 * DTSTART: what a walk from DTSTART would have emitted, so COUNT still ends
 * the series at the right instance after a skip. */
static gint64
instances_before(const NyFastRule *f, gint64 k)
{
    gint64 total = 0;

    if (k <= 0)
        return 0;
    if (f->weekly) {
        /* Week 0 holds the rule's days from DTSTART on; every later week all. */
        int per_week = 0;
        for (int o = 0; o < 7; o++) {
            gboolean on = (f->days & (1u << weekday(f->ws0 + o))) != 0;
            per_week += on;
            total += on && f->ws0 + o >= f->d0;
        }
        return total + (k - 1) * per_week;
    }
    /* Daily: the weekday of DTSTART + n * INTERVAL repeats every 7 periods. */
    {
        int cycle[7];
        int per_cycle = 0;
        for (int n = 0; n < 7; n++) {
            cycle[n] = (f->days >> weekday(f->d0 + n * f->interval)) & 1;
            per_cycle += cycle[n];
        }
        total = (k / 7) * per_cycle;
        for (int n = 0; n < k % 7; n++)
            total += cycle[n];
        return total;
    }
}

void
ny_busy_fast_rule_skip_to(NyFastRule *f, gint64 day)
{
    gint64 k;

    if (f->weekly)
        k = floor_div(day - f->ws0, 7 * f->interval);
    else
        k = floor_div(day - f->d0 + f->interval - 1, f->interval);
    if (f->count > 0) {
        /* With COUNT the instances skipped over are counted, not walked;
         * the period starts whole (no min_day), so the count stays exact. */
        if (k > f->period) {
            f->emitted = instances_before(f, k);
            f->period = k;
            f->offset = 0;
        }
        return;
    }
    if (day > f->min_day)
        f->min_day = day;
    if (k > f->period) {
        f->period = k;
        f->offset = 0;
    }
}

gboolean
ny_busy_fast_rule_next(NyFastRule *f, gint64 *out_day)
{
    if (f->count > 0 && f->emitted >= f->count)
        return FALSE;
    /* Every period of 7 holds a matching day (DTSTART's weekday recurs), so
     * this ends within 7 * 7 rounds. */
    for (int guard = 0; guard < 64; guard++) {
        gint64 day;

        if (f->weekly) {
            if (f->offset > 6) {
                f->period++;
                f->offset = 0;
            }
            day = f->ws0 + f->period * 7 * f->interval + f->offset;
            f->offset++;
        } else {
            day = f->d0 + f->period * f->interval;
            f->period++;
        }
        if (day < f->min_day || (f->days & (1u << weekday(day))) == 0)
            continue;
        f->emitted++;
        *out_day = day;
        return TRUE;
    }
    return FALSE;
}
