/* holds.h: holds and booked calls on the calendar, kept in step with the
 * store (doc/calendar-writes.md).
 *
 * I/O module over caldav.h (the conditional writes of src/caldav-write.c),
 * invite.h (the events) and store.h (what notyet wrote, and where). The
 * store is the owner's record: every event notyet writes is recorded in the
 * same transaction as the follow-up it belongs to, so a failed write leaves
 * nothing recorded, and a recorded event is on the server or gone from it.
 * A 412 anywhere means the user edited the event: it is never overwritten;
 * notyet forgets it and says what it left alone (a line in @notes). Library
 * code: it never prints.
 */
#pragma once

#include <glib.h>

#include "notyet/cache.h"
#include "notyet/caldav.h"
#include "notyet/config.h"
#include "notyet/invite.h"
#include "notyet/store.h"

G_BEGIN_DECLS

/* A hold that no follow-up owns is removed once it is this old: a notyet
 * killed between writing the holds and its commit may still be running. */
#define NY_HOLDS_ORPHAN_AGE (10 * 60)

#define NY_HOLDS_ERROR (ny_holds_error_quark())
GQuark ny_holds_error_quark(void);

typedef enum {
    NY_HOLDS_ERROR_RACE, /* another store held the same time at the same moment: exit 1 */
    NY_HOLDS_ERROR_FAILED,
} NyHoldsError;

typedef struct _NyHolds NyHolds;

/**
 * ny_holds_target:
 * @config: the configuration
 *
 * Returns: (nullable): the [calendar NAME] group with holds=, or NULL when
 * notyet writes nothing to any calendar.
 */
const NyCalendarConfig *ny_holds_target(const NyConfig *config);

/**
 * ny_holds_open:
 * @config: the configuration; ny_holds_target() must not be NULL
 * @store: the open store (its id marks every event written)
 * @cache_path: (nullable): the cache, where the holds calendar's URL and
 *              its objects are found after a sync
 * @options: the real clock (required), tracing and the [limits] of the sync
 * @now: the command's time (--now): DTSTAMP of the events written
 *
 * A writer for the holds calendar; the session (password_command) is made
 * on the first write.
 *
 * Returns: (transfer full): the writer, or NULL with NY_DB_ERROR.
 */
NyHolds *ny_holds_open(const NyConfig *config, NyStore *store, const char *cache_path,
                       const NyCaldavOptions *options, NyTime now, GError **error);
void ny_holds_free(NyHolds *h);

/* The store's id, as ny_holds_open() read it (X-NOTYET-STORE). */
const char *ny_holds_store_id(const NyHolds *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyHolds, ny_holds_free)

/**
 * ny_holds_write:
 * @f: a recorded follow-up (its id set) whose slots are held
 * @summary: the SUMMARY of every hold ([letter] hold_summary, rendered)
 * @tzid: the user's zone name
 *
 * Inside the store's transaction: writes one hold per offered slot
 * (If-None-Match, all or none) at a name made of its start time, so that
 * a second store writing the same time gets 412: the PUT is the claim.
 * When another store may be on another grid (doc/calendar-writes.md, "Two
 * grids"), one calendar-query then reads the span of the slots, and
 * another store's event that overlaps one of them is a race too. Each is
 * recorded. On failure none is left on the server and the caller rolls
 * back.
 *
 * Returns: FALSE with NY_HOLDS_ERROR_RACE (an event at the name keeps that
 * time), NY_HOLDS_ERROR_FAILED (every name taken by events that leave it
 * free), NY_CALDAV_WRITE_ERROR, NY_CALDAV_ERROR (holds= names no calendar),
 * NY_HTTP_ERROR or NY_DB_ERROR.
 */
gboolean ny_holds_write(NyHolds *h, NyStore *store, const NyFollowup *f, const char *summary,
                        const char *tzid, GError **error);

/**
 * ny_holds_undo:
 *
 * Deletes the holds the last ny_holds_write() made, or the booked call the
 * last ny_holds_book() wrote, when the commit after it failed: the store
 * says the follow-up is as it was, so the calendar must too. Best effort:
 * what is left is removed by a later ny_holds_sweep().
 */
void ny_holds_undo(NyHolds *h);

/**
 * ny_holds_book:
 * @f: the booked follow-up, its uid, sequence and booked time set
 * @invite: the call as `export` writes it (same UID and SEQUENCE)
 * @send: let a scheduling server send the invitation (no SCHEDULE-AGENT)
 * @notes: (element-type utf8): a line for an event left alone
 *
 * Inside the store's transaction: the booked call replaces its hold (or
 * the booked event of an earlier booking) with If-Match, or is created
 * when there is none; the other holds stay until ny_holds_release().
 *
 * Returns: FALSE with the errors of ny_holds_write().
 */
gboolean ny_holds_book(NyHolds *h, NyStore *store, const NyFollowup *f, const NyInvite *invite,
                       gboolean send, GPtrArray *notes, GError **error);

/**
 * ny_holds_cancel:
 * @invite: the cancelled call (STATUS:CANCELLED, its SEQUENCE)
 * @send: TRUE: the booked event is replaced by the cancelled one, so a
 *        scheduling server sends the cancellation; FALSE: it is deleted
 *
 * Inside the store's transaction: the booked event of @f, if any.
 */
gboolean ny_holds_cancel(NyHolds *h, NyStore *store, const NyFollowup *f, const NyInvite *invite,
                         gboolean send, GPtrArray *notes, GError **error);

/**
 * ny_holds_find:
 * @span: the time booked
 *
 * Returns: (transfer full) (nullable): @followup_id's hold at @span, or
 * its booked event, or NULL (also on a store error: none to replace).
 */
NyStoreEvent *ny_holds_find(NyStore *store, gint64 followup_id, const NyInterval *span);

/**
 * ny_holds_release:
 * @followup_id: a follow-up whose holds are no longer wanted
 *
 * Outside any transaction: deletes the holds of @followup_id (If-Match;
 * its booked event stays)
 * and forgets them. A hold that cannot be deleted now stays recorded for a
 * later ny_holds_sweep() and a line in @notes says so.
 *
 * Returns: FALSE only with NY_DB_ERROR.
 */
gboolean ny_holds_release(NyHolds *h, NyStore *store, gint64 followup_id, GPtrArray *notes,
                          GError **error);

/**
 * ny_holds_release_list:
 * @events: (element-type NyStoreEvent): recorded holds (ny_store_list_events())
 *
 * As ny_holds_release(), for the holds in @events: a nudge's old holds.
 */
gboolean ny_holds_release_list(NyHolds *h, NyStore *store, GPtrArray *events, GPtrArray *notes,
                               GError **error);

/**
 * ny_holds_sweep:
 * @live: (element-type NyFollowup): the follow-ups whose holds stay
 *        (offered and not expired), at their offered slots
 * @now: the clock
 *
 * Outside any transaction, after a sync: removes the recorded holds of
 * every other follow-up (booked, closed, expired), and the holds of this
 * store on the holds calendar that no follow-up owns once they are older
 * than NY_HOLDS_ORPHAN_AGE (a notyet killed before its commit), and a
 * booked call at the place of a recorded hold (a `book` killed before its
 * commit: the store still says offered), forgetting that record, unless
 * the user edited it (its X-NOTYET-DIGEST no longer matches): that one is
 * left alone and said in @notes. Another store's events and cancelled
 * events are never touched; their grid marks tell ny_holds_write() whether
 * to read after writing, and a line in @notes says when another store
 * uses another grid.
 *
 * Returns: FALSE only with NY_DB_ERROR.
 */
gboolean ny_holds_sweep(NyHolds *h, NyStore *store, GPtrArray *live, NyTime now, GPtrArray *notes,
                        GError **error);

/**
 * ny_holds_cached:
 * @config: the configuration
 * @cache_path: (nullable): the cache a lookup filled
 * @from, @to: the window
 * @out: (element-type NyInterval): gets the times held
 *
 * The times of the notyet holds on the holds calendar as the cache has
 * them: every event with notyet's marks (X-NOTYET-STORE, CATEGORIES
 * notyet-hold) of any store, this one's and another machine's alike; a
 * booked call or any other event is not a hold. Reads the cache only:
 * nothing is synced, no title is read. Without holds=, a cache or a synced
 * holds calendar, nothing is added.
 *
 * Returns: FALSE only with NY_DB_ERROR.
 */
gboolean ny_holds_cached(const NyConfig *config, const char *cache_path, NyTime from, NyTime to,
                         GArray *out, GError **error);

/* The UIDs of @followup_id's events (for NyBusyQuery.ignore_uids), NULL-
 * terminated; NULL when it has none. */
char **ny_holds_uids(NyStore *store, gint64 followup_id);

G_END_DECLS
