/* Unit tests for the configuration loader: the case table in fixtures/config/. */
#include "notyet/config.h"

#include <glib/gstdio.h>
#include <string.h>

static char *home_dir;

static char *
fixture_path(const char *name)
{
    return g_test_build_filename(G_TEST_DIST, "fixtures", "config", name, NULL);
}

/* Copies fixture @name into a fresh temporary folder with @mode; returns its path. */
static char *
copy_fixture(const char *name, int mode, char **out_dir)
{
    g_autofree char *src = fixture_path(name);
    g_autofree char *data = NULL;
    g_autoptr(GError) error = NULL;
    gsize len = 0;
    char *dir = g_dir_make_tmp("notyet-config-XXXXXX", &error);
    char *dst = NULL;

    g_assert_no_error(error);
    g_file_get_contents(src, &data, &len, &error);
    g_assert_no_error(error);
    dst = g_build_filename(dir, name, NULL);
    g_file_set_contents(dst, data, (gssize)len, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(dst, mode), ==, 0);
    *out_dir = dir;
    return dst;
}

static void
remove_copy(const char *path, const char *dir)
{
    g_assert_cmpint(g_remove(path), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

static GPtrArray *
read_table(const char *name, guint columns)
{
    g_autofree char *path = fixture_path(name);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        char **f = NULL;

        if (**l == '\0' || **l == '#')
            continue;
        f = g_strsplit(*l, "|", -1);
        g_assert_cmpuint(g_strv_length(f), ==, columns);
        for (char **p = f; *p != NULL; p++)
            g_strstrip(*p);
        g_ptr_array_add(rows, f);
    }
    return rows;
}

/* The rows of fixtures/config/cases.txt, read in main() before the tests run. */
static GPtrArray *case_rows;

/* The table as a whole: it holds all its rows (a file cut short would drop
 * cases silently) and most of them are errors. */
static void
test_cases(void)
{
    guint bad = 0;

    g_assert_cmpuint(case_rows->len, >=, 40);
    for (guint i = 0; i < case_rows->len; i++) {
        char **row = g_ptr_array_index(case_rows, i);

        if (strcmp(row[2], "ok") != 0)
            bad++;
    }
    g_assert_cmpuint(bad, >=, 30);
}

/* What is wrong with loading the copy @path of a row whose outcome is @result
 * ("ok", "invalid", "unsafe" or "io") and whose error holds @text; NULL when
 * nothing is. */
static char *
case_problem(const char *path, const char *result, const char *text, const NyConfig *c,
             const GError *error)
{
    g_autofree char *prefix = g_strconcat(path, ": ", NULL);

    if (strcmp(result, "ok") == 0) {
        if (error != NULL)
            return g_strdup_printf("expected to load, failed: %s", error->message);
        if (c == NULL)
            return g_strdup("neither a configuration nor an error");
        if (g_strcmp0(c->path, path) != 0)
            return g_strdup_printf("its path is %s", c->path);
        if (c->emails == NULL)
            return g_strdup("no list of emails");
        return NULL;
    }
    if (c != NULL)
        return g_strdup_printf("loaded; expected %s", result);
    if (error == NULL)
        return g_strdup("neither a configuration nor an error");
    /* Never show a message that holds the password of the fixtures. */
    if (strstr(error->message, "hunter2") != NULL)
        return g_strdup("the error shows the password");
    if (error->domain != NY_CONFIG_ERROR ||
        (strcmp(result, "invalid") == 0 && error->code != NY_CONFIG_ERROR_INVALID) ||
        (strcmp(result, "unsafe") == 0 && error->code != NY_CONFIG_ERROR_UNSAFE) ||
        (strcmp(result, "io") == 0 && error->code != NY_CONFIG_ERROR_IO))
        return g_strdup_printf("not a %s error: %s", result, error->message);
    if (strcmp(result, "invalid") != 0 && strcmp(result, "unsafe") != 0 &&
        strcmp(result, "io") != 0)
        return g_strdup_printf("the table's outcome '%s' is none of ok, invalid, unsafe, io",
                               result);
    /* One line, naming the file first, then the problem. */
    if (!g_str_has_prefix(error->message, prefix))
        return g_strdup_printf("does not start with the file's path: %s", error->message);
    if (strstr(error->message, text) == NULL)
        return g_strdup_printf("does not hold '%s': %s", text, error->message);
    if (strchr(error->message, '\n') != NULL)
        return g_strdup_printf("more than one line: %s", error->message);
    return NULL;
}

/* One row of the table, its own test /config/cases/FILE/MODE: the file copied
 * with that mode loads, or fails with the error kind and the text given. A
 * wrong outcome fails this test only (g_test_fail_printf, not an assertion
 * that aborts), so the rows after it still run. */
static void
test_case(gconstpointer data)
{
    char *const *row = data;
    g_autofree char *dir = NULL;
    g_autofree char *path = NULL;
    g_autofree char *problem = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = NULL;
    int mode = (int)g_ascii_strtoll(row[1], NULL, 8);

    path = copy_fixture(row[0], mode, &dir);
    c = ny_config_load(path, TRUE, &error);
    if (error != NULL && strstr(error->message, "hunter2") == NULL)
        g_test_message("-> %s", error->message);
    problem = case_problem(path, row[2], row[3], c, error);
    remove_copy(path, dir);
    if (problem != NULL)
        g_test_fail_printf("%s mode %s: %s", row[0], row[1], problem);
}

static void
test_missing_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = NULL;
    g_autoptr(NyConfig) d = NULL;
    g_autofree char *path = fixture_path("no-such-file.ini");

    c = ny_config_load(path, FALSE, &error);
    g_assert_no_error(error);
    g_assert_nonnull(c);
    g_assert_null(c->path);
    g_assert_null(c->name);
    g_assert_null(c->timezone);
    g_assert_nonnull(c->emails);
    g_assert_null(c->emails[0]);
    g_assert_cmpuint(c->calendars->len, ==, 0);
    g_assert_cmpint(c->availability.slot_minutes, ==, 20);

    d = ny_config_load(path, TRUE, &error);
    g_assert_null(d);
    g_assert_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO);
    g_assert_true(g_str_has_prefix(error->message, path));
}

static void
test_not_a_file(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "fixtures", "config", NULL);
    g_autoptr(NyConfig) c = ny_config_load(dir, FALSE, &error);

    g_assert_null(c);
    g_assert_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO);
}

static void
test_defaults(void)
{
    g_autoptr(NyConfig) c = ny_config_new_default();
    const NyAvailability *a = &c->availability;

    g_assert_cmpuint(a->days, ==, 0x1f); /* Mon..Fri */
    g_assert_cmpint(a->start_minute, ==, 540);
    g_assert_cmpint(a->end_minute, ==, 1020);
    g_assert_cmpint(a->slot_minutes, ==, 20);
    g_assert_cmpint(a->grid_minutes, ==, 30);
    g_assert_cmpint(a->buffer_minutes, ==, 10);
    g_assert_cmpint(a->min_notice_hours, ==, 24);
    g_assert_cmpint(a->horizon_days, ==, 14);
    g_assert_cmpint(a->count, ==, 2);
    g_assert_cmpint(a->spread_days, ==, 2);
    g_assert_null(c->letter_template);
}

/* [limits]: the defaults without the group, and the lowest and the highest
 * value of each key read as written (one past each: /config/cases). */
static void
test_limits(void)
{
    static const struct {
        const char *file;
        int response, object, instances, timeout;
    } cases[] = {
        {"empty.ini", 32, 10, 50000, 10},
        {"good-design.ini", 32, 10, 50000, 10},
        {"good-limits-min.ini", 1, 1, 1000, 1},
        {"good-limits-max.ini", 1024, 256, 1000000, 3600},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *path = fixture_path(cases[i].file);
        g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);

        g_test_message("limits of %s", cases[i].file);
        g_assert_no_error(error);
        g_assert_cmpint(c->limits.max_response_mib, ==, cases[i].response);
        g_assert_cmpint(c->limits.max_object_mib, ==, cases[i].object);
        g_assert_cmpint(c->limits.max_instances, ==, cases[i].instances);
        g_assert_cmpint(c->limits.http_timeout_seconds, ==, cases[i].timeout);
    }
    {
        g_autoptr(NyConfig) d = ny_config_new_default();
        g_assert_cmpint(d->limits.max_response_mib, ==, 32);
        g_assert_cmpint(d->limits.max_object_mib, ==, 10);
        g_assert_cmpint(d->limits.max_instances, ==, 50000);
        g_assert_cmpint(d->limits.http_timeout_seconds, ==, 10);
    }
}

/* doc/notyet-config.5's example, inline comments and all. */
static void
test_design_example(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = fixture_path("good-design.ini");
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    NyCalendarConfig *cal;
    g_autofree char *template = NULL;

    g_assert_no_error(error);
    g_assert_cmpstr(c->name, ==, "Jane Doe");
    g_assert_cmpstr(c->email, ==, "jane@example.com");
    g_assert_cmpstr(c->phone, ==, "212.888.9999");
    g_assert_cmpstr(c->timezone, ==, "America/New_York");
    g_assert_cmpuint(g_strv_length(c->emails), ==, 1);
    g_assert_cmpstr(c->emails[0], ==, "jane@example.com");
    g_assert_cmpint(c->availability.grid_minutes, ==, 30);
    g_assert_cmpint(c->availability.buffer_minutes, ==, 10);
    g_assert_cmpint(c->availability.spread_days, ==, 2);
    g_assert_cmpuint(c->availability.days, ==, 0x1f);

    g_assert_cmpuint(c->calendars->len, ==, 1);
    cal = g_ptr_array_index(c->calendars, 0);
    g_assert_cmpstr(cal->name, ==, "work");
    g_assert_cmpint(cal->type, ==, NY_SOURCE_CALDAV);
    g_assert_cmpstr(cal->url, ==, "https://dav.example.com/");
    g_assert_cmpstr(cal->username, ==, "jane");
    g_assert_cmpstr(cal->password_command, ==, "pass show dav");
    g_assert_null(cal->password);
    g_assert_cmpuint(g_strv_length(cal->calendars), ==, 2);
    g_assert_cmpstr(cal->calendars[0], ==, "Work");
    g_assert_cmpstr(cal->calendars[1], ==, "Family");
    g_assert_false(cal->insecure);
    g_assert_false(cal->allow_insecure_http);

    template = g_build_filename(home_dir, ".config", "notyet", "letter.txt", NULL);
    g_assert_cmpstr(c->letter_template, ==, template);
}

static void
test_files_and_lists(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = fixture_path("good-files.ini");
    g_autofree char *dir = g_path_get_dirname(path);
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    g_autofree char *local = NULL;
    g_autofree char *folder = NULL;
    g_autofree char *template = NULL;
    const NyAvailability *a;
    NyCalendarConfig *cal;

    g_assert_no_error(error);
    g_assert_cmpuint(g_strv_length(c->emails), ==, 3);
    g_assert_cmpstr(c->emails[0], ==, "jane@example.com");
    g_assert_cmpstr(c->emails[1], ==, "jane.doe@work.example");
    g_assert_cmpstr(c->emails[2], ==, "j@example.org");

    a = &c->availability;
    g_assert_cmpuint(a->days, ==, NY_DAY_BIT(2) | NY_DAY_BIT(4) | NY_DAY_BIT(6));
    g_assert_cmpint(a->start_minute, ==, 8 * 60 + 30);
    g_assert_cmpint(a->end_minute, ==, 24 * 60);
    g_assert_cmpint(a->slot_minutes, ==, 45);
    g_assert_cmpint(a->grid_minutes, ==, 15);
    g_assert_cmpint(a->buffer_minutes, ==, 0);
    g_assert_cmpint(a->min_notice_hours, ==, 0);
    g_assert_cmpint(a->horizon_days, ==, 30);
    g_assert_cmpint(a->count, ==, 3);
    g_assert_cmpint(a->spread_days, ==, 0);

    g_assert_cmpuint(c->calendars->len, ==, 4);
    /* A relative path is read from the configuration file's folder. */
    cal = g_ptr_array_index(c->calendars, 0);
    local = g_build_filename(dir, "calendars", "home.ics", NULL);
    g_assert_cmpstr(cal->name, ==, "local");
    g_assert_cmpint(cal->type, ==, NY_SOURCE_ICS);
    g_assert_cmpstr(cal->url, ==, local);
    cal = g_ptr_array_index(c->calendars, 1);
    g_assert_cmpint(cal->type, ==, NY_SOURCE_ICS);
    g_assert_cmpstr(cal->url, ==, "https://example.com/feed.ics");
    g_assert_true(cal->allow_insecure_http);
    cal = g_ptr_array_index(c->calendars, 2);
    folder = g_build_filename(home_dir, "vdir", "work", NULL);
    g_assert_cmpint(cal->type, ==, NY_SOURCE_VDIR);
    g_assert_cmpstr(cal->url, ==, folder);
    cal = g_ptr_array_index(c->calendars, 3);
    g_assert_cmpstr(cal->name, ==, "server");
    g_assert_cmpint(cal->type, ==, NY_SOURCE_CALDAV);
    g_assert_true(cal->insecure);
    g_assert_false(cal->allow_insecure_http);
    g_assert_null(cal->calendars);

    template = g_build_filename(dir, "letters", "short.txt", NULL);
    g_assert_cmpstr(c->letter_template, ==, template);
}

static void
test_crlf(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = fixture_path("good-crlf.ini");
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(c->name, ==, "Crlf Person");
    g_assert_cmpstr(c->timezone, ==, "UTC");
}

static void
test_comments(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = fixture_path("good-comments.ini");
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(c->name, ==, "Jane Doe");
    g_assert_cmpstr(c->timezone, ==, "UTC");
}

static void
test_password_kept(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = NULL;
    g_autofree char *path = copy_fixture("good-password.ini", 0600, &dir);
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    NyCalendarConfig *cal;

    g_assert_no_error(error);
    cal = g_ptr_array_index(c->calendars, 0);
    g_assert_cmpstr(cal->password, ==, "hunter2");
    remove_copy(path, dir);
}

/* ny_config_load_from_data: the loader without a file (the fuzz driver's
 * entry), with the mode given by the caller and no NUL terminator needed. */
static void
test_from_data(void)
{
    static const char text[] = "[me]\nname=Jane Doe\n[calendar work]\ntype=ics\n"
                               "url=cal.ics\npassword=hunter2\nXYZ";
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = NULL;
    g_autoptr(NyConfig) unsafe = NULL;
    g_autoptr(NyConfig) nul = NULL;
    NyCalendarConfig *cal;

    /* The length stops before "XYZ": a line that would not parse. */
    c = ny_config_load_from_data("/etc/x/config.ini", text, strlen(text) - 3, 0600, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(c->path, ==, "/etc/x/config.ini");
    g_assert_cmpstr(c->name, ==, "Jane Doe");
    cal = g_ptr_array_index(c->calendars, 0);
    g_assert_cmpstr(cal->url, ==, "/etc/x/cal.ics");

    unsafe = ny_config_load_from_data("/etc/x/config.ini", text, strlen(text) - 3, 0644, &error);
    g_assert_null(unsafe);
    g_assert_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_UNSAFE);
    g_assert_null(strstr(error->message, "hunter2"));
    g_clear_error(&error);

    nul = ny_config_load_from_data("c.ini", "[me]\0name=x\n", 13, 0600, &error);
    g_assert_null(nul);
    g_assert_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID);
    g_assert_cmpstr(error->message, ==, "c.ini: not UTF-8 text");
}

/* Quotes around a value never reach the letter: name="Jane Doe" is Jane
 * Doe; lists and paths lose them too; their day is read. */
static void
test_quotes(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = copy_fixture("good-quotes.ini", 0600, &dir);
    g_autofree char *letter = g_build_filename(dir, "letter.txt", NULL);
    g_autofree char *decline = g_build_filename(g_get_home_dir(), "decline.txt", NULL);
    g_autofree char *nudge = g_build_filename(dir, "nudge.txt", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    g_autoptr(NyConfig) kept = NULL;
    static const char quoted[] = "[me]\nname=\"Jane\nphone='212\"\n";

    g_assert_no_error(error);
    g_assert_cmpstr(c->name, ==, "Jane Doe");
    g_assert_cmpstr(c->email, ==, "jane@example.com");
    /* Inside quotes " ;" and " #" are text, not a comment's start. */
    g_assert_cmpstr(c->phone, ==, "212.888.9999 ; ext #2");
    g_assert_cmpstr(c->timezone, ==, "America/New_York");
    g_assert_cmpuint(c->availability.days, ==, NY_DAY_BIT(1) | NY_DAY_BIT(2));
    g_assert_cmpint(c->availability.start_minute, ==, 9 * 60);
    g_assert_cmpint(c->availability.their_start_minute, ==, 7 * 60 + 30);
    g_assert_cmpint(c->availability.their_end_minute, ==, 19 * 60);
    g_assert_null(c->availability.their_zone);
    g_assert_cmpstr(c->letter_template, ==, letter);
    g_assert_cmpstr(c->decline_template, ==, decline);
    g_assert_cmpstr(c->nudge_template, ==, nudge);
    g_assert_cmpuint(c->warnings->len, ==, 0);
    remove_copy(path, dir);

    /* One quote, or quotes that do not match, are part of the value. */
    kept = ny_config_load_from_data("q.ini", quoted, strlen(quoted), 0600, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(kept->name, ==, "\"Jane");
    g_assert_cmpstr(kept->phone, ==, "'212\"");
}

/* A key set twice is a warning naming both lines; the last value is used. */
static void
test_duplicate_key(void)
{
    g_autofree char *dir = NULL;
    g_autofree char *path = copy_fixture("good-duplicate-key.ini", 0600, &dir);
    g_autofree char *want = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    g_autoptr(NyConfig) three = NULL;
    static const char dup_text[] = "[availability]\nstart=08:00 ; early\n# x\nstart = 09:00\n"
                                   "end=17:00\nstart=10:00\n";

    g_assert_no_error(error);
    g_assert_cmpstr(c->name, ==, "Jane Doe");
    g_assert_cmpuint(c->warnings->len, ==, 1);
    want = g_strdup_printf(
        "%s: [me] name: set twice, on lines 2 and 9; the value on line 9 is used", path);
    g_assert_cmpstr(g_ptr_array_index(c->warnings, 0), ==, want);
    remove_copy(path, dir);

    three = ny_config_load_from_data("t.ini", dup_text, strlen(dup_text), 0600, &error);
    g_assert_no_error(error);
    g_assert_cmpint(three->availability.start_minute, ==, 10 * 60);
    g_assert_cmpuint(three->warnings->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(three->warnings, 0), ==,
                    "t.ini: [availability] start: set twice, on lines 2 and 4; the value on "
                    "line 4 is used");
    g_assert_cmpstr(g_ptr_array_index(three->warnings, 1), ==,
                    "t.ini: [availability] start: set twice, on lines 4 and 6; the value on "
                    "line 6 is used");
}

static void
test_parse_time(void)
{
    g_autoptr(GPtrArray) rows = read_table("times.txt", 3);

    g_assert_cmpuint(rows->len, >=, 10);
    for (guint i = 0; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        gboolean allow_24 = strcmp(row[2], "yes") == 0;
        int minute = -7;
        gboolean ok = ny_config_parse_time(row[0], allow_24, &minute);

        g_test_message("time '%s'", row[0]);
        if (strcmp(row[1], "bad") == 0) {
            g_assert_false(ok);
            g_assert_cmpint(minute, ==, -7);
        } else {
            g_assert_true(ok);
            g_assert_cmpint(minute, ==, (int)g_ascii_strtoll(row[1], NULL, 10));
        }
    }
}

/* --their-hours: "HH:MM-HH:MM", the end after the start. */
static void
test_parse_hours(void)
{
    static const struct {
        const char *text;
        gboolean ok;
        int start;
        int end;
    } cases[] = {
        {"09:00-17:00", TRUE, 540, 1020},
        {"7:30-19:00", TRUE, 450, 1140},
        {"08:00 - 18:00", TRUE, 480, 1080},
        {"00:00-24:00", TRUE, 0, 1440},
        {"17:00-09:00", FALSE, 0, 0},
        {"09:00-09:00", FALSE, 0, 0},
        {"09:00", FALSE, 0, 0},
        {"9am-5pm", FALSE, 0, 0},
        {"24:00-24:00", FALSE, 0, 0},
        {"-17:00", FALSE, 0, 0},
        {"09:00-", FALSE, 0, 0},
        {"09:00-17:00x", FALSE, 0, 0},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        int start = -1;
        int end = -1;
        gboolean ok = ny_config_parse_hours(cases[i].text, &start, &end);

        g_test_message("hours '%s'", cases[i].text);
        g_assert_cmpint(ok, ==, cases[i].ok);
        if (ok) {
            g_assert_cmpint(start, ==, cases[i].start);
            g_assert_cmpint(end, ==, cases[i].end);
        } else {
            g_assert_cmpint(start, ==, -1);
            g_assert_cmpint(end, ==, -1);
        }
    }
}

static void
test_default_path(void)
{
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;
    g_autofree char *want = NULL;

    g_setenv("NOTYET_CONFIG", "/some/where.ini", TRUE);
    a = ny_config_default_path();
    g_assert_cmpstr(a, ==, "/some/where.ini");
    g_unsetenv("NOTYET_CONFIG");
    b = ny_config_default_path();
    want = g_build_filename(g_get_user_config_dir(), "notyet", "config.ini", NULL);
    g_assert_cmpstr(b, ==, want);
}

/* The store's and the cache's paths: --db, then the environment, then XDG. */
static void
test_store_and_cache_paths(void)
{
    g_autofree char *store_env = NULL;
    g_autofree char *store_option = NULL;
    g_autofree char *store_xdg = NULL;
    g_autofree char *cache_beside = NULL;
    g_autofree char *cache_odd = NULL;
    g_autofree char *cache_env = NULL;
    g_autofree char *cache_xdg = NULL;
    g_autofree char *want_store = NULL;
    g_autofree char *want_cache = NULL;

    g_setenv("NOTYET_DB", "/some/where.db", TRUE);
    store_env = ny_config_store_path(NULL);
    g_assert_cmpstr(store_env, ==, "/some/where.db");
    store_option = ny_config_store_path("/given/mine.db");
    g_assert_cmpstr(store_option, ==, "/given/mine.db");
    g_setenv("NOTYET_DB", "", TRUE);
    store_xdg = ny_config_store_path(NULL);
    want_store = g_build_filename(g_get_user_data_dir(), "notyet", "notyet.db", NULL);
    g_assert_cmpstr(store_xdg, ==, want_store);
    g_unsetenv("NOTYET_DB");

    /* $NOTYET_DB does not move the cache; --db does. */
    g_unsetenv("NOTYET_CACHE");
    cache_beside = ny_config_cache_path("/tmp/x/store.db");
    g_assert_cmpstr(cache_beside, ==, "/tmp/x/store.cache.db");
    cache_odd = ny_config_cache_path("/tmp/x/mine");
    g_assert_cmpstr(cache_odd, ==, "/tmp/x/mine.cache.db");
    cache_xdg = ny_config_cache_path(NULL);
    want_cache = g_build_filename(g_get_user_cache_dir(), "notyet", "cache.db", NULL);
    g_assert_cmpstr(cache_xdg, ==, want_cache);
    g_setenv("NOTYET_CACHE", "/tmp/y/c.db", TRUE);
    cache_env = ny_config_cache_path("/tmp/x/store.db");
    g_assert_cmpstr(cache_env, ==, "/tmp/y/c.db");
    g_unsetenv("NOTYET_CACHE");
}

/* holds= names one calendar of one caldav account, trimmed; the others
 * have none. */
static void
test_holds(void)
{
    g_autofree char *path = fixture_path("good-holds.ini");
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = ny_config_load(path, TRUE, &error);
    const NyCalendarConfig *work;
    const NyCalendarConfig *home;

    g_assert_no_error(error);
    g_assert_cmpuint(c->calendars->len, ==, 2);
    work = g_ptr_array_index(c->calendars, 0);
    home = g_ptr_array_index(c->calendars, 1);
    g_assert_cmpstr(work->name, ==, "work");
    g_assert_cmpstr(work->holds, ==, "Holds");
    g_assert_cmpstr(home->holds, ==, NULL);
}

int
main(int argc, char **argv)
{
    /* As -k: a failed test does not stop the run, so a wrong row of the case
     * table does not hide the rows after it. */
    static char keep_going[] = "--keep-going";
    g_autofree char **args = g_new0(char *, (gsize)argc + 2);
    g_autoptr(GError) error = NULL;
    int rc;

    /* A known home folder for "~/" expansion, set before GLib reads it. */
    home_dir = g_dir_make_tmp("notyet-home-XXXXXX", &error);
    g_assert_no_error(error);
    g_setenv("HOME", home_dir, TRUE);

    memcpy(args, argv, sizeof(char *) * (gsize)argc);
    args[argc++] = keep_going;
    g_test_init(&argc, &args, NULL);
    case_rows = read_table("cases.txt", 4);
    g_test_add_func("/config/cases", test_cases);
    for (guint i = 0; i < case_rows->len; i++) {
        char **row = g_ptr_array_index(case_rows, i);
        g_autofree char *name = g_strdup_printf("/config/cases/%s/%s", row[0], row[1]);

        g_test_add_data_func(name, row, test_case);
    }
    g_test_add_func("/config/holds", test_holds);
    g_test_add_func("/config/missing-file", test_missing_file);
    g_test_add_func("/config/not-a-file", test_not_a_file);
    g_test_add_func("/config/defaults", test_defaults);
    g_test_add_func("/config/limits", test_limits);
    g_test_add_func("/config/design-example", test_design_example);
    g_test_add_func("/config/files-and-lists", test_files_and_lists);
    g_test_add_func("/config/crlf", test_crlf);
    g_test_add_func("/config/comments", test_comments);
    g_test_add_func("/config/password-kept", test_password_kept);
    g_test_add_func("/config/from-data", test_from_data);
    g_test_add_func("/config/parse-time", test_parse_time);
    g_test_add_func("/config/quotes", test_quotes);
    g_test_add_func("/config/parse-hours", test_parse_hours);
    g_test_add_func("/config/duplicate-key", test_duplicate_key);
    g_test_add_func("/config/default-path", test_default_path);
    g_test_add_func("/config/store-and-cache-paths", test_store_and_cache_paths);
    rc = g_test_run();
    g_ptr_array_unref(case_rows);
    g_rmdir(home_dir);
    g_free(home_dir);
    return rc;
}
