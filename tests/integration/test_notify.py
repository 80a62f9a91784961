"""lead_notify: an MQL is posted to a real local upstream through nginx.

A notice leaves with the next request the worker that holds it serves; one
worker here, so the test's own requests are that traffic.
"""

import http.server
import json
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
            proxy_pass http://127.0.0.1:%d/hook;
        }
"""


class Hook(http.server.BaseHTTPRequestHandler):
    """The CRM's webhook: records what it is sent, fails when told to."""

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        server = self.server
        server.received.append((self.path, self.headers["Content-Type"],
                                body))
        status = 500 if server.failures > 0 else 200
        server.failures -= 1
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def hook():
    server = http.server.HTTPServer(("127.0.0.1", free_port()), Hook)
    server.received = []
    server.failures = 0
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)


@pytest.fixture
def site(prefix, hook):
    copy_site(prefix)
    n = Nginx(prefix, http=NOTIFY_HTTP,
              server=NOTIFY_SERVER % hook.server_address[1], workers=1)
    try:
        yield n.start()
    finally:
        n.quit()


def wait_for(browser, hook, count, seconds):
    """Notices go out with the worker's next request: keep browsing."""
    deadline = time.time() + seconds
    while len(hook.received) < count and time.time() < deadline:
        browser.get("/")
        time.sleep(0.2)
    return hook.received


def test_mql_by_hot_asset_is_posted(site, hook):
    b = Browser(site)
    b.identify("ada@acme.example", name="Ada Lovelace")
    assert b.get("/library/network-map.pdf").status_code == 200

    (path, ctype, body) = wait_for(b, hook, 1, 10)[0]
    assert path == "/hook" and ctype == "application/json"
    notice = json.loads(body)
    assert notice["event"] == "mql"
    assert notice["lead"]["email"] == "ada@acme.example"
    assert notice["lead"]["name"] == "Ada Lovelace"
    assert notice["cause"] == 'read "Network coverage map" (hot)'
    assert notice["hot"][0]["title"] == "Network coverage map"
    assert notice["lead"]["cell"][0] in "ABCD"

    # one notice per MQL, however much more the lead reads
    b.get("/library/pricing.html")
    time.sleep(0.5)
    wait_for(b, hook, 2, 1.5)
    assert len(hook.received) == 1


def test_failed_delivery_is_retried(site, hook):
    hook.failures = 1
    b = Browser(site)
    b.identify("grace@acme.example", contact="1")
    received = wait_for(b, hook, 2, 15)
    assert len(received) == 2
    assert received[0][2] == received[1][2]
    assert "retrying in" in site.error_log()
    assert json.loads(received[1][2])["cause"] == "asked to be contacted"


@pytest.fixture
def deaf_site(prefix):
    """A webhook nobody answers: every delivery fails with 502."""
    copy_site(prefix)
    n = Nginx(prefix, http=NOTIFY_HTTP, server=NOTIFY_SERVER % free_port(),
              workers=1)
    try:
        yield n.start()
    finally:
        n.quit()


def test_failing_webhook_holds_no_visitor(deaf_site):
    site = deaf_site
    b = Browser(site)
    b.identify("ada@acme.example", contact="1")
    # the requests that carry a notice out keep their connection: the
    # next one on it waits for the webhook's answer, a refusal here
    deadline = time.time() + 6
    while time.time() < deadline:
        t = time.time()
        r = b.get("/")
        assert r.status_code == 200
        assert r.headers.get("Connection") == "keep-alive"
        assert time.time() - t < 2
        time.sleep(0.2)
    log = site.error_log()
    assert log.count("retrying in") >= 2
    assert "exited on signal" not in log
