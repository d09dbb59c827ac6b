/* Unit tests for the week grid (src/week.c): each kind of cell, their
 * precedence, DST days, other grids, days off and the notice period. */
#include <string.h>

#include "notyet/week.h"

static NyTime
at(const char *text)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    NyTime t = 0;

    ny_time_parse(text, utc, &t, &error);
    g_assert_no_error(error);
    return t;
}

static GTimeZone *
zone(const char *name)
{
    g_autoptr(GError) error = NULL;
    GTimeZone *z = ny_zone_new(name, &error);

    g_assert_no_error(error);
    return z;
}

/* A list of intervals from "START END" pairs of ISO 8601 times. */
static GArray *
times_of(const char *const *pairs)
{
    GArray *list = ny_intervals_new();

    for (guint i = 0; pairs[i] != NULL; i += 2)
        ny_intervals_add(list, at(pairs[i]), at(pairs[i + 1]));
    return list;
}

/* A day's cells as one character each: '.' open, '~' buffer, '-' notice,
 * '_' past, '#' busy, 'h' held, 'o' offered, 'B' booked, '1'..'9' a pick. */
static char *
picture(const NyWeekDay *d)
{
    static const char chars[NY_WEEK_KIND_COUNT] = {'.', '~', '-', '_', '#', 'o', 'h', 'B', '?'};
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < d->cells->len; i++) {
        const NyWeekCell *c = &g_array_index(d->cells, NyWeekCell, i);
        if (c->kind == NY_WEEK_PICK) {
            g_assert_cmpint(c->pick, >=, 1);
            g_string_append_c(s, (char)('0' + c->pick));
        } else {
            g_assert_cmpint(c->pick, ==, 0);
            g_string_append_c(s, chars[c->kind]);
        }
    }
    return g_string_free(s, FALSE);
}

static const NyWeekDay *
day_at(const NyWeek *w, guint i)
{
    g_assert_cmpuint(i, <, w->days->len);
    return &g_array_index(w->days, NyWeekDay, i);
}

static void
assert_day(const NyWeek *w, guint i, const char *want)
{
    g_autofree char *got = picture(day_at(w, i));

    g_assert_cmpstr(got, ==, want);
}

/* Defaults (09:00-17:00, grid 30, buffer 10, notice 24 h), but no notice
 * unless a test asks for it. */
static void
avail(NyAvailability *a)
{
    ny_availability_init_default(a);
    a->min_notice_hours = 0;
}

static NyWeek *
build(const NyAvailability *a, const char *zone_name, const char *now, const char *first,
      int n_days, const NyWeekTimes *times)
{
    g_autoptr(GTimeZone) z = zone(zone_name);
    g_autoptr(GError) error = NULL;
    NyWeek *w = ny_week_build(a, z, at(now), at(first), n_days, times, &error);

    g_assert_no_error(error);
    g_assert_nonnull(w);
    return w;
}

/* Every kind on one day (Tuesday 2026-12-08, UTC): the 16 cells of
 * 09:00-17:00 are 09:00 09:30 10:00 10:30 11:00 11:30 12:00 12:30 13:00
 * 13:30 14:00 14:30 15:00 15:30 16:00 16:30. */
static void
test_each_kind(void)
{
    const char *busy[] = {"2026-12-08T10:00:00Z", "2026-12-08T10:30:00Z", NULL};
    const char *held[] = {"2026-12-08T11:30:00Z", "2026-12-08T11:50:00Z", NULL};
    const char *offered[] = {"2026-12-08T13:00:00Z", "2026-12-08T13:20:00Z", NULL};
    const char *booked[] = {"2026-12-08T14:30:00Z", "2026-12-08T15:00:00Z", NULL};
    const char *picks[] = {"2026-12-08T16:00:00Z", "2026-12-08T16:20:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    g_autoptr(GArray) h = times_of(held);
    g_autoptr(GArray) o = times_of(offered);
    g_autoptr(GArray) k = times_of(booked);
    g_autoptr(GArray) p = times_of(picks);
    NyWeekTimes t = {b, h, o, k, p};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;

    avail(&a);
    a.min_notice_hours = 1;
    /* now 08:20: 09:00 is inside the hour of notice; 09:30 is free but
     * ten minutes from the busy 10:00. A held, offered or booked time keeps
     * the buffer too; a pick does not. */
    w = build(&a, "UTC", "2026-12-08T08:20:00Z", "2026-12-08", 1, &t);
    g_assert_cmpuint(w->days->len, ==, 1);
    /*                9:00    11:00   13:00   15:00 */
    assert_day(w, 0, "-~#~~h.~o.~B~.1.");

    /* The same with now at 09:10: the 09:00 cell has started. */
    g_clear_pointer(&w, ny_week_free);
    w = build(&a, "UTC", "2026-12-08T09:10:00Z", "2026-12-08", 1, &t);
    assert_day(w, 0, "_-#~~h.~o.~B~.1.");
}

/* When kinds meet in one cell, the higher NyWeekKind wins. */
static void
test_precedence(void)
{
    /* 10:00-10:30 is busy and offered (an offer without a hold, or a hold
     * of another store), 11:00-11:30 busy, held, offered and booked,
     * 12:00-12:30 busy and held, 14:00-14:30 busy, offered and held (an
     * offer's own hold on the calendar), 13:00 and 15:00 held only (a hold
     * the lookup did not see), 09:00 busy in the past. */
    const char *busy[] = {"2026-12-08T10:00:00Z",
                          "2026-12-08T10:30:00Z",
                          "2026-12-08T11:00:00Z",
                          "2026-12-08T11:30:00Z",
                          "2026-12-08T12:00:00Z",
                          "2026-12-08T12:30:00Z",
                          "2026-12-08T09:00:00Z",
                          "2026-12-08T09:30:00Z",
                          "2026-12-08T14:00:00Z",
                          "2026-12-08T14:30:00Z",
                          NULL};
    const char *held[] = {"2026-12-08T11:00:00Z",
                          "2026-12-08T11:30:00Z",
                          "2026-12-08T12:00:00Z",
                          "2026-12-08T12:30:00Z",
                          "2026-12-08T14:00:00Z",
                          "2026-12-08T14:20:00Z",
                          "2026-12-08T13:00:00Z",
                          "2026-12-08T13:20:00Z",
                          "2026-12-08T15:00:00Z",
                          "2026-12-08T15:20:00Z",
                          NULL};
    const char *offered[] = {"2026-12-08T10:00:00Z",
                             "2026-12-08T10:20:00Z",
                             "2026-12-08T11:00:00Z",
                             "2026-12-08T11:20:00Z",
                             "2026-12-08T14:00:00Z",
                             "2026-12-08T14:20:00Z",
                             NULL};
    const char *booked[] = {"2026-12-08T11:00:00Z", "2026-12-08T11:20:00Z", NULL};
    /* A pick over a booked or held time cannot come from ny_slots_pick(),
     * but the grid must still show it as the pick. */
    const char *picks[] = {"2026-12-08T15:00:00Z", "2026-12-08T15:20:00Z", "2026-12-08T11:00:00Z",
                           "2026-12-08T11:20:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    g_autoptr(GArray) h = times_of(held);
    g_autoptr(GArray) o = times_of(offered);
    g_autoptr(GArray) k = times_of(booked);
    g_autoptr(GArray) p = times_of(picks);
    NyWeekTimes t = {b, h, o, k, NULL};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;
    g_autoptr(NyWeek) w2 = NULL;

    avail(&a);
    a.min_notice_hours = 48;
    /* now 09:40: 09:00 busy although past, 09:30 past although near busy,
     * everything free after now inside the notice, never "buffer". */
    w = build(&a, "UTC", "2026-12-08T09:40:00Z", "2026-12-08", 1, &t);
    assert_day(w, 0, "#_o-B-h-h-h-h---");
    t.picks = p;
    w2 = build(&a, "UTC", "2026-12-08T09:40:00Z", "2026-12-08", 1, &t);
    assert_day(w2, 0, "#_o-2-h-h-h-1---");
}

/* The buffer is kept from busy, held, offered and booked times alike, on
 * both sides, and a buffer of 0 keeps nothing. */
static void
test_buffer(void)
{
    const char *busy[] = {"2026-12-08T10:00:00Z", "2026-12-08T10:30:00Z", NULL};
    const char *held[] = {"2026-12-08T12:00:00Z", "2026-12-08T12:30:00Z", NULL};
    const char *offered[] = {"2026-12-08T14:00:00Z", "2026-12-08T14:30:00Z", NULL};
    const char *booked[] = {"2026-12-08T16:00:00Z", "2026-12-08T16:30:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    g_autoptr(GArray) h = times_of(held);
    g_autoptr(GArray) o = times_of(offered);
    g_autoptr(GArray) k = times_of(booked);
    NyWeekTimes t = {b, h, o, k, NULL};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;
    g_autoptr(NyWeek) w0 = NULL;
    g_autoptr(NyWeek) w60 = NULL;

    avail(&a);
    w = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 1, &t);
    assert_day(w, 0, ".~#~.~h~.~o~.~B~");
    a.buffer_minutes = 0;
    w0 = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 1, &t);
    assert_day(w0, 0, "..#...h...o...B.");
    a.buffer_minutes = 60;
    w60 = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 1, &t);
    assert_day(w60, 0, "~~#~~~h~~~o~~~B~");
}

/* A DST day keeps 09:00-17:00 local: the cells' instants move by an hour,
 * their wall-clock minutes do not. America/New_York springs forward on
 * Sunday 2026-03-08 and falls back on Sunday 2026-11-01. */
static void
test_dst_days(void)
{
    NyAvailability a;
    g_autoptr(NyWeek) spring = NULL;
    g_autoptr(NyWeek) fall = NULL;

    avail(&a);
    a.days = 0x7f;
    spring = build(&a, "America/New_York", "2026-03-01T00:00:00Z", "2026-03-07T12:00:00Z", 3, NULL);
    g_assert_cmpuint(spring->days->len, ==, 3);
    for (guint i = 0; i < 3; i++) {
        const NyWeekDay *d = day_at(spring, i);
        const NyWeekCell *first = &g_array_index(d->cells, NyWeekCell, 0);
        const NyWeekCell *last = &g_array_index(d->cells, NyWeekCell, d->cells->len - 1);
        /* EST is UTC-5 on the 7th; EDT, UTC-4, from the 8th. */
        NyTime nine = i == 0 ? at("2026-03-07T14:00:00Z")
                             : (i == 1 ? at("2026-03-08T13:00:00Z") : at("2026-03-09T13:00:00Z"));

        g_assert_cmpint(d->day, ==, 7 + (int)i);
        g_assert_cmpuint(d->cells->len, ==, 16);
        g_assert_cmpint(first->minute, ==, 9 * 60);
        g_assert_cmpint(first->span.start, ==, nine);
        g_assert_cmpint(last->minute, ==, 16 * 60 + 30);
        g_assert_cmpint(last->span.end, ==, nine + 8 * 3600);
        for (guint c = 1; c < d->cells->len; c++)
            g_assert_cmpint(g_array_index(d->cells, NyWeekCell, c).span.start, ==,
                            g_array_index(d->cells, NyWeekCell, c - 1).span.end);
    }
    /* The grid's window is local midnight to local midnight: 23 hours on
     * the 8th. */
    g_assert_cmpint(spring->from, ==, at("2026-03-07T05:00:00Z"));
    g_assert_cmpint(spring->to, ==, at("2026-03-10T04:00:00Z"));

    fall = build(&a, "America/New_York", "2026-10-01T00:00:00Z", "2026-11-01T12:00:00Z", 1, NULL);
    g_assert_cmpint(g_array_index(day_at(fall, 0)->cells, NyWeekCell, 0).span.start, ==,
                    at("2026-11-01T14:00:00Z"));
    g_assert_cmpint(fall->to - fall->from, ==, 25 * 3600);
}

/* Working hours across the spring-forward gap: 02:00-03:00 does not exist
 * on 2026-03-08 in New York, so its cells are left out. */
static void
test_dst_gap(void)
{
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;
    const NyWeekDay *d;

    avail(&a);
    a.days = 0x7f;
    a.start_minute = 0;
    a.end_minute = 5 * 60;
    a.grid_minutes = 60;
    a.slot_minutes = 20;
    w = build(&a, "America/New_York", "2026-03-01T00:00:00Z", "2026-03-08T12:00:00Z", 1, NULL);
    d = day_at(w, 0);
    g_assert_cmpuint(d->cells->len, ==, 4);
    g_assert_cmpint(g_array_index(d->cells, NyWeekCell, 0).minute, ==, 0);
    g_assert_cmpint(g_array_index(d->cells, NyWeekCell, 1).minute, ==, 60);
    g_assert_cmpint(g_array_index(d->cells, NyWeekCell, 2).minute, ==, 3 * 60);
    g_assert_cmpint(g_array_index(d->cells, NyWeekCell, 2).span.start, ==,
                    at("2026-03-08T07:00:00Z"));
    g_assert_cmpint(g_array_index(d->cells, NyWeekCell, 3).minute, ==, 4 * 60);
}

/* Checks that the cells of day 0 of @w are consecutive, each @grid
 * minutes of real time, at the wall-clock minutes @minutes (-1 ends), from
 * @from. */
static void
assert_real_cells(const NyWeek *w, int grid, const char *from, const int *minutes)
{
    const NyWeekDay *d = day_at(w, 0);
    guint n = 0;

    while (minutes[n] >= 0)
        n++;
    g_assert_cmpuint(d->cells->len, ==, n);
    for (guint i = 0; i < n; i++) {
        const NyWeekCell *c = &g_array_index(d->cells, NyWeekCell, i);

        g_assert_cmpint(c->span.start, ==, at(from) + (NyTime)i * grid * 60);
        g_assert_cmpint(c->span.end - c->span.start, ==, grid * 60);
        g_assert_cmpint(c->minute, ==, minutes[i]);
    }
}

/* The hour a fall-back repeats: every cell is its real length, so the
 * repeated wall-clock times are drawn twice, one offset apart, and never as
 * one cell of 90 minutes. New York repeats 01:00-02:00 on 2026-11-01
 * (EDT, then EST), Berlin 02:00-03:00 on 2026-10-25 (CEST, then CET). */
static void
test_dst_fall_back(void)
{
    static const int ny30[] = {0, 30, 60, 90, 60, 90, 120, 150, 180, 210, 240, 270, -1};
    static const int ny60[] = {0, 60, 60, 120, 180, 240, -1};
    static const int ny_inside[] = {60, 90, 60, 90, -1};
    static const int berlin[] = {60, 90, 120, 150, 120, 150, 180, 210, 240, 270, -1};
    const char *busy[] = {"2026-11-01T06:00:00Z", "2026-11-01T06:30:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    NyWeekTimes t = {b, NULL, NULL, NULL, NULL};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;

    avail(&a);
    a.days = 0x7f;
    a.start_minute = 0;
    a.end_minute = 5 * 60;
    a.slot_minutes = 20;
    a.buffer_minutes = 0;
    /* 00:00 EDT (04:00Z) to 05:00 EST (10:00Z): six real hours. */
    w = build(&a, "America/New_York", "2026-10-01T00:00:00Z", "2026-11-01T12:00:00Z", 1, &t);
    assert_real_cells(w, 30, "2026-11-01T04:00:00Z", ny30);
    /* Only the second 01:00-01:30 (EST) is busy. */
    assert_day(w, 0, "....#.......");
    g_clear_pointer(&w, ny_week_free);

    a.grid_minutes = 60;
    w = build(&a, "America/New_York", "2026-10-01T00:00:00Z", "2026-11-01T12:00:00Z", 1, NULL);
    assert_real_cells(w, 60, "2026-11-01T04:00:00Z", ny60);
    g_clear_pointer(&w, ny_week_free);

    /* Working hours that start and end inside the repeated hour hold both
     * of its readings: the first 01:00 to the last 02:00. */
    a.grid_minutes = 30;
    a.start_minute = 60;
    a.end_minute = 120;
    w = build(&a, "America/New_York", "2026-10-01T00:00:00Z", "2026-11-01T12:00:00Z", 1, NULL);
    assert_real_cells(w, 30, "2026-11-01T05:00:00Z", ny_inside);
    g_clear_pointer(&w, ny_week_free);

    /* 01:00 CEST (23:00Z the day before) to 05:00 CET (04:00Z). */
    a.start_minute = 60;
    a.end_minute = 5 * 60;
    w = build(&a, "Europe/Berlin", "2026-10-01T00:00:00Z", "2026-10-25T12:00:00Z", 1, NULL);
    g_assert_cmpint(day_at(w, 0)->day, ==, 25);
    assert_real_cells(w, 30, "2026-10-24T23:00:00Z", berlin);
}

/* The spring-forward gap: no cell for the wall-clock times it skips, and
 * the cells around it are their real length, never stretched or cut.
 * Berlin skips 02:00-03:00 on 2026-03-29. */
static void
test_dst_spring_forward(void)
{
    static const int berlin[] = {60, 90, 180, 210, -1};
    static const int ny[] = {0, 60, 180, 240, -1};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;

    avail(&a);
    a.days = 0x7f;
    a.start_minute = 60;
    a.end_minute = 4 * 60;
    a.slot_minutes = 20;
    w = build(&a, "Europe/Berlin", "2026-03-01T00:00:00Z", "2026-03-29T12:00:00Z", 1, NULL);
    assert_real_cells(w, 30, "2026-03-29T00:00:00Z", berlin);
    g_clear_pointer(&w, ny_week_free);

    a.start_minute = 0;
    a.end_minute = 5 * 60;
    a.grid_minutes = 60;
    w = build(&a, "America/New_York", "2026-03-01T00:00:00Z", "2026-03-08T12:00:00Z", 1, NULL);
    assert_real_cells(w, 60, "2026-03-08T05:00:00Z", ny);
}

/* Other grids: 15 minutes gives 32 cells, and a start off the grid makes a
 * short first cell; an end off the grid a short last one. */
static void
test_grids(void)
{
    const char *busy[] = {"2026-12-08T09:40:00Z", "2026-12-08T09:50:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    NyWeekTimes t = {b, NULL, NULL, NULL, NULL};
    NyAvailability a;
    g_autoptr(NyWeek) quarter = NULL;
    g_autoptr(NyWeek) odd = NULL;
    const NyWeekDay *d;
    const NyWeekCell *c;

    avail(&a);
    a.grid_minutes = 15;
    a.buffer_minutes = 0;
    quarter = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 1, &t);
    d = day_at(quarter, 0);
    g_assert_cmpuint(d->cells->len, ==, 32);
    assert_day(quarter, 0, "..##............................");
    c = &g_array_index(d->cells, NyWeekCell, 2);
    g_assert_cmpint(c->minute, ==, 9 * 60 + 30);
    g_assert_cmpint(c->span.end - c->span.start, ==, 15 * 60);

    a.grid_minutes = 30;
    a.start_minute = 9 * 60 + 10;
    a.end_minute = 11 * 60 + 15;
    odd = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 1, &t);
    d = day_at(odd, 0);
    assert_day(odd, 0, ".#...");
    c = &g_array_index(d->cells, NyWeekCell, 0);
    g_assert_cmpint(c->minute, ==, 9 * 60 + 10);
    g_assert_cmpint(c->span.start, ==, at("2026-12-08T09:10:00Z"));
    g_assert_cmpint(c->span.end, ==, at("2026-12-08T09:30:00Z"));
    c = &g_array_index(d->cells, NyWeekCell, 4);
    g_assert_cmpint(c->minute, ==, 11 * 60);
    g_assert_cmpint(c->span.end, ==, at("2026-12-08T11:15:00Z"));
}

/* A pick longer than a cell marks every cell it meets; a busy period
 * across days (an all-day event) fills both days' cells. */
static void
test_spans(void)
{
    const char *busy[] = {"2026-12-08T16:40:00Z", "2026-12-09T09:10:00Z", NULL};
    const char *picks[] = {"2026-12-08T10:00:00Z", "2026-12-08T10:50:00Z", "2026-12-09T11:00:00Z",
                           "2026-12-09T11:20:00Z", NULL};
    g_autoptr(GArray) b = times_of(busy);
    g_autoptr(GArray) p = times_of(picks);
    NyWeekTimes t = {b, NULL, NULL, NULL, p};
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;

    avail(&a);
    w = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-08", 2, &t);
    assert_day(w, 0, "..11...........#");
    assert_day(w, 1, "#...2...........");
}

/* Days off are left out; the window still counts them. */
static void
test_days_off(void)
{
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;
    g_autoptr(NyWeek) tue_thu = NULL;

    avail(&a);
    /* Wednesday 2026-12-09 for a week: Wed Thu Fri, Mon Tue. */
    w = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-09T15:00:00Z", 7, NULL);
    g_assert_cmpuint(w->days->len, ==, 5);
    g_assert_cmpint(day_at(w, 0)->day, ==, 9);
    g_assert_cmpint(day_at(w, 0)->weekday, ==, 3);
    g_assert_cmpint(day_at(w, 2)->day, ==, 11);
    g_assert_cmpint(day_at(w, 3)->day, ==, 14);
    g_assert_cmpint(day_at(w, 3)->weekday, ==, 1);
    g_assert_cmpint(day_at(w, 4)->day, ==, 15);
    g_assert_cmpint(w->from, ==, at("2026-12-09T00:00:00Z"));
    g_assert_cmpint(w->to, ==, at("2026-12-16T00:00:00Z"));

    a.days = NY_DAY_BIT(2) | NY_DAY_BIT(4);
    tue_thu = build(&a, "UTC", "2026-12-01T00:00:00Z", "2026-12-07", 14, NULL);
    g_assert_cmpuint(tue_thu->days->len, ==, 4);
    for (guint i = 0; i < tue_thu->days->len; i++)
        g_assert_true(day_at(tue_thu, i)->weekday == 2 || day_at(tue_thu, i)->weekday == 4);
}

/* min_notice_hours: free cells before now + notice show "notice", the ones
 * before now "past", in the user's zone. */
static void
test_notice(void)
{
    NyAvailability a;
    g_autoptr(NyWeek) w = NULL;

    avail(&a);
    a.min_notice_hours = 24;
    /* Monday 10:15 in Berlin (09:15Z). */
    w = build(&a, "Europe/Berlin", "2026-12-07T09:15:00Z", "2026-12-07", 3, NULL);
    g_assert_cmpuint(w->days->len, ==, 3);
    assert_day(w, 0, "___-------------");
    assert_day(w, 1, "---.............");
    assert_day(w, 2, "................");
    g_assert_cmpint(g_array_index(day_at(w, 1)->cells, NyWeekCell, 3).span.start, ==,
                    at("2026-12-08T09:30:00Z"));
}

static void
test_invalid(void)
{
    g_autoptr(GTimeZone) z = zone("UTC");
    g_autoptr(GError) error = NULL;
    NyAvailability a;
    NyWeek *w;

    avail(&a);
    a.end_minute = a.start_minute;
    w = ny_week_build(&a, z, 0, 0, 7, NULL, &error);
    g_assert_null(w);
    g_assert_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_INVALID);
    g_clear_error(&error);
    avail(&a);
    a.grid_minutes = 0;
    w = ny_week_build(&a, z, 0, 0, 7, NULL, &error);
    g_assert_null(w);
    g_assert_error(error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_INVALID);
}

static void
test_kind_names(void)
{
    const char *names[NY_WEEK_KIND_COUNT] = {"open",    "buffer", "notice", "past", "busy",
                                             "offered", "held",   "booked", "pick"};

    for (int k = 0; k < NY_WEEK_KIND_COUNT; k++)
        g_assert_cmpstr(ny_week_kind_to_string((NyWeekKind)k), ==, names[k]);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/week/each-kind", test_each_kind);
    g_test_add_func("/week/precedence", test_precedence);
    g_test_add_func("/week/buffer", test_buffer);
    g_test_add_func("/week/dst-days", test_dst_days);
    g_test_add_func("/week/dst-gap", test_dst_gap);
    g_test_add_func("/week/dst-fall-back", test_dst_fall_back);
    g_test_add_func("/week/dst-spring-forward", test_dst_spring_forward);
    g_test_add_func("/week/grids", test_grids);
    g_test_add_func("/week/spans", test_spans);
    g_test_add_func("/week/days-off", test_days_off);
    g_test_add_func("/week/notice", test_notice);
    g_test_add_func("/week/invalid", test_invalid);
    g_test_add_func("/week/kind-names", test_kind_names);
    return g_test_run();
}
