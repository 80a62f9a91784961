"""GeoIP through the real nginx: realip's address, looked up, no IP kept."""

import json
import os
import shutil

import pytest

from conftest import BUILD, ROOT, Nginx, copy_site
from test_gate import Browser

TEST_DB = os.environ.get("LEAD_TEST_GEOIP",
                         os.path.join(BUILD, "test-geoip.mmdb"))
PARIS_DB = os.path.join(os.path.dirname(TEST_DB), "test-geoip-paris.mmdb")
SHARED = os.path.join(os.path.dirname(ROOT), "shared", "geoip")

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    lead_geoip {prefix}/geo.mmdb;
    set_real_ip_from 127.0.0.1;
    real_ip_header X-Forwarded-For;
"""

SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
            add_header X-Country $lead_country;
            add_header X-City $lead_city;
        }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
        }
"""

pytestmark = pytest.mark.skipif(not os.path.exists(TEST_DB),
                                reason="build.sh test makes the test DB")


def start(prefix, db=TEST_DB):
    copy_site(prefix)
    shutil.copy(db, os.path.join(prefix, "geo.mmdb"))
    return Nginx(prefix, http=HTTP, server=SERVER)


@pytest.fixture
def site(prefix):
    n = start(prefix).start()
    try:
        yield n
    finally:
        n.quit()


def from_ip(ip):
    return {"X-Forwarded-For": ip}


@pytest.mark.parametrize("ip,country,city", [
    ("203.0.113.9", "GB", "London"),
    ("198.51.100.1", "SE", ""),            # a country-only record
    ("2001:db8::1", "JP", "Tokyo"),        # IPv6
    ("10.1.2.3", "", ""),                  # private: a miss, not an error
])
def test_events_and_variables_carry_the_place(site, ip, country, city):
    r = Browser(site).get("/library/why-outages-cost.html",
                          headers=from_ip(ip))
    assert r.status_code == 200
    assert r.headers.get("X-Country", "") == country
    assert r.headers.get("X-City", "") == city
    (e,) = site.wait_events(1)
    assert (e["country"], e["city"]) == (country, city)


def test_the_address_itself_is_not_stored(site):
    Browser(site).get("/library/why-outages-cost.html",
                      headers=from_ip("203.0.113.77"))
    site.wait_events(1)
    site.quit()
    with open(os.path.join(site.store, "data.mdb"), "rb") as f:
        data = f.read()
    assert b"203.0.113.77" not in data
    assert bytes([203, 0, 113, 77]) not in data


def test_country_rules_grade_the_lead(site):
    # company e-mail 30; GB is a target market in the sample rules: +20
    for ip, email in (("203.0.113.9", "ada@acme.example"),
                      ("198.51.100.1", "sven@acme.example")):
        b = Browser(site)
        b.s.headers.update(from_ip(ip))
        b.get("/library/why-outages-cost.html")
        b.identify(email, ret="/")
    site.wait_events(2)
    leads = {l["email"]: l for l in json.loads(
        site.leadctl("leads", "--json").stdout)}
    assert leads["ada@acme.example"]["grade"] == "B"
    assert leads["ada@acme.example"]["country"] == "GB"
    assert leads["sven@acme.example"]["grade"] == "C"
    shown = json.loads(site.leadctl("show", "ada@acme.example",
                                    "--json").stdout)
    assert shown["countries"] == ["GB"]


def test_countries_latest_first(site):
    b = Browser(site)
    b.identify("ada@acme.example", ret="/")
    for ip in ("198.51.100.1", "203.0.113.9", "2001:db8::1"):
        b.get("/library/why-outages-cost.html", headers=from_ip(ip))
    site.wait_events(3)
    shown = json.loads(site.leadctl("show", "ada@acme.example",
                                    "--json").stdout)
    assert shown["countries"] == ["JP", "GB", "SE"]


def test_reload_uses_the_new_database(site):
    b = Browser(site)
    assert b.get("/", headers=from_ip("203.0.113.9")).headers["X-City"] \
        == "London"
    shutil.copy(PARIS_DB, os.path.join(site.prefix, "geo.mmdb"))
    site.reload()
    assert b.get("/", headers=from_ip("203.0.113.9")).headers["X-City"] \
        == "Paris"


@pytest.mark.parametrize("name,message", [
    (None, "Error opening the specified MaxMind DB file"),
    ("not-a-db", "invalid metadata"),
])
def test_nginx_t_refuses_a_bad_file(prefix, name, message):
    n = start(prefix)
    os.remove(os.path.join(prefix, "geo.mmdb"))
    if name:
        with open(os.path.join(prefix, "geo.mmdb"), "w") as f:
            f.write("this is no MaxMind DB\n" * 100)
    r = n.test_config()
    assert r.returncode != 0
    assert "[emerg]" in r.stderr and "lead_geoip:" in r.stderr
    assert message in r.stderr, r.stderr


@pytest.mark.skipif(not os.path.isdir(SHARED),
                    reason="MaxMind's test databases are not beside")
@pytest.mark.parametrize("db", [
    "GeoIP2-City-Test-Broken-Double-Format.mmdb",
    "GeoIP2-City-Test-Invalid-Node-Count.mmdb",
])
def test_maxminds_broken_files_fail_cleanly(prefix, db):
    n = start(prefix, os.path.join(SHARED, db))
    r = n.test_config()
    assert r.returncode != 0
    assert "[emerg]" in r.stderr and "lead_geoip:" in r.stderr


@pytest.mark.skipif(not os.path.isdir(SHARED),
                    reason="MaxMind's test databases are not beside")
def test_maxminds_city_test_database(prefix):
    n = start(prefix, os.path.join(SHARED, "GeoLite2-City-Test.mmdb"))
    n.start()
    try:
        b = Browser(n)
        got = []
        for ip in ("81.2.69.142", "89.160.20.112", "216.160.83.56",
                   "2001:218::"):
            r = b.get("/", headers=from_ip(ip))
            got.append((r.headers.get("X-Country"), r.headers.get("X-City")))
        assert got[0] == ("GB", "London")
        assert got[1][0] == "SE" and got[2][0] == "US" and got[3][0] == "JP"
    finally:
        n.quit()
