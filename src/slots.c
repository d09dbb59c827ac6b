/* slots.c: picking open slots (DESIGN.md section 5). Pure. */
#include "notyet/slots.h"

void
ny_availability_init_default(NyAvailability *a)
{
    g_return_if_fail(a != NULL);
    a->days = NY_DAY_BIT(1) | NY_DAY_BIT(2) | NY_DAY_BIT(3) | NY_DAY_BIT(4) | NY_DAY_BIT(5);
    a->start_minute = 9 * 60;
    a->end_minute = 17 * 60;
    a->slot_minutes = 20;
    a->grid_minutes = 30;
    a->buffer_minutes = 10;
    a->min_notice_hours = 24;
    a->horizon_days = 14;
    a->count = 2;
    a->spread_days = 2;
}
