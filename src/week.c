/* week.c: the week at a glance (doc/slots-and-letter.md, "The week at a
 * glance"). Pure. */
#include "notyet/week.h"

const char *
ny_week_kind_to_string(NyWeekKind kind)
{
    switch (kind) {
    case NY_WEEK_OPEN:
        return "open";
    case NY_WEEK_BUFFER:
        return "buffer";
    case NY_WEEK_NOTICE:
        return "notice";
    case NY_WEEK_PAST:
        return "past";
    case NY_WEEK_BUSY:
        return "busy";
    case NY_WEEK_OFFERED:
        return "offered";
    case NY_WEEK_HELD:
        return "held";
    case NY_WEEK_BOOKED:
        return "booked";
    case NY_WEEK_PICK:
        return "pick";
    }
    return "open";
}

static void
week_day_clear(gpointer data)
{
    NyWeekDay *d = data;

    g_clear_pointer(&d->cells, g_array_unref);
}

void
ny_week_free(NyWeek *week)
{
    if (week == NULL)
        return;
    g_clear_pointer(&week->days, g_array_unref);
    g_free(week);
}

/* A sorted, merged copy (of several lists), so overlap tests are binary searches. */
static GArray *
merged(const GArray *const *lists, guint n)
{
    GArray *out = ny_intervals_new();

    for (guint i = 0; i < n; i++) {
        if (lists[i] != NULL && lists[i]->len > 0)
            g_array_append_vals(out, lists[i]->data, lists[i]->len);
    }
    ny_intervals_normalize(out, G_MININT64 / 2, G_MAXINT64 / 2);
    return out;
}

/* The instant of @minute after local midnight of @date; 24:00 is the next
 * day's midnight. Wall-clock fields, never "midnight + seconds", so a DST
 * day keeps its working hours (as src/slots.c does). */
static NyTime
local_minute(GTimeZone *zone, const GDate *date, int minute)
{
    GDate d = *date;

    if (minute >= 24 * 60) {
        g_date_add_days(&d, 1);
        minute = 0;
    }
    return ny_time_from_local(zone, g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d),
                              minute / 60, minute % 60, 0);
}

typedef struct {
    const GArray *busy;
    const GArray *held;
    const GArray *offered;
    const GArray *booked;
    const GArray *near; /* everything a buffer is kept from */
    const GArray *picks;
    NyTime now;
    NyTime notice_at;
    NyTime buffer;
} Judge;

static void
judge_cell(const Judge *j, NyWeekCell *c)
{
    NyTime s = c->span.start;
    NyTime e = c->span.end;

    c->pick = 0;
    for (guint i = 0; j->picks != NULL && i < j->picks->len; i++) {
        const NyInterval *p = &g_array_index(j->picks, NyInterval, i);
        if (p->start < e && s < p->end) {
            c->kind = NY_WEEK_PICK;
            c->pick = (int)i + 1;
            return;
        }
    }
    if (ny_intervals_overlaps(j->booked, s, e))
        c->kind = NY_WEEK_BOOKED;
    else if (ny_intervals_overlaps(j->held, s, e))
        c->kind = NY_WEEK_HELD;
    else if (ny_intervals_overlaps(j->offered, s, e))
        c->kind = NY_WEEK_OFFERED;
    else if (ny_intervals_overlaps(j->busy, s, e))
        c->kind = NY_WEEK_BUSY;
    else if (s < j->now)
        c->kind = NY_WEEK_PAST;
    else if (s < j->notice_at)
        c->kind = NY_WEEK_NOTICE;
    else if (ny_intervals_overlaps(j->near, s - j->buffer, e + j->buffer))
        c->kind = NY_WEEK_BUFFER;
    else
        c->kind = NY_WEEK_OPEN;
}

/* The cells of one working day: the grid steps that meet the working hours. */
static GArray *
day_cells(const NyAvailability *a, GTimeZone *zone, const GDate *date, const Judge *j)
{
    GArray *cells = g_array_new(FALSE, TRUE, sizeof(NyWeekCell));
    NyTime prev_start = G_MININT64;
    int first = a->start_minute / a->grid_minutes * a->grid_minutes;

    for (int m = first; m < a->end_minute; m += a->grid_minutes) {
        NyWeekCell c = {0};
        int from = MAX(m, a->start_minute);
        int to = MIN(m + a->grid_minutes, a->end_minute);

        c.minute = from;
        c.span.start = local_minute(zone, date, from);
        c.span.end = local_minute(zone, date, to);
        /* A wall-clock time inside a DST gap moves to the gap's end: such a
         * cell repeats an instant already drawn, or is empty. */
        if (c.span.start <= prev_start || c.span.end <= c.span.start)
            continue;
        prev_start = c.span.start;
        judge_cell(j, &c);
        g_array_append_val(cells, c);
    }
    return cells;
}

NyWeek *
ny_week_build(const NyAvailability *a, GTimeZone *zone, NyTime now, NyTime first, int n_days,
              const NyWeekTimes *times, GError **error)
{
    g_autoptr(GDateTime) utc = NULL;
    g_autoptr(GDateTime) local = NULL;
    g_autoptr(NyWeek) week = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) held = NULL;
    g_autoptr(GArray) offered = NULL;
    g_autoptr(GArray) booked = NULL;
    g_autoptr(GArray) near = NULL;
    NyWeekTimes none = {0};
    Judge j = {0};
    GDate date;
    GDate end;

    g_return_val_if_fail(a != NULL && zone != NULL, NULL);
    g_return_val_if_fail(n_days >= 1 && n_days <= NY_WEEK_MAX_DAYS, NULL);
    if (!ny_availability_check(a, error))
        return NULL;
    if (times == NULL)
        times = &none;
    utc = g_date_time_new_from_unix_utc(first);
    if (utc == NULL) {
        g_set_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_INVALID, "the time is out of range");
        return NULL;
    }
    local = g_date_time_to_timezone(utc, zone);
    g_date_clear(&date, 1);
    g_date_set_dmy(&date, (GDateDay)g_date_time_get_day_of_month(local),
                   (GDateMonth)g_date_time_get_month(local),
                   (GDateYear)g_date_time_get_year(local));
    end = date;
    g_date_add_days(&end, (guint)n_days);

    {
        const GArray *all[] = {times->busy, times->held, times->offered, times->booked};
        busy = merged(&times->busy, 1);
        held = merged(&times->held, 1);
        offered = merged(&times->offered, 1);
        booked = merged(&times->booked, 1);
        near = merged(all, G_N_ELEMENTS(all));
    }
    j.busy = busy;
    j.held = held;
    j.offered = offered;
    j.booked = booked;
    j.near = near;
    j.picks = times->picks;
    j.now = now;
    j.notice_at = now + (NyTime)a->min_notice_hours * 3600;
    j.buffer = (NyTime)a->buffer_minutes * 60;

    week = g_new0(NyWeek, 1);
    week->from = local_minute(zone, &date, 0);
    week->to = local_minute(zone, &end, 0);
    week->grid_minutes = a->grid_minutes;
    week->days = g_array_new(FALSE, TRUE, sizeof(NyWeekDay));
    g_array_set_clear_func(week->days, week_day_clear);
    for (; g_date_compare(&date, &end) < 0; g_date_add_days(&date, 1)) {
        NyWeekDay d = {0};

        d.weekday = g_date_get_weekday(&date); /* Monday = 1, as GDateTime */
        if ((a->days & NY_DAY_BIT(d.weekday)) == 0)
            continue;
        d.year = g_date_get_year(&date);
        d.month = g_date_get_month(&date);
        d.day = g_date_get_day(&date);
        d.cells = day_cells(a, zone, &date, &j);
        g_array_append_val(week->days, d);
    }
    return g_steal_pointer(&week);
}
