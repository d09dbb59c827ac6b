/* Unit tests for the follow-up store: schema, foreign files, round trips,
 * transactions and several processes at once. */
#include "notyet/store.h"
#include "notyet/db.h"
#include "tests/common/raw-sql.h"

#include <glib/gstdio.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

typedef struct {
    char *dir;
    char *path; /* dir/sub/notyet.db: the sub folder does not exist yet */
} Fixture;

static void
fixture_set_up(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;

    (void)data;
    fx->dir = g_dir_make_tmp("notyet-store-XXXXXX", &error);
    g_assert_no_error(error);
    fx->path = g_build_filename(fx->dir, "sub", "notyet.db", NULL);
}

static void
remove_tree(const char *path)
{
    g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
    const char *name;

    if (dir == NULL) {
        g_remove(path);
        return;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        g_autofree char *child = g_build_filename(path, name, NULL);
        remove_tree(child);
    }
    g_rmdir(path);
}

static void
fixture_tear_down(Fixture *fx, gconstpointer data)
{
    (void)data;
    remove_tree(fx->dir);
    g_free(fx->dir);
    g_free(fx->path);
}

static NyStore *
open_ok(const char *path)
{
    g_autoptr(GError) error = NULL;
    NyStore *store = ny_store_open(path, &error);

    g_assert_no_error(error);
    g_assert_nonnull(store);
    return store;
}

static GBytes *
read_bytes(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *data = NULL;
    gsize len = 0;

    g_file_get_contents(path, &data, &len, &error);
    g_assert_no_error(error);
    return g_bytes_new_take(data, len);
}

static NyFollowup *
make_followup(const char *name, NyTime slot1, NyTime slot2)
{
    NyFollowup *f = ny_followup_new();

    f->name = g_strdup(name);
    f->email = g_strdup("richard@example.com");
    f->met = g_strdup("at SxSW");
    f->their_tz = g_strdup("America/Chicago");
    f->their_start_minute = 7 * 60 + 30;
    f->their_end_minute = 19 * 60;
    ny_intervals_add(f->slots, slot1, slot1 + 1200);
    ny_intervals_add(f->slots, slot2, slot2 + 1200);
    return f;
}

static gint64
add_followup(NyStore *store, NyFollowup *f, NyTime now)
{
    g_autoptr(GError) error = NULL;

    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_add_followup(store, f, now, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    return f->id;
}

/* The refused file must be byte-identical afterwards; @extra says what the
 * message must hold. */
static void
check_refused(const char *path, int code, const char *extra)
{
    g_autoptr(GBytes) before = read_bytes(path);
    g_autoptr(GBytes) after = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(NyStore) store = ny_store_open(path, &error);

    g_assert_null(store);
    g_assert_error(error, NY_DB_ERROR, code);
    g_assert_nonnull(strstr(error->message, path));
    g_assert_nonnull(strstr(error->message, extra));
    after = read_bytes(path);
    g_assert_true(g_bytes_equal(before, after));
}

/* The schema version this binary writes, through the store alone: a new
 * store's user_version, which is the newest it opens (one more is refused
 * as newer). Made beside the fixture's store. */
static gint64
newest_schema(Fixture *fx)
{
    g_autofree char *dir = g_build_filename(fx->dir, "fresh", NULL);
    g_autofree char *path = g_build_filename(dir, "notyet.db", NULL);
    g_autofree char *sql = NULL;
    gint64 version;

    ny_store_free(open_ok(path));
    version = raw_sql(path, "PRAGMA user_version");
    g_assert_cmpint(version, >, 0);
    sql = g_strdup_printf("PRAGMA user_version = %" G_GINT64_FORMAT, version + 1);
    raw_sql(path, sql);
    check_refused(path, NY_DB_ERROR_NEWER, "was written by a newer notyet");
    remove_tree(dir);
    return version;
}

static void
test_create(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = NULL;
    g_autofree char *sub = g_path_get_dirname(fx->path);
    GStatBuf st;

    (void)data;
    store = open_ok(fx->path);
    g_assert_cmpint(g_stat(sub, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0700);
    g_assert_cmpint(g_stat(fx->path, &st), ==, 0);
    g_assert_cmpint(st.st_mode & 0777, ==, 0600);
    g_clear_pointer(&store, ny_store_free);

    g_assert_cmpint(raw_sql(fx->path, "PRAGMA application_id"), ==, 0x6e796574);
    g_assert_cmpint(raw_sql(fx->path, "PRAGMA user_version"), ==, newest_schema(fx));
    g_assert_cmpint(raw_sql(fx->path,
                            "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN "
                            "('contacts', 'decisions', 'followups', 'followup_slots')"),
                    ==, 4);
    /* WAL is a property of the file: it stays after close. */
    g_assert_cmpint(raw_sql(fx->path, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), ==,
                    1);
}

/* An empty file of mode 0600 (what a notyet killed before its first commit
 * leaves, or mktemp makes) is a new store: migrated from version 0. */
static void
test_migrate_empty_file(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autofree char *sub = g_path_get_dirname(fx->path);

    (void)data;
    g_assert_cmpint(g_mkdir(sub, 0700), ==, 0);
    g_file_set_contents(fx->path, "", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpint(g_chmod(fx->path, 0600), ==, 0);
    store = open_ok(fx->path);
    g_clear_pointer(&store, ny_store_free);
    g_assert_cmpint(raw_sql(fx->path, "PRAGMA user_version"), ==, newest_schema(fx));
    /* Opening again migrates nothing and keeps the version. */
    store = open_ok(fx->path);
    g_clear_pointer(&store, ny_store_free);
    g_assert_cmpint(raw_sql(fx->path, "PRAGMA user_version"), ==, newest_schema(fx));
}

static void
test_reopen_keeps_data(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) f = make_followup("Richard Roe", 1000000, 2000000);
    g_autoptr(NyFollowup) back = NULL;
    g_autoptr(GError) error = NULL;
    gint64 id;

    (void)data;
    id = add_followup(store, f, 500);
    g_clear_pointer(&store, ny_store_free);

    store = open_ok(fx->path);
    back = ny_store_get_followup(store, id, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(back->name, ==, "Richard Roe");
    g_assert_cmpuint(back->slots->len, ==, 2);
}

static void
test_foreign_text(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *path = g_build_filename(fx->dir, "notes.txt", NULL);
    g_autofree char *small = g_build_filename(fx->dir, "small", NULL);

    (void)data;
    g_file_set_contents(path, "my precious notes\nline two\n", -1, &error);
    g_assert_no_error(error);
    check_refused(path, NY_DB_ERROR_FOREIGN, "is a text file, not a notyet store");
    /* Shorter than an SQLite header. */
    g_file_set_contents(small, "SQLite", -1, &error);
    g_assert_no_error(error);
    check_refused(small, NY_DB_ERROR_FOREIGN, "is a text file");
}

static void
test_foreign_sqlite(Fixture *fx, gconstpointer data)
{
    g_autofree char *tables = g_build_filename(fx->dir, "other.db", NULL);
    g_autofree char *app = g_build_filename(fx->dir, "app.db", NULL);

    (void)data;
    raw_sql(tables, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me')");
    check_refused(tables, NY_DB_ERROR_FOREIGN, "is an SQLite database of another program");
    g_assert_cmpint(raw_sql(tables, "SELECT count(*) FROM notes"), ==, 1);

    /* Another program's application_id, even without tables. */
    raw_sql(app, "PRAGMA application_id = 1234");
    check_refused(app, NY_DB_ERROR_FOREIGN, "another program (application_id 0x000004d2)");
}

/* A foreign database in WAL mode with a log not yet checkpointed: closing
 * our connection must not checkpoint the log into the file. */
static void
test_foreign_wal_untouched(Fixture *fx, gconstpointer data)
{
    g_autofree char *path = g_build_filename(fx->dir, "wal.db", NULL);
    g_autofree char *wal = g_strconcat(path, "-wal", NULL);
    sqlite3 *db = NULL;

    (void)data;
    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    g_assert_cmpint(sqlite3_exec(db,
                                 "PRAGMA journal_mode = WAL; CREATE TABLE t (x);"
                                 "PRAGMA wal_checkpoint(TRUNCATE); INSERT INTO t VALUES (1)",
                                 NULL, NULL, NULL),
                    ==, SQLITE_OK);
    sqlite3_db_config(db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
    g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
    g_assert_true(g_file_test(wal, G_FILE_TEST_EXISTS));

    check_refused(path, NY_DB_ERROR_FOREIGN, "is an SQLite database of another program");
}

static void
test_newer_schema(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);

    (void)data;
    g_clear_pointer(&store, ny_store_free);
    raw_sql(fx->path, "PRAGMA user_version = 999");
    check_refused(fx->path, NY_DB_ERROR_NEWER, "was written by a newer notyet");
    g_assert_cmpint(raw_sql(fx->path, "PRAGMA user_version"), ==, 999);
}

static void
test_not_a_file(Fixture *fx, gconstpointer data)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyStore) store = ny_store_open(fx->dir, &error);

    (void)data;
    g_assert_null(store);
    g_assert_error(error, NY_DB_ERROR, NY_DB_ERROR_FOREIGN);
}

static void
check_same_followup(const NyFollowup *a, const NyFollowup *b)
{
    g_assert_cmpint(a->id, ==, b->id);
    g_assert_cmpstr(a->name, ==, b->name);
    g_assert_cmpstr(a->email, ==, b->email);
    g_assert_cmpstr(a->met, ==, b->met);
    g_assert_cmpstr(a->their_tz, ==, b->their_tz);
    g_assert_cmpint(a->their_start_minute, ==, b->their_start_minute);
    g_assert_cmpint(a->their_end_minute, ==, b->their_end_minute);
    g_assert_cmpint(a->state, ==, b->state);
    g_assert_cmpint(a->has_booked, ==, b->has_booked);
    if (a->has_booked) {
        g_assert_cmpint(a->booked.start, ==, b->booked.start);
        g_assert_cmpint(a->booked.end, ==, b->booked.end);
    }
    g_assert_cmpstr(a->uid, ==, b->uid);
    g_assert_cmpint(a->sequence, ==, b->sequence);
    g_assert_cmpint(a->created, ==, b->created);
    g_assert_cmpint(a->updated, ==, b->updated);
    g_assert_cmpuint(a->slots->len, ==, b->slots->len);
    for (guint i = 0; i < a->slots->len; i++) {
        g_assert_cmpint(g_array_index(a->slots, NyInterval, i).start, ==,
                        g_array_index(b->slots, NyInterval, i).start);
        g_assert_cmpint(g_array_index(a->slots, NyInterval, i).end, ==,
                        g_array_index(b->slots, NyInterval, i).end);
    }
}

static void
test_followup_round_trip(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) a = make_followup("Richard Roe", 1796238000, 1796418000);
    g_autoptr(NyFollowup) b = make_followup("Ann Lee", 1796241600, 1796421600);
    g_autoptr(NyFollowup) got = NULL;
    g_autoptr(NyFollowup) missing = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;

    (void)data;
    g_clear_pointer(&b->email, g_free);
    g_clear_pointer(&b->met, g_free);
    g_clear_pointer(&b->their_tz, g_free);
    b->their_start_minute = 0;
    b->their_end_minute = 0;
    g_assert_cmpint(add_followup(store, a, 1000), >, 0);
    g_assert_cmpint(add_followup(store, b, 1001), >, a->id);
    g_assert_cmpint(a->created, ==, 1000);
    g_assert_cmpint(a->updated, ==, 1000);

    got = ny_store_get_followup(store, a->id, &error);
    g_assert_no_error(error);
    check_same_followup(a, got);
    g_clear_pointer(&got, ny_followup_free);
    got = ny_store_get_followup(store, b->id, &error);
    g_assert_no_error(error);
    g_assert_null(got->email);
    check_same_followup(b, got);
    g_clear_pointer(&got, ny_followup_free);

    /* Book the first one. */
    a->state = NY_FOLLOWUP_BOOKED;
    a->has_booked = TRUE;
    a->booked = g_array_index(a->slots, NyInterval, 1);
    a->uid = g_strdup("notyet-1@example.com");
    a->sequence = 1;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_update_followup(store, a, 2000, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    g_assert_cmpint(a->updated, ==, 2000);
    got = ny_store_get_followup(store, a->id, &error);
    g_assert_no_error(error);
    check_same_followup(a, got);
    g_clear_pointer(&got, ny_followup_free);

    /* Close the second; the default list leaves it out, --all shows it. */
    b->state = NY_FOLLOWUP_CANCELLED;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_update_followup(store, b, 2001, &error));
    g_assert_true(ny_store_commit(store, &error));
    list = ny_store_list_followups(store, FALSE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 1);
    check_same_followup(a, g_ptr_array_index(list, 0));
    g_clear_pointer(&list, g_ptr_array_unref);
    list = ny_store_list_followups(store, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 2);
    check_same_followup(a, g_ptr_array_index(list, 0));
    check_same_followup(b, g_ptr_array_index(list, 1));

    /* An id that is not there. */
    missing = ny_store_get_followup(store, 999, &error);
    g_assert_null(missing);
    g_assert_error(error, NY_STORE_ERROR, NY_STORE_ERROR_NOT_FOUND);
    g_clear_error(&error);
    b->id = 999;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_false(ny_store_update_followup(store, b, 3000, &error));
    g_assert_error(error, NY_STORE_ERROR, NY_STORE_ERROR_NOT_FOUND);
    ny_store_rollback(store);

    /* One contact per name, with the latest known email. */
    g_clear_pointer(&store, ny_store_free);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM contacts"), ==, 2);
}

static void
test_rollback(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) f = make_followup("Richard Roe", 10000, 20000);
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    const NyAnswer answers[NY_QUESTION_COUNT] = {NY_ANSWER_NO, NY_ANSWER_UNSET, NY_ANSWER_UNSET};

    (void)data;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_add_followup(store, f, 1, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 1, answers, NY_VERDICT_NOT_YET, FALSE,
                                        NULL, &error));
    g_assert_no_error(error);
    ny_store_rollback(store);
    ny_store_rollback(store); /* harmless when none is open */

    list = ny_store_list_followups(store, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 0);
    g_clear_pointer(&store, ny_store_free);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM contacts"), ==, 0);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM decisions"), ==, 0);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM followup_slots"), ==, 0);
}

static void
test_decision(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(GError) error = NULL;
    const NyAnswer answers[NY_QUESTION_COUNT] = {NY_ANSWER_YES, NY_ANSWER_NO, NY_ANSWER_UNSET};
    gint64 id = 0;

    (void)data;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 1796238000, answers,
                                        NY_VERDICT_DECLINE, TRUE, &id, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    g_assert_cmpint(id, >, 0);
    g_clear_pointer(&store, ny_store_free);

    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM decisions d JOIN contacts c ON "
                                      "c.id = d.contact_id WHERE c.name = 'Richard Roe' AND "
                                      "d.at = 1796238000 AND d.know = 1 AND d.trust = 0 AND "
                                      "d.recommend IS NULL AND d.verdict = 'decline' AND "
                                      "d.no_call = 1"),
                    ==, 1);
}

/* A store of schema 1 (before the invitee's day was kept) opens, gains the
 * columns, and keeps its follow-up, which reads back without their hours. */
static void
test_migrate_from_1(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autoptr(GError) error = NULL;

    (void)data;
    store = open_ok(fx->path);
    f = make_followup("Richard Roe", 1796238000, 1796418000);
    add_followup(store, f, 1000);
    g_clear_pointer(&store, ny_store_free);
    /* Back to what version 1 wrote: no their_start/their_end columns, no
     * nudges, no store id or calendar events. */
    raw_sql(fx->path, "ALTER TABLE followups DROP COLUMN their_start;"
                      "ALTER TABLE followups DROP COLUMN their_end;"
                      "DROP TABLE followup_nudges;"
                      "DROP TABLE calendar_events;"
                      "DROP TABLE calendar_left;"
                      "DROP TABLE store_meta;"
                      "PRAGMA user_version = 1");

    store = open_ok(fx->path);
    g_assert_cmpint(raw_sql(fx->path, "PRAGMA user_version"), ==, newest_schema(fx));
    g_clear_pointer(&f, ny_followup_free);
    f = ny_store_get_followup(store, 1, &error);
    g_assert_no_error(error);
    g_assert_cmpstr(f->their_tz, ==, "America/Chicago");
    g_assert_cmpint(f->their_start_minute, ==, 0);
    g_assert_cmpint(f->their_end_minute, ==, 0);
}

/* ny_store_list_decisions: newest first (a tie in time keeps the order of
 * recording, newest first), by contact with ASCII case ignored, answers as
 * recorded, and a limit. */
static void
test_list_decisions(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) all = NULL;
    g_autoptr(GPtrArray) richard = NULL;
    g_autoptr(GPtrArray) newest = NULL;
    g_autoptr(GPtrArray) nobody = NULL;
    const NyAnswer no_know[NY_QUESTION_COUNT] = {NY_ANSWER_NO, NY_ANSWER_UNSET, NY_ANSWER_UNSET};
    const NyAnswer no_trust[NY_QUESTION_COUNT] = {NY_ANSWER_YES, NY_ANSWER_NO, NY_ANSWER_UNSET};
    const NyAnswer yes[NY_QUESTION_COUNT] = {NY_ANSWER_YES, NY_ANSWER_YES, NY_ANSWER_YES};
    const NyDecisionRecord *d;

    (void)data;
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 1000, no_know, NY_VERDICT_NOT_YET,
                                        FALSE, NULL, &error));
    g_assert_true(
        ny_store_add_decision(store, "Ann Lee", 3000, yes, NY_VERDICT_ACCEPT, FALSE, NULL, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 2000, no_trust, NY_VERDICT_DECLINE,
                                        FALSE, NULL, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 2000, no_know, NY_VERDICT_DECLINE,
                                        TRUE, NULL, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);

    all = ny_store_list_decisions(store, NULL, 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(all->len, ==, 4);
    d = g_ptr_array_index(all, 0);
    g_assert_cmpstr(d->name, ==, "Ann Lee");
    g_assert_cmpint(d->at, ==, 3000);
    g_assert_cmpint(d->verdict, ==, NY_VERDICT_ACCEPT);
    d = g_ptr_array_index(all, 1);
    g_assert_cmpint(d->at, ==, 2000);
    g_assert_true(d->no_call);
    g_assert_cmpint(d->answers[NY_QUESTION_KNOW], ==, NY_ANSWER_NO);
    d = g_ptr_array_index(all, 2);
    g_assert_cmpint(d->at, ==, 2000);
    g_assert_false(d->no_call);
    g_assert_cmpint(d->answers[NY_QUESTION_KNOW], ==, NY_ANSWER_YES);
    g_assert_cmpint(d->answers[NY_QUESTION_TRUST], ==, NY_ANSWER_NO);
    g_assert_cmpint(d->answers[NY_QUESTION_RECOMMEND], ==, NY_ANSWER_UNSET);
    d = g_ptr_array_index(all, 3);
    g_assert_cmpint(d->verdict, ==, NY_VERDICT_NOT_YET);

    richard = ny_store_list_decisions(store, "richard roe", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(richard->len, ==, 3);
    for (guint i = 0; i < richard->len; i++)
        g_assert_cmpstr(((NyDecisionRecord *)g_ptr_array_index(richard, i))->name, ==,
                        "Richard Roe");

    newest = ny_store_list_decisions(store, "Richard Roe", 1, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(newest->len, ==, 1);
    g_assert_true(((NyDecisionRecord *)g_ptr_array_index(newest, 0))->no_call);

    nobody = ny_store_list_decisions(store, "Nobody", 0, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(nobody->len, ==, 0);
}

/* A child that holds the write lock until told to let go. */
static pid_t
spawn_lock_holder(const char *path, int *out_ready, int *out_release)
{
    int ready[2];
    int release[2];
    pid_t pid;

    g_assert_cmpint(pipe(ready), ==, 0);
    g_assert_cmpint(pipe(release), ==, 0);
    pid = fork();
    g_assert_cmpint(pid, >=, 0);
    if (pid == 0) {
        NyStore *store = ny_store_open(path, NULL);
        NyFollowup *f = make_followup("Held", 10000, 20000);
        char c = 0;
        int ok = store != NULL && ny_store_begin(store, NULL) &&
                 ny_store_add_followup(store, f, 1, NULL);

        close(ready[0]);
        close(release[1]);
        if (write(ready[1], ok ? "1" : "0", 1) != 1)
            _exit(3);
        if (read(release[0], &c, 1) != 1)
            _exit(4);
        ok = ok && ny_store_commit(store, NULL);
        ny_followup_free(f);
        ny_store_free(store);
        _exit(ok ? 0 : 5);
    }
    close(ready[1]);
    close(release[0]);
    *out_ready = ready[0];
    *out_release = release[1];
    return pid;
}

static void
test_busy(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GError) error = NULL;
    g_autoptr(GPtrArray) list = NULL;
    int ready = -1;
    int release = -1;
    int status = 0;
    char c = 0;
    gint64 t0;
    gint64 waited;
    pid_t pid;

    (void)data;
    /* The schema first, then the lock holder. */
    g_clear_pointer(&store, ny_store_free);
    store = open_ok(fx->path);
    g_clear_pointer(&store, ny_store_free);
    pid = spawn_lock_holder(fx->path, &ready, &release);
    g_assert_cmpint(read(ready, &c, 1), ==, 1);
    g_assert_cmpint(c, ==, '1');
    /* Opened after the fork: a connection must not cross fork() (SQLite),
     * and the child would carry this one as a leak (valgrind). Opening an
     * up-to-date store does not take the write lock: were it to wait for
     * it, the open would end in BUSY and open_ok() fail. */
    store = open_ok(fx->path);

    /* The other process holds the write lock: wait the store's timeout
     * (5 seconds, doc/sync-and-cache.md), then BUSY. */
    t0 = g_get_monotonic_time();
    g_assert_false(ny_store_begin(store, &error));
    waited = (g_get_monotonic_time() - t0) / 1000;
    g_assert_error(error, NY_DB_ERROR, NY_DB_ERROR_BUSY);
    g_assert_nonnull(strstr(error->message, "is locked by another notyet"));
    g_assert_nonnull(strstr(error->message, fx->path));
    /* The busy timeout was honoured (a lower bound on behaviour, not a
     * speed check: a hang is caught by the test's own timeout). */
    g_assert_cmpint(waited, >=, 4500);
    g_clear_error(&error);

    /* Readers are not blocked meanwhile (WAL), and see no uncommitted row. */
    list = ny_store_list_followups(store, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 0);
    g_clear_pointer(&list, g_ptr_array_unref);

    /* Once it commits, a writer that waits gets through and sees its row. */
    g_assert_cmpint(write(release, "x", 1), ==, 1);
    g_assert_true(ny_store_begin(store, &error));
    g_assert_no_error(error);
    ny_store_rollback(store);
    g_assert_cmpint(waitpid(pid, &status, 0), ==, pid);
    g_assert_true(WIFEXITED(status));
    g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    list = ny_store_list_followups(store, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 1);
    close(ready);
    close(release);
}

#define WRITERS 4
#define WRITES_EACH 25

/* Several processes open a new store at once and each adds follow-ups in
 * its own transactions: every open succeeds and no record is lost. */
static void
test_concurrent_writers(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GHashTable) ids = NULL; /* made after the fork: children _exit */
    g_autoptr(GError) error = NULL;
    pid_t pids[WRITERS];

    (void)data;
    for (int w = 0; w < WRITERS; w++) {
        pids[w] = fork();
        g_assert_cmpint(pids[w], >=, 0);
        if (pids[w] == 0) {
            g_autoptr(GError) child_error = NULL;
            NyStore *s = ny_store_open(fx->path, &child_error);
            int ok = s != NULL;

            for (int i = 0; ok && i < WRITES_EACH; i++) {
                char name[32];
                NyFollowup *f = NULL;

                g_snprintf(name, sizeof name, "writer %d", w);
                f = make_followup(name, 1000 * i, 1000 * i + 500);
                ok = ny_store_begin(s, &child_error) &&
                     ny_store_add_followup(s, f, i, &child_error) &&
                     ny_store_commit(s, &child_error);
                ny_followup_free(f);
            }
            if (!ok)
                g_printerr("writer %d: %s\n", w, child_error->message);
            ny_store_free(s);
            _exit(ok ? 0 : 1);
        }
    }
    for (int w = 0; w < WRITERS; w++) {
        int status = 0;
        g_assert_cmpint(waitpid(pids[w], &status, 0), ==, pids[w]);
        g_assert_true(WIFEXITED(status));
        g_assert_cmpint(WEXITSTATUS(status), ==, 0);
    }

    ids = g_hash_table_new(g_int64_hash, g_int64_equal);
    store = open_ok(fx->path);
    list = ny_store_list_followups(store, TRUE, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, WRITERS * WRITES_EACH);
    for (guint i = 0; i < list->len; i++) {
        NyFollowup *f = g_ptr_array_index(list, i);
        g_assert_cmpuint(f->slots->len, ==, 2);
        g_assert_false(g_hash_table_contains(ids, &f->id));
        g_hash_table_add(ids, &f->id);
    }
    g_clear_pointer(&store, ny_store_free);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM contacts"), ==, WRITERS);
    g_assert_cmpint(raw_sql(fx->path, "SELECT count(*) FROM pragma_integrity_check "
                                      "WHERE integrity_check = 'ok'"),
                    ==, 1);
}

static void
test_states(void)
{
    static const char *const names[] = {"offered", "booked", "done", "cancelled"};

    for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
        NyFollowupState s = NY_FOLLOWUP_OFFERED;
        g_assert_true(ny_followup_state_from_string(names[i], &s));
        g_assert_cmpint(s, ==, (NyFollowupState)i);
        g_assert_cmpstr(ny_followup_state_to_string(s), ==, names[i]);
    }
    {
        NyFollowupState s = NY_FOLLOWUP_DONE;
        g_assert_false(ny_followup_state_from_string("expired", &s));
        g_assert_cmpint(s, ==, NY_FOLLOWUP_DONE);
    }
}

/* A nudge replaces the offered slots, counts, and keeps the id; the
 * newest decision's verdict is found by name. */
static void
test_nudge_and_last_decision(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) a = make_followup("Richard Roe", 1796238000, 1796418000);
    g_autoptr(NyFollowup) got = NULL;
    g_autoptr(GArray) slots = ny_intervals_new();
    g_autoptr(GError) error = NULL;
    const NyAnswer no[NY_QUESTION_COUNT] = {NY_ANSWER_YES, NY_ANSWER_NO, NY_ANSWER_UNSET};
    const NyAnswer yes[NY_QUESTION_COUNT] = {NY_ANSWER_NO, NY_ANSWER_UNSET, NY_ANSWER_UNSET};
    g_autoptr(GPtrArray) last = NULL;

    (void)data;
    g_assert_cmpint(add_followup(store, a, 1000), >, 0);
    g_assert_cmpint(a->nudges, ==, 0);
    ny_intervals_add(slots, 1797000000, 1797001200);
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_nudge_followup(store, a, slots, 5000, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    got = ny_store_get_followup(store, a->id, &error);
    g_assert_no_error(error);
    g_assert_cmpint(got->nudges, ==, 1);
    g_assert_cmpint(got->nudged_at, ==, 5000);
    g_assert_cmpint(got->created, ==, 1000);
    g_assert_cmpuint(got->slots->len, ==, 1);
    g_assert_cmpint(g_array_index(got->slots, NyInterval, 0).start, ==, 1797000000);
    g_assert_cmpint(got->state, ==, NY_FOLLOWUP_OFFERED);

    last = ny_store_list_decisions(store, "Richard Roe", 1, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(last->len, ==, 0);
    g_clear_pointer(&last, g_ptr_array_unref);
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 100, no, NY_VERDICT_DECLINE, FALSE,
                                        NULL, &error));
    g_assert_true(ny_store_add_decision(store, "Richard Roe", 50, yes, NY_VERDICT_NOT_YET, FALSE,
                                        NULL, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    /* The newest by time, not by insertion; ASCII case ignored. */
    last = ny_store_list_decisions(store, "richard roe", 1, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(last->len, ==, 1);
    g_assert_cmpint(((NyDecisionRecord *)g_ptr_array_index(last, 0))->verdict, ==,
                    NY_VERDICT_DECLINE);
}

/* The events notyet wrote: recorded, replaced by URL, listed per
 * follow-up, forgotten; and the store's own id, stable and private to it. */
/* An event left to the user leaves the records for the left set, and a new
 * write of this store at its URL takes it out again. */
static void
test_left_events(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) a = make_followup("Richard Roe", 1796238000, 1796418000);
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GHashTable) left = NULL;
    g_autoptr(GError) error = NULL;
    NyStoreEvent hold = {.url = "http://h/c/1.ics",
                         .calendar_url = "http://h/c/",
                         .uid = "u1@notyet",
                         .kind = NY_STORE_EVENT_HOLD,
                         .span = {1796238000, 1796239200},
                         .created = 10};

    (void)data;
    hold.followup_id = add_followup(store, a, 1000);
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_put_event(store, &hold, &error));
    g_assert_true(ny_store_leave_event(store, hold.url, hold.uid, 20, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);
    list = ny_store_list_events(store, 0, &error);
    g_assert_cmpuint(list->len, ==, 0);
    left = ny_store_left_events(store, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(left), ==, 1);
    g_assert_true(g_hash_table_contains(left, "http://h/c/1.ics"));
    g_clear_pointer(&left, g_hash_table_unref);

    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_put_event(store, &hold, &error));
    g_assert_true(ny_store_commit(store, &error));
    left = ny_store_left_events(store, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(g_hash_table_size(left), ==, 0);
}

static void
test_calendar_events(Fixture *fx, gconstpointer data)
{
    g_autoptr(NyStore) store = open_ok(fx->path);
    g_autoptr(NyFollowup) a = make_followup("Richard Roe", 1796238000, 1796418000);
    g_autoptr(NyFollowup) b = make_followup("Jane Roe", 1796241600, 1796421600);
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *id = NULL;
    g_autofree char *again = NULL;
    g_autofree char *other_path = g_build_filename(fx->dir, "other.db", NULL);
    g_autoptr(NyStore) other = open_ok(other_path);
    g_autofree char *other_id = NULL;
    const NyStoreEvent *e;
    NyStoreEvent hold = {.url = "http://h/c/1.ics",
                         .calendar_url = "http://h/c/",
                         .etag = "\"1\"",
                         .uid = "u1@notyet",
                         .kind = NY_STORE_EVENT_HOLD,
                         .span = {1796238000, 1796239200},
                         .created = 10};
    NyStoreEvent second = hold;

    (void)data;
    id = ny_store_id(store, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(strlen(id), ==, 32);
    again = ny_store_id(store, &error);
    g_assert_cmpstr(again, ==, id);
    other_id = ny_store_id(other, &error);
    g_assert_cmpstr(other_id, !=, id);

    g_assert_cmpint(add_followup(store, a, 1000), >, 0);
    g_assert_cmpint(add_followup(store, b, 1000), >, 0);
    hold.followup_id = a->id;
    second.followup_id = b->id;
    second.url = "http://h/c/2.ics";
    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_put_event(store, &hold, &error));
    g_assert_true(ny_store_put_event(store, &second, &error));
    /* The hold becomes the booked call in the same resource. */
    hold.kind = NY_STORE_EVENT_BOOKED;
    hold.etag = NULL;
    g_assert_true(ny_store_put_event(store, &hold, &error));
    g_assert_true(ny_store_commit(store, &error));
    g_assert_no_error(error);

    list = ny_store_list_events(store, a->id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 1);
    e = g_ptr_array_index(list, 0);
    g_assert_cmpstr(e->url, ==, "http://h/c/1.ics");
    g_assert_cmpint(e->kind, ==, NY_STORE_EVENT_BOOKED);
    g_assert_null(e->etag);
    g_assert_cmpstr(e->uid, ==, "u1@notyet");
    g_assert_cmpint(e->span.end, ==, 1796239200);
    g_assert_cmpint(e->created, ==, 10);
    g_clear_pointer(&list, g_ptr_array_unref);
    list = ny_store_list_events(store, 0, &error);
    g_assert_cmpuint(list->len, ==, 2);
    g_clear_pointer(&list, g_ptr_array_unref);

    g_assert_true(ny_store_begin(store, &error));
    g_assert_true(ny_store_forget_event(store, "http://h/c/1.ics", &error));
    g_assert_true(ny_store_commit(store, &error));
    list = ny_store_list_events(store, a->id, &error);
    g_assert_no_error(error);
    g_assert_cmpuint(list->len, ==, 0);
}

#define ADD(name, func) g_test_add(name, Fixture, NULL, fixture_set_up, func, fixture_tear_down)

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    ADD("/store/create", test_create);
    ADD("/store/migrate-empty-file", test_migrate_empty_file);
    ADD("/store/reopen-keeps-data", test_reopen_keeps_data);
    ADD("/store/foreign-text", test_foreign_text);
    ADD("/store/foreign-sqlite", test_foreign_sqlite);
    ADD("/store/foreign-wal-untouched", test_foreign_wal_untouched);
    ADD("/store/newer-schema", test_newer_schema);
    ADD("/store/not-a-file", test_not_a_file);
    ADD("/store/followup-round-trip", test_followup_round_trip);
    ADD("/store/rollback", test_rollback);
    ADD("/store/decision", test_decision);
    ADD("/store/list-decisions", test_list_decisions);
    ADD("/store/migrate-from-1", test_migrate_from_1);
    ADD("/store/busy", test_busy);
    ADD("/store/concurrent-writers", test_concurrent_writers);
    ADD("/store/calendar-events", test_calendar_events);
    ADD("/store/left-events", test_left_events);
    ADD("/store/nudge-and-last-decision", test_nudge_and_last_decision);
    g_test_add_func("/store/states", test_states);
    return g_test_run();
}
