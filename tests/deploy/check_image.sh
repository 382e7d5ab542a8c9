#!/usr/bin/env bash
# Checks deploy/docker/Dockerfile against the binaries built on this Debian
# bookworm machine, without a Docker engine:
#  - every binary the image ships (ARG LOUPE_BINARIES) exists in LOUPE_BIN;
#  - every shared library those binaries load (ldd) belongs to a Debian
#    package that the runtime stage installs, or that one of those (or the
#    debian:bookworm-slim base: Essential packages and apt) depends on;
#  - the runtime packages exist and pull in no compiler or -dev package.
#
#   LOUPE_BIN=build/release/bin tests/deploy/check_image.sh
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DOCKERFILE="$ROOT/deploy/docker/Dockerfile"
BIN=${LOUPE_BIN:?set LOUPE_BIN to the folder of the built binaries}
die() { echo "check_image.sh: $*" >&2; exit 1; }

# The binaries: ARG LOUPE_BINARIES="a b c".
read -r -a binaries <<<"$(sed -n 's/^ARG LOUPE_BINARIES="\(.*\)"$/\1/p' "$DOCKERFILE")"
((${#binaries[@]} >= 3)) || die "no ARG LOUPE_BINARIES=\"...\" line in $DOCKERFILE"

# The runtime packages: the words of the apt-get install instruction after
# "FROM debian:bookworm-slim" (continuation lines joined), up to "&&".
runtime_packages=($(awk '
  /^FROM debian:bookworm-slim/ { runtime = 1 }
  runtime && /apt-get install/ { installing = 1 }
  installing {
    line = $0; sub(/\\$/, "", line)
    n = split(line, words, /[ \t]+/)
    for (i = 1; i <= n; i++) {
      if (words[i] == "&&" && seen) { exit }
      if (words[i] == "install") { seen = 1; continue }
      if (seen && words[i] ~ /^[a-z0-9][a-z0-9.+-]+$/) print words[i]
    }
  }' "$DOCKERFILE"))
((${#runtime_packages[@]} >= 5)) || die "cannot read the runtime apt-get install list of $DOCKERFILE"

problems=0
problem() { echo "PROBLEM: $*"; problems=$((problems + 1)); }

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

# Closure over Depends and Pre-Depends of installed packages (alternatives:
# the installed ones; virtual packages: their installed providers).
declare -A closure=()
add_with_dependencies() {
  local pkg=$1
  [[ -n "${closure[$pkg]:-}" ]] && return
  closure[$pkg]=1
  local deps
  deps=$(dpkg-query -W -f='${Depends}, ${Pre-Depends}' "$pkg" 2>/dev/null || true)
  local alternative name
  while read -r alternative; do
    for name in $(echo "$alternative" | tr '|' '\n' | sed 's/(.*)//; s/:any//; s/ //g'); do
      [[ -z "$name" ]] && continue
      if installed "$name"; then add_with_dependencies "$name"; fi
      for provider in $(dpkg-query -W -f='${Package} ${Provides}\n' 2>/dev/null |
                        awk -v v="$name" '{ for (i = 2; i <= NF; i++) { p = $i; sub(/,$/, "", p); if (p == v) print $1 } }'); do
        installed "$provider" && add_with_dependencies "$provider"
      done
    done
  done < <(echo "$deps" | tr ',' '\n')
}

for pkg in "${runtime_packages[@]}"; do
  if ! apt-cache show "$pkg" >/dev/null 2>&1 && ! installed "$pkg"; then
    problem "runtime package $pkg is unknown to apt (apt-cache policy $pkg)"
  elif ! installed "$pkg"; then
    problem "runtime package $pkg is not installed here, so its libraries cannot be checked"
  fi
  add_with_dependencies "$pkg"
done
declare -A runtime_closure=()
for pkg in "${!closure[@]}"; do runtime_closure[$pkg]=1; done
for pkg in "${!runtime_closure[@]}"; do
  case "$pkg" in
    gcc|gcc-12|g++|g++-12|cpp|cpp-12|binutils|clang*|*-dev) problem "runtime packages pull in $pkg" ;;
  esac
done
# What debian:bookworm-slim already has: Essential packages and apt.
for pkg in apt $(dpkg-query -W -f='${Package} ${Essential}\n' | awk '$2 == "yes" { print $1 }'); do
  add_with_dependencies "$pkg"
done

# Every library every binary loads must come from that closure.
declare -A owner_seen=()
for b in "${binaries[@]}"; do
  if [[ ! -x "$BIN/$b" ]]; then problem "$BIN/$b missing: the Dockerfile ships $b"; continue; fi
  while read -r line; do
    if [[ "$line" == *"not found"* ]]; then problem "$b: $line"; continue; fi
    lib=$(echo "$line" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')
    [[ -z "$lib" ]] && continue
    real=$(readlink -f "$lib")
    owner=""
    for candidate in "$lib" "$real" "${lib#/usr}" "/usr$lib" "${real#/usr}" "/usr$real"; do
      owner=$(dpkg -S "$candidate" 2>/dev/null | head -1 | cut -d: -f1) && [[ -n "$owner" ]] && break
    done
    if [[ -z "$owner" ]]; then problem "$b: no Debian package owns $lib"; continue; fi
    if [[ -z "${closure[$owner]:-}" ]]; then
      problem "$b needs $(basename "$lib") from $owner, which the runtime stage does not install"
    elif [[ -z "${owner_seen[$owner]:-}" ]]; then
      owner_seen[$owner]=1
      echo "ok: $owner (e.g. $(basename "$lib"))"
    fi
  done < <(ldd "$BIN/$b")
done

echo "runtime packages: ${runtime_packages[*]}"
echo "binaries: ${binaries[*]}"
if ((problems > 0)); then
  echo "image check: 0 passed, 1 failed ($problems problem(s))"
  exit 1
fi
echo "image check: 1 passed, 0 failed"
