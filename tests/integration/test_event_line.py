"""$lead_event through the real nginx: an access log of exactly the events.

With `access_log FILE lead_json if=$lead_event` the log has one JSON line
per event the store records, with the request's id and what the store
holds of the read; the form's identify and a confirmed claim's are lines
too; whatever else a request is, it writes nothing.
"""

import json
import os
import re
import shutil
import time

import pytest

from claims_helper import confirm_claim
from conftest import BUILD, Nginx, copy_site
from test_gate import Browser

TEST_DB = os.environ.get("LEAD_TEST_GEOIP",
                         os.path.join(BUILD, "test-geoip.mmdb"))
GEOIP = os.path.exists(TEST_DB)

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    %s
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
    log_format lead_json escape=none '$lead_event';
""" % ("lead_geoip {prefix}/geo.mmdb;" if GEOIP else "")

SERVER = """
        access_log {prefix}/logs/lead.json lead_json if=$lead_event;
        add_header X-Request-Id $request_id always;
        location / {
            lead_track on;
            lead_gate auto;
        }
        location /plain/ {
            lead_track off;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
        location = /lead/feedback {
            lead_feedback;
            client_body_buffer_size 16k;
        }
"""

BOT = {"User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1; "
                     "+http://www.google.com/bot.html)"}


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    os.makedirs(os.path.join(prefix, "html", "plain"))
    shutil.copy(os.path.join(prefix, "html", "careers.html"),
                os.path.join(prefix, "html", "plain", "page.html"))
    if GEOIP:
        shutil.copy(TEST_DB, os.path.join(prefix, "geo.mmdb"))
    n = Nginx(prefix, http=HTTP, server=SERVER.replace("{prefix}", prefix))
    try:
        yield n.start()
    finally:
        n.quit()


def log_lines(site):
    """The event log's lines, each parsed (a line that is not one JSON
    object fails the test)."""
    path = os.path.join(site.prefix, "logs", "lead.json")
    if not os.path.exists(path):
        return []
    with open(path, "rb") as f:
        raw = f.read()
    assert raw == b"" or raw.endswith(b"\n")
    lines = []
    for line in raw.split(b"\n")[:-1]:
        obj = json.loads(line.decode("utf-8"))
        assert isinstance(obj, dict), line
        lines.append(obj)
    return lines


def wait_lines(site, n, timeout=5.0):
    """The log's lines once there are n: nginx writes a request's line
    after its response has gone, so a client may read the log first."""
    deadline = time.monotonic() + timeout
    lines = log_lines(site)
    while len(lines) < n and time.monotonic() < deadline:
        time.sleep(0.05)
        lines = log_lines(site)
    return lines


def rid(response):
    value = response.headers["X-Request-Id"]
    assert len(value) == 32 and int(value, 16) >= 0
    return value


def same_as_stored(line, event):
    """The read line says what the store holds of its event."""
    assert line["kind"] == "read"
    assert line["id"] == event["id"] + "-r"
    assert line["time"] == event["time"]
    assert line["node"] == os.uname().nodename
    pairs = [("visitor", "visitor"), ("path", "path"),
             ("status", "status"), ("bytes", "bytes_sent"),
             ("size", "file_size"), ("referrer", "referrer_host"),
             ("utm_source", "utm_source"), ("utm_medium", "utm_medium"),
             ("utm_campaign", "utm_campaign"), ("country", "country"),
             ("city", "city"), ("agent", "ua")]
    for key, stored in pairs:
        empty = 0 if isinstance(event[stored], int) else ""
        assert line.get(key, empty) == event[stored], key
    assert line.get("ranges", []) == event["ranges"]
    if event["asset"] is None:
        assert "asset" not in line and "points" not in line
    else:
        assert line["asset"] == event["asset"]
        assert line["stage"] == event["stage"]
        assert line.get("topic", "") == event["topic"]
        assert line.get("group", "") == event["group"]
        assert line.get("points", 0) == event["points"]
        assert ("hot" in line.get("flags", "").split()) == event["hot"]
    if event["file_size"]:
        assert 0 <= line["depth"] <= 1
    else:
        assert "depth" not in line


def test_the_log_has_exactly_the_events(site):
    b = Browser(site)
    where = {"X-Forwarded-For": "203.0.113.9"}
    recorded, identified = [], None

    # a tracked read, from a campaign and another site
    r = b.get("/library/why-outages-cost.html?utm_source=news"
              "&utm_medium=email&utm_campaign=spring",
              headers={"Referer": "https://Search.Example.com/q?x=1",
                       **where})
    assert r.status_code == 200
    recorded.append(rid(r))

    # the gate's redirect, the form's page: no event
    assert b.get("/library/guide/").status_code == 303
    page, token = b.form("/library/guide/")
    assert page.status_code == 200

    # the form post that links the visitor: an identify line
    r = b.post({"name": "Ada Lovelace", "email": "Ada@Acme.example",
                "return": "/library/guide/", "token": token,
                "subscribe": "1", "contact": "1"})
    assert r.status_code == 303
    identified = rid(r)

    # the gated read after the form
    r = b.get("/library/guide/")
    assert r.status_code == 200
    recorded.append(rid(r))

    # a range of the map (206)
    r = b.get("/library/network-map.pdf", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206
    recorded.append(rid(r))

    # a bot's read is recorded (and scored as nothing)
    r = b.get("/library/pricing.html", headers=BOT)
    assert r.status_code == 200
    recorded.append(rid(r))

    # none of these records anything
    quiet = [
        b.get("/library/no-such-page.html"),                     # 404
        b.get("/plain/page.html"),                               # untracked
        b.get("/library/pricing.html", headers={"DNT": "1"}),    # DNT
        b.get("/library/pricing.html", headers={"Sec-GPC": "1"}),
        b.get("/library/pricing.html",
              headers={"Sec-Purpose": "prefetch"}),              # prefetch
        b.s.head(site.url + "/library/pricing.html", timeout=10),   # HEAD
    ]
    assert [q.status_code for q in quiet] == [404, 200, 200, 200, 200, 200]

    events = site.wait_events(len(recorded))
    assert len(events) == len(recorded)
    lines = log_lines(site)

    # one line per event, in the order served, and the form's
    assert [ln["id"] for ln in lines] == \
        [recorded[0] + "-r", identified + "-i"] \
        + [i + "-r" for i in recorded[1:]]
    assert [e["id"] for e in events] == recorded
    reads = [ln for ln in lines if ln["kind"] == "read"]
    for line, event in zip(reads, events):
        same_as_stored(line, event)

    first = reads[0]
    assert first["referrer"] == "search.example.com"
    assert (first["utm_source"], first["utm_medium"],
            first["utm_campaign"]) == ("news", "email", "spring")
    assert first["points"] == 5 and first["topic"] == "resilience"
    if GEOIP:
        assert (first["country"], first["city"]) == ("GB", "London")
    assert reads[1]["path"] == "/library/guide/"
    assert "gated" in reads[1]["flags"].split()
    assert reads[2]["ranges"] == [[0, 99]] and reads[2]["status"] == 206
    assert reads[2]["depth"] == pytest.approx(100 / reads[2]["size"],
                                              abs=0.001)
    assert reads[3]["agent"] == "bot"

    # the identify line: what the store made of the form
    ident = lines[1]
    lead = json.loads(site.leadctl("show", "ada@acme.example",
                                   "--json").stdout)
    assert ident["kind"] == "identify"
    assert ident["visitor"] == first["visitor"]
    assert ident["lead"] == lead["id"]
    assert ident["email"] == "ada@acme.example"
    assert ident["name"] == "Ada Lovelace"
    assert ident["subscribe"] is True and ident["contact"] is True
    assert ident["topics"] == "fibre"
    assert ident["time"] <= reads[1]["time"]


def test_a_claim_is_no_line_until_confirmed(site):
    owner, other = Browser(site), Browser(site)
    owner.identify("ada@acme.example", ret="/")
    other.get("/library/why-outages-cost.html")

    # another browser giving a known address only claims it: no line
    _, token = other.form("/")
    r = other.post({"name": "Ada", "email": "ada@acme.example",
                    "return": "/", "token": token})
    assert r.status_code == 303
    site.wait_events(1)
    kinds = [ln["kind"] for ln in log_lines(site)]
    assert kinds == ["identify", "read"]

    # the lead confirms: the claimer's device is the lead's, one line
    confirmed = confirm_claim(site, other, "ada@acme.example")
    lines = wait_lines(site, 3)
    assert len(lines) == 3
    ident = lines[2]
    assert ident["id"] == rid(confirmed) + "-i"
    assert ident["kind"] == "identify"
    assert ident["visitor"] == lines[1]["visitor"]
    assert ident["lead"] == lines[0]["lead"]
    assert ident["email"] == "ada@acme.example"
    assert ident["visitor"] != lines[0]["visitor"]


HOSTILE_FILE = 'q"\x01\\x.html'


def test_a_hostile_request_is_still_one_valid_line(site):
    with open(os.path.join(site.prefix, "html", HOSTILE_FILE), "w") as f:
        f.write("<!doctype html><title>q</title>")
    campaign = "A%22%0a%00" + "z" * 6000
    request = (
        "GET /q%22%01%5Cx.html?utm_campaign=" + campaign
        + "&utm_source=%E2%80%A8%ff HTTP/1.1\r\n"
        "Host: 127.0.0.1\r\n"
        "Referer: http://ev\"il.example/\"x\r\n"
        "User-Agent: \"quoted\" \\agent\\\r\n"
        "Connection: close\r\n\r\n").encode("latin-1")
    got = site.raw(request)
    assert got.startswith(b"HTTP/1.1 200"), got[:200]
    (event,) = site.wait_events(1)
    (line,) = log_lines(site)
    assert event["id"] and line["id"] == event["id"] + "-r"
    assert line["path"] == '/q"\x01\\x.html'
    assert line["path"] == event["path"]
    assert len(line["utm_campaign"]) <= 128
    assert line.get("referrer", "") == event["referrer_host"]
    assert line.get("utm_campaign", "") == event["utm_campaign"]
    assert site.crashed() == []


def test_lines_and_events_agree_id_for_id(site):
    """Visitors reading on both workers: the log's ids are the stored
    events' ids, one each ($lead_event asked twice per request, by if=
    and by the format, is still one line)."""
    served = []
    for i in range(12):
        b = Browser(site)
        for path in ("/", "/library/why-outages-cost.html",
                     "/library/sd-wan-vs-mpls.html"):
            r = b.get(path)
            assert r.status_code == 200
            served.append(rid(r))
        b.s.close()
    events = site.wait_events(len(served))
    lines = log_lines(site)
    assert sorted(ln["id"] for ln in lines) == sorted(i + "-r"
                                                       for i in served)
    assert sorted(e["id"] for e in events) == sorted(served)
    by_id = {e["id"]: e for e in events}
    for line in lines:
        same_as_stored(line, by_id[line["id"][:-2]])


def test_a_rating_is_a_rate_line_as_export_writes_it(site):
    """A rating the feedback form took is a "rate" line, with the id and
    fields the store's export gives the same event, so an edge's ratings
    reach the central store as its reads do."""
    b = Browser(site)
    r = b.get("/lead/feedback?path=/library/pricing.html")
    assert r.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', r.text).group(1)
    r = b.s.post(site.url + "/lead/feedback",
                 data={"rating": "4", "comment": "Clear <b>prices</b>",
                       "path": "/library/pricing.html", "token": token},
                 allow_redirects=False, timeout=10)
    assert r.status_code == 303
    (line,) = wait_lines(site, 1)
    assert line["kind"] == "rate" and line["id"] == rid(r) + "-v"
    assert line["rating"] == 4 and line["comment"] == "Clear <b>prices</b>"
    assert line["path"] == "/library/pricing.html" and "status" not in line

    site.wait_events(1)
    out = site.leadctl("export", "--json").stdout
    (exported,) = [json.loads(x) for x in out.splitlines()
                   if '"kind":"rate"' in x]
    assert exported == line


def test_no_id_is_spent_without_a_use(nginx):
    """$request_id costs random bytes: a configuration that uses neither
    it nor $lead_event records events without ids."""
    assert nginx.get("/page.html").status_code == 200
    (event,) = nginx.wait_events(1)
    assert "id" not in event
