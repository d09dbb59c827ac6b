/* week.c: the week at a glance (doc/slots-and-letter.md, "The week at a
 * glance"). Pure. */
#include "notyet/week.h"

#include <string.h>

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

/* The UTC offset of @zone at the instant @t, in seconds. */
static gint64
offset_at(GTimeZone *zone, NyTime t)
{
    int i = g_time_zone_find_interval(zone, G_TIME_TYPE_UNIVERSAL, t);

    return i < 0 ? 0 : g_time_zone_get_offset(zone, i);
}

/* The instants whose wall-clock reading in @zone is @minute after local
 * midnight of @date (24:00 is the next day's midnight), earlier first, in
 * @out: one; two in the hour a fall-back repeats; none in a spring-forward
 * gap. Every offset in effect a day either side is tried, and a reading
 * counts when the zone is at that offset at its instant. */
static guint
local_readings(GTimeZone *zone, const GDate *date, int minute, NyTime out[3])
{
    GDate d = *date;
    g_autoptr(GDateTime) wall = NULL;
    NyTime as_utc;
    guint n = 0;

    if (minute >= 24 * 60) {
        g_date_add_days(&d, 1);
        minute -= 24 * 60;
    }
    wall = g_date_time_new_utc(g_date_get_year(&d), g_date_get_month(&d), g_date_get_day(&d),
                               minute / 60, minute % 60, 0);
    as_utc = g_date_time_to_unix(wall);
    for (int k = -1; k <= 1; k++) {
        gint64 offset = offset_at(zone, as_utc + k * 86400);
        NyTime t = as_utc - offset;
        guint i = n;

        if (offset_at(zone, t) != offset)
            continue;
        while (i > 0 && out[i - 1] > t)
            i--;
        if (i > 0 && out[i - 1] == t)
            continue;
        memmove(&out[i + 1], &out[i], (n - i) * sizeof(NyTime));
        out[i] = t;
        n++;
    }
    return n;
}

/* The wall-clock minutes after local midnight of the instant @t. */
static int
wall_minute(GTimeZone *zone, NyTime t)
{
    gint64 local = t + offset_at(zone, t);

    return (int)((local % 86400 + 86400) % 86400 / 60);
}

static gint
compare_times(gconstpointer a, gconstpointer b)
{
    NyTime x = *(const NyTime *)a;
    NyTime y = *(const NyTime *)b;

    return (x > y) - (x < y);
}

/* The cells of one working day: the grid steps that meet the working hours,
 * each as long as the real time it covers. The working hours run from the
 * first instant that reads start to the last that reads end; between, every
 * instant that reads a multiple of grid_minutes starts a cell. So the hour a
 * fall-back repeats gives cells twice (the same wall-clock minutes, one
 * offset apart), and the wall-clock times a spring-forward gap skips give
 * none. A start or end in a gap is moved past it by the zone database. */
static GArray *
day_cells(const NyAvailability *a, GTimeZone *zone, const GDate *date, const Judge *j)
{
    GArray *cells = g_array_new(FALSE, TRUE, sizeof(NyWeekCell));
    g_autoptr(GArray) bounds = g_array_new(FALSE, FALSE, sizeof(NyTime));
    NyTime r[3];
    guint n;
    NyTime first, last;

    n = local_readings(zone, date, a->start_minute, r);
    first = n > 0 ? r[0] : local_minute(zone, date, a->start_minute);
    n = local_readings(zone, date, a->end_minute, r);
    last = n > 0 ? r[n - 1] : local_minute(zone, date, a->end_minute);
    g_array_append_val(bounds, first);
    g_array_append_val(bounds, last);
    /* From start itself: its second reading, in a repeated hour, starts a
     * cell too. */
    for (int m = a->start_minute; m < a->end_minute;
         m = (m / a->grid_minutes + 1) * a->grid_minutes) {
        n = local_readings(zone, date, m, r);
        for (guint i = 0; i < n; i++) {
            if (first < r[i] && r[i] < last)
                g_array_append_val(bounds, r[i]);
        }
    }
    g_array_sort(bounds, compare_times);
    for (guint i = 1; i < bounds->len; i++) {
        NyWeekCell c = {0};

        c.span.start = g_array_index(bounds, NyTime, i - 1);
        c.span.end = g_array_index(bounds, NyTime, i);
        if (c.span.end <= c.span.start)
            continue;
        c.minute = wall_minute(zone, c.span.start);
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
