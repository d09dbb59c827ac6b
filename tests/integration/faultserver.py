"""A scripted misbehaving HTTP server on loopback (standard library only).

The first path segment picks the fault: http://127.0.0.1:PORT/<case>/...
Every request is recorded (method, path, headers) so a test can check what
notyet sent, e.g. that credentials never followed a redirect.
"""
import hashlib
import re
import socket
import socketserver
import threading
import time

SECRET_FILE_MARKER = "notyet-xxe-canary-4242"
USERINFO_PASSWORD = "pw-in-url-5150"

MULTISTATUS_HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'

CALENDAR_PROPS = (
    MULTISTATUS_HEAD +
    '<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav" '
    'xmlns:CS="http://calendarserver.org/ns/"><D:response><D:href>/%s/</D:href><D:propstat>'
    '<D:prop><D:resourcetype><D:collection/><C:calendar/></D:resourcetype>'
    '<D:displayname>Fault</D:displayname><CS:getctag>%s</CS:getctag></D:prop>'
    '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response></D:multistatus>')

EVENT = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\nBEGIN:VEVENT\r\n"
         "UID:%s@fault\r\nDTSTAMP:20260101T000000Z\r\nDTSTART:20260105T%02d0000Z\r\n"
         "DTEND:20260105T%02d0000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")


def ics_of_size(total):
    """A calendar of exactly total bytes: the feed's event at 10:00 and padding
    events in 2020, each under the 1 MiB line and 10 MiB object limits."""
    head = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"
    event = ("BEGIN:VEVENT\r\nUID:sized@fault\r\nDTSTAMP:20260101T000000Z\r\n"
             "DTSTART:20260105T100000Z\r\nDTEND:20260105T110000Z\r\nEND:VEVENT\r\n")
    tail = "END:VCALENDAR\r\n"
    pad_head = "BEGIN:VEVENT\r\nUID:pad%06d\r\nDTSTART:20200101T000000Z\r\nX-PAD:"
    pad_tail = "\r\nEND:VEVENT\r\n"
    left = total - len(head) - len(event) - len(tail)
    parts = [head, event]
    i = 0
    while left > 0:
        overhead = len(pad_head % i) + len(pad_tail)
        n = min(left, 900000)
        if left - n and left - n < overhead + 1:
            n -= overhead + 1
        assert n > overhead, "no room for a padding event"
        parts.append(pad_head % i + "p" * (n - overhead) + pad_tail)
        left -= n
        i += 1
    parts.append(tail)
    body = "".join(parts).encode()
    assert len(body) == total
    return body


def billion_laughs():
    ents = ['<!ENTITY l0 "lol">']
    for i in range(1, 10):
        ents.append('<!ENTITY l%d "%s">' % (i, ("&l%d;" % (i - 1)) * 10))
    return (MULTISTATUS_HEAD + "<!DOCTYPE m [%s]>\n" % "".join(ents) +
            '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/x</D:href><D:propstat><D:prop>'
            "<D:displayname>&l9;</D:displayname></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
            "</D:propstat></D:response></D:multistatus>")


def xxe(path):
    return (MULTISTATUS_HEAD + '<!DOCTYPE m [<!ENTITY x SYSTEM "file://%s">]>\n' % path +
            '<D:multistatus xmlns:D="DAV:"><D:response><D:href>/x</D:href><D:propstat><D:prop>'
            "<D:displayname>&x;</D:displayname></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
            "</D:propstat></D:response></D:multistatus>")


def par_home(depth):
    """/par/ is its own principal and calendar home; Depth 1 lists c0-c4."""
    me = ('<D:response><D:href>/par/</D:href><D:propstat><D:prop><D:resourcetype>'
          '<D:collection/></D:resourcetype><D:current-user-principal><D:href>/par/</D:href>'
          '</D:current-user-principal><C:calendar-home-set><D:href>/par/</D:href>'
          '</C:calendar-home-set></D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
          '</D:response>')
    cals = "".join('<D:response><D:href>/par/c%d/</D:href><D:propstat><D:prop><D:resourcetype>'
                   '<D:collection/><C:calendar/></D:resourcetype><D:displayname>Par %d'
                   '</D:displayname><CS:getctag>p1</CS:getctag></D:prop><D:status>HTTP/1.1 200 '
                   'OK</D:status></D:propstat></D:response>' % (i, i) for i in range(5))
    return (MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav" xmlns:CS="http://calendarserver.org/ns/">' +
            me + (cals if depth == "1" else "") + "</D:multistatus>")


def par_calendar(cal, method):
    """A /par/ calendar: its ETags (PROPFIND) or its two events (REPORT)."""
    out = []
    for i, n in enumerate(("a", "b")):
        data = ""
        if method == "REPORT":
            data = "<C:calendar-data>%s</C:calendar-data>" % (
                EVENT % ("%s-%s" % (cal, n), 9 + i, 10 + i)).replace("\r", "&#13;")
        out.append('<D:response><D:href>/par/%s/%s.ics</D:href><D:propstat><D:prop>'
                   '<D:getetag>"%s"</D:getetag>%s</D:prop><D:status>HTTP/1.1 200 OK</D:status>'
                   '</D:propstat></D:response>' % (cal, n, n, data))
    return (MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:" '
            'xmlns:C="urn:ietf:params:xml:ns:caldav">' + "".join(out) + "</D:multistatus>")


class ParallelProbe:
    """What the /par/ calendars saw: requests in flight at once, TCP
    connections, and the order in which requests arrived."""

    HOLD = 0.2          # seconds each calendar request is held once paired
    PAIR_TIMEOUT = 2.0  # seconds a calendar request waits for a partner

    def __init__(self):
        self.reset()

    def reset(self):
        self.cond = threading.Condition()
        self.in_flight = 0
        self.max_in_flight = 0
        self.connections = 0
        self.requests = 0
        self.log = []  # (calendar, what): "429" or the method
        self.limited = False


PAR = ParallelProbe()


class Handler(socketserver.BaseRequestHandler):
    def read_request(self):
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = self.request.recv(65536)
            if not chunk:
                return None
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, path, _ = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            headers[k.strip().lower()] = v.strip()
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = self.request.recv(65536)
            if not chunk:
                break
            body += chunk
        return method, path, headers, body

    def send(self, status, body=b"", headers=None, reason="X"):
        if isinstance(body, str):
            body = body.encode("utf-8")
        h = {"Content-Length": str(len(body)), "Connection": "close"}
        h.update(headers or {})
        out = "HTTP/1.1 %d %s\r\n" % (status, reason)
        out += "".join("%s: %s\r\n" % (k, v) for k, v in h.items() if v is not None)
        self.request.sendall(out.encode("latin-1") + b"\r\n" + body)

    def record(self, method, path, headers, body):
        """Every request, for the tests; PROPFIND bodies too."""
        self.server.owner.requests.append((method, path, headers))
        if method == "PROPFIND":
            self.server.owner.propfind_bodies.append(body)

    def handle(self):
        req = self.read_request()
        if req is None:
            return
        method, path, headers, body = req
        self.record(method, path, headers, body)
        case = path.strip("/").split("/")[0]
        getattr(self, "case_" + case.replace("-", "_"), self.case_unknown)(method, path, headers,
                                                                            body)

    # --- cases ---------------------------------------------------------
    def case_unknown(self, *a):
        self.send(404, "no such case")

    def case_silent(self, *a):
        time.sleep(self.server.owner.hang)

    def case_drip(self, *a):
        self.request.sendall(b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 100000\r\n\r\n")
        end = time.monotonic() + self.server.owner.hang
        while time.monotonic() < end:
            try:
                self.request.sendall(b"<")
            except OSError:
                return
            time.sleep(1)

    def case_e500(self, *a):
        self.send(500, "internal error", reason="Internal Server Error")

    def case_e403(self, *a):
        self.send(403, "forbidden", reason="Forbidden")

    def case_e404(self, *a):
        self.send(404, "not here", reason="Not Found")

    def case_e429(self, *a):
        self.send(429, "slow down", {"Retry-After": "30"}, reason="Too Many Requests")

    def case_feed(self, method, path, headers, body):
        # An ics feed with an ETag per version: If-None-Match -> 304.
        owner = self.server.owner
        etag = '"feed-v%d"' % owner.feed_version
        if headers.get("if-none-match") == etag:
            self.send(304, b"", {"ETag": etag}, reason="Not Modified")
            return
        hour = 9 + owner.feed_version
        self.send(200, EVENT % ("feed", hour, hour + 1),
                  {"ETag": etag, "Content-Type": "text/calendar"}, reason="OK")

    def case_busyonce(self, method, path, headers, body):
        # 429 Retry-After: 1 on the first request, then the tiny calendar.
        owner = self.server.owner
        owner.busy_seen += 1
        if owner.busy_seen == 1:
            self.send(429, "slow down", {"Retry-After": "1"}, reason="Too Many Requests")
            return
        self.case_cal(method, path, headers, body)

    def case_downonce(self, method, path, headers, body):
        # 503 with Retry-After as an HTTP-date 2 s after the Date header.
        owner = self.server.owner
        owner.down_seen += 1
        if owner.down_seen == 1:
            self.send(503, "maintenance", {"Date": "Fri, 27 Nov 2026 01:00:00 GMT",
                                           "Retry-After": "Fri, 27 Nov 2026 01:00:02 GMT"},
                      reason="Service Unavailable")
            return
        self.case_cal(method, path, headers, body)

    def case_e503(self, *a):
        self.send(503, "maintenance", {"Date": "Fri, 27 Nov 2026 01:00:00 GMT",
                                       "Retry-After": "Fri, 27 Nov 2026 02:00:00 GMT"},
                  reason="Service Unavailable")

    def case_nochallenge(self, *a):
        self.send(401, "who are you", reason="Unauthorized")

    def case_cut(self, *a):
        self.request.sendall(b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 1000\r\n\r\n" +
                             CALENDAR_PROPS.encode()[:30])

    def case_cutxml(self, *a):
        # Close-delimited: only XML well-formedness can tell it was cut.
        self.request.sendall(b"HTTP/1.0 207 Multi-Status\r\nConnection: close\r\n\r\n" +
                             (CALENDAR_PROPS % ("cutxml", "c1")).encode()[:200])

    def case_loop(self, method, path, *a):
        self.send(302, "", {"Location": path})

    def case_otherhost(self, *a):
        self.send(307, "", {"Location": "http://127.0.0.2:%d/steal/" % self.server.owner.port})

    def case_tofile(self, *a):
        self.send(302, "", {"Location": "file:///etc/passwd"})

    def case_hugechunked(self, *a):
        self.request.sendall(b"HTTP/1.1 207 Multi-Status\r\nTransfer-Encoding: chunked\r\n"
                             b"Content-Type: text/xml\r\n\r\n")
        chunk = b"x" * 65536
        framed = b"%x\r\n" % len(chunk) + chunk + b"\r\n"
        try:
            for _ in range(40 * 16):  # 40 MiB, over the 32 MiB cap
                self.request.sendall(framed)
            self.request.sendall(b"0\r\n\r\n")
        except OSError:
            pass

    def case_hugelength(self, *a):
        try:
            self.request.sendall(b"HTTP/1.1 207 Multi-Status\r\nContent-Length: 104857600\r\n"
                                 b"\r\n" + b"x" * 65536)
        except OSError:
            pass

    def case_html(self, *a):
        self.send(200, "<html><body>Please log in</body></html>",
                  {"Content-Type": "text/html"}, reason="OK")

    def case_html207(self, *a):
        self.send(207, "<html><body>Please log in</body></html>",
                  {"Content-Type": "text/html"}, reason="Multi-Status")

    def case_laughs(self, *a):
        self.send(207, billion_laughs(), {"Content-Type": "text/xml"}, reason="Multi-Status")

    def case_xxe(self, *a):
        self.send(207, xxe(self.server.owner.secret_path), {"Content-Type": "text/xml"},
                  reason="Multi-Status")

    def case_deep(self, *a):
        body = MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:">' + "<D:x>" * 100000
        self.send(207, body, {"Content-Type": "text/xml"}, reason="Multi-Status")

    def case_badutf8(self, *a):
        body = (MULTISTATUS_HEAD.encode() + b'<D:multistatus xmlns:D="DAV:"><D:response>'
                b"<D:href>/\xff\xfe</D:href></D:response></D:multistatus>")
        self.send(207, body, {"Content-Type": "text/xml"}, reason="Multi-Status")

    def case_digest(self, method, path, headers, body):
        """The calendar of case_cal behind Digest auth (RFC 7616, qop=auth);
        a Basic attempt gets a Digest challenge only."""
        owner = self.server.owner
        auth = headers.get("authorization", "")
        p = dict(re.findall(r'(\w+)="?([^",]*)"?', auth[7:])) if auth.startswith("Digest ") else {}
        if p:
            md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
            ha1 = md5("%s:fault:%s" % (p.get("username"), owner.digest_password))
            ha2 = md5("%s:%s" % (method, p.get("uri")))
            want = md5(":".join([ha1, p.get("nonce", ""), p.get("nc", ""), p.get("cnonce", ""),
                                 p.get("qop", ""), ha2]))
            if p.get("response") == want:
                owner.digest_ok += 1
                self.case_cal(method, path, headers, body)
                return
        self.send(401, "digest only", {"WWW-Authenticate": 'Digest realm="fault", '
                                       'nonce="n0nce", qop="auth", algorithm=MD5'})

    def case_par(self, method, path, headers, body):
        """A calendar home /par/ with 5 calendars of 2 events, on HTTP/1.1
        connections kept alive. A calendar request is held until another is
        in flight (or PAIR_TIMEOUT), then HOLD seconds, so a parallel client
        shows >1 at once; the first request of c0 gets 429 Retry-After: 2."""
        with PAR.cond:
            PAR.connections += 1
        while True:
            self.par_answer(method, path, headers, body)
            try:
                req = self.read_request()
            except OSError:
                return
            if req is None:
                return
            method, path, headers, body = req
            self.record(method, path, headers, body)

    def par_answer(self, method, path, headers, body):
        keep = {"Connection": None, "Content-Type": "text/xml"}
        parts = path.strip("/").split("/")
        cal = parts[1] if len(parts) > 1 else None
        with PAR.cond:
            PAR.requests += 1
            if cal == "c0" and not PAR.limited:
                PAR.limited = True
                PAR.log.append((cal, "429"))
                self.send(429, "slow down", {"Connection": None, "Retry-After": "2"},
                          reason="Too Many Requests")
                return
            PAR.log.append((cal, method))
        if cal is None:
            self.send(207, par_home(headers.get("depth")), keep)
            return
        with PAR.cond:
            PAR.in_flight += 1
            PAR.max_in_flight = max(PAR.max_in_flight, PAR.in_flight)
            PAR.cond.notify_all()
            PAR.cond.wait_for(lambda: PAR.max_in_flight >= 2, timeout=PAR.PAIR_TIMEOUT)
        time.sleep(PAR.HOLD)
        with PAR.cond:
            PAR.in_flight -= 1
        self.send(207, par_calendar(cal, method), keep)

    def case_paged(self, method, path, headers, body):
        """sync-collection answered in two pages (RFC 6578 3.6: 507 on the
        collection itself means there is more from the new token)."""
        if method == "PROPFIND":
            self.send(207, MULTISTATUS_HEAD +
                      '<D:multistatus xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
                      '<D:response><D:href>/paged/</D:href><D:propstat><D:prop><D:resourcetype>'
                      '<D:collection/><C:calendar/></D:resourcetype><D:displayname>Paged'
                      '</D:displayname><D:sync-token>t-now</D:sync-token></D:prop>'
                      '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
                      '</D:multistatus>', {"Content-Type": "text/xml"})
            return
        text = body.decode("utf-8", "replace")
        item = ('<D:response><D:href>/paged/%s.ics</D:href><D:propstat><D:prop><D:getetag>'
                '"%s"</D:getetag>%s</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
                '</D:response>')
        if "sync-collection" in text:
            self.server.owner.paged_tokens.append(re.search(r"<D:sync-token>(.*?)</D:sync-token>",
                                                            text).group(1))
            if "t1" not in text:
                out = (item % ("a", "a", "") + '<D:response><D:href>/paged/</D:href><D:status>'
                       'HTTP/1.1 507 Insufficient Storage</D:status></D:response>'
                       '<D:sync-token>t1</D:sync-token>')
            else:
                out = item % ("b", "b", "") + "<D:sync-token>t2</D:sync-token>"
        else:
            out = "".join(item % (n, n, "<C:calendar-data>%s</C:calendar-data>" %
                                  (EVENT % (n, 9 + i, 10 + i)).replace("\r", "&#13;"))
                          for i, n in enumerate(("a", "b")) if "/paged/%s.ics" % n in text)
        self.send(207, MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:" '
                  'xmlns:C="urn:ietf:params:xml:ns:caldav">' + out + "</D:multistatus>",
                  {"Content-Type": "text/xml"})

    def case_cal(self, method, path, headers, body):
        """A tiny calendar at /cal/: 2 events; owner.cal_mode 'good' or
        'partial' (one multiget entry fails with 500 inside the 207)."""
        owner = self.server.owner
        name = path.strip("/").split("/")[0]
        ctag = "c-" + owner.cal_mode
        if method == "PROPFIND" and headers.get("depth") == "0":
            self.send(207, CALENDAR_PROPS % (name, ctag), {"Content-Type": "text/xml"})
            return
        if method == "PROPFIND":
            items = "".join(
                '<D:response><D:href>/%s/%s.ics</D:href><D:propstat><D:prop>'
                '<D:getetag>"%s-%s"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status>'
                '</D:propstat></D:response>' % (name, n, n, owner.cal_mode) for n in ("a", "b"))
            self.send(207, MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:">' + items +
                      "</D:multistatus>", {"Content-Type": "text/xml"})
            return
        if method == "REPORT":
            out = []
            for i, n in enumerate(("a", "b")):
                if owner.cal_mode == "partial" and n == "b":
                    out.append('<D:response><D:href>/cal/b.ics</D:href><D:propstat><D:prop>'
                               '<C:calendar-data/></D:prop><D:status>HTTP/1.1 500 Internal '
                               'Server Error</D:status></D:propstat></D:response>')
                    continue
                ev = EVENT % (n, 9 + i, 10 + i)
                out.append('<D:response><D:href>/%s/%s.ics</D:href><D:propstat><D:prop>'
                           '<D:getetag>"%s-%s"</D:getetag><C:calendar-data>%s</C:calendar-data>'
                           '</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
                           '</D:response>' % (name, n, n, owner.cal_mode,
                                              ev.replace("\r", "&#13;")))
            self.send(207, MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:" '
                      'xmlns:C="urn:ietf:params:xml:ns:caldav">' + "".join(out) +
                      "</D:multistatus>", {"Content-Type": "text/xml"})
            return
        self.send(405, "no")

    # --- credentials: /xhome/<mode>/ on this host names a calendar home on the
    # other host (127.0.0.2), /xhomeb/<mode>/; /userinfo/<how>/ puts a user and
    # password in a URL it hands out --------------------------------------------
    def dav_207(self, inner):
        self.send(207, MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:" '
                  'xmlns:C="urn:ietf:params:xml:ns:caldav" '
                  'xmlns:CS="http://calendarserver.org/ns/">' + inner + "</D:multistatus>",
                  {"Content-Type": "text/xml"}, reason="Multi-Status")

    def principal(self, path, home):
        """path is its own principal; its calendar-home-set is home."""
        self.dav_207('<D:response><D:href>%s</D:href><D:propstat><D:prop><D:resourcetype>'
                     '<D:collection/></D:resourcetype><D:current-user-principal><D:href>%s'
                     '</D:href></D:current-user-principal><C:calendar-home-set><D:href>%s'
                     '</D:href></C:calendar-home-set></D:prop><D:status>HTTP/1.1 200 OK'
                     '</D:status></D:propstat></D:response>' % (path, path, home))

    def case_xhome(self, method, path, headers, body):
        """The configured server: Basic auth (any Authorization header), one
        principal whose calendar home is on the other host."""
        owner = self.server.owner
        mode = path.strip("/").split("/")[1]
        if not headers.get("authorization"):
            self.send(401, "login", {"WWW-Authenticate": 'Basic realm="fault"'})
            return
        self.principal("/xhome/%s/" % mode,
                       "http://127.0.0.2:%d/xhomeb/%s/" % (owner.port, mode))

    def case_xhomeb(self, method, path, headers, body):
        """The other host: mode "open" lists calendar c (no auth asked; its
        objects: none), mode "digest" asks for Digest."""
        mode = path.strip("/").split("/")[1]
        if mode == "digest":
            self.send(401, "digest only", {"WWW-Authenticate": 'Digest realm="fault", '
                                           'nonce="n0nce", qop="auth", algorithm=MD5'})
            return
        home = "/xhomeb/%s/" % mode
        if path == home and headers.get("depth") == "1":
            self.dav_207('<D:response><D:href>%s</D:href><D:propstat><D:prop><D:resourcetype>'
                         '<D:collection/></D:resourcetype></D:prop><D:status>HTTP/1.1 200 OK'
                         '</D:status></D:propstat></D:response><D:response><D:href>%sc/'
                         '</D:href><D:propstat><D:prop><D:resourcetype><D:collection/>'
                         '<C:calendar/></D:resourcetype><D:displayname>Other host'
                         '</D:displayname><CS:getctag>o1</CS:getctag></D:prop><D:status>'
                         'HTTP/1.1 200 OK</D:status></D:propstat></D:response>' % (home, home))
            return
        self.dav_207("")

    def case_userinfo(self, method, path, headers, body):
        """A URL with bob:USERINFO_PASSWORD in it, same host: "redirect" in a
        301 Location, "home" as the calendar-home-set, "listed" as a calendar
        in the home."""
        owner = self.server.owner
        how = path.strip("/").split("/")[1]
        evil = "http://bob:%s@127.0.0.1:%d/cal/" % (USERINFO_PASSWORD, owner.port)
        if how == "redirect":
            self.send(301, "", {"Location": evil})
        elif how == "home":
            self.principal("/userinfo/home/", evil)
        elif path.rstrip("/").endswith("/h"):
            self.dav_207('<D:response><D:href>%s</D:href><D:propstat><D:prop><D:resourcetype>'
                         '<D:collection/><C:calendar/></D:resourcetype></D:prop><D:status>'
                         'HTTP/1.1 200 OK</D:status></D:propstat></D:response>' % evil)
        else:
            self.principal("/userinfo/listed/", "/userinfo/listed/h/")

    # --- sync defects: /princ/ is its own principal and calendar home, with an
    # event calendar holding a VEVENT and a VTODO and a tasks-only calendar;
    # /expired/ refuses its sync-token once told to --------------------------
    def case_princ(self, method, path, headers, body):
        owner = self.server.owner
        depth = headers.get("depth")
        comp = ('<C:supported-calendar-component-set><C:comp name="%s"/>'
                '</C:supported-calendar-component-set>')
        cal = ('<D:response><D:href>/princ/%s/</D:href><D:propstat><D:prop><D:resourcetype>'
               '<D:collection/><C:calendar/></D:resourcetype><D:displayname>%s</D:displayname>'
               + comp + '<CS:getctag>%s</CS:getctag></D:prop><D:status>HTTP/1.1 200 OK'
               '</D:status></D:propstat></D:response>')
        if path == "/princ/" and depth == "0":
            self.principal("/princ/", "/princ/")
        elif path == "/princ/" and depth == "1":
            self.dav_207('<D:response><D:href>/princ/</D:href><D:propstat><D:prop>'
                         '<D:resourcetype><D:collection/></D:resourcetype></D:prop><D:status>'
                         'HTTP/1.1 200 OK</D:status></D:propstat></D:response>' +
                         cal % ("ev", "Events", "VEVENT", "e1") +
                         cal % ("todo", "Tasks", "VTODO", "t1"))
        elif path == "/princ/ev/" and method == "PROPFIND":
            self.dav_207("".join('<D:response><D:href>/princ/ev/%s.ics</D:href><D:propstat>'
                                 '<D:prop><D:getetag>"%s"</D:getetag></D:prop><D:status>HTTP/1.1 '
                                 '200 OK</D:status></D:propstat></D:response>' % (n, n)
                                 for n in ("e", "t")))
        elif path == "/princ/ev/" and method == "REPORT":
            todo = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//notyet//tests//EN\r\n"
                    "BEGIN:VTODO\r\nUID:t@fault\r\nDTSTAMP:20260101T000000Z\r\n"
                    "DUE:20260105T120000Z\r\nEND:VTODO\r\nEND:VCALENDAR\r\n")
            texts = {"e": EVENT % ("e", 9, 10), "t": todo}
            self.dav_207("".join('<D:response><D:href>/princ/ev/%s.ics</D:href><D:propstat>'
                                 '<D:prop><D:getetag>"%s"</D:getetag><C:calendar-data>%s'
                                 '</C:calendar-data></D:prop><D:status>HTTP/1.1 200 OK</D:status>'
                                 '</D:propstat></D:response>' % (n, n, t.replace("\r", "&#13;"))
                                 for n, t in texts.items()))
        else:
            self.send(404, "not here", reason="Not Found")

    def case_expired(self, method, path, headers, body):
        """A calendar with sync-tokens: owner.expired_items (href name -> ETag),
        owner.expired_token its token; with owner.expired_refuse a non-empty
        token is refused (403, as Radicale does). Multiget hrefs are recorded
        in owner.expired_fetched."""
        owner = self.server.owner
        text = body.decode("utf-8", "replace")
        item = ('<D:response><D:href>/expired/%s.ics</D:href><D:propstat><D:prop><D:getetag>'
                '"%s"</D:getetag>%s</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
                '</D:response>')
        if method == "PROPFIND":
            self.dav_207('<D:response><D:href>/expired/</D:href><D:propstat><D:prop>'
                         '<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>'
                         '<D:displayname>Expired</D:displayname><D:sync-token>%s</D:sync-token>'
                         '</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
                         '</D:response>' % owner.expired_token)
        elif "sync-collection" in text:
            token = re.search(r"<D:sync-token>(.*?)</D:sync-token>", text).group(1)
            if token and owner.expired_refuse:
                self.send(403, MULTISTATUS_HEAD + '<D:error xmlns:D="DAV:"><D:valid-sync-token/>'
                          '</D:error>', {"Content-Type": "text/xml"}, reason="Forbidden")
                return
            listed = owner.expired_items.items() if not token else []
            self.dav_207("".join(item % (n, e, "") for n, e in listed) +
                         "<D:sync-token>%s</D:sync-token>" % owner.expired_token)
        else:
            names = re.findall(r"<D:href>/expired/(\w+)\.ics</D:href>", text)
            owner.expired_fetched += names
            self.dav_207("".join(
                item % (n, owner.expired_items[n], "<C:calendar-data>%s</C:calendar-data>" %
                        (EVENT % (n, 9 + i, 10 + i)).replace("\r", "&#13;"))
                for i, n in enumerate(names) if n in owner.expired_items))

    def case_bearer(self, method, path, headers, body):
        """The calendar of case_cal behind a Bearer token (RFC 6750): only
        "Bearer " + owner.bearer_token is accepted."""
        owner = self.server.owner
        if headers.get("authorization") != "Bearer " + owner.bearer_token:
            self.send(401, "token", {"WWW-Authenticate": 'Bearer realm="fault", '
                                     'error="invalid_token"'}, reason="Unauthorized")
            return
        self.case_cal(method, path, headers, body)

    def case_bearerhome(self, method, path, headers, body):
        """/bearerhome/ is its own principal and home with calendars c0-c2 of one
        event each, behind owner.bearer_token; once the home is listed, the
        token expires (owner.bearer_next takes its place), so the calendars'
        requests in flight at once all get a 401."""
        owner = self.server.owner
        if headers.get("authorization") != "Bearer " + owner.bearer_token:
            self.send(401, "token", {"WWW-Authenticate": 'Bearer error="invalid_token"'},
                      reason="Unauthorized")
            return
        depth = headers.get("depth")
        if path == "/bearerhome/" and depth == "0":
            self.principal("/bearerhome/", "/bearerhome/")
        elif path == "/bearerhome/":
            self.dav_207("".join(
                '<D:response><D:href>/bearerhome/c%d/</D:href><D:propstat><D:prop>'
                '<D:resourcetype><D:collection/><C:calendar/></D:resourcetype><D:displayname>'
                'B%d</D:displayname><CS:getctag>b</CS:getctag></D:prop><D:status>HTTP/1.1 200 OK'
                '</D:status></D:propstat></D:response>' % (i, i) for i in range(3)))
            owner.bearer_token = owner.bearer_next
        elif method == "PROPFIND":
            self.dav_207('<D:response><D:href>%se.ics</D:href><D:propstat><D:prop><D:getetag>'
                         '"e"</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status>'
                         '</D:propstat></D:response>' % path)
        else:
            self.dav_207('<D:response><D:href>%se.ics</D:href><D:propstat><D:prop><D:getetag>'
                         '"e"</D:getetag><C:calendar-data>%s</C:calendar-data></D:prop>'
                         '<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>'
                         % (path, (EVENT % (path.strip("/").replace("/", "-"), 9, 10))
                            .replace("\r", "&#13;")))

    def case_farfuture(self, method, path, *a):
        """503 with Retry-After a date in year <year>, against a Date in 1970."""
        year = path.strip("/").split("/")[1]
        self.send(503, "maintenance", {"Date": "Thu, 01 Jan 1970 00:00:01 GMT",
                                       "Retry-After": "Fri, 01 Jan %s 00:00:00 GMT" % year},
                  reason="Service Unavailable")

    # --- limits: /sized/<length|chunked>/<bytes>/cal.ics, /chain/<k>/cal.ics,
    # /pause/<ms>/cal.ics, /trickle/cal.ics ---------------------------------
    def feed_body(self):
        return (EVENT % ("feed", 10, 11)).encode()

    def case_sized(self, method, path, *a):
        """An ics feed of exactly <bytes> bytes (one event at 10:00), sent with a
        Content-Length or chunked."""
        _, mode, size = path.strip("/").split("/")[:3]
        body = ics_of_size(int(size))
        try:
            if mode == "length":
                self.send(200, body, {"Content-Type": "text/calendar"}, reason="OK")
                return
            self.request.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n"
                                 b"Content-Type: text/calendar\r\nConnection: close\r\n\r\n")
            for i in range(0, len(body), 65536):
                chunk = body[i:i + 65536]
                self.request.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
            self.request.sendall(b"0\r\n\r\n")
        except OSError:
            pass

    def case_chain(self, method, path, *a):
        """A chain of <k> same-origin redirects before the feed."""
        k = int(path.strip("/").split("/")[1])
        if k > 0:
            self.send(302, "", {"Location": "/chain/%d/cal.ics" % (k - 1)})
            return
        self.send(200, self.feed_body(), {"Content-Type": "text/calendar"}, reason="OK")

    def case_pause(self, method, path, *a):
        """Silence for <ms> milliseconds, then the feed."""
        time.sleep(int(path.strip("/").split("/")[1]) / 1000.0)
        try:
            self.send(200, self.feed_body(), {"Content-Type": "text/calendar"}, reason="OK")
        except OSError:
            pass

    def case_trickle(self, *a):
        """100 bytes every half second, for 60 s: never slow enough for the
        slow-transfer check, so only the whole-sync deadline ends it."""
        try:
            self.request.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n"
                                 b"Content-Type: text/calendar\r\n\r\n")
            end = time.monotonic() + 60
            while time.monotonic() < end:
                self.request.sendall(b"X" * 100)
                time.sleep(0.5)
        except OSError:
            pass

    # --- calendar writes: /w/<mode>/<name>.ics, an in-memory calendar with
    # ETags and preconditions (RFC 9110 13.1); the mode scripts a fault:
    # "plain" answers as a server should, "noetag" sends no ETag on PUT,
    # "noetagget" none on GET either (PROPFIND getetag has it), "e500" and
    # "e503" fail every write, "p412" answers 412 to every write; "failsome"
    # fails a PUT to a name with "-fail" in it, "failboth" every DELETE too;
    # "landed" stores a PUT and drops the connection unanswered, "dropped"
    # drops it without storing -
    def case_w(self, method, path, headers, body):
        owner = self.server.owner
        mode = path.strip("/").split("/")[1]
        store = owner.resources
        have = store.get(path)
        if (mode in ("failsome", "failboth") and method == "PUT" and "-fail" in path) or \
                (mode == "failboth" and method == "DELETE"):
            self.send(500, "scripted", reason="Scripted")
            return
        if method in ("PUT", "DELETE") and mode in ("e500", "e503", "p412"):
            status = {"e500": 500, "e503": 503, "p412": 412}[mode]
            self.send(status, "scripted", reason="Scripted")
            return
        if method == "GET":
            if have is None:
                self.send(404, "not here", reason="Not Found")
                return
            etag = None if mode == "noetagget" else have[0]
            self.send(200, have[1], {"ETag": etag, "Content-Type": "text/calendar"}, reason="OK")
            return
        if method == "PROPFIND":
            if have is None:
                self.send(404, "not here", reason="Not Found")
                return
            self.send(207, MULTISTATUS_HEAD + '<D:multistatus xmlns:D="DAV:"><D:response>'
                      '<D:href>%s</D:href><D:propstat><D:prop><D:getetag>%s</D:getetag>'
                      '</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat>'
                      '</D:response></D:multistatus>' % (path, have[0]),
                      {"Content-Type": "text/xml"}, reason="Multi-Status")
            return
        if_match = headers.get("if-match")
        if_none_match = headers.get("if-none-match")
        if (if_none_match == "*" and have is not None) or \
                (if_match is not None and (have is None or if_match != have[0])):
            self.send(412, "precondition failed", reason="Precondition Failed")
            return
        if method == "DELETE":
            if have is None:
                self.send(404, "not here", reason="Not Found")
                return
            del store[path]
            self.send(204, reason="No Content")
            return
        if method != "PUT":
            self.send(405, "no")
            return
        if mode == "dropped":
            return  # the connection closes with no answer, nothing stored
        owner.etag_counter += 1
        etag = '"w%d"' % owner.etag_counter
        store[path] = (etag, body)
        if mode == "landed":
            return  # stored, then the connection closes with no answer
        self.send(204 if have is not None else 201, b"",
                  {"ETag": None if mode in ("noetag", "noetagget") else etag},
                  reason="Created")


class _TCPServer(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class FaultServer:
    def __init__(self, secret_path, hang=30):
        self.requests = []
        self.hang = hang
        self.secret_path = secret_path
        self.cal_mode = "good"
        self.digest_password = "pw-fault-7"
        self.digest_ok = 0
        self.paged_tokens = []
        self.propfind_bodies = []
        self.feed_version = 1
        self.busy_seen = 0
        self.down_seen = 0
        self.resources = {}  # /w/ path -> (etag, body)
        self.etag_counter = 0
        self.expired_items = {}
        self.expired_token = "s1"
        self.expired_refuse = False
        self.expired_fetched = []
        self.bearer_token = "tok-2"
        self.bearer_next = "tok-3"
        self.server = _TCPServer(("127.0.0.1", 0), Handler)
        self.server.owner = self
        self.port = self.server.server_address[1]
        self.base = "http://127.0.0.1:%d" % self.port
        # The "other host" of the redirect case: 127.0.0.2, same port.
        self.other = _TCPServer(("127.0.0.2", self.port), Handler)
        self.other.owner = self
        self.threads = [threading.Thread(target=s.serve_forever, daemon=True)
                        for s in (self.server, self.other)]
        for t in self.threads:
            t.start()

    def stop(self):
        for s in (self.server, self.other):
            s.shutdown()
            s.server_close()

    def cleanup(self):
        self.stop()

    def sent_to(self, prefix):
        return [r for r in self.requests if r[1].startswith(prefix)]


def unused_socket_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
