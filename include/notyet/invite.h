/* invite.h: iTIP invites for booked calls (DESIGN.md section 8).
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

G_END_DECLS
