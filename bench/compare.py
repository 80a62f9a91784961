#!/usr/bin/env python3
"""Two builds of the module, side by side: is B slower than A?

Each build runs in its own nginx (plain and tracked servers, one worker
pinned to core 0, wrk on core 1), and the rounds interleave them in an
order that turns: A, B, B, A, ...  A round compares tracked with plain of
the same nginx and of the same moment, so the machine's drift cancels;
the medians over rounds of tracked / plain for A and for B, and of B's
tracked / A's tracked, are printed with their 90% intervals.  A's plain
against B's plain is the noise floor: both are the same nginx.

With --callgrind, each build also runs under valgrind for a fixed number
of a browser's requests, and the worker's instructions per request are
counted for plain and tracked: the figure that does not move with the
machine's load.

    bench/compare.py BUILD_A BUILD_B OUT_DIR [--rounds N] [--seconds S]
                     [--callgrind] [--requests N]

--rounds 0 skips the throughput rounds (with --callgrind: the counts
alone).

Everything listens on 127.0.0.1; every process this starts is stopped by
PID.
"""

import argparse
import glob
import os
import random
import re
import statistics
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from nginx import BROWSER_HEADERS, Site, free_port, wrk  # noqa: E402

CONFIGS = ["plain", "tracked"]


def interval(ratios, rounds=2000):
    """The median and its 90% interval, resampling the rounds."""
    rng = random.Random(1)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios)))
                     for _ in range(rounds))
    return (statistics.median(ratios), medians[int(0.05 * rounds)],
            medians[int(0.95 * rounds)])


def throughput(args):
    sites = {"A": Site(args.a, os.path.join(args.out, "A"), CONFIGS),
             "B": Site(args.b, os.path.join(args.out, "B"), CONFIGS)}
    rps = {(b, c): [] for b in sites for c in CONFIGS}
    try:
        for site in sites.values():
            site.start()
        cookies = {b: s.visitor_cookie("tracked") for b, s in sites.items()}
        for b, s in sites.items():           # warm both up
            for c in CONFIGS:
                wrk(s.ports[c], "/page.html", 1, cookies[b])
        for r in range(args.rounds):
            order = ["A", "B"] if r % 2 == 0 else ["B", "A"]
            for b in order:
                configs = CONFIGS if r % 4 < 2 else CONFIGS[::-1]
                for c in configs:
                    rps[(b, c)].append(wrk(sites[b].ports[c], "/page.html",
                                           args.seconds, cookies[b])["rps"])
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    finally:
        for site in sites.values():
            site.stop()

    lines = []
    for name, num, den in [
            ("A tracked / A plain", ("A", "tracked"), ("A", "plain")),
            ("B tracked / B plain", ("B", "tracked"), ("B", "plain")),
            ("B tracked / A tracked", ("B", "tracked"), ("A", "tracked")),
            ("B plain / A plain (noise)", ("B", "plain"), ("A", "plain"))]:
        ratios = [x / y for x, y in zip(rps[num], rps[den])]
        med, lo, hi = interval(ratios)
        lines.append(f"{name}\t{med:.3f}\t{min(ratios):.3f}\t"
                     f"{max(ratios):.3f}\t{lo:.3f}-{hi:.3f}")
    return lines


CG_CONF = """
load_module {module};
master_process off;
daemon off;
error_log {prefix}/error.log warn;
events {{ worker_connections 64; }}
http {{
    access_log off;
    lead_store {prefix}/store;
    lead_secret {prefix}/secret;
    server {{ listen 127.0.0.1:{plain}; root {www}; location / {{ }} }}
    server {{ listen 127.0.0.1:{tracked}; root {www};
              location / {{ lead_track on; }} }}
}}
"""


def summary(path):
    with open(path) as f:
        for line in f:
            if line.startswith("summary:"):
                return int(line.split()[1])
    raise RuntimeError(f"no summary in {path}")


def callgrind(build, out, requests):
    """The worker's instructions per request, plain and tracked."""
    prefix = os.path.abspath(out)
    www = os.path.join(prefix, "www")
    os.makedirs(www, exist_ok=True)
    for old in glob.glob(os.path.join(prefix, "cg.out*")):
        os.remove(old)
    with open(os.path.join(www, "page.html"), "w") as f:
        f.write("<!doctype html><title>p</title>" + "x" * 4065)
    with open(os.path.join(prefix, "secret"), "wb") as f:
        f.write(os.urandom(48))
    ports = {"plain": free_port(), "tracked": free_port()}
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(CG_CONF.format(module=os.path.join(
            os.path.abspath(build), "ngx_http_lead_module.so"),
            prefix=prefix, www=www, **ports))
    cookie_url = f"http://127.0.0.1:{ports['tracked']}/page.html"
    return instructions(prefix, cookie_url,
                        {n: f"http://127.0.0.1:{ports[n]}/page.html"
                         for n in ["plain", "tracked"]}, requests)


def cookie_of(url, deadline=60):
    """The visitor cookie a tracked URL sets, once nginx answers."""
    end = time.time() + deadline
    while time.time() < end:
        try:
            out = subprocess.run(["curl", "-si", url], capture_output=True,
                                 text=True, timeout=10).stdout
            m = re.search(r"Set-Cookie: ([^;]*)", out)
            if m:
                return m.group(1)
        except subprocess.TimeoutExpired:
            pass
        time.sleep(0.5)
    raise RuntimeError("nginx did not answer")


def instructions(prefix, cookie_url, urls, requests):
    """nginx of prefix/nginx.conf under callgrind: the worker's
    instructions per request of each URL in urls (name: url), asked with
    a browser's headers and the cookie cookie_url sets."""
    cg = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--separate-threads=yes",
         "--instr-atstart=no",
         "--callgrind-out-file=" + os.path.join(prefix, "cg.out"),
         "/usr/sbin/nginx", "-p", prefix, "-c", "nginx.conf"],
        stderr=subprocess.DEVNULL)
    counts = {}
    try:
        cookie = cookie_of(cookie_url)
        curl = ["curl", "-s"]
        for h in BROWSER_HEADERS + [f"Cookie: {cookie}"]:
            curl += ["-H", h]
        subprocess.run(["callgrind_control", "-i", "on", str(cg.pid)],
                       capture_output=True, check=True)
        for dump, (name, url) in enumerate(urls.items(), 1):
            get = ["-o", "/dev/null", url]
            subprocess.run(curl + get * 20, check=True)         # warm up
            subprocess.run(["callgrind_control", "-z", str(cg.pid)],
                           capture_output=True, check=True)
            subprocess.run(curl + get * requests, check=True)
            subprocess.run(["callgrind_control", "-d", str(cg.pid)],
                           capture_output=True, check=True)
            (path,) = glob.glob(os.path.join(prefix, f"cg.out.{dump}-01"))
            counts[name] = summary(path) / requests
    finally:
        cg.terminate()
        cg.wait(60)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("a")
    ap.add_argument("b")
    ap.add_argument("out")
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--seconds", type=int, default=3)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--requests", type=int, default=2000)
    args = ap.parse_args()

    if args.rounds:
        print("what\tmedian\tmin\tmax\t90% interval")
        for line in throughput(args):
            print(line, flush=True)
    if args.callgrind:
        print("\nbuild\tplain\ttracked\tadded (instructions per request)")
        for name, build in [("A", args.a), ("B", args.b)]:
            c = callgrind(build, os.path.join(args.out, "cg-" + name),
                          args.requests)
            print(f"{name}\t{c['plain']:.0f}\t{c['tracked']:.0f}\t"
                  f"{c['tracked'] - c['plain']:.0f}", flush=True)


if __name__ == "__main__":
    main()
