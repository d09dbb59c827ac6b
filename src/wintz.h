/* wintz.h: Windows time zone names to Olson names (src/wintz.c), for the
 * TZID resolution of the busy module (src/busy-tzid.c). Pure data. */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * ny_busy_windows_zone_to_olson:
 * @name: a Windows zone name such as "Eastern Standard Time" (any case)
 *
 * The CLDR windowsZones mapping for territory "001".
 *
 * Returns: (transfer none) (nullable): the Olson name, or NULL.
 */
const char *ny_busy_windows_zone_to_olson(const char *name);

G_END_DECLS
