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
#   bench/run.sh scale      1M leads, 10M events over a year (not in "all";
#                           about 20 minutes, a few GiB in bench/out/scale)
#
# RUNS (5) repeats each profiler measurement, ROUNDS (24) each nginx one,
# SECONDS_EACH (1) is the length of one wrk run: twice the runs of half
# the length give pairs closer in time, and medians that move less.
# SCALE_LEADS, SCALE_EVENTS, SCALE_DAYS and SCALE_RUNS (3) size the scale
# run, SCALE_KEEP=1 measures the scale store of a run before; BENCH_OUT (bench/out) and RESULTS_DIR (bench) move its scratch
# files and its results.md and results.json (./build.sh test's smoke).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
BUILD=$ROOT/build
OUT=${BENCH_OUT:-$ROOT/bench/out}
RESULTS_DIR=${RESULTS_DIR:-$ROOT/bench}
PY=/usr/bin/python3
RUNS=${RUNS:-5}
ROUNDS=${ROUNDS:-24}
SECONDS_EACH=${SECONDS_EACH:-1}
SCALE_LEADS=${SCALE_LEADS:-1000000}
SCALE_EVENTS=${SCALE_EVENTS:-10000000}
SCALE_DAYS=${SCALE_DAYS:-365}
SCALE_RUNS=${SCALE_RUNS:-3}
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

# ---- the scale store: 1M leads, 10M events over a year -------------------

# "PASS" when awk finds "$1 $2 $3" true (e.g. 41.2 "<" 50), else "FAIL".
judge() {
    awk -v a="$1" -v b="$3" -v op="$2" 'BEGIN {
        if (op == "<") ok = a < b; else if (op == "<=") ok = a <= b
        else if (op == ">=") ok = a >= b; else ok = a > b
        print ok ? "PASS" : "FAIL" }'
}

# COMMAND... run once, to /dev/null: its seconds, peak RSS and peak
# anonymous RSS (heap, not the store's pages it maps), in KiB.
# /proc is read every 5 ms; the peak RSS is getrusage's.
run_measured() {
    "$PY" - "$@" <<'PY'
import os, resource, subprocess, sys, time
t0 = time.monotonic()
p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
anon = 0
while p.poll() is None:
    try:
        with open(f"/proc/{p.pid}/status") as f:
            for line in f:
                if line.startswith("RssAnon:"):
                    anon = max(anon, int(line.split()[1]))
    except OSError:
        pass
    time.sleep(0.005)
t = time.monotonic() - t0
if p.returncode != 0:
    sys.exit(f"run.sh: {sys.argv[1:]} exited {p.returncode}")
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"{t:.3f} {rss} {anon}")
PY
}

bench_scale() {
    local ds=$OUT/scale t0 t1 line what median min max size unit target
    local pass events bytes disk raw score secs rss anon rates=() i gen
    t0=$(date +%s)

    what="generate: $SCALE_LEADS leads, $SCALE_EVENTS events"
    if [ -n "${SCALE_KEEP:-}" ] && [ -f "$ds/data.mdb" ] \
       && [ "$(cat "$ds/.made" 2>/dev/null)" = \
            "$SCALE_LEADS $SCALE_EVENTS $SCALE_DAYS" ]; then
        say "keeping the scale store in $ds (SCALE_KEEP)"
        result scale "$what, $SCALE_DAYS days (kept, not timed)" "" "" "" \
            s "" ""
    else
        say "generating $SCALE_LEADS leads, $SCALE_EVENTS events over" \
            "$SCALE_DAYS days into $ds"
        rm -rf "$ds" && mkdir -p "$ds"
        gen=$(date +%s%N)
        line=$("$BUILD/bench-dataset" "$ds" "$ROOT/rules" "$SCALE_LEADS" \
               "$SCALE_EVENTS" now "$SCALE_DAYS")
        echo "$line" >&2
        echo "$SCALE_LEADS $SCALE_EVENTS $SCALE_DAYS" > "$ds/.made"
        gen=$(awk -v a="$gen" -v b="$(date +%s%N)" \
              'BEGIN { printf "%.1f", (b - a) / 1e9 }')
        result scale "$what, $SCALE_DAYS days" "$gen" "$gen" "$gen" s "" ""
        line=$(echo "$line" \
               | sed -n 's/.*folded at \([0-9]*\) events\/s$/\1/p')
        result scale "fold: kept scores of every lead (one run)" "$line" \
            "$line" "$line" "events/s" "" ""
    fi

    # the store's size: the events it holds, the map's bytes in use
    read -r events bytes < <("$BUILD/bench-count" "$ds")
    disk=$(du -sk "$ds" | cut -f1)
    result scale "store: bytes per event" "$((bytes / events))" \
        "$((bytes / events))" "$((bytes / events))" bytes "<= 100" \
        "$(judge "$((bytes / events))" "<=" 100)"
    result scale "store: size per million events" \
        "$((bytes * 1000000 / events / 1048576))" \
        "$((bytes * 1000000 / events / 1048576))" \
        "$((bytes * 1000000 / events / 1048576))" MiB "" ""
    result scale "disk used by the scale store" "$((disk / 1024))" \
        "$((disk / 1024))" "$((disk / 1024))" MiB "< 10240" \
        "$(judge "$disk" "<" $((10 * 1024 * 1024)))"
    # each table's share (mdb_stat), where bench/store_size.sh exists:
    # table, pages, bytes, bytes/event
    if [ -x "$ROOT/bench/store_size.sh" ]; then
        "$ROOT/bench/store_size.sh" "$ds" | while IFS=$'\t' read -r what \
            pages size per; do
            result scale "table $what: $pages pages, $size bytes" "$per" \
                "$per" "$per" "bytes/event" "" ""
        done
    fi

    # warm: the store read once, as a server's page cache holds it
    say "reading the store once (warm)"
    cat "$ds/data.mdb" > /dev/null

    say "the read side ($SCALE_RUNS runs each)"
    while IFS=$'\t' read -r what median min max size unit; do
        case "$what" in
            "sales view: leads page")             target="< 50" ;;
            "sales view: one lead")               target="< 20" ;;
            "sales view: mql, stage decision")    target="< 100" ;;
            "sales view: search")                 target="< 100" ;;
            "sales view: funnel")                 target="< 200" ;;
            "sales view: accounts")               target="< 200" ;;
            attribution*)                         target="< 500" ;;
            "score every lead from every event")  target="< 1500" ;;
            *)                                    target="" ;;
        esac
        case "$what" in
            raw*)   raw=$median ;;
            score*) score=$median ;;
        esac
        pass=""
        if [ -n "$target" ]; then
            pass=$(judge "$median" "<" "${target#< }")
        fi
        result scale "$what ($size $unit)" "$median" "$min" "$max" ms \
            "$target" "$pass"
    done < <("$BUILD/bench-profile" "$ds" "$SCALE_RUNS" scale)
    line=$(awk -v s="$score" -v r="$raw" 'BEGIN { printf "%.2f", s / r }')
    result scale "re-score / raw cursor scan of the same events" "$line" \
        "$line" "$line" "x" "<= 3" "$(judge "$line" "<=" 3)"

    say "leadctl export --json to /dev/null ($SCALE_RUNS runs)"
    for i in $(seq "$SCALE_RUNS"); do
        read -r secs rss anon < <(run_measured "$BUILD/leadctl" \
            --store "$ds" export --json)
        rates+=("$(awk -v n="$events" -v t="$secs" \
                   'BEGIN { printf "%d", n / t }')")
    done
    read -r median min max < <(printf '%s\n' "${rates[@]}" | median_min_max)
    result scale "leadctl export --json ($events events)" "$median" \
        "$min" "$max" "events/s" ">= 1000000" \
        "$(judge "$median" ">=" 1000000)"

    # constant memory: the heap (anonymous RSS) stays under 64 MiB
    # whatever the number of leads; the peak RSS also counts the store's
    # pages the command mapped, which the kernel shares and drops at will
    say "leadctl leads --csv to /dev/null"
    read -r secs rss anon < <(run_measured "$BUILD/leadctl" --store "$ds" \
        leads --csv)
    result scale "leadctl leads --csv ($SCALE_LEADS leads)" "$secs" "$secs" \
        "$secs" s "" ""
    result scale "leadctl leads --csv: peak anonymous RSS" \
        "$((anon / 1024))" "$((anon / 1024))" "$((anon / 1024))" MiB "< 64" \
        "$(judge "$anon" "<" 65536)"
    result scale "leadctl leads --csv: peak RSS, store pages too" \
        "$((rss / 1024))" "$((rss / 1024))" "$((rss / 1024))" MiB "" ""

    t1=$(date +%s)
    result scale "the whole scale run" "$(( (t1 - t0) / 60 ))" \
        "$(( (t1 - t0) / 60 ))" "$(( (t1 - t0) / 60 ))" min "< 30" \
        "$(judge "$((t1 - t0))" "<" 1800)"
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

# The table of this run's results.  The scale section and the others are
# run apart: a run of one keeps the last run's rows of the other (results
# from another day, each section saying when it ran).
report() {
    "$PY" - "$RESULTS" "$RESULTS_DIR/results.md" "$RESULTS_DIR/results.json" \
        "$(machine)" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MODE" <<'PY'
import json, os, sys
tsv, md, js, machine, when, mode = sys.argv[1:7]
rows = [line.rstrip("\n").split("\t") for line in open(tsv) if line.strip()]
keys = ["section", "what", "median", "min", "max", "unit", "target", "pass",
        "interval"]
rows = [dict(zip(keys, r + [""] * len(keys))) for r in rows]
for r in rows:
    r["when"] = when
kept = []
if mode in ("scale", "all") and os.path.exists(js):
    try:
        last = json.load(open(js))
    except ValueError:
        last = {"results": []}
    for r in last.get("results", []):
        if (r.get("section") == "scale") != (mode == "scale"):
            r.setdefault("when", last.get("when", ""))
            kept.append(r)
rows = kept + rows if mode == "scale" else rows + kept
whens = sorted({(r["section"] == "scale", r["when"]) for r in rows})
note = "; ".join(f"{'scale' if sc else 'the rest'}: {w}" for sc, w in whens)
with open(md, "w") as f:
    f.write(f"# lead benchmark\n\n{when}, {machine}\n\n"
            "Medians of several runs.  A ratio to plain nginx compares a "
            "run with each of the plain nginx runs just before and after "
            "it, in the same nginx (bench/nginx.py).  The 90% interval "
            "is where the median would fall were the rounds run again "
            "(resampled whole).\n\n")
    if len(whens) > 1:
        f.write(f"Sections run at different times ({note}).\n\n")
    f.write("| section | what | median | 90% interval | min–max | unit | "
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
    cat "$RESULTS_DIR/results.md"
}

MODE=${1:-all}
case "$MODE" in
    all|nginx|calls|profiler|scale) ;;
    *) echo "usage: $0 [all|nginx|calls|profiler|scale]" >&2; exit 2 ;;
esac
[ -n "${BENCH_BUILT:-}" ] || ./build.sh bench-build >&2
say "machine: $(machine)"

case "$MODE" in
    nginx)    bench_nginx; bench_calls ;;
    calls)    bench_calls ;;
    scale)    bench_scale ;;
    profiler) bench_profiler ;;
    all)      bench_nginx; bench_calls; bench_profiler ;;
esac
report
