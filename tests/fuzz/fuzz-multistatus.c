/* libFuzzer driver: the multistatus parser (untrusted 207 bodies). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notyet/multistatus.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyMultistatus) ms = ny_multistatus_parse((const char *)data, size, &error);

    /* Exactly one of a result and an error, and what came back is usable. */
    if ((ms == NULL) == (error == NULL))
        __builtin_trap();
    if (ms != NULL) {
        for (guint i = 0; i < ms->responses->len; i++) {
            const NyDavResponse *r = g_ptr_array_index(ms->responses, i);
            if (r->href == NULL || strlen(r->href) > size)
                __builtin_trap();
            if (r->calendar_data != NULL && strlen(r->calendar_data) > size)
                __builtin_trap();
        }
    }
    return 0;
}
