/* Unit tests for where CalDAV discovery starts (src/caldav-srv.c): DNS SRV
 * and TXT records (RFC 6764 3 and 4) from a GResolver of the test's own,
 * so the machine's DNS is never asked or changed. */
#include <string.h>

#include "notyet/caldav.h"

/* One SRV record of the fake DNS. */
typedef struct {
    const char *rrname;
    const char *target;
    guint16 port, priority, weight;
} Srv;

/* One TXT record: its strings, NULL-terminated. */
typedef struct {
    const char *rrname;
    const char *const *strings;
} Txt;

/* What the fake DNS holds and saw: set by each test. */
static const Srv *srv_records;
static const Txt *txt_records;
static gboolean never_answer;
static GPtrArray *asked; /* (element-type utf8) every name looked up, "SRV name" or "TXT name" */

typedef struct {
    GResolver parent;
} FakeResolver;

typedef struct {
    GResolverClass parent_class;
} FakeResolverClass;

GType fake_resolver_get_type(void);
G_DEFINE_TYPE(FakeResolver, fake_resolver, G_TYPE_RESOLVER)

static void
free_targets(gpointer list)
{
    g_list_free_full(list, (GDestroyNotify)g_srv_target_free);
}

static void
free_records(gpointer list)
{
    g_list_free_full(list, (GDestroyNotify)g_variant_unref);
}

static void
on_cancelled(GCancellable *cancellable, gpointer data)
{
    (void)cancellable;
    g_task_return_new_error(data, G_IO_ERROR, G_IO_ERROR_CANCELLED, "cancelled");
}

/* A lookup that answers only when cancelled. */
static gboolean
hang(GTask *task, GCancellable *cancellable)
{
    if (!never_answer)
        return FALSE;
    g_assert_nonnull(cancellable);
    g_cancellable_connect(cancellable, G_CALLBACK(on_cancelled), g_object_ref(task),
                          g_object_unref);
    return TRUE;
}

static void
fake_lookup_service_async(GResolver *resolver, const char *rrname, GCancellable *cancellable,
                          GAsyncReadyCallback callback, gpointer data)
{
    g_autoptr(GTask) task = g_task_new(resolver, cancellable, callback, data);
    GList *list = NULL;

    g_ptr_array_add(asked, g_strconcat("SRV ", rrname, NULL));
    if (hang(task, cancellable))
        return;
    for (const Srv *s = srv_records; s != NULL && s->rrname != NULL; s++) {
        if (strcmp(s->rrname, rrname) == 0)
            list =
                g_list_append(list, g_srv_target_new(s->target, s->port, s->priority, s->weight));
    }
    if (list == NULL)
        g_task_return_new_error(task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                                "no SRV record for %s", rrname);
    else
        g_task_return_pointer(task, list, free_targets);
}

static GList *
fake_lookup_service_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
    (void)resolver;
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
fake_lookup_records_async(GResolver *resolver, const char *rrname, GResolverRecordType type,
                          GCancellable *cancellable, GAsyncReadyCallback callback, gpointer data)
{
    g_autoptr(GTask) task = g_task_new(resolver, cancellable, callback, data);
    GList *list = NULL;

    g_assert_cmpint(type, ==, G_RESOLVER_RECORD_TXT);
    g_ptr_array_add(asked, g_strconcat("TXT ", rrname, NULL));
    if (hang(task, cancellable))
        return;
    for (const Txt *t = txt_records; t != NULL && t->rrname != NULL; t++) {
        if (strcmp(t->rrname, rrname) == 0)
            list = g_list_append(list, g_variant_ref_sink(g_variant_new(
                                           "(@as)", g_variant_new_strv(t->strings, -1))));
    }
    if (list == NULL)
        g_task_return_new_error(task, G_RESOLVER_ERROR, G_RESOLVER_ERROR_NOT_FOUND,
                                "no TXT record for %s", rrname);
    else
        g_task_return_pointer(task, list, free_records);
}

static GList *
fake_lookup_records_finish(GResolver *resolver, GAsyncResult *result, GError **error)
{
    (void)resolver;
    return g_task_propagate_pointer(G_TASK(result), error);
}

static void
fake_resolver_init(FakeResolver *self)
{
    (void)self;
}

static void
fake_resolver_class_init(FakeResolverClass *klass)
{
    GResolverClass *r = G_RESOLVER_CLASS(klass);

    r->lookup_service_async = fake_lookup_service_async;
    r->lookup_service_finish = fake_lookup_service_finish;
    r->lookup_records_async = fake_lookup_records_async;
    r->lookup_records_finish = fake_lookup_records_finish;
}

/* ny_caldav_start_url() with the fake DNS holding @srv and @txt; what it
 * asked is in `asked`. */
static char *
start_url(const Srv *srv, const Txt *txt, const char *answer, guint timeout, gboolean *out_srv)
{
    g_autoptr(GResolver) resolver = g_object_new(fake_resolver_get_type(), NULL);

    srv_records = srv;
    txt_records = txt;
    g_ptr_array_set_size(asked, 0);
    return ny_caldav_start_url(resolver, answer, timeout, out_srv);
}

static void
assert_asked(const char *const *want)
{
    g_assert_cmpuint(asked->len, ==, g_strv_length((char **)want));
    for (guint i = 0; i < asked->len; i++)
        g_assert_cmpstr(g_ptr_array_index(asked, i), ==, want[i]);
}

static const char *const dav_path[] = {"txtvers=1", "path=relative", "path=/dav/cal/", NULL};

/* The lowest priority wins, with the TXT record's path= (RFC 6764 4): a
 * path that does not start with "/" and other keys are passed over. */
static void
test_srv_and_txt(void)
{
    static const Srv srv[] = {
        {"_caldavs._tcp.example.com", "far.example.com", 8443, 20, 100},
        {"_caldavs._tcp.example.com", "near.example.com", 443, 10, 0},
        {"_caldavs._tcp.example.com", "other.example.com", 9443, 30, 65535},
        {"_caldavs._tcp.example.org", "wrong.example.org", 443, 0, 0},
        {NULL, NULL, 0, 0, 0},
    };
    static const Txt txt[] = {
        {"_caldavs._tcp.example.com", dav_path},
        {NULL, NULL},
    };
    static const char *const want[] = {"SRV _caldavs._tcp.example.com",
                                       "TXT _caldavs._tcp.example.com", NULL};
    gboolean from_srv = FALSE;
    g_autofree char *url = start_url(srv, txt, "example.com", 5, &from_srv);

    g_assert_cmpstr(url, ==, "https://near.example.com:443/dav/cal/");
    g_assert_true(from_srv);
    assert_asked(want);
}

/* Among records of one priority the weight chooses (RFC 2782); a record of
 * a higher priority is never taken while a lower one exists. */
static void
test_priority_before_weight(void)
{
    static const Srv srv[] = {
        {"_caldavs._tcp.example.com", "backup.example.com", 443, 5, 65535},
        {"_caldavs._tcp.example.com", "a.example.com", 8443, 1, 10},
        {"_caldavs._tcp.example.com", "b.example.com", 8443, 1, 30},
        {NULL, NULL, 0, 0, 0},
    };
    gboolean seen_a = FALSE, seen_b = FALSE;

    /* Both of priority 1 come up, the weights permitting; backup never. */
    for (int i = 0; i < 200 && !(seen_a && seen_b); i++) {
        g_autofree char *url = start_url(srv, NULL, "example.com", 5, NULL);

        if (strcmp(url, "https://a.example.com:8443/") == 0)
            seen_a = TRUE;
        else if (strcmp(url, "https://b.example.com:8443/") == 0)
            seen_b = TRUE;
        else
            g_assert_cmpstr(url, ==, "one of priority 1");
    }
    g_assert_true(seen_a && seen_b);
}

/* No SRV record: https://DOMAIN/, whose /.well-known/caldav discovery
 * asks next; no TXT lookup. A _caldav._tcp (plain http) record alone is
 * not looked for, and a target of "." offers no service (RFC 2782). */
static void
test_no_record_falls_back_to_well_known(void)
{
    static const Srv plain[] = {
        {"_caldav._tcp.example.com", "plain.example.com", 80, 0, 0},
        {NULL, NULL, 0, 0, 0},
    };
    static const Srv none[] = {
        {"_caldavs._tcp.example.com", ".", 0, 0, 0},
        {NULL, NULL, 0, 0, 0},
    };
    static const char *const want[] = {"SRV _caldavs._tcp.example.com", NULL};
    gboolean from_srv = TRUE;
    g_autofree char *url = start_url(NULL, NULL, "example.com", 5, &from_srv);
    g_autofree char *url_plain = NULL;
    g_autofree char *url_none = NULL;

    g_assert_cmpstr(url, ==, "https://example.com/");
    g_assert_false(from_srv);
    assert_asked(want);
    url_plain = start_url(plain, NULL, "example.com", 5, &from_srv);
    g_assert_cmpstr(url_plain, ==, "https://example.com/");
    g_assert_false(from_srv);
    assert_asked(want);
    url_none = start_url(none, NULL, "example.com", 5, &from_srv);
    g_assert_cmpstr(url_none, ==, "https://example.com/");
    g_assert_false(from_srv);
}

/* An SRV record without a TXT record: the root path. */
static void
test_srv_without_txt(void)
{
    static const Srv srv[] = {
        {"_caldavs._tcp.example.com", "dav.example.com", 443, 0, 0},
        {NULL, NULL, 0, 0, 0},
    };
    g_autofree char *url = start_url(srv, NULL, "example.com", 5, NULL);

    g_assert_cmpstr(url, ==, "https://dav.example.com:443/");
}

/* A URL, a host with a port, an address, localhost or a single label: no
 * DNS lookup at all. */
static void
test_no_lookup(void)
{
    static const struct {
        const char *answer, *url;
    } cases[] = {
        {"https://dav.example.com", "https://dav.example.com/"},
        {"http://127.0.0.1:5232/alice/", "http://127.0.0.1:5232/alice/"},
        {"https://example.com/dav", "https://example.com/dav"},
        {"example.com:8443", "https://example.com:8443/"},
        {"192.0.2.7", "https://192.0.2.7/"},
        {"localhost", "https://localhost/"},
        {"calendar", "https://calendar/"},
    };
    static const char *const nothing[] = {NULL};

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        gboolean from_srv = TRUE;
        g_autofree char *url = start_url(NULL, NULL, cases[i].answer, 5, &from_srv);

        g_assert_cmpstr(url, ==, cases[i].url);
        g_assert_false(from_srv);
        assert_asked(nothing);
    }
}

/* A target DNS could use to rewrite the URL around the host (dn_expand()
 * passes '/', '?', '#', ':' and '@' through), an empty label or a port of 0
 * is passed over for the next record of the sort; with none left,
 * https://DOMAIN/ and its /.well-known/caldav. */
static void
test_hostile_targets(void)
{
    static const char *const hostile[] = {
        "evil/x?",        "evil.com#", "evil.com:80",  "user@evil.com",
        "a..example.com", "a b.com",   "evil.com/x?y", "_srv.example.com",
    };
    static const Srv port_zero[] = {
        {"_caldavs._tcp.example.com", "zero.example.com", 0, 1, 0},
        {"_caldavs._tcp.example.com", "next.example.com", 8443, 2, 0},
        {NULL, NULL, 0, 0, 0},
    };
    g_autofree char *url_zero = NULL;

    for (gsize i = 0; i < G_N_ELEMENTS(hostile); i++) {
        const Srv alone[] = {
            {"_caldavs._tcp.example.com", hostile[i], 443, 0, 0},
            {NULL, NULL, 0, 0, 0},
        };
        const Srv then_good[] = {
            {"_caldavs._tcp.example.com", hostile[i], 443, 0, 0},
            {"_caldavs._tcp.example.com", "good.example.com", 443, 10, 0},
            {NULL, NULL, 0, 0, 0},
        };
        gboolean from_srv = TRUE;
        g_autofree char *url = start_url(alone, NULL, "example.com", 5, &from_srv);
        g_autofree char *url_next = NULL;

        g_test_message("target %s", hostile[i]);
        g_assert_cmpstr(url, ==, "https://example.com/");
        g_assert_false(from_srv);
        url_next = start_url(then_good, NULL, "example.com", 5, &from_srv);
        g_assert_cmpstr(url_next, ==, "https://good.example.com:443/");
        g_assert_true(from_srv);
    }
    url_zero = start_url(port_zero, NULL, "example.com", 5, NULL);
    g_assert_cmpstr(url_zero, ==, "https://next.example.com:8443/");
}

/* A TXT path= is escaped into the URL's path: a space, '#' or '?' cannot
 * end the path or start a query. */
static void
test_hostile_txt_path(void)
{
    static const Srv srv[] = {
        {"_caldavs._tcp.example.com", "dav.example.com", 443, 0, 0},
        {NULL, NULL, 0, 0, 0},
    };
    static const char *const strings[] = {"path=/my cal/#x?y=1", NULL};
    static const Txt txt[] = {
        {"_caldavs._tcp.example.com", strings},
        {NULL, NULL},
    };
    g_autofree char *url = start_url(srv, txt, "example.com", 5, NULL);

    g_assert_cmpstr(url, ==, "https://dav.example.com:443/my%20cal/%23x%3Fy%3D1");
}

/* A target within the named domain's site goes ahead; one outside it (a
 * spoofed record, or a hosting provider) is for the user to confirm. */
static void
test_url_in_domain(void)
{
    static const struct {
        const char *url, *domain;
        gboolean in;
    } cases[] = {
        {"https://dav.example.com:443/", "example.com", TRUE},
        {"https://example.com:8443/dav/", "example.com", TRUE},
        {"https://DAV.Example.COM:443/", "example.com", TRUE},
        {"https://a.b.example.com:443/", "cal.example.com", TRUE},
        {"https://dav.example.co.uk:443/", "example.co.uk", TRUE},
        {"https://caldav.fastmail.com:443/", "example.com", FALSE},
        {"https://example.com.evil.net:443/", "example.com", FALSE},
        {"https://evilexample.com:443/", "example.com", FALSE},
        {"https://other.co.uk:443/", "example.co.uk", FALSE},
        /* A public suffix has no site of its own. */
        {"https://bob.github.io:443/", "alice.github.io", FALSE},
        {"https://evil.github.io:443/", "github.io", FALSE},
        {"https://192.0.2.7:443/", "example.com", FALSE},
        {"not a url", "example.com", FALSE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("%s for %s", cases[i].url, cases[i].domain);
        g_assert_cmpint(ny_caldav_url_in_domain(cases[i].url, cases[i].domain), ==, cases[i].in);
    }
}

/* DNS that never answers is given up after the timeout: https://DOMAIN/. */
static void
test_no_answer(void)
{
    gboolean from_srv = TRUE;
    g_autofree char *url = NULL;

    never_answer = TRUE;
    url = start_url(NULL, NULL, "example.com", 1, &from_srv);
    never_answer = FALSE;
    g_assert_cmpstr(url, ==, "https://example.com/");
    g_assert_false(from_srv);
}

int
main(int argc, char **argv)
{
    int rc;

    g_test_init(&argc, &argv, NULL);
    asked = g_ptr_array_new_with_free_func(g_free);
    g_test_add_func("/srv/srv-and-txt", test_srv_and_txt);
    g_test_add_func("/srv/priority-before-weight", test_priority_before_weight);
    g_test_add_func("/srv/no-record", test_no_record_falls_back_to_well_known);
    g_test_add_func("/srv/without-txt", test_srv_without_txt);
    g_test_add_func("/srv/no-lookup", test_no_lookup);
    g_test_add_func("/srv/no-answer", test_no_answer);
    g_test_add_func("/srv/hostile-targets", test_hostile_targets);
    g_test_add_func("/srv/hostile-txt-path", test_hostile_txt_path);
    g_test_add_func("/srv/url-in-domain", test_url_in_domain);
    rc = g_test_run();
    g_ptr_array_unref(asked);
    return rc;
}
