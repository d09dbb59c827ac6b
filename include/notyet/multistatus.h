/* multistatus.h: WebDAV 207 Multi-Status bodies (RFC 4918 13, RFC 6578,
 * RFC 4791), parsed from bytes.
 *
 * Pure module: libxml2 only, no network, no files. Elements are matched by
 * namespace URI and local name, never by prefix. The parser is hardened for
 * untrusted input (doc/sync-and-cache.md, "XML"): no network, no entity
 * substitution, no DTD loading, a DOCTYPE is refused, any parser error is
 * fatal (no recovery, no silently truncated text).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NY_MULTISTATUS_ERROR (ny_multistatus_error_quark())
GQuark ny_multistatus_error_quark(void);

typedef enum {
    NY_MULTISTATUS_ERROR_INVALID, /* not well-formed XML, or hostile (DOCTYPE, too deep) */
    NY_MULTISTATUS_ERROR_NOT_DAV, /* well-formed, but not a DAV:multistatus */
    NY_MULTISTATUS_ERROR_FAILED,
} NyMultistatusError;

/* One <response>. Properties come only from propstats with a 2xx status. */
typedef struct {
    char *href;       /* as sent (may be percent-encoded), never NULL */
    guint status;     /* the response-level <status> (404 for a deleted item
                       * in sync-collection), 0 when absent */
    guint bad_status; /* the first non-2xx, non-404 propstat status, else 0 */

    gboolean is_collection;
    gboolean is_calendar;
    gboolean is_principal;
    gboolean has_component_set; /* supported-calendar-component-set was given */
    gboolean supports_vevent;   /* it lists VEVENT */

    char *displayname;            /* or NULL */
    char *color;                  /* calendar-color (Apple ns), or NULL */
    char *ctag;                   /* getctag (CalendarServer ns), or NULL */
    char *sync_token;             /* the collection's DAV:sync-token property, or NULL */
    char *etag;                   /* getetag, or NULL */
    char *calendar_data;          /* calendar-data text, or NULL */
    char *current_user_principal; /* its href, or NULL */
    char *calendar_home_set;      /* its first href, or NULL */
} NyDavResponse;

typedef struct {
    GPtrArray *responses; /* (element-type NyDavResponse) */
    char *sync_token;     /* the multistatus-level <sync-token> (RFC 6578 6.4), or NULL */
} NyMultistatus;

/**
 * ny_multistatus_parse:
 * @data: the response body
 * @len: its length in bytes
 *
 * Returns: (transfer full): the parsed responses, or NULL with
 * NY_MULTISTATUS_ERROR (line number and reason in the message).
 */
NyMultistatus *ny_multistatus_parse(const char *data, gsize len, GError **error);

void ny_multistatus_free(NyMultistatus *ms);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyMultistatus, ny_multistatus_free)

/**
 * ny_dav_status_parse:
 * @text: "HTTP/1.1 404 Not Found"
 *
 * Returns: the status code, or 0 when @text is not a status line.
 */
guint ny_dav_status_parse(const char *text);

G_END_DECLS
