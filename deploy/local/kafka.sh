#!/usr/bin/env bash
# Local single-node Apache Kafka broker in KRaft mode, from Maven Central artifacts.
#   kafka.sh fetch|start|stop|status
# Environment (defaults): LINLI_KAFKA_PORT (9092), LINLI_KAFKA_CONTROLLER_PORT (port+1000),
# LINLI_KAFKA_DATA (LINLI_DATA_DIR/kafka), LINLI_KAFKA_HEAP (512m), LINLI_KAFKA_EXTRA_PROPERTIES
# (a file of broker properties appended to the generated ones; empty: none).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$LOCAL_DIR/kafka/pom.xml")
KAFKA_HOME="$LINLI_CACHE_DIR/kafka-$KAFKA_VERSION"
PORT="${LINLI_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${LINLI_KAFKA_CONTROLLER_PORT:-$((PORT + 1000))}"
DATA="${LINLI_KAFKA_DATA:-$LINLI_DATA_DIR/kafka}"
PIDFILE="$LINLI_RUN_DIR/kafka-$PORT.pid"
LOGFILE="$LINLI_RUN_DIR/kafka-$PORT.log"

fetch() {
  [[ -f "$KAFKA_HOME/.complete" ]] && return 0
  command -v java >/dev/null || die "java (17+) is required to run Kafka"
  command -v mvn >/dev/null || die "mvn is required to fetch Kafka from Maven Central"
  log "fetching Apache Kafka $KAFKA_VERSION and its runtime dependencies with Maven"
  rm -rf "$KAFKA_HOME"
  mvn -q -B -f "$LOCAL_DIR/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$KAFKA_HOME/libs" >&2
  touch "$KAFKA_HOME/.complete"
}

write_config() {
  mkdir -p "$DATA/log" "$LINLI_RUN_DIR"
  cat >"$DATA/server.properties" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$DATA/log
num.partitions=3
auto.create.topics.enable=false
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
PROPS
  # Extra broker properties (later keys win): tests add a TLS listener and ACLs this way.
  if [[ -n "${LINLI_KAFKA_EXTRA_PROPERTIES:-}" ]]; then
    cat "$LINLI_KAFKA_EXTRA_PROPERTIES" >>"$DATA/server.properties"
  fi
  cat >"$DATA/log4j2.properties" <<'PROPS'
status = warn
appender.console.type = Console
appender.console.name = STDOUT
appender.console.layout.type = PatternLayout
appender.console.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = WARN
rootLogger.appenderRef.console.ref = STDOUT
logger.kafka.name = kafka.server.KafkaRaftServer
logger.kafka.level = INFO
PROPS
}

JAVA=(java -Xms128m -Xmx"${LINLI_KAFKA_HEAP:-512m}" -XX:+UseG1GC -Djava.awt.headless=true
  -Dlog4j2.configurationFile="$DATA/log4j2.properties" -cp "$KAFKA_HOME/libs/*")

start() {
  fetch
  refuse_taken_port kafka "$PORT" "$PIDFILE" || return 0
  port_open "$CONTROLLER_PORT" && die "controller port $CONTROLLER_PORT is already taken"
  write_config
  if [[ ! -f "$DATA/log/meta.properties" ]]; then
    local cluster_id
    # A cluster id is a base64 UUID; one starting with "-" would read as an option.
    cluster_id=$(python3 -c '
import base64, uuid
while (cid := base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")).startswith("-"):
    pass
print(cid)')
    log "formatting Kafka storage in $DATA/log (cluster $cluster_id)"
    "${JAVA[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$DATA/server.properties" >>"$LOGFILE" 2>&1 \
      || { tail -n 20 "$LOGFILE" >&2; die "formatting Kafka storage failed"; }
  fi
  log "starting Kafka $KAFKA_VERSION on 127.0.0.1:$PORT (log: $LOGFILE)"
  nohup "${JAVA[@]}" kafka.Kafka "$DATA/server.properties" >>"$LOGFILE" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  wait_port "$PORT" 120 "$PIDFILE" "$LOGFILE"
  log "kafka ready on 127.0.0.1:$PORT"
}

case "${1:-}" in
  fetch) fetch ;;
  start) start ;;
  stop) stop_pidfile kafka "$PIDFILE" ;;
  status) pid_alive "$PIDFILE" && echo "kafka running on 127.0.0.1:$PORT" || { echo "kafka stopped"; exit 3; } ;;
  *) die "usage: kafka.sh fetch|start|stop|status" ;;
esac
