/* phrase.h: slot times written the way a person writes them (doc/slots-and-letter.md).
 *
 * Pure module: now and the zones are parameters.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"

G_BEGIN_DECLS

/**
 * ny_phrase_day:
 *
 * The local day of @t relative to the local day of @now, in @zone:
 * "today", "tomorrow", "this Wednesday" for 2 to 6 days ahead (the coming
 * Wednesday), and from 7 days on (or before today) the date, "Monday,
 * December 14", with ", 2027" when its year is not the year of @now.
 * Never "next Wednesday", which readers take for two different days.
 *
 * Returns: (transfer full): the phrase.
 */
char *ny_phrase_day(NyTime t, NyTime now, GTimeZone *zone);

/**
 * ny_phrase_city:
 *
 * Returns: (transfer full): the city of a zone name, "America/New_York" ->
 * "New York"; the name itself when it has no '/'.
 */
char *ny_phrase_city(const char *zone_name);

/**
 * ny_phrase_slot:
 * @their_zone: (nullable): the invitee's zone (--their-tz)
 * @their_zone_name: (nullable): its name, for the city
 *
 * Returns: (transfer full): "this Wednesday at 2p ET", with their local time
 * added when @their_zone is given and differs at @t: "(7p in London)", or
 * "(1a Thursday in Tokyo)" when their local day is another one.
 */
char *ny_phrase_slot(NyTime t, NyTime now, GTimeZone *zone, const char *zone_name,
                     GTimeZone *their_zone, const char *their_zone_name);

/**
 * ny_phrase_duration:
 *
 * Returns: (transfer full): "20 minutes", "1 minute", "1 hour", "2 hours",
 * "90 minutes" (hours only when whole).
 */
char *ny_phrase_duration(int minutes);

/**
 * ny_phrase_join:
 * @phrases: (array zero-terminated=1): the slot phrases
 *
 * Returns: (transfer full): "A", "A and then B", "A, B and then C".
 */
char *ny_phrase_join(const char *const *phrases);

G_END_DECLS
