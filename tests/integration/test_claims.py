"""Claims: typing a known e-mail in another browser takes nothing over.

A second browser that claims an identified address reads its content,
but the lead's name, flags, status, score and timeline stay as they are
and sales hear nothing; the lead is sent a confirm notice with a link,
which, confirmed, makes the browser the lead's.  Notices are received by
a local webhook, as in test_notify.py.
"""

import json
import re
import time

import pytest
import requests

from conftest import Nginx, copy_site
from test_gate import Browser, show
from test_notify import NOTIFY_HTTP, NOTIFY_SERVER, hook  # noqa: F401


@pytest.fixture
def site(prefix, hook):  # noqa: F811
    copy_site(prefix)
    port = hook.server_address[1]
    n = Nginx(prefix, workers=1,
              http=NOTIFY_HTTP
              + "    lead_confirm_url http://127.0.0.1:%d/lead/form;\n"
              % port,
              server=NOTIFY_SERVER % port)
    try:
        yield n.start()
    finally:
        n.quit()


def notices(browser, hook, count, seconds):
    """What the webhook received, once count came or seconds passed."""
    deadline = time.time() + seconds
    while len(hook.received) < count and time.time() < deadline:
        browser.get("/")
        time.sleep(0.2)
    return [json.loads(body) for (_, _, body) in hook.received]


LEAD_KEYS = ("id", "name", "email", "status", "score", "cell",
             "subscribed", "contact", "devices", "topics")


def lead_of(site, who):
    """What a claim must not change: the lead and its timeline."""
    j = show(site, who)
    return ({k: j.get(k) for k in LEAD_KEYS},
            [e["path"] for e in j["events"]], j)


def confirm_link(site, url):
    """The link as the lead's mail client would open it, on this site."""
    return site.url + url[url.index("/lead/form"):]


def test_claim_changes_nothing_until_confirmed(site, hook):
    ada = Browser(site)
    ada.identify("ada@acme.example", name="Ada Lovelace")
    ada.get("/library/guide/1-requirements.html")
    site.wait_events(1)
    before, timeline, _ = lead_of(site, "ada@acme.example")

    mallory = Browser(site)
    assert mallory.get("/library/why-outages-cost.html").status_code == 200
    r = mallory.identify("ADA@Acme.Example", name="Mallory", contact="1",
                         subscribe="1")
    assert r.headers["Location"].endswith("/library/guide/")

    # the content is served, but the browser is nobody's lead
    r = mallory.get("/library/guide/2-redundancy.html")
    assert r.status_code == 200
    assert r.headers.get("X-Lead-Id", "") == ""
    site.wait_events(4)

    # one confirm notice, to the lead, with none of the claimer's words
    (notice,) = notices(mallory, hook, 1, 5)
    time.sleep(0.5)
    assert len(notices(mallory, hook, 2, 1)) == 1
    assert notice["event"] == "confirm"
    assert notice["lead"]["email"] == "ada@acme.example"
    assert notice["lead"]["name"] == "Ada Lovelace"
    assert "Mallory" not in hook.received[0][2].decode()
    url = notice["confirm_url"]
    assert url.startswith("http://127.0.0.1:%d/lead/form?confirm="
                          % hook.server_address[1])

    after, after_timeline, j = lead_of(site, "ada@acme.example")
    assert after == before and after_timeline == timeline
    assert [c["pending"] for c in j["claims"]] == [True]
    assert "pending claims (1)" in site.leadctl("show",
                                                "ada@acme.example").stdout

    # a mail gateway opening the link confirms nothing
    page = requests.get(confirm_link(site, url), timeout=10)
    assert page.status_code == 200
    assert "ada@acme.example" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert lead_of(site, "ada@acme.example")[0] == before

    # the person confirms: the browser and its reading are the lead's
    action = re.search(r'action="([^"]+)"', page.text).group(1)
    r = requests.post(site.url + action, timeout=10)
    assert r.status_code == 200 and "Confirmed" in r.text
    r = mallory.get("/library/guide/3-sla.html")
    assert r.headers["X-Lead-Id"] == before["id"]
    deadline = time.time() + 10
    while True:
        merged, paths, j = lead_of(site, "ada@acme.example")
        if "/library/guide/3-sla.html" in paths or time.time() > deadline:
            break
        time.sleep(0.2)
    assert merged["name"] == "Ada Lovelace"
    assert len(merged["devices"]) == 2
    assert j["claims"] == []
    assert "/library/why-outages-cost.html" in paths
    assert "/library/guide/3-sla.html" in paths

    # the link is spent: confirmed once
    r = requests.post(site.url + action, timeout=10)
    assert r.status_code == 200
    assert not any(n["event"] == "mql" for n in notices(mallory, hook, 9, 1))


def test_claims_are_capped(site, hook):
    for i in range(5):
        Browser(site).identify("p%d@acme.example" % i, name="P")
    mallory = Browser(site)
    for i in range(5):
        _, token = mallory.form("/library/guide/")
        r = mallory.post({"name": "M", "email": "p%d@acme.example" % i,
                          "return": "/library/guide/", "token": token})
        assert r.status_code == (303 if i < 3 else 429), i
    assert "used several known addresses" in r.text
    got = notices(mallory, hook, 3, 5)
    time.sleep(0.5)
    got = notices(mallory, hook, 4, 1)
    assert [n["event"] for n in got] == ["confirm"] * 3


def test_bad_links_change_nothing(site, hook):
    ada = Browser(site)
    ada.identify("ada@acme.example")
    before = lead_of(site, "ada@acme.example")
    for t in ("", "x", "A" * 98, "A" * 54 + "." + "A" * 43):
        r = requests.post(site.url + "/lead/form", params={"confirm": t},
                          timeout=10)
        assert r.status_code == 400, t
        assert r.headers["Cache-Control"] == "no-store"
    assert lead_of(site, "ada@acme.example")[:2] == before[:2]
    assert "exited on signal" not in site.error_log()
