"""What to do next, in a real browser (Debian's headless chromium): the
leads list shows each MQL's age, the overdue mark in red and the "asked
for a call" badge, with calls first; a salesperson assigns a lead to
themselves on its page, and the "mine" filter then shows it alone.

The store is flushed once a minute here, so nginx's write thread (which
returns overdue MQLs to nurture at a flush) leaves the overdue lead as it
is while the page is read: the list shows the clock as it stands.
"""

import json
import os
import shutil
import time

import pytest

from conftest import ROOT, Nginx, copy_site
from sales_site import SERVER, USERS
from test_journey import Firefox

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from chromium import wait_until  # noqa: E402
from test_sales_browser import Console, lead_row, salesperson, text  # noqa

OUT = os.environ.get("LEAD_TEST_OUT", os.path.join(ROOT, "tests", "out"))

HTTP = """
    lead_store {prefix}/store flush=60s;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
"""
WITHIN = 5          # accept_within, seconds


def show(site, who):
    return json.loads(site.leadctl("show", who, "--json").stdout)


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    path = os.path.join(prefix, "rules", "scoring.conf")
    with open(path) as f:
        conf = f.read()
    with open(path, "w") as f:
        f.write(conf + f"\naccept_within {WITHIN}s;\n")
    with open(os.path.join(prefix, "sales.htpasswd"), "w") as f:
        for user, password in USERS.items():
            f.write(f"{user}:{{PLAIN}}{password}\n")
    n = Nginx(prefix, http=HTTP,
              server=SERVER.replace("{prefix}", prefix)).start()
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


def test_list_shows_what_to_do_next(site, browsers):
    os.makedirs(OUT, exist_ok=True)
    sales = site.url + "/lead/sales/"
    started = time.time()

    # Ola asks for a call, then waits past the deadline; Cara asks later;
    # Ivan only filled the form (identified, nothing to do yet)
    Firefox(site).identify("ola@orbital.example", name="Ola Overdue",
                           ret="/", contact="1")
    time.sleep(WITHIN + 0.5)
    Firefox(site).identify("ivan@idle.example", name="Ivan Idle", ret="/")
    Firefox(site).identify("cara@caller.example", name="Cara Caller",
                           ret="/", contact="1")
    assert show(site, "ola@orbital.example")["overdue"] is True

    driver = salesperson(browsers)
    console = Console(driver)
    driver.get(sales)
    wait_until(driver, lambda d: len(d.find_elements(
        By.CSS_SELECTOR, "table.leads tbody tr")) == 3)

    # calls first, the newest of them first (nobody read anything)
    names = [a.text for a in driver.find_elements(
        By.CSS_SELECTOR, "table.leads tbody td.lead a")]
    assert names == ["Cara Caller", "Ola Overdue", "Ivan Idle"], names

    ola = lead_row(driver, "Ola Overdue")
    waiting = ola.find_element(By.CSS_SELECTOR, ".waiting")
    assert text(waiting).startswith("waiting ") and \
        text(waiting).endswith(", overdue"), text(waiting)
    assert "overdue" in waiting.get_attribute("class").split()
    assert waiting.value_of_css_property("color") == "rgba(179, 38, 30, 1)"
    assert text(ola.find_element(By.CSS_SELECTOR, ".badge.call")) == \
        "asked for a call"

    cara = lead_row(driver, "Cara Caller")
    waiting = cara.find_element(By.CSS_SELECTOR, ".waiting")
    assert text(waiting) == "waiting 0 min", text(waiting)
    assert "overdue" not in waiting.get_attribute("class").split()
    assert cara.find_elements(By.CSS_SELECTOR, ".badge.call")

    ivan = lead_row(driver, "Ivan Idle")
    assert not ivan.find_elements(By.CSS_SELECTOR, ".waiting")
    assert not ivan.find_elements(By.CSS_SELECTOR, ".badge.call")
    driver.save_screenshot(os.path.join(OUT, "sla-leads.png"))

    # Cara's page: nobody owns her; sam assigns her to himself
    cara.find_element(By.CSS_SELECTOR, "td.lead a").click()
    wait_until(driver, lambda d: d.find_elements(By.ID, "assign"))
    assert text(driver.find_element(By.CSS_SELECTOR, "dd.owner")) == "nobody"
    field = driver.find_element(By.ID, "owner")
    field.clear()
    field.send_keys("sam")
    driver.find_element(By.ID, "assign").click()
    wait_until(driver, lambda d: d.find_elements(By.CSS_SELECTOR, "p.notice"))
    assert text(driver.find_element(By.CSS_SELECTOR, "p.notice")) == \
        "Owner changed."
    assert text(driver.find_element(By.CSS_SELECTOR, "dd.owner")) == "sam"
    assert show(site, "cara@caller.example")["owner"] == "sam"

    # the list, "mine" ticked: Cara alone, with her owner
    driver.get(sales)
    wait_until(driver, lambda d: d.find_elements(By.NAME, "mine"))
    driver.find_element(By.NAME, "mine").click()      # submits at once
    wait_until(driver, lambda d: "mine=1" in d.current_url and len(
        d.find_elements(By.CSS_SELECTOR, "table.leads tbody tr")) == 1)
    (row,) = driver.find_elements(By.CSS_SELECTOR, "table.leads tbody tr")
    assert row.find_element(By.CSS_SELECTOR, "td.lead a").text == \
        "Cara Caller"
    assert text(row.find_element(By.CSS_SELECTOR, "td.owner")) == "sam"
    assert driver.find_element(By.NAME, "mine").is_selected()
    driver.save_screenshot(os.path.join(OUT, "sla-mine.png"))

    # "unassigned" instead: the other two
    driver.find_element(By.NAME, "mine").click()
    wait_until(driver, lambda d: "mine=1" not in d.current_url)
    driver.find_element(By.NAME, "unassigned").click()
    wait_until(driver, lambda d: "unassigned=1" in d.current_url and len(
        d.find_elements(By.CSS_SELECTOR, "table.leads tbody tr")) == 2)

    # all of it before nginx's first flush, which would return Ola
    assert time.time() - started < 55
    assert show(site, "ola@orbital.example")["status"] == "mql"
    assert console.severe() == [], console.entries
    assert console.csp() == [], console.entries
