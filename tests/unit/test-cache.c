/* Unit tests for cache: the window query, spans not known yet, chunks,
 * transactions, migrations, and refusing files that are not a notyet
 * cache. */
#include "notyet/busy.h"
#include "notyet/cache.h"
#include "notyet/db.h"
#include "tests/common/busy-split-check.h"
#include "tests/common/raw-sql.h"

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
    g_assert_nonnull(cache);
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

/* The objects ny_cache_foreach_object() gives for [@from, @to), as
 * "href=text" joined by spaces. */
static char *
read_window(NyCache *cache, gint64 id, NyTime from, NyTime to)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);

    g_assert_true(ny_cache_foreach_object(cache, id, from, to, collect, got, &error));
    g_assert_no_error(error);
    g_ptr_array_add(got, NULL);
    return g_strjoinv(" ", (char **)got->pdata);
}

static void
check_window(NyCache *cache, gint64 id, NyTime from, NyTime to, const char *want)
{
    g_autofree char *got = read_window(cache, id, from, to);

    g_assert_cmpstr(got, ==, want);
}

/* ny_cache_add_chunk(): a row of several objects is indexed by the union
 * of their spans, and read back part by part, each by its own span (open
 * bounds and a span not known yet as for a row of one object), in order;
 * the objects are counted, not the rows. */
static void
test_chunk_parts(Fixture *f, gconstpointer data)
{
    const NyCachePart zones[] = {
        {2, NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END},
        {2, 100, 200},
        {2, 500, 600},
        {2, 0, 0},
    };
    const NyCachePart apart[] = {{1, 100, 200}, {1, 700, 800}, {1, 300, 310}};
    const NyCachePart unknown[] = {
        {1, NY_CACHE_SPAN_UNKNOWN_START, NY_CACHE_SPAN_UNKNOWN_END},
        {1, 1000, 1100},
    };
    const NyCachePart open_end[] = {{1, 2000, NY_CACHE_SPAN_OPEN_END}, {1, 2100, 2200}};
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(NyCacheCalendar) cal = NULL;
    g_autoptr(GHashTable) etags = NULL;
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", NULL, NULL, TRUE, &error);
    g_assert_no_error(error);
    g_assert_true(ny_cache_add_chunk(cache, id, "1", "Z1e1l1t1", 8, zones, 4, &error));
    g_assert_true(ny_cache_add_chunk(cache, id, "2", "pqr", 3, apart, 3, &error));
    g_assert_true(ny_cache_add_object_span(cache, id, "3", "single", 6, 300, 400, &error));
    g_assert_true(ny_cache_add_chunk(cache, id, "4", "uv", 2, unknown, 2, &error));
    g_assert_true(ny_cache_add_chunk(cache, id, "5", "wx", 2, open_end, 2, &error));
    g_assert_true(ny_cache_calendar_set_synced(cache, id, "v", NULL, 1, &error));
    g_assert_true(ny_cache_commit(cache, &error));
    g_assert_no_error(error);

    /* The zones and the unknown always; chunk 2's union (100, 800) meets
     * this window, none of its parts does. */
    check_window(cache, id, 250, 290, "1=Z1 4=u");
    check_window(cache, id, 150, 160, "1=Z1 1=e1 2=p 4=u");
    check_window(cache, id, 305, 750, "1=Z1 1=l1 2=q 2=r 3=single 4=u");
    check_window(cache, id, 200, 300, "1=Z1 4=u"); /* touching is not meeting */
    check_window(cache, id, 1050, 1060, "1=Z1 4=u 4=v");
    check_window(cache, id, 2150, 2160, "1=Z1 4=u 5=w 5=x");
    check_window(cache, id, 5000, 6000, "1=Z1 4=u 5=w"); /* an open end */
    check_window(cache, id, -5000, -4000, "1=Z1 4=u");
    check_window(cache, id, NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END,
                 "1=Z1 1=e1 1=l1 1=t1 2=p 2=q 2=r 3=single 4=u 4=v 5=w 5=x");

    /* A chunk's span is never unknown: it is not listed as unspanned. */
    g_assert_true(ny_cache_foreach_unspanned(cache, id, collect, got, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(got->len, ==, 0);

    cal = ny_cache_calendar_lookup(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cal->n_objects, ==, 4 + 3 + 1 + 2 + 2);
    etags = ny_cache_etags(cache, id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(etags), ==, 5);
    g_assert_cmpstr(g_hash_table_lookup(etags, "2"), ==, "");
}

/* A chunk whose parts do not add up to its text (a damaged file) fails the
 * read with a message that says what to do, instead of giving pieces. */
static void
test_chunk_damaged(Fixture *f, gconstpointer data)
{
    const NyCachePart parts[] = {{1, 100, 200}, {2, 150, 250}};
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    gint64 id;

    (void)data;
    id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_add_chunk(cache, id, "1", "abc", 3, parts, 2, &error));
    g_assert_no_error(error);
    /* Nor is one stored so. */
    g_assert_false(ny_cache_add_chunk(cache, id, "2", "abcd", 4, parts, 2, &error));
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED);
    g_clear_error(&error);
    g_clear_pointer(&cache, ny_cache_free);
    raw_sql(f->path, "UPDATE objects SET ics = 'abcd'");
    cache = ny_cache_open(f->path, &error);
    g_assert_no_error(error);
    g_assert_false(ny_cache_foreach_object(cache, id, 0, 1000, collect, got, &error));
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "delete the cache"));
    g_assert_cmpuint(got->len, ==, 0);
}

/* A cache of schema 2 (one object a row, no chunks) opens, is migrated, and
 * keeps its rows, which read back as before; chunks can be added. */
static void
test_migrate_from_2(Fixture *f, gconstpointer data)
{
    const NyCachePart parts[] = {{1, 100, 200}, {1, 300, 400}};
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(NyCacheCalendar) cal = NULL;
    g_autofree char *old = NULL;
    g_autofree char *both = NULL;
    gint64 id;

    (void)data;
    g_assert_no_error(error);
    g_assert_cmpint(raw_sql(f->path, "PRAGMA user_version"), ==, 3);
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_put_object_span(cache, id, "/c/a.ics", "\"1\"", "a", 100, 200, &error));
    g_assert_true(ny_cache_put_object(cache, id, "/c/b.ics", "\"2\"", "b", &error));
    g_assert_no_error(error);
    g_clear_pointer(&cache, ny_cache_free);
    /* Back to what version 2 wrote. */
    raw_sql(f->path, "DROP TRIGGER objects_insert_gen;"
                     "DROP TRIGGER objects_delete_gen;"
                     "DROP TRIGGER objects_update_gen;"
                     "DROP TABLE busy_memo;"
                     "ALTER TABLE calendars DROP COLUMN gen;"
                     "ALTER TABLE calendars DROP COLUMN n_objects;"
                     "DROP INDEX objects_span;"
                     "ALTER TABLE objects DROP COLUMN parts;"
                     "ALTER TABLE objects DROP COLUMN n_parts;"
                     "CREATE INDEX objects_span ON objects (calendar, span_start, span_end);"
                     "PRAGMA user_version = 2");

    cache = ny_cache_open(f->path, &error);
    g_assert_no_error(error);
    g_assert_cmpint(raw_sql(f->path, "PRAGMA user_version"), ==, 3);
    old = read_window(cache, id, 150, 160);
    g_assert_cmpstr(old, ==, "/c/a.ics=a /c/b.ics=b");
    g_assert_true(ny_cache_add_chunk(cache, id, "/c/z", "xy", 2, parts, 2, &error));
    g_assert_no_error(error);
    both = read_window(cache, id, 150, 350);
    g_assert_cmpstr(both, ==, "/c/a.ics=a /c/b.ics=b /c/z=x /c/z=y");
    cal = ny_cache_calendar_lookup(cache, "work", "http://h/c/", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cal->n_objects, ==, 4);
}

static void
feed_cached(const char *href, const char *ics, gsize len, gpointer data)
{
    (void)href;
    ny_busy_scan_feed(data, ics, len);
}

typedef struct {
    NyBusyScan *scan;
    const char *text;
} PlaceFeed;

static void
feed_place(const NyCachePlace *place, gpointer data)
{
    PlaceFeed *pf = data;

    ny_busy_scan_feed_object(pf->scan, pf->text + place->offset, (gsize)place->len);
}

/* One busy fixture split by the scanner for one window. */
typedef struct {
    const char *text;
    const NyBusyQuery *q;
    const char *whole;           /* what reading the whole text gives, rendered */
    const SplitObjects *objects; /* the split: texts, spans and places */
} FixtureSplit;

/* Stores @fs's objects in calendar @id, @n a row, and returns how many
 * rows hold more than one. */
typedef guint (*StoreFunc)(NyCache *cache, gint64 id, const FixtureSplit *fs, guint n);

/* Reads calendar @id back over @fs's window as src/sources.c reads a
 * cached file (by places: from the bytes at them) and checks that it gives
 * what the whole text gives. */
static void
check_cached_read(NyCache *cache, gint64 id, const FixtureSplit *fs, gboolean by_place)
{
    g_autoptr(NyBusyScan) cached = ny_busy_scan_new(fs->q);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warn = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autofree char *got = NULL;
    PlaceFeed pf = {cached, fs->text};

    ny_busy_scan_feed(cached, ny_busy_split_head, strlen(ny_busy_split_head));
    if (by_place)
        g_assert_true(
            ny_cache_foreach_place(cache, id, fs->q->from, fs->q->to, feed_place, &pf, &error));
    else
        g_assert_true(ny_cache_foreach_object(cache, id, fs->q->from, fs->q->to, feed_cached,
                                              cached, &error));
    g_assert_no_error(error);
    ny_busy_scan_feed(cached, ny_busy_split_tail, strlen(ny_busy_split_tail));
    got = ny_busy_scan_finish(cached, busy, warn, NULL) ? split_check_render(fs->q, busy, warn)
                                                        : g_strdup("invalid\n");
    g_assert_cmpstr(got, ==, fs->whole);
}

/* Every busy fixture, split by the scanner over several windows, stored
 * through the real cache by @store in rows of 1, 3 and 40 objects and read
 * back; a text not split whole is not cached (src/sources.c) and skipped.
 * Returns how many rows held more than one object; *@out_compared, how many
 * reads were compared. */
static guint
check_fixtures_through_cache(const char *cache_path, StoreFunc store, gboolean by_place,
                             guint *out_compared)
{
    static const NyTime windows[][2] = {
        {1735689600, 1893456000}, /* 2025-2030 */
        {1767225600, 1769904000}, /* 2026-01 */
        {1772323200, 1773532800}, /* 2026-03-01 .. 03-15 */
        {1772409600, 1772496000}, /* 2026-03-02 one day */
    };
    static const guint per_row[] = {1, 3, 40};
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "fixtures", "busy", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(cache_path, &error);
    const char *name;
    guint shared = 0;

    g_assert_no_error(error);
    g_assert_nonnull(d);
    *out_compared = 0;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = NULL;
        g_autofree char *text = NULL;
        gsize len = 0;

        if (!g_str_has_suffix(name, ".ics"))
            continue;
        path = g_build_filename(dir, name, NULL);
        g_assert_true(g_file_get_contents(path, &text, &len, NULL));
        for (guint w = 0; w < G_N_ELEMENTS(windows); w++) {
            g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
            g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NyTime));
            g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(guint64));
            g_autoptr(NyBusyScan) split = NULL;
            g_autoptr(GArray) busy = ny_intervals_new();
            g_autoptr(GPtrArray) warn = g_ptr_array_new_with_free_func(g_free);
            g_autofree char *whole = NULL;
            SplitObjects objects = {texts, spans, ranges, NULL, text, len, TRUE};
            FixtureSplit fs = {text, NULL, NULL, &objects};
            NyBusyQuery q;

            ny_busy_query_init(&q, windows[w][0], windows[w][1], zone, "America/New_York", NULL);
            q.limits.max_instances = 2000;
            whole = ny_busy_compute(&q, text, len, busy, warn, NULL)
                        ? split_check_render(&q, busy, warn)
                        : g_strdup("invalid\n");
            split = ny_busy_scan_new(&q);
            objects.scan = split;
            ny_busy_scan_set_split(split, split_check_collect, &objects);
            ny_busy_scan_feed(split, text, len);
            if (!ny_busy_scan_finish(split, busy, warn, NULL) || !ny_busy_scan_split_whole(split))
                continue;
            g_assert_true(objects.ranges_ok);
            fs.q = &q;
            fs.whole = whole;
            for (guint k = 0; k < G_N_ELEMENTS(per_row); k++) {
                gint64 id;

                g_test_message("%s window %u, %u a row", name, w, per_row[k]);
                g_assert_true(ny_cache_begin(cache, &error));
                id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, path, NULL, NULL, TRUE,
                                              &error);
                g_assert_true(ny_cache_clear_objects(cache, id, &error));
                shared += store(cache, id, &fs, per_row[k]);
                g_assert_true(ny_cache_commit(cache, &error));
                g_assert_no_error(error);
                check_cached_read(cache, id, &fs, by_place);
                (*out_compared)++;
            }
        }
    }
    return shared;
}

/* Chunks: the objects' texts one after the other, their lengths and spans. */
static guint
store_chunks(NyCache *cache, gint64 id, const FixtureSplit *fs, guint per_chunk)
{
    const SplitObjects *o = fs->objects;
    g_autoptr(GError) error = NULL;
    guint chunks = 0;

    for (guint first = 0; first < o->texts->len; first += per_chunk) {
        guint n = MIN(per_chunk, o->texts->len - first);
        g_autoptr(GString) chunk = g_string_new(NULL);
        g_autofree NyCachePart *parts = g_new0(NyCachePart, n);
        g_autofree char *href = g_strdup_printf("%08u", first);

        for (guint i = 0; i < n; i++) {
            const char *text = g_ptr_array_index(o->texts, first + i);
            parts[i].len = strlen(text);
            parts[i].start = g_array_index(o->spans, NyTime, 2 * (first + i));
            parts[i].end = g_array_index(o->spans, NyTime, 2 * (first + i) + 1);
            g_string_append(chunk, text);
        }
        g_assert_true(
            ny_cache_add_chunk(cache, id, href, chunk->str, chunk->len, parts, n, &error));
        g_assert_no_error(error);
        chunks += n > 1;
    }
    return chunks;
}

/* Rows of places: where each object stands in the text, and its span. */
static guint
store_places(NyCache *cache, gint64 id, const FixtureSplit *fs, guint per_row)
{
    const SplitObjects *o = fs->objects;
    g_autoptr(GError) error = NULL;
    guint rows = 0;

    for (guint first = 0; first < o->texts->len; first += per_row) {
        guint n = MIN(per_row, o->texts->len - first);
        g_autofree NyCachePlace *places = g_new0(NyCachePlace, n);
        g_autofree char *href = g_strdup_printf("%08u", first);

        for (guint i = 0; i < n; i++) {
            places[i].offset = g_array_index(o->ranges, guint64, 2 * (first + i));
            places[i].len = g_array_index(o->ranges, guint64, 2 * (first + i) + 1);
            places[i].start = g_array_index(o->spans, NyTime, 2 * (first + i));
            places[i].end = g_array_index(o->spans, NyTime, 2 * (first + i) + 1);
        }
        g_assert_true(ny_cache_add_places(cache, id, href, places, n, &error));
        g_assert_no_error(error);
        rows += n > 1;
    }
    return rows;
}

/* Every busy fixture stored in chunks, then read back over several windows
 * as src/sources.c reads a cached feed: the same busy time and warnings as
 * reading the whole text. */
static void
test_chunk_busy_fixtures(Fixture *f, gconstpointer data)
{
    guint compared;
    guint chunks = check_fixtures_through_cache(f->path, store_chunks, FALSE, &compared);

    (void)data;
    g_assert_cmpuint(compared, >=, 300);
    g_assert_cmpuint(chunks, >=, 100);
}

/* The same with the places of the objects, read back from the bytes at
 * those places, as src/sources.c reads a cached file. */
static void
test_places_busy_fixtures(Fixture *f, gconstpointer data)
{
    guint compared;
    guint rows = check_fixtures_through_cache(f->path, store_places, TRUE, &compared);

    (void)data;
    g_assert_cmpuint(compared, >=, 300);
    g_assert_cmpuint(rows, >=, 100);
}

static void
collect_place(const NyCachePlace *place, gpointer data)
{
    g_ptr_array_add(data, g_strdup_printf("%" G_GUINT64_FORMAT "+%" G_GUINT64_FORMAT, place->offset,
                                          place->len));
}

static char *
read_places(NyCache *cache, gint64 id, NyTime from, NyTime to)
{
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    g_assert_true(ny_cache_foreach_place(cache, id, from, to, collect_place, got, &error));
    g_assert_no_error(error);
    g_ptr_array_add(got, NULL);
    return g_strjoinv(" ", (char **)got->pdata);
}

/* ny_cache_add_places(): rows of places in a file, indexed by the union of
 * their spans and read back place by place, each by its own span, in
 * order; the objects are counted; a calendar of places is not read as
 * text, nor text as places. */
static void
test_places(Fixture *f, gconstpointer data)
{
    const NyCachePlace first[] = {
        {0, 40, NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END},
        {40, 10, 100, 200},
        {50, 10, 700, 800},
    };
    const NyCachePlace second[] = {
        {60, 5, NY_CACHE_SPAN_UNKNOWN_START, NY_CACHE_SPAN_UNKNOWN_END},
        {70, 5, 2000, NY_CACHE_SPAN_OPEN_END},
    };
    const NyCachePlace third[] = {{80, 3, 300, 310}};
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(NyCacheCalendar) cal = NULL;
    g_autoptr(GPtrArray) got = g_ptr_array_new_with_free_func(g_free);
    gint64 id, text_id;
    struct {
        NyTime from, to;
        const char *want;
    } windows[] = {
        {250, 290, "0+40 60+5"},
        {150, 160, "0+40 40+10 60+5"},
        {305, 750, "0+40 50+10 60+5 80+3"},
        {200, 300, "0+40 60+5"}, /* touching is not meeting */
        {5000, 6000, "0+40 60+5 70+5"},
        {NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END, "0+40 40+10 50+10 60+5 70+5 80+3"},
    };

    (void)data;
    g_assert_no_error(error);
    g_assert_true(ny_cache_begin(cache, &error));
    id = ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_add_places(cache, id, "1", first, G_N_ELEMENTS(first), &error));
    g_assert_true(ny_cache_add_places(cache, id, "2", second, G_N_ELEMENTS(second), &error));
    g_assert_true(ny_cache_add_places(cache, id, "3", third, G_N_ELEMENTS(third), &error));
    text_id =
        ny_cache_calendar_update(cache, NY_CACHE_SOURCE_LOCAL, "/b.ics", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_add_object_span(cache, text_id, "1", "text", 4, 100, 200, &error));
    g_assert_true(ny_cache_commit(cache, &error));
    g_assert_no_error(error);

    for (gsize i = 0; i < G_N_ELEMENTS(windows); i++) {
        g_autofree char *places = read_places(cache, id, windows[i].from, windows[i].to);
        g_assert_cmpstr(places, ==, windows[i].want);
    }
    cal = ny_cache_calendar_lookup(cache, NY_CACHE_SOURCE_LOCAL, "/a.ics", &error);
    g_assert_no_error(error);
    g_assert_cmpuint(cal->n_objects, ==, 6);

    g_assert_false(ny_cache_foreach_object(cache, id, 0, 1000, collect, got, &error));
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED);
    g_assert_nonnull(strstr(error->message, "delete the cache"));
    g_assert_cmpuint(got->len, ==, 0);
    g_clear_error(&error);
    g_assert_false(ny_cache_foreach_place(cache, text_id, 0, 1000, collect_place, got, &error));
    g_assert_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED);
    g_assert_cmpuint(got->len, ==, 0);
}

static char *
memo_text(NyCache *cache, gint64 id, const char *key, NyTime from, NyTime to, NyCacheMemo *out,
          gint64 *out_gen)
{
    g_autoptr(GArray) busy = ny_intervals_new();
    GString *text = g_string_new(NULL);

    *out = ny_cache_memo_get(cache, id, key, from, to, busy, out_gen);
    /* Clipped to the window, as src/sources.c does. */
    ny_intervals_normalize(busy, from, to);
    for (guint i = 0; i < busy->len; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        g_string_append_printf(text, "%s%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT, i ? " " : "",
                               iv->start, iv->end);
    }
    return g_string_free(text, FALSE);
}

/* The busy memo: given back clipped to a window it holds, for the same key,
 * while the calendar's objects are as they were; any write of an object
 * (insert, replace, delete, clear) ends it, a span found later does not;
 * a memo of objects that changed while they were read is never kept; a
 * computation that warned is remembered as such; forgetting the calendar
 * forgets its memo. */
static void
test_busy_memo(Fixture *f, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyCache) cache = ny_cache_open(f->path, &error);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(NyCacheCalendar) cal = NULL;
    NyInterval a = {100, 200}, b = {500, 600};
    NyCacheMemo memo;
    gint64 id, gen, gen2;
    char *text;

    (void)data;
    g_assert_no_error(error);
    id = ny_cache_calendar_update(cache, "work", "http://h/c/", NULL, NULL, TRUE, &error);
    g_assert_true(ny_cache_put_object(cache, id, "/c/a.ics", "\"1\"", "a", &error));
    g_assert_no_error(error);
    g_array_append_val(busy, a);
    g_array_append_val(busy, b);

    text = memo_text(cache, id, "k", 0, 1000, &memo, &gen);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_assert_cmpint(gen, >, 0);
    g_free(text);
    ny_cache_memo_put(cache, id, gen, "k", 0, 1000, busy);

    text = memo_text(cache, id, "k", 150, 550, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_BUSY);
    g_assert_cmpint(gen2, ==, gen);
    g_assert_cmpstr(text, ==, "150-200 500-550");
    g_free(text);
    text = memo_text(cache, id, "k", 300, 400, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_BUSY);
    g_assert_cmpstr(text, ==, "");
    g_free(text);
    text = memo_text(cache, id, "k", 0, 1001, &memo, &gen2); /* not held */
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_free(text);
    text = memo_text(cache, id, "other", 150, 550, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_free(text);

    /* A span found later changes no answer. */
    g_assert_true(ny_cache_set_span(cache, id, "/c/a.ics", 100, 200, &error));
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_BUSY);
    g_free(text);

    /* A write of an object does; a memo of the old objects is not kept. */
    g_assert_true(ny_cache_put_object(cache, id, "/c/a.ics", "\"2\"", "a2", &error));
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_assert_cmpint(gen2, !=, gen);
    g_free(text);
    ny_cache_memo_put(cache, id, gen, "k", 0, 1000, busy);
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_free(text);

    ny_cache_memo_put(cache, id, gen, "k", 0, 1000, busy);
    g_assert_true(ny_cache_delete_object(cache, id, "/c/a.ics", &error));
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_free(text);
    g_assert_true(ny_cache_add_object_span(cache, id, "/c/b.ics", "b", 1, 0, 10, &error));
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen);
    ny_cache_memo_put(cache, id, gen, "k", 0, 1000, busy);
    g_free(text);
    cal = ny_cache_calendar_lookup(cache, "work", "http://h/c/", &error);
    g_assert_cmpuint(cal->n_objects, ==, 1); /* a replaced, a deleted, b added */
    g_clear_pointer(&cal, ny_cache_calendar_free);
    g_assert_true(ny_cache_clear_objects(cache, id, &error));
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_NONE);
    g_free(text);
    g_assert_no_error(error);
    cal = ny_cache_calendar_lookup(cache, "work", "http://h/c/", &error);
    g_assert_cmpuint(cal->n_objects, ==, 0);
    g_clear_pointer(&cal, ny_cache_calendar_free);

    /* A computation that warned. */
    ny_cache_memo_put(cache, id, gen, "k", 0, 1000, NULL);
    text = memo_text(cache, id, "k", 150, 550, &memo, &gen2);
    g_assert_cmpint(memo, ==, NY_CACHE_MEMO_WARNED);
    g_free(text);

    g_assert_true(ny_cache_calendar_forget(cache, id, &error));
    g_clear_pointer(&cache, ny_cache_free);
    g_assert_cmpint(raw_sql(f->path, "SELECT count(*) FROM busy_memo"), ==, 0);
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
    g_test_add("/cache/chunk/parts", Fixture, NULL, fixture_setup, test_chunk_parts,
               fixture_teardown);
    g_test_add("/cache/chunk/damaged", Fixture, NULL, fixture_setup, test_chunk_damaged,
               fixture_teardown);
    g_test_add("/cache/chunk/busy-fixtures", Fixture, NULL, fixture_setup, test_chunk_busy_fixtures,
               fixture_teardown);
    g_test_add("/cache/busy-memo", Fixture, NULL, fixture_setup, test_busy_memo, fixture_teardown);
    g_test_add("/cache/places", Fixture, NULL, fixture_setup, test_places, fixture_teardown);
    g_test_add("/cache/places/busy-fixtures", Fixture, NULL, fixture_setup,
               test_places_busy_fixtures, fixture_teardown);
    g_test_add("/cache/migrate-from-2", Fixture, NULL, fixture_setup, test_migrate_from_2,
               fixture_teardown);
    return g_test_run();
}
