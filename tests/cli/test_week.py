"""notyet week: the working days as a grid, in text (plain and coloured)
and JSON, checked against freebusy and slots for the same --now."""
import json
import os
import pty
import re
import subprocess
import tempfile

import nytest
from nytest import NOW, Home, check, check_usage_error, fixture, json_of, read_fixture, run

NY = ["--tz", "America/New_York", "--now", NOW]
DEMO = fixture("demo.ics")
WEEK_ICS = fixture("slots", "week.ics")
CONFIG = """[me]
name=Jane Doe
email=jane@example.com
timezone=America/New_York
"""
SGR = re.compile("\x1b\\[[0-9;]*m")


def week(*args, env=None, home=None):
    return run(NY + ["--ics", DEMO, "week"] + list(args), env=env, home=home)


def week_ok(*args, **kwargs):
    r = week(*args, **kwargs)
    check(r.rc == 0 and r.err == "", "exit 0, nothing on stderr", r)
    return r


def test_golden_plain():
    r = week_ok("--color", "never")
    check(r.out == read_fixture("week", "demo.txt"), "golden text", r)
    check("\x1b" not in r.out, "no escape sequence", r)


def test_golden_color():
    r = week_ok("--color", "always")
    check(r.out == read_fixture("week", "demo-color.txt"), "golden coloured text", r)


def test_color_is_only_added():
    plain = week_ok("--color", "never").out
    colored = week_ok("--color", "always").out
    check(SGR.sub("", colored) == plain, "the same text under the colours")
    # Busy cells red, the picks black on green.
    check("\x1b[1;31m##" in colored and "\x1b[1;30;42m11" in colored, "colours", colored)


def on_terminal(args, env=None):
    """Runs notyet with stdout on a pseudo-terminal; returns (rc, what it printed)."""
    h = Home()
    master, slave = pty.openpty()
    # stderr to a file: a full pipe would block the child while we read the terminal.
    err = tempfile.TemporaryFile()
    try:
        p = subprocess.Popen(nytest.command(args), stdout=slave, stderr=err,
                             env=h.env(dict({"TERM": "xterm"}, **(env or {}))))
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the child closed the terminal
                break
            if not data:
                break
            chunks.append(data)
        p.wait(timeout=60 * (10 if nytest.WRAPPER else 1))
        err.seek(0)
        check(p.returncode != nytest.WRAPPER_ERROR, "wrapper errors: %s" % err.read())
        return p.returncode, b"".join(chunks).decode("utf-8")
    finally:
        os.close(master)
        err.close()
        h.cleanup()


def test_auto_colors_a_terminal_only():
    args = NY + ["--ics", DEMO, "week"]
    rc, out = on_terminal(args)
    check(rc == 0 and "\x1b[" in out, "colours on a terminal", out)
    rc, out = on_terminal(args + ["--color", "auto"])
    check(rc == 0 and "\x1b[" in out, "--color auto is the default", out)
    r = week_ok()
    check("\x1b" not in r.out, "no colours into a pipe", r)


def test_no_color_honoured():
    args = NY + ["--ics", DEMO, "week"]
    rc, out = on_terminal(args, env={"NO_COLOR": "1"})
    check(rc == 0 and "\x1b" not in out and "##" in out, "NO_COLOR: plain on a terminal", out)
    rc, out = on_terminal(args, env={"NO_COLOR": ""})
    check(rc == 0 and "\x1b[" in out, "an empty NO_COLOR is unset", out)
    rc, out = on_terminal(args, env={"TERM": "dumb"})
    check(rc == 0 and "\x1b" not in out, "TERM=dumb: plain", out)
    # The command line wins over the environment.
    r = week_ok("--color", "always", env={"NO_COLOR": "1"})
    check("\x1b[" in r.out, "--color always beats NO_COLOR", r)


def cells_of(doc):
    return [c for d in doc["days"] for c in d["cells"]]


def overlaps(a_start, a_end, periods):
    return any(p["start"] < a_end and a_start < p["end"] for p in periods)


def shifted(t, minutes):
    from datetime import datetime, timedelta, timezone
    d = datetime.strptime(t, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    return (d + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_json_agrees_with_freebusy_and_slots():
    doc = json.loads(week_ok("--format", "json").out)
    check(doc["from"] == "2026-11-30T05:00:00Z" and doc["to"] == "2026-12-14T05:00:00Z",
          "the horizon's 14 local days", doc)
    check(doc["tz"] == "America/New_York" and doc["grid_minutes"] == 30, "tz and grid", doc)
    check([d["date"] for d in doc["days"]] ==
          ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04",
           "2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"],
          "working days only", doc)
    slots = json_of(run(NY + ["--ics", DEMO, "slots", "--format", "json"]), "slots")
    check(doc["picks"] == slots and len(slots) == 2, "the picks are what slots shows", doc)
    busy = json_of(run(NY + ["--ics", DEMO, "freebusy", "--from", doc["from"], "--to", doc["to"],
                             "--format", "json"]), "busy")
    cells = cells_of(doc)
    check(len(cells) == 10 * 16, "16 cells a day", doc)
    for c in cells:
        on_busy = overlaps(c["start"], c["end"], busy)
        on_pick = [i + 1 for i, p in enumerate(slots) if overlaps(c["start"], c["end"], [p])]
        if on_pick:
            check(c["kind"] == "pick" and c["slot"] == on_pick[0] and not on_busy, "pick", c)
        elif on_busy:
            check(c["kind"] == "busy", "busy where freebusy is", c)
        else:
            check(c["kind"] != "busy", "busy only where freebusy is", c)
        if c["kind"] == "buffer":
            check(overlaps(shifted(c["start"], -10), shifted(c["end"], 10), busy),
                  "a buffer cell is within 10 minutes of busy time", c)
        if c["kind"] == "open":
            check(c["start"] >= "2026-12-01T15:00:00Z", "open only after the 24 h notice", c)
            check(not overlaps(shifted(c["start"], -10), shifted(c["end"], 10), busy),
                  "an open cell is clear of the buffer", c)
    kinds = {c["kind"] for c in cells}
    check(kinds == {"past", "notice", "busy", "buffer", "open", "pick"}, "kinds seen", kinds)


def test_offered_and_booked_cells():
    h = Home(CONFIG)
    base = ["--now", NOW, "--db", h.db, "--ics", WEEK_ICS]
    try:
        before = json.loads(run_ok(base + ["week", "--format", "json"], h).out)
        r = run(base + ["reply", "Richard Roe"], home=h)
        check(r.rc == 0, "reply", r)
        doc = json.loads(run_ok(base + ["week", "--format", "json"], h).out)
        offered = [{"start": p["start"], "end": p["end"]} for p in before["picks"]]
        for c in cells_of(doc):
            if overlaps(c["start"], c["end"], offered):
                check(c["kind"] == "offered", "the offered slots show as offered", c)
        slots = json_of(run(base + ["slots", "--format", "json"], home=h), "slots")
        check(doc["picks"] == slots and doc["picks"] != before["picks"],
              "new picks, as slots shows them", doc)
        r = run(base + ["book", "1", "--slot", "2"], home=h)
        check(r.rc == 0, "book", r)
        doc = json.loads(run_ok(base + ["week", "--format", "json"], h).out)
        booked = [offered[1]]
        for c in cells_of(doc):
            if overlaps(c["start"], c["end"], booked):
                check(c["kind"] == "booked", "the booked call shows as booked", c)
            elif overlaps(c["start"], c["end"], offered):
                check(c["kind"] != "offered", "the other slot is released", c)
        text = run_ok(base + ["week", "--color", "never"], h).out
        grid = "".join(l[16:] for l in text.splitlines() if re.match(r"[A-Z][a-z]{2} \d{4}-", l))
        check("BB" in grid and "o" not in grid, "booked in the text grid", text)
    finally:
        h.cleanup()


def test_recorded_hold_shows_held_and_wins_over_offered():
    """A hold the store recorded (doc/calendar-writes.md: holds.c records
    each hold it writes) is drawn held, the offer's other slot offered; no
    server is needed to draw what the store knows."""
    import sqlite3
    from datetime import datetime, timezone
    h = Home(CONFIG)
    base = ["--now", NOW, "--db", h.db, "--ics", WEEK_ICS, "--offline"]
    try:
        before = json.loads(run_ok(base + ["week", "--format", "json"], h).out)
        check(run(base + ["reply", "Richard Roe"], home=h).rc == 0, "reply")
        offered = [{"start": p["start"], "end": p["end"]} for p in before["picks"]]
        epoch = [int(datetime.strptime(offered[0][k], "%Y-%m-%dT%H:%M:%SZ")
                     .replace(tzinfo=timezone.utc).timestamp())
                 for k in ("start", "end")]
        con = sqlite3.connect(h.db)
        with con:
            con.execute("INSERT INTO calendar_events (url, followup_id, calendar_url, uid, kind,"
                        " start, end, created) VALUES ('http://127.0.0.1:9/holds/a.ics', 1,"
                        " 'http://127.0.0.1:9/holds/', 'a', 'hold', ?, ?, 0)", epoch)
        con.close()
        doc = json.loads(run_ok(base + ["week", "--format", "json"], h).out)
        kinds = [{c["kind"] for c in cells_of(doc) if overlaps(c["start"], c["end"], [o])}
                 for o in offered]
        check(kinds == [{"held"}, {"offered"}], "slot 1 held, slot 2 offered", kinds)
        text = run_ok(base + ["week", "--color", "never"], h).out
        grid = "".join(l[16:] for l in text.splitlines() if re.match(r"[A-Z][a-z]{2} \d{4}-", l))
        check("h" in grid and "o" in grid, "held and offered in the text grid", text)
    finally:
        h.cleanup()


def run_ok(args, home):
    r = run(args, home=home)
    check(r.rc == 0, " ".join(args), r)
    return r


def test_never_a_title():
    for ics in (DEMO, WEEK_ICS, fixture("slots", "busy-all.ics")):
        summaries = [l.split(":", 1)[1].strip() for l in read_fixture(ics).splitlines()
                     if l.startswith(("SUMMARY", "LOCATION", "DESCRIPTION"))]
        check(summaries, "the fixture has titles", ics)
        for args in (["--color", "never"], ["--color", "always"], ["--format", "json"],
                     ["--weeks", "3"]):
            r = run(NY + ["--ics", ics, "week"] + args)
            check(r.rc == 0, "exit 0", r)
            for s in summaries:
                check(s not in r.out and s not in r.err, "no title %r" % s, r)


def test_from_and_weeks():
    doc = json.loads(week_ok("--from", "2026-12-07", "--weeks", "1", "--format", "json").out)
    check(doc["from"] == "2026-12-07T05:00:00Z" and doc["to"] == "2026-12-14T05:00:00Z",
          "one week from Monday", doc)
    check([d["date"] for d in doc["days"]] ==
          ["2026-12-07", "2026-12-08", "2026-12-09", "2026-12-10", "2026-12-11"], "Mon-Fri", doc)
    # The picks do not depend on the dates shown.
    check(len(doc["picks"]) == 2 and doc["picks"][0]["start"] == "2026-12-01T15:00:00Z",
          "picks from now", doc)
    check(all(c["kind"] != "pick" for c in cells_of(doc)), "no pick in a later week", doc)
    doc = json.loads(week_ok("--weeks", "3", "--format", "json").out)
    check(len(doc["days"]) == 15, "three weeks of working days", doc)
    r = week_ok("--from", "2026-12-09T12:00:00Z", "--weeks", "1", "--color", "never")
    check(r.out.splitlines()[1].startswith("Wed 2026-12-09  ") and "\n\nMon 2026-12-14" in r.out,
          "from that day, a blank line between weeks", r)


def test_far_dates_keep_the_pick():
    """Dates years away get their own lookup: their cells follow freebusy
    there, and the picks stay those of slots."""
    doc = json.loads(week_ok("--from", "2031-06-02", "--weeks", "1", "--format", "json").out)
    busy = json_of(run(NY + ["--ics", DEMO, "freebusy", "--from", doc["from"], "--to", doc["to"],
                             "--format", "json"]), "busy")
    check(busy, "the open-ended series is busy in 2031", doc)
    for c in cells_of(doc):
        check((c["kind"] == "busy") == overlaps(c["start"], c["end"], busy), "busy cells", c)
    slots = json_of(run(NY + ["--ics", DEMO, "slots", "--format", "json"]), "slots")
    check(doc["picks"] == slots, "picks as slots shows them", doc)


def test_dst_week_keeps_local_hours():
    r = run(["--tz", "America/New_York", "--now", "2026-10-26T10:00:00-04:00", "--ics", DEMO,
             "week", "--from", "2026-10-30", "--weeks", "1", "--format", "json"])
    doc = json.loads(r.out)
    firsts = {d["date"]: d["cells"][0]["start"] for d in doc["days"]}
    check(firsts["2026-10-30"] == "2026-10-30T13:00:00Z" and
          firsts["2026-11-02"] == "2026-11-02T14:00:00Z", "09:00 local on both sides", doc)


def test_dst_gap_leaves_a_blank_column():
    h = Home(CONFIG + "[availability]\ndays=Sun\nstart=00:00\nend=05:00\ngrid_minutes=60\n")
    try:
        r = run(["--tz", "America/New_York", "--now", "2026-02-20T12:00:00Z", "--ics", DEMO,
                 "week", "--from", "2026-03-01", "--weeks", "2", "--color", "never"], home=h)
        check(r.rc == 0, "exit 0", r)
        lines = r.out.splitlines()
        check(lines[0] == " " * 16 + "00 01 02 03 04", "hour labels", r)
        check(len(lines[1]) == 16 + 15 and " " not in lines[1][16:], "five cells on the 1st", r)
        check(lines[3] == "Sun 2026-03-08  ......   ......", "02:00 skipped on the 8th", r)
    finally:
        h.cleanup()


def test_dst_fall_back_cells_are_their_real_length():
    """The hour 2026-11-01 repeats in New York: JSON lists its cells twice,
    each 30 real minutes; the text keeps one column per wall-clock step."""
    from datetime import datetime
    h = Home(CONFIG + "[availability]\ndays=Sun\nstart=00:00\nend=05:00\n")
    try:
        args = ["--tz", "America/New_York", "--now", "2026-10-20T12:00:00Z", "--ics", DEMO,
                "week", "--from", "2026-10-25", "--weeks", "2"]
        doc = json.loads(run_ok(args + ["--format", "json"], h).out)
        day = [d for d in doc["days"] if d["date"] == "2026-11-01"][0]
        starts = [datetime.strptime(c["start"], "%Y-%m-%dT%H:%M:%SZ") for c in day["cells"]]
        ends = [datetime.strptime(c["end"], "%Y-%m-%dT%H:%M:%SZ") for c in day["cells"]]
        check(len(day["cells"]) == 12 and day["cells"][0]["start"] == "2026-11-01T04:00:00Z"
              and day["cells"][-1]["end"] == "2026-11-01T10:00:00Z", "six real hours", day)
        check(all((e - b).total_seconds() == 1800 for b, e in zip(starts, ends)),
              "every cell 30 minutes", day)
        lines = run_ok(args + ["--color", "never"], h).out.splitlines()
        rows = [l for l in lines if l.startswith("Sun 2026-")]
        check(len(rows) == 2 and len(rows[0]) == len(rows[1]) == 16 + 20,
              "ten columns on both Sundays", lines)
    finally:
        h.cleanup()


def test_no_open_slot_still_draws():
    r = run(NY + ["--ics", fixture("slots", "busy-all.ics"), "week", "--color", "never"])
    check(r.rc == 0, "exit 0: a picture, not a pick", r)
    check("no slot to offer: no open slot" in r.out, "says why there are no picks", r)
    doc = json.loads(run(NY + ["--ics", fixture("slots", "busy-all.ics"), "week", "--format",
                               "json"]).out)
    check(doc["picks"] == [], "no picks", doc)


def test_usage_errors():
    for args, needle in ((["--weeks", "0"], "--weeks: 0 is not between 1 and 52"),
                         (["--weeks", "53"], "--weeks"),
                         (["--weeks", "-1"], "--weeks: -1 is not between 1 and 52"),
                         (["--weeks", "x"], "--weeks"),
                         (["--from", "2026-13-01"], "--from: '2026-13-01'"),
                         (["--from", "next week"], "--from"),
                         (["--color", "sometimes"], "--color: 'sometimes'"),
                         (["extra"], "unexpected argument 'extra'")):
        check_usage_error(week(*args), needle)


def test_needs_a_busy_source():
    r = run(NY + ["week"])
    check_usage_error(r)


def test_help_lists_week():
    r = run(["--help"])
    check(r.rc == 0 and re.search(r"^  week +Show the working days", r.out, re.M), "help", r)
    r = run(["help", "week"])
    check(r.rc == 0 and "--weeks=N" in r.out and "--color=WHEN" in r.out, "week help", r)


if __name__ == "__main__":
    nytest.main(globals())
