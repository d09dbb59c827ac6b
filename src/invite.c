/* invite.c: iTIP invites built with libical (doc/calendar-writes.md, "Invites"). Pure. */
#include "notyet/invite.h"

#include <libical/ical.h>
#include <string.h>

G_DEFINE_QUARK(ny_invite_error, ny_invite_error)

G_DEFINE_AUTOPTR_CLEANUP_FUNC(icalcomponent, icalcomponent_free)

static gboolean
is_utc(const char *tzid)
{
    return tzid == NULL || strcmp(tzid, "UTC") == 0 || strcmp(tzid, "Etc/UTC") == 0;
}

/* Parameter and text values: libical escapes and quotes them, but a control
 * character other than a newline has no place in a name or a line. */
static char *
clean_text(const char *s, gboolean keep_newlines)
{
    char *out = g_utf8_make_valid(s, -1);

    for (char *p = out; *p; p++) {
        if ((guchar)*p < 0x20 && !(keep_newlines && *p == '\n'))
            *p = ' ';
        else if (*p == 0x7f)
            *p = ' ';
    }
    return out;
}

/* A parameter value cannot hold a DQUOTE (RFC 5545 3.1). libical writes
 * RFC 6868's ^' for it, which its own parser and many readers keep as is: a
 * name reads better with a plain apostrophe. */
static char *
clean_param(const char *s)
{
    char *out = clean_text(s, FALSE);

    g_strdelimit(out, "\"", '\'');
    return out;
}

static char *
mailto(const char *email)
{
    g_autofree char *clean = clean_text(email, FALSE);
    return g_strconcat("mailto:", clean, NULL);
}

/* The built-in zone's VTIMEZONE with the plain Olson name as TZID (libical's
 * own carries a /freeassociation.sourceforge.net/ prefix), cut to the rules in
 * force from @from on. */
static icalcomponent *
vtimezone_for(const char *tzid, NyTime from, GError **error)
{
    icaltimezone *zone = icaltimezone_get_builtin_timezone(tzid);
    icalcomponent *vtz;
    icalproperty *prop;
    struct icaltimetype start;

    if (zone == NULL || icaltimezone_get_component(zone) == NULL) {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID, "unknown time zone '%s'",
                    tzid);
        return NULL;
    }
    vtz = icalcomponent_new_clone(icaltimezone_get_component(zone));
    /* A year before the call keeps the rule that is in force at the call. */
    start = icaltime_from_timet_with_zone((time_t)(from - 366 * 86400), 0, NULL);
    icaltimezone_truncate_vtimezone(vtz, start, icaltime_null_time(), 1);
    prop = icalcomponent_get_first_property(vtz, ICAL_TZID_PROPERTY);
    if (prop != NULL)
        icalproperty_set_tzid(prop, tzid);
    else
        icalcomponent_add_property(vtz, icalproperty_new_tzid(tzid));
    while ((prop = icalcomponent_get_first_property(vtz, ICAL_X_PROPERTY)) != NULL) {
        icalcomponent_remove_property(vtz, prop);
        icalproperty_free(prop);
    }
    return vtz;
}

/* DTSTART/DTEND: local time with a TZID of the plain Olson name, or UTC. */
static icalproperty *
time_property(icalproperty_kind kind, NyTime t, const char *tzid)
{
    struct icaltimetype tt;
    icalproperty *prop;

    if (is_utc(tzid)) {
        tt = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
        prop = kind == ICAL_DTSTART_PROPERTY ? icalproperty_new_dtstart(tt)
                                             : icalproperty_new_dtend(tt);
        return prop;
    }
    tt = icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_builtin_timezone(tzid));
    /* Floating fields plus our own TZID parameter: libical would write its
     * prefixed TZID for a zoned time. */
    tt.zone = NULL;
    prop =
        kind == ICAL_DTSTART_PROPERTY ? icalproperty_new_dtstart(tt) : icalproperty_new_dtend(tt);
    icalproperty_add_parameter(prop, icalparameter_new_tzid(tzid));
    return prop;
}

static icalcomponent *
build_event(const NyInvite *inv, NyTime dtstamp)
{
    icalcomponent *ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    g_autoptr(GString) summary = g_string_new("Call: ");
    g_autofree char *summary_clean = NULL;

    icalcomponent_add_property(ev, icalproperty_new_uid(inv->uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
                                       (time_t)dtstamp, 0, icaltimezone_get_utc_timezone())));
    icalcomponent_add_property(ev, time_property(ICAL_DTSTART_PROPERTY, inv->start, inv->tzid));
    icalcomponent_add_property(ev, time_property(ICAL_DTEND_PROPERTY, inv->end, inv->tzid));
    icalcomponent_add_property(ev, icalproperty_new_sequence(inv->sequence));
    icalcomponent_add_property(ev, icalproperty_new_status(inv->cancelled ? ICAL_STATUS_CANCELLED
                                                                          : ICAL_STATUS_CONFIRMED));
    if (inv->organizer_name != NULL && inv->attendee_name != NULL)
        g_string_append_printf(summary, "%s / %s", inv->organizer_name, inv->attendee_name);
    else if (inv->attendee_name != NULL)
        g_string_append(summary, inv->attendee_name);
    else if (inv->organizer_name != NULL)
        g_string_append(summary, inv->organizer_name);
    else
        g_string_truncate(summary, 4);
    summary_clean = clean_text(summary->str, FALSE);
    icalcomponent_add_property(ev, icalproperty_new_summary(summary_clean));
    if (inv->phone != NULL && *inv->phone != '\0') {
        g_autofree char *phone = clean_text(inv->phone, FALSE);
        g_autofree char *desc = g_strdup_printf("Phone: %s", phone);
        icalcomponent_add_property(ev, icalproperty_new_description(desc));
    }
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    if (inv->organizer_email != NULL && *inv->organizer_email != '\0') {
        g_autofree char *addr = mailto(inv->organizer_email);
        icalproperty *org = icalproperty_new_organizer(addr);
        if (inv->organizer_name != NULL && *inv->organizer_name != '\0') {
            g_autofree char *cn = clean_param(inv->organizer_name);
            icalproperty_add_parameter(org, icalparameter_new_cn(cn));
        }
        icalcomponent_add_property(ev, org);
    }
    if (inv->attendee_email != NULL && *inv->attendee_email != '\0') {
        g_autofree char *addr = mailto(inv->attendee_email);
        icalproperty *att = icalproperty_new_attendee(addr);
        if (inv->attendee_name != NULL && *inv->attendee_name != '\0') {
            g_autofree char *cn = clean_param(inv->attendee_name);
            icalproperty_add_parameter(att, icalparameter_new_cn(cn));
        }
        icalproperty_add_parameter(att, icalparameter_new_role(ICAL_ROLE_REQPARTICIPANT));
        icalproperty_add_parameter(att, icalparameter_new_partstat(ICAL_PARTSTAT_NEEDSACTION));
        icalproperty_add_parameter(att, icalparameter_new_rsvp(ICAL_RSVP_TRUE));
        icalcomponent_add_property(ev, att);
    }
    return ev;
}

/* Every call has a UID, an end after its start and a zone we know. */
static gboolean
check_call(const char *uid, NyTime start, NyTime end, const char *tzid, guint i, GError **error)
{
    if (uid == NULL || *uid == '\0' || end <= start) {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID,
                    "call %u: an invite needs a UID and an end after its start", i + 1);
        return FALSE;
    }
    if (!is_utc(tzid) && icaltimezone_get_builtin_timezone(tzid) == NULL) {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID, "unknown time zone '%s'",
                    tzid);
        return FALSE;
    }
    return TRUE;
}

static icalcomponent *
calendar_new(NyInviteMethod method)
{
    icalcomponent *cal = icalcomponent_new(ICAL_VCALENDAR_COMPONENT);

    icalcomponent_add_property(cal, icalproperty_new_prodid("-//notyet//notyet//EN"));
    icalcomponent_add_property(cal, icalproperty_new_version("2.0"));
    icalcomponent_add_property(cal, icalproperty_new_calscale("GREGORIAN"));
    if (method == NY_INVITE_METHOD_REQUEST)
        icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_REQUEST));
    else if (method == NY_INVITE_METHOD_CANCEL)
        icalcomponent_add_property(cal, icalproperty_new_method(ICAL_METHOD_CANCEL));
    return cal;
}

static char *
calendar_text(icalcomponent *cal, GError **error)
{
    char *text = icalcomponent_as_ical_string_r(cal);
    char *copy;

    if (text == NULL) {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_FAILED,
                    "the invite could not be written: %s", icalerror_strerror(icalerrno));
        return NULL;
    }
    /* libical's memory is freed with free(); hand out g-memory. */
    copy = g_strdup(text);
    free(text);
    return copy;
}

char *
ny_invite_build(const NyInvite *invites, guint n_invites, NyInviteMethod method, NyTime dtstamp,
                GError **error)
{
    g_autoptr(icalcomponent) cal = NULL;
    g_autoptr(GHashTable) zones = g_hash_table_new(g_str_hash, g_str_equal);

    g_return_val_if_fail(invites != NULL || n_invites == 0, NULL);
    for (guint i = 0; i < n_invites; i++) {
        const NyInvite *inv = &invites[i];
        if (!check_call(inv->uid, inv->start, inv->end, inv->tzid, i, error))
            return NULL;
    }

    cal = calendar_new(method);
    /* One VTIMEZONE per zone, cut from the earliest call in it. */
    for (guint i = 0; i < n_invites; i++) {
        const NyInvite *inv = &invites[i];
        NyTime earliest = inv->start;
        icalcomponent *vtz;

        if (is_utc(inv->tzid) || g_hash_table_contains(zones, inv->tzid))
            continue;
        for (guint j = i + 1; j < n_invites; j++) {
            if (!is_utc(invites[j].tzid) && strcmp(invites[j].tzid, inv->tzid) == 0)
                earliest = MIN(earliest, invites[j].start);
        }
        vtz = vtimezone_for(inv->tzid, earliest, error);
        if (vtz == NULL)
            return NULL;
        icalcomponent_add_component(cal, vtz);
        g_hash_table_add(zones, (gpointer)inv->tzid);
    }
    for (guint i = 0; i < n_invites; i++)
        icalcomponent_add_component(cal, build_event(&invites[i], dtstamp));
    return calendar_text(cal, error);
}

/* Calendar writes: holds and booked calls (doc/calendar-writes.md). */

#define X_FOLLOWUP "X-NOTYET-FOLLOWUP"
#define X_STORE "X-NOTYET-STORE"
#define X_WRITE "X-NOTYET-WRITE"
#define X_GRID "X-NOTYET-GRID"
#define X_DIGEST "X-NOTYET-DIGEST"

/* Our ids go into X- property values, which libical writes as they are:
 * only characters that need no escaping in any iCalendar value. */
static gboolean
id_ok(const char *id)
{
    if (id == NULL || *id == '\0' || strlen(id) > 200)
        return FALSE;
    for (const char *p = id; *p; p++) {
        if (!g_ascii_isalnum(*p) && strchr(".-_@", *p) == NULL)
            return FALSE;
    }
    return TRUE;
}

/* The grid mark: "slot=20 grid=30", written as it is (no character a
 * server would escape). */
static gboolean
grid_ok(const char *grid)
{
    if (grid == NULL)
        return TRUE;
    if (*grid == '\0' || strlen(grid) > 200)
        return FALSE;
    for (const char *p = grid; *p; p++) {
        if (!g_ascii_isalnum(*p) && strchr("= -_", *p) == NULL)
            return FALSE;
    }
    return TRUE;
}

static gboolean
check_owner(const NyInviteOwner *owner, GError **error)
{
    if (!id_ok(owner->followup_id) || !id_ok(owner->store_id) ||
        (owner->write_id != NULL && !id_ok(owner->write_id)) || !grid_ok(owner->grid)) {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID,
                    "a calendar event needs a follow-up id and a store id of letters and "
                    "digits");
        return FALSE;
    }
    return TRUE;
}

static void
add_x(icalcomponent *ev, const char *name, const char *value)
{
    icalproperty *prop = icalproperty_new_x(value);

    icalproperty_set_x_name(prop, name);
    icalcomponent_add_property(ev, prop);
}

static void
mark_ours(icalcomponent *ev, const NyInviteOwner *owner)
{
    add_x(ev, X_FOLLOWUP, owner->followup_id);
    add_x(ev, X_STORE, owner->store_id);
    if (owner->write_id != NULL)
        add_x(ev, X_WRITE, owner->write_id);
    if (owner->grid != NULL)
        add_x(ev, X_GRID, owner->grid);
}

/* The properties whose change makes an event something else than what
 * notyet wrote: its time and recurrence, what it says, who is in it,
 * whether it keeps the time. Not DTSTAMP, SEQUENCE, CREATED or
 * LAST-MODIFIED (clients and servers set them on any save), not X- ones
 * (notyet's own marks; clients add theirs). */
static const icalproperty_kind digest_kinds[] = {
    ICAL_DTSTART_PROPERTY,     ICAL_DTEND_PROPERTY,        ICAL_DURATION_PROPERTY,
    ICAL_RRULE_PROPERTY,       ICAL_RDATE_PROPERTY,        ICAL_EXDATE_PROPERTY,
    ICAL_EXRULE_PROPERTY,      ICAL_RECURRENCEID_PROPERTY, ICAL_SUMMARY_PROPERTY,
    ICAL_DESCRIPTION_PROPERTY, ICAL_LOCATION_PROPERTY,     ICAL_COMMENT_PROPERTY,
    ICAL_URL_PROPERTY,         ICAL_ATTACH_PROPERTY,       ICAL_CATEGORIES_PROPERTY,
    ICAL_STATUS_PROPERTY,      ICAL_TRANSP_PROPERTY,       ICAL_CLASS_PROPERTY,
    ICAL_PRIORITY_PROPERTY,    ICAL_ORGANIZER_PROPERTY,    ICAL_ATTENDEE_PROPERTY,
    ICAL_CONTACT_PROPERTY,     ICAL_RESOURCES_PROPERTY,    ICAL_GEO_PROPERTY,
};

static int
compare_strings(gconstpointer a, gconstpointer b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* One property as a line of its name, its parameters sorted (libical
 * quotes them its own way, whatever the server sent) and its value. Not
 * SCHEDULE-STATUS, which a scheduling server sets on the attendee. */
static char *
digest_line(icalproperty *p)
{
    g_autoptr(GPtrArray) params = g_ptr_array_new_with_free_func(free);
    GString *line = g_string_new(icalproperty_get_property_name(p));
    char *value;

    for (icalparameter *q = icalproperty_get_first_parameter(p, ICAL_ANY_PARAMETER); q != NULL;
         q = icalproperty_get_next_parameter(p, ICAL_ANY_PARAMETER)) {
        if (icalparameter_isa(q) == ICAL_SCHEDULESTATUS_PARAMETER)
            continue;
        g_ptr_array_add(params, icalparameter_as_ical_string_r(q));
    }
    g_ptr_array_sort(params, compare_strings);
    for (guint i = 0; i < params->len; i++)
        g_string_append_printf(line, ";%s", (const char *)g_ptr_array_index(params, i));
    value = icalproperty_get_value_as_string_r(p);
    g_string_append_printf(line, ":%s", value != NULL ? value : "");
    free(value);
    return g_string_free(line, FALSE);
}

/* SHA-256 of @ev's content (digest_kinds, each kind's lines sorted) and
 * of the kinds of its subcomponents (an alarm added is an edit). */
static char *
event_digest(icalcomponent *ev)
{
    g_autoptr(GChecksum) sum = g_checksum_new(G_CHECKSUM_SHA256);

    for (guint k = 0; k < G_N_ELEMENTS(digest_kinds); k++) {
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);

        for (icalproperty *p = icalcomponent_get_first_property(ev, digest_kinds[k]); p != NULL;
             p = icalcomponent_get_next_property(ev, digest_kinds[k]))
            g_ptr_array_add(lines, digest_line(p));
        g_ptr_array_sort(lines, compare_strings);
        for (guint i = 0; i < lines->len; i++) {
            const char *line = g_ptr_array_index(lines, i);
            g_checksum_update(sum, (const guchar *)line, (gssize)strlen(line));
            g_checksum_update(sum, (const guchar *)"\n", 1);
        }
    }
    for (icalcomponent *c = icalcomponent_get_first_component(ev, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(ev, ICAL_ANY_COMPONENT)) {
        const char *name = icalcomponent_kind_to_string(icalcomponent_isa(c));
        g_checksum_update(sum, (const guchar *)"BEGIN:", 6);
        g_checksum_update(sum, (const guchar *)(name != NULL ? name : "?"),
                          (gssize)strlen(name != NULL ? name : "?"));
        g_checksum_update(sum, (const guchar *)"\n", 1);
    }
    return g_strdup(g_checksum_get_string(sum));
}

/* The last mark: what the event says as notyet wrote it. */
static void
seal(icalcomponent *ev)
{
    g_autofree char *digest = event_digest(ev);

    add_x(ev, X_DIGEST, digest);
}

/* The resource: a VCALENDAR without METHOD (RFC 4791 4.1), the event's
 * zone, the event. Takes @ev. */
static char *
resource_text(icalcomponent *ev, const char *tzid, NyTime start, GError **error)
{
    g_autoptr(icalcomponent) cal = calendar_new(NY_INVITE_METHOD_NONE);

    if (!is_utc(tzid)) {
        icalcomponent *vtz = vtimezone_for(tzid, start, error);
        if (vtz == NULL) {
            icalcomponent_free(ev);
            return NULL;
        }
        icalcomponent_add_component(cal, vtz);
    }
    icalcomponent_add_component(cal, ev);
    return calendar_text(cal, error);
}

char *
ny_invite_build_hold(const NyHold *hold, const NyInviteOwner *owner, NyTime dtstamp, GError **error)
{
    icalcomponent *ev;
    g_autofree char *summary = NULL;

    g_return_val_if_fail(hold != NULL && owner != NULL, NULL);
    if (!check_call(hold->uid, hold->start, hold->end, hold->tzid, 0, error) ||
        !check_owner(owner, error))
        return NULL;
    if (hold->summary == NULL || *hold->summary == '\0') {
        g_set_error(error, NY_INVITE_ERROR, NY_INVITE_ERROR_INVALID,
                    "a hold needs a summary: set [letter] hold_summary");
        return NULL;
    }
    summary = clean_text(hold->summary, FALSE);

    ev = icalcomponent_new(ICAL_VEVENT_COMPONENT);
    icalcomponent_add_property(ev, icalproperty_new_uid(hold->uid));
    icalcomponent_add_property(ev, icalproperty_new_dtstamp(icaltime_from_timet_with_zone(
                                       (time_t)dtstamp, 0, icaltimezone_get_utc_timezone())));
    icalcomponent_add_property(ev, time_property(ICAL_DTSTART_PROPERTY, hold->start, hold->tzid));
    icalcomponent_add_property(ev, time_property(ICAL_DTEND_PROPERTY, hold->end, hold->tzid));
    icalcomponent_add_property(ev, icalproperty_new_sequence(0));
    /* RFC 5545 3.8.1.11, 3.8.2.7: tentative, yet busy for everyone who looks. */
    icalcomponent_add_property(ev, icalproperty_new_status(ICAL_STATUS_TENTATIVE));
    icalcomponent_add_property(ev, icalproperty_new_transp(ICAL_TRANSP_OPAQUE));
    icalcomponent_add_property(ev, icalproperty_new_summary(summary));
    icalcomponent_add_property(ev, icalproperty_new_categories("notyet-hold"));
    mark_ours(ev, owner);
    seal(ev);
    return resource_text(ev, hold->tzid, hold->start, error);
}

char *
ny_invite_build_booked(const NyInvite *invite, const NyInviteOwner *owner, gboolean send,
                       NyTime dtstamp, GError **error)
{
    icalcomponent *ev;

    g_return_val_if_fail(invite != NULL && owner != NULL, NULL);
    if (!check_call(invite->uid, invite->start, invite->end, invite->tzid, 0, error) ||
        !check_owner(owner, error))
        return NULL;
    ev = build_event(invite, dtstamp);
    /* RFC 6638 7.1: SCHEDULE-AGENT=CLIENT on the attendee tells a
     * scheduling server that the client sends the invitation itself. */
    if (!send) {
        icalproperty *att = icalcomponent_get_first_property(ev, ICAL_ATTENDEE_PROPERTY);
        if (att != NULL)
            icalproperty_add_parameter(att,
                                       icalparameter_new_scheduleagent(ICAL_SCHEDULEAGENT_CLIENT));
    }
    mark_ours(ev, owner);
    seal(ev);
    return resource_text(ev, invite->tzid, invite->start, error);
}

/* The value of X-NOTYET-STORE in @ev: NULL when it has none, "" when it
 * has several that differ. */
static const char *
store_of(icalcomponent *ev)
{
    const char *found = NULL;

    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
        const char *name = icalproperty_get_x_name(p);
        const char *value = icalproperty_get_x(p);

        if (name == NULL || g_ascii_strcasecmp(name, X_STORE) != 0)
            continue;
        if (value == NULL || (found != NULL && strcmp(found, value) != 0))
            return "";
        found = value;
    }
    return found;
}

/* The X- property @name of @ev, or NULL. */
static const char *
x_of(icalcomponent *ev, const char *name)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_X_PROPERTY); p != NULL;
         p = icalcomponent_get_next_property(ev, ICAL_X_PROPERTY)) {
        const char *its = icalproperty_get_x_name(p);
        if (its != NULL && g_ascii_strcasecmp(its, name) == 0)
            return icalproperty_get_x(p);
    }
    return NULL;
}

static gboolean
has_hold_category(icalcomponent *ev)
{
    for (icalproperty *p = icalcomponent_get_first_property(ev, ICAL_CATEGORIES_PROPERTY);
         p != NULL; p = icalcomponent_get_next_property(ev, ICAL_CATEGORIES_PROPERTY)) {
        const char *value = icalproperty_get_categories(p);
        if (value != NULL && strcmp(value, "notyet-hold") == 0)
            return TRUE;
    }
    return FALSE;
}

void
ny_invite_marks_clear(NyInviteMarks *marks)
{
    g_clear_pointer(&marks->uid, g_free);
    g_clear_pointer(&marks->store_id, g_free);
    g_clear_pointer(&marks->followup_id, g_free);
    g_clear_pointer(&marks->write_id, g_free);
    g_clear_pointer(&marks->grid, g_free);
    marks->unedited = FALSE;
    marks->dtstamp = 0;
    marks->hold = FALSE;
    marks->cancelled = FALSE;
}

gboolean
ny_invite_read_marks(const char *text, NyInviteMarks *out)
{
    g_autoptr(icalcomponent) cal = NULL;
    const char *uid = NULL;
    const char *store = NULL;
    icalcomponent *marked = NULL;
    guint events = 0;
    const char *digest;

    g_return_val_if_fail(out != NULL, FALSE);
    if (text == NULL)
        return FALSE;
    cal = icalparser_parse_string(text);
    /* A text libical had to mend (a missing END, a broken line) is not
     * proof of anything. */
    if (cal == NULL || icalcomponent_isa(cal) != ICAL_VCALENDAR_COMPONENT ||
        icalcomponent_count_errors(cal) > 0)
        return FALSE;
    for (icalcomponent *c = icalcomponent_get_first_component(cal, ICAL_ANY_COMPONENT); c != NULL;
         c = icalcomponent_get_next_component(cal, ICAL_ANY_COMPONENT)) {
        icalcomponent_kind kind = icalcomponent_isa(c);
        const char *its_uid;
        const char *its_store;

        if (kind == ICAL_VTIMEZONE_COMPONENT)
            continue;
        if (kind != ICAL_VEVENT_COMPONENT)
            return FALSE;
        /* One event: its overrides share its UID. */
        its_uid = icalcomponent_get_uid(c);
        if (its_uid == NULL || *its_uid == '\0' || (uid != NULL && strcmp(its_uid, uid) != 0))
            return FALSE;
        uid = its_uid;
        events++;
        its_store = store_of(c);
        if (its_store == NULL)
            continue;
        if (*its_store == '\0' || (store != NULL && strcmp(its_store, store) != 0))
            return FALSE;
        store = its_store;
        if (marked == NULL)
            marked = c;
    }
    if (marked == NULL)
        return FALSE;
    out->uid = g_strdup(uid);
    out->store_id = g_strdup(store);
    out->followup_id = g_strdup(x_of(marked, X_FOLLOWUP));
    out->write_id = g_strdup(x_of(marked, X_WRITE));
    if (icalcomponent_get_first_property(marked, ICAL_DTSTAMP_PROPERTY) != NULL)
        out->dtstamp = (NyTime)icaltime_as_timet(icalcomponent_get_dtstamp(marked));
    else
        out->dtstamp = 0;
    out->hold = has_hold_category(marked);
    out->cancelled = icalcomponent_get_status(marked) == ICAL_STATUS_CANCELLED;
    out->grid = g_strdup(x_of(marked, X_GRID));
    digest = x_of(marked, X_DIGEST);
    if (events == 1 && digest != NULL) {
        g_autofree char *now = event_digest(marked);
        out->unedited = strcmp(now, digest) == 0;
    } else {
        out->unedited = FALSE;
    }
    return TRUE;
}

char *
ny_invite_digest(const char *text)
{
    g_autoptr(icalcomponent) cal = text != NULL ? icalparser_parse_string(text) : NULL;
    icalcomponent *ev;

    if (cal == NULL)
        return NULL;
    ev = icalcomponent_isa(cal) == ICAL_VEVENT_COMPONENT
             ? cal
             : icalcomponent_get_first_component(cal, ICAL_VEVENT_COMPONENT);
    return ev != NULL ? event_digest(ev) : NULL;
}

gboolean
ny_invite_is_ours(const char *text, const char *store_id, const char *uid)
{
    g_auto(NyInviteMarks) marks = {0};

    if (store_id == NULL || uid == NULL || *store_id == '\0' || *uid == '\0')
        return FALSE;
    return ny_invite_read_marks(text, &marks) && strcmp(marks.uid, uid) == 0 &&
           strcmp(marks.store_id, store_id) == 0;
}

gboolean
ny_invite_same_write(const char *sent, const char *found)
{
    g_auto(NyInviteMarks) a = {0};
    g_auto(NyInviteMarks) b = {0};

    if (sent == NULL || found == NULL || !ny_invite_read_marks(sent, &a) ||
        !ny_invite_read_marks(found, &b))
        return FALSE;
    if (strcmp(a.uid, b.uid) != 0 || strcmp(a.store_id, b.store_id) != 0 ||
        g_strcmp0(a.followup_id, b.followup_id) != 0 || a.hold != b.hold)
        return FALSE;
    if (a.write_id != NULL)
        return g_strcmp0(a.write_id, b.write_id) == 0;
    return b.write_id == NULL && a.dtstamp == b.dtstamp;
}
