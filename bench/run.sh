#!/usr/bin/env bash
# lead's benchmark: what the module costs next to plain nginx, and how fast
# the profiler reads a store of 100,000 leads.  Everything runs on
# 127.0.0.1, bounded in time; every process started is stopped by PID.
# Writes bench/results.md (a table) and bench/results.json.
#
#   bench/run.sh            the whole benchmark (about 13 minutes)
#   bench/run.sh nginx      the module next to plain nginx, ingest, and
#                           its instructions per request (calls)
#   bench/run.sh calls      the instructions per request alone (callgrind)
#   bench/run.sh profiler   the store and the profiler's read side only
#
# RUNS (5) repeats each profiler measurement, ROUNDS (24) each nginx one,
# SECONDS_EACH (1) is the length of one wrk run: twice the runs of half
# the length give pairs closer in time, and medians that move less.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build
OUT=$ROOT/bench/out
PY=/usr/bin/python3
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-24}
SECONDS_EACH=${SECONDS_EACH:-1}
mkdir -p "$OUT"

say() { printf '==> %s\n' "$*" >&2; }

# one measurement: section, what, median, min, max, unit, target, pass
# (bench/nginx.py adds the median's interval)
RESULTS=$OUT/results.tsv
: > "$RESULTS"
result() {
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RESULTS"
}

machine() {
    local cpu
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')
    printf 'cores %s (%s), %s, %s, LMDB %s\n' "$(nproc)" "$cpu" \
        "$(/usr/sbin/nginx -v 2>&1 | sed 's/^nginx version: //')" \
        "$(wrk -v 2>&1 | head -1 | cut -d' ' -f1-2)" \
        "$(dpkg-query -W -f='${Version}' liblmdb0 2>/dev/null)"
}

# ---- the store's write path and the profiler's read side -----------------

# PROGRAM ARGS... into an empty store, RUNS times: median, min, max of
# the events/s it prints.
store_rates() {
    local prog=$1 rates=()
    shift
    rm -rf "$OUT/ingest" && mkdir -p "$OUT/ingest"
    for _ in $(seq "$RUNS"); do
        rm -rf "$OUT/ingest"/*
        rates+=("$("$BUILD/$prog" "$OUT/ingest" "$@" \
                   | sed -n 's/.* \([0-9]*\) events\/s$/\1/p')")
    done
    rm -rf "$OUT/ingest"
    printf '%s\n' "${rates[@]}" | median_min_max
}

# Numbers, one a line: their median, min and max.
median_min_max() {
    sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)], a[1], a[NR]}'
}

bench_profiler() {
    local ds=$OUT/dataset line what median min max size unit target pass

    say "the store's batch write path (1M events, 100k visitors)"
    read -r median min max < <(store_rates bench-ingest 1000000 100000 10000)
    result store "ingest, batched commits" "$median" "$min" "$max" \
        "events/s" ">= 1000000" "$([ "$median" -ge 1000000 ] && echo PASS \
        || echo FAIL)"

    say "ingest's commit path: 1M read lines already parsed"
    read -r median min max < <(store_rates bench-lines 1000000 100000)
    result store "ingest of lines, commit path (parsed)" "$median" "$min" \
        "$max" "events/s" ">= 500000" "$([ "$median" -ge 500000 ] \
        && echo PASS || echo FAIL)"

    # a store of 100k leads and 1M events; its making times the fold,
    # which keeps every lead's score as events come in (lists read those)
    say "generating 100k leads, 1M events"
    rm -rf "$ds" && mkdir -p "$ds"
    line=$("$BUILD/bench-dataset" "$ds" "$ROOT/rules" 100000 1000000)
    echo "$line" >&2
    line=$(echo "$line" | sed -n 's/.*folded at \([0-9]*\) events\/s$/\1/p')
    result store "fold: kept scores of 100k leads, 1M events (one run)" \
        "$line" "$line" "$line" "events/s" "" ""

    # the same store as lines, ingested from a file into an empty store
    say "leadctl ingest from a file: the dataset exported ($RUNS runs)"
    local lines=$OUT/lines.json central=$OUT/central nlines t0 t1
    "$BUILD/leadctl" --store "$ds" export > "$lines"
    nlines=$(wc -l < "$lines")
    rates=()
    for _ in $(seq "$RUNS"); do
        rm -rf "$central" && mkdir -p "$central"
        t0=$(date +%s%N)
        "$BUILD/leadctl" --store "$central" ingest --rules "$ROOT/rules" \
            "$lines" 2> /dev/null
        t1=$(date +%s%N)
        rates+=("$(( nlines * 1000000000 / (t1 - t0) ))")
    done
    rm -rf "$central" "$lines"
    read -r median min max < <(printf '%s\n' "${rates[@]}" | median_min_max)
    result store "leadctl ingest FILE: the dataset's $nlines lines" \
        "$median" "$min" "$max" "lines/s" ">= 500000" \
        "$([ "$median" -ge 500000 ] && echo PASS || echo FAIL)"

    say "reading it ($RUNS runs each)"
    while IFS=$'\t' read -r what median min max size unit; do
        case "$what" in
            "score every lead")              target="< 150" ;;
            "leads --status mql, top 100")   target="< 10" ;;
            "sales view: leads page")        target="< 50" ;;
            "leadctl calibration")           target="< 500" ;;
            "leadctl funnel")                target="< 500" ;;
            attribution*)                    target="< 500" ;;
            *)                               target="" ;;
        esac
        pass=""
        if [ -n "$target" ]; then
            pass=$(awk -v m="$median" -v t="${target#< }" \
                   'BEGIN { print m < t ? "PASS" : "FAIL" }')
        fi
        result profiler "$what ($size $unit)" "$median" "$min" "$max" ms \
            "$target" "$pass"
    done < <("$BUILD/bench-profile" "$ds" "$RUNS")
}

# ---- the module next to plain nginx; ingest under load; memory -----------

bench_nginx() {
    say "plain nginx, tracked, gated, auth_request, access_log: $ROUNDS" \
        "rounds of ${SECONDS_EACH}s each, first visits, then 1M tracked" \
        "requests of 100k visitors"
    "$PY" "$ROOT/bench/nginx.py" "$BUILD" "$OUT" --rounds "$ROUNDS" \
        --seconds "$SECONDS_EACH" | tee -a "$RESULTS" >&2
}

# ---- the module's instructions per request, under callgrind ---------------

bench_calls() {
    say "instructions per request under callgrind: returning, first visit," \
        "gated lead, bot; plain and the module's"
    "$PY" "$ROOT/bench/calls.py" "$BUILD" "$OUT/calls" \
        --requests "${CALLS_REQUESTS:-1000}" | tee -a "$RESULTS" >&2
}

# ---- the report ----------------------------------------------------------

report() {
    "$PY" - "$RESULTS" "$ROOT/bench/results.md" "$ROOT/bench/results.json" \
        "$(machine)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" <<'PY'
import json, sys
tsv, md, js, machine, when = sys.argv[1:6]
rows = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip()]
keys = ["section", "what", "median", "min", "max", "unit", "target", "pass",
        "interval"]
rows = [dict(zip(keys, r + [""] * len(keys))) for r in rows]
with open(md, "w") as f:
    f.write(f"# lead benchmark\n\n{when}, {machine}\n\n"
            "Medians of several runs.  A ratio to plain nginx compares a "
            "run with each of the plain nginx runs just before and after "
            "it, in the same nginx (bench/nginx.py).  The 90% interval "
            "is where the median would fall were the rounds run again "
            "(resampled whole).\n\n"
            "| section | what | median | 90% interval | min–max | unit | "
            "target | |\n"
            "|---|---|---|---|---|---|---|---|\n")
    for r in rows:
        f.write(f"| {r['section']} | {r['what']} | {r['median']} | "
                f"{r['interval']} | {r['min']}–{r['max']} | "
                f"{r['unit']} | {r['target']} | {r['pass']} |\n")
with open(js, "w") as f:
    json.dump({"when": when, "machine": machine, "results": rows}, f,
              indent=1)
    f.write("\n")
PY
    cat "$ROOT/bench/results.md"
}

case "${1:-all}" in
    all|nginx|calls|profiler) ;;
    *) echo "usage: $0 [all|nginx|calls|profiler]" >&2; exit 2 ;;
esac
./build.sh bench-build >&2
say "machine: $(machine)"

case "${1:-all}" in
    nginx)    bench_nginx; bench_calls ;;
    calls)    bench_calls ;;
    profiler) bench_profiler ;;
    all)      bench_nginx; bench_calls; bench_profiler ;;
esac
report
