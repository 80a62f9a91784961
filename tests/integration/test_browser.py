"""The form in a real browser: Debian's chromium, headless, via selenium.

Screenshots go to tests/out/ (or $LEAD_TEST_OUT) for people to look at.
"""

import json
import os
import shutil

import pytest

from conftest import ROOT, Nginx, copy_site
from test_gate import HTTP

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from chromium import wait_until  # noqa: E402


OUT = os.environ.get("LEAD_TEST_OUT", os.path.join(ROOT, "tests", "out"))

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
    from chromium import drivers
    with drivers() as make:
        yield make(420, 900)


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
