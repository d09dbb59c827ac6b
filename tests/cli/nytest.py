"""Shared helpers for the cli suite: run the notyet binary in a pinned,
private environment and report TAP.

Each tests/cli/test_*.py script imports this module, defines functions named
test_*, and calls nytest.main(globals()). The binary comes from $NOTYET_BIN
(set by meson), fixtures from $NOTYET_SRCDIR/fixtures. A helper that two
scripts need lives here, not in a copy in each (like git's
t/test-lib-functions.sh): the --now and the user several scripts share,
checks of a run's outcome, files, the store, a loopback HTTP server and
calendars of a given size.
"""
import configparser
import functools
import http.server
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import traceback

BIN = os.environ.get("NOTYET_BIN", "notyet")
SRCDIR = os.environ.get("NOTYET_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(SRCDIR, "fixtures")
# Set by the valgrind test setup: the command that wraps every notyet run.
WRAPPER = os.environ.get("NOTYET_WRAPPER", "").split()
# The wrapper's exit status when it found an error (valgrind --error-exitcode).
WRAPPER_ERROR = 99

# The --now of the scripts that offer the slots of fixtures/slots/week.ics.
NOW = "2026-11-30T10:00:00-05:00"  # a Monday
# `done` needs the call to have started: it runs a week later.
LATER = "2026-12-07T10:00:00-05:00"
# The user whose letters the golden files sign (fixtures/letter/reply-richard.txt).
CONFIG = """[me]
name=Jane Doe
email=jane@example.com
phone=212.888.9999
timezone=America/New_York
"""


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def read_fixture(*parts):
    with open(fixture(*parts), encoding="utf-8") as f:
        return f.read()


def read_bytes(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    """Writes bytes or text (as is: no newline translation) to path; returns path."""
    if isinstance(data, bytes):
        with open(path, "wb") as f:
            f.write(data)
    else:
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(data)
    return path


class Home:
    """A private HOME with XDG dirs, so no test touches the user's files; with
    config, its config.ini holds that text."""

    def __init__(self, config=None):
        self.dir = tempfile.mkdtemp(prefix="notyet-cli-")
        self.config = os.path.join(self.dir, "config", "notyet", "config.ini")
        self.db = os.path.join(self.dir, "data", "notyet", "notyet.db")
        if config is not None:
            self.write_config(config)

    def env(self, extra=None):
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": self.dir,
            "XDG_CONFIG_HOME": os.path.join(self.dir, "config"),
            "XDG_DATA_HOME": os.path.join(self.dir, "data"),
            "XDG_CACHE_HOME": os.path.join(self.dir, "cache"),
            "TZ": "UTC",
            "LC_ALL": "C.UTF-8",
        }
        for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS", "G_DEBUG", "G_SLICE"):
            if k in os.environ:
                env[k] = os.environ[k]
        if extra:
            env.update(extra)
        return env

    def write_config(self, text, mode=0o600):
        os.makedirs(os.path.dirname(self.config), exist_ok=True)
        with open(self.config, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(self.config, mode)
        return self.config

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def home(config=CONFIG):
    """A Home whose config.ini is config (CONFIG unless given)."""
    return Home(config)


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "exit %d\n--- stdout\n%s--- stderr\n%s" % (self.rc, self.out, self.err)


def command(args):
    """The argv that runs notyet with args, under $NOTYET_WRAPPER when set."""
    return WRAPPER + [BIN] + list(args)


def without_wrapper_notes(err):
    """stderr without valgrind's own notes ("--PID-- WARNING: unhandled
    syscall" for GLib's pidfd_open): they are not notyet's output, and its
    errors (exit 99) are reported above."""
    if not WRAPPER:
        return err
    return "".join(l for l in err.splitlines(True) if not re.match(r"--\d+-- ", l))


def run(args, home=None, stdin=None, env=None, timeout=60):
    """Runs notyet with args; returns Result(rc, stdout, stderr) as text."""
    own = home is None
    home = home or Home()
    try:
        p = subprocess.run(command(args), input=stdin, capture_output=True, text=True,
                           env=home.env(env), timeout=timeout * (10 if WRAPPER else 1))
        if WRAPPER and p.returncode == WRAPPER_ERROR:
            raise AssertionError("%s reported errors:\n%s" % (WRAPPER[0], p.stderr))
        return Result(p.returncode, p.stdout, without_wrapper_notes(p.stderr))
    finally:
        if own:
            home.cleanup()


def check(cond, what, result=None):
    if not cond:
        raise AssertionError(what + ("\n" + repr(result) if result is not None else ""))


def run_ok(args, **kwargs):
    """run() that must exit 0."""
    r = run(args, **kwargs)
    check(r.rc == 0, " ".join(args), r)
    return r


def json_of(r, key):
    """The member key of a run's JSON output; the run must have exited 0."""
    check(r.rc == 0, "exit 0 with JSON expected", r)
    return json.loads(r.out)[key]


def one_error(r, rc, *needles):
    """Exit rc, nothing on stdout, exactly one 'notyet: ' line naming every needle."""
    check(r.rc == rc, "exit status %d expected" % rc, r)
    check(r.out == "", "stdout must be empty on an error", r)
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("notyet: "), "one error line expected", r)
    for n in needles:
        check(n in r.err, "the error should name %r" % n, r)


def check_usage_error(r, needle=None):
    """Exit 2, nothing on stdout, one 'notyet: ' line on stderr (naming needle)."""
    one_error(r, 2, *([needle] if needle else []))


def read_ini(path):
    """The configuration file at path as a ConfigParser, keys as written."""
    p = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    p.optionxform = str
    with open(path, encoding="utf-8") as f:
        p.read_string(f.read())
    return p


def query(db, sql, *params):
    """All rows of one SQL statement on the store at db, read directly."""
    con = sqlite3.connect(db)
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def integrity(db):
    """SQLite's integrity check of the store at db: "ok" when it is sound."""
    return query(db, "PRAGMA integrity_check")[0][0]


def offered_starts(followups):
    """The start of every slot offered by the offered follow-ups of a
    `followups --format json` list."""
    return [s["start"] for f in followups if f["state"] == "offered" for s in f["slots"]]


def sized_event(total, uid="big"):
    """A calendar whose VEVENT, BEGIN:VEVENT to END:VEVENT with CRLFs, is total bytes."""
    head = ("BEGIN:VEVENT\r\nUID:%s\r\nDTSTART:20260302T140000Z\r\n"
            "DTEND:20260302T150000Z\r\n" % uid)
    tail = "END:VEVENT\r\n"
    left = total - len(head) - len(tail)
    pads = []
    while left > 0:
        n = min(left, 1000000)
        check(n >= 8, "room for a padding line")
        pads.append("X-PAD:" + "a" * (n - 8) + "\r\n")
        left -= n
    event = head + "".join(pads) + tail
    check(len(event) == total, "event of %d bytes" % total)
    return "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + event + "END:VCALENDAR\r\n"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files without logging each request to stderr (the TAP stream's
    neighbour)."""

    def log_message(self, *args):
        pass


class Server:
    """A loopback HTTP server for the files of directory, one thread per
    request; `with Server(d) as base:` gives "http://127.0.0.1:PORT/"."""

    def __init__(self, directory):
        handler = functools.partial(QuietHandler, directory=directory)
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)

    def __enter__(self):
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return "http://127.0.0.1:%d/" % self.httpd.server_address[1]

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


def strace_path():
    """strace, for the tests that inject faults or list calls; Skip where it
    is missing or cannot trace (ptrace forbidden in a container)."""
    path = shutil.which("strace")
    if path is None:
        raise Skip("strace is not installed")
    p = subprocess.run([path, "-o", "/dev/null", "true"], capture_output=True)
    if p.returncode != 0:
        raise Skip("strace cannot trace here: %s" % p.stderr.decode(errors="replace"))
    return path


def traced_env(h, extra=None):
    """@h's environment for a run under strace: LeakSanitizer cannot run under
    ptrace, so it is off there (the same commands run leak-checked
    everywhere else)."""
    asan = os.environ.get("ASAN_OPTIONS", "")
    return h.env(dict(extra or {}, ASAN_OPTIONS=(asan + ":" if asan else "") + "detect_leaks=0"))


class Skip(Exception):
    """Raised by a test that cannot run here (a tool is missing): TAP SKIP."""


def main(namespace):
    tests = [(n, f) for n, f in sorted(namespace.items()) if n.startswith("test_") and callable(f)]
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, func) in enumerate(tests, 1):
        try:
            func()
            print("ok %d %s" % (i, name))
        except Skip as e:
            print("ok %d %s # SKIP %s" % (i, name, e))
        except Exception:  # report every failure, keep going
            failed += 1
            print("not ok %d %s" % (i, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    sys.stdout.flush()
    sys.exit(1 if failed else 0)
