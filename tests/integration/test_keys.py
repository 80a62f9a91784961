"""lead_secret's keys through the real nginx: the identified claim in the
cookie opens the gate of another node that shares the key, keys rotate
one reload at a time without losing a visitor (the first signs, every one
verifies, an older key's cookie is signed again), tokens issued before a
rotation still verify after it, and nginx -t refuses a wrong key set."""

import base64
import hashlib
import hmac
import json
import os
import re
import shutil
import struct
import time

import pytest
import requests

from conftest import Nginx, copy_site, make_prefix
from sales_site import SERVER as SALES_SERVER, Salesperson, \
    start_sales_site
from test_gate import SERVER as GATE_SERVER, Browser


GATED = "/library/guide/"
OPEN = "/library/why-outages-cost.html"

RULES = "    lead_rules {prefix}/rules;\n"


def http(*keys):
    """The http block with these key files (in the prefix), in order."""
    return ("    lead_store {prefix}/store flush=100ms;\n"
            + "".join(f"    lead_secret {{prefix}}/{k};\n" for k in keys)
            + RULES)


def write_key(prefix, name, key=None):
    key = key or os.urandom(48)
    with open(os.path.join(prefix, name), "wb") as f:
        f.write(key)
    return key


def set_cookie(r):
    """The lv value the response sets, or None."""
    m = re.search(r"\blv=([^;]+)", r.headers.get("Set-Cookie", ""))
    return m and m.group(1)


def visitor_hex(value):
    return base64.urlsafe_b64decode(value[:22] + "==").hex()


def show(site, who):
    return json.loads(site.leadctl("show", who, "--json").stdout)


def gate_site(prefix, *keys):
    copy_site(prefix)
    return Nginx(prefix, http=http(*keys), server=GATE_SERVER).start()


@pytest.fixture
def two_prefixes():
    ps = [make_prefix(), make_prefix()]
    yield ps
    if not os.environ.get("LEAD_TEST_KEEP"):
        for p in ps:
            shutil.rmtree(p, ignore_errors=True)


# ---- the identified claim across nodes -------------------------------------

def test_identified_on_a_opens_the_gate_on_b(two_prefixes):
    """Two nodes, their own stores, one key: identified on A, a gated
    asset on B is served without the form; B's store never saw the form."""
    key = os.urandom(48)
    for p in two_prefixes:
        write_key(p, "k1", key)
    nodes = []
    try:
        for p in two_prefixes:
            nodes.append(gate_site(p, "k1"))
        a, b = nodes

        ada = Browser(a)
        r = ada.get(OPEN)
        plain = set_cookie(r)
        assert plain and plain[22] == "."        # not identified yet

        r = ada.identify("ada@example.com")
        known = set_cookie(r)
        assert known, "the form's answer signs the claim in"
        assert known[22] == "~" and len(known) == len(plain)
        assert known[:22] == plain[:22]          # the same visitor
        assert ada.s.cookies["lv"] == known

        # B: never saw Ada, lets her in (cookies are not per port)
        ada.site = b
        r = ada.get(GATED)
        assert r.status_code == 200, r.headers.get("Location")
        assert "Set-Cookie" not in r.headers
        assert r.headers["X-Lead-Visitor"] == visitor_hex(known)
        assert not r.headers.get("X-Lead-Id")     # B knows no lead of hers
        assert json.loads(b.leadctl("leads", "--json").stdout) == []

        # a visitor who did not identify is sent to B's form
        bob = Browser(a)
        assert bob.get(OPEN).status_code == 200
        bob.site = b
        r = bob.get(GATED)
        assert r.status_code == 303 and "/lead/form" in r.headers["Location"]

        # forged: a plain value with the separator swapped, the claim's
        # MAC on another id, a claim of a key B does not have
        forged = [bob.s.cookies["lv"][:22] + "~" + bob.s.cookies["lv"][23:],
                  bob.s.cookies["lv"][:22] + known[22:]]
        write_key(two_prefixes[0], "other")
        a.write_conf(http=http("other"), server=GATE_SERVER)
        a.reload()
        eve = Browser(a)
        eve.identify("eve@example.com")
        forged.append(eve.s.cookies["lv"])
        assert forged[-1][22] == "~"
        for value in forged:
            r = b.get(GATED, cookies={"lv": value})
            assert r.status_code == 303, value
            fresh = set_cookie(r)
            assert fresh and fresh[:22] != value[:22]   # a new visitor
            assert "client sent invalid lead cookie" in b.error_log()
        assert not a.crashed() and not b.crashed()
    finally:
        for n in nodes:
            n.quit()


def test_linked_visitor_gets_the_claim(prefix):
    """A cookie from before the claim existed, of a visitor its node knows
    as a lead's, is signed again saying so on its next gated request."""
    write_key(prefix, "k1")
    n = gate_site(prefix, "k1")
    try:
        ada = Browser(n)
        ada.identify("ada@example.com")
        known = ada.s.cookies["lv"]
        # the same visitor's plain value, as the module signed it before
        r = n.get(GATED, cookies={"lv": plain_of(prefix, "k1", known)})
        assert r.status_code == 200
        assert set_cookie(r) == known
    finally:
        n.quit()


def test_confirmed_claim_gets_the_claim(prefix):
    """A second browser's claim confirmed from that browser: the answer
    signs the claim into its cookie; confirmed from elsewhere (the mail
    opened on a phone) it does not, and the browser gets it on its next
    gated read, from the store."""
    n = gate_site(prefix, "secret")             # make_prefix's key
    try:
        Browser(n).identify("ada@example.com")
        for from_itself in (True, False):
            laptop = Browser(n)
            laptop.identify("ada@example.com")           # only a claim
            assert laptop.s.cookies["lv"][22] == "."
            token = confirm_token(n, laptop, "ada@example.com")
            poster = laptop.s if from_itself else requests.Session()
            r = poster.post(n.url + "/lead/form", params={"confirm": token},
                            timeout=10)
            assert r.status_code == 200 and "Confirmed" in r.text
            if from_itself:
                assert laptop.s.cookies["lv"][22] == "~"
                assert laptop.s.cookies["lv"][:22] == set_cookie(r)[:22]
            else:
                assert laptop.s.cookies["lv"][22] == "."
                r = laptop.get(GATED)
                assert r.status_code == 200 and set_cookie(r)[22] == "~"
    finally:
        n.quit()


def confirm_token(site, browser, email):
    """The link's token of browser's claim, as the confirm notice has it
    (claims_helper.confirm_claim, without posting it)."""
    visitor = base64.urlsafe_b64decode(browser.s.cookies["lv"][:22] + "==")
    lead = bytes.fromhex(show(site, email)["id"])
    with open(os.path.join(site.prefix, "secret"), "rb") as f:
        key = f.read()
    payload = (visitor + lead
               + struct.pack(">Q", int(time.time() * 1000) + 86400000))
    mac = hmac.new(key, b"confirm:" + payload, hashlib.sha256).digest()
    return b64(payload) + "." + b64(mac)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def plain_of(prefix, key_file, value):
    """value's visitor signed plain ("visitor:") with the key in key_file,
    as lead_cookie_sign does."""
    with open(os.path.join(prefix, key_file), "rb") as f:
        key = f.read()
    vid = base64.urlsafe_b64decode(value[:22] + "==")
    mac = hmac.new(key, b"visitor:" + vid, hashlib.sha256).digest()
    return value[:22] + "." + b64(mac)


# ---- rotation --------------------------------------------------------------

def test_rotation_keeps_visitors(prefix):
    """K1; then K2 and K1 (K2 signs, a K1 cookie works and is signed again
    with K2); then K2 alone: the cookie signed again works, K1's does not."""
    write_key(prefix, "k1")
    write_key(prefix, "k2")
    n = gate_site(prefix, "k1")
    try:
        ada, bob = Browser(n), Browser(n)
        ada.identify("ada@example.com")
        bob.get(OPEN)
        k1 = {"ada": ada.s.cookies["lv"], "bob": bob.s.cookies["lv"]}
        assert k1["ada"][22] == "~" and k1["bob"][22] == "."

        n.write_conf(http=http("k2", "k1"), server=GATE_SERVER)
        n.reload()

        r = ada.get(GATED)
        assert r.status_code == 200
        k2 = set_cookie(r)
        assert k2 and k2 != k1["ada"]
        assert k2[:23] == k1["ada"][:23]        # same visitor, still "~"
        assert r.headers["X-Lead-Visitor"] == visitor_hex(k1["ada"])
        r = ada.get(GATED)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers

        r = bob.get(OPEN)
        assert r.status_code == 200
        assert set_cookie(r)[:23] == k1["bob"][:23]
        assert r.headers["X-Lead-Visitor"] == visitor_hex(k1["bob"])

        n.write_conf(http=http("k2"), server=GATE_SERVER)
        n.reload()

        r = ada.get(GATED)
        assert r.status_code == 200 and "Set-Cookie" not in r.headers
        assert r.headers["X-Lead-Visitor"] == visitor_hex(k1["ada"])

        # a cookie only K1 signed: a new visitor, and the form
        r = n.get(GATED, cookies={"lv": k1["ada"]})
        assert r.status_code == 303 and "/lead/form" in r.headers["Location"]
        assert set_cookie(r)[:22] != k1["ada"][:22]

        events = n.wait_events(5)
        ada_hex = visitor_hex(k1["ada"])
        assert sum(e["visitor"] == ada_hex for e in events) == 3
        assert not n.crashed()
    finally:
        n.quit()


def test_tokens_issued_before_a_rotation(prefix):
    """The form's token and the sales view's CSRF token of a page opened
    under K1 still verify once K2 signs (K1 still given)."""
    write_key(prefix, "secret")                 # the sales site's http
    write_key(prefix, "k2")
    n = start_sales_site(prefix)
    try:
        ada = Browser(n)
        ada.identify("ada@example.com", contact="1")     # an mql at once
        bob = Browser(n)
        bob.get(OPEN)
        _, form_token = bob.form(GATED)
        lead = show(n, "ada@example.com")
        assert lead["status"] == "mql"
        lead = lead["id"]
        sam = Salesperson(n)
        sales_token = sam.token(lead)

        n.write_conf(http=http("k2", "secret"),
                     server=SALES_SERVER.replace("{prefix}", prefix))
        n.reload()

        r = bob.post({"name": "Bob", "email": "bob@example.com",
                      "return": GATED, "token": form_token})
        assert r.status_code == 303, r.text
        assert set_cookie(r)[22] == "~"

        r = sam.act(lead, "sal", token=sales_token)
        assert r.status_code == 303, r.text
        assert show(n, "ada@example.com")["status"] == "sal"

        # with K1 gone, a token only it signed is refused
        n.write_conf(http=http("k2"),
                     server=SALES_SERVER.replace("{prefix}", prefix))
        n.reload()
        r = bob.post({"name": "Bob", "email": "bob@example.com",
                      "return": GATED, "token": form_token})
        assert r.status_code == 403
        assert not n.crashed()
    finally:
        n.quit()


# ---- nginx -t --------------------------------------------------------------

def emerg(prefix, *keys):
    r = Nginx(prefix, http=http(*keys).replace(RULES, "")).test_config()
    assert r.returncode != 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "[emerg]" in line]
    assert lines, r.stderr
    return lines[0]


def test_config_refuses_wrong_key_sets(prefix):
    for name in ("k1", "k2", "k3", "k4", "k5"):
        write_key(prefix, name)
    ok = Nginx(prefix, http=http("k1", "k2", "k3", "k4").replace(RULES, ""))
    r = ok.test_config()
    assert r.returncode == 0, r.stderr

    line = emerg(prefix, "k1", "k2", "k3", "k4", "k5")
    assert 'lead_secret "' + prefix + '/k5" is one key too many' in line
    assert "at most 4" in line

    with open(os.path.join(prefix, "short"), "wb") as f:
        f.write(b"x" * 31)
    line = emerg(prefix, "k1", "short")
    assert prefix + '/short" has 31 bytes' in line

    line = emerg(prefix, "k1", "k2", "k1")
    assert 'lead_secret "' + prefix + '/k1" is given twice' in line

    shutil.copy(os.path.join(prefix, "k1"), os.path.join(prefix, "copy"))
    line = emerg(prefix, "k1", "copy")
    assert ('lead_secret "' + prefix + '/copy" holds the same key as "'
            + prefix + '/k1"') in line
