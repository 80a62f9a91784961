"""lead_notify: notices wait in the store and leave from the write path.

A local receiver on 127.0.0.1 stands for the CRM's webhook.  No test
sends a request to make a notice leave: on an idle server it leaves by
itself.  Notices are counted by their "id", which is what a receiver
dedupes on: exactly one arrives per promotion, with the receiver down
for a while, across a reload and a restart, and with two workers.
"""

import http.server
import json
import os
import re
import threading
import time

import pytest

from conftest import Nginx, copy_site, free_port
from test_gate import HTTP, SERVER, Browser

NOTIFY_HTTP = HTTP + "    lead_notify /internal/lead-notify;\n"

NOTIFY_SERVER = SERVER + """
        location = /internal/lead-notify {
            internal;
            proxy_pass_request_headers off;
            proxy_set_header Content-Type application/json;
            proxy_connect_timeout 2s;
            proxy_read_timeout 5s;
            proxy_pass http://127.0.0.1:%d/hook;
        }
"""

MQL_ID = re.compile(r"^mql-[0-9a-f]{32}-[0-9]+$")


class Hook(http.server.BaseHTTPRequestHandler):
    """The CRM's webhook: records what it is sent, refuses when told to."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        with server.lock:
            server.received.append((self.path, self.headers["Content-Type"],
                                    body))
            server.arrived.append(time.time())
            refuse = server.failures != 0        # < 0: always
            if server.failures > 0:
                server.failures -= 1
        self.send_response(500 if refuse else 200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class Receiver:
    """A webhook on a port of its own, that can be down for a while."""

    def __init__(self, port=None):
        self.port = port or free_port()
        self.server = None
        self.thread = None
        self.received = []
        self.arrived = []
        self.failures = 0

    @property
    def server_address(self):
        return ("127.0.0.1", self.port)

    def up(self):
        server = http.server.HTTPServer(("127.0.0.1", self.port), Hook,
                                        bind_and_activate=False)
        server.allow_reuse_address = True
        server.server_bind()
        server.server_activate()
        server.received = self.received
        server.arrived = self.arrived
        server.failures = self.failures
        server.lock = threading.Lock()
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever,
                                       daemon=True)
        self.thread.start()
        return self

    def down(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)
            self.server = None

    def refuse(self, count):
        self.server.failures = count

    def notices(self):
        return [json.loads(body) for (_, _, body) in list(self.received)]

    def ids(self):
        return [n["id"] for n in self.notices()]

    def wait(self, count, seconds):
        """Polls until count notices arrived (no request sent meanwhile)."""
        deadline = time.time() + seconds
        while len(self.received) < count and time.time() < deadline:
            time.sleep(0.02)
        return self.notices()


@pytest.fixture
def hook():
    r = Receiver().up()
    try:
        yield r
    finally:
        r.down()


def notify_site(prefix, port, workers=1, retry="", server=""):
    copy_site(prefix)
    return Nginx(prefix, http=NOTIFY_HTTP.replace("lead-notify;",
                                                  "lead-notify%s;" % retry),
                 server=NOTIFY_SERVER % port + server, workers=workers)


@pytest.fixture
def site(prefix, hook):
    n = notify_site(prefix, hook.port)
    try:
        yield n.start()
    finally:
        n.quit()


def pending(site):
    return json.loads(site.leadctl("notices", "--json").stdout)


def wait_sent(site, seconds=3):
    """True once the store holds no notice (a send's outcome is applied
    by the write path's next run)."""
    deadline = time.time() + seconds
    while pending(site) and time.time() < deadline:
        time.sleep(0.05)
    return pending(site) == []


def test_notice_leaves_an_idle_server(site, hook):
    b = Browser(site)
    b.identify("ada@acme.example", name="Ada Lovelace")
    assert b.get("/library/network-map.pdf").status_code == 200
    read = time.time()

    # not one request more: the write path sends it by itself, within a
    # second of the flush (100 ms here) that stores the read
    (notice,) = hook.wait(1, 5)
    assert hook.arrived[0] - read < 1.1 + 0.5, hook.arrived[0] - read
    path, ctype, _ = hook.received[0]
    assert path == "/hook" and ctype == "application/json"
    assert notice["event"] == "mql"
    assert MQL_ID.match(notice["id"])
    lead = json.loads(site.leadctl("show", "ada@acme.example",
                                   "--json").stdout)
    assert notice["id"].startswith("mql-" + lead["id"] + "-")
    assert notice["lead"]["email"] == "ada@acme.example"
    assert notice["lead"]["name"] == "Ada Lovelace"
    assert notice["cause"] == 'read "Network coverage map" (hot)'
    assert notice["hot"][0]["title"] == "Network coverage map"
    assert notice["lead"]["cell"][0] in "ABCD"

    # sent, it leaves the store; one notice per MQL, however much more
    # the lead reads
    assert wait_sent(site)
    b.get("/library/pricing.html")
    time.sleep(1.5)
    assert len(hook.received) == 1


def test_refused_notice_is_retried_with_its_id(site, hook):
    hook.refuse(1)
    b = Browser(site)
    b.identify("grace@acme.example", contact="1")
    first, second = hook.wait(2, 10)
    # the same notice, the same id: the receiver keeps one
    assert first == second
    assert first["cause"] == "asked to be contacted"
    assert "retrying in" in site.error_log()
    assert wait_sent(site)


def test_mql_not_accepted_in_time_is_announced_returned(prefix, hook):
    n = notify_site(prefix, hook.port)
    path = os.path.join(prefix, "rules", "scoring.conf")
    with open(path, "a") as f:
        f.write("accept_within 2s;\n")
    site = n.start()
    try:
        Browser(site).identify("lena@acme.example", name="Lena",
                               contact="1")
        mql, returned = hook.wait(2, 10)
        assert mql["event"] == "mql"
        assert returned["event"] == "returned"
        assert returned["reason"] == "not accepted within 2s"
        assert returned["lead"]["email"] == "lena@acme.example"
        assert returned["id"].startswith("returned-" + mql["lead"]["id"])
        assert returned["id"] != mql["id"]
        assert wait_sent(site)
        time.sleep(1)
        assert len(hook.received) == 2
    finally:
        n.quit()


def test_receiver_down_reload_restart(prefix):
    """Exactly one notice per promotion, though the receiver is down
    while nginx reloads, then stops and starts again."""
    receiver = Receiver()
    site = notify_site(prefix, receiver.port, workers=2,
                       retry=" retry=100ms")
    site.start()
    try:
        emails = [f"lead{i}@acme.example" for i in range(4)]
        for email in emails[:2]:
            Browser(site).identify(email, contact="1")
        b = Browser(site)
        b.identify(emails[2])
        b.get("/library/network-map.pdf")

        # refused (502) while the receiver is down: they wait in the store
        deadline = time.time() + 10
        while time.time() < deadline:
            waiting = pending(site)
            if len(waiting) == 3 and all(n["tries"] for n in waiting):
                break
            time.sleep(0.1)
        assert len(waiting) == 3 and all(n["tries"] for n in waiting)

        site.reload()
        Browser(site).identify(emails[3], contact="1")
        time.sleep(0.5)
        site.quit()
        assert len(pending(site)) == 4
        site.start()

        receiver.up()
        notices = receiver.wait(4, 15)
        time.sleep(1.5)             # anything sent twice would be here now
        ids = receiver.ids()
        assert len(ids) == 4 and len(set(ids)) == 4, ids
        assert sorted(n["lead"]["email"] for n in notices) == emails
        assert wait_sent(site)
        assert not site.crashed()
    finally:
        site.quit()
        receiver.down()


def test_two_workers_never_both_send(prefix, hook):
    site = notify_site(prefix, hook.port, workers=2).start()
    try:
        emails = [f"p{i}@acme.example" for i in range(8)]
        for i, email in enumerate(emails):
            # a new connection each: both workers take forms and reads;
            # half ask for a call (mql at once), half read the hot map
            b = Browser(site)
            b.identify(email, **({"contact": "1"} if i % 2 else {}))
            b.get("/library/network-map.pdf")
        hook.wait(len(emails), 15)
        time.sleep(1.5)
        ids = hook.ids()
        assert len(ids) == len(emails) and len(set(ids)) == len(ids), ids
        assert sorted(n["lead"]["email"] for n in hook.notices()) == emails
        assert not site.crashed()
    finally:
        site.quit()


def test_refused_ten_times_is_failed(prefix, hook):
    hook.refuse(-1)                 # every time
    site = notify_site(prefix, hook.port, retry=" retry=10ms",
                       server="location /sales/ { lead_sales; }\n").start()
    try:
        Browser(site).identify("ada@acme.example", contact="1")
        deadline = time.time() + 30
        while time.time() < deadline:
            waiting = pending(site)
            if waiting and waiting[0]["failed"]:
                break
            time.sleep(0.2)
        (notice,) = waiting
        assert notice["failed"] and notice["next_try"] is None
        assert notice["tries"] == 10 and notice["status"] == 500
        assert notice["kind"] == "mql"
        assert notice["email"] == "ada@acme.example"
        assert len(hook.received) == 10
        assert len(set(hook.ids())) == 1
        text = site.leadctl("notices").stdout
        assert "failed" in text and "ada@acme.example" in text
        assert "0 pending, 1 failed" in text
        assert "is kept as failed" in site.error_log()

        # the sales view shows it, linked from every page, and the same
        # notices as data as leadctl
        page = site.get("/sales/")
        assert 'href="/sales/notices"' in page.text
        page = site.get("/sales/notices")
        assert page.status_code == 200
        assert "1 failed · 0 waiting" in page.text
        assert f'href="/sales/lead/{pending(site)[0]["lead"]}"' in page.text
        assert ">ada@acme.example</a>" in page.text
        assert ">500<" in page.text and "asked to be contacted" in page.text
        assert site.get("/sales/notices.json").text == \
            site.leadctl("notices", "--json").stdout
    finally:
        site.quit()


def test_without_lead_notify_nothing_waits(prefix):
    copy_site(prefix)
    site = Nginx(prefix, http=HTTP, server=SERVER, workers=1).start()
    try:
        Browser(site).identify("ada@acme.example", contact="1")
        time.sleep(0.5)
        assert pending(site) == []
        assert "no link" not in site.error_log()
    finally:
        site.quit()


def test_notify_location_found_in_its_server(prefix, hook):
    """The notify location lives in a second server: notices find it."""
    copy_site(prefix)
    other = """
    }
    server {
        listen 127.0.0.1:%d;
        location = /internal/lead-notify {
            proxy_pass http://127.0.0.1:%d/hook;
        }
""" % (free_port(), hook.port)
    site = Nginx(prefix, http=NOTIFY_HTTP, server=SERVER + other,
                 workers=1)
    assert "first server" not in site.test_config().stderr
    site.start()
    try:
        Browser(site).identify("ada@acme.example", contact="1")
        (notice,) = hook.wait(1, 5)
        assert notice["lead"]["email"] == "ada@acme.example"
    finally:
        site.quit()

    # a URI no location names: nginx -t says where notices go instead
    site = Nginx(prefix, http=HTTP + "    lead_notify /nowhere;\n",
                 server="location = /x { return 204; }", workers=1)
    r = site.test_config()
    assert r.returncode == 0
    assert "notices go to the first server" in r.stderr


def test_visitors_never_wait_for_the_webhook(prefix):
    """A webhook nobody answers: every try fails, no request waits."""
    site = notify_site(prefix, free_port()).start()
    try:
        b = Browser(site)
        b.identify("ada@acme.example", contact="1")
        deadline = time.time() + 4
        while time.time() < deadline:
            t = time.time()
            assert b.get("/").status_code == 200
            assert time.time() - t < 1
            time.sleep(0.2)
        log = site.error_log()
        assert log.count("retrying in") >= 2
        assert not site.crashed()
    finally:
        site.quit()
