#!/bin/bash
# The free/busy benchmark, run by hand:
#
#   bench/busy.sh [NOTYET_BINARY]        default: build/src/notyet
#
# Generates the seeded calendars (bench/gen-calendar.py: large = 20,000
# one-off events + 300 series with overrides over 2022-2026, ~5.5 MB; xlarge
# = twice that), then times `notyet freebusy` for a 4-week and a 1-year
# window against, in the same run:
#   (a) a bare libical parse of the whole file (bench/ical-parse.c), and
#   (b) Python's icalendar + recurring-ical-events (bench/reference.py;
#       Debian python3-recurring-ical-events; SKIP_PYTHON=1 skips it).
# Times are the best of RUNS (default 3); peak RSS comes from /usr/bin/time.
# `notyet --version` is measured too: the RSS floor of the binary and its
# shared libraries, before any calendar is read.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
NOTYET="${1:-$HERE/../build/src/notyet}"
RUNS="${RUNS:-3}"
PY=/usr/bin/python3
[ -x "$NOTYET" ] || { echo "no notyet binary at $NOTYET" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/ical-parse" "$HERE/ical-parse.c" $(pkg-config --cflags --libs libical glib-2.0)
for size in large xlarge; do
  "$PY" "$HERE/gen-calendar.py" "$size" --seed 1 -o "$tmp/$size.ics"
done

# measure NAME CMD...: best elapsed seconds and peak RSS (KB) over RUNS runs
measure() {
  local best="" rss=0 t m
  for _ in $(seq "$RUNS"); do
    /usr/bin/time -f "%e %M" -o "$tmp/time" "$@" >/dev/null 2>&1
    read -r t m <"$tmp/time"
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}

W4_FROM=2026-03-02T05:00:00Z; W4_TO=2026-03-30T04:00:00Z
W1_FROM=2026-01-01T05:00:00Z; W1_TO=2027-01-01T05:00:00Z

read -r floor_t floor_rss < <(measure "$NOTYET" --version)
printf 'notyet: %s\n' "$("$NOTYET" --version)"
printf 'RSS floor (notyet --version): %d KB\n\n' "$floor_rss"
printf '%-7s %-7s %9s %9s %9s %9s %9s %9s %10s %10s\n' file window "size MB" "notyet s" \
  "libical s" "python s" "vs libical" "vs python" "notyet KB" "libical KB"
for size in large xlarge; do
  f="$tmp/$size.ics"
  mb=$(awk "BEGIN{printf \"%.1f\", $(stat -c %s "$f")/1048576}")
  read -r p_t p_rss < <(measure "$tmp/ical-parse" "$f")
  for w in 4w 1y; do
    if [ $w = 4w ]; then from=$W4_FROM; to=$W4_TO; else from=$W1_FROM; to=$W1_TO; fi
    read -r n_t n_rss < <(measure "$NOTYET" -q --tz America/New_York freebusy --ics "$f" \
      --from "$from" --to "$to" --format json)
    py_t="-"; vs_py="-"
    if [ "${SKIP_PYTHON:-0}" != 1 ] && [ "$size" = large ]; then
      RUNS=1 read -r py_t _ < <(RUNS=1 measure "$PY" "$HERE/reference.py" "$f" "$from" "$to")
      vs_py=$(awk "BEGIN{printf \"%.0fx\", $py_t/($n_t>0?$n_t:0.01)}")
    fi
    vs_lib=$(awk "BEGIN{printf \"%.2f\", $n_t/($p_t>0?$p_t:0.01)}")
    printf '%-7s %-7s %9s %9s %9s %9s %9s %9s %10s %10s\n' "$size" "$w" "$mb" "$n_t" "$p_t" \
      "$py_t" "$vs_lib" "$vs_py" "$n_rss" "$p_rss"
  done
done
echo
echo "vs libical: notyet time / bare libical parse time (lower is better; target <= 1)"
echo "vs python: python reference time / notyet time (target >= 30x)"
