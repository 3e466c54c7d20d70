"""A consumer whose message-drain loop does not create asyncio tasks for every message.

Faust's drain loop hands each fetched message to the topic conductor with
``await self.wait_first(callback(message), self.suspend_flow.wait())``: the callback stays
interruptible when flow is suspended for a rebalance while it waits on a full stream buffer.
``wait_first`` wraps both coroutines (and two more for stop and crash) in tasks and an
``asyncio.wait``, for every message: about a third of the CPU of a consume-only worker.

Almost always the callback finishes without waiting at all (the buffer has room, flow is
on). ``wait_first`` below first runs the callback one step inline. If it finishes in that
step, it finished before any other coroutine could run, so nothing could have interrupted it
and racing it against ``suspend_flow`` would have given the same result: this is exactly the
case where the tasks are pure overhead. If it has to wait (a full buffer, flow control, a
producer backlog), the started coroutine is handed to Faust's own ``wait_first`` together
with the ``suspend_flow`` waiter, so the wait stays interruptible exactly as before. When
flow is already suspended, the original path runs untouched.
"""

from __future__ import annotations

from collections.abc import Coroutine, Generator
from typing import Any

from faust.transport.drivers.aiokafka import Consumer


class _Resumed:
    """Awaitable that continues a coroutine already started by hand (``first`` = what it is
    waiting on). Sends and throws from the awaiting task are forwarded, as ``await`` would."""

    def __init__(self, coro: Coroutine[Any, Any, Any], first: Any) -> None:
        self.coro = coro
        self.first = first

    def __await__(self) -> Generator[Any, Any, Any]:
        coro, pending = self.coro, self.first
        while True:
            try:
                sent = yield pending
            except GeneratorExit:
                coro.close()
                raise
            except BaseException as exc:  # cancellation included: let the coroutine see it
                try:
                    pending = coro.throw(exc)
                except StopIteration as stop:
                    return stop.value
                continue
            try:
                pending = coro.send(sent)
            except StopIteration as stop:
                return stop.value


class InlineDrainConsumer(Consumer):  # type: ignore[misc]
    """aiokafka consumer of Faust, with the inline fast path of ``wait_first``."""

    async def wait_first(self, *coros: Any, timeout: Any = None) -> Any:  # noqa: ASYNC109
        if len(coros) != 2 or timeout is not None or self.suspend_flow.is_set():
            return await super().wait_first(*coros, timeout=timeout)
        callback, suspended = coros
        if not (isinstance(callback, Coroutine) and isinstance(suspended, Coroutine)):
            return await super().wait_first(*coros, timeout=timeout)
        try:
            waiting_on = callback.send(None)
        except StopIteration:
            suspended.close()  # never started: closing it leaves nothing behind
            return None  # the drain loop ignores the result
        except BaseException:
            suspended.close()
            raise
        return await super().wait_first(_Resumed(callback, waiting_on), suspended)


def install(app: Any) -> None:
    """Make ``app`` create its consumer from ``InlineDrainConsumer`` (before it starts)."""
    app.transport.Consumer = InlineDrainConsumer
