"""A file at the store or the cache path that is not notyet's (another program's
SQLite database, a text file, an empty file someone else made, the other kind
of notyet file, a newer notyet's, a damaged one) is left byte for byte, with
no -wal or -shm beside it; exit 1 with one line that says what the file seems
to be and how to use another one."""
import hashlib
import os
import sqlite3
import subprocess

import nytest
from nytest import Home, check, run

CALDAV = ("[me]\ntimezone=UTC\n\n[calendar work]\ntype=caldav\n"
          "url=http://127.0.0.1:9/\nusername=jane\npassword_command=false\n")
WEEK = ["--tz", "UTC", "freebusy", "--from", "2026-03-01", "--to", "2026-03-08"]
STORE_HINT = "choose another file with --db FILE or NOTYET_DB"
CACHE_HINT = "choose another file with NOTYET_CACHE"


def listing(folder):
    """Every file in folder with a hash of its bytes."""
    out = {}
    for name in sorted(os.listdir(folder)):
        with open(os.path.join(folder, name), "rb") as f:
            out[name] = hashlib.sha256(f.read()).hexdigest()
    return out


def sql(path, script):
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.executescript(script)
    finally:
        con.close()


def make_store(h, path):
    r = run(["--db", path, "decide", "Ann Lee", "--know", "no"], home=h)
    check(r.rc == 0 and os.path.exists(path), "a store made", r)


def big_calendar(h):
    """Over 64 KiB, so that it is read through the cache."""
    path = os.path.join(h.dir, "big.ics")
    out = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//notyet//tests//EN"]
    for i in range(600):
        out += ["BEGIN:VEVENT", "UID:e%d@big" % i, "DTSTAMP:20250101T000000Z",
                "DTSTART:202603%02dT%02d0000Z" % (1 + i % 28, 8 + i % 9),
                "DTEND:202603%02dT%02d3000Z" % (1 + i % 28, 8 + i % 9), "END:VEVENT"]
    out += ["END:VCALENDAR", ""]
    with open(path, "w", encoding="utf-8", newline="") as f:
        f.write("\r\n".join(out))
    check(os.path.getsize(path) > 64 * 1024, "a big calendar")
    return path


def make_cache(h, path):
    r = run(WEEK + ["--ics", big_calendar(h)], home=h, env={"NOTYET_CACHE": path})
    check(r.rc == 0 and os.path.exists(path), "a cache made", r)


# Each case makes a file at path and returns what the message must say of it.
def foreign_with_id(h, path, kind):
    sql(path, "PRAGMA journal_mode = WAL; PRAGMA application_id = 1196444487;"
              "PRAGMA user_version = 7; CREATE TABLE tiles (x); INSERT INTO tiles VALUES (1);")
    return ("is an SQLite database of another program (application_id 0x47504b47, \"GPKG\"), "
            "not a notyet %s" % kind)


def foreign_tables(h, path, kind):
    sql(path, "CREATE TABLE notes (body TEXT); INSERT INTO notes VALUES ('keep me');")
    return "is an SQLite database of another program (no application_id), not a notyet " + kind


def text_file(h, path, kind):
    with open(path, "w", encoding="utf-8") as f:
        f.write("my precious notes\n")
    return "is a text file, not a notyet " + kind


def empty_file(h, path, kind):
    with open(path, "w", encoding="utf-8"):
        pass
    os.chmod(path, 0o644)
    return ("is an empty file that notyet did not create (mode 0644), not a notyet %s; it was "
            "left as it is: remove it to let notyet create its %s there" % (kind, kind))


def other_kind(h, path, kind):
    if kind == "store":
        make_cache(h, path)
        return "is a notyet cache, not a notyet store"
    make_store(h, path)
    return "is a notyet store, not a notyet cache"


def newer(h, path, kind):
    (make_store if kind == "store" else make_cache)(h, path)
    sql(path, "PRAGMA user_version = 99;")
    return ("the %s '%s' was written by a newer notyet (schema 99, this one knows up to "
            % (kind, path))


def truncated(h, path, kind):
    (make_store if kind == "store" else make_cache)(h, path)
    check(os.path.getsize(path) > 4096, "more than one page")
    os.truncate(path, 4096)
    return "%s '%s' is damaged (cut short: 4096 bytes, its header says " % (kind, path)


CASES = (foreign_with_id, foreign_tables, text_file, empty_file, other_kind, newer, truncated)


def refused(h, folder, path, kind, args, env, needle):
    before = listing(folder)
    r = run(args, home=h, env=env)
    check(r.rc == 1 and r.out == "", "exit 1, nothing on stdout", r)
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("notyet: "), "one error line", r)
    check("'%s'" % path in r.err and needle in r.err, "says %r" % needle, r)
    check("it was left as it is" in r.err, "says the file was left alone", r)
    if "is damaged" in needle:
        advice = ("restore it from a backup" if kind == "store"
                  else "delete it, the next sync rebuilds it")
    else:
        advice = STORE_HINT if kind == "store" else CACHE_HINT
    check(advice in r.err, "says %r" % advice, r)
    check(listing(folder) == before, "%s: the folder is as it was, byte for byte" % args, r)


def test_store_path_refuses_what_is_not_a_store():
    for case in CASES:
        h = Home()
        try:
            folder = os.path.join(h.dir, "files")
            os.makedirs(folder)
            path = os.path.join(folder, "their.db")
            needle = case(h, path, "store")
            # reply writes a letter, which needs a signer before the store opens.
            h.write_config("[me]\nname=Jane Doe\n")
            for args, env in ((["--db", path, "decide", "Bo", "--know", "no"], None),
                              (["--db", path, "reply", "Bo", "--ics", nytest.fixture("demo.ics"),
                               "--now", "2026-03-02T09:00:00Z"], None),
                              (["followups"], {"NOTYET_DB": path})):
                refused(h, folder, path, "store", args, env, needle)
        finally:
            h.cleanup()


def test_cache_path_refuses_what_is_not_a_cache():
    for case in CASES:
        h = Home()
        try:
            h.write_config(CALDAV)
            folder = os.path.join(h.dir, "files")
            os.makedirs(folder)
            path = os.path.join(folder, "their.db")
            needle = case(h, path, "cache")
            env = {"NOTYET_CACHE": path}
            for args in (["--config", h.config, "--offline", "calendars"],
                         ["--config", h.config, "--offline"] + WEEK):
                refused(h, folder, path, "cache", args, env, needle)
        finally:
            h.cleanup()


def test_default_cache_path_refuses_a_text_file():
    """At the XDG path too (no NOTYET_CACHE): the hint names NOTYET_CACHE."""
    h = Home()
    try:
        h.write_config(CALDAV)
        folder = os.path.join(h.dir, "cache", "notyet")
        os.makedirs(folder)
        path = os.path.join(folder, "cache.db")
        needle = text_file(h, path, "cache")
        refused(h, folder, path, "cache", ["--config", h.config, "--offline", "calendars"], None,
                needle)
    finally:
        h.cleanup()


def test_foreign_cache_does_not_stop_local_sources():
    """A local calendar is read without the cache; the file is left alone."""
    h = Home()
    try:
        folder = os.path.join(h.dir, "files")
        os.makedirs(folder)
        path = os.path.join(folder, "their.db")
        foreign_tables(h, path, "cache")
        before = listing(folder)
        r = run(["-v"] + WEEK + ["--ics", big_calendar(h)], home=h, env={"NOTYET_CACHE": path})
        check(r.rc == 0, "exit 0", r)
        check("is an SQLite database of another program" in r.err, "-v says why", r)
        check(listing(folder) == before, "the file is as it was", r)
    finally:
        h.cleanup()


def test_empty_private_file_becomes_a_store():
    """An empty file of mode 0600 (mktemp's, or a notyet's killed before its
    first commit) is taken over; the store works from then on."""
    h = Home()
    try:
        path = os.path.join(h.dir, "tmp.db")
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        os.close(fd)
        make_store(h, path)
        r = run(["--db", path, "--format", "json", "followups"], home=h)
        check(r.rc == 0, "reads back", r)
        con = sqlite3.connect(path)
        try:
            check(con.execute("PRAGMA application_id").fetchone()[0] == 0x6e796574, "ours")
        finally:
            con.close()
    finally:
        h.cleanup()


def traced(h, args, env=None):
    """The file calls of one run of notyet (strace), without the wrapper."""
    log = os.path.join(h.dir, "strace.log")
    p = subprocess.run([nytest.strace_path(), "-f", "-o", log, "-e", "trace=mkdir,open,openat",
                        nytest.BIN] + list(args), capture_output=True, text=True,
                       env=nytest.traced_env(h, env), timeout=60)
    check(p.returncode == 0, "%s under strace: %s" % (args, p.stderr))
    with open(log, encoding="utf-8", errors="replace") as f:
        return f.read()


def test_existing_files_are_opened_without_creating_anything():
    """A store or cache that exists is read at once: no folder made and no
    exclusive create tried first (src/db.c, create_or_examine()); and of the
    locale only the categories notyet reads are loaded (src/main.c)."""
    h = Home()
    try:
        store = os.path.join(h.dir, "store.db")
        cache = os.path.join(h.dir, "cache.db")
        make_store(h, store)
        make_cache(h, cache)
        calendar = os.path.join(h.dir, "big.ics")
        runs = (traced(h, ["--db", store, "followups"]),
                traced(h, WEEK + ["--ics", calendar], env={"NOTYET_CACHE": cache}))
        for log in runs:
            check("mkdir(" not in log, "no folder made:\n%s" % log)
            check("O_EXCL" not in log, "no exclusive create tried:\n%s" % log)
            for unused in ("LC_MONETARY", "LC_PAPER", "LC_NAME", "LC_ADDRESS", "LC_TELEPHONE",
                           "LC_MEASUREMENT", "LC_IDENTIFICATION"):
                check("/" + unused not in log, "%s not loaded:\n%s" % (unused, log))
        r = run(["--db", store, "--format", "json", "followups"], home=h)
        check(r.rc == 0, "the store reads back", r)
    finally:
        h.cleanup()


nytest.main(globals())
