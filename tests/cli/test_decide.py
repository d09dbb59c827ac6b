"""notyet decide: the three-question flow, by flags, through a pipe and on a
pseudo-terminal; JSON; recording in the store; bad input."""
import json
import os
import pty
import select
import subprocess
import sqlite3
import time

import nytest
from nytest import BIN, Home, check, check_usage_error, query, run

KNOW = "Do I know this person in a professional capacity?"
TRUST = "Are they trustworthy, with ethics and values like mine?"
RECOMMEND = "Would I be comfortable recommending them to my network?"


def verdict_line(r):
    check(r.rc == 0, "exit 0", r)
    return r.out.splitlines()[0].split(":")[0]


# --- non-interactive -------------------------------------------------------

def test_know_no_is_not_yet():
    r = run(["decide", "--know", "no"])
    check(verdict_line(r) == "NOT YET", "NOT YET", r)
    check('notyet reply "NAME" --met' in r.out, "says the reply command", r)
    check(r.err == "", "nothing on stderr", r)


def test_trust_no_is_decline():
    r = run(["decide", "--know", "yes", "--trust", "no"])
    check(verdict_line(r) == "DECLINE", "DECLINE", r)
    check("no call" in r.out, "says no call is offered", r)


def test_all_yes_is_accept():
    r = run(["decide", "--know", "yes", "--trust", "yes", "--recommend", "yes"])
    check(verdict_line(r) == "ACCEPT", "ACCEPT", r)


def test_recommend_no_is_not_yet():
    r = run(["decide", "--know", "yes", "--trust", "yes", "--recommend", "no"])
    check(verdict_line(r) == "NOT YET", "NOT YET", r)


def test_flags_in_any_case_and_short():
    r = run(["decide", "--know", "Y", "--trust", "YES", "--recommend", "n"])
    check(verdict_line(r) == "NOT YET", "NOT YET", r)


def test_no_call_turns_not_yet_into_decline():
    r = run(["decide", "--know", "no", "--no-call"])
    check(verdict_line(r) == "DECLINE", "DECLINE", r)
    check("--met" not in r.out, "no call offered", r)
    check('notyet reply "NAME" --decline' in r.out, "the decline note's command", r)
    check("for now" in r.out, "a decline for now", r)
    r = run(["decide", "--know", "yes", "--trust", "yes", "--recommend", "yes", "--no-call"])
    check(verdict_line(r) == "ACCEPT", "--no-call leaves ACCEPT alone", r)
    r = run(["decide", "--know", "yes", "--trust", "no", "--no-call"])
    check(verdict_line(r) == "DECLINE" and "for now" not in r.out, "a plain decline", r)


def test_not_yet_follows_the_configuration():
    h = Home()
    try:
        h.write_config("[availability]\nslot_minutes=30\ncount=3\n")
        r = run(["decide", "--know", "no"], home=h)
        check("a 30-minute call" in r.out and "three open times" in r.out, "slot and count", r)
    finally:
        h.cleanup()


def test_name_in_reply_command():
    h = Home()
    try:
        r = run(["decide", "Richard Roe", "--know", "no"], home=h)
        check('  notyet reply "Richard Roe" --met "..."' in r.out.splitlines(),
              "the exact reply command", r)
        r = run(["decide", "Ann \"Nan\" $Lee", "--know", "no"], home=h)
        check("notyet reply 'Ann \"Nan\" $Lee' --met" in r.out, "quoted for a shell", r)
    finally:
        h.cleanup()


def test_global_options_after_command():
    r = run(["decide", "--know", "no", "--format", "json"])
    check(json.loads(r.out)["verdict"] == "not-yet", "json after the command", r)


# --- JSON ------------------------------------------------------------------

def test_json_forms():
    cases = [
        (["--know", "no"], "not-yet", {"know": False, "trust": None, "recommend": None}),
        (["--know", "yes", "--trust", "no"], "decline",
         {"know": True, "trust": False, "recommend": None}),
        (["--know", "yes", "--trust", "yes", "--recommend", "yes"], "accept",
         {"know": True, "trust": True, "recommend": True}),
        (["--know", "yes", "--trust", "yes", "--recommend", "no"], "not-yet",
         {"know": True, "trust": True, "recommend": False}),
        # Answers the flow never needed are not part of the decision.
        (["--know", "no", "--trust", "yes", "--recommend", "yes"], "not-yet",
         {"know": False, "trust": None, "recommend": None}),
        (["--know", "no", "--no-call"], "decline",
         {"know": False, "trust": None, "recommend": None}),
    ]
    for args, verdict, answers in cases:
        r = run(["--format", "json", "decide"] + args)
        check(r.rc == 0 and r.err == "", "exit 0, quiet", r)
        doc = json.loads(r.out)
        check(doc["verdict"] == verdict, "verdict %s for %s" % (verdict, args), r)
        check(doc["answers"] == answers, "answers for %s" % args, r)
        check(doc["no_call"] == ("--no-call" in args), "no_call", r)
        check(doc["name"] is None, "no name", r)


# --- bad flags and missing answers ----------------------------------------

def test_bad_flag_value():
    check_usage_error(run(["decide", "--know", "maybe"]), "--know: 'maybe'")
    check_usage_error(run(["decide", "--know", "yes", "--trust", ""]), "--trust")


def test_missing_answer_without_terminal():
    # run() gives no stdin at all; a pipe is not a terminal either.
    check_usage_error(run(["decide"]), "--know yes|no")
    check_usage_error(run(["decide", "--know", "yes"], stdin="y\n"), "--trust yes|no")
    check_usage_error(run(["decide", "--know", "yes", "--trust", "yes"], stdin=""),
                      "--recommend yes|no")


def test_too_many_arguments():
    # The words of decisions and reply, which take a NAME too.
    check_usage_error(run(["decide", "A", "B", "--know", "no"]),
                      "unexpected argument 'B' (quote a NAME with spaces)")


def test_empty_name():
    check_usage_error(run(["decide", "", "--know", "no"]), "NAME")
    check_usage_error(run(["decide", "   ", "--know", "no"]), "NAME")


def test_name_not_one_line():
    check_usage_error(run(["decide", "Richard\nRoe", "--know", "no"]), "NAME")
    check_usage_error(run(["decide", "Bell\x07", "--know", "no"]), "NAME")


# --- interactive, on a pseudo-terminal ------------------------------------

def run_pty(args, dialog, home=None, timeout=20):
    """Runs notyet with a pseudo-terminal as stdin. dialog: a list of
    (prompt, reply): wait for prompt on stderr, then type reply. Returns
    Result(rc, stdout, stderr)."""
    own = home is None
    home = home or Home()
    master, slave = pty.openpty()
    try:
        p = subprocess.Popen([BIN] + list(args), stdin=slave, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=home.env())
        os.close(slave)
        slave = -1
        err = b""
        pos = 0
        deadline = time.monotonic() + timeout
        for prompt, reply in dialog:
            want = prompt.encode()
            while err.find(want, pos) < 0:
                left = deadline - time.monotonic()
                check(left > 0, "timed out waiting for %r; stderr so far %r" % (prompt, err))
                ready, _, _ = select.select([p.stderr], [], [], left)
                if ready:
                    chunk = os.read(p.stderr.fileno(), 4096)
                    check(chunk != b"", "stderr closed before %r: %r" % (prompt, err))
                    err += chunk
            pos = err.find(want, pos) + len(want)
            os.write(master, reply.encode())
        out, rest = p.communicate(timeout=timeout)
        return nytest.Result(p.returncode, out.decode(), (err + rest).decode())
    finally:
        if slave >= 0:
            os.close(slave)
        os.close(master)
        if own:
            home.cleanup()


def test_pty_know_no_stops_at_once():
    r = run_pty(["decide"], [(KNOW, "n\n")])
    check(verdict_line(r) == "NOT YET", "NOT YET", r)
    check(r.err.count(KNOW) == 1 and TRUST not in r.err, "only the first question", r)
    check("[y/n]" in r.err, "says how to answer", r)


def test_pty_all_three():
    r = run_pty(["decide"], [(KNOW, "y\n"), (TRUST, "YES\n"), (RECOMMEND, "Yes\n")])
    check(verdict_line(r) == "ACCEPT", "ACCEPT", r)
    r = run_pty(["decide"], [(KNOW, "y\n"), (TRUST, "y\n"), (RECOMMEND, "no\n")])
    check(verdict_line(r) == "NOT YET", "NOT YET", r)


def test_pty_trust_no_is_decline():
    r = run_pty(["decide"], [(KNOW, "yes\n"), (TRUST, "N\n")])
    check(verdict_line(r) == "DECLINE", "DECLINE", r)
    check(RECOMMEND not in r.err, "recommend never asked", r)


def test_pty_reasks_on_other_input():
    r = run_pty(["decide"], [(KNOW, "maybe\n"), ("Please answer y or n.", ""),
                             (KNOW, "\n"), (KNOW, "  y  \n"), (TRUST, "n\n")])
    check(verdict_line(r) == "DECLINE", "DECLINE after re-asking", r)
    check(r.err.count(KNOW) == 3, "asked three times", r)


def test_pty_eof_is_usage_error():
    r = run_pty(["decide"], [(KNOW, "y\n"), (TRUST, "\x04")])
    check(r.rc == 2, "exit 2", r)
    check(r.out == "", "nothing on stdout", r)
    last = r.err.splitlines()[-1]
    check(last.startswith("notyet: no answer to '%s' (end of input)" % TRUST), "says why", r)
    check("see 'notyet decide --help'" in last, "points to help", r)


def test_pty_flags_skip_their_questions():
    r = run_pty(["decide", "--know", "yes"], [(TRUST, "y\n"), (RECOMMEND, "y\n")])
    check(verdict_line(r) == "ACCEPT", "ACCEPT", r)
    check(KNOW not in r.err, "know was given, not asked", r)


def test_pty_json_and_record():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        r = run_pty(["--db", db, "--format", "json", "decide", "Richard Roe"],
                    [(KNOW, "y\n"), (TRUST, "y\n"), (RECOMMEND, "n\n")], home=h)
        check(r.rc == 0, "exit 0", r)
        doc = json.loads(r.out)
        check(doc == {"verdict": "not-yet", "name": "Richard Roe", "no_call": False,
                      "answers": {"know": True, "trust": True, "recommend": False}}, "json", r)
        check([row[5] for row in decisions(db)] == ["not-yet"], "recorded", r)
    finally:
        h.cleanup()


# --- recording -------------------------------------------------------------

def decisions(db):
    return query(db, "SELECT c.name, d.at, d.know, d.trust, d.recommend, d.verdict, d.no_call "
                 "FROM decisions d JOIN contacts c ON c.id = d.contact_id ORDER BY d.id")


def test_records_with_name():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        r = run(["--db", db, "--now", "2026-12-01T15:00:00Z", "decide", "Richard Roe",
                 "--know", "yes", "--trust", "no"], home=h)
        check(verdict_line(r) == "DECLINE", "DECLINE", r)
        r = run(["--db", db, "--now", "2026-12-01T16:00:00Z", "decide", "Richard Roe",
                 "--know", "no", "--no-call", "--trust", "yes"], home=h)
        check(verdict_line(r) == "DECLINE", "DECLINE with --no-call", r)
        check(decisions(db) == [
            ("Richard Roe", 1796137200, 1, 0, None, "decline", 0),
            ("Richard Roe", 1796140800, 0, None, None, "decline", 1),
        ], "two decisions of one contact recorded: %r" % decisions(db))
        check(os.stat(db).st_mode & 0o777 == 0o600, "store is 0600")
    finally:
        h.cleanup()


def followups(db):
    return query(db, "SELECT f.id, c.name, f.email, f.met, f.state FROM followups f "
                 "JOIN contacts c ON c.id = f.contact_id ORDER BY f.id")


REPLY = ["--config", nytest.fixture("demo.ini"), "--now", "2026-12-01T14:00:00Z"]


def test_reply_goes_on_to_the_letter():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        r = run(REPLY + ["--db", db, "decide", "Richard Roe", "--know", "no", "--reply",
                         "--met", "last week at SxSW", "--email", "rr@example.org"], home=h)
        check(r.rc == 0, "exit 0", r)
        check(r.out.startswith("Hi Richard,\n\nGreat to meet you last week at SxSW.\n"),
              "the letter alone on stdout", r)
        check("20 minutes tomorrow at 9a ET" in r.out, "real slots in the letter", r)
        check(r.err.splitlines()[0].startswith("NOT YET"), "verdict on stderr", r)
        check(decisions(db) == [("Richard Roe", 1796133600, 0, None, None, "not-yet", 0)],
              "decision recorded: %r" % decisions(db))
        check(followups(db) == [(1, "Richard Roe", "rr@example.org", "last week at SxSW",
                                 "offered")], "follow-up recorded: %r" % followups(db))
    finally:
        h.cleanup()


def test_reply_every_verdict_gets_its_words():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        r = run(REPLY + ["--db", db, "decide", "Richard Roe", "--know", "yes", "--trust", "no",
                         "--reply", "--met", "last week at SxSW", "--closing",
                         "Good luck with your upcoming public beta launch!"], home=h)
        check(r.rc == 0, "exit 0", r)
        check(r.out == nytest.read_fixture("letter", "decline-full.txt"),
              "DECLINE: the decline note alone on stdout", r)
        check(r.err.splitlines()[0].startswith("DECLINE"), "verdict on stderr", r)
        check(followups(db) == [], "no follow-up for a DECLINE")
        check(len(decisions(db)) == 1, "the decision is recorded")
        r = run(REPLY + ["--db", db, "decide", "Ann Lee", "--know", "yes", "--trust", "yes",
                         "--recommend", "yes", "--reply"], home=h)
        check(r.rc == 0 and r.out.startswith("ACCEPT") and "Hi Ann" not in r.out,
              "ACCEPT: the verdict only", r)
        check(followups(db) == [] and len(decisions(db)) == 2, "ACCEPT recorded, no follow-up")
    finally:
        h.cleanup()


def test_reply_needs_my_name_before_asking():
    h = Home()
    try:
        h.write_config("[me]\nemail=jane@example.com\n")
        db = os.path.join(h.dir, "store.db")
        r = run(["--db", db, "--now", "2026-12-01T14:00:00Z", "decide", "Richard Roe", "--reply"],
                home=h, stdin="")
        check_usage_error(r, "[me] name")
        check(not os.path.exists(db), "nothing recorded", r)
    finally:
        h.cleanup()


def test_reply_decline_bad_template_records_nothing():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        bad = os.path.join(h.dir, "no.txt")
        with open(bad, "w", encoding="utf-8") as f:
            f.write("Hi {{first_name}}, maybe {{slot1}}?\n")
        r = run(REPLY + ["--db", db, "decide", "Richard Roe", "--know", "yes", "--trust", "no",
                         "--reply", "--template", bad], home=h)
        check(r.rc == 2 and r.out == "" and "unknown field 'slot1'" in r.err, "exit 2", r)
        check(not os.path.exists(db) or decisions(db) == [], "nothing recorded")
        check_usage_error(run(REPLY + ["--db", db, "decide", "X", "--know", "no", "--reply",
                                       "--decline"], home=h), "--decline")
    finally:
        h.cleanup()


def test_reply_failure_records_nothing():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        run(REPLY + ["--db", db, "decide", "Someone", "--know", "yes", "--trust", "no"], home=h)
        r = run(REPLY + ["--db", db, "--ics", os.path.join(h.dir, "missing.ics"), "decide",
                         "Richard Roe", "--know", "no", "--reply"], home=h)
        check(r.rc == 1 and r.out == "" and "missing.ics" in r.err, "lookup failure", r)
        check(len(decisions(db)) == 1 and followups(db) == [],
              "neither the decision nor a follow-up was written")
    finally:
        h.cleanup()


def test_reply_to_a_pending_contact():
    """decide --reply runs reply's rules: a second letter to a pending
    contact is refused with nothing recorded, unless --new."""
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        args = REPLY + ["--db", db, "decide", "Richard Roe", "--know", "no", "--reply"]
        check(run(args, home=h).rc == 0, "first")
        r = run(args, home=h)
        check(r.rc == 2 and r.out == "" and "'notyet nudge 1'" in r.err, "refused", r)
        check(len(decisions(db)) == 1 and len(followups(db)) == 1, "nothing more recorded")
        r = run(args + ["--new"], home=h)
        check(r.rc == 0 and r.out.startswith("Hi Richard,"), "--new", r)
        check(len(decisions(db)) == 2 and len(followups(db)) == 2, "both recorded")
        check_usage_error(run(REPLY + ["--db", db, "decide", "X", "--know", "no", "--new"],
                              home=h), "--reply")
    finally:
        h.cleanup()


def test_reply_usage_errors():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        check_usage_error(run(REPLY + ["--db", db, "decide", "--know", "no", "--reply"], home=h),
                          "NAME")
        check_usage_error(run(REPLY + ["--db", db, "decide", "X", "--know", "no", "--met", "y"],
                              home=h), "--reply")
        check_usage_error(run(REPLY + ["--db", db, "--format", "json", "decide", "X", "--know",
                                       "no", "--reply"], home=h), "JSON")
        check_usage_error(run(REPLY + ["--db", db, "decide", "X", "--know", "no", "--reply",
                                       "--email", "nope"], home=h), "--email")
        check(not os.path.exists(db), "nothing written on a usage error")
    finally:
        h.cleanup()


def test_default_store_location():
    h = Home()
    try:
        r = run(["decide", "Ann Lee", "--know", "yes", "--trust", "yes", "--recommend", "yes"],
                home=h)
        check(verdict_line(r) == "ACCEPT", "ACCEPT", r)
        check(os.path.exists(h.db), "the store is in $XDG_DATA_HOME/notyet", r)
        check(os.stat(os.path.dirname(h.db)).st_mode & 0o777 == 0o700, "folder is 0700")
        check(os.stat(h.db).st_mode & 0o777 == 0o600, "file is 0600")
        check([row[0] for row in decisions(h.db)] == ["Ann Lee"], "recorded")
        other = os.path.join(h.dir, "env.db")
        r = run(["decide", "Bo", "--know", "no"], home=h, env={"NOTYET_DB": other})
        check(r.rc == 0 and os.path.exists(other), "$NOTYET_DB is used", r)
    finally:
        h.cleanup()


def test_no_name_writes_nothing():
    h = Home()
    try:
        r = run(["decide", "--know", "no"], home=h)
        check(r.rc == 0, "exit 0", r)
        check(not os.path.exists(os.path.dirname(h.db)), "no store without a NAME", r)
    finally:
        h.cleanup()


def test_foreign_store_refused():
    h = Home()
    try:
        db = os.path.join(h.dir, "notes.db")
        con = sqlite3.connect(db)
        con.execute("CREATE TABLE notes (body TEXT)")
        con.execute("INSERT INTO notes VALUES ('keep me')")
        con.commit()
        con.close()
        text = os.path.join(h.dir, "notes.txt")
        with open(text, "w") as f:
            f.write("not a database\n")
        for path in (db, text):
            with open(path, "rb") as f:
                before = f.read()
            r = run(["--db", path, "decide", "Richard Roe", "--know", "no"], home=h)
            check(r.rc == 1, "exit 1", r)
            check(r.out == "", "nothing on stdout", r)
            check(len(r.err.splitlines()) == 1 and ", not a notyet store; " in r.err,
                  "one line", r)
            with open(path, "rb") as f:
                check(f.read() == before, "the file is unchanged", r)
    finally:
        h.cleanup()


def test_locked_store():
    h = Home()
    try:
        db = os.path.join(h.dir, "store.db")
        r = run(["--db", db, "decide", "First", "--know", "no"], home=h)
        check(r.rc == 0, "store created", r)
        con = sqlite3.connect(db, isolation_level=None)
        con.execute("BEGIN IMMEDIATE")
        try:
            t0 = time.monotonic()
            r = run(["--db", db, "decide", "Second", "--know", "no"], home=h)
            waited = time.monotonic() - t0
        finally:
            con.execute("ROLLBACK")
            con.close()
        check(r.rc == 1 and r.out == "", "exit 1, nothing on stdout", r)
        check(r.err == "notyet: the store '%s' is locked by another notyet\n" % db, "one line", r)
        check(waited >= 4, "waited for the busy timeout (%.1f s)" % waited, r)
        check([row[0] for row in decisions(db)] == ["First"], "nothing written", r)
    finally:
        h.cleanup()


# --- configuration -----------------------------------------------------------

def test_bad_config():
    h = Home()
    try:
        path = h.write_config("[availability]\nstart=25:00\n")
        for args in (["decide", "--know", "no"], ["decide", "Richard Roe", "--know", "no"]):
            r = run(args, home=h)
            check_usage_error(r, path + ": [availability] start: '25:00'")
            check(not os.path.exists(h.db), "no store was created", r)
        r = run(["--config", nytest.fixture("config", "bad-unknown-key.ini"), "decide",
                 "--know", "no"], home=h)
        check_usage_error(r, "bad-unknown-key.ini: [me] nmae: unknown key")
    finally:
        h.cleanup()


def test_config_password_unsafe():
    h = Home()
    try:
        h.write_config("[calendar work]\ntype=caldav\nurl=https://dav.example.com/\n"
                       "password=hunter2\n", mode=0o644)
        r = run(["decide", "--know", "no"], home=h)
        check_usage_error(r, "[calendar work] password: the file can be read by other users")
        check("hunter2" not in r.err, "the password is not shown", r)
    finally:
        h.cleanup()


def test_missing_config_given():
    check_usage_error(run(["--config", "/nonexistent/notyet.ini", "decide", "--know", "no"]),
                      "/nonexistent/notyet.ini")
    check_usage_error(run(["decide", "--know", "no"],
                          env={"NOTYET_CONFIG": "/nonexistent/env.ini"}), "/nonexistent/env.ini")


def test_help():
    r = run(["decide", "--help"])
    check(r.rc == 0 and "--know" in r.out and "--no-call" in r.out, "help lists the flags", r)


nytest.main(globals())
