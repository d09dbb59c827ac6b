/* cache.c: the SQLite mirror of remote calendars (see cache.h). Opened by
 * the db module (src/db.c), which also translates SQLite's result codes.
 *
 * Bytes and numbers only: an object's text and the span of time it can
 * touch are given by the caller (src/sources.c, from the scanner of
 * src/busy-lines.c); nothing here reads iCalendar. */
#include "notyet/cache.h"

#include <sqlite3.h>
#include <string.h>

#include "notyet/db.h"

G_DEFINE_QUARK(ny_cache_error, ny_cache_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

#define SPAN_UNKNOWN_START NY_CACHE_SPAN_UNKNOWN_START
#define SPAN_UNKNOWN_END NY_CACHE_SPAN_UNKNOWN_END

/* A chunk's parts column: per part its length, span start and span end,
 * each a little-endian 64-bit integer (ny_cache_add_chunk()); in a row of
 * places (an empty text, ny_cache_add_places()) its offset in the file
 * first. */
#define PART_BYTES 24
#define PLACE_BYTES 32

struct NyCache {
    NyDb *file;
    sqlite3 *db; /* the file's connection */
    char *path;
    gboolean in_transaction;
    sqlite3_stmt *put;  /* prepared once: a cold sync stores thousands of objects */
    sqlite3_stmt *add;  /* the same, for a calendar just cleared (ny_cache_add_object_span()) */
    GByteArray *packed; /* ny_cache_add_chunk()'s parts, encoded */
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
    /* 3: chunks, several consecutive objects of a split file in one row
     * (ny_cache_add_chunk()): n_parts of them (NULL: the row is one
     * object), parts their lengths and spans, the span columns their
     * union. n_parts joins the span index so that counting the objects
     * reads no row: columns added come after the text, which a chunk's
     * length puts on overflow pages. */
    "ALTER TABLE objects ADD COLUMN n_parts INTEGER;"
    "ALTER TABLE objects ADD COLUMN parts BLOB;"
    "DROP INDEX objects_span;"
    "CREATE INDEX objects_span ON objects (calendar, span_start, span_end, n_parts);"
    /* And the busy memo (ny_cache_memo_get()): a calendar's gen changes
     * with every row of its objects written or deleted, by these
     * triggers, so that no writer can forget it; a memo holds for the gen
     * it was computed at. A span found later (ny_cache_set_span()) changes
     * no answer. */
    "ALTER TABLE calendars ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;"
    /* And how many objects it holds, kept by the same triggers, so that
     * listing the calendars counts nothing. */
    "ALTER TABLE calendars ADD COLUMN n_objects INTEGER NOT NULL DEFAULT 0;"
    "UPDATE calendars SET n_objects = (SELECT coalesce(sum(ifnull(o.n_parts, 1)), 0)"
    "  FROM objects o WHERE o.calendar = calendars.id);"
    "CREATE TABLE busy_memo ("
    "  calendar INTEGER PRIMARY KEY REFERENCES calendars(id) ON DELETE CASCADE,"
    "  gen INTEGER NOT NULL,"
    "  key TEXT NOT NULL,"
    "  win_from INTEGER NOT NULL,"
    "  win_to INTEGER NOT NULL,"
    "  busy BLOB);" /* NULL: the computation warned, so it is not kept */
    "CREATE TRIGGER objects_insert_gen AFTER INSERT ON objects BEGIN"
    "  UPDATE calendars SET gen = gen + 1, n_objects = n_objects + ifnull(NEW.n_parts, 1)"
    "  WHERE id = NEW.calendar; END;"
    "CREATE TRIGGER objects_delete_gen AFTER DELETE ON objects BEGIN"
    "  UPDATE calendars SET gen = gen + 1, n_objects = n_objects - ifnull(OLD.n_parts, 1)"
    "  WHERE id = OLD.calendar; END;"
    "CREATE TRIGGER objects_update_gen AFTER UPDATE OF calendar, href, etag, ics, n_parts, parts"
    "  ON objects BEGIN"
    "  UPDATE calendars SET gen = gen + 1, n_objects = n_objects - ifnull(OLD.n_parts, 1)"
    "  WHERE id = OLD.calendar;"
    "  UPDATE calendars SET gen = gen + 1, n_objects = n_objects + ifnull(NEW.n_parts, 1)"
    "  WHERE id = NEW.calendar; END;",
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
    sqlite3_finalize(cache->add);
    if (cache->packed != NULL)
        g_byte_array_unref(cache->packed);
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
                " c.used, c.last_sync,"
                " c.n_objects"
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

NyTime
ny_cache_oldest_sync(GPtrArray *calendars)
{
    NyTime oldest = 0;

    for (guint i = 0; calendars != NULL && i < calendars->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(calendars, i);
        if (c->used && c->last_sync > 0 && (oldest == 0 || c->last_sync < oldest))
            oldest = c->last_sync;
    }
    return oldest;
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
    return ny_cache_put_object_span(cache, id, href, etag, ics, SPAN_UNKNOWN_START,
                                    SPAN_UNKNOWN_END, error);
}

/* Binds (@id, @href, @etag, @ics, span) and a chunk's (@n_parts,
 * @packed), none for a row of one object, to a prepared INSERT into
 * objects, runs it and resets it. */
static gboolean
insert_object(NyCache *cache, sqlite3_stmt *stmt, gint64 id, const char *href, const char *etag,
              const char *ics, int ics_len, NyTime start, NyTime end, guint n_parts,
              const GByteArray *packed, GError **error)
{
    gboolean ok;

    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 3, etag, -1, SQLITE_STATIC);
    sqlite3_bind_text(stmt, 4, ics, ics_len, SQLITE_STATIC);
    if (start == NY_CACHE_SPAN_OPEN_START)
        sqlite3_bind_null(stmt, 5);
    else
        sqlite3_bind_int64(stmt, 5, start);
    if (end == NY_CACHE_SPAN_OPEN_END)
        sqlite3_bind_null(stmt, 6);
    else
        sqlite3_bind_int64(stmt, 6, end);
    if (packed != NULL) {
        sqlite3_bind_int64(stmt, 7, n_parts);
        sqlite3_bind_blob(stmt, 8, packed->data, (int)packed->len, SQLITE_STATIC);
    }
    ok = step_done(cache, stmt, "cannot store an object", error);
    /* The borrowed strings must not stay bound. */
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
    return ok;
}

/* ?7 and ?8, left unbound, are NULL: a row of one object. */
#define INSERT_OBJECT                                                                              \
    " INTO objects (calendar, href, etag, ics, span_start, span_end, n_parts, parts)"              \
    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"

gboolean
ny_cache_put_object_span(NyCache *cache, gint64 id, const char *href, const char *etag,
                         const char *ics, NyTime start, NyTime end, GError **error)
{
    if (cache->put == NULL) {
        cache->put = prepare(cache, "INSERT OR REPLACE" INSERT_OBJECT, error);
        if (cache->put == NULL)
            return FALSE;
    }
    return insert_object(cache, cache->put, id, href, etag, ics, -1, start, end, 0, NULL, error);
}

/* A plain INSERT: OR REPLACE would first look for a row to delete, a
 * fifth of the cost of storing a split file's objects. */
static sqlite3_stmt *
add_statement(NyCache *cache, GError **error)
{
    if (cache->add == NULL)
        cache->add = prepare(cache, "INSERT" INSERT_OBJECT, error);
    return cache->add;
}

gboolean
ny_cache_add_object_span(NyCache *cache, gint64 id, const char *href, const char *ics, gsize len,
                         NyTime start, NyTime end, GError **error)
{
    g_return_val_if_fail(len <= G_MAXINT, FALSE);

    if (add_statement(cache, error) == NULL)
        return FALSE;
    return insert_object(cache, cache->add, id, href, NULL, ics, (int)len, start, end, 0, NULL,
                         error);
}

static void
pack_int(GByteArray *out, guint64 v)
{
    guint64 le = GUINT64_TO_LE(v);

    g_byte_array_append(out, (const guint8 *)&le, sizeof le);
}

static guint64
unpack_int(const guint8 *p)
{
    guint64 le;

    memcpy(&le, p, sizeof le);
    return GUINT64_FROM_LE(le);
}

gboolean
ny_cache_add_chunk(NyCache *cache, gint64 id, const char *href, const char *text, gsize len,
                   const NyCachePart *parts, guint n_parts, GError **error)
{
    NyTime start, end;
    gsize sum = 0;

    g_return_val_if_fail(len <= G_MAXINT, FALSE);
    g_return_val_if_fail(n_parts > 0 && n_parts <= G_MAXINT / PART_BYTES, FALSE);

    if (add_statement(cache, error) == NULL)
        return FALSE;
    if (cache->packed == NULL)
        cache->packed = g_byte_array_new();
    g_byte_array_set_size(cache->packed, 0);
    for (guint i = 0; i < n_parts; i++) {
        sum += parts[i].len;
        pack_int(cache->packed, parts[i].len);
        pack_int(cache->packed, (guint64)parts[i].start);
        pack_int(cache->packed, (guint64)parts[i].end);
    }
    if (sum != len) {
        g_set_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED,
                    "cannot store the chunk '%s': its parts do not add up to its text", href);
        return FALSE;
    }
    ny_cache_chunk_span(parts, n_parts, &start, &end);
    return insert_object(cache, cache->add, id, href, NULL, text, (int)len, start, end, n_parts,
                         cache->packed, error);
}

gboolean
ny_cache_add_places(NyCache *cache, gint64 id, const char *href, const NyCachePlace *places,
                    guint n_places, GError **error)
{
    NyTime start = NY_CACHE_SPAN_OPEN_END;
    NyTime end = NY_CACHE_SPAN_OPEN_START;

    g_return_val_if_fail(n_places > 0 && n_places <= G_MAXINT / PLACE_BYTES, FALSE);

    if (add_statement(cache, error) == NULL)
        return FALSE;
    if (cache->packed == NULL)
        cache->packed = g_byte_array_new();
    g_byte_array_set_size(cache->packed, 0);
    for (guint i = 0; i < n_places; i++) {
        pack_int(cache->packed, places[i].offset);
        pack_int(cache->packed, places[i].len);
        pack_int(cache->packed, (guint64)places[i].start);
        pack_int(cache->packed, (guint64)places[i].end);
        ny_cache_span_widen(&start, &end, places[i].start, places[i].end);
    }
    return insert_object(cache, cache->add, id, href, NULL, "", 0, start, end, n_places,
                         cache->packed, error);
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

/* (rowid, href, text, n_parts) of the rows of calendar ?1 whose span meets
 * [?2, ?3) or is not known yet (span_start ?4), in href order. Searches of
 * the span index, one for an open start (NULL), one for the rest and one
 * for the unknown, so that SQLite filters on the index entries and reads
 * only the texts it returns: one OR over them would read every text of the
 * calendar (25 ms against 2 ms for 20,000 objects). A chunk's text is not
 * sorted with the rows but read after the sort (OBJECT_TEXT): past 2 MB
 * (the page cache's size) SQLite's sorter spills to a temporary file,
 * which the chunks of a large file read over a year did, writing 5.7 MB at
 * every read. A row of one object keeps its text in the sort: reading it
 * again by rowid costs a CalDAV calendar's read 3% more. */
#define ROW_COLUMNS "rowid, href, iif(n_parts IS NULL, ics, NULL), n_parts"
#define OBJECTS_IN_WINDOW                                                                          \
    "SELECT " ROW_COLUMNS " FROM objects INDEXED BY objects_span WHERE calendar = ?1"              \
    " AND span_start IS NULL AND (span_end IS NULL OR span_end > ?2)"                              \
    " UNION ALL "                                                                                  \
    "SELECT " ROW_COLUMNS " FROM objects INDEXED BY objects_span WHERE calendar = ?1"              \
    " AND span_start < ?3 AND (span_end IS NULL OR span_end > ?2)"                                 \
    " UNION ALL "                                                                                  \
    "SELECT " ROW_COLUMNS " FROM objects INDEXED BY objects_span WHERE calendar = ?1"              \
    " AND span_start = ?4 ORDER BY 2"
#define OBJECT_TEXT "SELECT ics, parts FROM objects WHERE rowid = ?1"

/* What a read of rows gives: objects (their text) or places. */
typedef struct {
    NyCacheObjectFunc object;
    NyCachePlaceFunc place;
    gpointer user_data;
    NyTime from, to;
} Reader;

static gboolean
damaged(const char *href, GError **error)
{
    g_set_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED,
                "the cached chunk '%s' is damaged (delete the cache, the next read "
                "rebuilds it)",
                href);
    return FALSE;
}

/* Gives each part of a chunk (@ics, its @parts) whose span meets the
 * window, in order; a chunk whose parts do not add up to its text is an
 * error, and nothing of it is given. */
static gboolean
each_part(const Reader *r, const char *href, const char *ics, gsize len, const guint8 *parts,
          gsize n_bytes, GError **error)
{
    gsize sum = 0;
    gsize off = 0;

    for (gsize i = 0; i + PART_BYTES <= n_bytes; i += PART_BYTES) {
        guint64 part_len = unpack_int(parts + i);
        if (part_len > len - sum) {
            sum = len + 1;
            break;
        }
        sum += part_len;
    }
    if (n_bytes == 0 || n_bytes % PART_BYTES != 0 || sum != len)
        return damaged(href, error);
    for (gsize i = 0; i < n_bytes; i += PART_BYTES) {
        gsize part_len = (gsize)unpack_int(parts + i);
        NyTime start = (NyTime)unpack_int(parts + i + 8);
        NyTime end = (NyTime)unpack_int(parts + i + 16);

        if (ny_cache_span_meets(start, end, r->from, r->to))
            r->object(href, ics + off, part_len, r->user_data);
        off += part_len;
    }
    return TRUE;
}

/* Gives each place of a row of places whose span meets the window. */
static gboolean
each_place(const Reader *r, const char *href, const guint8 *parts, gsize n_bytes, GError **error)
{
    if (n_bytes == 0 || n_bytes % PLACE_BYTES != 0)
        return damaged(href, error);
    for (gsize i = 0; i < n_bytes; i += PLACE_BYTES) {
        NyCachePlace place = {
            .offset = unpack_int(parts + i),
            .len = unpack_int(parts + i + 8),
            .start = (NyTime)unpack_int(parts + i + 16),
            .end = (NyTime)unpack_int(parts + i + 24),
        };

        if (ny_cache_span_meets(place.start, place.end, r->from, r->to))
            r->place(&place, r->user_data);
    }
    return TRUE;
}

/* A row that holds objects where places are read, or the other way round. */
static gboolean
wrong_kind(const Reader *r, const char *href, GError **error)
{
    g_set_error(error, NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED,
                "the cached row '%s' holds %s, not %s (delete the cache, the next read "
                "rebuilds it)",
                href, r->place ? "text" : "places", r->place ? "places" : "text");
    return FALSE;
}

/* Gives the row at @rowid (@text, a statement of OBJECT_TEXT): a row of
 * one object as it is, a chunk's parts or a row's places that meet the
 * window. */
static gboolean
read_object(NyCache *cache, const Reader *r, sqlite3_stmt *text, gint64 rowid, const char *href,
            GError **error)
{
    gboolean ok = TRUE;
    int rc;

    sqlite3_bind_int64(text, 1, rowid);
    rc = sqlite3_step(text);
    if (rc == SQLITE_ROW) {
        const char *ics = (const char *)sqlite3_column_text(text, 0);
        gsize len = ics ? (gsize)sqlite3_column_bytes(text, 0) : 0;
        const guint8 *parts = sqlite3_column_blob(text, 1);
        gsize n_bytes = (gsize)sqlite3_column_bytes(text, 1);
        gboolean places = parts != NULL && len == 0;

        ics = ics ? ics : "";
        if (places != (r->place != NULL))
            ok = wrong_kind(r, href, error);
        else if (places)
            ok = each_place(r, href, parts, n_bytes, error);
        else if (parts == NULL)
            r->object(href, ics, len, r->user_data);
        else
            ok = each_part(r, href, ics, len, parts, n_bytes, error);
    } else if (rc != SQLITE_DONE) {
        ok = db_error(cache, rc, "cannot read the objects", error);
    }
    sqlite3_reset(text);
    return ok;
}

/* Gives each row of @stmt (ROW_COLUMNS): a row of one object as it is, a
 * chunk or a row of places through read_object(). */
static gboolean
each_object(NyCache *cache, const Reader *r, sqlite3_stmt *stmt, GError **error)
{
    g_autoptr(sqlite3_stmt) text = prepare(cache, OBJECT_TEXT, error);
    int rc;

    if (text == NULL)
        return FALSE;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        const char *href = (const char *)sqlite3_column_text(stmt, 1);

        href = href ? href : "";
        if (sqlite3_column_type(stmt, 3) != SQLITE_NULL) {
            if (!read_object(cache, r, text, sqlite3_column_int64(stmt, 0), href, error))
                return FALSE;
        } else if (r->place != NULL) {
            return wrong_kind(r, href, error);
        } else {
            const char *ics = (const char *)sqlite3_column_text(stmt, 2);
            gsize len = ics ? (gsize)sqlite3_column_bytes(stmt, 2) : 0;

            r->object(href, ics ? ics : "", len, r->user_data);
        }
    }
    if (rc != SQLITE_DONE)
        return db_error(cache, rc, "cannot read the objects", error);
    return TRUE;
}

/* The rows of calendar @id whose span meets [@from, @to) (OBJECTS_IN_WINDOW). */
static gboolean
read_window(NyCache *cache, gint64 id, const Reader *r, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, OBJECTS_IN_WINDOW, error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, r->from);
    sqlite3_bind_int64(stmt, 3, r->to);
    sqlite3_bind_int64(stmt, 4, SPAN_UNKNOWN_START);
    return each_object(cache, r, stmt, error);
}

gboolean
ny_cache_foreach_object(NyCache *cache, gint64 id, NyTime from, NyTime to, NyCacheObjectFunc func,
                        gpointer user_data, GError **error)
{
    Reader r = {.object = func, .user_data = user_data, .from = from, .to = to};

    return read_window(cache, id, &r, error);
}

gboolean
ny_cache_foreach_place(NyCache *cache, gint64 id, NyTime from, NyTime to, NyCachePlaceFunc func,
                       gpointer user_data, GError **error)
{
    Reader r = {.place = func, .user_data = user_data, .from = from, .to = to};

    return read_window(cache, id, &r, error);
}

gboolean
ny_cache_foreach_unspanned(NyCache *cache, gint64 id, NyCacheObjectFunc func, gpointer user_data,
                           GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache,
                "SELECT " ROW_COLUMNS " FROM objects INDEXED BY objects_span"
                " WHERE calendar = ?1 AND span_start = ?2 ORDER BY href",
                error);
    /* A chunk's span is never unknown (ny_cache_chunk_span()): none is
     * listed here, and a row of one object is given whatever the window. */
    Reader r = {.object = func,
                .user_data = user_data,
                .from = NY_CACHE_SPAN_OPEN_START,
                .to = NY_CACHE_SPAN_OPEN_END};

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, SPAN_UNKNOWN_START);
    return each_object(cache, &r, stmt, error);
}

gboolean
ny_cache_set_span(NyCache *cache, gint64 id, const char *href, NyTime start, NyTime end,
                  GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(
        cache,
        "UPDATE objects SET span_start = ?3, span_end = ?4 WHERE calendar = ?1 AND href = ?2",
        error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_text(stmt, 2, href, -1, SQLITE_STATIC);
    if (start == NY_CACHE_SPAN_OPEN_START)
        sqlite3_bind_null(stmt, 3);
    else
        sqlite3_bind_int64(stmt, 3, start);
    if (end == NY_CACHE_SPAN_OPEN_END)
        sqlite3_bind_null(stmt, 4);
    else
        sqlite3_bind_int64(stmt, 4, end);
    return step_done(cache, stmt, "cannot store a span", error);
}

/* The window a memo was computed over must hold the one asked for. */
#define MEMO_GET                                                                                   \
    "SELECT c.gen, m.gen, m.key, m.win_from, m.win_to, m.busy FROM calendars c"                    \
    " LEFT JOIN busy_memo m ON m.calendar = c.id WHERE c.id = ?1"

NyCacheMemo
ny_cache_memo_get(NyCache *cache, gint64 id, const char *key, NyTime from, NyTime to, GArray *busy,
                  gint64 *out_gen)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(cache, MEMO_GET, NULL);
    const guint8 *blob;
    gsize n_bytes;

    *out_gen = -1;
    if (stmt == NULL)
        return NY_CACHE_MEMO_NONE;
    sqlite3_bind_int64(stmt, 1, id);
    if (sqlite3_step(stmt) != SQLITE_ROW)
        return NY_CACHE_MEMO_NONE;
    *out_gen = sqlite3_column_int64(stmt, 0);
    if (sqlite3_column_type(stmt, 1) == SQLITE_NULL || sqlite3_column_int64(stmt, 1) != *out_gen ||
        g_strcmp0((const char *)sqlite3_column_text(stmt, 2), key) != 0)
        return NY_CACHE_MEMO_NONE;
    if (sqlite3_column_type(stmt, 5) == SQLITE_NULL)
        return NY_CACHE_MEMO_WARNED;
    if (sqlite3_column_int64(stmt, 3) > from || sqlite3_column_int64(stmt, 4) < to)
        return NY_CACHE_MEMO_NONE;
    blob = sqlite3_column_blob(stmt, 5);
    n_bytes = (gsize)sqlite3_column_bytes(stmt, 5);
    if (n_bytes % 16 != 0)
        return NY_CACHE_MEMO_NONE;
    for (gsize i = 0; i < n_bytes; i += 16) {
        NyInterval iv = {(NyTime)unpack_int(blob + i), (NyTime)unpack_int(blob + i + 8)};
        g_array_append_val(busy, iv);
    }
    return NY_CACHE_MEMO_BUSY;
}

void
ny_cache_memo_put(NyCache *cache, gint64 id, gint64 gen, const char *key, NyTime from, NyTime to,
                  const GArray *busy)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(cache,
                "INSERT OR REPLACE INTO busy_memo (calendar, gen, key, win_from, win_to, busy)"
                " SELECT ?1, ?2, ?3, ?4, ?5, ?6 FROM calendars WHERE id = ?1 AND gen = ?2",
                NULL);
    g_autoptr(GByteArray) packed = g_byte_array_new();

    if (stmt == NULL)
        return;
    for (guint i = 0; busy != NULL && i < busy->len; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        pack_int(packed, (guint64)iv->start);
        pack_int(packed, (guint64)iv->end);
    }
    sqlite3_bind_int64(stmt, 1, id);
    sqlite3_bind_int64(stmt, 2, gen);
    sqlite3_bind_text(stmt, 3, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 4, from);
    sqlite3_bind_int64(stmt, 5, to);
    if (busy != NULL)
        sqlite3_bind_blob(stmt, 6, packed->data, (int)packed->len, SQLITE_STATIC);
    /* Never waits: a sync writing meanwhile has the lock, and the memo is
     * only worth a write that costs nothing. */
    sqlite3_busy_timeout(cache->db, 0);
    (void)sqlite3_step(stmt);
    sqlite3_busy_timeout(cache->db, NY_DB_BUSY_TIMEOUT_MS);
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
