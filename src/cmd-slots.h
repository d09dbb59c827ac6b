/* cmd-slots.h: what slots, reply, followups and book share (private to the
 * executable): the busy lookup, the pick against the store, slot phrases and
 * the JSON of a follow-up. */
#pragma once

#include <json-glib/json-glib.h>

#include "cli.h"
#include "notyet/slots.h"
#include "notyet/store.h"

G_BEGIN_DECLS

/**
 * ny_cmd_busy_window:
 *
 * The window a pick needs busy time for: from now minus the buffer to the
 * horizon plus a day, so every candidate's buffered span is covered.
 */
void ny_cmd_busy_window(NyCli *cli, NyTime *out_from, NyTime *out_to);

/**
 * ny_cmd_busy_lookup:
 * @out_busy: (out) (element-type NyInterval): normalized busy periods
 *
 * Busy time of every configured source, or the --ics ones, over [from, to).
 * Warnings go to stderr; no source at all is a usage error (exit 2).
 */
gboolean ny_cmd_busy_lookup(NyCli *cli, NyTime from, NyTime to, GArray **out_busy, GError **error);

/**
 * ny_cmd_store_if_exists:
 *
 * Opens the store when its file exists; sets *out_store to NULL (and
 * returns TRUE) when there is none yet, so a read-only command creates no
 * file.
 */
gboolean ny_cmd_store_if_exists(NyCli *cli, NyStore **out_store, GError **error);

/* "this Wednesday at 2p ET" in the user's zone, relative to cli->now. */
char *ny_cmd_slot_phrase(NyCli *cli, NyTime t, GTimeZone *their_zone, const char *their_name);

/* Parses "3" or "#3" into a follow-up id; a usage error otherwise. */
gboolean ny_cmd_parse_id(NyCli *cli, const char *text, gint64 *out_id, GError **error);

/* "offered", "booked", "done", "cancelled", or "expired" for an offered one
 * whose every slot has started. */
const char *ny_cmd_followup_state(const NyFollowup *f, NyTime now);

/* Adds the follow-up object of DESIGN.md section 2 to @b. */
void ny_cmd_followup_to_json(JsonBuilder *b, const NyFollowup *f, NyTime now);

/* Prints @text, or with --format json {"followup": {...}} for @f. */
gboolean ny_cmd_print_followup(NyCli *cli, const NyFollowup *f, const char *text, GError **error);

G_END_DECLS
