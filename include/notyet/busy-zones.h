/* busy-zones.h: a pool of VTIMEZONEs read once and shared by the scans of
 * one lookup (src/busy-zones.c).
 */
#pragma once

#include <glib.h>

#include "notyet/busy-query.h"

G_BEGIN_DECLS

/**
 * ny_busy_zones_new:
 *
 * Returns: (transfer full): an empty pool, for NyBusyQuery.zones.
 */
NyBusyZones *ny_busy_zones_new(void);
void ny_busy_zones_free(NyBusyZones *zones);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyBusyZones, ny_busy_zones_free)

G_END_DECLS
