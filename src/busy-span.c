/* busy-span.c: the span of time an event can touch, from its raw text.
 *
 * Read by the scan (src/busy.c) from the event's own unfolded property
 * lines, before libical sees it: an event whose span misses the window is
 * not parsed at all, and the cache stores the span beside each object so
 * that a lookup reads only the objects that can meet its window. Both use
 * this one computation, so reading through the cache gives what reading
 * the whole text gives (doc/busy-rules.md, "The scanner").
 *
 * The span is conservative: every value is taken as a day, and the margin
 * covers any zone the scan reads times in (the user's zone, the system's,
 * or a VTIMEZONE whose offsets stay within a day: src/busy.c refuses the
 * others). Anything not understood here leaves the span open.
 */
#include <string.h>

#include "busy-private.h"

/* Days of margin either side: an offset under a day, a DST gap, a DATE
 * read as the user's local midnight. */
#define SPAN_MARGIN_DAYS 3

void
ny_busy_raw_span_reset(NyRawSpan *r)
{
    memset(r, 0, sizeof *r);
    r->start_lo = G_MAXINT64;
    r->start_hi = G_MININT64;
    r->end_hi = G_MININT64;
    r->until_hi = G_MININT64;
    r->extra_lo = G_MAXINT64;
    r->extra_hi = G_MININT64;
}

/* The value of a property line: after the first ':' outside quotes. */
static gboolean
line_value(const char *line, gsize len, const char **out_value, gsize *out_len)
{
    gboolean quoted = FALSE;

    for (gsize i = 0; i < len; i++) {
        if (line[i] == '"')
            quoted = !quoted;
        else if (line[i] == ':' && !quoted) {
            *out_value = line + i + 1;
            *out_len = len - i - 1;
            return TRUE;
        }
    }
    return FALSE;
}

/* The day of "YYYYMMDD" or "YYYYMMDDTHHMMSS[Z]", or G_MININT64. */
static gint64
raw_date(const char *v, gsize n)
{
    int f[3] = {0};
    static const int widths[3] = {4, 2, 2};
    const char *p = v;

    if (n != 8 && n != 15 && !(n == 16 && v[15] == 'Z'))
        return G_MININT64;
    for (int i = 0; i < 3; i++) {
        for (int j = 0; j < widths[i]; j++, p++) {
            if (!g_ascii_isdigit(*p))
                return G_MININT64;
            f[i] = f[i] * 10 + (*p - '0');
        }
    }
    if (n > 8) {
        if (v[8] != 'T')
            return G_MININT64;
        for (gsize i = 9; i < 15; i++) {
            if (!g_ascii_isdigit(v[i]))
                return G_MININT64;
        }
    }
    return ny_busy_days_from_civil(f[0], f[1], f[2]);
}

/* A DURATION value ([+-]P[nW][nD][T[nH][nM][nS]]) in whole days rounded
 * up, its sign dropped; -1 when it cannot be read. */
static gint64
raw_duration_days(const char *v, gsize n)
{
    gint64 seconds = 0;
    gint64 num = -1;
    gboolean in_time = FALSE;
    gsize i = 0;

    if (i < n && (v[i] == '+' || v[i] == '-'))
        i++;
    if (i >= n || v[i] != 'P')
        return -1;
    for (i++; i < n; i++) {
        char c = v[i];
        if (g_ascii_isdigit(c)) {
            num = (num < 0 ? 0 : num) * 10 + (c - '0');
            if (num > 1000000000)
                return -1;
            continue;
        }
        if (c == 'T' && num < 0 && !in_time) {
            in_time = TRUE;
            continue;
        }
        if (num < 0)
            return -1;
        switch (c) {
        case 'W':
            seconds += num * 7 * NY_DAY;
            break;
        case 'D':
            seconds += num * NY_DAY;
            break;
        case 'H':
            seconds += num * 3600;
            break;
        case 'M':
            seconds += num * 60;
            break;
        case 'S':
            seconds += num;
            break;
        default:
            return -1;
        }
        num = -1;
    }
    if (num >= 0)
        return -1;
    return (seconds + NY_DAY - 1) / NY_DAY;
}

static gboolean
by_empty(const short *by)
{
    return by[0] == ICAL_RECURRENCE_ARRAY_MAX;
}

/* The most days @r can run from its first instance when it has COUNT and
 * every period holds at least one instance (no BY part but BYDAY, or
 * MONTHLY with a plain BYDAY or a BYMONTHDAY of at most 28); -1 otherwise. */
static gint64
count_days(const struct icalrecurrencetype *r)
{
    gint64 period; /* seconds */
    gint64 interval = r->interval > 0 ? r->interval : 1;
    gboolean ok;

    switch (r->freq) {
    case ICAL_SECONDLY_RECURRENCE:
        period = 1;
        break;
    case ICAL_MINUTELY_RECURRENCE:
        period = 60;
        break;
    case ICAL_HOURLY_RECURRENCE:
        period = 3600;
        break;
    case ICAL_DAILY_RECURRENCE:
        period = NY_DAY;
        break;
    case ICAL_WEEKLY_RECURRENCE:
        period = 7 * NY_DAY;
        break;
    case ICAL_MONTHLY_RECURRENCE:
        period = 31 * NY_DAY;
        break;
    case ICAL_YEARLY_RECURRENCE:
        period = 366 * NY_DAY;
        break;
    default:
        return -1;
    }
    if (!(by_empty(r->by_second) && by_empty(r->by_minute) && by_empty(r->by_hour) &&
          by_empty(r->by_year_day) && by_empty(r->by_week_no) && by_empty(r->by_month) &&
          by_empty(r->by_set_pos)))
        return -1;
    if (by_empty(r->by_day) && by_empty(r->by_month_day)) {
        ok = TRUE;
    } else if (r->freq == ICAL_WEEKLY_RECURRENCE && by_empty(r->by_month_day)) {
        ok = TRUE;
    } else if (r->freq == ICAL_MONTHLY_RECURRENCE && by_empty(r->by_day)) {
        ok = TRUE;
        for (int i = 0;
             i < ICAL_BY_MONTHDAY_SIZE && r->by_month_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            if (r->by_month_day[i] < 1 || r->by_month_day[i] > 28)
                ok = FALSE;
        }
    } else if (r->freq == ICAL_MONTHLY_RECURRENCE && by_empty(r->by_month_day)) {
        /* "Every Tuesday" or "the 2nd Tuesday" is in every month; "the 5th
         * Tuesday" is not. */
        ok = TRUE;
        for (int i = 0; i < ICAL_BY_DAY_SIZE && r->by_day[i] != ICAL_RECURRENCE_ARRAY_MAX; i++) {
            int pos = icalrecurrencetype_day_position(r->by_day[i]);
            if (pos > 4 || pos < -4)
                ok = FALSE;
        }
    } else {
        ok = FALSE;
    }
    if (!ok || r->count <= 0 || r->count > 1000000)
        return -1;
    /* One period more: DTSTART is an instance even off the rule. */
    return ((gint64)r->count + 1) * interval * period / NY_DAY + 1;
}

/* An RRULE value: bounded by UNTIL (a part of exactly that name) or COUNT. */
static void
raw_rule(NyRawSpan *r, const char *v, gsize n)
{
    g_autofree char *text = g_strndup(v, n);
    g_auto(GStrv) parts = g_strsplit(text, ";", -1);
    struct icalrecurrencetype rule;
    gint64 days;

    for (char **p = parts; *p; p++) {
        if (g_ascii_strncasecmp(*p, "UNTIL=", 6) == 0) {
            gint64 day = raw_date(*p + 6, strlen(*p + 6));
            if (day == G_MININT64) {
                r->open = TRUE;
                return;
            }
            r->any_until = TRUE;
            r->until_hi = MAX(r->until_hi, day);
            return;
        }
    }
    rule = icalrecurrencetype_from_string(text);
    days = count_days(&rule);
    if (days < 0) {
        r->open = TRUE;
        return;
    }
    r->count_days = MAX(r->count_days, days);
}

static void
extra_day(NyRawSpan *r, gint64 day)
{
    r->any_extra = TRUE;
    r->extra_lo = MIN(r->extra_lo, day);
    r->extra_hi = MAX(r->extra_hi, day);
}

/* RDATE: DATE, DATE-TIME or PERIOD values, comma-separated. */
static void
raw_rdates(NyRawSpan *r, const char *v, gsize n)
{
    const char *end = v + n;

    while (v < end) {
        const char *comma = memchr(v, ',', (gsize)(end - v));
        const char *item_end = comma ? comma : end;
        const char *slash = memchr(v, '/', (gsize)(item_end - v));
        gint64 day = raw_date(v, (gsize)((slash ? slash : item_end) - v));

        if (day == G_MININT64) {
            r->open = TRUE;
            return;
        }
        extra_day(r, day);
        if (slash != NULL) {
            gsize m = (gsize)(item_end - slash - 1);
            gint64 until = raw_date(slash + 1, m);
            gint64 days = until == G_MININT64 ? raw_duration_days(slash + 1, m) : -1;

            if (until == G_MININT64 && days < 0) {
                r->open = TRUE;
                return;
            }
            extra_day(r, until != G_MININT64 ? until : day + days);
        }
        v = item_end + 1;
    }
}

/* Whether @word occurs in @text, in any case. */
static gboolean
has_word(const char *text, gsize len, const char *word)
{
    gsize n = strlen(word);

    for (gsize i = 0; i + n <= len; i++) {
        if (g_ascii_strncasecmp(text + i, word, n) == 0)
            return TRUE;
    }
    return FALSE;
}

void
ny_busy_raw_property(NyRawSpan *r, const char *line, gsize len)
{
    const char *v;
    gsize n;
    gint64 day;

    if (ny_busy_prop_is(line, len, "DTSTART")) {
        if (!line_value(line, len, &v, &n) || (day = raw_date(v, n)) == G_MININT64) {
            r->open = TRUE;
            return;
        }
        r->any_start = TRUE;
        r->start_lo = MIN(r->start_lo, day);
        r->start_hi = MAX(r->start_hi, day);
    } else if (ny_busy_prop_is(line, len, "DTEND")) {
        if (!line_value(line, len, &v, &n) || (day = raw_date(v, n)) == G_MININT64) {
            r->open = TRUE;
            return;
        }
        r->any_end = TRUE;
        r->end_hi = MAX(r->end_hi, day);
    } else if (ny_busy_prop_is(line, len, "DURATION")) {
        gint64 days;
        if (!line_value(line, len, &v, &n) || (days = raw_duration_days(v, n)) < 0) {
            r->open = TRUE;
            return;
        }
        r->dur_days = MAX(r->dur_days, days);
    } else if (ny_busy_prop_is(line, len, "RRULE")) {
        r->recurs = TRUE;
        if (!line_value(line, len, &v, &n)) {
            r->open = TRUE;
            return;
        }
        raw_rule(r, v, n);
    } else if (ny_busy_prop_is(line, len, "RDATE")) {
        r->recurs = TRUE;
        if (!line_value(line, len, &v, &n)) {
            r->open = TRUE;
            return;
        }
        raw_rdates(r, v, n);
    } else if (ny_busy_prop_is(line, len, "RECURRENCE-ID")) {
        /* RANGE=THISANDFUTURE moves every later instance: unbounded. */
        r->recurid = TRUE;
        if (!line_value(line, len, &v, &n)) {
            r->open = TRUE;
            return;
        }
        if (has_word(line, (gsize)(v - line), "RANGE")) {
            r->future = TRUE;
            r->open = TRUE;
            return;
        }
        if ((day = raw_date(v, n)) == G_MININT64) {
            r->open = TRUE;
            return;
        }
        extra_day(r, day);
    }
}

void
ny_busy_raw_span_get(const NyRawSpan *r, NyTime *out_start, NyTime *out_end)
{
    gint64 len;
    gint64 lo, hi;

    *out_start = NY_BUSY_SPAN_OPEN_START;
    *out_end = NY_BUSY_SPAN_OPEN_END;
    /* No DTSTART: the scan warns about it, so it is always read. */
    if (r->open || !r->any_start)
        return;
    /* How long one occurrence can last, in days, rounded up. */
    len = MAX(r->any_end ? r->end_hi - r->start_lo : 0, r->dur_days) + 1;
    lo = r->start_lo;
    hi = r->start_hi;
    if (r->any_extra) {
        lo = MIN(lo, r->extra_lo);
        hi = MAX(hi, r->extra_hi);
    }
    if (r->any_until)
        hi = MAX(hi, r->until_hi);
    if (r->count_days > 0)
        hi = MAX(hi, r->start_hi + r->count_days);
    hi += len;
    if (r->any_end)
        hi = MAX(hi, r->end_hi);
    *out_start = (lo - SPAN_MARGIN_DAYS) * NY_DAY;
    *out_end = (hi + SPAN_MARGIN_DAYS) * NY_DAY;
}
