/* Unit tests for the calendar-write layer's parts that need no server:
 * holds= resolved against the calendars discovered. */
#include <string.h>

#include "notyet/caldav.h"

static NyCacheCalendar *
cached(const char *href, const char *displayname)
{
    NyCacheCalendar *c = g_new0(NyCacheCalendar, 1);

    c->source = g_strdup("work");
    c->href = g_strdup(href);
    c->displayname = g_strdup(displayname);
    return c;
}

static GPtrArray *
account(void)
{
    GPtrArray *cals = g_ptr_array_new_with_free_func((GDestroyNotify)ny_cache_calendar_free);

    g_ptr_array_add(cals, cached("https://dav.example.com/cal/jane/work/", "Work"));
    g_ptr_array_add(cals, cached("https://dav.example.com/cal/jane/holds", "Holds"));
    g_ptr_array_add(cals, cached("https://dav.example.com/cal/jane/a/", "Shared"));
    g_ptr_array_add(cals, cached("https://dav.example.com/cal/jane/b/", "Shared"));
    g_ptr_array_add(cals, cached("https://dav.example.com/cal/jane/c/", NULL));
    return cals;
}

static void
test_holds_url(void)
{
    static const struct {
        const char *holds;
        const char *want; /* NULL: not found */
    } cases[] = {
        {"Holds", "https://dav.example.com/cal/jane/holds/"},
        {"Work", "https://dav.example.com/cal/jane/work/"},
        {"work", NULL}, /* display names are exact */
        {"/cal/jane/c", "https://dav.example.com/cal/jane/c/"},
        {"/cal/jane/holds/", "https://dav.example.com/cal/jane/holds/"},
        {"https://dav.example.com/cal/jane/a/", "https://dav.example.com/cal/jane/a/"},
        {"https://other.example.com/cal/jane/a/", NULL},
        {"Shared", NULL}, /* two calendars have that name */
        {"Nope", NULL},
    };
    g_autoptr(GPtrArray) cals = account();

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        NyCalendarConfig config = {.name = (char *)"work",
                                   .type = NY_SOURCE_CALDAV,
                                   .url = (char *)"https://dav.example.com/",
                                   .holds = (char *)cases[i].holds};
        g_autoptr(GError) error = NULL;
        g_autofree char *url = ny_caldav_holds_url(&config, cals, &error);

        g_test_message("holds=%s", cases[i].holds);
        g_assert_cmpstr(url, ==, cases[i].want);
        if (cases[i].want == NULL) {
            g_assert_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND);
            /* The message lists what there is, so the user can pick. */
            g_assert_nonnull(strstr(error->message, "'Holds' (https://dav.example.com/"));
            g_assert_true(g_str_has_prefix(error->message, "calendar 'work': holds="));
        }
    }
}

static void
test_holds_url_nothing_discovered(void)
{
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    NyCalendarConfig config = {.name = (char *)"work",
                               .type = NY_SOURCE_CALDAV,
                               .url = (char *)"https://dav.example.com/",
                               .holds = (char *)"Holds"};
    g_autoptr(GError) error = NULL;

    g_assert_null(ny_caldav_holds_url(&config, none, &error));
    g_assert_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND);
    g_assert_nonnull(strstr(error->message, "(found: none)"));
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/caldav-write/holds-url", test_holds_url);
    g_test_add_func("/caldav-write/holds-url-nothing-discovered",
                    test_holds_url_nothing_discovered);
    return g_test_run();
}
