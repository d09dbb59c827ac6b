/* credentials.c: password_command, token_command, password= and ~/.netrc
 * for one [calendar NAME] group (see credentials.h). */
#include "notyet/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

G_DEFINE_QUARK(ny_credentials_error, ny_credentials_error)

/* What became of a command that did not succeed (a waitpid() status),
 * without its output. */
static char *
how_it_ended(int status)
{
    if (WIFEXITED(status))
        return g_strdup_printf("exited with status %d", WEXITSTATUS(status));
    if (WIFSIGNALED(status))
        return g_strdup_printf("was killed by signal %d", WTERMSIG(status));
    return g_strdup("failed");
}

static void
close_pipe(int p[2])
{
    for (int i = 0; i < 2; i++)
        if (p[i] >= 0)
            close(p[i]);
    p[0] = p[1] = -1;
}

/* At most this much of the command's stdout is kept (its first line is the
 * secret); the rest is read and dropped, so the command never blocks. */
#define COMMAND_OUTPUT_MAX (64 * 1024)

/* Reads the command's stdout (kept in @out, up to COMMAND_OUTPUT_MAX) and
 * stderr (dropped: it may echo the secret) until both end, or until
 * @deadline (monotonic, µs): FALSE then, or on a read error (@out_errno). */
static gboolean
drain_into(int out_fd, int err_fd, GByteArray *out, gint64 deadline, char *buf, gsize size,
           int *out_errno)
{
    struct pollfd fds[2] = {{.fd = out_fd, .events = POLLIN}, {.fd = err_fd, .events = POLLIN}};

    *out_errno = 0;
    while (fds[0].fd >= 0 || fds[1].fd >= 0) {
        gint64 left = deadline - g_get_monotonic_time();
        int n;

        if (left <= 0)
            return FALSE;
        n = poll(fds, 2, (int)MIN((left + 999) / 1000, G_MAXINT));
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            *out_errno = errno;
            return FALSE;
        }
        for (int i = 0; i < 2; i++) {
            gssize got;

            if (fds[i].fd < 0 || fds[i].revents == 0)
                continue;
            got = read(fds[i].fd, buf, size);
            if (got < 0 && (errno == EINTR || errno == EAGAIN))
                continue;
            if (got < 0) {
                *out_errno = errno;
                return FALSE;
            }
            if (got == 0)
                fds[i].fd = -1; /* closed by the caller */
            else if (i == 0 && out->len < COMMAND_OUTPUT_MAX)
                g_byte_array_append(out, (const guint8 *)buf,
                                    (guint)MIN((gsize)got, COMMAND_OUTPUT_MAX - out->len));
        }
    }
    return TRUE;
}

static gboolean
drain(int out_fd, int err_fd, GByteArray *out, gint64 deadline, int *out_errno)
{
    char buf[4096];
    gboolean ok = drain_into(out_fd, err_fd, out, deadline, buf, sizeof buf, out_errno);

    /* On every return: the last read may hold the secret. */
    explicit_bzero(buf, sizeof buf);
    return ok;
}

static void
wipe_array(GByteArray *a)
{
    if (a->len > 0)
        explicit_bzero(a->data, a->len);
    g_byte_array_unref(a);
}

/* Reaps the command: TRUE with its waitpid() status in @status, or FALSE
 * when it has not ended by @deadline (monotonic, µs; 0: no limit) or
 * waitpid() fails (@out_errno set: a failure is never taken for success). */
static gboolean
wait_child(pid_t pid, gint64 deadline, int *status, int *out_errno)
{
    gulong nap = 1000;

    *out_errno = 0;
    for (;;) {
        pid_t got = waitpid(pid, status, deadline > 0 ? WNOHANG : 0);
        gint64 left;

        if (got == pid)
            return TRUE;
        if (got < 0 && errno == EINTR)
            continue;
        if (got < 0) {
            *out_errno = errno;
            return FALSE;
        }
        /* Still running (WNOHANG): it closed its output but has not ended.
         * Short naps, longer as it goes on. */
        left = deadline - g_get_monotonic_time();
        if (left <= 0)
            return FALSE;
        g_usleep(MIN((gint64)nap, left));
        nap = MIN(nap * 2, 50000);
    }
}

/* A command started and not yet read: command_finish() reads it, or
 * command_stop() ends it (ny_credentials_clear()). */
struct _NyCredentialsCommand {
    const char *key; /* static: "password_command" or "token_command" */
    pid_t pid;
    gboolean group; /* it leads a process group of its own */
    int out_fd;
    int err_fd;
    guint timeout;   /* seconds */
    gint64 deadline; /* monotonic µs */
};

/* Kills the command (with its process group when it leads one: the shell
 * and what it started) and reaps the shell. */
static void
kill_child(pid_t pid, gboolean group)
{
    int status;
    int ignored;

    kill(group ? -pid : pid, SIGKILL);
    wait_child(pid, 0, &status, &ignored);
}

/* Kills and reaps a started command that will not be read. */
static void
command_stop(NyCredentialsCommand *c)
{
    if (c == NULL)
        return;
    close(c->out_fd);
    close(c->err_fd);
    kill_child(c->pid, c->group);
    g_free(c);
}

/* Whether notyet has a controlling terminal: a command may then ask on it
 * (a password manager's prompt), which it can only do in notyet's own
 * process group (a background group reading the terminal is stopped). */
static gboolean
has_terminal(void)
{
    int fd = open("/dev/tty", O_RDONLY | O_NOCTTY | O_CLOEXEC);

    if (fd < 0)
        return FALSE;
    close(fd);
    return TRUE;
}

/* The command runs with posix_spawn(): no copy of this process's memory
 * (a fork of a process with notyet's libraries mapped costs milliseconds),
 * and no thread or main loop of GLib's to watch it; stdin is /dev/null. */
static NyCredentialsCommand *
command_start(const char *key, const char *command, guint timeout, GError **error)
{
    /* /bin/sh -c, as mail clients run theirs: "~", "$HOME" and pipes work. */
    char *const argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)command, NULL};
    int out_pipe[2] = {-1, -1};
    int err_pipe[2] = {-1, -1};
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    struct sigaction sa;
    sigset_t none;
    sigset_t defaults;
    NyCredentialsCommand *c;
    gboolean group = !has_terminal();
    short flags = POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    pid_t pid;
    int rc;

    if (timeout == 0)
        timeout = NY_CREDENTIALS_COMMAND_TIMEOUT;
    /* With SIGCHLD ignored (inherited from whoever started notyet) the
     * kernel reaps the command and its exit status is lost: a failing
     * command would pass. notyet never wants it ignored. */
    if (sigaction(SIGCHLD, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN) {
        sa.sa_handler = SIG_DFL;
        sa.sa_flags = 0;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGCHLD, &sa, NULL);
    }
    if (pipe2(out_pipe, O_CLOEXEC) != 0 || pipe2(err_pipe, O_CLOEXEC) != 0) {
        int saved = errno;
        close_pipe(out_pipe);
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND, "%s cannot run: %s",
                    key, g_strerror(saved));
        return NULL;
    }
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
    /* Nothing else: posix_spawn() passes every descriptor without
     * close-on-exec (libcurl's sockets, the cache's database). glibc 2.34. */
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    /* The command gets the signals as a shell would give them: nothing
     * blocked, and SIGPIPE (ignored here for the network) by default. */
    posix_spawnattr_init(&attr);
    sigemptyset(&none);
    sigemptyset(&defaults);
    sigaddset(&defaults, SIGPIPE);
    sigaddset(&defaults, SIGCHLD);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    /* Without a terminal (cron, a service), its own process group, so that
     * a timeout kills what the shell started too. On a terminal it stays
     * in notyet's group, where it may prompt (see has_terminal()). */
    if (group) {
        posix_spawnattr_setpgroup(&attr, 0);
        flags |= POSIX_SPAWN_SETPGROUP;
    }
    posix_spawnattr_setflags(&attr, flags);
    rc = posix_spawn(&pid, argv[0], &actions, &attr, argv, environ);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(out_pipe[1]);
    close(err_pipe[1]);
    out_pipe[1] = err_pipe[1] = -1;
    if (rc != 0) {
        close_pipe(out_pipe);
        close_pipe(err_pipe);
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND, "%s cannot run: %s",
                    key, g_strerror(rc));
        return NULL;
    }
    c = g_new0(NyCredentialsCommand, 1);
    c->key = key;
    c->pid = pid;
    c->group = group;
    c->out_fd = out_pipe[0];
    c->err_fd = err_pipe[0];
    c->timeout = timeout;
    c->deadline = g_get_monotonic_time() + (gint64)timeout * G_USEC_PER_SEC;
    return c;
}

/* Reads the started command @c to its end and frees it. */
static char *
command_finish(NyCredentialsCommand *c, GError **error)
{
    const char *key = c->key;
    guint timeout = c->timeout;
    gint64 deadline = c->deadline;
    gboolean group = c->group;
    pid_t pid = c->pid;
    /* Never reallocated, so no unwiped copy of the output is left behind. */
    GByteArray *out = g_byte_array_sized_new(COMMAND_OUTPUT_MAX);
    gboolean finished;
    gboolean waited = FALSE;
    int read_errno = 0;
    int status = 0;
    gsize line;
    char *secret;

    finished = drain(c->out_fd, c->err_fd, out, deadline, &read_errno);
    close(c->out_fd);
    close(c->err_fd);
    g_free(c);
    /* Closing its output is not the end: the wait has the same deadline. */
    if (finished && !wait_child(pid, deadline, &status, &read_errno)) {
        finished = FALSE;
        waited = read_errno != 0;
    }
    if (!finished) {
        if (!waited)
            kill_child(pid, group);
        wipe_array(out);
        if (read_errno == 0)
            g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND,
                        "%s did not finish within %u s", key, timeout);
        else
            g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND,
                        "%s: cannot %s: %s", key, waited ? "learn how it ended" : "read its output",
                        g_strerror(read_errno));
        return NULL;
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        g_autofree char *how = how_it_ended(status);

        wipe_array(out);
        g_set_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND, "%s %s%s", key, how,
                    WIFEXITED(status) && WEXITSTATUS(status) == 127 ? " (command not found?)" : "");
        return NULL;
    }
    for (line = 0; line < out->len && out->data[line] != '\n' && out->data[line] != '\r'; line++)
        ;
    secret = g_strndup(out->len > 0 ? (const char *)out->data : "", line);
    wipe_array(out);
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

char *
ny_credentials_run_command(const char *key, const char *command, guint timeout, GError **error)
{
    NyCredentialsCommand *c;

    g_return_val_if_fail(key != NULL && command != NULL, NULL);
    c = command_start(key, command, timeout, error);
    return c != NULL ? command_finish(c, error) : NULL;
}

gboolean
ny_credentials_start(NyCredentials *c, const NyCalendarConfig *cal, gboolean run_commands,
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
    c->command = command_start(key, command, 0, error);
    if (c->command == NULL) {
        g_prefix_error(error, "calendar '%s': ", cal->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_credentials_finish(NyCredentials *c, GError **error)
{
    g_return_val_if_fail(c != NULL, FALSE);
    if (c->command == NULL)
        return TRUE;
    c->secret = command_finish(g_steal_pointer(&c->command), error);
    if (c->secret == NULL) {
        g_prefix_error(error, "calendar '%s': ", c->calendar->name);
        return FALSE;
    }
    return TRUE;
}

gboolean
ny_credentials_init(NyCredentials *c, const NyCalendarConfig *cal, gboolean run_commands,
                    GPtrArray *warnings, GError **error)
{
    return ny_credentials_start(c, cal, run_commands, warnings, error) &&
           ny_credentials_finish(c, error);
}

void
ny_credentials_clear(NyCredentials *c)
{
    if (c == NULL)
        return;
    command_stop(g_steal_pointer(&c->command));
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
