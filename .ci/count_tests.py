#!/usr/bin/env python3
"""Count the tests of several meson test setups, each distinct test once.

Usage: count_tests.py SETUP=LOG...

Each LOG is a meson testlog JSON file (one JSON object a line, as meson test
writes to meson-logs/testlog*.json; scripts/fuzz writes the same form for its
drivers). Prints one line per setup, then the closing line
"N passed, N failed, N skipped" over all setups, and exits 1 when a test
failed (or a log is missing), else 0.

A test is (suite, test name, TAP subtest): the subtest is its number and its
description (the directive cut off), so two subtests with one description are
still two tests, and a subtest skipped in one setup is the same test as when
it runs in another. Across setups a test fails when it failed in any setup,
passes when it passed in every setup that ran it, and is skipped when every
setup skipped it. A run that meson calls failed (a crash, a timeout, a TAP
plan that was not met, an exit status that is not 0 after only "ok" lines)
without a "not ok" line counts as one failure of the test as a whole; so does
a missing log, as a failure of that setup.
"""
import json
import re
import sys

PASS, SKIP, FAIL = "pass", "skip", "fail"
FAILED_RESULTS = ("FAIL", "ERROR", "TIMEOUT", "UNEXPECTEDPASS", "INTERRUPT")
# "ok 3 - text # SKIP why", "not ok 4 text # TODO why"; the number and the
# description are both optional in TAP.
TAP_LINE = re.compile(r"^(?P<not>not )?ok\b[ \t]*(?P<num>\d+)?[ \t]*(?:-[ \t]+)?(?P<rest>.*)$")
DIRECTIVE = re.compile(r"(?:^|[ \t])#[ \t]*(?P<kind>skip|todo)\S*(?:[ \t].*)?$", re.IGNORECASE)


def split_name(name):
    """meson's "project:suite+suite2 / test" -> (suite, test); the first suite."""
    if " / " not in name:
        return "", name
    left, test = name.split(" / ", 1)
    suites = left.split(":", 1)[-1]
    return suites.split("+", 1)[0], test


def tap_outcomes(stdout):
    """[(number, description), outcome] of each TAP test line in stdout."""
    found = []
    for line in (stdout or "").splitlines():
        m = TAP_LINE.match(line)
        if not m:
            continue
        rest = m.group("rest")
        d = DIRECTIVE.search(rest)
        kind = d.group("kind").lower() if d else None
        if d:
            rest = rest[:d.start()]
        if kind == "skip" and not m.group("not"):
            outcome = SKIP
        elif kind == "todo":
            outcome = SKIP  # an expected failure, or a pass not yet promised
        else:
            outcome = FAIL if m.group("not") else PASS
        found.append(((m.group("num"), rest.strip()), outcome))
    return found


def worse(a, b):
    """Two outcomes of one test within one setup: a failure wins, then a pass."""
    for o in (FAIL, PASS):
        if o in (a, b):
            return o
    return SKIP


def setup_outcomes(lines):
    """{test identity: outcome} of one setup's testlog lines."""
    outcomes = {}

    def add(key, outcome):
        outcomes[key] = worse(outcomes.get(key, outcome), outcome)

    for line in lines:
        if not line.strip():
            continue
        t = json.loads(line)
        suite, name = split_name(t["name"])
        result = t.get("result", "")
        subtests = tap_outcomes(t.get("stdout"))
        for sub, outcome in subtests:
            add((suite, name, sub), outcome)
        whole = (suite, name, None)
        if result in FAILED_RESULTS:
            if not any(o == FAIL for _, o in subtests):
                add(whole, FAIL)
        elif not subtests:
            add(whole, SKIP if result == "SKIP" else PASS)
    return outcomes


def across(per_setup):
    """{test identity: outcome} over all setups."""
    total = {}
    for outcomes in per_setup:
        for key, outcome in outcomes.items():
            total[key] = worse(total.get(key, outcome), outcome)
    return total


def tally(outcomes):
    values = list(outcomes.values())
    return "%d passed, %d failed, %d skipped" % (values.count(PASS), values.count(FAIL),
                                                  values.count(SKIP))


def main(argv):
    if not argv or any("=" not in a for a in argv):
        print("usage: count_tests.py SETUP=TESTLOG.json...", file=sys.stderr)
        return 2
    per_setup = []
    for arg in argv:
        setup, path = arg.split("=", 1)
        try:
            with open(path, encoding="utf-8") as f:
                outcomes = setup_outcomes(f.read().splitlines())
        except (OSError, ValueError, KeyError) as e:
            print("ci: %s: cannot read %s: %s" % (setup, path, e))
            outcomes = {("ci", setup, ("log", path)): FAIL}
        per_setup.append(outcomes)
        print("%s: %s" % (setup, tally(outcomes)))
    total = across(per_setup)
    print(tally(total))
    return 1 if FAIL in total.values() else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
