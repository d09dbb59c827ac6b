#!/usr/bin/env python3
"""The links of README.md and of the notes in doc/ lead somewhere, and the
README's two set-up commands still name what exists.

Usage: check_links.py SRCDIR

A link [text](target) that is not a web or mail address must name a file of
the repository (relative to the file holding it), and its #anchor, if any, a
heading of that file (GitHub's rule: lowercase, punctuation dropped, spaces
become hyphens). One TAP line per file, then one for the two commands.
"""
import os
import re
import sys

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")


def slug(heading):
    text = heading.strip().lower().replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    with open(path, encoding="utf-8") as f:
        return {slug(line.lstrip("#")) for line in f if re.match(r"#{1,6} ", line)}


def check(srcdir, path):
    problems = []
    with open(path, encoding="utf-8") as f:
        text = f.read()
    in_code = False
    for number, line in enumerate(text.splitlines(), 1):
        if line.lstrip().startswith("```"):
            in_code = not in_code
        if in_code or line.startswith("    "):
            continue
        for m in LINK.finditer(line):
            target = m.group(1)
            if re.match(r"(https?|mailto):", target):
                continue
            name, _, anchor = target.partition("#")
            dest = os.path.normpath(os.path.join(os.path.dirname(path), name)) if name else path
            if not dest.startswith(os.path.abspath(srcdir)) or not os.path.exists(dest):
                problems.append("line %d: '%s' does not exist" % (number, target))
            elif anchor and dest.endswith(".md") and anchor not in anchors(dest):
                problems.append("line %d: '%s' has no heading '%s'" % (number, name or
                                os.path.basename(path), anchor))
    return problems


def main():
    srcdir = os.path.abspath(sys.argv[1])
    docs = [os.path.join(srcdir, "README.md")] + sorted(
        os.path.join(srcdir, "doc", n) for n in os.listdir(os.path.join(srcdir, "doc"))
        if n.endswith(".md"))
    print("TAP version 13")
    print("1..%d" % (len(docs) + 1))
    failed = False
    for i, path in enumerate(docs, 1):
        problems = check(srcdir, path)
        failed = failed or bool(problems)
        print("%s %d - links of %s" % ("not ok" if problems else "ok", i,
                                       os.path.relpath(path, srcdir)))
        for p in problems:
            print("# " + p)
    # .ci/run runs the README's test command verbatim; the demo command needs
    # its configuration and calendar.
    with open(docs[0], encoding="utf-8") as f:
        readme = f.read()
    problems = []
    for command, needs in (
            ("./scripts/setup && build/src/notyet --config fixtures/demo.ini reply",
             ["scripts/setup", "fixtures/demo.ini", "fixtures/demo.ics"]),
            ("\n    ./scripts/test\n", ["scripts/test"])):
        if command not in readme:
            problems.append("README.md lacks %r" % command.strip())
        problems += ["no %s" % n for n in needs if not os.path.exists(os.path.join(srcdir, n))]
    failed = failed or bool(problems)
    print("%s %d - the README's two commands" % ("not ok" if problems else "ok", len(docs) + 1))
    for p in problems:
        print("# " + p)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
