"""Durability: notyet killed or failing in the middle of a write (strace fault
injection) never loses or half-writes the follow-up store or an exported file.

Each case injects a fault into one syscall of one notyet run (a SIGKILL, ENOSPC
on a write, EIO on fsync, EXDEV on rename), at each position N in turn, then
checks: the exit status, nothing on stdout when the run failed (no letter for a
follow-up that was not recorded), the previous state intact (the follow-ups and
SQLite's integrity_check), and that the next run works.

strace counts `when=N` per syscall, so each case injects into one syscall only:
SQLite writes with pwrite64, notyet prints with write, GLib's atomic file
writes use write, fsync and rename.
"""
import os
import sqlite3
import stat
import subprocess

import nytest
from nytest import (BIN, LATER, NOW, Home, check, fixture, integrity, json_of, offered_starts,
                    read_bytes, run, run_ok, strace_path, traced_env)

KILLED = -9


def base(h, args=()):
    now = LATER if list(args)[:1] == ["done"] else NOW
    return ["--now", now, "--db", h.db, "--config", fixture("demo.ini")]


def nt(h, *args):
    """A normal run (under $NOTYET_WRAPPER when set)."""
    return run(list(args) + base(h, args), home=h)


def ok(h, *args):
    return run_ok(list(args) + base(h, args), home=h)


def faulty(h, fault, *args):
    """notyet under strace with one fault; never under the valgrind wrapper,
    whose own syscalls would shift the counts."""
    cmd = [strace_path(), "-f", "-o", "/dev/null"] + fault + [BIN] + list(args) + base(h, args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=traced_env(h), timeout=60)
    return nytest.Result(p.returncode, p.stdout, p.stderr)


def count_calls(h, syscall, *args):
    """How many times a clean run of notyet makes @syscall (the run is real:
    the caller starts from a copy of the store afterwards)."""
    log = os.path.join(h.dir, "strace.log")
    cmd = [strace_path(), "-f", "-o", log, "-e", "trace=" + syscall, BIN] + list(args) + base(h, args)
    p = subprocess.run(cmd, capture_output=True, text=True, env=traced_env(h), timeout=60)
    check(p.returncode == 0, "clean run under strace: %s" % p.stderr)
    with open(log, encoding="utf-8", errors="replace") as f:
        n = sum(1 for line in f if (" %s(" % syscall) in line)
    os.unlink(log)
    return n


def followups(h):
    return json_of(ok(h, "followups", "--all", "--format", "json"), "followups")


def snapshot(h):
    """The store's files, to start every fault from the same state."""
    for suffix in ("-wal", "-shm"):
        check(not os.path.exists(h.db + suffix), "the store was closed cleanly")
    return read_bytes(h.db)


def restore(h, data):
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(h.db + suffix):
            os.unlink(h.db + suffix)
    with open(h.db, "wb") as f:
        f.write(data)
    os.chmod(h.db, 0o600)


def one_error_line(r, needle):
    lines = r.err.splitlines()
    check(len(lines) == 1 and lines[0].startswith("notyet: ") and needle in lines[0],
          "one error line with %r" % needle, r)


def positions(n, most=16):
    """1..n, thinned out evenly to at most @most positions (always 1 and n)."""
    if n <= most:
        return list(range(1, n + 1))
    step = (n - 1) / (most - 1)
    return sorted({1 + round(i * step) for i in range(most)})


def reply_home():
    """A store holding one offered follow-up (Ann Lee); returns (home, its bytes, Ann)."""
    h = Home()
    ok(h, "reply", "Ann Lee", "--email", "ann@example.com")
    fs = followups(h)
    check(len(fs) == 1, "one follow-up to start with", fs)
    return h, snapshot(h), fs[0]


def check_reply_outcome(h, r, ann, failed_rc):
    """After a faulty `reply Bob`: Ann untouched; Bob recorded exactly when the
    run got as far as the commit; a letter only for a recorded follow-up;
    the store sound; the next reply works and offers fresh slots."""
    check(integrity(h.db) == "ok", "integrity_check", r)
    fs = followups(h)
    check(fs[0] == ann, "the earlier follow-up is intact", fs)
    names = [f["name"] for f in fs]
    check(names in (["Ann Lee"], ["Ann Lee", "Bob Stone"]), "no half record", fs)
    recorded = names == ["Ann Lee", "Bob Stone"]
    if r.out:
        check(recorded, "a letter was printed, so the follow-up must be recorded", r)
        check(r.out.startswith("Hi Bob,"), "a whole letter", r)
    if r.rc == failed_rc and failed_rc != KILLED:
        check(r.out == "" and not recorded, "a failed reply prints and records nothing", r)
    nxt = ok(h, "reply", "Carol King")
    check(nxt.out.startswith("Hi Carol,"), "the next run writes its letter", nxt)
    fs = followups(h)
    check(fs[-1]["name"] == "Carol King", "the next run is recorded", fs)
    starts = offered_starts(fs)
    check(len(starts) == len(set(starts)), "no slot offered twice after recovery", fs)
    return recorded


def test_reply_killed_at_each_store_write():
    h, data, ann = reply_home()
    try:
        n = count_calls(h, "pwrite64", "reply", "Bob Stone")
        check(n >= 5, "SQLite writes with pwrite64 (%d calls)" % n)
        outcomes = set()
        for i in positions(n):
            restore(h, data)
            r = faulty(h, ["-e", "trace=pwrite64", "-e",
                           "inject=pwrite64:signal=KILL:when=%d" % i], "reply", "Bob Stone")
            check(r.rc == KILLED, "killed at pwrite64 #%d" % i, r)
            outcomes.add(check_reply_outcome(h, r, ann, KILLED))
        # Killed before the commit and killed after it (in the checkpoint on close).
        check(outcomes == {False, True}, "both outcomes seen: %r" % outcomes)
    finally:
        h.cleanup()


def test_reply_killed_before_the_letter_is_printed():
    """The letter is printed after the commit: killed just then, the
    follow-up is recorded (and listed), never a letter without a record."""
    h, data, ann = reply_home()
    try:
        r = faulty(h, ["-e", "trace=write", "-e", "inject=write:signal=KILL:when=1"],
                   "reply", "Bob Stone")
        check(r.rc == KILLED and r.out == "", "killed at the first write, to stdout", r)
        check(check_reply_outcome(h, r, ann, KILLED), "recorded before printing", r)
    finally:
        h.cleanup()


def test_reply_disk_full_at_each_store_write():
    h, data, ann = reply_home()
    try:
        n = count_calls(h, "pwrite64", "reply", "Bob Stone")
        failed = 0
        for i in positions(n):
            restore(h, data)
            r = faulty(h, ["-e", "trace=pwrite64", "-e",
                           "inject=pwrite64:error=ENOSPC:when=%d" % i], "reply", "Bob Stone")
            check(r.rc in (0, 1), "exit 0 or 1 with ENOSPC at pwrite64 #%d" % i, r)
            if r.rc == 1:
                failed += 1
                one_error_line(r, "store '%s'" % h.db)
            check_reply_outcome(h, r, ann, 1)
        check(failed >= 3, "most positions fail the reply (%d did)" % failed)
    finally:
        h.cleanup()


def test_reply_fsync_error():
    """EIO from fsync: the commit fails, stdout stays empty, nothing recorded.
    (SQLite ignores a failed fsync of the folder and of the checkpoint on
    close: those runs succeed.)"""
    h, data, ann = reply_home()
    try:
        n = count_calls(h, "fdatasync", "reply", "Bob Stone")
        check(n >= 2, "SQLite syncs (%d fdatasync calls)" % n)
        commits = 0
        for i in range(1, n + 1):
            restore(h, data)
            r = faulty(h, ["-e", "trace=fsync,fdatasync", "-e",
                           "inject=fsync,fdatasync:error=EIO:when=%d" % i], "reply", "Bob Stone")
            check(r.rc in (0, 1), "exit 0 or 1 with EIO at sync #%d" % i, r)
            if r.rc == 1:
                one_error_line(r, "store '%s': commit: disk I/O error" % h.db)
                commits += 1
            check_reply_outcome(h, r, ann, 1)
        check(commits >= 1, "a failed commit was seen")
    finally:
        h.cleanup()


def book_home():
    h, data, ann = reply_home()
    return h, data, ann


def check_book_outcome(h, r, ann, failed_rc):
    check(integrity(h.db) == "ok", "integrity_check", r)
    fs = followups(h)
    check(len(fs) == 1, "still one follow-up", fs)
    f = fs[0]
    if f["state"] == "offered":
        check(f == ann, "unchanged when the booking did not happen", fs)
        check(r.out == "", "no confirmation for a booking that did not happen", r)
    else:
        check(f["state"] == "booked", "offered or booked, nothing else", fs)
        check(f["booked"]["start"] == ann["slots"][0]["start"], "booked at slot 1", fs)
    if r.rc == failed_rc and failed_rc != KILLED:
        check(f["state"] == "offered" and r.out == "", "a failed book changes nothing", r)
    nxt = ok(h, "book", "1", "--slot", "1")
    check(nxt.out.startswith("booked #1"), "the next run books", nxt)
    fs = followups(h)
    check(fs[0]["state"] == "booked", "booked after the next run", fs)
    return f["state"] == "booked"


def test_book_killed_or_failing_at_each_store_write():
    h, data, ann = book_home()
    try:
        n = count_calls(h, "pwrite64", "book", "1", "--slot", "1")
        outcomes = set()
        for i in positions(n, 16):
            for fault, want in (("signal=KILL", KILLED), ("error=ENOSPC", 1)):
                restore(h, data)
                r = faulty(h, ["-e", "trace=pwrite64", "-e",
                               "inject=pwrite64:%s:when=%d" % (fault, i)], "book", "1", "--slot",
                           "1")
                check(r.rc in (want, 0), "%s at pwrite64 #%d" % (fault, i), r)
                if r.rc == 1:
                    one_error_line(r, "store '%s'" % h.db)
                outcomes.add(check_book_outcome(h, r, ann, want))
        check(outcomes == {False, True}, "both outcomes seen: %r" % outcomes)
        restore(h, data)
        r = faulty(h, ["-e", "trace=fdatasync", "-e", "inject=fdatasync:error=EIO:when=%d" % 3],
                   "book", "1", "--slot", "1")
        check(r.rc in (0, 1), "EIO on sync", r)
        check_book_outcome(h, r, ann, 1)
    finally:
        h.cleanup()


def test_done_killed_at_each_store_write():
    h, data, ann = book_home()
    try:
        ok(h, "book", "1", "--slot", "1")
        data = snapshot(h)
        n = count_calls(h, "pwrite64", "done", "1")
        states = set()
        for i in positions(n, 12):
            restore(h, data)
            r = faulty(h, ["-e", "trace=pwrite64", "-e",
                           "inject=pwrite64:signal=KILL:when=%d" % i], "done", "1")
            check(r.rc == KILLED, "killed", r)
            check(integrity(h.db) == "ok", "integrity_check", r)
            fs = followups(h)
            check(len(fs) == 1 and fs[0]["state"] in ("booked", "done"), "booked or done", fs)
            states.add(fs[0]["state"])
            if fs[0]["state"] == "booked":
                ok(h, "done", "1")
            check(followups(h)[0]["state"] == "done", "done after the next run")
        check(states == {"booked", "done"}, "both outcomes seen: %r" % states)
    finally:
        h.cleanup()


def test_first_reply_killed_while_creating_the_store():
    """Killed while the store is created and its schema written: the next
    run finds an empty, a half-created or a whole store and works."""
    h = Home()
    try:
        n = count_calls(h, "pwrite64", "reply", "Ann Lee")
        for i in positions(n):
            for suffix in ("", "-wal", "-shm"):
                if os.path.exists(h.db + suffix):
                    os.unlink(h.db + suffix)
            r = faulty(h, ["-e", "trace=pwrite64", "-e",
                           "inject=pwrite64:signal=KILL:when=%d" % i], "reply", "Ann Lee")
            check(r.rc == KILLED, "killed at pwrite64 #%d" % i, r)
            check(stat.S_IMODE(os.stat(h.db).st_mode) == 0o600, "the store is private", r)
            names = [f["name"] for f in followups(h)]
            check(names in ([], ["Ann Lee"]), "nothing or the whole follow-up", names)
            check(r.out == "" or names == ["Ann Lee"], "no letter without its record", r)
            check(integrity(h.db) == "ok", "integrity_check", r)
            nxt = ok(h, "reply", "Bob Stone")
            check(nxt.out.startswith("Hi Bob,"), "the next run works", nxt)
    finally:
        h.cleanup()


def test_damaged_store_is_never_written():
    """A store whose pages are damaged: every command fails with exit 1 and
    one line naming it and saying what to do; the file is left byte for byte."""
    h = Home()
    try:
        for n in ("Ann Lee", "Bob Stone", "Cy Young", "Di Prince", "Eve Adams", "Fay Wray"):
            ok(h, "reply", n)
        data = bytearray(snapshot(h))
        check(len(data) >= 3 * 4096, "a store of several pages (%d bytes)" % len(data))
        for page in range(1, len(data) // 4096):  # every page but the header's
            data[page * 4096:page * 4096 + 8] = b"\x41" * 8
        restore(h, bytes(data))
        for args in (["followups"], ["reply", "Gus Grant"], ["book", "1", "--slot", "1"],
                     ["done", "1"], ["decide", "Hal Ames", "--know", "no"], ["export", "1"]):
            r = nt(h, *args)
            check(r.rc == 1 and r.out == "", "%s: exit 1, nothing on stdout" % args[0], r)
            one_error_line(r, "store '%s' is damaged" % h.db)
            check("restore it from a backup" in r.err, "says what to do", r)
            check(read_bytes(h.db) == bytes(data), "%s left the file as it was" % args[0], r)
    finally:
        h.cleanup()


def test_store_behind_a_symlink_stays_a_symlink():
    h = Home()
    try:
        ok(h, "reply", "Ann Lee")
        real = os.path.join(h.dir, "real.db")
        os.rename(h.db, real)
        os.symlink(real, h.db)
        ok(h, "reply", "Bob Stone")
        check(os.path.islink(h.db), "the link is kept")
        check([f["name"] for f in followups(h)] == ["Ann Lee", "Bob Stone"], "written through")
        db = sqlite3.connect(real)
        try:
            rows = db.execute("SELECT count(*) FROM followups").fetchone()[0]
        finally:
            db.close()
        check(rows == 2, "the real file holds both (%d)" % rows)
    finally:
        h.cleanup()


def test_decide_reply_killed_records_both_or_neither():
    """decide --reply records the decision and the follow-up in one
    transaction: killed anywhere, both are there or neither."""
    h, data, ann = reply_home()
    try:
        args = ["decide", "Bob Stone", "--know", "no", "--reply"]
        n = count_calls(h, "pwrite64", *args)
        seen = set()
        for i in positions(n, 16):
            restore(h, data)
            r = faulty(h, ["-e", "trace=pwrite64", "-e",
                           "inject=pwrite64:signal=KILL:when=%d" % i], *args)
            check(r.rc == KILLED, "killed at pwrite64 #%d" % i, r)
            check(integrity(h.db) == "ok", "integrity_check", r)
            db = sqlite3.connect(h.db)
            try:
                decisions = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
            finally:
                db.close()
            fs = followups(h)
            check(fs[0] == ann, "the earlier follow-up is intact", fs)
            check((decisions, len(fs)) in ((0, 1), (1, 2)), "both or neither", (decisions, fs))
            check(r.out == "" or len(fs) == 2, "no letter without its record", r)
            seen.add(decisions)
        check(seen == {0, 1}, "both outcomes seen: %r" % seen)
    finally:
        h.cleanup()


# export -o FILE: GLib's g_file_set_contents_full writes FILE.XXXXXX, fsyncs
# it, renames it over FILE and fsyncs the folder.

OLD = "previous invite\n"


def export_home():
    h, data, ann = reply_home()
    ok(h, "book", "1", "--slot", "1")
    out = os.path.join(h.dir, "out")
    os.mkdir(out)
    target = os.path.join(out, "call.ics")
    whole = subprocess.run(nytest.command(["export", "1"] + base(h)), capture_output=True,
                           env=h.env(), timeout=600)
    check(whole.returncode == 0 and whole.stdout.startswith(b"BEGIN:VCALENDAR"),
          "a clean export: %r" % whole.stderr)
    return h, snapshot(h), target, whole.stdout


def reset_target(target):
    for name in os.listdir(os.path.dirname(target)):
        os.unlink(os.path.join(os.path.dirname(target), name))
    with open(target, "w", encoding="utf-8") as f:
        f.write(OLD)
    os.chmod(target, 0o600)


def check_target(h, target, whole, r, data):
    """FILE holds the old text or the whole new invite, mode 0600; the store
    is untouched; the only other file is GLib's temporary FILE.XXXXXX, and
    only when the run was killed."""
    got = read_bytes(target)
    check(got in (OLD.encode(), whole), "old or whole new file, got %d bytes" % len(got), r)
    if got == whole:
        check(stat.S_IMODE(os.stat(target).st_mode) == 0o600, "mode 0600", r)
    others = [n for n in os.listdir(os.path.dirname(target)) if n != "call.ics"]
    if r.rc != KILLED:
        check(others == [], "no temporary file left: %r" % others, r)
    else:
        check(all(n.startswith("call.ics.") for n in others), "only a temp file: %r" % others, r)
    check(read_bytes(h.db) == data, "export does not change the store", r)
    return got == whole


def test_export_killed_at_each_step():
    h, data, target, whole = export_home()
    try:
        outcomes = set()
        for fault in (["-e", "trace=write", "-e", "inject=write:signal=KILL:when=1"],
                      ["-e", "trace=fsync", "-e", "inject=fsync:signal=KILL:when=1"],
                      ["-e", "trace=rename", "-e", "inject=rename:signal=KILL:when=1"],
                      ["-e", "trace=fsync", "-e", "inject=fsync:signal=KILL:when=2"]):
            reset_target(target)
            r = faulty(h, fault, "export", "1", "-o", target, "--force")
            check(r.rc == KILLED and r.out == "", "killed: %r" % fault, r)
            outcomes.add(check_target(h, target, whole, r, data))
            nxt = ok(h, "export", "1", "-o", target, "--force")
            check(nxt.out == "" and read_bytes(target) == whole, "the next run writes it", nxt)
        check(outcomes == {False, True}, "old file before the rename, new after: %r" % outcomes)
    finally:
        h.cleanup()


def test_export_write_errors_keep_the_old_file():
    h, data, target, whole = export_home()
    try:
        for fault, why in ((["-e", "trace=write", "-e", "inject=write:error=ENOSPC:when=1"],
                            "No space left on device"),
                           (["-e", "trace=fsync", "-e", "inject=fsync:error=EIO:when=1"],
                            "Input/output error"),
                           (["-e", "trace=rename", "-e", "inject=rename:error=EXDEV:when=1"],
                            "cross-device")):
            reset_target(target)
            r = faulty(h, fault, "export", "1", "-o", target, "--force")
            check(r.rc == 1 and r.out == "", "exit 1 with %r" % fault, r)
            one_error_line(r, "cannot write '%s'" % target)
            check(why.lower() in r.err.lower(), "the reason %r" % why, r)
            check(not check_target(h, target, whole, r, data), "the old file is kept", r)
        ok(h, "export", "1", "-o", target, "--force")
        check(read_bytes(target) == whole, "the next run writes it")
    finally:
        h.cleanup()


def test_export_new_file_is_private():
    """A new -o FILE is 0600 whatever the umask, and so is one replacing a 0644 file."""
    h, data, target, whole = export_home()
    try:
        os.unlink(target) if os.path.exists(target) else None
        old = os.umask(0o022)
        try:
            ok(h, "export", "1", "-o", target)
            check(stat.S_IMODE(os.stat(target).st_mode) == 0o600, "new file 0600")
            os.chmod(target, 0o644)
            ok(h, "export", "1", "-o", target, "--force")
            check(stat.S_IMODE(os.stat(target).st_mode) == 0o600, "replaced file 0600")
        finally:
            os.umask(old)
        check(read_bytes(target) == whole, "the whole invite")
    finally:
        h.cleanup()


if __name__ == "__main__":
    nytest.main(globals())
