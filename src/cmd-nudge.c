/* cmd-nudge.c: `notyet nudge ID`, a short second letter with new times for
 * an offer that got no answer (doc/store.md, "Follow-up rules"). The flow is
 * replyflow.c's; whether a follow-up may be nudged is followup.c's. */
#include "cmd-common.h"

gboolean
ny_cmd_nudge(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage =
        NY_CMD_ID_USAGE("Send new times for an offer that got no answer");
    g_autofree char *template_path = NULL;
    gboolean dry_run = FALSE;
    gboolean no_hold = FALSE;
    const GOptionEntry entries[] = {
        {"template", 0, 0, G_OPTION_ARG_FILENAME, &template_path,
         "Use this template instead of [letter] nudge_template", "FILE"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &dry_run, "Print the letter, record nothing", NULL},
        {"no-hold", 0, 0, G_OPTION_ARG_NONE, &no_hold, "Write no holds for the new times", NULL},
        G_OPTION_ENTRY_NULL,
    };
    NyNudgeRequest req = {0};
    NySourcesOptions sources;
    NyFlowContext ctx;
    g_autofree char *cache_path = NULL;
    g_autofree char *db_path = NULL;
    g_auto(NyReplyResult) result = {0};
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    gboolean ok;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (!ny_cmd_parse_id(cli, argv[1], &req.id, error))
        return FALSE;
    if (cli->json) {
        ny_cli_usage_error(cli, error, "nudge writes a letter; it has no JSON form");
        return FALSE;
    }
    req.template_path = template_path;
    req.dry_run = dry_run;
    req.no_hold = no_hold;
    /* With --no-hold the old holds stay until a later run online. */
    if (!dry_run && !no_hold && !ny_cmd_check_offline_write(cli, "nudge", TRUE, error))
        return FALSE;
    db_path = ny_cmd_db_path(cli);
    if (!g_file_test(db_path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_NOT_FOUND,
                    "no follow-up with id %" G_GINT64_FORMAT, req.id);
        return FALSE;
    }
    ny_cmd_sources_options(cli, &sources, &cache_path);
    ny_cmd_flow_context(cli, &sources, db_path, &ctx);
    ok = ny_replyflow_nudge(&ctx, &req, warnings, &result, error);
    if (!ny_cmd_lookup_done(cli, &sources, warnings, ok, error))
        return FALSE;
    if (!ny_cli_print(result.letter, error))
        return FALSE;
    if (result.id != 0 && !cli->quiet)
        g_printerr("follow-up #%" G_GINT64_FORMAT " nudged: new times recorded\n", result.id);
    return TRUE;
}
