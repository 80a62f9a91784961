"""The feedback form in a real browser with JavaScript off: Debian's
chromium, headless, via selenium, on a demo article whose "Was this
useful?" section nginx fills by SSI; then the rating on the asset's page
of the sales view.  Screenshots go to tests/out/ (or $LEAD_TEST_OUT):
feedback-form.png (filled in), feedback-thanks.png, feedback-asset.png.
"""

import os
import shutil

import pytest

from conftest import FEEDBACK_HTTP, FEEDBACK_SERVER, ROOT, Nginx, copy_site

pytest.importorskip("selenium.webdriver")
from selenium.webdriver.common.by import By  # noqa: E402

from chromium import wait_until  # noqa: E402


OUT = os.environ.get("LEAD_TEST_OUT", os.path.join(ROOT, "tests", "out"))
ARTICLE = "/library/sd-wan-vs-mpls.html"


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    # the sales view as well, local only (signed in or not is the
    # sales tests' concern)
    server = FEEDBACK_SERVER + """
        location /lead/sales/ {
            lead_sales;
            allow 127.0.0.1;
            deny all;
        }
"""
    n = Nginx(prefix, http=FEEDBACK_HTTP, server=server)
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
        driver = make(1000, 900)
        # no script runs on any page this browser opens: the form needs none
        driver.execute_cdp_cmd("Emulation.setScriptExecutionDisabled",
                               {"value": True})
        yield driver


def test_rate_an_article_with_javascript_off(site, browser):
    os.makedirs(OUT, exist_ok=True)
    browser.get(site.url + ARTICLE)
    assert "SD-WAN" in browser.title

    section = browser.find_element(By.CSS_SELECTOR, "section.feedback")
    assert section.find_element(By.TAG_NAME, "h2").text == "Was this useful?"
    legend = section.find_element(By.TAG_NAME, "legend").text
    assert legend.startswith("How useful was \u201cSD-WAN vs MPLS")
    assert not section.find_elements(By.TAG_NAME, "script")

    # a label picks its radio button: the scale is usable without a mouse
    # on the small circles
    section.find_element(By.CSS_SELECTOR, "label[for=lead-rating-4]").click()
    assert browser.find_element(By.ID, "lead-rating-4").is_selected()
    comment = browser.find_element(By.ID, "lead-comment")
    comment.send_keys("Clear comparison.\nThe cost table helped our review.")
    assert section.location_once_scrolled_into_view is not None
    browser.save_screenshot(os.path.join(OUT, "feedback-form.png"))

    section.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    wait_until(browser, lambda d: "feedback=thanks" in d.current_url)
    assert browser.current_url == (site.url + ARTICLE
                                   + "?feedback=thanks#feedback")

    thanks = browser.find_element(By.CSS_SELECTOR, ".lead-feedback-thanks")
    assert "Thank you for your feedback" in thanks.text
    # the form is there again, to change the rating
    assert browser.find_element(By.ID, "lead-rating-1")
    browser.save_screenshot(os.path.join(OUT, "feedback-thanks.png"))

    # the rating is stored: the article's two reads and the feedback
    evs = site.wait_events(3)
    feedback = [e for e in evs if e["status"] == 0]
    assert len(feedback) == 1 and feedback[0]["path"] == ARTICLE
    assert len([e for e in evs if e["status"] == 200
                and e["path"] == ARTICLE]) == 2
    assert feedback[0]["kind"] == "rate" and feedback[0]["rating"] == 4
    assert feedback[0]["comment"] == ("Clear comparison.\nThe cost "
                                      "table helped our review.")

    # marketers see it: Content & campaigns lists it, its page says it
    browser.get(site.url + "/lead/sales/attribution")
    browser.find_element(By.LINK_TEXT, "SD-WAN vs MPLS: which, when, "
                         "and why").click()
    wait_until(browser, lambda d: "/lead/sales/asset/" in d.current_url)
    ratings = browser.find_element(By.ID, "ratings").text
    assert ratings.startswith("4.0 \u2605 average of 1 ratings"), ratings
    said = browser.find_element(By.CSS_SELECTOR, "ol.comments li").text
    assert "a visitor" in said and "The cost table helped" in said
    browser.save_screenshot(os.path.join(OUT, "feedback-asset.png"))
