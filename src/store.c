/* store.c: the follow-up store over SQLite (doc/store.md).
 *
 * Opening, the file's identity, WAL, busy waits and SQLite's result codes
 * are the db module's (src/db.c): a file that is not a notyet store is
 * refused there and left as it was.
 */
#include "notyet/store.h"

#include <sqlite3.h>
#include <string.h>

#include "notyet/db.h"

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

G_DEFINE_QUARK(ny_store_error, ny_store_error)

/* The schema, one migration per version: migrations[0] takes user_version 0
 * to 1, and so on. src/db.c runs each pending one in its own BEGIN IMMEDIATE
 * transaction and sets user_version (and the application_id) with it. Never
 * edit a released migration; add one at the end (for a new column:
 * "ALTER TABLE followups ADD COLUMN x ..."). */
static const char *const migrations[] = {
    /* 1: contacts, decisions, follow-ups and their offered slots. */
    "CREATE TABLE contacts ("
    "  id INTEGER PRIMARY KEY,"
    "  name TEXT NOT NULL UNIQUE,"
    "  email TEXT,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE TABLE decisions ("
    "  id INTEGER PRIMARY KEY,"
    "  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
    "  at INTEGER NOT NULL,"
    "  know INTEGER,"      /* 1 yes, 0 no, NULL not asked */
    "  trust INTEGER,"     /* idem */
    "  recommend INTEGER," /* idem */
    "  verdict TEXT NOT NULL CHECK (verdict IN ('accept', 'not-yet', 'decline')),"
    "  no_call INTEGER NOT NULL DEFAULT 0"
    ");"
    "CREATE INDEX decisions_contact ON decisions(contact_id);"
    "CREATE TABLE followups ("
    "  id INTEGER PRIMARY KEY,"
    "  contact_id INTEGER NOT NULL REFERENCES contacts(id),"
    "  email TEXT,"
    "  met TEXT,"
    "  their_tz TEXT,"
    "  state TEXT NOT NULL CHECK (state IN ('offered', 'booked', 'done', 'cancelled')),"
    "  booked_start INTEGER,"
    "  booked_end INTEGER,"
    "  uid TEXT,"
    "  sequence INTEGER NOT NULL DEFAULT 0,"
    "  created INTEGER NOT NULL,"
    "  updated INTEGER NOT NULL"
    ");"
    "CREATE INDEX followups_state ON followups(state);"
    "CREATE TABLE followup_slots ("
    "  followup_id INTEGER NOT NULL REFERENCES followups(id) ON DELETE CASCADE,"
    "  position INTEGER NOT NULL,"
    "  start INTEGER NOT NULL,"
    "  end INTEGER NOT NULL,"
    "  PRIMARY KEY (followup_id, position)"
    ");",
    /* 2: the nudges of a follow-up (notyet nudge), one row each. */
    "CREATE TABLE followup_nudges ("
    "  followup_id INTEGER NOT NULL REFERENCES followups(id) ON DELETE CASCADE,"
    "  at INTEGER NOT NULL"
    ");"
    "CREATE INDEX followup_nudges_followup ON followup_nudges(followup_id);",
    /* 3: the invitee's day (--their-tz, --their-hours) kept with the
     * follow-up, so a nudge offers times inside the same hours. Minutes
     * after their midnight; NULL when no zone was given. */
    "ALTER TABLE followups ADD COLUMN their_start INTEGER;"
    "ALTER TABLE followups ADD COLUMN their_end INTEGER;",
    /* 4: the store's own id (X-NOTYET-STORE on every event it writes) and
     * the events notyet wrote to a calendar (doc/calendar-writes.md). */
    "CREATE TABLE store_meta ("
    "  key TEXT PRIMARY KEY,"
    "  value TEXT NOT NULL"
    ");"
    "INSERT INTO store_meta (key, value) VALUES ('store_id', lower(hex(randomblob(16))));"
    "CREATE TABLE calendar_events ("
    "  url TEXT PRIMARY KEY,"
    "  followup_id INTEGER NOT NULL REFERENCES followups(id) ON DELETE CASCADE,"
    "  calendar_url TEXT NOT NULL,"
    "  etag TEXT,"
    "  uid TEXT NOT NULL,"
    "  kind TEXT NOT NULL CHECK (kind IN ('hold', 'booked')),"
    "  start INTEGER NOT NULL,"
    "  end INTEGER NOT NULL,"
    "  created INTEGER NOT NULL"
    ");"
    "CREATE INDEX calendar_events_followup ON calendar_events(followup_id);",
    /* 5: the events of this store notyet found edited by the user and left
     * alone: never deleted by the orphan sweep (doc/calendar-writes.md,
     * "Left to the user"). Keyed by URL, so an edit that changes the UID
     * is still the user's. */
    "CREATE TABLE calendar_left ("
    "  url TEXT PRIMARY KEY,"
    "  uid TEXT,"
    "  at INTEGER NOT NULL"
    ");",
};

#define NY_STORE_SCHEMA_VERSION ((int)G_N_ELEMENTS(migrations))

static const NyDbKind store_kind = {
    .noun = "store",
    .application_id = NY_DB_ID_STORE,
    .migrations = migrations,
    .n_migrations = G_N_ELEMENTS(migrations),
    /* A committed follow-up survives a power cut. */
    .full_sync = TRUE,
    .elsewhere = "choose another file with --db FILE or NOTYET_DB",
    .if_damaged = "restore it from a backup, or move it away to start a new one",
};

struct _NyStore {
    NyDb *file;
    sqlite3 *db; /* the file's connection */
    char *path;
};

/* SQLite's result code as NY_DB_ERROR (src/db.c); @what says what was being done. */
static void
set_sqlite_error(const NyStore *store, int rc, const char *what, GError **error)
{
    ny_db_set_error(store->file, rc, what, error);
}

static sqlite3_stmt *
prepare(NyStore *store, const char *sql, GError **error)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2(store->db, sql, -1, &stmt, NULL);

    if (rc != SQLITE_OK) {
        set_sqlite_error(store, rc, "prepare", error);
        return NULL;
    }
    return stmt;
}

/* Runs a statement that returns no rows. */
static gboolean
step_done(NyStore *store, sqlite3_stmt *stmt, const char *what, GError **error)
{
    int rc = sqlite3_step(stmt);

    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, what, error);
        return FALSE;
    }
    return TRUE;
}

static void
bind_text_or_null(sqlite3_stmt *stmt, int index, const char *text)
{
    if (text != NULL)
        sqlite3_bind_text(stmt, index, text, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, index);
}

static char *
column_text(sqlite3_stmt *stmt, int col)
{
    const unsigned char *text = sqlite3_column_text(stmt, col);

    return text != NULL ? g_strdup((const char *)text) : NULL;
}

const char *
ny_followup_state_to_string(NyFollowupState state)
{
    switch (state) {
    case NY_FOLLOWUP_OFFERED:
        return "offered";
    case NY_FOLLOWUP_BOOKED:
        return "booked";
    case NY_FOLLOWUP_DONE:
        return "done";
    case NY_FOLLOWUP_CANCELLED:
        return "cancelled";
    }
    return "unknown";
}

gboolean
ny_followup_state_from_string(const char *text, NyFollowupState *out_state)
{
    static const NyFollowupState all[] = {NY_FOLLOWUP_OFFERED, NY_FOLLOWUP_BOOKED, NY_FOLLOWUP_DONE,
                                          NY_FOLLOWUP_CANCELLED};

    g_return_val_if_fail(text != NULL, FALSE);
    for (gsize i = 0; i < G_N_ELEMENTS(all); i++) {
        if (strcmp(text, ny_followup_state_to_string(all[i])) == 0) {
            *out_state = all[i];
            return TRUE;
        }
    }
    return FALSE;
}

NyFollowup *
ny_followup_new(void)
{
    NyFollowup *f = g_new0(NyFollowup, 1);

    f->slots = ny_intervals_new();
    return f;
}

void
ny_followup_free(NyFollowup *f)
{
    if (f == NULL)
        return;
    g_free(f->name);
    g_free(f->email);
    g_free(f->met);
    g_free(f->their_tz);
    g_clear_pointer(&f->slots, g_array_unref);
    g_free(f->uid);
    g_free(f);
}

NyStore *
ny_store_open(const char *path, GError **error)
{
    g_autoptr(NyStore) store = NULL;

    g_return_val_if_fail(path != NULL, NULL);

    store = g_new0(NyStore, 1);
    store->file = ny_db_open(path, &store_kind, error);
    if (store->file == NULL)
        return NULL;
    store->db = ny_db_handle(store->file);
    store->path = g_strdup(path);
    return g_steal_pointer(&store);
}

void
ny_store_free(NyStore *store)
{
    if (store == NULL)
        return;
    ny_db_free(store->file);
    g_free(store->path);
    g_free(store);
}

gboolean
ny_store_begin(NyStore *store, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    return ny_db_begin(store->file, error);
}

gboolean
ny_store_commit(NyStore *store, GError **error)
{
    g_return_val_if_fail(store != NULL, FALSE);
    return ny_db_commit(store->file, error);
}

void
ny_store_rollback(NyStore *store)
{
    g_return_if_fail(store != NULL);
    ny_db_rollback(store->file);
}

static gboolean
in_transaction(NyStore *store)
{
    return ny_db_in_transaction(store->file);
}

/* The contact's id, created when new. */
static gboolean
contact_id(NyStore *store, const char *name, const char *email, NyTime now, gint64 *out_id,
           GError **error)
{
    g_autoptr(sqlite3_stmt) insert = NULL;
    g_autoptr(sqlite3_stmt) select = NULL;
    int rc;

    insert = prepare(store,
                     "INSERT INTO contacts (name, email, created) VALUES (?1, ?2, ?3) "
                     "ON CONFLICT (name) DO UPDATE SET email = coalesce(?2, email)",
                     error);
    if (insert == NULL)
        return FALSE;
    sqlite3_bind_text(insert, 1, name, -1, SQLITE_TRANSIENT);
    bind_text_or_null(insert, 2, email);
    sqlite3_bind_int64(insert, 3, now);
    if (!step_done(store, insert, "add the contact", error))
        return FALSE;

    select = prepare(store, "SELECT id FROM contacts WHERE name = ?1", error);
    if (select == NULL)
        return FALSE;
    sqlite3_bind_text(select, 1, name, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(select);
    if (rc != SQLITE_ROW) {
        set_sqlite_error(store, rc, "find the contact", error);
        return FALSE;
    }
    *out_id = sqlite3_column_int64(select, 0);
    return TRUE;
}

static void
bind_answer(sqlite3_stmt *stmt, int index, NyAnswer answer)
{
    if (answer == NY_ANSWER_UNSET)
        sqlite3_bind_null(stmt, index);
    else
        sqlite3_bind_int(stmt, index, answer == NY_ANSWER_YES);
}

gboolean
ny_store_add_decision(NyStore *store, const char *name, NyTime when,
                      const NyAnswer answers[NY_QUESTION_COUNT], NyVerdict verdict,
                      gboolean no_call, gint64 *out_id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    gint64 contact = 0;

    g_return_val_if_fail(store != NULL && name != NULL && answers != NULL, FALSE);
    g_return_val_if_fail(verdict != NY_VERDICT_PENDING, FALSE);
    g_return_val_if_fail(in_transaction(store), FALSE);

    if (!contact_id(store, name, NULL, when, &contact, error))
        return FALSE;
    stmt = prepare(store,
                   "INSERT INTO decisions (contact_id, at, know, trust, recommend, verdict, "
                   "no_call) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                   error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, contact);
    sqlite3_bind_int64(stmt, 2, when);
    bind_answer(stmt, 3, answers[NY_QUESTION_KNOW]);
    bind_answer(stmt, 4, answers[NY_QUESTION_TRUST]);
    bind_answer(stmt, 5, answers[NY_QUESTION_RECOMMEND]);
    sqlite3_bind_text(stmt, 6, ny_verdict_to_string(verdict), -1, SQLITE_STATIC);
    sqlite3_bind_int(stmt, 7, no_call ? 1 : 0);
    if (!step_done(store, stmt, "record the decision", error))
        return FALSE;
    if (out_id != NULL)
        *out_id = sqlite3_last_insert_rowid(store->db);
    return TRUE;
}

static void
bind_booked(sqlite3_stmt *stmt, int index, const NyFollowup *f)
{
    if (f->has_booked) {
        sqlite3_bind_int64(stmt, index, f->booked.start);
        sqlite3_bind_int64(stmt, index + 1, f->booked.end);
    } else {
        sqlite3_bind_null(stmt, index);
        sqlite3_bind_null(stmt, index + 1);
    }
}

gboolean
ny_store_add_followup(NyStore *store, NyFollowup *f, NyTime now, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_autoptr(sqlite3_stmt) slot = NULL;
    gint64 contact = 0;
    gint64 id;

    g_return_val_if_fail(store != NULL && f != NULL && f->name != NULL, FALSE);
    g_return_val_if_fail(in_transaction(store), FALSE);

    if (!contact_id(store, f->name, f->email, now, &contact, error))
        return FALSE;
    stmt = prepare(store,
                   "INSERT INTO followups (contact_id, email, met, their_tz, state, "
                   "booked_start, booked_end, uid, sequence, created, updated, their_start, "
                   "their_end) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12)",
                   error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, contact);
    bind_text_or_null(stmt, 2, f->email);
    bind_text_or_null(stmt, 3, f->met);
    bind_text_or_null(stmt, 4, f->their_tz);
    sqlite3_bind_text(stmt, 5, ny_followup_state_to_string(f->state), -1, SQLITE_STATIC);
    bind_booked(stmt, 6, f);
    bind_text_or_null(stmt, 8, f->uid);
    sqlite3_bind_int(stmt, 9, f->sequence);
    sqlite3_bind_int64(stmt, 10, now);
    if (f->their_end_minute > f->their_start_minute) {
        sqlite3_bind_int(stmt, 11, f->their_start_minute);
        sqlite3_bind_int(stmt, 12, f->their_end_minute);
    } else {
        sqlite3_bind_null(stmt, 11);
        sqlite3_bind_null(stmt, 12);
    }
    if (!step_done(store, stmt, "add the follow-up", error))
        return FALSE;
    id = sqlite3_last_insert_rowid(store->db);

    slot = prepare(store,
                   "INSERT INTO followup_slots (followup_id, position, start, end) "
                   "VALUES (?1, ?2, ?3, ?4)",
                   error);
    if (slot == NULL)
        return FALSE;
    for (guint i = 0; f->slots != NULL && i < f->slots->len; i++) {
        const NyInterval *iv = &g_array_index(f->slots, NyInterval, i);

        sqlite3_reset(slot);
        sqlite3_bind_int64(slot, 1, id);
        sqlite3_bind_int(slot, 2, (int)i);
        sqlite3_bind_int64(slot, 3, iv->start);
        sqlite3_bind_int64(slot, 4, iv->end);
        if (!step_done(store, slot, "add an offered slot", error))
            return FALSE;
    }
    f->id = id;
    f->created = now;
    f->updated = now;
    return TRUE;
}

gboolean
ny_store_update_followup(NyStore *store, NyFollowup *f, NyTime now, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;

    g_return_val_if_fail(store != NULL && f != NULL, FALSE);
    g_return_val_if_fail(in_transaction(store), FALSE);

    stmt = prepare(store,
                   "UPDATE followups SET state = ?2, booked_start = ?3, booked_end = ?4, "
                   "uid = ?5, sequence = ?6, updated = ?7 WHERE id = ?1",
                   error);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, f->id);
    sqlite3_bind_text(stmt, 2, ny_followup_state_to_string(f->state), -1, SQLITE_STATIC);
    bind_booked(stmt, 3, f);
    bind_text_or_null(stmt, 5, f->uid);
    sqlite3_bind_int(stmt, 6, f->sequence);
    sqlite3_bind_int64(stmt, 7, now);
    if (!step_done(store, stmt, "update the follow-up", error))
        return FALSE;
    if (sqlite3_changes(store->db) == 0) {
        g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_NOT_FOUND,
                    "no follow-up with id %" G_GINT64_FORMAT, f->id);
        return FALSE;
    }
    f->updated = now;
    return TRUE;
}

#define FOLLOWUP_COLUMNS                                                                           \
    "f.id, c.name, f.email, f.met, f.their_tz, f.state, f.booked_start, f.booked_end, f.uid, "     \
    "f.sequence, f.created, f.updated, "                                                           \
    "(SELECT count(*) FROM followup_nudges n WHERE n.followup_id = f.id), "                        \
    "(SELECT max(n.at) FROM followup_nudges n WHERE n.followup_id = f.id), "                       \
    "f.their_start, f.their_end"

/* A follow-up from a row of FOLLOWUP_COLUMNS, without its slots. */
static NyFollowup *
followup_from_row(NyStore *store, sqlite3_stmt *stmt, GError **error)
{
    g_autoptr(NyFollowup) f = ny_followup_new();
    const char *state = (const char *)sqlite3_column_text(stmt, 5);

    f->id = sqlite3_column_int64(stmt, 0);
    f->name = column_text(stmt, 1);
    f->email = column_text(stmt, 2);
    f->met = column_text(stmt, 3);
    f->their_tz = column_text(stmt, 4);
    if (state == NULL || !ny_followup_state_from_string(state, &f->state)) {
        g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED,
                    "store '%s': follow-up %" G_GINT64_FORMAT " has an unknown state", store->path,
                    f->id);
        return NULL;
    }
    f->has_booked = sqlite3_column_type(stmt, 6) != SQLITE_NULL;
    if (f->has_booked) {
        f->booked.start = sqlite3_column_int64(stmt, 6);
        f->booked.end = sqlite3_column_int64(stmt, 7);
    }
    f->uid = column_text(stmt, 8);
    f->sequence = sqlite3_column_int(stmt, 9);
    f->created = sqlite3_column_int64(stmt, 10);
    f->updated = sqlite3_column_int64(stmt, 11);
    f->nudges = sqlite3_column_int(stmt, 12);
    f->nudged_at = sqlite3_column_int64(stmt, 13);
    if (sqlite3_column_type(stmt, 14) != SQLITE_NULL &&
        sqlite3_column_type(stmt, 15) != SQLITE_NULL) {
        f->their_start_minute = sqlite3_column_int(stmt, 14);
        f->their_end_minute = sqlite3_column_int(stmt, 15);
    }
    return g_steal_pointer(&f);
}

static gboolean
load_slots(NyStore *store, NyFollowup *f, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(
        store, "SELECT start, end FROM followup_slots WHERE followup_id = ?1 ORDER BY position",
        error);
    int rc;

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_int64(stmt, 1, f->id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        NyInterval iv = {sqlite3_column_int64(stmt, 0), sqlite3_column_int64(stmt, 1)};
        g_array_append_val(f->slots, iv);
    }
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "read the offered slots", error);
        return FALSE;
    }
    return TRUE;
}

NyFollowup *
ny_store_get_followup(NyStore *store, gint64 id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_autoptr(NyFollowup) f = NULL;
    int rc;

    g_return_val_if_fail(store != NULL, NULL);

    stmt = prepare(store,
                   "SELECT " FOLLOWUP_COLUMNS " FROM followups f JOIN contacts c "
                   "ON c.id = f.contact_id WHERE f.id = ?1",
                   error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, id);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) {
        g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_NOT_FOUND,
                    "no follow-up with id %" G_GINT64_FORMAT, id);
        return NULL;
    }
    if (rc != SQLITE_ROW) {
        set_sqlite_error(store, rc, "read the follow-up", error);
        return NULL;
    }
    f = followup_from_row(store, stmt, error);
    if (f == NULL || !load_slots(store, f, error))
        return NULL;
    return g_steal_pointer(&f);
}

GPtrArray *
ny_store_list_followups(NyStore *store, gboolean all, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_autoptr(GPtrArray) list = NULL;
    int rc;

    g_return_val_if_fail(store != NULL, NULL);

    stmt = prepare(store,
                   "SELECT " FOLLOWUP_COLUMNS " FROM followups f JOIN contacts c "
                   "ON c.id = f.contact_id WHERE ?1 OR f.state IN ('offered', 'booked') "
                   "ORDER BY f.id",
                   error);
    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int(stmt, 1, all ? 1 : 0);
    list = g_ptr_array_new_with_free_func((GDestroyNotify)ny_followup_free);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        NyFollowup *f = followup_from_row(store, stmt, error);
        if (f == NULL)
            return NULL;
        g_ptr_array_add(list, f);
    }
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "list the follow-ups", error);
        return NULL;
    }
    for (guint i = 0; i < list->len; i++) {
        if (!load_slots(store, g_ptr_array_index(list, i), error))
            return NULL;
    }
    return g_steal_pointer(&list);
}

gboolean
ny_store_nudge_followup(NyStore *store, NyFollowup *f, const GArray *slots, NyTime now,
                        GError **error)
{
    g_autoptr(sqlite3_stmt) del = NULL;
    g_autoptr(sqlite3_stmt) add = NULL;
    g_autoptr(sqlite3_stmt) nudge = NULL;

    g_return_val_if_fail(store != NULL && f != NULL && slots != NULL, FALSE);
    g_return_val_if_fail(in_transaction(store), FALSE);

    f->state = NY_FOLLOWUP_OFFERED;
    if (!ny_store_update_followup(store, f, now, error))
        return FALSE;
    del = prepare(store, "DELETE FROM followup_slots WHERE followup_id = ?1", error);
    if (del == NULL)
        return FALSE;
    sqlite3_bind_int64(del, 1, f->id);
    if (!step_done(store, del, "release the offered slots", error))
        return FALSE;
    add = prepare(store,
                  "INSERT INTO followup_slots (followup_id, position, start, end) "
                  "VALUES (?1, ?2, ?3, ?4)",
                  error);
    if (add == NULL)
        return FALSE;
    for (guint i = 0; i < slots->len; i++) {
        const NyInterval *iv = &g_array_index(slots, NyInterval, i);

        sqlite3_reset(add);
        sqlite3_bind_int64(add, 1, f->id);
        sqlite3_bind_int(add, 2, (int)i);
        sqlite3_bind_int64(add, 3, iv->start);
        sqlite3_bind_int64(add, 4, iv->end);
        if (!step_done(store, add, "add an offered slot", error))
            return FALSE;
    }
    nudge = prepare(store, "INSERT INTO followup_nudges (followup_id, at) VALUES (?1, ?2)", error);
    if (nudge == NULL)
        return FALSE;
    sqlite3_bind_int64(nudge, 1, f->id);
    sqlite3_bind_int64(nudge, 2, now);
    if (!step_done(store, nudge, "record the nudge", error))
        return FALSE;
    g_array_set_size(f->slots, 0);
    g_array_append_vals(f->slots, slots->data, slots->len);
    f->nudges++;
    f->nudged_at = now;
    return TRUE;
}

void
ny_decision_record_free(NyDecisionRecord *d)
{
    if (d == NULL)
        return;
    g_free(d->name);
    g_free(d);
}

/* The stored form of an answer: 1 yes, 0 no, NULL not asked. */
static NyAnswer
column_answer(sqlite3_stmt *stmt, int index)
{
    if (sqlite3_column_type(stmt, index) == SQLITE_NULL)
        return NY_ANSWER_UNSET;
    return sqlite3_column_int(stmt, index) ? NY_ANSWER_YES : NY_ANSWER_NO;
}

GPtrArray *
ny_store_list_decisions(NyStore *store, const char *name, guint limit, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    g_autoptr(GPtrArray) list = NULL;
    int rc;

    g_return_val_if_fail(store != NULL, NULL);

    stmt = prepare(store,
                   "SELECT d.id, c.name, d.at, d.verdict, d.know, d.trust, d.recommend, "
                   "d.no_call FROM decisions d JOIN contacts c ON c.id = d.contact_id "
                   "WHERE ?1 IS NULL OR c.name = ?1 COLLATE NOCASE "
                   "ORDER BY d.at DESC, d.id DESC LIMIT ?2",
                   error);
    if (stmt == NULL)
        return NULL;
    if (name != NULL)
        sqlite3_bind_text(stmt, 1, name, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(stmt, 1);
    sqlite3_bind_int64(stmt, 2, limit > 0 ? (gint64)limit : -1);
    list = g_ptr_array_new_with_free_func((GDestroyNotify)ny_decision_record_free);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        NyDecisionRecord *d = g_new0(NyDecisionRecord, 1);
        const char *verdict = (const char *)sqlite3_column_text(stmt, 3);

        d->id = sqlite3_column_int64(stmt, 0);
        d->name = g_strdup((const char *)sqlite3_column_text(stmt, 1));
        d->at = sqlite3_column_int64(stmt, 2);
        d->verdict = ny_verdict_from_string(verdict != NULL ? verdict : "");
        d->answers[NY_QUESTION_KNOW] = column_answer(stmt, 4);
        d->answers[NY_QUESTION_TRUST] = column_answer(stmt, 5);
        d->answers[NY_QUESTION_RECOMMEND] = column_answer(stmt, 6);
        d->no_call = sqlite3_column_int(stmt, 7) != 0;
        g_ptr_array_add(list, d);
    }
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "list the decisions", error);
        return NULL;
    }
    return g_steal_pointer(&list);
}

char *
ny_store_id(NyStore *store, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(store, "SELECT value FROM store_meta WHERE key = 'store_id'", error);
    int rc;

    if (stmt == NULL)
        return NULL;
    rc = sqlite3_step(stmt);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED, "the store '%s' has no id",
                        store->path);
        else
            set_sqlite_error(store, rc, "read the store's id", error);
        return NULL;
    }
    return column_text(stmt, 0);
}

/* "hold" or "booked". */
static const char *
ny_store_event_kind_to_string(NyStoreEventKind kind)
{
    return kind == NY_STORE_EVENT_BOOKED ? "booked" : "hold";
}

void
ny_store_event_free(NyStoreEvent *e)
{
    if (e == NULL)
        return;
    g_free(e->url);
    g_free(e->calendar_url);
    g_free(e->etag);
    g_free(e->uid);
    g_free(e);
}

gboolean
ny_store_put_event(NyStore *store, const NyStoreEvent *e, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(
        store,
        "INSERT INTO calendar_events (url, followup_id, calendar_url, etag, uid, kind, start,"
        " end, created) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
        " ON CONFLICT (url) DO UPDATE SET followup_id = ?2, calendar_url = ?3, etag = ?4,"
        " uid = ?5, kind = ?6, start = ?7, end = ?8",
        error);
    g_autoptr(sqlite3_stmt) stmt_forget = NULL;

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_text(stmt, 1, e->url, -1, SQLITE_TRANSIENT);
    sqlite3_bind_int64(stmt, 2, e->followup_id);
    sqlite3_bind_text(stmt, 3, e->calendar_url, -1, SQLITE_TRANSIENT);
    bind_text_or_null(stmt, 4, e->etag);
    sqlite3_bind_text(stmt, 5, e->uid, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 6, ny_store_event_kind_to_string(e->kind), -1, SQLITE_STATIC);
    sqlite3_bind_int64(stmt, 7, e->span.start);
    sqlite3_bind_int64(stmt, 8, e->span.end);
    sqlite3_bind_int64(stmt, 9, e->created);
    if (!step_done(store, stmt, "record a calendar event", error))
        return FALSE;
    /* Written there with If-None-Match: * (or over notyet's own event):
     * the event once left to the user at this URL is gone. */
    stmt_forget = prepare(store, "DELETE FROM calendar_left WHERE url = ?1", error);
    if (stmt_forget == NULL)
        return FALSE;
    sqlite3_bind_text(stmt_forget, 1, e->url, -1, SQLITE_TRANSIENT);
    return step_done(store, stmt_forget, "record a calendar event", error);
}

gboolean
ny_store_leave_event(NyStore *store, const char *url, const char *uid, NyTime at, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(store,
                "INSERT INTO calendar_left (url, uid, at) VALUES (?1, ?2, ?3)"
                " ON CONFLICT (url) DO UPDATE SET uid = ?2, at = ?3",
                error);

    if (stmt == NULL || !ny_store_forget_event(store, url, error))
        return FALSE;
    sqlite3_bind_text(stmt, 1, url, -1, SQLITE_TRANSIENT);
    bind_text_or_null(stmt, 2, uid);
    sqlite3_bind_int64(stmt, 3, at);
    return step_done(store, stmt, "remember an event left alone", error);
}

GHashTable *
ny_store_left_events(NyStore *store, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(store, "SELECT url FROM calendar_left", error);
    g_autoptr(GHashTable) out = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    int rc;

    if (stmt == NULL)
        return NULL;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
        g_hash_table_add(out, column_text(stmt, 0));
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "read the events left alone", error);
        return NULL;
    }
    return g_steal_pointer(&out);
}

gboolean
ny_store_get_meta(NyStore *store, const char *key, char **out, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(store, "SELECT value FROM store_meta WHERE key = ?1", error);
    int rc;

    *out = NULL;
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
        *out = column_text(stmt, 0);
        return TRUE;
    }
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "read the store's settings", error);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_store_set_meta(NyStore *store, const char *key, const char *value, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(store,
                                           "INSERT INTO store_meta (key, value) VALUES (?1, ?2)"
                                           " ON CONFLICT (key) DO UPDATE SET value = ?2",
                                           error);

    g_return_val_if_fail(strcmp(key, "store_id") != 0, FALSE);
    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_text(stmt, 1, key, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, value, -1, SQLITE_TRANSIENT);
    return step_done(store, stmt, "write the store's settings", error);
}

gboolean
ny_store_forget_event(NyStore *store, const char *url, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt =
        prepare(store, "DELETE FROM calendar_events WHERE url = ?1", error);

    if (stmt == NULL)
        return FALSE;
    sqlite3_bind_text(stmt, 1, url, -1, SQLITE_TRANSIENT);
    return step_done(store, stmt, "forget a calendar event", error);
}

GPtrArray *
ny_store_list_events(NyStore *store, gint64 followup_id, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = prepare(
        store,
        "SELECT url, followup_id, calendar_url, etag, uid, kind, start, end, created"
        " FROM calendar_events WHERE ?1 = 0 OR followup_id = ?1 ORDER BY followup_id, start, url",
        error);
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func((GDestroyNotify)ny_store_event_free);
    int rc;

    if (stmt == NULL)
        return NULL;
    sqlite3_bind_int64(stmt, 1, followup_id);
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
        NyStoreEvent *e = g_new0(NyStoreEvent, 1);
        const char *kind = (const char *)sqlite3_column_text(stmt, 5);

        e->url = column_text(stmt, 0);
        e->followup_id = sqlite3_column_int64(stmt, 1);
        e->calendar_url = column_text(stmt, 2);
        e->etag = column_text(stmt, 3);
        e->uid = column_text(stmt, 4);
        e->kind = g_strcmp0(kind, "booked") == 0 ? NY_STORE_EVENT_BOOKED : NY_STORE_EVENT_HOLD;
        e->span.start = sqlite3_column_int64(stmt, 6);
        e->span.end = sqlite3_column_int64(stmt, 7);
        e->created = sqlite3_column_int64(stmt, 8);
        g_ptr_array_add(out, e);
    }
    if (rc != SQLITE_DONE) {
        set_sqlite_error(store, rc, "read the calendar events", error);
        return NULL;
    }
    return g_steal_pointer(&out);
}
