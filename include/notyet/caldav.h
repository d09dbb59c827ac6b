/* caldav.h: CalDAV discovery and sync into the local cache (DESIGN.md 9).
 *
 * I/O module over http.h, multistatus.h and cache.h. Discovery follows
 * RFC 6764 (/.well-known/caldav), RFC 5397 (current-user-principal) and
 * RFC 4791 6.2.1 (calendar-home-set), then lists the calendars that support
 * VEVENT. Sync uses sync-collection (RFC 6578) where the server offers a
 * sync-token, else the ctag and a PROPFIND of the ETags; changed objects are
 * fetched with calendar-multiget in batches. The calendars that changed are
 * synced in parallel on one curl multi handle, from the calling thread; each
 * is applied in one cache transaction: a failure leaves its previous mirror
 * intact.
 */
#pragma once

#include <glib.h>

#include "notyet/cache.h"
#include "notyet/config.h"
#include "notyet/http.h"

G_BEGIN_DECLS

#define NY_CALDAV_ERROR (ny_caldav_error_quark())
GQuark ny_caldav_error_quark(void);

typedef enum {
    NY_CALDAV_ERROR_NOT_FOUND, /* no calendar at the URL, or calendars= names one that is missing */
    NY_CALDAV_ERROR_PROTOCOL,  /* the server answered something a CalDAV server must not */
    NY_CALDAV_ERROR_OFFLINE,   /* --offline and nothing cached yet */
    NY_CALDAV_ERROR_FAILED,
} NyCaldavError;

/* Progress of a sync, called from the calling thread: @what is a short
 * line such as "work: discovering" or "work: 'Family' 120 fetched". */
typedef void (*NyCaldavProgressFunc)(const char *what, gpointer user_data);

typedef struct {
    NyCaldavProgressFunc progress; /* or NULL */
    gpointer progress_data;
    NyHttpTraceFunc trace; /* -v -v: redacted HTTP headers, or NULL */
    gpointer trace_data;
    NyTime now; /* the caller's clock: recorded as the time of the sync, and
                 * the age --offline reports; required (> 0) */

    gsize max_response; /* bytes in one response ([limits]); 0 = NY_HTTP_MAX_BODY_DEFAULT */
    guint http_timeout; /* seconds, see ny_http_options_set_timeout(); 0 = default */
} NyCaldavOptions;

typedef struct {
    guint requests;       /* HTTP requests made */
    guint calendars;      /* calendars synced */
    guint unchanged;      /* of those, skipped because ctag or sync-token matched */
    guint fetched;        /* objects downloaded */
    guint deleted;        /* objects removed */
    gboolean full_resync; /* a sync-token was refused: synced from scratch */
} NyCaldavStats;

/**
 * ny_caldav_sync:
 * @config: one [calendar NAME] group with type=caldav
 * @cache: the open cache
 * @options: (nullable): tracing and the clock
 * @stats: (out caller-allocates) (optional): what was done (added to)
 * @warnings: (element-type utf8): warnings are appended (password= in the
 *            file, TLS verification off)
 *
 * Discovers the calendars of @config (recording each, used or not, in the
 * cache) and mirrors the used ones.
 *
 * Returns: TRUE on success; FALSE with NY_HTTP_ERROR, NY_MULTISTATUS_ERROR,
 * NY_CALDAV_ERROR or NY_CACHE_ERROR, prefixed "calendar 'NAME': ".
 */
gboolean ny_caldav_sync(const NyCalendarConfig *config, NyCache *cache,
                        const NyCaldavOptions *options, NyCaldavStats *stats, GPtrArray *warnings,
                        GError **error);

G_END_DECLS
