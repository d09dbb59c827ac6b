/* cmd-reply.c: not implemented yet. */
#include "cli.h"

gboolean
ny_cmd_reply(NyCli *cli, int argc, char **argv, GError **error)
{
    if (!ny_cli_parse(cli, "NAME", "Write the reply letter", NULL, &argc, &argv, error))
        return FALSE;
    if (cli->help)
        return TRUE;
    g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED, "'%s' is not implemented yet",
                cli->command);
    return FALSE;
}
