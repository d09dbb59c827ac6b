/* cmd-common.h: what the commands share (private to the executable): the
 * busy lookup with its terminal output, the flow context, the store, slot
 * phrases, follow-up ids, states and JSON, and the options of a reply.
 * Commands never call each other; what two of them run is here or in a
 * library module (doc/architecture.md, "How a command is built"). */
#pragma once

#include <json-glib/json-glib.h>

#include "cli.h"
#include "notyet/followup.h"
#include "notyet/holds.h"
#include "notyet/invite.h"
#include "notyet/replyflow.h"
#include "notyet/slots.h"
#include "notyet/store.h"

G_BEGIN_DECLS

/* What a command takes on its command line: one static constant per
 * command, read by ny_cmd_parse(). */
typedef struct {
    const char *params;  /* the arguments --help shows ("ID", "[NAME]"), or NULL */
    const char *summary; /* one line (or two) for --help */
    int max_args;        /* how many arguments it takes at most */
    const char *missing; /* the usage error without an argument, or NULL when none is needed */
    const char *hint;    /* said after "unexpected argument 'X'" in parentheses, or NULL */
} NyCmdUsage;

/**
 * ny_cmd_parse:
 * @entries: (array zero-terminated=1) (nullable): the command's own options
 * @argc: (inout): on return, 1 + the number of arguments
 * @argv: (inout): on return, the arguments from argv[1] on, options taken out
 *
 * The start of every command: ny_cli_parse() with @usage's help text (the
 * options with the global ones, --help, the usage error of a bad option),
 * then a usage error ("see 'notyet CMD --help'", exit 2) without an argument
 * when @usage names one missing, or with more than max_args of them.
 *
 * Returns: TRUE when the command goes on; FALSE when it is over, after
 * --help (cli->help set) or on an error (cli->help not set). So:
 *     if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
 *         return cli->help;
 */
gboolean ny_cmd_parse(NyCli *cli, const NyCmdUsage *usage, const GOptionEntry *entries, int *argc,
                      char ***argv, GError **error);

/* The lookup's options for @cli: --offline, the cache beside the store, -v
 * lines, the HTTP trace and the terminal progress. @out_cache_path keeps
 * the cache path alive; free it with g_free(). */
void ny_cmd_sources_options(NyCli *cli, NySourcesOptions *out, char **out_cache_path);

/* The context of a flow (replyflow.h) for @cli; @sources and @db_path must
 * outlive it. */
void ny_cmd_flow_context(NyCli *cli, const NySourcesOptions *sources, const char *db_path,
                         NyFlowContext *out);

/* The store file: --db, else $NOTYET_DB, else the XDG data dir. */
char *ny_cmd_db_path(NyCli *cli);

/* After a flow or a lookup: clears the progress line, prints @warnings
 * (may be NULL; also on failure), and turns "no busy source" into a usage
 * error of the command. Returns @ok. */
gboolean ny_cmd_lookup_done(NyCli *cli, const NySourcesOptions *sources, GPtrArray *warnings,
                            gboolean ok, GError **error);

/**
 * ny_cmd_busy_window:
 *
 * The window a pick needs busy time for (ny_replyflow_busy_window()).
 */
void ny_cmd_busy_window(NyCli *cli, NyTime *out_from, NyTime *out_to);

/**
 * ny_cmd_busy_lookup:
 * @out_busy: (out) (element-type NyInterval): normalized busy periods
 *
 * Busy time of every configured source, or the --ics ones, over [from, to).
 * Warnings go to stderr; no source at all is a usage error (exit 2).
 */
gboolean ny_cmd_busy_lookup(NyCli *cli, NyTime from, NyTime to, GArray **out_busy, GError **error);

/* As ny_cmd_busy_lookup(), with the events of @ignore_uids (nullable) not
 * busy: a follow-up's own holds when its time is checked again. */
gboolean ny_cmd_busy_lookup_ignoring(NyCli *cli, NyTime from, NyTime to,
                                     const char *const *ignore_uids, GArray **out_busy,
                                     GError **error);

/* With --offline, a usage error (exit 2) when a holds= calendar is
 * configured: @command would write to it and cannot (doc/calendar-writes.md).
 * @has_no_hold: the message names --no-hold, else says to go online. */
gboolean ny_cmd_check_offline_write(NyCli *cli, const char *command, gboolean has_no_hold,
                                    GError **error);

/* The call of booked @f as `export` writes it: one UID and SEQUENCE for
 * the file and the calendar. Borrows @f's and the configuration's strings. */
NyInvite ny_cmd_invite_for(NyCli *cli, const NyFollowup *f);

/**
 * ny_cmd_holds_open:
 * @sources: (out caller-allocates): the lookup options, kept alive by
 *           @out_cache_path (free it with g_free())
 * @out: (out) (transfer full) (nullable): the holds writer, or NULL when no
 *       holds= is configured or with --offline
 */
gboolean ny_cmd_holds_open(NyCli *cli, NyStore *store, NySourcesOptions *sources,
                           char **out_cache_path, NyHolds **out, GError **error);

/* Prints the lines ny_holds_*() left in @notes (may be NULL) on stderr. */
void ny_cmd_print_notes(NyCli *cli, GPtrArray *notes);

/**
 * ny_cmd_store_if_exists:
 *
 * Opens the store when its file exists; sets *out_store to NULL (and
 * returns TRUE) when there is none yet, so a read-only command creates no
 * file.
 */
gboolean ny_cmd_store_if_exists(NyCli *cli, NyStore **out_store, GError **error);

/* The times pending follow-ups keep at cli->now, except @except_id's
 * (ny_replyflow_taken()), appended to @out. */
gboolean ny_cmd_taken(NyCli *cli, NyStore *store, gint64 except_id, GArray *out, GError **error);

/* "this Wednesday at 2p ET" in the user's zone, relative to cli->now. */
char *ny_cmd_slot_phrase(NyCli *cli, NyTime t, GTimeZone *their_zone, const char *their_name);

/* ny_cmd_slot_phrase() of a time of @f, with the invitee's local time when
 * their zone is stored with it. */
char *ny_cmd_followup_phrase(NyCli *cli, const NyFollowup *f, NyTime t);

/* Parses "3" or "#3" into a follow-up id; a usage error otherwise. */
gboolean ny_cmd_parse_id(NyCli *cli, const char *text, gint64 *out_id, GError **error);

/* The usage of a command that takes one follow-up ID (ny_cmd_parse()). */
#define NY_CMD_ID_USAGE(summary)                                                                   \
    {                                                                                              \
        "ID", (summary), 1, "which follow-up? give its ID", NULL                                   \
    }

/* The state of @f at cli->now (followup.h), with the configured offer_days. */
NyFollowupStatus ny_cmd_followup_status(NyCli *cli, const NyFollowup *f);

/* Checks @action on @f at cli->now (ny_followup_check()). */
gboolean ny_cmd_followup_check(NyCli *cli, const NyFollowup *f, NyFollowupAction action,
                               GError **error);

/* Adds the follow-up object of the --format json output to @b. */
void ny_cmd_followup_to_json(NyCli *cli, JsonBuilder *b, const NyFollowup *f);

/* Prints @text, or with --format json {"followup": {...}} for @f. */
gboolean ny_cmd_print_followup(NyCli *cli, const NyFollowup *f, const char *text, GError **error);

/* The options of `reply`, also taken by `decide --reply`. */
typedef struct {
    char *email;
    char *met;
    char *closing;
    char *their_tz;
    char *their_hours; /* --their-hours HH:MM-HH:MM, with --their-tz */
    char *template_path;
    gboolean dry_run;
    gboolean allow_new;
    gboolean decline; /* --decline: the decline note instead (`reply` only) */
    gboolean no_hold;
} NyReplyOptions;

void ny_reply_options_clear(NyReplyOptions *o);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NyReplyOptions, ny_reply_options_clear)

/* TRUE when any option of @o was given. */
gboolean ny_reply_options_given(const NyReplyOptions *o);

/* Appends the GOptionEntry rows of `reply`, pointing into @o, to @entries
 * (element-type GOptionEntry; no terminator is added). */
void ny_reply_add_entries(GArray *entries, NyReplyOptions *o);

/**
 * ny_reply_check:
 *
 * Checks the NAME and the options without touching the network or the store:
 * a usage error for an empty NAME, a bad --email, an unknown --their-tz or a
 * bad --their-hours; no [me] name is NY_REPLYFLOW_ERROR_NO_LETTER.
 */
gboolean ny_reply_check(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error);

/**
 * ny_reply_print:
 * @req: the NAME and, for `decide --reply`, the decision to record with the
 *       follow-up; the fields of @o are filled in
 *
 * Runs the reply flow (ny_replyflow_reply()), then prints its warnings, the
 * letter on stdout and "follow-up #N recorded" on stderr. On failure nothing
 * is printed on stdout and nothing is recorded.
 */
gboolean ny_reply_print(NyCli *cli, const NyReplyOptions *o, NyReplyRequest *req, GError **error);

/**
 * ny_reply_decline_note:
 *
 * The decline note to @name (ny_replyflow_decline()) with the options of @o.
 *
 * Returns: (transfer full): the note, or NULL with the error.
 */
char *ny_reply_decline_note(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error);

/* The redacted HTTP trace of -v -v, one "notyet: http: " line each, and the
 * one-line progress on a terminal, rewritten in place (user_data unused). */
void ny_cmd_trace_line(const char *line, gpointer data);
void ny_cmd_progress_line(const char *what, gpointer data);

G_END_DECLS
