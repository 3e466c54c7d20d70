"""What one demo run is asked to do (from the command line), and the names it derives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from streams.contract.catalogue import Catalogue, catalogue
from streams.sim import SimConfig


@dataclass(frozen=True, slots=True)
class DemoOptions:
    accounts: int = 2000
    days: int = 30
    seconds_per_day: float = 2.0
    seed: int = 7
    start: date | None = None  # None: tomorrow on the lender's calendar (see start_day)
    headless: bool = False
    metrics_port: int = 9464  # the worker's /metrics; the gateway's is the next port
    keep_broker: bool = False
    keep_data: bool = False
    bootstrap: str | None = None  # None: the local broker of deploy/local/kafka.sh
    topic_prefix: str = ""
    state_dir: Path = Path(".state/demo")
    partitions: int = 6
    store: str = "rocksdb://"
    catch_up_timeout: float = 120.0  # longest wait for the worker at the end of a day

    @property
    def app_id(self) -> str:
        """The worker's app id (consumer group, changelog topic names)."""
        return f"{self.topic_prefix}collections-demo"

    @property
    def gateway_group(self) -> str:
        """The gateway's consumer group (its committed offsets tell what it has handled)."""
        return f"{self.app_id}-gateway"

    @property
    def gateway_port(self) -> int:
        return self.metrics_port + 1

    def catalogue(self) -> Catalogue:
        return catalogue(self.topic_prefix, self.partitions)

    def sim_config(self, now: datetime) -> SimConfig:
        base = SimConfig(accounts=self.accounts, seed=self.seed)
        return SimConfig(
            accounts=self.accounts, seed=self.seed, start=self.start or start_day(base, now)
        )


def start_day(config: SimConfig, now: datetime) -> date:
    """Tomorrow on the lender's calendar.

    The gateways run on the wall clock and drop a contact whose ``expires_at`` has passed,
    so the simulated days must lie ahead of the wall clock for contacts to reach them.
    """
    return now.astimezone(ZoneInfo(config.lender_zone)).date() + timedelta(days=1)
