#!/usr/bin/env bash
# Redraws the README's screenshots of the reader's web view, the timeline
# at a desktop and a phone width, into docs/img/: a real `reader` web view
# on loopback with sample posts, photographed by headless chromium
# (aggregate/web/browser's TestScreenshots).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
  echo "screenshots: chromium is needed: apt-get install -y chromium" >&2
  exit 1
fi
mkdir -p docs/img
TZ=UTC ROOKERY_SCREENSHOTS="$PWD/docs/img" ROOKERY_REQUIRE_CHROMIUM=1 \
  go test -count=1 -run '^TestScreenshots$' ./aggregate/web/browser/
ls -l docs/img/timeline-*.png
