"""The service runtime's start: what was loaded before it is kept out of full GC passes; the
identity keys it verifies callers with and the key it signs its own calls with."""

from __future__ import annotations

import gc
import logging

import grpc
import pytest

from linli.common import grpc_client
from linli.common.config import ServiceConfig
from linli.common.identity import SYSTEM
from linli.common.runtime import ServiceRuntime
from linli.v1 import diagnostics_pb2, diagnostics_pb2_grpc
from tests.support import identity


def test_start_freezes_what_was_loaded_before_it() -> None:
    gc.unfreeze()
    loaded = [{"request": n, "history": [n]} for n in range(10_000)]  # a read model built at start
    runtime = ServiceRuntime(ServiceConfig.from_env({}, grpc_port=0, metrics_port=0, drain_seconds=0.5))
    runtime.start()
    try:
        assert gc.get_freeze_count() >= len(loaded)
    finally:
        runtime.shutdown()
        gc.unfreeze()


def ping(port: int, metadata: list[tuple[str, str]]) -> grpc.StatusCode:
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        try:
            diagnostics_pb2_grpc.DiagnosticsServiceStub(channel).Ping(
                diagnostics_pb2.PingRequest(nonce="n"), metadata=metadata, timeout=5
            )
        except grpc.RpcError as exc:
            return exc.code()
    return grpc.StatusCode.OK


def test_a_service_without_keys_refuses_every_token_and_says_so(caplog: pytest.LogCaptureFixture) -> None:
    runtime = ServiceRuntime(ServiceConfig.from_env({}, grpc_port=0, metrics_port=0, drain_seconds=0.5))
    with caplog.at_level(logging.INFO):
        runtime.start()
    try:
        assert "no identity keys (LINLI_IDENTITY_KEYS_DIR): every token is refused" in caplog.text
        assert ping(runtime.grpc.port, identity.who("op-1", "operator")) == grpc.StatusCode.UNAUTHENTICATED
        assert ping(runtime.grpc.port, identity.anonymous()) == grpc.StatusCode.OK
    finally:
        runtime.shutdown()


def test_a_service_with_keys_verifies_tokens_and_signs_its_own_calls(caplog: pytest.LogCaptureFixture) -> None:
    config = ServiceConfig.from_env(
        {}, grpc_port=0, metrics_port=0, drain_seconds=0.5, **identity.service_settings("requests")
    )
    runtime = ServiceRuntime(config)
    with caplog.at_level(logging.INFO):
        runtime.start()
    try:
        assert grpc_client.service_signer() is runtime.signer
        assert runtime.signer is not None and runtime.signer.kid == "requests.1"
        assert ping(runtime.grpc.port, identity.who("op-1", "operator")) == grpc.StatusCode.OK
        assert ping(runtime.grpc.port, [("x-linli-subject", "op-1")]) == grpc.StatusCode.UNAUTHENTICATED
        # As itself (no served caller) the service sends `system`, signed with its own key.
        (metadata,) = grpc_client.identity_metadata()
        assert identity.verifier().verify(metadata[1].removeprefix("Bearer ")) == SYSTEM
    finally:
        runtime.shutdown()
    assert grpc_client.service_signer() is None
