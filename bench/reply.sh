#!/bin/bash
# The reply benchmark (doc/performance.md), run by hand:
#
#   bench/reply.sh [BUILD_DIR]          default: build
#
# 1. Slot picking alone (bench/pick.c, linked with BUILD_DIR's core library):
#    microseconds per ny_slots_pick() for a 14-day horizon with 1,000 busy
#    periods, against a straightforward every-slot-against-every-period picker
#    in the same run. The budget is under a millisecond.
# 2. `reply --dry-run` end to end on the large generated calendar, wall time
#    and peak RSS, direct (no cache), cold and warm cache: bench/cache.sh.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BUILD="${1:-$HERE/../build}"
[ -f "$BUILD/src/libnotyet-core.a" ] || { echo "no build in $BUILD (run scripts/setup)" >&2; exit 2; }
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
# shellcheck disable=SC2046
cc -O2 -std=c17 -o "$tmp/pick" "$HERE/pick.c" -I"$HERE/../include" "$BUILD/src/libnotyet-core.a" \
  $(pkg-config --cflags --libs glib-2.0 libical libxml-2.0)
echo "slot picking, 14-day horizon, America/New_York:"
"$tmp/pick" "${ROUNDS:-2000}"
echo
exec "$HERE/cache.sh" "$BUILD/src/notyet" reply
