"""The demo's main loop: play a day, wait until the pipeline has settled, answer contacts,
refresh the view."""

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

POLL_S = 0.05
SETTLE_POLL_S = 0.1
SCRAPE_EVERY_S = 0.25
REDRAW_EVERY_S = 1.0


class DemoLoop:
    def __init__(
        self,
        opts: DemoOptions,
        player: DayPlayer,
        stop: Callable[[], bool],
        out: TextIO,
        settled: Callable[[], bool],
        check: Callable[[], None] = lambda: None,
    ) -> None:
        """``settled`` tells that the pipeline has done everything the events published so
        far caused (``streams.demo.settle``); ``check`` raises if a child process died (both
        called between steps)."""
        self.opts = opts
        self.settled = settled
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
        # profiles, then the opening book, each applied before what follows (as the replay)
        for publish in (self.player.publish_profiles, self.player.publish_opening):
            publish()
            self._wait_settled(time.monotonic())
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
        """Read contacts until the day's time is up and the pipeline has settled (the worker,
        the gateway and the worker again: ``streams.demo.settle``), then let the simulated
        customers answer them (in a fixed order: see ``DayPlayer``)."""
        earliest = started + self.opts.seconds_per_day
        if self._wait_settled(earliest):
            self._note = ""
        else:
            self._note = "the pipeline is behind the simulator: moving on to the next day"
        self.player.respond_to_read()

    def _settle(self) -> None:
        """After the last day: let the gateway deliver what the worker emitted."""
        self._wait_settled(time.monotonic())
        self._refresh(force=True)

    def _wait_settled(self, earliest: float) -> bool:
        """Read contacts until ``earliest`` has passed and the pipeline has settled; False
        if it has not within the catch-up timeout (or the demo is stopping)."""
        latest = earliest + self.opts.catch_up_timeout
        while not self.stop():
            self.check()
            self.player.read_contacts(POLL_S)
            self._refresh()
            now = time.monotonic()
            if now >= earliest and self.settled():
                self._scrape_until_still(latest)
                return True
            if now > latest:
                return False
        return False

    def _scrape_until_still(self, latest: float) -> None:
        """Scrape until two scrapes a poll apart agree: the worker counts a batch just after
        its commit, which the demo may have seen (committed offsets) a moment earlier."""
        before = None
        while not self.stop() and time.monotonic() < latest:
            self._scrape()
            now = _day_figures(self.worker)
            if now is not None and now == before:
                return
            before = now
            time.sleep(SETTLE_POLL_S)

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


def _day_figures(w: WorkerFigures | None) -> tuple[object, ...] | None:
    """What a day line shows, to tell that the worker's counts stopped moving."""
    if w is None:
        return None
    return (
        w.events_total,
        w.dead_letters,
        sorted(w.contacts.items()),
        sorted(w.recovered.items()),
        sorted(w.entered.items()),
    )
