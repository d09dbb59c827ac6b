#!/usr/bin/env python3
"""Every row of doc/guarantees.md's "What notyet guarantees" names tests that
exist and run, and so does every test named in its "Limits" table.

Usage: check_guarantees.py SRCDIR UNIT_TEST_BINARY...

One TAP line per table row. A row passes when every name in its test cells
resolves and, in "What notyet guarantees", it names at least one test:
  cli/test_x.py::name, integration/test_x.py::name  a function of that file,
      which tests/<dir>/meson.build runs; "::name" keeps the previous file
  cli/test_x.py (all)                                the file is run
  /module/path, /module/prefix-*                     a GTest path listed by
      one of the unit test binaries (`-l`); `(a.ini, b.xml)` after it names
      fixture files that must exist
  tests/fuzz/fuzz-<x>.c, fuzz-<y>.c                  fuzz drivers that exist
  `meson test --setup NAME ...`                      a setup in meson.build
"""
import ast
import fnmatch
import os
import re
import subprocess
import sys

# Section -> (the header's first cell, the columns that name tests, whether
# every row must name one). The Limits table says "untested" where it is.
GUARANTEES = os.path.join("doc", "guarantees.md")

SECTIONS = {
    "## What notyet guarantees": ("promise", slice(-1, None), True),
    "## Limits": ("limit", slice(3, 5), False),
}


def section_rows(readme):
    """(line number, first cell, test cells, a test required) of each row."""
    rows, section = [], None
    for number, line in enumerate(readme.splitlines(), 1):
        if line.startswith("## "):
            section = SECTIONS.get(line.strip())
            continue
        if section is None or not line.startswith("|"):
            continue
        header, columns, required = section
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) < 2 or set(cells[0]) <= set("-: ") or cells[0] == header:
            continue
        rows.append((number, cells[0], ", ".join(cells[columns]), required))
    return rows


def python_functions(path):
    with open(path) as f:
        tree = ast.parse(f.read(), path)
    return {n.name for n in tree.body if isinstance(n, ast.FunctionDef)}


def registered(srcdir, kind, name):
    """Whether tests/<kind>/meson.build lists test_<name>.py."""
    with open(os.path.join(srcdir, "tests", kind, "meson.build")) as f:
        return re.search(r"'%s'" % re.escape(name), f.read()) is not None


def gtest_paths(binaries, srcdir):
    env = dict(os.environ, G_TEST_SRCDIR=srcdir)
    paths = set()
    for exe in binaries:
        out = subprocess.run([exe, "-l"], env=env, capture_output=True, text=True, check=True)
        paths.update(line.strip() for line in out.stdout.splitlines() if line.startswith("/"))
    return paths


def fixture_exists(srcdir, name):
    for _root, _dirs, files in os.walk(os.path.join(srcdir, "fixtures")):
        if name in files:
            return True
    return os.path.exists(os.path.join(srcdir, name))


TOKEN = re.compile(
    r"(?P<py>(?:(?P<kind>cli|integration)/(?P<file>test_\w+)\.py)?::(?P<func>\w+))"
    r"|(?P<pyall>(?P<akind>cli|integration)/(?P<afile>test_\w+)\.py \(all\))"
    r"|(?P<gtest>(?<![\w.])/[a-z][\w/*.-]*)"
    r"|(?P<fuzz>(?:tests/fuzz/)?fuzz-\w+\.c)"
    r"|(?P<setup>--setup (?P<sname>\w+))"
    r"|(?P<fixture>\b[\w-]+\.(?:ini|xml|ics|txt)\b)")


def check_cell(cell, srcdir, gtests, state, required=True):
    """The problems of one cell; state carries the last python file."""
    problems, found = [], 0
    for m in TOKEN.finditer(cell):
        if m.group("py"):
            if m.group("file"):
                state["file"] = (m.group("kind"), m.group("file"))
            if "file" not in state:
                problems.append("'%s' names no file" % m.group(0))
                continue
            kind, name = state["file"]
            path = os.path.join(srcdir, "tests", kind, name + ".py")
            if not os.path.exists(path):
                problems.append("no %s" % path)
            elif m.group("func") not in python_functions(path):
                problems.append("%s has no %s" % (path, m.group("func")))
            elif not registered(srcdir, kind, name[len("test_"):]):
                problems.append("%s is not in tests/%s/meson.build" % (path, kind))
            found += 1
        elif m.group("pyall"):
            kind, name = m.group("akind"), m.group("afile")
            state["file"] = (kind, name)
            if not registered(srcdir, kind, name[len("test_"):]):
                problems.append("%s.py is not run" % name)
            found += 1
        elif m.group("gtest"):
            pattern = m.group("gtest").rstrip(".")
            if pattern.startswith(("/work", "/tmp", "/dev")):
                continue
            if not fnmatch.filter(gtests, pattern):
                problems.append("no unit test %s" % pattern)
            found += 1
        elif m.group("fuzz"):
            base = os.path.basename(m.group("fuzz"))
            if not os.path.exists(os.path.join(srcdir, "tests", "fuzz", base)):
                problems.append("no tests/fuzz/%s" % base)
            found += 1
        elif m.group("setup"):
            with open(os.path.join(srcdir, "meson.build")) as f:
                if "add_test_setup('%s'" % m.group("sname") not in f.read():
                    problems.append("no test setup %s" % m.group("sname"))
            found += 1
        elif m.group("fixture"):
            if not fixture_exists(srcdir, m.group("fixture")):
                problems.append("no fixture %s" % m.group("fixture"))
    if found == 0 and required:
        problems.append("the row names no test")
    return problems


def main():
    srcdir, binaries = sys.argv[1], sys.argv[2:]
    with open(os.path.join(srcdir, GUARANTEES)) as f:
        rows = section_rows(f.read())
    gtests = gtest_paths(binaries, srcdir)
    print("TAP version 13")
    print("1..%d" % (len(rows) + 1))
    print("%s 1 - the section has rows (%d)" % ("ok" if len(rows) >= 40 else "not ok", len(rows)))
    failed = len(rows) < 40
    state = {}
    for i, (number, promise, cell, required) in enumerate(rows, 2):
        problems = check_cell(cell, srcdir, gtests, state, required)
        status = "ok" if not problems else "not ok"
        failed = failed or bool(problems)
        print("%s %d - %s:%d %s" % (status, i, GUARANTEES, number, promise[:60].replace("#", "")))
        for p in problems:
            print("# %s" % p)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
