/* cmd-followups.c: `notyet followups [--all]`, the pending follow-up calls,
 * soonest first (doc/store.md, "Follow-up states"). */
#include "cmd-common.h"

typedef struct {
    NyFollowup *f;
    NyTime key;
} Row;

/* What "soonest" means per state: a booked call by its time, an offer by its
 * first slot still ahead, an expired one by when it expired (at or before
 * now, so the ones that need a nudge come first), a closed one by its
 * booked or first slot. */
static NyTime
sort_key(NyCli *cli, const NyFollowup *f)
{
    NyTime now = cli->now;
    NyTime key = G_MAXINT64;

    if (f->has_booked && f->state != NY_FOLLOWUP_OFFERED)
        return f->booked.start;
    if (ny_cmd_followup_status(cli, f) == NY_FOLLOWUP_STATUS_EXPIRED) {
        NyFollowupFacts facts;

        ny_replyflow_facts(f, &facts);
        key = facts.letter_at + (NyTime)cli->config->availability.offer_days * 86400;
        if (f->slots != NULL && f->slots->len > 0)
            key = MIN(key, g_array_index(f->slots, NyInterval, f->slots->len - 1).start);
        return MIN(key, now);
    }
    for (guint i = 0; f->slots != NULL && i < f->slots->len; i++) {
        NyTime s = g_array_index(f->slots, NyInterval, i).start;
        if (s > now && s < key)
            key = s;
    }
    if (key == G_MAXINT64 && f->slots != NULL && f->slots->len > 0)
        key = g_array_index(f->slots, NyInterval, f->slots->len - 1).start;
    return key;
}

static gint
compare_rows(gconstpointer a, gconstpointer b)
{
    const Row *x = a;
    const Row *y = b;

    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->f->id < y->f->id ? -1 : x->f->id > y->f->id;
}

static char *
who(const NyFollowup *f)
{
    if (f->email != NULL)
        return g_strdup_printf("%s <%s>", f->name, f->email);
    return g_strdup(f->name);
}

static char *
render_text(NyCli *cli, GArray *rows)
{
    GString *s = g_string_new(NULL);

    if (rows->len == 0)
        g_string_append(s, "(no pending follow-ups)\n");
    for (guint i = 0; i < rows->len; i++) {
        const NyFollowup *f = g_array_index(rows, Row, i).f;
        NyFollowupStatus status = ny_cmd_followup_status(cli, f);
        g_autofree char *person = who(f);
        NyFollowupFacts facts;

        ny_replyflow_facts(f, &facts);
        g_string_append_printf(s, "#%" G_GINT64_FORMAT "  %s  ", f->id, person);
        if (status == NY_FOLLOWUP_STATUS_OFFERED || status == NY_FOLLOWUP_STATUS_EXPIRED) {
            g_string_append(s, status == NY_FOLLOWUP_STATUS_EXPIRED
                                   ? "expired: no answer in time, needs a nudge (notyet "
                                     "nudge ID)"
                                   : "offered, awaiting their answer");
            if (f->nudges > 0)
                g_string_append_printf(s, " (nudged %d time%s)", f->nudges,
                                       f->nudges == 1 ? "" : "s");
            g_string_append_c(s, '\n');
            for (guint k = 0; f->slots != NULL && k < f->slots->len; k++) {
                g_autofree char *p =
                    ny_cmd_followup_phrase(cli, f, g_array_index(f->slots, NyInterval, k).start);
                g_string_append_printf(s, "    %u. %s\n", k + 1, p);
            }
        } else if (ny_followup_call_passed(&facts, cli->now)) {
            g_autofree char *p = ny_cmd_followup_phrase(cli, f, f->booked.start);
            g_string_append_printf(
                s, "call time passed: done? (%s; notyet done %" G_GINT64_FORMAT ")\n", p, f->id);
        } else if (f->has_booked) {
            g_autofree char *p = ny_cmd_followup_phrase(cli, f, f->booked.start);
            g_string_append_printf(s, "%s: %s\n", ny_followup_status_to_string(status), p);
        } else {
            g_string_append_printf(s, "%s\n", ny_followup_status_to_string(status));
        }
    }
    return g_string_free(s, FALSE);
}

gboolean
ny_cmd_followups(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.summary = "List pending follow-up calls, soonest first"};
    gboolean all = FALSE;
    const GOptionEntry entries[] = {
        {"all", 'a', 0, G_OPTION_ARG_NONE, &all, "Also list done and cancelled follow-ups", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GArray) rows = g_array_new(FALSE, FALSE, sizeof(Row));
    g_autofree char *out = NULL;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (!ny_cmd_store_if_exists(cli, &store, error))
        return FALSE;
    if (store != NULL) {
        list = ny_store_list_followups(store, all, error);
        if (list == NULL)
            return FALSE;
        for (guint i = 0; i < list->len; i++) {
            Row r = {g_ptr_array_index(list, i), 0};
            r.key = sort_key(cli, r.f);
            g_array_append_val(rows, r);
        }
        g_array_sort(rows, compare_rows);
    }
    if (cli->json) {
        g_autoptr(JsonBuilder) b = json_builder_new();
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "followups");
        json_builder_begin_array(b);
        for (guint i = 0; i < rows->len; i++)
            ny_cmd_followup_to_json(cli, b, g_array_index(rows, Row, i).f);
        json_builder_end_array(b);
        json_builder_end_object(b);
        out = ny_cli_json_text(b);
    } else {
        out = render_text(cli, rows);
    }
    return ny_cli_print(out, error);
}
