#!/usr/bin/env bash
# The README's first command: installs what is missing, builds, starts a local
# cluster (1 ingest, 2 index shards, 1 query) under ./var, loads the bundled
# sample corpus (French and English news) and runs a few searches.
# The cluster keeps running afterwards: `tools/loupe-local down` stops it.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
"$ROOT/tools/build.sh"
BIN=$ROOT/build/release/bin
"$ROOT/tools/loupe-local" up
"$BIN/loupe" ingest "$ROOT/deploy/local/sample-corpus/news-sample.jsonl.gz"
sleep 2   # documents become searchable about a second after the acknowledgement
for query in "réforme des retraites" "milliards d'euros" "anarchism philosophy" "title:football"; do
  echo
  echo "\$ loupe search \"$query\" --limit 3"
  "$BIN/loupe" search "$query" --limit 3
done
echo
"$BIN/loupe" status || true
echo
echo "The cluster is still running: try $BIN/loupe search \"...\"; stop it with tools/loupe-local down"
