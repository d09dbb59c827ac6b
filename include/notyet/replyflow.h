/* replyflow.h: the reply flow that `reply`, `decide --reply` and `nudge`
 * run (doc/architecture.md, "How a command is built"; doc/slots-and-letter.md).
 *
 * I/O module: looks up busy time (sources), reads the store and the letter
 * template, picks the slots, renders the letter and records the follow-up in
 * one transaction. It never prints: it returns the letter, the slots and its
 * warnings, and the command prints them.
 */
#pragma once

#include <glib.h>

#include "notyet/config.h"
#include "notyet/decision.h"
#include "notyet/followup.h"
#include "notyet/holds.h"
#include "notyet/sources.h"
#include "notyet/store.h"

G_BEGIN_DECLS

#define NY_REPLYFLOW_ERROR (ny_replyflow_error_quark())
GQuark ny_replyflow_error_quark(void);

typedef enum {
    NY_REPLYFLOW_ERROR_PENDING,   /* the contact has a pending follow-up: exit 2 */
    NY_REPLYFLOW_ERROR_NO_LETTER, /* a letter needs [me] name: exit 2 */
    NY_REPLYFLOW_ERROR_FAILED,
} NyReplyflowError;

/* What every flow needs from the command line, resolved once. Borrowed. */
typedef struct {
    const NyConfig *config;
    GTimeZone *zone;       /* the user's zone */
    const char *zone_name; /* its name */
    NyTime now;
    const char *const *ics; /* --ics values, or NULL */
    const char *db_path;    /* the store file */
    /* offline, the cache, -v and the callbacks; the limits of @config are
     * filled in by ny_replyflow_busy(), not taken from here. */
    const NySourcesOptions *sources;
    /* (nullable) events not counted as busy (NyBusyQuery.ignore_uids) */
    const char *const *ignore_uids;
} NyFlowContext;

/**
 * ny_replyflow_busy_window:
 *
 * The window a pick needs busy time for: from @now minus the buffer to the
 * horizon plus a day, so every candidate's buffered span is covered.
 */
void ny_replyflow_busy_window(const NyAvailability *a, NyTime now, NyTime *out_from,
                              NyTime *out_to);

/**
 * ny_replyflow_busy:
 * @warnings: (element-type utf8): lines to show are appended, also on failure
 * @out_busy: (out) (transfer full) (element-type NyInterval): normalized
 *
 * Busy time of every configured source, or the --ics ones, over [@from,
 * @to). The one place where the [limits] of the configuration become the
 * lookup's limits and options.
 *
 * Returns: FALSE with the errors of ny_sources_busy().
 */
gboolean ny_replyflow_busy(const NyFlowContext *ctx, NyTime from, NyTime to, GPtrArray *warnings,
                           GArray **out_busy, GError **error);

/**
 * ny_replyflow_facts:
 * @out: filled with borrowed pointers into @f
 *
 * The facts the follow-up rules (followup.h) judge, of a stored follow-up.
 */
void ny_replyflow_facts(const NyFollowup *f, NyFollowupFacts *out);

/**
 * ny_replyflow_taken:
 * @except_id: a follow-up to leave out (0 for none)
 * @out: (element-type NyInterval): appended to, unsorted
 *
 * Every time the pending follow-ups keep from new offers at @now
 * (ny_followup_add_taken()): an expired offer keeps nothing.
 */
gboolean ny_replyflow_taken(NyStore *store, const NyAvailability *a, NyTime now, gint64 except_id,
                            GArray *out, GError **error);

/**
 * ny_replyflow_holds_open:
 * @out: (out) (transfer full) (nullable): the writer, or NULL when no
 *       [calendar NAME] has holds= (nothing is written anywhere)
 *
 * The holds writer of @ctx (holds.h) on @store.
 *
 * Returns: FALSE with NY_DB_ERROR.
 */
gboolean ny_replyflow_holds_open(const NyFlowContext *ctx, NyStore *store, NyHolds **out,
                                 GError **error);

/* A reply to write. Borrowed strings; NULL when not given. */
typedef struct {
    const char *name;
    const char *email;
    const char *met;
    const char *closing;
    const char *their_tz; /* checked by the caller */
    /* Their day with their_tz, minutes after their midnight (--their-hours);
     * both 0 for [availability] their_start/their_end. Kept with the
     * follow-up. */
    int their_start_minute;
    int their_end_minute;
    const char *template_path; /* --template */
    gboolean dry_run;          /* record nothing, open no new store */
    gboolean allow_new;        /* --new: a second follow-up beside a pending one */
    gboolean no_hold;          /* --no-hold: write nothing to the holds calendar */
    /* A decision recorded in the same transaction (decide --reply), or
     * has_decision FALSE. */
    gboolean has_decision;
    const NyAnswer *answers; /* (array fixed-size=3) */
    NyVerdict verdict;
    gboolean no_call;
} NyReplyRequest;

/* What a flow gives back for the command to print. */
typedef struct {
    char *letter;  /* the letter, reflowed */
    GArray *slots; /* (element-type NyInterval) the picked slots */
    gint64 id;     /* the follow-up recorded, or 0 (dry run) */
} NyReplyResult;

void ny_reply_result_clear(NyReplyResult *r);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NyReplyResult, ny_reply_result_clear)

/**
 * ny_replyflow_reply:
 * @warnings: (element-type utf8): lines to show are appended, also on failure
 * @out: (out caller-allocates): filled on success; untouched on failure
 *
 * Loads the template, looks up busy time (outside any transaction: a slow
 * calendar must not hold the store's lock), then in one transaction reads
 * the pending follow-ups, refuses a second one to the same contact unless
 * @req->allow_new, picks the slots, renders the letter and records the
 * follow-up (and the decision). On failure nothing is recorded.
 *
 * A letter needs [me] name. With @req->their_tz, only times inside their
 * day are offered. Warnings (kept for a written letter) say when the letter
 * has no contact sentence and when the last decision on @req->name was
 * DECLINE.
 *
 * Returns: FALSE with NY_REPLYFLOW_ERROR_PENDING naming `nudge ID`,
 * NY_REPLYFLOW_ERROR_NO_LETTER, NY_SLOTS_ERROR_NO_SLOT, NY_TEMPLATE_ERROR,
 * NY_STORE_ERROR or the errors of ny_replyflow_busy().
 */
gboolean ny_replyflow_reply(const NyFlowContext *ctx, const NyReplyRequest *req,
                            GPtrArray *warnings, NyReplyResult *out, GError **error);

/* A nudge to write: new times for a follow-up whose offer got no answer. */
typedef struct {
    gint64 id;
    const char *template_path; /* --template, or NULL: [letter] nudge_template, else built in */
    gboolean dry_run;          /* record nothing */
    gboolean no_hold;          /* --no-hold: no new holds (the old ones still go) */
} NyNudgeRequest;

/**
 * ny_replyflow_nudge:
 * @warnings: (element-type utf8): lines to show are appended, also on failure
 * @out: (out caller-allocates): filled on success; untouched on failure
 *
 * The nudge of an offered or expired follow-up (followup.h): busy time is
 * looked up outside the transaction; then, in one, the follow-up is read
 * again and checked, new open times are picked (its own old times do not
 * count as taken), the short letter is rendered (the first letter's day in
 * its field first_letter) and the follow-up keeps its id with the new
 * times, the old ones released and the nudge counted (ny_store_nudge_followup()).
 *
 * Returns: FALSE with NY_FOLLOWUP_ERROR_STATE for a booked or closed
 * follow-up, NY_STORE_ERROR_NOT_FOUND, NY_SLOTS_ERROR_NO_SLOT,
 * NY_TEMPLATE_ERROR or the errors of ny_replyflow_busy().
 */
gboolean ny_replyflow_nudge(const NyFlowContext *ctx, const NyNudgeRequest *req,
                            GPtrArray *warnings, NyReplyResult *out, GError **error);

/**
 * ny_replyflow_check_signer:
 *
 * Every letter is signed with [me] name: without it, none is written.
 *
 * Returns: TRUE; FALSE with NY_REPLYFLOW_ERROR_NO_LETTER naming the key and
 * `notyet init`.
 */
gboolean ny_replyflow_check_signer(const NyConfig *config, GError **error);

/**
 * ny_replyflow_decline:
 * @req: the NAME, --met, --closing and --template; the rest is not used
 *
 * The decline note of the DECLINE verdict to @req->name: --template, else
 * [letter] decline_template, else the built-in one. No lookup, no times,
 * nothing recorded.
 *
 * Returns: (transfer full): the note, or NULL with
 * NY_REPLYFLOW_ERROR_NO_LETTER (no [me] name) or NY_TEMPLATE_ERROR.
 */
char *ny_replyflow_decline(const NyFlowContext *ctx, const NyReplyRequest *req, GError **error);

G_END_DECLS
