/* replyflow.c: the reply flow, shared by `reply` and `decide --reply`
 * (doc/slots-and-letter.md; the follow-up rules are followup.c's).
 *
 * Order matters: the template is checked and the busy time looked up first,
 * outside the store's transaction (a slow calendar must not hold the lock);
 * then, in one transaction, the taken slots are read, the slots picked and
 * the follow-up added. The command prints the letter only after the commit,
 * so a failure anywhere prints nothing and records nothing.
 */
#include "notyet/replyflow.h"

#include <string.h>

#include <glib/gstdio.h>

#include "notyet/phrase.h"
#include "notyet/template.h"

G_DEFINE_QUARK(ny_replyflow_error, ny_replyflow_error)

void
ny_reply_result_clear(NyReplyResult *r)
{
    g_clear_pointer(&r->letter, g_free);
    g_clear_pointer(&r->slots, g_array_unref);
    r->id = 0;
}

void
ny_replyflow_busy_window(const NyAvailability *a, NyTime now, NyTime *out_from, NyTime *out_to)
{
    *out_from = now - (NyTime)a->buffer_minutes * 60;
    *out_to = now + ((NyTime)a->horizon_days + 1) * 86400 +
              (NyTime)(a->slot_minutes + a->buffer_minutes) * 60;
}

gboolean
ny_replyflow_busy(const NyFlowContext *ctx, NyTime from, NyTime to, GPtrArray *warnings,
                  GArray **out_busy, GError **error)
{
    const NyConfigLimits *limits = &ctx->config->limits;
    NySourcesOptions options = *ctx->sources;
    NyBusyQuery query;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GPtrArray) found = NULL;
    gboolean ok;

    ny_busy_query_init(&query, from, to, ctx->zone, ctx->zone_name,
                       (const char *const *)ctx->config->emails);
    /* [limits]: line length and nesting depth stay fixed. */
    query.limits.max_object = ny_config_limits_max_object(limits);
    query.limits.max_instances = (guint)limits->max_instances;
    options.max_response = ny_config_limits_max_response(limits);
    options.http_timeout = (guint)limits->http_timeout_seconds;
    query.ignore_uids = ctx->ignore_uids;
    ok = ny_sources_busy(ctx->config, ctx->ics, &query, &options, &busy, &found, error);
    for (guint i = 0; found != NULL && i < found->len; i++)
        g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(found, i)));
    if (!ok)
        return FALSE;
    ny_intervals_normalize(busy, from, to);
    *out_busy = g_steal_pointer(&busy);
    return TRUE;
}

void
ny_replyflow_facts(const NyFollowup *f, NyFollowupFacts *out)
{
    out->id = f->id;
    switch (f->state) {
    case NY_FOLLOWUP_OFFERED:
        out->stored = NY_FOLLOWUP_STATUS_OFFERED;
        break;
    case NY_FOLLOWUP_BOOKED:
        out->stored = NY_FOLLOWUP_STATUS_BOOKED;
        break;
    case NY_FOLLOWUP_DONE:
        out->stored = NY_FOLLOWUP_STATUS_DONE;
        break;
    case NY_FOLLOWUP_CANCELLED:
        out->stored = NY_FOLLOWUP_STATUS_CANCELLED;
        break;
    }
    out->slots = f->slots;
    out->has_booked = f->has_booked;
    out->booked = f->booked;
    /* A nudge is a new letter: offer_days count from it. */
    out->letter_at = f->nudges > 0 ? f->nudged_at : f->created;
    out->sequence = f->sequence;
}

gboolean
ny_replyflow_taken(NyStore *store, const NyAvailability *a, NyTime now, gint64 except_id,
                   GArray *out, GError **error)
{
    g_autoptr(GPtrArray) list = ny_store_list_followups(store, FALSE, error);

    if (list == NULL)
        return FALSE;
    for (guint i = 0; i < list->len; i++) {
        const NyFollowup *f = g_ptr_array_index(list, i);
        NyFollowupFacts facts;

        if (f->id == except_id)
            continue;
        ny_replyflow_facts(f, &facts);
        ny_followup_add_taken(&facts, a->offer_days, now, out);
    }
    return TRUE;
}

/* The template of @kind: @option_path (--template), else its [letter] key,
 * else the built-in one. */
static gboolean
load_template(const NyConfig *config, NyTemplateKind kind, const char *option_path, char **out_name,
              char **out_text, GError **error)
{
    const char *configured = kind == NY_TEMPLATE_DECLINE ? config->decline_template
                             : kind == NY_TEMPLATE_NUDGE ? config->nudge_template
                                                         : config->letter_template;
    const char *path = option_path ? option_path : configured;
    g_autoptr(GError) local = NULL;
    g_autofree char *text = NULL;
    gsize len = 0;
    GStatBuf st;

    if (path == NULL) {
        *out_name = g_strdup(ny_template_builtin_name(kind));
        *out_text = g_strdup(ny_template_builtin(kind));
        return TRUE;
    }
    /* Checked before reading: a FIFO would block and /dev/zero never ends. */
    if (g_stat(path, &st) == 0) {
        if (!S_ISREG(st.st_mode)) {
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_FAILED,
                        "cannot read the template '%s': not a regular file", path);
            return FALSE;
        }
        if (st.st_size > NY_TEMPLATE_MAX_SIZE) {
            g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_TOO_BIG,
                        "'%s': the template is larger than %d KiB", path,
                        NY_TEMPLATE_MAX_SIZE / 1024);
            return FALSE;
        }
    }
    if (!g_file_get_contents(path, &text, &len, &local)) {
        g_set_error(error, NY_TEMPLATE_ERROR, NY_TEMPLATE_ERROR_FAILED,
                    "cannot read the template '%s': %s", path, local->message);
        return FALSE;
    }
    if (!ny_template_check_kind(kind, path, text, len, error))
        return FALSE;
    *out_name = g_strdup(path);
    *out_text = g_steal_pointer(&text);
    return TRUE;
}

/* The letter of @kind to @req->name offering @slots (NULL for a decline
 * note), each time also in @their_zone when given. */
static char *
render_letter(const NyFlowContext *ctx, const NyReplyRequest *req, NyTemplateKind kind,
              const char *tmpl_name, const char *tmpl, const GArray *slots, GTimeZone *their_zone,
              const char *first_letter, GError **error)
{
    g_autoptr(GPtrArray) phrases = g_ptr_array_new_with_free_func(g_free);
    const NyConfig *c = ctx->config;
    NyLetterFields fields = {
        .name = req->name,
        .met = req->met,
        .closing = req->closing,
        .my_name = c->name,
        .my_email = c->email,
        .my_phone = c->phone,
        .slot_minutes = slots != NULL ? c->availability.slot_minutes : 0,
        .first_letter = first_letter,
    };

    for (guint i = 0; slots != NULL && i < slots->len; i++)
        g_ptr_array_add(phrases,
                        ny_phrase_slot(g_array_index(slots, NyInterval, i).start, ctx->now,
                                       ctx->zone, ctx->zone_name, their_zone, req->their_tz));
    g_ptr_array_add(phrases, NULL);
    fields.slots = slots != NULL ? (const char *const *)phrases->pdata : NULL;
    return ny_template_write(kind, tmpl_name, tmpl, &fields, error);
}

/* A letter is signed: without [me] name there is none to write
 * (doc/slots-and-letter.md, "No silent gaps"). */
gboolean
ny_replyflow_check_signer(const NyConfig *config, GError **error)
{
    if (config->name != NULL)
        return TRUE;
    g_set_error(error, NY_REPLYFLOW_ERROR, NY_REPLYFLOW_ERROR_NO_LETTER,
                "a letter needs your name: set [me] name in '%s', or run 'notyet init'",
                config->path != NULL ? config->path : "the configuration file");
    return FALSE;
}

/* The built-in letters end with "You can reach me at ...": without [me]
 * email and phone that sentence is dropped, which the user should know. */
static void
warn_no_contact(const NyFlowContext *ctx, const char *tmpl, GPtrArray *warnings)
{
    if (ctx->config->email != NULL || ctx->config->phone != NULL)
        return;
    if (strstr(tmpl, "my_email") == NULL && strstr(tmpl, "my_phone") == NULL)
        return;
    g_ptr_array_add(warnings, g_strdup("the letter has no way to reach you: set [me] email or "
                                       "phone in the configuration"));
}

char *
ny_replyflow_decline(const NyFlowContext *ctx, const NyReplyRequest *req, GError **error)
{
    g_autofree char *tmpl_name = NULL;
    g_autofree char *tmpl = NULL;

    g_return_val_if_fail(ctx != NULL && req != NULL && req->name != NULL, NULL);
    if (!ny_replyflow_check_signer(ctx->config, error) ||
        !load_template(ctx->config, NY_TEMPLATE_DECLINE, req->template_path, &tmpl_name, &tmpl,
                       error))
        return NULL;
    return render_letter(ctx, req, NY_TEMPLATE_DECLINE, tmpl_name, tmpl, NULL, NULL, NULL, error);
}

/* The caldav options of the holds writer: the lookup's clock, trace and
 * [limits]. */
static void
caldav_options(const NyFlowContext *ctx, NyCaldavOptions *out)
{
    const NyConfigLimits *limits = &ctx->config->limits;

    memset(out, 0, sizeof(*out));
    out->clock = ctx->sources != NULL ? ctx->sources->clock : 0;
    out->trace = ctx->sources != NULL ? ctx->sources->trace : NULL;
    out->trace_data = ctx->sources != NULL ? ctx->sources->user_data : NULL;
    out->max_response = ny_config_limits_max_response(limits);
    out->http_timeout = (guint)limits->http_timeout_seconds;
}

gboolean
ny_replyflow_holds_open(const NyFlowContext *ctx, NyStore *store, NyHolds **out, GError **error)
{
    NyCaldavOptions options;

    *out = NULL;
    if (ny_holds_target(ctx->config) == NULL)
        return TRUE;
    caldav_options(ctx, &options);
    *out = ny_holds_open(ctx->config, store, ctx->sources != NULL ? ctx->sources->cache_path : NULL,
                         &options, ctx->now, error);
    return *out != NULL;
}

/* ny_replyflow_holds_sweep:
 * @notes: (element-type utf8): lines about events left alone or not yet removed
 *
 * After a lookup (the cache is fresh): removes the holds of follow-ups that
 * no longer offer their times (booked, closed, expired) and this store's
 * holds that no follow-up owns (ny_holds_sweep()).
 *
 * Returns: FALSE with NY_DB_ERROR.
 */
static gboolean
ny_replyflow_holds_sweep(const NyFlowContext *ctx, NyHolds *h, NyStore *store, GPtrArray *notes,
                         GError **error)
{
    g_autoptr(GPtrArray) list = NULL;
    g_autoptr(GPtrArray) live = g_ptr_array_new();

    if (h == NULL)
        return TRUE;
    list = ny_store_list_followups(store, FALSE, error);
    if (list == NULL)
        return FALSE;
    for (guint i = 0; i < list->len; i++) {
        NyFollowup *f = g_ptr_array_index(list, i);
        NyFollowupFacts facts;

        ny_replyflow_facts(f, &facts);
        if (ny_followup_status(&facts, ctx->config->availability.offer_days, ctx->now) ==
            NY_FOLLOWUP_STATUS_OFFERED)
            g_ptr_array_add(live, f);
    }
    return ny_holds_sweep(h, store, live, ctx->now, notes, error);
}

/* Holds on the calendar (doc/calendar-writes.md). Runs inside the open
 * transaction, after the follow-up @f is recorded and before the commit: a
 * failure here rolls the store back, so no follow-up exists without its
 * holds, and ny_holds_write() leaves none behind. ny_holds_undo() removes
 * what it wrote when the commit then fails. @h NULL: nothing to write. */
static gboolean
replyflow_write_holds(const NyFlowContext *ctx, NyHolds *h, NyStore *store, const NyFollowup *f,
                      GError **error)
{
    g_autoptr(GHashTable) values = NULL;
    g_autofree char *summary = NULL;
    const char *tmpl =
        ctx->config->hold_summary ? ctx->config->hold_summary : NY_CONFIG_HOLD_SUMMARY;

    if (h == NULL)
        return TRUE;
    values = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(values, g_strdup("name"), g_strdup(f->name));
    g_hash_table_insert(values, g_strdup("first_name"), ny_template_first_word(f->name));
    summary = ny_template_render("hold_summary", tmpl, strlen(tmpl), values, error);
    if (summary == NULL)
        return FALSE;
    g_strstrip(summary);
    if (*summary == '\0') {
        g_free(summary);
        summary = g_strdup("Hold");
    }
    return ny_holds_write(h, store, f, summary, ctx->zone_name, error);
}

static void
replyflow_undo_holds(NyHolds *h)
{
    if (h != NULL)
        ny_holds_undo(h);
}

/* Records @f (and the decision of @req) with its holds, or nothing. */
static gboolean
record_with_holds(const NyFlowContext *ctx, NyHolds *h, NyStore *store, const NyReplyRequest *req,
                  NyFollowup *f, GError **error)
{
    if (req->has_decision && !ny_store_add_decision(store, req->name, ctx->now, req->answers,
                                                    req->verdict, req->no_call, NULL, error))
        return FALSE;
    if (!ny_store_add_followup(store, f, ctx->now, error))
        return FALSE;
    if (!replyflow_write_holds(ctx, h, store, f, error))
        return FALSE;
    if (!ny_store_commit(store, error)) {
        replyflow_undo_holds(h);
        return FALSE;
    }
    return TRUE;
}

/* NY_REPLYFLOW_ERROR_PENDING when a pending follow-up of @store writes to the
 * same contact as @req. */
static gboolean
check_pending(const NyFlowContext *ctx, NyStore *store, const NyReplyRequest *req, GError **error)
{
    g_autoptr(GPtrArray) list = NULL;

    if (req->allow_new)
        return TRUE;
    list = ny_store_list_followups(store, FALSE, error);
    if (list == NULL)
        return FALSE;
    for (guint i = 0; i < list->len; i++) {
        const NyFollowup *f = g_ptr_array_index(list, i);
        NyFollowupFacts facts;
        NyFollowupStatus status;

        if (!ny_followup_same_person(f->name, f->email, req->name, req->email))
            continue;
        ny_replyflow_facts(f, &facts);
        status = ny_followup_status(&facts, ctx->config->availability.offer_days, ctx->now);
        if (status == NY_FOLLOWUP_STATUS_BOOKED)
            g_set_error(error, NY_REPLYFLOW_ERROR, NY_REPLYFLOW_ERROR_PENDING,
                        "'%s' already has a call booked in follow-up #%" G_GINT64_FORMAT
                        ": rebook it with 'notyet book %" G_GINT64_FORMAT
                        " --slot TIME', or add --new for a separate follow-up",
                        req->name, f->id, f->id);
        else
            g_set_error(error, NY_REPLYFLOW_ERROR, NY_REPLYFLOW_ERROR_PENDING,
                        "'%s' already has follow-up #%" G_GINT64_FORMAT
                        " (%s): send new times with 'notyet nudge %" G_GINT64_FORMAT
                        "', or add --new for a separate follow-up",
                        req->name, f->id, ny_followup_status_to_string(status), f->id);
        return FALSE;
    }
    return TRUE;
}

/* A warning when the newest decision recorded for @req's contact was
 * DECLINE: the letter offers a call to someone declined before. Not for
 * decide --reply, which has just decided again. */
static gboolean
warn_declined(const NyFlowContext *ctx, NyStore *store, const NyReplyRequest *req,
              GPtrArray *warnings, GError **error)
{
    g_autoptr(GPtrArray) last = NULL;
    const NyDecisionRecord *d;
    g_autoptr(GDateTime) utc = NULL;
    g_autoptr(GDateTime) local = NULL;
    g_autofree char *day = NULL;

    if (req->has_decision)
        return TRUE;
    last = ny_store_list_decisions(store, req->name, 1, error);
    if (last == NULL)
        return FALSE;
    if (last->len == 0)
        return TRUE;
    d = g_ptr_array_index(last, 0);
    if (d->verdict != NY_VERDICT_DECLINE)
        return TRUE;
    utc = g_date_time_new_from_unix_utc(d->at);
    local = utc != NULL ? g_date_time_to_timezone(utc, ctx->zone) : NULL;
    day = local != NULL ? g_date_time_format(local, "%Y-%m-%d") : g_strdup("?");
    g_ptr_array_add(warnings, g_strdup_printf("your last recorded decision for '%s' was DECLINE, "
                                              "on %s; this letter offers them a call (see "
                                              "'notyet decisions')",
                                              req->name, day));
    return TRUE;
}

static gboolean
reply_once(const NyFlowContext *ctx, const NyReplyRequest *req, GPtrArray *warnings,
           NyReplyResult *out, GError **error)
{
    NyAvailability day = ctx->config->availability;
    const NyAvailability *a = &day;
    g_autoptr(GTimeZone) their_zone = NULL;
    /* Said only when the letter is written. */
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *tmpl_name = NULL;
    g_autofree char *tmpl = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autoptr(GArray) slots = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyHolds) holds = NULL;
    g_autoptr(NyFollowup) f = NULL;
    g_autofree char *letter = NULL;
    NyTime from;
    NyTime to;

    g_return_val_if_fail(ctx != NULL && req != NULL && req->name != NULL && out != NULL, FALSE);

    if (!ny_replyflow_check_signer(ctx->config, error))
        return FALSE;
    if (req->their_tz != NULL) {
        /* Their day (doc/slots-and-letter.md, "Their day"): the hours of the
         * request, else the configured ones, kept with the follow-up. */
        if ((their_zone = ny_zone_new(req->their_tz, error)) == NULL)
            return FALSE;
        day.their_zone = their_zone;
        if (req->their_end_minute > req->their_start_minute) {
            day.their_start_minute = req->their_start_minute;
            day.their_end_minute = req->their_end_minute;
        }
    }
    if (!load_template(ctx->config, NY_TEMPLATE_LETTER, req->template_path, &tmpl_name, &tmpl,
                       error))
        return FALSE;
    warn_no_contact(ctx, tmpl, notes);

    /* The lookup first, outside any transaction. */
    ny_replyflow_busy_window(a, ctx->now, &from, &to);
    if (!ny_replyflow_busy(ctx, from, to, warnings, &busy, error))
        return FALSE;

    if (req->dry_run) {
        /* A dry run creates no store file. */
        if (g_file_test(ctx->db_path, G_FILE_TEST_EXISTS)) {
            store = ny_store_open(ctx->db_path, error);
            if (store == NULL || !warn_declined(ctx, store, req, warnings, error) ||
                !ny_replyflow_taken(store, a, ctx->now, 0, taken, error))
                return FALSE;
        }
        if (!ny_slots_pick(a, ctx->zone, ctx->now, busy, taken, &slots, error))
            return FALSE;
        letter = render_letter(ctx, req, NY_TEMPLATE_LETTER, tmpl_name, tmpl, slots, their_zone,
                               NULL, error);
        if (letter == NULL)
            return FALSE;
    } else {
        store = ny_store_open(ctx->db_path, error);
        if (store == NULL)
            return FALSE;
        /* The holds of closed or expired follow-ups and this store's
         * orphans go first, while the cache is fresh. */
        if (!ctx->sources->offline &&
            (!ny_replyflow_holds_open(ctx, store, &holds, error) ||
             !ny_replyflow_holds_sweep(ctx, holds, store, warnings, error)))
            return FALSE;
        if (req->no_hold)
            g_clear_pointer(&holds, ny_holds_free);
        /* One transaction: two replies at once never offer the same slot. */
        if (!ny_store_begin(store, error))
            return FALSE;
        if (!check_pending(ctx, store, req, error) ||
            !warn_declined(ctx, store, req, warnings, error) ||
            !ny_replyflow_taken(store, a, ctx->now, 0, taken, error) ||
            !ny_slots_pick(a, ctx->zone, ctx->now, busy, taken, &slots, error)) {
            ny_store_rollback(store);
            return FALSE;
        }
        letter = render_letter(ctx, req, NY_TEMPLATE_LETTER, tmpl_name, tmpl, slots, their_zone,
                               NULL, error);
        if (letter == NULL) {
            ny_store_rollback(store);
            return FALSE;
        }
        f = ny_followup_new();
        f->name = g_strdup(req->name);
        f->email = g_strdup(req->email);
        f->met = g_strdup(req->met);
        f->their_tz = g_strdup(req->their_tz);
        if (their_zone != NULL) {
            f->their_start_minute = day.their_start_minute;
            f->their_end_minute = day.their_end_minute;
        }
        f->state = NY_FOLLOWUP_OFFERED;
        g_array_append_vals(f->slots, slots->data, slots->len);
        if (!record_with_holds(ctx, holds, store, req, f, error)) {
            ny_store_rollback(store);
            return FALSE;
        }
    }
    for (guint i = 0; i < notes->len; i++)
        g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(notes, i)));
    if (!req->dry_run && slots->len < (guint)a->count)
        g_ptr_array_add(warnings,
                        g_strdup_printf("only %u open slot%s in the next %d days", slots->len,
                                        slots->len == 1 ? "" : "s", a->horizon_days));
    out->letter = g_steal_pointer(&letter);
    out->slots = g_steal_pointer(&slots);
    out->id = f != NULL ? f->id : 0;
    return TRUE;
}

/* How often a reply that yielded to another store's holds (ny_holds_write(),
 * NY_HOLDS_ERROR_RACE) starts again from the lookup. */
#define NY_REPLYFLOW_RACE_TRIES 4

gboolean
ny_replyflow_reply(const NyFlowContext *ctx, const NyReplyRequest *req, GPtrArray *warnings,
                   NyReplyResult *out, GError **error)
{
    g_autoptr(GRand) rand = g_rand_new();

    for (int attempt = 1;; attempt++) {
        g_autoptr(GPtrArray) mine = g_ptr_array_new_with_free_func(g_free);
        g_autoptr(GError) local = NULL;
        gboolean ok = reply_once(ctx, req, mine, out, &local);

        if (ok || attempt == NY_REPLYFLOW_RACE_TRIES ||
            !g_error_matches(local, NY_HOLDS_ERROR, NY_HOLDS_ERROR_RACE)) {
            for (guint i = 0; i < mine->len; i++)
                g_ptr_array_add(warnings, g_strdup(g_ptr_array_index(mine, i)));
            if (!ok)
                g_propagate_error(error, g_steal_pointer(&local));
            return ok;
        }
        /* Two machines wrote holds for the same time and both took theirs
         * back: a random pause makes one of them go first next time, and
         * the new lookup sees its holds. */
        g_usleep((gulong)g_rand_int_range(rand, 50, 400) * 1000);
    }
}

/* When the first letter went out, for the nudge: "today", "yesterday", or
 * "on Monday, November 30" of the day @t in @zone, with the year when it is
 * not @now's. */
static char *
letter_day(NyTime t, NyTime now, GTimeZone *zone)
{
    g_autoptr(GDateTime) utc = g_date_time_new_from_unix_utc(t);
    g_autoptr(GDateTime) utc_now = g_date_time_new_from_unix_utc(now);
    g_autoptr(GDateTime) local = g_date_time_to_timezone(utc, zone);
    g_autoptr(GDateTime) local_now = g_date_time_to_timezone(utc_now, zone);
    gboolean same_year = g_date_time_get_year(local) == g_date_time_get_year(local_now);
    int days = g_date_time_get_day_of_year(local_now) - g_date_time_get_day_of_year(local);

    if (same_year && days == 0)
        return g_strdup("today");
    if (same_year && days == 1)
        return g_strdup("yesterday");
    return g_date_time_format(local, same_year ? "on %A, %B %-d" : "on %A, %B %-d, %Y");
}

gboolean
ny_replyflow_nudge(const NyFlowContext *ctx, const NyNudgeRequest *req, GPtrArray *warnings,
                   NyReplyResult *out, GError **error)
{
    NyAvailability day = ctx->config->availability;
    const NyAvailability *a = &day;
    g_autofree char *tmpl_name = NULL;
    g_autofree char *tmpl = NULL;
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GArray) taken = ny_intervals_new();
    g_autoptr(GArray) slots = NULL;
    g_autoptr(NyStore) store = NULL;
    g_autoptr(NyHolds) holds = NULL;
    g_autoptr(GPtrArray) old_holds = NULL;
    g_auto(GStrv) own_uids = NULL;
    NyFlowContext own = *ctx;
    g_autoptr(NyFollowup) f = NULL;
    g_autoptr(GTimeZone) their_zone = NULL;
    g_autofree char *first_letter = NULL;
    g_autofree char *letter = NULL;
    NyFollowupFacts facts;
    NyReplyRequest as_reply = {0};
    NyTime from;
    NyTime to;

    g_return_val_if_fail(ctx != NULL && req != NULL && out != NULL, FALSE);

    if (!ny_replyflow_check_signer(ctx->config, error))
        return FALSE;
    store = ny_store_open(ctx->db_path, error);
    if (store == NULL)
        return FALSE;
    /* A first read, so a booked or closed follow-up costs no lookup. */
    f = ny_store_get_followup(store, req->id, error);
    if (f == NULL)
        return FALSE;
    ny_replyflow_facts(f, &facts);
    if (!ny_followup_check(&facts, NY_FOLLOWUP_ACTION_NUDGE, a->offer_days, ctx->now, ctx->zone,
                           error))
        return FALSE;
    g_clear_pointer(&f, ny_followup_free);
    if (!load_template(ctx->config, NY_TEMPLATE_NUDGE, req->template_path, &tmpl_name, &tmpl,
                       error))
        return FALSE;

    /* Its own holds keep its old times, not other replies': they are not
     * busy for its new ones. */
    own_uids = ny_holds_uids(store, req->id);
    own.ignore_uids = (const char *const *)own_uids;
    ny_replyflow_busy_window(a, ctx->now, &from, &to);
    if (!ny_replyflow_busy(&own, from, to, warnings, &busy, error))
        return FALSE;
    if (!req->dry_run && !ctx->sources->offline &&
        (!ny_replyflow_holds_open(ctx, store, &holds, error) ||
         !ny_replyflow_holds_sweep(ctx, holds, store, warnings, error)))
        return FALSE;

    if (!req->dry_run && !ny_store_begin(store, error))
        return FALSE;
    f = ny_store_get_followup(store, req->id, error);
    if (f != NULL)
        ny_replyflow_facts(f, &facts);
    if (f == NULL ||
        !ny_followup_check(&facts, NY_FOLLOWUP_ACTION_NUDGE, a->offer_days, ctx->now, ctx->zone,
                           error) ||
        (f->their_tz != NULL && (their_zone = ny_zone_new(f->their_tz, error)) == NULL)) {
        ny_store_rollback(store);
        return FALSE;
    }
    /* The invitee's day of the first letter, its hours too (kept with the
     * follow-up; else the configured ones). */
    day.their_zone = their_zone;
    if (their_zone != NULL && f->their_end_minute > f->their_start_minute) {
        day.their_start_minute = f->their_start_minute;
        day.their_end_minute = f->their_end_minute;
    }
    if (!ny_replyflow_taken(store, a, ctx->now, req->id, taken, error) ||
        !ny_slots_pick(a, ctx->zone, ctx->now, busy, taken, &slots, error)) {
        ny_store_rollback(store);
        return FALSE;
    }
    as_reply.name = f->name;
    as_reply.email = f->email;
    as_reply.met = f->met;
    as_reply.their_tz = f->their_tz;
    first_letter = letter_day(f->created, ctx->now, ctx->zone);
    letter = render_letter(ctx, &as_reply, NY_TEMPLATE_NUDGE, tmpl_name, tmpl, slots, their_zone,
                           first_letter, error);
    if (letter == NULL) {
        ny_store_rollback(store);
        return FALSE;
    }
    if (!req->dry_run) {
        /* The old times are released with the slots replaced; holds move
         * with them: the new ones are written in the transaction, the old
         * ones deleted after the commit. */
        old_holds = ny_store_list_events(store, f->id, error);
        if (old_holds == NULL || !ny_store_nudge_followup(store, f, slots, ctx->now, error) ||
            !replyflow_write_holds(ctx, req->no_hold ? NULL : holds, store, f, error)) {
            ny_store_rollback(store);
            return FALSE;
        }
        if (!ny_store_commit(store, error)) {
            replyflow_undo_holds(holds);
            ny_store_rollback(store);
            return FALSE;
        }
        if (holds != NULL && !ny_holds_release_list(holds, store, old_holds, warnings, error))
            return FALSE;
        if (slots->len < (guint)a->count)
            g_ptr_array_add(warnings,
                            g_strdup_printf("only %u open slot%s in the next %d days", slots->len,
                                            slots->len == 1 ? "" : "s", a->horizon_days));
    }
    out->letter = g_steal_pointer(&letter);
    out->slots = g_steal_pointer(&slots);
    out->id = req->dry_run ? 0 : f->id;
    return TRUE;
}
