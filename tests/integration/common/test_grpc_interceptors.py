"""The kit's interceptors and client on a real in-process gRPC server: every handler kind gets
request id, identity, metrics and error mapping; gRPC retries idempotent calls on UNAVAILABLE
through the channel's service config, never DEADLINE_EXCEEDED; deadlines shrink downstream;
signed identity: unsigned or bad tokens are refused with UNAUTHENTICATED (logged and counted
like any error), a served caller's token is forwarded downstream."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import grpc
import pytest

from linli.common import deadlines
from linli.common.errors import FIELD_KEY, DeadlineExceeded, InvalidArgument, NotFound, Unavailable
from linli.common.grpc_client import call, make_channel
from linli.common.grpc_interceptors import server_interceptors
from linli.common.grpc_server import GrpcServer
from linli.common.identity import Identity, current_identity
from linli.common.logs import request_id_var
from linli.common.metrics import GRPC_HANDLED
from tests.support import identity

SERVICE = "linli.test.Probe"


class Probe:
    """Handlers of every kind, raw bytes in and out; records what each call saw."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, str]] = []  # method, request id, caller
        self.attempts: dict[str, int] = {}
        self.remaining: list[float | None] = []
        self.lock = threading.Lock()
        self.downstream: Any = None

    def _note(self, method: str) -> int:
        with self.lock:
            self.seen.append((method, request_id_var.get(), current_identity.get().subject))
            self.attempts[method] = self.attempts.get(method, 0) + 1
            return self.attempts[method]

    def flaky(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        if self._note("Flaky") <= int(request or b"0"):
            raise Unavailable("warming up")
        return b"ok"

    def slow(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._note("Slow")
        time.sleep(float(request))
        return b"late"

    def remaining_time(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        self._note("Remaining")
        self.remaining.append(context.time_remaining())
        return b""

    def relay(self, request: bytes, context: grpc.ServicerContext) -> bytes:
        """Calls Remaining on the same server while serving this call."""
        self._note("Relay")
        self.remaining.append(deadlines.remaining())
        return call(self.downstream, b"", idempotent=True)  # type: ignore[no-any-return]

    def count(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        self._note("Count")
        yield b"1"
        yield b"2"
        if request == b"fail":
            raise InvalidArgument("three is too many", field="limit")

    def total(self, requests: Iterator[bytes], context: grpc.ServicerContext) -> bytes:
        self._note("Total")
        return str(sum(int(r) for r in requests)).encode()

    def echo(self, requests: Iterator[bytes], context: grpc.ServicerContext) -> Iterator[bytes]:
        self._note("Echo")
        for request in requests:
            if request == b"missing":
                raise NotFound("no such thing", field="id")
            yield request

    def refuse(self, request: bytes, context: grpc.ServicerContext) -> Iterator[bytes]:
        self._note("Refuse")
        yield b"first"
        if request == b"abort":
            context.abort(grpc.StatusCode.PERMISSION_DENIED, "not yours")
        raise KeyError("secret internals")

    def handler(self) -> grpc.GenericRpcHandler:
        return grpc.method_handlers_generic_handler(
            SERVICE,
            {
                "Flaky": grpc.unary_unary_rpc_method_handler(self.flaky),
                "Slow": grpc.unary_unary_rpc_method_handler(self.slow),
                "Remaining": grpc.unary_unary_rpc_method_handler(self.remaining_time),
                "Relay": grpc.unary_unary_rpc_method_handler(self.relay),
                "Count": grpc.unary_stream_rpc_method_handler(self.count),
                "Refuse": grpc.unary_stream_rpc_method_handler(self.refuse),
                "Total": grpc.stream_unary_rpc_method_handler(self.total),
                "Echo": grpc.stream_stream_rpc_method_handler(self.echo),
            },
        )


@pytest.fixture(scope="module", params=["chained", "one by one"])
def probe(request: pytest.FixtureRequest) -> Iterator[tuple[Probe, int]]:
    """The kit's server (its interceptors chained into one), and the same interceptors
    installed one by one: both must behave the same."""
    probe = Probe()
    server = GrpcServer(
        service="probe",
        version="test",
        host="127.0.0.1",
        port=0,
        interceptors=None if request.param == "chained" else server_interceptors(identity.verifier()),
        verifier=identity.verifier(),
    )
    server.register(
        lambda handler, grpc_server: grpc_server.add_generic_rpc_handlers((handler,)), probe.handler(), SERVICE
    )
    port = server.start()
    probe.downstream = make_channel(f"127.0.0.1:{port}", default_timeout=5.0).unary_unary(f"/{SERVICE}/Remaining")
    try:
        yield probe, port
    finally:
        server.stop(0.5)


@pytest.fixture
def channel(probe: tuple[Probe, int]) -> Iterator[grpc.Channel]:
    # The test signs the identity it sets in current_identity with the tests key.
    opened = make_channel(f"127.0.0.1:{probe[1]}", default_timeout=2.0, initial_backoff=0.01, signer=identity.signer())
    try:
        yield opened
    finally:
        opened.close()


def handled(method: str, code: str) -> float:
    value: float = GRPC_HANDLED.labels(f"/{SERVICE}/{method}", code)._value.get()
    return value


def as_caller(request_id: str) -> tuple[Any, Any]:
    return (request_id_var.set(request_id), current_identity.set(Identity.of("person-9", ["operator"])))


def reset(tokens: tuple[Any, Any]) -> None:
    request_id_var.reset(tokens[0])
    current_identity.reset(tokens[1])


def test_a_server_stream_gets_request_id_identity_metrics_and_error_mapping(
    probe: tuple[Probe, int], channel: grpc.Channel
) -> None:
    before_ok, before_invalid = handled("Count", "OK"), handled("Count", "INVALID_ARGUMENT")
    count = channel.unary_stream(f"/{SERVICE}/Count")
    tokens = as_caller("req-stream")
    try:
        assert list(count(b"")) == [b"1", b"2"]
        replies = count(b"fail")
        received = []
        with pytest.raises(grpc.RpcError) as failed:
            received.extend(replies)
    finally:
        reset(tokens)
    assert received == [b"1", b"2"]  # the messages sent before the error arrive
    assert failed.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert failed.value.details() == "three is too many"
    assert (FIELD_KEY, "limit") in tuple(failed.value.trailing_metadata())
    assert ("Count", "req-stream", "person-9") in probe[0].seen
    assert handled("Count", "OK") == before_ok + 1
    assert handled("Count", "INVALID_ARGUMENT") == before_invalid + 1


def test_a_stream_keeps_the_status_its_handler_chose_and_hides_bugs(
    probe: tuple[Probe, int], channel: grpc.Channel
) -> None:
    before_denied, before_internal = handled("Refuse", "PERMISSION_DENIED"), handled("Refuse", "INTERNAL")
    refuse = channel.unary_stream(f"/{SERVICE}/Refuse")
    with pytest.raises(grpc.RpcError) as denied:
        list(refuse(b"abort"))
    assert (denied.value.code(), denied.value.details()) == (grpc.StatusCode.PERMISSION_DENIED, "not yours")
    with pytest.raises(grpc.RpcError) as bug:
        list(refuse(b"", metadata=[("x-request-id", "req-bug")]))
    assert bug.value.code() == grpc.StatusCode.INTERNAL
    assert bug.value.details() == "internal error (request id req-bug)"
    assert handled("Refuse", "PERMISSION_DENIED") == before_denied + 1
    assert handled("Refuse", "INTERNAL") == before_internal + 1


def test_client_and_bidirectional_streams_are_intercepted_too(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    before = handled("Echo", "NOT_FOUND")
    tokens = as_caller("req-bidi")
    try:
        assert channel.stream_unary(f"/{SERVICE}/Total")(iter([b"1", b"2", b"3"])) == b"6"
        echo = channel.stream_stream(f"/{SERVICE}/Echo")
        assert list(echo(iter([b"a", b"b"]))) == [b"a", b"b"]
        with pytest.raises(grpc.RpcError) as failed:
            list(echo(iter([b"a", b"missing"])))
    finally:
        reset(tokens)
    assert failed.value.code() == grpc.StatusCode.NOT_FOUND
    assert {("Total", "req-bidi", "person-9"), ("Echo", "req-bidi", "person-9")} <= set(probe[0].seen)
    assert handled("Total", "OK") >= 1 and handled("Echo", "NOT_FOUND") == before + 1


def test_an_idempotent_call_is_retried_by_grpc_on_unavailable(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    probe[0].attempts.pop("Flaky", None)
    flaky = channel.unary_unary(f"/{SERVICE}/Flaky")
    assert call(flaky, b"2", idempotent=True) == b"ok"  # failed twice, answered on the third attempt
    assert probe[0].attempts["Flaky"] == 3


def test_a_call_not_marked_idempotent_is_not_retried(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    probe[0].attempts.pop("Flaky", None)
    with pytest.raises(Unavailable):
        call(channel.unary_unary(f"/{SERVICE}/Flaky"), b"1")
    assert probe[0].attempts["Flaky"] == 1


def test_retries_stop_after_the_policy_s_attempts(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    probe[0].attempts.pop("Flaky", None)
    with pytest.raises(Unavailable):
        call(channel.unary_unary(f"/{SERVICE}/Flaky"), b"5", idempotent=True)
    assert probe[0].attempts["Flaky"] == 3


def test_deadline_exceeded_is_not_retried(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    probe[0].attempts.pop("Slow", None)
    with pytest.raises(DeadlineExceeded):
        call(channel.unary_unary(f"/{SERVICE}/Slow"), b"1.0", timeout=0.3, idempotent=True)
    time.sleep(1.0)  # a retry, had there been one, would have reached the server by now
    assert probe[0].attempts["Slow"] == 1


def test_a_call_made_while_serving_gets_at_most_the_served_call_s_remaining_time(
    probe: tuple[Probe, int], channel: grpc.Channel
) -> None:
    probe[0].remaining.clear()
    call(channel.unary_unary(f"/{SERVICE}/Relay"), b"", timeout=0.8)
    served, downstream = probe[0].remaining  # gRPC rounds deadlines: allow a few milliseconds
    assert served is not None and 0 < served <= 0.85
    assert downstream is not None and downstream <= 0.85  # not the downstream channel's 5 s default
    probe[0].remaining.clear()
    call(channel.unary_unary(f"/{SERVICE}/Remaining"), b"", timeout=1.5)
    (direct,) = probe[0].remaining
    assert direct is not None and 0.85 < direct <= 1.55


def test_unsigned_identity_and_bad_tokens_are_refused_before_the_handler(
    probe: tuple[Probe, int], channel: grpc.Channel
) -> None:
    count = channel.unary_stream(f"/{SERVICE}/Count")
    total = channel.stream_unary(f"/{SERVICE}/Total")
    before = handled("Count", "UNAUTHENTICATED")
    calls_before = len(probe[0].seen)
    refusals = {
        "unsigned": [("x-linli-subject", "person-9"), ("x-linli-roles", "operator")],
        "garbage": [("authorization", "Bearer not-a-token")],
        "basic": [("authorization", "Basic cGVyc29uOnB3")],
        "gateway system": [("authorization", f"Bearer {identity.token('system', 'system', issuer='gateway')}")],
    }
    for name, metadata in refusals.items():
        with pytest.raises(grpc.RpcError) as refused:
            list(count(b"", metadata=metadata))
        assert refused.value.code() == grpc.StatusCode.UNAUTHENTICATED, name
        with pytest.raises(grpc.RpcError) as refused_stream:
            total(iter([b"1"]), metadata=metadata)
        assert refused_stream.value.code() == grpc.StatusCode.UNAUTHENTICATED, name
    assert len(probe[0].seen) == calls_before  # no handler ran
    assert handled("Count", "UNAUTHENTICATED") == before + len(refusals)
    assert list(count(b"")) == [b"1", b"2"]  # anonymous stays anonymous
    assert probe[0].seen[-1] == ("Count", probe[0].seen[-1][1], "")
    assert list(count(b"", metadata=identity.who("person-3", "resident"))) == [b"1", b"2"]
    assert probe[0].seen[-1][2] == "person-3"


def test_a_served_caller_s_token_is_forwarded_downstream(probe: tuple[Probe, int], channel: grpc.Channel) -> None:
    probe[0].seen.clear()
    channel.unary_unary(f"/{SERVICE}/Relay")(b"", metadata=identity.who("person-5", "dispatcher@org-1"))
    assert [(m, who) for m, _, who in probe[0].seen] == [("Relay", "person-5"), ("Remaining", "person-5")]
    probe[0].seen.clear()
    call(channel.unary_unary(f"/{SERVICE}/Relay"), b"")  # an anonymous caller stays anonymous downstream
    assert [(m, who) for m, _, who in probe[0].seen] == [("Relay", ""), ("Remaining", "")]
