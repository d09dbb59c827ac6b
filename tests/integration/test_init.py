"""`notyet init` against real Radicale (Basic auth), Xandikos (none) and,
as root, Cyrus (SASL PLAIN), by flags and through a pseudo-terminal, then
`reply --dry-run` with the written file: the letter's times avoid an event
seeded on the server."""
import os
import pty
import select
import signal
import stat
import subprocess
import time

import caldavtest as ct
import davservers
import nytest
from caldavtest import check

# A Monday morning: with 24 hours' notice the first possible slot is
# Tuesday 2026-03-03 09:00 UTC, where the seeded meeting sits.
NOW = "2026-03-02T08:00:00Z"
MEETING = ("2026-03-03T09:00:00Z", "2026-03-03T12:00:00Z")
# On a calendar that is not counted as busy: it must not move the slots.
IGNORED = ("2026-03-05T09:00:00Z", "2026-03-05T17:00:00Z")
ME = ["--name", "Jane Doe", "--email", "jane@example.com", "--tz", "UTC"]


def event(uid, span):
    start, end = (t.replace("-", "").replace(":", "") for t in span)
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\nBEGIN:VEVENT\r\n"
            "UID:%s@notyet-test\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:%s\r\nDTEND:%s\r\n"
            "SUMMARY:Private\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n" % (uid, start, end))


RADICALE = davservers.Radicale(users={"alice": "secret1"})
XANDIKOS = davservers.Xandikos()
try:
    RADICALE.start()
    RADICALE.mkcalendar("/alice/work/", "Work")
    RADICALE.mkcalendar("/alice/family/", "Family")
    RADICALE.put("/alice/work/meeting.ics", event("meeting", MEETING))
    RADICALE.put("/alice/family/away.ics", event("away", IGNORED))
    XANDIKOS.start()
    XANDIKOS.put("/user/calendars/calendar/meeting.ics", event("meeting", MEETING))
except Exception:
    RADICALE.cleanup()
    XANDIKOS.cleanup()
    raise


def overlaps(a, b):
    return a[0] < b[1] and b[0] < a[1]


LOGIN = ["--url", RADICALE.base + "/", "--username", "alice", "--password-command",
         "echo secret1"]


def init(home, args):
    """init by flags, stdin not a terminal, at NOW."""
    return nytest.run(["--now", NOW, "init"] + ME + list(args), home=home, stdin="")


def check_letter(home, busy_after=MEETING[1]):
    """reply --dry-run with the written file: a letter whose times are the
    slots', none over the meeting, the first right after it."""
    s = nytest.run(["--now", NOW, "--format", "json", "slots"], home=home)
    slots = nytest.json_of(s, "slots")
    check(len(slots) == 2, "two slots", s)
    for x in slots:
        check(not overlaps((x["start"], x["end"]), MEETING), "no slot over the meeting", s)
    check(slots[0]["start"].startswith("2026-03-03") and slots[0]["start"] >= busy_after,
          "the first slot the same day, after the meeting", s)
    # Two days later (spread_days): a Thursday kept free by a calendar that
    # does not count as busy.
    check(slots[1]["start"].startswith("2026-03-05"), "the second slot on Thursday", s)
    r = nytest.run(["--now", NOW, "reply", "Bob Smith", "--dry-run"], home=home)
    check(r.rc == 0 and "Hi Bob" in r.out, "a letter", r)
    for x in slots:
        check(x["text"] in r.out, "the letter offers %r" % x["text"], r)
    check(not os.path.exists(home.db), "--dry-run records nothing", r)
    return slots


def test_radicale_flags():
    home = nytest.Home()
    try:
        r = init(home, ["--provider", "radicale"] + LOGIN + ["--busy", "Work", "--holds", "Work"])
        check(r.rc == 0 and "wrote " + home.config in r.out, "init exit 0", r)
        check("Work (1 event, busy, holds)" in r.out and "Family (1 event)" in r.out,
              "the calendars with their counts", r)
        check("the next 14 days: 1 busy period" in r.out, "the 14-day check", r)
        check("secret1" not in r.out + r.err, "the password never shown", r)
        check(stat.S_IMODE(os.stat(home.config).st_mode) == 0o600, "mode 0600", r)
        cal = nytest.read_ini(home.config)["calendar radicale"]
        check(dict(cal) == {"type": "caldav", "url": RADICALE.base + "/alice/",
                            "username": "alice", "password_command": "echo secret1",
                            "calendars": "Work", "holds": "Work"}, "the calendar group: %r" % dict(cal), r)
        check_letter(home)
    finally:
        home.cleanup()


def test_radicale_failed_login_writes_nothing():
    home = nytest.Home()
    try:
        r = init(home, LOGIN[:-1] + ["echo wrong"])
        ct.check_one_error_line(r, "alice", status=1)
        check(not os.path.exists(os.path.dirname(home.config)) or
              os.listdir(os.path.dirname(home.config)) == [], "nothing written", r)
    finally:
        home.cleanup()


def test_radicale_unknown_busy_calendar():
    home = nytest.Home()
    try:
        r = init(home, LOGIN + ["--busy", "Work;Holidays"])
        ct.check_one_error_line(r, "--busy", status=2)
        check("Holidays" in r.err and "'Family'" in r.err, "names what was found", r)
        check(not os.path.exists(home.config), "nothing written", r)
    finally:
        home.cleanup()


def test_xandikos_flags():
    home = nytest.Home()
    try:
        r = init(home, ["--url", XANDIKOS.base + "/", "--yes"])
        check(r.rc == 0, "init exit 0", r)
        check("the next 14 days: 1 busy period" in r.out, "the 14-day check", r)
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["url"] == XANDIKOS.base + "/user/calendars/", "the calendar home", r)
        check("username" not in cal and "calendars" not in cal, "no login, every calendar", r)
        check_letter(home)
    finally:
        home.cleanup()


def cyrus_with_meeting():
    """A started Cyrus whose default calendar holds the meeting; skips the
    test where Cyrus cannot run."""
    why = davservers.Cyrus.available()
    if why is not None:
        raise nytest.Skip(why)
    cyrus = davservers.Cyrus()
    try:
        cyrus.start()
        cyrus.put("/dav/calendars/user/%s/Default/meeting.ics" % cyrus.user,
                  event("meeting", MEETING))
    except Exception:
        cyrus.cleanup()
        raise
    return cyrus


def test_cyrus_flags():
    cyrus = cyrus_with_meeting()
    home = nytest.Home()
    try:
        r = init(home, ["--url", cyrus.base + "/", "--username", cyrus.user,
                        "--password-command", "echo " + cyrus.password])
        check(r.rc == 0, "init exit 0", r)
        check("(1 event, busy)" in r.out and "the next 14 days: 1 busy period" in r.out,
              "the default calendar and the 14-day check", r)
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["url"] == cyrus.home(), "the calendar home: %r" % dict(cal), r)
        check_letter(home)
    finally:
        home.cleanup()
        cyrus.cleanup()


def test_xandikos_token_command():
    """A Bearer token's command instead of a user name (Xandikos takes any)."""
    home = nytest.Home()
    try:
        r = init(home, ["--url", XANDIKOS.base + "/", "--token-command", "echo tok123"])
        check(r.rc == 0 and "tok123" not in r.out + r.err, "init exit 0, no token shown", r)
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["token_command"] == "echo tok123" and "username" not in cal,
              "token_command written: %r" % dict(cal), r)
        check_letter(home)
    finally:
        home.cleanup()


class Terminal:
    """notyet run on a pseudo-terminal: expect() reads until a text shows,
    send() types a line."""

    def __init__(self, home, args):
        self.master, slave = pty.openpty()
        self.proc = subprocess.Popen(nytest.command(args), stdin=slave, stdout=slave,
                                     stderr=slave, env=home.env(), start_new_session=True)
        os.close(slave)
        self.seen = b""
        self.all = b""  # everything shown

    def expect(self, text, timeout=60):
        deadline = time.monotonic() + timeout * (10 if nytest.WRAPPER else 1)
        want = text.encode()
        while want not in self.seen:
            left = deadline - time.monotonic()
            check(left > 0, "%r not shown; the terminal shows:\n%s" % (text, self.text()))
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:  # EIO: the program has ended
                    data = b""
                check(data != b"", "ended before %r:\n%s" % (text, self.text()))
                self.seen += data
                self.all += data
        # What follows the prompt is what the next expect() looks at.
        self.seen = self.seen[self.seen.index(want) + len(want):]

    def send(self, line):
        os.write(self.master, line.encode() + b"\n")

    def text(self):
        return self.seen.decode("utf-8", "replace")

    def finish(self, timeout=60):
        """Reads to the end; returns (exit status, the rest of the output)."""
        rest = b""
        deadline = time.monotonic() + timeout * (10 if nytest.WRAPPER else 1)
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.master], [], [], 0.5)
            if ready:
                try:
                    data = os.read(self.master, 4096)
                except OSError:
                    data = b""
                if not data:
                    break
                rest += data
                self.all += data
            elif self.proc.poll() is not None:
                break
        try:
            rc = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            rc = self.proc.wait()
        os.close(self.master)
        return rc, (self.seen + rest).decode("utf-8", "replace")


# The questions about the user, each (what the terminal shows, the line typed
# then, or None: type nothing and wait for what follows).
ANSWER_ME = [
    ("Your name", "Jane Doe"),
    ("Your email:", ""),  # no default: asked again
    ("an answer is needed (or give --email)", None),
    ("Your email:", "jane.example.com"),  # not an address: asked again
    ("is not an email address", None),
    ("Your email:", "jane@example.com"),
    ("Your phone [none]:", ""),
    ("Your time zone [UTC]:", ""),
    ("Working days [Mon-Fri]:", ""),
    ("Working hours [09:00-17:00]:", "9-17"),
]


def init_on_terminal(home, answers):
    """init at NOW on a pseudo-terminal: ANSWER_ME, then answers (the same
    pairs) to the calendar questions; init must exit 0. Returns the output
    after the last answer and, as bytes, everything shown."""
    t = Terminal(home, ["--now", NOW, "init"])
    try:
        for shown, typed in ANSWER_ME + answers:
            t.expect(shown)
            if typed is not None:
                t.send(typed)
        rc, rest = t.finish()
    except Exception:
        t.finish(timeout=1)
        raise
    check(rc == 0, "init exit 0:\n" + rest)
    return rest, t.all


def test_radicale_terminal():
    home = nytest.Home()
    try:
        rest, _ = init_on_terminal(home, [
            ("Calendar server [none]:", "radicale"),
            ("Server URL:", RADICALE.base + "/"),
            ("User name [none]:", "alice"),
            ("Password command [none]:", "echo secret1"),
            ("2. Work (1 event)", None),
            ("Which count as busy?", "Nope"),
            ("no calendar 'Nope'", None),
            ("Which count as busy?", "2"),
            ("holds", ""),
        ])
        check("wrote " + home.config in rest and "next: notyet slots" in rest,
              "the file and the next command:\n" + rest)
        ini = nytest.read_ini(home.config)
        check(ini["availability"]["start"] == "09:00" and ini["me"]["timezone"] == "UTC",
              "the answers written")
        cal = ini["calendar radicale"]
        check(cal["calendars"] == "Work" and cal["password_command"] == "echo secret1",
              "busy: Work; the password command: %r" % dict(cal))
        check_letter(home)
    finally:
        home.cleanup()


def test_xandikos_terminal():
    home = nytest.Home()
    try:
        init_on_terminal(home, [
            ("Calendar server [none]:", XANDIKOS.base),
            ("User name [none]:", ""),
            ("Which count as busy?", ""),
            ("holds", "1"),
        ])
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["url"] == XANDIKOS.base + "/user/calendars/" and "calendars" not in cal,
              "the home, every calendar busy: %r" % dict(cal))
        check("holds" in cal, "the holds calendar: %r" % dict(cal))
        check_letter(home)
    finally:
        home.cleanup()


def test_cyrus_terminal():
    """Cyrus (the server Fastmail runs) through the questions: its calendar
    home is found from the server's root, the login from a command."""
    cyrus = cyrus_with_meeting()
    home = nytest.Home()
    try:
        rest, shown = init_on_terminal(home, [
            ("Calendar server [none]:", cyrus.base + "/"),
            ("User name [none]:", cyrus.user),
            ("Password command [none]:", "echo " + cyrus.password),
            ("(1 event)", None),
            ("Which count as busy?", ""),
            ("holds", ""),
        ])
        check("the next 14 days: 1 busy period" in rest and "wrote " + home.config in rest,
              "the 14-day check and the file:\n" + rest)
        check(cyrus.password not in shown.decode("utf-8", "replace").replace(
            "echo " + cyrus.password, ""), "the password shown only as the typed command")
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["url"] == cyrus.home() and cal["username"] == cyrus.user and
              cal["password_command"] == "echo " + cyrus.password and "calendars" not in cal,
              "the home, the login, every calendar busy: %r" % dict(cal))
        check_letter(home)
    finally:
        home.cleanup()
        cyrus.cleanup()


def test_typed_password_is_not_echoed():
    home = nytest.Home()
    try:
        _, shown = init_on_terminal(home, [
            ("Calendar server [none]:", RADICALE.base + "/"),
            ("User name [none]:", "alice"),
            ("Password command [none]:", "type"),
            ("Password (not shown):", "secret1"),
            ("kept in the file", None),
            ("Which count as busy?", "Work"),
            ("holds", "none"),
        ])
        check(b"secret1" not in shown, "the typed password is not echoed")
        check(stat.S_IMODE(os.stat(home.config).st_mode) == 0o600, "mode 0600")
        cal = nytest.read_ini(home.config)["calendar work"]
        check(cal["password"] == "secret1" and "password_command" not in cal,
              "password= kept: %r" % dict(cal))
        check_letter(home)
    finally:
        home.cleanup()


try:
    nytest.main(globals())
finally:
    RADICALE.cleanup()
    XANDIKOS.cleanup()
