"""A speed-up changes no decision: the outputs and states of a fixed input, recorded.

The digests below were recorded before the throughput work of issue 14 and must only change
when a decision changes *on purpose* (a strategy or rule change): then record them anew
(``digest(...)`` prints them) and say so in the commit. To see what changed, field by
field, write both versions' lines with ``python -m tests.unit.pipeline.decision_record OUT``
and ``diff`` them.
"""

from __future__ import annotations

from tests.unit.pipeline.decision_record import chaos_lines, digest, replay_lines

CHAOS = ("d5bafc89c8d197d382597a2c538d33466892a9358b914b9a4b644409cefee023", 1878)
REPLAY = ("f23e386abc0b045c38861743fcb8cc10f1626c5f750179ad710eb71e4b5f2f9b", 3842)


def test_the_chaos_stream_through_the_worker_path_decides_as_recorded() -> None:
    assert digest(chaos_lines(300, 20)) == CHAOS


def test_states_kept_decoded_decide_as_states_read_back_from_their_bytes() -> None:
    # every state hot, and a few (most lookups then miss and decode): same lines as decoding
    assert digest(chaos_lines(300, 20, hot=100_000)) == CHAOS
    assert digest(chaos_lines(300, 20, hot=40)) == CHAOS


def test_the_offline_replay_decides_as_recorded() -> None:
    assert digest(replay_lines(300, 40)) == REPLAY
