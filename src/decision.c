/* decision.c: the three-question invite decision flow (doc/architecture.md, "The decision flow").
 */
#include "notyet/decision.h"

#include <string.h>

static const char *const question_texts[NY_QUESTION_COUNT] = {
    "Do I know this person in a professional capacity?",
    "Are they trustworthy, with ethics and values like mine?",
    "Would I be comfortable recommending them to my network?",
};

static const char *const question_names[NY_QUESTION_COUNT] = {"know", "trust", "recommend"};

/* What a NO to each question means; three YES is ACCEPT. */
static const NyVerdict verdict_on_no[NY_QUESTION_COUNT] = {
    NY_VERDICT_NOT_YET,
    NY_VERDICT_DECLINE,
    NY_VERDICT_NOT_YET,
};

NyVerdict
ny_decision_evaluate(const NyAnswer answers[NY_QUESTION_COUNT], NyQuestion *out_next)
{
    g_return_val_if_fail(answers != NULL, NY_VERDICT_PENDING);

    for (int q = 0; q < NY_QUESTION_COUNT; q++) {
        switch (answers[q]) {
        case NY_ANSWER_UNSET:
            if (out_next != NULL)
                *out_next = (NyQuestion)q;
            return NY_VERDICT_PENDING;
        case NY_ANSWER_NO:
            return verdict_on_no[q];
        case NY_ANSWER_YES:
            break;
        }
    }
    return NY_VERDICT_ACCEPT;
}

gboolean
ny_decision_needed(const NyAnswer answers[NY_QUESTION_COUNT], NyQuestion question)
{
    g_return_val_if_fail(answers != NULL, FALSE);
    g_return_val_if_fail(question < NY_QUESTION_COUNT, FALSE);

    for (int q = 0; q < (int)question; q++) {
        if (answers[q] != NY_ANSWER_YES)
            return FALSE;
    }
    return TRUE;
}

NyVerdict
ny_decision_apply_no_call(NyVerdict verdict, gboolean no_call)
{
    if (no_call && verdict == NY_VERDICT_NOT_YET)
        return NY_VERDICT_DECLINE;
    return verdict;
}

const char *
ny_question_text(NyQuestion question)
{
    g_return_val_if_fail(question < NY_QUESTION_COUNT, NULL);
    return question_texts[question];
}

const char *
ny_question_name(NyQuestion question)
{
    g_return_val_if_fail(question < NY_QUESTION_COUNT, NULL);
    return question_names[question];
}

const char *
ny_verdict_to_string(NyVerdict verdict)
{
    switch (verdict) {
    case NY_VERDICT_ACCEPT:
        return "accept";
    case NY_VERDICT_NOT_YET:
        return "not-yet";
    case NY_VERDICT_DECLINE:
        return "decline";
    case NY_VERDICT_PENDING:
        break;
    }
    return "pending";
}

const char *
ny_verdict_to_label(NyVerdict verdict)
{
    switch (verdict) {
    case NY_VERDICT_ACCEPT:
        return "ACCEPT";
    case NY_VERDICT_NOT_YET:
        return "NOT YET";
    case NY_VERDICT_DECLINE:
        return "DECLINE";
    case NY_VERDICT_PENDING:
        break;
    }
    return "PENDING";
}

NyVerdict
ny_verdict_from_string(const char *text)
{
    static const NyVerdict all[] = {NY_VERDICT_ACCEPT, NY_VERDICT_NOT_YET, NY_VERDICT_DECLINE};

    g_return_val_if_fail(text != NULL, NY_VERDICT_PENDING);
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        if (strcmp(text, ny_verdict_to_string(all[i])) == 0)
            return all[i];
    }
    return NY_VERDICT_PENDING;
}

gboolean
ny_answer_parse(const char *text, NyAnswer *out_answer)
{
    g_return_val_if_fail(text != NULL, FALSE);
    g_return_val_if_fail(out_answer != NULL, FALSE);

    if (g_ascii_strcasecmp(text, "y") == 0 || g_ascii_strcasecmp(text, "yes") == 0) {
        *out_answer = NY_ANSWER_YES;
        return TRUE;
    }
    if (g_ascii_strcasecmp(text, "n") == 0 || g_ascii_strcasecmp(text, "no") == 0) {
        *out_answer = NY_ANSWER_NO;
        return TRUE;
    }
    return FALSE;
}
