/* template.h: the letter template (DESIGN.md section 6).
 *
 * Pure module. A template is plain UTF-8 text with
 *   {{field}}                 the field's value, inserted literally (a value
 *                             containing "{{" stays text)
 *   {{#field}} ... {{/field}} shown only when the field is set and not empty
 *   {{^field}} ... {{/field}} shown only when the field is unset or empty
 * A section tag alone on its line takes the whole line with it, so a dropped
 * section leaves no blank-line debris. Spaces inside the braces are allowed.
 *
 * Fields: first_name, name, met, closing, my_name, my_first_name, my_email,
 * my_phone, duration ("20 minutes"), slot1, slot2, ... slotN (each a phrase
 * such as "this Wednesday at 2p ET"), slots (all of them joined: "A and then
 * B", "A, B and then C").
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NY_TEMPLATE_ERROR (ny_template_error_quark())
GQuark ny_template_error_quark(void);

typedef enum {
    NY_TEMPLATE_ERROR_SYNTAX, /* stray or unclosed tag, unclosed or mismatched section: exit 2 */
    NY_TEMPLATE_ERROR_UNKNOWN_FIELD, /* a tag names no known field: exit 2 */
    NY_TEMPLATE_ERROR_TOO_BIG,       /* over NY_TEMPLATE_MAX_SIZE, or not UTF-8 text: exit 2 */
    NY_TEMPLATE_ERROR_FAILED,
} NyTemplateError;

/* Templates are letters: 64 KiB is far more than one needs. */
#define NY_TEMPLATE_MAX_SIZE (64 * 1024)

/* The name used in error messages for the built-in letter. */
#define NY_TEMPLATE_DEFAULT_NAME "built-in letter"

/**
 * ny_template_default:
 *
 * Returns: (transfer none): the built-in letter template.
 */
const char *ny_template_default(void);

#define NY_TEMPLATE_NUDGE_NAME "built-in nudge"

/**
 * ny_template_nudge_default:
 *
 * Returns: (transfer none): the built-in nudge, the short second letter
 * with new times; its field first_letter is when the first letter went
 * out: "today", "yesterday" or "on Monday, November 30".
 */
const char *ny_template_nudge_default(void);

/**
 * ny_template_field_known:
 *
 * Returns: TRUE when @field is one of the fields above (slotN for N >= 1).
 */
gboolean ny_template_field_known(const char *field);

/**
 * ny_template_check:
 * @name: the template's name for error messages (its path)
 * @text: the template (need not be NUL-terminated)
 * @len: its length in bytes
 *
 * Checks the whole template, sections that would be dropped included.
 *
 * Returns: TRUE; FALSE with NY_TEMPLATE_ERROR and a message
 * "'NAME' line N: ..." naming the field or tag.
 */
gboolean ny_template_check(const char *name, const char *text, gsize len, GError **error);

/**
 * ny_template_render:
 * @name: the template's name for error messages
 * @text: the template
 * @len: its length in bytes
 * @values: (element-type utf8 utf8): field -> value; a missing, NULL or empty
 *          value is unset
 *
 * Returns: (transfer full): the letter, or NULL with NY_TEMPLATE_ERROR (the
 * whole template is checked first; nothing is rendered from a bad one).
 */
char *ny_template_render(const char *name, const char *text, gsize len, GHashTable *values,
                         GError **error);

/* The width of the built-in letter's lines. */
#define NY_TEMPLATE_WIDTH 84

/**
 * ny_template_reflow:
 * @text: a rendered letter
 * @width: the longest line wanted, in characters
 *
 * Paragraphs (runs of non-blank lines) that have a line longer than @width,
 * as a long slot phrase makes them, are re-wrapped at spaces to @width;
 * every other paragraph is left exactly as it is. A word longer than @width
 * stays whole on its own line.
 *
 * Returns: (transfer full): the letter.
 */
char *ny_template_reflow(const char *text, int width);

G_END_DECLS
