#!/usr/bin/env bash
# Local MongoDB-wire-compatible server: FerretDB v1 with its SQLite backend, built from Go
# modules (deploy/local/ferretdb embeds FerretDB's public package; telemetry is locked off).
#   ferretdb.sh fetch|start|stop|status
# Environment (defaults): LINLI_MONGO_PORT (27017), LINLI_FERRETDB_DATA (LINLI_DATA_DIR/ferretdb),
# LINLI_FERRETDB_SYNCHRONOUS (NORMAL: with SQLite's write-ahead log a commit survives any
# process crash; only a power cut can lose the last commits. FULL fsyncs every commit).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

FERRETDB_VERSION=$(sed -n 's:^[[:space:]]*\(require[[:space:]]\+\)\{0,1\}github.com/FerretDB/FerretDB \(v[0-9.]*\).*:\2:p' "$LOCAL_DIR/ferretdb/go.mod" | head -n1)
[[ -n "$FERRETDB_VERSION" ]] || die "cannot read the FerretDB version from deploy/local/ferretdb/go.mod"
# The launcher's own code is part of the name, so a change to it is rebuilt.
LAUNCHER_HASH=$(cat "$LOCAL_DIR"/ferretdb/*.go "$LOCAL_DIR/ferretdb/go.sum" | sha256sum | cut -c1-12)
BINARY="$LINLI_CACHE_DIR/bin/linli-ferretdb-$FERRETDB_VERSION-$LAUNCHER_HASH"
PORT="${LINLI_MONGO_PORT:-27017}"
DATA="${LINLI_FERRETDB_DATA:-$LINLI_DATA_DIR/ferretdb}"
PIDFILE="$LINLI_RUN_DIR/ferretdb-$PORT.pid"
LOGFILE="$LINLI_RUN_DIR/ferretdb-$PORT.log"

fetch() {
  [[ -x "$BINARY" ]] && return 0
  command -v go >/dev/null || die "go is required to build FerretDB (apt-get install golang, or see go.dev)"
  log "building FerretDB $FERRETDB_VERSION from Go modules (first time only, about a minute)"
  mkdir -p "$(dirname "$BINARY")"
  (cd "$LOCAL_DIR/ferretdb" && GOFLAGS=-buildvcs=false go build -trimpath -o "$BINARY.tmp" .) \
    || die "building FerretDB failed"
  mv "$BINARY.tmp" "$BINARY"
}

start() {
  fetch
  refuse_taken_port ferretdb "$PORT" "$PIDFILE" || return 0
  mkdir -p "$DATA" "$LINLI_RUN_DIR"
  log "starting FerretDB $FERRETDB_VERSION (SQLite in $DATA) on 127.0.0.1:$PORT (log: $LOGFILE)"
  nohup "$BINARY" --listen-addr "127.0.0.1:$PORT" --sqlite-url "file:$DATA/?_pragma=synchronous(${LINLI_FERRETDB_SYNCHRONOUS:-NORMAL})" \
    --log-level "${LINLI_FERRETDB_LOG_LEVEL:-warn}" >>"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_port "$PORT" 30 "$PIDFILE" "$LOGFILE"
  log "ferretdb ready on 127.0.0.1:$PORT"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop_pidfile ferretdb "$PIDFILE" ;;
  status) pid_alive "$PIDFILE" && echo "ferretdb running on 127.0.0.1:$PORT" || { echo "ferretdb stopped"; exit 3; } ;;
  *) die "usage: ferretdb.sh fetch|start|stop|status" ;;
esac
