/* credentials.h: the credentials of one [calendar NAME] group, resolved in
 * one place for CalDAV calendars and ics feeds alike.
 *
 * I/O module: runs password_command and token_command through /bin/sh -c
 * (as mail clients run theirs: "~", "$HOME" and pipes work). The first line
 * of the command's output is the secret; the command's stderr is read and
 * dropped, never shown: a failure is summarised ("exited with status 1").
 * Secrets never go into argv, environment or messages, and are wiped when
 * cleared. See doc/sync-and-cache.md, "Credentials".
 */
#pragma once

#include <glib.h>

#include "notyet/config.h"
#include "notyet/http.h"

G_BEGIN_DECLS

#define NY_CREDENTIALS_ERROR (ny_credentials_error_quark())
GQuark ny_credentials_error_quark(void);

typedef enum {
    NY_CREDENTIALS_ERROR_COMMAND, /* the command did not run, failed, timed out or printed nothing
                                   */
    NY_CREDENTIALS_ERROR_FAILED,
} NyCredentialsError;

/* The seconds a password_command or token_command may take. */
#define NY_CREDENTIALS_COMMAND_TIMEOUT 30

typedef enum {
    NY_CREDENTIALS_NONE,     /* no username= and no token_command= */
    NY_CREDENTIALS_PASSWORD, /* username= with password_command= or password= */
    NY_CREDENTIALS_NETRC,    /* username= alone: the password from ~/.netrc */
    NY_CREDENTIALS_TOKEN,    /* token_command=: a Bearer token (RFC 6750) */
} NyCredentialsKind;

typedef struct _NyCredentialsCommand NyCredentialsCommand;

/* Caller-owned: ny_credentials_init() fills it, ny_credentials_clear()
 * wipes it. */
typedef struct {
    NyCredentialsKind kind;
    const NyCalendarConfig *calendar; /* borrowed: for a fresh token */
    char *secret;                     /* the password or token, or NULL; wiped on clear */
    NyCredentialsCommand *command;    /* started, not yet read (ny_credentials_start()) */
} NyCredentials;

/**
 * ny_credentials_init:
 * @credentials: (out caller-allocates): filled; clear it with
 *               ny_credentials_clear() whatever the result
 * @calendar: the [calendar NAME] group; must outlive @credentials
 * @run_commands: FALSE to run no command (--offline: nothing is sent)
 * @warnings: (element-type utf8) (nullable): "calendar 'NAME': password=
 *            keeps the password in the file; ..." is appended for password=
 *
 * Returns: TRUE, or FALSE with NY_CREDENTIALS_ERROR_COMMAND prefixed
 * "calendar 'NAME': ".
 */
gboolean ny_credentials_init(NyCredentials *credentials, const NyCalendarConfig *calendar,
                             gboolean run_commands, GPtrArray *warnings, GError **error);

/**
 * ny_credentials_start:
 *
 * ny_credentials_init() in two halves, so that the caller's own start-up
 * (libcurl's, the cache's) runs while the command does: this one starts
 * the command and returns at once (FALSE only when it cannot be started);
 * ny_credentials_finish() reads it. ny_credentials_clear() on credentials
 * never finished kills the command and reaps it.
 */
gboolean ny_credentials_start(NyCredentials *credentials, const NyCalendarConfig *calendar,
                              gboolean run_commands, GPtrArray *warnings, GError **error);

/**
 * ny_credentials_finish:
 *
 * Waits for the command ny_credentials_start() started, if any, and keeps
 * its first line as the secret. Returns: TRUE, or FALSE with
 * NY_CREDENTIALS_ERROR_COMMAND prefixed "calendar 'NAME': ".
 */
gboolean ny_credentials_finish(NyCredentials *credentials, GError **error);

/**
 * ny_credentials_clear:
 *
 * Wipes and frees the secret; @credentials may be cleared twice.
 */
void ny_credentials_clear(NyCredentials *credentials);
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(NyCredentials, ny_credentials_clear)

/**
 * ny_credentials_apply:
 * @credentials: resolved credentials
 * @options: the HTTP options to fill: username, password or token, netrc,
 *           and the token refresh (token_command once more on a 401)
 *
 * The strings stay owned by @credentials and the calendar: @options must
 * not outlive them (ny_http_new() copies what it keeps).
 */
void ny_credentials_apply(const NyCredentials *credentials, NyHttpOptions *options);

/**
 * ny_credentials_run_command:
 * @key: "password_command" or "token_command", for messages
 * @command: run as `/bin/sh -c COMMAND`, stdin from /dev/null
 * @timeout: seconds before it is killed; 0 = NY_CREDENTIALS_COMMAND_TIMEOUT
 *
 * Returns: (transfer full): the first line of the command's stdout, or
 * NULL with NY_CREDENTIALS_ERROR_COMMAND naming @key and what happened
 * ("exited with status 4", "was killed by signal 9", "did not finish
 * within 30 s", "printed nothing"); neither its output nor its stderr is in
 * the message.
 */
char *ny_credentials_run_command(const char *key, const char *command, guint timeout,
                                 GError **error);

G_END_DECLS
