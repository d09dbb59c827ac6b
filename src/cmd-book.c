/* cmd-book.c: `notyet book ID [--slot 1|2|TIME]`, they picked a time: the
 * call is booked (doc/store.md, "Follow-up rules"; doc/calendar-writes.md).
 *
 * Every time, an offered slot too, is checked again against a fresh lookup
 * of the calendars (a meeting may have been added since the letter) and
 * the other follow-ups, by the rule reply uses (slots.c,
 * ny_slots_time_open); a typed time must also be in the future, on the grid
 * and inside the working hours unless --force (followup.c). The lookup runs
 * before the transaction. Booking releases the other offered slots;
 * rebooking at another time bumps SEQUENCE (followup.c).
 */
#include <string.h>

#include "cmd-common.h"

/* The invite's UID when the follow-up has none yet (no hold to take it
 * from): made from the store's random id and the follow-up's, so a `book`
 * killed after writing the call and run again makes the same UID, and
 * knows that call as its own (doc/calendar-writes.md, "Order and
 * failure"). Globally unique as RFC 5545 3.8.4.7 asks: the store id is
 * 128 random bits; hashed, so the UID tells an invitee nothing. */
static char *
derived_uid(const char *store_id, gint64 id)
{
    g_autofree char *seed = g_strdup_printf("notyet-call:%s:%" G_GINT64_FORMAT, store_id, id);
    g_autofree char *sum = g_compute_checksum_for_string(G_CHECKSUM_SHA256, seed, -1);

    return g_strdup_printf("%.8s-%.4s-%.4s-%.4s-%.12s@notyet", sum, sum + 8, sum + 12, sum + 16,
                           sum + 20);
}

/* --slot: a slot number of the follow-up, else a time (ISO 8601). A bare
 * date is not a time: which hour would it be? */
static gboolean
parse_slot(NyCli *cli, const char *text, gboolean *out_is_number, guint64 *out_number,
           NyTime *out_time, GError **error)
{
    if (g_ascii_string_to_unsigned(text, 10, 1, 99, out_number, NULL)) {
        *out_is_number = TRUE;
        return TRUE;
    }
    *out_is_number = FALSE;
    if (strlen(text) == 10 && text[4] == '-' && text[7] == '-') {
        ny_cli_usage_error(cli, error,
                           "--slot: '%s' is a date, not a time: give the time they picked, "
                           "e.g. %sT14:30",
                           text, text);
        return FALSE;
    }
    if (!ny_time_parse(text, cli->zone, out_time, error)) {
        g_prefix_error(error, "--slot: ");
        return FALSE;
    }
    return TRUE;
}

static gboolean
is_url(const char *text)
{
    return g_str_has_prefix(text, "http://") || g_str_has_prefix(text, "https://");
}

/* Whether a busy source is on the network (so --offline would answer from
 * the cache, which may be older than the letter). Files and folders are
 * read as they are now, also with --offline. */
static gboolean
sources_online(NyCli *cli)
{
    if (cli->ics != NULL && cli->ics[0] != NULL) {
        for (char **p = cli->ics; *p != NULL; p++) {
            if (is_url(*p))
                return TRUE;
        }
        return FALSE;
    }
    for (guint i = 0; i < cli->config->calendars->len; i++) {
        const NyCalendarConfig *c = g_ptr_array_index(cli->config->calendars, i);
        if (c->type == NY_SOURCE_CALDAV || (c->type == NY_SOURCE_ICS && is_url(c->url)))
            return TRUE;
    }
    return FALSE;
}

/* The time @f's --slot names: an offered slot by number or by its start,
 * else [at, at + slot_minutes). */
static gboolean
wanted(NyCli *cli, const NyFollowup *f, const char *slot_text, gboolean is_number, guint64 number,
       NyTime at, NyInterval *out, gboolean *out_offered, GError **error)
{
    *out_offered = FALSE;
    if (is_number) {
        if (number > f->slots->len) {
            ny_cli_usage_error(cli, error,
                               "--slot %s: follow-up #%" G_GINT64_FORMAT " offered %u time%s",
                               slot_text, f->id, f->slots->len, f->slots->len == 1 ? "" : "s");
            return FALSE;
        }
        *out = g_array_index(f->slots, NyInterval, number - 1);
        *out_offered = TRUE;
        return TRUE;
    }
    out->start = at;
    out->end = at + (NyTime)cli->config->availability.slot_minutes * 60;
    for (guint i = 0; i < f->slots->len; i++) {
        if (g_array_index(f->slots, NyInterval, i).start == at) {
            *out = g_array_index(f->slots, NyInterval, i);
            *out_offered = TRUE;
        }
    }
    return TRUE;
}

gboolean
ny_cmd_book(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = NY_CMD_ID_USAGE("Book the call at the time they picked");
    g_autofree char *slot_text = NULL;
    gboolean force = FALSE;
    gboolean send = FALSE;
    const GOptionEntry entries[] = {
        {"slot", 0, 0, G_OPTION_ARG_STRING, &slot_text,
         "The time they picked: an offered slot's number, or a time (ISO 8601)", "1|2|TIME"},
        {"force", 0, 0, G_OPTION_ARG_NONE, &force,
         "Book a typed time outside the working days and hours, or off the grid", NULL},
        {"send", 0, 0, G_OPTION_ARG_NONE, &send,
         "Let the calendar server send the invitation (RFC 6638 scheduling)", NULL},
        G_OPTION_ENTRY_NULL,
    };
    const NyAvailability *a = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autofree char *phrase = NULL;
    g_autofree char *text = NULL;
    g_autofree char *what = NULL;
    g_autoptr(GError) local = NULL;
    g_autoptr(NyHolds) holds = NULL;
    g_autoptr(NyStoreEvent) hold = NULL;
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) own_uids = NULL;
    g_autofree char *store_id = NULL;
    g_autofree char *cache_path = NULL;
    NySourcesOptions sources;
    gboolean is_number = FALSE;
    gboolean offered = FALSE;
    guint64 number = 0;
    NyTime at = 0;
    NyInterval want = {0, 0};
    NyInterval looked = {0, 0};
    NyTime buffer = 0;
    gint64 id = 0;
    NyFollowupFacts facts;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (!ny_cmd_parse_id(cli, argv[1], &id, error))
        return FALSE;
    a = &cli->config->availability;
    buffer = (NyTime)a->buffer_minutes * 60;
    if (slot_text == NULL) {
        ny_cli_usage_error(cli, error,
                           "which time did they pick? give --slot 1, --slot 2 or "
                           "--slot TIME");
        return FALSE;
    }
    if (!parse_slot(cli, slot_text, &is_number, &number, &at, error))
        return FALSE;
    if (cli->offline && sources_online(cli)) {
        ny_cli_usage_error(cli, error,
                           "--offline: booking checks the time against your calendars as they "
                           "are now, not the cache; book without --offline");
        return FALSE;
    }
    if (!ny_cmd_check_offline_write(cli, "book", FALSE, error))
        return FALSE;

    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    /* A first read, to know which time to look up. */
    f = ny_store_get_followup(store, id, error);
    if (f == NULL)
        return FALSE;
    if (!ny_cmd_followup_check(cli, f, NY_FOLLOWUP_ACTION_BOOK, error))
        return FALSE;
    if (!wanted(cli, f, slot_text, is_number, number, at, &looked, &offered, error))
        return FALSE;
    what = offered ? g_strdup_printf("slot %s", slot_text) : g_strdup_printf("'%s'", slot_text);
    if (!force && !ny_followup_check_time(a, cli->zone, cli->now, looked.start, &local)) {
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                    "--slot %s: %s; add --force to book it anyway", slot_text, local->message);
        return FALSE;
    }
    /* Their day too, in the zone kept with the follow-up (their hours kept
     * with it, else the configured ones). */
    if (!force && !offered && f->their_tz != NULL) {
        g_autoptr(GTimeZone) theirs = ny_zone_new(f->their_tz, NULL);
        gboolean kept = f->their_end_minute > f->their_start_minute;

        if (theirs != NULL &&
            !ny_followup_check_their_time(kept ? f->their_start_minute : a->their_start_minute,
                                          kept ? f->their_end_minute : a->their_end_minute,
                                          a->slot_minutes, theirs, looked.start, &local)) {
            g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                        "--slot %s: %s; add --force to book it anyway", slot_text, local->message);
            return FALSE;
        }
    }
    /* Fresh busy time, every source asked again: an offered slot may have
     * been taken by a meeting added since the letter. The follow-up's own
     * holds and booked call keep its times for it, not from it. */
    if (!ny_cmd_holds_open(cli, store, &sources, &cache_path, &holds, error))
        return FALSE;
    /* The writer has read the store's id already; without holds= it is
     * read here, for the UID of a typed time. */
    store_id = holds != NULL ? g_strdup(ny_holds_store_id(holds)) : ny_store_id(store, error);
    if (store_id == NULL)
        return FALSE;
    own_uids = ny_holds_uids(store, id);
    {
        /* ...and a call a killed `book` wrote at the derived UID. */
        g_autoptr(GStrvBuilder) b = g_strv_builder_new();
        g_autofree char *derived = derived_uid(store_id, id);

        if (own_uids != NULL)
            g_strv_builder_addv(b, (const char **)own_uids);
        g_strv_builder_add(b, derived);
        g_strfreev(own_uids);
        own_uids = g_strv_builder_end(b);
    }
    if (!ny_cmd_busy_lookup_ignoring(cli, looked.start - buffer, looked.end + buffer,
                                     (const char *const *)own_uids, &busy, error))
        return FALSE;
    g_clear_pointer(&f, ny_followup_free);

    if (!ny_store_begin(store, error))
        return FALSE;
    f = ny_store_get_followup(store, id, error);
    if (f == NULL || !ny_cmd_followup_check(cli, f, NY_FOLLOWUP_ACTION_BOOK, error) ||
        !wanted(cli, f, slot_text, is_number, number, at, &want, &offered, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    if (want.start != looked.start || want.end != looked.end) {
        ny_store_rollback(store);
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                    "follow-up #%" G_GINT64_FORMAT " changed while its time was checked: run "
                    "'notyet followups' and book again",
                    id);
        return FALSE;
    }
    /* Every time, offered or not: an offered slot was released for other
     * replies when this call was booked at another time, and may have been
     * offered again since. */
    if (!ny_cmd_taken(cli, store, id, taken, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    ny_intervals_normalize(taken, G_MININT64 / 2, G_MAXINT64 / 2);
    switch (ny_slots_time_open(a, busy, taken, &want)) {
    case NY_SLOT_OPEN:
    case NY_SLOT_NOTICE:
    case NY_SLOT_THEIR_HOURS: /* not judged by ny_slots_time_open() */
        break;
    case NY_SLOT_OFFERED:
        ny_store_rollback(store);
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                    "%s is not free: it collides with a time offered or booked in another "
                    "follow-up",
                    what);
        return FALSE;
    case NY_SLOT_BUSY:
    case NY_SLOT_BUFFER:
        ny_store_rollback(store);
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                    "%s is not free: your calendar is busy then (or within %d minutes)%s", what,
                    a->buffer_minutes, offered ? ", a meeting added since the letter" : "");
        return FALSE;
    }

    ny_replyflow_facts(f, &facts);
    f->sequence = ny_followup_next_sequence(&facts, NY_FOLLOWUP_ACTION_BOOK, &want);
    f->state = NY_FOLLOWUP_BOOKED;
    f->has_booked = TRUE;
    f->booked = want;
    /* The booked call replaces the hold at that time in its resource, so
     * it keeps the hold's UID (a server refuses a UID change there); the
     * invite `export` writes carries the same UID. */
    hold = ny_holds_find(store, id, &want);
    if (f->uid == NULL && hold != NULL && hold->kind == NY_STORE_EVENT_HOLD)
        f->uid = g_strdup(hold->uid);
    if (f->uid == NULL)
        f->uid = derived_uid(store_id, id);
    if (holds != NULL) {
        NyInvite inv = ny_cmd_invite_for(cli, f);

        /* In the transaction: a booked call the server refused is not
         * booked in the store either. */
        if (!ny_holds_book(holds, store, f, &inv, send, notes, error)) {
            ny_holds_undo(holds);
            ny_store_rollback(store);
            return FALSE;
        }
    }
    if (!ny_store_update_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        /* The store says offered: the booked call goes too
         * (doc/calendar-writes.md, "Order and failure"). */
        if (holds != NULL)
            ny_holds_undo(holds);
        ny_store_rollback(store);
        return FALSE;
    }
    if (holds != NULL && !ny_holds_release(holds, store, id, notes, error))
        return FALSE;
    ny_cmd_print_notes(cli, notes);
    phrase = ny_cmd_followup_phrase(cli, f, want.start);
    text = g_strdup_printf("booked #%" G_GINT64_FORMAT " %s: %s\n"
                           "send the invite: notyet export %" G_GINT64_FORMAT " -o call.ics\n",
                           id, f->name, phrase, id);
    return ny_cmd_print_followup(cli, f, text, error);
}
