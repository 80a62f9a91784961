"""Floods of cookieless requests, bounded in count and time, on 127.0.0.1.

Anonymous data stays under its bound (lead_store anonymous=) while leads
keep every read and new visitors can still identify; and no served
request's event is lost at full load, however large the events.
"""

import base64
import os
import re
import shutil
import subprocess
import threading
import time

import pytest
import requests

from conftest import Nginx, copy_site

# the largest an event gets from a request: a path near LEAD_PATH_MAX,
# three utm_* values of LEAD_UTM_MAX, a referrer host of LEAD_HOST_MAX
LONG_DIR = "/".join(["d" * 240] * 4)
LONG_PATH = f"/{LONG_DIR}/f.html"
UTM = "&".join(f"utm_{k}={c * 128}" for k, c in
               (("source", "s"), ("medium", "m"), ("campaign", "c")))
# ... and its hit: the target as sent, near LEAD_TARGET_MAX, most of the
# path percent-encoded
DIRS = LONG_DIR.split("/")
ENCODED_PATH = "/" + "/".join(["%64" * len(d) for d in DIRS[:3]]
                              + DIRS[3:]) + "/f.html"
HOST = ".".join(["a" * 63] * 4)                  # 255 bytes
REFERER = f"https://{HOST}/{'p' * 1000}"

SERVER = """
        location / {
            lead_track on;
            access_log {prefix}/logs/served.log served;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
        }
"""

LOG_FORMAT = "log_format served '$status $lead_visitor';"

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')

WRK_SCRIPT = """
wrk.path = "%s"
wrk.headers["Referer"] = "%s"
wrk.headers["User-Agent"] = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"
local limit, done = %d, 0
response = function(status, headers, body)
    done = done + 1
    if done >= limit then wrk.thread:stop() end
end
"""


def site(prefix, store_params, workers=2):
    copy_site(prefix)
    d = os.path.join(prefix, "html", LONG_DIR)
    os.makedirs(d)
    shutil.copy(os.path.join(prefix, "html", "careers.html"),
                os.path.join(d, "f.html"))
    http = f"""
        lead_store {{prefix}}/store {store_params};
        lead_secret {{prefix}}/secret;
        {LOG_FORMAT}
    """
    return Nginx(prefix, http=http, server=SERVER.replace("{prefix}", prefix),
                 workers=workers).start()


def flood(n, requests_, conns=8, secs=5, path=LONG_PATH):
    """wrk sends requests_ cookieless requests (and a few in flight more)
    with the largest event, within secs (wrk runs them all); returns what
    it counted."""
    script = os.path.join(n.prefix, "flood.lua")
    with open(script, "w") as f:
        f.write(WRK_SCRIPT % (f"{path}?{UTM}", REFERER,
                              requests_ // 1))
    p = subprocess.Popen(["wrk", "-t1", f"-c{conns}", f"-d{secs}s", "-s",
                          script, n.url], stdout=subprocess.PIPE,
                         stderr=subprocess.STDOUT, text=True)
    try:
        out = p.communicate(timeout=secs + 30)[0]
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.returncode == 0, out
    assert "Non-2xx" not in out, out
    return int(out.split(" requests in ")[0].split()[-1])


def served(n):
    """The tracked requests nginx answered, by visitor (the access log)."""
    by = {}
    with open(os.path.join(n.prefix, "logs", "served.log")) as f:
        for line in f:
            status, visitor = line.split()
            if status == "200":
                by[visitor] = by.get(visitor, 0) + 1
    return by


def visitor_hex(session):
    value = session.cookies["lv"]
    raw = base64.urlsafe_b64decode(value[:22] + "==")     # "." or "~"
    return raw.hex()


class Browser:
    def __init__(self, n):
        self.n = n
        self.s = requests.Session()
        self.s.headers.update(BROWSER)

    def get(self, path):
        return self.s.get(self.n.url + path, allow_redirects=False,
                          timeout=10)

    def identify(self, email):
        r = self.get("/lead/form?return=/")
        assert r.status_code == 200, r.text
        token = TOKEN_RE.search(r.text).group(1)
        return self.s.post(self.n.url + "/lead/form",
                           data={"name": "Ada", "email": email,
                                 "return": "/", "token": token},
                           allow_redirects=False, timeout=10)


def map_use(store):
    """Bytes of the map in use: its pages less the free ones (mdb_stat)."""
    out = subprocess.run(["mdb_stat", "-ef", store], capture_output=True,
                         text=True, check=True, timeout=30).stdout
    size = int(re.search(r"Page size: (\d+)", out).group(1))
    pages = int(re.search(r"Number of pages used: (\d+)", out).group(1))
    free = int(re.search(r"Free pages: (\d+)", out).group(1))
    return (pages - free) * size


def events_by_visitor(n):
    count = {}
    for e in n.events():
        count[e["visitor"]] = count.get(e["visitor"], 0) + 1
    return count


FLOOD = 10000
STORE_MB = 4


def test_flood_keeps_anonymous_data_bounded_and_leads_whole(prefix):
    """10,000 cookieless requests with the largest events into a 4 MiB
    store (anonymous data bound: half of it) while a lead reads: every read
    of the lead is stored, the map keeps its reserve, eviction is logged,
    and a new visitor can identify afterwards."""
    n = site(prefix, f"size={STORE_MB}m flush=100ms")
    try:
        lead = Browser(n)
        assert lead.get("/careers.html").status_code == 200
        assert lead.identify("ada@example.com").status_code == 303
        lead_id = visitor_hex(lead.s)

        reads, stop = [], threading.Event()

        def read():
            while not stop.is_set() and len(reads) < 200:
                reads.append(lead.get("/careers.html").status_code)
                time.sleep(0.02)

        t = threading.Thread(target=read)
        t.start()
        try:
            sent = flood(n, FLOOD)
        finally:
            stop.set()
            t.join(30)
        assert sent >= FLOOD and reads and set(reads) == {200}

        newcomer = Browser(n)
        assert newcomer.get("/careers.html").status_code == 200
        r = newcomer.identify("grace@example.com")
        assert r.status_code == 303, r.text

        n.quit()
        log = n.error_log()
        m = re.search(r"lead: evicted (\d+) anonymous visitors \((\d+) "
                      r"events, (\d+) bytes\)", log)
        assert m, log[-2000:]
        assert "dropped" not in log, log[-2000:]
        evicted = sum(int(x) for x in re.findall(
            r"lead: evicted (\d+) anonymous", log))

        kept = events_by_visitor(n)
        answered = served(n)
        used = map_use(n.store)
        print(f"flood: {sent} requests answered by wrk, "
              f"{sum(answered.values())} served; store {STORE_MB} MiB, "
              f"{used} bytes in use; {evicted} anonymous visitors evicted; "
              f"lead's events {kept.get(lead_id, 0)} of "
              f"{answered.get(lead_id, 0)} reads")
        assert kept[lead_id] == answered[lead_id] == len(reads) + 1
        assert evicted > FLOOD // 2
        assert used <= STORE_MB * 1024 * 1024 * 15 // 16
    finally:
        n.quit()


def test_no_served_request_loses_its_event(prefix):
    """wrk at full rate for 3 s on one worker, every hit near its largest,
    one flush a second (a batch fills several times over in between):
    after a graceful stop, one event is stored for every request nginx
    answered."""
    n = site(prefix, "", workers=1)
    try:
        sent = flood(n, 10 ** 6, secs=3, path=ENCODED_PATH)
        n.quit()
        log = n.error_log()
        assert "dropped" not in log and "lost" not in log, log[-2000:]
        answered = sum(served(n).values())
        stored = sum(events_by_visitor(n).values())
        print(f"full load: {sent} answered by wrk, {answered} served, "
              f"{stored} events stored")
        assert answered >= sent and stored == answered
    finally:
        n.quit()


@pytest.mark.parametrize("params,error", [
    ("anonymous=95%", "use 1% to 90% of the size"),
    ("anonymous=0%", "use 1% to 90% of the size"),
    ("anonymous=1k", "use at least 64k"),
    ("anonymous=junk", "use at least 64k"),
    ("size=8m anonymous=8m", "is over 90% of the store's size"),
    ("anonymous=1000m", "is over 90% of the store's size"),
    ("size=8m anonymous=2m", None),
    ("anonymous=25%", None),
])
def test_anonymous_bound_checked_by_nginx_t(prefix, params, error):
    n = Nginx(prefix, http=f"""
        lead_store {{prefix}}/store {params};
        lead_secret {{prefix}}/secret;
    """)
    r = n.test_config()
    if error is None:
        assert r.returncode == 0, r.stderr
    else:
        assert r.returncode != 0 and error in r.stderr, r.stderr
