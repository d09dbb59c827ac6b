"""notyet decisions [NAME]: the recorded decisions, newest first, text and JSON."""
import json
import os

import nytest
from nytest import Home, check, check_usage_error, run

CONFIG = """[me]
name=Jane Doe
timezone=America/New_York
"""


def decide(h, now, *args):
    r = run(["--db", h.db, "--now", now, "decide"] + list(args), home=h)
    check(r.rc == 0, "decide " + " ".join(args), r)


def seeded():
    h = Home()
    h.write_config(CONFIG)
    decide(h, "2026-12-01T15:00:00Z", "Richard Roe", "--know", "yes", "--trust", "no")
    decide(h, "2026-12-02T15:30:00Z", "Ann Lee", "--know", "yes", "--trust", "yes",
           "--recommend", "yes")
    decide(h, "2026-12-03T09:00:00Z", "Richard Roe", "--know", "no", "--no-call")
    return h


def decisions(h, *args):
    return run(["--db", h.db, "decisions"] + list(args), home=h)


def test_text_newest_first():
    h = seeded()
    try:
        r = decisions(h)
        check(r.rc == 0 and r.err == "", "exit 0, quiet", r)
        check(r.out == "2026-12-03 04:00  DECLINE  Richard Roe  (know: no, no call)\n"
                       "2026-12-02 10:30  ACCEPT  Ann Lee  (know: yes, trust: yes, recommend: yes)\n"
                       "2026-12-01 10:00  DECLINE  Richard Roe  (know: yes, trust: no)\n",
              "three decisions, newest first, in the user's zone", r)
    finally:
        h.cleanup()


def test_by_name_any_case():
    h = seeded()
    try:
        r = decisions(h, "richard roe")
        check(r.rc == 0, "exit 0", r)
        lines = r.out.splitlines()
        check(len(lines) == 2 and all("Richard Roe" in l for l in lines), "only Richard's", r)
        check(lines[0].startswith("2026-12-03"), "newest first", r)
        r = decisions(h, "Nobody")
        check(r.rc == 0 and r.out == "(no decisions recorded for 'Nobody')\n", "none", r)
    finally:
        h.cleanup()


def test_json():
    h = seeded()
    try:
        r = decisions(h, "--format", "json")
        check(r.rc == 0, "exit 0", r)
        doc = json.loads(r.out)
        check(doc == {"decisions": [
            {"name": "Richard Roe", "at": "2026-12-03T09:00:00Z", "verdict": "decline",
             "answers": {"know": False, "trust": None, "recommend": None}, "no_call": True},
            {"name": "Ann Lee", "at": "2026-12-02T15:30:00Z", "verdict": "accept",
             "answers": {"know": True, "trust": True, "recommend": True}, "no_call": False},
            {"name": "Richard Roe", "at": "2026-12-01T15:00:00Z", "verdict": "decline",
             "answers": {"know": True, "trust": False, "recommend": None}, "no_call": False},
        ]}, "the documented JSON", r)
        r = decisions(h, "Ann Lee", "--format", "json")
        check([d["name"] for d in json.loads(r.out)["decisions"]] == ["Ann Lee"], "by name", r)
    finally:
        h.cleanup()


def test_no_store_creates_none():
    h = Home()
    try:
        r = decisions(h)
        check(r.rc == 0 and r.out == "(no decisions recorded)\n", "nothing yet", r)
        check(not os.path.exists(h.db), "no store created by a listing", r)
        r = decisions(h, "--format", "json")
        check(r.rc == 0 and json.loads(r.out) == {"decisions": []}, "empty JSON", r)
    finally:
        h.cleanup()


def test_usage_errors():
    check_usage_error(run(["decisions", "A", "B"]), "'B'")
    check_usage_error(run(["decisions", "   "]), "NAME")


def test_help():
    r = run(["decisions", "--help"])
    check(r.rc == 0 and "[NAME]" in r.out and "newest first" in r.out, "help", r)
    r = run(["--help"])
    check("decisions" in r.out, "listed in the command table", r)


nytest.main(globals())
