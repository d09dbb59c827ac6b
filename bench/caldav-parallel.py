#!/usr/bin/env python3
"""Sequential vs parallel CalDAV sync against a local Radicale, by hand:

    bench/caldav-parallel.py PARALLEL_NOTYET SEQUENTIAL_NOTYET [CALENDARS] [EVENTS]
    SERVER=xandikos bench/caldav-parallel.py ...     (default: radicale)

Build the sequential binary with
    meson setup build-seq --buildtype=release -Dc_args=-DNY_CALDAV_MAX_PARALLEL=1

Starts Debian's radicale on loopback (tests/integration/davservers.py), makes
CALENDARS calendars (default 4) of EVENTS one-off events each (default 500),
then times `notyet calendars` with an empty cache (first sync: every object
fetched) and again (nothing changed: one request per calendar), best of 3.
"""
import os
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import davservers  # noqa: E402

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//bench//EN\r\nBEGIN:VEVENT\r\n"
         "UID:%s\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:2026%02d%02dT%02d0000Z\r\n"
         "DTEND:2026%02d%02dT%02d3000Z\r\nSUMMARY:bench %d\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def timed(binary, config, cache, runs, fresh):
    best = None
    for _ in range(runs):
        if fresh:
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(cache + suffix):
                    os.unlink(cache + suffix)
        t0 = time.monotonic()
        p = subprocess.run([binary, "-q", "--config", config, "calendars"], capture_output=True,
                           text=True, env=dict(os.environ, NOTYET_CACHE=cache))
        t = time.monotonic() - t0
        if p.returncode != 0:
            raise SystemExit("notyet failed: %s" % p.stderr)
        best = t if best is None or t < best else best
    return best


def main():
    par, seq = sys.argv[1], sys.argv[2]
    n_cals = int(sys.argv[3]) if len(sys.argv) > 3 else 4
    n_events = int(sys.argv[4]) if len(sys.argv) > 4 else 500
    tmp = tempfile.mkdtemp(prefix="notyet-bench-")
    xandikos = os.environ.get("SERVER") == "xandikos"
    with (davservers.Xandikos() if xandikos else davservers.Radicale()) as server:
        for c in range(n_cals):
            path = ("/user/calendars/cal%d/" if xandikos else "/" + server.user + "/cal%d/") % c
            server.mkcalendar(path, "Cal %d" % c)
            for i in range(n_events):
                m, d, h = 1 + i % 12, 1 + i % 28, 8 + i % 9
                server.put(path + "e%d.ics" % i,
                           EVENT % ("c%de%d" % (c, i), m, d, h, m, d, h, i))
        config = os.path.join(tmp, "config.ini")
        with open(config, "w") as f:
            f.write("[calendar work]\ntype=caldav\nurl=%s/\n" % server.base)
            if server.user:
                f.write("username=%s\npassword=%s\n" % (server.user, server.password))
        os.chmod(config, 0o600)
        cache = os.path.join(tmp, "cache.db")
        print("%s, %d calendars x %d events" % (server.name, n_cals, n_events))
        print("%-11s %10s %10s" % ("sync", "first s", "again s"))
        rows = {}
        for name, binary in (("sequential", seq), ("parallel", par)):
            first = timed(binary, config, cache, 3, True)
            again = timed(binary, config, cache, 3, False)
            rows[name] = (first, again)
            print("%-11s %10.3f %10.3f" % (name, first, again))
        s, p = rows["sequential"], rows["parallel"]
        print("parallel / sequential: first %.2f, again %.2f" % (p[0] / s[0], p[1] / s[1]))
    subprocess.run(["rm", "-rf", tmp])


main()
