#!/usr/bin/python3
"""What holds cost (doc/calendar-writes.md), run by hand:

    bench/holds.py NOTYET_BINARY [--objects 1000,20000] [--runs N]

For each size, Radicale (tests/integration/davservers.py, loopback, throwaway
storage) gets a busy calendar of that many objects from bench/gen-calendar.py
("large", cut to size, written straight into its storage as bench/caldav.py
does) and an empty Holds calendar; notyet is configured with
calendars=Bench and holds=Holds, and one `slots` fills its cache first.

  requests  `notyet -v -v reply NAME --new`: the HTTP requests in its
            trace, for --no-hold after --no-hold (nothing changed), a reply
            with holds after that (its two PUTs: each is the claim of its
            time, doc/calendar-writes.md "Two stores", so on the default
            grid nothing reads the holds calendar again; another grid adds
            one REPORT, "Two grids"), and the --no-hold after it (whose
            lookup syncs the two new holds).
  time      farm-bench, reply (A) against reply --no-hold (B) in turn, the
            ratio A/B pair by pair; every reply records a follow-up (--new)
            and A leaves two holds on the server, which the next lookup of
            either command syncs.

Target: at most 2 more requests and 1.5x the time of --no-hold.

Results (2026-12-06, 2 shared CPUs at load ~12, medians, doc/performance.md "Holds"):

  objects  requests --no-hold / holds   cpu --no-hold / holds (A/B)   wall (A/B)
  1,000    1 / 3 (PROPFIND PUT PUT)     0.116 s / 0.118 s (0.99)      0.68 s / 0.90 s (1.14)
  20,000   1 / 3 (PROPFIND PUT PUT)     0.135 s / 0.146 s (1.14)      4.12 s / 3.37 s (0.93)

Again on 2026-12-07 with X-NOTYET-GRID and X-NOTYET-DIGEST (1,000 objects, 5 runs):
1 / 3 requests as before; cpu A/B 1.03 (1.02 for the binary before the change).
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

from benchlib import bench_caldav, davservers

NOW = "2026-03-02T14:00:00Z"
TRACE_RE = re.compile(r"^notyet: http: > ([A-Z]+) ", re.M)


def requests_of(binary, config, db, extra):
    env = dict(os.environ, NOTYET_HTTP_TIMEOUT="300")
    p = subprocess.run([binary, "--config", config, "--db", db, "--now", NOW, "-v", "-v",
                        "reply", "Ann Roe", "--new"] + extra, capture_output=True, text=True,
                       env=env)
    if p.returncode != 0:
        raise SystemExit("reply %s failed: %s" % (" ".join(extra), p.stderr[-500:]))
    methods = TRACE_RE.findall(p.stderr)
    return len(methods), methods


def one_size(binary, n, objects, runs, tmp):
    server = davservers.Radicale()
    b = bench_caldav.Bench("radicale")
    b.server = server
    try:
        server.start()
        b.load(objects[:n])
        server.mkcalendar("/%s/holds/" % server.user, "Holds")
        config = os.path.join(tmp, "config-%d.ini" % n)
        db = os.path.join(tmp, "store-%d.db" % n)
        with open(config, "w") as f:
            f.write("[me]\nname=Bench User\ntimezone=UTC\n\n[calendar work]\ntype=caldav\nurl=%s/\n"
                    "username=%s\npassword_command=echo %s\ncalendars=Bench\nholds=Holds\n"
                    % (server.base, server.user, server.password))
        # A freshly loaded Radicale parses every item before its first
        # answer, past notyet's slow-transfer limit on a loaded machine
        # (bench/caldav.py's warm-up run): the first sync is tried again.
        for attempt in range(3):
            p = subprocess.run([binary, "--config", config, "--db", db, "--now", NOW, "slots"],
                               capture_output=True, text=True,
                               env=dict(os.environ, NOTYET_HTTP_TIMEOUT="300"))
            if p.returncode == 0:
                break
            print("first sync, try %d: %s" % (attempt + 1, p.stderr.strip()[-300:]))
        else:
            raise SystemExit("the first sync failed three times")
        # Requests: --no-hold after --no-hold (nothing changed: the floor),
        # a reply with holds after that (its own writes and re-check), and
        # --no-hold after it (the next lookup syncs the two new holds).
        requests_of(binary, config, db, ["--no-hold"])
        no_hold, m_no = requests_of(binary, config, db, ["--no-hold"])
        with_hold, m_with = requests_of(binary, config, db, [])
        after, m_after = requests_of(binary, config, db, ["--no-hold"])
        base = [binary, "--config", config, "--db", db, "--now", NOW, "reply", "Ann Roe", "--new"]
        fb = subprocess.run(["farm-bench", "-n", str(runs), "--timeout", "900", "--vs",
                             " ".join("'%s'" % a for a in base + ["--no-hold"]), "--"] + base,
                            capture_output=True, text=True)
        return {"objects": n, "no_hold_requests": no_hold, "no_hold_methods": m_no,
                "hold_requests": with_hold, "hold_methods": m_with,
                "after_requests": after, "after_methods": m_after,
                "farm_bench": fb.stdout + fb.stderr}
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--objects", default="1000,20000")
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    with tempfile.TemporaryDirectory(prefix="notyet-bench-holds-") as tmp:
        cal = os.path.join(tmp, "large.ics")
        bench_caldav.generate("large", cal)
        with open(cal, encoding="utf-8", newline="") as f:
            objects = bench_caldav.split_objects(f.read())
        for n in (int(x) for x in args.objects.split(",")):
            r = one_size(binary, n, objects, args.runs, tmp)
            print("== %d objects" % r["objects"])
            print("reply --no-hold: %d requests %s" % (r["no_hold_requests"],
                                                      " ".join(r["no_hold_methods"])))
            print("reply          : %d requests %s" % (r["hold_requests"],
                                                      " ".join(r["hold_methods"])))
            print("next --no-hold : %d requests %s" % (r["after_requests"],
                                                      " ".join(r["after_methods"])))
            print(r["farm_bench"])
            sys.stdout.flush()


if __name__ == "__main__":
    main()
