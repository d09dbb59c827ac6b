"""notyet against a real Xandikos (Debian's): generated ns0: prefixes, status
before prop, sync-token last, 500 on a bad token, and no recurrence
expansion on the server (so notyet must expand locally)."""
import caldavtest as ct
import davservers
from caldavtest import check

SERVER = davservers.Xandikos()
SERVER.start()
SERVER.mkcalendar("/user/calendars/work/", "Work")
ct.seed(SERVER, "/user/calendars/work/")
ROOT = SERVER.base + "/"


def with_home(calendars=None, url=ROOT):
    return ct.make_home(SERVER, url, calendars=calendars)


def test_discovery_from_bare_url():
    home = with_home()
    try:
        cals, r = ct.calendars_json(home)
        by_name = {c["name"]: c for c in cals}
        # --defaults creates /user/calendars/calendar/ as well.
        check("Work" in by_name and "calendar" in by_name, "both calendars found", r)
        check(by_name["Work"]["events"] == 6, "six events mirrored", r)
        check(by_name["Work"]["href"] == SERVER.base + "/user/calendars/work/", "href", r)
    finally:
        home.cleanup()


def test_calendar_url_directly():
    home = with_home(url=SERVER.base + "/user/calendars/work")
    try:
        cals, r = ct.calendars_json(home)
        check([c["name"] for c in cals] == ["Work"], "the calendar itself", r)
    finally:
        home.cleanup()


def test_weekly_series_expanded_locally():
    home = with_home(calendars="Work")
    try:
        cals, r = ct.calendars_json(home)
        check(sorted(c["name"] for c in cals if c["used"]) == ["Work"], "only Work used", r)
        busy = ct.busy_of(ct.notyet(home, ["--format", "json", "freebusy"] + ct.WINDOW))
        # Xandikos' own free-busy-query misses 01-26, 02-02 and 02-09.
        check(("2026-01-26T14:00:00Z", "2026-01-26T15:00:00Z") in busy, "weekly on 01-26")
        check(busy == ct.EXPECTED, "busy as doc/busy-rules.md says: %r" % busy)
        check(busy == ct.local_busy(), "same as the engine on the local files")
    finally:
        home.cleanup()


def test_second_sync_fetches_nothing_and_deletion_disappears():
    SERVER.mkcalendar("/user/calendars/scratch/", "Scratch")
    for name in ("oneoff.ics", "weekly.ics"):
        with open(ct.EVENTS + "/" + name, "rb") as f:
            SERVER.put("/user/calendars/scratch/" + name, f.read())
    home = with_home(calendars="Scratch")
    try:
        check(ct.sync_stats(home)["fetched"] == 2, "first sync")
        again = ct.sync_stats(home)
        check(again["fetched"] == 0 and again["unchanged"] == 1, "unchanged: %r" % again)
        check(again["requests"] == 1, "one request: %r" % again)
        SERVER.delete("/user/calendars/scratch/oneoff.ics")
        stats = ct.sync_stats(home)
        check(stats["deleted"] == 1 and stats["fetched"] == 0, "one deletion: %r" % stats)
        busy = ct.busy_of(ct.notyet(home, ["--format", "json", "freebusy"] + ct.WINDOW))
        check(("2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z") not in busy, "deleted gone")
        check(("2026-01-26T14:00:00Z", "2026-01-26T15:00:00Z") in busy, "weekly kept")
    finally:
        home.cleanup()


def test_first_sync_of_many_objects_in_one_query():
    SERVER.mkcalendar("/user/calendars/many/", "Many")
    for i in range(60):
        SERVER.put("/user/calendars/many/e%02d.ics" % i,
                   "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\n"
                   "BEGIN:VEVENT\r\nUID:many-%d@notyet-test\r\nDTSTAMP:20260101T000000Z\r\n"
                   "DTSTART:202602%02dT090000Z\r\nDTEND:202602%02dT093000Z\r\nEND:VEVENT\r\n"
                   "END:VCALENDAR\r\n" % (i, 1 + i % 28, 1 + i % 28))
    home = with_home(calendars="Many")
    try:
        stats = ct.sync_stats(home)
        # listing, sync-collection and one calendar-query instead of 2 multigets
        check(stats["fetched"] == 60, "all fetched: %r" % stats)
        check(stats["requests"] == 5, "3 discovery + sync-collection + calendar-query: %r" % stats)
        cals, r = ct.calendars_json(home)
        check([c["events"] for c in cals if c["used"]] == [60], "all mirrored", r)
        SERVER.delete("/user/calendars/many/e07.ics")
        stats = ct.sync_stats(home)
        check(stats["deleted"] == 1 and stats["fetched"] == 0, "then incremental: %r" % stats)
    finally:
        home.cleanup()


def test_refused_sync_token_resyncs_from_scratch():
    home = with_home(calendars="Work")
    try:
        ct.check_resync_from_scratch(home)  # Xandikos answers 500
    finally:
        home.cleanup()


def test_connections_reused_across_calendars():
    """One sync shares one connection pool: discovery's connection serves a
    calendar too, and no calendar opens more than it needs (Xandikos keeps
    connections alive; Radicale answers HTTP/1.0 and closes them)."""
    for i in range(3):
        path = "/user/calendars/extra%d/" % i
        SERVER.mkcalendar(path, "Extra %d" % i)
        ct.seed(SERVER, path)
    home = with_home()
    try:
        r = ct.notyet(home, ["-v", "-v", "calendars"])
        check(r.rc == 0, "synced", r)
        lines = r.err.splitlines()
        connects = sum("Connected to" in line for line in lines)
        reused = sum("Re-using existing connection" in line for line in lines)
        m = [line for line in lines if "calendars synced" in line]
        check(m and "5 calendars synced (0 unchanged)" in m[0], "five calendars", r)
        # Without sharing: one for discovery and one per calendar (6).
        check(1 <= connects <= 4, "at most one connection per parallel job (%d)" % connects, r)
        check(reused >= 1, "connections reused (%d)" % reused, r)
    finally:
        home.cleanup()
        for i in range(3):
            SERVER.delete("/user/calendars/extra%d/" % i)


def test_unknown_calendar_url():
    # Xandikos answers 207 with a 404 inside.
    home = with_home(url=SERVER.base + "/user/calendars/nope/")
    try:
        r = ct.notyet(home, ["calendars"])
        ct.check_one_error_line(r, "not found")
    finally:
        home.cleanup()


ct.run_tests(globals(), SERVER)
