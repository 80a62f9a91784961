"""What a tracked location records, through the real nginx."""

import os
import re
import time

import pytest

from conftest import IS_ROOT, WORKER_USER, Nginx

COOKIE_RE = re.compile(r"^lv=([A-Za-z0-9_-]{22})\.([A-Za-z0-9_-]{43})$")


def visitor_cookie(resp):
    header = resp.headers.get("Set-Cookie")
    assert header, "no Set-Cookie"
    value = header.split(";")[0]
    assert COOKIE_RE.match(value), header
    return header, value.split("=", 1)[1]


def test_first_visit_gets_a_signed_cookie(nginx):
    r = nginx.get("/page.html")
    assert r.status_code == 200
    header, _ = visitor_cookie(r)
    attrs = [a.strip() for a in header.split(";")[1:]]
    assert attrs == ["Max-Age=31536000", "Path=/", "HttpOnly",
                     "SameSite=Lax"]


def test_returning_visitor_is_the_same_visitor(nginx):
    _, cookie = visitor_cookie(nginx.get("/page.html"))
    r = nginx.get("/docs/a.html", cookies={"lv": cookie})
    assert r.status_code == 200
    assert "Set-Cookie" not in r.headers

    events = nginx.wait_events(2)
    assert [e["path"] for e in events] == ["/page.html", "/docs/a.html"]
    assert events[0]["visitor"] == events[1]["visitor"]
    visitors = nginx.leadctl("visitors", "--json").stdout
    assert '"events":2' in visitors


@pytest.mark.parametrize("tamper", [
    lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),   # signature
    lambda c: ("B" if c[0] != "B" else "C") + c[1:],     # id
    lambda c: c[:30],                                    # truncated
    lambda c: "garbage",
])
def test_tampered_cookie_gets_a_new_visitor(nginx, tamper):
    _, cookie = visitor_cookie(nginx.get("/page.html"))
    r = nginx.get("/page.html", cookies={"lv": tamper(cookie)})
    assert r.status_code == 200
    _, fresh = visitor_cookie(r)
    assert fresh[:22] != cookie[:22]

    events = nginx.wait_events(2)
    assert len(events) == 2
    assert events[0]["visitor"] != events[1]["visitor"]
    assert "client sent invalid lead cookie" in nginx.error_log()


def test_cookie_signed_by_another_secret_is_refused(nginx, prefix):
    other = Nginx(prefix)
    with open(os.path.join(prefix, "secret"), "rb") as f:
        secret = f.read()
    try:
        with open(os.path.join(prefix, "secret"), "wb") as f:
            f.write(os.urandom(48))
        other.start()
        _, foreign = visitor_cookie(other.get("/page.html"))
    finally:
        other.quit()
        with open(os.path.join(prefix, "secret"), "wb") as f:
            f.write(secret)
    r = nginx.get("/page.html", cookies={"lv": foreign})
    _, fresh = visitor_cookie(r)
    assert fresh != foreign


def test_event_fields(nginx):
    r = nginx.get(
        "/docs//x/../a.html?utm_source=news%20letter&utm_medium=email"
        "&utm_campaign=q4+launch&other=1",
        headers={"Referer": "https://Search.Example.COM:443/results?q=a",
                 "User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120"})
    assert r.status_code == 200
    (e,) = nginx.wait_events(1)
    assert e["path"] == "/docs/a.html"
    assert e["status"] == 200
    assert e["bytes_sent"] == e["file_size"] == len(r.content)
    assert e["ranges"] == []
    assert e["referrer_host"] == "search.example.com"
    assert (e["utm_source"], e["utm_medium"], e["utm_campaign"]) == (
        "news letter", "email", "q4 launch")
    assert e["ua"] == "browser"
    assert abs(e["time_ms"] / 1000 - time.time()) < 60


def test_user_agent_classes(nginx):
    nginx.get("/page.html", headers={
        "User-Agent": "Mozilla/5.0 (compatible; Googlebot/2.1)"})
    nginx.get("/page.html", headers={"User-Agent": ""})
    events = nginx.wait_events(2)
    assert [e["ua"] for e in events] == ["bot", "unknown"]


def test_range_request_is_recorded_with_its_range(nginx):
    r = nginx.get("/big.pdf", headers={"Range": "bytes=100-199"})
    assert r.status_code == 206
    assert len(r.content) == 100
    (e,) = nginx.wait_events(1)
    assert e["status"] == 206
    assert e["ranges"] == [[100, 199]]
    assert e["bytes_sent"] == 100
    assert e["file_size"] == 102400


def test_multi_range_and_suffix(nginx):
    r = nginx.get("/big.pdf", headers={"Range": "bytes=0-9,-10"})
    assert r.status_code == 206
    (e,) = nginx.wait_events(1)
    assert e["ranges"] == [[0, 9], [102390, 102399]]


@pytest.mark.parametrize("method,path,headers", [
    ("HEAD", "/page.html", {}),
    ("GET", "/page.html", {"Sec-Purpose": "prefetch"}),
    ("GET", "/page.html", {"Sec-Purpose": "prefetch;prerender"}),
    ("GET", "/page.html", {"Purpose": "prefetch"}),
    ("GET", "/page.html", {"X-Moz": "prefetch"}),
    ("GET", "/page.html", {"DNT": "1"}),
    ("GET", "/page.html", {"Sec-GPC": "1"}),
    # as HTTP/2 clients spell them
    ("GET", "/page.html", {"sec-gpc": "1"}),
    ("GET", "/page.html", {"sec-purpose": "Prefetch"}),
    ("GET", "/plain/page.html", {}),
    ("GET", "/missing.html", {}),
    ("POST", "/page.html", {}),
])
def test_served_but_not_recorded(nginx, method, path, headers):
    import requests
    r = requests.request(method, nginx.url + path, headers=headers,
                         timeout=10)
    expected = {"/missing.html": 404}.get(path, 405 if method == "POST"
                                          else 200)
    assert r.status_code == expected
    # a request that is recorded, after: once it is in, the first is known
    nginx.get("/docs/a.html")
    events = nginx.wait_events(1)
    time.sleep(0.3)
    assert [e["path"] for e in nginx.events()] == ["/docs/a.html"]


@pytest.mark.parametrize("headers", [
    {"DNT": "0"}, {"Sec-GPC": "yes"}, {"Sec-Purpose": "prerender"},
    # the same lengths as the hints' names, other names
    {"DNX": "1"}, {"Sec-GPD": "1"}, {"Purposx": "prefetch"},
])
def test_look_alike_headers_are_recorded(nginx, headers):
    assert nginx.get("/page.html", headers=headers).status_code == 200
    (e,) = nginx.wait_events(1)
    assert e["path"] == "/page.html"


def test_gpc_and_dnt_visitors_get_no_cookie(nginx):
    for h in ({"DNT": "1"}, {"Sec-GPC": "1"}):
        assert "Set-Cookie" not in nginx.get("/page.html", headers=h).headers


def test_gpc_recorded_where_honoring_is_off(nginx):
    r = nginx.get("/nogpc/page.html", headers={"Sec-GPC": "1"})
    assert r.status_code == 200
    (e,) = nginx.wait_events(1)
    assert e["path"] == "/nogpc/page.html"


def test_reload_and_quit_lose_no_event(nginx):
    sent = 0
    for _ in range(3):
        for _ in range(150):
            assert nginx.get("/page.html").status_code == 200
            sent += 1
        nginx.reload()
    for _ in range(150):
        assert nginx.get("/page.html").status_code == 200
        sent += 1
    nginx.quit()
    assert len(nginx.events()) == sent


def thread_nices(pid):
    """Each thread's nice value (field 19 of its stat), by thread id."""
    nices = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/stat") as f:
            nices[int(tid)] = int(f.read().rsplit(")", 1)[1].split()[16])
    return nices


def thread_cpus(pid):
    """The cores each thread may run on (Cpus_allowed_list), by thread id."""
    cpus = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/status") as f:
            spans = re.search(r"^Cpus_allowed_list:\s*(\S+)", f.read(),
                              re.M).group(1)
        cpus[int(tid)] = set()
        for span in spans.split(","):
            first, _, last = span.partition("-")
            cpus[int(tid)].update(range(int(first), int(last or first) + 1))
    return cpus


def in_main_context(n, lines):
    """nginx n with lines added to its main context."""
    with open(n.conf) as f:
        conf = f.read()
    with open(n.conf, "w") as f:
        f.write(conf.replace("worker_processes 2;",
                             "worker_processes 2;\n" + lines, 1))
    return n


def test_writes_run_below_the_workers_priority(prefix):
    """In the module's own pool, the store's writes take a thread at nice
    +10; the workers that serve keep their own priority, unprivileged as
    they are (the thread could not be raised back, the worker must never
    be lowered)."""
    n = in_main_context(Nginx(prefix), "thread_pool lead threads=2;")
    try:
        n.start()
        own = os.getpriority(os.PRIO_PROCESS, 0)
        for _ in range(20):
            assert n.get("/page.html").status_code == 200
        assert len(n.wait_events(20)) == 20
        lowered = 0
        for pid in n.workers(2):
            nices = thread_nices(pid)
            assert nices[pid] == own
            assert set(nices.values()) <= {own, min(own + 10, 19)}
            lowered += sum(v != own for v in nices.values())
            # an unpinned worker's writes stay where its threads may run
            assert all(c == thread_cpus(pid)[pid]
                       for c in thread_cpus(pid).values())
        assert lowered >= 1
    finally:
        n.quit()


def test_the_default_pool_is_left_as_nginx_made_it(prefix):
    """Without a pool of its own, the module's tasks run in nginx's
    "default" pool, whose threads also serve aio and other modules: none
    is lowered or moved, even off a pinned worker's core."""
    n = in_main_context(Nginx(prefix), "worker_cpu_affinity auto;")
    try:
        n.start()
        own = os.getpriority(os.PRIO_PROCESS, 0)
        for _ in range(20):
            assert n.get("/page.html").status_code == 200
        assert len(n.wait_events(20)) == 20
        for pid in n.workers(2):
            cpus, nices = thread_cpus(pid), thread_nices(pid)
            assert len(nices) > 1
            assert set(nices.values()) == {own}
            assert all(c == cpus[pid] for c in cpus.values())
    finally:
        n.quit()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2,
                    reason="needs two cores")
def test_writes_leave_a_pinned_workers_core(prefix):
    """With worker_cpu_affinity, each worker serves on its own core and
    the writes of the module's own pool go to the others nginx was given,
    so that they never take a turn from its requests."""
    n = in_main_context(Nginx(prefix), "worker_cpu_affinity auto;\n"
                                       "thread_pool lead threads=2;")
    try:
        n.start()
        for _ in range(20):
            assert n.get("/page.html").status_code == 200
        assert len(n.wait_events(20)) == 20
        given = os.sched_getaffinity(0)
        own = os.getpriority(os.PRIO_PROCESS, 0)
        moved = 0
        for pid in n.workers(2):
            cpus, nices = thread_cpus(pid), thread_nices(pid)
            assert len(cpus[pid]) == 1
            for tid, nice in nices.items():
                if nice == own:
                    assert cpus[tid] == cpus[pid]
                else:
                    assert cpus[tid] == given - cpus[pid]
                    moved += 1
        assert moved >= 1
    finally:
        n.quit()


def test_writes_keep_to_their_own_thread_pool(prefix):
    """Where the main context declares a thread pool "lead", the module's
    tasks run there alone: the threads it lowers are never the "default"
    pool's, where aio threads reads files for the rest of the site."""
    n = Nginx(prefix, server="location / { lead_track on; aio threads; }")
    with open(n.conf) as f:
        conf = f.read()
    with open(n.conf, "w") as f:
        f.write(conf.replace("worker_processes 2;",
                             "worker_processes 2;\n"
                             "thread_pool default threads=3;\n"
                             "thread_pool lead threads=2;", 1))
    try:
        n.start()
        for _ in range(20):
            assert n.get("/page.html").status_code == 200
        assert len(n.wait_events(20)) == 20
        own = os.getpriority(os.PRIO_PROCESS, 0)
        lowered = 0
        for pid in n.workers(2):
            nices = thread_nices(pid)
            assert len(nices) == 1 + 3 + 2
            # the pools start their threads in the order they are declared
            main, default, lead = (sorted(nices)[:1], sorted(nices)[1:4],
                                   sorted(nices)[4:])
            assert all(nices[tid] == own for tid in main + default)
            lowered += sum(nices[tid] != own for tid in lead)
        assert lowered >= 1
    finally:
        n.quit()


@pytest.mark.skipif(not IS_ROOT, reason="needs root to run workers as "
                    "another user")
def test_store_directory_is_created_for_the_worker_user(nginx):
    import pwd
    nginx.get("/page.html")
    nginx.wait_events(1)
    st = os.stat(nginx.store)
    assert st.st_uid == pwd.getpwnam(WORKER_USER).pw_uid
    assert os.stat(os.path.join(nginx.store, "data.mdb")).st_uid == st.st_uid


@pytest.mark.skipif(not IS_ROOT, reason="needs root to run workers as "
                    "another user")
def test_unwritable_store_still_serves(prefix):
    store = os.path.join(prefix, "store")
    os.makedirs(store)
    os.chmod(store, 0o555)
    n = Nginx(prefix)
    try:
        n.start()
        for _ in range(5):
            r = n.get("/page.html")
            assert r.status_code == 200
            assert len(r.content) > 4000
        time.sleep(0.3)
        log = n.error_log()
        assert "cannot open store" in log
        assert log.count("cannot open store") <= 2   # once per worker
    finally:
        n.quit()
        os.chmod(store, 0o755)
