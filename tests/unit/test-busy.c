/* Unit tests for busy: the case table fixtures/busy/cases.txt.
 *
 * Each case names a calendar (a file in fixtures/busy/, or gen:KIND for the
 * hostile inputs made here), the window, the zone, the user's addresses, the
 * busy periods expected (UTC) and substrings of the warnings expected. A case
 * with no WARN line expects no warning at all. Every case also runs fed in
 * 7-byte chunks, and split into objects read back as the cache gives them,
 * which must give the same answer, and must finish fast. Then the spans
 * (ny_busy_span()) and the split itself.
 */
#include <string.h>

#include "notyet/busy.h"
#include "src/busy-private.h"
#include "src/wintz.h"
#include "tests/common/busy-split-check.h"

typedef struct {
    char *name;
    char *file;
    char *from;
    char *to;
    char *zone;
    GPtrArray *emails; /* (element-type utf8) */
    GPtrArray *busy;   /* (element-type utf8): "START END" */
    GPtrArray *warn;   /* (element-type utf8) */
    GPtrArray *nowarn; /* (element-type utf8) */
    guint max_instances;
    double max_seconds;
    int line; /* where the case starts in cases.txt */
} BusyCase;

static void
busy_case_free(gpointer data)
{
    BusyCase *c = data;

    g_free(c->name);
    g_free(c->file);
    g_free(c->from);
    g_free(c->to);
    g_free(c->zone);
    g_ptr_array_unref(c->emails);
    g_ptr_array_unref(c->busy);
    g_ptr_array_unref(c->warn);
    g_ptr_array_unref(c->nowarn);
    g_free(c);
}

static GPtrArray *
load_cases(void)
{
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "fixtures", "busy", "cases.txt", NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *cases = g_ptr_array_new_with_free_func(busy_case_free);
    BusyCase *c = NULL;

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]);
        char *arg = strchr(line, ' ');

        if (*line == '\0' || *line == '#')
            continue;
        if (arg != NULL)
            *arg++ = '\0';
        else
            arg = line + strlen(line);
        arg = g_strstrip(arg);
        if (strcmp(line, "CASE") == 0) {
            c = g_new0(BusyCase, 1);
            c->name = g_strdup(arg);
            c->zone = g_strdup("America/New_York");
            c->emails = g_ptr_array_new_with_free_func(g_free);
            c->busy = g_ptr_array_new_with_free_func(g_free);
            c->warn = g_ptr_array_new_with_free_func(g_free);
            c->nowarn = g_ptr_array_new_with_free_func(g_free);
            c->max_seconds = 20.0; /* a hang guard; speed is bench/busy.sh's */
            c->line = i + 1;
            g_ptr_array_add(cases, c);
            continue;
        }
        if (c == NULL)
            g_error("cases.txt:%d: '%s' before the first CASE", i + 1, line);
        if (strcmp(line, "FILE") == 0)
            c->file = g_strdup(arg);
        else if (strcmp(line, "FROM") == 0)
            c->from = g_strdup(arg);
        else if (strcmp(line, "TO") == 0)
            c->to = g_strdup(arg);
        else if (strcmp(line, "ZONE") == 0)
            g_free(c->zone), c->zone = g_strdup(arg);
        else if (strcmp(line, "EMAIL") == 0)
            g_ptr_array_add(c->emails, g_strdup(arg));
        else if (strcmp(line, "BUSY") == 0)
            g_ptr_array_add(c->busy, g_strdup(arg));
        else if (strcmp(line, "WARN") == 0)
            g_ptr_array_add(c->warn, g_strdup(arg));
        else if (strcmp(line, "NOWARN") == 0)
            g_ptr_array_add(c->nowarn, g_strdup(arg));
        else if (strcmp(line, "MAXINSTANCES") == 0)
            c->max_instances = (guint)g_ascii_strtoull(arg, NULL, 10);
        else if (strcmp(line, "SECONDS") == 0)
            c->max_seconds = g_ascii_strtod(arg, NULL);
        else
            g_error("cases.txt:%d: unknown keyword '%s'", i + 1, line);
    }
    return cases;
}

/* Hostile inputs too large or too odd to keep as files. */
static GString *
generate(const char *kind)
{
    GString *s = g_string_new("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    const char *good = "BEGIN:VEVENT\r\nUID:good\r\nDTSTART:20260302T140000Z\r\n"
                       "DTEND:20260302T150000Z\r\nEND:VEVENT\r\n";

    if (strcmp(kind, "longline") == 0) {
        g_string_append(s, "BEGIN:VEVENT\r\nUID:long\r\nDTSTART:20260303T140000Z\r\n"
                           "DTEND:20260303T150000Z\r\nX-JUNK:");
        for (int i = 0; i < 1100 * 1024; i++)
            g_string_append_c(s, 'a');
        g_string_append(s, "\r\nEND:VEVENT\r\n");
    } else if (strcmp(kind, "nesting") == 0) {
        g_string_append(s, "BEGIN:VEVENT\r\nUID:deep\r\nDTSTART:20260303T140000Z\r\n"
                           "DTEND:20260303T150000Z\r\n");
        for (int i = 0; i < 100000; i++)
            g_string_append(s, "BEGIN:VALARM\r\n");
        for (int i = 0; i < 100000; i++)
            g_string_append(s, "END:VALARM\r\n");
        g_string_append(s, "END:VEVENT\r\n");
    } else if (strcmp(kind, "nul") == 0) {
        g_string_append(s, "BEGIN:VEVENT\r\nUID:nul\r\nDTSTART:20260303T140000Z\r\n"
                           "DTEND:20260303T150000Z\r\nX-JUNK:a");
        g_string_append_c(s, '\0');
        g_string_append(s, "b\r\nEND:VEVENT\r\n");
    } else if (strcmp(kind, "many-daily") == 0) {
        /* 300 daily series from 2010: skipping ahead keeps this fast. */
        for (int i = 0; i < 300; i++)
            g_string_append_printf(s,
                                   "BEGIN:VEVENT\r\nUID:daily-%d\r\n"
                                   "DTSTART;TZID=America/New_York:20100104T%02d0000\r\n"
                                   "DURATION:PT30M\r\nRRULE:FREQ=DAILY\r\nEND:VEVENT\r\n",
                                   i, 9 + i % 8);
    } else {
        g_error("unknown generator '%s'", kind);
    }
    g_string_append(s, good);
    g_string_append(s, "END:VCALENDAR\r\n");
    return s;
}

static GString *
case_text(const BusyCase *c)
{
    g_autofree char *path = NULL;
    g_autoptr(GError) error = NULL;
    char *text = NULL;
    gsize len = 0;

    if (g_str_has_prefix(c->file, "gen:"))
        return generate(c->file + 4);
    path = g_test_build_filename(G_TEST_DIST, "fixtures", "busy", c->file, NULL);
    g_file_get_contents(path, &text, &len, &error);
    g_assert_no_error(error);
    {
        GString *s = g_string_new_len(text, (gssize)len);
        g_free(text);
        return s;
    }
}

static NyTime
parse_utc(const char *text)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GError) error = NULL;
    NyTime t = 0;

    g_assert_true(ny_time_parse(text, utc, &t, &error));
    g_assert_no_error(error);
    return t;
}

static char *
render(GArray *busy)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < busy->len; i++) {
        NyInterval *iv = &g_array_index(busy, NyInterval, i);
        g_autofree char *a = ny_time_format_utc(iv->start);
        g_autofree char *b = ny_time_format_utc(iv->end);
        g_string_append_printf(s, "%s %s\n", a, b);
    }
    return g_string_free(s, FALSE);
}

/* The busy periods (normalized) and warnings of @text, read with every
 * line of every event parsed by libical when @all (ny_busy_scan_read_all()),
 * fed in pieces of @piece bytes. */
static char *
read_rendered(const NyBusyQuery *q, const char *text, gsize len, gboolean all, gsize piece)
{
    g_autoptr(NyBusyScan) scan = ny_busy_scan_new(q);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    if (all)
        ny_busy_scan_read_all(scan);
    for (gsize off = 0; off < len; off += piece)
        ny_busy_scan_feed(scan, text + off, MIN(piece, len - off));
    if (!ny_busy_scan_finish(scan, busy, warnings, NULL))
        return g_strdup("invalid\n");
    return split_check_render(q, busy, warnings);
}

/* The scan that leaves out the lines no result depends on (src/busy-lines.c,
 * unread_kind()) gives what reading every line gives, whole and in pieces. */
static gboolean
read_all_agrees(const NyBusyQuery *q, const char *text, gsize len)
{
    g_autofree char *all = read_rendered(q, text, len, TRUE, MAX(len, 1));
    g_autofree char *some = read_rendered(q, text, len, FALSE, MAX(len, 1));
    g_autofree char *pieces = read_rendered(q, text, len, FALSE, 5);

    if (g_strcmp0(all, some) != 0 || g_strcmp0(all, pieces) != 0)
        g_test_message("every line:\n%s\nleft out:\n%s\nin pieces:\n%s", all, some, pieces);
    return g_strcmp0(all, some) == 0 && g_strcmp0(all, pieces) == 0;
}

/* One VTIMEZONE pool for every case of the table (see run_case()). */
static NyBusyZones *shared_zones;

static void
run_case(gconstpointer data)
{
    const BusyCase *c = data;
    g_autoptr(GString) text = case_text(c);
    g_autoptr(GError) error = NULL;
    g_autoptr(GTimeZone) zone = ny_zone_new(c->zone, &error);
    g_autoptr(GPtrArray) emails = g_ptr_array_new();
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GArray) busy2 = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) warnings2 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GString) expected = g_string_new(NULL);
    g_autofree char *got = NULL;
    g_autofree char *got2 = NULL;
    g_autoptr(NyBusyScan) scan = NULL;
    NyBusyQuery q;
    gint64 t0;
    double seconds;

    g_test_message("cases.txt:%d %s", c->line, c->name);
    g_assert_no_error(error);
    for (guint i = 0; i < c->emails->len; i++)
        g_ptr_array_add(emails, g_ptr_array_index(c->emails, i));
    g_ptr_array_add(emails, NULL);
    ny_busy_query_init(&q, parse_utc(c->from), parse_utc(c->to), zone, c->zone,
                       (const char *const *)emails->pdata);
    if (c->max_instances > 0)
        q.limits.max_instances = c->max_instances;

    t0 = g_get_monotonic_time();
    g_assert_true(ny_busy_compute(&q, text->str, text->len, busy, warnings, &error));
    seconds = (double)(g_get_monotonic_time() - t0) / 1e6;
    g_assert_no_error(error);
    ny_intervals_normalize(busy, q.from, q.to);
    if (seconds > c->max_seconds)
        g_test_message("%s took %.3f s", c->name, seconds);
    g_assert_cmpfloat(seconds, <=, c->max_seconds);

    for (guint i = 0; i < c->busy->len; i++)
        g_string_append_printf(expected, "%s\n", (const char *)g_ptr_array_index(c->busy, i));
    got = render(busy);
    g_assert_cmpstr(got, ==, expected->str);

    for (guint i = 0; i < warnings->len; i++)
        g_test_message("warning: %s", (const char *)g_ptr_array_index(warnings, i));
    for (guint i = 0; i < c->warn->len; i++) {
        const char *needle = g_ptr_array_index(c->warn, i);
        gboolean found = FALSE;
        for (guint j = 0; j < warnings->len && !found; j++)
            found = strstr(g_ptr_array_index(warnings, j), needle) != NULL;
        if (!found)
            g_test_message("no warning contains '%s'", needle);
        g_assert_true(found);
    }
    if (c->warn->len == 0)
        g_assert_cmpuint(warnings->len, ==, 0);
    for (guint i = 0; i < c->nowarn->len; i++) {
        const char *needle = g_ptr_array_index(c->nowarn, i);
        for (guint j = 0; j < warnings->len; j++)
            g_assert_null(strstr(g_ptr_array_index(warnings, j), needle));
    }

    /* The same text in 7-byte pieces: the same answer. */
    scan = ny_busy_scan_new(&q);
    for (gsize off = 0; off < text->len; off += 7)
        ny_busy_scan_feed(scan, text->str + off, MIN(7, text->len - off));
    g_assert_true(ny_busy_scan_finish(scan, busy2, warnings2, &error));
    g_assert_no_error(error);
    ny_intervals_normalize(busy2, q.from, q.to);
    got2 = render(busy2);
    g_assert_cmpstr(got2, ==, got);
    g_assert_cmpuint(warnings2->len, ==, warnings->len);

    /* libical reading every line of every event: the same busy time and
     * warnings as the scan that leaves out the lines no result depends on. */
    g_assert_true(read_all_agrees(&q, text->str, text->len));

    /* Split into objects and read as the cache gives them back (only those
     * whose span meets the window): the same busy time and warnings. */
    {
        g_autofree char *whole = NULL;
        g_autofree char *split = NULL;
        if (!busy_split_check(&q, text->str, text->len, &whole, &split))
            g_test_message("whole:\n%s\nsplit:\n%s", whole, split);
        g_assert_cmpstr(split, ==, whole);
    }

    /* Twice more with one VTIMEZONE pool shared by every case of the
     * table (the second time from the pool): the same answer and the same
     * warnings. */
    for (int round = 0; round < 2; round++) {
        g_autoptr(GArray) busy3 = ny_intervals_new();
        g_autoptr(GPtrArray) warnings3 = g_ptr_array_new_with_free_func(g_free);
        g_autofree char *got3 = NULL;
        NyBusyQuery pooled = q;

        pooled.zones = shared_zones;
        g_assert_true(ny_busy_compute(&pooled, text->str, text->len, busy3, warnings3, &error));
        g_assert_no_error(error);
        ny_intervals_normalize(busy3, q.from, q.to);
        got3 = render(busy3);
        g_assert_cmpstr(got3, ==, got);
        g_assert_cmpuint(warnings3->len, ==, warnings->len);
        for (guint i = 0; i < warnings->len; i++)
            g_assert_cmpstr(g_ptr_array_index(warnings3, i), ==, g_ptr_array_index(warnings, i));
    }
}

/* Lines left out of libical's parse, and lines much like them that are
 * not: timestamps that do not parse (their error quoting only digits and
 * letters), folded ones, texts naming vital properties, empty values,
 * parameters, a TZID known only from a later VTIMEZONE, lower case. */
static void
test_unread_lines_change_nothing(void)
{
    static const char *const lines[] = {
        "SUMMARY:",
        "SUMMARY: DTSTART \\",
        "DESCRIPTION:a DTEND b\r\n  DTSTART c\r\n\tRRULE ",
        "LOCATION;ALTREP=\"cid:x\": DTSTART x",
        "COMMENT:RECURRENCE-ID",
        "DTSTAMP:20260101T000000Z",
        "DTSTAMP:99999999T999999Z",
        "DTSTAMP:T",
        "DTSTAMP:",
        "DTSTAMP:x DTSTART x",
        "DTSTAMP:2026\r\n 0101T000000Z",
        "DTSTAMP:2026\r\n  DTSTART x",
        "CREATED;TZID=Late/Zone:20260101T000000",
        "LAST-MODIFIED:20261301T250000",
        "summary:x",
        "dtstamp:x DTEND x",
        "X-LIC-ERROR:Parse error in DTSTART property",
        "SUMMARY;LANGUAGE=en:x\r\nDTSTAMP:20260101T000000Z",
        /* Components inside the event, left out whole unless a name may be
         * folded (libical would nest otherwise than the scan). */
        "BEGIN:VALARM\r\nTRIGGER:-PT5M\r\nACTION:DISPLAY\r\nEND:VALARM",
        ("BEGIN:VALARM\r\nDTSTART:20260302T160000Z\r\nBEGIN:VALARM\r\nEND:VALARM\r\n"
         "END:VALARM\r\n DTEND:x"),
        "BEGIN:X-THING\r\nRRULE:FREQ=DAILY\r\nEND:X-THING",
        "BEGIN:VALARM\r\nEN\r\n D:VALARM\r\nDTSTART:20260304T100000Z\r\nEND:VALARM",
        "BEGIN:VALARM\r\n\r\n END:VALARM\r\nDURATION:PT5H\r\nEND:VALARM",
        "BEGIN:VALARM\r\nX-A:1\r\nEND:valarm",
        "BEG\r\n IN:VALARM\r\nBEGIN:VALARM\r\nEND:VALARM\r\nEND:VALARM",
        "DT\r\n START:20260301T100000Z\r\nBEGIN:VALARM\r\nEND:VALARM",
        "BEGIN:VALARM\r\nX-A:1\r\nEND:VALARM\r\nBEGIN:VALARM\r\nX-B\r\n :2\r\nEND:VALARM",
    };
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("Europe/Berlin");
    NyBusyQuery q;

    /* The scanner names these two itself (src/busy-lines.c, kind_of()). */
    g_assert_cmpint(icalcomponent_string_to_kind("VEVENT"), ==, ICAL_VEVENT_COMPONENT);
    g_assert_cmpint(icalcomponent_string_to_kind("VALARM"), ==, ICAL_VALARM_COMPONENT);
    ny_busy_query_init(&q, 1767225600, 1798761600, zone, "Europe/Berlin", NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(lines); i++) {
        g_autofree char *text = g_strdup_printf(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
            "BEGIN:VEVENT\r\nUID:a\r\n%s\r\nDTSTART:20260302T140000Z\r\n"
            "DTEND:20260302T150000Z\r\n%s\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:b\r\nDTSTART;TZID=Late/Zone:20260303T140000\r\n%s\r\n"
            "DURATION:PT1H\r\nRRULE:FREQ=DAILY;COUNT=3\r\n%s\r\nEND:VEVENT\r\n"
            "BEGIN:VTIMEZONE\r\nTZID:Late/Zone\r\nBEGIN:STANDARD\r\n"
            "DTSTART:19700101T000000\r\nTZOFFSETFROM:+0300\r\nTZOFFSETTO:+0300\r\n"
            "END:STANDARD\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n",
            lines[i], lines[i], lines[i], lines[i]);

        g_test_message("line %s", lines[i]);
        g_assert_true(read_all_agrees(&q, text, strlen(text)));
    }
}

static void
test_zones_pool_keys_by_text(void)
{
    /* The same TZID with two definitions (+05:00, then +03:00) in two
     * calendars read with one pool: each event gets its own calendar's. */
    static const char *const cals[] = {"+0500", "+0300"};
    static const char *const want[] = {"2026-03-02T10:00:00Z", "2026-03-02T12:00:00Z"};
    g_autoptr(GTimeZone) zone = g_time_zone_new_utc();
    g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
    NyBusyQuery q;

    ny_busy_query_init(&q, 1772409600, 1772496000, zone, "UTC", NULL); /* 2026-03-02 */
    q.zones = zones;
    for (int round = 0; round < 2; round++) {
        for (guint i = 0; i < G_N_ELEMENTS(cals); i++) {
            g_autofree char *text = g_strdup_printf(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X-Custom\r\n"
                "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:%s\r\n"
                "TZOFFSETTO:%s\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:e\r\n"
                "DTSTART;TZID=X-Custom:20260302T150000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
                "END:VCALENDAR\r\n",
                cals[i], cals[i]);
            g_autoptr(GArray) busy = ny_intervals_new();
            g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
            g_autoptr(GError) error = NULL;
            g_autofree char *start = NULL;

            g_assert_true(ny_busy_compute(&q, text, strlen(text), busy, warnings, &error));
            g_assert_no_error(error);
            g_assert_cmpuint(busy->len, ==, 1);
            g_assert_cmpuint(warnings->len, ==, 0);
            start = ny_time_format_utc(g_array_index(busy, NyInterval, 0).start);
            g_assert_cmpstr(start, ==, want[i]);
        }
    }
}

static void
test_not_icalendar(void)
{
    g_autoptr(GTimeZone) zone = g_time_zone_new_utc();
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    const char *text = "<html>not a calendar</html>\n";
    NyBusyQuery q;

    ny_busy_query_init(&q, 0, 86400, zone, "UTC", NULL);
    g_assert_false(ny_busy_compute(&q, text, strlen(text), busy, warnings, &error));
    g_assert_error(error, NY_BUSY_ERROR, NY_BUSY_ERROR_INVALID);
    g_assert_cmpuint(busy->len, ==, 0);
    g_clear_error(&error);
    /* Empty text is an empty calendar, not an error. */
    g_assert_true(ny_busy_compute(&q, "", 0, busy, warnings, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(busy->len, ==, 0);
}

/* 3,000 one-hour events two hours apart, each under two UIDs, one of them
 * also moved by an override: the scan merges its busy time whenever it has
 * doubled (src/busy-overrides.c, ny_busy_emit()), and every period must
 * come out once, in order, with the override's and nothing of what it
 * replaced. */
static void
test_merged_along_the_way(void)
{
    g_autoptr(GTimeZone) zone = g_time_zone_new_utc();
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;
    g_autoptr(GString) text = g_string_new("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n");
    const NyTime base = 1772323200; /* 2026-03-01T00:00:00Z */
    const guint n = 3000;
    NyBusyQuery q;

    for (guint i = 0; i < 2 * n; i++) {
        g_autofree char *start = ny_time_format_basic_utc(base + (NyTime)(i % n) * 7200);
        g_autofree char *end = ny_time_format_basic_utc(base + (NyTime)(i % n) * 7200 + 3600);
        g_string_append_printf(text,
                               "BEGIN:VEVENT\r\nUID:e%u\r\nDTSTART:%s\r\nDTEND:%s\r\n"
                               "END:VEVENT\r\n",
                               i, start, end);
    }
    /* e7's hour moves half an hour later; e3007 keeps it: 14:00-15:30. */
    g_string_append(text, "BEGIN:VEVENT\r\nUID:e7\r\nRECURRENCE-ID:20260301T140000Z\r\n"
                          "DTSTART:20260301T143000Z\r\nDTEND:20260301T153000Z\r\nEND:VEVENT\r\n"
                          "END:VCALENDAR\r\n");
    ny_busy_query_init(&q, base, base + (NyTime)n * 7200, zone, "UTC", NULL);
    g_assert_true(ny_busy_compute(&q, text->str, text->len, busy, warnings, &error));
    g_assert_no_error(error);
    g_assert_cmpuint(warnings->len, ==, 0);
    /* Already merged: normalizing changes nothing. */
    g_assert_cmpuint(busy->len, ==, n);
    ny_intervals_normalize(busy, q.from, q.to);
    g_assert_cmpuint(busy->len, ==, n);
    for (guint i = 0; i < n; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        NyTime start = base + (NyTime)i * 7200;
        g_assert_cmpint(iv->start, ==, start);
        g_assert_cmpint(iv->end, ==, start + (i == 7 ? 5400 : 3600));
    }
}

static void
test_windows_zones(void)
{
    g_assert_cmpstr(ny_busy_windows_zone_to_olson("Eastern Standard Time"), ==, "America/New_York");
    g_assert_cmpstr(ny_busy_windows_zone_to_olson("w. europe standard time"), ==, "Europe/Berlin");
    g_assert_cmpstr(ny_busy_windows_zone_to_olson("AUS Eastern Standard Time"), ==,
                    "Australia/Sydney");
    g_assert_null(ny_busy_windows_zone_to_olson("Nowhere Standard Time"));
}

/* Every Olson name in the Windows table exists in the system's zone database. */
static void
test_windows_zones_exist(void)
{
    const char *names[] = {"Eastern Standard Time",   "Pacific Standard Time",
                           "GMT Standard Time",       "India Standard Time",
                           "Tokyo Standard Time",     "FLE Standard Time",
                           "Greenland Standard Time", "Myanmar Standard Time",
                           "Argentina Standard Time", "US Eastern Standard Time"};

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        const char *olson = ny_busy_windows_zone_to_olson(names[i]);
        g_autoptr(GTimeZone) z = NULL;
        g_assert_nonnull(olson);
        z = g_time_zone_new_identifier(olson);
        g_assert_nonnull(z);
    }
}

static gint64
day_of(struct icaltimetype t)
{
    GDate d;

    g_date_clear(&d, 1);
    g_date_set_dmy(&d, (GDateDay)t.day, (GDateMonth)t.month, (GDateYear)t.year);
    /* Julian day 719163 is 1970-01-01. */
    return (gint64)g_date_get_julian(&d) - 719163;
}

/* The fast path gives libical's own instances, walking and skipping ahead. */
static void
test_fast_rule_matches_libical(void)
{
    const char *rules[] = {
        "FREQ=DAILY",
        "FREQ=DAILY;INTERVAL=2",
        "FREQ=DAILY;INTERVAL=3;BYDAY=MO,WE,FR",
        "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=DAILY;COUNT=7;INTERVAL=4",
        "FREQ=WEEKLY",
        "FREQ=WEEKLY;INTERVAL=2",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU,TH",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,SA;WKST=SU",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=MO",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=MO,SU;WKST=SU",
        "FREQ=WEEKLY;INTERVAL=4;BYDAY=TH,FR,SA;WKST=FR",
        "FREQ=WEEKLY;COUNT=10;BYDAY=MO,TH",
        "FREQ=DAILY;COUNT=6000",
        "FREQ=DAILY;COUNT=3000;INTERVAL=3;BYDAY=MO,WE,FR",
        "FREQ=DAILY;INTERVAL=7;BYDAY=MO",
        "FREQ=WEEKLY;COUNT=900;INTERVAL=2;BYDAY=TU,TH,SU;WKST=MO",
        "FREQ=WEEKLY;COUNT=1700;BYDAY=MO,WE",
        "FREQ=MONTHLY;BYDAY=2TU",
        "FREQ=MONTHLY;BYDAY=-1TU",
        "FREQ=MONTHLY;INTERVAL=3;BYDAY=3WE",
        "FREQ=MONTHLY;COUNT=40;BYDAY=1MO",
        "FREQ=MONTHLY;COUNT=25;INTERVAL=2;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=4TH",
        "FREQ=MONTHLY;INTERVAL=5;BYDAY=-4SU",
        "FREQ=MONTHLY;COUNT=148;BYDAY=2TU",
        "FREQ=MONTHLY;COUNT=13;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYDAY=5FR",
        "FREQ=MONTHLY;BYDAY=1MO,3MO",
        /* Daily from a start off the rule's days (a Saturday or Sunday
         * start of a weekday rule): every day is stepped on, as libical's. */
        "FREQ=DAILY;COUNT=20;BYDAY=MO,TU,WE,TH,FR",
        "FREQ=DAILY;BYDAY=SA,SU",
        "FREQ=DAILY;COUNT=9;BYDAY=TU",
        "FREQ=DAILY;COUNT=400;BYDAY=WE,SA",
    };
    /* January 2010 began on a Friday: the 12th is its 2nd Tuesday, the
     * 26th its last, the 20th its 3rd Wednesday, the 29th its last Friday,
     * the 28th its 4th Thursday, the 10th its 4th-last Sunday. */
    const char *starts[] = {"20100101T090000", "20100102T090000", "20100103T090000",
                            "20100104T090000", "20100105T090000", "20100106T090000",
                            "20100107T090000", "20260227T153000", "20260301",
                            "20100112T090000", "20100126T173000", "20100120",
                            "20100129T090000", "20100128T120000", "20100110T090000",
                            "20260227",        "20231221T150000"};
    guint exercised = 0;

    for (gsize i = 0; i < G_N_ELEMENTS(rules); i++) {
        for (gsize j = 0; j < G_N_ELEMENTS(starts); j++) {
            struct icalrecurrencetype r = icalrecurrencetype_from_string(rules[i]);
            struct icaltimetype st = icaltime_from_string(starts[j]);
            NyFastRule f;
            icalrecur_iterator *it;
            gint64 day = 0;

            if (!ny_busy_fast_rule_init(&f, &r, day_of(st)))
                continue;
            exercised++;
            it = icalrecur_iterator_new(r, st);
            g_assert_nonnull(it);
            for (int k = 0; k < 300; k++) {
                struct icaltimetype t = icalrecur_iterator_next(it);
                gboolean more = ny_busy_fast_rule_next(&f, &day);
                g_assert_cmpint(more, ==, !icaltime_is_null_time(t));
                if (!more)
                    break;
                g_assert_cmpint(day, ==, day_of(t));
            }
            icalrecur_iterator_free(it);

            if (r.count > 0) {
                /* Skipping a COUNT series: from the skip target on, the same
                 * days as libical's walk from DTSTART, ending on the same
                 * instance. */
                const char *targets[] = {"20120229", "20150704", "20260304"};
                for (gsize k = 0; k < G_N_ELEMENTS(targets); k++) {
                    gint64 target = day_of(icaltime_from_string(targets[k]));
                    g_autoptr(GArray) want = g_array_new(FALSE, FALSE, sizeof(gint64));
                    g_autoptr(GArray) got = g_array_new(FALSE, FALSE, sizeof(gint64));
                    struct icaltimetype t;

                    it = icalrecur_iterator_new(r, st);
                    while (!icaltime_is_null_time(t = icalrecur_iterator_next(it))) {
                        gint64 d = day_of(t);
                        if (d >= target)
                            g_array_append_val(want, d);
                    }
                    icalrecur_iterator_free(it);
                    g_assert_true(ny_busy_fast_rule_init(&f, &r, day_of(st)));
                    ny_busy_fast_rule_skip_to(&f, target);
                    while (ny_busy_fast_rule_next(&f, &day)) {
                        if (day >= target)
                            g_array_append_val(got, day);
                    }
                    g_assert_cmpuint(got->len, ==, want->len);
                    for (guint n = 0; n < want->len; n++)
                        g_assert_cmpint(g_array_index(got, gint64, n), ==,
                                        g_array_index(want, gint64, n));
                }
            }
            if (r.count == 0) {
                /* Skip to 2026-03-04 (a Wednesday) and to 2031-01-01. */
                const char *targets[] = {"20260304", "20310101"};
                for (gsize k = 0; k < G_N_ELEMENTS(targets); k++) {
                    struct icaltimetype at = icaltime_from_string(targets[k]);
                    struct icaltimetype t;
                    if (st.is_date == 0) {
                        at.is_date = 0;
                    }
                    g_assert_true(ny_busy_fast_rule_init(&f, &r, day_of(st)));
                    it = icalrecur_iterator_new(r, st);
                    g_assert_cmpint(icalrecur_iterator_set_start(it, at), ==, 1);
                    ny_busy_fast_rule_skip_to(&f, day_of(at));
                    for (int n = 0; n < 20; n++) {
                        t = icalrecur_iterator_next(it);
                        g_assert_true(ny_busy_fast_rule_next(&f, &day));
                        g_assert_cmpint(day, ==, day_of(t));
                    }
                    icalrecur_iterator_free(it);
                }
            }
        }
    }
    /* All but a fifth weekday and two monthly days take the fast path,
     * weekly and monthly rules from any start, daily ones with BYDAY from
     * a start on their days, or from any start with INTERVAL 1. */
    g_assert_cmpuint(exercised, ==, 525);
    {
        struct icalrecurrencetype r = icalrecurrencetype_from_string("FREQ=MONTHLY");
        NyFastRule f;
        g_assert_false(ny_busy_fast_rule_init(&f, &r, 0));
        r = icalrecurrencetype_from_string("FREQ=WEEKLY;BYDAY=MO");
        /* 1970-01-01 is a Thursday: off the rule's days, where libical's
         * walk starts all the same (the walks above start on every
         * weekday). */
        g_assert_true(ny_busy_fast_rule_init(&f, &r, 0));
        r = icalrecurrencetype_from_string("FREQ=DAILY;INTERVAL=2;BYDAY=MO");
        g_assert_false(ny_busy_fast_rule_init(&f, &r, 0));
        r = icalrecurrencetype_from_string("FREQ=DAILY;BYDAY=MO");
        g_assert_true(ny_busy_fast_rule_init(&f, &r, 0));
    }
    {
        /* The monthly rules above take the fast path from any day (so the
         * walk compared them, DTSTART on the rule or off it, as libical
         * counts it); a fifth weekday or two days do not. */
        static const struct {
            const char *rule, *start;
            gboolean fast;
        } monthly[] = {
            {"FREQ=MONTHLY;BYDAY=2TU", "20100112", TRUE},
            {"FREQ=MONTHLY;BYDAY=2TU", "20100105", TRUE},
            {"FREQ=MONTHLY;COUNT=13;BYDAY=-1FR", "20231221", TRUE},
            {"FREQ=MONTHLY;BYDAY=-1TU", "20100126", TRUE},
            {"FREQ=MONTHLY;INTERVAL=3;BYDAY=3WE", "20100120", TRUE},
            {"FREQ=MONTHLY;COUNT=40;BYDAY=1MO", "20100104", TRUE},
            {"FREQ=MONTHLY;COUNT=25;INTERVAL=2;BYDAY=-1FR", "20100129", TRUE},
            {"FREQ=MONTHLY;BYDAY=4TH", "20100128", TRUE},
            {"FREQ=MONTHLY;INTERVAL=5;BYDAY=-4SU", "20100110", TRUE},
            {"FREQ=MONTHLY;BYDAY=-1FR", "20260227", TRUE},
            {"FREQ=MONTHLY;BYDAY=5FR", "20100129", FALSE},
            {"FREQ=MONTHLY;BYDAY=1MO,3MO", "20100104", FALSE},
        };
        for (gsize i = 0; i < G_N_ELEMENTS(monthly); i++) {
            struct icalrecurrencetype r = icalrecurrencetype_from_string(monthly[i].rule);
            NyFastRule f;
            g_assert_cmpint(
                ny_busy_fast_rule_init(&f, &r, day_of(icaltime_from_string(monthly[i].start))), ==,
                monthly[i].fast);
        }
    }
}

/* 100 objects, each with its own copy of a zone that differs by one
 * X- property: every event gets its zone, and the pool keeps 64. */
static void
test_zones_pool_is_bounded(void)
{
    g_autoptr(GTimeZone) zone = g_time_zone_new_utc();
    g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
    NyBusyQuery q;

    ny_busy_query_init(&q, 1772409600, 1772496000, zone, "UTC", NULL); /* 2026-03-02 */
    q.zones = zones;
    for (int i = 0; i < 100; i++) {
        g_autofree char *text = g_strdup_printf(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VTIMEZONE\r\nTZID:X-Custom\r\n"
            "X-COPY:%d\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0500\r\n"
            "TZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\nBEGIN:VEVENT\r\nUID:e%d\r\n"
            "DTSTART;TZID=X-Custom:20260302T150000\r\nDURATION:PT1H\r\nEND:VEVENT\r\n"
            "END:VCALENDAR\r\n",
            i, i);
        g_autoptr(GArray) busy = ny_intervals_new();
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) error = NULL;

        g_assert_true(ny_busy_compute(&q, text, strlen(text), busy, warnings, &error));
        g_assert_no_error(error);
        g_assert_cmpuint(busy->len, ==, 1);
        g_assert_cmpint(g_array_index(busy, NyInterval, 0).start, ==, 1772445600); /* 10:00Z */
    }
    g_assert_cmpuint(g_hash_table_size(zones->by_text), ==, 64);
}

#define DAY 86400
#define T_0105_09 1767603600 /* 2026-01-05T09:00:00Z */

static void
span_of(const char *body, NyTime *start, NyTime *end)
{
    g_autofree char *ics =
        g_strdup_printf("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n%sEND:VCALENDAR\r\n", body);

    ny_busy_span(ics, strlen(ics), start, end);
}

/* The span holds the event with more than a day to spare either way (any
 * zone), and no more than a few days. */
static void
test_span_oneoff(void)
{
    NyTime s = 0, e = 0;

    span_of("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "END:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(s, <=, T_0105_09 - 2 * DAY);
    g_assert_cmpint(e, >=, T_0105_09 + 3600 + 2 * DAY);
    g_assert_cmpint(e - s, <=, 8 * DAY);
    /* Folded anywhere: the same span. */
    {
        NyTime s2 = 0, e2 = 0;
        span_of("BEGIN:VEVENT\r\nUID:a\r\nDTSTART:2026010\r\n 5T090000Z\r\nDTEND;TZID=Europe/\r\n"
                " Berlin:20260105T100000\r\nEND:VEVENT\r\n",
                &s2, &e2);
        g_assert_cmpint(s2, ==, s);
        g_assert_cmpint(e2, ==, e);
    }
}

static void
test_span_bounded_series(void)
{
    NyTime s = 0, e = 0;

    /* Six Mondays from 01-05: the last is 02-09. */
    span_of("BEGIN:VEVENT\r\nUID:w\r\nDTSTART:20260105T140000Z\r\nDTEND:20260105T150000Z\r\n"
            "RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=6\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(s, <=, T_0105_09 - 2 * DAY);
    g_assert_cmpint(e, >=, T_0105_09 + 35 * DAY + 6 * 3600 + 2 * DAY);
    g_assert_cmpint(e, <, NY_BUSY_SPAN_OPEN_END);
    span_of("BEGIN:VEVENT\r\nUID:u\r\nDTSTART:20260105T090000Z\r\nDURATION:P2D\r\n"
            "RRULE:FREQ=DAILY;UNTIL=20260110T090000Z\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(e, >=, T_0105_09 + 7 * DAY + 2 * DAY);
    g_assert_cmpint(e, <=, T_0105_09 + 12 * DAY);
    /* An override moved a week past the series' end widens it. */
    span_of("BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "RRULE:FREQ=DAILY;UNTIL=20260106T090000Z\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:x\r\nRECURRENCE-ID:20260106T090000Z\r\n"
            "DTSTART:20260113T090000Z\r\nDTEND:20260113T100000Z\r\nEND:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(e, >=, T_0105_09 + 8 * DAY + 3600 + 2 * DAY);
    /* An RDATE period far later, too. */
    span_of("BEGIN:VEVENT\r\nUID:r\r\nDTSTART:20260105T090000Z\r\nDTEND:20260105T100000Z\r\n"
            "RDATE;VALUE=PERIOD:20260301T090000Z/PT3H,20260401T090000Z/20260403T090000Z\r\n"
            "END:VEVENT\r\n",
            &s, &e);
    g_assert_cmpint(e, >=, T_0105_09 + 88 * DAY + 2 * DAY);
    g_assert_cmpint(e, <, NY_BUSY_SPAN_OPEN_END);
}

static void
test_span_open_cases(void)
{
    static const char *const open_ended[] = {
        /* no end to the rule */
        "BEGIN:VEVENT\r\nUID:o\r\nDTSTART:20260105T090000Z\r\nRRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\n",
        /* COUNT that may skip months: no cheap bound */
        "BEGIN:VEVENT\r\nUID:m\r\nDTSTART:20260130T090000Z\r\n"
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=30;COUNT=3\r\nEND:VEVENT\r\n",
        /* an UNTIL hidden in another part is no UNTIL */
        "BEGIN:VEVENT\r\nUID:x\r\nDTSTART:20260105T090000Z\r\n"
        "RRULE:FREQ=DAILY;X-A=UNTIL=20260106\r\nEND:VEVENT\r\n",
        /* THISANDFUTURE shifts every later instance */
        "BEGIN:VEVENT\r\nUID:t\r\nRECURRENCE-ID;RANGE=THISANDFUTURE:20260105T090000Z\r\n"
        "DTSTART:20260105T100000Z\r\nEND:VEVENT\r\n",
        /* no DTSTART, or one that cannot be read */
        "BEGIN:VEVENT\r\nUID:n\r\nEND:VEVENT\r\n",
        "BEGIN:VEVENT\r\nUID:n\r\nDTSTART:2026-01-05\r\nEND:VEVENT\r\n",
        /* a name folded before it ends (it may be DTEND) */
        "BEGIN:VEVENT\r\nUID:f\r\nDTSTART:20260105T090000Z\r\nDTE\r\n ND:20270105T090000Z\r\n"
        "END:VEVENT\r\n",
        /* a DURATION that cannot be read */
        "BEGIN:VEVENT\r\nUID:d\r\nDTSTART:20260105T090000Z\r\nDURATION:1H\r\nEND:VEVENT\r\n",
        /* free/busy periods */
        "BEGIN:VFREEBUSY\r\nFREEBUSY:20260105T090000Z/PT1H\r\nEND:VFREEBUSY\r\n",
        /* left open */
        "BEGIN:VEVENT\r\nUID:l\r\nDTSTART:20260105T090000Z\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(open_ended); i++) {
        NyTime s = 0, e = 0;
        g_test_message("case %" G_GSIZE_FORMAT, i);
        span_of(open_ended[i], &s, &e);
        g_assert_true(s == NY_BUSY_SPAN_OPEN_START || e == NY_BUSY_SPAN_OPEN_END);
    }
}

static void
test_span_no_event_and_garbage(void)
{
    NyTime s = 1, e = 1;

    span_of("BEGIN:VTODO\r\nUID:t\r\nDTSTART:20260105T090000Z\r\nEND:VTODO\r\n", &s, &e);
    g_assert_cmpint(s, ==, 0);
    g_assert_cmpint(e, ==, 0);
    ny_busy_span("not a calendar at all", 21, &s, &e);
    g_assert_cmpint(s, ==, NY_BUSY_SPAN_OPEN_START);
    g_assert_cmpint(e, ==, NY_BUSY_SPAN_OPEN_END);
}

/* Splitting: every VEVENT, VFREEBUSY and VTIMEZONE in text order,
 * verbatim; other components and calendar properties are not kept. */
static void
test_split_objects(void)
{
    static const char text[] =
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
        "BEGIN:VEVENT\r\nUID:series\r\nDTSTART:20260105T090000Z\r\nRRULE:FREQ=DAILY\r\n"
        "BEGIN:VALARM\r\nUID:not-mine\r\nEND:VALARM\r\nEND:VEVENT\r\n"
        "BEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\n"
        "BEGIN:VTODO\r\nUID:todo\r\nEND:VTODO\r\n"
        "BEGIN:VEVENT\nUID:one\nDTSTART:20260106T090000Z\nEND:VEVENT\n"
        "END:VCALENDAR";
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NyTime));
    SplitObjects objects = {.texts = texts, .spans = spans};
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NyBusyScan) scan = NULL;
    NyBusyQuery q;

    ny_busy_query_init(&q, T_0105_09, T_0105_09 + DAY, utc, "UTC", NULL);
    scan = ny_busy_scan_new(&q);
    ny_busy_scan_set_split(scan, split_check_collect, &objects);
    ny_busy_scan_feed(scan, text, sizeof text - 1);
    g_assert_true(ny_busy_scan_finish(scan, busy, warnings, NULL));
    g_assert_true(ny_busy_scan_split_whole(scan));
    g_assert_cmpuint(texts->len, ==, 3);
    g_assert_true(g_str_has_prefix(g_ptr_array_index(texts, 0), "BEGIN:VEVENT\r\nUID:series\r\n"));
    g_assert_true(g_str_has_suffix(g_ptr_array_index(texts, 0), "END:VALARM\r\nEND:VEVENT\r\n"));
    g_assert_cmpint(g_array_index(spans, NyTime, 1), ==, NY_BUSY_SPAN_OPEN_END);
    g_assert_cmpstr(g_ptr_array_index(texts, 1), ==,
                    "BEGIN:VTIMEZONE\r\nTZID:Z\r\nEND:VTIMEZONE\r\n");
    g_assert_cmpint(g_array_index(spans, NyTime, 2), ==, NY_BUSY_SPAN_OPEN_START);
    g_assert_cmpstr(g_ptr_array_index(texts, 2), ==,
                    "BEGIN:VEVENT\r\nUID:one\r\nDTSTART:20260106T090000Z\r\nEND:VEVENT\r\n");
    g_assert_cmpint(g_array_index(spans, NyTime, 5), <, NY_BUSY_SPAN_OPEN_END);
}

/* Texts whose objects cannot say all the text says: read whole. */
static void
test_split_not_whole(void)
{
    static const char *const texts[] = {
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VCALENDAR\r\n",       /* left open */
        "BEGIN:VEVENT\r\nUID:a\r\nDTSTART:20260105T090000Z\r\nEND:VEVENT\r\n", /* bare */
        ("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\nBEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\n"
         "DTSTART:20260105T090000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"), /* two calendars */
        "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:a\r\nX:a\0b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    };
    static const gsize lens[] = {0, 0, 0, 72};
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    NyBusyQuery q;

    ny_busy_query_init(&q, T_0105_09, T_0105_09 + DAY, utc, "UTC", NULL);
    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++) {
        g_autoptr(GPtrArray) objs = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NyTime));
        SplitObjects objects = {.texts = objs, .spans = spans};
        g_autoptr(GArray) busy = ny_intervals_new();
        g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(NyBusyScan) scan = ny_busy_scan_new(&q);
        gsize len = lens[i] ? lens[i] : strlen(texts[i]);

        g_test_message("case %" G_GSIZE_FORMAT, i);
        ny_busy_scan_set_split(scan, split_check_collect, &objects);
        ny_busy_scan_feed(scan, texts[i], len);
        g_assert_true(ny_busy_scan_finish(scan, busy, warnings, NULL));
        g_assert_false(ny_busy_scan_split_whole(scan));
    }
}

static char *
read_fixture(const char *name, gsize *len)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "fixtures", "busy", name, NULL);
    char *text = NULL;

    g_assert_true(g_file_get_contents(path, &text, len, NULL));
    return text;
}

/* Every busy fixture, over windows of every size: whole == split + cached. */
static void
test_split_same_as_whole(void)
{
    static const NyTime windows[][2] = {
        {1735689600, 1893456000}, /* 2025-2030 */
        {1767225600, 1769904000}, /* 2026-01 */
        {1772323200, 1773532800}, /* 2026-03-01 .. 03-15 */
        {1782864000, 1783468800}, /* 2026-07 one week */
        {1772409600, 1772496000}, /* 2026-03-02 one day */
    };
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "fixtures", "busy", NULL);
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    const char *name;
    guint compared = 0;

    g_assert_nonnull(d);
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *text = NULL;
        gsize len = 0;

        if (!g_str_has_suffix(name, ".ics"))
            continue;
        text = read_fixture(name, &len);
        for (guint w = 0; w < G_N_ELEMENTS(windows); w++) {
            g_autofree char *whole = NULL;
            g_autofree char *split = NULL;
            NyBusyQuery q;

            ny_busy_query_init(&q, windows[w][0], windows[w][1], zone, "America/New_York", NULL);
            /* The hostile fixtures run into it at once: the test stays fast. */
            q.limits.max_instances = 2000;
            g_test_message("%s window %u", name, w);
            busy_split_check(&q, text, len, &whole, &split);
            g_assert_cmpstr(split, ==, whole);
            compared++;
        }
    }
    g_assert_cmpuint(compared, >=, 100);
}

int
main(int argc, char **argv)
{
    g_autoptr(GPtrArray) cases = NULL;
    g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
    int status;

    g_test_init(&argc, &argv, NULL);
    shared_zones = zones;
    cases = load_cases();
    for (guint i = 0; i < cases->len; i++) {
        BusyCase *c = g_ptr_array_index(cases, i);
        g_autofree char *path = g_strdup_printf("/busy/case/%s", c->name);
        g_test_add_data_func(path, c, run_case);
    }
    g_test_add_func("/busy/not-icalendar", test_not_icalendar);
    g_test_add_func("/busy/fast-rule-matches-libical", test_fast_rule_matches_libical);
    g_test_add_func("/busy/unread-lines-change-nothing", test_unread_lines_change_nothing);
    g_test_add_func("/busy/merged-along-the-way", test_merged_along_the_way);
    g_test_add_func("/busy/windows-zones", test_windows_zones);
    g_test_add_func("/busy/windows-zones-exist", test_windows_zones_exist);
    g_test_add_func("/busy/zones-pool-keys-by-text", test_zones_pool_keys_by_text);
    g_test_add_func("/busy/zones-pool-is-bounded", test_zones_pool_is_bounded);
    g_test_add_func("/busy/span/oneoff", test_span_oneoff);
    g_test_add_func("/busy/span/bounded-series", test_span_bounded_series);
    g_test_add_func("/busy/span/open-cases", test_span_open_cases);
    g_test_add_func("/busy/span/no-event-and-garbage", test_span_no_event_and_garbage);
    g_test_add_func("/busy/split/objects", test_split_objects);
    g_test_add_func("/busy/split/not-whole", test_split_not_whole);
    g_test_add_func("/busy/split/same-as-whole", test_split_same_as_whole);
    status = g_test_run();
    shared_zones = NULL;
    return status;
}
