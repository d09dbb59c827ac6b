"""`notyet init` driven by flags, without a calendar server: what it writes,
where, with which mode, and what it refuses (tests/integration/test_init.py
has the servers and the terminal)."""
import os
import pty
import select
import stat
import subprocess

import nytest
from nytest import Home, check, check_usage_error, one_error, run

ME = ["--name", "Jane Doe", "--email", "jane@example.com"]


def init(home, args, env=None):
    """init with stdin not a terminal (an empty pipe): nothing may be asked."""
    return run(["init"] + list(args), home=home, stdin="", env=env)


def listing(directory):
    return sorted(os.listdir(directory)) if os.path.isdir(directory) else []


def test_no_calendar_writes_me_and_availability():
    home = Home()
    try:
        r = init(home, ME + ["--tz", "Europe/Berlin", "--phone", "+1 212 555 0100",
                             "--days", "mon,wed-fri", "--hours", "8:30-12:00", "--no-calendar"])
        check(r.rc == 0 and "wrote " + home.config in r.out, "exit 0, the path named", r)
        check("--ics" in r.out, "the next command names --ics", r)
        ini = nytest.read_ini(home.config)
        check(ini.sections() == ["me", "availability"], "only [me] and [availability]", r)
        check(dict(ini["me"]) == {"name": "Jane Doe", "email": "jane@example.com",
                                  "phone": "+1 212 555 0100", "timezone": "Europe/Berlin"},
              "[me] as given: %r" % dict(ini["me"]), r)
        check(dict(ini["availability"]) == {"days": "Mon;Wed;Thu;Fri", "start": "08:30",
                                            "end": "12:00"},
              "[availability] normalized: %r" % dict(ini["availability"]), r)
        # The file is one every command reads: slots offers times in those hours.
        ics = nytest.write(os.path.join(home.dir, "empty.ics"),
                           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        s = run(["--now", "2026-03-02T06:00:00Z", "--ics", ics, "--format", "json", "slots"],
                home=home)
        starts = [x["start"] for x in nytest.json_of(s, "slots")]
        # Tuesday is not a working day; 08:30 Berlin is 07:30Z.
        check(starts and starts[0] == "2026-03-04T07:30:00Z", "slots from the written file", s)
    finally:
        home.cleanup()


def test_yes_without_url_writes_no_calendar():
    home = Home()
    try:
        r = init(home, ME + ["--yes"])
        check(r.rc == 0, "exit 0", r)
        ini = nytest.read_ini(home.config)
        check(ini.sections() == ["me", "availability"], "no calendar group", r)
        check(dict(ini["availability"]) == {"days": "Mon;Tue;Wed;Thu;Fri", "start": "09:00",
                                            "end": "17:00"}, "the defaults", r)
        check(ini["me"]["timezone"] == "UTC", "the system's zone (TZ=UTC)", r)
    finally:
        home.cleanup()


def test_mode_0600_in_a_0700_folder():
    home = Home()
    try:
        r = init(home, ME + ["--no-calendar"])
        check(r.rc == 0, "exit 0", r)
        mode = stat.S_IMODE(os.stat(home.config).st_mode)
        check(mode == 0o600, "file mode 0600, not %o" % mode, r)
        folder = stat.S_IMODE(os.stat(os.path.dirname(home.config)).st_mode)
        check(folder == 0o700, "new folder mode 0700, not %o" % folder, r)
    finally:
        home.cleanup()


def test_refuses_to_overwrite_without_force():
    home = Home("[me]\nname=Old\n")
    try:
        r = init(home, ME + ["--no-calendar"])
        check_usage_error(r, "--force")
        check(nytest.read_bytes(home.config) == b"[me]\nname=Old\n", "the old file untouched", r)
        r = init(home, ME + ["--no-calendar", "--force"])
        check(r.rc == 0, "replaced with --force", r)
        check(nytest.read_ini(home.config)["me"]["name"] == "Jane Doe", "the new file", r)
        check(stat.S_IMODE(os.stat(home.config).st_mode) == 0o600, "mode 0600", r)
    finally:
        home.cleanup()


def test_config_option_and_environment():
    home = Home()
    try:
        target = os.path.join(home.dir, "elsewhere", "my.ini")
        r = init(home, ["--config", target] + ME + ["--no-calendar"])
        check(r.rc == 0 and os.path.exists(target), "--config: written there", r)
        check("--config" in r.out, "the next command carries --config", r)
        check(not os.path.exists(home.config), "not at the XDG path", r)
        other = os.path.join(home.dir, "env.ini")
        r = init(home, ME + ["--no-calendar"], env={"NOTYET_CONFIG": other})
        check(r.rc == 0 and os.path.exists(other), "$NOTYET_CONFIG: written there", r)
    finally:
        home.cleanup()


def test_bad_answers_name_their_flag():
    cases = [
        (["--hours", "17:00-09:00"], "--hours"),
        (["--hours", "nine to five"], "--hours"),
        (["--hours", "09:00-09:10"], "--hours"),
        (["--days", "Mon-Funday"], "--days"),
        (["--days", ";"], "--days"),
        (["--tz", "Mars/Olympus_Mons"], "--tz"),
        (["--email", "not-an-address"], "--email"),
        (["--provider", "gmail"], "--provider"),
        (["--provider", "nextcloud"], "--url"),
        (["--url", "ftp://dav.example.com/"], "--url"),
        (["--url", "https://jane:secret@dav.example.com/"], "--url"),
        # Empty values of answers that cannot be left out (one crashed init).
        (["--hours", ""], "--hours"),
        (["--days", ""], "--days"),
        (["--name", ""], "--name"),
    ]
    for extra, flag in cases:
        home = Home()
        try:
            if "--email" in extra:
                args = ["--name", "J"] + extra
            elif "--name" in extra:
                args = ["--email", "jane@example.com"] + extra
            else:
                args = ME + extra
            r = init(home, args)
            check_usage_error(r, flag)
            check("secret" not in r.err, "no password in the message", r)
            check(listing(os.path.dirname(home.config)) == [], "nothing written for %r" % extra,
                  r)
        finally:
            home.cleanup()


def test_missing_answer_without_terminal_names_the_flag():
    home = Home()
    try:
        r = init(home, ["--name", "Jane Doe", "--no-calendar"])
        check_usage_error(r, "--email")
        r = init(home, ["--name", "Jane Doe", "--no-calendar", "--yes"])
        check_usage_error(r, "--email")
        check(not os.path.exists(home.config), "nothing written", r)
    finally:
        home.cleanup()


def test_values_with_comment_marks_load_back_whole():
    """A value holding " ;" or " #" (a password command, a phone) is written
    so that the loader, which cuts inline comments, reads it back whole."""
    home = Home()
    try:
        phone = "+1 ; 555 0100 #2"
        r = init(home, ME + ["--phone", phone, "--no-calendar"])
        check(r.rc == 0, "exit 0", r)
        ics = nytest.write(os.path.join(home.dir, "empty.ics"),
                           "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n")
        s = run(["--now", "2026-03-02T06:00:00Z", "--ics", ics, "reply", "Bob Smith",
                 "--dry-run"], home=home)
        check(s.rc == 0 and phone in s.out, "the letter shows the phone whole", s)
    finally:
        home.cleanup()


def test_failed_run_leaves_no_file():
    home = Home()
    try:
        # Nothing listens on port 1: discovery fails, exit 1.
        r = init(home, ME + ["--url", "http://127.0.0.1:1/", "--username", "jane",
                             "--password-command", "echo secret"])
        one_error(r, 1, "127.0.0.1:1")
        check("secret" not in r.err, "no password in the message", r)
        check(listing(os.path.dirname(home.config)) == [], "no file, no temporary file", r)
        # With --force over an existing file: the old file stays whole.
        home.write_config("[me]\nname=Old\n")
        r = init(home, ME + ["--force", "--url", "http://127.0.0.1:1/"])
        check(r.rc == 1, "exit 1", r)
        check(nytest.read_bytes(home.config) == b"[me]\nname=Old\n", "the old file untouched", r)
        check(listing(os.path.dirname(home.config)) == ["config.ini"], "no temporary file", r)
    finally:
        home.cleanup()


def test_without_configuration_commands_point_to_init():
    home = Home()
    try:
        for cmd in (["slots"], ["reply", "Bob Smith", "--dry-run"], ["freebusy"]):
            r = run(cmd, home=home, stdin="")
            check_usage_error(r, "notyet init")
            check(home.config in r.err and "--ics" in r.err, "the path and --ics named", r)
        r = init(home, ME + ["--no-calendar"])
        check(r.rc == 0, "init exit 0", r)
        r = run(["slots"], home=home, stdin="")
        check_usage_error(r, "--ics")
        check(home.config in r.err, "the file named", r)
    finally:
        home.cleanup()


# tests/cli/fake-srv.c answers _caldavs._tcp SRV queries with $NY_FAKE_SRV.
FAKE_SRV = os.environ.get("NOTYET_FAKE_SRV")


def srv_env(target):
    # Under AddressSanitizer its runtime must come first unless told not to
    # check: the preloaded module comes before it.
    asan = os.environ.get("ASAN_OPTIONS", "")
    return {"LD_PRELOAD": FAKE_SRV, "NY_FAKE_SRV": target,
            "ASAN_OPTIONS": (asan + ":" if asan else "") + "verify_asan_link_order=0"}


def test_srv_outside_domain_refused_without_terminal():
    if nytest.WRAPPER or not FAKE_SRV:
        return  # under valgrind the preloaded module would not be seen
    home = Home()
    try:
        for extra in ([], ["--yes"]):
            r = init(home, ME + ["--url", "example.com", "--username", "bob"] + extra,
                     env=srv_env("caldav.evil.net 443"))
            check_usage_error(r, "--url")
            check("https://caldav.evil.net:443/" in r.err and "outside example.com" in r.err,
                  "the discovered URL named", r)
            check(not os.path.exists(home.config), "nothing written", r)
    finally:
        home.cleanup()


def on_terminal(home, args, env, typed):
    """init on a pseudo-terminal, typing @typed at the confirm question;
    (exit status, everything shown)."""
    master, slave = pty.openpty()
    proc = subprocess.Popen(nytest.command(["init"] + args), stdin=slave, stdout=slave,
                            stderr=slave, env=home.env(env), start_new_session=True)
    os.close(slave)
    shown = b""
    sent = False
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        check(ready, "init went quiet:\n" + shown.decode("utf-8", "replace"))
        try:
            data = os.read(master, 4096)
        except OSError:  # EIO: init has ended
            data = b""
        if not data:
            break
        shown += data
        if not sent and b"[y/N]: " in shown:
            os.write(master, typed.encode() + b"\n")
            sent = True
    os.close(master)
    return proc.wait(timeout=60), shown.decode("utf-8", "replace")


def test_srv_outside_domain_confirmed_on_terminal():
    if nytest.WRAPPER or not FAKE_SRV:
        return
    home = Home()
    try:
        args = ME + ["--tz", "UTC", "--phone", "", "--days", "Mon-Fri", "--hours",
                     "09:00-17:00", "--url", "example.com", "--username", "bob",
                     "--password-command", "echo pw"]
        # The default is no: nothing is asked of that server, nothing written.
        rc, shown = on_terminal(home, args, srv_env("caldav.evil.net 8443"), "")
        check(rc == 2, "exit 2 when not confirmed: %d\n%s" % (rc, shown))
        check("https://caldav.evil.net:8443/" in shown and "[y/N]" in shown,
              "the URL shown before the question:\n" + shown)
        check(not os.path.exists(home.config), "nothing written")
        # Yes: discovery goes on to that server (a closed loopback port here).
        rc, shown = on_terminal(home, args, srv_env("127.0.0.1 1"), "y")
        check("https://127.0.0.1:1/" in shown, "the URL shown:\n" + shown)
        check(rc == 1 and "was not confirmed" not in shown and "127.0.0.1" in shown.split(
            "[y/N]: ")[-1], "discovery tried the confirmed server: %d\n%s" % (rc, shown))
    finally:
        home.cleanup()


def test_help():
    r = run(["help", "init"])
    check(r.rc == 0, "exit 0", r)
    for flag in ("--name", "--email", "--phone", "--days", "--hours", "--url", "--provider",
                 "--username", "--password-command", "--token-command", "--busy", "--holds",
                 "--no-calendar", "--force", "--yes"):
        check(flag in r.out, "help names " + flag, r)


nytest.main(globals())
