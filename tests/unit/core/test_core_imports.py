from __future__ import annotations

import subprocess
import sys

FORBIDDEN = ("confluent_kafka", "rocksdict", "prometheus_client", "yaml")


def test_importing_the_core_loads_no_kafka_client_metrics_or_yaml() -> None:
    probe = (
        "import sys, streams.core, streams.core.policy, streams.core.state, streams.core.config;"
        f"print(sorted(m for m in sys.modules if m.split('.')[0] in {FORBIDDEN!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_the_probe_would_notice_a_kafka_import() -> None:
    probe = "import sys, confluent_kafka; print('confluent_kafka' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "True"
