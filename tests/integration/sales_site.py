"""The sales view's test site: the demo library, the sample rules, the gate
and the form, and lead_sales at /lead/sales/ behind auth_basic and
allow/deny, as the README's sample config has it."""

import os
import re

import requests

from conftest import Nginx, copy_site
from test_gate import HTTP  # noqa: F401 (the sales tests' http block too)


SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
        }
        location /assets/ { lead_track off; }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
        location /lead/sales/ {
            lead_sales;
            client_body_buffer_size 16k;
            auth_basic "lead sales view";
            auth_basic_user_file {prefix}/sales.htpasswd;
            allow 127.0.0.1;
            deny all;
        }
"""

# salespeople and their passwords ({PLAIN}: nginx reads it, tests only)
USERS = {"sam": "sam-pass", "pat": "pat-pass"}

TOKEN_RE = re.compile(r'name="token" value="([A-Za-z0-9_-]+)"')


def start_sales_site(prefix, server=SERVER, workers=2, copy=True):
    """nginx with the sales view; copy=False: the site is there already."""
    if copy:
        copy_site(prefix)
    with open(os.path.join(prefix, "sales.htpasswd"), "w") as f:
        for user, password in USERS.items():
            f.write(f"{user}:{{PLAIN}}{password}\n")
    return Nginx(prefix, http=HTTP, server=server.replace("{prefix}", prefix),
                 workers=workers).start()


class Salesperson:
    """A salesperson's browser: logged in, with its own visitor cookie."""

    def __init__(self, site, user="sam"):
        self.site = site
        self.base = site.url + "/lead/sales/"
        self.s = requests.Session()
        if user:
            self.s.auth = (user, USERS[user])

    def get(self, path="", **kw):
        kw.setdefault("timeout", 30)
        kw.setdefault("allow_redirects", False)
        return self.s.get(self.base + path, **kw)

    def token(self, lead_id):
        r = self.get("lead/" + lead_id)
        assert r.status_code == 200, r.text
        return TOKEN_RE.search(r.text).group(1)

    def act(self, lead_id, status, token=None, **fields):
        data = {"status": status, **fields}
        if token is not False:
            data["token"] = token or self.token(lead_id)
        return self.s.post(self.base + "lead/" + lead_id, data=data,
                           allow_redirects=False, timeout=30)
