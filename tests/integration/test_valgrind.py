"""Every leadctl command under valgrind --leak-check=full, over a store
nginx wrote: no invalid access, no leak."""

import os
import shutil
import subprocess

import pytest

from conftest import LEADCTL, SANITIZER_PRELOAD
from test_journey import demo, fixed_now  # noqa: F401 (a fixture)
from test_lifecycle import ADA, BOB, two_leads_and_a_stranger

VALGRIND = shutil.which("valgrind")

pytestmark = [
    pytest.mark.skipif(VALGRIND is None, reason="valgrind is not installed"),
    # leadctl is the same program in build.sh's sanitizer run of the suite
    pytest.mark.skipif(SANITIZER_PRELOAD is not None,
                       reason="checked in the plain run"),
]


def valgrind(store, *args):
    r = subprocess.run(
        [VALGRIND, "--leak-check=full", "--show-leak-kinds=all",
         "--errors-for-leak-kinds=all", "--error-exitcode=99", "-q",
         LEADCTL, "--store", store, *args],
        capture_output=True, text=True, timeout=300)
    assert r.returncode != 99, f"leadctl {args}:\n{r.stderr}"
    return r


def test_leadctl_is_valgrind_clean(demo, tmp_path):
    site = demo
    two_leads_and_a_stranger(site)
    now = fixed_now()
    store = site.store
    for args in (["events"], ["visitors", "--json"], ["assets"],
                 ["leads"], ["leads", "--csv", "--status", "identified"],
                 ["leads", "--json", "--now", now], ["show", ADA],
                 ["show", BOB, "--json"], ["funnel"], ["accounts", "--json"],
                 ["status", BOB, "nurture", "--reason", "no budget"],
                 ["show", "nobody@example.com"], ["backup",
                                                  str(tmp_path / "b")],
                 ["purge", "--anonymous-older-than", "0"], ["forget", ADA],
                 ["rules", "check", os.path.join(site.prefix, "rules")],
                 ["rules", "scan", os.path.join(site.prefix, "html"),
                  "--rules", os.path.join(site.prefix, "rules")],
                 ["nonsense"], ["leads", "--limit"]):
        valgrind(store, *args)
    site.quit()
    r = valgrind(store, "compact")
    assert r.returncode == 0, r.stderr
