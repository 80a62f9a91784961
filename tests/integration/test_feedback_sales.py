"""Sales' notes on content through the real nginx: added on an asset's
page and on a lead's page with the CSRF token, refused without it or with
another user's (the store unchanged), a hostile note inert in HTML, JSON
and CSV, and leadctl feedback / assets --feedback agreeing with the pages, with
ratings ingested as rate lines; notes through export and ingest."""

import csv
import io
import json
import os
import re
import subprocess

import pytest

from conftest import LEADCTL
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

    # 1,000 characters of any script fit: three-byte ones, %XX-escaped,
    # are 9,000 bytes (over 4 KiB and nginx's default 8 KiB buffer)
    long_note = "\u20ac" * 1000
    r = post(sam, "lead/" + lead, TOKEN_RE.search(lead_page.text).group(1),
             asset=asset, note=long_note)
    assert r.status_code == 303, r.text
    assert long_note in [n["text"] for n in
                         ctl(sales, "feedback", asset)["notes"]]

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
        "\u20ac" * 1000, "used it in the call:\nthe SLA section", HOSTILE]
    assert notes[1]["lead"] == lead and "lead" not in notes[2]
    assert {n["who"] for n in notes} == {"sam"}

    # CSV and the assets list agree with the page
    rows = list(csv.DictReader(io.StringIO(
        sales.leadctl("assets", "--csv").stdout)))
    row = next(r for r in rows if r["asset"] == asset)
    assert row["notes"] == "3" and row["ratings"] == "0"
    listed = ctl(sales, "assets", "--feedback")
    assert next(a for a in listed if a["asset"] == asset)["notes"] == 3
    text = sales.leadctl("feedback", asset).stdout
    assert "sales' notes: 3" in text and "\x1b" not in text

    # forget erases the note taken on her page, not the other
    sales.leadctl("forget", lead)
    assert [n["text"] for n in ctl(sales, "feedback", asset)["notes"]] \
        == [HOSTILE]


def rate_line(n, visitor, asset, rating, comment=None, agent="browser"):
    line = {"id": f"edge-1-{n}-v", "time": f"2026-12-0{n}T09:00:00.000Z",
            "kind": "rate", "visitor": visitor * 16,
            "path": "/library/network-map.pdf", "asset": asset,
            "agent": agent, "rating": rating}
    if comment is not None:
        line["comment"] = comment
    return json.dumps(line)


def ingest(store, rules, text):
    r = subprocess.run([LEADCTL, "--store", store, "ingest", "--json",
                        "--rules", rules], input=text, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_ratings_agree_and_notes_travel(sales, prefix):
    """Ratings (rate lines: a visitor's newer one replaces its older, a
    bot's counts, told apart) read the same on the asset's page, in its
    JSON, on the Content page and in leadctl; notes leave by export and
    arrive by ingest, twice changing nothing."""
    reader(sales)
    sam = Salesperson(sales)
    asset = map_asset(sam)
    rules = os.path.join(prefix, "rules")
    got = ingest(sales.store, rules, "\n".join([
        rate_line(1, "aa", asset, 2, "too coarse"),
        rate_line(2, "aa", asset, 5, "<script>alert(1)</script>"),
        rate_line(3, "bb", asset, 3),
        rate_line(4, "cc", asset, 1, "bot says", agent="bot"),
    ]) + "\n")
    assert got["applied"] == 4, got

    want = ctl(sales, "feedback", asset)
    assert (want["ratings"], want["bots"], want["average"],
            want["distribution"], want["comment_count"]) \
        == (3, 1, 3.0, [1, 0, 1, 0, 1], 2)
    assert [c["comment"] for c in want["comments"]] == [
        "bot says", "<script>alert(1)</script>"]
    assert sam.get(f"asset/{asset}.json").json() == want
    page = sam.get("asset/" + asset).text
    assert '<span class="num">3.0</span> ★ average of ' \
           '<span class="num">3</span> ratings (1 from bots' in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "too coarse" not in page              # replaced by its newer
    assert "3.0 ★ (3)" in sam.get("attribution").text
    listed = ctl(sales, "assets", "--feedback")
    row = next(a for a in listed if a["asset"] == asset)
    assert (row["ratings"], row["average"], row["comments"]) == (3, 3.0, 2)

    # a note, exported as a line and ingested into a new store, twice
    token = TOKEN_RE.search(page).group(1)
    r = post(sam, "asset/" + asset, token, note="SLA section, page 3")
    assert r.status_code == 303
    lines = sales.leadctl("export", "--json").stdout
    notes = [json.loads(x) for x in lines.splitlines()
             if json.loads(x)["kind"] == "note"]
    assert len(notes) == 1 and notes[0]["comment"] == "SLA section, page 3"
    assert notes[0]["who"] == "sam" and notes[0]["id"].endswith("-n")
    other = os.path.join(prefix, "other-store")
    os.mkdir(other)
    assert ingest(other, rules, lines)["refused"] == 0
    again = ingest(other, rules, lines)
    assert again["applied"] == 0 and again["duplicates"] > 0
    moved = json.loads(subprocess.run(
        [LEADCTL, "--store", other, "feedback", asset, "--json"],
        capture_output=True, text=True, timeout=60, check=True).stdout)
    assert moved == ctl(sales, "feedback", asset)
