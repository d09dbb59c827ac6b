/* busy-events.c: events: a series' instances near the window (RRULE, RDATE, EXDATE),
 * overrides kept for the end, VFREEBUSY periods, components waiting for a
 * VTIMEZONE defined later, and masters read again for THISANDFUTURE.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"

void
ny_busy_uid_record_free(gpointer data)
{
    NyUidRecord *rec = NY_UID_RECORD(data);

    if (rec->more != NULL) {
        ny_busy_inst_list_clear(&rec->more->inst);
        ny_busy_inst_list_clear(&rec->more->free_inst);
        if (rec->more->overrides != NULL)
            g_array_unref(rec->more->overrides);
        g_free(rec->more->master);
        g_free(rec->more);
    }
    g_free(rec);
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
    char *key = g_hash_table_lookup(s->uids, uid);
    NyUidRecord *rec;
    gsize len;

    if (key != NULL)
        return NY_UID_RECORD(key);
    len = strlen(uid);
    rec = g_malloc0(sizeof(NyUidRecord) + len + 1);
    memcpy(rec->uid, uid, len + 1);
    g_hash_table_add(s->uids, rec->uid);
    return rec;
}

static NyUidMore *
uid_more(NyUidRecord *rec)
{
    if (rec->more == NULL)
        rec->more = g_new0(NyUidMore, 1);
    return rec->more;
}

/* @reserve: how many more instances of this master follow. */
static void
uid_add_instance(NyUidRecord *rec, const NyInst *in, guint reserve)
{
    NyUidMore *more;

    if (!rec->has_first) {
        rec->has_first = TRUE;
        rec->first_blocks = in->blocks;
        rec->first = (NyInterval){in->start, in->end};
        return;
    }
    more = uid_more(rec);
    ny_busy_inst_list_add(in->blocks ? &more->inst : &more->free_inst, in->start, in->end, reserve);
}

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
        gint64 day = ny_busy_time_day(t);
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
    in.end = ny_busy_occurrence_end(se->s, t, &se->start.zone, start_utc, *len);
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
    return ny_busy_value_instant(se->s, t, &se->start.zone);
}

static int
days_in_month(int month)
{
    static const int days[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

    return month >= 1 && month <= 12 ? days[month - 1] : 31;
}

/* A rule that cannot produce anything, or that libical would search for
 * minutes inside one next() call (doc/busy-rules.md, "Rules that cannot
 * match, or would spin"). */
static const char *
rule_problem(const struct icalrecurrencetype *r)
{
    gboolean by_month = r->by_month[0] != ICAL_RECURRENCE_ARRAY_MAX;
    gboolean by_mday = r->by_month_day[0] != ICAL_RECURRENCE_ARRAY_MAX;
    gboolean by_day_level = by_month || by_mday || r->by_year_day[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX ||
                            r->by_day[0] != ICAL_RECURRENCE_ARRAY_MAX;
    int by_day_number = 0; /* the largest |n| of a numbered BYDAY, 0 for none */

    for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++)
        by_day_number = MAX(by_day_number, abs(icalrecurrencetype_day_position(r->by_day[i])));

    if (r->freq == ICAL_NO_RECURRENCE)
        return "a recurrence rule without FREQ";
    /* RFC 5545 3.3.10 forbids these combinations; libical searches for
     * matches that never come, for centuries, inside one next() call. */
    if (r->freq != ICAL_MONTHLY_RECURRENCE && r->freq != ICAL_YEARLY_RECURRENCE &&
        by_day_number != 0)
        return "an invalid recurrence rule (BYDAY with a number outside MONTHLY or YEARLY)";
    /* A numbered weekday past the fifth of a month (or of a BYMONTH) or the
     * 53rd of a year matches no day: libical searched centuries for one
     * (MONTHLY;BYDAY=-11FR took a second; fuzz-split found it). */
    if (by_day_number > (r->freq == ICAL_MONTHLY_RECURRENCE || by_month ? 5 : 53))
        return "a recurrence rule that matches no day (BYDAY past the fifth weekday of a "
               "month or the 53rd of a year)";
    if (r->freq == ICAL_YEARLY_RECURRENCE && r->by_week_no[0] != ICAL_RECURRENCE_ARRAY_MAX &&
        by_day_number != 0)
        return "an invalid recurrence rule (BYDAY with a number and BYWEEKNO)";
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
            return ny_busy_user_midnight(se->s, ny_busy_time_day(until) + 1) - 1;
        return ny_busy_zone_to_utc(&se->start.zone, (ny_busy_time_day(until) + 1) * NY_DAY) - 1;
    }
    if (icaltime_is_utc(until)) {
        NyZone utc = {NULL, NULL};
        return ny_busy_zone_to_utc(&utc,
                                   ny_busy_wall_seconds(until.year, until.month, until.day,
                                                        until.hour, until.minute, until.second));
    }
    if (se->start.is_date)
        return ny_busy_user_midnight(se->s, ny_busy_time_day(until)) +
               (until.hour * 3600 + until.minute * 60 + until.second);
    return ny_busy_zone_to_utc(&se->start.zone,
                               ny_busy_wall_seconds(until.year, until.month, until.day, until.hour,
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
        g_autofree char *label = ny_busy_uid_label(se->uid);
        ny_busy_scan_warn(s, "event '%s': %s, only its first instance is used", label, problem);
        return;
    }
    if (until < s->lo)
        return;
    /* UNTIL is applied here, as an instant; libical would compare wall
     * clocks of different zones. */
    r.until = icaltime_null_time();
    dtstart.zone = NULL;
    use_fast = ny_busy_fast_rule_init(&fast, &r, ny_busy_time_day(dtstart));
    if (!use_fast) {
        it = icalrecur_iterator_new(r, dtstart);
        if (it == NULL) {
            g_autofree char *label = ny_busy_uid_label(se->uid);
            ny_busy_scan_warn(s,
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
            gint64 wall = se->start.is_date
                              ? ny_busy_zone_wall_at(&(NyZone){s->q->zone, NULL}, from)
                              : ny_busy_zone_wall_at(&se->start.zone, from);
            gint64 day = wall / NY_DAY - (wall % NY_DAY < 0);
            gint64 sec = wall - day * NY_DAY;
            int y, m, d;
            struct icaltimetype at = icaltime_null_time();

            if (use_fast) {
                ny_busy_fast_rule_skip_to(&fast, day);
            } else {
                ny_busy_civil_from_days(day, &y, &m, &d);
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
            ny_busy_civil_from_days(day, &y, &m, &d);
            t = dtstart;
            t.year = y;
            t.month = m;
            t.day = d;
        } else {
            t = icalrecur_iterator_next(it);
        }
        if (icaltime_is_null_time(t) || !ny_busy_time_is_sane(t))
            break;
        if (++steps > s->q->limits.max_instances) {
            g_autofree char *label = ny_busy_uid_label(se->uid);
            ny_busy_scan_warn(s, "event '%s': more than %u recurrence steps, the rest is ignored",
                              label, s->q->limits.max_instances);
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
            NyZone z = ny_busy_value_zone(se->s, st, p, se->uid);
            NyTime a, b;
            if (!ny_busy_time_is_sane(st))
                continue;
            a = ny_busy_value_instant(se->s, st, &z);
            if (!icaltime_is_null_time(dp.period.end)) {
                struct icaltimetype en = dp.period.end;
                NyZone ze = ny_busy_value_zone(se->s, en, p, se->uid);
                if (!ny_busy_time_is_sane(en))
                    continue;
                b = ny_busy_value_instant(se->s, en, &ze);
            } else {
                NyLength l = ny_busy_length_from_duration(dp.period.duration);
                one.start.zone = z;
                b = ny_busy_occurrence_end(se->s, st, &z, a, l);
            }
            {
                NyLength exact = {0, b - a};
                one.start.zone = z;
                series_add(&one, st, a, &exact);
            }
        } else if (ny_busy_time_is_sane(dp.time)) {
            struct icaltimetype t = dp.time;
            NyZone z = ny_busy_value_zone(se->s, t, p, se->uid);
            NyLength len = se->len;
            if (t.is_date && !se->start.is_date && len.days == 0) {
                /* A DATE instance of a timed series: treat as all-day. */
                len.days = 1;
                len.seconds = 0;
            }
            one.start.zone = z;
            series_add(&one, t, ny_busy_value_instant(se->s, t, &z), &len);
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

        if (!ny_busy_time_is_sane(t))
            continue;
        if (t.is_date && !se->start.is_date) {
            gint64 day = ny_busy_time_day(t);
            g_array_append_val(se->exdays, day);
            continue;
        }
        {
            NyZone z = ny_busy_value_zone(se->s, t, p, se->uid);
            v = ny_busy_value_instant(se->s, t, &z);
        }
        g_array_append_val(se->exdates, v);
    }
    if (se->exdates->len > 1)
        g_array_sort(se->exdates, cmp_time);
}

static void
skip_event(NyBusyScan *s, const char *uid, const char *why)
{
    g_autofree char *label = ny_busy_uid_label(uid);

    ny_busy_scan_warn(s, "event '%s' skipped: %s", label, why);
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

void
ny_busy_rec_zone_clear(gpointer data)
{
    NyRecZone *z = data;

    if (z->zone.g != NULL)
        g_time_zone_unref(z->zone.g);
    if (z->vtz != NULL)
        ny_busy_vtz_unref(z->vtz);
}

/* @zone's index in s->rec_zones, plus one: the masters of a calendar
 * share a few zones, and a record keeps 4 bytes, not the zone. */
static guint32
rec_zone_id(NyBusyScan *s, const NyZone *zone)
{
    gconstpointer key = zone->i != NULL   ? (gconstpointer)zone->i
                        : zone->g != NULL ? (gconstpointer)zone->g
                                          : (gconstpointer)s->rec_zones; /* UTC */
    gpointer id = g_hash_table_lookup(s->rec_zone_ids, key);
    NyRecZone z = {*zone, NULL};

    if (id != NULL)
        return GPOINTER_TO_UINT(id);
    if (z.zone.g != NULL)
        g_time_zone_ref(z.zone.g);
    if (z.zone.i != NULL) {
        GHashTableIter iter;
        gpointer value;

        g_hash_table_iter_init(&iter, s->vtz);
        while (z.vtz == NULL && g_hash_table_iter_next(&iter, NULL, &value)) {
            NyVtz *v = value;
            if (v->tz == z.zone.i)
                z.vtz = ny_busy_vtz_ref(v);
        }
    }
    g_array_append_val(s->rec_zones, z);
    g_hash_table_insert(s->rec_zone_ids, (gpointer)key, GUINT_TO_POINTER(s->rec_zones->len));
    return s->rec_zones->len;
}

/* What a master tells its overrides: its zone (for a floating
 * RECURRENCE-ID) and, for a series, its text (for a THISANDFUTURE one). */
static void
master_remember(NyBusyScan *s, NyUidRecord *rec, const NySeries *se, icalcomponent *ev,
                const char *text)
{
    if (rec->zone == 0 && !se->start.is_date)
        rec->zone = rec_zone_id(s, &se->start.zone);
    if ((rec->more == NULL || rec->more->master == NULL) &&
        (icalcomponent_get_first_property(ev, ICAL_RRULE_PROPERTY) != NULL ||
         icalcomponent_get_first_property(ev, ICAL_RDATE_PROPERTY) != NULL))
        uid_more(rec)->master = text != NULL ? g_strdup(text) : icalcomponent_as_ical_string_r(ev);
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
    GArray *out, *exdates, *exdays;

    /* A follow-up's own holds when its time is checked again
     * (doc/calendar-writes.md). */
    if (uid != NULL && s->q->ignore_uids != NULL &&
        g_strv_contains((const char *const *)s->q->ignore_uids, uid))
        return;
    if (bad != NULL) {
        g_autofree char *why = g_strdup_printf("its %s cannot be read", bad);
        skip_event(s, uid, why);
        return;
    }
    se.s = s;
    se.uid = uid;
    if (pstart == NULL || !ny_busy_read_value(s, pstart, uid, &se.start)) {
        skip_event(s, uid, "it has no readable DTSTART");
        return;
    }
    start_utc = ny_busy_value_instant(s, se.start.t, &se.start.zone);

    /* The length: DTEND, DURATION, or the RFC 5545 3.6.1 defaults. */
    if (pend != NULL) {
        NyValue end;
        if (!ny_busy_read_value(s, pend, uid, &end)) {
            skip_event(s, uid, "its DTEND cannot be read");
            return;
        }
        /* A floating start or end beside a zoned one is read in that zone
         * (as khal does with such mixed events). */
        if (!se.start.is_date && !end.is_date) {
            gboolean start_floating =
                ny_busy_prop_tzid(pstart) == NULL && !icaltime_is_utc(se.start.t);
            gboolean end_floating = ny_busy_prop_tzid(pend) == NULL && !icaltime_is_utc(end.t);
            if (start_floating && ny_busy_prop_tzid(pend) != NULL) {
                se.start.zone = end.zone;
                start_utc = ny_busy_value_instant(s, se.start.t, &se.start.zone);
            } else if (end_floating && ny_busy_prop_tzid(pstart) != NULL) {
                end.zone = se.start.zone;
            }
        }
        if (se.start.is_date && end.is_date) {
            se.len.days = ny_busy_time_day(end.t) - ny_busy_time_day(se.start.t);
        } else {
            NyTime end_utc = ny_busy_value_instant(s, end.t, &end.zone);
            se.len.seconds = end_utc - start_utc;
        }
    } else if (pdur != NULL) {
        se.len = ny_busy_length_from_duration(icalproperty_get_duration(pdur));
    } else if (se.start.is_date) {
        se.len.days = 1;
    }
    if (se.len.days < 0 || se.len.seconds < 0 || (se.len.days == 0 && se.len.seconds < 0)) {
        g_autofree char *label = ny_busy_uid_label(uid);
        ny_busy_scan_warn(s, "event '%s': it ends before it starts, read as zero length", label);
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

        if (!ny_busy_read_value(s, precur, uid, &rid)) {
            skip_event(s, uid, "its RECURRENCE-ID cannot be read");
            return;
        }
        o.recurid = ny_busy_value_instant(s, rid.t, &rid.zone);
        o.floating = !rid.is_date && ny_busy_prop_tzid(precur) == NULL && !icaltime_is_utc(rid.t);
        o.wall = ny_busy_wall_seconds(rid.t.year, rid.t.month, rid.t.day, rid.t.hour, rid.t.minute,
                                      rid.t.second);
        o.start = start_utc;
        o.end = ny_busy_occurrence_end(s, se.start.t, &se.start.zone, start_utc, se.len);
        if (o.end < o.start)
            o.end = o.start;
        o.blocks = se.blocks;
        o.future = range != NULL && icalparameter_get_range(range) == ICAL_RANGE_THISANDFUTURE;
        if (uid == NULL || *uid == '\0') {
            if (o.blocks)
                ny_busy_emit(s, o.start, o.end);
            return;
        }
        if (o.future || (o.end >= s->lo && o.start < s->hi) ||
            (o.recurid >= s->lo && o.recurid < s->hi)) {
            NyUidMore *more = uid_more(uid_record(s, uid));
            if (more->overrides == NULL)
                more->overrides = g_array_new(FALSE, FALSE, sizeof(NyOverride));
            g_array_append_val(more->overrides, o);
        }
        return;
    }

    /* The scan's arrays, emptied: not three allocated per event. */
    out = s->ev_inst;
    exdates = s->ev_exdates;
    exdays = s->ev_exdays;
    g_array_set_size(out, 0);
    g_array_set_size(exdates, 0);
    g_array_set_size(exdays, 0);
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

    if (out->len > 1) /* a one-off event: one instance */
        g_array_sort(out, ny_busy_cmp_inst);
    if (uid == NULL || *uid == '\0') {
        for (guint i = 0; i < out->len; i++) {
            NyInst *in = &g_array_index(out, NyInst, i);
            if (in->blocks)
                ny_busy_emit(s, in->start, in->end);
        }
        return;
    }
    {
        NyUidRecord *rec = uid_record(s, uid);
        if (!s->again) {
            master_remember(s, rec, &se, ev, text);
            /* Two masters of one UID: both kept busy, never one silently
             * dropped. */
            if (out->len > 0 && rec->masters < 2 && ++rec->masters == 2) {
                g_autofree char *label = ny_busy_uid_label(uid);
                ny_busy_scan_warn(s, "event '%s': the same UID twice, both are counted busy",
                                  label);
            }
        }
        for (guint i = 0; i < out->len; i++) {
            NyInst *in = &g_array_index(out, NyInst, i);
            /* The same start twice (DTSTART and RDATE): one instance. */
            if (i > 0 && g_array_index(out, NyInst, i - 1).recurid == in->recurid)
                continue;
            uid_add_instance(rec, in, out->len - i - 1);
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
        if (!ny_busy_time_is_sane(per.start))
            continue;
        if (!icaltime_is_utc(per.start))
            z.g = s->q->zone;
        a = ny_busy_value_instant(s, per.start, &z);
        if (!icaltime_is_null_time(per.end) && ny_busy_time_is_sane(per.end)) {
            NyZone ze = {NULL, NULL};
            if (!icaltime_is_utc(per.end))
                ze.g = s->q->zone;
            b = ny_busy_value_instant(s, per.end, &ze);
        } else {
            NyLength len = ny_busy_length_from_duration(per.duration);
            b = ny_busy_occurrence_end(s, per.start, &z, a, len);
        }
        ny_busy_emit(s, a, b);
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
        const char *tzid = ny_busy_prop_tzid(p);
        if (tzid != NULL && !g_hash_table_contains(s->vtz, tzid) &&
            ny_busy_system_zone_for_tzid(s, tzid) == NULL)
            return FALSE;
    }
    return TRUE;
}

void
ny_busy_process_component_text(NyBusyScan *s, const char *text, const char *parse)
{
    icalcomponent *c;
    icalcomponent_kind kind;

    if (g_ascii_strncasecmp(text, "BEGIN:VTIMEZONE", 15) == 0 &&
        ny_busy_use_pooled_vtimezone(s, text))
        return;
    c = icalparser_parse_string(parse);

    if (c == NULL) {
        g_autofree char *label = ny_busy_uid_label(s->comp_uid->str);
        ny_busy_scan_warn(s, "component '%s' skipped: it cannot be read", label);
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
        ny_busy_add_vtimezone(s, c, text);
        return;
    case ICAL_VEVENT_COMPONENT:
        if (s->in_calendar && !tzids_ready(s, c) && s->deferred->len < NY_MAX_DEFERRED) {
            g_ptr_array_add(s->deferred, c);
            return;
        }
        process_event(s, c, parse);
        break;
    case ICAL_VFREEBUSY_COMPONENT:
        process_freebusy(s, c);
        break;
    default:
        break;
    }
    icalcomponent_free(c);
}

/* A THISANDFUTURE override moves every later instance by its shift, from
 * however far away: the master is read again for the instances that the
 * shift brings into the window (RFC 5545 3.8.4.4). Done while the
 * calendar's VTIMEZONEs are still known. */
/* The series' masters whose span misses the window, read after all when
 * their UID has a THISANDFUTURE override and no master read: the override
 * may move their instances into the window. Parsed only then. */
static void
read_far_masters(NyBusyScan *s)
{
    g_autoptr(GHashTable) wanted = g_hash_table_new(g_str_hash, g_str_equal);
    GHashTableIter iter;
    gpointer key;

    g_hash_table_iter_init(&iter, s->uids);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        const NyUidMore *more = NY_UID_RECORD(key)->more;
        if (more == NULL || more->master != NULL || more->overrides == NULL)
            continue;
        for (guint i = 0; i < more->overrides->len; i++) {
            if (g_array_index(more->overrides, NyOverride, i).future) {
                g_hash_table_add(wanted, key);
                break;
            }
        }
    }
    for (guint i = 0; i < s->far_masters->len && g_hash_table_size(wanted) > 0; i++) {
        const char *text = g_ptr_array_index(s->far_masters, i);
        icalcomponent *c = icalparser_parse_string(text);
        const char *uid;

        if (c == NULL)
            continue;
        uid = icalcomponent_get_uid(c);
        if (icalcomponent_isa(c) == ICAL_VEVENT_COMPONENT && uid != NULL &&
            g_hash_table_contains(wanted, uid))
            process_event(s, c, text);
        icalcomponent_free(c);
    }
    g_ptr_array_set_size(s->far_masters, 0);
}

void
ny_busy_expand_future(NyBusyScan *s)
{
    GHashTableIter iter;
    gpointer key;

    read_far_masters(s);
    g_hash_table_iter_init(&iter, s->uids);
    while (g_hash_table_iter_next(&iter, &key, NULL)) {
        NyUidRecord *rec = NY_UID_RECORD(key);
        g_autofree char *master = NULL;

        if (rec->more == NULL || rec->more->master == NULL)
            continue;
        master = g_steal_pointer(&rec->more->master);
        if (rec->more->overrides == NULL)
            continue;
        ny_busy_resolve_floating(s, rec);
        for (guint i = 0; i < rec->more->overrides->len; i++) {
            NyOverride o = g_array_index(rec->more->overrides, NyOverride, i);
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

void
ny_busy_end_calendar(NyBusyScan *s)
{
    for (guint i = 0; i < s->deferred->len; i++)
        process_event(s, g_ptr_array_index(s->deferred, i), NULL);
    g_ptr_array_set_size(s->deferred, 0);
    ny_busy_expand_future(s);
    g_hash_table_remove_all(s->vtz);
}
