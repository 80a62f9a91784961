"""The canonical journey of the spec, end to end, and the lead model around
it: MQL promotion, bots, sales actions, the CSV export and the $lead_*
variables, through the real nginx and leadctl --json."""

import csv
import io
import json
import math
import os
import re
import subprocess
import time
from datetime import datetime, timezone

import pytest

from conftest import LEADCTL, Nginx, copy_site
from test_gate import HTTP, SERVER, Browser

FIREFOX = ("Mozilla/5.0 (X11; Linux x86_64; rv:120.0) Gecko/20100101 "
           "Firefox/120.0")
GOOGLEBOT = ("Mozilla/5.0 (compatible; Googlebot/2.1; "
             "+http://www.google.com/bot.html)")
ACTION_RE = re.compile(r'<form method="post" action="([^"]+)"')
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')
RETURN_RE = re.compile(r'name="return" value="([^"]*)"')

# test_gate.SERVER, with the model's variables on the tracked location
VARS_SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
            add_header X-Lead-Id $lead_id;
            add_header X-Lead-Score $lead_score;
            add_header X-Lead-Status $lead_status;
            add_header X-Lead-Grade $lead_grade;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
"""


# ---- helpers ---------------------------------------------------------------

def start(prefix, server=SERVER, scoring=None):
    """nginx on the demo library and the sample rules (scoring.conf edited
    by the (old, new) pairs in scoring)."""
    copy_site(prefix)
    for old, new in scoring or ():
        path = os.path.join(prefix, "rules", "scoring.conf")
        with open(path) as f:
            text = f.read()
        assert old in text, old
        with open(path, "w") as f:
            f.write(text.replace(old, new))
    return Nginx(prefix, http=HTTP, server=server).start()


@pytest.fixture
def demo(prefix):
    n = start(prefix)
    try:
        yield n
    finally:
        n.quit()


def ctl_json(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def show(site, who, now=None):
    return ctl_json(site, "show", who, *(("--now", now) if now else ()))


def leads(site, now=None):
    return ctl_json(site, "leads", *(("--now", now) if now else ()))


def poll(fn, until, timeout=5.0, step=0.05):
    """fn() until until(value) or timeout; returns the last value."""
    deadline = time.time() + timeout
    while True:
        value = fn()
        if until(value) or time.time() > deadline:
            return value
        time.sleep(step)


def wait_status(site, who, status, timeout=5.0):
    return poll(lambda: show(site, who), lambda v: v["status"] == status,
                timeout)


def iso(t):
    return datetime.fromtimestamp(t, tz=timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%SZ")


def fixed_now(ahead=3600):
    """A whole-second moment after everything the test did, as --now."""
    return iso(math.ceil(time.time()) + ahead)


def settle(site, count):
    """All count events are stored, and the flush that stored them has
    promoted whom it promotes (statuses are written right after)."""
    events = site.wait_events(count)
    assert len(events) == count, [e["path"] for e in events]
    time.sleep(0.5)
    return events


def spaced_get(b, path):
    """A read at its own millisecond (no two reads share a timestamp)."""
    time.sleep(0.02)
    r = b.get(path)
    assert r.status_code == 200, (path, r.status_code)
    return r


def mql_entry(lead):
    entries = [h for h in lead["history"] if h["to"] == "mql"]
    assert len(entries) == 1, lead["history"]
    return entries[0]


class Firefox(Browser):
    """A browser profile that looks like Firefox and follows the gate's
    redirect to the form, as a person clicking would."""

    def __init__(self, site):
        super().__init__(site)
        self.s.headers.update({
            "User-Agent": FIREFOX,
            "Accept": "text/html,application/xhtml+xml,application/xml;"
                      "q=0.9,*/*;q=0.8",
            "Accept-Language": "en-GB,en;q=0.5",
        })

    def fill_form(self, location, **fields):
        page = self.s.get(location, allow_redirects=False, timeout=10)
        assert page.status_code == 200
        action = ACTION_RE.search(page.text).group(1)
        data = {"return": RETURN_RE.search(page.text).group(1),
                "token": TOKEN_RE.search(page.text).group(1), **fields}
        r = self.post(data, path=action)
        assert r.status_code == 303, r.text
        return page, r


# ---- 1. the canonical journey ----------------------------------------------

EMAIL = "ada@lovelace-logistics.example"


def journey_to_step_3(site):
    """Steps 1 to 3 of the spec; returns the browser."""
    b = Firefox(site)

    # 1. anonymous, ungated, recorded against the cookie
    r = b.get("/library/why-outages-cost.html")
    assert r.status_code == 200
    assert "lv" in b.s.cookies

    # 2. the guide is gated: the minimal form, name, e-mail, subscribe
    r = b.get("/library/guide/")
    assert r.status_code == 303
    location = r.headers["Location"]
    assert location.endswith("/lead/form?return=/library/guide/")
    page, r = b.fill_form(location, name="Ada Lovelace", email=EMAIL,
                          subscribe="1")
    assert "Send me updates about fibre" in page.text
    assert r.headers["Location"].endswith("/library/guide/")

    # 3. back on the guide, 3 of its sections
    for path in ("/library/guide/", "/library/guide/1-requirements.html",
                 "/library/guide/2-redundancy.html",
                 "/library/guide/3-sla.html"):
        spaced_get(b, path)
    settle(site, 5)
    return b


def rival(site):
    """Another lead, less engaged: the journey's lead must outrank it."""
    b = Firefox(site)
    b.identify("bob@rival-corp.example", name="Bob Rival", ret="/")
    spaced_get(b, "/library/hidden-costs-of-downtime.html")
    spaced_get(b, "/library/sd-wan-vs-mpls.html")
    return b


def test_canonical_journey(demo):
    site = demo
    b = journey_to_step_3(site)

    lead = show(site, EMAIL)
    assert (lead["name"], lead["email"]) == ("Ada Lovelace", EMAIL)
    assert lead["subscribed"] is True and lead["topics"] == "fibre"
    assert lead["status"] in ("identified", "mql")
    # the sales view shows step 1, before the form, dated so
    events = lead["events"]
    assert [e["path"] for e in events] == [
        "/library/why-outages-cost.html", "/library/guide/",
        "/library/guide/1-requirements.html",
        "/library/guide/2-redundancy.html", "/library/guide/3-sla.html"]
    assert [e["before_identified"] for e in events] == [
        True, False, False, False, False]
    assert events[0]["time"] < lead["identified_at"] <= events[1]["time"]
    # three sections of the guide: warm
    bonus = [w for w in lead["why"] if w["group_bonus"]]
    assert [(w["title"], w["score"]) for w in bonus] == [
        ("Buying guide, parts 1 to 4", 20)]
    assert sum(w["points"] for w in lead["why"]) == lead["score"]
    # section 3 (reading an SLA) is evaluation in the sample rules
    assert lead["stage"] == "evaluation"
    assert lead["hot"][0]["title"] == "Buying guide, part 3: reading an SLA"

    rival(site)
    settle(site, 7)

    # 4. the network map: mql at once, tops the sales view, map first
    r = b.get("/library/network-map.pdf")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "application/pdf"
    settle(site, 8)
    lead = wait_status(site, EMAIL, "mql")
    assert lead["status"] == "mql"
    assert mql_entry(lead)["from"] == "identified"
    assert lead["stage"] == "decision"
    top = lead["hot"][0]
    assert (top["title"], top["hot"], top["stage"], top["reads"],
            top["depth"]) == ("Network coverage map", True, "decision", 1, 1)

    ranked = leads(site)
    assert [row["email"] for row in ranked] == [
        EMAIL, "bob@rival-corp.example"]
    assert ranked[0]["id"] == lead["id"]
    assert ranked[0]["status"] == "mql"
    assert ranked[0]["top_asset"] == "Network coverage map"
    assert ranked[0]["score"] > ranked[1]["score"]

    # 5. thirty quiet days later the engagement has halved
    now = fixed_now()
    later = iso(datetime.strptime(now, "%Y-%m-%dT%H:%M:%SZ").replace(
        tzinfo=timezone.utc).timestamp() + 30 * 86400)
    e0 = show(site, EMAIL, now)["engagement"]
    e30 = show(site, EMAIL, later)["engagement"]
    assert e0 > 100
    assert math.isclose(e30, e0 / 2, rel_tol=1e-6), (e0, e30)
    # and the same through an offset from the clock
    assert math.isclose(show(site, EMAIL, "+30d")["engagement"],
                        show(site, EMAIL)["engagement"] / 2, rel_tol=1e-4)


def test_canonical_journey_the_map_is_what_makes_the_mql(demo):
    site = demo
    b = journey_to_step_3(site)
    after_step_3 = show(site, EMAIL)

    assert b.get("/library/network-map.pdf").status_code == 200
    settle(site, 6)
    lead = wait_status(site, EMAIL, "mql")

    # step 3: warm, not yet a sales matter; step 4: mql at once, by the map
    assert after_step_3["status"] == "identified", mql_entry(after_step_3)
    assert "Network coverage map" in mql_entry(lead)["cause"]


# ---- 2. MQL by threshold ---------------------------------------------------

@pytest.fixture
def easy(prefix):
    """The sample rules with mql_threshold 30."""
    n = start(prefix, scoring=[("mql_threshold 100;", "mql_threshold 30;")])
    try:
        yield n
    finally:
        n.quit()


def test_mql_by_engagement_threshold(easy):
    site = easy
    b = Firefox(site)
    b.identify("carol@acme.example", name="Carol", ret="/")
    spaced_get(b, "/library/hidden-costs-of-downtime.html")      # 10
    spaced_get(b, "/library/sd-wan-vs-mpls.html")                # 10
    settle(site, 2)
    lead = show(site, "carol@acme.example")
    assert lead["status"] == "identified" and lead["score"] == 20

    spaced_get(b, "/library/case-study-logistics.html")          # 20, not hot
    settle(site, 3)
    lead = wait_status(site, "carol@acme.example", "mql")
    assert lead["status"] == "mql"
    assert not any(h["hot"] for h in lead["hot"])
    entry = mql_entry(lead)
    assert entry["from"] == "identified"
    assert entry["cause"].startswith("engagement"), entry
    assert "mql_threshold 30" in entry["cause"]
    assert entry["who"] == ""
    assert lead["identified_at"] <= entry["time"]


def test_mql_when_engagement_reaches_the_threshold_exactly(easy):
    site = easy
    b = Firefox(site)
    b.identify("dave@acme.example", name="Dave", ret="/")
    for path in ("/library/hidden-costs-of-downtime.html",
                 "/library/sd-wan-vs-mpls.html", "/library/guide/"):
        spaced_get(b, path)                                      # 3 x 10
    settle(site, 3)
    lead = show(site, "dave@acme.example")
    assert lead["score"] == 30
    lead = wait_status(site, "dave@acme.example", "mql", timeout=3)
    assert lead["status"] == "mql", (lead["engagement"], lead["history"])


def test_mql_notice_in_error_log_agrees_with_its_cause(easy):
    site = easy
    b = Firefox(site)
    b.identify("kim@acme.example", name="Kim", ret="/")
    for path in ("/library/hidden-costs-of-downtime.html",
                 "/library/sd-wan-vs-mpls.html",
                 "/library/case-study-logistics.html"):
        spaced_get(b, path)                                      # 40
    settle(site, 3)
    lead = wait_status(site, "kim@acme.example", "mql")
    assert mql_entry(lead)["cause"] == (
        "engagement 40 reached mql_threshold 30")
    notice = poll(site.error_log, lambda log: "is now an MQL" in log)
    line = next(x for x in notice.splitlines() if "is now an MQL" in x)
    assert f"lead {lead['id']} is now an MQL: engagement 40 reached " \
           "mql_threshold 30 (engagement 40)" in line, line


# ---- 3. MQL by contact request ---------------------------------------------

def test_mql_by_contact_request(demo):
    site = demo
    b = Firefox(site)
    r = b.get("/library/pricing.html")
    assert r.status_code == 303
    page, r = b.fill_form(r.headers["Location"], name="Erin",
                          email="erin@acme.example", contact="1")
    assert 'name="contact"' in page.text
    assert r.headers["Location"].endswith("/library/pricing.html")

    # at once: no read, no flush needed
    lead = show(site, "erin@acme.example")
    assert lead["status"] == "mql" and lead["contact"] is True
    assert [(h["from"], h["to"], h["cause"]) for h in lead["history"]] == [
        ("anonymous", "identified", "filled the form"),
        ("identified", "mql", "asked to be contacted")]
    (row,) = leads(site)
    assert (row["email"], row["status"], row["contact"]) == (
        "erin@acme.example", "mql", True)


# ---- 4. bots, HEAD and prefetch change no score ------------------------------

def test_bots_head_and_prefetch_change_no_score(demo):
    site = demo
    b = Firefox(site)
    b.identify("frank@acme.example", name="Frank", ret="/")
    spaced_get(b, "/library/hidden-costs-of-downtime.html")
    settle(site, 1)
    now = fixed_now()
    before = show(site, "frank@acme.example", now)
    assert before["status"] == "identified" and before["engagement"] > 9

    # a crawler carrying the lead's cookie, on hot and gated content
    for path in ("/library/pricing.html", "/library/network-map.pdf",
                 "/library/case-study-logistics.html"):
        r = b.get(path, headers={"User-Agent": GOOGLEBOT})
        assert r.status_code == 200, path
    # the browser itself: HEAD and prefetches, served, never recorded
    r = b.s.head(site.url + "/library/guide/4-pricing.html", timeout=10,
                 allow_redirects=False)
    assert r.status_code == 200
    for headers in ({"Sec-Purpose": "prefetch"}, {"Purpose": "prefetch"},
                    {"Sec-Purpose": "prefetch;prerender"}):
        r = b.get("/library/webinar-network-design.mp4", headers=headers)
        assert r.status_code == 200, headers
    # a marker read by someone else: everything before it has been served
    spaced_get(Firefox(site), "/careers.html")

    events = settle(site, 5)
    assert [(e["path"], e["ua"]) for e in events[1:4]] == [
        ("/library/pricing.html", "bot"),
        ("/library/network-map.pdf", "bot"),
        ("/library/case-study-logistics.html", "bot")]
    assert len(site.events()) == 5

    after = show(site, "frank@acme.example", now)
    assert after["engagement"] == before["engagement"]
    assert after["score"] == before["score"]
    assert after["stage"] == before["stage"]
    # a crawler on hot content does not make an MQL
    assert after["status"] == "identified"
    assert [h["title"] for h in after["hot"]] == [
        "The hidden costs of downtime"]


# ---- 5. sales actions, funnel, accounts ------------------------------------

def test_sales_actions_funnel_and_accounts(demo):
    site = demo
    won = Firefox(site)
    won.identify("grace@acme.example", name="Grace", ret="/", contact="1")
    spaced_get(won, "/library/hidden-costs-of-downtime.html")
    spaced_get(won, "/library/guide/3-sla.html")
    nurtured = Firefox(site)
    nurtured.identify("henry@acme.example", name="Henry", ret="/",
                      contact="1")
    spaced_get(nurtured, "/library/sd-wan-vs-mpls.html")
    spaced_get(nurtured, "/library/why-outages-cost.html")
    fan = Firefox(site)
    fan.identify("ivy@gmail.com", name="Ivy", ret="/")
    spaced_get(fan, "/library/why-outages-cost.html")
    settle(site, 5)

    # won: mql -> sal -> sql -> won, each by a named person
    for to, who in (("sal", "alice"), ("sql", "bob"), ("won", "carol")):
        more = ("--amount", "12000.50") if to == "won" else ()
        r = site.leadctl("status", "grace@acme.example", to, "--by", who,
                         *more)
        assert r.stdout.strip().endswith(f"-> {to}")
    history = show(site, "grace@acme.example")["history"]
    assert [(h["from"], h["to"], h["who"]) for h in history] == [
        ("anonymous", "identified", ""), ("identified", "mql", ""),
        ("mql", "sal", "alice"), ("sal", "sql", "bob"),
        ("sql", "won", "carol")]
    times = [h["time"] for h in history]
    assert times == sorted(times)

    # an illegal move is refused and changes nothing
    r = site.leadctl("status", "grace@acme.example", "sal", "--by", "dave",
                     check=False)
    assert r.returncode == 1
    assert "cannot go from won to sal" in r.stderr
    assert show(site, "grace@acme.example")["history"] == history

    # back to marketing needs a reason
    r = site.leadctl("status", "henry@acme.example", "nurture", check=False)
    assert r.returncode == 1 and "reason" in r.stderr
    assert show(site, "henry@acme.example")["status"] == "mql"
    site.leadctl("status", "henry@acme.example", "nurture", "--reason",
                 "no budget this year", "--by", "dave")
    last = show(site, "henry@acme.example")["history"][-1]
    assert (last["from"], last["to"], last["who"], last["reason"]) == (
        "mql", "nurture", "dave", "no budget this year")

    # an identified lead is not for sales yet; unknown leads are errors
    r = site.leadctl("status", "ivy@gmail.com", "sal", check=False)
    assert r.returncode == 1 and "cannot go from identified" in r.stderr
    r = site.leadctl("status", "nobody@acme.example", "sal", check=False)
    assert r.returncode == 1
    r = site.leadctl("status", "ivy@gmail.com", "mql", check=False)
    assert r.returncode == 2

    now = fixed_now()
    funnel = ctl_json(site, "funnel", "--now", now)
    assert funnel["leads"] == 3
    got = {s["status"]: (s["now"], s["ever"]) for s in funnel["statuses"]}
    assert got == {"identified": (1, 3), "mql": (0, 2), "sal": (0, 1),
                   "sql": (0, 1), "won": (1, 1), "nurture": (1, 1),
                   "lost": (0, 0)}
    went_on = {s["status"]: s["went_on"] for s in funnel["statuses"]}
    assert (went_on["sal"], went_on["sql"], went_on["won"]) == (1, 1, 0)
    assert sum(s["leads"] for s in funnel["stages"]) == 3

    # accounts: company domains only, their people's scores summed
    scores = {row["email"]: row for row in leads(site, now)}
    accounts = ctl_json(site, "accounts", "--now", now)
    assert [a["company"] for a in accounts] == ["acme.example"]
    (acme,) = accounts
    assert acme["people"] == 2
    assert sorted(p["email"] for p in acme["leads"]) == [
        "grace@acme.example", "henry@acme.example"]
    total = (scores["grace@acme.example"]["engagement"]
             + scores["henry@acme.example"]["engagement"])
    assert math.isclose(acme["engagement"], total, abs_tol=1e-5)
    assert acme["score"] == round(total)
    assert scores["grace@acme.example"]["engagement"] > 0
    assert scores["henry@acme.example"]["engagement"] > 0
    assert scores["ivy@gmail.com"]["company"] is None
    assert "ivy@gmail.com" not in json.dumps(accounts)


# ---- 6. the CSV export -------------------------------------------------------

CSV_HEADER = [
    "id", "name", "email", "company", "status", "stage", "score", "cell",
    "grade", "band", "topics", "subscribed", "contact", "top_asset",
    "first_seen", "identified_at", "last_seen", "devices", "country",
    "owner", "source", "last_touch", "deal", "amount", "currency",
    "closed_at", "lost_reason"]


def test_leads_csv_is_rfc4180_and_spreadsheet_safe(demo):
    site = demo
    names = {
        "formula@acme.example": '=HYPERLINK("http://evil.example","x")',
        "plus@acme.example": "+1+1",
        "minus@acme.example": "-2+3",
        "at@acme.example": "@SUM(A1:A2)",
        "comma@acme.example": "Lovelace, Ada",
        "quote@acme.example": 'Grace "Amazing" Hopper',
        "plain@acme.example": "Plain Person",
    }
    for email, name in names.items():
        Firefox(site).identify(email, name=name, ret="/")

    raw = subprocess.run([LEADCTL, "--store", site.store, "leads", "--csv"],
                         capture_output=True, timeout=60)
    assert raw.returncode == 0, raw.stderr
    out = raw.stdout.decode("utf-8")
    assert out.endswith("\r\n")
    assert "\n" not in out.replace("\r\n", "")
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == CSV_HEADER
    body = [dict(zip(CSV_HEADER, row)) for row in rows[1:]]
    assert all(len(row) == len(CSV_HEADER) for row in rows)
    assert len(body) == len(names) == len(leads(site))
    got = {row["email"]: row["name"] for row in body}
    assert got == {
        "formula@acme.example": '\'=HYPERLINK("http://evil.example","x")',
        "plus@acme.example": "'+1+1",
        "minus@acme.example": "'-2+3",
        "at@acme.example": "'@SUM(A1:A2)",
        "comma@acme.example": "Lovelace, Ada",
        "quote@acme.example": 'Grace "Amazing" Hopper',
        "plain@acme.example": "Plain Person",
    }
    # quoted as RFC 4180 says: commas and quotes inside quotes, "" doubled
    assert ',"Lovelace, Ada",' in out
    assert ',"Grace ""Amazing"" Hopper",' in out
    assert ',"\'=HYPERLINK(""http://evil.example"",""x"")",' in out
    assert ",Plain Person," in out
    by_id = {row["id"]: row for row in body}
    for lead in leads(site):
        row = by_id[lead["id"]]
        assert (row["status"], row["cell"], row["company"]) == (
            lead["status"], lead["cell"], "acme.example")


# ---- 7. $lead_score, $lead_grade, $lead_status -----------------------------

@pytest.fixture
def vars_site(prefix):
    n = start(prefix, server=VARS_SERVER)
    try:
        yield n
    finally:
        n.quit()


def lead_headers(r):
    return {k: r.headers.get(f"X-Lead-{k}")
            for k in ("Id", "Score", "Status", "Grade")}


def test_variables_score_grade_status(vars_site):
    site = vars_site
    b = Firefox(site)
    r = b.get("/")
    assert r.status_code == 200
    h = lead_headers(r)
    assert (h["Status"], h["Score"], h["Id"], h["Grade"]) == (
        "anonymous", "0", None, None)

    # an anonymous visitor's engagement, still anonymous
    spaced_get(b, "/library/why-outages-cost.html")               # 5
    spaced_get(b, "/library/hidden-costs-of-downtime.html")       # 10
    spaced_get(b, "/library/sd-wan-vs-mpls.html")                 # 10
    settle(site, 4)
    h = lead_headers(b.get("/"))
    assert (h["Status"], h["Score"], h["Grade"]) == (
        "anonymous", "25", None)

    # identified: company e-mail (30) + subscribed (10) = grade B
    r = b.get("/library/guide/")
    assert r.status_code == 303
    b.fill_form(r.headers["Location"], name="Judy",
                email="judy@acme.example", subscribe="1")
    r = b.get("/")
    h = lead_headers(r)
    lead = show(site, "judy@acme.example")
    assert h["Id"] == lead["id"]
    assert h["Status"] == "identified" == lead["status"]
    assert re.fullmatch(r"-?[0-9]+", h["Score"])
    assert int(h["Score"]) == lead["score"] == 25
    assert re.fullmatch(r"[A-D][1-4]", h["Grade"])
    assert h["Grade"] == lead["cell"] == "B3"

    # reading moves them: the guide and the map make an mql, band 1
    for path in ("/library/guide/", "/library/guide/1-requirements.html",
                 "/library/guide/2-redundancy.html",
                 "/library/guide/3-sla.html", "/library/network-map.pdf"):
        spaced_get(b, path)
    settle(site, 11)
    lead = wait_status(site, "judy@acme.example", "mql")
    h = lead_headers(b.get("/"))
    lead = show(site, "judy@acme.example")
    assert h["Status"] == "mql" == lead["status"]
    assert int(h["Score"]) == lead["score"]
    assert h["Grade"] == lead["cell"] == "B1"

    # another visitor sees its own values, never Judy's
    h = lead_headers(Firefox(site).get("/"))
    assert (h["Status"], h["Score"], h["Id"], h["Grade"]) == (
        "anonymous", "0", None, None)


def test_assets_tell_which_content_generates_leads(demo):
    site = demo
    journey_to_step_3(site)
    other = Firefox(site)
    other.get("/library/why-outages-cost.html")        # never identifies
    settle(site, 6)
    rows = {a["path"]: a for a in json.loads(
        site.leadctl("assets", "--json").stdout)}
    intro = rows["/library/why-outages-cost.html"]
    assert (intro["readers"], intro["identified_readers"],
            intro["before_identified"]) == (2, 1, 1)
    guide = rows["/library/guide/3-sla.html"]
    assert (guide["readers"], guide["identified_readers"],
            guide["before_identified"]) == (1, 1, 0)
