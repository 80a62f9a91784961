"""leadctl's contract: help, exit codes, and reading a store."""

import subprocess

import pytest

from conftest import LEADCTL


def run(*args, env=None):
    return subprocess.run([LEADCTL, *args], capture_output=True, text=True,
                          timeout=30, env=env)


def test_help_lists_commands():
    r = run("--help")
    assert r.returncode == 0
    assert "events" in r.stdout and "visitors" in r.stdout


@pytest.mark.parametrize("cmd", ["events", "visitors"])
def test_every_command_has_help(cmd):
    r = run(cmd, "--help")
    assert r.returncode == 0
    assert r.stdout.startswith(f"leadctl [--store DIR] {cmd}")


@pytest.mark.parametrize("args", [[], ["bogus"], ["events", "--bogus"],
                                  ["--store"]])
def test_usage_errors_exit_2(args):
    assert run(*args).returncode == 2


def test_missing_store_exits_2(tmp_path):
    r = run("--store", str(tmp_path / "nope"), "events")
    assert r.returncode == 2
    assert "not a directory" in r.stderr
    r = run("--store", str(tmp_path), "events")
    assert r.returncode == 2
    assert "no store" in r.stderr
    r = run("events", env={})
    assert r.returncode == 2
    assert "LEAD_STORE" in r.stderr


def test_store_from_environment(nginx):
    nginx.get("/page.html")
    nginx.wait_events(1)
    r = run("visitors", env={"LEAD_STORE": nginx.store})
    assert r.returncode == 0
    assert len(r.stdout.splitlines()) == 2       # header and one visitor
    text = run("--store", nginx.store, "events").stdout
    assert "/page.html" in text and " 200 " in text
