#!/usr/bin/env bash
# A real schema registry on 127.0.0.1: Apicurio Registry (in-memory storage), built from Maven
# Central jars, serving the Confluent-compatible API at http://127.0.0.1:PORT/apis/ccompat/v6.
# For local runs and the integration tests; production uses the lender's own registry.
#
#   deploy/local/registry.sh install   build the runnable app into the cache (once; later runs are instant)
#   deploy/local/registry.sh start     start, wait until ready (idempotent)
#   deploy/local/registry.sh status    running / stopped, exit 0 / 3
#   deploy/local/registry.sh stop      stop cleanly (SIGTERM, then SIGKILL after a grace period)
#   deploy/local/registry.sh logs      tail the registry log
#
# Settings (environment):
#   REGISTRY_PORT          HTTP port                   (default 18081)
#   REGISTRY_HEAP          JVM heap                    (default 128m)
#   COLLECTIONS_CACHE      build cache, outside the tree (default ~/.cache/collections-pipeline)
#   REGISTRY_RUN_DIR       log and pid file            (default $COLLECTIONS_CACHE/registry-run-$REGISTRY_PORT)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
project=$here/registry
port=${REGISTRY_PORT:-18081}
heap=${REGISTRY_HEAP:-128m}
cache=${COLLECTIONS_CACHE:-$HOME/.cache/collections-pipeline}
version=$(sed -n 's:.*<apicurio.version>\(.*\)</apicurio.version>.*:\1:p' "$project/pom.xml")
app=$cache/apicurio-registry-$version
jar=$app/local-registry-1-runner.jar
run=${REGISTRY_RUN_DIR:-$cache/registry-run-$port}
pidfile=$run/registry.pid
log=$run/registry.log

name=registry
marker=local-registry
grace=20
# shellcheck source=deploy/local/process.sh
source "$here/process.sh"  # say, die, port_open, running_pid, stop

# 200 from the compat API's subject list: the REST resources are up, not only the HTTP port.
api_ready() {
  local status
  status=$(
    exec 2>/dev/null
    exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
    printf 'GET /apis/ccompat/v6/subjects HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
    head -n 1 <&3
  ) || return 1
  [[ $status == *" 200 "* ]]
}

install() {
  if [[ -f $app/.complete ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
  command -v java >/dev/null || die "java not found: install a JDK 17+"
  say "building Apicurio Registry $version from Maven Central jars into $app (first run only, ~2 min)"
  rm -rf "$app"
  mkdir -p "$app"
  local t0=$SECONDS
  mvn -q -B -s "$project/settings.xml" -f "$project/pom.xml" package -DskipTests \
    "-Dregistry.out=$app" >"$app/build.log" 2>&1 \
    || { tail -n 40 "$app/build.log" >&2; die "maven could not build the registry (log: $app/build.log)"; }
  [[ -f $jar ]] || die "the build produced no $jar"
  touch "$app/.complete"
  say "built in $((SECONDS - t0))s"
}

wait_ready() {
  local pid=$1 deadline=$((SECONDS + ${REGISTRY_START_TIMEOUT:-60}))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the registry exited during start-up; last log lines:"
      tail -n 40 "$log" >&2 || true
      rm -f "$pidfile"
      exit 1
    fi
    api_ready && return 0
    sleep 0.2
  done
  say "not ready after ${REGISTRY_START_TIMEOUT:-60}s; last log lines:"
  tail -n 40 "$log" >&2 || true
  exit 1
}

start() {
  local pid
  if pid=$(running_pid); then
    say "already running (pid $pid) on http://127.0.0.1:$port"
    return 0
  fi
  rm -f "$pidfile"
  port_open "$port" && die "port $port is in use by another process. Free it or choose another: REGISTRY_PORT=... $0 start"
  install
  mkdir -p "$run"
  : >"$log"
  local t0=$SECONDS
  # setsid: outlives the calling shell; its own session so a terminal's Ctrl-C does not hit it.
  # Small heap, serial GC and C1 only: a test registry holds a few dozen schemas.
  setsid bash -c 'exec "$@"' _ java "-Xms$heap" "-Xmx$heap" -XX:+UseSerialGC \
    -XX:TieredStopAtLevel=1 -Dquarkus.http.host=127.0.0.1 "-Dquarkus.http.port=$port" \
    -Dquarkus.log.console.color=false -jar "$jar" >"$log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  wait_ready "$pid"
  say "ready on http://127.0.0.1:$port/apis/ccompat/v6 (pid $pid, started in $((SECONDS - t0))s)"
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "running pid=$pid url=http://127.0.0.1:$port/apis/ccompat/v6"
  else
    echo "stopped (url would be http://127.0.0.1:$port/apis/ccompat/v6)"
    return 3
  fi
}

case ${1:-} in
  install) install ;;
  start) start ;;
  stop) stop ;;
  status) status ;;
  restart) stop; start ;;
  logs) tail -n "${2:-100}" "$log" ;;
  *) sed -n '2,17p' "$0"; exit 2 ;;
esac
