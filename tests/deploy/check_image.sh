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
DOCKERFILE=${LOUPE_DOCKERFILE:-$ROOT/deploy/docker/Dockerfile}
BIN=${LOUPE_BIN:?set LOUPE_BIN to the folder of the built binaries}
die() { echo "check_image.sh: $*" >&2; exit 1; }

# The binaries: ARG LOUPE_BINARIES="a b c".
read -r -a binaries <<<"$(sed -n 's/^ARG LOUPE_BINARIES="\(.*\)"$/\1/p' "$DOCKERFILE")"
((${#binaries[@]} >= 3)) || die "no ARG LOUPE_BINARIES=\"...\" line in $DOCKERFILE"

# The runtime packages: the words of the apt-get install instruction after
# "FROM debian:bookworm-slim" (continuation lines joined), up to "&&".
mapfile -t runtime_packages < <(awk '
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
  }' "$DOCKERFILE")
((${#runtime_packages[@]} >= 5)) || die "cannot read the runtime apt-get install list of $DOCKERFILE"

problems=0
problem() { echo "PROBLEM: $*"; problems=$((problems + 1)); }

# Installed packages, their dependencies (Depends + Pre-Depends) and who
# provides each virtual package, read once.
declare -A is_installed=() providers=() depends=()
while IFS=$'\t' read -r pkg status deps provides; do
  [[ "$status" == installed ]] || continue
  is_installed[$pkg]=1
  depends[$pkg]=$deps
  for virtual in $(echo "$provides" | tr ',' '\n' | sed 's/(.*)//; s/ //g'); do
    providers[$virtual]="${providers[$virtual]:-} $pkg"
  done
done < <(dpkg-query -W -f='${Package}\t${db:Status-Status}\t${Depends}, ${Pre-Depends}\t${Provides}\n')
installed() { [[ -n "${is_installed[$1]:-}" ]]; }

# Closure over dependencies of installed packages (alternatives: the
# installed ones; virtual packages: their installed providers).
declare -A closure=()
add_with_dependencies() {
  local pkg=$1 name
  [[ -n "${closure[$pkg]:-}" ]] && return
  closure[$pkg]=1
  for name in $(echo "${depends[$pkg]:-}" | sed 's/[,|]/\n/g' | sed 's/(.*)//; s/:any//; s/ //g'); do
    if installed "$name"; then add_with_dependencies "$name"; fi
    for provider in ${providers[$name]:-}; do add_with_dependencies "$provider"; done
  done
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
declare -A needed_by=()
for b in "${binaries[@]}"; do
  if [[ ! -x "$BIN/$b" ]]; then problem "$BIN/$b missing: the Dockerfile ships $b"; continue; fi
  while read -r line; do
    if [[ "$line" == *"not found"* ]]; then problem "$b: $line"; continue; fi
    lib=$(echo "$line" | sed -n 's/.*=> \(\/[^ ]*\) .*/\1/p')
    [[ -z "$lib" ]] && continue
    # A sanitizer build (LOUPE_PRESET=asan) links the sanitizer runtimes; the
    # image is built with the release preset, which does not.
    case "$(basename "$lib")" in lib[atlu]san.so*|libhwasan.so*) continue ;; esac
    needed_by[$lib]="${needed_by[$lib]:-}${needed_by[$lib]:+,}$b"
  done < <(ldd "$BIN/$b")
done
# dpkg knows a library under its merged-/usr or its /lib name, maybe via a
# symlink: ask for every variant in one call.
declare -A owner_of=()
variants=()
for lib in "${!needed_by[@]}"; do
  real=$(readlink -f "$lib")
  for v in "$lib" "$real" "${lib#/usr}" "/usr$lib" "${real#/usr}" "/usr$real"; do variants+=("$v"); done
done
while read -r owner path; do
  owner_of[$path]=${owner%%:*}
done < <(dpkg -S "${variants[@]}" 2>/dev/null | sed 's/, [^:]*:/:/' | sed 's/^\([^:]*\)\(:[a-z0-9]*\)\?: /\1 /')
declare -A owner_seen=()
for lib in $(printf '%s\n' "${!needed_by[@]}" | sort); do
  real=$(readlink -f "$lib")
  owner=""
  for v in "$lib" "$real" "${lib#/usr}" "/usr$lib" "${real#/usr}" "/usr$real"; do
    owner=${owner_of[$v]:-}; [[ -n "$owner" ]] && break
  done
  if [[ -z "$owner" ]]; then problem "${needed_by[$lib]}: no Debian package owns $lib"; continue; fi
  if [[ -z "${closure[$owner]:-}" ]]; then
    problem "${needed_by[$lib]} need(s) $(basename "$lib") from $owner, which the runtime stage does not install"
  elif [[ -z "${owner_seen[$owner]:-}" ]]; then
    owner_seen[$owner]=1
    echo "ok: $owner (e.g. $(basename "$lib"))"
  fi
done

echo "runtime packages: ${runtime_packages[*]}"
echo "binaries: ${binaries[*]}"
if [[ -n "${LOUPE_DOCKERFILE:-}" ]]; then exit $((problems > 0)); fi  # a negative case's child run

# Negative cases: broken copies of the Dockerfile must be rejected, for the
# expected reason (so that this check cannot pass vacuously).
passed=0
failed=0
((problems == 0)) && passed=1 || failed=1
expect_rejected() {
  local name=$1 script=$2 expected=$3 copy
  copy=$(mktemp)
  sed -e "$script" "$DOCKERFILE" >"$copy"
  if cmp -s "$copy" "$DOCKERFILE"; then
    echo "FAIL negative: $name (the mutation no longer changes the Dockerfile)"; failed=$((failed + 1))
  elif out=$(LOUPE_DOCKERFILE="$copy" "$0" 2>&1); then
    echo "FAIL negative: $name (accepted)"; failed=$((failed + 1))
  elif grep -q -- "$expected" <<<"$out"; then
    echo "PASS negative: $name"; passed=$((passed + 1))
  else
    echo "FAIL negative: $name (rejected, but without '$expected'):"; echo "$out"; failed=$((failed + 1))
  fi
  rm -f "$copy"
}
expect_rejected "runtime library package missing" '/^      librocksdb7.8 \\$/d' \
  'librocksdb.so.7.8 from librocksdb7.8, which the runtime stage does not install'
expect_rejected "compiler in the runtime stage" 's/^      zlib1g \\$/      zlib1g g++ \\/' \
  'runtime packages pull in g++'
expect_rejected "binary the build does not make" 's/^ARG LOUPE_BINARIES="/ARG LOUPE_BINARIES="loupe-nothing /' \
  'loupe-nothing missing'
echo "image check: $passed passed, $failed failed"
((failed == 0))
