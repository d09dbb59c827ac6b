/* cmd-close.c: `notyet done ID` and `notyet cancel ID`, closing a follow-up
 * (doc/store.md, "Follow-up rules"). The rules, which state may close and
 * when, are followup.c's. */
#include "cmd-common.h"

static gboolean
close_followup(NyCli *cli, int argc, char **argv, NyFollowupState to, GError **error)
{
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autofree char *text = NULL;
    NyFollowupAction action =
        to == NY_FOLLOWUP_DONE ? NY_FOLLOWUP_ACTION_DONE : NY_FOLLOWUP_ACTION_CANCEL;
    NyFollowupFacts facts;
    gboolean was_booked;
    gint64 id = 0;

    if (!ny_cmd_one_id(cli, argc, argv, &id, error))
        return FALSE;
    store = ny_cli_open_store(cli, error);
    if (store == NULL || !ny_store_begin(store, error))
        return FALSE;
    f = ny_store_get_followup(store, id, error);
    if (f == NULL) {
        ny_store_rollback(store);
        return FALSE;
    }
    was_booked = f->state == NY_FOLLOWUP_BOOKED;
    ny_replyflow_facts(f, &facts);
    if (!ny_followup_check(&facts, action, cli->config->availability.offer_days, cli->now,
                           cli->zone, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    f->sequence = ny_followup_next_sequence(&facts, action, NULL);
    f->state = to;
    if (!ny_store_update_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    if (to == NY_FOLLOWUP_DONE)
        text = g_strdup_printf("done #%" G_GINT64_FORMAT " %s\n", id, f->name);
    else if (was_booked)
        text = g_strdup_printf("cancelled #%" G_GINT64_FORMAT " %s\n"
                               "send the cancellation: notyet export %" G_GINT64_FORMAT
                               " -o cancel.ics\n",
                               id, f->name, id);
    else
        text = g_strdup_printf("cancelled #%" G_GINT64_FORMAT " %s; its times are free again\n", id,
                               f->name);
    return ny_cmd_print_followup(cli, f, text, error);
}

gboolean
ny_cmd_done(NyCli *cli, int argc, char **argv, GError **error)
{
    if (!ny_cli_parse(cli, "ID", "Mark a booked call as done", NULL, &argc, &argv, error))
        return FALSE;
    if (cli->help)
        return TRUE;
    return close_followup(cli, argc, argv, NY_FOLLOWUP_DONE, error);
}

gboolean
ny_cmd_cancel(NyCli *cli, int argc, char **argv, GError **error)
{
    if (!ny_cli_parse(cli, "ID", "Cancel a follow-up (offered or booked)", NULL, &argc, &argv,
                      error))
        return FALSE;
    if (cli->help)
        return TRUE;
    return close_followup(cli, argc, argv, NY_FOLLOWUP_CANCELLED, error);
}
