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
# Measured 2026-12-06 with this script (AMD EPYC, 2 cores shared with other
# builds, load 5 to 9, so wall times were noise: cpu = user + sys, medians of
# 7; "before" is main at b9d2b2a, "after" these changes, both release builds,
# bench/first-read.sh build-rel/src/notyet <main's build-rel/src/notyet>, the
# before ratios from the same binaries a minute later):
#                          before     after
#   first read, cpu        0.38 s     0.30 s    (paired after/before 0.79)
#   first / direct stream  1.91       1.90      (target 1.2: not met)
#   first / libical parse  0.85       0.69      (target 0.5: not met)
#   cached read, cpu       0.25 s     0.20 s    (paired 0.80)
#   first read, peak RSS   23.3 MiB   23.3 MiB
#   4x calendar, peak RSS  31.3 MiB*  31.8 MiB   (* the earlier run below)
# Instructions (callgrind, the same every run): first read 1.882 G -> 1.316 G,
# direct read 1.331 G -> 0.916 G, cached 1.186 G -> 0.810 G; the bare libical
# parse 1.746 G. The direct read got faster as much as the first (the
# recurrence fast path, zone offsets, the scanner's buffers), so first/direct
# stayed: storing is 0.40 G of the first read (0.55 G before), and SQLite
# alone storing these 21,235 rows with this schema and these settings takes
# 0.37 G (17,600 instructions a row: the table and two indexes; 12,100
# without the span index). 1.2x needs storing under 0.18 G: fewer rows
# (several objects a row), not a cheaper insert. Earlier, 2026-12-06, against
# 4b3d548 (before the scanner was unified): first read 0.47 -> 0.37 s,
# peak RSS 39.7 -> 23.2 MiB, 4x calendar 105.8 -> 31.3 MiB.
#
# Measured 2026-12-07, several objects a row (chunks of 32 KiB: cache schema
# 3, 663 rows instead of 21,235), the same way, "before" main at c06de1a:
#                          before     after
#   first read, cpu        0.153 s    0.112 s   (paired after/before 0.73)
#   first / direct stream  1.74       1.27      (target 1.2: not met)
#   first / libical parse  0.87       0.63      (target 0.5: not met)
#   cached read, cpu       0.084 s    0.078 s   (paired 0.92)
#   first read, peak RSS   23.6 MiB   23.4 MiB
#   4x calendar, peak RSS  31.5 MiB   32.0 MiB
# Instructions: first read 1.317 G -> 0.957 G against a direct read of
# 0.917 G (1.04x), cached 0.811 G -> 0.763 G. The rest of the CPU gap is
# system time: 0.021 s against 0.004-0.008 s for the direct read (the
# write-ahead log, the checkpoint copying it into the file, the fsyncs);
# user time 0.091 s against 0.081 s (getrusage, medians of 11).
#
# 2026-12-07, the streaming read itself (the engine branch against main at
# c06de1a, release builds, farm-bench --vs medians, load about 5;
# doc/performance.md has what changed): direct read 0.916 G -> 0.529 G
# instructions, CPU 0.096 -> 0.061 s (paired 0.63), 0.31 of the bare libical
# parse; first read 1.317 G -> 0.923 G, CPU 0.166 -> 0.129 s (paired 0.77),
# first / libical parse 0.69 (target 0.5: storing, 0.39 G, is unchanged);
# cached 0.810 G -> 0.498 G, CPU 0.091 -> 0.064 s (paired 0.70).
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
first() { echo "sh -c 'rm -f $tmp/$2.db*; NOTYET_CACHE=$tmp/$2.db exec $1 $(args "$3")'"; }
direct() { echo "sh -c 'NOTYET_CACHE=$tmp/not-a-folder/c.db exec $1 $(args "$2")'"; }
cached() { echo "sh -c 'NOTYET_CACHE=$tmp/$2.db exec $1 $(args "$3")'"; }
bench() { # TITLE A B
  echo "== $1"
  eval "farm-bench -n $RUNS --timeout 600 --vs \"$3\" -- $2" | grep -E '^(A|B) (cpu|peak)|^A/B (cpu|wall)'
}

L="$tmp/large.ics"
bench "first read vs direct streaming" "$(first "$NOTYET" a "$L")" "$(direct "$NOTYET" "$L")"
bench "first read vs bare libical parse" "$(first "$NOTYET" a "$L")" "$tmp/ical-parse $L"
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
