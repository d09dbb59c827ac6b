"""Concurrency: two and eight notyet processes at once on the same store.

No lost update, no slot offered twice, no "database is locked" within the
busy timeout (5 s): every run exits 0, or with a clean error when the state
it wanted was changed by the other run first (exit 2, "follow-up #N is ...").
The processes are started together with subprocess.Popen.
"""
import json
import sqlite3

import nytest
from nytest import (LATER, NOW, Home, check, fixture, integrity, json_of, offered_starts, run,
                    run_ok)


def base(h, now=NOW):
    return ["--now", now, "--db", h.db, "--config", fixture("demo.ini")]


def ok(h, *args):
    return run_ok(list(args) + base(h), home=h)


def together(h, commands):
    """Starts every command at once; returns their Results in order."""
    import subprocess

    procs = [subprocess.Popen(nytest.command(list(c) + base(h, LATER if c[0] == "done" else NOW)), env=h.env(),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for c in commands]
    results = []
    for p in procs:
        out, err = p.communicate(timeout=120 * (10 if nytest.WRAPPER else 1))
        if nytest.WRAPPER and p.returncode == nytest.WRAPPER_ERROR:
            raise AssertionError("%s reported errors:\n%s" % (nytest.WRAPPER[0], err))
        results.append(nytest.Result(p.returncode, out, err))
    for c, r in zip(commands, results):
        check("locked" not in r.err, "no 'database is locked': %s" % " ".join(c), r)
    return results


def followups(h):
    return json_of(ok(h, "followups", "--all", "--format", "json"), "followups")


def check_replies(h, names, results, before=0):
    for name, r in zip(names, results):
        check(r.rc == 0, "reply %s exits 0" % name, r)
        check(r.out.startswith("Hi %s," % name.split()[0]), "a letter for %s" % name, r)
    fs = followups(h)
    check(len(fs) == before + len(names), "%d follow-ups" % (before + len(names)), fs)
    check(sorted(f["name"] for f in fs[before:]) == sorted(names), "every reply recorded", fs)
    starts = offered_starts(fs)
    check(len(starts) == 2 * len(fs), "two slots each", fs)
    check(len(starts) == len(set(starts)), "no slot offered twice", starts)
    check(integrity(h.db) == "ok", "integrity_check")
    return fs


def test_two_replies_at_once_on_a_new_store():
    h = Home()
    try:
        names = ["Ann Lee", "Bob Stone"]
        results = together(h, [["reply", n] for n in names])
        check_replies(h, names, results)
    finally:
        h.cleanup()


def test_eight_replies_at_once_on_a_new_store():
    """The first runs also create the store and its schema, at the same time."""
    h = Home()
    try:
        names = ["Person %d" % i for i in range(8)]
        results = together(h, [["reply", n] for n in names])
        check_replies(h, names, results)
    finally:
        h.cleanup()


def test_eight_replies_at_once_on_a_busy_store():
    h = Home()
    try:
        ok(h, "reply", "Ann Lee")
        ok(h, "reply", "Bob Stone")
        names = ["Person %d" % i for i in range(8)]
        results = together(h, [["reply", n] for n in names])
        fs = check_replies(h, names, results, before=2)
        check(fs[0]["name"] == "Ann Lee" and fs[1]["name"] == "Bob Stone", "earlier intact", fs)
    finally:
        h.cleanup()


def test_book_and_cancel_the_same_follow_up():
    """book and cancel race for one follow-up: both orders end cancelled; a
    book that lost the race is a clean state error, never a lost cancel."""
    h = Home()
    try:
        for _ in range(3):
            h.cleanup()
            h = Home()
            ok(h, "reply", "Ann Lee")
            book, cancel = together(h, [["book", "1", "--slot", "1"], ["cancel", "1"]])
            check(cancel.rc == 0, "cancel wins or comes second", cancel)
            check(book.rc in (0, 2), "book exits 0 or with a state error", book)
            if book.rc == 2:
                check(book.out == "" and "is cancelled" in book.err, "clean state error", book)
            fs = followups(h)
            check(len(fs) == 1 and fs[0]["state"] == "cancelled", "cancelled at the end", fs)
            check(integrity(h.db) == "ok", "integrity_check")
    finally:
        h.cleanup()


def test_done_and_cancel_race_exactly_one_wins():
    h = Home()
    try:
        for _ in range(3):
            h.cleanup()
            h = Home()
            ok(h, "reply", "Ann Lee")
            ok(h, "book", "1", "--slot", "1")
            done, cancel = together(h, [["done", "1"], ["cancel", "1"]])
            winners = [r for r in (done, cancel) if r.rc == 0]
            losers = [r for r in (done, cancel) if r.rc != 0]
            check(len(winners) == 1, "exactly one of done and cancel wins", (done, cancel))
            check(losers[0].rc == 2 and losers[0].out == "", "the other: state error", losers[0])
            state = followups(h)[0]["state"]
            check(state == ("done" if done.rc == 0 else "cancelled"), "the winner's state",
                  (done, cancel, state))
    finally:
        h.cleanup()


def test_two_books_of_one_free_time():
    """Two follow-ups booked at the same free time at once: one gets it, the
    other is told it collides; never a double booking."""
    h = Home()
    try:
        ok(h, "reply", "Ann Lee")
        ok(h, "reply", "Bob Stone")
        # A free time offered to neither: the next slot `slots` would offer.
        when = json.loads(ok(h, "slots", "--format", "json").out)["slots"][0]["start"]
        a, b = together(h, [["book", "1", "--slot", when], ["book", "2", "--slot", when]])
        check(sorted([a.rc, b.rc]) == [0, 1], "one books, one fails", (a, b))
        loser = a if a.rc else b
        check(loser.out == "" and "collides" in loser.err, "a clean refusal", loser)
        booked = [f for f in followups(h) if f["state"] == "booked"]
        check(len(booked) == 1, "one booking", booked)
    finally:
        h.cleanup()


def test_mixed_commands_at_once():
    """Eight different commands at once on one store: replies, bookings,
    closing, decisions and reads. Every run succeeds and the end state is
    the one the commands say."""
    h = Home()
    try:
        for n in ("Ann Lee", "Bob Stone", "Cy Young", "Di Prince"):
            ok(h, "reply", n)
        ok(h, "book", "4", "--slot", "2")
        commands = [
            ["reply", "Eve Adams"],
            ["reply", "Fay Wray"],
            ["book", "1", "--slot", "1"],
            ["book", "2", "--slot", "2"],
            ["cancel", "3"],
            ["done", "4"],
            ["decide", "Gus Grant", "--know", "yes", "--trust", "yes", "--recommend", "yes"],
            ["followups", "--format", "json"],
        ]
        results = together(h, commands)
        for c, r in zip(commands, results):
            check(r.rc == 0, " ".join(c), r)
        fs = {f["name"]: f for f in followups(h)}
        want = {"Ann Lee": "booked", "Bob Stone": "booked", "Cy Young": "cancelled",
                "Di Prince": "done", "Eve Adams": "offered", "Fay Wray": "offered"}
        check({n: f["state"] for n, f in fs.items()} == want, "final states", fs)
        taken = offered_starts(fs.values()) + [f["booked"]["start"] for f in fs.values()
                                               if f["state"] == "booked"]
        check(len(taken) == len(set(taken)), "no time offered or booked twice", fs)
        json.loads(results[-1].out)  # the reader saw a whole state
        check(integrity(h.db) == "ok", "integrity_check")
    finally:
        h.cleanup()


def test_eight_decisions_at_once():
    h = Home()
    try:
        commands = []
        for i in range(8):
            name = "Person %d" % (i % 4)  # two decisions for each person
            answers = ["--know", "no"] if i % 2 else ["--know", "yes", "--trust", "yes",
                                                      "--recommend", "yes"]
            commands.append(["decide", name] + answers)
        results = together(h, commands)
        for c, r in zip(commands, results):
            check(r.rc == 0, " ".join(c), r)
        db = sqlite3.connect(h.db)
        try:
            decisions = db.execute("SELECT count(*) FROM decisions").fetchone()[0]
            contacts = db.execute("SELECT count(*) FROM contacts").fetchone()[0]
        finally:
            db.close()
        check(decisions == 8, "eight decisions recorded (%d)" % decisions)
        check(contacts == 4, "one contact per name (%d)" % contacts)
        check(integrity(h.db) == "ok", "integrity_check")
    finally:
        h.cleanup()


def hold_write_lock(h):
    """Another writer: an open BEGIN IMMEDIATE on the store (python's sqlite3)."""
    db = sqlite3.connect(h.db, isolation_level=None, timeout=0, check_same_thread=False)
    db.execute("BEGIN IMMEDIATE")
    db.execute("UPDATE followups SET updated = updated")
    return db


def test_reader_does_not_wait_for_a_writer():
    h = Home()
    try:
        ok(h, "reply", "Ann Lee")
        db = hold_write_lock(h)
        try:
            # A reader that waited for the lock would end in "is locked"
            # after the busy timeout, and ok() would fail.
            r = ok(h, "followups", "--format", "json")
            check(len(json.loads(r.out)["followups"]) == 1, "the committed state", r)
        finally:
            db.rollback()
            db.close()
    finally:
        h.cleanup()


def test_writer_waits_for_the_lock_then_gives_up_cleanly():
    """A writer waits while another holds the lock (released after 1 s: it
    gets through); held past the busy timeout (5 s): exit 1, one line, no
    letter, nothing recorded."""
    import threading
    import time

    h = Home()
    try:
        ok(h, "reply", "Ann Lee")
        db = hold_write_lock(h)
        release = threading.Timer(1.0, lambda: (db.rollback(), db.close()))
        release.start()
        try:
            r = ok(h, "reply", "Bob Stone")
            check(r.out.startswith("Hi Bob,"), "got through after the wait", r)
        finally:
            release.join()
        db = hold_write_lock(h)
        try:
            t0 = time.monotonic()
            r = run(["reply", "Cy Young"] + base(h), home=h)
            waited = time.monotonic() - t0
        finally:
            db.rollback()
            db.close()
        check(r.rc == 1 and r.out == "", "exit 1, no letter", r)
        check(r.err == "notyet: the store '%s' is locked by another notyet\n" % h.db,
              "one line naming the store", r)
        check(waited >= 4.5, "waited the busy timeout (%.1f s)" % waited, r)
        check([f["name"] for f in followups(h)] == ["Ann Lee", "Bob Stone"], "nothing recorded")
    finally:
        h.cleanup()


if __name__ == "__main__":
    nytest.main(globals())
