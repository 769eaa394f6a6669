#!/usr/bin/env bash
# Runs every Go fuzz target of the module, one at a time, for DURATION each.
#
#   scripts/fuzz.sh [DURATION]    DURATION as go test -fuzztime takes it (default 30s)
#
# Targets are found with `go test -list '^Fuzz' ./...`. The first failure
# stops the run, naming the target and the failing input file (under the
# package's testdata/fuzz/, to commit as a regression seed once fixed).
# The seed corpora alone run in every plain `go test`. A run that ends on
# Go's own -fuzztime shutdown race ("context deadline exceeded" with no
# failing input and no failure of the target) is run once more.
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

# fuzz_once runs one target for $duration, its output in $out.
fuzz_once() {
  go test -run '^$' -fuzz "^$1\$" -fuzztime "$duration" "$2" >"$out" 2>&1
}

# deadline_race reports whether the failure in $out is Go's own -fuzztime
# shutdown race (golang/go#51484, #75804): the coordinator reports its
# deadline as "context deadline exceeded" while a worker is still busy.
# It writes no failing input and prints no panic or test failure of ours,
# so nothing of the target failed. Anything else is a real failure.
deadline_race() {
  grep -q 'context deadline exceeded' "$out" &&
    ! grep -q 'Failing input written to' "$out" &&
    ! grep -qE '^panic:|_test\.go:[0-9]+:|fatal error:' "$out"
}

start=$SECONDS
races=0
for t in "${targets[@]}"; do
  read -r pkg name <<<"$t"
  echo "fuzz: $name ($pkg) for $duration"
  if fuzz_once "$name" "$pkg"; then
    continue
  fi
  if deadline_race; then
    # The race says nothing about the target; a second run decides.
    # A target that really hangs at the deadline hits it again.
    races=$((races + 1))
    echo "fuzz: $name stopped on Go's -fuzztime shutdown race (no input failed); running it once more"
    if fuzz_once "$name" "$pkg"; then
      continue
    fi
  fi
  cat "$out"
  input=$(sed -n 's/^.*Failing input written to \(testdata\/fuzz\/[^ ]*\).*$/\1/p' "$out" | head -n1)
  if [ -n "$input" ]; then
    dir=$(go list -f '{{.Dir}}' "$pkg")
    echo "fuzz: FAIL $name ($pkg): failing input ${dir#"$PWD/"}/$input" >&2
  else
    echo "fuzz: FAIL $name ($pkg): see the output above (no failing input was written)" >&2
  fi
  exit 1
done
echo "fuzz: ${#targets[@]} targets, $duration each, 0 failures, $races shutdown races re-run ($((SECONDS - start))s)"
