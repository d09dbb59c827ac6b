/* cache.c: the SQLite mirror of remote calendars (see cache.h). Opened by
 * the db module (src/db.c), which also translates SQLite's result codes. */
#include "notyet/cache.h"

#include <libical/ical.h>
#include <sqlite3.h>
#include <string.h>

#include "notyet/db.h"

G_DEFINE_QUARK(ny_cache_error, ny_cache_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

#define SPAN_MARGIN (2 * 86400) /* any zone offset, all-day and floating times */

struct NyCache {
    NyDb *file;
    sqlite3 *db; /* the file's connection */
    char *path;
    gboolean in_transaction;
    sqlite3_stmt *put; /* prepared once: a cold sync stores thousands of objects */
};

/* The schema, one migration per version (src/db.c runs them): never edit
 * a released one, add one at the end. */
static const char *const migrations[] = {
    /* 1: calendars and their objects. */
    "CREATE TABLE IF NOT EXISTS calendars ("
    "  id INTEGER PRIMARY KEY,"
    "  source TEXT NOT NULL,"
    "  href TEXT NOT NULL,"
    "  displayname TEXT, color TEXT, ctag TEXT, sync_token TEXT,"
    "  used INTEGER NOT NULL DEFAULT 1,"
    "  last_sync INTEGER NOT NULL DEFAULT 0,"
    "  UNIQUE (source, href));"
    "CREATE TABLE IF NOT EXISTS objects ("
    "  calendar INTEGER NOT NULL REFERENCES calendars(id) ON DELETE CASCADE,"
    "  href TEXT NOT NULL,"
    "  etag TEXT,"
    "  ics TEXT NOT NULL,"
    "  span_start INTEGER," /* NULL: open */
    "  span_end INTEGER,"   /* NULL: open */
    "  PRIMARY KEY (calendar, href));"
    "CREATE INDEX IF NOT EXISTS objects_span ON objects (calendar, span_start, span_end);",
    /* 2: where discovery ended (the calendar home), so a later sync needs
     * one request to list the calendars. */
    "CREATE TABLE IF NOT EXISTS homes ("
    "  source TEXT NOT NULL,"
    "  url TEXT NOT NULL,"
    "  home TEXT NOT NULL,"
    "  PRIMARY KEY (source, url));",
};

static const NyDbKind cache_kind = {
    .noun = "cache",
    .application_id = NY_DB_ID_CACHE,
    .migrations = migrations,
    .n_migrations = G_N_ELEMENTS(migrations),
    /* The cache can always be rebuilt from the server: NORMAL is enough. */
    .full_sync = FALSE,
    .elsewhere = "choose another file with NOTYET_CACHE",
    .if_damaged = "delete it, the next sync rebuilds it",
};

/* SQLite's result code as NY_DB_ERROR (src/db.c). */
static gboolean
db_error(NyCache *cache, int code, const char *what, GError **error)
{
    ny_db_set_error(cache->file, code, what, error);
    return FALSE;
}

static sqlite3_stmt *
prepare(NyCache *cache, const char *sql, GError **error)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(cache->db, sql, -1, &stmt, NULL);

    if (rc != SQLITE_OK) {
        db_error(cache, rc, "query failed", error);
        return NULL;
    }
    return stmt;
}

const char *
ny_cache_get_path(NyCache *cache)
{
    return cache->path;
}

void
ny_cache_free(NyCache *cache)
{
    if (cache == NULL)
        return;
    if (cache->in_transaction)
        ny_cache_rollback(cache);
    sqlite3_finalize(cache->put);
    ny_db_free(cache->file);
    g_free(cache->path);
    g_free(cache);
}

NyCache *
ny_cache_open(const char *path, GError **error)
{
    g_autoptr(NyCache) cache = NULL;

    g_return_val_if_fail(path != NULL, NULL);

    cache = g_new0(NyCache, 1);
    cache->file = ny_db_open(path, &cache_kind, error);
    if (cache->file == NULL)
        return NULL;
    cache->db = ny_db_handle(cache->file);
    cache->path = g_strdup(path);
    return g_steal_pointer(&cache);
}

gboolean
ny_cache_begin(NyCache *cache, GError **error)
{
    if (!ny_db_begin(cache->file, error))
        return FALSE;
    cache->in_transaction = TRUE;
    return TRUE;
}

gboolean
ny_cache_commit(NyCache *cache, GError **error)
{
    /* A failed commit is rolled back. */
    cache->in_transaction = FALSE;
    return ny_db_commit(cache->file, error);
}

void
ny_cache_rollback(NyCache *cache)
{
    if (!cache->in_transaction)
        return;
    ny_db_rollback(cache->file);
    cache->in_transaction = FALSE;
}

void
ny_cache_calendar_free(NyCacheCalendar *cal)
{
    if (cal == NULL)
        return;
    g_free(cal->source);
    g_free(cal->href);
    g_free(cal->displayname);
    g_free(cal->color);
    g_free(cal->ctag);
    g_free(cal->sync_token);
    g_free(cal);
}

static char *
column_text(sqlite3_stmt *stmt, int i)
{
    const unsigned char *t = sqlite3_column_text(stmt, i);

    return t ? g_strdup((const char *)t) : NULL;
}

static GPtrArray *
list_calendars(NyCache *cache, const char *source, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache,
                "SELECT c.id, c.source, c.href, c.displayname, c.color, c.ctag, c.sync_token,"
                " c.used, c.last_sync, (SELECT count(*) FROM objects o WHERE o.calendar = c.id)"
                " FROM calendars c WHERE (?1 IS NULL OR c.source = ?1) AND (?2 = 0 OR c.id = ?2)"
                " ORDER BY c.source, c.href",
                error);
    g_autoptr(GPtrArray) list = NULL;
    int rc;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 2, id);
    list = g_ptr_array_new_with_free_func((GDestroyNotify)ny_cache_calendar_free);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        NyCacheCalendar *cal = g_new0(NyCacheCalendar, 1);

        cal->id = sqlite3_column_int64(stmt, 0);
        cal->source = column_text(stmt, 1);
        cal->href = column_text(stmt, 2);
        cal->displayname = column_text(stmt, 3);
        cal->color = column_text(stmt, 4);
        cal->ctag = column_text(stmt, 5);
        cal->sync_token = column_text(stmt, 6);
        cal->used = sqlite3_column_int(stmt, 7) != 0;
        cal->last_sync = sqlite3_column_int64(stmt, 8);
        cal->n_objects = (guint)sqlite3_column_int64(stmt, 9);
        g_ptr_array_add(list, cal);
    }
    if (rc != SQLITE_DONE) {
        db_error(cache, rc, "cannot list calendars", error);
        return NULL;
    }
    return g_steal_pointer(&list);
}

GPtrArray *
ny_cache_list_calendars(NyCache *cache, const char *source, GError **error)
{
    return list_calendars(cache, source, 0, error);
}

gint64
ny_cache_calendar_update(NyCache *cache, const char *source, const char *href,
                         const char *displayname, const char *color, gboolean used, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache,
                "INSERT INTO calendars (source, href, displayname, color, used)"
                " VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source, href) DO UPDATE SET"
                " displayname = excluded.displayname, color = excluded.color,"
                " used = excluded.used RETURNING id",
                error);
    gint64 id;
    int rc;

    if (stmt == NULL)
        return 0;
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, displayname, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, color, -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 5, used ? 1 : 0);
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        db_error(cache, rc, "cannot record a calendar", error);
        return 0;
    }
    id = sqlite3_column_int64(stmt, 0);
    /* RETURNING: the statement must run to completion. */
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        ;
    if (rc != SQLITE_DONE) {
        db_error(cache, rc, "cannot record a calendar", error);
        return 0;
    }
    return id;
}

static gboolean
step_done(NyCache *cache, sqlite3_stmt *stmt, const char *what, GError **error)
{
    int rc = sqlite3_step(stmt);

    if (rc != SQLITE_DONE)
        return db_error(cache, rc, what, error);
    return TRUE;
}

gboolean
ny_cache_calendar_set_synced(NyCache *cache, gint64 id, const char *ctag, const char *sync_token,
                             NyTime when, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(
        cache, "UPDATE calendars SET ctag = ?2, sync_token = ?3, last_sync = ?4 WHERE id = ?1",
        error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, ctag, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, sync_token, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, when);
    return step_done(cache, stmt, "cannot record the sync", error);
}

gboolean
ny_cache_calendar_retain(NyCache *cache, const char *source, GPtrArray *hrefs, GError **error)
{
    g_autoptr(GPtrArray) all = ny_cache_list_calendars(cache, source, error);

    if (all == NULL)
        return FALSE;
    for (guint i = 0; i < all->len; i++) {
        NyCacheCalendar *cal = g_ptr_array_index(all, i);
        gboolean keep = FALSE;

        for (guint j = 0; j < hrefs->len && !keep; j++)
            keep = strcmp(cal->href, g_ptr_array_index(hrefs, j)) == 0;
        if (!keep && !ny_cache_calendar_forget(cache, cal->id, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
ny_cache_calendar_forget(NyCache *cache, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, "DELETE FROM calendars WHERE id = ?1", error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    return step_done(cache, stmt, "cannot forget a calendar", error);
}

char *
ny_cache_get_home(NyCache *cache, const char *source, const char *url)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache, "SELECT home FROM homes WHERE source = ?1 AND url = ?2", NULL);

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, url, -1, SQLITE_STATIC);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        return NULL;
    return column_text(stmt, 0);
}

gboolean
ny_cache_set_home(NyCache *cache, const char *source, const char *url, const char *home,
                  GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache,
                home ? "INSERT OR REPLACE INTO homes (source, url, home) VALUES (?1, ?2, ?3)"
                     : "DELETE FROM homes WHERE source = ?1 AND url = ?2",
                error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, url, -1, SQLITE_STATIC);
    if (home != NULL)
        sqlite3_bind_text(stmt, 3, home, -1, SQLITE_STATIC);
    return step_done(cache, stmt, "cannot record the calendar home", error);
}

GHashTable *
ny_cache_etags(NyCache *cache, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache, "SELECT href, etag FROM objects WHERE calendar = ?1", error);
    g_autoptr(GHashTable) etags = NULL;
    int rc;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    etags = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        char *etag = column_text(stmt, 1);
        g_hash_table_insert(etags, column_text(stmt, 0), etag ? etag : g_strdup(""));
    }
    if (rc != SQLITE_DONE) {
        db_error(cache, rc, "cannot read the objects", error);
        return NULL;
    }
    return g_steal_pointer(&etags);
}

gboolean
ny_cache_put_object(NyCache *cache, gint64 id, const char *href, const char *etag, const char *ics,
                    GError **error)
{
    NyTime start = 0;
    NyTime end = 0;

    ny_cache_span(ics, &start, &end);
    return ny_cache_put_object_span(cache, id, href, etag, ics, start, end, error);
}

gboolean
ny_cache_put_object_span(NyCache *cache, gint64 id, const char *href, const char *etag,
                         const char *ics, NyTime start, NyTime end, GError **error)
{
    sqlite3_stmt *stmt;
    gboolean ok;

    if (cache->put == NULL) {
        cache->put = prepare(cache,
                             "INSERT OR REPLACE INTO objects"
                             " (calendar, href, etag, ics, span_start, span_end)"
                             " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                             error);
        if (cache->put == NULL)
            return FALSE;
    }
    stmt = cache->put;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ics, -1, SQLITE_STATIC);
    if (start == NY_CACHE_SPAN_OPEN_START)
        sqlite3_bind_null(stmt, 5);
    else
        sqlite3_bind_int64(stmt, 5, start);
    if (end == NY_CACHE_SPAN_OPEN_END)
        sqlite3_bind_null(stmt, 6);
    else
        sqlite3_bind_int64(stmt, 6, end);
    ok = step_done(cache, stmt, "cannot store an object", error);
    /* The borrowed strings must not stay bound. */
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return ok;
}

gboolean
ny_cache_delete_object(NyCache *cache, gint64 id, const char *href, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache, "DELETE FROM objects WHERE calendar = ?1 AND href = ?2", error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    return step_done(cache, stmt, "cannot delete an object", error);
}

gboolean
ny_cache_clear_objects(NyCache *cache, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, "DELETE FROM objects WHERE calendar = ?1", error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    return step_done(cache, stmt, "cannot clear a calendar", error);
}

/* (href, ics) of the objects of calendar ?1 whose span meets [?2, ?3), in
 * href order. Two searches of the span index, one for an open start (NULL)
 * and one for the rest, so that SQLite filters on the index entries and
 * reads only the texts it returns: one OR over both would read every text
 * of the calendar (25 ms against 2 ms for 20,000 objects). */
#define OBJECTS_IN_WINDOW                                                                          \
    "SELECT href, ics FROM objects INDEXED BY objects_span WHERE calendar = ?1"                    \
    " AND span_start IS NULL AND (span_end IS NULL OR span_end > ?2)"                              \
    " UNION ALL "                                                                                  \
    "SELECT href, ics FROM objects INDEXED BY objects_span WHERE calendar = ?1"                    \
    " AND span_start < ?3 AND (span_end IS NULL OR span_end > ?2) ORDER BY href"

gboolean
ny_cache_foreach_object(NyCache *cache, gint64 id, NyTime from, NyTime to, NyCacheObjectFunc func,
                        gpointer user_data, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, OBJECTS_IN_WINDOW, error);
    int rc;

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, from);
    sqlite3_bind_int64(stmt, 3, to);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *href = (const char *)sqlite3_column_text(stmt, 0);
        const char *ics = (const char *)sqlite3_column_text(stmt, 1);
        gsize len = (gsize)sqlite3_column_bytes(stmt, 1);

        func(href ? href : "", ics ? ics : "", ics ? len : 0, user_data);
    }
    if (rc != SQLITE_DONE)
        return db_error(cache, rc, "cannot read the objects", error);
    return TRUE;
}

NyCacheCalendar *
ny_cache_calendar_lookup(NyCache *cache, const char *source, const char *href, GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache, "SELECT id FROM calendars WHERE source = ?1 AND href = ?2", error);
    gint64 id;
    int rc;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_text(stmt, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        g_set_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_NOT_FOUND, "'%s' is not cached", href);
        return NULL;
    }
    if (rc != SQLITE_ROW) {
        db_error(cache, rc, "cannot read a calendar", error);
        return NULL;
    }
    id = sqlite3_column_int64(stmt, 0);
    list = list_calendars(cache, source, id, error);
    if (list == NULL)
        return NULL;
    if (list->len == 0) {
        g_set_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_NOT_FOUND, "'%s' is not cached", href);
        return NULL;
    }
    return g_ptr_array_steal_index(list, 0);
}

GPtrArray *
ny_cache_texts(NyCache *cache, gint64 id, NyTime from, NyTime to, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, OBJECTS_IN_WINDOW, error);
    g_autoptr(GPtrArray) texts = NULL;
    int rc;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, from);
    sqlite3_bind_int64(stmt, 3, to);
    texts = g_ptr_array_new_with_free_func(g_free);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        g_ptr_array_add(texts, column_text(stmt, 1));
    if (rc != SQLITE_DONE) {
        db_error(cache, rc, "cannot read the objects", error);
        return NULL;
    }
    return g_steal_pointer(&texts);
}

/* The span: conservative bounds, never a full recurrence expansion (that is
 * the engine's job, with its own limits). */

static NyTime
to_unix(struct icaltimetype t)
{
    const icaltimezone *zone = t.zone ? t.zone : icaltimezone_get_utc_timezone();

    return (NyTime)icaltime_as_timet_with_zone(t, zone);
}

/* Days at most one period of @freq can take. */
static gint64
period_seconds(icalrecurrencetype_frequency freq)
{
    switch (freq) {
    case ICAL_SECONDLY_RECURRENCE:
        return 1;
    case ICAL_MINUTELY_RECURRENCE:
        return 60;
    case ICAL_HOURLY_RECURRENCE:
        return 3600;
    case ICAL_DAILY_RECURRENCE:
        return 86400;
    case ICAL_WEEKLY_RECURRENCE:
        return 7 * 86400;
    case ICAL_MONTHLY_RECURRENCE:
        return 31 * 86400;
    case ICAL_YEARLY_RECURRENCE:
        return 366 * 86400;
    default:
        return 0;
    }
}

static gboolean
by_empty(const short *by)
{
    return by[0] == ICAL_RECURRENCE_ARRAY_MAX;
}

/* The last start a COUNT rule can reach, when that is cheap to bound: every
 * period must hold at least one instance, which holds for no BY parts, for
 * WEEKLY with BYDAY, and for MONTHLY with a plain BYDAY or a BYMONTHDAY of at
 * most 28. Otherwise FALSE: the caller treats it as open-ended. */
static gboolean
count_bound(const struct icalrecurrencetype *r, NyTime start, NyTime *out_last)
{
    gint64 period = period_seconds(r->freq);
    gboolean simple = by_empty(r->by_second) && by_empty(r->by_minute) && by_empty(r->by_hour) &&
                      by_empty(r->by_year_day) && by_empty(r->by_week_no) &&
                      by_empty(r->by_month) && by_empty(r->by_set_pos);
    gboolean ok;
    gint64 interval = r->interval > 0 ? r->interval : 1;

    if (period == 0 || !simple)
        return FALSE;
    if (by_empty(r->by_day) && by_empty(r->by_month_day)) {
        ok = TRUE;
    } else if (r->freq == ICAL_WEEKLY_RECURRENCE && by_empty(r->by_month_day)) {
        ok = TRUE;
    } else if (r->freq == ICAL_MONTHLY_RECURRENCE && by_empty(r->by_day)) {
        ok = TRUE;
        for (int i = 0; r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            if (r->by_month_day[i] < 1 || r->by_month_day[i] > 28)
                ok = FALSE;
        }
    } else if (r->freq == ICAL_MONTHLY_RECURRENCE && by_empty(r->by_month_day)) {
        /* "Every Tuesday" or "the 2nd Tuesday": in every month; "the 5th
         * Tuesday" is not. */
        ok = TRUE;
        for (int i = 0; r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            int pos = icalrecurrencetype_day_position(r->by_day[i]);
            if (pos > 4 || pos < -4)
                ok = FALSE;
        }
    } else {
        ok = FALSE;
    }
    if (!ok || r->count > 1000000)
        return FALSE;
    *out_last = start + ((gint64)r->count) * interval * period;
    return TRUE;
}

/* Widens [*lo, *hi) by one component's reach; FALSE means "unbounded". */
static gboolean
event_reach(icalcomponent *ev, NyTime *lo, NyTime *hi)
{
    struct icaltimetype dtstart = icalcomponent_get_dtstart(ev);
    struct icaltimetype dtend;
    icalproperty *p;
    NyTime start;
    NyTime end;
    NyTime last;

    if (icaltime_is_null_time(dtstart) || !icaltime_is_valid_time(dtstart))
        return FALSE;
    start = to_unix(dtstart);
    dtend = icalcomponent_get_dtend(ev);
    end = icaltime_is_null_time(dtend) ? start + 86400 : to_unix(dtend);
    if (end < start)
        end = start + 86400;
    last = end;

    p = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    if (p != NULL) {
        icalparameter *range = icalproperty_get_first_parameter(p, ICAL_RANGE_PARAMETER);
        struct icaltimetype rid = icalproperty_get_recurrenceid(p);

        if (range != NULL)
            return FALSE; /* THISANDFUTURE shifts every later instance */
        if (!icaltime_is_null_time(rid)) {
            NyTime r = to_unix(rid);
            *lo = MIN(*lo, r);
            *hi = MAX(*hi, r + (end - start));
        }
    }
    for (p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY)) {
        struct icalrecurrencetype r = icalproperty_get_rrule(p);
        NyTime rule_last = 0;

        if (!icaltime_is_null_time(r.until)) {
            rule_last = to_unix(r.until);
        } else if (r.count > 0) {
            if (!count_bound(&r, start, &rule_last))
                return FALSE;
        } else {
            return FALSE;
        }
        last = MAX(last, rule_last + (end - start));
    }
    for (p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
        struct icaldatetimeperiodtype d = icalproperty_get_rdate(p);

        if (!icaltime_is_null_time(d.time)) {
            last = MAX(last, to_unix(d.time) + (end - start));
        } else if (!icaltime_is_null_time(d.period.end)) {
            last = MAX(last, to_unix(d.period.end));
        } else if (!icaltime_is_null_time(d.period.start)) {
            last = MAX(last, to_unix(d.period.start) + (end - start) +
                                 icaldurationtype_as_int(d.period.duration));
        } else {
            return FALSE;
        }
    }
    *lo = MIN(*lo, start);
    *hi = MAX(*hi, last);
    return TRUE;
}

/* libical parses a line over 1 MiB in quadratic time and overflows its
 * stack on deep nesting: such objects stay open-ended and unparsed here (the
 * engine refuses them with a warning). */
static gboolean
too_hostile(const char *ics)
{
    int depth = 0;
    const char *line = ics;

    while (*line) {
        const char *nl = strchr(line, '\n');
        gsize len = nl ? (gsize)(nl - line) : strlen(line);

        if (len > 1024 * 1024)
            return TRUE;
        if (g_ascii_strncasecmp(line, "BEGIN:", 6) == 0 && ++depth > 8)
            return TRUE;
        if (g_ascii_strncasecmp(line, "END:", 4) == 0)
            depth--;
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    return FALSE;
}

/* "YYYYMMDD" or "YYYYMMDDTHHMMSS[Z]" as UTC, as to_unix() reads a value
 * whose zone is not known here (the span margin covers any offset). */
static gboolean
fast_time(const char *v, gsize len, NyTime *out)
{
    int f[6] = {0};
    static const int widths[6] = {4, 2, 2, 2, 2, 2};
    const char *p = v;
    g_autoptr(GDateTime) dt = NULL;

    if (len != 8 && len != 15 && !(len == 16 && v[15] == 'Z'))
        return FALSE;
    for (int i = 0; i < (len == 8 ? 3 : 6); i++) {
        if (i == 3 && *p++ != 'T')
            return FALSE;
        for (int j = 0; j < widths[i]; j++, p++) {
            if (!g_ascii_isdigit(*p))
                return FALSE;
            f[i] = f[i] * 10 + (*p - '0');
        }
    }
    dt = g_date_time_new_utc(f[0], f[1], f[2], f[3], f[4], f[5]);
    if (dt == NULL)
        return FALSE;
    *out = g_date_time_to_unix(dt);
    return TRUE;
}

/* The value of a property line: after the first ':' outside quotes. */
static gboolean
line_value(const char *line, gsize len, const char **out_value, gsize *out_len)
{
    gboolean quoted = FALSE;

    for (gsize i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ':' && !quoted) {
            *out_value = line + i + 1;
            *out_len = len - i - 1;
            return TRUE;
        }
    }
    return FALSE;
}

static gboolean
prop_is(const char *line, gsize len, const char *name)
{
    gsize n = strlen(name);

    return len > n && g_ascii_strncasecmp(line, name, n) == 0 && (line[n] == ':' || line[n] == ';');
}

/* The span of the common case without libical: one VEVENT with DTSTART and
 * DTEND as plain date-times, no recurrence, no override. The same bounds
 * event_reach() gives; FALSE for anything else (libical decides then). */
/* A TZOFFSETFROM/TZOFFSETTO line whose value is [+-]HHMM[SS] with HH < 24. */
static gboolean
offset_within_a_day(const char *line, gsize len)
{
    const char *v;
    gsize vlen;

    if (!line_value(line, len, &v, &vlen) || (vlen != 5 && vlen != 7) ||
        (v[0] != '+' && v[0] != '-'))
        return FALSE;
    for (gsize i = 1; i < vlen; i++) {
        if (!g_ascii_isdigit(v[i]))
            return FALSE;
    }
    return (v[1] - '0') * 10 + (v[2] - '0') < 24;
}

static gboolean
fast_span(const char *ics, NyTime *out_start, NyTime *out_end)
{
    const char *line = ics;
    int depth = 0;
    int zone_depth = 0; /* > 0 inside a VTIMEZONE of the wrapper */
    int events = 0;
    int wrapped = 0; /* 1 inside a VCALENDAR */
    gboolean have_start = FALSE;
    gboolean have_end = FALSE;
    gboolean last_was_time = FALSE;
    NyTime start = 0;
    NyTime end = 0;

    while (*line) {
        const char *nl = strchr(line, '\n');
        gsize len = nl ? (gsize)(nl - line) : strlen(line);
        gsize content = len;

        while (content > 0 && line[content - 1] == '\r')
            content--;
        if (content > 0 && (line[0] == ' ' || line[0] == '\t')) {
            if (last_was_time || zone_depth > 0)
                return FALSE; /* a folded DTSTART, DTEND or zone offset */
        } else {
            last_was_time = FALSE;
            if (g_ascii_strncasecmp(line, "BEGIN:", 6) == 0) {
                const char *name = line + 6;
                gsize n = content - 6;
                depth++;
                /* A CalDAV object is wrapped in its VCALENDAR. */
                if (zone_depth > 0)
                    ; /* STANDARD, DAYLIGHT */
                else if (depth == 1 && !wrapped && events == 0 && n == 9 &&
                         g_ascii_strncasecmp(name, "VCALENDAR", 9) == 0)
                    wrapped = 1;
                else if (depth == 2 && wrapped && n == 9 &&
                         g_ascii_strncasecmp(name, "VTIMEZONE", 9) == 0)
                    zone_depth = depth;
                else if (depth == 1 + wrapped && n == 6 &&
                         g_ascii_strncasecmp(name, "VEVENT", 6) == 0)
                    events++;
                else if (!(depth == 2 + wrapped && n == 6 &&
                           g_ascii_strncasecmp(name, "VALARM", 6) == 0))
                    return FALSE; /* VFREEBUSY, ...: libical decides */
            } else if (g_ascii_strncasecmp(line, "END:", 4) == 0) {
                if (depth == zone_depth)
                    zone_depth = 0;
                depth--;
            } else if (zone_depth > 0) {
                /* A zone's offsets stay within a day, so the margin covers
                 * any time read in it; an odd one goes to libical. */
                if ((prop_is(line, content, "TZOFFSETFROM") ||
                     prop_is(line, content, "TZOFFSETTO")) &&
                    !offset_within_a_day(line, content))
                    return FALSE;
            } else if (depth == 1 + wrapped) {
                const char *v;
                gsize vlen;

                if (prop_is(line, content, "RRULE") || prop_is(line, content, "RDATE") ||
                    prop_is(line, content, "EXRULE") || prop_is(line, content, "RECURRENCE-ID") ||
                    prop_is(line, content, "DURATION"))
                    return FALSE;
                if (prop_is(line, content, "DTSTART")) {
                    if (have_start || !line_value(line, content, &v, &vlen) ||
                        !fast_time(v, vlen, &start))
                        return FALSE;
                    have_start = TRUE;
                    last_was_time = TRUE;
                } else if (prop_is(line, content, "DTEND")) {
                    if (have_end || !line_value(line, content, &v, &vlen) ||
                        !fast_time(v, vlen, &end))
                        return FALSE;
                    have_end = TRUE;
                    last_was_time = TRUE;
                }
            }
        }
        if (nl == NULL)
            break;
        line = nl + 1;
    }
    if (events != 1 || depth != 0 || !have_start)
        return FALSE;
    if (!have_end || end < start)
        end = start + 86400;
    *out_start = start - SPAN_MARGIN;
    *out_end = end + SPAN_MARGIN;
    return TRUE;
}

void
ny_cache_span(const char *ics, NyTime *out_start, NyTime *out_end)
{
    g_autoptr(icalcomponent) root = NULL;
    NyTime lo = G_MAXINT64;
    NyTime hi = G_MININT64;
    gboolean any = FALSE;

    *out_start = NY_CACHE_SPAN_OPEN_START;
    *out_end = NY_CACHE_SPAN_OPEN_END;
    if (ics == NULL || too_hostile(ics))
        return;
    if (fast_span(ics, out_start, out_end))
        return;
    root = icalparser_parse_string(ics);
    if (root == NULL)
        return;
    /* A bare component (a split .ics file) is its own root. */
    if (icalcomponent_isa(root) == ICAL_VFREEBUSY_COMPONENT)
        return;
    if (icalcomponent_isa(root) == ICAL_VEVENT_COMPONENT) {
        if (!event_reach(root, &lo, &hi))
            return;
        any = TRUE;
    }
    for (icalcomponent *c = icalcomponent_get_first_component(root, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(root, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind kind = icalcomponent_isa(c);

        if (kind == ICAL_VEVENT_COMPONENT) {
            if (!event_reach(c, &lo, &hi))
                return;
            any = TRUE;
        } else if (kind == ICAL_VFREEBUSY_COMPONENT) {
            return; /* rare in a calendar: keep it open */
        }
    }
    if (!any) {
        /* VTODO, VJOURNAL: never busy (DESIGN.md section 4). */
        *out_start = 0;
        *out_end = 0;
        return;
    }
    if (lo > G_MININT64 + SPAN_MARGIN)
        *out_start = lo - SPAN_MARGIN;
    if (hi < G_MAXINT64 - SPAN_MARGIN)
        *out_end = hi + SPAN_MARGIN;
}
