/* credentials.c: password_command, token_command, password= and ~/.netrc
 * for one [calendar NAME] group (see credentials.h). */
#include "notyet/credentials.h"

#include <gio/gio.h>
#include <string.h>

G_DEFINE_QUARK(ny_credentials_error, ny_credentials_error)

/* A private main context, so the timeout can kill the command. */
typedef struct {
    gboolean done;
    gboolean timed_out;
    GBytes *out;
    GBytes *err;
    GError *error;
} CommandRun;

static void
communicate_done(GObject *source, GAsyncResult *result, gpointer data)
{
    CommandRun *run = data;

    g_subprocess_communicate_finish(G_SUBPROCESS(source), result, &run->out, &run->err,
                                    &run->error);
    run->done = TRUE;
}

static gboolean
command_timeout(gpointer data)
{
    CommandRun *run = data;

    run->timed_out = TRUE;
    return G_SOURCE_REMOVE;
}

static void
wipe_bytes(GBytes *bytes)
{
    gsize len = 0;
    gpointer data;

    if (bytes == NULL)
        return;
    /* The last reference: the memory is ours to wipe before it goes. */
    data = g_bytes_unref_to_data(bytes, &len);
    if (data != NULL) /* NULL for an empty output */
        explicit_bzero(data, len);
    g_free(data);
}

/* What became of a command that did not succeed, without its output. */
static char *
how_it_ended(GSubprocess *proc)
{
    if (g_subprocess_get_if_exited(proc))
        return g_strdup_printf("exited with status %d", g_subprocess_get_exit_status(proc));
    if (g_subprocess_get_if_signaled(proc))
        return g_strdup_printf("was killed by signal %d", g_subprocess_get_term_sig(proc));
    return g_strdup("failed");
}

char *
ny_credentials_run_command(const char *key, const char *command, guint timeout, GError **error)
{
    /* /bin/sh -c, as mail clients run theirs: "~", "$HOME" and pipes work. */
    const char *argv[] = {"/bin/sh", "-c", command, NULL};
    g_autoptr(GError) local_error = NULL;
    g_autoptr(GSubprocess) proc = NULL;
    g_autoptr(GMainContext) context = g_main_context_new();
    g_autoptr(GCancellable) cancellable = g_cancellable_new();
    g_autoptr(GSource) timer = NULL;
    CommandRun run = {0};
    const char *data;
    gsize len = 0;
    gsize line;
    char *secret;

    g_return_val_if_fail(key != NULL && command != NULL, NULL);
    if (timeout == 0)
        timeout = NY_CREDENTIALS_COMMAND_TIMEOUT;
    proc = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_PIPE,
                             &local_error);
    if (proc == NULL) {
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND, "%s cannot run: %s",
                    key, local_error->message);
        return NULL;
    }

    g_main_context_push_thread_default(context);
    timer = g_timeout_source_new_seconds(timeout);
    g_source_set_callback(timer, command_timeout, &run, NULL);
    g_source_attach(timer, context);
    g_subprocess_communicate_async(proc, NULL, cancellable, communicate_done, &run);
    while (!run.done) {
        if (run.timed_out && !g_cancellable_is_cancelled(cancellable)) {
            g_subprocess_force_exit(proc);
            g_cancellable_cancel(cancellable);
        }
        g_main_context_iteration(context, TRUE);
    }
    g_source_destroy(timer);
    g_main_context_pop_thread_default(context);
    /* Never shown, not even in part: it may echo the secret. */
    g_clear_pointer(&run.err, g_bytes_unref);

    if (run.timed_out || run.error != NULL) {
        g_subprocess_wait(proc, NULL, NULL);
        wipe_bytes(run.out);
        if (run.timed_out)
            g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND,
                        "%s did not finish within %u s", key, timeout);
        else
            g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND,
                        "%s: cannot read its output: %s", key, run.error->message);
        g_clear_error(&run.error);
        return NULL;
    }
    if (!g_subprocess_get_successful(proc)) {
        g_autofree char *how = how_it_ended(proc);

        wipe_bytes(run.out);
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND, "%s %s%s", key, how,
                    g_subprocess_get_if_exited(proc) && g_subprocess_get_exit_status(proc) == 127
                        ? " (command not found?)"
                        : "");
        return NULL;
    }
    data = run.out != NULL ? g_bytes_get_data(run.out, &len) : NULL;
    for (line = 0; line < len && data[line] != '\n' && data[line] != '\r'; line++)
        ;
    secret = g_strndup(data != NULL ? data : "", line);
    wipe_bytes(run.out);
    if (*secret == '\0' || strlen(secret) != line) {
        gboolean empty = *secret == '\0' && line == 0;

        ny_http_secret_free(secret);
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND,
                    empty ? "%s printed nothing on its first line"
                          : "%s printed a NUL byte on its first line",
                    key);
        return NULL;
    }
    return secret;
}

gboolean
ny_credentials_init(NyCredentials *c, const NyCalendarConfig *cal, gboolean run_commands,
                    GPtrArray *warnings, GError **error)
{
    const char *key = NULL;
    const char *command = NULL;

    g_return_val_if_fail(c != NULL && cal != NULL, FALSE);
    *c = (NyCredentials){.kind = NY_CREDENTIALS_NONE, .calendar = cal};
    if (cal->token_command != NULL) {
        c->kind = NY_CREDENTIALS_TOKEN;
        key = "token_command";
        command = cal->token_command;
    } else if (cal->username == NULL) {
        return TRUE;
    } else if (cal->password_command != NULL) {
        c->kind = NY_CREDENTIALS_PASSWORD;
        key = "password_command";
        command = cal->password_command;
    } else if (cal->password != NULL) {
        c->kind = NY_CREDENTIALS_PASSWORD;
        c->secret = g_strdup(cal->password);
        if (warnings != NULL)
            g_ptr_array_add(warnings, g_strdup_printf("calendar '%s': password= keeps the "
                                                      "password in the file; prefer "
                                                      "password_command",
                                                      cal->name));
        return TRUE;
    } else {
        c->kind = NY_CREDENTIALS_NETRC;
        return TRUE;
    }
    if (!run_commands)
        return TRUE;
    c->secret = ny_credentials_run_command(key, command, 0, error);
    if (c->secret == NULL) {
        g_prefix_error(error, "calendar '%s': ", cal->name);
        return FALSE;
    }
    return TRUE;
}

void
ny_credentials_clear(NyCredentials *c)
{
    if (c == NULL)
        return;
    ny_http_secret_free(g_steal_pointer(&c->secret));
}

/* RFC 6750 3.1: a 401 on a Bearer token asks for a fresh one. */
static char *
refresh_token(gpointer data, GError **error)
{
    const NyCalendarConfig *cal = data;
    char *token = ny_credentials_run_command("token_command", cal->token_command, 0, error);

    if (token == NULL)
        g_prefix_error(error, "calendar '%s': ", cal->name);
    return token;
}

void
ny_credentials_apply(const NyCredentials *c, NyHttpOptions *options)
{
    g_return_if_fail(c != NULL && options != NULL);
    options->username = NULL;
    options->password = NULL;
    options->token = NULL;
    options->use_netrc = FALSE;
    options->refresh_token = NULL;
    options->refresh_data = NULL;
    switch (c->kind) {
    case NY_CREDENTIALS_NONE:
        break;
    case NY_CREDENTIALS_PASSWORD:
        options->username = c->calendar->username;
        options->password = c->secret;
        break;
    case NY_CREDENTIALS_NETRC:
        options->username = c->calendar->username;
        options->use_netrc = TRUE;
        break;
    case NY_CREDENTIALS_TOKEN:
        options->token = c->secret;
        options->refresh_token = refresh_token;
        options->refresh_data = (gpointer)c->calendar;
        break;
    }
}
