#!/usr/bin/env bash
# Starts a single-node Apache Kafka broker for tests: KRaft, broker and controller in one JVM, on
# 127.0.0.1 only, from the Apache Kafka jars on Maven Central (scripts/kafka/pom.xml).
# On success prints `KAFKA_BROKERS=127.0.0.1:PORT` as its last line; running it again reuses the broker.
#
#   KAFKA_PORT           client port (default 19092); the controller listens on KAFKA_PORT+1
#   KAFKA_DIR            jars, data, logs and pid (default <repo>/.kafka)
#   KAFKA_HEAP           JVM heap (default 512m)
#   KAFKA_START_TIMEOUT  seconds to wait for the broker to answer (default 120)
#   JAVA                 java binary (default $JAVA_HOME/bin/java, else java on PATH)
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
port=${KAFKA_PORT:-19092}
dir=${KAFKA_DIR:-$repo/.kafka}
heap=${KAFKA_HEAP:-512m}
start_timeout=${KAFKA_START_TIMEOUT:-120}
java=${JAVA:-${JAVA_HOME:+$JAVA_HOME/bin/}java}
pom=$repo/scripts/kafka/pom.xml
libs=$dir/libs
data=$dir/data
logs=$dir/logs
pidfile=$dir/kafka.pid
brokers=127.0.0.1:$port

say() { echo "kafka: $*" >&2; }

if ! [[ "$port" =~ ^[0-9]+$ ]] || [ "$port" -lt 1 ] || [ "$port" -gt 65534 ]; then
  say "KAFKA_PORT must be a port number below 65535, got '$port'"
  exit 2
fi
controller_port=$((port + 1))

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Only a pid whose command line is this directory's broker counts: pids are reused.
broker_pid() {
  [ -f "$pidfile" ] || return 1
  local pid
  pid=$(cat "$pidfile")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "kafka.Kafka $dir/server.properties" || return 1
  echo "$pid"
}

if pid=$(broker_pid); then
  if [ "$(cat "$dir/kafka.port" 2>/dev/null)" != "$port" ]; then
    say "a broker from $dir already runs (pid $pid) on port $(cat "$dir/kafka.port" 2>/dev/null); stop it first: scripts/kafka/stop.sh"
    exit 1
  fi
  say "already running (pid $pid)"
  echo "KAFKA_BROKERS=$brokers"
  exit 0
fi
rm -f "$pidfile"

for p in "$port" "$controller_port"; do
  if port_open "$p"; then
    say "127.0.0.1:$p is taken by another process; choose another KAFKA_PORT"
    exit 1
  fi
done

command -v "$java" >/dev/null || { say "no java found: set JAVA or JAVA_HOME (Java 17+)"; exit 1; }

mkdir -p "$dir" "$logs"

# Jars: downloaded once per pom content into a temporary folder, renamed when complete.
pom_sum=$(sha256sum "$pom" | cut -d' ' -f1)
if [ "$(cat "$libs/.pom.sha256" 2>/dev/null)" != "$pom_sum" ]; then
  command -v mvn >/dev/null || { say "no mvn found: Maven fetches the Kafka jars"; exit 1; }
  say "fetching the Apache Kafka jars from Maven Central"
  rm -rf "$libs" "$libs.partial"
  if ! mvn -q -B -f "$pom" dependency:copy-dependencies -DoutputDirectory="$libs.partial" >"$logs/maven.log" 2>&1; then
    cat "$logs/maven.log" >&2
    rm -rf "$libs.partial"
    say "maven could not fetch the jars"
    exit 1
  fi
  echo "$pom_sum" >"$libs.partial/.pom.sha256"
  mv "$libs.partial" "$libs"
fi
classpath="$libs/*"

cat >"$dir/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$data
num.partitions=4
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
min.insync.replicas=1
auto.create.topics.enable=true
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=4
log.retention.hours=24
EOF

cat >"$dir/log4j.properties" <<EOF
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.RollingFileAppender
log4j.appender.file.File=$logs/server.log
log4j.appender.file.MaxFileSize=10MB
log4j.appender.file.MaxBackupIndex=2
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.state.change.logger=WARN
log4j.logger.kafka.request.logger=WARN
EOF

cat >"$dir/tools-log4j.properties" <<EOF
log4j.rootLogger=WARN, stderr
log4j.appender.stderr=org.apache.log4j.ConsoleAppender
log4j.appender.stderr.Target=System.err
log4j.appender.stderr.layout=org.apache.log4j.PatternLayout
log4j.appender.stderr.layout.ConversionPattern=[%d] %p %m (%c)%n
EOF

jvm=(-Xms128m "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExplicitGCInvokesConcurrent
  -Djava.awt.headless=true "-Dlog4j.configuration=file:$dir/log4j.properties" "-Dkafka.logs.dir=$logs")

# A data folder formatted for another port is a different cluster as far as the quorum goes: test data, so start over.
if [ -f "$data/meta.properties" ] && [ "$(cat "$dir/kafka.port" 2>/dev/null)" != "$port" ]; then
  say "data in $data was made for another port; formatting anew"
  rm -rf "$data"
fi
if [ ! -f "$data/meta.properties" ]; then
  tool=("$java" -cp "$classpath" -Xmx128m "-Dlog4j.configuration=file:$dir/tools-log4j.properties" kafka.tools.StorageTool)
  cluster_id=$("${tool[@]}" random-uuid 2>>"$logs/format.log")
  if ! "${tool[@]}" format -t "$cluster_id" -c "$dir/server.properties" \
    >>"$logs/format.log" 2>&1; then
    cat "$logs/format.log" >&2
    rm -rf "$data"
    say "formatting the storage failed"
    exit 1
  fi
fi
echo "$port" >"$dir/kafka.port"

started=
cleanup_on_failure() {
  [ -n "$started" ] && return
  if pid=$(broker_pid); then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
}
trap cleanup_on_failure EXIT
trap 'exit 130' INT TERM

# "Kafka Server started" in an old log must not pass for this start.
for log in server.log stdout.log; do
  [ -f "$logs/$log" ] && mv -f "$logs/$log" "$logs/$log.previous"
done
rm -f "$logs"/server.log.[0-9]*

# setsid: the broker outlives this script and the terminal it ran in; stop.sh ends it by pid.
setsid "$java" -cp "$classpath" "${jvm[@]}" kafka.Kafka "$dir/server.properties" \
  </dev/null >"$logs/stdout.log" 2>&1 &
launched=$!
echo "$launched" >"$pidfile"
say "starting broker (pid $launched) on $brokers, logs in $logs"

deadline=$((SECONDS + start_timeout))
until port_open "$port" && grep -q "Kafka Server started" "$logs/server.log" 2>/dev/null; do
  # By pid, not by command line: until the child has exec'd java its command line is still this script's, and on a
  # busy machine the first check came before that and took a starting broker for a dead one.
  if ! kill -0 "$launched" 2>/dev/null; then
    tail -n 40 "$logs/server.log" "$logs/stdout.log" >&2 2>/dev/null || true
    say "the broker exited during start-up"
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    tail -n 40 "$logs/server.log" >&2 2>/dev/null || true
    say "no answer on $brokers within ${start_timeout}s"
    exit 1
  fi
  sleep 0.5
done

# The broker answers a real request, not just a TCP connect.
if ! timeout $((deadline - SECONDS > 10 ? deadline - SECONDS : 10)) "$java" -cp "$classpath" -Xmx128m \
  "-Dlog4j.configuration=file:$dir/tools-log4j.properties" kafka.admin.BrokerApiVersionsCommand --bootstrap-server "$brokers" >"$logs/api-versions.log" 2>&1; then
  cat "$logs/api-versions.log" >&2
  say "the broker did not answer ApiVersions"
  exit 1
fi

started=yes
say "ready after ${SECONDS}s"
echo "KAFKA_BROKERS=$brokers"
