"""leadctl as a well-kept Unix tool: every command's --help on standard
output, global options listed, contradictory options refused with exit 2,
events filtered by time and lead and cut at --limit, lists in the order
their help documents, numbers for people in text and raw in JSON, the
login name recorded as who acted, progress on a terminal only (under a
pseudo-terminal here), and leadctl(1) made from the same help text."""

import json
import os
import pty
import pwd
import re
import select
import shutil
import subprocess
import time

import pytest

from conftest import LEADCTL, ROOT, make_dataset, make_prefix
from sales_site import Salesperson, start_sales_site

NOW = "2027-01-01T00:00:00Z"


def run(*args, stdin=None, env=None):
    return subprocess.run([LEADCTL, *args], capture_output=True, text=True,
                          input=stdin, timeout=60, env=env)


def ok(*args, **kw):
    r = run(*args, **kw)
    assert r.returncode == 0, (args, r.stderr)
    return r


def login_name():
    """Who leadctl records when no --by is given, found as it finds it."""
    try:
        return os.getlogin()
    except OSError:
        return pwd.getpwuid(os.geteuid()).pw_name


def commands():
    """The commands --help lists, "rules check" and "rules scan" too."""
    text = ok("--help").stdout
    listed = text.split("\ncommands:\n")[1].split("\n\n")[0]
    return [re.split(r"\s{2,}", line.strip())[0]
            for line in listed.splitlines()]


@pytest.fixture(scope="module")
def dataset():
    """A generated store of 1,200 leads (thousands to separate) and its
    rules, read by every test here (those that write take a copy)."""
    prefix = make_prefix()
    try:
        yield make_dataset(prefix, 1200, 30000), os.path.join(prefix,
                                                              "rules")
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def events(store, *args):
    return json.loads(ok("--store", store, "events", "--json", *args).stdout)


# ---- help -------------------------------------------------------------------

def test_every_command_has_help_on_stdout():
    names = commands()
    assert len(names) >= 20 and "rules check" in names \
        and "rules scan" in names
    for name in names:
        r = run(*name.split(), "--help")
        assert r.returncode == 0, name
        assert r.stderr == "", name
        assert r.stdout.startswith(f"leadctl [--store DIR] {name}") \
            or r.stdout.startswith(f"leadctl {name}"), (name, r.stdout)
        assert "Global options:" in r.stdout, name
    # the rules pair as a group, and -h
    r = run("rules", "--help")
    assert r.returncode == 0 and "rules check" in r.stdout \
        and "rules scan" in r.stdout and r.stderr == ""
    assert run("rules", "-h").returncode == 0
    assert run("rules").returncode == 2
    # a command's help wins over the store it would need
    assert run("events", "--json", "--help", env={}).returncode == 0


def test_help_lists_global_options():
    text = ok("--help").stdout
    for opt in ("--store DIR", "--now TIME", "--rules DIR", "--json",
                "--csv", "--help"):
        assert re.search(rf"^  {re.escape(opt)} ", text, re.M), opt
    assert all(len(line) <= 79 for line in text.splitlines()), text
    # where a command takes one, its help says so
    assert "--now" in ok("leads", "--help").stdout.split("Global")[1]
    assert "--csv" not in ok("funnel", "--help").stdout


def test_rules_scan_help_says_what_it_does():
    text = ok("rules", "scan", "--help").stdout
    assert "--include GLOB" in text and "--exclude GLOB" in text
    assert "without --rules" in text


# ---- contradictions ---------------------------------------------------------

@pytest.mark.parametrize("args,says", [
    (["leads", "--json", "--csv"], "--json and --csv"),
    (["export", "--csv", "--json"], "--json and --csv"),
    (["ingest", "--confirm", "--json"], "choose one"),
    (["events", "--since", "2026-12-02", "--until", "2026-12-01"],
     "not before --until"),
    (["leads", "--now", "+1d", "--now", "+2d"], "given twice"),
    (["leads", "--status", "mql", "--status", "sal"], "given twice"),
    (["events", "--limit", "0"], "--limit"),
    (["events", "--limit", " 5"], "--limit"),
    (["events", "--limit", "-5"], "--limit"),
    (["leads", "--limit", "99999999999999999999999"], "--limit"),
    (["events", "--since", "yesterday"], "--since"),
    (["visitors", "--lead", "ada@example.com"], "unexpected"),
])
def test_contradictions_are_refused(dataset, args, says):
    store, _ = dataset
    r = run("--store", store, *args)
    assert r.returncode == 2, (args, r.stdout, r.stderr)
    assert says in r.stderr, r.stderr
    assert r.stdout == ""


def test_the_same_value_twice_is_no_contradiction(dataset):
    store, _ = dataset
    ok("--store", store, "leads", "--json", "--json", "--limit", "1",
       "--limit", "1")


# ---- events -----------------------------------------------------------------

def test_events_since_until_limit_and_lead(dataset):
    store, rules = dataset
    every = events(store)
    assert len(every) == 30000
    times = [e["time_ms"] for e in every]
    assert times == sorted(times)

    # --since included, --until not, in the forms --now takes
    since, until = every[1000]["time"], every[2000]["time"]
    got = events(store, "--since", since, "--until", until)
    want = [e for e in every if since <= e["time"] < until]
    assert [e["seq"] for e in got] == [e["seq"] for e in want]
    assert events(store, "--since", "2030-01-01") == []

    # --limit: the first N of what the filters keep
    assert [e["seq"] for e in events(store, "--limit", "7")] == \
        [e["seq"] for e in every[:7]]
    assert [e["seq"] for e in events(store, "--since", since, "--limit",
                                     "3")] == [e["seq"] for e in want[:3]]
    text = ok("--store", store, "events", "--limit", "5").stdout
    assert len(text.splitlines()) == 6            # a header and 5 rows

    # --lead: its devices' reads, by e-mail or id, and nobody else's
    lead = json.loads(ok("--store", store, "show", "--json", "--rules",
                         rules, "--now", NOW,
                         json.loads(ok("--store", store, "leads", "--json",
                                       "--rules", rules, "--now", NOW,
                                       "--limit", "1").stdout)[0]["email"]
                         ).stdout)
    devices = {d["visitor"] for d in lead["devices"]}
    mine = [e for e in every if e["visitor"] in devices]
    assert mine
    assert events(store, "--lead", lead["email"]) == mine
    assert events(store, "--lead", lead["id"], "--limit", "2") == mine[:2]
    r = run("--store", store, "events", "--lead", "nobody@nowhere.example")
    assert r.returncode == 1 and "no lead" in r.stderr


def test_events_stream_as_they_are_read(dataset):
    """The first rows come before the listing ends: a reader that stops
    after one line stops leadctl too (SIGPIPE), well before the end."""
    store, _ = dataset
    p = subprocess.Popen([LEADCTL, "--store", store, "events", "--json"],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        assert p.stdout.readline() == b"[\n"
        assert json.loads(p.stdout.readline().rstrip(b",\n"))["seq"]
    finally:
        p.stdout.close()
        p.wait(timeout=30)
        p.stderr.close()


# ---- orders -----------------------------------------------------------------

def test_lists_come_in_their_documented_order(dataset):
    store, rules = dataset
    assets = json.loads(ok("--store", store, "assets", "--json").stdout)
    rows = [(-a["people_reads"], a["path"]) for a in assets]
    assert len(rows) > 10 and rows == sorted(rows), rows
    text = ok("--store", store, "assets").stdout
    assert text == ok("--store", store, "assets").stdout

    visitors = json.loads(ok("--store", store, "visitors", "--json").stdout)
    ids = [v["visitor"] for v in visitors]
    assert ids == sorted(ids)

    # leads: MQLs that asked for a call, then the hottest first
    args = ("--store", store, "leads", "--json", "--rules", rules, "--now",
            NOW)
    leads = json.loads(ok(*args).stdout)
    calls = [x["status"] == "mql" and x["contact"] for x in leads]
    assert calls == sorted(calls, reverse=True)
    rest = [x["engagement"] for x in leads if not
            (x["status"] == "mql" and x["contact"])]
    assert rest == sorted(rest, reverse=True)
    assert ok(*args).stdout == ok(*args).stdout


# ---- numbers for people -----------------------------------------------------

def test_thousands_for_people_raw_for_machines(dataset):
    store, rules = dataset
    text = ok("--store", store, "funnel", "--rules", rules,
              "--now", NOW).stdout
    assert text.startswith("1,200 leads\n"), text
    assert re.search(r"^identified +[\d,]+ +1,200 ", text, re.M), text
    data = json.loads(ok("--store", store, "funnel", "--json", "--rules",
                         rules, "--now", NOW).stdout)
    assert data["leads"] == 1200

    text = ok("--store", store, "assets").stdout
    assert re.search(r"^ +\d{1,3},\d{3} ", text, re.M), text

    text = ok("--store", store, "events", "--limit", "1").stdout
    assert re.search(r" \d,\d{3}/\d,\d{3} ", text), text


def test_the_sales_view_counts_with_separators_too():
    """The sales view's funnel and list of 1,200 leads, as leadctl's."""
    prefix = make_prefix()
    site = None
    try:
        make_dataset(prefix, 1200, 30000)
        site = start_sales_site(prefix, copy=False)
        sam = Salesperson(site)
        page = sam.get("funnel")
        assert page.status_code == 200
        assert '<p class="summary">1,200 leads · ' in page.text, page.text
        assert sam.get("funnel.json").json()["leads"] == 1200
        page = sam.get("")
        assert re.search(r"of 1,200 leads", page.text), page.text[:2000]
    finally:
        if site is not None:
            site.quit()
        shutil.rmtree(prefix, ignore_errors=True)


def test_funnel_shows_a_dash_where_nothing_was_measured(dataset):
    """A status no lead was ever in has no time: "—", as on the web page,
    never "0m"."""
    store, rules = dataset
    text = ok("--store", store, "funnel", "--rules", rules,
              "--now", "2026-01-01T00:00:00Z").stdout
    assert re.search(r"^lost +0 +0 +— +—$", text, re.M), text
    assert " 0m " not in text.split("\nstage")[0]


def test_backup_and_compact_say_sizes_and_times(dataset, tmp_path):
    store, _ = dataset
    r = ok("--store", store, "backup", str(tmp_path / "b"))
    assert re.fullmatch(r"backed up to .*/data\.mdb: \d+(\.\d)? [KMG]iB, "
                        r"compacted, in \d+\.\d s\n", r.stdout), r.stdout
    info = json.loads(ok("--store", store, "backup", str(tmp_path / "c"),
                         "--json").stdout)
    assert info["bytes"] == os.path.getsize(tmp_path / "c" / "data.mdb")
    assert isinstance(info["ms"], int)

    copy = str(tmp_path / "b")
    r = ok("--store", copy, "compact")
    assert re.fullmatch(r"compacted .*: \d+(\.\d)? [KMG]iB -> \d+(\.\d)? "
                        r"[KMG]iB in \d+\.\d s\n", r.stdout), r.stdout
    info = json.loads(ok("--store", copy, "compact", "--json").stdout)
    assert info["bytes_after"] == os.path.getsize(
        os.path.join(copy, "data.mdb"))
    assert info["bytes_before"] >= info["bytes_after"] > 0


# ---- who acted --------------------------------------------------------------

def test_status_and_add_record_the_login_name_or_by(dataset, tmp_path):
    store, rules = dataset
    copy = str(tmp_path / "w")
    ok("--store", store, "backup", copy)
    mqls = json.loads(ok("--store", copy, "leads", "--json", "--rules",
                         rules, "--now", NOW, "--status", "mql").stdout)
    a, b = mqls[0]["email"], mqls[1]["email"]

    ok("--store", copy, "status", a, "sal")
    ok("--store", copy, "status", b, "sal", "--by", "sam")
    ok("--store", copy, "add", "new@lead.example", "--name", "New Lead")

    def last(email):
        lead = json.loads(ok("--store", copy, "show", email, "--json",
                             "--rules", rules).stdout)
        return lead["history"][-1]["who"], lead["owner"]

    me = login_name()
    assert last(a) == (me, me)
    assert last(b) == ("sam", "sam")
    assert last("new@lead.example") == (me, me)


# ---- progress ---------------------------------------------------------------

def ingest_slowly(store, lines, stderr_tty):
    """leadctl ingest fed in two halves 1.5 s apart, its standard error a
    pseudo-terminal or a pipe; returns what standard error received."""
    master = None
    if stderr_tty:
        master, slave = pty.openpty()
        err = slave
    else:
        err = subprocess.PIPE
    p = subprocess.Popen([LEADCTL, "--store", store, "ingest"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=err)
    if stderr_tty:
        os.close(slave)
    got = b""
    try:
        half = len(lines) // 2
        p.stdin.write("".join(lines[:half]).encode())
        p.stdin.flush()
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            if master is not None:
                ready, _, _ = select.select([master], [], [], 0.1)
                if ready:
                    got += os.read(master, 65536)
            else:
                time.sleep(0.1)
        p.stdin.write("".join(lines[half:]).encode())
        p.stdin.close()
        if master is not None:
            while True:
                ready, _, _ = select.select([master], [], [], 10)
                if not ready:
                    break
                try:
                    chunk = os.read(master, 65536)
                except OSError:          # EIO: the child closed the pty
                    break
                if not chunk:
                    break
                got += chunk
        else:
            got = p.stderr.read()
        out = p.stdout.read()
        assert p.wait(timeout=30) == 0
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        if master is not None:
            os.close(master)
        for f in (p.stdout, p.stderr):
            if f:
                f.close()
    assert out == b""                    # never on standard output
    return got.decode(errors="replace")


def test_progress_only_on_a_terminal(dataset, tmp_path):
    store, _ = dataset
    lines = ok("--store", store, "export", "--json").stdout \
        .splitlines(keepends=True)[:4000]

    os.mkdir(tmp_path / "tty")
    shown = ingest_slowly(str(tmp_path / "tty"), lines, True)
    assert re.search(r"\rleadctl: ingest: [\d,]+ lines, \d+\.\d s\x1b\[K",
                     shown), repr(shown)
    assert "\r\x1b[K" in shown           # erased before the summary
    assert "leadctl: ingest: 4,000 lines: " in shown

    os.mkdir(tmp_path / "pipe")
    quiet = ingest_slowly(str(tmp_path / "pipe"), lines, False)
    assert "\r" not in quiet and "\x1b" not in quiet, repr(quiet)
    assert quiet.startswith("leadctl: ingest: 4,000 lines: "), quiet


# ---- leadctl(1) -------------------------------------------------------------

def test_man_page_is_made_from_the_help():
    page = ok("--man").stdout
    assert page.startswith(".\\\"") and "\n.TH LEADCTL 1 " in page
    for name in commands():
        assert f"\n.SS {name}\n" in page, name
    for opt in ("store", "now", "rules", "json", "csv"):
        assert f"\\-\\-{opt}" in page, opt
    # the help's own words, escaped for roff
    assert "Lists recorded events, oldest first" in page
    # the package build installs this page, not a hand-written one
    with open(os.path.join(ROOT, "debian", "rules")) as f:
        assert "--man" in f.read()
    with open(os.path.join(ROOT, "debian", "lead-tools.manpages")) as f:
        assert "leadctl.1" in f.read()
    assert not os.path.exists(os.path.join(ROOT, "debian", "leadctl.1"))


def test_man_page_renders_without_warnings(tmp_path):
    if subprocess.run(["sh", "-c", "command -v man"],
                      capture_output=True).returncode != 0:
        pytest.skip("no man(1) here")
    path = tmp_path / "leadctl.1"
    path.write_text(ok("--man").stdout)
    r = subprocess.run(["man", "--warnings", "-l", str(path)],
                       capture_output=True, text=True, timeout=60,
                       env={**os.environ, "MANPAGER": "cat", "PAGER": "cat",
                            "MANWIDTH": "80"})
    assert r.returncode == 0
    assert r.stderr == "", r.stderr
    assert "rules scan" in r.stdout
