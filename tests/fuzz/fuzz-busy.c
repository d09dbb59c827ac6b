/* libFuzzer driver: the free/busy engine on arbitrary iCalendar text.
 *
 * The first byte picks where the text is split into two chunks, so the
 * streaming line assembly is exercised as well; the split text is read twice
 * through one VTIMEZONE pool (NyBusyQuery.zones). Checks: no crash, no hang
 * (libFuzzer's -timeout), the same answer whole, split and from the pool,
 * every period inside the window after normalizing; and the same busy
 * periods and warnings when libical reads every line of every event
 * (ny_busy_scan_read_all(), the general path) as when the scan leaves out
 * the lines no result depends on.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "notyet/busy.h"
#include "src/busy-private.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static GArray *
run_warned(const NyBusyQuery *q, const char *text, size_t len, size_t split, gboolean read_all,
           GPtrArray *warnings)
{
    g_autoptr(NyBusyScan) scan = ny_busy_scan_new(q);
    GArray *busy = ny_intervals_new();

    if (read_all)
        ny_busy_scan_read_all(scan);
    ny_busy_scan_feed(scan, text, split);
    ny_busy_scan_feed(scan, text + split, len - split);
    if (!ny_busy_scan_finish(scan, busy, warnings, NULL))
        g_array_set_size(busy, 0);
    ny_intervals_normalize(busy, q->from, q->to);
    return busy;
}

static GArray *
run(const NyBusyQuery *q, const char *text, size_t len, size_t split)
{
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);

    return run_warned(q, text, len, split, FALSE, warnings);
}

static gboolean
same_warnings(const GPtrArray *a, const GPtrArray *b)
{
    if (a->len != b->len)
        return FALSE;
    for (guint i = 0; i < a->len; i++) {
        if (strcmp(g_ptr_array_index(a, i), g_ptr_array_index(b, i)) != 0)
            return FALSE;
    }
    return TRUE;
}

static gboolean
same(const GArray *a, const GArray *b)
{
    return a->len == b->len &&
           (a->len == 0 || memcmp(a->data, b->data, a->len * sizeof(NyInterval)) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static GTimeZone *zone = NULL;
    static const char *const emails[] = {"jane@example.com", NULL};
    NyBusyQuery q;
    g_autoptr(GArray) whole = NULL;
    g_autoptr(GArray) split = NULL;
    const char *text;
    size_t len, cut;

    if (size < 1)
        return 0;
    if (zone == NULL)
        zone = g_time_zone_new_identifier("America/New_York");
    text = (const char *)data + 1;
    len = size - 1;
    cut = len ? (size_t)data[0] * len / 256 : 0;

    /* 2026 in New York; small caps keep each run short. */
    ny_busy_query_init(&q, 1767243600, 1798779600, zone, "America/New_York", emails);
    q.limits.max_instances = 2000;
    q.limits.max_line = 64 * 1024;
    q.limits.max_object = 256 * 1024;

    {
        /* Every line read by libical: the same periods and warnings. */
        g_autoptr(GPtrArray) w_all = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GPtrArray) w_some = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GArray) all = run_warned(&q, text, len, cut, TRUE, w_all);

        whole = run_warned(&q, text, len, 0, FALSE, w_some);
        if (!same(whole, all) || !same_warnings(w_all, w_some))
            __builtin_trap();
    }
    {
        /* Split, twice through one VTIMEZONE pool: the second time the
         * zones come from the pool. The same answer each time. */
        g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
        NyBusyQuery pooled = q;

        pooled.zones = zones;
        split = run(&pooled, text, len, cut);
        if (!same(whole, split))
            __builtin_trap();
        g_array_unref(split);
        split = run(&pooled, text, len, cut);
    }
    if (!same(whole, split))
        __builtin_trap();
    for (guint i = 0; i < whole->len; i++) {
        NyInterval *iv = &g_array_index(whole, NyInterval, i);
        if (iv->start < q.from || iv->end > q.to || iv->end <= iv->start)
            __builtin_trap();
    }
    return 0;
}
