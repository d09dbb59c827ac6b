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

/* What a reader must understand from the day phrase, computed from the
 * calendar alone: 0 and 1 days by name, 2 to 6 days the coming weekday,
 * from 7 days on the date, with the year when it is another year. */
static char *
expected_day(const GDate *now_day, const GDate *day)
{
    static const char *const wd[] = {"",         "Monday", "Tuesday",  "Wednesday",
                                     "Thursday", "Friday", "Saturday", "Sunday"};
    static const char *const mo[] = {"",        "January",  "February", "March",  "April",
                                     "May",     "June",     "July",     "August", "September",
                                     "October", "November", "December"};
    int days = g_date_days_between(now_day, day);
    GDateWeekday w = g_date_get_weekday(day);

    if (days == 0)
        return g_strdup("today");
    if (days == 1)
        return g_strdup("tomorrow");
    if (days >= 2 && days <= 6)
        return g_strdup_printf("this %s", wd[w]);
    if (g_date_get_year(day) != g_date_get_year(now_day))
        return g_strdup_printf("%s, %s %d, %d", wd[w], mo[g_date_get_month(day)],
                               g_date_get_day(day), g_date_get_year(day));
    return g_strdup_printf("%s, %s %d", wd[w], mo[g_date_get_month(day)], g_date_get_day(day));
}

static gboolean
has_next_weekday(const char *text)
{
    static const char *const wd[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                     "Friday", "Saturday", "Sunday"};

    for (gsize i = 0; i < G_N_ELEMENTS(wd); i++) {
        g_autofree char *bad = g_strdup_printf("next %s", wd[i]);
        if (strstr(text, bad) != NULL)
            return TRUE;
    }
    return FALSE;
}

/* Every 'now' of 2026 and 2027 (each day, at four times of day, so every
 * weekday meets every day of a 31-day horizon, across both year ends and
 * both DST changes) in zones north and south, whole and half hours: the day
 * phrase is the expected one and never says "next <weekday>"; the slot phrase
 * with an invitee's zone does not either. */
static void
test_exhaustive(void)
{
    static const char *const zones[] = {"America/New_York", "Europe/London", "Asia/Kolkata",
                                        "Pacific/Auckland", "Australia/Lord_Howe"};
    static const int hours[] = {0, 9, 17, 23};
    guint checked = 0;

    for (gsize z = 0; z < G_N_ELEMENTS(zones); z++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GTimeZone) zone = ny_zone_new(zones[z], &error);
        g_autoptr(GTimeZone) their = ny_zone_new("Asia/Tokyo", &error);
        GDate d;

        g_assert_no_error(error);
        g_date_clear(&d, 1);
        for (g_date_set_dmy(&d, 1, G_DATE_JANUARY, 2026); g_date_get_year(&d) <= 2027;
             g_date_add_days(&d, 1)) {
            for (gsize h = 0; h < G_N_ELEMENTS(hours); h++) {
                NyTime now = ny_time_from_local(zone, g_date_get_year(&d), g_date_get_month(&d),
                                                g_date_get_day(&d), hours[h], 30, 0);
                for (int ahead = 0; ahead <= 31; ahead++) {
                    GDate day = d;
                    NyTime t;
                    g_autofree char *got = NULL;
                    g_autofree char *want = NULL;
                    g_autofree char *slot = NULL;

                    g_date_add_days(&day, (guint)ahead);
                    t = ny_time_from_local(zone, g_date_get_year(&day), g_date_get_month(&day),
                                           g_date_get_day(&day), 10, 0, 0);
                    got = ny_phrase_day(t, now, zone);
                    want = expected_day(&d, &day);
                    if (g_strcmp0(got, want) != 0)
                        g_test_message("%s now %d-%02d-%02d %02d:30, %d days ahead", zones[z],
                                       g_date_get_year(&d), g_date_get_month(&d),
                                       g_date_get_day(&d), hours[h], ahead);
                    g_assert_cmpstr(got, ==, want);
                    g_assert_false(has_next_weekday(got));
                    slot = ny_phrase_slot(t, now, zone, zones[z], their, "Asia/Tokyo");
                    g_assert_false(has_next_weekday(slot));
                    checked++;
                }
            }
        }
    }
    g_assert_cmpuint(checked, ==, 5 * 730 * 4 * 32);
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
    g_test_add_func("/phrase/exhaustive", test_exhaustive);
    return g_test_run();
}
