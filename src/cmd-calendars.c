/* cmd-calendars.c: `notyet calendars`, every configured calendar and the
 * calendars found on its server, which are used, and how fresh the cache is
 * (doc/notyet.1 and doc/sync-and-cache.md). */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "cmd-common.h"
#include "notyet/busy.h"
#include "notyet/caldav.h"

/* One output row. */
typedef struct {
    const char *source;
    const char *type;
    char *name;
    char *href;
    gboolean used;
    gint64 events;    /* -1: not known */
    NyTime last_sync; /* 0: never, or not cached */
} Row;

static void
row_clear(gpointer data)
{
    Row *r = data;

    g_free(r->name);
    g_free(r->href);
}

static void
count_object(const char *href, const char *ics, gsize len, gpointer data)
{
    NyTime start;
    NyTime end;

    (void)href;
    /* The one scanner says whether the object holds an event at all. */
    ny_busy_span(ics, len, &start, &end);
    if (start != 0 || end != 0)
        (*(gint64 *)data)++;
}

/* The events of a cached calendar, not its objects: an object without a
 * VEVENT (a VTODO, a VJOURNAL) has the empty span at 0 (ny_busy_span() in
 * the core); nothing is parsed here. */
static gboolean
count_events(NyCache *cache, const NyCacheCalendar *k, gint64 *out_events, GError **error)
{
    gint64 events = 0;

    if (k->n_objects > 0 &&
        !ny_cache_foreach_object(cache, k->id, 0, G_MAXINT64, count_object, &events, error))
        return FALSE;
    *out_events = events;
    return TRUE;
}

static char *
age_text(gint64 seconds)
{
    if (seconds < 0)
        seconds = 0;
    if (seconds < 120)
        return g_strdup_printf("%" G_GINT64_FORMAT " seconds", seconds);
    if (seconds < 2 * 3600)
        return g_strdup_printf("%" G_GINT64_FORMAT " minutes", seconds / 60);
    if (seconds < 2 * 86400)
        return g_strdup_printf("%" G_GINT64_FORMAT " hours", seconds / 3600);
    return g_strdup_printf("%" G_GINT64_FORMAT " days", seconds / 86400);
}

static char *
render_json(GArray *rows, gboolean offline, gint64 age)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "offline");
    json_builder_add_boolean_value(b, offline);
    if (offline) {
        json_builder_set_member_name(b, "cache_age_seconds");
        if (age >= 0)
            json_builder_add_int_value(b, age);
        else
            json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "calendars");
    json_builder_begin_array(b);
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = &g_array_index(rows, Row, i);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "source");
        json_builder_add_string_value(b, r->source);
        json_builder_set_member_name(b, "type");
        json_builder_add_string_value(b, r->type);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, r->name);
        json_builder_set_member_name(b, "href");
        json_builder_add_string_value(b, r->href);
        json_builder_set_member_name(b, "used");
        json_builder_add_boolean_value(b, r->used);
        json_builder_set_member_name(b, "events");
        if (r->events >= 0)
            json_builder_add_int_value(b, r->events);
        else
            json_builder_add_null_value(b);
        json_builder_set_member_name(b, "last_sync");
        if (r->last_sync > 0) {
            g_autofree char *t = ny_time_format_utc(r->last_sync);
            json_builder_add_string_value(b, t);
        } else {
            json_builder_add_null_value(b);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);

    return ny_cli_json_text(b);
}

static char *
render_text(GArray *rows, gboolean offline, gint64 age, const char *config_path)
{
    GString *s = g_string_new(NULL);
    int w_source = 6;
    int w_name = 8;

    if (rows->len == 0) {
        g_string_append_printf(s,
                               "(no calendars configured: add a [calendar NAME] group to '%s', "
                               "or run 'notyet init')\n",
                               config_path);
        return g_string_free(s, FALSE);
    }
    /* Names and hrefs come from the server: control characters (a terminal
     * escape in a display name) are shown as '?'. */
    for (guint i = 0; i < rows->len; i++) {
        Row *r = &g_array_index(rows, Row, i);
        char *shown;

        shown = ny_cli_printable(r->name);
        g_free(r->name);
        r->name = shown;
        shown = ny_cli_printable(r->href);
        g_free(r->href);
        r->href = shown;
        w_source = MAX(w_source, (int)g_utf8_strlen(r->source, -1));
        w_name = MAX(w_name, (int)g_utf8_strlen(r->name, -1));
    }
    g_string_append_printf(s, "%-*s  %-*s  %-6s  %-6s  %-20s  %s\n", w_source, "SOURCE", w_name,
                           "CALENDAR", "USED", "EVENTS", "LAST SYNC", "HREF");
    for (guint i = 0; i < rows->len; i++) {
        const Row *r = &g_array_index(rows, Row, i);
        g_autofree char *events =
            r->events >= 0 ? g_strdup_printf("%" G_GINT64_FORMAT, r->events) : g_strdup("-");
        g_autofree char *synced = r->last_sync > 0 ? ny_time_format_utc(r->last_sync)
                                                   : g_strdup(r->events >= 0 ? "never" : "-");
        /* printf pads by bytes: pad UTF-8 names by characters. */
        int pad_source = w_source - (int)g_utf8_strlen(r->source, -1);
        int pad_name = w_name - (int)g_utf8_strlen(r->name, -1);

        g_string_append_printf(s, "%s%*s  %s%*s  %-6s  %-6s  %-20s  %s\n", r->source, pad_source,
                               "", r->name, pad_name, "", r->used ? "yes" : "no", events, synced,
                               r->href);
    }
    if (offline) {
        if (age >= 0) {
            g_autofree char *a = age_text(age);
            g_string_append_printf(s, "(offline: from the cache, last synced %s ago)\n", a);
        } else {
            g_string_append(s, "(offline: nothing cached yet)\n");
        }
    }
    return g_string_free(s, FALSE);
}

gboolean
ny_cmd_calendars(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {
        .summary = "List every configured calendar, the calendars found on each CalDAV "
                   "server, which are used as busy sources, and when they were last "
                   "synced. Syncs first unless --offline."};
    g_autofree char *path = NULL;
    g_autoptr(NyCache) cache = NULL;
    g_autoptr(GArray) rows = g_array_new(FALSE, TRUE, sizeof(Row));
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *text = NULL;
    NyTime oldest = 0;
    gboolean any_caldav = FALSE;
    GPtrArray *configured;

    if (!ny_cmd_parse(cli, &usage, NULL, &argc, &argv, error))
        return cli->help;
    g_array_set_clear_func(rows, row_clear);
    configured = cli->config->calendars;

    for (guint i = 0; configured != NULL && i < configured->len; i++) {
        const NyCalendarConfig *c = g_ptr_array_index(configured, i);
        if (c->type == NY_SOURCE_CALDAV)
            any_caldav = TRUE;
    }
    if (any_caldav) {
        path = ny_config_cache_path(cli->db_path);
        cache = ny_cache_open(path, error);
        if (cache == NULL)
            return FALSE;
    }

    for (guint i = 0; configured != NULL && i < configured->len; i++) {
        const NyCalendarConfig *c = g_ptr_array_index(configured, i);
        g_autoptr(GPtrArray) cals = NULL;

        if (c->type != NY_SOURCE_CALDAV) {
            Row r = {.source = c->name,
                     .type = ny_source_type_to_string(c->type),
                     .name = g_strdup(c->name),
                     .href = g_strdup(c->url ? c->url : ""),
                     .used = TRUE,
                     .events = -1};
            g_array_append_val(rows, r);
            continue;
        }
        if (!cli->offline) {
            NyCaldavOptions options = {
                .clock = cli->clock_now,
                .max_response = ny_config_limits_max_response(&cli->config->limits),
                .http_timeout = (guint)cli->config->limits.http_timeout_seconds};
            NyCaldavStats stats = {0};

            gboolean ok;

            if (cli->verbose >= 2)
                options.trace = ny_cmd_trace_line;
            else if (!cli->quiet && isatty(STDERR_FILENO))
                options.progress = ny_cmd_progress_line;
            ok = ny_caldav_sync(c, cache, &options, &stats, warnings, error);
            if (options.progress != NULL)
                fputs("\r\033[K", stderr);
            if (!ok)
                return FALSE;
            ny_cli_info(cli, 1,
                        "calendar '%s': %u requests, %u calendars synced (%u unchanged), "
                        "%u fetched, %u deleted%s",
                        c->name, stats.requests, stats.calendars, stats.unchanged, stats.fetched,
                        stats.deleted,
                        stats.full_resync ? ", full resync (sync token refused)" : "");
        }
        cals = ny_cache_list_calendars(cache, c->name, error);
        if (cals == NULL)
            return FALSE;
        if (cals->len == 0) {
            Row r = {.source = c->name,
                     .type = "caldav",
                     .name = g_strdup("-"),
                     .href = g_strdup(c->url ? c->url : ""),
                     .used = FALSE,
                     .events = -1};
            g_array_append_val(rows, r);
        }
        for (guint j = 0; j < cals->len; j++) {
            const NyCacheCalendar *k = g_ptr_array_index(cals, j);
            Row r = {
                .source = c->name, .type = "caldav", .used = k->used, .last_sync = k->last_sync};

            if (!count_events(cache, k, &r.events, error))
                return FALSE;
            r.name = g_strdup(k->displayname ? k->displayname : k->href);
            r.href = g_strdup(k->href);
            if (k->used && k->last_sync > 0 && (oldest == 0 || k->last_sync < oldest))
                oldest = k->last_sync;
            g_array_append_val(rows, r);
        }
    }

    for (guint i = 0; i < warnings->len; i++)
        ny_cli_warn(cli, "%s", (const char *)g_ptr_array_index(warnings, i));
    {
        gint64 age = cli->offline && oldest > 0 ? cli->clock_now - oldest : -1;
        g_autofree char *config_path =
            cli->config->path != NULL ? g_strdup(cli->config->path) : ny_config_default_path();

        text = cli->json ? render_json(rows, cli->offline, age)
                         : render_text(rows, cli->offline, age, config_path);
    }
    return ny_cli_print(text, error);
}
