#!/usr/bin/env bash
# Offline validation tools for the Helm chart, installed into the cache (outside the tree):
# helm, built with `go install` from the Go module proxy, and a Python virtualenv with
# kubernetes-validate (ships the Kubernetes JSON schemas) and checkov (manifest scanner).
#
#   deploy/helm/tools.sh install   build / install what is missing (once; later runs are instant)
#   deploy/helm/tools.sh helm ...  run the cached helm
#   deploy/helm/tools.sh bin       print the directory holding helm, kubernetes-validate, checkov
#
# Settings (environment):
#   COLLECTIONS_CACHE   cache, outside the tree (default ~/.cache/collections-pipeline)
set -euo pipefail

HELM_VERSION=v3.22.0          # needs Go >= 1.26 to build
KUBERNETES_VALIDATE=1.37.0
CHECKOV=3.3.30

cache=${COLLECTIONS_CACHE:-$HOME/.cache/collections-pipeline}
tools=$cache/helm-tools-$HELM_VERSION-kv$KUBERNETES_VALIDATE-checkov$CHECKOV
bin=$tools/bin

say() { printf 'helm-tools: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

install_helm() {
  [[ -x $bin/helm ]] && return 0
  command -v go >/dev/null || die "go not found: deploy/install-system.sh go (or install Go >= 1.26)"
  local t0=$SECONDS
  say "building helm $HELM_VERSION with go install from the Go module proxy (first run only, ~2-4 min)"
  mkdir -p "$bin"
  # GOTOOLCHAIN=local: build with the Go that is installed, never download another one.
  GOTOOLCHAIN=local GOBIN=$bin go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" \
    || die "go install helm.sh/helm/v3/cmd/helm@$HELM_VERSION failed (Go $(go env GOVERSION); helm $HELM_VERSION needs Go >= 1.26)"
  say "helm built in $((SECONDS - t0))s"
}

install_python_tools() {
  [[ -f $tools/venv/.complete ]] && return 0
  local t0=$SECONDS
  say "installing kubernetes-validate $KUBERNETES_VALIDATE and checkov $CHECKOV from PyPI into $tools/venv (first run only, ~1 min)"
  rm -rf "$tools/venv"
  python3 -m venv "$tools/venv"
  "$tools/venv/bin/pip" install -q --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE" "checkov==$CHECKOV" \
    || die "pip could not install kubernetes-validate / checkov"
  mkdir -p "$bin"
  ln -sf "$tools/venv/bin/kubernetes-validate" "$bin/kubernetes-validate"
  ln -sf "$tools/venv/bin/checkov" "$bin/checkov"
  touch "$tools/venv/.complete"
  say "installed in $((SECONDS - t0))s"
}

case ${1:-} in
  install) install_helm; install_python_tools ;;
  helm) shift; exec "$bin/helm" "$@" ;;
  bin) echo "$bin" ;;
  *) sed -n '2,13p' "$0"; exit 2 ;;
esac
