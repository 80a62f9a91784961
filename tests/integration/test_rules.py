"""Rules through the real nginx: events carry what marketers said."""

import os
import shutil
import signal
import subprocess
import time

import pytest

from conftest import LEADCTL, SAMPLE_HTML, SAMPLE_RULES, Nginx, copy_site

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
    log_format lead '$uri|$lead_asset|$lead_stage';
"""

SERVER = """
        location / {
            lead_track on;
            access_log logs/lead.log lead;
            add_header X-Lead-Stage $lead_stage;
        }
"""


@pytest.fixture
def site(prefix):
    copy_site(prefix)
    n = Nginx(prefix, http=HTTP, server=SERVER)
    try:
        yield n.start()
    finally:
        n.quit()


def edit(prefix, name, old, new):
    path = os.path.join(prefix, "rules", name)
    with open(path) as f:
        text = f.read()
    assert old in text
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def test_events_carry_stage_topic_and_points(site):
    for path in ("/library/why-outages-cost.html", "/library/guide/",
                 "/library/network-map.pdf", "/404.html"):
        assert site.get(path).status_code == 200
    events = site.wait_events(4)
    got = {e["path"]: e for e in events}
    intro = got["/library/why-outages-cost.html"]
    assert (intro["stage"], intro["topic"], intro["points"]) == (
        "epiphany", "resilience", 5)
    assert got["/library/guide/"]["stage"] == "interest"
    assert got["/library/network-map.pdf"]["hot"] is True
    assert got["/library/network-map.pdf"]["points"] == 40
    # untagged content is recorded, and marked so
    assert got["/404.html"]["asset"] is None


def test_variables(site):
    r = site.get("/library/guide/3-sla.html")
    assert r.headers["X-Lead-Stage"] == "evaluation"
    site.get("/404.html")
    site.quit()
    with open(os.path.join(site.prefix, "logs", "lead.log")) as f:
        lines = f.read().splitlines()
    # two workers: a log line may land after the next request's
    assert sorted(lines) == [
        "/404.html||",
        "/library/guide/3-sla.html|Buying guide, part 3: reading an SLA|"
        "evaluation"]


def test_reload_applies_new_rules_and_keeps_old_meaning(site):
    site.get("/library/pricing.html")
    site.wait_events(1)
    edit(site.prefix, "assets.csv", "Pricing overview,decision,25",
         "Pricing overview,evaluation,35")
    site.reload()
    site.get("/library/pricing.html")
    events = site.wait_events(2)
    assert [(e["stage"], e["points"]) for e in events] == [
        ("decision", 25), ("evaluation", 35)]


def test_reload_with_broken_rules_keeps_the_old_ones(site):
    edit(site.prefix, "assets.csv", ",evaluation,20,", ",evalutaion,20,")
    old = site.workers(2)
    site.proc.send_signal(signal.SIGHUP)
    # the master logs the error and the old workers serve on
    deadline = time.time() + 10
    while "unknown stage" not in site.error_log() and time.time() < deadline:
        time.sleep(0.05)
    assert 'assets.csv:12: unknown stage "evalutaion"' in site.error_log()
    assert sorted(site.workers(2)) == sorted(old)
    r = site.get("/library/case-study-logistics.html")
    assert r.status_code == 200
    (e,) = site.wait_events(1)
    assert e["stage"] == "evaluation"


@pytest.mark.parametrize("name,old,new,message", [
    ("assets.csv", ",evaluation,20,", ",evalutaion,20,",
     'assets.csv:12: unknown stage "evalutaion" (stages: epiphany awareness '
     'interest evaluation decision)'),
    ("assets.csv", "fibre,hot\n/library/network-map",
     "fibre,hto\n/library/network-map",
     'assets.csv:13: unknown flag "hto" (flags: hot open gated '
     'group=NAME)'),
    ("scoring.conf", "half_life 30d;", "half_life 30;",
     'scoring.conf:12: invalid duration "30" (expected a number with s, m, '
     'h or d, e.g. 30d)'),
    ("scoring.conf", "warm_after guide 3 20", "warm_after guide 5 20",
     "scoring.conf:22: warm_after guide 5: only 4 assets have group=guide"),
    ("campaigns.csv", "q4-fibre,5000", "q4-fibre,5k",
     'campaigns.csv:2: cost "5k" is not an amount (12000 or 12000.50)'),
])
def test_nginx_t_reports_file_and_line(prefix, name, old, new, message):
    shutil.copytree(SAMPLE_RULES, os.path.join(prefix, "rules"))
    edit(prefix, name, old, new)
    r = Nginx(prefix, http=HTTP, server=SERVER).test_config()
    assert r.returncode != 0
    assert "[emerg]" in r.stderr and message in r.stderr, r.stderr
    # leadctl runs the same parser and prints the same message
    c = subprocess.run([LEADCTL, "rules", "check",
                        os.path.join(prefix, "rules")],
                       capture_output=True, text=True, timeout=30)
    assert c.returncode == 1
    assert message in c.stderr


def test_missing_rules_dir(prefix):
    r = Nginx(prefix, http=HTTP, server=SERVER).test_config()
    assert r.returncode != 0
    assert "scoring.conf: cannot open: No such file" in r.stderr


def test_rules_check_summary():
    r = subprocess.run([LEADCTL, "rules", "check", SAMPLE_RULES],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0
    assert r.stdout.strip().endswith(
        "ok, 14 assets, 5 stages, 1 groups")


def test_rules_scan_lists_untagged_content():
    r = subprocess.run([LEADCTL, "rules", "scan", SAMPLE_HTML, "--rules",
                        SAMPLE_RULES], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 0
    # content only: the style sheet, the form page and the sales view's
    # files and templates are not content (test_rules_truth.py has more)
    assert r.stdout.splitlines() == [
        "path,title,stage,points,topic,flags",
        "/404.html,Page not found | Northwind Fiber,,,,"]


def test_assets_counts_people_and_bots(site):
    browser = {"User-Agent": "Mozilla/5.0 (X11; Linux) Firefox/120"}
    site.get("/library/network-map.pdf", headers=browser)
    site.get("/library/network-map.pdf",
             headers={"User-Agent": "Mozilla/5.0 (compatible; bingbot/2.0)"})
    site.get("/404.html", headers=browser)
    site.wait_events(3)
    r = site.leadctl("assets", "--json")
    import json
    rows = {a["path"]: a for a in json.loads(r.stdout)}
    assert len(rows) == 14
    m = rows["/library/network-map.pdf"]
    assert (m["title"], m["people_reads"], m["bot_reads"]) == (
        "Network coverage map", 1, 1)
    text = site.leadctl("assets").stdout
    (untagged,) = [line for line in text.splitlines() if "(untagged" in line]
    assert untagged.split()[0] == "1"
