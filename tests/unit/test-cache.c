/* Unit tests for cache: object spans, the window query, transactions, and
 * refusing files that are not a notyet cache. */
#include "notyet/cache.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <sys/stat.h>

#define DAY 86400
#define MARGIN (2 * DAY)
#define T_0105_09 1767603600 /* 2026-01-05T09:00:00Z */

static char *
wrap(const char *body)
{
    return g_strdup_printf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n%s"
                           "END:VCALENDAR\r\n",
                           body);
}

static void
span_of(const char *body, NyTime *start, NyTime *end)
{
    g_autofree char *ics = wrap(body);

    ny_cache_span(ics, start, end);
}

static void
test_span_oneoff(void)
{
    NyTime s = 0, e = 0;

    span_of("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "END:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(s, ==, T_0105_09 - MARGIN);
    g_assert_cmpint(e, ==, T_0105_09 + 3600 + MARGIN);
}

static void
test_span_count(void)
{
    NyTime s = 0, e = 0;

    /* Six Mondays from 01-05: the last is 02-09; the bound may be later
     * but must cover it and stay finite. */
    span_of("BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20260105T140000Z\r\nDTEND:20260105T150000Z\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(s, ==, T_0105_09 + 5 * 3600 - MARGIN);
    g_assert_cmpint(e, >=, T_0105_09 + 35 * DAY + 6 * 3600);
    g_assert_cmpint(e, <, NY_CACHE_SPAN_OPEN_END);
}

static void
test_span_until(void)
{
    NyTime s = 0, e = 0;

    span_of("BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "RRULE:FREQ=DAILY;UNTIL=20260110T090000Z\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(e, ==, T_0105_09 + 5 * DAY + 3600 + MARGIN);
}

static void
test_span_open_cases(void)
{
    static const char *const open_ended[] = {
        /* no end to the rule */
        "BEGIN:VEVENT\r\nUID:o\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
        "RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
        /* COUNT that may skip months: no cheap bound */
        "BEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260130T090000Z\r\nDTEND:20260130T100000Z\r\n"
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=30;COUNT=3\r\nEND:VEVENT\r\n",
        /* THISANDFUTURE shifts every later instance */
        "BEGIN:VEVENT\r\nUID:t\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20260105T090000Z\r\n"
        "DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nEND:VEVENT\r\n",
        /* no DTSTART */
        "BEGIN:VEVENT\r\nUID:n\r\nEND:VEVENT\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(open_ended); i++) {
        NyTime s = 0, e = 0;
        span_of(open_ended[i], &s, &e);
        g_test_message("case %" G_GSIZE_FORMAT, i);
        g_assert_cmpint(e, ==, NY_CACHE_SPAN_OPEN_END);
    }
}

static void
test_span_no_event_and_garbage(void)
{
    NyTime s = 1, e = 1;

    span_of("BEGIN:VTODO\r\nUID:t\r\nDTSTART:20260105T090000Z\r\nEND:VTODO\r\n", &s, &e);
    g_assert_cmpint(s, ==, 0);
    g_assert_cmpint(e, ==, 0);
    ny_cache_span("not a calendar at all", &s, &e);
    g_assert_cmpint(s, ==, NY_CACHE_SPAN_OPEN_START);
    g_assert_cmpint(e, ==, NY_CACHE_SPAN_OPEN_END);
}

static void
test_span_override_later(void)
{
    NyTime s = 0, e = 0;

    /* An override moved a week past the series' end widens the span. */
    span_of("BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "RRULE:FREQ=DAILY;UNTIL=20260106T090000Z\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20260106T090000Z\r\n"
            "DTSTART:20260113T090000Z\r\nDTEND:20260113T100000Z\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(e, ==, T_0105_09 + 8 * DAY + 3600 + MARGIN);
}

typedef struct {
    char *dir;
    char *path;
} Fixture;

static void
fixture_setup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    (void)data;
    f->dir = g_dir_make_tmp("notyet-cache-XXXXXX", &error);
    g_assert_no_error(error);
    f->path = g_build_filename(f->dir, "sub", "cache.db", NULL);
}

static void
rm_rf(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (dir != NULL) {
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            rm_rf(child);
        }
    }
    g_remove(path);
}

static void
fixture_teardown(Fixture *f, gconstpointer data)
{
    (void)data;
    rm_rf(f->dir);
    g_free(f->dir);
    g_free(f->path);
}

static void
test_modes(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autofree char *dir = g_path_get_dirname(f->path);
    struct stat st;

    (void)data;
    g_assert_no_error(error);
    g_assert_cmpint(stat(f->path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_assert_cmpint(stat(dir, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
}

static void
test_texts_in_window(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autofree char *jan = wrap("BEGIN:VEVENT\r\nUID:j\r\nDTSTART:20260105T090000Z\r\n"
                                "DTEND:20260105T100000Z\r\nEND:VEVENT\r\n");
    g_autofree char *jun = wrap("BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260605T090000Z\r\n"
                                "DTEND:20260605T100000Z\r\nEND:VEVENT\r\n");
    g_autofree char *forever = wrap("BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20200105T090000Z\r\n"
                                    "DTEND:20200105T100000Z\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n");
    g_autoptr(GPtrArray) texts = NULL;
    g_autoptr(GPtrArray) cals = NULL;
    g_autoptr(GHashTable) etags = NULL;
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", "Work", NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_assert_true(ny_cache_put_object(cache, id, "/c/jan.ics", "\"1\"", jan, &error));
    g_assert_true(ny_cache_put_object(cache, id, "/c/jun.ics", "\"2\"", jun, &error));
    g_assert_true(ny_cache_put_object(cache, id, "/c/forever.ics", "\"3\"", forever, &error));
    g_assert_true(ny_cache_commit(cache, &error));
    g_assert_no_error(error);

    texts = ny_cache_texts(cache, id, T_0105_09, T_0105_09 + 14 * DAY, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(texts->len, ==, 2); /* forever and jan, not jun */
    g_assert_cmpstr(g_ptr_array_index(texts, 0), ==, forever);
    g_assert_cmpstr(g_ptr_array_index(texts, 1), ==, jan);

    etags = ny_cache_etags(cache, id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(etags), ==, 3);
    g_assert_cmpstr(g_hash_table_lookup(etags, "/c/jun.ics"), ==, "\"2\"");

    cals = ny_cache_list_calendars(cache, "work", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cals->len, ==, 1);
    g_assert_cmpuint(((NyCacheCalendar *)g_ptr_array_index(cals, 0))->n_objects, ==, 3);
}

static void
test_rollback_keeps_previous(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autofree char *ev = wrap("BEGIN:VEVENT\r\nUID:j\r\nDTSTART:20260105T090000Z\r\n"
                               "DTEND:20260105T100000Z\r\nEND:VEVENT\r\n");
    g_autoptr(GHashTable) etags = NULL;
    gint64 id;

    (void)data;
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_put_object(cache, id, "/c/a.ics", "\"1\"", ev, &error));
    g_assert_true(ny_cache_commit(cache, &error));

    g_assert_true(ny_cache_begin(cache, &error));
    g_assert_true(ny_cache_clear_objects(cache, id, &error));
    g_assert_true(ny_cache_put_object(cache, id, "/c/b.ics", "\"2\"", ev, &error));
    ny_cache_rollback(cache);
    g_assert_no_error(error);

    etags = ny_cache_etags(cache, id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(etags), ==, 1);
    g_assert_true(g_hash_table_contains(etags, "/c/a.ics"));
}

static void
test_home_recorded(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autofree char *home = NULL;
    g_autofree char *gone = NULL;

    (void)data;
    g_assert_null(ny_cache_get_home(cache, "work", "http://h/"));
    g_assert_true(ny_cache_set_home(cache, "work", "http://h/", "http://h/u/cal/", &error));
    home = ny_cache_get_home(cache, "work", "http://h/");
    g_assert_cmpstr(home, ==, "http://h/u/cal/");
    g_assert_true(ny_cache_set_home(cache, "work", "http://h/", NULL, &error));
    gone = ny_cache_get_home(cache, "work", "http://h/");
    g_assert_null(gone);
    g_assert_no_error(error);
}

static void
test_refuses_foreign_database(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_path_get_dirname(f->path);
    sqlite3 *db = NULL;
    NyCache *cache;

    (void)data;
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_assert_cmpint(sqlite3_open(f->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db, "CREATE TABLE precious (x)", NULL, NULL, NULL), ==, SQLITE_OK);
    sqlite3_close(db);
    cache = ny_cache_open(f->path, &error);
    g_assert_null(cache);
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_CORRUPT);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cache/span/oneoff", test_span_oneoff);
    g_test_add_func("/cache/span/count", test_span_count);
    g_test_add_func("/cache/span/until", test_span_until);
    g_test_add_func("/cache/span/open-cases", test_span_open_cases);
    g_test_add_func("/cache/span/no-event-and-garbage", test_span_no_event_and_garbage);
    g_test_add_func("/cache/span/override-later", test_span_override_later);
    g_test_add("/cache/modes", Fixture, NULL, fixture_setup, test_modes, fixture_teardown);
    g_test_add("/cache/texts-in-window", Fixture, NULL, fixture_setup, test_texts_in_window,
               fixture_teardown);
    g_test_add("/cache/rollback-keeps-previous", Fixture, NULL, fixture_setup,
               test_rollback_keeps_previous, fixture_teardown);
    g_test_add("/cache/home-recorded", Fixture, NULL, fixture_setup, test_home_recorded,
               fixture_teardown);
    g_test_add("/cache/refuses-foreign-database", Fixture, NULL, fixture_setup,
               test_refuses_foreign_database, fixture_teardown);
    return g_test_run();
}
