/* cli.c: global options, resolution of the clock, zone and configuration. */
#include "cli.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(ny_cli_error, ny_cli_error)

static gboolean
count_verbose(const char *option_name, const char *value, gpointer data, GError **error)
{
    NyCli *cli = data;

    (void)option_name;
    (void)value;
    (void)error;
    cli->verbose++;
    return TRUE;
}

static GOptionGroup *
global_group_new(NyCli *cli)
{
    /* GOptionEntry keeps a callback in a gpointer; ISO C has no cast between
     * function and object pointers, a union says the same without one. */
    union {
        GOptionArgFunc func;
        gpointer data;
    } verbose_cb = {.func = count_verbose};
    const GOptionEntry entries[] = {
        {"config", 0, 0, G_OPTION_ARG_FILENAME, &cli->config_path,
         "Read the configuration from FILE", "FILE"},
        {"db", 0, 0, G_OPTION_ARG_FILENAME, &cli->db_path, "Use FILE as the follow-up store",
         "FILE"},
        {"now", 0, 0, G_OPTION_ARG_STRING, &cli->now_text,
         "Pretend the time is T (ISO 8601, for reproducible output)", "T"},
        {"tz", 0, 0, G_OPTION_ARG_STRING, &cli->tz_name, "Use ZONE as your time zone", "ZONE"},
        {"ics", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &cli->ics,
         "Use this busy source instead of the configured calendars (repeatable)", "FILE|URL"},
        {"offline", 0, 0, G_OPTION_ARG_NONE, &cli->offline,
         "Answer from the local cache, without network", NULL},
        {"format", 0, 0, G_OPTION_ARG_STRING, &cli->format, "Output format: text or json",
         "FORMAT"},
        {"verbose", 'v', G_OPTION_FLAG_NO_ARG, G_OPTION_ARG_CALLBACK, verbose_cb.data,
         "Say more (repeatable)", NULL},
        {"quiet", 'q', 0, G_OPTION_ARG_NONE, &cli->quiet, "Print no warnings", NULL},
        {"help", 'h', 0, G_OPTION_ARG_NONE, &cli->help, "Show this help", NULL},
        G_OPTION_ENTRY_NULL,
    };
    GOptionGroup *group =
        g_option_group_new("global", "Global options:", "Show the global options", cli, NULL);

    g_option_group_add_entries(group, entries);
    return group;
}

void
ny_cli_usage_error(NyCli *cli, GError **error, const char *format, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_USAGE, "%s; see 'notyet %s --help'", msg,
                cli->command ? cli->command : "");
}

static gboolean
resolve(NyCli *cli, GError **error)
{
    g_autofree char *config_path = NULL;
    gboolean must_exist;

    if (cli->format == NULL || strcmp(cli->format, "text") == 0) {
        cli->json = FALSE;
    } else if (strcmp(cli->format, "json") == 0) {
        cli->json = TRUE;
    } else {
        ny_cli_usage_error(cli, error, "unknown format '%s' (text or json)", cli->format);
        return FALSE;
    }

    /* The configuration: --config, else $NOTYET_CONFIG, else the XDG path.
     * Only the XDG default may be missing. */
    must_exist = cli->config_path != NULL || ny_config_path_from_environment();
    config_path = cli->config_path ? g_strdup(cli->config_path) : ny_config_default_path();
    if (cli->no_config)
        cli->config = ny_config_new_default();
    else
        cli->config = ny_config_load(config_path, must_exist, error);
    if (cli->config == NULL)
        return FALSE;
    for (guint i = 0; i < cli->config->warnings->len; i++)
        ny_cli_warn(cli, "%s", (const char *)g_ptr_array_index(cli->config->warnings, i));

    if (cli->tz_name != NULL) {
        cli->zone = ny_config_zone_new(cli->tz_name, error);
        if (cli->zone == NULL) {
            g_prefix_error(error, "--tz: ");
            return FALSE;
        }
        cli->zone_name = g_strdup(cli->tz_name);
    } else if (cli->config->timezone != NULL) {
        /* Validated and read by the configuration loader. */
        cli->zone = cli->config->zone != NULL ? g_time_zone_ref(cli->config->zone)
                                              : ny_zone_new(cli->config->timezone, error);
        if (cli->zone == NULL)
            return FALSE;
        cli->zone_name = g_strdup(cli->config->timezone);
    } else {
        cli->zone = g_time_zone_new_local();
        cli->zone_name = g_strdup(g_time_zone_get_identifier(cli->zone));
    }

    if (cli->now_text != NULL) {
        if (!ny_time_parse(cli->now_text, cli->zone, &cli->now, error)) {
            g_prefix_error(error, "--now: ");
            return FALSE;
        }
    } else {
        cli->now = cli->clock_now;
    }
    return TRUE;
}

char *
ny_cli_option_name(const char *arg)
{
    if (arg[0] == '-' && arg[1] == '-')
        return g_strndup(arg, strcspn(arg, "="));
    if (arg[0] == '-' && arg[1] != '\0')
        return g_strndup(arg, 2);
    return g_strdup(arg);
}

/* Control characters (Cc: C0, DEL, C1) and the Unicode line and paragraph
 * separators: what would break a line or reach the terminal as a command. */
static gboolean
is_unsafe(gunichar c)
{
    GUnicodeType type = g_unichar_type(c);

    return type == G_UNICODE_CONTROL || type == G_UNICODE_LINE_SEPARATOR ||
           type == G_UNICODE_PARAGRAPH_SEPARATOR;
}

char *
ny_cli_printable(const char *text)
{
    gsize len = strlen(text);
    GString *out = g_string_sized_new(len);
    const char *p = text;
    const char *end = text + len;

    while (p < end) {
        gunichar c = g_utf8_get_char_validated(p, end - p);
        if (c == (gunichar)-1 || c == (gunichar)-2) {
            g_string_append_c(out, '?'); /* not UTF-8: byte by byte */
            p++;
            continue;
        }
        if (is_unsafe(c))
            g_string_append_c(out, '?');
        else
            g_string_append_len(out, p, g_utf8_next_char(p) - p);
        p = g_utf8_next_char(p);
    }
    return g_string_free(out, FALSE);
}

gboolean
ny_cli_is_one_line(const char *text)
{
    if (!g_utf8_validate(text, -1, NULL))
        return FALSE;
    for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
        if (is_unsafe(g_utf8_get_char(p)))
            return FALSE;
    }
    return TRUE;
}

gboolean
ny_cli_check_name(NyCli *cli, const char *name, GError **error)
{
    if (*name == '\0') {
        ny_cli_usage_error(cli, error, "the NAME is empty");
        return FALSE;
    }
    if (!ny_cli_is_one_line(name)) {
        ny_cli_usage_error(cli, error,
                           "the NAME must be one line of UTF-8 text without control characters");
        return FALSE;
    }
    return TRUE;
}

static GOptionContext *
context_new(NyCli *cli, const char *params, const char *summary, const GOptionEntry *entries)
{
    g_autofree char *param_string =
        g_strdup_printf("%s%s%s", cli->command, params ? " " : "", params ? params : "");
    GOptionContext *context = g_option_context_new(param_string);

    g_option_context_set_help_enabled(context, FALSE);
    g_option_context_set_summary(context, summary);
    if (entries != NULL) {
        /* A named group, not the main one: GLib titles the main group
         * "Application Options:", which reads oddly for a subcommand. */
        GOptionGroup *own = g_option_group_new(
            cli->command, "Options:", "Show the options of the command", NULL, NULL);
        g_option_group_add_entries(own, entries);
        g_option_context_add_group(context, own);
    }
    g_option_context_add_group(context, global_group_new(cli));
    return context;
}

static gboolean
ignore_value(const char *option_name, const char *value, gpointer data, GError **error)
{
    (void)option_name;
    (void)value;
    (void)data;
    (void)error;
    return TRUE;
}

/* The first argument of @argv that is an option GOption does not know, as
 * ny_cli_option_name() shows it, or NULL. GOption's own message echoes the
 * argument whole, value and all (--password=SECRET). Found by a second
 * parse that leaves unknown options in place, with every option turned
 * into a callback that keeps nothing, so the real options stay untouched. */
static char *
unknown_option(NyCli *cli, const char *params, const GOptionEntry *entries, int argc, char **argv)
{
    union {
        GOptionArgFunc func;
        gpointer data;
    } ignore = {.func = ignore_value};
    NyCli scratch = {.command = cli->command};
    g_autoptr(GArray) own = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    g_autoptr(GOptionContext) context = NULL;
    g_auto(GStrv) args = g_new0(char *, (gsize)argc + 1);
    char *name = NULL;
    gboolean ok;

    for (const GOptionEntry *e = entries; e != NULL && e->long_name != NULL; e++) {
        GOptionEntry copy = *e;
        gboolean no_arg = e->arg == G_OPTION_ARG_NONE ||
                          (e->arg == G_OPTION_ARG_CALLBACK && (e->flags & G_OPTION_FLAG_NO_ARG));

        copy.arg = G_OPTION_ARG_CALLBACK;
        copy.arg_data = ignore.data;
        copy.flags = (e->flags & (G_OPTION_FLAG_HIDDEN | G_OPTION_FLAG_OPTIONAL_ARG)) |
                     (no_arg ? G_OPTION_FLAG_NO_ARG : G_OPTION_FLAG_FILENAME);
        g_array_append_val(own, copy);
    }
    context = context_new(&scratch, params, NULL, (const GOptionEntry *)own->data);
    g_option_context_set_ignore_unknown_options(context, TRUE);
    for (int i = 0; i < argc; i++)
        args[i] = g_strdup(argv[i]);
    ok = g_option_context_parse_strv(context, &args, NULL);
    for (gsize i = 1; ok && name == NULL && args[i] != NULL; i++) {
        if (args[i][0] == '-' && args[i][1] != '\0')
            name = ny_cli_option_name(args[i]);
    }
    ny_cli_clear(&scratch);
    return name;
}

gboolean
ny_cli_parse(NyCli *cli, const char *params, const char *summary, const GOptionEntry *entries,
             int *argc, char ***argv, GError **error)
{
    g_autoptr(GOptionContext) context = context_new(cli, params, summary, entries);
    g_autoptr(GError) local_error = NULL;

    if (!g_option_context_parse(context, argc, argv, &local_error)) {
        if (g_error_matches(local_error, G_OPTION_ERROR, G_OPTION_ERROR_UNKNOWN_OPTION)) {
            g_autofree char *name = unknown_option(cli, params, entries, *argc, *argv);
            if (name != NULL)
                ny_cli_usage_error(cli, error, "unknown option '%s'", name);
            else
                ny_cli_usage_error(cli, error, "unknown option");
            return FALSE;
        }
        ny_cli_usage_error(cli, error, "%s", local_error->message);
        return FALSE;
    }
    if (cli->help) {
        g_autofree char *help = g_option_context_get_help(context, FALSE, NULL);
        return ny_cli_print(help, error);
    }
    return resolve(cli, error);
}

NyStore *
ny_cli_open_store(NyCli *cli, GError **error)
{
    g_autofree char *path = ny_config_store_path(cli->db_path);

    return ny_store_open(path, error);
}

/* "notyet: " @prefix and the message, made printable, on stderr. */
static void G_GNUC_PRINTF(2, 0) print_line(const char *prefix, const char *format, va_list ap)
{
    g_autofree char *msg = g_strdup_vprintf(format, ap);
    g_autofree char *line = ny_cli_printable(msg);

    fprintf(stderr, "notyet: %s%s\n", prefix, line);
}

void
ny_cli_warn(NyCli *cli, const char *format, ...)
{
    va_list ap;

    if (cli->quiet)
        return;
    va_start(ap, format);
    print_line("warning: ", format, ap);
    va_end(ap);
}

void
ny_cli_info(NyCli *cli, int level, const char *format, ...)
{
    va_list ap;

    if (cli->verbose < level)
        return;
    va_start(ap, format);
    print_line("", format, ap);
    va_end(ap);
}

gboolean
ny_cli_print(const char *text, GError **error)
{
    if (fputs(text, stdout) == EOF || fflush(stdout) != 0) {
        int saved = errno;
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED, "cannot write the output: %s",
                    g_strerror(saved));
        return FALSE;
    }
    return TRUE;
}

char *
ny_cli_json_text(JsonBuilder *b)
{
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = json_builder_get_root(b);
    GString *s = g_string_new(NULL);

    json_generator_set_root(gen, root);
    json_generator_set_pretty(gen, TRUE);
    json_generator_set_indent(gen, 2);
    json_generator_to_gstring(gen, s);
    g_string_append_c(s, '\n');
    return g_string_free(s, FALSE);
}

void
ny_cli_json_add_interval(JsonBuilder *b, const NyInterval *iv)
{
    g_autofree char *start = ny_time_format_utc(iv->start);
    g_autofree char *end = ny_time_format_utc(iv->end);

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "start");
    json_builder_add_string_value(b, start);
    json_builder_set_member_name(b, "end");
    json_builder_add_string_value(b, end);
    json_builder_end_object(b);
}

gboolean
ny_cli_their_day(NyCli *cli, const char *their_tz, const char *their_hours,
                 NyAvailability *out_availability, GTimeZone **out_zone, GError **error)
{
    NyAvailability a = cli->config->availability;
    g_autoptr(GTimeZone) zone = NULL;

    if (their_hours != NULL && their_tz == NULL) {
        ny_cli_usage_error(cli, error, "--their-hours needs --their-tz ZONE");
        return FALSE;
    }
    if (their_tz != NULL) {
        g_autoptr(GError) local = NULL;

        zone = ny_config_zone_new(their_tz, &local);
        if (zone == NULL) {
            ny_cli_usage_error(cli, error, "--their-tz: %s", local->message);
            return FALSE;
        }
    }
    if (their_hours != NULL &&
        !ny_config_parse_hours(their_hours, &a.their_start_minute, &a.their_end_minute)) {
        ny_cli_usage_error(cli, error,
                           "--their-hours: '%s' is not a range of hours such as 09:00-17:00",
                           their_hours);
        return FALSE;
    }
    if (zone != NULL && a.slot_minutes > a.their_end_minute - a.their_start_minute) {
        ny_cli_usage_error(cli, error,
                           "a %d-minute slot does not fit in their hours %02d:%02d-%02d:%02d",
                           a.slot_minutes, a.their_start_minute / 60, a.their_start_minute % 60,
                           a.their_end_minute / 60, a.their_end_minute % 60);
        return FALSE;
    }
    a.their_zone = zone;
    *out_availability = a;
    *out_zone = g_steal_pointer(&zone);
    return TRUE;
}

void
ny_cli_json_add_answers(JsonBuilder *b, const NyAnswer answers[NY_QUESTION_COUNT])
{
    json_builder_begin_object(b);
    for (int q = 0; q < NY_QUESTION_COUNT; q++) {
        json_builder_set_member_name(b, ny_question_name((NyQuestion)q));
        if (answers[q] == NY_ANSWER_UNSET)
            json_builder_add_null_value(b);
        else
            json_builder_add_boolean_value(b, answers[q] == NY_ANSWER_YES);
    }
    json_builder_end_object(b);
}

void
ny_cli_clear(NyCli *cli)
{
    g_clear_pointer(&cli->config_path, g_free);
    g_clear_pointer(&cli->db_path, g_free);
    g_clear_pointer(&cli->now_text, g_free);
    g_clear_pointer(&cli->tz_name, g_free);
    g_clear_pointer(&cli->ics, g_strfreev);
    g_clear_pointer(&cli->format, g_free);
    g_clear_pointer(&cli->config, ny_config_free);
    g_clear_pointer(&cli->zone, g_time_zone_unref);
    g_clear_pointer(&cli->zone_name, g_free);
}
