"""A seeded, deterministic portfolio simulator: loan book, daily aging, repayments, reactions.

Pure Python (no Kafka): events are the dataclasses of ``streams.core.model``. It feeds the
demo, the end-to-end test, the benchmarks and the replay clock.
"""

from streams.sim.calibration import Calibration, TierRecovery, calibrate, stand_in_channel
from streams.sim.cli import add_cli
from streams.sim.config import ChannelBehaviour, SimConfig, TypeBehaviour
from streams.sim.simulator import Simulator, stream

__all__ = [
    "Calibration",
    "ChannelBehaviour",
    "SimConfig",
    "Simulator",
    "TierRecovery",
    "TypeBehaviour",
    "add_cli",
    "calibrate",
    "stand_in_channel",
    "stream",
]
