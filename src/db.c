/* db.c: opening notyet's SQLite files (see db.h; doc/store.md, "The db
 * module"). The one place that translates SQLite's result codes. */
#include "notyet/db.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

G_DEFINE_QUARK(ny_db_error, ny_db_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(sqlite3_stmt, sqlite3_finalize)

/* The SQLite file header (https://www.sqlite.org/fileformat2.html#the_database_header). */
#define HEADER_SIZE 100
#define HEADER_PAGE_SIZE 16
#define HEADER_CHANGE_COUNTER 24
#define HEADER_PAGE_COUNT 28
#define HEADER_USER_VERSION 60
#define HEADER_APPLICATION_ID 68
#define HEADER_VERSION_VALID_FOR 92
/* Enough of a file to tell text from binary. */
#define SNIFF_SIZE 4096

static const char sqlite_magic[16] = "SQLite format 3";

struct NyDb {
    sqlite3 *handle;
    char *path;
    const NyDbKind *kind;
    dev_t dev; /* the file's identity while it is in open_files */
    ino_t ino;
    gboolean registered;
};

/* The files this process has open through SQLite, by device and inode,
 * with a count. POSIX locks belong to the process: close() of any
 * descriptor of a file drops every lock the process holds on it, so the
 * raw read of examine() must never run on a file another connection of
 * this process (another thread's) has open: SQLite's locks would vanish
 * and other processes could write over a transaction in progress. Such a
 * file was examined when that connection opened it. */
G_LOCK_DEFINE_STATIC(open_files);
static GHashTable *open_files; /* "dev:ino" -> count (GUINT_TO_POINTER) */

static char *
file_key(dev_t dev, ino_t ino)
{
    return g_strdup_printf("%ju:%ju", (uintmax_t)dev, (uintmax_t)ino);
}

/* Whether a connection of this process has @path open. */
static gboolean
open_here(const char *path)
{
    struct stat st;
    g_autofree char *key = NULL;
    gboolean here;

    if (stat(path, &st) != 0)
        return FALSE;
    key = file_key(st.st_dev, st.st_ino);
    G_LOCK(open_files);
    here = open_files != NULL && g_hash_table_contains(open_files, key);
    G_UNLOCK(open_files);
    return here;
}

static void
register_open(NyDb *db)
{
    struct stat st;
    char *key;
    guint count;

    if (stat(db->path, &st) != 0)
        return;
    db->dev = st.st_dev;
    db->ino = st.st_ino;
    db->registered = TRUE;
    key = file_key(st.st_dev, st.st_ino);
    G_LOCK(open_files);
    if (open_files == NULL)
        open_files = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    count = GPOINTER_TO_UINT(g_hash_table_lookup(open_files, key));
    g_hash_table_insert(open_files, key, GUINT_TO_POINTER(count + 1));
    G_UNLOCK(open_files);
}

static void
unregister_open(NyDb *db)
{
    g_autofree char *key = NULL;
    guint count;

    if (!db->registered)
        return;
    key = file_key(db->dev, db->ino);
    G_LOCK(open_files);
    count = GPOINTER_TO_UINT(g_hash_table_lookup(open_files, key));
    if (count <= 1)
        g_hash_table_remove(open_files, key);
    else
        g_hash_table_insert(open_files, g_strdup(key), GUINT_TO_POINTER(count - 1));
    if (open_files != NULL && g_hash_table_size(open_files) == 0)
        g_clear_pointer(&open_files, g_hash_table_unref);
    G_UNLOCK(open_files);
}

void
ny_db_free(NyDb *db)
{
    if (db == NULL)
        return;
    if (db->handle != NULL) {
        ny_db_rollback(db);
        sqlite3_close_v2(db->handle);
    }
    unregister_open(db);
    g_free(db->path);
    g_free(db);
}

sqlite3 *
ny_db_handle(NyDb *db)
{
    g_return_val_if_fail(db != NULL, NULL);
    return db->handle;
}

void
ny_db_set_error(NyDb *db, int rc, const char *what, GError **error)
{
    int primary = rc & 0xff;
    const char *msg = db->handle != NULL ? sqlite3_errmsg(db->handle) : sqlite3_errstr(rc);

    if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) {
        g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_BUSY, "the %s '%s' is locked by another notyet",
                    db->kind->noun, db->path);
        return;
    }
    if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) {
        /* Never repaired or rewritten here: the user decides. */
        g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_CORRUPT,
                    "%s '%s' is damaged (%s: %s); it was left as it is: %s", db->kind->noun,
                    db->path, what, msg, db->kind->if_damaged);
        return;
    }
    g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED, "%s '%s': %s: %s", db->kind->noun, db->path,
                what, msg);
}

/* Runs @sql (no rows); @what names the step in an error. */
static gboolean
ny_db_exec(NyDb *db, const char *sql, const char *what, GError **error)
{
    int rc = sqlite3_exec(db->handle, sql, NULL, NULL, NULL);

    if (rc != SQLITE_OK) {
        ny_db_set_error(db, rc, what, error);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_db_in_transaction(NyDb *db)
{
    g_return_val_if_fail(db != NULL, FALSE);
    return !sqlite3_get_autocommit(db->handle);
}

gboolean
ny_db_begin(NyDb *db, GError **error)
{
    g_return_val_if_fail(db != NULL, FALSE);
    g_return_val_if_fail(!ny_db_in_transaction(db), FALSE);

    /* IMMEDIATE takes the write lock now, waiting up to the busy timeout;
     * a deferred transaction that later writes fails at once when another
     * process wrote in between (measured with SQLite 3.40). */
    return ny_db_exec(db, "BEGIN IMMEDIATE", "begin a transaction", error);
}

gboolean
ny_db_commit(NyDb *db, GError **error)
{
    g_return_val_if_fail(db != NULL, FALSE);
    if (!ny_db_exec(db, "COMMIT", "commit", error)) {
        ny_db_rollback(db);
        return FALSE;
    }
    return TRUE;
}

void
ny_db_rollback(NyDb *db)
{
    g_return_if_fail(db != NULL);
    if (ny_db_in_transaction(db))
        sqlite3_exec(db->handle, "ROLLBACK", NULL, NULL, NULL);
}

/* The single integer a query returns (0 when no row). */
static gboolean
query_int(NyDb *db, const char *sql, gint64 *out, GError **error)
{
    g_autoptr(sqlite3_stmt) stmt = NULL;
    int rc = sqlite3_prepare_v2(db->handle, sql, -1, &stmt, NULL);

    if (rc == SQLITE_OK) {
        rc = sqlite3_step(stmt);
        if (rc == SQLITE_ROW || rc == SQLITE_DONE) {
            *out = rc == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : 0;
            return TRUE;
        }
    }
    ny_db_set_error(db, rc, "read the header", error);
    return FALSE;
}

static guint32
be32(const guchar *p)
{
    return (guint32)p[0] << 24 | (guint32)p[1] << 16 | (guint32)p[2] << 8 | p[3];
}

/* What an SQLite file with this application_id and user_version seems to
 * be, as "is %s" says it. */
static char *
describe_sqlite(guint32 app_id, gint32 user_version)
{
    if (app_id == NY_DB_ID_STORE)
        return g_strdup("a notyet store");
    if (app_id == NY_DB_ID_CACHE)
        return g_strdup("a notyet cache");
    if (app_id != 0) {
        char ascii[5] = {(char)(app_id >> 24), (char)(app_id >> 16), (char)(app_id >> 8),
                         (char)app_id, 0};
        gboolean printable = TRUE;

        for (int i = 0; i < 4; i++)
            printable = printable && g_ascii_isgraph(ascii[i]) && ascii[i] != '"';
        return g_strdup_printf(
            "an SQLite database of another program (application_id 0x%08x%s%s%s)", app_id,
            printable ? ", \"" : "", printable ? ascii : "", printable ? "\"" : "");
    }
    if (user_version != 0)
        return g_strdup_printf(
            "an SQLite database of another program (no application_id, user_version %d)",
            user_version);
    return g_strdup("an SQLite database of another program (no application_id)");
}

/* The refusal of a file that is not ours: "'PATH' is WHAT, not a notyet
 * store; it was left as it is: ADVICE". */
static void
refuse(const NyDbKind *kind, const char *path, const char *what, const char *advice, GError **error)
{
    g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FOREIGN,
                "'%s' is %s, not a notyet %s; it was left as it is: %s", path, what, kind->noun,
                advice != NULL ? advice : kind->elsewhere);
}

static void
refuse_newer(const NyDbKind *kind, const char *path, gint64 version, GError **error)
{
    g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_NEWER,
                "the %s '%s' was written by a newer notyet (schema %" G_GINT64_FORMAT
                ", this one knows up to %u); it was left as it is: upgrade notyet, or %s",
                kind->noun, path, version, kind->n_migrations, kind->elsewhere);
}

static void
refuse_damaged(const NyDbKind *kind, const char *path, const char *why, GError **error)
{
    g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_CORRUPT,
                "%s '%s' is damaged (%s); it was left as it is: %s", kind->noun, path, why,
                kind->if_damaged);
}

static gboolean
exists_beside(const char *path, const char *suffix)
{
    g_autofree char *other = g_strconcat(path, suffix, NULL);
    GStatBuf st;

    return g_lstat(other, &st) == 0;
}

/* What to do after the header: ask SQLite, and whether an empty database
 * there may be made ours. */
typedef enum {
    EXAMINED_OURS,  /* our application_id (SQLite confirms, with the schema version) */
    EXAMINED_EMPTY, /* empty and ours to initialise */
    EXAMINED_STALE, /* no application_id in the header, but a -wal beside it may hold one */
} Examined;

static gboolean
looks_like_text(const guchar *data, gsize len)
{
    const char *end = NULL;

    if (memchr(data, 0, len) != NULL)
        return FALSE;
    if (g_utf8_validate((const char *)data, (gssize)len, &end))
        return TRUE;
    /* A sniffed prefix may cut the last character short. */
    return len == SNIFF_SIZE && (const guchar *)end + 4 > data + len;
}

/* Decides from the file's own bytes, read with read(2), whether the file
 * at @path may be opened by SQLite at all: no SQLite call has run yet, so
 * a refused file gets no -wal, -shm or -journal and no byte written.
 * @out_unopened (nullable): set when the file could not be opened, which
 * is then no error (the caller creates it, or says why it cannot). */
static gboolean
examine(const NyDbKind *kind, const char *path, Examined *out, gboolean *out_unopened,
        GError **error)
{
    guchar head[SNIFF_SIZE];
    gssize n = 0;
    GStatBuf st;
    int fd;

    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0 && out_unopened != NULL) {
        *out_unopened = TRUE;
        return FALSE;
    }
    if (fd < 0 || fstat(fd, &st) != 0) {
        int saved = errno;
        if (fd >= 0)
            close(fd);
        g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED, "cannot read the %s '%s': %s",
                    kind->noun, path, g_strerror(saved));
        return FALSE;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        refuse(kind, path, S_ISDIR(st.st_mode) ? "a folder" : "not a regular file", NULL, error);
        return FALSE;
    }
    while (n < (gssize)sizeof head) {
        gssize got = read(fd, head + n, sizeof head - (gsize)n);
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            int saved = errno;
            close(fd);
            g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED, "cannot read the %s '%s': %s",
                        kind->noun, path, g_strerror(saved));
            return FALSE;
        }
        if (got == 0)
            break;
        n += got;
    }
    close(fd);

    if (n == 0) {
        /* notyet creates its files with O_EXCL and mode 0600, and commits
         * the first page with the application_id: an empty file of mode
         * 0600 is one that a notyet is creating right now, or that one was
         * killed before its first commit. Any other empty file was made by
         * someone else, for a purpose of their own. */
        if ((st.st_mode & 07777) == 0600 && st.st_uid == geteuid()) {
            *out = EXAMINED_EMPTY;
            return TRUE;
        }
        {
            g_autofree char *owner = st.st_uid == geteuid()
                                         ? g_strdup("")
                                         : g_strdup_printf(", owned by uid %u", (guint)st.st_uid);
            g_autofree char *what =
                g_strdup_printf("an empty file that notyet did not create (mode %04o%s)",
                                st.st_mode & 07777, owner);
            g_autofree char *advice = g_strdup_printf(
                "remove it to let notyet create its %s there, or %s", kind->noun, kind->elsewhere);
            refuse(kind, path, what, advice, error);
        }
        return FALSE;
    }
    if ((gsize)n < sizeof sqlite_magic || memcmp(head, sqlite_magic, sizeof sqlite_magic) != 0) {
        refuse(kind, path,
               looks_like_text(head, (gsize)n) ? "a text file"
                                               : "a file of another kind (not an SQLite database)",
               NULL, error);
        return FALSE;
    }
    if (n < HEADER_SIZE) {
        g_autofree char *what = g_strdup_printf(
            "a damaged SQLite file (%" G_GSSIZE_FORMAT " bytes, shorter than its header)", n);
        refuse(kind, path, what, NULL, error);
        return FALSE;
    }

    {
        guint32 app_id = be32(head + HEADER_APPLICATION_ID);
        gint32 version = (gint32)be32(head + HEADER_USER_VERSION);
        gboolean wal = exists_beside(path, "-wal");
        /* A hot journal (a notyet killed in the middle of a commit) puts
         * back pages and the header: SQLite reads it, the header cannot
         * be trusted before. */
        gboolean log = wal || exists_beside(path, "-journal");
        guint page_size = (guint)head[HEADER_PAGE_SIZE] << 8 | head[HEADER_PAGE_SIZE + 1];
        guint32 pages = be32(head + HEADER_PAGE_COUNT);

        if (app_id == 0 && wal && exists_beside(path, "-shm")) {
            /* The header in the file can be older than the log beside it
             * (a notyet killed before its first checkpoint): SQLite reads
             * both, and with both files there it creates none. */
            *out = EXAMINED_STALE;
            return TRUE;
        }
        if (app_id != kind->application_id) {
            g_autofree char *what = describe_sqlite(app_id, version);
            refuse(kind, path, what, NULL, error);
            return FALSE;
        }
        if (page_size == 1)
            page_size = 65536;
        if (page_size < 512 || (page_size & (page_size - 1)) != 0) {
            refuse_damaged(kind, path, "its header is damaged", error);
            return FALSE;
        }
        /* Without a log beside it the file is the whole database: its
         * header is current, and the page count in it (valid when the two
         * counters agree) says how long the file must be. */
        if (!log && version > (gint32)kind->n_migrations) {
            refuse_newer(kind, path, version, error);
            return FALSE;
        }
        /* The size is taken again here, after the header and the logs
         * were read: another notyet may have been writing its first commit
         * while this one read (the header then says more pages than the
         * first fstat saw). A commit that ended before the logs were
         * looked at has written all its pages, and a file only grows. */
        if (!log && pages != 0 &&
            be32(head + HEADER_CHANGE_COUNTER) == be32(head + HEADER_VERSION_VALID_FOR) &&
            (guint64)st.st_size < (guint64)pages * page_size &&
            (g_stat(path, &st) != 0 || (guint64)st.st_size < (guint64)pages * page_size)) {
            g_autofree char *why = g_strdup_printf("cut short: %" G_GUINT64_FORMAT
                                                   " bytes, its header says %" G_GUINT64_FORMAT,
                                                   (guint64)st.st_size, (guint64)pages * page_size);
            refuse_damaged(kind, path, why, error);
            return FALSE;
        }
    }
    *out = EXAMINED_OURS;
    return TRUE;
}

/* Creates the folder (0700) and, when there is no file, an empty one (0600)
 * before SQLite sees the path: SQLite would make it 0644, and gives the
 * -wal and -shm files the database's mode. A file that opens is examined
 * at once, without making the folder or trying to create the file first
 * (three system calls fewer on every open); one that does not takes the
 * path below, whose errors say what failed. */
static gboolean
create_or_examine(const NyDbKind *kind, const char *path, Examined *out, GError **error)
{
    g_autofree char *dir = NULL;
    gboolean unopened = FALSE;
    int fd;

    if (examine(kind, path, out, &unopened, error))
        return TRUE;
    if (!unopened)
        return FALSE;
    dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int saved = errno;
        g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED, "cannot create the folder '%s': %s",
                    dir, g_strerror(saved));
        return FALSE;
    }
    fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd >= 0) {
        close(fd);
        *out = EXAMINED_EMPTY;
        return TRUE;
    }
    if (errno != EEXIST) {
        int saved = errno;
        g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED, "cannot create the %s '%s': %s",
                    kind->noun, path, g_strerror(saved));
        return FALSE;
    }
    return examine(kind, path, out, NULL, error);
}

/* The identity as SQLite sees it (the log included), in one read
 * transaction: another process may be creating the schema right now, and
 * the three answers must come from the same state. */
static gboolean
read_identity(NyDb *db, gint64 *out_app_id, gint64 *out_version, gint64 *out_tables, GError **error)
{
    gboolean own = !ny_db_in_transaction(db); /* else inside migrate()'s */
    gboolean ok;

    if (own && !ny_db_exec(db, "BEGIN", "read the header", error))
        return FALSE;
    ok = query_int(db, "PRAGMA application_id", out_app_id, error) &&
         query_int(db, "PRAGMA user_version", out_version, error) &&
         query_int(db, "SELECT count(*) FROM sqlite_schema", out_tables, error);
    if (own)
        ny_db_rollback(db);
    return ok;
}

/* Ours (TRUE), or refused with the reason. @may_be_new: the file was empty
 * when examined, so an empty database is ours to initialise. */
static gboolean
check_identity(NyDb *db, gboolean may_be_new, gint64 *out_version, GError **error)
{
    const NyDbKind *kind = db->kind;
    gint64 app_id = 0;
    gint64 version = 0;
    gint64 tables = 0;

    if (!read_identity(db, &app_id, &version, &tables, error))
        return FALSE;
    *out_version = version;
    if (app_id == kind->application_id) {
        if (version > kind->n_migrations) {
            refuse_newer(kind, db->path, version, error);
            return FALSE;
        }
        return TRUE;
    }
    if (may_be_new && app_id == 0 && version == 0 && tables == 0)
        return TRUE;
    {
        g_autofree char *what = describe_sqlite((guint32)app_id, (gint32)version);
        refuse(kind, db->path, what, NULL, error);
    }
    return FALSE;
}

/* Every migration the file lacks, in one BEGIN IMMEDIATE transaction
 * that reads the identity again inside it: two processes opening a new
 * file at once must not both run a migration, and a file is never left
 * between two versions. The first migration also writes the
 * application_id, so a file notyet made is never without it once
 * anything is committed. One commit, not one a migration: each commit of
 * a file still without WAL syncs its journal, its folder and itself. */
static gboolean
migrate(NyDb *db, gboolean may_be_new, GError **error)
{
    const NyDbKind *kind = db->kind;
    gint64 version = 0;

    if (!ny_db_begin(db, error))
        return FALSE;
    if (!check_identity(db, may_be_new, &version, error)) {
        ny_db_rollback(db);
        return FALSE;
    }
    for (; version < kind->n_migrations; version++) {
        g_autofree char *sql =
            g_strdup_printf("%s;PRAGMA application_id = %" G_GUINT32_FORMAT
                            ";PRAGMA user_version = %" G_GINT64_FORMAT ";",
                            kind->migrations[version], kind->application_id, version + 1);

        if (!ny_db_exec(db, sql, "migrate the schema", error)) {
            g_prefix_error(error, "schema version %" G_GINT64_FORMAT ": ", version + 1);
            ny_db_rollback(db);
            return FALSE;
        }
    }
    if (!ny_db_commit(db, error)) {
        g_prefix_error(error, "schema version %" G_GINT64_FORMAT ": ", version);
        ny_db_rollback(db);
        return FALSE;
    }
    return TRUE;
}

/* WAL lets readers go on while one command writes. Switching a file to WAL
 * needs it to itself, and SQLite answers BUSY at once, without the busy
 * handler, when another process is opening the same new file: so retry
 * for up to the busy timeout. */
static gboolean
set_wal(NyDb *db, GError **error)
{
    gint64 deadline = g_get_monotonic_time() + NY_DB_BUSY_TIMEOUT_MS * 1000;

    for (;;) {
        g_autoptr(sqlite3_stmt) stmt = NULL;
        const char *mode;
        int rc = sqlite3_prepare_v2(db->handle, "PRAGMA journal_mode = WAL", -1, &stmt, NULL);

        if (rc == SQLITE_OK)
            rc = sqlite3_step(stmt);
        if ((rc & 0xff) == SQLITE_BUSY && g_get_monotonic_time() < deadline) {
            g_usleep(10 * 1000);
            continue;
        }
        if (rc != SQLITE_ROW) {
            ny_db_set_error(db, rc, "set the journal mode", error);
            return FALSE;
        }
        mode = (const char *)sqlite3_column_text(stmt, 0);
        if (mode == NULL || g_ascii_strcasecmp(mode, "wal") != 0) {
            g_set_error(error, NY_DB_ERROR, NY_DB_ERROR_FAILED,
                        "%s '%s': cannot use write-ahead logging on this file system",
                        db->kind->noun, db->path);
            return FALSE;
        }
        return TRUE;
    }
}

/* Once, before SQLite is first used: no statistics of its memory (nothing
 * reads them), which takes a global lock around every allocation it
 * makes: a tenth of the cost of storing a large file's objects. Fails
 * harmlessly (SQLITE_MISUSE) when SQLite was started already. */
static void
configure_sqlite(void)
{
    static gsize done = 0;

    if (g_once_init_enter(&done)) {
        sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
        g_once_init_leave(&done, 1);
    }
}

NyDb *
ny_db_open(const char *path, const NyDbKind *kind, GError **error)
{
    g_autoptr(NyDb) db = NULL;
    Examined examined = EXAMINED_OURS;
    gboolean may_be_new;
    gint64 version = 0;
    int rc;

    g_return_val_if_fail(path != NULL && kind != NULL, NULL);

    /* A file another connection of this process has open was examined
     * then, and must not be read raw now (open_files). */
    if (!open_here(path) && !create_or_examine(kind, path, &examined, error))
        return NULL;
    /* Not when the header had no application_id: an empty database
     * there was made by someone else. (One whose header was ours may read
     * as empty when SQLite rolls back the journal of our first commit.) */
    may_be_new = examined != EXAMINED_STALE;

    configure_sqlite();
    db = g_new0(NyDb, 1);
    db->path = g_strdup(path);
    db->kind = kind;
    /* NOMUTEX: a connection is used by one thread at a time (a sync thread
     * opens its own), so SQLite need not lock it around every call. */
    rc = sqlite3_open_v2(path, &db->handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        ny_db_set_error(db, rc, "open", error);
        return NULL;
    }
    /* From here SQLite may hold locks on the file (open_files). */
    register_open(db);
    /* Until the file is known to be ours, closing must not checkpoint a
     * foreign write-ahead log into it. */
    sqlite3_db_config(db->handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    sqlite3_busy_timeout(db->handle, NY_DB_BUSY_TIMEOUT_MS);
    sqlite3_extended_result_codes(db->handle, 1);

    if (!check_identity(db, may_be_new, &version, error))
        return NULL;
    sqlite3_db_config(db->handle, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 0, NULL);

    /* A new file gets its application_id and schema in its first commit,
     * still with a rollback journal, and only then WAL. An up-to-date file
     * is opened without the write lock, so that a reader never waits for
     * another notyet's write. */
    if (version < kind->n_migrations && !migrate(db, may_be_new, error))
        return NULL;
    if (!set_wal(db, error))
        return NULL;
    if (!ny_db_exec(db,
                    /* recursive_triggers: a row replaced (INSERT OR REPLACE)
                     * runs its DELETE triggers too (the cache's counts).
                     * cache_size: at most 512 KiB of pages (SQLite's default
                     * is 2 MiB); a large first read's pages spill to the WAL
                     * (doc/performance.md, "Memory"). */
                    kind->full_sync ? "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
                                      " PRAGMA recursive_triggers = ON; PRAGMA cache_size = -512"
                                    : "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;"
                                      " PRAGMA recursive_triggers = ON; PRAGMA cache_size = -512",
                    "configure", error))
        return NULL;
    return g_steal_pointer(&db);
}
