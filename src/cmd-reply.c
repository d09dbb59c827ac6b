/* cmd-reply.c: `notyet reply NAME`, the "not yet, but let's talk" letter
 * with real open slots, recorded as a pending follow-up (DESIGN.md sections
 * 2, 5, 6 and 7). The flow itself is replyflow.c's, shared with `decide
 * --reply`; this file parses the command line. */
#include "cmd-common.h"

gboolean
ny_cmd_reply(NyCli *cli, int argc, char **argv, GError **error)
{
    g_auto(NyReplyOptions) o = {0};
    g_autoptr(GArray) entries = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    g_autofree char *name = NULL;
    NyReplyRequest req = {0};

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
    req.name = name;
    return ny_reply_print(cli, &o, &req, error);
}
