/* db.h: opening notyet's SQLite files, shared by the store and the cache
 * (doc/store.md, "The db module").
 *
 * I/O module. One place that creates a file (folder 0700, file 0600),
 * decides whether the file at a path is ours before anything is written to
 * it, migrates its schema, switches it to WAL, waits for other writers and
 * turns SQLite's result codes into NY_DB_ERROR.
 *
 * What is ours: an SQLite file whose application_id is the kind's; a file
 * notyet creates (O_EXCL, mode 0600); or an empty file of mode 0600 owned by
 * the user, which is what a notyet that is creating the file right now (or
 * that was killed before its first commit) leaves. Anything else (another
 * program's SQLite database, a text file, an empty file made by someone
 * else, the other kind of notyet file, a file from a newer notyet, a damaged
 * file) is refused and left byte for byte as it was, with no -wal, -shm or
 * -journal file made beside it: the decision is taken from the file's
 * header bytes, read with read(2), before SQLite opens it; SQLite is asked
 * only when a -wal file beside it may hold a newer header.
 */
#pragma once

#include <glib.h>
#include <sqlite3.h>

G_BEGIN_DECLS

#define NY_DB_ERROR (ny_db_error_quark())
GQuark ny_db_error_quark(void);

typedef enum {
    NY_DB_ERROR_FAILED,  /* I/O, permissions, a full disk, SQLite failed */
    NY_DB_ERROR_BUSY,    /* another notyet held the lock past the busy timeout */
    NY_DB_ERROR_FOREIGN, /* not a notyet file of this kind: left as it is */
    NY_DB_ERROR_NEWER,   /* a notyet file of a newer schema: left as it is */
    NY_DB_ERROR_CORRUPT, /* a notyet file that is damaged: left as it is */
} NyDbError;

/* PRAGMA application_id of notyet's files: "nyet" and "NYCA" in ASCII. */
/* How long a connection waits for another notyet's lock. */
#define NY_DB_BUSY_TIMEOUT_MS 5000

#define NY_DB_ID_STORE 0x6e796574
#define NY_DB_ID_CACHE 0x4e594341

/* What kind of file a module keeps: a static description. */
typedef struct {
    const char *noun;              /* "store", "cache": how messages name the file */
    guint32 application_id;        /* NY_DB_ID_STORE or NY_DB_ID_CACHE */
    const char *const *migrations; /* SQL; migrations[i] takes user_version i to i + 1 */
    guint n_migrations;            /* the schema version this binary writes */
    gboolean full_sync;     /* synchronous=FULL (a commit survives a power cut), else NORMAL */
    const char *elsewhere;  /* how to use another file: "choose another file with ..." */
    const char *if_damaged; /* what to do with a damaged file: "restore it from a backup" */
} NyDbKind;

typedef struct NyDb NyDb;

/**
 * ny_db_open:
 * @path: the file; its folder is created with mode 0700, a new file with 0600
 * @kind: (not nullable): what the file must be; kept, not copied
 *
 * Opens the file or creates it, refusing (NY_DB_ERROR_FOREIGN, _NEWER or
 * _CORRUPT, the file left as it was) anything that is not ours. A new file
 * gets the kind's application_id in the same transaction as its first
 * migration, before it is switched to WAL. Each pending migration runs in
 * its own BEGIN IMMEDIATE transaction that reads user_version again, so two
 * processes opening the same new file never both run one; an up-to-date
 * file is opened without taking the write lock. Then WAL (retried up to
 * the busy timeout: SQLite refuses the switch at once while another
 * connection reads), synchronous, foreign_keys=ON and a 5000 ms busy timeout.
 *
 * Returns: (transfer full): the open file, or NULL with NY_DB_ERROR.
 */
NyDb *ny_db_open(const char *path, const NyDbKind *kind, GError **error);

/* Rolls back an open transaction and closes. Accepts NULL. */
void ny_db_free(NyDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyDb, ny_db_free)

/* The SQLite connection, owned by @db. */
sqlite3 *ny_db_handle(NyDb *db);

/* BEGIN IMMEDIATE: takes the write lock now, waiting up to the busy timeout
 * (then NY_DB_ERROR_BUSY). A deferred transaction that later writes fails
 * at once, without waiting, when another process wrote in between. */
gboolean ny_db_begin(NyDb *db, GError **error);
/* COMMIT; on failure the transaction is rolled back. */
gboolean ny_db_commit(NyDb *db, GError **error);
/* Rolls back an open transaction; harmless when none is open. */
void ny_db_rollback(NyDb *db);
gboolean ny_db_in_transaction(NyDb *db);

/**
 * ny_db_set_error:
 * @rc: an SQLite result code (extended or primary)
 * @what: what was being done, for the message
 *
 * Sets @error from @rc: BUSY and LOCKED become NY_DB_ERROR_BUSY ("the store
 * 'PATH' is locked by another notyet"), CORRUPT and NOTADB become
 * NY_DB_ERROR_CORRUPT with the kind's advice, anything else
 * NY_DB_ERROR_FAILED with SQLite's message.
 */
void ny_db_set_error(NyDb *db, int rc, const char *what, GError **error);

G_END_DECLS
