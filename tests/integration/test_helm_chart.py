"""The Helm chart, validated offline (no cluster can run here): helm lint, the rendered
manifests against the Kubernetes schemas (kubernetes-validate), the custom resources against
what their operators need (promtool for the PrometheusRule), and checkov's security checks.

The wiring is checked against the programs themselves: every environment variable a
container gets must be one ``Settings.from_env`` (or any other code) looks up, its value must
parse, every file it names must be mounted there, and the pod's Kafka client, key files,
flags and listening address must come out as the code builds them from that layout.

The tools come from ``deploy/helm/tools.sh install`` (cached outside the tree). checkov runs
in a network namespace of its own (``unshare -n``) with ``--skip-download``: it never talks
to its vendor's service.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
import yaml

from connectors.cli import channel_config, listen_address, metrics_address
from connectors.secrets import CALLBACK, CONTACT_TAG, channel_keys
from streams.cli import build_parser
from streams.contract.acls import ROLES, acl_set, gateway_group
from streams.contract.catalogue import catalogue
from streams.core.model import Channel
from streams.kafka_clients import kafka_config, registry_config
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "collections-pipeline"
TOOLS = ROOT / "deploy" / "helm" / "tools.sh"
RULES = ROOT / "deploy" / "prometheus" / "rules"
KUBE_VERSION = "1.31.0"
DIGEST = "sha256:" + "0123456789abcdef" * 4
CUSTOM = {"PrometheusRule", "ServiceMonitor", "ScaledObject", "TriggerAuthentication"}
SOURCES = [ROOT / "streams", ROOT / "connectors"]
# A secured install: SASL_SSL with a CA bundle, a registry with basic auth and its own CA,
# one renamed principal, the callback endpoint with one calling-back gateway (sms) and one
# that does not (ivr), KEDA on.
SECURED = (
    "kafka.securityProtocol=SASL_SSL",
    "kafka.saslMechanism=SCRAM-SHA-256",
    "kafka.caBundle=true",
    "kafka.principals.worker=svc-coll-worker",
    "schemaRegistry.url=https://registry.kafka.svc:8081",
    "schemaRegistry.username=collections",
    "schemaRegistry.caBundle=true",
    "callbacks.enabled=true",
    "gateways.sms.callbacks=true",
    "gateways.ivr.callbacks=false",
    "gateways.agent_call.enabled=false",
    "gateways.field_visit.enabled=false",
    "gateways.legal_letter.enabled=false",
    "worker.autoscaling.enabled=true",
    "worker.kafkaOptions.request\\.timeout\\.ms=10000",
)
CONFIGURATIONS = {
    "default values": (),
    "secured": SECURED,
    "mutual TLS": (
        "kafka.securityProtocol=SSL",
        "kafka.caBundle=false",
        "kafka.clientCertificates=true",
        "worker.autoscaling.enabled=true",
    ),
    "plaintext, no callbacks": ("kafka.securityProtocol=PLAINTEXT", "callbacks.enabled=false"),
}


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


@pytest.mark.parametrize("secured", [False, True], ids=["example values", "secured"])
def test_every_manifest_validates_against_the_kubernetes_schemas(
    tools: Path, rendered: str, tmp_path: Path, secured: bool
) -> None:
    if secured:
        rendered = render(tools, *SECURED)
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
    assert "kafka.partitions (8)" in refusal(tools, sets)


# ------------------------------------------------------------------------------ the wiring


class _Lookups(Mapping[str, str]):
    """An empty environment that remembers every name looked up in it."""

    def __init__(self) -> None:
        self.names: set[str] = set()

    def __getitem__(self, name: str) -> str:
        self.names.add(name)
        raise KeyError(name)

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0


_ENV_READ = re.compile(r"""(?:environ(?:\.get)?[\[(]|getenv\()\s*["']([A-Z][A-Z0-9_]*)["']""")


def names_the_code_reads() -> set[str]:
    """Every variable the programs read: what ``Settings.from_env`` looks up (run, not
    restated), and any name read from ``os.environ`` by literal anywhere in the code."""
    lookups = _Lookups()
    Settings.from_env(lookups)
    found = set(lookups.names)
    for source in SOURCES:
        for path in sorted(source.rglob("*.py")):
            found |= set(_ENV_READ.findall(path.read_text(encoding="utf-8")))
    return found


@pytest.fixture(scope="module")
def configurations(tools: Path) -> dict[str, list[dict[str, Any]]]:
    return {name: documents(render(tools, *sets)) for name, sets in CONFIGURATIONS.items()}


def principals_of(sets: tuple[str, ...]) -> dict[str, str]:
    """The role -> principal renames (kafka.principals.ROLE=NAME) among ``--set`` values."""
    prefix = "kafka.principals."
    return dict(s.removeprefix(prefix).split("=", 1) for s in sets if s.startswith(prefix))


CHANNEL = "collections.example.com/channel"


def containers(
    docs: list[dict[str, Any]],
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(Kafka role, workload, container) of every container the chart runs."""
    for workload in docs:
        if workload["kind"] not in ("StatefulSet", "Deployment"):
            continue
        labels = workload["metadata"]["labels"]
        role = labels["app.kubernetes.io/component"]
        if role == "gateway":
            role = f"gateway-{workload['spec']['template']['metadata']['labels'][CHANNEL]}"
        for container in workload["spec"]["template"]["spec"]["containers"]:
            yield role, workload, container


def environment(container: dict[str, Any]) -> dict[str, str]:
    """The container's variables; the one taken from the downward API as a pod name."""
    env = {}
    for item in container["env"]:
        if "value" in item:
            env[item["name"]] = item["value"]
        else:
            assert item["valueFrom"] == {"fieldRef": {"fieldPath": "metadata.name"}}
            env[item["name"]] = "cp-worker-0"
    return env


def lay_out(
    docs: list[dict[str, Any]], workload: dict[str, Any], container: dict[str, Any], root: Path
) -> None:
    """The container's file system under ``root``, from its mounts only: each Secret item a
    file of one key, each ConfigMap entry as rendered, any other volume an empty directory."""
    volumes = {v["name"]: v for v in workload["spec"]["template"]["spec"]["volumes"]}
    claims = {c["metadata"]["name"] for c in workload["spec"].get("volumeClaimTemplates", [])}
    for mount in container["volumeMounts"]:
        target = root / mount["mountPath"].lstrip("/")
        target.mkdir(parents=True, exist_ok=True)
        volume = volumes.get(mount["name"])
        if volume is None:
            assert mount["name"] in claims
        elif "secret" in volume:
            for item in volume["secret"]["items"]:
                (target / item["path"]).write_text("k" * 32 + "\n")
        elif "configMap" in volume:
            [config] = [
                d
                for d in docs
                if d["kind"] == "ConfigMap" and d["metadata"]["name"] == volume["configMap"]["name"]
            ]
            for key, text in config["data"].items():
                (target / key).write_text(text)


def inside(root: Path, env: dict[str, str]) -> dict[str, str]:
    """``env`` with every absolute path moved under ``root``."""
    return {k: str(root / v.lstrip("/")) if v.startswith("/") else v for k, v in env.items()}


def port(container: dict[str, Any], name: str) -> int:
    [found] = [p["containerPort"] for p in container["ports"] if p["name"] == name]
    return int(found)


def test_the_names_the_code_reads_are_found_by_running_it() -> None:
    names = names_the_code_reads()
    assert {
        "KAFKA_BOOTSTRAP",
        "COLLECTIONS_KAFKA_PASSWORD_FILE",
        "COLLECTIONS_SECRETS_DIR",
    } <= names
    assert len(names) >= len(fields(Settings))  # every setting is looked up
    # what the chart used to set, which nothing reads
    assert not {"COLLECTIONS_KAFKA_CONFIG_FILE", "COLLECTIONS_CALLBACK_KEYS_DIR"} & names


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_every_variable_the_chart_sets_is_one_the_code_reads(
    configurations: dict[str, list[dict[str, Any]]], name: str
) -> None:
    read = names_the_code_reads()
    seen = 0
    for role, _workload, container in containers(configurations[name]):
        names = [e["name"] for e in container["env"]]
        assert len(names) == len(set(names)), role
        unread = sorted(set(names) - read)
        assert unread == [], f"{role} sets variables no code reads: {unread}"
        seen += len(names)
    assert seen > 0


@pytest.mark.parametrize("name", list(CONFIGURATIONS))
def test_each_pod_gets_the_settings_files_and_flags_its_program_needs_and_nothing_more(
    configurations: dict[str, list[dict[str, Any]]], name: str, tmp_path: Path
) -> None:
    docs = configurations[name]
    sets = CONFIGURATIONS[name]
    renamed = principals_of(sets)
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    app_id = values["appId"]
    grants = acl_set(catalogue(), app_id, renamed)
    parser = build_parser()
    tagging: set[Channel] = set()  # channels whose gateway tags its contacts
    answering: set[Channel] = set()  # channels whose callbacks the endpoint accepts
    for role, workload, container in containers(docs):
        root = tmp_path / workload["metadata"]["name"]
        lay_out(docs, workload, container, root)
        settings = Settings.from_env(inside(root, environment(container)))  # values parse
        args = parser.parse_args(container["args"])  # flags exist
        # every file a setting names is there, mounted; the state directory is writable
        for field in fields(Settings):
            value = getattr(settings, field.name)
            if isinstance(value, Path):
                assert value.is_relative_to(root) and value.exists(), (role, field.name)
        [state] = [m for m in container["volumeMounts"] if m["mountPath"] == "/var/lib/collections"]
        assert settings.data_dir == root / "var/lib/collections" and not state.get("readOnly")
        # Kafka as the role's own principal, with the files the client reads at start
        assert role in ROLES
        client = kafka_config(settings)
        registry_config(settings)
        protocol = settings.kafka_security_protocol
        assert client.get("security.protocol", "plaintext") == protocol.lower()
        if protocol.startswith("SASL_"):
            principal = renamed.get(role, role)
            assert client["sasl.username"] == principal
            assert client["sasl.password"] == "k" * 32  # read from the mounted file
            assert any(g.principal == f"User:{principal}" for g in grants)
        else:
            assert settings.kafka_username is None
        # of the Kafka Secret, the pod mounts its own role's password and certificate only
        volumes = workload["spec"]["template"]["spec"]["volumes"]
        for volume in volumes:
            if volume.get("secret", {}).get("secretName") == values["kafka"]["secretName"]:
                owners = {
                    item["key"].rsplit(".", 1)[0]
                    for item in volume["secret"]["items"]
                    if item["key"].endswith((".password", ".crt", ".key"))
                }
                assert owners - {"schema-registry"} <= {role}
        tags = channel_keys(settings.secrets_dir, CONTACT_TAG)
        if args.command == "worker":
            assert settings.secrets_dir is None
            assert settings.instance_id == "cp-worker-0"  # the pod's name
            assert settings.metrics_port == port(container, "metrics")
            assert settings.bind_host not in ("127.0.0.1", "localhost")
        elif args.command == "gateway":
            [channel] = [c for c in Channel if f"gateway-{c.topic_suffix}" == role]
            args.channels = root / str(args.channels).lstrip("/")
            config = channel_config(args)
            assert list(config) == [channel.value]
            for option, value in config[channel.value].items():
                if option.endswith("_file"):
                    assert (root / str(value).lstrip("/")).is_file(), option
            assert args.group == gateway_group(app_id, channel)
            assert any(
                g.resource == "group" and g.name == args.group and g.operation == "READ"
                for g in grants
                if g.principal == f"User:{renamed.get(role, role)}"
            )
            host, listen = metrics_address(args, settings)
            assert (host, listen) == (values["bindHost"], port(container, "metrics"))
            assert set(tags) <= {channel}
            tagging |= set(tags)
        else:
            assert args.command == "callbacks"
            signing = channel_keys(settings.secrets_dir, CALLBACK)
            assert signing and set(signing) == set(tags)
            answering |= set(signing)
            host, listen = listen_address(args, settings)
            assert (host, listen) == (values["bindHost"], port(container, "http"))
    # the endpoint verifies exactly the contact tags the gateways put on what they send
    assert answering == tagging


def test_the_secured_configuration_mounts_each_security_file(
    configurations: dict[str, list[dict[str, Any]]],
) -> None:
    worker = next(c for r, _w, c in containers(configurations["secured"]) if r == "worker")
    env = environment(worker)
    assert env["COLLECTIONS_KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["COLLECTIONS_KAFKA_SASL_MECHANISM"] == "SCRAM-SHA-256"
    assert env["COLLECTIONS_KAFKA_USERNAME"] == "svc-coll-worker"
    assert env["COLLECTIONS_KAFKA_CA_FILE"] == "/etc/collections/kafka/ca.pem"
    assert env["COLLECTIONS_SCHEMA_REGISTRY_PASSWORD_FILE"].startswith("/etc/collections/kafka/")
    assert env["COLLECTIONS_KAFKA_OPTIONS"] == "request.timeout.ms=10000"
    mtls = next(c for r, _w, c in containers(configurations["mutual TLS"]) if r == "worker")
    env = environment(mtls)
    assert env["COLLECTIONS_KAFKA_CERT_FILE"] == "/etc/collections/kafka/client.crt"
    assert "COLLECTIONS_KAFKA_CA_FILE" not in env  # caBundle=false: the system CAs
    assert "COLLECTIONS_KAFKA_USERNAME" not in env


@pytest.mark.parametrize(
    ("name", "sasl", "tls"),
    [
        ("secured", "scram_sha256", True),
        ("mutual TLS", None, True),
        ("default values", "scram_sha512", True),
    ],
)
def test_keda_reads_the_lag_as_the_lag_monitor_which_may_only_describe(
    tools: Path, name: str, sasl: str | None, tls: bool
) -> None:
    docs = documents(render(tools, *CONFIGURATIONS[name], "worker.autoscaling.enabled=true"))
    [trigger] = one(docs, "ScaledObject")["spec"]["triggers"]
    assert trigger["metadata"].get("sasl") == sasl
    assert (trigger["metadata"].get("tls") == "enable") is tls
    auth = one(docs, "TriggerAuthentication")
    assert trigger["authenticationRef"] == {"name": auth["metadata"]["name"]}
    secret = next(
        d["spec"]["template"]["spec"]["volumes"] for d in docs if d["kind"] == "StatefulSet"
    )
    [kafka_secret] = {v["secret"]["secretName"] for v in secret if "secret" in v}
    refs = {r["parameter"]: (r["name"], r["key"]) for r in auth["spec"]["secretTargetRef"]}
    assert "env" not in auth["spec"]  # nothing taken from the worker's container
    if tls and name == "mutual TLS":
        assert refs["cert"] == (kafka_secret, "lag-monitor.crt")
        assert refs["key"] == (kafka_secret, "lag-monitor.key")
    if not sasl:
        assert {"cert", "key"} <= set(refs)
        return
    assert refs["password"] == (kafka_secret, "lag-monitor.password")
    assert refs["username"] == (kafka_secret, "lag-monitor.username")
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    grants = acl_set(catalogue(), values["appId"])
    mine = {(g.resource, g.name, g.operation) for g in grants if g.principal == "User:lag-monitor"}
    assert ("group", values["appId"], "DESCRIBE") in mine
    assert {operation for _r, _n, operation in mine} == {"DESCRIBE"}


def test_without_security_keda_has_no_credentials(tools: Path) -> None:
    docs = documents(
        render(tools, "kafka.securityProtocol=PLAINTEXT", "worker.autoscaling.enabled=true")
    )
    [trigger] = one(docs, "ScaledObject")["spec"]["triggers"]
    assert "authenticationRef" not in trigger
    assert not [d for d in docs if d["kind"] == "TriggerAuthentication"]
    assert not [
        v for v in one(docs, "StatefulSet")["spec"]["template"]["spec"]["volumes"] if "secret" in v
    ]


def test_every_role_the_chart_runs_can_be_renamed_as_collectctl_acls_does(tools: Path) -> None:
    run = ["worker", "callbacks", *(f"gateway-{c.topic_suffix}" for c in Channel)]
    assert "lag-monitor" in ROLES  # KEDA's: its name is a key of the Secret, not a value
    assert set(run) <= set(ROLES)
    docs = documents(render(tools, *(f"kafka.principals.{r}=svc-{r}" for r in run)))
    usernames = {
        role: environment(container)["COLLECTIONS_KAFKA_USERNAME"]
        for role, _workload, container in containers(docs)
    }
    assert usernames == {r: f"svc-{r}" for r in run}


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        (("kafka.principals.publisher=x",), "not a role the chart runs"),
        (("kafka.securityProtocol=TLS",), "expected PLAINTEXT, SSL"),
        (("kafka.saslMechanism=GSSAPI",), "expected SCRAM-SHA-512"),
        (("gateways.email.enabled=true",), "unknown channel"),
        (("gateways.sms.filesSecret=",), "filesSecret is empty"),
        (("gateways.sms.options.secret_file=/etc/collections/webhook/sms/hmac.key",), "directly"),
        (tuple(f"gateways.{c.value}.callbacks=false" for c in Channel), "no enabled gateway"),
        (("worker.terminationGracePeriodSeconds=60",), "must exceed"),
        (("worker.kafkaOptions.a=1\\,2",), "the value no ','"),
    ],
    ids=[
        "principal-of-another-role",
        "security-protocol",
        "sasl-mechanism",
        "unknown-channel",
        "webhook-file-without-secret",
        "webhook-file-in-a-subdirectory",
        "callbacks-without-keys",
        "grace-within-commit-deadline",
        "kafka-option-with-comma",
    ],
)
def test_settings_the_programs_would_refuse_are_refused_at_render_time(
    tools: Path, sets: tuple[str, ...], message: str
) -> None:
    assert message in refusal(tools, sets)


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
        "secured, pinned image": (*SECURED, f"image.digest={DIGEST}"),
    }.items():
        manifest = tmp_path_factory.mktemp("scan") / "rendered.yaml"
        manifest.write_text(render(tools, *sets))
        out[name] = checkov(tools, manifest)
    yield out


@pytest.mark.parametrize("name", ["pinned image", "secured, pinned image"])
def test_checkov_finds_nothing_with_a_pinned_image(
    scans: dict[str, dict[str, Any]], name: str
) -> None:
    summary = scans[name]["summary"]
    failed = [(c["check_id"], c["resource"]) for c in scans[name]["results"]["failed_checks"]]
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


def refusal(tools: Path, sets: tuple[str, ...]) -> str:
    """Render with ``--set`` each of ``sets``; the render must fail: its error output."""
    args = ["template", "cp", str(CHART), "--kube-version", KUBE_VERSION]
    for value in sets:
        args += ["--set", value]
    proc = helm(tools, *args)
    assert proc.returncode != 0, "rendered, but should have been refused"
    return proc.stderr
