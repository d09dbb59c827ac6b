/* config.c: placeholder until the loader lands: defaults only. */
#include "notyet/config.h"

G_DEFINE_QUARK(ny_config_error, ny_config_error)

NyConfig *
ny_config_new_default(void)
{
    NyConfig *c = g_new0(NyConfig, 1);

    ny_availability_init_default(&c->availability);
    c->emails = g_new0(char *, 1);
    c->calendars = g_ptr_array_new();
    return c;
}

NyConfig *
ny_config_load(const char *path, gboolean must_exist, GError **error)
{
    if (!g_file_test(path, G_FILE_TEST_EXISTS) && !must_exist)
        return ny_config_new_default();
    g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO, "%s: not read yet", path);
    return NULL;
}

char *
ny_config_default_path(void)
{
    const char *env = g_getenv("NOTYET_CONFIG");

    if (env != NULL && *env != '\0')
        return g_strdup(env);
    return g_build_filename(g_get_user_config_dir(), "notyet", "config.ini", NULL);
}

void
ny_config_free(NyConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->path);
    g_strfreev(config->emails);
    g_ptr_array_unref(config->calendars);
    g_free(config);
}
