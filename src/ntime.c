/* ntime.c: NyTime, intervals and ISO 8601 conversion. Pure. */
#include "notyet/ntime.h"

#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK(ny_time_error, ny_time_error)

GArray *
ny_intervals_new(void)
{
    return g_array_new(FALSE, FALSE, sizeof(NyInterval));
}

void
ny_intervals_add(GArray *list, NyTime start, NyTime end)
{
    NyInterval iv = {start, end};

    g_return_if_fail(list != NULL);
    if (end <= start)
        return;
    g_array_append_val(list, iv);
}

static gboolean
interval_before(const NyInterval *x, const NyInterval *y)
{
    return x->start < y->start || (x->start == y->start && x->end < y->end);
}

/* Sorts @n intervals by start, then end (items equal in both are equal, so
 * the order is the one order): a merge sort of runs of 16, with the
 * comparison inline. A large calendar's busy list has tens of thousands
 * of periods, and g_array_sort() calls a function for each comparison. */
static void
sort_intervals(NyInterval *v, gsize n)
{
    NyInterval *tmp, *from, *to;

    for (gsize lo = 0; lo < n; lo += 16) {
        gsize hi = MIN(lo + 16, n);
        for (gsize i = lo + 1; i < hi; i++) {
            NyInterval x = v[i];
            gsize j = i;
            for (; j > lo && interval_before(&x, &v[j - 1]); j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
    }
    if (n <= 16)
        return;
    tmp = g_new(NyInterval, n);
    from = v;
    to = tmp;
    for (gsize width = 16; width < n; width *= 2) {
        NyInterval *swap;
        for (gsize lo = 0; lo < n; lo += 2 * width) {
            gsize mid = MIN(lo + width, n), hi = MIN(lo + 2 * width, n);
            gsize i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
                to[k++] = interval_before(&from[j], &from[i]) ? from[j++] : from[i++];
            while (i < mid)
                to[k++] = from[i++];
            while (j < hi)
                to[k++] = from[j++];
        }
        swap = from;
        from = to;
        to = swap;
    }
    if (from != v)
        memcpy(v, from, n * sizeof *v);
    g_free(tmp);
}

void
ny_intervals_normalize(GArray *list, NyTime from, NyTime to)
{
    guint out = 0;

    g_return_if_fail(list != NULL);
    sort_intervals((NyInterval *)(void *)list->data, list->len);
    for (guint i = 0; i < list->len; i++) {
        NyInterval iv = g_array_index(list, NyInterval, i);

        if (iv.start < from)
            iv.start = from;
        if (iv.end > to)
            iv.end = to;
        if (iv.end <= iv.start)
            continue;
        if (out > 0) {
            NyInterval *last = &g_array_index(list, NyInterval, out - 1);
            /* Touching periods merge: [a,b) and [b,c) are one busy stretch. */
            if (iv.start <= last->end) {
                if (iv.end > last->end)
                    last->end = iv.end;
                continue;
            }
        }
        g_array_index(list, NyInterval, out++) = iv;
    }
    g_array_set_size(list, out);
}

gboolean
ny_intervals_overlaps(const GArray *sorted, NyTime start, NyTime end)
{
    guint lo = 0;
    guint hi;

    g_return_val_if_fail(sorted != NULL, FALSE);
    if (end <= start)
        return FALSE;
    /* Find the first interval whose end is after start. */
    hi = sorted->len;
    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        if (g_array_index(sorted, NyInterval, mid).end <= start)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < sorted->len && g_array_index(sorted, NyInterval, lo).start < end;
}

/* What ny_time_format_utc() gives, through GDateTime (the general path,
 * for any instant). */
static char *
format_utc_glib(NyTime t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

    if (dt == NULL)
        return g_strdup("invalid");
    return g_date_time_format(dt, "%Y-%m-%dT%H:%M:%SZ");
}

char *
ny_time_format_basic_utc(NyTime t)
{
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(t);

    if (dt == NULL)
        return g_strdup("19700101T000000Z");
    return g_date_time_format(dt, "%Y%m%dT%H%M%SZ");
}

/* @v in @width decimal digits, with leading zeros. */
static void
put_digits(char *out, int v, int width)
{
    for (int i = width - 1; i >= 0; i--, v /= 10)
        out[i] = (char)('0' + v % 10);
}

/* The instants of years 1000 to 9999, whose year has four digits. */
#define FAST_UTC_MIN G_GINT64_CONSTANT(-30610224000) /* 1000-01-01T00:00:00Z */
#define FAST_UTC_MAX G_GINT64_CONSTANT(253402300799) /* 9999-12-31T23:59:59Z */

char *
ny_time_format_utc(NyTime t)
{
    gint64 day, sec, doe, yoe, doy, mp, y;
    int m, d;

    /* A busy list prints two a period: GDateTime's formatter costs about
     * 8,000 instructions each, this a few dozen (tests/unit/test-ntime.c
     * compares the two). Days to a civil date after H. Hinnant, as
     * src/busy-zones.c does; no era arithmetic is needed from year 1000. */
    if (t < FAST_UTC_MIN || t > FAST_UTC_MAX)
        return format_utc_glib(t);
    day = t / 86400 - (t % 86400 < 0);
    sec = t - day * 86400;
    day += 719468; /* days from 0000-03-01 */
    doe = day % 146097;
    yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    mp = (5 * doy + 2) / 153;
    d = (int)(doy - (153 * mp + 2) / 5 + 1);
    m = (int)(mp < 10 ? mp + 3 : mp - 9);
    y = yoe + day / 146097 * 400 + (m <= 2);
    {
        char out[] = "YYYY-MM-DDTHH:MM:SSZ";
        put_digits(out, (int)y, 4);
        put_digits(out + 5, m, 2);
        put_digits(out + 8, d, 2);
        put_digits(out + 11, (int)(sec / 3600), 2);
        put_digits(out + 14, (int)(sec / 60 % 60), 2);
        put_digits(out + 17, (int)(sec % 60), 2);
        return g_strdup(out);
    }
}

char *
ny_time_format_local(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
    g_autoptr(GDateTime) local = NULL;

    if (utc == NULL)
        return g_strdup("invalid");
    local = g_date_time_to_timezone(utc, zone);
    return g_date_time_format(local, "%Y-%m-%dT%H:%M:%S%:z");
}

static gboolean
is_bare_date(const char *text)
{
    if (strlen(text) != 10)
        return FALSE;
    for (int i = 0; i < 10; i++) {
        if (i == 4 || i == 7) {
            if (text[i] != '-')
                return FALSE;
        } else if (!g_ascii_isdigit(text[i])) {
            return FALSE;
        }
    }
    return TRUE;
}

/* Years a scheduling tool has any business with; outside them a time is a
 * typo, and GLib would format it in a form it cannot read back. */
#define NY_YEAR_MIN 1900
#define NY_YEAR_MAX 9999

static gboolean
check_year(const char *text, GDateTime *dt, GError **error)
{
    g_autoptr(GDateTime) utc = g_date_time_to_utc(dt);
    int year = utc ? g_date_time_get_year(utc) : 0;

    if (year < NY_YEAR_MIN || year >= NY_YEAR_MAX) {
        g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_INVALID,
                    "'%s' is out of range (years %d to %d)", text, NY_YEAR_MIN, NY_YEAR_MAX - 1);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_time_parse(const char *text, GTimeZone *zone, NyTime *out_time, GError **error)
{
    g_return_val_if_fail(text != NULL, FALSE);

    if (is_bare_date(text)) {
        int y = atoi(text);
        int m = atoi(text + 5);
        int d = atoi(text + 8);
        g_autoptr(GDateTime) dt = NULL;

        if (g_date_valid_dmy(d, m, y))
            dt = g_date_time_new(zone, y, m, d, 0, 0, 0);
        if (dt == NULL) {
            g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_INVALID, "'%s' is not a valid date",
                        text);
            return FALSE;
        }
        if (!check_year(text, dt, error))
            return FALSE;
        *out_time = g_date_time_to_unix(dt);
        return TRUE;
    }

    {
        /* Parse twice with two different default zones: a text that names
         * its own offset gives the same instant both times, a text without
         * one does not, and is refused as ambiguous. */
        g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
        g_autoptr(GTimeZone) plus1 = g_time_zone_new_offset(3600);
        g_autoptr(GDateTime) a = g_date_time_new_from_iso8601(text, utc);
        g_autoptr(GDateTime) b = NULL;

        if (a == NULL) {
            g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_INVALID,
                        "'%s' is not an ISO 8601 time (e.g. 2026-12-02T14:00:00Z, "
                        "2026-12-02T09:00-05:00 or 2026-12-02)",
                        text);
            return FALSE;
        }
        b = g_date_time_new_from_iso8601(text, plus1);
        if (b == NULL || g_date_time_to_unix(a) != g_date_time_to_unix(b)) {
            g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_INVALID,
                        "'%s' has no time zone: add Z or an offset such as -05:00", text);
            return FALSE;
        }
        if (!check_year(text, a, error))
            return FALSE;
        *out_time = g_date_time_to_unix(a);
        return TRUE;
    }
}

/* Abbreviations and region names people type for a zone, and the place
 * each usually means. tzdata has files for some (EST, MST, HST: fixed
 * offsets; CET, EST5EDT: rules without a place); none is accepted. */
static const struct {
    const char *abbreviation;
    const char *zone;
} zone_abbreviations[] = {
    {"EST", "America/New_York"},
    {"EDT", "America/New_York"},
    {"EST5EDT", "America/New_York"},
    {"Eastern", "America/New_York"},
    {"CST", "America/Chicago"},
    {"CDT", "America/Chicago"},
    {"CST6CDT", "America/Chicago"},
    {"Central", "America/Chicago"},
    {"MST", "America/Denver"},
    {"MDT", "America/Denver"},
    {"MST7MDT", "America/Denver"},
    {"Mountain", "America/Denver"},
    {"PST", "America/Los_Angeles"},
    {"PDT", "America/Los_Angeles"},
    {"PST8PDT", "America/Los_Angeles"},
    {"Pacific", "America/Los_Angeles"},
    {"AKST", "America/Anchorage"},
    {"AKDT", "America/Anchorage"},
    {"Alaska", "America/Anchorage"},
    {"HST", "Pacific/Honolulu"},
    {"Hawaii", "Pacific/Honolulu"},
    {"BST", "Europe/London"},
    {"CET", "Europe/Paris"},
    {"CEST", "Europe/Paris"},
    {"MET", "Europe/Paris"},
    {"EET", "Europe/Athens"},
    {"EEST", "Europe/Athens"},
    {"WET", "Europe/Lisbon"},
    {"WEST", "Europe/Lisbon"},
    {"JST", "Asia/Tokyo"},
    {"AEST", "Australia/Sydney"},
    {"AEDT", "Australia/Sydney"},
};

static const char *
abbreviation_zone(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(zone_abbreviations); i++) {
        if (g_ascii_strcasecmp(name, zone_abbreviations[i].abbreviation) == 0)
            return zone_abbreviations[i].zone;
    }
    return NULL;
}

/* A name GLib reads as an offset or a POSIX TZ rule rather than a tzdata
 * file: without a '/', a digit, sign or colon in it ("UTC+3", "EST5",
 * "+05:00"). "Etc/GMT+5" names its offset on purpose and stays. */
static gboolean
looks_like_rule(const char *name)
{
    return strchr(name, '/') == NULL && strpbrk(name, "0123456789+-:,<>") != NULL;
}

GTimeZone *
ny_zone_new(const char *name, GError **error)
{
    GTimeZone *zone;

    g_return_val_if_fail(name != NULL, NULL);
    /* g_time_zone_new_identifier() returns NULL for an unknown name, where
     * g_time_zone_new() silently falls back to UTC. A leading ':' or '/'
     * would make GLib read a file path: only zone names are accepted. */
    if (*name == '\0' || *name == ':' || *name == '/' || strstr(name, "..") != NULL ||
        looks_like_rule(name) || abbreviation_zone(name) != NULL) {
        g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE, "unknown time zone '%s'", name);
        return NULL;
    }
    zone = g_time_zone_new_identifier(name);
    if (zone == NULL) {
        g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE, "unknown time zone '%s'", name);
        return NULL;
    }
    return zone;
}

/* Levenshtein distance of two ASCII-folded strings, giving up past @limit. */
static guint
edit_distance(const char *a, const char *b, guint limit)
{
    gsize la = strlen(a);
    gsize lb = strlen(b);
    g_autofree guint *row = NULL;

    if ((la > lb ? la - lb : lb - la) > limit)
        return limit + 1;
    row = g_new(guint, lb + 1);
    for (gsize j = 0; j <= lb; j++)
        row[j] = (guint)j;
    for (gsize i = 1; i <= la; i++) {
        guint diagonal = row[0];
        guint best;

        row[0] = (guint)i;
        best = row[0];
        for (gsize j = 1; j <= lb; j++) {
            guint up = row[j];
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;

            row[j] = MIN(MIN(up + 1, row[j - 1] + 1), diagonal + cost);
            diagonal = up;
            best = MIN(best, row[j]);
        }
        if (best > limit)
            return limit + 1;
    }
    return row[lb];
}

/* "new york" and "New_York" alike: blanks are underscores. */
static char *
zone_key(const char *name)
{
    char *key = g_ascii_strdown(name, -1);

    g_strdelimit(key, " ", '_');
    return key;
}

char *
ny_zone_suggest(const char *name, const char *const *known)
{
    g_autofree char *key = NULL;
    const char *best = NULL;
    guint best_distance;
    const char *zone;

    g_return_val_if_fail(name != NULL, NULL);
    zone = abbreviation_zone(name);
    if (zone != NULL)
        return g_strdup(zone);
    if (known == NULL || *name == '\0')
        return NULL;
    key = zone_key(name);
    for (const char *const *k = known; *k != NULL; k++) {
        if (g_ascii_strcasecmp(*k, key) == 0)
            return g_strdup(*k);
    }
    for (const char *const *k = known; *k != NULL; k++) {
        const char *last = strrchr(*k, '/');

        if (last != NULL && g_ascii_strcasecmp(last + 1, key) == 0)
            return g_strdup(*k);
    }
    best_distance = MAX(1, (guint)strlen(key) / 3);
    for (const char *const *k = known; *k != NULL; k++) {
        guint d = edit_distance(key, *k, best_distance);

        if (d <= best_distance && (best == NULL || d < best_distance)) {
            best = *k;
            best_distance = d;
        }
    }
    return g_strdup(best);
}

NyTime
ny_time_local_midnight(NyTime t, GTimeZone *zone, int days)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
    g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, zone);
    g_autoptr(GDateTime) day = g_date_time_add_days(local, days);

    return ny_time_from_local(zone, g_date_time_get_year(day), g_date_time_get_month(day),
                              g_date_time_get_day_of_month(day), 0, 0, 0);
}

NyTime
ny_time_from_local(GTimeZone *zone, int year, int month, int day, int hour, int minute, int second)
{
    g_autoptr(GDateTime) dt = g_date_time_new(zone, year, month, day, hour, minute, second);

    g_return_val_if_fail(dt != NULL, 0);
    return g_date_time_to_unix(dt);
}
