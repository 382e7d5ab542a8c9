#!/usr/bin/env bash
# Installs what is missing (tools/setup.sh) and builds every binary and test
# with CMake + Ninja + ccache into build/<preset> (default: release).
#   tools/build.sh            # build/release
#   LOUPE_PRESET=asan tools/build.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PRESET=${LOUPE_PRESET:-release}
"$ROOT/tools/setup.sh"
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
# Hits across checkouts in different folders (a CI clone, a second work tree).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$ROOT} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-true}
cmake --preset "$PRESET" >/dev/null
cmake --build --preset "$PRESET"
echo "build: binaries in $ROOT/build/$PRESET/bin"
