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


def answer_me(t):
    t.expect("Your name")
    t.send("Jane Doe")
    t.expect("Your email:")
    t.send("")  # no default: asked again
    t.expect("an answer is needed (or give --email)")
    t.expect("Your email:")
    t.send("jane.example.com")  # not an address: asked again
    t.expect("is not an email address")
    t.expect("Your email:")
    t.send("jane@example.com")
    t.expect("Your phone [none]:")
    t.send("")
    t.expect("Your time zone [UTC]:")
    t.send("")
    t.expect("Working days [Mon-Fri]:")
    t.send("")
    t.expect("Working hours [09:00-17:00]:")
    t.send("9-17")


def test_radicale_terminal():
    home = nytest.Home()
    try:
        t = Terminal(home, ["--now", NOW, "init"])
        try:
            answer_me(t)
            t.expect("Calendar server [none]:")
            t.send("radicale")
            t.expect("Server URL:")
            t.send(RADICALE.base + "/")
            t.expect("User name [none]:")
            t.send("alice")
            t.expect("Password command [none]:")
            t.send("echo secret1")
            t.expect("2. Work (1 event)")
            t.expect("Which count as busy?")
            t.send("Nope")
            t.expect("no calendar 'Nope'")
            t.expect("Which count as busy?")
            t.send("2")
            t.expect("holds")
            t.send("")
            rc, rest = t.finish()
        except Exception:
            t.finish(timeout=1)
            raise
        check(rc == 0, "init exit 0:\n" + rest)
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
        t = Terminal(home, ["--now", NOW, "init"])
        try:
            answer_me(t)
            t.expect("Calendar server [none]:")
            t.send(XANDIKOS.base)
            t.expect("User name [none]:")
            t.send("")
            t.expect("Which count as busy?")
            t.send("")
            t.expect("holds")
            t.send("1")
            rc, rest = t.finish()
        except Exception:
            t.finish(timeout=1)
            raise
        check(rc == 0, "init exit 0:\n" + rest)
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
        t = Terminal(home, ["--now", NOW, "init"])
        try:
            answer_me(t)
            t.expect("Calendar server [none]:")
            t.send(cyrus.base + "/")
            t.expect("User name [none]:")
            t.send(cyrus.user)
            t.expect("Password command [none]:")
            t.send("echo " + cyrus.password)
            t.expect("(1 event)")
            t.expect("Which count as busy?")
            t.send("")
            t.expect("holds")
            t.send("")
            rc, rest = t.finish()
        except Exception:
            t.finish(timeout=1)
            raise
        check(rc == 0, "init exit 0:\n" + rest)
        check("the next 14 days: 1 busy period" in rest and "wrote " + home.config in rest,
              "the 14-day check and the file:\n" + rest)
        check(cyrus.password not in t.all.decode("utf-8", "replace").replace(
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
        t = Terminal(home, ["--now", NOW, "init"])
        try:
            answer_me(t)
            t.expect("Calendar server [none]:")
            t.send(RADICALE.base + "/")
            t.expect("User name [none]:")
            t.send("alice")
            t.expect("Password command [none]:")
            t.send("type")
            t.expect("Password (not shown):")
            t.send("secret1")
            t.expect("kept in the file")
            t.expect("Which count as busy?")
            t.send("Work")
            t.expect("holds")
            t.send("none")
            rc, rest = t.finish()
        except Exception:
            t.finish(timeout=1)
            raise
        check(rc == 0, "init exit 0:\n" + rest)
        check(b"secret1" not in t.all, "the typed password is not echoed")
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
