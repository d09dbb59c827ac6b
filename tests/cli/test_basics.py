"""The command line itself: --version, help, unknown commands and options."""
import nytest
from nytest import check, check_usage_error, run


def test_version():
    r = run(["--version"])
    check(r.rc == 0 and r.out.startswith("notyet ") and r.err == "", "version", r)


def test_help_lists_commands():
    r = run(["--help"])
    check(r.rc == 0, "exit 0", r)
    for cmd in ("decide", "freebusy", "slots", "reply", "followups", "book", "export"):
        check(cmd in r.out, "help names %s" % cmd, r)


def test_help_x_equals_x_help():
    a = run(["help", "decide"])
    b = run(["decide", "--help"])
    check(a.rc == 0 and a.out == b.out and "decide" in a.out, "help decide == decide --help", a)


def test_unknown_command():
    check_usage_error(run(["frobnicate"]), "frobnicate")


def test_unknown_option():
    check_usage_error(run(["decide", "--bogus"]), "see 'notyet decide --help'")


def test_bad_format():
    check_usage_error(run(["--format", "xml", "decide", "--know", "no"]), "xml")


def test_bad_tz():
    check_usage_error(run(["--tz", "Nowhere/Nope", "decide", "--know", "no"]), "Nowhere/Nope")


def test_bad_now():
    check_usage_error(run(["--now", "yesterday", "decide", "--know", "no"]), "yesterday")


nytest.main(globals())
