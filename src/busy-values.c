/* busy-values.c: DATE and DATE-TIME values read in their zone, and how long an
 * occurrence lasts (RFC 5545 3.3.5, 3.3.6, 3.8.5.3).
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"

const char *
ny_busy_prop_tzid(icalproperty *p)
{
    icalparameter *param = icalproperty_get_first_parameter(p, ICAL_TZID_PARAMETER);

    return param ? icalparameter_get_tzid(param) : NULL;
}

/* The zone of a DATE-TIME property: UTC, its TZID, or floating (the user's). */
NyZone
ny_busy_value_zone(NyBusyScan *s, struct icaltimetype t, icalproperty *p, const char *uid)
{
    NyZone z = {NULL, NULL};
    const char *tzid = ny_busy_prop_tzid(p);

    /* A TZID wins over a trailing Z ("TZID=Europe/Berlin:...T160000Z"). */
    if (tzid != NULL)
        return ny_busy_resolve_tzid(s, tzid, uid);
    if (icaltime_is_utc(t))
        return z;
    z.g = s->q->zone;
    return z;
}

gboolean
ny_busy_time_is_sane(struct icaltimetype t)
{
    return !icaltime_is_null_time(t) && t.year >= 1 && t.year <= 9999 && t.month >= 1 &&
           t.month <= 12 && t.day >= 1 && t.day <= 31 && t.hour >= 0 && t.hour <= 23 &&
           t.minute >= 0 && t.minute <= 59 && t.second >= 0 && t.second <= 60;
}

NyTime
ny_busy_user_midnight(NyBusyScan *s, gint64 day)
{
    NyZone z = {s->q->zone, NULL};

    return ny_busy_zone_to_utc(&z, day * NY_DAY);
}

gint64
ny_busy_time_day(struct icaltimetype t)
{
    return ny_busy_days_from_civil(t.year, t.month, t.day);
}

/* The instant of @t: a DATE is the local midnight in the user's zone. */
NyTime
ny_busy_value_instant(NyBusyScan *s, struct icaltimetype t, const NyZone *zone)
{
    if (t.is_date)
        return ny_busy_user_midnight(s, ny_busy_time_day(t));
    return ny_busy_zone_to_utc(
        zone, ny_busy_wall_seconds(t.year, t.month, t.day, t.hour, t.minute, t.second));
}

NyTime
ny_busy_occurrence_end(NyBusyScan *s, struct icaltimetype start, const NyZone *zone,
                       NyTime start_utc, NyLength len)
{
    NyTime end;

    if (len.days == 0)
        end = start_utc;
    else if (start.is_date)
        end = ny_busy_user_midnight(s, ny_busy_time_day(start) + len.days);
    else
        end =
            ny_busy_zone_to_utc(zone, ny_busy_wall_seconds(start.year, start.month, start.day,
                                                           start.hour, start.minute, start.second) +
                                          len.days * NY_DAY);
    return end + len.seconds;
}

NyLength
ny_busy_length_from_duration(struct icaldurationtype d)
{
    NyLength len;
    gint64 sign = d.is_neg ? -1 : 1;

    len.days = sign * ((gint64)d.weeks * 7 + d.days);
    len.seconds = sign * ((gint64)d.hours * 3600 + d.minutes * 60 + d.seconds);
    return len;
}

gboolean
ny_busy_read_value(NyBusyScan *s, icalproperty *p, const char *uid, NyValue *out)
{
    struct icaltimetype t = icalvalue_get_datetime(icalproperty_get_value(p));

    if (!ny_busy_time_is_sane(t))
        return FALSE;
    out->t = t;
    out->is_date = t.is_date;
    out->zone = t.is_date ? (NyZone){s->q->zone, NULL} : ny_busy_value_zone(s, t, p, uid);
    return TRUE;
}
