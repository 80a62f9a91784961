"""The Debian packages installed into this machine's nginx, used, purged.

As root: installs build/deb/'s libnginx-mod-http-lead and lead-tools
(./build.sh deb builds them), checks where their files are and what
postinst made, runs nginx -t and a short journey in a throwaway
configuration of its own (own prefix, a free port on 127.0.0.1, store and
secret in a temp dir; the system's modules-enabled snippet loads the
module), then purges both and checks nothing is left.  The system nginx
is never started, reloaded or reconfigured by the test itself.
"""

import glob
import grp
import json
import os
import pwd
import re
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time

import pytest
import requests

ROOT = os.path.abspath(os.environ.get(
    "LEAD_ROOT", os.path.join(os.path.dirname(__file__), "..", "..")))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
from conftest import children_of, free_port  # noqa: E402
DEBS = os.environ.get("LEAD_DEBS", os.path.join(ROOT, "build", "deb"))
PACKAGES = ("libnginx-mod-http-lead", "lead-tools")
NGINX = "/usr/sbin/nginx"
LEADCTL = "/usr/bin/leadctl"
ENABLED = "/etc/nginx/modules-enabled/50-mod-http-lead.conf"
AVAILABLE = "/usr/share/nginx/modules-available/mod-http-lead.conf"
STORE = "/var/lib/lead"
SECRET = "/etc/nginx/lead.secret"
EMAIL = "ada@lovelace-logistics.example"

pytestmark = pytest.mark.skipif(os.geteuid() != 0,
                                reason="installs packages: root only")

APT = ["apt-get", "-y", "-q", "-o", "DPkg::Lock::Timeout=300"]
APT_ENV = dict(os.environ, DEBIAN_FRONTEND="noninteractive")

CONF = """
include /etc/nginx/modules-enabled/*.conf;
user www-data;
worker_processes 2;
error_log {prefix}/logs/error.log notice;
pid {prefix}/logs/nginx.pid;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    lead_store  {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules  /usr/share/lead/rules;
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        location / {{
            lead_track on;
            lead_gate  auto;
        }}
        location = /lead/form {{
            lead_form;                  # the built-in page
        }}
    }}
}}
"""


def run(cmd, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=300,
                          **kw)


def status_of(package):
    r = run(["dpkg-query", "-W", "-f=${Status}", package])
    return r.stdout if r.returncode == 0 else ""


def purge():
    present = [p for p in PACKAGES
               if re.search(r"installed|config-files|unpacked|half",
                            status_of(p))]
    if present:
        r = run(APT + ["purge"] + present, env=APT_ENV)
        assert r.returncode == 0, r.stdout + r.stderr


def package_debs():
    debs = []
    for p in PACKAGES:
        found = sorted(glob.glob(os.path.join(DEBS, f"{p}_*.deb")))
        assert found, f"no {p}_*.deb in {DEBS}: run ./build.sh deb"
        debs.append(found[-1])
    return debs


def listed_files(package):
    r = run(["dpkg", "-L", package])
    assert r.returncode == 0, r.stderr
    return [f for f in r.stdout.split("\n")
            if f and not os.path.isdir(f) or os.path.islink(f)]


@pytest.fixture(scope="module")
def installed():
    debs = package_debs()
    purge()             # a package left by an earlier run
    r = run(APT + ["install"] + debs, env=APT_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    files = {p: listed_files(p) for p in PACKAGES}
    yield files
    purge()


@pytest.fixture
def site(installed):
    prefix = tempfile.mkdtemp(prefix="lead-package-")
    os.chmod(prefix, 0o755)         # the workers (www-data) enter it
    os.mkdir(os.path.join(prefix, "logs"))
    # the snippet's load_module path is relative to the prefix, as in
    # Debian's own (/usr/share/nginx/modules is this very link)
    os.symlink("/usr/lib/nginx/modules", os.path.join(prefix, "modules"))
    shutil.copytree(os.path.join(ROOT, "html"), os.path.join(prefix, "html"))
    with open(os.path.join(prefix, "secret"), "wb") as f:
        f.write(os.urandom(48))
    os.chmod(os.path.join(prefix, "secret"), 0o600)
    port = free_port()
    conf = os.path.join(prefix, "nginx.conf")
    with open(conf, "w") as f:
        f.write(CONF.format(prefix=prefix, port=port))
    proc = None
    workers = set()
    try:
        r = run([NGINX, "-t", "-p", prefix, "-c", conf])
        assert r.returncode == 0, r.stderr
        proc = subprocess.Popen([NGINX, "-p", prefix, "-c", conf,
                                 "-g", "daemon off;"])
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                assert proc.poll() is None, "nginx exited"
                assert time.monotonic() < deadline, "nginx did not listen"
                time.sleep(0.05)
        workers.update(children_of(proc.pid))
        yield {"url": f"http://127.0.0.1:{port}",
               "store": os.path.join(prefix, "store")}
    finally:
        if proc is not None:
            workers.update(children_of(proc.pid))
            if proc.poll() is None:
                proc.send_signal(signal.SIGQUIT)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(5)
            for pid in workers:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        shutil.rmtree(prefix, ignore_errors=True)


def test_files_are_where_debian_puts_them(installed):
    module = installed["libnginx-mod-http-lead"]
    tools = installed["lead-tools"]
    assert "/usr/lib/nginx/modules/ngx_http_lead_module.so" in module
    assert AVAILABLE in module
    assert ("/usr/share/doc/libnginx-mod-http-lead/examples/lead-site.conf"
            in module)
    with open(AVAILABLE) as f:
        assert f.read() == "load_module modules/ngx_http_lead_module.so;\n"
    assert os.path.islink(ENABLED)
    assert os.readlink(ENABLED) == AVAILABLE
    for path in (LEADCTL, "/usr/share/man/man1/leadctl.1.gz",
                 "/usr/share/lead/rules/assets.csv",
                 "/usr/share/lead/rules/scoring.conf",
                 "/usr/share/lead/templates/form.html"):
        assert path in tools, path
    r = run([LEADCTL, "rules", "check", "/usr/share/lead/rules"])
    assert r.returncode == 0, r.stdout + r.stderr


def test_postinst_made_the_store_and_the_secret(installed):
    st = os.stat(STORE)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o750
    assert pwd.getpwuid(st.st_uid).pw_name == "www-data"
    assert grp.getgrgid(st.st_gid).gr_name == "www-data"
    st = os.stat(SECRET)
    assert stat.S_IMODE(st.st_mode) == 0o640 and st.st_size == 48
    assert (st.st_uid, grp.getgrgid(st.st_gid).gr_name) == (0, "www-data")


def test_journey_with_the_installed_module_and_leadctl(site):
    s = requests.Session()
    url = site["url"]
    r = s.get(url + "/library/why-outages-cost.html", timeout=10)
    assert r.status_code == 200 and "lv" in s.cookies
    r = s.get(url + "/library/guide/", allow_redirects=False, timeout=10)
    assert r.status_code == 303
    form = s.get(r.headers["Location"], allow_redirects=False, timeout=10)
    assert form.status_code == 200
    action = re.search(r'<form method="post" action="([^"]+)"',
                       form.text).group(1)
    data = {"return": re.search(r'name="return" value="([^"]*)"',
                                form.text).group(1),
            "token": re.search(r'name="token" value="([A-Za-z0-9_-]+)"',
                               form.text).group(1),
            "name": "Ada Lovelace", "email": EMAIL}
    r = s.post(url + action, data=data, allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    assert r.headers["Location"].endswith("/library/guide/")
    r = s.get(url + "/library/guide/", allow_redirects=False, timeout=10)
    assert r.status_code == 200

    deadline = time.monotonic() + 10
    while True:
        r = run([LEADCTL, "--store", site["store"], "leads", "--json"])
        assert r.returncode == 0, r.stderr
        leads = json.loads(r.stdout)
        rows = leads["leads"] if isinstance(leads, dict) else leads
        if [row["email"] for row in rows] == [EMAIL]:
            break
        assert time.monotonic() < deadline, r.stdout
        time.sleep(0.2)


def test_an_upgrade_keeps_the_store_and_the_secret(installed):
    with open(SECRET, "rb") as f:
        secret = f.read()
    marker = os.path.join(STORE, "kept")
    open(marker, "w").close()
    r = run(APT + ["install", "--reinstall"] + package_debs(), env=APT_ENV)
    assert r.returncode == 0, r.stdout + r.stderr
    with open(SECRET, "rb") as f:
        assert f.read() == secret
    assert os.path.exists(marker)
    assert os.path.islink(ENABLED)


def test_purge_leaves_nothing(installed):
    files = installed["libnginx-mod-http-lead"] + installed["lead-tools"]
    purge()
    for p in PACKAGES:
        assert status_of(p) in ("", "unknown ok not-installed"), p
    left = [f for f in files + [STORE, SECRET, ENABLED, ENABLED + ".removed"]
            if os.path.lexists(f)]
    assert left == []
