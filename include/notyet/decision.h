/* decision.h: the three-question invite decision flow (doc/architecture.md, "The decision flow").
 *
 * Pure module: it knows the questions, their order and the verdicts; asking
 * (terminal or flags) and recording are the command's business.
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum {
    NY_ANSWER_UNSET = 0,
    NY_ANSWER_YES,
    NY_ANSWER_NO,
} NyAnswer;

typedef enum {
    NY_QUESTION_KNOW = 0,  /* Do I know this person in a professional capacity? */
    NY_QUESTION_TRUST,     /* Are they trustworthy, with ethics and values like mine? */
    NY_QUESTION_RECOMMEND, /* Would I be comfortable recommending them? */
    NY_QUESTION_COUNT,
} NyQuestion;

typedef enum {
    NY_VERDICT_PENDING = 0, /* more answers are needed */
    NY_VERDICT_ACCEPT,
    NY_VERDICT_NOT_YET,
    NY_VERDICT_DECLINE,
} NyVerdict;

/**
 * ny_decision_evaluate:
 * @answers: (array fixed-size=3): indexed by NyQuestion; UNSET for not asked
 * @out_next: (out) (optional): when the result is PENDING, the question to
 *            ask next; untouched otherwise
 *
 * The flow of doc/architecture.md, "The decision flow": know=no is NOT YET, trust=no is DECLINE,
 * recommend=no is NOT YET, three yes is ACCEPT. Answers after the one that
 * decided are ignored.
 *
 * Returns: the verdict, or NY_VERDICT_PENDING when a needed answer is UNSET.
 */
NyVerdict ny_decision_evaluate(const NyAnswer answers[NY_QUESTION_COUNT], NyQuestion *out_next);

/**
 * ny_decision_needed:
 * @answers: (array fixed-size=3): the answers so far
 * @question: a question
 *
 * Returns: TRUE when the flow asks @question: every earlier answer is yes.
 * An answer to a question that is not needed does not count.
 */
gboolean ny_decision_needed(const NyAnswer answers[NY_QUESTION_COUNT], NyQuestion question);

/**
 * ny_decision_apply_no_call:
 *
 * Returns: DECLINE for NOT YET when @no_call (--no-call: decline without
 * offering a call), else @verdict.
 */
NyVerdict ny_decision_apply_no_call(NyVerdict verdict, gboolean no_call);

/* "Do I know this person in a professional capacity?" and so on: static strings. */
const char *ny_question_text(NyQuestion question);

/* "know", "trust", "recommend": the option name (--know) and the JSON key. */
const char *ny_question_name(NyQuestion question);

/* "accept", "not-yet", "decline" ("pending" for PENDING): the JSON and store form. */
const char *ny_verdict_to_string(NyVerdict verdict);

/* "ACCEPT", "NOT YET", "DECLINE" ("PENDING"): the text output form. */
const char *ny_verdict_to_label(NyVerdict verdict);

/**
 * ny_verdict_from_string:
 *
 * Returns: the verdict ny_verdict_to_string() gives @text, or PENDING when
 * @text is none of them.
 */
NyVerdict ny_verdict_from_string(const char *text);

/**
 * ny_answer_parse:
 * @text: "y", "yes", "n" or "no", in any case, without surrounding blanks
 * @out_answer: (out): YES or NO; untouched on failure
 *
 * Returns: FALSE when @text is anything else.
 */
gboolean ny_answer_parse(const char *text, NyAnswer *out_answer);

G_END_DECLS
