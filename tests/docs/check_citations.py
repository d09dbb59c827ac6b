#!/usr/bin/env python3
"""Every file of the repository cites only what the repository holds.

Usage: check_citations.py SRCDIR

Looks at src/, include/, tests/, bench/, scripts/, doc/, the top-level .md
files and HACKING. A file fails when it
  - cites a document that is not in the repository: the old design and
    measurement notes by name, or an issue by its number; the
    project's own notes are under doc/;
  - cites a heading of a note that the note does not have: a doc/ note's
    name followed by the heading in double quotes (also across a comment's
    line break), or README followed by one;
  - names a repository path (doc/..., src/..., include/..., tests/...,
    fixtures/..., bench/..., scripts/...) that does not exist. A path with a
    placeholder (<name>, NAME) is not checked, nor is a pattern in code
    (tests/fuzz/fuzz-[a-z]*); a glob (src/cmd-*.c) must match
    something; in doc/, a path in a paragraph that says "planned" may be
    missing (the note says it is not built yet).
One TAP line per file.
"""
import glob
import os
import re
import sys

# Built from pieces so that this file does not cite them itself.
GONE = re.compile(r"\b(?:%s|%s)\b|\b[Ii]ssue \d+" % (
    "DESIGN" + r"\.md", "RELIABILITY" + r"-ANCHORS(?:\.md)?"))
ROOTS = ("doc", "src", "include", "tests", "fixtures", "bench", "scripts")
PATH = re.compile(r"(?<![\w./~$-])((?:%s)/[A-Za-z0-9_][A-Za-z0-9_./*<>{}-]*)" % "|".join(ROOTS))
SCANNED = ("src", "include", "tests", "bench", "scripts", "doc")
PLACEHOLDER = re.compile(r"[<>{}]|(?<![A-Za-z])[A-Z][A-Z_]+(?![a-z])")


def files(srcdir):
    out = []
    for top in SCANNED:
        for root, _dirs, names in os.walk(os.path.join(srcdir, top)):
            out += [os.path.join(root, n) for n in names]
    # The case tables' comments cite notes too (the other fixtures are
    # inputs, some hostile on purpose).
    for root, _dirs, names in os.walk(os.path.join(srcdir, "fixtures")):
        out += [os.path.join(root, n) for n in names if n == "cases.txt"]
    for name in os.listdir(srcdir):
        if name.endswith(".md") or name == "HACKING":
            out.append(os.path.join(srcdir, name))
    return sorted(out)


def text_of(path):
    with open(path, "rb") as f:
        data = f.read()
    if b"\0" in data:
        return None
    return data.decode("utf-8", "replace")


def paragraphs(text):
    """(first line number, text) of each blank-line separated paragraph."""
    out, start, lines = [], 1, []
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() == "":
            if lines:
                out.append((start, "\n".join(lines)))
            lines, start = [], number + 1
        else:
            lines.append(line)
    if lines:
        out.append((start, "\n".join(lines)))
    return out


def path_exists(srcdir, ref):
    ref = ref.rstrip(".,:;)'\"`")
    if PLACEHOLDER.search(ref):
        return True
    if any(c in ref for c in "*?["):
        return bool(glob.glob(os.path.join(srcdir, ref)))
    return os.path.exists(os.path.join(srcdir, ref))


HEADING_CITE = re.compile(r'((?<![\w/.-])doc/[\w.-]+\.md|(?<![\w/.-])README(?:\.md)?),? "([^"]+)"')
# A comment's line break with its leader (" * ", "# ", "// ") is one space.
JOIN = re.compile(r"[ \t]*\n[ \t]*(?:\*(?!/)|#|//)?[ \t]*")


def headings(srcdir, note, cache={}):
    path = os.path.join(srcdir, "README.md" if note.startswith("README") else note)
    if path not in cache:
        found = set()
        if os.path.exists(path):
            with open(path, encoding="utf-8") as f:
                found = {line.lstrip("#").strip().lower() for line in f
                         if re.match(r"#{1,6} ", line)}
        cache[path] = found
    return cache[path]


def problems_of(srcdir, path, text):
    rel = os.path.relpath(path, srcdir)
    in_doc = rel.startswith("doc" + os.sep) or rel.endswith(".md") or rel == "HACKING"
    problems = []
    for start, para in paragraphs(text):
        planned = in_doc and re.search(r"\bplanned\b", para, re.I)
        for offset, line in enumerate(para.splitlines()):
            number = start + offset
            for m in GONE.finditer(line):
                problems.append("line %d cites '%s', which is not in the repository"
                                % (number, m.group(0)))
            for m in PATH.finditer(line):
                if line[m.end():m.end() + 1] in ("[", "(", "\\", "$"):
                    continue  # a pattern in code (a regex, a shell glob), not a path
                if not path_exists(srcdir, m.group(1)) and not planned:
                    problems.append("line %d names '%s', which does not exist"
                                    % (number, m.group(1).rstrip(".,:;)'\"`")))
    for m in HEADING_CITE.finditer(JOIN.sub(" ", text)):
        note, heading = m.group(1), m.group(2)
        if heading.strip().lower() not in headings(srcdir, note):
            problems.append("cites the heading \"%s\" of %s, which has none such"
                            % (heading, note))
    return problems


def main():
    srcdir = sys.argv[1]
    paths = [p for p in files(srcdir) if "__pycache__" not in p]
    print("TAP version 13")
    print("1..%d" % len(paths))
    failed = False
    for i, path in enumerate(paths, 1):
        text = text_of(path)
        problems = [] if text is None else problems_of(srcdir, path, text)
        failed = failed or bool(problems)
        print("%s %d - %s" % ("not ok" if problems else "ok", i, os.path.relpath(path, srcdir)))
        for p in problems:
            print("# " + p)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
