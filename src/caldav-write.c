/* caldav-write.c: conditional writes of notyet's own events
 * (doc/calendar-writes.md).
 *
 * I/O over http.c. Creation never replaces (If-None-Match: *, RFC 4791
 * 5.3.2); a change or a deletion names the ETag notyet last saw (If-Match),
 * so a 412 means someone else changed the event and it is left as it is. */
#include "notyet/caldav.h"

#include <string.h>

#include "notyet/invite.h"
#include "notyet/multistatus.h"

G_DEFINE_QUARK(ny_caldav_write_error, ny_caldav_write_error)

#define ICS_CONTENT_TYPE "text/calendar; charset=utf-8"
#define DAV_CONTENT_TYPE "application/xml; charset=utf-8"

static const char GETETAG_BODY[] = "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                                   "<D:propfind xmlns:D=\"DAV:\"><D:prop><D:getetag/></D:prop>"
                                   "</D:propfind>";

static void
set_http_error(NyHttp *http, const char *method, const NyHttpResponse *response, const char *shown,
               GError **error)
{
    if (!ny_http_response_check(http, response, error))
        g_prefix_error(error, "%s '%s': ", method, shown);
}

/* A refusal the caller acts on, or the transport's own error. */
static void
set_status_error(NyHttp *http, const char *method, const NyHttpResponse *response,
                 const char *shown, GError **error)
{
    guint s = response->status;

    /* 403 (a UID already used elsewhere, RFC 4791 5.3.2.1), 409, 415, 507:
     * the server will not take this text, whoever asks. */
    if (s == 403 || s == 409 || s == 415 || s == 507) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_FAILED,
                    "%s '%s': the server refused the event (%u)", method, shown, s);
        return;
    }
    set_http_error(http, method, response, shown, error);
}

/* The ETag of @url when the PUT gave none (RFC 4791 5.3.4: a server that
 * changed the text on the way in must not send one): a GET, else a
 * PROPFIND of getetag. NULL when the server has none to give. */
static char *
read_etag(NyHttp *http, const char *url, GError **error)
{
    g_autoptr(NyHttpResponse) response = NULL;
    g_autoptr(NyMultistatus) ms = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autofree char *shown = ny_http_url_display(url);
    gsize len = 0;
    const char *data;

    response = ny_http_request(http, "GET", url, NULL, NULL, NULL, error);
    if (response == NULL) {
        g_prefix_error(error, "GET '%s': ", shown);
        return NULL;
    }
    if (response->status >= 200 && response->status < 300 && response->etag != NULL)
        return g_steal_pointer(&response->etag);
    g_clear_pointer(&response, ny_http_response_free);

    body = g_bytes_new_static(GETETAG_BODY, strlen(GETETAG_BODY));
    response = ny_http_request(http, "PROPFIND", url, "0", DAV_CONTENT_TYPE, body, error);
    if (response == NULL) {
        g_prefix_error(error, "PROPFIND '%s': ", shown);
        return NULL;
    }
    if (response->status != 207)
        return NULL;
    data = g_bytes_get_data(response->body, &len);
    ms = ny_multistatus_parse(data ? data : "", len, NULL);
    if (ms == NULL)
        return NULL;
    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        if (r->etag != NULL)
            return g_strdup(r->etag);
    }
    return NULL;
}

/* RFC 9110 13.1.1: If-Match fails on a resource that is not there at all,
 * so a 412 may mean "deleted meanwhile": one GET tells. */
static gboolean
is_gone(NyHttp *http, const char *url)
{
    g_autoptr(NyHttpResponse) response = ny_http_request(http, "GET", url, NULL, NULL, NULL, NULL);

    return response != NULL && (response->status == 404 || response->status == 410);
}

/* After a PUT whose answer was lost (a timeout, a dropped connection):
 * it may have landed. A GET tells: when the resource holds what was sent
 * (ny_invite_same_write(): notyet's marks and this write's own id), the
 * write happened and its ETag is adopted, so a later If-Match does not
 * take our own write for the user's edit. Else @error stays the PUT's. */
static gboolean
landed(NyHttp *http, const char *url, const char *ics, GError **error, char **out_etag)
{
    g_autofree char *text = NULL;
    g_autofree char *etag = NULL;

    if (!g_error_matches(*error, NY_HTTP_ERROR, NY_HTTP_ERROR_NETWORK))
        return FALSE;
    text = ny_caldav_event_fetch(http, url, &etag, NULL);
    if (!ny_invite_same_write(ics, text))
        return FALSE;
    if (etag == NULL)
        etag = read_etag(http, url, NULL);
    g_clear_error(error);
    if (out_etag != NULL)
        *out_etag = g_steal_pointer(&etag);
    return TRUE;
}

/* A PUT's answer: 201 or 204, and the ETag if the server sent one. */
static gboolean
put(NyHttp *http, const char *url, const char *ics, const char *if_match, gboolean if_none_match,
    char **out_etag, GError **error)
{
    g_autoptr(GBytes) body = g_bytes_new(ics, strlen(ics));
    g_autoptr(NyHttpResponse) response = NULL;
    g_autofree char *shown = ny_http_url_display(url);
    g_autofree char *etag = NULL;
    guint s;

    response = ny_http_request_conditional(http, "PUT", url, ICS_CONTENT_TYPE, body, if_match,
                                           if_none_match, error);
    if (response == NULL) {
        if (landed(http, url, ics, error, out_etag))
            return TRUE;
        g_prefix_error(error, "PUT '%s': ", shown);
        return FALSE;
    }
    s = response->status;
    if (s == 412 && if_none_match) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_EXISTS,
                    "PUT '%s': something is there already; nothing was overwritten", shown);
        return FALSE;
    }
    if (s == 412 && !is_gone(http, url)) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_CHANGED,
                    "PUT '%s': the event was changed on the server; it was left as it is", shown);
        return FALSE;
    }
    if ((s == 404 || s == 410 || s == 412) && if_match != NULL) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE,
                    "PUT '%s': the event is no longer on the server", shown);
        return FALSE;
    }
    if (s != 200 && s != 201 && s != 204) {
        if (s >= 200 && s < 300)
            g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_FAILED,
                        "PUT '%s': unexpected status %u", shown, s);
        else
            set_status_error(http, "PUT", response, shown, error);
        return FALSE;
    }
    etag = g_steal_pointer(&response->etag);
    if (etag == NULL && out_etag != NULL) {
        /* Written: a failure to read the ETag back does not undo that. */
        etag = read_etag(http, url, NULL);
    }
    if (out_etag != NULL)
        *out_etag = g_steal_pointer(&etag);
    return TRUE;
}

gboolean
ny_caldav_event_create(NyHttp *http, const char *url, const char *ics, char **out_etag,
                       GError **error)
{
    g_return_val_if_fail(http != NULL && url != NULL && ics != NULL, FALSE);
    return put(http, url, ics, NULL, TRUE, out_etag, error);
}

char *
ny_caldav_event_fetch(NyHttp *http, const char *url, char **out_etag, GError **error)
{
    g_autoptr(NyHttpResponse) response = NULL;
    g_autofree char *shown = ny_http_url_display(url);
    gsize len = 0;
    const char *data;

    g_return_val_if_fail(http != NULL && url != NULL, NULL);
    response = ny_http_request(http, "GET", url, NULL, NULL, NULL, error);
    if (response == NULL) {
        g_prefix_error(error, "GET '%s': ", shown);
        return NULL;
    }
    if (response->status == 404 || response->status == 410) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE,
                    "GET '%s': the event is no longer on the server", shown);
        return NULL;
    }
    if (!ny_http_response_check(http, response, error)) {
        g_prefix_error(error, "GET '%s': ", shown);
        return NULL;
    }
    data = g_bytes_get_data(response->body, &len);
    if (out_etag != NULL)
        *out_etag = g_steal_pointer(&response->etag);
    return g_strndup(data ? data : "", len);
}

/* RFC 9110 8.8.3.2, weak comparison: the same opaque tag, W/ or not.
 * Cyrus answers a PUT with a strong ETag and a gzip'ed GET of the same
 * text with the weak one. */
static gboolean
etag_same(const char *a, const char *b)
{
    if (a == NULL || b == NULL)
        return FALSE;
    if (g_str_has_prefix(a, "W/"))
        a += 2;
    if (g_str_has_prefix(b, "W/"))
        b += 2;
    return strcmp(a, b) == 0;
}

gboolean
ny_caldav_event_check(NyHttp *http, const NyCaldavEvent *event, NyCaldavEventState *out_state,
                      char **out_text, char **out_etag, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autofree char *etag = NULL;
    g_autofree char *text = NULL;
    NyCaldavEventState state;

    g_return_val_if_fail(http != NULL && event != NULL && event->url != NULL, FALSE);
    g_return_val_if_fail(out_state != NULL, FALSE);
    text = ny_caldav_event_fetch(http, event->url, &etag, &local);
    if (text == NULL && g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE))
        state = NY_CALDAV_EVENT_GONE;
    else if (text == NULL) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    } else if (!ny_invite_is_ours(text, event->store_id, event->uid))
        state = NY_CALDAV_EVENT_NOT_OURS;
    else if (etag_same(event->etag, etag))
        state = NY_CALDAV_EVENT_UNCHANGED;
    else
        state = NY_CALDAV_EVENT_EDITED;
    *out_state = state;
    if (out_text != NULL)
        *out_text = g_steal_pointer(&text);
    if (out_etag != NULL)
        *out_etag = g_steal_pointer(&etag);
    return TRUE;
}

/* The ETag to write against, once the event is known to be ours: the
 * caller's, checked against the text it read with it, or read now. */
static char *
owned_etag(NyHttp *http, const NyCaldavEvent *event, const char *method, GError **error)
{
    g_autofree char *shown = ny_http_url_display(event->url);
    g_autofree char *text = NULL;
    g_autofree char *etag = NULL;

    if (event->etag != NULL) {
        if (event->text != NULL && !ny_invite_is_ours(event->text, event->store_id, event->uid)) {
            g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_NOT_OURS,
                        "%s '%s': not an event notyet wrote; left as it is", method, shown);
            return NULL;
        }
        return g_strdup(event->etag);
    }
    text = ny_caldav_event_fetch(http, event->url, &etag, error);
    if (text == NULL)
        return NULL;
    if (!ny_invite_is_ours(text, event->store_id, event->uid)) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_NOT_OURS,
                    "%s '%s': not an event notyet wrote; left as it is", method, shown);
        return NULL;
    }
    if (etag == NULL) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_FAILED,
                    "%s '%s': the server gives no ETag, so the event cannot be changed safely",
                    method, shown);
        return NULL;
    }
    return g_steal_pointer(&etag);
}

gboolean
ny_caldav_event_update(NyHttp *http, const NyCaldavEvent *event, const char *ics, char **out_etag,
                       GError **error)
{
    g_autofree char *etag = NULL;

    g_return_val_if_fail(http != NULL && event != NULL && event->url != NULL && ics != NULL, FALSE);
    etag = owned_etag(http, event, "PUT", error);
    if (etag == NULL)
        return FALSE;
    return put(http, event->url, ics, etag, FALSE, out_etag, error);
}

gboolean
ny_caldav_event_delete(NyHttp *http, const NyCaldavEvent *event, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(NyHttpResponse) response = NULL;
    g_autofree char *shown = NULL;
    g_autofree char *etag = NULL;
    guint s;

    g_return_val_if_fail(http != NULL && event != NULL && event->url != NULL, FALSE);
    shown = ny_http_url_display(event->url);
    etag = owned_etag(http, event, "DELETE", &local);
    if (etag == NULL) {
        /* Already gone is what a deletion wants. */
        if (g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE))
            return TRUE;
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    response =
        ny_http_request_conditional(http, "DELETE", event->url, NULL, NULL, etag, FALSE, error);
    if (response == NULL) {
        g_prefix_error(error, "DELETE '%s': ", shown);
        return FALSE;
    }
    s = response->status;
    if (s == 404 || s == 410)
        return TRUE;
    if (s == 412 && is_gone(http, event->url))
        return TRUE;
    if (s == 412) {
        g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_CHANGED,
                    "DELETE '%s': the event was changed on the server; it was left as it is",
                    shown);
        return FALSE;
    }
    if (s >= 200 && s < 300)
        return TRUE;
    set_status_error(http, "DELETE", response, shown, error);
    return FALSE;
}

char *
ny_caldav_holds_url(const NyCalendarConfig *config, GPtrArray *cached, GError **error)
{
    g_autofree char *abs = NULL;
    g_autoptr(GString) names = g_string_new(NULL);
    const NyCacheCalendar *hit = NULL;
    guint hits = 0;

    g_return_val_if_fail(config != NULL && config->holds != NULL && cached != NULL, NULL);
    abs = ny_http_resolve(config->url, config->holds);
    /* An href names one calendar; a display name may be shared. */
    for (guint i = 0; abs != NULL && hit == NULL && i < cached->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cached, i);
        if (ny_caldav_same_collection(abs, c->href))
            hit = c;
    }
    for (guint i = 0; hit == NULL && i < cached->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cached, i);
        if (c->displayname != NULL && strcmp(c->displayname, config->holds) == 0)
            hits++;
    }
    for (guint i = 0; hit == NULL && hits == 1 && i < cached->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cached, i);
        if (c->displayname != NULL && strcmp(c->displayname, config->holds) == 0)
            hit = c;
    }
    for (guint i = 0; i < cached->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cached, i);
        g_autofree char *shown = ny_http_url_display(c->href);
        g_string_append_printf(names, "%s'%s' (%s)", i ? ", " : "",
                               c->displayname ? c->displayname : "no name", shown);
    }
    if (hits > 1) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                    "calendar '%s': holds=%s: %u calendars have that name, give its href "
                    "(found: %s)",
                    config->name, config->holds, hits, names->str);
        return NULL;
    }
    if (hit == NULL) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                    "calendar '%s': holds=%s: no such calendar on the server (found: %s)",
                    config->name, config->holds, names->len ? names->str : "none");
        return NULL;
    }
    return g_str_has_suffix(hit->href, "/") ? g_strdup(hit->href)
                                            : g_strconcat(hit->href, "/", NULL);
}

void
ny_caldav_written_free(NyCaldavWritten *written)
{
    if (written == NULL)
        return;
    g_free(written->url);
    g_free(written->etag);
    g_free(written);
}

/* Deletes what a failed ny_caldav_holds_create() wrote; the number it
 * could not delete. */
static guint
holds_remove(NyHttp *http, GPtrArray *written, const char *const *uids, const char *store_id)
{
    guint left = 0;

    for (guint i = 0; i < written->len; i++) {
        const NyCaldavWritten *w = g_ptr_array_index(written, i);
        NyCaldavEvent ev = {.url = w->url, .etag = w->etag, .uid = uids[i], .store_id = store_id};

        if (!ny_caldav_event_delete(http, &ev, NULL))
            left++;
    }
    return left;
}

GPtrArray *
ny_caldav_holds_create(NyHttp *http, const char *calendar_url, const char *const *uids,
                       const char *const *texts, guint n, const char *store_id, GError **error)
{
    g_autoptr(GPtrArray) written =
        g_ptr_array_new_with_free_func((GDestroyNotify)ny_caldav_written_free);
    g_autofree char *base = NULL;

    g_return_val_if_fail(http != NULL && calendar_url != NULL && store_id != NULL, NULL);
    g_return_val_if_fail(n == 0 || (uids != NULL && texts != NULL), NULL);
    base = g_str_has_suffix(calendar_url, "/") ? g_strdup(calendar_url)
                                               : g_strconcat(calendar_url, "/", NULL);
    for (guint i = 0; i < n; i++) {
        g_autoptr(NyCaldavWritten) w = g_new0(NyCaldavWritten, 1);
        g_autofree char *name = g_uri_escape_string(uids[i], "@", FALSE);

        w->url = g_strconcat(base, name, ".ics", NULL);
        if (!ny_caldav_event_create(http, w->url, texts[i], &w->etag, error)) {
            guint left = holds_remove(http, written, uids, store_id);
            if (left > 0)
                g_prefix_error(error, "%u written hold%s could not be removed: ", left,
                               left == 1 ? "" : "s");
            return NULL;
        }
        g_ptr_array_add(written, g_steal_pointer(&w));
    }
    return g_steal_pointer(&written);
}

GPtrArray *
ny_caldav_events_between(NyHttp *http, const char *calendar_url, NyTime from, NyTime to,
                         GError **error)
{
    g_autoptr(NyHttpResponse) response = NULL;
    g_autoptr(NyMultistatus) ms = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *shown = ny_http_url_display(calendar_url);
    g_autofree char *start = ny_time_format_basic_utc(from);
    g_autofree char *end = ny_time_format_basic_utc(to);
    g_autofree char *xml = NULL;
    gsize len = 0;
    const char *data;

    g_return_val_if_fail(http != NULL && calendar_url != NULL, NULL);
    /* RFC 4791 7.8.1: the events that overlap [from, to). */
    xml = g_strdup_printf("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
                          "<C:calendar-query xmlns:D=\"DAV:\" "
                          "xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
                          "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
                          "<C:filter><C:comp-filter name=\"VCALENDAR\">"
                          "<C:comp-filter name=\"VEVENT\">"
                          "<C:time-range start=\"%s\" end=\"%s\"/>"
                          "</C:comp-filter></C:comp-filter></C:filter></C:calendar-query>",
                          start, end);
    len = strlen(xml);
    body = g_bytes_new_take(g_steal_pointer(&xml), len);
    response = ny_http_request(http, "REPORT", calendar_url, "1", DAV_CONTENT_TYPE, body, error);
    if (response == NULL) {
        g_prefix_error(error, "REPORT '%s': ", shown);
        return NULL;
    }
    if (response->status != 207) {
        set_http_error(http, "REPORT", response, shown, error);
        if (error != NULL && *error == NULL)
            g_set_error(error, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_FAILED,
                        "REPORT '%s': the server could not list the events (%u)", shown,
                        response->status);
        return NULL;
    }
    data = g_bytes_get_data(response->body, &len);
    ms = ny_multistatus_parse(data ? data : "", len, error);
    if (ms == NULL) {
        g_prefix_error(error, "REPORT '%s': ", shown);
        return NULL;
    }
    for (guint i = 0; i < ms->responses->len; i++) {
        const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
        if (r->calendar_data != NULL)
            g_ptr_array_add(texts, g_strdup(r->calendar_data));
    }
    return g_steal_pointer(&texts);
}
