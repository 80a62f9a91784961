"""Damaged stores: nginx serves content without tracking, leadctl refuses.

The damaged copies are made here from one generated store (bench-dataset):
truncations at a page boundary and inside a page, altered bytes in the
meta page LMDB uses, in a branch page's and a leaf page's node offsets
and in a branch page's child number, a zeroed leaf page.  Each one made
LMDB fault, abort or fail before the store was checked (findings 4, 5).
"""

import hashlib
import os
import pwd
import re
import shutil
import struct
import subprocess
import tempfile
import time

import pytest

from conftest import (BENCH_DATASET, IS_ROOT, LEADCTL, SAMPLE_HTML,
                      SAMPLE_RULES, WORKER_USER, Nginx)

P_BRANCH, P_LEAF = 1, 2
META_TXNID, META_LAST_PG, META_MAIN_ROOT = 128, 120, 72 + 40

HTTP = """
    lead_store {prefix}/store flush=100ms;
    lead_secret {prefix}/secret;
"""

SERVER = """
        location / { lead_track on; }
        location /docs/ { lead_track on; lead_gate on; }
        location = /lead/form {
            lead_form;
            lead_form_template html/form.html;
        }
"""


def layout(data):
    """Page size, the meta page LMDB uses, and pages by kind (branch or
    leaf), each page found by its own number in its head."""
    psize = struct.unpack_from("<I", data, 16 + 24)[0]
    t0, t1 = (struct.unpack_from("<Q", data, off + 16 + META_TXNID)[0]
              for off in (0, psize))
    kinds = {P_BRANCH: [], P_LEAF: []}
    for pg in range(2, len(data) // psize):
        pgno, _, flags = struct.unpack_from("<QHH", data, pg * psize)
        if pgno == pg and flags & 3 in kinds:
            kinds[flags & 3].append(pg)
    return psize, int(t1 > t0), kinds


def damages(data):
    """name -> (offset, bytes written there) or an int: the size cut to."""
    psize, meta, kinds = layout(data)
    size = len(data)
    mo = meta * psize + 16                  # the meta LMDB uses
    old = (1 - meta) * psize + 16
    branch = kinds[P_BRANCH][len(kinds[P_BRANCH]) // 2]
    leaf = kinds[P_LEAF][len(kinds[P_LEAF]) // 2]
    # a branch node's child page number is its first 6 bytes
    node = struct.unpack_from("<H", data, branch * psize + 16 + 2)[0]
    return {
        "cut-at-page": size // psize // 2 * psize,
        "cut-in-page": size - psize // 2,
        "cut-to-meta-0": psize,
        "meta-magic": (mo, b"\0\0\0\0"),
        "meta-last-page": (mo + META_LAST_PG + 3, b"\x7f"),
        "meta-main-root": (mo + META_MAIN_ROOT + 2, b"\x5a"),
        "meta-old-txnid": (old + META_TXNID + 6, b"\x01"),
        "branch-offsets": (branch * psize + 16, b"\xff\x7f\xff\x7f"),
        "branch-child": (branch * psize + node, struct.pack("<I", 1)),
        "leaf-offsets": (leaf * psize + 16, b"\xf0\x0f\xf0\x0f"),
        "leaf-zeroed": (leaf * psize, bytes(psize)),
    }


NGINX_CASES = ["cut-at-page", "cut-in-page", "cut-to-meta-0", "meta-magic",
               "meta-last-page", "meta-main-root", "meta-old-txnid",
               "branch-offsets", "branch-child", "leaf-offsets",
               "leaf-zeroed"]


@pytest.fixture(scope="module")
def source():
    """A generated store, and its data.mdb's bytes."""
    top = tempfile.mkdtemp(prefix="lead-damaged-")
    store = os.path.join(top, "store")
    os.mkdir(store)
    try:
        subprocess.run([BENCH_DATASET, store, SAMPLE_RULES, "300", "20000"],
                       check=True, capture_output=True, timeout=120)
        # compacted: every page in a tree, none free, so that the pages
        # damaged are ones LMDB reads
        whole = os.path.join(top, "whole")
        subprocess.run([LEADCTL, "--store", store, "backup", whole],
                       check=True, capture_output=True, timeout=120)
        shutil.rmtree(store)
        os.rename(whole, store)
        with open(os.path.join(store, "data.mdb"), "rb") as f:
            yield store, f.read()
    finally:
        shutil.rmtree(top, ignore_errors=True)


def put_damaged(source, store, name):
    """store/data.mdb: the source's, damaged as name says; its digest."""
    data = bytearray(source[1])
    how = damages(bytes(data))[name]
    if isinstance(how, int):
        del data[how:]
    else:
        off, b = how
        data[off:off + len(b)] = b
    os.makedirs(store, exist_ok=True)
    path = os.path.join(store, "data.mdb")
    with open(path + ".new", "wb") as f:
        f.write(data)
    os.rename(path + ".new", path)
    if IS_ROOT:
        pw = pwd.getpwnam(WORKER_USER)
        for p in (store, path):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    return hashlib.sha256(data).hexdigest()


def digest(store):
    with open(os.path.join(store, "data.mdb"), "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def site(prefix):
    shutil.copy(os.path.join(SAMPLE_HTML, "form.html"),
                os.path.join(prefix, "html", "form.html"))
    return Nginx(prefix, http=HTTP, server=SERVER)


def alerts(log):
    return [line for line in log.splitlines() if "[alert]" in line]


def serves_content(n):
    """Ungated pages are served (from both workers, over several
    connections), a gated one shows the form, the form itself is there."""
    for _ in range(6):
        assert n.get("/page.html", headers={"Connection": "close"}) \
            .status_code == 200
    r = n.get("/docs/a.html")
    assert r.status_code == 303
    assert r.headers["Location"].endswith("/lead/form?return=/docs/a.html")
    assert n.get("/lead/form?return=/docs/a.html").status_code == 200


@pytest.mark.parametrize("name", NGINX_CASES)
def test_nginx_serves_a_damaged_store_without_tracking(prefix, source, name):
    n = site(prefix)
    before = put_damaged(source, n.store, name)

    r = n.test_config()
    assert r.returncode == 0, r.stderr
    assert "is damaged" in r.stderr and "data.mdb" in r.stderr
    logged = len(n.error_log())

    try:
        n.start()
        pids = sorted(n.workers(2))
        serves_content(n)
        time.sleep(0.5)                 # five flushes: nothing is written
        serves_content(n)

        assert sorted(n.workers(2)) == pids
        log = n.error_log()[logged:]
        assert n.crashed() == []
        found = alerts(log)
        assert len(found) == 1, found
        assert f'store "{n.store}/data.mdb" is damaged: ' in found[0]
        assert "tracking off" in found[0]
        assert digest(n.store) == before
    finally:
        n.quit()

    assert n.crashed() == []


def test_reload_finds_a_store_damaged_since(prefix, source):
    """A whole store at start; a truncated one put in its place (as a bad
    restore would) is found at the reload, and the old workers, which
    notice the file replaced, never map it."""
    n = site(prefix)
    os.makedirs(n.store)
    shutil.copy(os.path.join(source[0], "data.mdb"), n.store)
    if IS_ROOT:
        pw = pwd.getpwnam(WORKER_USER)
        for p in (n.store, os.path.join(n.store, "data.mdb")):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    try:
        n.start()
        serves_content(n)
        time.sleep(0.3)
        assert alerts(n.error_log()) == []

        before = put_damaged(source, n.store, "cut-in-page")
        time.sleep(0.3)                 # the workers see it replaced
        n.reload()
        serves_content(n)
        time.sleep(0.3)

        log = n.error_log()
        assert n.crashed() == []
        assert any("is damaged" in line and "tracking off" in line
                   for line in alerts(log))
        assert digest(n.store) == before
    finally:
        n.quit()

    assert n.crashed() == []


def readers(store):
    """The PIDs in LMDB's reader table (mdb_stat -r)."""
    r = subprocess.run(["mdb_stat", "-r", store], capture_output=True,
                       text=True, timeout=30)
    assert "Reader Table Status" in r.stdout, r.stderr
    return {int(line.split()[0]) for line in r.stdout.splitlines()
            if line.strip() and line.split()[0].isdigit()}


def test_checks_of_a_live_store_leave_no_reader(prefix, source):
    """nginx -t and leadctl check walk a store the workers write: it is
    whole, and the walk's reader slot is given back (a stale one would
    keep LMDB from reusing freed pages)."""
    n = site(prefix)
    os.makedirs(n.store)
    shutil.copy(os.path.join(source[0], "data.mdb"), n.store)
    if IS_ROOT:
        pw = pwd.getpwnam(WORKER_USER)
        for p in (n.store, os.path.join(n.store, "data.mdb")):
            os.chown(p, pw.pw_uid, pw.pw_gid)
    try:
        n.start()
        serves_content(n)
        r = n.test_config()
        assert r.returncode == 0 and "damaged" not in r.stderr, r.stderr
        r = leadctl(n.store, ["check"])
        assert r.returncode == 0 and re.search(r"is whole: \d+ tables",
                                               r.stdout), r.stdout
        assert readers(n.store) <= set(n.workers(2))
        assert alerts(n.error_log()) == []
    finally:
        n.quit()


# every command, and what it needs to run
COMMANDS = [
    ["events"], ["visitors"], ["assets"], ["leads"], ["show", "x@y.example"],
    ["funnel"], ["accounts"], ["status", "x@y.example", "sal"],
    ["forget", "x@y.example"], ["purge", "--anonymous-older-than", "30"],
    ["backup", "{backup}"], ["compact"], ["check"],
]

LEADCTL_CASES = ["cut-in-page", "meta-main-root", "branch-offsets",
                 "leaf-offsets"]


def leadctl(store, args):
    return subprocess.run([LEADCTL, "--store", store, *args],
                          capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("name", LEADCTL_CASES)
def test_every_leadctl_command_refuses_a_damaged_store(tmp_path, source,
                                                       name):
    store = str(tmp_path / "store")
    before = put_damaged(source, store, name)
    for args in COMMANDS:
        args = [a.replace("{backup}", str(tmp_path / "backup"))
                for a in args]
        r = leadctl(store, args)
        assert r.returncode == 1, (args, r.returncode, r.stderr)
        assert f'leadctl: store "{store}" is damaged: ' in r.stderr, args
        assert r.stdout == "", args
    assert digest(store) == before
    assert not (tmp_path / "backup").exists()


def test_leadctl_check_names_what_is_wrong(tmp_path, source):
    """check on every damaged copy: exit 1 and a reason, never a signal;
    on the whole store, exit 0 and what it holds."""
    r = leadctl(source[0], ["check"])
    assert r.returncode == 0, r.stderr
    assert re.search(f'store "{re.escape(source[0])}" is whole: \\d+ tables',
                     r.stdout), r.stdout

    reasons = {}
    for name in damages(source[1]):
        store = str(tmp_path / name)
        put_damaged(source, store, name)
        r = leadctl(store, ["check"])
        assert r.returncode == 1, (name, r.returncode, r.stderr)
        reasons[name] = r.stderr
    assert "truncated" in reasons["cut-at-page"]
    assert "truncated" in reasons["cut-in-page"]
    assert "ends inside meta page 1" in reasons["cut-to-meta-0"]
    assert "is not LMDB's" in reasons["meta-magic"]
    assert "truncated" in reasons["meta-last-page"]
    assert "main tree's root" in reasons["meta-main-root"]
    assert "not one after the other" in reasons["meta-old-txnid"]
    # the pages themselves: found by reading them in a child process
    for name in ("branch-offsets", "branch-child", "leaf-offsets",
                 "leaf-zeroed"):
        assert 'table "' in reasons[name], reasons[name]
