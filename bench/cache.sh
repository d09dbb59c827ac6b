#!/bin/bash
# The local-source cache benchmark, run by hand:
#
#   bench/cache.sh [NOTYET_BINARY [COMMAND...]]   default: build/src/notyet,
#                                                 freebusy slots
#
# Generates the large calendar of the free/busy benchmark (bench/gen-calendar.py
# large, seed 1: 20,000 one-off events + 300 series, ~5.5 MB), then times each
# COMMAND (a 4-week `freebusy`, a 14-day `slots`, `reply --dry-run` with a
# 14-day horizon; bench/reply.sh runs the last) three ways:
#   direct: the cache cannot be opened (NOTYET_CACHE under a regular file),
#           so the file is streamed whole through the engine every time:
#           what notyet did before the cache;
#   cold:   the first run with an empty cache: read whole, split and stored;
#   warm:   the file unchanged: only the objects that can meet the window are
#           parsed.
# Wall times (bash EPOCHREALTIME, so including /usr/bin/time's own start)
# are the best of RUNS (default 5; cold: the cache removed before each
# run); peak RSS (KB) from /usr/bin/time. Ratios are against direct.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
NOTYET="${1:-$HERE/../build/src/notyet}"
shift || true
COMMANDS=("${@:-freebusy}")
[ $# -gt 0 ] || COMMANDS=(freebusy slots)
RUNS="${RUNS:-5}"
[ -x "$NOTYET" ] || { echo "no notyet binary at $NOTYET" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (Debian package time)" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
python3 "$HERE/gen-calendar.py" large --seed 1 -o "$tmp/large.ics"
# Under a regular file, so that the cache cannot be created even by root
# (a read-only folder does not stop root).
: >"$tmp/not-a-folder"
CACHE="$tmp/cache.db"

# measure MODE CMD...: best elapsed seconds and peak RSS (KB) over RUNS runs
measure() {
  local mode=$1 best="" rss=0 t m; shift
  for _ in $(seq "$RUNS"); do
    if [ "$mode" = cold ]; then rm -f "$CACHE" "$CACHE-wal" "$CACHE-shm"; fi
    if [ "$mode" = direct ]; then c="$tmp/not-a-folder/cache.db"; else c="$CACHE"; fi
    local t0=$EPOCHREALTIME
    NOTYET_CACHE="$c" /usr/bin/time -f "%M" -o "$tmp/time" "$@" >/dev/null 2>&1 || true
    t=$(awk "BEGIN{printf \"%.4f\", $EPOCHREALTIME - $t0}")
    m=$(tail -n 1 "$tmp/time")
    if [ -z "$best" ] || awk "BEGIN{exit !($t < $best)}"; then best=$t; fi
    [ "$m" -gt "$rss" ] && rss=$m
  done
  echo "$best $rss"
}

printf 'notyet: %s, calendar %.1f MB\n\n' "$("$NOTYET" --version)" \
  "$(awk "BEGIN{print $(stat -c %s "$tmp/large.ics")/1048576}")"
printf '%-10s %8s %8s %8s %9s %9s %9s %9s %9s\n' command "direct s" "cold s" "warm s" \
  "cold/dir" "warm/dir" "direct KB" "cold KB" "warm KB"
printf '[availability]\nhorizon_days=14\n' >"$tmp/config.ini"
for cmd in "${COMMANDS[@]}"; do
  if [ $cmd = freebusy ]; then
    args=(-q --tz America/New_York freebusy --ics "$tmp/large.ics" --from 2026-03-02T05:00:00Z
          --to 2026-03-30T04:00:00Z --format json)
  else  # slots or reply --dry-run; exit 3 (all busy) would be fine
    args=(-q --config "$tmp/config.ini" --db "$tmp/store.db" --tz America/New_York
          --now 2026-03-02T14:00:00Z --ics "$tmp/large.ics" $cmd)
    [ $cmd = reply ] && args+=("Richard Roe" --dry-run)
  fi
  read -r d_t d_rss < <(measure direct "$NOTYET" "${args[@]}")
  read -r c_t c_rss < <(measure cold "$NOTYET" "${args[@]}")
  "$NOTYET" "${args[@]}" >/dev/null 2>&1 || true   # make sure the cache is filled
  read -r w_t w_rss < <(measure warm "$NOTYET" "${args[@]}")
  printf '%-10s %8s %8s %8s %9s %9s %9s %9s %9s\n' $cmd "$d_t" "$c_t" "$w_t" \
    "$(awk "BEGIN{printf \"%.2f\", $c_t/($d_t>0?$d_t:0.01)}")" \
    "$(awk "BEGIN{printf \"%.3f\", $w_t/($d_t>0?$d_t:0.01)}")" "$d_rss" "$c_rss" "$w_rss"
done
