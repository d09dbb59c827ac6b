"""Hostile input through the command line, grouped by component: config and
credentials, times, iCalendar, letter template, store, invite writer.

Each case asserts the exact behaviour: the exit status, one error line that
names the input and the limit it hit, nothing on stdout, the store unchanged
and no secret in any output. (HTTP/TLS and XML faults: tests/integration/
test_faults.py; the catalogue map: doc/guarantees.md, "What notyet guarantees".)
"""
import json
import os
import sqlite3

import nytest
from nytest import (CONFIG, NOW, Server, check, fixture, home, one_error, read_bytes, run,
                    sized_event, write)

WEEK = fixture("slots", "week.ics")
SECRET = "hunter2-secret-pw"
ESC = "\x1b"


def nt(h, *args, ics=WEEK, timeout=60):
    extra = ["--now", NOW, "--db", h.db]
    if ics:
        extra += ["--ics", ics]
    return run(list(args) + extra, home=h, timeout=timeout)


def no_secret(r, *secrets):
    for s in secrets:
        check(s not in r.out + r.err, "%r must not appear in any output" % s, r)


def store_state(h):
    """The store as the user sees it and as bytes, to compare before and after."""
    r = nt(h, "followups", "--all", "--format", "json", ics=None)
    check(r.rc == 0, "followups", r)
    return json.loads(r.out)["followups"], read_bytes(h.db)


def with_one_followup():
    h = home()
    r = nt(h, "reply", "Ann Lee", "--email", "ann@example.org")
    check(r.rc == 0, "reply", r)
    return h, store_state(h)


# --- config and credentials ------------------------------------------------------

def test_config_password_on_the_command_line_is_refused():
    """Catalogue 3: there is no --password option; a password in argv is a usage error
    that names the option only, never its value: before the command (where the value
    would be taken for the command), after it, with '=' or as a short option."""
    h = home()
    try:
        for args, cmd, opt in ((["--password", SECRET, "slots"], "", "--password"),
                               (["--password=" + SECRET, "slots"], "slots ", "--password"),
                               (["slots", "--password", SECRET], "slots ", "--password"),
                               (["slots", "--password=" + SECRET], "slots ", "--password"),
                               (["reply", "Ann", "--password=" + SECRET], "reply ", "--password"),
                               (["reply", "Ann", "-p" + SECRET], "reply ", "-p"),
                               (["slots", "-qp" + SECRET], "slots ", "-p")):
            r = nt(h, *args)
            one_error(r, 2)
            check(r.err == "notyet: unknown option '%s'; see 'notyet %s--help'\n" % (opt, cmd),
                  "%s: names the option only" % args, r)
        check(not os.path.exists(h.db), "no store was created")
    finally:
        h.cleanup()


def test_config_garbage_nul_and_non_files():
    """Binary garbage, a NUL byte, Latin-1, a directory, a FIFO and /dev/zero as the
    config: exit 2 naming the file, within the run's 20 s timeout (no read that blocks
    or never ends)."""
    h = home()
    try:
        garbage = write(os.path.join(h.dir, "garbage.ini"), bytes(range(256)) * 8)
        nul = write(os.path.join(h.dir, "nul.ini"), b"[me]\nname=Jane\x00Doe\n")
        latin = write(os.path.join(h.dir, "latin.ini"), b"[me]\nname=Jos\xe9\n")
        fifo = os.path.join(h.dir, "fifo.ini")
        os.mkfifo(fifo)
        cases = ((garbage, "not UTF-8 text"), (nul, "not UTF-8 text"), (latin, "not UTF-8 text"),
                 (h.dir, "not a file"), (fifo, "not a file"), ("/dev/zero", "not a file"))
        for path, why in cases:
            r = nt(h, "--config", path, "reply", "Ann Lee", timeout=20)
            one_error(r, 2, path, why)
        check(not os.path.exists(h.db), "no store was created")
    finally:
        h.cleanup()


def test_config_size_at_and_past_the_limit():
    """A config of exactly 1 MiB is read; one byte more is refused naming the limit."""
    h = home()
    try:
        head = CONFIG + "#"
        at = head + "x" * (1024 * 1024 - len(head) - 1) + "\n"
        check(len(at.encode()) == 1024 * 1024, "1 MiB exactly")
        path = write(os.path.join(h.dir, "big.ini"), at)
        r = nt(h, "--config", path, "slots")
        check(r.rc == 0 and r.out.count("\n") == 2, "1 MiB: read", r)
        write(path, at + "\n")
        one_error(nt(h, "--config", path, "slots"), 2, path, "over 1048576 bytes")
    finally:
        h.cleanup()


def test_config_very_long_lines():
    """A 500 KB comment line and a 500 KB value: read, no crash; the long value
    reaches only where it belongs (the name is never echoed in an error)."""
    h = home()
    try:
        path = write(os.path.join(h.dir, "long.ini"),
                     "#" + "c" * 500000 + "\n" + CONFIG.replace("Jane Doe", "J" * 500000))
        r = nt(h, "--config", path, "slots")
        check(r.rc == 0 and r.err == "", "read", r)
        bad = write(os.path.join(h.dir, "longbad.ini"),
                    "[availability]\nstart=" + "9" * 900000 + "\n")
        r = nt(h, "--config", bad, "slots")
        one_error(r, 2, bad, "[availability] start")
    finally:
        h.cleanup()


def test_config_password_never_shown():
    """A password= in a world-readable config is refused without showing it; a
    failing password_command never shows its command line or output."""
    h = home()
    try:
        h.write_config(CONFIG + "[calendar work]\ntype=caldav\nurl=https://dav.example.com/\n"
                       "username=jane\npassword=%s\n" % SECRET, mode=0o644)
        r = nt(h, "slots", ics=None)
        one_error(r, 2, "[calendar work] password")
        no_secret(r, SECRET)
        for args in (["-v", "-v", "slots"], ["--format", "json", "slots"]):
            r = nt(h, *args)
            no_secret(r, SECRET)
    finally:
        h.cleanup()


# --- times on the command line ----------------------------------------------------

BAD_TIMES = ["", "x", "tomorrow", "2026-13-01", "2026-02-30", "2026-01-01T25:00:00Z",
             "2026-01-01T00:00:00+99:00", "2026-01-01" + ESC + "[31m", "0001-01-01",
             "1899-12-31", "9999-01-01", "99999-01-01", "2026-01-01T00:00:00Z" + "0" * 5000,
             "-2026-01-01", "2026-01-01T00:00:00.5.5Z", "\u0662\u0660\u0662\u0666-01-01",
             "2026-01-01\nx", "2026-01-01\r\n", "2026-01-01\u2028"]


def test_typed_values_echoed_without_control_characters():
    """A typed value shown in an error (a time, a zone, a format, a path, an address,
    a command name) has each control character (line break, tab, ESC, DEL, C1) shown
    as '?': the error stays one line and nothing reaches the terminal as a command."""
    h = home()
    try:
        cases = ((["--now", "2026-01-01\nx", "slots"], 2, "--now: '2026-01-01?x' is not"),
                 (["freebusy", "--from", "2026-01-01\r\nx"], 2, "--from: '2026-01-01??x'"),
                 (["freebusy", "--to", "\t2026" + ESC + "[2J"], 2, "--to: '?2026?[2J'"),
                 (["slots", "--tz", "Europe/\nBerlin"], 2, "unknown time zone 'Europe/?Berlin'"),
                 (["slots", "--format", "js\x7fon\u009b"], 2, "unknown format 'js?on?'"),
                 (["sl\nots"], 2, "unknown command 'sl?ots'"),
                 (["reply", "Ann", "--email", "a\n@b"], 2, "--email: 'a?@b' is not"),
                 (["slots", "--ics", "/nonexistent/a\nb.ics"], 1, "'/nonexistent/a?b.ics'"),
                 (["slots", "--config", "/nonexistent/c\n.ini"], 2, "/nonexistent/c?.ini"))
        for args, rc, shown in cases:
            now = [] if "--now" in args else ["--now", NOW]
            r = run(args + now + ["--db", h.db] + ([] if "--ics" in args else ["--ics", WEEK]),
                    home=h)
            one_error(r, rc, shown)
            check(not any(c in r.err for c in "\r\t\x7f\u009b" + ESC), "no control character", r)
        check(not os.path.exists(h.db), "no store was created")
        # The -v lines too: a file (over 64 KiB, so it is cached) named with both.
        path = write(os.path.join(h.dir, "a\n" + ESC + "[2Jb.ics"), sized_event(70 * 1024))
        r = nt(h, "-v", "freebusy", *WINDOW, ics=path)
        lines = r.err.splitlines()
        check(r.rc == 0 and lines and all(ln.startswith("notyet: ") for ln in lines), "-v", r)
        check("a??[2Jb.ics': read whole, cached" in r.err and ESC not in r.err, "-v shown", r)
    finally:
        h.cleanup()


def test_times_hostile_set():
    """--now, --from and --to refuse every malformed or out-of-range time: exit 2,
    one line naming the option; nothing recorded."""
    h = home()
    try:
        for value in BAD_TIMES:
            for opt, cmd in (("--now", ["reply", "Ann Lee"]), ("--from", ["freebusy"]),
                             ("--to", ["freebusy"])):
                r = run(cmd + [opt, value, "--db", h.db, "--ics", WEEK] +
                        (["--now", NOW] if opt != "--now" else []), home=h)
                one_error(r, 2, opt + ":")
        check(not os.path.exists(h.db), "no store was created")
    finally:
        h.cleanup()


def test_times_range_limits():
    """Years 1900 to 9998 are read; 1899 and 9999 are refused naming the range."""
    h = home()
    try:
        r = nt(h, "freebusy", "--from", "1900-01-01", "--to", "1900-01-08")
        check(r.rc == 0, "1900 read", r)
        r = nt(h, "freebusy", "--from", "9998-12-20", "--to", "9998-12-31")
        check(r.rc == 0, "9998 read", r)
        one_error(nt(h, "freebusy", "--from", "1899-12-31"), 2, "--from", "years 1900 to 9998")
        one_error(nt(h, "freebusy", "--to", "9999-01-01"), 2, "--to", "years 1900 to 9998")
        one_error(nt(h, "freebusy", "--from", "2026-03-05", "--to", "2026-03-05"), 2, "--from")
    finally:
        h.cleanup()


# --- iCalendar ------------------------------------------------------------------

WINDOW = ["--from", "2026-03-01", "--to", "2026-03-08", "--format", "json"]


def busy_of(r):
    return [(b["start"], b["end"]) for b in json.loads(r.out)["busy"]]


def test_ics_unreadable_events_warn_with_file_and_uid():
    """Catalogue 29/38: bad DTSTART, no DTSTART, an unreadable RRULE are skipped and
    DTEND before DTSTART is read as zero length, each with a warning naming the file
    and the UID; the rest is still busy; titles never shown."""
    h = home()
    try:
        path = fixture("hostile", "broken-events.ics")
        r = nt(h, "freebusy", *WINDOW, ics=path)
        check(r.rc == 0, "exit 0: the readable events are busy", r)
        check(busy_of(r) == [("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z")], "good-1 busy", r)
        lines = r.err.splitlines()
        check(len(lines) == 5 and all(ln.startswith("notyet: warning: '%s': event '" % path)
                                      for ln in lines), "one warning per broken event", r)
        for uid, why in (("bad-dtstart", "DTSTART cannot be read"),
                         ("no-dtstart", "no readable DTSTART"),
                         ("backwards", "ends before it starts"),
                         ("bad-rrule", "RRULE cannot be read")):
            check(any("'%s'" % uid in ln and why in ln for ln in lines), "%s warned" % uid, r)
        no_secret(r, "Secret", ESC, "\x07")
        check("'evil?]0;pwned??[31m'" in r.err, "control characters in a UID shown as '?'", r)
        q = nt(h, "freebusy", "-q", *WINDOW, ics=path)
        check(q.rc == 0 and q.err == "" and q.out == r.out, "-q: same answer, no warnings", q)
    finally:
        h.cleanup()


def test_ics_same_uid_twice_both_busy_with_a_warning():
    """Catalogue 39: two masters with one UID: both block (never one silently
    dropped) and a warning names the UID; a master with its override is normal."""
    h = home()
    try:
        path = fixture("hostile", "same-uid-twice.ics")
        r = nt(h, "freebusy", *WINDOW, ics=path)
        check(r.rc == 0, "exit 0", r)
        check(busy_of(r) == [("2026-03-02T14:00:00Z", "2026-03-02T15:00:00Z"),
                             ("2026-03-03T14:00:00Z", "2026-03-03T15:00:00Z"),
                             ("2026-03-04T14:00:00Z", "2026-03-04T15:00:00Z"),
                             ("2026-03-05T16:00:00Z", "2026-03-05T17:00:00Z")], "both copies", r)
        check(r.err == "notyet: warning: '%s': event 'twice': the same UID twice, both are "
              "counted busy\n" % path, "one warning naming the UID", r)
    finally:
        h.cleanup()


def test_ics_years_far_from_now():
    """Catalogue 38: a weekly series since 1800 is busy in 2026; an event in 2600 is
    busy in 2600; neither warns nor is treated as free."""
    h = home()
    try:
        path = fixture("hostile", "old-and-far.ics")
        r = nt(h, "freebusy", *WINDOW, ics=path)
        check(r.rc == 0 and r.err == "", "no warning", r)
        check(busy_of(r) == [("2026-03-01T15:00:00Z", "2026-03-01T16:00:00Z")], "1800 series", r)
        r = nt(h, "freebusy", "--from", "2600-03-01", "--to", "2600-03-08", "--format", "json",
               ics=path)
        check(busy_of(r) == [("2600-03-02T15:00:00Z", "2600-03-02T16:00:00Z")], "2600 event", r)
    finally:
        h.cleanup()


def _event(uid, extra="", inner=""):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:%s\r\n"
            "DTSTART:20260302T140000Z\r\nDTEND:20260302T150000Z\r\n%s%sEND:VEVENT\r\n"
            "END:VCALENDAR\r\n" % (uid, extra, inner))


def test_ics_line_length_at_and_past_the_limit():
    """A physical line of exactly 1 MiB is read; one byte more skips the component
    with a warning naming the file, the UID and the limit."""
    h = home()
    try:
        at = write(os.path.join(h.dir, "at.ics"),
                   _event("long", "X-PAD:" + "a" * (1024 * 1024 - 6) + "\r\n"))
        past = write(os.path.join(h.dir, "past.ics"),
                     _event("long", "X-PAD:" + "a" * (1024 * 1024 - 5) + "\r\n"))
        r = nt(h, "freebusy", "--from", "2026-03-02", "--to", "2026-03-03", "--format", "json",
               ics=at)
        check(r.rc == 0 and r.err == "" and len(busy_of(r)) == 1, "1 MiB line: read", r)
        r = nt(h, "freebusy", "--from", "2026-03-02", "--to", "2026-03-03", "--format", "json",
               ics=past)
        check(r.rc == 0 and busy_of(r) == [], "skipped", r)
        check(r.err == "notyet: warning: '%s': component 'long' skipped: a line longer than "
              "1048576 bytes\n" % past, "one warning naming file, UID and limit", r)
    finally:
        h.cleanup()


def test_ics_nesting_at_and_past_the_limit():
    """Components nested 8 deep (VCALENDAR counts as 1) are read; 9 deep is skipped
    with a warning naming the UID and the limit, before libical sees it (100,000
    deep: /busy/case/nesting-100000-deep)."""
    h = home()
    try:
        def nested(depth):
            xs = depth - 2
            inner = "".join("BEGIN:X-N%d\r\n" % i for i in range(xs)) + \
                "".join("END:X-N%d\r\n" % i for i in reversed(range(xs)))
            return _event("deep", inner=inner)
        args = ["freebusy", "--from", "2026-03-02", "--to", "2026-03-03", "--format", "json"]
        r = nt(h, *args, ics=write(os.path.join(h.dir, "n8.ics"), nested(8)))
        check(r.rc == 0 and r.err == "" and len(busy_of(r)) == 1, "8 deep: read", r)
        path = write(os.path.join(h.dir, "n9.ics"), nested(9))
        r = nt(h, *args, ics=path)
        check(r.rc == 0 and busy_of(r) == [], "9 deep: skipped", r)
        check(r.err == "notyet: warning: '%s': component 'deep' skipped: components nested "
              "deeper than 8\n" % path, "one warning", r)
    finally:
        h.cleanup()


def test_ics_object_size_at_and_past_the_limit():
    """A component of exactly 10 MiB (its END line included) is read; one byte more
    is skipped with one warning naming the UID and the limit."""
    h = home()
    try:
        args = ["freebusy", "--from", "2026-03-02", "--to", "2026-03-03", "--format", "json"]
        path = os.path.join(h.dir, "big.ics")
        with open(path, "w", newline="") as f:
            f.write(sized_event(10 * 1024 * 1024))
        r = nt(h, *args, ics=path)
        check(r.rc == 0 and r.err == "" and len(busy_of(r)) == 1, "10 MiB: read", r)
        with open(path, "w", newline="") as f:
            f.write(sized_event(10 * 1024 * 1024 + 1))
        r = nt(h, *args, ics=path)
        check(r.rc == 0 and busy_of(r) == [], "skipped", r)
        check(r.err == "notyet: warning: '%s': component 'big' skipped: larger than 10485760 "
              "bytes\n" % path, "one warning naming the UID and the limit", r)
    finally:
        h.cleanup()


def test_ics_recurrence_steps_at_and_past_the_limit():
    """A series of exactly 50,000 instances is read whole; 50,001 stops at 50,000 with
    one warning naming the UID and the limit; an open-ended MINUTELY rule likewise."""
    h = home()
    try:
        path = os.path.join(h.dir, "minutely.ics")
        args = ["freebusy", "--from", "2026-03-01", "--to", "2026-04-20", "--format", "json"]
        for rule, count, warned in (("COUNT=50000", 50000, False), ("COUNT=50001", 50000, True),
                                    ("INTERVAL=1", 50000, True)):
            write(path, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:every-minute\r\n"
                  "DTSTART:20260302T000000Z\r\nDURATION:PT30S\r\nRRULE:FREQ=MINUTELY;%s\r\n"
                  "END:VEVENT\r\nEND:VCALENDAR\r\n" % rule)
            r = nt(h, *args, ics=path)
            check(r.rc == 0 and len(busy_of(r)) == count, "%s: %d instances" % (rule, count), r)
            want = ("notyet: warning: '%s': event 'every-minute': more than 50000 recurrence "
                    "steps, the rest is ignored\n" % path) if warned else ""
            check(r.err == want, "%s: warning %s" % (rule, warned), r)
    finally:
        h.cleanup()


def test_ics_not_a_regular_file_or_garbage():
    """Binary garbage as --ics: exit 1 naming it. A directory, a FIFO, /dev/zero or a
    link to it as --ics or as a type=ics path: exit 1, the one line "cannot read
    'PATH': not a regular file", nothing on stdout, nothing recorded, within the run's
    20 s timeout (a FIFO or /dev/zero used to hang freebusy, slots and reply)."""
    h = home()
    try:
        garbage = write(os.path.join(h.dir, "garbage.ics"), bytes(range(256)) * 64)
        one_error(nt(h, "freebusy", ics=garbage), 1, garbage, "no iCalendar data")
        fifo = os.path.join(h.dir, "cal.ics")
        os.mkfifo(fifo)
        link = os.path.join(h.dir, "zero.ics")
        os.symlink("/dev/zero", link)
        for path in (h.dir, fifo, "/dev/zero", link):
            want = "notyet: cannot read '%s': not a regular file\n" % path
            for args in (["freebusy"], ["slots"], ["reply", "Ann Lee"]):
                r = nt(h, *args, ics=path, timeout=20)
                one_error(r, 1, path)
                check(r.err == want, "%s %s: the exact line" % (args[0], path), r)
            h.write_config(CONFIG + "[calendar c]\ntype=ics\npath=%s\n" % path)
            r = nt(h, "freebusy", ics=None, timeout=20)
            # A configured source names its [calendar NAME] first.
            want = "notyet: calendar 'c': cannot read '%s': not a regular file\n" % path
            check(r.rc == 1 and r.out == "" and r.err == want, "type=ics %s" % path, r)
            h.write_config(CONFIG)
        check(not os.path.exists(h.db), "nothing recorded")
    finally:
        h.cleanup()


def test_ics_file_cache_size_at_and_past_the_limit():
    """An .ics file of up to 64 MiB goes through the cache (split into objects, read
    into memory); one byte more is streamed through the engine on every lookup,
    never held in memory whole. Both answer the same busy time (the padding, a run
    of NUL bytes, is skipped with a warning)."""
    h = home()
    try:
        with open(WEEK, "rb") as f:
            week = f.read()
        want = None
        for size, cached in ((64 * 1024 * 1024, True), (64 * 1024 * 1024 + 1, False)):
            path = write(os.path.join(h.dir, "big%d.ics" % size), week)
            os.truncate(path, size)  # sparse: NUL bytes after the calendar
            r = nt(h, "-v", "freebusy", "--from", "2026-11-30", "--to", "2026-12-05",
                   "--format", "json", ics=path)
            check(r.rc == 0 and len(busy_of(r)) > 0, "%d bytes: answered" % size, r)
            check(("'%s': not cached" % path in r.err) == cached,
                  "%d bytes: through the cache: %s" % (size, cached), r)
            check("a line outside any event skipped" in r.err, "the padding warned about", r)
            want = want or busy_of(r)
            check(busy_of(r) == want, "the same busy time either way", r)
    finally:
        h.cleanup()


def test_vdir_entry_that_cannot_be_read_fails_the_lookup_either_way():
    """A vdir entry that exists but cannot be read (a link to itself: ELOOP) fails
    the lookup with one line naming it, whether the folder is read directly (few
    files) or through the cache (16 files or more): never skipped in silence."""
    for n in (1, 20):
        h = home()
        try:
            vdir = os.path.join(h.dir, "v")
            os.mkdir(vdir)
            for i in range(n):
                write(os.path.join(vdir, "a%02d.ics" % i), _event("e%d" % i, ""))
            loop = os.path.join(vdir, "loop.ics")
            os.symlink(loop, loop)
            h.write_config(CONFIG + "[calendar v]\ntype=vdir\npath=%s\n" % vdir)
            r = nt(h, "freebusy", "--from", "2026-03-02", "--to", "2026-03-03", ics=None)
            one_error(r, 1, loop, "Too many levels of symbolic links")
        finally:
            h.cleanup()


def test_vdir_file_over_the_cache_limit_is_streamed():
    """In a vdir read through the cache (16 files or more), a file over 64 MiB is left
    out of the cache and streamed after the cached part: its events still count, cold
    and warm, and the other files keep coming from the cache."""
    h = home()
    try:
        vdir = os.path.join(h.dir, "v")
        os.mkdir(vdir)
        with open(WEEK, encoding="utf-8") as f:
            week = f.read()
        for i in range(20):
            write(os.path.join(vdir, "a%02d.ics" % i), _event("small-%d" % i, ""))
        big = write(os.path.join(vdir, "big.ics"), week)
        os.truncate(big, 64 * 1024 * 1024 + 1)
        h.write_config(CONFIG + "[calendar v]\ntype=vdir\npath=%s\n" % vdir)
        alone = nt(h, "freebusy", "--from", "2026-11-30", "--to", "2026-12-05", "--format",
                   "json", ics=WEEK)
        for when in ("cold", "warm"):
            r = nt(h, "-v", "freebusy", "--from", "2026-11-30", "--to", "2026-12-05",
                   "--format", "json", ics=None)
            check(r.rc == 0 and busy_of(r) == busy_of(alone), "%s: the big file counts" % when,
                  r)
            check("'%s': 1 files over 64 MiB read without the cache" % vdir in r.err,
                  "%s: said with -v" % when, r)
            check("20 of 20 files read again" in r.err if when == "cold" else
                  "0 of 20 files read again" in r.err, "%s: the rest cached" % when, r)
    finally:
        h.cleanup()


def test_feed_over_the_cache_limit_is_streamed_and_its_old_copy_forgotten():
    """An ics feed over 64 MiB (with max_response_mib raised) is read as it is, not
    cached; a copy cached while it was small is forgotten, so neither a later 304 nor
    --offline can answer from it."""
    h = home(CONFIG + "[limits]\nmax_response_mib=100\n")
    served = os.path.join(h.dir, "www")
    os.mkdir(served)
    try:
        with Server(served) as base:
            url = base + "feed.ics"
            with open(WEEK, encoding="utf-8") as f:
                week = f.read()
            feed = os.path.join(served, "feed.ics")
            write(feed, week)
            args = ("freebusy", "--from", "2026-11-30", "--to", "2026-12-05",
                    "--format", "json")
            small = nt(h, "-v", *args, ics=url)
            check(small.rc == 0 and "cached as" in small.err, "a small feed is cached", small)
            os.truncate(feed, 64 * 1024 * 1024 + 1)
            r = nt(h, "-v", *args, ics=url)
            check(r.rc == 0 and busy_of(r) == busy_of(small), "the big feed is read", r)
            check("'%s': not cached (over 64 MiB)" % url in r.err, "not cached, said with -v", r)
            r = nt(h, "--offline", *args, ics=url)
            one_error(r, 1, url, "never fetched")
    finally:
        h.cleanup()


def test_vdir_entries_not_regular_files_skipped_with_a_warning():
    """A FIFO, a link to /dev/zero and a link to nothing among a vdir's *.ics files
    are skipped with one warning naming each (never read, never silently free), a
    folder named *.ics quietly; the rest of the folder still counts. Within the run's 20 s timeout, read
    directly (few files) and through the cache (16 files or more), cold and warm."""
    h = home()
    try:
        base = nt(h, "freebusy", *WINDOW, ics=fixture("busy", "oneoff.ics"))
        check(base.rc == 0 and len(busy_of(base)) == 4, "the fixture alone", base)
    finally:
        h.cleanup()
    with open(fixture("busy", "oneoff.ics"), encoding="utf-8") as f:
        event = f.read()
    for n in (1, 20):
        h = home()
        try:
            vdir = os.path.join(h.dir, "v")
            os.mkdir(vdir)
            for i in range(n):
                write(os.path.join(vdir, "a%02d.ics" % i), event.replace("UID:", "UID:%d-" % i))
            os.mkfifo(os.path.join(vdir, "p.ics"))
            os.symlink("/dev/zero", os.path.join(vdir, "z.ics"))
            os.mkdir(os.path.join(vdir, "d.ics"))
            os.symlink(os.path.join(h.dir, "gone.ics"), os.path.join(vdir, "n.ics"))
            h.write_config(CONFIG + "[calendar v]\ntype=vdir\npath=%s\n" % vdir)
            want = "notyet: warning: '%s': No such file or directory, skipped\n" % \
                os.path.join(vdir, "n.ics")
            want += "".join("notyet: warning: '%s': not a regular file, skipped\n"
                            % os.path.join(vdir, name) for name in ("p.ics", "z.ics"))
            for when in ("cold", "warm"):
                r = nt(h, "freebusy", *WINDOW, ics=None, timeout=20)
                check(r.rc == 0 and r.out == base.out, "%d files, %s: busy" % (n, when), r)
                check(r.err == want, "%d files, %s: one warning each" % (n, when), r)
        finally:
            h.cleanup()


# --- letter template ---------------------------------------------------------------

def test_template_errors_name_file_line_and_field_and_record_nothing():
    """Catalogue 40: an unknown field, an unclosed section or a stray tag: exit 2, one
    line naming the template, the line and the field; the store is unchanged."""
    h, before = with_one_followup()
    try:
        cases = (("Hi {{first_name}},\n\n{{company}}\n", "line 3: unknown field 'company'"),
                 ("Hi,\n{{#met}}we met {{met}}\n", "line 2: section 'met' is never closed"),
                 ("Hi {{first_name\n", "line 1: '{{' without a closing '}}'"),
                 ("x\n{{/closing}}\n", "line 2: '{{/closing}}' closes no open section"))
        for text, needle in cases:
            path = write(os.path.join(h.dir, "letter.txt"), text)
            r = nt(h, "reply", "Bob Stone", "--template", path)
            one_error(r, 2, "'%s'" % path, needle)
            check(store_state(h) == before, "nothing recorded", r)
    finally:
        h.cleanup()


def test_template_size_at_and_past_the_limit():
    """A 64 KiB template is used; one byte more is refused naming the limit."""
    h = home()
    try:
        body = "Hi {{first_name}}: {{slot1}} or {{slot2}}.\n"
        at = body + "#" * (64 * 1024 - len(body) - 1) + "\n"
        path = write(os.path.join(h.dir, "letter.txt"), at)
        r = nt(h, "reply", "Bob Stone", "-n", "--template", path)
        check(r.rc == 0 and r.out.startswith("Hi Bob: "), "64 KiB: used", r)
        write(path, at + "\n")
        one_error(nt(h, "reply", "Bob Stone", "--template", path), 2, path,
                  "larger than 64 KiB")
        check(not os.path.exists(h.db), "nothing recorded")
    finally:
        h.cleanup()


def test_template_binary_and_non_files():
    """Binary, a NUL byte, a directory, a FIFO, /dev/zero as the template: exit 2
    naming it, within the run's 20 s timeout (a FIFO or /dev/zero used to hang the
    reply)."""
    h = home()
    try:
        binary = write(os.path.join(h.dir, "bin.txt"), bytes(range(256)))
        nul = write(os.path.join(h.dir, "nul.txt"), b"Hi {{first_name}}\x00\n")
        fifo = os.path.join(h.dir, "fifo.txt")
        os.mkfifo(fifo)
        for path, why in ((binary, "not UTF-8 text"), (nul, "not UTF-8 text"),
                          (h.dir, "not a regular file"), (fifo, "not a regular file"),
                          ("/dev/zero", "not a regular file"),
                          (os.path.join(h.dir, "none.txt"), "No such file")):
            r = nt(h, "reply", "Bob Stone", "--template", path, timeout=20)
            one_error(r, 2, path, why)
        check(not os.path.exists(h.db), "nothing recorded")
    finally:
        h.cleanup()


def test_letter_values_inserted_literally():
    """Catalogue 41: {{...}} in NAME, --met or --closing is inserted as typed, never
    expanded a second time."""
    h = home()
    try:
        path = write(os.path.join(h.dir, "letter.txt"),
                     "[{{name}}] [{{first_name}}] [{{met}}] [{{closing}}] {{slot1}}\n")
        r = nt(h, "reply", "{{slot2}} Roe", "--met", "at {{my_phone}}", "--closing",
               "{{#met}}x{{/met}} }}{{", "-n", "--template", path)
        check(r.rc == 0, "exit 0", r)
        check(" ".join(r.out.split()) == "[{{slot2}} Roe] [{{slot2}}] [at {{my_phone}}] "
              "[{{#met}}x{{/met}} }}{{] tomorrow at 10a ET", "literal values", r)
    finally:
        h.cleanup()


def test_letter_values_with_control_characters_refused():
    """Catalogue 41, decided: a terminal escape (ESC, BEL, DEL, C1 such as U+009B) or a
    line break (CR, LF, tab, U+2028) in NAME, --met or --closing is a usage error
    naming the argument: it would reach the letter, the store, the invite and every
    later terminal listing. decide refuses such a NAME with the same line. Nothing is
    recorded."""
    h, before = with_one_followup()
    try:
        for bad in (ESC + "[2J", "bell\x07", "del\x7f", "csi\u009b31m", "nul?\x01"):
            one_error(nt(h, "reply", "Bob " + bad), 2, "NAME", "control characters")
            one_error(nt(h, "reply", "Bob", "--met", "at " + bad), 2, "--met")
            one_error(nt(h, "reply", "Bob", "--closing", bad), 2, "--closing")
        for brk in ("a\nb", "a\r\nX-INJECT:1", "a\tb", "a\u2028b"):
            one_error(nt(h, "reply", "Bob", "--met", brk), 2, "--met")
            one_error(nt(h, "reply", "Bob", "--closing", brk), 2, "--closing")
            # NAME: refused by reply and decide alike, with the same line.
            want = ("notyet: the NAME must be one line of UTF-8 text without control "
                    "characters; see 'notyet %s --help'\n")
            r = nt(h, "reply", "Bob " + brk)
            one_error(r, 2)
            check(r.err == want % "reply", "reply NAME %r" % brk, r)
            r = nt(h, "decide", "Bob " + brk, "--know", "no")
            one_error(r, 2)
            check(r.err == want % "decide", "decide NAME %r" % brk, r)
        check(store_state(h) == before, "nothing recorded")
    finally:
        h.cleanup()


# --- follow-up store ------------------------------------------------------------------

def test_store_path_not_usable():
    """The store is a directory, or its folder is a file: exit 1 naming the path;
    nothing is created."""
    h = home()
    try:
        plain = write(os.path.join(h.dir, "plain"), "keep\n")
        r = run(["--now", NOW, "--ics", WEEK, "--db", h.dir, "reply", "Ann"], home=h)
        one_error(r, 1, "'%s'" % h.dir, "is a folder, not a notyet store")
        r = run(["--now", NOW, "--ics", WEEK, "--db", plain + "/x.db", "reply", "Ann"], home=h)
        one_error(r, 1, plain)
        check(read_bytes(plain) == b"keep\n", "the file in the way is untouched")
    finally:
        h.cleanup()


def test_store_newer_schema_left_as_it_is():
    """Catalogue 47: a store written by a newer notyet: exit 1 naming the path and the
    versions, every command; the file is left byte for byte."""
    h, _ = with_one_followup()
    try:
        con = sqlite3.connect(h.db)
        con.execute("PRAGMA user_version = 99")
        con.commit()
        con.close()
        data = read_bytes(h.db)
        for args in (["followups"], ["reply", "Bob"], ["book", "1", "--slot", "1"],
                     ["export", "1"], ["decide", "Cy", "--know", "no"]):
            r = nt(h, *args)
            one_error(r, 1, "'%s'" % h.db, "newer notyet (schema 99")
            check(read_bytes(h.db) == data, "%s: the file is unchanged" % args[0], r)
    finally:
        h.cleanup()


def test_store_garbage_file_never_overwritten():
    """Catalogue 46: binary garbage (not a database) at the store path: exit 1 naming
    it; the file is left byte for byte."""
    h = home()
    try:
        os.makedirs(os.path.dirname(h.db), exist_ok=True)
        data = bytes(range(256)) * 64
        write(h.db, data)
        for args in (["followups"], ["reply", "Ann"], ["decide", "Cy", "--know", "no"]):
            r = nt(h, *args)
            one_error(r, 1, "'%s'" % h.db,
                      "is a file of another kind (not an SQLite database), not a notyet store")
            check(read_bytes(h.db) == data, "%s: unchanged" % args[0], r)
    finally:
        h.cleanup()


# --- invite writer ------------------------------------------------------------------

def booked():
    h, _ = with_one_followup()
    r = nt(h, "book", "1", "--slot", "1")
    check(r.rc == 0, "book", r)
    return h


def leftovers(folder):
    return sorted(n for n in os.listdir(folder) if n.startswith("call.ics") or ".ics." in n)


def test_export_output_not_writable():
    """Catalogue 42/50: -o in a missing folder, under a file, or onto a directory: exit 1,
    one line naming the file; no partial or temporary file is left."""
    h = booked()
    try:
        before = store_state(h)
        plain = write(os.path.join(h.dir, "plain"), "keep\n")
        folder = os.path.join(h.dir, "out")
        os.mkdir(folder)
        for target, why in ((os.path.join(h.dir, "none", "call.ics"), "No such file"),
                            (os.path.join(plain, "call.ics"), "Not a directory"),
                            (folder, "Is a directory")):
            r = nt(h, "export", "1", "-o", target, "--force", ics=None)
            one_error(r, 1, "cannot write '%s'" % target, why)
        check(os.listdir(folder) == [] and leftovers(h.dir) == [], "no temporary file left")
        check(read_bytes(plain) == b"keep\n", "the file in the way is untouched")
        check(store_state(h) == before, "the store is unchanged")
    finally:
        h.cleanup()


def test_export_existing_file_needs_force():
    """Catalogue 42: an existing -o file is refused without --force, left as it was."""
    h = booked()
    try:
        target = write(os.path.join(h.dir, "call.ics"), "mine\n")
        r = nt(h, "export", "1", "-o", target, ics=None)
        one_error(r, 1, "'%s' exists" % target, "--force")
        check(read_bytes(target) == b"mine\n", "unchanged")
        r = nt(h, "export", "1", "-o", target, "--force", ics=None)
        check(r.rc == 0 and read_bytes(target).startswith(b"BEGIN:VCALENDAR\r\n"), "replaced", r)
    finally:
        h.cleanup()


nytest.main(globals())
