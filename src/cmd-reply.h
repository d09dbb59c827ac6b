/* cmd-reply.h: the reply letter, shared by `reply` and `decide --reply`
 * (private to the executable). */
#pragma once

#include "cli.h"
#include "notyet/decision.h"

G_BEGIN_DECLS

/* The options of `reply`. */
typedef struct {
    char *email;
    char *met;
    char *closing;
    char *their_tz;
    char *their_hours; /* --their-hours HH:MM-HH:MM, with --their-tz */
    char *template_path;
    gboolean dry_run;
    gboolean decline; /* --decline: the decline note, no times */
} NyReplyOptions;

void ny_reply_options_clear(NyReplyOptions *o);

/* Appends the GOptionEntry rows of `reply`, pointing into @o, to @entries
 * (element-type GOptionEntry; no terminator is added). */
void ny_reply_add_entries(GArray *entries, NyReplyOptions *o);

/* A decision that `decide --reply` records in the reply's own transaction,
 * so the decision and its follow-up are written together or not at all. */
typedef struct {
    const NyAnswer *answers; /* (array fixed-size=3) */
    NyVerdict verdict;
    gboolean no_call;
} NyReplyDecision;

/**
 * ny_reply_check:
 *
 * Checks the NAME and the options without touching the network or the store:
 * a usage error for an empty NAME, a bad --email or an unknown --their-tz.
 */
gboolean ny_reply_check(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error);

/**
 * ny_reply_decline_note:
 *
 * The decline note to @name ([letter] decline_template, or --template, else
 * the built-in one): no lookup, no times, nothing recorded. Needs [me] name.
 *
 * Returns: (transfer full): the note, or NULL with the error.
 */
char *ny_reply_decline_note(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error);

/**
 * ny_reply_run:
 * @decision: (nullable): recorded together with the follow-up
 *
 * Looks up busy time, picks the slots, records the follow-up (and
 * @decision) in one transaction unless --dry-run, then prints the letter on
 * stdout and "follow-up #N recorded" on stderr. On failure nothing is
 * printed on stdout and nothing is recorded.
 */
gboolean ny_reply_run(NyCli *cli, const NyReplyOptions *o, const char *name,
                      const NyReplyDecision *decision, GError **error);

G_END_DECLS
