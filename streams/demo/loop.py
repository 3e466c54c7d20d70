"""The demo's main loop: play a day, answer contacts, refresh the view, wait for the worker."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from streams.demo.options import DemoOptions
from streams.demo.player import DayPlayer
from streams.demo.scrape import GatewayFigures, WorkerFigures, fetch
from streams.demo.stack import GATEWAY_SCRAPE, WORKER_SCRAPE, urls
from streams.demo.view import Progress, day_line, screen

POLL_S = 0.2
SCRAPE_EVERY_S = 0.25
REDRAW_EVERY_S = 1.0


class DemoLoop:
    def __init__(
        self,
        opts: DemoOptions,
        player: DayPlayer,
        stop: Callable[[], bool],
        out: TextIO,
        lag: Callable[[], int],
        check: Callable[[], None] = lambda: None,
    ) -> None:
        """``lag`` counts the input messages the worker has not committed; ``check``
        raises if a child process died (both called between steps)."""
        self.opts = opts
        self.lag = lag
        self.check = check
        self.player = player
        self.stop = stop
        self.out = out
        self.urls = urls(opts)
        self.worker: WorkerFigures | None = None
        self.gateway: GatewayFigures | None = None
        self._worker_text: str | None = None
        self._gateway_text: str | None = None
        self._scraped_at = 0.0
        self._drawn_at = 0.0
        self._note = ""

    def run(self) -> None:
        self.player.publish_profiles()
        self._finish_day(time.monotonic())  # applied before day one (topics are not ordered)
        days = itertools.count() if self.opts.days == 0 else range(self.opts.days)
        for _ in days:
            if self.stop():
                return
            started = time.monotonic()
            self.player.play_day()
            self._finish_day(started)
            if self.opts.headless:
                self.out.write(day_line(self.worker, self.progress()) + "\n")
                self.out.flush()
        if not self.stop():
            self._settle()

    def progress(self) -> Progress:
        p = self.player
        return Progress(
            p.last_day,
            p.days_played,
            self.opts.days,
            sum(p.publisher.sent.values()),
            sum(p.contacts_read.values()),
            self._note,
        )

    def _finish_day(self, started: float) -> None:
        """Read contacts until the day's time is up and the worker has caught up, then let
        the simulated customers answer them (in a fixed order: see ``DayPlayer``)."""
        earliest = started + self.opts.seconds_per_day
        latest = earliest + self.opts.catch_up_timeout
        while not self.stop():
            self.check()
            self.player.read_contacts(POLL_S)
            self._refresh()
            now = time.monotonic()
            if now >= earliest and self._worker_caught_up() and self._contacts_read():
                self._note = ""
                break
            if now > latest:
                self._note = "the worker is behind the simulator: moving on to the next day"
                break
        self.player.respond_to_read()

    def _settle(self) -> None:
        """After the last day: let the gateway deliver what the worker emitted."""
        latest = time.monotonic() + self.opts.catch_up_timeout
        while not self.stop() and time.monotonic() < latest:
            self.check()
            self.player.read_contacts(POLL_S)
            self._refresh(force=True)
            if self._worker_caught_up() and self._gateway_caught_up():
                return

    def _worker_caught_up(self) -> bool:
        """The worker committed every input message so far (the simulator's and the
        gateway's): the contacts they caused are on their topics. Kafka's committed
        offsets, not a scrape: a scrape can fall between counting an event and counting
        the contacts it caused, and moving on then would change the run."""
        return self.lag() == 0

    def _contacts_read(self) -> bool:
        """Every contact the worker emitted so far has reached the simulated customers
        (scraped after the lag was seen at zero, so the count covers every committed batch)."""
        self._scrape()
        if self.worker is None:
            return False
        return self.player.reader.read >= sum(self.worker.contacts.values())

    def _gateway_caught_up(self) -> bool:
        if self.worker is None or self.gateway is None:
            return False
        handled = self.gateway.handled
        return handled >= sum(self.worker.contacts.values())

    def _refresh(self, force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._scraped_at >= SCRAPE_EVERY_S:
            self._scraped_at = now
            self._scrape()
        if not self.opts.headless and now - self._drawn_at >= REDRAW_EVERY_S:
            self._drawn_at = now
            self.out.write(screen(self.worker, self.gateway, self.progress(), self._url_pair()))
            self.out.flush()

    def _url_pair(self) -> tuple[str, str]:
        return self.urls.worker_metrics, self.urls.gateway_metrics

    def _scrape(self) -> None:
        text = fetch(self.urls.worker_metrics)
        if text is not None:
            self._worker_text, self.worker = text, WorkerFigures.from_text(text)
        text = fetch(self.urls.gateway_metrics)
        if text is not None:
            self._gateway_text, self.gateway = text, GatewayFigures.from_text(text)

    def save_scrapes(self, state_dir: Path) -> None:
        """Write the last scrapes (taken while everything still ran) to the state dir."""
        self._scrape()
        scrapes = {WORKER_SCRAPE: self._worker_text, GATEWAY_SCRAPE: self._gateway_text}
        for name, text in scrapes.items():
            if text is not None:
                (state_dir / name).write_text(text, encoding="utf-8")
