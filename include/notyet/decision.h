/* decision.h: the three-question invite decision flow (DESIGN.md section 1).
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

G_END_DECLS
