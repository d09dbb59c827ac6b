/* Unit tests for the letter template: golden letters and every error. */
#include <string.h>

#include "notyet/template.h"

static char *
fixture_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "fixtures", "letter", name, NULL);
}

static char *
read_fixture(const char *name)
{
    g_autofree char *path = fixture_path(name);
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    return text;
}

/* "decline:FILE" and "nudge:FILE" name a template kind; a bare FILE is the
 * letter. Returns the rest of @spec. */
static const char *
parse_kind(const char *spec, NyTemplateKind *out_kind)
{
    *out_kind = NY_TEMPLATE_LETTER;
    if (g_str_has_prefix(spec, "decline:")) {
        *out_kind = NY_TEMPLATE_DECLINE;
        return spec + strlen("decline:");
    }
    if (g_str_has_prefix(spec, "nudge:")) {
        *out_kind = NY_TEMPLATE_NUDGE;
        return spec + strlen("nudge:");
    }
    return spec;
}

static GHashTable *
base_values(void)
{
    GHashTable *v = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    g_hash_table_insert(v, g_strdup("first_name"), g_strdup("Richard"));
    g_hash_table_insert(v, g_strdup("name"), g_strdup("Richard Roe"));
    g_hash_table_insert(v, g_strdup("duration"), g_strdup("20 minutes"));
    g_hash_table_insert(v, g_strdup("slot1"), g_strdup("this Wednesday at 2p ET"));
    g_hash_table_insert(v, g_strdup("slot2"), g_strdup("Friday at 3p ET"));
    g_hash_table_insert(v, g_strdup("slots"),
                        g_strdup("this Wednesday at 2p ET and then Friday at 3p ET"));
    return v;
}

/* fixtures/letter/cases.txt: golden file | field=value;... */
static void
test_golden(gconstpointer data)
{
    const char *line = data;
    g_auto(GStrv) parts = g_strsplit(line, "|", 2);
    g_auto(GStrv) fields = NULL;
    g_autoptr(GHashTable) values = base_values();
    g_autofree char *want = NULL;
    g_autofree char *got = NULL;
    g_autoptr(GError) error = NULL;
    NyTemplateKind kind;
    const char *file = parse_kind(parts[0], &kind);
    const char *tmpl = ny_template_builtin(kind);

    g_assert_cmpuint(g_strv_length(parts), ==, 2);
    fields = g_strsplit(parts[1], ";", -1);
    for (guint i = 0; fields[i] != NULL; i++) {
        char *eq = strchr(fields[i], '=');
        if (*fields[i] == '\0')
            continue;
        g_assert_nonnull(eq);
        *eq = '\0';
        g_hash_table_insert(values, g_strdup(fields[i]), g_strcompress(eq + 1));
    }
    want = read_fixture(file);
    got = ny_template_render_kind(kind, ny_template_builtin_name(kind), tmpl, strlen(tmpl), values,
                                  &error);
    g_assert_no_error(error);
    g_assert_cmpstr(got, ==, want);
}

/* fixtures/letter/errors.txt: code[@kind] | needle | template */
static void
test_error(gconstpointer data)
{
    const char *line = data;
    g_auto(GStrv) parts = g_strsplit(line, "|", 3);
    g_autofree char *tmpl = NULL;
    g_autofree char *got = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GHashTable) values = base_values();
    NyTemplateKind kind = NY_TEMPLATE_LETTER;
    char *at;
    int code;

    g_assert_cmpuint(g_strv_length(parts), ==, 3);
    tmpl = g_strcompress(parts[2]);
    if ((at = strchr(parts[0], '@')) != NULL) {
        *at = '\0';
        kind = strcmp(at + 1, "decline") == 0 ? NY_TEMPLATE_DECLINE : NY_TEMPLATE_NUDGE;
    }
    code = strcmp(parts[0], "syntax") == 0    ? NY_TEMPLATE_ERROR_SYNTAX
           : strcmp(parts[0], "unknown") == 0 ? NY_TEMPLATE_ERROR_UNKNOWN_FIELD
                                              : NY_TEMPLATE_ERROR_TOO_BIG;
    got = ny_template_render_kind(kind, "t.txt", tmpl, strlen(tmpl), values, &error);
    g_assert_null(got);
    g_assert_error(error, NY_TEMPLATE_ERROR, code);
    if (strstr(error->message, parts[1]) == NULL)
        g_error("'%s' not in '%s'", parts[1], error->message);
    g_assert_true(g_str_has_prefix(error->message, "'t.txt' line "));
    g_clear_error(&error);
    g_assert_false(ny_template_check_kind(kind, "t.txt", tmpl, strlen(tmpl), &error));
    g_assert_error(error, NY_TEMPLATE_ERROR, code);
}

/* Every built-in template passes its own kind's check; the decline note
 * has no time field, so it passes the decline check too. */
static void
test_builtins(void)
{
    static const NyTemplateKind kinds[] = {NY_TEMPLATE_LETTER, NY_TEMPLATE_DECLINE,
                                           NY_TEMPLATE_NUDGE};
    const char *decline = ny_template_builtin(NY_TEMPLATE_DECLINE);
    g_autoptr(GError) error = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
        const char *t = ny_template_builtin(kinds[i]);
        g_assert_true(ny_template_check_kind(kinds[i], ny_template_builtin_name(kinds[i]), t,
                                             strlen(t), &error));
        g_assert_no_error(error);
    }
    g_assert_null(strstr(decline, "{{slot"));
    g_assert_null(strstr(decline, "{{duration"));
    g_assert_false(ny_template_kind_field_known(NY_TEMPLATE_DECLINE, "slots"));
    g_assert_false(ny_template_kind_field_known(NY_TEMPLATE_DECLINE, "slot1"));
    g_assert_true(ny_template_kind_field_known(NY_TEMPLATE_DECLINE, "my_first_name"));
    g_assert_true(ny_template_kind_field_known(NY_TEMPLATE_NUDGE, "slot2"));
}

/* ny_template_write: the values from NyLetterFields, the first words, the
 * reflow of a long phrase, and a decline note that names no time. */
static void
test_write(void)
{
    const char *phrases[] = {
        "this Wednesday at 2p ET (7p in London)",
        "Monday, December 14 at 3:30p ET (8:30p in London)",
        NULL,
    };
    NyLetterFields f = {
        .name = "  Richard Roe",
        .met = "last week at SxSW",
        .my_name = "Jane Doe",
        .my_email = "jane@example.com",
        .slot_minutes = 20,
        .slots = phrases,
    };
    g_autoptr(GError) error = NULL;
    g_autofree char *letter =
        ny_template_write(NY_TEMPLATE_LETTER, NY_TEMPLATE_DEFAULT_NAME, NULL, &f, &error);
    g_autofree char *note = NULL;
    g_autofree char *first = ny_template_first_word("\tJane Doe");
    g_auto(GStrv) lines = NULL;

    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(letter, "Hi Richard,\n"));
    g_assert_true(g_str_has_suffix(letter, "\n\nJane\n"));
    g_assert_nonnull(strstr(letter, "20 minutes this Wednesday at 2p ET (7p in London) and"));
    g_assert_nonnull(strstr(letter, "reach me at jane@example.com."));
    lines = g_strsplit(letter, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++)
        g_assert_cmpint(g_utf8_strlen(lines[i], -1), <=, NY_TEMPLATE_WIDTH);
    g_assert_cmpstr(first, ==, "Jane");

    f.slots = NULL;
    f.slot_minutes = 0;
    note = ny_template_write(NY_TEMPLATE_DECLINE, ny_template_builtin_name(NY_TEMPLATE_DECLINE),
                             NULL, &f, &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(note, "Hi Richard,\n\nGreat to meet you last week at SxSW."));
    g_assert_true(g_str_has_suffix(note, "\n\nJane\n"));
    g_assert_null(strstr(note, " ET"));
    g_assert_null(strstr(note, "minutes"));
}

static void
test_sections(void)
{
    static const struct {
        const char *tmpl;
        const char *met;
        const char *want;
    } cases[] = {
        {"a{{#met}}[{{met}}]{{/met}}b", "x", "a[x]b"},
        {"a{{#met}}[{{met}}]{{/met}}b", NULL, "ab"},
        {"a{{#met}}[{{met}}]{{/met}}b", "", "ab"}, /* empty is unset */
        {"a{{^met}}none{{/met}}b", NULL, "anoneb"},
        {"a{{^met}}none{{/met}}b", "x", "ab"},
        {"1\n{{#met}}\n2\n{{/met}}\n3\n", NULL, "1\n3\n"},
        {"1\n{{#met}}\n2\n{{/met}}\n3\n", "x", "1\n2\n3\n"},
        {"1\n  {{#met}}  \n2\n\t{{/met}}\n3", NULL, "1\n3"},     /* standalone with blanks */
        {"1\r\n{{#met}}\r\n2\r\n{{/met}}\r\n3", NULL, "1\r\n3"}, /* CRLF templates */
        {"{{#met}}x{{/met}}", NULL, ""},
        {"{{ met }}|{{# met }}y{{/ met }}", "v", "v|y"},
        {"a }} b { c", NULL, "a }} b { c"}, /* lone braces are text */
        {"{{#met}}{{#met}}{{met}}{{/met}}{{/met}}", "n", "n"},
        {"{{#closing}}{{^met}}c-no-met{{/met}}{{/closing}}", NULL, ""},
        {"", NULL, ""},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GHashTable) v = g_hash_table_new(g_str_hash, g_str_equal);
        g_autoptr(GError) error = NULL;
        g_autofree char *got = NULL;

        if (cases[i].met != NULL)
            g_hash_table_insert(v, (char *)"met", (char *)cases[i].met);
        got = ny_template_render("t", cases[i].tmpl, strlen(cases[i].tmpl), v, &error);
        g_assert_no_error(error);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
}

/* A value is inserted as is: tags in it are text, not expanded. */
static void
test_value_literal(void)
{
    g_autoptr(GHashTable) v = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;
    const char *tmpl = "Hi {{name}}, {{met}}";

    g_hash_table_insert(v, (char *)"name", (char *)"{{met}}");
    g_hash_table_insert(v, (char *)"met", (char *)"{{#x}}\n{{/y}}");
    got = ny_template_render("t", tmpl, strlen(tmpl), v, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(got, ==, "Hi {{met}}, {{#x}}\n{{/y}}");
}

static void
test_too_big_and_binary(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *big = g_strnfill(NY_TEMPLATE_MAX_SIZE + 1, 'a');
    const char nul[] = "Hi\0there";
    const char bad_utf8[] = "Hi \xff";

    g_assert_null(ny_template_render("big.txt", big, strlen(big), NULL, &error));
    g_assert_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG);
    g_clear_error(&error);
    big[NY_TEMPLATE_MAX_SIZE] = '\0';
    g_assert_true(ny_template_check_kind(NY_TEMPLATE_LETTER, "big.txt", big, strlen(big), &error));
    g_assert_no_error(error);
    g_assert_null(ny_template_render("nul.txt", nul, sizeof(nul) - 1, NULL, &error));
    g_assert_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG);
    g_clear_error(&error);
    g_assert_null(ny_template_render("bad.txt", bad_utf8, strlen(bad_utf8), NULL, &error));
    g_assert_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG);
}

static void
test_fields_known(void)
{
    const char *yes[] = {"first_name", "name",  "met",      "closing",      "my_name",
                         "my_email",   "slot1", "slot2",    "slot9",        "slot10",
                         "slot99",     "slots", "duration", "my_first_name"};
    const char *no[] = {"slot", "slot0", "slot01", "slot100", "slot1x", "Name", "email", ""};

    for (gsize i = 0; i < G_N_ELEMENTS(yes); i++)
        g_assert_true(ny_template_field_known(yes[i]));
    for (gsize i = 0; i < G_N_ELEMENTS(no); i++)
        g_assert_false(ny_template_field_known(no[i]));
}

static void
test_reflow(void)
{
    static const struct {
        const char *in;
        int width;
        const char *want;
    } cases[] = {
        {"short line\nkept\n", 10, "short line\nkept\n"},
        {"one two three four\n", 9, "one two\nthree\nfour\n"},
        {"aa bb\ncc dd ee\n\nfine\n", 7, "aa bb\ncc dd\nee\n\nfine\n"},
        {"p1\n\n\np2 is long\nx", 5, "p1\n\n\np2 is\nlong\nx"},
        {"averyveryverylongword and more", 6, "averyveryverylongword\nand\nmore"},
        {"Zoë Ødegård über\n", 11, "Zoë Ødegård\nüber\n"},
        {"", 5, ""},
        {"\n\n", 5, "\n\n"},
    };
    g_autofree char *full = read_fixture("full.txt");
    g_autofree char *same = ny_template_reflow(full, NY_TEMPLATE_WIDTH);

    /* The built-in letter's own lines are never touched. */
    g_assert_cmpstr(same, ==, full);
    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = ny_template_reflow(cases[i].in, cases[i].width);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
}

static GPtrArray *
load_lines(const char *name)
{
    g_autofree char *text = read_fixture(name);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; lines[i] != NULL; i++) {
        if (*lines[i] != '\0' && *lines[i] != '#')
            g_ptr_array_add(out, g_strdup(lines[i]));
    }
    return out;
}

/* The built-in nudge is a valid template that refers to the first letter. */
static void
test_nudge_default(void)
{
    const char *tmpl = ny_template_builtin(NY_TEMPLATE_NUDGE);
    g_autoptr(GHashTable) v = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;

    g_assert_true(ny_template_check_kind(NY_TEMPLATE_LETTER,
                                         ny_template_builtin_name(NY_TEMPLATE_NUDGE), tmpl,
                                         strlen(tmpl), &error));
    g_assert_no_error(error);
    g_hash_table_insert(v, "first_name", "Richard");
    g_hash_table_insert(v, "first_letter", "on Monday, November 30");
    g_hash_table_insert(v, "duration", "20 minutes");
    g_hash_table_insert(v, "slots", "tomorrow at 10a ET");
    out = ny_template_render(ny_template_builtin_name(NY_TEMPLATE_NUDGE), tmpl, strlen(tmpl), v,
                             &error);
    g_assert_no_error(error);
    g_assert_true(g_str_has_prefix(out, "Hi Richard,\n\nI wrote to you on Monday, November 30 "));
    g_assert_nonnull(strstr(out, "I have 20 minutes tomorrow at 10a ET.\n"));
    /* No name of mine: no signature line, nothing dangling. */
    g_assert_true(g_str_has_suffix(out, "works for you.\n"));
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) golden = NULL;
    g_autoptr(GPtrArray) errors = NULL;

    g_test_init(&argc, &argv, NULL);
    golden = load_lines("cases.txt");
    errors = load_lines("errors.txt");
    for (guint i = 0; i < golden->len; i++) {
        const char *line = g_ptr_array_index(golden, i);
        g_autofree char *file = g_strndup(line, strcspn(line, "|."));
        g_autofree char *path = g_strdup_printf("/template/golden/%s", file);
        g_test_add_data_func(path, line, test_golden);
    }
    for (guint i = 0; i < errors->len; i++) {
        g_autofree char *path = g_strdup_printf("/template/error/%u", i + 1);
        g_test_add_data_func(path, g_ptr_array_index(errors, i), test_error);
    }
    g_test_add_func("/template/sections", test_sections);
    g_test_add_func("/template/value-literal", test_value_literal);
    g_test_add_func("/template/too-big-and-binary", test_too_big_and_binary);
    g_test_add_func("/template/fields-known", test_fields_known);
    g_test_add_func("/template/reflow", test_reflow);
    g_test_add_func("/template/builtins", test_builtins);
    g_test_add_func("/template/write", test_write);
    g_test_add_func("/template/nudge-default", test_nudge_default);
    return g_test_run();
}
