/* Unit tests for http and credentials: URL rules, the commands and the multi handle's
 * bookkeeping (no network). */
#include "notyet/http.h"

#include "notyet/credentials.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void
test_loopback(void)
{
    static const struct {
        const char *url;
        gboolean loopback;
    } cases[] = {
        {"http://127.0.0.1:5232/", TRUE},
        {"http://127.1.2.3/", TRUE},
        {"http://localhost/", TRUE},
        {"http://LOCALHOST:80/x", TRUE},
        {"http://[::1]:8080/", TRUE},
        {"http://[::2]:8080/", FALSE},
        {"http://[::ffff:127.0.0.1]/", FALSE},
        {"http://127.example.com/", FALSE},
        {"http://128.0.0.1/", FALSE},
        {"https://dav.example.com/", FALSE},
        {"http://localhost.example.com/", FALSE},
        {"not a url", FALSE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("%s", cases[i].url);
        g_assert_cmpint(ny_http_url_is_loopback(cases[i].url), ==, cases[i].loopback);
    }
}

static void
test_resolve(void)
{
    static const struct {
        const char *base;
        const char *ref;
        const char *want;
    } cases[] = {
        {"http://h:1/a/b/", "/alice/", "http://h:1/alice/"},
        {"http://h:1/a/b/", "c.ics", "http://h:1/a/b/c.ics"},
        {"https://h/a/", "https://other/x", "https://other/x"},
        {"http://h/", "/.well-known/caldav", "http://h/.well-known/caldav"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = ny_http_resolve(cases[i].base, cases[i].ref);
        g_assert_cmpstr(got, ==, cases[i].want);
    }
}

static void
test_password_first_line(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pw =
        ny_credentials_run_command("password_command", "printf 's3cret\\nsecond\\n'", 5, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(pw, ==, "s3cret");
}

/* Output larger than a pipe's buffer, on stdout and on stderr at once,
 * neither blocks the command nor ends in the secret. */
static void
test_password_long_output(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pw = ny_credentials_run_command(
        "password_command",
        "echo s3cret; head -c 300000 /dev/zero >&2; head -c 300000 /dev/zero | tr '\\0' x", 5,
        &error);

    g_assert_no_error(error);
    g_assert_cmpstr(pw, ==, "s3cret");
}

static void
test_password_through_the_shell(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *want = g_strdup_printf("%s|%s", g_get_home_dir(), g_get_home_dir());
    /* /bin/sh -c: "~", "$HOME" and pipes work as in a mail client's. */
    g_autofree char *pw = ny_credentials_run_command(
        "password_command", "echo ~ | tr -d '\\n'; printf '|%s\\n' \"$HOME\"", 5, &error);

    g_assert_no_error(error);
    g_assert_cmpstr(pw, ==, want);
}

static void
test_password_failures(void)
{
    static const struct {
        const char *command;
        const char *needle;
        const char *hidden; /* never in the message */
    } cases[] = {
        {"echo vault locked >&2; echo half-secret; exit 4", "password_command exited with status 4",
         "vault"},
        {"true", "password_command printed nothing", NULL},
        {"/nonexistent/notyet-pw", "exited with status 127 (command not found?)", "nonexistent"},
        {"echo 'unclosed", "password_command exited with status 2", "unclosed"},
        {"kill -9 $$", "password_command was killed by signal 9", NULL},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autoptr(GError) error = NULL;
        g_autofree char *pw =
            ny_credentials_run_command("password_command", cases[i].command, 5, &error);

        g_test_message("%s: %s", cases[i].command, error ? error->message : "(none)");
        g_assert_null(pw);
        g_assert_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND);
        g_assert_nonnull(strstr(error->message, cases[i].needle));
        g_assert_null(strstr(error->message, "half-secret"));
        if (cases[i].hidden != NULL)
            g_assert_null(strstr(error->message, cases[i].hidden));
    }
}

static void
test_password_timeout(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pw = ny_credentials_run_command("token_command", "sleep 20", 1, &error);

    g_assert_null(pw);
    g_assert_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND);
    g_assert_nonnull(strstr(error->message, "token_command did not finish within 1 s"));
}

/* The command gets stdin, stdout and stderr only: none of this process's
 * descriptors (libcurl's sockets, the cache's database) without
 * close-on-exec. */
static void
test_password_no_inherited_fds(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pw = NULL;
    int fd = open("/dev/null", O_RDONLY);

    g_assert_cmpint(fd, >=, 0);
    g_assert_cmpint(dup2(fd, 42), ==, 42); /* dup2 leaves FD_CLOEXEC off */
    pw = ny_credentials_run_command("password_command", "exec ls -m /proc/self/fd", 5, &error);
    close(42);
    close(fd);
    g_assert_no_error(error);
    g_test_message("the command's descriptors: %s", pw);
    /* 3 is the directory ls reads. */
    g_assert_cmpstr(pw, ==, "0, 1, 2, 3");
}

/* The timeout holds after the command closes its output: the wait for its
 * exit has the same deadline, and the whole process group is killed. */
static void
test_password_timeout_after_output_closed(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *dir = g_dir_make_tmp("notyet-cred-XXXXXX", NULL);
    g_autofree char *pidfile = g_build_filename(dir, "pid", NULL);
    g_autofree char *command =
        g_strdup_printf("sleep 1000 & echo $! >'%s'; echo pw; exec >&- 2>&-; sleep 1000", pidfile);
    g_autofree char *pw = NULL;
    g_autofree char *text = NULL;
    g_autofree char *stat = NULL;
    g_autofree char *stat_path = NULL;

    /* Run in a new session, without a controlling terminal, as cron or a
     * service runs notyet: only there does the command get a process group
     * of its own (on a terminal it may prompt, in notyet's group). */
    if (!g_test_subprocess()) {
        g_test_trap_subprocess(NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
        g_test_trap_assert_passed();
        g_rmdir(dir);
        return;
    }
    g_assert_cmpint(setsid(), >, 0);
    pw = ny_credentials_run_command("password_command", command, 1, &error);
    g_assert_null(pw);
    g_assert_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND);
    g_assert_cmpstr(error->message, ==, "password_command did not finish within 1 s");
    /* The shell's child (reparented, so not ours to reap) dies too: a
     * hang here is the test's timeout. */
    g_assert_true(g_file_get_contents(pidfile, &text, NULL, NULL));
    stat_path = g_strdup_printf("/proc/%d/stat", atoi(text));
    while (g_file_get_contents(stat_path, &stat, NULL, NULL) && strstr(stat, ") Z ") == NULL) {
        g_clear_pointer(&stat, g_free);
        g_usleep(10000);
    }
    g_unlink(pidfile);
    g_rmdir(dir);
}

/* Started with SIGCHLD ignored (inherited from the parent), a failing
 * command still fails. */
static void
test_password_sigchld_ignored(void)
{
    g_autoptr(GError) error = NULL;
    g_autofree char *pw = NULL;
    struct sigaction ignore = {.sa_handler = SIG_IGN};
    struct sigaction old;

    sigemptyset(&ignore.sa_mask);
    g_assert_cmpint(sigaction(SIGCHLD, &ignore, &old), ==, 0);
    pw = ny_credentials_run_command("password_command", "echo pw; exit 3", 5, &error);
    g_assert_cmpint(sigaction(SIGCHLD, &old, NULL), ==, 0);
    g_assert_null(pw);
    g_assert_error(error, NY_CREDENTIALS_ERROR, NY_CREDENTIALS_ERROR_COMMAND);
    g_assert_cmpstr(error->message, ==, "password_command exited with status 3");
}

/* Which configuration gives which credentials, and that no command runs
 * offline. */
static void
test_credentials_kinds(void)
{
    NyCalendarConfig cal = {.name = (char *)"work", .username = (char *)"alice"};
    g_autoptr(GPtrArray) warnings = g_ptr_array_new_with_free_func(g_free);
    NyHttpOptions options = {0};

    {
        g_auto(NyCredentials) c = {0};
        g_assert_true(ny_credentials_init(&c, &cal, TRUE, warnings, NULL));
        g_assert_cmpint(c.kind, ==, NY_CREDENTIALS_NETRC);
        ny_credentials_apply(&c, &options);
        g_assert_true(options.use_netrc);
        g_assert_cmpstr(options.username, ==, "alice");
    }
    cal.password = (char *)"pw";
    {
        g_auto(NyCredentials) c = {0};
        g_assert_true(ny_credentials_init(&c, &cal, TRUE, warnings, NULL));
        g_assert_cmpint(c.kind, ==, NY_CREDENTIALS_PASSWORD);
        g_assert_cmpuint(warnings->len, ==, 1);
        g_assert_nonnull(strstr(g_ptr_array_index(warnings, 0), "calendar 'work': password="));
        ny_credentials_apply(&c, &options);
        g_assert_cmpstr(options.password, ==, "pw");
        g_assert_false(options.use_netrc);
    }
    cal.password = NULL;
    cal.username = NULL;
    cal.token_command = (char *)"exit 3";
    {
        g_auto(NyCredentials) c = {0};
        g_autoptr(GError) error = NULL;

        /* Offline: nothing runs. */
        g_assert_true(ny_credentials_init(&c, &cal, FALSE, NULL, NULL));
        g_assert_cmpint(c.kind, ==, NY_CREDENTIALS_TOKEN);
        g_assert_null(c.secret);
        ny_credentials_clear(&c);
        g_assert_false(ny_credentials_init(&c, &cal, TRUE, NULL, &error));
        g_assert_cmpstr(error->message, ==, "calendar 'work': token_command exited with status 3");
    }
    cal.token_command = (char *)"echo tok-1";
    {
        g_auto(NyCredentials) c = {0};
        g_assert_true(ny_credentials_init(&c, &cal, TRUE, NULL, NULL));
        ny_credentials_apply(&c, &options);
        g_assert_cmpstr(options.token, ==, "tok-1");
        g_assert_null(options.username);
        g_assert_nonnull(options.refresh_token);
    }
}

/* ny_credentials_start() returns while the command runs (the caller's
 * start-up overlaps it): this command prints its secret only once a file
 * exists that the test makes after start returned; a start that waited
 * for the command would wait until its timeout. */
static void
test_credentials_start_returns_at_once(void)
{
    g_autofree char *dir = g_dir_make_tmp("notyet-cred-XXXXXX", NULL);
    g_autofree char *go = g_build_filename(dir, "go", NULL);
    g_autofree char *quoted = g_shell_quote(go);
    g_autofree char *command =
        g_strdup_printf("while [ ! -e %s ]; do sleep 0.01; done; echo s3cret", quoted);
    NyCalendarConfig cal = {
        .name = (char *)"work", .username = (char *)"alice", .password_command = command};
    g_auto(NyCredentials) c = {0};
    NyHttpOptions options = {0};

    g_assert_true(ny_credentials_start(&c, &cal, TRUE, NULL, NULL));
    g_assert_null(c.secret);
    g_assert_nonnull(c.command);
    g_assert_true(g_file_set_contents(go, "", 0, NULL));
    g_assert_true(ny_credentials_finish(&c, NULL));
    g_assert_null(c.command);
    ny_credentials_apply(&c, &options);
    g_assert_cmpstr(options.password, ==, "s3cret");
    g_assert_cmpint(g_remove(go), ==, 0);
    g_assert_cmpint(g_rmdir(dir), ==, 0);
}

/* Credentials cleared before their command was read kill it and reap it:
 * no child is left (a zombie, or a command still running). */
static void
test_credentials_cleared_unread(void)
{
    NyCalendarConfig cal = {.name = (char *)"work", .token_command = (char *)"exec sleep 1000"};
    NyCredentials c = {0};
    g_autoptr(GError) error = NULL;

    g_assert_true(ny_credentials_start(&c, &cal, TRUE, NULL, NULL));
    g_assert_nonnull(c.command);
    ny_credentials_clear(&c);
    g_assert_null(c.command);
    g_assert_cmpint(waitpid(-1, NULL, WNOHANG), ==, -1);
    g_assert_cmpint(errno, ==, ECHILD);
    /* Offline: nothing starts. */
    g_assert_true(ny_credentials_start(&c, &cal, FALSE, NULL, NULL));
    g_assert_null(c.command);
    g_assert_true(ny_credentials_finish(&c, &error));
    g_assert_null(c.secret);
    ny_credentials_clear(&c);
}

/* The Public Suffix List decides whether credentials follow to another
 * https origin. */
static void
test_credentials_may_follow(void)
{
    static const struct {
        const char *configured;
        const char *url;
        gboolean follow;
    } cases[] = {
        {"https://caldav.icloud.com/", "https://p42-caldav.icloud.com/1234/calendars/", TRUE},
        {"https://caldav.icloud.com/", "https://P42-CALDAV.icloud.com:8443/x/", TRUE},
        {"https://a.github.io/", "https://b.github.io/cal/", FALSE},
        {"https://dav.example.co.uk/", "https://other.co.uk/", FALSE},
        {"https://dav.example.co.uk/", "https://www.example.co.uk/", TRUE},
        {"http://caldav.icloud.com/", "http://p42-caldav.icloud.com/", FALSE},
        {"https://caldav.icloud.com/", "http://p42-caldav.icloud.com/", FALSE},
        {"http://127.0.0.1:5232/a/", "http://127.0.0.1:5232/b/", TRUE},
        {"http://127.0.0.1:5232/", "http://127.0.0.1:5233/", FALSE},
        {"https://127.0.0.1/", "https://127.0.0.2/", FALSE},
        {"https://example.com/", "https://evil-example.com/", FALSE},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_test_message("%s -> %s", cases[i].configured, cases[i].url);
        g_assert_cmpint(ny_http_credentials_may_follow(cases[i].configured, cases[i].url), ==,
                        cases[i].follow);
    }
}

/* A plain GET, as sources.c makes for an ics feed. */
static GBytes *
get(const char *url, const NyHttpOptions *options, GError **error)
{
    gboolean not_modified = FALSE;

    return ny_http_get_conditional(url, options, NULL, &not_modified, NULL, error);
}

static void
test_refuses_other_schemes(void)
{
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = get("file:///etc/passwd", NULL, &error);

    g_assert_null(body);
    g_assert_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL);
}

static void
test_credentials_not_over_plain_http(void)
{
    NyHttpOptions options = {.username = "jane", .password = "pw"};
    g_autoptr(GError) error = NULL;
    g_autoptr(GBytes) body = get("http://dav.example.invalid/", &options, &error);

    g_assert_null(body);
    g_assert_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_AUTH);
    g_assert_nonnull(strstr(error->message, "over plain http"));
    g_assert_null(strstr(error->message, "pw"));
}

static void
test_multi_hands_back_each_request(void)
{
    /* Both are refused before any connection: no network needed. */
    g_autoptr(NyHttpMulti) multi = ny_http_multi_new(4);
    NyHttpOptions options = {.username = "jane",
                             .password = "pw",
                             .credentials_url = "http://dav.example.invalid/",
                             .multi = multi};
    g_autoptr(NyHttp) http = ny_http_new(&options);
    static const char *const urls[] = {"file:///etc/passwd", "http://dav.example.invalid/"};
    static const int codes[] = {NY_HTTP_ERROR_PROTOCOL, NY_HTTP_ERROR_AUTH};

    g_assert_null(ny_http_multi_next(multi));
    for (gsize i = 0; i < G_N_ELEMENTS(urls); i++)
        ny_http_request_start(http, "PROPFIND", urls[i], "0", NULL, NULL, (gpointer)urls[i]);
    for (gsize i = 0; i < G_N_ELEMENTS(urls); i++) {
        g_autoptr(NyHttpTransfer) done = ny_http_multi_next(multi);
        g_autoptr(GError) error = NULL;
        g_autoptr(NyHttpResponse) response = NULL;

        g_assert_nonnull(done);
        g_assert_true(ny_http_transfer_get_user_data(done) == urls[i]);
        response = ny_http_transfer_finish(done, &error);
        g_assert_null(response);
        g_assert_error(error, NY_HTTP_ERROR, codes[i]);
    }
    g_assert_null(ny_http_multi_next(multi));
}

/* -v -v: a secret header's value goes wherever its name is in the line. */
static void
test_trace_redact(void)
{
    static const struct {
        const char *line;
        const char *shown;
    } cases[] = {
        {"Authorization: Basic YWxpY2U6czNjcmV0cHc=", "Authorization: [redacted]"},
        {"authorization:Basic YWxpY2U6czNjcmV0cHc=", "authorization: [redacted]"},
        {"Proxy-Authorization: Basic eDp5", "Proxy-Authorization: [redacted]"},
        {"Cookie: session=abc123", "Cookie: [redacted]"},
        {"Set-Cookie: session=abc123; Path=/", "Set-Cookie: [redacted]"},
        /* libcurl 7.88 over HTTP/2 (lib/h2h3.c), and 8.x */
        {"h2h3 [authorization: Basic YWxpY2U6czNjcmV0cHc=]", "h2h3 [authorization: [redacted]"},
        {"h2h3 [cookie: a=b]", "h2h3 [cookie: [redacted]"},
        {"[HTTP/2] [1] [Authorization: Digest username=\"alice\", response=\"f00\"]",
         "[HTTP/2] [1] [Authorization: [redacted]"},
        {"h2h3 [AUTHORIZATION : Basic eDp5]", "h2h3 [AUTHORIZATION : [redacted]"},
        {"x-note [set-cookie: id=1] then [authorization: Basic eDp5]",
         "x-note [set-cookie: [redacted]"},
        /* Not secret: left alone. */
        {"WWW-Authenticate: Basic realm=\"x\"", "WWW-Authenticate: Basic realm=\"x\""},
        {"Server auth using Basic with user 'alice'", "Server auth using Basic with user 'alice'"},
        {"h2h3 [:method: PROPFIND]", "h2h3 [:method: PROPFIND]"},
        {"Content-Type: text/xml", "Content-Type: text/xml"},
        {"", ""},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *shown = ny_http_trace_redact(cases[i].line);

        g_test_message("%s", cases[i].line);
        g_assert_cmpstr(shown, ==, cases[i].shown);
    }
}

static void
test_url_userinfo(void)
{
    static const struct {
        const char *url;
        gboolean userinfo;
        const char *shown;
    } cases[] = {
        {"https://bob:pw123@dav.example.com/cal/", TRUE, "https://dav.example.com/cal/"},
        {"https://bob@dav.example.com/", TRUE, "https://dav.example.com/"},
        {"http://:pw123@127.0.0.1:8080/x", TRUE, "http://127.0.0.1:8080/x"},
        {"http://@127.0.0.1/", TRUE, NULL},
        {"https://dav.example.com/a@b/", FALSE, "https://dav.example.com/a@b/"},
        /* A feed's query and a Google private key are secrets too. */
        {"https://dav.example.com/?who=a@b", FALSE, "https://dav.example.com/?..."},
        {"https://feeds.example.com/cal.ics?token=pw123", FALSE,
         "https://feeds.example.com/cal.ics?..."},
        {"https://calendar.google.com/calendar/ical/jane%40example.com/private-pw123abc/basic.ics",
         FALSE,
         "https://calendar.google.com/calendar/ical/jane%40example.com/private-.../basic.ics"},
        {"https://dav.example.com:8443/", FALSE, "https://dav.example.com:8443/"},
    };

    for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *shown = ny_http_url_display(cases[i].url);

        g_test_message("%s", cases[i].url);
        g_assert_cmpint(ny_http_url_has_userinfo(cases[i].url), ==, cases[i].userinfo);
        g_assert_null(strstr(shown, "pw123"));
        if (cases[i].shown != NULL)
            g_assert_cmpstr(shown, ==, cases[i].shown);
    }
}

/* A user:password in a URL is refused before any connection, and the
 * message never shows it. */
static void
test_userinfo_refused(void)
{
    static const char *const urls[] = {"https://bob:pw123@dav.example.invalid/",
                                       "http://bob:pw123@127.0.0.1:1/"};

    for (gsize i = 0; i < G_N_ELEMENTS(urls); i++) {
        g_autoptr(GError) error = NULL;
        g_autoptr(GBytes) body = get(urls[i], NULL, &error);

        g_assert_null(body);
        g_assert_error(error, NY_HTTP_ERROR, NY_HTTP_ERROR_PROTOCOL);
        g_assert_nonnull(strstr(error->message, "user name or password"));
        g_assert_null(strstr(error->message, "pw123"));
        g_assert_null(strstr(error->message, "bob"));
    }
}

int
main(int argc, char **argv)
{
    g_test_init(&argc, &argv, NULL);
    g_test_add_func("/http/loopback", test_loopback);
    g_test_add_func("/http/resolve", test_resolve);
    g_test_add_func("/credentials/command/first-line", test_password_first_line);
    g_test_add_func("/credentials/command/shell", test_password_through_the_shell);
    g_test_add_func("/credentials/command/long-output", test_password_long_output);
    /* README cites these two paths. */
    g_test_add_func("/http/password/failures", test_password_failures);
    g_test_add_func("/http/password/timeout", test_password_timeout);
    g_test_add_func("/credentials/command/no-inherited-fds", test_password_no_inherited_fds);
    g_test_add_func("/credentials/command/timeout-after-output-closed",
                    test_password_timeout_after_output_closed);
    g_test_add_func("/credentials/command/sigchld-ignored", test_password_sigchld_ignored);
    g_test_add_func("/credentials/kinds", test_credentials_kinds);
    g_test_add_func("/credentials/start/returns-at-once", test_credentials_start_returns_at_once);
    g_test_add_func("/credentials/start/cleared-unread", test_credentials_cleared_unread);
    g_test_add_func("/http/credentials-may-follow", test_credentials_may_follow);
    g_test_add_func("/http/refuses-other-schemes", test_refuses_other_schemes);
    g_test_add_func("/http/credentials-not-over-plain-http", test_credentials_not_over_plain_http);
    g_test_add_func("/http/multi/hands-back-each-request", test_multi_hands_back_each_request);
    g_test_add_func("/http/trace-redact", test_trace_redact);
    g_test_add_func("/http/url-userinfo", test_url_userinfo);
    g_test_add_func("/http/userinfo-refused", test_userinfo_refused);
    return g_test_run();
}
