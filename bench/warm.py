#!/usr/bin/python3
"""The warm-lookup benchmark: what an online lookup with nothing changed
costs beyond the server's own answer, run by hand:

    bench/warm.py NOTYET_BINARY [--baseline OTHER_NOTYET] [--runs N]
                  [--server radicale|cyrus|both]

Needs Debian's radicale, and cyrus-imapd + cyrus-caldav + sasl2-bin run as
root for Cyrus (tests/integration/davservers.py starts both on 127.0.0.1, a
free port and throwaway storage, and stops them by PID). Build notyet the
way it ships (debugoptimized or release) first.

For each server the same data: a 1,000-object calendar "bench" (the first
940 one-off events and the 60 series of bench/gen-calendar.py medium, seed
1, one object per UID) and a small "personal" calendar of 12 events, both in
one calendar home that notyet discovers (without ORGANIZER and ATTENDEE,
which Cyrus checks across a series and busy time does not need here).
notyet syncs it twice (so the cache is warm and nothing has changed), and
then, in one run, each of these
commands is started N times (default 15) in turn - A B C D A B C D ... -
so a slow moment of a loaded machine hits every one alike:

  curl      the one request an unchanged lookup makes (read from notyet's
            own `-v -v` trace, with the body bench/caldav.py keeps in step
            with src/caldav.c), sent by curl on a new connection: the
            server's own time plus curl's start;
  online    `notyet slots`, nothing changed;
  offline   `notyet --offline slots`;
  floor     an empty C program linked with notyet's six
            libraries: glib/gio, libical, libxml2, libcurl, SQLite,
            json-glib: the process start and library loading notyet cannot
            go below;
  version   `notyet --version`;
and with --baseline the same online and offline lookups by that binary
(the code before a change, for before/after in the same run).

Each figure is the median wall time of the whole process (start to reaped),
in milliseconds; the min and max show the spread, and "cpu ms" is the
median user + sys time of the process and the children it waited for. The
last lines give the two ratios the lookups are judged by: online - curl
(ms), offline / floor, for the wall and for the CPU time. The machine's load
average is printed first: on a busy machine absolute times move, the
same-run medians, ratios and CPU times much less.

Measured 2026-12-07 (release builds, 2 shared CPUs at load 0.9, 21 runs; ms, wall
(cpu); "before" is main without the busy memo, "now" with it, in the same run):

                 curl        online before  online now    offline before  offline now    floor
  Radicale       81.5 (7.0)  63.6 (19.6)    63.5 (17.1)   16.2 (15.7)     12.5 (12.0)    9.9 (9.4)
  Cyrus           9.0 (6.0)  20.3 (18.6)    17.2 (14.6)   14.7 (14.3)     11.3 (11.0)    9.1 (8.8)

  online - curl: Radicale -18.0 ms, Cyrus +8.2 ms (target: within 10 ms)
  offline/floor: Radicale 1.26x (cpu 1.27x), Cyrus 1.24x (cpu 1.25x) (target: 1.3x)

The memo (doc/sync-and-cache.md, "The busy memo") takes the busy computation, most
of `--offline`'s own time, off a lookup that finds the calendars as they were.
Radicale answers slower than notyet computes, so the overlapped online lookup costs
the server's time. Earlier runs, and where the rest of the time goes, are in
doc/performance.md ("A warm lookup: online and `--offline`").
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

from benchlib import bench_caldav, davservers

NOW = "2026-03-02T14:00:00Z"
LIBS = ["gio-2.0", "glib-2.0", "libical", "libxml-2.0", "libcurl", "sqlite3", "json-glib-1.0"]
FLOOR_C = """
#include <gio/gio.h>
#include <libical/ical.h>
#include <libxml/parser.h>
#include <curl/curl.h>
#include <sqlite3.h>
#include <json-glib/json-glib.h>
/* One symbol of each library, never called: the libraries are loaded and
 * relocated at start, as notyet's are, and nothing else is done. */
void *volatile keep[] = {(void *)g_file_new_for_path, (void *)icalcomponent_new,
                         (void *)xmlReadMemory, (void *)curl_easy_init,
                         (void *)sqlite3_open_v2, (void *)json_builder_new};
int main(void) { return 0; }
"""

PERSONAL = """BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//notyet bench//EN\r
BEGIN:VEVENT\r
UID:personal-%(k)d@bench\r
DTSTAMP:20260101T000000Z\r
DTSTART:%(start)s\r
DTEND:%(end)s\r
SUMMARY:personal %(k)d\r
END:VEVENT\r
END:VCALENDAR\r
"""


class Failed(Exception):
    pass


def build_floor(tmp):
    src, exe = os.path.join(tmp, "floor.c"), os.path.join(tmp, "floor")
    with open(src, "w") as f:
        f.write(FLOOR_C)
    flags = subprocess.run(["pkg-config", "--cflags", "--libs"] + LIBS, check=True,
                           capture_output=True, text=True).stdout.split()
    subprocess.run(["cc", "-O2", "-o", exe, src, "-Wl,--as-needed"] + flags, check=True)
    return exe


def personal_objects():
    out = []
    for k in range(12):
        day = 2 + k % 10
        hour = 9 + k % 7
        out.append(("personal-%d" % k, PERSONAL % {
            "k": k, "start": "202603%02dT%02d0000Z" % (day, hour),
            "end": "202603%02dT%02d3000Z" % (day, hour)}))
    return out


def without_people(text):
    """The object without ORGANIZER and ATTENDEE (folded lines too): Cyrus
    refuses a series whose overrides name another organizer, and busy time
    does not depend on them here (no [me] emails)."""
    out, skipping = [], False
    for line in text.split("\r\n"):
        if line.startswith(" ") and skipping:
            continue
        skipping = line.startswith(("ORGANIZER", "ATTENDEE"))
        if not skipping:
            out.append(line)
    return "\r\n".join(out)


def bench_objects(tmp):
    path = os.path.join(tmp, "medium.ics")
    bench_caldav.generate("medium", path)
    with open(path, newline="") as f:
        objects = [(uid, without_people(text))
                   for uid, text in bench_caldav.split_objects(f.read())]
    series = [o for o in objects if not o[0].startswith("ev-")]
    one_offs = [o for o in objects if o[0].startswith("ev-")]
    return one_offs[:1000 - len(series)] + series


# --- the servers, loaded ----------------------------------------------------

def load_radicale(server, big, small):
    home = os.path.join(server.dir, "collections", "collection-root", server.user)
    if not os.path.isdir(home):
        raise Failed("radicale: no principal folder at %s" % home)
    for name, objects in (("bench", big), ("personal", small)):
        coll = os.path.join(home, name)
        os.mkdir(coll)
        with open(os.path.join(coll, ".Radicale.props"), "w") as f:
            json.dump({"tag": "VCALENDAR", "D:displayname": name,
                       "C:supported-calendar-component-set": "VEVENT"}, f)
        for uid, text in objects:
            with open(os.path.join(coll, bench_caldav.href_name(uid)), "w", newline="") as f:
                f.write(text)
    return server.base + "/"


def load_cyrus(server, big, small):
    home_path = "/dav/calendars/user/%s/" % server.user
    for name, objects in (("bench", big), ("personal", small)):
        server.mkcalendar(home_path + name + "/", name)
        for uid, text in objects:
            server.put(home_path + name + "/" + bench_caldav.href_name(uid), text)
    return server.home()


# --- timing -----------------------------------------------------------------

def once(argv, env):
    """(wall seconds, cpu seconds): the CPU time is user + sys of the
    process and the children it waited for (a password_command), which a
    loaded machine moves much less than the wall time."""
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE, env=env)
    err = p.stderr.read()
    p.stderr.close()
    _, status, usage = os.wait4(p.pid, 0)
    seconds = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode not in (0, 3):
        raise Failed("%s: exit %d: %s" % (argv[0], p.returncode,
                                          err.decode(errors="replace").strip()[-400:]))
    return seconds, usage.ru_utime + usage.ru_stime


def measure(commands, env, runs):
    """commands: [(label, argv)]; returns {label: [seconds]} for the wall
    and for the CPU time, in turn."""
    times = {label: [] for label, _ in commands}
    cpu = {label: [] for label, _ in commands}
    for label, argv in commands:  # one warm-up each
        once(argv, env)
    for _ in range(runs):
        for label, argv in commands:
            wall, used = once(argv, env)
            times[label].append(wall)
            cpu[label].append(used)
    return times, cpu


def ms(x):
    return "%.1f" % (x * 1000)


def bench_server(kind, args, big, small, floor, tmp):
    server = davservers.Radicale() if kind == "radicale" else davservers.Cyrus()
    try:
        server.start()
        url = (load_radicale if kind == "radicale" else load_cyrus)(server, big, small)
        work = os.path.join(tmp, kind)
        os.mkdir(work)
        config = os.path.join(work, "config.ini")
        with open(config, "w") as f:
            f.write("[me]\ntimezone=America/New_York\n\n[calendar work]\ntype=caldav\n"
                    "url=%s\nusername=%s\npassword_command=echo %s\n"
                    % (url, server.user, server.password))
        os.chmod(config, 0o600)
        env = dict(os.environ)
        for var in ("NOTYET_CACHE", "NOTYET_CONFIG", "NOTYET_DB"):
            env.pop(var, None)
        env["NOTYET_HTTP_TIMEOUT"] = "300"

        def notyet(binary, db, *rest):
            return [binary, "--config", config, "--db", os.path.join(work, db),
                    "--now", NOW] + list(rest)

        # Two syncs: the first fetches everything, the second must be one request.
        binaries = [("", args.binary)] + ([("base ", args.baseline)] if args.baseline else [])
        for prefix, binary in binaries:
            db = prefix.strip() + "notyet.db"
            for _ in range(2):
                once(notyet(binary, db, "slots"), env)
            r = subprocess.run(notyet(binary, db, "-v", "-v", "slots"), env=env,
                               capture_output=True, text=True)
            reqs = re.findall(r"^notyet: http: > ([A-Z]+) (\S+) HTTP/", r.stderr, re.M)
            if len(reqs) != 1:
                raise Failed("%s: an unchanged lookup sent %d requests: %r" % (binary, len(reqs),
                                                                               reqs))
        method, path = reqs[0]
        depth = re.search(r"^notyet: http: > Depth: (\S+)", r.stderr, re.M)
        target = server.base + path if path.startswith("/") else path
        body = os.path.join(work, "body.xml")
        with open(body, "w") as f:
            f.write(bench_caldav.PROPFIND_CALENDAR)
        curl = ["curl", "-s", "-f", "-o", "/dev/null", "-X", method, "-u",
                "%s:%s" % (server.user, server.password), "-H",
                "Depth: %s" % (depth.group(1) if depth else "1"), "-H",
                "Content-Type: application/xml; charset=utf-8", "--data-binary", "@" + body,
                target]
        commands = [("curl", curl), ("online", notyet(args.binary, "notyet.db", "slots")),
                    ("offline", notyet(args.binary, "notyet.db", "--offline", "slots")),
                    ("floor", [floor]), ("version", [args.binary, "--version"])]
        if args.baseline:
            commands += [("base online", notyet(args.baseline, "base.notyet.db", "slots")),
                         ("base offline", notyet(args.baseline, "base.notyet.db", "--offline",
                                                 "slots"))]
        times, cpu = measure(commands, env, args.runs)
        med = {k: statistics.median(v) for k, v in times.items()}
        cmed = {k: statistics.median(v) for k, v in cpu.items()}
        print("\n%s: %s %s, %d objects + %d, %d runs each, in turn" % (
            kind, method, path, len(big), len(small), args.runs))
        print("  %-13s %9s %9s %9s %9s" % ("", "median ms", "min", "max", "cpu ms"))
        for label, _ in commands:
            print("  %-13s %9s %9s %9s %9s" % (label, ms(med[label]), ms(min(times[label])),
                                                ms(max(times[label])), ms(cmed[label])))
        print("  online - curl:  %s ms (cpu %s ms)" % (ms(med["online"] - med["curl"]),
                                                      ms(cmed["online"] - cmed["curl"])))
        print("  offline/floor:  %.2fx (cpu %.2fx)" % (med["offline"] / med["floor"],
                                                       cmed["offline"] / cmed["floor"]))
        if args.baseline:
            print("  before: online - curl %s ms (cpu %s ms), offline/floor %.2fx (cpu %.2fx)" % (
                ms(med["base online"] - med["curl"]), ms(cmed["base online"] - cmed["curl"]),
                med["base offline"] / med["floor"], cmed["base offline"] / cmed["floor"]))
    finally:
        server.cleanup()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("binary")
    ap.add_argument("--baseline")
    ap.add_argument("--runs", type=int, default=15)
    ap.add_argument("--server", choices=("radicale", "cyrus", "both"), default="both")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    kinds = ["radicale", "cyrus"] if args.server == "both" else [args.server]
    if "cyrus" in kinds and davservers.Cyrus.available() is not None:
        print("cyrus: skipped: %s" % davservers.Cyrus.available())
        kinds.remove("cyrus")
    tmp = tempfile.mkdtemp(prefix="notyet-bench-warm-")
    try:
        print("load average %s (%d cores)" % (" ".join(
            "%.2f" % x for x in os.getloadavg()), os.cpu_count()))
        floor = build_floor(tmp)
        big, small = bench_objects(tmp), personal_objects()
        for kind in kinds:
            bench_server(kind, args, big, small, floor, tmp)
        print("load average %s" % " ".join("%.2f" % x for x in os.getloadavg()))
    except Failed as e:
        print("bench/warm.py: %s" % e, file=sys.stderr)
        return 1
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
