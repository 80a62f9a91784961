"""Real nginx with the built module on 127.0.0.1, in a temp prefix.

Every process a test starts is stopped by PID at teardown (master first,
then any worker left behind).
"""

import base64
import http.client
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time

import pytest
import requests

BUILD = os.environ.get(
    "LEAD_BUILD",
    os.path.join(os.path.dirname(__file__), "..", "..", "build"))
BUILD = os.path.abspath(BUILD)
# build.sh runs the suite a second time with the module built with ASan
# and UBSan: nginx (not instrumented) then needs the runtime preloaded
MODULE = os.environ.get("LEAD_MODULE",
                        os.path.join(BUILD, "ngx_http_lead_module.so"))
SANITIZER_PRELOAD = os.environ.get("LEAD_SANITIZER_PRELOAD")
NGINX_ENV = dict(os.environ, LD_PRELOAD=SANITIZER_PRELOAD) \
    if SANITIZER_PRELOAD else None
LEADCTL = os.path.join(BUILD, "leadctl")
NGINX = "/usr/sbin/nginx"

IS_ROOT = os.geteuid() == 0
# as root nginx runs its workers as this user, as a packaged install does
WORKER_USER = "nobody"

CONF = """
load_module {module};
worker_processes {workers};
error_log {prefix}/logs/error.log {loglevel};
pid {prefix}/logs/nginx.pid;
{user}
events {{ worker_connections 256; }}
http {{
    access_log off;
    include /etc/nginx/mime.types;
    {http}
    server {{
        listen 127.0.0.1:{port};
        root {prefix}/html;
        {server}
    }}
}}
"""

DEFAULT_HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
"""

DEFAULT_SERVER = """
        location / { lead_track on; }
        location /nogpc/ { lead_track on; lead_honor_gpc off; }
        location /plain/ { lead_track off; }
"""


# The feedback form as the demo serves it (ssi on for the articles, the
# form's location limited like lead_form's), for copy_site's library; and
# /open/feedback, the same handler without the limit, for many posts;
# /nossi/, tracked without SSI, to compare reads with; /untracked/, SSI
# without tracking.
FEEDBACK_HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;

    map $request_method $lead_form_limit {
        POST     $binary_remote_addr;
        default  "";
    }
    limit_req_zone $lead_form_limit zone=lead_form:1m rate=10r/m;
"""

FEEDBACK_SERVER = """
        location / {
            lead_track on;
            lead_gate auto;
            ssi on;
        }
        location /assets/ { lead_track off; }
        location = /lead/form { lead_form; }
        location = /lead/feedback {
            lead_feedback;
            client_body_buffer_size 16k;
            limit_req zone=lead_form burst=5 nodelay;
            limit_req_status 429;
        }
        location = /open/feedback {
            lead_feedback;
            client_body_buffer_size 16k;
        }
        location /nossi/ { lead_track on; }
        location /untracked/ { lead_track off; ssi on; }
"""

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children_of(pid):
    """PIDs whose parent is pid (nginx workers of a master)."""
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            kids.append(int(entry))
    return kids


class Nginx:
    def __init__(self, prefix, http=None, server=None, workers=2):
        self.prefix = prefix
        self.nworkers = workers
        self.port = free_port()
        self.proc = None
        self.seen_pids = set()
        self.write_conf(http, server)

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def store(self):
        return os.path.join(self.prefix, "store")

    @property
    def conf(self):
        return os.path.join(self.prefix, "nginx.conf")

    def write_conf(self, http=None, server=None):
        http = DEFAULT_HTTP if http is None else http
        server = DEFAULT_SERVER if server is None else server
        with open(self.conf, "w") as f:
            f.write(CONF.format(
                module=MODULE, prefix=self.prefix, port=self.port,
                workers=self.nworkers,
                loglevel=os.environ.get("LEAD_TEST_LOGLEVEL", "info"),
                user=f"user {WORKER_USER} nogroup;" if IS_ROOT else "",
                http=http.replace("{prefix}", self.prefix),
                server=server))

    def test_config(self):
        return subprocess.run(
            [NGINX, "-t", "-p", self.prefix, "-c", self.conf],
            capture_output=True, text=True, timeout=30, env=NGINX_ENV)

    def start(self):
        self.proc = subprocess.Popen(
            [NGINX, "-p", self.prefix, "-c", self.conf,
             "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=NGINX_ENV)
        deadline = time.time() + 10
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError("nginx exited: "
                                   + self.proc.stderr.read().decode())
            try:
                with socket.create_connection(("127.0.0.1", self.port),
                                              timeout=0.2):
                    break
            except OSError:
                time.sleep(0.05)
        else:
            raise RuntimeError("nginx did not start listening")
        self.workers(self.nworkers)
        return self

    def workers(self, count, timeout=10):
        """Waits until the master has count workers; returns their PIDs."""
        deadline = time.time() + timeout
        while time.time() < deadline:
            kids = children_of(self.proc.pid)
            self.seen_pids.update(kids)
            if len(kids) == count:
                return kids
            time.sleep(0.05)
        raise RuntimeError(f"expected {count} workers, have {kids}")

    def reload(self):
        old = set(self.workers(self.nworkers))
        self.proc.send_signal(signal.SIGHUP)
        deadline = time.time() + 10
        while time.time() < deadline:
            kids = set(children_of(self.proc.pid))
            self.seen_pids.update(kids)
            if len(kids) == self.nworkers and not kids & old:
                return
            time.sleep(0.05)
        raise RuntimeError("reload did not replace the workers")

    def quit(self, timeout=15):
        if self.proc and self.proc.poll() is None:
            self.seen_pids.update(children_of(self.proc.pid))
            self.proc.send_signal(signal.SIGQUIT)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
        self.kill_all()

    def kill_all(self):
        if self.proc and self.proc.poll() is None:
            self.seen_pids.update(children_of(self.proc.pid))
            self.proc.kill()
            self.proc.wait(5)
        for pid in self.seen_pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def error_log(self):
        # a broken file's bytes may be quoted in it
        with open(os.path.join(self.prefix, "logs", "error.log"),
                  errors="replace") as f:
            return f.read()

    def get(self, path, **kw):
        kw.setdefault("timeout", 10)
        kw.setdefault("allow_redirects", False)
        return requests.get(self.url + path, **kw)

    def leadctl(self, *args, check=True):
        r = subprocess.run([LEADCTL, "--store", self.store, *args],
                           capture_output=True, text=True, timeout=60)
        if check and r.returncode != 0:
            raise AssertionError(f"leadctl {args} failed: {r.stderr}")
        return r

    def events(self):
        return json.loads(self.leadctl("events", "--json").stdout)

    def stored(self):
        """What the store holds of people and reads, to compare before and
        after: every event (with its visitor) and each lead as it was
        given (by id; scores and ranks are left out: the fold moves them
        as time passes)."""
        if not os.path.exists(os.path.join(self.store, "data.mdb")):
            return {"events": [], "visitors": [], "leads": []}
        leads = json.loads(self.leadctl("leads", "--json").stdout)
        keep = ("id", "email", "name", "topics", "subscribed", "contact",
                "devices", "status")
        return {"events": self.events(),
                "visitors": json.loads(
                    self.leadctl("visitors", "--json").stdout),
                "leads": sorted(({k: lead[k] for k in keep}
                                 for lead in leads), key=lambda x: x["id"])}

    def crashed(self):
        """error.log lines of a worker that died (a crash, an abort); a
        graceful stop logs "exited with code 0"."""
        return [line for line in self.error_log().splitlines()
                if "exited on signal" in line
                or re.search(r"worker process \d+ exited with code [1-9]",
                             line)]

    def raw(self, data, timeout=10):
        """data sent as is on one connection; what came back until nginx
        closed it (or timeout passed)."""
        with socket.create_connection(("127.0.0.1", self.port),
                                      timeout=timeout) as s:
            s.sendall(data)
            return read_all(s, time.time() + timeout)

    def wait_events(self, count, timeout=10):
        """Events once count of them are stored (flush is 100 ms here)."""
        deadline = time.time() + timeout
        while True:
            evs = self.events() if os.path.exists(
                os.path.join(self.store, "data.mdb")) else []
            if len(evs) >= count or time.time() > deadline:
                return evs
            time.sleep(0.05)


def read_all(sock, deadline):
    """Bytes from sock until the peer closes it or the deadline passes."""
    got = b""
    while time.time() < deadline:
        sock.settimeout(max(0.01, deadline - time.time()))
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            break
        if not chunk:
            break
        got += chunk
    return got


def status_of(response):
    """The status code of raw response bytes, or None if there are none."""
    if not response.startswith(b"HTTP/1."):
        return None
    return int(response.split(b" ", 2)[1])


def make_prefix():
    prefix = tempfile.mkdtemp(prefix="lead-test-")
    # workers run as an unprivileged user: they must reach html/ and logs
    os.chmod(prefix, 0o755)
    os.makedirs(os.path.join(prefix, "logs"))
    html = os.path.join(prefix, "html")
    os.makedirs(os.path.join(html, "nogpc"))
    os.makedirs(os.path.join(html, "plain"))
    os.makedirs(os.path.join(html, "docs"))
    page = "<!doctype html><title>t</title>" + "x" * 4000
    for name in ("page.html", "nogpc/page.html", "plain/page.html",
                 "docs/a.html"):
        with open(os.path.join(html, name), "w") as f:
            f.write(page)
    with open(os.path.join(html, "big.pdf"), "wb") as f:
        f.write(bytes(range(256)) * 400)      # 102,400 bytes
    with open(os.path.join(prefix, "secret"), "wb") as f:
        f.write(os.urandom(48))
    return prefix


ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SAMPLE_RULES = os.path.join(ROOT, "rules")
SAMPLE_HTML = os.path.join(ROOT, "html")


def copy_site(prefix):
    """The demo library and the sample rules, copied into the prefix."""
    html = os.path.join(prefix, "html")
    shutil.rmtree(html)
    shutil.copytree(SAMPLE_HTML, html)
    shutil.copytree(SAMPLE_RULES, os.path.join(prefix, "rules"))


def start_demo(prefix):
    """nginx running the very config ./build.sh demo writes (auth_basic on
    the sales view, limit_req on the form), on a free port in prefix;
    returns it and the sales password."""
    n = Nginx(prefix)       # its port; build.sh writes the conf
    r = subprocess.run([os.path.join(ROOT, "build.sh"), "demo-config",
                        prefix, str(n.port)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return n.start(), r.stdout.strip()


BENCH_DATASET = os.path.join(BUILD, "bench-dataset")


def make_dataset(prefix, leads, events):
    """A generated store of leads and events (bench/dataset.c) in the
    prefix, with the sample rules copied in, owned by the workers' user."""
    copy_site(prefix)
    store = os.path.join(prefix, "store")
    os.mkdir(store)
    subprocess.run([BENCH_DATASET, store, os.path.join(prefix, "rules"),
                    str(leads), str(events)], check=True,
                   capture_output=True, timeout=120)
    if IS_ROOT:
        pw = pwd.getpwnam(WORKER_USER)
        for name in os.listdir(store) + [""]:
            os.chown(os.path.join(store, name), pw.pw_uid, pw.pw_gid)
    return store


@pytest.fixture
def prefix():
    p = make_prefix()
    yield p
    if not os.environ.get("LEAD_TEST_KEEP"):     # for looking at the logs
        shutil.rmtree(p, ignore_errors=True)


@pytest.fixture
def nginx(prefix):
    n = Nginx(prefix)
    try:
        yield n.start()
    finally:
        n.quit()


class Load:
    """Bounded GET load on nginx from threads of this process.

    Each thread keeps one keep-alive connection (a new one every few
    requests, so both workers get some) and sends no cookie, so every
    answer is a new visitor: an answer and its event are matched by the
    visitor id in the Set-Cookie.  Kept per answer: when it came, its
    status, the worker that sent it (the X-Pid header, if the location adds
    it), the visitor id (hex, as leadctl prints it) and its latency.
    """

    def __init__(self, nginx, path="/page.html", threads=3, per_conn=8,
                 limit=20000):
        self.nginx = nginx
        self.path = path
        self.nthreads = threads
        self.per_conn = per_conn
        self.limit = limit                   # bounds the load however fast
        self.answers = []                    # (time, status, pid, id, secs)
        self.errors = 0
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._threads = []

    def __enter__(self):
        for _ in range(self.nthreads):
            t = threading.Thread(target=self._run, daemon=True)
            t.start()
            self._threads.append(t)
        return self

    def __exit__(self, *exc):
        self.stop()

    def stop(self):
        self._stop.set()
        for t in self._threads:
            t.join(30)
        self._threads = []

    def _run(self):
        conn, sent = None, 0
        while not self._stop.is_set():
            with self._lock:
                if len(self.answers) + self.errors >= self.limit:
                    return
            if conn is None or sent == self.per_conn:
                if conn:
                    conn.close()
                conn = http.client.HTTPConnection("127.0.0.1",
                                                  self.nginx.port, timeout=10)
                sent = 0
            start = time.monotonic()
            try:
                conn.request("GET", self.path)
                r = conn.getresponse()
                r.read()
            except (OSError, http.client.HTTPException):
                # a worker that died or closed: that request is unknown
                conn.close()
                conn = None
                with self._lock:
                    self.errors += 1
                time.sleep(0.01)
                continue
            now = time.monotonic()
            sent += 1
            cookie = (r.getheader("Set-Cookie") or "").split(";")[0]
            vid = None
            if cookie.startswith("lv="):
                vid = base64.urlsafe_b64decode(
                    cookie[3:25] + "==").hex()
            pid = r.getheader("X-Pid")
            with self._lock:
                self.answers.append((now, r.status, pid and int(pid), vid,
                                     now - start))
        if conn:
            conn.close()

    def wait(self, count, timeout=30):
        """Until count answers came (however long the machine takes)."""
        deadline = time.monotonic() + timeout
        while len(self.answers) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        assert len(self.answers) >= count, (len(self.answers), self.errors)

    def ok(self, since=0):
        """The visitor ids of the 200 answers that came after since."""
        return {a[3]: a for a in list(self.answers)
                if a[1] == 200 and a[0] > since}
