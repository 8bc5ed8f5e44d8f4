"""Kafka consumers of the four topics the notifications service listens to.

One kit consumer (``linli.common.consumer.EventConsumer``: commit after effect, dedupe by
``ce_id``, retries, dead-letter topic, never dies on an event) per topic, all in the group
``notifications``:

| topic | accepted ``ce_source`` | translator |
|---|---|---|
| ``linli.requests.v1`` | ``/linli/requests`` | ``EventTranslator.requests`` |
| ``linli.public.requests.v1`` | ``/linli/requests`` | ``EventTranslator.public_requests`` |
| ``linli.volunteers.v1`` | ``/linli/volunteers`` | ``EventTranslator.volunteers`` |
| ``linli.organizations.v1`` | ``/linli/organizations`` | ``EventTranslator.organizations`` |

Each message becomes ``EventFacts`` (``adapters.event_facts``), the timers' watches learn
from them (``Watches.observe``), then ``bus.handle(ApplyEvent(actor=system "consumer:<topic>",
facts, public_payload))``. An event from another source, of a type the topic does not carry,
or with a payload that breaks its contract is dead-lettered at once (the kit's allowlists,
and ``MalformedEvent``, an ``InvalidArgument``); a failure of the handler (the database or a
peer down) is retried, then dead-lettered. Applying twice is harmless: the kit skips a
``ce_id`` it applied, and the routing handler's entries and deliveries have ids derived from
the event, so a replay after a crash between the write and the offset commit adds nothing.

Each consumer hands the handler a whole poll (``FactsHandler.batch``, the kit's
``batch_handler``): every event is translated and observed, then one ``ApplyEvents`` routes
them all and writes their inbox entries and deliveries in one insert per collection, and the
offsets are committed after it. If anything in the batch fails (a malformed event, the
database), the kit applies the poll one event at a time through ``FactsHandler.__call__``, so
the poison event is dead-lettered and the others applied.

Tombstones (null-valued records the requests service writes to its compacted public topic
after a removal notice) carry nothing to tell anyone: they are skipped before decoding
(``SkipTombstones``), so they neither reach the dead-letter topic nor count as failures.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from kafka import KafkaConsumer, KafkaProducer

from linli.common.cloudevents import Envelope
from linli.common.commands import Actor
from linli.common.consumer import AppliedEvents, ConsumerFactory, EventConsumer, KafkaLikeConsumer
from linli.notifications.adapters import event_facts as ef
from linli.notifications.adapters.event_facts import EventTranslator, MalformedEvent, Translated
from linli.notifications.domain.model import EventFacts
from linli.notifications.service_layer.commands import ApplyEvent, ApplyEvents, Incoming

DEFAULT_GROUP = "notifications"


class Bus(Protocol):
    def handle(self, command: Any) -> Any: ...


class Observer(Protocol):
    def observe(self, facts: EventFacts) -> None: ...


@dataclass(frozen=True)
class TopicSpec:
    """One consumed topic: where its events must come from, which types it carries, and
    how they become facts."""

    topic: str
    source: str
    types: frozenset[str]
    translate: Callable[[Envelope], Translated]


def topic_specs(
    translator: EventTranslator,
    *,
    requests_topic: str = "linli.requests.v1",
    public_requests_topic: str = "linli.public.requests.v1",
    volunteers_topic: str = "linli.volunteers.v1",
    organizations_topic: str = "linli.organizations.v1",
) -> list[TopicSpec]:
    return [
        TopicSpec(requests_topic, ef.REQUESTS_SOURCE, ef.REQUEST_TYPES | ef.VISIT_PLAN_TYPES, translator.requests),
        TopicSpec(
            public_requests_topic,
            ef.REQUESTS_SOURCE,
            frozenset({ef.PUBLIC_REQUEST_CHANGED}),
            translator.public_requests,
        ),
        TopicSpec(volunteers_topic, ef.VOLUNTEERS_SOURCE, ef.VOLUNTEERS_TYPES, translator.volunteers),
        TopicSpec(organizations_topic, ef.ORGANIZATIONS_SOURCE, ef.ORGANIZATIONS_TYPES, translator.organizations),
    ]


class FactsHandler:
    """``linli.common.consumer.Handler`` of one topic: envelope -> facts -> ApplyEvent."""

    def __init__(
        self,
        spec: TopicSpec,
        bus: Bus,
        observers: Sequence[Observer] = (),
        flush: Callable[[], None] | None = None,
    ) -> None:
        self.spec = spec
        self.bus = bus
        self.observers = tuple(observers)
        self.flush = flush
        self.actor = Actor.system(f"consumer:{spec.topic}")

    def _translate(self, envelope: Envelope) -> Translated | None:
        if not envelope.data:
            return None  # a tombstone: nothing happened to tell anyone about
        if envelope.source != self.spec.source:
            raise MalformedEvent(
                f"unexpected source {envelope.source!r} on {self.spec.topic} (expected {self.spec.source})",
                field="ce_source",
            )
        translated = self.spec.translate(envelope)
        for observer in self.observers:
            observer.observe(translated.facts)
        return translated

    def __call__(self, envelope: Envelope) -> None:
        translated = self._translate(envelope)
        if translated is not None:
            self.bus.handle(
                ApplyEvent(actor=self.actor, facts=translated.facts, public_payload=translated.public_payload)
            )
            if self.flush is not None:
                self.flush()

    def batch(self, envelopes: Sequence[Envelope]) -> None:
        """A poll's events through one ``ApplyEvents`` (see the module docstring)."""
        incoming = []
        for envelope in envelopes:
            translated = self._translate(envelope)
            if translated is not None:
                incoming.append(Incoming(translated.facts, translated.public_payload))
        if incoming:
            self.bus.handle(ApplyEvents(actor=self.actor, events=tuple(incoming)))
            if self.flush is not None:
                self.flush()  # what the watches learnt is stored before the offsets are committed


class _WithoutTombstones:
    """A Kafka consumer whose polls leave out null-valued records."""

    def __init__(self, inner: KafkaLikeConsumer) -> None:
        self.inner = inner

    def poll(self, timeout_ms: int) -> dict[Any, list[Any]]:
        batch = self.inner.poll(timeout_ms=timeout_ms)
        kept = {tp: [r for r in records if r.value is not None] for tp, records in batch.items()}
        return {tp: records for tp, records in kept.items() if records}

    def assignment(self) -> set[Any]:
        return self.inner.assignment()

    def commit(self, offsets: dict[Any, Any]) -> None:
        self.inner.commit(offsets)

    def close(self, autocommit: bool) -> None:
        self.inner.close(autocommit=autocommit)


class SkipTombstones:
    """A ``ConsumerFactory`` around another (KafkaConsumer by default) that skips tombstones."""

    def __init__(self, inner: ConsumerFactory = KafkaConsumer) -> None:
        self.inner = inner

    def __call__(self, *topics: str, **config: Any) -> KafkaLikeConsumer:
        return _WithoutTombstones(self.inner(*topics, **config))


def make_consumers(
    *,
    bootstrap: str,
    specs: Sequence[TopicSpec],
    bus: Bus,
    processed: AppliedEvents | None,
    dlq_producer: KafkaProducer,
    observers: Sequence[Observer] = (),
    flush: Callable[[], None] | None = None,
    group_id: str = DEFAULT_GROUP,
    max_attempts: int = 5,
    client_id: str = "notifications",
    max_poll_records: int = 100,
    consumer_factory: ConsumerFactory = KafkaConsumer,
    **options: Any,
) -> list[EventConsumer]:
    """One kit consumer per topic, sources and types allow-listed."""
    handlers = [FactsHandler(spec, bus, observers, flush) for spec in specs]
    return [
        EventConsumer(
            bootstrap=bootstrap,
            group_id=group_id,
            topics=[spec.topic],
            handler=handler,
            batch_handler=handler.batch,
            processed=processed,
            dlq_producer=dlq_producer,
            max_attempts=max_attempts,
            client_id=f"{client_id}-{spec.topic}",
            max_poll_records=max_poll_records,
            allowed_sources=[spec.source],
            allowed_types=sorted(spec.types),
            consumer_factory=SkipTombstones(consumer_factory),
            **options,
        )
        for spec, handler in zip(specs, handlers, strict=True)
    ]
