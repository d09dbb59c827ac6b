"""`notyet calendars` without a server: local sources, offline, usage."""
import json
import signal
import subprocess

import nytest
from nytest import Home, check, check_usage_error, run


def test_nothing_configured():
    home = Home("[me]\ntimezone=UTC\n")
    try:
        r = run(["--config", home.config, "calendars"], home=home)
        check(r.rc == 0 and "no calendars configured" in r.out and r.err == "", "hint", r)
    finally:
        home.cleanup()


def test_local_sources_listed():
    home = Home("[me]\ntimezone=UTC\n\n[calendar files]\ntype=ics\nurl=%s\n\n"
                       "[calendar folder]\ntype=vdir\nurl=/tmp\n" % nytest.fixture("demo.ics"))
    try:
        r = run(["--config", home.config, "--format", "json", "calendars"], home=home)
        check(r.rc == 0, "exit 0", r)
        cals = json.loads(r.out)["calendars"]
        check([(c["source"], c["type"], c["used"], c["events"]) for c in cals] ==
              [("files", "ics", True, None), ("folder", "vdir", True, None)], "both rows", r)
        check(json.loads(r.out)["offline"] is False, "not offline", r)
    finally:
        home.cleanup()


def test_offline_before_any_sync():
    home = Home("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
                       "url=http://127.0.0.1:9/\nusername=jane\npassword_command=false\n")
    try:
        r = run(["--config", home.config, "--offline", "calendars"], home=home)
        check(r.rc == 0, "offline needs no network and no password", r)
        check("(offline: nothing cached yet)" in r.out, "says the cache is empty", r)
        r = run(["--config", home.config, "--offline", "--format", "json", "calendars"],
                home=home)
        data = json.loads(r.out)
        check(data["offline"] is True and data["cache_age_seconds"] is None, "json", r)
    finally:
        home.cleanup()


FAILING_PASSWORD = ("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
                    "url=http://127.0.0.1:9/\nusername=jane\n"
                    "password_command=echo pw; exit 3\n")


def test_failing_password_command_named_once():
    """The command fails before any connection: one line, the calendar
    named once, neither the password nor the command shown."""
    home = Home(FAILING_PASSWORD)
    try:
        r = run(["--config", home.config, "calendars"], home=home)
        check(r.rc == 1 and r.out == "", "exit 1", r)
        check(r.err == "notyet: calendar 'work': password_command exited with status 3\n",
              "the exact message", r)
    finally:
        home.cleanup()


def test_failing_password_command_with_sigchld_ignored():
    """Started with SIGCHLD ignored (inherited across exec), notyet still
    learns the command's exit status."""
    home = Home(FAILING_PASSWORD)
    try:
        p = subprocess.run(nytest.command(["--config", home.config, "calendars"]),
                           capture_output=True, text=True, env=home.env(), timeout=600,
                           preexec_fn=lambda: signal.signal(signal.SIGCHLD, signal.SIG_IGN))
        r = nytest.Result(p.returncode, p.stdout, nytest.without_wrapper_notes(p.stderr))
        check(r.rc == 1 and r.out == "", "exit 1", r)
        check("notyet: calendar 'work': password_command exited with status 3\n" in r.err,
              "the command's failure", r)
    finally:
        home.cleanup()


def test_extra_argument():
    check_usage_error(run(["calendars", "extra"]), "unexpected argument 'extra'")


nytest.main(globals())
