"""The publisher's progress meter: in place on a terminal, plain lines in a log."""

import io
from collections.abc import Callable

from connectors.progress import Progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def clock_of(times: list[float]) -> Callable[[], float]:
    it = iter(times)
    return lambda: next(it)


def test_on_a_terminal_the_line_is_redrawn_in_place_and_ended_once() -> None:
    out = Terminal()
    meter = Progress(out, "aging", clock_of([0.0, 1.0, 1.1, 2.0]))
    meter.update(10, 0)  # drawn
    meter.update(11, 0)  # too soon after the last one
    meter.finish(20, 1)
    assert out.getvalue() == (
        "\raging: 10 rows, 10 rows/s, 0 rejected\raging: 20 rows, 10 rows/s, 1 rejected\n"
    )


def test_into_a_file_it_writes_plain_lines_without_control_characters() -> None:
    out = io.StringIO()
    meter = Progress(out, "aging", clock_of([0.0, 1.0, 5.0, 12.0, 13.0]))
    meter.update(10, 0)  # the first line
    meter.update(50, 0)  # within ten seconds of it: not written
    meter.update(120, 2)
    meter.finish(130, 2)
    lines = out.getvalue().splitlines()
    assert lines == [
        "aging: 10 rows, 10 rows/s, 0 rejected",
        "aging: 120 rows, 10 rows/s, 2 rejected",
        "aging: 130 rows, 10 rows/s, 2 rejected",
    ]
    assert "\r" not in out.getvalue() and "\x1b" not in out.getvalue()
