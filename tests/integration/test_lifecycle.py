"""The data lifecycle against real nginx: forgetting a person, expiring
anonymous history (leadctl purge and lead_retention), hot backups, restore
and compaction, with the LMDB files scanned raw for a forgotten e-mail."""

import json
import os
import shutil
import subprocess
import time

import pytest

from claims_helper import confirm_claim
from conftest import LEADCTL, Nginx, copy_site
from test_gate import HTTP, SERVER, Browser
from test_journey import demo, fixed_now, poll, start  # noqa: F401

ADA = "ada@forget-me.example"
BOB = "bob@keep-me.example"


def file_has(path, text):
    """A raw scan: the bytes anywhere in the file, free pages included."""
    with open(path, "rb") as f:
        return text.encode() in f.read()


def ctl(store, *args):
    return subprocess.run([LEADCTL, "--store", store, *args],
                          capture_output=True, text=True, timeout=60)


def emails(site):
    return {l["email"] for l in json.loads(
        site.leadctl("leads", "--json").stdout)}


def visitors(site):
    return {v["visitor"]: v["events"] for v in json.loads(
        site.leadctl("visitors", "--json").stdout)}


def visitor_of(b):
    return b.get("/library/why-outages-cost.html").headers["X-Lead-Visitor"]


def two_leads_and_a_stranger(site):
    """Ada (two devices, reads before and after the form), Bob, and an
    anonymous visitor; returns their browsers once every read is stored."""
    ada, phone, bob, stranger = (Browser(site) for _ in range(4))
    for b in (ada, phone, bob, stranger):
        assert b.get("/library/why-outages-cost.html").status_code == 200
    ada.identify(ADA, name="Ada Forget")
    phone.identify(ADA, name="Ada Forget")
    confirm_claim(site, phone, ADA)    # a second device: Ada confirms it
    bob.identify(BOB, name="Bob Keep")
    assert ada.get("/library/guide/").status_code == 200
    assert phone.get("/library/guide/1-requirements.html").status_code == 200
    assert bob.get("/library/guide/").status_code == 200
    assert len(site.wait_events(7)) == 7
    return ada, phone, bob, stranger




def test_forget_erases_every_trace_and_compaction_wipes_the_bytes(demo,
                                                                   tmp_path):
    ada, phone, bob, stranger = two_leads_and_a_stranger(demo)
    ids = {name: visitor_of(b) for name, b in
           (("ada", ada), ("phone", phone), ("bob", bob),
            ("stranger", stranger))}
    demo.wait_events(11)
    data = os.path.join(demo.store, "data.mdb")
    assert file_has(data, ADA)

    r = demo.leadctl("forget", ADA.upper())
    assert "2 visitor(s)" in r.stdout, r.stdout

    assert emails(demo) == {BOB}
    assert demo.leadctl("show", ADA, check=False).returncode == 1
    left = visitors(demo)
    assert ids["ada"] not in left and ids["phone"] not in left
    assert ids["bob"] in left and ids["stranger"] in left
    assert {e["visitor"] for e in demo.events()} == {ids["bob"],
                                                     ids["stranger"]}
    # forgetting twice: nobody to forget
    r = demo.leadctl("forget", ADA, check=False)
    assert r.returncode == 1 and "no lead" in r.stderr

    # forget cannot reach her cookie, which says, signed, that she
    # identified (SECURITY.md): the gate lets it in, and what it reads
    # now is an anonymous visitor's, no one's lead
    assert ada.get("/library/guide/").status_code == 200
    assert bob.get("/library/guide/").status_code == 200
    assert demo.leadctl("show", ADA, check=False).returncode == 1

    # a hot backup while nginx writes is compacted: no byte of her left
    backup = str(tmp_path / "backup")
    r = demo.leadctl("backup", backup)
    assert "compacted" in r.stdout
    assert not file_has(os.path.join(backup, "data.mdb"), ADA)
    assert file_has(os.path.join(backup, "data.mdb"), BOB)

    # in place only with nginx stopped
    r = demo.leadctl("compact", check=False)
    assert r.returncode == 1 and "stop it first" in r.stderr, r.stderr
    demo.quit()
    demo.leadctl("compact")
    assert not file_has(data, ADA)
    assert file_has(data, BOB)
    assert not os.path.exists(data + ".compact")

    # nginx takes the compacted store up again and goes on recording
    demo.start()
    before = len(demo.events())
    assert bob.get("/library/sd-wan-vs-mpls.html").status_code == 200
    assert len(demo.wait_events(before + 1)) == before + 1
    assert emails(demo) == {BOB}


def test_backup_restores_into_a_new_store(demo, tmp_path):
    two_leads_and_a_stranger(demo)
    now = fixed_now()           # the same moment for both: scores decay
    want = demo.leadctl("leads", "--json", "--now", now).stdout
    backup = str(tmp_path / "backup")
    demo.leadctl("backup", backup)
    # again into the same place: replaced atomically, no part file left
    demo.leadctl("backup", backup)
    assert sorted(os.listdir(backup)) == ["data.mdb"]

    # restore, as the README says: the copy becomes a store's data.mdb
    restored = str(tmp_path / "restored")
    os.makedirs(restored)
    shutil.copy(os.path.join(backup, "data.mdb"), restored)
    r = ctl(restored, "leads", "--json", "--now", now)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == json.loads(want)

    # never over the live store
    r = demo.leadctl("backup", demo.store, check=False)
    assert r.returncode == 1 and "store itself" in r.stderr


def test_purge_expires_only_anonymous_visitors(demo):
    ada, phone, bob, stranger = two_leads_and_a_stranger(demo)
    stranger_id = visitor_of(stranger)
    assert len(demo.wait_events(8)) == 8
    time.sleep(0.5)     # the indexes reach every read above

    # not old enough: nothing goes
    r = demo.leadctl("purge", "--anonymous-older-than", "1")
    assert "purged 0 anonymous" in r.stdout, r.stdout
    assert stranger_id in visitors(demo)

    r = demo.leadctl("purge", "--anonymous-older-than", "0")
    assert "purged 1 anonymous visitor(s) and 2 event(s)" in r.stdout, \
        r.stdout
    assert stranger_id not in visitors(demo)
    assert emails(demo) == {ADA, BOB}
    assert len(demo.events()) == 6           # the leads' reads, kept

    for bad in (["--anonymous-older-than", "soon"], ["--anonymous-older-than",
                                                    "-3"], []):
        r = demo.leadctl("purge", *bad, check=False)
        assert r.returncode == 2, (bad, r.stderr)


def test_lead_retention_expires_anonymous_history_in_the_background(prefix):
    site = start(prefix)
    site.quit()
    site.write_conf(http=HTTP + "    lead_retention 2s;\n", server=SERVER)
    site.start()
    try:
        stranger, ada = Browser(site), Browser(site)
        stranger_id = visitor_of(stranger)
        ada.identify(ADA)
        ada_id = visitor_of(ada)
        assert stranger_id in poll(lambda: visitors(site),
                                   lambda v: stranger_id in v)

        left = poll(lambda: visitors(site), lambda v: stranger_id not in v,
                    timeout=15)
        assert stranger_id not in left
        assert ada_id in left and emails(site) == {ADA}
        assert "lead: expired 1 anonymous visitors and 1 events" \
            in site.error_log()

        # a returning stranger is recorded afresh
        assert visitor_of(stranger) == stranger_id
        assert stranger_id in poll(lambda: visitors(site),
                                   lambda v: stranger_id in v)
    finally:
        site.quit()


@pytest.mark.parametrize("value", ["0", "soon", "-1d"])
def test_bad_lead_retention_is_refused_by_nginx_t(prefix, value):
    copy_site(prefix)
    n = Nginx(prefix, http=HTTP + f"    lead_retention {value};\n",
              server=SERVER)
    r = n.test_config()
    assert r.returncode != 0
    assert "invalid lead_retention" in r.stderr, r.stderr


def test_lead_retention_off_is_accepted(prefix):
    copy_site(prefix)
    n = Nginx(prefix, http=HTTP + "    lead_retention off;\n", server=SERVER)
    r = n.test_config()
    assert r.returncode == 0, r.stderr
