"""followups, book, export, done and cancel: the life of a follow-up, across processes."""
import json
import os
import re
import stat

import subprocess

import nytest
from nytest import CONFIG, NOW, Home, check, check_usage_error, fixture, home, json_of, run


def nt(h, *args, now=NOW):
    return run(list(args) + ["--now", now, "--db", h.db, "--ics", fixture("slots", "week.ics")],
               home=h)


def ok(h, *args, now=NOW):
    r = nt(h, *args, now=now)
    check(r.rc == 0, " ".join(args), r)
    return r


def export(h, *args, now=NOW):
    """export's stdout as bytes decoded without newline translation (nytest.run
    reads text with universal newlines, which would hide the CRLFs)."""
    p = subprocess.run(nytest.command(["export"] + list(args) + ["--now", now, "--db", h.db]),
                       capture_output=True, env=h.env(), timeout=60)
    check(p.returncode == 0, "export %s: %r" % (args, p.stderr))
    return p.stdout.decode("utf-8")


def followups(h, *extra, now=NOW):
    return json_of(ok(h, "followups", "--format", "json", *extra, now=now), "followups")


def unfold(ics):
    return ics.replace("\r\n ", "")


def props(ics, name):
    return [l for l in unfold(ics).split("\r\n") if re.match(name + "[;:]", l)]


def check_ics(text):
    """CRLF everywhere, folded at 75 octets, parses in python-icalendar when installed."""
    check(text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF lines")
    for line in text.split("\r\n"):
        check(len(line.encode()) <= 75, "folded: %r" % line)
    try:
        import icalendar  # Debian's python3-icalendar, where the setup installed it
    except ImportError:
        return
    cal = icalendar.Calendar.from_ical(text)
    check(len(cal.walk("VEVENT")) >= 1, "python-icalendar sees the event")


def test_followups_empty():
    h = home()
    try:
        r = ok(h, "followups")
        check(r.out == "(no pending follow-ups)\n", "empty text", r)
        check(followups(h) == [], "empty JSON", r)
        check(not os.path.exists(h.db), "no store created", r)
    finally:
        h.cleanup()


def test_followups_text_soonest_first():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        ok(h, "reply", "Ann Lee")
        ok(h, "book", "2", "--slot", "1")
        r = ok(h, "followups")
        # Soonest first: Richard's first slot (10a) before Ann's booked call (10:30a).
        check(r.out == "#1  Richard Roe <richard@example.org>  offered, awaiting their answer\n"
              "    1. tomorrow at 10a ET\n"
              "    2. this Friday at 10a ET\n"
              "#2  Ann Lee  booked: tomorrow at 10:30a ET\n", "followups text", r)
    finally:
        h.cleanup()


def test_expired_needs_a_nudge():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        later = "2026-12-05T09:00:00-05:00"
        r = ok(h, "followups", now=later)
        check("needs a nudge" in r.out, "expired offer", r)
        check(followups(h, now=later)[0]["state"] == "expired", "JSON state expired", r)
        check(followups(h)[0]["state"] == "offered", "still offered before the slots", r)
    finally:
        h.cleanup()


def test_offer_expires_after_offer_days():
    """An offer whose slots are still ahead expires offer_days after the
    letter; its times are released for other replies."""
    h = Home()
    try:
        h.write_config(CONFIG + "[availability]\noffer_days=1\nhorizon_days=14\n")
        ok(h, "reply", "Richard Roe")
        check(followups(h)[0]["state"] == "offered", "offered at first")
        # One day later, though Friday's slot is still ahead.
        check(followups(h, now="2026-12-01T09:59:59-05:00")[0]["state"] == "offered",
              "offered until the day is over")
        later = "2026-12-01T10:00:00-05:00"
        f = followups(h, now=later)[0]
        check(f["state"] == "expired", "expired after one day", f)
        r = ok(h, "followups", now=later)
        check("#1  Richard Roe  expired: no answer in time, needs a nudge (notyet nudge ID)\n"
              in r.out, "text", r)
        # Released: a new reply may offer Friday 10a, Richard's second slot.
        r = ok(h, "slots", "--format", "json", now=later)
        starts = [s["start"] for s in json.loads(r.out)["slots"]]
        check("2026-12-04T15:00:00Z" in starts, "Richard's Friday slot offered again", starts)
        # The one that needs a nudge comes first, before Ann's newer offer.
        ok(h, "reply", "Ann Lee", now=later)
        r = ok(h, "followups", now=later)
        check(r.out.startswith("#1  Richard Roe  expired") and "\n#2  Ann Lee  offered" in r.out,
              "expired first", r)
    finally:
        h.cleanup()


def test_call_time_passed_asks_done():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        ok(h, "book", "1", "--slot", "1")
        r = ok(h, "followups")
        check(r.out == "#1  Richard Roe  booked: tomorrow at 10a ET\n", "before the call", r)
        r = ok(h, "followups", now="2026-12-01T10:00:00-05:00")
        check(r.out == "#1  Richard Roe  call time passed: done? (today at 10a ET; notyet done 1)\n",
              "at the call's start", r)
        f = followups(h, now="2026-12-01T10:00:00-05:00")[0]
        check(f["state"] == "booked" and f["call_passed"] is True, "JSON", f)
        check(followups(h)[0]["call_passed"] is False, "JSON before the call")
    finally:
        h.cleanup()


NUDGE = """Hi Richard,

I wrote to you on Monday, November 30 about a call to get to know each other. In
case those times did not suit you, here are new ones: I have 20 minutes """


def test_nudge_an_expired_offer():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        ok(h, "reply", "Ann Lee")
        later = "2026-12-05T09:00:00-05:00"  # Saturday: Richard's times have passed
        check(followups(h, now=later)[0]["state"] == "expired", "expired first")
        r = ok(h, "nudge", "1", now=later)
        # The slot phrases are the letter's own (tests/unit/test-phrase.c).
        check(r.out.startswith(NUDGE), "the nudge letter", r)
        body = " ".join(r.out.split())
        check("at 10a ET and then" in body and
              body.endswith("at 10a ET. Just reply with the one that works for you. Jane"),
              "two times, then our name", r)
        check(r.err == "follow-up #1 nudged: new times recorded\n", "stderr", r)
        f = [f for f in followups(h, now=later) if f["id"] == 1][0]
        check(f["state"] == "offered" and f["nudges"] == 1, "offered again, one nudge", f)
        check([s["start"] for s in f["slots"]] == ["2026-12-07T15:00:00Z", "2026-12-09T15:00:00Z"],
              "the new times replace the old", f)
        r = ok(h, "followups", now=later)
        check("#1  Richard Roe <richard@example.org>  offered, awaiting their answer "
              "(nudged 1 time)\n" in r.out, "text shows the nudge", r)
        # Same id: book it by number.
        r = ok(h, "book", "1", "--slot", "1", now=later)
        check(r.out.startswith("booked #1 Richard Roe: "), "booked", r)
        f = [f for f in followups(h, now=later) if f["id"] == 1][0]
        check(f["booked"]["start"] == "2026-12-07T15:00:00Z", "the nudge's first time", f)
        # A booked call is not nudged.
        r = nt(h, "nudge", "1", now=later)
        check_usage_error(r, "follow-up #1 is booked: to move the call, book it again")
    finally:
        h.cleanup()


def test_nudge_rules_and_template():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        # --dry-run records nothing.
        r = ok(h, "nudge", "1", "--dry-run")
        check(r.out.startswith("Hi Richard,\n\nI wrote to you today") and r.err == "", "dry", r)
        check(followups(h)[0]["nudges"] == 0, "no nudge recorded")
        # [letter] nudge_template, with an unknown field refused.
        tmpl = os.path.join(h.dir, "nudge.txt")
        with open(tmpl, "w", encoding="utf-8") as f:
            f.write("Dear {{first_name}}, since {{first_letter}}: {{slot1}}?\n")
        h.write_config(CONFIG + "[letter]\nnudge_template=%s\n" % tmpl)
        r = ok(h, "nudge", "1", "--dry-run")
        # Its own old times are released for it: tomorrow 10a again.
        check(r.out == "Dear Richard, since today: tomorrow at 10a ET?\n", "custom", r)
        with open(tmpl, "w", encoding="utf-8") as f:
            f.write("Dear {{firstname}}\n")
        check_usage_error(nt(h, "nudge", "1"), "firstname")
        h.write_config(CONFIG)
        ok(h, "cancel", "1")
        check_usage_error(nt(h, "nudge", "1"), "follow-up #1 is cancelled")
        r = nt(h, "nudge", "9")
        check(r.rc == 1 and "no follow-up with id 9" in r.err, "unknown id", r)
    finally:
        h.cleanup()


def test_book_offered_slot_and_export():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        r = ok(h, "book", "1", "--slot", "2")
        check(r.out.startswith("booked #1 Richard Roe: this Friday at 10a ET\n"), "book text", r)
        f = followups(h)[0]
        check(f["state"] == "booked" and f["booked"] == {"start": "2026-12-04T15:00:00Z",
                                                         "end": "2026-12-04T15:20:00Z"}, "booked", f)
        ics = export(h, "1")
        check_ics(ics)
        check(props(ics, "METHOD") == ["METHOD:REQUEST"], "REQUEST", ics)
        check(props(ics, "STATUS") == ["STATUS:CONFIRMED"], "CONFIRMED", ics)
        check(props(ics, "SEQUENCE") == ["SEQUENCE:0"], "SEQUENCE 0", ics)
        check("DTSTART;TZID=America/New_York:20261204T100000" in props(ics, "DTSTART"), "DTSTART", ics)
        check("DTSTAMP:20261130T150000Z" in props(ics, "DTSTAMP"), "DTSTAMP is --now", ics)
        check(props(ics, "ORGANIZER") == ["ORGANIZER;CN=Jane Doe:mailto:jane@example.com"], "me", ics)
        att = props(ics, "ATTENDEE")
        check(len(att) == 1 and "RSVP=TRUE" in att[0] and "CN=Richard Roe" in att[0] and
              att[0].endswith(":mailto:richard@example.org"), "them", ics)
        check(props(ics, "DESCRIPTION") == ["DESCRIPTION:Phone: 212.888.9999"], "phone", ics)
        check("BEGIN:VTIMEZONE" in ics and "TZID:America/New_York" in ics, "VTIMEZONE", ics)
        for secret in ("standup", "board", "offsite"):
            check(secret not in ics.lower(), "no busy detail", ics)
        # The UID is stable across exports and rebookings.
        uid = props(ics, "UID")
        check(props(export(h, "1"), "UID") == uid, "stable UID", ics)
    finally:
        h.cleanup()


def test_rebook_bumps_sequence_and_cancel_exports_cancel():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        ok(h, "book", "1", "--slot", "1")
        uid = props(export(h, "1"), "UID")
        ok(h, "book", "1", "--slot", "2026-12-02T14:30:00-05:00")
        ics = export(h, "1")
        check(props(ics, "SEQUENCE") == ["SEQUENCE:1"], "rebooking bumps SEQUENCE", ics)
        check(props(ics, "UID") == uid, "same UID", ics)
        check("DTSTART;TZID=America/New_York:20261202T143000" in props(ics, "DTSTART"), "new time", ics)
        r = ok(h, "cancel", "1")
        check("notyet export 1" in r.out, "cancel says how to send it", r)
        ics = export(h, "1")
        check_ics(ics)
        check(props(ics, "METHOD") == ["METHOD:CANCEL"], "CANCEL", ics)
        check(props(ics, "STATUS") == ["STATUS:CANCELLED"], "CANCELLED", ics)
        check(props(ics, "SEQUENCE") == ["SEQUENCE:2"], "cancel bumps SEQUENCE", ics)
        check(props(ics, "UID") == uid, "same UID", ics)
    finally:
        h.cleanup()


def test_book_free_form_time_must_be_open():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        ok(h, "reply", "Ann Lee")
        r = nt(h, "book", "1", "--slot", "2026-12-02T11:00:00-05:00")
        check(r.rc == 1 and r.out == "" and "busy" in r.err, "busy time refused", r)
        check("board" not in r.err.lower(), "never names the event", r)
        # Off the grid needs --force; --force never books over a busy time.
        r = nt(h, "book", "1", "--slot", "2026-12-02T13:50:00-05:00", "--force")
        check(r.rc == 1 and "busy" in r.err, "inside the buffer refused", r)
        r = nt(h, "book", "1", "--slot", "2026-12-01T15:30:00Z")
        check(r.rc == 1 and "another follow-up" in r.err, "Ann's slot refused", r)
        check(followups(h)[0]["state"] == "offered", "nothing changed", r)
        ok(h, "book", "1", "--slot", "2026-12-02T14:30:00-05:00")
        # Booking released Richard's other slots: a new reply may offer them.
        r = ok(h, "reply", "Bob Stone")
        check("tomorrow at 10a ET" in r.out, "released slot offered again", r)
    finally:
        h.cleanup()


def test_rebook_to_a_released_slot_taken_since():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        ok(h, "book", "1", "--slot", "2")
        r = ok(h, "reply", "Ann Lee")
        check("tomorrow at 10a ET" in r.out, "Richard's released slot offered to Ann", r)
        r = nt(h, "book", "1", "--slot", "1")
        check(r.rc == 1 and r.out == "" and "another follow-up" in r.err, "refused", r)
        richard = [f for f in followups(h) if f["id"] == 1][0]
        check(richard["booked"]["start"] == "2026-12-04T15:00:00Z", "still booked as before",
              richard)
    finally:
        h.cleanup()


def test_book_typed_time_rules():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        cases = [
            ("2026-11-30T09:30:00-05:00", "2026-11-30T09:30:00-05:00 is in the past"),
            ("2026-12-02T14:40:00-05:00", "is not on the 30-minute grid"),
            ("2026-12-05T10:00:00-05:00", "is on a Saturday, not a working day"),
            ("2026-12-02T17:00:00-05:00", "is outside the working hours (09:00 to 17:00"),
            ("2026-12-02T16:45:00-05:00", "is not on the 30-minute grid"),
        ]
        for when, words in cases:
            r = nt(h, "book", "1", "--slot", when)
            check_usage_error(r, words)
            check("add --force to book it anyway" in r.err, "says --force", r)
        # A bare date is not a time.
        check_usage_error(nt(h, "book", "1", "--slot", "2026-12-02"),
                          "'2026-12-02' is a date, not a time")
        check(followups(h)[0]["state"] == "offered", "nothing booked")
        # --force books a Saturday that is free.
        r = ok(h, "book", "1", "--slot", "2026-12-05T10:00:00-05:00", "--force")
        check(r.out.startswith("booked #1 Richard Roe: this Saturday at 10a ET"), "forced", r)
    finally:
        h.cleanup()


def test_book_typed_time_in_their_hours():
    """A follow-up that keeps the invitee's zone: a typed time must fit
    their day too (London, 08:00 to 18:00: 15:00 ET is 20:00 there)."""
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--their-tz", "Europe/London")
        r = nt(h, "book", "1", "--slot", "2026-12-02T15:00:00-05:00")
        check_usage_error(r, "is outside their hours (08:00 to 18:00 in their zone")
        check("add --force to book it anyway" in r.err, "says --force", r)
        check(followups(h)[0]["state"] == "offered", "nothing booked", r)
        r = nt(h, "book", "1", "--slot", "2026-12-02T15:00:00-05:00", "--force")
        check("outside their hours" not in r.err, "--force skips their hours", r)
    finally:
        h.cleanup()


def test_json_their_zone_and_hours():
    """followups --format json gives the other person's zone and day the
    letter kept to, and null for a letter that kept to none."""
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--their-tz", "Europe/London")
        ok(h, "reply", "Ann Lee", "--their-tz", "Asia/Kolkata", "--their-hours", "07:30-21:00")
        ok(h, "reply", "Bo Roe")
        got = {f["name"]: (f["their_tz"], f["their_hours"]) for f in followups(h)}
        check(got == {"Richard Roe": ("Europe/London", "08:00-18:00"),
                      "Ann Lee": ("Asia/Kolkata", "07:30-21:00"),
                      "Bo Roe": (None, None)}, "their zone and hours", got)
    finally:
        h.cleanup()


def test_book_rechecks_an_offered_slot():
    """A meeting added since the letter: booking the offered slot fails
    with the reason, and nothing changes."""
    h = home()
    try:
        ok(h, "reply", "Richard Roe")  # slot 1: Tue 2026-12-01 10:00 ET
        added = os.path.join(h.dir, "added.ics")
        with open(added, "w", encoding="utf-8") as f:
            f.write("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\n"
                    "BEGIN:VEVENT\r\nUID:added-1\r\nDTSTAMP:20261130T160000Z\r\n"
                    "DTSTART:20261201T150500Z\r\nDTEND:20261201T153000Z\r\n"
                    "SUMMARY:Secret new meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
        both = ["--now", NOW, "--db", h.db, "--ics", fixture("slots", "week.ics"), "--ics", added]
        r = run(["book", "1", "--slot", "1"] + both, home=h)
        check(r.rc == 1 and r.out == "", "exit 1", r)
        check("slot 1 is not free: your calendar is busy then" in r.err and
              "a meeting added since the letter" in r.err, "the reason", r)
        check("secret" not in r.err.lower(), "never the event's title", r)
        check(followups(h)[0]["state"] == "offered", "still offered", r)
        # Slot 2 is still free.
        r = run(["book", "1", "--slot", "2"] + both, home=h)
        check(r.rc == 0, "slot 2 books", r)
    finally:
        h.cleanup()


def test_book_offline_refused_for_network_sources():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        # A local file is read as it is now, also with --offline.
        r = nt(h, "book", "1", "--slot", "1", "--offline")
        check(r.rc == 0, "local file: books offline", r)
        # A feed would come from the cache: refused before anything is read.
        r = run(["book", "1", "--slot", "2", "--offline", "--now", NOW, "--db", h.db,
                 "--ics", "http://127.0.0.1:9/cal.ics"], home=h)
        check_usage_error(r, "--offline: booking checks the time against your calendars")
        check(followups(h)[0]["booked"]["start"] == "2026-12-01T15:00:00Z", "unchanged", r)
    finally:
        h.cleanup()


def test_done_and_state_rules():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        r = nt(h, "done", "1")
        check(r.rc == 2 and r.out == "" and "#1 is offered" in r.err, "done needs booked", r)
        ok(h, "book", "1", "--slot", "1")
        r = nt(h, "done", "1")
        check(r.rc == 2 and r.out == "" and "booked for 2026-12-01T10:00:00-05:00" in r.err and
              "once the call has started" in r.err, "done before the call: exit 2 with its time",
              r)
        r = ok(h, "done", "1", now="2026-12-01T10:05:00-05:00")
        check(r.out == "done #1 Richard Roe\n", "done text", r)
        check(followups(h) == [], "done leaves the pending list", r)
        check(followups(h, "--all")[0]["state"] == "done", "--all shows it", r)
        r = nt(h, "cancel", "1")
        check(r.rc == 2 and "already done" in r.err, "done cannot be cancelled", r)
        r = nt(h, "book", "1", "--slot", "1")
        check(r.rc == 2 and "is done" in r.err, "done cannot be booked", r)
    finally:
        h.cleanup()


def test_unbooked_has_nothing_to_export():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        r = nt(h, "export", "1")
        check(r.rc == 1 and r.out == "" and "nothing to export" in r.err, "offered: exit 1", r)
        ok(h, "cancel", "1")
        r = nt(h, "export", "1")
        check(r.rc == 1 and "never booked" in r.err, "cancelled offer: exit 1", r)
    finally:
        h.cleanup()


def test_unknown_id_and_bad_ids():
    h = home()
    try:
        ok(h, "reply", "Richard Roe")
        for cmd in (["done", "42"], ["cancel", "42"], ["export", "42"], ["book", "42", "--slot", "1"]):
            r = nt(h, *cmd)
            check(r.rc == 1 and r.out == "" and "42" in r.err, "unknown id named", r)
        check_usage_error(nt(h, "done", "x1"), "x1")
        check_usage_error(nt(h, "book", "1"), "--slot")
        check_usage_error(nt(h, "book", "1", "--slot", "7"), "offered 2 times")
        check_usage_error(nt(h, "export"), "ID")
    finally:
        h.cleanup()


def test_export_to_file():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        ok(h, "book", "1", "--slot", "1")
        out = os.path.join(h.dir, "call.ics")
        r = ok(h, "export", "1", "-o", out)
        check(r.out == "", "nothing on stdout with -o", r)
        check(stat.S_IMODE(os.stat(out).st_mode) == 0o600, "mode 0600")
        with open(out, newline="") as f:
            text = f.read()
        check_ics(text)
        check(text == export(h, "1"), "same as stdout")
        r = nt(h, "export", "1", "-o", out)
        check(r.rc == 1 and "--force" in r.err, "no overwrite without --force", r)
        ok(h, "export", "1", "-o", out, "--force")
    finally:
        h.cleanup()


def test_export_all_upcoming():
    h = home()
    try:
        ok(h, "reply", "Richard Roe", "--email", "richard@example.org")
        ok(h, "reply", "Ann Lee")
        ok(h, "reply", "Bob Stone")
        ok(h, "book", "1", "--slot", "1")
        ok(h, "book", "2", "--slot", "2")
        ics = export(h, "--all")
        check_ics(ics)
        check(props(ics, "METHOD") == [], "a plain calendar for import", ics)
        check(len(props(ics, "UID")) == 2, "two booked calls", ics)
        check(ics.count("BEGIN:VTIMEZONE") == 1, "one VTIMEZONE", ics)
    finally:
        h.cleanup()


def test_export_without_their_email_is_plain_event():
    h = home()
    try:
        ok(h, "reply", "Ann Lee")
        ok(h, "book", "1", "--slot", "1")
        ics = export(h, "1")
        check(props(ics, "METHOD") == [] and props(ics, "ATTENDEE") == [], "no METHOD", ics)
        check(len(props(ics, "ORGANIZER")) == 1 and len(props(ics, "UID")) == 1, "an event", ics)
        r = nt(h, "export", "1")
        check("plain calendar event" in r.err, "warned", r)
    finally:
        h.cleanup()


def test_hostile_name_in_invite():
    """iCalendar's special characters in NAME (; , " \\ and a colon) stay text: escaped
    in SUMMARY, quoted in CN, no property or attendee injected. (A line break in NAME
    is refused by reply; its escaping is the unit test /invite/hostile-values.)"""
    h = home()
    try:
        name = 'Roe, "Dick"; Jr. \\ ATTENDEE:mailto:evil@example.com'
        ok(h, "reply", name, "--email", "richard@example.org")
        ok(h, "book", "1", "--slot", "1")
        ics = export(h, "1")
        check_ics(ics)
        check(props(ics, "SUMMARY") ==
              ['SUMMARY:Call: Jane Doe / Roe\\, "Dick"\\; Jr. \\\\ ATTENDEE:mailto:evil@example.com'],
              "SUMMARY escaped", ics)
        attendees = props(ics, "ATTENDEE")
        check(len(attendees) == 1, "no injected attendee", ics)
        check(attendees[0].startswith(
            'ATTENDEE;CN="Roe, \'Dick\'; Jr. \\ ATTENDEE:mailto:evil@example.com";'),
            "CN quoted, its DQUOTEs made single quotes", ics)
        check(attendees[0].endswith(":mailto:richard@example.org"), "address intact", ics)
    finally:
        h.cleanup()


nytest.main(globals())
