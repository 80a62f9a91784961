#!/usr/bin/python3
"""From a hot read to its MQL notice at the webhook, on an idle server.

nginx with the module (lead_store flush=1s, the default; one worker) and
a webhook on 127.0.0.1 that records when each notice arrives.  RUNS
leads, one after the other: each fills in the form, waits a moment that
puts its read at another point of the flush interval, reads the hot
network map, and then nothing is sent to nginx until its notice has
arrived.  Prints the delay of each and the median and worst.

    bench/notice_delay.py [RUNS]      # 20 by default; after ./build.sh
"""

import os
import random
import shutil
import statistics
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("LEAD_BUILD", os.path.join(ROOT, "build"))
os.environ.setdefault("LEAD_HTML_DIR", os.path.join(ROOT, "html"))
os.environ.setdefault("LEAD_ROOT", ROOT)

from conftest import Nginx, copy_site, make_prefix  # noqa: E402
from test_gate import Browser                        # noqa: E402
from test_notify import NOTIFY_SERVER, Receiver      # noqa: E402

HTTP = """
    lead_store {prefix}/store;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    lead_notify /internal/lead-notify;
"""


def main():
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    prefix = make_prefix()
    hook = Receiver().up()
    copy_site(prefix)
    site = Nginx(prefix, http=HTTP, server=NOTIFY_SERVER % hook.port,
                 workers=1)
    delays = []
    try:
        site.start()
        for i in range(runs):
            b = Browser(site)
            b.identify(f"lead{i}@acme.example", name=f"Lead {i}")
            time.sleep(1 + random.random())
            assert b.get("/library/network-map.pdf").status_code == 200
            read = time.time()
            got = len(hook.wait(i + 1, 30))
            assert got == i + 1, f"notice {i + 1} did not arrive"
            delays.append(hook.arrived[i] - read)
            print(f"{i + 1:3d}  {delays[-1]:.3f} s", flush=True)
    finally:
        site.quit()
        hook.down()
        shutil.rmtree(prefix, ignore_errors=True)

    print(f"hot read to notice, {runs} runs, flush 1 s: median "
          f"{statistics.median(delays):.2f} s, worst {max(delays):.2f} s")


if __name__ == "__main__":
    main()
