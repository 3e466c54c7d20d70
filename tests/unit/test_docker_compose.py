"""docker-compose.yml cannot run here (no Docker engine), so check it against the repo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from streams.cli import build_parser
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
OURS = {name: svc for name, svc in SERVICES.items() if "build" in svc}


def test_compose_has_kafka_worker_prometheus_and_grafana() -> None:
    assert {"kafka", "worker", "prometheus", "grafana"} <= set(SERVICES)
    assert SERVICES["kafka"]["environment"]["KAFKA_PROCESS_ROLES"] == "broker,controller"


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_images_build_from_a_dockerfile_that_copies_existing_paths(name: str) -> None:
    build = OURS[name]["build"]
    dockerfile = ROOT / build["context"] / build["dockerfile"]
    assert dockerfile.is_file(), dockerfile
    for line in dockerfile.read_text().splitlines():
        if line.startswith("COPY "):
            for src in line.split()[1:-1]:
                assert (ROOT / build["context"] / src).exists(), f"{dockerfile}: COPY {src}"


@pytest.mark.parametrize("name", sorted(OURS))
def test_our_service_commands_are_valid_collectctl_commands(name: str) -> None:
    args = build_parser().parse_args(OURS[name]["command"])
    assert callable(args.func)


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_bind_mounted_paths_exist_and_named_volumes_are_declared(name: str) -> None:
    declared = set(COMPOSE.get("volumes") or {})
    for volume in SERVICES[name].get("volumes", []):
        source = volume.split(":")[0]
        if source.startswith("."):
            assert (ROOT / source).exists(), f"{name}: {source} is not in the repo"
        else:
            assert source in declared, f"{name}: named volume {source} is not declared"


def test_worker_port_is_the_metrics_port_the_worker_serves() -> None:
    env = SERVICES["worker"]["environment"]
    port = int(env["COLLECTIONS_METRICS_PORT"])
    assert Settings.from_env(env).metrics_port == port
    assert f"127.0.0.1:{port}:{port}" in SERVICES["worker"]["ports"]


@pytest.mark.parametrize("name", sorted(SERVICES))
def test_published_ports_listen_on_the_hosts_loopback_only(name: str) -> None:
    for mapping in SERVICES[name].get("ports", []):
        assert mapping.startswith("127.0.0.1:"), f"{name}: {mapping} is open to the network"


def test_prometheus_in_compose_scrapes_the_worker_service() -> None:
    config_path = next(
        v.split(":")[0] for v in SERVICES["prometheus"]["volumes"] if "prometheus.yml" in v
    )
    config = yaml.safe_load((ROOT / config_path).read_text())
    targets = [
        t
        for job in config["scrape_configs"]
        for sc in job.get("static_configs", [])
        for t in sc["targets"]
    ]
    assert "worker:9464" in targets
