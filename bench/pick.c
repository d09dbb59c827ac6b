/* pick.c: slot picking against 1,000 busy periods over a 14-day horizon.
 *
 * Built and run by bench/reply.sh. Times ny_slots_pick() (the real code,
 * from build/src/libnotyet-core.a) and, as the reference in the same run, a
 * straightforward picker that tests every grid time against every busy
 * period (what one would write first). Two busy lists, seeded: "scattered"
 * (1,000 periods of 15-90 minutes at random times in the horizon) and "full"
 * (every working hour busy up to the second Friday, so the picker walks most of
 * the horizon). Prints microseconds per pick and the ratio.
 */
#include <stdio.h>
#include <stdlib.h>

#include "notyet/ntime.h"
#include "notyet/slots.h"

#define BUSY 1000

static void
fill_scattered(GArray *busy, NyTime now, GRand *rand)
{
    for (int i = 0; i < BUSY; i++) {
        NyTime start = now + g_rand_int_range(rand, 0, 14 * 86400 / 300) * 300;
        ny_intervals_add(busy, start, start + g_rand_int_range(rand, 3, 19) * 300);
    }
}

static void
fill_full(GArray *busy, NyTime now, GTimeZone *zone)
{
    /* 8:00 to 18:00 of the first 11 days (to the second Thursday) busy, in
     * 1,000 periods: the first open time is on the second Friday. */
    int per_day = (BUSY + 10) / 11;

    for (int n = 0, d = 0; d < 11; d++) {
        NyTime start = ny_time_local_midnight(now, zone, d) + 8 * 3600;
        NyTime step = 10 * 3600 / per_day + 1;
        for (int k = 0; k < per_day && n < BUSY; k++, n++)
            ny_intervals_add(busy, start + k * step, start + (k + 1) * step);
    }
}

/* The reference: every grid time of every day against every busy period. */
static int
naive_pick(const NyAvailability *a, GTimeZone *zone, NyTime now, const GArray *busy, NyTime *out)
{
    NyTime earliest = now + (NyTime)a->min_notice_hours * 3600;
    int found = 0;
    NyTime last_day = 0;

    for (int d = 0; d < a->horizon_days && found < a->count; d++) {
        NyTime midnight = ny_time_local_midnight(now, zone, d);
        g_autoptr(GDateTime) dt = g_date_time_new_from_unix_utc(midnight);
        g_autoptr(GDateTime) local = g_date_time_to_timezone(dt, zone);

        if (!(a->days & NY_DAY_BIT(g_date_time_get_day_of_week(local))))
            continue;
        if (found > 0 && midnight - last_day < (NyTime)a->spread_days * 86400)
            continue;
        for (int m = a->start_minute; m + a->slot_minutes <= a->end_minute; m += a->grid_minutes) {
            NyTime s = midnight + m * 60, e = s + a->slot_minutes * 60;
            NyTime bs = s - a->buffer_minutes * 60, be = e + a->buffer_minutes * 60;
            gboolean open = s >= earliest;

            for (guint i = 0; open && i < busy->len; i++) {
                const NyInterval *b = &g_array_index(busy, NyInterval, i);
                if (b->start < be && bs < b->end)
                    open = FALSE;
            }
            if (open) {
                out[found++] = s;
                last_day = midnight;
                break;
            }
        }
    }
    return found;
}

static double
per_call_us(gint64 t0, int rounds)
{
    return (double)(g_get_monotonic_time() - t0) / rounds;
}

int
main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 2000;
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    NyAvailability a;
    NyTime now = 1772460000; /* 2026-03-02 14:00 UTC, a Monday; DST starts on the 8th */
    const char *names[] = {"scattered", "full"};

    ny_availability_init_default(&a);
    a.min_notice_hours = 0;
    printf("%-10s %6s %10s %12s %8s\n", "busy", "rounds", "pick us", "naive us", "ratio");
    for (int which = 0; which < 2; which++) {
        g_autoptr(GArray) busy = ny_intervals_new();
        g_autoptr(GRand) rand = g_rand_new_with_seed(1);
        NyTime naive[8];
        double pick_us, naive_us;
        gint64 t0;
        int n = 0;

        if (which == 0)
            fill_scattered(busy, now, rand);
        else
            fill_full(busy, now, zone);

        t0 = g_get_monotonic_time();
        for (int r = 0; r < rounds; r++) {
            g_autoptr(GArray) slots = NULL;
            g_autoptr(GError) error = NULL;
            if (!ny_slots_pick(&a, zone, now, busy, NULL, &slots, &error)) {
                fprintf(stderr, "pick: %s\n", error->message);
                return 1;
            }
            n = slots->len;
        }
        pick_us = per_call_us(t0, rounds);

        t0 = g_get_monotonic_time();
        for (int r = 0; r < rounds; r++)
            naive_pick(&a, zone, now, busy, naive);
        naive_us = per_call_us(t0, rounds);

        printf("%-10s %6d %10.1f %12.1f %8.2f   (%d slots from %u busy periods)\n", names[which],
               rounds, pick_us, naive_us, pick_us / naive_us, n, busy->len);
    }
    return 0;
}
