"""reply and slots: golden letters, the transaction, failures that record nothing."""
import json
import os
import subprocess

import nytest
from nytest import Home, check, check_usage_error, fixture, json_of, read_fixture, run

NOW = "2026-11-30T10:00:00-05:00"  # a Monday
CONFIG = """[me]
name=Jane Doe
email=jane@example.com
phone=212.888.9999
timezone=America/New_York
"""


def home():
    return Home(CONFIG)


def nt(h, *args, ics="week.ics", now=NOW):
    extra = ["--now", now, "--db", h.db]
    if ics:
        extra += ["--ics", fixture("slots", ics)]
    return run(list(args) + extra, home=h)


def followups(h, *extra):
    return json_of(nt(h, "followups", "--format", "json", *extra), "followups")


def test_reply_golden_letter():
    h = home()
    try:
        r = nt(h, "reply", "Richard Roe", "--met", "last week at SxSW", "--closing",
               "Good luck with your upcoming public beta launch!", "--email", "richard@example.org")
        check(r.rc == 0, "exit 0", r)
        check(r.out == read_fixture("letter", "reply-richard.txt"), "golden letter", r)
        check(r.err == "follow-up #1 recorded\n", "stderr names the follow-up", r)
        fs = followups(h)
        check(len(fs) == 1 and fs[0]["state"] == "offered" and fs[0]["email"] == "richard@example.org",
              "recorded as offered", r)
        check([s["start"] for s in fs[0]["slots"]] == ["2026-12-01T15:00:00Z", "2026-12-04T15:00:00Z"],
              "both slots recorded", fs)
    finally:
        h.cleanup()


def test_reply_their_tz_reflows():
    h = home()
    try:
        r = nt(h, "reply", "Ann Lee", "--their-tz", "Europe/London")
        check(r.rc == 0 and r.out == read_fixture("letter", "reply-ann-london.txt"), "golden", r)
    finally:
        h.cleanup()


def test_second_reply_never_reuses_slots():
    h = home()
    try:
        first = nt(h, "reply", "Richard Roe")
        second = nt(h, "reply", "Ann Lee")
        check(first.rc == 0 and second.rc == 0, "both replies", second)
        fs = followups(h)
        a = {s["start"] for s in fs[0]["slots"]}
        b = {s["start"] for s in fs[1]["slots"]}
        check(len(a) == 2 and len(b) == 2 and not (a & b), "disjoint slots", fs)
        check("10:30a" in second.out, "the next grid time is offered", second)
    finally:
        h.cleanup()


def test_concurrent_replies_never_share_a_slot():
    h = home()
    try:
        nt(h, "followups")  # nothing to create, but checks the setup
        procs = []
        for i in range(6):
            args = nytest.command(["reply", "Person %d" % i, "--now", NOW, "--db", h.db,
                                   "--ics", fixture("slots", "week.ics")])
            procs.append(subprocess.Popen(args, env=h.env(), stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, text=True))
        for p in procs:
            out, err = p.communicate(timeout=60)
            check(p.returncode == 0, "%s: %s" % (" ".join(p.args), err))
        fs = followups(h)
        starts = [s["start"] for f in fs for s in f["slots"]]
        check(len(fs) == 6, "six follow-ups", fs)
        check(len(starts) == len(set(starts)), "no slot offered twice", starts)
    finally:
        h.cleanup()


def test_dry_run_records_nothing():
    h = home()
    try:
        r = nt(h, "reply", "Richard Roe", "--dry-run")
        check(r.rc == 0 and r.out.startswith("Hi Richard,") and r.err == "", "letter only", r)
        check(not os.path.exists(h.db), "no store created", r)
        nt(h, "reply", "Ann Lee")
        r = nt(h, "reply", "Bob Stone", "-n")
        check("tomorrow at 10:30a ET" in r.out, "dry run skips offered slots", r)
        check(len(followups(h)) == 1, "still one follow-up", r)
    finally:
        h.cleanup()


def test_lookup_failure_records_nothing():
    h = home()
    try:
        nt(h, "reply", "Ann Lee")
        r = nt(h, "reply", "Richard Roe", ics="does-not-exist.ics")
        check(r.rc == 1 and r.out == "", "exit 1, no letter", r)
        check(r.err.startswith("notyet: ") and len(r.err.splitlines()) == 1, "one error line", r)
        check(len(followups(h)) == 1, "nothing recorded", r)
    finally:
        h.cleanup()


def test_no_source_is_usage_error():
    h = home()
    try:
        check_usage_error(nt(h, "reply", "Richard Roe", ics=None))
    finally:
        h.cleanup()


def test_no_open_slot_exit_3():
    h = home()
    try:
        r = nt(h, "reply", "Richard Roe", ics="busy-all.ics")
        check(r.rc == 3 and r.out == "", "exit 3, nothing printed", r)
        check("horizon_days" in r.err, "says which limit to relax", r)
        check("Sabbatical" not in r.err, "never names an event", r)
        check(not os.path.exists(h.db) or followups(h) == [], "nothing recorded", r)
        r = nt(h, "slots", ics="busy-all.ics")
        check(r.rc == 3 and r.out == "", "slots: exit 3", r)
    finally:
        h.cleanup()


def test_template_errors_exit_2():
    h = home()
    try:
        r = nt(h, "reply", "Richard Roe", "--template", fixture("letter", "bad-field.txt"))
        check(r.rc == 2 and r.out == "", "exit 2", r)
        check("bad-field.txt' line 4: unknown field 'signature'" in r.err, "names file, line, field", r)
        r = nt(h, "reply", "Richard Roe", "--template", "/nonexistent/letter.txt")
        check(r.rc == 2 and r.out == "" and "/nonexistent/letter.txt" in r.err, "missing file", r)
        check(not os.path.exists(h.db), "nothing recorded", r)
    finally:
        h.cleanup()


def test_custom_template_from_config():
    h = Home()
    try:
        h.write_config(CONFIG + "\n[letter]\ntemplate=%s\n" % fixture("letter", "custom.txt"))
        r = nt(h, "reply", "Richard Roe", "--met", "at {{closing}}", "-n")
        check(r.rc == 0, "exit 0", r)
        check(r.out == "Dear Richard Roe,\n(we met at {{closing}})\n"
              "Times: tomorrow at 10a ET / this Friday at 10a ET\n-- Jane Doe\n", "custom letter", r)
    finally:
        h.cleanup()


def test_reply_usage_errors():
    h = home()
    try:
        check_usage_error(nt(h, "reply"), "NAME")
        check_usage_error(nt(h, "reply", "A", "B"), "'B'")
        check_usage_error(nt(h, "reply", "A", "--their-tz", "Mars/Base"), "Mars/Base")
        check_usage_error(nt(h, "reply", "A", "--email", "not-an-address"), "not-an-address")
        # The same check as [me] email: one '@' only.
        check_usage_error(nt(h, "reply", "A", "--email", "a@b@c"), "'a@b@c' is not an email")
        check(not os.path.exists(h.db), "nothing recorded")
    finally:
        h.cleanup()


def test_slots_text_and_json():
    h = home()
    try:
        r = nt(h, "slots")
        check(r.rc == 0 and r.out == read_fixture("slots", "slots.txt"), "golden slots", r)
        r = nt(h, "slots", "--format", "json")
        doc = json.loads(r.out)
        check(doc == {"slots": [
            {"start": "2026-12-01T15:00:00Z", "end": "2026-12-01T15:20:00Z",
             "text": "tomorrow at 10a ET"},
            {"start": "2026-12-04T15:00:00Z", "end": "2026-12-04T15:20:00Z",
             "text": "this Friday at 10a ET"}]}, "slots JSON", r)
        check(not os.path.exists(h.db), "slots records nothing", r)
    finally:
        h.cleanup()


def test_slots_explain_golden():
    h = home()
    try:
        r = nt(h, "slots", "--explain")
        check(r.rc == 0 and r.out == read_fixture("slots", "explain.txt"), "golden explain", r)
        for secret in ("standup", "board", "offsite", "Room 42", "Confidential"):
            check(secret.lower() not in r.out.lower(), "no event detail: " + secret, r)
        r = nt(h, "slots", "--explain", "--format", "json")
        doc = json.loads(r.out)
        check(len(doc["slots"]) == 2 and any(c["reason"] == "buffer" for c in doc["candidates"]),
              "explain JSON", r)
    finally:
        h.cleanup()


def test_reply_to_a_pending_contact_points_at_nudge():
    h = home()
    try:
        check(nt(h, "reply", "Richard Roe", "--email", "richard@example.org").rc == 0, "first")
        # Same email under another name, then the same name without an email.
        for args in (["Dick Roe", "--email", "Richard@Example.org"], ["richard roe"]):
            r = nt(h, "reply", *args)
            check_usage_error(r, "'notyet nudge 1'")
            check("#1 (offered)" in r.err and "--new" in r.err, "names the follow-up and --new", r)
        check(len(followups(h)) == 1, "nothing recorded", followups(h))
        # Another person of the same name, with another email: a new follow-up.
        r = nt(h, "reply", "Richard Roe", "--email", "rroe@example.com")
        check(r.rc == 0 and r.err == "follow-up #2 recorded\n", "different email", r)
        # --new: a second, separate follow-up on purpose.
        r = nt(h, "reply", "Richard Roe", "--email", "richard@example.org", "--new")
        check(r.rc == 0 and r.err == "follow-up #3 recorded\n", "--new", r)
        # --dry-run only prints: no refusal.
        r = nt(h, "reply", "Richard Roe", "--dry-run")
        check(r.rc == 0 and r.out != "", "dry run", r)
        # A booked call points at book, not at nudge.
        check(nt(h, "book", "1", "--slot", "1").rc == 0, "book")
        check(nt(h, "cancel", "2").rc == 0 and nt(h, "cancel", "3").rc == 0, "cancel")
        r = nt(h, "reply", "Richard Roe")
        check_usage_error(r, "'notyet book 1 --slot TIME'")
        # A closed follow-up is no longer pending.
        check(nt(h, "cancel", "1").rc == 0, "cancel 1")
        check(nt(h, "reply", "Richard Roe").rc == 0, "reply after cancel")
    finally:
        h.cleanup()


def test_reply_after_decline_warns():
    h = home()
    try:
        r = nt(h, "decide", "Richard Roe", "--know", "yes", "--trust", "no")
        check(r.rc == 0 and r.out.startswith("DECLINE"), "declined", r)
        r = nt(h, "reply", "Richard Roe")
        check(r.rc == 0 and r.out.startswith("Hi Richard,"), "the letter still", r)
        check(r.err == "notyet: warning: your last recorded decision for 'Richard Roe' was "
              "DECLINE; this letter offers them a call\nfollow-up #1 recorded\n", "one line", r)
        # -q silences it; a newer decision replaces it.
        r = nt(h, "reply", "Ann Lee", "-q")
        check(r.rc == 0 and r.err == "", "quiet", r)
        nt(h, "decide", "Bob Stone", "--know", "yes", "--trust", "no")
        nt(h, "decide", "Bob Stone", "--know", "no", now="2026-11-30T11:00:00-05:00")
        r = nt(h, "reply", "Bob Stone")
        check(r.rc == 0 and "warning" not in r.err, "newest decision is NOT YET", r)
    finally:
        h.cleanup()


nytest.main(globals())
