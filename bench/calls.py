#!/usr/bin/env python3
"""The module's cost in instructions: a line that does not move with the
machine's load.

One nginx (no master, the worker's own thread counted apart from the
pool's: --separate-threads) runs under callgrind with a plain, a tracked
and a gated server on the same files.  A fixed mix of a browser's
requests goes to each, over one keep-alive connection per kind:

    returning    a visitor's cookie, a 4 KiB page (tracked)
    first visit  no cookie, one of eight 4 KiB pages (tracked)
    gated lead   a lead's cookie, the gated page (gated)
    bot          a crawler's agent, no cookie (tracked)

and the same requests, headers and cookies included, to plain nginx.  For
each kind: the worker's instructions per request with the module, plain
nginx's, and what the module adds, judged against the targets (returning
<= 2,000, first visit <= 4,000).  Prints bench/run.sh's tab-separated
lines: section, what, median, min, max, unit, target, PASS/FAIL.

    bench/calls.py BUILD_DIR OUT_DIR [--requests N]

Everything listens on 127.0.0.1; the nginx started is stopped by PID.
"""

import argparse
import glob
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compare import summary  # noqa: E402
from nginx import BROWSER_HEADERS, Site  # noqa: E402

BOT_AGENT = ("User-Agent: Mozilla/5.0 (compatible; Googlebot/2.1; "
             "+http://www.google.com/bot.html)")
PAGES = [f"/p{i}.html" for i in range(8)]

# what the module may add, instructions per request
TARGETS = {"returning": 2000, "first visit": 4000}


def kinds(site):
    """name: (configuration, paths, headers) of each kind of request."""
    browser = [h for h in BROWSER_HEADERS]
    returning = browser + [f"Cookie: {site.visitor_cookie('tracked')}"]
    lead = browser + [f"Cookie: {site.lead_cookie()}"]
    bot = [BOT_AGENT] + [h for h in browser if not h.startswith("User-")]
    return {
        "returning": ("tracked", ["/page.html"], returning),
        "first visit": ("tracked", PAGES, browser),
        "gated lead": ("gated", ["/page.html"], lead),
        "bot": ("tracked", PAGES, bot),
    }


def ask(port, paths, headers, n):
    """n requests over one connection, the paths in turn."""
    cmd = ["curl", "-s"]
    for h in headers:
        cmd += ["-H", h]
    for i in range(n):
        cmd += ["-o", "/dev/null",
                f"http://127.0.0.1:{port}{paths[i % len(paths)]}"]
    subprocess.run(cmd, check=True, timeout=600)


def count(args):
    site = Site(args.build, args.out, ["plain", "tracked", "gated"])
    www = os.path.join(site.prefix, "www")
    with open(os.path.join(www, "page.html")) as f:
        page = f.read()
    for p in PAGES:
        with open(www + p, "w") as f:
            f.write(page)
    out = os.path.join(site.prefix, "cg.out")
    for old in glob.glob(out + "*"):
        os.remove(old)
    cg = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes",
         "--instr-atstart=no", "--callgrind-out-file=" + out,
         "/usr/sbin/nginx", "-p", site.prefix, "-c", site.conf,
         "-g", "daemon off; master_process off;"],
        stderr=subprocess.DEVNULL)
    counts = {}
    try:
        deadline = time.time() + 120
        while True:
            try:
                site.request("tracked")
                break
            except OSError:
                if time.time() > deadline or cg.poll() is not None:
                    raise RuntimeError("nginx under callgrind did not start")
                time.sleep(0.5)
        cases = kinds(site)
        subprocess.run(["callgrind_control", "-i", "on", str(cg.pid)],
                       capture_output=True, check=True)
        dump = 0
        for name, (config, paths, headers) in cases.items():
            for c in ("plain", config):
                port = site.ports[c]
                # warm up; then a flush, which sizes the visitors made
                # ahead to what it saw, as at a steady rate
                ask(port, paths, headers, args.requests)
                time.sleep(1.5)
                subprocess.run(["callgrind_control", "-z", str(cg.pid)],
                               capture_output=True, check=True)
                ask(port, paths, headers, args.requests)
                subprocess.run(["callgrind_control", "-d", str(cg.pid)],
                               capture_output=True, check=True)
                dump += 1
                (path,) = glob.glob(f"{out}.{dump}-01")
                counts[(name, c)] = summary(path) / args.requests
    finally:
        cg.terminate()
        cg.wait(60)
    return cases, counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--requests", type=int, default=1000)
    args = ap.parse_args()

    cases, counts = count(args)

    def out(what, value, target=None):
        ok = "" if target is None else ("PASS" if value <= target
                                        else "FAIL")
        v = f"{value:.0f}"
        print("\t".join(["calls", what, v, v, v, "instructions/req",
                         "" if target is None else f"<= {target:,}", ok]),
              flush=True)

    for name, (config, _, _) in cases.items():
        plain = counts[(name, "plain")]
        module = counts[(name, config)]
        out(f"{name}: plain nginx, the worker", plain)
        out(f"{name}: {config}, the worker", module)
        out(f"{name}: {config}, added by the module", module - plain,
            TARGETS.get(name))


if __name__ == "__main__":
    main()
