"""[limits] in the configuration through the command line: each limit a user can
change, at the new limit and one past it, raised above the default and lowered
below it, and the cache giving the answer of the limit in force (the cache keeps
objects whole; the limits apply when busy time is computed).

The built-in limits at and past the default: tests/cli/test_hostile.py. The
response cap, the redirect limit and the timeouts: tests/integration/test_faults.py.
"""
import os

import nytest
from nytest import NOW, Home, check, json_of, run, sized_event, write

CONFIG = """[me]
name=Jane Doe
email=jane@example.com
timezone=America/New_York
"""
MIB = 1024 * 1024
DAY = ["freebusy", "--from", "2026-03-02", "--to", "2026-03-03", "--format", "json"]
SERIES = ["freebusy", "--from", "2026-03-01", "--to", "2026-05-01", "--format", "json"]


def home(limits=""):
    return Home(CONFIG + ("[limits]\n" + limits if limits else ""))


def set_limits(h, limits):
    h.write_config(CONFIG + ("[limits]\n" + limits if limits else ""))


def nt(h, ics, *args):
    return run(list(args) + ["--now", NOW, "--db", h.db, "--ics", ics], home=h, timeout=120)


def busy_of(r):
    return json_of(r, "busy")


def object_case(h, path, size, limit_mib, read):
    write(path, sized_event(size))
    r = nt(h, path, *DAY)
    if read:
        check(len(busy_of(r)) == 1 and r.err == "", "%d bytes under %d MiB: read" %
              (size, limit_mib), r)
    else:
        check(busy_of(r) == [], "%d bytes under %d MiB: skipped" % (size, limit_mib), r)
        check(r.err == "notyet: warning: '%s': component 'big' skipped: larger than %d bytes\n"
              % (path, limit_mib * MIB), "one warning naming the UID and the limit", r)


def test_max_object_mib_raised():
    """max_object_mib=11: the 10 MiB + 1 object the default skips is read; exactly
    11 MiB is read; 11 MiB + 1 is skipped with the new limit in the warning."""
    h = home("max_object_mib=11\n")
    try:
        path = os.path.join(h.dir, "big.ics")
        object_case(h, path, 10 * MIB + 1, 11, True)
        object_case(h, path, 11 * MIB, 11, True)
        object_case(h, path, 11 * MIB + 1, 11, False)
    finally:
        h.cleanup()


def test_max_object_mib_lowered():
    """max_object_mib=1: exactly 1 MiB is read, 1 MiB + 1 is skipped."""
    h = home("max_object_mib=1\n")
    try:
        path = os.path.join(h.dir, "one.ics")
        object_case(h, path, MIB, 1, True)
        object_case(h, path, MIB + 1, 1, False)
    finally:
        h.cleanup()


def test_max_object_mib_change_meets_no_stale_cache():
    """The same unchanged file, read from the cache, follows the limit in force:
    skipped under the default (a file with a component over the limit is read whole,
    not cached), read under 11 MiB (and cached), skipped again back at 10, from the
    cache."""
    h = home()
    try:
        path = write(os.path.join(h.dir, "big.ics"), sized_event(10 * MIB + 1))
        warning = ("notyet: warning: '%s': component 'big' skipped: larger than %d bytes\n"
                   % (path, 10 * MIB))
        r = nt(h, path, *DAY)
        check(busy_of(r) == [] and r.err == warning, "default: skipped", r)
        set_limits(h, "max_object_mib=11\n")
        r = nt(h, path, "-v", *DAY)
        check(len(busy_of(r)) == 1 and "skipped" not in r.err, "11 MiB: read", r)
        r = nt(h, path, "-v", *DAY)
        check(len(busy_of(r)) == 1, "11 MiB: read again", r)
        check("unchanged, from the cache" in r.err and "skipped" not in r.err,
              "from the cache, no warning", r)
        set_limits(h, "")
        r = nt(h, path, "-v", *DAY)
        check(busy_of(r) == [] and "unchanged, from the cache" in r.err and warning in r.err,
              "default again: from the cache, skipped", r)
    finally:
        h.cleanup()


def series(path, count, pad=False):
    """A MINUTELY series of 30-second events; with pad, a second event makes the file
    large enough (64 KiB) to go through the cache."""
    extra = ""
    if pad:
        extra = ("BEGIN:VEVENT\r\nUID:pad\r\nDTSTART:20200101T000000Z\r\n"
                 "DTEND:20200101T010000Z\r\nX-PAD:" + "p" * 70000 + "\r\nEND:VEVENT\r\n")
    rule = "COUNT=%d" % count if count else "INTERVAL=1"
    return write(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:every-minute\r\n"
                 "DTSTART:20260302T000000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY;%s\r\n"
                 "END:VEVENT\r\n%sEND:VCALENDAR\r\n" % (rule, extra))


def series_case(h, path, limit, count, want, pad=False):
    series(path, count, pad)
    r = nt(h, path, *SERIES)
    got = len(busy_of(r))
    check(got == want, "COUNT=%s under %d: %d instances (got %d)" % (count, limit, want, got), r)
    warning = ("notyet: warning: '%s': event 'every-minute': more than %d recurrence steps, "
               "the rest is ignored\n" % (path, limit)) if want < (count or want + 1) else ""
    check(r.err == warning, "COUNT=%s under %d: warning %r" % (count, limit, warning), r)


def test_max_instances_lowered():
    """max_instances=1000 (the lowest): 1000 steps are read whole, 1001 stop at 1000
    with the warning naming the new limit."""
    h = home("max_instances=1000\n")
    try:
        path = os.path.join(h.dir, "series.ics")
        series_case(h, path, 1000, 1000, 1000)
        series_case(h, path, 1000, 1001, 1000)
        series_case(h, path, 1000, 0, 1000)
    finally:
        h.cleanup()


def test_max_instances_raised():
    """max_instances=60000: the 50,001 steps the default stops are read whole; 60,000
    are read; 60,001 stop at 60,000."""
    h = home("max_instances=60000\n")
    try:
        path = os.path.join(h.dir, "series.ics")
        series_case(h, path, 60000, 50001, 50001)
        series_case(h, path, 60000, 60000, 60000)
        series_case(h, path, 60000, 60001, 60000)
    finally:
        h.cleanup()


def test_max_instances_change_meets_no_stale_cache():
    """A cached file (over 64 KiB) follows max_instances as it changes."""
    h = home()
    try:
        path = os.path.join(h.dir, "series.ics")
        series_case(h, path, 50000, 50001, 50000, pad=True)
        for limit, want in ((60000, 50001), (1000, 1000), (50000, 50000)):
            set_limits(h, "max_instances=%d\n" % limit)
            r = nt(h, path, "-v", *SERIES)
            check(len(busy_of(r)) == want, "max_instances=%d: %d" % (limit, want), r)
            check("unchanged, from the cache" in r.err, "read from the cache", r)
    finally:
        h.cleanup()


def late_zone_calendar(n):
    """n events in a zone whose VTIMEZONE comes after them, at the end of the file."""
    events = "".join("BEGIN:VEVENT\r\nUID:e%d\r\nDTSTART;TZID=X-Custom:20260302T150000\r\n"
                     "DTEND;TZID=X-Custom:20260302T160000\r\nEND:VEVENT\r\n" % i
                     for i in range(n))
    zone = ("BEGIN:VTIMEZONE\r\nTZID:X-Custom\r\nBEGIN:STANDARD\r\nDTSTART:19700101T000000"
            "\r\nTZOFFSETFROM:+0500\r\nTZOFFSETTO:+0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n")
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + events + zone + "END:VCALENDAR\r\n"


def test_events_waiting_for_a_later_vtimezone_at_and_past_the_limit():
    """A file streamed through the engine (here: the cache cannot be opened) holds up
    to 2,000 events whose VTIMEZONE comes later: all 2,000 are read in their zone
    (15:00+05:00 is 10:00Z). The 2,001st is read at once, in your zone (15:00 New York
    is 20:00Z), with one warning naming it (fixed: it bounds memory while the file
    streams by). Through the cache, the first read as well as the later ones, exactly
    the same: the cache gives what the whole text gives."""
    in_zone = [("2026-03-02T10:00:00Z", "2026-03-02T11:00:00Z")]
    past = in_zone + [("2026-03-02T20:00:00Z", "2026-03-02T21:00:00Z")]
    for n, cache, want, warned in (
            (2000, False, in_zone, False),
            (2001, False, past, True),
            (2000, True, in_zone, False),
            (2001, True, past, True)):
        h = home()
        try:
            path = write(os.path.join(h.dir, "late.ics"), late_zone_calendar(n))
            env = None
            if not cache:
                blocker = write(os.path.join(h.dir, "not-a-folder"), "")
                env = {"NOTYET_CACHE": os.path.join(blocker, "cache.db")}
            for when in ("first", "again"):
                r = run(list(DAY) + ["--now", NOW, "--db", h.db, "--ics", path], home=h,
                        env=env, timeout=120)
                got = [(b["start"], b["end"]) for b in busy_of(r)]
                what = "%d events, %s, %s read" % (n, "cached" if cache else "streamed", when)
                check(got == want, "%s: %s" % (what, want), r)
                warning = ("notyet: warning: '%s': event 'e2000': unknown time zone "
                           "'X-Custom', read in America/New_York\n" % path) if warned else ""
                check(r.err == warning, "%s: warning %s" % (what, warned), r)
        finally:
            h.cleanup()


def test_limits_errors_exit_2_naming_file_group_and_key():
    """A bad [limits] value: exit 2, one line naming the file, the group and the key,
    nothing on stdout; every command refuses it, also one that reads no calendar."""
    cases = (("max_response_mib=1025", "[limits] max_response_mib: '1025' is more than 1024"),
             ("max_object_mib=0", "[limits] max_object_mib: '0' must be at least 1"),
             ("max_instances=999", "[limits] max_instances: '999' must be at least 1000"),
             ("http_timeout_seconds=3601",
              "[limits] http_timeout_seconds: '3601' is more than 3600"),
             ("http_timeout_seconds=10s",
              "[limits] http_timeout_seconds: '10s' is not a whole number"),
             ("max_line=2", "[limits] max_line: unknown key"))
    for text, needle in cases:
        h = home(text + "\n")
        try:
            for args in (DAY, ["followups"]):
                r = nt(h, nytest.fixture("slots", "week.ics"), *args) if args is DAY else \
                    run(args + ["--now", NOW, "--db", h.db], home=h)
                check(r.rc == 2 and r.out == "" and
                      r.err == "notyet: %s: %s\n" % (h.config, needle),
                      "%s: exit 2, one line" % text, r)
        finally:
            h.cleanup()


nytest.main(globals())
