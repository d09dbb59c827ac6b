/* sources.c: busy sources (files, vdir folders, ics feeds) into one list. */
#include "notyet/sources.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "notyet/cache.h"
#include "notyet/caldav.h"
#include "notyet/credentials.h"
#include "notyet/http.h"

G_DEFINE_QUARK(ny_sources_error, ny_sources_error)

#define NY_READ_CHUNK (64 * 1024)

/* Below these, reading the source again costs less than opening the cache
 * (measured: a 64 KiB file parses in about a millisecond). */
#define NY_CACHE_MIN_FILE_BYTES (64 * 1024)
/* Above this a file is streamed through the engine on every lookup (memory
 * stays flat) instead of being split into the cache, which holds it in
 * memory two or three times over while it does. */
#define NY_CACHE_MAX_FILE_BYTES (64 * 1024 * 1024)
#define NY_CACHE_MIN_VDIR_FILES 16

static void
take_warnings(GPtrArray *from, GPtrArray *to, const char *source)
{
    for (guint i = 0; i < from->len; i++)
        g_ptr_array_add(
            to, g_strdup_printf("'%s': %s", source, (const char *)g_ptr_array_index(from, i)));
}

static gboolean
scan_finish(NyBusyScan *scan, const char *source, GArray *busy, GPtrArray *warnings, GError **error)
{
    g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func(g_free);

    if (!ny_busy_scan_finish(scan, busy, local, error)) {
        g_prefix_error(error, "'%s': ", source);
        return FALSE;
    }
    take_warnings(local, warnings, source);
    return TRUE;
}

static gboolean
read_error(const char *path, int saved, GError **error)
{
    g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO, "cannot read '%s': %s", path,
                g_strerror(saved));
    return FALSE;
}

static void
close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
}

/* Opens @path for reading when it is a regular file, after links: checked
 * before any read, because a FIFO blocks the read forever and /dev/zero
 * never ends. The stat keeps device nodes from being opened at all;
 * O_NONBLOCK (an open that cannot block on a FIFO swapped in since) and
 * the fstat of what was opened close the race. Returns the descriptor, or
 * -1 with @error set, and *out_not_regular TRUE when @path exists but is
 * not a regular file. */
static int
open_regular(const char *path, struct stat *out_st, gboolean *out_not_regular, GError **error)
{
    struct stat st;
    int fd;
    int flags;

    *out_not_regular = FALSE;
    if (stat(path, &st) != 0) {
        read_error(path, errno, error);
        return -1;
    }
    if (S_ISREG(st.st_mode)) {
        fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
        if (fd < 0) {
            read_error(path, errno, error);
            return -1;
        }
        if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
            close(fd);
        } else if ((flags = fcntl(fd, F_GETFL)) == -1 ||
                   fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
            int saved = errno;
            close(fd);
            read_error(path, saved, error);
            return -1;
        } else {
            *out_st = st;
            return fd;
        }
    }
    *out_not_regular = TRUE;
    g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO,
                "cannot read '%s': not a regular file", path);
    return -1;
}

/* Reads at most @size bytes, the file's size when it was opened: a file
 * that grows while it is read cannot keep the lookup going. Calls @func
 * with each chunk. */
static gboolean
read_fd(int fd, const char *path, gsize size, void (*func)(const char *, gsize, gpointer),
        gpointer data, GError **error)
{
    g_autofree char *buf = g_malloc(NY_READ_CHUNK);
    gsize left = size;

    while (left > 0) {
        ssize_t n = read(fd, buf, MIN(left, (gsize)NY_READ_CHUNK));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return read_error(path, errno, error);
        if (n == 0)
            break; /* truncated since: what is there is read */
        func(buf, (gsize)n, data);
        left -= (gsize)n;
    }
    return TRUE;
}

static void
feed_scan(const char *chunk, gsize len, gpointer data)
{
    ny_busy_scan_feed(data, chunk, len);
}

static void
append_chunk(const char *chunk, gsize len, gpointer data)
{
    g_string_append_len(data, chunk, (gssize)len);
}

/* A whole file in memory, at most the size it had when opened; NULL with
 * @error set. */
static char *
read_whole(int fd, const char *path, const struct stat *st, gsize *out_len, GError **error)
{
    g_autoptr(GString) text = g_string_sized_new((gsize)st->st_size + 1);

    if (!read_fd(fd, path, (gsize)st->st_size, append_chunk, text, error))
        return NULL;
    *out_len = text->len;
    return g_string_free(g_steal_pointer(&text), FALSE);
}

static gboolean
busy_fd(int fd, const char *path, const struct stat *st, const NyBusyQuery *query, GArray *busy,
        GPtrArray *warnings, GError **error)
{
    g_autoptr(NyBusyScan) scan = ny_busy_scan_new(query);

    if (!read_fd(fd, path, (gsize)st->st_size, feed_scan, scan, error))
        return FALSE;
    return scan_finish(scan, path, busy, warnings, error);
}

/* One lookup over every source: the cache is opened once, when first
 * needed. */
typedef struct {
    const NySourcesOptions *options;
    const NyBusyQuery *query;
    NyCache *cache;
    gboolean cache_tried;
    GError *cache_error; /* why it could not be opened */
    GArray *busy;
    GPtrArray *warnings;
    char *memo_key; /* ny_cache_memo_get()'s key, once made (memo_key_made) */
    gboolean memo_key_made;
} Lookup;

static void
lookup_clear(Lookup *l)
{
    ny_cache_free(l->cache);
    g_clear_error(&l->cache_error);
    g_free(l->memo_key);
}

static void info(Lookup *l, int level, const char *format, ...) G_GNUC_PRINTF(3, 4);

static void
info(Lookup *l, int level, const char *format, ...)
{
    va_list ap;
    g_autofree char *text = NULL;

    if (l->options->info == NULL || l->options->verbose < level)
        return;
    va_start(ap, format);
    text = g_strdup_vprintf(format, ap);
    va_end(ap);
    l->options->info(level, text, l->options->user_data);
}

static NyCache *
lookup_cache(Lookup *l)
{
    if (!l->cache_tried) {
        l->cache_tried = TRUE;
        if (l->options->cache_path != NULL)
            l->cache = ny_cache_open(l->options->cache_path, &l->cache_error);
        else
            l->cache_error = g_error_new_literal(NY_CACHE_ERROR, NY_CACHE_ERROR_FAILED,
                                                 "no cache file was given");
    }
    return l->cache;
}

/* The cached entry of a local source, or NULL (not cached, or unreadable). */
static NyCacheCalendar *
cached_entry(Lookup *l, const char *key)
{
    g_autoptr(GError) local = NULL;
    NyCacheCalendar *cal = ny_cache_calendar_lookup(l->cache, NY_CACHE_SOURCE_LOCAL, key, &local);

    if (cal == NULL && !g_error_matches(local, NY_CACHE_ERROR, NY_CACHE_ERROR_NOT_FOUND))
        info(l, 1, "cache: %s", local->message);
    return cal;
}

/* Replaces the cached copy of @key with @text split into objects, in one
 * transaction. Best effort: the lookup already has its answer. */
/* Racy files (as git's racy index entries): a file changed again within
 * the same file-system clock tick as our write would keep its size and
 * mtime. When the source's mtime is not older than the cache file's own
 * (both from the file-system clock, none read here), the entry is marked
 * so that the next lookup reads the file again. */
static gboolean
is_racy(Lookup *l, const struct stat *src)
{
    g_autofree char *wal = g_strconcat(ny_cache_get_path(l->cache), "-wal", NULL);
    struct stat st;

    if (stat(wal, &st) != 0 && stat(ny_cache_get_path(l->cache), &st) != 0)
        return TRUE;
    return src->st_mtim.tv_sec > st.st_mtim.tv_sec ||
           (src->st_mtim.tv_sec == st.st_mtim.tv_sec && src->st_mtim.tv_nsec >= st.st_mtim.tv_nsec);
}

static void
mark_if_racy(Lookup *l, gint64 id, const struct stat *src)
{
    if (is_racy(l, src))
        ny_cache_calendar_set_synced(l->cache, id, "racy", NULL, l->options->clock, NULL);
}

/* One pass over a text about to be cached: the scan computes its busy time
 * and splits it, the objects being stored (with their spans) as the scan
 * reads them, in one transaction; nothing is held whole. The objects are
 * stored in text order, several consecutive ones to a row (a chunk,
 * ny_cache_add_chunk()), the zones always read: a later lookup feeds the
 * objects whose span meets its window, and gets exactly what the whole text
 * gives (ny_busy_scan_split_whole()). A text that cannot be split so is not
 * cached. */
typedef struct {
    Lookup *l;
    NyBusyScan *scan;
    gint64 id;    /* 0: not storing (the cache is busy or failed) */
    guint n;      /* objects stored */
    guint n_rows; /* rows stored */
    GString *chunk;
    GArray *parts; /* (element-type NyCachePart): the objects in @chunk */
    /* A local file keeps its objects where they are: the rows hold their
     * places in it (ny_cache_add_places()), not their text. */
    gboolean by_place;
    GArray *places; /* (element-type NyCachePlace): not stored yet */
    GError *error;
} Split;

/* A chunk is stored once it holds this much text or this many objects
 * (which bounds its parts when objects are tiny), and an object of that
 * size is a row of its own: a row costs SQLite about as much to store
 * whatever its size (17,600 instructions on bench/first-read.sh's file,
 * the table and two indexes), and more rows of less text let a cached read
 * skip more of them by span (doc/performance.md has the sizes measured). */
#define NY_CHUNK_BYTES (32 * 1024)
#define NY_CHUNK_OBJECTS 256
/* Places a row: 32 bytes each, so a row of 4 KB, one page. */
#define NY_PLACES_PER_ROW 126

static void
split_store(Split *sp, const char *text, gsize len, const NyCachePart *parts, guint n_parts)
{
    char href[16];

    g_snprintf(href, sizeof href, "%08u", ++sp->n_rows);
    if (n_parts == 1)
        ny_cache_add_object_span(sp->l->cache, sp->id, href, text, len, parts[0].start,
                                 parts[0].end, &sp->error);
    else
        ny_cache_add_chunk(sp->l->cache, sp->id, href, text, len, parts, n_parts, &sp->error);
}

/* Stores the chunk or the places held, if any. */
static void
split_flush(Split *sp)
{
    char href[16];

    if (sp->places != NULL && sp->places->len > 0) {
        g_snprintf(href, sizeof href, "%08u", ++sp->n_rows);
        if (sp->id != 0 && sp->error == NULL)
            ny_cache_add_places(sp->l->cache, sp->id, href,
                                &g_array_index(sp->places, NyCachePlace, 0), sp->places->len,
                                &sp->error);
        g_array_set_size(sp->places, 0);
    }
    if (sp->parts == NULL || sp->parts->len == 0)
        return;
    if (sp->id != 0 && sp->error == NULL)
        split_store(sp, sp->chunk->str, sp->chunk->len, &g_array_index(sp->parts, NyCachePart, 0),
                    sp->parts->len);
    g_string_truncate(sp->chunk, 0);
    g_array_set_size(sp->parts, 0);
}

static void
split_object(const char *text, gsize len, NyTime start, NyTime end, gpointer data)
{
    Split *sp = data;
    NyCachePart part = {.len = len, .start = start, .end = end};

    if (sp->id == 0 || sp->error != NULL)
        return;
    sp->n++;
    if (sp->by_place) {
        NyCachePlace place = {.start = start, .end = end};

        ny_busy_scan_object_range(sp->scan, &place.offset, &place.len);
        g_array_append_val(sp->places, place);
        if (sp->places->len >= NY_PLACES_PER_ROW)
            split_flush(sp);
        return;
    }
    if (sp->chunk == NULL) {
        sp->chunk = g_string_sized_new(NY_CHUNK_BYTES + 4096);
        sp->parts = g_array_new(FALSE, FALSE, sizeof(NyCachePart));
    }
    if (len >= NY_CHUNK_BYTES) {
        /* A row of its own, stored from the scanner's copy, after the
         * chunk before it: the buffer never grows past a chunk. */
        split_flush(sp);
        split_store(sp, text, len, &part, 1);
        return;
    }
    g_string_append_len(sp->chunk, text, (gssize)len);
    g_array_append_val(sp->parts, part);
    if (sp->chunk->len >= NY_CHUNK_BYTES || sp->parts->len >= NY_CHUNK_OBJECTS)
        split_flush(sp);
}

static void
split_feed(const char *chunk, gsize len, gpointer data)
{
    Split *sp = data;

    ny_busy_scan_feed(sp->scan, chunk, len);
}

/* Starts storing the split of @key: the transaction and an empty entry. */
static void
split_begin(Split *sp, const char *key, const char *label)
{
    Lookup *l = sp->l;
    g_autoptr(GError) local = NULL;
    gint64 id;

    if (!ny_cache_begin(l->cache, &local)) {
        info(l, 1, "'%s': not cached: %s", label, local->message);
        return;
    }
    id = ny_cache_calendar_update(l->cache, NY_CACHE_SOURCE_LOCAL, key, NULL, NULL, TRUE, &local);
    if (id == 0 || !ny_cache_clear_objects(l->cache, id, &local)) {
        ny_cache_rollback(l->cache);
        info(l, 1, "'%s': not cached: %s", label, local->message);
        return;
    }
    sp->id = id;
}

/* Ends the pass: the busy time, and the entry committed when the split
 * holds all the text says. Storing is best effort: the lookup has its
 * answer either way. */
static gboolean
split_end(Split *sp, const char *validator, const char *label, const struct stat *src,
          GError **error)
{
    Lookup *l = sp->l;
    g_autoptr(GError) local = NULL;

    if (!scan_finish(sp->scan, label, l->busy, l->warnings, error)) {
        if (sp->id != 0)
            ny_cache_rollback(l->cache);
        return FALSE;
    }
    if (sp->id == 0)
        return TRUE;
    split_flush(sp);
    if (!ny_busy_scan_split_whole(sp->scan)) {
        ny_cache_rollback(l->cache);
        info(l, 1, "'%s': not cached (it cannot be split into objects)", label);
        return TRUE;
    }
    if (sp->error != NULL ||
        !ny_cache_calendar_set_synced(l->cache, sp->id, validator, NULL, l->options->clock,
                                      &local) ||
        !ny_cache_commit(l->cache, &local)) {
        ny_cache_rollback(l->cache);
        info(l, 1, "'%s': not cached: %s", label, (sp->error ? sp->error : local)->message);
        return TRUE;
    }
    if (src != NULL)
        mark_if_racy(l, sp->id, src);
    info(l, 1, "'%s': read whole, cached as %u objects", label, sp->n);
    return TRUE;
}

static void
split_clear(Split *sp)
{
    ny_busy_scan_free(sp->scan);
    if (sp->chunk != NULL)
        g_string_free(sp->chunk, TRUE);
    if (sp->parts != NULL)
        g_array_unref(sp->parts);
    if (sp->places != NULL)
        g_array_unref(sp->places);
    g_clear_error(&sp->error);
}

typedef struct {
    NyBusyScan *scan;
    guint n;
} Feed;

static void
feed_object(const char *href, const char *ics, gsize len, gpointer data)
{
    Feed *f = data;

    (void)href;
    ny_busy_scan_feed(f->scan, ics, len);
    f->n++;
}

/* A scan of objects split from a text (ny_busy_split_head first). */
static NyBusyScan *
cached_scan_new(Lookup *l)
{
    NyBusyScan *scan = ny_busy_scan_new(l->query);

    ny_busy_scan_feed(scan, ny_busy_split_head, strlen(ny_busy_split_head));
    return scan;
}

/* Ends a scan of @n cached objects of @cal's. */
static gboolean
cached_scan_finish(Lookup *l, NyBusyScan *scan, const NyCacheCalendar *cal, guint n,
                   const char *label, GError **error)
{
    ny_busy_scan_feed(scan, ny_busy_split_tail, strlen(ny_busy_split_tail));
    info(l, 1, "'%s': unchanged, from the cache: %u of %u objects read", label, n, cal->n_objects);
    return scan_finish(scan, label, l->busy, l->warnings, error);
}

/* A cached file or feed: the objects that can meet the window, through one
 * scan, in the order of the text, as if the whole text had been read. */
static gboolean
scan_cached(Lookup *l, const NyCacheCalendar *cal, const char *label, GError **error)
{
    g_autoptr(NyBusyScan) scan = cached_scan_new(l);
    Feed f = {.scan = scan};

    if (!ny_cache_foreach_object(l->cache, cal->id, l->query->from, l->query->to, feed_object, &f,
                                 error))
        return FALSE;
    return cached_scan_finish(l, scan, cal, f.n, label, error);
}

static void
collect_place(const NyCachePlace *place, gpointer data)
{
    g_array_append_vals(data, place, 1);
}

/* Bytes read at most at once: places next to each other are read together. */
#define NY_PLACES_READ (256 * 1024)

/* The result of reading a file's objects from their places. */
typedef enum { PLACES_READ, PLACES_FAILED, PLACES_CHANGED } PlacesResult;

/* Reads the places of @places from @first on that lie one after the other
 * (up to NY_PLACES_READ bytes, or one place of any size) into @buf;
 * returns how many, 0 when the file no longer holds them. */
static guint
read_run(int fd, GArray *places, guint first, GByteArray *buf, int *out_errno)
{
    const NyCachePlace *p = &g_array_index(places, NyCachePlace, first);
    guint64 start = p->offset;
    guint64 end = p->offset + p->len;
    guint n = 1;
    gsize got = 0;

    while (first + n < places->len) {
        const NyCachePlace *q = &g_array_index(places, NyCachePlace, first + n);
        if (q->offset != end || end - start + q->len > NY_PLACES_READ)
            break;
        end += q->len;
        n++;
    }
    if (end < start || end - start > G_MAXSIZE / 2)
        return 0;
    g_byte_array_set_size(buf, (guint)(end - start));
    while (got < buf->len) {
        ssize_t r = pread(fd, buf->data + got, buf->len - got, (off_t)(start + got));
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            *out_errno = errno;
        if (r <= 0)
            return 0;
        got += (gsize)r;
    }
    return n;
}

/* A cached file read from its places: the objects that can meet the
 * window, read from the file itself in the order of the text, as if the
 * whole text had been read (ny_busy_scan_object_range() placed them).
 * The file is the one validated (@fd, @st); one changed while it is read
 * (its size or time not those of @st after the reads, or shorter than a
 * place) gives PLACES_CHANGED, and nothing of this read is used. */
static PlacesResult
scan_cached_file(Lookup *l, const NyCacheCalendar *cal, int fd, const struct stat *st,
                 const char *label, GError **error)
{
    g_autoptr(NyBusyScan) scan = cached_scan_new(l);
    g_autoptr(GArray) places = g_array_new(FALSE, FALSE, sizeof(NyCachePlace));
    g_autoptr(GByteArray) buf = g_byte_array_new();
    struct stat now;
    int saved = 0;

    if (!ny_cache_foreach_place(l->cache, cal->id, l->query->from, l->query->to, collect_place,
                                places, error))
        return PLACES_FAILED;
    for (guint i = 0; i < places->len;) {
        guint n = read_run(fd, places, i, buf, &saved);
        const guint64 base = g_array_index(places, NyCachePlace, i).offset;

        if (saved != 0) {
            read_error(label, saved, error);
            return PLACES_FAILED;
        }
        if (n == 0)
            return PLACES_CHANGED;
        for (guint k = i; k < i + n; k++) {
            const NyCachePlace *p = &g_array_index(places, NyCachePlace, k);
            ny_busy_scan_feed_object(scan, (const char *)buf->data + (p->offset - base),
                                     (gsize)p->len);
        }
        i += n;
    }
    if (fstat(fd, &now) != 0) {
        read_error(label, errno, error);
        return PLACES_FAILED;
    }
    if (now.st_size != st->st_size || now.st_mtim.tv_sec != st->st_mtim.tv_sec ||
        now.st_mtim.tv_nsec != st->st_mtim.tv_nsec)
        return PLACES_CHANGED;
    return cached_scan_finish(l, scan, cal, places->len, label, error) ? PLACES_READ
                                                                       : PLACES_FAILED;
}

static char *
file_validator(const struct stat *st)
{
    return g_strdup_printf("file %" G_GINT64_FORMAT " %" G_GINT64_FORMAT
                           ".%09ld %" G_GUINT64_FORMAT,
                           (gint64)st->st_size, (gint64)st->st_mtim.tv_sec,
                           (long)st->st_mtim.tv_nsec, (guint64)st->st_ino);
}

/* The validator of a file cached by places: "split4" and the file's
 * identity. An entry of an older layout (their text, in chunks or one a
 * row; before that the zones apart, the objects grouped by UID) has
 * another, and is read again. */
static char *
places_validator(const struct stat *st)
{
    g_autofree char *file_id = file_validator(st);

    return g_strconcat("split4 ", file_id, NULL);
}

/* An .ics file through the cache: unchanged (path, size, mtime, inode)
 * means only the objects that can meet the window are parsed. */
static gboolean
busy_file(Lookup *l, const char *path, GError **error)
{
    __attribute__((cleanup(close_fd))) int fd = -1;
    gboolean not_regular;
    struct stat st;
    g_autofree char *key = NULL;
    g_autofree char *validator = NULL;
    g_autoptr(NyCacheCalendar) cal = NULL;
    Split sp = {.l = l};
    gboolean ok;

    /* Opened first, so that neither the cache's validation nor a read
     * meets a FIFO or a device. */
    fd = open_regular(path, &st, &not_regular, error);
    if (fd < 0)
        return FALSE;
    if (st.st_size < NY_CACHE_MIN_FILE_BYTES || st.st_size > NY_CACHE_MAX_FILE_BYTES ||
        lookup_cache(l) == NULL) {
        if (l->cache_error != NULL)
            info(l, 1, "'%s': read without the cache: %s", path, l->cache_error->message);
        return busy_fd(fd, path, &st, l->query, l->busy, l->warnings, error);
    }
    key = g_canonicalize_filename(path, NULL);
    validator = places_validator(&st);
    cal = cached_entry(l, key);
    if (cal != NULL && g_strcmp0(cal->ctag, validator) == 0 && cal->last_sync > 0) {
        PlacesResult r = scan_cached_file(l, cal, fd, &st, path, error);

        if (r != PLACES_CHANGED)
            return r == PLACES_READ;
        /* Changed since it was opened: read whole, as it is now. */
        info(l, 1, "'%s': changed while it was read: read again", path);
        if (fstat(fd, &st) != 0)
            return read_error(path, errno, error);
        g_free(validator);
        validator = places_validator(&st);
    }

    /* Read, not mapped: a file truncated meanwhile by another program
     * would kill a reader of a mapping with SIGBUS. At most its size now,
     * in chunks, stored as it is read (the places of its objects). */
    sp.scan = ny_busy_scan_new(l->query);
    sp.by_place = TRUE;
    sp.places = g_array_new(FALSE, FALSE, sizeof(NyCachePlace));
    ny_busy_scan_set_split(sp.scan, split_object, &sp);
    split_begin(&sp, key, path);
    if (!read_fd(fd, path, (gsize)st.st_size, split_feed, &sp, error)) {
        if (sp.id != 0)
            ny_cache_rollback(l->cache);
        split_clear(&sp);
        return FALSE;
    }
    ok = split_end(&sp, validator, path, &st, error);
    split_clear(&sp);
    return ok;
}

static gint
cmp_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A vdir entry that is a FIFO, a device or a link to one: never read. */
static void
warn_not_regular(Lookup *l, const char *file)
{
    g_ptr_array_add(l->warnings, g_strdup_printf("'%s': not a regular file, skipped", file));
}

/* A vdir file that holds no iCalendar data (a stray note, a binary): one
 * bad file must not fail every command, so it is skipped, named. */
static void
warn_not_calendar(Lookup *l, const char *file)
{
    g_ptr_array_add(l->warnings,
                    g_strdup_printf("'%s': not an iCalendar file, skipped (move it out of the "
                                    "folder)",
                                    file));
}

typedef struct {
    Lookup *l;
    const NyBusyQuery *query; /* the lookup's, sharing VTIMEZONEs across files */
    const char *folder;
    GError *error; /* the first object that holds no iCalendar data */
    guint n;
} VdirFeed;

static void
vdir_object(const char *href, const char *ics, gsize len, gpointer data)
{
    VdirFeed *v = data;
    g_autofree char *file = g_build_filename(v->folder, href, NULL);
    g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) error = NULL;

    v->n++;
    if (v->error != NULL)
        return;
    if (!ny_busy_compute(v->query, ics, len, v->l->busy, local, &error)) {
        if (g_error_matches(error, NY_BUSY_ERROR, NY_BUSY_ERROR_INVALID)) {
            warn_not_calendar(v->l, file);
            return;
        }
        g_prefix_error(&error, "'%s': ", file);
        v->error = g_steal_pointer(&error);
        return;
    }
    take_warnings(local, v->l->warnings, file);
}

/* Stores one object with its span. */
static gboolean
put_object(Lookup *l, gint64 id, const char *href, const char *etag, const char *text, gsize len,
           GError **error)
{
    NyTime start, end;

    ny_busy_span(text, len, &start, &end);
    return ny_cache_put_object_span(l->cache, id, href, etag, text, start, end, error);
}

/* Brings the cached copy of a vdir up to date: a file is read again only
 * when its size, mtime or inode changed; removed files are forgotten. */
static gboolean
vdir_refresh(Lookup *l, const char *key, const char *path, GPtrArray *names, GPtrArray *stream,
             gint64 *out_id, guint *out_read, GError **error)
{
    g_autoptr(NyCacheCalendar) cal = cached_entry(l, key);
    g_autoptr(GHashTable) etags = NULL;
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    g_autoptr(GPtrArray) recent = g_ptr_array_new_with_free_func(g_free);
    GHashTableIter iter;
    gpointer href;
    gint64 id;
    guint read = 0;

    if (cal != NULL) {
        etags = ny_cache_etags(l->cache, cal->id, error);
        if (etags == NULL)
            return FALSE;
    }
    if (!ny_cache_begin(l->cache, error))
        return FALSE;
    id = ny_cache_calendar_update(l->cache, NY_CACHE_SOURCE_LOCAL, key, NULL, NULL, TRUE, error);
    if (id == 0) {
        ny_cache_rollback(l->cache);
        return FALSE;
    }
    for (guint i = 0; i < names->len; i++) {
        const char *name = g_ptr_array_index(names, i);
        g_autofree char *file = g_build_filename(path, name, NULL);
        g_autofree char *validator = NULL;
        g_autofree char *text = NULL;
        g_autoptr(GError) local = NULL;
        __attribute__((cleanup(close_fd))) int fd = -1;
        gboolean not_regular;
        struct stat st;
        gsize len = 0;

        /* Gone since the listing, or no longer a regular file (the listing
         * warned about those): forgotten. Any other failure fails the
         * lookup, as reading the folder without the cache does. */
        if (stat(file, &st) != 0) {
            int saved = errno;

            if (saved == ENOENT)
                continue;
            ny_cache_rollback(l->cache);
            return read_error(file, saved, error);
        }
        if (!S_ISREG(st.st_mode))
            continue;
        g_hash_table_add(seen, (gpointer)name);
        validator = file_validator(&st);
        if (etags != NULL && g_strcmp0(g_hash_table_lookup(etags, name), validator) == 0)
            continue;
        fd = open_regular(file, &st, &not_regular, &local);
        if (fd < 0 && not_regular) {
            g_hash_table_remove(seen, name); /* swapped since the stat */
            warn_not_regular(l, file);
            continue;
        }
        if (fd >= 0 && st.st_size > NY_CACHE_MAX_FILE_BYTES) {
            /* Streamed after the cached part, never held in memory whole;
             * a copy cached before is forgotten below. */
            g_hash_table_remove(seen, name);
            g_ptr_array_add(stream, g_strdup(name));
            continue;
        }
        if (fd >= 0) {
            g_free(validator);
            validator = file_validator(&st); /* of what is read */
            text = read_whole(fd, file, &st, &len, &local);
        }
        if (text == NULL) {
            ny_cache_rollback(l->cache);
            g_propagate_error(error, g_steal_pointer(&local));
            return FALSE;
        }
        if (memchr(text, '\0', len) != NULL) {
            g_hash_table_remove(seen, name);
            warn_not_calendar(l, file);
            continue;
        }
        if (!put_object(l, id, name, validator, text, len, error)) {
            ny_cache_rollback(l->cache);
            return FALSE;
        }
        if (is_racy(l, &st))
            g_ptr_array_add(recent, g_strdup(name));
        read++;
    }
    if (etags != NULL) {
        g_hash_table_iter_init(&iter, etags);
        while (g_hash_table_iter_next(&iter, &href, NULL)) {
            if (!g_hash_table_contains(seen, href) &&
                !ny_cache_delete_object(l->cache, id, href, error)) {
                ny_cache_rollback(l->cache);
                return FALSE;
            }
        }
    }
    if (!ny_cache_calendar_set_synced(l->cache, id, "vdir", NULL, l->options->clock, error) ||
        !ny_cache_commit(l->cache, error)) {
        ny_cache_rollback(l->cache);
        return FALSE;
    }
    /* Files as new as the cache's last write (see is_racy()): read again
     * next time. Rare, and the object itself is right for this lookup. */
    for (guint i = 0; i < recent->len; i++) {
        const char *name = g_ptr_array_index(recent, i);
        g_autofree char *file = g_build_filename(path, name, NULL);
        g_autofree char *text = NULL;
        __attribute__((cleanup(close_fd))) int fd = -1;
        gboolean not_regular;
        struct stat st;
        gsize len = 0;

        fd = open_regular(file, &st, &not_regular, NULL);
        if (fd >= 0 && is_racy(l, &st) && (text = read_whole(fd, file, &st, &len, NULL)) != NULL &&
            memchr(text, '\0', len) == NULL)
            put_object(l, id, name, "racy", text, len, NULL);
    }
    *out_id = id;
    *out_read = read;
    return TRUE;
}

/* Reads the files @names of the vdir @path through the engine, one by one,
 * without the cache. */
static gboolean
stream_vdir_files(Lookup *l, const char *path, GPtrArray *names, GError **error)
{
    for (guint i = 0; i < names->len; i++) {
        g_autofree char *file = g_build_filename(path, g_ptr_array_index(names, i), NULL);
        g_autoptr(GError) local = NULL;
        __attribute__((cleanup(close_fd))) int fd = -1;
        gboolean not_regular;
        struct stat st;

        fd = open_regular(file, &st, &not_regular, error);
        if (fd < 0 && not_regular) {
            g_clear_error(error); /* swapped since the listing */
            warn_not_regular(l, file);
            continue;
        }
        if (fd < 0)
            return FALSE;
        if (!busy_fd(fd, file, &st, l->query, l->busy, l->warnings, &local)) {
            if (!g_error_matches(local, NY_BUSY_ERROR, NY_BUSY_ERROR_INVALID)) {
                g_propagate_error(error, g_steal_pointer(&local));
                return FALSE;
            }
            g_clear_error(&local);
            warn_not_calendar(l, file);
        }
    }
    return TRUE;
}

/* A vdir (vdirsyncer, khal): one object per *.ics file in the folder. */
static gboolean
busy_vdir(Lookup *l, const char *path, GError **error)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GDir) dir = g_dir_open(path, 0, &local);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) stream = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *key = NULL;
    const char *name;
    gint64 id = 0;
    guint read = 0;

    if (dir == NULL) {
        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO, "cannot read folder '%s': %s",
                    path, local->message);
        return FALSE;
    }
    while ((name = g_dir_read_name(dir)) != NULL) {
        if (g_str_has_suffix(name, ".ics") && name[0] != '.')
            g_ptr_array_add(names, g_strdup(name));
    }
    g_ptr_array_sort(names, cmp_names);
    /* Only regular files (after links) are events: a FIFO would block the
     * read and /dev/zero never ends. Such an entry is skipped with a
     * warning, the rest of the folder still counts; a folder is skipped
     * quietly. So is a link to nothing (gone since the listing, or
     * dangling), with a warning, the same with and without the cache. */
    for (guint i = 0; i < names->len;) {
        g_autofree char *file = g_build_filename(path, g_ptr_array_index(names, i), NULL);
        struct stat st;

        if (stat(file, &st) != 0) {
            if (errno == ENOENT) {
                g_ptr_array_add(l->warnings,
                                g_strdup_printf("'%s': %s, skipped", file, g_strerror(ENOENT)));
                g_ptr_array_remove_index(names, i);
            } else {
                i++; /* reading it says what is wrong */
            }
            continue;
        }
        if (!S_ISREG(st.st_mode)) {
            if (!S_ISDIR(st.st_mode))
                warn_not_regular(l, file);
            g_ptr_array_remove_index(names, i);
            continue;
        }
        i++;
    }
    key = g_canonicalize_filename(path, NULL);

    if (names->len >= NY_CACHE_MIN_VDIR_FILES && lookup_cache(l) != NULL &&
        vdir_refresh(l, key, path, names, stream, &id, &read, &local)) {
        g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
        NyBusyQuery shared = *l->query;
        VdirFeed v = {.l = l, .query = &shared, .folder = path};

        shared.zones = zones;
        if (!ny_cache_foreach_object(l->cache, id, l->query->from, l->query->to, vdir_object, &v,
                                     error)) {
            g_clear_error(&v.error);
            return FALSE;
        }
        if (v.error != NULL) {
            g_propagate_error(error, v.error);
            return FALSE;
        }
        info(l, 1, "'%s': %u of %u files read again, %u objects meet the window", path, read,
             names->len - stream->len, v.n);
        if (stream->len > 0)
            info(l, 1, "'%s': %u files over %d MiB read without the cache", path, stream->len,
                 NY_CACHE_MAX_FILE_BYTES / (1024 * 1024));
        return stream_vdir_files(l, path, stream, error);
    }
    if (local != NULL && local->domain == NY_SOURCES_ERROR) {
        g_propagate_error(error, g_steal_pointer(&local));
        return FALSE;
    }
    info(l, 1, "'%s': read without the cache: %s", path,
         local            ? local->message
         : l->cache_error ? l->cache_error->message
                          : "no cache");
    return stream_vdir_files(l, path, names, error);
}

static gboolean
is_url(const char *s)
{
    return g_ascii_strncasecmp(s, "http://", 7) == 0 || g_ascii_strncasecmp(s, "https://", 8) == 0;
}

/* An ics feed: fetched whole (the HTTP layer caps its size) with
 * If-None-Match, split into the cache; 304 or --offline read the cache.
 * @http_options is NULL for an --ics URL, else a [calendar NAME]'s url=. */
static gboolean
busy_url(Lookup *l, const char *url, const NyHttpOptions *http_options, GError **error)
{
    g_autoptr(NyCacheCalendar) cal = NULL;
    g_autoptr(GBytes) body = NULL;
    g_autofree char *etag = NULL;
    gboolean not_modified = FALSE;
    Split sp = {.l = l};
    gboolean ok;
    NyHttpOptions options = {0};
    gsize len = 0;
    const char *data;

    if (lookup_cache(l) != NULL)
        cal = cached_entry(l, url);
    if (l->options->offline) {
        g_autofree char *when = NULL;
        if (cal == NULL || cal->last_sync == 0) {
            g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_OFFLINE,
                        "'%s': an ics feed never fetched cannot be read with --offline; run "
                        "once without it",
                        url);
            return FALSE;
        }
        when = ny_time_format_utc(cal->last_sync);
        g_ptr_array_add(l->warnings,
                        g_strdup_printf("'%s': offline: from the cache of %s (%" G_GINT64_FORMAT
                                        " minutes old)",
                                        url, when,
                                        MAX((l->options->clock - cal->last_sync) / 60, 0)));
        return scan_cached(l, cal, url, error);
    }
    if (http_options != NULL)
        options = *http_options;
    options.max_body = l->options->max_response;
    ny_http_options_set_timeout(&options, l->options->http_timeout);
    if (l->options->trace != NULL) {
        options.trace = l->options->trace;
        options.trace_data = l->options->user_data;
    }
    body =
        ny_http_get_conditional(url, &options, cal != NULL && cal->last_sync > 0 ? cal->ctag : NULL,
                                &not_modified, &etag, error);
    if (body == NULL) {
        ny_http_suggest_offline(error, cal != NULL ? cal->last_sync : 0, l->options->clock,
                                http_options != NULL ? "url=" : "the address");
        return FALSE;
    }
    if (not_modified) {
        g_autoptr(GError) local = NULL;
        info(l, 1, "'%s': not modified (304)", url);
        if (!ny_cache_calendar_set_synced(l->cache, cal->id, cal->ctag, NULL, l->options->clock,
                                          &local))
            info(l, 1, "cache: %s", local->message);
        return scan_cached(l, cal, url, error);
    }
    data = g_bytes_get_data(body, &len);
    if (len > NY_CACHE_MAX_FILE_BYTES) {
        /* Read as it is, not cached (as a file that big); a copy cached
         * before is forgotten, so that no 304 can bring it back. */
        g_autoptr(NyBusyScan) scan = ny_busy_scan_new(l->query);
        g_autoptr(GError) local = NULL;

        if (cal != NULL && !(ny_cache_begin(l->cache, &local) &&
                             ny_cache_calendar_forget(l->cache, cal->id, &local) &&
                             ny_cache_commit(l->cache, &local))) {
            ny_cache_rollback(l->cache);
            info(l, 1, "cache: %s", local->message);
        }
        info(l, 1, "'%s': not cached (over %d MiB)", url, NY_CACHE_MAX_FILE_BYTES / (1024 * 1024));
        ny_busy_scan_feed(scan, data, len);
        return scan_finish(scan, url, l->busy, l->warnings, error);
    }
    sp.scan = ny_busy_scan_new(l->query);
    ny_busy_scan_set_split(sp.scan, split_object, &sp);
    if (l->cache != NULL)
        split_begin(&sp, url, url);
    ny_busy_scan_feed(sp.scan, data ? data : "", len);
    ok = split_end(&sp, etag, url, NULL, error);
    split_clear(&sp);
    return ok;
}

static gboolean
busy_ics(Lookup *l, const char *where, const NyHttpOptions *options, GError **error)
{
    if (is_url(where))
        return busy_url(l, where, options, error);
    return busy_file(l, where, error);
}

/* Spans of objects stored by a sync (ny_cache_put_object() knows none). */
typedef struct {
    GPtrArray *hrefs;
    GArray *spans; /* (element-type NyTime): start, end per href */
} Unspanned;

static void
unspanned_object(const char *href, const char *ics, gsize len, gpointer data)
{
    Unspanned *u = data;
    NyTime span[2];

    ny_busy_span(ics, len, &span[0], &span[1]);
    g_ptr_array_add(u->hrefs, g_strdup(href));
    g_array_append_vals(u->spans, span, 2);
}

/* Records the spans of the objects of calendar @id that have none yet.
 * Best effort: an object without one is read for every window. */
static void
fill_spans(Lookup *l, gint64 id)
{
    g_autoptr(GPtrArray) hrefs = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(NyTime));
    Unspanned u = {.hrefs = hrefs, .spans = spans};
    g_autoptr(GError) local = NULL;
    gboolean ok;

    if (!ny_cache_foreach_unspanned(l->cache, id, unspanned_object, &u, &local)) {
        info(l, 1, "cache: %s", local->message);
        return;
    }
    if (hrefs->len == 0)
        return;
    ok = ny_cache_begin(l->cache, &local);
    for (guint i = 0; ok && i < hrefs->len; i++)
        ok = ny_cache_set_span(l->cache, id, g_ptr_array_index(hrefs, i),
                               g_array_index(spans, NyTime, 2 * i),
                               g_array_index(spans, NyTime, 2 * i + 1), &local);
    if (!ok || !ny_cache_commit(l->cache, &local)) {
        ny_cache_rollback(l->cache);
        info(l, 1, "cache: %s", local->message);
    }
}

typedef struct {
    const NyBusyQuery *query; /* the lookup's, sharing VTIMEZONEs across objects */
    GArray *busy;
    GPtrArray *warnings;
} CaldavFeed;

static void
caldav_object(const char *href, const char *ics, gsize len, gpointer data)
{
    CaldavFeed *f = data;
    g_autoptr(GError) local = NULL;

    (void)href;
    if (!ny_busy_compute(f->query, ics, len, f->busy, f->warnings, &local))
        g_ptr_array_add(f->warnings, g_strdup_printf("an object was skipped: %s", local->message));
}

/* The GNU build id of the program (its ELF note): a memo computed by
 * another build is never used, whatever changed in the code. */
static int
find_build_id(struct dl_phdr_info *info, size_t size, void *data)
{
    GString *out = data;

    (void)size;
    for (int i = 0; i < info->dlpi_phnum; i++) {
        const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
        const guint8 *p = (const guint8 *)(info->dlpi_addr + ph->p_vaddr);
        const guint8 *end = p + ph->p_memsz;

        if (ph->p_type != PT_NOTE)
            continue;
        while (p + sizeof(ElfW(Nhdr)) <= end) {
            const ElfW(Nhdr) *n = (const ElfW(Nhdr) *)(const void *)p;
            const guint8 *name = p + sizeof *n;
            const guint8 *desc = name + ((n->n_namesz + 3) & ~3u);

            if (desc + n->n_descsz > end)
                break;
            if (n->n_type == NT_GNU_BUILD_ID && n->n_namesz == 4 && memcmp(name, "GNU", 4) == 0) {
                for (guint j = 0; j < n->n_descsz; j++)
                    g_string_append_printf(out, "%02x", desc[j]);
                return 1;
            }
            p = desc + ((n->n_descsz + 3) & ~3u);
        }
    }
    return 1; /* the first object is the program: look no further */
}

/* What a calendar's busy time depends on besides its objects and the
 * window: the program, the zone, the addresses, the limits. NULL (no
 * memo): a program without a build id, or a query that leaves some
 * events out (a follow-up's own holds). */
static const char *
memo_key(Lookup *l)
{
    const NyBusyQuery *q = l->query;
    g_autoptr(GString) build = g_string_new(NULL);
    g_autofree char *emails = NULL;

    if (l->memo_key_made)
        return l->memo_key;
    l->memo_key_made = TRUE;
    dl_iterate_phdr(find_build_id, build);
    if (build->len == 0 || q->ignore_uids != NULL)
        return NULL;
    emails = q->emails != NULL ? g_strjoinv("\n", (char **)q->emails) : g_strdup("");
    l->memo_key = g_strdup_printf(
        "memo1 build=%s zone=%s name=%s emails=%s limits=%u/%" G_GSIZE_FORMAT
        "/%u/%" G_GSIZE_FORMAT,
        build->str, g_time_zone_get_identifier(q->zone), q->zone_name ? q->zone_name : "", emails,
        q->limits.max_instances, q->limits.max_line, q->limits.max_depth, q->limits.max_object);
    return l->memo_key;
}

/* One used calendar's part of a lookup: its busy time and its warnings
 * ("calendar 'NAME': ..."), in the order they were found. */
typedef struct {
    gint64 id;
    GArray *busy; /* (element-type NyInterval) */
    GPtrArray *warnings;
} CalendarPart;

static void
part_free(gpointer data)
{
    CalendarPart *p = data;

    g_array_unref(p->busy);
    g_ptr_array_unref(p->warnings);
    g_free(p);
}

/* Takes calendar @id's part out of @parts (nullable), or NULL. */
static CalendarPart *
take_part(GPtrArray *parts, gint64 id)
{
    for (guint i = 0; parts != NULL && i < parts->len; i++) {
        const CalendarPart *p = g_ptr_array_index(parts, i);
        if (p->id == id)
            return g_ptr_array_steal_index(parts, i);
    }
    return NULL;
}

/* Calendar @id's cached objects that can meet [@from, @to), through the
 * busy computation one at a time, into @busy and @warnings. */
static gboolean
compute_calendar(Lookup *l, gint64 id, NyBusyZones *zones, NyTime from, NyTime to, GArray *busy,
                 GPtrArray *warnings, GError **error)
{
    NyBusyQuery shared = *l->query;
    CaldavFeed f = {.query = &shared, .busy = busy, .warnings = warnings};

    shared.zones = zones;
    shared.from = from;
    shared.to = to;
    return ny_cache_foreach_object(l->cache, id, from, to, caldav_object, &f, error);
}

/* The part of calendar @c: its busy time from the memo when its objects
 * and everything else it depends on are as when it was computed; else
 * computed over whole UTC days around the window (so that the next
 * lookups of the day find it) and kept, unless the computation warned: a
 * warning may depend on the window, so that state is computed over the
 * window itself, now and until the objects change
 * (doc/sync-and-cache.md, "The busy memo"). */
static CalendarPart *
calendar_part(Lookup *l, const NyCalendarConfig *config, const NyCacheCalendar *c,
              NyBusyZones *zones, GError **error)
{
    CalendarPart *p = g_new0(CalendarPart, 1);
    g_autoptr(GPtrArray) local = g_ptr_array_new_with_free_func(g_free);
    const char *key = memo_key(l);
    NyTime from = l->query->from;
    NyTime to = l->query->to;
    NyCacheMemo memo = NY_CACHE_MEMO_NONE;
    gint64 gen = -1;

    p->id = c->id;
    p->busy = g_array_new(FALSE, FALSE, sizeof(NyInterval));
    p->warnings = g_ptr_array_new_with_free_func(g_free);
    if (key != NULL)
        memo = ny_cache_memo_get(l->cache, c->id, key, from, to, p->busy, &gen);
    if (memo == NY_CACHE_MEMO_BUSY) {
        info(l, 2, "calendar '%s': busy time from the memo", config->name);
        ny_intervals_normalize(p->busy, from, to);
        return p;
    }
    if (memo == NY_CACHE_MEMO_NONE && gen >= 0) {
        const NyTime day = 86400;
        NyTime day_from = from - ((from % day) + day) % day;
        NyTime day_to = to - ((to % day) + day) % day + 2 * day;
        g_autoptr(GArray) wide = g_array_new(FALSE, FALSE, sizeof(NyInterval));

        if (!compute_calendar(l, c->id, zones, day_from, day_to, wide, local, error)) {
            part_free(p);
            return NULL;
        }
        ny_intervals_normalize(wide, day_from, day_to);
        ny_cache_memo_put(l->cache, c->id, gen, key, day_from, day_to,
                          local->len == 0 ? wide : NULL);
        if (local->len == 0) {
            /* Of the window asked for, as a computation over it gives. */
            g_array_append_vals(p->busy, wide->data, wide->len);
            ny_intervals_normalize(p->busy, from, to);
            return p;
        }
        g_ptr_array_set_size(local, 0);
    }
    if (!compute_calendar(l, c->id, zones, from, to, p->busy, local, error)) {
        part_free(p);
        return NULL;
    }
    for (guint j = 0; j < local->len; j++)
        g_ptr_array_add(p->warnings, g_strdup_printf("calendar '%s': %s", config->name,
                                                     (char *)g_ptr_array_index(local, j)));
    return p;
}

/* The mirror of a CalDAV source: every used calendar's part, in order.
 * @keep (nullable): each part is also added there; @reuse (nullable): a
 * calendar with a part there takes it instead of reading the cache (parts
 * computed before a sync that left those calendars as they were). */
static gboolean
caldav_cached(Lookup *l, const NyCalendarConfig *config, gboolean fill, GPtrArray *keep,
              GPtrArray *reuse, GError **error)
{
    g_autoptr(GPtrArray) cals = ny_cache_list_calendars(l->cache, config->name, error);
    /* Every object carries its own copy of the same few VTIMEZONEs: each
     * is built once for the whole lookup (by its text: the order the
     * calendars are read in does not matter). */
    g_autoptr(NyBusyZones) zones = ny_busy_zones_new();
    gboolean synced = FALSE;
    guint used = 0;
    guint read = 0;
    NyTime oldest;

    if (cals == NULL)
        return FALSE;
    for (guint i = 0; i < cals->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cals, i);
        CalendarPart *p;

        if (!c->used)
            continue;
        used++;
        if (c->last_sync > 0)
            synced = TRUE;
        if (fill)
            fill_spans(l, c->id);
        p = take_part(reuse, c->id);
        if (p == NULL) {
            read++;
            if ((p = calendar_part(l, config, c, zones, error)) == NULL)
                return FALSE;
        }
        g_array_append_vals(l->busy, p->busy->data, p->busy->len);
        for (guint j = 0; j < p->warnings->len; j++)
            g_ptr_array_add(l->warnings, g_strdup(g_ptr_array_index(p->warnings, j)));
        if (keep != NULL)
            g_ptr_array_add(keep, p);
        else
            part_free(p);
    }
    if (reuse != NULL)
        info(l, 1, "calendar '%s': %u of %u calendars read again after the sync", config->name,
             read, used);
    if (!synced) {
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_OFFLINE,
                    "calendar '%s': nothing cached yet; run once without --offline", config->name);
        return FALSE;
    }
    /* --offline says how old its answer is. */
    oldest = l->options->offline ? ny_cache_oldest_sync(cals) : 0;
    if (oldest > 0) {
        g_autofree char *when = ny_time_format_utc(oldest);

        g_ptr_array_add(l->warnings, g_strdup_printf("calendar '%s': offline: from the cache of %s "
                                                     "(%" G_GINT64_FORMAT " minutes old)",
                                                     config->name, when,
                                                     MAX((l->options->clock - oldest) / 60, 0)));
    }
    return TRUE;
}

/* The sync of one CalDAV source on a thread of its own, with its own
 * connection to the cache, while the lookup's thread computes the answer
 * from the cache as it is (doc/sync-and-cache.md, "CalDAV sync"). */
typedef struct {
    const NyCalendarConfig *cal;
    const char *cache_path;
    const NyCaldavOptions *options;
    NyCaldavStats stats;
    GPtrArray *warnings;
    GError *error;
    gboolean opened; /* FALSE: the cache could not be opened again; nothing was sent */
    gboolean ok;
} SyncThread;

static gpointer
sync_thread(gpointer data)
{
    SyncThread *t = data;
    g_autoptr(NyCache) cache = ny_cache_open(t->cache_path, &t->error);

    t->opened = cache != NULL;
    if (t->opened)
        t->ok = ny_caldav_sync(t->cal, cache, t->options, &t->stats, t->warnings, &t->error);
    return NULL;
}

/* What of the calendar list the answer depends on: the used calendars, in
 * order, and whether each was ever synced. */
static char *
calendars_state(Lookup *l, const char *source)
{
    g_autoptr(GPtrArray) cals = ny_cache_list_calendars(l->cache, source, NULL);
    GString *s = g_string_new(NULL);

    if (cals == NULL)
        return g_string_free(s, TRUE);
    for (guint i = 0; i < cals->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(cals, i);
        g_string_append_printf(s, "%" G_GINT64_FORMAT ":%d:%d;", c->id, c->used ? 1 : 0,
                               c->last_sync > 0 ? 1 : 0);
    }
    return g_string_free(s, FALSE);
}

/* The sync and the answer from the cache at once. Each used calendar's
 * part computed before the sync finished stands when the sync neither
 * fetched nor deleted an object of it and left the used calendars as they
 * were: then the objects it read are the objects a lookup after the sync
 * reads, and the result is the same, byte for byte. The parts of the
 * calendars that changed are computed again after the sync; when the list
 * of calendars changed, all of them. Returns FALSE for the sync's own
 * failure, or the cache's when read again. */
static gboolean
sync_overlapped(Lookup *l, const NyCalendarConfig *cal, const NyCaldavOptions *options,
                NyCaldavStats *stats, gboolean *out_done, GError **error)
{
    g_autoptr(GArray) busy = g_array_new(FALSE, FALSE, sizeof(NyInterval));
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) sync_warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(part_free);
    g_autoptr(GArray) changed = g_array_new(FALSE, FALSE, sizeof(gint64));
    g_autoptr(GError) spec_error = NULL;
    g_autofree char *before = NULL;
    g_autofree char *after = NULL;
    SyncThread t = {.cal = cal,
                    .cache_path = l->options->cache_path,
                    .options = options,
                    .warnings = sync_warnings};
    Lookup spec;
    GThread *thread;
    gboolean computed;

    /* The copy shares the key (and never frees it): made first. */
    (void)memo_key(l);
    spec = *l;
    *out_done = FALSE;
    t.stats.changed = changed;
    thread = g_thread_try_new("notyet-sync", sync_thread, &t, NULL);
    if (thread == NULL)
        return ny_caldav_sync(cal, l->cache, options, stats, l->warnings, error);
    spec.busy = busy;
    spec.warnings = warnings;
    before = calendars_state(l, cal->name);
    /* No span is written here: the sync thread may be writing. */
    computed = caldav_cached(&spec, cal, FALSE, parts, NULL, &spec_error);
    g_thread_join(thread);

    *stats = t.stats;
    stats->changed = NULL;
    for (guint i = 0; i < sync_warnings->len; i++)
        g_ptr_array_add(l->warnings, g_steal_pointer(&sync_warnings->pdata[i]));
    if (!t.opened) {
        g_clear_error(&t.error);
        return ny_caldav_sync(cal, l->cache, options, stats, l->warnings, error);
    }
    if (!t.ok) {
        g_propagate_error(error, t.error);
        return FALSE;
    }
    after = calendars_state(l, cal->name);
    if (!computed || strcmp(before, after) != 0)
        return TRUE;
    if (changed->len > 0) {
        /* Only the calendars that changed are read again; the others' parts
         * go in their place, in the calendars' order. */
        for (guint i = 0; i < changed->len; i++) {
            CalendarPart *p = take_part(parts, g_array_index(changed, gint64, i));
            if (p != NULL)
                part_free(p);
        }
        *out_done = caldav_cached(l, cal, TRUE, NULL, parts, error);
        return *out_done;
    }
    /* The spans caldav_cached() would have filled, now that the sync is done. */
    {
        g_autoptr(GPtrArray) cals = ny_cache_list_calendars(l->cache, cal->name, NULL);
        for (guint i = 0; cals != NULL && i < cals->len; i++) {
            const NyCacheCalendar *c = g_ptr_array_index(cals, i);
            if (c->used)
                fill_spans(l, c->id);
        }
    }
    g_array_append_vals(l->busy, busy->data, busy->len);
    for (guint i = 0; i < warnings->len; i++)
        g_ptr_array_add(l->warnings, g_steal_pointer(&warnings->pdata[i]));
    *out_done = TRUE;
    return TRUE;
}

/* A CalDAV source: synced into the cache (unless offline), then read from
 * it like every other source. Online, the two run at once (sync_overlapped()). */
static gboolean
busy_caldav(Lookup *l, const NyCalendarConfig *cal, GError **error)
{
    NyCaldavOptions options = {.clock = l->options->clock};
    NyCaldavStats stats = {0};
    gboolean done = FALSE;

    if (lookup_cache(l) == NULL) {
        g_propagate_error(error, g_error_copy(l->cache_error));
        return FALSE;
    }
    options.progress = l->options->progress;
    options.progress_data = l->options->user_data;
    options.trace = l->options->trace;
    options.trace_data = l->options->user_data;
    options.max_response = l->options->max_response;
    options.http_timeout = l->options->http_timeout;
    if (!l->options->offline && l->options->sequential &&
        !ny_caldav_sync(cal, l->cache, &options, &stats, l->warnings, error))
        return FALSE;
    if (!l->options->offline && !l->options->sequential &&
        !sync_overlapped(l, cal, &options, &stats, &done, error))
        return FALSE;
    if (!done && !caldav_cached(l, cal, TRUE, NULL, NULL, error))
        return FALSE;
    if (!l->options->offline)
        info(l, 1,
             "calendar '%s': %u requests, %u calendars synced (%u unchanged), %u fetched, "
             "%u deleted%s",
             cal->name, stats.requests, stats.calendars, stats.unchanged, stats.fetched,
             stats.deleted, stats.full_resync ? ", full resync (sync token refused)" : "");
    return TRUE;
}

/* A configured file source that fails says which group to look at. */
static gboolean
name_calendar(const NyCalendarConfig *cal, GError **error)
{
    g_prefix_error(error, "calendar '%s': ", cal->name);
    return FALSE;
}

static gboolean
busy_calendar(Lookup *l, const NyCalendarConfig *cal, GError **error)
{
    switch (cal->type) {
    case NY_SOURCE_ICS: {
        NyHttpOptions options = {0};
        g_auto(NyCredentials) credentials = {0};

        if (cal->url == NULL) {
            g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO,
                        "calendar '%s': no url= given", cal->name);
            return FALSE;
        }
        /* A private feed: the same credentials as a CalDAV calendar. */
        if (!ny_credentials_init(&credentials, cal, is_url(cal->url) && !l->options->offline,
                                 l->warnings, error))
            return FALSE;
        ny_credentials_apply(&credentials, &options);
        options.insecure = cal->insecure;
        options.allow_insecure_http = cal->allow_insecure_http;
        return busy_ics(l, cal->url, &options, error) || name_calendar(cal, error);
    }
    case NY_SOURCE_VDIR:
        if (cal->url == NULL) {
            g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_IO,
                        "calendar '%s': no url= (folder) given", cal->name);
            return FALSE;
        }
        return busy_vdir(l, cal->url, error) || name_calendar(cal, error);
    case NY_SOURCE_CALDAV:
        /* Mirrored into the cache (synced unless offline); the cached
         * objects that can meet the window go through the engine. */
        return busy_caldav(l, cal, error);
    }
    g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_FAILED, "calendar '%s': unknown type",
                cal->name);
    return FALSE;
}

gboolean
ny_sources_busy(const NyConfig *config, const char *const *ics, const NyBusyQuery *query,
                const NySourcesOptions *options, GArray **out_busy, GPtrArray **out_warnings,
                GError **error)
{
    g_autoptr(GArray) busy = ny_intervals_new();
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    Lookup l = {.options = options, .query = query, .busy = busy, .warnings = warnings};
    gboolean ok = TRUE;

    g_return_val_if_fail(query != NULL && options != NULL, FALSE);
    if (ics != NULL && ics[0] != NULL) {
        for (const char *const *p = ics; ok && *p; p++)
            ok = busy_ics(&l, *p, NULL, error);
    } else if (config != NULL && config->calendars != NULL && config->calendars->len > 0) {
        for (guint i = 0; ok && i < config->calendars->len; i++)
            ok = busy_calendar(&l, g_ptr_array_index(config->calendars, i), error);
    } else {
        /* The file that was read, else where one would be read from. */
        g_autofree char *config_path = config != NULL && config->path != NULL
                                           ? g_strdup(config->path)
                                           : ny_config_default_path();

        g_set_error(error, NY_SOURCES_ERROR, NY_SOURCES_ERROR_NO_SOURCE,
                    "no busy source: add a [calendar NAME] group (type=ics, vdir or caldav) "
                    "to '%s' (or run 'notyet init'), or give --ics FILE",
                    config_path);
        ok = FALSE;
    }
    lookup_clear(&l);
    if (!ok)
        return FALSE;
    ny_intervals_normalize(busy, query->from, query->to);
    *out_busy = g_steal_pointer(&busy);
    *out_warnings = g_steal_pointer(&warnings);
    return TRUE;
}
