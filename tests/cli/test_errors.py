"""Errors that say what to do next: a bare notyet, no configuration, an
unknown zone, a file source that fails, a stray file in a vdir folder, an
ics feed that cannot be reached."""
import os
import re
import socket

import nytest
from nytest import Home, check, check_usage_error, run

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\nBEGIN:VEVENT\r\n"
         "UID:%s@errors\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T%02d0000Z\r\n"
         "DTEND:20260105T%02d0000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
WINDOW = ["--format", "json", "freebusy", "--from", "2026-01-05", "--to", "2026-01-06"]


def with_config(text):
    home = Home()
    home.write_config(text)
    return home


def test_bare_notyet_prints_the_short_help():
    """Documented: the command list on stderr, exit status 2."""
    r = run([])
    check(r.rc == 2 and r.out == "", "exit 2, nothing on stdout", r)
    check("Usage:" in r.err and "calendars" in r.err and "notyet help COMMAND" in r.err,
          "the short help", r)


def test_no_configuration_names_the_file_and_init():
    home = Home()
    try:
        r = run(["slots"], home=home)
        check_usage_error(r, "'%s'" % home.config)
        check("notyet init" in r.err and "--ics FILE" in r.err, "what to do next", r)
        r = run(["calendars"], home=home)
        check(r.rc == 0 and home.config in r.out and "notyet init" in r.out,
              "calendars says it too", r)
    finally:
        home.cleanup()


def test_unknown_zone_suggests_the_place():
    for tz, want in (("america/new_york", "America/New_York"), ("EST", "America/New_York"),
                     ("PST", "America/Los_Angeles"), ("Eastern", "America/New_York"),
                     ("Europe/Pari", "Europe/Paris")):
        r = run(["--tz", tz, "freebusy", "--ics", nytest.fixture("demo.ics")])
        check_usage_error(r, "--tz: unknown time zone '%s'; did you mean '%s'?" % (tz, want))
    # Never silently a fixed offset, although tzdata has a file named EST.
    r = run(["--tz", "UTC+3", "freebusy", "--ics", nytest.fixture("demo.ics")])
    check_usage_error(r, "unknown time zone 'UTC+3' (give a place")
    r = run(["--tz", "UTC", "reply", "Ann Lee", "--dry-run", "--their-tz", "pst",
             "--ics", nytest.fixture("demo.ics")])
    check_usage_error(r, "--their-tz: unknown time zone 'pst'; did you mean "
                      "'America/Los_Angeles'?")
    home = with_config("[me]\ntimezone=CET\n")
    try:
        r = run(["--config", home.config, "slots"], home=home)
        check_usage_error(r, "[me] timezone: unknown time zone 'CET'; did you mean "
                          "'Europe/Paris'?")
    finally:
        home.cleanup()


def test_failing_file_source_names_its_calendar():
    for kind, where in (("ics", "/nonexistent/notyet/cal.ics"),
                        ("vdir", "/nonexistent/notyet/folder")):
        home = with_config("[me]\ntimezone=UTC\n\n[calendar family]\ntype=%s\nurl=%s\n"
                           % (kind, where))
        try:
            r = run(["--config", home.config] + WINDOW, home=home)
            check(r.rc == 1 and r.out == "", "exit 1", r)
            check(r.err.startswith("notyet: calendar 'family': ") and where in r.err,
                  "names [calendar family] and the path", r)
        finally:
            home.cleanup()


def closed_port():
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def one_line(r, *needles):
    check(r.rc == 1 and r.out == "" and r.err.count("\n") == 1, "exit 1, one line", r)
    for n in needles:
        check(n in r.err, "says %r" % n, r)


def test_unreachable_feed_names_offline_and_the_cache_age():
    """As a CalDAV server that cannot be reached: --offline and what is
    cached for it, before and after one fetch (src/http.c)."""
    home = Home()
    folder = os.path.join(home.dir, "www")
    os.makedirs(folder)
    with open(os.path.join(folder, "cal.ics"), "w") as f:
        f.write(EVENT % ("feed", 9, 10))
    config = "[me]\ntimezone=UTC\n\n[calendar feed]\ntype=ics\nurl=%s\n"
    try:
        dead = "http://127.0.0.1:%d/cal.ics" % closed_port()
        home.write_config(config % dead)
        r = run(["--config", home.config] + WINDOW, home=home)
        one_line(r, "notyet: calendar 'feed': cannot connect to '%s'" % dead,
                 "nothing is cached yet for --offline: check the network and url=")
        r = run(["--ics", dead] + WINDOW, home=home)
        one_line(r, "cannot connect", "nothing is cached yet for --offline: check the network "
                 "and the address")
        server = nytest.Server(folder)
        base = server.__enter__()
        try:
            home.write_config(config % (base + "cal.ics"))
            r = run(["--config", home.config] + WINDOW, home=home)
            check(r.rc == 0 and "2026-01-05T09:00:00Z" in r.out, "fetched once", r)
            r = run(["--ics", base + "cal.ics"] + WINDOW, home=home)
            check(r.rc == 0, "fetched once as --ics", r)
        finally:
            server.__exit__()
        for args in (["--config", home.config], ["--ics", base + "cal.ics"]):
            r = run(args + WINDOW, home=home)
            one_line(r, "cannot connect", "; --offline answers from the cache of 20")
            check(re.search(r"\(\d+ minutes old\)$", r.err.strip()), "the cache's age", r)
            r = run(args + ["--offline"] + WINDOW, home=home)
            check(r.rc == 0 and "2026-01-05T09:00:00Z" in r.out, "and --offline answers", r)
    finally:
        home.cleanup()


def vdir_with_stray_files(home, n_good):
    folder = os.path.join(home.dir, "vdir")
    os.makedirs(folder)
    for i in range(n_good):
        with open(os.path.join(folder, "e%02d.ics" % i), "w") as f:
            f.write(EVENT % ("e%d" % i, 9 + i % 10, 10 + i % 10))
    with open(os.path.join(folder, "notes.ics"), "w") as f:
        f.write("remember the milk\n")
    with open(os.path.join(folder, "binary.ics"), "wb") as f:
        f.write(b"\x00\x01\x02PNG")
    return folder


def test_vdir_stray_file_skipped_with_a_warning():
    """A file in a vdir that holds no iCalendar data is skipped, named, and
    the rest of the folder still counts: read directly (few files) and
    through the cache (many), twice (the cached answer too)."""
    for n_good in (2, 20):
        home = Home()
        try:
            folder = vdir_with_stray_files(home, n_good)
            home.write_config("[me]\ntimezone=UTC\n\n[calendar folder]\ntype=vdir\nurl=%s\n"
                              % folder)
            for attempt in (1, 2):
                r = run(["--config", home.config] + WINDOW, home=home)
                check(r.rc == 0 and '"busy"' in r.out, "the folder still counts (%d files, run %d)"
                      % (n_good, attempt), r)
                check("'%s': not an iCalendar file, skipped" % os.path.join(folder, "notes.ics")
                      in r.err, "the stray text file is named", r)
                check("binary.ics': not an iCalendar file, skipped" in r.err,
                      "the binary file is named", r)
        finally:
            home.cleanup()


nytest.main(globals())
