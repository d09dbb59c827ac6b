/* caldav.h: CalDAV discovery and sync into the local cache (doc/sync-and-cache.md).
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

#include <gio/gio.h>
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
    NyTime clock; /* the real clock (main.c's, never --now): recorded as the
                   * time of the sync, and the age --offline reports; required (> 0) */

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
    GArray *changed;      /* (element-type gint64) (nullable): the caller's; the cache ids of
                           * the calendars whose objects the sync changed are appended */
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

/**
 * ny_caldav_session_new:
 * @config: one [calendar NAME] group with type=caldav
 * @options: (nullable): tracing, the [limits] timeout and size
 * @warnings: (element-type utf8) (nullable): TLS verification off and
 *            password= in the file are appended (NULL: already said by the sync)
 *
 * A session with @config's credentials (password_command is run), for the
 * calendar writes below.
 *
 * Returns: (transfer full): the session, or NULL with NY_HTTP_ERROR or
 * NY_CALDAV_ERROR_NOT_FOUND (no url=).
 */
NyHttp *ny_caldav_session_new(const NyCalendarConfig *config, const NyCaldavOptions *options,
                              GPtrArray *warnings, GError **error);

/* ---- Calendar writes: holds and booked calls (src/caldav-write.c) ----
 *
 * doc/calendar-writes.md. Every write is conditional (RFC 4791 5.3.2,
 * RFC 9110 13.1): a new event with If-None-Match: *, so nothing is
 * overwritten; a change or a deletion with If-Match and the ETag notyet
 * last saw, so an edit the user made meanwhile is never lost. Only an event
 * notyet wrote (ny_invite_is_ours()) is ever changed or deleted. Errors are
 * NY_CALDAV_WRITE_ERROR for what callers act on, NY_HTTP_ERROR for the
 * transport (network, timeout, 401, 5xx), each prefixed "PUT 'URL': ". */

#define NY_CALDAV_WRITE_ERROR (ny_caldav_write_error_quark())
GQuark ny_caldav_write_error_quark(void);

typedef enum {
    NY_CALDAV_WRITE_ERROR_EXISTS,   /* create: something is at the URL already (412) */
    NY_CALDAV_WRITE_ERROR_CHANGED,  /* update, delete: changed since its ETag (412): left alone */
    NY_CALDAV_WRITE_ERROR_NOT_OURS, /* not an event notyet wrote: refused, nothing sent */
    NY_CALDAV_WRITE_ERROR_GONE,     /* update, fetch: nothing at the URL (404, 410) */
    NY_CALDAV_WRITE_ERROR_FAILED,   /* the server refused it (403, 409, 415, ...) */
} NyCaldavWriteError;

/* An event notyet wrote, as the store knows it. Strings are borrowed. */
typedef struct {
    const char *url;      /* the resource's absolute URL */
    const char *etag;     /* its ETag when last seen, as the server sent it, or NULL */
    const char *uid;      /* the UID notyet gave it */
    const char *store_id; /* the store's own id (X-NOTYET-STORE) */
    const char *text;     /* (nullable) its text as read with @etag; NULL when @etag
                           * came from notyet's own write */
} NyCaldavEvent;

typedef enum {
    NY_CALDAV_EVENT_UNCHANGED, /* ours, and still at the ETag we hold */
    NY_CALDAV_EVENT_EDITED,    /* ours, but changed since (another ETag) */
    NY_CALDAV_EVENT_NOT_OURS,  /* no longer carries our UID and marks */
    NY_CALDAV_EVENT_GONE,      /* nothing at the URL */
} NyCaldavEventState;

/**
 * ny_caldav_event_create:
 * @http: a session with the calendar's credentials
 * @url: the new resource's URL (the calendar's URL plus "UID.ics")
 * @ics: the calendar object (ny_invite_build_hold(), ny_invite_build_booked())
 * @out_etag: (out) (optional) (nullable): its ETag: from the PUT, else read
 *            back (GET, then PROPFIND getetag); NULL when the server gives none
 *
 * PUT with If-None-Match: *: never replaces anything.
 *
 * Returns: TRUE when created (201 or 204); FALSE with
 * NY_CALDAV_WRITE_ERROR_EXISTS (412), _FAILED, or NY_HTTP_ERROR.
 */
gboolean ny_caldav_event_create(NyHttp *http, const char *url, const char *ics, char **out_etag,
                                GError **error);

/**
 * ny_caldav_event_fetch:
 * @out_etag: (out) (optional) (nullable): the ETag of the text, or NULL
 *
 * GET of one resource.
 *
 * Returns: (transfer full): its text, or NULL with NY_CALDAV_WRITE_ERROR_GONE
 * (404, 410) or NY_HTTP_ERROR.
 */
char *ny_caldav_event_fetch(NyHttp *http, const char *url, char **out_etag, GError **error);

/**
 * ny_caldav_event_check:
 * @event: the event as the store knows it (@event->text is not used)
 * @out_state: (out): what became of it
 * @out_text: (out) (optional) (nullable): its text now, NULL when gone
 * @out_etag: (out) (optional) (nullable): its ETag now, or NULL
 *
 * Reads the event again: after a 412, to tell the user what was left
 * alone, or before a change when the ETag is not known.
 *
 * Returns: FALSE with NY_HTTP_ERROR when it cannot be read.
 */
gboolean ny_caldav_event_check(NyHttp *http, const NyCaldavEvent *event,
                               NyCaldavEventState *out_state, char **out_text, char **out_etag,
                               GError **error);

/**
 * ny_caldav_event_update:
 * @event: the event to replace; without an ETag it is read first and must
 *         be ours
 * @ics: its new text
 * @out_etag: (out) (optional) (nullable): the new ETag, as for create
 *
 * PUT with If-Match: the event's ETag. @event->text, when given, must be
 * ours, or nothing is sent.
 *
 * Returns: TRUE when replaced; FALSE with NY_CALDAV_WRITE_ERROR_CHANGED
 * (412: read it with ny_caldav_event_check() and leave it), _NOT_OURS,
 * _GONE, _FAILED, or NY_HTTP_ERROR.
 */
gboolean ny_caldav_event_update(NyHttp *http, const NyCaldavEvent *event, const char *ics,
                                char **out_etag, GError **error);

/**
 * ny_caldav_event_delete:
 * @event: the event to delete, as for ny_caldav_event_update()
 *
 * DELETE with If-Match: the event's ETag. An event already gone (404, 410)
 * is success.
 *
 * Returns: TRUE when it is gone; FALSE with NY_CALDAV_WRITE_ERROR_CHANGED,
 * _NOT_OURS, _FAILED, or NY_HTTP_ERROR.
 */
gboolean ny_caldav_event_delete(NyHttp *http, const NyCaldavEvent *event, GError **error);

/**
 * ny_caldav_holds_url:
 * @config: a [calendar NAME] group of type caldav with holds= set
 * @cached: (element-type NyCacheCalendar): the calendars discovered for
 *          @config (ny_cache_list_calendars(), after ny_caldav_sync())
 *
 * Resolves holds= to the calendar it names: the one whose display name is
 * exactly the value, or whose href is the value resolved against url=
 * (trailing slashes aside). It need not be one of calendars=.
 *
 * Returns: (transfer full): the calendar's absolute URL with a trailing
 * slash, or NULL with NY_CALDAV_ERROR_NOT_FOUND (nothing by that name, or
 * two calendars share the display name: the message lists them).
 */
char *ny_caldav_holds_url(const NyCalendarConfig *config, GPtrArray *cached, GError **error);

/* One event written by ny_caldav_holds_create(). */
typedef struct {
    char *url;  /* the resource */
    char *etag; /* its ETag, or NULL when the server gives none */
} NyCaldavWritten;

void ny_caldav_written_free(NyCaldavWritten *written);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyCaldavWritten, ny_caldav_written_free)

/**
 * ny_caldav_holds_create:
 * @calendar_url: the holds calendar (ny_caldav_holds_url())
 * @uids: (array length=n): the holds' UIDs; hold i is written to
 *        @calendar_url + UID (percent-encoded) + ".ics"
 * @texts: (array length=n): their text (ny_invite_build_hold())
 * @store_id: the store's id, to delete only our own on a failure
 *
 * Creates the holds of one letter, all or none: when one cannot be
 * written, those already written are deleted again (If-Match) before the
 * error returns. A create whose answer was lost (a timeout) may have
 * happened: the clean-up does not know it, and the next sync removes the
 * hold no follow-up owns.
 *
 * Returns: (transfer full) (element-type NyCaldavWritten): one per hold,
 * in order; or NULL with the first write's error, prefixed "N written
 * holds could not be removed: " when the clean-up failed too.
 */
GPtrArray *ny_caldav_holds_create(NyHttp *http, const char *calendar_url, const char *const *uids,
                                  const char *const *texts, guint n, const char *store_id,
                                  GError **error);

/**
 * ny_caldav_events_between:
 * @calendar_url: a calendar collection
 * @from, @to: the window
 *
 * One calendar-query REPORT with a time-range (RFC 4791 7.8.1): the events
 * of the calendar that overlap [@from, @to), as the server has them now.
 * For the check of a reply's holds against another store's
 * (doc/calendar-writes.md, "Two stores").
 *
 * Returns: (transfer full) (element-type utf8): their texts, or NULL with
 * NY_HTTP_ERROR, NY_MULTISTATUS_ERROR or NY_CALDAV_WRITE_ERROR_FAILED.
 */
GPtrArray *ny_caldav_events_between(NyHttp *http, const char *calendar_url, NyTime from, NyTime to,
                                    GError **error);

/* Whether two absolute URLs name the same collection, trailing slashes
 * aside (servers list a calendar with and without one). */
gboolean ny_caldav_same_collection(const char *a, const char *b);

/**
 * ny_caldav_start_url:
 * @resolver: (nullable): the DNS resolver; NULL for g_resolver_get_default()
 * @answer: what the user named: a URL, a host[:port] or a domain
 * @timeout_seconds: how long the SRV and TXT lookups may take together
 * @out_srv: (out) (optional): TRUE when DNS SRV gave the URL
 *
 * The URL CalDAV discovery starts from (src/caldav-srv.c): a URL as given
 * (with "/" when it has no path); a host with a port, an address, localhost
 * or a name without a dot as https://HOST/; a domain through its
 * _caldavs._tcp SRV record (RFC 6764 3: the lowest priority, by weight
 * among equals; a target of "." offers no service) and the path= of its
 * _caldavs._tcp TXT record (RFC 6764 4, else "/"; escaped for a URL), as
 * https://TARGET:PORT/PATH. A target that is not a host name of letters,
 * digits, '-' and '.', or a port of 0, is passed over for the next.
 * Never _caldav._tcp: plain http is not looked for. With no record, or no
 * answer in time, https://DOMAIN/, whose /.well-known/caldav the discovery
 * then asks. Runs a private main context until the lookups end.
 *
 * Returns: (transfer full): the URL.
 */
char *ny_caldav_start_url(GResolver *resolver, const char *answer, guint timeout_seconds,
                          gboolean *out_srv);

/**
 * ny_caldav_url_in_domain:
 * @url: a URL DNS SRV gave for @domain (ny_caldav_start_url())
 * @domain: the domain the user named
 *
 * Whether @url's host is of @domain's site: the same registrable domain by
 * the Public Suffix List (ny_http_hosts_same_site()), so "dav.example.com"
 * for "example.com" yes, "caldav.fastmail.com" for "example.com" no, and
 * nothing for a domain that is itself a public suffix. Without DNSSEC an
 * SRV record may be spoofed, so a host outside is for the user to confirm
 * (RFC 6764 8).
 *
 * Returns: TRUE when @url stays within @domain's site.
 */
gboolean ny_caldav_url_in_domain(const char *url, const char *domain);

G_END_DECLS
