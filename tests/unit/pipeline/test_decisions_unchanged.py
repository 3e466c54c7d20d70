"""A speed-up changes no decision: the outputs and states of a fixed input, recorded.

The digests below were recorded before the throughput work of issue 14 and must only change
when a decision changes *on purpose* (a strategy or rule change): then record them anew
(``digest(...)`` prints them) and say so in the commit. To see what changed, field by
field, write both versions' lines with ``python -m tests.unit.pipeline.decision_record OUT``
and ``diff`` them.
"""

from __future__ import annotations

from tests.unit.pipeline.decision_record import chaos_lines, digest, replay_lines

# Recorded anew when issue 14 was merged: main had meanwhile stopped keeping the profile's
# display_name in the state (the final-state lines changed, no output did); the merged code
# and main before the merge wrote the same 23,624 lines at 1,500 accounts x 20 days.
CHAOS = ("e777e86e86d3273f8a1aa0006ad4dbff33a6b52a9dfdcc3a7cff4ac24d3f280c", 1878)
REPLAY = ("20f98078a5d7c421597c41e3ac0c81f726b16b7e139090331171462f833aef4f", 3842)


def test_the_chaos_stream_through_the_worker_path_decides_as_recorded() -> None:
    assert digest(chaos_lines(300, 20)) == CHAOS


def test_states_kept_decoded_decide_as_states_read_back_from_their_bytes() -> None:
    # every state hot, and a few (most lookups then miss and decode): same lines as decoding
    assert digest(chaos_lines(300, 20, hot=100_000)) == CHAOS
    assert digest(chaos_lines(300, 20, hot=40)) == CHAOS


def test_the_offline_replay_decides_as_recorded() -> None:
    assert digest(replay_lines(300, 40)) == REPLAY
