#!/usr/bin/env bash
# A real single-node Apache Kafka (KRaft, broker+controller) on 127.0.0.1, from Maven Central jars.
#
#   deploy/local/kafka.sh install   resolve the pinned jars into the cache (once; later runs are instant)
#   deploy/local/kafka.sh start     format storage if needed, start, wait until ready (idempotent)
#   deploy/local/kafka.sh status    running / stopped, exit 0 / 3
#   deploy/local/kafka.sh stop      stop cleanly (SIGTERM, then SIGKILL after a grace period)
#   deploy/local/kafka.sh logs      tail the broker log
#
# Settings (environment):
#   KAFKA_PORT             client port                 (default 19092)
#   KAFKA_CONTROLLER_PORT  controller port             (default KAFKA_PORT+1)
#   KAFKA_HEAP             JVM heap                    (default 512m)
#   KAFKA_SECURITY         plaintext | sasl_ssl        (default plaintext; fixed at first start)
#   COLLECTIONS_CACHE      jar cache, outside the tree (default ~/.cache/collections-pipeline)
#   KAFKA_RUN_DIR          data, logs and pid file     (default $COLLECTIONS_CACHE/run-$KAFKA_PORT)
#
# sasl_ssl: at the first start a CA, the broker's certificate (SAN 127.0.0.1, localhost) and
# one SCRAM-SHA-512 user per role (admin, publisher, worker, gateway-<channel>, callbacks,
# privacy, lag-monitor) with random passwords are made in $KAFKA_RUN_DIR/secrets: ca.pem and
# <user>.password, for clients. Grant the roles with `collectctl acls apply` as admin.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
port=${KAFKA_PORT:-19092}
cport=${KAFKA_CONTROLLER_PORT:-$((port + 1))}
heap=${KAFKA_HEAP:-512m}
cache=${COLLECTIONS_CACHE:-$HOME/.cache/collections-pipeline}
kafka_version=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$here/pom.xml")
libs=$cache/kafka-$kafka_version/libs
run=${KAFKA_RUN_DIR:-$cache/run-$port}
pidfile=$run/kafka.pid
log=$run/logs/server.log
secrets=$run/secrets
security=${KAFKA_SECURITY:-plaintext}
# SCRAM users of the secured mode: one per role (see streams/contract/acls.py); a run
# directory made before a role was added lacks its user: `kafka.sh wipe` makes them anew
users=(admin publisher worker callbacks privacy lag-monitor
  gateway-sms gateway-ivr gateway-agent-call gateway-field-visit gateway-legal-letter)

name=kafka
marker=kafka.Kafka
grace=30
# shellcheck source=deploy/local/process.sh
source "$here/process.sh"  # say, die, port_open, running_pid, stop

install() {
  if [[ -f $libs/.complete ]]; then return 0; fi
  command -v mvn >/dev/null || die "mvn not found: install Maven (apt-get install maven)"
  command -v java >/dev/null || die "java not found: install a JDK 17+"
  say "resolving Apache Kafka $kafka_version jars from Maven Central into $libs (first run only)"
  rm -rf "$libs"
  mkdir -p "$libs"
  mvn -q -B -f "$here/pom.xml" dependency:copy-dependencies -DoutputDirectory="$libs" \
    || die "maven could not resolve the Kafka jars (see output above)"
  touch "$libs/.complete"
}

write_config() {
  mkdir -p "$run/data" "$run/logs"
  local fill=(-e "s|@PORT@|$port|g" -e "s|@CPORT@|$cport|g" -e "s|@DATA@|$run/data|g")
  case $security in
    plaintext) sed "${fill[@]}" "$here/server.properties" >"$run/server.properties" ;;
    sasl_ssl)
      make_secrets
      (umask 077
        grep -vE '^(listeners|advertised\.listeners|listener\.security\.protocol\.map|inter\.broker\.listener\.name)=' \
          "$here/server.properties" | sed "${fill[@]}"
        sed "${fill[@]}" -e "s|@SECRETS@|$secrets|g" \
          -e "s|@ADMIN_PASSWORD@|$(<"$secrets/admin.password")|g" "$here/server-sasl-ssl.properties"
      ) >"$run/server.properties"
      chmod 600 "$run/server.properties" ;;
    *) die "KAFKA_SECURITY=$security: expected plaintext or sasl_ssl" ;;
  esac
  sed -e "s|@LOG@|$log|g" "$here/log4j2.properties" >"$run/log4j2.properties"
}

# The secured mode's CA, broker certificate and user passwords, made once per run directory.
make_secrets() {
  [[ -f $secrets/.complete ]] && return 0
  command -v openssl >/dev/null || die "openssl not found (apt-get install openssl)"
  rm -rf "$secrets"
  mkdir -p "$secrets"
  chmod 700 "$secrets"
  (
    cd "$secrets"
    umask 077
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 825 \
      -subj "/CN=collections-local-ca" -keyout ca.key -out ca.pem 2>/dev/null
    openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
      -subj "/CN=kafka-broker" -keyout broker.key -out broker.csr 2>/dev/null
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >broker.ext
    openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 825 \
      -extfile broker.ext -out broker.pem 2>/dev/null
    openssl pkcs8 -topk8 -nocrypt -in broker.key -out broker.pk8
    cat broker.pk8 broker.pem ca.pem >broker.keystore.pem
    rm -f broker.csr broker.ext broker.key broker.pk8 ca.srl
    for user in "${users[@]}"; do openssl rand -hex 24 >"$user.password"; done
    chmod 644 ca.pem
  ) || die "could not make the secured mode's certificates (openssl)"
  touch "$secrets/.complete"
}

java_cmd() {
  java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -Djava.awt.headless=true \
    "-Dlog4j2.configurationFile=$run/log4j2.properties" -cp "$libs/*" "$@"
}

format_storage() {
  [[ -f $run/data/meta.properties ]] && return 0
  local id
  id=$(java_cmd kafka.tools.StorageTool random-uuid | tail -n 1)
  local scram=()
  if [[ $security == sasl_ssl ]]; then
    for user in "${users[@]}"; do
      scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=$(<"$secrets/$user.password")]")
    done
  fi
  java_cmd kafka.tools.StorageTool format -t "$id" -c "$run/server.properties" --standalone -g \
    "${scram[@]}" >"$run/logs/format.log" 2>&1 \
    || { cat "$run/logs/format.log" >&2; die "storage format failed"; }
  echo "$security" >"$run/data/.security"
}

wait_ready() {
  local pid=$1 deadline=$((SECONDS + ${KAFKA_START_TIMEOUT:-90}))
  while ((SECONDS < deadline)); do
    if ! kill -0 "$pid" 2>/dev/null; then
      say "the broker exited during start-up; last log lines:"
      tail -n 40 "$log" "$run/logs/stdout.log" 2>/dev/null >&2 || true
      rm -f "$pidfile"
      exit 1
    fi
    if port_open "$port" && grep -q 'Kafka Server started' "$log" 2>/dev/null; then
      return 0
    fi
    sleep 0.2
  done
  say "not ready after ${KAFKA_START_TIMEOUT:-90}s; last log lines:"
  tail -n 40 "$log" >&2 || true
  exit 1
}

start() {
  local pid
  if pid=$(running_pid); then
    say "already running (pid $pid) on 127.0.0.1:$port"
    return 0
  fi
  rm -f "$pidfile"
  for p in "$port" "$cport"; do
    port_open "$p" && die "port $p is in use by another process (a broker from another checkout, or a crashed one?). Free it or choose other ports: KAFKA_PORT=... $0 start"
  done
  install
  if [[ -f $run/data/.security && $(<"$run/data/.security") != "$security" ]]; then
    die "$run was formatted as $(<"$run/data/.security"), not $security: wipe it first ($0 wipe)"
  fi
  write_config
  format_storage
  : >"$log"
  local t0=$SECONDS
  # setsid: the broker outlives the calling shell; its own session so a terminal's Ctrl-C does not hit it.
  setsid bash -c 'exec "$@"' _ java "-Xms$heap" "-Xmx$heap" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
    -Djava.awt.headless=true "-Dlog4j2.configurationFile=$run/log4j2.properties" \
    -cp "$libs/*" kafka.Kafka "$run/server.properties" >"$run/logs/stdout.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$pidfile"
  wait_ready "$pid"
  say "ready on 127.0.0.1:$port (pid $pid, $security, started in $((SECONDS - t0))s; data $run/data)"
  [[ $security == sasl_ssl ]] && say "secured: CA and passwords in $secrets; grant roles: collectctl acls apply"
  return 0
}

status() {
  local pid
  if pid=$(running_pid); then
    echo "running pid=$pid bootstrap=127.0.0.1:$port data=$run/data security=$(cat "$run/data/.security" 2>/dev/null || echo "$security")"
  else
    echo "stopped (bootstrap would be 127.0.0.1:$port)"
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
  wipe) stop; rm -rf "$run"; say "removed $run" ;;
  *) sed -n '2,23p' "$0"; exit 2 ;;
esac
