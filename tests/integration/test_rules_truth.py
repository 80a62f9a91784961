"""Rules that tell the whole truth: a group counts the distinct pages read
under a prefix row, nginx -t and leadctl rules check tell every error at
once, and rules scan lists content files, filtered, ready to paste."""

import csv
import io
import os
import subprocess
import time

import pytest

from conftest import LEADCTL, SAMPLE_HTML, SAMPLE_RULES, Nginx, copy_site
from test_gate import HTTP, Browser

SERVER = """
        location / {
            lead_track on;
            add_header X-Lead-Score $lead_score;
        }
"""

GUIDE = ("/library/guide/*,Buying guide,interest,10,connectivity,"
         "group=guide\n")


def write(prefix, name, text):
    with open(os.path.join(prefix, "rules", name), "w") as f:
        f.write(text)


def one_row_guide(prefix):
    """The sample site, its rules one prefix row for the whole guide."""
    copy_site(prefix)
    write(prefix, "scoring.conf", "gate_from decision;\n"
          "warm_after guide 3 20;\n")
    write(prefix, "assets.csv", "path,title,stage,points,topic,flags\n"
          + GUIDE)


def check(rules):
    return subprocess.run([LEADCTL, "rules", "check", rules],
                          capture_output=True, text=True, timeout=30)


# ---- groups count what was read ---------------------------------------------

def test_prefix_group_passes_nginx_t_and_warms(prefix):
    one_row_guide(prefix)
    n = Nginx(prefix, http=HTTP, server=SERVER)
    r = n.test_config()
    assert r.returncode == 0, r.stderr
    assert check(os.path.join(prefix, "rules")).returncode == 0

    site = n.start()
    try:
        b = Browser(site)
        # one read of the prefix row (10), the same page twice: no bonus
        for path in ("/library/guide/1-requirements.html",
                     "/library/guide/1-requirements.html",
                     "/library/guide/2-redundancy.html"):
            time.sleep(0.02)
            assert b.get(path).status_code == 200
        site.wait_events(3)
        time.sleep(0.5)
        assert b.get("/").headers["X-Lead-Score"] == "10"

        # the third distinct page warms the group: +20
        assert b.get("/library/guide/3-sla.html").status_code == 200
        site.wait_events(5)
        time.sleep(0.5)
        assert b.get("/").headers["X-Lead-Score"] == "30"
    finally:
        n.quit()


def test_exact_group_too_small_still_refused(prefix):
    copy_site(prefix)
    write(prefix, "scoring.conf", "warm_after guide 3 20;\n")
    write(prefix, "assets.csv", "path,title,stage,points,topic,flags\n"
          "/a.html,A,epiphany,1,,group=guide\n"
          "/b.html,B,epiphany,1,,group=guide\n")
    r = Nginx(prefix, http=HTTP, server=SERVER).test_config()
    assert r.returncode != 0
    assert ("scoring.conf:1: warm_after guide 3: only 2 assets have "
            "group=guide in assets.csv") in r.stderr, r.stderr


# ---- every error at once -----------------------------------------------------

def test_every_error_at_once(prefix):
    """Three mistakes in two files, and one in campaigns.csv: all told,
    each file:line, by nginx -t and by leadctl, and nothing changes."""
    copy_site(prefix)
    rules = os.path.join(prefix, "rules")
    path = os.path.join(rules, "assets.csv")
    with open(path) as f:
        assets = f.read()
    assets = assets.replace(",evaluation,20,", ",evalutaion,20,")
    assets = assets.replace("fibre,hot\n/library/network-map",
                            "fibre,hto\n/library/network-map")
    write(prefix, "assets.csv", assets)
    with open(os.path.join(rules, "scoring.conf")) as f:
        conf = f.read().replace("half_life 30d;", "half_life 30;")
    write(prefix, "scoring.conf", conf)
    with open(os.path.join(rules, "campaigns.csv")) as f:
        camp = f.read().replace("q4-fibre,5000", "q4-fibre,5k")
    write(prefix, "campaigns.csv", camp)

    want = [
        f"{rules}/scoring.conf:12: invalid duration \"30\" (expected a "
        "number with s, m, h or d, e.g. 30d)",
        f"{rules}/assets.csv:12: unknown stage \"evalutaion\" (stages: "
        "epiphany awareness interest evaluation decision)",
        f"{rules}/assets.csv:13: unknown flag \"hto\" (flags: hot open "
        "gated group=NAME)",
        f"{rules}/campaigns.csv:2: cost \"5k\" is not an amount (12000 or "
        "12000.50)"]

    r = check(rules)
    assert r.returncode == 1
    assert r.stdout == ""
    assert r.stderr.splitlines() == want

    r = Nginx(prefix, http=HTTP, server=SERVER).test_config()
    assert r.returncode != 0
    emerg = [line for line in r.stderr.splitlines() if "[emerg]" in line]
    assert len(emerg) == 4, r.stderr
    for line, message in zip(emerg, want):
        assert message in line, (line, message)


def test_error_cap(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "scoring.conf").write_text("mql_threshold 50;\n")
    (rules / "assets.csv").write_text(
        "path,title,stage,points,topic,flags\n"
        + "".join(f"/p{i},P,later,0,,\n" for i in range(30)))
    r = check(str(rules))
    assert r.returncode == 1
    lines = r.stderr.splitlines()
    assert len(lines) == 21
    assert lines[0].startswith(f"{rules}/assets.csv:2: unknown stage")
    assert lines[19].startswith(f"{rules}/assets.csv:21: unknown stage")
    assert lines[20] == "and 10 more errors"


def test_semicolons_told(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "scoring.conf").write_text("mql_threshold 50;\n")
    (rules / "assets.csv").write_text(
        "path;title;stage;points;topic;flags\n"
        "/a.html;A;epiphany;5;;\n")
    r = check(str(rules))
    assert r.returncode == 1
    assert r.stderr == (f"{rules}/assets.csv:1: this file looks "
                        "semicolon-separated; save it as CSV with commas\n")

    (rules / "assets.csv").write_text(
        "path\ttitle\tstage\tpoints\ttopic\tflags\n")
    r = check(str(rules))
    assert "assets.csv:1: this file looks tab-separated" in r.stderr


SHORT = "/sys/kernel/mm/transparent_hugepage/enabled"   # says 4 KiB, gives less


@pytest.mark.skipif(not os.path.exists(SHORT), reason="no such sysfs file")
def test_a_file_shorter_than_it_said_is_an_error(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    (rules / "assets.csv").write_text("path,title,stage,points,topic,flags\n")
    os.symlink(SHORT, rules / "scoring.conf")
    r = check(str(rules))
    assert r.returncode == 1
    assert r.stderr == f"{rules}/scoring.conf: read error\n"


# ---- rules scan ---------------------------------------------------------------

def scan(*args):
    r = subprocess.run([LEADCTL, "rules", "scan", *args],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader(io.StringIO(r.stdout)))
    assert rows[0] == ["path", "title", "stage", "points", "topic", "flags"]
    assert all(len(row) == 6 and row[2:] == [""] * 4 for row in rows[1:])
    return [(row[0], row[1]) for row in rows[1:]]


def test_scan_without_rules_lists_content_only():
    got = scan(SAMPLE_HTML)
    paths = [p for p, _ in got]
    assert paths == sorted(paths)
    # no style sheet, script, icon or the module's templates
    for p in paths:
        assert not p.endswith((".css", ".js", ".svg"))
        assert not p.startswith("/sales/") and p != "/form.html"
    titles = dict(got)
    assert titles["/library/network-map.pdf"] == (
        "Northwind Fiber network coverage map")        # the PDF's Info
    assert titles["/library/guide/"] == (
        "The buying guide to business fibre | Northwind Fiber")
    assert titles["/library/webinar-network-design.mp4"] == (
        "Webinar network design")                       # its file name
    assert not any("{{" in t for t in titles.values())
    assert len(paths) == 15


def test_scan_filters_and_rules():
    assert [p for p, _ in scan(SAMPLE_HTML, "--include", "library/guide/*",
                               "--exclude", "*/index.html",
                               "--exclude", "*4-*")] == [
        "/library/guide/1-requirements.html",
        "/library/guide/2-redundancy.html",
        "/library/guide/3-sla.html"]
    assert [p for p, _ in scan(SAMPLE_HTML, "--include", "*.pdf",
                               "--include", "*.mp4")] == [
        "/library/network-map.pdf", "/library/webinar-network-design.mp4"]
    # with --rules: only what no rule matches
    assert scan(SAMPLE_HTML, "--rules", SAMPLE_RULES) == [
        ("/404.html", "Page not found | Northwind Fiber")]
    assert scan(SAMPLE_HTML, "--rules", SAMPLE_RULES,
                "--exclude", "404.html") == []


def test_scan_refusals(tmp_path):
    r = subprocess.run([LEADCTL, "rules", "scan", str(tmp_path / "none")],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "cannot open" in r.stderr and r.stdout == ""
    r = subprocess.run([LEADCTL, "rules", "scan", SAMPLE_HTML, "--include"],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 2
    assert "--include needs a value" in r.stderr


def test_scan_hostile_files(tmp_path):
    """Files are outside input: cut, huge-numbered or binary PDFs and
    HTML never crash the scan, and give a title from the file name."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "cut.pdf").write_bytes(b"%PDF-1.4\ntrailer << /Info 2 0 R >>\n"
                                   b"2 0 obj << /Title (never closed")
    (site / "huge.pdf").write_bytes(b"trailer << /Info 99999999999999999"
                                    b"999 0 R >>")
    (site / "binary.pdf").write_bytes(bytes(range(256)) * 64)
    (site / "no-close.html").write_bytes(b"<title>" + b"x" * 100000)
    (site / "nul.html").write_bytes(b"<title>a\x00b\xff</title>")
    got = dict(scan(str(site)))
    assert got == {"/binary.pdf": "Binary", "/cut.pdf": "never closed",
                   "/huge.pdf": "Huge", "/no-close.html": "No close",
                   "/nul.html": "a b?"}
