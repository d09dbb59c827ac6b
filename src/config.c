/* config.c: the configuration file (doc/notyet-config.5).
 *
 * GKeyFile does the syntax; this file knows the groups and keys, fills the
 * defaults and validates every value, so that a mistake is one line naming
 * the file, the group, the key and what is wrong.
 */
#include "notyet/config.h"
#include "notyet/http.h"

#include <errno.h>
#include <string.h>
#include <glib/gstdio.h>
#include <sys/stat.h>

G_DEFINE_QUARK(ny_config_error, ny_config_error)

/* A configuration file is a few hundred bytes; anything this large is a mistake. */
#define NY_CONFIG_MAX_SIZE (1024 * 1024)

static const char *const me_keys[] = {"name", "email", "emails", "phone", "timezone", NULL};
static const char *const availability_keys[] = {"days",
                                                "start",
                                                "end",
                                                "slot_minutes",
                                                "grid_minutes",
                                                "buffer_minutes",
                                                "min_notice_hours",
                                                "horizon_days",
                                                "count",
                                                "spread_days",
                                                "their_start",
                                                "their_end",
                                                "offer_days",
                                                NULL};
static const char *const calendar_keys[] = {"type",
                                            "url",
                                            "path",
                                            "username",
                                            "password_command",
                                            "password",
                                            "token_command",
                                            "calendars",
                                            "insecure",
                                            "allow_insecure_http",
                                            "holds",
                                            NULL};
static const char *const letter_keys[] = {"template", "decline_template", "nudge_template",
                                          "hold_summary", NULL};
static const char *const limits_keys[] = {"max_response_mib", "max_object_mib", "max_instances",
                                          "http_timeout_seconds", NULL};

/* The whole-number keys of [availability]: where they go and their range. */
typedef struct {
    const char *key;
    gsize offset;
    int min;
    int max;
} IntKey;

static const IntKey int_keys[] = {
    {"slot_minutes", G_STRUCT_OFFSET(NyAvailability, slot_minutes), 1, 24 * 60},
    {"grid_minutes", G_STRUCT_OFFSET(NyAvailability, grid_minutes), 1, 24 * 60},
    {"buffer_minutes", G_STRUCT_OFFSET(NyAvailability, buffer_minutes), 0, 24 * 60},
    {"min_notice_hours", G_STRUCT_OFFSET(NyAvailability, min_notice_hours), 0, 366 * 24},
    {"horizon_days", G_STRUCT_OFFSET(NyAvailability, horizon_days), 1, 366},
    {"count", G_STRUCT_OFFSET(NyAvailability, count), 1, 10},
    {"spread_days", G_STRUCT_OFFSET(NyAvailability, spread_days), 0, 366},
    {"offer_days", G_STRUCT_OFFSET(NyAvailability, offer_days), 1, 366},
};

/* [limits]: the bounds a real user can need more of (doc/guarantees.md, "Limits"). The
 * lowest values still leave room for any honest calendar; the highest keep a
 * hostile server from taking all memory or time. */
static const IntKey limits_int_keys[] = {
    /* A big shared feed (a whole school's timetable) can pass 32 MiB. */
    {"max_response_mib", G_STRUCT_OFFSET(NyConfigLimits, max_response_mib), 1, 1024},
    /* An event with an inline attachment (ATTACH;VALUE=BINARY) can pass 10 MiB. */
    {"max_object_mib", G_STRUCT_OFFSET(NyConfigLimits, max_object_mib), 1, 256},
    /* A long series of short meetings (every 15 minutes since 2000 is 900,000
     * steps); at the top a hostile series costs about 2 s and 100 MB. */
    {"max_instances", G_STRUCT_OFFSET(NyConfigLimits, max_instances), 1000, 1000000},
    /* A slow server or a slow link. */
    {"http_timeout_seconds", G_STRUCT_OFFSET(NyConfigLimits, http_timeout_seconds), 1, 3600},
};

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const day_long_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};

typedef struct {
    const char *path; /* as given, for messages */
    char *dir;        /* the file's folder, for relative paths */
    GKeyFile *kf;
} Loader;

static void G_GNUC_PRINTF(5, 6) set_invalid(GError **error, const Loader *l, const char *group,
                                            const char *key, const char *format, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    va_start(ap, format);
    msg = g_strdup_vprintf(format, ap);
    va_end(ap);
    if (key != NULL)
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID, "%s: [%s] %s: %s", l->path,
                    group, key, msg);
    else
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID, "%s: [%s]: %s", l->path, group,
                    msg);
}

NyConfig *
ny_config_new_default(void)
{
    NyConfig *c = g_new0(NyConfig, 1);

    ny_availability_init_default(&c->availability);
    c->limits.max_response_mib = NY_CONFIG_MAX_RESPONSE_MIB_DEFAULT;
    c->limits.max_object_mib = NY_CONFIG_MAX_OBJECT_MIB_DEFAULT;
    c->limits.max_instances = NY_CONFIG_MAX_INSTANCES_DEFAULT;
    c->limits.http_timeout_seconds = NY_CONFIG_HTTP_TIMEOUT_DEFAULT;
    c->emails = g_new0(char *, 1);
    c->hold_summary = g_strdup(NY_CONFIG_HOLD_SUMMARY);
    c->warnings = g_ptr_array_new_with_free_func(g_free);
    c->calendars = g_ptr_array_new_with_free_func((GDestroyNotify)ny_calendar_config_free);
    return c;
}

gboolean
ny_config_path_from_environment(void)
{
    const char *env = g_getenv("NOTYET_CONFIG");

    return env != NULL && *env != '\0';
}

char *
ny_config_default_path(void)
{
    const char *env = g_getenv("NOTYET_CONFIG");

    if (env != NULL && *env != '\0')
        return g_strdup(env);
    return g_build_filename(g_get_user_config_dir(), "notyet", "config.ini", NULL);
}

char *
ny_config_store_path(const char *db_option)
{
    const char *env = g_getenv("NOTYET_DB");

    if (db_option != NULL)
        return g_strdup(db_option);
    if (env != NULL && *env != '\0')
        return g_strdup(env);
    return g_build_filename(g_get_user_data_dir(), "notyet", "notyet.db", NULL);
}

char *
ny_config_cache_path(const char *db_option)
{
    const char *env = g_getenv("NOTYET_CACHE");

    if (env != NULL && *env != '\0')
        return g_strdup(env);
    /* A private store gets a private cache: "x.db" -> "x.cache.db". */
    if (db_option != NULL && *db_option != '\0') {
        g_autofree char *dir = g_path_get_dirname(db_option);
        g_autofree char *base = g_path_get_basename(db_option);
        g_autofree char *stem =
            g_str_has_suffix(base, ".db") ? g_strndup(base, strlen(base) - 3) : g_strdup(base);
        g_autofree char *name = g_strconcat(stem, ".cache.db", NULL);
        return g_build_filename(dir, name, NULL);
    }
    return g_build_filename(g_get_user_cache_dir(), "notyet", "cache.db", NULL);
}

const char *
ny_source_type_to_string(NySourceType type)
{
    switch (type) {
    case NY_SOURCE_CALDAV:
        return "caldav";
    case NY_SOURCE_ICS:
        return "ics";
    case NY_SOURCE_VDIR:
        return "vdir";
    }
    return "unknown";
}

gboolean
ny_config_parse_time(const char *text, gboolean allow_24, int *out_minute)
{
    int hour = 0;
    int minute;
    const char *p = text;

    g_return_val_if_fail(text != NULL, FALSE);
    g_return_val_if_fail(out_minute != NULL, FALSE);

    /* One or two hour digits, ':', exactly two minute digits. */
    if (!g_ascii_isdigit(p[0]))
        return FALSE;
    hour = p[0] - '0';
    p++;
    if (g_ascii_isdigit(p[0])) {
        hour = hour * 10 + (p[0] - '0');
        p++;
    }
    if (p[0] != ':' || !g_ascii_isdigit(p[1]) || !g_ascii_isdigit(p[2]) || p[3] != '\0')
        return FALSE;
    minute = (p[1] - '0') * 10 + (p[2] - '0');
    if (minute > 59)
        return FALSE;
    if (hour > 23 && !(allow_24 && hour == 24 && minute == 0))
        return FALSE;
    *out_minute = hour * 60 + minute;
    return TRUE;
}

gboolean
ny_config_parse_hours(const char *text, int *out_start, int *out_end)
{
    const char *dash;
    g_autofree char *first = NULL;
    int start = 0;
    int end = 0;

    g_return_val_if_fail(text != NULL && out_start != NULL && out_end != NULL, FALSE);
    dash = strchr(text, '-');
    if (dash == NULL)
        return FALSE;
    first = g_strndup(text, (gsize)(dash - text));
    if (!ny_config_parse_time(g_strstrip(first), FALSE, &start))
        return FALSE;
    while (dash[1] == ' ')
        dash++;
    if (!ny_config_parse_time(dash + 1, TRUE, &end) || end <= start)
        return FALSE;
    *out_start = start;
    *out_end = end;
    return TRUE;
}

/* A line starting with ';' or '#' is a comment, and so is the rest of a
 * line after a blank and a ';' or '#' (outside a value wrapped in quotes), as in the example of
 * doc/notyet-config.5
 * ("grid_minutes=30        ; slot starts on :00 and :30"); GKeyFile itself
 * knows only whole-line comments. Line ends are normalized to LF; line
 * numbers are kept. */
static char *
strip_inline_comments(const char *data, gsize len)
{
    GString *out = g_string_sized_new(len + 1);
    gsize i = 0;

    while (i < len) {
        gsize start = i;
        gsize end;
        gsize cut;

        while (i < len && data[i] != '\n')
            i++;
        end = i;
        if (end > start && data[end - 1] == '\r')
            end--;
        cut = end;
        /* A whole-line comment becomes an empty line: GKeyFile knows '#'
         * but not the ';' of other INI files. */
        {
            gsize first = start;
            while (first < end && (data[first] == ' ' || data[first] == '\t'))
                first++;
            if (first < end && (data[first] == '#' || data[first] == ';')) {
                cut = start;
            } else if (first < end) {
                gsize from = first + 1;
                const char *eq = memchr(data + first, '=', end - first);

                /* A value wrapped in quotes is taken whole: a password or
                 * a command may hold " ;" or " #". Comments may follow the
                 * closing quote. */
                if (eq != NULL) {
                    gsize v = (gsize)(eq - data) + 1;

                    while (v < end && (data[v] == ' ' || data[v] == '\t'))
                        v++;
                    if (v < end && (data[v] == '"' || data[v] == '\'')) {
                        const char *close = NULL;

                        for (gsize k = end; k > v + 1; k--) {
                            if (data[k - 1] == data[v]) {
                                close = data + k - 1;
                                break;
                            }
                        }
                        if (close != NULL)
                            from = (gsize)(close - data) + 1;
                    }
                }
                for (gsize j = from; j < end; j++) {
                    if ((data[j] == ';' || data[j] == '#') &&
                        (data[j - 1] == ' ' || data[j - 1] == '\t')) {
                        cut = j;
                        break;
                    }
                }
            }
        }
        while (cut > start && (data[cut - 1] == ' ' || data[cut - 1] == '\t'))
            cut--;
        g_string_append_len(out, data + start, (gssize)(cut - start));
        if (i < len) {
            g_string_append_c(out, '\n');
            i++;
        }
    }
    return g_string_free(out, FALSE);
}

/* GKeyFile says what is wrong but not where: find the first line whose
 * prefix no longer parses (a parse error never goes away with more lines). */
static void
set_syntax_error(GError **error, const Loader *l, const char *text)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    guint n = g_strv_length(lines);
    guint lo = 1;
    guint hi = n;
    const char *line;
    const char *what;

    while (lo < hi) {
        guint mid = lo + (hi - lo) / 2;
        g_autoptr(GKeyFile) kf = g_key_file_new();
        g_autofree char *prefix = NULL;
        char *saved = lines[mid];

        lines[mid] = NULL;
        prefix = g_strjoinv("\n", lines);
        lines[mid] = saved;
        /* GKeyFile refuses a file of nothing but comments; a group at the
         * end keeps such a prefix valid without hiding any error before it. */
        {
            char *probe = g_strconcat(prefix, "\n[notyet probe]\n", NULL);
            g_free(prefix);
            prefix = probe;
        }
        if (g_key_file_load_from_data(kf, prefix, (gsize)-1, G_KEY_FILE_NONE, NULL))
            lo = mid + 1;
        else
            hi = mid;
    }
    /* lo is the number of lines that fail: the error is on line lo. The
     * line's text is not quoted: it may hold a password. */
    line = lo >= 1 && lo <= n ? g_strchug(lines[lo - 1]) : "";
    if (line[0] == '[')
        what = "not a valid [group] line";
    else if (strchr(line, '=') != NULL)
        what = "a key before the first [group], or an invalid key name";
    else
        what = "not a key=value line, a [group] or a comment";
    g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID, "%s: line %u: %s", l->path, lo,
                what);
}

/* The optimal string alignment distance (Levenshtein with transpositions,
 * ASCII case folded): "timezoen" is 1 from "timezone". Names are short
 * (keys of at most 64 bytes are compared; longer ones are no typo of ours). */
static guint
edit_distance(const char *a, const char *b)
{
    enum { MAX = 64 };
    guint d[MAX + 1][MAX + 1];
    gsize n = strlen(a);
    gsize m = strlen(b);

    if (n > MAX || m > MAX)
        return G_MAXUINT;
    for (gsize i = 0; i <= n; i++)
        d[i][0] = (guint)i;
    for (gsize j = 0; j <= m; j++)
        d[0][j] = (guint)j;
    for (gsize i = 1; i <= n; i++) {
        for (gsize j = 1; j <= m; j++) {
            guint cost = g_ascii_tolower(a[i - 1]) == g_ascii_tolower(b[j - 1]) ? 0 : 1;
            guint best = MIN(d[i - 1][j] + 1, d[i][j - 1] + 1);

            best = MIN(best, d[i - 1][j - 1] + cost);
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                best = MIN(best, d[i - 2][j - 2] + 1);
            d[i][j] = best;
        }
    }
    return d[n][m];
}

/* The known name @word was most likely meant to be: the closest within a
 * third of its length (at least 2 edits), else the one it is the start of
 * ("buffer" for "buffer_minutes"); NULL when none is close. */
static const char *
closest_name(const char *const *known, const char *word)
{
    const char *best = NULL;
    guint best_distance = MAX(2, (guint)strlen(word) / 3) + 1;
    const char *prefixed = NULL;
    guint n_prefixed = 0;

    for (const char *const *k = known; *k != NULL; k++) {
        guint dist = edit_distance(word, *k);

        if (dist < best_distance) {
            best = *k;
            best_distance = dist;
        }
        if (*word != '\0' && g_str_has_prefix(*k, word)) {
            prefixed = *k;
            n_prefixed++;
        }
    }
    if (best != NULL)
        return best;
    return n_prefixed == 1 ? prefixed : NULL;
}

static gboolean
key_known(const char *const *keys, const char *key)
{
    return g_strv_contains(keys, key);
}

/* name="Jane Doe" means Jane Doe: GKeyFile keeps the quotes, and they
 * would reach the letter ("Hi \"Jane,"). A value wrapped in one matching
 * pair of quotes, double or single, loses them (doc/slots-and-letter.md,
 * "No silent gaps"); a quote anywhere else is kept. */
static void
unwrap_quotes(char *value)
{
    gsize len = strlen(value);

    if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
        memmove(value, value + 1, len - 2);
        value[len - 2] = '\0';
        g_strstrip(value);
    }
}

/* The value of @key as text, or NULL (no error) when the key is absent. An
 * empty value counts as absent: every key has a default. */
static gboolean
get_string(const Loader *l, const char *group, const char *key, char **out, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    g_autofree char *value = NULL;

    if (!g_key_file_has_key(l->kf, group, key, NULL)) {
        *out = NULL;
        return TRUE;
    }
    value = g_key_file_get_string(l->kf, group, key, &local_error);
    if (value == NULL) {
        /* GKeyFile's message quotes the value; a password must not show. */
        set_invalid(error, l, group, key, "not valid text (bad escape or encoding)");
        return FALSE;
    }
    /* GKeyFile turns the escapes \n and \r into line breaks: no value needs
     * one, and it would break an error line, a letter or an invite header.
     * The value is not quoted: it may be a password. */
    for (const char *p = value; *p != '\0'; p++) {
        if (((guchar)*p < 0x20 && *p != '\t') || *p == 0x7f) {
            set_invalid(error, l, group, key,
                        "a control character (such as an escaped line "
                        "break) is not allowed in a value");
            return FALSE;
        }
    }
    g_strstrip(value);
    unwrap_quotes(value);
    *out = *value != '\0' ? g_steal_pointer(&value) : NULL;
    return TRUE;
}

/* A ';'-list; commas separate too. Blank items are dropped. NULL when absent. */
static gboolean
get_list(const Loader *l, const char *group, const char *key, char ***out, GError **error)
{
    g_autofree char *value = NULL;
    g_auto(GStrv) parts = NULL;
    g_autoptr(GPtrArray) items = NULL;

    if (!get_string(l, group, key, &value, error))
        return FALSE;
    if (value == NULL) {
        *out = NULL;
        return TRUE;
    }
    parts = g_strsplit_set(value, ";,", -1);
    items = g_ptr_array_new_with_free_func(g_free);
    for (char **p = parts; *p != NULL; p++) {
        g_strstrip(*p);
        unwrap_quotes(*p);
        if (**p != '\0')
            g_ptr_array_add(items, g_strdup(*p));
    }
    g_ptr_array_add(items, NULL);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&items), FALSE);
    return TRUE;
}

static gboolean
get_bool(const Loader *l, const char *group, const char *key, gboolean *out, GError **error)
{
    g_autofree char *value = NULL;

    if (!get_string(l, group, key, &value, error))
        return FALSE;
    if (value == NULL)
        return TRUE;
    if (g_ascii_strcasecmp(value, "true") == 0 || g_ascii_strcasecmp(value, "yes") == 0 ||
        strcmp(value, "1") == 0) {
        *out = TRUE;
    } else if (g_ascii_strcasecmp(value, "false") == 0 || g_ascii_strcasecmp(value, "no") == 0 ||
               strcmp(value, "0") == 0) {
        *out = FALSE;
    } else {
        set_invalid(error, l, group, key, "'%s' is not true or false", value);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_config_email_valid(const char *value)
{
    const char *at = value != NULL ? strchr(value, '@') : NULL;

    return at != NULL && at != value && at[1] != '\0' && strchr(at + 1, '@') == NULL &&
           strpbrk(value, " \t\r\n<>\"") == NULL;
}

static gboolean
check_email(const Loader *l, const char *group, const char *key, const char *value, GError **error)
{
    if (!ny_config_email_valid(value)) {
        set_invalid(error, l, group, key, "'%s' is not an email address", value);
        return FALSE;
    }
    return TRUE;
}

/* "~/x" is in the home folder; a relative path is read from the
 * configuration file's folder, so a config and its calendars can move together. */
static char *
expand_path(const Loader *l, const char *value)
{
    if (strcmp(value, "~") == 0)
        return g_strdup(g_get_home_dir());
    if (g_str_has_prefix(value, "~/"))
        return g_build_filename(g_get_home_dir(), value + 2, NULL);
    return g_canonicalize_filename(value, l->dir);
}

static gboolean
is_http_url(const char *value)
{
    return g_ascii_strncasecmp(value, "http://", 7) == 0 ||
           g_ascii_strncasecmp(value, "https://", 8) == 0;
}

static gboolean
load_me(const Loader *l, NyConfig *c, GError **error)
{
    g_auto(GStrv) extra = NULL;
    g_autoptr(GPtrArray) emails = NULL;

    if (!get_string(l, "me", "name", &c->name, error) ||
        !get_string(l, "me", "email", &c->email, error) ||
        !get_list(l, "me", "emails", &extra, error) ||
        !get_string(l, "me", "phone", &c->phone, error) ||
        !get_string(l, "me", "timezone", &c->timezone, error))
        return FALSE;

    emails = g_ptr_array_new_with_free_func(g_free);
    if (c->email != NULL) {
        if (!check_email(l, "me", "email", c->email, error))
            return FALSE;
        g_ptr_array_add(emails, g_strdup(c->email));
    }
    for (char **p = extra; p != NULL && *p != NULL; p++) {
        if (!check_email(l, "me", "emails", *p, error))
            return FALSE;
        g_ptr_array_add(emails, g_strdup(*p));
    }
    g_ptr_array_add(emails, NULL);
    g_strfreev(c->emails);
    c->emails = (char **)g_ptr_array_free(g_steal_pointer(&emails), FALSE);

    g_clear_pointer(&c->zone, g_time_zone_unref);
    if (c->timezone != NULL) {
        g_autoptr(GError) local_error = NULL;
        g_autoptr(GTimeZone) zone = ny_config_zone_new(c->timezone, &local_error);
        if (zone == NULL) {
            set_invalid(error, l, "me", "timezone", "%s", local_error->message);
            return FALSE;
        }
        /* Kept: the zone file is read once per run. */
        c->zone = g_steal_pointer(&zone);
    }
    return TRUE;
}

static gboolean
parse_day(const char *name, int *out_dow)
{
    for (int d = 0; d < 7; d++) {
        if (g_ascii_strcasecmp(name, day_names[d]) == 0 ||
            g_ascii_strcasecmp(name, day_long_names[d]) == 0) {
            *out_dow = d + 1;
            return TRUE;
        }
    }
    return FALSE;
}

/* Every key of @keys present in @group: a whole number in the key's range,
 * stored at its offset in @base; absent keys keep their default. */
static gboolean
load_int_keys(const Loader *l, const char *g, const IntKey *keys, gsize n_keys, gpointer base,
              GError **error)
{
    for (gsize i = 0; i < n_keys; i++) {
        const IntKey *k = &keys[i];
        g_autofree char *value = NULL;
        gint64 n = 0;

        if (!get_string(l, g, k->key, &value, error))
            return FALSE;
        if (value == NULL)
            continue;
        if (!g_ascii_string_to_signed(value, 10, G_MININT64, G_MAXINT64, &n, NULL)) {
            set_invalid(error, l, g, k->key, "'%s' is not a whole number", value);
            return FALSE;
        }
        if (n < 0 && k->min == 0) {
            set_invalid(error, l, g, k->key, "'%s' is negative", value);
            return FALSE;
        }
        if (n < k->min) {
            set_invalid(error, l, g, k->key, "'%s' must be at least %d", value, k->min);
            return FALSE;
        }
        if (n > k->max) {
            set_invalid(error, l, g, k->key, "'%s' is more than %d", value, k->max);
            return FALSE;
        }
        G_STRUCT_MEMBER(int, base, k->offset) = (int)n;
    }
    return TRUE;
}

/* [availability] their_start and their_end: the invitee's day in their zone
 * (doc/slots-and-letter.md, "Their day"), used when their zone is known. */
static gboolean
load_their_day(const Loader *l, NyAvailability *a, GError **error)
{
    const char *g = "availability";
    g_autofree char *start = NULL;
    g_autofree char *end = NULL;

    if (!get_string(l, g, "their_start", &start, error) ||
        !get_string(l, g, "their_end", &end, error))
        return FALSE;
    if (start != NULL && !ny_config_parse_time(start, FALSE, &a->their_start_minute)) {
        set_invalid(error, l, g, "their_start", "'%s' is not a time of day (HH:MM, 00:00 to 23:59)",
                    start);
        return FALSE;
    }
    if (end != NULL && !ny_config_parse_time(end, TRUE, &a->their_end_minute)) {
        set_invalid(error, l, g, "their_end", "'%s' is not a time of day (HH:MM, 00:00 to 24:00)",
                    end);
        return FALSE;
    }
    if (a->their_end_minute <= a->their_start_minute) {
        set_invalid(error, l, g, "their_end", "%02d:%02d is not after their_start %02d:%02d",
                    a->their_end_minute / 60, a->their_end_minute % 60, a->their_start_minute / 60,
                    a->their_start_minute % 60);
        return FALSE;
    }
    if (a->slot_minutes > a->their_end_minute - a->their_start_minute) {
        set_invalid(error, l, g, "slot_minutes",
                    "a %d-minute slot does not fit between their_start and their_end",
                    a->slot_minutes);
        return FALSE;
    }
    return TRUE;
}

static gboolean
load_availability(const Loader *l, NyAvailability *a, GError **error)
{
    const char *g = "availability";
    g_auto(GStrv) days = NULL;
    g_autofree char *start = NULL;
    g_autofree char *end = NULL;

    if (!get_list(l, g, "days", &days, error))
        return FALSE;
    if (g_key_file_has_key(l->kf, g, "days", NULL)) {
        guint mask = 0;

        if (days == NULL || days[0] == NULL) {
            set_invalid(error, l, g, "days", "no day given (e.g. Mon;Tue;Wed;Thu;Fri)");
            return FALSE;
        }
        for (char **p = days; *p != NULL; p++) {
            int dow;
            if (!parse_day(*p, &dow)) {
                set_invalid(error, l, g, "days", "'%s' is not a day (Mon, Tue, ... Sun)", *p);
                return FALSE;
            }
            mask |= NY_DAY_BIT(dow);
        }
        a->days = mask;
    }

    if (!get_string(l, g, "start", &start, error) || !get_string(l, g, "end", &end, error))
        return FALSE;
    if (start != NULL && !ny_config_parse_time(start, FALSE, &a->start_minute)) {
        set_invalid(error, l, g, "start", "'%s' is not a time of day (HH:MM, 00:00 to 23:59)",
                    start);
        return FALSE;
    }
    if (end != NULL && !ny_config_parse_time(end, TRUE, &a->end_minute)) {
        set_invalid(error, l, g, "end", "'%s' is not a time of day (HH:MM, 00:00 to 24:00)", end);
        return FALSE;
    }
    if (a->end_minute <= a->start_minute) {
        set_invalid(error, l, g, "end", "%02d:%02d is not after start %02d:%02d",
                    a->end_minute / 60, a->end_minute % 60, a->start_minute / 60,
                    a->start_minute % 60);
        return FALSE;
    }

    if (!load_int_keys(l, g, int_keys, G_N_ELEMENTS(int_keys), a, error))
        return FALSE;
    if (!load_their_day(l, a, error))
        return FALSE;

    if (a->slot_minutes > a->end_minute - a->start_minute) {
        set_invalid(error, l, g, "slot_minutes",
                    "a %d-minute slot does not fit between start and end", a->slot_minutes);
        return FALSE;
    }
    return TRUE;
}

/* holds=CAL: the calendar of a caldav account that notyet writes to
 * (doc/calendar-writes.md); resolved by display name or href once the
 * account's calendars are discovered. Empty is unset, as for every key. */
static gboolean
load_holds(const Loader *l, const char *group, NyCalendarConfig *cal, GError **error)
{
    if (!get_string(l, group, "holds", &cal->holds, error))
        return FALSE;
    if (cal->holds == NULL)
        return TRUE;
    if (cal->type != NY_SOURCE_CALDAV) {
        set_invalid(error, l, group, "holds", "only a caldav calendar can hold times");
        return FALSE;
    }
    return TRUE;
}

/* Holds go to one calendar: two groups saying holds= would split them. */
static gboolean
check_one_holds(const Loader *l, const NyConfig *c, GError **error)
{
    const NyCalendarConfig *first = NULL;

    for (guint i = 0; i < c->calendars->len; i++) {
        const NyCalendarConfig *cal = g_ptr_array_index(c->calendars, i);
        g_autofree char *group = NULL;

        if (cal->holds == NULL)
            continue;
        if (first == NULL) {
            first = cal;
            continue;
        }
        group = g_strdup_printf("calendar %s", cal->name);
        set_invalid(error, l, group, "holds",
                    "[calendar %s] says holds= already; only one calendar gets holds", first->name);
        return FALSE;
    }
    return TRUE;
}

/* username=, password_command=, password= and token_command=: which one
 * is used is credentials.c's business; here only what cannot work. The
 * commands run with /bin/sh -c, so any text is a command line (an empty
 * value is no value). */
static gboolean
load_credentials(const Loader *l, const char *group, NyCalendarConfig *cal, GError **error)
{
    if (!get_string(l, group, "username", &cal->username, error) ||
        !get_string(l, group, "password_command", &cal->password_command, error) ||
        !get_string(l, group, "password", &cal->password, error) ||
        !get_string(l, group, "token_command", &cal->token_command, error))
        return FALSE;
    if (cal->password != NULL && cal->password_command != NULL) {
        set_invalid(error, l, group, "password", "give password= or password_command=, not both");
        return FALSE;
    }
    if (cal->token_command != NULL && (cal->password != NULL || cal->password_command != NULL)) {
        set_invalid(error, l, group, "token_command",
                    "a Bearer token replaces the password: give token_command= or "
                    "password_command=, not both");
        return FALSE;
    }
    return TRUE;
}

static gboolean
load_calendar(const Loader *l, const char *group, const char *name, NyConfig *c, GError **error)
{
    g_autoptr(NyCalendarConfig) cal = g_new0(NyCalendarConfig, 1);
    g_autofree char *type = NULL;
    g_autofree char *url = NULL;
    g_autofree char *path = NULL;
    const char *url_key = "url";

    cal->name = g_strdup(name);
    if (!get_string(l, group, "type", &type, error) || !get_string(l, group, "url", &url, error) ||
        !get_string(l, group, "path", &path, error) || !load_credentials(l, group, cal, error) ||
        !get_list(l, group, "calendars", &cal->calendars, error) ||
        !get_bool(l, group, "insecure", &cal->insecure, error) ||
        !get_bool(l, group, "allow_insecure_http", &cal->allow_insecure_http, error))
        return FALSE;

    if (type == NULL) {
        set_invalid(error, l, group, "type", "missing (caldav, ics or vdir)");
        return FALSE;
    }
    if (strcmp(type, "caldav") == 0) {
        cal->type = NY_SOURCE_CALDAV;
    } else if (strcmp(type, "ics") == 0) {
        cal->type = NY_SOURCE_ICS;
    } else if (strcmp(type, "vdir") == 0) {
        cal->type = NY_SOURCE_VDIR;
    } else {
        set_invalid(error, l, group, "type", "'%s' is not caldav, ics or vdir", type);
        return FALSE;
    }

    /* path= is a synonym of url= for file sources. */
    if (path != NULL) {
        if (cal->type == NY_SOURCE_CALDAV) {
            set_invalid(error, l, group, "path", "a caldav calendar needs url=, not path=");
            return FALSE;
        }
        if (url != NULL) {
            set_invalid(error, l, group, "path", "give url= or path=, not both");
            return FALSE;
        }
        url = g_steal_pointer(&path);
        url_key = "path";
    }
    if (url == NULL) {
        set_invalid(error, l, group, "url", "missing");
        return FALSE;
    }
    /* https://bob:pw@host/ would skip every credential rule (and show the
     * password wherever the URL is shown): refused, and never echoed. */
    if (strstr(url, "://") != NULL && ny_http_url_has_userinfo(url)) {
        set_invalid(error, l, group, url_key,
                    "no user name or password in the URL: put the user in username= and the "
                    "password in password_command=");
        return FALSE;
    }

    switch (cal->type) {
    case NY_SOURCE_CALDAV:
        if (!is_http_url(url)) {
            set_invalid(error, l, group, url_key, "'%s' is not an http:// or https:// URL", url);
            return FALSE;
        }
        cal->url = g_steal_pointer(&url);
        break;
    case NY_SOURCE_ICS:
        if (is_http_url(url)) {
            cal->url = g_steal_pointer(&url);
            break;
        }
        if (g_ascii_strncasecmp(url, "file://", 7) == 0) {
            cal->url = g_filename_from_uri(url, NULL, NULL);
            if (cal->url == NULL) {
                set_invalid(error, l, group, url_key, "'%s' is not a file URL", url);
                return FALSE;
            }
            break;
        }
        if (strstr(url, "://") != NULL) {
            set_invalid(error, l, group, url_key, "'%s' is not a path or an http(s) URL", url);
            return FALSE;
        }
        cal->url = expand_path(l, url);
        break;
    case NY_SOURCE_VDIR:
        if (strstr(url, "://") != NULL) {
            set_invalid(error, l, group, url_key, "'%s' is not a folder", url);
            return FALSE;
        }
        cal->url = expand_path(l, url);
        break;
    }

    if (!load_holds(l, group, cal, error))
        return FALSE;
    g_ptr_array_add(c->calendars, g_steal_pointer(&cal));
    return TRUE;
}

static gboolean
load_letter(const Loader *l, NyConfig *c, GError **error)
{
    static const struct {
        const char *key;
        gsize offset;
    } paths[] = {
        {"template", G_STRUCT_OFFSET(NyConfig, letter_template)},
        {"decline_template", G_STRUCT_OFFSET(NyConfig, decline_template)},
        {"nudge_template", G_STRUCT_OFFSET(NyConfig, nudge_template)},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(paths); i++) {
        g_autofree char *value = NULL;

        if (!get_string(l, "letter", paths[i].key, &value, error))
            return FALSE;
        if (value != NULL)
            G_STRUCT_MEMBER(char *, c, paths[i].offset) = expand_path(l, value);
    }
    {
        g_autofree char *value = NULL;

        if (!get_string(l, "letter", "hold_summary", &value, error))
            return FALSE;
        if (value != NULL && *value != '\0') {
            g_free(c->hold_summary);
            c->hold_summary = g_steal_pointer(&value);
        }
    }
    return TRUE;
}

/* The group's known keys, or NULL for an unknown group; *out_name gets the
 * NAME of a [calendar NAME] group. */
static const char *const *
group_keys(const char *group, const char **out_name)
{
    *out_name = NULL;
    if (strcmp(group, "me") == 0)
        return me_keys;
    if (strcmp(group, "availability") == 0)
        return availability_keys;
    if (strcmp(group, "letter") == 0)
        return letter_keys;
    if (strcmp(group, "limits") == 0)
        return limits_keys;
    if (g_str_has_prefix(group, "calendar ")) {
        const char *name = group + strlen("calendar ");
        while (*name == ' ')
            name++;
        if (*name != '\0') {
            *out_name = name;
            return calendar_keys;
        }
    }
    return NULL;
}

/* password= is refused in a file other users can read (doc/notyet-config.5, [calendar NAME]
 * password). */
static gboolean
check_password_safe(const Loader *l, const char *group, mode_t mode, GError **error)
{
    if (!g_key_file_has_key(l->kf, group, "password", NULL) || (mode & 077) == 0)
        return TRUE;
    g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_UNSAFE,
                "%s: [%s] password: the file can be read by other users; "
                "run 'chmod 600 %s' or use password_command=",
                l->path, group, l->path);
    return FALSE;
}

/* GKeyFile keeps the last of two lines that set the same key of a group,
 * silently (a group given twice is one group). Each repeat is a warning
 * naming both lines, so the user sees which value is used. @text has LF line
 * ends and the file's line numbers (strip_inline_comments()). */
static void
warn_duplicate_keys(const Loader *l, const char *text, GPtrArray *warnings)
{
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autoptr(GHashTable) first = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *group = NULL;

    for (guint i = 0; lines[i] != NULL; i++) {
        char *line = g_strstrip(lines[i]);
        char *eq;
        g_autofree char *id = NULL;
        gpointer seen;

        if (*line == '[') {
            char *close = strrchr(line, ']');
            g_free(group);
            group = close != NULL ? g_strndup(line + 1, (gsize)(close - line - 1)) : NULL;
            continue;
        }
        if (group == NULL || (eq = strchr(line, '=')) == NULL)
            continue;
        *eq = '\0';
        g_strstrip(line);
        id = g_strdup_printf("%s\n%s", group, line);
        seen = g_hash_table_lookup(first, id);
        if (seen != NULL)
            g_ptr_array_add(warnings,
                            g_strdup_printf("%s: [%s] %s: set twice, on lines %u and %u; the value "
                                            "on line %u is used",
                                            l->path, group, line, GPOINTER_TO_UINT(seen), i + 1,
                                            i + 1));
        g_hash_table_insert(first, g_steal_pointer(&id), GUINT_TO_POINTER(i + 1));
    }
}

static gboolean
load_groups(const Loader *l, NyConfig *c, mode_t mode, GError **error)
{
    g_auto(GStrv) groups = g_key_file_get_groups(l->kf, NULL);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);

    /* Names first, in file order: an unknown group or key is the most
     * likely mistake (a typo), and says nothing about the values. */
    for (char **g = groups; *g != NULL; g++) {
        const char *name = NULL;
        const char *const *known = group_keys(*g, &name);
        g_auto(GStrv) keys = NULL;

        if (known == NULL) {
            static const char *const group_names[] = {"me", "availability", "letter", "limits",
                                                      NULL};
            const char *near = closest_name(group_names, *g);

            if (strcmp(*g, "calendar") == 0 || g_str_has_prefix(*g, "calendar "))
                set_invalid(error, l, *g, NULL, "a calendar group needs a name: [calendar NAME]");
            else if (near != NULL)
                set_invalid(error, l, *g, NULL, "unknown group: did you mean [%s]?", near);
            else
                set_invalid(error, l, *g, NULL,
                            "unknown group (me, availability, calendar NAME, letter, limits)");
            return FALSE;
        }
        if (name != NULL) {
            if (g_hash_table_contains(seen, name)) {
                set_invalid(error, l, *g, NULL, "another calendar is named '%s'", name);
                return FALSE;
            }
            g_hash_table_add(seen, (gpointer)name);
        }
        keys = g_key_file_get_keys(l->kf, *g, NULL, NULL);
        for (char **k = keys; keys != NULL && *k != NULL; k++) {
            if (!key_known(known, *k)) {
                const char *near = closest_name(known, *k);

                if (near != NULL)
                    set_invalid(error, l, *g, *k, "unknown key: did you mean '%s'?", near);
                else
                    set_invalid(error, l, *g, *k, "unknown key");
                return FALSE;
            }
        }
        if (!check_password_safe(l, *g, mode, error))
            return FALSE;
    }

    if (!load_me(l, c, error) || !load_availability(l, &c->availability, error))
        return FALSE;
    for (char **g = groups; *g != NULL; g++) {
        const char *name = NULL;

        if (group_keys(*g, &name) == calendar_keys && !load_calendar(l, *g, name, c, error))
            return FALSE;
    }
    if (!check_one_holds(l, c, error) || !load_letter(l, c, error))
        return FALSE;
    return load_int_keys(l, "limits", limits_int_keys, G_N_ELEMENTS(limits_int_keys), &c->limits,
                         error);
}

NyConfig *
ny_config_load_from_data(const char *name, const char *data, gsize len, guint mode, GError **error)
{
    g_autoptr(NyConfig) c = NULL;
    g_autoptr(GKeyFile) kf = NULL;
    g_autofree char *text = NULL;
    g_autofree char *dir = NULL;
    Loader l = {0};

    g_return_val_if_fail(name != NULL, NULL);
    g_return_val_if_fail(data != NULL || len == 0, NULL);

    if (len > NY_CONFIG_MAX_SIZE) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID,
                    "%s: too large for a configuration file (over %d bytes)", name,
                    NY_CONFIG_MAX_SIZE);
        return NULL;
    }
    {
        g_autofree char *abs = g_canonicalize_filename(name, NULL);
        dir = g_path_get_dirname(abs);
    }
    l.path = name;
    l.dir = dir;
    if (len > 0 && memchr(data, '\0', len) != NULL) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID, "%s: not UTF-8 text", name);
        return NULL;
    }
    text = strip_inline_comments(data != NULL ? data : "", len);
    if (!g_utf8_validate(text, -1, NULL)) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID, "%s: not UTF-8 text", name);
        return NULL;
    }
    kf = g_key_file_new();
    l.kf = kf;
    if (!g_key_file_load_from_data(kf, text, (gsize)-1, G_KEY_FILE_KEEP_TRANSLATIONS, NULL)) {
        set_syntax_error(error, &l, text);
        return NULL;
    }

    c = ny_config_new_default();
    if (!load_groups(&l, c, (mode_t)mode, error))
        return NULL;
    warn_duplicate_keys(&l, text, c->warnings);
    c->path = g_strdup(name);
    return g_steal_pointer(&c);
}

/* The zone names tzdata knows, for suggestions: zone1970.tab (else
 * zone.tab) under $TZDIR or /usr/share/zoneinfo, and UTC. */
static GStrv
known_zones(void)
{
    static const char *const tables[] = {"zone1970.tab", "zone.tab"};
    const char *dir = g_getenv("TZDIR");
    g_autoptr(GStrvBuilder) names = g_strv_builder_new();

    if (dir == NULL || *dir == '\0')
        dir = "/usr/share/zoneinfo";
    for (gsize i = 0; i < G_N_ELEMENTS(tables); i++) {
        g_autofree char *path = g_build_filename(dir, tables[i], NULL);
        g_autofree char *text = NULL;
        g_auto(GStrv) lines = NULL;

        if (!g_file_get_contents(path, &text, NULL, NULL))
            continue;
        lines = g_strsplit(text, "\n", -1);
        for (char **line = lines; *line != NULL; line++) {
            g_auto(GStrv) fields = NULL;

            if (**line == '#' || **line == '\0')
                continue;
            fields = g_strsplit(*line, "\t", 4);
            if (g_strv_length(fields) >= 3)
                g_strv_builder_add(names, fields[2]);
        }
        break;
    }
    g_strv_builder_add(names, "UTC");
    return g_strv_builder_end(names);
}

GTimeZone *
ny_config_zone_new(const char *name, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    GTimeZone *zone = ny_zone_new(name, &local_error);
    g_auto(GStrv) known = NULL;
    g_autofree char *suggestion = NULL;

    if (zone != NULL)
        return zone;
    known = known_zones();
    suggestion = ny_zone_suggest(name, (const char *const *)known);
    if (suggestion != NULL)
        g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE, "%s; did you mean '%s'?",
                    local_error->message, suggestion);
    else
        g_set_error(error, NY_TIME_ERROR, NY_TIME_ERROR_ZONE,
                    "%s (give a place from the tz database, such as Europe/Paris)",
                    local_error->message);
    return NULL;
}

/* The environment is read here and in main.c only: NOTYET_HTTP_TIMEOUT
 * (1-3600 s) wins over [limits] http_timeout_seconds for this run; any
 * other value is ignored, as before. NOTYET_LOOKUP_SEQUENTIAL=1 is for
 * tests. */
static void
apply_environment(NyConfig *config)
{
    const char *text = g_getenv("NOTYET_HTTP_TIMEOUT");
    guint64 value = 0;

    if (text != NULL && g_ascii_string_to_unsigned(text, 10, 1, 3600, &value, NULL))
        config->limits.http_timeout_seconds = (int)value;
    config->lookup_sequential = g_strcmp0(g_getenv("NOTYET_LOOKUP_SEQUENTIAL"), "1") == 0;
}

NyConfig *
ny_config_load(const char *path, gboolean must_exist, GError **error)
{
    g_autoptr(GError) local_error = NULL;
    NyConfig *config;
    g_autofree char *data = NULL;
    gsize len = 0;
    GStatBuf st;

    g_return_val_if_fail(path != NULL, NULL);

    if (g_stat(path, &st) != 0) {
        int saved = errno;
        if (saved == ENOENT && !must_exist) {
            config = ny_config_new_default();
            apply_environment(config);
            return config;
        }
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO, "%s: cannot read: %s", path,
                    g_strerror(saved));
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO, "%s: not a file", path);
        return NULL;
    }
    if (st.st_size > NY_CONFIG_MAX_SIZE) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_INVALID,
                    "%s: too large for a configuration file (over %d bytes)", path,
                    NY_CONFIG_MAX_SIZE);
        return NULL;
    }
    if (!g_file_get_contents(path, &data, &len, &local_error)) {
        g_set_error(error, NY_CONFIG_ERROR, NY_CONFIG_ERROR_IO, "%s: cannot read: %s", path,
                    local_error->message);
        return NULL;
    }
    config = ny_config_load_from_data(path, data, len, st.st_mode & 07777, error);
    if (config != NULL)
        apply_environment(config);
    return config;
}

void
ny_calendar_config_free(NyCalendarConfig *calendar)
{
    if (calendar == NULL)
        return;
    g_free(calendar->name);
    g_free(calendar->url);
    g_free(calendar->username);
    g_free(calendar->password_command);
    g_free(calendar->token_command);
    if (calendar->password != NULL) {
        /* Do not leave the password lying around in freed memory. */
        memset(calendar->password, 0, strlen(calendar->password));
        g_free(calendar->password);
    }
    g_strfreev(calendar->calendars);
    g_free(calendar->holds);
    g_free(calendar);
}

void
ny_config_free(NyConfig *config)
{
    if (config == NULL)
        return;
    g_free(config->path);
    g_free(config->name);
    g_free(config->email);
    g_strfreev(config->emails);
    g_free(config->phone);
    g_free(config->timezone);
    g_clear_pointer(&config->zone, g_time_zone_unref);
    g_ptr_array_unref(config->calendars);
    g_free(config->letter_template);
    g_free(config->decline_template);
    g_free(config->nudge_template);
    g_free(config->hold_summary);
    g_ptr_array_unref(config->warnings);
    g_free(config);
}
