/* cmd-decisions.c: `notyet decisions [NAME]`, the decisions `decide`
 * recorded, newest first (doc/store.md, "Decisions"). Read-only: without a
 * store yet, there is nothing to list and none is created. */
#include "cmd-common.h"

/* "know: yes, trust: no": the questions that were asked. */
static void
append_answers(GString *s, const NyDecisionRecord *d)
{
    gboolean first = TRUE;

    for (int q = 0; q < NY_QUESTION_COUNT; q++) {
        if (d->answers[q] == NY_ANSWER_UNSET)
            continue;
        g_string_append_printf(s, "%s%s: %s", first ? "" : ", ", ny_question_name((NyQuestion)q),
                               d->answers[q] == NY_ANSWER_YES ? "yes" : "no");
        first = FALSE;
    }
    if (d->no_call)
        g_string_append_printf(s, "%sno call", first ? "" : ", ");
}

static char *
render_text(NyCli *cli, const char *name, GPtrArray *list)
{
    GString *s = g_string_new(NULL);

    if (list->len == 0) {
        if (name != NULL)
            g_string_append_printf(s, "(no decisions recorded for '%s')\n", name);
        else
            g_string_append(s, "(no decisions recorded)\n");
    }
    for (guint i = 0; i < list->len; i++) {
        const NyDecisionRecord *d = g_ptr_array_index(list, i);
        g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(d->at);
        g_autoptr(GDateTime) local = utc ? g_date_time_to_timezone(utc, cli->zone) : NULL;
        g_autofree char *when = local ? g_date_time_format(local, "%Y-%m-%d %H:%M") : NULL;

        g_string_append_printf(s, "%s  %s  %s", when ? when : "?", ny_verdict_to_label(d->verdict),
                               d->name);
        if (d->no_call || d->answers[0] != NY_ANSWER_UNSET) {
            g_string_append(s, "  (");
            append_answers(s, d);
            g_string_append(s, ")");
        }
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

static char *
render_json(GPtrArray *list)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "decisions");
    json_builder_begin_array(b);
    for (guint i = 0; i < list->len; i++) {
        const NyDecisionRecord *d = g_ptr_array_index(list, i);
        g_autofree char *at = ny_time_format_utc(d->at);

        json_builder_begin_object(b);
        json_builder_set_member_name(b, "name");
        json_builder_add_string_value(b, d->name);
        json_builder_set_member_name(b, "at");
        json_builder_add_string_value(b, at);
        json_builder_set_member_name(b, "verdict");
        json_builder_add_string_value(b, ny_verdict_to_string(d->verdict));
        json_builder_set_member_name(b, "answers");
        ny_cli_json_add_answers(b, d->answers);
        json_builder_set_member_name(b, "no_call");
        json_builder_add_boolean_value(b, d->no_call);
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    json_builder_end_object(b);
    return ny_cli_json_text(b);
}

gboolean
ny_cmd_decisions(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.params = "[NAME]",
                                     .summary = "List the recorded decisions, newest first",
                                     .max_args = 1,
                                     .hint = "quote a NAME with spaces"};
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autofree char *name = NULL;
    g_autofree char *out = NULL;

    if (!ny_cmd_parse(cli, &usage, NULL, &argc, &argv, error))
        return cli->help;
    if (argc == 2) {
        name = g_strstrip(g_strdup(argv[1]));
        if (!ny_cli_check_name(cli, name, error))
            return FALSE;
    }
    if (!ny_cmd_store_if_exists(cli, &store, error))
        return FALSE;
    if (store != NULL) {
        list = ny_store_list_decisions(store, name, 0, error);
        if (list == NULL)
            return FALSE;
    } else {
        list = g_ptr_array_new();
    }
    out = cli->json ? render_json(list) : render_text(cli, name, list);
    return ny_cli_print(out, error);
}
