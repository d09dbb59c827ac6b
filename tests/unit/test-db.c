/* Unit tests for the db module through its two users, the store and the
 * cache: a file that is not ours is refused with a message that says what
 * it seems to be, and is left byte for byte, with no file made beside it. */
#include "notyet/cache.h"
#include "notyet/db.h"
#include "notyet/store.h"
#include "tests/common/raw-sql.h"

#include <fcntl.h>
#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef enum { KIND_STORE, KIND_CACHE } Kind;

static const char *const kind_names[] = {"store", "cache"};

typedef struct {
    char *dir;
    char *path; /* dir/file.db */
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    (void)data;
    fx->dir = g_dir_make_tmp("notyet-db-XXXXXX", &error);
    g_assert_no_error(error);
    fx->path = g_build_filename(fx->dir, "file.db", NULL);
}

static void
remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (dir != NULL) {
        while ((name = g_dir_read_name(dir)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_rmdir(path);
        return;
    }
    g_remove(path);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
    (void)data;
    remove_tree(fx->dir);
    g_free(fx->dir);
    g_free(fx->path);
}

/* Opens @path as @kind; returns TRUE when it opened (and closes it). */
static gboolean
open_as(Kind kind, const char *path, GError **error)
{
    if (kind == KIND_STORE) {
        g_autoptr(NyStore) store = ny_store_open(path, error);
        return store != NULL;
    }
    {
        g_autoptr(NyCache) cache = ny_cache_open(path, error);
        return cache != NULL;
    }
}

static void
make_notyet_file(Kind kind, const char *path)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(open_as(kind, path, &error));
    g_assert_no_error(error);
}

static void
write_file(const char *path, const char *data, gssize len, int mode)
{
    g_autoptr(GError) error = NULL;

    g_file_set_contents(path, data, len, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(path, mode), ==, 0);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

/* Every name in the folder with its bytes: "name=<len>:<checksum>", sorted. */
static char *
snapshot(const char *dir_path)
{
    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    const char *name;

    g_assert_nonnull(dir);
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *path = g_build_filename(dir_path, name, NULL);
        g_autofree char *data = NULL;
        g_autofree char *sum = NULL;
        gsize len = 0;

        if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
            g_ptr_array_add(lines, g_strdup_printf("%s/", name));
            continue;
        }
        g_assert_true(g_file_get_contents(path, &data, &len, NULL));
        sum = g_compute_checksum_for_data(G_CHECKSUM_SHA256, (const guchar *)data, len);
        g_ptr_array_add(lines, g_strdup_printf("%s=%" G_GSIZE_FORMAT ":%s", name, len, sum));
    }
    g_ptr_array_sort(lines, compare_strings);
    g_ptr_array_add(lines, NULL);
    return g_strjoinv("\n", (char **)lines->pdata);
}

/* Opening @path as @kind fails with @code and a message holding the path,
 * @needle and how to use another file; the folder is as it was, byte for
 * byte and name for name. */
static void
check_refused(Kind kind, const char *path, int code, const char *needle)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_autofree char *before = snapshot(dir);
    g_autofree char *after = NULL;
    g_autoptr(GError) error = NULL;

    g_assert_false(open_as(kind, path, &error));
    g_assert_error(error, NY_DB_ERROR, code);
    if (strstr(error->message, needle) == NULL || strstr(error->message, path) == NULL)
        g_error("%s: '%s' not in: %s", kind_names[kind], needle, error->message);
    g_assert_nonnull(strstr(error->message, "it was left as it is"));
    g_assert_null(strchr(error->message, '\n'));
    if (code == NY_DB_ERROR_FOREIGN || code == NY_DB_ERROR_NEWER)
        g_assert_nonnull(strstr(
            error->message, kind == KIND_STORE ? "choose another file with --db FILE or NOTYET_DB"
                                               : "choose another file with NOTYET_CACHE"));
    after = snapshot(dir);
    g_assert_cmpstr(after, ==, before);
}

static void
test_foreign_sqlite(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);

    raw_sql(fx->path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN,
                  "is an SQLite database of another program (no application_id), not a notyet");
}

/* Another program's application_id and user_version, in WAL mode, closed
 * cleanly: no -wal or -shm may appear beside it. */
static void
test_foreign_application_id(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *other = g_build_filename(fx->dir, "other.db", NULL);
    g_autofree char *wal = g_strconcat(fx->path, "-wal", NULL);

    raw_sql(fx->path, "PRAGMA journal_mode = WAL; PRAGMA application_id = 1196444487;"
                      "PRAGMA user_version = 7; CREATE TABLE tiles (x)");
    g_assert_false(g_file_test(wal, G_FILE_TEST_EXISTS));
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN,
                  "is an SQLite database of another program (application_id 0x47504b47, "
                  "\"GPKG\"), not a notyet");

    /* A user_version alone, no tables. */
    raw_sql(other, "PRAGMA user_version = 5");
    check_refused(kind, other, NY_DB_ERROR_FOREIGN,
                  "another program (no application_id, user_version 5)");
}

static void
test_text_and_binary(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *bin = g_build_filename(fx->dir, "photo.png", NULL);
    g_autofree char *shortdb = g_build_filename(fx->dir, "short.db", NULL);
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    write_file(fx->path, "my precious notes\nline two, caf\xc3\xa9\n", -1, 0644);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, "is a text file, not a notyet");
    /* Text, even at mode 0600. */
    write_file(fx->path, "SQLite", -1, 0600);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, "is a text file");

    write_file(bin, png, sizeof png - 1, 0600);
    check_refused(kind, bin, NY_DB_ERROR_FOREIGN,
                  "is a file of another kind (not an SQLite database)");

    write_file(shortdb, "SQLite format 3\0\x10\0\x01\x01", 20, 0600);
    check_refused(kind, shortdb, NY_DB_ERROR_FOREIGN,
                  "is a damaged SQLite file (20 bytes, shorter than its header)");
}

/* An empty file is taken over only when it has the shape notyet gives the
 * files it creates (mode 0600, the user's): any other was made by someone
 * else. */
static void
test_empty_file(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autoptr(GError) error = NULL;
    GStatBuf st;

    write_file(fx->path, "", 0, 0644);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN,
                  "is an empty file that notyet did not create (mode 0644), not a notyet");
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, "remove it to let notyet create its");
    write_file(fx->path, "", 0, 0640);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, "(mode 0640)");

    write_file(fx->path, "", 0, 0600);
    g_assert_true(open_as(kind, fx->path, &error));
    g_assert_no_error(error);
    g_assert_cmpint(g_stat(fx->path, &st), ==, 0);
    g_assert_cmpint(st.st_size, >, 0);
    g_assert_true(open_as(kind, fx->path, &error));
    g_assert_no_error(error);
}

/* A store where a cache is expected, and the other way round. */
static void
test_other_kind(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    Kind other = kind == KIND_STORE ? KIND_CACHE : KIND_STORE;
    g_autofree char *needle =
        g_strdup_printf("is a notyet %s, not a notyet %s", kind_names[other], kind_names[kind]);

    make_notyet_file(other, fx->path);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, needle);
}

static void
test_newer(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *needle = g_strdup_printf(
        "the %s '%s' was written by a newer notyet (schema 99", kind_names[kind], fx->path);

    make_notyet_file(kind, fx->path);
    raw_sql(fx->path, "PRAGMA user_version = 99");
    check_refused(kind, fx->path, NY_DB_ERROR_NEWER, needle);
    check_refused(kind, fx->path, NY_DB_ERROR_NEWER, "upgrade notyet");
}

/* A notyet file cut short (a copy that stopped half-way): refused before
 * anything is written, with the kind's advice. */
static void
test_truncated(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *needle =
        g_strdup_printf("%s '%s' is damaged (cut short: 4096 bytes", kind_names[kind], fx->path);
    GStatBuf st;

    make_notyet_file(kind, fx->path);
    g_assert_cmpint(g_stat(fx->path, &st), ==, 0);
    g_assert_cmpint(st.st_size, >=, 3 * 4096);
    g_assert_cmpint(truncate(fx->path, 4096), ==, 0);
    check_refused(kind, fx->path, NY_DB_ERROR_CORRUPT, needle);
    check_refused(kind, fx->path, NY_DB_ERROR_CORRUPT,
                  kind == KIND_STORE ? "restore it from a backup"
                                     : "delete it, the next sync rebuilds it");
}

static void
test_folder(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);

    g_assert_cmpint(g_mkdir(fx->path, 0700), ==, 0);
    check_refused(kind, fx->path, NY_DB_ERROR_FOREIGN, "is a folder, not a notyet");
}

/* A foreign database in WAL mode whose log was never checkpointed: its
 * header says nothing, so SQLite reads the log; closing must not
 * checkpoint it into the file. */
static void
test_foreign_with_log(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *wal = g_strconcat(fx->path, "-wal", NULL);
    g_autofree char *shm = g_strconcat(fx->path, "-shm", NULL);
    g_autofree char *before_db = NULL;
    g_autofree char *before_wal = NULL;
    g_autofree char *after_db = NULL;
    g_autofree char *after_wal = NULL;
    g_autoptr(GError) error = NULL;
    sqlite3 *db = NULL;

    g_assert_cmpint(sqlite3_open(fx->path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db,
                                 "PRAGMA journal_mode = WAL; CREATE TABLE t (x);"
                                 "PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (1);"
                                 "PRAGMA application_id = 1234",
                                 NULL, NULL, NULL),
                    ==, SQLITE_OK);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
    g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_test(shm, G_FILE_TEST_EXISTS));
    g_assert_true(g_file_get_contents(fx->path, &before_db, NULL, NULL));
    g_assert_true(g_file_get_contents(wal, &before_wal, NULL, NULL));

    g_assert_false(open_as(kind, fx->path, &error));
    g_assert_error(error, NY_DB_ERROR, NY_DB_ERROR_FOREIGN);
    /* The application_id is only in the log: SQLite found it there. */
    g_assert_nonnull(strstr(error->message, "(application_id 0x000004d2)"));
    g_assert_true(g_file_get_contents(fx->path, &after_db, NULL, NULL));
    g_assert_true(g_file_get_contents(wal, &after_wal, NULL, NULL));
    g_assert_cmpstr(after_db, ==, before_db);
    g_assert_cmpmem(after_wal, 32, before_wal, 32);
}

/* The files notyet makes: private, WAL, our application_id. */
static void
test_new_file(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autofree char *path = g_build_filename(fx->dir, "a", "b", "new.db", NULL);
    g_autofree char *folder = g_path_get_dirname(path);
    guchar header[100];
    FILE *f;
    GStatBuf st;

    make_notyet_file(kind, path);
    g_assert_cmpint(g_stat(folder, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
    g_assert_cmpint(g_stat(path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    f = fopen(path, "rb");
    g_assert_nonnull(f);
    g_assert_cmpuint(fread(header, 1, sizeof header, f), ==, sizeof header);
    fclose(f);
    /* WAL (bytes 18 and 19), and the application_id in the file itself. */
    g_assert_cmpint(header[18], ==, 2);
    g_assert_cmpint(header[19], ==, 2);
    g_assert_cmpuint((guint32)header[68] << 24 | (guint32)header[69] << 16 |
                         (guint32)header[70] << 8 | header[71],
                     ==, kind == KIND_STORE ? NY_DB_ID_STORE : NY_DB_ID_CACHE);
}

/* Whether, seen from another process, this process holds a lock on
 * @path's SQLite SHARED range (os_unix.c: 510 bytes after the PENDING byte
 * at 0x40000000 and the RESERVED byte). Every open connection holds it in
 * WAL mode: it tells a process that closes its own last connection not to
 * checkpoint and delete the write-ahead log under the others. */
static gboolean
lock_seen_from_outside(const char *path)
{
    pid_t pid = fork();
    int status = 0;

    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        int fd = open(path, O_RDWR);
        struct flock fl = {0};

        fl.l_type = F_WRLCK;
        fl.l_whence = SEEK_SET;
        fl.l_start = 0x40000000 + 2;
        fl.l_len = 510;
        if (fd < 0 || fcntl(fd, F_GETLK, &fl) != 0)
            _exit(2);
        _exit(fl.l_type == F_UNLCK ? 1 : 0);
    }
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), !=, 2);
    return WEXITSTATUS(status) == 0;
}

/* A second connection of the same process (the lookup's sync thread opens
 * the cache again) must not drop the first one's locks: POSIX locks belong
 * to the process, and one close() of the file releases them all. */
static void
test_second_connection_keeps_locks(Fixture *fx, gconstpointer data)
{
    Kind kind = GPOINTER_TO_INT(data);
    g_autoptr(GError) error = NULL;

    make_notyet_file(kind, fx->path);
    if (kind == KIND_STORE) {
        g_autoptr(NyStore) a = ny_store_open(fx->path, &error);
        g_autoptr(NyStore) b = NULL;

        g_assert_no_error(error);
        g_assert_nonnull(a);
        g_assert_true(lock_seen_from_outside(fx->path));
        b = ny_store_open(fx->path, &error);
        g_assert_no_error(error);
        g_clear_pointer(&b, ny_store_free);
        g_assert_true(lock_seen_from_outside(fx->path));
    } else {
        g_autoptr(NyCache) a = ny_cache_open(fx->path, &error);
        g_autoptr(NyCache) b = NULL;

        g_assert_no_error(error);
        g_assert_nonnull(a);
        g_assert_true(lock_seen_from_outside(fx->path));
        b = ny_cache_open(fx->path, &error);
        g_assert_no_error(error);
        g_clear_pointer(&b, ny_cache_free);
        g_assert_true(lock_seen_from_outside(fx->path));
    }
}

#define ADD(name, func)                                                                            \
    do {                                                                                           \
        g_test_add("/db/store/" name, Fixture, GINT_TO_POINTER(KIND_STORE), fixture_set_up, func,  \
                   fixture_tear_down);                                                             \
        g_test_add("/db/cache/" name, Fixture, GINT_TO_POINTER(KIND_CACHE), fixture_set_up, func,  \
                   fixture_tear_down);                                                             \
    } while (0)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("new-file", test_new_file);
    ADD("foreign-sqlite", test_foreign_sqlite);
    ADD("foreign-application-id", test_foreign_application_id);
    ADD("foreign-with-log", test_foreign_with_log);
    ADD("text-and-binary", test_text_and_binary);
    ADD("empty-file", test_empty_file);
    ADD("other-kind", test_other_kind);
    ADD("newer", test_newer);
    ADD("truncated", test_truncated);
    ADD("folder", test_folder);
    ADD("second-connection-keeps-locks", test_second_connection_keeps_locks);
    return g_test_run();
}
