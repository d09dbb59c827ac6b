"""Real CalDAV servers for the integration suite: Debian's Radicale,
Xandikos and Cyrus on 127.0.0.1, free ports, throwaway storage, stopped by PID.

Also small DAV client helpers (MKCALENDAR, PUT, DELETE) that always send
Content-Length (Radicale reads a chunked body as empty).
"""
import base64
import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse

READY_TIMEOUT = 20.0


def free_port():
    """A port nobody listens on right now (bind port 0, read it back)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(method, url, body=b"", headers=None, user=None, password=None, timeout=10):
    """One HTTP request; returns (status, headers dict, body bytes)."""
    u = urllib.parse.urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    h = dict(headers or {})
    if isinstance(body, str):
        body = body.encode("utf-8")
    h["Content-Length"] = str(len(body))
    if user is not None:
        token = base64.b64encode(("%s:%s" % (user, password or "x")).encode()).decode()
        h["Authorization"] = "Basic " + token
    try:
        conn.request(method, u.path or "/", body=body, headers=h)
        r = conn.getresponse()
        data = r.read()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, data
    finally:
        conn.close()


MKCALENDAR_BODY = """<?xml version="1.0" encoding="utf-8"?>
<C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop>
<D:displayname>%s</D:displayname>
<C:supported-calendar-component-set><C:comp name="VEVENT"/></C:supported-calendar-component-set>
</D:prop></D:set></C:mkcalendar>"""


class Server:
    name = "server"

    def __init__(self):
        self.dir = tempfile.mkdtemp(prefix="notyet-%s-" % self.name)
        self.port = free_port()
        self.base = "http://127.0.0.1:%d" % self.port
        self.proc = None
        self.log = os.path.join(self.dir, "log")
        self.user = None
        self.password = None

    def _spawn(self, argv):
        logf = open(self.log, "wb")
        try:
            self.proc = subprocess.Popen(argv, stdout=logf, stderr=subprocess.STDOUT,
                                         stdin=subprocess.DEVNULL, start_new_session=True)
        finally:
            logf.close()

    def _wait_ready(self, path, ok):
        deadline = time.monotonic() + READY_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("%s exited at start:\n%s" % (self.name, self.tail()))
            try:
                status, _, _ = request("GET", self.base + path, timeout=2)
                if ok(status):
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("%s not ready within %.0f s:\n%s" % (self.name, READY_TIMEOUT,
                                                               self.tail()))

    def tail(self):
        try:
            with open(self.log, encoding="utf-8", errors="replace") as f:
                return "".join(f.readlines()[-20:])
        except OSError:
            return ""

    def stop(self):
        """SIGTERM by PID, SIGKILL after 10 s."""
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        self.start()
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False

    # DAV helpers
    def mkcalendar(self, path, displayname):
        status, _, body = request("MKCALENDAR", self.base + path, MKCALENDAR_BODY % displayname,
                                  {"Content-Type": "application/xml; charset=utf-8"},
                                  self.user, self.password)
        if status != 201:
            raise RuntimeError("MKCALENDAR %s: %d %r" % (path, status, body[:200]))

    def put(self, path, ics):
        status, headers, body = request("PUT", self.base + path, ics,
                                        {"Content-Type": "text/calendar; charset=utf-8"},
                                        self.user, self.password)
        if status not in (201, 204):
            raise RuntimeError("PUT %s: %d %r" % (path, status, body[:200]))
        return headers.get("etag")

    def delete(self, path):
        status, _, body = request("DELETE", self.base + path, b"", None, self.user,
                                  self.password)
        if status not in (200, 204):
            raise RuntimeError("DELETE %s: %d %r" % (path, status, body[:200]))


class Radicale(Server):
    """Radicale 3 with its own config file (never Debian's /etc/radicale/config,
    which sets remote_user auth), htpasswd (apr1) auth when users are given."""
    name = "radicale"

    def __init__(self, users=None):
        super().__init__()
        self.users = users or {}
        if self.users:
            self.user, self.password = next(iter(self.users.items()))
        else:
            self.user, self.password = "alice", "x"  # auth none still needs a login

    def start(self):
        conf = os.path.join(self.dir, "radicale.conf")
        lines = ["[server]", "hosts = 127.0.0.1:%d" % self.port, "[auth]"]
        if self.users:
            htpasswd = os.path.join(self.dir, "users")
            with open(htpasswd, "w") as f:
                for user, pw in self.users.items():
                    h = subprocess.run(["openssl", "passwd", "-apr1", "-stdin"], input=pw,
                                       capture_output=True, text=True, check=True).stdout.strip()
                    f.write("%s:%s\n" % (user, h))
            lines += ["type = htpasswd", "htpasswd_filename = %s" % htpasswd,
                      "htpasswd_encryption = md5", "delay = 0"]
        else:
            lines += ["type = none"]
        lines += ["[rights]", "type = owner_only", "[storage]",
                  "filesystem_folder = %s" % os.path.join(self.dir, "collections"),
                  "[web]", "type = none", "[logging]", "level = info", "mask_passwords = True"]
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        self._spawn(["radicale", "--config", conf])
        self._wait_ready("/", lambda status: status > 0)
        # The principal is created on the first authenticated request.
        request("PROPFIND", self.base + "/", "", {"Depth": "0"}, self.user, self.password)


class Xandikos(Server):
    """Xandikos with --defaults (/user/calendars/calendar/); no authentication."""
    name = "xandikos"

    def start(self):
        self._spawn(["xandikos", "-d", os.path.join(self.dir, "data"), "-l", "127.0.0.1",
                     "-p", str(self.port), "--current-user-principal", "/user/", "--defaults"])
        self._wait_ready("/health", lambda status: status == 200)


class Cyrus(Server):
    """Cyrus IMAP's CalDAV (the server Fastmail runs): RFC 6638 scheduling,
    which Radicale and Xandikos lack. Its master process runs as root and
    drops to the cyrus user, so everything under self.dir belongs to cyrus;
    nothing outside self.dir is read or written. Users log in with SASL
    PLAIN from their own sasldb. One IMAP login makes a user's mailbox; the
    first authenticated CalDAV request then makes the calendar home
    /dav/calendars/user/NAME/ with Default/, Inbox/ and Outbox/."""
    name = "cyrus"
    LIBEXEC = "/usr/lib/cyrus/bin"

    def __init__(self, users=None):
        super().__init__()
        self.users = users or {"jane": "janepass", "john": "johnpass"}
        self.user, self.password = next(iter(self.users.items()))
        self.imap_port = free_port()
        self.conf = os.path.join(self.dir, "imapd.conf")

    @classmethod
    def available(cls):
        """Why Cyrus cannot run here, or None."""
        if os.geteuid() != 0:
            return "Cyrus's master must start as root"
        for prog in ("master", "imapd", "httpd"):
            if not os.access(os.path.join(cls.LIBEXEC, prog), os.X_OK):
                return "cyrus-imapd and cyrus-caldav are not installed"
        if shutil.which("saslpasswd2") is None:
            return "sasl2-bin is not installed"
        return None

    def home(self, user=None):
        return "%s/dav/calendars/user/%s/" % (self.base, user or self.user)

    def _write_config(self):
        d = self.dir
        settings = [
            ("configdirectory", d + "/config"),
            ("defaultpartition", "main"),
            ("partition-main", d + "/mail"),
            ("sievedir", d + "/sieve"),
            ("proc_path", d + "/run/proc"),
            ("mboxname_lockpath", d + "/run/lock"),
            ("lmtpsocket", d + "/run/lmtp.sock"),
            ("idlesocket", d + "/run/idle.sock"),
            ("notifysocket", d + "/run/notify.sock"),
            ("servername", "localhost"),
            ("syslog_prefix", "notyet-test-cyrus"),
            # Mailboxes appear at the first login; SASL reads our own sasldb.
            ("autocreate_quota", "0"),
            ("allowplaintext", "yes"),
            ("sasl_pwcheck_method", "auxprop"),
            ("sasl_auxprop_plugin", "sasldb"),
            ("sasl_sasldb_path", d + "/sasldb2"),
            ("sasl_mech_list", "PLAIN"),
            ("httpmodules", "caldav"),
            ("caldav_allowscheduling", "on"),
        ]
        with open(self.conf, "w") as f:
            f.write("".join("%s: %s\n" % kv for kv in settings))
        services = [
            ("imap", "imapd", self.imap_port),
            ("http", "httpd", self.port),
        ]
        with open(os.path.join(d, "cyrus.conf"), "w") as f:
            f.write("START {\n  recover cmd=\"%s/ctl_cyrusdb -C %s -r\"\n}\nSERVICES {\n"
                    % (self.LIBEXEC, self.conf))
            for name, prog, port in services:
                f.write("  %s cmd=\"%s/%s -C %s\" listen=\"127.0.0.1:%d\" prefork=0\n"
                        % (name, self.LIBEXEC, prog, self.conf, port))
            f.write("}\nEVENTS {\n}\n")

    def _make_dirs(self):
        letters = [chr(c) for c in range(ord("a"), ord("z") + 1)]
        for sub in ("config/db", "config/proc", "config/socket", "config/log", "config/msg",
                    "config/sync", "config/ptclient", "run/proc", "run/lock", "mail", "sieve"):
            os.makedirs(os.path.join(self.dir, sub), exist_ok=True)
        # Cyrus's own layout (hashimapspool, the default): one folder per letter.
        for top in ("config/user", "config/quota", "config/lock", "mail", "sieve"):
            for h in letters:
                os.makedirs(os.path.join(self.dir, top, h), exist_ok=True)

    def _add_users(self):
        for user, pw in self.users.items():
            subprocess.run(["saslpasswd2", "-p", "-c", "-f", os.path.join(self.dir, "sasldb2"),
                            "-u", "localhost", user], input=pw, text=True, check=True,
                           capture_output=True)
        subprocess.run(["chown", "-R", "cyrus:mail", self.dir], check=True)

    def _login(self, user, pw):
        import imaplib
        m = imaplib.IMAP4("127.0.0.1", self.imap_port, timeout=5)
        try:
            m.login(user, pw)
        finally:
            m.logout()

    def start(self):
        self._write_config()
        self._make_dirs()
        self._add_users()
        # -D: stay in the foreground, so self.proc is master and SIGTERM stops
        # it with every service it started.
        self._spawn([os.path.join(self.LIBEXEC, "master"), "-D", "-C", self.conf, "-M",
                     os.path.join(self.dir, "cyrus.conf"), "-p",
                     os.path.join(self.dir, "run", "master.pid")])
        deadline = time.monotonic() + READY_TIMEOUT
        pending = dict(self.users)
        while pending:
            if self.proc.poll() is not None:
                raise RuntimeError("cyrus exited at start:\n%s" % self.tail())
            user, pw = next(iter(pending.items()))
            try:
                self._login(user, pw)
                del pending[user]
                continue
            except Exception:  # noqa: BLE001 - not listening yet, or not ready
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError("cyrus: no IMAP login within %.0f s:\n%s"
                                       % (READY_TIMEOUT, self.tail()))
            time.sleep(0.1)
        # The first authenticated request makes each calendar home.
        for user, pw in self.users.items():
            request("PROPFIND", self.home(user), "", {"Depth": "0",
                    "Content-Type": "application/xml"}, user, pw)
