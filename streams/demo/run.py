"""``collectctl demo``: start everything, play the simulated days, stop everything cleanly."""

from __future__ import annotations

import logging
import signal
import sys
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import TextIO

from streams.contract.producer import CLIENT_LOG
from streams.demo.children import Child, DemoError, LocalBroker, stop_all
from streams.demo.kafka_io import (
    CommittedLag,
    ContactReader,
    EventPublisher,
    GroupOffsets,
    TopicEnds,
)
from streams.demo.loop import DemoLoop
from streams.demo.options import DemoOptions
from streams.demo.player import DayPlayer
from streams.demo.settle import Settled
from streams.demo.stack import (
    check_ports_free,
    clean_slate,
    create_topics,
    start_gateway,
    start_worker,
    urls,
    wait_ready,
)
from streams.demo.view import summary
from streams.kafka_clients import kafka_config
from streams.settings import Settings
from streams.sim import Simulator


class StopFlag:
    """Set by SIGINT / SIGTERM; the loop checks it between short steps."""

    def __init__(self) -> None:
        self.set = False
        self.signum = 0

    def __call__(self) -> bool:
        return self.set

    def handle(self, signum: int, frame: FrameType | None) -> None:
        if not self.set:
            sys.stderr.write("\ndemo: stopping (simulator, gateway, worker)...\n")
        self.set = True
        self.signum = self.signum or signum

    def install(self) -> None:
        signal.signal(signal.SIGINT, self.handle)
        signal.signal(signal.SIGTERM, self.handle)


@dataclass
class Running:
    """Everything one run started, so that ``close`` stops exactly that, in order."""

    opts: DemoOptions
    broker: LocalBroker | None = None
    children: list[Child] = field(default_factory=list)  # in stopping order
    reader: ContactReader | None = None
    publisher: EventPublisher | None = None
    lag: CommittedLag | None = None
    gateway_offsets: GroupOffsets | None = None
    loop: DemoLoop | None = None

    def close(self) -> None:
        if self.loop is not None:
            self.loop.save_scrapes(self.opts.state_dir)
        if self.lag is not None:
            self.lag.close()
        if self.gateway_offsets is not None:
            self.gateway_offsets.close()
        if self.reader is not None:
            self.reader.close()
        if self.publisher is not None:
            self.publisher.close()
        stop_all(self.children)
        if self.broker is not None and self.broker.started_here and not self.opts.keep_broker:
            self.broker.stop()


def run_demo(opts: DemoOptions, out: TextIO | None = None) -> int:
    out = out or sys.stdout  # looked up at call time (redirection, tests)
    opts.state_dir.mkdir(parents=True, exist_ok=True)
    log_handler = _client_log_to(opts.state_dir / "demo.log")
    stop = StopFlag()
    stop.install()
    run = Running(opts)
    code = 0
    try:
        _start(run, stop, out)
    except DemoError as exc:
        _say(f"error: {exc}")
        code = 1
    except KeyboardInterrupt:
        pass
    finally:
        run.close()
        CLIENT_LOG.removeHandler(log_handler)
        log_handler.close()
    if run.loop is not None:
        out.write(summary(run.loop.worker, run.loop.gateway, run.loop.progress()) + "\n")
        out.write(f"gateway files: {opts.state_dir / 'gateway'}/<channel>.jsonl\n")
    return code or (128 + stop.signum if stop() else 0)


def _start(run: Running, stop: StopFlag, out: TextIO) -> None:
    opts = run.opts
    check_ports_free(opts)
    if opts.bootstrap is None:
        run.broker = LocalBroker.ensure()
    bootstrap = opts.bootstrap or run.broker.bootstrap  # type: ignore[union-attr]
    # security settings (if any) come from the environment, like the children's
    client = kafka_config(replace(Settings.from_env(), kafka_bootstrap=bootstrap))
    opts.state_dir.mkdir(parents=True, exist_ok=True)
    if not opts.keep_data:
        clean_slate(opts, client, local=run.broker is not None)
    create_topics(opts, client)
    worker = start_worker(opts, bootstrap)
    run.children.append(worker)
    gateway = start_gateway(opts, bootstrap)
    run.children.insert(0, gateway)  # stopped first, while the worker still runs
    _say(f"worker and gateway starting (logs in {opts.state_dir})")
    wait_ready(opts, worker, gateway, stop)
    _say(f"worker ready; metrics on {urls(opts).worker_metrics}")
    cat = opts.catalogue()
    run.reader = ContactReader(client, cat, f"{opts.app_id}-customers")
    run.publisher = EventPublisher(client, cat)
    inputs = [t.name for t in cat.inputs()]
    run.lag = CommittedLag(client, opts.app_id, inputs, opts.partitions)
    run.gateway_offsets = GroupOffsets(client, opts.gateway_group)
    settled = Settled(run.lag, run.reader, TopicEnds(client), run.gateway_offsets)
    sim = Simulator(opts.sim_config(datetime.now(UTC)))
    player = DayPlayer(sim, run.publisher, run.reader)
    _say(_plan(opts))
    run.loop = DemoLoop(
        opts, player, stop, out, settled=settled, check=lambda: _check_alive(run.children)
    )
    run.loop.run()


def _plan(opts: DemoOptions) -> str:
    if opts.days == 0:
        return "playing simulated days until Ctrl-C"
    shortest = opts.days * opts.seconds_per_day
    pace = f", at least {shortest:.0f} s" if shortest else ""
    return (
        f"playing {opts.days} simulated days{pace}, then a summary; Ctrl-C stops earlier "
        "(--days 0 plays until Ctrl-C)"
    )


def _client_log_to(path: Path) -> logging.Handler:
    """The demo's own Kafka clients log to a file (one per run), not over the screen."""
    handler = logging.FileHandler(path, mode="w", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    CLIENT_LOG.addHandler(handler)
    CLIENT_LOG.propagate = False
    return handler


def _check_alive(children: list[Child]) -> None:
    for child in children:
        if not child.alive():
            raise DemoError(f"{child.name} exited ({child.proc.returncode}); see {child.log}")


def _say(text: str) -> None:
    sys.stderr.write(f"demo: {text}\n")
