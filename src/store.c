/* store.c: placeholder until the store lands. */
#include "notyet/store.h"

G_DEFINE_QUARK(ny_store_error, ny_store_error)

char *
ny_store_default_path(void)
{
    const char *env = g_getenv("NOTYET_DB");

    if (env != NULL && *env != '\0')
        return g_strdup(env);
    return g_build_filename(g_get_user_data_dir(), "notyet", "notyet.db", NULL);
}

NyStore *
ny_store_open(const char *path, GError **error)
{
    g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED, "'%s': not implemented yet", path);
    return NULL;
}

void
ny_store_free(NyStore *store)
{
    (void)store;
}

gboolean
ny_store_begin(NyStore *store, GError **error)
{
    (void)store;
    g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED, "not implemented yet");
    return FALSE;
}

gboolean
ny_store_commit(NyStore *store, GError **error)
{
    (void)store;
    g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED, "not implemented yet");
    return FALSE;
}

void
ny_store_rollback(NyStore *store)
{
    (void)store;
}

gboolean
ny_store_add_decision(NyStore *store, const char *name, NyTime when,
                      const NyAnswer answers[NY_QUESTION_COUNT], NyVerdict verdict,
                      gboolean no_call, gint64 *out_id, GError **error)
{
    (void)store;
    (void)name;
    (void)when;
    (void)answers;
    (void)verdict;
    (void)no_call;
    (void)out_id;
    g_set_error(error, NY_STORE_ERROR, NY_STORE_ERROR_FAILED, "not implemented yet");
    return FALSE;
}
