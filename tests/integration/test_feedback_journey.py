"""A rating's whole way through the real nginx: an anonymous visitor rates
and comments on an article, identifies, and the rating is in the lead's
timeline and why (the sample rules give feedback_points), on the asset's
page and in every export; a hostile comment is inert in HTML, JSON and
CSV, exactly as typed where it is data."""

import csv
import io
import json
import re

import pytest

from sales_site import SERVER, Salesperson, start_sales_site
from test_gate import Browser

ARTICLE = "/library/why-outages-cost.html"
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')
# a formula for a spreadsheet, markup for a page, a line break
HOSTILE = "=cmd|' /C calc'!A0 <script>alert(1)</script>\nthe <b>cost</b> rule"

FEEDBACK_SERVER = SERVER.replace("""            lead_gate auto;
        }""", """            lead_gate auto;
            ssi on;
        }
        location = /lead/feedback {
            lead_feedback;
            client_body_buffer_size 16k;
        }""", 1)


@pytest.fixture
def site(prefix):
    assert FEEDBACK_SERVER != SERVER
    n = start_sales_site(prefix, server=FEEDBACK_SERVER)
    try:
        yield n
    finally:
        n.quit()


def ctl_json(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def wait_for(site, what, timeout=10):
    """what() once it is true: the worker flushes, the fold follows."""
    import time
    deadline = time.monotonic() + timeout
    while True:
        value = what()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(0.1)


def test_rate_identify_and_see_it_everywhere(site):
    ada = Browser(site)
    r = ada.get(ARTICLE)
    assert r.status_code == 200
    token = TOKEN_RE.search(r.content.decode("utf-8")).group(1)
    r = ada.post({"rating": "5", "comment": HOSTILE, "path": ARTICLE,
                  "token": token}, path="/lead/feedback")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(ARTICLE + "?feedback=thanks#feedback")

    # anonymous until the form: then the rating is her lead's
    ada.identify("ada@lovelace-logistics.example")
    who = "ada@lovelace-logistics.example"

    def rated():
        lead = ctl_json(site, "show", who)
        return [e for e in lead["events"] if e.get("kind") == "rate"]
    (rating,) = wait_for(site, rated)
    assert rating["rating"] == 5 and rating["comment"] == HOSTILE
    assert rating["path"] == ARTICLE

    # the sample rules: feedback_points 10, its own row of the why
    lead = ctl_json(site, "show", who)
    rows = [w for w in lead["why"] if w.get("rating")]
    assert len(rows) == 1 and rows[0]["points"] == 10, lead["why"]
    assert sum(w["points"] for w in lead["why"]) == lead["score"]

    sam = Salesperson(site)
    lead_id = lead["id"]

    # HTML: the lead's page and the asset's, escaped
    for page in (sam.get("lead/" + lead_id),):
        assert page.status_code == 200
        assert "<script>alert(1)" not in page.text
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text
        assert "Rated" in page.text
    content = sam.get("attribution")
    assert content.status_code == 200
    asset = re.search(r'href="/lead/sales/asset/([0-9a-f]{16})">'
                      r'Why network outages cost', content.text).group(1)
    page = sam.get("asset/" + asset)
    assert page.status_code == 200
    assert "<script>alert(1)" not in page.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page.text

    # JSON: the text as typed, the page's and leadctl's alike
    data = sam.get(f"asset/{asset}.json").json()
    assert data == ctl_json(site, "feedback", ARTICLE)
    assert data["ratings"] == 1 and data["average"] == 5
    assert [c["comment"] for c in data["comments"]] == [HOSTILE]
    assert sam.get(f"lead/{lead_id}.json").json()["why"] == lead["why"]

    # CSV: the export's rate row guarded against formulas, read back whole
    out = site.leadctl("export", "--csv").stdout
    rows = [row for row in csv.DictReader(io.StringIO(out))
            if row["kind"] == "rate"]
    assert len(rows) == 1
    assert rows[0]["comment"] == "'" + HOSTILE
    assert rows[0]["rating"] == "5"

    # a text report is one line per comment, no markup run
    text = site.leadctl("feedback", ARTICLE).stdout
    assert "\x1b" not in text and "alert(1)" in text
