/* invite.h: iTIP invites for booked calls (doc/calendar-writes.md, "Invites").
 *
 * Pure module over libical: RFC 5545 text with RFC 5546 METHOD. Text values
 * are escaped, parameters quoted (RFC 6868) and lines folded by libical.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_INVITE_ERROR (ny_invite_error_quark())
GQuark ny_invite_error_quark(void);

typedef enum {
    NY_INVITE_ERROR_INVALID, /* missing UID, end before start, unknown zone: exit 1 */
    NY_INVITE_ERROR_FAILED,
} NyInviteError;

typedef enum {
    NY_INVITE_METHOD_REQUEST, /* METHOD:REQUEST: the invitation (RFC 5546 3.2.2) */
    NY_INVITE_METHOD_CANCEL,  /* METHOD:CANCEL (RFC 5546 3.2.5) */
    NY_INVITE_METHOD_NONE,    /* no METHOD: a plain calendar for import */
} NyInviteMethod;

/* One call. Strings are borrowed; NULL where optional. */
typedef struct {
    const char *uid;    /* stable per follow-up */
    int sequence;       /* RFC 5545 3.8.7.4 */
    gboolean cancelled; /* STATUS:CANCELLED, else CONFIRMED */
    NyTime start;
    NyTime end;
    const char *tzid;            /* Olson name for DTSTART/DTEND and VTIMEZONE; NULL/"UTC": UTC */
    const char *organizer_name;  /* CN of ORGANIZER, and in SUMMARY */
    const char *organizer_email; /* NULL: no ORGANIZER */
    const char *attendee_name;   /* CN of ATTENDEE, and in SUMMARY */
    const char *attendee_email;  /* NULL: no ATTENDEE */
    const char *phone;           /* in DESCRIPTION */
} NyInvite;

/**
 * ny_invite_build:
 * @invites: (array length=n_invites): the calls, each one VEVENT
 * @method: the METHOD of the calendar
 * @dtstamp: DTSTAMP, the time the invite is written (now)
 * @error: NY_INVITE_ERROR
 *
 * Builds a VCALENDAR (PRODID, VERSION, METHOD) with one VTIMEZONE per zone
 * used (the system zone, TZID set to the plain Olson name, cut to the rules
 * in force from the first call on) and a VEVENT per call with UID, DTSTAMP,
 * DTSTART, DTEND, SEQUENCE, STATUS, SUMMARY ("Call: Jane Doe / Richard Roe"),
 * DESCRIPTION (the phone), ORGANIZER and ATTENDEE (RSVP=TRUE,
 * PARTSTAT=NEEDS-ACTION, ROLE=REQ-PARTICIPANT).
 *
 * Returns: (transfer full): the iCalendar text with CRLF line ends, or NULL.
 */
char *ny_invite_build(const NyInvite *invites, guint n_invites, NyInviteMethod method,
                      NyTime dtstamp, GError **error);

/* The marks that make an event notyet's own (doc/calendar-writes.md): only
 * an event carrying both, with the UID notyet gave it, is ever changed or
 * deleted. Ids are letters, digits and ".-_@" only. */
typedef struct {
    const char *followup_id; /* X-NOTYET-FOLLOWUP: the follow-up it belongs to */
    const char *store_id;    /* X-NOTYET-STORE: the store's own random id */
    const char *write_id;    /* X-NOTYET-WRITE: this write's own random id, or NULL */
    const char *grid;        /* X-NOTYET-GRID: the writer's [availability] grid
                              * ("slot=20 grid=30"), or NULL */
} NyInviteOwner;

/* A hold: one offered time kept free on the calendar. Strings borrowed. */
typedef struct {
    const char *uid;     /* our own, one per hold (g_uuid_string_random()) */
    const char *summary; /* the rendered [letter] hold_summary */
    NyTime start;
    NyTime end;
    const char *tzid; /* Olson name for DTSTART/DTEND and VTIMEZONE; NULL/"UTC": UTC */
} NyHold;

/**
 * ny_invite_build_hold:
 * @hold: the time and text
 * @owner: the follow-up and store ids
 * @dtstamp: DTSTAMP (now)
 * @error: NY_INVITE_ERROR
 *
 * Builds a CalDAV calendar object resource (RFC 4791 4.1: no METHOD) with
 * the VTIMEZONE of @hold->tzid and one VEVENT: UID, DTSTAMP, DTSTART, DTEND
 * (with TZID), SEQUENCE:0, STATUS:TENTATIVE, TRANSP:OPAQUE, SUMMARY,
 * CATEGORIES:notyet-hold, X-NOTYET-FOLLOWUP and X-NOTYET-STORE, and
 * X-NOTYET-DIGEST (ny_invite_read_marks(), "unedited").
 *
 * Returns: (transfer full): the iCalendar text with CRLF line ends, or NULL
 * with NY_INVITE_ERROR_INVALID (no UID, empty summary, end before start,
 * unknown zone, an id with other characters).
 */
char *ny_invite_build_hold(const NyHold *hold, const NyInviteOwner *owner, NyTime dtstamp,
                           GError **error);

/**
 * ny_invite_build_booked:
 * @invite: the call, as ny_invite_build() takes it (its UID and SEQUENCE)
 * @owner: the follow-up and store ids
 * @send: FALSE: the ATTENDEE carries SCHEDULE-AGENT=CLIENT, so a server
 *        that schedules (RFC 6638 7.1) sends nothing; TRUE: no SCHEDULE-AGENT,
 *        the server sends the invitation itself
 * @dtstamp: DTSTAMP (now)
 * @error: NY_INVITE_ERROR
 *
 * Builds the booked call as a calendar object resource: the VEVENT
 * ny_invite_build() writes (STATUS:CONFIRMED unless @invite->cancelled,
 * ORGANIZER me, ATTENDEE them), no METHOD, plus X-NOTYET-FOLLOWUP and
 * X-NOTYET-STORE. It replaces the follow-up's hold on the calendar.
 *
 * Returns: (transfer full): the iCalendar text with CRLF line ends, or NULL.
 */
char *ny_invite_build_booked(const NyInvite *invite, const NyInviteOwner *owner, gboolean send,
                             NyTime dtstamp, GError **error);

/* What ny_invite_read_marks() finds in an event notyet wrote. */
typedef struct {
    char *uid;          /* the event's UID */
    char *store_id;     /* X-NOTYET-STORE */
    char *followup_id;  /* X-NOTYET-FOLLOWUP, or NULL */
    NyTime dtstamp;     /* DTSTAMP, the time it was written; 0 when absent */
    gboolean hold;      /* CATEGORIES notyet-hold: a hold, not a booked call */
    char *write_id;     /* X-NOTYET-WRITE, or NULL */
    gboolean cancelled; /* STATUS:CANCELLED: it keeps no time */
    char *grid;         /* X-NOTYET-GRID, or NULL */
    gboolean unedited;  /* one VEVENT whose content still has its X-NOTYET-DIGEST:
                         * what notyet wrote, as far as anyone can see */
} NyInviteMarks;

void ny_invite_marks_clear(NyInviteMarks *marks);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NyInviteMarks, ny_invite_marks_clear)

/**
 * ny_invite_read_marks:
 * @text: (nullable): a calendar object resource as read from a server
 * @out: (out caller-allocates): filled on success; clear it with
 *       ny_invite_marks_clear()
 *
 * Reads notyet's marks: @text parses as one VCALENDAR without repairs,
 * whose only components are VEVENTs sharing one UID (and VTIMEZONEs), at
 * least one carrying X-NOTYET-STORE and none carrying another value. The
 * follow-up, DTSTAMP and category are the first marked VEVENT's. For the
 * sync that removes holds no follow-up owns.
 *
 * "unedited" compares the event with the X-NOTYET-DIGEST notyet put in it
 * when it wrote it: a SHA-256 over the properties that say what the event
 * is and when (ny_invite_digest()), each as libical reads it back, so a
 * server that reorders properties or parameters, refolds lines or quotes a
 * parameter otherwise still matches; an edit of any of them, an added
 * alarm or override, or no digest at all does not.
 *
 * Returns: TRUE when @text is an event notyet wrote (for some store).
 */
gboolean ny_invite_read_marks(const char *text, NyInviteMarks *out);

/**
 * ny_invite_digest:
 * @text: a calendar object resource
 *
 * The digest ny_invite_build_hold() and ny_invite_build_booked() write as
 * X-NOTYET-DIGEST, computed again over @text's first VEVENT: for tests and
 * tools.
 *
 * Returns: (transfer full) (nullable): 64 hex digits, or NULL when @text
 * holds no readable VEVENT.
 */
char *ny_invite_digest(const char *text);

/**
 * ny_invite_is_ours:
 * @text: (nullable): a calendar object resource as read from a server
 * @store_id: the store's id
 * @uid: the UID notyet gave the event
 *
 * Whether @text is an event notyet wrote: it parses as one VCALENDAR whose
 * only components are VEVENTs (and VTIMEZONEs), every VEVENT has UID @uid,
 * at least one carries X-NOTYET-STORE @store_id and none carries another.
 * Anything else, unreadable text included, is not ours.
 *
 * Returns: TRUE when notyet may change or delete it.
 */
gboolean ny_invite_is_ours(const char *text, const char *store_id, const char *uid);

/**
 * ny_invite_same_write:
 * @sent: the text notyet sent in a PUT
 * @found: (nullable): the text read back from the same resource
 *
 * Whether @found is the event of @sent, as the server stored it: both
 * carry notyet's marks with the same UID, store and follow-up, and the same
 * X-NOTYET-WRITE (the write's own random id), or, for a text without one,
 * the same DTSTAMP and kind. For a PUT whose answer was lost: it landed
 * when the resource, read at once, holds what was sent (a server may
 * reorder or add properties, so the texts are not compared byte by byte).
 *
 * Returns: TRUE when @found is what @sent wrote.
 */
gboolean ny_invite_same_write(const char *sent, const char *found);

G_END_DECLS
