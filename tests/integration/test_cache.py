"""Responses that set the visitor cookie stay out of shared caches, whatever
the location's expires and add_header say; one cookie through a tracked
nginx in front of a tracked nginx."""

import base64
import os

import pytest

from conftest import Nginx, free_port, status_of

LOCATIONS = """
        location / { lead_track on; }
        location /hour/ { lead_track on; expires 1h; }
        location /public/ {
            lead_track on;
            add_header Cache-Control "public, max-age=60";
        }
        location /both/ {
            lead_track on;
            expires 1h;
            add_header Cache-Control "public, s-maxage=600";
        }
        location /via/ {
            lead_track on;
            proxy_pass http://127.0.0.1:{back}/;
        }
"""

# the tracked nginx behind: same store and secret, as one host runs both
BACK = """
    server {{
        listen 127.0.0.1:{back};
        root {prefix}/html;
        location / {{ lead_track on; expires 1h; }}
    }}
"""

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
"""


@pytest.fixture
def site(prefix):
    html = os.path.join(prefix, "html")
    for d in ("hour", "public", "both"):
        os.makedirs(os.path.join(html, d))
        with open(os.path.join(html, d, "page.html"), "w") as f:
            f.write("<!doctype html><title>t</title>" + d)
    back = free_port()
    n = Nginx(prefix, http=HTTP + BACK.format(back=back, prefix=prefix),
              server=LOCATIONS.replace("{back}", str(back)))
    try:
        yield n.start()
    finally:
        n.quit()


def get(site, path, *headers):
    r = site.raw(b"\r\n".join([b"GET " + path.encode() + b" HTTP/1.1",
                               b"Host: 127.0.0.1", b"Connection: close",
                               *headers]) + b"\r\n\r\n")
    lines = r.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")[1:]
    heads = [tuple(x.strip() for x in h.split(":", 1)) for h in lines]
    return status_of(r), heads


def values(heads, name):
    return [v for k, v in heads if k.lower() == name.lower()]


def cookies(heads):
    return [v.split(";")[0] for v in values(heads, "Set-Cookie")
            if v.startswith("lv=")]


def shared_cache_may_not_store(cc):
    directives = [d.strip().split("=")[0].lower() for d in cc.split(",")]
    return ("private" in directives or "no-store" in directives) \
        and "public" not in directives and "s-maxage" not in directives


@pytest.mark.parametrize("path,browser", [
    ("/page.html", None),
    ("/hour/page.html", "max-age=3600"),
    ("/public/page.html", "max-age=60"),
    ("/both/page.html", "max-age=3600"),
])
def test_first_visit_is_kept_from_shared_caches(site, path, browser):
    status, heads = get(site, path)
    assert status == 200
    assert len(cookies(heads)) == 1
    (cc,) = values(heads, "Cache-Control")
    assert shared_cache_may_not_store(cc), cc
    # the browser keeps the location's max-age
    if browser:
        assert browser in [d.strip() for d in cc.split(",")], cc


@pytest.mark.parametrize("path,want", [
    ("/page.html", []),
    ("/hour/page.html", ["max-age=3600"]),
    ("/public/page.html", ["public, max-age=60"]),
    ("/both/page.html", ["max-age=3600", "public, s-maxage=600"]),
])
def test_returning_visitor_keeps_the_locations_headers(site, path, want):
    _, heads = get(site, "/page.html")
    (cookie,) = cookies(heads)
    status, heads = get(site, path, b"Cookie: " + cookie.encode())
    assert status == 200
    assert cookies(heads) == []
    assert values(heads, "Cache-Control") == want


def test_opted_out_and_errors_set_no_cookie(site):
    # served, not recorded, no cookie: the location's headers as they are
    status, heads = get(site, "/hour/page.html", b"Sec-GPC: 1")
    assert status == 200 and cookies(heads) == []
    assert values(heads, "Cache-Control") == ["max-age=3600"]
    # an error records nothing, so mints no id a cache could hand on
    status, heads = get(site, "/public/missing.html")
    assert status == 404 and cookies(heads) == []
    assert values(heads, "Cache-Control") == []


def test_tracked_nginx_behind_tracked_nginx(site):
    status, heads = get(site, "/via/page.html")
    assert status == 200
    # one cookie, the back one's, kept from shared caches by both
    (cookie,) = cookies(heads)
    (cc,) = values(heads, "Cache-Control")
    assert shared_cache_may_not_store(cc) and "max-age=3600" in cc, cc
    # recorded once, by the nginx that served the file
    (event,) = site.wait_events(1)
    site.quit()
    events = site.events()
    assert events == [event] and event["path"] == "/page.html"
    assert event["visitor"] == base64.urlsafe_b64decode(
        cookie[3:25] + "==").hex()
