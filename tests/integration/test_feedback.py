"""Feedback on content through real nginx: an article includes the form
by SSI, a visitor rates and comments it (303 back to the article, which
thanks them), the rating is an event in the store; every hostile post is
refused with its 4xx and the store left as it was; posts are limited like
the lead form's; the fragment's subrequest records no read.
"""

import base64
import os
import re
import shutil
import time
from urllib.parse import quote

import pytest
import requests

from conftest import FEEDBACK_HTTP, FEEDBACK_SERVER, Nginx, copy_site

ARTICLE = "/library/why-outages-cost.html"
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')
THANKS = "Thank you for your feedback!"
BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}


def without_the_hub_rule(prefix):
    """The sample rules name every page ("/", the hub): without that row
    a page such as /index.html is no asset, to rate or not."""
    rules = os.path.join(prefix, "rules", "assets.csv")
    with open(rules) as f:
        rows = [row for row in f if not row.startswith("/,")]
    with open(rules, "w") as f:
        f.writelines(rows)


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    without_the_hub_rule(prefix)
    n = Nginx(prefix, http=FEEDBACK_HTTP, server=FEEDBACK_SERVER)
    try:
        yield n.start()
    finally:
        n.quit()


def html(r):
    # the articles say their charset in a meta tag, not the header
    return r.content.decode("utf-8")


def visit(site, path=ARTICLE):
    """A browser reads the article: its session (cookie) and the token
    the included form carries."""
    s = requests.Session()
    s.headers.update(BROWSER)
    r = s.get(site.url + path, timeout=10, allow_redirects=False)
    assert r.status_code == 200
    m = TOKEN_RE.search(html(r))
    assert m, "no feedback form in " + path
    return s, m.group(1)


def post(site, session, body, where="/open/feedback", **kw):
    kw.setdefault("headers", {"Content-Type":
                              "application/x-www-form-urlencoded"})
    return (session or requests).post(site.url + where, data=body,
                                      timeout=10, allow_redirects=False,
                                      **kw)


def body(token, rating="4", comment=None, path=ARTICLE):
    parts = [("rating", rating), ("path", path), ("token", token)]
    if comment is not None:
        parts.append(("comment", comment))
    return "&".join(k + "=" + quote(v, safe="") for k, v in parts)


def by_visitor(events, session):
    vid = session.cookies.get("lv").split(".")[0]
    return [e for e in events if e["visitor"] == hex_id(vid)]


def hex_id(b64):
    return base64.urlsafe_b64decode(b64 + "=" * (-len(b64) % 4)).hex()


def feedback_of(events):
    """The feedback events: "rate" lines (a read has a status too)."""
    fb = [e for e in events if e["status"] == 0]
    assert all(e["kind"] == "rate" for e in fb)
    return fb


def test_the_article_includes_the_form(site):
    r = requests.get(site.url + ARTICLE, headers=BROWSER, timeout=10)
    page = html(r)
    assert r.status_code == 200
    assert '<form method="post" action="/lead/feedback"' in page
    assert "<!--#" not in page                       # SSI did include it
    assert '<fieldset class="lead-feedback-scale">' in page
    assert "<legend>How useful was \u201cWhy network outages cost" in page
    for n in range(1, 6):
        assert (f'<label for="lead-rating-{n}"><input type="radio" '
                f'id="lead-rating-{n}" name="rating" value="{n}"') in page
    assert 'name="comment" rows="4" maxlength="1000"' in page
    assert f'name="path" value="{ARTICLE}"' in page
    assert THANKS not in page
    # the form is bound to the visitor the page's cookie made
    s = requests.Session()
    s.cookies.set("lv", r.cookies.get("lv"))
    token = TOKEN_RE.search(page).group(1)
    assert post(site, s, body(token)).status_code == 303


def test_rate_and_comment_as_an_anonymous_visitor(site):
    s, token = visit(site)
    comment = "Used the rule of thumb\r\nin our board pack. <b>Thanks</b>"
    r = post(site, s, body(token, "4", comment), where="/lead/feedback")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(
        ARTICLE + "?feedback=thanks#feedback")
    assert r.headers["Location"].startswith(site.url + "/")

    # back on the article: the thanks, and the form again
    r = s.get(r.headers["Location"], timeout=10)
    page = html(r)
    assert THANKS in page and 'role="status"' in page
    assert TOKEN_RE.search(page).group(1) == token

    evs = by_visitor(site.wait_events(3), s)
    reads = [e for e in evs if e["status"] == 200]
    fb = feedback_of(evs)
    assert len(reads) == 2 and len(fb) == 1, evs
    (e,) = fb
    assert e["path"] == ARTICLE and e["bytes_sent"] == 0
    assert e["asset"] == reads[0]["asset"] and e["points"] == 5
    assert e["stage"] == "epiphany" and e["topic"] == "resilience"
    assert e["rating"] == 4
    assert e["comment"] == ("Used the rule of thumb\nin our board pack. "
                            "<b>Thanks</b>")


def test_a_second_rating_is_kept_too_the_newest_wins(site):
    s, token = visit(site)
    assert post(site, s, body(token, "2", "meh")).status_code == 303
    time.sleep(0.01)
    assert post(site, s, body(token, "5")).status_code == 303
    fb = feedback_of(by_visitor(site.wait_events(3), s))
    assert len(fb) == 2
    assert fb[0]["time_ms"] <= fb[1]["time_ms"]
    assert [e["rating"] for e in fb] == [2, 5]
    assert fb[1].get("comment", "") == ""


def test_a_page_of_its_own_for_sites_without_ssi(site):
    s = requests.Session()
    s.headers.update(BROWSER)
    r = s.get(site.url + "/lead/feedback?path=/library/pricing.html",
              timeout=10)
    assert r.status_code == 200
    # a token inside: no cache keeps it ("private" goes with no-store)
    assert "no-store" in r.headers["Cache-Control"]
    assert "script-src" not in r.headers["Content-Security-Policy"]
    assert "lv" in r.cookies                 # a visitor to post as
    page = html(r)
    assert page.startswith("<!doctype html>")
    assert "<title>Pricing overview \u2014 Was this useful?" in page
    assert '<form method="post" action="/lead/feedback?page=1"' in page
    token = TOKEN_RE.search(page).group(1)

    r = post(site, s, body(token, "3", path="/library/pricing.html"),
             where="/lead/feedback?page=1")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(
        "/lead/feedback?path=%2Flibrary%2Fpricing.html&feedback=thanks")
    r = s.get(r.headers["Location"], timeout=10)
    assert THANKS in html(r)

    # the form's page is no read; the feedback is one event
    evs = by_visitor(site.wait_events(1), s)
    assert [e["status"] for e in evs] == [0]
    assert evs[0]["path"] == "/library/pricing.html"

    # a page no rule names has no form
    r = s.get(site.url + "/lead/feedback?path=/index.html", timeout=10)
    assert r.status_code == 404
    r = s.get(site.url + "/lead/feedback?path=//evil.example/", timeout=10)
    assert r.status_code == 400
    r = s.get(site.url + "/lead/feedback", timeout=10)
    assert r.status_code == 400


def test_the_fragment_records_no_read(site):
    """One GET of an article is one read, of the article: the SSI
    subrequest for the form adds none, and the read is the file's."""
    s, _ = visit(site)
    evs = by_visitor(site.wait_events(1), s)
    time.sleep(0.3)
    evs = by_visitor(site.events(), s)
    assert len(evs) == 1, evs
    (e,) = evs
    assert e["path"] == ARTICLE and e["status"] == 200
    assert e["file_size"] == os.path.getsize(
        os.path.join(site.prefix, "html", ARTICLE.lstrip("/")))
    assert not [e for e in site.events() if "feedback" in e["path"]]


def test_a_page_tracking_skips_asks_a_new_visitor_for_cookies(site):
    """Where tracking is off no cookie goes out with the page, so a new
    visitor gets no form it could not post; a known one gets its form."""
    where = os.path.join(site.prefix, "html", "untracked")
    os.makedirs(where)
    shutil.copy(os.path.join(site.prefix, "html", ARTICLE.lstrip("/")),
                where)
    page = "/untracked/" + os.path.basename(ARTICLE)
    with open(os.path.join(site.prefix, "rules", "assets.csv"), "a") as f:
        f.write(page + ",An untracked copy,awareness,1,,\n")
    site.reload()

    r = requests.get(site.url + page, headers=BROWSER, timeout=10)
    assert r.status_code == 200 and "Set-Cookie" not in r.headers
    assert "please allow this site's cookie" in html(r)
    assert not TOKEN_RE.search(html(r))

    s, token = visit(site)                 # a cookie from a tracked page
    r = s.get(site.url + page, timeout=10)
    assert TOKEN_RE.search(html(r)).group(1) == token
    assert f'name="path" value="{page}"' in html(r)


def test_ssi_leaves_what_a_read_records(site):
    """ssi on (text/html only) changes no read: the same article served
    without it records the same file size, and both cover it whole; a
    PDF's Range request is still a 206 with its range.  A Range request
    of an SSI page is answered whole (nginx's SSI sends no ranges), and
    recorded as the whole read it is."""
    plain = os.path.join(site.prefix, "html", "nossi", "library")
    os.makedirs(plain)
    src = os.path.join(site.prefix, "html", ARTICLE.lstrip("/"))
    shutil.copy(src, plain)
    size = os.path.getsize(src)

    s = requests.Session()
    s.headers.update(BROWSER)
    assert s.get(site.url + ARTICLE, timeout=10).status_code == 200
    assert s.get(site.url + "/nossi" + ARTICLE,
                 timeout=10).status_code == 200
    r = s.get(site.url + ARTICLE, headers={"Range": "bytes=0-99"},
              timeout=10)
    assert r.status_code == 200 and len(r.content) > size
    with open(os.path.join(site.prefix, "html", "sample.pdf"), "wb") as f:
        f.write(bytes(range(256)) * 8)          # the hub's: open, tracked
    r = s.get(site.url + "/sample.pdf", headers={"Range": "bytes=0-99"},
              timeout=10)
    assert r.status_code == 206 and len(r.content) == 100

    evs = by_visitor(site.wait_events(4), s)
    assert len(evs) == 4, evs
    ssi, nossi, ranged, pdf = evs
    assert ssi["file_size"] == nossi["file_size"] == size
    assert nossi["bytes_sent"] == size
    assert ssi["bytes_sent"] >= size and ranged["bytes_sent"] >= size
    assert ssi["ranges"] == nossi["ranges"] == ranged["ranges"] == []
    assert ranged["status"] == 200 and ranged["file_size"] == size
    assert pdf["status"] == 206 and pdf["ranges"] != []


def test_hostile_posts_are_refused_and_change_nothing(site):
    s, token = visit(site)
    other, other_token = visit(site, "/library/sd-wan-vs-mpls.html")
    site.wait_events(2)
    time.sleep(0.3)
    before = site.stored()
    cookie = s.cookies.get("lv")
    forged = cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB")

    cases = [
        # who: the cookie and the token made for it
        ("no cookie", None, body(token), 403),
        ("forged cookie", {"lv": forged}, body(token), 403),
        ("no token", s, "rating=4&path=" + quote(ARTICLE, safe=""), 403),
        ("empty token", s, body(""), 403),
        ("another visitor's token", s, body(other_token), 403),
        ("a token posted by its other", other, body(token), 403),
        # what: the rating, the comment, the path
        ("rating 0", s, body(token, "0"), 400),
        ("rating 6", s, body(token, "6"), 400),
        ("rating x", s, body(token, "x"), 400),
        ("no rating", s, "path=%2Fx&token=" + token, 400),
        ("two ratings", s, body(token) + "&rating=5", 400),
        ("1,001 characters", s, body(token, comment="a" * 1001), 400),
        ("a control character", s, body(token, comment="a\x1bb"), 400),
        ("a bidi override", s, body(token, comment="a\u202eb"), 400),
        ("a NUL", s, body(token, comment="a\x00b"), 400),
        ("not UTF-8", s, body(token) + "&comment=%FF", 400),
        ("path not an asset", s, body(token, path="/index.html"), 404),
        ("path of nothing", s, body(token, path="/no/such.html"), 404),
        ("path //evil.example", s, body(token, path="//evil.example"), 400),
        ("path /\\evil.example", s, body(token, path="/\\evil.example"),
         400),
        ("path absolute", s, body(token, path="https://evil.example/"),
         400),
        ("no path", s, "rating=4&token=" + token, 400),
        ("oversized body", s, body(token, comment="a" * 20000), 413),
    ]

    for what, who, data, status in cases:
        if isinstance(who, dict):
            r = requests.post(site.url + "/open/feedback", data=data,
                              cookies=who, timeout=10,
                              allow_redirects=False,
                              headers={"Content-Type":
                                       "application/x-www-form-urlencoded"})
        else:
            r = post(site, who, data)
        assert r.status_code == status, (what, r.status_code, r.text)
        assert "Location" not in r.headers, what
        assert "Set-Cookie" not in r.headers, what
        if status != 413:
            assert r.headers["Content-Type"].startswith("text/plain"), what
            assert 0 < len(r.text) < 200, what

    # not a form post at all
    r = s.post(site.url + "/open/feedback", json={"rating": 4}, timeout=10)
    assert r.status_code == 415
    r = s.put(site.url + "/open/feedback", data=body(token), timeout=10)
    assert r.status_code == 405

    time.sleep(0.5)                        # flush=100ms: a write would show
    assert site.stored() == before
    assert not site.crashed()

    # the same visitor's good post still counts
    assert post(site, s, body(token)).status_code == 303
    assert len(site.wait_events(3)) == 3


def test_1000_characters_pass_and_a_long_non_ascii_comment_fits(site):
    s, token = visit(site)
    r = post(site, s, body(token, comment="\U0001F44D" * 1000))
    assert r.status_code == 303, r.text
    r = post(site, s, body(token, comment="\u00e9" * 1001))
    assert r.status_code == 400
    assert "1,000" in r.text
    fb = feedback_of(by_visitor(site.wait_events(2), s))
    assert len(fb) == 1
    assert fb[0]["comment"] == "\U0001F44D" * 1000


def test_posts_are_rate_limited_like_the_form(site):
    s, token = visit(site)
    statuses = [post(site, s, "rating=4&path=%2Fx", where="/lead/feedback")
                .status_code for _ in range(10)]
    # burst=5 nodelay: six answered (refused, no token), then 429
    assert statuses[:6] == [403] * 6
    assert 429 in statuses[6:]
    # GETs are never limited: the page, and its form, still show
    for _ in range(3):
        r = s.get(site.url + ARTICLE, timeout=10)
        assert r.status_code == 200 and TOKEN_RE.search(html(r))
