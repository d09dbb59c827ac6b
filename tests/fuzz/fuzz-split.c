/* libFuzzer driver: reading through the cache gives what reading the text
 * gives.
 *
 * The first byte picks the window (a day to a year, around 2026), the
 * second the user's zone; the rest is the calendar. The text is read whole,
 * read while split into objects (ny_busy_scan_set_split), and, when the
 * split is whole, read back as the cache gives it: the zones and the
 * objects whose span meets the window (tests/common/busy-split-check.h,
 * the pure core alone). Checks: the same busy periods and the same
 * warnings, in the same order, every time.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/common/busy-split-check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const names[] = {"America/New_York", "UTC", "Asia/Tokyo",
                                        "Pacific/Kiritimati", "Pacific/Pago_Pago"};
    static GTimeZone *zones[G_N_ELEMENTS(names)];
    static const char *const emails[] = {"jane@example.com", NULL};
    /* Lengths in days, and starts from 2026-01-01T00:00:00Z in days. */
    static const gint64 lengths[] = {1, 7, 31, 366};
    static const gint64 starts[] = {-400, -3, 0, 59, 60, 61, 180, 364};
    const gint64 base = 1767225600;
    g_autofree char *whole = NULL;
    g_autofree char *split = NULL;
    NyBusyQuery q;
    guint w, z;
    gint64 from;

    if (size < 2)
        return 0;
    w = data[0];
    z = data[1] % G_N_ELEMENTS(names);
    if (zones[z] == NULL)
        zones[z] = g_time_zone_new_identifier(names[z]);
    from = base + starts[w % G_N_ELEMENTS(starts)] * 86400 + (w / 32) * 3600 * 5;
    ny_busy_query_init(&q, from, from + lengths[(w / 8) % G_N_ELEMENTS(lengths)] * 86400, zones[z],
                       names[z], emails);
    /* Small caps keep each run short. */
    q.limits.max_instances = 2000;
    q.limits.max_line = 64 * 1024;
    q.limits.max_object = 256 * 1024;

    if (!busy_split_check(&q, (const char *)data + 2, size - 2, &whole, &split)) {
        fprintf(stderr, "whole:\n%s\nsplit and cached:\n%s\n", whole, split);
        __builtin_trap();
    }
    return 0;
}
