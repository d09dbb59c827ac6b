/* cmd-common.c: what the commands share (cmd-common.h). */
#include "cmd-common.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "notyet/cache.h"
#include "notyet/phrase.h"
#include "notyet/sources.h"

gboolean
ny_cmd_parse(NyCli *cli, const NyCmdUsage *usage, const GOptionEntry *entries, int *argc,
             char ***argv, GError **error)
{
    if (!ny_cli_parse(cli, usage->params, usage->summary, entries, argc, argv, error)) {
        /* Help that could not be printed is a failure like any other. */
        cli->help = FALSE;
        return FALSE;
    }
    if (cli->help)
        return FALSE;
    if (*argc < 2 && usage->missing != NULL) {
        ny_cli_usage_error(cli, error, "%s", usage->missing);
        return FALSE;
    }
    if (*argc - 1 > usage->max_args) {
        const char *extra = (*argv)[usage->max_args + 1];

        if (usage->hint != NULL)
            ny_cli_usage_error(cli, error, "unexpected argument '%s' (%s)", extra, usage->hint);
        else
            ny_cli_usage_error(cli, error, "unexpected argument '%s'", extra);
        return FALSE;
    }
    return TRUE;
}

/* The lookup's -v lines, HTTP trace and one-line terminal progress. */
static void
lookup_info(int level, const char *line, gpointer data)
{
    g_autofree char *shown = ny_cli_printable(line);

    (void)level;
    (void)data;
    fprintf(stderr, "notyet: %s\n", shown);
}

void
ny_cmd_trace_line(const char *line, gpointer data)
{
    g_autofree char *shown = ny_cli_printable(line);

    (void)data;
    fprintf(stderr, "notyet: http: %s\n", shown);
}

void
ny_cmd_progress_line(const char *what, gpointer data)
{
    g_autofree char *shown = ny_cli_printable(what);

    (void)data;
    fprintf(stderr, "\r\033[K%s", shown);
    fflush(stderr);
}

void
ny_cmd_sources_options(NyCli *cli, NySourcesOptions *out, char **out_cache_path)
{
    char *cache_path = ny_config_cache_path(cli->db_path);

    memset(out, 0, sizeof(*out));
    out->offline = cli->offline;
    /* The real clock: a sync is recorded at the time it happened, --now
     * or not. */
    out->clock = cli->clock_now;
    out->cache_path = cache_path;
    out->verbose = cli->verbose;
    /* The differential test's reference order (tests/integration). */
    out->sequential = cli->config != NULL && cli->config->lookup_sequential;
    out->info = lookup_info;
    if (cli->verbose >= 2)
        out->trace = ny_cmd_trace_line;
    else if (!cli->quiet && isatty(STDERR_FILENO))
        out->progress = ny_cmd_progress_line;
    *out_cache_path = cache_path;
}

char *
ny_cmd_db_path(NyCli *cli)
{
    return ny_config_store_path(cli->db_path);
}

void
ny_cmd_flow_context(NyCli *cli, const NySourcesOptions *sources, const char *db_path,
                    NyFlowContext *out)
{
    memset(out, 0, sizeof(*out));
    out->config = cli->config;
    out->zone = cli->zone;
    out->zone_name = cli->zone_name;
    out->now = cli->now;
    out->ics = (const char *const *)cli->ics;
    out->db_path = db_path;
    out->sources = sources;
}

gboolean
ny_cmd_lookup_done(NyCli *cli, const NySourcesOptions *sources, GPtrArray *warnings, gboolean ok,
                   GError **error)
{
    if (sources->progress != NULL)
        fputs("\r\033[K", stderr);
    for (guint i = 0; warnings != NULL && i < warnings->len; i++)
        ny_cli_warn(cli, "%s", (const char *)g_ptr_array_index(warnings, i));
    if (!ok) {
        if (g_error_matches(*error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_NO_SOURCE)) {
            g_autofree char *msg = g_strdup((*error)->message);
            g_clear_error(error);
            ny_cli_usage_error(cli, error, "%s", msg);
        }
        return FALSE;
    }
    return TRUE;
}

void
ny_cmd_busy_window(NyCli *cli, NyTime *out_from, NyTime *out_to)
{
    ny_replyflow_busy_window(&cli->config->availability, cli->now, out_from, out_to);
}

gboolean
ny_cmd_busy_lookup(NyCli *cli, NyTime from, NyTime to, GArray **out_busy, GError **error)
{
    return ny_cmd_busy_lookup_ignoring(cli, from, to, NULL, out_busy, error);
}

gboolean
ny_cmd_busy_lookup_ignoring(NyCli *cli, NyTime from, NyTime to, const char *const *ignore_uids,
                            GArray **out_busy, GError **error)
{
    NySourcesOptions sources;
    NyFlowContext ctx;
    g_autofree char *cache_path = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) busy = NULL;
    gboolean ok;

    ny_cmd_sources_options(cli, &sources, &cache_path);
    ny_cmd_flow_context(cli, &sources, NULL, &ctx);
    ctx.ignore_uids = ignore_uids;
    ok = ny_replyflow_busy(&ctx, from, to, warnings, &busy, error);
    if (!ny_cmd_lookup_done(cli, &sources, warnings, ok, error))
        return FALSE;
    *out_busy = g_steal_pointer(&busy);
    return TRUE;
}

gboolean
ny_cmd_check_offline_write(NyCli *cli, const char *command, gboolean has_no_hold, GError **error)
{
    const NyCalendarConfig *target = ny_holds_target(cli->config);

    if (!cli->offline || target == NULL)
        return TRUE;
    ny_cli_usage_error(cli, error,
                       "--offline: %s writes to the calendar '%s' (holds=%s), which needs the "
                       "network; %s",
                       command, target->name, target->holds,
                       has_no_hold ? "add --no-hold to go on without writing to it"
                                   : "run it without --offline");
    return FALSE;
}

NyInvite
ny_cmd_invite_for(NyCli *cli, const NyFollowup *f)
{
    NyInvite inv = {
        .uid = f->uid,
        .sequence = f->sequence,
        .cancelled = f->state == NY_FOLLOWUP_CANCELLED,
        .start = f->booked.start,
        .end = f->booked.end,
        .tzid = cli->zone_name,
        .organizer_name = cli->config->name,
        .organizer_email = cli->config->email,
        .attendee_name = f->name,
        .attendee_email = f->email,
        .phone = cli->config->phone,
    };
    return inv;
}

gboolean
ny_cmd_holds_open(NyCli *cli, NyStore *store, NySourcesOptions *sources, char **out_cache_path,
                  NyHolds **out, GError **error)
{
    NyFlowContext ctx;

    *out = NULL;
    ny_cmd_sources_options(cli, sources, out_cache_path);
    if (cli->offline)
        return TRUE;
    ny_cmd_flow_context(cli, sources, NULL, &ctx);
    return ny_replyflow_holds_open(&ctx, store, out, error);
}

void
ny_cmd_print_notes(NyCli *cli, GPtrArray *notes)
{
    for (guint i = 0; notes != NULL && i < notes->len; i++)
        ny_cli_warn(cli, "%s", (const char *)g_ptr_array_index(notes, i));
}

gboolean
ny_cmd_store_if_exists(NyCli *cli, NyStore **out_store, GError **error)
{
    g_autofree char *path = ny_cmd_db_path(cli);

    *out_store = NULL;
    if (!g_file_test(path, G_FILE_TEST_EXISTS))
        return TRUE;
    *out_store = ny_store_open(path, error);
    return *out_store != NULL;
}

gboolean
ny_cmd_taken(NyCli *cli, NyStore *store, gint64 except_id, GArray *out, GError **error)
{
    return ny_replyflow_taken(store, &cli->config->availability, cli->now, except_id, out, error);
}

char *
ny_cmd_slot_phrase(NyCli *cli, NyTime t, GTimeZone *their_zone, const char *their_name)
{
    return ny_phrase_slot(t, cli->now, cli->zone, cli->zone_name, their_zone, their_name);
}

char *
ny_cmd_followup_phrase(NyCli *cli, const NyFollowup *f, NyTime t)
{
    /* A zone stored by an older notyet that this system does not know
     * just goes unmentioned. */
    g_autoptr(GTimeZone) theirs = f->their_tz != NULL ? ny_zone_new(f->their_tz, NULL) : NULL;

    return ny_cmd_slot_phrase(cli, t, theirs, theirs != NULL ? f->their_tz : NULL);
}

gboolean
ny_cmd_parse_id(NyCli *cli, const char *text, gint64 *out_id, GError **error)
{
    const char *p = text;
    guint64 id = 0;

    if (*p == '#')
        p++;
    if (!g_ascii_string_to_unsigned(p, 10, 1, G_MAXINT64, &id, NULL)) {
        ny_cli_usage_error(cli, error,
                           "'%s' is not a follow-up id (a number, as 'notyet "
                           "followups' shows)",
                           text);
        return FALSE;
    }
    *out_id = (gint64)id;
    return TRUE;
}

NyFollowupStatus
ny_cmd_followup_status(NyCli *cli, const NyFollowup *f)
{
    NyFollowupFacts facts;

    ny_replyflow_facts(f, &facts);
    return ny_followup_status(&facts, cli->config->availability.offer_days, cli->now);
}

gboolean
ny_cmd_followup_check(NyCli *cli, const NyFollowup *f, NyFollowupAction action, GError **error)
{
    NyFollowupFacts facts;

    ny_replyflow_facts(f, &facts);
    return ny_followup_check(&facts, action, cli->config->availability.offer_days, cli->now,
                             cli->zone, error);
}

static void
add_string_or_null(JsonBuilder *b, const char *name, const char *value)
{
    json_builder_set_member_name(b, name);
    if (value != NULL)
        json_builder_add_string_value(b, value);
    else
        json_builder_add_null_value(b);
}

void
ny_cmd_followup_to_json(NyCli *cli, JsonBuilder *b, const NyFollowup *f)
{
    NyFollowupFacts facts;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "id");
    json_builder_add_int_value(b, f->id);
    json_builder_set_member_name(b, "name");
    json_builder_add_string_value(b, f->name);
    add_string_or_null(b, "email", f->email);
    json_builder_set_member_name(b, "state");
    json_builder_add_string_value(b, ny_followup_status_to_string(ny_cmd_followup_status(cli, f)));
    json_builder_set_member_name(b, "slots");
    json_builder_begin_array(b);
    for (guint i = 0; f->slots != NULL && i < f->slots->len; i++)
        ny_cli_json_add_interval(b, &g_array_index(f->slots, NyInterval, i));
    json_builder_end_array(b);
    json_builder_set_member_name(b, "booked");
    if (f->has_booked)
        ny_cli_json_add_interval(b, &f->booked);
    else
        json_builder_add_null_value(b);
    add_string_or_null(b, "met", f->met);
    /* Their zone and day, as the letter used them (reply --their-tz). */
    add_string_or_null(b, "their_tz", f->their_tz);
    json_builder_set_member_name(b, "their_hours");
    if (f->their_tz != NULL && f->their_end_minute > f->their_start_minute) {
        g_autofree char *hours = g_strdup_printf(
            "%02d:%02d-%02d:%02d", f->their_start_minute / 60, f->their_start_minute % 60,
            f->their_end_minute / 60, f->their_end_minute % 60);
        json_builder_add_string_value(b, hours);
    } else {
        json_builder_add_null_value(b);
    }
    json_builder_set_member_name(b, "nudges");
    json_builder_add_int_value(b, f->nudges);
    json_builder_set_member_name(b, "call_passed");
    ny_replyflow_facts(f, &facts);
    json_builder_add_boolean_value(b, ny_followup_call_passed(&facts, cli->now));
    json_builder_end_object(b);
}

gboolean
ny_cmd_print_followup(NyCli *cli, const NyFollowup *f, const char *text, GError **error)
{
    g_autoptr(JsonBuilder) b = NULL;
    g_autofree char *out = NULL;

    if (!cli->json)
        return ny_cli_print(text, error);
    b = json_builder_new();
    json_builder_begin_object(b);
    json_builder_set_member_name(b, "followup");
    ny_cmd_followup_to_json(cli, b, f);
    json_builder_end_object(b);
    out = ny_cli_json_text(b);
    return ny_cli_print(out, error);
}

void
ny_reply_options_clear(NyReplyOptions *o)
{
    g_clear_pointer(&o->email, g_free);
    g_clear_pointer(&o->met, g_free);
    g_clear_pointer(&o->closing, g_free);
    g_clear_pointer(&o->their_tz, g_free);
    g_clear_pointer(&o->their_hours, g_free);
    g_clear_pointer(&o->template_path, g_free);
}

gboolean
ny_reply_options_given(const NyReplyOptions *o)
{
    return o->email || o->met || o->closing || o->their_tz || o->their_hours || o->template_path ||
           o->dry_run || o->allow_new || o->decline || o->no_hold;
}

void
ny_reply_add_entries(GArray *entries, NyReplyOptions *o)
{
    const GOptionEntry rows[] = {
        {"email", 0, 0, G_OPTION_ARG_STRING, &o->email, "Their email address, for the invite", "E"},
        {"met", 0, 0, G_OPTION_ARG_STRING, &o->met, "Where you met: \"Great to meet you TEXT.\"",
         "TEXT"},
        {"closing", 0, 0, G_OPTION_ARG_STRING, &o->closing, "A closing line before your name",
         "TEXT"},
        {"their-tz", 0, 0, G_OPTION_ARG_STRING, &o->their_tz,
         "Their time zone: only times inside their day, each also in theirs", "ZONE"},
        {"their-hours", 0, 0, G_OPTION_ARG_STRING, &o->their_hours,
         "Their day with --their-tz, instead of [availability] their_start/their_end",
         "HH:MM-HH:MM"},
        {"template", 0, 0, G_OPTION_ARG_FILENAME, &o->template_path,
         "Use this letter template instead of [letter] template", "FILE"},
        {"dry-run", 'n', 0, G_OPTION_ARG_NONE, &o->dry_run, "Print the letter, record nothing",
         NULL},
        {"new", 0, 0, G_OPTION_ARG_NONE, &o->allow_new,
         "A separate follow-up, though they have a pending one", NULL},
        {"decline", 0, 0, G_OPTION_ARG_NONE, &o->decline,
         "Write the short decline note instead: no call, no times, nothing recorded", NULL},
        {"no-hold", 0, 0, G_OPTION_ARG_NONE, &o->no_hold, "Write no holds on the holds= calendar",
         NULL},
    };

    g_array_append_vals(entries, rows, G_N_ELEMENTS(rows));
}

gboolean
ny_reply_check(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error)
{
    g_autoptr(GTimeZone) their_zone = NULL;
    NyAvailability day;

    if (!ny_cli_check_name(cli, name, error))
        return FALSE;
    if (o->met != NULL && !ny_cli_is_one_line(o->met)) {
        ny_cli_usage_error(cli, error, "--met: not one line of text (control characters)");
        return FALSE;
    }
    if (o->closing != NULL && !ny_cli_is_one_line(o->closing)) {
        ny_cli_usage_error(cli, error, "--closing: not one line of text (control characters)");
        return FALSE;
    }
    if (o->email != NULL && !ny_config_email_valid(o->email)) {
        ny_cli_usage_error(cli, error, "--email: '%s' is not an email address", o->email);
        return FALSE;
    }
    if (!o->dry_run && !o->decline && !o->no_hold &&
        !ny_cmd_check_offline_write(cli, "reply", TRUE, error))
        return FALSE;
    if (!ny_cli_their_day(cli, o->their_tz, o->their_hours, &day, &their_zone, error))
        return FALSE;
    if (cli->config->path == NULL) {
        /* No file at all: say where it goes and how to write it, as the
         * lookup does, rather than the first key a letter misses. */
        g_autofree char *path =
            cli->config_path != NULL ? g_strdup(cli->config_path) : ny_config_default_path();

        ny_cli_usage_error(cli, error,
                           "no configuration at '%s': run 'notyet init' to write one (a letter "
                           "needs [me] name, and busy times a [calendar NAME] or --ics FILE)",
                           path);
        return FALSE;
    }
    return ny_replyflow_check_signer(cli->config, error);
}

char *
ny_reply_decline_note(NyCli *cli, const NyReplyOptions *o, const char *name, GError **error)
{
    NySourcesOptions sources;
    NyFlowContext ctx;
    g_autofree char *cache_path = NULL;
    g_autofree char *db_path = ny_cmd_db_path(cli);
    NyReplyRequest req = {
        .name = name,
        .met = o->met,
        .closing = o->closing,
        .template_path = o->template_path,
    };

    if (!ny_reply_check(cli, o, name, error))
        return NULL;
    ny_cmd_sources_options(cli, &sources, &cache_path);
    ny_cmd_flow_context(cli, &sources, db_path, &ctx);
    return ny_replyflow_decline(&ctx, &req, error);
}

gboolean
ny_reply_print(NyCli *cli, const NyReplyOptions *o, NyReplyRequest *req, GError **error)
{
    NySourcesOptions sources;
    NyFlowContext ctx;
    g_autofree char *cache_path = NULL;
    g_autofree char *db_path = ny_cmd_db_path(cli);
    g_auto(NyReplyResult) result = {0};
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    gboolean ok;

    if (!ny_reply_check(cli, o, req->name, error))
        return FALSE;
    req->email = o->email;
    req->met = o->met;
    req->closing = o->closing;
    req->their_tz = o->their_tz;
    if (o->their_hours != NULL &&
        !ny_config_parse_hours(o->their_hours, &req->their_start_minute, &req->their_end_minute))
        return FALSE; /* checked by ny_reply_check() */
    req->template_path = o->template_path;
    req->dry_run = o->dry_run;
    req->allow_new = o->allow_new;
    req->no_hold = o->no_hold;
    ny_cmd_sources_options(cli, &sources, &cache_path);
    ny_cmd_flow_context(cli, &sources, db_path, &ctx);
    ok = ny_replyflow_reply(&ctx, req, warnings, &result, error);
    if (!ny_cmd_lookup_done(cli, &sources, warnings, ok, error))
        return FALSE;
    if (!ny_cli_print(result.letter, error))
        return FALSE;
    if (result.id != 0 && !cli->quiet)
        g_printerr("follow-up #%" G_GINT64_FORMAT " recorded\n", result.id);
    return TRUE;
}
