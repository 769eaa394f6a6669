#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one at a time, for DURATION each.
#
#   scripts/fuzz.sh [DURATION]    DURATION as go test -fuzztime takes it (default 30s)
#
# Targets are found with `go test -list '^Fuzz' ./...`. The first failure
# stops the run, naming the target and the failing input file (under the
# package's testdata/fuzz/, to commit as a regression seed once fixed).
# The seed corpora alone run in every plain `go test`.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-30s}
if ! [[ $duration =~ ^[0-9]+(ns|us|ms|s|m|h|x)$ ]]; then
  echo "fuzz: duration $duration: give a Go duration such as 10s or 2m (or a count such as 1000x)" >&2
  exit 2
fi

# targets: lines "IMPORT_PATH NAME". go test -list prints a package's
# target names, then its "ok  IMPORT_PATH" line.
targets=()
names=()
listing=$(go test -list '^Fuzz' ./...) || { echo "$listing" >&2; echo "fuzz: go test -list '^Fuzz' ./... failed" >&2; exit 1; }
while IFS= read -r line; do
  case $line in
    Fuzz*) names+=("$line") ;;
    ok*)
      pkg=$(awk '{print $2}' <<<"$line")
      for n in "${names[@]}"; do targets+=("$pkg $n"); done
      names=()
      ;;
  esac
done <<<"$listing"

if [ ${#targets[@]} -eq 0 ]; then
  echo "fuzz: no fuzz targets found" >&2
  exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
start=$SECONDS
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "fuzz: $name ($pkg) for $duration"
  if ! go test -run '^$' -fuzz "^$name\$" -fuzztime "$duration" "$pkg" >"$out" 2>&1; then
    cat "$out"
    input=$(sed -n 's/^.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*$/\1/p' "$out" | head -n1)
    if [ -n "$input" ]; then
      dir=$(go list -f '{{.Dir}}' "$pkg")
      echo "fuzz: FAIL $name ($pkg): failing input ${dir#"$PWD/"}/$input" >&2
    else
      echo "fuzz: FAIL $name ($pkg): see the output above (no failing input was written)" >&2
    fi
    exit 1
  fi
done
echo "fuzz: ${#targets[@]} targets, $duration each, 0 failures ($((SECONDS - start))s)"
