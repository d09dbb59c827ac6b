/* caldav.c: discovery and sync of CalDAV calendars into the cache.
 *
 * The server is asked for data only, never for free/busy arithmetic
 * (doc/sync-and-cache.md, "Data, never arithmetic"): Radicale has no free-busy-query and Xandikos
 * does not expand recurrences, so every object is mirrored; src/sources.c feeds the cached text to
 * the busy computation. Nothing here reads iCalendar.
 */
#include "notyet/caldav.h"

#include <stdarg.h>
#include <string.h>

#include "notyet/credentials.h"
#include "notyet/multistatus.h"

G_DEFINE_QUARK(ny_caldav_error, ny_caldav_error)

#define MULTIGET_BATCH 50

#define XML_HEAD "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
#define NS_ALL                                                                                     \
    "xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\" "                                  \
    "xmlns:CS=\"http://calendarserver.org/ns/\" xmlns:I=\"http://apple.com/ns/ical/\""

/* What discovery and the calendar listing ask for (RFC 4791 5.2.3, RFC 6578
 * 4, RFC 5397, and the CalendarServer getctag extension). getctag is asked
 * only until the server gave sync-tokens: the ctag is only read without
 * one, and servers compute it on every request (about 40% of Radicale's
 * answer for 20,000 objects, bench/caldav.py). The first request of a
 * discovery asks for the calendar home too, for a URL that is its own
 * principal (Radicale's /alice/): one PROPFIND of it, not two. */
#define PROPFIND(home, ctag)                                                                       \
    XML_HEAD "<D:propfind " NS_ALL "><D:prop><D:resourcetype/><D:current-user-principal/>" home    \
             "<D:displayname/><C:supported-calendar-component-set/>" ctag                          \
             "<D:sync-token/><I:calendar-color/></D:prop></D:propfind>"
#define HOME_SET "<C:calendar-home-set/>"
#define CTAG "<CS:getctag/>"
static const char propfind_calendar[] = PROPFIND("", CTAG);
static const char propfind_calendar_no_ctag[] = PROPFIND("", "");
static const char propfind_first[] = PROPFIND(HOME_SET, CTAG);
static const char propfind_first_no_ctag[] = PROPFIND(HOME_SET, "");
static const char propfind_home[] =
    XML_HEAD "<D:propfind " NS_ALL "><D:prop><C:calendar-home-set/></D:prop></D:propfind>";
static const char propfind_etags[] =
    XML_HEAD "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:resourcetype/><D:getetag/></D:prop>"
             "</D:propfind>";

typedef struct {
    const NyCalendarConfig *config;
    NyHttp *http;
    NyHttpMulti *multi; /* the session's */
    NyCache *cache;
    NyCaldavStats *stats;
    NyTime clock; /* the real clock: when the sync happened */
    char *home;   /* the calendar home discovery ended at, or NULL */
    const NyCaldavOptions *options;
} Sync;

static void progress(Sync *s, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
progress(Sync *s, const char *format, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    if (s->options == NULL || s->options->progress == NULL)
        return;
    va_start(ap, format);
    text = g_strdup_vprintf(format, ap);
    va_end(ap);
    s->options->progress(text, s->options->progress_data);
}

static void
sync_clear(Sync *s)
{
    g_free(s->home);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Sync, sync_clear)

/* One calendar found on the server. */
typedef struct {
    char *url;   /* absolute, with a trailing slash */
    char *shown; /* url for messages: never a user name or password */
    char *displayname;
    char *color;
    char *ctag;
    char *sync_token;
    gboolean events; /* takes VEVENT: a tasks-only calendar is listed, never used */
    gboolean used;
} Found;

static void
found_free(gpointer data)
{
    Found *f = data;

    g_free(f->url);
    g_free(f->shown);
    g_free(f->displayname);
    g_free(f->color);
    g_free(f->ctag);
    g_free(f->sync_token);
    g_free(f);
}

static char *
with_slash(const char *url)
{
    return g_str_has_suffix(url, "/") ? g_strdup(url) : g_strconcat(url, "/", NULL);
}

gboolean
ny_caldav_same_collection(const char *a, const char *b)
{
    gsize la = strlen(a);
    gsize lb = strlen(b);

    while (la > 0 && a[la - 1] == '/')
        la--;
    while (lb > 0 && b[lb - 1] == '/')
        lb--;
    return la == lb && strncmp(a, b, la) == 0;
}

#define DAV_CONTENT_TYPE "application/xml; charset=utf-8"

/* The checks every DAV answer gets: a 2xx, a 207, and a multistatus that
 * parses. */
static NyMultistatus *
dav_parse(NyHttp *http, const char *method, const char *url, const NyHttpResponse *response,
          GError **error)
{
    NyMultistatus *ms;
    gsize len = 0;
    const char *data;
    g_autofree char *shown = ny_http_url_display(url);

    if (!ny_http_response_check(http, response, error))
        return NULL;
    if (response->status != 207) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                    "%s '%s': expected a 207 multistatus, got %u (%s)", method, shown,
                    response->status,
                    response->content_type ? response->content_type : "no content type");
        return NULL;
    }
    data = g_bytes_get_data(response->body, &len);
    ms = ny_multistatus_parse(data ? data : "", len, error);
    if (ms == NULL)
        g_prefix_error(error, "%s '%s': ", method, shown);
    return ms;
}

/* A DAV request that must answer 207; *out_status gets the HTTP status
 * (0 on a transport error). */
static NyMultistatus *
dav(Sync *s, const char *method, const char *url, const char *depth, const char *body,
    guint *out_status, GError **error)
{
    g_autoptr(GBytes) bytes = g_bytes_new_static(body, strlen(body));
    g_autoptr(NyHttpResponse) response = NULL;

    if (out_status != NULL)
        *out_status = 0;
    s->stats->requests++;
    response = ny_http_request(s->http, method, url, depth, DAV_CONTENT_TYPE, bytes, error);
    if (response == NULL)
        return NULL;
    if (out_status != NULL)
        *out_status = response->status;
    return dav_parse(s->http, method, url, response, error);
}

static const NyDavResponse *
first_ok(const NyMultistatus *ms)
{
    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        if (r->status == 0 || (r->status >= 200 && r->status < 300))
            return r;
    }
    return NULL;
}

static gboolean
path_is_root(const char *url)
{
    const char *p = strstr(url, "://");

    if (p == NULL)
        return FALSE;
    p = strchr(p + 3, '/');
    return p == NULL || strcmp(p, "/") == 0;
}

static Found *
found_new(const NyDavResponse *r, const char *url)
{
    Found *f = g_new0(Found, 1);

    f->url = with_slash(url);
    f->shown = ny_http_url_display(f->url);
    f->displayname = g_strdup(r->displayname);
    f->color = g_strdup(r->color);
    f->ctag = g_strdup(r->ctag);
    f->sync_token = g_strdup(r->sync_token);
    /* RFC 4791 5.2.3: without the property, any component. */
    f->events = !r->has_component_set || r->supports_vevent;
    return f;
}

/* Whether every used calendar of this source that was synced came with a
 * sync-token, and there is one. */
static gboolean
had_sync_tokens(Sync *s)
{
    g_autoptr(GPtrArray) cals = ny_cache_list_calendars(s->cache, s->config->name, NULL);
    guint synced = 0;

    for (guint i = 0; cals != NULL && i < cals->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cals, i);

        if (!c->used || c->last_sync == 0)
            continue;
        if (c->sync_token == NULL || *c->sync_token == '\0')
            return FALSE;
        synced++;
    }
    return synced > 0;
}

/* PROPFIND Depth 1 on the calendar home: every calendar, also those that
 * take no VEVENT (listed by `calendars`, never used). */
static GPtrArray *
list_home(Sync *s, const char *home_url, gboolean want_ctag, GError **error)
{
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(found_free);
    g_autoptr(NyMultistatus) ms =
        dav(s, "PROPFIND", home_url, "1", want_ctag ? propfind_calendar : propfind_calendar_no_ctag,
            NULL, error);

    if (ms == NULL)
        return NULL;
    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *c = g_ptr_array_index(ms->responses, i);
        g_autofree char *abs = NULL;

        if (c->status != 0 && (c->status < 200 || c->status >= 300))
            continue;
        if (!c->is_calendar)
            continue;
        abs = ny_http_resolve(home_url, c->href);
        if (abs != NULL && ny_http_url_has_userinfo(abs)) {
            /* It would be refused when synced, and shown by 'calendars'. */
            g_autofree char *shown = ny_http_url_display(abs);
            g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                        "the calendar home listed '%s' with a user name or password in it: "
                        "refusing",
                        shown);
            return NULL;
        }
        if (abs != NULL)
            g_ptr_array_add(found, found_new(c, abs));
    }
    return g_steal_pointer(&found);
}

/* The calendars of the home discovery found (@home_url is taken). */
static GPtrArray *
list_found_home(Sync *s, char *home_url, gboolean want_ctag, GError **error)
{
    g_autofree char *home = home_url;
    GPtrArray *found = list_home(s, home, want_ctag, error);

    if (found != NULL)
        s->home = g_steal_pointer(&home);
    return found;
}

/* RFC 6764 6: the principal from the URL itself, else from
 * /.well-known/caldav. A URL that is a calendar is used as it is. */
static GPtrArray *
discover(Sync *s, GError **error)
{
    const char *url = s->config->url;
    g_autofree char *shown = ny_http_url_display(url);
    g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func(found_free);
    g_autoptr(NyMultistatus) ms = NULL;
    g_autoptr(GError) local_error = NULL;
    g_autofree char *principal = NULL;
    g_autofree char *principal_url = NULL;
    g_autofree char *home_url = NULL;
    const NyDavResponse *r;
    guint status = 0;
    g_autofree char *cached_home = ny_cache_get_home(s->cache, s->config->name, url);
    gboolean tokens = had_sync_tokens(s);

    /* The home found last time: one request lists the calendars. */
    if (cached_home != NULL) {
        g_autoptr(GPtrArray) again = list_home(s, cached_home, !tokens, &local_error);

        if (again != NULL && again->len > 0) {
            s->home = g_steal_pointer(&cached_home);
            return g_steal_pointer(&again);
        }
        if (local_error != NULL && local_error->domain == NY_HTTP_ERROR &&
            local_error->code != NY_HTTP_ERROR_NOT_FOUND) {
            g_propagate_error(error, g_steal_pointer(&local_error));
            return NULL;
        }
        g_clear_error(&local_error);
    }

    ms = dav(s, "PROPFIND", url, "0", tokens ? propfind_first_no_ctag : propfind_first, &status,
             &local_error);
    if (ms != NULL && (r = first_ok(ms)) != NULL) {
        if (r->is_calendar) {
            g_ptr_array_add(found, found_new(r, url));
            return g_steal_pointer(&found);
        }
        principal = g_strdup(r->current_user_principal);
        /* The URL is its own principal: its calendar home is known. */
        if (principal != NULL && r->calendar_home_set != NULL) {
            g_autofree char *abs = ny_http_resolve(url, principal);

            if (abs != NULL && ny_caldav_same_collection(abs, url))
                home_url = ny_http_resolve(url, r->calendar_home_set);
        }
    } else if (ms != NULL || status == 404 || status == 410) {
        /* Xandikos reports a missing collection inside a 207. */
        if (!path_is_root(url)) {
            g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                        "no calendar or CalDAV server at '%s' (not found)", shown);
            return NULL;
        }
    } else if (status != 405 && status != 501) {
        g_propagate_error(error, g_steal_pointer(&local_error));
        return NULL;
    }
    g_clear_pointer(&ms, ny_multistatus_free);
    g_clear_error(&local_error);

    if (principal == NULL) {
        g_autofree char *wk = ny_http_resolve(url, "/.well-known/caldav");

        ms = dav(s, "PROPFIND", wk, "0", propfind_calendar, &status, &local_error);
        if (ms == NULL || (r = first_ok(ms)) == NULL || r->current_user_principal == NULL) {
            if (local_error != NULL && local_error->domain == NY_HTTP_ERROR &&
                local_error->code != NY_HTTP_ERROR_NOT_FOUND) {
                g_propagate_error(error, g_steal_pointer(&local_error));
                return NULL;
            }
            g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                        "no CalDAV service found at '%s' (no current-user-principal, "
                        "no /.well-known/caldav)",
                        shown);
            return NULL;
        }
        principal = g_strdup(r->current_user_principal);
        g_clear_pointer(&ms, ny_multistatus_free);
    }

    if (home_url != NULL)
        return list_found_home(s, g_steal_pointer(&home_url), !tokens, error);
    principal_url = ny_http_resolve(url, principal);
    if (principal_url == NULL) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                    "'%s' named an unusable principal '%s'", shown, principal);
        return NULL;
    }
    ms = dav(s, "PROPFIND", principal_url, "0", propfind_home, NULL, error);
    if (ms == NULL)
        return NULL;
    r = first_ok(ms);
    /* RFC 4791 6.2.1; without it, the principal holds the calendars. */
    home_url = ny_http_resolve(principal_url,
                               r && r->calendar_home_set ? r->calendar_home_set : principal_url);
    g_clear_pointer(&ms, ny_multistatus_free);
    if (home_url == NULL) {
        g_autofree char *from = ny_http_url_display(principal_url);
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                    "'%s' named an unusable calendar home", from);
        return NULL;
    }

    return list_found_home(s, g_steal_pointer(&home_url), !tokens, error);
}

/* holds= is read as a busy source too, in calendars= or not: another
 * store's holds on it are busy time, and the sync after a write sees them
 * (doc/calendar-writes.md, "Holds"). A display name shared by two
 * calendars marks neither: ny_caldav_holds_url() refuses it. */
static void
select_holds(Sync *s, GPtrArray *found)
{
    const char *holds = s->config->holds;
    g_autofree char *abs = NULL;
    Found *by_name = NULL;
    guint names = 0;

    if (holds == NULL)
        return;
    abs = ny_http_resolve(s->config->url, holds);
    for (guint i = 0; i < found->len; i++) {
        Found *f = g_ptr_array_index(found, i);
        if (abs != NULL && ny_caldav_same_collection(abs, f->url)) {
            f->used = TRUE;
            return;
        }
        if (f->displayname != NULL && strcmp(f->displayname, holds) == 0) {
            by_name = f;
            names++;
        }
    }
    if (names == 1)
        by_name->used = TRUE;
}

/* calendars= selects by display name or href (doc/notyet-config.5). */
static gboolean
select_calendars(Sync *s, GPtrArray *found, GError **error)
{
    char **wanted = s->config->calendars;

    for (guint i = 0; i < found->len; i++) {
        Found *f = g_ptr_array_index(found, i);
        f->used = wanted == NULL && f->events;
    }
    if (wanted == NULL)
        return TRUE;
    select_holds(s, found);
    for (char **w = wanted; *w; w++) {
        g_autofree char *abs = ny_http_resolve(s->config->url, *w);
        gboolean hit = FALSE;

        for (guint i = 0; i < found->len; i++) {
            Found *f = g_ptr_array_index(found, i);
            if ((f->displayname && strcmp(f->displayname, *w) == 0) ||
                (abs && ny_caldav_same_collection(abs, f->url))) {
                if (!f->events) {
                    g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                                "calendars=: '%s' takes no events (a task list?); remove it "
                                "from calendars=",
                                *w);
                    return FALSE;
                }
                f->used = TRUE;
                hit = TRUE;
            }
        }
        if (!hit) {
            g_autoptr(GString) names = g_string_new(NULL);
            for (guint i = 0; i < found->len; i++) {
                Found *f = g_ptr_array_index(found, i);
                g_string_append_printf(names, "%s'%s'", i ? ", " : "",
                                       f->displayname ? f->displayname : f->shown);
            }
            g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                        "calendars=: no calendar '%s' on the server (found: %s)", *w,
                        names->len ? names->str : "none");
            return FALSE;
        }
    }
    return TRUE;
}

/* One object fetched. */
typedef struct {
    char *href;
    char *etag;
    char *ics;
} Put;

static void
put_free(gpointer data)
{
    Put *p = data;

    g_free(p->href);
    g_free(p->etag);
    g_free(p->ics);
    g_free(p);
}

/* The request a job waits on. */
typedef enum {
    JOB_LIST,     /* sync-collection REPORT, or PROPFIND of the ETags */
    JOB_QUERY,    /* calendar-query for every object (a first sync) */
    JOB_MULTIGET, /* calendar-multiget for a batch of what changed */
} JobState;

/* One calendar's sync, as a state machine: job_step() takes the answer to
 * its request and sets up the next one, so the calendars of a sync share
 * one multi handle and one thread. The result is applied to the cache
 * afterwards in one transaction, so a failed calendar changes nothing. */
typedef struct {
    /* in */
    const Found *found;
    gint64 id;
    GHashTable *cached; /* href -> ETag in the cache */
    char *token;        /* the cached sync-token, or NULL for everything */
    /* the request in flight */
    JobState state;
    const char *method;
    const char *depth;
    GBytes *body;
    /* the last listing, being fetched */
    GPtrArray *changed;   /* (element-type utf8) hrefs to fetch */
    GHashTable *listed;   /* href -> ETag */
    guint next;           /* changed[next] is the first not asked for yet */
    gboolean try_query;   /* ask for everything in one calendar-query first */
    guint fetched_before; /* stats.fetched before that query */
    gboolean truncated;   /* more changes to list from new_token */
    guint rounds;         /* truncated sync-collection rounds so far */
    gboolean relist;      /* the sync-token was refused: everything is listed again */
    GHashTable *seen;     /* while relisting: every href listed (a set) */
    /* out */
    NyCaldavStats stats;
    GPtrArray *deletes; /* (element-type utf8) hrefs */
    GPtrArray *puts;    /* (element-type Put) */
    char *new_token;
    GError *error;
} Job;

static void
job_free(gpointer data)
{
    Job *job = data;

    g_hash_table_unref(job->cached);
    g_free(job->token);
    if (job->body != NULL)
        g_bytes_unref(job->body);
    g_ptr_array_unref(job->changed);
    g_hash_table_unref(job->listed);
    if (job->seen != NULL)
        g_hash_table_unref(job->seen);
    g_ptr_array_unref(job->deletes);
    g_ptr_array_unref(job->puts);
    g_free(job->new_token);
    g_clear_error(&job->error);
    g_free(job);
}

static void
job_delete(Job *job, const char *href)
{
    g_ptr_array_add(job->deletes, g_strdup(href));
}

/* Sets up the next request (@body is taken). */
static void
job_request(Job *job, JobState state, const char *method, const char *depth, char *body)
{
    job->state = state;
    job->method = method;
    job->depth = depth;
    if (job->body != NULL)
        g_bytes_unref(job->body);
    job->body = g_bytes_new_take(body, strlen(body));
}

/* Lists what changed since @token (NULL or "" for everything) with
 * sync-collection (RFC 6578 3), or every ETag without a sync-token. */
static void
job_list(Job *job, const char *token)
{
    g_autofree char *esc = NULL;

    g_ptr_array_set_size(job->changed, 0);
    g_hash_table_remove_all(job->listed);
    job->next = 0;
    job->truncated = FALSE;
    if (job->found->sync_token == NULL) {
        job_request(job, JOB_LIST, "PROPFIND", "1", g_strdup(propfind_etags));
        return;
    }
    esc = g_markup_escape_text(token ? token : "", -1);
    /* RFC 6578 3.2: Depth 0; sync-level says how deep. */
    job_request(job, JOB_LIST, "REPORT", "0",
                g_strdup_printf(
                    XML_HEAD "<D:sync-collection xmlns:D=\"DAV:\"><D:sync-token>%s</D:sync-token>"
                             "<D:sync-level>1</D:sync-level><D:prop><D:getetag/></D:prop>"
                             "</D:sync-collection>",
                    esc));
}

/* A listed object: fetched when we lack it or its ETag changed. */
static void
job_listed(Job *job, const NyDavResponse *r)
{
    const char *old = g_hash_table_lookup(job->cached, r->href);

    g_hash_table_insert(job->listed, g_strdup(r->href), g_strdup(r->etag));
    if (job->seen != NULL)
        g_hash_table_add(job->seen, g_strdup(r->href));
    if (old == NULL || strcmp(old, r->etag) != 0)
        g_ptr_array_add(job->changed, g_strdup(r->href));
}

/* Without sync-collection: the ETags of every object, compared with ours. */
static void
job_read_etags(Job *job, const NyMultistatus *ms)
{
    const char *url = job->found->url;
    GHashTableIter iter;
    gpointer key;

    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        g_autofree char *abs = ny_http_resolve(url, r->href);

        if (r->is_collection || (abs && ny_caldav_same_collection(abs, url)) || r->etag == NULL)
            continue;
        job_listed(job, r);
    }
    g_hash_table_iter_init(&iter, job->cached);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(job->listed, key)) {
            job_delete(job, key);
            job->stats.deleted++;
        }
    }
}

/* RFC 6578 3: one round of changes; a 507 on the collection itself means
 * there are more from the new token (3.6). */
static void
job_read_changes(Job *job, const NyMultistatus *ms)
{
    const char *url = job->found->url;

    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        g_autofree char *abs = ny_http_resolve(url, r->href);

        if (abs != NULL && ny_caldav_same_collection(abs, url)) {
            if (r->status == 507)
                job->truncated = TRUE;
            continue;
        }
        if (r->status == 404 || r->status == 410) {
            if (g_hash_table_contains(job->cached, r->href)) {
                job_delete(job, r->href);
                job->stats.deleted++;
            }
            continue;
        }
        if (r->is_collection || r->etag == NULL)
            continue;
        job_listed(job, r);
    }
    g_free(job->new_token);
    job->new_token = g_strdup(ms->sync_token ? ms->sync_token : job->found->sync_token);
}

/* What changed: everything at once on a first sync (RFC 4791 7.8, one
 * calendar-query instead of many multiget batches: Radicale pays ~0.1 s per
 * request on a large collection), else in batches. */
static void
job_plan_fetch(Job *job)
{
    job->try_query = g_hash_table_size(job->cached) == 0 && job->puts->len == 0 &&
                     job->changed->len > MULTIGET_BATCH;
}

static void
job_put(Job *job, const char *href, const char *etag, const char *ics)
{
    Put *put = g_new0(Put, 1);

    put->href = g_strdup(href);
    put->etag = g_strdup(etag);
    put->ics = g_strdup(ics);
    g_ptr_array_add(job->puts, put);
    job->stats.fetched++;
}

/* The answer to the one calendar-query. What the listing named and the
 * answer left out (a server that caps a query's answer, or an object added
 * meanwhile) is fetched by calendar-multiget after it, never skipped: the
 * sync-token or ctag is committed only over a complete mirror. */
static void
job_read_query(Job *job, const NyMultistatus *ms)
{
    g_autoptr(GHashTable) got = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) missing = g_ptr_array_new_with_free_func(g_free);

    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);

        if (r->calendar_data != NULL) {
            job_put(job, r->href, r->etag, r->calendar_data);
            g_hash_table_add(got, r->href);
        }
    }
    for (guint i = 0; i < job->changed->len; i++) {
        const char *href = g_ptr_array_index(job->changed, i);

        if (!g_hash_table_contains(got, href))
            g_ptr_array_add(missing, g_strdup(href));
    }
    g_ptr_array_set_size(job->changed, 0);
    for (guint i = 0; i < missing->len; i++)
        g_ptr_array_add(job->changed, g_strdup(g_ptr_array_index(missing, i)));
    job->next = 0;
}

/* calendar-multiget (RFC 4791 7.9): one batch. */
static gboolean
job_read_multiget(Job *job, const NyMultistatus *ms, GError **error)
{
    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        const char *etag = r->etag;

        if (r->status == 404 || r->status == 410) {
            /* Deleted between the listing and the fetch. */
            job_delete(job, r->href);
            continue;
        }
        if (r->calendar_data == NULL) {
            if (r->bad_status != 0 || (r->status != 0 && r->status >= 300)) {
                g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                            "REPORT '%s': the server could not return '%s' (status %u)",
                            job->found->shown, r->href, r->bad_status ? r->bad_status : r->status);
                return FALSE;
            }
            continue;
        }
        if (etag == NULL)
            etag = g_hash_table_lookup(job->listed, r->href);
        job_put(job, r->href, etag, r->calendar_data);
    }
    return TRUE;
}

#define MAX_SYNC_ROUNDS 100

/* After a full listing that replaced a refused sync-token: what the cache
 * holds and the server no longer lists is gone. */
static void
relist_sweep(Job *job)
{
    GHashTableIter iter;
    gpointer key;

    if (job->seen == NULL)
        return;
    g_hash_table_iter_init(&iter, job->cached);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        if (!g_hash_table_contains(job->seen, key)) {
            job_delete(job, key);
            job->stats.deleted++;
        }
    }
    g_clear_pointer(&job->seen, g_hash_table_unref);
}

/* After an answer: the next fetch, the next sync-collection round, or the
 * end (FALSE; with *error on a failure). */
static gboolean
job_next(Job *job, GError **error)
{
    if (job->try_query) {
        job->try_query = FALSE;
        job->fetched_before = job->stats.fetched;
        job_request(job, JOB_QUERY, "REPORT", "1",
                    g_strdup(XML_HEAD "<C:calendar-query " NS_ALL
                                      "><D:prop><D:getetag/><C:calendar-data/></D:prop>"
                                      "<C:filter><C:comp-filter name=\"VCALENDAR\"/></C:filter>"
                                      "</C:calendar-query>"));
        return TRUE;
    }
    if (job->next < job->changed->len) {
        GString *body = g_string_new(XML_HEAD "<C:calendar-multiget " NS_ALL
                                              "><D:prop><D:getetag/><C:calendar-data/></D:prop>");

        for (guint n = 0; job->next < job->changed->len && n < MULTIGET_BATCH; n++) {
            g_autofree char *esc =
                g_markup_escape_text(g_ptr_array_index(job->changed, job->next++), -1);
            g_string_append_printf(body, "<D:href>%s</D:href>", esc);
        }
        g_string_append(body, "</C:calendar-multiget>");
        job_request(job, JOB_MULTIGET, "REPORT", "1", g_string_free(body, FALSE));
        return TRUE;
    }
    if (!job->truncated) {
        relist_sweep(job);
        return FALSE;
    }
    if (++job->rounds == MAX_SYNC_ROUNDS) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL,
                    "REPORT '%s': sync-collection still truncated after %d rounds",
                    job->found->shown, MAX_SYNC_ROUNDS);
        return FALSE;
    }
    job_list(job, job->new_token);
    return TRUE;
}

/* An expired sync-token: Radicale 403, Xandikos 500, RFC 6578 409. */
static gboolean
job_token_refused(const Job *job, const NyHttpResponse *response)
{
    guint s = response ? response->status : 0;

    return job->state == JOB_LIST && job->found->sync_token != NULL && !job->relist &&
           job->token != NULL && *job->token && (s == 403 || s == 409 || s >= 500);
}

/* Advances @job with the answer to its request. Returns TRUE when the next
 * request is set up, FALSE when the job is over (job->error on a failure). */
static gboolean
job_step(NyHttp *http, Job *job, NyHttpTransfer *transfer)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(NyHttpResponse) response = ny_http_transfer_finish(transfer, &local_error);
    g_autoptr(NyMultistatus) ms = NULL;

    if (response != NULL)
        ms = dav_parse(http, job->method, job->found->url, response, &local_error);
    if (ms == NULL && job_token_refused(job, response)) {
        /* Everything is listed again (RFC 6578 3.8: an empty token), but
         * only what is missing or whose ETag changed is fetched; what is
         * no longer listed is deleted after the last round. */
        job->stats.full_resync = TRUE;
        job->relist = TRUE;
        job->rounds = 0;
        g_ptr_array_set_size(job->deletes, 0);
        g_ptr_array_set_size(job->puts, 0);
        job->seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        job_list(job, NULL);
        return TRUE;
    }
    if (ms == NULL && job->state == JOB_QUERY &&
        (g_error_matches(local_error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL) ||
         g_error_matches(local_error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_PROTOCOL))) {
        /* Everything at once is too big for the size cap: in batches. */
        g_clear_error(&local_error);
        g_ptr_array_set_size(job->puts, 0);
        job->stats.fetched = job->fetched_before;
    } else if (ms != NULL) {
        switch (job->state) {
        case JOB_LIST:
            if (job->found->sync_token == NULL)
                job_read_etags(job, ms);
            else
                job_read_changes(job, ms);
            job_plan_fetch(job);
            break;
        case JOB_QUERY:
            job_read_query(job, ms);
            break;
        case JOB_MULTIGET:
            job_read_multiget(job, ms, &local_error);
            break;
        }
    }
    if (local_error == NULL && job_next(job, &local_error))
        return TRUE;
    job->error = g_steal_pointer(&local_error);
    return FALSE;
}

/* Applies a finished job in one transaction. */
static gboolean
job_apply(Sync *s, Job *job, GError **error)
{
    gboolean ok = ny_cache_begin(s->cache, error);

    if (!ok)
        return FALSE;
    for (guint i = 0; ok && i < job->deletes->len; i++)
        ok = ny_cache_delete_object(s->cache, job->id, g_ptr_array_index(job->deletes, i), error);
    for (guint i = 0; ok && i < job->puts->len; i++) {
        const Put *p = g_ptr_array_index(job->puts, i);
        ok = ny_cache_put_object(s->cache, job->id, p->href, p->etag, p->ics, error);
    }
    if (ok)
        ok = ny_cache_calendar_set_synced(s->cache, job->id, job->found->ctag, job->new_token,
                                          s->clock, error);
    if (!ok) {
        ny_cache_rollback(s->cache);
        return FALSE;
    }
    return ny_cache_commit(s->cache, error);
}

static void
stats_add(NyCaldavStats *to, const NyCaldavStats *from)
{
    to->requests += from->requests;
    to->fetched += from->fetched;
    to->deleted += from->deleted;
    to->full_resync = to->full_resync || from->full_resync;
}

/* Calendars with a request in flight at once, and connections open at once;
 * bench/caldav-parallel.py builds with 1 to compare. */
#ifndef NY_CALDAV_MAX_PARALLEL
#define NY_CALDAV_MAX_PARALLEL 4
#endif

/* Seconds within which an unchanged calendar's sync time is not written
 * again (sync_calendars()). */
#define NY_CALDAV_CONFIRM_GRAIN 60

static void
job_send(Sync *s, Job *job)
{
    job->stats.requests++;
    ny_http_request_start(s->http, job->method, job->found->url, job->depth, DAV_CONTENT_TYPE,
                          job->body, job);
}

/* The network part of the jobs: up to NY_CALDAV_MAX_PARALLEL of them have a
 * request in flight on the session's multi handle, and each answer moves
 * its job one step. */
static void
jobs_run(Sync *s, GPtrArray *jobs)
{
    guint started = 0;
    guint running = 0;

    while (started < jobs->len || running > 0) {
        g_autoptr(NyHttpTransfer) done = NULL;
        Job *job;

        for (; started < jobs->len && running < NY_CALDAV_MAX_PARALLEL; started++, running++) {
            job = g_ptr_array_index(jobs, started);
            job_list(job, job->token);
            job_send(s, job);
        }
        done = ny_http_multi_next(s->multi);
        g_assert(done != NULL); /* running > 0 */
        job = ny_http_transfer_get_user_data(done);
        if (job_step(s->http, job, done))
            job_send(s, job);
        else
            running--;
    }
}

/* Syncs the used calendars: those whose ctag or sync-token did not change
 * cost nothing more; the others run in parallel. */
static gboolean
sync_calendars(Sync *s, GPtrArray *found, GArray *ids, GPtrArray *old, GError **error)
{
    g_autoptr(GPtrArray) jobs = g_ptr_array_new_with_free_func(job_free);
    const GError *first_error = NULL;
    const Job *failed = NULL;

    for (guint i = 0; i < found->len; i++) {
        const Found *f = g_ptr_array_index(found, i);
        const NyCacheCalendar *before = NULL;
        gint64 id = g_array_index(ids, gint64, i);
        Job *job;

        if (!f->used)
            continue;
        s->stats->calendars++;
        for (guint j = 0; j < old->len; j++) {
            const NyCacheCalendar *c = g_ptr_array_index(old, j);
            if (strcmp(c->href, f->url) == 0)
                before = c;
        }
        if (before != NULL && before->last_sync > 0 &&
            ((f->sync_token && before->sync_token &&
              strcmp(f->sync_token, before->sync_token) == 0) ||
             (f->sync_token == NULL && f->ctag && before->ctag &&
              strcmp(f->ctag, before->ctag) == 0))) {
            s->stats->unchanged++;
            /* A confirmation less than NY_CALDAV_CONFIRM_GRAIN after the
             * last one recorded is not written: an unchanged lookup writes
             * nothing, and the age --offline reports is in minutes. */
            if (s->clock >= before->last_sync &&
                s->clock - before->last_sync < NY_CALDAV_CONFIRM_GRAIN)
                continue;
            if (!ny_cache_begin(s->cache, error))
                return FALSE;
            if (!ny_cache_calendar_set_synced(s->cache, id, before->ctag, before->sync_token,
                                              s->clock, error)) {
                ny_cache_rollback(s->cache);
                return FALSE;
            }
            if (!ny_cache_commit(s->cache, error))
                return FALSE;
            continue;
        }
        job = g_new0(Job, 1);
        job->found = f;
        job->id = id;
        job->cached = ny_cache_etags(s->cache, id, error);
        if (job->cached == NULL) {
            g_free(job);
            return FALSE;
        }
        job->token = g_strdup(before && before->last_sync > 0 ? before->sync_token : NULL);
        job->changed = g_ptr_array_new_with_free_func(g_free);
        job->listed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
        job->deletes = g_ptr_array_new_with_free_func(g_free);
        job->puts = g_ptr_array_new_with_free_func(put_free);
        g_ptr_array_add(jobs, job);
    }

    if (jobs->len > 0)
        progress(s, "%s: syncing %u calendar%s", s->config->name, jobs->len,
                 jobs->len == 1 ? "" : "s");
    jobs_run(s, jobs);

    /* Every calendar that synced is applied, even when another failed. */
    for (guint i = 0; i < jobs->len; i++) {
        Job *job = g_ptr_array_index(jobs, i);

        stats_add(s->stats, &job->stats);
        if (job->error != NULL) {
            if (first_error == NULL) {
                first_error = job->error;
                failed = job;
            }
            continue;
        }
        if (!job_apply(s, job, error))
            return FALSE;
        if (s->stats->changed != NULL && (job->puts->len > 0 || job->deletes->len > 0))
            g_array_append_val(s->stats->changed, job->id);
        progress(s, "%s: '%s' %u fetched, %u deleted", s->config->name,
                 job->found->displayname ? job->found->displayname : job->found->shown,
                 job->stats.fetched, job->stats.deleted);
    }
    if (first_error != NULL) {
        g_propagate_prefixed_error(error, g_error_copy(first_error), "'%s': ",
                                   failed->found->displayname ? failed->found->displayname
                                                              : failed->found->shown);
        return FALSE;
    }
    return TRUE;
}

/* The session's first half: the TLS warning, and @config's credentials
 * command started (run once), to run while the caller starts libcurl. */
static gboolean
session_start(const NyCalendarConfig *config, GPtrArray *warnings, NyCredentials *credentials,
              GError **error)
{
    if (config->insecure && warnings != NULL)
        g_ptr_array_add(warnings, g_strdup_printf("calendar '%s': TLS verification is off "
                                                  "(insecure=true)",
                                                  config->name));
    return ny_credentials_start(credentials, config, TRUE, warnings, error);
}

/* The session options of @config: its credentials (the command started by
 * session_start(), read here), TLS and the [limits]; @credentials keeps the
 * secret alive until the session is made. */
static gboolean
session_options(const NyCalendarConfig *config, const NyCaldavOptions *options,
                NyHttpOptions *http_options, NyCredentials *credentials, GError **error)
{
    if (!ny_credentials_finish(credentials, error))
        return FALSE;
    ny_credentials_apply(credentials, http_options);
    /* Credentials go to url='s origin only, whatever the cached home or the
     * server's hrefs name. */
    http_options->credentials_url = config->url;
    http_options->insecure = config->insecure;
    http_options->allow_insecure_http = config->allow_insecure_http;
    if (options != NULL) {
        http_options->trace = options->trace;
        http_options->trace_data = options->trace_data;
        http_options->max_body = options->max_response;
        ny_http_options_set_timeout(http_options, options->http_timeout);
    }
    return TRUE;
}

NyHttp *
ny_caldav_session_new(const NyCalendarConfig *config, const NyCaldavOptions *options,
                      GPtrArray *warnings, GError **error)
{
    NyHttpOptions http_options = {0};
    g_auto(NyCredentials) credentials = {0};

    if (config->url == NULL) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND, "no url= given");
        return NULL;
    }
    if (!session_start(config, warnings, &credentials, error) ||
        !session_options(config, options, &http_options, &credentials, error))
        return NULL;
    return ny_http_new(&http_options);
}

/* Whether the cache already records the calendars @found, their names,
 * colours and use, and the home discovery ended at: then a sync writes
 * nothing for the list (and @ids gets the cached ids, in @found's order). */
static gboolean
list_unchanged(Sync *s, GPtrArray *found, GPtrArray *old, GArray *ids)
{
    g_autofree char *home = NULL;

    if (found->len != old->len)
        return FALSE;
    home = ny_cache_get_home(s->cache, s->config->name, s->config->url);
    if (g_strcmp0(home, s->home) != 0)
        return FALSE;
    for (guint i = 0; i < found->len; i++) {
        const Found *f = g_ptr_array_index(found, i);
        const NyCacheCalendar *match = NULL;

        for (guint j = 0; j < old->len && match == NULL; j++) {
            const NyCacheCalendar *c = g_ptr_array_index(old, j);
            if (strcmp(c->href, f->url) == 0)
                match = c;
        }
        if (match == NULL || g_strcmp0(match->displayname, f->displayname) != 0 ||
            g_strcmp0(match->color, f->color) != 0 || !match->used != !f->used) {
            g_array_set_size(ids, 0);
            return FALSE;
        }
        g_array_append_val(ids, match->id);
    }
    return TRUE;
}

static gboolean
sync_source(const NyCalendarConfig *config, NyCache *cache, const NyCaldavOptions *options,
            NyCaldavStats *stats, GPtrArray *warnings, GError **error)
{
    NyHttpOptions http_options = {0};
    g_auto(NyCredentials) credentials = {0};
    /* Before the session: freed after it. */
    g_autoptr(NyHttpMulti) multi = NULL;
    g_autoptr(NyHttp) http = NULL;
    g_autoptr(GPtrArray) found = NULL;
    g_autoptr(GPtrArray) old = NULL;
    g_autoptr(GPtrArray) hrefs = g_ptr_array_new();
    g_autoptr(GArray) ids = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_auto(Sync) s = {.config = config, .cache = cache, .stats = stats, .options = options};
    gboolean ok;

    if (config->url == NULL) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND, "no url= given");
        return FALSE;
    }
    g_return_val_if_fail(options != NULL && options->clock > 0, FALSE);
    s.clock = options->clock;

    /* The password_command runs while libcurl starts (it loads and
     * configures OpenSSL): the request waits for the later of the two, not
     * for both in turn. */
    if (!session_start(config, warnings, &credentials, error))
        return FALSE;
    multi = ny_http_multi_new(NY_CALDAV_MAX_PARALLEL);
    if (!session_options(config, options, &http_options, &credentials, error))
        return FALSE;
    http_options.multi = multi;
    http = ny_http_new(&http_options);
    s.http = http;
    s.multi = multi;

    progress(&s, "%s: looking for calendars", config->name);
    found = discover(&s, error);
    ok = found != NULL && select_calendars(&s, found, error);

    /* Record what the server has, used or not, in one transaction; none
     * when the cache holds exactly that already. */
    if (ok) {
        old = ny_cache_list_calendars(cache, config->name, error);
        ok = old != NULL;
    }
    if (ok && list_unchanged(&s, found, old, ids))
        return sync_calendars(&s, found, ids, old, error);
    if (ok)
        ok = ny_cache_begin(cache, error);
    for (guint i = 0; ok && i < found->len; i++) {
        Found *f = g_ptr_array_index(found, i);
        gint64 id = ny_cache_calendar_update(cache, config->name, f->url, f->displayname, f->color,
                                             f->used, error);
        ok = id != 0;
        g_array_append_val(ids, id);
        g_ptr_array_add(hrefs, f->url);
    }
    if (ok && (!ny_cache_calendar_retain(cache, config->name, hrefs, error) ||
               !ny_cache_set_home(cache, config->name, config->url, s.home, error) ||
               !ny_cache_commit(cache, error)))
        ok = FALSE;
    if (!ok)
        ny_cache_rollback(cache);
    else
        ok = sync_calendars(&s, found, ids, old, error);
    return ok;
}

gboolean
ny_caldav_sync(const NyCalendarConfig *config, NyCache *cache, const NyCaldavOptions *options,
               NyCaldavStats *stats, GPtrArray *warnings, GError **error)
{
    NyCaldavStats local = {0};

    if (!sync_source(config, cache, options, stats ? stats : &local, warnings, error)) {
        g_autoptr(GPtrArray) cals = ny_cache_list_calendars(cache, config->name, NULL);
        g_autofree char *prefix = g_strdup_printf("calendar '%s': ", config->name);

        ny_http_suggest_offline(error, ny_cache_oldest_sync(cals),
                                options != NULL ? options->clock : 0, "url=");
        /* src/credentials.c names the calendar itself (its errors reach
         * the ics= feeds and the holds session too): once only. */
        if (error != NULL && *error != NULL && !g_str_has_prefix((*error)->message, prefix))
            g_prefix_error(error, "%s", prefix);
        return FALSE;
    }
    return TRUE;
}
