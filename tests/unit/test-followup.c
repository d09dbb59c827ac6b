/* Unit tests for the follow-up rules (followup.c): the state machine from
 * fixtures/followup/transitions.txt, expiry, done's time rule, SEQUENCE,
 * the times an offer keeps, and who counts as the same contact. */
#include "notyet/followup.h"

#include <string.h>

#define NOW ((NyTime)1796050800) /* 2026-11-30T15:00:00Z, a Monday */
#define DAY ((NyTime)86400)

static GPtrArray *
read_table(const char *name)
{
    g_autofree char *path = g_test_build_filename(G_TEST_DIST, "fixtures", "followup", name, NULL);
    g_autofree char *text = NULL;
    g_autoptr(GError) error = NULL;
    g_auto(GStrv) lines = NULL;
    GPtrArray *rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    g_file_get_contents(path, &text, NULL, &error);
    g_assert_no_error(error);
    lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l != NULL; l++) {
        g_autofree char *line = g_strstrip(g_strdup(*l));
        g_auto(GStrv) parts = NULL;
        GPtrArray *fields = NULL;

        if (*line == '\0' || *line == '#')
            continue;
        parts = g_strsplit_set(line, " \t", -1);
        fields = g_ptr_array_new_with_free_func(g_free);
        for (char **p = parts; *p != NULL; p++) {
            if (**p != '\0')
                g_ptr_array_add(fields, g_strdup(*p));
        }
        g_ptr_array_add(fields, NULL);
        g_ptr_array_add(rows, g_ptr_array_free(fields, FALSE));
    }
    return rows;
}

static NyFollowupStatus
status_from(const char *text)
{
    for (int s = NY_FOLLOWUP_STATUS_OFFERED; s <= NY_FOLLOWUP_STATUS_EXPIRED; s++) {
        if (strcmp(text, ny_followup_status_to_string((NyFollowupStatus)s)) == 0)
            return (NyFollowupStatus)s;
    }
    g_error("unknown state '%s'", text);
}

static NyFollowupAction
action_from(const char *text)
{
    static const char *const names[] = {"book", "done", "cancel", "nudge"};

    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        if (strcmp(text, names[i]) == 0)
            return (NyFollowupAction)i;
    }
    g_error("unknown action '%s'", text);
}

/* Facts for a follow-up that is @status at NOW: offered with two slots
 * ahead, expired with both passed, booked for tomorrow... An already
 * started call, so `done` is judged by its state alone. */
static void
facts_in(NyFollowupStatus status, GArray *slots, NyFollowupFacts *f)
{
    memset(f, 0, sizeof(*f));
    f->id = 7;
    f->letter_at = NOW - DAY;
    f->slots = slots;
    g_array_set_size(slots, 0);
    switch (status) {
    case NY_FOLLOWUP_STATUS_EXPIRED:
        ny_intervals_add(slots, NOW - 3600, NOW - 2400);
        f->stored = NY_FOLLOWUP_STATUS_OFFERED;
        return;
    case NY_FOLLOWUP_STATUS_OFFERED:
        ny_intervals_add(slots, NOW + DAY, NOW + DAY + 1200);
        ny_intervals_add(slots, NOW + 3 * DAY, NOW + 3 * DAY + 1200);
        break;
    case NY_FOLLOWUP_STATUS_BOOKED:
    case NY_FOLLOWUP_STATUS_DONE:
    case NY_FOLLOWUP_STATUS_CANCELLED:
        f->has_booked = TRUE;
        f->booked.start = NOW - 600;
        f->booked.end = NOW + 600;
        break;
    }
    f->stored = status;
}

static void
test_transitions(void)
{
    g_autoptr(GPtrArray) rows = read_table("transitions.txt");
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    g_autoptr(GArray) slots = ny_intervals_new();
    guint seen[5][4] = {{0}};

    g_assert_nonnull(zone);
    g_assert_cmpuint(rows->len, ==, 20);
    for (guint i = 0; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        NyFollowupStatus from = status_from(row[0]);
        NyFollowupAction action = action_from(row[1]);
        gboolean refused = strcmp(row[2], "refused") == 0;
        NyFollowupStatus to = NY_FOLLOWUP_STATUS_OFFERED;
        NyFollowupFacts f;
        g_autoptr(GError) error = NULL;
        gboolean ok;

        g_test_message("%s %s -> %s", row[0], row[1], row[2]);
        seen[from][action]++;
        g_assert_cmpint(ny_followup_transition(from, action, &to), ==, !refused);
        if (!refused)
            g_assert_cmpstr(ny_followup_status_to_string(to), ==, row[2]);

        /* The same answer from the facts of a follow-up in that state. */
        facts_in(from, slots, &f);
        g_assert_cmpint(ny_followup_status(&f, 7, NOW), ==, from);
        ok = ny_followup_check(&f, action, 7, NOW, zone, &error);
        g_assert_cmpint(ok, ==, !refused);
        if (refused) {
            g_assert_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_STATE);
            g_assert_nonnull(strstr(error->message, "#7"));
            g_assert_nonnull(strstr(error->message, row[0]));
        } else {
            g_assert_no_error(error);
        }
    }
    /* Every pair exactly once. */
    for (int s = 0; s < 5; s++) {
        for (int a = 0; a < 4; a++)
            g_assert_cmpuint(seen[s][a], ==, 1);
    }
}

static void
test_expiry(void)
{
    g_autoptr(GArray) slots = ny_intervals_new();
    NyFollowupFacts f = {.id = 1, .stored = NY_FOLLOWUP_STATUS_OFFERED, .slots = slots};

    f.letter_at = NOW;
    ny_intervals_add(slots, NOW + DAY, NOW + DAY + 1200);
    ny_intervals_add(slots, NOW + 2 * DAY, NOW + 2 * DAY + 1200);
    g_assert_cmpint(ny_followup_status(&f, 7, NOW), ==, NY_FOLLOWUP_STATUS_OFFERED);
    /* One slot started, one ahead: still offered. */
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + DAY), ==, NY_FOLLOWUP_STATUS_OFFERED);
    /* Every slot started: expired, at the start of the last one. */
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 2 * DAY - 1), ==, NY_FOLLOWUP_STATUS_OFFERED);
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 2 * DAY), ==, NY_FOLLOWUP_STATUS_EXPIRED);

    /* offer_days since the letter, though a slot is still ahead. */
    g_array_set_size(slots, 0);
    ny_intervals_add(slots, NOW + 10 * DAY, NOW + 10 * DAY + 1200);
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 7 * DAY - 1), ==, NY_FOLLOWUP_STATUS_OFFERED);
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 7 * DAY), ==, NY_FOLLOWUP_STATUS_EXPIRED);
    g_assert_cmpint(ny_followup_status(&f, 3, NOW + 3 * DAY), ==, NY_FOLLOWUP_STATUS_EXPIRED);
    /* A nudge is a new letter: the days count from it. */
    f.letter_at = NOW + 5 * DAY;
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 7 * DAY), ==, NY_FOLLOWUP_STATUS_OFFERED);

    /* Only an offer expires. */
    f.stored = NY_FOLLOWUP_STATUS_BOOKED;
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 30 * DAY), ==, NY_FOLLOWUP_STATUS_BOOKED);
    f.stored = NY_FOLLOWUP_STATUS_CANCELLED;
    g_assert_cmpint(ny_followup_status(&f, 7, NOW + 30 * DAY), ==, NY_FOLLOWUP_STATUS_CANCELLED);
}

static void
test_done_only_after_start(void)
{
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    NyFollowupFacts f = {.id = 3, .stored = NY_FOLLOWUP_STATUS_BOOKED, .has_booked = TRUE};
    g_autoptr(GError) error = NULL;

    f.booked.start = NOW + DAY;
    f.booked.end = NOW + DAY + 1200;
    g_assert_false(ny_followup_check(&f, NY_FOLLOWUP_ACTION_DONE, 7, NOW, zone, &error));
    g_assert_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TOO_EARLY);
    /* Names the call's time in the user's zone. */
    g_assert_nonnull(strstr(error->message, "2026-12-01T10:00:00-05:00"));
    g_clear_error(&error);
    g_assert_false(ny_followup_call_passed(&f, NOW + DAY - 1));
    g_assert_false(ny_followup_check(&f, NY_FOLLOWUP_ACTION_DONE, 7, NOW + DAY - 1, zone, NULL));
    g_assert_true(ny_followup_check(&f, NY_FOLLOWUP_ACTION_DONE, 7, NOW + DAY, zone, &error));
    g_assert_no_error(error);
    g_assert_true(ny_followup_call_passed(&f, NOW + DAY));
    /* Cancel has no time rule. */
    g_assert_true(ny_followup_check(&f, NY_FOLLOWUP_ACTION_CANCEL, 7, NOW, zone, &error));
    g_assert_no_error(error);
    /* An offer never shows as a call that passed. */
    f.stored = NY_FOLLOWUP_STATUS_OFFERED;
    g_assert_false(ny_followup_call_passed(&f, NOW + 2 * DAY));
}

static void
test_sequence(void)
{
    NyFollowupFacts f = {.id = 1, .stored = NY_FOLLOWUP_STATUS_OFFERED, .sequence = 0};
    NyInterval a = {NOW + DAY, NOW + DAY + 1200};
    NyInterval b = {NOW + 2 * DAY, NOW + 2 * DAY + 1200};

    /* The first booking is version 0; cancelling an offer sends nothing. */
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_BOOK, &a), ==, 0);
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_CANCEL, NULL), ==, 0);
    f.stored = NY_FOLLOWUP_STATUS_BOOKED;
    f.has_booked = TRUE;
    f.booked = a;
    f.sequence = 2;
    /* Booking the same time again changes nothing; another time bumps it. */
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_BOOK, &a), ==, 2);
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_BOOK, &b), ==, 3);
    /* RFC 5546 3.2.5: a CANCEL is a new version. */
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_CANCEL, NULL), ==, 3);
    g_assert_cmpint(ny_followup_next_sequence(&f, NY_FOLLOWUP_ACTION_DONE, NULL), ==, 2);
}

static void
test_taken(void)
{
    g_autoptr(GArray) slots = ny_intervals_new();
    g_autoptr(GArray) out = ny_intervals_new();
    NyFollowupFacts f = {.id = 1, .stored = NY_FOLLOWUP_STATUS_OFFERED, .slots = slots};

    f.letter_at = NOW;
    ny_intervals_add(slots, NOW + DAY, NOW + DAY + 1200);
    ny_intervals_add(slots, NOW + 3 * DAY, NOW + 3 * DAY + 1200);
    ny_followup_add_taken(&f, 7, NOW, out);
    g_assert_cmpuint(out->len, ==, 2);
    /* Expired by offer_days: its times are released. */
    g_array_set_size(out, 0);
    ny_followup_add_taken(&f, 2, NOW + 2 * DAY, out);
    g_assert_cmpuint(out->len, ==, 0);
    /* Booked: the call only, not the other offered slot. */
    f.stored = NY_FOLLOWUP_STATUS_BOOKED;
    f.has_booked = TRUE;
    f.booked = g_array_index(slots, NyInterval, 1);
    ny_followup_add_taken(&f, 7, NOW, out);
    g_assert_cmpuint(out->len, ==, 1);
    g_assert_cmpint(g_array_index(out, NyInterval, 0).start, ==, NOW + 3 * DAY);
    /* Done and cancelled keep nothing. */
    g_array_set_size(out, 0);
    f.stored = NY_FOLLOWUP_STATUS_DONE;
    ny_followup_add_taken(&f, 7, NOW, out);
    f.stored = NY_FOLLOWUP_STATUS_CANCELLED;
    ny_followup_add_taken(&f, 7, NOW, out);
    g_assert_cmpuint(out->len, ==, 0);
}

static void
test_same_person(void)
{
    static const struct {
        const char *f_name, *f_email, *name, *email;
        gboolean same;
    } cases[] = {
        {"Richard Roe", "richard@example.org", "Dick Roe", "Richard@Example.org", TRUE},
        {"Richard Roe", "richard@example.org", "Richard Roe", "rroe@example.com", FALSE},
        {"Richard Roe", NULL, "richard  roe", NULL, TRUE},
        {"Richard Roe", NULL, " Richard Roe", "richard@example.org", TRUE},
        {"Richard Roe", "richard@example.org", "Richard Roe", NULL, TRUE},
        {"Richard Roe", NULL, "Richard Rowe", NULL, FALSE},
        {"Élodie Durand", NULL, "ÉLODIE DURAND", NULL, TRUE},
    };

    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("case %u", i);
        g_assert_cmpint(ny_followup_same_person(cases[i].f_name, cases[i].f_email, cases[i].name,
                                                cases[i].email),
                        ==, cases[i].same);
    }
}

/* Typed times: fixtures/followup/times.txt. */
static void
test_typed_times(void)
{
    g_autoptr(GPtrArray) rows = read_table("times.txt");
    g_autoptr(GTimeZone) zone = g_time_zone_new_identifier("America/New_York");
    NyAvailability a;

    ny_availability_init_default(&a);
    g_assert_cmpuint(rows->len, >=, 10);
    for (guint i = 0; i < rows->len; i++) {
        char **row = g_ptr_array_index(rows, i);
        g_autoptr(GError) error = NULL;
        NyTime t = 0;
        gboolean ok;

        g_test_message("%s %s", row[0], row[1]);
        g_assert_true(ny_time_parse(row[0], zone, &t, NULL));
        ok = ny_followup_check_time(&a, zone, NOW, t, &error);
        if (strcmp(row[1], "ok") == 0) {
            g_assert_no_error(error);
            g_assert_true(ok);
        } else {
            g_assert_false(ok);
            g_assert_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME);
            g_assert_nonnull(strstr(error->message, row[1]));
        }
    }
}

/* Their day: London 08:00 to 18:00, a 20-minute call. 2026-12-02 is in
 * GMT, so London's wall clock is UTC. */
static void
test_their_time(void)
{
    g_autoptr(GTimeZone) london = g_time_zone_new_identifier("Europe/London");
    g_autoptr(GError) error = NULL;
    const NyTime day = 1796169600; /* 2026-12-02T00:00:00Z */

    g_assert_nonnull(london);
    g_assert_true(ny_followup_check_their_time(480, 1080, 20, london, day + 8 * 3600, &error));
    g_assert_no_error(error);
    /* The last start that fits: 17:40. */
    g_assert_true(
        ny_followup_check_their_time(480, 1080, 20, london, day + 17 * 3600 + 2400, &error));
    g_assert_no_error(error);
    g_assert_false(
        ny_followup_check_their_time(480, 1080, 20, london, day + 17 * 3600 + 3000, &error));
    g_assert_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME);
    g_assert_nonnull(strstr(error->message, "outside their hours (08:00 to 18:00"));
    g_clear_error(&error);
    g_assert_false(
        ny_followup_check_their_time(480, 1080, 20, london, day + 7 * 3600 + 3540, &error));
    g_assert_error(error, NY_FOLLOWUP_ERROR, NY_FOLLOWUP_ERROR_TIME);
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/followup/transitions", test_transitions);
    g_test_add_func("/followup/expiry", test_expiry);
    g_test_add_func("/followup/done-only-after-start", test_done_only_after_start);
    g_test_add_func("/followup/sequence", test_sequence);
    g_test_add_func("/followup/taken", test_taken);
    g_test_add_func("/followup/typed-times", test_typed_times);
    g_test_add_func("/followup/their-time", test_their_time);
    g_test_add_func("/followup/same-person", test_same_person);
    return g_test_run();
}
