#!/usr/bin/env bash
# Installs the system tools the project needs, from Debian's packages, when they are missing:
# a JDK (17+) and Maven for the local Kafka broker, promtool (package `prometheus`) for the
# alert-rule tests. Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null || missing+=(maven)
command -v promtool >/dev/null || missing+=(prometheus)
((${#missing[@]} == 0)) && exit 0
echo "install-system: installing ${missing[*]} from Debian's packages" >&2
sudo=""
[[ $(id -u) -eq 0 ]] || sudo=sudo
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
# policy-rc.d: do not start the packaged Prometheus service; we only need promtool.
if [[ -z $sudo && ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
$sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
