/* holds.c: holds and booked calls on the calendar, kept in step with the
 * store (include/notyet/holds.h, doc/calendar-writes.md).
 *
 * The conditional requests are src/caldav-write.c's; this module decides
 * which event to write, keeps the store's record of it (calendar_events in
 * src/store.c) and turns a 412 into a line saying what was left alone.
 */
#include "notyet/holds.h"

#include <string.h>

#include "notyet/busy.h"
#include "notyet/db.h"
#include "notyet/http.h"
#include "notyet/slots.h"

G_DEFINE_QUARK(ny_holds_error, ny_holds_error)

struct _NyHolds {
    const NyCalendarConfig *target; /* borrowed from the configuration */
    char *cache_path;
    NyCaldavOptions options;
    NyTime now; /* the command's time (--now): DTSTAMP, created, the orphans' age */
    char *store_id;
    NyHttp *http;       /* made on the first write */
    char *calendar_url; /* resolved on the first new event */
    GPtrArray *written; /* (element-type NyCaldavWritten) of the last ny_holds_write() */
    GPtrArray *uids;    /* (element-type utf8) their UIDs */

    /* The grid (doc/calendar-writes.md, "Two grids"). */
    char *grid;              /* X-NOTYET-GRID of what this store writes: "slot=20 grid=30" */
    NyTime slot_length;      /* slot_minutes, in seconds */
    NyTime grid_step;        /* grid_minutes, in seconds */
    gboolean grid_default;   /* the default grid: a hold's name is its claim */
    NyTime other_grid_seen;  /* when another store's grid was last seen (store_meta), or 0 */
    gboolean saw_other_grid; /* the sweep saw another store's event of another grid */
    gboolean saw_named_grid; /* ... one that names its grid (not an older event) */
    GArray *theirs;          /* (element-type NyInterval) other stores' holds of this grid */
};

/* How long a store keeps reading the holds calendar after its writes once
 * it has seen another store's grid: that store may be idle for a while,
 * its holds gone, and come back. */
#define NY_HOLDS_GRID_MEMORY (30 * 86400)
#define NY_HOLDS_GRID_SEEN_KEY "other_grid_seen"

const NyCalendarConfig *
ny_holds_target(const NyConfig *config)
{
    for (guint i = 0; config != NULL && i < config->calendars->len; i++) {
        const NyCalendarConfig *c = g_ptr_array_index(config->calendars, i);
        if (c->type == NY_SOURCE_CALDAV && c->holds != NULL)
            return c;
    }
    return NULL;
}

/* This store's grid, and whether it has seen another one lately. */
static gboolean
grid_open(NyHolds *h, const NyConfig *config, NyStore *store, GError **error)
{
    const NyAvailability *a = &config->availability;
    NyAvailability def;
    g_autofree char *seen = NULL;

    ny_availability_init_default(&def);
    h->grid = g_strdup_printf("slot=%d grid=%d", a->slot_minutes, a->grid_minutes);
    h->slot_length = (NyTime)a->slot_minutes * 60;
    h->grid_step = (NyTime)a->grid_minutes * 60;
    h->grid_default = a->slot_minutes == def.slot_minutes && a->grid_minutes == def.grid_minutes;
    h->theirs = ny_intervals_new();
    if (!ny_store_get_meta(store, NY_HOLDS_GRID_SEEN_KEY, &seen, error))
        return FALSE;
    h->other_grid_seen = seen != NULL ? g_ascii_strtoll(seen, NULL, 10) : 0;
    return TRUE;
}

NyHolds *
ny_holds_open(const NyConfig *config, NyStore *store, const char *cache_path,
              const NyCaldavOptions *options, NyTime now, GError **error)
{
    g_autoptr(NyHolds) h = g_new0(NyHolds, 1);

    h->target = ny_holds_target(config);
    g_return_val_if_fail(h->target != NULL && options != NULL, NULL);
    h->cache_path = g_strdup(cache_path);
    h->options = *options;
    h->now = now;
    h->store_id = ny_store_id(store, error);
    if (h->store_id == NULL)
        return NULL;
    if (!grid_open(h, config, store, error))
        return NULL;
    return g_steal_pointer(&h);
}

const char *
ny_holds_store_id(const NyHolds *h)
{
    return h->store_id;
}

void
ny_holds_free(NyHolds *h)
{
    if (h == NULL)
        return;
    g_free(h->cache_path);
    g_free(h->store_id);
    g_clear_pointer(&h->http, ny_http_free);
    g_free(h->calendar_url);
    g_clear_pointer(&h->written, g_ptr_array_unref);
    g_clear_pointer(&h->uids, g_ptr_array_unref);
    g_free(h->grid);
    g_clear_pointer(&h->theirs, g_array_unref);
    g_free(h);
}

static NyHttp *
session(NyHolds *h, GError **error)
{
    if (h->http == NULL)
        h->http = ny_caldav_session_new(h->target, &h->options, NULL, error);
    return h->http;
}

/* The cached calendars of the holds= group, synced once more when holds=
 * is not among them (a lookup that read --ics files only). */
static GPtrArray *
cached_calendars(NyHolds *h, NyCache *cache, GError **error)
{
    g_autoptr(GPtrArray) cached = ny_cache_list_calendars(cache, h->target->name, error);

    if (cached == NULL)
        return NULL;
    if (cached->len > 0)
        return g_steal_pointer(&cached);
    if (!ny_caldav_sync(h->target, cache, &h->options, NULL, NULL, error))
        return NULL;
    return ny_cache_list_calendars(cache, h->target->name, error);
}

/* holds= as the calendar's URL, from the cache the lookup filled. */
static const char *
calendar_url(NyHolds *h, GError **error)
{
    g_autoptr(NyCache) cache = NULL;
    g_autoptr(GPtrArray) cached = NULL;

    if (h->calendar_url != NULL)
        return h->calendar_url;
    if (h->cache_path == NULL) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                    "calendar '%s': holds=%s: no cache to find the calendar in", h->target->name,
                    h->target->holds);
        return NULL;
    }
    cache = ny_cache_open(h->cache_path, error);
    if (cache == NULL)
        return NULL;
    cached = cached_calendars(h, cache, error);
    if (cached == NULL)
        return NULL;
    h->calendar_url = ny_caldav_holds_url(h->target, cached, error);
    return h->calendar_url;
}

/* The marks of one write: the follow-up, the store and a fresh write id
 * (doc/calendar-writes.md, "Holds"). */
typedef struct {
    NyInviteOwner marks; /* points into the strings below */
    char *followup_id;
    char *write_id;
} Owner;

static void
owner_init(Owner *o, const NyHolds *h, gint64 followup_id)
{
    o->followup_id = g_strdup_printf("%" G_GINT64_FORMAT, followup_id);
    o->write_id = g_uuid_string_random();
    o->marks.followup_id = o->followup_id;
    o->marks.store_id = h->store_id;
    o->marks.write_id = o->write_id;
    o->marks.grid = h->grid;
}

static void
owner_clear(Owner *o)
{
    g_clear_pointer(&o->followup_id, g_free);
    g_clear_pointer(&o->write_id, g_free);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Owner, owner_clear)

static void
event_of(const NyHolds *h, const NyStoreEvent *e, NyCaldavEvent *out)
{
    memset(out, 0, sizeof(*out));
    out->url = e->url;
    out->etag = e->etag;
    out->uid = e->uid;
    out->store_id = h->store_id;
}

/* "the hold of follow-up #3 on Monday, ..." is the caller's; ours is short. */
static void
note_left_alone(const NyHolds *h, const NyStoreEvent *e, const char *why, GPtrArray *notes)
{
    g_autofree char *shown = ny_http_url_display(e->url);

    if (notes != NULL)
        g_ptr_array_add(notes,
                        g_strdup_printf("calendar '%s': left the %s of follow-up #%" G_GINT64_FORMAT
                                        " alone (%s): %s",
                                        h->target->name,
                                        e->kind == NY_STORE_EVENT_HOLD ? "hold" : "booked call",
                                        e->followup_id, why, shown));
}

/* After a 412 or a refusal: reads the event again so the note says what
 * became of it. */
static const char *
why_left(NyHolds *h, const NyStoreEvent *e)
{
    NyCaldavEvent ev;
    NyCaldavEventState state = NY_CALDAV_EVENT_UNCHANGED;

    event_of(h, e, &ev);
    if (!ny_caldav_event_check(h->http, &ev, &state, NULL, NULL, NULL))
        return "changed on the server";
    switch (state) {
    case NY_CALDAV_EVENT_EDITED:
        return "you changed it on the server";
    case NY_CALDAV_EVENT_NOT_OURS:
        return "it is no longer notyet's";
    case NY_CALDAV_EVENT_GONE:
        return "it is gone";
    case NY_CALDAV_EVENT_UNCHANGED:
        break;
    }
    return "changed on the server";
}

/* The event @e is the user's from now on: said once, and remembered so
 * that no later sweep deletes it (doc/calendar-writes.md, "Left to the
 * user"), in a transaction of its own. */
static gboolean
leave_to_user(NyHolds *h, NyStore *store, const NyStoreEvent *e, const char *why, GPtrArray *notes,
              GError **error)
{
    note_left_alone(h, e, why, notes);
    if (!ny_store_begin(store, error))
        return FALSE;
    if (!ny_store_leave_event(store, e->url, e->uid, h->now, error) ||
        !ny_store_commit(store, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    return TRUE;
}

static gboolean
left_alone(const GError *e)
{
    return g_error_matches(e, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_CHANGED) ||
           g_error_matches(e, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_NOT_OURS);
}

/* Reads the marks of @text (nullable) into @marks: TRUE when it is an
 * event this store wrote (its X-NOTYET-STORE). */
static gboolean
read_own_marks(const NyHolds *h, const char *text, NyInviteMarks *marks)
{
    return ny_invite_read_marks(text, marks) && g_strcmp0(marks->store_id, h->store_id) == 0;
}

/* The busy time of one event text over [@from, @to). */
static GArray *
event_busy(const char *text, NyTime from, NyTime to)
{
    g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    NyBusyQuery query;

    ny_busy_query_init(&query, from, to, utc, "UTC", NULL);
    if (!ny_busy_compute(&query, text, strlen(text), busy, warnings, NULL))
        return NULL;
    ny_intervals_normalize(busy, from, to);
    return g_steal_pointer(&busy);
}

/* The name of a hold at @start: "notyet-hold-20260105T090000Z.ics", then
 * "...-2.ics" and on when something that leaves the time free sits at the
 * first. The same time gives every store the same name, so the PUT with
 * If-None-Match: * is the claim: of two stores that picked one time at one
 * instant, the second gets 412 (doc/calendar-writes.md, "Two stores"). */
static char *
hold_url(const char *base, NyTime start, guint n)
{
    g_autofree char *stamp = ny_time_format_basic_utc(start);

    if (n == 0)
        return g_strdup_printf("%snotyet-hold-%s.ics", base, stamp);
    return g_strdup_printf("%snotyet-hold-%s-%u.ics", base, stamp, n + 1);
}

/* How many names a hold tries before giving up (the first one, and one
 * per event left there that keeps the time free). */
#define NY_HOLDS_CLAIM_NAMES 4

/* Whether the event @text found at a hold's name keeps @slot from being
 * offered: busy over it, and not a hold of @f itself (a nudge may offer a
 * time again whose old hold it deletes after its commit). */
static gboolean
blocks(const NyHolds *h, const char *text, const NyFollowup *f, const NyInterval *slot)
{
    g_auto(NyInviteMarks) marks = {0};
    g_autoptr(GArray) busy = NULL;
    g_autofree char *id = g_strdup_printf("%" G_GINT64_FORMAT, f->id);

    if (read_own_marks(h, text, &marks) && marks.hold && g_strcmp0(marks.followup_id, id) == 0)
        return FALSE;
    busy = event_busy(text, slot->start, slot->end);
    /* Unreadable: counted as busy, like the lookup counts what it cannot
     * read as a warning, never as free time. */
    return busy == NULL || busy->len > 0;
}

/* The error of a reply that yields to another store's holds. */
static void
set_race(const NyHolds *h, GError **error)
{
    g_set_error(error, NY_HOLDS_ERROR, NY_HOLDS_ERROR_RACE,
                "calendar '%s': another notyet held one of these times at the "
                "same moment; nothing was recorded: run the command again",
                h->target->name);
}

/* Writes the hold @text of @slot at the first free name: TRUE with the
 * written event in @out, or FALSE: NY_HOLDS_ERROR_RACE when an event at the
 * name keeps the time (another store claimed it since our lookup), else
 * the write's error. Never writes over anything. */
static gboolean
claim(NyHolds *h, const char *base, const NyFollowup *f, const NyInterval *slot, const char *text,
      NyCaldavWritten **out, GError **error)
{
    for (guint n = 0; n < NY_HOLDS_CLAIM_NAMES; n++) {
        g_autoptr(NyCaldavWritten) w = g_new0(NyCaldavWritten, 1);
        g_autoptr(GError) local = NULL;
        g_autofree char *there = NULL;

        w->url = hold_url(base, slot->start, n);
        if (ny_caldav_event_create(h->http, w->url, text, &w->etag, &local)) {
            *out = g_steal_pointer(&w);
            return TRUE;
        }
        if (!g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_EXISTS)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        g_clear_error(&local);
        there = ny_caldav_event_fetch(h->http, w->url, NULL, &local);
        if (there == NULL &&
            !g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE)) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        /* Gone meanwhile: its owner released the time; the next name. */
        if (there != NULL && blocks(h, there, f, slot)) {
            set_race(h, error);
            return FALSE;
        }
    }
    g_set_error(error, NY_HOLDS_ERROR, NY_HOLDS_ERROR_FAILED,
                "calendar '%s': %d events sit where a hold of this time goes; remove the "
                "cancelled ones, or run with --no-hold",
                h->target->name, NY_HOLDS_CLAIM_NAMES);
    return FALSE;
}

/* Whether a hold's name may not be its whole claim: another store may hold
 * a time that overlaps one of @f's slots from another start. So when this
 * store's grid is not the default one (another store on the default grid
 * picks other starts), when the sweep saw another store's event of another
 * grid or this store saw one in the last NY_HOLDS_GRID_MEMORY, or when a
 * hold of another store on this very grid does not fall on this store's
 * grid times (a time zone whose midnight is off the grid). */
static gboolean
must_check(const NyHolds *h, const NyFollowup *f)
{
    const NyInterval *first = &g_array_index(f->slots, NyInterval, 0);

    if (!h->grid_default || h->saw_other_grid)
        return TRUE;
    if (h->other_grid_seen != 0 && h->now - h->other_grid_seen < NY_HOLDS_GRID_MEMORY)
        return TRUE;
    for (guint i = 0; i < h->theirs->len; i++) {
        const NyInterval *t = &g_array_index(h->theirs, NyInterval, i);
        if ((t->start - first->start) % h->grid_step != 0 || t->end - t->start != h->slot_length)
            return TRUE;
    }
    return FALSE;
}

/* After the holds of @f are written: one read of the holds calendar over
 * their span. Another store's hold or booked call that
 * overlaps one of them (written from another start, so its name was no
 * claim on ours) makes this reply yield as a 412 does: of two stores that
 * both read after writing, at least one sees the other
 * (doc/calendar-writes.md, "Two grids"). */
static gboolean
check_overlaps(NyHolds *h, const char *base, const NyFollowup *f, GError **error)
{
    NyTime from = G_MAXINT64;
    NyTime to = G_MININT64;
    g_autoptr(GPtrArray) texts = NULL;

    for (guint i = 0; i < f->slots->len; i++) {
        const NyInterval *slot = &g_array_index(f->slots, NyInterval, i);
        from = MIN(from, slot->start);
        to = MAX(to, slot->end);
    }
    texts = ny_caldav_events_between(h->http, base, from, to, error);
    if (texts == NULL) {
        g_prefix_error(error, "calendar '%s': holds: ", h->target->name);
        return FALSE;
    }
    for (guint i = 0; i < texts->len; i++) {
        const char *text = g_ptr_array_index(texts, i);
        g_auto(NyInviteMarks) marks = {0};

        /* Only notyet's events of other stores: ours are in the store,
         * and what the lookup does not count as busy must not make a
         * reply yield again and again. */
        if (!ny_invite_read_marks(text, &marks) || marks.cancelled ||
            g_strcmp0(marks.store_id, h->store_id) == 0)
            continue;
        for (guint j = 0; j < f->slots->len; j++) {
            if (blocks(h, text, f, &g_array_index(f->slots, NyInterval, j))) {
                set_race(h, error);
                return FALSE;
            }
        }
    }
    return TRUE;
}

gboolean
ny_holds_write(NyHolds *h, NyStore *store, const NyFollowup *f, const char *summary,
               const char *tzid, GError **error)
{
    g_auto(Owner) owner = {0};
    const char *url;

    owner_init(&owner, h, f->id);
    g_clear_pointer(&h->written, g_ptr_array_unref);
    g_clear_pointer(&h->uids, g_ptr_array_unref);
    if (f->slots->len == 0)
        return TRUE;
    url = calendar_url(h, error);
    if (url == NULL || session(h, error) == NULL)
        return FALSE;
    h->written = g_ptr_array_new_with_free_func((GDestroyNotify)ny_caldav_written_free);
    h->uids = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < f->slots->len; i++) {
        const NyInterval *slot = &g_array_index(f->slots, NyInterval, i);
        NyHold hold = {
            .uid = NULL, .summary = summary, .start = slot->start, .end = slot->end, .tzid = tzid};
        g_autofree char *random = g_uuid_string_random();
        g_autofree char *uid = g_strdup_printf("%s@notyet", random);
        g_autofree char *text = NULL;
        NyCaldavWritten *w = NULL;

        hold.uid = uid;
        text = ny_invite_build_hold(&hold, &owner.marks, h->now, error);
        if (text == NULL || !claim(h, url, f, slot, text, &w, error)) {
            if (text != NULL && (*error)->domain != NY_HOLDS_ERROR)
                g_prefix_error(error, "calendar '%s': holds: ", h->target->name);
            ny_holds_undo(h);
            return FALSE;
        }
        g_ptr_array_add(h->written, w);
        g_ptr_array_add(h->uids, g_steal_pointer(&uid));
    }
    if (must_check(h, f) && !check_overlaps(h, url, f, error)) {
        ny_holds_undo(h);
        return FALSE;
    }
    for (guint i = 0; i < h->written->len; i++) {
        const NyCaldavWritten *w = g_ptr_array_index(h->written, i);
        NyStoreEvent e = {
            .url = w->url,
            .followup_id = f->id,
            .calendar_url = (char *)url,
            .etag = w->etag,
            .uid = g_ptr_array_index(h->uids, i),
            .kind = NY_STORE_EVENT_HOLD,
            .span = g_array_index(f->slots, NyInterval, i),
            .created = h->now,
        };
        if (!ny_store_put_event(store, &e, error)) {
            ny_holds_undo(h);
            return FALSE;
        }
    }
    return TRUE;
}

void
ny_holds_undo(NyHolds *h)
{
    for (guint i = 0; h->written != NULL && i < h->written->len; i++) {
        const NyCaldavWritten *w = g_ptr_array_index(h->written, i);
        NyCaldavEvent ev = {.url = w->url,
                            .etag = w->etag,
                            .uid = g_ptr_array_index(h->uids, i),
                            .store_id = h->store_id};

        (void)ny_caldav_event_delete(h->http, &ev, NULL);
    }
    g_clear_pointer(&h->written, g_ptr_array_unref);
    g_clear_pointer(&h->uids, g_ptr_array_unref);
}

/* The booked call ny_holds_book() wrote, for ny_holds_undo(). */
static void
remember_written(NyHolds *h, const char *url, const char *etag, const char *uid)
{
    NyCaldavWritten *w = g_new0(NyCaldavWritten, 1);

    w->url = g_strdup(url);
    w->etag = g_strdup(etag);
    h->written = g_ptr_array_new_with_free_func((GDestroyNotify)ny_caldav_written_free);
    h->uids = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(h->written, w);
    g_ptr_array_add(h->uids, g_strdup(uid));
}

NyStoreEvent *
ny_holds_find(NyStore *store, gint64 followup_id, const NyInterval *span)
{
    g_autoptr(GPtrArray) events = ny_store_list_events(store, followup_id, NULL);
    gint hit = -1;

    /* The booked event first: a rebooking moves it. */
    for (guint i = 0; events != NULL && i < events->len; i++) {
        const NyStoreEvent *e = g_ptr_array_index(events, i);
        if (e->kind == NY_STORE_EVENT_BOOKED) {
            hit = (gint)i;
            break;
        }
        if (hit < 0 && e->span.start == span->start && e->span.end == span->end)
            hit = (gint)i;
    }
    if (hit < 0)
        return NULL;
    return g_ptr_array_steal_index(events, (guint)hit);
}

/* The booked call at @url that a `book` of this follow-up wrote and never
 * recorded (killed before its commit, run again before the sweep): this
 * store's marks, this follow-up's, @uid, a booked call (not a hold, not
 * cancelled; a user's client that accepts a hold keeps its notyet-hold
 * category), not left to the user, and still as it was written (its
 * X-NOTYET-DIGEST: the user may have edited it before this run). It is
 * replaced by @text with If-Match,
 * as the sweep would delete it (doc/calendar-writes.md, "Order and
 * failure"); an edit made since it was read is a 412 and leaves it. */
static gboolean
adopt_unrecorded(NyHolds *h, NyStore *store, const char *url, const char *uid,
                 const char *followup_id, const char *text, char **out_etag)
{
    g_autoptr(GHashTable) left = ny_store_left_events(store, NULL);
    g_autofree char *now = NULL;
    g_autofree char *etag = NULL;
    g_auto(NyInviteMarks) marks = {0};
    NyCaldavEvent ev = {0};

    if (left == NULL || g_hash_table_contains(left, url))
        return FALSE;
    now = ny_caldav_event_fetch(h->http, url, &etag, NULL);
    if (etag == NULL || !read_own_marks(h, now, &marks) ||
        g_strcmp0(marks.followup_id, followup_id) != 0 || g_strcmp0(marks.uid, uid) != 0 ||
        marks.hold || marks.cancelled || !marks.unedited)
        return FALSE;
    ev.url = url;
    ev.etag = etag;
    ev.uid = uid;
    ev.store_id = h->store_id;
    ev.text = now;
    g_clear_pointer(out_etag, g_free);
    return ny_caldav_event_update(h->http, &ev, text, out_etag, NULL);
}

gboolean
ny_holds_book(NyHolds *h, NyStore *store, const NyFollowup *f, const NyInvite *invite,
              gboolean send, GPtrArray *notes, GError **error)
{
    g_auto(Owner) owner = {0};
    g_autoptr(NyStoreEvent) old = ny_holds_find(store, f->id, &f->booked);
    g_autofree char *text = NULL;
    g_autofree char *etag = NULL;
    g_autofree char *new_url = NULL;
    g_autoptr(GError) local = NULL;
    NyCaldavEvent ev;
    NyStoreEvent e = {0};

    owner_init(&owner, h, f->id);
    text = ny_invite_build_booked(invite, &owner.marks, send, h->now, error);
    g_clear_pointer(&h->written, g_ptr_array_unref);
    g_clear_pointer(&h->uids, g_ptr_array_unref);
    if (text == NULL || session(h, error) == NULL)
        return FALSE;
    if (old != NULL && strcmp(old->uid, invite->uid) == 0) {
        event_of(h, old, &ev);
        if (ny_caldav_event_update(h->http, &ev, text, &etag, &local) ||
            (g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_CHANGED) &&
             adopt_unrecorded(h, store, old->url, invite->uid, owner.followup_id, text, &etag))) {
            remember_written(h, old->url, etag, invite->uid);
            e = *old;
            e.etag = etag;
            e.kind = NY_STORE_EVENT_BOOKED;
            e.span = f->booked;
            return ny_store_put_event(store, &e, error);
        }
        if (left_alone(local)) {
            note_left_alone(h, old, why_left(h, old), notes);
            return ny_store_leave_event(store, old->url, old->uid, h->now, error);
        }
        if (!g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "calendar '%s': ", h->target->name);
            return FALSE;
        }
        /* Deleted on the server meanwhile: written anew below. */
        if (!ny_store_forget_event(store, old->url, error))
            return FALSE;
        g_clear_error(&local);
    }
    {
        const char *base = calendar_url(h, error);
        g_autofree char *name = NULL;

        if (base == NULL)
            return FALSE;
        name = g_uri_escape_string(invite->uid, "@", FALSE);
        new_url = g_strconcat(base, name, ".ics", NULL);
        if (!ny_caldav_event_create(h->http, new_url, text, &etag, &local) &&
            !(g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_EXISTS) &&
              adopt_unrecorded(h, store, new_url, invite->uid, owner.followup_id, text, &etag))) {
            if (g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_EXISTS)) {
                /* An event the user kept at that URL (a hold left alone
                 * before): never overwritten. */
                NyStoreEvent kept = {
                    .url = new_url, .followup_id = f->id, .kind = NY_STORE_EVENT_BOOKED};
                note_left_alone(h, &kept, "something else is at its place on the server", notes);
                return ny_store_leave_event(store, new_url, NULL, h->now, error);
            }
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "calendar '%s': ", h->target->name);
            return FALSE;
        }
        remember_written(h, new_url, etag, invite->uid);
        e.url = new_url;
        e.followup_id = f->id;
        e.calendar_url = (char *)base;
        e.etag = etag;
        e.uid = (char *)invite->uid;
        e.kind = NY_STORE_EVENT_BOOKED;
        e.span = f->booked;
        e.created = h->now;
        return ny_store_put_event(store, &e, error);
    }
}

/* Whether the event at @e's URL is this store's cancelled call of the same
 * UID: what an earlier `cancel --send` whose store commit failed left
 * there (doc/calendar-writes.md, "Order and failure"). */
static gboolean
already_cancelled(NyHolds *h, const NyStoreEvent *e)
{
    g_auto(NyInviteMarks) marks = {0};
    g_autofree char *text = ny_caldav_event_fetch(h->http, e->url, NULL, NULL);

    return read_own_marks(h, text, &marks) && marks.cancelled && g_strcmp0(marks.uid, e->uid) == 0;
}

gboolean
ny_holds_cancel(NyHolds *h, NyStore *store, const NyFollowup *f, const NyInvite *invite,
                gboolean send, GPtrArray *notes, GError **error)
{
    g_auto(Owner) owner = {0};
    g_autoptr(GPtrArray) events = ny_store_list_events(store, f->id, error);

    if (events == NULL)
        return FALSE;
    owner_init(&owner, h, f->id);
    for (guint i = 0; i < events->len; i++) {
        NyStoreEvent *old = g_ptr_array_index(events, i);
        g_autoptr(GError) local = NULL;
        g_autofree char *etag = NULL;
        g_autofree char *text = NULL;
        NyCaldavEvent ev;
        gboolean ok;

        if (old->kind != NY_STORE_EVENT_BOOKED)
            continue;
        if (session(h, error) == NULL)
            return FALSE;
        event_of(h, old, &ev);
        if (send) {
            text = ny_invite_build_booked(invite, &owner.marks, TRUE, h->now, error);
            if (text == NULL)
                return FALSE;
            ok = ny_caldav_event_update(h->http, &ev, text, &etag, &local);
        } else {
            ok = ny_caldav_event_delete(h->http, &ev, &local);
        }
        if (!ok && left_alone(local) && !already_cancelled(h, old)) {
            note_left_alone(h, old, why_left(h, old), notes);
            if (!ny_store_leave_event(store, old->url, old->uid, h->now, error))
                return FALSE;
            continue;
        } else if (!ok && !left_alone(local) &&
                   !g_error_matches(local, NY_CALDAV_WRITE_ERROR, NY_CALDAV_WRITE_ERROR_GONE)) {
            g_propagate_prefixed_error(error, g_steal_pointer(&local),
                                       "calendar '%s': ", h->target->name);
            return FALSE;
        }
        /* A cancelled event stays on the calendar for the server's
         * scheduling; notyet is done with it either way. */
        if (!ny_store_forget_event(store, old->url, error))
            return FALSE;
    }
    return TRUE;
}

gboolean
ny_holds_release_list(NyHolds *h, NyStore *store, GPtrArray *events, GPtrArray *notes,
                      GError **error)
{
    g_autoptr(GPtrArray) forget = g_ptr_array_new();
    g_autoptr(GPtrArray) leave = g_ptr_array_new(); /* (element-type NyStoreEvent) */
    guint failed = 0;
    g_autofree char *why = NULL;

    if (events->len == 0)
        return TRUE;
    if (session(h, error) == NULL) {
        if (notes != NULL)
            g_ptr_array_add(notes, g_strdup_printf("calendar '%s': holds not removed: %s",
                                                   h->target->name, (*error)->message));
        g_clear_error(error);
        return TRUE;
    }
    for (guint i = 0; i < events->len; i++) {
        NyStoreEvent *e = g_ptr_array_index(events, i);
        g_autoptr(GError) local = NULL;
        NyCaldavEvent ev;

        event_of(h, e, &ev);
        if (ny_caldav_event_delete(h->http, &ev, &local)) {
            g_ptr_array_add(forget, e->url);
        } else if (left_alone(local)) {
            note_left_alone(h, e, why_left(h, e), notes);
            g_ptr_array_add(leave, e);
        } else {
            failed++;
            if (why == NULL)
                why = g_strdup(local->message);
        }
    }
    if (failed > 0 && notes != NULL)
        g_ptr_array_add(notes, g_strdup_printf("calendar '%s': %u hold%s not removed yet (%s); "
                                               "a later run removes %s",
                                               h->target->name, failed, failed == 1 ? "" : "s", why,
                                               failed == 1 ? "it" : "them"));
    if (forget->len == 0 && leave->len == 0)
        return TRUE;
    if (!ny_store_begin(store, error))
        return FALSE;
    for (guint i = 0; i < forget->len; i++) {
        if (!ny_store_forget_event(store, g_ptr_array_index(forget, i), error)) {
            ny_store_rollback(store);
            return FALSE;
        }
    }
    for (guint i = 0; i < leave->len; i++) {
        const NyStoreEvent *e = g_ptr_array_index(leave, i);
        if (!ny_store_leave_event(store, e->url, e->uid, h->now, error)) {
            ny_store_rollback(store);
            return FALSE;
        }
    }
    return ny_store_commit(store, error);
}

gboolean
ny_holds_release(NyHolds *h, NyStore *store, gint64 followup_id, GPtrArray *notes, GError **error)
{
    g_autoptr(GPtrArray) events = ny_store_list_events(store, followup_id, error);

    if (events == NULL)
        return FALSE;
    for (guint i = events->len; i > 0; i--) {
        const NyStoreEvent *e = g_ptr_array_index(events, i - 1);
        if (e->kind != NY_STORE_EVENT_HOLD)
            g_ptr_array_remove_index(events, i - 1);
    }
    return ny_holds_release_list(h, store, events, notes, error);
}

/* Whether the hold @e still keeps an offered time of a live follow-up. */
static gboolean
is_live(GPtrArray *live, const NyStoreEvent *e)
{
    for (guint i = 0; live != NULL && i < live->len; i++) {
        const NyFollowup *f = g_ptr_array_index(live, i);

        if (f->id != e->followup_id)
            continue;
        for (guint j = 0; j < f->slots->len; j++) {
            const NyInterval *slot = &g_array_index(f->slots, NyInterval, j);
            if (slot->start == e->span.start && slot->end == e->span.end)
                return TRUE;
        }
    }
    return FALSE;
}

/* One cached object of the holds calendar, while looking for orphans. */
typedef struct {
    NyHolds *h;
    GHashTable *recorded; /* url -> the NyStoreEvent the store keeps */
    GHashTable *left;     /* the URLs left to the user (ny_store_left_events()) */
    GHashTable *etags;    /* href -> ETag, from the cache */
    const char *base;     /* the calendar's URL */
    NyTime now;
    GPtrArray *orphans; /* (element-type NyStoreEvent) */
    GPtrArray *edited;  /* (element-type NyStoreEvent): orphans the user changed */
} Sweep;

/* An event of another store: what grid it was written on
 * (doc/calendar-writes.md, "Two grids"). */
static void
other_store(Sweep *s, const NyInviteMarks *marks, const char *ics)
{
    NyHolds *h = s->h;
    g_autoptr(GArray) busy = NULL;

    if (g_strcmp0(marks->grid, h->grid) != 0) {
        h->saw_other_grid = TRUE;
        h->saw_named_grid = h->saw_named_grid || marks->grid != NULL;
        return;
    }
    if (!marks->hold)
        return;
    busy = event_busy(ics, s->now, s->now + 400 * 86400);
    if (busy != NULL)
        g_array_append_vals(h->theirs, busy->data, busy->len);
}

/* An event of this store that no record owns: a hold or a booked call
 * written by a run killed before its commit (or whose commit failed and
 * whose undo failed too), or a booked call at the place of a recorded
 * hold: the booking of a `book` killed before its commit, its follow-up
 * still offered in the store. A cancelled event keeps no time and is left
 * to the server's scheduling; an event notyet once found edited by the
 * user is theirs (ny_store_leave_event()) and never swept, and so is one
 * whose content no longer has the digest it was written with (an edit the
 * store never saw: doc/calendar-writes.md, "Left to the user"). */
static void
sweep_object(const char *href, const char *ics, gsize len, gpointer data)
{
    Sweep *s = data;
    g_auto(NyInviteMarks) marks = {0};
    g_autofree char *url = NULL;
    const NyStoreEvent *known;
    NyStoreEvent *e;

    (void)len;
    if (!ny_invite_read_marks(ics, &marks) || marks.cancelled)
        return;
    if (g_strcmp0(marks.store_id, s->h->store_id) != 0) {
        other_store(s, &marks, ics);
        return;
    }
    url = ny_http_resolve(s->base, href);
    if (url == NULL)
        return;
    if (g_hash_table_contains(s->left, url))
        return;
    known = g_hash_table_lookup(s->recorded, url);
    if (known != NULL && (known->kind != NY_STORE_EVENT_HOLD || marks.hold))
        return;
    /* Not yet committed, perhaps: the writer may still be running. */
    if (marks.dtstamp == 0 || s->now - marks.dtstamp < NY_HOLDS_ORPHAN_AGE)
        return;
    e = g_new0(NyStoreEvent, 1);
    e->url = g_steal_pointer(&url);
    e->uid = g_strdup(marks.uid);
    e->etag = g_strdup(g_hash_table_lookup(s->etags, href));
    e->kind = marks.hold ? NY_STORE_EVENT_HOLD : NY_STORE_EVENT_BOOKED;
    e->followup_id = marks.followup_id != NULL ? g_ascii_strtoll(marks.followup_id, NULL, 10) : 0;
    /* Recorded (as the hold it replaced): the record goes with it. */
    e->calendar_url = known != NULL ? g_strdup(known->calendar_url) : NULL;
    g_ptr_array_add(marks.unedited ? s->orphans : s->edited, e);
}

/* The cached calendar at @url, or NULL. */
static const NyCacheCalendar *
cached_at(GPtrArray *cached, const char *url)
{
    for (guint i = 0; i < cached->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cached, i);
        if (ny_caldav_same_collection(c->href, url))
            return c;
    }
    return NULL;
}

/* This store's events on the holds calendar that no record owns
 * (sweep_object()); those with calendar_url set are recorded as a hold. */
static GPtrArray *
find_orphans(NyHolds *h, NyStore *store, NyTime now, GPtrArray *edited, GError **error)
{
    g_autoptr(GPtrArray) orphans =
        g_ptr_array_new_with_free_func((GDestroyNotify)ny_store_event_free);
    g_autoptr(GPtrArray) all = ny_store_list_events(store, 0, error);
    g_autoptr(GHashTable) recorded = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(NyCache) cache = NULL;
    g_autoptr(GPtrArray) cached = NULL;
    g_autoptr(GHashTable) etags = NULL;
    g_autoptr(GHashTable) left = ny_store_left_events(store, error);
    const NyCacheCalendar *cal = NULL;
    const char *base;
    Sweep s = {0};

    if (all == NULL || left == NULL)
        return NULL;
    for (guint i = 0; i < all->len; i++) {
        NyStoreEvent *e = g_ptr_array_index(all, i);
        g_hash_table_insert(recorded, e->url, e);
    }
    base = calendar_url(h, error);
    if (base == NULL)
        return NULL;
    cache = ny_cache_open(h->cache_path, error);
    if (cache == NULL)
        return NULL;
    cached = ny_cache_list_calendars(cache, h->target->name, error);
    if (cached == NULL)
        return NULL;
    cal = cached_at(cached, base);
    if (cal == NULL || cal->last_sync == 0)
        return g_steal_pointer(&orphans);
    etags = ny_cache_etags(cache, cal->id, error);
    if (etags == NULL)
        return NULL;
    s.h = h;
    s.recorded = recorded;
    s.left = left;
    s.etags = etags;
    s.base = base;
    s.now = now;
    s.orphans = orphans;
    s.edited = edited;
    if (!ny_cache_foreach_object(cache, cal->id, NY_CACHE_SPAN_OPEN_START, NY_CACHE_SPAN_OPEN_END,
                                 sweep_object, &s, error))
        return NULL;
    return g_steal_pointer(&orphans);
}

/* After the sweep read the holds calendar: one line when another store
 * writes on another grid, and the store remembers when it last saw one
 * (written at most once a day). */
static gboolean
grid_seen(NyHolds *h, NyStore *store, GPtrArray *notes, GError **error)
{
    g_autofree char *at = NULL;

    if (!h->saw_other_grid)
        return TRUE;
    if (h->saw_named_grid && notes != NULL)
        g_ptr_array_add(notes, g_strdup_printf("calendar '%s': another notyet store holds times on "
                                               "another [availability] grid (slot_minutes, "
                                               "grid_minutes): set the same on every machine",
                                               h->target->name));
    if (h->other_grid_seen != 0 && h->now - h->other_grid_seen < 86400 &&
        h->now >= h->other_grid_seen)
        return TRUE;
    at = g_strdup_printf("%" G_GINT64_FORMAT, (gint64)h->now);
    if (!ny_store_set_meta(store, NY_HOLDS_GRID_SEEN_KEY, at, error))
        return FALSE;
    h->other_grid_seen = h->now;
    return TRUE;
}

gboolean
ny_holds_sweep(NyHolds *h, NyStore *store, GPtrArray *live, NyTime now, GPtrArray *notes,
               GError **error)
{
    g_autoptr(GPtrArray) events = ny_store_list_events(store, 0, error);
    g_autoptr(GPtrArray) orphans = NULL;
    g_autoptr(GPtrArray) edited =
        g_ptr_array_new_with_free_func((GDestroyNotify)ny_store_event_free);
    g_autoptr(GError) local = NULL;

    if (events == NULL)
        return FALSE;
    for (guint i = events->len; i > 0; i--) {
        const NyStoreEvent *e = g_ptr_array_index(events, i - 1);
        if (e->kind != NY_STORE_EVENT_HOLD || is_live(live, e))
            g_ptr_array_remove_index(events, i - 1);
    }
    if (!ny_holds_release_list(h, store, events, notes, error))
        return FALSE;
    orphans = find_orphans(h, store, now, edited, &local);
    if (!grid_seen(h, store, notes, error))
        return FALSE;
    if (orphans == NULL) {
        /* A store error is the command's; a calendar that cannot be
         * found now is found by the write that needs it. */
        if (local->domain == NY_DB_ERROR) {
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        return TRUE;
    }
    /* Changed by someone since notyet wrote it: the user's now, never
     * deleted, and said once. */
    for (guint i = 0; i < edited->len; i++) {
        const NyStoreEvent *e = g_ptr_array_index(edited, i);

        if (!leave_to_user(h, store, e, "you changed it on the server", notes, error))
            return FALSE;
    }
    for (guint i = 0; i < orphans->len; i++) {
        NyStoreEvent *e = g_ptr_array_index(orphans, i);
        g_autoptr(GError) gone = NULL;
        NyCaldavEvent ev;

        if (session(h, &gone) == NULL)
            return TRUE; /* said by the write that needs it */
        event_of(h, e, &ev);
        if (!ny_caldav_event_delete(h->http, &ev, &gone)) {
            if (!left_alone(gone))
                continue; /* a later run tries again */
            if (!leave_to_user(h, store, e, why_left(h, e), notes, error))
                return FALSE;
            continue;
        }
        if (e->calendar_url != NULL && !ny_store_forget_event(store, e->url, error))
            return FALSE;
    }
    return TRUE;
}

/* One cached object of the holds calendar, for ny_holds_cached(). */
typedef struct {
    NyTime from;
    NyTime to;
    GArray *out;
} Held;

static void
held_object(const char *href, const char *ics, gsize len, gpointer data)
{
    Held *held = data;
    g_auto(NyInviteMarks) marks = {0};
    g_autoptr(GArray) busy = NULL;

    (void)href;
    (void)len;
    if (!ny_invite_read_marks(ics, &marks) || !marks.hold)
        return;
    busy = event_busy(ics, held->from, held->to);
    if (busy != NULL)
        g_array_append_vals(held->out, busy->data, busy->len);
}

gboolean
ny_holds_cached(const NyConfig *config, const char *cache_path, NyTime from, NyTime to, GArray *out,
                GError **error)
{
    const NyCalendarConfig *target = ny_holds_target(config);
    g_autoptr(NyCache) cache = NULL;
    g_autoptr(GPtrArray) cached = NULL;
    g_autofree char *url = NULL;
    const NyCacheCalendar *cal;
    Held held = {from, to, out};

    /* Never create a cache only to find it empty. */
    if (target == NULL || cache_path == NULL || !g_file_test(cache_path, G_FILE_TEST_EXISTS))
        return TRUE;
    cache = ny_cache_open(cache_path, error);
    if (cache == NULL)
        return FALSE;
    cached = ny_cache_list_calendars(cache, target->name, error);
    if (cached == NULL)
        return FALSE;
    /* holds= that names no calendar is said by the write that needs it. */
    url = ny_caldav_holds_url(target, cached, NULL);
    cal = url != NULL ? cached_at(cached, url) : NULL;
    if (cal == NULL || cal->last_sync == 0)
        return TRUE;
    return ny_cache_foreach_object(cache, cal->id, from, to, held_object, &held, error);
}

char **
ny_holds_uids(NyStore *store, gint64 followup_id)
{
    g_autoptr(GPtrArray) events = ny_store_list_events(store, followup_id, NULL);
    g_autoptr(GPtrArray) uids = g_ptr_array_new_with_free_func(g_free);

    if (events == NULL || events->len == 0)
        return NULL;
    for (guint i = 0; i < events->len; i++)
        g_ptr_array_add(uids, g_strdup(((NyStoreEvent *)g_ptr_array_index(events, i))->uid));
    g_ptr_array_add(uids, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&uids), FALSE);
}
