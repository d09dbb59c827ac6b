"""reply and slots: golden letters, the transaction, failures that record nothing."""
import json
import os
import subprocess

import nytest
from nytest import (CONFIG, NOW, Home, check, check_usage_error, fixture, home, json_of,
                    read_fixture, run)


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


# --- their day (--their-tz, --their-hours) ---------------------------------

def their_local(start, zone):
    """The invitee's wall clock of a UTC slot start, as (date, minutes)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo
    t = datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=ZoneInfo("UTC"))
    local = t.astimezone(ZoneInfo(zone))
    return local.date(), local.hour * 60 + local.minute


def check_in_their_day(doc, zone, first, last, r):
    for s in doc["slots"]:
        day_start, start = their_local(s["start"], zone)
        day_end, end = their_local(s["end"], zone)
        if day_end != day_start:
            end += 24 * 60
        check(first <= start and end <= last,
              "%s is %d..%d in %s, outside %d..%d" % (s["start"], start, end, zone, first, last), r)


def test_slots_their_tz_far_zone_is_exit_3():
    h = home()
    try:
        r = nt(h, "slots", "--their-tz", "Asia/Shanghai")
        check(r.rc == 3 and r.out == "", "no time inside their day: exit 3", r)
        check("'their_start' and 'their_end'" in r.err and "--their-hours" in r.err,
              "names the settings to relax", r)
        r = nt(h, "slots", "--their-tz", "Asia/Shanghai", "--explain")
        check(r.rc == 0 and "outside their hours" in r.out, "explain names the reason", r)
    finally:
        h.cleanup()


def test_slots_their_tz_every_time_in_their_hours():
    h = home()
    try:
        for zone, hours, first, last in [
                ("Asia/Kolkata", "07:00-21:00", 7 * 60, 21 * 60),     # half an hour off
                ("Pacific/Auckland", None, 8 * 60, 18 * 60),          # 18 hours ahead
                ("Asia/Shanghai", "05:30-09:00", 5 * 60 + 30, 9 * 60),  # 13 hours ahead
                ("Europe/London", "15:00-16:00", 15 * 60, 16 * 60)]:
            args = ["slots", "--their-tz", zone, "--format", "json"]
            if hours:
                args += ["--their-hours", hours]
            r = nt(h, *args)
            check(r.rc == 0, "slots for " + zone, r)
            doc = json.loads(r.out)
            check(len(doc["slots"]) == 2, "two slots for " + zone, r)
            check_in_their_day(doc, zone, first, last, r)
            check(all(s["their_text"] and " in " in s["text"] for s in doc["slots"]),
                  "their local time in text and their_text", r)
    finally:
        h.cleanup()


def test_slots_their_tz_dst_on_their_side_only():
    """New York springs forward on March 8, London on March 29: their 08:00 is
    13:00 in London before and 12:00 after."""
    h = Home()
    h.write_config(CONFIG.replace("America/New_York", "Europe/London"))
    try:
        r = run(["slots", "--their-tz", "America/New_York", "--format", "json", "--now",
                 "2026-03-05T10:00:00Z", "--db", h.db, "--ics", fixture("busy", "oneoff.ics")],
                home=h)
        check(r.rc == 0, "exit 0", r)
        doc = json.loads(r.out)
        check([s["start"] for s in doc["slots"]] == ["2026-03-06T13:00:00Z", "2026-03-09T12:00:00Z"],
              "their 08:00 on both sides of their DST change", r)
        check_in_their_day(doc, "America/New_York", 8 * 60, 18 * 60, r)
    finally:
        h.cleanup()


def test_slots_their_options_usage():
    h = home()
    try:
        check_usage_error(nt(h, "slots", "--their-hours", "09:00-17:00"), "--their-tz")
        check_usage_error(nt(h, "slots", "--their-tz", "Mars/Olympus"), "Mars/Olympus")
        check_usage_error(nt(h, "slots", "--their-tz", "UTC", "--their-hours", "17:00-09:00"),
                          "--their-hours")
        r = nt(h, "slots", "--help")
        check("--their-tz" in r.out and "--their-hours" in r.out, "help shows the options", r)
    finally:
        h.cleanup()


# --- every verdict's words, and no silent gaps -----------------------------

def test_reply_decline_note():
    h = home()
    try:
        r = nt(h, "reply", "Richard Roe", "--decline", "--met", "last week at SxSW", "--closing",
               "Good luck with your upcoming public beta launch!", ics=None)
        check(r.rc == 0 and r.err == "", "exit 0, no calendar needed", r)
        check(r.out == read_fixture("letter", "decline-full.txt"), "golden decline note", r)
        check(" ET" not in r.out and "minutes" not in r.out, "no times offered", r)
        check(not os.path.exists(h.db), "nothing recorded", r)
        check_usage_error(nt(h, "reply", "A", "--decline", "--their-tz", "Europe/London"),
                          "--decline")
    finally:
        h.cleanup()


def test_reply_decline_template_from_config():
    h = Home()
    try:
        tmpl = os.path.join(h.dir, "no.txt")
        with open(tmpl, "w", encoding="utf-8") as f:
            f.write("Dear {{first_name}}, thank you, but no.\n-- {{my_name}}\n")
        h.write_config(CONFIG + "\n[letter]\ndecline_template=%s\n" % tmpl)
        r = nt(h, "reply", "Richard Roe", "--decline", ics=None)
        check(r.rc == 0 and r.out == "Dear Richard, thank you, but no.\n-- Jane Doe\n",
              "the configured decline note", r)
        with open(tmpl, "w", encoding="utf-8") as f:
            f.write("Dear {{first_name}},\nhow about {{slot1}}?\n")
        r = nt(h, "reply", "Richard Roe", "--decline", ics=None)
        check(r.rc == 2 and r.out == "" and "line 2: unknown field 'slot1'" in r.err,
              "a decline note offers no times", r)
    finally:
        h.cleanup()


def test_reply_needs_my_name():
    h = Home()
    try:
        h.write_config("[me]\nemail=jane@example.com\ntimezone=America/New_York\n")
        for extra in ([], ["--decline"], ["--dry-run"]):
            r = nt(h, "reply", "Richard Roe", *extra)
            check_usage_error(r, "[me] name")
            check("notyet init" in r.err, "points at init", r)
        check(not os.path.exists(h.db), "nothing recorded", r)
    finally:
        h.cleanup()


def test_reply_without_contact_warns():
    h = Home()
    try:
        h.write_config("[me]\nname=Jane Doe\ntimezone=America/New_York\n")
        r = nt(h, "reply", "Richard Roe", "-n")
        check(r.rc == 0 and "reach me" not in r.out and r.out.endswith("\n\nJane\n"),
              "the letter without a contact sentence", r)
        check("[me] email" in r.err and "phone" in r.err and "warning" in r.err,
              "a warning says which keys to set", r)
        h.write_config("[me]\nname=Jane Doe\nphone=212.888.9999\ntimezone=America/New_York\n")
        r = nt(h, "reply", "Richard Roe", "-n")
        check(r.rc == 0 and "reach me on 212.888.9999." in r.out and r.err == "",
              "a phone alone is enough", r)
    finally:
        h.cleanup()


def test_reply_quoted_config_values():
    h = Home()
    try:
        h.write_config('[me]\nname="Jane Doe"\nemail="jane@example.com"\n'
                       "phone='212.888.9999'\ntimezone=\"America/New_York\"\n")
        r = nt(h, "reply", "Richard Roe", "-n")
        check(r.rc == 0 and '"' not in r.out and "'212" not in r.out, "no quotes in the letter", r)
        check(r.out.endswith("\n\nJane\n") and "reach me at jane@example.com or on 212.888.9999."
              in r.out, "signed Jane, contact unquoted", r)
    finally:
        h.cleanup()


def test_reply_config_repeated_key_warns():
    h = Home()
    try:
        h.write_config(CONFIG + "[me]\nname=Janet Doe\n")
        r = nt(h, "reply", "Richard Roe", "-n")
        check(r.rc == 0 and r.out.endswith("\n\nJanet\n"), "the last value is used", r)
        check("[me] name: set twice, on lines 2 and 7" in r.err, "a warning with both lines", r)
        h.write_config(CONFIG + "timezon=UTC\n")
        check_usage_error(nt(h, "reply", "Richard Roe", "-n"), "did you mean 'timezone'?")
    finally:
        h.cleanup()


def test_reply_after_decline_warns_with_its_date():
    h = home()
    try:
        r = run(["--db", h.db, "--now", "2026-11-29T10:00:00-05:00", "decide", "Richard Roe",
                 "--know", "yes", "--trust", "no"], home=h)
        check(r.rc == 0, "decide", r)
        r = nt(h, "reply", "Richard Roe")
        check(r.rc == 0 and r.out.startswith("Hi Richard,"), "the letter is still written", r)
        check("DECLINE" in r.err and "2026-11-29" in r.err and "notyet decisions" in r.err,
              "warns about the last decision", r)
        r = nt(h, "reply", "Ann Lee")
        check(r.rc == 0 and "DECLINE" not in r.err, "no warning for someone else", r)
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


def test_reply_their_hours():
    h = home()
    try:
        r = nt(h, "reply", "Wei Zhang", "--their-tz", "Asia/Shanghai")
        check(r.rc == 3 and r.out == "" and "their_start" in r.err, "exit 3 naming the setting", r)
        r = nt(h, "reply", "Wei Zhang", "--their-tz", "Asia/Shanghai", "--their-hours",
               "05:30-09:00")
        check(r.rc == 0 and r.out == read_fixture("letter", "reply-wei-shanghai.txt"),
              "golden letter with their local times", r)
        fs = followups(h)
        check(len(fs) == 1, "recorded", r)
        for s in fs[0]["slots"]:
            day, start = their_local(s["start"], "Asia/Shanghai")
            check(5 * 60 + 30 <= start and start + 20 <= 9 * 60, "inside their hours", fs)
        import sqlite3
        con = sqlite3.connect(h.db)
        try:
            row = con.execute("SELECT their_tz, their_start, their_end FROM followups").fetchone()
        finally:
            con.close()
        check(row == ("Asia/Shanghai", 330, 540), "their zone and hours stored: %r" % (row,))
    finally:
        h.cleanup()


def test_reply_help_shows_new_options():
    r = run(["reply", "--help"])
    check(r.rc == 0 and "--decline" in r.out and "--their-hours" in r.out, "help", r)


def test_their_time_in_followups_and_book():
    h = home()
    try:
        check(nt(h, "reply", "Ann Lee", "--their-tz", "Europe/London").rc == 0, "reply")
        r = nt(h, "followups")
        check(r.rc == 0 and "1. tomorrow at 10a ET (3p in London)" in r.out,
              "followups shows their local time", r)
        r = nt(h, "book", "1", "--slot", "2")
        check(r.rc == 0 and "this Friday at 10a ET (3p in London)" in r.out,
              "book shows their local time", r)
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
              "DECLINE, on 2026-11-30; this letter offers them a call (see 'notyet decisions')\n"
              "follow-up #1 recorded\n", "one line", r)
        # -q silences it; a newer decision replaces it.
        r = nt(h, "reply", "Ann Lee", "-q")
        check(r.rc == 0 and r.err == "", "quiet", r)
        nt(h, "decide", "Bob Stone", "--know", "yes", "--trust", "no")
        nt(h, "decide", "Bob Stone", "--know", "no", now="2026-11-30T11:00:00-05:00")
        r = nt(h, "reply", "Bob Stone")
        check(r.rc == 0 and "warning" not in r.err, "newest decision is NOT YET", r)
    finally:
        h.cleanup()


def test_nudge_keeps_their_day():
    h = home()
    try:
        r = nt(h, "reply", "Wei Zhang", "--their-tz", "Asia/Shanghai", "--their-hours",
               "05:30-09:00")
        check(r.rc == 0, "reply", r)
        later = "2026-12-05T09:00:00-05:00"  # Saturday: both times have passed
        r = nt(h, "nudge", "1", now=later)
        check(r.rc == 0 and "in Shanghai)" in r.out, "the nudge shows their local time", r)
        doc = json_of(nt(h, "followups", "--format", "json", now=later), "followups")
        f = [f for f in doc if f["id"] == 1][0]
        check(len(f["slots"]) == 2 and f["nudges"] == 1, "two new times", f)
        for s in f["slots"]:
            day, start = their_local(s["start"], "Asia/Shanghai")
            check(5 * 60 + 30 <= start and start + 20 <= 9 * 60, "inside their stored hours", f)
    finally:
        h.cleanup()


nytest.main(globals())
