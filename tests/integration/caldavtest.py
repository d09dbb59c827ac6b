"""Shared steps of the CalDAV integration scripts: configs, seeding, and the
checks both servers must pass."""
import glob
import json
import os
import re
import sqlite3
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "cli"))

import nytest  # noqa: E402
from nytest import check, run  # noqa: E402

EVENTS = nytest.fixture("dav", "events")
WINDOW = ["--from", "2026-01-05", "--to", "2026-02-16"]

# What doc/busy-rules.md gives for fixtures/dav/events in WINDOW (UTC):
# the weekly series expanded (EXDATE on 01-12, 01-19 moved to 01-20 16:00,
# COUNT=6 ends 02-09), transparent and cancelled free, all-day in UTC.
EXPECTED = [
    ("2026-01-05T09:00:00Z", "2026-01-05T10:00:00Z"),
    ("2026-01-05T14:00:00Z", "2026-01-05T15:00:00Z"),
    ("2026-01-08T00:00:00Z", "2026-01-09T00:00:00Z"),
    ("2026-01-09T14:00:00Z", "2026-01-09T15:00:00Z"),
    ("2026-01-20T16:00:00Z", "2026-01-20T17:00:00Z"),
    ("2026-01-26T14:00:00Z", "2026-01-26T15:00:00Z"),
    ("2026-02-02T14:00:00Z", "2026-02-02T15:00:00Z"),
    ("2026-02-09T14:00:00Z", "2026-02-09T15:00:00Z"),
]


def event_files():
    return sorted(glob.glob(os.path.join(EVENTS, "*.ics")))


def seed(server, cal_path):
    for f in event_files():
        with open(f, "rb") as fh:
            server.put(cal_path + os.path.basename(f), fh.read())


def make_home(server, url, calendars=None, password=None, extra=""):
    """A private HOME with a config for one caldav calendar [calendar work]."""
    home = nytest.Home()
    pw = server.password if password is None else password
    text = "[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\nurl=%s\n" % url
    if server.user:
        text += "username=%s\npassword_command=echo %s\n" % (server.user, pw)
    if calendars:
        text += "calendars=%s\n" % calendars
    text += extra
    home.write_config(text)
    return home


def notyet(home, args, timeout=60):
    return run(["--config", home.config] + list(args), home=home, timeout=timeout)


def busy_of(result):
    check(result.rc == 0, "freebusy exit 0", result)
    data = json.loads(result.out)
    return [(b["start"], b["end"]) for b in data["busy"]]


def local_busy():
    """What the engine computes from the same .ics files, without a server."""
    args = []
    for f in event_files():
        args += ["--ics", f]
    home = nytest.Home()
    try:
        home.write_config("[me]\ntimezone=UTC\n")
        return busy_of(notyet(home, args + ["--format", "json", "freebusy"] + WINDOW))
    finally:
        home.cleanup()


def calendars_json(home, extra=()):
    r = notyet(home, ["--format", "json", "calendars"] + list(extra))
    check(r.rc == 0, "calendars exit 0", r)
    return json.loads(r.out)["calendars"], r


def sync_stats(home):
    """Runs `calendars -v` and returns its sync numbers."""
    r = notyet(home, ["-v", "calendars"])
    check(r.rc == 0, "calendars -v exit 0", r)
    m = re.search(r"(\d+) requests, (\d+) calendars synced \((\d+) unchanged\), (\d+) fetched, "
                  r"(\d+) deleted", r.err)
    check(m is not None, "sync numbers on stderr", r)
    keys = ("requests", "calendars", "unchanged", "fetched", "deleted")
    stats = dict(zip(keys, (int(x) for x in m.groups())))
    stats["full_resync"] = "full resync" in r.err
    return stats


def spoil_sync_tokens(home):
    """Replaces every cached sync-token with one the server never issued."""
    path = os.path.join(home.dir, "cache", "notyet", "cache.db")
    db = sqlite3.connect(path)
    try:
        db.execute("UPDATE calendars SET sync_token = 'http://radicale.org/ns/sync/bogus' "
                   "WHERE sync_token IS NOT NULL")
        db.commit()
    finally:
        db.close()


def check_resync_from_scratch(home):
    """After a sync, spoils the sync tokens: the next sync, refused the
    token, resyncs from scratch, fetches nothing again (every ETag is
    cached) and leaves the mirror of the six seeded events whole."""
    sync_stats(home)
    spoil_sync_tokens(home)
    stats = sync_stats(home)
    check(stats["full_resync"], "full resync reported: %r" % stats)
    check(stats["fetched"] == 0, "every ETag is cached: nothing fetched again: %r" % stats)
    cals, r = calendars_json(home)
    check([c["events"] for c in cals if c["used"]] == [6], "mirror complete again", r)


def check_one_error_line(r, needle, status=1):
    check(r.rc == status, "exit %d expected" % status, r)
    check(r.out == "", "nothing on stdout on an error", r)
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("notyet: "), "one error line", r)
    check(needle in r.err, "stderr should mention %r" % needle, r)


def run_tests(namespace, server):
    """nytest.main, with the server always stopped afterwards."""
    try:
        nytest.main(namespace)
    finally:
        server.cleanup()
