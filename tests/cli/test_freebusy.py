"""notyet freebusy: busy periods from --ics files and configured calendars."""
import json
import os
import shutil
import stat
import subprocess
import time

import nytest
from nytest import Home, Server, check, check_usage_error, fixture, run

NY = ["--tz", "America/New_York"]
GOOGLE = fixture("busy", "google.ics")


def test_json_exact():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-01", "--to", "2026-03-15",
                  "--format", "json"])
    check(r.rc == 0 and r.err == "", "exit 0, no warnings", r)
    got = json.loads(r.out)
    want = {
        "from": "2026-03-01T05:00:00Z", "to": "2026-03-15T04:00:00Z", "tz": "America/New_York",
        "busy": [
            {"start": "2026-03-02T18:00:00Z", "end": "2026-03-02T19:00:00Z"},
            {"start": "2026-03-09T19:00:00Z", "end": "2026-03-09T20:00:00Z"},
            {"start": "2026-03-12T17:00:00Z", "end": "2026-03-12T18:00:00Z"},
        ],
    }
    check(got == want, "json body", r)


def test_global_options_after_command():
    a = run(NY + ["--ics", GOOGLE, "freebusy", "--from", "2026-03-01", "--to", "2026-03-15",
                  "--format", "json"])
    b = run(["freebusy", "--from", "2026-03-01", "--to", "2026-03-15", "--format", "json"] + NY +
            ["--ics", GOOGLE])
    check(a.rc == 0 and a.out == b.out, "same output", b)


def test_text_local_times():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-01", "--to", "2026-03-15"])
    check(r.rc == 0, "exit 0", r)
    want = ("Mon 2026-03-02 13:00 - 14:00 EST\n"
            "Mon 2026-03-09 15:00 - 16:00 EDT\n"
            "Thu 2026-03-12 13:00 - 14:00 EDT\n")
    check(r.out == want, "text output", r)


def test_text_other_zone():
    r = run(["--tz", "Europe/Berlin", "freebusy", "--ics", GOOGLE, "--from", "2026-03-02",
             "--to", "2026-03-03"])
    check(r.rc == 0 and r.out == "Mon 2026-03-02 19:00 - 20:00 CET\n", "berlin text", r)


def test_text_across_a_dst_change():
    """An hour that starts in EDT and ends in EST names both zones: the
    wall clock shows 01:30 twice."""
    home = Home()
    try:
        ics = nytest.write(os.path.join(home.dir, "dst.ics"),
                           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:d@t\r\n"
                           "DTSTART:20261101T053000Z\r\nDTEND:20261101T063000Z\r\n"
                           "END:VEVENT\r\nEND:VCALENDAR\r\n")
        r = run(NY + ["freebusy", "--ics", ics, "--from", "2026-10-31", "--to", "2026-11-03"],
                home=home)
        check(r.rc == 0 and r.out == "Sun 2026-11-01 01:30 EDT - 01:30 EST\n", "both zones", r)
    finally:
        home.cleanup()


def test_text_free():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2027-01-01", "--to", "2027-01-02"])
    check(r.rc == 0 and r.out == "(no busy periods)\n", "free window", r)


def test_default_window_is_horizon():
    r = run(NY + ["--now", "2026-12-07T14:00:00Z", "freebusy", "--ics", fixture("demo.ics"),
                  "--format", "json"])
    check(r.rc == 0, "exit 0", r)
    got = json.loads(r.out)
    check(got["from"] == "2026-12-07T14:00:00Z" and got["to"] == "2026-12-21T14:00:00Z",
          "now .. now + 14 days", r)
    check(len(got["busy"]) > 10, "the demo calendar is busy every week", r)
    check(all(p["start"] < p["end"] for p in got["busy"]), "non-empty periods", r)


def test_demo_busy_in_far_future():
    r = run(NY + ["freebusy", "--ics", fixture("demo.ics"), "--from", "2031-06-02",
                  "--to", "2031-06-03"])
    check(r.rc == 0 and "09:30 - 09:45 EDT" in r.out and "13:00 - 14:00 EDT" in r.out,
          "open-ended series still busy", r)


def test_two_sources_merge():
    r = run(NY + ["freebusy", "--ics", fixture("busy", "merge.ics"), "--ics",
                  fixture("busy", "oneoff.ics"), "--from", "2026-03-02T00:00:00Z",
                  "--to", "2026-03-03T00:00:00Z", "--format", "json"])
    check(r.rc == 0, "exit 0", r)
    busy = json.loads(r.out)["busy"]
    check(busy == [{"start": "2026-03-02T00:00:00Z", "end": "2026-03-02T01:00:00Z"},
                   {"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T16:00:00Z"}],
          "merged", r)


def test_vdir_from_config():
    home = Home()
    try:
        vdir = os.path.join(home.dir, "vdir")
        os.makedirs(vdir)
        shutil.copy(fixture("busy", "oneoff.ics"), os.path.join(vdir, "a.ics"))
        shutil.copy(fixture("busy", "status.ics"), os.path.join(vdir, "b.ics"))
        with open(os.path.join(vdir, "notes.txt"), "w") as f:
            f.write("not a calendar\n")
        home.write_config("[me]\nemail=jane@example.com\ntimezone=America/New_York\n\n"
                          "[calendar local]\ntype=vdir\npath=%s\n" % vdir)
        r = run(["freebusy", "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-04T00:00:00Z",
                 "--format", "json"], home=home)
        check(r.rc == 0, "exit 0", r)
        busy = json.loads(r.out)["busy"]
        check(busy == [{"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T15:00:00Z"},
                       {"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T15:30:00Z"},
                       {"start": "2026-03-03T16:00:00Z", "end": "2026-03-03T17:00:00Z"}],
              "vdir busy", r)
        # --ics replaces the configured calendars.
        r = run(["freebusy", "--ics", GOOGLE, "--from", "2026-03-02", "--to", "2026-03-03",
                 "--format", "json"], home=home)
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 1, "--ics wins", r)
    finally:
        home.cleanup()


def test_ics_file_from_config():
    home = Home()
    try:
        home.write_config("[calendar g]\ntype=ics\npath=%s\n" % GOOGLE)
        r = run(NY + ["freebusy", "--from", "2026-03-01", "--to", "2026-03-15",
                      "--format", "json"], home=home)
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 3, "ics from config", r)
    finally:
        home.cleanup()


def test_warnings_and_quiet():
    args = NY + ["freebusy", "--ics", fixture("busy", "unknown-tzid.ics"), "--from",
                 "2026-03-01", "--to", "2026-03-08"]
    r = run(args)
    check(r.rc == 0 and r.out.count("\n") == 3, "busy still shown", r)
    check("notyet: warning: " in r.err and "Nowhere/Nope" in r.err and "nowhere-1" in r.err,
          "warning names the TZID and the UID", r)
    q = run(args + ["-q"])
    check(q.rc == 0 and q.err == "" and q.out == r.out, "-q silences warnings", q)


def test_warning_never_shows_summary():
    r = run(NY + ["freebusy", "--ics", fixture("busy", "broken.ics"), "--from", "2026-03-01",
                  "--to", "2026-03-08"])
    check(r.rc == 0 and "bad-dtstart" in r.err, "broken event warned", r)
    r = run(NY + ["freebusy", "--ics", fixture("busy", "oneoff.ics"), "--from", "2026-03-01",
                  "--to", "2026-03-08", "--format", "json", "-v", "-v"])
    check("Secret title" not in r.out + r.err, "no SUMMARY in any output", r)


def _Server():
    """A loopback HTTP server for fixtures/busy, as an ics feed."""
    return Server(fixture("busy"))


def test_ics_feed_over_http():
    with _Server() as base:
        r = run(NY + ["freebusy", "--ics", base + "google.ics", "--from", "2026-03-01",
                      "--to", "2026-03-15", "--format", "json"])
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 3, "feed read", r)
        r = run(NY + ["freebusy", "--ics", base + "missing.ics", "--from", "2026-03-01",
                      "--to", "2026-03-15"])
        check(r.rc == 1 and r.out == "" and "missing.ics" in r.err, "404 is exit 1", r)
        r = run(NY + ["--offline", "freebusy", "--ics", base + "google.ics"])
        check(r.rc == 1 and "--offline" in r.err, "no feed offline", r)


def test_missing_file_exit_1():
    r = run(["freebusy", "--ics", "/nonexistent/cal.ics"])
    check(r.rc == 1 and r.out == "" and "/nonexistent/cal.ics" in r.err, "exit 1 naming it", r)


def test_not_icalendar_exit_1():
    r = run(["freebusy", "--ics", fixture("busy", "cases.txt")])
    check(r.rc == 1 and r.out == "" and "no iCalendar data" in r.err, "exit 1", r)


def test_missing_vdir_exit_1():
    home = Home()
    try:
        home.write_config("[calendar v]\ntype=vdir\npath=%s/none\n" % home.dir)
        r = run(["freebusy"], home=home)
        check(r.rc == 1 and r.out == "" and "none" in r.err, "exit 1 naming the folder", r)
    finally:
        home.cleanup()


def test_no_source_exit_2():
    check_usage_error(run(["freebusy"]), "--ics")


def test_from_after_to_exit_2():
    check_usage_error(run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-05",
                                "--to", "2026-03-01"]), "--from")


def test_bad_time_exit_2():
    check_usage_error(run(["freebusy", "--ics", GOOGLE, "--from", "tomorrow"]), "tomorrow")


def test_extra_argument_exit_2():
    check_usage_error(run(["freebusy", "--ics", GOOGLE, "extra"]), "extra")


def big_calendar(path, hour=9, extra=""):
    """Over 64 KiB, so it goes through the cache: 600 one-off events over
    2025-2026 in a VTIMEZONE zone, a weekly series with an override and an
    EXDATE, and an event without DTSTART (a warning naming its UID)."""
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//notyet//tests//EN",
           "BEGIN:VTIMEZONE", "TZID:Office", "BEGIN:STANDARD", "DTSTART:19700101T000000",
           "TZOFFSETFROM:+0100", "TZOFFSETTO:+0100", "END:STANDARD", "END:VTIMEZONE"]
    for i in range(600):
        day = 1 + i % 28
        month = 1 + (i // 28) % 12
        year = 2025 + (i // 336)
        out += ["BEGIN:VEVENT", "UID:e%d@big" % i, "DTSTAMP:20250101T000000Z",
                "DTSTART;TZID=Office:%04d%02d%02dT%02d0000" % (year, month, day, hour),
                "DTEND;TZID=Office:%04d%02d%02dT%02d3000" % (year, month, day, hour),
                "SUMMARY:private title %d" % i, "END:VEVENT"]
    out += ["BEGIN:VEVENT", "UID:weekly@big", "DTSTART;TZID=Office:20260302T150000",
            "DTEND;TZID=Office:20260302T160000", "RRULE:FREQ=WEEKLY",
            "EXDATE;TZID=Office:20260309T150000", "END:VEVENT",
            "BEGIN:VEVENT", "UID:broken@big", "SUMMARY:no start", "END:VEVENT"]
    out += extra.splitlines()
    out += ["BEGIN:VEVENT", "UID:weekly@big", "RECURRENCE-ID;TZID=Office:20260316T150000",
            "DTSTART;TZID=Office:20260317T120000", "DTEND;TZID=Office:20260317T130000",
            "END:VEVENT", "END:VCALENDAR", ""]
    with open(path, "w") as f:
        f.write("\r\n".join(out))
    check(os.path.getsize(path) > 64 * 1024, "big enough for the cache")


def test_file_cache_warm_equals_cold():
    """The second lookup reads only the objects that can meet the window and
    gives the same answer and warnings; a changed file is read again."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "big.ics")
        big_calendar(cal)
        args = ["--tz", "UTC", "-v", "freebusy", "--ics", cal, "--from", "2026-03-01",
                "--to", "2026-03-22", "--format", "json"]
        cold = run(args, home=h)
        check(cold.rc == 0 and "read whole, cached as" in cold.err, "cold: read whole", cold)
        check("broken@big" in cold.err, "cold: the warning names the UID", cold)
        warm = run(args, home=h)
        check(warm.rc == 0 and warm.out == cold.out, "warm: same answer", warm)
        check("unchanged, from the cache" in warm.err, "warm: from the cache", warm)
        check("broken@big" in warm.err, "warm: the warning still names the UID", warm)
        check("private title" not in warm.err + warm.out, "no titles", warm)
        got = json.loads(warm.out)["busy"]
        starts = [b["start"] for b in got]
        # 2026-03-02 15:00 +01 series, 03-09 excluded, 03-16 moved to 03-17 12:00.
        check("2026-03-02T14:00:00Z" in starts and "2026-03-09T14:00:00Z" not in starts and
              "2026-03-16T14:00:00Z" not in starts and "2026-03-17T11:00:00Z" in starts,
              "series, EXDATE and override through the cache", got)
        n_read = int(warm.err.split("from the cache: ")[1].split(" of ")[0])
        total = int(warm.err.split(" of ")[1].split(" objects")[0])
        check(0 < n_read < total / 10, "only objects near the window read (%d of %d)" %
              (n_read, total), warm)
        # Changed: one more event, same size class; read again.
        big_calendar(cal, extra="BEGIN:VEVENT\r\nUID:new@big\r\nDTSTART:20260304T200000Z\r\n"
                     "DTEND:20260304T210000Z\r\nEND:VEVENT")
        changed = run(args, home=h)
        check(changed.rc == 0 and "read whole" in changed.err, "changed: read again", changed)
        check("2026-03-04T20:00:00Z" in [b["start"] for b in json.loads(changed.out)["busy"]],
              "changed: the new event", changed)
        # A window elsewhere, answered from the same cache.
        other = run(["--tz", "UTC", "freebusy", "--ics", cal, "--from", "2025-02-01", "--to",
                     "2025-02-03", "--format", "json"], home=h)
        check(other.rc == 0 and [b["start"] for b in json.loads(other.out)["busy"]] ==
              ["2025-02-01T08:00:00Z", "2025-02-02T08:00:00Z"], "another window", other)
    finally:
        h.cleanup()


def test_file_cache_chunks_count_objects():
    """The cache keeps several events to a row (chunks of 32 KiB) and an event
    larger than that in a row of its own: read fresh, from the cache and
    without it, every window gives the same; -v counts events, not rows."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "big.ics")
        big = ("BEGIN:VEVENT\r\nUID:huge@big\r\nDTSTART:20260310T200000Z\r\n"
               "DTEND:20260310T210000Z\r\nDESCRIPTION:" + "x" * 70 + "\r\n" +
               "".join(" " + "y" * 70 + "\r\n" for _ in range(600)) + "END:VEVENT")
        big_calendar(cal, extra=big)
        blocker = os.path.join(h.dir, "not-a-folder")
        with open(blocker, "w"):
            pass
        direct_env = {"NOTYET_CACHE": os.path.join(blocker, "cache.db")}
        total = None
        for start, end in (("2026-03-01", "2026-03-22"), ("2026-03-10", "2026-03-11"),
                           ("2025-01-01", "2027-01-01"), ("2025-06-01", "2025-06-08")):
            args = ["--tz", "UTC", "-v", "freebusy", "--ics", cal, "--from", start, "--to", end,
                    "--format", "json"]
            first = run(args, home=h)
            if total is None:
                check(first.rc == 0 and "read whole, cached as" in first.err, "first", first)
                total = int(first.err.split("cached as ")[1].split(" objects")[0])
                # The zone, 600 events, the series, the broken one, the huge
                # one and the override.
                check(total == 605, "every event counted (%d)" % total, first)
            cached = run(args, home=h)
            direct = run(args, home=h, env=direct_env)
            what = "%s..%s" % (start, end)
            check(cached.rc == 0 and cached.out == first.out, what + ": cached", cached)
            check("of %d objects read" % total in cached.err, what + ": counts", cached)
            check(direct.rc == 0 and direct.out == first.out, what + ": direct", direct)
            huge = {"start": "2026-03-10T20:00:00Z", "end": "2026-03-10T21:00:00Z"}
            check((huge in json.loads(cached.out)["busy"]) == (start <= "2026-03-10" < end),
                  what + ": the huge event", cached)
    finally:
        h.cleanup()


def test_file_changed_while_read_from_its_places_is_read_again():
    """The cache keeps where a file's events stand in it, and a cached read
    reads them there. When the file no longer holds them (a read finds its
    end first: strace makes the first read of the file at a place return
    nothing), the file is read whole again and cached anew, with the same
    answer; an error reading it is an error."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "big.ics")
        big_calendar(cal)
        args = ["--tz", "UTC", "-v", "freebusy", "--ics", cal, "--from", "2026-03-01",
                "--to", "2026-03-22", "--format", "json"]
        first = run(args, home=h)
        check(first.rc == 0 and "read whole, cached as" in first.err, "first", first)
        strace = nytest.strace_path()
        for fault, rc in (("retval=0", 0), ("error=EIO", 1)):
            p = subprocess.run([strace, "-f", "-o", "/dev/null", "-P", cal, "-e", "trace=pread64",
                                "-e", "inject=pread64:%s:when=1" % fault, nytest.BIN] + args,
                               capture_output=True, text=True, env=nytest.traced_env(h),
                               timeout=60)
            check(p.returncode == rc, "%s: exit %d" % (fault, rc), p)
            if rc == 0:
                check("changed while it was read: read again" in p.stderr, fault, p)
                check("read whole, cached as" in p.stderr and p.stdout == first.out, fault, p)
            else:
                check(p.stdout == "" and "cannot read '%s'" % cal in p.stderr, fault, p)
            again = run(args, home=h)
            check(again.rc == 0 and again.out == first.out, fault + ": then", again)
            check("unchanged, from the cache" in again.err, fault + ": then cached", again)
    finally:
        h.cleanup()


def test_cache_gives_what_the_text_gives_with_an_offset_of_days():
    """A VTIMEZONE whose offset is days long (TZOFFSETTO:-9900, RFC 5545 allows
    hours 00-23) is not used, with a warning; the event is read in your zone. The
    first lookup (read whole, cached), the second (from the cache) and a read
    without the cache give the same busy time and the same warnings."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "odd.ics")
        out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//t//t//EN",
               "BEGIN:VTIMEZONE", "TZID:Odd", "BEGIN:STANDARD", "DTSTART:19700101T000000",
               "TZOFFSETFROM:-9900", "TZOFFSETTO:-9900", "END:STANDARD", "END:VTIMEZONE"]
        for i in range(600):
            out += ["BEGIN:VEVENT", "UID:filler-%d@odd" % i,
                    "DTSTART:2024%02d%02dT090000Z" % (i % 12 + 1, i % 28 + 1),
                    "DTEND:2024%02d%02dT100000Z" % (i % 12 + 1, i % 28 + 1),
                    "SUMMARY:private title %d" % i, "END:VEVENT"]
        out += ["BEGIN:VEVENT", "UID:odd@odd", "DTSTART;TZID=Odd:20260302T100000",
                "DTEND;TZID=Odd:20260302T110000", "END:VEVENT", "END:VCALENDAR", ""]
        with open(cal, "w") as f:
            f.write("\r\n".join(out))
        check(os.path.getsize(cal) > 64 * 1024, "big enough for the cache")
        blocker = os.path.join(h.dir, "not-a-folder")
        with open(blocker, "w"):
            pass
        direct_env = {"NOTYET_CACHE": os.path.join(blocker, "cache.db")}
        # 10:00 at -99:00 would be 03-06 13:00Z: a window there, on a cold cache
        # first, then the week around the event.
        for start, end, want in (("2026-03-06", "2026-03-07", []),
                                 ("2026-03-01", "2026-03-08",
                                  [{"start": "2026-03-02T10:00:00Z",
                                    "end": "2026-03-02T11:00:00Z"}])):
            args = ["--tz", "UTC", "freebusy", "--ics", cal, "--from", start, "--to", end,
                    "--format", "json"]
            first = run(args, home=h)
            second = run(args, home=h)
            direct = run(args, home=h, env=direct_env)
            what = "%s..%s" % (start, end)
            check(first.rc == 0 and json.loads(first.out)["busy"] == want,
                  what + ": first: read in your zone", first)
            check("time zone 'Odd': its VTIMEZONE is not used" in first.err,
                  what + ": first: warned", first)
            check(second.rc == 0 and second.out == first.out and second.err == first.err,
                  what + ": second (from the cache): the same", second)
            check(direct.rc == 0 and direct.out == first.out and direct.err == first.err,
                  what + ": without the cache: the same", direct)
        r = run(["-v"] + args, home=h)
        check("unchanged, from the cache" in r.err, "the second read was from the cache", r)
    finally:
        h.cleanup()


def test_file_as_new_as_the_cache_is_read_again():
    """A file whose mtime is not older than the cache's own write may change
    again unseen (same size, same mtime): it is read again, like git's racy
    index entries. Same-size rewrite with the same mtime is then seen."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "big.ics")
        big_calendar(cal, hour=9)
        future = time.time() + 3600
        os.utime(cal, (future, future))
        args = ["--tz", "UTC", "-v", "freebusy", "--ics", cal, "--from", "2025-02-01",
                "--to", "2025-02-02", "--format", "json"]
        r1 = run(args, home=h)
        check(r1.rc == 0 and "read whole" in r1.err, "first: read whole", r1)
        size = os.path.getsize(cal)
        big_calendar(cal, hour=8)  # same size, other hours
        check(os.path.getsize(cal) == size, "same size")
        os.utime(cal, (future, future))
        r2 = run(args, home=h)
        check(r2.rc == 0 and "read whole" in r2.err, "racy: read again", r2)
        check([b["start"] for b in json.loads(r2.out)["busy"]] == ["2025-02-01T07:00:00Z"],
              "the rewrite is seen", r2)
        past = time.time() - 3600
        os.utime(cal, (past, past))
        run(args, home=h)
        r3 = run(args, home=h)
        check(r3.rc == 0 and "unchanged, from the cache" in r3.err, "an old file: cached", r3)
    finally:
        h.cleanup()


def test_cache_beside_private_db():
    """--db gives a private cache beside the store; $NOTYET_CACHE wins."""
    h = Home()
    try:
        cal = os.path.join(h.dir, "big.ics")
        big_calendar(cal)
        db = os.path.join(h.dir, "private", "mine.db")
        os.makedirs(os.path.dirname(db))
        args = ["--db", db, "--tz", "UTC", "freebusy", "--ics", cal, "--from", "2026-03-01",
                "--to", "2026-03-08"]
        r = run(args, home=h)
        check(r.rc == 0, "exit 0", r)
        beside = os.path.join(h.dir, "private", "mine.cache.db")
        check(os.path.exists(beside), "cache beside the store", r)
        check(stat.S_IMODE(os.stat(beside).st_mode) == 0o600, "cache is private", r)
        check(not os.path.exists(os.path.join(h.dir, "cache", "notyet", "cache.db")),
              "the default cache untouched", r)
        env_cache = os.path.join(h.dir, "elsewhere.db")
        r = run(args, home=h, env={"NOTYET_CACHE": env_cache})
        check(r.rc == 0 and os.path.exists(env_cache), "NOTYET_CACHE wins", r)
    finally:
        h.cleanup()


def test_vdir_cache_follows_changes():
    """A vdir of 20 files: a file is read again only when it changed; added
    and removed files show up."""
    h = Home()
    try:
        folder = os.path.join(h.dir, "vdir")
        os.makedirs(folder)

        def put(name, day, hour):
            with open(os.path.join(folder, name), "w") as f:
                f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
                        "DTSTART:202603%02dT%02d0000Z\r\nDTEND:202603%02dT%02d3000Z\r\n"
                        "END:VEVENT\r\nEND:VCALENDAR\r\n" % (name, day, hour, day, hour))

        for i in range(20):
            put("e%02d.ics" % i, 1 + i, 10)
        h.write_config("[calendar home]\ntype=vdir\nurl=%s\n" % folder)
        args = ["--config", h.config, "--tz", "UTC", "-v", "freebusy", "--from", "2026-03-02",
                "--to", "2026-03-04", "--format", "json"]
        r = run(args, home=h)
        check(r.rc == 0 and "20 of 20 files read again" in r.err, "first: all read", r)
        check([b["start"] for b in json.loads(r.out)["busy"]] ==
              ["2026-03-02T10:00:00Z", "2026-03-03T10:00:00Z"], "first answer", r)
        r = run(args, home=h)
        check(r.rc == 0 and "0 of 20 files read again" in r.err, "second: none read", r)
        put("e01.ics", 2, 12)
        os.unlink(os.path.join(folder, "e02.ics"))
        put("new.ics", 3, 16)
        r = run(args, home=h)
        check(r.rc == 0 and "2 of 20 files read again" in r.err, "changed and new read", r)
        check([b["start"] for b in json.loads(r.out)["busy"]] ==
              ["2026-03-02T12:00:00Z", "2026-03-03T16:00:00Z"], "changes seen", r)
    finally:
        h.cleanup()


nytest.main(globals())
