"""Attribution through the real nginx: the canonical journey, arrived from a
LinkedIn campaign, accepted, qualified and won with an amount; leadctl
attribution credits the network map with the MQL and the revenue, the
gated guide with the identification, the campaign as the source; the
sales view's "Content & campaigns" page and its JSON say the same, in a
real browser too."""

import json
import os
import shutil
from datetime import datetime, timedelta, timezone

import pytest

from sales_site import Salesperson, start_sales_site
from test_journey import Firefox, poll, settle, spaced_get

EMAIL = "ada@lovelace-logistics.example"
OTHER = "olga@orbital-freight.example"
MAP = "Network coverage map"
GUIDE = "The buying guide to business fibre"
FIRST = "/library/why-outages-cost.html"
CAMPAIGN = "?utm_source=linkedin&utm_medium=social&utm_campaign=q4-fibre"


@pytest.fixture
def site(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def ctl_json(site, *args):
    return json.loads(site.leadctl(*args, "--json").stdout)


def wait_status(site, who, status):
    return poll(lambda: ctl_json(site, "show", who),
                lambda v: v["status"] == status, timeout=10)


def journey(site):
    """The canonical journey from a campaign's link, to an MQL by the map;
    then sales accept, qualify and win 12,000.50."""
    b = Firefox(site)
    spaced_get(b, FIRST + CAMPAIGN)

    # the guide's gate sends the visitor to the form, the form back
    r = b.get("/library/guide/")
    assert r.status_code == 303
    b.fill_form(r.headers["Location"], name="Ada Lovelace", email=EMAIL)
    for path in ("/library/guide/", "/library/guide/1-requirements.html",
                 "/library/guide/2-redundancy.html",
                 "/library/guide/3-sla.html"):
        spaced_get(b, path)
    settle(site, 5)

    spaced_get(b, "/library/network-map.pdf")
    settle(site, 6)
    lead = wait_status(site, EMAIL, "mql")
    assert lead["status"] == "mql", lead["history"]

    for to, more in (("sal", ()), ("sql", ()),
                     ("won", ("--amount", "12000.50"))):
        site.leadctl("status", EMAIL, to, "--by", "sam", *more)
    return lead


def lost_lead(site, count):
    """Another MQL (pricing), accepted, then lost with a reason."""
    b = Firefox(site)
    b.identify(OTHER, name="Olga Orbital", ret="/")
    spaced_get(b, "/library/pricing.html")
    settle(site, count)
    assert wait_status(site, OTHER, "mql")["status"] == "mql"
    site.leadctl("status", OTHER, "sal", "--by", "sam")
    site.leadctl("status", OTHER, "lost", "--reason", "went with a rival",
                 "--by", "sam")


def rows(report):
    return {row["name"]: row for row in report["rows"]}


def test_attribution_of_the_canonical_journey(site):
    journey(site)
    lost_lead(site, 7)

    # by asset, last touch: the map made the MQL and takes the revenue
    report = ctl_json(site, "attribution", "--by", "asset", "--model",
                      "last")
    by_asset = rows(report)
    assert report["currency"] == "EUR" and report["revenue"] == 1200050
    assert report["won_leads"] == 1 and report["unattributed"] == 0
    m = by_asset[MAP]
    assert (m["mqls"], m["identified"], m["won"], m["revenue"]) == (
        1, 0, 1, 1200050), m
    assert m["revenue_last"] == 1200050 and m["readers"] == 1
    # the gated guide sent Ada to the form: its identification
    g = by_asset[GUIDE]
    assert (g["identified"], g["mqls"], g["won"]) == (1, 0, 1), g
    # the first read takes first touch; pricing made Olga's MQL, lost
    assert by_asset["Why network outages cost more than you think"][
        "revenue_first"] == 1200050
    p = by_asset["Pricing overview"]
    assert (p["mqls"], p["sal"], p["lost"], p["won"]) == (1, 1, 1, 0), p
    assert report["total"]["lost"] == 1 and report["total"]["won"] == 1
    # every model credits the whole amount, linear to the cent
    for model in ("first", "last", "linear"):
        assert sum(r["revenue_" + model] for r in report["rows"]) == 1200050
    assert report["rows"][0]["name"] == MAP         # sorted by last touch

    # by campaign: the campaign of the first read is Ada's source
    report = ctl_json(site, "attribution", "--by", "campaign")
    c = rows(report)["q4-fibre"]
    assert (c["identified"], c["mqls"], c["won"]) == (1, 1, 1), c
    assert (c["revenue_first"], c["revenue_last"],
            c["revenue_linear"]) == (1200050, 1200050, 1200050)
    assert rows(report)["(none)"]["lost"] == 1        # Olga came direct

    # the rules' campaigns.csv: its costs, per lead, MQL, won, order dollar
    report = ctl_json(site, "attribution", "--by", "campaign", "--rules",
                      os.path.join(site.prefix, "rules"))
    c = rows(report)["q4-fibre"]
    assert (c["cost"], c["cost_per_lead"], c["cost_per_mql"],
            c["cost_per_won"], c["cost_per_order_dollar"]) == (
        500000, 500000, 500000, 500000, 0.4166), c
    assert rows(report)["spring-webinar"]["cost_per_lead"] is None
    assert report["total"]["cost"] == 680000

    # by channel: utm_source/medium
    report = ctl_json(site, "attribution", "--by", "channel")
    assert rows(report)["linkedin/social"]["revenue_first"] == 1200050

    # the text report: the three models side by side
    text = site.leadctl("attribution", "--model", "linear").stdout
    assert "first" in text and "last" in text and "linear" in text
    assert MAP in text and "12000.50" in text

    # bad options are usage errors
    r = site.leadctl("attribution", "--by", "owner", check=False)
    assert r.returncode == 2 and "--by takes" in r.stderr


def day(offset=0):
    return (datetime.now(timezone.utc).date()
            + timedelta(days=offset)).isoformat()


def test_attribution_json_agrees_with_leadctl(site):
    journey(site)

    # a day's window: until today is until tomorrow's midnight
    sales = Salesperson(site)
    for by, model in (("asset", "first"), ("campaign", "linear"),
                      ("channel", "last")):
        r = sales.get("attribution.json", params={
            "by": by, "model": model, "since": day(), "until": day()})
        assert r.status_code == 200, r.text
        assert r.headers["Content-Type"] == "application/json"
        want = site.leadctl("attribution", "--json", "--by", by, "--model",
                            model, "--since", day(), "--now", day(1),
                            "--rules", os.path.join(site.prefix, "rules")
                            ).stdout
        assert r.text == want

    # tomorrow on: nothing
    r = sales.get("attribution.json", params={"since": day(1),
                                              "until": day(1)})
    assert json.loads(r.text)["rows"] == []

    r = sales.get("attribution", params={"since": "yesterday"})
    assert r.status_code == 400


def test_attribution_page_in_a_browser(site):
    if not shutil.which("chromedriver"):
        pytest.skip("chromium-driver is not installed")
    pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.common.by import By
    from chromium import drivers, wait_until
    from test_sales_browser import Console, salesperson, text

    journey(site)
    base = site.url + "/lead/sales/"
    with drivers() as make:
        driver = salesperson(make)
        console = Console(driver)

        # from the nav, the page; then today's window, by last touch
        driver.get(base)
        wait_until(driver, lambda d: d.find_elements(
            By.LINK_TEXT, "Content & campaigns"))
        driver.find_element(By.LINK_TEXT, "Content & campaigns").click()
        wait_until(driver, lambda d: d.find_elements(
            By.CSS_SELECTOR, "table.attribution tbody tr"))
        assert driver.find_element(By.TAG_NAME, "h1").text == \
            "Content & campaigns"
        for name in ("since", "until"):        # a date picker's value
            driver.execute_script("arguments[0].value = arguments[1]",
                                  driver.find_element(By.NAME, name), day())
        driver.find_element(By.CSS_SELECTOR,
                            "select[name=model] option[value=last]").click()
        driver.find_element(By.CSS_SELECTOR, "form.filters button").click()
        wait_until(driver, lambda d: "until=" in d.current_url)
        assert f"since={day()}" in driver.current_url, driver.current_url

        # every row agrees with leadctl to the unit (and the cent)
        want = rows(ctl_json(site, "attribution", "--model", "last",
                             "--since", day(), "--now", day(1)))

        seen = {}
        for tr in driver.find_elements(By.CSS_SELECTOR,
                                       "table.attribution tbody tr"):
            name = text(tr.find_element(By.TAG_NAME, "th"))
            cells = tr.find_elements(By.TAG_NAME, "td")
            seen[name] = [text(td) for td in cells[:7]] + [
                int(td.get_attribute("data-cents")) for td in cells[7:]]
        assert set(seen) == set(want), (seen, want)
        for name, row in want.items():
            assert seen[name] == [
                str(row[k]) for k in ("readers", "identified", "mqls",
                                      "sal", "sql", "won", "lost")] + [
                row["revenue_first"], row["revenue_last"],
                row["revenue_linear"]], name
        first = driver.find_elements(By.CSS_SELECTOR,
                                     "table.attribution tbody tr")[0]
        assert text(first.find_element(By.TAG_NAME, "th")) == MAP
        assert "12000.50" in first.text

        # by campaign, the costs table: nginx's rules have campaigns.csv
        driver.get(base + f"attribution?by=campaign&since={day()}"
                   f"&until={day()}")
        wait_until(driver, lambda d: d.find_elements(
            By.CSS_SELECTOR, "table.costs tbody tr"))
        costs = {text(tr.find_element(By.TAG_NAME, "th")):
                 [text(td) for td in tr.find_elements(By.TAG_NAME, "td")]
                 for tr in driver.find_elements(By.CSS_SELECTOR,
                                                "table.costs tbody tr")}
        assert costs["q4-fibre"] == ["5000.00", "5000.00", "5000.00",
                                     "5000.00", "0.4166"], costs
        assert costs["spring-webinar"][:2] == ["1800.00", "—"], costs

        # tomorrow on: an empty window
        tomorrow = day(1)
        driver.get(base + f"attribution?since={tomorrow}&until={tomorrow}")
        wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR,
                                                     "p.empty"))
        assert driver.find_elements(By.CSS_SELECTOR,
                                    "table.attribution tbody tr") == []
        out = os.environ.get("LEAD_TEST_OUT")
        if out:
            driver.save_screenshot(os.path.join(out, "sales-attribution.png"))
        assert console.severe() == [], console.entries
