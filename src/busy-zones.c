/* busy-zones.c: civil dates, zones (the system's and a calendar's VTIMEZONEs), the
 * VTIMEZONE pool. Wall-clock times to instants (RFC 5545 3.3.5).
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "notyet/busy-zones.h"

#include "busy-private.h"

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
gint64
ny_busy_days_from_civil(gint64 y, int m, int d)
{
    y -= m <= 2;
    gint64 era = (y >= 0 ? y : y - 399) / 400;
    gint64 yoe = y - era * 400;
    gint64 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    gint64 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void
ny_busy_civil_from_days(gint64 z, int *y, int *m, int *d)
{
    z += 719468;
    gint64 era = (z >= 0 ? z : z - 146096) / 146097;
    gint64 doe = z - era * 146097;
    gint64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    gint64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    gint64 mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* Wall-clock seconds as if the wall clock were UTC. */
gint64
ny_busy_wall_seconds(int y, int m, int d, int hh, int mm, int ss)
{
    return ny_busy_days_from_civil(y, m, d) * NY_DAY + hh * 3600 + mm * 60 + ss;
}

/* A calendar's VTIMEZONE whose yearly rules start again in a recent year.
 *
 * libical expands every rule of a VTIMEZONE from its DTSTART (1970, or
 * 1601 in Outlook's) to five years past this one, each step through ICU:
 * about 13 million instructions for one American zone, a third of an
 * unchanged lookup. A copy whose rules start at their first onset in a
 * recent year gives the same offsets from the year after on, for a sixth
 * of that, and less again with its next onsets as RDATEs
 * (onsets_as_dates()); earlier instants are read in the whole zone,
 * expanded only if asked (doc/busy-rules.md, "Time zones"). */
typedef struct {
    icaltimezone *tz;
    NyTime from; /* instants at or after it are read in tz */
} Recent;

/* From a zone as NyZone names it (the whole one) to its recent copy. The
 * zones of one scan are read on one thread, but a process may scan on two. */
static GMutex recent_lock;
static GHashTable *recent_of;

static void
recent_free(gpointer data)
{
    Recent *r = data;

    icaltimezone_free(r->tz, 1);
    g_free(r);
}

static gboolean
recent_lookup(icaltimezone *whole, NyTime utc, icaltimezone **out)
{
    Recent *r;

    g_mutex_lock(&recent_lock);
    r = recent_of != NULL ? g_hash_table_lookup(recent_of, whole) : NULL;
    *out = r != NULL && utc >= r->from ? r->tz : NULL;
    g_mutex_unlock(&recent_lock);
    return *out != NULL;
}

/* A yearly rule whose onsets in a year do not depend on where DTSTART is:
 * one month, and one day of it or one (nth) weekday, every year. */
static gboolean
rule_is_plain_yearly(const struct icalrecurrencetype *r, int year)
{
    gboolean by_day = r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX;
    gboolean by_month_day = r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX;

    if (r->freq != ICAL_YEARLY_RECURRENCE || r->interval != 1 || r->count != 0 || r->rscale != NULL)
        return FALSE;
    if (!icaltime_is_null_time(r->until) && r->until.year < year + 2)
        return FALSE;
    if (r->by_month[0] == ICAL_RECURRENCE_ARRAY_MAX ||
        r->by_month[1] != ICAL_RECURRENCE_ARRAY_MAX || by_day == by_month_day)
        return FALSE;
    if ((by_day && r->by_day[1] != ICAL_RECURRENCE_ARRAY_MAX) ||
        (by_month_day && r->by_month_day[1] != ICAL_RECURRENCE_ARRAY_MAX))
        return FALSE;
    return r->by_second[0] == ICAL_RECURRENCE_ARRAY_MAX &&
           r->by_minute[0] == ICAL_RECURRENCE_ARRAY_MAX &&
           r->by_hour[0] == ICAL_RECURRENCE_ARRAY_MAX &&
           r->by_year_day[0] == ICAL_RECURRENCE_ARRAY_MAX &&
           r->by_week_no[0] == ICAL_RECURRENCE_ARRAY_MAX &&
           r->by_set_pos[0] == ICAL_RECURRENCE_ARRAY_MAX;
}

/* Years of onsets a moved rule gives as RDATEs (onsets_as_dates()). */
#define RDATE_YEARS 12

gint64
ny_busy_vtz_onset_day(const struct icalrecurrencetype *r, int year)
{
    int m = r->by_month[0];

    if (m < 1 || m > 12)
        return G_MININT64;
    if (r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX) {
        int dow = (int)icalrecurrencetype_day_day_of_week(r->by_day[0]) - 1; /* 0 = Sunday */
        int pos = icalrecurrencetype_day_position(r->by_day[0]);
        gint64 first, last;

        if (dow < 0 || dow > 6 || pos == 0 || pos > 4 || pos < -4)
            return G_MININT64;
        /* 1970-01-01 was a Thursday (4). */
        if (pos > 0) {
            first = ny_busy_days_from_civil(year, m, 1);
            return first + ((dow - (first % 7 + 11) % 7) + 7) % 7 + (pos - 1) * 7;
        }
        last = ny_busy_days_from_civil(m == 12 ? year + 1 : year, m == 12 ? 1 : m + 1, 1) - 1;
        return last - (((last % 7 + 11) % 7 - dow) + 7) % 7 - (-pos - 1) * 7;
    }
    if (r->by_month_day[0] < 1 || r->by_month_day[0] > 28)
        return G_MININT64;
    return ny_busy_days_from_civil(year, m, r->by_month_day[0]);
}

/* @t on @day, its time of day kept. */
static struct icaltimetype
time_on_day(struct icaltimetype t, gint64 day)
{
    int y, m, d;

    ny_busy_civil_from_days(day, &y, &m, &d);
    t.year = y;
    t.month = m;
    t.day = d;
    return t;
}

/* libical expands a rule from its DTSTART to five years past the current
 * one, each step through ICU (about 40,000 instructions): a plain yearly
 * observance that now starts at @start (its onset in @year) gives its
 * onsets of the next RDATE_YEARS years as RDATEs instead, which libical
 * reads as the same changes (local times, before the offset from), and a
 * copy of it with the rule starts after them; an unbounded rule only.
 * Returns the copy to add to the VTIMEZONE, or NULL when nothing changed. */
static icalcomponent *
onsets_as_dates(icalcomponent *c, icalproperty *rp, const struct icalrecurrencetype *r,
                struct icaltimetype start, int year)
{
    icalcomponent *later;

    if (!icaltime_is_null_time(r->until) || icaltime_is_utc(start) ||
        ny_busy_vtz_onset_day(r, year) !=
            ny_busy_days_from_civil(start.year, start.month, start.day))
        return NULL;
    later = icalcomponent_new_clone(c);
    icalproperty_set_dtstart(icalcomponent_get_first_property(later, ICAL_DTSTART_PROPERTY),
                             time_on_day(start, ny_busy_vtz_onset_day(r, year + RDATE_YEARS + 1)));
    icalcomponent_remove_property(c, rp);
    icalproperty_free(rp);
    for (int y = year + 1; y <= year + RDATE_YEARS; y++) {
        struct icaldatetimeperiodtype dp;

        memset(&dp, 0, sizeof dp);
        dp.time = time_on_day(start, ny_busy_vtz_onset_day(r, y));
        dp.period = icalperiodtype_null_period();
        icalcomponent_add_property(c, icalproperty_new_rdate(dp));
    }
    return later;
}

/* Moves the DTSTART of each plain yearly observance of @copy that starts
 * before @year to its first onset in @year (and its next onsets to RDATEs,
 * onsets_as_dates()). Returns how many moved; -1 when one could not be
 * (then the copy is not used). */
static int
start_rules_in(icalcomponent *copy, int year)
{
    g_autoptr(GPtrArray) later = g_ptr_array_new_with_free_func((GDestroyNotify)icalcomponent_free);
    int moved = 0;

    for (icalcomponent *c = icalcomponent_get_first_component(copy, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(copy, ICAL_ANY_COMPONENT)) {
        icalproperty *dp = icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY);
        icalproperty *rp = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY);
        struct icaltimetype dt, start, occ;
        struct icalrecurrencetype r;
        icalrecur_iterator *it;

        if (dp == NULL || rp == NULL)
            continue; /* no rule: one onset, the same in both */
        dt = icalproperty_get_dtstart(dp);
        if (dt.is_date || dt.year >= year)
            continue;
        r = icalproperty_get_rrule(rp);
        if (!icaltime_is_null_time(r.until) && r.until.year < year)
            continue; /* over before @year: the same onsets in both */
        if (icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY) != NULL ||
            icalcomponent_get_first_property(c, ICAL_RDATE_PROPERTY) != NULL ||
            !rule_is_plain_yearly(&r, year))
            return -1;
        it = icalrecur_iterator_new(r, dt);
        if (it == NULL)
            return -1;
        start = dt;
        start.year = year;
        start.month = 1;
        start.day = 1;
        start.hour = start.minute = start.second = 0;
        occ = icalrecur_iterator_set_start(it, start) ? icalrecur_iterator_next(it)
                                                      : icaltime_null_time();
        icalrecur_iterator_free(it);
        if (icaltime_is_null_time(occ) || occ.year != year)
            return -1;
        icalproperty_set_dtstart(dp, occ);
        {
            icalcomponent *next = onsets_as_dates(c, rp, &r, occ, year);
            if (next != NULL)
                g_ptr_array_add(later, next);
        }
        moved++;
    }
    while (later->len > 0)
        icalcomponent_add_component(copy, g_ptr_array_steal_index(later, later->len - 1));
    return moved;
}

/* Records the recent copy of @whole, built from @vtz (taken). */
static gboolean
add_recent(icaltimezone *whole, icalcomponent *vtz, int year)
{
    Recent *r;
    icaltimezone *tz;

    if (start_rules_in(vtz, year) <= 0) {
        icalcomponent_free(vtz);
        return FALSE;
    }
    tz = icaltimezone_new();
    if (!icaltimezone_set_component(tz, vtz)) {
        icalcomponent_free(vtz);
        icaltimezone_free(tz, 1);
        return FALSE;
    }
    r = g_new0(Recent, 1);
    r->tz = tz;
    /* Every moved rule has an onset in @year: from the next year on, the
     * onset in force is one both zones have (a day of margin for the
     * local-time comparisons libical makes). */
    r->from = ny_busy_wall_seconds(year + 1, 1, 1, 0, 0, 0) + NY_DAY;
    g_mutex_lock(&recent_lock);
    if (recent_of == NULL)
        recent_of = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL, recent_free);
    g_hash_table_replace(recent_of, whole, r);
    g_mutex_unlock(&recent_lock);
    return TRUE;
}

static void
remove_recent(icaltimezone *whole)
{
    g_mutex_lock(&recent_lock);
    if (recent_of != NULL) {
        g_hash_table_remove(recent_of, whole);
        if (g_hash_table_size(recent_of) == 0)
            g_clear_pointer(&recent_of, g_hash_table_unref);
    }
    g_mutex_unlock(&recent_lock);
}

gboolean
ny_busy_vtz_start_rules(icaltimezone *whole, icalcomponent *vtz, int year)
{
    return add_recent(whole, icalcomponent_new_clone(vtz), year);
}

void
ny_busy_vtz_forget_rules(icaltimezone *whole)
{
    remove_recent(whole);
}

/* The UTC fields of @utc, as icaltime_from_timet_with_zone(@utc, 0, NULL)
 * gives them, without its trip through gmtime_r() (a lock and the TZ
 * variable each time: a third of the cost of a zone's offset). */
static struct icaltimetype
utc_fields(NyTime utc)
{
    struct icaltimetype tt = icaltime_null_time();
    gint64 day = utc / NY_DAY - (utc % NY_DAY < 0);
    gint64 sec = utc - day * NY_DAY;
    int y, m, d;

    /* Far out gmtime_r() may fail, giving the null time: libical decides. */
    if (day < -700000 || day > 2900000)
        return icaltime_from_timet_with_zone((time_t)utc, 0, NULL);
    ny_busy_civil_from_days(day, &y, &m, &d);
    tt.year = y;
    tt.month = m;
    tt.day = d;
    tt.hour = (int)(sec / 3600);
    tt.minute = (int)(sec / 60 % 60);
    tt.second = (int)(sec % 60);
    return tt;
}

static int
zone_offset_at(const NyZone *z, NyTime utc)
{
    if (z->g != NULL)
        return g_time_zone_get_offset(z->g,
                                      g_time_zone_find_interval(z->g, G_TIME_TYPE_UNIVERSAL, utc));
    if (z->i != NULL) {
        struct icaltimetype tt = utc_fields(utc);
        icaltimezone *recent = NULL;
        int dst = 0;
        return icaltimezone_get_utc_offset_of_utc_time(
            recent_lookup(z->i, utc, &recent) ? recent : z->i, &tt, &dst);
    }
    return 0;
}

/* Wall-clock time to an instant, RFC 5545 3.3.5: a time in a DST gap is read
 * with the offset before the gap (02:30 becomes 03:30), a repeated time is
 * its first occurrence. */
NyTime
ny_busy_zone_to_utc(const NyZone *z, gint64 wall)
{
    int before = zone_offset_at(z, wall - NY_DAY);
    int after = zone_offset_at(z, wall + NY_DAY);
    NyTime t1 = wall - before;
    NyTime t2 = wall - after;
    gboolean ok1, ok2;

    /* The same offset a day either side: t1 == t2, and every branch below
     * gives t1, so the two checks are not needed (most times). */
    if (before == after)
        return t1;
    ok1 = zone_offset_at(z, t1) == before;
    ok2 = zone_offset_at(z, t2) == after;
    if (ok1 && ok2)
        return MIN(t1, t2);
    if (ok2)
        return t2;
    if (ok1)
        return t1;
    /* In a gap: the offset in force before it. */
    return t1;
}

gint64
ny_busy_zone_wall_at(const NyZone *z, NyTime utc)
{
    return utc + zone_offset_at(z, utc);
}

NyVtz *
ny_busy_vtz_ref(NyVtz *v)
{
    v->ref++;
    return v;
}

void
ny_busy_vtz_unref(gpointer data)
{
    NyVtz *v = data;

    if (--v->ref > 0)
        return;
    remove_recent(v->tz);
    icaltimezone_free(v->tz, 1);
    g_free(v->tzid);
    g_free(v);
}

NyBusyZones *
ny_busy_zones_new(void)
{
    NyBusyZones *zones = g_new0(NyBusyZones, 1);

    zones->by_text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ny_busy_vtz_unref);
    return zones;
}

void
ny_busy_zones_free(NyBusyZones *zones)
{
    if (zones == NULL)
        return;
    g_hash_table_unref(zones->by_text);
    g_free(zones);
}

/* Only VTIMEZONEs whose rules are yearly are used: a rule such as
 * FREQ=MINUTELY makes libical spin for minutes (doc/busy-rules.md, "Time
 * zones"). */
static gboolean
vtimezone_is_trusted(icalcomponent *vtz)
{
    int observances = 0;

    for (icalcomponent *c = icalcomponent_get_first_component(vtz, ICAL_ANY_COMPONENT); c;
         c = icalcomponent_get_next_component(vtz, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind k = icalcomponent_isa(c);
        if (k != ICAL_XSTANDARD_COMPONENT && k != ICAL_XDAYLIGHT_COMPONENT)
            continue;
        observances++;
        if (icalcomponent_get_first_property(c, ICAL_DTSTART_PROPERTY) == NULL ||
            icalcomponent_get_first_property(c, ICAL_TZOFFSETTO_PROPERTY) == NULL)
            return FALSE;
        /* RFC 5545 3.3.14: an offset's hours are 00 to 23. A larger one
         * ("-9900") would move times by days, past the margin every span
         * is computed with (src/busy-span.c). */
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_ANY_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_ANY_PROPERTY)) {
            icalproperty_kind pk = icalproperty_isa(p);
            int offset;
            if (pk == ICAL_TZOFFSETTO_PROPERTY)
                offset = icalproperty_get_tzoffsetto(p);
            else if (pk == ICAL_TZOFFSETFROM_PROPERTY)
                offset = icalproperty_get_tzoffsetfrom(p);
            else
                continue;
            if (offset <= -NY_DAY || offset >= NY_DAY)
                return FALSE;
        }
        for (icalproperty *p = icalcomponent_get_first_property(c, ICAL_RRULE_PROPERTY); p;
             p = icalcomponent_get_next_property(c, ICAL_RRULE_PROPERTY)) {
            struct icalrecurrencetype r = icalproperty_get_rrule(p);
            if (r.freq != ICAL_YEARLY_RECURRENCE)
                return FALSE;
        }
        if (icalcomponent_get_first_property(c, ICAL_XLICERROR_PROPERTY) != NULL)
            return FALSE;
    }
    return observances > 0;
}

/* Makes @v the calendar's zone of its TZID. */
static void
use_vtimezone(NyBusyScan *s, NyVtz *v)
{
    if (!v->trusted) {
        g_autofree char *label = ny_busy_uid_label(v->tzid);
        ny_busy_scan_warn(
            s,
            "time zone '%s': its VTIMEZONE is not used (an observance without DTSTART, "
            "with a rule that is not yearly, or with an offset of a day or more)",
            label);
    }
    g_hash_table_replace(s->vtz, g_strdup(v->tzid), ny_busy_vtz_ref(v));
}

/* A VTIMEZONE of the query's pool with exactly this @text, if any. */
gboolean
ny_busy_use_pooled_vtimezone(NyBusyScan *s, const char *text)
{
    NyVtz *v;

    if (s->q->zones == NULL)
        return FALSE;
    v = g_hash_table_lookup(s->q->zones->by_text, text);
    if (v == NULL)
        return FALSE;
    use_vtimezone(s, v);
    return TRUE;
}

void
ny_busy_add_vtimezone(NyBusyScan *s, icalcomponent *vtz, const char *text)
{
    const char *tzid = NULL;
    icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    icalcomponent *recent;
    NyVtz *v;

    if (p != NULL)
        tzid = icalproperty_get_tzid(p);
    if (tzid == NULL || *tzid == '\0') {
        icalcomponent_free(vtz);
        return;
    }
    v = g_new0(NyVtz, 1);
    v->ref = 1;
    v->tzid = g_strdup(tzid);
    v->trusted = vtimezone_is_trusted(vtz);
    v->tz = icaltimezone_new();
    recent = v->trusted ? icalcomponent_new_clone(vtz) : NULL;
    if (!icaltimezone_set_component(v->tz, vtz)) {
        icalcomponent_free(vtz);
        v->trusted = FALSE;
    }
    if (recent != NULL && v->trusted && s->q->from > 0) {
        int y, m, d;
        ny_busy_civil_from_days(s->q->from / NY_DAY, &y, &m, &d);
        /* Five years back covers the series a lookup usually meets. */
        (void)add_recent(v->tz, g_steal_pointer(&recent), y - 5);
    }
    g_clear_pointer(&recent, icalcomponent_free);
    use_vtimezone(s, v);
    /* Real calendars use a handful of zones; a calendar whose every object
     * carries a slightly different copy must not grow the pool without
     * bound (each entry holds libical's expanded changes, up to ~40 KB). */
    if (s->q->zones != NULL && g_hash_table_size(s->q->zones->by_text) < NY_ZONE_POOL_MAX)
        g_hash_table_replace(s->q->zones->by_text, g_strdup(text), ny_busy_vtz_ref(v));
    ny_busy_vtz_unref(v);
}
