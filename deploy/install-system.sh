#!/usr/bin/env bash
# Installs, from Debian's packages, the system tools a job needs and the machine lacks.
# Nothing else is installed system-wide by this project: Python packages go into .venv, jars,
# the schema registry and helm into ~/.cache/collections-pipeline.
#
#   deploy/install-system.sh kafka        Java 17 and Maven (the local broker, the test registry)
#   deploy/install-system.sh prometheus   Debian's `prometheus` (the server, for the scrape
#                                         test, and promtool, for the rule tests; ~330 MB
#                                         with its dependencies). Its systemd service is left
#                                         disabled and stopped: the tests start their own.
#   deploy/install-system.sh go           Go (to build helm from the Go module proxy)
#
# `make demo` asks for kafka; `make test` for all three. Needs root (or sudo) only when
# something is missing, and says what it installs before doing it.
set -euo pipefail

say() { printf 'install-system: %s\n' "$*" >&2; }

packages=()
prometheus=no
for need in "$@"; do
  case $need in
    kafka)
      command -v java >/dev/null || packages+=(openjdk-17-jre-headless)
      command -v mvn >/dev/null || packages+=(maven)
      ;;
    prometheus)
      if ! command -v promtool >/dev/null || ! command -v prometheus >/dev/null; then
        packages+=(prometheus)
        prometheus=yes
      fi
      ;;
    go) command -v go >/dev/null || packages+=(golang-go) ;;
    *) say "unknown need '$need' (kafka, prometheus, go)"; exit 2 ;;
  esac
done
((${#packages[@]} == 0)) && exit 0

say "installing system-wide from Debian's packages: ${packages[*]}"
[[ $prometheus == yes ]] && say "prometheus: /usr/bin/prometheus and promtool, a 'prometheus' user, /var/lib/prometheus; its service stays disabled and stopped"
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# policy-rc.d exit 101: packages may not start services while they install.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | $sudo tee /usr/sbin/policy-rc.d >/dev/null
  $sudo chmod +x /usr/sbin/policy-rc.d
  trap '$sudo rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"

if [[ $prometheus == yes ]]; then
  # The package enables prometheus.service; nothing here should run it at boot.
  # (systemctl edits the unit links even where systemd is not running, e.g. a container).
  now=()
  [[ -d /run/systemd/system ]] && now=(--now)
  $sudo systemctl disable "${now[@]}" prometheus.service >/dev/null 2>&1 \
    && say "prometheus.service disabled (the package enables it by default)" \
    || say "could not disable prometheus.service; run: systemctl disable --now prometheus"
fi
