/* Unit tests for multistatus: real server shapes and hostile XML. */
#include "notyet/multistatus.h"

#include <string.h>

static char *
read_dav(const char *name, gsize *len)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "fixtures", "dav", name, NULL);
    g_autoptr(GError) error = NULL;
    char *data = NULL;

    g_file_get_contents(path, &data, len, &error);
    g_assert_no_error(error);
    return data;
}

static NyMultistatus *
parse_ok(const char *name)
{
    gsize len = 0;
    g_autofree char *data = read_dav(name, &len);
    g_autoptr(GError) error = NULL;
    NyMultistatus *ms = ny_multistatus_parse(data, len, &error);

    g_assert_no_error(error);
    g_assert_nonnull(ms);
    return ms;
}

static const NyDavResponse *
nth(const NyMultistatus *ms, guint i)
{
    g_assert_cmpuint(ms->responses->len, >, i);
    return g_ptr_array_index(ms->responses, i);
}

/* fixtures/dav/cases.txt: every file with its expected outcome. */
static void
test_cases(void)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "fixtures", "dav", "cases.txt", NULL);
    g_autofree char *table = NULL;
    g_auto(GStrv) lines = NULL;
    g_autoptr(GError) error = NULL;
    guint n = 0;

    g_file_get_contents(path, &table, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(table, "\n", -1);
    for (char **l = lines; *l; l++) {
        g_auto(GStrv) f = NULL;
        g_autofree char *data = NULL;
        g_autoptr(NyMultistatus) ms = NULL;
        g_autoptr(GError) perr = NULL;
        gsize len = 0;

        g_strstrip(*l);
        if (**l == '\0' || **l == '#')
            continue;
        f = g_strsplit_set(*l, " \t", -1);
        {
            /* Drop empty fields from repeated blanks. */
            guint k = 0;
            for (guint j = 0; f[j]; j++) {
                if (*f[j])
                    f[k++] = f[j];
                else
                    g_free(f[j]);
            }
            f[k] = NULL;
        }
        g_assert_nonnull(f[1]);
        data = read_dav(f[0], &len);
        ms = ny_multistatus_parse(data, len, &perr);
        g_test_message("%s: %s", f[0], perr ? perr->message : "ok");
        if (strcmp(f[1], "ok") == 0) {
            g_assert_no_error(perr);
            g_assert_nonnull(f[2]);
            g_assert_cmpuint(ms->responses->len, ==, (guint)atoi(f[2]));
        } else if (strcmp(f[1], "invalid") == 0) {
            g_assert_null(ms);
            g_assert_error(perr, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
        } else {
            g_assert_cmpstr(f[1], ==, "not-dav");
            g_assert_null(ms);
            g_assert_error(perr, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_NOT_DAV);
        }
        if (perr != NULL && f[2] != NULL)
            g_assert_nonnull(strstr(perr->message, f[2]));
        n++;
    }
    g_assert_cmpuint(n, >=, 18);
}

static void
test_principal_prefixes(void)
{
    /* Default namespace (Radicale) and generated ns0: prefixes (Xandikos). */
    g_autoptr(NyMultistatus) r = parse_ok("radicale-principal.xml");
    g_autoptr(NyMultistatus) x = parse_ok("xandikos-principal.xml");
    g_autoptr(NyMultistatus) h = parse_ok("xandikos-home-set.xml");

    g_assert_cmpstr(nth(r, 0)->href, ==, "/");
    g_assert_cmpstr(nth(r, 0)->current_user_principal, ==, "/alice/");
    g_assert_cmpstr(nth(x, 0)->current_user_principal, ==, "/user/");
    g_assert_cmpstr(nth(h, 0)->calendar_home_set, ==, "/user/calendars/");
    /* The 404 propstat for the outbox is not a failure. */
    g_assert_cmpuint(nth(h, 0)->bad_status, ==, 0);
}

static void
test_calendar_listing(void)
{
    g_autoptr(NyMultistatus) r = parse_ok("radicale-calendars.xml");
    g_autoptr(NyMultistatus) x = parse_ok("xandikos-calendars.xml");
    const NyDavResponse *home = nth(r, 0);
    const NyDavResponse *work = nth(r, 1);
    const NyDavResponse *tasks = nth(r, 2);
    const NyDavResponse *xwork = nth(x, 1);

    g_assert_true(home->is_principal);
    g_assert_false(home->is_calendar);
    g_assert_null(home->displayname); /* only in a 404 propstat */
    g_assert_cmpstr(work->href, ==, "/alice/work/");
    g_assert_true(work->is_calendar);
    g_assert_true(work->is_collection);
    g_assert_true(work->has_component_set);
    g_assert_true(work->supports_vevent);
    g_assert_cmpstr(work->displayname, ==, "Lab calendar");
    g_assert_cmpstr(work->ctag, ==, "\"eb8f0c1d\"");
    g_assert_cmpstr(work->sync_token, ==, "http://radicale.org/ns/sync/e750aa");
    g_assert_cmpstr(work->color, ==, "#ff0000ff");
    g_assert_true(tasks->is_calendar);
    g_assert_false(tasks->supports_vevent);

    g_assert_false(nth(x, 0)->is_calendar);
    g_assert_true(xwork->is_calendar);
    g_assert_true(xwork->supports_vevent);
    g_assert_cmpstr(xwork->ctag, ==, "735b98");
    g_assert_cmpstr(xwork->sync_token, ==, "735b98");
}

static void
test_sync_collection(void)
{
    /* Radicale puts the token first, Xandikos last. */
    g_autoptr(NyMultistatus) r = parse_ok("radicale-sync.xml");
    g_autoptr(NyMultistatus) x = parse_ok("xandikos-sync.xml");

    g_assert_cmpstr(r->sync_token, ==, "http://radicale.org/ns/sync/f00d");
    g_assert_cmpstr(x->sync_token, ==, "beef01");
    g_assert_cmpstr(nth(r, 0)->etag, ==, "\"abc123\"");
    g_assert_cmpuint(nth(r, 0)->status, ==, 0);
    g_assert_cmpuint(nth(r, 1)->status, ==, 404);
    g_assert_cmpstr(nth(x, 1)->href, ==, "/user/calendars/work/oneoff.ics");
    g_assert_cmpuint(nth(x, 1)->status, ==, 404);
    g_assert_null(nth(x, 1)->etag);
}

static void
test_multiget_data(void)
{
    g_autoptr(NyMultistatus) m = parse_ok("multiget.xml");
    const NyDavResponse *one = nth(m, 0);

    g_assert_cmpstr(one->etag, ==, "\"e1\"");
    g_assert_nonnull(one->calendar_data);
    g_assert_true(g_str_has_prefix(one->calendar_data, "BEGIN:VCALENDAR\r\n"));
    g_assert_nonnull(strstr(one->calendar_data, "UID:oneoff\r\n"));
    g_assert_cmpuint(nth(m, 1)->status, ==, 404);
}

static void
test_partial_failure(void)
{
    g_autoptr(NyMultistatus) m = parse_ok("partial-failure.xml");

    g_assert_cmpuint(nth(m, 0)->bad_status, ==, 0);
    g_assert_cmpuint(nth(m, 1)->bad_status, ==, 500);
    g_assert_null(nth(m, 1)->etag);
}

static void
test_status_line(void)
{
    g_assert_cmpuint(ny_dav_status_parse("HTTP/1.1 200 OK"), ==, 200);
    g_assert_cmpuint(ny_dav_status_parse("  HTTP/1.1 404 Not Found"), ==, 404);
    g_assert_cmpuint(ny_dav_status_parse("HTTP/1.1 207"), ==, 207);
    g_assert_cmpuint(ny_dav_status_parse("HTTP/1.1 20"), ==, 0);
    g_assert_cmpuint(ny_dav_status_parse("200 OK"), ==, 0);
    g_assert_cmpuint(ny_dav_status_parse("HTTP/1.1 2000 OK"), ==, 0);
    g_assert_cmpuint(ny_dav_status_parse(NULL), ==, 0);
}

static void
test_deep_nesting(void)
{
    GString *s = g_string_new("<?xml version=\"1.0\"?><D:multistatus xmlns:D=\"DAV:\">");
    g_autoptr(GError) error = NULL;
    g_autoptr(NyMultistatus) ms = NULL;

    for (int i = 0; i < 100000; i++)
        g_string_append(s, "<D:x>");
    ms = ny_multistatus_parse(s->str, s->len, &error);
    g_assert_null(ms);
    g_assert_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
    g_string_free(s, TRUE);
}

static void
test_huge_text_not_truncated(void)
{
    /* In a subprocess, to see that libxml2 prints nothing of it on stderr. */
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
        g_test_trap_assert_passed();
        g_test_trap_assert_stderr("");
        return;
    }

    /* 11 MB of calendar-data made of character references: libxml2 2.9.14
     * returns a document with the text cut at 10 MB unless errNo is read. */
    GString *s = g_string_new("<?xml version=\"1.0\"?><D:multistatus xmlns:D=\"DAV:\" "
                              "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:response><D:href>/a"
                              "</D:href><D:propstat><D:prop><C:calendar-data>");
    g_autoptr(GError) error = NULL;
    g_autoptr(NyMultistatus) ms = NULL;

    for (int i = 0; i < 1100000; i++)
        g_string_append(s, "abcdefghi&#13;");
    g_string_append(s, "</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
                       "</D:propstat></D:response></D:multistatus>");
    ms = ny_multistatus_parse(s->str, s->len, &error);
    g_assert_null(ms);
    g_assert_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
    g_string_free(s, TRUE);
}

/* A multistatus with one 200 response whose <prop> holds @inner_open
 * @repeat_open times, @text, then @inner_close @repeat_close times. */
static GString *
one_response(const char *inner_open, gsize repeat_open, const char *text, gsize text_len,
             const char *inner_close, gsize repeat_close)
{
    GString *s = g_string_new("<?xml version=\"1.0\"?><D:multistatus xmlns:D=\"DAV:\" "
                              "xmlns:C=\"urn:ietf:params:xml:ns:caldav\"><D:response><D:href>/a"
                              "</D:href><D:propstat><D:prop>");

    for (gsize i = 0; i < repeat_open; i++)
        g_string_append(s, inner_open);
    g_string_append_len(s, text, (gssize)text_len);
    for (gsize i = 0; i < repeat_close; i++)
        g_string_append(s, inner_close);
    g_string_append(s, "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
                       "</D:multistatus>");
    return s;
}

static void
test_nesting_at_the_limit(void)
{
    /* libxml2's limit: the root and 256 levels below it. multistatus,
     * response, propstat and prop are 4 of them. */
    for (int extra = 252; extra <= 254; extra++) {
        g_autoptr(GString) s = one_response("<D:x>", (gsize)extra, "", 0, "</D:x>", (gsize)extra);
        g_autoptr(GError) error = NULL;
        g_autoptr(NyMultistatus) ms = ny_multistatus_parse(s->str, s->len, &error);

        if (4 + extra <= 257) {
            g_assert_no_error(error);
            g_assert_cmpuint(ms->responses->len, ==, 1);
        } else {
            g_assert_null(ms);
            g_assert_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
        }
    }
}

static void
test_text_at_the_limit(void)
{
    /* calendar-data as servers send it (CR as &#13;): 10,000,000 bytes of
     * text are read whole, one more is refused (libxml2's limit). */
    for (gsize n = 10000000 - 1; n <= 10000000 + 1; n++) {
        g_autoptr(GString) text = g_string_sized_new(n + n / 10);
        g_autoptr(GString) s = NULL;
        g_autoptr(GError) error = NULL;
        g_autoptr(NyMultistatus) ms = NULL;
        gsize chars = 0;

        while (chars < n) {
            if (n - chars >= 80) {
                g_string_append(text,
                                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
                                "aaaaaaaaaaaaaaaaa&#13;\n");
                chars += 80;
            } else {
                g_string_append_c(text, 'a');
                chars++;
            }
        }
        s = one_response("<C:calendar-data>", 1, text->str, text->len, "</C:calendar-data>", 1);
        ms = ny_multistatus_parse(s->str, s->len, &error);
        if (n <= 10000000) {
            const NyDavResponse *r;

            g_assert_no_error(error);
            r = g_ptr_array_index(ms->responses, 0);
            g_assert_nonnull(r->calendar_data);
            g_assert_cmpuint(strlen(r->calendar_data), ==, n);
        } else {
            g_assert_null(ms);
            g_assert_error(error, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
            g_assert_nonnull(strstr(error->message, "huge text node"));
        }
    }
}

static void
test_empty_and_nul(void)
{
    g_autoptr(GError) e1 = NULL;
    g_autoptr(GError) e2 = NULL;
    static const char nul[] = "<D:multistatus xmlns:D=\"DAV:\">\0</D:multistatus>";

    g_assert_null(ny_multistatus_parse("", 0, &e1));
    g_assert_error(e1, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
    g_assert_null(ny_multistatus_parse(nul, sizeof nul - 1, &e2));
    g_assert_error(e2, NY_MULTISTATUS_ERROR, NY_MULTISTATUS_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/multistatus/cases", test_cases);
    g_test_add_func("/multistatus/principal-prefixes", test_principal_prefixes);
    g_test_add_func("/multistatus/calendar-listing", test_calendar_listing);
    g_test_add_func("/multistatus/sync-collection", test_sync_collection);
    g_test_add_func("/multistatus/multiget-data", test_multiget_data);
    g_test_add_func("/multistatus/partial-failure", test_partial_failure);
    g_test_add_func("/multistatus/status-line", test_status_line);
    g_test_add_func("/multistatus/deep-nesting", test_deep_nesting);
    g_test_add_func("/multistatus/huge-text-not-truncated", test_huge_text_not_truncated);
    g_test_add_func("/multistatus/nesting-at-the-limit", test_nesting_at_the_limit);
    g_test_add_func("/multistatus/text-at-the-limit", test_text_at_the_limit);
    g_test_add_func("/multistatus/empty-and-nul", test_empty_and_nul);
    return g_test_run();
}
