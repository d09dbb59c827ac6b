/* cmd-init.c: `notyet init`, the first-time set-up.
 *
 * Every answer comes from a flag, else from a question on the terminal, else
 * from its default; an answer that has none is a usage error naming its
 * flag. The file is built in memory and read back through the configuration
 * loader (config.h) before anything else, so what discovery and the 14-day
 * check use is exactly what gets written. Discovery and the check run
 * against a throwaway cache (the user's cache is not touched), and the file
 * is written last, atomically, mode 0600: a failed run writes nothing.
 * doc/architecture.md, "How a command is built"; doc/sync-and-cache.md for
 * discovery (RFC 6764).
 */
#include <errno.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cmd-common.h"
#include "notyet/cache.h"
#include "notyet/caldav.h"
#include "notyet/http.h"

/* Seconds the DNS SRV and TXT lookups may take together. */
#define SRV_TIMEOUT_SECONDS 5
/* The span of the last check, in days. */
#define CHECK_DAYS 14
/* The longest answer read from the terminal. */
#define MAX_ANSWER 4096

typedef struct {
    char *name;
    char *email;
    char *phone;
    char *days;
    char *hours;
    char *url;
    char *provider;
    char *username;
    char *password_command;
    char *token_command;
    char *busy;
    char *holds;
    gboolean force;
    gboolean yes;
    gboolean no_calendar;
} InitOptions;

static void
init_options_clear(InitOptions *o)
{
    g_free(o->name);
    g_free(o->email);
    g_free(o->phone);
    g_free(o->days);
    g_free(o->hours);
    g_free(o->url);
    g_free(o->provider);
    g_free(o->username);
    g_free(o->password_command);
    g_free(o->token_command);
    g_free(o->busy);
    g_free(o->holds);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(InitOptions, init_options_clear)

/* Well-known CalDAV servers: url NULL when each installation has its own. */
typedef struct {
    const char *name;
    const char *url;
    const char *note;
} Provider;

static const Provider providers[] = {
    {"fastmail", "https://caldav.fastmail.com/",
     "Fastmail wants an app password (Settings > Privacy & Security > App passwords); "
     "the user name is your Fastmail address"},
    {"icloud", "https://caldav.icloud.com/",
     "iCloud wants an app-specific password (account.apple.com > Sign-In and Security); "
     "the user name is your Apple Account email"},
    {"nextcloud", NULL,
     "Nextcloud: the URL is https://HOST/remote.php/dav/; with two-factor login, make an "
     "app password under Settings > Security"},
    {"radicale", NULL, "Radicale: the URL is the server's, such as https://HOST:5232/"},
};

static const Provider *
find_provider(const char *name)
{
    for (gsize i = 0; i < G_N_ELEMENTS(providers); i++) {
        if (g_ascii_strcasecmp(providers[i].name, name) == 0)
            return &providers[i];
    }
    return NULL;
}

/* ---- Questions ---------------------------------------------------------- */

/* Checks one answer: TRUE with *out the value to keep (normalized), or
 * FALSE with *why saying what is wrong. */
typedef gboolean (*CheckFunc)(const char *answer, char **out, char **why);

typedef struct {
    NyCli *cli;
    gboolean interactive;
} Asker;

/* One line from the terminal, without its line break; NULL at end of input. */
static char *
read_line(void)
{
    GString *s = g_string_new(NULL);
    int c;

    while ((c = getchar()) != EOF && c != '\n') {
        if (s->len < MAX_ANSWER)
            g_string_append_c(s, (char)c);
    }
    if (c == EOF && s->len == 0) {
        g_string_free(s, TRUE);
        return NULL;
    }
    if (s->len > 0 && s->str[s->len - 1] == '\r')
        g_string_truncate(s, s->len - 1);
    return g_strstrip(g_string_free(s, FALSE));
}

/* A line read with the terminal's echo off (a password). */
static char *
read_secret(const char *prompt)
{
    struct termios old;
    struct termios quiet;
    gboolean restore = FALSE;
    char *line;

    if (tcgetattr(STDIN_FILENO, &old) == 0) {
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        restore = tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet) == 0;
    }
    /* Asked once the echo is off: nothing typed is shown. */
    fputs(prompt, stderr);
    fflush(stderr);
    line = read_line();
    if (restore)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    fputc('\n', stderr);
    return line;
}

static gboolean
no_answer(Asker *a, const char *flag, GError **error)
{
    if (a->interactive)
        ny_cli_usage_error(a->cli, error, "no answer for %s (the input ended)", flag);
    else
        ny_cli_usage_error(a->cli, error, "%s is needed (no terminal to ask on)", flag);
    return FALSE;
}

/* An answer as a message may show it: a URL without its user name and
 * password, no control characters. */
static char *
shown_answer(const char *answer)
{
    g_autofree char *url = strstr(answer, "://") != NULL ? ny_http_url_display(answer) : NULL;

    return ny_cli_printable(url != NULL ? url : answer);
}

/**
 * ask:
 * @given: the flag's value, or NULL
 * @flag: "--email", named in errors
 * @def: the default, or NULL when the answer is needed; "" for an optional one
 * @check: (nullable): validates and normalizes an answer
 * @out: (out): the answer; NULL for an optional one left empty
 *
 * The flag's value wins; else, on a terminal, asks (showing @def) until an
 * answer passes @check; else takes @def. A bad flag value is a usage error
 * that names the flag.
 */
static gboolean
ask(Asker *a, const char *given, const char *flag, const char *question, const char *def,
    CheckFunc check, char **out, GError **error)
{
    /* Asked until an answer passes; a flag's value or the default once. */
    gboolean asking = given == NULL && a->interactive;

    for (;;) {
        g_autofree char *line = NULL;
        g_autofree char *value = NULL;
        g_autofree char *why = NULL;
        const char *answer = given != NULL ? given : def;

        if (asking) {
            if (def != NULL && *def != '\0')
                fprintf(stderr, "%s [%s]: ", question, def);
            else if (def != NULL)
                fprintf(stderr, "%s [none]: ", question);
            else
                fprintf(stderr, "%s: ", question);
            fflush(stderr);
            line = read_line();
            if (line == NULL)
                return no_answer(a, flag, error);
            if (*line != '\0')
                answer = line;
            if (answer == NULL) {
                fprintf(stderr, "  an answer is needed (or give %s)\n", flag);
                continue;
            }
        } else if (answer == NULL) {
            return no_answer(a, flag, error);
        }
        if (*answer == '\0') {
            /* Empty is "none" only for an answer that may be left out. */
            if (def == NULL || *def != '\0') {
                ny_cli_usage_error(a->cli, error, "%s: an empty value; give one", flag);
                return FALSE;
            }
            *out = NULL;
            return TRUE;
        }
        if (check != NULL && !check(answer, &value, &why)) {
            g_autofree char *shown = shown_answer(answer);

            if (!asking) {
                ny_cli_usage_error(a->cli, error, "%s: '%s' %s", flag, shown, why);
                return FALSE;
            }
            fprintf(stderr, "  '%s' %s\n", shown, why);
            continue;
        }
        *out = value != NULL ? g_steal_pointer(&value) : g_strdup(answer);
        return TRUE;
    }
}

static gboolean
check_text(const char *answer, char **out, char **why)
{
    (void)out;
    if (!ny_cli_is_one_line(answer)) {
        *why = g_strdup("must be one line of text without control characters");
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_email(const char *answer, char **out, char **why)
{
    (void)out;
    if (!ny_config_email_valid(answer)) {
        *why = g_strdup("is not an email address");
        return FALSE;
    }
    return TRUE;
}

static gboolean
check_zone(const char *answer, char **out, char **why)
{
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GTimeZone) zone = ny_zone_new(answer, &local_error);

    (void)out;
    if (zone == NULL) {
        *why = g_strdup_printf("is not a time zone (%s)", local_error->message);
        return FALSE;
    }
    return TRUE;
}

static const char *const day_names[7] = {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"};
static const char *const day_long_names[7] = {"Monday", "Tuesday",  "Wednesday", "Thursday",
                                              "Friday", "Saturday", "Sunday"};

static int
day_index(const char *name)
{
    for (int d = 0; d < 7; d++) {
        if (g_ascii_strcasecmp(name, day_names[d]) == 0 ||
            g_ascii_strcasecmp(name, day_long_names[d]) == 0)
            return d;
    }
    return -1;
}

/* "Mon-Fri", "Mon,Wed,Fri", "Mon;Tue" or "Mon Tue" into "Mon;Tue;...",
 * the form of [availability] days= (config.c). */
static gboolean
check_days(const char *answer, char **out, char **why)
{
    g_auto(GStrv) parts = g_regex_split_simple("[\\s,;]+", answer, 0, 0);
    gboolean on[7] = {FALSE};
    GString *s;
    gboolean any = FALSE;

    for (char **p = parts; *p != NULL; p++) {
        g_auto(GStrv) range = NULL;
        int from;
        int to;

        if (**p == '\0')
            continue;
        range = g_strsplit(*p, "-", 2);
        from = day_index(range[0]);
        to = range[1] != NULL ? day_index(range[1]) : from;
        if (from < 0 || to < 0 || to < from) {
            *why = g_strdup("is not a list of days such as Mon-Fri or Mon;Wed;Fri");
            return FALSE;
        }
        for (int d = from; d <= to; d++)
            on[d] = any = TRUE;
    }
    if (!any) {
        *why = g_strdup("names no day (such as Mon-Fri)");
        return FALSE;
    }
    s = g_string_new(NULL);
    for (int d = 0; d < 7; d++) {
        if (on[d])
            g_string_append_printf(s, "%s%s", s->len ? ";" : "", day_names[d]);
    }
    *out = g_string_free(s, FALSE);
    return TRUE;
}

/* "09:00-17:00": start and end of the working day, room for one slot. */
static gboolean
check_hours(const char *answer, char **out, char **why)
{
    g_auto(GStrv) parts = g_strsplit(answer, "-", -1);
    g_autoptr(NyConfig) defaults = ny_config_new_default();
    int start = 0;
    int end = 0;

    for (guint i = 0; parts[i] != NULL; i++) {
        /* "9-17" is 09:00-17:00. */
        g_strstrip(parts[i]);
        if (*parts[i] != '\0' && strlen(parts[i]) <= 2 &&
            strspn(parts[i], "0123456789") == strlen(parts[i])) {
            char *full = g_strconcat(parts[i], ":00", NULL);
            g_free(parts[i]);
            parts[i] = full;
        }
    }
    if (g_strv_length(parts) != 2 || !ny_config_parse_time(parts[0], FALSE, &start) ||
        !ny_config_parse_time(parts[1], TRUE, &end)) {
        *why = g_strdup("is not a range of hours such as 09:00-17:00");
        return FALSE;
    }
    if (end - start < defaults->availability.slot_minutes) {
        *why = g_strdup_printf("leaves no room for a %d-minute call",
                               defaults->availability.slot_minutes);
        return FALSE;
    }
    *out = g_strdup_printf("%02d:%02d-%02d:%02d", start / 60, start % 60, end / 60, end % 60);
    return TRUE;
}

/* An http(s) URL, a provider's name, or a bare domain (looked up by DNS
 * SRV, RFC 6764 3) or host[:port] (https). */
static gboolean
check_server(const char *answer, char **out, char **why)
{
    (void)out;
    if (find_provider(answer) != NULL || g_ascii_strcasecmp(answer, "none") == 0)
        return TRUE;
    if (strstr(answer, "://") != NULL) {
        if (g_ascii_strncasecmp(answer, "http://", 7) != 0 &&
            g_ascii_strncasecmp(answer, "https://", 8) != 0) {
            *why = g_strdup("is not an http:// or https:// URL");
            return FALSE;
        }
        if (ny_http_url_has_userinfo(answer)) {
            *why = g_strdup("has a user name or password in it: give --username and "
                            "--password-command instead");
            return FALSE;
        }
        return TRUE;
    }
    if (strpbrk(answer, " \t@/?#") != NULL || !ny_cli_is_one_line(answer)) {
        *why = g_strdup("is not a URL, a host name or a provider (fastmail, icloud, nextcloud, "
                        "radicale)");
        return FALSE;
    }
    return TRUE;
}

/* ---- The file ----------------------------------------------------------- */

/* Everything decided so far. */
typedef struct {
    char *name;
    char *email;
    char *phone;
    char *zone;
    char *days;
    char *hours; /* HH:MM-HH:MM */
    /* The calendar; source NULL when there is none. */
    char *source;
    char *url;
    char *username;
    char *password_command;
    char *token_command;
    char *password;
    char **busy; /* display names or hrefs; NULL: all */
    char *holds;
} Answers;

static void
answers_clear(Answers *a)
{
    g_free(a->name);
    g_free(a->email);
    g_free(a->phone);
    g_free(a->zone);
    g_free(a->days);
    g_free(a->hours);
    g_free(a->source);
    g_free(a->url);
    g_free(a->username);
    g_free(a->password_command);
    g_free(a->token_command);
    ny_http_secret_free(a->password);
    g_strfreev(a->busy);
    g_free(a->holds);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(Answers, answers_clear)

static void
set_if(GKeyFile *kf, const char *group, const char *key, const char *value)
{
    if (value == NULL)
        return;
    /* The loader takes " ;" and " #" for the start of a comment, and
     * unwraps one pair of matching quotes: such a value (a password
     * command, a phone "+1 ; 555") is written in quotes, so it loads
     * back as given (load_back() checks it). */
    if (strstr(value, " ;") != NULL || strstr(value, " #") != NULL ||
        strstr(value, "\t;") != NULL || strstr(value, "\t#") != NULL ||
        ((value[0] == '"' || value[0] == '\'') && value[strlen(value) - 1] == value[0])) {
        g_autofree char *quoted = strchr(value, '\'') == NULL ? g_strdup_printf("'%s'", value)
                                                              : g_strdup_printf("\"%s\"", value);
        g_key_file_set_string(kf, group, key, quoted);
        return;
    }
    g_key_file_set_string(kf, group, key, value);
}

/* Names that need none of a GKeyFile list's escapes: "Work;Family" is then
 * written without the list form's final ';'. */
static gboolean
plain_names(char **names)
{
    for (char **n = names; *n != NULL; n++) {
        if (strpbrk(*n, ";\\") != NULL || g_ascii_isspace(**n))
            return FALSE;
    }
    return TRUE;
}

/* The configuration file's text (include/notyet/config.h, doc/notyet-config.5). */
static char *
render(const Answers *a)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_auto(GStrv) hours = g_strsplit(a->hours, "-", 2);

    set_if(kf, "me", "name", a->name);
    set_if(kf, "me", "email", a->email);
    set_if(kf, "me", "phone", a->phone);
    set_if(kf, "me", "timezone", a->zone);
    g_key_file_set_string(kf, "availability", "days", a->days);
    g_key_file_set_string(kf, "availability", "start", hours[0]);
    g_key_file_set_string(kf, "availability", "end", hours[1]);
    if (a->source != NULL) {
        g_autofree char *group = g_strdup_printf("calendar %s", a->source);

        g_key_file_set_string(kf, group, "type", "caldav");
        g_key_file_set_string(kf, group, "url", a->url);
        set_if(kf, group, "username", a->username);
        set_if(kf, group, "password_command", a->password_command);
        set_if(kf, group, "token_command", a->token_command);
        set_if(kf, group, "password", a->password);
        if (a->busy != NULL && plain_names(a->busy)) {
            g_autofree char *joined = g_strjoinv(";", a->busy);
            g_key_file_set_string(kf, group, "calendars", joined);
        } else if (a->busy != NULL) {
            g_key_file_set_string_list(kf, group, "calendars", (const char *const *)a->busy,
                                       g_strv_length(a->busy));
        }
        set_if(kf, group, "holds", a->holds);
    }
    g_key_file_set_comment(kf, NULL, NULL, " notyet configuration, written by 'notyet init'", NULL);
    return g_key_file_to_data(kf, NULL, NULL);
}

/* Reads @text back through the loader, as every later command will. */
static NyConfig *
load_back(const char *path, const char *text, GError **error)
{
    NyConfig *config = ny_config_load_from_data(path, text, strlen(text), 0600, error);

    if (config == NULL)
        g_prefix_error(error, "cannot write the configuration: ");
    return config;
}

/* Removes the throwaway cache folder and its files. */
static void
remove_tmp_dir(char *dir)
{
    g_autoptr(GDir) d = NULL;
    const char *name;

    if (dir == NULL)
        return;
    d = g_dir_open(dir, 0, NULL);
    while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        g_unlink(path);
    }
    g_rmdir(dir);
    g_free(dir);
}
typedef char TmpDir;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TmpDir, remove_tmp_dir)

static gboolean
write_file(const char *path, const char *text, gboolean force, GError **error)
{
    g_autofree char *dir = g_path_get_dirname(path);

    if (!force && g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_USAGE,
                    "'%s' exists; run 'notyet init --force' to replace it", path);
        return FALSE;
    }
    if (g_mkdir_with_parents(dir, 0700) != 0) {
        int saved = errno;
        g_set_error(error, NY_CLI_ERROR, NY_CLI_ERROR_FAILED, "cannot create '%s': %s", dir,
                    g_strerror(saved));
        return FALSE;
    }
    /* A temporary file renamed over the old one: never a partial file. */
    if (!g_file_set_contents_full(path, text, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, error)) {
        g_prefix_error(error, "cannot write the configuration: ");
        return FALSE;
    }
    return TRUE;
}

/* ---- The calendar ------------------------------------------------------- */

/* Discovers and mirrors every calendar of @cal into @cache; returns the
 * calendars found (element-type NyCacheCalendar). */
static GPtrArray *
discover(NyCli *cli, const NyConfig *config, NyCache *cache, GError **error)
{
    const NyCalendarConfig *cal = g_ptr_array_index(config->calendars, 0);
    NyCaldavOptions options = {
        .clock = cli->clock_now,
        .max_response = ny_config_limits_max_response(&config->limits),
        .http_timeout = (guint)config->limits.http_timeout_seconds,
    };
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GPtrArray) found = NULL;
    g_autofree char *unused_cache = NULL;
    NySourcesOptions lookup;
    gboolean ok;

    /* The terminal progress and the -v -v trace of every lookup. */
    ny_cmd_sources_options(cli, &lookup, &unused_cache);
    options.progress = lookup.progress;
    options.trace = lookup.trace;
    options.progress_data = options.trace_data = lookup.user_data;
    ok = ny_caldav_sync(cal, cache, &options, NULL, warnings, error);
    if (options.progress != NULL)
        fputs("\r\033[K", stderr);
    if (!ok)
        return NULL;
    /* The warning about password= is said once, by init itself. */
    for (guint i = 0; i < warnings->len; i++) {
        const char *w = g_ptr_array_index(warnings, i);
        if (strstr(w, "password=") == NULL)
            ny_cli_warn(cli, "%s", w);
    }
    found = ny_cache_list_calendars(cache, cal->name, error);
    if (found == NULL)
        return NULL;
    /* Without calendars= every calendar that takes events is used; task
     * lists are listed by the sync, never used. */
    for (guint i = found->len; i > 0; i--) {
        const NyCacheCalendar *c = g_ptr_array_index(found, i - 1);
        if (!c->used)
            g_ptr_array_remove_index(found, i - 1);
    }
    if (found->len == 0) {
        g_autofree char *shown = ny_http_url_display(cal->url);
        g_set_error(error, NY_CALDAV_ERROR, NY_CALDAV_ERROR_NOT_FOUND,
                    "no calendar for events found at '%s'", shown);
        return NULL;
    }
    return g_steal_pointer(&found);
}

static const char *
calendar_label(const NyCacheCalendar *c)
{
    return c->displayname != NULL && *c->displayname != '\0' ? c->displayname : c->href;
}

/* The calendar @word names: its number in the list, display name or href. */
static const NyCacheCalendar *
find_calendar(GPtrArray *found, const char *base_url, const char *word)
{
    guint64 n = 0;
    g_autofree char *abs = ny_http_resolve(base_url, word);

    if (g_ascii_string_to_unsigned(word, 10, 1, found->len, &n, NULL))
        return g_ptr_array_index(found, n - 1);
    for (guint i = 0; i < found->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(found, i);
        if ((c->displayname != NULL && strcmp(c->displayname, word) == 0) ||
            strcmp(c->href, word) == 0 || (abs != NULL && strcmp(abs, c->href) == 0))
            return c;
    }
    return NULL;
}

static char *
found_names(GPtrArray *found)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < found->len; i++) {
        g_autofree char *shown = ny_cli_printable(calendar_label(g_ptr_array_index(found, i)));
        g_string_append_printf(s, "%s'%s'", i ? ", " : "", shown);
    }
    return g_string_free(s, FALSE);
}

/* "Work;Family", numbers or names, into the calendars= list; NULL (and no
 * error) when every calendar is named, which is the default. */
static gboolean
pick_busy(GPtrArray *found, const char *base_url, const char *answer, char ***out, char **why)
{
    g_auto(GStrv) words = g_strsplit_set(answer, ";,", -1);
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) seen = g_hash_table_new(NULL, NULL);

    for (char **w = words; *w != NULL; w++) {
        const NyCacheCalendar *c;

        g_strstrip(*w);
        if (**w == '\0')
            continue;
        if (g_ascii_strcasecmp(*w, "all") == 0) {
            *out = NULL;
            return TRUE;
        }
        c = find_calendar(found, base_url, *w);
        if (c == NULL) {
            g_autofree char *shown = ny_cli_printable(*w);
            g_autofree char *names_found = found_names(found);
            *why = g_strdup_printf("no calendar '%s' (found: %s)", shown, names_found);
            return FALSE;
        }
        /* calendars= splits on ';' and ',': a name holding one is
         * written as its href, which always loads back as one calendar. */
        if (g_hash_table_add(seen, (gpointer)c))
            g_ptr_array_add(
                names,
                g_strdup(strpbrk(calendar_label(c), ";,") != NULL ? c->href : calendar_label(c)));
    }
    if (names->len == 0) {
        *why = g_strdup("names no calendar");
        return FALSE;
    }
    if (names->len == found->len) {
        *out = NULL;
        return TRUE;
    }
    g_ptr_array_add(names, NULL);
    *out = (char **)g_ptr_array_free(g_steal_pointer(&names), FALSE);
    return TRUE;
}

/* "Work (6 events, busy), Family (0 events)": what was found and chosen. */
static char *
found_summary(GPtrArray *found, const Answers *a)
{
    GString *s = g_string_new(NULL);

    for (guint i = 0; i < found->len; i++) {
        const NyCacheCalendar *c = g_ptr_array_index(found, i);
        const char *label = calendar_label(c);
        g_autofree char *shown = ny_cli_printable(label);
        gboolean busy = a->busy == NULL || g_strv_contains((const char *const *)a->busy, label) ||
                        g_strv_contains((const char *const *)a->busy, c->href);
        gboolean holds = a->holds != NULL && strcmp(a->holds, label) == 0;

        g_string_append_printf(s, "%s%s (%u event%s%s%s)", i ? ", " : "", shown, c->n_objects,
                               c->n_objects == 1 ? "" : "s", busy ? ", busy" : "",
                               holds ? ", holds" : "");
    }
    return g_string_free(s, FALSE);
}

/* Asks which calendars count as busy and which gets holds. */
static gboolean
choose_calendars(Asker *ask_, const InitOptions *o, GPtrArray *found, Answers *a, GError **error)
{
    g_autofree char *why = NULL;

    if (ask_->interactive) {
        fprintf(stderr, "Calendars found:\n");
        for (guint i = 0; i < found->len; i++) {
            const NyCacheCalendar *c = g_ptr_array_index(found, i);
            g_autofree char *shown = ny_cli_printable(calendar_label(c));
            fprintf(stderr, "  %u. %s (%u event%s)\n", i + 1, shown, c->n_objects,
                    c->n_objects == 1 ? "" : "s");
        }
    }
    if (o->busy != NULL || !ask_->interactive) {
        if (o->busy != NULL && !pick_busy(found, a->url, o->busy, &a->busy, &why)) {
            ny_cli_usage_error(ask_->cli, error, "--busy: %s", why);
            return FALSE;
        }
    } else {
        for (;;) {
            g_autofree char *line = NULL;

            fprintf(stderr, "Which count as busy? Numbers or names, separated by ';' [all]: ");
            fflush(stderr);
            line = read_line();
            if (line == NULL)
                return no_answer(ask_, "--busy", error);
            if (*line == '\0' || pick_busy(found, a->url, line, &a->busy, &why))
                break;
            fprintf(stderr, "  %s\n", why);
            g_clear_pointer(&why, g_free);
        }
    }

    if (o->holds != NULL || !ask_->interactive) {
        const NyCacheCalendar *c = o->holds != NULL ? find_calendar(found, a->url, o->holds) : NULL;

        if (o->holds != NULL && c == NULL) {
            g_autofree char *shown = ny_cli_printable(o->holds);
            g_autofree char *names_found = found_names(found);
            ny_cli_usage_error(ask_->cli, error, "--holds: no calendar '%s' (found: %s)", shown,
                               names_found);
            return FALSE;
        }
        if (c != NULL)
            a->holds = g_strdup(calendar_label(c));
        return TRUE;
    }
    for (;;) {
        g_autofree char *line = NULL;
        const NyCacheCalendar *c;

        fprintf(stderr, "Which one gets the holds (tentative events for the times you "
                        "offer)? Number or name [none]: ");
        fflush(stderr);
        line = read_line();
        if (line == NULL)
            return no_answer(ask_, "--holds", error);
        if (*line == '\0' || g_ascii_strcasecmp(line, "none") == 0)
            return TRUE;
        c = find_calendar(found, a->url, line);
        if (c != NULL) {
            a->holds = g_strdup(calendar_label(c));
            return TRUE;
        }
        {
            g_autofree char *shown = ny_cli_printable(line);
            fprintf(stderr, "  no calendar '%s'\n", shown);
        }
    }
}

/* The URL to start discovery from (ny_caldav_start_url()). One that DNS
 * SRV gave is always shown; one outside the named domain's site may come
 * from a spoofed record (RFC 6764 8), and the password goes there next: on
 * a terminal the user confirms it (default no), else it is refused. */
static gboolean
server_url(Asker *ask_, const char *answer, char **out, GError **error)
{
    gboolean srv = FALSE;
    g_autofree char *url = ny_caldav_start_url(NULL, answer, SRV_TIMEOUT_SECONDS, &srv);
    g_autofree char *shown = NULL;
    g_autofree char *line = NULL;

    if (!srv) {
        *out = g_steal_pointer(&url);
        return TRUE;
    }
    shown = ny_cli_printable(url);
    if (ny_caldav_url_in_domain(url, answer)) {
        ny_cli_info(ask_->cli, 0, "using %s (DNS SRV _caldavs._tcp.%s)", shown, answer);
        *out = g_steal_pointer(&url);
        return TRUE;
    }
    if (!ask_->interactive) {
        ny_cli_usage_error(ask_->cli, error,
                           "DNS SRV _caldavs._tcp.%s names a server outside %s, %s: give it "
                           "with --url if it is right",
                           answer, answer, shown);
        return FALSE;
    }
    fprintf(stderr,
            "DNS SRV _caldavs._tcp.%s names a server outside %s:\n  %s\n"
            "DNS can be spoofed; use it only if it is your provider's.\n"
            "Use this server? [y/N]: ",
            answer, answer, shown);
    fflush(stderr);
    line = read_line();
    if (line == NULL ||
        (g_ascii_strcasecmp(line, "y") != 0 && g_ascii_strcasecmp(line, "yes") != 0)) {
        ny_cli_usage_error(ask_->cli, error,
                           "the server %s was not confirmed: give the server's URL with --url",
                           shown);
        return FALSE;
    }
    *out = g_steal_pointer(&url);
    return TRUE;
}

/* The server, the account and how to log in. FALSE with *error set on
 * failure; TRUE with a->source NULL when there is no calendar. */
static gboolean
ask_account(Asker *ask_, const InitOptions *o, Answers *a, GError **error)
{
    const Provider *provider = NULL;
    g_autofree char *server = NULL;
    g_autofree char *user_default = NULL;

    if (o->no_calendar)
        return TRUE;
    if (o->provider != NULL) {
        provider = find_provider(o->provider);
        if (provider == NULL) {
            g_autofree char *shown = ny_cli_printable(o->provider);
            ny_cli_usage_error(ask_->cli, error,
                               "--provider: '%s' is not fastmail, icloud, nextcloud or radicale",
                               shown);
            return FALSE;
        }
    }
    if (o->url != NULL) {
        if (!ask(ask_, o->url, "--url", NULL, NULL, check_server, &server, error))
            return FALSE;
    } else if (provider != NULL && provider->url != NULL) {
        server = g_strdup(provider->url);
    } else if (provider != NULL && !ask_->interactive) {
        ny_cli_usage_error(ask_->cli, error, "--provider %s needs --url (%s)", provider->name,
                           provider->note);
        return FALSE;
    } else if (ask_->interactive) {
        if (provider == NULL)
            fprintf(stderr, "\nThe calendar: a CalDAV server's URL, or one of fastmail, icloud, "
                            "nextcloud, radicale;\n'none' to use .ics files (--ics) instead.\n");
        else
            fprintf(stderr, "\n%s.\n", provider->note);
        for (;;) {
            g_clear_pointer(&server, g_free);
            if (!ask(ask_, NULL, "--url", provider ? "Server URL" : "Calendar server",
                     provider ? NULL : "none", check_server, &server, error))
                return FALSE;
            if (server == NULL || g_ascii_strcasecmp(server, "none") == 0)
                return TRUE;
            {
                const Provider *named = find_provider(server);
                if (named == NULL)
                    break;
                provider = named;
            }
            fprintf(stderr, "%s.\n", provider->note);
            if (provider->url != NULL) {
                g_free(server);
                server = g_strdup(provider->url);
                break;
            }
        }
    } else {
        return TRUE; /* no --url, no terminal: no calendar */
    }
    if (g_ascii_strcasecmp(server, "none") == 0)
        return TRUE;
    if (find_provider(server) != NULL) {
        ny_cli_usage_error(ask_->cli, error, "--url: give a URL; a provider goes in --provider");
        return FALSE;
    }
    /* The word on app passwords, when the provider came by flag. */
    if (provider != NULL && ask_->interactive && o->provider != NULL &&
        (o->url != NULL || provider->url != NULL))
        fprintf(stderr, "%s.\n", provider->note);
    if (!server_url(ask_, server, &a->url, error))
        return FALSE;
    a->source = g_strdup(provider != NULL ? provider->name : "work");

    if (o->token_command != NULL) {
        a->token_command = g_strdup(o->token_command);
        return TRUE;
    }
    /* Fastmail and iCloud log in with the address. */
    if (provider != NULL && provider->url != NULL && a->email != NULL)
        user_default = g_strdup(a->email);
    if (!ask(ask_, o->username, "--username", "User name", user_default ? user_default : "",
             check_text, &a->username, error))
        return FALSE;
    if (a->username == NULL)
        return TRUE;
    if (o->password_command != NULL || !ask_->interactive) {
        a->password_command = g_strdup(o->password_command); /* NULL: ~/.netrc */
        return TRUE;
    }
    fprintf(stderr, "How should notyet get the password? A command that prints it, such as\n"
                    "'pass show dav' or 'secret-tool lookup service dav'; empty for ~/.netrc;\n"
                    "'type' to type the password itself (it is then kept in the file).\n");
    if (!ask(ask_, NULL, "--password-command", "Password command", "", check_text,
             &a->password_command, error))
        return FALSE;
    if (a->password_command != NULL && strcmp(a->password_command, "type") == 0) {
        g_clear_pointer(&a->password_command, g_free);
        a->password = read_secret("Password (not shown): ");
        if (a->password == NULL || *a->password == '\0')
            return no_answer(ask_, "--password-command", error);
        ny_cli_warn(ask_->cli, "the password is kept in the file (mode 0600); a "
                               "password_command is safer");
    }
    return TRUE;
}

/* The last check: the busy time of the next 14 days, as `reply` looks it up. */
static gboolean
check_lookup(NyCli *cli, const NyConfig *config, const char *cache_path, guint *out_busy,
             GError **error)
{
    NySourcesOptions sources;
    NyFlowContext ctx;
    g_autofree char *default_cache = NULL;
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) busy = NULL;
    g_autoptr(GTimeZone) zone = NULL;
    gboolean ok;

    zone = config->timezone ? ny_zone_new(config->timezone, error) : g_time_zone_new_local();
    if (zone == NULL)
        return FALSE;
    ny_cmd_sources_options(cli, &sources, &default_cache);
    sources.cache_path = cache_path;
    sources.offline = FALSE;
    ny_cmd_flow_context(cli, &sources, NULL, &ctx);
    ctx.config = config;
    ctx.ics = NULL;
    ctx.zone = zone;
    ctx.zone_name = config->timezone;
    ok = ny_replyflow_busy(&ctx, cli->now, cli->now + (NyTime)CHECK_DAYS * 86400, warnings, &busy,
                           error);
    if (sources.progress != NULL)
        fputs("\r\033[K", stderr);
    if (!ok) {
        g_prefix_error(error, "the %d-day check failed: ", CHECK_DAYS);
        return FALSE;
    }
    for (guint i = 0; i < warnings->len; i++) {
        const char *w = g_ptr_array_index(warnings, i);
        if (strstr(w, "password=") == NULL)
            ny_cli_warn(cli, "%s", w);
    }
    *out_busy = busy->len;
    return TRUE;
}

/* ---- The command -------------------------------------------------------- */

/* The system's zone, when it has a name the loader accepts. */
static char *
system_zone(void)
{
    g_autoptr(GTimeZone) local = g_time_zone_new_local();
    const char *id = g_time_zone_get_identifier(local);
    g_autoptr(GTimeZone) named = ny_zone_new(id, NULL);

    return named != NULL ? g_strdup(id) : NULL;
}

static char *
default_name(void)
{
    const char *real = g_get_real_name();

    return real != NULL && *real != '\0' && strcmp(real, "Unknown") != 0 && ny_cli_is_one_line(real)
               ? g_strdup(real)
               : NULL;
}

/* The shell-quoted --config for the next command, when it is not the default. */
static char *
config_arg(NyCli *cli, const char *path)
{
    g_autofree char *quoted = NULL;

    if (cli->config_path == NULL)
        return g_strdup("");
    quoted = g_shell_quote(path);
    return g_strdup_printf(" --config %s", quoted);
}

gboolean
ny_cmd_init(NyCli *cli, int argc, char **argv, GError **error)
{
    static const NyCmdUsage usage = {
        .summary = "First-time set-up: asks (or takes the flags) for you, your working hours "
                   "and your calendar server, finds the calendars, checks a 14-day lookup "
                   "and writes the configuration (mode 0600). --tz ZONE sets your zone."};
    g_auto(InitOptions) o = {0};
    g_auto(Answers) a = {0};
    const GOptionEntry entries[] = {
        {"name", 0, 0, G_OPTION_ARG_STRING, &o.name, "Your name, as letters are signed", "NAME"},
        {"email", 0, 0, G_OPTION_ARG_STRING, &o.email, "Your email address", "EMAIL"},
        {"phone", 0, 0, G_OPTION_ARG_STRING, &o.phone, "Your phone number (optional)", "PHONE"},
        {"days", 0, 0, G_OPTION_ARG_STRING, &o.days, "Working days (default Mon-Fri)", "DAYS"},
        {"hours", 0, 0, G_OPTION_ARG_STRING, &o.hours, "Working hours (default 09:00-17:00)",
         "HH:MM-HH:MM"},
        {"url", 0, 0, G_OPTION_ARG_STRING, &o.url, "The CalDAV server (URL or domain)", "URL"},
        {"provider", 0, 0, G_OPTION_ARG_STRING, &o.provider,
         "fastmail, icloud, nextcloud or radicale", "NAME"},
        {"username", 0, 0, G_OPTION_ARG_STRING, &o.username, "The user name on the server", "USER"},
        {"password-command", 0, 0, G_OPTION_ARG_STRING, &o.password_command,
         "A command that prints the password", "CMD"},
        {"token-command", 0, 0, G_OPTION_ARG_STRING, &o.token_command,
         "A command that prints a Bearer token (instead of a user name)", "CMD"},
        {"busy", 0, 0, G_OPTION_ARG_STRING, &o.busy,
         "The calendars that count as busy (default all)", "CAL;CAL"},
        {"holds", 0, 0, G_OPTION_ARG_STRING, &o.holds, "The calendar that gets holds", "CAL"},
        {"no-calendar", 0, 0, G_OPTION_ARG_NONE, &o.no_calendar,
         "Write no calendar (use --ics files)", NULL},
        {"force", 0, 0, G_OPTION_ARG_NONE, &o.force, "Replace an existing configuration", NULL},
        {"yes", 'y', 0, G_OPTION_ARG_NONE, &o.yes, "Take the defaults, ask nothing", NULL},
        G_OPTION_ENTRY_NULL,
    };
    Asker ask_ = {.cli = cli};
    g_autofree char *path = NULL;
    g_autofree char *name_default = default_name();
    g_autofree char *zone_default = NULL;
    g_autofree char *text = NULL;
    g_autofree char *next_config = NULL;
    g_autoptr(NyConfig) config = NULL;
    g_autoptr(TmpDir) tmp = NULL;
    g_autofree char *summary = NULL;
    guint n_busy = 0;

    cli->no_config = TRUE;
    if (!ny_cmd_parse(cli, &usage, entries, &argc, &argv, error))
        return cli->help;
    if (o.no_calendar && (o.url != NULL || o.provider != NULL)) {
        ny_cli_usage_error(cli, error, "--no-calendar with --url or --provider");
        return FALSE;
    }
    path = cli->config_path ? g_strdup(cli->config_path) : ny_config_default_path();
    if (!o.force && g_file_test(path, G_FILE_TEST_EXISTS)) {
        ny_cli_usage_error(cli, error, "'%s' exists; add --force to replace it", path);
        return FALSE;
    }
    ask_.interactive = cli->stdin_is_tty && !o.yes;
    if (ask_.interactive)
        fprintf(stderr, "Setting up notyet: %s\nPress Enter to take the value in brackets.\n\n",
                path);

    zone_default = cli->tz_name ? g_strdup(cli->tz_name) : system_zone();
    if (!ask(&ask_, o.name, "--name", "Your name", name_default, check_text, &a.name, error) ||
        !ask(&ask_, o.email, "--email", "Your email", NULL, check_email, &a.email, error) ||
        !ask(&ask_, o.phone, "--phone", "Your phone", "", check_text, &a.phone, error) ||
        !ask(&ask_, cli->tz_name, "--tz", "Your time zone", zone_default ? zone_default : "",
             check_zone, &a.zone, error) ||
        !ask(&ask_, o.days, "--days", "Working days", "Mon-Fri", check_days, &a.days, error) ||
        !ask(&ask_, o.hours, "--hours", "Working hours", "09:00-17:00", check_hours, &a.hours,
             error) ||
        !ask_account(&ask_, &o, &a, error))
        return FALSE;

    if (a.source != NULL) {
        g_autofree char *cache_path = NULL;
        g_autoptr(NyCache) cache = NULL;
        g_autoptr(GPtrArray) found = NULL;
        g_autofree char *discovery = render(&a);
        g_autofree char *home = NULL;

        /* What discovery uses is what the loader makes of the file. */
        config = load_back(path, discovery, error);
        if (config == NULL)
            return FALSE;
        tmp = g_dir_make_tmp("notyet-init-XXXXXX", error);
        if (tmp == NULL)
            return FALSE;
        cache_path = g_build_filename(tmp, "cache.db", NULL);
        cache = ny_cache_open(cache_path, error);
        if (cache == NULL)
            return FALSE;
        if (ask_.interactive) {
            g_autofree char *shown = ny_http_url_display(a.url);
            fprintf(stderr, "Looking for calendars at %s\n", shown);
        }
        found = discover(cli, config, cache, error);
        if (found == NULL || !choose_calendars(&ask_, &o, found, &a, error))
            return FALSE;
        summary = found_summary(found, &a);
        /* The home discovery ended at: where credentials may go (iCloud's
         * is on another host), and one request lists the calendars. */
        home = ny_cache_get_home(cache, a.source, a.url);
        if (home != NULL) {
            g_free(a.url);
            a.url = g_steal_pointer(&home);
        }
        g_clear_pointer(&cache, ny_cache_free);
        g_clear_pointer(&config, ny_config_free);
        text = render(&a);
        config = load_back(path, text, error);
        if (config == NULL || !check_lookup(cli, config, cache_path, &n_busy, error))
            return FALSE;
    } else {
        text = render(&a);
        config = load_back(path, text, error);
        if (config == NULL)
            return FALSE;
    }

    if (!write_file(path, text, o.force, error))
        return FALSE;
    next_config = config_arg(cli, path);
    {
        g_autofree char *out = NULL;

        if (a.source != NULL)
            out = g_strdup_printf("calendars: %s\nthe next %d days: %u busy period%s\n"
                                  "wrote %s\nnext: notyet%s slots\n",
                                  summary, CHECK_DAYS, n_busy, n_busy == 1 ? "" : "s", path,
                                  next_config);
        else
            out = g_strdup_printf("wrote %s (no calendar: give your busy time with --ics)\n"
                                  "next: notyet%s --ics FILE slots\n",
                                  path, next_config);
        return ny_cli_print(out, error);
    }
}
