/* busy-tzid.c: TZID resolution: the calendar's VTIMEZONE, else the system zone of
 * that name (also behind a prefix, or a Windows name, src/wintz.c), else the
 * user's zone with a warning.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"
#include "wintz.h"

/* Names that GLib would read as POSIX TZ strings ("GMT+1" is UTC-1 there)
 * are not zone names: only tzdata-style names are looked up. */
static gboolean
looks_like_olson(const char *name)
{
    static const char *const bare[] = {"UTC", "GMT", "EST5EDT", "CST6CDT", "MST7MDT", "PST8PDT",
                                       "EST", "MST", "HST",     "UCT",     "Zulu",    NULL};

    if (!g_ascii_isalpha(name[0]))
        return FALSE;
    for (const char *p = name; *p; p++) {
        if (!g_ascii_isalnum(*p) && *p != '/' && *p != '_' && *p != '-' && *p != '+')
            return FALSE;
    }
    if (strchr(name, '/') != NULL)
        return strstr(name, "//") == NULL && name[strlen(name) - 1] != '/';
    return g_strv_contains(bare, name);
}

static GTimeZone *
system_zone(NyBusyScan *s, const char *name)
{
    GTimeZone *z;

    if (!looks_like_olson(name))
        return NULL;
    if (g_hash_table_lookup_extended(s->sys_zones, name, NULL, (gpointer *)&z))
        return z;
    z = g_time_zone_new_identifier(name);
    if (z != NULL)
        g_hash_table_insert(s->sys_zones, g_strdup(name), z);
    return z;
}

/* The Olson name inside a TZID such as "/freeassociation.sourceforge.net/
 * Tzfile/America/New_York" or "/mozilla.org/20070129_1/Europe/Berlin". */
GTimeZone *
ny_busy_system_zone_for_tzid(NyBusyScan *s, const char *tzid)
{
    GTimeZone *z = system_zone(s, tzid);
    const char *mapped;

    if (z != NULL)
        return z;
    for (const char *p = tzid; (p = strchr(p, '/')) != NULL;) {
        p++;
        z = system_zone(s, p);
        if (z != NULL)
            return z;
    }
    mapped = ny_busy_windows_zone_to_olson(tzid);
    if (mapped != NULL)
        return system_zone(s, mapped);
    return NULL;
}

/* Resolves @tzid for the component @uid: the calendar's trusted VTIMEZONE,
 * else the system's zone of that name (also behind a prefix, or a Windows
 * name), else the user's zone with a warning. */
NyZone
ny_busy_resolve_tzid(NyBusyScan *s, const char *tzid, const char *uid)
{
    NyZone z = {NULL, NULL};
    NyVtz *v = g_hash_table_lookup(s->vtz, tzid);
    GTimeZone *g;

    if (v != NULL && v->trusted) {
        z.i = v->tz;
        return z;
    }
    g = ny_busy_system_zone_for_tzid(s, tzid);
    if (g != NULL) {
        z.g = g;
        return z;
    }
    {
        /* Once per TZID, naming the first event that used it. */
        g_autofree char *key = g_strconcat("\x01tz:", tzid, NULL);
        if (!g_hash_table_contains(s->warned, key)) {
            g_autofree char *label = ny_busy_uid_label(uid);
            g_autofree char *tzlabel = ny_busy_uid_label(tzid);
            g_hash_table_add(s->warned, g_steal_pointer(&key));
            ny_busy_scan_warn(s, "event '%s': unknown time zone '%s', read in %s", label, tzlabel,
                              s->q->zone_name ? s->q->zone_name : "your zone");
        }
    }
    z.g = s->q->zone;
    return z;
}
