/* slots.h: picking open slots (DESIGN.md section 5).
 *
 * Pure module: now, the zone and the busy list are parameters.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

/* Weekday bits, Monday = bit 0 (GDateTime's day of week 1..7 minus one). */
#define NY_DAY_BIT(dow) (1u << ((dow)-1))

/* The [availability] group of the configuration, with its defaults. */
typedef struct {
    guint days;           /* NY_DAY_BIT mask; default Mon..Fri */
    int start_minute;     /* minutes after local midnight; default 9:00 = 540 */
    int end_minute;       /* default 17:00 = 1020; end > start */
    int slot_minutes;     /* default 20 */
    int grid_minutes;     /* default 30 */
    int buffer_minutes;   /* default 10 */
    int min_notice_hours; /* default 24 */
    int horizon_days;     /* default 14 */
    int count;            /* default 2 */
    int spread_days;      /* default 2 */
} NyAvailability;

/**
 * ny_availability_init_default:
 *
 * Fills @a with the defaults of DESIGN.md section 3.
 */
void ny_availability_init_default(NyAvailability *a);

G_END_DECLS
