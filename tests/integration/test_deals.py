"""Deals and sources through the real nginx: the canonical journey from a
campaign, then accepted, qualified and won with an amount in the sales
view; a deal lost with a reason and leads sales found themselves, with
leadctl; a lead's source (the site's own links are none); the exports."""

import csv
import io
import json

import pytest

from conftest import Nginx
from sales_site import Salesperson, start_sales_site
from test_journey import (EMAIL, Firefox, fixed_now, settle, spaced_get,
                          wait_status)

CAMPAIGN = ("/library/why-outages-cost.html?utm_source=linkedin"
            "&utm_medium=social&utm_campaign=q4-fibre")


@pytest.fixture
def sales(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def ctl(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def journey_from_a_campaign(site):
    """The canonical journey, its first read from a LinkedIn campaign and
    every later one a link followed on the site; returns the lead's id."""
    b = Firefox(site)
    own = {"Referer": site.url + "/library/"}
    r = b.get(CAMPAIGN, headers={"Referer": "https://www.linkedin.com/feed/"})
    assert r.status_code == 200
    b.s.headers.update(own)
    r = b.get("/library/guide/")
    assert r.status_code == 303
    b.fill_form(r.headers["Location"], name="Ada Lovelace", email=EMAIL,
                subscribe="1")
    for path in ("/library/guide/", "/library/guide/1-requirements.html",
                 "/library/guide/2-redundancy.html",
                 "/library/guide/3-sla.html", "/library/network-map.pdf"):
        spaced_get(b, path)
    settle(site, 6)
    return wait_status(site, EMAIL, "mql")["id"]


def test_journey_won_in_the_sales_view(sales):
    site = sales
    ada = journey_from_a_campaign(site)

    # the campaign is the source, and the site's own links are none
    lead = ctl(site, "show", EMAIL)
    assert (lead["source"], lead["last_touch"]) == ("q4-fibre", "q4-fibre")
    assert lead["deal"] is None and lead["amount"] is None
    froms = [e["referrer_host"] for e in ctl(site, "events")]
    assert froms == ["www.linkedin.com", "", "", "", "", ""]

    sam = Salesperson(site)
    for to in ("sal", "sql"):
        r = sam.act(ada, to)
        assert r.status_code == 303, r.text
    page = sam.get(f"lead/{ada}").text
    assert 'name="amount"' in page and 'value="EUR"' in page

    # refused, nothing changed: no amount, a third decimal, a bad currency
    for fields in ({}, {"amount": "12000.505"}, {"amount": "-5"},
                   {"amount": "12000", "currency": "euro"},
                   {"amount": "12000", "closed": "2026-02-30"}):
        r = sam.act(ada, "won", **fields)
        assert r.status_code == 422, (fields, r.status_code)
        assert "Nothing was changed" in r.text
    assert ctl(site, "show", EMAIL)["status"] == "sql"

    # won: the amount, the rules' currency, the close date typed
    r = sam.act(ada, "won", amount="12000.50", currency="",
                closed="2026-12-01")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"/lead/{ada}?done=won")
    lead = ctl(site, "show", EMAIL)
    assert (lead["status"], lead["owner"], lead["deal"]) == (
        "won", "sam", "won")
    assert (lead["amount"], lead["amount_cents"], lead["currency"],
            lead["closed_at"], lead["lost_reason"]) == (
        "12000.50", 1200050, "EUR", "2026-12-01T00:00:00.000Z", None)
    assert [(h["to"], h["who"]) for h in lead["history"]][-3:] == [
        ("sal", "sam"), ("sql", "sam"), ("won", "sam")]
    assert "won 12000.50 EUR, closed 2026-12-01" in site.leadctl(
        "show", EMAIL).stdout
    page = sam.get(f"lead/{ada}?done=won").text
    assert "12000.50 EUR" in page and "q4-fibre" in page

    # leadctl's export and the sales view's carry the deal
    ours = site.leadctl("leads", "--csv", "--now", fixed_now()).stdout
    theirs = sam.get("leads.csv")
    assert theirs.status_code == 200
    assert ",q4-fibre,q4-fibre,won,12000.50,EUR,2026-12-01T" in theirs.text
    row = next(csv.DictReader(io.StringIO(ours, newline="")))
    assert (row["source"], row["last_touch"], row["deal"], row["amount"],
            row["currency"], row["closed_at"], row["owner"]) == (
        "q4-fibre", "q4-fibre", "won", "12000.50", "EUR",
        "2026-12-01T00:00:00.000Z", "sam")


def test_lost_and_leads_sales_found(sales):
    site = sales

    # a lead sales found: no visitor, source "sales", accepted by who
    r = site.leadctl("add", "Carol@Babbage.example", "--name", "Carol",
                     "--source", "sales", "--by", "pat")
    assert "added" in r.stdout and "(source: sales)" in r.stdout
    carol = ctl(site, "show", "carol@babbage.example")
    assert (carol["status"], carol["owner"], carol["events"]) == (
        "sal", "pat", [])
    assert (carol["source"], carol["last_touch"]) == ("sales", "sales")
    assert carol["history"][-1]["cause"] == "added by sales"

    # twice, another source, no name: refused
    for args, code in ((("--name", "Carol"), 1),
                       (("--name", "Carol", "--source", "web"), 2),
                       ((), 2)):
        r = site.leadctl("add", "carol@babbage.example", *args, check=False)
        assert r.returncode == code, (args, r.stderr)

    # lost, with a reason (one a spreadsheet would run, kept inert)
    r = site.leadctl("status", "carol@babbage.example", "lost", check=False)
    assert r.returncode == 1 and "reason" in r.stderr
    r = site.leadctl("status", "carol@babbage.example", "lost", "--reason",
                     "too dear", "--amount", "10", check=False)
    assert r.returncode == 2
    site.leadctl("status", "carol@babbage.example", "lost", "--reason",
                 "=HYPERLINK(\"http://evil.example\",\"x\")", "--by", "pat",
                 "--at", "2026-11-15")
    carol = ctl(site, "show", "carol@babbage.example")
    assert (carol["status"], carol["deal"], carol["amount"],
            carol["closed_at"]) == (
        "lost", "lost", None, "2026-11-15T00:00:00.000Z")
    assert carol["lost_reason"].startswith("=HYPERLINK")

    # won through leadctl: another currency, a close date, the owner kept
    site.leadctl("add", "dan@babbage.example", "--name", "Dan", "--by",
                 "pat")
    for args in (("sql",), ("won", "--amount", "12000.505"),
                 ("won", "--amount", "5000", "--currency", "usd"),
                 ("won", "--amount", "5000", "--at", "soon")):
        r = site.leadctl("status", "dan@babbage.example", *args,
                         check=False)
        assert r.returncode == (0 if args == ("sql",) else 2), args
    site.leadctl("status", "dan@babbage.example", "won", "--amount", "5000",
                 "--currency", "USD", "--at", "2026-11-30", "--by", "sam")
    dan = ctl(site, "show", "dan@babbage.example")
    assert (dan["deal"], dan["amount"], dan["amount_cents"], dan["currency"],
            dan["closed_at"], dan["owner"]) == (
        "won", "5000.00", 500000, "USD", "2026-11-30T00:00:00.000Z", "pat")

    out = site.leadctl("leads", "--csv").stdout
    rows = {row["email"]: row
            for row in csv.DictReader(io.StringIO(out, newline=""))}
    assert rows["carol@babbage.example"]["lost_reason"] == (
        "'=HYPERLINK(\"http://evil.example\",\"x\")")
    assert (rows["carol@babbage.example"]["source"],
            rows["carol@babbage.example"]["deal"]) == ("sales", "lost")
    assert (rows["dan@babbage.example"]["amount"],
            rows["dan@babbage.example"]["currency"]) == ("5000.00", "USD")
    by_json = {row["email"]: row for row in ctl(site, "leads")}
    assert by_json["dan@babbage.example"]["amount_cents"] == 500000


def test_source_is_the_last_touch_before_the_form(sales):
    site = sales
    b = Firefox(site)
    spaced_get(b, "/library/why-outages-cost.html")                # direct
    r = b.get("/library/hidden-costs-of-downtime.html",
              headers={"Referer": "https://news.example.com/story"})
    assert r.status_code == 200
    spaced_get(b, "/library/sd-wan-vs-mpls.html")                  # direct
    b.identify("eve@acme.example", name="Eve", ret="/")
    r = b.get("/library/sd-wan-vs-mpls.html?utm_source=mail"
              "&utm_medium=email")                                 # after
    settle(site, 4)
    eve = ctl(site, "show", "eve@acme.example")
    assert (eve["source"], eve["last_touch"]) == (
        "direct", "news.example.com")


def test_the_sites_own_hosts_are_no_source(prefix):
    """A link from any of the server's names (wildcards too) or from a
    host lead_site_hosts names is no referrer; another host's is."""
    n = Nginx(prefix, server="""
        server_name library.example.com *.example.org .example.net;
        lead_site_hosts blog.example.com;
        location / { lead_track on; }
        location /docs/ { lead_track on; lead_site_hosts off.example; }
""").start()
    try:
        sent = [("/page.html", "https://LIBRARY.example.com/x"),
                ("/page.html", "https://cdn.example.org/"),
                ("/page.html", "http://example.net:8443/a"),
                ("/page.html", "https://www.example.net/"),
                ("/page.html", "https://blog.example.com/post"),
                ("/page.html", "https://news.example.com/story"),
                ("/page.html", "https://example.org/"),
                ("/docs/a.html", "https://off.example/"),
                ("/docs/a.html", "https://blog.example.com/")]
        for path, referer in sent:
            r = n.get(path, headers={"Referer": referer,
                                     "Host": "www.example.org"})
            assert r.status_code == 200
        # two workers may store two reads of one millisecond either way
        evs = n.wait_events(len(sent))
        assert sorted((e["path"], e["referrer_host"]) for e in evs) == \
            sorted(zip([path for path, _ in sent],
                       ["", "", "", "", "", "news.example.com",
                        "example.org", "", "blog.example.com"]))
    finally:
        n.quit()


def test_a_hostile_source_is_inert(sales):
    site = sales
    b = Firefox(site)
    r = b.get("/library/why-outages-cost.html?utm_campaign=%3D1%2B1"
              "%3Cscript%3E")
    assert r.status_code == 200
    b.identify("mallory@acme.example", name="Mallory", ret="/")
    settle(site, 1)
    lead = ctl(site, "show", "mallory@acme.example")
    assert lead["source"] == "=1+1<script>"
    rows = list(csv.DictReader(io.StringIO(
        site.leadctl("leads", "--csv").stdout, newline="")))
    assert [row["source"] for row in rows] == ["'=1+1<script>"]
    page = Salesperson(site).get(f"lead/{lead['id']}").text
    assert "=1+1&lt;script&gt;" in page and "<script>" not in page.split(
        "<main")[-1]
