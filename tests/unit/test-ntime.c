/* Unit tests for ntime: intervals and ISO 8601. */
#include "notyet/ntime.h"

static GTimeZone *
ny_zone(const char *name)
{
    g_autoptr(GError) error = NULL;
    GTimeZone *z = ny_zone_new(name, &error);
    g_assert_no_error(error);
    return z;
}

static void
test_normalize_merges_touching(void)
{
    g_autoptr(GArray) l = ny_intervals_new();

    ny_intervals_add(l, 50, 60);
    ny_intervals_add(l, 10, 20);
    ny_intervals_add(l, 20, 30); /* touches [10,20) */
    ny_intervals_add(l, 25, 28); /* inside */
    ny_intervals_add(l, 40, 40); /* empty: not added */
    ny_intervals_add(l, 0, 5);   /* before the window */
    ny_intervals_add(l, 55, 99); /* crosses the end */
    ny_intervals_normalize(l, 8, 70);
    g_assert_cmpuint(l->len, ==, 2);
    g_assert_cmpint(g_array_index(l, NyInterval, 0).start, ==, 10);
    g_assert_cmpint(g_array_index(l, NyInterval, 0).end, ==, 30);
    g_assert_cmpint(g_array_index(l, NyInterval, 1).start, ==, 50);
    g_assert_cmpint(g_array_index(l, NyInterval, 1).end, ==, 70);
}

static void
test_overlaps(void)
{
    g_autoptr(GArray) l = ny_intervals_new();

    ny_intervals_add(l, 10, 20);
    ny_intervals_add(l, 30, 40);
    ny_intervals_normalize(l, 0, 100);
    g_assert_false(ny_intervals_overlaps(l, 0, 10)); /* half-open: ends where busy starts */
    g_assert_true(ny_intervals_overlaps(l, 0, 11));
    g_assert_false(ny_intervals_overlaps(l, 20, 30));
    g_assert_true(ny_intervals_overlaps(l, 39, 50));
    g_assert_false(ny_intervals_overlaps(l, 40, 50));
    g_assert_true(ny_intervals_overlaps(l, 5, 45));
    g_assert_false(ny_intervals_overlaps(l, 15, 15));
}

static void
test_parse_forms(void)
{
    g_autoptr(GTimeZone) ny = ny_zone("America/New_York");
    g_autoptr(GError) error = NULL;
    NyTime t = 0;

    g_assert_true(ny_time_parse("2026-12-02T19:00:00Z", ny, &t, &error));
    g_assert_no_error(error);
    g_assert_cmpint(t, ==, 1796238000);
    g_assert_true(ny_time_parse("2026-12-02T14:00:00-05:00", ny, &t, &error));
    g_assert_cmpint(t, ==, 1796238000);
    /* A bare date is local midnight in the user's zone. */
    g_assert_true(ny_time_parse("2026-12-02", ny, &t, &error));
    g_assert_cmpint(t, ==, 1796238000 - 14 * 3600);
}

static void
test_parse_refuses(void)
{
    g_autoptr(GTimeZone) ny = ny_zone("America/New_York");
    const char *bad[] = {"2026-12-02T19:00:00", "tomorrow", "", "2026-02-30", "2026-13-01",
                         "2026-12-02T25:00:00Z", "2026-12-02 19:00",
                         /* found by fuzz-time: GLib formats year 26 as "26-..." */
                         "0026-12-02", "1899-12-31T23:59:59Z", "9999-12-31"};

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        NyTime t = 42;
        g_assert_false(ny_time_parse(bad[i], ny, &t, &error));
        g_assert_error(error, NY_TIME_ERROR, NY_TIME_ERROR_INVALID);
        g_assert_cmpint(t, ==, 42); /* untouched on failure */
    }
}

static void
test_zone_unknown(void)
{
    const char *bad[] = {"Nowhere/Nope", "", "/etc/passwd", ":America/New_York", "../x"};

    for (gsize i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GTimeZone) z = ny_zone_new(bad[i], &error);
        g_assert_null(z);
        g_assert_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE);
    }
}

static void
test_midnight_dst(void)
{
    g_autoptr(GTimeZone) ny = ny_zone("America/New_York");
    /* 2026-03-08 is the spring-forward day in New York: 23 hours long. */
    NyTime noon = ny_time_from_local(ny, 2026, 3, 8, 12, 0, 0);
    NyTime a = ny_time_local_midnight(noon, ny, 0);
    NyTime b = ny_time_local_midnight(noon, ny, 1);

    g_assert_cmpint(b - a, ==, 23 * 3600);
    /* 2026-11-01 falls back: 25 hours. */
    noon = ny_time_from_local(ny, 2026, 11, 1, 12, 0, 0);
    g_assert_cmpint(ny_time_local_midnight(noon, ny, 1) - ny_time_local_midnight(noon, ny, 0), ==,
                    25 * 3600);
}

static void
test_from_local_gap(void)
{
    g_autoptr(GTimeZone) ny = ny_zone("America/New_York");
    /* 02:30 does not exist on 2026-03-08: rounded up to 03:00 EDT = 07:00Z. */
    NyTime t = ny_time_from_local(ny, 2026, 3, 8, 2, 30, 0);
    g_autofree char *s = ny_time_format_utc(t);

    g_assert_cmpstr(s, ==, "2026-03-08T07:00:00Z");
}

/* Normalizing gives the union of the periods clipped to the window, periods
 * that touch merged: checked second by second on random lists, long enough
 * for the sort's merges, with repeats, empty and reversed periods. */
static void
test_normalize_is_union(void)
{
    GRand *rand = g_rand_new_with_seed(3);

    for (int round = 0; round < 400; round++) {
        g_autoptr(GArray) list = ny_intervals_new();
        g_autoptr(GArray) want = ny_intervals_new();
        gboolean covered[500] = {FALSE};
        int n = g_rand_int_range(rand, 0, round < 200 ? 40 : 300);
        NyTime from = g_rand_int_range(rand, 0, 100);
        NyTime to = g_rand_int_range(rand, 200, 410);

        for (int i = 0; i < n; i++) {
            NyInterval iv;
            iv.start = g_rand_int_range(rand, -20, 400);
            iv.end = iv.start + g_rand_int_range(rand, -5, 30);
            g_array_append_val(list, iv);
            if (i % 7 == 0)
                g_array_append_val(list, iv);
            for (NyTime t = MAX(iv.start, from); t < MIN(iv.end, to); t++)
                covered[t] = TRUE;
        }
        for (NyTime t = 0; t < 500; t++) {
            if (covered[t] && (t == 0 || !covered[t - 1]))
                ny_intervals_add(want, t, t + 1);
            else if (covered[t])
                g_array_index(want, NyInterval, want->len - 1).end = t + 1;
        }
        ny_intervals_normalize(list, from, to);
        g_assert_cmpuint(list->len, ==, want->len);
        for (guint i = 0; i < want->len; i++) {
            g_assert_cmpint(g_array_index(list, NyInterval, i).start, ==,
                            g_array_index(want, NyInterval, i).start);
            g_assert_cmpint(g_array_index(list, NyInterval, i).end, ==,
                            g_array_index(want, NyInterval, i).end);
        }
    }
    g_rand_free(rand);
}

/* The formatter's arithmetic gives what GDateTime's does, for instants
 * across years 1 to 9999 and just outside them ("invalid"): leap days,
 * centuries, the ends of days and of the range of four-digit years. */
static void
test_format_utc_matches_glib(void)
{
    const NyTime edges[] = {
        G_GINT64_CONSTANT(-62135596800),
        G_GINT64_CONSTANT(-62135596801),
        G_GINT64_CONSTANT(-30610224000),
        G_GINT64_CONSTANT(-30610224001),
        G_GINT64_CONSTANT(253402300799),
        G_GINT64_CONSTANT(253402300800),
        0,
        -1,
        951782400,
        951868799,
        4107542400,
        4107628800,
        1796238000,
        G_MININT64,
        G_MAXINT64,
    };
    GRand *rand = g_rand_new_with_seed(5545);

    for (int i = 0; i < 200000 + (int)G_N_ELEMENTS(edges); i++) {
        NyTime t = i < (int)G_N_ELEMENTS(edges)
                       ? edges[i]
                       : (NyTime)(g_rand_double(rand) * 3.2e11) - G_GINT64_CONSTANT(63000000000);
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);
        g_autofree char *want =
            dt != NULL ? g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ") : g_strdup("invalid");
        g_autofree char *got = ny_time_format_utc(t);

        g_assert_cmpstr(got, ==, want);
    }
    g_rand_free(rand);
}

static void
test_format(void)
{
    g_autoptr(GTimeZone) ny = ny_zone("America/New_York");
    g_autofree char *u = ny_time_format_utc(1796238000);
    g_autofree char *l = ny_time_format_local(1796238000, ny);

    g_autofree char *b = ny_time_format_basic_utc(1796238000);

    g_assert_cmpstr(u, ==, "2026-12-02T19:00:00Z");
    g_assert_cmpstr(l, ==, "2026-12-02T14:00:00-05:00");
    g_assert_cmpstr(b, ==, "20261202T190000Z");
}

/* Offsets, POSIX rules and abbreviations are refused although GLib (and
 * tzdata) know some of them: never a silent fixed offset. */
static void
test_zone_refused(void)
{
    static const char *const refused[] = {"EST",    "est",  "PST8PDT", "CET", "UTC+3",
                                          "+05:00", "FOO3", "HST",     ""};
    static const char *const accepted[] = {"UTC", "America/New_York", "US/Eastern", "Etc/GMT+5",
                                           "Europe/Paris"};

    for (gsize i = 0; i < G_N_ELEMENTS(refused); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GTimeZone) zone = ny_zone_new(refused[i], &error);

        g_test_message("refused '%s'", refused[i]);
        g_assert_null(zone);
        g_assert_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE);
    }
    for (gsize i = 0; i < G_N_ELEMENTS(accepted); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GTimeZone) zone = ny_zone_new(accepted[i], &error);

        g_test_message("accepted '%s'", accepted[i]);
        g_assert_no_error(error);
        g_assert_nonnull(zone);
    }
}

static void
test_zone_suggest(void)
{
    static const char *const known[] = {
        "America/New_York", "America/Los_Angeles", "Europe/Paris", "Europe/Berlin", "UTC", NULL};
    static const struct {
        const char *name;
        const char *want; /* NULL: no suggestion */
    } cases[] = {
        {"america/new_york", "America/New_York"},
        {"EST", "America/New_York"},
        {"pst", "America/Los_Angeles"},
        {"Eastern", "America/New_York"},
        {"new york", "America/New_York"},
        {"Europe/Pari", "Europe/Paris"},
        {"Europe/Berln", "Europe/Berlin"},
        {"utc", "UTC"},
        {"Mars/Olympus_Mons", NULL},
        {"XY", NULL},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = ny_zone_suggest(cases[i].name, known);

        g_test_message("'%s' -> '%s'", cases[i].name, got ? got : "(none)");
        g_assert_cmpstr(got, ==, cases[i].want);
    }
    /* Without a list: the abbreviations still have their place. */
    {
        g_autofree char *got = ny_zone_suggest("CST", NULL);
        g_assert_cmpstr(got, ==, "America/Chicago");
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/intervals/normalize-merges-touching", test_normalize_merges_touching);
    g_test_add_func("/intervals/overlaps", test_overlaps);
    g_test_add_func("/intervals/normalize-is-union", test_normalize_is_union);
    g_test_add_func("/time/parse-forms", test_parse_forms);
    g_test_add_func("/time/format-utc-matches-glib", test_format_utc_matches_glib);
    g_test_add_func("/time/parse-refuses", test_parse_refuses);
    g_test_add_func("/time/zone-unknown", test_zone_unknown);
    g_test_add_func("/time/midnight-dst", test_midnight_dst);
    g_test_add_func("/time/from-local-gap", test_from_local_gap);
    g_test_add_func("/time/format", test_format);
    g_test_add_func("/time/zone-refused", test_zone_refused);
    g_test_add_func("/time/zone-suggest", test_zone_suggest);
    return g_test_run();
}
