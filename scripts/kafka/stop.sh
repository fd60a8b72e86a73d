#!/usr/bin/env bash
# Stops the broker that scripts/kafka/start.sh started (by its pid file): TERM, then KILL after
# KAFKA_STOP_TIMEOUT seconds (default 30). `--purge` also removes its data and logs (the jars stay
# as a cache). Does nothing, successfully, when no broker runs.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dir=${KAFKA_DIR:-$repo/.kafka}
stop_timeout=${KAFKA_STOP_TIMEOUT:-30}
pidfile=$dir/kafka.pid
purge=
for arg in "$@"; do
  case "$arg" in
    --purge) purge=yes ;;
    *) echo "usage: $0 [--purge]" >&2; exit 2 ;;
  esac
done

say() { echo "kafka: $*" >&2; }

if [ -f "$pidfile" ]; then
  pid=$(cat "$pidfile")
  # Only the pid of this directory's broker is signalled: a stale pid file may name a reused pid.
  if [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] &&
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "kafka.Kafka $dir/server.properties"; then
    kill -TERM "$pid" 2>/dev/null || true
    deadline=$((SECONDS + stop_timeout))
    while kill -0 "$pid" 2>/dev/null && [ "$SECONDS" -lt "$deadline" ]; do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      say "still running after ${stop_timeout}s; killing pid $pid"
      kill -KILL "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    fi
    say "stopped (pid $pid)"
  else
    say "no broker running (stale pid file)"
  fi
  rm -f "$pidfile"
else
  say "no broker running"
fi

if [ -n "$purge" ]; then
  rm -rf "$dir/data" "$dir/logs" "$dir/kafka.port" "$dir/server.properties" "$dir/log4j.properties" "$dir/tools-log4j.properties"
  say "removed data and logs in $dir"
fi
