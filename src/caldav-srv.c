/* caldav-srv.c: where CalDAV discovery starts for a domain: DNS SRV and TXT
 * records (RFC 6764 3 and 4) through GResolver (include/notyet/caldav.h,
 * doc/sync-and-cache.md). */
#include <string.h>

#include "notyet/caldav.h"

typedef struct {
    GAsyncResult *result;
} Pending;

static void
lookup_done(GObject *source, GAsyncResult *result, gpointer data)
{
    Pending *p = data;

    (void)source;
    p->result = g_object_ref(result);
}

static gboolean
cancel_lookup(gpointer data)
{
    g_cancellable_cancel(data);
    return G_SOURCE_REMOVE;
}

/* The "path=" of a _caldavs._tcp TXT record (RFC 6764 4), escaped for a
 * URL ("/a b#" is "/a%20b%23"), or NULL. */
static char *
txt_path(GList *records)
{
    for (GList *l = records; l != NULL; l = l->next) {
        g_autoptr(GVariantIter) iter = NULL;
        const char *text;

        g_variant_get(l->data, "(as)", &iter);
        while (g_variant_iter_next(iter, "&s", &text)) {
            if (g_str_has_prefix(text, "path=") && text[5] == '/')
                return g_uri_escape_string(text + 5, "/", FALSE);
        }
    }
    return NULL;
}

/* A host name DNS may put in a URL: labels of letters, digits and '-',
 * none empty or longer than 63, 253 in all. dn_expand() passes '/', '?',
 * '#', ':' and '@' through as they are, so a record could rewrite the URL
 * around the host. */
static gboolean
clean_hostname(const char *host)
{
    gsize label = 0;
    gsize n = strlen(host);

    if (n == 0 || n > 253 || host[0] == '.' || host[n - 1] == '.')
        return FALSE;
    for (const char *c = host; *c != '\0'; c++) {
        if (*c == '.') {
            if (label == 0)
                return FALSE;
            label = 0;
        } else if (g_ascii_isalnum(*c) || *c == '-') {
            if (++label > 63)
                return FALSE;
        } else {
            return FALSE;
        }
    }
    return TRUE;
}

/* RFC 6764 3 and 4: the _caldavs._tcp SRV record's host and port, with the
 * TXT record's path, as an https URL; NULL when there is no such record or
 * DNS did not answer within @timeout_seconds (both lookups together). */
static char *
srv_url(GResolver *resolver, const char *domain, guint timeout_seconds)
{
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GCancellable) cancel = g_cancellable_new();
    g_autoptr(GSource) timeout = g_timeout_source_new_seconds(timeout_seconds);
    GList *targets = NULL; /* (element-type GSrvTarget): freed below */
    g_autolist(GVariant) records = NULL;
    g_autofree char *txt_name = g_strdup_printf("_caldavs._tcp.%s", domain);
    g_autofree char *path = NULL;
    Pending p = {0};
    char *url = NULL;

    g_main_context_push_thread_default(context);
    g_source_set_callback(timeout, cancel_lookup, cancel, NULL);
    g_source_attach(timeout, context);
    g_resolver_lookup_service_async(resolver, "caldavs", "tcp", domain, cancel, lookup_done, &p);
    while (p.result == NULL)
        g_main_context_iteration(context, TRUE);
    targets = g_resolver_lookup_service_finish(resolver, p.result, NULL);
    g_clear_object(&p.result);
    if (targets != NULL) {
        g_resolver_lookup_records_async(resolver, txt_name, G_RESOLVER_RECORD_TXT, cancel,
                                        lookup_done, &p);
        while (p.result == NULL)
            g_main_context_iteration(context, TRUE);
        records = g_resolver_lookup_records_finish(resolver, p.result, NULL);
        g_clear_object(&p.result);
    }
    g_source_destroy(timeout);
    g_main_context_pop_thread_default(context);

    if (targets == NULL)
        return NULL;
    /* RFC 2782: a lone target of "." says the service is not offered, and
     * the sort returns no list at all. */
    targets = g_srv_target_list_sort(targets);
    if (targets == NULL)
        return NULL;
    path = txt_path(records);
    /* In the order of the sort, the first target that is a clean host
     * name with a port: a record that is not one is passed over. */
    for (GList *l = targets; l != NULL && url == NULL; l = l->next) {
        const char *host = g_srv_target_get_hostname(l->data);
        guint16 port = g_srv_target_get_port(l->data);

        if (host != NULL && clean_hostname(host) && port != 0)
            url = g_strdup_printf("https://%s:%u%s", host, port, path ? path : "/");
    }
    g_list_free_full(targets, (GDestroyNotify)g_srv_target_free);
    return url;
}

char *
ny_caldav_start_url(GResolver *resolver, const char *answer, guint timeout_seconds,
                    gboolean *out_srv)
{
    g_autoptr(GResolver) own = NULL;
    char *url;

    g_return_val_if_fail(answer != NULL, NULL);
    if (out_srv != NULL)
        *out_srv = FALSE;
    if (strstr(answer, "://") != NULL)
        return g_str_has_suffix(answer, "/") || strchr(strstr(answer, "://") + 3, '/') != NULL
                   ? g_strdup(answer)
                   : g_strconcat(answer, "/", NULL);
    /* host:port, an address or localhost: no SRV record to ask for. */
    if (strchr(answer, ':') != NULL || g_hostname_is_ip_address(answer) ||
        g_ascii_strcasecmp(answer, "localhost") == 0 || strchr(answer, '.') == NULL)
        return g_strdup_printf("https://%s/", answer);
    if (resolver == NULL)
        resolver = own = g_resolver_get_default();
    url = srv_url(resolver, answer, timeout_seconds);
    if (url != NULL) {
        if (out_srv != NULL)
            *out_srv = TRUE;
        return url;
    }
    return g_strdup_printf("https://%s/", answer);
}

gboolean
ny_caldav_url_in_domain(const char *url, const char *domain)
{
    g_autoptr(GUri) uri = NULL;
    const char *host;

    g_return_val_if_fail(url != NULL && domain != NULL, FALSE);
    uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
    host = uri != NULL ? g_uri_get_host(uri) : NULL;
    return host != NULL && ny_http_hosts_same_site(host, domain);
}
