# Shared helpers for the local infrastructure scripts. Sourced, not run.
# Every path and port can be overridden through the environment, so tests can start
# private brokers on free ports without touching the developer's `make run` instance.
set -euo pipefail

LOCAL_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# Built binaries and fetched jars are shared between clones of the project (they only
# depend on the pinned versions), data is per checkout.
LINLI_CACHE_DIR="${LINLI_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/linli}"
LINLI_DATA_DIR="${LINLI_DATA_DIR:-$LOCAL_DIR/data}"
LINLI_RUN_DIR="${LINLI_RUN_DIR:-$LINLI_DATA_DIR/run}"

log() { printf '[local] %s\n' "$*" >&2; }
die() { printf '[local] error: %s\n' "$*" >&2; exit 1; }

# port_open PORT: true when something accepts TCP connections on 127.0.0.1:PORT.
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# pid_alive PIDFILE: true when the file names a running process.
pid_alive() {
  [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null
}

# wait_port PORT SECONDS PIDFILE LOGFILE: waits until the port answers, failing early if
# the process behind PIDFILE dies.
wait_port() {
  local port=$1 seconds=$2 pidfile=$3 logfile=$4 i
  for ((i = 0; i < seconds * 10; i++)); do
    port_open "$port" && return 0
    if ! pid_alive "$pidfile"; then
      tail -n 30 "$logfile" >&2 || true
      die "process exited before listening on port $port (log: $logfile)"
    fi
    sleep 0.1
  done
  tail -n 30 "$logfile" >&2 || true
  die "nothing listens on port $port after ${seconds}s (log: $logfile)"
}

# stop_pidfile NAME PIDFILE: SIGTERM, wait up to 30 s, then SIGKILL. Only ever the pid we
# recorded ourselves.
stop_pidfile() {
  local name=$1 pidfile=$2 pid i
  if ! pid_alive "$pidfile"; then
    rm -f "$pidfile"
    log "$name is not running"
    return 0
  fi
  pid=$(cat "$pidfile")
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) did not stop in 30s; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  log "$name stopped"
}

# refuse_taken_port NAME PORT PIDFILE: called before starting. Returns 1 when our own
# instance already runs (caller treats that as done), dies when a stranger holds the port.
refuse_taken_port() {
  local name=$1 port=$2 pidfile=$3
  if pid_alive "$pidfile"; then
    log "$name already running (pid $(cat "$pidfile")) on 127.0.0.1:$port"
    return 1
  fi
  if port_open "$port"; then
    die "port $port is already taken by another process; stop it or choose another port for $name"
  fi
  return 0
}
