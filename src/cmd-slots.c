/* cmd-slots.c: `notyet slots [--explain]`, the open slots a reply would
 * offer now, nothing recorded (doc/slots-and-letter.md, "Explaining the pick"). */
#include "cmd-common.h"
#include "notyet/phrase.h"

#include <string.h>

static GDateTime *
local_time(NyTime t, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);

    return g_date_time_to_timezone(utc, zone);
}

static const char *
reason_words(NySlotReason r)
{
    switch (r) {
    case NY_SLOT_NOTICE:
        return "inside the notice period";
    case NY_SLOT_THEIR_HOURS:
        return "outside their hours";
    case NY_SLOT_OFFERED:
        return "offered or booked in another follow-up";
    case NY_SLOT_BUSY:
        return "busy";
    case NY_SLOT_BUFFER:
        return "too close to a busy time";
    case NY_SLOT_OPEN:
        break;
    }
    return "open";
}

/* One line per working day: why its earlier times were passed over, then
 * its first open time and what became of it. Never an event's details: the
 * candidates only know busy or not. */
static char *
render_explain(NyCli *cli, const GArray *cands)
{
    GString *s = g_string_new(NULL);
    NyTime last_chosen = G_MININT64;
    guint i = 0;

    for (guint k = 0; k < cands->len; k++) {
        const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, k);
        if (c->chosen > 0)
            last_chosen = c->slot.start;
    }
    if (cands->len == 0)
        g_string_append(s, "(no working hours in the horizon)\n");
    while (i < cands->len) {
        const NySlotCandidate *first = &g_array_index(cands, NySlotCandidate, i);
        g_autoptr(GDateTime) day = local_time(first->slot.start, cli->zone);
        g_autofree char *label = g_date_time_format(day, "%a %Y-%m-%d");
        gboolean open_seen = FALSE;
        guint n = 0;

        g_string_append_printf(s, "%s:", label);
        while (i < cands->len && g_array_index(cands, NySlotCandidate, i).day == first->day &&
               g_array_index(cands, NySlotCandidate, i).month == first->month) {
            const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
            g_autoptr(GDateTime) a = local_time(c->slot.start, cli->zone);
            g_autofree char *hm = g_date_time_format(a, "%H:%M");

            if (c->reason == NY_SLOT_OPEN) {
                if (c->chosen > 0) {
                    g_string_append_printf(s, "%s %s slot %d", n++ ? "," : "", hm, c->chosen);
                } else if (!open_seen) {
                    g_string_append_printf(s, "%s %s open, %s", n++ ? "," : "", hm,
                                           c->slot.start < last_chosen
                                               ? "passed over to spread the slots over the days"
                                               : "not needed");
                }
                open_seen = TRUE;
                i++;
                continue;
            }
            if (open_seen) {
                i++;
                continue;
            }
            /* A run of times passed over for the same reason. */
            {
                NySlotReason r = c->reason;
                g_autofree char *end_hm = NULL;
                guint j = i;
                while (j + 1 < cands->len &&
                       g_array_index(cands, NySlotCandidate, j + 1).day == first->day &&
                       g_array_index(cands, NySlotCandidate, j + 1).reason == r)
                    j++;
                if (j > i) {
                    g_autoptr(GDateTime) b =
                        local_time(g_array_index(cands, NySlotCandidate, j).slot.start, cli->zone);
                    end_hm = g_date_time_format(b, "%H:%M");
                    g_string_append_printf(s, "%s %s-%s %s", n++ ? "," : "", hm, end_hm,
                                           reason_words(r));
                } else {
                    g_string_append_printf(s, "%s %s %s", n++ ? "," : "", hm, reason_words(r));
                }
                i = j + 1;
            }
        }
        g_string_append_c(s, '\n');
    }
    return g_string_free(s, FALSE);
}

/* The invitee of `slots --their-tz`: their zone and its name, or NULLs. */
typedef struct {
    GTimeZone *zone;
    const char *name;
} Their;

static char *
render_text(NyCli *cli, const GArray *slots, const Their *their)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < slots->len; i++) {
        const NyInterval *iv = &g_array_index(slots, NyInterval, i);
        g_autofree char *phrase = ny_cmd_slot_phrase(cli, iv->start, their->zone, their->name);
        g_autoptr(GDateTime) a = local_time(iv->start, cli->zone);
        g_autoptr(GDateTime) b = local_time(iv->end, cli->zone);
        g_autofree char *when = g_date_time_format(a, "%a %Y-%m-%d %H:%M");
        g_autofree char *until = g_date_time_format(b, "%H:%M %Z");

        g_string_append_printf(s, "%u. %s  (%s-%s)\n", i + 1, phrase, when, until);
    }
    return g_string_free(s, FALSE);
}

static char *
render_json(NyCli *cli, const GArray *slots, const GArray *cands, const Their *their)
{
    g_autoptr(JsonBuilder) b = json_builder_new();

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "slots");
    json_builder_begin_array(b);
    for (guint i = 0; slots != NULL && i < slots->len; i++) {
        const NyInterval *iv = &g_array_index(slots, NyInterval, i);
        g_autofree char *start = ny_time_format_utc(iv->start);
        g_autofree char *end = ny_time_format_utc(iv->end);
        g_autofree char *text = ny_cmd_slot_phrase(cli, iv->start, their->zone, their->name);
        json_builder_begin_object(b);
        json_builder_set_member_name(b, "start");
        json_builder_add_string_value(b, start);
        json_builder_set_member_name(b, "end");
        json_builder_add_string_value(b, end);
        json_builder_set_member_name(b, "text");
        json_builder_add_string_value(b, text);
        if (their->zone != NULL) {
            /* The same time as the invitee reads it: their day, their clock. */
            g_autofree char *their_text =
                ny_phrase_slot(iv->start, cli->now, their->zone, their->name, NULL, NULL);
            json_builder_set_member_name(b, "their_text");
            json_builder_add_string_value(b, their_text);
        }
        json_builder_end_object(b);
    }
    json_builder_end_array(b);
    if (cands != NULL) {
        json_builder_set_member_name(b, "candidates");
        json_builder_begin_array(b);
        for (guint i = 0; i < cands->len; i++) {
            const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
            g_autofree char *start = ny_time_format_utc(c->slot.start);
            json_builder_begin_object(b);
            json_builder_set_member_name(b, "start");
            json_builder_add_string_value(b, start);
            json_builder_set_member_name(b, "reason");
            json_builder_add_string_value(b, ny_slot_reason_to_string(c->reason));
            json_builder_set_member_name(b, "slot");
            if (c->chosen > 0)
                json_builder_add_int_value(b, c->chosen);
            else
                json_builder_add_null_value(b);
            json_builder_end_object(b);
        }
        json_builder_end_array(b);
    }
    json_builder_end_object(b);
    return ny_cli_json_text(b);
}

gboolean
ny_cmd_slots(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {.summary = "Show the open slots a reply would offer now"};
    gboolean explain = FALSE;
    g_autofree char *their_tz = NULL;
    g_autofree char *their_hours = NULL;
    const GOptionEntry entries[] = {
        {"explain", 0, 0, G_OPTION_ARG_NONE, &explain,
         "Say for each working day why earlier times were passed over", NULL},
        {"their-tz", 0, 0, G_OPTION_ARG_STRING, &their_tz,
         "Their time zone: only times inside their day, shown in theirs too", "ZONE"},
        {"their-hours", 0, 0, G_OPTION_ARG_STRING, &their_hours,
         "Their day with --their-tz, instead of [availability] their_start/their_end",
         "HH:MM-HH:MM"},
        G_OPTION_ENTRY_NULL,
    };
    NyAvailability a;
    g_autoptr(GTimeZone) their_zone = NULL;
    Their their = {NULL, NULL};
    g_autoptr(NyStore) store = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autoptr(GArray) cands = NULL;
    g_autoptr(GArray) slots = ny_intervals_new();
    g_autofree char *out = NULL;
    NyTime from;
    NyTime to;

    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (!ny_cli_their_day(cli, their_tz, their_hours, &a, &their_zone, error))
        return FALSE;
    their.zone = their_zone;
    their.name = their_tz;
    ny_cmd_busy_window(cli, &from, &to);
    if (!ny_cmd_busy_lookup(cli, from, to, &busy, error))
        return FALSE;
    if (!ny_cmd_store_if_exists(cli, &store, error))
        return FALSE;
    if (store != NULL && !ny_cmd_taken(cli, store, 0, taken, error))
        return FALSE;

    if (explain) {
        if (!ny_slots_explain(&a, cli->zone, cli->now, busy, taken, &cands, error))
            return FALSE;
        for (guint i = 0; i < cands->len; i++) {
            const NySlotCandidate *c = &g_array_index(cands, NySlotCandidate, i);
            if (c->chosen > 0)
                g_array_append_val(slots, c->slot);
        }
        if (cli->json) {
            out = render_json(cli, slots, cands, &their);
        } else {
            g_autofree char *list = render_text(cli, slots, &their);
            g_autofree char *why = render_explain(cli, cands);
            out = g_strconcat(list, slots->len ? "\n" : "", why, NULL);
        }
        /* An explanation is an answer even when nothing is open. */
        return ny_cli_print(out, error);
    }

    g_clear_pointer(&slots, g_array_unref);
    if (!ny_slots_pick(&a, cli->zone, cli->now, busy, taken, &slots, error))
        return FALSE;
    out = cli->json ? render_json(cli, slots, NULL, &their) : render_text(cli, slots, &their);
    return ny_cli_print(out, error);
}
