/* Unit tests for cache: object spans, the window query, transactions, and
 * refusing files that are not a notyet cache. */
#include "notyet/cache.h"
#include "notyet/db.h"
#include "notyet/sources.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
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

/* An unused VTIMEZONE with an offset past a day: it sends the object
 * through libical, for comparing the text-only span with libical's. */
#define ODD_ZONE                                                                                   \
    "BEGIN:VTIMEZONE\r\nTZID:Unused\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"              \
    "TZOFFSETFROM:+0000\r\nTZOFFSETTO:+2500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"

/* The text-only span of plain one-off events equals libical's. */
static void
test_span_text_equals_libical(void)
{
    static const char *const events[] = {
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
        "END:VEVENT\r\n",
        "BEGIN:VEVENT\nUID:b\nDTSTART:20260105T090000\nDTEND:20260105T100000\nEND:VEVENT\n",
        "BEGIN:VEVENT\r\nUID:c\r\nDTSTART;VALUE=DATE:20260105\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART;TZID=\"Odd: zone\":20260105T090000\r\n"
        "DTEND;TZID=\"Odd: zone\":20260105T100000\r\nBEGIN:VALARM\r\nACTION:DISPLAY\r\n"
        "TRIGGER:-PT15M\r\nEND:VALARM\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:e\r\nDTSTART:20260105T090000Z\r\nDTEND:20260104T100000Z\r\n"
        "END:VEVENT\r\n",
        /* folded DTSTART: libical both ways */
        "BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260105T0900\r\n 00Z\r\nEND:VEVENT\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(events); i++) {
        g_autofree char *plain = wrap(events[i]);
        g_autofree char *slow =
            g_strconcat("BEGIN:VCALENDAR\r\n" ODD_ZONE, events[i], "END:VCALENDAR\r\n", NULL);
        NyTime s1 = 0, e1 = 0, s2 = 0, e2 = 0, s3 = 0, e3 = 0;

        g_test_message("case %" G_GSIZE_FORMAT, i);
        ny_cache_span(plain, &s1, &e1);
        ny_cache_span(events[i], &s2, &e2);
        ny_cache_span(slow, &s3, &e3);
        g_assert_cmpint(s1, >, NY_CACHE_SPAN_OPEN_START);
        g_assert_cmpint(s1, ==, s3);
        g_assert_cmpint(e1, ==, e3);
        g_assert_cmpint(s2, ==, s3);
        g_assert_cmpint(e2, ==, e3);
    }
}

/* A one-off event with its VTIMEZONEs (as every CalDAV object carries them)
 * is spanned from the text, and the span holds the event with a day to
 * spare. */
static void
test_span_with_zones(void)
{
    static const char *const offsets[] = {"+0500", "-1100", "+1345"};

    for (gsize i = 0; i < G_N_ELEMENTS(offsets); i++) {
        g_autofree char *zone = g_strdup_printf(
            "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
            "TZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nEND:STANDARD\r\nBEGIN:DAYLIGHT\r\n"
            "DTSTART:19700329T020000\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\n"
            "TZOFFSETFROM:%s\r\nTZOFFSETTO:%s\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
            offsets[i], offsets[i], offsets[i], offsets[i]);
        static const char event[] = "BEGIN:VEVENT\r\nUID:z\r\nDTSTART;TZID=X:20260105T090000\r\n"
                                    "DTEND;TZID=X:20260105T100000\r\nEND:VEVENT\r\n";
        g_autofree char *fast =
            g_strconcat("BEGIN:VCALENDAR\r\n", zone, event, "END:VCALENDAR\r\n", NULL);
        g_autofree char *slow =
            g_strconcat("BEGIN:VCALENDAR\r\n", zone, ODD_ZONE, event, "END:VCALENDAR\r\n", NULL);
        NyTime s1 = 0, e1 = 0, s2 = 0, e2 = 0;

        ny_cache_span(fast, &s1, &e1);
        ny_cache_span(slow, &s2, &e2);
        g_assert_cmpint(s1, >, NY_CACHE_SPAN_OPEN_START);
        /* libical's is the exact instant widened by MARGIN; the text's
         * reads the local time as UTC, off by under a day: the event itself
         * stays more than a day inside it. */
        g_assert_cmpint(s1, <=, s2 + MARGIN - DAY);
        g_assert_cmpint(e1, >=, e2 - MARGIN + DAY);
        g_assert_cmpint(e1 - s1, <=, 3600 + 2 * MARGIN);
    }
    {
        /* A folded offset line in a zone (libical joins it: +9900 is 99
         * hours) is not read from the text: the span is libical's. */
        static const char *const folded[] = {"TZOFF\r\n SETTO:+9900\r\n",
                                             "TZOFFSETTO:+2300\r\n 9999\r\n"};

        for (gsize i = 0; i < G_N_ELEMENTS(folded); i++) {
            g_autofree char *zone = g_strconcat(
                "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n"
                "TZOFFSETFROM:+0000\r\n",
                folded[i], "END:STANDARD\r\nEND:VTIMEZONE\r\n", NULL);
            static const char event[] = "BEGIN:VEVENT\r\nUID:f\r\n"
                                        "DTSTART;TZID=X:20260302T150000\r\n"
                                        "DTEND;TZID=X:20260302T160000\r\nEND:VEVENT\r\n";
            g_autofree char *text =
                g_strconcat("BEGIN:VCALENDAR\r\n", zone, event, "END:VCALENDAR\r\n", NULL);
            g_autofree char *slow = g_strconcat("BEGIN:VCALENDAR\r\n", zone, ODD_ZONE, event,
                                                "END:VCALENDAR\r\n", NULL);
            NyTime s1 = 0, e1 = 0, s2 = 0, e2 = 0;

            ny_cache_span(text, &s1, &e1);
            ny_cache_span(slow, &s2, &e2);
            g_assert_cmpint(s1, ==, s2);
            g_assert_cmpint(e1, ==, e2);
        }
    }
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

/* Splitting: zones apart, a series with its overrides in one object. */
static void
test_split_groups(void)
{
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:series\r\nDTSTART:20260105T090000Z\r\nRRULE:FREQ=DAILY\r\n"
        "BEGIN:VALARM\r\nUID:not-mine\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VEVENT\r\nUID:one\r\nDTSTART:20260106T090000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nUID:ser\r\n ies\r\nRECURRENCE-ID:20260107T090000Z\r\n"
        "DTSTART:20260107T100000Z\r\nEND:VEVENT\r\n"
        "BEGIN:VEVENT\r\nDTSTART:20260108T090000Z\r\nEND:VEVENT\r\n"
        "END:VCALENDAR\r\n"
        "BEGIN:VEVENT\nUID:bare\nDTSTART:20260109T090000Z\nEND:VEVENT";
    g_autofree char *zones = NULL;
    g_autoptr(GPtrArray) objects = NULL;

    g_assert_true(ny_sources_split(text, strlen(text), &zones, &objects));
    g_assert_cmpstr(zones, ==, "BEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\n");
    g_assert_cmpuint(objects->len, ==, 4);
    g_assert_true(
        g_str_has_prefix(g_ptr_array_index(objects, 0), "BEGIN:VEVENT\r\nUID:series\r\n"));
    g_assert_nonnull(strstr(g_ptr_array_index(objects, 0), "RECURRENCE-ID:20260107T090000Z"));
    g_assert_true(g_str_has_prefix(g_ptr_array_index(objects, 1), "BEGIN:VEVENT\r\nUID:one"));
    g_assert_true(
        g_str_has_prefix(g_ptr_array_index(objects, 2), "BEGIN:VEVENT\r\nDTSTART:20260108"));
    /* The last line had no newline: one is added so objects can be joined. */
    g_assert_cmpstr(g_ptr_array_index(objects, 3), ==,
                    "BEGIN:VEVENT\nUID:bare\nDTSTART:20260109T090000Z\nEND:VEVENT\r\n");
}

static void
test_split_refuses(void)
{
    static const char *const bad[] = {
        "",
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n",           /* no component */
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VCALENDAR\r\n", /* left open */
        "END:VEVENT\r\n",                                                /* END first */
        "not a calendar at all\r\n",
    };
    static const char nul[] = "BEGIN:VEVENT\r\nUID:a\0b\r\nEND:VEVENT\r\n";

    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autofree char *zones = NULL;
        g_autoptr(GPtrArray) objects = NULL;
        g_test_message("case %u", i);
        g_assert_false(ny_sources_split(bad[i], strlen(bad[i]), &zones, &objects));
        g_assert_null(objects);
    }
    {
        g_autofree char *zones = NULL;
        g_autoptr(GPtrArray) objects = NULL;
        g_assert_false(ny_sources_split(nul, sizeof nul - 1, &zones, &objects));
    }
}

static char *
busy_text(GArray *busy)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < busy->len; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        g_string_append_printf(s, "%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT " ", iv->start, iv->end);
    }
    return g_string_free(s, FALSE);
}

/* Every busy fixture that splits gives the same busy time when only its
 * zones and the objects whose span meets the window are read, for several
 * windows: what a warm cache does. */
static void
test_split_same_busy(void)
{
    static const NyTime windows[][2] = {
        {1735689600, 1893456000}, /* 2025-2030 */
        {1767225600, 1769904000}, /* 2026-01 */
        {1772323200, 1773532800}, /* 2026-03-01 .. 03-15 */
        {1782864000, 1783468800}, /* 2026-07 one week */
    };
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "fixtures", "busy", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    const char *name;
    guint compared = 0;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_autofree char *text = NULL;
        g_autofree char *zones = NULL;
        g_autoptr(GPtrArray) objects = NULL;
        gsize len = 0;

        if (!g_str_has_suffix(name, ".ics"))
            continue;
        g_assert_true(g_file_get_contents(path, &text, &len, NULL));
        if (!ny_sources_split(text, len, &zones, &objects))
            continue;
        for (guint w = 0; w < G_N_ELEMENTS(windows); w++) {
            NyBusyQuery q;
            g_autoptr(GArray) whole = ny_intervals_new();
            g_autoptr(GArray) parts = ny_intervals_new();
            g_autoptr(GPtrArray) warn_whole = g_ptr_array_new_with_free_func(g_free);
            g_autoptr(GPtrArray) warn_parts = g_ptr_array_new_with_free_func(g_free);
            g_autoptr(GString) joined = g_string_new("BEGIN:VCALENDAR\r\n");
            g_autofree char *a = NULL;
            g_autofree char *b = NULL;

            ny_busy_query_init(&q, windows[w][0], windows[w][1], zone, "America/New_York", NULL);
            if (!ny_busy_compute(&q, text, len, whole, warn_whole, NULL))
                continue;
            g_string_append(joined, zones);
            for (guint i = 0; i < objects->len; i++) {
                const char *o = g_ptr_array_index(objects, i);
                NyTime s0 = 0, e0 = 0;
                ny_cache_span(o, &s0, &e0);
                if (s0 < windows[w][1] && e0 > windows[w][0])
                    g_string_append(joined, o);
            }
            g_string_append(joined, "END:VCALENDAR\r\n");
            g_assert_true(ny_busy_compute(&q, joined->str, joined->len, parts, warn_parts, NULL));
            ny_intervals_normalize(whole, q.from, q.to);
            ny_intervals_normalize(parts, q.from, q.to);
            a = busy_text(whole);
            b = busy_text(parts);
            g_test_message("%s window %u", name, w);
            g_assert_cmpstr(b, ==, a);
            compared++;
        }
    }
    g_assert_cmpuint(compared, >=, 60);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/cache/span/oneoff", test_span_oneoff);
    g_test_add_func("/cache/span/with-zones", test_span_with_zones);
    g_test_add_func("/cache/span/count", test_span_count);
    g_test_add_func("/cache/span/until", test_span_until);
    g_test_add_func("/cache/span/open-cases", test_span_open_cases);
    g_test_add_func("/cache/span/text-equals-libical", test_span_text_equals_libical);
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
    g_test_add("/cache/foreach-and-lookup", Fixture, NULL, fixture_setup, test_foreach_and_lookup,
               fixture_teardown);
    g_test_add_func("/sources/split/groups", test_split_groups);
    g_test_add_func("/sources/split/refuses", test_split_refuses);
    g_test_add_func("/sources/split/same-busy", test_split_same_busy);
    return g_test_run();
}
