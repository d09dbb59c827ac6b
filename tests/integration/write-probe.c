/* write-probe: the calendar-write layer (src/caldav-write.c, src/invite.c)
 * driven from test_writes.py against real servers and the fault server.
 *
 *   write-probe hold UID STORE FOLLOWUP START END TZID SUMMARY   (text on stdout)
 *   write-probe booked UID SEQ STORE FOLLOWUP START END TZID ORG ATT send|client
 *   write-probe create URL FILE
 *   write-probe fetch URL
 *   write-probe update URL ETAG UID STORE FILE [CURRENT]
 *   write-probe delete URL ETAG UID STORE [CURRENT]
 *   write-probe check URL ETAG UID STORE
 *   write-probe holds CALENDAR_URL STORE UID...     (hold i at START + i hours)
 *
 * ETAG "-" is none; START and END are Unix seconds; FILE and CURRENT are
 * files of iCalendar text. Credentials come from NY_PROBE_USER and
 * NY_PROBE_PASSWORD. Prints one JSON object: {"ok": true, "etag": ...,
 * "state": ..., "text": ...} or {"ok": false, "domain": ..., "code": ...,
 * "message": ...} (exit 1).
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notyet/caldav.h"
#include "notyet/http.h"
#include "notyet/invite.h"

static const char *const STATES[] = {"unchanged", "edited", "not-ours", "gone"};

static void
print_result(gboolean ok, const char *etag, const char *state, const char *text, GPtrArray *written,
             const GError *error)
{
    g_autoptr(JsonBuilder) b = json_builder_new();
    g_autoptr(JsonGenerator) gen = json_generator_new();
    g_autoptr(JsonNode) root = NULL;
    g_autofree char *out = NULL;

    json_builder_begin_object(b);
    json_builder_set_member_name(b, "ok");
    json_builder_add_boolean_value(b, ok);
    if (ok) {
        json_builder_set_member_name(b, "etag");
        if (etag != NULL)
            json_builder_add_string_value(b, etag);
        else
            json_builder_add_null_value(b);
        if (state != NULL) {
            json_builder_set_member_name(b, "state");
            json_builder_add_string_value(b, state);
        }
        if (text != NULL) {
            json_builder_set_member_name(b, "text");
            json_builder_add_string_value(b, text);
        }
        if (written != NULL) {
            json_builder_set_member_name(b, "written");
            json_builder_begin_array(b);
            for (guint i = 0; i < written->len; i++) {
                NyCaldavWritten *w = g_ptr_array_index(written, i);
                json_builder_begin_array(b);
                json_builder_add_string_value(b, w->url);
                json_builder_add_string_value(b, w->etag);
                json_builder_end_array(b);
            }
            json_builder_end_array(b);
        }
    } else {
        json_builder_set_member_name(b, "domain");
        json_builder_add_string_value(b, g_quark_to_string(error->domain));
        json_builder_set_member_name(b, "code");
        json_builder_add_int_value(b, error->code);
        json_builder_set_member_name(b, "message");
        json_builder_add_string_value(b, error->message);
    }
    json_builder_end_object(b);
    root = json_builder_get_root(b);
    json_generator_set_root(gen, root);
    out = json_generator_to_data(gen, NULL);
    printf("%s\n", out);
}

static char *
read_file(const char *path)
{
    g_autoptr(GError) error = NULL;
    char *text = NULL;

    if (!g_file_get_contents(path, &text, NULL, &error)) {
        fprintf(stderr, "write-probe: %s\n", error->message);
        exit(2);
    }
    return text;
}

static const char *
etag_arg(const char *arg)
{
    return strcmp(arg, "-") == 0 ? NULL : arg;
}

static int
build(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *text = NULL;

    if (strcmp(argv[1], "hold") == 0 && argc == 9) {
        NyInviteOwner owner = {.followup_id = argv[4], .store_id = argv[3]};
        NyHold hold = {.uid = argv[2],
                       .start = g_ascii_strtoll(argv[5], NULL, 10),
                       .end = g_ascii_strtoll(argv[6], NULL, 10),
                       .tzid = argv[7],
                       .summary = argv[8]};
        text = ny_invite_build_hold(&hold, &owner, hold.start - 86400, &error);
    } else if (strcmp(argv[1], "booked") == 0 && argc == 12) {
        NyInviteOwner owner = {.followup_id = argv[5], .store_id = argv[4]};
        NyInvite inv = {.uid = argv[2],
                        .sequence = atoi(argv[3]),
                        .start = g_ascii_strtoll(argv[6], NULL, 10),
                        .end = g_ascii_strtoll(argv[7], NULL, 10),
                        .tzid = argv[8],
                        .organizer_name = "Jane Doe",
                        .organizer_email = argv[9],
                        .attendee_name = "John Roe",
                        .attendee_email = argv[10]};
        text = ny_invite_build_booked(&inv, &owner, strcmp(argv[11], "send") == 0,
                                      inv.start - 86400, &error);
    } else {
        fprintf(stderr, "write-probe: bad arguments\n");
        return 2;
    }
    if (text == NULL) {
        print_result(FALSE, NULL, NULL, NULL, NULL, error);
        return 1;
    }
    fputs(text, stdout);
    return 0;
}

int
main(int argc, char **argv)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(NyHttp) http = NULL;
    g_autofree char *etag = NULL;
    g_autofree char *text = NULL;
    g_autofree char *current = NULL;
    g_autofree char *ics = NULL;
    g_autoptr(GPtrArray) written = NULL;
    const char *state = NULL;
    NyHttpOptions options = {0};
    gboolean ok = FALSE;
    const char *cmd;

    if (argc < 3) {
        fprintf(stderr, "write-probe: bad arguments\n");
        return 2;
    }
    cmd = argv[1];
    if (strcmp(cmd, "hold") == 0 || strcmp(cmd, "booked") == 0)
        return build(argc, argv);

    options.username = g_getenv("NY_PROBE_USER");
    options.password = g_getenv("NY_PROBE_PASSWORD");
    options.credentials_url = argv[2];
    /* The probe stands in for a command: the timeout a command would take
     * from NOTYET_HTTP_TIMEOUT through config.c comes from the same variable. */
    if (g_getenv("NOTYET_HTTP_TIMEOUT") != NULL)
        ny_http_options_set_timeout(&options, (guint)atoi(g_getenv("NOTYET_HTTP_TIMEOUT")));
    http = ny_http_new(&options);

    if (strcmp(cmd, "create") == 0 && argc == 4) {
        ics = read_file(argv[3]);
        ok = ny_caldav_event_create(http, argv[2], ics, &etag, &error);
    } else if (strcmp(cmd, "holds") == 0 && argc >= 5) {
        g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
        NyInviteOwner owner = {.followup_id = "9", .store_id = argv[3]};

        for (int i = 4; i < argc; i++) {
            NyHold hold = {.uid = argv[i],
                           .summary = "Hold: call with John",
                           .start = 1796238000 + (i - 4) * 3600,
                           .end = 1796238000 + (i - 4) * 3600 + 1200,
                           .tzid = "UTC"};
            char *t = ny_invite_build_hold(&hold, &owner, hold.start - 86400, &error);
            if (t == NULL)
                break;
            g_ptr_array_add(texts, t);
        }
        if (error == NULL) {
            written = ny_caldav_holds_create(http, argv[2], (const char *const *)argv + 4,
                                             (const char *const *)texts->pdata, texts->len, argv[3],
                                             &error);
            ok = written != NULL;
        }
    } else if (strcmp(cmd, "fetch") == 0 && argc == 3) {
        text = ny_caldav_event_fetch(http, argv[2], &etag, &error);
        ok = text != NULL;
    } else if ((strcmp(cmd, "update") == 0 && (argc == 7 || argc == 8)) ||
               (strcmp(cmd, "delete") == 0 && (argc == 6 || argc == 7)) ||
               (strcmp(cmd, "check") == 0 && argc == 6)) {
        NyCaldavEvent ev = {
            .url = argv[2], .etag = etag_arg(argv[3]), .uid = argv[4], .store_id = argv[5]};

        if (strcmp(cmd, "update") == 0) {
            ics = read_file(argv[6]);
            if (argc == 8)
                current = read_file(argv[7]);
            ev.text = current;
            ok = ny_caldav_event_update(http, &ev, ics, &etag, &error);
        } else if (strcmp(cmd, "delete") == 0) {
            if (argc == 7)
                current = read_file(argv[6]);
            ev.text = current;
            ok = ny_caldav_event_delete(http, &ev, &error);
        } else {
            NyCaldavEventState st;
            ok = ny_caldav_event_check(http, &ev, &st, &text, &etag, &error);
            if (ok)
                state = STATES[st];
        }
    } else {
        fprintf(stderr, "write-probe: bad arguments\n");
        return 2;
    }
    print_result(ok, etag, state, text, written, error);
    return ok ? 0 : 1;
}
