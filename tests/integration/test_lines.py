"""leadctl export and ingest: a store as lines and back.  Export, then
ingest into an empty store, gives the same leads, funnel and attribution
at a fixed --now; ingesting again changes nothing; --since/--until bound
the lines; malformed and hostile lines are counted, told by line number
and change nothing; --confirm speaks rsyslog omprog's protocol through a
pipe; a CRM's CSV with won amounts passes revenue back."""

import json
import os
import select
import subprocess
import time

import pytest

from conftest import LEADCTL, make_dataset
from test_deals import journey_from_a_campaign
from test_journey import EMAIL, fixed_now

NOW = "2027-01-01T00:00:00Z"


def run(store, *args, stdin=None, check=True):
    r = subprocess.run([LEADCTL, "--store", store, *args], input=stdin,
                       capture_output=True, timeout=120)
    if check and r.returncode != 0:
        raise AssertionError(f"leadctl {args}: {r.returncode} "
                             f"{r.stderr.decode(errors='replace')}")
    return r


def report(store, rules, now=NOW):
    """What sales and marketers read of a store, at a fixed moment."""
    def j(*args):
        return json.loads(run(store, *args, "--json").stdout)
    return {
        "leads": j("leads", "--rules", rules, "--now", now),
        "funnel": j("funnel", "--rules", rules, "--now", now),
        "attribution": j("attribution", "--rules", rules, "--now", now,
                         "--since", "2000-01-01"),
    }


def ingest(store, *args, stdin=None, check=True):
    """leadctl ingest --json: its summary, stderr and exit code."""
    r = run(store, "ingest", "--json", *args, stdin=stdin, check=check)
    out = r.stdout.decode()
    return (json.loads(out) if out.strip() else None,
            r.stderr.decode(errors="replace"), r.returncode)


def new_store(prefix, name):
    d = os.path.join(prefix, name)
    os.mkdir(d)
    return d


@pytest.fixture
def dataset(prefix):
    """A generated store (leads, devices, statuses, reads), with a deal
    won with an amount, one lost, a lead sales found and an owner.  Below
    29 leads the dataset wins no deal itself: it moves leads with
    set_status, which keeps no outcome, as only a store older than
    outcomes has, and a status line carries one."""
    store = make_dataset(prefix, 28, 4000)
    rules = os.path.join(prefix, "rules")
    leads = json.loads(run(store, "leads", "--json", "--rules", rules,
                           "--now", NOW).stdout)
    sal = [x for x in leads if x["status"] == "sal"]
    sql = [x for x in leads if x["status"] == "sql"]
    run(store, "status", sql[0]["email"], "won", "--amount", "12000.50",
        "--by", "pat", "--now", "2026-12-20T10:00:00Z")
    run(store, "status", sal[0]["email"], "lost", "--reason", "no budget",
        "--by", "pat", "--now", "2026-12-21T10:00:00Z")
    run(store, "add", "grace@hopper.example", "--name", "Grace Hopper",
        "--by", "sam", "--now", "2026-12-22T10:00:00Z")
    run(store, "assign", sal[1]["email"], "kim")
    return store, rules


def lines_of(store, *args):
    out = run(store, "export", "--json", "--node", "edge-1", *args).stdout
    return [json.loads(x) for x in out.decode().splitlines()]


def test_export_then_ingest_reproduces_the_store(prefix, dataset):
    store, rules = dataset
    want = report(store, rules)
    assert any(x["status"] == "won" for x in want["leads"])

    path = os.path.join(prefix, "lines.json")
    with open(path, "wb") as f:
        f.write(run(store, "export", "--json").stdout)
    lines = [json.loads(x) for x in open(path)]
    kinds = [x["kind"] for x in lines]
    # identities and devices, then status changes, then the reads
    assert kinds == sorted(kinds, key=["identify", "status", "read"].index)
    assert len({x["id"] for x in lines}) == len(lines)

    central = new_store(prefix, "central")
    got, err, rc = ingest(central, path, "--rules", rules)
    assert rc == 0, err
    assert got["lines"] == len(lines) and got["malformed"] == 0
    assert got["applied"] == len(lines) - got["refused"]
    assert got["duplicates"] == 0
    grace = json.loads(run(central, "show", "grace@hopper.example",
                           "--json").stdout)
    assert grace["status"] == "sal", "a lead sales added comes back sal"
    assert report(central, rules) == want

    # the same file again: every line a duplicate, nothing moves
    again, err, rc = ingest(central, path, "--rules", rules)
    assert rc == 0, err
    assert again["duplicates"] == len(lines) and again["applied"] == 0
    assert report(central, rules) == want

    # and the central store exports the very same lines
    assert lines_of(central) == lines_of(store)


def test_export_since_until(dataset):
    store, _ = dataset
    every = lines_of(store)
    times = sorted(x["time"] for x in every)
    mid = times[len(times) // 2][:19] + "Z"     # whole seconds: --until's
    before = lines_of(store, "--until", mid)
    after = lines_of(store, "--since", mid)
    assert before and after
    cut = mid[:19] + ".000Z"
    assert all(x["time"] < cut for x in before)
    assert all(x["time"] >= cut for x in after)
    key = lambda x: x["id"]     # noqa: E731
    assert sorted(before + after, key=key) == sorted(every, key=key)
    assert all(x["node"] == "edge-1" for x in every)

    r = run(store, "export", "--since", mid, "--until", mid, check=False)
    assert r.returncode == 2


def test_export_csv_has_a_header_and_a_row_a_line(dataset):
    store, _ = dataset
    out = run(store, "export", "--csv").stdout.decode().splitlines()
    assert out[0].startswith("id,time,node,kind,")
    assert len(out) == 1 + len(lines_of(store))


HOSTILE = [
    b'{"id":"x1-r","time":',                               # broken JSON
    b'{"id":"x2-r","time":"2026-12-01T00:00:00.000Z","kind":"' + b"a" * (
        1 << 20) + b'"}',                                  # 1 MB line
    b'{"id":"x3-r","time":"2026-12-01T00:00:00.000Z","kind":"dance"}',
    b'{"id":"x4-i","time":"2026-12-01T00:00:00.000Z","kind":"identify",'
    b'"email":"a\x01b@example.com"}',                      # a control
    b'{"id":"x5-r","time":"2026-12-01T00:00:00.000Z","kind":"read",\x00}',
    b'{"id":"x6-i","time":"2026-12-01T00:00:00.000Z","kind":"identify",'
    b'"email":"\xff\xfe@example.com"}',                    # not UTF-8
    b'{"id":"x7-r","time":"2026-12-01T00:00:00.000Z","kind":"read",'
    b'"visitor":42,"path":["/"]}',                         # wrong types
    b'[1,2,3]',
    b'{"id":"x9-s","time":"2026-12-01T00:00:00.000Z","kind":"status",'
    b'"email":"nobody@example.com","status":"emperor"}',
    b'"just a string"',
    b'{"id":"x11-r","time":"yesterday","kind":"read"}',
    b'{"kind":"read"}',                                     # no id
]


def test_hostile_lines_are_counted_told_and_change_nothing(prefix, dataset):
    store, rules = dataset
    good = run(store, "export", "--json").stdout.splitlines()[:40]
    mixed = []
    for i, line in enumerate(good):
        mixed.append(line)
        if i < len(HOSTILE):
            mixed.append(HOSTILE[i])
    path = os.path.join(prefix, "mixed.json")
    with open(path, "wb") as f:
        f.write(b"\n".join(mixed) + b"\n")

    plain = new_store(prefix, "plain")
    clean, err, rc = ingest(plain, "--rules", rules,
                            stdin=b"\n".join(good) + b"\n")
    assert rc == 0, err

    central = new_store(prefix, "central")
    got, err, rc = ingest(central, path, "--rules", rules)
    assert rc == 0, err
    assert got["malformed"] == len(HOSTILE)
    assert got["applied"] == clean["applied"]
    # the first 10 told, by line number, the rest counted
    told = [x for x in err.splitlines() if x.startswith(path + ":")]
    assert len(told) == 10
    assert told[0].startswith(f"{path}:2: ")
    assert told[1].startswith(f"{path}:4: ") and "16384" in told[1]
    assert "malformed" in err.splitlines()[-1]
    assert report(central, rules) == report(plain, rules)


def test_a_missing_store_or_bad_usage_exits_2(prefix):
    r = run(os.path.join(prefix, "nowhere"), "ingest", check=False)
    assert r.returncode == 2
    r = run(new_store(prefix, "s"), "ingest", "--format", "xml", check=False)
    assert r.returncode == 2
    r = run(prefix, "ingest", os.path.join(prefix, "no-such-file"),
            check=False)
    assert r.returncode == 2


def read_reply(p, timeout=5.0):
    """One line of the child's stdout, or None after timeout."""
    deadline = time.time() + timeout
    buf = b""
    while time.time() < deadline:
        r, _, _ = select.select([p.stdout], [], [], deadline - time.time())
        if not r:
            break
        c = os.read(p.stdout.fileno(), 1)
        if not c:
            break
        if c == b"\n":
            return buf.decode()
        buf += c
    return None


def test_confirm_speaks_omprogs_protocol(prefix, dataset):
    store, rules = dataset
    good = run(store, "export", "--json").stdout.splitlines()[:8]
    central = new_store(prefix, "central")
    p = subprocess.Popen([LEADCTL, "--store", central, "ingest", "--confirm",
                          "--rules", rules], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert read_reply(p) == "OK"              # ready
        # one line at a time, as omprog sends: OK once it is committed
        p.stdin.write(good[0] + b"\n")
        p.stdin.flush()
        assert read_reply(p) == "OK"
        # a malformed one is confirmed too, or it would come back forever
        p.stdin.write(b"{broken\n" + good[1] + b"\n")
        p.stdin.flush()
        assert [read_reply(p), read_reply(p)] == ["OK", "OK"]
        assert read_reply(p, 0.3) is None         # nothing more to say
        # omprog's transactions: DEFER_COMMIT inside, OK for the marks
        p.stdin.write(b"BEGIN TRANSACTION\n")
        p.stdin.flush()
        assert read_reply(p) == "OK"
        for line in good[2:5]:
            p.stdin.write(line + b"\n")
            p.stdin.flush()
            assert read_reply(p) == "DEFER_COMMIT"
        p.stdin.write(b"COMMIT TRANSACTION\n")
        p.stdin.flush()
        assert read_reply(p) == "OK"
        p.stdin.close()
        assert p.wait(timeout=10) == 0
        err = p.stderr.read().decode()
        assert "5 applied" in err and "1 malformed" in err, err
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
    assert p.stdout.read() == b""


def test_crm_csv_passes_won_amounts_back(prefix, dataset):
    store, rules = dataset
    def status(s):
        return [x["email"] for x in json.loads(run(
            store, "leads", "--json", "--rules", rules, "--now", NOW,
            "--status", s).stdout)]
    a = status("sql")[0]
    b = [x for x in status("sal") if not x.startswith("grace@")][0]
    run(store, "status", b, "sql", "--by", "pat")
    before = report(store, rules)["attribution"]
    csv = ("Deal Id,E-mail,Stage,Amount,Currency,Close Date\r\n"
           f"crm-1,{a},won,5000,EUR,2026-12-23\r\n"
           f"crm-2,{b},won,1500.25,EUR,2026-12-24\r\n"
           "crm-3,nobody@example.com,won,99,EUR,2026-12-24\r\n")
    got, err, rc = ingest(store, "--format", "csv", "--rules", rules,
                          "--map", "id=Deal Id,email=E-mail,status=Stage,"
                          "amount=Amount,currency=Currency,closed=Close Date",
                          stdin=csv.encode())
    assert rc == 0, err
    assert got["applied"] == 2 and got["refused"] == 1, err
    assert "stdin:4: refused" in err
    after = report(store, rules)["attribution"]
    assert after["won_leads"] == before["won_leads"] + 2
    assert after["revenue"] - before["revenue"] in (6500.25, 650025)
    text = run(store, "attribution", "--rules", rules, "--now", NOW,
               "--since", "2000-01-01").stdout.decode()
    assert "3 deals won: 18500.75 EUR" in text, text


def test_a_journey_through_nginx_survives_the_move(prefix):
    """A real journey (a campaign read, the form, reads, mql), won in
    leadctl; its lines rebuild the same lead elsewhere."""
    from sales_site import start_sales_site
    site = start_sales_site(prefix)
    try:
        journey_from_a_campaign(site)
        run(site.store, "status", EMAIL, "sal", "--by", "pat")
        run(site.store, "status", EMAIL, "sql", "--by", "pat")
        run(site.store, "status", EMAIL, "won", "--amount", "4200")
        rules = os.path.join(prefix, "rules")
        now = fixed_now()
        want = report(site.store, rules, now)
        path = os.path.join(prefix, "lines.json")
        with open(path, "wb") as f:
            f.write(run(site.store, "export").stdout)
    finally:
        site.quit()
    central = new_store(prefix, "central")
    got, err, rc = ingest(central, path, "--rules", rules)
    assert rc == 0 and got["refused"] == 0, err
    assert report(central, rules, now) == want
