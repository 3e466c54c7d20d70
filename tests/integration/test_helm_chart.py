"""The Helm chart, validated offline (no cluster can run here): helm lint, the rendered
manifests against the Kubernetes schemas (kubernetes-validate), the custom resources against
what their operators need (promtool for the PrometheusRule), and checkov's security checks.

The tools come from ``deploy/helm/tools.sh install`` (cached outside the tree). checkov runs
in a network namespace of its own (``unshare -n``) with ``--skip-download``: it never talks
to its vendor's service.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.core.model import Channel

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "collections-pipeline"
TOOLS = ROOT / "deploy" / "helm" / "tools.sh"
RULES = ROOT / "deploy" / "prometheus" / "rules"
KUBE_VERSION = "1.31.0"
DIGEST = "sha256:" + "0123456789abcdef" * 4
CUSTOM = {"PrometheusRule", "ServiceMonitor", "ScaledObject", "TriggerAuthentication"}


@pytest.fixture(scope="module")
def tools() -> Path:
    subprocess.run([str(TOOLS), "install"], check=True, timeout=900)
    out = subprocess.run([str(TOOLS), "bin"], check=True, capture_output=True, text=True)
    return Path(out.stdout.strip())


def helm(tools: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(tools / "helm"), *args], capture_output=True, text=True, timeout=120, check=False
    )


def render(tools: Path, *sets: str) -> str:
    args = ["template", "cp", str(CHART), "-n", "collections", "--kube-version", KUBE_VERSION]
    for value in sets:
        args += ["--set", value]
    proc = helm(tools, *args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def documents(text: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(text) if d]


def one(docs: list[dict[str, Any]], kind: str, suffix: str = "") -> dict[str, Any]:
    [doc] = [d for d in docs if d["kind"] == kind and d["metadata"]["name"].endswith(suffix)]
    return doc


@pytest.fixture(scope="module")
def rendered(tools: Path) -> str:
    return render(tools, "worker.autoscaling.enabled=true")


@pytest.fixture(scope="module")
def docs(rendered: str) -> list[dict[str, Any]]:
    return documents(rendered)


def test_helm_lint_passes_strict(tools: Path) -> None:
    proc = helm(tools, "lint", "--strict", str(CHART), "--kube-version", KUBE_VERSION)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 chart(s) failed" in proc.stdout


def test_every_manifest_validates_against_the_kubernetes_schemas(
    tools: Path, rendered: str, tmp_path: Path
) -> None:
    manifest = tmp_path / "rendered.yaml"
    manifest.write_text(rendered)
    proc = subprocess.run(
        [str(tools / "kubernetes-validate"), "--strict", "-k", KUBE_VERSION, str(manifest)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    lines = proc.stdout.splitlines() + proc.stderr.splitlines()
    assert proc.returncode == 0, "\n".join(lines)
    passed = [line for line in lines if " passed for resource " in line]
    unknown = [line for line in lines if "Couldn't find schema for kind" in line]
    others = [line for line in lines if line not in passed and line not in unknown]
    assert others == []
    core = [d for d in documents(rendered) if d["kind"] not in CUSTOM]
    assert len(passed) == len(core)
    assert {line.split("kind ")[1].split()[0] for line in unknown} == CUSTOM  # checked below


def test_the_prometheus_rule_carries_the_rule_files_and_promtool_accepts_it(
    docs: list[dict[str, Any]], tmp_path: Path
) -> None:
    groups = one(docs, "PrometheusRule")["spec"]["groups"]
    expected = [
        g
        for path in sorted(RULES.glob("*.yml"))
        for g in yaml.safe_load(path.read_text())["groups"]
    ]
    assert groups == expected
    rules = tmp_path / "rules.yml"
    rules.write_text(yaml.safe_dump({"groups": groups}))
    promtool = shutil.which("promtool") or "/usr/bin/promtool"
    proc = subprocess.run(
        [promtool, "check", "rules", str(rules)], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_service_monitor_scrapes_the_workers_and_gateways_metrics_ports(
    docs: list[dict[str, Any]],
) -> None:
    monitor = one(docs, "ServiceMonitor")["spec"]
    assert monitor["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "30s"}]
    components = {e["key"]: e["values"] for e in monitor["selector"]["matchExpressions"]}
    assert components["app.kubernetes.io/component"] == ["worker", "gateway"]
    for service in (d for d in docs if d["kind"] == "Service"):
        component = service["metadata"]["labels"]["app.kubernetes.io/component"]
        if component in ("worker", "gateway"):
            assert [p["name"] for p in service["spec"]["ports"]] == ["metrics"]


def test_the_worker_is_a_statefulset_with_its_own_volume_probes_and_instance_id(
    docs: list[dict[str, Any]],
) -> None:
    worker = one(docs, "StatefulSet", "-worker")["spec"]
    pod = worker["template"]["spec"]
    [container] = pod["containers"]
    assert worker["volumeClaimTemplates"][0]["metadata"]["name"] == "state"
    assert {"name": "state", "mountPath": "/var/lib/collections"} in container["volumeMounts"]
    assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert container["livenessProbe"]["httpGet"]["path"] == "/live"
    env = {e["name"]: e for e in container["env"]}
    assert env["COLLECTIONS_INSTANCE_ID"]["valueFrom"] == {
        "fieldRef": {"fieldPath": "metadata.name"}
    }
    assert env["COLLECTIONS_STORE"]["value"] == "rocksdb://"
    assert env["COLLECTIONS_DATA_DIR"]["value"] == "/var/lib/collections"
    assert pod["terminationGracePeriodSeconds"] >= 30
    anti = pod["affinity"]["podAntiAffinity"]["preferredDuringSchedulingIgnoredDuringExecution"]
    assert anti[0]["podAffinityTerm"]["topologyKey"] == "kubernetes.io/hostname"
    assert "replicas" not in worker  # KEDA owns the replica count when autoscaling


def test_a_disruption_budget_covers_the_workers(docs: list[dict[str, Any]]) -> None:
    budget = one(docs, "PodDisruptionBudget")["spec"]
    worker = one(docs, "StatefulSet", "-worker")["spec"]
    assert budget["maxUnavailable"] == 1
    assert budget["selector"] == worker["selector"]


def test_credentials_and_keys_are_files_from_secrets_made_before_the_install_never_env(
    docs: list[dict[str, Any]],
) -> None:
    assert [d for d in docs if d["kind"] == "Secret"] == []  # the chart holds no secret
    workloads = [d for d in docs if d["kind"] in ("StatefulSet", "Deployment")]
    assert len(workloads) == 7  # worker, five gateways, callbacks
    for workload in workloads:
        pod = workload["spec"]["template"]["spec"]
        secrets = [v["secret"] for v in pod["volumes"] if "secret" in v]
        assert "collections-kafka" in {s["secretName"] for s in secrets}
        for secret in secrets:
            # only the files this pod needs: never a whole Secret with other roles' keys
            assert secret["items"] and secret["defaultMode"] == 0o440
        for container in pod["containers"]:
            assert not any(
                "valueFrom" in e and "secretKeyRef" in e["valueFrom"] for e in container["env"]
            )
            assert not any(e["name"].endswith("_PASSWORD") for e in container["env"])
            assert "envFrom" not in container


def test_one_gateway_deployment_per_channel_and_the_callbacks_with_services(
    docs: list[dict[str, Any]],
) -> None:
    deployments = {d["metadata"]["name"] for d in docs if d["kind"] == "Deployment"}
    services = {d["metadata"]["name"] for d in docs if d["kind"] == "Service"}
    assert deployments == {f"cp-gateway-{c.topic_suffix}" for c in Channel} | {"cp-callbacks"}
    assert deployments <= services


def test_autoscaling_follows_consumer_lag_and_stops_at_the_partition_count(tools: Path) -> None:
    docs = documents(
        render(
            tools,
            "worker.autoscaling.enabled=true",
            "worker.autoscaling.maxReplicas=50",
            "kafka.partitions=8",
        )
    )
    scaled = one(docs, "ScaledObject")["spec"]
    assert scaled["maxReplicaCount"] == 8
    assert scaled["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "name": "cp-worker",
    }
    [trigger] = scaled["triggers"]
    assert trigger["type"] == "kafka"
    assert trigger["metadata"]["consumerGroup"] == "collections-pipeline"
    assert trigger["authenticationRef"] == {"name": "cp-worker"}  # SASL_SSL by default


@pytest.mark.parametrize(
    "sets",
    [
        (
            "worker.autoscaling.enabled=true",
            "worker.autoscaling.minReplicas=9",
            "kafka.partitions=8",
        ),
        ("worker.replicas=9", "kafka.partitions=8"),
    ],
    ids=["autoscaling-minimum", "fixed-replicas"],
)
def test_more_workers_than_partitions_is_refused_at_render_time(
    tools: Path, sets: tuple[str, ...]
) -> None:
    args = ["template", "cp", str(CHART), "--kube-version", KUBE_VERSION]
    for value in sets:
        args += ["--set", value]
    proc = helm(tools, *args)
    assert proc.returncode != 0
    assert "kafka.partitions (8)" in proc.stderr


def checkov(tools: Path, manifest: Path) -> dict[str, Any]:
    command = [str(tools / "checkov"), "-f", str(manifest), "--framework", "kubernetes"]
    command += ["--skip-download", "--output", "json"]
    if shutil.which("unshare"):
        command = ["unshare", "-n", *command]  # no network at all for the scanner
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    assert proc.stdout, proc.stderr
    report: dict[str, Any] = json.loads(proc.stdout)
    return report


@pytest.fixture(scope="module")
def scans(
    tools: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, dict[str, Any]]]:
    out = {}
    for name, sets in {
        "example values": ("worker.autoscaling.enabled=true",),
        "pinned image": ("worker.autoscaling.enabled=true", f"image.digest={DIGEST}"),
    }.items():
        manifest = tmp_path_factory.mktemp("scan") / "rendered.yaml"
        manifest.write_text(render(tools, *sets))
        out[name] = checkov(tools, manifest)
    yield out


def test_checkov_finds_nothing_with_a_pinned_image(scans: dict[str, dict[str, Any]]) -> None:
    summary = scans["pinned image"]["summary"]
    failed = [
        (c["check_id"], c["resource"]) for c in scans["pinned image"]["results"]["failed_checks"]
    ]
    assert summary["failed"] == 0, failed
    assert summary["skipped"] == 0
    assert summary["passed"] > 300


def test_with_the_example_values_the_only_skip_is_the_explained_digest_check(
    scans: dict[str, dict[str, Any]],
) -> None:
    report = scans["example values"]
    assert report["summary"]["failed"] == 0
    skipped = report["results"]["skipped_checks"]
    assert {c["check_id"] for c in skipped} == {"CKV_K8S_43"}
    assert all("pin the image by digest" in c["check_result"]["suppress_comment"] for c in skipped)
