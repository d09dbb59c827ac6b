"""REPRODUCERS, NOT IN THE SUITE (left out of tests/cli/meson.build on purpose):
hostile-input bugs found by helper "g" in files it does not own. Each test
fails today; when its bug is fixed, move the test into test_hostile.py.

Run by hand:
  NOTYET_BIN=build/src/notyet NOTYET_SRCDIR=. python3 tests/cli/test_hostile_repro.py

1. src/sources.c: an --ics FILE or a vdir entry that is a FIFO, or a link to
   /dev/zero, is read forever (open() blocks on the FIFO; /dev/zero never
   ends): freebusy/slots/reply hang. Wanted: stat first, refuse anything but a
   regular file (exit 1 naming it), as the config loader does ("not a file").
2. src/ntime.c (or cli.c): a time argument with a line break is echoed raw in
   the error, so the "one error line" becomes two.
3. src/cli.c: an unknown option is echoed whole: `--password=SECRET` prints
   SECRET on stderr (`Unknown option --password=SECRET`), and `--password
   SECRET slots` says "unknown command 'SECRET'". Wanted: name the option only.
"""
import os
import subprocess

import nytest
from nytest import Home, check, fixture, run

SECRET = "hunter2-secret-pw"


def test_ics_fifo_and_dev_zero_do_not_hang():
    h = Home()
    try:
        fifo = os.path.join(h.dir, "cal.ics")
        os.mkfifo(fifo)
        for path in (fifo, "/dev/zero"):
            try:
                r = run(["freebusy", "--ics", path], home=h, timeout=10)
            except subprocess.TimeoutExpired:
                raise AssertionError("freebusy --ics %s hangs" % path)
            check(r.rc == 1 and r.out == "" and path in r.err, "exit 1 naming it", r)
    finally:
        h.cleanup()


def test_vdir_with_a_fifo_or_dev_zero_link_does_not_hang():
    h = Home()
    try:
        vdir = os.path.join(h.dir, "v")
        os.mkdir(vdir)
        with open(fixture("busy", "oneoff.ics"), "rb") as src, \
                open(os.path.join(vdir, "a.ics"), "wb") as dst:
            dst.write(src.read())
        h.write_config("[calendar v]\ntype=vdir\npath=%s\n" % vdir)
        os.mkfifo(os.path.join(vdir, "p.ics"))
        os.symlink("/dev/zero", os.path.join(vdir, "z.ics"))
        try:
            r = run(["freebusy", "--from", "2026-03-01", "--to", "2026-03-08"], home=h,
                    timeout=10)
        except subprocess.TimeoutExpired:
            raise AssertionError("freebusy on a vdir with a FIFO hangs")
        check(r.rc in (0, 1), "answers", r)
    finally:
        h.cleanup()


def test_time_with_a_line_break_is_one_error_line():
    r = run(["--now", "2026-01-01\nx", "slots"])
    nytest.check_usage_error(r, "--now")


def test_unknown_option_value_not_echoed():
    for args in (["slots", "--password=" + SECRET], ["--password", SECRET, "slots"]):
        r = run(args)
        check(r.rc == 2 and SECRET not in r.err, "the value is not shown", r)


nytest.main(globals())
