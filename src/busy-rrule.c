/* busy-rrule.c: the fast path for simple DAILY, WEEKLY and MONTHLY rules. Pure.
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

/* The month of @day, numbered from year 0 (year * 12 + month - 1). */
static gint64
month_of(gint64 day)
{
    int y, m, d;

    ny_busy_civil_from_days(day, &y, &m, &d);
    return (gint64)y * 12 + m - 1;
}

/* Monthly: the rule's day in month @month (numbered as month_of()). Every
 * month has a 1st to 4th and a last to 4th-last of each weekday. */
static gint64
monthly_day(const NyFastRule *f, gint64 month)
{
    gint64 y = floor_div(month, 12);
    int m = (int)(month - y * 12) + 1;
    int dow = __builtin_ctz(f->days);

    if (f->pos > 0) {
        gint64 first = ny_busy_days_from_civil(y, m, 1);
        return first + (dow - weekday(first) + 7) % 7 + (f->pos - 1) * 7;
    } else {
        gint64 last = m == 12 ? ny_busy_days_from_civil(y + 1, 1, 1) - 1
                              : ny_busy_days_from_civil(y, m + 1, 1) - 1;
        return last - (weekday(last) - dow + 7) % 7 - (-f->pos - 1) * 7;
    }
}

/* MONTHLY with one BYDAY day of position 1..4 or -4..-1 (the rest checked
 * by the caller): the rule's day every INTERVAL months from DTSTART's
 * month on, those before DTSTART left out. As libical, a DTSTART off the
 * rule is not one of them (nor counted by COUNT); the caller adds it. */
static gboolean
monthly_init(NyFastRule *f, const struct icalrecurrencetype *r, gint64 d0)
{
    int dow, pos;

    if (r->by_day[0] == ICAL_RECURRENCE_ARRAY_MAX || r->by_day[1] != ICAL_RECURRENCE_ARRAY_MAX)
        return FALSE;
    dow = (int)icalrecurrencetype_day_day_of_week(r->by_day[0]);
    pos = icalrecurrencetype_day_position(r->by_day[0]);
    if (dow < 1 || dow > 7 || pos == 0 || pos > 4 || pos < -4)
        return FALSE;
    f->monthly = TRUE;
    f->days = 1u << (dow - 1);
    f->pos = pos;
    f->m0 = month_of(d0);
    f->interval = r->interval;
    f->d0 = d0;
    f->min_day = d0;
    f->count = r->count;
    return TRUE;
}

gboolean
ny_busy_fast_rule_init(NyFastRule *f, const struct icalrecurrencetype *r, gint64 d0)
{
    memset(f, 0, sizeof(*f));
    if (r->freq != ICAL_DAILY_RECURRENCE && r->freq != ICAL_WEEKLY_RECURRENCE &&
        r->freq != ICAL_MONTHLY_RECURRENCE)
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
    if (r->week_start < ICAL_SUNDAY_WEEKDAY || r->week_start > ICAL_SATURDAY_WEEKDAY)
        return FALSE;
    if (r->freq == ICAL_MONTHLY_RECURRENCE)
        return monthly_init(f, r, d0);
    for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
        int dow = (int)icalrecurrencetype_day_day_of_week(r->by_day[i]);
        if (icalrecurrencetype_day_position(r->by_day[i]) != 0 || dow < 1 || dow > 7)
            return FALSE;
        f->days |= 1u << (dow - 1);
    }

    /* A daily rule with INTERVAL above 1 from a DTSTART off its days:
     * libical's own iterator decides (when each step misses the days, as
     * INTERVAL=7;BYDAY=MO from a Thursday, its walk finds none but a skip
     * ahead finds some). With INTERVAL 1 every day is a step, so it gives
     * the days on the rule from DTSTART on (tests/unit/test-busy.c checks
     * this against libical; a weekday rule from a Sunday is common). A
     * weekly one starts as libical does, on the rule's first day after it. */
    if (r->freq == ICAL_DAILY_RECURRENCE && r->interval != 1 && f->days != 0 &&
        (f->days & (1u << weekday(d0))) == 0)
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
    /* Monthly: one instance a period, but none in the first when the
     * rule's day there is before DTSTART. */
    if (f->monthly)
        return k - (monthly_day(f, f->m0) < f->d0);
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

    if (f->monthly)
        k = floor_div(month_of(day) - f->m0, f->interval);
    else if (f->weekly)
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
    /* Every period of 7 holds a matching day (a week holds every weekday; a
     * daily rule's DTSTART is on its days, and its weekday recurs), so this
     * ends within 7 * 7 rounds; every monthly period holds its day. */
    for (int guard = 0; guard < 64; guard++) {
        gint64 day;

        if (f->monthly) {
            day = monthly_day(f, f->m0 + f->period * f->interval);
            f->period++;
        } else if (f->weekly) {
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
