/* cmd-reply.c: `notyet reply NAME`, the "not yet, but let's talk" letter
 * with real open slots, recorded as a pending follow-up (DESIGN.md sections
 * 2, 5, 6 and 7).
 *
 * Order matters: the template is checked and the busy time looked up first,
 * outside the store's transaction (a slow calendar must not hold the lock);
 * then, in one transaction, the taken slots are read, the slots picked and
 * the follow-up added. The letter reaches stdout only after the commit, so a
 * failure anywhere prints nothing and records nothing.
 */
#include <string.h>

#include <glib/gstdio.h>

#include "cmd-reply.h"
#include "cmd-slots.h"
#include "notyet/phrase.h"
#include "notyet/template.h"

void
ny_reply_options_clear(NyReplyOptions *o)
{
    g_clear_pointer(&o->email, g_free);
    g_clear_pointer(&o->met, g_free);
    g_clear_pointer(&o->closing, g_free);
    g_clear_pointer(&o->their_tz, g_free);
    g_clear_pointer(&o->their_hours, g_free);
    g_clear_pointer(&o->template_path, g_free);
}

/* The template of @kind: --template, else its [letter] key, else the
 * built-in one. */
static gboolean
load_template(NyCli *cli, NyTemplateKind kind, const char *option_path, char **out_name,
              char **out_text, GError **error)
{
    const char *configured = kind == NY_TEMPLATE_DECLINE ? cli->config->decline_template
                             : kind == NY_TEMPLATE_NUDGE ? cli->config->nudge_template
                                                         : cli->config->letter_template;
    const char *path = option_path ? option_path : configured;
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    GStatBuf st;

    if (path == NULL) {
        *out_name = g_strdup(ny_template_builtin_name(kind));
        *out_text = g_strdup(ny_template_builtin(kind));
        return TRUE;
    }
    /* Checked before reading: a FIFO would block and /dev/zero never ends. */
    if (g_stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_FAILED,
                        "cannot read the template '%s': not a regular file", path);
            return FALSE;
        }
        if (st.st_size > NY_TEMPLATE_MAX_SIZE) {
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG,
                        "'%s': the template is larger than %d KiB", path,
                        NY_TEMPLATE_MAX_SIZE / 1024);
            return FALSE;
        }
    }
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_FAILED,
                    "cannot read the template '%s': %s", path, local->message);
        return FALSE;
    }
    if (!ny_template_check_kind(kind, path, text, len, error))
        return FALSE;
    *out_name = g_strdup(path);
    *out_text = g_steal_pointer(&text);
    return TRUE;
}

/* The letter of @kind to @name, with @slots (NULL for a decline note). */
static char *
render_letter(NyCli *cli, NyTemplateKind kind, const NyReplyOptions *o, const char *name,
              const char *tmpl_name, const char *tmpl, GArray *slots, GTimeZone *their_zone,
              GError **error)
{
    g_autoptr(GPtrArray) phrases = g_ptr_array_new_with_free_func(g_free);
    const NyConfig *c = cli->config;
    NyLetterFields fields = {
        .name = name,
        .met = o->met,
        .closing = o->closing,
        .my_name = c->name,
        .my_email = c->email,
        .my_phone = c->phone,
        .slot_minutes = slots != NULL ? c->availability.slot_minutes : 0,
    };

    for (guint i = 0; slots != NULL && i < slots->len; i++)
        g_ptr_array_add(phrases, ny_cmd_slot_phrase(cli, g_array_index(slots, NyInterval, i).start,
                                                    their_zone, o->their_tz));
    g_ptr_array_add(phrases, NULL);
    fields.slots = slots != NULL ? (const char *const *)phrases->pdata : NULL;
    return ny_template_write(kind, tmpl_name, tmpl, &fields, error);
}

/* A letter is signed: without [me] name there is none to write
 * (doc/slots-and-letter.md, "No silent gaps"). */
static gboolean
check_my_name(NyCli *cli, GError **error)
{
    if (cli->config->name != NULL)
        return TRUE;
    g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_USAGE,
                "a letter needs your name: set [me] name in '%s', or run 'notyet init'",
                cli->config->path != NULL ? cli->config->path : "the configuration file");
    return FALSE;
}

/* The built-in letters end with "You can reach me at ...": without [me]
 * email and phone that sentence is dropped, which the user should know. */
static void
warn_no_contact(NyCli *cli, const char *tmpl)
{
    if (cli->config->email != NULL || cli->config->phone != NULL)
        return;
    if (strstr(tmpl, "my_email") == NULL && strstr(tmpl, "my_phone") == NULL)
        return;
    ny_cli_warn(cli, "the letter has no way to reach you: set [me] email or phone in the "
                     "configuration");
}

/* A reply to someone whose last recorded decision was DECLINE is allowed,
 * but said (`notyet decisions` shows them all). */
static void
warn_after_decline(NyCli *cli, NyStore *store, const char *name)
{
    g_autoptr(GPtrArray) last = NULL;
    g_autoptr(GError) local = NULL;
    const NyDecisionRecord *d;

    if (store == NULL || (last = ny_store_list_decisions(store, name, 1, &local)) == NULL ||
        last->len == 0)
        return;
    d = g_ptr_array_index(last, 0);
    if (d->verdict == NY_VERDICT_DECLINE) {
        g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(d->at);
        g_autoptr(GDateTime) local_at = utc ? g_date_time_to_timezone(utc, cli->zone) : NULL;
        g_autofree char *day = local_at ? g_date_time_format(local_at, "%Y-%m-%d") : NULL;

        ny_cli_warn(cli,
                    "your last decision on '%s' (%s) was DECLINE; see 'notyet decisions' for "
                    "the history",
                    d->name, day ? day : "?");
    }
}

void
ny_reply_add_entries(GArray *entries, NyReplyOptions *o)
{
    const GOptionEntry rows[] = {
        {"email", 0, 0, G_OPTION_ARG_STRING, &o->email, "Their email address, for the invite", "E"},
        {"met", 0, 0, G_OPTION_ARG_STRING, &o->met, "Where you met: \"Great to meet you TEXT.\"",
         "TEXT"},
        {"closing", 0, 0, G_OPTION_ARG_STRING, &o->closing, "A closing line before your name",
         "TEXT"},
        {"their-tz", 0, 0, G_OPTION_ARG_STRING, &o->their_tz,
         "Their time zone: only times inside their day, each also in theirs", "ZONE"},
        {"their-hours", 0, 0, G_OPTION_ARG_STRING, &o->their_hours,
         "Their day with --their-tz, instead of [availability] their_start/their_end",
         "HH:MM-HH:MM"},
        {"template", 0, 0, G_OPTION_ARG_FILENAME, &o->template_path,
         "Use this letter template instead of [letter] template", "FILE"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &o->dry_run, "Print the letter, record nothing",
         NULL},
        {"decline", 0, 0, G_OPTION_ARG_NONE, &o->decline,
         "Write the short decline note instead: no call, no times, nothing recorded", NULL},
    };

    g_array_append_vals(entries, rows, G_N_ELEMENTS(rows));
}

gboolean
ny_reply_check(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error)
{
    g_autoptr(GTimeZone) their_zone = NULL;
    NyAvailability a;

    if (!ny_cli_check_name(cli, name, error))
        return FALSE;
    if (o->met != NULL && !ny_cli_is_one_line(o->met)) {
        ny_cli_usage_error(cli, error, "--met: not one line of text (control characters)");
        return FALSE;
    }
    if (o->closing != NULL && !ny_cli_is_one_line(o->closing)) {
        ny_cli_usage_error(cli, error, "--closing: not one line of text (control characters)");
        return FALSE;
    }
    if (o->email != NULL && (strchr(o->email, '@') == NULL || strpbrk(o->email, " \t\r\n<>\""))) {
        ny_cli_usage_error(cli, error, "--email: '%s' is not an email address", o->email);
        return FALSE;
    }
    if (!ny_cli_their_day(cli, o->their_tz, o->their_hours, &a, &their_zone, error))
        return FALSE;
    return check_my_name(cli, error);
}

char *
ny_reply_decline_note(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error)
{
    g_autofree char *tmpl_name = NULL;
    g_autofree char *tmpl = NULL;

    if (!ny_reply_check(cli, o, name, error) ||
        !load_template(cli, NY_TEMPLATE_DECLINE, o->template_path, &tmpl_name, &tmpl, error))
        return NULL;
    return render_letter(cli, NY_TEMPLATE_DECLINE, o, name, tmpl_name, tmpl, NULL, NULL, error);
}

gboolean
ny_reply_run(NyCli *cli, const NyReplyOptions *o, const char *name, const NyReplyDecision *decision,
             GError **error)
{
    g_autoptr(GTimeZone) their_zone = NULL;
    g_autofree char *tmpl_name = NULL;
    g_autofree char *tmpl = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autoptr(GArray) slots = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autofree char *letter = NULL;
    NyAvailability a;
    NyTime from;
    NyTime to;

    if (!ny_reply_check(cli, o, name, error))
        return FALSE;
    if (!ny_cli_their_day(cli, o->their_tz, o->their_hours, &a, &their_zone, error))
        return FALSE;
    if (!load_template(cli, NY_TEMPLATE_LETTER, o->template_path, &tmpl_name, &tmpl, error))
        return FALSE;

    /* The lookup first, outside any transaction. */
    ny_cmd_busy_window(cli, &from, &to);
    if (!ny_cmd_busy_lookup(cli, from, to, &busy, error))
        return FALSE;

    if (o->dry_run) {
        if (!ny_cmd_store_if_exists(cli, &store, error))
            return FALSE;
        if (store != NULL && !ny_store_taken(store, 0, taken, error))
            return FALSE;
        if (!ny_slots_pick(&a, cli->zone, cli->now, busy, taken, &slots, error))
            return FALSE;
        letter = render_letter(cli, NY_TEMPLATE_LETTER, o, name, tmpl_name, tmpl, slots, their_zone,
                               error);
        if (letter == NULL)
            return FALSE;
        warn_no_contact(cli, tmpl);
        warn_after_decline(cli, store, name);
        return ny_cli_print(letter, error);
    }

    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    /* One transaction: two replies at once never offer the same slot. */
    if (!ny_store_begin(store, error))
        return FALSE;
    /* Read before this reply's own decision (decide --reply) is added. */
    warn_after_decline(cli, store, name);
    if (!ny_store_taken(store, 0, taken, error) ||
        !ny_slots_pick(&a, cli->zone, cli->now, busy, taken, &slots, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    letter =
        render_letter(cli, NY_TEMPLATE_LETTER, o, name, tmpl_name, tmpl, slots, their_zone, error);
    if (letter == NULL) {
        ny_store_rollback(store);
        return FALSE;
    }
    f = ny_followup_new();
    f->name = g_strdup(name);
    f->email = g_strdup(o->email);
    f->met = g_strdup(o->met);
    f->their_tz = g_strdup(o->their_tz);
    if (their_zone != NULL) {
        f->their_start_minute = a.their_start_minute;
        f->their_end_minute = a.their_end_minute;
    }
    f->state = NY_FOLLOWUP_OFFERED;
    g_array_append_vals(f->slots, slots->data, slots->len);
    if ((decision != NULL &&
         !ny_store_add_decision(store, name, cli->now, decision->answers, decision->verdict,
                                decision->no_call, NULL, error)) ||
        !ny_store_add_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    warn_no_contact(cli, tmpl);
    if (slots->len < (guint)cli->config->availability.count)
        ny_cli_warn(cli, "only %u open slot%s in the next %d days", slots->len,
                    slots->len == 1 ? "" : "s", cli->config->availability.horizon_days);
    if (!ny_cli_print(letter, error))
        return FALSE;
    if (!cli->quiet)
        g_printerr("follow-up #%" G_GINT64_FORMAT " recorded\n", f->id);
    return TRUE;
}

gboolean
ny_cmd_reply(NyCli *cli, int argc, char **argv, GError **error)
{
    __attribute__((cleanup(ny_reply_options_clear))) NyReplyOptions o = {0};
    g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    g_autofree char *name = NULL;

    ny_reply_add_entries(entries, &o);
    if (!ny_cli_parse(cli, "NAME", "Write the reply letter with open slots, and record it",
                      (const GOptionEntry *)entries->data, &argc, &argv, error))
        return FALSE;
    if (cli->help)
        return TRUE;
    if (argc < 2) {
        ny_cli_usage_error(cli, error, "whom to reply to? give their NAME");
        return FALSE;
    }
    if (argc > 2) {
        ny_cli_usage_error(cli, error, "unexpected argument '%s' (quote a NAME with spaces)",
                           argv[2]);
        return FALSE;
    }
    name = g_strstrip(g_strdup(argv[1]));
    if (o.decline) {
        g_autofree char *note = NULL;

        if (o.their_tz != NULL || o.their_hours != NULL) {
            ny_cli_usage_error(cli, error, "--decline offers no times: drop %s",
                               o.their_tz != NULL ? "--their-tz" : "--their-hours");
            return FALSE;
        }
        note = ny_reply_decline_note(cli, &o, name, error);
        return note != NULL && ny_cli_print(note, error);
    }
    return ny_reply_run(cli, &o, name, NULL, error);
}
