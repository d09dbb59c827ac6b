/* cmd-freebusy.c: `notyet freebusy`, the merged busy periods of every busy
 * source in a window (doc/notyet.1 and doc/busy-rules.md). */
#include <json-glib/json-glib.h>

#include "cli.h"
#include "cmd-common.h"

typedef struct {
    char *from;
    char *to;
} FreebusyOptions;

static void
freebusy_options_clear(FreebusyOptions *o)
{
    g_clear_pointer(&o->from, g_free);
    g_clear_pointer(&o->to, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(FreebusyOptions, freebusy_options_clear)

static char *
render_json(NyTime from, NyTime to, const char *zone_name, const GArray *busy)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autofree char *from_text = ny_time_format_utc(from);
    g_autofree char *to_text = ny_time_format_utc(to);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "from");
    json_builder_add_string_value(b, from_text);
    json_builder_set_member_name(b, "to");
    json_builder_add_string_value(b, to_text);
    json_builder_set_member_name(b, "tz");
    json_builder_add_string_value(b, zone_name);
    json_builder_set_member_name(b, "busy");
    json_builder_begin_array(b);
    for (guint i = 0; i < busy->len; i++)
        ny_cli_json_add_interval(b, &g_array_index(busy, NyInterval, i));
    json_builder_end_array(b);
    json_builder_end_object(b);

    return ny_cli_json_text(b);
}

static GDateTime *
local_time(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);

    return g_date_time_to_timezone(utc, zone);
}

/* "Wed 2026-12-02 14:00 - 15:00 EST", with the end's date when the period
 * ends on another day, and the start's zone when the offset changes. */
static char *
render_text(const GArray *busy, GTimeZone *zone)
{
    GString *s = g_string_new(NULL);

    if (busy->len == 0)
        g_string_append(s, "(no busy periods)\n");
    for (guint i = 0; i < busy->len; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        g_autoptr(GDateTime) a = local_time(iv->start, zone);
        g_autoptr(GDateTime) b = local_time(iv->end, zone);
        /* Across a DST change the start gets its own zone name, so that
         * "01:30 EDT - 01:30 EST" does not read as zero minutes. */
        gboolean same_offset = g_date_time_get_utc_offset(a) == g_date_time_get_utc_offset(b);
        g_autofree char *start =
            g_date_time_format(a, same_offset ? "%a %Y-%m-%d %H:%M" : "%a %Y-%m-%d %H:%M %Z");
        g_autofree char *end = NULL;

        if (g_date_time_get_year(a) == g_date_time_get_year(b) &&
            g_date_time_get_day_of_year(a) == g_date_time_get_day_of_year(b))
            end = g_date_time_format(b, "%H:%M %Z");
        else
            end = g_date_time_format(b, "%a %Y-%m-%d %H:%M %Z");
        g_string_append_printf(s, "%s - %s\n", start, end);
    }
    return g_string_free(s, FALSE);
}

gboolean
ny_cmd_freebusy(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.summary =
                                         "Show the merged busy periods of your busy sources"};
    g_auto(FreebusyOptions) opts = {0};
    const GOptionEntry entries[] = {
        {"from", 0, 0, G_OPTION_ARG_STRING, &opts.from,
         "Start of the window (ISO 8601 or a date; default: now)", "T"},
        {"to", 0, 0, G_OPTION_ARG_STRING, &opts.to,
         "End of the window, exclusive (default: now + horizon_days)", "T"},
        G_OPTION_ENTRY_NULL,
    };
    NyTime from, to;
    g_autoptr(GArray) busy = NULL;
    g_autofree char *out = NULL;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    from = cli->now;
    if (opts.from != NULL && !ny_time_parse(opts.from, cli->zone, &from, error)) {
        g_prefix_error(error, "--from: ");
        return FALSE;
    }
    to = from + (NyTime)cli->config->availability.horizon_days * 86400;
    if (opts.to == NULL && opts.from == NULL)
        to = cli->now + (NyTime)cli->config->availability.horizon_days * 86400;
    if (opts.to != NULL && !ny_time_parse(opts.to, cli->zone, &to, error)) {
        g_prefix_error(error, "--to: ");
        return FALSE;
    }
    if (to <= from) {
        ny_cli_usage_error(cli, error, "--from must be before --to");
        return FALSE;
    }

    if (!ny_cmd_busy_lookup(cli, from, to, &busy, error))
        return FALSE;

    if (cli->json)
        out = render_json(from, to, cli->zone_name, busy);
    else
        out = render_text(busy, cli->zone);
    return ny_cli_print(out, error);
}
