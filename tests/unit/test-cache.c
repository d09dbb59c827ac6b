/* Unit tests for cache: the window query, spans not known yet,
 * transactions, and refusing files that are not a notyet cache. */
#include "notyet/busy.h"
#include "notyet/cache.h"
#include "notyet/db.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>

#define DAY 86400
#define T_0105_09 1767603600 /* 2026-01-05T09:00:00Z */

static char *
wrap(const char *body)
{
    return g_strdup_printf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//t//EN\r\n%s"
                           "END:VCALENDAR\r\n",
                           body);
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
collect_href(const char *href, const char *ics, gsize len, gpointer data)
{
    (void)ics;
    (void)len;
    g_ptr_array_add(data, g_strdup(href));
}

/* ny_cache_put_object() knows no span: the object meets every window until
 * its span is recorded, and is listed as unspanned until then. */
static void
test_unknown_span(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) cals = NULL;
    g_autoptr(GHashTable) etags = NULL;
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", "Work", NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_assert_true(ny_cache_put_object(cache, id, "/c/jan.ics", "\"1\"", "jan", &error));
    g_assert_true(ny_cache_put_object(cache, id, "/c/jun.ics", "\"2\"", "jun", &error));
    g_assert_true(ny_cache_put_object_span(cache, id, "/c/forever.ics", "\"3\"", "forever",
                                           NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END,
                                           &error));
    g_assert_true(ny_cache_commit(cache, &error));
    g_assert_no_error(error);

    /* Unknown spans meet any window, even one long before them. */
    g_assert_true(ny_cache_foreach_object(cache, id, 100, 200, collect_href, got, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, 3);
    g_ptr_array_set_size(got, 0);
    g_assert_true(ny_cache_foreach_unspanned(cache, id, collect_href, got, &error));
    g_assert_cmpuint(got->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==, "/c/jan.ics");
    g_assert_cmpstr(g_ptr_array_index(got, 1), ==, "/c/jun.ics");

    g_assert_true(ny_cache_set_span(cache, id, "/c/jan.ics", T_0105_09, T_0105_09 + DAY, &error));
    g_assert_true(ny_cache_set_span(cache, id, "/c/jun.ics", T_0105_09 + 150 * DAY,
                                    T_0105_09 + 151 * DAY, &error));
    g_assert_no_error(error);
    g_ptr_array_set_size(got, 0);
    g_assert_true(ny_cache_foreach_unspanned(cache, id, collect_href, got, &error));
    g_assert_cmpuint(got->len, ==, 0);
    g_assert_true(ny_cache_foreach_object(cache, id, T_0105_09, T_0105_09 + 14 * DAY, collect_href,
                                          got, &error));
    g_assert_cmpuint(got->len, ==, 2); /* forever and jan, not jun */
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==, "/c/forever.ics");
    g_assert_cmpstr(g_ptr_array_index(got, 1), ==, "/c/jan.ics");

    etags = ny_cache_etags(cache, id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(etags), ==, 3);
    g_assert_cmpstr(g_hash_table_lookup(etags, "/c/jun.ics"), ==, "\"2\"");

    cals = ny_cache_list_calendars(cache, "work", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cals->len, ==, 1);
    g_assert_cmpuint(((NyCacheCalendar *)g_ptr_array_index(cals, 0))->n_objects, ==, 3);
}

/* An object with its VTIMEZONEs (as every CalDAV object carries them),
 * stored with the span the scanner gives it (src/sources.c does so), is
 * found by every window within a day of its event and by none four days
 * away, whatever the zone's offset. */
static void
test_span_with_zones(Fixture *f, gconstpointer data)
{
    static const char *const offsets[] = {"+0500", "-1100", "+1345", "-2359"};
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", NULL, NULL, TRUE, &error);
    g_assert_no_error(error);
    for (gsize i = 0; i < G_N_ELEMENTS(offsets); i++) {
        g_autofree char *ics = g_strdup_printf(
            "BEGIN:VCALENDAR\r\nBEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\n"
            "DTSTART:19700101T000000\r\nTZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nEND:STANDARD\r\n"
            "END:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:z\r\nDTSTART;TZID=X:20260105T090000\r\n"
            "DTEND;TZID=X:20260105T100000\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            offsets[i], offsets[i]);
        g_autofree char *href = g_strdup_printf("%" G_GSIZE_FORMAT, i);
        NyTime start, end;

        ny_busy_span(ics, strlen(ics), &start, &end);
        g_assert_true(ny_cache_put_object_span(cache, id, href, NULL, ics, start, end, &error));
    }
    g_assert_true(ny_cache_commit(cache, &error));
    /* 09:00 at -23:59 is 08:59Z the next day; at +13:45, 19:15Z the day before. */
    for (NyTime t = T_0105_09 - DAY - 12 * 3600; t <= T_0105_09 + 2 * DAY; t += 3600) {
        g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
        g_assert_true(ny_cache_foreach_object(cache, id, t, t + 3600, collect_href, got, &error));
        g_assert_cmpuint(got->len, ==, G_N_ELEMENTS(offsets));
    }
    {
        g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
        g_assert_true(ny_cache_foreach_object(cache, id, T_0105_09 + 4 * DAY, T_0105_09 + 5 * DAY,
                                              collect_href, got, &error));
        g_assert_cmpuint(got->len, ==, 0);
        g_assert_true(ny_cache_foreach_object(cache, id, T_0105_09 - 5 * DAY, T_0105_09 - 4 * DAY,
                                              collect_href, got, &error));
        g_assert_cmpuint(got->len, ==, 0);
    }
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
    g_assert_error(error, NY_DB_ERROR, NY_DB_ERROR_FOREIGN);
}

static void
collect(const char *href, const char *ics, gsize len, gpointer data)
{
    g_ptr_array_add(data, g_strdup_printf("%s=%.*s", href, (int)len, ics));
}

static void
test_foreach_and_lookup(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NyCacheCalendar) cal = NULL;
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    cal = ny_cache_calendar_lookup(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", &error);
    g_assert_null(cal);
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_NOT_FOUND);
    g_clear_error(&error);
    id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", NULL, NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_true(ny_cache_put_object_span(cache, id, "0", NULL, "zones", NY_CACHE_SPAN_OPEN_START,
                                           NY_CACHE_SPAN_OPEN_END, &error));
    g_assert_true(ny_cache_put_object_span(cache, id, "1", NULL, "early", 100, 200, &error));
    g_assert_true(ny_cache_put_object_span(cache, id, "2", NULL, "late", 500, 600, &error));
    g_assert_true(ny_cache_put_object_span(cache, id, "3", NULL, "todo", 0, 0, &error));
    g_assert_true(ny_cache_calendar_set_synced(cache, id, "v1", NULL, 1234, &error));
    g_assert_no_error(error);
    g_assert_true(ny_cache_foreach_object(cache, id, 150, 550, collect, got, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, 3);
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==, "0=zones");
    g_assert_cmpstr(g_ptr_array_index(got, 1), ==, "1=early");
    g_assert_cmpstr(g_ptr_array_index(got, 2), ==, "2=late");
    g_ptr_array_set_size(got, 0);
    g_assert_true(ny_cache_foreach_object(cache, id, 200, 500, collect, got, &error));
    g_assert_cmpuint(got->len, ==, 1); /* half-open: touching is not meeting */
    cal = ny_cache_calendar_lookup(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", &error);
    g_assert_no_error(error);
    g_assert_cmpint(cal->id, ==, id);
    g_assert_cmpstr(cal->ctag, ==, "v1");
    g_assert_cmpint(cal->last_sync, ==, 1234);
    g_assert_cmpuint(cal->n_objects, ==, 4);
}

/* ny_cache_add_object_span(): the text's first @len bytes, with its span;
 * an href the calendar holds is refused, the row there kept. */
static void
test_add_object(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", NULL, NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_true(ny_cache_add_object_span(cache, id, "1", "early-and-more", 5, 100, 200, &error));
    g_assert_true(ny_cache_add_object_span(cache, id, "2", "open", 4, NY_CACHE_SPAN_OPEN_START,
                                           NY_CACHE_SPAN_OPEN_END, &error));
    g_assert_no_error(error);
    g_assert_false(ny_cache_add_object_span(cache, id, "1", "again", 5, 100, 200, &error));
    g_assert_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED);
    g_clear_error(&error);
    g_assert_true(ny_cache_foreach_object(cache, id, 150, 160, collect, got, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, 2);
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==, "1=early");
    g_assert_cmpstr(g_ptr_array_index(got, 1), ==, "2=open");
    g_ptr_array_set_size(got, 0);
    g_assert_true(ny_cache_foreach_object(cache, id, 300, 400, collect, got, &error));
    g_assert_cmpuint(got->len, ==, 1);
    g_assert_cmpstr(g_ptr_array_index(got, 0), ==, "2=open");
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add("/cache/modes", Fixture, NULL, fixture_setup, test_modes, fixture_teardown);
    g_test_add("/cache/unknown-span", Fixture, NULL, fixture_setup, test_unknown_span,
               fixture_teardown);
    g_test_add("/cache/span/with-zones", Fixture, NULL, fixture_setup, test_span_with_zones,
               fixture_teardown);
    g_test_add("/cache/rollback-keeps-previous", Fixture, NULL, fixture_setup,
               test_rollback_keeps_previous, fixture_teardown);
    g_test_add("/cache/home-recorded", Fixture, NULL, fixture_setup, test_home_recorded,
               fixture_teardown);
    g_test_add("/cache/refuses-foreign-database", Fixture, NULL, fixture_setup,
               test_refuses_foreign_database, fixture_teardown);
    g_test_add("/cache/foreach-and-lookup", Fixture, NULL, fixture_setup, test_foreach_and_lookup,
               fixture_teardown);
    g_test_add("/cache/add-object", Fixture, NULL, fixture_setup, test_add_object,
               fixture_teardown);
    return g_test_run();
}
