/* http.c: the libcurl adapter (see http.h for the rules it enforces).
 *
 * Every request is a transfer on a curl multi handle, driven from the
 * calling thread: ny_http_request() starts one and runs the multi until it
 * is complete; a CalDAV sync starts several and takes them as they
 * complete. A transfer is a small state machine over hops: redirects are
 * followed by hand (libcurl 7.88 re-sends PROPFIND and REPORT without their
 * body after a 301/302 and has no same-origin switch, so each hop is checked
 * here, doc/sync-and-cache.md, "HTTP rules"), a 401 with a Digest challenge is tried
 * once more with Digest, and a 429 or 503 with Retry-After parks the
 * transfer until then while the others go on.
 */
#include "notyet/http.h"

#include <curl/curl.h>
#include <errno.h>
#include <gio/gio.h>
#include <libpsl.h>
#include <string.h>
#include <sys/stat.h>

#include "notyet/ntime.h"
#include "ny-version.h"

G_DEFINE_QUARK(ny_http_error, ny_http_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(CURLU, curl_url_cleanup)

#define NY_HTTP_MAX_REDIRECTS 5
#define NY_HTTP_LOW_SPEED_LIMIT 10 /* bytes per second */

/* Transfers in flight, and the connections they leave for the next ones. */
struct NyHttpMulti {
    CURLM *multi;
    CURLSH *tls;     /* TLS session IDs, which libcurl keeps per easy handle */
    GPtrArray *busy; /* (element-type NyHttpTransfer) running or parked */
    GQueue done;     /* (element-type NyHttpTransfer) complete, not yet taken */
};

struct NyHttp {
    NyHttpMulti *multi;     /* where its transfers run: borrowed or own_multi */
    NyHttpMulti *own_multi; /* when the options gave none */
    char *username;
    char *password; /* wiped on free */
    char *token;    /* a Bearer token, wiped on free */
    NyHttpTokenFunc refresh_token;
    gpointer refresh_data;
    gboolean token_refreshed; /* the one fresh token of the session was asked for */
    guint token_generation;   /* bumped when the token is replaced */
    gboolean use_netrc;
    gboolean insecure;
    gboolean allow_insecure_http;
    gboolean digest; /* the server asked for Digest */
    guint connect_timeout;
    guint low_speed_time;
    guint deadline_seconds;
    gint64 deadline; /* monotonic microseconds */
    gsize max_body;
    char *origin;          /* the origin credentials belong to: credentials_url's, or NULL */
    char *credentials_url; /* the configured URL, or NULL */
    char *if_none_match;   /* the ETag a conditional GET sends, or NULL */
    NyHttpTraceFunc trace;
    gpointer trace_data;
};

/* What one hop collects. */
typedef struct {
    NyHttp *http;
    GByteArray *body;
    gboolean too_big;
    char *etag;
    char *content_type;
    char *www_authenticate;
    char *retry_after;
    char *date;
    char *location; /* the Location header as the server sent it */
} Received;

static void
received_clear(Received *r)
{
    g_clear_pointer(&r->body, g_byte_array_unref);
    g_clear_pointer(&r->etag, g_free);
    g_clear_pointer(&r->content_type, g_free);
    g_clear_pointer(&r->retry_after, g_free);
    g_clear_pointer(&r->date, g_free);
    g_clear_pointer(&r->www_authenticate, g_free);
    g_clear_pointer(&r->location, g_free);
    r->too_big = FALSE;
}

/* One request, from its first hop to its response or error. */
struct NyHttpTransfer {
    NyHttp *http; /* borrowed */
    gpointer user_data;
    char *method;
    char *url; /* as asked */
    char *depth;
    char *content_type;
    GBytes *body;    /* or NULL */
    char *condition; /* "If-Match: ETAG" or "If-None-Match: *" (a write), or NULL */
    char *first_origin;
    CURL *curl;                /* one easy handle for every hop */
    char *current;             /* the URL of the hop in flight */
    int redirects;             /* hops followed so far */
    gboolean sent_credentials; /* this hop carries the session's credentials */
    gboolean sent_digest;      /* this hop answers a Digest challenge */
    gboolean digest_tried;     /* the Digest retry is spent */
    guint token_generation;    /* of the token this hop sent */
    gboolean token_retried;    /* sent again with a token fresher than its own */
    gboolean waited;           /* the Retry-After wait is spent */
    gint64 wake_at;            /* parked until then (monotonic microseconds), else 0 */
    Received received;
    struct curl_slist *headers;
    char errbuf[CURL_ERROR_SIZE];
    gboolean done;
    NyHttpResponse *response; /* when done: the response, */
    GError *error;            /* or why there is none */
};

static char *url_origin(const char *url);

static gboolean
has_credentials(const NyHttp *http)
{
    return http->username != NULL || http->token != NULL;
}

static void
global_init(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        curl_global_init(CURL_GLOBAL_DEFAULT);
        g_once_init_leave(&done, 1);
    }
}

NyHttpMulti *
ny_http_multi_new(guint max_connections)
{
    NyHttpMulti *m = g_new0(NyHttpMulti, 1);

    global_init();
    m->multi = curl_multi_init();
    /* Connections stay in the multi handle's cache between transfers. */
    curl_multi_setopt(m->multi, CURLMOPT_MAX_HOST_CONNECTIONS, (long)max_connections);
    curl_multi_setopt(m->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)max_connections);
    m->tls = curl_share_init();
    curl_share_setopt(m->tls, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    m->busy = g_ptr_array_new();
    g_queue_init(&m->done);
    return m;
}

void
ny_http_multi_free(NyHttpMulti *m)
{
    if (m == NULL)
        return;
    /* Transfers still there were abandoned by the caller. */
    while (m->busy->len > 0) {
        NyHttpTransfer *t = g_ptr_array_steal_index(m->busy, 0);

        if (t->wake_at == 0)
            curl_multi_remove_handle(m->multi, t->curl);
        ny_http_transfer_free(t);
    }
    g_queue_clear_full(&m->done, (GDestroyNotify)ny_http_transfer_free);
    g_ptr_array_unref(m->busy);
    curl_multi_cleanup(m->multi);
    curl_share_cleanup(m->tls);
    g_free(m);
}

void
ny_http_options_set_timeout(NyHttpOptions *options, guint seconds)
{
    g_return_if_fail(options != NULL);
    if (seconds == 0)
        return;
    options->connect_timeout = seconds;
    options->low_speed_time = 3 * seconds;
    options->deadline = 30 * seconds;
}

NyHttp *
ny_http_new(const NyHttpOptions *options)
{
    NyHttp *http = g_new0(NyHttp, 1);
    NyHttpOptions defaults = {0};

    global_init();
    if (options == NULL)
        options = &defaults;
    /* Without a multi handle of the caller's, a private one. */
    if (options->multi == NULL)
        http->own_multi = ny_http_multi_new(0);
    http->multi = options->multi ? options->multi : http->own_multi;
    http->username = g_strdup(options->username);
    http->password = g_strdup(options->password);
    http->token = g_strdup(options->token);
    http->refresh_token = options->refresh_token;
    http->refresh_data = options->refresh_data;
    /* Fixed here, never taken from whichever request goes first: a server
     * could name a host of its choosing (a calendar home, an href). */
    if (options->credentials_url != NULL) {
        http->origin = url_origin(options->credentials_url);
        http->credentials_url = g_strdup(options->credentials_url);
    }
    http->use_netrc = options->use_netrc;
    http->insecure = options->insecure;
    http->allow_insecure_http = options->allow_insecure_http;
    http->connect_timeout =
        options->connect_timeout ? options->connect_timeout : NY_HTTP_CONNECT_TIMEOUT_DEFAULT;
    http->low_speed_time =
        options->low_speed_time ? options->low_speed_time : NY_HTTP_LOW_SPEED_TIME_DEFAULT;
    http->deadline_seconds = options->deadline ? options->deadline : NY_HTTP_DEADLINE_DEFAULT;
    http->deadline = g_get_monotonic_time() + (gint64)http->deadline_seconds * G_USEC_PER_SEC;
    http->max_body = options->max_body ? options->max_body : NY_HTTP_MAX_BODY_DEFAULT;
    http->trace = options->trace;
    http->trace_data = options->trace_data;
    return http;
}

void
ny_http_secret_free(char *secret)
{
    if (secret == NULL)
        return;
    explicit_bzero(secret, strlen(secret));
    g_free(secret);
}

void
ny_http_free(NyHttp *http)
{
    if (http == NULL)
        return;
    ny_http_multi_free(http->own_multi);
    ny_http_secret_free(http->password);
    ny_http_secret_free(http->token);
    g_free(http->username);
    g_free(http->origin);
    g_free(http->credentials_url);
    g_free(http->if_none_match);
    g_free(http);
}

void
ny_http_response_free(NyHttpResponse *response)
{
    if (response == NULL)
        return;
    g_bytes_unref(response->body);
    g_free(response->etag);
    g_free(response->content_type);
    g_free(response->url);
    g_free(response);
}

/* URL pieces through libcurl's own parser, so the checks agree with what
 * libcurl will connect to. */
static CURLU *
url_parse(const char *url)
{
    g_autoptr(CURLU) u = curl_url();

    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        return NULL;
    return g_steal_pointer(&u);
}

static char *
url_part(CURLU *u, CURLUPart part)
{
    char *value = NULL;
    char *copy;

    if (curl_url_get(u, part, &value, part == CURLUPART_PORT ? CURLU_DEFAULT_PORT : 0) != CURLUE_OK)
        return NULL;
    copy = g_strdup(value);
    curl_free(value);
    return copy;
}

/* "https://host:443": scheme, host and port. */
static char *
url_origin(const char *url)
{
    g_autoptr(CURLU) u = url_parse(url);
    g_autofree char *scheme = NULL;
    g_autofree char *host = NULL;
    g_autofree char *port = NULL;

    if (u == NULL)
        return NULL;
    scheme = url_part(u, CURLUPART_SCHEME);
    host = url_part(u, CURLUPART_HOST);
    port = url_part(u, CURLUPART_PORT);
    if (scheme == NULL || host == NULL)
        return NULL;
    return g_strdup_printf("%s://%s:%s", scheme, host, port ? port : "");
}

static char *
url_host(const char *url)
{
    g_autoptr(CURLU) u = url_parse(url);

    return u ? url_part(u, CURLUPART_HOST) : NULL;
}

/* The URL for messages and traces: without user info, and without what
 * makes a published calendar's address a secret: its query (feeds put
 * tokens there) and a Google "private-<key>" path segment. */
char *
ny_http_url_display(const char *url)
{
    g_autoptr(CURLU) u = url_parse(url);
    g_autoptr(GString) shown = NULL;
    g_autofree char *query = NULL;
    char *value = NULL;
    char *key;

    if (u == NULL)
        return g_strdup(url);
    curl_url_set(u, CURLUPART_USER, NULL, 0);
    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
    query = url_part(u, CURLUPART_QUERY);
    curl_url_set(u, CURLUPART_QUERY, NULL, 0);
    if (curl_url_get(u, CURLUPART_URL, &value, 0) != CURLUE_OK)
        return g_strdup(url);
    shown = g_string_new(value);
    curl_free(value);
    key = strstr(shown->str, "/private-");
    if (key != NULL) {
        gsize at = (gsize)(key - shown->str) + strlen("/private-");
        gsize end = at;

        while (end < shown->len && shown->str[end] != '/')
            end++;
        g_string_erase(shown, (gssize)at, (gssize)(end - at));
        g_string_insert(shown, (gssize)at, "...");
    }
    if (query != NULL && *query != '\0')
        g_string_append(shown, "?...");
    return g_string_free(g_steal_pointer(&shown), FALSE);
}

static char *
url_display(const char *url)
{
    return ny_http_url_display(url);
}

/* A user name or password inside the URL (RFC 3986 3.2.1 userinfo). */
gboolean
ny_http_url_has_userinfo(const char *url)
{
    g_autoptr(CURLU) u = url_parse(url);
    g_autofree char *user = NULL;
    g_autofree char *password = NULL;
    const char *authority;

    if (u != NULL) {
        user = url_part(u, CURLUPART_USER);
        password = url_part(u, CURLUPART_PASSWORD);
        if (user != NULL || password != NULL)
            return TRUE;
    }
    /* libcurl drops an empty one ("http://@host/"): look at the text too. */
    authority = strstr(url, "://");
    if (authority == NULL)
        return FALSE;
    authority += 3;
    return memchr(authority, '@', strcspn(authority, "/?#")) != NULL;
}

/* A host as libcurl gives it: "[::1]" keeps its brackets. */
static GInetAddress *
host_address(const char *host)
{
    gsize len = strlen(host);

    if (len > 2 && host[0] == '[' && host[len - 1] == ']') {
        g_autofree char *inner = g_strndup(host + 1, len - 2);
        return g_inet_address_new_from_string(inner);
    }
    return g_inet_address_new_from_string(host);
}

gboolean
ny_http_url_is_loopback(const char *url)
{
    g_autofree char *host = url_host(url);
    g_autoptr(GInetAddress) address = NULL;

    if (host == NULL)
        return FALSE;
    if (g_ascii_strcasecmp(host, "localhost") == 0)
        return TRUE;
    /* Only an address literal: "127.example.com" is not loopback. */
    address = host_address(host);
    return address != NULL && g_inet_address_get_is_loopback(address);
}

/* The Public Suffix List, loaded once: the system's copy when there is one,
 * else the one built into libpsl. */
static const psl_ctx_t *
public_suffixes(void)
{
    static gsize done = 0;
    static psl_ctx_t *psl = NULL;

    if (g_once_init_enter(&done)) {
        psl = psl_latest(NULL);
        g_once_init_leave(&done, 1);
    }
    return psl != NULL ? psl : psl_builtin();
}

gboolean
ny_http_hosts_same_site(const char *a, const char *b)
{
    g_autofree char *la = g_ascii_strdown(a, -1);
    g_autofree char *lb = g_ascii_strdown(b, -1);
    g_autoptr(GInetAddress) address_a = host_address(la);
    g_autoptr(GInetAddress) address_b = host_address(lb);
    const psl_ctx_t *psl = public_suffixes();
    const char *da;
    const char *db;

    if (address_a != NULL || address_b != NULL || psl == NULL)
        return FALSE;
    da = psl_registrable_domain(psl, la);
    db = psl_registrable_domain(psl, lb);
    return da != NULL && db != NULL && strcmp(da, db) == 0;
}

gboolean
ny_http_credentials_may_follow(const char *configured, const char *url)
{
    g_autofree char *from = NULL;
    g_autofree char *to = NULL;
    g_autofree char *from_host = NULL;
    g_autofree char *to_host = NULL;

    g_return_val_if_fail(configured != NULL && url != NULL, FALSE);
    from = url_origin(configured);
    to = url_origin(url);
    if (from == NULL || to == NULL)
        return FALSE;
    if (strcmp(from, to) == 0)
        return TRUE;
    /* Another origin: https on both ends, and the same site. */
    if (!g_str_has_prefix(from, "https://") || !g_str_has_prefix(to, "https://"))
        return FALSE;
    from_host = url_host(configured);
    to_host = url_host(url);
    return from_host != NULL && to_host != NULL && ny_http_hosts_same_site(from_host, to_host);
}

char *
ny_http_resolve(const char *base, const char *ref)
{
    g_autoptr(CURLU) u = url_parse(base);
    char *value = NULL;
    char *copy;

    if (u == NULL || curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK)
        return NULL;
    if (curl_url_get(u, CURLUPART_URL, &value, 0) != CURLUE_OK)
        return NULL;
    copy = g_strdup(value);
    curl_free(value);
    return copy;
}

static size_t
write_cb(char *data, size_t size, size_t nmemb, void *user)
{
    Received *t = user;
    size_t n = size * nmemb;

    /* MAXFILESIZE does not stop a chunked body on 7.88: cap it here. */
    if (t->body->len + n > t->http->max_body) {
        t->too_big = TRUE;
        return 0;
    }
    g_byte_array_append(t->body, (const guint8 *)data, (guint)n);
    return n;
}

static char *
header_value(const char *line, size_t len, const char *name)
{
    size_t name_len = strlen(name);

    if (len <= name_len || g_ascii_strncasecmp(line, name, name_len) != 0 || line[name_len] != ':')
        return NULL;
    return g_strstrip(g_strndup(line + name_len + 1, len - name_len - 1));
}

static size_t
header_cb(char *data, size_t size, size_t nmemb, void *user)
{
    Received *t = user;
    size_t n = size * nmemb;
    char *value;

    if (n >= 5 && g_ascii_strncasecmp(data, "HTTP/", 5) == 0) {
        /* A new response (after 100 Continue or an auth round): start over. */
        g_clear_pointer(&t->etag, g_free);
        g_clear_pointer(&t->content_type, g_free);
        g_clear_pointer(&t->www_authenticate, g_free);
        g_clear_pointer(&t->retry_after, g_free);
        g_clear_pointer(&t->date, g_free);
        g_clear_pointer(&t->location, g_free);
        return n;
    }
    if ((value = header_value(data, n, "ETag")) != NULL) {
        g_free(t->etag);
        t->etag = value;
    } else if ((value = header_value(data, n, "Content-Type")) != NULL) {
        g_free(t->content_type);
        t->content_type = value;
    } else if ((value = header_value(data, n, "Retry-After")) != NULL) {
        g_free(t->retry_after);
        t->retry_after = value;
    } else if ((value = header_value(data, n, "Location")) != NULL) {
        g_free(t->location);
        t->location = value;
    } else if ((value = header_value(data, n, "Date")) != NULL) {
        g_free(t->date);
        t->date = value;
    } else if ((value = header_value(data, n, "WWW-Authenticate")) != NULL) {
        char *joined = g_strjoin(", ", t->www_authenticate ? t->www_authenticate : "", value, NULL);
        g_free(value);
        g_free(t->www_authenticate);
        t->www_authenticate = joined;
    }
    return n;
}

/* Where the value of the first secret header in @line starts (just past
 * its colon), or NULL. "authorization" also finds proxy-authorization and
 * "cookie" set-cookie; the name may sit anywhere, as libcurl's HTTP/2 notes
 * put it inside brackets ("h2h3 [authorization: ...]", 8.x
 * "[HTTP/2] [1] [authorization: ...]"). */
static const char *
secret_value(const char *line)
{
    static const char *const secret[] = {"authorization", "cookie"};
    const char *first = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(secret); i++) {
        gsize n = strlen(secret[i]);

        for (const char *p = line; *p; p++) {
            const char *q = p + n;

            if (g_ascii_strncasecmp(p, secret[i], n) != 0)
                continue;
            while (*q == ' ' || *q == '\t')
                q++;
            if (*q == ':') {
                if (first == NULL || q + 1 < first)
                    first = q + 1;
                break;
            }
        }
    }
    return first;
}

char *
ny_http_trace_redact(const char *line)
{
    const char *value;

    g_return_val_if_fail(line != NULL, NULL);
    value = secret_value(line);
    if (value == NULL)
        return g_strdup(line);
    return g_strdup_printf("%.*s [redacted]", (int)(value - line), line);
}

/* -v -v: headers and libcurl's notes, never bodies (they hold event titles),
 * never credentials. */
static int
debug_cb(CURL *curl, curl_infotype type, char *data, size_t size, void *user)
{
    NyHttp *http = user;
    const char *mark;
    g_autofree char *text = NULL;
    g_auto(GStrv) lines = NULL;

    (void)curl;
    switch (type) {
    case CURLINFO_TEXT:
        mark = "* ";
        break;
    case CURLINFO_HEADER_IN:
        mark = "< ";
        break;
    case CURLINFO_HEADER_OUT:
        mark = "> ";
        break;
    default:
        return 0;
    }
    text = g_strndup(data, size);
    lines = g_strsplit_set(text, "\r\n", -1);
    for (char **l = lines; *l; l++) {
        g_autofree char *redacted = NULL;
        g_autofree char *line = NULL;

        if (**l == '\0')
            continue;
        redacted = ny_http_trace_redact(*l);
        line = g_strdup_printf("%s%s", mark, redacted);
        http->trace(line, http->trace_data);
    }
    return 0;
}

/* doc/sync-and-cache.md, "HTTP rules": libcurl does not check the netrc's mode. */
static gboolean
netrc_path(char **out_path, GError **error)
{
    g_autofree char *path = g_build_filename(g_get_home_dir(), ".netrc", NULL);
    struct stat st;

    if (stat(path, &st) != 0) {
        *out_path = NULL;
        return TRUE;
    }
    if ((st.st_mode & 077) != 0) {
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                    "refusing '%s': other users can read it (chmod 600 it)", path);
        return FALSE;
    }
    *out_path = g_steal_pointer(&path);
    return TRUE;
}

static void
set_curl_error(NyHttp *http, CURLcode rc, const Received *t, const char *url, const char *errbuf,
               GError **error)
{
    g_autofree char *shown = url_display(url);
    g_autofree char *host = url_host(url);
    const char *why = errbuf[0] ? errbuf : curl_easy_strerror(rc);

    switch (rc) {
    case CURLE_WRITE_ERROR:
    case CURLE_FILESIZE_EXCEEDED:
        if (t->too_big || rc == CURLE_FILESIZE_EXCEEDED) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                        "response from '%s' exceeds the limit of %" G_GSIZE_FORMAT " MiB", shown,
                        http->max_body / (1024 * 1024));
            return;
        }
        break;
    case CURLE_OPERATION_TIMEDOUT:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK, "'%s' did not answer in time: %s",
                    host ? host : shown, why);
        return;
    case CURLE_COULDNT_RESOLVE_HOST:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK, "cannot resolve '%s'",
                    host ? host : shown);
        return;
    case CURLE_COULDNT_CONNECT:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK, "cannot connect to '%s': %s",
                    shown, why);
        return;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CACERT_BADFILE:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK,
                    "TLS verification failed for '%s': %s", host ? host : shown, why);
        return;
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK,
                    "response from '%s' was cut short: %s", shown, why);
        return;
    case CURLE_UNSUPPORTED_PROTOCOL:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                    "'%s' is not an http or https URL", shown);
        return;
    default:
        break;
    }
    g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK, "request to '%s' failed: %s", shown,
                why);
}

/* RFC 9110 10.2.3: Retry-After is delay-seconds or an HTTP-date. A date
 * is measured against the response's own Date header, so no clock is
 * read here; without one the delay is unknown (-1). */
static gint64
retry_after_seconds(const char *value, const char *date)
{
    guint64 seconds = 0;
    time_t when;
    time_t base;

    if (value == NULL)
        return -1;
    if (g_ascii_string_to_unsigned(value, 10, 0, G_MAXINT32, &seconds, NULL))
        return (gint64)seconds;
    if (date == NULL)
        return -1;
    when = curl_getdate(value, NULL);
    base = curl_getdate(date, NULL);
    if (when < 0 || base < 0)
        return -1;
    /* Dates up to year 2^31 parse: clamp like delay-seconds, so the
     * arithmetic on it cannot overflow. */
    return CLAMP((gint64)when - (gint64)base, 0, G_MAXINT32);
}

void
ny_http_transfer_free(NyHttpTransfer *t)
{
    if (t == NULL)
        return;
    if (t->curl != NULL)
        curl_easy_cleanup(t->curl);
    curl_slist_free_all(t->headers);
    received_clear(&t->received);
    g_free(t->method);
    g_free(t->url);
    g_free(t->depth);
    g_free(t->content_type);
    g_free(t->condition);
    if (t->body != NULL)
        g_bytes_unref(t->body);
    g_free(t->first_origin);
    g_free(t->current);
    ny_http_response_free(t->response);
    g_clear_error(&t->error);
    g_free(t);
}

gpointer
ny_http_transfer_get_user_data(const NyHttpTransfer *t)
{
    g_return_val_if_fail(t != NULL, NULL);
    return t->user_data;
}

NyHttpResponse *
ny_http_transfer_finish(NyHttpTransfer *t, GError **error)
{
    g_return_val_if_fail(t != NULL && t->done, NULL);
    if (t->response == NULL) {
        g_propagate_error(error, g_steal_pointer(&t->error));
        return NULL;
    }
    return g_steal_pointer(&t->response);
}

/* The end of a transfer: it waits in the done queue to be taken. */
static void
transfer_complete(NyHttpTransfer *t)
{
    NyHttpMulti *m = t->http->multi;

    g_ptr_array_remove(m->busy, t);
    t->done = TRUE;
    g_queue_push_tail(&m->done, t);
}

/* Sets up the easy handle for the next hop, to t->current; FALSE when the
 * rules forbid it. */
static gboolean
hop_setup(NyHttpTransfer *t, GError **error)
{
    NyHttp *http = t->http;
    CURL *c = t->curl;
    const char *url = t->current;
    const char *depth = t->depth;
    g_autofree char *origin = url_origin(url);
    g_autofree char *netrc = NULL;
    gint64 left_ms = (http->deadline - g_get_monotonic_time()) / 1000;
    gboolean credentials;

    if (origin == NULL ||
        (!g_str_has_prefix(url, "http://") && !g_str_has_prefix(url, "https://"))) {
        g_autofree char *shown = url_display(url);
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                    "'%s' is not an http or https URL", shown);
        return FALSE;
    }
    /* libcurl would send a user:password in the URL as credentials, past
     * every rule below (origin, plain http): never. */
    if (ny_http_url_has_userinfo(url)) {
        g_autofree char *shown = url_display(url);
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                    "refusing '%s': it has a user name or password in it", shown);
        return FALSE;
    }
    if (left_ms <= 0) {
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK,
                    "gave up on '%s': the %u s deadline passed", origin, http->deadline_seconds);
        return FALSE;
    }

    /* Credentials belong to the configured origin, and over https to its
     * site (ny_http_credentials_may_follow()). */
    credentials = has_credentials(http) && http->credentials_url != NULL &&
                  ny_http_credentials_may_follow(http->credentials_url, url);
    if (credentials && g_str_has_prefix(url, "http://") && !http->allow_insecure_http &&
        !ny_http_url_is_loopback(url)) {
        g_autofree char *host = url_host(url);
        if (http->token != NULL)
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "refusing to send the token over plain http to '%s' "
                        "(use https, or set allow_insecure_http=true)",
                        host ? host : origin);
        else
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "refusing to send the password for '%s' over plain http to '%s' "
                        "(use https, or set allow_insecure_http=true)",
                        http->username, host ? host : origin);
        return FALSE;
    }
    if (credentials && http->token == NULL && http->password == NULL && http->use_netrc) {
        if (!netrc_path(&netrc, error))
            return FALSE;
    }

    /* The handle is out of the multi: what the last hop used can go. */
    curl_easy_reset(c);
    g_clear_pointer(&t->headers, curl_slist_free_all);
    received_clear(&t->received);
    t->received.http = http;
    t->received.body = g_byte_array_new();
    t->errbuf[0] = '\0';
    t->sent_digest = FALSE;
    t->sent_credentials = credentials;
    t->token_generation = http->token_generation;
    curl_easy_setopt(c, CURLOPT_PRIVATE, t);
    curl_easy_setopt(c, CURLOPT_SHARE, http->multi->tls);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "notyet/" NY_VERSION);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, (long)http->connect_timeout);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, (long)NY_HTTP_LOW_SPEED_LIMIT);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, (long)http->low_speed_time);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)left_ms);
    curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)http->max_body);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t->received);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t->received);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, http->insecure ? 0L : 1L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, http->insecure ? 0L : 2L);
    if (http->trace != NULL) {
        curl_easy_setopt(c, CURLOPT_DEBUGFUNCTION, debug_cb);
        curl_easy_setopt(c, CURLOPT_DEBUGDATA, http);
        curl_easy_setopt(c, CURLOPT_VERBOSE, 1L);
    }
    if (credentials && http->token != NULL) {
        /* RFC 6750 2.1 */
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
        curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, http->token);
        curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    } else if (credentials) {
        curl_easy_setopt(c, CURLOPT_USERNAME, http->username);
        if (http->password != NULL)
            curl_easy_setopt(c, CURLOPT_PASSWORD, http->password);
        else if (netrc != NULL) {
            curl_easy_setopt(c, CURLOPT_NETRC, (long)CURL_NETRC_OPTIONAL);
            curl_easy_setopt(c, CURLOPT_NETRC_FILE, netrc);
        }
        /* Basic is sent up front (Radicale needs it even with auth=none);
         * Digest once the server asked for it. */
        t->sent_digest = http->digest;
        curl_easy_setopt(c, CURLOPT_HTTPAUTH, http->digest ? CURLAUTH_DIGEST : CURLAUTH_BASIC);
        curl_easy_setopt(c, CURLOPT_UNRESTRICTED_AUTH, 0L);
    }

    /* Radicale reads a chunked body as empty: always a sized body. */
    t->headers = curl_slist_append(t->headers, "Expect:");
    if (strcmp(t->method, "GET") == 0 && t->body == NULL) {
        curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    } else {
        gsize len = 0;
        const char *data = t->body ? g_bytes_get_data(t->body, &len) : "";

        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, data ? data : "");
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, t->method);
    }
    if (depth == NULL && (strcmp(t->method, "PROPFIND") == 0 || strcmp(t->method, "REPORT") == 0))
        depth = "0";
    if (depth != NULL) {
        g_autofree char *h = g_strdup_printf("Depth: %s", depth);
        t->headers = curl_slist_append(t->headers, h);
    }
    if (t->content_type != NULL) {
        g_autofree char *h = g_strdup_printf("Content-Type: %s", t->content_type);
        t->headers = curl_slist_append(t->headers, h);
    }
    /* RFC 9110 13.1.2: a cached feed is fetched again only when it changed. */
    if (http->if_none_match != NULL && strcmp(t->method, "GET") == 0) {
        g_autofree char *h = g_strdup_printf("If-None-Match: %s", http->if_none_match);
        t->headers = curl_slist_append(t->headers, h);
    }
    if (t->condition != NULL)
        t->headers = curl_slist_append(t->headers, t->condition);
    /* A DELETE has no body: no Content-Type either (libcurl would send
     * its form type). */
    if (t->body == NULL && t->content_type == NULL && strcmp(t->method, "GET") != 0)
        t->headers = curl_slist_append(t->headers, "Content-Type:");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->headers);
    return TRUE;
}

/* Starts the next hop, or completes the transfer with the reason it cannot. */
static void
hop_start(NyHttpTransfer *t)
{
    NyHttpMulti *m = t->http->multi;
    CURLMcode mc;

    t->wake_at = 0;
    if (!hop_setup(t, &t->error)) {
        transfer_complete(t);
        return;
    }
    mc = curl_multi_add_handle(m->multi, t->curl);
    if (mc != CURLM_OK) {
        g_set_error(&t->error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED, "cannot start a request: %s",
                    curl_multi_strerror(mc));
        transfer_complete(t);
    }
}

typedef enum {
    HOP_DONE,   /* the response is the answer */
    HOP_AGAIN,  /* another hop now (a redirect, or Digest) */
    HOP_WAIT,   /* another hop after t->wake_at (Retry-After) */
    HOP_FAILED, /* refused: *error is set */
} HopNext;

/* What a completed hop leads to, by the rules of ny_http_request(). */
static HopNext
hop_next(NyHttpTransfer *t, const NyHttpResponse *response, GError **error)
{
    NyHttp *http = t->http;
    const char *challenge = t->received.www_authenticate;
    char *location = NULL;
    guint s = response->status;

    /* A 401 naming Digest when Basic was sent: once more with Digest. Only
     * a hop that carried the credentials can say how they are wanted: a
     * challenge from any other host changes nothing. */
    /* A 401 to a Bearer token: token_command once more, for the session
     * (RFC 6750 3.1, invalid_token: the token expired). */
    if (s == 401 && t->sent_credentials && http->token != NULL) {
        char *fresh;

        /* Another request in flight already got a fresh one: use it. */
        if (t->token_generation != http->token_generation && !t->token_retried) {
            t->token_retried = TRUE;
            return HOP_AGAIN;
        }
        if (http->refresh_token == NULL || http->token_refreshed)
            return HOP_DONE;
        http->token_refreshed = TRUE;
        fresh = http->refresh_token(http->refresh_data, error);
        if (fresh == NULL)
            return HOP_FAILED;
        ny_http_secret_free(http->token);
        http->token = fresh;
        http->token_generation++;
        return HOP_AGAIN;
    }
    if (s == 401 && !t->sent_digest && !t->digest_tried && t->sent_credentials &&
        http->token == NULL && challenge != NULL && strstr(challenge, "igest") != NULL) {
        http->digest = TRUE;
        t->digest_tried = TRUE;
        return HOP_AGAIN;
    }
    /* 429 or 503 with Retry-After: wait once when the wait ends at least
     * a second before the deadline; else the caller's error says when.
     * Compared in seconds: nothing to overflow. */
    if ((s == 429 || s == 503) && !t->waited && response->retry_after >= 0 &&
        response->retry_after < (http->deadline - g_get_monotonic_time()) / G_USEC_PER_SEC - 1) {
        if (http->trace != NULL) {
            g_autofree char *line = g_strdup_printf(
                "%u: waiting %" G_GINT64_FORMAT " s as Retry-After asks", s, response->retry_after);
            http->trace(line, http->trace_data);
        }
        t->waited = TRUE;
        t->wake_at = g_get_monotonic_time() + response->retry_after * G_USEC_PER_SEC;
        return HOP_WAIT;
    }
    curl_easy_getinfo(t->curl, CURLINFO_REDIRECT_URL, &location);
    if ((s == 301 || s == 302 || s == 303 || s == 307 || s == 308) && location != NULL) {
        g_autofree char *origin = url_origin(location);
        g_autofree char *from = url_display(t->current);
        g_autofree char *to = url_display(location);
        g_autofree char *asked = url_display(t->url);

        if (!g_str_has_prefix(location, "http://") && !g_str_has_prefix(location, "https://")) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                        "'%s' redirected to '%s': refusing a non-http(s) redirect", from, to);
            return HOP_FAILED;
        }
        /* The header as sent: libcurl's resolved URL carries the session's
         * own user name and password in it. */
        if (t->received.location != NULL && ny_http_url_has_userinfo(t->received.location)) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                        "'%s' redirected to '%s' with a user name or password in it: refusing",
                        from, to);
            return HOP_FAILED;
        }
        /* Same origin only: never another host, port, or https -> http. */
        if (origin == NULL || t->first_origin == NULL || strcmp(origin, t->first_origin) != 0) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                        "'%s' redirected to another server '%s': refusing", from,
                        origin ? origin : to);
            return HOP_FAILED;
        }
        if (++t->redirects > NY_HTTP_MAX_REDIRECTS) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                        "too many redirects from '%s' (more than %d)", asked,
                        NY_HTTP_MAX_REDIRECTS);
            return HOP_FAILED;
        }
        g_free(t->current);
        t->current = g_steal_pointer(&to);
        return HOP_AGAIN;
    }
    return HOP_DONE;
}

/* A hop's transfer ended with @rc: its response, then what follows. */
static void
hop_done(NyHttpTransfer *t, CURLcode rc)
{
    NyHttp *http = t->http;
    g_autoptr(NyHttpResponse) response = NULL;
    long status = 0;
    char *effective = NULL;

    if (rc != CURLE_OK) {
        set_curl_error(http, rc, &t->received, t->current, t->errbuf, &t->error);
        transfer_complete(t);
        return;
    }
    curl_easy_getinfo(t->curl, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(t->curl, CURLINFO_EFFECTIVE_URL, &effective);
    response = g_new0(NyHttpResponse, 1);
    response->status = (guint)status;
    response->body = g_byte_array_free_to_bytes(g_steal_pointer(&t->received.body));
    response->etag = g_steal_pointer(&t->received.etag);
    response->content_type = g_steal_pointer(&t->received.content_type);
    response->url = g_strdup(effective ? effective : t->current);
    response->retry_after = retry_after_seconds(t->received.retry_after, t->received.date);
    response->sent_credentials = t->sent_credentials;
    response->waited = t->waited;

    switch (hop_next(t, response, &t->error)) {
    case HOP_AGAIN:
        hop_start(t);
        return;
    case HOP_WAIT:
        return;
    case HOP_DONE:
        t->response = g_steal_pointer(&response);
        break;
    case HOP_FAILED:
        break;
    }
    transfer_complete(t);
}

static NyHttpTransfer *
transfer_start(NyHttp *http, const char *method, const char *url, const char *depth,
               const char *content_type, GBytes *body, const char *condition, gpointer user_data)
{
    NyHttpTransfer *t = g_new0(NyHttpTransfer, 1);

    t->http = http;
    t->user_data = user_data;
    t->method = g_strdup(method);
    t->url = g_strdup(url);
    t->depth = g_strdup(depth);
    t->content_type = g_strdup(content_type);
    t->body = body ? g_bytes_ref(body) : NULL;
    t->condition = g_strdup(condition);
    t->first_origin = url_origin(url);
    t->current = g_strdup(url);
    t->curl = curl_easy_init();
    g_ptr_array_add(http->multi->busy, t);
    hop_start(t);
    return t;
}

void
ny_http_request_start(NyHttp *http, const char *method, const char *url, const char *depth,
                      const char *content_type, GBytes *body, gpointer user_data)
{
    g_return_if_fail(http != NULL && method != NULL && url != NULL);
    transfer_start(http, method, url, depth, content_type, body, NULL, user_data);
}

/* Every transfer in flight fails: the multi handle itself broke. */
static void
multi_fail(NyHttpMulti *m, CURLMcode mc)
{
    while (m->busy->len > 0) {
        NyHttpTransfer *t = g_ptr_array_index(m->busy, 0);
        g_autofree char *shown = url_display(t->url);

        if (t->wake_at == 0)
            curl_multi_remove_handle(m->multi, t->curl);
        g_set_error(&t->error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED, "request to '%s' failed: %s",
                    shown, curl_multi_strerror(mc));
        transfer_complete(t);
    }
}

/* Starts the parked transfers whose time has come; returns how long until
 * the next one, in milliseconds (at most @longest). */
static int
wake_parked(NyHttpMulti *m, int longest)
{
    gint64 now = g_get_monotonic_time();
    int wait = longest;

    for (guint i = 0; i < m->busy->len;) {
        NyHttpTransfer *t = g_ptr_array_index(m->busy, i);

        if (t->wake_at != 0 && t->wake_at <= now) {
            hop_start(t); /* may complete it: it leaves busy */
            i = 0;
            continue;
        }
        if (t->wake_at != 0)
            wait = (int)MIN((gint64)wait, (t->wake_at - now + 999) / 1000);
        i++;
    }
    return wait;
}

static gboolean
multi_finished(const NyHttpMulti *m, const NyHttpTransfer *until)
{
    return until != NULL ? until->done : m->done.length > 0;
}

/* Runs the transfers of @m until @until is complete (NULL: any transfer),
 * or none is left. */
static void
multi_run(NyHttpMulti *m, const NyHttpTransfer *until)
{
    while (!multi_finished(m, until) && m->busy->len > 0) {
        int running = 0;
        int left = 0;
        int wait;
        CURLMsg *msg;
        CURLMcode mc = curl_multi_perform(m->multi, &running);

        if (mc != CURLM_OK) {
            multi_fail(m, mc);
            return;
        }
        while ((msg = curl_multi_info_read(m->multi, &left)) != NULL) {
            CURL *easy = msg->easy_handle;
            CURLcode rc = msg->data.result;
            char *t = NULL;

            if (msg->msg != CURLMSG_DONE)
                continue;
            curl_easy_getinfo(easy, CURLINFO_PRIVATE, &t);
            curl_multi_remove_handle(m->multi, easy);
            hop_done((NyHttpTransfer *)t, rc);
        }
        wait = wake_parked(m, 1000);
        if (multi_finished(m, until))
            return;
        /* curl shortens the wait to its own next timeout (0 for a transfer
         * just added). */
        mc = curl_multi_poll(m->multi, NULL, 0, wait, NULL);
        if (mc != CURLM_OK) {
            multi_fail(m, mc);
            return;
        }
    }
}

NyHttpTransfer *
ny_http_multi_next(NyHttpMulti *multi)
{
    g_return_val_if_fail(multi != NULL, NULL);
    multi_run(multi, NULL);
    return g_queue_pop_head(&multi->done);
}

NyHttpResponse *
ny_http_request(NyHttp *http, const char *method, const char *url, const char *depth,
                const char *content_type, GBytes *body, GError **error)
{
    g_autoptr(NyHttpTransfer) t = NULL;

    g_return_val_if_fail(http != NULL && method != NULL && url != NULL, NULL);
    t = transfer_start(http, method, url, depth, content_type, body, NULL, NULL);
    multi_run(http->multi, t);
    g_queue_remove(&http->multi->done, t);
    return ny_http_transfer_finish(t, error);
}

NyHttpResponse *
ny_http_request_conditional(NyHttp *http, const char *method, const char *url,
                            const char *content_type, GBytes *body, const char *if_match,
                            gboolean if_none_match, GError **error)
{
    g_autoptr(NyHttpTransfer) t = NULL;
    g_autofree char *condition = NULL;

    g_return_val_if_fail(http != NULL && method != NULL && url != NULL, NULL);
    g_return_val_if_fail(if_match == NULL || !if_none_match, NULL);
    /* An ETag as the server sent it, quotes and all; a line break in it
     * would start a header of its own. */
    if (if_match != NULL && (*if_match == '\0' || strpbrk(if_match, "\r\n") != NULL)) {
        g_autofree char *shown = url_display(url);
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                    "refusing to write '%s': its ETag is not one header value", shown);
        return NULL;
    }
    if (if_match != NULL)
        condition = g_strdup_printf("If-Match: %s", if_match);
    else if (if_none_match)
        condition = g_strdup("If-None-Match: *");
    t = transfer_start(http, method, url, NULL, content_type, body, condition, NULL);
    multi_run(http->multi, t);
    g_queue_remove(&http->multi->done, t);
    return ny_http_transfer_finish(t, error);
}

gboolean
ny_http_response_check(NyHttp *http, const NyHttpResponse *response, GError **error)
{
    guint s = response->status;
    g_autofree char *shown = url_display(response->url);
    g_autofree char *host = url_host(response->url);

    if (s >= 200 && s < 300)
        return TRUE;
    switch (s) {
    case 401:
        if (http != NULL && has_credentials(http) && !response->sent_credentials)
            /* Another site: the URL as the server gave it (scheme, host,
             * port, path) and the line that makes it the configured one. */
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "'%s' asks for a login, but credentials are only sent to '%s' and, over "
                        "https, to hosts of its own domain; if '%s' is your server, write "
                        "url=%s in the calendar's group",
                        shown, http->origin ? http->origin : "the configured url",
                        host ? host : shown, shown);
        else if (http != NULL && http->token != NULL)
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "authentication failed for the token sent to '%s' (also with a fresh "
                        "one): check token_command",
                        host ? host : shown);
        else if (http != NULL && http->username != NULL)
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "authentication failed for '%s@%s': check username and %s", http->username,
                        host ? host : "",
                        http->password != NULL ? "password_command" : "the password in ~/.netrc");
        else
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH,
                        "'%s' requires a login: set username and password_command (or "
                        "token_command for a Bearer token)",
                        host ? host : shown);
        return FALSE;
    case 403:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH, "access to '%s' denied (403)", shown);
        return FALSE;
    case 404:
    case 410:
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_NOT_FOUND, "'%s' not found (%u)", shown, s);
        return FALSE;
    case 429:
    case 503:
        if (response->retry_after >= 0 && response->waited) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED,
                        "'%s' is still %s (%u) after one wait; it asks to retry in "
                        "%" G_GINT64_FORMAT " seconds",
                        host ? host : shown, s == 429 ? "rate limiting requests" : "unavailable", s,
                        response->retry_after);
        } else if (response->retry_after >= 0) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED,
                        "'%s' is %s (%u); it asks to retry in %" G_GINT64_FORMAT
                        " seconds, more than the time left",
                        host ? host : shown, s == 429 ? "rate limiting requests" : "unavailable", s,
                        response->retry_after);
        } else if (s == 429) {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED,
                        "'%s' is rate limiting requests (429); try again later",
                        host ? host : shown);
        } else {
            g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED,
                        "server error 503 for '%s' (unavailable); try again later", shown);
        }
        return FALSE;
    default:
        break;
    }
    if (s >= 300 && s < 400)
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL,
                    "'%s' answered a redirect (%u) without a usable location", shown, s);
    else if (s >= 500)
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED, "server error %u for '%s'", s,
                    shown);
    else
        g_set_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_FAILED, "unexpected status %u for '%s'", s,
                    shown);
    return FALSE;
}

/* A feed's session: without a credentials_url, its credentials belong to
 * the feed's own origin. */
static NyHttp *
feed_session(const char *url, const NyHttpOptions *options)
{
    NyHttpOptions copy = {0};

    if (options == NULL || options->credentials_url != NULL)
        return ny_http_new(options);
    copy = *options;
    copy.credentials_url = url;
    return ny_http_new(&copy);
}

GBytes *
ny_http_get_conditional(const char *url, const NyHttpOptions *options, const char *etag,
                        gboolean *out_not_modified, char **out_etag, GError **error)
{
    g_autoptr(NyHttp) http = feed_session(url, options);
    g_autoptr(NyHttpResponse) response = NULL;

    g_return_val_if_fail(out_not_modified != NULL, NULL);
    /* A weak or strong ETag, quoted as the server sent it; a value with a
     * line break would smuggle a header: refused. */
    if (etag != NULL && *etag && strpbrk(etag, "\r\n") == NULL)
        http->if_none_match = g_strdup(etag);
    response = ny_http_request(http, "GET", url, NULL, NULL, NULL, error);
    if (response == NULL)
        return NULL;
    if (response->status == 304 && http->if_none_match != NULL) {
        *out_not_modified = TRUE;
        if (out_etag != NULL)
            *out_etag = g_strdup(etag);
        return g_bytes_new(NULL, 0);
    }
    if (!ny_http_response_check(http, response, error))
        return NULL;
    *out_not_modified = FALSE;
    if (out_etag != NULL)
        *out_etag = g_steal_pointer(&response->etag);
    return g_bytes_ref(response->body);
}

void
ny_http_suggest_offline(GError **error, gint64 synced, gint64 clock, const char *check)
{
    g_autofree char *hint = NULL;
    GError *e;

    if (error == NULL || *error == NULL ||
        !g_error_matches(*error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK))
        return;
    if (synced > 0) {
        g_autofree char *when = ny_time_format_utc(synced);

        hint = g_strdup_printf("; --offline answers from the cache of %s (%" G_GINT64_FORMAT
                               " minutes old)",
                               when, MAX((clock - synced) / 60, 0));
    } else {
        hint = g_strdup_printf("; nothing is cached yet for --offline: check the network and %s",
                               check);
    }
    e = g_error_new(NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK, "%s%s", (*error)->message, hint);
    g_clear_error(error);
    *error = e;
}
