/* cmd-decide.c: not implemented yet. */
#include "cli.h"

gboolean
ny_cmd_decide(NyCli *cli, int argc, char **argv, GError **error)
{
    if (!ny_cli_parse(cli, "[NAME]", "Walk the three questions for a connection invite", NULL,
                      &argc, &argv, error))
        return FALSE;
    if (cli->help)
        return TRUE;
    g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED, "'%s' is not implemented yet",
                cli->command);
    return FALSE;
}
