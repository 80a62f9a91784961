"""The gate and the minimal form, through the real nginx."""

import json
import os
import re
import shutil

import pytest
import requests

from claims_helper import confirm_claim
from conftest import Nginx, copy_site

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
"""

SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
            add_header X-Lead-Id $lead_id;
            add_header X-Lead-Visitor $lead_visitor;
        }
        location /all/ {
            lead_track on;
            lead_gate on;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
        location = /plain/form {
            lead_form;
            lead_form_template html/form.html;
        }
"""

BROWSER = {"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"}
TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    os.makedirs(os.path.join(prefix, "html", "all"))
    shutil.copy(os.path.join(prefix, "html", "careers.html"),
                os.path.join(prefix, "html", "all", "page.html"))
    n = Nginx(prefix, http=HTTP, server=SERVER)
    try:
        yield n.start()
    finally:
        n.quit()


class Browser:
    """One visitor: a cookie jar, like a browser profile."""

    def __init__(self, site):
        self.site = site
        self.s = requests.Session()
        self.s.headers.update(BROWSER)

    def get(self, path, **kw):
        return self.s.get(self.site.url + path, allow_redirects=False,
                          timeout=10, **kw)

    def form(self, ret):
        r = self.get("/lead/form", params={"return": ret})
        assert r.status_code == 200
        return r, TOKEN_RE.search(r.text).group(1)

    def post(self, data, path="/lead/form", **kw):
        return self.s.post(self.site.url + path, data=data,
                           allow_redirects=False, timeout=10, **kw)

    def identify(self, email, name="Ada Lovelace", ret="/library/guide/",
                 **extra):
        _, token = self.form(ret)
        r = self.post({"name": name, "email": email, "return": ret,
                       "token": token, **extra})
        assert r.status_code == 303, r.text
        return r


def leads(site):
    if not os.path.exists(os.path.join(site.store, "data.mdb")):
        return []
    return json.loads(site.leadctl("leads", "--json").stdout)


def show(site, who):
    return json.loads(site.leadctl("show", who, "--json").stdout)


def test_canonical_journey_steps_1_to_3(site):
    b = Browser(site)
    assert b.get("/library/why-outages-cost.html").status_code == 200

    r = b.get("/library/guide/")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(
        "/lead/form?return=/library/guide/")

    page, token = b.form("/library/guide/")
    assert "The buying guide to business fibre" in page.text
    assert "Send me updates about fibre" in page.text
    assert page.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in page.headers[
        "Content-Security-Policy"]

    r = b.post({"name": "Ada Lovelace", "email": "Ada@Example.COM",
                "subscribe": "1", "return": "/library/guide/",
                "token": token})
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/library/guide/")

    for path in ("/library/guide/", "/library/guide/1-requirements.html",
                 "/library/guide/2-redundancy.html",
                 "/library/guide/3-sla.html"):
        r = b.get(path)
        assert r.status_code == 200, path

    site.wait_events(5)
    (lead,) = leads(site)
    assert (lead["name"], lead["email"], lead["topics"]) == (
        "Ada Lovelace", "ada@example.com", "fibre")
    assert lead["subscribed"] is True and lead["devices"] == 1

    history = show(site, "ada@example.com")["events"]
    assert [e["path"] for e in history] == [
        "/library/why-outages-cost.html", "/library/guide/",
        "/library/guide/1-requirements.html",
        "/library/guide/2-redundancy.html", "/library/guide/3-sla.html"]
    # step 1 happened before the form, and shows so
    assert [e["before_identified"] for e in history] == [
        True, False, False, False, False]
    text = site.leadctl("show", "ada@example.com").stdout
    assert "(before identifying)" in text.splitlines()[-5]


def test_gate_works_for_range_requests_and_any_file(site):
    b = Browser(site)
    r = b.get("/library/network-map.pdf", headers={"Range": "bytes=0-99"})
    assert r.status_code == 303
    assert "return=/library/network-map.pdf" in r.headers["Location"]
    b.identify("grace@example.com", ret="/library/network-map.pdf")
    r = b.get("/library/network-map.pdf", headers={"Range": "bytes=0-99"})
    assert r.status_code == 206 and len(r.content) == 100


def test_gate_keeps_the_query_in_return(site):
    r = Browser(site).get("/library/pricing.html?utm_source=mail&x=1")
    assert r.status_code == 303
    assert r.headers["Location"].endswith(
        "/lead/form?return=/library/pricing.html%3Futm_source=mail%26x=1")


def test_open_and_early_stage_assets_are_not_gated(site):
    b = Browser(site)
    for path in ("/", "/library/why-outages-cost.html",
                 "/library/hidden-costs-of-downtime.html", "/careers.html",
                 "/404.html"):
        assert b.get(path).status_code == 200, path


def test_gate_on_gates_everything_but_open_assets(site):
    b = Browser(site)
    assert b.get("/all/page.html").status_code == 303


@pytest.mark.parametrize("cookie", [
    "forged", "A" * 22 + "." + "B" * 43,
])
def test_forged_cookie_on_gated_asset_gets_the_form(site, cookie):
    b = Browser(site)
    b.identify("ada@example.com")
    assert b.get("/library/guide/").status_code == 200
    other = Browser(site)
    other.s.cookies.set("lv", cookie)
    assert other.get("/library/guide/").status_code == 303


def test_tampered_identified_cookie_is_not_identified(site):
    b = Browser(site)
    b.identify("ada@example.com")
    good = b.s.cookies["lv"]
    bad = good[:-1] + ("A" if good[-1] != "A" else "B")
    other = Browser(site)
    other.s.cookies.set("lv", bad)
    assert other.get("/library/guide/").status_code == 303


def test_second_device_merges(site):
    phone, laptop = Browser(site), Browser(site)
    phone.get("/library/sd-wan-vs-mpls.html")
    phone.identify("ada@example.com")
    laptop.get("/library/hidden-costs-of-downtime.html")
    # another device only claims the lead, until Ada confirms the link
    laptop.identify("ADA@example.com", name="Ada L.")
    confirm_claim(site, laptop, "ada@example.com")
    laptop.get("/library/guide/4-pricing.html")
    site.wait_events(5)

    (lead,) = leads(site)
    assert lead["devices"] == 2 and lead["name"] == "Ada Lovelace"
    lead_view = show(site, lead["id"])
    assert len(lead_view["devices"]) == 2
    paths = [e["path"] for e in lead_view["events"]]
    assert "/library/sd-wan-vs-mpls.html" in paths
    assert "/library/hidden-costs-of-downtime.html" in paths
    assert "/library/guide/4-pricing.html" in paths


def test_new_email_relinks_the_visitor(site):
    b = Browser(site)
    b.get("/library/why-outages-cost.html")
    b.identify("first@example.com")
    b.get("/library/guide/3-sla.html")
    first_id = b.get("/").headers["X-Lead-Id"]
    b.identify("second@example.org")
    b.get("/library/pricing.html")
    second_id = b.get("/").headers["X-Lead-Id"]
    assert first_id != second_id
    site.wait_events(6)

    first = [e["path"] for e in show(site, "first@example.com")["events"]]
    second = [e["path"] for e in show(site, "second@example.org")["events"]]
    assert "/library/why-outages-cost.html" in first
    assert "/library/guide/3-sla.html" in first
    assert "/library/pricing.html" in second
    assert "/library/guide/3-sla.html" not in second


def test_variables(site):
    b = Browser(site)
    r = b.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Lead-Visitor"])
    assert "X-Lead-Id" not in r.headers           # empty: anonymous
    b.identify("ada@example.com")
    r = b.get("/")
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["X-Lead-Id"])
    (lead,) = leads(site)
    assert r.headers["X-Lead-Id"] == lead["id"]


def test_contact_checkbox_only_where_enabled(site):
    b = Browser(site)
    assert 'name="contact"' in b.form("/")[0].text
    r = b.get("/plain/form")
    assert r.status_code == 200 and 'name="contact"' not in r.text
    b.identify("ada@example.com", contact="1")
    (lead,) = leads(site)
    assert lead["contact"] is True


@pytest.mark.parametrize("ret", [
    "//evil.example", "/\\evil.example", "http://evil.example/",
    "javascript:alert(1)", "/a\r\nSet-Cookie: x=1", "/a\nb", "",
    "https:evil.example", "https:/evil.example", " //evil.example",
    "\\\\evil.example", "///evil.example", "/\t/evil.example",
    "%2F%2Fevil.example",
])
def test_hostile_return_goes_home(site, ret):
    b = Browser(site)
    page, token = b.form(ret)
    assert 'name="return" value="/"' in page.text
    r = b.post({"name": "Ada", "email": "ada@example.com", "return": ret,
                "token": token})
    assert r.status_code == 303
    assert r.headers["Location"] == site.url + "/"
    assert "Set-Cookie: x" not in str(r.headers)


def bad_posts():
    ok = {"name": "Ada", "email": "ada@example.com", "return": "/"}
    return [
        ("no token", {**ok}, {}, 403),
        ("wrong token", {**ok, "token": "A" * 43}, {}, 403),
        ("oversized body", {**ok, "token": None, "pad": "x" * 5000}, {},
         413),
        ("json", None, {"Content-Type": "application/json"}, 415),
        ("multipart", None, {"Content-Type": "multipart/form-data; b=x"},
         415),
        ("empty name", {**ok, "name": "  ", "token": None}, {}, 422),
        ("long name", {**ok, "name": "x" * 101, "token": None}, {}, 422),
        ("control char", {**ok, "name": "A\x01da", "token": None}, {}, 422),
        ("bad email", {**ok, "email": "ada@", "token": None}, {}, 422),
        ("long email", {**ok, "email": "a" * 250 + "@x.com",
                        "token": None}, {}, 422),
    ]


@pytest.mark.parametrize("label,data,headers,status", bad_posts(),
                         ids=[b[0] for b in bad_posts()])
def test_bad_input_changes_nothing(site, label, data, headers, status):
    b = Browser(site)
    b.identify("someone@example.com")
    before = leads(site)
    _, token = b.form("/")
    if data is None:
        body = json.dumps({"name": "x", "email": "x@example.com"})
    else:
        data = {k: (token if v is None else v) for k, v in data.items()}
        body = data
    r = b.post(body, headers=headers)
    assert r.status_code == status, r.text
    assert leads(site) == before


def test_invalid_utf8_name_is_refused(site):
    b = Browser(site)
    _, token = b.form("/")
    r = b.post(b"name=%C3%28&email=ada%40example.com&token=" +
               token.encode(),
               headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 422
    assert "cannot accept" in r.text
    assert leads(site) == []


def test_token_of_another_visitor_is_refused(site):
    a, b = Browser(site), Browser(site)
    _, token = a.form("/")
    b.form("/")
    r = b.post({"name": "Ada", "email": "ada@example.com", "token": token})
    assert r.status_code == 403
    assert leads(site) == []


def test_post_without_cookie_is_refused(site):
    a = Browser(site)
    _, token = a.form("/")
    r = requests.post(site.url + "/lead/form", timeout=10,
                      allow_redirects=False,
                      data={"name": "Ada", "email": "ada@example.com",
                            "token": token})
    assert r.status_code == 403
    assert leads(site) == []


def test_script_in_name_is_stored_verbatim_and_shown_escaped(site):
    evil = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'
    b = Browser(site)
    _, token = b.form("/")
    r = b.post({"name": evil, "email": "bad", "token": token})
    assert r.status_code == 422
    assert "<script>alert(1)" not in r.text and "<img src=x" not in r.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img" in r.text
    assert 'value="bad"' in r.text
    b.identify("mallory@example.com", name=evil)
    (lead,) = leads(site)
    assert lead["name"] == evil


@pytest.mark.parametrize("server,message", [
    ("location /f { lead_form; lead_form_template html/bad.html; }",
     'html/bad.html:2: unknown placeholder "nmae" (known: title topic'),
    ("location /f { lead_form; lead_form_template html/none.html; }",
     "html/none.html: cannot open"),
])
def test_form_config_errors(prefix, server, message):
    copy_site(prefix)
    with open(os.path.join(prefix, "html", "bad.html"), "w") as f:
        f.write("<p>\n{{nmae}}</p>")
    r = Nginx(prefix, http=HTTP, server=server).test_config()
    assert r.returncode != 0
    assert message in r.stderr, r.stderr


def test_gate_auto_needs_rules(prefix):
    http = "lead_store {prefix}/store; lead_secret {prefix}/secret;"
    r = Nginx(prefix, http=http,
              server="location / { lead_gate auto; }").test_config()
    assert r.returncode != 0
    assert '"lead_gate auto" needs "lead_rules"' in r.stderr


def test_gpc_visitor_is_gated_but_not_recorded(site):
    b = Browser(site)
    b.identify("ada@example.com")
    b.get("/library/why-outages-cost.html")
    site.wait_events(1)
    r = b.get("/library/guide/", headers={"Sec-GPC": "1"})
    assert r.status_code == 200
    r = Browser(site).get("/library/guide/", headers={"Sec-GPC": "1"})
    assert r.status_code == 303
    b.get("/library/pricing.html")
    events = site.wait_events(2)
    assert [e["path"] for e in events] == [
        "/library/why-outages-cost.html", "/library/pricing.html"]


def test_post_flood_is_held_by_limit_req(prefix):
    copy_site(prefix)
    http = HTTP + "limit_req_zone $binary_remote_addr zone=f:1m rate=10r/m;"
    server = SERVER.replace("lead_form_contact on;",
                            "lead_form_contact on; limit_req zone=f burst=2 "
                            "nodelay;")
    n = Nginx(prefix, http=http, server=server)
    try:
        n.start()
        b = Browser(n)
        statuses = []
        for i in range(20):
            r = b.s.post(n.url + "/lead/form", timeout=10,
                         allow_redirects=False,
                         data={"name": "Flood", "token": "x",
                               "email": f"flood{i}@example.com"})
            statuses.append(r.status_code)
        # a few pass to the form (and are refused there), the rest bounce
        assert statuses.count(503) >= 15
        assert set(statuses) <= {403, 503}
        assert leads(n) == []
    finally:
        n.quit()


def test_padded_path_does_not_slip_past_the_gate(site):
    b = Browser(site)
    padded = "/library/" + "./" * 520 + "guide/1-requirements.html"
    r = b.s.get(site.url + padded, allow_redirects=False, timeout=10)
    assert r.status_code == 303
    slashes = "/library" + "/" * 1030 + "guide/1-requirements.html"
    r = b.s.get(site.url + slashes, allow_redirects=False, timeout=10)
    assert r.status_code == 303


def test_the_index_file_of_a_gated_directory_is_gated(site):
    assert Browser(site).get("/library/guide/index.html").status_code == 303


def test_gated_content_is_private_to_its_lead(site):
    b = Browser(site)
    b.identify("ada@example.com")
    r = b.get("/library/guide/")
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "private"
    r = Browser(site).get("/")                  # a new visitor's cookie
    assert "Set-Cookie" in r.headers
    assert r.headers["Cache-Control"] == "private"


def test_gate_on_around_the_form_does_not_loop(prefix):
    copy_site(prefix)
    server = """
        lead_gate on;
        location / { lead_track on; }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
        }
    """
    n = Nginx(prefix, http=HTTP, server=server)
    try:
        n.start()
        b = Browser(n)
        r = b.get("/careers.html")
        assert r.status_code == 200                # open in the rules
        r = b.get("/library/why-outages-cost.html?x=1")
        assert r.status_code == 200                # open too
        r = b.get("/library/pricing.html")
        assert r.status_code == 303
        assert b.get("/lead/form?return=/").status_code == 200
    finally:
        n.quit()


# ---- the gate by the file served ---------------------------------------------

# other ways to the gated files, gated from the server level; one says off
REACHES = "lead_gate auto;\n" + SERVER + """
        location /files/ { alias {prefix}/html/library/; }
        location /guide/ { root {prefix}/html/library; }
        location /tried/ { try_files /library/network-map.pdf =404; }
        location /open/ { lead_gate off; alias {prefix}/html/library/; }
"""

# each serves a gated file: the map, the guide's index and a section
REACHED = ["/files/network-map.pdf", "/files/guide/",
           "/files/guide/index.html", "/files/guide/1-requirements.html", "/guide/3-sla.html",
           "/tried/x", "/linked/network-map.pdf", "/linked/guide/",
           "/linked/guide/2-redundancy.html"]


@pytest.fixture
def reaches(prefix):
    copy_site(prefix)
    html = os.path.join(prefix, "html")
    os.makedirs(os.path.join(html, "all"))
    os.symlink(os.path.join(html, "library"), os.path.join(html, "linked"))
    n = Nginx(prefix, http=HTTP, server=REACHES.replace("{prefix}", prefix))
    try:
        yield n.start()
    finally:
        n.quit()


def test_gated_files_are_gated_however_reached(reaches):
    with open(os.path.join(reaches.prefix, "html", "library",
                           "network-map.pdf"), "rb") as f:
        pdf = f.read()
    b = Browser(reaches)
    for path in REACHED:
        r = b.get(path)
        assert r.status_code == 303, path
        assert r.headers["Location"].endswith(
            "/lead/form?return=" + path), path
        assert pdf[:64] not in r.content
    # "lead_gate off" says so: served to anyone
    assert b.get("/open/network-map.pdf").content == pdf
    # a lead reads them all, kept from shared caches
    b.identify("ada@example.com", ret="/")
    for path in REACHED:
        r = b.get(path)
        assert r.status_code == 200, path
        assert "private" in r.headers["Cache-Control"], path
    assert b.get("/files/network-map.pdf").content == pdf
