"""Three edge nginx, an rsyslog per edge and a central rsyslog feeding
`leadctl ingest --confirm`, all on 127.0.0.1, configured by the shipped
contrib/rsyslog files: every read an edge served reaches the central store
once, whatever is killed midway, and the central store is what one store
of the same lines would be.

Every process is started here and stopped by PID, also on failure.
"""

import base64
import http.client
import json
import os
import pwd
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "integration"))
from conftest import (IS_ROOT, LEADCTL, ROOT, WORKER_USER,  # noqa: E402
                      Nginx, children_of, copy_site, free_port, make_prefix)

CONTRIB = os.path.join(ROOT, "contrib", "rsyslog")
RSYSLOGD = "/usr/sbin/rsyslogd"
# an hour after the test: both stores' lists are compared at that moment
NOW = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 3600))
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"

VISITORS = int(os.environ.get("LEAD_CLUSTER_VISITORS", "500"))
CLIENTS = 4
DELIVERY_TIMEOUT = 60           # s, for the central store to hold them all
READS = ["/", "/library/why-outages-cost.html",
         "/library/hidden-costs-of-downtime.html",
         "/library/sd-wan-vs-mpls.html",
         "/library/case-study-logistics.html", "/library/pricing.html",
         "/library/network-map.pdf", "/library/guide/",
         "/library/guide/1-requirements.html"]

# the longest line an edge writes: a path of 953 control characters, each
# \u0001 in the line (about 6 KB), which the whole chain must carry whole
LONG_DIRS = ["\x01" * 250] * 3
LONG_FILE = "x" + "\x01" * 200 + ".html"
LONG_PATH = "/long/" + "/".join(LONG_DIRS + [LONG_FILE])
LONG_URL = urllib.parse.quote(LONG_PATH)

EDGE_HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    log_format lead_json escape=none '$lead_event';
"""

EDGE_SERVER = """
        access_log {prefix}/logs/lead.json lead_json if=$lead_event;
        add_header X-Request-Id $request_id always;
        location / { lead_track on; }
        location /assets/ { lead_track off; }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
            lead_form_contact on;
        }
"""

CENTRAL_SERVER = """
        location /lead/sales/ { lead_sales; }
"""


# ---- the shipped configuration, with this test's paths and ports ---------

def shipped(name, replace):
    """contrib/rsyslog/NAME with each of replace's texts (each found once
    in it) put in its place: the file as shipped, only paths and ports
    changed."""
    with open(os.path.join(CONTRIB, name)) as f:
        text = f.read()
    for old, new in replace:
        assert text.count(old) == 1, (name, old)
        text = text.replace(old, new)
    return text


def as_user(path):
    """path (and what is in it) owned by the user nginx's workers run as,
    which leadctl runs as too, as a packaged install does."""
    if IS_ROOT:
        pw = pwd.getpwnam(WORKER_USER)
        for d, dirs, files in os.walk(path):
            for n in [d] + [os.path.join(d, x) for x in dirs + files]:
                os.chown(n, pw.pw_uid, pw.pw_gid)


def started(pid):
    """When process pid started (clock ticks since boot), or None."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, ValueError, IndexError):
        return None


class Rsyslog:
    """rsyslogd -n with its own config, work directory and PID file; no
    system socket (no imuxsock, no imklog): only what the included
    contrib file loads.  Its own messages go to a file in its directory."""

    def __init__(self, base, name, contrib):
        self.dir = os.path.join(base, name)
        os.makedirs(os.path.join(self.dir, "work"))
        self.conf = os.path.join(self.dir, "rsyslog.conf")
        self.pidfile = os.path.join(self.dir, "rsyslogd.pid")
        self.log = os.path.join(self.dir, "rsyslogd.log")
        with open(os.path.join(self.dir, "included.conf"), "w") as f:
            f.write(contrib)
        with open(self.conf, "w") as f:
            f.write(f"""
global(workDirectory="{self.dir}/work")
include(file="{self.dir}/included.conf")
action(type="omfile" file="{self.log}")
""")
        check = subprocess.run([RSYSLOGD, "-N1", "-f", self.conf],
                               capture_output=True, text=True, timeout=30)
        assert check.returncode == 0, check.stderr
        self.proc = None
        self.seen = {}              # its omprog children ever: start times

    def start(self):
        self.proc = subprocess.Popen(
            [RSYSLOGD, "-n", "-C", "-f", self.conf, "-i", self.pidfile],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        return self

    def children(self):
        kids = children_of(self.proc.pid) if self.proc else []
        for pid in kids:
            self.seen.setdefault(pid, started(pid))
        return kids

    def kill9(self):
        self.children()
        self.proc.kill()
        self.proc.wait(10)

    def stop(self, timeout=20):
        if self.proc and self.proc.poll() is None:
            self.children()
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        # a child left behind, if it is still the one seen (not its PID
        # taken by another process since)
        for pid, when in self.seen.items():
            if when is not None and started(pid) == when:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass

    def saved_position(self):
        """The offset imfile saved in its state file (the one file)."""
        work = os.path.join(self.dir, "work")
        state = [n for n in os.listdir(work) if n.startswith("imfile-state")]
        assert len(state) == 1, state
        with open(os.path.join(work, state[0])) as f:
            return json.load(f)["curr_offs"]

    def messages(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except FileNotFoundError:
            return ""


# ---- the cluster ---------------------------------------------------------

class Cluster:
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="lead-cluster-")
        os.chmod(self.base, 0o755)
        self.edges, self.shippers = [], []
        self.central = self.central_log = self.central_rsyslog = None
        self.relp_port = free_port()

    def start(self):
        # the central node: nginx serving the sales view from the store
        # leadctl ingest writes (nginx makes it, records the rules)
        prefix = make_prefix()
        copy_site(prefix)
        self.central = Nginx(prefix, server=CENTRAL_SERVER, http="""
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
""").start()
        self.central_log = os.path.join(self.base, "lead-ingest.log")
        setpriv = "/usr/bin/setpriv --reuid=www-data --regid=www-data " \
                  "--init-groups "
        mine = f"/usr/bin/setpriv --reuid={WORKER_USER} --regid=nogroup " \
               "--init-groups " if IS_ROOT else ""
        self.central_rsyslog = Rsyslog(self.base, "central", shipped(
            "lead-central.conf", [
                ('port="2514"', f'port="{self.relp_port}"'),
                (setpriv + "/usr/bin/leadctl --store /var/lib/nginx/lead",
                 mine + f"{LEADCTL} --store {self.central.store}"),
                ("/var/log/lead-ingest.log", self.central_log)])).start()

        secret = os.path.join(prefix, "secret")
        for i in range(3):
            p = make_prefix()
            copy_site(p)
            shutil.copy(secret, os.path.join(p, "secret"))  # shared
            long_dir = os.path.join(p, "html", "long", *LONG_DIRS)
            os.makedirs(long_dir)
            with open(os.path.join(long_dir, LONG_FILE), "w") as f:
                f.write("<!doctype html><title>long</title>")
            edge = Nginx(p, http=EDGE_HTTP,
                         server=EDGE_SERVER.replace("{prefix}", p))
            self.edges.append(edge.start())
            self.shippers.append(Rsyslog(self.base, f"edge{i}", shipped(
                "lead-edge.conf", [
                    ('file="/var/log/nginx/lead.json"',
                     'file="%s"' % os.path.join(p, "logs", "lead.json")),
                    ('target="lead-central.example.net" port="2514"',
                     f'target="127.0.0.1" port="{self.relp_port}"')]))
                .start())
        return self

    def ingest_pids(self):
        return self.central_rsyslog.children()

    def lines(self):
        """Every line the edges wrote, in one list."""
        out = []
        for e in self.edges:
            path = os.path.join(e.prefix, "logs", "lead.json")
            if os.path.exists(path):
                with open(path) as f:
                    out += [x for x in f.read().split("\n") if x]
        return out

    def stop(self):
        for r in self.shippers + [self.central_rsyslog]:
            if r:
                r.stop()
        for n in self.edges + [self.central]:
            if n:
                n.quit()
        if not os.environ.get("LEAD_TEST_KEEP"):
            for n in self.edges + [self.central]:
                if n:
                    shutil.rmtree(n.prefix, ignore_errors=True)
            shutil.rmtree(self.base, ignore_errors=True)


@pytest.fixture
def cluster():
    c = Cluster()
    try:
        yield c.start()
    finally:
        c.stop()


# ---- the load --------------------------------------------------------------

def visitor_hex(cookie):
    return base64.urlsafe_b64decode(cookie[:22] + "==").hex()


class Visitor:
    """One browser: its cookie goes with it from edge to edge."""

    def __init__(self, n, rng):
        self.n = n
        self.cookie = None
        self.id = None
        self.email = None
        steps = [("read", rng.randrange(3), rng.choice(READS))
                 for _ in range(rng.randint(3, 7))]
        if n % 50 == 1:
            steps.append(("read", rng.randrange(3), LONG_URL))
        if n % 3 == 0:
            # the form on another edge than the first read's
            first = steps[0][1]
            at = rng.randint(1, len(steps))
            steps.insert(at, ("identify", (first + rng.randint(1, 2)) % 3,
                              f"person{n}@acme{n % 7}.example"))
        self.steps = steps


class Load:
    """The visitors' steps spread over a few client threads; every answer
    kept: (visitor, edge, kind, status, request id, path or e-mail)."""

    def __init__(self, cluster, visitors):
        self.cluster = cluster
        self.visitors = visitors
        self.todo = [(v, i) for v in visitors for i in range(len(v.steps))]
        self.total = len(self.todo)
        self.answers = []
        self.errors = 0
        self.lock = threading.Lock()
        self.queues = [[] for _ in range(CLIENTS)]
        # a visitor's steps in order, on one client
        for v in visitors:
            self.queues[v.n % CLIENTS].append(v)
        self.threads = [threading.Thread(target=self.run, args=(q,),
                                         daemon=True) for q in self.queues]

    def done(self):
        with self.lock:
            return len(self.answers) + self.errors

    def start(self):
        for t in self.threads:
            t.start()
        return self

    def join(self, timeout=300):
        for t in self.threads:
            t.join(timeout)
            assert not t.is_alive(), "the load did not finish"

    def request(self, v, edge, method, path, body=None):
        headers = {"User-Agent": BROWSER}
        if v.cookie:
            headers["Cookie"] = v.cookie
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        conn = http.client.HTTPConnection("127.0.0.1", edge.port, timeout=10)
        try:
            conn.request(method, path, body=body, headers=headers)
            r = conn.getresponse()
            data = r.read()
        except (OSError, http.client.HTTPException):
            with self.lock:
                self.errors += 1
            return None, None
        finally:
            conn.close()
        for h, value in r.getheaders():
            if h.lower() == "set-cookie" and value.startswith("lv="):
                v.cookie = value.split(";")[0]
                v.id = visitor_hex(v.cookie[3:])
        return r, data

    def run(self, queue):
        for v in queue:
            for kind, e, what in v.steps:
                # a person's two reads are never in one millisecond, whose
                # events no store could put in one order (edges' clocks)
                time.sleep(0.002)
                edge = self.cluster.edges[e]
                if kind == "read":
                    # an edge that is down: the next, as a balancer would
                    for other in (e, (e + 1) % 3, (e + 2) % 3):
                        r, _ = self.request(v, self.cluster.edges[other],
                                            "GET", what)
                        if r:
                            self.keep(v, other, "read", r, what)
                            break
                    continue
                ret = "/library/pricing.html"
                r, page = self.request(
                    v, edge, "GET", "/lead/form?return=" + ret)
                if not r or r.status != 200:
                    continue
                token = page.decode().split('name="token" value="')[1] \
                    .split('"')[0]
                body = urllib.parse.urlencode({
                    "name": f"Person {v.n}", "email": what, "return": ret,
                    "token": token})
                r, _ = self.request(v, edge, "POST", "/lead/form", body)
                if r:
                    self.keep(v, e, "identify", r, what)
                    if r.status == 303:
                        v.email = what

    def keep(self, v, e, kind, r, what):
        with self.lock:
            self.answers.append((v, e, kind, r.status,
                                 r.getheader("X-Request-Id"), what))


def mark(load, cluster):
    """A new visitor's read on edge 1, once the central store has it."""
    v = Visitor(VISITORS + len(load.answers), random.Random(0))
    v.steps = [("read", 1, "/library/pricing.html")]
    load.run([v])
    rid = load.answers[-1][4] + "-r"
    wait_until("the mark in the central store", lambda: rid in {
        x["id"] for x in exported(cluster.central.store)}, DELIVERY_TIMEOUT)


def wait_until(what, fn, timeout):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if fn():
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} within {timeout} s")


def leadctl(store, *args, check=True):
    r = subprocess.run([LEADCTL, "--store", store, *args],
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, (args, r.stderr)
    return r


def exported(store):
    out = leadctl(store, "export", "--json").stdout
    return [json.loads(x) for x in out.split("\n") if x]


def ingest_counts(text):
    """The counts of leadctl ingest's summaries in text ("leadctl: ingest:
    N lines: A applied, D duplicates, R refused, M malformed"), summed."""
    total = {}
    for line in text.splitlines():
        if not line.startswith("leadctl: ingest: "):
            continue
        for part in line.split(":")[-1].split(","):
            words = part.split()
            if len(words) == 2 and words[0].isdigit():
                total[words[1]] = total.get(words[1], 0) + int(words[0])
    return total


# ---- the test ---------------------------------------------------------------

def test_cluster_loses_and_doubles_nothing_through_kills(cluster):
    rng = random.Random(24)
    visitors = [Visitor(n, rng) for n in range(VISITORS)]
    load = Load(cluster, visitors).start()
    kills = []

    def at(fraction):
        wait_until(f"{fraction:.0%} of the load",
                   lambda: load.done() >= load.total * fraction, 120)
        return load.done()

    # the central leadctl dies: rsyslog starts another and sends it the
    # line the dead one did not confirm (first: every duplicate after it
    # is counted by the one that ends cleanly)
    at(0.25)
    wait_until("a central leadctl", cluster.ingest_pids, 10)
    for pid in cluster.ingest_pids():
        os.kill(pid, signal.SIGKILL)
    kills.append(["the central leadctl ingest", load.done(), None])

    # an edge's shipper dies and comes back: it goes on from the position
    # it saved; what it had sent past it comes again (as duplicates)
    at(0.45)
    shipper = cluster.shippers[0]
    shipper.kill9()
    kills.append(["edge 0's rsyslog", load.done(), None])
    # what it sends again: of these, those the central node had are
    # duplicates (at most all)
    with open(os.path.join(cluster.edges[0].prefix, "logs", "lead.json"),
              "rb") as f:
        f.seek(shipper.saved_position())
        kills[-1][2] = f.read().count(b"\n")
    time.sleep(0.5)
    shipper.start()

    # a whole edge dies (master and workers) and starts on the same store
    at(0.65)
    edge = cluster.edges[2]
    pids = [edge.proc.pid] + children_of(edge.proc.pid)
    for pid in pids:
        os.kill(pid, signal.SIGKILL)
    edge.proc.wait(10)
    kills.append(["edge 2's nginx", load.done(), None])
    time.sleep(1)
    edge.start()

    load.join()

    # a shipper that lost its state (its work directory wiped) sends its
    # whole file again: every line comes twice and changes nothing.  A
    # read on that edge first: once it is stored, so is every line the
    # edge wrote before it (one connection, in order)
    mark(load, cluster)
    replay = cluster.shippers[1]
    replay.kill9()
    work = os.path.join(replay.dir, "work")
    for name in os.listdir(work):
        os.remove(os.path.join(work, name))
    with open(os.path.join(cluster.edges[1].prefix, "logs", "lead.json")) as f:
        replayed = sum(1 for x in f if x.strip())
    replay.start()
    kills.append(["edge 1's rsyslog, its state removed", load.done(),
                  replayed])
    mark(load, cluster)

    served = {a[4] + "-r" for a in load.answers
              if a[2] == "read" and a[3] == 200}
    reads = [a for a in load.answers if a[2] == "read"]
    assert len(served) == sum(1 for a in reads if a[3] == 200)

    # every read the edges served reaches the central store, once
    central = cluster.central.store
    got = []

    def all_there():
        got[:] = [x["id"] for x in exported(central) if x["kind"] == "read"]
        return served <= set(got)

    start = time.time()
    deadline = start + DELIVERY_TIMEOUT
    while not all_there() and time.time() < deadline:
        time.sleep(0.1)
    lost = served - set(got)
    print(f"\ncluster: {len(load.answers)} answers, {load.errors} "
          f"requests failed (an edge down), {len(served)} reads served, "
          f"{len(got)} stored centrally ({len(set(got))} ids), "
          f"{len(lost)} lost; all there {time.time() - start:.1f} s "
          "after the load")

    # redeliveries: the lines the central ingest dropped as seen, told by
    # the leadctl that ends cleanly when its rsyslog stops
    cluster.central_rsyslog.stop()
    with open(cluster.central_log) as f:
        told = f.read()
    counts = ingest_counts(told)
    assert not lost, told
    assert len(got) == len(set(got)), "a read stored twice"
    assert set(got) == served, set(got) - served
    print(f"cluster: {len(cluster.lines())} lines written by the edges; "
          f"the central leadctl that ended cleanly: {counts}")
    for what, when, resent in kills:
        again = "" if resent is None else f": it sent {resent} lines again"
        print(f"cluster: killed {what} after {when} requests{again}")
    assert counts.get("malformed") == 0 and counts.get("refused") == 0, told
    # every duplicate is a resend: every line of the shipper without its
    # state, those of the killed shipper's the central node already had,
    # and at most the line the killed leadctl had not confirmed
    replayed = kills[3][2]
    assert replayed <= counts["duplicates"] <= replayed + kills[1][2] + 1, \
        told
    print(f"cluster: redeliveries dropped: {counts['duplicates']}, of which "
          f"{replayed} the whole file, {counts['duplicates'] - replayed} "
          "after the kills")

    longest = [x for x in exported(central) if x.get("path") == LONG_PATH]
    assert len(longest) == sum(1 for a in reads
                               if a[3] == 200 and a[5] == LONG_URL) > 0

    # identities merged across edges: read on one, identified on another
    identified = [v for v in visitors if v.email]
    assert len(identified) > VISITORS // 5
    moved = 0
    for v in identified:
        mine = [a for a in load.answers if a[0] is v]
        lead = json.loads(leadctl(central, "show", v.email, "--json",
                                  "--now", NOW).stdout)
        assert v.id in [d["visitor"] for d in lead["devices"]], v.email
        assert len(lead["events"]) == sum(
            1 for a in mine if a[2] == "read" and a[3] == 200), v.email
        form_edge = [a[1] for a in mine if a[2] == "identify"][0]
        if any(a[1] != form_edge for a in mine
               if a[2] == "read" and a[3] == 200):
            moved += 1
    assert moved > len(identified) // 2

    # the central list is what one store of the same lines shows
    lines = os.path.join(cluster.base, "all.json")
    with open(lines, "w") as f:
        f.write("".join(x + "\n" for x in cluster.lines()))
    single = os.path.join(cluster.base, "single")
    os.mkdir(single)
    rules = os.path.join(cluster.central.prefix, "rules")
    leadctl(single, "ingest", "--rules", rules, lines)
    want = json.loads(leadctl(single, "leads", "--json", "--now", NOW,
                              "--rules", rules).stdout)
    have = json.loads(leadctl(central, "leads", "--json", "--now", NOW,
                              "--rules", rules).stdout)
    for h, w in zip(have, want):
        # an MQL dates from the first trigger its store held: a read that
        # arrives behind a later trigger of the same lead does not date it
        # back (README), so two orders of the same lines may date it apart
        if h["status"] == "mql" == w["status"]:
            h["status_since"], h["waiting_ms"] = (w["status_since"],
                                                  w["waiting_ms"])
        assert h == w, {k: (h[k], w.get(k)) for k in h if h[k] != w.get(k)}
    assert have == want
    assert {x["email"] for x in have} == {v.email for v in identified}
    # and the central nginx's sales view lists them so
    sales = json.loads(cluster.central.get("/lead/sales/leads.json").text)
    assert [r["email"] for r in sales] == \
        [r["email"] for r in json.loads(
            leadctl(central, "leads", "--json").stdout)]

    # a forget on the central node erases the person there
    gone = identified[0]
    leadctl(central, "forget", gone.email)
    assert leadctl(central, "show", gone.email, check=False).returncode != 0
    for x in exported(central):
        assert x.get("email") != gone.email
        assert x.get("visitor") != gone.id
