"""The form out of the box: "lead_form;" without a template serves the
page built in, and the README's recommended limits (form POSTs only,
10 a minute per address) answer a refused post with the form again and a
plain message, at 429 and 413; in requests and in headless chromium.
"""

import json
import os
import re
import shutil

import pytest
import requests

from conftest import Nginx, copy_site

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;

    map $request_method $lead_form_limit {
        POST     $binary_remote_addr;
        default  "";
    }
    limit_req_zone $lead_form_limit zone=lead_form:1m rate=10r/m;
"""

# the README's form location, as it is, and two more: a small
# client_max_body_size (nginx's own 413), and a site's own template
SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
        }
        location = /lead/form {
            lead_form;
            lead_form_contact on;
            limit_req zone=lead_form burst=5 nodelay;
            limit_req_status 429;
            error_page 413 429 /lead/form?$args;
        }
        location = /small/form {
            lead_form;
            client_max_body_size 1k;
            error_page 413 429 /small/form?$args;
        }
        location = /own/form {
            lead_form;
            lead_form_template html/own-form.html;
        }
"""

BUSY = "Too many tries from your network, please wait a minute"
LONG = "That is longer than the form accepts"
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}

# a site's template of before the messages: no "busy", no "too_long"
OWN = """<!doctype html><title>Own</title><form method="post"
action="{{action}}"><input type="hidden" name="token" value="{{token}}">
<input name="email" value="{{email}}">{{email_error}}</form>
"""


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    # no html/form.html to read: the page must be the built-in one
    os.remove(os.path.join(prefix, "html", "form.html"))
    with open(os.path.join(prefix, "html", "own-form.html"), "w") as f:
        f.write(OWN)
    n = Nginx(prefix, http=HTTP, server=SERVER)
    try:
        yield n.start()
    finally:
        n.quit()


ACTION_RE = re.compile(r'<form method="post" action="([^"]+)"')
GUIDE = "/library/guide/"


def form_session(site, path="/lead/form"):
    """A browser's session that got the form, on its way to the guide:
    its cookie, the token, where the form posts."""
    s = requests.Session()
    s.headers.update(BROWSER)
    r = s.get(site.url + path + "?return=" + GUIDE, timeout=10,
              allow_redirects=False)
    assert r.status_code == 200
    action = ACTION_RE.search(r.text).group(1)
    assert action == path + "?return=%2Flibrary%2Fguide%2F"
    return s, TOKEN_RE.search(r.text).group(1), site.url + action


def is_form(r):
    return (r.headers["Content-Type"].startswith("text/html")
            and 'name="token"' in r.text and 'name="email"' in r.text
            and "<script" not in r.text)


def test_nginx_t_takes_lead_form_without_a_template(site):
    r = site.test_config()
    assert r.returncode == 0, r.stderr
    assert "lead_form_template" not in r.stderr


def test_the_built_in_form_shows_and_identifies(site):
    s = requests.Session()
    s.headers.update(BROWSER)
    r = s.get(site.url + "/lead/form?return=/library/guide/", timeout=10,
              allow_redirects=False)
    assert r.status_code == 200
    assert is_form(r)
    assert "Read \u201cThe buying guide to business fibre\u201d" in r.text
    assert 'value="/library/guide/"' in r.text
    assert 'id="contact"' in r.text             # lead_form_contact on
    assert BUSY not in r.text and LONG not in r.text
    csp = r.headers["Content-Security-Policy"]
    assert "script-src" not in csp and "default-src 'none'" in csp
    assert r.headers["Cache-Control"] == "no-store"

    token = TOKEN_RE.search(r.text).group(1)
    r = s.post(site.url + "/lead/form", timeout=10, allow_redirects=False,
               data={"name": "Ada Lovelace",
                     "email": "ada@northwind-customer.example",
                     "token": token, "return": "/library/guide/"})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/library/guide/")
    (lead,) = json.loads(site.leadctl("leads", "--json").stdout)
    assert lead["email"] == "ada@northwind-customer.example"

    # a mistake: the built-in page says which field
    r = s.post(site.url + "/lead/form", timeout=10, allow_redirects=False,
               data={"name": "", "email": "ada@", "token": token})
    assert r.status_code == 422
    assert 'id="name-error"' in r.text and 'id="email-error"' in r.text


def test_a_template_of_its_own_is_still_used(site):
    r = requests.get(site.url + "/own/form", headers=BROWSER, timeout=10)
    assert r.status_code == 200
    assert r.text.startswith("<!doctype html><title>Own</title>")


def test_gets_of_the_form_are_never_limited(site):
    s = requests.Session()
    s.headers.update(BROWSER)
    codes = [s.get(site.url + "/lead/form", timeout=10).status_code
             for _ in range(30)]
    assert codes == [200] * 30


def test_a_burst_of_posts_gets_the_form_at_429(site):
    s, token, action = form_session(site)
    got = []
    for _ in range(10):
        r = s.post(action, timeout=10,
                   allow_redirects=False,
                   data={"name": "Ada", "email": "ada@", "token": token})
        got.append(r)
    codes = [r.status_code for r in got]
    # 1 and a burst of 5 pass (each a mistake, 422); then 429s
    assert codes[:6] == [422] * 6 and codes[6:] == [429] * 4, codes
    busy = got[-1]
    assert is_form(busy)
    assert BUSY in busy.text and LONG not in busy.text
    assert "503" not in busy.text and "nginx" not in busy.text
    assert busy.headers["Cache-Control"] == "no-store"
    # the visitor's token, good for its next try, and still on its way
    assert TOKEN_RE.search(busy.text).group(1) == token
    assert f'name="return" value="{GUIDE}"' in busy.text

    # the form's GETs go on, and without the message
    r = s.get(site.url + "/lead/form", timeout=10)
    assert r.status_code == 200 and BUSY not in r.text
    assert "limiting requests" in site.error_log()
    assert not site.crashed()


def test_a_post_too_long_gets_the_form_at_413(site):
    s, token, action = form_session(site)
    data = {"name": "Ada", "email": "ada@example.com", "token": token,
            "return": GUIDE, "pad": "x" * 5 * 1024}

    # over the module's 4 KiB: Content-Length, then chunked
    r = s.post(action, data=data, timeout=10, allow_redirects=False)
    assert r.status_code == 413
    assert is_form(r) and LONG in r.text and BUSY not in r.text
    assert f'name="return" value="{GUIDE}"' in r.text

    body = "&".join(f"{k}={v}" for k, v in data.items()).encode()
    r = s.post(action, data=iter([body[:3000],
                                                   body[3000:]]),
               headers={"Content-Type":
                        "application/x-www-form-urlencoded"},
               timeout=10, allow_redirects=False)
    assert r.status_code == 413
    assert is_form(r) and LONG in r.text

    # over nginx's client_max_body_size: error_page shows the form too
    s2, token2, action2 = form_session(site, "/small/form")
    data["token"] = token2
    data["pad"] = "x" * 2048
    r = s2.post(action2, data=data, timeout=10, allow_redirects=False)
    assert r.status_code == 413
    assert is_form(r) and LONG in r.text
    assert f'name="return" value="{GUIDE}"' in r.text
    assert 'action="/small/form?return=%2Flibrary%2Fguide%2F"' in r.text

    assert json.loads(site.leadctl("leads", "--json").stdout) == []
    assert not site.crashed()


@pytest.fixture
def browser():
    pytest.importorskip("selenium.webdriver")
    if not shutil.which("chromedriver"):
        pytest.skip("chromium-driver is not installed")
    from chromium import drivers
    with drivers() as make:
        yield make(420, 900)


def test_a_visitor_who_posts_too_often_sees_the_form(site, browser):
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as EC
    from selenium.webdriver.support.ui import WebDriverWait

    browser.get(site.url + "/library/guide/")
    assert "/lead/form?return=/library/guide/" in browser.current_url

    # a mistake, again and again: the seventh post is one too many
    for i in range(7):
        email = browser.find_element(By.ID, "email")
        email.clear()
        email.send_keys(f"ada{i}@")
        button = browser.find_element(By.TAG_NAME, "button")
        button.click()
        # the page goes: chromedriver may say so as "does not belong to
        # the document" before it says "stale"; the next look decides
        WebDriverWait(browser, 10, ignored_exceptions=(
            WebDriverException,)).until(EC.staleness_of(button))
        if browser.find_elements(By.CLASS_NAME, "notice"):
            break
    assert i == 6
    notice = browser.find_element(By.CLASS_NAME, "notice").text
    assert notice == BUSY + "."
    # still on its way to the guide, once the minute has passed
    assert browser.find_element(By.NAME, "return").get_attribute(
        "value") == "/library/guide/"
    # the form is there to try again, in the sales view's look
    assert browser.find_element(By.ID, "email").is_displayed()
    assert browser.find_element(By.TAG_NAME, "button").text == \
        "Continue reading"
    color = browser.find_element(By.TAG_NAME, "button").value_of_css_property(
        "background-color")
    assert color == "rgba(11, 90, 122, 1)"      # sales.css's --brand
