"""The form in a real browser: Debian's chromium, headless, via selenium.

Screenshots go to tests/out/ (or $LEAD_TEST_OUT) for people to look at.
"""

import json
import os
import shutil
import tempfile

import pytest

from conftest import ROOT, Nginx, copy_site

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402


def wait_until(browser, condition, seconds=10):
    """A click starts a navigation; wait for where it leads, bounded."""
    WebDriverWait(browser, seconds).until(lambda d: condition(d))

OUT = os.environ.get("LEAD_TEST_OUT", os.path.join(ROOT, "tests", "out"))

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
"""

SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
"""


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    n = Nginx(prefix, http=HTTP, server=SERVER)
    try:
        yield n.start()
    finally:
        n.quit()


@pytest.fixture
def browser():
    if not shutil.which("chromedriver"):
        pytest.skip("chromium-driver is not installed")
    profile = tempfile.mkdtemp(prefix="lead-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = "/usr/bin/chromium"
    for flag in ("--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking", "--no-first-run",
                 "--disable-component-update", "--disable-sync",
                 "--window-size=420,900", f"--user-data-dir={profile}"):
        opts.add_argument(flag)
    service = webdriver.ChromeService("/usr/bin/chromedriver") \
        if hasattr(webdriver, "ChromeService") else None
    driver = webdriver.Chrome(options=opts, service=service) if service \
        else webdriver.Chrome(options=opts)
    try:
        yield driver
    finally:
        pid = driver.service.process.pid
        driver.quit()
        try:
            os.kill(pid, 9)          # the driver, if quit left it behind
        except ProcessLookupError:
            pass
        shutil.rmtree(profile, ignore_errors=True)


def test_fill_the_form_and_read_the_guide(site, browser):
    os.makedirs(OUT, exist_ok=True)
    browser.get(site.url + "/library/why-outages-cost.html")
    assert "outages" in browser.title.lower()

    browser.get(site.url + "/library/guide/")
    # the gate sent the browser to the form, about the guide
    assert "/lead/form?return=/library/guide/" in browser.current_url
    h1 = browser.find_element(By.TAG_NAME, "h1").text
    assert "The buying guide to business fibre" in h1
    labels = [e.text for e in browser.find_elements(By.TAG_NAME, "label")]
    assert "Your name" in labels and "Work e-mail" in labels
    assert "Send me updates about fibre" in labels
    browser.save_screenshot(os.path.join(OUT, "form.png"))

    # a mistake is shown next to its field, and what was typed stays
    browser.find_element(By.ID, "name").send_keys("Ada Lovelace")
    browser.find_element(By.ID, "email").send_keys("ada@")
    browser.find_element(By.TAG_NAME, "button").click()
    wait_until(browser, lambda d: d.find_elements(By.ID, "email-error"))
    error = browser.find_element(By.ID, "email-error").text
    assert "e-mail address" in error
    assert browser.find_element(By.ID, "name").get_attribute("value") == \
        "Ada Lovelace"
    browser.save_screenshot(os.path.join(OUT, "form-error.png"))

    email = browser.find_element(By.ID, "email")
    email.clear()
    email.send_keys("ada@northwind-customer.example")
    browser.find_element(By.ID, "subscribe").click()
    browser.find_element(By.TAG_NAME, "button").click()
    wait_until(browser, lambda d: d.current_url == site.url
               + "/library/guide/")

    assert browser.current_url == site.url + "/library/guide/"
    assert "buying guide" in browser.find_element(
        By.TAG_NAME, "h1").text.lower()
    browser.find_element(By.PARTIAL_LINK_TEXT, "requirements").click()
    wait_until(browser, lambda d: d.current_url.endswith(
        "/library/guide/1-requirements.html"))
    browser.save_screenshot(os.path.join(OUT, "guide.png"))

    site.wait_events(3)
    (lead,) = json.loads(site.leadctl("leads", "--json").stdout)
    assert lead["email"] == "ada@northwind-customer.example"
    assert lead["topics"] == "fibre"
    events = json.loads(site.leadctl("show", lead["id"],
                                     "--json").stdout)["events"]
    assert events[0]["path"] == "/library/why-outages-cost.html"
    assert events[0]["before_identified"] is True
