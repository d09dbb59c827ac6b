/* cmd-close.c: `notyet done ID` and `notyet cancel ID`, closing a follow-up
 * (doc/store.md, "Follow-up rules"). The rules, which state may close and
 * when, are followup.c's. */
#include "cmd-common.h"

static gboolean
close_followup(NyCli *cli, const char *id_text, NyFollowupState to, gboolean send, GError **error)
{
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyHolds) holds = NULL;
    g_autoptr(GPtrArray) events = NULL;
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *cache_path = NULL;
    NySourcesOptions sources;
    g_autoptr(NyFollowup) f = NULL;
    g_autofree char *text = NULL;
    NyFollowupAction action =
        to == NY_FOLLOWUP_DONE ? NY_FOLLOWUP_ACTION_DONE : NY_FOLLOWUP_ACTION_CANCEL;
    NyFollowupFacts facts;
    gboolean was_booked;
    gint64 id = 0;

    if (!ny_cmd_parse_id(cli, id_text, &id, error))
        return FALSE;
    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    /* done leaves the booked call on the calendar as it is; cancel takes
     * it and any hold away (doc/calendar-writes.md). */
    if (to == NY_FOLLOWUP_CANCELLED) {
        events = ny_store_list_events(store, id, error);
        if (events == NULL)
            return FALSE;
        if (events->len > 0 && !ny_cmd_check_offline_write(cli, "cancel", FALSE, error))
            return FALSE;
        if (events->len > 0 && !ny_cmd_holds_open(cli, store, &sources, &cache_path, &holds, error))
            return FALSE;
    }
    if (!ny_store_begin(store, error))
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
    if (holds != NULL && was_booked) {
        NyInvite inv = ny_cmd_invite_for(cli, f);

        /* In the transaction: a cancellation the server refused leaves
         * the follow-up booked, as the calendar says. */
        if (!ny_holds_cancel(holds, store, f, &inv, send, notes, error)) {
            ny_store_rollback(store);
            return FALSE;
        }
    }
    if (!ny_store_update_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        /* Not taken back, unlike book's call: a cancellation the server
         * may have sent already cannot be unsent (doc/calendar-writes.md,
         * "Order and failure"); the next cancel finishes it. */
        if (holds != NULL && was_booked)
            g_prefix_error(error,
                           "the call is cancelled on the calendar but not in the store; run "
                           "'notyet cancel %" G_GINT64_FORMAT "%s' again: ",
                           id, send ? " --send" : "");
        return FALSE;
    }
    if (holds != NULL && !ny_holds_release(holds, store, id, notes, error))
        return FALSE;
    ny_cmd_print_notes(cli, notes);
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
    static const NyCmdUsage usage = NY_CMD_ID_USAGE("Mark a booked call as done");

    if (!ny_cmd_parse(cli, &usage, NULL, &argc, &argv, error))
        return cli->help;
    return close_followup(cli, argv[1], NY_FOLLOWUP_DONE, FALSE, error);
}

gboolean
ny_cmd_cancel(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = NY_CMD_ID_USAGE("Cancel a follow-up (offered or booked)");
    gboolean send = FALSE;
    const GOptionEntry entries[] = {
        {"send", 0, 0, G_OPTION_ARG_NONE, &send,
         "Let the calendar server send the cancellation (RFC 6638 scheduling)", NULL},
        G_OPTION_ENTRY_NULL,
    };

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    return close_followup(cli, argv[1], NY_FOLLOWUP_CANCELLED, send, error);
}
