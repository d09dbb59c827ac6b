#!/usr/bin/python3
"""The CalDAV benchmark (doc/performance.md), run by hand:

    bench/caldav.py NOTYET_BINARY [--server radicale|xandikos|both] [--runs N]
                    [--size small|medium|large|xlarge] [--now ISO8601]

Needs Debian's radicale, xandikos and python3-caldav (hence /usr/bin/python3,
not a virtualenv's python). Build notyet with --buildtype=release first.

For each server (started on 127.0.0.1, a free port and throwaway storage by
tests/integration/davservers.py, stopped by PID at the end, also on Ctrl-C):

  load     bench/gen-calendar.py SIZE --seed 1 (the "large" calendar of the
           free/busy benchmark by default: 20,000 one-off events + 300
           series with their overrides), split into one object per UID (a
           series travels with its overrides and the VTIMEZONEs it uses).
           Loading 20,300 objects by HTTP is far too slow (Radicale's own
           whole-calendar PUT on a collection takes ~15 ms per object;
           Xandikos commits a 20,000-entry git tree per PUT), so each
           object is written straight into the server's storage as UID.ics:
           Radicale's multifilesystem folder (with its .Radicale.props), and
           Xandikos's git work tree, committed with git while it is stopped,
           then restarted.
  first    `notyet -v slots` with an empty cache: wall time, requests and
           objects fetched (the `-v` line), peak RSS; after one warm-up run
           that lets the server build its own caches (every run has
           NOTYET_HTTP_TIMEOUT=300: a freshly loaded Radicale thinks for
           over 30 s before its first answer on the large calendar, and a
           loaded machine can make even a warm one do so).
  again    the same lookup with nothing changed: must be one request.
  server   that one request (the PROPFIND Depth 1 on the calendar home that
           notyet sends, read from its `-v -v` trace) sent by http.client on
           a new connection: what the server's answer alone costs; and the
           same without CS:getctag (notyet reads it only when the server
           gives no sync-token).
  offline  `notyet --offline slots`: the no-network floor (start, config,
           cache, engine); `--version` is the process start floor.
  change   one object changed on the server (PUT with a new SUMMARY, a
           different one-off event each run), then the lookup: must fetch 1.
  python   python3-caldav, `calendar.search(start, end, event=True,
           expand=True)` over the window `slots` reads, in this process on
           one client (its import and connection setup not counted).
           Xandikos 0.2.8 answers 500 to expand=True; there the same search
           runs unexpanded and python3-caldav expands it (expand_rrule),
           as the library does for a server that ignores expand.

Times are the best of N runs (--runs, default 5); peak RSS comes from one
more run of the same step under /usr/bin/time (not timed). The window is
the 14-day `slots` horizon from --now (default 2026-03-02T14:00:00Z, inside
the generated 2022-2026 span). --size medium (2,060 objects) runs in about
a minute; large in about 10.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import urllib.parse
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
# This file is caldav.py: keep its folder off the path, or `import caldav`
# finds it instead of python3-caldav.
sys.path = [p for p in sys.path if os.path.abspath(p or ".") != HERE]
sys.path.insert(0, os.path.join(HERE, "..", "tests", "integration"))
import davservers  # noqa: E402

STATS_RE = re.compile(r"(\d+) requests, (\d+) calendars synced \((\d+) unchanged\), "
                      r"(\d+) fetched, (\d+) deleted")
TRACE_REQ_RE = re.compile(r"^notyet: http: > ([A-Z]+) (\S+) HTTP/")

# The body notyet sends when it lists the calendar home (src/caldav.c,
# propfind_calendar); kept in step by hand.
PROPFIND_CALENDAR = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
    'xmlns:CS="http://calendarserver.org/ns/" xmlns:I="http://apple.com/ns/ical/">'
    "<D:prop><D:resourcetype/><D:current-user-principal/><D:displayname/>"
    "<C:supported-calendar-component-set/><CS:getctag/><D:sync-token/>"
    "<I:calendar-color/></D:prop></D:propfind>")


class Failed(Exception):
    pass


# --- the calendar ----------------------------------------------------------

def generate(size, path):
    subprocess.run([sys.executable, os.path.join(HERE, "gen-calendar.py"), size, "--seed", "1",
                    "-o", path], check=True)


def split_objects(data):
    """One VCALENDAR per UID: [(uid, text)], in file order. A series keeps
    its overrides; each object carries the VTIMEZONEs it names."""
    lines = data.split("\r\n")
    header, zones, objects, order = [], {}, {}, []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line in ("BEGIN:VTIMEZONE", "BEGIN:VEVENT"):
            end = "END:" + line[6:]
            j = lines.index(end, i)
            block = lines[i:j + 1]
            unfolded = "\r\n".join(block).replace("\r\n ", "").split("\r\n")
            if line == "BEGIN:VTIMEZONE":
                tzid = next(x[5:] for x in unfolded if x.startswith("TZID:"))
                zones[tzid] = block
            else:
                uid = next(x[4:] for x in unfolded if x.startswith("UID:"))
                if uid not in objects:
                    objects[uid] = ([], set())
                    order.append(uid)
                objects[uid][0].extend(block)
                objects[uid][1].update(re.findall(r";TZID=([^:;]+)", "\n".join(unfolded)))
            i = j + 1
            continue
        if line and line not in ("BEGIN:VCALENDAR", "END:VCALENDAR"):
            header.append(line)
        i += 1
    out = []
    for uid in order:
        events, tzids = objects[uid]
        body = ["BEGIN:VCALENDAR"] + header
        for tzid in sorted(tzids):
            body += zones[tzid]
        body += events + ["END:VCALENDAR"]
        out.append((uid, "\r\n".join(body) + "\r\n"))
    return out


def href_name(uid):
    return urllib.parse.quote(uid, safe="@-_.") + ".ics"


def changed(text, k):
    """The object with a new SUMMARY on its first VEVENT (run k)."""
    return re.sub(r"\r\nSUMMARY:[^\r]*", "\r\nSUMMARY:changed by bench run %d" % k, text, count=1)


# --- the servers -----------------------------------------------------------

class Bench:
    def __init__(self, kind):
        self.kind = kind
        self.server = davservers.Radicale() if kind == "radicale" else davservers.Xandikos()

    def start(self):
        self.server.start()

    @property
    def cal_path(self):
        return ("/%s/bench/" % self.server.user if self.kind == "radicale"
                else "/user/calendars/calendar/")

    def load(self, objects):
        """Returns the seconds the load took."""
        t0 = time.monotonic()
        if self.kind == "radicale":
            # Radicale's multifilesystem storage: one file per item, named
            # by its href, and the collection's properties in JSON. Written
            # before anything asked for the collection; Radicale builds its
            # item cache on the first read (the warm-up run).
            home = os.path.join(self.server.dir, "collections", "collection-root",
                                self.server.user)
            coll = os.path.join(home, "bench")
            if not os.path.isdir(home):
                raise Failed("radicale: no principal folder at %s" % home)
            os.mkdir(coll)
            with open(os.path.join(coll, ".Radicale.props"), "w") as f:
                json.dump({"tag": "VCALENDAR", "D:displayname": "Bench",
                           "C:supported-calendar-component-set": "VEVENT"}, f)
            for uid, text in objects:
                with open(os.path.join(coll, href_name(uid)), "w", newline="") as f:
                    f.write(text)
        else:
            # Xandikos keeps each collection in git: write the work tree,
            # commit, restart (one PUT per object rewrites a 20,000-entry
            # tree per commit).
            self.server.stop()
            tree = os.path.join(self.server.dir, "data", "user", "calendars", "calendar")
            if not os.path.isdir(os.path.join(tree, ".git")):
                raise Failed("xandikos: no git store at %s" % tree)
            for uid, text in objects:
                with open(os.path.join(tree, href_name(uid)), "w", newline="") as f:
                    f.write(text)
            git = ["git", "-C", tree, "-c", "user.name=bench", "-c", "user.email=bench@localhost"]
            subprocess.run(git + ["add", "-A"], check=True, stdout=subprocess.DEVNULL)
            subprocess.run(git + ["commit", "-q", "-m", "bench load"], check=True,
                           stdout=subprocess.DEVNULL)
            self.server.start()
        return time.monotonic() - t0

    def put(self, name, text):
        status, _, _ = davservers.request("GET", self.server.base + self.cal_path + name, b"",
                                          None, self.server.user, self.server.password)
        if status != 200:
            raise Failed("GET %s before changing it: %d" % (name, status))
        status, _, body = davservers.request(
            "PUT", self.server.base + self.cal_path + name, text,
            {"Content-Type": "text/calendar; charset=utf-8"}, self.server.user,
            self.server.password, timeout=60)
        if status not in (201, 204):
            raise Failed("PUT %s: %d %r" % (name, status, body[:200]))


# --- running notyet --------------------------------------------------------

class Run:
    def __init__(self, seconds, cpu, rss_kb, rc, out, err):
        # rss_kb is None unless the run went through /usr/bin/time
        self.seconds, self.cpu, self.rss_kb = seconds, cpu, rss_kb
        self.rc, self.out, self.err = rc, out, err
        m = STATS_RE.search(err)
        self.requests = int(m.group(1)) if m else None
        self.fetched = int(m.group(4)) if m else None


def run_child(argv, tmp, env=None, rss=False):
    """Wall time of one child; with rss, its peak RSS (KB) from /usr/bin/time
    instead (wait4's ru_maxrss of a child forked from this process counts
    Python's own RSS, which Linux carries across exec)."""
    out_path, err_path = os.path.join(tmp, "out"), os.path.join(tmp, "err")
    time_path = os.path.join(tmp, "time")
    if rss:
        argv = ["/usr/bin/time", "-f", "%M", "-o", time_path] + argv
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
        _, status, usage = os.wait4(p.pid, 0)
        seconds = time.monotonic() - t0
        p.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as f:
        o = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        e = f.read()
    kb = None
    if rss:
        with open(time_path) as f:
            kb = int(f.read().split()[-1])
    return Run(seconds, usage.ru_utime + usage.ru_stime, kb, p.returncode, o, e)


class Notyet:
    def __init__(self, binary, tmp, bench, now):
        self.binary, self.tmp, self.now = binary, tmp, now
        self.base = bench.server.base
        self.config = os.path.join(tmp, "config.ini")
        self.db = os.path.join(tmp, "notyet.db")
        self.cache = os.path.join(tmp, "notyet.cache.db")  # beside --db
        s = bench.server
        text = "[me]\ntimezone=America/New_York\n\n[calendar work]\ntype=caldav\nurl=%s/\n" % s.base
        if s.user:
            text += "username=%s\npassword_command=echo %s\n" % (s.user, s.password)
        with open(self.config, "w") as f:
            f.write(text)
        os.chmod(self.config, 0o600)
        self.env = dict(os.environ)
        for var in ("NOTYET_CACHE", "NOTYET_CONFIG", "NOTYET_DB"):
            self.env.pop(var, None)
        # A limit, not a speed: on a loaded machine Radicale can take over
        # notyet's default 30 s before the first byte of a 20,300-object
        # REPORT, and the benchmark should measure that, not fail.
        self.env["NOTYET_HTTP_TIMEOUT"] = "300"

    def argv(self, *args):
        return [self.binary, "--config", self.config, "--db", self.db,
                "--now", self.now] + list(args)

    def run(self, *args, ok=(0, 3), rss=False, env=None):
        r = run_child(self.argv(*args), self.tmp, dict(self.env, **(env or {})), rss)
        if r.rc not in ok:
            raise Failed("notyet %s: exit %d: %s" % (" ".join(args), r.rc, r.err.strip()[-500:]))
        return r

    def drop_cache(self):
        for suffix in ("", "-wal", "-shm", "-journal"):
            if os.path.exists(self.cache + suffix):
                os.unlink(self.cache + suffix)


def best(runs):
    """Best wall time, leaving out the one run under /usr/bin/time."""
    return min(r.seconds for r in runs if r.rss_kb is None)


def best_cpu(runs):
    """Least user + system CPU seconds of notyet itself."""
    return min(r.cpu for r in runs if r.rss_kb is None)


def peak(runs):
    kbs = [r.rss_kb for r in runs if r.rss_kb is not None]
    return max(kbs) if kbs else "-"


def same(values, what):
    vals = sorted(set(v for v in values))
    return vals[0] if len(vals) == 1 else "/".join(str(v) for v in vals)


# --- python3-caldav --------------------------------------------------------

def python_caldav(bench, start, end, runs):
    t0 = time.monotonic()
    import caldav  # noqa: E402 (Debian python3-caldav)
    t_import = time.monotonic() - t0
    s = bench.server
    client = caldav.DAVClient(url=s.base + "/", username=s.user, password=s.password)
    cal = client.calendar(url=s.base + bench.cal_path)
    def server_expand():
        return cal.search(start=start, end=end, event=True, expand=True)

    def client_expand():
        # Xandikos 0.2.8 answers 500 to the expand element: the same search
        # unexpanded, expanded by python3-caldav as it does for a server that
        # ignores expand (Calendar.search: expand_rrule, split_expanded).
        found = []
        for o in cal.search(start=start, end=end, event=True, expand=False):
            o.expand_rrule(start, end)
            found.extend(o.split_expanded())
        return found

    search, how = server_expand, "server expand"
    try:
        server_expand()  # also warms the connection and the authentication
    except caldav.error.ReportError:
        search, how = client_expand, "client expand: the server fails expand=True"
    times, cpus, count = [], [], None
    for _ in range(runs):
        t0, c0 = time.monotonic(), time.process_time()
        count = len(search())
        times.append(time.monotonic() - t0)
        cpus.append(time.process_time() - c0)
    return min(times), min(cpus), count, t_import, how


# --- the raw server request ------------------------------------------------

def traced_request(notyet):
    """The method, URL and Depth of the one request of an unchanged lookup,
    from notyet's own -v -v trace."""
    r = notyet.run("-v", "-v", "slots")
    reqs = [m.groups() for m in map(TRACE_REQ_RE.match, r.err.splitlines()) if m]
    depth = re.search(r"^notyet: http: > Depth: (\S+)", r.err, re.M)
    if len(reqs) != 1:
        raise Failed("unchanged lookup sent %d requests: %r" % (len(reqs), reqs))
    return reqs[0][0], urllib.parse.urljoin(notyet.base + "/", reqs[0][1]), (
        depth.group(1) if depth else "1")


def server_cpu(bench):
    """CPU seconds the server process has used so far (/proc, 10 ms ticks)."""
    with open("/proc/%d/stat" % bench.server.proc.pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_alone(bench, method, url, depth, runs, body=PROPFIND_CALENDAR):
    """Best wall time and mean server CPU of the request alone."""
    s = bench.server
    times, size = [], 0
    cpu0 = server_cpu(bench)
    for _ in range(runs):
        t0 = time.monotonic()
        status, _, answer = davservers.request(method, url, body,
                                             {"Depth": depth,
                                              "Content-Type": "application/xml; charset=utf-8"},
                                             s.user, s.password, timeout=60)
        times.append(time.monotonic() - t0)
        if status != 207:
            raise Failed("%s %s: %d" % (method, url, status))
        size = len(answer)
    return min(times), (server_cpu(bench) - cpu0) / runs, size


# --- one server ------------------------------------------------------------

def bench_server(kind, args, objects, rows, notes):
    tmp = tempfile.mkdtemp(prefix="notyet-bench-caldav-")
    bench = Bench(kind)
    try:
        bench.start()
        load_s = bench.load(objects)
        ny = Notyet(args.binary, tmp, bench, args.now)
        n = args.runs

        # 1. first sync, after one warm-up run (the server builds its caches)
        ny.drop_cache()
        # A freshly loaded Radicale parses every item before its first
        # answer (40+ s for the large calendar, past notyet's default 30 s
        # slow-transfer limit).
        warm = ny.run("-v", "slots", rss=True)
        first = []
        for _ in range(n):
            ny.drop_cache()
            first.append(ny.run("-v", "slots"))
        # 2. nothing changed
        again = [ny.run("-v", "slots") for _ in range(n)] + [ny.run("-v", "slots", rss=True)]
        method, url, depth = traced_request(ny)
        server_s, server_cpu_s, server_bytes = server_alone(bench, method, url, depth, n)
        # The same without CS:getctag, which notyet only reads when the
        # server gives no sync-token.
        noctag_s, noctag_cpu_s, _ = server_alone(bench, method, url, depth, n,
                                                 PROPFIND_CALENDAR.replace("<CS:getctag/>", ""))
        offline = [ny.run("--offline", "slots") for _ in range(n)] + [
            ny.run("--offline", "slots", rss=True)]
        version = [ny.run("--version") for _ in range(n)] + [ny.run("--version", rss=True)]
        # 3. one change each run, on a different one-off event
        one_offs = [(uid, text) for uid, text in objects if uid.startswith("ev-")]
        change = []
        for k in range(n + 1):
            uid, text = one_offs[k]
            bench.put(href_name(uid), changed(text, k))
            change.append(ny.run("-v", "slots", rss=k == n))
        # 4. python3-caldav
        now = datetime.strptime(args.now, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
        start = now - timedelta(minutes=10)
        end = now + timedelta(days=15, minutes=30)
        try:
            py_s, py_cpu, py_count, py_import, py_how = python_caldav(bench, start, end, n)
        except Exception as e:  # the reference failing is a finding, not a crash
            py_s = py_cpu = py_count = py_import = py_how = None
            notes.append("%s: python3-caldav failed: %s: %s" % (kind, type(e).__name__, e))

        dash = "-"
        rows.append((kind, "load (%d objects)" % len(objects), load_s, dash, dash, dash, dash))
        for step, runs in (("first sync", first), ("unchanged", again)):
            rows.append((kind, step, best(runs), best_cpu(runs),
                         same([r.requests for r in runs], ""), same([r.fetched for r in runs], ""),
                         peak([warm] if step == "first sync" else runs)))
        rows.append((kind, "  server alone (%s)" % method, server_s, server_cpu_s, 1, dash, dash))
        rows.append((kind, "  same, without getctag", noctag_s, noctag_cpu_s, 1, dash, dash))
        rows.append((kind, "  --offline", best(offline), best_cpu(offline), 0, dash,
                     peak(offline)))
        rows.append((kind, "  --version", best(version), best_cpu(version), 0, dash,
                     peak(version)))
        rows.append((kind, "one change", best(change), best_cpu(change),
                     same([r.requests for r in change], ""), same([r.fetched for r in change], ""),
                     peak(change)))
        rows.append((kind, "python3-caldav search", py_s if py_s is not None else dash,
                     py_cpu if py_cpu is not None else dash, dash,
                     py_count if py_count is not None else dash, dash))
        notes.append("%s: warm-up first sync %.3f s; server-alone request %s %s Depth %s, "
                     "%d bytes answered; slots exit %d" % (kind, warm.seconds, method, url, depth,
                                                           server_bytes, again[0].rc))
        if any(r.requests != 1 for r in again):
            notes.append("%s: UNCHANGED LOOKUP SENT MORE THAN ONE REQUEST" % kind)
        if any(r.fetched != 1 for r in change):
            notes.append("%s: A ONE-OBJECT CHANGE FETCHED %s" % (kind, [r.fetched for r in change]))
        if py_s:
            notes.append("%s: python3-caldav (%s): import %.3f s (not counted); %d occurrences; "
                         "notyet unchanged / python = %.2f, notyet first / python = %.2f, "
                         "notyet one change / python = %.2f"
                         % (kind, py_how, py_import, py_count, best(again) / py_s,
                            best(first) / py_s, best(change) / py_s))
    finally:
        bench.server.cleanup()
        shutil.rmtree(tmp, ignore_errors=True)


def fmt(v, digits=3):
    if isinstance(v, float):
        return "%.*f" % (digits, v)
    return str(v)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("binary")
    ap.add_argument("--server", choices=("radicale", "xandikos", "both"), default="both")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--size", choices=("small", "medium", "large", "xlarge"), default="large")
    ap.add_argument("--now", default="2026-03-02T14:00:00Z")
    args = ap.parse_args()
    args.binary = os.path.abspath(args.binary)
    if not os.access(args.binary, os.X_OK):
        sys.exit("no notyet binary at %s" % args.binary)

    # Ctrl-C and SIGTERM unwind through the finally blocks: servers stopped by
    # PID, temp dirs removed.
    def stop(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)  # also when started with SIGINT ignored

    tmp = tempfile.mkdtemp(prefix="notyet-bench-cal-")
    try:
        path = os.path.join(tmp, "cal.ics")
        generate(args.size, path)
        with open(path, newline="") as f:
            whole = f.read()
        objects = split_objects(whole)
        version = subprocess.run([args.binary, "--version"], capture_output=True,
                                 text=True).stdout.strip()
        print("%s; %s calendar, %d objects (%.1f MB); --now %s; best of %d"
              % (version, args.size, len(objects), len(whole) / 1048576, args.now, args.runs))
        print("binary %s; %d CPUs, load average %.2f at the start"
              % (args.binary, os.cpu_count(), os.getloadavg()[0]))
        rows, notes = [], []
        kinds = ("radicale", "xandikos") if args.server == "both" else (args.server,)
        for kind in kinds:
            bench_server(kind, args, objects, rows, notes)
        print()
        line = "%-9s %-26s %8s %8s %8s %8s %8s"
        print(line % ("server", "step", "best s", "cpu s", "requests", "fetched", "peak KB"))
        for kind, step, t, cpu, req, fetched, rss in rows:
            print(line % (kind, step, fmt(t), fmt(cpu), fmt(req), fmt(fetched), fmt(rss)))
        print()
        print("best s: wall, best of %d; cpu s: user + system CPU of notyet (least of the "
              "runs),\nof the server process for 'server alone' (mean, 10 ms ticks), of "
              "this process for python3-caldav;\nfetched: objects for notyet, occurrences "
              "found for python3-caldav" % args.runs)
        print()
        for n in notes:
            print(n)
        print("load average %.2f at the end" % os.getloadavg()[0])
    except KeyboardInterrupt:
        print("interrupted; servers stopped, temp files removed", file=sys.stderr)
        sys.exit(130)
    except Failed as e:
        print("bench/caldav.py: %s" % e, file=sys.stderr)
        sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
