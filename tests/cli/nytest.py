"""Shared helpers for the cli suite: run the notyet binary in a pinned,
private environment and report TAP.

Each tests/cli/test_*.py script imports this module, defines functions named
test_*, and calls nytest.main(globals()). The binary comes from $NOTYET_BIN
(set by meson), fixtures from $NOTYET_SRCDIR/fixtures.
"""
import os
import shutil
import subprocess
import sys
import tempfile
import traceback

BIN = os.environ.get("NOTYET_BIN", "notyet")
SRCDIR = os.environ.get("NOTYET_SRCDIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(SRCDIR, "fixtures")
# Set by the valgrind test setup: the command that wraps every notyet run.
WRAPPER = os.environ.get("NOTYET_WRAPPER", "").split()
# The wrapper's exit status when it found an error (valgrind --error-exitcode).
WRAPPER_ERROR = 99


def fixture(*parts):
    return os.path.join(FIXTURES, *parts)


def read_fixture(*parts):
    with open(fixture(*parts), encoding="utf-8") as f:
        return f.read()


class Home:
    """A private HOME with XDG dirs, so no test touches the user's files."""

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="notyet-cli-")
        self.config = os.path.join(self.dir, "config", "notyet", "config.ini")
        self.db = os.path.join(self.dir, "data", "notyet", "notyet.db")

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


class Result:
    def __init__(self, rc, out, err):
        self.rc, self.out, self.err = rc, out, err

    def __repr__(self):
        return "exit %d\n--- stdout\n%s--- stderr\n%s" % (self.rc, self.out, self.err)


def command(args):
    """The argv that runs notyet with args, under $NOTYET_WRAPPER when set."""
    return WRAPPER + [BIN] + list(args)


def run(args, home=None, stdin=None, env=None, timeout=60):
    """Runs notyet with args; returns Result(rc, stdout, stderr) as text."""
    own = home is None
    home = home or Home()
    try:
        p = subprocess.run(command(args), input=stdin, capture_output=True, text=True,
                           env=home.env(env), timeout=timeout * (10 if WRAPPER else 1))
        if WRAPPER and p.returncode == WRAPPER_ERROR:
            raise AssertionError("%s reported errors:\n%s" % (WRAPPER[0], p.stderr))
        return Result(p.returncode, p.stdout, p.stderr)
    finally:
        if own:
            home.cleanup()


def check(cond, what, result=None):
    if not cond:
        raise AssertionError(what + ("\n" + repr(result) if result is not None else ""))


def check_usage_error(r, needle=None):
    """Exit 2, nothing on stdout, one 'notyet: ' line on stderr."""
    check(r.rc == 2, "exit status 2 expected", r)
    check(r.out == "", "stdout must be empty on an error", r)
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("notyet: "), "one error line expected", r)
    if needle:
        check(needle in r.err, "stderr should mention %r" % needle, r)


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
