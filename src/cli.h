/* cli.h: what main.c hands every command (private to the executable).
 *
 * The global options of doc/notyet.1 are parsed once per command line
 * into NyCli, resolved (clock, zone, configuration) and passed down; nothing
 * is read from globals.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdio.h>

#include "notyet/config.h"
#include "notyet/decision.h"
#include "notyet/ntime.h"
#include "notyet/store.h"

G_BEGIN_DECLS

#define NY_CLI_ERROR (ny_cli_error_quark())
GQuark ny_cli_error_quark(void);

typedef enum {
    NY_CLI_ERROR_USAGE,   /* bad command line: exit 2 */
    NY_CLI_ERROR_FAILED,  /* a runtime failure: exit 1 */
    NY_CLI_ERROR_NO_SLOT, /* no open slot in the horizon: exit 3 */
} NyCliError;

typedef struct {
    /* Global options as given. */
    char *config_path;
    char *db_path;
    char *now_text;
    char *tz_name;
    char **ics; /* NULL-terminated, or NULL */
    char *format;
    gboolean offline;
    int verbose;
    gboolean quiet;
    gboolean help;

    /* Set by main before the command runs. */
    const char *command; /* the command's name */
    NyTime clock_now;    /* the real clock, read once in main.c */
    gboolean stdin_is_tty;
    gboolean stdout_is_tty;
    gboolean color_allowed; /* NO_COLOR unset or empty, TERM not "dumb" (main.c) */
    gboolean no_config;     /* set by a command before ny_cmd_parse(): no file is read, the
                             * defaults are used (init writes the file, it may not exist) */

    /* Resolved by ny_cli_parse(). */
    NyTime now; /* --now, else clock_now */
    gboolean json;
    NyConfig *config;
    GTimeZone *zone;
    char *zone_name; /* the user's zone: --tz, else [me] timezone, else the system's */
} NyCli;

/**
 * ny_cli_parse:
 * @params: the parameter string shown in --help ("NAME"), or NULL
 * @summary: one line for --help
 * @entries: (array zero-terminated=1): the command's own options, or NULL
 *
 * Parses the command's options together with the global ones, handles --help
 * (help on stdout, cli->help set), then resolves now, the format, the
 * configuration and the zone. A usage error ends with "see 'notyet CMD
 * --help'". Commands call it through ny_cmd_parse() (cmd-common.h).
 */
gboolean ny_cli_parse(NyCli *cli, const char *params, const char *summary,
                      const GOptionEntry *entries, int *argc, char ***argv, GError **error);

/* A usage error for the current command, ending with "see 'notyet CMD --help'". */
void ny_cli_usage_error(NyCli *cli, GError **error, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* The option @arg names, without its value: "--password" for
 * "--password=SECRET", "-p" for "-pSECRET". What an error may show of an
 * option it does not know (its value may be a password). Free with g_free(). */
char *ny_cli_option_name(const char *arg);

/* A copy of @text safe to show in one line on a terminal: every control
 * character (C0 with line breaks and tabs, DEL, C1) and every byte that is
 * not UTF-8 becomes '?'. Free with g_free(). */
char *ny_cli_printable(const char *text);

/* TRUE when @text is one line of UTF-8 text without control characters
 * (C0 with line breaks and tabs, DEL, C1): what a NAME, --met or --closing
 * must be, as it reaches the letter, the store, the invite and every
 * terminal that lists the follow-ups. */
gboolean ny_cli_is_one_line(const char *text);

/* A usage error unless @name (a contact's NAME) is non-empty and
 * ny_cli_is_one_line(). */
gboolean ny_cli_check_name(NyCli *cli, const char *name, GError **error);

/* Opens the store at ny_config_store_path(): --db, else $NOTYET_DB, else the XDG data dir. */
NyStore *ny_cli_open_store(NyCli *cli, GError **error);

/* "notyet: warning: ..." on stderr unless -q. */
void ny_cli_warn(NyCli *cli, const char *format, ...) G_GNUC_PRINTF(2, 3);

/* "notyet: ..." on stderr when -v was given at least @level times. */
void ny_cli_info(NyCli *cli, int level, const char *format, ...) G_GNUC_PRINTF(3, 4);

/* Writes @text to stdout and flushes; an error when stdout fails (full disk, closed pipe). */
gboolean ny_cli_print(const char *text, GError **error);

/* Pretty JSON text of @b's root, with a final newline: every command's
 * --format json output goes through here. */
char *ny_cli_json_text(JsonBuilder *b);

/* Adds {"start": T, "end": T} (UTC, doc/notyet.1, JSON OUTPUT) to @b. */
void ny_cli_json_add_interval(JsonBuilder *b, const NyInterval *iv);

/**
 * ny_cli_their_day:
 * @their_tz: (nullable): --their-tz ZONE
 * @their_hours: (nullable): --their-hours HH:MM-HH:MM, which needs @their_tz
 * @out_availability: (out): the configured [availability] with the
 *         invitee's day: their zone and, with @their_hours, their hours
 * @out_zone: (out) (transfer full): their zone, or NULL without @their_tz;
 *         @out_availability borrows it, so keep it as long
 *
 * The options of the invitee's day, shared by `slots` and `reply`
 * (doc/slots-and-letter.md, "Their day"). Usage errors for an unknown zone,
 * a bad range, --their-hours alone, or hours too short for a slot.
 */
gboolean ny_cli_their_day(NyCli *cli, const char *their_tz, const char *their_hours,
                          NyAvailability *out_availability, GTimeZone **out_zone, GError **error);

/* Adds the answers object of `decide` and `decisions` to @b: every question
 * by its name ("know", "trust", "recommend"), true, false, or null when it
 * was not asked. */
void ny_cli_json_add_answers(JsonBuilder *b, const NyAnswer answers[NY_QUESTION_COUNT]);

void ny_cli_clear(NyCli *cli);

typedef gboolean (*NyCmdFunc)(NyCli *cli, int argc, char **argv, GError **error);

gboolean ny_cmd_decide(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_freebusy(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_slots(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_reply(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_followups(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_book(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_export(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_done(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_cancel(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_nudge(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_calendars(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_decisions(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_init(NyCli *cli, int argc, char **argv, GError **error);
gboolean ny_cmd_week(NyCli *cli, int argc, char **argv, GError **error);

G_END_DECLS
