/* busy-overrides.c: the end of a scan: overrides applied per UID (RFC 5545
 * 3.8.4.4), then the busy intervals clipped to the window.
 *
 * Part of the busy module (src/busy.c, src/busy-private.h). Pure.
 */
#include <string.h>

#include "busy-private.h"

/* Floating RECURRENCE-IDs of @rec, read in its master's zone. */
void
ny_busy_resolve_floating(NyUidRecord *rec)
{
    if (!rec->has_zone)
        return;
    for (guint i = 0; i < rec->overrides->len; i++) {
        NyOverride *o = &g_array_index(rec->overrides, NyOverride, i);
        if (o->floating) {
            o->recurid = ny_busy_zone_to_utc(&rec->zone, o->wall);
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

void
ny_busy_emit(NyBusyScan *s, GArray *busy, NyTime start, NyTime end)
{
    if (start < s->q->from)
        start = s->q->from;
    if (end > s->q->to)
        end = s->q->to;
    ny_intervals_add(busy, start, end);
}

void
ny_busy_finish_uid(NyBusyScan *s, NyUidRecord *rec, GArray *busy)
{
    GArray *inst = rec->inst;
    GArray *ovr = rec->overrides;
    const NyOverride *future = NULL;
    guint oi = 0;

    ny_busy_resolve_floating(rec);
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
            ny_busy_emit(s, busy, in.start, in.end);
    }
    for (guint j = 0; j < ovr->len; j++) {
        const NyOverride *o = &g_array_index(ovr, NyOverride, j);
        if (o->blocks)
            ny_busy_emit(s, busy, o->start, o->end);
    }
}
