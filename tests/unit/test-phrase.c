/* Unit tests for slot phrasing: fixtures/letter/phrases.txt and helpers. */
#include <string.h>

#include "notyet/phrase.h"

static NyTime
parse_time(const char *text)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GError) error = NULL;
    NyTime t = 0;

    ny_time_parse(text, utc, &t, &error);
    g_assert_no_error(error);
    return t;
}

static void
test_case(gconstpointer data)
{
    g_auto(GStrv) parts = g_strsplit(data, "|", -1);
    g_autoptr(GTimeZone) zone = NULL;
    g_autoptr(GTimeZone) their = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;

    g_assert_cmpuint(g_strv_length(parts), ==, 5);
    zone = ny_zone_new(parts[0], &error);
    g_assert_no_error(error);
    if (strcmp(parts[3], "-") != 0) {
        their = ny_zone_new(parts[3], &error);
        g_assert_no_error(error);
    }
    got = ny_phrase_slot(parse_time(parts[2]), parse_time(parts[1]), zone, parts[0], their,
                         their ? parts[3] : NULL);
    g_assert_cmpstr(got, ==, parts[4]);
}

static void
test_duration(void)
{
    static const struct {
        int minutes;
        const char *want;
    } cases[] = {{20, "20 minutes"}, {1, "1 minute"},    {60, "1 hour"},
                 {120, "2 hours"},   {90, "90 minutes"}, {45, "45 minutes"}};

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = ny_phrase_duration(cases[i].minutes);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
}

static void
test_join(void)
{
    const char *none[] = {NULL};
    const char *one[] = {"A", NULL};
    const char *two[] = {"A", "B", NULL};
    const char *three[] = {"A", "B", "C", NULL};
    g_autofree char *j0 = ny_phrase_join(none);
    g_autofree char *j1 = ny_phrase_join(one);
    g_autofree char *j2 = ny_phrase_join(two);
    g_autofree char *j3 = ny_phrase_join(three);

    g_assert_cmpstr(j0, ==, "");
    g_assert_cmpstr(j1, ==, "A");
    g_assert_cmpstr(j2, ==, "A and then B");
    g_assert_cmpstr(j3, ==, "A, B and then C");
}

static void
test_city(void)
{
    g_autofree char *a = ny_phrase_city("America/New_York");
    g_autofree char *b = ny_phrase_city("America/Argentina/Buenos_Aires");
    g_autofree char *c = ny_phrase_city("UTC");

    g_assert_cmpstr(a, ==, "New York");
    g_assert_cmpstr(b, ==, "Buenos Aires");
    g_assert_cmpstr(c, ==, "UTC");
}

int
main(int argc, char **argv)
{
    g_autofree char *path = NULL;
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;

    g_test_init(&argc, &argv, NULL);
    path = g_test_build_filename(G_TEST_DIST, "fixtures", "letter", "phrases.txt", NULL);
    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i] != NULL; i++) {
        g_autofree char *name = NULL;
        if (*lines[i] == '\0' || *lines[i] == '#')
            continue;
        name = g_strdup_printf("/phrase/case/%u", i + 1);
        g_test_add_data_func(name, lines[i], test_case);
    }
    g_test_add_func("/phrase/duration", test_duration);
    g_test_add_func("/phrase/join", test_join);
    g_test_add_func("/phrase/city", test_city);
    return g_test_run();
}
