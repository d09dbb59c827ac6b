/* busy-lines.c: raw lines: the one iCalendar scanner. Lines are assembled from
 * chunks, checked against the limits, nested, cut into top-level components
 * (split for the cache), and each event's span read before libical sees it.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"

static gboolean
line_is(const char *line, gsize len, const char *word, const char **rest)
{
    gsize n = strlen(word);

    if (!ny_busy_starts_with(line, len, word, n))
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
    /* The names of nearly every BEGIN and END line, without libical's
     * search through every component name. */
    if (strcmp(buf, "VEVENT") == 0)
        return ICAL_VEVENT_COMPONENT;
    if (strcmp(buf, "VALARM") == 0)
        return ICAL_VALARM_COMPONENT;
    return icalcomponent_string_to_kind(buf);
}

/* Appends @len bytes of @line and a CRLF to @g: one copy, without GLib's
 * general insert for every line (GString's fields are public). */
static void
append_line(GString *g, const char *line, gsize len)
{
    if (g->len + len + 3 > g->allocated_len) {
        g_string_append_len(g, line, (gssize)len);
        g_string_append_len(g, "\r\n", 2);
        return;
    }
    memcpy(g->str + g->len, line, len);
    memcpy(g->str + g->len + len, "\r\n", 3); /* with the NUL */
    g->len += len + 2;
}

/* What an event's property line is to libical's parse (ny_busy_process_
 * component_text() in src/busy-events.c): read, or left out because no
 * busy period and no warning depends on it. libical reads each unfolded
 * property line on its own and adds to the component the property or an
 * X-LIC-ERROR quoting its value. Without parameters (so no TZID, which
 * tzids_ready() looks for on every property), these never matter: a text
 * (SUMMARY, DESCRIPTION, LOCATION, COMMENT) always parses, and a timestamp
 * (DTSTAMP, CREATED, LAST-MODIFIED) of digits, 'T' and 'Z' alone that does
 * not parse gives an error naming no property event_error() looks for.
 * They are most of an event's lines and of its parse. A timestamp folded
 * on to the next line is read after all (its value is not known whole). */
enum { UNREAD_NO, UNREAD_TEXT, UNREAD_STAMP };

static gboolean
has_prefix(const char *line, gsize len, const char *prefix, gsize n)
{
    return len >= n && memcmp(line, prefix, n) == 0;
}

static int
unread_kind(const char *line, gsize len)
{
    static const struct {
        const char *name;
        gsize n;
        int kind;
    } props[] = {
        {"SUMMARY:", 8, UNREAD_TEXT},         {"DESCRIPTION:", 12, UNREAD_TEXT},
        {"LOCATION:", 9, UNREAD_TEXT},        {"COMMENT:", 8, UNREAD_TEXT},
        {"DTSTAMP:", 8, UNREAD_STAMP},        {"CREATED:", 8, UNREAD_STAMP},
        {"LAST-MODIFIED:", 14, UNREAD_STAMP},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(props); i++) {
        if (line[0] != props[i].name[0] || !has_prefix(line, len, props[i].name, props[i].n))
            continue;
        if (props[i].kind == UNREAD_STAMP) {
            for (gsize j = props[i].n; j < len; j++) {
                if (!g_ascii_isdigit(line[j]) && line[j] != 'T' && line[j] != 'Z')
                    return UNREAD_NO;
            }
        }
        return props[i].kind;
    }
    return UNREAD_NO;
}

/* A property line of the event at the top level, about to be appended to
 * comp: noted when libical need not read it. */
static void
unread_begin(NyBusyScan *s, const char *line, gsize len)
{
    gsize range[2];

    s->unread_on = s->read_all || s->comp == NULL ? UNREAD_NO : unread_kind(line, len);
    if (s->unread_on == UNREAD_NO)
        return;
    range[0] = s->comp->len;
    range[1] = s->comp->len + len + 2;
    g_array_append_vals(s->unread, range, 2);
}

/* A folded line of the current property: left out with it, or the
 * property is read after all. */
static void
unread_fold(NyBusyScan *s, gsize len)
{
    if (s->unread_on == UNREAD_TEXT && s->comp != NULL) {
        g_array_index(s->unread, gsize, s->unread->len - 1) += len + 2;
    } else if (s->unread_on == UNREAD_STAMP) {
        g_array_set_size(s->unread, s->unread->len - 2);
        s->unread_on = UNREAD_NO;
    }
}

/* A component inside the event (a VALARM) is left out whole: its lines
 * go to it, never to the event, when libical nests them as the scan does.
 * The scan refuses an END that does not match its BEGIN, and BEGIN or END
 * with parameters (scan_line()); only a name folded over two lines could
 * make libical see a BEGIN or END the scan does not, and such a line has
 * neither ':' nor ';' on its first line: with one anywhere in the event
 * up to the component's END, the component is read after all. */
static void
unread_block_begin(NyBusyScan *s)
{
    gsize range[2];

    if (s->read_all || s->comp == NULL || s->comp_kind != ICAL_VEVENT_COMPONENT)
        return;
    range[0] = range[1] = s->comp->len;
    g_array_append_vals(s->unread, range, 2);
    s->unread_block = TRUE;
}

/* After the component's END line: its range ends there, and lines folded
 * on to that line go with it. */
static void
unread_block_end(NyBusyScan *s)
{
    s->unread_block = FALSE;
    if (s->comp == NULL)
        return;
    if (s->folded_name) {
        g_array_set_size(s->unread, s->unread->len - 2);
        return;
    }
    g_array_index(s->unread, gsize, s->unread->len - 1) = s->comp->len;
    s->unread_on = UNREAD_TEXT;
}

/* The component's text as libical parses it: without the lines noted. */
static const char *
comp_parse_text(NyBusyScan *s)
{
    gsize at = 0;

    if (s->unread->len == 0)
        return s->comp->str;
    g_string_truncate(s->parse, 0);
    for (guint i = 0; i + 1 < s->unread->len; i += 2) {
        gsize a = g_array_index(s->unread, gsize, i);
        g_string_append_len(s->parse, s->comp->str + at, (gssize)(a - at));
        at = g_array_index(s->unread, gsize, i + 1);
    }
    g_string_append_len(s->parse, s->comp->str + at, (gssize)(s->comp->len - at));
    return s->parse->str;
}

void
ny_busy_scan_read_all(NyBusyScan *s)
{
    s->read_all = TRUE;
}

/* Stops keeping the component's text; its buffer serves the next one (one
 * allocation, not one per component and line). */
static void
comp_drop_text(NyBusyScan *s)
{
    if (s->comp == NULL)
        return;
    if (s->comp_spare == NULL)
        s->comp_spare = s->comp;
    else
        g_string_free(s->comp, TRUE);
    s->comp = NULL;
}

static void
comp_set_problem(NyBusyScan *s, const char *problem)
{
    if (s->comp_problem == NULL)
        s->comp_problem = g_strdup(problem);
    comp_drop_text(s);
}

static void
comp_begin(NyBusyScan *s, icalcomponent_kind kind)
{
    s->comp_depth = s->depth;
    s->comp_start = s->line_start;
    s->comp_kind = kind;
    s->comp_keep = kind == ICAL_VEVENT_COMPONENT || kind == ICAL_VFREEBUSY_COMPONENT ||
                   kind == ICAL_VTIMEZONE_COMPONENT;
    comp_drop_text(s);
    if (s->comp_keep) {
        s->comp = s->comp_spare != NULL ? s->comp_spare : g_string_sized_new(1024);
        s->comp_spare = NULL;
        g_string_truncate(s->comp, 0);
    }
    g_clear_pointer(&s->comp_problem, g_free);
    g_string_truncate(s->comp_uid, 0);
    s->last_was_uid = FALSE;
    ny_busy_raw_span_reset(&s->raw);
    s->prop_on = FALSE;
    g_array_set_size(s->unread, 0);
    s->unread_on = UNREAD_NO;
    s->unread_block = FALSE;
    s->folded_name = FALSE;
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
void
ny_busy_span_add(NyBusyScan *s, NyTime start, NyTime end)
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

/* A THISANDFUTURE override moves the instances of its series' master
 * anywhere, so a master whose span is bounded cannot be skipped by its
 * span: a text with both for one UID is not split whole. */
static void
split_note_series(NyBusyScan *s, NyTime start, NyTime end)
{
    const char *uid = s->comp_uid->str;
    gboolean bounded = start != NY_BUSY_SPAN_OPEN_START || end != NY_BUSY_SPAN_OPEN_END;

    if (s->comp_uid->len == 0 || s->comp_kind != ICAL_VEVENT_COMPONENT)
        return;
    if (s->raw.future) {
        g_hash_table_add(s->future_uids, g_strdup(uid));
        if (g_hash_table_contains(s->bounded_uids, uid))
            s->split_whole = FALSE;
    } else if (s->raw.recurs && !s->raw.recurid && bounded) {
        g_hash_table_add(s->bounded_uids, g_strdup(uid));
        if (g_hash_table_contains(s->future_uids, uid))
            s->split_whole = FALSE;
    }
}

static void
comp_end(NyBusyScan *s)
{
    NyTime start, end;

    if (s->comp_problem != NULL) {
        if (s->comp_keep) {
            g_autofree char *label = ny_busy_uid_label(s->comp_uid->str);
            if (!s->span_only)
                ny_busy_scan_warn(s, "component '%s' skipped: %s", label, s->comp_problem);
            ny_busy_span_add(s, NY_BUSY_SPAN_OPEN_START, NY_BUSY_SPAN_OPEN_END);
            s->split_whole = FALSE;
        }
    } else if (s->comp != NULL) {
        comp_span(s, &start, &end);
        if (s->split != NULL) {
            s->split(s->comp->str, s->comp->len, start, end, s->split_data);
            split_note_series(s, start, end);
        }
        if (s->span_only)
            ny_busy_span_add(s, start, end);
        /* An event that cannot meet the window is not parsed: so a lookup
         * that skips the objects whose span misses it (the cache) gives
         * what the whole text gives. */
        else if (start < s->q->to && end > s->q->from)
            ny_busy_process_component_text(s, s->comp->str, comp_parse_text(s));
        /* But a series' master is kept, for a THISANDFUTURE override. */
        else if (s->raw.recurs && !s->raw.recurid)
            g_ptr_array_add(s->far_masters, s->unread->len == 0
                                                ? g_string_free(g_steal_pointer(&s->comp), FALSE)
                                                : g_strdup(comp_parse_text(s)));
    }
    comp_drop_text(s);
    s->comp_depth = 0;
}

/* Whether an event's span may depend on this property line: one that
 * ny_busy_raw_property() reads. The first letter first. */
static gboolean
span_prop(const char *line, gsize len)
{
    switch (line[0]) {
    case 'D':
    case 'd':
        return ny_busy_prop_is(line, len, "DTSTART") || ny_busy_prop_is(line, len, "DTEND") ||
               ny_busy_prop_is(line, len, "DURATION");
    case 'R':
    case 'r':
        return ny_busy_prop_is(line, len, "RRULE") || ny_busy_prop_is(line, len, "RDATE") ||
               ny_busy_prop_is(line, len, "RECURRENCE-ID");
    default:
        return FALSE;
    }
}

/* One physical line, without its line break (not NUL-terminated). */
static void
scan_line(NyBusyScan *s, const char *line, gsize len)
{
    const char *rest;
    gboolean continuation = len > 0 && (line[0] == ' ' || line[0] == '\t');

    if (len > 0)
        s->saw_text = TRUE;
    if (!continuation && s->prop_on)
        prop_flush(s);
    if (!continuation)
        s->unread_on = UNREAD_NO;
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
        } else if (s->depth == s->comp_depth + 1) {
            unread_block_begin(s);
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
        if (s->comp != NULL)
            append_line(s->comp, line, len);
        s->depth--;
        if (s->unread_block && s->depth == s->comp_depth)
            unread_block_end(s);
        if (s->comp_depth != 0 && s->depth < s->comp_depth) {
            comp_end(s);
        } else if (s->comp_depth == 0 && s->depth == 0 && s->in_calendar) {
            s->in_calendar = FALSE;
            ny_busy_end_calendar(s);
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
            if (s->unread_on != UNREAD_NO)
                unread_fold(s, len);
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
                    s->folded_name = TRUE;
                } else if (span_prop(line, len)) {
                    if (len > NY_MAX_PROP) {
                        s->raw.open = TRUE;
                    } else {
                        g_string_append_len(s->prop, line, (gssize)len);
                        s->prop_on = TRUE;
                    }
                } else {
                    unread_begin(s, line, len);
                }
            }
        }
    }
    if (s->unread_block && !continuation && s->depth > s->comp_depth &&
        memchr(line, ':', len) == NULL && memchr(line, ';', len) == NULL)
        s->folded_name = TRUE;
    if (s->comp != NULL) {
        if (s->comp->len + len + 2 > s->q->limits.max_object) {
            g_autofree char *why =
                g_strdup_printf("larger than %" G_GSIZE_FORMAT " bytes", s->q->limits.max_object);
            comp_set_problem(s, why);
            return;
        }
        append_line(s->comp, line, len);
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
            ny_busy_scan_warn(s, "a line outside any event skipped: %s", why);
        s->split_whole = FALSE;
        s->span_lo = NY_BUSY_SPAN_OPEN_START;
        s->span_hi = NY_BUSY_SPAN_OPEN_END;
        s->span_any = TRUE;
    }
}

/* One physical line with its CR, if any, but not its LF. */
static void
scan_physical(NyBusyScan *s, const char *line, gsize len, gboolean overflow, gboolean nul)
{
    if (len > 0 && line[len - 1] == '\r')
        len--;
    if (overflow) {
        g_autofree char *why =
            g_strdup_printf("a line longer than %" G_GSIZE_FORMAT " bytes", s->q->limits.max_line);
        scan_bad_line(s, why);
    } else if (nul) {
        scan_bad_line(s, "a NUL byte in its text");
    } else {
        scan_line(s, line, len);
    }
}

void
ny_busy_scan_end_line(NyBusyScan *s)
{
    scan_physical(s, s->line->str, s->line->len, s->line_overflow, s->line_nul);
    g_string_truncate(s->line, 0);
    s->line_overflow = FALSE;
    s->line_nul = FALSE;
}

/* Reads a line that ends @n bytes past @data: its offsets, then the line. */
static void
dispatch_line(NyBusyScan *s, const char *data, gsize n, gboolean in_place)
{
    s->line_end = s->fed + n + 1;
    if (in_place)
        scan_physical(s, data, n, n > s->q->limits.max_line + 1, memchr(data, '\0', n) != NULL);
    else
        ny_busy_scan_end_line(s);
    s->line_start = s->line_end;
}

void
ny_busy_lines_feed(NyBusyScan *s, const char *data, gsize len)
{
    while (len > 0) {
        const char *nl = memchr(data, '\n', len);
        gsize n = nl ? (gsize)(nl - data) : len;

        if (nl != NULL && s->line->len == 0 && !s->line_overflow) {
            /* A whole line inside this chunk (most lines): read in place,
             * with the limits the assembly below checks. */
            dispatch_line(s, data, n, TRUE);
            s->fed += n + 1;
            data += n + 1;
            len -= n + 1;
            continue;
        }
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
        if (nl == NULL) {
            s->fed += n;
            break;
        }
        dispatch_line(s, data, n, FALSE);
        s->fed += n + 1;
        data += n + 1;
        len -= n + 1;
    }
}
