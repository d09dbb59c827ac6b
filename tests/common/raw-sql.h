/* raw-sql.h: SQL on a notyet file through SQLite alone, beside notyet's
 * own connection, for the unit tests of the cache, the store and the db
 * module (tests/unit/test-cache.c, test-store.c, test-db.c). */
#pragma once

#include <glib.h>
#include <sqlite3.h>

/* Runs @sql (one statement or several) on @path with a plain SQLite
 * connection; returns the first column of the last row as an integer, or
 * -1 when there is none. */
G_GNUC_UNUSED static gint64
raw_sql(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *stmt = NULL;
    const char *tail = sql;
    gint64 result = -1;

    g_assert_cmpint(sqlite3_open(path, &db), ==, SQLITE_OK);
    while (tail != NULL && *tail != '\0') {
        int rc;

        g_assert_cmpint(sqlite3_prepare_v2(db, tail, -1, &stmt, &tail), ==, SQLITE_OK);
        if (stmt == NULL)
            break;
        while ((rc = sqlite3_step(stmt)) == SQLITE_ROW)
            result = sqlite3_column_int64(stmt, 0);
        g_assert_cmpint(rc, ==, SQLITE_DONE);
        sqlite3_finalize(stmt);
    }
    g_assert_cmpint(sqlite3_close(db), ==, SQLITE_OK);
    return result;
}
