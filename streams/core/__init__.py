"""The pure collections policy core: no Kafka, no clock, no I/O (except ``load_policy``).

See ``streams/core/README.md`` for the strategy file format.
"""

from streams.core.config import ConfigError, Policy, load_policy
from streams.core.policy import Decision, decide, due, next_wakeup
from streams.core.segmentation import bucket_for, tier_for
from streams.core.state import AccountState, CustomerState, customer_from_dict, customer_to_dict

__all__ = [
    "AccountState",
    "ConfigError",
    "CustomerState",
    "Decision",
    "Policy",
    "bucket_for",
    "customer_from_dict",
    "customer_to_dict",
    "decide",
    "due",
    "load_policy",
    "next_wakeup",
    "tier_for",
]
