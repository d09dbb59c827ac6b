/* busy-overrides.c: the end of a scan: overrides applied per UID (RFC 5545
 * 3.8.4.4), then the busy intervals clipped to the window.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"

/* Floating RECURRENCE-IDs of @rec, read in its master's zone. */
void
ny_busy_resolve_floating(NyBusyScan *s, NyUidRecord *rec)
{
    GArray *ovr = rec->more != NULL ? rec->more->overrides : NULL;
    const NyZone *zone;

    if (rec->zone == 0 || ovr == NULL)
        return;
    zone = &g_array_index(s->rec_zones, NyRecZone, rec->zone - 1).zone;
    for (guint i = 0; i < ovr->len; i++) {
        NyOverride *o = &g_array_index(ovr, NyOverride, i);
        if (o->floating) {
            o->recurid = ny_busy_zone_to_utc(zone, o->wall);
            o->floating = FALSE;
        }
    }
}

gint
ny_busy_cmp_inst(gconstpointer a, gconstpointer b)
{
    const NyInst *x = a;
    const NyInst *y = b;

    return x->recurid < y->recurid ? -1 : x->recurid > y->recurid;
}

static gint
cmp_override(gconstpointer a, gconstpointer b)
{
    const NyOverride *x = a;
    const NyOverride *y = b;

    return x->recurid < y->recurid ? -1 : x->recurid > y->recurid;
}

/* The busy time is merged whenever it has doubled since it last was: it
 * stays about as long as the merged busy time, not as the instances. */
void
ny_busy_emit(NyBusyScan *s, NyTime start, NyTime end)
{
    if (start < s->q->from)
        start = s->q->from;
    if (end > s->q->to)
        end = s->q->to;
    ny_intervals_add(s->busy, start, end);
    if (s->busy->len >= 2 * s->busy_merged + 1024) {
        ny_intervals_normalize(s->busy, s->q->from, s->q->to);
        s->busy_merged = s->busy->len;
    }
}

void
ny_busy_inst_list_add(NyInstList *list, NyTime start, NyTime end, guint reserve)
{
    if (list->len == 0)
        list->length = end - start;
    if (!list->intervals && end - start != list->length) {
        /* Lengths differ: both ends of each from now on. */
        gsize size = (gsize)list->len + 1 + reserve;
        NyTime *v = g_new(NyTime, 2 * size);

        for (guint i = 0; i < list->len; i++) {
            v[2 * i] = list->v[i];
            v[2 * i + 1] = list->v[i] + list->length;
        }
        g_free(list->v);
        list->v = v;
        list->size = (guint)size;
        list->intervals = TRUE;
    }
    if (list->len == list->size) {
        list->size = list->len + 1 + reserve;
        list->v = g_renew(NyTime, list->v, (gsize)list->size * (list->intervals ? 2 : 1));
    }
    if (list->intervals) {
        list->v[2 * list->len] = start;
        list->v[2 * list->len + 1] = end;
    } else {
        list->v[list->len] = start;
    }
    list->len++;
}

NyInterval
ny_busy_inst_list_get(const NyInstList *list, guint i)
{
    if (list->intervals)
        return (NyInterval){list->v[2 * i], list->v[2 * i + 1]};
    return (NyInterval){list->v[i], list->v[i] + list->length};
}

void
ny_busy_inst_list_clear(NyInstList *list)
{
    g_free(list->v);
    *list = (NyInstList){0};
}

static void
add_instances(GArray *to, const NyInstList *from, gboolean blocks)
{
    for (guint i = 0; i < from->len; i++) {
        NyInterval iv = ny_busy_inst_list_get(from, i);
        NyInst in = {iv.start, iv.start, iv.end, blocks};
        g_array_append_val(to, in);
    }
}

/* A UID with overrides: its instances, gathered in the scan's array and
 * sorted by their original start, each kept, replaced or shifted. */
static void
finish_overridden(NyBusyScan *s, NyUidRecord *rec, GArray *ovr)
{
    GArray *inst = s->ev_inst;
    const NyOverride *future = NULL;
    guint oi = 0;

    g_array_set_size(inst, 0);
    if (rec->has_first) {
        NyInst in = {rec->first.start, rec->first.start, rec->first.end, rec->first_blocks};
        g_array_append_val(inst, in);
    }
    add_instances(inst, &rec->more->inst, TRUE);
    add_instances(inst, &rec->more->free_inst, FALSE);
    /* g_array_sort() costs a few thousand instructions even for one item. */
    if (inst->len > 1)
        g_array_sort(inst, ny_busy_cmp_inst);
    if (ovr->len > 1)
        g_array_sort(ovr, cmp_override);
    for (guint i = 0; i < inst->len; i++) {
        NyInst in = g_array_index(inst, NyInst, i);
        gboolean replaced = FALSE;

        /* Read again for a THISANDFUTURE override: once. */
        if (i > 0) {
            const NyInst *prev = &g_array_index(inst, NyInst, i - 1);
            if (prev->recurid == in.recurid && prev->start == in.start && prev->end == in.end &&
                prev->blocks == in.blocks)
                continue;
        }

        /* Overrides at or before this instance. */
        while (oi < ovr->len && g_array_index(ovr, NyOverride, oi).recurid <= in.recurid) {
            const NyOverride *o = &g_array_index(ovr, NyOverride, oi);
            if (o->future)
                future = o;
            if (o->recurid == in.recurid)
                replaced = TRUE;
            oi++;
        }
        for (guint j = oi; j > 0 && !replaced; j--) {
            const NyOverride *o = &g_array_index(ovr, NyOverride, j - 1);
            if (o->recurid < in.recurid)
                break;
            replaced = TRUE;
        }
        if (replaced)
            continue;
        if (future != NULL) {
            /* RFC 5545 3.8.4.4: the override's shift and length apply to
             * every later instance. */
            in.start = in.recurid + (future->start - future->recurid);
            in.end = in.start + (future->end - future->start);
            in.blocks = future->blocks;
        }
        if (in.blocks)
            ny_busy_emit(s, in.start, in.end);
    }
    for (guint j = 0; j < ovr->len; j++) {
        const NyOverride *o = &g_array_index(ovr, NyOverride, j);
        if (o->blocks)
            ny_busy_emit(s, o->start, o->end);
    }
}

void
ny_busy_finish_uid(NyBusyScan *s, NyUidRecord *rec)
{
    GArray *ovr = rec->more != NULL ? rec->more->overrides : NULL;

    ny_busy_resolve_floating(s, rec);
    if (ovr != NULL && ovr->len > 0) {
        finish_overridden(s, rec, ovr);
        return;
    }
    /* Without overrides, every blocking instance is busy (an instance read
     * twice is merged away). */
    if (rec->has_first && rec->first_blocks)
        ny_busy_emit(s, rec->first.start, rec->first.end);
    for (guint i = 0; rec->more != NULL && i < rec->more->inst.len; i++) {
        NyInterval iv = ny_busy_inst_list_get(&rec->more->inst, i);
        ny_busy_emit(s, iv.start, iv.end);
    }
}
