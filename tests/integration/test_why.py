"""Every number explains itself: the lead page's "why" adds up to its
score, hot content is what sales should open first, and reads by bots are
explained; the page's JSON and `leadctl show --json` say the same; over a
generated store, every lead's why adds up."""

import json
import os
import subprocess

import pytest

from conftest import LEADCTL
from sales_site import Salesperson, start_sales_site
from test_journey import EMAIL, Firefox, journey_to_step_3, settle, \
    spaced_get, wait_status

BUILD = os.environ.get("LEAD_BUILD", "build")
RULES = os.path.join(os.environ.get("LEAD_ROOT", "."), "rules")

HEADLESS = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, "
            "like Gecko) HeadlessChrome/120.0.0.0 Safari/537.36")
BOT_EMAIL = "hal@headless.example"
BOT_READS = ("/library/why-outages-cost.html", "/library/guide/",
             "/library/guide/1-requirements.html",
             "/library/guide/2-redundancy.html",
             "/library/guide/3-sla.html", "/library/pricing.html",
             "/library/network-map.pdf", "/library/case-study-logistics.html")


@pytest.fixture
def site(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def show(site, who):
    return json.loads(site.leadctl("show", who, "--json").stdout)


def page_json(site, lead_id):
    r = Salesperson(site).get(f"lead/{lead_id}.json")
    assert r.status_code == 200, r.text
    return r.json()


def explained(lead):
    """What a reader compares: whole points and titles, not the decimals
    a second of decay moves."""
    return {
        "score": lead["score"],
        "why": [(w["title"], w["points"], w["group_bonus"], w["others"])
                for w in lead["why"]],
        "hot": [(h["title"], h["hot"]) for h in lead["hot"]],
        "profile": lead["profile"],
        "bots": (lead["bot_reads"], lead["bots"]),
        "counted": [(e["path"], e["counted"]) for e in lead["events"]],
    }


def test_journey_lead_why_adds_up_and_hot_is_what_to_open(site):
    b = journey_to_step_3(site)
    spaced_get(b, "/")                          # the hub: worth nothing
    spaced_get(b, "/careers.html")              # worth less than nothing
    spaced_get(b, "/library/network-map.pdf")
    settle(site, 8)
    lead = wait_status(site, EMAIL, "mql")

    # every part, whole points that add up to the score shown
    why = lead["why"]
    assert sum(w["points"] for w in why) == lead["score"]
    assert lead["score"] == round(lead["engagement"])
    titles = [w["title"] for w in why]
    assert "Content hub home" not in titles
    assert titles[-1] == "Careers at Northwind Fiber" and why[-1]["points"] \
        == -20
    bonus = [w for w in why if w["group_bonus"]]
    assert [(w["title"], w["points"], w["group"]) for w in bonus] == [
        ("Buying guide, parts 1 to 4", 20, "guide")]
    assert bonus[0]["explain"].startswith("+20 for reading 3 of its pages")
    top = why[0]
    assert (top["title"], top["points"], top["rule_points"]) == (
        "Network coverage map", 40, 40)
    assert top["explain"] == "40 points, read 100%"

    # hot content: what to open first, worth something, the map first
    hot = [(h["title"], h["hot"]) for h in lead["hot"]]
    assert hot[0] == ("Network coverage map", True)
    assert 0 < len(hot) <= 5
    assert all(h["score"] > 0 for h in lead["hot"])
    assert "Content hub home" not in [t for t, _ in hot]
    assert "Careers at Northwind Fiber" not in [t for t, _ in hot]

    # the grade's points apart, never in the score
    assert lead["profile"] == {"grade": "B", "points": 40, "parts": [
        {"label": "company e-mail", "points": 30},
        {"label": "subscribed", "points": 10}]}
    assert lead["bot_reads"] == 0 and lead["bots"] is None

    # the page's JSON says the same, and the list's top asset is the first
    page = page_json(site, lead["id"])
    assert explained(page) == explained(show(site, EMAIL))
    ranked = json.loads(site.leadctl("leads", "--json").stdout)
    assert ranked[0]["top_asset"] == "Network coverage map"

    # the page: the rows, their sum, the score
    html = Salesperson(site).get("lead/" + lead["id"]).text
    assert '<td class="num">= %d</td>' % lead["score"] in html
    assert "Buying guide, parts 1 to 4" in html
    assert "not part of the score" in html

    # and leadctl show, for people
    text = site.leadctl("show", EMAIL).stdout
    assert "    = %5d  the score\n" % lead["score"] in text
    assert "Buying guide, parts 1 to 4" in text
    assert "the grade's, not part of the score" in text


def test_bot_only_lead_is_explained(site):
    b = Firefox(site)
    b.identify(BOT_EMAIL, name="Hal Headless", ret="/")
    for path in BOT_READS:
        r = b.get(path, headers={"User-Agent": HEADLESS})
        assert r.status_code == 200, path
    settle(site, len(BOT_READS))
    lead = show(site, BOT_EMAIL)

    assert lead["score"] == 0 and lead["status"] == "identified"
    assert lead["why"] == [] and lead["hot"] == []
    assert lead["bot_reads"] == 8
    assert lead["bots"] == ("8 reads by an automated agent, not scored: "
                            "HeadlessChrome")
    # the timeline says what each read counted: nothing
    assert [(e["ua"], e["counted"]) for e in lead["events"]] == \
        [("bot", 0)] * 8
    assert explained(page_json(site, lead["id"])) == explained(lead)

    html = Salesperson(site).get("lead/" + lead["id"]).text
    assert "8 reads by an automated agent, not scored: HeadlessChrome" \
        in html
    assert "Nothing read yet" not in html
    assert "+40" not in html and "0: bot" in html

    text = site.leadctl("show", BOT_EMAIL).stdout
    assert "    8 reads by an automated agent, not scored: HeadlessChrome\n" \
        in text
    assert "[decision 0: bot]" in text and "+40" not in text


def test_why_adds_up_for_every_lead_of_a_generated_store(tmp_path):
    """The bench's generated store, small: bench-why checks every lead
    (the 100,000 leads' store is the bench's, run by hand)."""
    tool = os.path.join(BUILD, "bench-why")
    if not os.path.exists(tool):
        pytest.skip("make bench first")
    store, now = str(tmp_path / "store"), "1796000000000"
    os.mkdir(store)
    subprocess.run([os.path.join(BUILD, "bench-dataset"), store, RULES,
                    "2000", "30000", now], check=True, capture_output=True,
                   timeout=120)
    r = subprocess.run([tool, store, RULES, now], capture_output=True,
                       text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("2000 leads, ") and \
        "every one adds up to its score" in r.stdout, r.stdout
    # and leadctl, lead by lead, on a sample
    leads = json.loads(subprocess.run(
        [LEADCTL, "--store", store, "leads", "--json", "--now", "+0s"],
        capture_output=True, text=True, check=True, timeout=60).stdout)
    for row in leads[:50]:
        lead = json.loads(subprocess.run(
            [LEADCTL, "--store", store, "show", row["id"], "--json"],
            capture_output=True, text=True, check=True, timeout=60).stdout)
        assert sum(w["points"] for w in lead["why"]) == lead["score"]
        assert lead["top_asset"] == (lead["hot"][0]["title"]
                                     if lead["hot"] else "")
