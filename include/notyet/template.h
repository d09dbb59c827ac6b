/* template.h: the letter template (doc/slots-and-letter.md).
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
 * B", "A, B and then C"), first_letter (a nudge: when the first letter went
 * out, "today", "yesterday" or "on Monday, November 30").
 *
 * Three kinds of template (doc/slots-and-letter.md, "Every verdict's words"):
 * the letter (NOT YET), the decline note (DECLINE: no time fields, so
 * duration, slots, slotN and first_letter are unknown in it) and the nudge letter (the
 * letter's fields). Each has a built-in default and a [letter] key to
 * replace it.
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

typedef enum {
    NY_TEMPLATE_LETTER = 0, /* the NOT YET letter with times */
    NY_TEMPLATE_DECLINE,    /* the short decline note, no call offered */
    NY_TEMPLATE_NUDGE,      /* the second letter with new times */
} NyTemplateKind;

/**
 * ny_template_builtin:
 *
 * Returns: (transfer none): the built-in template of @kind.
 */
const char *ny_template_builtin(NyTemplateKind kind);

/**
 * ny_template_builtin_name:
 *
 * Returns: (transfer none): the name of the built-in template of @kind in
 * error messages: "built-in letter", "built-in decline note", "built-in
 * nudge letter".
 */
const char *ny_template_builtin_name(NyTemplateKind kind);

/**
 * ny_template_kind_field_known:
 *
 * Returns: TRUE when @field may be used in a template of @kind.
 */
gboolean ny_template_kind_field_known(NyTemplateKind kind, const char *field);

/**
 * ny_template_field_known:
 *
 * Returns: TRUE when @field is one of the fields above (slotN for N >= 1).
 */
gboolean ny_template_field_known(const char *field);

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

/**
 * ny_template_check_kind:
 * @kind: the kind of template (letter, decline, nudge)
 * @name: the template's name for error messages (its path)
 * @text: the template (need not be NUL-terminated)
 * @len: its length in bytes
 *
 * Checks the whole template, sections that would be dropped included; a
 * field @kind does not have is NY_TEMPLATE_ERROR_UNKNOWN_FIELD.
 *
 * Returns: TRUE; FALSE with NY_TEMPLATE_ERROR and a message
 * "'NAME' line N: ..." naming the field or tag.
 */
gboolean ny_template_check_kind(NyTemplateKind kind, const char *name, const char *text, gsize len,
                                GError **error);

/**
 * ny_template_render_kind:
 *
 * ny_template_render() for a template of @kind.
 */
char *ny_template_render_kind(NyTemplateKind kind, const char *name, const char *text, gsize len,
                              GHashTable *values, GError **error);

/* What a letter says, borrowed; NULL (or 0) when not given. */
typedef struct {
    const char *name;         /* the invitee's name; first_name is its first word */
    const char *met;          /* "Great to meet you MET." */
    const char *closing;      /* a line before the signature */
    const char *my_name;      /* [me] name; my_first_name is its first word */
    const char *my_email;     /* [me] email */
    const char *my_phone;     /* [me] phone */
    int slot_minutes;         /* the call's length, for duration; 0: no duration */
    const char *const *slots; /* (array zero-terminated=1) (nullable) slot phrases */
    const char *first_letter; /* a nudge: when the first letter went out, "yesterday" */
} NyLetterFields;

/**
 * ny_template_first_word:
 *
 * Returns: (transfer full): the first word of @name, "Richard" of
 * "Richard Roe", leading blanks skipped.
 */
char *ny_template_first_word(const char *name);

/**
 * ny_template_write:
 * @kind: what the template is
 * @name: its name for error messages (a path, or ny_template_builtin_name())
 * @text: (nullable): the template, NUL-terminated; NULL for the built-in one
 *
 * Renders @text with the values of @f and re-wraps the paragraphs that a
 * long phrase made too wide (ny_template_reflow() at NY_TEMPLATE_WIDTH).
 *
 * Returns: (transfer full): the letter, or NULL with NY_TEMPLATE_ERROR.
 */
char *ny_template_write(NyTemplateKind kind, const char *name, const char *text,
                        const NyLetterFields *f, GError **error);

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
