"""Sales' notes on content through the real nginx: added on an asset's
page and on a lead's page with the CSRF token, refused without it or with
another user's (the store unchanged), a hostile note inert in HTML, JSON
and CSV, and leadctl feedback / assets --feedback agreeing with the pages.
(Ratings come from the feedback form, tested with it.)"""

import csv
import io
import json
import re

import pytest

from sales_site import TOKEN_RE, Salesperson, start_sales_site
from test_journey import Firefox, settle, spaced_get

ASSET_RE = re.compile(r'href="/lead/sales/asset/([0-9a-f]{16})">'
                      r'Network coverage map<')
HOSTILE = "<script>alert(1)</script>\n=cmd|' /C calc'!A0, \"quoted\""


@pytest.fixture
def sales(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def ctl(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def reader(site):
    """Ada reads the network map, identifies; returns her lead id."""
    ada = Firefox(site)
    spaced_get(ada, "/library/why-outages-cost.html")
    ada.identify("ada@lovelace-logistics.example", name="Ada Lovelace")
    spaced_get(ada, "/library/network-map.pdf")
    settle(site, 2)
    return ctl(site, "show", "ada@lovelace-logistics.example")["id"]


def map_asset(sam):
    r = sam.get("attribution")
    assert r.status_code == 200, r.text
    return ASSET_RE.search(r.text).group(1)


def post(sam, path, token, **fields):
    data = dict(fields)
    if token is not None:
        data["token"] = token
    return sam.s.post(sam.base + path, data=data, allow_redirects=False,
                      timeout=30)


def test_notes_on_assets_and_leads(sales):
    lead = reader(sales)
    sam, pat = Salesperson(sales), Salesperson(sales, "pat")
    asset = map_asset(sam)

    page = sam.get("asset/" + asset)
    assert page.status_code == 200
    assert "No note yet." in page.text
    token = TOKEN_RE.search(page.text).group(1)
    pat_token = TOKEN_RE.search(pat.get("asset/" + asset).text).group(1)
    before = ctl(sales, "feedback", asset)
    assert before["notes"] == [] and before["ratings"] == 0

    # refused: no token, another user's, a stranger's browser; bad text
    stranger = Salesperson(sales)
    refused = [post(sam, "asset/" + asset, None, note="x"),
               post(sam, "asset/" + asset, pat_token, note="x"),
               post(stranger, "asset/" + asset, token, note="x"),
               post(sam, "lead/" + lead, None, asset=asset, note="x"),
               post(sam, "lead/" + lead, pat_token, asset=asset, note="x")]
    for r in refused:
        assert r.status_code == 403, r.text
        assert "Nothing was changed" in r.text
    r = post(sam, "asset/" + asset, token, note="a\x1bb")
    assert r.status_code == 422 and "plain text" in r.text
    r = post(sam, "asset/" + asset, token, note="x" * 1001)
    assert r.status_code == 422
    r = post(sam, "asset/00000000000000ff", token, note="x")
    assert r.status_code == 404
    assert ctl(sales, "feedback", asset) == before

    # kept: on the asset's page, then on the lead's
    r = post(sam, "asset/" + asset, token, note=HOSTILE)
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/asset/{asset}?done=note")
    lead_page = sam.get("lead/" + lead)
    assert f'<option value="{asset}">' in lead_page.text
    r = post(sam, "lead/" + lead, TOKEN_RE.search(lead_page.text).group(1),
             asset=asset, note="used it in the call:\r\nthe SLA section")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/lead/{lead}?done=note")
    assert "the SLA section" in sam.get("lead/" + lead).text

    # inert in HTML
    html = sam.get("asset/" + asset).text
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<strong>sam</strong>" in html

    # JSON: the page's and leadctl's are one, the text as typed
    page_json = sam.get(f"asset/{asset}.json").json()
    assert page_json == ctl(sales, "feedback", asset)
    assert page_json == ctl(sales, "feedback", "/library/network-map.pdf")
    notes = page_json["notes"]
    assert [n["text"] for n in notes] == [
        "used it in the call:\nthe SLA section", HOSTILE]
    assert notes[0]["lead"] == lead and "lead" not in notes[1]
    assert {n["who"] for n in notes} == {"sam"}

    # CSV and the assets list agree with the page
    rows = list(csv.DictReader(io.StringIO(
        sales.leadctl("assets", "--csv").stdout)))
    row = next(r for r in rows if r["asset"] == asset)
    assert row["notes"] == "2" and row["ratings"] == "0"
    listed = ctl(sales, "assets", "--feedback")
    assert next(a for a in listed if a["asset"] == asset)["notes"] == 2
    text = sales.leadctl("feedback", asset).stdout
    assert "sales' notes: 2" in text and "\x1b" not in text

    # forget erases the note taken on her page, not the other
    sales.leadctl("forget", lead)
    assert [n["text"] for n in ctl(sales, "feedback", asset)["notes"]] \
        == [HOSTILE]
