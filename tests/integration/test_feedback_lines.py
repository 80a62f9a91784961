"""Feedback as event lines, through leadctl: rate lines of an anonymous
visitor ingested, the visitor identified by an identify line, and the
rating in the lead's timeline and (feedback_points set) in its why; a
rating is no read; export into a second store gives the very same rate
lines (JSON and CSV); a bad rate line changes nothing; forget erases the
ratings with the reads."""

import json
import os
import subprocess

from conftest import LEADCTL

NOW = "2026-12-24T12:00:00Z"
VISITOR = "ab" * 16
RID = "0123456789abcdef0123456789abcdef"
EMAIL = "ada@example.com"
ASSETS = ("path,title,stage,points,topic,flags\n"
          "/library/map.html,Network coverage map,evaluation,40,coverage,\n"
          "/library/blog.html,Blog,awareness,5,,\n")


def fnv1a(path):
    """An asset's id, as assets.csv gives it (lead_assets_csv.c)."""
    h = 0xcbf29ce484222325
    for b in path.encode():
        h = ((h ^ b) * 0x100000001b3) & 0xffffffffffffffff
    return "%016x" % (h or 1)


MAP = fnv1a("/library/map.html")


def run(store, *args, stdin=None, check=True):
    r = subprocess.run([LEADCTL, "--store", store, *args], input=stdin,
                       capture_output=True, timeout=60)
    if check and r.returncode != 0:
        raise AssertionError(f"leadctl {args}: {r.returncode} "
                             f"{r.stderr.decode(errors='replace')}")
    return r


def rules_dir(prefix, points):
    d = os.path.join(prefix, "rules-%d" % points)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "scoring.conf"), "w") as f:
        f.write("feedback_points %d;\nmql_threshold 500;\n" % points)
    with open(os.path.join(d, "assets.csv"), "w") as f:
        f.write(ASSETS)
    return d


def store_dir(prefix, name):
    d = os.path.join(prefix, name)
    os.mkdir(d)
    return d


def ingest(store, rules, text, *args):
    r = run(store, "ingest", "--json", "--rules", rules, *args,
            stdin=text.encode())
    return json.loads(r.stdout)


def rate(id_, time, rating, comment=None, **more):
    line = {"id": id_, "time": time, "kind": "rate", "visitor": VISITOR,
            "path": "/library/map.html", "asset": MAP, "stage": "evaluation",
            "topic": "coverage", "points": 40, "agent": "browser",
            "rating": rating}
    if comment is not None:
        line["comment"] = comment
    line.update(more)
    return json.dumps(line)


COMMENT = 'used it in the call\n<script>alert("x")</script> =SUM(A1)'
LINES = "\n".join([
    json.dumps({"id": RID + "-r", "time": "2026-12-20T09:00:00.000Z",
                "kind": "read", "visitor": VISITOR,
                "path": "/library/map.html", "asset": MAP,
                "stage": "evaluation", "topic": "coverage", "points": 40,
                "status": 200, "bytes": 100, "size": 100,
                "agent": "browser"}),
    rate(RID + "-v", "2026-12-20T09:05:00.000Z", 2, "too coarse"),
    rate("edge-2-7-v", "2026-12-21T10:00:00.000Z", 4, COMMENT),
    json.dumps({"id": "edge-1-9-i", "time": "2026-12-22T08:00:00.000Z",
                "kind": "identify", "visitor": VISITOR, "email": EMAIL,
                "name": "Ada Lovelace"}),
]) + "\n"


def show(store, rules):
    return json.loads(run(store, "show", EMAIL, "--json", "--rules", rules,
                          "--now", NOW).stdout)


def rate_lines(store, *args):
    out = run(store, "export", "--json", "--node", "edge-1", *args).stdout
    return [json.loads(x) for x in out.decode().splitlines()
            if json.loads(x)["kind"] == "rate"]


def test_rate_lines_through_a_store(prefix):
    rules = rules_dir(prefix, 5)
    store = store_dir(prefix, "edge")
    got = ingest(store, rules, LINES)
    assert got["applied"] == 4 and got["refused"] == 0, got

    # the anonymous ratings are the lead's now: the newest counts, once
    lead = show(store, rules)
    rated = [e for e in lead["events"] if e.get("kind") == "rate"]
    assert [(e["rating"], e["comment"]) for e in rated] == \
        [(2, "too coarse"), (4, COMMENT)]
    assert [e["counted"] for e in rated] == [0, 5]
    assert all(e["before_identified"] for e in rated)
    reads = [e for e in lead["events"] if e.get("kind") != "rate"]
    assert len(reads) == 1
    why = [w for w in lead["why"] if w.get("rating")]
    assert len(why) == 1
    assert why[0]["rating"] == 4 and why[0]["points"] == 5
    assert why[0]["title"] == "Network coverage map"
    assert why[0]["explain"].startswith("rated 4/5, 5 points")
    assert sum(w["points"] for w in lead["why"]) == lead["score"]

    # in text: its own entry, the comment on one line, what it counted
    text = run(store, "show", EMAIL, "--rules", rules, "--now",
               NOW).stdout.decode()
    assert "Rated Network coverage map 4/5: \u201cused it in the call " \
           "<script>" in text
    assert "+5  Network coverage map [evaluation]: rated 4/5, 5 points" \
        in text

    # the default 0: the same lead, the score of its read alone
    plain = show(store, rules_dir(prefix, 0))
    assert not [w for w in plain["why"] if w.get("rating")]
    assert plain["score"] == lead["score"] - 5

    # leadctl events: rate rows
    events = json.loads(run(store, "events", "--json").stdout)
    assert [e["kind"] for e in events] == ["read", "rate", "rate"]
    assert events[2]["rating"] == 4 and events[2]["comment"] == COMMENT
    text = run(store, "events").stdout.decode()
    assert 'rate=4/5 "used it in the call <script>' in text

    # export into a second store: the very same rate lines
    lines = rate_lines(store)
    assert [(x["id"], x["rating"]) for x in lines] == \
        [(RID + "-v", 2), (lines[1]["id"], 4)]
    assert lines[1]["comment"] == COMMENT
    assert "status" not in lines[0] and "bytes" not in lines[0]
    export = run(store, "export", "--json").stdout.decode()
    central = store_dir(prefix, "central")
    got = ingest(central, rules, export)
    assert got["refused"] == 0 and got["malformed"] == 0, got
    assert rate_lines(central) == lines
    assert show(central, rules)["score"] == lead["score"]

    # and as CSV rows
    csv = run(store, "export", "--csv").stdout.decode()
    third = store_dir(prefix, "third")
    got = ingest(third, rules, csv, "--format", "csv")
    assert got["refused"] == 0 and got["malformed"] == 0, got
    assert rate_lines(third) == lines

    # forget erases the ratings with the reads
    run(store, "forget", EMAIL)
    assert rate_lines(store) == []
    assert json.loads(run(store, "events", "--json").stdout) == []


def test_bad_rate_lines_change_nothing(prefix):
    rules = rules_dir(prefix, 5)
    store = store_dir(prefix, "edge")
    ingest(store, rules, LINES)
    before = run(store, "export", "--json").stdout

    bad = [
        rate("b-1-v", "2026-12-23T00:00:00Z", 0),
        rate("b-2-v", "2026-12-23T00:00:00Z", 6),
        rate("b-3-v", "2026-12-23T00:00:00Z", 3, "x" * 1001),
        rate("b-4-v", "2026-12-23T00:00:00Z", 3, "bell\x07"),
        rate("b-5-v", "2026-12-23T00:00:00Z", 3, "\u202eevil"),
        rate("b-6-v", "2026-12-23T00:00:00Z", 3, "a\r\nb"),
        rate("b-7-v", "2026-12-23T00:00:00Z", 3, visitor=None),
        rate("b-8-v", "2026-12-23T00:00:00Z", 3, path=None),
    ]
    r = run(store, "ingest", "--json", "--rules", rules,
            stdin=("\n".join(bad) + "\n").encode())
    got = json.loads(r.stdout)
    assert got["malformed"] == len(bad) and got["applied"] == 0, got
    err = r.stderr.decode()
    assert "\"rating\" is out of range (1 to 5)" in err
    assert "\"comment\" is longer than 1000 characters" in err
    assert "control character (U+0007)" in err
    assert run(store, "export", "--json").stdout == before
