/* main.c: the command table, the clock, dispatch and error printing.
 *
 * Global options may stand before or after the command name: main finds the
 * command, takes it out of argv and hands the rest to the command, which
 * parses its own options together with the global ones (cli.c).
 */
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "ny-version.h"
#include "notyet/config.h"
#include "notyet/followup.h"
#include "notyet/replyflow.h"
#include "notyet/store.h"
#include "notyet/slots.h"
#include "notyet/sources.h"
#include "notyet/template.h"

typedef struct {
    const char *name;
    NyCmdFunc func;
    const char *summary;
} NyCommand;

static const NyCommand commands[] = {
    {"decide", ny_cmd_decide, "Walk the three questions for a connection invite"},
    {"freebusy", ny_cmd_freebusy, "Show the merged busy periods of your calendars"},
    {"slots", ny_cmd_slots, "Show the open slots a reply would offer now"},
    {"reply", ny_cmd_reply, "Write the reply letter with two open slots"},
    {"followups", ny_cmd_followups, "List pending follow-up calls"},
    {"book", ny_cmd_book, "Book the call at the time they picked"},
    {"export", ny_cmd_export, "Write the .ics invite for a booked call"},
    {"done", ny_cmd_done, "Mark a follow-up call as done"},
    {"cancel", ny_cmd_cancel, "Cancel a follow-up"},
    {"nudge", ny_cmd_nudge, "Send new times for an offer that got no answer"},
    {"calendars", ny_cmd_calendars, "List the configured calendars"},
    {"decisions", ny_cmd_decisions, "List the recorded decisions, newest first"},
    {"init", ny_cmd_init, "Set up: ask, find the calendars, write the configuration"},
    {"week", ny_cmd_week, "Show the working days as a grid of busy and open times"},
};

/* Global options that take a value as the next argument. */
static gboolean
takes_value(const char *arg)
{
    static const char *const with_value[] = {"--config", "--db",  "--now",
                                             "--tz",     "--ics", "--format"};

    for (gsize i = 0; i < G_N_ELEMENTS(with_value); i++) {
        if (strcmp(arg, with_value[i]) == 0)
            return TRUE;
    }
    return FALSE;
}

/* A global option that takes no value, or one with its value after '='
 * ("-vq" too): so that a word after an option main does not know is never
 * taken for the command and echoed (it may be that option's value). */
static gboolean
is_global_option(const char *arg)
{
    static const char *const flags[] = {"--offline", "--verbose", "--quiet", "--help", "--version"};
    g_autofree char *name = NULL;

    if (arg[0] == '-' && arg[1] != '-' && arg[1] != '\0')
        return arg[strspn(arg + 1, "vqh") + 1] == '\0';
    for (gsize i = 0; i < G_N_ELEMENTS(flags); i++) {
        if (strcmp(arg, flags[i]) == 0)
            return TRUE;
    }
    name = ny_cli_option_name(arg);
    return strchr(arg, '=') != NULL && takes_value(name);
}

static const NyCommand *
find_command(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static char *
general_help(void)
{
    GString *s = g_string_new("Usage:\n  notyet [OPTION...] COMMAND [ARGS...]\n\n"
                              "A scheduling assistant for people who keep a small network of "
                              "real professional relationships.\n\nCommands:\n");

    for (gsize i = 0; i < G_N_ELEMENTS(commands); i++)
        g_string_append_printf(s, "  %-10s %s\n", commands[i].name, commands[i].summary);
    g_string_append(s, "  help       Show the help of a command\n\n"
                       "Global options: --config FILE, --db FILE, --now T, --tz ZONE, "
                       "--ics FILE|URL, --offline,\n  --format text|json, -v, -q, --help, "
                       "--version\n\n"
                       "See 'notyet help COMMAND' for the options of a command.\n");
    return g_string_free(s, FALSE);
}

/* doc/notyet.1, EXIT STATUS: 0 success, 1 runtime failure, 2 usage or
 * configuration, 3 no open slot. Foreign codes were translated by their
 * modules; this maps the module domains once. */
static int
exit_status_for(const GError *error)
{
    if (error->domain == NY_CLI_ERROR) {
        switch ((NyCliError)error->code) {
        case NY_CLI_ERROR_USAGE:
            return 2;
        case NY_CLI_ERROR_NO_SLOT:
            return 3;
        case NY_CLI_ERROR_FAILED:
            return 1;
        }
        return 1;
    }
    if (error->domain == G_OPTION_ERROR || error->domain == NY_CONFIG_ERROR ||
        error->domain == NY_TIME_ERROR)
        return 2;
    if (error->domain == NY_SLOTS_ERROR)
        return error->code == NY_SLOTS_ERROR_NO_SLOT ? 3 : 2;
    if (error->domain == NY_TEMPLATE_ERROR)
        return 2;
    if (error->domain == NY_SOURCES_ERROR && error->code == NY_SOURCES_ERROR_NO_SOURCE)
        return 2;
    /* A follow-up in the wrong state is a usage error; an unknown id is a
     * runtime failure (doc/notyet.1, EXIT STATUS). */
    if (error->domain == NY_STORE_ERROR && error->code == NY_STORE_ERROR_STATE)
        return 2;
    /* A refused transition, done before the call, a typed time outside the
     * rules, a second reply to a pending contact: all usage errors. */
    if (error->domain == NY_FOLLOWUP_ERROR && error->code != NY_FOLLOWUP_ERROR_FAILED)
        return 2;
    if (error->domain == NY_REPLYFLOW_ERROR &&
        (error->code == NY_REPLYFLOW_ERROR_PENDING || error->code == NY_REPLYFLOW_ERROR_NO_LETTER))
        return 2;
    return 1;
}

static const int locale_categories[] = {LC_CTYPE, LC_NUMERIC, LC_TIME, LC_COLLATE, LC_MESSAGES};

int
main(int argc, char **argv)
{
    NyCli cli = {0};
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) args = g_ptr_array_new();
    const NyCommand *command = NULL;
    const char *unknown = NULL; /* the first option before the command main does not know */
    int command_index = -1;
    gboolean version = FALSE;
    gboolean help = FALSE;
    gboolean ok;

    /* The categories something in the process reads: the charset (GLib's
     * output conversion), numbers (libical's floats), weekday names (%a),
     * collation and messages (GLib's). Not LC_ALL: glibc would open and map
     * the files of six more categories (monetary, paper, name, address,
     * telephone, measurement) and of LC_IDENTIFICATION on every start. */
    for (gsize i = 0; i < G_N_ELEMENTS(locale_categories); i++)
        setlocale(locale_categories[i], "");
    g_set_prgname("notyet");

    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];

        if (strcmp(arg, "--") == 0)
            break;
        if (arg[0] != '-') {
            command_index = i;
            break;
        }
        if (strcmp(arg, "--version") == 0)
            version = TRUE;
        else if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0)
            help = TRUE;
        else if (takes_value(arg))
            i++;
        else if (unknown == NULL && !is_global_option(arg))
            unknown = arg;
    }

    if (command_index < 0) {
        if (version) {
            fputs("notyet " NY_VERSION "\n", stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        }
        g_autofree char *text = general_help();
        if (help) {
            fputs(text, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        }
        /* A bare `notyet`: the short help, on stderr as for any usage
         * error, and exit status 2 (nothing was done). */
        fputs(text, stderr);
        return 2;
    }

    /* argv without the command name; "help X" runs "X --help". */
    cli.command = argv[command_index];
    g_ptr_array_add(args, argv[0]);
    if (strcmp(cli.command, "help") == 0) {
        if (command_index + 1 >= argc) {
            g_autofree char *text = general_help();
            fputs(text, stdout);
            return fflush(stdout) == 0 ? 0 : 1;
        }
        cli.command = argv[command_index + 1];
        g_ptr_array_add(args, (char *)"--help");
    } else {
        for (int i = 1; i < argc; i++) {
            if (i != command_index)
                g_ptr_array_add(args, argv[i]);
        }
    }
    g_ptr_array_add(args, NULL);

    command = find_command(cli.command);
    if (command == NULL) {
        /* After an option main does not know, the word may be its value
         * (--password SECRET): the option is named, never the word. */
        g_autofree char *name = unknown != NULL ? ny_cli_option_name(unknown) : NULL;
        g_autofree char *what = ny_cli_printable(name != NULL ? name : cli.command);
        fprintf(stderr, "notyet: unknown %s '%s'; see 'notyet --help'\n",
                unknown != NULL ? "option" : "command", what);
        return 2;
    }

    /* The only place the real clock is read; --now overrides it. */
    cli.clock_now = g_get_real_time() / G_USEC_PER_SEC;
    cli.stdin_is_tty = isatty(STDIN_FILENO);
    cli.stdout_is_tty = isatty(STDOUT_FILENO);
    {
        /* https://no-color.org: a non-empty NO_COLOR turns colours off. */
        const char *no_color = g_getenv("NO_COLOR");

        cli.color_allowed =
            (no_color == NULL || *no_color == '\0') && g_strcmp0(g_getenv("TERM"), "dumb") != 0;
    }

    {
        /* GOption rearranges its argv: give it a copy it may own. */
        int cargc = (int)args->len - 1;
        char **cargv = g_memdup2(args->pdata, sizeof(char *) * args->len);
        ok = command->func(&cli, cargc, cargv, &error);
        g_free(cargv);
    }
    ny_cli_clear(&cli);
    if (!ok) {
        g_autofree char *line = NULL;
        g_assert(error != NULL);
        line = ny_cli_printable(error->message);
        fprintf(stderr, "notyet: %s\n", line);
        return exit_status_for(error);
    }
    return 0;
}
