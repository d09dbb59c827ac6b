/* libFuzzer driver: the letter template (user-supplied --template files). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notyet/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GHashTable *values = NULL;
    g_autoptr(GError) error = NULL;
    g_autofree char *out = NULL;
    gboolean checked;

    if (values == NULL) {
        values = g_hash_table_new(g_str_hash, g_str_equal);
        g_hash_table_insert(values, (char *)"name", (char *)"Richard {{met}} Roe");
        g_hash_table_insert(values, (char *)"first_name", (char *)"Richard");
        g_hash_table_insert(values, (char *)"met", (char *)"at {{#x}}");
        g_hash_table_insert(values, (char *)"slot1", (char *)"this Wednesday at 2p ET");
        g_hash_table_insert(values, (char *)"my_email", (char *)"");
    }
    checked = ny_template_check_kind(NY_TEMPLATE_LETTER, "fuzz", (const char *)data, size, NULL);
    out = ny_template_render("fuzz", (const char *)data, size, values, &error);
    /* check and render agree; an error always says why. */
    if ((out != NULL) != checked)
        __builtin_trap();
    if (out == NULL && (error == NULL || error->message == NULL))
        __builtin_trap();
    /* A decline note is the letter without time fields: it accepts no
     * template that the letter refuses. */
    if (!checked &&
        ny_template_check_kind(NY_TEMPLATE_DECLINE, "fuzz", (const char *)data, size, NULL))
        __builtin_trap();
    if (out != NULL) {
        g_autofree char *wrapped = ny_template_reflow(out, 20);
        if (wrapped == NULL || !g_utf8_validate(wrapped, -1, NULL))
            __builtin_trap();
    }
    return 0;
}
