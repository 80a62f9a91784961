#!/usr/bin/env python3
"""What $lead_event in an access log costs a tracked request.

One nginx (one worker on core 0, wrk on core 1, as bench/nginx.py runs
it) with three tracked servers on the sample site's tagged page: no
access log, a plain access log line ("combined") and the event log
(`access_log FILE lead_json if=$lead_event`).  Rounds turn the order
(A B C, C B A, ...) so the machine's drift cancels; each round's event
log / plain log ratio of requests/s is kept, and the median is printed
with its 90% interval.  With --callgrind, nginx then runs under valgrind
and the worker's instructions per request are counted for each server.

    bench/event_line.py BUILD OUT_DIR [--rounds N] [--seconds S]
                        [--callgrind] [--requests N]

Everything listens on 127.0.0.1; every process this starts is stopped by
PID.
"""

import argparse
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from compare import cookie_of, instructions, interval  # noqa: E402
from nginx import free_port, wrk  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PAGE = "/library/why-outages-cost.html"
NAMES = ["none", "plain", "event"]

CONF = """
load_module {module};
{master}
worker_processes 1;
worker_cpu_affinity 01;
error_log {prefix}/error.log warn;
pid {prefix}/nginx.pid;
events {{ worker_connections 256; }}
http {{
    access_log off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    include /etc/nginx/mime.types;
    lead_store {prefix}/store;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    log_format lead_json escape=none '$lead_event';
    server {{ listen 127.0.0.1:{none}; root {prefix}/html;
              location / {{ lead_track on; }} }}
    server {{ listen 127.0.0.1:{plain}; root {prefix}/html;
              access_log {prefix}/plain.log combined;
              location / {{ lead_track on; }} }}
    server {{ listen 127.0.0.1:{event}; root {prefix}/html;
              access_log {prefix}/lead.json lead_json if=$lead_event;
              location / {{ lead_track on; }} }}
}}
"""


def setup(build, out, master):
    prefix = os.path.abspath(out)
    shutil.rmtree(prefix, ignore_errors=True)
    os.makedirs(prefix)
    shutil.copytree(os.path.join(ROOT, "html"), os.path.join(prefix, "html"))
    shutil.copytree(os.path.join(ROOT, "rules"),
                    os.path.join(prefix, "rules"))
    with open(os.path.join(prefix, "secret"), "wb") as f:
        f.write(os.urandom(48))
    ports = {n: free_port() for n in NAMES}
    with open(os.path.join(prefix, "nginx.conf"), "w") as f:
        f.write(CONF.format(
            module=os.path.join(os.path.abspath(build),
                                "ngx_http_lead_module.so"),
            master="" if master else "master_process off;\ndaemon off;",
            prefix=prefix, **ports))
    return prefix, ports


def throughput(args):
    prefix, ports = setup(args.build, os.path.join(args.out, "rps"), True)
    proc = subprocess.Popen(["/usr/sbin/nginx", "-p", prefix, "-c",
                             "nginx.conf", "-g", "daemon off;"])
    rps = {n: [] for n in NAMES}
    try:
        cookie = cookie_of(f"http://127.0.0.1:{ports['none']}{PAGE}")
        for n in NAMES:
            wrk(ports[n], PAGE, 1, cookie)                    # warm up
        for r in range(args.rounds):
            order = NAMES if r % 2 == 0 else NAMES[::-1]
            for n in order:
                rps[n].append(wrk(ports[n], PAGE, args.seconds,
                                  cookie)["rps"])
            print(f"round {r + 1}/{args.rounds}", file=sys.stderr)
    finally:
        proc.terminate()
        proc.wait(30)
    with open(os.path.join(prefix, "lead.json")) as f:
        lines = sum(1 for _ in f)
    with open(os.path.join(prefix, "plain.log")) as f:
        plain = f.readline()
    with open(os.path.join(prefix, "lead.json")) as f:
        event = f.readline()
    print(f"lines written: {lines}; a plain line {len(plain)} bytes, "
          f"an event line {len(event)} bytes")
    for n in NAMES:
        print(f"{n}\tmedian {sorted(rps[n])[len(rps[n]) // 2]:.0f} req/s")
    for name, a, b in [("event log / plain log", "event", "plain"),
                       ("plain log / no log", "plain", "none"),
                       ("event log / no log", "event", "none")]:
        ratios = [x / y for x, y in zip(rps[a], rps[b])]
        med, lo, hi = interval(ratios)
        print(f"{name}\t{med:.3f}\t{min(ratios):.3f}\t{max(ratios):.3f}"
              f"\t{lo:.3f}-{hi:.3f}")


def callgrind(args):
    prefix, ports = setup(args.build, os.path.join(args.out, "cg"), False)
    counts = instructions(
        prefix, f"http://127.0.0.1:{ports['none']}{PAGE}",
        {n: f"http://127.0.0.1:{ports[n]}{PAGE}" for n in NAMES},
        args.requests)
    for n in NAMES:
        print(f"instructions per request, {n}\t{counts[n]:.0f}")
    print(f"event log - plain log\t{counts['event'] - counts['plain']:.0f}")
    print(f"plain log - no log\t{counts['plain'] - counts['none']:.0f}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build")
    ap.add_argument("out")
    ap.add_argument("--rounds", type=int, default=10)
    ap.add_argument("--seconds", type=int, default=1)
    ap.add_argument("--callgrind", action="store_true")
    ap.add_argument("--requests", type=int, default=200)
    args = ap.parse_args()
    if args.rounds:
        throughput(args)
    if args.callgrind:
        callgrind(args)


if __name__ == "__main__":
    main()
