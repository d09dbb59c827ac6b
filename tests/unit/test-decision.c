/* Unit tests for the decision flow: cases from fixtures/decide/. */
#include "notyet/decision.h"

#include <string.h>

/* Reads a case table: lines split on blanks, '#' comments and blank lines skipped. */
static GPtrArray *
read_table(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "fixtures", "decide", name, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        g_autofree char *line = g_strstrip(g_strdup(*l));
        if (*line == '\0' || *line == '#')
            continue;
        g_ptr_array_add(rows, g_strsplit_set(line, " \t", -1));
    }
    return rows;
}

/* The non-empty fields of a split row. */
static GPtrArray *
fields_of(char **row)
{
    GPtrArray *f = g_ptr_array_new();

    for (char **p = row; *p != NULL; p++) {
        if (**p != '\0')
            g_ptr_array_add(f, *p);
    }
    return f;
}

static NyAnswer
answer_of(const char *field)
{
    if (strcmp(field, "yes") == 0)
        return NY_ANSWER_YES;
    if (strcmp(field, "no") == 0)
        return NY_ANSWER_NO;
    g_assert_cmpstr(field, ==, "-");
    return NY_ANSWER_UNSET;
}

static void
test_cases(void)
{
    g_autoptr(GPtrArray) rows = read_table("cases.txt");
    guint complete = 0;

    g_assert_cmpuint(rows->len, >=, 8);
    for (guint i = 0; i < rows->len; i++) {
        g_autoptr(GPtrArray) f = fields_of(g_ptr_array_index(rows, i));
        NyAnswer answers[NY_QUESTION_COUNT];
        NyQuestion next = NY_QUESTION_COUNT;
        NyVerdict verdict;
        const char *next_name;

        g_assert_cmpuint(f->len, ==, 6);
        for (int q = 0; q < NY_QUESTION_COUNT; q++)
            answers[q] = answer_of(g_ptr_array_index(f, q));
        if (answers[0] != NY_ANSWER_UNSET && answers[1] != NY_ANSWER_UNSET &&
            answers[2] != NY_ANSWER_UNSET)
            complete++;

        verdict = ny_decision_evaluate(answers, &next);
        g_test_message("case %u: %s %s %s", i, (char *)g_ptr_array_index(f, 0),
                       (char *)g_ptr_array_index(f, 1), (char *)g_ptr_array_index(f, 2));
        g_assert_cmpstr(ny_verdict_to_string(verdict), ==, g_ptr_array_index(f, 3));
        next_name = verdict == NY_VERDICT_PENDING ? ny_question_name(next) : "-";
        g_assert_cmpstr(next_name, ==, g_ptr_array_index(f, 4));
        g_assert_cmpstr(ny_verdict_to_string(ny_decision_apply_no_call(verdict, TRUE)), ==,
                        g_ptr_array_index(f, 5));
        /* Without --no-call the verdict is unchanged. */
        g_assert_cmpint(ny_decision_apply_no_call(verdict, FALSE), ==, verdict);
    }
    /* Every complete answer set is in the table. */
    g_assert_cmpuint(complete, ==, 8);
}

static void
test_next_untouched_when_decided(void)
{
    const NyAnswer answers[NY_QUESTION_COUNT] = {NY_ANSWER_YES, NY_ANSWER_YES, NY_ANSWER_YES};
    NyQuestion next = NY_QUESTION_RECOMMEND;

    g_assert_cmpint(ny_decision_evaluate(answers, &next), ==, NY_VERDICT_ACCEPT);
    g_assert_cmpint(next, ==, NY_QUESTION_RECOMMEND);
    g_assert_cmpint(ny_decision_evaluate(answers, NULL), ==, NY_VERDICT_ACCEPT);
}

/* know=no stops at once: trust is never asked, whatever was given for it. */
static void
test_early_stop(void)
{
    NyAnswer answers[NY_QUESTION_COUNT] = {NY_ANSWER_NO, NY_ANSWER_UNSET, NY_ANSWER_UNSET};

    g_assert_true(ny_decision_needed(answers, NY_QUESTION_KNOW));
    g_assert_false(ny_decision_needed(answers, NY_QUESTION_TRUST));
    g_assert_false(ny_decision_needed(answers, NY_QUESTION_RECOMMEND));

    answers[0] = NY_ANSWER_YES;
    g_assert_true(ny_decision_needed(answers, NY_QUESTION_TRUST));
    g_assert_false(ny_decision_needed(answers, NY_QUESTION_RECOMMEND));
    answers[1] = NY_ANSWER_NO;
    g_assert_false(ny_decision_needed(answers, NY_QUESTION_RECOMMEND));
    answers[1] = NY_ANSWER_YES;
    g_assert_true(ny_decision_needed(answers, NY_QUESTION_RECOMMEND));

    answers[0] = NY_ANSWER_UNSET;
    g_assert_true(ny_decision_needed(answers, NY_QUESTION_KNOW));
    g_assert_false(ny_decision_needed(answers, NY_QUESTION_TRUST));
}

static void
test_answers(void)
{
    g_autoptr(GPtrArray) rows = read_table("answers.txt");
    NyAnswer a = NY_ANSWER_UNSET;

    g_assert_cmpuint(rows->len, >=, 10);
    for (guint i = 0; i < rows->len; i++) {
        g_autoptr(GPtrArray) f = fields_of(g_ptr_array_index(rows, i));
        const char *want;
        const char *got;

        g_assert_cmpuint(f->len, ==, 2);
        want = g_ptr_array_index(f, 1);
        a = NY_ANSWER_UNSET;
        if (!ny_answer_parse(g_ptr_array_index(f, 0), &a))
            got = "invalid";
        else
            got = a == NY_ANSWER_YES ? "yes" : "no";
        g_test_message("answer '%s'", (char *)g_ptr_array_index(f, 0));
        g_assert_cmpstr(got, ==, want);
        if (strcmp(want, "invalid") == 0)
            g_assert_cmpint(a, ==, NY_ANSWER_UNSET); /* untouched */
    }
    g_assert_false(ny_answer_parse("", &a));
    g_assert_false(ny_answer_parse(" y", &a));
}

static void
test_strings(void)
{
    g_assert_cmpstr(ny_question_text(NY_QUESTION_KNOW), ==,
                    "Do I know this person in a professional capacity?");
    g_assert_cmpstr(ny_question_text(NY_QUESTION_TRUST), ==,
                    "Are they trustworthy, with ethics and values like mine?");
    g_assert_cmpstr(ny_question_text(NY_QUESTION_RECOMMEND), ==,
                    "Would I be comfortable recommending them to my network?");
    g_assert_cmpstr(ny_question_name(NY_QUESTION_TRUST), ==, "trust");
    /* The store and the JSON output keep these words. */
    g_assert_cmpstr(ny_verdict_to_string(NY_VERDICT_ACCEPT), ==, "accept");
    g_assert_cmpstr(ny_verdict_to_string(NY_VERDICT_NOT_YET), ==, "not-yet");
    g_assert_cmpstr(ny_verdict_to_string(NY_VERDICT_DECLINE), ==, "decline");
    g_assert_cmpstr(ny_verdict_to_string(NY_VERDICT_PENDING), ==, "pending");
    for (NyVerdict v = NY_VERDICT_PENDING; v <= NY_VERDICT_DECLINE; v++)
        g_assert_cmpint(ny_verdict_from_string(ny_verdict_to_string(v)), ==, v);
    g_assert_cmpint(ny_verdict_from_string("not yet"), ==, NY_VERDICT_PENDING);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/decision/cases", test_cases);
    g_test_add_func("/decision/next-untouched-when-decided", test_next_untouched_when_decided);
    g_test_add_func("/decision/early-stop", test_early_stop);
    g_test_add_func("/decision/answers", test_answers);
    g_test_add_func("/decision/strings", test_strings);
    return g_test_run();
}
