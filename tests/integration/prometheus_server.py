"""A real Prometheus server (Debian's ``/usr/bin/prometheus``) for tests, on a fast clock.

The configuration is generated from ``deploy/prometheus/``: the same job and the same rule
files, with every expression kept as written. Only time constants change, so a test sees in
seconds what production sees in days: scrapes and rule evaluations every second, range
windows, offsets and ``for`` durations divided by ``TIME_SCALE`` (one day becomes 30 s), with
a floor of a few scrapes so that ``rate()`` still has samples to work on.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml

from tests.integration.worker_process import free_port

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy" / "prometheus"
PROMETHEUS = shutil.which("prometheus") or "/usr/bin/prometheus"
TIME_SCALE = 2880  # 1d -> 30 s, 7d -> 210 s, 6h -> 7.5 s
FLOOR_MS = 5000  # shortest window / for: five scrapes
UNITS_S = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
_RANGE = re.compile(r"\[(\d+)(ms|[smhdwy])\]")
_OFFSET = re.compile(r"\boffset (\d+)(ms|[smhdwy])\b")


def scaled_seconds(amount: int, unit: str) -> float:
    """A duration divided by ``TIME_SCALE`` (at least ``FLOOR_MS``), in seconds."""
    ms = amount * UNITS_S[unit] * 1000 / TIME_SCALE
    return max(FLOOR_MS, round(ms)) / 1000


def scaled(amount: str, unit: str) -> str:
    return f"{round(scaled_seconds(int(amount), unit) * 1000)}ms"


def fast_expr(expr: str) -> str:
    expr = _RANGE.sub(lambda m: f"[{scaled(m[1], m[2])}]", expr)
    return _OFFSET.sub(lambda m: f"offset {scaled(m[1], m[2])}", expr)


def fast_rules(source: dict[str, Any]) -> dict[str, Any]:
    """One rule file with its time constants scaled (see the module docstring)."""
    groups = []
    for group in source["groups"]:
        rules = []
        for rule in group["rules"]:
            rule = {**rule, "expr": fast_expr(str(rule["expr"]))}
            if "for" in rule:
                m = re.fullmatch(r"(\d+)(ms|[smhdwy])", str(rule["for"]))
                assert m, rule["for"]
                rule["for"] = scaled(m[1], m[2])
            rules.append(rule)
        fast = {**group, "rules": rules}
        if "interval" in group:
            fast["interval"] = "1s"
        groups.append(fast)
    return {"groups": groups}


def write_config(directory: Path, targets: Sequence[str]) -> Path:
    """prometheus.yml + rules/ in ``directory``, from deploy/prometheus/, scraping ``targets``."""
    config = yaml.safe_load((DEPLOY / "prometheus.yml").read_text())
    rules_dir = directory / "rules"
    rules_dir.mkdir(parents=True, exist_ok=True)
    for path in sorted((DEPLOY / "rules").glob("*.yml")):
        rules = fast_rules(yaml.safe_load(path.read_text()))
        (rules_dir / path.name).write_text(yaml.safe_dump(rules, sort_keys=False))
    config["global"].update(scrape_interval="1s", scrape_timeout="1s", evaluation_interval="1s")
    config["rule_files"] = [str(rules_dir / "*.yml")]
    [job] = config["scrape_configs"]
    job["static_configs"] = [{"targets": list(targets)}]
    path = directory / "prometheus.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path


class PrometheusServer:
    """``prometheus`` on 127.0.0.1 with a config from ``write_config``; stop() ends it."""

    def __init__(self, directory: Path, targets: Sequence[str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = directory / "prometheus.log"
        config = write_config(directory, targets)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(
                [
                    PROMETHEUS,
                    f"--config.file={config}",
                    f"--storage.tsdb.path={directory / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                    "--log.level=warn",
                ],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )

    def wait_ready(self, timeout: float = 60.0) -> None:
        self.wait_for(lambda: self._status("/-/ready") == 200, "prometheus ready", timeout)

    def _status(self, path: str) -> int:
        try:
            with urllib.request.urlopen(self.url + path, timeout=2) as resp:
                return int(resp.status)
        except urllib.error.HTTPError as exc:
            return exc.code
        except OSError:
            return 0

    def api(self, path: str, **params: str) -> Any:
        """GET /api/v1/<path>; the ``data`` of a successful answer."""
        query = urllib.parse.urlencode(params)
        with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=5) as resp:
            body = json.load(resp)
        assert body["status"] == "success", body
        return body["data"]

    def query(self, promql: str) -> dict[frozenset[tuple[str, str]], float]:
        """An instant query's vector as {labels (without __name__): value}."""
        return self._vector(self.api("query", query=promql))

    def query_at(self, promql: str, at: float) -> dict[frozenset[tuple[str, str]], float]:
        """Like ``query``, evaluated at ``at`` (epoch seconds)."""
        return self._vector(self.api("query", query=promql, time=f"{at:.3f}"))

    @staticmethod
    def _vector(data: Any) -> dict[frozenset[tuple[str, str]], float]:
        return {
            frozenset((k, v) for k, v in s["metric"].items() if k != "__name__"): float(
                s["value"][1]
            )
            for s in data["result"]
        }

    def firing(self, alertname: str) -> set[str]:
        """The ``tier`` (or ``instance``) labels of the firing alerts named ``alertname``."""
        alerts = self.api("alerts")["alerts"]
        return {
            a["labels"].get("tier", a["labels"].get("instance", ""))
            for a in alerts
            if a["labels"]["alertname"] == alertname and a["state"] == "firing"
        }

    def wait_for(self, condition: Callable[[], bool], what: str, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while not condition():
            if self.proc.poll() is not None:
                raise AssertionError(f"prometheus exited ({self.proc.returncode}); {self.log_path}")
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
            time.sleep(0.25)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
