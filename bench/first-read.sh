#!/bin/bash
# The first read of a large file through the cache, run by hand:
#
#   bench/first-read.sh [NOTYET_BINARY [BASELINE_BINARY]]
#                                   default: build/src/notyet, no baseline
#
# Generates bench/gen-calendar.py large (seed 1: 20,000 one-off events + 300
# series over 2022-2026, ~5.5 MB) and the same four times over (80,000 +
# 1,200, ~22 MB), then times `freebusy` over a 1-year window with farm-bench
# (the whole process; pairs A B A B, medians of RUNS, default 5):
#   first:  a fresh cache (removed before each run): the file is read once,
#           its busy time computed and its objects stored as they are read;
#   direct: the cache cannot be opened (NOTYET_CACHE under a regular file):
#           the file streamed through the engine, nothing stored;
#   cached: the file unchanged: only the objects that can meet the window;
#   parse:  a bare libical parse of the whole file (bench/ical-parse.c).
# and prints the paired ratios first/direct, first/parse and, with a
# baseline binary, first and cached against it; then peak RSS of the first
# read for the large file and the one four times larger.
#
# The history of these numbers, and why, is in doc/performance.md ("The first
# read of a large file"). The last run, 2026-12-07 (release builds, load about
# 1, RUNS=9, CPU = user + sys medians, paired; "before" is main at c06de1a):
#                          before     now
#   first read, cpu        0.162 s    0.066 s   (paired now/before 0.42)
#   first / direct stream  1.74       1.13      (target 1.2: met)
#   first / libical parse  0.87       0.35      (target 0.5: met)
#   cached read, cpu       0.090 s    0.054 s   (paired 0.59)
#   first read, peak RSS   23.4 MiB   21.9 MiB
#   4x calendar, peak RSS  31.5 MiB   31.6 MiB  (the 1-year window holds 4x the events)
# Instructions (callgrind): first read 1.317 G -> 0.541 G, direct read
# 0.916 G -> 0.525 G, cached 0.811 G -> 0.445 G.
# Memory, 2026-12-07 on a slower machine (medians of 5 first reads; "before"
# is main at 64e6438): large / 4x calendar over 1 year 21.8 / 31.6 MiB before,
# 20.2 / 22.0 MiB now: the 4x calendar 1.8 MiB above (target 3 MB: met);
# first / direct 1.17, first / parse 0.26 there; doc/performance.md
# ("Memory") says how.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
NOTYET="$(realpath "${1:-$HERE/../build/src/notyet}")"
BASE="${2:-}"
[ -z "$BASE" ] || BASE="$(realpath "$BASE")"
RUNS="${RUNS:-5}"
[ -x "$NOTYET" ] || { echo "no notyet binary at $NOTYET" >&2; exit 2; }
command -v farm-bench >/dev/null || { echo "needs farm-bench" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT

cc -O2 -o "$tmp/ical-parse" "$HERE/ical-parse.c" $(pkg-config --cflags --libs libical glib-2.0)
python3 "$HERE/gen-calendar.py" large --seed 1 -o "$tmp/large.ics"
python3 - "$HERE/gen-calendar.py" "$tmp/large4.ics" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("gen", sys.argv[1])
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)
gen.SIZES["large"] = tuple(4 * n for n in gen.SIZES["large"])
sys.argv = ["gen", "large", "--seed", "1", "-o", sys.argv[2]]
gen.main()
PY
: >"$tmp/not-a-folder"

args() { echo "--tz America/New_York freebusy --ics $1 --from 2026-01-01 --to 2027-01-01 --format json"; }
# Every command runs through the same shell and one rm (of nothing but for
# the first read), so that the ratios compare notyet's work alone.
first() { echo "sh -c 'rm -f $tmp/$2.db*; NOTYET_CACHE=$tmp/$2.db exec $1 $(args "$3")'"; }
direct() { echo "sh -c 'rm -f $tmp/none.db*; NOTYET_CACHE=$tmp/not-a-folder/c.db exec $1 $(args "$2")'"; }
cached() { echo "sh -c 'rm -f $tmp/none.db*; NOTYET_CACHE=$tmp/$2.db exec $1 $(args "$3")'"; }
parse() { echo "sh -c 'rm -f $tmp/none.db*; exec $tmp/ical-parse $1'"; }
bench() { # TITLE A B
  echo "== $1"
  eval "farm-bench -n $RUNS --timeout 600 --vs \"$3\" -- $2" | grep -E '^(A|B) (cpu|peak)|^A/B (cpu|wall)'
}

L="$tmp/large.ics"
bench "first read vs direct streaming" "$(first "$NOTYET" a "$L")" "$(direct "$NOTYET" "$L")"
bench "first read vs bare libical parse" "$(first "$NOTYET" a "$L")" "$(parse "$L")"
if [ -n "$BASE" ]; then
  bench "first read vs the baseline's" "$(first "$NOTYET" a "$L")" "$(first "$BASE" b "$L")"
  eval "$(cached "$NOTYET" a "$L")" >/dev/null 2>&1 || true
  eval "$(cached "$BASE" b "$L")" >/dev/null 2>&1 || true
  bench "cached read vs the baseline's" "$(cached "$NOTYET" a "$L")" "$(cached "$BASE" b "$L")"
fi
for f in large large4; do
  rm -f "$tmp/r.db"*
  NOTYET_CACHE="$tmp/r.db" /usr/bin/time -f "$f: first read peak RSS %M KB" \
    "$NOTYET" $(args "$tmp/$f.ics") >/dev/null
done
