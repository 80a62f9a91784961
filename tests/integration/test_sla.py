"""The SLA clock and owners through the real nginx: an MQL sales do not
accept within accept_within goes back to nurture by itself (the write
thread, with no request), one accepted in time keeps its owner; leadctl
assign, and the list's age, overdue mark, owner and filters at --now."""

import json
import re
import time

import pytest

from test_journey import Firefox, poll, show, start
from test_leadctl_cli import login_name

# the sample rules with a deadline of 2 seconds
SLA = [("mql_threshold 100;", "mql_threshold 100;\naccept_within 2s;")]


@pytest.fixture
def site(prefix):
    n = start(prefix, scoring=SLA)
    try:
        yield n
    finally:
        n.quit()


def caller(site, email, name):
    """A lead that asked for a call: mql at once (the form promotes it)."""
    b = Firefox(site)
    b.identify(email, name=name, ret="/", contact="1")
    lead = show(site, email)
    assert lead["status"] == "mql", lead["history"]
    return lead


def leads(site, *args):
    return json.loads(site.leadctl("leads", "--json", *args).stdout)


def test_mql_not_accepted_in_time_goes_back_to_nurture(site):
    late = caller(site, "lena@acme.example", "Lena")
    kept = caller(site, "kim@acme.example", "Kim")

    # accepted in time, by a salesperson: the lead is theirs
    out = site.leadctl("status", "kim@acme.example", "sal", "--by", "carla")
    assert "mql -> sal" in out.stdout
    assert show(site, "kim@acme.example")["owner"] == "carla"

    # nobody accepts Lena: within the deadline plus a few flushes she is
    # back in nurture, with no request to nginx meanwhile
    started = time.time()
    lena = poll(lambda: show(site, "lena@acme.example"),
                lambda v: v["status"] == "nurture", timeout=10)
    assert lena["status"] == "nurture", lena["history"]
    took = time.time() - started
    assert took < 6, took
    last = lena["history"][-1]
    assert (last["from"], last["to"], last["cause"], last["who"],
            last["reason"]) == ("mql", "nurture", "accept_within", "",
                                "not accepted within 2s")
    assert lena["owner"] is None and lena["overdue"] is False
    assert lena["waiting_ms"] is None and lena["due"] is None

    # logged as a new MQL is, at notice
    hexid = late["id"]
    log = site.error_log()
    assert re.search(rf"lead {hexid} is back in nurture: not accepted "
                     r"within 2s", log), log[-2000:]

    # Kim stays accepted and Carla's, long past the deadline
    time.sleep(1.0)
    kim = show(site, "kim@acme.example")
    assert kim["status"] == "sal" and kim["owner"] == "carla"
    assert [h["to"] for h in kim["history"]] == ["identified", "mql", "sal"]
    assert f"lead {kept['id']} is back in nurture" not in log
    assert not site.crashed()


def test_owner_age_overdue_and_filters_in_leadctl(prefix):
    # a deadline far enough for the leads to stay mql while we look
    n = start(prefix, scoring=[("mql_threshold 100;",
                                "mql_threshold 100;\naccept_within 1h;")])
    try:
        caller(n, "ann@acme.example", "Ann")
        b = Firefox(n)
        b.identify("ben@acme.example", name="Ben", ret="/")   # identified

        # the SLA clock at any moment: --now
        (row,) = leads(n, "--status", "mql")
        assert row["overdue"] is False and row["owner"] is None
        assert 0 <= row["waiting_ms"] < 60000
        (row,) = leads(n, "--status", "mql", "--now", "+61m")
        assert row["overdue"] is True and row["waiting_ms"] >= 3600000
        assert [r["email"] for r in leads(n, "--only", "overdue",
                                          "--now", "+61m")] == [
            "ann@acme.example"]
        assert leads(n, "--only", "overdue") == []
        text = n.leadctl("leads", "--now", "+3h").stdout
        assert re.search(r"ann@acme\.example .*\[waiting 3 h, overdue, "
                         r"asked for a call\]", text), text

        # assign, reassign, unassign; the owner filter and "unassigned"
        assert n.leadctl("assign", "ben@acme.example", "dora").stdout == (
            "ben@acme.example: owner dora\n")
        assert [r["email"] for r in leads(n, "--owner", "dora")] == [
            "ben@acme.example"]
        assert [r["email"] for r in leads(n, "--only", "unassigned")] == [
            "ann@acme.example"]
        n.leadctl("assign", "ben@acme.example", "eve")
        assert show(n, "ben@acme.example")["owner"] == "eve"
        assert "owner eve" in n.leadctl("show", "ben@acme.example").stdout
        n.leadctl("assign", "ben@acme.example", "")
        assert show(n, "ben@acme.example")["owner"] is None

        # accepted with no --by: the login name's, as it is recorded
        n.leadctl("assign", "ann@acme.example", "dora")
        n.leadctl("status", "ann@acme.example", "sal")
        assert show(n, "ann@acme.example")["owner"] == login_name()
        n.leadctl("status", "ann@acme.example", "nurture", "--reason", "x")
        caller(n, "cid@acme.example", "Cid")

        # calls first, and the filter
        assert [r["email"] for r in leads(n)][0] == "cid@acme.example"
        assert [r["email"] for r in leads(n, "--only", "calls")] == [
            "cid@acme.example", "ann@acme.example"]

        # bad input: a clear error, nothing changed
        r = n.leadctl("assign", "ben@acme.example", "a\x01b", check=False)
        assert r.returncode == 2 and "owner" in r.stderr
        r = n.leadctl("assign", "nobody@acme.example", "x", check=False)
        assert r.returncode == 1 and "no lead" in r.stderr
        r = n.leadctl("leads", "--only", "soon", check=False)
        assert r.returncode == 2 and "overdue, unassigned or calls" in r.stderr

        # forgotten with the lead
        n.leadctl("assign", "ann@acme.example", "dora")
        assert [r["email"] for r in leads(n, "--owner", "dora")] == [
            "ann@acme.example"]
        n.leadctl("forget", "ann@acme.example")
        assert leads(n, "--owner", "dora") == []
        assert not n.crashed()
    finally:
        n.quit()
