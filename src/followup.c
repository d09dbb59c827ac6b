/* followup.c: the rules of a follow-up call (doc/store.md, "Follow-up
 * rules"). Pure. */
#include "notyet/followup.h"

#include <string.h>

G_DEFINE_QUARK(ny_followup_error, ny_followup_error)

const char *
ny_followup_status_to_string(NyFollowupStatus status)
{
    switch (status) {
    case NY_FOLLOWUP_STATUS_OFFERED:
        return "offered";
    case NY_FOLLOWUP_STATUS_BOOKED:
        return "booked";
    case NY_FOLLOWUP_STATUS_DONE:
        return "done";
    case NY_FOLLOWUP_STATUS_CANCELLED:
        return "cancelled";
    case NY_FOLLOWUP_STATUS_EXPIRED:
        return "expired";
    }
    return "offered";
}

NyFollowupStatus
ny_followup_status(const NyFollowupFacts *f, int offer_days, NyTime now)
{
    g_return_val_if_fail(f != NULL, NY_FOLLOWUP_STATUS_OFFERED);

    if (f->stored != NY_FOLLOWUP_STATUS_OFFERED)
        return f->stored;
    if (offer_days > 0 && now >= f->letter_at + (NyTime)offer_days * 86400)
        return NY_FOLLOWUP_STATUS_EXPIRED;
    if (f->slots != NULL && f->slots->len > 0) {
        for (guint i = 0; i < f->slots->len; i++) {
            if (g_array_index(f->slots, NyInterval, i).start > now)
                return NY_FOLLOWUP_STATUS_OFFERED;
        }
        return NY_FOLLOWUP_STATUS_EXPIRED;
    }
    return NY_FOLLOWUP_STATUS_OFFERED;
}

/* The state machine as data: every allowed (from, action, to). */
static const struct {
    NyFollowupStatus from;
    NyFollowupAction action;
    NyFollowupStatus to;
} transitions[] = {
    {NY_FOLLOWUP_STATUS_OFFERED, NY_FOLLOWUP_ACTION_BOOK, NY_FOLLOWUP_STATUS_BOOKED},
    {NY_FOLLOWUP_STATUS_EXPIRED, NY_FOLLOWUP_ACTION_BOOK, NY_FOLLOWUP_STATUS_BOOKED},
    {NY_FOLLOWUP_STATUS_BOOKED, NY_FOLLOWUP_ACTION_BOOK, NY_FOLLOWUP_STATUS_BOOKED},
    {NY_FOLLOWUP_STATUS_BOOKED, NY_FOLLOWUP_ACTION_DONE, NY_FOLLOWUP_STATUS_DONE},
    {NY_FOLLOWUP_STATUS_OFFERED, NY_FOLLOWUP_ACTION_CANCEL, NY_FOLLOWUP_STATUS_CANCELLED},
    {NY_FOLLOWUP_STATUS_EXPIRED, NY_FOLLOWUP_ACTION_CANCEL, NY_FOLLOWUP_STATUS_CANCELLED},
    {NY_FOLLOWUP_STATUS_BOOKED, NY_FOLLOWUP_ACTION_CANCEL, NY_FOLLOWUP_STATUS_CANCELLED},
    {NY_FOLLOWUP_STATUS_OFFERED, NY_FOLLOWUP_ACTION_NUDGE, NY_FOLLOWUP_STATUS_OFFERED},
    {NY_FOLLOWUP_STATUS_EXPIRED, NY_FOLLOWUP_ACTION_NUDGE, NY_FOLLOWUP_STATUS_OFFERED},
};

gboolean
ny_followup_transition(NyFollowupStatus from, NyFollowupAction action, NyFollowupStatus *out_to)
{
    for (guint i = 0; i < G_N_ELEMENTS(transitions); i++) {
        if (transitions[i].from == from && transitions[i].action == action) {
            if (out_to != NULL)
                *out_to = transitions[i].to;
            return TRUE;
        }
    }
    return FALSE;
}

/* Why an action is refused, by what it needs. */
static const char *
refusal(NyFollowupAction action, NyFollowupStatus from)
{
    switch (action) {
    case NY_FOLLOWUP_ACTION_BOOK:
        return "only an offered or booked call can be booked";
    case NY_FOLLOWUP_ACTION_DONE:
        return "only a booked call can be done (book it first, or cancel it)";
    case NY_FOLLOWUP_ACTION_CANCEL:
        return NULL; /* "is already done" */
    case NY_FOLLOWUP_ACTION_NUDGE:
        return from == NY_FOLLOWUP_STATUS_BOOKED
                   ? "to move the call, book it again with --slot TIME"
                   : "only an offer that got no answer can be nudged";
    }
    return NULL;
}

gboolean
ny_followup_check(const NyFollowupFacts *f, NyFollowupAction action, int offer_days, NyTime now,
                  GTimeZone *zone, GError **error)
{
    NyFollowupStatus from;

    g_return_val_if_fail(f != NULL && zone != NULL, FALSE);

    from = ny_followup_status(f, offer_days, now);
    if (!ny_followup_transition(from, action, NULL)) {
        const char *why = refusal(action, from);
        if (why == NULL)
            g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_STATE,
                        "follow-up #%" G_GINT64_FORMAT " is already %s", f->id,
                        ny_followup_status_to_string(from));
        else
            g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_STATE,
                        "follow-up #%" G_GINT64_FORMAT " is %s: %s", f->id,
                        ny_followup_status_to_string(from), why);
        return FALSE;
    }
    if (action == NY_FOLLOWUP_ACTION_DONE && f->has_booked && now < f->booked.start) {
        g_autofree char *when = ny_time_format_local(f->booked.start, zone);
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TOO_EARLY,
                    "follow-up #%" G_GINT64_FORMAT " is booked for %s: it can be done once the "
                    "call has started",
                    f->id, when);
        return FALSE;
    }
    return TRUE;
}

int
ny_followup_next_sequence(const NyFollowupFacts *f, NyFollowupAction action,
                          const NyInterval *new_booked)
{
    g_return_val_if_fail(f != NULL, 0);

    if (f->stored != NY_FOLLOWUP_STATUS_BOOKED || !f->has_booked)
        return f->sequence;
    if (action == NY_FOLLOWUP_ACTION_CANCEL)
        return f->sequence + 1;
    if (action == NY_FOLLOWUP_ACTION_BOOK && new_booked != NULL &&
        (new_booked->start != f->booked.start || new_booked->end != f->booked.end))
        return f->sequence + 1;
    return f->sequence;
}

/* "09:00" of minutes after midnight. */
static char *
hhmm(int minutes)
{
    return g_strdup_printf("%02d:%02d", minutes / 60, minutes % 60);
}

gboolean
ny_followup_check_their_time(int their_start, int their_end, int slot_minutes,
                             GTimeZone *their_zone, NyTime start, GError **error)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(start);
    g_autoptr(GDateTime) local = NULL;
    g_autofree char *when = NULL;
    g_autofree char *from = NULL;
    g_autofree char *to = NULL;
    int minute;

    g_return_val_if_fail(their_zone != NULL, FALSE);

    if (utc == NULL) {
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME, "the time is out of range");
        return FALSE;
    }
    local = g_date_time_to_timezone(utc, their_zone);
    minute = g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local);
    if (minute >= their_start && minute + slot_minutes <= their_end)
        return TRUE;
    when = ny_time_format_local(start, their_zone);
    from = hhmm(their_start);
    to = hhmm(their_end);
    g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                "%s is outside their hours (%s to %s in their zone, [availability] "
                "their_start and their_end)",
                when, from, to);
    return FALSE;
}

gboolean
ny_followup_check_time(const NyAvailability *a, GTimeZone *zone, NyTime now, NyTime start,
                       GError **error)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(start);
    g_autoptr(GDateTime) local = NULL;
    g_autofree char *when = NULL;
    g_autofree char *from = NULL;
    g_autofree char *to = NULL;
    int minute;

    g_return_val_if_fail(a != NULL && zone != NULL, FALSE);

    if (utc == NULL) {
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME, "the time is out of range");
        return FALSE;
    }
    local = g_date_time_to_timezone(utc, zone);
    when = ny_time_format_local(start, zone);
    minute = g_date_time_get_hour(local) * 60 + g_date_time_get_minute(local);
    if (start <= now) {
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME, "%s is in the past", when);
        return FALSE;
    }
    if (g_date_time_get_second(local) != 0 || minute % a->grid_minutes != 0) {
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                    "%s is not on the %d-minute grid of [availability] grid_minutes", when,
                    a->grid_minutes);
        return FALSE;
    }
    if ((a->days & NY_DAY_BIT(g_date_time_get_day_of_week(local))) == 0) {
        g_autofree char *day = g_date_time_format(local, "%A");
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                    "%s is on a %s, not a working day of [availability] days", when, day);
        return FALSE;
    }
    if (minute < a->start_minute || minute + a->slot_minutes > a->end_minute) {
        from = hhmm(a->start_minute);
        to = hhmm(a->end_minute);
        g_set_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME,
                    "%s is outside the working hours (%s to %s, a %d-minute call)", when, from, to,
                    a->slot_minutes);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_followup_call_passed(const NyFollowupFacts *f, NyTime now)
{
    g_return_val_if_fail(f != NULL, FALSE);
    return f->stored == NY_FOLLOWUP_STATUS_BOOKED && f->has_booked && now >= f->booked.start;
}

void
ny_followup_add_taken(const NyFollowupFacts *f, int offer_days, NyTime now, GArray *out)
{
    g_return_if_fail(f != NULL && out != NULL);

    switch (ny_followup_status(f, offer_days, now)) {
    case NY_FOLLOWUP_STATUS_OFFERED:
        for (guint i = 0; f->slots != NULL && i < f->slots->len; i++)
            g_array_append_val(out, g_array_index(f->slots, NyInterval, i));
        break;
    case NY_FOLLOWUP_STATUS_BOOKED:
        if (f->has_booked)
            g_array_append_val(out, f->booked);
        break;
    case NY_FOLLOWUP_STATUS_DONE:
    case NY_FOLLOWUP_STATUS_CANCELLED:
    case NY_FOLLOWUP_STATUS_EXPIRED:
        break;
    }
}

/* Case-folded, with runs of white space made one space and the ends trimmed. */
static char *
name_key(const char *name)
{
    g_autofree char *folded = g_utf8_casefold(name, -1);
    g_auto(GStrv) words = g_strsplit_set(folded, " \t", -1);
    g_autoptr(GString) s = g_string_new(NULL);

    for (char **w = words; *w != NULL; w++) {
        if (**w == '\0')
            continue;
        if (s->len > 0)
            g_string_append_c(s, ' ');
        g_string_append(s, *w);
    }
    return g_string_free(g_steal_pointer(&s), FALSE);
}

gboolean
ny_followup_same_person(const char *f_name, const char *f_email, const char *name,
                        const char *email)
{
    g_autofree char *a = NULL;
    g_autofree char *b = NULL;

    if (f_email != NULL && email != NULL)
        return g_ascii_strcasecmp(f_email, email) == 0;
    if (f_name == NULL || name == NULL)
        return FALSE;
    a = name_key(f_name);
    b = name_key(name);
    return strcmp(a, b) == 0;
}
