# Shared by kafka.sh and registry.sh (sourced, not run): messages and the life of one
# background JVM behind a pid file. The sourcing script sets, before calling these:
#   name      the prefix of its messages ("kafka", "registry")
#   pidfile   where the pid is kept
#   marker    a string of the process's command line (a stale pid is not mistaken for it)
#   grace     seconds stop() waits after SIGTERM before SIGKILL

say() { printf '%s: %s\n' "$name" "$*" >&2; }
die() { say "error: $*"; exit 1; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The pid of our running process, if the pid file names one.
running_pid() {
  [[ -f $pidfile ]] || return 1
  local pid
  pid=$(<"$pidfile")
  if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null && grep -q "$marker" "/proc/$pid/cmdline" 2>/dev/null; then
    echo "$pid"
    return 0
  fi
  return 1
}

stop() {
  local pid
  if ! pid=$(running_pid); then
    rm -f "$pidfile"
    say "not running"
    return 0
  fi
  kill -TERM "$pid"
  local deadline=$((SECONDS + grace))
  while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    say "did not stop within ${grace}s; killing"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile"
  say "stopped"
}
