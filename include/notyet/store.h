/* store.h: the follow-up store (doc/store.md).
 *
 * I/O module over SQLite, opened by the db module (notyet/db.h): WAL,
 * synchronous=FULL, a busy timeout, a schema version with migrations, and a
 * file that is not a notyet store refused and left as it was. Every write
 * command runs in one transaction opened with ny_store_begin() (BEGIN
 * IMMEDIATE) and closed with ny_store_commit(); a failure in between rolls
 * back, so a failed command leaves the store as it was. No busy event title
 * or detail is ever stored. SQLite's failures (locked, damaged, not ours)
 * come as NY_DB_ERROR.
 */
#pragma once

#include <glib.h>

#include "notyet/decision.h"
#include "notyet/ntime.h"

G_BEGIN_DECLS

#define NY_STORE_ERROR (ny_store_error_quark())
GQuark ny_store_error_quark(void);

/* The store's own errors; SQLite's come as NY_DB_ERROR (notyet/db.h). */
typedef enum {
    NY_STORE_ERROR_FAILED,    /* a row the store cannot read (an unknown state): exit 1 */
    NY_STORE_ERROR_NOT_FOUND, /* no follow-up with that id: exit 1 */
    NY_STORE_ERROR_STATE,     /* the follow-up's state does not allow that: exit 2 */
} NyStoreError;

typedef struct _NyStore NyStore;

typedef enum {
    NY_FOLLOWUP_OFFERED = 0,
    NY_FOLLOWUP_BOOKED,
    NY_FOLLOWUP_DONE,
    NY_FOLLOWUP_CANCELLED,
} NyFollowupState;

/* "offered", "booked", "done", "cancelled". (expired is derived, not
 * stored: followup.h, ny_followup_status().) */
const char *ny_followup_state_to_string(NyFollowupState state);

/* The state ny_followup_state_to_string() gives @text; FALSE for any other text. */
gboolean ny_followup_state_from_string(const char *text, NyFollowupState *out_state);

typedef struct {
    gint64 id;      /* 0 before it is added */
    char *name;     /* the contact's name */
    char *email;    /* or NULL */
    char *met;      /* where they met, or NULL */
    char *their_tz; /* their zone, or NULL */
    /* Their day with their_tz, minutes after their midnight; both 0 when not
     * stored (a follow-up without their zone, or from before it was kept). */
    int their_start_minute;
    int their_end_minute;
    NyFollowupState state;
    GArray *slots; /* (element-type NyInterval) the offered slots, in order */
    gboolean has_booked;
    NyInterval booked; /* when has_booked */
    char *uid;         /* the invite's UID, set when booked; or NULL */
    int sequence;      /* the invite's SEQUENCE, bumped on every rebooking and on cancel */
    NyTime created;
    NyTime updated;
    int nudges;       /* how many nudges went out (notyet nudge) */
    NyTime nudged_at; /* the last nudge, when nudges > 0 */
} NyFollowup;

NyFollowup *ny_followup_new(void);
void ny_followup_free(NyFollowup *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyFollowup, ny_followup_free)

/**
 * ny_store_open:
 * @path: the database file; its directory is created with mode 0700 and a new
 *        file gets mode 0600
 *
 * Opens or creates the store and migrates its schema (ny_db_open()). A file
 * that is not a notyet store, has a newer schema or is damaged is refused
 * and never modified.
 *
 * Returns: (transfer full): the store, or NULL with NY_DB_ERROR.
 */
NyStore *ny_store_open(const char *path, GError **error);
void ny_store_free(NyStore *store);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyStore, ny_store_free)

/* BEGIN IMMEDIATE, waiting up to the busy timeout for other writers; then
 * NY_DB_ERROR_BUSY "the store 'PATH' is locked by another notyet". */
gboolean ny_store_begin(NyStore *store, GError **error);
gboolean ny_store_commit(NyStore *store, GError **error);
/* Rolls back an open transaction; harmless when none is open. */
void ny_store_rollback(NyStore *store);

/**
 * ny_store_add_decision:
 * @name: the contact
 * @answers: (array fixed-size=3): UNSET for questions not asked
 * @no_call: --no-call was given
 *
 * Records a decision (and the contact, created when new). Inside a transaction.
 */
gboolean ny_store_add_decision(NyStore *store, const char *name, NyTime when,
                               const NyAnswer answers[NY_QUESTION_COUNT], NyVerdict verdict,
                               gboolean no_call, gint64 *out_id, GError **error);

/**
 * ny_store_add_followup:
 * @f: a new follow-up; its id, created and updated are set on success
 *
 * Inside a transaction.
 */
gboolean ny_store_add_followup(NyStore *store, NyFollowup *f, NyTime now, GError **error);

/**
 * ny_store_update_followup:
 *
 * Writes back state, booked time, uid and sequence of @f. Inside a transaction.
 */
gboolean ny_store_update_followup(NyStore *store, NyFollowup *f, NyTime now, GError **error);

/**
 * ny_store_get_followup:
 *
 * Returns: (transfer full): the follow-up, or NULL with NY_STORE_ERROR_NOT_FOUND.
 */
NyFollowup *ny_store_get_followup(NyStore *store, gint64 id, GError **error);

/**
 * ny_store_list_followups:
 * @all: FALSE for offered and booked only; TRUE adds done and cancelled
 *
 * Returns: (transfer full) (element-type NyFollowup): ordered by id.
 */
GPtrArray *ny_store_list_followups(NyStore *store, gboolean all, GError **error);

/**
 * ny_store_nudge_followup:
 * @slots: (element-type NyInterval): the new offered slots, in order
 *
 * A nudge of @f: its offered slots are replaced by @slots (the old ones are
 * released), a nudge is recorded at @now, and @f is offered again; @f's
 * slots, nudges and nudged_at are updated. Inside a transaction.
 */
gboolean ny_store_nudge_followup(NyStore *store, NyFollowup *f, const GArray *slots, NyTime now,
                                 GError **error);

/* One recorded decision (`decide`), for `decisions` and the reply's warning. */
typedef struct {
    gint64 id;
    char *name; /* the contact's name */
    NyTime at;  /* when it was decided */
    NyVerdict verdict;
    NyAnswer answers[NY_QUESTION_COUNT]; /* UNSET for questions not asked */
    gboolean no_call;                    /* --no-call was given */
} NyDecisionRecord;

void ny_decision_record_free(NyDecisionRecord *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyDecisionRecord, ny_decision_record_free)

/**
 * ny_store_list_decisions:
 * @name: (nullable): only this contact's decisions (the name as recorded,
 *        ASCII case ignored); NULL for everyone's
 * @limit: at most this many (the newest); 0 for all
 *
 * Returns: (transfer full) (element-type NyDecisionRecord): newest first (by
 * time, then by the order they were recorded); NULL with NY_STORE_ERROR.
 */
GPtrArray *ny_store_list_decisions(NyStore *store, const char *name, guint limit, GError **error);

/**
 * ny_store_id:
 *
 * The store's own random id, made when the store was created: the
 * X-NOTYET-STORE mark of every event this store writes to a calendar
 * (doc/calendar-writes.md), so two stores never touch each other's events.
 *
 * Returns: (transfer full): letters and digits, or NULL with NY_DB_ERROR.
 */
char *ny_store_id(NyStore *store, GError **error);

typedef enum {
    NY_STORE_EVENT_HOLD = 0, /* an offered time kept free (STATUS:TENTATIVE) */
    NY_STORE_EVENT_BOOKED,   /* the booked call (STATUS:CONFIRMED) */
} NyStoreEventKind;

/* An event notyet wrote to a calendar, as the store keeps it. */
typedef struct {
    char *url;          /* the resource's absolute URL: the key */
    gint64 followup_id; /* the follow-up it belongs to */
    char *calendar_url; /* the calendar it is on */
    char *etag;         /* its ETag when notyet last wrote or read it, or NULL */
    char *uid;          /* the UID notyet gave it */
    NyStoreEventKind kind;
    NyInterval span; /* the time it holds or books */
    NyTime created;  /* when notyet wrote it first */
} NyStoreEvent;

void ny_store_event_free(NyStoreEvent *e);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyStoreEvent, ny_store_event_free)

/**
 * ny_store_put_event:
 *
 * Records @e, or replaces the record with the same url. Inside a
 * transaction.
 */
gboolean ny_store_put_event(NyStore *store, const NyStoreEvent *e, GError **error);

/* Forgets the event at @url (none is fine). Inside a transaction. */
gboolean ny_store_forget_event(NyStore *store, const char *url, GError **error);

/**
 * ny_store_leave_event:
 * @uid: (nullable): the UID the event had when notyet wrote it
 *
 * Forgets the event at @url and remembers it as left to the user (edited
 * on the server, so never changed or deleted again, not even by the
 * orphan sweep of src/holds.c). Inside a transaction.
 */
gboolean ny_store_leave_event(NyStore *store, const char *url, const char *uid, NyTime at,
                              GError **error);

/**
 * ny_store_left_events:
 *
 * Returns: (transfer full) (element-type utf8 utf8): the set of the URLs
 * ny_store_leave_event() remembered, or NULL with NY_DB_ERROR.
 */
GHashTable *ny_store_left_events(NyStore *store, GError **error);

/**
 * ny_store_get_meta:
 * @key: a key of store_meta other than 'store_id'
 * @out: (out) (nullable): its value, NULL when there is none
 *
 * Returns: FALSE with NY_DB_ERROR.
 */
gboolean ny_store_get_meta(NyStore *store, const char *key, char **out, GError **error);

/**
 * ny_store_set_meta:
 *
 * Sets @key to @value (its own statement, or inside a transaction).
 */
gboolean ny_store_set_meta(NyStore *store, const char *key, const char *value, GError **error);

/**
 * ny_store_list_events:
 * @followup_id: one follow-up's events, or 0 for every event
 *
 * Returns: (transfer full) (element-type NyStoreEvent): by follow-up, then
 * start; or NULL with NY_DB_ERROR.
 */
GPtrArray *ny_store_list_events(NyStore *store, gint64 followup_id, GError **error);

G_END_DECLS
