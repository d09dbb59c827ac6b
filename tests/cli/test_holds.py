"""--offline with a holds= calendar (doc/calendar-writes.md): a command that
would write to the calendar is a usage error naming the way on; reading
commands work as without holds=. No server: nothing here may reach one."""
import nytest
from nytest import Home, check, check_usage_error, run

NOW = "2026-01-05T08:00:00Z"
# A caldav calendar on a port nobody listens on: any request would fail.
CONFIG = ("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
          "url=http://127.0.0.1:9/\nholds=Holds\n\n"
          "[calendar files]\ntype=ics\nurl=%s\n")


def home():
    return Home(CONFIG % nytest.fixture("demo.ics"))


def notyet(h, *args):
    return run(["--config", h.config, "--now", NOW, "--offline"] + list(args), home=h)


def test_offline_reply_names_no_hold():
    h = home()
    try:
        r = notyet(h, "reply", "Ann Roe")
        check_usage_error(r, "--no-hold")
        check("'work'" in r.err and "holds=Holds" in r.err, "names the calendar", r)
    finally:
        h.cleanup()


def test_offline_decide_reply_names_no_hold():
    h = home()
    try:
        r = notyet(h, "decide", "Ann Roe", "--know", "yes", "--trust", "yes",
                   "--recommend", "yes", "--reply")
        check(r.rc == 2 and "--no-hold" in r.err, "decide --reply as reply", r)
    finally:
        h.cleanup()


def test_offline_nudge_names_no_hold():
    h = home()
    try:
        r = notyet(h, "nudge", "1")
        check_usage_error(r, "--no-hold")
    finally:
        h.cleanup()


def test_offline_book_says_go_online():
    h = home()
    try:
        r = notyet(h, "book", "1", "--slot", "1")
        check_usage_error(r, "without --offline")
    finally:
        h.cleanup()


def test_offline_dry_run_writes_nothing_and_is_refused_only_for_the_network():
    h = home()
    try:
        r = notyet(h, "reply", "Ann Roe", "--dry-run")
        check("--no-hold" not in r.err, "a dry run writes nothing: no holds refusal", r)
    finally:
        h.cleanup()


def test_offline_reading_commands_work():
    h = home()
    try:
        r = notyet(h, "followups")
        check(r.rc == 0, "followups", r)
        r = notyet(h, "--ics", nytest.fixture("demo.ics"), "slots")
        check(r.rc == 0, "slots from a file", r)
    finally:
        h.cleanup()


nytest.main(globals())
