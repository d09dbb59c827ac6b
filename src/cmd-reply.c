/* cmd-reply.c: `notyet reply NAME`, the "not yet, but let's talk" letter
 * with real open slots, recorded as a pending follow-up
 * (doc/slots-and-letter.md). The flow itself is replyflow.c's, shared with
 * `decide --reply`; this file parses the command line. */
#include "cmd-common.h"

gboolean
ny_cmd_reply(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.params = "NAME",
                                     .summary =
                                         "Write the reply letter with open slots, and record it",
                                     .max_args = 1,
                                     .missing = "whom to reply to? give their NAME",
                                     .hint = "quote a NAME with spaces"};
    g_auto(NyReplyOptions) o = {0};
    g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    g_autofree char *name = NULL;
    NyReplyRequest req = {0};

    ny_reply_add_entries(entries, &o);
    if (!ny_cmd_parse(cli, &usage, (const GOptionEntry *)entries->data, &argc, &argv, error))
        return cli->help;
    name = g_strstrip(g_strdup(argv[1]));
    if (o.decline) {
        g_autofree char *note = NULL;

        if (o.their_tz != NULL || o.their_hours != NULL || o.allow_new) {
            ny_cli_usage_error(cli, error, "--decline offers no times: drop %s",
                               o.their_tz != NULL      ? "--their-tz"
                               : o.their_hours != NULL ? "--their-hours"
                                                       : "--new");
            return FALSE;
        }
        note = ny_reply_decline_note(cli, &o, name, error);
        return note != NULL && ny_cli_print(note, error);
    }
    req.name = name;
    return ny_reply_print(cli, &o, &req, error);
}
