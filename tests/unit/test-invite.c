/* Unit tests for invites: libical re-parses what we write, hostile names stay values. */
#include <libical/ical.h>
#include <string.h>

#include "notyet/invite.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

#define START 1796238000 /* 2026-12-02T19:00:00Z, 2p in New York */
#define STAMP 1796040000 /* 2026-11-30T12:00:00Z */

static NyInvite
base_invite(void)
{
    NyInvite inv = {
        .uid = "0123456789abcdef@notyet",
        .sequence = 0,
        .start = START,
        .end = START + 20 * 60,
        .tzid = "America/New_York",
        .organizer_name = "Jane Doe",
        .organizer_email = "jane@example.com",
        .attendee_name = "Richard Roe",
        .attendee_email = "richard@example.org",
        .phone = "212.888.9999",
    };
    return inv;
}

static char *
build(const NyInvite *inv, guint n, NyInviteMethod method)
{
    g_autoptr(GError) error = NULL;
    char *text = ny_invite_build(inv, n, method, STAMP, &error);

    g_assert_no_error(error);
    g_assert_nonnull(text);
    return text;
}

/* Parses and checks what every consumer relies on: no parse errors, CRLF,
 * lines of at most 75 octets. */
static icalcomponent *
reparse(const char *text)
{
    icalcomponent *cal;
    const char *p = text;

    while (*p) {
        const char *eol = strstr(p, "\r\n");
        g_assert_nonnull(eol);
        g_assert_cmpint(eol - p, <=, 75);
        g_assert_null(memchr(p, '\n', (gsize)(eol - p)));
        p = eol + 2;
    }
    cal = icalparser_parse_string(text);
    g_assert_nonnull(cal);
    g_assert_cmpint(icalcomponent_isa(cal), ==, ICAL_VCALENDAR_COMPONENT);
    g_assert_cmpint(icalcomponent_count_errors(cal), ==, 0);
    return cal;
}

static int
count_props(icalcomponent *c, icalproperty_kind kind)
{
    return icalcomponent_count_properties(c, kind);
}

static void
test_request(void)
{
    NyInvite inv = base_invite();
    g_autofree char *text = build(&inv, 1, NY_INVITE_METHOD_REQUEST);
    g_autoptr(icalcomponent) cal = reparse(text);
    icalcomponent *ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    icalcomponent *vtz = icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT);
    icalproperty *dtstart;
    icalproperty *att;
    icaltimezone *zone;
    struct icaltimetype tt;

    g_assert_cmpint(icalcomponent_get_method(cal), ==, ICAL_METHOD_REQUEST);
    g_assert_nonnull(ev);
    g_assert_nonnull(vtz);
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, 1);
    g_assert_cmpstr(icalcomponent_get_uid(ev), ==, "0123456789abcdef@notyet");
    g_assert_cmpint(icalcomponent_get_sequence(ev), ==, 0);
    g_assert_cmpint(icalcomponent_get_status(ev), ==, ICAL_STATUS_CONFIRMED);
    g_assert_cmpstr(icalcomponent_get_summary(ev), ==, "Call: Jane Doe / Richard Roe");
    g_assert_cmpstr(icalcomponent_get_description(ev), ==, "Phone: 212.888.9999");
    g_assert_cmpint(icaltime_as_timet(icalcomponent_get_dtstamp(ev)), ==, STAMP);

    /* TZID is the plain Olson name, on DTSTART and on the VTIMEZONE. */
    dtstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    g_assert_cmpstr(icalproperty_get_parameter_as_string(dtstart, "TZID"), ==, "America/New_York");
    g_assert_cmpstr(
        icalproperty_get_tzid(icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY)), ==,
        "America/New_York");
    g_assert_null(strstr(text, "freeassociation"));
    g_assert_nonnull(strstr(text, "DTSTART;TZID=America/New_York:20261202T140000\r\n"));
    g_assert_nonnull(strstr(text, "DTEND;TZID=America/New_York:20261202T142000\r\n"));
    /* The file's own VTIMEZONE converts the local time back to the instant. */
    zone = icalcomponent_get_timezone(cal, "America/New_York");
    g_assert_nonnull(zone);
    tt = icalproperty_get_dtstart(dtstart);
    g_assert_cmpint(icaltime_as_timet_with_zone(tt, zone), ==, START);
    /* Cut to the rules in force: far shorter than the 2.7 kB history. */
    g_assert_cmpint(strlen(text), <, 2000);

    g_assert_cmpint(count_props(ev, ICAL_ORGANIZER_PROPERTY), ==, 1);
    g_assert_cmpint(count_props(ev, ICAL_ATTENDEE_PROPERTY), ==, 1);
    g_assert_cmpstr(
        icalproperty_get_organizer(icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY)),
        ==, "mailto:jane@example.com");
    att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
    g_assert_cmpstr(icalproperty_get_attendee(att), ==, "mailto:richard@example.org");
    g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "CN"), ==, "Richard Roe");
    g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "RSVP"), ==, "TRUE");
    g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "PARTSTAT"), ==, "NEEDS-ACTION");
    g_assert_true(g_str_has_prefix(text, "BEGIN:VCALENDAR\r\n"));
    g_assert_nonnull(strstr(text, "\r\nVERSION:2.0\r\n"));
    g_assert_nonnull(strstr(text, "\r\nPRODID:"));
}

static void
test_cancel(void)
{
    NyInvite inv = base_invite();
    g_autofree char *text = NULL;
    g_autoptr(icalcomponent) cal = NULL;
    icalcomponent *ev;

    inv.cancelled = TRUE;
    inv.sequence = 3;
    text = build(&inv, 1, NY_INVITE_METHOD_CANCEL);
    cal = reparse(text);
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    g_assert_cmpint(icalcomponent_get_method(cal), ==, ICAL_METHOD_CANCEL);
    g_assert_cmpint(icalcomponent_get_status(ev), ==, ICAL_STATUS_CANCELLED);
    g_assert_cmpint(icalcomponent_get_sequence(ev), ==, 3);
    g_assert_cmpstr(icalcomponent_get_uid(ev), ==, inv.uid);
}

/* Names and phones with the characters that end values, parameters and
 * lines: each stays one value, no property is injected. */
static void
test_hostile_values(void)
{
    static const char *const names[] = {
        "Roe, Richard; Jr.",
        "Dick \"The Man\" Roe",
        "Roe\nATTENDEE:mailto:evil@example.com",
        "Roe\r\nEND:VEVENT\r\nBEGIN:VEVENT",
        "Zoë Ødegård 山田太郎",
        "a:b;CN=x;RSVP=FALSE",
        "back\\slash ^caret^ 'quote'",
    };

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        NyInvite inv = base_invite();
        g_autofree char *text = NULL;
        g_autoptr(icalcomponent) cal = NULL;
        g_autofree char *want_name = g_strdup(names[i]);
        g_autofree char *want_summary = NULL;
        g_autofree char *want_cn = NULL;
        icalcomponent *ev;
        icalproperty *att;

        inv.attendee_name = names[i];
        inv.organizer_name = names[i];
        inv.phone = names[i];
        text = build(&inv, 1, NY_INVITE_METHOD_REQUEST);
        cal = reparse(text);
        g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, 1);
        ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
        g_assert_cmpint(count_props(ev, ICAL_ATTENDEE_PROPERTY), ==, 1);
        g_assert_cmpint(count_props(ev, ICAL_ORGANIZER_PROPERTY), ==, 1);
        g_assert_cmpint(count_props(ev, ICAL_SUMMARY_PROPERTY), ==, 1);
        g_assert_cmpint(count_props(ev, ICAL_DESCRIPTION_PROPERTY), ==, 1);
        g_assert_cmpint(count_props(ev, ICAL_X_PROPERTY), ==, 0);
        g_assert_cmpint(icalcomponent_count_properties(ev, ICAL_ANY_PROPERTY), ==, 11);
        /* Control characters become spaces; everything else round-trips. */
        g_strdelimit(want_name, "\r\n", ' ');
        want_cn = g_strdelimit(g_strdup(want_name), "\"", '\'');
        att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
        g_assert_cmpstr(icalproperty_get_attendee(att), ==, "mailto:richard@example.org");
        g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "CN"), ==, want_cn);
        g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "RSVP"), ==, "TRUE");
        want_summary = g_strdup_printf("Call: %s / %s", want_name, want_name);
        g_assert_cmpstr(icalcomponent_get_summary(ev), ==, want_summary);
    }
}

/* A UTC call needs no VTIMEZONE; the whole text is a golden file. */
static void
test_golden_utc(void)
{
    NyInvite inv = base_invite();
    g_autofree char *text = NULL;
    g_autofree char *path =
        g_test_build_filename(G_TEST_DIST, "fixtures", "invite", "request-utc.ics", NULL);
    g_autofree char *want = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(icalcomponent) cal = NULL;

    inv.tzid = "UTC";
    inv.sequence = 2;
    text = build(&inv, 1, NY_INVITE_METHOD_REQUEST);
    cal = reparse(text);
    g_assert_null(icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT));
    g_file_get_contents(path, &want, NULL, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(text, ==, want);
}

/* export --all: several calls, one VTIMEZONE per zone, no METHOD. */
static void
test_calendar_of_calls(void)
{
    NyInvite inv[3] = {base_invite(), base_invite(), base_invite()};
    g_autofree char *text = NULL;
    g_autoptr(icalcomponent) cal = NULL;

    inv[1].uid = "second@notyet";
    inv[1].start += 7 * 86400;
    inv[1].end += 7 * 86400;
    inv[2].uid = "third@notyet";
    inv[2].tzid = "Europe/London";
    inv[2].attendee_email = NULL;
    text = build(inv, 3, NY_INVITE_METHOD_NONE);
    cal = reparse(text);
    g_assert_null(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY));
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, 3);
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), ==, 2);
    g_assert_nonnull(strstr(text, "DTSTART;TZID=Europe/London:20261202T190000\r\n"));
}

static void
test_invalid(void)
{
    NyInvite inv = base_invite();
    g_autoptr(GError) error = NULL;

    inv.end = inv.start;
    g_assert_null(ny_invite_build(&inv, 1, NY_INVITE_METHOD_REQUEST, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_clear_error(&error);
    inv = base_invite();
    inv.uid = "";
    g_assert_null(ny_invite_build(&inv, 1, NY_INVITE_METHOD_REQUEST, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_clear_error(&error);
    inv = base_invite();
    inv.tzid = "Nowhere/Nope";
    g_assert_null(ny_invite_build(&inv, 1, NY_INVITE_METHOD_REQUEST, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "'Nowhere/Nope'"));
}

static const NyInviteOwner OWNER = {.followup_id = "42", .store_id = "0f3c9a1e-store"};

static NyHold
base_hold(void)
{
    NyHold hold = {
        .uid = "6c0e2f7a-hold@notyet",
        .summary = "Hold: call with Richard",
        .start = START,
        .end = START + 20 * 60,
        .tzid = "America/New_York",
    };
    return hold;
}

static const char *
x_value(icalcomponent *ev, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
        if (strcmp(icalproperty_get_x_name(p), name) == 0)
            return icalproperty_get_x(p);
    }
    return NULL;
}

/* What libical makes of the text when it writes it again: the marks and
 * the UID survive a server that re-serialises. */
static char *
reserialise(const char *text)
{
    g_autoptr(icalcomponent) cal = icalparser_parse_string(text);
    char *out;
    char *copy;

    g_assert_nonnull(cal);
    out = icalcomponent_as_ical_string_r(cal);
    copy = g_strdup(out);
    free(out);
    return copy;
}

static void
test_hold(void)
{
    g_autoptr(GError) error = NULL;
    NyHold hold = base_hold();
    g_autofree char *text = ny_invite_build_hold(&hold, &OWNER, STAMP, &error);
    g_autoptr(icalcomponent) cal = NULL;
    g_autofree char *again = NULL;
    icalcomponent *ev;
    icalproperty *dtstart;
    icaltimezone *zone;

    g_assert_no_error(error);
    cal = reparse(text);
    /* RFC 4791 4.1: a stored resource has no METHOD. */
    g_assert_null(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY));
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, 1);
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VTIMEZONE_COMPONENT), ==, 1);
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    g_assert_cmpstr(icalcomponent_get_uid(ev), ==, "6c0e2f7a-hold@notyet");
    g_assert_cmpint(icalcomponent_get_status(ev), ==, ICAL_STATUS_TENTATIVE);
    g_assert_cmpstr(icalproperty_get_value_as_string(
                        icalcomponent_get_first_property(ev, ICAL_TRANSP_PROPERTY)),
                    ==, "OPAQUE");
    g_assert_cmpstr(icalcomponent_get_summary(ev), ==, "Hold: call with Richard");
    g_assert_cmpstr(
        icalproperty_get_categories(icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY)),
        ==, "notyet-hold");
    g_assert_cmpstr(x_value(ev, "X-NOTYET-FOLLOWUP"), ==, "42");
    g_assert_cmpstr(x_value(ev, "X-NOTYET-STORE"), ==, "0f3c9a1e-store");
    g_assert_cmpint(icaltime_as_timet(icalcomponent_get_dtstamp(ev)), ==, STAMP);
    g_assert_null(icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY));
    g_assert_null(icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY));
    g_assert_nonnull(strstr(text, "DTSTART;TZID=America/New_York:20261202T140000\r\n"));
    dtstart = icalcomponent_get_first_property(ev, ICAL_DTSTART_PROPERTY);
    zone = icalcomponent_get_timezone(cal, "America/New_York");
    g_assert_nonnull(zone);
    g_assert_cmpint(icaltime_as_timet_with_zone(icalproperty_get_dtstart(dtstart), zone), ==,
                    START);

    g_assert_true(ny_invite_is_ours(text, OWNER.store_id, hold.uid));
    g_assert_false(ny_invite_is_ours(text, "another-store", hold.uid));
    g_assert_false(ny_invite_is_ours(text, OWNER.store_id, "other@notyet"));
    again = reserialise(text);
    g_assert_true(ny_invite_is_ours(again, OWNER.store_id, hold.uid));
}

/* A summary from a template is text like any other: a newline or a
 * control character cannot start a property of its own. */
static void
test_hold_hostile_summary(void)
{
    g_autoptr(GError) error = NULL;
    NyHold hold = base_hold();
    g_autofree char *text = NULL;
    g_autoptr(icalcomponent) cal = NULL;
    icalcomponent *ev;

    hold.summary = "Hold\r\nX-NOTYET-STORE:evil\r\nATTENDEE:mailto:x@example.com";
    hold.tzid = "UTC";
    text = ny_invite_build_hold(&hold, &OWNER, STAMP, &error);
    g_assert_no_error(error);
    cal = reparse(text);
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    g_assert_null(icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY));
    g_assert_cmpstr(x_value(ev, "X-NOTYET-STORE"), ==, "0f3c9a1e-store");
    g_assert_null(icalcomponent_get_first_component(cal, ICAL_VTIMEZONE_COMPONENT));
    g_assert_nonnull(strstr(text, "DTSTART:20261202T190000Z\r\n"));
    g_assert_true(ny_invite_is_ours(text, OWNER.store_id, hold.uid));
}

static void
test_hold_invalid(void)
{
    static const char *const bad_ids[] = {"", "a\r\nb", "a,b", "a;b", "a:b", "\xc3\xa9"};
    NyHold hold = base_hold();
    NyInviteOwner owner = OWNER;
    g_autoptr(GError) error = NULL;

    hold.summary = "";
    g_assert_null(ny_invite_build_hold(&hold, &OWNER, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_assert_nonnull(strstr(error->message, "hold_summary"));
    g_clear_error(&error);
    hold = base_hold();
    hold.end = hold.start;
    g_assert_null(ny_invite_build_hold(&hold, &OWNER, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_clear_error(&error);
    hold = base_hold();
    hold.tzid = "Nowhere/Nope";
    g_assert_null(ny_invite_build_hold(&hold, &OWNER, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
    g_clear_error(&error);
    hold = base_hold();
    for (gsize i = 0; i < G_N_ELEMENTS(bad_ids); i++) {
        owner.store_id = bad_ids[i];
        g_assert_null(ny_invite_build_hold(&hold, &owner, STAMP, &error));
        g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
        g_clear_error(&error);
        owner.store_id = OWNER.store_id;
        owner.followup_id = bad_ids[i];
        g_assert_null(ny_invite_build_hold(&hold, &owner, STAMP, &error));
        g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
        g_clear_error(&error);
        owner.followup_id = OWNER.followup_id;
    }
}

static void
test_booked(void)
{
    g_autoptr(GError) error = NULL;
    NyInvite inv = base_invite();
    g_autofree char *client = NULL;
    g_autofree char *send = NULL;
    g_autoptr(icalcomponent) cal = NULL;
    g_autoptr(icalcomponent) cal_send = NULL;
    icalcomponent *ev;
    icalproperty *att;

    inv.sequence = 2;
    client = ny_invite_build_booked(&inv, &OWNER, FALSE, STAMP, &error);
    g_assert_no_error(error);
    cal = reparse(client);
    g_assert_null(icalcomponent_get_first_property(cal, ICAL_METHOD_PROPERTY));
    g_assert_cmpint(icalcomponent_count_components(cal, ICAL_VEVENT_COMPONENT), ==, 1);
    ev = icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    g_assert_cmpstr(icalcomponent_get_uid(ev), ==, inv.uid);
    g_assert_cmpint(icalcomponent_get_sequence(ev), ==, 2);
    g_assert_cmpint(icalcomponent_get_status(ev), ==, ICAL_STATUS_CONFIRMED);
    g_assert_cmpstr(x_value(ev, "X-NOTYET-FOLLOWUP"), ==, "42");
    g_assert_cmpstr(x_value(ev, "X-NOTYET-STORE"), ==, "0f3c9a1e-store");
    g_assert_null(icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY));
    g_assert_cmpstr(
        icalproperty_get_organizer(icalcomponent_get_first_property(ev, ICAL_ORGANIZER_PROPERTY)),
        ==, "mailto:jane@example.com");
    att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
    g_assert_cmpstr(icalproperty_get_attendee(att), ==, "mailto:richard@example.org");
    g_assert_cmpstr(icalproperty_get_parameter_as_string(att, "SCHEDULE-AGENT"), ==, "CLIENT");
    g_assert_true(ny_invite_is_ours(client, OWNER.store_id, inv.uid));

    send = ny_invite_build_booked(&inv, &OWNER, TRUE, STAMP, &error);
    g_assert_no_error(error);
    cal_send = reparse(send);
    ev = icalcomponent_get_first_component(cal_send, ICAL_VEVENT_COMPONENT);
    att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
    g_assert_cmpstr(icalproperty_get_attendee(att), ==, "mailto:richard@example.org");
    g_assert_null(icalproperty_get_first_parameter(att, ICAL_SCHEDULEAGENT_PARAMETER));
    g_assert_null(strstr(send, "SCHEDULE-AGENT"));
    g_assert_true(ny_invite_is_ours(send, OWNER.store_id, inv.uid));

    /* The only difference is the parameter (and the digest over it). */
    {
        g_autoptr(GString) without = g_string_new(client);
        g_autoptr(GString) sent = g_string_new(send);
        g_autofree char *d_client = ny_invite_digest(client);
        g_autofree char *d_send = ny_invite_digest(send);

        g_assert_cmpstr(d_client, !=, d_send);
        g_string_replace(without, ";SCHEDULE-AGENT=CLIENT", "", 0);
        g_string_replace(without, d_client, "", 0);
        g_string_replace(sent, d_send, "", 0);
        g_assert_cmpstr(without->str, ==, sent->str);
    }
}

/* fixtures/invite/ours: yes-* are ours for store "store-1" and UID
 * "hold-1@notyet", no-* are not. */
static void
test_is_ours_cases(void)
{
    g_autofree char *dir_path =
        g_test_build_filename(G_TEST_DIST, "fixtures", "invite", "ours", NULL);
    g_autoptr(GError) error = NULL;
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, &error);
    const char *name;
    guint yes = 0;
    guint no = 0;

    g_assert_no_error(error);
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        g_autofree char *text = NULL;
        gboolean want = g_str_has_prefix(name, "yes-");

        if (!g_str_has_suffix(name, ".ics"))
            continue;
        g_file_get_contents(path, &text, NULL, &error);
        g_assert_no_error(error);
        g_test_message("%s", name);
        g_assert_cmpint(ny_invite_is_ours(text, "store-1", "hold-1@notyet"), ==, want);
        if (want) {
            g_autofree char *again = reserialise(text);
            g_assert_true(ny_invite_is_ours(again, "store-1", "hold-1@notyet"));
            g_assert_false(ny_invite_is_ours(text, "store-2", "hold-1@notyet"));
            yes++;
        } else {
            no++;
        }
    }
    g_assert_cmpuint(yes, >=, 3);
    g_assert_cmpuint(no, >=, 10);
    g_assert_false(ny_invite_is_ours(NULL, "store-1", "hold-1@notyet"));
}

/* The marks the sync reads to find holds no follow-up owns. */
static void
test_read_marks(void)
{
    g_autoptr(GError) error = NULL;
    NyHold hold = base_hold();
    NyInvite inv = base_invite();
    g_autofree char *held = ny_invite_build_hold(&hold, &OWNER, STAMP, &error);
    g_autofree char *booked = ny_invite_build_booked(&inv, &OWNER, FALSE, STAMP + 60, &error);
    g_autofree char *unmarked = ny_invite_build(&inv, 1, NY_INVITE_METHOD_NONE, STAMP, &error);
    g_autofree char *cancelled = NULL;
    g_autofree char *dir = g_test_build_filename(G_TEST_DIST, "fixtures", "invite", "ours", NULL);
    g_autofree char *other_path = g_build_filename(dir, "no-other-store.ics", NULL);
    g_autofree char *two_path = g_build_filename(dir, "no-two-stores.ics", NULL);
    g_autofree char *other = NULL;
    g_autofree char *two = NULL;
    g_auto(NyInviteMarks) marks = {0};

    g_assert_no_error(error);
    g_assert_true(ny_invite_read_marks(held, &marks));
    g_assert_cmpstr(marks.uid, ==, hold.uid);
    g_assert_cmpstr(marks.store_id, ==, OWNER.store_id);
    g_assert_cmpstr(marks.followup_id, ==, "42");
    g_assert_cmpint(marks.dtstamp, ==, STAMP);
    g_assert_true(marks.hold);
    ny_invite_marks_clear(&marks);

    g_assert_true(ny_invite_read_marks(booked, &marks));
    g_assert_cmpstr(marks.uid, ==, inv.uid);
    g_assert_cmpint(marks.dtstamp, ==, STAMP + 60);
    g_assert_false(marks.hold);
    g_assert_false(marks.cancelled);
    g_assert_null(marks.write_id);
    ny_invite_marks_clear(&marks);

    /* A cancelled call keeps no time: the sweep leaves it. */
    inv.cancelled = TRUE;
    cancelled = ny_invite_build_booked(&inv, &OWNER, TRUE, STAMP + 60, &error);
    g_assert_no_error(error);
    g_assert_true(ny_invite_read_marks(cancelled, &marks));
    g_assert_true(marks.cancelled);
    g_assert_false(marks.hold);
    ny_invite_marks_clear(&marks);

    /* Another store's event has marks too: the caller compares them. */
    g_assert_true(g_file_get_contents(other_path, &other, NULL, NULL));
    g_assert_true(ny_invite_read_marks(other, &marks));
    g_assert_cmpstr(marks.store_id, ==, "store-2");
    ny_invite_marks_clear(&marks);

    g_assert_true(g_file_get_contents(two_path, &two, NULL, NULL));
    g_assert_false(ny_invite_read_marks(two, &marks));
    g_assert_false(ny_invite_read_marks(unmarked, &marks));
    g_assert_false(ny_invite_read_marks(NULL, &marks));
    g_assert_null(marks.uid);
}

/* Whether @text, as a server gives it back, still reads as unedited. */
static gboolean
unedited(const char *text)
{
    g_auto(NyInviteMarks) marks = {0};

    g_assert_true(ny_invite_read_marks(text, &marks));
    return marks.unedited;
}

/* @text with the first line that starts with @from replaced by @to (or,
 * @to NULL, removed); @from "END:VEVENT" with @to adds before it. */
static char *
edit(const char *text, const char *from, const char *to)
{
    g_auto(GStrv) lines = g_strsplit(text, "\r\n", -1);
    GString *out = g_string_new(NULL);
    gboolean done = FALSE;

    for (guint i = 0; lines[i] != NULL; i++) {
        if (!done && g_str_has_prefix(lines[i], from)) {
            done = TRUE;
            if (strcmp(from, "END:VEVENT") == 0)
                g_string_append_printf(out, "%s\r\n%s", to, lines[i]);
            else if (to != NULL)
                g_string_append(out, to);
            else
                continue;
        } else {
            g_string_append(out, lines[i]);
        }
        if (lines[i + 1] != NULL)
            g_string_append(out, "\r\n");
    }
    g_assert_true(done);
    return g_string_free(out, FALSE);
}

/* X-NOTYET-DIGEST (doc/calendar-writes.md, "Left to the user"): what the
 * servers do to an event (tests/integration/test_holds.py sees it on
 * Radicale, Xandikos and Cyrus: properties and parameters reordered, a
 * parameter quoted, lines folded otherwise) keeps it unedited; any change
 * of what it says or when, an alarm, an override, or no digest does not. */
static void
test_digest(void)
{
    g_autoptr(GError) error = NULL;
    NyHold hold = base_hold();
    NyInvite inv = base_invite();
    NyInviteOwner grid_owner = OWNER;
    g_autofree char *text = NULL;
    g_autofree char *call = NULL;
    g_autofree char *digest = NULL;
    g_auto(NyInviteMarks) marks = {0};
    struct {
        const char *from;
        const char *to;
    } same[] = {
        {"SUMMARY:", "SUMMARY:Hold: call with Richard\r\nX-CLIENT-OWN:kept"},
        {"CATEGORIES:", NULL}, /* moved below */
        {"END:VEVENT", "CATEGORIES:notyet-hold"},
        {"DTSTAMP:", "DTSTAMP:20270101T000000Z"},
        {"SEQUENCE:", "SEQUENCE:3"},
    };
    struct {
        const char *from;
        const char *to;
    } changed[] = {
        {"SUMMARY:", "SUMMARY:Dentist"},
        {"DTSTART;", "DTSTART:20261201T150000Z"},
        {"DTEND;", "DTEND:20261201T160000Z"},
        {"STATUS:", "STATUS:CONFIRMED"},
        {"TRANSP:", "TRANSP:TRANSPARENT"},
        {"END:VEVENT", "DESCRIPTION:my notes"},
        {"END:VEVENT", "LOCATION:Room 1"},
        {"END:VEVENT", "RRULE:FREQ=WEEKLY"},
        {"END:VEVENT", "BEGIN:VALARM\r\nACTION:DISPLAY\r\nTRIGGER:-PT5M\r\nDESCRIPTION:x\r\n"
                       "END:VALARM"},
        {"X-NOTYET-DIGEST:", NULL},
        {"X-NOTYET-DIGEST:", "X-NOTYET-DIGEST:00"},
    };

    grid_owner.grid = "slot=20 grid=30";
    text = ny_invite_build_hold(&hold, &grid_owner, STAMP, &error);
    g_assert_no_error(error);
    g_assert_true(ny_invite_read_marks(text, &marks));
    g_assert_true(marks.unedited);
    g_assert_cmpstr(marks.grid, ==, "slot=20 grid=30");
    digest = ny_invite_digest(text);
    g_assert_cmpuint(strlen(digest), ==, 64);
    g_assert_nonnull(strstr(text, digest));
    for (guint i = 0; i < G_N_ELEMENTS(same); i++) {
        g_autofree char *e = edit(text, same[i].from, same[i].to);
        g_autofree char *moved = NULL;
        if (same[i].to == NULL) {
            /* Removed, then added at the end: reordered. */
            moved = edit(e, same[i + 1].from, same[i + 1].to);
            g_assert_true(unedited(moved));
            i++;
            continue;
        }
        g_assert_true(unedited(e));
    }
    for (guint i = 0; i < G_N_ELEMENTS(changed); i++) {
        g_autofree char *e = edit(text, changed[i].from, changed[i].to);
        g_test_message("changed: %s", changed[i].to != NULL ? changed[i].to : "(removed)");
        g_assert_false(unedited(e));
    }
    /* A booked call: its attendee's parameters reordered and quoted as
     * Radicale and Xandikos give them back, a scheduling server's
     * SCHEDULE-STATUS added; its PARTSTAT changed is an edit. */
    call = ny_invite_build_booked(&inv, &OWNER, FALSE, STAMP, &error);
    g_assert_no_error(error);
    g_assert_true(unedited(call));
    {
        g_autofree char *unfolded = NULL;
        g_autoptr(GRegex) fold = g_regex_new("\r\n[ \t]", 0, 0, NULL);
        g_autoptr(GRegex) att =
            g_regex_new("^ATTENDEE;([^\r\n]*):mailto:", G_REGEX_MULTILINE, 0, NULL);
        g_autofree char *line = NULL;
        g_autoptr(GMatchInfo) m = NULL;
        g_auto(GStrv) params = NULL;
        g_autofree char *reordered = NULL;
        g_autofree char *with_status = NULL;
        g_autofree char *accepted = NULL;
        GString *rev = g_string_new("ATTENDEE");
        g_autofree char *rev_line = NULL;

        unfolded = g_regex_replace_literal(fold, call, -1, 0, "", 0, NULL);
        g_assert_true(g_regex_match(att, unfolded, 0, &m));
        line = g_match_info_fetch(m, 1);
        params = g_strsplit(line, ";", -1);
        for (guint n = g_strv_length(params); n > 0; n--)
            g_string_append_printf(rev, ";%s", params[n - 1]);
        rev_line = g_string_free(rev, FALSE);
        reordered = edit(unfolded, "ATTENDEE;", NULL);
        {
            g_autofree char *tail = NULL;
            g_autoptr(GRegex) mail =
                g_regex_new("^ATTENDEE;[^\r\n]*(:mailto:[^\r\n]*)", G_REGEX_MULTILINE, 0, NULL);
            g_autoptr(GMatchInfo) mm = NULL;
            g_autofree char *full = NULL;
            g_assert_true(g_regex_match(mail, unfolded, 0, &mm));
            tail = g_match_info_fetch(mm, 1);
            full = g_strconcat(rev_line, tail, NULL);
            g_free(reordered);
            reordered = edit(unfolded, "ATTENDEE;", full);
            g_assert_true(unedited(reordered));
            with_status = g_strconcat(rev_line, ";SCHEDULE-STATUS=1.1", tail, NULL);
            g_free(full);
            full = edit(unfolded, "ATTENDEE;", with_status);
            g_assert_true(unedited(full));
            accepted = edit(reordered, "ATTENDEE;", NULL);
            g_free(full);
            full = g_strconcat(rev_line, tail, NULL);
            {
                g_autoptr(GRegex) ps = g_regex_new("NEEDS-ACTION", 0, 0, NULL);
                g_autofree char *acc =
                    g_regex_replace_literal(ps, full, -1, 0, "ACCEPTED", 0, NULL);
                g_free(accepted);
                accepted = edit(unfolded, "ATTENDEE;", acc);
            }
            g_assert_false(unedited(accepted));
        }
    }
}

/* A PUT whose answer was lost landed when the text read back is this
 * write: its X-NOTYET-WRITE, else its DTSTAMP. */
static void
test_same_write(void)
{
    g_autoptr(GError) error = NULL;
    NyHold hold = base_hold();
    NyInvite inv = base_invite();
    NyInviteOwner first = OWNER;
    NyInviteOwner second = OWNER;
    NyInviteOwner other_store = OWNER;
    g_autofree char *a = NULL;
    g_autofree char *a_again = NULL;
    g_autofree char *b = NULL;
    g_autofree char *theirs = NULL;
    g_autofree char *booked = NULL;
    g_autofree char *plain = NULL;
    g_autofree char *plain_later = NULL;
    g_autofree char *edited = NULL;
    g_auto(GStrv) parts = NULL;
    g_auto(NyInviteMarks) marks = {0};

    first.write_id = "write-1";
    second.write_id = "write-2";
    other_store.store_id = "store-2";
    other_store.write_id = "write-1";
    a = ny_invite_build_hold(&hold, &first, STAMP, &error);
    a_again = ny_invite_build_hold(&hold, &first, STAMP + 5, &error);
    b = ny_invite_build_hold(&hold, &second, STAMP, &error);
    theirs = ny_invite_build_hold(&hold, &other_store, STAMP, &error);
    booked = ny_invite_build_booked(&inv, &first, FALSE, STAMP, &error);
    plain = ny_invite_build_hold(&hold, &OWNER, STAMP, &error);
    plain_later = ny_invite_build_hold(&hold, &OWNER, STAMP + 60, &error);
    g_assert_no_error(error);

    g_assert_true(ny_invite_read_marks(a, &marks));
    g_assert_cmpstr(marks.write_id, ==, "write-1");
    g_assert_true(ny_invite_same_write(a, a));
    g_assert_true(ny_invite_same_write(a, a_again));
    g_assert_false(ny_invite_same_write(a, b));
    g_assert_false(ny_invite_same_write(a, theirs));
    g_assert_false(ny_invite_same_write(a, booked));
    g_assert_false(ny_invite_same_write(a, plain));
    g_assert_false(ny_invite_same_write(a, NULL));
    g_assert_false(ny_invite_same_write(a, "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
    /* Without a write id: the DTSTAMP. */
    g_assert_true(ny_invite_same_write(plain, plain));
    g_assert_false(ny_invite_same_write(plain, plain_later));
    g_assert_false(ny_invite_same_write(plain, a));
    /* A server that folds lines and adds a property still stored it. */
    parts = g_strsplit(a, "END:VEVENT", 2);
    edited = g_strjoinv("X-SERVER:added\r\nEND:VEVENT", parts);
    g_assert_true(ny_invite_same_write(a, edited));
    /* An invalid write id is refused like the other ids. */
    first.write_id = "a\r\nb";
    g_assert_null(ny_invite_build_hold(&hold, &first, STAMP, &error));
    g_assert_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/invite/request", test_request);
    g_test_add_func("/invite/cancel", test_cancel);
    g_test_add_func("/invite/hostile-values", test_hostile_values);
    g_test_add_func("/invite/golden-utc", test_golden_utc);
    g_test_add_func("/invite/calendar-of-calls", test_calendar_of_calls);
    g_test_add_func("/invite/invalid", test_invalid);
    g_test_add_func("/invite/hold", test_hold);
    g_test_add_func("/invite/hold-hostile-summary", test_hold_hostile_summary);
    g_test_add_func("/invite/hold-invalid", test_hold_invalid);
    g_test_add_func("/invite/booked", test_booked);
    g_test_add_func("/invite/is-ours-cases", test_is_ours_cases);
    g_test_add_func("/invite/read-marks", test_read_marks);
    g_test_add_func("/invite/same-write", test_same_write);
    g_test_add_func("/invite/digest", test_digest);
    return g_test_run();
}
