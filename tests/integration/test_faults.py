"""notyet against a scripted misbehaving server: every fault gives exit 1,
one clear error line, nothing on stdout, within the timeouts, and leaves
the cache as it was."""
import calendar
import os
import re
import time

import caldavtest as ct
import faultserver
import nytest
from caldavtest import check

SECRET_DIR = nytest.Home()
SECRET = os.path.join(SECRET_DIR.dir, "secret.txt")
with open(SECRET, "w") as f:
    f.write(faultserver.SECRET_FILE_MARKER + "\n")

SERVER = faultserver.FaultServer(SECRET, hang=20)
# T=1: connect 1 s, slow transfer 3 s, the whole sync 30 s (so a Retry-After of 30 s is
# past the deadline).
TIMEOUT = {"NOTYET_HTTP_TIMEOUT": "1"}


class Creds:
    user = "alice"
    password = "pw-fault-7"


def fault(case, needle, extra_env=None, max_seconds=15):
    home = ct.make_home(Creds, SERVER.base + "/%s/" % case)
    try:
        t0 = time.monotonic()
        r = nytest.run(["--config", home.config, "calendars"], home=home,
                       env=dict(TIMEOUT, **(extra_env or {})), timeout=60)
        elapsed = time.monotonic() - t0
        ct.check_one_error_line(r, needle)
        check(Creds.password not in r.err, "no password in the error", r)
        check(elapsed < max_seconds, "gave up within %d s (took %.1f s)" % (max_seconds, elapsed),
              r)
        return r
    finally:
        home.cleanup()


def test_server_never_answers():
    fault("silent", "did not answer in time")


def test_one_byte_per_second():
    fault("drip", "did not answer in time")


def test_500():
    fault("e500", "server error 500")


def test_403():
    fault("e403", "denied (403)")


def test_404():
    fault("e404", "not found")


def test_429():
    r = fault("e429", "rate limiting requests (429); it asks to retry in 30 seconds")
    check(len(SERVER.sent_to("/e429")) >= 1, "asked", r)


def test_503_retry_after_date_past_the_deadline():
    fault("e503", "unavailable (503); it asks to retry in 3600 seconds")


def retried_once(case, attr, at_least):
    setattr(SERVER, attr, 0)
    home = ct.make_home(Creds, SERVER.base + "/%s/" % case)
    try:
        n0 = len(SERVER.sent_to("/" + case))
        t0 = time.monotonic()
        r = nytest.run(["--config", home.config, "calendars", "--format", "json"], home=home,
                       env=TIMEOUT)
        elapsed = time.monotonic() - t0
        check(r.rc == 0, "exit 0 after one wait", r)
        check(elapsed >= at_least, "waited as asked (%.1f s)" % elapsed, r)
        sent = SERVER.sent_to("/" + case)[n0:]
        check(len(sent) >= 2 and sent[0][1] == sent[1][1], "the same request again", sent)
        check(getattr(SERVER, attr) == len(sent), "every request seen", sent)
    finally:
        home.cleanup()


def test_429_retry_after_seconds_waits_once():
    retried_once("busyonce", "busy_seen", 1.0)


def test_503_retry_after_date_waits_once():
    retried_once("downonce", "down_seen", 2.0)


def test_401_without_challenge():
    fault("nochallenge", "authentication failed for 'alice@127.0.0.1': check username and "
          "password_command")


def test_body_cut_short():
    fault("cut", "cut short")


def test_close_delimited_xml_cut():
    fault("cutxml", "invalid XML")


def test_redirect_loop():
    fault("loop", "too many redirects")


def test_redirect_to_other_host_refused_no_credentials():
    fault("otherhost", "redirected to another server")
    check(SERVER.sent_to("/steal") == [], "nothing was sent to the other host")


def test_credentials_only_to_the_configured_origin():
    """The configured server names a calendar home on another host. Neither the
    first run (discovery) nor the second (the cached home is its first request)
    sends that host the credentials; the configured server always gets them."""
    home = ct.make_home(Creds, SERVER.base + "/xhome/open/")
    try:
        n0 = len(SERVER.requests)
        r = ct.notyet(home, ["calendars"])
        check(r.rc == 0 and "Other host" in r.out, "first run lists the other host's calendar", r)
        n1 = len(SERVER.requests)
        r = ct.notyet(home, ["calendars"])
        check(r.rc == 0 and "Other host" in r.out, "second run from the cached home", r)
        second = SERVER.requests[n1:]
        check(second and second[0][1] == "/xhomeb/open/", "the cached home asked first", second)
        sent = SERVER.requests[n0:]
        to_a = [h for m, p, h in sent if p.startswith("/xhome/")]
        to_b = [h for m, p, h in sent if p.startswith("/xhomeb/")]
        check(to_b and all("authorization" not in h for h in to_b),
              "the other host never got an Authorization header", sent)
        check(any(h.get("authorization", "").startswith("Basic ") for h in to_a),
              "the configured server got the credentials", sent)
        check(Creds.password not in r.out + r.err, "no password shown", r)
    finally:
        home.cleanup()


def test_login_asked_by_another_host():
    """A 401 from a host that got no credentials names that host and where the
    credentials go; its Digest challenge is not tried (nothing to answer it with)."""
    home = ct.make_home(Creds, SERVER.base + "/xhome/digest/")
    try:
        n0 = len(SERVER.sent_to("/xhomeb/digest/"))
        r = ct.notyet(home, ["calendars"])
        # The full URL the server gave (scheme, host, port, path) and the url= line.
        other = "http://127.0.0.2:%d/xhomeb/digest/" % SERVER.port
        ct.check_one_error_line(r, "'%s' asks for a login, but credentials are only sent to "
                                "'http://127.0.0.1:%d'" % (other, SERVER.port))
        check("write url=%s in the calendar's group" % other in r.err, "the url= line", r)
        sent = SERVER.sent_to("/xhomeb/digest/")[n0:]
        check(len(sent) == 1 and "authorization" not in sent[0][2],
              "one request to the other host, without credentials", sent)
    finally:
        home.cleanup()


def test_userinfo_in_a_url_from_the_server_refused():
    """A user:password in a redirect's Location, a calendar home or a listed
    calendar is refused: no request carries it and nothing shows it."""
    for how, needle in (("redirect", "with a user name or password in it: refusing"),
                        ("home", "it has a user name or password in it"),
                        ("listed", "with a user name or password in it: refusing")):
        home = ct.make_home(Creds, SERVER.base + "/userinfo/%s/" % how)
        try:
            n0 = len(SERVER.sent_to("/cal/"))
            r = ct.notyet(home, ["calendars"])
            ct.check_one_error_line(r, needle)
            check("http://127.0.0.1:%d/cal/" % SERVER.port in r.err, "%s: the URL named" % how, r)
            check(faultserver.USERINFO_PASSWORD not in r.out + r.err and "bob" not in r.err,
                  "%s: the URL's user and password not shown" % how, r)
            check(SERVER.sent_to("/cal/")[n0:] == [], "%s: not requested" % how)
            r = ct.notyet(home, ["--offline", "calendars"])
            check(faultserver.USERINFO_PASSWORD not in r.out + r.err,
                  "%s: not in the cache either" % how, r)
        finally:
            home.cleanup()


def test_userinfo_in_config_url_refused():
    """url=http://bob:PASSWORD@host/: exit 2, one line naming the file, group and
    key, without the password; nothing is requested."""
    home = ct.make_home(Creds, "http://bob:%s@127.0.0.1:%d/cal/" %
                        (faultserver.USERINFO_PASSWORD, SERVER.port))
    try:
        n0 = len(SERVER.requests)
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "[calendar work] url: no user name or password in the URL: "
                                "put the user in username= and the password in "
                                "password_command=", status=2)
        check(home.config in r.err, "the file named", r)
        check(faultserver.USERINFO_PASSWORD not in r.err, "the password not shown", r)
        check(len(SERVER.requests) == n0, "nothing requested")
    finally:
        home.cleanup()


def test_retry_after_far_future_date():
    """Retry-After a date in year 9999 or 300000 (against a Date in 1970): no
    wait, no second request, "more than the time left" (300000 used to overflow
    into an immediate retry)."""
    for year in ("9999", "300000"):
        n0 = len(SERVER.sent_to("/farfuture/"))
        r = fault("farfuture/" + year, "unavailable (503); it asks to retry in", max_seconds=5)
        check("more than the time left" in r.err, "%s: more than the time left" % year, r)
        sent = SERVER.sent_to("/farfuture/")[n0:]
        check(len(sent) == 1, "%s: asked once, no retry" % year, sent)


def test_redirect_to_file_refused():
    fault("tofile", "non-http(s) redirect")


def test_chunked_body_over_cap():
    fault("hugechunked", "exceeds the limit of 32 MiB")


def test_content_length_over_cap():
    fault("hugelength", "exceeds the limit of 32 MiB")


def test_html_instead_of_xml():
    fault("html", "expected a 207 multistatus, got 200 (text/html)")


def test_html_in_a_207():
    fault("html207", "expected a DAV multistatus, got <html>")


def test_billion_laughs():
    fault("laughs", "DOCTYPE refused")


def test_external_entity_not_read():
    r = fault("xxe", "DOCTYPE refused")
    check(faultserver.SECRET_FILE_MARKER not in r.err + r.out, "the local file was not read", r)


def test_deep_nesting():
    fault("deep", "invalid XML")


def test_invalid_utf8():
    fault("badutf8", "invalid XML")


def test_partial_207_keeps_previous_cache():
    home = ct.make_home(Creds, SERVER.base + "/cal/")
    try:
        SERVER.cal_mode = "good"
        cals, r = ct.calendars_json(home)
        check([c["events"] for c in cals] == [2], "first sync mirrors both", r)
        SERVER.cal_mode = "partial"
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "could not return '/cal/b.ics' (status 500)")
        cals, r = ct.calendars_json(home, ["--offline"])
        check([c["events"] for c in cals] == [2], "cache unchanged after the failure", r)
        busy = ct.busy_of(ct.notyet(home, ["--offline", "--format", "json", "freebusy"] +
                                    ct.WINDOW))
        check(busy == [("2026-01-05T09:00:00Z", "2026-01-05T11:00:00Z")], "old objects used")
    finally:
        SERVER.cal_mode = "good"
        home.cleanup()


def test_sync_collection_in_pages():
    home = ct.make_home(Creds, SERVER.base + "/paged/")
    try:
        cals, r = ct.calendars_json(home)
        check([c["events"] for c in cals] == [2], "both pages mirrored", r)
        check(SERVER.paged_tokens[-2:] == ["", "t1"], "second page asked from the new token", r)
    finally:
        home.cleanup()


def test_getctag_asked_only_until_sync_tokens_are_known():
    """The calendar listing asks for CS:getctag (servers compute it on every
    request) only until the calendars are known to give sync-tokens."""
    home = ct.make_home(Creds, SERVER.base + "/paged/")
    try:
        start = len(SERVER.propfind_bodies)
        cals, r = ct.calendars_json(home)
        first = SERVER.propfind_bodies[start:]
        check(any(b"getctag" in b for b in first), "getctag asked on the first sync", first)
        start = len(SERVER.propfind_bodies)
        cals, r = ct.calendars_json(home)
        again = SERVER.propfind_bodies[start:]
        check(len(again) == 1 and b"sync-token" in again[0] and b"getctag" not in again[0],
              "then one listing, with sync-token and without getctag", again)
    finally:
        home.cleanup()


def test_digest_only_server():
    home = ct.make_home(Creds, SERVER.base + "/digest/")
    try:
        before = SERVER.digest_ok
        cals, r = ct.calendars_json(home)
        check([c["events"] for c in cals] == [2], "synced through Digest", r)
        check(SERVER.digest_ok > before, "Digest answers accepted", r)
        home.write_config(open(home.config).read().replace("echo pw-fault-7", "echo nope"))
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "authentication failed for 'alice@127.0.0.1'")
    finally:
        home.cleanup()


def test_calendars_in_parallel_on_reused_connections():
    """Five calendars on one multi handle: the server sees more than one
    request at once and never more than four (NY_CALDAV_MAX_PARALLEL), fewer
    TCP connections than requests, and the other calendars go on while c0
    waits out its Retry-After."""
    faultserver.PAR.reset()
    home = ct.make_home(Creds, SERVER.base + "/par/")
    try:
        stats = ct.sync_stats(home)
        check(stats["calendars"] == 5 and stats["fetched"] == 10, "all synced: %r" % stats)
        # /par/ is its own principal and home: one PROPFIND of it, one listing.
        check(stats["requests"] == 12, "2 discovery + 2 per calendar: %r" % stats)
        par = faultserver.PAR
        check(1 < par.max_in_flight <= 4, "in flight at once: %d" % par.max_in_flight)
        check(par.connections <= 4 and par.connections < par.requests,
              "%d connections for %d requests" % (par.connections, par.requests))
        limited = par.log.index(("c0", "429"))
        retry = next(i for i in range(limited + 1, len(par.log)) if par.log[i][0] == "c0")
        check(any(cal not in (None, "c0") and what == "REPORT"
                  for cal, what in par.log[limited + 1:retry]),
              "another calendar fetched while c0 waited: %r" % par.log)
        cals, r = ct.calendars_json(home, ["--offline"])
        check([c["events"] for c in cals] == [2] * 5, "every calendar mirrored", r)
    finally:
        home.cleanup()


def test_plain_http_password_to_remote_host_refused():
    home = ct.make_home(Creds, "http://dav.example.invalid/")
    try:
        r = nytest.run(["--config", home.config, "calendars"], home=home, env=TIMEOUT)
        ct.check_one_error_line(r, "refusing to send the password for 'alice' over plain http")
    finally:
        home.cleanup()


def test_group_readable_netrc_refused():
    home = ct.make_home(Creds, SERVER.base + "/cal/")
    try:
        text = open(home.config).read().replace("password_command=echo pw-fault-7\n", "")
        home.write_config(text)
        netrc = os.path.join(home.dir, ".netrc")
        with open(netrc, "w") as f:
            f.write("machine 127.0.0.1 login alice password pw-fault-7\n")
        os.chmod(netrc, 0o644)
        r = nytest.run(["--config", home.config, "calendars"], home=home, env=TIMEOUT)
        ct.check_one_error_line(r, "other users can read it")
        os.chmod(netrc, 0o600)
        r = nytest.run(["--config", home.config, "calendars"], home=home, env=TIMEOUT)
        check(r.rc == 0, "a private netrc works", r)
        sent = [h.get("authorization", "") for m, p, h in SERVER.sent_to("/cal")]
        check(sent and all(a.startswith("Basic ") for a in sent), "credentials from netrc", r)
    finally:
        home.cleanup()


def feed_busy(home, *extra):
    return nytest.run(["--tz", "UTC", "freebusy", "--ics", SERVER.base + "/feed/cal.ics",
                       "--from", "2026-01-05", "--to", "2026-01-06", "--format", "json"] +
                      list(extra), home=home, env=TIMEOUT)


def feed_starts(r):
    import json
    return [b["start"] for b in json.loads(r.out)["busy"]]


def test_feed_etag_and_offline():
    """An ics feed is fetched with If-None-Match: 304 answers from the
    cache; --offline reads the cached copy and says how old it is."""
    home = nytest.Home()
    try:
        SERVER.feed_version = 1
        r = feed_busy(home, "--offline")
        ct.check_one_error_line(r, "never fetched cannot be read with --offline")
        n0 = len(SERVER.sent_to("/feed"))
        r = feed_busy(home)
        check(r.rc == 0 and feed_starts(r) == ["2026-01-05T10:00:00Z"], "first fetch", r)
        first = SERVER.sent_to("/feed")[n0:]
        check(len(first) == 1 and "if-none-match" not in first[0][2], "a plain GET first", first)
        r2 = feed_busy(home, "-v")
        sent = SERVER.sent_to("/feed")[n0 + 1:]
        check(len(sent) == 1 and sent[0][2].get("if-none-match") == '"feed-v1"',
              "If-None-Match sent", sent)
        check(r2.rc == 0 and r2.out == r.out, "304: the cached copy", r2)
        check("not modified (304)" in r2.err, "-v says 304", r2)
        SERVER.feed_version = 2
        r3 = feed_busy(home)
        check(r3.rc == 0 and feed_starts(r3) == ["2026-01-05T11:00:00Z"], "a new version", r3)
        SERVER.feed_version = 3
        n1 = len(SERVER.requests)
        r4 = feed_busy(home, "--offline")
        check(len(SERVER.requests) == n1, "--offline: no request", r4)
        check(r4.rc == 0 and feed_starts(r4) == ["2026-01-05T11:00:00Z"], "offline: cached v2",
              r4)
        check("offline: from the cache of" in r4.err, "offline says how old", r4)
    finally:
        SERVER.feed_version = 1
        home.cleanup()


# --- [limits] from the config, at each limit and one past it ---------------------

MIB = 1024 * 1024


def limited(limits, url, env=None, extra=()):
    """freebusy over one ics feed with [limits] in the config (no NOTYET_HTTP_TIMEOUT
    unless env gives it); returns (result, seconds)."""
    home = nytest.Home()
    try:
        home.write_config("[limits]\n" + limits)
        t0 = time.monotonic()
        r = nytest.run(["--tz", "UTC", "freebusy", "--ics", url, "--from", "2026-01-05",
                        "--to", "2026-01-06", "--format", "json"] + list(extra), home=home,
                       env=env, timeout=120)
        return r, time.monotonic() - t0
    finally:
        home.cleanup()


def check_feed_read(r, what):
    check(r.rc == 0 and r.err == "" and feed_starts(r) == ["2026-01-05T10:00:00Z"], what, r)


def check_error_line(r, line, what):
    check(r.rc == 1 and r.out == "" and r.err == "notyet: %s\n" % line, what, r)


def test_response_cap_from_config_at_and_past():
    """max_response_mib=1: a body of exactly 1 MiB is read, 1 MiB + 1 is refused,
    with a Content-Length and chunked."""
    for mode in ("length", "chunked"):
        url = SERVER.base + "/sized/%s/%d/cal.ics" % (mode, MIB)
        r, _ = limited("max_response_mib=1\n", url)
        check_feed_read(r, "%s: 1 MiB read" % mode)
        url = SERVER.base + "/sized/%s/%d/cal.ics" % (mode, MIB + 1)
        r, _ = limited("max_response_mib=1\n", url)
        check_error_line(r, "response from '%s' exceeds the limit of 1 MiB" % url,
                         "%s: 1 MiB + 1 refused" % mode)


def test_response_cap_raised_past_32_mib():
    """max_response_mib=33: the 32 MiB + 1 body the default refuses is read; 33 MiB
    is read; 33 MiB + 1 is refused."""
    for size, ok in ((32 * MIB + 1, True), (33 * MIB, True), (33 * MIB + 1, False)):
        url = SERVER.base + "/sized/length/%d/cal.ics" % size
        r, took = limited("max_response_mib=33\n", url)
        if ok:
            check_feed_read(r, "%d bytes read" % size)
        else:
            check_error_line(r, "response from '%s' exceeds the limit of 33 MiB" % url,
                             "%d bytes refused" % size)
        check(took < 30, "%d bytes in %.1f s" % (size, took))


def test_redirects_five_followed_sixth_refused():
    """Five same-origin redirects are followed; the sixth is refused."""
    r, _ = limited("", SERVER.base + "/chain/5/cal.ics")
    check_feed_read(r, "5 redirects followed")
    url = SERVER.base + "/chain/6/cal.ics"
    r, _ = limited("", url)
    check_error_line(r, "too many redirects from '%s' (more than 5)" % url, "the 6th refused")


def test_slow_transfer_from_config():
    """http_timeout_seconds=1: the slow-transfer limit is 3 s. A 1.5 s silence is
    waited out; a 4.5 s one is not. NOTYET_HTTP_TIMEOUT=2 wins over the config
    (6 s: the 4.5 s silence is waited out)."""
    r, _ = limited("http_timeout_seconds=1\n", SERVER.base + "/pause/1500/cal.ics")
    check_feed_read(r, "1.5 s silence: waited out")
    r, took = limited("http_timeout_seconds=1\n", SERVER.base + "/pause/4500/cal.ics")
    check(r.rc == 1 and r.out == "" and len(r.err.splitlines()) == 1 and
          r.err.startswith("notyet: '127.0.0.1' did not answer in time: "), "4.5 s: refused", r)
    check(2.5 < took < 4.4, "gave up after the 3 s slow-transfer limit (%.1f s)" % took, r)
    r, _ = limited("http_timeout_seconds=1\n", SERVER.base + "/pause/4500/cal.ics",
                   env={"NOTYET_HTTP_TIMEOUT": "2"})
    check_feed_read(r, "NOTYET_HTTP_TIMEOUT=2 wins: 4.5 s waited out")


def blackhole():
    """A listening socket whose accept queue is full: a connect to it hangs."""
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(0)
    fill = []
    for _ in range(3):
        c = socket.socket()
        c.setblocking(False)
        try:
            c.connect(s.getsockname())
        except BlockingIOError:
            pass
        fill.append(c)
    time.sleep(0.2)
    return s, fill


def test_connect_timeout_from_config():
    """http_timeout_seconds=1 gives up connecting after 1 s, =2 after 2 s; with
    http_timeout_seconds=60, NOTYET_HTTP_TIMEOUT=1 wins (1 s)."""
    s, fill = blackhole()
    try:
        url = "http://127.0.0.1:%d/cal.ics" % s.getsockname()[1]
        for limits, env, lo, hi in (("http_timeout_seconds=1\n", None, 0.9, 1.9),
                                    ("http_timeout_seconds=2\n", None, 1.9, 2.9),
                                    ("http_timeout_seconds=60\n", {"NOTYET_HTTP_TIMEOUT": "1"},
                                     0.9, 1.9)):
            r, took = limited(limits, url, env=env)
            check(r.rc == 1 and r.out == "" and len(r.err.splitlines()) == 1 and
                  r.err.startswith("notyet: '127.0.0.1' did not answer in time: "),
                  "%s: connect timeout" % limits.strip(), r)
            check(lo <= took < hi, "%s %s: gave up after %.1f s" % (limits.strip(), env, took), r)
    finally:
        for c in fill:
            c.close()
        s.close()


def test_whole_sync_deadline_from_config():
    """http_timeout_seconds=1: a server that keeps sending, fast enough for the
    slow-transfer check, is cut off at the 30 s deadline (30 x 1 s)."""
    r, took = limited("http_timeout_seconds=1\n", SERVER.base + "/trickle/cal.ics")
    check(r.rc == 1 and r.out == "" and len(r.err.splitlines()) == 1 and
          r.err.startswith("notyet: '127.0.0.1' did not answer in time: "), "cut off", r)
    check(29 < took < 35, "at the 30 s deadline (%.1f s)" % took, r)


def test_now_is_not_stored_as_the_sync_time():
    """--now moves the window, never the clock of the cache: the sync time
    stored is the real one, so a later --offline run gives the cache's true
    age (it once said "last synced 1358 days ago")."""
    home = ct.make_home(Creds, SERVER.base + "/cal/")
    try:
        r = ct.notyet(home, ["--now", "2022-03-01T09:00:00Z", "calendars"])
        check(r.rc == 0, "synced under --now", r)
        cals, r = ct.calendars_json(home, ["--offline"])
        synced = calendar.timegm(time.strptime(cals[0]["last_sync"], "%Y-%m-%dT%H:%M:%SZ"))
        check(abs(synced - time.time()) < 3600, "the real clock was stored", cals)
        r = ct.notyet(home, ["--offline", "calendars"])
        check(r.rc == 0 and "last synced" in r.out and "days ago" not in r.out,
              "the offline age is the real one", r)
        r = ct.notyet(home, ["--offline", "--now", "2022-03-01T09:00:00Z", "--format", "json",
                             "freebusy", "--from", "2026-01-05", "--to", "2026-01-06"])
        check(r.rc == 0 and "offline: from the cache of 2022" not in r.err,
              "the freebusy warning names the real sync time", r)
    finally:
        home.cleanup()


def test_refused_sync_token_fetches_only_what_changed():
    """A refused sync-token lists everything again, but fetches only what is
    missing or whose ETag changed, and deletes what is gone."""
    SERVER.expired_items = {"a": "a1", "b": "b1"}
    SERVER.expired_token = "s1"
    SERVER.expired_refuse = False
    home = ct.make_home(Creds, SERVER.base + "/expired/")
    try:
        stats = ct.sync_stats(home)
        check(stats["fetched"] == 2, "first sync fetches both: %r" % stats)
        SERVER.expired_items = {"a": "a1", "c": "c1"}
        SERVER.expired_token = "s2"
        SERVER.expired_refuse = True
        del SERVER.expired_fetched[:]
        stats = ct.sync_stats(home)
        check(stats["full_resync"], "the refused token is reported: %r" % stats)
        check(SERVER.expired_fetched == ["c"], "only the new object fetched",
              SERVER.expired_fetched)
        check(stats["fetched"] == 1 and stats["deleted"] == 1, "1 fetched, 1 deleted: %r" % stats)
        cals, r = ct.calendars_json(home, ["--offline"])
        check([c["events"] for c in cals] == [2], "the mirror holds a and c", cals)
    finally:
        SERVER.expired_refuse = False
        home.cleanup()


def test_principal_propfound_once_and_tasks_calendar_listed():
    """A URL that is its own principal is PROPFINDed once with Depth 0 on a
    first sync; a VTODO in an event calendar is no event; a tasks-only
    calendar is listed, never used, and never synced."""
    home = ct.make_home(Creds, SERVER.base + "/princ/")
    try:
        n0 = len(SERVER.requests)
        cals, r = ct.calendars_json(home)
        sent = SERVER.requests[n0:]
        depth0 = [p for m, p, h in sent if m == "PROPFIND" and p == "/princ/" and
                  h.get("depth") == "0"]
        check(len(depth0) == 1, "the principal asked once", sent)
        check(not any(p.startswith("/princ/todo/") for m, p, h in sent),
              "the tasks-only calendar is not synced", sent)
        got = [(c["name"], c["used"], c["events"]) for c in cals]
        check(got == [("Events", True, 1), ("Tasks", False, 0)],
              "both calendars listed, the VTODO not counted as an event", got)
        r = ct.notyet(home, ["--offline", "calendars"])
        check(r.rc == 0 and "Tasks" in r.out, "the text listing shows the task list too", r)
        home.write_config(open(home.config).read() + "calendars=Tasks\n")
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "calendars=: 'Tasks' takes no events")
    finally:
        home.cleanup()


# A token_command that counts its runs in ~/runs and prints tok-<run>.
COUNTING_TOKEN = ('n=$(cat ~/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > ~/runs; '
                  'echo "tok-$n"; echo "stderr-$n" >&2')


def bearer_home():
    home = nytest.Home()
    home.write_config("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\nurl=%s/bearer/\n"
                      "token_command=%s\n" % (SERVER.base, COUNTING_TOKEN))
    return home


def runs(home):
    with open(os.path.join(home.dir, "runs")) as f:
        return int(f.read())


def test_token_command_run_again_once_on_a_401():
    """token_command runs through /bin/sh (~ works); a 401 runs it once more
    and the fresh token is used; a second 401 is an error naming
    token_command. No token, nor the command's stderr, is ever shown."""
    SERVER.bearer_token = "tok-2"
    home = bearer_home()
    try:
        r = ct.notyet(home, ["-v", "-v", "--format", "json", "calendars"])
        check(r.rc == 0, "synced with the fresh token", r)
        check(runs(home) == 2, "the command ran twice", r)
        check("tok-" not in r.err and "stderr-" not in r.err, "no token, no stderr shown", r)
        check("Authorization: [redacted]" in r.err, "the header is traced, redacted", r)
        SERVER.bearer_token = "never"
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "calendar 'work': authentication failed for the token sent to "
                                "'127.0.0.1' (also with a fresh one): check token_command")
        check(runs(home) == 4, "once more on the 401, not again", r)
        check("tok-" not in r.err and "stderr-" not in r.err, "no token, no stderr shown", r)
    finally:
        home.cleanup()


def test_token_expiring_under_requests_in_flight():
    """The token expires while the calendars' requests are in flight: the
    first 401 runs token_command once, the others use its fresh token."""
    SERVER.bearer_token = "tok-1"
    SERVER.bearer_next = "tok-2"
    home = nytest.Home()
    try:
        home.write_config("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
                          "url=%s/bearerhome/\ntoken_command=%s\n" % (SERVER.base, COUNTING_TOKEN))
        cals, r = ct.calendars_json(home)
        check([c["events"] for c in cals] == [1, 1, 1], "every calendar synced", r)
        check(runs(home) == 2, "one fresh token for all of them", r)
    finally:
        home.cleanup()


def test_failing_token_command_summarised():
    home = nytest.Home()
    try:
        home.write_config("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
                          "url=%s/bearer/\ntoken_command=echo oauth-broke >&2; exit 7\n"
                          % SERVER.base)
        n0 = len(SERVER.requests)
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "calendar 'work': token_command exited with status 7")
        check("oauth-broke" not in r.err, "the command's stderr is not shown", r)
        check(len(SERVER.requests) == n0, "nothing sent without a token", r)
    finally:
        home.cleanup()


def test_cannot_connect_names_offline_and_the_cache_age():
    home = ct.make_home(Creds, SERVER.base + "/cal/")
    try:
        dead = "http://127.0.0.1:%d/cal/" % faultserver.unused_socket_port()
        fresh = ct.make_home(Creds, dead)
        try:
            r = ct.notyet(fresh, ["calendars"])
            ct.check_one_error_line(r, "nothing is cached yet for --offline")
            check("cannot connect" in r.err, "says it cannot connect", r)
        finally:
            fresh.cleanup()
        r = ct.notyet(home, ["calendars"])
        check(r.rc == 0, "synced once", r)
        home.write_config(open(home.config).read().replace(SERVER.base + "/cal/", dead))
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "--offline answers from the cache of ")
        check(re.search(r"\(\d+ minutes old\)", r.err), "the cache's age", r)
        r = ct.notyet(home, ["--offline", "calendars"])
        check(r.rc == 0, "and --offline does answer", r)
    finally:
        home.cleanup()


try:
    ct.run_tests(globals(), SERVER)
finally:
    SECRET_DIR.cleanup()
