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
    g_clear_pointer(&o->template_path, g_free);
}

/* The first word of a name: "Richard" of "Richard Roe". */
static char *
first_word(const char *name)
{
    const char *p = name;
    const char *end;

    while (*p == ' ' || *p == '\t')
        p++;
    end = p;
    while (*end && *end != ' ' && *end != '\t')
        end++;
    return g_strndup(p, (gsize)(end - p));
}

/* The template: --template, else [letter] template, else the built-in one. */
static gboolean
load_template(NyCli *cli, const char *option_path, char **out_name, char **out_text, GError **error)
{
    const char *path = option_path ? option_path : cli->config->letter_template;
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    GStatBuf st;

    if (path == NULL) {
        *out_name = g_strdup(NY_TEMPLATE_DEFAULT_NAME);
        *out_text = g_strdup(ny_template_default());
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
    if (!ny_template_check(path, text, len, error))
        return FALSE;
    *out_name = g_strdup(path);
    *out_text = g_steal_pointer(&text);
    return TRUE;
}

static char *
render_letter(NyCli *cli, const NyReplyOptions *o, const char *name, const char *tmpl_name,
              const char *tmpl, GArray *slots, GTimeZone *their_zone, GError **error)
{
    g_autoptr(GHashTable) v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_autoptr(GPtrArray) phrases = g_ptr_array_new_with_free_func(g_free);
    const NyConfig *c = cli->config;
    g_autofree char *letter = NULL;

    g_hash_table_insert(v, g_strdup("name"), g_strdup(name));
    g_hash_table_insert(v, g_strdup("first_name"), first_word(name));
    g_hash_table_insert(v, g_strdup("met"), g_strdup(o->met));
    g_hash_table_insert(v, g_strdup("closing"), g_strdup(o->closing));
    g_hash_table_insert(v, g_strdup("my_name"), g_strdup(c->name));
    g_hash_table_insert(v, g_strdup("my_first_name"), c->name ? first_word(c->name) : NULL);
    g_hash_table_insert(v, g_strdup("my_email"), g_strdup(c->email));
    g_hash_table_insert(v, g_strdup("my_phone"), g_strdup(c->phone));
    g_hash_table_insert(v, g_strdup("duration"), ny_phrase_duration(c->availability.slot_minutes));
    for (guint i = 0; i < slots->len; i++) {
        char *phrase = ny_cmd_slot_phrase(cli, g_array_index(slots, NyInterval, i).start,
                                          their_zone, o->their_tz);
        g_hash_table_insert(v, g_strdup_printf("slot%u", i + 1), g_strdup(phrase));
        g_ptr_array_add(phrases, phrase);
    }
    g_ptr_array_add(phrases, NULL);
    g_hash_table_insert(v, g_strdup("slots"), ny_phrase_join((const char *const *)phrases->pdata));
    letter = ny_template_render(tmpl_name, tmpl, strlen(tmpl), v, error);
    if (letter == NULL)
        return NULL;
    /* A long slot phrase (--their-tz, a date) would make one ragged line. */
    return ny_template_reflow(letter, NY_TEMPLATE_WIDTH);
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
         "Their time zone: each time also in theirs", "ZONE"},
        {"template", 0, 0, G_OPTION_ARG_FILENAME, &o->template_path,
         "Use this letter template instead of [letter] template", "FILE"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &o->dry_run, "Print the letter, record nothing",
         NULL},
    };

    g_array_append_vals(entries, rows, G_N_ELEMENTS(rows));
}

gboolean
ny_reply_check(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error)
{
    g_autoptr(GTimeZone) their_zone = NULL;

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
    if (o->their_tz != NULL) {
        their_zone = ny_zone_new(o->their_tz, error);
        if (their_zone == NULL) {
            g_prefix_error(error, "--their-tz: ");
            return FALSE;
        }
    }
    return TRUE;
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
    NyTime from;
    NyTime to;

    if (!ny_reply_check(cli, o, name, error))
        return FALSE;
    if (o->their_tz != NULL && (their_zone = ny_zone_new(o->their_tz, error)) == NULL)
        return FALSE;
    if (!load_template(cli, o->template_path, &tmpl_name, &tmpl, error))
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
        if (!ny_slots_pick(&cli->config->availability, cli->zone, cli->now, busy, taken, &slots,
                           error))
            return FALSE;
        letter = render_letter(cli, o, name, tmpl_name, tmpl, slots, their_zone, error);
        return letter != NULL && ny_cli_print(letter, error);
    }

    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    /* One transaction: two replies at once never offer the same slot. */
    if (!ny_store_begin(store, error))
        return FALSE;
    if (!ny_store_taken(store, 0, taken, error) ||
        !ny_slots_pick(&cli->config->availability, cli->zone, cli->now, busy, taken, &slots,
                       error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    letter = render_letter(cli, o, name, tmpl_name, tmpl, slots, their_zone, error);
    if (letter == NULL) {
        ny_store_rollback(store);
        return FALSE;
    }
    f = ny_followup_new();
    f->name = g_strdup(name);
    f->email = g_strdup(o->email);
    f->met = g_strdup(o->met);
    f->their_tz = g_strdup(o->their_tz);
    f->state = NY_FOLLOWUP_OFFERED;
    g_array_append_vals(f->slots, slots->data, slots->len);
    if ((decision != NULL &&
         !ny_store_add_decision(store, name, cli->now, decision->answers, decision->verdict,
                                decision->no_call, NULL, error)) ||
        !ny_store_add_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
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
    g_auto(NyReplyOptions) o = {0};
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
    return ny_reply_run(cli, &o, name, NULL, error);
}
