#!/usr/bin/env bash
# Installs, from Debian bookworm's packages, everything Loupe needs to build,
# run and test. Idempotent: packages already present are left alone, and apt
# is not touched at all when nothing is missing. Run as root (or via sudo).
set -euo pipefail

PACKAGES=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git
  # RPC and serialisation
  libgrpc++-dev libprotobuf-dev protobuf-compiler protobuf-compiler-grpc grpc-proto
  # storage, text analysis, compression
  librocksdb-dev libicu-dev libstemmer-dev libcld2-dev zlib1g-dev libabsl-dev libstreamvbyte-dev
  # memory allocator of the services (tcmalloc_minimal)
  libgoogle-perftools-dev
  # API-key hashing and random keys (OpenSSL EVP, RAND_bytes); openssl makes test certificates
  libssl-dev openssl
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev
  python3 python3-grpcio python3-protobuf
  # scripts
  procps curl
)

# Deploy checks (tests/deploy): kubectl for kustomize, Node.js + npm for the
# Kubernetes schema validator. A kubectl or node already on the machine is used
# as is (Debian's packages would conflict with it).
command -v kubectl >/dev/null || PACKAGES+=(kubernetes-client)
command -v node >/dev/null || PACKAGES+=(nodejs)
command -v npm >/dev/null || PACKAGES+=(npm)

missing=()
for pkg in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done

if ((${#missing[@]} == 0)); then
  echo "setup: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [[ $(id -u) -ne 0 ]]; then SUDO="sudo"; fi
echo "setup: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
