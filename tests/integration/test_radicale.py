"""notyet against a real Radicale (Debian's), with Basic auth (htpasswd)."""
import caldavtest as ct
import davservers
from caldavtest import check

SERVER = davservers.Radicale(users={"alice": "secret1"})
SERVER.start()
SERVER.mkcalendar("/alice/work/", "Work")
SERVER.mkcalendar("/alice/family/", "Family")
ct.seed(SERVER, "/alice/work/")
SERVER.put("/alice/family/dinner.ics",
           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\nBEGIN:VEVENT\r\n"
           "UID:dinner@notyet-test\r\nDTSTAMP:20260101T000000Z\r\n"
           "DTSTART:20260106T180000Z\r\nDTEND:20260106T200000Z\r\nSUMMARY:Dinner\r\n"
           "END:VEVENT\r\nEND:VCALENDAR\r\n")
ROOT = SERVER.base + "/"


def with_home(calendars=None, password=None, url=ROOT):
    return ct.make_home(SERVER, url, calendars=calendars, password=password)


def test_discovery_from_bare_url():
    home = with_home()
    try:
        cals, r = ct.calendars_json(home)
        by_name = {c["name"]: c for c in cals}
        check({"Work", "Family"} <= set(by_name), "both calendars found", r)
        check(by_name["Work"]["used"] and by_name["Family"]["used"], "all used by default", r)
        check(by_name["Work"]["events"] == 6 and by_name["Family"]["events"] == 1,
              "event counts", r)
        check(by_name["Work"]["href"] == SERVER.base + "/alice/work/", "absolute href", r)
        check(by_name["Work"]["last_sync"] is not None, "last sync recorded", r)
    finally:
        home.cleanup()


def test_selected_calendar_busy_equals_local_engine():
    home = with_home(calendars="Work")
    try:
        cals, r = ct.calendars_json(home)
        used = sorted(c["name"] for c in cals if c["used"])
        check(used == ["Work"], "only Work used", r)
        r = ct.notyet(home, ["--format", "json", "freebusy"] + ct.WINDOW)
        busy = ct.busy_of(r)
        check(busy == ct.EXPECTED, "busy as doc/busy-rules.md says", r)
        check(busy == ct.local_busy(), "same as the engine on the local files", r)
    finally:
        home.cleanup()


def test_select_by_href():
    home = with_home(calendars="/alice/family/")
    try:
        r = ct.notyet(home, ["--format", "json", "freebusy"] + ct.WINDOW)
        check(ct.busy_of(r) == [("2026-01-06T18:00:00Z", "2026-01-06T20:00:00Z")],
              "only the family dinner", r)
    finally:
        home.cleanup()


def test_second_sync_fetches_nothing():
    home = with_home(calendars="Work")
    try:
        first = ct.sync_stats(home)
        check(first["fetched"] == 6, "first sync fetches all 6: %r" % first)
        second = ct.sync_stats(home)
        check(second["fetched"] == 0 and second["unchanged"] == 1,
              "second sync unchanged: %r" % second)
        # The calendar home is remembered: one PROPFIND lists the calendars
        # with their sync-tokens, and nothing else is asked.
        check(second["requests"] == 1, "one request: %r" % second)
    finally:
        home.cleanup()


def test_add_change_delete_only_changed_fetched():
    SERVER.mkcalendar("/alice/scratch/", "Scratch")
    for name in ("oneoff.ics", "allday.ics", "transparent.ics"):
        with open(ct.EVENTS + "/" + name, "rb") as f:
            SERVER.put("/alice/scratch/" + name, f.read())
    home = with_home(calendars="Scratch")
    try:
        check(ct.sync_stats(home)["fetched"] == 3, "first sync")
        with open(ct.EVENTS + "/oneoff.ics", encoding="utf-8") as f:
            moved = f.read().replace("20260105T09", "20260107T11").replace("20260105T10",
                                                                            "20260107T12")
        SERVER.put("/alice/scratch/oneoff.ics", moved)
        with open(ct.EVENTS + "/newyork.ics", "rb") as f:
            SERVER.put("/alice/scratch/newyork.ics", f.read())
        SERVER.delete("/alice/scratch/allday.ics")
        stats = ct.sync_stats(home)
        check(stats["fetched"] == 2 and stats["deleted"] == 1,
              "only the changed and added objects fetched: %r" % stats)
        r = ct.notyet(home, ["--format", "json", "freebusy"] + ct.WINDOW)
        check(ct.busy_of(r) == [("2026-01-07T11:00:00Z", "2026-01-07T12:00:00Z"),
                                ("2026-01-09T14:00:00Z", "2026-01-09T15:00:00Z")],
              "moved, added, and the deleted all-day gone", r)
    finally:
        home.cleanup()


def test_overlapped_lookup_answers_as_sequential():
    """Online, the answer is computed from the cache while the calendar
    listing is in flight (src/sources.c, sync_overlapped). On a calendar
    that changed it must be thrown away: two homes with the same cache, one
    looking up overlapped, one synced first and read after
    (NOTYET_LOOKUP_SEQUENTIAL=1), print the same bytes. A second calendar,
    Steady, does not change: only Differ is read again (the -v line says
    1 of 2), and Steady's part computed during the sync goes in its place;
    with nothing changed none is."""
    SERVER.mkcalendar("/alice/differ/", "Differ")
    SERVER.mkcalendar("/alice/steady/", "Steady")
    for name in ("oneoff.ics", "allday.ics", "transparent.ics", "weekly.ics"):
        with open(ct.EVENTS + "/" + name, "rb") as f:
            SERVER.put("/alice/differ/" + name, f.read())
    with open(ct.EVENTS + "/cancelled.ics", "rb") as f:
        SERVER.put("/alice/steady/cancelled.ics", f.read())
    SERVER.put("/alice/steady/lunch.ics",
               "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\n"
               "BEGIN:VEVENT\r\nUID:lunch@notyet-test\r\nDTSTAMP:20260101T000000Z\r\n"
               "DTSTART:20260109T120000Z\r\nDTEND:20260109T130000Z\r\nSUMMARY:Lunch\r\n"
               "END:VEVENT\r\nEND:VCALENDAR\r\n")
    homes = [with_home(calendars="Differ;Steady"), with_home(calendars="Differ;Steady")]
    args = ["-v", "--format", "json", "freebusy"] + ct.WINDOW
    seq = {"NOTYET_LOOKUP_SEQUENTIAL": "1"}
    try:
        for home in homes:
            check(ct.busy_of(ct.notyet(home, args)) == ct.busy_of(
                ct.notyet(home, args)), "two syncs, the second unchanged")
        with open(ct.EVENTS + "/oneoff.ics", encoding="utf-8") as f:
            moved = f.read().replace("20260105T09", "20260107T11").replace("20260105T10",
                                                                            "20260107T12")
        SERVER.put("/alice/differ/oneoff.ics", moved)
        with open(ct.EVENTS + "/newyork.ics", "rb") as f:
            SERVER.put("/alice/differ/newyork.ics", f.read())
        SERVER.delete("/alice/differ/allday.ics")
        for what in ("changed", "unchanged"):
            a = ct.run(["--config", homes[0].config] + args, home=homes[0])
            b = ct.run(["--config", homes[1].config] + args, home=homes[1], env=seq)
            check(a.rc == 0 and b.rc == 0, "%s: both exit 0" % what, a)
            # Only the overlapped lookup reads calendars again after its sync.
            again = [line for line in a.err.splitlines() if "read again after the sync" in line]
            a_err = "".join(line + "\n" for line in a.err.splitlines()
                            if "read again after the sync" not in line)
            want = ["notyet: calendar 'work': 1 of 2 calendars read again after the sync"]
            check(again == (want if what == "changed" else []),
                  "%s: Differ alone read again: %r" % (what, again), a)
            check(a.out == b.out and a_err == b.err,
                  "%s: overlapped and sequential print the same:\n%s%s---\n%s%s"
                  % (what, a.out, a_err, b.out, b.err))
            busy = ct.busy_of(a)
            check(("2026-01-07T11:00:00Z", "2026-01-07T12:00:00Z") in busy and
                  ("2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z") not in busy and
                  ("2026-01-08T00:00:00Z", "2026-01-09T00:00:00Z") not in busy,
                  "%s: the change is in the answer" % what, a)
            check(("2026-01-09T12:00:00Z", "2026-01-09T13:00:00Z") in busy,
                  "%s: the unchanged calendar is in the answer" % what, a)
    finally:
        for home in homes:
            home.cleanup()


def test_busy_memo_follows_the_calendar():
    """A calendar's busy time is kept with its objects (src/cache.c, the busy
    memo): the next lookup over the same day takes it, online when nothing
    changed and offline; a change the sync fetches is computed again."""
    SERVER.mkcalendar("/alice/memo/", "Memo")
    for name in ("oneoff.ics", "allday.ics"):
        with open(ct.EVENTS + "/" + name, "rb") as f:
            SERVER.put("/alice/memo/" + name, f.read())
    home = with_home(calendars="Memo")
    args = ["-v", "-v", "--format", "json", "freebusy"] + ct.WINDOW
    try:
        first = ct.notyet(home, args)
        check(first.rc == 0 and "busy time from the memo" not in first.err, "computed", first)
        for extra in ([], ["--offline"]):
            r = ct.notyet(home, extra + args)
            check(r.rc == 0 and "busy time from the memo" in r.err,
                  "from the memo %r" % extra, r)
            check(ct.busy_of(r) == ct.busy_of(first), "the same answer %r" % extra, r)
        with open(ct.EVENTS + "/oneoff.ics", encoding="utf-8") as f:
            moved = f.read().replace("20260105T09", "20260107T11").replace("20260105T10",
                                                                            "20260107T12")
        SERVER.put("/alice/memo/oneoff.ics", moved)
        # The answer from the memo while the sync runs, then the calendar
        # the sync changed computed again.
        r = ct.notyet(home, args)
        check(r.rc == 0 and "1 of 1 calendars read again after the sync" in r.err,
              "computed again", r)
        check(("2026-01-07T11:00:00Z", "2026-01-07T12:00:00Z") in ct.busy_of(r), "moved", r)
        again = ct.notyet(home, ["--offline"] + args)
        check("busy time from the memo" in again.err and ct.busy_of(again) == ct.busy_of(r),
              "the new answer kept", again)
    finally:
        home.cleanup()


def test_unchanged_lookup_writes_nothing():
    """A lookup the server answers with "nothing changed" leaves the cache
    file as it was (src/caldav.c, list_unchanged and NY_CALDAV_CONFIRM_GRAIN):
    no transaction, so no checkpoint and no fsync. A sync time older than
    the grain is still brought forward."""
    import os
    import sqlite3
    home = with_home(calendars="Work")
    path = os.path.join(home.dir, "cache", "notyet", "cache.db")
    args = ["-v", "--format", "json", "freebusy"] + ct.WINDOW
    try:
        for _ in range(2):
            check(ct.busy_of(ct.notyet(home, args)) == ct.EXPECTED, "synced")
        before = os.stat(path).st_mtime_ns
        r = ct.notyet(home, args)
        check(r.rc == 0 and "1 calendars synced (1 unchanged), 0 fetched" in r.err,
              "unchanged", r)
        check(ct.busy_of(r) == ct.EXPECTED, "the same answer", r)
        check(os.stat(path).st_mtime_ns == before, "the cache file was not written", r)
        db = sqlite3.connect(path)
        try:
            db.execute("UPDATE calendars SET last_sync = last_sync - 3600")
            db.commit()
            old = db.execute("SELECT max(last_sync) FROM calendars WHERE used").fetchone()[0]
        finally:
            db.close()
        r = ct.notyet(home, args)
        cals, r = ct.calendars_json(home, ["--offline"])
        synced = [c["last_sync"] for c in cals if c["used"]]
        db = sqlite3.connect(path)
        try:
            new = db.execute("SELECT max(last_sync) FROM calendars WHERE used").fetchone()[0]
        finally:
            db.close()
        check(new >= old + 3600, "an hour-old sync time is written again: %r" % synced, r)
    finally:
        home.cleanup()


def test_refused_sync_token_resyncs_from_scratch():
    home = with_home(calendars="Work")
    try:
        ct.check_resync_from_scratch(home)  # Radicale answers 403 valid-sync-token
    finally:
        home.cleanup()


def test_wrong_password():
    home = with_home(password="wrongpw")
    try:
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "authentication failed for 'alice@127.0.0.1': check username "
                                "and password_command")
        check("wrongpw" not in r.err and "secret1" not in r.err, "no password printed", r)
    finally:
        home.cleanup()


def test_failing_password_command():
    home = ct.make_home(SERVER, ROOT, extra="")
    try:
        # /bin/sh -c runs it; its stderr is summarised, never echoed.
        text = open(home.config).read().replace("password_command=echo secret1",
                                                "password_command=echo locked-vault >&2; exit 3")
        home.write_config(text)
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "calendar 'work': password_command exited with status 3")
        check("locked-vault" not in r.err, "the command's stderr is not shown", r)
    finally:
        home.cleanup()


def test_trace_redacts_credentials():
    home = with_home(calendars="Work")
    try:
        r = ct.notyet(home, ["-v", "-v", "calendars"])
        check(r.rc == 0, "exit 0", r)
        check("Authorization: [redacted]" in r.err, "the header is traced, redacted", r)
        check("secret1" not in r.err and "secret1" not in r.out, "no password", r)
        check("YWxpY2U6c2VjcmV0MQ" not in r.err, "no base64 credentials", r)
        check("User-Agent: notyet/" in r.err, "User-Agent names notyet", r)
    finally:
        home.cleanup()


def test_unknown_calendar_url():
    home = with_home(url=SERVER.base + "/alice/nope/")
    try:
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "not found")
    finally:
        home.cleanup()


def test_unknown_calendar_name():
    home = with_home(calendars="Nope")
    try:
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "no calendar 'Nope'")
        check("'Work'" in r.err, "names what exists", r)
    finally:
        home.cleanup()


def test_offline_before_any_sync():
    home = with_home(calendars="Work")
    try:
        r = ct.notyet(home, ["--offline", "freebusy"] + ct.WINDOW)
        ct.check_one_error_line(r, "nothing cached yet; run once without --offline")
    finally:
        home.cleanup()


def test_lookup_verbose_stats_clock_and_private_cache():
    """slots and freebusy show the -v sync numbers as calendars does (no
    progress line: stderr is not a terminal); the sync time is the real
    clock, never --now, and --offline measures the age against the real
    clock too; --db gives a private cache beside the store."""
    import os
    import re
    home = with_home(calendars="Work")
    try:
        db = os.path.join(home.dir, "own", "s.db")
        os.makedirs(os.path.dirname(db))
        base = ["--db", db, "--tz", "UTC"]
        r = ct.notyet(home, base + ["-v", "--now", "2026-01-05T09:00:00Z", "--format", "json",
                                    "freebusy"] + ct.WINDOW)
        check(r.rc == 0 and re.search(r"calendar 'work': \d+ requests, 1 calendars synced "
                                      r"\(0 unchanged\), 6 fetched", r.err), "freebusy -v", r)
        check("\r" not in r.err, "no progress line without a terminal", r)
        check(os.path.exists(os.path.join(home.dir, "own", "s.cache.db")), "private cache", r)
        r = ct.notyet(home, base + ["-v", "--now", "2026-01-05T09:00:00Z", "slots"])
        check(r.rc in (0, 3) and "1 requests, 1 calendars synced (1 unchanged), 0 fetched"
              in r.err, "slots -v: one request, nothing fetched", r)
        r = ct.notyet(home, base + ["--offline", "--now", "2026-01-05T10:30:00Z", "--format",
                                    "json", "freebusy"] + ct.WINDOW)
        check(r.rc == 0 and ct.busy_of(r) == ct.EXPECTED, "offline from the private cache", r)
        m = re.search(r"offline: from the cache of (\S+) \((\d+) minutes old\)", r.err)
        check(m is not None and not m.group(1).startswith("2026-01-05T09:00")
              and int(m.group(2)) < 60, "the real sync time and age, not --now's", r)
    finally:
        home.cleanup()


def test_lookup_progress_on_a_terminal():
    """With stderr on a terminal, a lookup shows the one-line sync progress
    and clears it before the answer."""
    import os
    import pty
    import subprocess
    import nytest
    home = with_home(calendars="Work")
    master, slave = pty.openpty()
    try:
        p = subprocess.run(nytest.command(["--config", home.config, "--tz", "UTC", "freebusy"] +
                                          ct.WINDOW), stdout=subprocess.PIPE, stderr=slave,
                           env=home.env(), timeout=60)
        os.close(slave)
        slave = None
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:
                break
            if not chunk:
                break
            err += chunk
        check(p.returncode == 0 and p.stdout, "answered", err)
        check(b"\r\x1b[Kwork: " in err, "progress naming the calendar", err)
        check(err.endswith(b"\r\x1b[K"), "the line is cleared at the end", err)
    finally:
        if slave is not None:
            os.close(slave)
        os.close(master)
        home.cleanup()


def test_zy_display_name_with_control_characters_shown_safely():
    """A display name is the server's text: a line break (&#10;) or a C1 control
    (U+009B, CSI on some terminals) in it is shown as '?' in the text listing, so
    the table keeps one line per calendar and nothing reaches the terminal as a
    command; JSON carries the name as it is, escaped by the JSON writer."""
    SERVER.mkcalendar("/alice/odd/", "Odd&#10;\u009b31mRed")
    home = with_home(calendars="Work")
    try:
        r = ct.notyet(home, ["calendars"])
        check(r.rc == 0, "listed", r)
        check("\u009b" not in r.out and "\x1b" not in r.out, "no control character", r)
        rows = [line for line in r.out.splitlines() if "/alice/odd/" in line]
        check(len(rows) == 1 and rows[0].split()[1] == "Odd??31mRed", "one row, '?' shown", r)
        text = r
        cals, r = ct.calendars_json(home)
        check("Odd\n\u009b31mRed" in [c["name"] for c in cals], "JSON keeps the name", r)
        check(len(text.out.splitlines()) == 1 + len(cals), "a header, one line a calendar", text)
    finally:
        home.cleanup()
        SERVER.delete("/alice/odd/")


def test_zz_server_stopped_then_offline():
    """Runs last (sorted by name): it stops the server."""
    home = with_home(calendars="Work")
    try:
        check(ct.sync_stats(home)["fetched"] == 6, "synced once")
        SERVER.stop()
        r = ct.notyet(home, ["calendars"], timeout=60)
        ct.check_one_error_line(r, "cannot connect")
        r = ct.notyet(home, ["--offline", "calendars"])
        check(r.rc == 0 and "from the cache, last synced" in r.out, "offline listing", r)
        r = ct.notyet(home, ["--offline", "--format", "json", "freebusy"] + ct.WINDOW)
        check(ct.busy_of(r) == ct.EXPECTED, "offline busy from the cache", r)
        check("offline: from the cache of 20" in r.err and "minutes old" in r.err,
              "says how old the answer is", r)
    finally:
        home.cleanup()


ct.run_tests(globals(), SERVER)
