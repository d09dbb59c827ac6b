/* busy.c: busy periods from iCalendar text (doc/busy-rules.md). Pure.
 *
 * libical 3.0.16 parses one top-level component at a time and iterates
 * recurrence rules; everything else is computed here, because its own
 * free/busy helper is wrong (doc/busy-rules.md, "Why notyet computes busy
 * time itself"): all-day spans in UTC, unknown TZIDs read as UTC,
 * overridden instances reported twice, broken DTSTARTs read as free.
 *
 * Flow: raw lines -> limits checked -> one component's text -> libical ->
 * instances -> per-UID records (masters' instances and overrides near the
 * window) -> at the end, overrides applied -> busy intervals.
 *
 * The module's files stand in layers, each calling only those below it
 * (the list is in busy-private.h, their shared header): this file (the
 * scan's life, the split and span entry points) on top, then busy-lines.c
 * (the one iCalendar scanner: lines, limits, components, the split),
 * busy-events.c with busy-rrule.c (instances of events and series),
 * busy-overrides.c (the end: overrides applied), busy-values.c (DATE and
 * DATE-TIME values), busy-tzid.c with wintz.c (TZIDs, Windows zone names),
 * busy-span.c (an event's span from its raw text), busy-zones.c (civil
 * dates, zones, VTIMEZONEs) and busy-warn.c (warnings, UID labels).
 */
#include "notyet/busy.h"

#include <libical/ical.h>
#include <string.h>

#include "busy-private.h"

G_DEFINE_QUARK(ny_busy_error, ny_busy_error)

/* ny_busy_limits_init:
 * @limits: (out caller-allocates): set to the defaults
 */
static void
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
    s->unread = g_array_new(FALSE, FALSE, sizeof(gsize));
    s->parse = g_string_new(NULL);
    s->ev_inst = g_array_new(FALSE, FALSE, sizeof(NyInst));
    s->ev_exdates = g_array_new(FALSE, FALSE, sizeof(NyTime));
    s->ev_exdays = g_array_new(FALSE, FALSE, sizeof(gint64));
    s->split_whole = TRUE;
    s->comp_uid = g_string_new(NULL);
    s->vtz = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, ny_busy_vtz_unref);
    s->deferred = g_ptr_array_new_with_free_func((GDestroyNotify)icalcomponent_free);
    s->far_masters = g_ptr_array_new_with_free_func(g_free);
    s->bounded_uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->future_uids = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->sys_zones =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_time_zone_unref);
    s->warned = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->uids = g_hash_table_new_full(g_str_hash, g_str_equal, ny_busy_uid_record_free, NULL);
    s->rec_zones = g_array_new(FALSE, FALSE, sizeof(NyRecZone));
    g_array_set_clear_func(s->rec_zones, ny_busy_rec_zone_clear);
    s->rec_zone_ids = g_hash_table_new(NULL, NULL);
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
    g_array_unref(s->unread);
    g_string_free(s->parse, TRUE);
    g_array_unref(s->ev_inst);
    g_array_unref(s->ev_exdates);
    g_array_unref(s->ev_exdays);
    if (s->comp != NULL)
        g_string_free(s->comp, TRUE);
    if (s->comp_spare != NULL)
        g_string_free(s->comp_spare, TRUE);
    g_string_free(s->comp_uid, TRUE);
    g_free(s->comp_problem);
    g_ptr_array_unref(s->deferred);
    g_ptr_array_unref(s->far_masters);
    g_hash_table_unref(s->bounded_uids);
    g_hash_table_unref(s->future_uids);
    g_hash_table_unref(s->vtz);
    g_hash_table_unref(s->sys_zones);
    g_hash_table_unref(s->warned);
    g_hash_table_unref(s->uids);
    g_hash_table_unref(s->rec_zone_ids);
    g_array_unref(s->rec_zones);
    g_array_unref(s->busy);
    g_ptr_array_unref(s->warnings);
    g_free(s);
}

gboolean
ny_busy_scan_finish(NyBusyScan *s, GArray *busy, GPtrArray *warnings, GError **error)
{
    GHashTableIter iter;
    gpointer key;

    g_return_val_if_fail(s != NULL && !s->finished, FALSE);
    s->finished = TRUE;
    if (s->line->len > 0 || s->line_overflow) {
        s->line_end = s->fed;
        ny_busy_scan_end_line(s);
    }
    if (s->comp_depth != 0) {
        g_autofree char *label = ny_busy_uid_label(s->comp_uid->str);
        if (s->comp_keep) {
            ny_busy_scan_warn(s, "component '%s' skipped: the data ends inside it", label);
            ny_busy_span_add(s, NY_BUSY_SPAN_OPEN_START, NY_BUSY_SPAN_OPEN_END);
        }
        s->comp_depth = 0;
        s->split_whole = FALSE;
    }
    if (s->in_calendar)
        ny_busy_end_calendar(s);
    else
        ny_busy_expand_future(s);
    if (!s->saw_component && s->saw_text) {
        s->split_whole = FALSE;
        g_set_error(error, NY_BUSY_ERROR, NY_BUSY_ERROR_INVALID,
                    "no iCalendar data (no BEGIN:VCALENDAR or BEGIN:VEVENT)");
        return FALSE;
    }
    if (s->calendars != 1)
        s->split_whole = FALSE;
    g_hash_table_iter_init(&iter, s->uids);
    while (g_hash_table_iter_next(&iter, &key, NULL))
        ny_busy_finish_uid(s, NY_UID_RECORD(key));
    ny_intervals_normalize(s->busy, s->q->from, s->q->to);
    g_array_append_vals(busy, s->busy->data, s->busy->len);
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

void
ny_busy_scan_object_range(NyBusyScan *scan, guint64 *out_offset, guint64 *out_length)
{
    g_return_if_fail(scan != NULL && scan->comp != NULL);
    *out_offset = scan->comp_start;
    *out_length = scan->line_end - scan->comp_start;
}

void
ny_busy_scan_feed(NyBusyScan *scan, const char *data, gsize len)
{
    g_return_if_fail(scan != NULL && !scan->finished);
    ny_busy_lines_feed(scan, data, len);
}

void
ny_busy_scan_feed_object(NyBusyScan *scan, const char *data, gsize len)
{
    ny_busy_scan_feed(scan, data, len);
    if (len == 0 || data[len - 1] != '\n')
        ny_busy_scan_feed(scan, "\n", 1);
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
