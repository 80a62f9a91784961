"""The sales view through the real nginx: pages and exports agree with
leadctl, filters and paging, actions with and without their CSRF token,
hostile values inert everywhere they are shown, the security headers,
nginx's access control in front of it, and the configuration checks
(prefix location, rules)."""

import csv
import io
import json
import os
import re
import subprocess
import threading
import time

import pytest
import requests

from conftest import BENCH_DATASET, LEADCTL, Nginx, copy_site, make_dataset
from sales_site import HTTP, SERVER, Salesperson, start_sales_site
from test_journey import Firefox, fixed_now, settle, spaced_get

ID_RE = re.compile(r'href="/lead/sales/lead/([0-9a-f]{32})"')

# what a page shows per row, as the leads.json export has it
ROW_KEYS = ("id", "email", "name", "status", "stage", "score", "cell",
            "top_asset", "company", "country", "devices")


@pytest.fixture
def sales(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def make_leads(site):
    """Ada reads the map (hot: mql), Bob the guide, Ivy (free-mail) one
    article; returns their e-mails, hottest first."""
    ada = Firefox(site)
    spaced_get(ada, "/library/why-outages-cost.html")
    ada.identify("ada@lovelace-logistics.example", name="Ada Lovelace",
                 subscribe="1")
    spaced_get(ada, "/library/guide/1-requirements.html")
    spaced_get(ada, "/library/network-map.pdf")

    bob = Firefox(site)
    bob.identify("bob@lovelace-logistics.example", name="Bob Babbage")
    spaced_get(bob, "/library/guide/")
    spaced_get(bob, "/library/guide/2-redundancy.html")

    ivy = Firefox(site)
    ivy.identify("ivy@gmail.com", name="Ivy Ives", ret="/")
    spaced_get(ivy, "/library/why-outages-cost.html")

    settle(site, 6)
    return ["ada@lovelace-logistics.example",
            "bob@lovelace-logistics.example", "ivy@gmail.com"]


def ctl(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def lead_id(site, email):
    return ctl(site, "show", email)["id"]


def shown_at(site, who, now):
    """leadctl show at one moment: two calls differ only if the store did
    (engagement decays between two calls at "now")."""
    return ctl(site, "show", who, "--now", now)


# ---- access ------------------------------------------------------------------

def test_only_salespeople_get_in(sales):
    r = Salesperson(sales, user=None).get()
    assert r.status_code == 401
    assert "Ada" not in r.text
    wrong = Salesperson(sales, user=None)
    wrong.s.auth = ("sam", "guess")
    assert wrong.get("leads.json").status_code == 401
    assert Salesperson(sales).get().status_code == 200


def test_lone_location_redirects_and_methods(sales):
    sp = Salesperson(sales)
    r = sp.s.get(sales.url + "/lead/sales", allow_redirects=False,
                 timeout=10)
    assert r.status_code == 301
    assert r.headers["Location"].endswith("/lead/sales/")

    r = sp.s.put(sp.base, data="x", timeout=10)
    assert r.status_code == 405
    assert r.headers["Allow"] == "GET, HEAD, POST"

    r = sp.s.post(sp.base, data={"status": "sal"}, timeout=10)
    assert r.status_code == 405

    r = sp.s.head(sp.base + "funnel", timeout=10)
    assert r.status_code == 200 and r.text == ""
    assert int(r.headers["Content-Length"]) > 0

    assert sp.get("nope").status_code == 404
    assert sp.get("lead/" + "0" * 32).status_code == 404
    assert sp.get("lead/xyz").status_code == 404


# ---- agreement with leadctl --------------------------------------------------

def test_pages_and_exports_agree_with_leadctl(sales):
    emails = make_leads(sales)
    sp = Salesperson(sales)

    want = ctl(sales, "leads")
    got = sp.get("leads.json").json()
    assert [r["email"] for r in got] == emails
    assert [{k: r[k] for k in ROW_KEYS} for r in got] == \
        [{k: r[k] for k in ROW_KEYS} for r in want]
    assert got[0]["status"] == "mql"
    assert got[0]["top_asset"] == "Network coverage map"

    # the CSV a CRM imports is leadctl's, row for row
    raw = sp.get("leads.csv")
    assert raw.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert raw.headers["Content-Disposition"] == \
        'attachment; filename="leads.csv"'
    text = raw.content.decode("utf-8")
    assert raw.content == subprocess.run(
        [LEADCTL, "--store", sales.store, "leads", "--csv"],
        capture_output=True, timeout=60).stdout
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert [r[2] for r in rows[1:]] == emails

    # the page lists them in that order, with what the export says
    page = sp.get().text
    assert ID_RE.findall(page) == [r["id"] for r in got]
    for row in got:
        assert f'<span class="num">{row["score"]}</span>' in page
        assert f'>{row["cell"]}</span>' in page
    assert page.count("new MQL</span>") == 1
    assert "3 of 3 leads" in page

    # one lead: its page and JSON, as leadctl show
    ada = got[0]["id"]
    shown = ctl(sales, "show", ada)
    mine = sp.get(f"lead/{ada}.json").json()
    for key in ("score", "cell", "status", "stage", "topic_scores",
                "countries", "devices"):
        assert mine[key] == shown[key], key
    assert [h["title"] for h in mine["hot"]] == \
        [h["title"] for h in shown["hot"]]
    assert [e["path"] for e in mine["events"]] == \
        [e["path"] for e in shown["events"]]
    assert len(mine["trend"]) == 30
    assert mine["trend"][-1] == pytest.approx(mine["engagement"], abs=0.01)

    page = sp.get("lead/" + ada).text
    assert "Network coverage map" in page.split("<h2>Hot content</h2>")[1] \
        .split("</section>")[0]
    assert "before identifying" in page
    assert "Accept (SAL)" in page and "Reject to marketing" in page

    # the funnel and the accounts, as leadctl counts them
    funnel = sp.get("funnel.json").json()
    want = ctl(sales, "funnel")
    def counts(rows):
        # times spent run up to each call's now
        return [{k: v for k, v in row.items()
                 if k not in ("median_ms", "p90_ms")} for row in rows]

    assert counts(funnel["statuses"]) == counts(want["statuses"])
    assert counts(funnel["stages"]) == counts(want["stages"])
    assert funnel["cohorts"] == want["cohorts"]
    def without_engagement(accounts):
        # decay moves the sixth decimal between two calls
        return [{k: v for k, v in a.items() if k != "engagement"}
                for a in accounts]

    assert without_engagement(sp.get("accounts.json").json()) == \
        without_engagement(ctl(sales, "accounts"))
    assert sp.get("assets.json").json() == ctl(sales, "assets")

    accounts = sp.get("accounts").text
    assert "lovelace-logistics.example" in accounts
    assert "ivy@gmail.com" not in accounts          # free-mail: no account
    assert "Leads by status" in sp.get("funnel").text


# ---- filters and paging ------------------------------------------------------

def test_filters_and_paging(sales):
    make_leads(sales)
    sp = Salesperson(sales)

    def emails(query):
        return [r["email"] for r in sp.get("leads.json?" + query).json()]

    def ctl_emails(*args):
        return [r["email"] for r in ctl(sales, "leads", *args)]

    assert emails("status=mql") == ctl_emails("--status", "mql") == \
        ["ada@lovelace-logistics.example"]
    assert emails("q=IVY") == ctl_emails("--search", "IVY") == \
        ["ivy@gmail.com"]
    assert emails("stage=decision") == ctl_emails("--stage", "decision")
    assert emails("topic=fibre") == ctl_emails("--topic", "fibre")
    assert emails("cell=D") == ctl_emails("--cell", "D")
    assert emails("sort=name") == sorted(emails(""))
    assert emails("status=won") == []

    page = sp.get("?status=mql").text
    assert "1 of 3 leads" in page and "Ada Lovelace" in page
    assert "Bob Babbage" not in page
    assert '<option value="mql" selected>' in page
    assert 'href="/lead/sales/leads.csv?status=mql"' in page

    for bad, says in (("status=hot", "unknown status"),
                      ("stage=nope", "unknown stage"),
                      ("cell=Z9", "unknown cell"),
                      ("page=0", "is a number"),
                      ("page=abc", "is a number")):
        r = sp.get("?" + bad)
        assert r.status_code == 400, bad
        assert says in r.text, bad
        r = sp.get("leads.json?" + bad)
        assert r.status_code == 400 and says in r.json()["error"], bad


def test_paging_50_a_page(sales):
    for i in range(55):
        Firefox(sales).identify(f"p{i:02d}@paging.example", name=f"P {i:02d}",
                                ret="/")
    sp = Salesperson(sales)
    page1 = sp.get("?sort=name").text
    page2 = sp.get("?sort=name&page=2").text
    assert len(ID_RE.findall(page1)) == 50
    assert len(ID_RE.findall(page2)) == 5
    assert "Page 1 of 2" in page1 and "Page 2 of 2" in page2
    assert 'href="/lead/sales/?sort=name&amp;page=2"' in page1 or \
        'href="/lead/sales/?page=2"' in page1
    # past the end: the last page
    assert "Page 2 of 2" in sp.get("?page=9").text
    names = re.findall(r'>P (\d\d)</a>', page1 + page2)
    assert len(names) == 55


# ---- actions -----------------------------------------------------------------

def test_actions_need_their_token(sales):
    make_leads(sales)
    ada = lead_id(sales, "ada@lovelace-logistics.example")
    sam, pat = Salesperson(sales), Salesperson(sales, "pat")
    now = fixed_now()
    before = shown_at(sales, ada, now)

    refused = [
        sam.act(ada, "sal", token=False),                 # no token
        sam.act(ada, "sal", token="A" * 43),              # a forged one
        sam.act(ada, "sal", token=pat.token(ada)),        # pat's
    ]
    # sam's token, sent without sam's cookie (another site's form)
    token = sam.token(ada)
    stranger = Salesperson(sales)
    refused.append(stranger.act(ada, "sal", token=token))
    for r in refused:
        assert r.status_code == 403
        assert "Nothing was changed" in r.text
    assert shown_at(sales, ada, now) == before

    # a cross-site form: no Referer needed, the token is what counts
    r = sam.act(ada, "sal")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/lead/sales/lead/{ada}?done=sal")
    after = ctl(sales, "show", ada)
    assert after["status"] == "sal"
    assert after["history"][-1]["who"] == "sam"
    assert after["history"][-1]["cause"] == "sales view"
    assert "Accepted" in sam.get(f"lead/{ada}?done=sal").text


def test_reject_needs_a_reason(sales):
    make_leads(sales)
    ada = lead_id(sales, "ada@lovelace-logistics.example")
    sam = Salesperson(sales)

    r = sam.act(ada, "nurture", reason="   ")
    assert r.status_code == 422 and "a reason is required" in r.text
    r = sam.act(ada, "nurture", reason="x" * 501)
    assert r.status_code == 422 and "plain text" in r.text
    r = sam.act(ada, "won")
    assert r.status_code == 409 and "cannot go to won" in r.text
    r = sam.act(ada, "mql")
    assert r.status_code == 400
    assert ctl(sales, "show", ada)["status"] == "mql"

    pat = Salesperson(sales, "pat")
    stale = pat.token(ada)
    r = sam.act(ada, "nurture", reason="No budget this year")
    assert r.status_code == 303
    now = fixed_now()
    shown = shown_at(sales, ada, now)
    assert shown["status"] == "nurture"
    assert shown["history"][-1]["reason"] == "No budget this year"
    # a second salesperson's stale page: refused, nothing changed
    r = pat.act(ada, "sal", token=stale)
    assert r.status_code == 409 and "someone may have acted" in r.text
    assert shown_at(sales, ada, now) == shown


def test_form_type_and_size(sales):
    make_leads(sales)
    ada = lead_id(sales, "ada@lovelace-logistics.example")
    sam = Salesperson(sales)
    token = sam.token(ada)
    url = sam.base + "lead/" + ada
    r = sam.s.post(url, data=json.dumps({"status": "sal", "token": token}),
                   headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 415
    r = sam.s.post(url, data={"status": "sal", "token": token,
                              "reason": "x" * 17000}, timeout=10)
    assert r.status_code == 413
    assert ctl(sales, "show", ada)["status"] == "mql"


# ---- hostile values ----------------------------------------------------------

HOSTILE = {
    "script@acme.example": "<script>alert(1)</script>",
    "attr@acme.example": '"><img src=x onerror=alert(1)>',
    "formula@acme.example": "=cmd|' /C calc'!A0",
}


def test_hostile_values_are_inert(sales):
    for email, name in HOSTILE.items():
        b = Firefox(sales)
        b.identify(email, name=name, ret="/")
        # a campaign and a referrer are a visitor's words too
        b.s.headers["Referer"] = "https://evil.example/<b>"
        spaced_get(b, "/library/why-outages-cost.html"
                      "?utm_campaign=%3Cscript%3Ealert(2)%3C/script%3E")
    settle(sales, 3)
    sp = Salesperson(sales)
    ids = [r["id"] for r in sp.get("leads.json").json()]

    pages = ["", "accounts", "funnel"] + [f"lead/{i}" for i in ids]
    for path in pages:
        html = sp.get(path).text
        assert "<script>alert" not in html, path
        assert "<img src=x" not in html, path
        assert "<b>" not in html, path
    lead_pages = "".join(sp.get(f"lead/{i}").text for i in ids)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in lead_pages
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" in lead_pages
    assert "&lt;script&gt;alert(2)&lt;/script&gt;" in lead_pages

    raw = sp.get("leads.json").text
    assert "<" not in raw and ">" not in raw
    names = {r["email"]: r["name"] for r in json.loads(raw)}
    assert names == HOSTILE

    rows = list(csv.DictReader(io.StringIO(sp.get("leads.csv").text,
                                           newline="")))
    got = {r["email"]: r["name"] for r in rows}
    assert got["formula@acme.example"] == "'=cmd|' /C calc'!A0"
    assert got["script@acme.example"] == "<script>alert(1)</script>"
    assert got["attr@acme.example"] == '"><img src=x onerror=alert(1)>'


# ---- headers -----------------------------------------------------------------

def test_every_response_is_private_and_strict(sales):
    make_leads(sales)
    ada = lead_id(sales, "ada@lovelace-logistics.example")
    sp = Salesperson(sales)
    responses = [sp.get(p) for p in ("", "funnel", "accounts", "leads.json",
                                     "leads.csv", f"lead/{ada}",
                                     f"lead/{ada}.json", "sales.css",
                                     "sales.js", "nope", "?status=x")]
    responses.append(sp.act(ada, "sal", token=False))
    for r in responses:
        csp = r.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "default-src 'none'" in csp
        assert "frame-ancestors 'none'" in csp
        assert r.headers["X-Content-Type-Options"] == "nosniff"
        assert r.headers["Referrer-Policy"] == "no-referrer"
        assert r.headers["Cache-Control"] == "no-store"
    page = responses[0].text
    assert "<script>" not in page and "style=" not in page
    assert '<script src="/lead/sales/sales.js" defer></script>' in page
    assert responses[7].headers["Content-Type"] == "text/css; charset=utf-8"


# ---- configuration -----------------------------------------------------------

def conf_test(prefix, server, http=HTTP):
    copy_site(prefix)
    with open(f"{prefix}/sales.htpasswd", "w") as f:
        f.write("sam:{PLAIN}x\n")
    n = Nginx(prefix, http=http, server=server.replace("{prefix}", prefix))
    return n.test_config()


AUTH = "auth_basic \"x\"; auth_basic_user_file {prefix}/sales.htpasswd;"


def sales_status(prefix, server):
    """The status of the sales view at /sales/ for sam (password x)."""
    copy_site(prefix)
    with open(f"{prefix}/sales.htpasswd", "w") as f:
        f.write("sam:{PLAIN}x\n")
    n = Nginx(prefix, http=HTTP, server=server.replace("{prefix}", prefix))
    n.start()
    try:
        return requests.get(n.url + "/sales/", auth=("sam", "x"),
                            timeout=10).status_code
    finally:
        n.quit()


# nginx's own access control decides; the module reads no other module's
# configuration and refuses nothing itself (README: protect the view)
@pytest.mark.parametrize("protection,status", [
    (AUTH, 200),
    ("allow 127.0.0.1; deny all;", 200),
    ("deny all;", 403),
])
def test_nginx_guards_the_sales_view(prefix, protection, status):
    assert sales_status(prefix, "location /sales/ { lead_sales; %s }"
                                % protection) == status


@pytest.mark.parametrize("server,says", [
    ("location = /sales/ { lead_sales; }", "needs a prefix location"),
    ("location ~ ^/sales/ { lead_sales; }", "needs a prefix location"),
    ("location /sales/ { lead_sales; lead_sales; }", "is duplicate"),
])
def test_sales_needs_a_prefix_location(prefix, server, says):
    r = conf_test(prefix, server)
    assert r.returncode != 0
    assert says in r.stderr


def test_sales_needs_rules(prefix):
    http = HTTP.replace("lead_rules {prefix}/rules;", "")
    r = conf_test(prefix, "location /sales/ { lead_sales; deny all; }",
                  http=http)
    assert r.returncode != 0
    assert '"lead_sales" needs "lead_rules"' in r.stderr


@pytest.mark.skipif(not os.path.exists(BENCH_DATASET),
                    reason="build.sh test builds bench-dataset")
def test_a_slow_page_does_not_hold_up_the_site(prefix):
    """The funnel reads every event (200k here, a few hundred ms): it is
    made in nginx's thread pool, so the one worker goes on serving the
    site meanwhile; pages the site asks for come back while it is made."""
    make_dataset(prefix, 2000, 200000)
    n = start_sales_site(prefix, workers=1, copy=False)
    try:
        sam = Salesperson(n)
        assert sam.get("funnel").status_code == 200      # warm the store
        answered = []

        def funnel():
            r = sam.get("funnel")
            answered.append(("funnel", r.status_code, time.monotonic()))

        t = threading.Thread(target=funnel)
        t.start()
        pages = []
        while t.is_alive() and len(pages) < 200:
            r = requests.get(n.url + "/library/why-outages-cost.html",
                             timeout=10)
            pages.append((r.status_code, time.monotonic()))
        t.join(60)
        assert answered and answered[0][1] == 200
        assert all(code == 200 for code, _ in pages)
        # a worker busy making the funnel would have answered none of them
        # before it: here several came back while it was made
        assert len([p for p in pages if p[1] < answered[0][2]]) >= 3, pages
    finally:
        n.quit()
