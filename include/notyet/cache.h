/* cache.h: the local mirror of remote calendars (doc/sync-and-cache.md).
 *
 * I/O module: one SQLite file beside the store (WAL, mode 0600), opened by
 * the db module (notyet/db.h): a file that is not a notyet cache is refused
 * and left as it was; SQLite's failures come as NY_DB_ERROR. Per
 * calendar its href, display name, ctag, sync-token and last sync; per
 * object its href, ETag, iCalendar text and the span of time it can touch,
 * so a lookup reads only objects that can meet the window. The cache
 * stores bytes and numbers: the spans come from its callers (src/sources.c),
 * it reads no iCalendar. Writes happen
 * inside ny_cache_begin()/ny_cache_commit() (BEGIN IMMEDIATE): a sync that
 * fails half-way is rolled back and leaves the previous mirror intact.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_CACHE_ERROR (ny_cache_error_quark())
GQuark ny_cache_error_quark(void);

/* The cache's own errors; opening and SQLite's failures come as NY_DB_ERROR. */
typedef enum {
    NY_CACHE_ERROR_NOT_FOUND, /* ny_cache_calendar_lookup(): nothing cached under that key */
    NY_CACHE_ERROR_FAILED,
} NyCacheError;

/* Span bounds meaning "no bound" (open-ended). */
#define NY_CACHE_SPAN_OPEN_START G_MININT64
#define NY_CACHE_SPAN_OPEN_END G_MAXINT64
/* A span not known yet (ny_cache_put_object()): start after end, which no
 * real span has; such an object meets every window. */
#define NY_CACHE_SPAN_UNKNOWN_START G_MAXINT64
#define NY_CACHE_SPAN_UNKNOWN_END G_MININT64

/**
 * ny_cache_span_meets:
 * @start, @end: a span, NY_CACHE_SPAN_OPEN_* for no bound, or
 *   NY_CACHE_SPAN_UNKNOWN_START
 * @from, @to: the window
 *
 * The rule by which ny_cache_foreach_object() picks objects, the rows of
 * the span index and the parts of a chunk alike (pure: the cache's tests
 * and tests/common/busy-split-check.h use it too).
 *
 * Returns: TRUE when the span is not known yet, or meets [@from, @to)
 * (start < @to and end > @from, an open bound always passing).
 */
static inline gboolean
ny_cache_span_meets(NyTime start, NyTime end, NyTime from, NyTime to)
{
    if (start == NY_CACHE_SPAN_UNKNOWN_START)
        return TRUE;
    return (start == NY_CACHE_SPAN_OPEN_START || start < to) &&
           (end == NY_CACHE_SPAN_OPEN_END || end > from);
}

/* One object of a chunk (ny_cache_add_chunk()): its length in the chunk's
 * text and its span. */
typedef struct {
    gsize len;
    NyTime start;
    NyTime end;
} NyCachePart;

/**
 * ny_cache_span_widen:
 * @start, @end: (inout): a union of spans so far; NY_CACHE_SPAN_OPEN_END,
 *   NY_CACHE_SPAN_OPEN_START before the first
 * @part_start, @part_end: one more span
 *
 * Widens the union to meet every window the span meets
 * (ny_cache_span_meets()): open on a side where the span is, open on both
 * when the span is not known yet.
 */
static inline void
ny_cache_span_widen(NyTime *start, NyTime *end, NyTime part_start, NyTime part_end)
{
    if (part_start == NY_CACHE_SPAN_UNKNOWN_START) {
        *start = NY_CACHE_SPAN_OPEN_START;
        *end = NY_CACHE_SPAN_OPEN_END;
        return;
    }
    *start = MIN(*start, part_start);
    *end = MAX(*end, part_end);
}

/**
 * ny_cache_chunk_span:
 * @parts: (array length=n_parts): the parts of a chunk, @n_parts > 0
 * @out_start, @out_end: (out): the union of their spans
 *   (ny_cache_span_widen())
 *
 * The span a chunk's row is indexed by: every window one of its parts meets
 * (ny_cache_span_meets()), the union meets too.
 */
static inline void
ny_cache_chunk_span(const NyCachePart *parts, guint n_parts, NyTime *out_start, NyTime *out_end)
{
    *out_start = NY_CACHE_SPAN_OPEN_END;
    *out_end = NY_CACHE_SPAN_OPEN_START;
    for (guint i = 0; i < n_parts; i++)
        ny_cache_span_widen(out_start, out_end, parts[i].start, parts[i].end);
}

/* Where one object of a local file stands in it (ny_cache_add_places()):
 * @len bytes from @offset, as the scanner placed it
 * (ny_busy_scan_object_range() in include/notyet/busy.h), and its span. */
typedef struct {
    guint64 offset;
    guint64 len;
    NyTime start;
    NyTime end;
} NyCachePlace;

typedef struct NyCache NyCache;

typedef struct {
    gint64 id;
    char *source;      /* the [calendar NAME] it came from */
    char *href;        /* absolute URL of the collection */
    char *displayname; /* or NULL */
    char *color;       /* or NULL */
    char *ctag;        /* or NULL */
    char *sync_token;  /* or NULL */
    gboolean used;     /* selected as a busy source */
    NyTime last_sync;  /* 0 when never synced */
    guint n_objects;   /* objects, each part of a chunk counted */
} NyCacheCalendar;

void ny_cache_calendar_free(NyCacheCalendar *cal);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyCacheCalendar, ny_cache_calendar_free)

/* The source name under which local sources (ics files, ics feeds, vdir
 * folders) are cached, keyed by absolute path or URL: a [calendar NAME]
 * always has a non-empty name, so it cannot collide. */
#define NY_CACHE_SOURCE_LOCAL ""

/**
 * ny_cache_open:
 * @path: the cache file; its folder is created with mode 0700, the file 0600
 *
 * Opens or creates the cache and migrates its schema (ny_db_open()). A file
 * that is not a notyet cache, has a newer schema or is damaged is refused
 * and never modified.
 *
 * Returns: (transfer full): the cache, or NULL with NY_DB_ERROR.
 */
NyCache *ny_cache_open(const char *path, GError **error);
void ny_cache_free(NyCache *cache);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyCache, ny_cache_free)

const char *ny_cache_get_path(NyCache *cache);

/* Transactions: one per calendar sync. ny_cache_rollback() is a no-op
 * outside a transaction. */
gboolean ny_cache_begin(NyCache *cache, GError **error);
gboolean ny_cache_commit(NyCache *cache, GError **error);
void ny_cache_rollback(NyCache *cache);

/**
 * ny_cache_list_calendars:
 * @source: (nullable): only this [calendar NAME]; NULL for all
 *
 * Returns: (transfer full) (element-type NyCacheCalendar): sorted by source
 * and href, with their object counts.
 */
GPtrArray *ny_cache_list_calendars(NyCache *cache, const char *source, GError **error);

/**
 * ny_cache_oldest_sync:
 * @calendars: (nullable) (element-type NyCacheCalendar): a listing
 *
 * Returns: the oldest last sync among the used calendars of @calendars,
 * 0 when none was ever synced.
 */
NyTime ny_cache_oldest_sync(GPtrArray *calendars);

/**
 * ny_cache_calendar_update:
 *
 * Creates or updates the calendar (@source, @href) with what discovery
 * found; its ctag, sync-token and objects are kept.
 *
 * Returns: the calendar's id, or 0 with an error.
 */
gint64 ny_cache_calendar_update(NyCache *cache, const char *source, const char *href,
                                const char *displayname, const char *color, gboolean used,
                                GError **error);

/* Records a finished sync: the collection's ctag and sync-token (either may
 * be NULL) and the time it ended. */
gboolean ny_cache_calendar_set_synced(NyCache *cache, gint64 id, const char *ctag,
                                      const char *sync_token, NyTime when, GError **error);

/**
 * ny_cache_calendar_retain:
 * @hrefs: (element-type utf8): the calendars of @source that still exist
 *
 * Forgets the calendars of @source that are not in @hrefs, with their objects.
 */
gboolean ny_cache_calendar_retain(NyCache *cache, const char *source, GPtrArray *hrefs,
                                  GError **error);

/* Forgets the calendar @id with its objects (a source that can no longer be
 * cached, so that no stale copy or validator is used later). */
gboolean ny_cache_calendar_forget(NyCache *cache, gint64 id, GError **error);

/**
 * ny_cache_get_home:
 *
 * Returns: (transfer full) (nullable): the calendar home that discovery
 * found for (@source, @url) last time, or NULL.
 */
char *ny_cache_get_home(NyCache *cache, const char *source, const char *url);

/* Records (or with @home NULL forgets) the calendar home of (@source, @url). */
gboolean ny_cache_set_home(NyCache *cache, const char *source, const char *url, const char *home,
                           GError **error);

/**
 * ny_cache_etags:
 *
 * Returns: (transfer full) (element-type utf8 utf8): href -> ETag of every
 * object of calendar @id.
 */
GHashTable *ny_cache_etags(NyCache *cache, gint64 id, GError **error);

/* Stores (replaces) one object with its span not known yet: it meets every
 * window until ny_cache_set_span() records it (see
 * ny_cache_foreach_unspanned()). The cache reads no iCalendar. */
gboolean ny_cache_put_object(NyCache *cache, gint64 id, const char *href, const char *etag,
                             const char *ics, GError **error);
/* As ny_cache_put_object() with the span given: [@start, @end), with
 * NY_CACHE_SPAN_OPEN_* for no bound, start == end for an object that meets
 * no window. */
gboolean ny_cache_put_object_span(NyCache *cache, gint64 id, const char *href, const char *etag,
                                  const char *ics, NyTime start, NyTime end, GError **error);
/* As ny_cache_put_object_span() with no ETag, for an @href calendar @id
 * does not hold (it was just cleared: ny_cache_clear_objects()): @ics is
 * @len bytes, and a duplicate @href fails instead of replacing. Cheaper:
 * a split file stores thousands. */
gboolean ny_cache_add_object_span(NyCache *cache, gint64 id, const char *href, const char *ics,
                                  gsize len, NyTime start, NyTime end, GError **error);
/**
 * ny_cache_add_chunk:
 * @text: the texts of @n_parts consecutive objects, concatenated: @len
 *   bytes, the sum of the parts' lengths
 * @parts: (array length=n_parts): each object's length and span, in the
 *   order of @text
 *
 * As ny_cache_add_object_span(), several objects in one row (a "chunk"):
 * a split file stores tens of thousands, and a row costs as much to store
 * whether it holds one object or forty. The row is indexed by the union of
 * the spans (ny_cache_chunk_span()); ny_cache_foreach_object() gives each
 * part on its own, as it gives a row of one object. A chunk is not for
 * ny_cache_set_span(), and ny_cache_etags() lists it under @href with no
 * ETag.
 */
gboolean ny_cache_add_chunk(NyCache *cache, gint64 id, const char *href, const char *text,
                            gsize len, const NyCachePart *parts, guint n_parts, GError **error);
/**
 * ny_cache_add_places:
 * @places: (array length=n_places): where @n_places consecutive objects of
 *   the calendar's file stand in it, and their spans, in file order
 *
 * As ny_cache_add_chunk() for a local file, whose objects need not be
 * copied: the row keeps their places, not their text (an empty text
 * marks it), and ny_cache_foreach_place() gives them back. A calendar
 * stored so is read only by ny_cache_foreach_place().
 */
gboolean ny_cache_add_places(NyCache *cache, gint64 id, const char *href,
                             const NyCachePlace *places, guint n_places, GError **error);
/* Records the span of an object stored by ny_cache_put_object(). */
gboolean ny_cache_set_span(NyCache *cache, gint64 id, const char *href, NyTime start, NyTime end,
                           GError **error);
gboolean ny_cache_delete_object(NyCache *cache, gint64 id, const char *href, GError **error);
gboolean ny_cache_clear_objects(NyCache *cache, gint64 id, GError **error);

/* Receives one cached object: its href (a chunk's parts all get the
 * chunk's) and text (borrowed for the call). */
typedef void (*NyCacheObjectFunc)(const char *href, const char *ics, gsize len, gpointer user_data);

/**
 * ny_cache_foreach_object:
 * @from, @to: the window
 * @func: called for every object of calendar @id whose span meets
 *        [@from, @to) or is not known yet (ny_cache_span_meets()), in href
 *        order and a chunk's parts in their order, one at a time (nothing
 *        is held)
 *
 * Returns: FALSE with NY_CACHE_ERROR.
 */
gboolean ny_cache_foreach_object(NyCache *cache, gint64 id, NyTime from, NyTime to,
                                 NyCacheObjectFunc func, gpointer user_data, GError **error);

/* Receives the place of one object in its file (borrowed for the call). */
typedef void (*NyCachePlaceFunc)(const NyCachePlace *place, gpointer user_data);

/**
 * ny_cache_foreach_place:
 * @func: called for every object of calendar @id (stored by
 *        ny_cache_add_places()) whose span meets [@from, @to)
 *        (ny_cache_span_meets()), in file order
 *
 * Returns: FALSE with NY_CACHE_ERROR, also when a row of the calendar
 * holds text instead of places.
 */
gboolean ny_cache_foreach_place(NyCache *cache, gint64 id, NyTime from, NyTime to,
                                NyCachePlaceFunc func, gpointer user_data, GError **error);

/**
 * ny_cache_foreach_unspanned:
 * @func: called for every object of calendar @id whose span is not known
 *        yet, in href order
 *
 * Returns: FALSE with NY_CACHE_ERROR.
 */
gboolean ny_cache_foreach_unspanned(NyCache *cache, gint64 id, NyCacheObjectFunc func,
                                    gpointer user_data, GError **error);

/* What ny_cache_memo_get() found. */
typedef enum {
    NY_CACHE_MEMO_NONE,   /* nothing that holds: compute, then ny_cache_memo_put() */
    NY_CACHE_MEMO_BUSY,   /* the busy time, given */
    NY_CACHE_MEMO_WARNED, /* this state warned when computed: compute it over the window */
} NyCacheMemo;

/**
 * ny_cache_memo_get:
 * @key: what else the answer depends on (the program, the zone, the
 *   addresses, the limits), as the caller writes it
 * @from, @to: the window asked for
 * @busy: where the busy time over the memo's window is appended (the
 *   caller clips it to its own: ny_intervals_normalize())
 * @out_gen: (out): the calendar's objects' generation now, for
 *   ny_cache_memo_put(); -1 when it has none
 *
 * The busy memo: calendar @id's busy time as computed over a window that
 * holds [@from, @to), while its objects are as they were then (a trigger
 * changes the generation with every write of an object) and @key is the
 * same (doc/sync-and-cache.md, "The busy memo").
 */
NyCacheMemo ny_cache_memo_get(NyCache *cache, gint64 id, const char *key, NyTime from, NyTime to,
                              GArray *busy, gint64 *out_gen);

/**
 * ny_cache_memo_put:
 * @gen: the generation ny_cache_memo_get() gave before the objects were read
 * @busy: (nullable): the busy time over [@from, @to); NULL: it warned
 *
 * Keeps it, if the objects are still at @gen; best effort, never waits
 * for the lock.
 */
void ny_cache_memo_put(NyCache *cache, gint64 id, gint64 gen, const char *key, NyTime from,
                       NyTime to, const GArray *busy);

/**
 * ny_cache_calendar_lookup:
 *
 * Returns: (transfer full): the calendar (@source, @href) with its object
 * count, or NULL with NY_CACHE_ERROR_NOT_FOUND when it is not cached (or
 * another NY_CACHE_ERROR).
 */
NyCacheCalendar *ny_cache_calendar_lookup(NyCache *cache, const char *source, const char *href,
                                          GError **error);

G_END_DECLS
