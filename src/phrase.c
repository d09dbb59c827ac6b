/* phrase.c: slot times in words (doc/slots-and-letter.md). Pure. */
#include "notyet/phrase.h"

#include <string.h>

static GDateTime *
local_time(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);

    g_return_val_if_fail(utc != NULL, NULL);
    return g_date_time_to_timezone(utc, zone);
}

static void
local_date(GDateTime *dt, GDate *out)
{
    g_date_clear(out, 1);
    g_date_set_dmy(out, (GDateDay)g_date_time_get_day_of_month(dt),
                   (GDateMonth)g_date_time_get_month(dt), (GDateYear)g_date_time_get_year(dt));
}

/* GDateTime's %A and %B follow the locale; a letter in English needs the
 * English names whatever LC_TIME says. */
static const char *const weekdays[] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                       "Friday", "Saturday", "Sunday"};
static const char *const months[] = {"January",   "February", "March",    "April",
                                     "May",       "June",     "July",     "August",
                                     "September", "October",  "November", "December"};

char *
ny_phrase_day(NyTime t, NyTime now, GTimeZone *zone)
{
    g_autoptr(GDateTime) lt = local_time(t, zone);
    g_autoptr(GDateTime) ln = local_time(now, zone);
    GDate dt;
    GDate dn;
    int days;
    int dow;

    g_return_val_if_fail(lt != NULL && ln != NULL, g_strdup("?"));
    local_date(lt, &dt);
    local_date(ln, &dn);
    days = g_date_days_between(&dn, &dt);
    dow = g_date_time_get_day_of_week(lt); /* Monday = 1 */
    if (days == 0)
        return g_strdup("today");
    if (days == 1)
        return g_strdup("tomorrow");
    /* "this Wednesday" is the coming Wednesday, whatever day the reader's
     * week starts on; from 7 days on only the date is unambiguous, so
     * "next Wednesday" is never written (doc/slots-and-letter.md, "Phrases"). */
    if (days >= 2 && days <= 6)
        return g_strdup_printf("this %s", weekdays[dow - 1]);
    if (g_date_time_get_year(lt) != g_date_time_get_year(ln))
        return g_strdup_printf("%s, %s %d, %d", weekdays[dow - 1],
                               months[g_date_time_get_month(lt) - 1],
                               g_date_time_get_day_of_month(lt), g_date_time_get_year(lt));
    return g_strdup_printf("%s, %s %d", weekdays[dow - 1], months[g_date_time_get_month(lt) - 1],
                           g_date_time_get_day_of_month(lt));
}

/* ny_phrase_clock:
 *
 * Returns: (transfer full): the local time of @t in @zone as "2p", "10:30a",
 * "12p" (noon), "12a" (midnight).
 */
static char *
ny_phrase_clock(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) lt = local_time(t, zone);
    int h;
    int m;
    int h12;

    g_return_val_if_fail(lt != NULL, g_strdup("?"));
    h = g_date_time_get_hour(lt);
    m = g_date_time_get_minute(lt);
    h12 = h % 12 == 0 ? 12 : h % 12;
    if (m == 0)
        return g_strdup_printf("%d%s", h12, h < 12 ? "a" : "p");
    return g_strdup_printf("%d:%02d%s", h12, m, h < 12 ? "a" : "p");
}

/* The US zones people call by their region letters, with the aliases of
 * tzdata's backward file. */
static const struct {
    const char *prefix; /* a name, or a prefix ending in '/' */
    const char *label;
} us_zones[] = {
    {"America/New_York", "ET"},
    {"US/Eastern", "ET"},
    {"EST5EDT", "ET"},
    {"America/Detroit", "ET"},
    {"US/Michigan", "ET"},
    {"America/Fort_Wayne", "ET"},
    {"America/Indianapolis", "ET"},
    {"US/East-Indiana", "ET"},
    {"America/Louisville", "ET"},
    {"America/Indiana/Knox", "CT"},
    {"America/Indiana/Tell_City", "CT"},
    {"America/Knox_IN", "CT"},
    {"US/Indiana-Starke", "CT"},
    {"America/Indiana/", "ET"},
    {"America/Kentucky/", "ET"},
    {"America/Chicago", "CT"},
    {"US/Central", "CT"},
    {"CST6CDT", "CT"},
    {"America/Menominee", "CT"},
    {"America/North_Dakota/", "CT"},
    {"America/Denver", "MT"},
    {"US/Mountain", "MT"},
    {"MST7MDT", "MT"},
    {"America/Boise", "MT"},
    {"America/Shiprock", "MT"},
    {"Navajo", "MT"},
    {"America/Phoenix", "MT"},
    {"US/Arizona", "MT"},
    {"MST", "MT"},
    {"America/Los_Angeles", "PT"},
    {"US/Pacific", "PT"},
    {"PST8PDT", "PT"},
    {"America/Anchorage", "AKT"},
    {"US/Alaska", "AKT"},
    {"America/Juneau", "AKT"},
    {"America/Sitka", "AKT"},
    {"America/Nome", "AKT"},
    {"America/Yakutat", "AKT"},
    {"America/Metlakatla", "AKT"},
    {"Pacific/Honolulu", "HT"},
    {"US/Hawaii", "HT"},
    {"HST", "HT"},
};

/* ny_phrase_zone:
 * @zone_name: the Olson name, or NULL
 *
 * Returns: (transfer full): "ET", "CT", "MT", "PT" (and "AKT", "HT") for the
 * US zones and their aliases; else the zone's abbreviation at @t when it is
 * letters only ("GMT", "BST", "CET", "IST"); else the offset ("UTC+5:30",
 * "UTC-3", "UTC").
 */
static char *
ny_phrase_zone(const char *zone_name, GTimeZone *zone, NyTime t)
{
    g_autoptr(GDateTime) lt = local_time(t, zone);
    const char *abbrev;
    gboolean letters;
    int offset;
    int hours;
    int minutes;

    if (zone_name != NULL) {
        for (gsize i = 0; i < G_N_ELEMENTS(us_zones); i++) {
            const char *p = us_zones[i].prefix;
            gsize n = strlen(p);
            if (p[n - 1] == '/' ? strncmp(zone_name, p, n) == 0 : strcmp(zone_name, p) == 0)
                return g_strdup(us_zones[i].label);
        }
    }
    g_return_val_if_fail(lt != NULL, g_strdup("UTC"));
    abbrev = g_date_time_get_timezone_abbreviation(lt);
    letters = abbrev != NULL && *abbrev != '\0';
    for (const char *p = abbrev; letters && *p; p++) {
        if (!g_ascii_isalpha(*p))
            letters = FALSE;
    }
    if (letters)
        return g_strdup(abbrev);
    offset = (int)(g_date_time_get_utc_offset(lt) / G_TIME_SPAN_MINUTE);
    if (offset == 0)
        return g_strdup("UTC");
    hours = ABS(offset) / 60;
    minutes = ABS(offset) % 60;
    if (minutes == 0)
        return g_strdup_printf("UTC%c%d", offset < 0 ? '-' : '+', hours);
    return g_strdup_printf("UTC%c%d:%02d", offset < 0 ? '-' : '+', hours, minutes);
}

char *
ny_phrase_city(const char *zone_name)
{
    const char *slash;
    char *city;

    g_return_val_if_fail(zone_name != NULL, NULL);
    slash = strrchr(zone_name, '/');
    city = g_strdup(slash ? slash + 1 : zone_name);
    g_strdelimit(city, "_", ' ');
    return city;
}

char *
ny_phrase_slot(NyTime t, NyTime now, GTimeZone *zone, const char *zone_name, GTimeZone *their_zone,
               const char *their_zone_name)
{
    g_autofree char *day = ny_phrase_day(t, now, zone);
    g_autofree char *clock = ny_phrase_clock(t, zone);
    g_autofree char *label = ny_phrase_zone(zone_name, zone, t);
    GString *s = g_string_new(NULL);

    g_string_printf(s, "%s at %s %s", day, clock, label);
    if (their_zone != NULL) {
        g_autoptr(GDateTime) mine = local_time(t, zone);
        g_autoptr(GDateTime) theirs = local_time(t, their_zone);
        g_autofree char *their_clock = ny_phrase_clock(t, their_zone);
        g_autofree char *city =
            their_zone_name ? ny_phrase_city(their_zone_name) : ny_phrase_zone(NULL, their_zone, t);

        if (g_date_time_get_utc_offset(mine) != g_date_time_get_utc_offset(theirs)) {
            if (g_date_time_get_day_of_month(mine) != g_date_time_get_day_of_month(theirs))
                g_string_append_printf(s, " (%s %s in %s)", their_clock,
                                       weekdays[g_date_time_get_day_of_week(theirs) - 1], city);
            else
                g_string_append_printf(s, " (%s in %s)", their_clock, city);
        }
    }
    return g_string_free(s, FALSE);
}

char *
ny_phrase_duration(int minutes)
{
    if (minutes > 0 && minutes % 60 == 0)
        return minutes == 60 ? g_strdup("1 hour") : g_strdup_printf("%d hours", minutes / 60);
    return minutes == 1 ? g_strdup("1 minute") : g_strdup_printf("%d minutes", minutes);
}

char *
ny_phrase_join(const char *const *phrases)
{
    GString *s = g_string_new(NULL);
    guint n;

    g_return_val_if_fail(phrases != NULL, g_string_free(s, FALSE));
    n = g_strv_length((char **)phrases);
    for (guint i = 0; i < n; i++) {
        if (i > 0)
            g_string_append(s, i == n - 1 ? " and then " : ", ");
        g_string_append(s, phrases[i]);
    }
    return g_string_free(s, FALSE);
}
