/* followup.h: the rules of a follow-up call (doc/store.md, "Follow-up rules").
 *
 * Pure module: which state a follow-up is in now (EXPIRED is derived from the
 * clock, never stored), which command may move it where, the invite's
 * SEQUENCE, which times it keeps from other offers, and whom a new reply
 * would write to twice. The commands ask this module; they hold no rule of
 * their own. now and the zone are parameters.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"
#include "notyet/slots.h"

G_BEGIN_DECLS

#define NY_FOLLOWUP_ERROR (ny_followup_error_quark())
GQuark ny_followup_error_quark(void);

typedef enum {
    NY_FOLLOWUP_ERROR_STATE,     /* the state does not allow the action: exit 2 */
    NY_FOLLOWUP_ERROR_TOO_EARLY, /* done before the call has started: exit 2 */
    NY_FOLLOWUP_ERROR_TIME,      /* a typed time outside the rules (past, off grid...): exit 2 */
    NY_FOLLOWUP_ERROR_FAILED,
} NyFollowupError;

/* The state of a follow-up as the user sees it. The first four are the
 * stored states (in the store's order); EXPIRED is an offer judged at a
 * time: every offered slot has started unbooked, or offer_days have passed
 * since its last letter. */
typedef enum {
    NY_FOLLOWUP_STATUS_OFFERED = 0,
    NY_FOLLOWUP_STATUS_BOOKED,
    NY_FOLLOWUP_STATUS_DONE,
    NY_FOLLOWUP_STATUS_CANCELLED,
    NY_FOLLOWUP_STATUS_EXPIRED,
} NyFollowupStatus;

/* What a command asks to do with a follow-up. */
typedef enum {
    NY_FOLLOWUP_ACTION_BOOK = 0,
    NY_FOLLOWUP_ACTION_DONE,
    NY_FOLLOWUP_ACTION_CANCEL,
    NY_FOLLOWUP_ACTION_NUDGE,
} NyFollowupAction;

/* The facts the rules need, borrowed from a stored follow-up. */
typedef struct {
    gint64 id;
    NyFollowupStatus stored; /* OFFERED, BOOKED, DONE or CANCELLED */
    const GArray *slots;     /* (element-type NyInterval) (nullable) offered slots */
    gboolean has_booked;
    NyInterval booked; /* when has_booked */
    NyTime letter_at;  /* when the last letter (the reply, or the last nudge) went out */
    int sequence;      /* the invite's SEQUENCE */
} NyFollowupFacts;

/* "offered", "booked", "done", "cancelled", "expired". */
const char *ny_followup_status_to_string(NyFollowupStatus status);

/**
 * ny_followup_status:
 * @offer_days: days an offer stays open after its letter (>= 1)
 *
 * Returns: the state at @now: an OFFERED follow-up is EXPIRED when it has
 * slots and every one has started, or when @offer_days have passed since
 * @f->letter_at; any other state is the stored one.
 */
NyFollowupStatus ny_followup_status(const NyFollowupFacts *f, int offer_days, NyTime now);

/**
 * ny_followup_transition:
 * @from: the state at now (ny_followup_status())
 * @out_to: (out) (optional): the state after the action
 *
 * The state machine: OFFERED|EXPIRED|BOOKED -book-> BOOKED; BOOKED -done->
 * DONE; OFFERED|EXPIRED|BOOKED -cancel-> CANCELLED; OFFERED|EXPIRED -nudge->
 * OFFERED. Every other pair is refused.
 *
 * Returns: TRUE when the transition exists.
 */
gboolean ny_followup_transition(NyFollowupStatus from, NyFollowupAction action,
                                NyFollowupStatus *out_to);

/**
 * ny_followup_check:
 * @zone: the user's zone, to name a time in a message
 *
 * The transition of @action from @f's state at @now, and its own rule:
 * `done` only once the booked call has started.
 *
 * Returns: TRUE when allowed; FALSE with NY_FOLLOWUP_ERROR_STATE ("follow-up
 * #N is STATE: ...") or NY_FOLLOWUP_ERROR_TOO_EARLY (naming the call's time).
 */
gboolean ny_followup_check(const NyFollowupFacts *f, NyFollowupAction action, int offer_days,
                           NyTime now, GTimeZone *zone, GError **error);

/**
 * ny_followup_next_sequence:
 * @new_booked: (nullable): the time booked by NY_FOLLOWUP_ACTION_BOOK
 *
 * RFC 5546 2.1.4 and 3.2.5: rebooking a booked call at another time and
 * cancelling a booked call are new versions of the invite (SEQUENCE + 1);
 * anything else keeps it.
 *
 * Returns: the SEQUENCE after @action.
 */
int ny_followup_next_sequence(const NyFollowupFacts *f, NyFollowupAction action,
                              const NyInterval *new_booked);

/**
 * ny_followup_check_time:
 * @a: the working days, hours, grid and slot length
 * @zone: the user's zone: the working hours are its wall-clock times
 * @start: a time typed to `book --slot`
 *
 * A typed time must be in the future, start on the grid (a multiple of
 * grid_minutes after local midnight, whole minutes), on a working day, and
 * the call must fit inside the working hours. An offered slot met these
 * when it was picked; `book --force` skips this check.
 *
 * Returns: TRUE; FALSE with NY_FOLLOWUP_ERROR_TIME saying which rule fails.
 */
gboolean ny_followup_check_time(const NyAvailability *a, GTimeZone *zone, NyTime now, NyTime start,
                                GError **error);

/**
 * ny_followup_check_their_time:
 * @their_start, @their_end: the invitee's day, minutes after their midnight
 * @slot_minutes: the call's length
 * @their_zone: the invitee's zone (stored with the follow-up)
 * @start: a time typed to `book --slot`
 *
 * With the invitee's zone known, a typed call must also fit inside their
 * day, as every offered slot did (`book --force` skips this check).
 *
 * Returns: TRUE; FALSE with NY_FOLLOWUP_ERROR_TIME naming their local time.
 */
gboolean ny_followup_check_their_time(int their_start, int their_end, int slot_minutes,
                                      GTimeZone *their_zone, NyTime start, GError **error);

/**
 * ny_followup_call_passed:
 *
 * Returns: TRUE for a booked call that has started by @now: what `followups`
 * shows as "call time passed: done?".
 */
gboolean ny_followup_call_passed(const NyFollowupFacts *f, NyTime now);

/**
 * ny_followup_add_taken:
 * @out: (element-type NyInterval): appended to
 *
 * The times @f keeps from other offers at @now: the slots of an offer that
 * has not expired, and a booked call. Expired, done and cancelled
 * follow-ups keep nothing.
 */
void ny_followup_add_taken(const NyFollowupFacts *f, int offer_days, NyTime now, GArray *out);

/**
 * ny_followup_same_person:
 *
 * Whether a reply to @name/@email writes to the contact of a follow-up with
 * @f_name/@f_email: the same email (ignoring case) when both have one, else
 * the same name (ignoring case and repeated spaces).
 */
gboolean ny_followup_same_person(const char *f_name, const char *f_email, const char *name,
                                 const char *email);

G_END_DECLS
