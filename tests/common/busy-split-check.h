/* busy-split-check.h: "whole text" == "split + spans + cached read".
 *
 * Shared by tests/unit/test-busy.c, tests/unit/test-cache.c and
 * tests/fuzz/fuzz-split.c. The cached read is simulated in memory with the
 * pure core alone, as src/sources.c does it with the cache: the head, then
 * every split object whose span meets the window (the zones always: their
 * span is open), in split order, then the tail. The objects are grouped in
 * chunks of a few consecutive ones, as src/sources.c stores them
 * (ny_cache_add_chunk()): a chunk is read when its union span meets the
 * window, and of it the parts whose own span does, by the rule of
 * include/notyet/cache.h that src/cache.c applies. A local file's cache
 * keeps each object's place in the file instead of its text: that read
 * feeds the same objects from the text itself.
 */
#pragma once

#include <string.h>

#include "notyet/busy.h"
#include "notyet/cache.h"

typedef struct {
    GPtrArray *texts;
    GArray *spans;    /* (element-type NyTime): start, end per object */
    GArray *ranges;   /* (element-type guint64): offset, length per object */
    NyBusyScan *scan; /* the scan splitting, or NULL: the places not checked */
    const char *raw;  /* the text it is fed */
    gsize raw_len;
    gboolean ranges_ok; /* every range is in the text and holds the object */
} SplitObjects;

/* @raw with every line ending made CRLF, as the scanner keeps an object's
 * text (a last line without a line feed gets one). */
G_GNUC_UNUSED static char *
split_check_crlf(const char *raw, gsize len)
{
    GString *out = g_string_new(NULL);
    gsize start = 0;

    while (start < len) {
        const char *nl = memchr(raw + start, '\n', len - start);
        gsize end = nl ? (gsize)(nl - raw) : len;
        gsize n = end - start;

        if (n > 0 && raw[start + n - 1] == '\r')
            n--;
        g_string_append_len(out, raw + start, (gssize)n);
        g_string_append(out, "\r\n");
        start = end + 1;
    }
    return g_string_free(out, FALSE);
}

G_GNUC_UNUSED static void
split_check_collect(const char *text, gsize len, NyTime start, NyTime end, gpointer data)
{
    SplitObjects *o = data;
    NyTime span[2] = {start, end};
    guint64 range[2];

    g_ptr_array_add(o->texts, g_strndup(text, len));
    g_array_append_vals(o->spans, span, 2);
    if (o->scan == NULL)
        return; /* the places are not checked */
    ny_busy_scan_object_range(o->scan, &range[0], &range[1]);
    g_array_append_vals(o->ranges, range, 2);
    if (range[0] > o->raw_len || range[1] > o->raw_len - range[0]) {
        o->ranges_ok = FALSE;
    } else {
        g_autofree char *crlf = split_check_crlf(o->raw + range[0], (gsize)range[1]);
        if (strlen(crlf) != len || memcmp(crlf, text, len) != 0)
            o->ranges_ok = FALSE;
    }
}

/* The busy periods (normalized) and the warnings, one per line. */
G_GNUC_UNUSED static char *
split_check_render(const NyBusyQuery *q, GArray *busy, GPtrArray *warnings)
{
    GString *out = g_string_new(NULL);

    ny_intervals_normalize(busy, q->from, q->to);
    for (guint i = 0; i < busy->len; i++) {
        const NyInterval *iv = &g_array_index(busy, NyInterval, i);
        g_string_append_printf(out, "busy %" G_GINT64_FORMAT " %" G_GINT64_FORMAT "\n", iv->start,
                               iv->end);
    }
    for (guint i = 0; i < warnings->len; i++)
        g_string_append_printf(out, "warn %s\n", (const char *)g_ptr_array_index(warnings, i));
    return g_string_free(out, FALSE);
}

/* The cached read of the objects in @o, in chunks of @per_chunk objects,
 * rendered. */
G_GNUC_UNUSED static char *
split_check_cached_read(const NyBusyQuery *q, const SplitObjects *o, guint per_chunk)
{
    g_autoptr(NyBusyScan) cached = ny_busy_scan_new(q);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warn = g_ptr_array_new_with_free_func(g_free);

    ny_busy_scan_feed(cached, ny_busy_split_head, strlen(ny_busy_split_head));
    for (guint first = 0; first < o->texts->len; first += per_chunk) {
        guint n = MIN(per_chunk, o->texts->len - first);
        NyCachePart parts[16];
        NyTime start, end;

        g_assert(n <= G_N_ELEMENTS(parts));
        for (guint i = 0; i < n; i++) {
            parts[i].len = strlen(g_ptr_array_index(o->texts, first + i));
            parts[i].start = g_array_index(o->spans, NyTime, 2 * (first + i));
            parts[i].end = g_array_index(o->spans, NyTime, 2 * (first + i) + 1);
        }
        ny_cache_chunk_span(parts, n, &start, &end);
        if (!ny_cache_span_meets(start, end, q->from, q->to))
            continue;
        for (guint i = 0; i < n; i++) {
            const char *text = g_ptr_array_index(o->texts, first + i);
            if (ny_cache_span_meets(parts[i].start, parts[i].end, q->from, q->to))
                ny_busy_scan_feed(cached, text, parts[i].len);
        }
    }
    ny_busy_scan_feed(cached, ny_busy_split_tail, strlen(ny_busy_split_tail));
    return ny_busy_scan_finish(cached, busy, warn, NULL) ? split_check_render(q, busy, warn)
                                                         : g_strdup("invalid\n");
}

/* The cached read of a local file, whose cache keeps each object's place
 * in the file (src/sources.c): the bytes of every object whose span meets
 * the window, from the text itself, rendered. */
G_GNUC_UNUSED static char *
split_check_file_read(const NyBusyQuery *q, const SplitObjects *o)
{
    g_autoptr(NyBusyScan) cached = ny_busy_scan_new(q);
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warn = g_ptr_array_new_with_free_func(g_free);

    ny_busy_scan_feed(cached, ny_busy_split_head, strlen(ny_busy_split_head));
    for (guint i = 0; i < o->texts->len; i++) {
        guint64 offset = g_array_index(o->ranges, guint64, 2 * i);
        guint64 length = g_array_index(o->ranges, guint64, 2 * i + 1);

        if (ny_cache_span_meets(g_array_index(o->spans, NyTime, 2 * i),
                                g_array_index(o->spans, NyTime, 2 * i + 1), q->from, q->to))
            ny_busy_scan_feed_object(cached, o->raw + offset, (gsize)length);
    }
    ny_busy_scan_feed(cached, ny_busy_split_tail, strlen(ny_busy_split_tail));
    return ny_busy_scan_finish(cached, busy, warn, NULL) ? split_check_render(q, busy, warn)
                                                         : g_strdup("invalid\n");
}

/**
 * busy_split_check:
 * @out_whole, @out_split: (out): what each read gave, rendered; on a text
 *   that is not split whole, both are the whole read
 *
 * Returns: TRUE when the reads agree: the whole text read plainly, read
 * while split, and (when the split is whole) the cached read, one object
 * to a chunk, three and seven.
 */
G_GNUC_UNUSED static gboolean
busy_split_check(const NyBusyQuery *q, const char *text, gsize len, char **out_whole,
                 char **out_split)
{
    g_autoptr(GPtrArray) texts = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NyTime));
    g_autoptr(GArray) ranges = g_array_new(FALSE, FALSE, sizeof(guint64));
    SplitObjects objects = {texts, spans, ranges, NULL, text, len, TRUE};
    g_autoptr(GArray) busy0 = ny_intervals_new();
    g_autoptr(GArray) busy1 = ny_intervals_new();
    g_autoptr(GPtrArray) warn0 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) warn1 = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NyBusyScan) split = ny_busy_scan_new(q);
    g_autofree char *plain = NULL;
    gboolean ok0, ok1;

    ok0 = ny_busy_compute(q, text, len, busy0, warn0, NULL);
    plain = ok0 ? split_check_render(q, busy0, warn0) : g_strdup("invalid\n");
    objects.scan = split;
    ny_busy_scan_set_split(split, split_check_collect, &objects);
    /* In pieces, as a file is read: lines cross them. */
    for (gsize at = 0; at < len; at += 61)
        ny_busy_scan_feed(split, text + at, MIN(61, len - at));
    ok1 = ny_busy_scan_finish(split, busy1, warn1, NULL);
    *out_whole = g_strdup(plain);
    *out_split = ok1 ? split_check_render(q, busy1, warn1) : g_strdup("invalid\n");
    if (strcmp(*out_whole, *out_split) != 0 || !ok1 || !ny_busy_scan_split_whole(split))
        return strcmp(*out_whole, *out_split) == 0;

    for (guint i = 0; i < 3; i++) {
        static const guint per_chunk[] = {1, 3, 7};
        g_free(*out_split);
        *out_split = split_check_cached_read(q, &objects, per_chunk[i]);
        if (strcmp(*out_whole, *out_split) != 0)
            return FALSE;
    }
    if (!objects.ranges_ok) {
        g_free(*out_split);
        *out_split = g_strdup("an object's place in the text does not hold its text\n");
        return FALSE;
    }
    g_free(*out_split);
    *out_split = split_check_file_read(q, &objects);
    return strcmp(*out_whole, *out_split) == 0;
}
