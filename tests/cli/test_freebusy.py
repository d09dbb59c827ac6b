"""notyet freebusy: busy periods from --ics files and configured calendars."""
import functools
import http.server
import json
import os
import shutil
import threading

import nytest
from nytest import Home, check, check_usage_error, fixture, run

NY = ["--tz", "America/New_York"]
GOOGLE = fixture("busy", "google.ics")


def test_json_exact():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-01", "--to", "2026-03-15",
                  "--format", "json"])
    check(r.rc == 0 and r.err == "", "exit 0, no warnings", r)
    got = json.loads(r.out)
    want = {
        "from": "2026-03-01T05:00:00Z", "to": "2026-03-15T04:00:00Z", "tz": "America/New_York",
        "busy": [
            {"start": "2026-03-02T18:00:00Z", "end": "2026-03-02T19:00:00Z"},
            {"start": "2026-03-09T19:00:00Z", "end": "2026-03-09T20:00:00Z"},
            {"start": "2026-03-12T17:00:00Z", "end": "2026-03-12T18:00:00Z"},
        ],
    }
    check(got == want, "json body", r)


def test_global_options_after_command():
    a = run(NY + ["--ics", GOOGLE, "freebusy", "--from", "2026-03-01", "--to", "2026-03-15",
                  "--format", "json"])
    b = run(["freebusy", "--from", "2026-03-01", "--to", "2026-03-15", "--format", "json"] + NY +
            ["--ics", GOOGLE])
    check(a.rc == 0 and a.out == b.out, "same output", b)


def test_text_local_times():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-01", "--to", "2026-03-15"])
    check(r.rc == 0, "exit 0", r)
    want = ("Mon 2026-03-02 13:00 - 14:00 EST\n"
            "Mon 2026-03-09 15:00 - 16:00 EDT\n"
            "Thu 2026-03-12 13:00 - 14:00 EDT\n")
    check(r.out == want, "text output", r)


def test_text_other_zone():
    r = run(["--tz", "Europe/Berlin", "freebusy", "--ics", GOOGLE, "--from", "2026-03-02",
             "--to", "2026-03-03"])
    check(r.rc == 0 and r.out == "Mon 2026-03-02 19:00 - 20:00 CET\n", "berlin text", r)


def test_text_free():
    r = run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2027-01-01", "--to", "2027-01-02"])
    check(r.rc == 0 and r.out == "(no busy periods)\n", "free window", r)


def test_default_window_is_horizon():
    r = run(NY + ["--now", "2026-12-07T14:00:00Z", "freebusy", "--ics", fixture("demo.ics"),
                  "--format", "json"])
    check(r.rc == 0, "exit 0", r)
    got = json.loads(r.out)
    check(got["from"] == "2026-12-07T14:00:00Z" and got["to"] == "2026-12-21T14:00:00Z",
          "now .. now + 14 days", r)
    check(len(got["busy"]) > 10, "the demo calendar is busy every week", r)
    check(all(p["start"] < p["end"] for p in got["busy"]), "non-empty periods", r)


def test_demo_busy_in_far_future():
    r = run(NY + ["freebusy", "--ics", fixture("demo.ics"), "--from", "2031-06-02",
                  "--to", "2031-06-03"])
    check(r.rc == 0 and "09:30 - 09:45 EDT" in r.out and "13:00 - 14:00 EDT" in r.out,
          "open-ended series still busy", r)


def test_two_sources_merge():
    r = run(NY + ["freebusy", "--ics", fixture("busy", "merge.ics"), "--ics",
                  fixture("busy", "oneoff.ics"), "--from", "2026-03-02T00:00:00Z",
                  "--to", "2026-03-03T00:00:00Z", "--format", "json"])
    check(r.rc == 0, "exit 0", r)
    busy = json.loads(r.out)["busy"]
    check(busy == [{"start": "2026-03-02T00:00:00Z", "end": "2026-03-02T01:00:00Z"},
                   {"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T16:00:00Z"}],
          "merged", r)


def test_vdir_from_config():
    home = Home()
    try:
        vdir = os.path.join(home.dir, "vdir")
        os.makedirs(vdir)
        shutil.copy(fixture("busy", "oneoff.ics"), os.path.join(vdir, "a.ics"))
        shutil.copy(fixture("busy", "status.ics"), os.path.join(vdir, "b.ics"))
        with open(os.path.join(vdir, "notes.txt"), "w") as f:
            f.write("not a calendar\n")
        home.write_config("[me]\nemail=jane@example.com\ntimezone=America/New_York\n\n"
                          "[calendar local]\ntype=vdir\npath=%s\n" % vdir)
        r = run(["freebusy", "--from", "2026-03-02T00:00:00Z", "--to", "2026-03-04T00:00:00Z",
                 "--format", "json"], home=home)
        check(r.rc == 0, "exit 0", r)
        busy = json.loads(r.out)["busy"]
        check(busy == [{"start": "2026-03-02T14:00:00Z", "end": "2026-03-02T15:00:00Z"},
                       {"start": "2026-03-03T14:00:00Z", "end": "2026-03-03T15:30:00Z"},
                       {"start": "2026-03-03T16:00:00Z", "end": "2026-03-03T17:00:00Z"}],
              "vdir busy", r)
        # --ics replaces the configured calendars.
        r = run(["freebusy", "--ics", GOOGLE, "--from", "2026-03-02", "--to", "2026-03-03",
                 "--format", "json"], home=home)
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 1, "--ics wins", r)
    finally:
        home.cleanup()


def test_ics_file_from_config():
    home = Home()
    try:
        home.write_config("[calendar g]\ntype=ics\npath=%s\n" % GOOGLE)
        r = run(NY + ["freebusy", "--from", "2026-03-01", "--to", "2026-03-15",
                      "--format", "json"], home=home)
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 3, "ics from config", r)
    finally:
        home.cleanup()


def test_warnings_and_quiet():
    args = NY + ["freebusy", "--ics", fixture("busy", "unknown-tzid.ics"), "--from",
                 "2026-03-01", "--to", "2026-03-08"]
    r = run(args)
    check(r.rc == 0 and r.out.count("\n") == 3, "busy still shown", r)
    check("notyet: warning: " in r.err and "Nowhere/Nope" in r.err and "nowhere-1" in r.err,
          "warning names the TZID and the UID", r)
    q = run(args + ["-q"])
    check(q.rc == 0 and q.err == "" and q.out == r.out, "-q silences warnings", q)


def test_warning_never_shows_summary():
    r = run(NY + ["freebusy", "--ics", fixture("busy", "broken.ics"), "--from", "2026-03-01",
                  "--to", "2026-03-08"])
    check(r.rc == 0 and "bad-dtstart" in r.err, "broken event warned", r)
    r = run(NY + ["freebusy", "--ics", fixture("busy", "oneoff.ics"), "--from", "2026-03-01",
                  "--to", "2026-03-08", "--format", "json", "-v", "-v"])
    check("Secret title" not in r.out + r.err, "no SUMMARY in any output", r)


class _Server:
    """A loopback HTTP server for fixtures/busy, as an ics feed."""

    def __enter__(self):
        handler = functools.partial(_QuietHandler, directory=fixture("busy"))
        self.httpd = http.server.HTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return "http://127.0.0.1:%d/" % self.httpd.server_address[1]

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def test_ics_feed_over_http():
    with _Server() as base:
        r = run(NY + ["freebusy", "--ics", base + "google.ics", "--from", "2026-03-01",
                      "--to", "2026-03-15", "--format", "json"])
        check(r.rc == 0 and len(json.loads(r.out)["busy"]) == 3, "feed read", r)
        r = run(NY + ["freebusy", "--ics", base + "missing.ics", "--from", "2026-03-01",
                      "--to", "2026-03-15"])
        check(r.rc == 1 and r.out == "" and "missing.ics" in r.err, "404 is exit 1", r)
        r = run(NY + ["--offline", "freebusy", "--ics", base + "google.ics"])
        check(r.rc == 1 and "--offline" in r.err, "no feed offline", r)


def test_missing_file_exit_1():
    r = run(["freebusy", "--ics", "/nonexistent/cal.ics"])
    check(r.rc == 1 and r.out == "" and "/nonexistent/cal.ics" in r.err, "exit 1 naming it", r)


def test_not_icalendar_exit_1():
    r = run(["freebusy", "--ics", fixture("busy", "cases.txt")])
    check(r.rc == 1 and r.out == "" and "no iCalendar data" in r.err, "exit 1", r)


def test_missing_vdir_exit_1():
    home = Home()
    try:
        home.write_config("[calendar v]\ntype=vdir\npath=%s/none\n" % home.dir)
        r = run(["freebusy"], home=home)
        check(r.rc == 1 and r.out == "" and "none" in r.err, "exit 1 naming the folder", r)
    finally:
        home.cleanup()


def test_no_source_exit_2():
    check_usage_error(run(["freebusy"]), "--ics")


def test_from_after_to_exit_2():
    check_usage_error(run(NY + ["freebusy", "--ics", GOOGLE, "--from", "2026-03-05",
                                "--to", "2026-03-01"]), "--from")


def test_bad_time_exit_2():
    check_usage_error(run(["freebusy", "--ics", GOOGLE, "--from", "tomorrow"]), "tomorrow")


def test_extra_argument_exit_2():
    check_usage_error(run(["freebusy", "--ics", GOOGLE, "extra"]), "extra")


nytest.main(globals())
