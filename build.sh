#!/usr/bin/env bash
# lead: install what is missing, build, and run the demo or the tests.
#
#   ./build.sh          build build/ngx_http_lead_module.so and build/leadctl
#   ./build.sh demo     build, then run nginx on 127.0.0.1:8080 (Ctrl-C stops)
#   ./build.sh test     build, then run every test suite
#   ./build.sh demo-config DIR PORT   the demo's files and nginx.conf in DIR
#   ./build.sh deb      build the Debian packages into build/deb/, lintian them
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build
NGINX_SRC=/usr/share/nginx/src
PY=/usr/bin/python3        # Debian's, with the apt-installed test modules

BUILD_PKGS=(nginx nginx-dev liblmdb-dev libssl-dev libmaxminddb-dev libjansson-dev
            make gcc)
DEMO_PKGS=(openssl)        # hashes the demo's sales view password
TEST_PKGS=(libcmocka-dev clang python3-pytest python3-requests python3-selenium
           chromium chromium-driver libmaxmind-db-writer-perl lmdb-utils
           wrk valgrind rsyslog rsyslog-relp)
BENCH_PKGS=(wrk)
DEB_PKGS=(debhelper dpkg-dev lintian nginx-dev liblmdb-dev libssl-dev
          libmaxminddb-dev libjansson-dev)

say() { printf '==> %s\n' "$*"; }

ensure_packages() {
    local missing=() p
    for p in "$@"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' \
            || missing+=("$p")
    done
    [ ${#missing[@]} -eq 0 ] && return 0
    if [ "$(id -u)" -ne 0 ]; then
        echo "build.sh: missing packages: ${missing[*]} (run as root, or" \
             "apt-get install them)" >&2
        exit 1
    fi
    say "installing ${missing[*]}"
    apt-get update -q
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}"
}

# The compiler and linker options the installed nginx was built with
# (nginx -V): conf_flags leaves them out, and nginx's configure alone
# compiles with -O and without Debian's hardening flags.
nginx_built_with() {
    nginx -V 2>&1 | sed -n "s/.*--with-$1='\([^']*\)'.*/\1/p"
}

# nginx's module build tree is configured once into build/nginx with the
# exact flags Debian's nginx was built with, so the module loads into it.
configure_nginx() {
    local stamp=$BUILD/nginx/.configured want cc_opt ld_opt
    cc_opt=$(nginx_built_with cc-opt)
    ld_opt=$(nginx_built_with ld-opt)
    # the sales view's files and the form pages are built in at configure
    # time, and config lists the sources it finds then
    want="$(dpkg-query -W -f='${Version}' nginx-dev) $cc_opt $ld_opt"
    want+=" $( (cat config html/sales/* html/form.html html/feedback.html;
                ls profiler/*/*.[ch] ngx_lead_module) | md5sum | cut -c1-32)"
    if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
        return 0
    fi
    say "configuring the nginx module build tree"
    rm -rf "$BUILD/nginx"
    mkdir -p "$BUILD"
    cp -r "$NGINX_SRC" "$BUILD/nginx"
    # shellcheck disable=SC1091
    source "$NGINX_SRC/conf_flags"
    (cd "$BUILD/nginx" && ./configure "${NGX_CONF_FLAGS[@]}" \
        --with-cc-opt="${cc_opt:--g -O2}" --with-ld-opt="$ld_opt" \
        --add-dynamic-module="$ROOT" > "$BUILD/nginx-configure.log" 2>&1) || {
        tail -20 "$BUILD/nginx-configure.log" >&2
        exit 1
    }
    echo "$want" > "$stamp"
}

build() {
    ensure_packages "${BUILD_PKGS[@]}"
    configure_nginx
    say "building the module and leadctl"
    make -s -C "$BUILD/nginx" -f objs/Makefile modules -j2 \
        > "$BUILD/nginx-make.log" 2>&1 || {
        cat "$BUILD/nginx-make.log" >&2
        exit 1
    }
    cp -p "$BUILD/nginx/objs/ngx_http_lead_module.so" "$BUILD/"
    make -s -j2 leadctl
}

# The module again with ASan and UBSan, in a copy of the build tree, for
# the integration suite's second run (nginx itself is not rebuilt).
build_asan_module() {
    local tree=$BUILD/nginx-asan san
    san="-fsanitize=address,undefined -fno-sanitize-recover=all"
    if ! cmp -s "$tree/.configured" "$BUILD/nginx/.configured"; then
        rm -rf "$tree"
        cp -r "$BUILD/nginx" "$tree"
        find "$tree/objs" \( -name "*.o" -o -name "*.so" \) -delete
    fi
    say "building the module with ASan+UBSan"
    make -s -C "$tree" -f objs/Makefile modules -j2 \
        CFLAGS="-pipe -O1 -g -fno-omit-frame-pointer $san -W -Wall \
                -Wpointer-arith -Wno-unused-parameter -Werror" \
        LINK="cc $san" > "$BUILD/nginx-asan-make.log" 2>&1 || {
        cat "$BUILD/nginx-asan-make.log" >&2
        exit 1
    }
}

# The integration suite against nginx with the ASan module; any report a
# worker or the master writes fails it.
run_integration_asan() {
    local reports
    build_asan_module
    reports=$(mktemp -d /tmp/lead-asan-XXXXXX)
    chmod 1777 "$reports"       # workers run as nobody
    say "integration tests with the module under ASan+UBSan"
    # nginx frees little at exit by design: leaks are the unit suite's
    LEAD_MODULE=$BUILD/nginx-asan/objs/ngx_http_lead_module.so \
    LEAD_SANITIZER_PRELOAD="$(gcc -print-file-name=libasan.so)" \
    ASAN_OPTIONS="detect_leaks=0:log_path=$reports/asan" \
    UBSAN_OPTIONS="print_stacktrace=1:log_path=$reports/ubsan" \
    LEAD_BUILD=$BUILD "$PY" -m pytest -q -p no:cacheprovider \
        "$ROOT/tests/integration" || failed=1
    if [ -n "$(ls -A "$reports")" ]; then
        # names and sizes too: a report cut short (its process killed at
        # a test's teardown) may be empty
        ls -l "$reports"
        head -50 "$reports"/*
        rm -rf "$BUILD/sanitizer-reports"
        cp -r "$reports" "$BUILD/sanitizer-reports"
        say "sanitizer reports from nginx (above; kept in build/sanitizer-reports)"
        failed=1
    fi
    rm -rf "$reports"
}

# bench/run.sh scale end to end on a tiny store (seconds): every line
# it prints has a number.  Its results.md goes to a scratch directory.
scale_smoke() {
    local dir rc=0
    say "the scale benchmark, tiny (bench/run.sh scale)"
    dir=$(mktemp -d /tmp/lead-scale-XXXXXX)
    BENCH_BUILT=1 BENCH_OUT=$dir RESULTS_DIR=$dir SCALE_LEADS=2000 \
        SCALE_EVENTS=20000 SCALE_RUNS=1 "$ROOT/bench/run.sh" scale \
        > "$dir/log" 2>&1 || rc=1
    [ $rc -eq 0 ] && "$PY" - "$dir/results.json" <<'PY' || rc=1
import json, sys
rows = [r for r in json.load(open(sys.argv[1]))["results"]
        if r["section"] == "scale"]
want = ["generate:", "fold:", "store: bytes per event",
        "store: size per million", "disk used", "sales view: leads page",
        "sales view: one lead", "sales view: mql, stage decision",
        "sales view: search", "sales view: funnel", "sales view: accounts",
        "attribution by asset", "attribution by campaign",
        "attribution by channel", "raw cursor scan", "score every lead",
        "re-score / raw", "leadctl export --json", "leadctl leads --csv (",
        "leadctl leads --csv: peak anonymous", "leadctl leads --csv: peak RSS",
        "the whole scale run"]
bad = [w for w in want
       if not any(r["what"].startswith(w) and r["median"] != "" for r in rows)]
for r in rows:
    float(r["median"])
if bad:
    sys.exit("bench/run.sh scale printed no " + ", ".join(bad))
print(f"bench/run.sh scale: {len(rows)} lines")
PY
    [ $rc -eq 0 ] || tail -30 "$dir/log"
    rm -rf "$dir"
    return $rc
}

run_tests() {
    ensure_packages "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    build
    local failed=0

    # the form template test reads the real html/form.html
    export LEAD_HTML_DIR=$ROOT/html LEAD_ROOT=$ROOT

    # the tests' own GeoIP databases (MaxMind's are used when ../shared has
    # them); London and Paris tell a reload's new data from the old
    export LEAD_TEST_GEOIP=$BUILD/test-geoip.mmdb
    perl "$ROOT/tests/geoip/make_test_db.pl" "$LEAD_TEST_GEOIP" London
    perl "$ROOT/tests/geoip/make_test_db.pl" "$BUILD/test-geoip-paris.mmdb" \
        Paris

    say "the tree's shape: layers, no cycle, sizes (tests/layers.py)"
    "$PY" "$ROOT/tests/layers.py" "$BUILD" || failed=1

    say "unit tests"
    make -s -j2 unit
    for t in "$BUILD"/unit/test_*; do
        "$t" || failed=1
    done

    say "unit tests under ASan+UBSan"
    make -s -j2 unit-asan
    for t in "$BUILD"/asan/test_*; do
        ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=halt_on_error=1 "$t" \
            || failed=1
    done

    say "fuzz targets (a few seconds each)"
    make -s -j2 fuzz
    for f in "$BUILD"/fuzz/fuzz_*; do
        local name corpus
        name=$(basename "$f")
        corpus=$BUILD/fuzz-corpus/$name
        mkdir -p "$corpus"
        # libmaxminddb 1.7 itself leaks a little on some corrupt files
        # (at open, once per nginx -t or reload): not ours to report
        local leaks=1
        [ "$name" = fuzz_geoip ] && leaks=0
        if ASAN_OPTIONS=detect_leaks=$leaks "$f" -max_total_time=5 \
            -print_final_stats=0 -detect_leaks=$leaks \
            -artifact_prefix="$BUILD/$name-" "$corpus" \
            "$ROOT/tests/fuzz/corpus/$name" > "$BUILD/$name.log" 2>&1; then
            echo "$name: $(grep -o 'Done [0-9]* runs' "$BUILD/$name.log")"
        else
            tail -30 "$BUILD/$name.log"
            failed=1
        fi
    done

    say "integration tests (real nginx on 127.0.0.1)"
    # test_faults.py fills a large store with bench-dataset
    make -s -j2 bench
    LEAD_BUILD=$BUILD "$PY" -m pytest -q -p no:cacheprovider \
        "$ROOT/tests/integration" || failed=1

    run_integration_asan

    scale_smoke || failed=1

    say "cluster test (3 edges, rsyslog over RELP, central leadctl ingest)"
    # its counts (served, stored, redeliveries dropped) are printed (-s)
    LEAD_BUILD=$BUILD "$PY" -m pytest -q -s -p no:cacheprovider \
        "$ROOT/tests/cluster" || failed=1

    run_package_test || failed=1

    if [ $failed -ne 0 ]; then
        say "FAILED"
        exit 1
    fi
    say "all test suites passed"
}

# The Debian packages (debian/) from a clean copy of the tree in
# build/deb/lead, so that the .debs land in build/deb/ and the working
# tree stays as it was; lintian must find no error.
build_deb() {
    local deb=$BUILD/deb src=$BUILD/deb/lead
    ensure_packages "${DEB_PKGS[@]}"
    rm -rf "$deb"
    mkdir -p "$src"
    say "building the Debian packages in build/deb/"
    if git -C "$ROOT" rev-parse --git-dir > /dev/null 2>&1; then
        # what git tracks, and new files it does not ignore
        git -C "$ROOT" ls-files -co --exclude-standard -z \
            | (cd "$ROOT" && tar --null -T - -cf -) | tar -xf - -C "$src"
    else
        tar -C "$ROOT" --exclude=./build -cf - . | tar -xf - -C "$src"
    fi
    (cd "$src" && DEB_BUILD_OPTIONS=parallel=2 \
        dpkg-buildpackage -us -uc -b > "$deb/build.log" 2>&1) || {
        tail -40 "$deb/build.log" >&2
        return 1
    }
    say "lintian"
    lintian --fail-on error "$deb"/*.changes || return 1
    say "packages:"
    ls -1 "$deb"/*.deb
}

# The packages installed into this machine's nginx, used in a throwaway
# configuration, then purged (tests/package/); needs root.
run_package_test() {
    if [ "$(id -u)" -ne 0 ]; then
        say "package test skipped: it installs packages (root only)"
        return 0
    fi
    build_deb || return 1
    say "package test (install, nginx -t, a journey, purge)"
    LEAD_DEBS=$BUILD/deb timeout 600 "$PY" -m pytest -q -p no:cacheprovider \
        "$ROOT/tests/package"
}

# The demo's files in $1 (secret, sales password, nginx.conf listening on
# port $2); prints the password.  The tests run this very config.
write_demo() {
    local demo=$1 port=$2 user="" password
    mkdir -p "$demo/logs"
    if [ ! -s "$demo/secret" ]; then
        head -c 48 /dev/urandom > "$demo/secret"
        chmod 600 "$demo/secret"
    fi
    # the sales view's login: user "sales", a password made on first run
    if [ ! -s "$demo/sales.password" ]; then
        head -c 9 /dev/urandom | base64 | tr '+/' 'xy' > "$demo/sales.password"
        chmod 600 "$demo/sales.password"
    fi
    password=$(cat "$demo/sales.password")
    printf 'sales:%s\n' "$(openssl passwd -apr1 "$password")" \
        > "$demo/sales.htpasswd"
    if [ "$(id -u)" -eq 0 ]; then
        # workers run unprivileged when that user can read the library
        if runuser -u www-data -- test -r "$ROOT/html/index.html" 2>/dev/null
        then
            user="user www-data;"
            # a store left by an earlier run as another user
            [ -d "$demo/store" ] && chown -R www-data: "$demo/store"
            chgrp www-data "$demo/sales.htpasswd"
            chmod 640 "$demo/sales.htpasswd"
        else
            user="user root;"
        fi
    fi
    cat > "$demo/nginx.conf" <<CONF
# generated by ./build.sh demo
load_module $BUILD/ngx_http_lead_module.so;
$user
worker_processes 2;
error_log $demo/logs/error.log notice;
pid $demo/logs/nginx.pid;
events { worker_connections 1024; }
http {
    include /etc/nginx/mime.types;
    access_log $demo/logs/access.log;
    lead_store $demo/store;
    lead_secret $demo/secret;
    lead_rules $ROOT/rules;
    # the form's POSTs limited, its GETs free (an empty key is not counted)
    map \$request_method \$lead_form_limit {
        POST     \$binary_remote_addr;
        default  "";
    }
    limit_req_zone \$lead_form_limit zone=lead_form:1m rate=10r/m;
    server {
        listen 127.0.0.1:$port;
        root $ROOT/html;
        location / {
            lead_track on;
            lead_gate auto;
            ssi on;                              # the articles' feedback form
        }
        location /assets/ { lead_track off; }
        location = /form.html { return 404; }    # the form's template
        location = /feedback.html { return 404; }
        location /sales/ { return 404; }         # the sales view's
        location = /lead/form {
            lead_form;
            lead_form_contact on;
            limit_req zone=lead_form burst=5 nodelay;
            limit_req_status 429;
            error_page 413 429 /lead/form?\$args;   # the form again, and why
        }
        location = /lead/feedback {
            lead_feedback;
            client_body_buffer_size 16k;         # a long comment, in memory
            limit_req zone=lead_form burst=5 nodelay;
            limit_req_status 429;
        }
        location /lead/sales/ {
            lead_sales;
            client_body_buffer_size 16k;         # a long note, in memory
            auth_basic "lead sales view";
            auth_basic_user_file $demo/sales.htpasswd;
            allow 127.0.0.1;
            deny all;
        }
    }
}
CONF
    echo "$password"
}

run_demo() {
    ensure_packages "${DEMO_PKGS[@]}"
    build
    local demo=$BUILD/demo password
    password=$(write_demo "$demo" 8080)
    /usr/sbin/nginx -t -q -p "$demo" -c "$demo/nginx.conf"
    cat <<TEXT

  lead demo: nginx with ngx_http_lead_module on 127.0.0.1:8080

  Site (the content library):  http://127.0.0.1:8080/
                               (rate an article: "Was this useful?" at its foot)
  Sales view:                  http://127.0.0.1:8080/lead/sales/
                               user "sales", password "$password"
                               (ratings: Content & campaigns, then the asset)
  What was recorded:           $BUILD/leadctl --store $demo/store events
                               $BUILD/leadctl --store $demo/store visitors
                               $BUILD/leadctl --store $demo/store assets --feedback
                               $BUILD/leadctl --store $demo/store leads
  Rules (edit, then reload):   $ROOT/rules/
                               /usr/sbin/nginx -p $demo -c $demo/nginx.conf -s reload
  Logs:                        $demo/logs/

  Ctrl-C stops nginx; pending events are written first.

TEXT
    exec /usr/sbin/nginx -p "$demo" -c "$demo/nginx.conf" -g 'daemon off;'
}

case "${1:-build}" in
    build) build ;;
    demo)  run_demo ;;
    deb)   build_deb ;;
    test)  run_tests ;;
    # what bench/run.sh needs; it calls this itself
    bench-build) ensure_packages "${BENCH_PKGS[@]}"; build; make -s -j2 bench ;;
    # the tests run the demo's very config: prints its sales password
    demo-config) ensure_packages "${DEMO_PKGS[@]}"; write_demo "$2" "$3" ;;
    *)     echo "usage: $0 [build|demo|test|deb|bench-build|demo-config DIR PORT]" >&2
           exit 2 ;;
esac
