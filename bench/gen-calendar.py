#!/usr/bin/env python3
"""Generates a realistic, reproducible calendar for the free/busy benchmark.

    gen-calendar.py SIZE [--seed N] [-o FILE]

SIZE: small (200 events, 10 series), medium (2,000, 60), large (20,000 one-off
events and 300 recurring series with overrides and EXDATEs, about 5.5 MB) or
xlarge (twice large). Events spread over 2022-2026 in five zones, each with
its VTIMEZONE, with the descriptions, attendees and alarms that real exports
carry. The same SIZE and seed always give the same bytes.
"""
import argparse
import random
import sys
from datetime import date, datetime, timedelta

SIZES = {"small": (200, 10), "medium": (2000, 60), "large": (20000, 300),
         "xlarge": (40000, 600)}

VTIMEZONES = {
    "America/New_York": ("-0500", "-0400", "EST", "EDT", "3;BYDAY=2SU", "11;BYDAY=1SU"),
    "America/Los_Angeles": ("-0800", "-0700", "PST", "PDT", "3;BYDAY=2SU", "11;BYDAY=1SU"),
    "Europe/Berlin": ("+0100", "+0200", "CET", "CEST", "3;BYDAY=-1SU", "10;BYDAY=-1SU"),
    "Australia/Sydney": ("+1000", "+1100", "AEST", "AEDT", "10;BYDAY=1SU", "4;BYDAY=1SU"),
    "Asia/Tokyo": ("+0900", None, "JST", None, None, None),
}

WORDS = ("project review budget design sync planning client call interview lunch "
         "workshop roadmap launch retro demo onboarding training board hiring offsite "
         "quarterly update partner research legal sales marketing support infra data "
         "security audit release sprint coffee mentoring feedback strategy").split()


def vtimezone(tzid):
    std, dst, stdname, dstname, dst_rule, std_rule = VTIMEZONES[tzid]
    out = ["BEGIN:VTIMEZONE", "TZID:" + tzid]
    if dst is None:
        out += ["BEGIN:STANDARD", "DTSTART:19700101T000000", "TZOFFSETFROM:" + std,
                "TZOFFSETTO:" + std, "TZNAME:" + stdname, "END:STANDARD"]
    else:
        out += ["BEGIN:DAYLIGHT", "DTSTART:19700101T020000", "TZOFFSETFROM:" + std,
                "TZOFFSETTO:" + dst, "TZNAME:" + dstname,
                "RRULE:FREQ=YEARLY;BYMONTH=" + dst_rule, "END:DAYLIGHT",
                "BEGIN:STANDARD", "DTSTART:19700101T030000", "TZOFFSETFROM:" + dst,
                "TZOFFSETTO:" + std, "TZNAME:" + stdname,
                "RRULE:FREQ=YEARLY;BYMONTH=" + std_rule, "END:STANDARD"]
    out.append("END:VTIMEZONE")
    return out


def fold(line):
    """RFC 5545 3.1: lines of at most 75 octets (ASCII here)."""
    if len(line) <= 75:
        return [line]
    parts = [line[:75]]
    rest = line[75:]
    while rest:
        parts.append(" " + rest[:74])
        rest = rest[74:]
    return parts


def text(rng, n):
    return " ".join(rng.choice(WORDS) for _ in range(n))


def stamp(dt):
    return dt.strftime("%Y%m%dT%H%M%S")


def common(rng, uid, lines):
    lines += ["UID:%s" % uid, "DTSTAMP:20220101T000000Z",
              "SUMMARY:" + text(rng, rng.randint(1, 3)).capitalize()]
    if rng.random() < 0.4:
        lines.append("DESCRIPTION:" + text(rng, rng.randint(3, 10)).capitalize() + ".")
    if rng.random() < 0.3:
        lines.append("LOCATION:Room " + str(rng.randint(1, 40)))
    if rng.random() < 0.2:
        lines.append("ORGANIZER;CN=Organizer:mailto:org%d@example.com" % rng.randint(1, 50))
        lines.append("ATTENDEE;PARTSTAT=%s:mailto:p%d@example.com"
                     % (rng.choice(["ACCEPTED", "TENTATIVE", "NEEDS-ACTION"]),
                        rng.randint(1, 500)))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("size", choices=sorted(SIZES))
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("-o", "--output", default="-")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    n_events, n_series = SIZES[args.size]
    zones = list(VTIMEZONES)
    start_day = date(2022, 1, 1)
    days = (date(2026, 12, 31) - start_day).days

    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//notyet//bench generator//EN",
           "CALSCALE:GREGORIAN"]
    for z in zones:
        out += vtimezone(z)

    for i in range(n_events):
        ev = ["BEGIN:VEVENT"]
        d = start_day + timedelta(days=rng.randrange(days))
        if rng.random() < 0.08:
            ev += ["DTSTART;VALUE=DATE:" + d.strftime("%Y%m%d"),
                   "DTEND;VALUE=DATE:" + (d + timedelta(days=rng.choice([1, 1, 2, 3])))
                   .strftime("%Y%m%d")]
        else:
            tz = rng.choice(zones)
            st = datetime(d.year, d.month, d.day, rng.randint(7, 18), rng.choice([0, 15, 30, 45]))
            en = st + timedelta(minutes=rng.choice([15, 30, 30, 45, 60, 60, 90, 120]))
            ev += ["DTSTART;TZID=%s:%s" % (tz, stamp(st)), "DTEND;TZID=%s:%s" % (tz, stamp(en))]
        common(rng, "ev-%06d-%08x@bench.example" % (i, rng.getrandbits(32)), ev)
        r = rng.random()
        if r < 0.05:
            ev.append("TRANSP:TRANSPARENT")
        elif r < 0.08:
            ev.append("STATUS:CANCELLED")
        if rng.random() < 0.15:
            ev += ["BEGIN:VALARM", "ACTION:DISPLAY", "DESCRIPTION:Reminder",
                   "TRIGGER:-PT%dM" % rng.choice([5, 10, 15, 30]), "END:VALARM"]
        ev.append("END:VEVENT")
        for line in ev:
            out += fold(line)

    for i in range(n_series):
        tz = rng.choice(zones)
        d = start_day + timedelta(days=rng.randrange(days // 2))
        st = datetime(d.year, d.month, d.day, rng.randint(8, 17), rng.choice([0, 30]))
        dur = timedelta(minutes=rng.choice([15, 30, 60]))
        kind = rng.random()
        if kind < 0.4:
            rule = "FREQ=WEEKLY;BYDAY=" + rng.choice(["MO", "TU", "WE", "TH", "FR", "MO,WE,FR",
                                                     "TU,TH"])
        elif kind < 0.6:
            rule = "FREQ=DAILY;BYDAY=MO,TU,WE,TH,FR"
        elif kind < 0.8:
            rule = "FREQ=WEEKLY;INTERVAL=2;BYDAY=" + rng.choice(["MO", "WE", "FR"])
        else:
            rule = "FREQ=MONTHLY;BYDAY=" + rng.choice(["1MO", "2TU", "-1FR", "3WE"])
        end = rng.random()
        if end < 0.3:
            rule += ";UNTIL=" + (d + timedelta(days=rng.randint(60, 1500))).strftime(
                "%Y%m%dT235959Z")
        elif end < 0.45:
            rule += ";COUNT=%d" % rng.randint(10, 300)
        uid = "series-%04d-%08x@bench.example" % (i, rng.getrandbits(32))
        ev = ["BEGIN:VEVENT", "DTSTART;TZID=%s:%s" % (tz, stamp(st)),
              "DTEND;TZID=%s:%s" % (tz, stamp(st + dur)), "RRULE:" + rule]
        # EXDATEs and overrides on dates the rule may or may not hit; weekly
        # multiples of 7 days from DTSTART always hit a weekly rule's first day.
        for k in range(rng.randint(0, 4)):
            ex = st + timedelta(days=7 * rng.randint(1, 100))
            ev.append("EXDATE;TZID=%s:%s" % (tz, stamp(ex)))
        common(rng, uid, ev)
        ev.append("END:VEVENT")
        for line in ev:
            out += fold(line)
        for k in range(rng.randint(1, 5)):
            rid = st + timedelta(days=7 * rng.randint(101, 200))
            moved = rid + timedelta(hours=rng.choice([-2, -1, 1, 2, 24]))
            ov = ["BEGIN:VEVENT", "RECURRENCE-ID;TZID=%s:%s" % (tz, stamp(rid)),
                  "DTSTART;TZID=%s:%s" % (tz, stamp(moved)),
                  "DTEND;TZID=%s:%s" % (tz, stamp(moved + dur))]
            common(rng, uid, ov)
            if rng.random() < 0.1:
                ov.append("STATUS:CANCELLED")
            ov.append("END:VEVENT")
            for line in ov:
                out += fold(line)

    out.append("END:VCALENDAR")
    data = "\r\n".join(out) + "\r\n"
    if args.output == "-":
        sys.stdout.write(data)
    else:
        with open(args.output, "w", newline="") as f:
            f.write(data)


if __name__ == "__main__":
    main()
