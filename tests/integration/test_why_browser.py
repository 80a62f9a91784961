"""The lead page people trust at a glance, in a real browser (Debian's
chromium, headless): the journey's lead shows a "why" whose rows add up
to its score and a hot list led by the network map; a lead whose every
read came from headless chromium says so in one line. Screenshots go to
tests/out/ (or $LEAD_TEST_OUT)."""

import os
import re

import pytest

from test_sales_browser import DESKTOP_CHROME, EMAIL, MAP, NAME, OUT, \
    Console, browsers, salesperson, show, site, text, visitor_journey  # noqa
from test_journey import poll

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from chromium import wait_until  # noqa: E402

BOT_EMAIL = "hal@headless.example"
BOT_NAME = "Hal Headless"
BOTS_RE = re.compile(r"^(\d+) reads? by an automated agent, not scored: "
                     r"HeadlessChrome$")


def points(cell):
    """"+40", "−20" (a minus sign) or "= 90" as a number."""
    return int(cell.replace("\u2212", "-").replace("=", "").strip())


def headless_reader(site, driver):
    """Headless chromium as it is (its agent says HeadlessChrome): the
    form, then the guide, three sections and the map."""
    url = site.url
    driver.get(url + "/library/guide/")
    wait_until(driver, lambda d: d.find_elements(By.ID, "email"))
    driver.find_element(By.ID, "name").send_keys(BOT_NAME)
    driver.find_element(By.ID, "email").send_keys(BOT_EMAIL)
    driver.find_element(By.TAG_NAME, "button").click()
    wait_until(driver, lambda d: d.current_url == url + "/library/guide/")
    for page in ("1-requirements.html", "2-redundancy.html", "3-sla.html"):
        driver.get(url + "/library/guide/" + page)
        wait_until(driver, lambda d, p=page: d.current_url.endswith(p))
    driver.get(url + "/library/network-map.pdf")
    return poll(lambda: show(site, BOT_EMAIL),
                lambda v: len(v["events"]) >= 5, timeout=10)


def test_lead_page_explains_itself(site, browsers):  # noqa: F811
    os.makedirs(OUT, exist_ok=True)
    sales = site.url + "/lead/sales/"

    ada = visitor_journey(site, browsers(420, 900,
                                         user_agent=DESKTOP_CHROME))
    hal = headless_reader(site, browsers(420, 900))
    assert hal["status"] == "identified" and hal["score"] == 0
    assert {e["ua"] for e in hal["events"]} == {"bot"}

    driver = salesperson(browsers)
    console = Console(driver)

    # the list: the journey's lead first, its top hot content the map
    driver.get(sales)
    wait_until(driver, lambda d: d.find_elements(
        By.CSS_SELECTOR, "table.leads tbody tr"))
    first = driver.find_elements(By.CSS_SELECTOR, "table.leads tbody tr")[0]
    assert first.find_element(By.CSS_SELECTOR, "td.lead a").text == NAME
    cells = [td.text for td in first.find_elements(By.TAG_NAME, "td")]
    assert MAP in cells[6], cells

    # the lead: why's rows add up to the score shown, the map leads hot
    driver.get(sales + "lead/" + ada["id"])
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR,
                                                 "table.why tr.total"))
    score = int(text(driver.find_element(By.CSS_SELECTOR, "span.big")))
    rows = driver.find_elements(By.CSS_SELECTOR, "table.why tr")
    parts = [points(text(r.find_element(By.CSS_SELECTOR, "td.num")))
             for r in rows if "total" not in r.get_attribute("class")]
    total = driver.find_element(By.CSS_SELECTOR, "table.why tr.total td.num")
    assert sum(parts) == score == points(text(total)) == \
        show(site, EMAIL)["score"], (parts, score)
    titles = [text(r.find_elements(By.TAG_NAME, "td")[1]) for r in rows]
    assert "Buying guide, parts 1 to 4" in titles        # the group's
    assert "guide" not in titles
    hot = [text(li.find_element(By.TAG_NAME, "strong"))
           for li in driver.find_elements(By.CSS_SELECTOR, "ol.hot li")]
    assert hot[0] == MAP and len(hot) <= 5, hot
    assert "Content hub home" not in hot
    profile = text(driver.find_element(By.CSS_SELECTOR, "p.profile"))
    assert "not part of the score" in profile
    driver.execute_script("arguments[0].scrollIntoView()", driver.find_element(
        By.XPATH, "//h2[text()='Hot content']"))
    driver.save_screenshot(os.path.join(OUT, "why-lead.png"))

    # the bot-only lead: one line says why there is nothing to show
    driver.get(sales + "lead/" + hal["id"])
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR,
                                                 "p.empty"))
    lines = [text(p) for p in driver.find_elements(By.CSS_SELECTOR,
                                                   "p.empty")]
    m = BOTS_RE.match(lines[0])
    assert m and int(m.group(1)) == len(hal["events"]), lines
    assert "Nothing read yet." not in lines
    counted = [text(td) for td in driver.find_elements(
        By.CSS_SELECTOR, "table.timeline tbody td.num:nth-of-type(4)")]
    assert counted and all(c == "0: bot" for c in counted), counted
    assert not any(c.startswith("+") for c in counted)
    driver.save_screenshot(os.path.join(OUT, "why-bot-lead.png"))

    assert console.severe() == [], console.entries
    assert console.csp() == [], console.entries
