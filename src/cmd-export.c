/* cmd-export.c: `notyet export ID [-o FILE]`, the iTIP invite of a booked
 * call (METHOD:REQUEST), or METHOD:CANCEL once it is cancelled; `export
 * --all` writes every upcoming booked call as one calendar for import
 * (doc/notyet.1 and doc/calendar-writes.md). */
#include <string.h>

#include "cmd-common.h"
#include "notyet/invite.h"

typedef struct {
    char *output;
    gboolean force;
    gboolean all;
} ExportOptions;

static void
export_options_clear(ExportOptions *o)
{
    g_clear_pointer(&o->output, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(ExportOptions, export_options_clear)

/* -o FILE: never over an existing file without --force; written whole or
 * not at all (a temporary file renamed over it), private to the user. */
static gboolean
write_output(const ExportOptions *o, const char *text, GError **error)
{
    g_autoptr(GError) local = NULL;

    if (!o->force && g_file_test(o->output, G_FILE_TEST_EXISTS)) {
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                    "'%s' exists: add --force to replace it", o->output);
        return FALSE;
    }
    if (!g_file_set_contents_full(o->output, text, -1,
                                  G_FILE_SET_CONTENTS_CONSISTENT | G_FILE_SET_CONTENTS_DURABLE,
                                  0600, &local)) {
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED, "cannot write '%s': %s", o->output,
                    local->message);
        return FALSE;
    }
    return TRUE;
}

static gboolean
export_all(NyCli *cli, NyStore *store, NyInvite **out_invites, guint *out_n, GPtrArray **out_keep,
           GError **error)
{
    g_autoptr(GPtrArray) list = ny_store_list_followups(store, FALSE, error);
    g_autoptr(GArray) invites = g_array_new(FALSE, FALSE, sizeof(NyInvite));

    if (list == NULL)
        return FALSE;
    for (guint i = 0; i < list->len; i++) {
        const NyFollowup *f = g_ptr_array_index(list, i);
        if (f->state == NY_FOLLOWUP_BOOKED && f->has_booked && f->uid != NULL &&
            f->booked.end > cli->now) {
            NyInvite inv = ny_cmd_invite_for(cli, f);
            g_array_append_val(invites, inv);
        }
    }
    *out_n = invites->len;
    *out_invites = (NyInvite *)(void *)g_array_free(g_steal_pointer(&invites), FALSE);
    *out_keep = g_steal_pointer(&list); /* the invites borrow its strings */
    return TRUE;
}

gboolean
ny_cmd_export(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {
        .params = "ID", .summary = "Write the .ics invite for a booked call", .max_args = 1};
    g_auto(ExportOptions) o = {0};
    const GOptionEntry entries[] = {
        {"output", 'o', 0, G_OPTION_ARG_FILENAME, &o.output,
         "Write the invite to FILE instead of stdout", "FILE"},
        {"force", 'f', 0, G_OPTION_ARG_NONE, &o.force, "Replace FILE when it exists", NULL},
        {"all", 'a', 0, G_OPTION_ARG_NONE, &o.all,
         "Every upcoming booked call as one calendar, for import", NULL},
        G_OPTION_ENTRY_NULL,
    };
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autoptr(GPtrArray) keep = NULL;
    g_autofree NyInvite *invites = NULL;
    g_autofree char *text = NULL;
    guint n = 0;
    NyInviteMethod method = NY_INVITE_METHOD_REQUEST;
    gint64 id = 0;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (o.all != (argc == 1)) {
        ny_cli_usage_error(cli, error,
                           o.all ? "--all takes no ID" : "which follow-up? give its ID, or --all");
        return FALSE;
    }
    if (!o.all && !ny_cmd_parse_id(cli, argv[1], &id, error))
        return FALSE;

    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    if (o.all) {
        if (!export_all(cli, store, &invites, &n, &keep, error))
            return FALSE;
        method = NY_INVITE_METHOD_NONE;
    } else {
        f = ny_store_get_followup(store, id, error);
        if (f == NULL)
            return FALSE;
        if (!f->has_booked || f->uid == NULL) {
            g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                        "follow-up #%" G_GINT64_FORMAT " (%s) is %s and was never booked: "
                        "nothing to export",
                        id, f->name, ny_followup_status_to_string(ny_cmd_followup_status(cli, f)));
            return FALSE;
        }
        invites = g_new0(NyInvite, 1);
        invites[0] = ny_cmd_invite_for(cli, f);
        n = 1;
        method =
            f->state == NY_FOLLOWUP_CANCELLED ? NY_INVITE_METHOD_CANCEL : NY_INVITE_METHOD_REQUEST;
        /* RFC 5546 needs an organizer and an attendee address; without them
         * the file is a plain event the other side can still import. */
        if (cli->config->email == NULL || f->email == NULL) {
            ny_cli_warn(cli, "%s: writing a plain calendar event, not an invitation",
                        cli->config->email == NULL ? "no 'email' in [me]"
                                                   : "no email for this contact (reply --email)");
            method = NY_INVITE_METHOD_NONE;
        }
    }
    text = ny_invite_build(invites, n, method, cli->now, error);
    if (text == NULL)
        return FALSE;
    if (o.output != NULL)
        return write_output(&o, text, error);
    return ny_cli_print(text, error);
}
