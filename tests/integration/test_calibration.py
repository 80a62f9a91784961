"""Does the score predict, and the funnel in time, through the real nginx
and leadctl: four leads become MQLs with different scores (one by reading
the hot network map after open articles, one by asking for a call after
them, two by asking for a call cold); sales win one with an amount, lose
one and reject one.  leadctl calibration counts each by the band it had
when it became an MQL, under the current and proposed rules; the funnel
page shows the same table as calibration.json and leadctl; leadctl funnel
counts this month's cohort and the time spent in statuses and stages."""

import json
import os
import re
import shutil
import time

import pytest

from sales_site import Salesperson, start_sales_site
from test_journey import Firefox, ctl_json, show, spaced_get, wait_status

ANN, BEN, CAT, DAN = (f"{n}@acme.example" for n in ("ann", "ben", "cat",
                                                     "dan"))
OPEN = ("/library/why-outages-cost.html",          # 5 points, 10, 10
        "/library/hidden-costs-of-downtime.html",
        "/library/sd-wan-vs-mpls.html")


@pytest.fixture
def sales(prefix):
    n = start_sales_site(prefix)
    try:
        yield n
    finally:
        n.quit()


def band(table, n):
    return next(b for b in table["bands"] if b["band"] == n)


def counts(row):
    return tuple(row[k] for k in ("mql", "left_mql", "sal", "closed", "won",
                                  "lost"))


def four_outcomes(site):
    ann = Firefox(site)
    for path in OPEN:
        spaced_get(ann, path)
    ann.identify(ANN, name="Ann", ret="/")
    # the map (40, hot) makes her an MQL with 65: band 2
    spaced_get(ann, "/library/network-map.pdf")
    assert wait_status(site, ANN, "mql", timeout=10)["status"] == "mql"
    # what she reads after it must not move her band at MQL
    for path in ("/library/pricing.html",
                 "/library/case-study-logistics.html"):
        spaced_get(ann, path)

    dan = Firefox(site)
    for path in OPEN:
        spaced_get(dan, path)
    time.sleep(1.5)                 # his reads stored before he asks
    dan.identify(DAN, name="Dan", ret="/", contact="1")      # 25: band 3
    for email in (BEN, CAT):
        Firefox(site).identify(email, name=email[:3].title(), ret="/",
                               contact="1")                  # 0: band 4
    for email in (ANN, BEN, CAT, DAN):
        assert show(site, email)["status"] == "mql"

    for to in ("sal", "sql"):
        site.leadctl("status", ANN, to, "--by", "sam")
    site.leadctl("status", ANN, "won", "--amount", "12000", "--by", "sam")
    site.leadctl("status", BEN, "sal", "--by", "pat")
    site.leadctl("status", BEN, "lost", "--reason", "chose a rival",
                 "--by", "pat")
    site.leadctl("status", CAT, "nurture", "--reason", "too small",
                 "--by", "pat")


def test_calibration_by_the_band_at_mql(sales, prefix):
    four_outcomes(sales)

    cal = ctl_json(sales, "calibration")
    assert cal["small_below"] == 10 and "proposed" not in cal
    cur = cal["current"]
    assert counts(cur["all"]) == (4, 3, 2, 2, 1, 1)
    assert counts(band(cur, 1)) == (0, 0, 0, 0, 0, 0)
    assert counts(band(cur, 2)) == (1, 1, 1, 1, 1, 0)      # Ann, won
    assert counts(band(cur, 3)) == (1, 0, 0, 0, 0, 0)      # Dan, waiting
    assert counts(band(cur, 4)) == (2, 2, 1, 1, 0, 1)      # Ben lost, Cat
    assert band(cur, 4)["mql_to_sal_pct"] == 50.0
    assert band(cur, 2)["win_rate_pct"] == 100.0
    assert band(cur, 1)["win_rate_pct"] is None
    assert all(row["small"] for row in cur["bands"])
    assert sum(c["mql"] for c in cur["cells"]) == 4
    assert sum(g["mql"] for g in cur["grades"]) == 4
    # Ann read 3 articles, the map and 2 more before SAL, nothing after
    assert band(cur, 2)["median_reads_to_sal"] == 6
    assert band(cur, 2)["median_reads_to_won"] == 6
    assert 0 <= band(cur, 2)["median_days_to_won"] < 0.1

    text = sales.leadctl("calibration").stdout
    assert re.search(r"^band 4 +2 +50\.0% 1/2\* +0\.0% 0/1\* +0\.0% 0/2\*",
                     text, re.M), text

    # proposed rules: band 1 from 20 points, so Ann and Dan would be 1
    rules = os.path.join(prefix, "proposed")
    shutil.copytree(os.path.join(prefix, "rules"), rules)
    path = os.path.join(rules, "scoring.conf")
    with open(path) as f:
        conf = f.read()
    for old, new in (("engagement 1 80;", "engagement 1 20;"),
                     ("engagement 2 40;", "engagement 2 10;"),
                     ("engagement 3 15;", "engagement 3 5;")):
        assert old in conf
        conf = conf.replace(old, new)
    with open(path, "w") as f:
        f.write(conf)
    both = ctl_json(sales, "calibration", "--rules", rules)
    assert both["current"] == cur
    assert counts(band(both["proposed"], 1)) == (2, 1, 1, 1, 1, 0)
    assert counts(band(both["proposed"], 4)) == (2, 2, 1, 1, 0, 1)
    text = sales.leadctl("calibration", "--rules", rules).stdout
    proposed = text.split("Under the proposed rules")[1]
    assert re.search(r"^band 1 +2 +100\.0% 1/1\* +100\.0% 1/1\* +50\.0% "
                     r"1/2\*", proposed, re.M), text

    # a bad proposed rules folder: said where, nothing printed
    with open(path, "a") as f:
        f.write("engagement 9 1;\n")
    r = sales.leadctl("calibration", "--rules", rules, check=False)
    assert r.returncode == 1 and "scoring.conf:" in r.stderr
    assert r.stdout == ""

    # the sales view: the same numbers, on the funnel page and as JSON
    sam = Salesperson(sales, "sam")
    assert sam.get("calibration.json").json() == cal
    page = sam.get("funnel")
    assert page.status_code == 200
    section = page.text.split("<h2>Does the score predict?</h2>")[1] \
        .split("</section>")[0]
    rows = re.findall(r'<tr( class="small-sample")?>\s*<th scope="row">'
                      r'([^<]+)</th>\s*((?:<td class="num">[^<]*</td>)+)',
                      section)
    shown = {name: re.findall(r'<td class="num">([^<]*)</td>', cells)
             for _, name, cells in rows}
    assert shown["all"][:4] == ["4", "66.7% (2/3)", "50.0% (1/2)",
                                "25.0% (1/4)"], shown
    assert shown["band 4"][:4] == ["2", "50.0% (1/2)", "0.0% (0/1)",
                                   "0.0% (0/2)"], shown
    assert shown["band 1"][1:4] == ["—", "—", "—"]
    assert all(small for small, _, _ in rows)


def test_funnel_in_time(sales):
    four_outcomes(sales)
    funnel = ctl_json(sales, "funnel")

    month = time.strftime("%Y-%m", time.gmtime())
    cohort = funnel["cohorts"][0]
    if cohort["month"] != month:
        pytest.skip("the test ran across the end of a month (UTC)")
    assert (cohort["identified"], cohort["mql"], cohort["sal"],
            cohort["sql"], cohort["won"], cohort["lost"],
            cohort["nurture"]) == (4, 4, 2, 1, 1, 1, 1)

    statuses = {s["status"]: s for s in funnel["statuses"]}
    for name in ("identified", "mql", "sal"):
        s = statuses[name]
        assert 0 <= s["median_ms"] <= s["p90_ms"] < 600000, s
    stages = {s["stage"]: s for s in funnel["stages"]}
    # everyone who read something was in a stage from their first read
    assert stages["decision"]["ever"] == 1                # Ann's map
    assert stages["awareness"]["ever"] == 2               # Ann and Dan
    assert stages["decision"]["median_ms"] < 600000

    text = sales.leadctl("funnel").stdout
    assert re.search(rf"^{month} +4 +4 +2 +1 +1 +1 +1$", text, re.M), text
    assert re.search(r"^status +now +ever +median +p90 ", text, re.M), text

    # the sales view's funnel: the cohort and the funnel JSON agree
    sam = Salesperson(sales, "sam")
    assert sam.get("funnel.json").json()["cohorts"] == funnel["cohorts"]
    page = sam.get("funnel").text
    section = page.split("<h2>Leads by month identified</h2>")[1] \
        .split("</section>")[0]
    assert re.findall(r'<td class="num">(\d+)</td>', section)[:7] == [
        "4", "4", "2", "1", "1", "1", "1"], section
    assert json.dumps(funnel)          # plain JSON, nothing else
