#!/usr/bin/env python3
"""`meson install` puts the binary, both manual pages and the three shell
completion files in place, under any --destdir; and both manual pages render
without a warning (groff -ww -man -z, when groff is installed).

Usage: check_install.py MESON BUILDDIR SRCDIR

Installs the build into a temporary folder (never the real prefix) and looks
for each file below it. One TAP line per file.
"""
import os
import shutil
import subprocess
import sys
import tempfile

# (path ending, source file it must equal or None, what it is)
EXPECTED = [
    ("bin/notyet", None, "the binary"),
    ("man/man1/notyet.1", "doc/notyet.1", "notyet(1)"),
    ("man/man5/notyet-config.5", "doc/notyet-config.5", "notyet-config(5)"),
    ("bash-completion/completions/notyet", "completion/notyet.bash", "bash completion"),
    ("zsh/site-functions/_notyet", "completion/_notyet", "zsh completion"),
    ("fish/vendor_completions.d/notyet.fish", "completion/notyet.fish", "fish completion"),
]


def main():
    meson, builddir, srcdir = sys.argv[1:4]
    print("TAP version 13")
    pages = [source for _ending, source, _what in EXPECTED if source and source.startswith("doc/")]
    print("1..%d" % (len(EXPECTED) + 2 + len(pages)))
    with tempfile.TemporaryDirectory(prefix="notyet-install-") as dest:
        run = subprocess.run(
            [meson, "install", "-C", builddir, "--destdir", dest, "--no-rebuild", "--quiet"],
            capture_output=True, text=True)
        ok = run.returncode == 0
        print("%s 1 - meson install --destdir succeeds" % ("ok" if ok else "not ok"))
        if not ok:
            for line in (run.stdout + run.stderr).splitlines():
                print("# " + line)
        installed = []
        for root, _dirs, files in os.walk(dest):
            installed += [os.path.join(root, f) for f in files]
        failed = not ok
        binary = None
        for i, (ending, source, what) in enumerate(EXPECTED, 2):
            found = [p for p in installed if p.endswith("/" + ending)]
            problem = None
            if len(found) != 1:
                problem = "%d files end in %s" % (len(found), ending)
            elif source is not None:
                with open(found[0], "rb") as a, open(os.path.join(srcdir, source), "rb") as b:
                    if a.read() != b.read():
                        problem = "%s differs from %s" % (found[0], source)
            elif not os.access(found[0], os.X_OK):
                problem = "%s is not executable" % found[0]
            else:
                binary = found[0]
            failed = failed or problem is not None
            print("%s %d - %s: %s" % ("ok" if problem is None else "not ok", i, what, ending))
            if problem:
                print("# " + problem)
        n = len(EXPECTED) + 2
        version = subprocess.run([binary, "--version"], capture_output=True, text=True) \
            if binary else None
        ok = version is not None and version.returncode == 0 and "notyet" in version.stdout
        failed = failed or not ok
        print("%s %d - the installed binary runs" % ("ok" if ok else "not ok", n))
    groff = shutil.which("groff")
    for i, page in enumerate(pages, n + 1):
        if groff is None:
            print("ok %d - %s renders # SKIP groff is not installed" % (i, page))
            continue
        run = subprocess.run([groff, "-ww", "-man", "-z", os.path.join(srcdir, page)],
                             capture_output=True, text=True)
        ok = run.returncode == 0 and run.stderr.strip() == "" and run.stdout.strip() == ""
        failed = failed or not ok
        print("%s %d - %s renders without a warning" % ("ok" if ok else "not ok", i, page))
        for line in (run.stdout + run.stderr).splitlines():
            print("# " + line)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
