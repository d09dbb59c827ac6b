/* cmd-decide.c: `notyet decide [NAME]`, the invite decision flow (doc/architecture.md, "The
 * decision flow").
 *
 * The flow itself is the pure decision module; this file gets the answers
 * (flags, else y/n prompts on a terminal), records the decision when a NAME
 * is given, and says what to do next. With --reply a NOT YET goes straight
 * on to the reply letter, recorded with the decision in one transaction.
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "cmd-common.h"
#include "notyet/decision.h"
#include "notyet/store.h"

typedef struct {
    char *flags[NY_QUESTION_COUNT]; /* --know, --trust, --recommend as given */
    gboolean no_call;
    gboolean reply;
    NyReplyOptions reply_options; /* with --reply */
} DecideOptions;

static void
decide_options_clear(DecideOptions *o)
{
    for (int q = 0; q < NY_QUESTION_COUNT; q++)
        g_clear_pointer(&o->flags[q], g_free);
    ny_reply_options_clear(&o->reply_options);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(DecideOptions, decide_options_clear)

/* --reply needs a NAME and writes a letter; its options need --reply. All
 * checked before any question is asked or anything is written. */
static gboolean
check_reply(NyCli *cli, const DecideOptions *o, const char *name, GError **error)
{
    const NyReplyOptions *r = &o->reply_options;

    if (!o->reply) {
        if (ny_reply_options_given(r)) {
            ny_cli_usage_error(cli, error, "the reply options need --reply");
            return FALSE;
        }
        return TRUE;
    }
    if (name == NULL) {
        ny_cli_usage_error(cli, error, "--reply needs the NAME to write to");
        return FALSE;
    }
    if (cli->json) {
        ny_cli_usage_error(cli, error, "--reply writes a letter; it has no JSON form");
        return FALSE;
    }
    if (r->decline) {
        ny_cli_usage_error(cli, error,
                           "--decline is for 'notyet reply'; with --reply the verdict says what "
                           "to write");
        return FALSE;
    }
    return ny_reply_check(cli, r, name, error);
}

/* One line from @in without its line end, or NULL at end of input. The
 * length is capped: an answer is a word, the rest of a long line is dropped. */
static char *
read_answer_line(FILE *in)
{
    g_autoptr(GString) line = g_string_new(NULL);
    int c;

    while ((c = fgetc(in)) != EOF) {
        if (c == '\n')
            return g_string_free(g_steal_pointer(&line), FALSE);
        if (line->len < 64)
            g_string_append_c(line, (char)c);
    }
    if (line->len == 0)
        return NULL;
    return g_string_free(g_steal_pointer(&line), FALSE);
}

/* Asks @question on stderr until the answer is y/yes/n/no; end of input is a
 * usage error (the user gave no answer, there is nothing to guess). */
static gboolean
ask(NyCli *cli, NyQuestion question, NyAnswer *out_answer, GError **error)
{
    for (;;) {
        g_autofree char *line = NULL;

        fprintf(stderr, "%s [y/n] ", ny_question_text(question));
        fflush(stderr);
        line = read_answer_line(stdin);
        if (line == NULL) {
            fputc('\n', stderr);
            ny_cli_usage_error(cli, error, "no answer to '%s' (end of input)",
                               ny_question_text(question));
            return FALSE;
        }
        if (ny_answer_parse(g_strstrip(line), out_answer))
            return TRUE;
        fputs("Please answer y or n.\n", stderr);
    }
}

/* NAME as the user would type it in a shell: in double quotes when that is
 * safe, else in single quotes. */
static char *
shell_word(const char *name)
{
    if (strpbrk(name, "\"\\$`!") == NULL)
        return g_strdup_printf("\"%s\"", name);
    return g_shell_quote(name);
}

/* "two open times", in words for the usual counts. */
static char *
open_times(int count)
{
    static const char *const words[] = {"no", "one", "two", "three", "four", "five"};

    if (count >= 0 && count < (int)G_N_ELEMENTS(words))
        return g_strdup_printf("%s open time%s", words[count], count == 1 ? "" : "s");
    return g_strdup_printf("%d open times", count);
}

/* @flow: the flow's verdict; @verdict: after --no-call. */
static char *
render_text(NyCli *cli, const char *name, NyVerdict flow, NyVerdict verdict)
{
    const NyAvailability *a = &cli->config->availability;
    GString *s = g_string_new(NULL);

    switch (verdict) {
    case NY_VERDICT_ACCEPT:
        g_string_append(s, "ACCEPT: accept the invitation to connect.\n");
        break;
    case NY_VERDICT_DECLINE: {
        g_autofree char *word = shell_word(name ? name : "NAME");

        if (flow == NY_VERDICT_NOT_YET)
            g_string_append(s, "DECLINE: decline the invitation for now with a short, polite "
                               "note; no call offered (--no-call).\n");
        else
            g_string_append(s, "DECLINE: decline the invitation with a short, polite note; "
                               "no call offered.\n");
        g_string_append_printf(s, "Write the note with:\n  notyet reply %s --decline\n", word);
        break;
    }
    case NY_VERDICT_NOT_YET: {
        g_autofree char *word = shell_word(name ? name : "NAME");
        g_autofree char *times = open_times(a->count);

        g_string_append_printf(s,
                               "NOT YET: decline for now, and offer a %d-minute call to get to "
                               "know each other.\n"
                               "Next, write the reply with %s (--met: where you met, e.g. "
                               "\"last week at SxSW\"):\n",
                               a->slot_minutes, times);
        g_string_append_printf(s, "  notyet reply %s --met \"...\"\n", word);
        break;
    }
    case NY_VERDICT_PENDING:
        g_assert_not_reached();
    }
    return g_string_free(s, FALSE);
}

static char *
render_json(const char *name, const NyAnswer answers[NY_QUESTION_COUNT], NyVerdict verdict,
            gboolean no_call)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "verdict");
    json_builder_add_string_value(b, ny_verdict_to_string(verdict));
    /* Every key is always there; a question that was not asked is null. */
    json_builder_set_member_name(b, "answers");
    ny_cli_json_add_answers(b, answers);
    json_builder_set_member_name(b, "name");
    if (name != NULL)
        json_builder_add_string_value(b, name);
    else
        json_builder_add_null_value(b);
    json_builder_set_member_name(b, "no_call");
    json_builder_add_boolean_value(b, no_call);
    json_builder_end_object(b);

    return ny_cli_json_text(b);
}

static gboolean
record(NyCli *cli, const char *name, const NyAnswer answers[NY_QUESTION_COUNT], NyVerdict verdict,
       gboolean no_call, GError **error)
{
    g_autoptr(NyStore) store = ny_cli_open_store(cli, error);
    gint64 id = 0;

    if (store == NULL)
        return FALSE;
    if (!ny_store_begin(store, error))
        return FALSE;
    if (!ny_store_add_decision(store, name, cli->now, answers, verdict, no_call, &id, error) ||
        !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    ny_cli_info(cli, 1, "recorded decision %" G_GINT64_FORMAT " for '%s'", id, name);
    return TRUE;
}

static gboolean
run_decide(NyCli *cli, DecideOptions *o, int argc, char **argv, GError **error)
{
    NyAnswer answers[NY_QUESTION_COUNT] = {NY_ANSWER_UNSET, NY_ANSWER_UNSET, NY_ANSWER_UNSET};
    const char *name = NULL;
    NyQuestion next = NY_QUESTION_KNOW;
    NyVerdict verdict;
    NyVerdict final;
    g_autofree char *output = NULL;

    if (argc == 2) {
        name = g_strstrip(argv[1]);
        if (!ny_cli_check_name(cli, name, error))
            return FALSE;
    }
    for (int q = 0; q < NY_QUESTION_COUNT; q++) {
        if (o->flags[q] != NULL && !ny_answer_parse(o->flags[q], &answers[q])) {
            ny_cli_usage_error(cli, error, "--%s: '%s' is not yes or no",
                               ny_question_name((NyQuestion)q), o->flags[q]);
            return FALSE;
        }
    }

    if (!check_reply(cli, o, name, error))
        return FALSE;

    while ((verdict = ny_decision_evaluate(answers, &next)) == NY_VERDICT_PENDING) {
        if (!cli->stdin_is_tty) {
            ny_cli_usage_error(cli, error,
                               "no answer to '%s' and no terminal to ask on: give --%s yes|no",
                               ny_question_text(next), ny_question_name(next));
            return FALSE;
        }
        if (!ask(cli, next, &answers[next], error))
            return FALSE;
    }
    /* An answer the flow never needed was not part of the decision. */
    for (int q = 0; q < NY_QUESTION_COUNT; q++) {
        if (!ny_decision_needed(answers, (NyQuestion)q))
            answers[q] = NY_ANSWER_UNSET;
    }
    final = ny_decision_apply_no_call(verdict, o->no_call);

    if (cli->json)
        output = render_json(name, answers, final, o->no_call);
    else
        output = render_text(cli, name, verdict, final);

    if (o->reply && final == NY_VERDICT_NOT_YET) {
        /* The verdict goes to stderr, so stdout holds the letter alone. */
        NyReplyRequest req = {
            .name = name,
            .has_decision = TRUE,
            .answers = answers,
            .verdict = final,
            .no_call = o->no_call,
        };
        g_printerr("%.*s\n", (int)strcspn(output, "\n"), output);
        return ny_reply_print(cli, &o->reply_options, &req, error);
    }
    if (o->reply && final == NY_VERDICT_DECLINE) {
        /* The decline note on stdout, written before anything is recorded:
         * a bad template records nothing. */
        g_autofree char *note = ny_reply_decline_note(cli, &o->reply_options, name, error);

        if (note == NULL || !record(cli, name, answers, final, o->no_call, error))
            return FALSE;
        g_printerr("%.*s\n", (int)strcspn(output, "\n"), output);
        return ny_cli_print(note, error);
    }
    if (name != NULL && !record(cli, name, answers, final, o->no_call, error))
        return FALSE;
    return ny_cli_print(output, error);
}

gboolean
ny_cmd_decide(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {
        .params = "[NAME]",
        .summary = "Walk the three questions for a connection invite: ACCEPT, NOT YET or "
                   "DECLINE.\nWith a NAME the decision is recorded.",
        .max_args = 1,
        .hint = "quote a NAME with spaces"};
    g_auto(DecideOptions) o = {0};
    g_autoptr(GArray) all = g_array_new(TRUE, TRUE, sizeof(GOptionEntry));
    const GOptionEntry entries[] = {
        {"know", 0, 0, G_OPTION_ARG_STRING, &o.flags[NY_QUESTION_KNOW],
         "Do I know this person in a professional capacity?", "yes|no"},
        {"trust", 0, 0, G_OPTION_ARG_STRING, &o.flags[NY_QUESTION_TRUST],
         "Are they trustworthy, with ethics and values like mine?", "yes|no"},
        {"recommend", 0, 0, G_OPTION_ARG_STRING, &o.flags[NY_QUESTION_RECOMMEND],
         "Would I be comfortable recommending them to my network?", "yes|no"},
        {"no-call", 0, 0, G_OPTION_ARG_NONE, &o.no_call,
         "On NOT YET, decline without offering a call", NULL},
        {"reply", 0, 0, G_OPTION_ARG_NONE, &o.reply,
         "Go straight on to the verdict's words: the letter on NOT YET, the decline note on "
         "DECLINE (takes the options of 'reply')",
         NULL},
    };

    g_array_append_vals(all, entries, G_N_ELEMENTS(entries));
    ny_reply_add_entries(all, &o.reply_options);
    if (!ny_cmd_parse(cli, &usage, (const GOptionEntry *)all->data, &argc, &argv, error))
        return cli->help;
    return run_decide(cli, &o, argc, argv, error);
}
