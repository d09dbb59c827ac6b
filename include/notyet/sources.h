/* sources.h: the user's busy time from every busy source (doc/busy-rules.md).
 *
 * I/O module: reads .ics files, vdir folders, ics feeds (http(s) URLs) and
 * CalDAV calendars (synced by caldav.h) and hands their text to the busy
 * computation (busy.h) as a stream, so memory stays flat however large a
 * calendar is: the one place that feeds calendar data to it, every source
 * through the cache (cache.h) and its one read path,
 * ny_cache_foreach_object(). Several sources merge into one busy list.
 */
#pragma once

#include <glib.h>

#include "notyet/busy.h"
#include "notyet/config.h"
#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_SOURCES_ERROR (ny_sources_error_quark())
GQuark ny_sources_error_quark(void);

typedef enum {
    NY_SOURCES_ERROR_NO_SOURCE,   /* no --ics and no [calendar] configured: exit 2 */
    NY_SOURCES_ERROR_IO,          /* a file or folder cannot be read: exit 1 */
    NY_SOURCES_ERROR_UNSUPPORTED, /* a source type this build cannot read yet: exit 1 */
    NY_SOURCES_ERROR_OFFLINE,     /* --offline and an ics feed never fetched: exit 1 */
    NY_SOURCES_ERROR_FAILED,
} NySourcesError;

/* Receives one -v line (no "notyet: " prefix, no newline); @level is the
 * number of -v it needs (1: per-source statistics). */
typedef void (*NySourcesInfoFunc)(int level, const char *line, gpointer user_data);

/* How to look up busy time. @info runs in the calling thread; online, a
 * CalDAV source is synced on a second thread while the calling one reads
 * the cache, and @progress and @trace run on that thread (never two
 * callbacks at once). */
typedef struct {
    gboolean offline;       /* no network: CalDAV calendars and ics feeds from the cache */
    NyTime clock;           /* the real clock (main.c's, never --now): recorded as the time
                             * of a sync, and cache ages are measured against it; required */
    const char *cache_path; /* the cache file (ny_config_cache_path()), or NULL: none */
    int verbose;            /* -v count: >= 2 turns @trace on for every request */
    NySourcesInfoFunc info; /* -v statistics, or NULL */
    void (*progress)(const char *what, gpointer user_data); /* one-line progress, or NULL */
    void (*trace)(const char *line, gpointer user_data);    /* redacted HTTP trace, or NULL */
    gpointer user_data;                                     /* for info, progress, trace */
    gsize max_response;  /* bytes in one HTTP response ([limits]); 0 = NY_HTTP_MAX_BODY_DEFAULT */
    guint http_timeout;  /* seconds, see ny_http_options_set_timeout(); 0 = default */
    gboolean sequential; /* sync first, then read the cache: the order the overlapped
                          * lookup must match (tests) */
} NySourcesOptions;

/**
 * ny_sources_busy:
 * @config: the configuration; its [calendar NAME] groups are the sources
 *          unless @ics is given
 * @ics: (nullable) (array zero-terminated=1): --ics FILE|URL values; when
 *       non-empty they replace the configured calendars
 * @query: the window, the user's zone and addresses, the limits
 * @options: offline, the clock, the cache, -v and progress
 * @out_busy: (out) (transfer full) (element-type NyInterval): the merged,
 *            sorted busy periods, clipped to the window
 * @out_warnings: (out) (transfer full) (element-type utf8): one line per
 *                skipped or suspicious component, prefixed with its source
 *
 * Every source goes through the cache (doc/sync-and-cache.md,
 * "Local files and feeds"): an .ics file is split
 * into its top-level components as it is read (ny_busy_scan_set_split()),
 * each stored with the span of time it can touch, and keyed by its
 * absolute path, size, mtime and inode; while those are unchanged a lookup
 * reads only the objects whose span meets the window (and the zones),
 * which gives exactly what reading the whole file gives. A vdir file is one
 * object, re-read when its size or mtime changed. Files under 64 KiB and
 * folders of fewer than 16 files are read directly (that is faster). An ics
 * feed is fetched
 * with If-None-Match (304: the cached copy) and read from the cache with
 * --offline. When the cache cannot be opened, files are read directly.
 *
 * Returns: TRUE on success; FALSE with NY_SOURCES_ERROR_NO_SOURCE when there
 * is no source at all, NY_SOURCES_ERROR_IO naming a path that cannot be
 * read, NY_SOURCES_ERROR_OFFLINE for a feed never fetched, NY_BUSY_ERROR
 * for a file that holds no iCalendar data, NY_HTTP_ERROR for a feed, the
 * errors of ny_caldav_sync(), or NY_CALDAV_ERROR_OFFLINE for a CalDAV
 * calendar never synced. The out-parameters are untouched on
 * failure.
 *
 * The limits in @query are applied as the busy time is computed, also to
 * objects read from the cache, which stores every object whole: a changed
 * limit never meets an answer computed under the old one.
 */
gboolean ny_sources_busy(const NyConfig *config, const char *const *ics, const NyBusyQuery *query,
                         const NySourcesOptions *options, GArray **out_busy,
                         GPtrArray **out_warnings, GError **error);

G_END_DECLS
