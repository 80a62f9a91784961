#!/usr/bin/env bash
# lead: install what is missing, build, and run the demo or the tests.
#
#   ./build.sh          build build/ngx_http_lead_module.so and build/leadctl
#   ./build.sh demo     build, then run nginx on 127.0.0.1:8080 (Ctrl-C stops)
#   ./build.sh test     build, then run every test suite
set -euo pipefail

cd "$(dirname "$0")"
ROOT=$PWD
BUILD=$ROOT/build
NGINX_SRC=/usr/share/nginx/src
PY=/usr/bin/python3        # Debian's, with the apt-installed test modules

BUILD_PKGS=(nginx nginx-dev liblmdb-dev libssl-dev make gcc)
TEST_PKGS=(libcmocka-dev clang python3-pytest python3-requests)

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

# nginx's module build tree is configured once into build/nginx with the
# exact flags Debian's nginx was built with, so the module loads into it.
configure_nginx() {
    local stamp=$BUILD/nginx/.configured want
    want="$(dpkg-query -W -f='${Version}' nginx-dev) $(md5sum config | cut -c1-32)"
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

run_tests() {
    ensure_packages "${BUILD_PKGS[@]}" "${TEST_PKGS[@]}"
    build
    local failed=0

    say "unit tests"
    make -s -j2 unit
    for t in "$BUILD"/unit/test_*; do
        "$t" || failed=1
    done

    say "unit tests under ASan+UBSan"
    make -s -j2 unit-asan
    for t in "$BUILD"/asan/test_*; do
        ASAN_OPTIONS=detect_leaks=1 "$t" || failed=1
    done

    say "fuzz targets (a few seconds each)"
    make -s -j2 fuzz
    for f in "$BUILD"/fuzz/fuzz_*; do
        local name corpus
        name=$(basename "$f")
        corpus=$BUILD/fuzz-corpus/$name
        mkdir -p "$corpus"
        if "$f" -max_total_time=5 -print_final_stats=0 "$corpus" \
            "$ROOT/tests/fuzz/corpus/$name" > "$BUILD/$name.log" 2>&1; then
            echo "$name: $(grep -o 'Done [0-9]* runs' "$BUILD/$name.log")"
        else
            tail -30 "$BUILD/$name.log"
            failed=1
        fi
    done

    say "integration tests (real nginx on 127.0.0.1)"
    LEAD_BUILD=$BUILD "$PY" -m pytest -q -p no:cacheprovider \
        "$ROOT/tests/integration" || failed=1

    if [ $failed -ne 0 ]; then
        say "FAILED"
        exit 1
    fi
    say "all test suites passed"
}

run_demo() {
    build
    "$ROOT/tests/demo.sh"
}

case "${1:-build}" in
    build) build ;;
    demo)  run_demo ;;
    test)  run_tests ;;
    *)     echo "usage: $0 [build|demo|test]" >&2; exit 2 ;;
esac
