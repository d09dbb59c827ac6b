/* busy-warn.c: the bottom of the busy module: a scan's warnings, each said
 * once, and the UID labels they quote. Every other file of the module may
 * call these; these call none of them.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include "busy-private.h"

void
ny_busy_scan_warn(NyBusyScan *s, const char *format, ...)
{
    va_list ap;
    char *msg;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (g_hash_table_contains(s->warned, msg)) {
        g_free(msg);
        return;
    }
    g_hash_table_add(s->warned, msg);
    g_ptr_array_add(s->warnings, g_strdup(msg));
}

/* A UID made safe to quote in one warning line. */
char *
ny_busy_uid_label(const char *uid)
{
    GString *out;

    if (uid == NULL || *uid == '\0')
        return g_strdup("(no UID)");
    out = g_string_new(NULL);
    for (const char *p = uid; *p && out->len < 120; p++) {
        unsigned char c = (unsigned char)*p;
        g_string_append_c(out, (c < 0x20 || c == 0x7f || c == '\'') ? '?' : (char)c);
    }
    return g_string_free(out, FALSE);
}
