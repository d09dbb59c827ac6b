/* libFuzzer driver: ny_invite_is_ours() and ny_invite_read_marks() read
 * whatever a server returns for an event before notyet changes or deletes
 * it. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notyet/invite.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autofree char *text = g_strndup((const char *)data, size);
    gboolean ours = ny_invite_is_ours(text, "store-1", "hold-1@notyet");

    g_auto(NyInviteMarks) marks = {0};
    gboolean marked = ny_invite_read_marks(text, &marks);

    /* Ours for one store is never ours for another. */
    if (ours && ny_invite_is_ours(text, "store-2", "hold-1@notyet"))
        __builtin_trap();
    /* The marks read say the same. */
    if (ours != (marked && strcmp(marks.uid, "hold-1@notyet") == 0 &&
                 strcmp(marks.store_id, "store-1") == 0))
        __builtin_trap();
    return 0;
}
