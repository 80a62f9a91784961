"""The sales view in a real browser: Debian's chromium, headless, via
selenium.

A visitor does the canonical journey in one browser profile; a salesperson
then works the leads in another profile (its own cookies, its own login):
the journey's lead tops the list with the map, is accepted; a second MQL is
rejected to marketing with a reason; the funnel shows both. The
salesperson's console must stay clean: no script error, no CSP violation.

Screenshots go to tests/out/ (or $LEAD_TEST_OUT) for people to look at.
"""

import base64
import json
import os
import shutil
import time

import pytest

from conftest import ROOT
from sales_site import USERS, start_sales_site
from test_journey import Firefox, poll

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from chromium import wait_until  # noqa: E402

OUT = os.environ.get("LEAD_TEST_OUT", os.path.join(ROOT, "tests", "out"))

EMAIL = "ada@lovelace-logistics.example"
NAME = "Ada Lovelace"
OTHER_EMAIL = "olga@orbital-freight.example"
OTHER_NAME = "Olga Orbital"
REASON = "no budget until next year"
MAP = "Network coverage map"

# headless chromium says "HeadlessChrome", which the profiler rightly takes
# for a bot (reads by bots score nothing): the visitor is a person's Chrome
DESKTOP_CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
                  "(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36")


def show(site, who):
    return json.loads(site.leadctl("show", who, "--json").stdout)


def wait_status(site, who, status):
    """The lead once the store says it has status (flush is 100 ms)."""
    return poll(lambda: show(site, who), lambda v: v["status"] == status,
                timeout=10)


@pytest.fixture
def site(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


@pytest.fixture
def browsers():
    if not shutil.which("chromedriver"):
        pytest.skip("chromium-driver is not installed")
    from chromium import drivers
    with drivers() as make:
        yield make


class Console:
    """Everything a browser logged; get_log drains the log, so each call
    keeps what it got."""

    def __init__(self, driver):
        self.driver = driver
        self.entries = []

    def collect(self):
        for e in self.driver.get_log("browser"):
            self.entries.append(e)
        return self.entries

    def severe(self):
        return [e for e in self.collect() if e["level"] == "SEVERE"]

    def csp(self):
        return [e for e in self.collect()
                if "Content Security Policy" in e["message"]]


def visitor_journey(site, driver):
    """Steps 1 to 4 of the canonical journey, clicked through in chromium:
    the why-outages article, the gate's form, the guide and 3 sections,
    the network map."""
    url = site.url
    driver.get(url + "/library/why-outages-cost.html")
    wait_until(driver, lambda d: "outages" in d.title.lower())

    # the guide is gated: the browser lands on the form about it
    driver.get(url + "/library/guide/")
    wait_until(driver, lambda d: "/lead/form?return=/library/guide/"
               in d.current_url and d.find_elements(By.ID, "email"))
    driver.find_element(By.ID, "name").send_keys(NAME)
    driver.find_element(By.ID, "email").send_keys(EMAIL)
    driver.find_element(By.ID, "subscribe").click()
    driver.find_element(By.TAG_NAME, "button").click()
    wait_until(driver, lambda d: d.current_url == url + "/library/guide/")
    assert "buying guide" in driver.find_element(
        By.TAG_NAME, "h1").text.lower()

    # three sections, as a reader would, a moment apart
    for page in ("1-requirements.html", "2-redundancy.html", "3-sla.html"):
        time.sleep(0.05)
        driver.get(url + "/library/guide/" + page)
        wait_until(driver, lambda d, p=page: d.current_url.endswith(
            "/library/guide/" + p))
    # stored before the map is read, so the map is the last read
    assert poll(lambda: [e["path"] for e in show(site, EMAIL)["events"]],
                lambda paths: "/library/guide/3-sla.html" in paths,
                timeout=10)

    # the map: a download or a rendered PDF, nginx serves it either way;
    # the store says when it was read (it makes the lead an MQL at once)
    time.sleep(0.05)
    driver.get(url + "/library/network-map.pdf")
    lead = wait_status(site, EMAIL, "mql")
    assert lead["status"] == "mql", lead["history"]
    assert lead["events"][-1]["path"] == "/library/network-map.pdf"
    assert lead["events"][0]["path"] == "/library/why-outages-cost.html"
    assert lead["events"][0]["before_identified"] is True
    return lead


def second_mql(site):
    """Another MQL, by requests: identified, then a hot asset (pricing)."""
    b = Firefox(site)
    b.identify(OTHER_EMAIL, name=OTHER_NAME, ret="/")
    time.sleep(0.05)
    r = b.get("/library/pricing.html")
    assert r.status_code == 200
    lead = wait_status(site, OTHER_EMAIL, "mql")
    assert lead["status"] == "mql", lead["history"]
    return lead


def salesperson(make, user="sam"):
    """A browser signed in to the sales view: Basic auth sent on every
    request with CDP (selenium has no login dialog to fill)."""
    driver = make()
    creds = base64.b64encode(f"{user}:{USERS[user]}".encode()).decode()
    driver.execute_cdp_cmd("Network.enable", {})
    driver.execute_cdp_cmd("Network.setExtraHTTPHeaders", {
        "headers": {"Authorization": "Basic " + creds}})
    return driver


def lead_row(driver, name):
    """The leads list's row whose lead link says name."""
    for row in driver.find_elements(By.CSS_SELECTOR, "table.leads tbody tr"):
        if row.find_element(By.CSS_SELECTOR, "td.lead a").text == name:
            return row
    raise AssertionError(f"no row for {name}")


def text(element):
    """What the page says, not how CSS shows it (badges are uppercased)."""
    return element.get_attribute("textContent").strip()


def page_status(driver):
    return text(driver.find_element(
        By.CSS_SELECTOR, "section.facts span.status"))


def test_sales_view_in_a_browser(site, browsers):
    os.makedirs(OUT, exist_ok=True)
    sales = site.url + "/lead/sales/"

    # 1. the visitor's own profile
    visitor = browsers(420, 900, user_agent=DESKTOP_CHROME)
    visitor_log = Console(visitor)
    ada = visitor_journey(site, visitor)
    assert visitor_log.csp() == [], visitor_log.entries

    # 2. a second MQL, to be rejected
    olga = second_mql(site)

    # 3. the salesperson, in another profile
    driver = salesperson(browsers)
    console = Console(driver)

    # 4. the list: the journey's lead on top, the map, a new MQL
    driver.get(sales)
    wait_until(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, "table.leads tbody tr"))
    assert "Signed in as sam" in driver.find_element(
        By.CSS_SELECTOR, "header .user").text
    first = driver.find_elements(By.CSS_SELECTOR, "table.leads tbody tr")[0]
    link = first.find_element(By.CSS_SELECTOR, "td.lead a")
    assert link.text == NAME
    cells = [td.text for td in first.find_elements(By.TAG_NAME, "td")]
    assert MAP in cells[6], cells             # "Top hot content" column
    assert text(first.find_element(By.CSS_SELECTOR, ".badge.new")) == \
        "new MQL"
    assert text(first.find_element(By.CSS_SELECTOR, "span.status")) == "mql"
    driver.save_screenshot(os.path.join(OUT, "sales-leads.png"))

    # 5. the lead: the map is hot, the first read is before the form
    link.click()
    wait_until(driver, lambda d: d.current_url == sales + "lead/" + ada["id"]
               and d.find_elements(By.ID, "accept"))
    assert driver.find_element(By.TAG_NAME, "h1").text.startswith(NAME)
    hot = [li.text for li in driver.find_elements(
        By.CSS_SELECTOR, "ol.hot li")]
    assert any(MAP in li for li in hot), hot
    before = {text(tr.find_element(By.TAG_NAME, "code")): tr
              for tr in driver.find_elements(
                  By.CSS_SELECTOR, "table.timeline tbody tr.before")}
    assert "/library/why-outages-cost.html" in before, list(before)
    assert text(before["/library/why-outages-cost.html"].find_element(
        By.CSS_SELECTOR, ".badge.before")) == "before identifying"
    driver.save_screenshot(os.path.join(OUT, "sales-lead.png"))

    driver.find_element(By.ID, "accept").click()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice"))
    assert "Accepted" in driver.find_element(By.CSS_SELECTOR, "p.notice").text
    assert page_status(driver) == "sal"
    lead = show(site, EMAIL)
    assert lead["status"] == "sal"
    last = lead["history"][-1]
    assert (last["from"], last["to"], last["who"]) == ("mql", "sal", "sam")

    # 6. back to the list, the second lead, rejected with a reason
    driver.find_element(By.LINK_TEXT, "← All leads").click()
    wait_until(driver, lambda d: d.current_url == sales and
               d.find_elements(By.CSS_SELECTOR, "table.leads tbody tr"))
    lead_row(driver, OTHER_NAME).find_element(
        By.CSS_SELECTOR, "td.lead a").click()
    wait_until(driver, lambda d: d.current_url == sales + "lead/"
               + olga["id"] and d.find_elements(By.ID, "reject"))
    driver.find_element(By.ID, "reason").send_keys(REASON)
    driver.find_element(By.ID, "reject").click()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice"))
    assert page_status(driver) == "nurture"
    history = driver.find_element(By.CSS_SELECTOR, "ol.history").text
    assert REASON in history and "(by sam)" in history
    lead = show(site, OTHER_EMAIL)
    assert lead["status"] == "nurture"
    last = lead["history"][-1]
    assert (last["from"], last["to"], last["who"], last["reason"]) == (
        "mql", "nurture", "sam", REASON)

    # 7. the funnel: both decisions counted by status
    driver.get(sales + "funnel")
    wait_until(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, "table.bars tbody th span.status"))
    assert driver.find_element(By.TAG_NAME, "h1").text == "Funnel"
    # status -> (now, ever), from the "Leads by status" table
    statuses = {}
    for tr in driver.find_elements(By.CSS_SELECTOR, "table.bars tbody tr"):
        status = tr.find_elements(By.CSS_SELECTOR, "th span.status")
        if status:
            nums = [text(td) for td in tr.find_elements(By.CSS_SELECTOR,
                                                        "td.num")]
            statuses[text(status[0])] = (nums[0], nums[1])
    assert statuses["sal"] == ("1", "1"), statuses
    assert statuses["nurture"] == ("1", "1"), statuses
    assert statuses["mql"] == ("0", "2"), statuses
    driver.save_screenshot(os.path.join(OUT, "sales-funnel.png"))

    # 8. a clean console: no error, no CSP violation, on any page
    assert console.severe() == [], console.entries
    assert console.csp() == [], console.entries
    assert visitor_log.csp() == [], visitor_log.entries
