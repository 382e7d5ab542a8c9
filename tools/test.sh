#!/usr/bin/env bash
# The README's second command: installs what is missing, builds, and runs the
# whole default test suite (unit, integration, crash, bad input, Python client,
# reflection). Slow soak/scale tests carry the ctest label "slow" and run only
# with LOUPE_SLOW_TESTS=1.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
PRESET=${LOUPE_PRESET:-release}
"$ROOT/tools/build.sh"
args=(--preset "$PRESET" --output-on-failure --timeout 900 --parallel "${LOUPE_TEST_JOBS:-2}")
if [[ ${LOUPE_SLOW_TESTS:-0} == 1 ]]; then
  args+=(--label-exclude '^$')
fi
ctest "${args[@]}" "$@"
