/* cmd-book.c: `notyet book ID [--slot 1|2|TIME]`, they picked a time: the
 * call is booked (DESIGN.md sections 2, 7 and 8).
 *
 * An offered slot is booked as is. Any other time must be open now, by the
 * same rule reply uses (busy periods and other follow-ups, with the buffer);
 * the busy lookup runs before the transaction. Booking releases the other
 * offered slots; rebooking a booked call at another time bumps SEQUENCE.
 */
#include <string.h>

#include "cmd-common.h"

/* 16 random bytes as hex: the invite's UID, made once per follow-up. */
static char *
new_uid(void)
{
    g_autoptr(GRand) rand = g_rand_new(); /* seeded from /dev/urandom */
    GString *s = g_string_new(NULL);

    for (int i = 0; i < 4; i++)
        g_string_append_printf(s, "%08x", g_rand_int(rand));
    g_string_append(s, "@notyet");
    return g_string_free(s, FALSE);
}

/* --slot: a slot number of the follow-up, else a time (ISO 8601 or a date). */
static gboolean
parse_slot(NyCli *cli, const char *text, gboolean *out_is_number, guint64 *out_number,
           NyTime *out_time, GError **error)
{
    if (g_ascii_string_to_unsigned(text, 10, 1, 99, out_number, NULL)) {
        *out_is_number = TRUE;
        return TRUE;
    }
    *out_is_number = FALSE;
    if (!ny_time_parse(text, cli->zone, out_time, error)) {
        g_prefix_error(error, "--slot: ");
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_cmd_book(NyCli *cli, int argc, char **argv, GError **error)
{
    g_autofree char *slot_text = NULL;
    const GOptionEntry entries[] = {
        {"slot", 0, 0, G_OPTION_ARG_STRING, &slot_text,
         "The time they picked: an offered slot's number, or a time (ISO 8601)", "1|2|TIME"},
        G_OPTION_ENTRY_NULL,
    };
    const NyAvailability *a = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autofree char *phrase = NULL;
    g_autofree char *text = NULL;
    gboolean is_number = FALSE;
    guint64 number = 0;
    NyTime at = 0;
    NyInterval want = {0, 0};
    gint64 id = 0;
    gboolean offered = FALSE;
    NyFollowupFacts facts;

    if (!ny_cli_parse(cli, "ID", "Book the call at the time they picked", entries, &argc, &argv,
                      error))
        return FALSE;
    if (cli->help)
        return TRUE;
    if (argc != 2) {
        ny_cli_usage_error(cli, error,
                           argc < 2 ? "which follow-up? give its ID" : "unexpected argument '%s'",
                           argv[argc < 2 ? 0 : 2]);
        return FALSE;
    }
    if (!ny_cmd_parse_id(cli, argv[1], &id, error))
        return FALSE;
    a = &cli->config->availability;
    if (slot_text == NULL) {
        ny_cli_usage_error(cli, error,
                           "which time did they pick? give --slot 1, --slot 2 or "
                           "--slot TIME");
        return FALSE;
    }
    if (!parse_slot(cli, slot_text, &is_number, &number, &at, error))
        return FALSE;

    store = ny_cli_open_store(cli, error);
    if (store == NULL)
        return FALSE;
    /* A first read, to know whether a time needs the busy lookup. */
    f = ny_store_get_followup(store, id, error);
    if (f == NULL)
        return FALSE;
    if (!is_number) {
        for (guint i = 0; i < f->slots->len; i++) {
            if (g_array_index(f->slots, NyInterval, i).start == at)
                offered = TRUE;
        }
        if (!offered) {
            NyTime from = at - (NyTime)a->buffer_minutes * 60;
            NyTime to = at + (NyTime)(a->slot_minutes + a->buffer_minutes) * 60;
            if (!ny_cmd_busy_lookup(cli, from, to, &busy, error))
                return FALSE;
        }
    }
    g_clear_pointer(&f, ny_followup_free);

    if (!ny_store_begin(store, error))
        return FALSE;
    f = ny_store_get_followup(store, id, error);
    if (f == NULL) {
        ny_store_rollback(store);
        return FALSE;
    }
    ny_replyflow_facts(f, &facts);
    if (!ny_followup_check(&facts, NY_FOLLOWUP_ACTION_BOOK, a->offer_days, cli->now, cli->zone,
                           error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    if (is_number) {
        if (number > f->slots->len) {
            ny_store_rollback(store);
            ny_cli_usage_error(cli, error,
                               "--slot %s: follow-up #%" G_GINT64_FORMAT " offered %u time%s",
                               slot_text, id, f->slots->len, f->slots->len == 1 ? "" : "s");
            return FALSE;
        }
        want = g_array_index(f->slots, NyInterval, number - 1);
    } else if (offered) {
        want.start = at;
        want.end = at + (NyTime)a->slot_minutes * 60;
        for (guint i = 0; i < f->slots->len; i++) {
            if (g_array_index(f->slots, NyInterval, i).start == at)
                want = g_array_index(f->slots, NyInterval, i);
        }
    } else {
        want.start = at;
        want.end = at + (NyTime)a->slot_minutes * 60;
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
                    "'%s' is not free: it collides with a time offered or booked in another "
                    "follow-up",
                    slot_text);
        return FALSE;
    case NY_SLOT_BUSY:
    case NY_SLOT_BUFFER:
        ny_store_rollback(store);
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED,
                    "'%s' is not free: your calendar is busy then (or within %d minutes)",
                    slot_text, a->buffer_minutes);
        return FALSE;
    }

    f->sequence = ny_followup_next_sequence(&facts, NY_FOLLOWUP_ACTION_BOOK, &want);
    f->state = NY_FOLLOWUP_BOOKED;
    f->has_booked = TRUE;
    f->booked = want;
    if (f->uid == NULL)
        f->uid = new_uid();
    if (!ny_store_update_followup(store, f, cli->now, error) || !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    phrase = ny_cmd_followup_phrase(cli, f, want.start);
    text = g_strdup_printf("booked #%" G_GINT64_FORMAT " %s: %s\n"
                           "send the invite: notyet export %" G_GINT64_FORMAT " -o call.ics\n",
                           id, f->name, phrase, id);
    return ny_cmd_print_followup(cli, f, text, error);
}
