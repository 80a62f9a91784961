#!/usr/bin/env python3
"""lead next to plain nginx, in one nginx, on the same files.

One worker pinned to core 0, wrk pinned to core 1 (two workers would
measure their fight with wrk over the cores, not nginx).  Each round runs
every configuration on a 4 KiB page and a 1 MiB PDF, each between two
runs of plain nginx, in an order that turns from round to round; a run is
compared with each of those neighbours, then the median over rounds is
taken.  Everything listens on 127.0.0.1; every process this starts is
stopped by PID.  Prints one tab-separated line per result: section, what,
median, min, max, unit, target, PASS/FAIL, the median's 90% interval (of
ratios).  A ratio of requests/s is judged against another configuration
only where nginx, not wrk, is the limit.

    bench/nginx.py BUILD_DIR OUT_DIR [--rounds N] [--seconds S]
                   [--ingest-requests N] [--ingest-limit S] [--geoip DB]

With --geoip (a MaxMind DB that places 127.0.0.1: tests/geoip/
make_test_db.pl DB London --loopback), every event is placed, as on a site
that scores by country; bench/run.sh runs without.
"""

import argparse
import http.client
import os
import random
import re
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse

NGINX = "/usr/sbin/nginx"
HERE = os.path.dirname(os.path.abspath(__file__))

# A pinned worker, as a site that pins its workers runs the module: with
# its own pool ("thread_pool lead"), whose threads the module lowers and
# moves to the cores nginx was given other than the worker's (here
# wrk's).  In nginx's "default" pool they would share the worker's core.
CONF = """
load_module {module};
worker_processes 1;
worker_cpu_affinity 01;
thread_pool lead threads=4;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    lead_store {prefix}/store size=32g;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
{geoip}
{servers}
}}
"""

# what each configuration adds to the same static server, whose location
# / every request goes through, as on any site
CONFIGS = {
    "plain": "location / { }",
    # the same again: what a ratio moves by with nothing to measure
    "plain again": "location / { }",
    "tracked": "location / { lead_track on; }",
    "gated": """location / { lead_track on; lead_gate on; }
        location = /lead/form { lead_form;
            lead_form_template %(root)s/html/form.html; }""",
    "auth_request, nginx 204": """location / { auth_request /auth; }
        location = /auth { internal; return 204; }""",
    "auth_request, python app": """location / { auth_request /auth; }
        location = /auth { internal;
            proxy_pass http://127.0.0.1:%(py)d/check;
            proxy_pass_request_body off;
            proxy_set_header Content-Length ""; }""",
    "access_log on": """location / { }
        access_log %(prefix)s/access.log;""",
}

ASSETS = """path,title,stage,points,topic,flags
/page.html,A 4 KiB page,interest,10,fibre,
/map.pdf,A 1 MiB map,decision,40,fibre,hot
/p0.html,Fibre in the north,awareness,5,fibre,
/p1.html,Rural broadband,awareness,5,rural,
/p2.html,Backhaul guide,interest,10,backhaul,
/p3.html,Pricing,decision,30,fibre,hot
/p4.html,Case study,evaluation,15,rural,
/p5.html,Installers,interest,10,backhaul,
/p6.html,Coverage map,evaluation,15,fibre,
/p7.html,Contact sales,decision,30,fibre,hot
"""

# eight 4 KiB pages a visitor moves among (bench/lua/*.lua ask for them)
PAGES = [f"/p{i}.html" for i in range(8)]
LUA = os.path.join(HERE, "lua")

# the usual alternative: a small app that checks a signed cookie
GATE_APP = r'''
import hashlib, hmac, sys
from http.server import BaseHTTPRequestHandler, HTTPServer
KEY = open(sys.argv[2], "rb").read()

class Gate(BaseHTTPRequestHandler):
    def do_GET(self):
        ok = False
        for part in self.headers.get("Cookie", "").split(";"):
            name, _, value = part.strip().partition("=")
            if name == "gate" and "." in value:
                who, mac = value.split(".", 1)
                want = hmac.new(KEY, who.encode(), hashlib.sha256).hexdigest()
                ok = hmac.compare_digest(want, mac)
        self.send_response(204 if ok else 401)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass

HTTPServer(("127.0.0.1", int(sys.argv[1])), Gate).serve_forever()
'''


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def children(pid):
    kids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as f:
                    if int(f.read().rsplit(")", 1)[1].split()[1]) == pid:
                        kids.append(int(entry))
            except OSError:
                pass
    return kids


def rss_kib(pid):
    """Resident KiB: anonymous (the heap: what a leak grows) and file-backed
    (the store's mapped pages, the page cache's to reclaim)."""
    rss = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(("RssAnon:", "RssFile:")):
                rss[line.split(":")[0]] = int(line.split()[1])
    return rss


# glibc keeps each thread's malloc arena in heaps of 64 MiB address space,
# aligned to their size (HEAP_MAX_SIZE on 64 bits)
ARENA_ALIGN = 64 << 20


def stack_size(pid):
    """A thread's stack as pthreads maps it: the soft RLIMIT_STACK."""
    with open(f"/proc/{pid}/limits") as f:
        for line in f:
            if line.startswith("Max stack size"):
                soft = line.split()[3]
                return int(soft) if soft.isdigit() else 8 << 20
    return 8 << 20


def anon_kib(pid):
    """Anonymous resident KiB of the event loop (the main heap, nginx's
    pools, the module's caches: what a leak of the worker's grows) and of
    the pool threads (their stacks, and their malloc arenas, glibc's: one
    a thread, at most eight a core, each keeping the peak of the tasks it
    ran), and how many arenas."""
    own = threads = count = 0
    stack = stack_size(pid)
    with open(f"/proc/{pid}/smaps") as f:
        for line in f:
            field = line.split()
            if "-" in field[0] and not field[0].endswith(":"):
                start, end = (int(a, 16) for a in field[0].split("-"))
                named = len(field) > 5
            elif field[0] == "Anonymous:" and int(field[1]):
                arena = not named and start % ARENA_ALIGN == 0
                if arena or (not named and end - start == stack):
                    threads += int(field[1])
                    count += arena
                else:
                    own += int(field[1])
    return {"own": own, "threads": threads, "count": count}


class Site:
    """One nginx with a server per configuration, and the gate app."""

    def __init__(self, build, out, configs, status=False, geoip=None):
        self.build = os.path.abspath(build)
        self.prefix = os.path.join(os.path.abspath(out), "nginx")
        self.root = os.path.dirname(HERE)
        self.ports = {name: free_port() for name in configs}
        self.procs = []
        self.seen = set()
        os.makedirs(os.path.join(self.prefix, "www"), exist_ok=True)
        os.makedirs(os.path.join(self.prefix, "rules"), exist_ok=True)
        subprocess.run(["rm", "-rf", os.path.join(self.prefix, "store")],
                       check=True)
        for page in ["/page.html"] + PAGES:
            with open(os.path.join(self.prefix, "www") + page, "w") as f:
                f.write("<!doctype html><title>p</title>" + "x" * 4065)
        with open(os.path.join(self.prefix, "www", "map.pdf"), "wb") as f:
            f.write(bytes(range(256)) * 4096)
        with open(os.path.join(self.prefix, "rules", "assets.csv"), "w") as f:
            f.write(ASSETS)
        with open(os.path.join(self.prefix, "rules", "scoring.conf"),
                  "w") as f:
            f.write("mql_threshold 100000;\n")
        with open(os.path.join(self.prefix, "secret"), "wb") as f:
            f.write(os.urandom(48))

        self.py = free_port()
        servers = []
        for name in configs:
            servers.append("    server { listen 127.0.0.1:%d; root %s;\n"
                           "        %s\n    }" % (
                               self.ports[name],
                               os.path.join(self.prefix, "www"),
                               CONFIGS[name] % {"root": self.root,
                                                "py": self.py,
                                                "prefix": self.prefix}))
        if status:
            self.status_port = free_port()
            servers.append("    server { listen 127.0.0.1:%d; "
                           "location / { stub_status; } }" % self.status_port)
        self.conf = os.path.join(self.prefix, "nginx.conf")
        with open(self.conf, "w") as f:
            f.write(CONF.format(module=os.path.join(self.build,
                                                    "ngx_http_lead_module.so"),
                                prefix=self.prefix,
                                geoip=f"    lead_geoip {geoip};"
                                if geoip else "",
                                servers="\n".join(servers)))

    def start(self):
        try:
            return self.launch()
        except Exception:
            self.stop()
            raise

    def launch(self):
        if "auth_request, python app" in self.ports:
            app = os.path.join(self.prefix, "gate.py")
            with open(app, "w") as f:
                f.write(GATE_APP)
            self.procs.append(subprocess.Popen(
                ["taskset", "-c", "0", sys.executable, app, str(self.py),
                 os.path.join(self.prefix, "secret")]))
        self.nginx = subprocess.Popen([NGINX, "-p", self.prefix, "-c",
                                       self.conf, "-g", "daemon off;"])
        self.procs.append(self.nginx)
        deadline = time.time() + 10
        for port in list(self.ports.values()) + [self.py] * (
                "auth_request, python app" in self.ports):
            while True:
                try:
                    socket.create_connection(("127.0.0.1", port), 0.2).close()
                    break
                except OSError:
                    if time.time() > deadline:
                        raise RuntimeError("nginx did not start")
                    time.sleep(0.05)
        self.seen.update(children(self.nginx.pid))
        return self

    def worker(self):
        kids = children(self.nginx.pid)
        self.seen.update(kids)
        return kids[0]

    def stop(self):
        """A graceful stop: the workers write what they hold first."""
        if getattr(self, "nginx", None) and self.nginx.poll() is None:
            self.seen.update(children(self.nginx.pid))
            self.nginx.send_signal(signal.SIGQUIT)
            try:
                self.nginx.wait(60)
            except subprocess.TimeoutExpired:
                pass
        for p in self.procs:
            if p.poll() is None:
                p.kill()
                p.wait(5)
        for pid in self.seen:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def request(self, name, method="GET", path="/page.html", headers=None,
                body=None):
        c = http.client.HTTPConnection("127.0.0.1", self.ports.get(
            name, getattr(self, "status_port", 0)), timeout=10)
        c.request(method, path, body=body, headers=headers or {})
        r = c.getresponse()
        data = r.read()
        c.close()
        return r, data

    def visitor_cookie(self, name):
        """A returning visitor's lv cookie, as a browser keeps it."""
        r, _ = self.request(name)
        return r.getheader("Set-Cookie").split(";")[0]

    def lead_cookie(self):
        """The cookie of a visitor that filled the form: a lead."""
        r, page = self.request("gated", path="/lead/form?return=/page.html")
        cookie = r.getheader("Set-Cookie").split(";")[0]
        token = re.search(rb'name="token" value="([^"]+)"', page).group(1)
        body = urllib.parse.urlencode({
            "name": "Bench Lead", "email": "bench@lead.example",
            "return": "/page.html", "token": token.decode()})
        r, _ = self.request("gated", "POST", "/lead/form", body=body,
                            headers={"Cookie": cookie, "Content-Type":
                                     "application/x-www-form-urlencoded"})
        assert r.status == 303, r.status
        return cookie

    def visitor_cookies(self, n, name="lv"):
        """n returning visitors' cookies, signed with the site's secret as
        the module signs them: base64url(id) "." base64url(HMAC-SHA256(
        key, "visitor:" id))."""
        import base64
        import hashlib
        import hmac

        def b64(b):
            return base64.urlsafe_b64encode(b).rstrip(b"=").decode()

        with open(os.path.join(self.prefix, "secret"), "rb") as f:
            key = f.read()
        cookies = []
        for _ in range(n):
            vid = os.urandom(16)
            mac = hmac.new(key, b"visitor:" + vid, hashlib.sha256).digest()
            cookies.append(f"{name}={b64(vid)}.{b64(mac)}")
        return cookies

    def app_cookie(self):
        import hashlib
        import hmac
        with open(os.path.join(self.prefix, "secret"), "rb") as f:
            key = f.read()
        mac = hmac.new(key, b"bench", hashlib.sha256).hexdigest()
        return f"gate=bench.{mac}"

    def served(self):
        """Requests nginx has handled, from stub_status (this one too)."""
        _, data = self.request(None, path="/")
        return int(data.split()[9])


# what a browser sends with every request, to every configuration alike:
# nginx parses all of it, and the module reads the agent and the referrer
BROWSER_HEADERS = [
    "User-Agent: Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
    "*/*;q=0.8",
    "Accept-Language: en-GB,en;q=0.9",
    "Referer: https://www.example.com/",
]


def wrk(port, path, seconds, cookie=None, connections=64, script=None,
        env=None):
    """script: a bench/lua/ script that chooses each request."""
    cmd = ["taskset", "-c", "1", "wrk", "-t1", f"-c{connections}",
           f"-d{seconds}s", "--latency"]
    if script:
        cmd += ["-s", os.path.join(LUA, script)]
    for header in BROWSER_HEADERS + ([f"Cookie: {cookie}"] if cookie else []):
        cmd += ["-H", header]
    cmd.append(f"http://127.0.0.1:{port}{path}")
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    out = subprocess.run(cmd, capture_output=True, text=True,
                         timeout=seconds + 30,
                         env=dict(os.environ, **(env or {}))).stdout
    wall = time.monotonic() - start
    spent = resource.getrusage(resource.RUSAGE_CHILDREN)
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    scale = {"us": 1e-3, "ms": 1.0, "s": 1e3}
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), "
                       r"write (\d+), timeout (\d+)", out)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "p99_ms": float(p99.group(1)) * scale[p99.group(2)],
        "bad": int(bad.group(1)) if bad else 0,
        "errors": sum(map(int, errors.groups())) if errors else 0,
        "wall": wall,
        # of its core: at 1 for the side that limits the throughput
        "wrk_busy": (spent.ru_utime - used.ru_utime
                     + spent.ru_stime - used.ru_stime) / wall,
    }


def line(section, what, values, unit, target="", ok=None, per_round=0):
    """per_round: how many of values each round gave, for the interval in
    which the median would fall were the rounds run again."""
    median = statistics.median(values)
    fmt = "%.0f" if abs(median) >= 100 else "%.3f"
    interval = ""
    if per_round:
        low, high = median_interval(values, per_round)
        interval = f"{fmt % low}–{fmt % high}"
    print("\t".join([section, what, fmt % median, fmt % min(values),
                     fmt % max(values), unit,
                     target, "" if ok is None else ("PASS" if ok else "FAIL"),
                     interval]),
          flush=True)


def median_interval(values, per_round, resamples=2000):
    """The 90% interval of the median, by resampling whole rounds: a
    round's ratios share their plain runs, so they are not independent."""
    rounds = [values[i:i + per_round]
              for i in range(0, len(values), per_round)]
    pick = random.Random(len(values))   # the same data, the same interval
    medians = sorted(
        statistics.median([v for _ in rounds for v in pick.choice(rounds)])
        for _ in range(resamples))
    return medians[resamples // 20], medians[resamples - 1 - resamples // 20]


# what the module must cost at most, as a ratio to plain nginx or another
# configuration measured beside it
TARGETS = {("tracked", "plain"): 0.95, ("gated", "plain"): 0.90,
           ("tracked", "access_log on"): 1.0}
FIRST_VISIT_TARGET = 0.90     # tracked / plain, every request a new visitor
FIRST = "first visit, 4 KiB pages"
P99_TARGET = 1.10


def compare(args):
    """Each configuration runs between two runs of plain nginx, and is
    compared with each of them: the machine's drift is the same for both
    sides of a ratio.  Not with their mean: req/s here has a long fast
    tail, which lifts a mean of two above a typical run (plain nginx read
    below 1 against itself that way); one run against another is as
    likely above as below when nothing differs."""
    names = list(CONFIGS)
    others = names[1:]
    site = Site(args.build, args.out, names, geoip=args.geoip).start()
    try:
        cookies = {"tracked": site.visitor_cookie("tracked"),
                   "gated": site.lead_cookie(),
                   "auth_request, python app": site.app_cookie()}
        files = (("4 KiB page", "/page.html"), ("1 MiB PDF", "/map.pdf"))
        runs = {(f, n): [] for f, _ in files for n in names}

        worker = site.worker()

        def run(n, path, seconds):
            # the same request everywhere, a visitor's cookie included, as
            # the same visitors would send it to any of these servers; a
            # first visit has none, and its page is one of eight
            used = cpu_seconds(worker)[0]
            if path == FIRST:
                r = wrk(site.ports[n], "/", seconds,
                        script="first_visit.lua")
            else:
                r = wrk(site.ports[n], path, seconds,
                        cookies.get(n, cookies["tracked"]))
            # the event loop's own time: the machine's other tenants take
            # turns from it, they do not add to it
            spent = cpu_seconds(worker)[0] - used
            r["cpu_us"] = spent * 1e6 / max(r["requests"], 1)
            r["worker_busy"] = spent / r["wall"]
            if r["bad"] or r["errors"]:
                print(f"bench: {n} {path}: {r['bad']} non-2xx, "
                      f"{r['errors']} socket errors", file=sys.stderr)
            return r

        for f, path in files:                  # warm caches and the store
            for n in names:
                run(n, path, 1)
        first = {"plain": [], "tracked": []}
        for n in first:
            run(n, FIRST, 1)
        for rnd in range(args.rounds):
            for f, path in files:
                order = others[rnd % len(others):] + others[:rnd % len(others)]
                before = run("plain", path, args.seconds)
                runs[(f, "plain")].append(before)
                for n in order:
                    r = run(n, path, args.seconds)
                    after = run("plain", path, args.seconds)
                    runs[(f, "plain")].append(after)
                    r["plain"] = (before, after)
                    runs[(f, n)].append(r)
                    before = after
            # first visits: tracked between two runs of plain, as above
            before = run("plain", FIRST, args.seconds)
            first["plain"].append(before)
            r = run("tracked", FIRST, args.seconds)
            after = run("plain", FIRST, args.seconds)
            first["plain"].append(after)
            r["plain"] = (before, after)
            first["tracked"].append(r)
    finally:
        site.stop()

    for f, _ in files:
        report_file(f, others, runs)
    ratios = [r["rps"] / p["rps"] for r in first["tracked"]
              for p in r["plain"]]
    line("nginx", f"{FIRST}: plain nginx",
         [r["rps"] for r in first["plain"]], "req/s")
    line("nginx", f"{FIRST}: tracked / plain", ratios, "ratio",
         f">= {FIRST_VISIT_TARGET}",
         statistics.median(ratios) >= FIRST_VISIT_TARGET, 2)
    line("nginx", f"{FIRST}: tracked, the worker's CPU time per request / "
         "plain's", [r["cpu_us"] / p["cpu_us"] for r in first["tracked"]
                     for p in r["plain"]], "ratio")


def first_visits(args):
    """First visits alone into an empty store, then a graceful stop: what
    the store grows by per new visitor's request, and every one stored."""
    site = Site(args.build, args.out, ["tracked"], status=True,
                geoip=args.geoip).start()
    try:
        r = wrk(site.ports["tracked"], "/", 10, script="first_visit.lua")
        served = site.served() - 1
    finally:
        site.stop()
    events, size = stored(args.build, site)
    line("ingest", f"{FIRST}: events recorded by the module",
         [r["requests"] / r["wall"]], "events/s")
    line("ingest", f"{FIRST}: store growth per request",
         [size / max(events, 1)], "bytes/req")
    line("ingest", f"{FIRST}: events lost after a graceful stop",
         [served - events], "events", "== 0", served == events)


def report_file(f, others, runs):
    def judged(what, values, target, per_round=2):
        line("nginx", what, values, "ratio",
             f">= {target}" if target else "",
             statistics.median(values) >= target if target else None,
             per_round)

    def to_plain(n, key):
        return [r[key] / p[key] for r in runs[(f, n)] for p in r["plain"]]

    line("nginx", f"{f}: plain nginx", [r["rps"] for r in runs[(f, "plain")]],
         "req/s")
    line("nginx", f"{f}: plain nginx p99",
         [r["p99_ms"] for r in runs[(f, "plain")]], "ms")
    # a ratio of requests/s measures nginx only where nginx is the limit:
    # the busier of the worker's core and wrk's
    busy = {who: statistics.median(r[f"{who}_busy"]
                                   for r in runs[(f, "plain")])
            for who in ("worker", "wrk")}
    for who, what in (("worker", "the worker"), ("wrk", "wrk")):
        line("nginx", f"{f}: plain nginx, {what}'s share of its core",
             [r[f"{who}_busy"] for r in runs[(f, "plain")]], "ratio")
    for n in others:
        judged(f"{f}: {n} / plain", to_plain(n, "rps"),
               TARGETS.get((n, "plain")))
        line("nginx", f"{f}: {n}, added time per request",
             [1e6 / r["rps"] - 1e6 / p["rps"]
              for r in runs[(f, n)] for p in r["plain"]], "us/req")
        line("nginx", f"{f}: {n}, the worker's CPU time per request / "
             "plain's", to_plain(n, "cpu_us"), "ratio")
        if n in ("tracked", "gated"):
            p99 = to_plain(n, "p99_ms")
            line("nginx", f"{f}: {n} p99 / plain p99", p99, "ratio",
                 f"<= {P99_TARGET:.2f}", statistics.median(p99) <= P99_TARGET,
                 2)
    # both measured against plain nginx in the same round, each ratio of
    # the one against each of the other's
    tracked = to_plain("tracked", "rps")
    logged = to_plain("access_log on", "rps")
    against_log = [t / a for i in range(0, len(tracked), 2)
                   for t in tracked[i:i + 2] for a in logged[i:i + 2]]
    target = TARGETS[("tracked", "access_log on")]
    if busy["worker"] >= busy["wrk"]:
        judged(f"{f}: tracked / access_log on", against_log, target, 4)
    else:
        # both at plain's rate, wrk's: neither cost reaches the
        # throughput, and which reads higher is the noise's pick
        line("nginx", f"{f}: tracked / access_log on", against_log, "ratio",
             f">= {target} where nginx is the limit; wrk is", None, 4)


def stored(build, site):
    """The events in a stopped site's store, and the size of its file."""
    count = subprocess.run([os.path.join(os.path.abspath(build),
                                         "bench-count"),
                            os.path.join(site.prefix, "store")],
                           capture_output=True, text=True, check=True)
    return tuple(map(int, count.stdout.split()))


def cpu_seconds(pid):
    """CPU time of the worker's main thread and of its other threads (the
    pool's, where the store's work runs)."""
    main = others = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        # nanoseconds on a CPU, where stat counts 10 ms ticks
        with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
            used = int(f.read().split()[0]) / 1e9
        if int(tid) == pid:
            main += used
        else:
            others += used
    return main, others


VISITORS = 100000


def ingest(args):
    """A million tracked requests of 100k returning visitors (their cookies
    signed with the site's key, each request one of them in turn, with a
    page, referrer and campaign of several), then a graceful stop: every
    one stored, and the worker's heap no bigger than once it had warmed
    up."""
    site = Site(args.build, args.out, ["tracked"], status=True,
                geoip=args.geoip).start()
    try:
        cookies = os.path.join(site.prefix, "cookies.txt")
        with open(cookies, "w") as f:
            f.write("\n".join(site.visitor_cookies(VISITORS)) + "\n")
        many = {"script": "visitors.lua", "env": {"LEAD_COOKIES": cookies}}
        worker = site.worker()
        # the batches and LMDB's page buffers grow with the events of a
        # flush, which the scheduling varies: the heap's peak over a warm-up
        # is the worker's working size, and a leak would go past it
        warm, warm_anon = [], []
        for _ in range(6):
            wrk(site.ports["tracked"], "/", 5, **many)
            warm.append(rss_kib(worker))
            warm_anon.append(anon_kib(worker))
        before_rss = {k: max(w[k] for w in warm) for k in warm[0]}
        before_anon = {k: max(w[k] for w in warm_anon) for k in warm_anon[0]}
        # stub_status counts the request reading it
        before = site.served()
        cpu_before = cpu_seconds(worker)
        start = time.time()
        requests = 0
        while requests < args.ingest_requests and \
                time.time() - start < args.ingest_limit:
            requests += wrk(site.ports["tracked"], "/", 10,
                            **many)["requests"]
        took = time.time() - start
        between = site.served() - before - 1
        after_rss = rss_kib(worker)
        after_anon = anon_kib(worker)
        # the store's last flushes of the load, then what it all took
        time.sleep(5)
        cpu_after = cpu_seconds(worker)
        # all tracked requests: the warm-up's and the load's
        tracked = before - 1 + between
    finally:
        site.stop()

    events, size = stored(args.build, site)
    line("ingest", f"tracked requests served, {VISITORS // 1000}k visitors",
         [tracked], "requests")
    line("ingest", f"events recorded by the module under load, "
         f"{VISITORS // 1000}k visitors", [between / took], "events/s")
    for what, i in (("worker", 0), ("store's threads (off its core)", 1)):
        line("ingest", f"{what}: CPU time per tracked request",
             [(cpu_after[i] - cpu_before[i]) / between * 1e6], "us/req")
    line("ingest", "events lost after a graceful stop (served - stored)",
         [tracked - events], "events", "== 0", tracked == events)
    anon = (after_anon["own"] - before_anon["own"]) / 1024
    line("memory", "worker heap (RssAnon), peak of a 30 s warm-up",
         [before_rss["RssAnon"] / 1024], "MiB")
    line("memory", "worker heap growth (RssAnon) past that peak, all",
         [(after_rss["RssAnon"] - before_rss["RssAnon"]) / 1024], "MiB")
    line("memory", f"worker heap growth past that peak over {between} "
         "requests, the pool threads' aside", [anon], "MiB", "< 1", anon < 1)
    line("memory", "pool threads' stacks and malloc arenas "
         f"({after_anon['count']} arenas, {before_anon['count']} after the "
         "warm-up), growth",
         [(after_anon["threads"] - before_anon["threads"]) / 1024], "MiB")
    line("memory", "worker mapped store pages (RssFile) growth",
         [(after_rss["RssFile"] - before_rss["RssFile"]) / 1024], "MiB")
    line("memory", "store size per million events",
         [size / max(events, 1) * 1e6 / 2**20], "MiB")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--ingest-requests", type=int, default=1000000)
    ap.add_argument("--ingest-limit", type=int, default=120,
                    help="seconds at most")
    ap.add_argument("--geoip", help="a MaxMind DB that places 127.0.0.1 "
                    "(tests/geoip/make_test_db.pl DB London --loopback)")
    args = ap.parse_args()
    compare(args)
    first_visits(args)
    ingest(args)


if __name__ == "__main__":
    main()
