"""The machine a benchmark ran on: CPU, cores, memory, Python, Kafka and client versions."""

from __future__ import annotations

import os
import platform
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

POM = Path(__file__).resolve().parent.parent / "deploy" / "local" / "pom.xml"


def cpu_model() -> str:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return platform.processor() or "unknown"
    match = re.search(r"^model name\s*:\s*(.+)$", text, re.MULTILINE)
    return match.group(1).strip() if match else "unknown"


def ram_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return 0.0


def kafka_version() -> str:
    try:
        match = re.search(r"<kafka.version>(.+?)</kafka.version>", POM.read_text())
    except OSError:
        return "unknown"
    return match.group(1) if match else "unknown"


def _pkg(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "-"


def describe() -> list[str]:
    """Lines describing this machine and the software under test."""
    return [
        f"CPU: {cpu_model()}, {os.cpu_count()} cores; RAM {ram_gib():.1f} GiB",
        f"OS: {platform.system()} {platform.release()}; Python {platform.python_version()}",
        f"Kafka {kafka_version()} (local KRaft broker on this machine); "
        f"rocksdict {_pkg('rocksdict')}, "
        f"confluent-kafka {_pkg('confluent-kafka')}, fastavro {_pkg('fastavro')}",
    ]
