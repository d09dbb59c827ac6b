#!/usr/bin/python3
"""The benchmark's Python reference: busy periods with icalendar and
recurring-ical-events (Debian: python3-recurring-ical-events).

    reference.py FILE FROM TO      (ISO 8601 with Z)

Prints the number of merged busy periods; used for timing only.
"""
import sys
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events

NY = ZoneInfo("America/New_York")


def instant(v):
    if isinstance(v, datetime):
        return (v if v.tzinfo else v.replace(tzinfo=NY)).astimezone(timezone.utc)
    return datetime(v.year, v.month, v.day, tzinfo=NY).astimezone(timezone.utc)


def main():
    path, a, b = sys.argv[1:4]
    lo = datetime.fromisoformat(a.replace("Z", "+00:00"))
    hi = datetime.fromisoformat(b.replace("Z", "+00:00"))
    with open(path, "rb") as f:
        cal = icalendar.Calendar.from_ical(f.read())
    busy = []
    for ev in recurring_ical_events.of(cal).between(lo, hi):
        if str(ev.get("TRANSP", "")).upper() == "TRANSPARENT":
            continue
        if str(ev.get("STATUS", "")).upper() == "CANCELLED":
            continue
        s = instant(ev["DTSTART"].dt)
        e = instant(ev["DTEND"].dt) if "DTEND" in ev else s
        busy.append((max(s, lo), min(e, hi)))
    busy.sort()
    merged = []
    for s, e in busy:
        if e <= s:
            continue
        if merged and s <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], e))
        else:
            merged.append((s, e))
    print(len(merged))


if __name__ == "__main__":
    main()
