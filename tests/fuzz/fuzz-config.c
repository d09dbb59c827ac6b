/* libFuzzer driver: the configuration loader on arbitrary file contents.
 *
 * The first byte picks the file's mode (group/other bits or not), so the
 * password= refusal is exercised too. Checks: no crash, no hang; an error
 * is NY_CONFIG_ERROR, one line, naming the file; a loaded configuration
 * holds only values the loader promises (doc/notyet-config.5).
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notyet/config.h"

#define NAME "/fuzz/config.ini"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check_config(const NyConfig *c)
{
    const NyAvailability *a = &c->availability;

    if (c->emails == NULL || c->calendars == NULL || c->path == NULL)
        __builtin_trap();
    if (a->start_minute < 0 || a->end_minute > 24 * 60 || a->end_minute <= a->start_minute)
        __builtin_trap();
    if (a->slot_minutes < 1 || a->slot_minutes > a->end_minute - a->start_minute)
        __builtin_trap();
    if (a->grid_minutes < 1 || a->count < 1 || a->count > 10 || a->horizon_days < 1 ||
        a->buffer_minutes < 0 || a->min_notice_hours < 0 || a->spread_days < 0 || a->days == 0)
        __builtin_trap();
    for (char **e = c->emails; *e != NULL; e++) {
        if (strchr(*e, '@') == NULL)
            __builtin_trap();
    }
    for (guint i = 0; i < c->calendars->len; i++) {
        const NyCalendarConfig *cal = g_ptr_array_index(c->calendars, i);
        if (cal->name == NULL || *cal->name == '\0' || cal->url == NULL)
            __builtin_trap();
        if (cal->password != NULL && cal->password_command != NULL)
            __builtin_trap();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyConfig) c = NULL;
    guint mode;

    if (size < 1)
        return 0;
    mode = (data[0] & 1) ? 0644 : 0600;
    c = ny_config_load_from_data(NAME, (const char *)data + 1, size - 1, mode, &error);
    if (c == NULL) {
        if (error == NULL || error->domain != NY_CONFIG_ERROR || error->message == NULL)
            __builtin_trap();
        /* One error line, naming the file. */
        if (!g_str_has_prefix(error->message, NAME ":") || strchr(error->message, '\n') != NULL)
            __builtin_trap();
        if (!g_utf8_validate(error->message, -1, NULL))
            __builtin_trap();
        return 0;
    }
    if (error != NULL)
        __builtin_trap();
    check_config(c);
    return 0;
}
