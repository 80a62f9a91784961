"""`nginx -t` refuses a configuration the module cannot work with."""

import os

import pytest

from conftest import Nginx


def emerg(prefix, http, server=None):
    r = Nginx(prefix, http=http, server=server).test_config()
    assert r.returncode != 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "[emerg]" in line]
    assert lines, r.stderr
    return lines[0]


def test_sample_config_is_accepted(prefix):
    r = Nginx(prefix).test_config()
    assert r.returncode == 0, r.stderr
    # -t checks, it never creates the store
    assert not os.path.exists(os.path.join(prefix, "store"))


def test_missing_secret(prefix):
    line = emerg(prefix, "lead_store {prefix}/store; "
                         "lead_secret {prefix}/nope;")
    assert 'lead_secret: cannot open "' in line
    assert "nope" in line and "No such file" in line


def test_short_secret(prefix):
    with open(os.path.join(prefix, "short"), "wb") as f:
        f.write(b"x" * 31)
    line = emerg(prefix, "lead_store {prefix}/store; "
                         "lead_secret {prefix}/short;")
    assert "has 31 bytes" in line and "32" in line


def test_store_is_a_file(prefix):
    line = emerg(prefix, "lead_store {prefix}/secret; "
                         "lead_secret {prefix}/secret;")
    assert "is not a directory" in line


def test_store_parent_missing(prefix):
    line = emerg(prefix, "lead_store {prefix}/no/such/store; "
                         "lead_secret {prefix}/secret;")
    assert "cannot be created" in line


@pytest.mark.parametrize("param", ["size=0", "size=junk", "flush=0",
                                   "flush=soon", "speed=1"])
def test_bad_store_parameters(prefix, param):
    line = emerg(prefix, "lead_store {prefix}/store " + param + "; "
                         "lead_secret {prefix}/secret;")
    assert "lead_store" in line and param.split("=")[1] in line


def test_track_needs_store_and_secret(prefix):
    line = emerg(prefix, "", "location / { lead_track on; }")
    assert '"lead_track on" needs "lead_store" and "lead_secret"' in line


def test_duplicate_store(prefix):
    line = emerg(prefix, "lead_store {prefix}/a; lead_store {prefix}/b; "
                         "lead_secret {prefix}/secret;")
    assert '"lead_store" directive is duplicate' in line


@pytest.mark.parametrize("name", ['"a b"', "a=b", '"a;b"', "a,b"])
def test_bad_cookie_name(prefix, name):
    line = emerg(prefix, "lead_store {prefix}/store; "
                         "lead_secret {prefix}/secret; lead_cookie " + name
                         + ";")
    assert "lead_cookie:" in line and "is not a cookie name" in line
