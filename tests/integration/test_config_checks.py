"""`nginx -t` refuses a gate that reaches no form, and warns of rules
that gate nothing (ngx_http_lead_check.c)."""

import os
import subprocess

import pytest

from conftest import Nginx, copy_site, free_port, ROOT, NGINX, NGINX_ENV

HTTP = """
    lead_store {prefix}/store;
    lead_secret {prefix}/secret;
    lead_rules {prefix}/rules;
"""

FORM = "lead_form; lead_form_template html/form.html;"


def nginx_t(prefix, server, http=HTTP, extra=""):
    """nginx -t of one server (conftest's), and any servers after it."""
    copy_site(prefix)
    n = Nginx(prefix, http=http + extra, server=server)
    return n.test_config()


def refused(prefix, server, **kw):
    r = nginx_t(prefix, server, **kw)
    assert r.returncode != 0, r.stderr
    lines = [line for line in r.stderr.splitlines() if "[emerg]" in line]
    assert lines, r.stderr
    return lines[0]


def accepted(prefix, server, **kw):
    r = nginx_t(prefix, server, **kw)
    assert r.returncode == 0, r.stderr
    return [line for line in r.stderr.splitlines() if "[warn]" in line]


# ---- a gate with no form ----------------------------------------------------

def test_gate_without_form_is_refused(prefix):
    line = refused(prefix, "server_name example.com; "
                           "location / { lead_track on; lead_gate auto; }")
    assert 'lead_gate in location "/" of server "example.com" (' in line
    assert os.path.join(prefix, "nginx.conf") + ":" in line
    assert 'sends visitors to "/lead/form", which no location with ' \
           '"lead_form" handles in that server' in line


def test_inherited_gate_without_form_is_refused(prefix):
    """lead_gate at the http level reaches every server's locations."""
    line = refused(prefix, "location /docs/ { lead_track on; }",
                   http=HTTP + "lead_gate on;")
    assert 'lead_gate in location "/docs/" of server (' in line
    assert '"/lead/form"' in line


def test_gate_in_a_server_with_no_location(prefix):
    line = refused(prefix, "lead_gate on;")
    assert "lead_gate in server (" in line and '"/lead/form"' in line


def test_the_location_that_gets_the_uri_is_named(prefix):
    """/lead/form reaches "location /", which has no lead_form; the form
    sits at a URI the gate does not send to."""
    line = refused(prefix, "location / { lead_gate auto; } "
                           "location = /form { " + FORM + " }")
    assert '(location "/" gets it)' in line


def test_form_in_an_internal_location_is_refused(prefix):
    line = refused(prefix, "location / { lead_gate auto; } "
                           "location = /lead/form { internal; " + FORM + " }")
    assert '(its location is "internal")' in line


def test_a_regex_that_wins_over_the_prefix_is_seen(prefix):
    """nginx picks a matching regex over a prefix location without ^~:
    the form's prefix location never gets /lead/form."""
    line = refused(prefix, "location / { lead_gate auto; } "
                           "location /lead/ { " + FORM + " } "
                           "location ~ ^/lead/ { return 204; }")
    assert '(location "^/lead/" gets it)' in line


def test_a_location_nested_in_the_forms_serves_no_form(prefix):
    """It inherits lead_form's flag, not its handler: it serves files."""
    line = refused(prefix, "location / { lead_gate auto; } "
                           "location /lead/ { " + FORM + " "
                           "location /lead/form { } }")
    assert '(location "/lead/form" gets it)' in line
    assert "internal" not in line


def test_form_uri_must_be_a_uri(prefix):
    line = refused(prefix, "location / { lead_gate on; "
                           "lead_form_uri https://forms.example.com/f; }")
    assert 'lead_form_uri "https://forms.example.com/f"' in line
    assert 'must start with "/"' in line


@pytest.mark.parametrize("server", [
    # exact, as the README has it
    "location / { lead_gate auto; } location = /lead/form { %s }" % FORM,
    # a prefix
    "location / { lead_gate auto; } location /lead/ { %s }" % FORM,
    # nested in a prefix location
    "location / { lead_gate auto; } "
    "location /lead/ { location /lead/form { %s } }" % FORM,
    # "^~" keeps the regex away
    "location / { lead_gate auto; } location ^~ /lead/ { %s } "
    "location ~ ^/lead/ { return 204; }" % FORM,
    # a regex location that matches the URI: nginx matches it as a
    # request would (the URI is a constant), so it is accepted
    "location / { lead_gate auto; } location ~ ^/lead/f(orm)?$ { %s }"
    % FORM,
    "location / { lead_gate auto; } location ~* ^/LEAD/FORM$ { %s }" % FORM,
    # lead_form_uri changed, in the server or in the gated location
    "lead_form_uri /signup; location / { lead_gate auto; } "
    "location = /signup { %s }" % FORM,
    "location /docs/ { lead_gate on; lead_form_uri /signup?from=docs; } "
    "location = /signup { %s }" % FORM,
    # a gate set where the form is: the form's location itself
    "lead_gate auto; location = /lead/form { %s }" % FORM,
    # named locations and regexes nested in a gated prefix are walked too
    "location / { lead_gate auto; try_files $uri @up; "
    "location ~ \\.pdf$ { } } location @up { return 404; } "
    "location = /lead/form { %s }" % FORM,
])
def test_gate_with_its_form_is_accepted(prefix, server):
    accepted(prefix, server)


def test_a_second_server_checked_alone(prefix):
    """Each server needs its own form: the first's does not serve the
    second's gated locations."""
    second = """
    server {
        listen 127.0.0.1:%d;
        server_name second.example;
        location / { lead_gate auto; }
        %s
    }
    """
    ok = "location / { lead_gate auto; } location = /lead/form { %s }" % FORM
    copy_site(prefix)
    n = Nginx(prefix, http=HTTP + second % (free_port(), ""), server=ok)
    r = n.test_config()
    assert r.returncode != 0
    assert 'lead_gate in location "/" of server "second.example" (' \
        in r.stderr, r.stderr
    n.write_conf(http=HTTP + second % (free_port(), "location = /lead/form "
                                       "{ %s }" % FORM), server=ok)
    r = n.test_config()
    assert r.returncode == 0, r.stderr


def test_a_gate_off_needs_no_form(prefix):
    assert accepted(prefix, "location / { lead_track on; } "
                            "location /open/ { lead_gate off; }") \
        is not None


# ---- rules that gate nothing ----------------------------------------------

def test_rules_that_gate_with_no_gate_warn(prefix):
    warns = accepted(prefix, "location / { lead_track on; }")
    assert any("lead_rules gate 9 assets (" in w
               and 'no location has "lead_gate"' in w for w in warns), warns


def test_no_warning_where_a_location_gates(prefix):
    warns = accepted(prefix, "location / { lead_track on; lead_gate auto; } "
                             "location = /lead/form { %s }" % FORM)
    assert not [w for w in warns if "lead_" in w], warns


def test_no_warning_without_rules(prefix):
    http = HTTP.replace("lead_rules {prefix}/rules;", "")
    warns = accepted(prefix, "location / { lead_track on; }", http=http)
    assert not [w for w in warns if "lead_" in w], warns


def test_gate_auto_with_rules_that_gate_nothing_warns(prefix):
    """Rules whose assets all sit before gate_from, none flagged gated."""
    copy_site(prefix)
    rules = os.path.join(prefix, "rules")
    with open(os.path.join(rules, "scoring.conf"), "w") as f:
        f.write("stages read buy;\ngate_from buy;\n")
    with open(os.path.join(rules, "assets.csv"), "w") as f:
        f.write("path,title,stage,points,topic,flags\n"
                "/docs/*,Docs,read,5,,\n")
    n = Nginx(prefix, http=HTTP,
              server="server_name docs.example; "
                     "location /docs/ { lead_gate auto; } "
                     "location = /lead/form { %s }" % FORM)
    r = n.test_config()
    assert r.returncode == 0, r.stderr
    assert '"lead_gate auto" in location "/docs/" of server ' \
           '"docs.example"' in r.stderr
    assert 'gates nothing' in r.stderr
    assert "lead_rules gate" not in r.stderr


# ---- posts read in memory ----------------------------------------------------

def test_a_post_that_may_not_fit_in_memory_warns(prefix):
    """A comment or note of 1,000 characters of any script is up to
    16 KiB; a body past client_body_buffer_size (8k by default on
    x86-64) goes to a file, which the module refuses with 413."""
    warns = accepted(prefix, "location = /lead/feedback { lead_feedback; } "
                             "location /lead/sales/ { lead_sales; }")
    for directive, where in (("lead_feedback", "/lead/feedback"),
                             ("lead_sales", "/lead/sales/")):
        assert any(f'"{directive}" in location "{where}" takes posts of '
                   'up to 16384 bytes' in w
                   and 'set "client_body_buffer_size 16k;" there' in w
                   for w in warns), warns


def test_a_post_that_fits_in_memory_does_not_warn(prefix):
    warns = accepted(prefix, "client_body_buffer_size 16k; "
                             "location = /lead/feedback { lead_feedback; } "
                             "location /lead/sales/ { lead_sales; }")
    assert not [w for w in warns if "client_body_buffer_size" in w], warns


# ---- the demo ---------------------------------------------------------------

def test_demo_config_passes(prefix):
    n = Nginx(prefix)
    r = subprocess.run([os.path.join(ROOT, "build.sh"), "demo-config",
                        prefix, str(n.port)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    t = subprocess.run([NGINX, "-t", "-p", prefix, "-c", n.conf],
                       capture_output=True, text=True, timeout=30,
                       env=NGINX_ENV)
    assert t.returncode == 0, t.stderr
    assert "[warn]" not in t.stderr.replace("[warn] the \"user\"", ""), \
        t.stderr
