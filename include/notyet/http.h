/* http.h: the one HTTP adapter (libcurl), doc/sync-and-cache.md.
 *
 * I/O module. Every request notyet makes goes through here, so the rules
 * live in one place: TLS verified (a per-calendar escape hatch), http and
 * https only, redirects followed by hand (at most 5, same origin only, never
 * from https to http, the body kept), credentials sent only to the origin
 * of the configured URL (credentials_url) or, over https only, to another
 * https origin of the same registrable domain by the Public Suffix List
 * (ny_http_credentials_may_follow()), never to another site a server names,
 * and over plain http only to a loopback host, no user name or password
 * inside a URL (refused: they would skip these rules), connect and low-speed
 * timeouts plus an overall deadline, a response size cap, gzip accepted,
 * an empty Expect header, Content-Length always set, Depth on PROPFIND and
 * REPORT, User-Agent "notyet/VERSION". CURLcode and HTTP status become a
 * GError here and nowhere else. Tracing redacts Authorization and Cookie
 * wherever they appear in a line (ny_http_trace_redact()). The environment
 * is not read here: NOTYET_HTTP_TIMEOUT reaches the options through the
 * configuration (config.h).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define NY_HTTP_ERROR (ny_http_error_quark())
GQuark ny_http_error_quark(void);

typedef enum {
    NY_HTTP_ERROR_NETWORK,   /* connect, DNS, TLS, timeout, truncated transfer */
    NY_HTTP_ERROR_AUTH,      /* 401 or 403 */
    NY_HTTP_ERROR_NOT_FOUND, /* 404 or 410 */
    NY_HTTP_ERROR_PROTOCOL,  /* refused redirect, body over the cap, unexpected answer */
    NY_HTTP_ERROR_FAILED,    /* anything else (5xx, other 4xx) */
} NyHttpError;

/* Receives one trace line (no newline), already redacted. */
typedef void (*NyHttpTraceFunc)(const char *line, gpointer user_data);

/* Default limits. The timeouts follow one number T (ny_http_options_set_timeout()):
 * connect T, slow transfer 3T, whole session 30T. */
#define NY_HTTP_MAX_BODY_DEFAULT (32u * 1024u * 1024u)
#define NY_HTTP_CONNECT_TIMEOUT_DEFAULT 10
#define NY_HTTP_LOW_SPEED_TIME_DEFAULT (3 * NY_HTTP_CONNECT_TIMEOUT_DEFAULT)
#define NY_HTTP_DEADLINE_DEFAULT (30 * NY_HTTP_CONNECT_TIMEOUT_DEFAULT)

/* Transfers in flight at once, driven from one thread, and the connection
 * cache they share: a connection one request opened serves the next. */
typedef struct NyHttpMulti NyHttpMulti;

/**
 * ny_http_multi_new:
 * @max_connections: connections open at once (per host and in all); 0 for
 *                   no limit. Transfers beyond it wait for a free one.
 *
 * Returns: (transfer full): a multi handle; free it with ny_http_multi_free()
 * after every session using it.
 */
NyHttpMulti *ny_http_multi_new(guint max_connections);
void ny_http_multi_free(NyHttpMulti *multi);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyHttpMulti, ny_http_multi_free)

/* Returns a fresh Bearer token (transfer full), or NULL with an error. */
typedef char *(*NyHttpTokenFunc)(gpointer data, GError **error);

typedef struct {
    const char *username;          /* or NULL: no password credentials */
    const char *credentials_url;   /* the configured URL: credentials go to its origin (scheme,
                                    * host, port), and over https to its site
                                    * (ny_http_credentials_may_follow()), fixed when the
                                    * session is created; NULL: to no origin
                                    * (ny_http_get_conditional: the URL it gets) */
    const char *password;          /* or NULL; copied, wiped on free, never logged */
    gboolean use_netrc;            /* no password: read ~/.netrc (refused if others can read it) */
    const char *token;             /* or NULL: a Bearer token (RFC 6750) instead of a password;
                                    * copied, wiped on free, never logged */
    NyHttpTokenFunc refresh_token; /* or NULL: called once per session on a 401 to the token */
    gpointer refresh_data;
    gboolean insecure;            /* skip TLS verification (the caller warns) */
    gboolean allow_insecure_http; /* credentials over plain http to a non-loopback host */
    guint connect_timeout;        /* seconds; 0 = default */
    guint low_speed_time;         /* seconds under 10 B/s before giving up; 0 = default */
    guint deadline;               /* seconds for the whole session; 0 = default */
    gsize max_body;               /* bytes; 0 = NY_HTTP_MAX_BODY_DEFAULT */
    NyHttpTraceFunc trace;        /* or NULL */
    gpointer trace_data;
    NyHttpMulti *multi; /* or NULL for a private one; borrowed, must outlive the session */
} NyHttpOptions;

/**
 * ny_http_options_set_timeout:
 * @options: the options to fill
 * @seconds: T, the connect timeout; 0 leaves the defaults
 *
 * Sets connect_timeout to T, low_speed_time to 3T and deadline to 30T: the
 * ratios of the defaults (10 s, 30 s, 300 s), so one number scales them all.
 */
void ny_http_options_set_timeout(NyHttpOptions *options, guint seconds);

/* A session: one deadline, one set of credentials, one multi handle; it
 * may have several requests in flight. */
typedef struct NyHttp NyHttp;

typedef struct {
    guint status;              /* the final HTTP status */
    GBytes *body;              /* decoded body, never NULL */
    char *etag;                /* ETag header, or NULL */
    char *content_type;        /* or NULL */
    char *url;                 /* the URL that answered, after redirects */
    gint64 retry_after;        /* Retry-After in seconds (a date: against the Date
                                * header; at most G_MAXINT32), or -1 when absent or unreadable */
    gboolean sent_credentials; /* the last hop carried the session's credentials */
    gboolean waited;           /* the one Retry-After wait was already spent */
} NyHttpResponse;

/**
 * ny_http_new:
 * @options: (nullable): limits and credentials; NULL for defaults without
 *           credentials. Strings are copied.
 *
 * Returns: (transfer full): a session; free with ny_http_free() when none
 * of its requests is in flight.
 */
NyHttp *ny_http_new(const NyHttpOptions *options);

void ny_http_free(NyHttp *http);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyHttp, ny_http_free)

/* Overwrites @secret (a password or token; nullable) with zeros, then
 * frees it: what every holder of a secret clears it with. */
void ny_http_secret_free(char *secret);

/**
 * ny_http_request:
 * @method: "GET", "PROPFIND", "REPORT", ...
 * @url: absolute http or https URL
 * @depth: (nullable): the Depth header ("0", "1"); required for PROPFIND
 *         and REPORT (defaults to "0" there when NULL)
 * @content_type: (nullable): of @body
 * @body: (nullable): the request body, sent with Content-Length
 *
 * Performs one request and waits for it (other transfers on the session's
 * multi handle run meanwhile). Same-origin redirects are followed by hand;
 * a 401 with a Digest challenge is tried once more with Digest; a 429 or
 * 503 with Retry-After is tried once more after that wait when the wait
 * ends before the session's deadline. Any HTTP status is a successful
 * return: check it with ny_http_response_check().
 *
 * Returns: (transfer full): the response, or NULL with NY_HTTP_ERROR
 * (network, TLS, timeout, refused redirect, body over the cap).
 */
NyHttpResponse *ny_http_request(NyHttp *http, const char *method, const char *url,
                                const char *depth, const char *content_type, GBytes *body,
                                GError **error);

/**
 * ny_http_request_conditional:
 * @method: "PUT", "DELETE" or "GET"
 * @url: absolute http or https URL
 * @content_type: (nullable): of @body
 * @body: (nullable): the request body, sent with Content-Length
 * @if_match: (nullable): an ETag as the server sent it: sent as If-Match
 * @if_none_match: send "If-None-Match: *" (only with no @if_match)
 *
 * As ny_http_request(), with a precondition (RFC 9110 13.1): a write that
 * changes only what the caller last saw, or creates only what is not
 * there. A failed precondition is the status 412, returned like any other.
 *
 * Returns: (transfer full): the response, or NULL with NY_HTTP_ERROR (as
 * ny_http_request(); NY_HTTP_ERROR_PROTOCOL for an ETag with a line break).
 */
NyHttpResponse *ny_http_request_conditional(NyHttp *http, const char *method, const char *url,
                                            const char *content_type, GBytes *body,
                                            const char *if_match, gboolean if_none_match,
                                            GError **error);

/* One request started with ny_http_request_start(). */
typedef struct NyHttpTransfer NyHttpTransfer;

/**
 * ny_http_request_start:
 * @user_data: handed back by ny_http_transfer_get_user_data()
 *
 * Starts the request ny_http_request() makes, with the same rules (a
 * Retry-After wait holds back this request only), on the session's multi
 * handle, and returns at once: ny_http_multi_next() drives it. Strings and
 * @body are kept (copied or referenced) until it completes.
 */
void ny_http_request_start(NyHttp *http, const char *method, const char *url, const char *depth,
                           const char *content_type, GBytes *body, gpointer user_data);

/**
 * ny_http_multi_next:
 *
 * Runs the transfers of @multi until one of those started with
 * ny_http_request_start() is complete.
 *
 * Returns: (transfer full) (nullable): the completed transfer, free it with
 * ny_http_transfer_free(); NULL when none is in flight.
 */
NyHttpTransfer *ny_http_multi_next(NyHttpMulti *multi);

gpointer ny_http_transfer_get_user_data(const NyHttpTransfer *transfer);

/**
 * ny_http_transfer_finish:
 * @transfer: a transfer from ny_http_multi_next()
 *
 * Returns: (transfer full): the response, or NULL with the error, as
 * ny_http_request() returns them; call it once.
 */
NyHttpResponse *ny_http_transfer_finish(NyHttpTransfer *transfer, GError **error);

void ny_http_transfer_free(NyHttpTransfer *transfer);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyHttpTransfer, ny_http_transfer_free)

/**
 * ny_http_response_check:
 *
 * Maps a non-2xx status to NY_HTTP_ERROR ("authentication failed for
 * 'user@host': check username and password_command", "'url' not found",
 * "server error 500 for 'url'"); a 401 from a host that got no credentials
 * because it is another site names the full URL and the url= line that
 * sends them there; a 429 or 503 says in how many seconds the server asks
 * to be tried again.
 *
 * Returns: TRUE for 2xx.
 */
gboolean ny_http_response_check(NyHttp *http, const NyHttpResponse *response, GError **error);

void ny_http_response_free(NyHttpResponse *response);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyHttpResponse, ny_http_response_free)

/**
 * ny_http_get_conditional:
 * @url: an http or https URL (an ics feed)
 * @options: (nullable): as for ny_http_new()
 * @etag: (nullable): the ETag of the copy the caller holds; sent as
 *        If-None-Match
 * @out_not_modified: (out): TRUE when the server answered 304 Not Modified:
 *        the caller's copy is current (the returned body is then empty)
 * @out_etag: (out) (optional) (nullable): the ETag of the answer, or NULL
 *
 * A GET with every rule above, conditional on @etag; a non-2xx status
 * other than that 304 is an error.
 *
 * Returns: (transfer full): the body, or NULL with NY_HTTP_ERROR.
 */
GBytes *ny_http_get_conditional(const char *url, const NyHttpOptions *options, const char *etag,
                                gboolean *out_not_modified, char **out_etag, GError **error);

/**
 * ny_http_url_is_loopback:
 *
 * Returns: TRUE when @url's host is localhost, 127.0.0.0/8 or ::1.
 */
gboolean ny_http_url_is_loopback(const char *url);

/**
 * ny_http_hosts_same_site:
 * @a: a host name
 * @b: a host name
 *
 * Whether two host names share a registrable domain by the Public Suffix
 * List (libpsl): "icloud.com" for "p42-caldav.icloud.com" and
 * "caldav.icloud.com"; never for an address literal, nor for a host that is
 * itself a public suffix ("a.github.io" and "b.github.io" differ).
 *
 * Returns: TRUE when @a and @b are of one site.
 */
gboolean ny_http_hosts_same_site(const char *a, const char *b);

/**
 * ny_http_credentials_may_follow:
 * @configured: the configured URL (its origin owns the credentials)
 * @url: a URL a server named (a calendar home, an href)
 *
 * Credentials go to @url when it has @configured's origin (scheme, host,
 * port), or when both are https and their hosts share a registrable domain
 * by the Public Suffix List (libpsl): "https://p42-caldav.icloud.com/" for
 * "https://caldav.icloud.com/" yes, "https://b.github.io/" for
 * "https://a.github.io/" no, plain http to another origin never.
 *
 * Returns: TRUE when the credentials of @configured may be sent to @url.
 */
gboolean ny_http_credentials_may_follow(const char *configured, const char *url);

/**
 * ny_http_url_display:
 * @url: a URL
 *
 * Returns: (transfer full): @url without any user name or password in it,
 * for messages and output (@url as it is when it cannot be parsed).
 */
char *ny_http_url_display(const char *url);

/**
 * ny_http_url_has_userinfo:
 * @url: a URL
 *
 * Returns: TRUE when @url has a user name or password in it
 * ("https://bob:pw@host/", even an empty "https://@host/"); such a URL is
 * refused for every request.
 */
gboolean ny_http_url_has_userinfo(const char *url);

/**
 * ny_http_trace_redact:
 * @line: one trace line from libcurl (no newline)
 *
 * Wherever a secret header name (Authorization, Proxy-Authorization,
 * Cookie, Set-Cookie; any case) followed by a colon appears in @line, as a
 * header line or inside a note such as libcurl 7.88's HTTP/2
 * "h2h3 [authorization: Basic ...]", everything after that colon is
 * replaced with "[redacted]".
 *
 * Returns: (transfer full): the line to print.
 */
char *ny_http_trace_redact(const char *line);

/**
 * ny_http_resolve:
 * @base: an absolute URL
 * @ref: an absolute URL, or an absolute or relative path (a DAV href)
 *
 * Returns: (transfer full): @ref resolved against @base, or NULL when it
 * cannot be parsed.
 */
char *ny_http_resolve(const char *base, const char *ref);

/**
 * ny_http_suggest_offline:
 * @error: (inout) (nullable): a failure; only NY_HTTP_ERROR_NETWORK is changed
 * @synced: when the cache last had the source (seconds since the epoch), 0 never
 * @clock: the real time now (seconds since the epoch)
 * @check: what to check when nothing is cached, e.g. "url="
 *
 * A CalDAV server or ics feed that cannot be reached: appends what --offline
 * would answer from, the cache's time and age in minutes, or that nothing is
 * cached yet and what to check. One wording for every source.
 */
void ny_http_suggest_offline(GError **error, gint64 synced, gint64 clock, const char *check);

G_END_DECLS
