#!/usr/bin/env bash
# Builds the offline manifest checkers that tests/deploy runs, once, into a cache:
#   kustomize          sigs.k8s.io/kustomize/kustomize/v5 at KUSTOMIZE_VERSION (go install)
#   crdcheck-go        deploy/tools/crdcheck-go: Prometheus Operator and MongoDB Community
#                      custom resources, decoded strictly with the operators' Go API types
#   crdcheck-strimzi   deploy/tools/crdcheck-strimzi: Strimzi custom resources, decoded with
#                      Strimzi's Java API model (io.strimzi:api), unknown fields refused
# Each build lives in a folder named after its pinned version or the hash of its sources, so a
# rerun costs nothing and a change rebuilds; bin/ holds links to the current ones.
#   build.sh          build what is missing, print the bin folder
# Environment: LINLI_DEPLOY_TOOLS_DIR (default: <repo>/.cache/deploy-tools, git-ignored).
# Needs Go (1.26+), Java 17+ and Maven: deploy/local/system-deps.sh installs them.
set -euo pipefail

KUSTOMIZE_VERSION=v5.8.2 # the newest kustomize that builds with Go 1.26 (v5.8.3 needs Go 1.27)

TOOLS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$TOOLS_DIR/../.." && pwd)
CACHE=${LINLI_DEPLOY_TOOLS_DIR:-$REPO/.cache/deploy-tools}
BIN=$CACHE/bin
mkdir -p "$BIN"

log() { echo "[deploy-tools] $*" >&2; }
hash_of() { (cd "$1" && find . -type f ! -path './target/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum) | sha256sum | cut -c1-12; }
seconds_since() { echo $(($(date +%s) - $1)); }

build_kustomize() {
  local dir=$CACHE/kustomize-$KUSTOMIZE_VERSION
  if [[ ! -x $dir/kustomize ]]; then
    local t0; t0=$(date +%s)
    log "building kustomize $KUSTOMIZE_VERSION (first time only)"
    rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
    GOBIN=$dir.tmp GOFLAGS=-trimpath go install "sigs.k8s.io/kustomize/kustomize/v5@$KUSTOMIZE_VERSION"
    rm -rf "$dir" && mv "$dir.tmp" "$dir"
    log "kustomize built in $(seconds_since "$t0") s"
  fi
  ln -sfn "$dir/kustomize" "$BIN/kustomize"
}

build_crdcheck_go() {
  local src=$TOOLS_DIR/crdcheck-go dir
  dir=$CACHE/crdcheck-go-$(hash_of "$src")
  if [[ ! -x $dir/crdcheck-go ]]; then
    local t0; t0=$(date +%s)
    log "building crdcheck-go (first time only)"
    mkdir -p "$dir"
    (cd "$src" && GOFLAGS=-buildvcs=false go build -trimpath -o "$dir/crdcheck-go.tmp" .)
    mv "$dir/crdcheck-go.tmp" "$dir/crdcheck-go"
    log "crdcheck-go built in $(seconds_since "$t0") s"
  fi
  ln -sfn "$dir/crdcheck-go" "$BIN/crdcheck-go"
}

# The launcher names the jars in the local Maven repository; a missing one means a rebuild.
strimzi_ready() {
  local dir=$1 jar
  [[ -x $dir/crdcheck-strimzi && -f $dir/classpath.txt ]] || return 1
  while IFS= read -r -d: jar || [[ -n $jar ]]; do [[ -f $jar ]] || return 1; done <"$dir/classpath.txt"
}

build_crdcheck_strimzi() {
  local src=$TOOLS_DIR/crdcheck-strimzi dir
  dir=$CACHE/crdcheck-strimzi-$(hash_of "$src")
  if ! strimzi_ready "$dir"; then
    local t0; t0=$(date +%s)
    log "building crdcheck-strimzi with Maven (first time only)"
    # Maven writes target/ next to the pom: build a copy, the work tree stays clean.
    rm -rf "$dir" && mkdir -p "$dir/src"
    cp -r "$src/pom.xml" "$src/src" "$dir/src/"
    (cd "$dir/src" && mvn -q -B -DskipTests package >"$dir/build.log" 2>&1) || { cat "$dir/build.log" >&2; exit 1; }
    cp "$dir/src/target/crdcheck-strimzi.jar" "$dir/"
    tr -d '\n' <"$dir/src/target/classpath.txt" >"$dir/classpath.txt"
    cat >"$dir/crdcheck-strimzi" <<EOF
#!/usr/bin/env bash
# SLF4J finds no logger here (none is wanted) and would say so on every run.
exec java -Xshare:auto -XX:TieredStopAtLevel=1 -Dslf4j.internal.verbosity=ERROR \\
  -cp "$dir/crdcheck-strimzi.jar:\$(cat "$dir/classpath.txt")" linli.crdcheck.Main "\$@"
EOF
    chmod +x "$dir/crdcheck-strimzi"
    rm -rf "$dir/src"
    log "crdcheck-strimzi built in $(seconds_since "$t0") s"
  fi
  ln -sfn "$dir/crdcheck-strimzi" "$BIN/crdcheck-strimzi"
}

command -v go >/dev/null || { log "Go is required (make system-deps)"; exit 1; }
command -v mvn >/dev/null && command -v java >/dev/null || { log "Java 17 and Maven are required (make system-deps)"; exit 1; }

# Maven mostly waits on downloads while Go compiles: run it alongside.
build_crdcheck_strimzi &
strimzi_pid=$!
build_kustomize
build_crdcheck_go
wait "$strimzi_pid"
echo "$BIN"
