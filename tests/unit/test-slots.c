/* Unit tests for slot picking: the case table fixtures/slots/cases.txt. */
#include <stdlib.h>
#include <string.h>

#include "notyet/slots.h"

typedef struct {
    char *name;
    char *zone;
    char *their_tz;
    char *now;
    char *set;
    GPtrArray *busy;    /* "START END" */
    GPtrArray *taken;   /* "START END" */
    char *expect;       /* starts, space separated */
    char *error;        /* "no_slot|invalid SUBSTRING" */
    GPtrArray *reasons; /* "START REASON" */
} SlotCase;

static void
slot_case_free(SlotCase *c)
{
    g_free(c->name);
    g_free(c->zone);
    g_free(c->their_tz);
    g_free(c->now);
    g_free(c->set);
    g_ptr_array_unref(c->busy);
    g_ptr_array_unref(c->taken);
    g_free(c->expect);
    g_free(c->error);
    g_ptr_array_unref(c->reasons);
    g_free(c);
}

static SlotCase *
slot_case_new(void)
{
    SlotCase *c = g_new0(SlotCase, 1);
    c->busy = g_ptr_array_new_with_free_func(g_free);
    c->taken = g_ptr_array_new_with_free_func(g_free);
    c->reasons = g_ptr_array_new_with_free_func(g_free);
    return c;
}

static NyTime
parse_time(const char *text, GTimeZone *zone)
{
    g_autoptr(GError) error = NULL;
    NyTime t = 0;

    ny_time_parse(text, zone, &t, &error);
    g_assert_no_error(error);
    return t;
}

static GArray *
parse_intervals(GPtrArray *lines, GTimeZone *zone)
{
    GArray *list = ny_intervals_new();

    for (guint i = 0; i < lines->len; i++) {
        g_auto(GStrv) parts = g_strsplit(g_ptr_array_index(lines, i), " ", -1);
        g_assert_cmpuint(g_strv_length(parts), ==, 2);
        ny_intervals_add(list, parse_time(parts[0], zone), parse_time(parts[1], zone));
    }
    return list;
}

static guint
parse_days(const char *text)
{
    static const char *const names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);
    guint mask = 0;

    for (guint i = 0; parts[i] != NULL; i++) {
        gboolean found = FALSE;
        if (*parts[i] == '\0')
            continue;
        for (int d = 0; d < 7; d++) {
            if (strcmp(parts[i], names[d]) == 0) {
                mask |= NY_DAY_BIT(d + 1);
                found = TRUE;
            }
        }
        g_assert_true(found);
    }
    return mask;
}

static int
parse_hhmm(const char *text)
{
    return atoi(text) * 60 + atoi(text + 3);
}

static void
apply_settings(NyAvailability *a, const char *set)
{
    g_auto(GStrv) parts = NULL;

    if (set == NULL)
        return;
    parts = g_strsplit(set, " ", -1);
    for (guint i = 0; parts[i] != NULL; i++) {
        char *eq = strchr(parts[i], '=');
        const char *v;
        g_assert_nonnull(eq);
        *eq = '\0';
        v = eq + 1;
        if (strcmp(parts[i], "days") == 0)
            a->days = parse_days(v);
        else if (strcmp(parts[i], "start") == 0)
            a->start_minute = parse_hhmm(v);
        else if (strcmp(parts[i], "end") == 0)
            a->end_minute = parse_hhmm(v);
        else if (strcmp(parts[i], "slot") == 0)
            a->slot_minutes = atoi(v);
        else if (strcmp(parts[i], "grid") == 0)
            a->grid_minutes = atoi(v);
        else if (strcmp(parts[i], "buffer") == 0)
            a->buffer_minutes = atoi(v);
        else if (strcmp(parts[i], "notice") == 0)
            a->min_notice_hours = atoi(v);
        else if (strcmp(parts[i], "horizon") == 0)
            a->horizon_days = atoi(v);
        else if (strcmp(parts[i], "count") == 0)
            a->count = atoi(v);
        else if (strcmp(parts[i], "spread") == 0)
            a->spread_days = atoi(v);
        else if (strcmp(parts[i], "their_start") == 0)
            a->their_start_minute = parse_hhmm(v);
        else if (strcmp(parts[i], "their_end") == 0)
            a->their_end_minute = parse_hhmm(v);
        else
            g_error("unknown setting '%s'", parts[i]);
    }
}

static char *
format_slots(GArray *slots, GTimeZone *zone)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; slots != NULL && i < slots->len; i++) {
        g_autofree char *t = ny_time_format_local(g_array_index(slots, NyInterval, i).start, zone);
        g_string_append_printf(s, "%s%s", i ? " " : "", t);
    }
    return g_string_free(s, FALSE);
}

/* Independently of the picker: the slot's start and end, read on the
 * invitee's clock, lie within their hours of one day. */
static void
assert_in_their_day(const NyAvailability *a, const NyInterval *slot)
{
    g_autoptr(GDateTime) s = g_date_time_new_from_unix_utc(slot->start);
    g_autoptr(GDateTime) e = g_date_time_new_from_unix_utc(slot->end);
    g_autoptr(GDateTime) ls = g_date_time_to_timezone(s, a->their_zone);
    g_autoptr(GDateTime) le = g_date_time_to_timezone(e, a->their_zone);
    int start_minute = g_date_time_get_hour(ls) * 60 + g_date_time_get_minute(ls);
    int end_minute = g_date_time_get_hour(le) * 60 + g_date_time_get_minute(le);

    if (g_date_time_get_day_of_month(le) != g_date_time_get_day_of_month(ls))
        end_minute += 24 * 60;
    g_assert_cmpint(start_minute, >=, a->their_start_minute);
    g_assert_cmpint(end_minute, <=, a->their_end_minute);
}

static void
run_case(gconstpointer data)
{
    const SlotCase *c = data;
    g_autoptr(GTimeZone) zone = NULL;
    g_autoptr(GTimeZone) their = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = NULL;
    g_autoptr(GArray) slots = NULL;
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GError) error = NULL;
    NyAvailability a;
    NyTime now;
    gboolean ok;

    zone = ny_zone_new(c->zone ? c->zone : "America/New_York", &error);
    g_assert_no_error(error);
    ny_availability_init_default(&a);
    apply_settings(&a, c->set);
    if (c->their_tz != NULL) {
        their = ny_zone_new(c->their_tz, &error);
        g_assert_no_error(error);
        a.their_zone = their;
    }
    now = parse_time(c->now, zone);
    busy = parse_intervals(c->busy, zone);
    taken = parse_intervals(c->taken, zone);

    ok = ny_slots_pick(&a, zone, now, busy, taken, &slots, &error);
    if (c->error != NULL) {
        g_autofree char *code = g_strdup(c->error);
        char *space = strchr(code, ' ');
        const char *needle = space ? space + 1 : NULL;
        if (space)
            *space = '\0';
        g_assert_false(ok);
        g_assert_null(slots);
        {
            int want_code =
                strcmp(code, "no_slot") == 0 ? NY_SLOTS_ERROR_NO_SLOT : NY_SLOTS_ERROR_INVALID;
            g_assert_error(error, NY_SLOTS_ERROR, want_code);
        }
        if (needle != NULL && strstr(error->message, needle) == NULL)
            g_error("'%s' not in '%s'", needle, error->message);
    } else {
        g_autofree char *got = NULL;
        g_auto(GStrv) want = g_strsplit(c->expect, " ", -1);
        g_autoptr(GArray) want_list = ny_intervals_new();

        g_assert_no_error(error);
        g_assert_true(ok);
        for (guint i = 0; want[i] != NULL; i++) {
            NyTime t = parse_time(want[i], zone);
            ny_intervals_add(want_list, t, t + (NyTime)a.slot_minutes * 60);
        }
        got = format_slots(slots, zone);
        if (slots->len != want_list->len)
            g_test_message("got %s", got);
        g_assert_cmpuint(slots->len, ==, want_list->len);
        for (guint i = 0; i < slots->len; i++) {
            if (g_array_index(slots, NyInterval, i).start !=
                g_array_index(want_list, NyInterval, i).start)
                g_test_message("got %s", got);
            g_assert_cmpint(g_array_index(slots, NyInterval, i).start, ==,
                            g_array_index(want_list, NyInterval, i).start);
            g_assert_cmpint(g_array_index(slots, NyInterval, i).end, ==,
                            g_array_index(want_list, NyInterval, i).end);
            if (their != NULL)
                assert_in_their_day(&a, &g_array_index(slots, NyInterval, i));
        }
    }

    if (c->reasons->len > 0) {
        g_clear_error(&error);
        g_assert_true(ny_slots_explain(&a, zone, now, busy, taken, &cands, &error));
        g_assert_no_error(error);
        for (guint r = 0; r < c->reasons->len; r++) {
            g_auto(GStrv) parts = g_strsplit(g_ptr_array_index(c->reasons, r), " ", -1);
            NyTime t = parse_time(parts[0], zone);
            const NySlotCandidate *found = NULL;
            for (guint i = 0; i < cands->len; i++) {
                if (g_array_index(cands, NySlotCandidate, i).slot.start == t)
                    found = &g_array_index(cands, NySlotCandidate, i);
            }
            g_assert_nonnull(found);
            g_assert_cmpstr(ny_slot_reason_to_string(found->reason), ==, parts[1]);
        }
    }
}

static GPtrArray *
load_cases(void)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "fixtures", "slots", "cases.txt", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *cases = g_ptr_array_new_with_free_func((GDestroyNotify)slot_case_free);
    SlotCase *cur = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]);
        char *colon;
        char *value;

        if (*line == '#')
            continue;
        if (*line == '\0') {
            cur = NULL;
            continue;
        }
        colon = strchr(line, ':');
        g_assert_nonnull(colon);
        *colon = '\0';
        value = g_strstrip(colon + 1);
        if (cur == NULL) {
            cur = slot_case_new();
            g_ptr_array_add(cases, cur);
        }
        if (strcmp(line, "name") == 0)
            cur->name = g_strdup(value);
        else if (strcmp(line, "zone") == 0)
            cur->zone = g_strdup(value);
        else if (strcmp(line, "their_tz") == 0)
            cur->their_tz = g_strdup(value);
        else if (strcmp(line, "now") == 0)
            cur->now = g_strdup(value);
        else if (strcmp(line, "set") == 0)
            cur->set = g_strdup(value);
        else if (strcmp(line, "busy") == 0)
            g_ptr_array_add(cur->busy, g_strdup(value));
        else if (strcmp(line, "taken") == 0)
            g_ptr_array_add(cur->taken, g_strdup(value));
        else if (strcmp(line, "expect") == 0)
            cur->expect = g_strdup(value);
        else if (strcmp(line, "error") == 0)
            cur->error = g_strdup(value);
        else if (strcmp(line, "reason") == 0)
            g_ptr_array_add(cur->reasons, g_strdup(value));
        else
            g_error("cases.txt: unknown key '%s'", line);
    }
    return cases;
}

/* Explain lists every working day of the horizon and marks the chosen slots. */
static void
test_explain_marks_chosen(void)
{
    g_autoptr(GTimeZone) zone = ny_zone_new("America/New_York", NULL);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GError) error = NULL;
    NyAvailability a;
    int chosen = 0;
    guint days = 0;
    int last_day = -1;

    ny_availability_init_default(&a);
    g_assert_true(ny_slots_explain(&a, zone, 1796043600 /* Mon 2026-11-30 08:00 ET */, busy, NULL,
                                   &cands, &error));
    g_assert_no_error(error);
    for (guint i = 0; i < cands->len; i++) {
        const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
        if (c->chosen > 0) {
            chosen++;
            g_assert_cmpint(c->chosen, ==, chosen);
            g_assert_cmpint(c->reason, ==, NY_SLOT_OPEN);
        }
        if (c->day != last_day)
            days++;
        last_day = c->day;
        if (i > 0)
            g_assert_cmpint(c->slot.start, >,
                            g_array_index(cands, NySlotCandidate, i - 1).slot.start);
    }
    g_assert_cmpint(chosen, ==, 2);
    /* Mon 30 Nov up to Mon 14 Dec 08:00: 10 working days + Mon 14 (before 9:00: none). */
    g_assert_cmpuint(days, ==, 10);
    g_assert_cmpuint(cands->len, ==, 10 * 16);
}

/* A thousand busy periods over a 14-day horizon: the pick stays fast. */
static void
test_many_busy_periods(void)
{
    g_autoptr(GTimeZone) zone = ny_zone_new("America/New_York", NULL);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GArray) slots = NULL;
    g_autoptr(GError) error = NULL;
    NyTime now = 1796043600;
    NyAvailability a;
    gint64 t0;
    gint64 elapsed;

    ny_availability_init_default(&a);
    /* 1000 periods of 10 minutes, 10 minutes apart: everything is busy or
     * in a buffer, except a gap left in the second week. */
    for (int i = 0; i < 1000; i++) {
        NyTime s = now + (NyTime)i * 1200;
        if (i < 500 || i > 520)
            ny_intervals_add(busy, s, s + 600);
    }
    t0 = g_get_monotonic_time();
    g_assert_true(ny_slots_pick(&a, zone, now, busy, NULL, &slots, &error));
    elapsed = g_get_monotonic_time() - t0;
    g_assert_no_error(error);
    g_assert_cmpuint(slots->len, >=, 1);
    /* Speed is bench/pick.c's to measure; this only says it. */
    g_test_message("pick with 1000 busy periods: %" G_GINT64_FORMAT " us", elapsed);
}

/* Every grid time of every day of 2026, in zones that change their offset
 * at 00:00 (Santiago, Beirut, Havana), by 30 minutes (Lord Howe) or at the
 * usual hours, is the wall-clock time read through the zone database one
 * grid time at a time (the days without a change are computed from their
 * midnight): the same instants, in the same order, none more or less. */
static void
test_grid_is_wall_clock(void)
{
    static const char *const zones[] = {"America/Santiago",    "Asia/Beirut",   "America/Havana",
                                        "Australia/Lord_Howe", "Europe/London", "America/New_York"};

    for (gsize z = 0; z < G_N_ELEMENTS(zones); z++) {
        g_autoptr(GTimeZone) zone = ny_zone_new(zones[z], NULL);
        g_autoptr(GArray) cands = NULL;
        g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(NyTime));
        g_autoptr(GError) error = NULL;
        NyAvailability a;
        NyTime now;
        GDate day;

        g_assert_nonnull(zone);
        now = ny_time_from_local(zone, 2026, 1, 1, 0, 0, 0);
        ny_availability_init_default(&a);
        a.days = 0x7f;
        a.start_minute = 0;
        a.end_minute = 24 * 60;
        a.min_notice_hours = 0;
        a.buffer_minutes = 0;
        a.horizon_days = 365;
        g_assert_true(ny_slots_explain(&a, zone, now, NULL, NULL, &cands, &error));
        g_assert_no_error(error);

        /* The expected grid, one zone lookup per time, with the same rules:
         * a time a gap moves onto an earlier one, or past the day's end, is
         * left out. */
        g_date_clear(&day, 1);
        g_date_set_dmy(&day, 1, G_DATE_JANUARY, 2026);
        for (int d = 0; d < 365; d++, g_date_add_days(&day, 1)) {
            GDate next = day;
            NyTime day_end, prev = G_MININT64;

            g_date_add_days(&next, 1);
            day_end = ny_time_from_local(zone, g_date_get_year(&next), g_date_get_month(&next),
                                         g_date_get_day(&next), 0, 0, 0);
            for (int m = 0; m + a.slot_minutes <= 24 * 60; m += a.grid_minutes) {
                NyTime t = ny_time_from_local(zone, g_date_get_year(&day), g_date_get_month(&day),
                                              g_date_get_day(&day), m / 60, m % 60, 0);
                if (t <= prev || t + a.slot_minutes * 60 > day_end)
                    continue;
                prev = t;
                g_array_append_val(want, t);
            }
        }
        g_test_message("%s: %u grid times", zones[z], want->len);
        g_assert_cmpuint(cands->len, ==, want->len);
        for (guint i = 0; i < cands->len; i++)
            g_assert_cmpint(g_array_index(cands, NySlotCandidate, i).slot.start, ==,
                            g_array_index(want, NyTime, i));
    }
}

/* The one "is this time open" rule: the candidates' and a typed time's. */
static void
test_time_open(void)
{
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GArray) taken = ny_intervals_new();
    NyAvailability a;
    NyTime t = 1796137200; /* Tue 2026-12-01 10:00 ET */
    NyInterval slot = {t, t + 1200};
    NyInterval later = {t + 3600, t + 4800};

    ny_availability_init_default(&a); /* buffer 10 minutes */
    g_assert_cmpint(ny_slots_time_open(&a, NULL, NULL, &slot), ==, NY_SLOT_OPEN);
    /* Busy 10:30-11:00: 10:00-10:20 is 10 minutes clear, open. */
    ny_intervals_add(busy, t + 1800, t + 3600);
    g_assert_cmpint(ny_slots_time_open(&a, busy, taken, &slot), ==, NY_SLOT_OPEN);
    /* One more minute of buffer and it is too close. */
    a.buffer_minutes = 11;
    g_assert_cmpint(ny_slots_time_open(&a, busy, taken, &slot), ==, NY_SLOT_BUFFER);
    a.buffer_minutes = 10;
    /* The slot itself overlaps. */
    slot.start = t + 1500;
    slot.end = t + 2700;
    g_assert_cmpint(ny_slots_time_open(&a, busy, taken, &slot), ==, NY_SLOT_BUSY);
    /* A taken time wins over busy, and keeps the same buffer. */
    ny_intervals_add(taken, t + 2700, t + 3900);
    g_assert_cmpint(ny_slots_time_open(&a, busy, taken, &slot), ==, NY_SLOT_OFFERED);
    g_assert_cmpint(ny_slots_time_open(&a, NULL, taken, &later), ==, NY_SLOT_OFFERED);
    later.start = t + 4500;
    later.end = t + 5700;
    g_assert_cmpint(ny_slots_time_open(&a, NULL, taken, &later), ==, NY_SLOT_OPEN);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;

    g_test_init(&argc, &argv, NULL);
    cases = load_cases();
    for (guint i = 0; i < cases->len; i++) {
        const SlotCase *c = g_ptr_array_index(cases, i);
        g_autofree char *path = g_strdup_printf("/slots/case/%s", c->name);
        g_assert_nonnull(c->name);
        g_assert_nonnull(c->now);
        g_assert_true(c->expect != NULL || c->error != NULL);
        g_test_add_data_func(path, c, run_case);
    }
    g_test_add_func("/slots/explain-marks-chosen", test_explain_marks_chosen);
    g_test_add_func("/slots/many-busy-periods", test_many_busy_periods);
    g_test_add_func("/slots/grid-is-wall-clock", test_grid_is_wall_clock);
    g_test_add_func("/slots/time-open", test_time_open);
    return g_test_run();
}
