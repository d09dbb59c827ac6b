/* cmd-week.c: `notyet week [--from DATE] [--weeks N] [--color WHEN]`, the
 * working days as a grid: busy, buffer, held, offered, booked and open
 * times, and the slots `reply` would offer now (doc/slots-and-letter.md,
 * "The week at a glance"). The cells come from the pure src/week.c; this
 * file looks the times up and renders them. It knows no event's title. */
#include "cmd-common.h"

#include <string.h>
#include <unistd.h>

#include "notyet/week.h"

/* Longest --weeks: a year. */
#define MAX_WEEKS 52

typedef struct {
    char *from;
    int weeks;
    char *color;
} WeekOptions;

static void
week_options_clear(WeekOptions *o)
{
    g_clear_pointer(&o->from, g_free);
    g_clear_pointer(&o->color, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(WeekOptions, week_options_clear)

/* One character per kind, and its colour (SGR parameters, "" for none). A
 * pick shows its slot number instead of a character. */
static const struct {
    char c;
    const char *sgr;
    const char *words;
} kind_look[NY_WEEK_KIND_COUNT] = {
    [NY_WEEK_OPEN] = {'.', "32", "open"},
    [NY_WEEK_BUFFER] = {'~', "33", "buffer"},
    [NY_WEEK_NOTICE] = {'-', "2", "too soon (min_notice_hours)"},
    [NY_WEEK_PAST] = {' ', "", "past"},
    [NY_WEEK_BUSY] = {'#', "1;31", "busy"},
    [NY_WEEK_HELD] = {'h', "35", "held by notyet"},
    [NY_WEEK_OFFERED] = {'o', "36", "offered"},
    [NY_WEEK_BOOKED] = {'B', "1;34", "booked"},
    [NY_WEEK_PICK] = {'1', "1;30;42", "the slots reply would offer now"},
};

/* Characters per cell, so that the hour labels fit over the columns. */
static int
cell_width(int grid_minutes)
{
    if (grid_minutes >= 60)
        return 3;
    if (grid_minutes >= 30)
        return 2;
    return 1;
}

/* Appends @n copies of @c, coloured with @sgr when @color. */
static void
append_run(GString *s, gboolean color, const char *sgr, char c, int n)
{
    if (color && *sgr)
        g_string_append_printf(s, "\033[%sm", sgr);
    for (int i = 0; i < n; i++)
        g_string_append_c(s, c);
    if (color && *sgr)
        g_string_append(s, "\033[0m");
}

static char
cell_char(const NyWeekCell *c)
{
    if (c->kind == NY_WEEK_PICK)
        return c->pick >= 1 && c->pick <= 9 ? (char)('0' + c->pick) : '*';
    return kind_look[c->kind].c;
}

static GDateTime *
local_time(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);

    return g_date_time_to_timezone(utc, zone);
}

#define DAY_LABEL_WIDTH 16 /* "Mon 2026-12-07  " */

/* The hour labels over the columns: "09" over the column that holds 09:00,
 * when there is room. */
static void
append_hours(GString *s, const NyAvailability *a)
{
    int first = a->start_minute / a->grid_minutes * a->grid_minutes;
    int w = cell_width(a->grid_minutes);
    g_autoptr(GString) line = g_string_new(NULL);
    gsize next_free = 0;

    for (int m = first, col = 0; m < a->end_minute; m += a->grid_minutes, col++) {
        int from = MAX(m, a->start_minute);
        int to = MIN(m + a->grid_minutes, a->end_minute);
        int hour = (from + 59) / 60;
        gsize pos = (gsize)col * (gsize)w;

        if (hour * 60 >= to || pos < next_free)
            continue;
        while (line->len < pos)
            g_string_append_c(line, ' ');
        g_string_append_printf(line, "%02d", hour % 24);
        next_free = pos + 3;
    }
    g_string_append_printf(s, "%*s%s\n", DAY_LABEL_WIDTH, "", line->str);
}

/* Switches the colour in effect, *@shown, to @sgr ("" for none). */
static void
switch_color(GString *s, const char **shown, const char *sgr)
{
    if (g_strcmp0(sgr, *shown) == 0)
        return;
    if (*shown != NULL && **shown)
        g_string_append(s, "\033[0m");
    if (*sgr)
        g_string_append_printf(s, "\033[%sm", sgr);
    *shown = sgr;
}

/* The text grid has one column per wall-clock grid step, under the hour
 * labels: a step a DST gap skips is blank, and a step the hour a fall-back
 * repeats gives twice shows the higher kind of its two cells (the JSON
 * lists both). */
static void
append_day(GString *s, const NyAvailability *a, const NyWeekDay *d, gboolean color)
{
    /* The rows line up in every locale: the names of the letter's language. */
    static const char *const names[] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
    int first_col = a->start_minute / a->grid_minutes;
    int n_cols = (a->end_minute - 1) / a->grid_minutes - first_col + 1;
    int w = cell_width(a->grid_minutes);
    const char *shown = NULL; /* the colour in effect */
    g_autofree const NyWeekCell **cols = g_new0(const NyWeekCell *, (gsize)n_cols);
    g_autofree char *label = g_strdup_printf("%s %04d-%02d-%02d", names[(d->weekday + 6) % 7],
                                             d->year, d->month, d->day);

    for (guint i = 0; i < d->cells->len; i++) {
        const NyWeekCell *c = &g_array_index(d->cells, NyWeekCell, i);
        int col = CLAMP(c->minute / a->grid_minutes - first_col, 0, n_cols - 1);

        if (cols[col] == NULL || c->kind > cols[col]->kind)
            cols[col] = c;
    }
    g_string_append_printf(s, "%-*s", DAY_LABEL_WIDTH, label);
    for (int col = 0; col < n_cols; col++) {
        const NyWeekCell *c = cols[col];

        /* One colour sequence per run of cells of one colour. */
        switch_color(s, &shown, c != NULL && color ? kind_look[c->kind].sgr : "");
        append_run(s, FALSE, "", c != NULL ? cell_char(c) : ' ', w);
    }
    switch_color(s, &shown, "");
    /* No trailing blanks (past cells at the end of a day). */
    while (s->len > 0 && s->str[s->len - 1] == ' ')
        g_string_truncate(s, s->len - 1);
    g_string_append_c(s, '\n');
}

static void
append_legend(GString *s, int w, gboolean color)
{
    static const NyWeekKind order[] = {
        NY_WEEK_OPEN,   NY_WEEK_BUSY,   NY_WEEK_BUFFER, NY_WEEK_HELD, NY_WEEK_OFFERED,
        NY_WEEK_BOOKED, NY_WEEK_NOTICE, NY_WEEK_PAST,   NY_WEEK_PICK,
    };

    for (gsize i = 0; i < G_N_ELEMENTS(order); i++) {
        NyWeekKind k = order[i];

        /* Two lines: the calendar's kinds, then the rest. */
        g_string_append(s, "  ");
        if (k == NY_WEEK_PAST) {
            g_string_append(s, "(blank)");
        } else if (k == NY_WEEK_PICK) {
            append_run(s, color, kind_look[k].sgr, '1', w);
            g_string_append_c(s, ' ');
            append_run(s, color, kind_look[k].sgr, '2', w);
        } else {
            append_run(s, color, kind_look[k].sgr, kind_look[k].c, w);
        }
        g_string_append_printf(s, " %s", kind_look[k].words);
        if (i == 4 || i + 1 == G_N_ELEMENTS(order))
            g_string_append_c(s, '\n');
    }
}

static char *
render_text(NyCli *cli, const NyWeek *week, const GArray *picks, const char *no_pick,
            gboolean color)
{
    const NyAvailability *a = &cli->config->availability;
    GString *s = g_string_new(NULL);
    int prev_weekday = 0;

    append_hours(s, a);
    if (week->days->len == 0)
        g_string_append(s, "(no working day in these dates)\n");
    for (guint i = 0; i < week->days->len; i++) {
        const NyWeekDay *d = &g_array_index(week->days, NyWeekDay, i);

        /* A blank line between weeks. */
        if (prev_weekday != 0 && d->weekday <= prev_weekday)
            g_string_append_c(s, '\n');
        prev_weekday = d->weekday;
        append_day(s, a, d, color);
    }
    g_string_append_c(s, '\n');
    append_legend(s, cell_width(a->grid_minutes), color);
    {
        g_autoptr(GDateTime) from = local_time(week->from, cli->zone);
        g_autoptr(GDateTime) last = local_time(week->to - 1, cli->zone);
        g_autofree char *from_text = g_date_time_format(from, "%a %Y-%m-%d");
        g_autofree char *last_text = g_date_time_format(last, "%a %Y-%m-%d");
        g_string_append_printf(s, "  %s to %s, %s, %d minutes a column\n", from_text, last_text,
                               cli->zone_name, a->grid_minutes);
    }
    g_string_append_c(s, '\n');
    for (guint i = 0; i < picks->len; i++) {
        const NyInterval *iv = &g_array_index(picks, NyInterval, i);
        g_autofree char *phrase = ny_cmd_slot_phrase(cli, iv->start, NULL, NULL);
        g_autoptr(GDateTime) b = local_time(iv->start, cli->zone);
        g_autoptr(GDateTime) e = local_time(iv->end, cli->zone);
        g_autofree char *when = g_date_time_format(b, "%a %Y-%m-%d %H:%M");
        g_autofree char *until = g_date_time_format(e, "%H:%M %Z");
        char n = (char)('1' + i);

        append_run(s, color, kind_look[NY_WEEK_PICK].sgr, i < 9 ? n : '*', 1);
        g_string_append_printf(s, "  %s-%s  %s\n", when, until, phrase);
    }
    if (picks->len == 0)
        g_string_append_printf(s, "no slot to offer: %s\n", no_pick);
    return g_string_free(s, FALSE);
}

static void
add_time(JsonBuilder *b, const char *name, NyTime t)
{
    g_autofree char *text = ny_time_format_utc(t);

    json_builder_set_member_name(b, name);
    json_builder_add_string_value(b, text);
}

static char *
render_json(NyCli *cli, const NyWeek *week, const GArray *picks)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    add_time(b, "from", week->from);
    add_time(b, "to", week->to);
    json_builder_set_member_name(b, "tz");
    json_builder_add_string_value(b, cli->zone_name);
    json_builder_set_member_name(b, "grid_minutes");
    json_builder_add_int_value(b, week->grid_minutes);
    json_builder_set_member_name(b, "days");
    json_builder_begin_array(b);
    for (guint i = 0; i < week->days->len; i++) {
        const NyWeekDay *d = &g_array_index(week->days, NyWeekDay, i);
        g_autofree char *date = g_strdup_printf("%04d-%02d-%02d", d->year, d->month, d->day);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "date");
        json_builder_add_string_value(b, date);
        json_builder_set_member_name(b, "cells");
        json_builder_begin_array(b);
        for (guint k = 0; k < d->cells->len; k++) {
            const NyWeekCell *c = &g_array_index(d->cells, NyWeekCell, k);
            json_builder_begin_object(b);
            add_time(b, "start", c->span.start);
            add_time(b, "end", c->span.end);
            json_builder_set_member_name(b, "kind");
            json_builder_add_string_value(b, ny_week_kind_to_string(c->kind));
            if (c->kind == NY_WEEK_PICK) {
                json_builder_set_member_name(b, "slot");
                json_builder_add_int_value(b, c->pick);
            }
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_set_member_name(b, "picks");
    json_builder_begin_array(b);
    for (guint i = 0; i < picks->len; i++) {
        const NyInterval *iv = &g_array_index(picks, NyInterval, i);
        g_autofree char *text = ny_cmd_slot_phrase(cli, iv->start, NULL, NULL);
        json_builder_begin_object(b);
        add_time(b, "start", iv->start);
        add_time(b, "end", iv->end);
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, text);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return ny_cli_json_text(b);
}

/* --color: never, always, or auto (the default): colours when stdout is a
 * terminal, NO_COLOR is unset or empty (https://no-color.org) and TERM is
 * not "dumb". */
static gboolean
want_color(NyCli *cli, const char *when, gboolean *out_color, GError **error)
{
    if (when == NULL || strcmp(when, "auto") == 0) {
        *out_color = cli->stdout_is_tty && cli->color_allowed;
    } else if (strcmp(when, "always") == 0) {
        *out_color = TRUE;
    } else if (strcmp(when, "never") == 0) {
        *out_color = FALSE;
    } else {
        g_autofree char *shown = ny_cli_printable(when);
        ny_cli_usage_error(cli, error, "--color: '%s' is not never, always or auto", shown);
        return FALSE;
    }
    return TRUE;
}

/* The offered slots and booked calls of the pending follow-ups at
 * cli->now, apart: the same times ny_cmd_taken() keeps from a pick. */
static gboolean
offered_and_booked(NyCli *cli, NyStore *store, GArray *offered, GArray *booked, GError **error)
{
    g_autoptr(GPtrArray) list = ny_store_list_followups(store, FALSE, error);

    if (list == NULL)
        return FALSE;
    for (guint i = 0; i < list->len; i++) {
        const NyFollowup *f = g_ptr_array_index(list, i);
        NyFollowupFacts facts;
        NyFollowupStatus status = ny_cmd_followup_status(cli, f);

        ny_replyflow_facts(f, &facts);
        ny_followup_add_taken(&facts, cli->config->availability.offer_days, cli->now,
                              status == NY_FOLLOWUP_STATUS_BOOKED ? booked : offered);
    }
    return TRUE;
}

/* The times held on the holds calendar: the holds this store recorded
 * (doc/calendar-writes.md) and those of any store the cache has, another
 * machine's among them, known by their marks, never by their titles. */
static gboolean
held_times(NyCli *cli, NyStore *store, NyTime from, NyTime to, GArray *held, GError **error)
{
    g_autofree char *cache_path = ny_config_cache_path(cli->db_path);

    if (store != NULL) {
        g_autoptr(GPtrArray) events = ny_store_list_events(store, 0, error);

        if (events == NULL)
            return FALSE;
        for (guint i = 0; i < events->len; i++) {
            const NyStoreEvent *e = g_ptr_array_index(events, i);
            if (e->kind == NY_STORE_EVENT_HOLD)
                ny_intervals_add(held, e->span.start, e->span.end);
        }
    }
    return ny_holds_cached(cli->config, cache_path, from, to, held, error);
}

gboolean
ny_cmd_week(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.summary =
                                         "Show the working days as a grid of busy and open times"};
    g_auto(WeekOptions) opts = {0};
    const GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_STRING, &opts.from,
         "The first day (a date or ISO 8601; default: today)", "DATE"},
        {"weeks", 0, 0, G_OPTION_ARG_INT, &opts.weeks,
         "How many weeks (1-52; default: the horizon_days)", "N"},
        {"color", 0, 0, G_OPTION_ARG_STRING, &opts.color,
         "Colours: never, always or auto (a terminal without NO_COLOR)", "WHEN"},
        G_OPTION_ENTRY_NULL,
    };
    const NyAvailability *a;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) busy_pick = ny_intervals_new();
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autoptr(GArray) offered = ny_intervals_new();
    g_autoptr(GArray) booked = ny_intervals_new();
    g_autoptr(GArray) held = ny_intervals_new();
    g_autoptr(GArray) picks = NULL;
    g_autoptr(GError) pick_error = NULL;
    g_autoptr(NyWeek) week = NULL;
    g_autofree char *out = NULL;
    NyWeekTimes times = {0};
    NyTime first;
    NyTime grid_from, grid_to, pick_from, pick_to, buffer;
    int n_days;
    gboolean color = FALSE;

    opts.weeks = G_MININT; /* unset: no value a user can type */
    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    a = &cli->config->availability;
    if (opts.weeks != G_MININT && (opts.weeks < 1 || opts.weeks > MAX_WEEKS)) {
        ny_cli_usage_error(cli, error, "--weeks: %d is not between 1 and %d", opts.weeks,
                           MAX_WEEKS);
        return FALSE;
    }
    if (!want_color(cli, opts.color, &color, error))
        return FALSE;
    first = cli->now;
    if (opts.from != NULL && !ny_time_parse(opts.from, cli->zone, &first, error)) {
        g_prefix_error(error, "--from: ");
        return FALSE;
    }
    n_days = opts.weeks != G_MININT ? opts.weeks * 7 : MIN(a->horizon_days, NY_WEEK_MAX_DAYS);

    /* The pick sees the busy time of its own window, so it is the pick
     * `slots` makes. When the grid's days meet that window, one lookup
     * covers both (one sync of the calendars); dates far from now get
     * their own lookup, so the pick never reads a window years wide. */
    buffer = (NyTime)a->buffer_minutes * 60;
    grid_from = ny_time_local_midnight(first, cli->zone, 0) - buffer;
    grid_to = ny_time_local_midnight(first, cli->zone, n_days) + buffer;
    ny_cmd_busy_window(cli, &pick_from, &pick_to);
    if (grid_from < pick_to && pick_from < grid_to) {
        if (!ny_cmd_busy_lookup(cli, MIN(grid_from, pick_from), MAX(grid_to, pick_to), &busy,
                                error))
            return FALSE;
        g_array_append_vals(busy_pick, busy->data, busy->len);
        ny_intervals_normalize(busy_pick, pick_from, pick_to);
    } else {
        g_clear_pointer(&busy_pick, g_array_unref);
        if (!ny_cmd_busy_lookup(cli, grid_from, grid_to, &busy, error) ||
            !ny_cmd_busy_lookup(cli, pick_from, pick_to, &busy_pick, error))
            return FALSE;
    }

    if (!ny_cmd_store_if_exists(cli, &store, error))
        return FALSE;
    if (store != NULL && (!ny_cmd_taken(cli, store, 0, taken, error) ||
                          !offered_and_booked(cli, store, offered, booked, error)))
        return FALSE;
    if (!held_times(cli, store, grid_from, grid_to, held, error))
        return FALSE;
    if (!ny_slots_pick(a, cli->zone, cli->now, busy_pick, taken, &picks, &pick_error)) {
        /* No open slot is part of the picture, not a failure of it. */
        if (!g_error_matches(pick_error, NY_SLOTS_ERROR, NY_SLOTS_ERROR_NO_SLOT)) {
            g_propagate_error(error, g_steal_pointer(&pick_error));
            return FALSE;
        }
        picks = ny_intervals_new();
    }

    times.busy = busy;
    times.held = held;
    times.offered = offered;
    times.booked = booked;
    times.picks = picks;
    week = ny_week_build(a, cli->zone, cli->now, first, n_days, &times, error);
    if (week == NULL)
        return FALSE;

    if (cli->json)
        out = render_json(cli, week, picks);
    else
        out = render_text(cli, week, picks, pick_error != NULL ? pick_error->message : "", color);
    return ny_cli_print(out, error);
}
