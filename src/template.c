/* template.c: the letter template renderer (doc/slots-and-letter.md). Pure. */
#include "notyet/template.h"

#include "notyet/phrase.h"

#include <string.h>

G_DEFINE_QUARK(ny_template_error, ny_template_error)

/* The pieces the built-in templates share. Sections alone on their lines
 * vanish with their line; the contact sentence has one form per combination
 * of email and phone, so nothing dangles when one is missing. */
#define GREETING                                                                                   \
    "Hi {{first_name}},\n"                                                                         \
    "\n"
#define MET                                                                                        \
    "{{#met}}\n"                                                                                   \
    "Great to meet you {{met}}.\n"                                                                 \
    "\n"                                                                                           \
    "{{/met}}\n"
/* Follows a sentence on the same line, so "You can" keeps the line width. */
#define CONTACT                                                                                    \
    "{{#my_email}} You can\n"                                                                      \
    "reach me at {{my_email}}{{#my_phone}} or on {{my_phone}}{{/my_phone}}.{{/my_email}}"          \
    "{{^my_email}}{{#my_phone}} You can\n"                                                         \
    "reach me on {{my_phone}}.{{/my_phone}}{{/my_email}}\n"
#define SIGNATURE                                                                                  \
    "{{#closing}}\n"                                                                               \
    "\n"                                                                                           \
    "{{closing}}\n"                                                                                \
    "{{/closing}}\n"                                                                               \
    "{{#my_first_name}}\n"                                                                         \
    "\n"                                                                                           \
    "{{my_first_name}}\n"                                                                          \
    "{{/my_first_name}}\n"

/* The letter (NOT YET), doc/slots-and-letter.md "The letter". */
static const char default_template[] = GREETING MET
    "Thank you for the invitation to connect on LinkedIn. I keep my network to people I\n"
    "know well, so I'll hold off for now, until we've had the chance to get to know each\n"
    "other. I hope you understand.\n"
    "\n"
    "Is there something in particular you'd like to talk about? I'd be glad to help where\n"
    "I can. I have {{duration}} {{slots}}." CONTACT SIGNATURE;

/* The DECLINE verdict's words (doc/slots-and-letter.md, "Every verdict's
 * words"): warm, brief, and no call offered, so it has no time fields. */
static const char decline_template[] = GREETING MET
    "Thank you for the invitation to connect on LinkedIn, and for thinking of me. I keep\n"
    "my network to people I know well, so I'll say no this time. I hope you understand,\n"
    "and I wish you all the best.\n" SIGNATURE;

/* The nudge: a second, shorter letter that refers to the first
 * (first_letter: "yesterday", "on Monday, November 30") with new times. */
static const char nudge_template[] =
    GREETING "I wrote to you {{first_letter}} about a call to get to know each other. In case\n"
             "those times did not suit you, here are new ones: I have {{duration}} {{slots}}.\n"
             "Just reply with the one that works for you.\n" SIGNATURE;

const char *
ny_template_builtin(NyTemplateKind kind)
{
    switch (kind) {
    case NY_TEMPLATE_DECLINE:
        return decline_template;
    case NY_TEMPLATE_NUDGE:
        return nudge_template;
    case NY_TEMPLATE_LETTER:
        break;
    }
    return default_template;
}

const char *
ny_template_builtin_name(NyTemplateKind kind)
{
    switch (kind) {
    case NY_TEMPLATE_DECLINE:
        return "built-in decline note";
    case NY_TEMPLATE_NUDGE:
        return "built-in nudge letter";
    case NY_TEMPLATE_LETTER:
        break;
    }
    return NY_TEMPLATE_DEFAULT_NAME;
}

/* The fields that carry times, which a decline note never has. */
static gboolean
is_time_field(const char *field)
{
    return strcmp(field, "duration") == 0 || strncmp(field, "slot", 4) == 0 ||
           strcmp(field, "first_letter") == 0;
}

gboolean
ny_template_kind_field_known(NyTemplateKind kind, const char *field)
{
    g_return_val_if_fail(field != NULL, FALSE);
    if (!ny_template_field_known(field))
        return FALSE;
    return kind != NY_TEMPLATE_DECLINE || !is_time_field(field);
}

gboolean
ny_template_field_known(const char *field)
{
    static const char *const fields[] = {
        "first_name", "name",     "met",      "closing", "my_name",      "my_first_name",
        "my_email",   "my_phone", "duration", "slots",   "first_letter",
    };

    g_return_val_if_fail(field != NULL, FALSE);
    for (gsize i = 0; i < G_N_ELEMENTS(fields); i++) {
        if (strcmp(field, fields[i]) == 0)
            return TRUE;
    }
    /* slot1, slot2, ... slot99 */
    if (strncmp(field, "slot", 4) == 0 && field[4] >= '1' && field[4] <= '9') {
        if (field[5] == '\0')
            return TRUE;
        return g_ascii_isdigit(field[5]) && field[6] == '\0';
    }
    return FALSE;
}

typedef enum {
    TOKEN_TEXT,
    TOKEN_FIELD,
    TOKEN_OPEN,
    TOKEN_OPEN_INVERTED,
    TOKEN_CLOSE,
} TokenKind;

typedef struct {
    TokenKind kind;
    gsize start; /* TEXT: byte range of the template */
    gsize len;
    char *field; /* other kinds */
    int line;
} Token;

static void
token_clear(gpointer data)
{
    Token *t = data;
    g_free(t->field);
}

static void
add_text(GArray *tokens, gsize start, gsize len, int line)
{
    Token t = {TOKEN_TEXT, start, len, NULL, line};

    if (len > 0)
        g_array_append_val(tokens, t);
}

static gboolean
is_name(const char *s)
{
    if (!g_ascii_islower(*s))
        return FALSE;
    for (; *s; s++) {
        if (!g_ascii_islower(*s) && !g_ascii_isdigit(*s) && *s != '_')
            return FALSE;
    }
    return TRUE;
}

/* Shows at most 40 bytes of a bad tag, valid UTF-8 only. */
static char *
excerpt(const char *s, gsize len)
{
    g_autofree char *raw = g_strndup(s, MIN(len, 40));
    return g_utf8_make_valid(raw, -1);
}

/* Splits the template into tokens and checks every tag and section. */
static GArray *
tokenize(NyTemplateKind kind, const char *name, const char *text, gsize len, GError **error)
{
    g_autoptr(GArray) tokens = g_array_new(FALSE, FALSE, sizeof(Token));
    g_autoptr(GArray) stack = g_array_new(FALSE, FALSE, sizeof(guint)); /* open tokens */
    gsize pos = 0;
    gsize text_start = 0;
    int line = 1;
    int text_line = 1;

    g_array_set_clear_func(tokens, token_clear);
    if (len > NY_TEMPLATE_MAX_SIZE) {
        g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG,
                    "'%s': the template is larger than %d KiB", name, NY_TEMPLATE_MAX_SIZE / 1024);
        return NULL;
    }
    if (memchr(text, '\0', len) != NULL || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG,
                    "'%s': the template is not UTF-8 text", name);
        return NULL;
    }

    while (pos < len) {
        gsize close;
        gsize inner_start;
        g_autofree char *inner = NULL;
        Token t = {0};
        const char *word;

        if (text[pos] == '\n') {
            line++;
            pos++;
            continue;
        }
        if (!(text[pos] == '{' && pos + 1 < len && text[pos + 1] == '{')) {
            pos++;
            continue;
        }
        /* A tag: "{{", content without braces or newline, "}}". */
        inner_start = pos + 2;
        close = inner_start;
        while (close < len && text[close] != '\n' && text[close] != '}' && text[close] != '{')
            close++;
        if (close + 1 >= len || text[close] != '}' || text[close + 1] != '}') {
            g_autofree char *bad = excerpt(text + pos, close - pos);
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_SYNTAX,
                        "'%s' line %d: '{{' without a closing '}}' in '%s'", name, line, bad);
            return NULL;
        }
        inner = g_strndup(text + inner_start, close - inner_start);
        g_strstrip(inner);
        t.line = line;
        word = inner;
        if (*inner == '#' || *inner == '^' || *inner == '/') {
            t.kind = *inner == '#' ? TOKEN_OPEN : *inner == '^' ? TOKEN_OPEN_INVERTED : TOKEN_CLOSE;
            word = inner + 1;
            while (*word == ' ')
                word++;
        } else {
            t.kind = TOKEN_FIELD;
        }
        if (!is_name(word)) {
            g_autofree char *bad = excerpt(text + pos, close + 2 - pos);
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_SYNTAX,
                        "'%s' line %d: '%s' is not a tag (use {{field}}, {{#field}} or "
                        "{{/field}})",
                        name, line, bad);
            return NULL;
        }
        if (!ny_template_kind_field_known(kind, word)) {
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_UNKNOWN_FIELD,
                        "'%s' line %d: unknown field '%s'%s", name, line, word,
                        ny_template_field_known(word) ? " (a decline note offers no times)" : "");
            return NULL;
        }
        t.field = g_strdup(word);

        {
            gsize text_end = pos;
            gsize next = close + 2;

            if (t.kind != TOKEN_FIELD) {
                /* A section tag alone on its line takes the line with it. */
                gsize before = pos;
                gsize after = next;
                while (before > 0 && (text[before - 1] == ' ' || text[before - 1] == '\t'))
                    before--;
                while (after < len && (text[after] == ' ' || text[after] == '\t'))
                    after++;
                if ((before == 0 || text[before - 1] == '\n') &&
                    (after == len || text[after] == '\n' ||
                     (text[after] == '\r' && after + 1 < len && text[after + 1] == '\n'))) {
                    text_end = MAX(before, text_start);
                    if (after < len && text[after] == '\r')
                        after++;
                    if (after < len) {
                        after++;
                        line++;
                    }
                    next = after;
                }
            }
            add_text(tokens, text_start, text_end - text_start, text_line);

            if (t.kind == TOKEN_OPEN || t.kind == TOKEN_OPEN_INVERTED) {
                guint index = tokens->len;
                g_array_append_val(stack, index);
            } else if (t.kind == TOKEN_CLOSE) {
                const Token *open;
                if (stack->len == 0) {
                    g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_SYNTAX,
                                "'%s' line %d: '{{/%s}}' closes no open section", name, t.line,
                                t.field);
                    g_free(t.field);
                    return NULL;
                }
                open = &g_array_index(tokens, Token, g_array_index(stack, guint, stack->len - 1));
                if (strcmp(open->field, t.field) != 0) {
                    g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_SYNTAX,
                                "'%s' line %d: '{{/%s}}' closes section '%s' opened on line %d",
                                name, t.line, t.field, open->field, open->line);
                    g_free(t.field);
                    return NULL;
                }
                g_array_set_size(stack, stack->len - 1);
            }
            g_array_append_val(tokens, t);
            pos = next;
            text_start = next;
            text_line = line;
        }
    }
    add_text(tokens, text_start, len - text_start, text_line);

    if (stack->len > 0) {
        const Token *open =
            &g_array_index(tokens, Token, g_array_index(stack, guint, stack->len - 1));
        g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_SYNTAX,
                    "'%s' line %d: section '%s' is never closed with '{{/%s}}'", name, open->line,
                    open->field, open->field);
        return NULL;
    }
    return g_steal_pointer(&tokens);
}

gboolean
ny_template_check_kind(NyTemplateKind kind, const char *name, const char *text, gsize len,
                       GError **error)
{
    g_autoptr(GArray) tokens = NULL;

    g_return_val_if_fail(name != NULL && (text != NULL || len == 0), FALSE);
    tokens = tokenize(kind, name, text ? text : "", len, error);
    return tokens != NULL;
}

static const char *
lookup(GHashTable *values, const char *field)
{
    const char *v = values ? g_hash_table_lookup(values, field) : NULL;
    return (v != NULL && *v != '\0') ? v : NULL;
}

char *
ny_template_render(const char *name, const char *text, gsize len, GHashTable *values,
                   GError **error)
{
    return ny_template_render_kind(NY_TEMPLATE_LETTER, name, text, len, values, error);
}

char *
ny_template_render_kind(NyTemplateKind kind, const char *name, const char *text, gsize len,
                        GHashTable *values, GError **error)
{
    g_autoptr(GArray) tokens = NULL;
    g_autoptr(GString) out = NULL;
    /* Depth of sections entered, and how many of them are hidden. */
    g_autoptr(GArray) shown = g_array_new(FALSE, FALSE, sizeof(gboolean));
    guint hidden = 0;

    g_return_val_if_fail(name != NULL && (text != NULL || len == 0), NULL);
    if (text == NULL)
        text = "";
    tokens = tokenize(kind, name, text, len, error);
    if (tokens == NULL)
        return NULL;
    out = g_string_sized_new(len + 256);
    for (guint i = 0; i < tokens->len; i++) {
        const Token *t = &g_array_index(tokens, Token, i);
        gboolean visible;

        switch (t->kind) {
        case TOKEN_TEXT:
            if (hidden == 0)
                g_string_append_len(out, text + t->start, (gssize)t->len);
            break;
        case TOKEN_FIELD:
            if (hidden == 0 && lookup(values, t->field) != NULL)
                g_string_append(out, lookup(values, t->field));
            break;
        case TOKEN_OPEN:
        case TOKEN_OPEN_INVERTED:
            visible = (lookup(values, t->field) != NULL) == (t->kind == TOKEN_OPEN);
            g_array_append_val(shown, visible);
            if (!visible)
                hidden++;
            break;
        case TOKEN_CLOSE:
            if (!g_array_index(shown, gboolean, shown->len - 1))
                hidden--;
            g_array_set_size(shown, shown->len - 1);
            break;
        }
    }
    return g_string_free(g_steal_pointer(&out), FALSE);
}

char *
ny_template_first_word(const char *name)
{
    const char *p = name;
    const char *end;

    g_return_val_if_fail(name != NULL, NULL);
    while (*p == ' ' || *p == '\t')
        p++;
    end = p;
    while (*end && *end != ' ' && *end != '\t')
        end++;
    return g_strndup(p, (gsize)(end - p));
}

/* ny_template_values_new:
 *
 * The field values of @f: name, first_name, met, closing, my_name,
 * my_first_name, my_email, my_phone, duration, slot1..slotN, slots and
 * first_letter.
 *
 * Returns: (transfer full) (element-type utf8 utf8): field -> value.
 */
static GHashTable *
ny_template_values_new(const NyLetterFields *f)
{
    GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    guint n = f->slots != NULL ? g_strv_length((char **)f->slots) : 0;

    g_hash_table_insert(v, g_strdup("name"), g_strdup(f->name));
    g_hash_table_insert(v, g_strdup("first_name"),
                        f->name ? ny_template_first_word(f->name) : NULL);
    g_hash_table_insert(v, g_strdup("met"), g_strdup(f->met));
    g_hash_table_insert(v, g_strdup("closing"), g_strdup(f->closing));
    g_hash_table_insert(v, g_strdup("my_name"), g_strdup(f->my_name));
    g_hash_table_insert(v, g_strdup("my_first_name"),
                        f->my_name ? ny_template_first_word(f->my_name) : NULL);
    g_hash_table_insert(v, g_strdup("my_email"), g_strdup(f->my_email));
    g_hash_table_insert(v, g_strdup("my_phone"), g_strdup(f->my_phone));
    if (f->slot_minutes > 0)
        g_hash_table_insert(v, g_strdup("duration"), ny_phrase_duration(f->slot_minutes));
    for (guint i = 0; i < n; i++)
        g_hash_table_insert(v, g_strdup_printf("slot%u", i + 1), g_strdup(f->slots[i]));
    if (n > 0)
        g_hash_table_insert(v, g_strdup("slots"), ny_phrase_join(f->slots));
    g_hash_table_insert(v, g_strdup("first_letter"), g_strdup(f->first_letter));
    return v;
}

char *
ny_template_write(NyTemplateKind kind, const char *name, const char *text, const NyLetterFields *f,
                  GError **error)
{
    g_autoptr(GHashTable) values = NULL;
    g_autofree char *letter = NULL;

    g_return_val_if_fail(name != NULL && f != NULL, NULL);
    if (text == NULL)
        text = ny_template_builtin(kind);
    values = ny_template_values_new(f);
    letter = ny_template_render_kind(kind, name, text, strlen(text), values, error);
    if (letter == NULL)
        return NULL;
    /* A long slot phrase (--their-tz, a date) would make one ragged line. */
    return ny_template_reflow(letter, NY_TEMPLATE_WIDTH);
}

static gboolean
paragraph_too_wide(char **lines, guint from, guint to, int width)
{
    for (guint i = from; i < to; i++) {
        if (g_utf8_strlen(lines[i], -1) > width)
            return TRUE;
    }
    return FALSE;
}

static void
wrap_paragraph(GString *out, char **lines, guint from, guint to, int width)
{
    g_autoptr(GString) joined = g_string_new(NULL);
    g_auto(GStrv) words = NULL;
    long col = 0;

    for (guint i = from; i < to; i++) {
        g_autofree char *line = g_strstrip(g_strdup(lines[i]));
        if (joined->len > 0)
            g_string_append_c(joined, ' ');
        g_string_append(joined, line);
    }
    words = g_strsplit(joined->str, " ", -1);
    for (guint w = 0; words[w] != NULL; w++) {
        long n = g_utf8_strlen(words[w], -1);
        if (*words[w] == '\0')
            continue;
        if (col > 0 && col + 1 + n > width) {
            g_string_append_c(out, '\n');
            col = 0;
        } else if (col > 0) {
            g_string_append_c(out, ' ');
            col++;
        }
        g_string_append(out, words[w]);
        col += n;
    }
    g_string_append_c(out, '\n');
}

char *
ny_template_reflow(const char *text, int width)
{
    g_auto(GStrv) lines = NULL;
    GString *out;
    guint n;
    guint i = 0;

    g_return_val_if_fail(text != NULL && width > 0, NULL);
    lines = g_strsplit(text, "\n", -1);
    n = g_strv_length(lines);
    out = g_string_sized_new(strlen(text) + 16);
    while (i < n) {
        guint end = i;

        if (*lines[i] == '\0') {
            /* A blank line; the last element is what follows the final newline. */
            if (i + 1 < n)
                g_string_append_c(out, '\n');
            i++;
            continue;
        }
        while (end < n && *lines[end] != '\0')
            end++;
        if (paragraph_too_wide(lines, i, end, width)) {
            wrap_paragraph(out, lines, i, end, width);
            if (end == n) /* no final newline in the input */
                g_string_truncate(out, out->len - 1);
        } else {
            for (guint k = i; k < end; k++) {
                g_string_append(out, lines[k]);
                if (k + 1 < n)
                    g_string_append_c(out, '\n');
            }
        }
        i = end;
    }
    return g_string_free(out, FALSE);
}
