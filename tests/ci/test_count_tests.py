#!/usr/bin/env python3
"""The counter behind .ci/run's closing line, on synthetic meson testlogs.

Usage: test_count_tests.py PATH/TO/.ci/count_tests.py

Each case writes testlog JSON lines for a few setups, runs the counter and
compares its whole output and exit status. One TAP line per case.
"""
import json
import os
import subprocess
import sys
import tempfile
import traceback

COUNTER = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
    os.path.dirname(__file__), "..", "..", ".ci", "count_tests.py")


def log(name, result="OK", stdout=""):
    return {"name": name, "result": result, "stdout": stdout, "returncode": 0}


def tap(*lines):
    return "\n".join(lines) + "\n"


def count(setups):
    """Runs the counter on {setup: [testlog objects] or None (no log)}."""
    with tempfile.TemporaryDirectory(prefix="notyet-ci-") as d:
        args = []
        for setup, entries in setups.items():
            path = os.path.join(d, setup + ".json")
            if entries is not None:
                with open(path, "w", encoding="utf-8") as f:
                    for e in entries:
                        f.write(json.dumps(e) + "\n")
            args.append("%s=%s" % (setup, path))
        p = subprocess.run([sys.executable, COUNTER] + args, capture_output=True, text=True,
                           check=False)
    return p.returncode, [l for l in p.stdout.splitlines() if not l.startswith("ci: ")]


def expect(setups, lines, rc):
    got_rc, got = count(setups)
    if got != lines or got_rc != rc:
        raise AssertionError("expected exit %d and %r\ngot exit %d and %r"
                             % (rc, lines, got_rc, got))


UNIT = log("notyet:unit / busy", stdout=tap("1..3", "ok 1 /busy/a", "ok 2 /busy/b",
                                            "ok 3 /busy/c"))


def test_one_test_in_three_setups_counts_once():
    expect({"default": [UNIT], "asan": [UNIT], "valgrind": [UNIT]},
           ["default: 3 passed, 0 failed, 0 skipped", "asan: 3 passed, 0 failed, 0 skipped",
            "valgrind: 3 passed, 0 failed, 0 skipped", "3 passed, 0 failed, 0 skipped"], 0)


def test_same_description_twice_is_two_tests():
    same = log("notyet:cli / x", stdout=tap("1..3", "ok 1 - same", "ok 2 - same",
                                            "not ok 3 - same"), result="FAIL")
    expect({"default": [same], "asan": [same]},
           ["default: 2 passed, 1 failed, 0 skipped", "asan: 2 passed, 1 failed, 0 skipped",
            "2 passed, 1 failed, 0 skipped"], 1)


def test_failure_in_one_setup_fails_the_test():
    bad = log("notyet:unit / busy", result="FAIL",
              stdout=tap("1..3", "ok 1 /busy/a", "not ok 2 /busy/b", "ok 3 /busy/c"))
    expect({"default": [UNIT], "asan": [bad]},
           ["default: 3 passed, 0 failed, 0 skipped", "asan: 2 passed, 1 failed, 0 skipped",
            "2 passed, 1 failed, 0 skipped"], 1)


def test_skipped_in_one_setup_passed_in_another_is_passed():
    skips = log("notyet:unit / busy", stdout=tap("1..3", "ok 1 /busy/a # SKIP slow here",
                                                 "ok 2 /busy/b #skip", "ok 3 /busy/c"))
    expect({"default": [UNIT], "valgrind": [skips]},
           ["default: 3 passed, 0 failed, 0 skipped", "valgrind: 1 passed, 0 failed, 2 skipped",
            "3 passed, 0 failed, 0 skipped"], 0)


def test_skipped_everywhere_is_skipped_and_todo_is_a_skip():
    t = log("notyet:cli / y", stdout=tap("1..2", "ok 1 a # SKIP no strace",
                                         "not ok 2 b # TODO later"))
    expect({"default": [t], "asan": [t]},
           ["default: 0 passed, 0 failed, 2 skipped", "asan: 0 passed, 0 failed, 2 skipped",
            "0 passed, 0 failed, 2 skipped"], 0)


def test_crash_before_any_tap_line_is_one_failure():
    crash = log("notyet:unit / busy", result="ERROR", stdout="# random seed\n")
    expect({"default": [UNIT], "asan": [crash]},
           ["default: 3 passed, 0 failed, 0 skipped", "asan: 0 passed, 1 failed, 0 skipped",
            "3 passed, 1 failed, 0 skipped"], 1)


def test_failed_run_with_only_ok_lines_is_a_failure():
    """valgrind's error at exit, a timeout or a short plan after only "ok" lines."""
    for result in ("FAIL", "TIMEOUT", "ERROR"):
        leak = dict(UNIT, result=result)
        expect({"valgrind": [leak]},
               ["valgrind: 3 passed, 1 failed, 0 skipped", "3 passed, 1 failed, 0 skipped"], 1)


def test_suites_keep_tests_apart_and_extra_suites_do_not():
    a = log("notyet:cli / basics", stdout=tap("1..1", "ok 1 test_version"))
    b = log("notyet:integration / basics", stdout=tap("1..1", "ok 1 test_version"))
    tagged = log("notyet:cli+cli-slow / basics", stdout=tap("1..1", "ok 1 test_version"))
    expect({"default": [a, b], "asan": [tagged]},
           ["default: 2 passed, 0 failed, 0 skipped", "asan: 1 passed, 0 failed, 0 skipped",
            "2 passed, 0 failed, 0 skipped"], 0)


def test_tests_without_tap_and_fuzz_drivers():
    fuzz = [{"name": "fuzz / ical", "result": "OK"}, {"name": "fuzz / config", "result": "FAIL"}]
    plain = [log("notyet:docs / links"), log("notyet:docs / spelling", result="SKIP")]
    expect({"default": plain, "fuzz": fuzz},
           ["default: 1 passed, 0 failed, 1 skipped", "fuzz: 1 passed, 1 failed, 0 skipped",
            "2 passed, 1 failed, 1 skipped"], 1)


def test_missing_log_is_a_failure():
    expect({"default": [UNIT], "asan": None},
           ["default: 3 passed, 0 failed, 0 skipped", "asan: 0 passed, 1 failed, 0 skipped",
            "3 passed, 1 failed, 0 skipped"], 1)


def test_numbers_tell_subtests_apart_across_setups():
    """A subtest known by number and description: a renumbered one is another test."""
    other = log("notyet:unit / busy", stdout=tap("1..3", "ok 1 /busy/a", "ok 2 /busy/c",
                                                 "ok 3 /busy/b"))
    expect({"default": [UNIT], "asan": [other]},
           ["default: 3 passed, 0 failed, 0 skipped", "asan: 3 passed, 0 failed, 0 skipped",
            "5 passed, 0 failed, 0 skipped"], 0)


def main():
    tests = [(n, f) for n, f in sorted(globals().items()) if n.startswith("test_")]
    print("1..%d" % len(tests))
    failed = 0
    for i, (name, func) in enumerate(tests, 1):
        try:
            func()
            print("ok %d %s" % (i, name))
        except Exception:  # report every failure, keep going
            failed += 1
            print("not ok %d %s" % (i, name))
            for line in traceback.format_exc().splitlines():
                print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
