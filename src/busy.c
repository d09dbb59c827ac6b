/* busy.c: busy periods from iCalendar text (DESIGN.md section 4). Pure.
 *
 * libical 3.0.16 parses one top-level component at a time and iterates
 * recurrence rules; everything else is computed here, because its own
 * free/busy helper is wrong in ways measured in RELIABILITY-ANCHORS 1.3
 * (all-day spans in UTC, unknown TZIDs read as UTC, overridden instances
 * reported twice, broken DTSTARTs read as free).
 *
 * Flow: raw lines -> limits checked -> one component's text -> libical ->
 * instances -> per-UID records (masters' instances and overrides near the
 * window) -> at the end, overrides applied -> busy intervals.
 */
#include "notyet/busy.h"

#include <libical/ical.h>
#include <string.h>

#include "busy-private.h"

G_DEFINE_QUARK(ny_busy_error, ny_busy_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

#define NY_DAY 86400
/* Instances are kept this far around the window, so a THISANDFUTURE
 * override can shift an instance into it (shifts up to this size). */
#define NY_MARGIN (2 * NY_DAY)
/* Components held back because a TZID was not defined yet. */
#define NY_MAX_DEFERRED 2000
/* Bytes of one unfolded property read for the span (an RDATE list can be
 * long); a longer one leaves the span open. */
#define NY_MAX_PROP (64 * 1024)

void
ny_busy_limits_init(NyBusyLimits *limits)
{
    limits->max_instances = 50000;
    limits->max_line = 1024 * 1024;
    limits->max_depth = 8;
    limits->max_object = 10 * 1024 * 1024;
}

void
ny_busy_query_init(NyBusyQuery *query, NyTime from, NyTime to, GTimeZone *zone,
                   const char *zone_name, const char *const *emails)
{
    memset(query, 0, sizeof(*query));
    query->from = from;
    query->to = to;
    query->zone = zone;
    query->zone_name = zone_name;
    query->emails = emails;
    ny_busy_limits_init(&query->limits);
}

/* ---------------------------------------------------------------------- */
/* Civil dates and zones */

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

static void
civil_from_days(gint64 z, int *y, int *m, int *d)
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
static gint64
wall_seconds(int y, int m, int d, int hh, int mm, int ss)
{
    return ny_busy_days_from_civil(y, m, d) * NY_DAY + hh * 3600 + mm * 60 + ss;
}

/* A zone: the system's (GTimeZone), a calendar's VTIMEZONE (libical), or UTC
 * when both are NULL. */
typedef struct {
    GTimeZone *g;
    icaltimezone *i;
} NyZone;

static int
zone_offset_at(const NyZone *z, NyTime utc)
{
    if (z->g != NULL)
        return g_time_zone_get_offset(z->g,
                                      g_time_zone_find_interval(z->g, G_TIME_TYPE_UNIVERSAL, utc));
    if (z->i != NULL) {
        struct icaltimetype tt = icaltime_from_timet_with_zone((time_t)utc, 0, NULL);
        int dst = 0;
        return icaltimezone_get_utc_offset_of_utc_time(z->i, &tt, &dst);
    }
    return 0;
}

/* Wall-clock time to an instant, RFC 5545 3.3.5: a time in a DST gap is read
 * with the offset before the gap (02:30 becomes 03:30), a repeated time is
 * its first occurrence. */
static NyTime
zone_to_utc(const NyZone *z, gint64 wall)
{
    int before = zone_offset_at(z, wall - NY_DAY);
    int after = zone_offset_at(z, wall + NY_DAY);
    NyTime t1 = wall - before;
    NyTime t2 = wall - after;
    gboolean ok1 = zone_offset_at(z, t1) == before;
    gboolean ok2 = zone_offset_at(z, t2) == after;

    if (ok1 && ok2)
        return MIN(t1, t2);
    if (ok2)
        return t2;
    if (ok1)
        return t1;
    /* In a gap: the offset in force before it. */
    return t1;
}

static gint64
zone_wall_at(const NyZone *z, NyTime utc)
{
    return utc + zone_offset_at(z, utc);
}

/* ---------------------------------------------------------------------- */
/* The scan */

typedef struct {
    NyTime recurid; /* the instance's original start */
    NyTime start;
    NyTime end;
    gboolean blocks;
} NyInst;

typedef struct {
    NyTime recurid;
    NyTime start;
    NyTime end;
    gboolean blocks;
    gboolean future; /* RANGE=THISANDFUTURE */
    /* A floating RECURRENCE-ID is the master's wall-clock time, read in
     * the master's zone once that is known (RFC 5545 3.8.4.4). */
    gboolean floating;
    gint64 wall;
} NyOverride;

typedef struct {
    icaltimezone *tz; /* owns its VTIMEZONE */
    gboolean trusted;
    char *tzid;
    int ref; /* a scan's table and a NyBusyZones pool may share it */
} NyVtz;

static NyVtz *
vtz_ref(NyVtz *v)
{
    v->ref++;
    return v;
}

static void
vtz_unref(gpointer data)
{
    NyVtz *v = data;

    if (--v->ref > 0)
        return;
    icaltimezone_free(v->tz, 1);
    g_free(v->tzid);
    g_free(v);
}

typedef struct {
    GArray *inst;      /* (element-type NyInst) */
    GArray *overrides; /* (element-type NyOverride) */
    guint masters;     /* events without RECURRENCE-ID that gave instances */
    /* The master's DTSTART zone, for floating RECURRENCE-IDs. */
    gboolean has_zone;
    NyZone zone;
    NyVtz *vtz; /* keeps zone.i alive past its calendar */
    /* A recurring master's text, until its calendar ends: a THISANDFUTURE
     * override may move instances from far outside the window into it. */
    char *master;
} NyUidRecord;

static void
uid_record_free(gpointer data)
{
    NyUidRecord *rec = data;

    g_array_unref(rec->inst);
    g_array_unref(rec->overrides);
    if (rec->vtz != NULL)
        vtz_unref(rec->vtz);
    g_free(rec->master);
    g_free(rec);
}

/* VTIMEZONEs kept by a NyBusyZones pool; later ones are built per object. */
#define NY_ZONE_POOL_MAX 64

struct _NyBusyZones {
    GHashTable *by_text; /* the VTIMEZONE's text -> NyVtz */
};

NyBusyZones *
ny_busy_zones_new(void)
{
    NyBusyZones *zones = g_new0(NyBusyZones, 1);

    zones->by_text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vtz_unref);
    return zones;
}

guint
ny_busy_zones_size(const NyBusyZones *zones)
{
    return g_hash_table_size(zones->by_text);
}

void
ny_busy_zones_free(NyBusyZones *zones)
{
    if (zones == NULL)
        return;
    g_hash_table_unref(zones->by_text);
    g_free(zones);
}

struct _NyBusyScan {
    const NyBusyQuery *q;
    NyTime lo, hi; /* the window with its margin */

    /* Line assembly. */
    GString *line;
    gboolean line_overflow; /* the current physical line is over the limit */
    gboolean line_nul;

    /* Structure. */
    guint depth;
    gboolean in_calendar;
    guint comp_depth;                  /* depth of the current top-level component, 0 = none */
    icalcomponent_kind open_kinds[16]; /* the component open at each depth */
    GString *comp;                     /* its text, while kept */
    icalcomponent_kind comp_kind;
    gboolean comp_keep; /* VEVENT, VFREEBUSY, VTIMEZONE are read */
    char *comp_problem; /* the first reason it cannot be read */
    GString *comp_uid;
    gboolean last_was_uid; /* for a folded UID line */
    /* The component's own properties that bound its span, unfolded. */
    GString *prop;
    gboolean prop_on; /* prop holds a property being unfolded */
    NyRawSpan raw;

    /* The current calendar. */
    GHashTable *vtz;     /* TZID -> NyVtz */
    GPtrArray *deferred; /* icalcomponent*, waiting for a VTIMEZONE defined later */

    GHashTable *sys_zones; /* name -> GTimeZone (or a NULL-zone marker) */
    GHashTable *warned;    /* warning text -> itself, to say each once */

    /* Results. */
    GHashTable *uids; /* UID -> NyUidRecord */
    GArray *busy;     /* (element-type NyInterval): periods without a UID to match */
    GPtrArray *warnings;
    gboolean saw_component;
    gboolean saw_text;
    gboolean finished;
    gboolean again; /* a master read again for a THISANDFUTURE override */

    /* Splitting (ny_busy_scan_set_split) and spans (ny_busy_span). */
    NyBusyObjectFunc split;
    gpointer split_data;
    gboolean split_whole; /* the objects give what the whole text gives */
    guint calendars;
    gboolean span_only; /* ny_busy_span(): nothing is computed */
    NyTime span_lo, span_hi;
    gboolean span_any;
};

static void scan_warn(NyBusyScan *s, const char *format, ...) G_GNUC_PRINTF(2, 3);

static void
scan_warn(NyBusyScan *s, const char *format, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (g_hash_table_contains(s->warned, msg)) {
        g_free(msg);
        return;
    }
    g_hash_table_add(s->warned, msg);
    g_ptr_array_add(s->warnings, g_strdup(msg));
}

/* A UID made safe to quote in one warning line. */
static char *
uid_label(const char *uid)
{
    GString *out;

    if (uid == NULL || *uid == '\0')
        return g_strdup("(no UID)");
    out = g_string_new(NULL);
    for (const char *p = uid; *p && out->len < 120; p++) {
        unsigned char c = (unsigned char)*p;
        g_string_append_c(out, (c < 0x20 || c == 0x7f || c == '\'') ? '?' : (char)c);
    }
    return g_string_free(out, FALSE);
}

NyBusyScan *
ny_busy_scan_new(const NyBusyQuery *query)
{
    NyBusyScan *s;

    g_return_val_if_fail(query != NULL && query->zone != NULL, NULL);
    s = g_new0(NyBusyScan, 1);
    s->q = query;
    s->lo = query->from - NY_MARGIN;
    s->hi = query->to + NY_MARGIN;
    s->line = g_string_new(NULL);
    s->prop = g_string_new(NULL);
    s->split_whole = TRUE;
    s->comp_uid = g_string_new(NULL);
    s->vtz = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, vtz_unref);
    s->deferred = g_ptr_array_new_with_free_func((GDestroyNotify)icalcomponent_free);
    s->sys_zones =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_time_zone_unref);
    s->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, uid_record_free);
    s->busy = ny_intervals_new();
    s->warnings = g_ptr_array_new_with_free_func(g_free);
    return s;
}

void
ny_busy_scan_free(NyBusyScan *s)
{
    if (s == NULL)
        return;
    g_string_free(s->line, TRUE);
    g_string_free(s->prop, TRUE);
    if (s->comp != NULL)
        g_string_free(s->comp, TRUE);
    g_string_free(s->comp_uid, TRUE);
    g_free(s->comp_problem);
    g_ptr_array_unref(s->deferred);
    g_hash_table_unref(s->vtz);
    g_hash_table_unref(s->sys_zones);
    g_hash_table_unref(s->warned);
    g_hash_table_unref(s->uids);
    g_array_unref(s->busy);
    g_ptr_array_unref(s->warnings);
    g_free(s);
}

/* ---------------------------------------------------------------------- */
/* TZID resolution */

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
static GTimeZone *
system_zone_for_tzid(NyBusyScan *s, const char *tzid)
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
static NyZone
resolve_tzid(NyBusyScan *s, const char *tzid, const char *uid)
{
    NyZone z = {NULL, NULL};
    NyVtz *v = g_hash_table_lookup(s->vtz, tzid);
    GTimeZone *g;

    if (v != NULL && v->trusted) {
        z.i = v->tz;
        return z;
    }
    g = system_zone_for_tzid(s, tzid);
    if (g != NULL) {
        z.g = g;
        return z;
    }
    {
        /* Once per TZID, naming the first event that used it. */
        g_autofree char *key = g_strconcat("\x01tz:", tzid, NULL);
        if (!g_hash_table_contains(s->warned, key)) {
            g_autofree char *label = uid_label(uid);
            g_autofree char *tzlabel = uid_label(tzid);
            g_hash_table_add(s->warned, g_steal_pointer(&key));
            scan_warn(s, "event '%s': unknown time zone '%s', read in %s", label, tzlabel,
                      s->q->zone_name ? s->q->zone_name : "your zone");
        }
    }
    z.g = s->q->zone;
    return z;
}

/* Only VTIMEZONEs whose rules are yearly are used: a rule such as
 * FREQ=MINUTELY makes libical spin for minutes (RELIABILITY-ANCHORS 1.3.4). */
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
        g_autofree char *label = uid_label(v->tzid);
        scan_warn(s,
                  "time zone '%s': its VTIMEZONE is not used (an observance without DTSTART, "
                  "with a rule that is not yearly, or with an offset of a day or more)",
                  label);
    }
    g_hash_table_replace(s->vtz, g_strdup(v->tzid), vtz_ref(v));
}

/* A VTIMEZONE of the query's pool with exactly this @text, if any. */
static gboolean
use_pooled_vtimezone(NyBusyScan *s, const char *text)
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

static void
add_vtimezone(NyBusyScan *s, icalcomponent *vtz, const char *text)
{
    const char *tzid = NULL;
    icalproperty *p = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
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
    if (!icaltimezone_set_component(v->tz, vtz)) {
        icalcomponent_free(vtz);
        v->trusted = FALSE;
    }
    use_vtimezone(s, v);
    /* Real calendars use a handful of zones; a calendar whose every object
     * carries a slightly different copy must not grow the pool without
     * bound (each entry holds libical's expanded changes, up to ~40 KB). */
    if (s->q->zones != NULL && g_hash_table_size(s->q->zones->by_text) < NY_ZONE_POOL_MAX)
        g_hash_table_replace(s->q->zones->by_text, g_strdup(text), vtz_ref(v));
    vtz_unref(v);
}

/* ---------------------------------------------------------------------- */
/* Values */

/* A DATE or DATE-TIME value with the zone it is read in. */
typedef struct {
    struct icaltimetype t;
    NyZone zone; /* for DATE-TIME; UTC when t is UTC */
    gboolean is_date;
} NyValue;

static const char *
prop_tzid(icalproperty *p)
{
    icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

    return param ? icalparameter_get_tzid(param) : NULL;
}

/* The zone of a DATE-TIME property: UTC, its TZID, or floating (the user's). */
static NyZone
value_zone(NyBusyScan *s, struct icaltimetype t, icalproperty *p, const char *uid)
{
    NyZone z = {NULL, NULL};
    const char *tzid = prop_tzid(p);

    /* A TZID wins over a trailing Z ("TZID=Europe/Berlin:...T160000Z"). */
    if (tzid != NULL)
        return resolve_tzid(s, tzid, uid);
    if (icaltime_is_utc(t))
        return z;
    z.g = s->q->zone;
    return z;
}

static gboolean
time_is_sane(struct icaltimetype t)
{
    return !icaltime_is_null_time(t) && t.year >= 1 && t.year <= 9999 && t.month >= 1 &&
           t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour >= 0 && t.hour <= 23 &&
           t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 60;
}

static NyTime
user_midnight(NyBusyScan *s, gint64 day)
{
    NyZone z = {s->q->zone, NULL};

    return zone_to_utc(&z, day * NY_DAY);
}

static gint64
time_day(struct icaltimetype t)
{
    return ny_busy_days_from_civil(t.year, t.month, t.day);
}

/* The instant of @t: a DATE is the local midnight in the user's zone. */
static NyTime
value_instant(NyBusyScan *s, struct icaltimetype t, const NyZone *zone)
{
    if (t.is_date)
        return user_midnight(s, time_day(t));
    return zone_to_utc(zone, wall_seconds(t.year, t.month, t.day, t.hour, t.minute, t.second));
}

/* ---------------------------------------------------------------------- */
/* Events */

/* How long each occurrence lasts: nominal days in local time, then exact
 * seconds (RFC 5545 3.3.6 and 3.8.5.3). */
typedef struct {
    gint64 days;
    gint64 seconds;
} NyLength;

static NyTime
occurrence_end(NyBusyScan *s, struct icaltimetype start, const NyZone *zone, NyTime start_utc,
               NyLength len)
{
    NyTime end;

    if (len.days == 0)
        end = start_utc;
    else if (start.is_date)
        end = user_midnight(s, time_day(start) + len.days);
    else
        end = zone_to_utc(zone, wall_seconds(start.year, start.month, start.day, start.hour,
                                             start.minute, start.second) +
                                    len.days * NY_DAY);
    return end + len.seconds;
}

static gboolean
user_declined(NyBusyScan *s, icalcomponent *ev)
{
    if (s->q->emails == NULL || s->q->emails[0] == NULL)
        return FALSE;
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ATTENDEE_PROPERTY)) {
        const char *who = icalproperty_get_attendee(p);
        icalparameter *ps = icalproperty_get_first_parameter(p, ICAL_PARTSTAT_PARAMETER);

        if (who == NULL || ps == NULL || icalparameter_get_partstat(ps) != ICAL_PARTSTAT_DECLINED)
            continue;
        if (g_ascii_strncasecmp(who, "mailto:", 7) == 0)
            who += 7;
        while (*who == ' ')
            who++;
        for (const char *const *e = s->q->emails; *e; e++) {
            if (g_ascii_strcasecmp(who, *e) == 0)
                return TRUE;
        }
    }
    return FALSE;
}

/* TRANSP, STATUS and the user's PARTSTAT, judged on one component. */
static gboolean
component_blocks(NyBusyScan *s, icalcomponent *ev)
{
    icalproperty *p = icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY);

    if (p != NULL) {
        icalproperty_transp tr = icalproperty_get_transp(p);
        if (tr == ICAL_TRANSP_TRANSPARENT || tr == ICAL_TRANSP_TRANSPARENTNOCONFLICT)
            return FALSE;
    }
    p = icalcomponent_get_first_property(ev, ICAL_STATUS_PROPERTY);
    if (p != NULL && icalproperty_get_status(p) == ICAL_STATUS_CANCELLED)
        return FALSE;
    return !user_declined(s, ev);
}

static NyUidRecord *
uid_record(NyBusyScan *s, const char *uid)
{
    NyUidRecord *rec = g_hash_table_lookup(s->uids, uid);

    if (rec == NULL) {
        rec = g_new0(NyUidRecord, 1);
        rec->inst = g_array_new(FALSE, FALSE, sizeof(NyInst));
        rec->overrides = g_array_new(FALSE, FALSE, sizeof(NyOverride));
        g_hash_table_insert(s->uids, g_strdup(uid), rec);
    }
    return rec;
}

/* Everything one series needs while its instances are generated. */
typedef struct {
    NyBusyScan *s;
    const char *uid;
    NyValue start;
    NyLength len;
    gboolean blocks;
    GArray *out;     /* (element-type NyInst) */
    GArray *exdates; /* (element-type NyTime), sorted */
    GArray *exdays;  /* (element-type gint64): DATE exclusions on a DATE-TIME series */
} NySeries;

static gint
cmp_time(gconstpointer a, gconstpointer b)
{
    NyTime x = *(const NyTime *)a;
    NyTime y = *(const NyTime *)b;

    return x < y ? -1 : x > y;
}

static gboolean
sorted_contains(GArray *sorted, NyTime t)
{
    guint lo = 0, hi = sorted->len;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        NyTime v = g_array_index(sorted, NyTime, mid);
        if (v == t)
            return TRUE;
        if (v < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return FALSE;
}

static gboolean
series_excluded(NySeries *se, struct icaltimetype t, NyTime start_utc)
{
    if (sorted_contains(se->exdates, start_utc))
        return TRUE;
    if (se->exdays->len > 0) {
        gint64 day = time_day(t);
        for (guint i = 0; i < se->exdays->len; i++) {
            if (g_array_index(se->exdays, gint64, i) == day)
                return TRUE;
        }
    }
    return FALSE;
}

/* One instance starting at the wall-clock time @t of the series' zone. */
static void
series_add(NySeries *se, struct icaltimetype t, NyTime start_utc, const NyLength *len)
{
    NyInst in;

    in.recurid = start_utc;
    in.start = start_utc;
    in.end = occurrence_end(se->s, t, &se->start.zone, start_utc, *len);
    in.blocks = se->blocks;
    if (in.end < in.start)
        in.end = in.start;
    if (in.end < se->s->lo || in.start >= se->s->hi)
        return;
    if (series_excluded(se, t, start_utc))
        return;
    g_array_append_val(se->out, in);
}

static NyTime
series_instant(NySeries *se, struct icaltimetype t)
{
    return value_instant(se->s, t, &se->start.zone);
}

static int
days_in_month(int month)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month >= 1 && month <= 12 ? days[month - 1] : 31;
}

/* A rule that cannot produce anything, or that libical would search for
 * minutes inside one next() call (RELIABILITY-ANCHORS 1.3.3). */
static const char *
rule_problem(const struct icalrecurrencetype *r)
{
    gboolean by_month = r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX;
    gboolean by_mday = r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX;
    gboolean by_day_level = by_month || by_mday || r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX;

    if (r->freq == ICAL_NO_RECURRENCE)
        return "a recurrence rule without FREQ";
    /* RFC 5545 3.3.10 forbids these combinations; libical searches for
     * matches that never come, for centuries, inside one next() call. */
    if (r->freq != ICAL_MONTHLY_RECURRENCE && r->freq != ICAL_YEARLY_RECURRENCE) {
        for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
                return "an invalid recurrence rule (BYDAY with a number outside MONTHLY or "
                       "YEARLY)";
        }
    }
    if (r->freq == ICAL_YEARLY_RECURRENCE && r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX) {
        for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            if (icalrecurrencetype_day_position(r->by_day[i]) != 0)
                return "an invalid recurrence rule (BYDAY with a number and BYWEEKNO)";
        }
    }
    if (r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX && r->freq != ICAL_YEARLY_RECURRENCE)
        return "an invalid recurrence rule (BYWEEKNO outside YEARLY)";
    if (r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX &&
        (r->freq == ICAL_DAILY_RECURRENCE || r->freq == ICAL_WEEKLY_RECURRENCE ||
         r->freq == ICAL_MONTHLY_RECURRENCE))
        return "an invalid recurrence rule (BYYEARDAY with DAILY, WEEKLY or MONTHLY)";
    if (by_mday && r->freq == ICAL_WEEKLY_RECURRENCE)
        return "an invalid recurrence rule (BYMONTHDAY with WEEKLY)";
    if ((r->freq == ICAL_SECONDLY_RECURRENCE || r->freq == ICAL_MINUTELY_RECURRENCE) &&
        by_day_level)
        return "a SECONDLY or MINUTELY rule filtered by day or month";
    if (r->freq == ICAL_HOURLY_RECURRENCE &&
        (by_month ? 1 : 0) + (by_mday ? 1 : 0) +
                (r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ? 1 : 0) +
                (r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX ? 1 : 0) >
            1)
        return "an HOURLY rule filtered by more than one of month, day and weekday";
    if (by_month && by_mday) {
        gboolean possible = FALSE;
        for (int i = 0; i < ICAL_BY_MONTH_SIZE && r->by_month[i] != ICAL_RECURRENCE_ARRAY_MAX;
             i++) {
            for (int j = 0;
                 j < ICAL_BY_MONTHDAY_SIZE && r->by_month_day[j] != ICAL_RECURRENCE_ARRAY_MAX;
                 j++) {
                int d = abs(r->by_month_day[j]);
                if (d >= 1 && d <= days_in_month(r->by_month[i]))
                    possible = TRUE;
            }
        }
        if (!possible)
            return "a recurrence rule that matches no day (BYMONTH with BYMONTHDAY)";
    }
    return NULL;
}

/* The instant UNTIL stands for (inclusive), RFC 5545 3.3.10: a local UNTIL
 * on a zoned start is read in the start's zone; a DATE UNTIL on a DATE-TIME
 * start ends with that day. */
static NyTime
rule_until(NySeries *se, struct icaltimetype until)
{
    if (until.is_date) {
        if (se->start.is_date)
            return user_midnight(se->s, time_day(until) + 1) - 1;
        return zone_to_utc(&se->start.zone, (time_day(until) + 1) * NY_DAY) - 1;
    }
    if (icaltime_is_utc(until)) {
        NyZone utc = {NULL, NULL};
        return zone_to_utc(&utc, wall_seconds(until.year, until.month, until.day, until.hour,
                                              until.minute, until.second));
    }
    if (se->start.is_date)
        return user_midnight(se->s, time_day(until)) +
               (until.hour * 3600 + until.minute * 60 + until.second);
    return zone_to_utc(&se->start.zone, wall_seconds(until.year, until.month, until.day, until.hour,
                                                     until.minute, until.second));
}

static void
series_expand_rule(NySeries *se, struct icalrecurrencetype r)
{
    NyBusyScan *s = se->s;
    const char *problem = rule_problem(&r);
    gboolean has_until = !icaltime_is_null_time(r.until);
    NyTime until = has_until ? rule_until(se, r.until) : G_MAXINT64;
    struct icaltimetype dtstart = se->start.t;
    struct icaltimetype prev = icaltime_null_time();
    icalrecur_iterator *it = NULL;
    NyFastRule fast;
    gboolean use_fast;
    guint steps = 0;

    if (problem != NULL) {
        g_autofree char *label = uid_label(se->uid);
        scan_warn(s, "event '%s': %s, only its first instance is used", label, problem);
        return;
    }
    if (until < s->lo)
        return;
    /* UNTIL is applied here, as an instant; libical would compare wall
     * clocks of different zones. */
    r.until = icaltime_null_time();
    dtstart.zone = NULL;
    use_fast = ny_busy_fast_rule_init(&fast, &r, time_day(dtstart));
    if (!use_fast) {
        it = icalrecur_iterator_new(r, dtstart);
        if (it == NULL) {
            g_autofree char *label = uid_label(se->uid);
            scan_warn(s,
                      "event '%s': its recurrence rule cannot be read, only its first "
                      "instance is used",
                      label);
            return;
        }
    }
    /* libical cannot skip a series with COUNT (icalrecur_iterator_set_start
     * refuses it); the fast path counts what it skips. */
    if (r.count == 0 || use_fast) {
        /* Skip ahead: the first instance that can reach the window, with
         * room for DST shifts (sub-daily rules) or a day either way. */
        gboolean sub_daily = r.freq == ICAL_SECONDLY_RECURRENCE ||
                             r.freq == ICAL_MINUTELY_RECURRENCE || r.freq == ICAL_HOURLY_RECURRENCE;
        NyTime from = sub_daily ? s->q->from - 3 * 3600 : s->lo - 2 * NY_DAY;
        from -= se->len.days * NY_DAY + se->len.seconds;
        NyTime start_utc = series_instant(se, se->start.t);
        if (from > start_utc) {
            gint64 wall = se->start.is_date ? zone_wall_at(&(NyZone){s->q->zone, NULL}, from)
                                            : zone_wall_at(&se->start.zone, from);
            gint64 day = wall / NY_DAY - (wall % NY_DAY < 0);
            gint64 sec = wall - day * NY_DAY;
            int y, m, d;
            struct icaltimetype at = icaltime_null_time();

            if (use_fast) {
                ny_busy_fast_rule_skip_to(&fast, day);
            } else {
                civil_from_days(day, &y, &m, &d);
                at.year = y;
                at.month = m;
                at.day = d;
                at.is_date = se->start.is_date;
                if (!at.is_date) {
                    at.hour = (int)(sec / 3600);
                    at.minute = (int)(sec / 60 % 60);
                    at.second = (int)(sec % 60);
                }
                icalrecur_iterator_set_start(it, at);
            }
        }
    }
    for (;;) {
        struct icaltimetype t;
        NyTime start_utc;

        if (use_fast) {
            gint64 day;
            int y, m, d;
            if (!ny_busy_fast_rule_next(&fast, &day))
                break;
            civil_from_days(day, &y, &m, &d);
            t = dtstart;
            t.year = y;
            t.month = m;
            t.day = d;
        } else {
            t = icalrecur_iterator_next(it);
        }
        if (icaltime_is_null_time(t) || !time_is_sane(t))
            break;
        if (++steps > s->q->limits.max_instances) {
            g_autofree char *label = uid_label(se->uid);
            scan_warn(s, "event '%s': more than %u recurrence steps, the rest is ignored", label,
                      s->q->limits.max_instances);
            break;
        }
        /* libical can stand still on odd rules. */
        if (icaltime_compare(t, prev) == 0)
            break;
        prev = t;
        t.is_date = se->start.is_date;
        start_utc = series_instant(se, t);
        if (start_utc > until || start_utc >= s->hi)
            break;
        series_add(se, t, start_utc, &se->len);
    }
    if (it != NULL)
        icalrecur_iterator_free(it);
}

static NyLength
length_from_duration(struct icaldurationtype d)
{
    NyLength len;
    gint64 sign = d.is_neg ? -1 : 1;

    len.days = sign * ((gint64)d.weeks * 7 + d.days);
    len.seconds = sign * ((gint64)d.hours * 3600 + d.minutes * 60 + d.seconds);
    return len;
}

/* RDATE values: DATE, DATE-TIME with its own TZID, or PERIOD (RFC 5545 3.8.5.2). */
static void
series_add_rdates(NySeries *se, icalcomponent *ev)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_RDATE_PROPERTY)) {
        struct icaldatetimeperiodtype dp = icalproperty_get_rdate(p);
        NySeries one = *se;

        if (!icaltime_is_null_time(dp.period.start)) {
            struct icaltimetype st = dp.period.start;
            NyZone z = value_zone(se->s, st, p, se->uid);
            NyTime a, b;
            if (!time_is_sane(st))
                continue;
            a = value_instant(se->s, st, &z);
            if (!icaltime_is_null_time(dp.period.end)) {
                struct icaltimetype en = dp.period.end;
                NyZone ze = value_zone(se->s, en, p, se->uid);
                if (!time_is_sane(en))
                    continue;
                b = value_instant(se->s, en, &ze);
            } else {
                NyLength l = length_from_duration(dp.period.duration);
                one.start.zone = z;
                b = occurrence_end(se->s, st, &z, a, l);
            }
            {
                NyLength exact = {0, b - a};
                one.start.zone = z;
                series_add(&one, st, a, &exact);
            }
        } else if (time_is_sane(dp.time)) {
            struct icaltimetype t = dp.time;
            NyZone z = value_zone(se->s, t, p, se->uid);
            NyLength len = se->len;
            if (t.is_date && !se->start.is_date && len.days == 0) {
                /* A DATE instance of a timed series: treat as all-day. */
                len.days = 1;
                len.seconds = 0;
            }
            one.start.zone = z;
            series_add(&one, t, value_instant(se->s, t, &z), &len);
        }
    }
}

static void
series_collect_exdates(NySeries *se, icalcomponent *ev)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_EXDATE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_EXDATE_PROPERTY)) {
        struct icaltimetype t = icalproperty_get_exdate(p);
        NyTime v;

        if (!time_is_sane(t))
            continue;
        if (t.is_date && !se->start.is_date) {
            gint64 day = time_day(t);
            g_array_append_val(se->exdays, day);
            continue;
        }
        {
            NyZone z = value_zone(se->s, t, p, se->uid);
            v = value_instant(se->s, t, &z);
        }
        g_array_append_val(se->exdates, v);
    }
    g_array_sort(se->exdates, cmp_time);
}

static gint
cmp_inst(gconstpointer a, gconstpointer b)
{
    const NyInst *x = a;
    const NyInst *y = b;

    return x->recurid < y->recurid ? -1 : x->recurid > y->recurid;
}

static gboolean
read_value(NyBusyScan *s, icalproperty *p, const char *uid, NyValue *out)
{
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));

    if (!time_is_sane(t))
        return FALSE;
    out->t = t;
    out->is_date = t.is_date;
    out->zone = t.is_date ? (NyZone){s->q->zone, NULL} : value_zone(s, t, p, uid);
    return TRUE;
}

static void
skip_event(NyBusyScan *s, const char *uid, const char *why)
{
    g_autofree char *label = uid_label(uid);

    scan_warn(s, "event '%s' skipped: %s", label, why);
}

/* Errors libical recovered from by dropping a property (X-LIC-ERROR). A
 * dropped DTSTART, DTEND, DURATION, RRULE, RDATE, EXDATE or RECURRENCE-ID
 * would change the busy time, so the event is skipped and said so. */
static const char *
event_error(icalcomponent *ev)
{
    static const char *const vital[] = {"DTSTART", "DTEND",  "DURATION",      "RRULE",
                                        "RDATE",   "EXDATE", "RECURRENCE-ID", "EXRULE"};

    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_XLICERROR_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_XLICERROR_PROPERTY)) {
        const char *text = icalproperty_get_xlicerror(p);
        if (text == NULL)
            continue;
        for (gsize i = 0; i < G_N_ELEMENTS(vital); i++) {
            char needle[32];
            g_snprintf(needle, sizeof needle, " %s ", vital[i]);
            if (strstr(text, needle) != NULL)
                return vital[i];
        }
    }
    return NULL;
}

/* What a master tells its overrides: its zone (for a floating
 * RECURRENCE-ID) and, for a series, its text (for a THISANDFUTURE one). */
static void
master_remember(NyBusyScan *s, NyUidRecord *rec, const NySeries *se, icalcomponent *ev,
                const char *text)
{
    if (!rec->has_zone && !se->start.is_date) {
        rec->has_zone = TRUE;
        rec->zone = se->start.zone;
        if (rec->zone.i != NULL) {
            GHashTableIter iter;
            gpointer value;

            g_hash_table_iter_init(&iter, s->vtz);
            while (rec->vtz == NULL && g_hash_table_iter_next(&iter, NULL, &value)) {
                NyVtz *v = value;
                if (v->tz == rec->zone.i)
                    rec->vtz = vtz_ref(v);
            }
        }
    }
    if (rec->master == NULL && (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) != NULL ||
                                icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY) != NULL))
        rec->master = text != NULL ? g_strdup(text) : icalcomponent_as_ical_string_r(ev);
}

/* @text: the component's text, or NULL (then built from @ev if needed). */
static void
process_event(NyBusyScan *s, icalcomponent *ev, const char *text)
{
    const char *uid = icalcomponent_get_uid(ev);
    icalproperty *pstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    icalproperty *pend = icalcomponent_get_first_property(ev, ICAL_DTEND_PROPERTY);
    icalproperty *pdur = icalcomponent_get_first_property(ev, ICAL_DURATION_PROPERTY);
    icalproperty *precur = icalcomponent_get_first_property(ev, ICAL_RECURRENCEID_PROPERTY);
    const char *bad = event_error(ev);
    NySeries se = {0};
    NyTime start_utc;
    g_autoptr(GArray) out = NULL;
    g_autoptr(GArray) exdates = NULL;
    g_autoptr(GArray) exdays = NULL;

    if (bad != NULL) {
        g_autofree char *why = g_strdup_printf("its %s cannot be read", bad);
        skip_event(s, uid, why);
        return;
    }
    se.s = s;
    se.uid = uid;
    if (pstart == NULL || !read_value(s, pstart, uid, &se.start)) {
        skip_event(s, uid, "it has no readable DTSTART");
        return;
    }
    start_utc = value_instant(s, se.start.t, &se.start.zone);

    /* The length: DTEND, DURATION, or the RFC 5545 3.6.1 defaults. */
    if (pend != NULL) {
        NyValue end;
        if (!read_value(s, pend, uid, &end)) {
            skip_event(s, uid, "its DTEND cannot be read");
            return;
        }
        /* A floating start or end beside a zoned one is read in that zone
         * (as khal does with such mixed events). */
        if (!se.start.is_date && !end.is_date) {
            gboolean start_floating = prop_tzid(pstart) == NULL && !icaltime_is_utc(se.start.t);
            gboolean end_floating = prop_tzid(pend) == NULL && !icaltime_is_utc(end.t);
            if (start_floating && prop_tzid(pend) != NULL) {
                se.start.zone = end.zone;
                start_utc = value_instant(s, se.start.t, &se.start.zone);
            } else if (end_floating && prop_tzid(pstart) != NULL) {
                end.zone = se.start.zone;
            }
        }
        if (se.start.is_date && end.is_date) {
            se.len.days = time_day(end.t) - time_day(se.start.t);
        } else {
            NyTime end_utc = value_instant(s, end.t, &end.zone);
            se.len.seconds = end_utc - start_utc;
        }
    } else if (pdur != NULL) {
        se.len = length_from_duration(icalproperty_get_duration(pdur));
    } else if (se.start.is_date) {
        se.len.days = 1;
    }
    if (se.len.days < 0 || se.len.seconds < 0 || (se.len.days == 0 && se.len.seconds < 0)) {
        g_autofree char *label = uid_label(uid);
        scan_warn(s, "event '%s': it ends before it starts, read as zero length", label);
        se.len.days = 0;
        se.len.seconds = 0;
    }
    se.blocks = component_blocks(s, ev);

    if (precur != NULL) {
        /* An override: kept until the end, when its master's instances are
         * known (RFC 5545 3.8.4.4). */
        NyValue rid;
        NyOverride o = {0};
        icalparameter *range = icalproperty_get_first_parameter(precur, ICAL_RANGE_PARAMETER);

        if (!read_value(s, precur, uid, &rid)) {
            skip_event(s, uid, "its RECURRENCE-ID cannot be read");
            return;
        }
        o.recurid = value_instant(s, rid.t, &rid.zone);
        o.floating = !rid.is_date && prop_tzid(precur) == NULL && !icaltime_is_utc(rid.t);
        o.wall = wall_seconds(rid.t.year, rid.t.month, rid.t.day, rid.t.hour, rid.t.minute,
                              rid.t.second);
        o.start = start_utc;
        o.end = occurrence_end(s, se.start.t, &se.start.zone, start_utc, se.len);
        if (o.end < o.start)
            o.end = o.start;
        o.blocks = se.blocks;
        o.future = range != NULL && icalparameter_get_range(range) == ICAL_RANGE_THISANDFUTURE;
        if (uid == NULL || *uid == '\0') {
            if (o.blocks)
                ny_intervals_add(s->busy, o.start, o.end);
            return;
        }
        if (o.future || (o.end >= s->lo && o.start < s->hi) ||
            (o.recurid >= s->lo && o.recurid < s->hi))
            g_array_append_val(uid_record(s, uid)->overrides, o);
        return;
    }

    out = g_array_new(FALSE, FALSE, sizeof(NyInst));
    exdates = g_array_new(FALSE, FALSE, sizeof(NyTime));
    exdays = g_array_new(FALSE, FALSE, sizeof(gint64));
    se.out = out;
    se.exdates = exdates;
    se.exdays = exdays;
    series_collect_exdates(&se, ev);

    /* DTSTART is always the first instance (RFC 5545 3.8.5.3). */
    series_add(&se, se.start.t, start_utc, &se.len);
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_RRULE_PROPERTY))
        series_expand_rule(&se, icalproperty_get_rrule(p));
    series_add_rdates(&se, ev);

    g_array_sort(out, cmp_inst);
    if (uid == NULL || *uid == '\0') {
        for (guint i = 0; i < out->len; i++) {
            NyInst *in = &g_array_index(out, NyInst, i);
            if (in->blocks)
                ny_intervals_add(s->busy, in->start, in->end);
        }
        return;
    }
    {
        NyUidRecord *rec = uid_record(s, uid);
        if (!s->again) {
            master_remember(s, rec, &se, ev, text);
            /* Two masters of one UID: both kept busy, never one silently
             * dropped. */
            if (out->len > 0 && ++rec->masters == 2) {
                g_autofree char *label = uid_label(uid);
                scan_warn(s, "event '%s': the same UID twice, both are counted busy", label);
            }
        }
        for (guint i = 0; i < out->len; i++) {
            NyInst *in = &g_array_index(out, NyInst, i);
            /* The same start twice (DTSTART and RDATE): one instance. */
            if (i > 0 && g_array_index(out, NyInst, i - 1).recurid == in->recurid)
                continue;
            g_array_append_val(rec->inst, *in);
        }
    }
}

/* VFREEBUSY (RFC 5545 3.6.4, 3.2.9): FBTYPE=FREE does not block, every
 * other type does. */
static void
process_freebusy(NyBusyScan *s, icalcomponent *fb)
{
    for (icalproperty *p = icalcomponent_get_first_property(fb, ICAL_FREEBUSY_PROPERTY); p;
         p = icalcomponent_get_next_property(fb, ICAL_FREEBUSY_PROPERTY)) {
        icalparameter *type = icalproperty_get_first_parameter(p, ICAL_FBTYPE_PARAMETER);
        struct icalperiodtype per = icalproperty_get_freebusy(p);
        NyZone z = {NULL, NULL};
        NyTime a, b;

        if (type != NULL && icalparameter_get_fbtype(type) == ICAL_FBTYPE_FREE)
            continue;
        if (!time_is_sane(per.start))
            continue;
        if (!icaltime_is_utc(per.start))
            z.g = s->q->zone;
        a = value_instant(s, per.start, &z);
        if (!icaltime_is_null_time(per.end) && time_is_sane(per.end)) {
            NyZone ze = {NULL, NULL};
            if (!icaltime_is_utc(per.end))
                ze.g = s->q->zone;
            b = value_instant(s, per.end, &ze);
        } else {
            NyLength len = length_from_duration(per.duration);
            b = occurrence_end(s, per.start, &z, a, len);
        }
        ny_intervals_add(s->busy, a, b);
    }
}

/* Every TZID the event uses is a VTIMEZONE seen so far or a name the system
 * knows (Olson, prefixed or Windows). Otherwise the event waits for the end
 * of its calendar, where the VTIMEZONE may still come (RFC 5545 does not
 * order them); a name the system knows is used at once, so a calendar
 * without VTIMEZONEs still streams. */
static gboolean
tzids_ready(NyBusyScan *s, icalcomponent *ev)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_ANY_PROPERTY); p;
         p = icalcomponent_get_next_property(ev, ICAL_ANY_PROPERTY)) {
        const char *tzid = prop_tzid(p);
        if (tzid != NULL && !g_hash_table_contains(s->vtz, tzid) &&
            system_zone_for_tzid(s, tzid) == NULL)
            return FALSE;
    }
    return TRUE;
}

static void
process_component_text(NyBusyScan *s, const char *text)
{
    icalcomponent *c;
    icalcomponent_kind kind;

    if (g_ascii_strncasecmp(text, "BEGIN:VTIMEZONE", 15) == 0 && use_pooled_vtimezone(s, text))
        return;
    c = icalparser_parse_string(text);

    if (c == NULL) {
        g_autofree char *label = uid_label(s->comp_uid->str);
        scan_warn(s, "component '%s' skipped: it cannot be read", label);
        return;
    }
    kind = icalcomponent_isa(c);
    if (kind == ICAL_XROOT_COMPONENT || kind == ICAL_VCALENDAR_COMPONENT) {
        /* The parser wraps odd input; use the first real child. */
        icalcomponent *child = icalcomponent_get_first_component(c, ICAL_ANY_COMPONENT);
        if (child != NULL)
            icalcomponent_remove_component(c, child);
        icalcomponent_free(c);
        c = child;
        if (c == NULL)
            return;
        kind = icalcomponent_isa(c);
    }
    switch (kind) {
    case ICAL_VTIMEZONE_COMPONENT:
        add_vtimezone(s, c, text);
        return;
    case ICAL_VEVENT_COMPONENT:
        if (s->in_calendar && !tzids_ready(s, c) && s->deferred->len < NY_MAX_DEFERRED) {
            g_ptr_array_add(s->deferred, c);
            return;
        }
        process_event(s, c, text);
        break;
    case ICAL_VFREEBUSY_COMPONENT:
        process_freebusy(s, c);
        break;
    default:
        break;
    }
    icalcomponent_free(c);
}

/* Floating RECURRENCE-IDs of @rec, read in its master's zone. */
static void
resolve_floating(NyUidRecord *rec)
{
    if (!rec->has_zone)
        return;
    for (guint i = 0; i < rec->overrides->len; i++) {
        NyOverride *o = &g_array_index(rec->overrides, NyOverride, i);
        if (o->floating) {
            o->recurid = zone_to_utc(&rec->zone, o->wall);
            o->floating = FALSE;
        }
    }
}

/* A THISANDFUTURE override moves every later instance by its shift, from
 * however far away: the master is read again for the instances that the
 * shift brings into the window (RFC 5545 3.8.4.4). Done while the
 * calendar's VTIMEZONEs are still known. */
static void
expand_future(NyBusyScan *s)
{
    GHashTableIter iter;
    gpointer value;

    g_hash_table_iter_init(&iter, s->uids);
    while (g_hash_table_iter_next(&iter, NULL, &value)) {
        NyUidRecord *rec = value;
        g_autofree char *master = g_steal_pointer(&rec->master);

        if (master == NULL)
            continue;
        resolve_floating(rec);
        for (guint i = 0; i < rec->overrides->len; i++) {
            NyOverride o = g_array_index(rec->overrides, NyOverride, i);
            const NyBusyQuery *q = s->q;
            NyBusyQuery moved = *q;
            NyTime lo = s->lo, hi = s->hi;
            icalcomponent *c;

            if (!o.future)
                continue;
            /* The instances whose moved occurrence meets the window. */
            moved.from = q->from - (o.start - o.recurid) - MAX(o.end - o.start, 0);
            moved.to = q->to - (o.start - o.recurid);
            c = icalparser_parse_string(master);
            if (c == NULL)
                continue;
            s->q = &moved;
            s->lo = moved.from - NY_MARGIN;
            s->hi = moved.to + NY_MARGIN;
            s->again = TRUE;
            if (icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT)
                process_event(s, c, NULL);
            s->again = FALSE;
            s->q = q;
            s->lo = lo;
            s->hi = hi;
            icalcomponent_free(c);
        }
    }
}

static void
end_calendar(NyBusyScan *s)
{
    for (guint i = 0; i < s->deferred->len; i++)
        process_event(s, g_ptr_array_index(s->deferred, i), NULL);
    g_ptr_array_set_size(s->deferred, 0);
    expand_future(s);
    g_hash_table_remove_all(s->vtz);
}

/* ---------------------------------------------------------------------- */
/* Raw lines */

static gboolean
line_is(const char *line, gsize len, const char *word, const char **rest)
{
    gsize n = strlen(word);

    if (len < n || g_ascii_strncasecmp(line, word, n) != 0)
        return FALSE;
    *rest = line + n;
    return TRUE;
}

static icalcomponent_kind
kind_of(const char *name, gsize len)
{
    char buf[32];

    while (len > 0 && (name[len - 1] == ' ' || name[len - 1] == '\t'))
        len--;
    if (len == 0 || len >= sizeof buf)
        return ICAL_X_COMPONENT;
    memcpy(buf, name, len);
    buf[len] = '\0';
    for (gsize i = 0; i < len; i++)
        buf[i] = g_ascii_toupper(buf[i]);
    return icalcomponent_string_to_kind(buf);
}

static void
comp_set_problem(NyBusyScan *s, const char *problem)
{
    if (s->comp_problem == NULL)
        s->comp_problem = g_strdup(problem);
    if (s->comp != NULL) {
        g_string_free(s->comp, TRUE);
        s->comp = NULL;
    }
}

static void
comp_begin(NyBusyScan *s, icalcomponent_kind kind)
{
    s->comp_depth = s->depth;
    s->comp_kind = kind;
    s->comp_keep = kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VFREEBUSY_COMPONENT ||
                   kind == ICAL_VTIMEZONE_COMPONENT;
    s->comp = s->comp_keep ? g_string_new(NULL) : NULL;
    g_clear_pointer(&s->comp_problem, g_free);
    g_string_truncate(s->comp_uid, 0);
    s->last_was_uid = FALSE;
    ny_busy_raw_span_reset(&s->raw);
    s->prop_on = FALSE;
    s->saw_component = TRUE;
    /* A component outside the VCALENDAR, or in a second one: the split
     * cannot keep apart what belongs to which. */
    if (!s->in_calendar || s->calendars > 1)
        s->split_whole = FALSE;
}

/* The span of the current component, for the split and the window. */
static void
comp_span(NyBusyScan *s, NyTime *out_start, NyTime *out_end)
{
    if (s->comp_kind == ICAL_VEVENT_COMPONENT) {
        ny_busy_raw_span_get(&s->raw, out_start, out_end);
    } else {
        *out_start = NY_BUSY_SPAN_OPEN_START;
        *out_end = NY_BUSY_SPAN_OPEN_END;
    }
}

/* ny_busy_span(): the union of the events' spans. */
static void
span_add(NyBusyScan *s, NyTime start, NyTime end)
{
    if (s->comp_kind == ICAL_VTIMEZONE_COMPONENT)
        return;
    s->span_lo = s->span_any ? MIN(s->span_lo, start) : start;
    s->span_hi = s->span_any ? MAX(s->span_hi, end) : end;
    s->span_any = TRUE;
}

/* A top-level property line, unfolded, that may bound the span. */
static void
prop_flush(NyBusyScan *s)
{
    if (s->prop_on && s->comp_kind == ICAL_VEVENT_COMPONENT)
        ny_busy_raw_property(&s->raw, s->prop->str, s->prop->len);
    s->prop_on = FALSE;
    g_string_truncate(s->prop, 0);
}

static void
comp_end(NyBusyScan *s)
{
    NyTime start, end;

    if (s->comp_problem != NULL) {
        if (s->comp_keep) {
            g_autofree char *label = uid_label(s->comp_uid->str);
            if (!s->span_only)
                scan_warn(s, "component '%s' skipped: %s", label, s->comp_problem);
            span_add(s, NY_BUSY_SPAN_OPEN_START, NY_BUSY_SPAN_OPEN_END);
            s->split_whole = FALSE;
        }
    } else if (s->comp != NULL) {
        comp_span(s, &start, &end);
        if (s->split != NULL)
            s->split(s->comp->str, s->comp->len, start, end, s->split_data);
        if (s->span_only)
            span_add(s, start, end);
        /* An event that cannot meet the window is not parsed: so a lookup
         * that skips the objects whose span misses it (the cache) gives
         * what the whole text gives. */
        else if (start < s->q->to && end > s->q->from)
            process_component_text(s, s->comp->str);
    }
    if (s->comp != NULL) {
        g_string_free(s->comp, TRUE);
        s->comp = NULL;
    }
    s->comp_depth = 0;
}

/* One physical line, without its line break. */
static void
scan_line(NyBusyScan *s, const char *line, gsize len)
{
    const char *rest;
    gboolean continuation = len > 0 && (line[0] == ' ' || line[0] == '\t');

    if (len > 0)
        s->saw_text = TRUE;
    if (!continuation && s->prop_on)
        prop_flush(s);
    if (!continuation && s->comp_depth != 0 &&
        (line_is(line, len, "BEGIN;", &rest) || line_is(line, len, "END;", &rest))) {
        /* libical would read these as BEGIN or END lines: its nesting and
         * ours must agree, or it prints to stderr and drops data. */
        comp_set_problem(s, "a BEGIN or END line with parameters");
        return;
    }
    if (!continuation && line_is(line, len, "BEGIN:", &rest)) {
        icalcomponent_kind kind = kind_of(rest, len - (gsize)(rest - line));
        s->depth++;
        if (s->depth < G_N_ELEMENTS(s->open_kinds))
            s->open_kinds[s->depth] = kind;
        if (s->comp_depth == 0) {
            if (s->depth == 1 && kind == ICAL_VCALENDAR_COMPONENT) {
                s->in_calendar = TRUE;
                s->saw_component = TRUE;
                s->calendars++;
                return;
            }
            comp_begin(s, kind);
        } else if (s->depth > s->q->limits.max_depth) {
            g_autofree char *why =
                g_strdup_printf("components nested deeper than %u", s->q->limits.max_depth);
            comp_set_problem(s, why);
        }
    } else if (!continuation && line_is(line, len, "END:", &rest)) {
        if (s->depth == 0)
            return;
        if (s->comp_depth != 0 && s->depth < G_N_ELEMENTS(s->open_kinds) &&
            s->open_kinds[s->depth] != kind_of(rest, len - (gsize)(rest - line)))
            comp_set_problem(s, "an END line that does not match its BEGIN");
        if (s->comp != NULL && s->comp->len + len + 2 > s->q->limits.max_object) {
            g_autofree char *why =
                g_strdup_printf("larger than %" G_GSIZE_FORMAT " bytes", s->q->limits.max_object);
            comp_set_problem(s, why);
        }
        if (s->comp != NULL) {
            g_string_append_len(s->comp, line, (gssize)len);
            g_string_append(s->comp, "\r\n");
        }
        s->depth--;
        if (s->comp_depth != 0 && s->depth < s->comp_depth) {
            comp_end(s);
        } else if (s->comp_depth == 0 && s->depth == 0 && s->in_calendar) {
            s->in_calendar = FALSE;
            end_calendar(s);
        }
        return;
    } else if (s->comp_depth != 0 && s->depth == s->comp_depth) {
        /* A property of the top-level component itself. */
        if (continuation) {
            if (s->last_was_uid && s->comp_uid->len < 256)
                g_string_append_len(s->comp_uid, line + 1, (gssize)MIN(len - 1, 256));
            if (s->prop_on) {
                if (s->prop->len + len > NY_MAX_PROP)
                    s->raw.open = TRUE;
                else
                    g_string_append_len(s->prop, line + 1, (gssize)len - 1);
            }
        } else {
            s->last_was_uid = FALSE;
            if (line_is(line, len, "UID", &rest) && (*rest == ':' || *rest == ';')) {
                const char *colon = memchr(line, ':', len);
                if (colon != NULL && s->comp_uid->len == 0) {
                    gsize n = len - (gsize)(colon + 1 - line);
                    g_string_append_len(s->comp_uid, colon + 1, (gssize)MIN(n, 256));
                    s->last_was_uid = TRUE;
                }
            } else if (s->comp_kind == ICAL_VEVENT_COMPONENT) {
                if (memchr(line, ':', len) == NULL && memchr(line, ';', len) == NULL) {
                    /* A name folded before it ends: it may be DTEND. */
                    s->raw.open = TRUE;
                } else if (ny_busy_prop_is(line, len, "DTSTART") ||
                           ny_busy_prop_is(line, len, "DTEND") ||
                           ny_busy_prop_is(line, len, "DURATION") ||
                           ny_busy_prop_is(line, len, "RRULE") ||
                           ny_busy_prop_is(line, len, "RDATE") ||
                           ny_busy_prop_is(line, len, "RECURRENCE-ID")) {
                    if (len > NY_MAX_PROP) {
                        s->raw.open = TRUE;
                    } else {
                        g_string_append_len(s->prop, line, (gssize)len);
                        s->prop_on = TRUE;
                    }
                }
            }
        }
    }
    if (s->comp != NULL) {
        if (s->comp->len + len + 2 > s->q->limits.max_object) {
            g_autofree char *why =
                g_strdup_printf("larger than %" G_GSIZE_FORMAT " bytes", s->q->limits.max_object);
            comp_set_problem(s, why);
            return;
        }
        g_string_append_len(s->comp, line, (gssize)len);
        g_string_append(s->comp, "\r\n");
    }
}

/* A line that broke a limit: the component it belongs to is skipped. */
static void
scan_bad_line(NyBusyScan *s, const char *why)
{
    s->saw_text = TRUE;
    if (s->comp_depth != 0) {
        comp_set_problem(s, why);
    } else {
        if (!s->span_only)
            scan_warn(s, "a line outside any event skipped: %s", why);
        s->split_whole = FALSE;
        s->span_lo = NY_BUSY_SPAN_OPEN_START;
        s->span_hi = NY_BUSY_SPAN_OPEN_END;
        s->span_any = TRUE;
    }
}

static void
scan_end_line(NyBusyScan *s)
{
    gsize len = s->line->len;

    if (len > 0 && s->line->str[len - 1] == '\r')
        len--;
    if (s->line_overflow) {
        g_autofree char *why =
            g_strdup_printf("a line longer than %" G_GSIZE_FORMAT " bytes", s->q->limits.max_line);
        scan_bad_line(s, why);
    } else if (s->line_nul) {
        scan_bad_line(s, "a NUL byte in its text");
    } else {
        scan_line(s, s->line->str, len);
    }
    g_string_truncate(s->line, 0);
    s->line_overflow = FALSE;
    s->line_nul = FALSE;
}

void
ny_busy_scan_feed(NyBusyScan *s, const char *data, gsize len)
{
    g_return_if_fail(s != NULL && !s->finished);
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        gsize n = nl ? (gsize)(nl - data) : len;

        if (!s->line_overflow) {
            if (s->line->len + n > s->q->limits.max_line + 1) {
                s->line_overflow = TRUE;
                g_string_truncate(s->line, 0);
            } else {
                if (memchr(data, '\0', n) != NULL)
                    s->line_nul = TRUE;
                g_string_append_len(s->line, data, (gssize)n);
            }
        }
        if (nl == NULL)
            break;
        scan_end_line(s);
        data += n + 1;
        len -= n + 1;
    }
}

/* ---------------------------------------------------------------------- */
/* The end: overrides applied per UID */

static gint
cmp_override(gconstpointer a, gconstpointer b)
{
    const NyOverride *x = a;
    const NyOverride *y = b;

    return x->recurid < y->recurid ? -1 : x->recurid > y->recurid;
}

static void
emit(NyBusyScan *s, GArray *busy, NyTime start, NyTime end)
{
    if (start < s->q->from)
        start = s->q->from;
    if (end > s->q->to)
        end = s->q->to;
    ny_intervals_add(busy, start, end);
}

static void
finish_uid(NyBusyScan *s, NyUidRecord *rec, GArray *busy)
{
    GArray *inst = rec->inst;
    GArray *ovr = rec->overrides;
    const NyOverride *future = NULL;
    guint oi = 0;

    resolve_floating(rec);
    g_array_sort(inst, cmp_inst);
    g_array_sort(ovr, cmp_override);
    for (guint i = 0; i < inst->len; i++) {
        NyInst in = g_array_index(inst, NyInst, i);
        gboolean replaced = FALSE;

        /* Read again for a THISANDFUTURE override: once. */
        if (i > 0) {
            const NyInst *prev = &g_array_index(inst, NyInst, i - 1);
            if (prev->recurid == in.recurid && prev->start == in.start && prev->end == in.end &&
                prev->blocks == in.blocks)
                continue;
        }

        /* Overrides at or before this instance. */
        while (oi < ovr->len && g_array_index(ovr, NyOverride, oi).recurid <= in.recurid) {
            const NyOverride *o = &g_array_index(ovr, NyOverride, oi);
            if (o->future)
                future = o;
            if (o->recurid == in.recurid)
                replaced = TRUE;
            oi++;
        }
        for (guint j = oi; j > 0 && !replaced; j--) {
            const NyOverride *o = &g_array_index(ovr, NyOverride, j - 1);
            if (o->recurid < in.recurid)
                break;
            replaced = TRUE;
        }
        if (replaced)
            continue;
        if (future != NULL) {
            /* RFC 5545 3.8.4.4: the override's shift and length apply to
             * every later instance. */
            in.start = in.recurid + (future->start - future->recurid);
            in.end = in.start + (future->end - future->start);
            in.blocks = future->blocks;
        }
        if (in.blocks)
            emit(s, busy, in.start, in.end);
    }
    for (guint j = 0; j < ovr->len; j++) {
        const NyOverride *o = &g_array_index(ovr, NyOverride, j);
        if (o->blocks)
            emit(s, busy, o->start, o->end);
    }
}

gboolean
ny_busy_scan_finish(NyBusyScan *s, GArray *busy, GPtrArray *warnings, GError **error)
{
    GHashTableIter iter;
    gpointer value;

    g_return_val_if_fail(s != NULL && !s->finished, FALSE);
    s->finished = TRUE;
    if (s->line->len > 0 || s->line_overflow)
        scan_end_line(s);
    if (s->comp_depth != 0) {
        g_autofree char *label = uid_label(s->comp_uid->str);
        if (s->comp_keep) {
            scan_warn(s, "component '%s' skipped: the data ends inside it", label);
            span_add(s, NY_BUSY_SPAN_OPEN_START, NY_BUSY_SPAN_OPEN_END);
        }
        s->comp_depth = 0;
        s->split_whole = FALSE;
    }
    if (s->in_calendar)
        end_calendar(s);
    else
        expand_future(s);
    if (!s->saw_component && s->saw_text) {
        s->split_whole = FALSE;
        g_set_error(error, NY_BUSY_ERROR, NY_BUSY_ERROR_INVALID,
                    "no iCalendar data (no BEGIN:VCALENDAR or BEGIN:VEVENT)");
        return FALSE;
    }
    if (s->calendars != 1)
        s->split_whole = FALSE;
    g_hash_table_iter_init(&iter, s->uids);
    while (g_hash_table_iter_next(&iter, NULL, &value))
        finish_uid(s, value, busy);
    for (guint i = 0; i < s->busy->len; i++) {
        NyInterval *iv = &g_array_index(s->busy, NyInterval, i);
        emit(s, busy, iv->start, iv->end);
    }
    for (guint i = 0; i < s->warnings->len; i++)
        g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(s->warnings, i)));
    return TRUE;
}

gboolean
ny_busy_compute(const NyBusyQuery *query, const char *text, gsize len, GArray *busy,
                GPtrArray *warnings, GError **error)
{
    g_autoptr(NyBusyScan) scan = ny_busy_scan_new(query);

    ny_busy_scan_feed(scan, text, len);
    return ny_busy_scan_finish(scan, busy, warnings, error);
}

const char ny_busy_split_head[] =
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//split//EN\r\n";
const char ny_busy_split_tail[] = "END:VCALENDAR\r\n";

void
ny_busy_scan_set_split(NyBusyScan *scan, NyBusyObjectFunc func, gpointer user_data)
{
    g_return_if_fail(scan != NULL && !scan->saw_text);
    scan->split = func;
    scan->split_data = user_data;
}

gboolean
ny_busy_scan_split_whole(NyBusyScan *scan)
{
    g_return_val_if_fail(scan != NULL && scan->finished, FALSE);
    return scan->split_whole;
}

void
ny_busy_span(const char *text, gsize len, NyTime *out_start, NyTime *out_end)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NyBusyScan) scan = NULL;
    NyBusyQuery query;

    ny_busy_query_init(&query, 0, 0, utc, "UTC", NULL);
    scan = ny_busy_scan_new(&query);
    scan->span_only = TRUE;
    ny_busy_scan_feed(scan, text, len);
    *out_start = NY_BUSY_SPAN_OPEN_START;
    *out_end = NY_BUSY_SPAN_OPEN_END;
    if (!ny_busy_scan_finish(scan, busy, warnings, NULL))
        return; /* no iCalendar data: reading it says so */
    if (!scan->span_any) {
        *out_start = 0;
        *out_end = 0;
        return;
    }
    *out_start = scan->span_lo;
    *out_end = scan->span_hi;
}
