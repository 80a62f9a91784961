"""A lead becomes mql at the commit that stores the read that earns it,
within one flush window, with no further request; and a graceful stop
right after that read leaves it mql."""

import time

from conftest import Nginx, copy_site
from test_gate import SERVER, Browser
from test_journey import EMAIL, mql_entry, show

MAP = "/library/network-map.pdf"


def start(prefix, flush):
    copy_site(prefix)
    http = f"""
    lead_store {{prefix}}/store flush={flush};
    lead_secret {{prefix}}/secret;
    lead_rules {{prefix}}/rules;
"""
    return Nginx(prefix, http=http, server=SERVER).start()


def identified(site):
    b = Browser(site)
    b.identify(EMAIL, ret="/library/why-outages-cost.html")
    assert show(site, EMAIL)["status"] == "identified"
    return b


def test_mql_within_one_flush_window_on_an_idle_server(prefix):
    site = start(prefix, "1s")
    try:
        b = identified(site)
        assert b.get(MAP).status_code == 200
        read = time.time()

        # nothing but leadctl from here: no request carries it along
        while time.time() - read < 5:
            lead = show(site, EMAIL)
            if lead["status"] == "mql":
                break
            time.sleep(0.05)
        seen = time.time() - read

        assert lead["status"] == "mql"
        # one flush (1 s) and its commit; the fold alone takes three
        assert seen < 2.0, seen
        assert "Network coverage map" in mql_entry(lead)["cause"]
        # dated at the read, not at the commit
        assert mql_entry(lead)["time"] == lead["events"][-1]["time"]
    finally:
        site.quit()


def test_graceful_stop_right_after_the_hot_read_leaves_it_mql(prefix):
    # a flush far off: only the exit can store and promote the read
    site = start(prefix, "60s")
    try:
        b = identified(site)
        assert b.get(MAP).status_code == 200
        site.quit()
        assert site.proc.returncode == 0

        lead = show(site, EMAIL)
        assert lead["status"] == "mql"
        assert [e["path"] for e in lead["events"]][-1] == MAP
        assert "Network coverage map" in mql_entry(lead)["cause"]
        assert "is now an MQL" in site.error_log()
    finally:
        site.quit()
