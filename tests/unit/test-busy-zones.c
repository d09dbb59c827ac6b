/* Unit tests for the recent copy of a calendar's VTIMEZONE (src/busy-zones.c):
 * from the year after the one its rules were moved to, every instant has
 * the offset the whole zone gives it, and every wall time the same instant.
 * The whole zone is libical's reading of the VTIMEZONE as written.
 */
#include <string.h>

#include "src/busy-private.h"

#define HOUR 3600

/* gen-calendar.py's shape: rules from 1970. */
static const char *const new_york =
    "BEGIN:VTIMEZONE\r\nTZID:America/New_York\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19700101T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
    "TZNAME:EDT\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19700101T030000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n"
    "TZNAME:EST\r\nRRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

/* Outlook's shape: from 1601, last Sunday. */
static const char *const berlin =
    "BEGIN:VTIMEZONE\r\nTZID:W. Europe Standard Time\r\n"
    "BEGIN:STANDARD\r\nDTSTART:16010101T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:16010101T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
    "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r\nEND:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\n";

/* The southern hemisphere: summer time across the new year. */
static const char *const sydney =
    "BEGIN:VTIMEZONE\r\nTZID:Australia/Sydney\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19700405T030000\r\nTZOFFSETFROM:+1100\r\nTZOFFSETTO:+1000\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19701004T020000\r\nTZOFFSETFROM:+1000\r\nTZOFFSETTO:+1100\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=1SU\r\nEND:DAYLIGHT\r\n"
    "END:VTIMEZONE\r\n";

/* Google's and Apple's shape: the rules before 2007 end with UNTIL, the
 * current ones start in 2007. */
static const char *const chicago =
    "BEGIN:VTIMEZONE\r\nTZID:America/Chicago\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19870405T020000\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500\r\n"
    "RRULE:FREQ=YEARLY;UNTIL=20060402T080000Z;BYMONTH=4;BYDAY=1SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19671029T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0600\r\n"
    "RRULE:FREQ=YEARLY;UNTIL=20061029T070000Z;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nTZOFFSETFROM:-0600\r\nTZOFFSETTO:-0500\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0600\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

/* A fixed day of the month, and a one-off onset beside the rules. */
static const char *const tehran =
    "BEGIN:VTIMEZONE\r\nTZID:Asia/Tehran-like\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0400\r\nTZOFFSETTO:+0330\r\n"
    "END:STANDARD\r\n"
    "BEGIN:DAYLIGHT\r\nDTSTART:19800322T000000\r\nTZOFFSETFROM:+0330\r\nTZOFFSETTO:+0430\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=3;BYMONTHDAY=22\r\nEND:DAYLIGHT\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19800922T000000\r\nTZOFFSETFROM:+0430\r\nTZOFFSETTO:+0330\r\n"
    "RRULE:FREQ=YEARLY;BYMONTH=9;BYMONTHDAY=22\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

/* No rule at all: nothing to move. */
static const char *const tokyo =
    "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\n"
    "BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\n"
    "TZNAME:JST\r\nEND:STANDARD\r\n"
    "END:VTIMEZONE\r\n";

static icaltimezone *
zone_of(const char *text, icalcomponent **out_vtz)
{
    icalcomponent *vtz = icalparser_parse_string(text);
    icaltimezone *zone = icaltimezone_new();

    g_assert_nonnull(vtz);
    g_assert_cmpint(icalcomponent_isa(vtz), ==, ICAL_VTIMEZONE_COMPONENT);
    if (out_vtz != NULL)
        *out_vtz = icalcomponent_new_clone(vtz);
    g_assert_true(icaltimezone_set_component(zone, vtz));
    return zone;
}

/* Every 30 minutes from two years before @year to three years after it,
 * then every 7 hours to 2045: offsets and wall-to-instant conversions agree. */
static void
check_same(const char *text, int year, gboolean expect_copy)
{
    icalcomponent *vtz = NULL;
    icaltimezone *with = zone_of(text, &vtz);
    icaltimezone *whole = zone_of(text, NULL);
    NyZone a = {NULL, with};
    NyZone b = {NULL, whole};
    /* Before the year after @year the whole zone is read: from two years
     * earlier, to check the boundary too. */
    NyTime from = ny_busy_wall_seconds(year - 2, 1, 1, 0, 0, 0);
    NyTime dense_end = ny_busy_wall_seconds(year + 4, 1, 1, 0, 0, 0);
    NyTime end = ny_busy_wall_seconds(2045, 1, 1, 0, 0, 0);
    guint n = 0;

    g_assert_cmpint(ny_busy_vtz_start_rules(with, vtz, year), ==, expect_copy);
    for (NyTime t = from; t < end; t += t < dense_end ? HOUR / 2 : 7 * HOUR, n++) {
        if (ny_busy_zone_wall_at(&a, t) != ny_busy_zone_wall_at(&b, t))
            g_error("year %d: offset at %" G_GINT64_FORMAT ": %" G_GINT64_FORMAT
                    " with the copy, %" G_GINT64_FORMAT " in the whole zone",
                    year, t, ny_busy_zone_wall_at(&a, t) - t, ny_busy_zone_wall_at(&b, t) - t);
        /* The same number read as a wall time: gaps and repeated hours. */
        g_assert_cmpint(ny_busy_zone_to_utc(&a, t + 2 * NY_DAY), ==,
                        ny_busy_zone_to_utc(&b, t + 2 * NY_DAY));
    }
    g_assert_cmpuint(n, >, 1000);
    ny_busy_vtz_forget_rules(with);
    icalcomponent_free(vtz);
    icaltimezone_free(with, 1);
    icaltimezone_free(whole, 1);
}

static void
test_same_offsets(void)
{
    const int years[] = {1999, 2010, 2021, 2026, 2035};

    for (gsize i = 0; i < G_N_ELEMENTS(years); i++) {
        check_same(new_york, years[i], TRUE);
        check_same(berlin, years[i], TRUE);
        check_same(sydney, years[i], TRUE);
        check_same(tehran, years[i], TRUE);
        check_same(tokyo, years[i], FALSE);
    }
    /* The current rules start in 2007: before that only the old ones move. */
    check_same(chicago, 1999, TRUE);
    check_same(chicago, 2021, TRUE);
    check_same(chicago, 2035, TRUE);
}

/* A rule whose onsets depend on where it starts is left to libical. */
static void
test_other_rules_not_moved(void)
{
    static const char *const texts[] = {
        /* every other year */
        "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\n"
        "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;INTERVAL=2;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
        /* a count */
        "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\n"
        "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;COUNT=80;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n",
        /* ending the year after */
        "BEGIN:VTIMEZONE\r\nTZID:X\r\nBEGIN:DAYLIGHT\r\nDTSTART:19700308T020000\r\n"
        "TZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n"
        "RRULE:FREQ=YEARLY;UNTIL=20220401T000000Z;BYMONTH=3;BYDAY=2SU\r\nEND:DAYLIGHT\r\n"
        "END:VTIMEZONE\r\n",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(texts); i++)
        check_same(texts[i], 2021, FALSE);
}

/* The onsets the recent copy gives as RDATEs are libical's own: every
 * month, weekday and position, and days of the month, 1990 to 2045. */
static void
test_onset_days_match_libical(void)
{
    static const char *const days[] = {"SU", "MO", "TU", "WE", "TH", "FR", "SA"};
    static const int positions[] = {1, 2, 3, 4, -1, -2, -3, -4};
    guint checked = 0;

    for (int m = 1; m <= 12; m++) {
        for (gsize k = 0; k < G_N_ELEMENTS(positions) * G_N_ELEMENTS(days) + 28; k++) {
            g_autofree char *text = NULL;
            struct icalrecurrencetype r;
            struct icaltimetype start = icaltime_from_string("19700101T020000");
            icalrecur_iterator *it;

            if (k < G_N_ELEMENTS(positions) * G_N_ELEMENTS(days))
                text = g_strdup_printf("FREQ=YEARLY;BYMONTH=%d;BYDAY=%d%s", m,
                                       positions[k / G_N_ELEMENTS(days)],
                                       days[k % G_N_ELEMENTS(days)]);
            else
                text = g_strdup_printf("FREQ=YEARLY;BYMONTH=%d;BYMONTHDAY=%d", m,
                                       (int)(k - G_N_ELEMENTS(positions) * G_N_ELEMENTS(days)) + 1);
            r = icalrecurrencetype_from_string(text);
            it = icalrecur_iterator_new(r, start);
            g_assert_nonnull(it);
            for (int year = 1990; year <= 2045; year += 5) {
                struct icaltimetype at = start, occ;
                at.year = year;
                at.month = 1;
                at.day = 1;
                at.hour = 0;
                g_assert_true(icalrecur_iterator_set_start(it, at));
                occ = icalrecur_iterator_next(it);
                g_assert_cmpint(occ.year, ==, year);
                g_assert_cmpint(ny_busy_vtz_onset_day(&r, year), ==,
                                ny_busy_days_from_civil(occ.year, occ.month, occ.day));
                checked++;
            }
            icalrecur_iterator_free(it);
        }
    }
    g_assert_cmpuint(checked, ==, 12 * (8 * 7 + 28) * 12);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/busy-zones/same-offsets", test_same_offsets);
    g_test_add_func("/busy-zones/other-rules-not-moved", test_other_rules_not_moved);
    g_test_add_func("/busy-zones/onset-days-match-libical", test_onset_days_match_libical);
    return g_test_run();
}
