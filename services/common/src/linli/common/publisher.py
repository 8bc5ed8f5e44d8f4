"""Where the outbox relay's Kafka records are sent from: this process, or a child process.

kafka-python builds, checksums and sends record batches in Python. In a service under load
that work competes with the gRPC handlers for the interpreter lock; `ProcessPublisher` moves
it into a child process (`python -m linli.common.publisher`), so the service can use a
second core. A round is all or nothing: `publish` returns once Kafka acknowledged every
record (acks=all, idempotent producer) or raises `PublishFailed`, and the relay retries the
round. The child lives as long as its stdin: it ends when the service closes it or dies, and
it ignores SIGINT/SIGTERM so that a terminal's Ctrl-C stops the service first.

Frames on the pipes: a 4-byte big-endian length, then a pickle (both ends are this module).
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from typing import IO, Any, Protocol

from kafka import KafkaProducer

from linli.common.cloudevents import Headers
from linli.common.kafka_io import make_producer
from linli.common.logs import configure_logging

Record = tuple[str, bytes, bytes | None, Headers]  # topic, key, value (None: a tombstone), headers
_LENGTH = struct.Struct(">I")


class PublishFailed(Exception):
    """Kafka did not acknowledge every record of a round (or the child process died)."""


class Publisher(Protocol):
    def publish(self, records: Sequence[Record]) -> None: ...
    def close(self) -> None: ...


class ThreadPublisher:
    """Sends from this process, on the producer's own I/O thread."""

    def __init__(self, producer: KafkaProducer, send_timeout: float = 30.0) -> None:
        self.producer = producer
        self.send_timeout = send_timeout

    def publish(self, records: Sequence[Record]) -> None:
        _send_all(self.producer, records, self.send_timeout)

    def close(self) -> None:
        """The producer belongs to the caller."""


class ProcessPublisher:
    """Sends from a child process; restarts it on the next round if it died."""

    def __init__(self, bootstrap: str, client_id: str, send_timeout: float = 30.0, close_seconds: float = 2.0) -> None:
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.send_timeout = send_timeout
        self.close_seconds = close_seconds
        self._child: subprocess.Popen[bytes] | None = None
        self._lock = threading.Lock()
        self._closed = False

    def start(self) -> None:
        with self._lock:
            self._running()

    def publish(self, records: Sequence[Record]) -> None:
        if not records:
            return
        with self._lock:
            if self._closed:
                raise PublishFailed("the Kafka publisher is closed")
            child = self._running()
            try:
                _write_frame(child.stdin, list(records))  # type: ignore[arg-type]
                reply = _read_frame(child.stdout, time.monotonic() + self.send_timeout + 10)  # type: ignore[arg-type]
            except (OSError, EOFError, TimeoutError, pickle.UnpicklingError) as exc:
                self._stop_child(kill=True)
                raise PublishFailed(f"Kafka publisher process failed: {exc!r}") from exc
            if reply is not None:
                raise PublishFailed(str(reply))

    def close(self) -> None:
        """Ends the child once the round in flight (if any) is over, and refuses later rounds.
        A round still waiting for Kafka after `close_seconds` (the broker is unreachable) is cut
        short: the child is killed, that round fails, and its events stay stored as unpublished
        for the next start."""
        self._closed = True
        if not self._lock.acquire(timeout=self.close_seconds):
            child = self._child
            if child is not None:
                with contextlib.suppress(OSError):
                    child.kill()  # the round's read sees the end of the pipe and fails
            self._lock.acquire()
        try:
            self._stop_child(kill=False)
        finally:
            self._lock.release()

    @property
    def pid(self) -> int | None:
        return None if self._child is None else self._child.pid

    def _running(self) -> subprocess.Popen[bytes]:
        if self._child is None or self._child.poll() is not None:
            self._child = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "linli.common.publisher",
                    self.bootstrap,
                    self.client_id,
                    str(self.send_timeout),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        return self._child

    def _stop_child(self, kill: bool) -> None:
        child, self._child = self._child, None
        if child is None:
            return
        if kill:
            child.kill()
        else:
            with contextlib.suppress(OSError):  # the child may be gone already
                child.stdin.close()  # type: ignore[union-attr]
        try:
            child.wait(15)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(5)
        for pipe in (child.stdin, child.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


def _send_all(producer: KafkaProducer, records: Sequence[Record], timeout: float) -> None:
    futures = [producer.send(topic, key=key, value=value, headers=headers) for topic, key, value, headers in records]
    producer.flush(timeout)
    try:
        for future in futures:
            future.get(timeout=timeout)
    except Exception as exc:
        raise PublishFailed(f"Kafka did not acknowledge every record: {exc!r}") from exc


def _write_frame(stream: IO[bytes], value: Any) -> None:
    payload = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_LENGTH.pack(len(payload)) + payload)
    stream.flush()


def _read_exactly(stream: IO[bytes], size: int, deadline: float | None) -> bytes:
    chunks, missing, fd = [], size, stream.fileno()
    while missing:
        if deadline is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                raise TimeoutError("no answer from the Kafka publisher process")
        chunk = os.read(fd, missing)
        if not chunk:
            raise EOFError("the Kafka publisher process ended")
        chunks.append(chunk)
        missing -= len(chunk)
    return b"".join(chunks)


def _read_frame(stream: IO[bytes], deadline: float | None = None) -> Any:
    (size,) = _LENGTH.unpack(_read_exactly(stream, _LENGTH.size, deadline))
    return pickle.loads(_read_exactly(stream, size, deadline))


def _child_main(bootstrap: str, client_id: str, send_timeout: float) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    configure_logging(f"{client_id}-publisher", "WARNING")
    # Frames go to the original stdout; anything a library prints goes to stderr instead.
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = sys.stdin.buffer
    producer = make_producer(bootstrap, client_id=f"{client_id}-publisher")
    try:
        while True:
            try:
                records = _read_frame(source)
            except EOFError:
                return
            try:
                _send_all(producer, records, send_timeout)
                _write_frame(sink, None)
            except PublishFailed as exc:
                _write_frame(sink, str(exc))
    except BrokenPipeError:
        return
    finally:
        producer.close(timeout=10)


if __name__ == "__main__":
    _child_main(sys.argv[1], sys.argv[2], float(sys.argv[3]))
