"""A claim confirmed as its person would, for tests of second devices.

A browser that types a known e-mail only claims its lead; the lead's
mail would carry the link.  Tests without a mail service sign the link
as the module does (HMAC-SHA256 under the site's lead_secret) and post it.
"""

import base64
import hashlib
import hmac
import json
import os
import struct
import time

import requests


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def confirm_claim(site, browser, email, form="/lead/form"):
    """Confirms browser's pending claim of email; returns the response."""
    cookie = browser.s.cookies.get("lv")
    visitor = base64.urlsafe_b64decode(cookie[:22] + "==")   # "." or "~"
    lead = bytes.fromhex(json.loads(
        site.leadctl("show", email, "--json").stdout)["id"])
    with open(os.path.join(site.prefix, "secret"), "rb") as f:
        secret = f.read()
    expires = int(time.time() * 1000) + 24 * 3600 * 1000
    payload = visitor + lead + struct.pack(">Q", expires)
    mac = hmac.new(secret, b"confirm:" + payload, hashlib.sha256).digest()
    r = requests.post(site.url + form,
                      params={"confirm": _b64(payload) + "." + _b64(mac)},
                      timeout=10)
    assert r.status_code == 200 and "Confirmed" in r.text, r.text
    return r
