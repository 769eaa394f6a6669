#!/usr/bin/env bash
# Rookery's benchmark suite: each program against what people would use
# instead, in one run on one machine; writes BENCHMARKS.md at the
# repository root.
#
#   bench/run.sh                  the issues' sizes (preset full; about 30 minutes on 2 cores)
#   bench/run.sh --preset mid     smaller sizes (a few minutes)
#   bench/run.sh --quick          tiny sizes, a few seconds (what the smoke test runs)
#   bench/run.sh --only hub,e2e   some groups only (hub, postgres, track, site, reader, e2e)
#   bench/run.sh --out FILE       write the report elsewhere
#
# Installs what it needs and lacks with apt-get (hugo for the reference
# builds, git for feedpub, chromium for the web view's push-to-browser
# figure, postgresql for the hub on PostgreSQL) when run as root; needs
# Go 1.26.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null; then
  echo "bench: Go 1.26 is needed (https://go.dev/dl/); it is not on PATH" >&2
  exit 1
fi
need=()
command -v hugo >/dev/null || need+=(hugo)
command -v git >/dev/null || need+=(git)
command -v chromium >/dev/null || need+=(chromium)
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null || need+=(postgresql)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "bench: missing ${need[*]}: install them (apt-get install ${need[*]}) or run as root" >&2
    exit 1
  fi
  echo "bench: installing ${need[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >&2
fi

bin=$(mktemp -d -t rookery-bench.XXXXXX)
trap 'rm -rf "$bin"' EXIT
go build -o "$bin/rookery-bench" ./bench/cmd/rookery-bench
"$bin/rookery-bench" "$@"
echo "bench: done" >&2
