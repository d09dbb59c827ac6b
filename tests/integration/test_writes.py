"""Calendar writes (src/caldav-write.c, src/invite.c) against real Radicale,
Xandikos and Cyrus, and the fault server: conditional creation, updates and
deletions, a user's edit never overwritten, events that are not ours never
touched, and on Cyrus RFC 6638 scheduling with and without
SCHEDULE-AGENT=CLIENT. Driven through tests/integration/write-probe.c,
since no command writes yet."""
import json
import os
import re
import subprocess
import tempfile

import caldavtest  # noqa: F401 - puts tests/cli on the path
import davservers
import faultserver
import nytest
from caldavtest import check

PROBE = os.environ["NOTYET_WRITE_PROBE"]
START = 1796238000  # 2026-12-02T19:00:00Z
STORE = "store-5e1f"
EXISTS, CHANGED, NOT_OURS, GONE, FAILED = range(5)  # NyCaldavWriteError
HTTP_NETWORK, HTTP_PROTOCOL, HTTP_FAILED = 0, 3, 4  # NyHttpError
WRITE_DOMAIN = "ny_caldav_write_error"
HTTP_DOMAIN = "ny_http_error"
TMP = tempfile.mkdtemp(prefix="notyet-writes-")
COUNTER = [0]


def probe(*args, user=None, password=None, env=None, timeout=60):
    e = dict(os.environ)
    e.pop("NY_PROBE_USER", None)
    e.pop("NY_PROBE_PASSWORD", None)
    if user is not None:
        e["NY_PROBE_USER"] = user
        e["NY_PROBE_PASSWORD"] = password
    e.update(env or {})
    p = subprocess.run([PROBE] + [str(a) for a in args], capture_output=True, text=True, env=e,
                       timeout=timeout)
    if args[0] in ("hold", "booked"):
        check(p.returncode == 0, "built: %s" % p.stdout + p.stderr)
        return p.stdout
    check(p.returncode in (0, 1) and p.stdout, "probe answered: %r %r" % (p.stdout, p.stderr))
    return json.loads(p.stdout)


def save(text):
    COUNTER[0] += 1
    path = os.path.join(TMP, "%d.ics" % COUNTER[0])
    with open(path, "w", newline="") as f:
        f.write(text)
    return path


def new_uid():
    COUNTER[0] += 1
    return "hold-%d-%d@notyet" % (os.getpid(), COUNTER[0])


def hold_text(uid, summary="Hold: call with John", hour=0):
    return probe("hold", uid, STORE, "7", START + hour * 3600, START + hour * 3600 + 1200,
                 "Europe/Berlin", summary)


def booked_text(uid, organizer="jane@example.com", attendee="john@example.org", send=False):
    return probe("booked", uid, 1, STORE, "7", START, START + 1200, "Europe/Berlin", organizer,
                 attendee, "send" if send else "client")


def ok(r, what):
    check(r.get("ok") is True, what + ": " + repr(r))
    return r


def failed(r, domain, code, what):
    check(r.get("ok") is False and r.get("domain") == domain and r.get("code") == code,
          "%s: expected %s %d, got %r" % (what, domain, code, r))
    return r


def same_etag(a, b):
    strip = lambda e: e[2:] if e and e.startswith("W/") else e  # noqa: E731
    return a is not None and strip(a) == strip(b)


class Target:
    """One calendar on one server, and the credentials for it."""

    def __init__(self, server, cal_url):
        self.server = server
        self.cal = cal_url
        self.user = server.user
        self.password = server.password

    def call(self, *args, **kw):
        return probe(*args, user=self.user, password=self.password, **kw)

    def raw(self, method, url, body=b"", headers=None):
        return davservers.request(method, url, body, headers, self.user, self.password)

    def new_hold(self):
        uid = new_uid()
        url = self.cal + uid.split("@")[0] + ".ics"
        r = ok(self.call("create", url, save(hold_text(uid))), "create the hold")
        check(r["etag"], "an ETag is kept after the create: %r" % r)
        return uid, url, r["etag"]

    def user_edit(self, url, text):
        """What the user's calendar app does: a plain PUT, no precondition."""
        status, headers, _ = self.raw("PUT", url, text,
                                      {"Content-Type": "text/calendar; charset=utf-8"})
        check(status in (201, 204), "the user's PUT: %d" % status)


def scenario_tests(name, target_of):
    """The same checks against each real server."""

    def test_create_keeps_etag():
        t = target_of()
        uid, url, etag = t.new_hold()
        r = ok(t.call("check", url, etag, uid, STORE), "check")
        check(r["state"] == "unchanged", "the hold is ours and unchanged: %r" % r)
        check("STATUS:TENTATIVE" in r["text"] and "X-NOTYET-STORE:" + STORE in r["text"] and
              "CATEGORIES:notyet-hold" in r["text"], "the server kept the hold's marks")

    def test_create_again_refused():
        t = target_of()
        uid, url, etag = t.new_hold()
        other = save(hold_text(uid, summary="Hold: a second one", hour=2))
        failed(t.call("create", url, other), WRITE_DOMAIN, EXISTS, "a second create")
        r = ok(t.call("fetch", url), "fetch")
        check("a second one" not in r["text"], "the first hold is still there")
        check(same_etag(r["etag"], etag), "its ETag is unchanged: %r %r" % (r["etag"], etag))

    def test_update_with_etag():
        t = target_of()
        uid, url, etag = t.new_hold()
        r = ok(t.call("update", url, etag, uid, STORE, save(booked_text(uid))), "update")
        check(r["etag"] and not same_etag(r["etag"], etag), "a new ETag: %r" % r)
        r2 = ok(t.call("check", url, r["etag"], uid, STORE), "check")
        check(r2["state"] == "unchanged", "the booked call is ours at the new ETag: %r" % r2)
        unfolded = r2["text"].replace("\r\n ", "")
        check("STATUS:CONFIRMED" in unfolded and "SCHEDULE-AGENT=CLIENT" in unfolded,
              "the booked call replaced the hold: %r" % unfolded)

    def test_update_stale_etag_leaves_the_edit():
        t = target_of()
        uid, url, etag = t.new_hold()
        t.user_edit(url, hold_text(uid, summary="Moved by me", hour=1))
        failed(t.call("update", url, etag, uid, STORE, save(booked_text(uid))), WRITE_DOMAIN,
               CHANGED, "update with a stale ETag")
        r = ok(t.call("check", url, etag, uid, STORE), "check")
        check(r["state"] == "edited", "told apart as edited: %r" % r)
        check("Moved by me" in r["text"] and "CONFIRMED" not in r["text"],
              "the user's edit is as the user left it")

    def test_delete_with_etag():
        t = target_of()
        uid, url, etag = t.new_hold()
        ok(t.call("delete", url, etag, uid, STORE), "delete")
        failed(t.call("fetch", url), WRITE_DOMAIN, GONE, "fetch after the delete")
        ok(t.call("delete", url, etag, uid, STORE), "a second delete: already gone is fine")
        r = ok(t.call("check", url, etag, uid, STORE), "check")
        check(r["state"] == "gone", "gone: %r" % r)

    def test_delete_stale_etag_leaves_the_edit():
        t = target_of()
        uid, url, etag = t.new_hold()
        t.user_edit(url, hold_text(uid, summary="Kept by me", hour=1))
        failed(t.call("delete", url, etag, uid, STORE), WRITE_DOMAIN, CHANGED,
               "delete with a stale ETag")
        r = ok(t.call("fetch", url), "fetch")
        check("Kept by me" in r["text"], "still there as the user left it")

    def test_not_ours_untouched():
        t = target_of()
        uid = new_uid()
        url = t.cal + uid.split("@")[0] + ".ics"
        foreign = hold_text(uid).replace("X-NOTYET-STORE:" + STORE, "X-NOTYET-STORE:another")
        t.user_edit(url, foreign)
        r = ok(t.call("fetch", url), "fetch")
        current = save(r["text"])
        failed(t.call("delete", url, r["etag"], uid, STORE, current), WRITE_DOMAIN, NOT_OURS,
               "delete what another store wrote")
        failed(t.call("delete", url, "-", uid, STORE), WRITE_DOMAIN, NOT_OURS,
               "delete after reading it")
        failed(t.call("update", url, "-", uid, STORE, save(booked_text(uid))), WRITE_DOMAIN,
               NOT_OURS, "update after reading it")
        r2 = ok(t.call("fetch", url), "fetch")
        check(same_etag(r2["etag"], r["etag"]) and "another" in r2["text"], "untouched")

    for f in (test_create_keeps_etag, test_create_again_refused, test_update_with_etag,
              test_update_stale_etag_leaves_the_edit, test_delete_with_etag,
              test_delete_stale_etag_leaves_the_edit, test_not_ours_untouched):
        globals()["test_%s_%s" % (name, f.__name__[len("test_"):])] = f


class Lazy:
    """A server started on first use and stopped at the end."""

    def __init__(self, make):
        self.make = make
        self.target = None
        self.server = None
        self.why = None

    def __call__(self):
        if self.why is not None:
            raise nytest.Skip(self.why)
        if self.target is None:
            self.target = self.make(self)
        return self.target

    def cleanup(self):
        if self.server is not None:
            self.server.cleanup()


def make_radicale(lazy):
    lazy.server = davservers.Radicale({"alice": "alicepass"})
    lazy.server.start()
    lazy.server.mkcalendar("/alice/writes/", "Writes")
    return Target(lazy.server, lazy.server.base + "/alice/writes/")


def make_xandikos(lazy):
    lazy.server = davservers.Xandikos()
    lazy.server.start()
    return Target(lazy.server, lazy.server.base + "/user/calendars/calendar/")


def make_cyrus(lazy):
    why = davservers.Cyrus.available()
    if why is not None:
        lazy.why = why
        raise nytest.Skip(why)
    lazy.server = davservers.Cyrus()
    lazy.server.start()
    return Target(lazy.server, lazy.server.home() + "Default/")


RADICALE = Lazy(make_radicale)
XANDIKOS = Lazy(make_xandikos)
CYRUS = Lazy(make_cyrus)
scenario_tests("radicale", RADICALE)
scenario_tests("xandikos", XANDIKOS)
scenario_tests("cyrus", CYRUS)


# --- Cyrus: RFC 6638 scheduling ------------------------------------------

def address_of(t, user, password):
    """The principal's calendar-user-address-set (RFC 6638 2.4.1)."""
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-user-address-set/>'
            '</D:prop></D:propfind>')
    status, _, data = davservers.request(
        "PROPFIND", "%s/dav/principals/user/%s/" % (t.server.base, user), body,
        {"Depth": "0", "Content-Type": "application/xml"}, user, password)
    check(status == 207, "principal PROPFIND: %d" % status)
    m = re.search(r"<D:href>mailto:([^<]+)</D:href>", data.decode())
    check(m is not None, "an address for %s: %r" % (user, data[:300]))
    return m.group(1)


def inbox_items(t, user, password):
    status, _, data = davservers.request(
        "PROPFIND", t.server.home(user) + "Inbox/", "",
        {"Depth": "1", "Content-Type": "application/xml"}, user, password)
    check(status == 207, "Inbox PROPFIND: %d" % status)
    return [h for h in re.findall(r"<D:href>([^<]+)</D:href>", data.decode())
            if h.endswith(".ics")]


def booked_on_cyrus(send):
    t = CYRUS()
    jane = address_of(t, "jane", "janepass")
    john = address_of(t, "john", "johnpass")
    before = inbox_items(t, "john", "johnpass")
    uid = new_uid()
    url = t.cal + uid.split("@")[0] + ".ics"
    ok(t.call("create", url, save(booked_text(uid, jane, john, send=send))), "create booked")
    return t, uid, before, inbox_items(t, "john", "johnpass")


def test_cyrus_schedules_without_schedule_agent():
    t, uid, before, after = booked_on_cyrus(send=True)
    new = [h for h in after if h not in before]
    check(len(new) == 1, "one iTIP request in John's Inbox: %r" % after)
    status, _, data = davservers.request("GET", t.server.base + new[0], b"", None, "john",
                                         "johnpass")
    text = data.decode()
    check(status == 200 and "METHOD:REQUEST" in text and uid in text,
          "the request for our event: %r" % text[:400])


def test_cyrus_sends_nothing_with_schedule_agent_client():
    _, _, before, after = booked_on_cyrus(send=False)
    check(after == before, "nothing in John's Inbox: %r -> %r" % (before, after))


def test_cyrus_keeps_the_uid_of_a_resource():
    """A booked call replaces its hold in the same resource: Cyrus refuses a
    UID change there (403), so the booked call must carry the hold's UID."""
    t = CYRUS()
    uid, url, etag = t.new_hold()
    failed(t.call("update", url, etag, uid, STORE, save(booked_text("other-" + uid))),
           WRITE_DOMAIN, FAILED, "a different UID over the hold")
    r = ok(t.call("check", url, etag, uid, STORE), "check")
    check(r["state"] == "unchanged", "the hold is as it was: %r" % r)


# --- the fault server ----------------------------------------------------

FAULT = [None]
FAST = {"NOTYET_HTTP_TIMEOUT": "1"}


def fault():
    if FAULT[0] is None:
        FAULT[0] = faultserver.FaultServer(os.path.join(TMP, "secret"), hang=20)
    return FAULT[0]


def sent(server, path):
    return [(m, h) for m, p, h in server.requests if p == path]


def fault_create(mode):
    s = fault()
    uid = new_uid()
    path = "/w/%s/%s.ics" % (mode, uid.split("@")[0])
    r = probe("create", s.base + path, save(hold_text(uid)))
    return s, uid, path, r


def test_fault_create_is_conditional():
    s, uid, path, r = fault_create("plain")
    ok(r, "create")
    reqs = sent(s, path)
    check([m for m, _ in reqs] == ["PUT"], "one PUT: %r" % reqs)
    h = reqs[0][1]
    check(h.get("if-none-match") == "*" and "if-match" not in h, "If-None-Match: * only: %r" % h)
    check(h.get("content-type", "").startswith("text/calendar"), "text/calendar: %r" % h)
    check(r["etag"] == s.resources[path][0], "the PUT's ETag kept")


def test_fault_no_etag_on_put_reads_it():
    s, uid, path, r = fault_create("noetag")
    ok(r, "create")
    check([m for m, _ in sent(s, path)] == ["PUT", "GET"], "PUT, then GET: %r" % sent(s, path))
    check(r["etag"] == s.resources[path][0], "the ETag from the GET: %r" % r)


def test_fault_no_etag_anywhere_but_propfind():
    s, uid, path, r = fault_create("noetagget")
    ok(r, "create")
    check([m for m, _ in sent(s, path)] == ["PUT", "GET", "PROPFIND"],
          "PUT, GET, PROPFIND: %r" % sent(s, path))
    check(r["etag"] == s.resources[path][0], "the ETag from PROPFIND getetag: %r" % r)


def test_fault_update_and_delete_send_if_match():
    s, uid, path, r = fault_create("plain")
    etag = ok(r, "create")["etag"]
    r2 = ok(probe("update", s.base + path, etag, uid, STORE, save(booked_text(uid))), "update")
    ok(probe("delete", s.base + path, r2["etag"], uid, STORE), "delete")
    reqs = sent(s, path)
    check([m for m, _ in reqs] == ["PUT", "PUT", "DELETE"], "PUT, PUT, DELETE: %r" % reqs)
    check(reqs[1][1].get("if-match") == etag and "if-none-match" not in reqs[1][1],
          "update: If-Match the old ETag: %r" % reqs[1][1])
    check(reqs[2][1].get("if-match") == r2["etag"], "delete: If-Match: %r" % reqs[2][1])
    check("content-type" not in reqs[2][1], "a DELETE has no Content-Type: %r" % reqs[2][1])
    check(path not in s.resources, "deleted")


def test_fault_412_means_exists_or_changed():
    s, uid, path, r = fault_create("p412")
    failed(r, WRITE_DOMAIN, EXISTS, "create answered 412")
    s, uid, path, r = fault_create("plain")
    etag = ok(r, "create")["etag"]
    s.resources[path] = ('"user-edit"', s.resources[path][1])
    failed(probe("update", s.base + path, etag, uid, STORE, save(booked_text(uid))),
           WRITE_DOMAIN, CHANGED, "update after the user's edit")
    failed(probe("delete", s.base + path, etag, uid, STORE), WRITE_DOMAIN, CHANGED,
           "delete after the user's edit")
    check(s.resources[path][0] == '"user-edit"', "left alone")


def test_fault_deleted_meanwhile_is_gone():
    s, uid, path, r = fault_create("plain")
    etag = ok(r, "create")["etag"]
    del s.resources[path]
    ok(probe("delete", s.base + path, etag, uid, STORE), "delete of what is gone")
    failed(probe("update", s.base + path, etag, uid, STORE, save(booked_text(uid))),
           WRITE_DOMAIN, GONE, "update of what is gone")


def test_fault_not_ours_no_request():
    s = fault()
    uid = new_uid()
    path = "/w/plain/%s.ics" % uid.split("@")[0]
    foreign = save(hold_text(uid).replace(STORE, "another"))
    failed(probe("delete", s.base + path, '"e1"', uid, STORE, foreign), WRITE_DOMAIN, NOT_OURS,
           "delete")
    failed(probe("update", s.base + path, '"e1"', uid, STORE, save(booked_text(uid)), foreign),
           WRITE_DOMAIN, NOT_OURS, "update")
    check(sent(s, path) == [], "no request at all: %r" % sent(s, path))


def test_fault_etag_with_a_line_break_refused():
    s = fault()
    uid = new_uid()
    path = "/w/plain/%s.ics" % uid.split("@")[0]
    failed(probe("delete", s.base + path, '"e1"\r\nX-Evil: 1', uid, STORE), HTTP_DOMAIN,
           HTTP_PROTOCOL, "a header in the ETag")
    check(sent(s, path) == [], "no request: %r" % sent(s, path))


def test_fault_5xx_at_each_write():
    s = fault()
    for mode, needle in (("e500", "server error 500"), ("e503", "503")):
        uid = new_uid()
        url = s.base + "/w/%s/%s.ics" % (mode, uid.split("@")[0])
        for args in (("create", url, save(hold_text(uid))),
                     ("update", url, '"e1"', uid, STORE, save(booked_text(uid))),
                     ("delete", url, '"e1"', uid, STORE)):
            r = failed(probe(*args), HTTP_DOMAIN, HTTP_FAILED, "%s %s" % (args[0], mode))
            check(needle in r["message"] and r["message"].startswith(
                "PUT '" if args[0] != "delete" else "DELETE '"), "says what failed: %r" % r)


def test_fault_timeout_at_each_write():
    s = fault()
    uid = new_uid()
    url = s.base + "/silent/%s.ics" % uid.split("@")[0]
    for args in (("create", url, save(hold_text(uid))),
                 ("update", url, '"e1"', uid, STORE, save(booked_text(uid))),
                 ("delete", url, '"e1"', uid, STORE)):
        # A hang is caught by probe()'s own timeout, not by a clock here.
        failed(probe(*args, env=FAST), HTTP_DOMAIN, HTTP_NETWORK, "%s timeout" % args[0])


def test_fault_put_that_landed_unanswered_is_adopted():
    """A PUT stored but never answered (a timeout, a dropped connection): a
    GET finds our own write there and its ETag is adopted, so the next
    If-Match is ours and no 412 calls it the user's edit."""
    s, uid, path, r = fault_create("landed")
    r = ok(r, "create that landed")
    check(r["etag"] == s.resources[path][0], "the stored ETag adopted: %r" % r)
    check([m for m, _ in sent(s, path)] == ["PUT", "GET"], "PUT, then GET: %r" % sent(s, path))
    r2 = ok(probe("update", s.base + path, r["etag"], uid, STORE, save(booked_text(uid))),
            "update that landed")
    check(r2["etag"] == s.resources[path][0] and r2["etag"] != r["etag"], "the new ETag: %r" % r2)
    ok(probe("delete", s.base + path, r2["etag"], uid, STORE), "the next write is ours")
    check(path not in s.resources, "deleted with the adopted ETag")


def test_fault_put_dropped_unstored_fails():
    s, uid, path, r = fault_create("dropped")
    failed(r, HTTP_DOMAIN, HTTP_NETWORK, "a PUT that never landed")
    check([m for m, _ in sent(s, path)] == ["PUT", "GET"], "PUT, then GET: %r" % sent(s, path))


def test_fault_put_unanswered_over_someone_elses_event_fails():
    """What the GET finds after a lost answer is ours only when it is this
    write: an older text of the event is not."""
    s, uid, path, r = fault_create("plain")
    etag = ok(r, "create")["etag"]
    landed = path.replace("/w/plain/", "/w/dropped/")
    s.resources[landed] = s.resources[path]
    failed(probe("update", s.base + landed, etag, uid, STORE, save(booked_text(uid))),
           HTTP_DOMAIN, HTTP_NETWORK, "the GET finds the old text: not adopted")


def fault_holds(mode, *names):
    s = fault()
    COUNTER[0] += 1
    prefix = "/w/%s/" % mode
    uids = ["%s-%d-%s@notyet" % (n.split("-")[0], COUNTER[0], n.split("-")[-1]) for n in names]
    r = probe("holds", s.base + prefix, STORE, *uids)
    return s, prefix, uids, r


def test_fault_holds_all_or_none():
    s, prefix, uids, r = fault_holds("failsome", "a-1", "b-2", "c-fail")
    failed(r, HTTP_DOMAIN, HTTP_FAILED, "the third hold fails")
    paths = [prefix + u + ".ics" for u in uids]
    reqs = [(m, p, h) for m, p, h in s.requests if p in paths]
    check([(m, paths.index(p)) for m, p, _ in reqs] ==
          [("PUT", 0), ("PUT", 1), ("PUT", 2), ("DELETE", 0), ("DELETE", 1)],
          "three PUTs, then the two written deleted: %r" % [(m, p) for m, p, _ in reqs])
    check(all(h.get("if-match") for m, _, h in reqs if m == "DELETE"), "deleted with If-Match")
    check(not any(p in s.resources for p in paths), "nothing left: %r" % list(s.resources))


def test_fault_holds_cleanup_failure_is_told():
    s, prefix, uids, r = fault_holds("failboth", "a-1", "b-fail")
    failed(r, HTTP_DOMAIN, HTTP_FAILED, "the second hold fails")
    check(r["message"].startswith("1 written hold could not be removed: PUT '"),
          "says a hold is left: %r" % r)


def test_radicale_holds_of_one_letter():
    t = RADICALE()
    COUNTER[0] += 1
    uids = ["first-%d@notyet" % COUNTER[0], "second-%d@notyet" % COUNTER[0]]
    r = ok(probe("holds", t.cal, STORE, *uids, user=t.user, password=t.password), "two holds")
    check(len(r["written"]) == 2, "two written: %r" % r)
    for uid, (url, etag) in zip(uids, r["written"]):
        check(url == t.cal + uid + ".ics", "named by UID: %r" % url)
        c = ok(t.call("check", url, etag, uid, STORE), "check")
        check(c["state"] == "unchanged", "each is ours at its ETag: %r" % c)


def test_radicale_holds_count_as_busy():
    """A hold (TENTATIVE, OPAQUE, with its VTIMEZONE) on a calendar notyet
    reads is busy time for the next lookup: the server is the ledger."""
    t = RADICALE()
    t.server.mkcalendar("/alice/ledger/", "Ledger")
    cal = t.server.base + "/alice/ledger/"
    uid = new_uid()
    r = ok(t.call("create", cal + "h.ics", save(hold_text(uid))), "create the hold")
    check(r["etag"], "created")
    home = caldavtest.make_home(t.server, t.server.base + "/", calendars="Ledger")
    try:
        fb = caldavtest.notyet(home, ["--format", "json", "freebusy", "--from", "2026-12-02",
                                      "--to", "2026-12-03"])
        check(caldavtest.busy_of(fb) == [("2026-12-02T19:00:00Z", "2026-12-02T19:20:00Z")],
              "the hold's 20 minutes are busy", fb)
    finally:
        home.cleanup()


try:
    nytest.main(globals())
finally:
    for lazy in (RADICALE, XANDIKOS, CYRUS):
        lazy.cleanup()
    if FAULT[0] is not None:
        FAULT[0].cleanup()
    subprocess.run(["rm", "-rf", TMP])
