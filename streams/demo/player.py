"""Plays the simulated book into Kafka one day at a time and answers the pipeline's contacts.

Each day's events are published together with the simulated customers' reactions (outcomes,
promises, repayments) to the contacts read so far whose time has come, in time order, as
the offline replay does. A contact is answered once (the simulator applies its effects).

Contacts are read as they arrive, from five topics in no fixed order, but answered only
between days (``respond_to_read``), sorted by due time and contact id. A reaction changes
the simulated book (a payment, a promise, a boost), so answering in arrival order would
make the same seed give different events from run to run.
"""

from __future__ import annotations

import heapq
from collections import Counter
from datetime import date, datetime

from streams.core.model import ContactDue, ContactOutcome, InputEvent, Repayment
from streams.demo.kafka_io import ContactReader, EventPublisher
from streams.sim import Simulator

Reaction = ContactOutcome | Repayment


class DayPlayer:
    def __init__(self, sim: Simulator, publisher: EventPublisher, reader: ContactReader) -> None:
        self.sim = sim
        self.publisher = publisher
        self.reader = reader
        self.days_played = 0
        self.last_day: date | None = None
        self.contacts_read: Counter[str] = Counter()  # channel -> contacts answered
        self.reactions_sent = 0
        self._answered: set[str] = set()
        self._unanswered: list[ContactDue] = []
        self._pending: list[tuple[datetime, int, Reaction]] = []
        self._seq = 0

    def publish_profiles(self) -> int:
        """The customers' profiles (applied before the book opens, as the replay does)."""
        return self.publisher.publish(self.sim.iter_profiles())

    def publish_opening(self) -> int:
        """The opening snapshot of the book (every account known before day one)."""
        return self.publisher.publish(sorted(self.sim.opening(), key=self.publisher.merge_order))

    def play_day(self) -> date:
        """Publish the next simulated day with the reactions that happened up to its end."""
        d = self.sim.next_day
        todays: list[InputEvent] = list(self.sim.day(d))
        horizon = todays[-1].occurred_at
        reactions: list[InputEvent] = []
        while self._pending and self._pending[0][0] <= horizon:
            reactions.append(heapq.heappop(self._pending)[2])
        self.reactions_sent += len(reactions)
        self.publisher.publish(sorted([*reactions, *todays], key=self.publisher.merge_order))
        self.days_played += 1
        self.last_day = d
        return d

    def read_contacts(self, timeout: float) -> int:
        """Read the contacts published so far (each contact id once); returns how many."""
        fresh = 0
        for contact in self.reader.poll(timeout):
            if contact.contact_id in self._answered:
                continue  # a replayed duplicate: a person is reached once
            self._answered.add(contact.contact_id)
            self._unanswered.append(contact)
            self.contacts_read[contact.channel.value] += 1
            fresh += 1
        return fresh

    def respond_to_read(self) -> int:
        """Let the simulated customers react to every contact read, in a fixed order."""
        contacts = sorted(self._unanswered, key=lambda c: (c.due_at, c.contact_id))
        self._unanswered = []
        for contact in contacts:
            for reaction in self.sim.respond(contact, contact.due_at):
                self._seq += 1
                heapq.heappush(self._pending, (reaction.occurred_at, self._seq, reaction))
        return len(contacts)
