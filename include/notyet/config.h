/* config.h: the configuration file (doc/notyet-config.5).
 *
 * I/O module: reads one GKeyFile, fills every key's default, validates on load.
 */
#pragma once

#include <glib.h>

#include "notyet/ntime.h"
#include "notyet/slots.h"

G_BEGIN_DECLS

#define NY_CONFIG_ERROR (ny_config_error_quark())
GQuark ny_config_error_quark(void);

typedef enum {
    NY_CONFIG_ERROR_INVALID, /* a key, value or group is wrong: exit 2 */
    NY_CONFIG_ERROR_UNSAFE,  /* password= in a file others can read: exit 2 */
    NY_CONFIG_ERROR_IO,      /* the file exists but cannot be read: exit 2 */
} NyConfigError;

typedef enum {
    NY_SOURCE_CALDAV,
    NY_SOURCE_ICS,  /* a file, or an http(s) URL */
    NY_SOURCE_VDIR, /* a folder of .ics files */
} NySourceType;

/* One [calendar NAME] group. Relative paths in url= (ics, vdir) are read
 * from the configuration file's folder; "~/" is the home folder. */
typedef struct {
    char *name; /* the NAME of the group */
    NySourceType type;
    char *url; /* caldav: http(s) URL; ics: absolute path or http(s) URL; vdir: absolute path */
    char *username;               /* or NULL */
    char *password_command;       /* run with /bin/sh -c (credentials.h); or NULL */
    char *password;               /* from password=, warned about; or NULL */
    char *token_command;          /* a Bearer token, run with /bin/sh -c; or NULL */
    char **calendars;             /* caldav: display names or hrefs to use; NULL = all */
    gboolean insecure;            /* caldav: skip TLS verification (warned about) */
    gboolean allow_insecure_http; /* credentials over plain http to a non-loopback host */
    char *holds; /* caldav: the display name or href of the one calendar notyet writes
                  * holds and booked calls to (doc/calendar-writes.md); NULL: none. At
                  * most one group of a configuration has it. */
} NyCalendarConfig;

/* [limits]: bounds on untrusted input that a real user may need to raise.
 * Line length, nesting depth, the letter template and this file have fixed
 * limits (doc/guarantees.md, "Limits"). */
typedef struct {
    int max_response_mib;     /* one HTTP response body, MiB (1..1024; default 32) */
    int max_object_mib;       /* one iCalendar component, MiB (1..256; default 10) */
    int max_instances;        /* recurrence steps per series (1000..1000000; default 50000) */
    int http_timeout_seconds; /* connect timeout; 3x the slow-transfer time, 30x the
                               * whole-sync deadline (1..3600; default 10);
                               * NOTYET_HTTP_TIMEOUT (read by ny_config_load())
                               * wins over it */
} NyConfigLimits;

/* The one place [limits] become byte counts: one HTTP response body. */
static inline gsize
ny_config_limits_max_response(const NyConfigLimits *limits)
{
    return (gsize)limits->max_response_mib * 1024 * 1024;
}

/* One iCalendar component, in bytes. */
static inline gsize
ny_config_limits_max_object(const NyConfigLimits *limits)
{
    return (gsize)limits->max_object_mib * 1024 * 1024;
}

#define NY_CONFIG_MAX_RESPONSE_MIB_DEFAULT 32
#define NY_CONFIG_MAX_OBJECT_MIB_DEFAULT 10
#define NY_CONFIG_MAX_INSTANCES_DEFAULT 50000
#define NY_CONFIG_HTTP_TIMEOUT_DEFAULT 10

typedef struct {
    char *path; /* the file that was read, or NULL when none exists */

    /* [me] */
    char *name;      /* or NULL */
    char *email;     /* or NULL */
    char **emails;   /* every address of the user: email plus [me] emails=; never NULL */
    char *phone;     /* or NULL */
    char *timezone;  /* Olson name, or NULL for the system zone */
    GTimeZone *zone; /* timezone's, read by the loader; NULL with it */

    NyAvailability availability;

    GPtrArray *calendars; /* (element-type NyCalendarConfig) */

    /* [letter]: paths with ~ expanded, or NULL for the built-in ones */
    char *letter_template;  /* template: the letter (NOT YET) */
    char *decline_template; /* decline_template: the decline note (DECLINE) */
    char *nudge_template;   /* nudge_template: the nudge letter */
    char *hold_summary;     /* hold_summary: the SUMMARY of a hold, a template with
                             * {{first_name}} and {{name}}; NY_CONFIG_HOLD_SUMMARY by default */

    NyConfigLimits limits;

    /* NOTYET_LOOKUP_SEQUENTIAL=1 (read by ny_config_load()): a lookup syncs
     * first and reads the cache after, the order the overlapped lookup
     * must answer as (src/sources.c; the differential test). */
    gboolean lookup_sequential;

    /* (element-type utf8): lines for the user that do not stop the load,
     * "FILE: [me] name: set twice, on lines 2 and 5; ..."; never NULL */
    GPtrArray *warnings;
} NyConfig;

/* The default [letter] hold_summary. */
#define NY_CONFIG_HOLD_SUMMARY "Hold: call with {{first_name}}"

/**
 * ny_config_new_default:
 *
 * Returns: (transfer full): a configuration with every default and no file.
 */
NyConfig *ny_config_new_default(void);

/**
 * ny_config_load:
 * @path: the file to read
 * @must_exist: when FALSE a missing file gives the defaults
 * @error: one line naming the file, group, key and what is wrong
 *
 * A value wrapped in one matching pair of quotes ("..." or '...') is read
 * without them. A key set twice in a group is a warning in
 * NyConfig.warnings (the last value is used); an unknown key or group is an
 * error that names the closest known one ("did you mean 'timezone'?").
 *
 * Returns: (transfer full): the configuration, or NULL with NY_CONFIG_ERROR.
 */
NyConfig *ny_config_load(const char *path, gboolean must_exist, GError **error);

/**
 * ny_config_load_from_data:
 * @name: the file's name, for messages; relative paths in the file are read
 *   from its folder
 * @data: the file's bytes, not necessarily NUL-terminated
 * @len: the length of @data (over 1 MiB is refused)
 * @mode: the file's permission bits: password= is refused when any of 077
 *   is set
 * @error: one line naming @name, group, key and what is wrong
 *
 * The loader behind ny_config_load(), without the file (for tests and the
 * fuzz driver).
 *
 * Returns: (transfer full): the configuration, or NULL with NY_CONFIG_ERROR.
 */
NyConfig *ny_config_load_from_data(const char *name, const char *data, gsize len, guint mode,
                                   GError **error);

/**
 * ny_config_default_path:
 *
 * Returns: (transfer full): $NOTYET_CONFIG, else
 * $XDG_CONFIG_HOME/notyet/config.ini (g_get_user_config_dir()).
 */
char *ny_config_default_path(void);

/* TRUE when $NOTYET_CONFIG names the file: then it must exist, as with
 * --config (only the XDG default may be missing). */
gboolean ny_config_path_from_environment(void);

/**
 * ny_config_store_path:
 * @db_option: (nullable): --db FILE as given on the command line
 *
 * The environment is read here, not by the store.
 *
 * Returns: (transfer full): @db_option; else $NOTYET_DB when set and not
 * empty; else $XDG_DATA_HOME/notyet/notyet.db (g_get_user_data_dir()).
 */
char *ny_config_store_path(const char *db_option);

/**
 * ny_config_cache_path:
 * @db_option: (nullable): --db FILE as given on the command line
 *
 * The environment is read here, not by the cache.
 *
 * Returns: (transfer full): $NOTYET_CACHE when set and not empty; else,
 * with @db_option "DIR/x.db", "DIR/x.cache.db" beside it (a private store
 * gets a private cache); else $XDG_CACHE_HOME/notyet/cache.db.
 */
char *ny_config_cache_path(const char *db_option);

/**
 * ny_config_parse_time:
 * @text: "HH:MM" (or "H:MM"), 00:00 to 23:59; "24:00" too when @allow_24
 * @out_minute: (out): minutes after midnight; untouched on failure
 *
 * Returns: FALSE when @text is not such a time.
 */
gboolean ny_config_parse_time(const char *text, gboolean allow_24, int *out_minute);

/**
 * ny_config_zone_new:
 * @name: a zone name from the configuration or the command line
 *
 * ny_zone_new(), with an error that suggests the zone the user most likely
 * meant (ny_zone_suggest() over the names in tzdata's zone1970.tab, under
 * $TZDIR or /usr/share/zoneinfo): "unknown time zone 'EST'; did you mean
 * 'America/New_York'? ...".
 *
 * Returns: (transfer full): the zone, or NULL with NY_TIME_ERROR_ZONE.
 */
GTimeZone *ny_config_zone_new(const char *name, GError **error);

/**
 * ny_config_parse_hours:
 * @text: "HH:MM-HH:MM", the end after the start ("24:00" allowed as the end)
 * @out_start: (out): minutes after midnight; untouched on failure
 * @out_end: (out): idem
 *
 * The form of `--their-hours`, the command-line twin of [availability]
 * their_start and their_end.
 *
 * Returns: FALSE when @text is not such a range.
 */
gboolean ny_config_parse_hours(const char *text, int *out_start, int *out_end);

/**
 * ny_config_email_valid:
 *
 * The one check of an email address, for [me] email and `reply --email`:
 * one '@' with text on both sides, no white space, quotes or angle brackets.
 *
 * Returns: TRUE when @value may be used as an address.
 */
gboolean ny_config_email_valid(const char *value);

/**
 * ny_source_type_to_string:
 *
 * Returns: "caldav", "ics" or "vdir".
 */
const char *ny_source_type_to_string(NySourceType type);

void ny_calendar_config_free(NyCalendarConfig *calendar);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyCalendarConfig, ny_calendar_config_free)

void ny_config_free(NyConfig *config);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NyConfig, ny_config_free)

G_END_DECLS
