#!/usr/bin/env bash
# `make run` / `make stop` / `make status`: the whole platform on this machine.
#   platform.sh start|stop|status
# Starts FerretDB and Kafka (deploy/local/*.sh), creates the topics, starts every service that
# exists under services/ (python -m linli.<name>), seeds demo data (python -m linli.<name>.seed,
# idempotent), and prints where everything listens. Data persists in deploy/local/data.
# Signed identity: one Ed25519 key pair per service, the gateway and "ops" (seeds, operators'
# tools) in $LINLI_DATA_DIR/keys, generated on the first start and kept; every process gets the
# directory (LINLI_IDENTITY_KEYS_DIR) and signs with its own key (LINLI_SIGNING_KEY_FILE).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT="$(cd "$LOCAL_DIR/../.." && pwd)"
PY="${PYTHON:-$ROOT/.venv/bin/python}"

# name grpc_port metrics_port (ARCHITECTURE.md defaults). LINLI_PORT_OFFSET moves them all,
# so a second platform (a test's) can run beside a developer's.
OFFSET="${LINLI_PORT_OFFSET:-0}"
SERVICES=(
  "organizations $((50051 + OFFSET)) $((9101 + OFFSET))"
  "volunteers $((50052 + OFFSET)) $((9102 + OFFSET))"
  "requests $((50053 + OFFSET)) $((9103 + OFFSET))"
  "notifications $((50054 + OFFSET)) $((9104 + OFFSET))"
)
GATEWAY_PORT="${LINLI_GATEWAY_PORT:-$((8080 + OFFSET))}"
for entry in "${SERVICES[@]}"; do
  read -r name grpc _ <<<"$entry"
  export "LINLI_${name^^}_ADDR=127.0.0.1:$grpc"
done

export LINLI_MONGO_URI="mongodb://127.0.0.1:${LINLI_MONGO_PORT:-27017}/"
KEYS_DIR="$LINLI_DATA_DIR/keys"
KEY_ISSUERS=(organizations volunteers requests notifications gateway ops)
export LINLI_IDENTITY_KEYS_DIR="$KEYS_DIR"
export LINLI_KAFKA_BOOTSTRAP="127.0.0.1:${LINLI_KAFKA_PORT:-9092}"

present() { [[ -f "$ROOT/services/$1/src/linli/$1/__main__.py" ]]; }

# key_file ISSUER: the issuer's newest private key (a rotated one is <issuer>.<n>.key.pem).
key_file() {
  local newest
  newest=$(ls -1t "$KEYS_DIR/$1".*.key.pem 2>/dev/null | head -n 1 || true)
  [[ -n "$newest" ]] || die "no signing key for $1 in $KEYS_DIR"
  echo "$newest"
}

start_service() {
  local name=$1 grpc_port=$2 metrics_port=$3 pidfile="$LINLI_RUN_DIR/$1.pid" logfile="$LINLI_RUN_DIR/$1.log"
  refuse_taken_port "$name" "$grpc_port" "$pidfile" || return 0
  LINLI_SERVICE_NAME="$name" LINLI_GRPC_PORT="$grpc_port" LINLI_METRICS_PORT="$metrics_port" \
    LINLI_SIGNING_KEY_FILE="$(key_file "$name")" nohup "$PY" -m "linli.$name" >>"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  wait_port "$grpc_port" 60 "$pidfile" "$logfile"
  log "$name ready: gRPC 127.0.0.1:$grpc_port, metrics http://127.0.0.1:$metrics_port/metrics"
}

start() {
  mkdir -p "$LINLI_RUN_DIR"
  "$PY" -m linli.common.tokens keys "$KEYS_DIR" "${KEY_ISSUERS[@]}" | sed 's/^/[local] /' >&2
  bash "$LOCAL_DIR/ferretdb.sh" start
  bash "$LOCAL_DIR/kafka.sh" start
  "$PY" -m linli.common.admin topics >&2
  local started=0 entry name
  for entry in "${SERVICES[@]}"; do
    read -r name _ _ <<<"$entry"
    present "$name" || continue
    start_service $entry
    started=$((started + 1))
  done
  for entry in "${SERVICES[@]}"; do
    read -r name _ _ <<<"$entry"
    if present "$name" && [[ -f "$ROOT/services/$name/src/linli/$name/seed.py" ]]; then
      log "seeding $name demo data"
      LINLI_SIGNING_KEY_FILE="$(key_file ops)" "$PY" -m "linli.$name.seed" >>"$LINLI_RUN_DIR/seed.log" 2>&1 || die "seeding $name failed (log: $LINLI_RUN_DIR/seed.log)"
    fi
  done
  # The gateway (and what runs after it) signs with the gateway's key.
  export LINLI_SIGNING_KEY_FILE
  LINLI_SIGNING_KEY_FILE="$(key_file gateway)"
  if [[ -f "$ROOT/services/gateway/src/linli/gateway/__main__.py" ]]; then
    local pidfile="$LINLI_RUN_DIR/gateway.pid"
    if refuse_taken_port gateway "$GATEWAY_PORT" "$pidfile"; then
      # Browser sessions survive a restart: the cookie-signing secret is made once and kept.
      local secret="$LINLI_DATA_DIR/keys/gateway-session.secret"
      [[ -s "$secret" ]] || (umask 077 && "$PY" -c 'import secrets; print(secrets.token_urlsafe(48))' >"$secret")
      LINLI_SERVICE_NAME=gateway LINLI_HTTP_PORT="$GATEWAY_PORT" LINLI_SESSION_SECRET_FILE="$secret" \
        nohup "$PY" -m linli.gateway >>"$LINLI_RUN_DIR/gateway.log" 2>&1 </dev/null &
      echo $! >"$pidfile"
      wait_port "$GATEWAY_PORT" 60 "$pidfile" "$LINLI_RUN_DIR/gateway.log"
    fi
    if [[ -f "$ROOT/services/gateway/src/linli/gateway/seed.py" ]]; then
      log "seeding gateway demo accounts"
      LINLI_SIGNING_KEY_FILE="$(key_file ops)" "$PY" -m linli.gateway.seed >"$LINLI_RUN_DIR/accounts.txt" 2>>"$LINLI_RUN_DIR/seed.log" \
        || die "seeding the gateway's accounts failed (log: $LINLI_RUN_DIR/seed.log)"
    fi
  fi
  cat <<MSG

Linli is running (data in $LINLI_DATA_DIR, logs in $LINLI_RUN_DIR):
  Kafka                      127.0.0.1:${LINLI_KAFKA_PORT:-9092}
  MongoDB-compatible server  $LINLI_MONGO_URI  (FerretDB, SQLite backend)
MSG
  for entry in "${SERVICES[@]}"; do
    read -r name grpc metrics <<<"$entry"
    present "$name" && printf '  %-26s gRPC 127.0.0.1:%s  metrics http://127.0.0.1:%s/metrics\n' "$name" "$grpc" "$metrics"
  done
  if [[ -f "$ROOT/services/gateway/src/linli/gateway/__main__.py" ]]; then
    printf '  %-26s http://127.0.0.1:%s/  (API http://127.0.0.1:%s/api/v1/docs, Open311 /open311/v2/discovery.json, metrics /metrics)\n' \
      gateway "$GATEWAY_PORT" "$GATEWAY_PORT"
    [[ -s "$LINLI_RUN_DIR/accounts.txt" ]] && cat "$LINLI_RUN_DIR/accounts.txt"
  fi
  ((started == 0)) && echo "  (no services are built yet: only the infrastructure runs)"
  echo "Stop with: make stop"
}

stop() {
  local entry name
  stop_pidfile gateway "$LINLI_RUN_DIR/gateway.pid"
  for entry in "${SERVICES[@]}"; do
    read -r name _ _ <<<"$entry"
    stop_pidfile "$name" "$LINLI_RUN_DIR/$name.pid"
  done
  bash "$LOCAL_DIR/kafka.sh" stop
  bash "$LOCAL_DIR/ferretdb.sh" stop
}

status() {
  local entry name
  bash "$LOCAL_DIR/ferretdb.sh" status || true
  bash "$LOCAL_DIR/kafka.sh" status || true
  for entry in "${SERVICES[@]}" "gateway"; do
    read -r name _ _ <<<"$entry"
    pid_alive "$LINLI_RUN_DIR/$name.pid" && echo "$name running (pid $(cat "$LINLI_RUN_DIR/$name.pid"))"
  done
  return 0
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  *) die "usage: platform.sh start|stop|status" ;;
esac
