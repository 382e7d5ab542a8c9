#!/usr/bin/env bash
# Renders deploy/k8s (the base and every overlay) with `kubectl kustomize` and
# validates every object with validate.mjs (Kubernetes schemas + Loupe's own
# invariants). Then proves the check is not vacuous: each negative case breaks
# a copy of deploy/k8s in a temp folder and must be rejected with the expected
# message. Exit 0 only when every case behaves.
#
#   tests/deploy/validate.sh                          # kubectl from PATH
#   KUBECTL=/path/kubectl LOUPE_BIN=build/release/bin tests/deploy/validate.sh
#
# LOUPE_BIN (set by ctest): folder with loupe-index, loupe-ingest and
# loupe-query; every LOUPE_* variable in the manifests must then name a flag
# of the binary its container runs. Needs kubectl (>= 1.20; Debian's
# kubernetes-client), Node.js >= 18 and npm; installs the pinned npm packages
# of package-lock.json into tests/deploy/node_modules when they are missing.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
K8S="$ROOT/deploy/k8s"
KUBECTL=${KUBECTL:-kubectl}

die() { echo "validate.sh: $*" >&2; exit 1; }
for tool in "$KUBECTL" node npm; do
  command -v "$tool" >/dev/null || die "'$tool' not found (tools/setup.sh installs it)"
done
node_major=$(node -p 'process.versions.node.split(".")[0]')
((node_major >= 18)) || die "Node.js >= 18 needed, found $(node --version)"

# Pinned dependencies, reinstalled when package-lock.json changes.
stamp="$HERE/node_modules/.loupe-lock-stamp"
if ! cmp -s "$HERE/package-lock.json" "$stamp" 2>/dev/null; then
  (cd "$HERE" && npm ci --no-audit --no-fund --loglevel=error) || die "npm ci failed"
  cp "$HERE/package-lock.json" "$stamp"
fi

validator_args=()
if [[ -n "${LOUPE_BIN:-}" ]]; then
  for b in loupe-index loupe-ingest loupe-query; do
    [[ -x "$LOUPE_BIN/$b" ]] || die "LOUPE_BIN=$LOUPE_BIN has no executable $b"
  done
  validator_args=(--bin "$LOUPE_BIN")
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
passed=0
failed=0
pass() { echo "PASS $1"; passed=$((passed + 1)); }
fail() { echo "FAIL $1"; failed=$((failed + 1)); }

# render_and_validate K8S_DIR TARGET LOG: renders K8S_DIR/TARGET and validates
# it; all output goes to LOG. Returns non-zero when either step fails.
render_and_validate() {
  local out
  out="$TMP/$(echo "$2" | tr / _).yaml"
  "$KUBECTL" kustomize "$1/$2" >"$out" 2>"$3" || return 1
  node "$HERE/validate.mjs" "${validator_args[@]}" "$out" >>"$3" 2>&1
}

# ---- the real manifests must be valid
targets=(base)
for overlay in "$K8S"/overlays/*/; do
  [[ -f "$overlay/kustomization.yaml" ]] && targets+=("overlays/$(basename "$overlay")")
done
for required in overlays/dev overlays/prod; do
  [[ " ${targets[*]} " == *" $required "* ]] || die "missing $K8S/$required"
done
for target in "${targets[@]}"; do
  log="$TMP/log"
  if render_and_validate "$K8S" "$target" "$log"; then
    pass "$target renders and validates ($(grep -o '[0-9]* objects' "$log"))"
  else
    fail "$target"; sed 's/^/    /' "$log"
  fi
done

# ---- negative cases: each mutation of a copy must be rejected, for the
# expected reason (so that a case cannot pass by failing for another one).
# expect_invalid NAME FILE SED_SCRIPT EXPECTED_REGEX [TARGET]
expect_invalid() {
  local name=$1 file=$2 script=$3 expected=$4 target=${5:-overlays/dev}
  local copy="$TMP/case/k8s" log="$TMP/case.log"
  rm -rf "$TMP/case"; mkdir -p "$TMP/case"; cp -r "$K8S" "$copy"
  sed -i -e "$script" "$copy/$file"
  if cmp -s "$K8S/$file" "$copy/$file"; then
    fail "negative: $name (the mutation '$script' no longer changes $file)"; return
  fi
  if render_and_validate "$copy" "$target" "$log"; then
    fail "negative: $name (accepted)"; sed 's/^/    /' "$log"
  elif grep -Eq -- "$expected" "$log"; then
    pass "negative: $name"
  else
    fail "negative: $name (rejected, but not with /$expected/)"; sed 's/^/    /' "$log"
  fi
}

expect_invalid "misspelt required field" base/index.yaml \
  's/^      containers:/      contianers:/' 'contianers: unknown field'
expect_invalid "misspelt optional field" base/query.yaml \
  's/readinessProbe:/readinesProbe:/' 'readinesProbe: unknown field'
expect_invalid "string where an integer is expected" overlays/dev/cluster-size.yaml \
  's/replicas: 2/replicas: "2"/' '/spec/replicas: must be integer'
expect_invalid "shard count disagrees with replicas" overlays/dev/cluster-size.yaml \
  's/LOUPE_SHARD_COUNT: "2"/LOUPE_SHARD_COUNT: "3"/' 'LOUPE_SHARD_COUNT=3 but loupe-index has replicas: 2'
expect_invalid "replicas changed alone" overlays/prod/cluster-size.yaml \
  's/replicas: 4/replicas: 5/' 'LOUPE_SHARD_COUNT=4 but loupe-index has replicas: 5' overlays/prod
expect_invalid "an index address missing" overlays/prod/cluster-size.yaml \
  's/,loupe-index-3.loupe-index:50061//' 'LOUPE_INDEX_ADDRESSES names 3 shard' overlays/prod
expect_invalid "patch aimed at a misspelt object" overlays/dev/cluster-size.yaml \
  '0,/name: loupe-index/s//name: loupe-idnex/' 'loupe-idnex'
expect_invalid "writable root filesystem" base/ingest.yaml \
  's/readOnlyRootFilesystem: true/readOnlyRootFilesystem: false/' 'readOnlyRootFilesystem must be true'
expect_invalid "runs as root" base/query.yaml \
  's/runAsUser: 10001/runAsUser: 0/g' 'runAsUser must be a non-zero uid'
expect_invalid "probe that is not gRPC" base/index.yaml \
  '0,/grpc:/s//tcpSocket:/' 'startupProbe: must be a native gRPC probe'
expect_invalid "volume of size zero" overlays/dev/resources.yaml \
  's/storage: 256Mi/storage: "0"/' 'volume has no size'
expect_invalid "ConfigMap key misspelt" base/ingest.yaml \
  's/key: LOUPE_INDEX_ADDRESSES/key: LOUPE_INDEX_ADRESSES/' 'has no key LOUPE_INDEX_ADRESSES'
expect_invalid "NetworkPolicy on a port nobody serves" base/network-policies.yaml \
  's/port: 50061/port: 50062/' 'port 50062 is not a port of the selected pods'
expect_invalid "two ingest replicas" base/ingest.yaml \
  's/replicas: 1/replicas: 2/' 'loupe-ingest must have exactly 1 replica'
if [[ -n "${LOUPE_BIN:-}" ]]; then
  expect_invalid "environment variable of no flag" base/index.yaml \
    's/LOUPE_ROCKSDB_BLOCK_CACHE_MB/LOUPE_ROCKSDB_BLOCK_CACHE_MIB/' 'has no flag --rocksdb_block_cache_mib'
else
  echo "note: LOUPE_BIN not set: LOUPE_* variable names not checked against the binaries' flags"
fi

echo "deploy manifests: $passed passed, $failed failed"
((failed == 0))
