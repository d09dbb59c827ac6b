/* libFuzzer driver: the command-line time parser (--now, --from, --to, --slot). */
#include <stddef.h>
#include <stdint.h>

#include "notyet/ntime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GTimeZone *zone = NULL;
    g_autofree char *text = g_strndup((const char *)data, size);
    g_autoptr(GError) error = NULL;
    NyTime t = 0;

    if (zone == NULL)
        zone = g_time_zone_new_identifier("America/New_York");
    if (ny_time_parse(text, zone, &t, &error)) {
        /* What parses must format and parse back to the same instant. */
        g_autofree char *back = ny_time_format_utc(t);
        NyTime again = 0;
        if (t > -62135596800 && t < 253402300800) {
            if (!ny_time_parse(back, zone, &again, NULL) || again != t)
                __builtin_trap();
        }
    }
    return 0;
}
