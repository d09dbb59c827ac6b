"""Holds and booked calls on a real calendar (doc/calendar-writes.md): reply,
book, cancel and nudge against Radicale, Xandikos and (as root) Cyrus, and
the fault server failing each write request of reply, book and cancel.

Every check reads the server itself (a PROPFIND and GET of the holds
calendar), not notyet's own account of what it wrote."""
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import caldavtest as ct
import davservers
import nytest
from nytest import check

NOW = "2026-01-05T08:00:00Z"  # a Monday; the working days start at 09:00 UTC
HOLDS_PATH = "holds/"
DAV = "{DAV:}"


def propfind_hrefs(server, path):
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:"><D:prop><D:getetag/>'
            '</D:prop></D:propfind>')
    status, _, data = davservers.request("PROPFIND", server.base + path, body,
                                         {"Depth": "1", "Content-Type": "application/xml"},
                                         server.user, server.password)
    check(status == 207, "PROPFIND %s: %d" % (path, status))
    hrefs = []
    for resp in ET.fromstring(data).iter(DAV + "response"):
        href = resp.find(DAV + "href").text
        if href.rstrip("/") != path.rstrip("/") and href.endswith(".ics"):
            hrefs.append(href)
    return hrefs


def unfold(text):
    return re.sub(r"\r?\n[ \t]", "", text)


def events_on(server, path):
    """{href: unfolded text} of every object of the calendar at path."""
    out = {}
    for href in propfind_hrefs(server, path):
        status, headers, data = davservers.request("GET", server.base + href, b"", None,
                                                   server.user, server.password)
        check(status == 200, "GET %s: %d" % (href, status))
        out[href] = unfold(data.decode("utf-8"))
    return out


def prop(text, name):
    m = re.search(r"^%s[;:][^\r\n]*" % name, text, re.M)
    return m.group(0).split(":", 1)[1] if m else None


def starts(text):
    """The DTSTART of an event as a UTC 'YYYYMMDDTHHMMSSZ' (tests run in UTC)."""
    m = re.search(r"^DTSTART[^:\r\n]*:(\d{8}T\d{6}Z?)", text, re.M)
    return m.group(1).rstrip("Z") + "Z" if m else None


class Setup:
    """A server with a Work calendar (busy source) and a Holds calendar, and
    homes (stores) pointing at them."""

    def __init__(self, server, home_path, holds_name="Holds"):
        self.server = server
        self.home_path = home_path
        self.cal = home_path + HOLDS_PATH
        self.homes = []

    def home(self, extra="", url=None, me="name=Jane Doe\n"):
        home = ct.make_home(self.server, url or self.server.base + "/", calendars="Work",
                            extra="holds=Holds\n" + extra)
        with open(home.config, encoding="utf-8") as f:
            text = f.read()
        home.write_config(text.replace("[me]\n", "[me]\n" + me, 1))
        self.homes.append(home)
        return home

    def cleanup(self):
        for h in self.homes:
            h.cleanup()


def run(home, args, db=None, now=NOW):
    pre = ["--now", now]
    if db is not None:
        pre += ["--db", db]
    return ct.notyet(home, pre + list(args))


def reply(home, name, extra=(), db=None, now=NOW):
    r = run(home, ["--format", "json", "reply", name] + list(extra), db=db, now=now)
    return r


def followup_json(home, fid, db=None):
    r = run(home, ["--format", "json", "followups", "--all"], db=db)
    check(r.rc == 0, "followups", r)
    for f in json.loads(r.out)["followups"]:
        if f["id"] == fid:
            return f
    raise AssertionError("no follow-up %d" % fid)


def offered_ids(r):
    m = re.search(r"follow-up #(\d+) recorded", r.err)
    check(m is not None, "a follow-up recorded", r)
    return int(m.group(1))


def store_id(db):
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT value FROM store_meta WHERE key = 'store_id'").fetchone()[0]
    finally:
        con.close()


def ours(events, db, fid):
    """The events of follow-up fid of the store db (X-NOTYET-STORE and
    X-NOTYET-FOLLOWUP)."""
    sid = store_id(db)
    return {h: t for h, t in events.items()
            if prop(t, "X-NOTYET-STORE") == sid and prop(t, "X-NOTYET-FOLLOWUP") == str(fid)}


def slot_starts(home, fid):
    f = followup_json(home, fid)
    return [s["start"].replace("-", "").replace(":", "") for s in f["slots"]]


def slot_spans(home, fid, db=None):
    return [(s["start"], s["end"]) for s in followup_json(home, fid, db=db)["slots"]]


def week_kinds(home, spans, db=None):
    """The kinds of the `week --format json` cells that overlap each span."""
    r = run(home, ["--format", "json", "week", "--weeks", "2"], db=db)
    check(r.rc == 0, "week", r)
    kinds = []
    for span in spans:
        cells = [c for d in json.loads(r.out)["days"] for c in d["cells"]
                 if c["start"] < span[1] and span[0] < c["end"]]
        check(cells != [], "the grid shows %r" % (span,), r)
        kinds.append({c["kind"] for c in cells})
    return kinds


class FaultProxy:
    """Forwards every request to a real server, and answers the Nth write
    (PUT or DELETE, counted from 1) with a 500 instead of passing it on
    (or calls on_fail, and never answers); fail=0 fails none. Counts the
    writes it saw."""

    def __init__(self, target):
        import http.server
        import threading
        proxy = self
        self.target = target
        self.fail = 0
        self.writes = 0
        self.on_fail = None  # called instead of answering the failing write
        self.before_write = None  # called with (method, path) before a write is passed on
        self.lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def handle_one(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n) if n else b""
                if self.command in ("PUT", "DELETE"):
                    with proxy.lock:
                        proxy.writes += 1
                        doomed = proxy.writes == proxy.fail
                    if doomed and proxy.on_fail is not None:
                        proxy.on_fail()
                        return
                    if doomed:
                        self.send_response(500)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    if proxy.before_write is not None:
                        proxy.before_write(self.command, self.path)
                headers = {k: v for k, v in self.headers.items()
                           if k.lower() not in ("host", "content-length", "connection",
                                                "accept-encoding")}
                status, rh, data = davservers.request(self.command, proxy.target + self.path,
                                                      body, headers)
                self.send_response(status)
                for k, v in rh.items():
                    if k not in ("content-length", "transfer-encoding", "connection", "date",
                                 "server"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = handle_one
            do_HEAD = do_POST = do_MKCALENDAR = handle_one

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = "http://127.0.0.1:%d" % self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def recorded_events(db):
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT url, kind FROM calendar_events").fetchall()
    finally:
        con.close()


def followup_states(db):
    if not os.path.exists(db):
        return []
    con = sqlite3.connect(db)
    try:
        return con.execute("SELECT id, state FROM followups ORDER BY id").fetchall()
    finally:
        con.close()


# Past NY_HOLDS_ORPHAN_AGE (include/notyet/holds.h) after NOW: the next
# sync's sweep may remove what a killed run left.
LATER = "2026-01-05T08:30:00Z"
KILLED = -9


def faulty(home, fault, args, now=NOW):
    """notyet under strace, one fault injected into its writes to the
    store's WAL only (-P): tests/cli/test_durability.py's harness, aimed
    at the store while the calendar's requests go through. The store is
    written at its commit, after the calendar writes of that command."""
    path = shutil.which("strace")
    if path is None:
        raise nytest.Skip("strace is not installed")
    cmd = [path, "-f", "-o", "/dev/null", "-P", home.db + "-wal", "-e", "trace=pwrite64",
           "-e", "inject=pwrite64:" + fault, nytest.BIN, "--config", home.config,
           "--now", now] + list(args)
    # LeakSanitizer cannot run under ptrace (it stops the process at exit
    # with a fatal error): the leak check is the other tests' job.
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = home.env({"ASAN_OPTIONS": (asan + ":" if asan else "") + "detect_leaks=0"})
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=120)
    return nytest.Result(p.returncode, p.stdout, p.stderr)


# Another [availability] grid than the default one (slot 20, grid 30):
# starts on 9:10, 9:35, 10:00, ... which overlap the default grid's 9:00,
# 9:30, ... from other starts.
OTHER_GRID = "\n[availability]\nslot_minutes=20\ngrid_minutes=25\n"
TRACE_RE = re.compile(r"^notyet: http: > ([A-Z]+) ", re.M)


def after_writes(r):
    """The methods of the requests a `-v -v` run made from its first PUT on."""
    methods = TRACE_RE.findall(r.err)
    return methods[methods.index("PUT"):] if "PUT" in methods else []


def overlapping(spans):
    for i, a in enumerate(spans):
        for b in spans[i + 1:]:
            if a[0] < b[1] and b[0] < a[1]:
                return (a, b)
    return None


def foreign_hold(start, end, store="0therst0re", grid="slot=20 grid=30"):
    """A hold as another notyet store writes it (UTC times)."""
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//notyet//EN\r\n"
            "BEGIN:VEVENT\r\nUID:foreign-%s@notyet\r\nDTSTAMP:20260105T080000Z\r\n"
            "DTSTART:%s\r\nDTEND:%s\r\nSTATUS:TENTATIVE\r\nTRANSP:OPAQUE\r\n"
            "SUMMARY:Hold\r\nCATEGORIES:notyet-hold\r\nX-NOTYET-FOLLOWUP:1\r\n"
            "X-NOTYET-STORE:%s\r\nX-NOTYET-GRID:%s\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            % (start, start, end, store, grid))


def make_tests(S):
    def test_reply_writes_one_hold_per_offered_time():
        home = S.home()
        r = reply(home, "Ann Roe")
        check(r.rc == 0, "reply", r)
        fid = offered_ids(r)
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        times = sorted(starts(t) for t in mine.values())
        check(times == sorted(slot_starts(home, fid)), "one hold per offered time: %r" % times)
        for t in mine.values():
            check(prop(t, "STATUS") == "TENTATIVE" and prop(t, "TRANSP") == "OPAQUE",
                  "tentative and opaque: %s" % t)
            check("Hold: call with Ann" in t, "the summary")

    def test_no_hold_and_dry_run_write_nothing():
        home = S.home()
        before = len(events_on(S.server, S.cal))
        r = reply(home, "Bo Roe", ["--no-hold"])
        check(r.rc == 0, "reply --no-hold", r)
        r = reply(home, "Cy Roe", ["--dry-run"])
        check(r.rc == 0, "reply --dry-run", r)
        check(len(events_on(S.server, S.cal)) == before, "nothing written")

    def test_book_turns_the_hold_into_the_invite():
        home = S.home()
        r = reply(home, "Di Roe", ["--email", "di@example.com"])
        fid = offered_ids(r)
        first = slot_starts(home, fid)[0]
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0, "book", r)
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        check(len(mine) == 1, "only the booked call is left: %r" % list(mine))
        text = next(iter(mine.values()))
        check(prop(text, "STATUS") == "CONFIRMED", "confirmed", text)
        check(starts(text) == first, "at the booked time")
        check("SCHEDULE-AGENT=CLIENT" in text, "the server sends nothing without --send")
        r = run(home, ["export", str(fid)])
        check(r.rc == 0, "export", r)
        inv = unfold(r.out)
        check(prop(inv, "UID") == prop(text, "UID"), "export's UID is the calendar's")
        check(prop(inv, "SEQUENCE") == prop(text, "SEQUENCE"), "and its SEQUENCE")
        # Rebooking moves the same event, SEQUENCE + 1.
        r = run(home, ["book", str(fid), "--slot", "2"])
        check(r.rc == 0, "rebook", r)
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        check(len(mine) == 1, "still one event")
        again = next(iter(mine.values()))
        check(prop(again, "UID") == prop(text, "UID"), "the same UID")
        check(int(prop(again, "SEQUENCE")) == int(prop(text, "SEQUENCE")) + 1, "SEQUENCE + 1")
        r = run(home, ["cancel", str(fid)])
        check(r.rc == 0, "cancel", r)
        left = ours(events_on(S.server, S.cal), home.db, fid)
        check(all(prop(t, "STATUS") == "CANCELLED" for t in left.values()),
              "nothing of it blocks the time: %r" % left)

    def test_nudge_moves_the_holds_and_expiry_removes_them():
        home = S.home()
        fid = offered_ids(reply(home, "Nia Roe"))
        before = events_on(S.server, S.cal)
        check(len(ours(before, home.db, fid)) == 2, "two holds")
        r = run(home, ["nudge", str(fid)])
        check(r.rc == 0, "nudge", r)
        new = set(slot_starts(home, fid))
        held = sorted(starts(t) for t in ours(events_on(S.server, S.cal), home.db, fid).values())
        check(held == sorted(new), "the holds are at the new times: %r %r" % (held, new))
        old_hrefs = set(ours(before, home.db, fid))
        check(not (old_hrefs & set(ours(events_on(S.server, S.cal), home.db, fid))),
              "the old holds are gone")
        # Eight days later the offer has expired: the next run removes its holds.
        later = ["--now", "2026-01-13T08:00:00Z"]
        r = ct.notyet(home, later + ["reply", "Oli Roe", "--no-hold"])
        check(r.rc == 0, "a later reply", r)
        check(ours(events_on(S.server, S.cal), home.db, fid) == {}, "expired: no hold left")

    def test_week_shows_the_holds_of_every_store_as_held():
        home = S.home()
        other_db = os.path.join(home.dir, "week-other.db")
        fid = offered_ids(reply(home, "Hal Roe"))
        held = slot_spans(home, fid)
        plain = slot_spans(home, offered_ids(reply(home, "Ida Roe", ["--no-hold"])))
        # This store: its own holds are held, an offer without holds offered.
        check(week_kinds(home, held) == [{"held"}, {"held"}], "held", held)
        check(week_kinds(home, plain) == [{"offered"}, {"offered"}], "offered", plain)
        # Another store, which recorded nothing: the holds it finds on the
        # calendar by their marks are held; the offer without holds is
        # nothing to it.
        check(week_kinds(home, held, db=other_db) == [{"held"}, {"held"}], "theirs held")
        for kinds in week_kinds(home, plain, db=other_db):
            check(not kinds & {"held", "offered", "busy"}, "no hold there: %r" % kinds)
        # Booked, the call is another store's busy time, no longer a hold.
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0, "book", r)
        booked, released = week_kinds(home, held)
        check(booked == {"booked"} and not released & {"held", "offered"}, "booked here",
              (booked, released))
        booked, released = week_kinds(home, held, db=other_db)
        check(booked == {"busy"} and not released & {"held", "offered", "busy"}, "busy there",
              (booked, released))

    def test_cancel_an_offer_removes_its_holds():
        home = S.home()
        fid = offered_ids(reply(home, "Ed Roe"))
        check(len(ours(events_on(S.server, S.cal), home.db, fid)) == 2, "two holds")
        r = run(home, ["cancel", str(fid)])
        check(r.rc == 0, "cancel", r)
        check(ours(events_on(S.server, S.cal), home.db, fid) == {}, "no hold left")

    def test_second_store_never_offers_held_times():
        home = S.home()
        other_db = os.path.join(home.dir, "other.db")
        fid = offered_ids(reply(home, "Flo Roe"))
        held = set(slot_starts(home, fid))
        r = reply(home, "Gus Roe", db=other_db)
        check(r.rc == 0, "the second store's reply", r)
        fid2 = offered_ids(r)
        theirs = set(followup_json(home, fid2, db=other_db)["slots"][i]["start"]
                     .replace("-", "").replace(":", "") for i in range(2))
        check(not (held & theirs), "other times: %r %r" % (held, theirs))

    def test_eight_replies_in_two_stores_never_offer_one_time_twice():
        home = S.home()
        dbs = [os.path.join(home.dir, "race-a.db"), os.path.join(home.dir, "race-b.db")]
        procs = []
        for i in range(8):
            argv = nytest.command(["--config", home.config, "--now", NOW, "--db", dbs[i % 2],
                                   "reply", "Race Roe %d" % i])
            procs.append(subprocess.Popen(argv, env=home.env(), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            results.append((p.returncode, out, err))
        ok = [r for r in results if r[0] == 0]
        for rc, out, err in results:
            check(rc == 0 or "another notyet held" in err or "locked" in err,
                  "a reply fails only by yielding to the other store: %r" % err)
        check(len(ok) >= 2, "some replies got through: %r" % results)
        offered = []
        for db in dbs:
            con = sqlite3.connect(db)
            try:
                offered += con.execute("SELECT start, end FROM followup_slots").fetchall()
            finally:
                con.close()
        check(len(offered) == 2 * len(ok), "two times per recorded reply: %r" % offered)
        for i, a in enumerate(offered):
            for b in offered[i + 1:]:
                check(not (a[0] < b[1] and b[0] < a[1]), "one time offered twice: %r" % offered)
        sids = {store_id(db) for db in dbs}
        held = [t for t in events_on(S.server, S.cal).values()
                if prop(t, "X-NOTYET-STORE") in sids]
        check(len(held) == len(offered), "one hold per offered time on the server")

    def test_the_default_grid_reads_nothing_after_its_writes():
        """Every store on the default grid: a hold's name is its claim, and
        the reply makes no request after its PUTs (bench/holds.py)."""
        # A holds calendar of its own: the other tests leave holds of
        # another grid on the shared one.
        S.server.mkcalendar(S.home_path + "holds-default/", "Holds Default")
        home = ct.make_home(S.server, S.server.base + "/", calendars="Work",
                            extra="holds=Holds Default\n")
        S.homes.append(home)
        with open(home.config, encoding="utf-8") as f:
            text = f.read()
        home.write_config(text.replace("[me]\n", "[me]\nname=Jane Doe\n", 1))
        for name in ("Dee Roe", "Del Roe"):
            r = run(home, ["-v", "-v", "reply", name])
            check(r.rc == 0, "reply", r)
            check(after_writes(r) == ["PUT", "PUT"], "two PUTs, no read: %r" % after_writes(r))
        # A second store on the default grid changes nothing.
        r = run(home, ["-v", "-v", "reply", "Dan Roe"], db=os.path.join(home.dir, "second.db"))
        check(r.rc == 0 and "grid" not in r.err, "another store, the same grid", r)
        check(after_writes(r) == ["PUT", "PUT"], "two PUTs, no read: %r" % after_writes(r))

    def test_another_grid_reads_once_after_its_writes():
        home = S.home(extra=OTHER_GRID)
        r = run(home, ["-v", "-v", "reply", "Dot Roe"])
        check(r.rc == 0, "reply", r)
        check(after_writes(r) == ["PUT", "PUT", "REPORT"],
              "two PUTs and one calendar-query: %r" % after_writes(r))
        fid = offered_ids(r)
        spans = slot_spans(home, fid)
        check(all((int(sp[0][11:13]) * 60 + int(sp[0][14:16])) % 25 == 0 for sp in spans),
              "on its own grid: %r" % spans)
        held = [t for t in ours(events_on(S.server, S.cal), home.db, fid).values()]
        check(len(held) == 2 and all(prop(t, "X-NOTYET-GRID") == "slot=20 grid=25" for t in held),
              "each hold names its grid: %r" % held)

    def test_another_stores_overlapping_hold_from_another_start_makes_a_reply_yield():
        """Between the lookup and the writes of a store on another grid,
        another store holds a time that overlaps its first one from another
        start (no name collision): the read after the writes sees it, the
        reply takes its holds back and picks again around it."""
        proxy = FaultProxy(S.server.base)
        injected = []
        try:
            home = S.home(url=proxy.base + "/", extra=OTHER_GRID)

            def inject(method, path):
                m = re.search(r"notyet-hold-(\d{8}T\d{6}Z)", path)
                if injected or method != "PUT" or m is None:
                    return
                start = m.group(1)
                hh, mm = int(start[9:11]), int(start[11:13])
                a = "%s%02d%02d00Z" % (start[:9], hh + (mm + 5) // 60, (mm + 5) % 60)
                b = "%s%02d%02d00Z" % (start[:9], hh + (mm + 25) // 60, (mm + 25) % 60)
                href = "%sforeign-%s.ics" % (S.cal, a)
                S.server.put(href, foreign_hold(a, b))
                injected.append((href, a, b))

            proxy.before_write = inject
            r = run(home, ["reply", "Gil Roe"])
            proxy.before_write = None
            check(r.rc == 0, "the reply picks again and succeeds", r)
            check(len(injected) == 1, "another store held a time meanwhile")
            href, a, b = injected[0]
            iso = lambda t: "%s-%s-%sT%s:%s:%sZ" % (t[:4], t[4:6], t[6:8], t[9:11], t[11:13],
                                                    t[13:15])
            spans = slot_spans(home, offered_ids(r))
            check(overlapping(spans + [(iso(a), iso(b))]) is None,
                  "its times keep clear of the other store's: %r %r" % (spans, (a, b)))
            sid = store_id(home.db)
            held = sorted(starts(t) for t in events_on(S.server, S.cal).values()
                          if prop(t, "X-NOTYET-STORE") == sid)
            check(held == sorted(sp[0].replace("-", "").replace(":", "") for sp in spans),
                  "only the holds of the times offered are left: %r" % held)
        finally:
            proxy.stop()
            for href, _, _ in injected:
                S.server.delete(href)

    def test_eight_replies_in_two_stores_on_two_grids_never_hold_overlapping_times():
        """Two stores whose grids differ race as the same-grid test does.
        Each has made one reply before (the documented limit is the very
        first race: the default-grid store has not yet seen the other
        grid), so both read after their writes."""
        home_a = S.home()
        home_b = S.home(extra=OTHER_GRID)
        r = reply(home_b, "Seed Bee")
        check(r.rc == 0, "the other grid's first reply", r)
        r = reply(home_a, "Seed Aye")
        check(r.rc == 0, "the default grid's first reply", r)
        check("another [availability] grid" in r.err and "same on every machine" in r.err,
              "the default-grid store says the grids differ", r)
        check(r.err.count("another [availability] grid") == 1, "one line", r)
        procs = []
        for i in range(8):
            home = (home_a, home_b)[i % 2]
            argv = nytest.command(["--config", home.config, "--now", NOW, "reply",
                                   "Grid Roe %d" % i])
            procs.append(subprocess.Popen(argv, env=home.env(), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        results = []
        for p in procs:
            out, err = p.communicate(timeout=120)
            results.append((p.returncode, out, err))
        for rc, out, err in results:
            check(rc == 0 or "another notyet held" in err or "locked" in err,
                  "a reply fails only by yielding to the other store: %r" % err)
        ok = [x for x in results if x[0] == 0]
        check(len(ok) >= 2, "some replies got through: %r" % results)
        offered = []
        for home in (home_a, home_b):
            con = sqlite3.connect(home.db)
            try:
                offered += con.execute("SELECT start, end FROM followup_slots").fetchall()
            finally:
                con.close()
        check(len(offered) == 2 * (len(ok) + 2), "two times per recorded reply: %r" % offered)
        check(overlapping(offered) is None,
              "no two offered times overlap: %r" % (overlapping(offered),))
        sids = {store_id(h.db) for h in (home_a, home_b)}
        held = [t for t in events_on(S.server, S.cal).values()
                if prop(t, "X-NOTYET-STORE") in sids]
        check(len(held) == len(offered), "one hold per offered time on the server")

    def test_a_hold_the_user_edited_is_left_alone():
        home = S.home()
        fid = offered_ids(reply(home, "Hal Roe"))
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        href, text = sorted(mine.items(), key=lambda kv: starts(kv[1]))[0]
        edited = text.replace("Hold: call with Hal", "Kept by me").replace("\n", "\r\n")
        edited = edited.replace("\r\r\n", "\r\n")
        davservers.request("PUT", S.server.base + href, edited,
                           {"Content-Type": "text/calendar"}, S.server.user, S.server.password)
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0, "book still books", r)
        check("left" in r.err and "alone" in r.err, "says what it left alone", r)
        now = events_on(S.server, S.cal)
        check(href in now and "Kept by me" in now[href], "the edit is kept")
        check(prop(now[href], "STATUS") == "TENTATIVE", "not overwritten")
        r = run(home, ["cancel", str(fid)])
        check(r.rc == 0, "cancel", r)
        check("Kept by me" in events_on(S.server, S.cal).get(href, ""), "never deleted")

    def edit_on_server(href, text, summary):
        """The user's client rewrites the event: a new SUMMARY and a start
        an hour later, notyet's X- properties kept."""
        edited = unfold(text).replace("\r\n", "\n")
        edited = re.sub(r"(?m)^SUMMARY:.*$", "SUMMARY:" + summary, edited)
        edited = re.sub(r"(?m)^(DTSTART[^:]*:\d{8}T)(\d\d)",
                        lambda m: m.group(1) + "%02d" % (int(m.group(2)) + 1), edited)
        edited = re.sub(r"(?m)^(DTEND[^:]*:\d{8}T)(\d\d)",
                        lambda m: m.group(1) + "%02d" % (int(m.group(2)) + 1), edited)
        status, _, _ = davservers.request("PUT", S.server.base + href,
                                          edited.replace("\n", "\r\n"),
                                          {"Content-Type": "text/calendar"}, S.server.user,
                                          S.server.password)
        check(status in (200, 201, 204), "the user's edit: %d" % status)
        return events_on(S.server, S.cal)[href]

    def user_deletes(href):
        """The user's client removes its event, so it keeps no time from
        the tests after this one."""
        davservers.request("DELETE", S.server.base + href, "", {}, S.server.user,
                           S.server.password)

    def test_a_hold_the_user_edited_survives_its_release_and_the_sweep():
        """A hold notyet finds edited is left alone when it is released
        (here: book the other slot) and stays the user's: the orphan sweep
        of a later run never deletes it."""
        home = S.home()
        fid = offered_ids(reply(home, "Hank Roe"))
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        href, text = sorted(mine.items(), key=lambda kv: starts(kv[1]))[1]
        kept = edit_on_server(href, text, "Dentist, moved by me")
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0 and "alone" in r.err, "book leaves the edited hold alone", r)
        try:
            for name, now in (("Ivo Roe", LATER), ("Ivy Roe", "2026-01-06T08:00:00Z")):
                r = run(home, ["reply", name, "--no-hold"], now=now)
                check(r.rc == 0, "a later run sweeps", r)
                check(events_on(S.server, S.cal).get(href) == kept,
                      "the user's edited event is there byte for byte after the sweep at " + now)
        finally:
            user_deletes(href)

    def test_a_booked_call_the_user_edited_survives_cancel_and_the_sweep():
        home = S.home()
        fid = offered_ids(reply(home, "Jai Roe"))
        check(run(home, ["book", str(fid), "--slot", "1"]).rc == 0, "book")
        href, text = next(iter((h, t) for h, t in
                               ours(events_on(S.server, S.cal), home.db, fid).items()
                               if prop(t, "STATUS") == "CONFIRMED"))
        kept = edit_on_server(href, text, "Call, my notes")
        try:
            r = run(home, ["cancel", str(fid)])
            check(r.rc == 0 and "alone" in r.err, "cancel leaves the edited call alone", r)
            r = run(home, ["reply", "Kai Roe", "--no-hold"], now=LATER)
            check(r.rc == 0, "a later run sweeps", r)
            check(events_on(S.server, S.cal).get(href) == kept,
                  "the user's edited call is there byte for byte after the sweep")
        finally:
            user_deletes(href)

    def test_an_event_at_a_holds_name_is_left_alone():
        """A hold's name is made of its time (the claim two stores race
        for); a cancelled event already there is never touched, and the
        hold takes the next name."""
        home = S.home()
        r = run(home, ["--format", "json", "slots"])
        check(r.rc == 0, "slots", r)
        first = json.loads(r.out)["slots"][0]["start"].replace("-", "").replace(":", "")
        href = "%snotyet-hold-%s.ics" % (S.cal, first)
        stamp = first.rstrip("Z")
        cancelled = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//user//EN\r\n"
                     "BEGIN:VEVENT\r\nUID:users-own-%s\r\nDTSTAMP:20260101T000000Z\r\n"
                     "DTSTART:%sZ\r\nDURATION:PT30M\r\nSTATUS:CANCELLED\r\n"
                     "SUMMARY:Mine\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % (stamp, stamp))
        status, _, _ = davservers.request("PUT", S.server.base + href, cancelled,
                                          {"Content-Type": "text/calendar"}, S.server.user,
                                          S.server.password)
        check(status in (201, 204), "the user's cancelled event: %d" % status)
        before = events_on(S.server, S.cal)[href]
        r = reply(home, "Uma Roe")
        check(r.rc == 0, "reply", r)
        fid = offered_ids(r)
        check(first in slot_starts(home, fid), "a cancelled event leaves the time free")
        evs = events_on(S.server, S.cal)
        check(evs.get(href) == before, "the cancelled event is as it was")
        mine = ours(evs, home.db, fid)
        at_first = [h for h, t in mine.items() if starts(t) == first]
        check(at_first == ["%snotyet-hold-%s-2.ics" % (S.cal, first)],
              "the hold took the next name: %r" % list(mine))

    def test_orphan_hold_of_this_store_is_swept_never_another_stores():
        home = S.home()
        db = home.db
        fid = offered_ids(reply(home, "Ida Roe"))
        check(len(ours(events_on(S.server, S.cal), home.db, fid)) == 2, "two holds written")
        # A notyet killed before its commit: the holds stay, no record owns them.
        con = sqlite3.connect(db)
        con.execute("DELETE FROM calendar_events WHERE followup_id = ?", (fid,))
        con.commit()
        con.close()
        other_db = os.path.join(home.dir, "other2.db")
        fid2 = offered_ids(reply(home, "Jo Roe", db=other_db))
        # Minutes later, a run of the first store sweeps its own orphans only.
        later = ["--now", "2026-01-05T08:30:00Z"]
        r = ct.notyet(home, later + ["reply", "Kim Roe", "--no-hold"])
        check(r.rc == 0, "a later reply", r)
        evs = events_on(S.server, S.cal)
        check(ours(evs, home.db, fid) == {}, "its orphans are gone")
        check(len(ours(evs, other_db, fid2)) == 2, "the other store's holds stay")

    def test_offline_write_is_a_usage_error():
        home = S.home()
        reply(home, "Lu Roe")  # fills the cache
        r = run(home, ["--offline", "reply", "Mo Roe"])
        nytest.check_usage_error(r, "--no-hold")
        r = run(home, ["--offline", "reply", "Mo Roe", "--no-hold"])
        check(r.rc == 0, "--offline --no-hold still replies", r)
        r = run(home, ["--offline", "slots"])
        check(r.rc == 0, "reading commands work offline", r)

    def consistent(home, proxy_base, what):
        """Every event the store records is on the server, as it says."""
        on_server = {urllib.parse.unquote(h): t for h, t in events_on(S.server, S.cal).items()}
        for url, kind in recorded_events(home.db):
            path = urllib.parse.unquote(url[len(proxy_base):])
            check(path in on_server, "%s: recorded %s %s is on the server" % (what, kind, url))
            status = prop(on_server[path], "STATUS")
            check(status == ("TENTATIVE" if kind == "hold" else "CONFIRMED"),
                  "%s: %s is a %s on the server" % (what, url, kind))

    def settled(home, base, what):
        """Nothing recorded that is not on the server (consistent()), and
        nothing of this store on the server that keeps a time and that no
        record owns."""
        consistent(home, base, what)
        recorded = {urllib.parse.unquote(u[len(base):]) for u, _ in recorded_events(home.db)}
        sid = store_id(home.db)
        for href, t in events_on(S.server, S.cal).items():
            if prop(t, "X-NOTYET-STORE") == sid and prop(t, "STATUS") != "CANCELLED":
                check(urllib.parse.unquote(href) in recorded,
                      "%s: %s on the server is owned by a record" % (what, href))

    def confirmed(home, fid):
        return [t for t in ours(events_on(S.server, S.cal), home.db, fid).values()
                if prop(t, "STATUS") == "CONFIRMED"]

    def test_reply_killed_between_the_holds_and_the_commit():
        home = S.home()
        check(reply(home, "Quin Roe").rc == 0, "a first reply makes the store")
        before = followup_states(home.db)
        r = faulty(home, "signal=KILL:when=1", ["reply", "Rae Roe"])
        check(r.rc == KILLED and r.out == "", "killed at the store's commit, no letter", r)
        check(followup_states(home.db) == before, "nothing recorded")
        recorded = {urllib.parse.unquote(u) for u, _ in recorded_events(home.db)}
        sid = store_id(home.db)
        left = [h for h, t in events_on(S.server, S.cal).items()
                if prop(t, "X-NOTYET-STORE") == sid and
                urllib.parse.unquote(S.server.base + h) not in recorded]
        check(len(left) == 2, "its two holds were written before the commit: %r" % left)
        r = run(home, ["reply", "Sue Roe", "--no-hold"], now=LATER)
        check(r.rc == 0, "the next run", r)
        settled(home, S.server.base, "reply killed before its commit, after the next sync")

    def test_an_unrecorded_hold_the_user_edited_is_never_swept():
        """A reply killed before its commit leaves two holds no record owns;
        the user edits one of them on the server before any sync of this
        store has seen it. The next run sweeps the other one only: the
        edited event no longer has the X-NOTYET-DIGEST it was written with
        (doc/calendar-writes.md, "Left to the user"), whatever the server
        did to the text it was given."""
        edits = [
            ("a new summary", lambda t: re.sub(r"(?m)^SUMMARY:.*$", "SUMMARY:Mine now", t)),
            ("a new start", lambda t: re.sub(
                r"(?m)^(DTSTART[^:]*:\d{8}T)(\d\d)",
                lambda m: m.group(1) + "%02d" % (int(m.group(2)) - 1), t)),
            ("a description added", lambda t: t.replace(
                "END:VEVENT", "DESCRIPTION:bring the papers\nEND:VEVENT")),
        ]
        home = S.home()
        check(reply(home, "Edi Roe").rc == 0, "a first reply makes the store")
        sid = store_id(home.db)
        kept = []
        try:
            for what, change in edits:
                recorded = {urllib.parse.unquote(u) for u, _ in recorded_events(home.db)}
                before = set(events_on(S.server, S.cal))
                r = faulty(home, "signal=KILL:when=1", ["reply", "Eli Roe"])
                check(r.rc == KILLED and r.out == "", what + ": killed at the commit", r)
                new = {h: t for h, t in events_on(S.server, S.cal).items()
                       if h not in before and prop(t, "X-NOTYET-STORE") == sid and
                       urllib.parse.unquote(S.server.base + h) not in recorded}
                check(len(new) == 2, what + ": two holds no record owns: %r" % list(new))
                edited_href, untouched_href = sorted(new)
                status, headers, _ = davservers.request("GET", S.server.base + edited_href, b"",
                                                        None, S.server.user, S.server.password)
                text = change(new[edited_href].replace("\r\n", "\n")).replace("\n", "\r\n")
                check(text != new[edited_href].replace("\n", "\r\n"), what + ": an edit")
                status, _, _ = davservers.request(
                    "PUT", S.server.base + edited_href, text,
                    {"Content-Type": "text/calendar", "If-Match": headers["etag"]},
                    S.server.user, S.server.password)
                check(status in (200, 201, 204), what + ": the user's edit: %d" % status)
                mine = events_on(S.server, S.cal)[edited_href]
                kept.append(edited_href)
                r = run(home, ["reply", "Ezra Roe", "--no-hold", "--new"], now=LATER)
                check(r.rc == 0, what + ": the next run", r)
                check("alone" in r.err, what + ": says what it left alone", r)
                now = events_on(S.server, S.cal)
                check(now.get(edited_href) == mine,
                      what + ": the edited event is there as the user left it")
                check(untouched_href not in now, what + ": the unedited orphan is swept")
                r = run(home, ["reply", "Ezra Roe", "--no-hold", "--new"], now=LATER)
                check(r.rc == 0 and "alone" not in r.err, what + ": said once", r)
                check(events_on(S.server, S.cal).get(edited_href) == mine,
                      what + ": still there after another sweep")
        finally:
            for href in kept:
                user_deletes(href)

    def book_killed_before_its_commit(name, next_name, slot, what):
        """`book --slot SLOT...` killed at the store's commit: its call is on
        the server, no record owns it; the next run removes it, and booking
        again works with nothing left alone."""
        home = S.home()
        fid = offered_ids(reply(home, name))
        before = followup_states(home.db)
        r = faulty(home, "signal=KILL:when=1", ["book", str(fid), "--slot"] + slot)
        check(r.rc == KILLED and r.out == "", "killed at the store's commit", r)
        check(followup_states(home.db) == before, "the store still says offered")
        check(len(confirmed(home, fid)) == 1, "the booked call was written before the commit")
        r = run(home, ["reply", next_name, "--no-hold"], now=LATER)
        check(r.rc == 0, "the next run", r)
        check(confirmed(home, fid) == [], "the booking that was never recorded is removed")
        settled(home, S.server.base, what + " killed before its commit, after the next sync")
        r = run(home, ["book", str(fid), "--slot"] + slot, now=LATER)
        check(r.rc == 0 and "alone" not in r.err, "booking again works, nothing left alone", r)
        check(len(confirmed(home, fid)) == 1, "one booked call")
        settled(home, S.server.base, "booked again")

    def test_book_killed_between_the_call_and_the_commit():
        book_killed_before_its_commit("Tea Roe", "Uli Roe", ["1"], "book")

    def test_book_killed_before_its_commit_and_run_again_at_once():
        """Run again before any sweep: the booked call the killed run made
        of the hold (this store's, this follow-up's, unrecorded) is taken
        over with If-Match, not left alone as if the user had changed it."""
        home = S.home()
        fid = offered_ids(reply(home, "Tab Roe"))
        r = faulty(home, "signal=KILL:when=1", ["book", str(fid), "--slot", "1"])
        check(r.rc == KILLED and r.out == "", "killed at the store's commit", r)
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0 and "alone" not in r.err, "booking again takes the call over", r)
        check(dict(followup_states(home.db))[fid] == "booked", "the booking is recorded")
        check(len(confirmed(home, fid)) == 1, "one booked call")
        settled(home, S.server.base, "book killed, then run again at once")
        r = run(home, ["cancel", str(fid)])
        check(r.rc == 0 and "alone" not in r.err, "cancel removes it: it is ours", r)
        check(confirmed(home, fid) == [], "no booked call after cancel")

    def test_book_killed_and_its_call_edited_before_it_runs_again():
        """As above, but the user edits the call the killed run wrote before
        booking again: it no longer has its digest, so it is the user's,
        left alone, never taken over."""
        home = S.home()
        fid = offered_ids(reply(home, "Tad Roe"))
        r = faulty(home, "signal=KILL:when=1", ["book", str(fid), "--slot", "1"])
        check(r.rc == KILLED and r.out == "", "killed at the store's commit", r)
        calls = {h: t for h, t in ours(events_on(S.server, S.cal), home.db, fid).items()
                 if prop(t, "STATUS") == "CONFIRMED"}
        check(len(calls) == 1, "the booked call was written before the commit")
        href, text = next(iter(calls.items()))
        edited = text.replace("\r\n", "\n").replace(
            "END:VEVENT", "DESCRIPTION:dial in from the car\nEND:VEVENT").replace("\n", "\r\n")
        status, _, _ = davservers.request("PUT", S.server.base + href, edited,
                                          {"Content-Type": "text/calendar"}, S.server.user,
                                          S.server.password)
        check(status in (200, 201, 204), "the user's edit: %d" % status)
        kept = events_on(S.server, S.cal)[href]
        try:
            r = run(home, ["book", str(fid), "--slot", "1"])
            check(r.rc == 0 and "alone" in r.err, "book leaves the edited call alone", r)
            check(events_on(S.server, S.cal).get(href) == kept, "the user's call as they left it")
        finally:
            user_deletes(href)

    def test_book_of_a_typed_time_killed_and_run_again_at_once():
        """The same for a typed time (no hold): the call's UID is made from
        the store and the follow-up, so the second run knows the call the
        first wrote; its time is not busy for it."""
        home = S.home()
        fid = offered_ids(reply(home, "Tam Roe"))
        slot = ["book", str(fid), "--slot", "2026-01-07T16:00:00Z", "--force"]
        r = faulty(home, "signal=KILL:when=1", slot)
        check(r.rc == KILLED and r.out == "", "killed at the store's commit", r)
        check(len(confirmed(home, fid)) == 1, "the booked call was written before the commit")
        r = run(home, slot)
        check(r.rc == 0 and "alone" not in r.err, "booking again takes the call over", r)
        check(dict(followup_states(home.db))[fid] == "booked", "the booking is recorded")
        calls = confirmed(home, fid)
        check(len(calls) == 1 and starts(calls[0]) == "20260107T160000Z",
              "one booked call, at that time: %r" % calls)
        settled(home, S.server.base, "typed book killed, then run again at once")

    def test_book_of_a_typed_time_killed_before_its_commit():
        """No hold to replace: the call is written at its UID, and no
        record owns it once the run is killed. The next sync removes it."""
        book_killed_before_its_commit("Tao Roe", "Uri Roe",
                                      ["2026-01-07T15:00:00Z", "--force"], "typed book")

    def test_book_killed_between_the_commit_and_the_other_holds_removal():
        proxy = FaultProxy(S.server.base)
        try:
            home = S.home(url=proxy.base + "/")
            fid = offered_ids(reply(home, "Vi Roe"))
            proxy.writes = 0
            proxy.fail = 2  # the PUT of the booked call, then the DELETE of the other hold
            argv = nytest.command(["--config", home.config, "--now", NOW, "book", str(fid),
                                   "--slot", "1"])
            p = subprocess.Popen(argv, env=home.env(), stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True)
            proxy.on_fail = lambda: os.kill(p.pid, signal.SIGKILL)
            p.communicate(timeout=120)
            proxy.fail = 0
            proxy.on_fail = None
            check(p.returncode == KILLED, "killed at the DELETE, after the commit")
            states = dict(followup_states(home.db))
            check(states[fid] == "booked", "the booking is recorded: %r" % states)
            check(len(ours(events_on(S.server, S.cal), home.db, fid)) == 2,
                  "the other hold is still there")
            r = run(home, ["reply", "Wyn Roe", "--no-hold"], now=LATER)
            check(r.rc == 0, "the next run", r)
            mine = ours(events_on(S.server, S.cal), home.db, fid)
            check([prop(t, "STATUS") for t in mine.values()] == ["CONFIRMED"],
                  "the next sync removed the other hold: %r" % list(mine))
            settled(home, proxy.base, "book killed after its commit, after the next sync")
        finally:
            proxy.stop()

    def test_book_with_a_store_that_cannot_commit_takes_the_call_back():
        home = S.home()
        fid = offered_ids(reply(home, "Xo Roe"))
        before = followup_states(home.db)
        held = ours(events_on(S.server, S.cal), home.db, fid)
        r = faulty(home, "error=ENOSPC:when=1+", ["book", str(fid), "--slot", "1"])
        check(r.rc == 1 and r.out == "", "the commit fails: exit 1", r)
        check(followup_states(home.db) == before, "the store still says offered")
        check(confirmed(home, fid) == [], "the booked call was taken back")
        now = ours(events_on(S.server, S.cal), home.db, fid)
        check(len(now) == 1 and set(now) < set(held), "the other hold stays: %r" % list(now))
        r = run(home, ["book", str(fid), "--slot", "1"])
        check(r.rc == 0 and "alone" not in r.err, "booking again works, nothing left alone", r)
        check(len(confirmed(home, fid)) == 1, "one booked call")
        settled(home, S.server.base, "booked again after a failed commit")

    def test_cancel_send_with_a_store_that_cannot_commit_is_finished_by_the_next():
        """The cancellation a server may have sent cannot be taken back, so
        cancel --send does not undo it (unlike book): it says so, and the
        next cancel finishes it without calling the call the user's."""
        home = S.home()
        fid = offered_ids(reply(home, "Yul Roe"))
        check(run(home, ["book", str(fid), "--slot", "1"]).rc == 0, "book")
        before = followup_states(home.db)
        r = faulty(home, "error=ENOSPC:when=1+", ["cancel", str(fid), "--send"])
        check(r.rc == 1 and r.out == "", "the commit fails: exit 1", r)
        check("cancel %d --send' again" % fid in r.err, "says to cancel again", r)
        check(followup_states(home.db) == before, "the store still says booked")
        mine = ours(events_on(S.server, S.cal), home.db, fid)
        check([prop(t, "STATUS") for t in mine.values()] == ["CANCELLED"],
              "the cancellation is on the calendar: %r" % list(mine))
        r = run(home, ["cancel", str(fid), "--send"])
        check(r.rc == 0 and "alone" not in r.err, "the next cancel finishes it", r)
        check(dict(followup_states(home.db))[fid] == "cancelled", "the store says cancelled")
        check(recorded_events(home.db) == [], "nothing recorded")
        con = sqlite3.connect(home.db)
        left = con.execute("SELECT count(*) FROM calendar_left").fetchone()[0]
        con.close()
        check(left == 0, "nothing taken for the user's")
        settled(home, S.server.base, "cancelled again after a failed commit")

    def test_a_failed_write_leaves_nothing_recorded_that_is_not_on_the_server():
        proxy = FaultProxy(S.server.base)
        try:
            # How many writes each command makes when nothing fails.
            plan = []
            for step in ("reply", "book", "cancel"):
                for k in range(1, 6):
                    plan.append((step, k))
            exercised = {}
            for step, k in plan:
                home = S.home(url=proxy.base + "/")
                proxy.fail = 0
                proxy.writes = 0
                if step != "reply":
                    fid = offered_ids(reply(home, "Pat Roe"))
                if step == "cancel":
                    check(run(home, ["book", str(fid), "--slot", "1"]).rc == 0, "book")
                before = followup_states(home.db)
                proxy.writes = 0
                proxy.fail = k
                if step == "reply":
                    r = reply(home, "Pat Roe")
                elif step == "book":
                    r = run(home, ["book", str(fid), "--slot", "2"])
                else:
                    r = run(home, ["cancel", str(fid)])
                proxy.fail = 0
                what = "%s, write %d of %d failing" % (step, k, proxy.writes)
                if proxy.writes < k:
                    check(r.rc == 0, what + ": no write failed", r)
                    continue
                exercised[step] = exercised.get(step, 0) + 1
                consistent(home, proxy.base, what)
                if r.rc != 0:
                    check(followup_states(home.db) == before, what + ": nothing recorded", r)
                    if step == "reply":
                        sid = store_id(home.db) if os.path.exists(home.db) else None
                        left = [t for t in events_on(S.server, S.cal).values()
                                if sid is not None and prop(t, "X-NOTYET-STORE") == sid]
                        check(left == [], what + ": no hold left behind", r)
                else:
                    check(r.rc == 0 and "not removed" in r.err,
                          what + ": a hold that stays is told", r)
            # reply writes 2 holds; book replaces one and deletes the
            # other; cancel deletes the booked call.
            check(exercised == {"reply": 2, "book": 2, "cancel": 1},
                  "every write failed once: %r" % exercised)
        finally:
            proxy.stop()

    return {k: v for k, v in locals().items() if k.startswith("test_")}


def cyrus_tests(S):
    """Only Cyrus of the three does RFC 6638 scheduling: these run there only."""

    def test_book_send_lets_the_server_invite():
        jane = address_of(S.server, "jane", "janepass")
        john = address_of(S.server, "john", "johnpass")
        home = S.home(me="name=Jane Doe\nemail=%s\n" % jane)
        # Cyrus schedules nothing for a call in the past (caldav_historical_age).
        future = "2027-01-04T08:00:00Z"
        for send in (False, True):
            before = inbox_items(S.server, "john", "johnpass")
            fid = offered_ids(reply(home, "John Roe", ["--email", john, "--new"], now=future))
            r = run(home, ["book", str(fid), "--slot", "1"] + (["--send"] if send else []),
                    now=future)
            check(r.rc == 0, "book", r)
            new = [h for h in inbox_items(S.server, "john", "johnpass") if h not in before]
            check(len(new) == (1 if send else 0),
                  "--send %s: %d invitations in John's Inbox" % (send, len(new)))

    return {k: v for k, v in locals().items() if k.startswith("test_")}


def address_of(server, user, password):
    """The principal's calendar-user-address-set (RFC 6638 2.4.1)."""
    body = ('<?xml version="1.0"?><D:propfind xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-user-address-set/>'
            '</D:prop></D:propfind>')
    status, _, data = davservers.request(
        "PROPFIND", "%s/dav/principals/user/%s/" % (server.base, user), body,
        {"Depth": "0", "Content-Type": "application/xml"}, user, password)
    check(status == 207, "principal PROPFIND: %d" % status)
    m = re.search(r"<D:href>mailto:([^<]+)</D:href>", data.decode())
    check(m is not None, "an address for %s" % user)
    return m.group(1)


def inbox_items(server, user, password):
    status, _, data = davservers.request(
        "PROPFIND", server.home(user) + "Inbox/", "",
        {"Depth": "1", "Content-Type": "application/xml"}, user, password)
    check(status == 207, "Inbox PROPFIND: %d" % status)
    return [h for h in re.findall(r"<D:href>([^<]+)</D:href>", data.decode())
            if h.endswith(".ics")]


def main(server, home_path):
    server.start()
    server.mkcalendar(home_path + "work/", "Work")
    server.mkcalendar(home_path + HOLDS_PATH, "Holds")
    S = Setup(server, home_path)
    try:
        tests = make_tests(S)
        if isinstance(server, davservers.Cyrus):
            tests.update(cyrus_tests(S))
        nytest.main(tests)
    finally:
        S.cleanup()
        server.cleanup()


if __name__ == "__main__":
    kind = os.environ.get("NOTYET_HOLDS_SERVER", "radicale")
    if kind == "xandikos":
        main(davservers.Xandikos(), "/user/calendars/")
    elif kind == "cyrus":
        why = davservers.Cyrus.available()
        if why is not None:
            print("1..0 # SKIP %s" % why)
            sys.exit(0)
        main(davservers.Cyrus(), "/dav/calendars/user/jane/")
    else:
        main(davservers.Radicale(), "/alice/")
