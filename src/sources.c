/* sources.c: busy sources (files, vdir folders, ics feeds) into one list. */
#include "notyet/sources.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "notyet/caldav.h"
#include "notyet/http.h"

G_DEFINE_QUARK(ny_sources_error, ny_sources_error)

#define NY_READ_CHUNK (64 * 1024)

static void
take_warnings(GPtrArray *from, GPtrArray *to, const char *source)
{
    for (guint i = 0; i < from->len; i++)
        g_ptr_array_add(
            to, g_strdup_printf("'%s': %s", source, (const char *)g_ptr_array_index(from, i)));
}

static gboolean
scan_finish(NyBusyScan *scan, const char *source, GArray *busy, GPtrArray *warnings, GError **error)
{
    g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func(g_free);

    if (!ny_busy_scan_finish(scan, busy, local, error)) {
        g_prefix_error(error, "'%s': ", source);
        return FALSE;
    }
    take_warnings(local, warnings, source);
    return TRUE;
}

gboolean
ny_sources_busy_file(const char *path, const NyBusyQuery *query, GArray *busy, GPtrArray *warnings,
                     GError **error)
{
    g_autoptr(NyBusyScan) scan = NULL;
    g_autofree char *buf = NULL;
    FILE *f;
    size_t n;

    f = fopen(path, "rb");
    if (f == NULL) {
        int saved = errno;
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO, "cannot read '%s': %s", path,
                    g_strerror(saved));
        return FALSE;
    }
    scan = ny_busy_scan_new(query);
    buf = g_malloc(NY_READ_CHUNK);
    while ((n = fread(buf, 1, NY_READ_CHUNK, f)) > 0)
        ny_busy_scan_feed(scan, buf, n);
    if (ferror(f)) {
        int saved = errno;
        fclose(f);
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO, "cannot read '%s': %s", path,
                    g_strerror(saved ? saved : EIO));
        return FALSE;
    }
    fclose(f);
    return scan_finish(scan, path, busy, warnings, error);
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A vdir (vdirsyncer, khal): one object per *.ics file in the folder. */
static gboolean
busy_vdir(const char *path, const NyBusyQuery *query, GArray *busy, GPtrArray *warnings,
          GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    if (dir == NULL) {
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO, "cannot read folder '%s': %s",
                    path, local->message);
        return FALSE;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_suffix(name, ".ics") && name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, cmp_names);
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_build_filename(path, g_ptr_array_index(names, i), NULL);
        if (g_file_test(file, G_FILE_TEST_IS_DIR))
            continue;
        if (!ny_sources_busy_file(file, query, busy, warnings, error))
            return FALSE;
    }
    return TRUE;
}

static gboolean
is_url(const char *s)
{
    return g_ascii_strncasecmp(s, "http://", 7) == 0 || g_ascii_strncasecmp(s, "https://", 8) == 0;
}

/* An ics feed: fetched whole (the HTTP layer caps its size), then streamed
 * through the engine. */
static gboolean
busy_url(const char *url, const NyHttpOptions *options, const NyBusyQuery *query, gboolean offline,
         GArray *busy, GPtrArray *warnings, GError **error)
{
    g_autoptr(GBytes) body = NULL;
    g_autoptr(NyBusyScan) scan = NULL;
    gsize len = 0;
    const char *data;

    if (offline) {
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_UNSUPPORTED,
                    "'%s': an ics feed cannot be read with --offline", url);
        return FALSE;
    }
    body = ny_http_get(url, options, NULL, error);
    if (body == NULL)
        return FALSE;
    data = g_bytes_get_data(body, &len);
    scan = ny_busy_scan_new(query);
    ny_busy_scan_feed(scan, data ? data : "", len);
    return scan_finish(scan, url, busy, warnings, error);
}

static gboolean
busy_ics(const char *where, const NyHttpOptions *options, const NyBusyQuery *query,
         gboolean offline, GArray *busy, GPtrArray *warnings, GError **error)
{
    if (is_url(where))
        return busy_url(where, options, query, offline, busy, warnings, error);
    return ny_sources_busy_file(where, query, busy, warnings, error);
}

static gboolean
busy_calendar(const NyCalendarConfig *cal, const NyBusyQuery *query, gboolean offline, GArray *busy,
              GPtrArray *warnings, GError **error)
{
    switch (cal->type) {
    case NY_SOURCE_ICS: {
        NyHttpOptions options = {0};
        g_autofree char *password = NULL;
        if (cal->url == NULL) {
            g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO,
                        "calendar '%s': no url= given", cal->name);
            return FALSE;
        }
        /* A private feed: the same credentials as a CalDAV calendar. */
        if (is_url(cal->url) && !offline && cal->username != NULL && cal->password == NULL &&
            cal->password_command != NULL) {
            password = ny_http_password_from_command(cal->password_command, 0, error);
            if (password == NULL) {
                g_prefix_error(error, "calendar '%s': ", cal->name);
                return FALSE;
            }
        }
        options.username = cal->username;
        options.password = password != NULL ? password : cal->password;
        options.use_netrc = cal->username != NULL && options.password == NULL;
        options.insecure = cal->insecure;
        options.allow_insecure_http = cal->allow_insecure_http;
        {
            gboolean ok = busy_ics(cal->url, &options, query, offline, busy, warnings, error);
            if (password != NULL)
                explicit_bzero(password, strlen(password));
            return ok;
        }
    }
    case NY_SOURCE_VDIR:
        if (cal->url == NULL) {
            g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO,
                        "calendar '%s': no url= (folder) given", cal->name);
            return FALSE;
        }
        return busy_vdir(cal->url, query, busy, warnings, error);
    case NY_SOURCE_CALDAV:
        /* Mirrored into the cache (synced unless offline); the cached
         * objects that can meet the window go through the engine. */
        return ny_caldav_busy(cal, offline, query, busy, warnings, error);
    }
    g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_FAILED, "calendar '%s': unknown type",
                cal->name);
    return FALSE;
}

gboolean
ny_sources_busy(const NyConfig *config, const char *const *ics, const NyBusyQuery *query,
                gboolean offline, GArray **out_busy, GPtrArray **out_warnings, GError **error)
{
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    g_return_val_if_fail(query != NULL, FALSE);
    if (ics != NULL && ics[0] != NULL) {
        for (const char *const *p = ics; *p; p++) {
            if (!busy_ics(*p, NULL, query, offline, busy, warnings, error))
                return FALSE;
        }
    } else if (config != NULL && config->calendars != NULL && config->calendars->len > 0) {
        for (guint i = 0; i < config->calendars->len; i++) {
            const NyCalendarConfig *cal = g_ptr_array_index(config->calendars, i);
            if (!busy_calendar(cal, query, offline, busy, warnings, error))
                return FALSE;
        }
    } else {
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_NO_SOURCE,
                    "no busy source: give --ics FILE or configure a [calendar NAME] "
                    "(type=ics, vdir or caldav)");
        return FALSE;
    }
    ny_intervals_normalize(busy, query->from, query->to);
    *out_busy = g_steal_pointer(&busy);
    *out_warnings = g_steal_pointer(&warnings);
    return TRUE;
}
